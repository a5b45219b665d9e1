#include "contrib/testserver/imap/list_pattern.hpp"

#include "clients/wire/ascii.hpp"

#include <cctype>
#include <cstddef>

namespace mailferry::testserver::imap {

namespace {

bool inbox_prefix(std::string_view name) {
    return name.size() >= 5 && name.substr(0, 5) == "INBOX" && (name.size() == 5 || name[5] == '/');
}

bool same_char(char p, char n, std::size_t at, bool fold) {
    if (fold && at < 5) {
        return wire::ascii_upper(p) == n;
    }
    return p == n;
}

// Iterative wildcard match with one backtrack point per wildcard kind is
// not enough for "%" (it must not cross "/"), so this recurses; patterns
// are short and recursion depth is bounded by the pattern's wildcards.
bool match(std::string_view pattern, std::size_t pi, std::string_view name, std::size_t ni,
           bool fold) {
    while (pi < pattern.size()) {
        const char p = pattern[pi];
        if (p == '*' || p == '%') {
            // Collapse runs of wildcards: "**" is "*", "%*" is "*".
            bool star = false;
            while (pi < pattern.size() && (pattern[pi] == '*' || pattern[pi] == '%')) {
                star = star || pattern[pi] == '*';
                ++pi;
            }
            for (std::size_t k = ni;; ++k) {
                if (match(pattern, pi, name, k, fold)) {
                    return true;
                }
                if (k >= name.size() || (!star && name[k] == '/')) {
                    return false;
                }
            }
        }
        if (ni >= name.size() || !same_char(p, name[ni], ni, fold)) {
            return false;
        }
        ++pi;
        ++ni;
    }
    return ni == name.size();
}

}  // namespace

bool list_pattern_matches(std::string_view pattern, std::string_view name) {
    return match(pattern, 0, name, 0, inbox_prefix(name));
}

}  // namespace mailferry::testserver::imap
