#include "clients/wire/quote_line.hpp"

#include <algorithm>

namespace mailferry::wire {

std::string quote_line(std::string_view line, std::size_t full_size) {
    std::string out = "\"";
    const std::size_t n = std::min(line.size(), quote_line_limit);
    for (std::size_t i = 0; i < n; ++i) {
        const auto u = static_cast<unsigned char>(line[i]);
        if (line[i] == '\r') {
            out += "\\r";
        } else if (line[i] == '\n') {
            out += "\\n";
        } else if (u < 0x20 || u == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 0xf]);
        } else {
            out.push_back(line[i]);
        }
    }
    out += n < full_size ? "\"..." : "\"";
    return out;
}

}  // namespace mailferry::wire
