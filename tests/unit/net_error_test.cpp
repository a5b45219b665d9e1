#include "clients/net/error.hpp"
#include "clients/net/tls_client.hpp"

#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/x509_vfy.h>

#include <fstream>

namespace {

using namespace mailferry::net;
using namespace std::chrono_literals;

TEST(NetErrorCategory, HasItsOwnNameAndATextForEveryValue) {
    const boost::system::error_code ec = error::certificate_untrusted;
    EXPECT_STREQ(ec.category().name(), "mailferry.net");
    EXPECT_EQ(ec.message(), "TLS certificate not trusted");
    for (int v = static_cast<int>(error::resolve_failed); v <= static_cast<int>(error::cancelled);
         ++v) {
        const boost::system::error_code code = static_cast<error>(v);
        EXPECT_NE(code.message(), "unknown network error") << v;
    }
}

TEST(StepName, NamesEveryStep) {
    EXPECT_EQ(step_name(Step::resolve), "resolve");
    EXPECT_EQ(step_name(Step::connect), "connect");
    EXPECT_EQ(step_name(Step::tls), "tls");
    EXPECT_EQ(step_name(Step::greeting), "greeting");
    EXPECT_EQ(step_name(Step::read), "read");
    EXPECT_EQ(step_name(Step::write), "write");
    EXPECT_EQ(step_name(Step::login), "login");
}

TEST(ServerName, BracketsIpv6Literals) {
    EXPECT_EQ(server_name("imap.example.org", 993), "imap.example.org:993");
    EXPECT_EQ(server_name("127.0.0.1", 110), "127.0.0.1:110");
    EXPECT_EQ(server_name("::1", 143), "[::1]:143");
}

TEST(DescribeDuration, ReadsLikeAPersonWouldWriteIt) {
    EXPECT_EQ(describe_duration(250ms), "250 ms");
    EXPECT_EQ(describe_duration(2s), "2 s");
    EXPECT_EQ(describe_duration(1500ms), "1.5 s");
}

TEST(MakeNetError, MessagesSayWhatHappenedAndWhatToDo) {
    struct Row {
        error e;
        Step step;
        const char* detail;
        const char* expected;
    };
    const Row rows[] = {
        {error::resolve_failed, Step::resolve, "no-such-host.invalid: Host not found",
         "mail.example.org:993: cannot resolve host name (no-such-host.invalid: Host not found). "
         "Check the host name and this machine's network and DNS settings."},
        {error::connection_refused, Step::connect, "tried 192.0.2.1:993 refused",
         "mail.example.org:993: connection refused (tried 192.0.2.1:993 refused). Check the host "
         "and port, and that the server is running."},
        {error::timed_out, Step::greeting, "no data from the server within 30 s",
         "mail.example.org:993: timed out during greeting (no data from the server within 30 "
         "s). Check the host and port and that the server is reachable from here; a slow server "
         "may need a longer timeout."},
        {error::certificate_untrusted, Step::tls, "self-signed certificate in certificate chain",
         "mail.example.org:993: TLS certificate verify failed: self-signed certificate in "
         "certificate chain. Use --ca-file FILE to trust the server's CA, or --insecure to skip "
         "verification (not recommended)."},
        {error::connection_closed, Step::greeting, "",
         "mail.example.org:993: the server closed the connection during greeting. Check that the "
         "port belongs to the expected protocol and that the server accepts connections from "
         "this machine."},
        {error::connection_closed, Step::read, "",
         "mail.example.org:993: the server closed the connection during read. The server ended "
         "a session it had accepted (a restart, one of its limits such as memory or "
         "connections, or the network in between); its log says which. Try again: a run "
         "stopped so resumes where it stopped."},
        {error::tls_handshake_failed, Step::tls, "wrong version number",
         "mail.example.org:993: TLS handshake failed (wrong version number). Check that this "
         "port expects TLS from the start (imaps 993, pop3s 995); on a plain port (143, 110) "
         "use STARTTLS/STLS instead."},
    };
    for (const Row& row : rows) {
        const NetError e = make_net_error(row.e, "mail.example.org:993", row.step, row.detail);
        EXPECT_EQ(e.code, row.e);
        EXPECT_EQ(e.server, "mail.example.org:993");
        EXPECT_EQ(e.step, row.step);
        EXPECT_EQ(e.message, row.expected);
    }
}

TEST(ClassifyVerifyResult, MapsOpensslReasonsToWhatTheUserCanDo) {
    EXPECT_EQ(classify_verify_result(X509_V_ERR_HOSTNAME_MISMATCH),
              error::certificate_name_mismatch);
    EXPECT_EQ(classify_verify_result(X509_V_ERR_IP_ADDRESS_MISMATCH),
              error::certificate_name_mismatch);
    EXPECT_EQ(classify_verify_result(X509_V_ERR_CERT_HAS_EXPIRED), error::certificate_expired);
    EXPECT_EQ(classify_verify_result(X509_V_ERR_CERT_NOT_YET_VALID), error::certificate_expired);
    EXPECT_EQ(classify_verify_result(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT),
              error::certificate_untrusted);
    EXPECT_EQ(classify_verify_result(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN),
              error::certificate_untrusted);
    EXPECT_EQ(classify_verify_result(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
              error::certificate_untrusted);
}

TEST(TlsHandshakeError, QuotesOpensslVerifyReason) {
    const auto handshake_ec =
        boost::asio::ssl::error::make_error_code(boost::asio::ssl::error::stream_truncated);
    const NetError untrusted =
        tls_handshake_error("imap.example.org:993", "imap.example.org", handshake_ec,
                            X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
    EXPECT_EQ(untrusted.code, error::certificate_untrusted);
    EXPECT_EQ(untrusted.message,
              "imap.example.org:993: TLS certificate verify failed: self-signed certificate in "
              "certificate chain. Use --ca-file FILE to trust the server's CA, or --insecure to "
              "skip verification (not recommended).");

    const NetError mismatch = tls_handshake_error("10.0.0.5:993", "mail.example.org", handshake_ec,
                                                  X509_V_ERR_HOSTNAME_MISMATCH);
    EXPECT_EQ(mismatch.code, error::certificate_name_mismatch);
    EXPECT_EQ(mismatch.message,
              "10.0.0.5:993: TLS certificate verify failed: hostname mismatch (the certificate is "
              "not valid for 'mail.example.org'). Connect using a host name the certificate "
              "lists, or --insecure to skip verification (not recommended).");

    const NetError expired = tls_handshake_error("imap.example.org:993", "imap.example.org",
                                                 handshake_ec, X509_V_ERR_CERT_HAS_EXPIRED);
    EXPECT_EQ(expired.code, error::certificate_expired);
    EXPECT_NE(expired.message.find("certificate has expired. Check this machine's clock"),
              std::string::npos)
        << expired.message;
}

TEST(TlsHandshakeError, WithoutVerifyFailureQuotesTheHandshakeError) {
    const auto ec =
        boost::asio::ssl::error::make_error_code(boost::asio::ssl::error::stream_truncated);
    const NetError e =
        tls_handshake_error("imap.example.org:993", "imap.example.org", ec, X509_V_OK);
    EXPECT_EQ(e.code, error::tls_handshake_failed);
    EXPECT_EQ(e.step, Step::tls);
    EXPECT_NE(e.message.find("TLS handshake failed (" + ec.message() + ")"), std::string::npos)
        << e.message;
}

TEST(IoError, HangUpsAreConnectionClosed) {
    EXPECT_EQ(io_error("s:1", Step::read, boost::asio::error::eof).code, error::connection_closed);
    EXPECT_EQ(io_error("s:1", Step::write, boost::asio::error::connection_reset).code,
              error::connection_closed);
    EXPECT_EQ(io_error("s:1", Step::read, boost::asio::error::operation_aborted).code,
              error::cancelled);
    const NetError other = io_error("s:1", Step::write, boost::asio::error::network_unreachable);
    EXPECT_EQ(other.code, error::io_failed);
    EXPECT_EQ(other.step, Step::write);
}

TEST(MakeClientTlsContext, MissingCaFileNamesTheFile) {
    const auto ctx = make_client_tls_context({"/nonexistent/ca.pem", false});
    ASSERT_FALSE(ctx);
    EXPECT_EQ(ctx.error(),
              "--ca-file /nonexistent/ca.pem: no such file. Give the path of the server CA's PEM "
              "certificate.");
}

TEST(MakeClientTlsContext, CaFileWithoutCertificatesIsRejected) {
    mailferry::test::TempDir dir;
    const auto path = (dir / "not-a-cert.pem").string();
    std::ofstream(path) << "hello\n";
    const auto ctx = make_client_tls_context({path, false});
    ASSERT_FALSE(ctx);
    EXPECT_NE(ctx.error().find("--ca-file " + path + ": cannot load certificates"),
              std::string::npos)
        << ctx.error();
}

TEST(MakeClientTlsContext, DefaultsVerifyPeersAndRefuseOldTls) {
    const auto ctx = make_client_tls_context({});
    ASSERT_TRUE(ctx);
    EXPECT_EQ(SSL_CTX_get_verify_mode((*ctx)->native_handle()), SSL_VERIFY_PEER);
    EXPECT_EQ(SSL_CTX_get_min_proto_version((*ctx)->native_handle()), TLS1_2_VERSION);
    const auto insecure = make_client_tls_context({"", true});
    ASSERT_TRUE(insecure);
    EXPECT_EQ(SSL_CTX_get_verify_mode((*insecure)->native_handle()), SSL_VERIFY_NONE);
}

}  // namespace
