#pragma once
// The state's form of a flag set: flag names sorted in byte order, without
// duplicates, joined by one space ("\Flagged \Seen $Label1" becomes
// "$Label1 \Flagged \Seen"). Equal sets give equal strings, so comparing
// the stored and the current flags is a string comparison.

#include <string>
#include <string_view>

namespace mailferry::state {

// Splits `flags` at runs of spaces, tabs, CR and LF, sorts, removes
// duplicates and joins with one space. Case is kept: comparing system flags
// case-insensitively (RFC 3501 §2.3.2) is the caller's job.
std::string normalize_flags(std::string_view flags);

}  // namespace mailferry::state
