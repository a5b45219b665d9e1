#include "cli/logging.hpp"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace mailferry::cli {

namespace {

// One JSON object per line (--log-format json), for log collectors.
class JsonFormatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch())
                .count();
        nlohmann::json line = {
            {"time_ms", ms},
            {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                  spdlog::level::to_string_view(msg.level).size())},
            {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
            {"msg", std::string(msg.payload.data(), msg.payload.size())},
        };
        const std::string text =
            line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        dest.append(text.data(), text.data() + text.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JsonFormatter>();
    }
};

}  // namespace

void add_log_options(CLI::App& cmd, LogOptions& options) {
    cmd.add_flag("-v,--verbose", options.verbose, "More detail (-vv for protocol traces)");
    cmd.add_flag("-q,--quiet", options.quiet, "Only warnings and errors");
    cmd.add_option("--log-format", options.format, "Log line format: text or json")
        ->check(CLI::IsMember({"text", "json"}));
}

void configure_logging(const LogOptions& options) {
    auto logger = spdlog::get("mailferry");
    if (!logger) {
        logger = spdlog::stderr_color_mt("mailferry");
    }
    if (options.format == "json") {
        logger->set_formatter(std::make_unique<JsonFormatter>());
    } else {
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    }
    if (options.quiet) {
        logger->set_level(spdlog::level::warn);
    } else if (options.verbose >= 2) {
        logger->set_level(spdlog::level::trace);
    } else if (options.verbose == 1) {
        logger->set_level(spdlog::level::debug);
    } else {
        logger->set_level(spdlog::level::info);
    }
    spdlog::set_default_logger(logger);
}

}  // namespace mailferry::cli
