#include "cli/progress.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cmath>
#include <iterator>

namespace mailferry::cli {

namespace {

constexpr auto redraw_interval = std::chrono::milliseconds(100);
constexpr auto log_interval = std::chrono::seconds(10);
constexpr std::size_t max_folder_width = 40;

std::string human_bytes(double n) {
    constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    while (n >= 1024.0 && unit + 1 < std::size(units)) {
        n /= 1024.0;
        ++unit;
    }
    return unit == 0 ? fmt::format("{:.0f} B", n) : fmt::format("{:.1f} {}", n, units[unit]);
}

std::string duration(double seconds) {
    const auto s = static_cast<long long>(std::llround(seconds));
    if (s >= 3600) {
        return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    }
    return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

std::string format_progress(const sync::Progress& p, double elapsed_s) {
    std::string line = fmt::format("{}/{} messages, {}/{}", p.messages_done, p.messages_total,
                                   human_bytes(static_cast<double>(p.bytes_done)),
                                   human_bytes(static_cast<double>(p.bytes_total)));
    if (elapsed_s >= 1.0 && p.bytes_done > 0) {
        const double rate = static_cast<double>(p.bytes_done) / elapsed_s;
        line += fmt::format(", {}/s", human_bytes(rate));
        if (p.bytes_total >= p.bytes_done) {
            const double left = static_cast<double>(p.bytes_total - p.bytes_done) / rate;
            line += fmt::format(", ETA {}", duration(left));
        }
    }
    if (!p.folder.empty()) {
        if (p.folder.size() > max_folder_width) {
            // Keep the end, the most specific part of the name; cut at a
            // UTF-8 character boundary.
            std::size_t cut = p.folder.size() - max_folder_width;
            while (cut < p.folder.size() &&
                   (static_cast<unsigned char>(p.folder[cut]) & 0xC0U) == 0x80U) {
                ++cut;
            }
            line += ", ..." + p.folder.substr(cut);
        } else {
            line += ", " + p.folder;
        }
    }
    return line;
}

ProgressDisplay::Mode ProgressDisplay::detect(bool quiet) {
    if (quiet) {
        return Mode::off;
    }
    return ::isatty(STDERR_FILENO) == 1 ? Mode::terminal : Mode::log;
}

ProgressDisplay::ProgressDisplay(Mode mode) : mode_(mode) {}

ProgressDisplay::~ProgressDisplay() {
    finish();
}

void ProgressDisplay::update(const sync::Progress& p) {
    if (mode_ == Mode::off) {
        return;
    }
    const auto now = Clock::now();
    if (!started_) {
        started_ = true;
        start_ = now;
        last_draw_ = now;
    }
    const bool complete = p.messages_total > 0 && p.messages_done == p.messages_total;
    const auto interval = mode_ == Mode::terminal
                              ? std::chrono::duration_cast<Clock::duration>(redraw_interval)
                              : std::chrono::duration_cast<Clock::duration>(log_interval);
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (mode_ == Mode::log && (now - last_draw_ < interval || !drawn_) &&
        now - last_debug_ >= redraw_interval && spdlog::should_log(spdlog::level::debug)) {
        // With -v every step shows (at most 10 a second), for scripts that
        // watch a run.
        last_debug_ = now;
        spdlog::debug("progress: {}", format_progress(p, elapsed));
    }
    if (now - last_draw_ < interval && !(complete && mode_ == Mode::terminal) && drawn_) {
        return;
    }
    if (mode_ == Mode::log && !drawn_ && now - start_ < interval) {
        // The first info line comes after one interval, so short runs stay quiet.
        return;
    }
    last_draw_ = now;
    const std::string line = format_progress(p, elapsed);
    if (mode_ == Mode::terminal) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
        std::fflush(stderr);
    } else {
        spdlog::info("progress: {}", line);
    }
    drawn_ = true;
}

void ProgressDisplay::finish() {
    if (mode_ == Mode::terminal && drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
    }
    drawn_ = false;
}

}  // namespace mailferry::cli
