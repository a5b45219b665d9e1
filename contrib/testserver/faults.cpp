#include "contrib/testserver/faults.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

namespace mailferry::testserver {

namespace {

std::uint64_t parse_count(std::string_view key, std::string_view value, bool allow_zero) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || (!allow_zero && n == 0)) {
        throw std::invalid_argument("fault '" + std::string(key) + "' needs a whole number" +
                                    (allow_zero ? "" : " from 1") + ", got '" + std::string(value) +
                                    "'");
    }
    return n;
}

}  // namespace

FaultPlan FaultPlan::parse(std::string_view spec) {
    FaultPlan plan;
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
        if (item.empty()) {
            continue;
        }
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            throw std::invalid_argument("fault '" + std::string(item) + "' needs a value (KEY=N)");
        }
        const std::string_view key = item.substr(0, eq);
        const std::string_view value = item.substr(eq + 1);
        if (key == "drop-after-commands") {
            plan.drop_after_commands = parse_count(key, value, false);
        } else if (key == "drop-after-bytes") {
            plan.drop_after_bytes = parse_count(key, value, false);
        } else if (key == "no-append") {
            plan.no_append = parse_count(key, value, false);
        } else if (key == "bye-in-fetch") {
            plan.bye_in_fetch = parse_count(key, value, false);
        } else if (key == "uid-last" || key == "no-uidl") {
            const std::uint64_t on = parse_count(key, value, true);
            if (on > 1) {
                throw std::invalid_argument("fault '" + std::string(key) + "' needs 0 or 1, got '" +
                                            std::string(value) + "'");
            }
            (key == "uid-last" ? plan.uid_last : plan.no_uidl) = on == 1;
        } else if (key == "delay-ms") {
            plan.delay = std::chrono::milliseconds(parse_count(key, value, true));
        } else {
            throw std::invalid_argument("unknown fault '" + std::string(key) +
                                        "' (known: drop-after-commands, drop-after-bytes, "
                                        "delay-ms, no-append, bye-in-fetch, uid-last, no-uidl)");
        }
    }
    return plan;
}

bool FaultInjector::on_command() {
    ++commands_;
    return plan_.drop_after_commands && commands_ == *plan_.drop_after_commands;
}

std::uint64_t FaultInjector::allow_write(std::uint64_t n) {
    const std::uint64_t before = bytes_;
    bytes_ += n;
    if (plan_.drop_after_bytes && before < *plan_.drop_after_bytes &&
        bytes_ >= *plan_.drop_after_bytes) {
        return *plan_.drop_after_bytes - before;
    }
    return n;
}

bool FaultInjector::on_append() {
    ++appends_;
    return plan_.no_append && appends_ == *plan_.no_append;
}

bool FaultInjector::on_fetch() {
    ++fetches_;
    return plan_.bye_in_fetch && fetches_ == *plan_.bye_in_fetch;
}

}  // namespace mailferry::testserver
