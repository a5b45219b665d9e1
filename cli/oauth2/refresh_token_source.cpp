#include "cli/oauth2/refresh_token_source.hpp"

#include "cli/oauth2/access_token_cache.hpp"
#include "cli/oauth2/refresh_file.hpp"
#include "cli/oauth2/token_exchange.hpp"
#include "cli/oauth2/token_response.hpp"
#include "cli/secret_file_mode.hpp"
#include "clients/net/tls_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

namespace mailferry::cli::oauth2 {

namespace {

using Token = boost::system::result<std::string, std::string>;

Token no_token(std::string message) {
    return {boost::system::in_place_error, std::move(message)};
}

// What every source for one file shares.
struct FileState {
    std::mutex mutex;
    std::string path;
    AccessTokenCache cache;
    // The refresh token to present next, and the one the file held when
    // last read or written: a different one in the file is the user's
    // edit (a newly authorised token) and wins.
    std::string refresh_token;
    std::string refresh_token_in_file;
    // A rotated refresh token that could not be written to the file yet.
    bool unsaved = false;
};

std::shared_ptr<FileState> state_for(const std::string& file, const std::string& option) {
    static std::mutex registry_mutex;
    static std::map<std::string, std::shared_ptr<FileState>> registry;
    std::error_code ec;
    std::string key = std::filesystem::weakly_canonical(file, ec).string();
    if (ec) {
        key = file;
    }
    const std::lock_guard lock(registry_mutex);
    auto& state = registry[key];
    if (!state) {
        state = std::make_shared<FileState>();
        state->path = file;
        // A refresh token every user can read is an account every user can use.
        warn_if_readable_by_others(file, "OAuth2 file", option);
    }
    return state;
}

std::string unsaved_message(const std::string& file, const std::string& why) {
    return fmt::format(
        "the OAuth2 token endpoint issued a new refresh token, but it could not be saved in {} "
        "({}); the one in the file no longer works: fix the file's permissions or directory, "
        "then authorise mailferry again and put the new refresh token in {}",
        file, why, file);
}

class RefreshTokenSource {
  public:
    RefreshTokenSource(std::shared_ptr<FileState> state, std::string option,
                       ExchangeOptions exchange)
        : state_(std::move(state)), option_(std::move(option)), exchange_(std::move(exchange)) {}

    Token operator()(std::string_view refused) const {
        FileState& s = *state_;
        const std::lock_guard lock(s.mutex);
        if (!refused.empty()) {
            s.cache.forget(refused);
        }
        if (s.unsaved) {
            if (auto saved = save_refresh_token(s.path, s.refresh_token); !saved) {
                return no_token(unsaved_message(s.path, saved.error()));
            }
            s.unsaved = false;
            s.refresh_token_in_file = s.refresh_token;
            spdlog::info("{}: the new OAuth2 refresh token is now saved in {}", option_, s.path);
        }
        if (auto token = s.cache.usable(AccessTokenCache::Clock::now())) {
            return {boost::system::in_place_value, std::move(*token)};
        }
        auto file = load_refresh_file(s.path);
        if (!file) {
            return no_token(file.error());
        }
        if (file->refresh_token != s.refresh_token_in_file) {
            s.refresh_token = file->refresh_token;
            s.refresh_token_in_file = file->refresh_token;
        }
        const std::string secret = file->client_secret.value_or("");
        std::vector<std::pair<std::string, std::string>> fields = {
            {"grant_type", "refresh_token"},
            {"refresh_token", s.refresh_token},
            {"client_id", file->client_id}};
        if (file->client_secret) {
            fields.emplace_back("client_secret", secret);
        }
        if (file->scope) {
            fields.emplace_back("scope", *file->scope);
        }
        const std::string& url = file->token_url.text;
        spdlog::debug("{}: exchanging the refresh token in {} at {}", option_, s.path, url);
        auto answer = post_form(file->token_url, form_encode(fields), exchange_);
        if (!answer) {
            return no_token(without_secrets(answer.error(), {s.refresh_token, secret}));
        }
        auto grant = parse_token_response(answer->status, answer->body);
        if (!grant) {
            return no_token(without_secrets(refusal_message(grant.error(), url, s.path),
                                            {s.refresh_token, secret}));
        }
        s.cache.remember(grant->access_token, grant->expires_in, AccessTokenCache::Clock::now());
        const bool rotated = grant->refresh_token && *grant->refresh_token != s.refresh_token;
        spdlog::debug("{}: {} gave a new access token ({}){}", option_, url,
                      grant->expires_in
                          ? fmt::format("valid for {} s", grant->expires_in->count())
                          : std::string("without expires_in: used for this login only"),
                      rotated ? " and a new refresh token" : "");
        if (rotated) {
            s.refresh_token = *grant->refresh_token;
            if (auto saved = save_refresh_token(s.path, s.refresh_token); !saved) {
                s.unsaved = true;
                return no_token(unsaved_message(s.path, saved.error()));
            }
            s.refresh_token_in_file = s.refresh_token;
            spdlog::debug("{}: saved the new refresh token in {}", option_, s.path);
        }
        return {boost::system::in_place_value, std::move(grant->access_token)};
    }

  private:
    std::shared_ptr<FileState> state_;
    std::string option_;
    ExchangeOptions exchange_;
};

}  // namespace

std::string without_secrets(std::string message, std::initializer_list<std::string_view> secrets) {
    for (const std::string_view secret : secrets) {
        if (secret.empty()) {
            continue;
        }
        for (auto at = message.find(secret); at != std::string::npos;
             at = message.find(secret, at)) {
            message.replace(at, secret.size(), "[redacted]");
        }
    }
    return message;
}

boost::system::result<void, std::string> check_refresh_file(const std::string& file) {
    auto loaded = load_refresh_file(file);
    if (!loaded) {
        return {boost::system::in_place_error, loaded.error()};
    }
    return {};
}

boost::system::result<sync::TokenSource, std::string> refresh_token_source(
    const std::string& file, const std::string& option, const EndpointTls& tls) {
    auto loaded = load_refresh_file(file);
    if (!loaded) {
        return {boost::system::in_place_error, fmt::format("{}: {}", option, loaded.error())};
    }
    ExchangeOptions exchange;
    exchange.verify = !tls.insecure;
    if (loaded->token_url.https) {
        auto context = net::make_client_tls_context({tls.ca_file, tls.insecure});
        if (!context) {
            return {boost::system::in_place_error, context.error()};
        }
        exchange.tls = *context;
    }
    return sync::TokenSource(
        RefreshTokenSource(state_for(file, option), option, std::move(exchange)));
}

}  // namespace mailferry::cli::oauth2
