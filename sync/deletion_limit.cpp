#include "sync/deletion_limit.hpp"

namespace mailferry::sync {

std::uint64_t DeletionLimit::allowed(std::uint64_t messages) const noexcept {
    if (!percent) {
        return value;
    }
    if (value >= 100) {
        return messages;
    }
    const std::uint64_t share = (messages * value + 99) / 100;
    return messages > 0 && share >= messages ? messages - 1 : share;
}

std::string DeletionLimit::to_string() const {
    return std::to_string(value) + (percent ? "%" : "");
}

}  // namespace mailferry::sync
