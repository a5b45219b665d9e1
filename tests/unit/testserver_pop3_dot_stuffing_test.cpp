// RFC 1939 §3 byte-stuffing of multi-line responses, streamed in chunks,
// and the RFC 1939 §7 TOP cut.

#include "contrib/testserver/pop3/dot_stuffing.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mailferry::testserver::pop3 {
namespace {

std::string stuff_in_chunks(std::string_view body, std::size_t chunk) {
    DotStuffer stuffer;
    std::string out;
    for (std::size_t pos = 0; pos < body.size(); pos += chunk) {
        stuffer.feed(body.substr(pos, chunk), out);
    }
    stuffer.finish(out);
    return out;
}

// Every chunk size from 1 to the body size gives the same bytes.
std::string stuff(std::string_view body) {
    const std::string whole = stuff_in_chunks(body, body.size() + 1);
    for (std::size_t chunk = 1; chunk <= body.size(); ++chunk) {
        EXPECT_EQ(stuff_in_chunks(body, chunk), whole) << "chunk size " << chunk;
    }
    return whole;
}

TEST(Pop3DotStuffing, DoublesLeadingDotsAndTerminates) {
    EXPECT_EQ(stuff("a\r\n.b\r\n..c\r\n.\r\nd.e\r\n"), "a\r\n..b\r\n...c\r\n..\r\nd.e\r\n.\r\n");
    EXPECT_EQ(stuff(".first\r\n"), "..first\r\n.\r\n");
}

TEST(Pop3DotStuffing, TerminatorIsOnItsOwnLine) {
    EXPECT_EQ(stuff("no final line end"), "no final line end\r\n.\r\n");
    EXPECT_EQ(stuff(""), ".\r\n");
    EXPECT_EQ(stuff("x\r\n."), "x\r\n..\r\n.\r\n");
}

TEST(Pop3DotStuffing, TopCutsAfterHeaderAndBodyLines) {
    const std::string msg = "Subject: a\r\nFrom: b\r\n\r\nline1\r\nline2\r\nline3\r\n";
    EXPECT_EQ(msg.substr(0, top_length(msg, 0)), "Subject: a\r\nFrom: b\r\n\r\n");
    EXPECT_EQ(msg.substr(0, top_length(msg, 2)), "Subject: a\r\nFrom: b\r\n\r\nline1\r\nline2\r\n");
    EXPECT_EQ(top_length(msg, 3), msg.size());
    EXPECT_EQ(top_length(msg, 1000), msg.size());
}

TEST(Pop3DotStuffing, TopOfMessageWithoutBodyOrHeader) {
    const std::string header_only = "Subject: a\r\nFrom: b\r\n";
    EXPECT_EQ(top_length(header_only, 0), header_only.size());
    const std::string no_header = "\r\nbody\r\nmore\r\n";
    EXPECT_EQ(no_header.substr(0, top_length(no_header, 1)), "\r\nbody\r\n");
    const std::string unterminated = "Subject: a\r\n\r\nlast line";
    EXPECT_EQ(top_length(unterminated, 5), unterminated.size());
}

}  // namespace
}  // namespace mailferry::testserver::pop3
