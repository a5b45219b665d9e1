#pragma once
// One form-encoded POST to an OAuth2 token endpoint and its answer, with
// Boost.Beast: https with certificate and host name verification (or plain
// http to a loopback peer only), bounded in time and in answer size.
// Blocking: it runs its own io_context on the calling thread.

#include "cli/oauth2/token_url.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mailferry::cli::oauth2 {

struct ExchangeOptions {
    // For https: the client context (system store, --ca-file); `verify`
    // false for --insecure.
    std::shared_ptr<boost::asio::ssl::context> tls;
    bool verify = true;
    // For the whole exchange: resolving, connecting, TLS, request, answer.
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
    std::size_t max_answer_bytes = 64 * 1024;
};

struct HttpAnswer {
    unsigned status = 0;
    std::string body;
};

// application/x-www-form-urlencoded (every octet but ALPHA / DIGIT / "-" /
// "." / "_" / "~" percent-encoded).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// POSTs `form` to `url`. The error says what failed (never the form).
boost::system::result<HttpAnswer, std::string> post_form(const TokenUrl& url,
                                                         const std::string& form,
                                                         const ExchangeOptions& options);

}  // namespace mailferry::cli::oauth2
