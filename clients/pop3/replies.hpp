#pragma once
// Parsers for the payloads of POP3 replies: the +OK text of STAT and of
// LIST/UIDL with an argument, and the lines of the LIST, UIDL and CAPA
// multi-line bodies (RFC 1939 §5, §7; RFC 2449 §5). Each returns
// std::nullopt when the text does not have the RFC's shape.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::pop3 {

// STAT: "+OK nn mm" (RFC 1939 §5); text after the first two numbers is
// ignored, as the RFC allows.
struct Stat {
    std::uint32_t count = 0;
    std::uint64_t octets = 0;
};
std::optional<Stat> parse_stat(std::string_view text);

// A scan listing, "msg octets", of LIST n or one line of LIST.
struct ScanListing {
    std::uint32_t number = 0;
    std::uint64_t octets = 0;
};
std::optional<ScanListing> parse_list_line(std::string_view line);

// A unique-id listing, "msg uidl", of UIDL n or one line of UIDL. The UIDL is
// 1 to 70 characters 0x21-0x7E per RFC 1939 §7; up to 255 are accepted
// because some servers exceed 70.
struct UidlListing {
    std::uint32_t number = 0;
    std::string uidl;
};
std::optional<UidlListing> parse_uidl_line(std::string_view line);

// One CAPA line: "SASL PLAIN LOGIN" -> {"SASL", {"PLAIN", "LOGIN"}}. The
// name is upper-cased, arguments are kept as sent.
struct Capability {
    std::string name;
    std::vector<std::string> args;
};
std::optional<Capability> parse_capa_line(std::string_view line);

// Splits a collected multi-line body (already unstuffed) into lines without
// their CRLF or LF; a final line without a line end is kept.
std::vector<std::string_view> split_lines(std::string_view body);

}  // namespace mailferry::pop3
