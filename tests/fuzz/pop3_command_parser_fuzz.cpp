// POP3 command parser: never crash, always make progress, and give the same
// events whether the input comes whole or in the chunk sizes the first byte
// picks; every command it accepts respects the limits.
#include "contrib/testserver/pop3/command_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mailferry::testserver::pop3::CommandLimits;
using mailferry::testserver::pop3::CommandParser;

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

std::vector<std::string> run(std::string_view input, std::size_t chunk) {
    const CommandLimits limits;
    CommandParser parser(limits);
    std::vector<std::string> events;
    for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
        std::string_view piece = input.substr(pos, chunk);
        while (!piece.empty()) {
            const auto result = parser.feed(piece);
            check(result.consumed > 0 && result.consumed <= piece.size());
            piece.remove_prefix(result.consumed);
            if (result.event == CommandParser::Event::command) {
                const auto& cmd = parser.command();
                check(cmd.keyword.size() >= 3 && cmd.keyword.size() <= 4);
                std::size_t line = cmd.keyword.size() + 2;
                std::string text = cmd.keyword;
                for (std::size_t i = 0; i < cmd.args.size(); ++i) {
                    const bool exempt = cmd.keyword == "PASS" || (cmd.keyword == "AUTH" && i == 1);
                    check(exempt || cmd.args[i].size() <= limits.max_argument);
                    line += cmd.args[i].size() + 1;
                    text += '|' + cmd.args[i];
                }
                check(line <= limits.max_line);
                events.push_back("C" + text);
                if (cmd.keyword == "AUTH" && cmd.args.size() == 1) {
                    parser.expect_response();
                }
            } else if (result.event == CommandParser::Event::response) {
                check(parser.response().size() + 2 <= limits.max_response);
                events.push_back("R" + parser.response());
            } else if (result.event == CommandParser::Event::error) {
                events.push_back("E" + std::to_string(static_cast<int>(parser.error())));
            } else {
                check(piece.empty());
            }
        }
    }
    return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t chunk = data[0] % 16 + 1;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    check(run(input, input.size() + 1) == run(input, chunk));
    return 0;
}
