#include "clients/net/error.hpp"

#include "clients/wire/enum_error_category.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/x509_vfy.h>

#include <cstdio>

namespace mailferry::net {
namespace {

std::string describe(error value) {
    switch (value) {
        case error::resolve_failed:
            return "cannot resolve host name";
        case error::connection_refused:
            return "connection refused";
        case error::timed_out:
            return "timed out";
        case error::connect_failed:
            return "cannot connect";
        case error::tls_handshake_failed:
            return "TLS handshake failed";
        case error::certificate_untrusted:
            return "TLS certificate not trusted";
        case error::certificate_name_mismatch:
            return "TLS certificate does not match the host name";
        case error::certificate_expired:
            return "TLS certificate expired or not yet valid";
        case error::connection_closed:
            return "connection closed by the server";
        case error::plaintext_refused:
            return "refusing to send a password without TLS";
        case error::io_failed:
            return "network I/O failed";
        case error::cancelled:
            return "cancelled";
    }
    return "unknown network error";
}

constexpr std::string_view skip_verification =
    "or --insecure to skip verification (not recommended).";

// Appends " (detail)" when there is one.
std::string parenthesised(std::string_view detail) {
    return detail.empty() ? std::string() : " (" + std::string(detail) + ")";
}

std::string compose(error e, std::string_view server, Step step, std::string_view detail) {
    std::string out(server);
    out += ": ";
    const std::string step_text(step_name(step));
    switch (e) {
        case error::resolve_failed:
            out += "cannot resolve host name" + parenthesised(detail) +
                   ". Check the host name and this machine's network and DNS settings.";
            break;
        case error::connection_refused:
            out += "connection refused" + parenthesised(detail) +
                   ". Check the host and port, and that the server is running.";
            break;
        case error::timed_out:
            out += "timed out during " + step_text + parenthesised(detail) +
                   ". Check the host and port and that the server is reachable from here; "
                   "a slow server may need a longer timeout.";
            break;
        case error::connect_failed:
            out += "cannot connect" + parenthesised(detail) +
                   ". Check the host and port and this machine's network connection.";
            break;
        case error::tls_handshake_failed:
            out += "TLS handshake failed" + parenthesised(detail) +
                   ". Check that this port expects TLS from the start (imaps 993, pop3s 995); "
                   "on a plain port (143, 110) use STARTTLS/STLS instead.";
            break;
        case error::certificate_untrusted:
            out += "TLS certificate verify failed: " + std::string(detail) +
                   ". Use --ca-file FILE to trust the server's CA, " +
                   std::string(skip_verification);
            break;
        case error::certificate_name_mismatch:
            out += "TLS certificate verify failed: " + std::string(detail) +
                   ". Connect using a host name the certificate lists, " +
                   std::string(skip_verification);
            break;
        case error::certificate_expired:
            out += "TLS certificate verify failed: " + std::string(detail) +
                   ". Check this machine's clock or ask the server's administrator to renew the "
                   "certificate, " +
                   std::string(skip_verification);
            break;
        case error::connection_closed:
            out += "the server closed the connection during " + step_text + parenthesised(detail);
            if (step == Step::read || step == Step::write) {
                // It had answered before: the port and protocol are right.
                out +=
                    ". The server ended a session it had accepted (a restart, one of its "
                    "limits such as memory or connections, or the network in between); its "
                    "log says which. Try again: a run stopped so resumes where it stopped.";
            } else {
                out +=
                    ". Check that the port belongs to the expected protocol and that the "
                    "server accepts connections from this machine.";
            }
            break;
        case error::plaintext_refused:
            out += "refusing to send a password over an unencrypted connection" +
                   parenthesised(detail) +
                   ". Use imaps/pop3s, make sure the server offers STARTTLS/STLS, or pass "
                   "--allow-plaintext.";
            break;
        case error::io_failed:
            out += step_text + " failed" + parenthesised(detail) +
                   ". Check this machine's network connection and try again.";
            break;
        case error::cancelled:
            out += step_text + " cancelled" + parenthesised(detail) + ".";
            break;
    }
    return out;
}

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const wire::EnumErrorCategory<error> category("mailferry.net", describe);
    return category;
}

std::string_view step_name(Step step) noexcept {
    switch (step) {
        case Step::resolve:
            return "resolve";
        case Step::connect:
            return "connect";
        case Step::tls:
            return "tls";
        case Step::greeting:
            return "greeting";
        case Step::read:
            return "read";
        case Step::write:
            return "write";
        case Step::login:
            return "login";
    }
    return "unknown";
}

std::string server_name(std::string_view host, std::uint16_t port) {
    std::string out;
    if (host.find(':') != std::string_view::npos) {
        out = "[" + std::string(host) + "]";
    } else {
        out = std::string(host);
    }
    return out + ":" + std::to_string(port);
}

std::string describe_duration(std::chrono::steady_clock::duration d) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    if (ms < 1000) {
        return std::to_string(ms) + " ms";
    }
    if (ms % 1000 == 0) {
        return std::to_string(ms / 1000) + " s";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
    return text;
}

NetError make_net_error(error e, std::string server, Step step, std::string_view detail) {
    NetError out;
    out.code = make_error_code(e);
    out.message = compose(e, server, step, detail);
    out.server = std::move(server);
    out.step = step;
    return out;
}

error classify_verify_result(long verify_result) noexcept {
    switch (verify_result) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
        case X509_V_ERR_EMAIL_MISMATCH:
            return error::certificate_name_mismatch;
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return error::certificate_expired;
        default:
            return error::certificate_untrusted;
    }
}

NetError tls_handshake_error(std::string server, std::string_view verified_name,
                             boost::system::error_code handshake_error, long verify_result) {
    if (verify_result == X509_V_OK) {
        return make_net_error(error::tls_handshake_failed, std::move(server), Step::tls,
                              handshake_error.message());
    }
    const error e = classify_verify_result(verify_result);
    std::string reason = X509_verify_cert_error_string(verify_result);
    if (e == error::certificate_name_mismatch) {
        reason += " (the certificate is not valid for '" + std::string(verified_name) + "')";
    }
    return make_net_error(e, std::move(server), Step::tls, reason);
}

NetError io_error(std::string server, Step step, boost::system::error_code ec) {
    namespace asio_error = boost::asio::error;
    if (ec == asio_error::eof || ec == asio_error::connection_reset ||
        ec == asio_error::broken_pipe || ec == boost::asio::ssl::error::stream_truncated) {
        return make_net_error(error::connection_closed, std::move(server), step);
    }
    if (ec == asio_error::operation_aborted) {
        return make_net_error(error::cancelled, std::move(server), step);
    }
    return make_net_error(error::io_failed, std::move(server), step, ec.message());
}

}  // namespace mailferry::net
