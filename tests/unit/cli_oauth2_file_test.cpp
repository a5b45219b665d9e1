// The refresh-token file: parsing and its errors, and rewriting the
// refresh token in place (other lines, comments and the mode kept).

#include "cli/oauth2/refresh_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

namespace {

using mailferry::cli::oauth2::load_refresh_file;
using mailferry::cli::oauth2::parse_refresh_file;
using mailferry::cli::oauth2::replace_refresh_token;
using mailferry::cli::oauth2::save_refresh_token;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;
namespace fs = std::filesystem;

constexpr const char* good = R"(# Gmail, for alice
token_url = "https://oauth2.googleapis.com/token"
client_id = "123.apps.googleusercontent.com"
client_secret = "s3cret-client"   # from the console
refresh_token = "1//0rt-old"      # rotates
scope = "https://mail.google.com/"
note = "kept as it is"
)";

std::string error_of(const std::string& text) {
    auto parsed = parse_refresh_file(text, "/home/a/gmail.toml");
    EXPECT_FALSE(parsed);
    return parsed ? std::string() : parsed.error();
}

TEST(OAuth2RefreshFile, ParsesEveryKey) {
    auto file = parse_refresh_file(good, "gmail.toml");
    ASSERT_TRUE(file) << file.error();
    EXPECT_TRUE(file->token_url.https);
    EXPECT_EQ(file->token_url.host, "oauth2.googleapis.com");
    EXPECT_EQ(file->token_url.port, "443");
    EXPECT_EQ(file->token_url.target, "/token");
    EXPECT_EQ(file->client_id, "123.apps.googleusercontent.com");
    EXPECT_EQ(file->client_secret, "s3cret-client");
    EXPECT_EQ(file->refresh_token, "1//0rt-old");
    EXPECT_EQ(file->scope, "https://mail.google.com/");
}

TEST(OAuth2RefreshFile, SecretAndScopeAreOptional) {
    auto file = parse_refresh_file(
        "token_url = \"http://127.0.0.1:8080/t\"\nclient_id = \"c\"\nrefresh_token = \"r\"\n",
        "f.toml");
    ASSERT_TRUE(file) << file.error();
    EXPECT_FALSE(file->client_secret);
    EXPECT_FALSE(file->scope);
    EXPECT_FALSE(file->token_url.https);
    EXPECT_EQ(file->token_url.host_header(), "127.0.0.1:8080");
}

TEST(OAuth2RefreshFileError, AMissingKeyNamesTheFileAndTheKey) {
    EXPECT_THAT(error_of("token_url = \"https://x/t\"\nclient_id = \"c\"\n"),
                StartsWith("/home/a/gmail.toml: refresh_token: missing"));
    EXPECT_THAT(error_of("token_url = \"https://x/t\"\nrefresh_token = \"r\"\n"),
                StartsWith("/home/a/gmail.toml: client_id: missing"));
    EXPECT_THAT(error_of("client_id = \"c\"\nrefresh_token = \"r\"\n"),
                StartsWith("/home/a/gmail.toml: token_url: missing"));
}

TEST(OAuth2RefreshFileError, AWrongTypeOrEmptyValueNamesTheKeyAndLine) {
    EXPECT_EQ(error_of("token_url = \"https://x/t\"\nclient_id = 42\nrefresh_token = \"r\"\n"),
              "/home/a/gmail.toml: client_id: line 2: must be a string (in double quotes)");
    EXPECT_EQ(error_of("token_url = \"https://x/t\"\nclient_id = \"c\"\nrefresh_token = \"\"\n"),
              "/home/a/gmail.toml: refresh_token: line 3: is empty");
    EXPECT_THAT(error_of("token_url = \"https://x/t\"\nclient_id = \"c\"\nrefresh_token = \"r\"\n"
                         "scope = [\"a\"]\n"),
                StartsWith("/home/a/gmail.toml: scope: line 4"));
}

TEST(OAuth2RefreshFileError, NotTomlSaysWhere) {
    EXPECT_THAT(error_of("token_url = \"https://x/t\"\nclient_id = c\n"),
                StartsWith("/home/a/gmail.toml:2: not valid TOML"));
}

TEST(OAuth2RefreshFileError, ATokenUrlMustBeHttpsUnlessLoopback) {
    EXPECT_THAT(error_of("token_url = \"http://login.example.com/token\"\nclient_id = \"c\"\n"
                         "refresh_token = \"r\"\n"),
                AllOf(StartsWith("/home/a/gmail.toml: token_url: "),
                      HasSubstr("plain http would send the refresh token unencrypted to "
                                "login.example.com; use https://")));
    EXPECT_THAT(error_of("token_url = \"ftp://x/t\"\nclient_id = \"c\"\nrefresh_token = \"r\"\n"),
                HasSubstr("must start with https://"));
    EXPECT_THAT(error_of("token_url = \"https://x:99999/t\"\nclient_id = \"c\"\n"
                         "refresh_token = \"r\"\n"),
                HasSubstr("port must be a number from 1 to 65535"));
    for (const char* loopback :
         {"http://localhost:8080/t", "http://127.0.0.1/t", "http://[::1]:99/t"}) {
        auto file = parse_refresh_file(std::string("token_url = \"") + loopback +
                                           "\"\nclient_id = \"c\"\nrefresh_token = \"r\"\n",
                                       "f");
        EXPECT_TRUE(file) << loopback;
    }
}

TEST(OAuth2RefreshFileError, AnErrorNeverShowsTheSecrets) {
    const std::string e = error_of(
        "token_url = \"http://example.com/t\"\nclient_id = \"c\"\n"
        "client_secret = \"s3cret-client\"\nrefresh_token = \"1//0rt-old\"\n");
    EXPECT_THAT(e, Not(HasSubstr("s3cret-client")));
    EXPECT_THAT(e, Not(HasSubstr("1//0rt-old")));
}

TEST(OAuth2RefreshFileRewrite, OnlyTheValueChanges) {
    auto edited = replace_refresh_token(good, "1//0rt-new");
    ASSERT_TRUE(edited) << edited.error();
    std::string expected = good;
    expected.replace(expected.find("\"1//0rt-old\""), 12, "\"1//0rt-new\"");
    EXPECT_EQ(*edited, expected);
}

TEST(OAuth2RefreshFileRewrite, LiteralAndEscapedStrings) {
    auto literal = replace_refresh_token(
        "token_url = 'https://x/t'\nclient_id = 'c'\n  refresh_token='a\"b' # c\n", "n\"ew\\");
    ASSERT_TRUE(literal) << literal.error();
    EXPECT_EQ(*literal,
              "token_url = 'https://x/t'\nclient_id = 'c'\n  refresh_token=\"n\\\"ew\\\\\" # c\n");
    auto escaped = replace_refresh_token(
        "refresh_token = \"a\\\"b\" # \"quoted\"\ntoken_url = \"https://x/t\"\n", "z");
    ASSERT_TRUE(escaped) << escaped.error();
    EXPECT_EQ(*escaped, "refresh_token = \"z\" # \"quoted\"\ntoken_url = \"https://x/t\"\n");
    auto multiline =
        replace_refresh_token("refresh_token = \"\"\"\nold\"\"\"\nscope = \"s\"\n", "n");
    ASSERT_TRUE(multiline) << multiline.error();
    EXPECT_EQ(*multiline, "refresh_token = \"n\"\nscope = \"s\"\n");
}

TEST(OAuth2RefreshFileRewrite, AFileWithoutTheTokenIsNotTouched) {
    EXPECT_FALSE(replace_refresh_token("token_url = \"https://x/t\"\n", "n"));
    EXPECT_FALSE(replace_refresh_token("refresh_token = [\"a\"]\n", "n"));
}

class OAuth2RefreshFileSave : public testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("mailferry-oauth2-file-" + std::to_string(::getpid()) + "-" +
                testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& text, mode_t mode) {
        const fs::path path = dir_ / name;
        std::ofstream(path, std::ios::binary) << text;
        ::chmod(path.c_str(), mode);
        return path.string();
    }
    static std::string read(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    static mode_t mode_of(const fs::path& path) {
        struct stat st {};
        ::stat(path.c_str(), &st);
        return st.st_mode & 07777;
    }

    fs::path dir_;
};

TEST_F(OAuth2RefreshFileSave, KeepsTheOtherLinesAndTheMode) {
    const std::string file = write("gmail.toml", good, 0640);
    ASSERT_TRUE(save_refresh_token(file, "1//0rt-new"));
    auto reread = load_refresh_file(file);
    ASSERT_TRUE(reread) << reread.error();
    EXPECT_EQ(reread->refresh_token, "1//0rt-new");
    EXPECT_THAT(read(file), HasSubstr("client_secret = \"s3cret-client\"   # from the console\n"));
    EXPECT_THAT(read(file), StartsWith("# Gmail, for alice\n"));
    EXPECT_EQ(mode_of(file), 0640u);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1)
        << "no temporary file left behind";
}

TEST_F(OAuth2RefreshFileSave, ASymlinkKeepsPointingAtTheRewrittenFile) {
    const std::string target = write("real.toml", good, 0600);
    fs::create_symlink(target, dir_ / "link.toml");
    ASSERT_TRUE(save_refresh_token((dir_ / "link.toml").string(), "1//0rt-new"));
    EXPECT_TRUE(fs::is_symlink(dir_ / "link.toml"));
    EXPECT_THAT(read(target), HasSubstr("refresh_token = \"1//0rt-new\""));
    EXPECT_EQ(mode_of(target), 0600u);
}

TEST_F(OAuth2RefreshFileSave, AFileThatCannotBeRewrittenIsAnErrorWithoutTheToken) {
    const std::string file = write("gmail.toml", "token_url = \"https://x/t\"\n", 0600);
    auto saved = save_refresh_token(file, "1//0rt-new");
    ASSERT_FALSE(saved);
    EXPECT_THAT(saved.error(), HasSubstr("no refresh_token"));
    EXPECT_THAT(saved.error(), Not(HasSubstr("1//0rt-new")));
    EXPECT_EQ(read(file), "token_url = \"https://x/t\"\n");
}

}  // namespace
