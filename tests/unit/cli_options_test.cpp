// `mailferry migrate` option parsing: the default state path, --map,
// --since, --max-size, their translation into MigrationOptions, and the
// progress line.

#include "cli/migrate_options.hpp"
#include "cli/progress.hpp"
#include "cli/state_path.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace mailferry::cli {
namespace {

TEST(StatePath, UsesXdgStateHomeWhenSet) {
    EXPECT_EQ(default_state_path("/x/state", "/home/ann"),
              std::filesystem::path("/x/state/mailferry/state.db"));
}

TEST(StatePath, FallsBackToHomeWithoutXdgStateHome) {
    EXPECT_EQ(default_state_path(nullptr, "/home/ann"),
              std::filesystem::path("/home/ann/.local/state/mailferry/state.db"));
}

TEST(StatePath, IgnoresEmptyOrRelativeXdgStateHome) {
    // XDG Base Directory spec: a relative path is invalid and must be ignored.
    EXPECT_EQ(default_state_path("", "/home/ann"),
              std::filesystem::path("/home/ann/.local/state/mailferry/state.db"));
    EXPECT_EQ(default_state_path("rel/dir", "/home/ann"),
              std::filesystem::path("/home/ann/.local/state/mailferry/state.db"));
}

TEST(StatePath, NoDefaultWithoutEitherVariable) {
    EXPECT_FALSE(default_state_path(nullptr, nullptr).has_value());
    EXPECT_FALSE(default_state_path("", "").has_value());
}

TEST(StatePath, GivenPathWins) {
    EXPECT_EQ(resolve_state_path("/tmp/s.db"), std::filesystem::path("/tmp/s.db"));
}

// Runs `fn` and returns the std::invalid_argument text ("" when none).
template <typename Fn>
std::string error_of(Fn fn) {
    try {
        fn();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

TEST(FolderMapOption, SplitsAtTheFirstEquals) {
    const auto m = parse_folder_map("Sent Items=Sent");
    EXPECT_EQ(m.source, "Sent Items");
    EXPECT_EQ(m.target, "Sent");
    const auto n = parse_folder_map("a=b=c");
    EXPECT_EQ(n.source, "a");
    EXPECT_EQ(n.target, "b=c");
    const auto u = parse_folder_map("Reisen/Zürich=Travel/Zurich");
    EXPECT_EQ(u.source, "Reisen/Zürich");
    EXPECT_EQ(u.target, "Travel/Zurich");
}

TEST(FolderMapOption, RejectsMissingParts) {
    const struct {
        const char* input;
        const char* error;
    } rows[] = {
        {"Sent", "--map 'Sent' is not valid: expected SRC=DST, e.g. --map 'Sent Items=Sent'"},
        {"=Sent", "--map '=Sent' is not valid: both folder names must be given (SRC=DST)"},
        {"Sent=", "--map 'Sent=' is not valid: both folder names must be given (SRC=DST)"},
        {"", "--map '' is not valid: expected SRC=DST, e.g. --map 'Sent Items=Sent'"},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(error_of([&] { parse_folder_map(row.input); }), row.error) << row.input;
    }
}

TEST(SinceOption, ParsesMidnightUtc) {
    EXPECT_EQ(parse_since("1970-01-01"), 0);
    EXPECT_EQ(parse_since("2024-02-29"), 1709164800);  // date -u -d 2024-02-29 +%s
    EXPECT_EQ(parse_since("2026-11-23"), 1795392000);
    EXPECT_EQ(parse_since("2000-03-01"), 951868800);
}

TEST(SinceOption, RejectsMalformedAndImpossibleDates) {
    const struct {
        const char* input;
        const char* error;
    } rows[] = {
        {"2024-1-31",
         "--since '2024-1-31' is not valid: expected a date YYYY-MM-DD, e.g. 2024-01-31"},
        {"2024/01/31",
         "--since '2024/01/31' is not valid: expected a date YYYY-MM-DD, e.g. 2024-01-31"},
        {"31.01.2024",
         "--since '31.01.2024' is not valid: expected a date YYYY-MM-DD, e.g. 2024-01-31"},
        {"2024-01-31T00",
         "--since '2024-01-31T00' is not valid: expected a date YYYY-MM-DD, e.g. 2024-01-31"},
        {"", "--since '' is not valid: expected a date YYYY-MM-DD, e.g. 2024-01-31"},
        {"2023-02-29", "--since '2023-02-29' is not valid: no such day in the calendar"},
        {"1900-02-29", "--since '1900-02-29' is not valid: the year must be 1970 or later"},
        {"2024-13-01", "--since '2024-13-01' is not valid: no such day in the calendar"},
        {"2024-04-31", "--since '2024-04-31' is not valid: no such day in the calendar"},
        {"2024-00-10", "--since '2024-00-10' is not valid: no such day in the calendar"},
        {"2024-01-00", "--since '2024-01-00' is not valid: no such day in the calendar"},
        {"1969-12-31", "--since '1969-12-31' is not valid: the year must be 1970 or later"},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(error_of([&] { parse_since(row.input); }), row.error) << row.input;
    }
}

TEST(MaxSizeOption, AcceptsPlainNumbersAndBinarySuffixes) {
    EXPECT_EQ(parse_size("1"), 1U);
    EXPECT_EQ(parse_size("52428800"), 52428800U);
    EXPECT_EQ(parse_size("10K"), 10U * 1024);
    EXPECT_EQ(parse_size("10k"), 10U * 1024);
    EXPECT_EQ(parse_size("10M"), 10U * 1024 * 1024);
    EXPECT_EQ(parse_size("10MB"), 10U * 1024 * 1024);
    EXPECT_EQ(parse_size("10MiB"), 10U * 1024 * 1024);
    EXPECT_EQ(parse_size("1G"), 1024ULL * 1024 * 1024);
    EXPECT_EQ(parse_size("2T"), 2ULL << 40);
}

TEST(MaxSizeOption, RejectsBadValues) {
    const struct {
        const char* input;
        const char* error;
    } rows[] = {
        {"",
         "--max-size '' is not valid: expected a number of bytes, optionally with K, M, G or T"},
        {"M",
         "--max-size 'M' is not valid: expected a number of bytes, optionally with K, M, G or T"},
        {"-5",
         "--max-size '-5' is not valid: expected a number of bytes, optionally with K, M, G or T"},
        {"10X", "--max-size '10X' is not valid: unknown unit; use K, M, G or T (powers of 1024)"},
        {"10MX", "--max-size '10MX' is not valid: unknown unit; use K, M, G or T (powers of 1024)"},
        {"1.5M", "--max-size '1.5M' is not valid: unknown unit; use K, M, G or T (powers of 1024)"},
        {"0", "--max-size '0' is not valid: must be at least 1 byte"},
        {"9223372036854775808", "--max-size '9223372036854775808' is not valid: too large"},
        {"99999999999999999999999", "--max-size '99999999999999999999999' is not valid: too large"},
        {"8388608T", "--max-size '8388608T' is not valid: too large"},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(error_of([&] { parse_size(row.input); }), row.error) << row.input;
    }
    EXPECT_EQ(parse_size("9223372036854775807"), 9223372036854775807ULL);
}

TEST(MaxDeletionsOption, TakesANumberOrAShare) {
    EXPECT_EQ(parse_deletion_limit("0"), (sync::DeletionLimit{0, false}));
    EXPECT_EQ(parse_deletion_limit("250"), (sync::DeletionLimit{250, false}));
    EXPECT_EQ(parse_deletion_limit("25%"), (sync::DeletionLimit{25, true}));
    EXPECT_EQ(parse_deletion_limit("100%"), sync::DeletionLimit::unlimited());
    const char* expected =
        "expected a number of messages (such as 50) or a share of a folder (such as 25%)";
    for (const char* bad : {"", "%", "-1", "10 %", "1.5%", "ten"}) {
        EXPECT_EQ(error_of([&] { parse_deletion_limit(bad); }),
                  "--max-deletions '" + std::string(bad) + "' is not valid: " + expected);
    }
    EXPECT_EQ(error_of([&] { parse_deletion_limit("101%"); }),
              "--max-deletions '101%' is not valid: a share cannot be more than 100%");
}

TEST(MigrationOptions, TranslatesEveryOption) {
    MigrateArgs args;
    args.dry_run = true;
    args.connections = 3;
    args.include = {"INBOX", "Projects/*"};
    args.exclude = {"Trash"};
    args.map = {"Sent Items=Sent", "Old=Archive/Old"};
    args.folder = "INBOX/Shop";
    args.max_size = "1M";
    args.since = "2024-01-01";
    args.delete_source = true;
    args.sync_deletions = true;
    args.max_deletions = "5";
    const sync::MigrationOptions o = to_migration_options(args);
    EXPECT_TRUE(o.dry_run);
    EXPECT_EQ(o.connections, 3U);
    EXPECT_EQ(o.command, "migrate");
    EXPECT_EQ(o.plan.include, args.include);
    EXPECT_EQ(o.plan.exclude, args.exclude);
    ASSERT_EQ(o.plan.map.size(), 2U);
    EXPECT_EQ(o.plan.map[1].source, "Old");
    EXPECT_EQ(o.plan.map[1].target, "Archive/Old");
    EXPECT_EQ(o.plan.pop3_folder, "INBOX/Shop");
    EXPECT_EQ(o.plan.max_size, std::optional<std::uint64_t>(1024 * 1024));
    EXPECT_EQ(o.plan.since, std::optional<std::int64_t>(1704067200));
    EXPECT_TRUE(o.plan.delete_source);
    EXPECT_TRUE(o.plan.sync_deletions);
    EXPECT_EQ(o.plan.max_deletions, (sync::DeletionLimit{5, false}));
}

TEST(MigrationOptions, DefaultsLeaveEverythingOpen) {
    const sync::MigrationOptions o = to_migration_options(MigrateArgs{});
    EXPECT_FALSE(o.dry_run);
    EXPECT_EQ(o.plan.pop3_folder, "INBOX");
    EXPECT_FALSE(o.plan.max_size.has_value());
    EXPECT_FALSE(o.plan.since.has_value());
    EXPECT_TRUE(o.plan.map.empty());
    EXPECT_FALSE(o.plan.delete_source);
    EXPECT_EQ(o.plan.max_deletions, (sync::DeletionLimit{10, true}));
}

TEST(MigrationOptions, BadValueNamesTheOption) {
    MigrateArgs args;
    args.map = {"Sent"};
    EXPECT_NE(error_of([&] { to_migration_options(args); }).find("--map 'Sent'"),
              std::string::npos);
}

TEST(ProgressLine, ShowsCountsBytesAndFolder) {
    sync::Progress p;
    p.messages_done = 12;
    p.messages_total = 37;
    p.bytes_done = 1024 * 1024;
    p.bytes_total = 4 * 1024 * 1024;
    p.folder = "Projects/2026";
    // Nothing measured yet: no rate, no ETA.
    EXPECT_EQ(format_progress(p, 0.5), "12/37 messages, 1.0 MiB/4.0 MiB, Projects/2026");
    // 1 MiB in 2 s: 512 KiB/s, 3 MiB left: 6 s.
    EXPECT_EQ(format_progress(p, 2.0),
              "12/37 messages, 1.0 MiB/4.0 MiB, 512.0 KiB/s, ETA 0:06, Projects/2026");
}

TEST(ProgressLine, ShortensLongFolderNamesAtCharacterBoundaries) {
    sync::Progress p;
    p.messages_total = 1;
    p.bytes_total = 10;
    p.folder = std::string(30, 'a') + "/Zürich/" + std::string(10, 'b');
    // The last 40 bytes.
    EXPECT_EQ(format_progress(p, 0), "0/1 messages, 0 B/10 B, ..." + std::string(21, 'a') +
                                         "/Zürich/" + std::string(10, 'b'));
    // 42 bytes: the 40-byte cut would start inside the two bytes of "ü".
    p.folder = "Zü" + std::string(39, 'x');
    EXPECT_EQ(format_progress(p, 0), "0/1 messages, 0 B/10 B, ..." + std::string(39, 'x'));
}

}  // namespace
}  // namespace mailferry::cli
