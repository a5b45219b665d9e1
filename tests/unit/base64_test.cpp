#include "clients/wire/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using mailferry::wire::base64_decode;
using mailferry::wire::base64_encode;

// RFC 4648 §10 test vectors.
struct Vector {
    const char* plain;
    const char* encoded;
};
constexpr Vector rfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, EncodesRfc4648Vectors) {
    for (const auto& v : rfc4648) {
        EXPECT_EQ(base64_encode(v.plain), v.encoded) << v.plain;
    }
}

TEST(Base64, DecodesRfc4648Vectors) {
    for (const auto& v : rfc4648) {
        EXPECT_EQ(base64_decode(v.encoded), std::string(v.plain)) << v.encoded;
    }
}

TEST(Base64, RoundTripsSaslPlainWithNulBytes) {
    const std::string plain("\0tim\0tanstaaftanstaaf", 21);
    EXPECT_EQ(base64_encode(plain), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
    EXPECT_EQ(base64_decode("AHRpbQB0YW5zdGFhZnRhbnN0YWFm"), plain);
}

TEST(Base64, RejectsMalformedInput) {
    EXPECT_EQ(base64_decode("Zg="), std::nullopt) << "length not a multiple of 4";
    EXPECT_EQ(base64_decode("Z==="), std::nullopt) << "too much padding";
    EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt) << "padding in the middle";
    EXPECT_EQ(base64_decode("Zm9 v"), std::nullopt) << "space";
    EXPECT_EQ(base64_decode("Zm9v\r\n"), std::nullopt) << "line break";
    EXPECT_EQ(base64_decode("Zm9*"), std::nullopt) << "character outside the alphabet";
}

}  // namespace
