#include "contrib/testserver/pop3/maildrop.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace mailferry::testserver::pop3 {

Maildrop::Maildrop(std::uint32_t uidvalidity, const std::vector<MessageInfo>& messages)
    : uidvalidity_(uidvalidity) {
    messages_.reserve(messages.size());
    for (const auto& m : messages) {
        messages_.push_back(Message{m.uid, m.size, false});
    }
}

std::size_t Maildrop::count() const noexcept {
    return static_cast<std::size_t>(std::count_if(messages_.begin(), messages_.end(),
                                                  [](const Message& m) { return !m.deleted; }));
}

std::uint64_t Maildrop::total_size() const noexcept {
    std::uint64_t total = 0;
    for (const auto& m : messages_) {
        if (!m.deleted) {
            total += m.size;
        }
    }
    return total;
}

Maildrop::Selection Maildrop::select(std::string_view number) const noexcept {
    // RFC 1939 §3: a message-number is a decimal number; no sign, no spaces.
    if (number.empty() ||
        !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return {Status::bad_number, 0};
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc{} || end != number.data() + number.size() || value == 0 ||
        value > messages_.size()) {
        // Overflow is as much "no such message" as a number just past the end.
        return {Status::no_such_message, 0};
    }
    const auto n = static_cast<std::size_t>(value);
    return {messages_[n - 1].deleted ? Status::deleted : Status::ok, n};
}

std::string Maildrop::uidl(std::size_t number) const {
    return fmt::format("{:x}.{:x}", uidvalidity_, at(number).uid);
}

void Maildrop::mark_deleted(std::size_t number) {
    messages_.at(number - 1).deleted = true;
}

void Maildrop::reset() noexcept {
    for (auto& m : messages_) {
        m.deleted = false;
    }
}

std::vector<std::uint32_t> Maildrop::deleted_uids() const {
    std::vector<std::uint32_t> uids;
    for (const auto& m : messages_) {
        if (m.deleted) {
            uids.push_back(m.uid);
        }
    }
    return uids;
}

}  // namespace mailferry::testserver::pop3
