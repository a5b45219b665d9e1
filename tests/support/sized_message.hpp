#pragma once
// A message of exactly `size` octets (size >= 40): a Subject line naming it
// and a body of 'x' lines, CRLF throughout. For tests of size limits.

#include <algorithm>
#include <cstddef>
#include <string>

namespace mailferry::test {

inline std::string message_of_size(const std::string& id, std::size_t size) {
    std::string m = "Subject: " + id + "\r\n\r\n";
    while (m.size() < size) {
        const std::size_t n = std::min<std::size_t>(60, size - m.size());
        m += n >= 3 ? std::string(n - 2, 'x') + "\r\n" : std::string(n, 'y');
    }
    return m;
}

}  // namespace mailferry::test
