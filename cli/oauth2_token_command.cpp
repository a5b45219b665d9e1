#include "cli/oauth2_token_command.hpp"

#include "cli/password_source.hpp"

#include <chrono>
#include <utility>

namespace mailferry::cli {

sync::TokenSource oauth2_token_command(std::string command, std::string option) {
    return [command = std::move(command), option = std::move(option)](
               std::string_view /*refused*/) -> boost::system::result<std::string, std::string> {
        auto token = password_from_command(command, option, std::chrono::seconds(60));
        if (!token) {
            return {boost::system::in_place_error, "no OAuth2 access token: " + token.error()};
        }
        if (token->empty()) {
            return {boost::system::in_place_error,
                    "no OAuth2 access token: " + option + " printed an empty first line"};
        }
        return {boost::system::in_place_value, token->reveal()};
    };
}

}  // namespace mailferry::cli
