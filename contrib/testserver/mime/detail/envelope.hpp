#pragma once
// ENVELOPE of any message in the tree, for FETCH ENVELOPE and for the
// envelope inside a message/rfc822 BODYSTRUCTURE.

#include <string>

#include "contrib/testserver/mime/message.hpp"

namespace mailferry::testserver::mime::detail {

// Appends the RFC 3501 §7.4.2 ENVELOPE of the message whose top-level entity
// (and so whose header) is `message`.
void append_envelope(std::string& out, const BodyPart& message);

}  // namespace mailferry::testserver::mime::detail
