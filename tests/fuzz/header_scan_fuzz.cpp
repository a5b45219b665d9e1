// HeaderScan over arbitrary messages. The first byte picks the chunk size
// and the head limit: the head kept, its Message-ID and its date are the
// same whether the message arrives whole or in chunks; the head is a prefix
// of the message within the limit; the Message-ID is unfolded and trimmed.
// The first line also goes to parse_rfc5322_date as it is.
#include "sync/adapters/header_scan.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

using mailferry::sync::HeaderScan;
using mailferry::sync::parse_rfc5322_date;

// Seconds of 0000-01-01 and 9999-12-31 (four-digit years), a day either
// side for the zone.
constexpr std::int64_t earliest = -62167219200 - 86400;
constexpr std::int64_t latest = 253402300799 + 86400;

void check_date(std::optional<std::int64_t> date) {
    if (date && (*date < earliest || *date > latest)) {
        std::abort();
    }
}

HeaderScan scan(std::string_view message, std::size_t limit, std::size_t piece) {
    HeaderScan head(limit);
    while (!message.empty()) {
        const std::string_view chunk = message.substr(0, piece);
        message.remove_prefix(chunk.size());
        head.feed(chunk);
    }
    return head;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t piece = (data[0] & 0x0fU) + 1;
    const std::size_t limit = (data[0] & 0x80U) != 0 ? 64 : 64 * 1024;
    const std::string_view message(reinterpret_cast<const char*>(data) + 1, size - 1);

    const HeaderScan whole = scan(message, limit, message.size() + 1);
    const HeaderScan chunked = scan(message, limit, piece);
    if (whole.header() != chunked.header() || whole.complete() != chunked.complete()) {
        std::abort();
    }
    const std::string& header = whole.header();
    if (header.size() > limit || !message.starts_with(header) ||
        (!whole.complete() && header.size() != message.size())) {
        std::abort();
    }

    const std::string id = whole.message_id();
    if (id != chunked.message_id() || id.find_first_of("\r\n\t") != std::string::npos ||
        (!id.empty() && (id.front() == ' ' || id.back() == ' '))) {
        std::abort();
    }
    const std::optional<std::int64_t> date = whole.date();
    if (date != chunked.date()) {
        std::abort();
    }
    check_date(date);
    check_date(parse_rfc5322_date(message.substr(0, message.find('\n'))));
    return 0;
}
