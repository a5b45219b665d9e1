#include "state/records.hpp"

namespace mailferry::state {

std::string_view to_string(MessageStatus s) noexcept {
    switch (s) {
        case MessageStatus::pending:
            return "pending";
        case MessageStatus::copied:
            return "copied";
        case MessageStatus::deleted_on_source:
            return "deleted_on_source";
        case MessageStatus::deleted_on_target:
            return "deleted_on_target";
        case MessageStatus::stale:
            return "stale";
    }
    return "pending";
}

std::optional<MessageStatus> parse_message_status(std::string_view text) noexcept {
    for (const MessageStatus s :
         {MessageStatus::pending, MessageStatus::copied, MessageStatus::deleted_on_source,
          MessageStatus::deleted_on_target, MessageStatus::stale}) {
        if (to_string(s) == text) {
            return s;
        }
    }
    return std::nullopt;
}

}  // namespace mailferry::state
