#include "cli/oauth2/refresh_file.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mailferry::cli::oauth2 {

namespace fs = std::filesystem;

namespace {

using Parsed = boost::system::result<RefreshFile, std::string>;

Parsed fail(const std::string& file, std::string_view key, std::string_view what) {
    return {boost::system::in_place_error, fmt::format("{}: {}: {}", file, key, what)};
}

// A string key: its value, std::nullopt when absent; an error text when it
// is not a non-empty string.
struct StringKey {
    std::optional<std::string> value;
    std::string error;
};

StringKey string_key(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
        return {};
    }
    const auto line = node->source().begin.line;
    const auto* text = node->as_string();
    if (text == nullptr) {
        return {std::nullopt, fmt::format("line {}: must be a string (in double quotes)", line)};
    }
    if (text->get().empty()) {
        return {std::nullopt, fmt::format("line {}: is empty", line)};
    }
    return {text->get(), {}};
}

// A TOML basic string holding `value`.
std::string toml_quoted(std::string_view value) {
    std::string out = "\"";
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            out += fmt::format("\\u{:04X}", u);
        } else {
            out += c;
        }
    }
    return out + "\"";
}

// Where the string value starting at `start` in `text` ends (one past its
// closing delimiter), for the four TOML string forms; npos when unclosed.
std::size_t string_end(std::string_view text, std::size_t start) {
    const char quote = text[start];
    if (text.substr(start, 3) == std::string(3, quote)) {
        const auto close = text.find(std::string(3, quote), start + 3);
        if (close == std::string_view::npos) {
            return close;
        }
        // Up to two more quotes just before the delimiter belong to the value.
        std::size_t end = close + 3;
        while (end < text.size() && text[end] == quote && end - close < 5) {
            ++end;
        }
        return end;
    }
    for (std::size_t i = start + 1; i < text.size(); ++i) {
        if (quote == '"' && text[i] == '\\') {
            ++i;
        } else if (text[i] == quote) {
            return i + 1;
        } else if (text[i] == '\n') {
            return std::string_view::npos;
        }
    }
    return std::string_view::npos;
}

// Offset of the first character of line `line` (1-based).
std::size_t line_offset(std::string_view text, std::size_t line) {
    std::size_t offset = 0;
    for (std::size_t n = 1; n < line; ++n) {
        offset = text.find('\n', offset);
        if (offset == std::string_view::npos) {
            return offset;
        }
        ++offset;
    }
    return offset;
}

std::string errno_text(int error) {
    return std::strerror(error);
}

}  // namespace

Parsed parse_refresh_file(std::string_view text, const std::string& file) {
    toml::table table;
    try {
        table = toml::parse(text, std::string_view(file));
    } catch (const toml::parse_error& e) {
        return {boost::system::in_place_error, fmt::format("{}:{}: not valid TOML: {}", file,
                                                           e.source().begin.line, e.description())};
    }
    RefreshFile out;
    const auto required = [&](std::string_view key, std::string& into,
                              std::string_view example) -> std::optional<std::string> {
        StringKey found = string_key(table, key);
        if (!found.error.empty()) {
            return fmt::format("{}: {}: {}", file, key, found.error);
        }
        if (!found.value) {
            return fmt::format("{}: {}: missing; add a line such as {} = {}", file, key, key,
                               example);
        }
        into = std::move(*found.value);
        return std::nullopt;
    };
    std::string url_text;
    if (auto error = required("token_url", url_text, "\"https://login.example.com/token\"")) {
        return {boost::system::in_place_error, *error};
    }
    auto url = parse_token_url(url_text);
    if (!url) {
        return fail(file, "token_url", url.error());
    }
    out.token_url = std::move(*url);
    if (auto error = required("client_id", out.client_id, "\"the application's client id\"")) {
        return {boost::system::in_place_error, *error};
    }
    if (auto error = required("refresh_token", out.refresh_token,
                              "\"the refresh token the provider issued\"")) {
        return {boost::system::in_place_error, *error};
    }
    for (const std::string_view key : {"client_secret", "scope"}) {
        StringKey found = string_key(table, key);
        if (!found.error.empty()) {
            return fail(file, key, found.error);
        }
        (key == "client_secret" ? out.client_secret : out.scope) = std::move(found.value);
    }
    return out;
}

Parsed load_refresh_file(const std::string& file) {
    std::error_code ec;
    if (fs::is_directory(file, ec)) {
        return {boost::system::in_place_error,
                fmt::format("the OAuth2 file {} is a directory", file)};
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return {boost::system::in_place_error,
                fmt::format("cannot read the OAuth2 file {}: {}", file, errno_text(errno))};
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_refresh_file(text.str(), file);
}

boost::system::result<std::string, std::string> replace_refresh_token(std::string_view text,
                                                                      const std::string& token) {
    const auto cannot =
        [](std::string_view why) -> boost::system::result<std::string, std::string> {
        return {boost::system::in_place_error, std::string(why)};
    };
    toml::table table;
    try {
        table = toml::parse(text);
    } catch (const toml::parse_error&) {
        return cannot("the file is no longer valid TOML");
    }
    const toml::node* node = table.get("refresh_token");
    if (node == nullptr || !node->is_string()) {
        return cannot("the file has no refresh_token string any more");
    }
    // The value starts on the key's line after the first '=' (a key
    // named refresh_token, bare or quoted, holds none).
    const std::size_t line = line_offset(text, node->source().begin.line);
    const std::size_t equals = line == std::string_view::npos ? line : text.find('=', line);
    if (equals == std::string_view::npos) {
        return cannot("refresh_token's value was not found in the text");
    }
    const std::size_t start = text.find_first_not_of(" \t", equals + 1);
    if (start == std::string_view::npos || (text[start] != '"' && text[start] != '\'')) {
        return cannot("refresh_token's value was not found in the text");
    }
    const std::size_t end = string_end(text, start);
    if (end == std::string_view::npos) {
        return cannot("refresh_token's value was not found in the text");
    }
    std::string out(text.substr(0, start));
    out += toml_quoted(token);
    out += text.substr(end);
    // Check the edit: the new text must say exactly the same, but for the
    // token.
    try {
        toml::table edited = toml::parse(out);
        const auto* value = edited.get_as<std::string>("refresh_token");
        const bool token_written = value != nullptr && value->get() == token;
        edited.erase("refresh_token");
        table.erase("refresh_token");
        if (!token_written || edited != table) {
            return cannot("editing refresh_token's value would change other keys");
        }
    } catch (const toml::parse_error&) {
        return cannot("editing refresh_token's value would break the file");
    }
    return {boost::system::in_place_value, std::move(out)};
}

boost::system::result<void, std::string> save_refresh_token(const std::string& file,
                                                            const std::string& token) {
    using Saved = boost::system::result<void, std::string>;
    std::error_code ec;
    const fs::path path = fs::canonical(file, ec);
    if (ec) {
        return Saved(boost::system::in_place_error,
                     fmt::format("cannot find {}: {}", file, ec.message()));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Saved(boost::system::in_place_error,
                     fmt::format("cannot read {}: {}", path.string(), errno_text(errno)));
    }
    std::ostringstream old_text;
    old_text << in.rdbuf();
    in.close();
    auto text = replace_refresh_token(old_text.str(), token);
    if (!text) {
        return Saved(boost::system::in_place_error,
                     fmt::format("{}: {}", path.string(), text.error()));
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return Saved(boost::system::in_place_error,
                     fmt::format("cannot stat {}: {}", path.string(), errno_text(errno)));
    }
    const fs::path dir = path.parent_path();
    std::string temp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) {
        return Saved(boost::system::in_place_error,
                     fmt::format("cannot create a temporary file in {}: {}", dir.string(),
                                 errno_text(errno)));
    }
    const auto give_up = [&](std::string_view step) {
        const int error = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        return Saved(boost::system::in_place_error,
                     fmt::format("cannot {} {}: {}", step, temp, errno_text(error)));
    };
    if (::fchmod(fd, st.st_mode & 07777) != 0) {
        return give_up("set the permissions of");
    }
    // Keeping the owner needs privileges when it is not us; a file we may
    // rewrite but not chown stays ours, with the same mode.
    if ((st.st_uid != ::geteuid() || st.st_gid != ::getegid()) &&
        ::fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) {
        return give_up("set the owner of");
    }
    std::string_view rest = *text;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return give_up("write");
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fsync(fd) != 0) {
        return give_up("flush");
    }
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        return Saved(boost::system::in_place_error,
                     fmt::format("cannot close {}: {}", temp, errno_text(error)));
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        return Saved(boost::system::in_place_error, fmt::format("cannot rename {} to {}: {}", temp,
                                                                path.string(), errno_text(error)));
    }
    // The rename is durable once the directory is on disk.
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 || ::fsync(dir_fd) != 0) {
        const int error = errno;
        if (dir_fd >= 0) {
            ::close(dir_fd);
        }
        return Saved(boost::system::in_place_error, fmt::format("cannot flush the directory {}: {}",
                                                                dir.string(), errno_text(error)));
    }
    ::close(dir_fd);
    return {};
}

}  // namespace mailferry::cli::oauth2
