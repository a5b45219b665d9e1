// The state's flag string: what the store keeps (normalize_flags of the
// joined list) reads back through split_flags as the sorted flags without
// duplicates, and joins back to the very same string. Normalising is
// idempotent and ignores the order of the flags and the blanks between them.
#include "state/flag_string.hpp"
#include "sync/joined_flags.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using mailferry::state::normalize_flags;
    using mailferry::sync::join_flags;
    using mailferry::sync::split_flags;

    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string stored = normalize_flags(text);
    if (normalize_flags(stored) != stored) {
        std::abort();
    }

    // Read back: sorted, unique, no empty flag and no blank inside one.
    std::vector<std::string> flags = split_flags(stored);
    for (std::size_t i = 0; i < flags.size(); ++i) {
        if (flags[i].empty() || flags[i].find_first_of(" \t\r\n") != std::string::npos ||
            (i > 0 && !(flags[i - 1] < flags[i]))) {
            std::abort();
        }
    }
    if (join_flags(flags) != stored) {
        std::abort();
    }

    // The same set written in another order, or split only at spaces and
    // joined again, is stored as the same string.
    std::reverse(flags.begin(), flags.end());
    if (normalize_flags(join_flags(flags)) != stored ||
        normalize_flags(join_flags(split_flags(text))) != stored) {
        std::abort();
    }
    return 0;
}
