// Password sources (SPEC "Accounts"): file, command, environment and URL, in
// that order of precedence; each failure names its source and what to do,
// and never contains the password or the command's output.

#include "cli/password_source.hpp"

#include "tests/support/log_expectations.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace {

using mailferry::cli::PasswordOrigin;
using mailferry::cli::PasswordSpec;
using mailferry::cli::resolve_password;
using mailferry::cli::Secret;
using namespace std::chrono_literals;

constexpr const char* env_var = "MAILFERRY_TEST_PASSWORD_SOURCE";

class PasswordSource : public ::testing::Test {
  protected:
    void SetUp() override { ::unsetenv(env_var); }
    void TearDown() override { ::unsetenv(env_var); }

    std::string write(const std::string& name, const std::string& content) {
        const auto path = dir_ / name;
        std::ofstream(path, std::ios::binary) << content;
        return path.string();
    }
    PasswordSpec spec() {
        PasswordSpec s;
        s.side = "source";
        s.env_var = env_var;
        s.command_timeout = 10s;
        return s;
    }
    mailferry::test::TempDir dir_;
};

TEST_F(PasswordSource, FileEveryUserCanReadIsWarnedAboutAndStillUsed) {
    using std::filesystem::perms;
    auto s = spec();
    s.file = write("pw", "hunter2\n");
    for (const perms mode : {perms::owner_read | perms::others_read, perms::all}) {
        std::filesystem::permissions(s.file, mode);
        mailferry::test::LogExpectations logs;
        logs.expect_warning("can be read by every user");
        logs.expect_warning("chmod 600 " + s.file);
        auto got = resolve_password(s, std::nullopt);
        ASSERT_TRUE(got) << got.error();
        EXPECT_EQ(got->secret.reveal(), "hunter2");
    }
    // Private, or shared with a group on purpose: nothing to say
    // (LogExpectations fails on any warning).
    for (const perms mode :
         {perms::owner_read | perms::owner_write, perms::owner_read | perms::group_read}) {
        std::filesystem::permissions(s.file, mode);
        mailferry::test::LogExpectations quiet;
        EXPECT_TRUE(resolve_password(s, std::nullopt));
    }
}

TEST_F(PasswordSource, FileGivesItsFirstLineWithoutLineEnd) {
    struct Row {
        std::string content, expected;
    };
    for (const Row& row :
         {Row{"hunter2\n", "hunter2"}, Row{"hunter2\r\nsecond\n", "hunter2"},
          Row{"no newline", "no newline"}, Row{" spaced pass \n", " spaced pass "}}) {
        auto s = spec();
        s.file = write("pw", row.content);
        auto got = resolve_password(s, std::nullopt);
        ASSERT_TRUE(got) << got.error();
        EXPECT_EQ(got->secret.reveal(), row.expected);
        EXPECT_EQ(got->origin, PasswordOrigin::file);
    }
}

TEST_F(PasswordSource, MissingOrEmptyFileIsAnErrorNamingTheFile) {
    auto s = spec();
    s.file = (dir_ / "absent").string();
    auto missing = resolve_password(s, std::nullopt);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find(s.file), std::string::npos) << missing.error();
    EXPECT_NE(missing.error().find("--source-password-file"), std::string::npos);
    EXPECT_NE(missing.error().find("No such file"), std::string::npos);

    s.file = write("empty", "\nhunter2\n");
    auto empty = resolve_password(s, std::nullopt);
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().find("is empty"), std::string::npos) << empty.error();
    EXPECT_EQ(empty.error().find("hunter2"), std::string::npos);
}

TEST_F(PasswordSource, CommandGivesTheFirstLineOfItsOutput) {
    auto s = spec();
    s.command = "printf 'from-command\\nsecond line\\n'";
    auto got = resolve_password(s, std::nullopt);
    ASSERT_TRUE(got) << got.error();
    EXPECT_EQ(got->secret.reveal(), "from-command");
    EXPECT_EQ(got->origin, PasswordOrigin::command);
}

TEST_F(PasswordSource, FailingCommandReportsItsStatusButNotItsOutput) {
    auto s = spec();
    s.command = "echo hunter2; exit 3";
    auto got = resolve_password(s, std::nullopt);
    ASSERT_FALSE(got);
    EXPECT_NE(got.error().find("exit status 3"), std::string::npos) << got.error();
    EXPECT_NE(got.error().find("--source-password-command"), std::string::npos);
    EXPECT_EQ(got.error().find("hunter2"), std::string::npos) << got.error();
}

TEST_F(PasswordSource, CommandPrintingNothingIsAnError) {
    auto s = spec();
    s.command = "true";
    auto got = resolve_password(s, std::nullopt);
    ASSERT_FALSE(got);
    EXPECT_NE(got.error().find("printed no password"), std::string::npos) << got.error();
}

TEST_F(PasswordSource, HangingCommandIsStoppedAfterTheTimeout) {
    auto s = spec();
    s.command = "echo hunter2; exec sleep 30";
    s.command_timeout = 300ms;
    const auto start = std::chrono::steady_clock::now();
    auto got = resolve_password(s, std::nullopt);
    ASSERT_FALSE(got);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
    EXPECT_NE(got.error().find("did not finish"), std::string::npos) << got.error();
    EXPECT_EQ(got.error().find("hunter2"), std::string::npos);
}

TEST_F(PasswordSource, EnvironmentIsUsedWhenNoFileOrCommand) {
    ::setenv(env_var, "from-env", 1);
    auto got = resolve_password(spec(), std::string("from-url"));
    ASSERT_TRUE(got) << got.error();
    EXPECT_EQ(got->secret.reveal(), "from-env");
    EXPECT_EQ(got->origin, PasswordOrigin::environment);
}

TEST_F(PasswordSource, PrecedenceIsFileCommandEnvironmentUrl) {
    ::setenv(env_var, "from-env", 1);
    auto s = spec();
    s.file = write("pw", "from-file\n");
    s.command = "echo from-command";
    EXPECT_EQ(resolve_password(s, std::string("from-url"))->secret.reveal(), "from-file");
    s.file.clear();
    EXPECT_EQ(resolve_password(s, std::string("from-url"))->secret.reveal(), "from-command");
    s.command.clear();
    EXPECT_EQ(resolve_password(s, std::string("from-url"))->secret.reveal(), "from-env");
    ::unsetenv(env_var);
    auto url = resolve_password(s, std::string("from-url"));
    EXPECT_EQ(url->secret.reveal(), "from-url");
    EXPECT_EQ(url->origin, PasswordOrigin::url);
}

TEST_F(PasswordSource, NoSourceAtAllSaysWhereToPutThePassword) {
    PasswordSpec s;
    s.env_var = "MAILFERRY_PASSWORD_UNSET_FOR_TEST";
    auto got = resolve_password(s, std::nullopt);
    ASSERT_FALSE(got);
    EXPECT_NE(got.error().find("--password-file"), std::string::npos) << got.error();
    EXPECT_NE(got.error().find("--password-command"), std::string::npos);
    EXPECT_NE(got.error().find("MAILFERRY_PASSWORD_UNSET_FOR_TEST"), std::string::npos);
}

TEST_F(PasswordSource, ReadPasswordTakesTheUrlPasswordLast) {
    auto url = mailferry::wire::parse_account_url("pop3://bob:url-secret@127.0.0.1");
    ASSERT_TRUE(url.url) << url.error;
    EXPECT_EQ(mailferry::cli::read_password(spec(), *url.url).reveal(), "url-secret");
    auto s = spec();
    s.file = (dir_ / "absent").string();
    EXPECT_THROW(mailferry::cli::read_password(s, *url.url), std::invalid_argument);
}

TEST_F(PasswordSource, SecretMovesLeaveNothingBehind) {
    Secret a("hunter2");
    Secret b(std::move(a));
    EXPECT_EQ(b.reveal(), "hunter2");
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the contract under test
    Secret c;
    c = b;
    EXPECT_EQ(c.reveal(), "hunter2");
}

}  // namespace
