#include "contrib/testserver/store/flag_set.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>
#include <array>

namespace mailferry::testserver::store {

namespace {

constexpr std::array<std::string_view, 5> system_flags = {"\\Answered", "\\Deleted", "\\Draft",
                                                          "\\Flagged", "\\Seen"};

bool acceptable(std::string_view flag) {
    if (flag.empty()) {
        return false;
    }
    return std::none_of(flag.begin(), flag.end(), [](char c) {
        const auto octet = static_cast<unsigned char>(c);
        return octet <= 0x20 || octet == 0x7f || c == '(' || c == ')';
    });
}

bool contains(const std::vector<std::string>& flags, std::string_view flag) {
    return std::any_of(flags.begin(), flags.end(),
                       [&](const std::string& f) { return wire::iequals(f, flag); });
}

}  // namespace

std::vector<std::string> normalize_flags(const std::vector<std::string>& flags) {
    std::vector<std::string> result;
    for (const auto& flag : flags) {
        if (!acceptable(flag) || wire::iequals(flag, "\\Recent") || contains(result, flag)) {
            continue;
        }
        const auto system =
            std::find_if(system_flags.begin(), system_flags.end(),
                         [&](std::string_view s) { return wire::iequals(s, flag); });
        result.emplace_back(system != system_flags.end() ? std::string(*system) : flag);
    }
    std::sort(result.begin(), result.end());
    return result;
}

std::vector<std::string> apply_flags(const std::vector<std::string>& current, FlagMode mode,
                                     const std::vector<std::string>& change) {
    switch (mode) {
        case FlagMode::replace:
            return change;
        case FlagMode::add: {
            std::vector<std::string> result = current;
            result.insert(result.end(), change.begin(), change.end());
            return normalize_flags(result);
        }
        case FlagMode::remove: {
            std::vector<std::string> result;
            std::copy_if(current.begin(), current.end(), std::back_inserter(result),
                         [&](const std::string& f) { return !contains(change, f); });
            return result;
        }
    }
    return current;
}

std::string join_flags(const std::vector<std::string>& flags) {
    std::string joined;
    for (const auto& flag : flags) {
        if (!joined.empty()) {
            joined += ' ';
        }
        joined += flag;
    }
    return joined;
}

std::vector<std::string> split_flags(std::string_view joined) {
    std::vector<std::string> flags;
    while (!joined.empty()) {
        const auto space = joined.find(' ');
        if (space != 0) {
            flags.emplace_back(joined.substr(0, space));
        }
        if (space == std::string_view::npos) {
            break;
        }
        joined.remove_prefix(space + 1);
    }
    return flags;
}

}  // namespace mailferry::testserver::store
