// RFC 3501 §7.4.2 ENVELOPE text, with RFC 5322 §3.4 / §4.4 address parsing.
// Expected strings were checked against Dovecot 2.3's FETCH ENVELOPE; where
// they differ (quoting style, blank runs kept) the RFC allows both.
#include <gtest/gtest.h>

#include <string>

#include "contrib/testserver/mime/message.hpp"

namespace {

using mailferry::testserver::mime::ParsedMessage;

// The envelope of a message with `header` (fields separated by CRLF).
std::string envelope_of(const std::string& header) {
    const std::string message = header + "\r\n\r\nbody\r\n";
    return ParsedMessage(message).envelope();
}

// An envelope whose only field is a From list `list`: sender and reply-to repeat it.
std::string from_only(const std::string& list) {
    return "(NIL NIL " + list + " " + list + " " + list + " NIL NIL NIL NIL NIL)";
}

// An envelope whose only field is a To list `list`.
std::string to_only(const std::string& list) {
    return "(NIL NIL NIL NIL NIL " + list + " NIL NIL NIL NIL)";
}

struct EnvelopeCase {
    const char* header;
    std::string expected;
};

TEST(MimeEnvelope, AllFieldsInOrder) {
    const std::string header =
        "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
        "From: Terry Gray <gray@cac.washington.edu>\r\n"
        "Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
        "To: imap@cac.washington.edu\r\n"
        "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
        "Bcc: hidden@example.com\r\n"
        "In-Reply-To: <parent@host>\r\n"
        "Message-Id: <B27397-0100000@cac.washington.edu>";
    // RFC 3501 §7.4.2's example, plus bcc and in-reply-to.
    EXPECT_EQ(envelope_of(header),
              "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
              "\"IMAP4rev1 WG mtg summary and minutes\" "
              "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
              "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
              "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
              "((NIL NIL \"imap\" \"cac.washington.edu\")) "
              "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
              "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) "
              "((NIL NIL \"hidden\" \"example.com\")) "
              "\"<parent@host>\" \"<B27397-0100000@cac.washington.edu>\")");
}

TEST(MimeEnvelope, MissingFieldsAreNil) {
    EXPECT_EQ(envelope_of("X-Other: 1"), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    // Present but empty: an empty string, and an empty address list is NIL.
    EXPECT_EQ(envelope_of("Subject:\r\nTo:"), "(NIL \"\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(MimeEnvelope, SenderAndReplyToDefaultToFrom) {
    EXPECT_EQ(envelope_of("From: a@x.test\r\nSender: s@x.test\r\nReply-To: r@x.test"),
              "(NIL NIL ((NIL NIL \"a\" \"x.test\")) ((NIL NIL \"s\" \"x.test\")) "
              "((NIL NIL \"r\" \"x.test\")) NIL NIL NIL NIL NIL)");
    // RFC 3501: present but empty also takes From's value.
    EXPECT_EQ(envelope_of("From: a@x.test\r\nSender:\r\nReply-To:  "),
              from_only("((NIL NIL \"a\" \"x.test\"))"));
}

TEST(MimeEnvelope, FirstInstanceOfAFieldWins) {
    EXPECT_EQ(envelope_of("Subject: one\r\nSubject: two"),
              "(NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(MimeEnvelope, AddressForms) {
    const EnvelopeCase cases[] = {
        {"From: \"Doe, John\" <john@example.com>",
         from_only("((\"Doe, John\" NIL \"john\" \"example.com\"))")},
        {"From: John Q. Public <jqp@example.com>, (comment) mary@example.com (Mary Smith)",
         from_only("((\"John Q. Public\" NIL \"jqp\" \"example.com\")"
                   "(\"Mary Smith\" NIL \"mary\" \"example.com\"))")},
        {"From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
         from_only("((\"Pete\" NIL \"pete\" \"silly.test\"))")},
        {"From: \"Joe \\\"Q\\\" Doe\" <joe@example.com>",
         from_only("((\"Joe \\\"Q\\\" Doe\" NIL \"joe\" \"example.com\"))")},
        {"From: \"quoted \\\\ backslash\" <a@b.c>",
         from_only("((\"quoted \\\\ backslash\" NIL \"a\" \"b.c\"))")},
        {"From: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>",
         from_only("((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"jorg\" \"example.com\"))")},
        {"From: <@route1.test,@route2.test:user@host.test>",
         from_only("((NIL \"@route1.test,@route2.test\" \"user\" \"host.test\"))")},
        {"From: \"john smith\"@example.com",
         from_only("((NIL NIL \"john smith\" \"example.com\"))")},
        {"From: user@[192.168.0.1]", from_only("((NIL NIL \"user\" \"[192.168.0.1]\"))")},
        {"From: a@b.c (Real (nested) Name)",
         from_only("((\"Real (nested) Name\" NIL \"a\" \"b.c\"))")},
        {"From: john . doe @ example . com", from_only("((NIL NIL \"john.doe\" \"example.com\"))")},
        // Missing pieces are filled in so that a NIL host never fakes a group.
        {"From: user", from_only("((NIL NIL \"user\" \"MISSING_DOMAIN\"))")},
        {"From: John Smith",
         from_only("((\"John Smith\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))")},
        {"From: <>", from_only("((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))")},
        // RFC 5322 §4.4: empty list elements are ignored.
        {"From: , , a@b.c,,", from_only("((NIL NIL \"a\" \"b.c\"))")},
        {"From: Joe <joe@x.test", from_only("((\"Joe\" NIL \"joe\" \"x.test\"))")},
    };
    for (const EnvelopeCase& c : cases) {
        EXPECT_EQ(envelope_of(c.header), c.expected) << c.header;
    }
}

TEST(MimeEnvelope, Groups) {
    const EnvelopeCase cases[] = {
        {"To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, other@x.test",
         to_only("((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")"
                 "(NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")"
                 "(NIL NIL NIL NIL)(NIL NIL \"other\" \"x.test\"))")},
        {"To: undisclosed-recipients:;",
         to_only("((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))")},
        {"To: \"Group\": a@b.c;", to_only("((NIL NIL \"Group\" NIL)(NIL NIL \"a\" \"b.c\")"
                                          "(NIL NIL NIL NIL))")},
        // An unterminated group still ends.
        {"To: g: a@b.c", to_only("((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b.c\")(NIL NIL NIL NIL))")},
    };
    for (const EnvelopeCase& c : cases) {
        EXPECT_EQ(envelope_of(c.header), c.expected) << c.header;
    }
}

TEST(MimeEnvelope, StringsAreUnfoldedAndQuotedOrLiteral) {
    EXPECT_EQ(envelope_of("Subject: folded\r\n  line\r\nIn-Reply-To: <x@y>\r\n\tmore"),
              "(NIL \"folded  line\" NIL NIL NIL NIL NIL NIL \"<x@y>\tmore\" NIL)");
    // 8-bit octets cannot go in a quoted string (RFC 3501 §4.3): a literal.
    EXPECT_EQ(envelope_of("Subject: caf\xc3\xa9"),
              "(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL NIL)");
    EXPECT_EQ(envelope_of("From: J\xc3\xb6rg <j@x.test>"),
              from_only("(({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x.test\"))"));
    // A lone CR is no fold: it stays, so the string becomes a literal.
    EXPECT_EQ(envelope_of("Subject: a\rb"), "(NIL {3}\r\na\rb NIL NIL NIL NIL NIL NIL NIL NIL)");
    EXPECT_EQ(envelope_of("Subject: say \"hi\" \\o/"),
              "(NIL \"say \\\"hi\\\" \\\\o/\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(MimeEnvelope, HeaderLookupIsCaseInsensitiveAndUnfolded) {
    const std::string message = "SUBJECT:  hello\r\n world \r\nX-A: 1\r\n\r\nSubject: body\r\n";
    const ParsedMessage parsed(message);
    EXPECT_EQ(parsed.header("subject"), "hello world ");
    EXPECT_EQ(parsed.header("x-a"), "1");
    EXPECT_EQ(parsed.header("X-Missing"), std::nullopt);
    ASSERT_EQ(parsed.root().fields.size(), 2U);
    EXPECT_EQ(parsed.root().fields[0].name, "SUBJECT");
    EXPECT_EQ(parsed.root().fields[0].value, "  hello\r\n world ");
}

}  // namespace
