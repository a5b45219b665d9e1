#include "sync/flags.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>
#include <array>

namespace mailferry::sync {
namespace {

// RFC 3501 §2.3.2; \Recent and \Deleted are included so they get their
// canonical spelling before being dropped.
constexpr std::array<std::string_view, 6> system_flags{"\\Seen",    "\\Answered", "\\Flagged",
                                                       "\\Deleted", "\\Draft",    "\\Recent"};

std::string canonical(std::string_view flag) {
    const std::string folded = wire::to_ascii_lower(flag);
    for (std::string_view known : system_flags) {
        if (wire::to_ascii_lower(known) == folded) {
            return std::string(known);
        }
    }
    return std::string(flag);
}

bool contains(const std::vector<std::string>& set, std::string_view flag) {
    const std::string folded = wire::to_ascii_lower(flag);
    return std::any_of(set.begin(), set.end(),
                       [&](const std::string& f) { return wire::to_ascii_lower(f) == folded; });
}

}  // namespace

bool is_system_flag(std::string_view flag) noexcept {
    return !flag.empty() && flag[0] == '\\';
}

std::vector<std::string> syncable_flags(const std::vector<std::string>& flags) {
    std::vector<std::string> out;
    for (const std::string& raw : flags) {
        if (raw.empty()) {
            continue;
        }
        std::string flag = canonical(raw);
        if (flag == "\\Recent" || flag == "\\Deleted" || contains(out, flag)) {
            continue;
        }
        out.push_back(std::move(flag));
    }
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        return wire::to_ascii_lower(a) < wire::to_ascii_lower(b);
    });
    return out;
}

std::vector<std::string> keywords_of(const std::vector<std::string>& flags) {
    std::vector<std::string> out;
    std::copy_if(flags.begin(), flags.end(), std::back_inserter(out),
                 [](const std::string& f) { return !is_system_flag(f); });
    return out;
}

std::vector<std::string> without_keywords(const std::vector<std::string>& flags) {
    std::vector<std::string> out;
    std::copy_if(flags.begin(), flags.end(), std::back_inserter(out),
                 [](const std::string& f) { return is_system_flag(f); });
    return out;
}

std::vector<std::string> flags_minus(const std::vector<std::string>& a,
                                     const std::vector<std::string>& b) {
    std::vector<std::string> out;
    std::copy_if(a.begin(), a.end(), std::back_inserter(out),
                 [&](const std::string& f) { return !contains(b, f); });
    return out;
}

bool same_flags(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return flags_minus(a, b).empty() && flags_minus(b, a).empty();
}

}  // namespace mailferry::sync
