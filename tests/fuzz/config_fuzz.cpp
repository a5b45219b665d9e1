// The config's scheduler settings: each line of the input goes through
// parse_interval (a job's `interval`), parse_shard (--shard K/N) and
// shard_of (a job name). An accepted interval is within its documented
// range, an accepted shard reads back the same from its own decimal form,
// and a job's shard is below the shard count.
//
// The rest of the config (parse_config) is not fuzzed here: it formats its
// messages with fmt, and the TOML syntax is toml++'s, the packaged library,
// which tests/unit/config_test.cpp checks on the inputs known to break it.
#include "cli/interval.hpp"
#include "cli/shard.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

using namespace mailferry::cli;

void check_interval(std::string_view text) {
    try {
        const std::chrono::seconds interval = parse_interval(text);
        if (interval < std::chrono::seconds(1) || interval > std::chrono::days(365)) {
            std::abort();
        }
    } catch (const std::invalid_argument&) {
    }
}

void check_shard(std::string_view text) {
    try {
        const Shard shard = parse_shard(text);
        if (shard.count == 0 || shard.index >= shard.count) {
            std::abort();
        }
        const Shard again =
            parse_shard(std::to_string(shard.index) + "/" + std::to_string(shard.count));
        if (again.index != shard.index || again.count != shard.count) {
            std::abort();
        }
    } catch (const std::invalid_argument&) {
    }
}

void check_job_name(std::string_view name) {
    if (shard_of(name, 0) != 0) {
        std::abort();
    }
    for (const std::uint32_t count : {1U, 2U, 3U, 7U, 4294967295U}) {
        if (shard_of(name, count) >= count) {
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    while (true) {
        const std::size_t eol = text.find('\n');
        const std::string_view line = text.substr(0, eol);
        check_interval(line);
        check_shard(line);
        check_job_name(line);
        if (eol == std::string_view::npos) {
            return 0;
        }
        text.remove_prefix(eol + 1);
    }
}
