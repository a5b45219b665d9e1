#pragma once
// The protocol lines the clients log at trace level ("HOST:PORT C: ..."),
// captured for tests that assert what went over the wire.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::test {

// Captures every protocol line the clients log (trace level) while alive.
class ProtocolTrace {
  public:
    ProtocolTrace() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_);
        auto logger = std::make_shared<spdlog::logger>("trace", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~ProtocolTrace() { spdlog::set_default_logger(previous_); }
    ProtocolTrace(const ProtocolTrace&) = delete;
    ProtocolTrace& operator=(const ProtocolTrace&) = delete;

    // Where the first command sent to `port` that contains `text` is among
    // all the logged lines (both sides, in the order sent and handled), at
    // line `from` or later; npos if none. `direction` "S: " looks for a line
    // the server sent instead.
    std::size_t position_of(std::uint16_t port, std::string_view text, std::size_t from = 0,
                            std::string_view direction = "C: ") const {
        const std::string marker = ":" + std::to_string(port) + " " + std::string(direction);
        std::istringstream in(lines_.str());
        std::size_t index = 0;
        for (std::string line; std::getline(in, line); ++index) {
            const auto pos = line.find(marker);
            if (index >= from && pos != std::string::npos &&
                line.find(text, pos) != std::string::npos) {
                return index;
            }
        }
        return std::string::npos;
    }

    // The tag of the first command sent to `port` that contains `text`
    // ("A0007"); empty if none.
    std::string tag_of(std::uint16_t port, std::string_view text) const {
        for (const std::string& command : commands_to(port)) {
            if (command.find(text) != std::string::npos) {
                return command.substr(0, command.find(' '));
            }
        }
        return {};
    }

    // The commands sent to `port`.
    std::vector<std::string> commands_to(std::uint16_t port) const {
        std::vector<std::string> out;
        for (std::string& line : exchange_with(port)) {
            if (line.starts_with("C: ")) {
                out.push_back(line.substr(3));
            }
        }
        return out;
    }

    // What went to and came from `port`, in order: "C: ..." and "S: ..."
    // lines.
    std::vector<std::string> exchange_with(std::uint16_t port) const {
        const std::string marker = ":" + std::to_string(port) + " ";
        std::vector<std::string> out;
        std::istringstream in(lines_.str());
        for (std::string line; std::getline(in, line);) {
            const auto pos = line.find(marker);
            if (pos == std::string::npos) {
                continue;
            }
            std::string rest = line.substr(pos + marker.size());
            if (rest.starts_with("C: ") || rest.starts_with("S: ")) {
                out.push_back(std::move(rest));
            }
        }
        return out;
    }

  private:
    std::ostringstream lines_;
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace mailferry::test
