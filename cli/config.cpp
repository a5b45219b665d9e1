#include "cli/config.hpp"

#include "cli/migrate_options.hpp"
#include "cli/oauth2/refresh_token_source.hpp"
#include "clients/wire/account_url.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <utility>

namespace mailferry::cli {

namespace fs = std::filesystem;

namespace {

constexpr unsigned max_job_connections = 64;
constexpr unsigned max_total_connections = 1024;

// Every job key this version supports, in the order the error for an
// unknown key lists them.
constexpr std::array<std::string_view, 30> job_keys = {
    // the job and its accounts
    "name", "source", "target",                                                //
    "source_password_file", "source_password_command", "source_password_env",  //
    "target_password_file", "target_password_command", "target_password_env",  //
    "source_oauth2_token_command", "target_oauth2_token_command",              //
    "source_oauth2_file", "target_oauth2_file",                                //
    // what to copy
    "include", "exclude", "map", "folder",                                    //
    "delete_source", "sync_deletions", "max_deletions", "max_size", "since",  //
    "gmail_labels",                                                           //
    // how to connect
    "connections", "ca_file", "insecure", "allow_plaintext",  //
    // when to run
    "interval", "idle",  //
    // what to check
    "verify"};

constexpr std::array<std::string_view, 5> top_level_keys = {
    "state", "max_connections", "max_connections_per_server", "defaults", "job"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool is_job_key(std::string_view key) {
    return contains(job_keys, key);
}

// Optimal string alignment distance: Levenshtein plus adjacent
// transpositions, the typo a hand-written key most often has.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

// The known key closest to `key`, if one is within 2 edits.
std::optional<std::string_view> closest_key(std::string_view key,
                                            const std::vector<std::string_view>& known) {
    std::optional<std::string_view> best;
    std::size_t best_distance = 3;
    for (const std::string_view k : known) {
        const std::size_t distance = edit_distance(key, k);
        if (distance < best_distance) {
            best = k;
            best_distance = distance;
        }
    }
    return best;
}

std::vector<std::string_view> all_job_keys() {
    return {job_keys.begin(), job_keys.end()};
}

std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "true/false";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::size_t line_of(const toml::node& node) {
    return static_cast<std::size_t>(node.source().begin.line);
}

std::size_t line_of(const toml::key& key) {
    return static_cast<std::size_t>(key.source().begin.line);
}

// A table's entries in file order (toml::table orders them by name).
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(
    const toml::table& table) {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (const auto& [key, node] : table) {
        entries.emplace_back(&key, &node);
    }
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const auto& pa = a.first->source().begin;
        const auto& pb = b.first->source().begin;
        return std::pair(pa.line, pa.column) < std::pair(pb.line, pb.column);
    });
    return entries;
}

// parse_size/parse_since name their command-line option; in a config the
// key is named by the message prefix, so drop it ("--since '...' is not
// valid: ..." -> "'...' is not valid: ...").
std::string without_option_name(std::string_view message) {
    if (!message.empty() && message.front() == '-') {
        const auto space = message.find(' ');
        if (space != std::string_view::npos) {
            message.remove_prefix(space + 1);
        }
    }
    return std::string(message);
}

bool valid_job_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

bool valid_env_name(std::string_view name) {
    if (name.empty() || (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    });
}

std::string server_of(const wire::AccountUrl& url) {
    return url.host + ":" + std::to_string(url.port);
}

// "scheme://user@host:port" of a valid URL: an account as the state knows it.
std::string account_key(const std::string& text) {
    const wire::AccountUrl url = *wire::parse_account_url(text).url;
    return fmt::format("{}://{}@{}", wire::to_string(url.scheme), url.user, server_of(url));
}

// Parses one config text. Each method that finds a problem throws
// ConfigError through fail().
class Parser {
  public:
    Parser(std::string_view text, const fs::path& file)
        : text_(text), file_(file), dir_(file.parent_path()) {}

    Config parse() {
        toml::table root;
        try {
            root = toml::parse(text_, std::string_view(file_.string()));
        } catch (const toml::parse_error& e) {
            throw ConfigError(fmt::format("{}:{}: TOML syntax error at column {}: {}",
                                          file_.string(), e.source().begin.line,
                                          e.source().begin.column, e.description()));
        }
        Config config;
        config.file = file_;
        for (const auto& [key, node] : in_file_order(root)) {
            top_level_key(config, key->str(), *key, *node);
        }
        max_connections_per_server_ = config.max_connections_per_server;

        JobConfig defaults;
        if (const toml::node* node = root.get("defaults")) {
            defaults = parse_defaults(*node);
        }
        const toml::node* jobs = root.get("job");
        const toml::array* array = jobs != nullptr ? jobs->as_array() : nullptr;
        if (jobs != nullptr && array == nullptr) {
            fail(line_of(*jobs), "job",
                 fmt::format("expected [[job]] tables (an array of tables), found {}; write "
                             "[[job]] above each job",
                             type_name(*jobs)));
        }
        if (array == nullptr || array->empty()) {
            fail(jobs != nullptr ? line_of(*jobs) : std::size_t{1}, "job",
                 "the file has no [[job]]; add one [[job]] table per account pair, with name, "
                 "source and target");
        }
        std::size_t number = 0;
        for (const toml::node& element : *array) {
            ++number;
            config.jobs.push_back(parse_job(element, number, defaults));
        }
        return config;
    }

  private:
    [[noreturn]] void fail(std::size_t line, std::string_view key, std::string_view what) const {
        throw ConfigError(fmt::format("{}:{}: {}: {}", file_.string(), line, key, what));
    }

    [[noreturn]] void fail(const toml::node& node, std::string_view key,
                           std::string_view what) const {
        fail(line_of(node), key, what);
    }

    [[noreturn]] void wrong_type(const toml::node& node, std::string_view key,
                                 std::string_view expected) const {
        fail(node, key, fmt::format("expected {}, found {}", expected, type_name(node)));
    }

    std::string resolve(const std::string& path) const {
        if (dir_.empty() || fs::path(path).is_absolute()) {
            return path;
        }
        return (dir_ / path).string();
    }

    std::string string_value(const toml::node& node, std::string_view key) const {
        const auto* value = node.as_string();
        if (value == nullptr) {
            wrong_type(node, key, "a string");
        }
        if (value->get().empty()) {
            fail(node, key, "expected a non-empty string");
        }
        return value->get();
    }

    bool bool_value(const toml::node& node, std::string_view key) const {
        const auto* value = node.as_boolean();
        if (value == nullptr) {
            wrong_type(node, key, "true or false");
        }
        return value->get();
    }

    unsigned count_value(const toml::node& node, std::string_view key, unsigned min,
                         unsigned max) const {
        const auto* value = node.as_integer();
        if (value == nullptr) {
            wrong_type(node, key, "an integer");
        }
        if (value->get() < static_cast<std::int64_t>(min) ||
            value->get() > static_cast<std::int64_t>(max)) {
            fail(node, key,
                 fmt::format("{} is out of range: expected {} to {}", value->get(), min, max));
        }
        return static_cast<unsigned>(value->get());
    }

    std::vector<std::string> string_array(const toml::node& node, std::string_view key) const {
        const auto* array = node.as_array();
        if (array == nullptr) {
            wrong_type(node, key, R"(an array of strings, e.g. ["Trash", "Junk"])");
        }
        std::vector<std::string> values;
        for (const toml::node& element : *array) {
            const auto* value = element.as_string();
            if (value == nullptr || value->get().empty()) {
                fail(
                    element, key,
                    fmt::format("element {}: expected a non-empty string, found {}",
                                values.size() + 1, value == nullptr ? type_name(element) : "\"\""));
            }
            values.push_back(value->get());
        }
        return values;
    }

    std::vector<sync::FolderMap> folder_map(const toml::node& node, std::string_view key) const {
        const auto* table = node.as_table();
        if (table == nullptr) {
            wrong_type(node, key,
                       R"(an inline table of folder names, e.g. { "Sent Items" = "Sent" })");
        }
        std::vector<sync::FolderMap> map;
        for (const auto& [source, target] : in_file_order(*table)) {
            const auto* value = target->as_string();
            if (value == nullptr || value->get().empty()) {
                fail(*target, key,
                     fmt::format("\"{}\": expected the target folder name as a non-empty string, "
                                 "found {}",
                                 source->str(), value == nullptr ? type_name(*target) : "\"\""));
            }
            if (source->str().empty()) {
                fail(line_of(*source), key, "a source folder name must not be empty");
            }
            map.push_back(sync::FolderMap{std::string(source->str()), value->get()});
        }
        return map;
    }

    void top_level_key(Config& config, std::string_view name, const toml::key& key,
                       const toml::node& node) {
        if (name == "state") {
            config.state = resolve(string_value(node, name));
        } else if (name == "max_connections") {
            // Two: every job needs a connection on each side to start.
            config.max_connections = count_value(node, name, 2, max_total_connections);
        } else if (name == "max_connections_per_server") {
            config.max_connections_per_server = count_value(node, name, 1, max_total_connections);
        } else if (name == "defaults" || name == "job") {
            // Parsed after the scalar keys, which they depend on.
        } else if (is_job_key(name)) {
            fail(line_of(key), name,
                 "a job key at the top level; put it in [defaults] (for every job) or in a "
                 "[[job]]");
        } else {
            const std::vector<std::string_view> known(top_level_keys.begin(), top_level_keys.end());
            std::string what = "unknown key";
            if (const auto suggestion = closest_key(name, known)) {
                if (*suggestion == "job") {
                    what += "; did you mean [[job]]?";
                } else if (*suggestion == "defaults") {
                    what += "; did you mean [defaults]?";
                } else {
                    what += fmt::format("; did you mean `{}`?", *suggestion);
                }
            } else {
                what +=
                    "; the top level knows state, max_connections, max_connections_per_server, "
                    "[defaults] and [[job]]";
            }
            fail(line_of(key), name, what);
        }
    }

    JobConfig parse_defaults(const toml::node& node) const {
        const auto* table = node.as_table();
        if (table == nullptr) {
            fail(node, "defaults",
                 fmt::format("expected a table [defaults], found {}", type_name(node)));
        }
        JobConfig defaults;
        for (const auto& [key, value] : in_file_order(*table)) {
            const std::string_view name = key->str();
            if (name == "name" || name == "source" || name == "target") {
                fail(line_of(*key), fmt::format("defaults.{}", name),
                     "name, source and target belong in each [[job]], not in [defaults]");
            }
            job_key(defaults, "defaults", *key, *value);
        }
        return defaults;
    }

    JobConfig parse_job(const toml::node& node, std::size_t number, const JobConfig& defaults) {
        const std::string anonymous = fmt::format("job #{}", number);
        const auto* table = node.as_table();
        if (table == nullptr) {
            fail(node, anonymous,
                 fmt::format("expected a [[job]] table, found {}", type_name(node)));
        }
        JobConfig job = defaults;
        job.line = line_of(node);

        const toml::node* name_node = table->get("name");
        if (name_node == nullptr) {
            fail(
                job.line, anonymous + ".name",
                R"(missing; every job needs a name, e.g. name = "alice" (letters, digits, '.', '_', '-'))");
        }
        job.name = string_value(*name_node, anonymous + ".name");
        if (!valid_job_name(job.name)) {
            fail(*name_node, anonymous + ".name",
                 fmt::format("\"{}\" is not a valid job name: use only letters, digits, '.', '_' "
                             "and '-' (it names the job in log lines and metrics labels)",
                             job.name));
        }
        const std::string prefix = fmt::format("job \"{}\"", job.name);
        if (const auto first = job_lines_.find(job.name); first != job_lines_.end()) {
            fail(*name_node, prefix + ".name",
                 fmt::format("the job on line {} has the same name; job names must be unique",
                             first->second));
        }
        job_lines_.emplace(job.name, job.line);

        for (const auto& [key, value] : in_file_order(*table)) {
            job_key(job, prefix, *key, *value);
        }
        check_accounts(job, prefix);
        // Two jobs over one account pair would share its state rows and
        // race each other's copies.
        const std::string pair = account_key(job.source) + " -> " + account_key(job.target);
        if (const auto first = pair_jobs_.find(pair); first != pair_jobs_.end()) {
            fail(job.line, prefix + ".target",
                 fmt::format("job \"{}\" already moves {}; one job per account pair", first->second,
                             pair));
        }
        pair_jobs_.emplace(pair, job.name);
        return job;
    }

    // Sets one key of a job (or of [defaults], prefix "defaults").
    void job_key(JobConfig& job, std::string_view prefix, const toml::key& key,
                 const toml::node& node) const {
        const std::string_view name = key.str();
        const std::string label = fmt::format("{}.{}", prefix, name);
        if (name == "name") {
            // Read first, by parse_job.
        } else if (name == "source" || name == "target") {
            std::string url = string_value(node, label);
            const wire::AccountUrlParse parsed = wire::parse_account_url(url);
            if (!parsed.url) {
                fail(node, label, parsed.error);
            }
            if (name == "target" && !parsed.url->is_imap()) {
                fail(node, label,
                     fmt::format("{} is a {} account, but a target must be IMAP (imap:// or "
                                 "imaps://)",
                                 wire::redact_account_url(url),
                                 wire::to_string(parsed.url->scheme)));
            }
            (name == "source" ? job.source : job.target) = std::move(url);
        } else if (name == "source_oauth2_token_command") {
            job.source_password.oauth2_token_command = string_value(node, label);
        } else if (name == "target_oauth2_token_command") {
            job.target_password.oauth2_token_command = string_value(node, label);
        } else if (name == "source_oauth2_file") {
            job.source_password.oauth2_file = resolve(string_value(node, label));
        } else if (name == "target_oauth2_file") {
            job.target_password.oauth2_file = resolve(string_value(node, label));
        } else if (name.ends_with("_password_file") || name.ends_with("_password_command") ||
                   name.ends_with("_password_env")) {
            password_key(job, name, label, node);
        } else if (name == "include") {
            job.include = string_array(node, label);
        } else if (name == "exclude") {
            job.exclude = string_array(node, label);
        } else if (name == "map") {
            job.map = folder_map(node, label);
        } else if (name == "folder") {
            job.folder = string_value(node, label);
        } else if (name == "delete_source") {
            job.delete_source = bool_value(node, label);
        } else if (name == "sync_deletions") {
            job.sync_deletions = bool_value(node, label);
        } else if (name == "gmail_labels") {
            job.gmail_labels = gmail_label_mode(node, label);
        } else if (name == "max_deletions") {
            job.max_deletions = deletion_limit_value(node, label);
        } else if (name == "connections") {
            job.connections = count_value(node, label, 1, max_job_connections);
        } else if (name == "max_size") {
            job.max_size = size_value(node, label);
        } else if (name == "since") {
            job.since = since_value(node, label);
        } else if (name == "ca_file") {
            job.ca_file = resolve(string_value(node, label));
        } else if (name == "insecure") {
            job.insecure = bool_value(node, label);
        } else if (name == "allow_plaintext") {
            job.allow_plaintext = bool_value(node, label);
        } else if (name == "interval") {
            job.interval = interval_value(node, label);
        } else if (name == "idle") {
            job.idle = bool_value(node, label);
        } else if (name == "verify") {
            job.verify = bool_value(node, label);
        } else {
            std::string what = "unknown key";
            if (const auto suggestion = closest_key(name, all_job_keys())) {
                what += fmt::format("; did you mean `{}`?", *suggestion);
            } else {
                what += "; the job keys are ";
                for (std::size_t i = 0; i < job_keys.size(); ++i) {
                    what += i == 0 ? "" : ", ";
                    what += job_keys[i];
                }
            }
            fail(line_of(key), label, what);
        }
        job.origins[std::string(name)] = KeyOrigin{line_of(key), label};
    }

    void password_key(JobConfig& job, std::string_view name, const std::string& label,
                      const toml::node& node) const {
        PasswordSources* sources = nullptr;
        if (name.starts_with("source_")) {
            sources = &job.source_password;
        } else if (name.starts_with("target_")) {
            sources = &job.target_password;
        }
        const std::string_view kind = sources == nullptr ? "" : name.substr(name.find('_') + 1);
        if (kind == "password_file") {
            sources->file = resolve(string_value(node, label));
        } else if (kind == "password_command") {
            sources->command = string_value(node, label);
        } else if (kind == "password_env") {
            std::string var = string_value(node, label);
            if (!valid_env_name(var)) {
                fail(node, label,
                     fmt::format("\"{}\" is not an environment variable name; expected e.g. "
                                 "\"ALICE_PASSWORD\" (letters, digits and '_', no '$')",
                                 var));
            }
            sources->env = std::move(var);
        } else {
            const auto suggestion = closest_key(name, all_job_keys());
            fail(line_of(node), label,
                 suggestion ? fmt::format("unknown key; did you mean `{}`?", *suggestion)
                            : std::string("unknown key"));
        }
    }

    std::uint64_t size_value(const toml::node& node, const std::string& label) const {
        if (const auto* integer = node.as_integer()) {
            if (integer->get() < 1) {
                fail(node, label,
                     fmt::format("{} is not valid: must be at least 1 byte", integer->get()));
            }
            return static_cast<std::uint64_t>(integer->get());
        }
        const auto* text = node.as_string();
        if (text == nullptr) {
            wrong_type(node, label, R"(a number of bytes, or a string such as "10M")");
        }
        try {
            return parse_size(text->get());
        } catch (const std::invalid_argument& e) {
            fail(node, label, without_option_name(e.what()));
        }
    }

    sync::GmailLabelMode gmail_label_mode(const toml::node& node, const std::string& label) const {
        const std::string mode = string_value(node, label);
        if (mode == "keywords") {
            return sync::GmailLabelMode::keywords;
        }
        if (mode == "copy") {
            return sync::GmailLabelMode::copy;
        }
        fail(node, label, "expected \"keywords\" (the default) or \"copy\", as --gmail-labels");
    }

    sync::DeletionLimit deletion_limit_value(const toml::node& node,
                                             const std::string& label) const {
        std::string text;
        if (const auto* integer = node.as_integer()) {
            text = std::to_string(integer->get());
        } else if (const auto* string = node.as_string()) {
            text = string->get();
        } else {
            wrong_type(node, label, R"(a number of messages, or a share such as "25%")");
        }
        try {
            return parse_deletion_limit(text);
        } catch (const std::invalid_argument& e) {
            fail(node, label, without_option_name(e.what()));
        }
    }

    std::int64_t since_value(const toml::node& node, const std::string& label) const {
        std::string text;
        if (const auto* date = node.as_date()) {
            text = fmt::format("{:04}-{:02}-{:02}", date->get().year, date->get().month,
                               date->get().day);
        } else if (const auto* string = node.as_string()) {
            text = string->get();
        } else {
            wrong_type(node, label, R"(a date such as 2024-01-31 or "2024-01-31")");
        }
        try {
            return parse_since(text);
        } catch (const std::invalid_argument& e) {
            fail(node, label, without_option_name(e.what()));
        }
    }

    std::chrono::seconds interval_value(const toml::node& node, const std::string& label) const {
        const auto* text = node.as_string();
        if (text == nullptr) {
            wrong_type(node, label, R"(a duration string such as "15m" or "1h30m")");
        }
        try {
            return parse_interval(text->get());
        } catch (const std::invalid_argument& e) {
            fail(node, label, e.what());
        }
    }

    // What needs the whole job: both accounts and a password for each.
    void check_accounts(const JobConfig& job, const std::string& prefix) const {
        for (const std::string_view side : {"source", "target"}) {
            const std::string& url_text = side == "source" ? job.source : job.target;
            if (url_text.empty()) {
                fail(job.line, fmt::format("{}.{}", prefix, side),
                     fmt::format("missing; every job needs a {} account, e.g. {} = "
                                 "\"imaps://USER@HOST\"",
                                 side, side));
            }
        }
        const wire::AccountUrl source = *wire::parse_account_url(job.source).url;
        const wire::AccountUrl target = *wire::parse_account_url(job.target).url;
        for (const std::string_view side : {"source", "target"}) {
            const PasswordSources& sources =
                side == "source" ? job.source_password : job.target_password;
            const wire::AccountUrl& url = side == "source" ? source : target;
            if (sources.file.empty() && sources.command.empty() && sources.env.empty() &&
                sources.oauth2_token_command.empty() && sources.oauth2_file.empty() &&
                !url.password) {
                const KeyOrigin& origin = job.origins.find(side)->second;
                fail(origin.line, origin.key,
                     fmt::format("no password for the {0} account; set {0}_password_file, "
                                 "{0}_password_command, {0}_password_env, "
                                 "{0}_oauth2_token_command or {0}_oauth2_file (in the job or in "
                                 "[defaults])",
                                 side));
            }
            if (!sources.oauth2_token_command.empty() && !sources.oauth2_file.empty()) {
                const auto origin = job.origins.find(fmt::format("{}_oauth2_file", side));
                const std::size_t line =
                    origin != job.origins.end() ? origin->second.line : job.line;
                fail(line, fmt::format("{}.{}_oauth2_file", prefix, side),
                     fmt::format("{0}_oauth2_token_command and {0}_oauth2_file both give the "
                                 "{0} account's OAuth2 tokens; keep one",
                                 side));
            }
        }
        if (server_of(source) == server_of(target) && max_connections_per_server_ < 2) {
            const KeyOrigin& origin = job.origins.find("target")->second;
            fail(origin.line, origin.key,
                 fmt::format("the source and the target are both on {}, which needs 2 "
                             "connections to it, but max_connections_per_server = {}",
                             server_of(target), max_connections_per_server_));
        }
    }

    std::string_view text_;
    fs::path file_;
    fs::path dir_;
    unsigned max_connections_per_server_ = 4;
    std::map<std::string, std::size_t> job_lines_;  // job name -> line of its [[job]]
    std::map<std::string, std::string> pair_jobs_;  // "source -> target" -> job name
};

}  // namespace

Config load_config(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw ConfigError(fmt::format("{}: cannot read the config file: {}", file.string(),
                                      std::strerror(errno)));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw ConfigError(fmt::format("{}: cannot read the config file", file.string()));
    }
    return parse_config(text.str(), file);
}

Config parse_config(std::string_view text, const fs::path& file) {
    return Parser(text, file).parse();
}

sync::MigrationOptions to_migration_options(const JobConfig& job) {
    sync::MigrationOptions options;
    options.connections = job.connections;
    options.command = "sync";
    sync::PlanOptions& plan = options.plan;
    plan.include = job.include;
    plan.exclude = job.exclude;
    plan.map = job.map;
    if (!job.folder.empty()) {
        plan.pop3_folder = job.folder;
    }
    plan.max_size = job.max_size;
    plan.since = job.since;
    plan.delete_source = job.delete_source;
    plan.sync_deletions = job.sync_deletions;
    plan.max_deletions = job.max_deletions;
    plan.gmail_labels = job.gmail_labels;
    return options;
}

PasswordSpec password_spec(const JobConfig& job, std::string_view side) {
    if (side != "source" && side != "target") {
        throw std::invalid_argument(fmt::format("password_spec: unknown side '{}'", side));
    }
    const PasswordSources& sources = side == "source" ? job.source_password : job.target_password;
    PasswordSpec spec;
    spec.side = std::string(side);
    spec.file = sources.file;
    spec.command = sources.command;
    spec.env_var = sources.env;
    return spec;
}

std::vector<std::string> check_job_environment(const Config& config) {
    std::vector<std::string> problems;
    std::set<std::string> seen;  // an inherited key's problem is the same for every job
    const auto report = [&](const JobConfig& job, std::string_view key, const std::string& what) {
        const auto origin = job.origins.find(key);
        const std::size_t line = origin != job.origins.end() ? origin->second.line : job.line;
        const std::string label = origin != job.origins.end()
                                      ? origin->second.key
                                      : fmt::format("job \"{}\".{}", job.name, key);
        std::string message = fmt::format("{}:{}: {}: {}", config.file.string(), line, label, what);
        if (seen.insert(message).second) {
            problems.push_back(std::move(message));
        }
    };
    for (const JobConfig& job : config.jobs) {
        for (const std::string_view side : {"source", "target"}) {
            const PasswordSources& sources =
                side == "source" ? job.source_password : job.target_password;
            if (!sources.file.empty()) {
                const std::string key = fmt::format("{}_password_file", side);
                std::error_code ec;
                if (fs::is_directory(sources.file, ec)) {
                    report(job, key,
                           fmt::format("the password file {} is a directory", sources.file));
                } else if (auto secret = password_from_file(sources.file, key); !secret) {
                    report(job, key, secret.error());
                }
            }
            if (!sources.oauth2_file.empty()) {
                if (auto usable = oauth2::check_refresh_file(sources.oauth2_file); !usable) {
                    report(job, fmt::format("{}_oauth2_file", side), usable.error());
                }
            }
            if (!sources.env.empty()) {
                const char* value = std::getenv(sources.env.c_str());
                if (value == nullptr || *value == '\0') {
                    report(job, fmt::format("{}_password_env", side),
                           fmt::format("the environment variable {} is {}; set it to the "
                                       "password",
                                       sources.env, value == nullptr ? "not set" : "empty"));
                }
            }
        }
        if (!job.ca_file.empty()) {
            std::error_code ec;
            if (fs::is_directory(job.ca_file, ec)) {
                report(job, "ca_file", fmt::format("the CA file {} is a directory", job.ca_file));
            } else if (std::ifstream in(job.ca_file, std::ios::binary); !in) {
                report(job, "ca_file",
                       fmt::format("cannot read the CA file {}: {}", job.ca_file,
                                   std::strerror(errno)));
            }
        }
    }
    return problems;
}

}  // namespace mailferry::cli
