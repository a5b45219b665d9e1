#pragma once
// Modified UTF-7 for IMAP mailbox names (RFC 3501 §5.1.3), to and from UTF-8.
//
// Printable US-ASCII (0x20..0x7e) stands for itself, except "&", written
// "&-". Every other character is UTF-16 (big-endian, surrogate pairs for
// code points above U+FFFF) in modified BASE64 (',' instead of '/', no '='
// padding) between "&" and "-".
//
// Pure functions, no allocation beyond the returned strings, no exceptions
// other than std::bad_alloc.

#include <optional>
#include <string>
#include <string_view>

namespace mailferry::wire::modified_utf7 {

// UTF-8 to modified UTF-7, in the one canonical form: each run of
// non-printable characters is one shift sequence. Invalid UTF-8 (truncated
// or overlong sequences, UTF-16 surrogates, values above U+10FFFF, stray
// continuation bytes) is not rejected here: each invalid byte becomes
// U+FFFD REPLACEMENT CHARACTER, so any byte string yields a usable name.
// Use try_encode() to refuse such input instead.
std::string encode(std::string_view utf8);

// As encode(), but nullopt when `utf8` is not valid UTF-8.
std::optional<std::string> try_encode(std::string_view utf8);

// Modified UTF-7 to UTF-8. nullopt unless `mutf7` is in canonical form:
// - only octets 0x20..0x7e appear;
// - "&-" is "&"; any other "&" starts a non-empty run of modified BASE64
//   ended by "-" (an unterminated run is invalid);
// - a run decodes to whole UTF-16 units, its unused trailing bits are zero
//   and fewer than six (no superfluous BASE64 character);
// - a run encodes no printable US-ASCII character (so "&AGE-" for "a" is
//   invalid) and does not directly follow another run ("&AOQ-&AOQ-" must
//   be written "&AOQA5A-");
// - surrogates come in high/low pairs within one run.
std::optional<std::string> decode(std::string_view mutf7);

// True when decode(mutf7) would succeed.
bool is_valid(std::string_view mutf7);

}  // namespace mailferry::wire::modified_utf7

namespace mailferry::wire {
using modified_utf7::decode;
using modified_utf7::encode;
using modified_utf7::is_valid;
}  // namespace mailferry::wire
