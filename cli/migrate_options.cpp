#include "cli/migrate_options.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>

namespace mailferry::cli {

namespace {

[[noreturn]] void bad(std::string_view option, std::string_view value, std::string_view expected) {
    throw std::invalid_argument(fmt::format("{} '{}' is not valid: {}", option, value, expected));
}

bool all_digits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (const char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

}  // namespace

sync::FolderMap parse_folder_map(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) {
        bad("--map", text, "expected SRC=DST, e.g. --map 'Sent Items=Sent'");
    }
    if (eq == 0 || eq + 1 == text.size()) {
        bad("--map", text, "both folder names must be given (SRC=DST)");
    }
    return sync::FolderMap{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

std::uint64_t parse_size(std::string_view text) {
    std::size_t end = 0;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
        ++end;
    }
    const std::string_view digits = text.substr(0, end);
    std::string_view unit = text.substr(end);
    if (!all_digits(digits)) {
        bad("--max-size", text, "expected a number of bytes, optionally with K, M, G or T");
    }
    unsigned shift = 0;
    if (!unit.empty()) {
        switch (wire::ascii_upper(unit.front())) {
            case 'K':
                shift = 10;
                break;
            case 'M':
                shift = 20;
                break;
            case 'G':
                shift = 30;
                break;
            case 'T':
                shift = 40;
                break;
            default:
                bad("--max-size", text, "unknown unit; use K, M, G or T (powers of 1024)");
        }
        unit.remove_prefix(1);
        if (!unit.empty() && !wire::iequals(unit, "B") && !wire::iequals(unit, "iB")) {
            bad("--max-size", text, "unknown unit; use K, M, G or T (powers of 1024)");
        }
    }
    const std::uint64_t limit = std::uint64_t{1} << 63;
    const std::uint64_t n =
        wire::parse_u64(digits).value_or(std::numeric_limits<std::uint64_t>::max());
    if (n >= (limit >> shift)) {
        bad("--max-size", text, "too large");
    }
    if (n == 0) {
        bad("--max-size", text, "must be at least 1 byte");
    }
    return n << shift;
}

std::int64_t parse_since(std::string_view text) {
    const auto expected = "expected a date YYYY-MM-DD, e.g. 2024-01-31";
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !all_digits(text.substr(0, 4)) ||
        !all_digits(text.substr(5, 2)) || !all_digits(text.substr(8, 2))) {
        bad("--since", text, expected);
    }
    const auto year = *wire::parse_u32(text.substr(0, 4));
    const auto month = *wire::parse_u32(text.substr(5, 2));
    const auto day = *wire::parse_u32(text.substr(8, 2));
    if (year < 1970) {
        bad("--since", text, "the year must be 1970 or later");
    }
    const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(year)},
                                           std::chrono::month{month}, std::chrono::day{day}};
    if (!date.ok()) {
        bad("--since", text, "no such day in the calendar");
    }
    return std::chrono::sys_seconds{std::chrono::sys_days{date}}.time_since_epoch().count();
}

sync::DeletionLimit parse_deletion_limit(std::string_view text) {
    const bool percent = text.ends_with('%');
    const std::string_view digits = percent ? text.substr(0, text.size() - 1) : text;
    const auto value = wire::parse_u32(digits);
    if (!value) {
        bad("--max-deletions", text,
            "expected a number of messages (such as 50) or a share of a folder (such as 25%)");
    }
    if (percent && *value > 100) {
        bad("--max-deletions", text, "a share cannot be more than 100%");
    }
    return {*value, percent};
}

sync::MigrationOptions to_migration_options(const MigrateArgs& args) {
    sync::MigrationOptions options;
    options.dry_run = args.dry_run;
    options.connections = args.connections;
    if (args.timeout > 0) {
        options.command_timeout = std::chrono::seconds(args.timeout);
        options.connect_timeout = std::min(options.connect_timeout, options.command_timeout);
    }
    options.command = "migrate";
    sync::PlanOptions& plan = options.plan;
    plan.include = args.include;
    plan.exclude = args.exclude;
    for (const auto& m : args.map) {
        plan.map.push_back(parse_folder_map(m));
    }
    if (!args.folder.empty()) {
        plan.pop3_folder = args.folder;
    }
    if (!args.max_size.empty()) {
        plan.max_size = parse_size(args.max_size);
    }
    if (!args.since.empty()) {
        plan.since = parse_since(args.since);
    }
    plan.gmail_labels =
        args.gmail_labels == "copy" ? sync::GmailLabelMode::copy : sync::GmailLabelMode::keywords;
    plan.delete_source = args.delete_source;
    plan.sync_deletions = args.sync_deletions;
    if (!args.max_deletions.empty()) {
        plan.max_deletions = parse_deletion_limit(args.max_deletions);
    }
    return options;
}

}  // namespace mailferry::cli
