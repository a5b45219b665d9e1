#pragma once
// The generic shape of one IMAP4rev1 server response (RFC 3501 §7, §9), as
// imap::ResponseParser produces it. Typed views over it (FETCH, LIST,
// STATUS, ...) live in response_views.hpp.
//
// Everything here owns its data: a Response may be copied and kept.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::imap {

// One element of a response's value tree.
struct Value {
    enum class Kind {
        // An atom, including flags (`\Seen`, `\*`), sequence sets (`1:3,5`),
        // and FETCH item names with their section and origin kept in the text
        // (`BODY[HEADER.FIELDS (DATE)]<0>`). Keywords keep the server's case.
        atom,
        // All digits, fitting in 64 bits (number / number64 / nz-number).
        number,
        // A quoted string, unescaped. `"NIL"` is a quoted string, not nil.
        quoted,
        // A literal (`{n}` CRLF n bytes) at most the inline threshold long.
        literal,
        // A literal above the inline threshold: its bytes went out as
        // literal_chunk events; `number` holds its size, `text` is empty.
        streamed_literal,
        // The atom NIL, in any case.
        nil,
        // A parenthesized list; `items` holds its elements.
        list,
    };

    Kind kind = Kind::nil;
    std::string text;
    std::uint64_t number = 0;
    std::vector<Value> items;

    bool is_string() const noexcept { return kind == Kind::quoted || kind == Kind::literal; }
    // atom, quoted or literal: what RFC 3501 calls an astring.
    bool is_astring() const noexcept { return kind == Kind::atom || is_string(); }
    // nstring: a string or NIL.
    bool is_nstring() const noexcept { return is_string() || kind == Kind::nil; }
    // Case-insensitive comparison of an atom's text with an ASCII keyword.
    bool is_atom(std::string_view keyword) const noexcept;

    static Value make_atom(std::string t);
    static Value make_number(std::uint64_t n);
    static Value make_quoted(std::string t);
    static Value make_nil();
    static Value make_list(std::vector<Value> items);

    friend bool operator==(const Value&, const Value&) = default;
};

// A bracketed response code, `[NAME args]` (RFC 3501 §7.1).
struct ResponseCode {
    // The code's name upper-cased: "UIDVALIDITY", "APPENDUID", "ALERT", ...
    std::string name;
    // The text between the name and `]`, trailing spaces removed.
    std::string raw_args;
    // raw_args tokenized as IMAP values; empty when there are none or when
    // the text is not valid IMAP syntax (free text is legal in unknown codes).
    std::vector<Value> args;

    friend bool operator==(const ResponseCode&, const ResponseCode&) = default;
};

// The condition of a status response (RFC 3501 §7.1).
enum class Status {
    none,  // not a status response (untagged data or continuation)
    ok,
    no,
    bad,
    preauth,  // untagged only, greeting
    bye,      // untagged only, greeting or any time
};

std::string_view to_string(Status s) noexcept;

struct Response {
    enum class Kind {
        tagged,        // `tag OK/NO/BAD [code] text`
        untagged,      // `* ...`: a status response or response data
        continuation,  // `+ text` or `+ base64`
    };

    Kind kind = Kind::untagged;
    // The tag of a tagged response; empty otherwise.
    std::string tag;
    // For tagged responses and untagged OK/NO/BAD/PREAUTH/BYE.
    Status status = Status::none;
    std::optional<ResponseCode> code;
    // The human-readable text of a status response, or everything after
    // `+ ` of a continuation request; trailing spaces removed.
    std::string text;
    // Untagged data (status == none): every value after `* `, e.g.
    // {23, EXISTS} or {FLAGS, (\Seen ...)} or {12, FETCH, (...)}.
    std::vector<Value> data;

    bool is_status() const noexcept { return status != Status::none; }
    // The response's keyword upper-cased: "OK", "EXISTS", "FETCH", "LIST",
    // "CAPABILITY", ...; empty for continuations.
    std::string name() const;
    // For `* n KEYWORD ...` data: n.
    std::optional<std::uint64_t> number() const;

    friend bool operator==(const Response&, const Response&) = default;
};

// Renders a value in IMAP syntax (quoted strings re-escaped; literals shown
// as `{n}` plus their text; streamed literals as `{n}`), for diagnostics
// and tests.
std::string to_imap_text(const Value& v);
std::string to_imap_text(const std::vector<Value>& values);

}  // namespace mailferry::imap
