#include "contrib/testserver/pop3/dot_stuffing.hpp"

namespace mailferry::testserver::pop3 {

void DotStuffer::feed(std::string_view chunk, std::string& out) {
    std::size_t pos = 0;
    while (pos < chunk.size()) {
        if (line_start_ && chunk[pos] == '.') {
            out.push_back('.');
        }
        const auto lf = chunk.find('\n', pos);
        if (lf == std::string_view::npos) {
            out.append(chunk.substr(pos));
            line_start_ = false;
            return;
        }
        out.append(chunk.substr(pos, lf + 1 - pos));
        line_start_ = true;
        pos = lf + 1;
    }
}

void DotStuffer::finish(std::string& out) {
    if (!line_start_) {
        out.append("\r\n");
    }
    out.append(".\r\n");
    line_start_ = true;
}

std::size_t top_length(std::string_view message, std::uint64_t body_lines) noexcept {
    std::size_t pos = 0;
    // The header ends with the first empty line (RFC 5322 §2.1).
    while (true) {
        const auto lf = message.find('\n', pos);
        if (lf == std::string_view::npos) {
            return message.size();
        }
        const std::string_view line = message.substr(pos, lf - pos);
        pos = lf + 1;
        if (line.empty() || line == "\r") {
            break;
        }
    }
    for (std::uint64_t i = 0; i < body_lines; ++i) {
        const auto lf = message.find('\n', pos);
        if (lf == std::string_view::npos) {
            return message.size();
        }
        pos = lf + 1;
    }
    return pos;
}

}  // namespace mailferry::testserver::pop3
