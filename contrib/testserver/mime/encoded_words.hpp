#pragma once
// RFC 2047 encoded words in header text ("=?UTF-8?Q?J=C3=B6rg?="), decoded
// so SEARCH FROM/TO/CC/BCC/SUBJECT match what a reader sees. Pure.

#include <string>
#include <string_view>

namespace mailferry::testserver::mime {

// The header text with each well-formed encoded word (B or Q encoding) of a
// UTF-8, US-ASCII or ISO-8859-1 charset replaced by its UTF-8 text; the
// white space between two adjacent encoded words is dropped (§6.2).
// Anything else, including words in other charsets, is left as it is.
std::string decode_encoded_words(std::string_view text);

}  // namespace mailferry::testserver::mime
