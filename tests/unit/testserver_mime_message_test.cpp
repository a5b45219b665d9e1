// MIME tree, BODY / BODYSTRUCTURE and BODY[section] of the test server's
// message library (RFC 3501 §6.4.5, §7.4.2; RFC 2045, RFC 2046). Expected
// strings were checked against Dovecot 2.3; the differences are named where
// they occur (upper-cased type names, boundary line breaks per RFC 2046).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "contrib/testserver/mime/message.hpp"

namespace {

using mailferry::testserver::mime::ParsedMessage;

// Every FETCH item a test looks at, so that two parses can be compared.
std::vector<std::optional<std::string>> renderings(const ParsedMessage& parsed) {
    std::vector<std::optional<std::string>> out = {parsed.envelope(), parsed.body_structure(true),
                                                   parsed.body_structure(false)};
    for (const char* spec : {"", "HEADER", "TEXT", "1", "2", "1.MIME", "2.MIME", "1.1", "1.2",
                             "2.1", "2.HEADER", "2.TEXT", "HEADER.FIELDS (FROM SUBJECT)"}) {
        out.push_back(parsed.section(spec));
    }
    return out;
}

// The parse must only depend on the bytes inside the view: the same message
// placed before bytes that would continue it (a boundary, a header line, a
// line break) gives the same results, so nothing reads past the end.
void expect_bounded(const std::string& message) {
    const ParsedMessage alone(message);
    for (std::string_view tail : {"\r\n--b--\r\n", "\nX: 1\r\n\r\n", "\n", "--"}) {
        const std::string buffer = message + std::string(tail);
        const ParsedMessage embedded(std::string_view(buffer).substr(0, message.size()));
        EXPECT_EQ(renderings(embedded), renderings(alone)) << "tail " << tail;
    }
}

// A parsed message that keeps its bytes alive.
struct Parsed {
    explicit Parsed(std::string text) : bytes(std::move(text)), message(bytes) {
        expect_bounded(bytes);
    }
    std::string bytes;
    ParsedMessage message;
};

const std::string plain =
    "From: a@example.com\r\n"
    "Subject: plain\r\n"
    "\r\n"
    "Hello\r\n"
    "world\r\n";

TEST(MimeMessage, PlainMessage) {
    const Parsed p(plain);
    EXPECT_EQ(p.message.body_structure(false),
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 14 2)");
    EXPECT_EQ(p.message.body_structure(true),
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 14 2 "
              "NIL NIL NIL NIL)");
    EXPECT_EQ(p.message.section(""), plain);
    EXPECT_EQ(p.message.section("HEADER"), "From: a@example.com\r\nSubject: plain\r\n\r\n");
    EXPECT_EQ(p.message.section("TEXT"), "Hello\r\nworld\r\n");
    // RFC 3501 §6.4.5: a non-multipart message has only part 1, its body.
    EXPECT_EQ(p.message.section("1"), "Hello\r\nworld\r\n");
    EXPECT_EQ(p.message.section("1.MIME"), "From: a@example.com\r\nSubject: plain\r\n\r\n");
    EXPECT_EQ(p.message.section("2"), std::nullopt);
    EXPECT_EQ(p.message.section("1.1"), std::nullopt);
    EXPECT_EQ(p.message.section("1.HEADER"), std::nullopt);  // not message/rfc822
    EXPECT_EQ(p.message.root().type, "TEXT");
    EXPECT_EQ(p.message.root().body_begin, 39U);
}

TEST(MimeMessage, WithoutBlankLineAllIsHeader) {
    const Parsed p("No blank line here\r\nSubject: s");
    EXPECT_EQ(p.message.section("HEADER"), "No blank line here\r\nSubject: s");
    EXPECT_EQ(p.message.section("TEXT"), "");
    EXPECT_EQ(p.message.header("Subject"), "s");
    EXPECT_EQ(p.message.body_structure(false),
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0)");
}

TEST(MimeMessage, BareLineFeedsAreTolerated) {
    const Parsed p("Subject: lf\nContent-Type: text/plain;\n charset=utf-8\n\nline\n");
    EXPECT_EQ(p.message.header("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(p.message.section("TEXT"), "line\n");
    EXPECT_EQ(p.message.body_structure(false),
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 5 1)");
}

TEST(MimeMessage, EmptyMessage) {
    const Parsed p("");
    EXPECT_EQ(p.message.envelope(), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    EXPECT_EQ(p.message.body_structure(false),
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0)");
    EXPECT_EQ(p.message.section(""), "");
    EXPECT_EQ(p.message.section("HEADER.FIELDS (FROM)"), "\r\n");
}

const std::string alternative =
    "From: a@example.com\r\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
    "\r\n"
    "This is a MIME preamble.\r\n"
    "--alt\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "plain\r\n"
    "text\r\n"
    "--alt\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>html</p>\r\n"
    "--alt--\r\n"
    "epilogue\r\n";

TEST(MimeMessage, MultipartAlternative) {
    const Parsed p(alternative);
    EXPECT_EQ(p.message.body_structure(false),
              "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 11 1)"
              "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 11 0) \"ALTERNATIVE\")");
    EXPECT_EQ(p.message.body_structure(true),
              "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 11 1 "
              "NIL NIL NIL NIL)"
              "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 11 0 NIL NIL NIL NIL) "
              "\"ALTERNATIVE\" (\"BOUNDARY\" \"alt\") NIL NIL NIL)");
    // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    EXPECT_EQ(p.message.section("1"), "plain\r\ntext");
    EXPECT_EQ(p.message.section("2"), "<p>html</p>");
    EXPECT_EQ(p.message.section("1.MIME"), "Content-Type: text/plain; charset=utf-8\r\n\r\n");
    EXPECT_EQ(p.message.section("3"), std::nullopt);
    EXPECT_EQ(p.message.section("0"), std::nullopt);
    EXPECT_EQ(p.message.section("1.1"), std::nullopt);
    ASSERT_EQ(p.message.root().children.size(), 2U);
    EXPECT_TRUE(p.message.root().is_multipart());
}

const std::string mixed =
    "From: a@example.com\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "\r\n"
    "text\r\n"
    "--inner\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>x</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf; name=\"a b.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=\"a b.pdf\"; size=9\r\n"
    "\r\n"
    "JVBERi0x\r\n"
    "LjQK\r\n"
    "--outer--\r\n";

TEST(MimeMessage, MixedWithBase64AttachmentAndNestedAlternative) {
    const Parsed p(mixed);
    EXPECT_EQ(p.message.body_structure(true),
              "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 4 0 "
              "NIL NIL NIL NIL)"
              "(\"TEXT\" \"HTML\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 8 0 NIL NIL NIL NIL) "
              "\"ALTERNATIVE\" (\"BOUNDARY\" \"inner\") NIL NIL NIL)"
              "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a b.pdf\") NIL NIL \"BASE64\" 14 NIL "
              "(\"ATTACHMENT\" (\"FILENAME\" \"a b.pdf\" \"SIZE\" \"9\")) NIL NIL) "
              "\"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)");
    EXPECT_EQ(p.message.body_structure(false),
              "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 4 0)"
              "(\"TEXT\" \"HTML\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 8 0) "
              "\"ALTERNATIVE\")"
              "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a b.pdf\") NIL NIL \"BASE64\" 14) \"MIXED\")");
    EXPECT_EQ(p.message.section("1.1"), "text");
    EXPECT_EQ(p.message.section("1.2"), "<p>x</p>");
    EXPECT_EQ(p.message.section("1.2.MIME"), "Content-Type: text/html\r\n\r\n");
    EXPECT_EQ(p.message.section("1.1.MIME"), "\r\n");
    EXPECT_EQ(p.message.section("1.3"), std::nullopt);
    EXPECT_EQ(p.message.section("2"), "JVBERi0x\r\nLjQK");
    EXPECT_EQ(p.message.section("1"),
              "--inner\r\n\r\ntext\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n"
              "--inner--");
    EXPECT_EQ(p.message.section("2.1"), std::nullopt);
    EXPECT_EQ(p.message.section("3"), std::nullopt);
}

const std::string forwarded =
    "From: fwd@example.com\r\n"
    "Subject: Fwd: inner\r\n"
    "Content-Type: multipart/mixed; boundary=a\r\n"
    "\r\n"
    "--a\r\n"
    "\r\n"
    "see attached\r\n"
    "--a\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Description: forwarded\r\n"
    "\r\n"
    "From: \"Inner Sender\" <in@example.com>\r\n"
    "Subject: inner\r\n"
    "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    "Content-Type: multipart/alternative; boundary=b\r\n"
    "\r\n"
    "--b\r\n"
    "\r\n"
    "plain\r\n"
    "--b\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<b>x</b>\r\n"
    "--b--\r\n"
    "--a--\r\n";

TEST(MimeMessage, MessageRfc822Attachment) {
    const Parsed p(forwarded);
    const std::string inner_envelope =
        "(\"Tue, 1 Jul 2003 10:52:37 +0200\" \"inner\" "
        "((\"Inner Sender\" NIL \"in\" \"example.com\")) "
        "((\"Inner Sender\" NIL \"in\" \"example.com\")) "
        "((\"Inner Sender\" NIL \"in\" \"example.com\")) NIL NIL NIL NIL NIL)";
    EXPECT_EQ(p.message.body_structure(false),
              "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 12 0)"
              "(\"MESSAGE\" \"RFC822\" NIL NIL \"forwarded\" \"7BIT\" 205 " +
                  inner_envelope +
                  " ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 5 0)"
                  "(\"TEXT\" \"HTML\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 8 0) "
                  "\"ALTERNATIVE\") 12) \"MIXED\")");
    EXPECT_EQ(p.message.section("2.HEADER"),
              "From: \"Inner Sender\" <in@example.com>\r\nSubject: inner\r\n"
              "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
              "Content-Type: multipart/alternative; boundary=b\r\n\r\n");
    EXPECT_EQ(p.message.section("2.TEXT"),
              "--b\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--b--");
    EXPECT_EQ(p.message.section("2.MIME"),
              "Content-Type: message/rfc822\r\nContent-Description: forwarded\r\n\r\n");
    EXPECT_EQ(p.message.section("2.1"), "plain");
    EXPECT_EQ(p.message.section("2.2"), "<b>x</b>");
    EXPECT_EQ(p.message.section("2.2.MIME"), "Content-Type: text/html\r\n\r\n");
    EXPECT_EQ(p.message.section("2.3"), std::nullopt);
    EXPECT_EQ(p.message.section("2.HEADER.FIELDS (SUBJECT)"), "Subject: inner\r\n\r\n");
    EXPECT_EQ(p.message.section("2.HEADER.FIELDS.NOT (FROM DATE CONTENT-TYPE)"),
              "Subject: inner\r\n\r\n");
    EXPECT_EQ(p.message.section("2"),
              p.message.section("2.HEADER").value() + p.message.section("2.TEXT").value());
    EXPECT_EQ(p.message.section("1.HEADER"), std::nullopt);
    EXPECT_EQ(p.message.section("1.TEXT"), std::nullopt);
    EXPECT_EQ(p.message.envelope(),
              "(NIL \"Fwd: inner\" ((NIL NIL \"fwd\" \"example.com\")) "
              "((NIL NIL \"fwd\" \"example.com\")) ((NIL NIL \"fwd\" \"example.com\")) "
              "NIL NIL NIL NIL NIL)");
}

TEST(MimeMessage, TopLevelMessageRfc822) {
    const Parsed p("Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nbody");
    EXPECT_EQ(p.message.section("1"), "Subject: in\r\n\r\nbody");
    EXPECT_EQ(p.message.section("1.HEADER"), "Subject: in\r\n\r\n");
    EXPECT_EQ(p.message.section("1.TEXT"), "body");
    EXPECT_EQ(p.message.section("1.1"), "body");
    EXPECT_EQ(p.message.section("1.2"), std::nullopt);
}

// RFC 3501 §7.4.2's BODYSTRUCTURE example, with this message's sizes.
TEST(MimeMessage, Rfc3501ExampleShape) {
    const Parsed p(
        "Content-Type: MULTIPART/MIXED; BOUNDARY=\"=_b\"\r\n"
        "Content-Language: fr\r\n"
        "\r\n"
        "--=_b\r\n"
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
        "\r\n"
        "1234\r\n"
        "--=_b\r\n"
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff\r\n"
        "Content-ID: <960723163407.20117h@cac.washington.edu>\r\n"
        "Content-Description: Compiser (sic) \r\n"
        "Content-Transfer-Encoding: BASE64\r\n"
        "\r\n"
        "YWJj\r\n"
        "ZGVm\r\n"
        "--=_b--\r\n");
    EXPECT_EQ(p.message.body_structure(false),
              "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 4 0)"
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
              "\"<960723163407.20117h@cac.washington.edu>\" \"Compiser (sic) \" \"BASE64\" "
              "10 1) \"MIXED\")");
    EXPECT_EQ(p.message.body_structure(true),
              "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 4 0 "
              "NIL NIL NIL NIL)"
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
              "\"<960723163407.20117h@cac.washington.edu>\" \"Compiser (sic) \" \"BASE64\" "
              "10 1 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"=_b\") NIL (\"fr\") NIL)");
}

TEST(MimeMessage, SinglePartExtensionData) {
    const Parsed p(
        "Content-Type: TEXT/Plain; CharSet=\"UTF-8\"; format=flowed (comment)\r\n"
        "Content-Transfer-Encoding: Quoted-Printable\r\n"
        "Content-ID: <id1@x>\r\n"
        "Content-Description: desc \"q\"\r\n"
        "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
        "Content-Disposition: inline\r\n"
        "Content-Language: en, de\r\n"
        "Content-Location: http://example.com/x\r\n"
        "\r\n"
        "line1\r\n"
        "line2");
    EXPECT_EQ(p.message.body_structure(true),
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\" \"FORMAT\" \"flowed\") \"<id1@x>\" "
              "\"desc \\\"q\\\"\" \"QUOTED-PRINTABLE\" 12 1 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" "
              "(\"INLINE\" NIL) (\"en\" \"de\") \"http://example.com/x\")");
}

TEST(MimeMessage, DigestPartsDefaultToMessageRfc822) {
    const Parsed p(
        "Content-Type: multipart/digest; boundary=d\r\n\r\n"
        "--d\r\n\r\nSubject: one\r\n\r\nbody one\r\n"
        "--d\r\nContent-Type: text/plain\r\n\r\nnot a message\r\n"
        "--d--\r\n");
    EXPECT_EQ(p.message.body_structure(false),
              "((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 24 "
              "(NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL) "
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 8 0) 2)"
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 13 0) \"DIGEST\")");
    EXPECT_EQ(p.message.section("1.HEADER"), "Subject: one\r\n\r\n");
}

TEST(MimeMessage, BrokenMultipartDegradesToText) {
    // No boundary parameter, or a boundary that never occurs.
    for (const char* text : {"Content-Type: multipart/mixed\r\n\r\nno boundary\r\n",
                             "Content-Type: multipart/mixed; boundary=b\r\n\r\nnone\r\n",
                             "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n"}) {
        const Parsed p(text);
        EXPECT_EQ(p.message.root().type, "TEXT") << text;
        EXPECT_TRUE(p.message.root().children.empty()) << text;
        EXPECT_EQ(p.message.section("1"), p.message.section("TEXT")) << text;
    }
    // An unparsable Content-Type is the default (RFC 2045 §5.2).
    const Parsed bad_type("Content-Type: text\r\n\r\nx\r\n");
    EXPECT_EQ(bad_type.message.body_structure(false),
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 3 1)");
}

TEST(MimeMessage, UnterminatedMultipartKeepsWhatItHas) {
    const Parsed p(
        "Content-Type: multipart/mixed; boundary=x\r\n\r\n"
        "--x\r\nContent-Type: multipart/mixed; boundary=y\r\n\r\n"
        "--y\r\n\r\nunterminated\r\n");
    EXPECT_EQ(p.message.body_structure(false),
              "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 14 1) \"MIXED\") "
              "\"MIXED\")");
    EXPECT_EQ(p.message.section("1.1"), "unterminated\r\n");
}

TEST(MimeMessage, DelimiterEdgeCases) {
    // Empty parts, transport padding after the boundary, a longer boundary
    // that merely starts with this one, and a delimiter at the very start.
    const Parsed p(
        "Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        "--a\r\n"
        "--a  \r\n"
        "Content-Type: image/png\r\n\r\n"
        "--a\r\n\r\n--ab is content\r\n"
        "--a-- \r\n"
        "--a\r\nepilogue is ignored\r\n");
    EXPECT_EQ(p.message.body_structure(false),
              "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0)"
              "(\"IMAGE\" \"PNG\" NIL NIL NIL \"7BIT\" 0)"
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 15 0) \"MIXED\")");
    EXPECT_EQ(p.message.section("1"), "");
    EXPECT_EQ(p.message.section("1.MIME"), "");
    EXPECT_EQ(p.message.section("3"), "--ab is content");
    EXPECT_EQ(p.message.section("4"), std::nullopt);
}

TEST(MimeMessage, NestingDepthIsBounded) {
    std::string text;
    for (int i = 0; i < 300; ++i) {
        text += "Content-Type: message/rfc822\r\n\r\n";
    }
    text += "Subject: deepest\r\n\r\nbody\r\n";
    const Parsed p(text);
    const std::string structure = p.message.body_structure(true);
    std::size_t depth = 0;
    for (std::size_t at = structure.find("\"RFC822\""); at != std::string::npos;
         at = structure.find("\"RFC822\"", at + 1)) {
        ++depth;
    }
    EXPECT_EQ(depth, 50U);
    std::string spec = "1";
    for (int i = 0; i < 49; ++i) {
        spec += ".1";
    }
    EXPECT_TRUE(p.message.section(spec).has_value());
    EXPECT_EQ(p.message.section(spec + ".1.1"), std::nullopt);
}

const std::string many_fields =
    "Received: from a\r\n"
    "Subject: first\r\n"
    "X-Folded: one\r\n"
    " two\r\n"
    "From: a@example.com\r\n"
    "subject: second\r\n"
    "\r\n"
    "body\r\n";

TEST(MimeMessage, HeaderFieldsKeepOrderAndFolding) {
    const Parsed p(many_fields);
    EXPECT_EQ(p.message.section("HEADER.FIELDS (SUBJECT X-FOLDED)"),
              "Subject: first\r\nX-Folded: one\r\n two\r\nsubject: second\r\n\r\n");
    EXPECT_EQ(p.message.section("HEADER.FIELDS (\"from\")"), "From: a@example.com\r\n\r\n");
    EXPECT_EQ(p.message.section("HEADER.FIELDS (X-NONE)"), "\r\n");
    EXPECT_EQ(p.message.section("header.fields.not (subject received)"),
              "X-Folded: one\r\n two\r\nFrom: a@example.com\r\n\r\n");
    EXPECT_EQ(p.message.section("1.HEADER.FIELDS (SUBJECT)"), std::nullopt);
}

TEST(MimeMessage, InvalidSectionSpecs) {
    const Parsed p(alternative);
    for (const char* spec :
         {"MIME", "BODY", "1.", "1..2", ".1", "1.X", "01x", "HEADER.FIELDS", "HEADER.FIELDS()",
          "HEADER.FIELDS (A", "HEADER.FIELDS (A) X", "HEADER.FIELDS.NOT", "HEADERX", "TEXT.1",
          "1234567890", "HEADER.FIELDS (\"A)"}) {
        EXPECT_EQ(p.message.section(spec), std::nullopt) << spec;
    }
}

}  // namespace
