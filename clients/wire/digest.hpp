#pragma once
// Message digests as lower-case hex, the form the protocols and the state
// use: the APOP digest (RFC 1939 §7) and content keys of POP3 messages.

#include <span>
#include <string>
#include <string_view>

namespace mailferry::wire {

// "c4c9..." for the bytes given.
std::string lower_hex(std::span<const unsigned char> bytes);

// RFC 1939 §7: MD5 of the greeting's timestamp followed by the shared
// secret, as 32 lower-case hex digits; empty when OpenSSL has no MD5 (a
// FIPS-only provider), which makes every APOP attempt fail. The result
// proves knowledge of the secret: never log it.
std::string apop_digest(std::string_view timestamp, std::string_view secret);

}  // namespace mailferry::wire
