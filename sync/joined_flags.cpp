#include "sync/joined_flags.hpp"

namespace mailferry::sync {

std::string join_flags(const std::vector<std::string>& flags) {
    std::string out;
    for (const std::string& f : flags) {
        out += (out.empty() ? "" : " ") + f;
    }
    return out;
}

std::vector<std::string> split_flags(const std::string& flags) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < flags.size()) {
        std::size_t end = flags.find(' ', pos);
        if (end == std::string::npos) {
            end = flags.size();
        }
        if (end > pos) {
            out.push_back(flags.substr(pos, end - pos));
        }
        pos = end + 1;
    }
    return out;
}

}  // namespace mailferry::sync
