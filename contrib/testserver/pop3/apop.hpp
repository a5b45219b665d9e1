#pragma once
// RFC 1939 §7 APOP: the greeting carries a unique timestamp in msg-id form,
// and the client proves it knows the shared secret by sending the MD5 of
// timestamp followed by secret (wire::apop_digest, shared with the client).

#include <string>
#include <string_view>

namespace mailferry::testserver::pop3 {

// "<pid.microseconds.counter@hostname>": unique per call within a process
// and across restarts (the clock moves on).
std::string make_apop_timestamp(std::string_view hostname);

}  // namespace mailferry::testserver::pop3
