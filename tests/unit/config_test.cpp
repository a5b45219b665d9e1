// The config file of `sync` and `daemon` (SPEC "The config file"): what a
// valid file becomes, and for every kind of mistake an error naming the
// file, the line and the key; --shard and interval parsing.

#include "cli/config.hpp"

#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mailferry::cli {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* config_file = "/etc/mailferry/jobs.toml";

// The ConfigError parse_config throws for `text`, or a test failure.
std::string error_of(std::string_view text) {
    try {
        parse_config(text, config_file);
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no ConfigError for:\n" << text;
    return {};
}

// "FILE:LINE: KEY: " as every message starts.
std::string at(int line, std::string_view key) {
    return std::string(config_file) + ":" + std::to_string(line) + ": " + std::string(key) + ": ";
}

// A valid job to build error cases around; its [[job]] header is on the
// first line of the snippet.
constexpr std::string_view alice = R"([[job]]
name = "alice"
source = "imaps://alice@old.example.net"
source_password_env = "ALICE_OLD"
target = "imaps://alice@new.example.org"
target_password_env = "ALICE_NEW"
)";

std::string with_alice(std::string_view before, std::string_view after = "") {
    return std::string(before) + std::string(alice) + std::string(after);
}

TEST(Config, ParsesTheSpecExample) {
    const Config config = parse_config(R"(state = "/var/lib/mailferry/state.db"

[defaults]
connections = 4
interval = "15m"

[[job]]
name = "alice"
source = "imaps://alice@old.example.net"
source_password_file = "/etc/mailferry/alice-old"
target = "imaps://alice%40example.org@new.example.org"
target_password_command = "pass show mail/alice"
exclude = ["Trash", "Junk"]
map = { "Sent Items" = "Sent" }
interval = "5m"

[[job]]
name = "shop-pop"
source = "pop3s://shop@pop.example.net"
source_password_env = "SHOP_POP_PASSWORD"
target = "imaps://shop@new.example.org"
target_password_env = "SHOP_IMAP_PASSWORD"
folder = "INBOX/Shop"
delete_source = true
interval = "2m"
)",
                                       config_file);
    EXPECT_EQ(config.file, std::filesystem::path(config_file));
    EXPECT_EQ(config.state, std::filesystem::path("/var/lib/mailferry/state.db"));
    EXPECT_EQ(config.max_connections, 16u);
    EXPECT_EQ(config.max_connections_per_server, 4u);
    ASSERT_EQ(config.jobs.size(), 2u);

    const JobConfig& a = config.jobs[0];
    EXPECT_EQ(a.name, "alice");
    EXPECT_EQ(a.line, 7u);
    EXPECT_EQ(a.source, "imaps://alice@old.example.net");
    EXPECT_EQ(a.target, "imaps://alice%40example.org@new.example.org");
    EXPECT_EQ(a.source_password.file, "/etc/mailferry/alice-old");
    EXPECT_EQ(a.source_password.command, "");
    EXPECT_EQ(a.source_password.env, "");
    EXPECT_EQ(a.target_password.command, "pass show mail/alice");
    EXPECT_TRUE(a.include.empty());
    EXPECT_EQ(a.exclude, (std::vector<std::string>{"Trash", "Junk"}));
    ASSERT_EQ(a.map.size(), 1u);
    EXPECT_EQ(a.map[0].source, "Sent Items");
    EXPECT_EQ(a.map[0].target, "Sent");
    EXPECT_EQ(a.connections, 4u);  // from [defaults]
    EXPECT_EQ(a.interval, 300s);   // its own, over [defaults]
    EXPECT_EQ(a.folder, "");
    EXPECT_FALSE(a.delete_source);
    EXPECT_FALSE(a.idle);
    EXPECT_FALSE(a.verify);

    const JobConfig& shop = config.jobs[1];
    EXPECT_EQ(shop.name, "shop-pop");
    EXPECT_EQ(shop.line, 17u);
    EXPECT_EQ(shop.source, "pop3s://shop@pop.example.net");
    EXPECT_EQ(shop.source_password.env, "SHOP_POP_PASSWORD");
    EXPECT_EQ(shop.target_password.env, "SHOP_IMAP_PASSWORD");
    EXPECT_EQ(shop.folder, "INBOX/Shop");
    EXPECT_TRUE(shop.delete_source);
    EXPECT_EQ(shop.connections, 4u);
    EXPECT_EQ(shop.interval, 120s);
    EXPECT_FALSE(shop.max_size.has_value());
    EXPECT_FALSE(shop.since.has_value());
}

TEST(Config, JobsInheritEveryDefaultTheyDoNotSet) {
    const Config config = parse_config(with_alice(R"(max_connections = 40
max_connections_per_server = 6

[defaults]
include = ["INBOX", "Archive/*"]
exclude = ["Trash"]
max_size = "10M"
since = "2020-01-01"
ca_file = "/etc/ssl/corp.pem"
insecure = true
allow_plaintext = true
sync_deletions = true
idle = true
source_password_command = "pass show old"
verify = true

)",
                                                  R"(exclude = ["Junk"]
max_size = 2048
since = 2021-06-30
connections = 64
idle = false
)"),
                                       config_file);
    EXPECT_EQ(config.max_connections, 40u);
    EXPECT_EQ(config.max_connections_per_server, 6u);
    EXPECT_TRUE(config.state.empty());
    ASSERT_EQ(config.jobs.size(), 1u);
    const JobConfig& job = config.jobs[0];
    EXPECT_EQ(job.line, 17u);
    EXPECT_EQ(job.include, (std::vector<std::string>{"INBOX", "Archive/*"}));
    EXPECT_EQ(job.exclude, std::vector<std::string>{"Junk"});  // replaced, not merged
    EXPECT_EQ(job.max_size, 2048u);
    EXPECT_EQ(job.since, 1625011200);  // 2021-06-30T00:00:00Z, from a TOML date
    EXPECT_EQ(job.ca_file, "/etc/ssl/corp.pem");
    EXPECT_TRUE(job.insecure);
    EXPECT_TRUE(job.allow_plaintext);
    EXPECT_TRUE(job.sync_deletions);
    EXPECT_FALSE(job.idle);
    EXPECT_TRUE(job.verify);  // from [defaults]
    EXPECT_EQ(job.connections, 64u);
    EXPECT_EQ(job.interval, 15min);  // nobody set it
    EXPECT_EQ(job.source_password.command, "pass show old");
    EXPECT_EQ(job.source_password.env, "ALICE_OLD");
    EXPECT_EQ(job.origins.at("ca_file").key, "defaults.ca_file");
    EXPECT_EQ(job.origins.at("ca_file").line, 9u);
    EXPECT_EQ(job.origins.at("max_size").key, "job \"alice\".max_size");
    EXPECT_EQ(job.origins.at("max_size").line, 24u);
}

TEST(Config, DefaultsSizeAndDateStringsUseTheMigrateSyntax) {
    const Config config = parse_config(
        with_alice("[defaults]\nmax_size = \"10M\"\nsince = \"2020-01-01\"\n"), config_file);
    EXPECT_EQ(config.jobs[0].max_size, 10u * 1024 * 1024);
    EXPECT_EQ(config.jobs[0].since, 1577836800);
}

TEST(Config, RelativePathsAreResolvedAgainstTheConfigDirectory) {
    const Config config = parse_config(with_alice("state = \"state/mailferry.db\"\n",
                                                  "ca_file = \"certs/corp.pem\"\n"
                                                  "source_password_file = \"secrets/alice\"\n"),
                                       config_file);
    EXPECT_EQ(config.state, std::filesystem::path("/etc/mailferry/state/mailferry.db"));
    EXPECT_EQ(config.jobs[0].ca_file, "/etc/mailferry/certs/corp.pem");
    EXPECT_EQ(config.jobs[0].source_password.file, "/etc/mailferry/secrets/alice");

    const Config here = parse_config(with_alice("state = \"s.db\"\n"), "jobs.toml");
    EXPECT_EQ(here.state, std::filesystem::path("s.db"));
}

TEST(Config, MapKeepsTheFileOrder) {
    const Config config = parse_config(
        with_alice("", "map = { \"Zeta\" = \"Z\", \"Alpha\" = \"A\", \"Mid\" = \"M\" }\n"),
        config_file);
    const auto& map = config.jobs[0].map;
    ASSERT_EQ(map.size(), 3u);
    EXPECT_EQ(map[0].source, "Zeta");
    EXPECT_EQ(map[1].source, "Alpha");
    EXPECT_EQ(map[2].source, "Mid");
    EXPECT_EQ(map[2].target, "M");
}

TEST(Config, FolderWithAnImapSourceAndDeletionsWithAPop3SourceAreAccepted) {
    const Config config = parse_config(R"([[job]]
name = "imap-with-folder"
source = "imaps://a@old.example.net"
source_password_env = "A"
target = "imaps://a@new.example.org"
target_password_env = "B"
folder = "Somewhere"

[[job]]
name = "pop-with-deletions"
source = "pop3s://b@pop.example.net"
source_password_env = "C"
target = "imaps://b@new.example.org"
target_password_env = "D"
sync_deletions = true
)",
                                       config_file);
    ASSERT_EQ(config.jobs.size(), 2u);
    EXPECT_EQ(config.jobs[0].folder, "Somewhere");
    EXPECT_TRUE(config.jobs[1].sync_deletions);
}

TEST(Config, APasswordInTheUrlIsASourceAndStaysInTheUrl) {
    const Config config = parse_config(R"([[job]]
name = "inline"
source = "imap://bob:s3cret@127.0.0.1:1143"
target = "imap://bob:t0p@127.0.0.1:2143"
)",
                                       config_file);
    const JobConfig& job = config.jobs[0];
    EXPECT_EQ(job.source, "imap://bob:s3cret@127.0.0.1:1143");
    EXPECT_TRUE(job.source_password.file.empty());
    EXPECT_TRUE(job.source_password.command.empty());
    EXPECT_TRUE(job.source_password.env.empty());
    EXPECT_TRUE(password_spec(job, "source").env_var.empty());
}

TEST(Config, JobToMigrationOptionsAndPasswordSpec) {
    const Config config = parse_config(with_alice("", R"(include = ["INBOX"]
exclude = ["Spam"]
map = { "Sent Items" = "Sent" }
max_size = "1K"
since = "2024-01-31"
delete_source = true
sync_deletions = true
connections = 3
gmail_labels = "copy"
source_password_file = "/run/alice"
)"),
                                       config_file);
    const sync::MigrationOptions options = to_migration_options(config.jobs[0]);
    EXPECT_EQ(options.command, "sync");
    EXPECT_FALSE(options.dry_run);
    EXPECT_EQ(options.connections, 3u);
    EXPECT_EQ(options.plan.include, std::vector<std::string>{"INBOX"});
    EXPECT_EQ(options.plan.exclude, std::vector<std::string>{"Spam"});
    ASSERT_EQ(options.plan.map.size(), 1u);
    EXPECT_EQ(options.plan.map[0].target, "Sent");
    EXPECT_EQ(options.plan.max_size, 1024u);
    EXPECT_EQ(options.plan.since, 1706659200);
    EXPECT_TRUE(options.plan.delete_source);
    EXPECT_TRUE(options.plan.sync_deletions);
    EXPECT_EQ(options.plan.gmail_labels, sync::GmailLabelMode::copy);
    EXPECT_EQ(options.plan.pop3_folder, "INBOX");

    const PasswordSpec source = password_spec(config.jobs[0], "source");
    EXPECT_EQ(source.side, "source");
    EXPECT_EQ(source.file, "/run/alice");
    EXPECT_EQ(source.env_var, "ALICE_OLD");
    const PasswordSpec target = password_spec(config.jobs[0], "target");
    EXPECT_EQ(target.side, "target");
    EXPECT_TRUE(target.file.empty());
    EXPECT_EQ(target.env_var, "ALICE_NEW");
}

TEST(Config, LoadConfigReadsTheFile) {
    const test::TempDir dir;
    const auto file = dir / "jobs.toml";
    std::ofstream(file) << with_alice("state = \"state.db\"\n");
    const Config config = load_config(file);
    EXPECT_EQ(config.file, file);
    EXPECT_EQ(config.state, dir / "state.db");
    ASSERT_EQ(config.jobs.size(), 1u);

    try {
        load_config(dir / "missing.toml");
        ADD_FAILURE() << "no ConfigError for a missing file";
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), HasSubstr((dir / "missing.toml").string()));
        EXPECT_THAT(e.what(), HasSubstr("cannot read"));
    }
}

// --- errors -----------------------------------------------------------

TEST(ConfigError, TomlSyntaxErrorNamesItsPosition) {
    const std::string e = error_of(with_alice("state = \"x.db\"\nmax_connections =\n"));
    EXPECT_THAT(e, StartsWith(std::string(config_file) + ":2: TOML syntax error at column"));
}

// Inputs that break toml++ 3.3's own checks (a debug assertion in
// parse_key, an unreachable branch for some non-ASCII characters) are
// syntax errors like any other in the library mailferry links.
TEST(ConfigError, MalformedTableHeaderIsASyntaxError) {
    EXPECT_THAT(error_of(with_alice("", "[.[job]]\n")), HasSubstr(": TOML syntax error at column"));
    EXPECT_THAT(error_of("[[[job]]]\nname = \"alice\"\n"),
                StartsWith(std::string(config_file) + ":1: TOML syntax error at column"));
}

TEST(ConfigError, StrayNonAsciiCharacterIsASyntaxError) {
    EXPECT_THAT(error_of("[defaul\xc3\xa9]\n"),
                StartsWith(std::string(config_file) + ":1: TOML syntax error at column"));
    EXPECT_THAT(error_of(with_alice("", "\xcc\xaa\n")), HasSubstr(": TOML syntax error at column"));
}

TEST(ConfigError, UnknownJobKeySuggestsTheClosest) {
    EXPECT_THAT(
        error_of(with_alice("", "conections = 2\n")),
        StartsWith(at(7, "job \"alice\".conections") + "unknown key; did you mean `connections`?"));
    EXPECT_THAT(error_of(with_alice("", "sorce_password_file = \"/x\"\n")),
                StartsWith(at(7, "job \"alice\".sorce_password_file") +
                           "unknown key; did you mean `source_password_file`?"));
    const std::string far = error_of(with_alice("", "colour = \"blue\"\n"));
    EXPECT_THAT(far, StartsWith(at(7, "job \"alice\".colour") + "unknown key; the job keys are"));
    EXPECT_THAT(far, HasSubstr("connections"));
    EXPECT_THAT(error_of(with_alice("[defaults]\nintervall = \"1m\"\n")),
                StartsWith(at(2, "defaults.intervall") + "unknown key; did you mean `interval`?"));
}

TEST(ConfigError, UnknownTopLevelKey) {
    EXPECT_THAT(error_of(with_alice("", "[[jobs]]\nname = \"x\"\n")),
                StartsWith(at(7, "jobs") + "unknown key; did you mean [[job]]?"));
    EXPECT_THAT(error_of(with_alice("stat = \"x.db\"\n")),
                StartsWith(at(1, "stat") + "unknown key; did you mean `state`?"));
    EXPECT_THAT(error_of(with_alice("connections = 4\n")),
                StartsWith(at(1, "connections") + "a job key at the top level"));
}

TEST(ConfigError, WrongTypesSayWhatIsExpected) {
    EXPECT_THAT(
        error_of(with_alice("", "connections = \"4\"\n")),
        StartsWith(at(7, "job \"alice\".connections") + "expected an integer, found a string"));
    EXPECT_THAT(error_of(with_alice("", "delete_source = \"yes\"\n")),
                StartsWith(at(7, "job \"alice\".delete_source") + "expected true or false"));
    EXPECT_THAT(error_of(with_alice("", "folder = 3\n")),
                StartsWith(at(7, "job \"alice\".folder") + "expected a string, found an integer"));
    EXPECT_THAT(error_of(with_alice("", "exclude = \"Trash\"\n")),
                StartsWith(at(7, "job \"alice\".exclude") + "expected an array of strings"));
    EXPECT_THAT(
        error_of(with_alice("", "include = [\n  \"INBOX\",\n  3,\n]\n")),
        StartsWith(at(9, "job \"alice\".include") + "element 2: expected a non-empty string"));
    EXPECT_THAT(error_of(with_alice("", "map = [\"Sent Items=Sent\"]\n")),
                StartsWith(at(7, "job \"alice\".map") + "expected an inline table"));
    EXPECT_THAT(error_of(with_alice("", "map = { \"Sent\" = 1 }\n")),
                StartsWith(at(7, "job \"alice\".map") + "\"Sent\": expected the target folder"));
    EXPECT_THAT(error_of(with_alice("", "interval = 300\n")),
                StartsWith(at(7, "job \"alice\".interval") + "expected a duration string"));
    EXPECT_THAT(error_of(with_alice("state = 1\n")),
                StartsWith(at(1, "state") + "expected a string"));
    EXPECT_THAT(error_of(with_alice("[defaults]\nidle = 1\n")),
                StartsWith(at(2, "defaults.idle") + "expected true or false"));
    EXPECT_THAT(
        error_of(with_alice("", "source_password_file = \"\"\n")),
        StartsWith(at(7, "job \"alice\".source_password_file") + "expected a non-empty string"));
    EXPECT_THAT(error_of(std::string("defaults = 3\n") + std::string(alice)),
                StartsWith(at(1, "defaults") + "expected a table [defaults]"));
    EXPECT_THAT(error_of("[job]\nname = \"a\"\n"),
                StartsWith(at(1, "job") + "expected [[job]] tables"));
}

TEST(ConfigError, MissingNameSourceOrTargetNamesTheJobHeader) {
    const std::string second = "\n[[job]]\nsource = \"imaps://b@old.example.net\"\n";
    EXPECT_THAT(error_of(with_alice("", second)),
                StartsWith(at(8, "job #2.name") + "missing; every job needs a name"));
    EXPECT_THAT(error_of("[[job]]\nname = \"b\"\ntarget = \"imaps://b@new.example.org\"\n"),
                StartsWith(at(1, "job \"b\".source") + "missing"));
    EXPECT_THAT(error_of("\n[[job]]\nname = \"b\"\nsource = \"imaps://b@old.example.net\"\n"),
                StartsWith(at(2, "job \"b\".target") + "missing"));
}

TEST(ConfigError, BadAccountUrlGivesTheUrlErrorWithoutThePassword) {
    const std::string e =
        error_of("[[job]]\nname = \"b\"\nsource = \"imaps://b:hunter2@old.example.net:99999\"\n");
    EXPECT_THAT(e, StartsWith(at(3, "job \"b\".source")));
    EXPECT_THAT(e, HasSubstr("99999"));
    EXPECT_THAT(e, Not(HasSubstr("hunter2")));
    EXPECT_THAT(error_of("[[job]]\nname = \"b\"\nsource = \"http://old.example.net\"\n"),
                StartsWith(at(3, "job \"b\".source")));
}

TEST(ConfigError, TargetMustBeImap) {
    const std::string e = error_of(R"([[job]]
name = "b"
source = "imaps://b@old.example.net"
target = "pop3s://b:hunter2@new.example.org"
)");
    EXPECT_THAT(e, StartsWith(at(4, "job \"b\".target")));
    EXPECT_THAT(e, HasSubstr("a target must be IMAP"));
    EXPECT_THAT(e, Not(HasSubstr("hunter2")));
}

TEST(ConfigError, DuplicateJobNameNamesBothLines) {
    const std::string e = error_of(with_alice("", std::string("\n") + std::string(alice)));
    EXPECT_THAT(e, StartsWith(at(9, "job \"alice\".name") + "the job on line 1 has the same name"));
}

TEST(ConfigError, TwoJobsOverOneAccountPair) {
    // The same accounts written differently (default port spelled out) are one pair.
    const std::string second = R"([[job]]
name = "alice-again"
source = "imaps://alice@old.example.net:993"
source_password_env = "ALICE_OLD"
target = "imaps://alice@new.example.org"
target_password_env = "ALICE_NEW"
)";
    EXPECT_THAT(error_of(with_alice("", "\n" + second)),
                StartsWith(at(8, "job \"alice-again\".target") +
                           "job \"alice\" already moves imaps://alice@old.example.net:993 -> "
                           "imaps://alice@new.example.org:993"));
}

TEST(ConfigError, BadInterval) {
    EXPECT_THAT(error_of(with_alice("", "interval = \"15x\"\n")),
                StartsWith(at(7, "job \"alice\".interval") + "'15x' is not a valid interval"));
    EXPECT_THAT(error_of(with_alice("[defaults]\ninterval = \"0s\"\n")),
                StartsWith(at(2, "defaults.interval") + "'0s' is not a valid interval"));
}

TEST(ConfigError, ConnectionsOutOfRange) {
    EXPECT_THAT(
        error_of(with_alice("", "connections = 0\n")),
        StartsWith(at(7, "job \"alice\".connections") + "0 is out of range: expected 1 to 64"));
    EXPECT_THAT(error_of(with_alice("", "connections = 65\n")),
                StartsWith(at(7, "job \"alice\".connections") + "65 is out of range"));
    EXPECT_THAT(error_of(with_alice("max_connections = 1\n")),
                StartsWith(at(1, "max_connections") + "1 is out of range: expected 2 to"));
    EXPECT_THAT(error_of(with_alice("max_connections_per_server = 0\n")),
                StartsWith(at(1, "max_connections_per_server") + "0 is out of range"));
}

TEST(ConfigError, OneConnectionPerServerCannotServeAJobOnOneServer) {
    EXPECT_THAT(error_of(R"(max_connections_per_server = 1
[[job]]
name = "same"
source = "imap://a@mail.example.org"
source_password_env = "A"
target = "imap://b@mail.example.org"
target_password_env = "B"
)"),
                StartsWith(at(6, "job \"same\".target") +
                           "the source and the target are both on mail.example.org:143"));
}

TEST(ConfigError, BadMaxSizeOrSinceNamesTheKeyNotTheOption) {
    const std::string size = error_of(with_alice("", "max_size = \"10Q\"\n"));
    EXPECT_THAT(size,
                StartsWith(at(7, "job \"alice\".max_size") + "'10Q' is not valid: unknown unit"));
    EXPECT_THAT(size, Not(HasSubstr("--max-size")));
    EXPECT_THAT(error_of(with_alice("", "max_size = 0\n")),
                StartsWith(at(7, "job \"alice\".max_size") + "0 is not valid: must be at least 1"));
    const std::string since = error_of(with_alice("[defaults]\nsince = \"2024-02-30\"\n"));
    EXPECT_THAT(since, StartsWith(at(2, "defaults.since") +
                                  "'2024-02-30' is not valid: no such day in the calendar"));
    EXPECT_THAT(since, Not(HasSubstr("--since")));
    EXPECT_THAT(error_of(with_alice("", "since = 2024-01-31T10:00:00Z\n")),
                StartsWith(at(7, "job \"alice\".since") + "expected a date"));
}

TEST(ConfigError, EachSideNeedsAPasswordSource) {
    EXPECT_THAT(error_of(R"([[job]]
name = "b"
source = "imaps://b@old.example.net"
target = "imaps://b@new.example.org"
target_password_command = "pass show b"
)"),
                StartsWith(at(3, "job \"b\".source") +
                           "no password for the source account; set source_password_file, "
                           "source_password_command, source_password_env, "
                           "source_oauth2_token_command or source_oauth2_file"));
    EXPECT_THAT(error_of(R"([defaults]
source_password_env = "OLD"

[[job]]
name = "b"
source = "imaps://b@old.example.net"
target = "imaps://b@new.example.org"
)"),
                StartsWith(at(7, "job \"b\".target") + "no password for the target account"));
}

TEST(ConfigError, JobNamesAreRestrictedToSafeCharacters) {
    for (const char* name : {"alice smith", "", "al\\\"ice", "caf\u00e9", "a/b"}) {
        const std::string e = error_of(std::string("[[job]]\nname = \"") + name + "\"\n");
        EXPECT_THAT(e, StartsWith(at(2, "job #1.name"))) << name;
    }
    EXPECT_THAT(error_of("[[job]]\nname = \"alice smith\"\n"),
                HasSubstr("use only letters, digits, '.', '_' and '-'"));
    EXPECT_THAT(error_of("[[job]]\nname = 7\n"),
                StartsWith(at(2, "job #1.name") + "expected a string"));
}

TEST(ConfigError, NoJobAtAll) {
    EXPECT_THAT(error_of("state = \"x.db\"\n[defaults]\nconnections = 2\n"),
                StartsWith(at(1, "job") + "the file has no [[job]]"));
    EXPECT_THAT(error_of("state = \"x.db\"\njob = []\n"), StartsWith(at(2, "job")));
}

TEST(Config, AnOAuth2TokenCommandTakesThePlaceOfAPassword) {
    const Config config = parse_config(
        with_alice("[defaults]\ntarget_oauth2_token_command = \"oauth2l fetch --json\"\n",
                   "source_oauth2_token_command = \"gcloud auth print-access-token\"\n"),
        "/etc/mailferry/config.toml");
    ASSERT_EQ(config.jobs.size(), 1u);
    EXPECT_EQ(config.jobs[0].source_password.oauth2_token_command,
              "gcloud auth print-access-token");
    EXPECT_EQ(config.jobs[0].target_password.oauth2_token_command, "oauth2l fetch --json");
}

TEST(Config, AnOAuth2RefreshTokenFileTakesThePlaceOfAPassword) {
    const Config config =
        parse_config(with_alice("[defaults]\ntarget_oauth2_file = \"/etc/o.toml\"\n",
                                "source_oauth2_file = \"oauth2/alice.toml\"\n"),
                     "/etc/mailferry/config.toml");
    ASSERT_EQ(config.jobs.size(), 1u);
    EXPECT_EQ(config.jobs[0].source_password.oauth2_file, "/etc/mailferry/oauth2/alice.toml")
        << "resolved against the config's directory, like password files";
    EXPECT_EQ(config.jobs[0].target_password.oauth2_file, "/etc/o.toml");
}

TEST(ConfigError, AnOAuth2FileAndATokenCommandForOneSideConflict) {
    EXPECT_THAT(error_of(with_alice("[defaults]\ntarget_oauth2_file = \"/etc/o.toml\"\n",
                                    "target_oauth2_token_command = \"oauth2l fetch\"\n")),
                HasSubstr("target_oauth2_token_command and target_oauth2_file both give the "
                          "target account's OAuth2 tokens; keep one"));
}

TEST(ConfigError, DefaultsCannotNameAJobOrItsAccounts) {
    EXPECT_THAT(
        error_of(with_alice("[defaults]\nconnections = 2\ntarget = \"imaps://x@y\"\n")),
        StartsWith(at(3, "defaults.target") + "name, source and target belong in each [[job]]"));
}

TEST(ConfigError, PasswordEnvMustBeAVariableName) {
    EXPECT_THAT(error_of(with_alice("[defaults]\nsource_password_env = \"$ALICE\"\n")),
                StartsWith(at(2, "defaults.source_password_env") +
                           "\"$ALICE\" is not an environment variable name"));
}

// --- intervals and shards ---------------------------------------------

TEST(ParseInterval, AcceptsUnitsLargestFirst) {
    EXPECT_EQ(parse_interval("90s"), 90s);
    EXPECT_EQ(parse_interval("15m"), 15min);
    EXPECT_EQ(parse_interval("2h"), 2h);
    EXPECT_EQ(parse_interval("1d"), 24h);
    EXPECT_EQ(parse_interval("1h30m"), 90min);
    EXPECT_EQ(parse_interval("1d2h3m4s"), 26h + 3min + 4s);
    EXPECT_EQ(parse_interval("1s"), 1s);
    EXPECT_EQ(parse_interval("365d"), 365 * 24h);
}

TEST(ParseInterval, RejectsWithTheReason) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "it is empty"},
        {"15", "the number needs a unit"},
        {"m", "expected a number"},
        {"15x", "unknown unit 'x'"},
        {"15M", "unknown unit 'M'"},
        {"30m1h", "largest to the smallest"},
        {"1m1m", "largest to the smallest"},
        {"0s", "at least 1 second"},
        {"0h0m", "at least 1 second"},
        {"366d", "longer than 365 days"},
        {"99999999999999999999s", "longer than 365 days"},
        {"1h 30m", "expected a number"},
        {"-5m", "expected a number"},
    };
    for (const auto& [text, reason] : cases) {
        try {
            parse_interval(text);
            ADD_FAILURE() << "accepted '" << text << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_THAT(e.what(), StartsWith("'" + text + "' is not a valid interval: ")) << text;
            EXPECT_THAT(e.what(), HasSubstr(reason)) << text;
        }
    }
}

TEST(ParseShard, AcceptsKOfN) {
    const Shard a = parse_shard("0/1");
    EXPECT_EQ(a.index, 0u);
    EXPECT_EQ(a.count, 1u);
    const Shard b = parse_shard("2/3");
    EXPECT_EQ(b.index, 2u);
    EXPECT_EQ(b.count, 3u);
    EXPECT_EQ(parse_shard("4294967294/4294967295").index, 4294967294u);
}

TEST(ParseShard, RejectsWithTheReason) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "expected K/N"},
        {"3", "expected K/N"},
        {"1/", "expected K/N"},
        {"/2", "expected K/N"},
        {"-1/2", "expected K/N"},
        {"1/2/3", "expected K/N"},
        {"a/b", "expected K/N"},
        {"0/0", "N must be at least 1"},
        {"3/3", "K must be less than N"},
        {"0/4294967296", "N is too large"},
    };
    for (const auto& [text, reason] : cases) {
        try {
            parse_shard(text);
            ADD_FAILURE() << "accepted '" << text << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_THAT(e.what(), StartsWith("--shard '" + text + "' is not valid: ")) << text;
            EXPECT_THAT(e.what(), HasSubstr(reason)) << text;
        }
    }
}

TEST(ShardOf, IsFnv1a64OfTheNameModuloN) {
    // Values computed independently (FNV-1a 64: "a" -> 0xaf63dc4c8601ec8c,
    // "foobar" -> 0x85944171f73967e8, the published test vectors).
    EXPECT_EQ(shard_of("a", 7), 5u);
    EXPECT_EQ(shard_of("a", 10), 6u);
    EXPECT_EQ(shard_of("foobar", 7), 6u);
    EXPECT_EQ(shard_of("foobar", 10), 8u);
    EXPECT_EQ(shard_of("alice", 5), 3u);
    EXPECT_EQ(shard_of("shop-pop", 7), 6u);
    EXPECT_EQ(shard_of("", 10), 7u);  // the offset basis 0xcbf29ce484222325
    EXPECT_EQ(shard_of("anything", 1), 0u);
}

TEST(ShardOf, EveryJobLandsInExactlyOneShard) {
    std::vector<std::string> names;
    for (int i = 0; i < 200; ++i) {
        names.push_back("job-" + std::to_string(i));
    }
    for (const std::uint32_t n : {1u, 2u, 3u, 5u, 8u}) {
        std::multiset<std::string> run;  // what the N processes run together
        for (std::uint32_t k = 0; k < n; ++k) {
            std::size_t in_shard = 0;
            for (const std::string& name : names) {
                if (shard_of(name, n) == k) {
                    run.insert(name);
                    ++in_shard;
                }
            }
            EXPECT_GT(in_shard, 0u) << "shard " << k << "/" << n << " got no job";
        }
        EXPECT_EQ(run.size(), names.size()) << n;
        for (const std::string& name : names) {
            EXPECT_EQ(run.count(name), 1u) << name << " in " << n << " shards";
        }
    }
}

// --- check_job_environment --------------------------------------------

class CheckJobEnvironment : public ::testing::Test {
  protected:
    static constexpr const char* unset_var = "MAILFERRY_CONFIG_TEST_UNSET";
    static constexpr const char* set_var = "MAILFERRY_CONFIG_TEST_SET";
    void SetUp() override {
        ::unsetenv(unset_var);
        ::setenv(set_var, "secret", 1);
    }
    void TearDown() override { ::unsetenv(set_var); }

    test::TempDir dir_;
};

TEST_F(CheckJobEnvironment, AllPresentIsClean) {
    std::ofstream(dir_ / "alice") << "pw\n";
    std::ofstream(dir_ / "ca.pem") << "-----BEGIN CERTIFICATE-----\n";
    const Config config = parse_config(R"([[job]]
name = "alice"
source = "imaps://alice@old.example.net"
source_password_file = "alice"
target = "imaps://alice@new.example.org"
target_password_env = "MAILFERRY_CONFIG_TEST_SET"
ca_file = "ca.pem"
)",
                                       dir_ / "jobs.toml");
    EXPECT_TRUE(check_job_environment(config).empty());
}

TEST_F(CheckJobEnvironment, FindsMissingFilesAndUnsetVariables) {
    const auto file = (dir_ / "jobs.toml").string();
    const Config config = parse_config(R"([defaults]
target_password_env = "MAILFERRY_CONFIG_TEST_UNSET"

[[job]]
name = "alice"
source = "imaps://alice@old.example.net"
source_password_file = "missing-password"
target = "imaps://alice@new.example.org"
ca_file = "missing-ca.pem"

[[job]]
name = "bob"
source = "imaps://bob@old.example.net"
source_password_env = "MAILFERRY_CONFIG_TEST_SET"
target = "imaps://bob@new.example.org"
)",
                                       file);
    const std::vector<std::string> problems = check_job_environment(config);
    ASSERT_EQ(problems.size(), 3u) << ::testing::PrintToString(problems);
    EXPECT_THAT(problems[0], StartsWith(file + ":7: job \"alice\".source_password_file: "));
    EXPECT_THAT(problems[0], HasSubstr((dir_ / "missing-password").string()));
    // The inherited variable is reported once, where it is set.
    EXPECT_THAT(problems[1], StartsWith(file + ":2: defaults.target_password_env: "));
    EXPECT_THAT(problems[1], HasSubstr("MAILFERRY_CONFIG_TEST_UNSET is not set"));
    EXPECT_THAT(problems[2], StartsWith(file + ":9: job \"alice\".ca_file: "));
    EXPECT_THAT(problems[2], HasSubstr((dir_ / "missing-ca.pem").string()));
}

TEST(Config, MaxDeletionsTakesAShareOrANumberAndDefaultsToTenPercent) {
    const Config config = parse_config(
        with_alice("[defaults]\nmax_deletions = \"100%\"\n", "max_deletions = 25\n"), config_file);
    EXPECT_EQ(config.jobs[0].max_deletions, (sync::DeletionLimit{25, false}));
    EXPECT_EQ(to_migration_options(config.jobs[0]).plan.max_deletions,
              (sync::DeletionLimit{25, false}));
    const Config inherited =
        parse_config(with_alice("[defaults]\nmax_deletions = \"100%\"\n"), config_file);
    EXPECT_EQ(inherited.jobs[0].max_deletions, sync::DeletionLimit::unlimited());
    EXPECT_EQ(parse_config(with_alice(""), config_file).jobs[0].max_deletions,
              (sync::DeletionLimit{10, true}));
    EXPECT_THAT(error_of(with_alice("", "max_deletions = \"150%\"\n")),
                StartsWith(at(7, "job \"alice\".max_deletions") +
                           "'150%' is not valid: a share cannot be more than 100%"));
    EXPECT_THAT(error_of(with_alice("", "max_deletions = true\n")),
                StartsWith(at(7, "job \"alice\".max_deletions") +
                           "expected a number of messages, or a share such as \"25%\""));
}

TEST(Config, GmailLabelsTakesTheTwoModesOfTheOptionOnly) {
    EXPECT_EQ(
        to_migration_options(parse_config(with_alice(""), config_file).jobs[0]).plan.gmail_labels,
        sync::GmailLabelMode::keywords);
    const std::string e = error_of(with_alice("", "gmail_labels = \"all\"\n"));
    EXPECT_THAT(e, HasSubstr("gmail_labels"));
    EXPECT_THAT(e, HasSubstr("\"keywords\" (the default) or \"copy\""));
}

}  // namespace
}  // namespace mailferry::cli
