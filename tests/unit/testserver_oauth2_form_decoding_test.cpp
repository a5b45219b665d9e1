// application/x-www-form-urlencoded decoding for the test server's token
// endpoint: '+', percent escapes, empty pairs, and the two errors.

#include "contrib/testserver/oauth2/form_decoding.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mailferry::testserver::oauth2;

TEST(Oauth2FormDecoding, UnescapesPlusAndPercent) {
    struct Row {
        std::string in;
        std::optional<std::string> out;
    };
    const Row rows[] = {
        {"", std::string()},
        {"plain", std::string("plain")},
        {"a+b", std::string("a b")},
        {"%2B%2b", std::string("++")},
        {"mft-rt.A_b-9", std::string("mft-rt.A_b-9")},
        {"%41%7a%00x", std::string("Az\0x", 4)},
        {"%e2%82%AC", std::string("\xe2\x82\xac")},
        {"%", std::nullopt},
        {"%4", std::nullopt},
        {"abc%", std::nullopt},
        {"%g0", std::nullopt},
        {"%0g", std::nullopt},
    };
    for (const Row& row : rows) {
        EXPECT_EQ(form_unescape(row.in), row.out) << row.in;
    }
}

TEST(Oauth2FormDecoding, DecodesATokenRequest) {
    const DecodedForm form =
        decode_form("grant_type=refresh_token&refresh_token=mft-rt.x%2By&client_id=mailferry-test");
    EXPECT_EQ(form.error, FormError::none);
    EXPECT_EQ(form_field(form, "grant_type"), "refresh_token");
    EXPECT_EQ(form_field(form, "refresh_token"), "mft-rt.x+y");
    EXPECT_EQ(form_field(form, "client_id"), "mailferry-test");
    EXPECT_EQ(form_field(form, "client_secret"), std::nullopt);
}

TEST(Oauth2FormDecoding, SkipsEmptyPairsAndTakesBareNames) {
    const DecodedForm form = decode_form("&a=1&&b&c=&d+e=f+g&");
    EXPECT_EQ(form.error, FormError::none);
    EXPECT_EQ(form.fields.size(), 4U);
    EXPECT_EQ(form_field(form, "a"), "1");
    EXPECT_EQ(form_field(form, "b"), "");
    EXPECT_EQ(form_field(form, "c"), "");
    EXPECT_EQ(form_field(form, "d e"), "f g");
    // Only the first '=' separates: the value may hold more.
    EXPECT_EQ(form_field(decode_form("t=a=b"), "t"), "a=b");
}

TEST(Oauth2FormDecoding, ReportsBadEscapesAndRepeatedNames) {
    const DecodedForm bad = decode_form("a=1&token=%zz&b=2");
    EXPECT_EQ(bad.error, FormError::bad_escape);
    EXPECT_EQ(bad.error_name, "token=%zz");
    const DecodedForm twice = decode_form("token=a&x=1&to%6Ben=b");
    EXPECT_EQ(twice.error, FormError::duplicate_name);
    EXPECT_EQ(twice.error_name, "token");
}

}  // namespace
