#include "cli/logging.hpp"

#include <fmt/format.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace mailferry::cli {

namespace {

constexpr std::string_view default_logger_name = "mailferry";
// Sinks, and so formatters, are shared by all loggers: a job logger carries
// its job in its name, which the formatters read back.
constexpr std::string_view job_logger_prefix = "mailferry job ";

std::optional<std::string_view> job_of(const spdlog::details::log_msg& msg) {
    const std::string_view name(msg.logger_name.data(), msg.logger_name.size());
    if (!name.starts_with(job_logger_prefix)) {
        return std::nullopt;
    }
    return name.substr(job_logger_prefix.size());
}

// %J in the text pattern: "[job NAME] " for a job logger's line, else nothing.
class JobPrefixFlag final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        if (const auto job = job_of(msg)) {
            constexpr std::string_view open = "[job ";
            constexpr std::string_view close = "] ";
            dest.append(open.data(), open.data() + open.size());
            dest.append(job->data(), job->data() + job->size());
            dest.append(close.data(), close.data() + close.size());
        }
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<JobPrefixFlag>();
    }
};

// One JSON object per line (--log-format json), for log collectors.
class JsonFormatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch())
                .count();
        const auto job = job_of(msg);
        nlohmann::json line = {
            {"time_ms", ms},
            {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                  spdlog::level::to_string_view(msg.level).size())},
            {"logger", job ? std::string(default_logger_name)
                           : std::string(msg.logger_name.data(), msg.logger_name.size())},
            {"msg", std::string(msg.payload.data(), msg.payload.size())},
        };
        if (job) {
            line["job"] = std::string(*job);
        }
        const std::string text =
            line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        dest.append(text.data(), text.data() + text.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JsonFormatter>();
    }
};

struct JobLoggers {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> by_name;
};

// What configure_logging set last; report_failure follows it.
bool json_format = false;

JobLoggers& job_loggers() {
    static JobLoggers loggers;
    return loggers;
}

void follow(spdlog::logger& job, const spdlog::logger& base) {
    job.sinks() = base.sinks();
    job.set_level(base.level());
    job.flush_on(base.flush_level());
}

}  // namespace

void add_log_options(CLI::App& cmd, LogOptions& options) {
    cmd.add_flag("-v,--verbose", options.verbose, "More detail (-vv for protocol traces)");
    cmd.add_flag("-q,--quiet", options.quiet, "Only warnings and errors");
    cmd.add_option("--log-format", options.format, "Log line format: text or json")
        ->check(CLI::IsMember({"text", "json"}));
}

void configure_logging(const LogOptions& options) {
    auto logger = spdlog::get(std::string(default_logger_name));
    if (!logger) {
        logger = spdlog::stderr_color_mt(std::string(default_logger_name));
    }
    json_format = options.format == "json";
    if (json_format) {
        logger->set_formatter(std::make_unique<JsonFormatter>());
    } else {
        auto formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<JobPrefixFlag>('J').set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %J%v");
        logger->set_formatter(std::move(formatter));
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

    JobLoggers& jobs = job_loggers();
    const std::lock_guard lock(jobs.mutex);
    for (auto& [name, job] : jobs.by_name) {
        follow(*job, *logger);
    }
}

std::shared_ptr<spdlog::logger> job_logger(std::string_view job) {
    JobLoggers& jobs = job_loggers();
    const std::lock_guard lock(jobs.mutex);
    if (const auto it = jobs.by_name.find(job); it != jobs.by_name.end()) {
        return it->second;
    }
    auto logger =
        std::make_shared<spdlog::logger>(std::string(job_logger_prefix) + std::string(job));
    follow(*logger, *spdlog::default_logger());
    jobs.by_name.emplace(std::string(job), logger);
    return logger;
}

void report_failure(std::string_view command, std::string_view message) {
    const std::string line = command.empty() ? fmt::format("mailferry: {}", message)
                                             : fmt::format("mailferry {}: {}", command, message);
    auto logger = spdlog::get(std::string(default_logger_name));
    if (!json_format || !logger) {
        std::fprintf(stderr, "%s\n", line.c_str());
        std::fflush(stderr);
        return;
    }
    logger->error("{}", line);
    logger->flush();
}

namespace {
constexpr std::string_view insecure_consequence =
    "TLS certificates are not verified; anyone on the path can read the passwords and the mail";
}

void warn_insecure() {
    spdlog::warn("--insecure: {}", insecure_consequence);
}

void warn_insecure(std::string_view job) {
    job_logger(job)->warn("insecure = true: {}", insecure_consequence);
}

}  // namespace mailferry::cli
