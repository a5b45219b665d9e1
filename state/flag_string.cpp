#include "state/flag_string.hpp"

#include <algorithm>
#include <vector>

namespace mailferry::state {

std::string normalize_flags(std::string_view flags) {
    constexpr std::string_view blanks = " \t\r\n";
    std::vector<std::string_view> names;
    std::size_t pos = 0;
    while (pos < flags.size()) {
        const std::size_t start = flags.find_first_not_of(blanks, pos);
        if (start == std::string_view::npos) {
            break;
        }
        const std::size_t end = std::min(flags.find_first_of(blanks, start), flags.size());
        names.push_back(flags.substr(start, end - start));
        pos = end;
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string out;
    for (const std::string_view name : names) {
        if (!out.empty()) {
            out += ' ';
        }
        out += name;
    }
    return out;
}

}  // namespace mailferry::state
