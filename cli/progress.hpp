#pragma once
// Progress of a migration (SPEC.md, "Progress"): on a terminal, one line on
// stderr redrawn in place (at most 10 times a second) with messages and
// bytes done of the total, rate, ETA and the current folder; without a
// terminal, an info log line every 10 seconds instead.
//
// Called on the io_context thread from the executor's progress callback;
// each call is cheap when nothing is drawn.

#include "sync/migration.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace mailferry::cli {

// One progress line, e.g.
// "12/37 messages, 1.2 MiB/3.4 MiB, 250.0 KiB/s, ETA 0:09, Projects/2026".
// `elapsed_s` is the time since the first update; the rate and ETA are
// left out until there is something to measure.
std::string format_progress(const sync::Progress& p, double elapsed_s);

class ProgressDisplay {
  public:
    enum class Mode {
        off,       // -q, or nothing to show
        terminal,  // redraw one line on stderr
        log,       // periodic log lines
    };
    using Clock = std::chrono::steady_clock;

    // terminal when stderr is a terminal, log otherwise; off when quiet.
    static Mode detect(bool quiet);

    explicit ProgressDisplay(Mode mode);
    ~ProgressDisplay();
    ProgressDisplay(const ProgressDisplay&) = delete;
    ProgressDisplay& operator=(const ProgressDisplay&) = delete;

    void update(const sync::Progress& p);
    // Clears the terminal line so the report starts on a clean line.
    void finish();

  private:
    Mode mode_;
    bool started_ = false;
    bool drawn_ = false;
    Clock::time_point start_{};
    Clock::time_point last_draw_{};
    Clock::time_point last_debug_{};
};

}  // namespace mailferry::cli
