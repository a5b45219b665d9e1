#pragma once
// Where an account's password comes from (SPEC "Accounts"), in order of
// precedence:
//   1. --X-password-file F     the first line of F;
//   2. --X-password-command C  the first line of what `/bin/sh -c C` prints
//                              on stdout, within a timeout;
//   3. the environment variable (MAILFERRY_SOURCE_PASSWORD,
//      MAILFERRY_TARGET_PASSWORD, MAILFERRY_PASSWORD for probe), if not empty;
//   4. the password in the account URL (accepted with a warning).
// "First line" is everything before the first LF, without a trailing CR;
// other whitespace is part of the password.
//
// Errors name the source (the file, the option, the variable) and say what
// to do; they never contain the password nor the command's output.

#include "clients/wire/account_url.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace mailferry::cli {

// A password. It cannot be printed or formatted (no operator<<, no fmt
// formatter): code that needs the text says so with reveal(). The memory is
// overwritten when the value goes away.
class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string value) noexcept : value_(std::move(value)) {}
    Secret(const Secret&) = default;
    Secret(Secret&& other) noexcept;
    Secret& operator=(const Secret& other);
    Secret& operator=(Secret&& other) noexcept;
    ~Secret();

    const std::string& reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }

  private:
    void wipe() noexcept;
    std::string value_;
};

struct PasswordSpec {
    // "source", "target", or "" for a command with one account (probe):
    // it picks the option names in messages ("--source-password-file",
    // "--password-file").
    std::string side;
    std::string file;     // --X-password-file; empty when not given
    std::string command;  // --X-password-command; empty when not given
    std::string env_var;  // e.g. "MAILFERRY_SOURCE_PASSWORD"
    // How long --X-password-command may run (a password manager waiting
    // for a passphrase prompt that never comes should not hang a run).
    std::chrono::milliseconds command_timeout = std::chrono::seconds(60);
};

enum class PasswordOrigin { file, command, environment, url };

struct ResolvedPassword {
    Secret secret;
    PasswordOrigin origin = PasswordOrigin::file;
};

// The password by the precedence above. Fails (with a message for the
// user) when the chosen source fails — an unreadable or empty file, a
// command that fails, times out or prints nothing — or when there is no
// source at all.
boost::system::result<ResolvedPassword, std::string> resolve_password(
    const PasswordSpec& spec, const std::optional<std::string>& url_password);

// resolve_password() for an account URL; logs a warning when the password
// comes from the URL. Throws std::invalid_argument with the message on failure.
Secret read_password(const PasswordSpec& spec, const wire::AccountUrl& url);

// First line of `file` (file source), exposed for tests.
boost::system::result<Secret, std::string> password_from_file(const std::string& file,
                                                              const std::string& option);
// First line of the output of `command` (command source), exposed for tests.
boost::system::result<Secret, std::string> password_from_command(const std::string& command,
                                                                 const std::string& option,
                                                                 std::chrono::milliseconds timeout);

}  // namespace mailferry::cli
