#include "cli/probe_report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

namespace mailferry::cli {

namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string number_or_dash(const std::optional<std::uint64_t>& v) {
    return v ? std::to_string(*v) : std::string("-");
}

// "1234567 (1.2 MB)": exact octets for scripts, a rounded figure for people.
std::string size_text(std::uint64_t octets) {
    if (octets < 1000) {
        return fmt::format("{} bytes", octets);
    }
    static constexpr const char* units[] = {"kB", "MB", "GB", "TB"};
    double value = static_cast<double>(octets) / 1000.0;
    std::size_t unit = 0;
    while (value >= 1000.0 && unit + 1 < std::size(units)) {
        value /= 1000.0;
        ++unit;
    }
    return fmt::format("{} bytes ({:.1f} {})", octets, value, units[unit]);
}

std::string yes_no(const std::optional<bool>& v) {
    return v ? (*v ? "yes" : "no") : "unknown";
}

}  // namespace

std::string format_probe_text(const ProbeReport& r) {
    std::string out;
    const auto row = [&out](std::string_view key, std::string_view value) {
        out += fmt::format("{:<16}{}\n", key, value);
    };
    row("account", r.url);
    row("server", r.server);
    if (!r.greeting.empty()) {
        row("greeting", r.greeting);
    }
    if (!r.implementation.empty()) {
        row("implementation", r.implementation);
    }
    std::string tls = r.tls ? r.tls_mode : std::string("none");
    if (r.tls && !r.tls_description.empty()) {
        tls += " " + r.tls_description;
    }
    row("tls", tls);
    row("certificate", r.certificate);
    row("login", r.login_method);
    row("capabilities", fmt::format("{}", fmt::join(r.capabilities, " ")));
    if (r.protocol == "pop3") {
        row("messages", number_or_dash(r.message_count));
        row("total size", r.total_size ? size_text(*r.total_size) : "-");
        row("UIDL", yes_no(r.uidl));
        row("TOP", yes_no(r.top));
    } else {
        if (r.append_limit) {
            row("append limit", size_text(*r.append_limit));
        }
        if (r.quota_used && r.quota_limit) {
            row("quota", size_text(*r.quota_used) + " of " + size_text(*r.quota_limit) + " used");
        }
        std::size_t width = 6;
        for (const auto& f : r.folders) {
            width = std::max(width, f.name.size());
        }
        out += "\n";
        out += fmt::format("{:<{}}  {:>3}  {:<9}  {:>8}  {:>12}\n", "folder", width, "sep", "use",
                           "messages", "size");
        std::uint64_t messages = 0, size = 0;
        for (const auto& f : r.folders) {
            const std::string sep = f.separator ? std::string(1, *f.separator) : "NIL";
            std::string count = f.selectable ? number_or_dash(f.messages) : "(no select)";
            out += fmt::format("{:<{}}  {:>3}  {:<9}  {:>8}  {:>12}\n", f.name, width, sep,
                               f.special_use, count, number_or_dash(f.size));
            messages += f.messages.value_or(0);
            size += f.size.value_or(0);
        }
        out += fmt::format("{:<{}}  {:>3}  {:<9}  {:>8}  {:>12}\n", "total", width, "", "",
                           messages, size);
    }
    for (const auto& note : r.notes) {
        out += "note: " + note + "\n";
    }
    return out;
}

nlohmann::json probe_json(const ProbeReport& r) {
    nlohmann::json j;
    j["url"] = r.url;
    j["protocol"] = r.protocol;
    j["server"] = r.server;
    j["greeting"] = r.greeting.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.greeting);
    j["implementation"] =
        r.implementation.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.implementation);
    j["tls"] = {{"enabled", r.tls},
                {"mode", r.tls_mode},
                {"description", r.tls_description.empty() ? nlohmann::json(nullptr)
                                                          : nlohmann::json(r.tls_description)},
                {"certificate", r.certificate}};
    j["login_method"] = r.login_method;
    j["capabilities"] = r.capabilities;
    if (r.protocol == "pop3") {
        j["messages"] = or_null(r.message_count);
        j["size"] = or_null(r.total_size);
        j["uidl"] = or_null(r.uidl);
        j["top"] = or_null(r.top);
    } else {
        nlohmann::json folders = nlohmann::json::array();
        std::uint64_t messages = 0, size = 0;
        for (const auto& f : r.folders) {
            folders.push_back({
                {"name", f.name},
                {"separator", f.separator ? nlohmann::json(std::string(1, *f.separator))
                                          : nlohmann::json(nullptr)},
                {"special_use",
                 f.special_use.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.special_use)},
                {"selectable", f.selectable},
                {"messages", or_null(f.messages)},
                {"size", or_null(f.size)},
                {"error", f.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.error)},
            });
            messages += f.messages.value_or(0);
            size += f.size.value_or(0);
        }
        j["folders"] = std::move(folders);
        j["totals"] = {{"messages", messages}, {"size", size}};
        j["append_limit"] = or_null(r.append_limit);
        j["quota"] = r.quota_used && r.quota_limit
                         ? nlohmann::json{{"used", *r.quota_used}, {"limit", *r.quota_limit}}
                         : nlohmann::json(nullptr);
    }
    j["notes"] = r.notes;
    return j;
}

}  // namespace mailferry::cli
