#include "contrib/testserver/faults.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
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

constexpr std::pair<std::string_view, FaultEffect> effect_names[] = {
    {"drop", FaultEffect::drop},
    {"bye", FaultEffect::bye},
    {"no", FaultEffect::no},
    {"stall", FaultEffect::stall},
};
constexpr std::pair<std::string_view, FaultTiming> timing_names[] = {
    {"", FaultTiming::instead},
    {"-after", FaultTiming::after},
    {"-mid", FaultTiming::mid},
    {"-answered", FaultTiming::answered},
};

template <typename Table, typename Value>
std::string_view name_of(const Table& table, Value value) {
    for (const auto& [name, v] : table) {
        if (v == value) {
            return name;
        }
    }
    return {};
}

// "VERB:N:ACTION".
VerbFault parse_verb_fault(std::string_view value) {
    const auto bad = [&](const std::string& why) {
        return std::invalid_argument("fault 'at=" + std::string(value) + "': " + why +
                                     " (the form is at=VERB:N:ACTION, e.g. at=APPEND:3:drop)");
    };
    const auto first = value.find(':');
    const auto second = first == std::string_view::npos ? first : value.find(':', first + 1);
    if (second == std::string_view::npos || first == 0) {
        throw bad("needs a verb, a count and an action");
    }
    VerbFault fault;
    fault.verb = wire::to_ascii_upper(value.substr(0, first));
    fault.nth = parse_count("at", value.substr(first + 1, second - first - 1), false);
    const std::string_view action = value.substr(second + 1);
    const auto dash = action.find('-');
    const std::string_view effect = action.substr(0, dash);
    const std::string_view timing = dash == std::string_view::npos ? "" : action.substr(dash);
    const auto* e = std::find_if(std::begin(effect_names), std::end(effect_names),
                                 [&](const auto& entry) { return entry.first == effect; });
    const auto* t = std::find_if(std::begin(timing_names), std::end(timing_names),
                                 [&](const auto& entry) { return entry.first == timing; });
    if (e == std::end(effect_names) || t == std::end(timing_names)) {
        throw bad("unknown action '" + std::string(action) +
                  "' (known: drop, bye, no, stall, each but no optionally with -after, -mid or "
                  "-answered)");
    }
    fault.effect = e->second;
    fault.timing = t->second;
    if ((fault.effect == FaultEffect::no && fault.timing != FaultTiming::instead) ||
        (fault.effect == FaultEffect::bye && fault.timing == FaultTiming::mid)) {
        throw bad("'" + std::string(action) + "' cannot happen on the wire");
    }
    return fault;
}

// "N/MS".
RateLimit parse_rate(std::string_view key, std::string_view value) {
    const auto slash = value.find('/');
    if (slash == std::string_view::npos) {
        throw std::invalid_argument("fault '" + std::string(key) + "=" + std::string(value) +
                                    "' needs the form " + std::string(key) +
                                    "=N/MS (N per MS milliseconds, e.g. 50/1000)");
    }
    RateLimit rate;
    rate.limit = parse_count(key, value.substr(0, slash), false);
    rate.refusal = std::chrono::milliseconds(parse_count(key, value.substr(slash + 1), false));
    return rate;
}

}  // namespace

std::string VerbFault::describe() const {
    return "at=" + verb + ":" + std::to_string(nth) + ":" +
           std::string(name_of(effect_names, effect)) + std::string(name_of(timing_names, timing));
}

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
        } else if (key == "random") {
            const auto colon = value.find(':');
            if (colon == std::string_view::npos) {
                throw std::invalid_argument("fault 'random=" + std::string(value) +
                                            "' needs the form random=SEED:PERMILLE");
            }
            plan.random_seed = parse_count(key, value.substr(0, colon), true);
            const std::uint64_t permille = parse_count(key, value.substr(colon + 1), true);
            if (permille > 1000) {
                throw std::invalid_argument("fault 'random=" + std::string(value) +
                                            "': PERMILLE is at most 1000");
            }
            plan.random_permille = static_cast<std::uint32_t>(permille);
        } else if (key == "at") {
            plan.at.push_back(parse_verb_fault(value));
        } else if (key == "throttle") {
            plan.throttle_commands = parse_rate(key, value);
        } else if (key == "throttle-bytes") {
            plan.throttle_bytes = parse_rate(key, value);
        } else if (key == "throttle-action") {
            if (value != "no" && value != "bye") {
                throw std::invalid_argument("fault 'throttle-action' is no or bye, got '" +
                                            std::string(value) + "'");
            }
            plan.throttle_action = value == "bye" ? ThrottleAction::bye : ThrottleAction::no;
        } else if (key == "max-connections") {
            plan.max_connections = parse_count(key, value, false);
        } else if (key == "delay-ms") {
            plan.delay = std::chrono::milliseconds(parse_count(key, value, true));
        } else {
            throw std::invalid_argument(
                "unknown fault '" + std::string(key) +
                "' (known: drop-after-commands, drop-after-bytes, "
                "delay-ms, no-append, bye-in-fetch, uid-last, no-uidl, at, random, "
                "throttle, throttle-bytes, throttle-action, max-connections)");
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

std::optional<VerbFault> FaultInjector::on_verb(std::string_view verb) {
    if (plan_.at.empty() && !plan_.random_seed) {
        return std::nullopt;
    }
    const std::string upper = wire::to_ascii_upper(verb);
    auto counter = verbs_.find(upper);
    if (counter == verbs_.end()) {
        counter = verbs_.emplace(upper, 0).first;
    }
    const std::uint64_t count = ++counter->second;
    for (const VerbFault& fault : plan_.at) {
        if (fault.verb == upper && fault.nth == count) {
            return fault;
        }
    }
    if (plan_.random_seed && random_() % 1000 < plan_.random_permille) {
        // Faults a client must survive without a timeout: no stall.
        static constexpr std::pair<FaultEffect, FaultTiming> choices[] = {
            {FaultEffect::drop, FaultTiming::instead}, {FaultEffect::bye, FaultTiming::instead},
            {FaultEffect::no, FaultTiming::instead},   {FaultEffect::drop, FaultTiming::after},
            {FaultEffect::drop, FaultTiming::mid},
        };
        const auto& [effect, timing] = choices[random_() % std::size(choices)];
        return VerbFault{upper, count, effect, timing};
    }
    return std::nullopt;
}

bool FaultInjector::over(Window& w, const RateLimit& rate, std::uint64_t amount,
                         std::chrono::steady_clock::time_point now) {
    const bool refusals_ended = w.refusing_since && now - *w.refusing_since >= rate.refusal;
    const bool paused = !w.refusing_since && w.used > 0 && now - w.last >= rate.refusal;
    if (refusals_ended || paused) {
        w = Window{};
    }
    if (w.used >= rate.limit) {
        if (!w.refusing_since) {
            w.refusing_since = now;
        }
        return true;
    }
    w.used += amount;
    w.last = now;
    return false;
}

bool FaultInjector::throttles(std::string_view user, std::uint64_t octets,
                              std::chrono::steady_clock::time_point now) {
    if (!plan_.throttle_commands && !plan_.throttle_bytes) {
        return false;
    }
    auto load = users_.find(user);
    if (load == users_.end()) {
        load = users_.emplace(std::string(user), UserLoad{}).first;
    }
    // Both limits are looked at (and counted) for every command, so one
    // being hit does not leave the other's use unaccounted.
    const bool commands =
        plan_.throttle_commands && over(load->second.commands, *plan_.throttle_commands, 1, now);
    const bool bytes =
        plan_.throttle_bytes && over(load->second.bytes, *plan_.throttle_bytes, octets, now);
    if (commands || bytes) {
        ++throttled_;
        return true;
    }
    return false;
}

bool FaultInjector::take_connection(std::string_view user) {
    if (!plan_.max_connections) {
        return true;
    }
    auto load = users_.find(user);
    if (load == users_.end()) {
        load = users_.emplace(std::string(user), UserLoad{}).first;
    }
    if (load->second.connections >= *plan_.max_connections) {
        ++logins_refused_;
        return false;
    }
    ++load->second.connections;
    return true;
}

void FaultInjector::release_connection(std::string_view user) {
    if (auto load = users_.find(user); load != users_.end() && load->second.connections > 0) {
        --load->second.connections;
    }
}

}  // namespace mailferry::testserver
