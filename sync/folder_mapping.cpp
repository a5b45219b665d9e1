#include "sync/folder_mapping.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace mailferry::sync {
namespace {

using Components = std::vector<std::string>;

bool has_prefix(const Components& name, const Components& prefix) {
    return prefix.size() <= name.size() && std::equal(prefix.begin(), prefix.end(), name.begin());
}

// A rename of a name prefix; used for --map and for special-use folders.
struct PrefixRule {
    Components from;
    Components to;
};

// Longest matching prefix rule applied to `name`, if any.
std::optional<Components> apply_rules(const std::vector<PrefixRule>& rules,
                                      const Components& name) {
    const PrefixRule* best = nullptr;
    for (const PrefixRule& rule : rules) {
        if (has_prefix(name, rule.from) &&
            (best == nullptr || rule.from.size() > best->from.size())) {
            best = &rule;
        }
    }
    if (best == nullptr) {
        return std::nullopt;
    }
    Components out = best->to;
    out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(best->from.size()),
               name.end());
    return out;
}

// The special-use target folder for `source`, preferring the same name.
const MailboxFolder* special_use_target(const MailboxFolder& source,
                                        const std::vector<MailboxFolder>& target) {
    if (source.special_use.empty()) {
        return nullptr;
    }
    const MailboxFolder* first = nullptr;
    for (const MailboxFolder& t : target) {
        if (!wire::iequals(t.special_use, source.special_use)) {
            continue;
        }
        if (normalize_name(t.name) == normalize_name(source.name)) {
            return &t;
        }
        if (first == nullptr) {
            first = &t;
        }
    }
    return first;
}

char replacement_for(char separator) {
    return separator == '_' ? '-' : '_';
}

// Rule 6; a '/' separator needs nothing, since '/' cannot occur in a component.
Components target_safe(Components name, char separator, std::vector<std::string>& notes) {
    if (separator == '/' || separator == '\0') {
        return name;
    }
    const Components before = name;
    for (std::string& component : name) {
        std::replace(component.begin(), component.end(), separator, replacement_for(separator));
    }
    if (name != before) {
        notes.push_back("\"" + join_name(before) +
                        "\" contains the target's hierarchy separator '" +
                        std::string(1, separator) + "'; created as \"" + join_name(name) + "\"");
    }
    return name;
}

// Rule 8, shared by IMAP and POP3 sources. Sets FolderPair::created.
void plan_creation(FolderMappingResult& result, const std::vector<MailboxFolder>& target) {
    std::set<std::string> existing{"INBOX"};
    std::map<std::string, bool> selectable;
    for (const MailboxFolder& t : target) {
        existing.insert(normalize_name(t.name));
        selectable[normalize_name(t.name)] = t.selectable;
    }
    // Component-wise order puts every parent before its children.
    std::set<Components> missing;
    std::set<std::string> unusable;
    for (FolderPair& pair : result.pairs) {
        pair.created = existing.count(pair.target) == 0;
        const Components name = split_name(pair.target);
        for (std::size_t depth = 1; depth <= name.size(); ++depth) {
            const Components prefix(name.begin(),
                                    name.begin() + static_cast<std::ptrdiff_t>(depth));
            if (existing.count(join_name(prefix)) == 0) {
                missing.insert(prefix);
            }
        }
        auto it = selectable.find(pair.target);
        if (it != selectable.end() && !it->second && pair.source_selectable &&
            unusable.insert(pair.target).second) {
            result.notes.push_back("target folder \"" + pair.target +
                                   "\" is not selectable; messages cannot be stored there");
        }
    }
    for (const Components& name : missing) {
        result.to_create.push_back(join_name(name));
    }
}

}  // namespace

std::vector<std::string> split_name(std::string_view name) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = name.find('/', start);
        out.emplace_back(
            name.substr(start, slash == std::string_view::npos ? slash : slash - start));
        if (slash == std::string_view::npos) {
            return out;
        }
        start = slash + 1;
    }
}

std::string join_name(const std::vector<std::string>& components) {
    std::string out;
    for (std::size_t i = 0; i < components.size(); ++i) {
        if (i > 0) {
            out += '/';
        }
        out += components[i];
    }
    return out;
}

std::string normalize_name(std::string_view name) {
    Components parts = split_name(name);
    if (wire::iequals(parts.front(), "INBOX")) {
        parts.front() = "INBOX";
    }
    return join_name(parts);
}

std::string source_name_from_levels(const std::vector<std::string>& levels) {
    Components components = levels;
    for (std::string& level : components) {
        std::replace(level.begin(), level.end(), '/', '_');
    }
    return normalize_name(join_name(components));
}

bool glob_match(std::string_view pattern, std::string_view name) {
    // match[i][j]: pattern[i..] matches name[j..]; filled from the end.
    const std::size_t p = pattern.size();
    const std::size_t n = name.size();
    std::vector<std::vector<char>> match(p + 1, std::vector<char>(n + 1, 0));
    match[p][n] = 1;
    for (std::size_t i = p; i-- > 0;) {
        for (std::size_t j = n + 1; j-- > 0;) {
            const char c = pattern[i];
            if (c == '*') {
                match[i][j] = static_cast<char>(match[i + 1][j] || (j < n && match[i][j + 1]));
            } else if (c == '%') {
                match[i][j] = static_cast<char>(match[i + 1][j] ||
                                                (j < n && name[j] != '/' && match[i][j + 1]));
            } else {
                match[i][j] = static_cast<char>(j < n && name[j] == c && match[i + 1][j + 1]);
            }
        }
    }
    return match[0][0] != 0;
}

bool folder_selected(std::string_view name, const PlanOptions& options) {
    const std::string normalized = normalize_name(name);
    auto matches = [&](const std::string& glob) {
        return glob_match(normalize_name(glob), normalized);
    };
    if (std::any_of(options.exclude.begin(), options.exclude.end(), matches)) {
        return false;
    }
    return options.include.empty() ||
           std::any_of(options.include.begin(), options.include.end(), matches);
}

FolderMappingResult map_folders(const std::vector<MailboxFolder>& source,
                                const std::vector<MailboxFolder>& target, char target_separator,
                                const PlanOptions& options) {
    FolderMappingResult result;
    std::vector<PrefixRule> explicit_rules;
    for (const FolderMap& m : options.map) {
        explicit_rules.push_back(
            {split_name(normalize_name(m.source)), split_name(normalize_name(m.target))});
    }
    std::vector<PrefixRule> special_rules;
    for (const MailboxFolder& s : source) {
        const std::string name = normalize_name(s.name);
        if (name == "INBOX") {
            continue;
        }
        if (const MailboxFolder* t = special_use_target(s, target)) {
            special_rules.push_back({split_name(name), split_name(normalize_name(t->name))});
        }
    }

    for (const MailboxFolder& s : source) {
        const std::string name = normalize_name(s.name);
        if (!folder_selected(name, options)) {
            result.excluded.push_back(name);
            continue;
        }
        FolderPair pair{name, name, s.selectable, false, MappingReason::same_name};
        Components target_name = split_name(name);
        if (auto mapped = apply_rules(explicit_rules, target_name)) {
            target_name = *mapped;
            pair.reason = MappingReason::mapped;
        } else if (auto special = apply_rules(special_rules, target_name)) {
            target_name = *special;
            pair.reason = MappingReason::special_use;
        }
        pair.target =
            normalize_name(join_name(target_safe(target_name, target_separator, result.notes)));
        result.pairs.push_back(std::move(pair));
    }

    std::map<std::string, std::vector<std::string>> sources_by_target;
    for (const FolderPair& pair : result.pairs) {
        sources_by_target[pair.target].push_back(pair.source);
    }
    for (const auto& [target_name, sources] : sources_by_target) {
        if (sources.size() > 1) {
            std::string list;
            for (const std::string& s : sources) {
                list += (list.empty() ? "\"" : ", \"") + s + "\"";
            }
            result.notes.push_back("source folders " + list + " all map to \"" + target_name +
                                   "\"; their messages are merged there");
        }
    }
    plan_creation(result, target);
    return result;
}

FolderMappingResult map_pop3_folder(const std::vector<MailboxFolder>& target, char target_separator,
                                    const PlanOptions& options) {
    FolderMappingResult result;
    const std::string wanted = options.pop3_folder.empty() ? "INBOX" : options.pop3_folder;
    FolderPair pair{"INBOX", "", true, false, MappingReason::pop3};
    pair.target = normalize_name(
        join_name(target_safe(split_name(normalize_name(wanted)), target_separator, result.notes)));
    result.pairs.push_back(std::move(pair));
    plan_creation(result, target);
    return result;
}

FolderMappingResult map_account_folders(const SourceTraits& source_traits,
                                        const std::vector<MailboxFolder>& source,
                                        const std::vector<MailboxFolder>& target,
                                        char target_separator, const PlanOptions& options) {
    return source_traits.single_folder ? map_pop3_folder(target, target_separator, options)
                                       : map_folders(source, target, target_separator, options);
}

}  // namespace mailferry::sync
