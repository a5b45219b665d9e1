#include "clients/wire/modified_utf7.hpp"

#include "clients/wire/base64.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace mutf7 = mailferry::wire::modified_utf7;

// RFC 3501 §5.1.3 applied to one code point by hand, with the BASE64 codec
// (tested on its own), not with the code under test: printable ASCII stands
// for itself ("&" as "&-"), anything else is its UTF-16BE units in BASE64
// with ',' for '/' and no '=' padding, between '&' and '-'.
std::string wire_of(char32_t cp) {
    if (cp >= 0x20 && cp <= 0x7e) {
        return cp == '&' ? "&-" : std::string(1, static_cast<char>(cp));
    }
    std::string utf16;
    const auto unit = [&](char32_t u) {
        utf16.push_back(static_cast<char>(u >> 8));
        utf16.push_back(static_cast<char>(u & 0xFF));
    };
    if (cp >= 0x10000) {
        unit(0xD800 + ((cp - 0x10000) >> 10));
        unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
        unit(cp);
    }
    std::string base64 = mailferry::wire::base64_encode(utf16);
    base64.erase(base64.find_last_not_of('=') + 1);
    std::replace(base64.begin(), base64.end(), '/', ',');
    return "&" + base64 + "-";
}

// Octets of the shortest UTF-8 form of `cp` (RFC 3629 §3).
std::size_t utf8_length(char32_t cp) {
    if (cp < 0x80) {
        return 1;
    }
    if (cp < 0x800) {
        return 2;
    }
    return cp < 0x10000 ? 3U : 4U;
}

struct Pair {
    std::string_view utf8;
    std::string_view wire;
};

// Known encodings, both directions.
const Pair known[] = {
    // RFC 3501 §5.1.3 example: "~peter/mail/台北/日本語".
    {"~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
     "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
    {"", ""},
    {"INBOX", "INBOX"},
    {"&", "&-"},
    {"A&B", "A&-B"},
    {"&&", "&-&-"},
    {"Entw\xc3\xbcrfe", "Entw&APw-rfe"},
    {"\xc3\xa4rger", "&AOQ-rger"},
    {"\xc3\xa4\xc3\xa4", "&AOQA5A-"},
    {"~", "~"},
    {" ", " "},
    {"\x7f", "&AH8-"},
    {"\t", "&AAk-"},
    {std::string_view("\0", 1), "&AAA-"},
    // U+1F600 as the surrogate pair D83D DE00.
    {"\xf0\x9f\x98\x80", "&2D3eAA-"},
    // U+10FFFF, the last code point: DBFF DFFF.
    {"\xf4\x8f\xbf\xbf", "&2,,f,w-"},
    // Shift run ended by '-' that is part of the name.
    {"\xc3\xa4-x", "&AOQ--x"},
    {"a/\xe2\x82\xac/b", "a/&IKw-/b"},
};

TEST(ModifiedUtf7, EncodesKnownNames) {
    for (const auto& p : known) {
        EXPECT_EQ(mutf7::encode(p.utf8), p.wire) << p.wire;
        EXPECT_EQ(mutf7::try_encode(p.utf8), std::optional<std::string>(p.wire)) << p.wire;
    }
}

TEST(ModifiedUtf7, DecodesKnownNames) {
    for (const auto& p : known) {
        EXPECT_EQ(mutf7::decode(p.wire), std::optional<std::string>(p.utf8)) << p.wire;
        EXPECT_TRUE(mutf7::is_valid(p.wire)) << p.wire;
    }
}

TEST(ModifiedUtf7, NamespaceLevelAliasesWork) {
    EXPECT_EQ(mailferry::wire::encode("\xc3\xa4"), "&AOQ-");
    EXPECT_EQ(mailferry::wire::decode("&AOQ-"), std::optional<std::string>("\xc3\xa4"));
    EXPECT_FALSE(mailferry::wire::is_valid("&AOQ"));
}

// decode() of each code point's wire form gives its UTF-8, which encode()
// turns back into the same wire form: the two directions agree with each
// other and with RFC 3501, for every code point of the BMP and samples
// beyond it.
TEST(ModifiedUtf7, RoundTripsEveryBmpCodePointAndAstralSamples) {
    std::vector<char32_t> points;
    for (char32_t cp = 0; cp < 0x10000; ++cp) {
        if (cp < 0xD800 || cp > 0xDFFF) {
            points.push_back(cp);
        }
    }
    for (char32_t cp = 0x10000; cp <= 0x10FFFF; cp += 0x101) {
        points.push_back(cp);
    }
    points.push_back(0x10FFFF);
    const std::string e_acute = "\xc3\xa9";  // U+00E9
    for (const char32_t cp : points) {
        const std::string wire = wire_of(cp);
        const std::optional<std::string> utf8 = mutf7::decode(wire);
        ASSERT_TRUE(utf8) << std::hex << static_cast<std::uint32_t>(cp) << " " << wire;
        ASSERT_EQ(utf8->size(), utf8_length(cp)) << std::hex << static_cast<std::uint32_t>(cp);
        ASSERT_EQ(mutf7::try_encode(*utf8), std::optional<std::string>(wire))
            << std::hex << static_cast<std::uint32_t>(cp);
        // Embedded between ASCII and next to another character, so runs of
        // one, two and three UTF-16 units and every padding length occur.
        const std::string mixed = "x" + *utf8 + e_acute + *utf8 + "&y";
        ASSERT_EQ(mutf7::decode(mutf7::encode(mixed)), std::optional<std::string>(mixed))
            << std::hex << static_cast<std::uint32_t>(cp);
    }
}

TEST(ModifiedUtf7, EncodedOutputIsPrintableAscii) {
    const std::string wire = mutf7::encode("\xe6\x97\xa5\xf0\x9f\x98\x80\x01 & \xc3\xa4");
    for (const char c : wire) {
        EXPECT_GE(c, 0x20);
        EXPECT_LE(c, 0x7e);
    }
}

TEST(ModifiedUtf7, RejectsInvalidInput) {
    const std::string_view bad[] = {
        "&AGE-",       // 'a' encoded: printable ASCII must be direct
        "&ACY-",       // '&' encoded instead of "&-"
        "&AOQ",        // unterminated shift
        "&",           // unterminated, empty
        "abc&",        // unterminated at end
        "&AO!-",       // not a BASE64 character
        "&AOQ=-",      // '=' padding is not used
        "&AO/-",       // '/' is ',' in modified BASE64
        "&AOR-",       // non-zero padding bits (R = 010001)
        "&AOQA-",      // superfluous sextet: six leftover bits
        "&AOQAA-",     // fourteen bits left over: half a UTF-16 unit
        "&2D0-",       // lone high surrogate (D83D) at end of run
        "&2D3YPQ-",    // high surrogate followed by high surrogate
        "&3gA-",       // lone low surrogate (DE00)
        "&2D0-&3gA-",  // pair split across two runs
        "&AOQ-&AOQ-",  // adjacent runs: canonical form is &AOQA5A-
        "\xc3\xa4",    // raw 8-bit
        "a\tb",        // raw control character
        "a\x7f",       // DEL
    };
    for (const auto& s : bad) {
        EXPECT_EQ(mutf7::decode(s), std::nullopt) << s;
        EXPECT_FALSE(mutf7::is_valid(s)) << s;
    }
}

TEST(ModifiedUtf7, AcceptsRunsSeparatedByAscii) {
    EXPECT_EQ(mutf7::decode("&AOQ-x&AOQ-"), std::optional<std::string>("\xc3\xa4x\xc3\xa4"));
    EXPECT_EQ(mutf7::decode("&AOQ-&-"), std::optional<std::string>("\xc3\xa4&"));
}

TEST(ModifiedUtf7, InvalidUtf8BecomesReplacementCharacter) {
    // U+FFFD is &,,0- in modified UTF-7.
    const std::string_view bad_utf8[] = {
        "\xff",              // never valid
        "\x80",              // stray continuation
        "\xc3",              // truncated
        "\xc0\xaf",          // overlong '/'
        "\xed\xa0\x80",      // UTF-8 encoded surrogate D800
        "\xf4\x90\x80\x80",  // above U+10FFFF
    };
    for (const auto& s : bad_utf8) {
        EXPECT_EQ(mutf7::try_encode(s), std::nullopt) << s;
        const std::string wire = mutf7::encode(s);
        ASSERT_TRUE(mutf7::is_valid(wire)) << wire;
        const std::string decoded = *mutf7::decode(wire);
        ASSERT_FALSE(decoded.empty());
        EXPECT_EQ(decoded.substr(0, 3), "\xef\xbf\xbd") << wire;
    }
    EXPECT_EQ(mutf7::encode("a\xffz"), "a&,,0-z");
    // One replacement per invalid byte, then the valid rest.
    EXPECT_EQ(mutf7::encode("\xc3(x"), "&,,0-(x");
}

}  // namespace
