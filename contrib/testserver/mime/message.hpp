#pragma once
// The structure of an RFC 5322 / MIME message, for the IMAP server's FETCH
// (ENVELOPE, BODYSTRUCTURE, BODY[section]) and SEARCH (header and text keys,
// SENT* dates). Pure: parses a complete message held in memory and never
// copies the body; results are offsets into the caller's buffer, which must
// outlive the ParsedMessage.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::mime {

struct HeaderField {
    std::string_view name;   // as written, e.g. "Subject"
    std::string_view value;  // raw value after the colon, folding CRLFs included
};

struct BodyPart {
    // Offsets into the whole message.
    std::size_t header_begin = 0, header_end = 0;  // header incl. the blank line
    std::size_t body_begin = 0, body_end = 0;
    std::vector<HeaderField> fields;                          // this part's own header fields
    std::string type = "TEXT", subtype = "PLAIN";             // upper-cased, defaults per RFC 2045
    std::vector<std::pair<std::string, std::string>> params;  // Content-Type parameters
    std::vector<BodyPart> children;  // multipart parts, or the body of message/rfc822
    bool is_multipart() const { return type == "MULTIPART"; }
    bool is_message_rfc822() const { return type == "MESSAGE" && subtype == "RFC822"; }
};

class ParsedMessage {
  public:
    // Parses `message`, which must stay alive and unchanged while this object
    // is used. Never fails: broken MIME degrades to text/plain, as servers do.
    explicit ParsedMessage(std::string_view message);

    const BodyPart& root() const noexcept { return root_; }
    std::string_view bytes() const noexcept { return message_; }

    // RFC 3501 §7.4.2 ENVELOPE and BODYSTRUCTURE (with extension data) /
    // BODY (without), as the exact text to put after the keyword.
    std::string envelope() const;
    std::string body_structure(bool extensible) const;

    // The octets of a BODY[section] (RFC 3501 §6.4.5), section text as the
    // client wrote it between the brackets, upper-cased: "", "HEADER", "TEXT",
    // "1.2", "1.MIME", "HEADER.FIELDS (DATE FROM)", "2.HEADER.FIELDS.NOT (X)".
    // std::nullopt when the section does not exist (the server then returns "").
    std::optional<std::string> section(std::string_view section_spec) const;

    // First value of a header field of the top-level header, unfolded, or nullopt.
    std::optional<std::string> header(std::string_view name) const;
    // The Date: header as seconds since the epoch (UTC), if it parses (RFC 5322 §3.3,
    // with the obsolete forms of §4.3).
    std::optional<std::int64_t> date() const;

  private:
    std::string_view message_;
    BodyPart root_;
};

// Parses an RFC 5322 date-time ("Tue, 1 Jul 2003 10:52:37 +0200"), obsolete
// forms included. Returns seconds since the epoch (UTC); without
// `apply_zone`, the date and time as written, its zone ignored (for the
// calendar date SEARCH SENTON compares, RFC 3501 §6.4.4).
std::optional<std::int64_t> parse_rfc5322_date(std::string_view text, bool apply_zone = true);

}  // namespace mailferry::testserver::mime
