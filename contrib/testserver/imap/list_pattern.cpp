#include "contrib/testserver/imap/list_pattern.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>
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

std::vector<std::string> lsub_noselect_parents(const std::vector<std::string>& subscribed,
                                               const std::vector<std::string>& patterns) {
    auto matches = [&](std::string_view name) {
        return std::any_of(patterns.begin(), patterns.end(),
                           [&](const auto& p) { return list_pattern_matches(p, name); });
    };
    std::vector<std::string> out;
    for (const auto& name : subscribed) {
        if (matches(name)) {
            continue;
        }
        for (auto slash = name.find('/'); slash != std::string::npos;
             slash = name.find('/', slash + 1)) {
            std::string parent = name.substr(0, slash);
            if (matches(parent) &&
                std::find(subscribed.begin(), subscribed.end(), parent) == subscribed.end() &&
                std::find(out.begin(), out.end(), parent) == out.end()) {
                out.push_back(std::move(parent));
            }
        }
    }
    return out;
}

}  // namespace mailferry::testserver::imap
