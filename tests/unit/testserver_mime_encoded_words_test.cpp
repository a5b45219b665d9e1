#include "contrib/testserver/mime/encoded_words.hpp"

#include <gtest/gtest.h>

namespace {

using mailferry::testserver::mime::decode_encoded_words;

TEST(MimeEncodedWords, DecodesQAndBWordsInUtf8AndLatin1) {
    EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?J=C3=B6rg_M?= <j@example.org>"),
              "J\xC3\xB6rg M <j@example.org>");
    EXPECT_EQ(decode_encoded_words("=?utf-8?b?SsO2cmc=?= <j@example.org>"),
              "J\xC3\xB6rg <j@example.org>");
    EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?J=F6rg?="), "J\xC3\xB6rg");
}

TEST(MimeEncodedWords, DropsSpaceOnlyBetweenAdjacentWords) {
    EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?a?= =?UTF-8?Q?b?= c  =?UTF-8?Q?d?="), "ab c  d");
}

TEST(MimeEncodedWords, LeavesMalformedAndUnknownCharsetsAlone) {
    EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?bad=Z?="), "=?UTF-8?Q?bad=Z?=");
    EXPECT_EQ(decode_encoded_words("=?KOI8-R?Q?x?="), "=?KOI8-R?Q?x?=");
    EXPECT_EQ(decode_encoded_words("Alice =?UTF-8?X?y?= <a@b>"), "Alice =?UTF-8?X?y?= <a@b>");
    EXPECT_EQ(decode_encoded_words("plain  text "), "plain  text ");
}

}  // namespace
