#pragma once
// Reads IMAP values (RFC 3501 §9: atom, number, string, NIL, list) out of a
// complete, normalized response text: lines end in CRLF, an inline literal's
// bytes follow its `{n}` CRLF, and a streamed literal's bytes are absent (its
// content offset is listed in `streamed`). Internal to the response parser.

#include "clients/imap/response.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::imap::detail {

struct ReadOptions {
    std::size_t max_depth = 64;
    // Inside a response code: `]` at depth 0 ends the values and is not an
    // atom character (RFC 3501 resp-text-code).
    bool code_mode = false;
    // Stop at the end of the text with lists still open and report them in
    // ReadResult::open (used to locate a literal inside a partial response).
    bool partial = false;
};

struct ReadResult {
    std::vector<Value> values;
    // partial mode: the still-open lists, outermost first.
    std::vector<std::vector<Value>> open;
    // Offset just past the last byte read.
    std::size_t end = 0;
    // Empty on success; otherwise why the text is not valid.
    std::string error;
    bool depth_exceeded = false;
};

ReadResult read_values(std::string_view text, std::span<const std::size_t> streamed,
                       const ReadOptions& options);

// RFC 3501 atom-char, tolerant: any byte above SP except DEL, `(`, `)`, `"`
// and `{`/`[`/`]` handling done by the reader. Used by the parser too.
bool is_atom_byte(char c) noexcept;

}  // namespace mailferry::imap::detail
