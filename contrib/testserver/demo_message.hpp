#pragma once
// Builds the RFC 5322 text of one demo message (demo_mail.hpp): CRLF line
// ends, Message-ID, Date, From, To, Subject, MIME-Version, and one of a few
// MIME shapes. Pure: the same description gives the same octets.

#include "contrib/testserver/store/mail_store.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace mailferry::testserver::demo {

enum class Shape {
    plain,        // text/plain
    alternative,  // multipart/alternative: text/plain + text/html
    attachment,   // multipart/mixed: text/plain + a small application/pdf in base64
    forward,      // multipart/mixed: text/plain + message/rfc822 of another message
};

struct CivilTime {
    int year, month, day, hour, minute;
    int offset_minutes;  // minutes east of UTC
};

// Seconds since the epoch of a local civil time with its UTC offset.
InternalDate to_internal_date(const CivilTime& t);

// "Tue, 06 Jan 2026 09:15:00 +0100" (RFC 5322 §3.3).
std::string format_date(const CivilTime& t);

struct MessageSpec {
    std::string message_id;  // without angle brackets
    CivilTime date;
    std::string_view from;
    std::string_view to;
    std::string_view subject;  // already RFC 2047-encoded when not ASCII
    std::string_view text;     // UTF-8, '\n' line ends
    Shape shape = Shape::plain;
};

// The full message. Every line ends in CRLF.
std::string build_message(const MessageSpec& spec);

}  // namespace mailferry::testserver::demo
