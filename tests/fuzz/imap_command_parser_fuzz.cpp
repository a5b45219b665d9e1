// IMAP command parser: no crash, no unbounded growth, and the same events
// whether the input comes whole or in two pieces split at a data-chosen
// offset. Small limits so the fuzzer reaches every limit quickly.
#include "contrib/testserver/imap/command_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mailferry::testserver::imap::Arg;
using mailferry::testserver::imap::Command;
using mailferry::testserver::imap::CommandLimits;
using mailferry::testserver::imap::CommandParser;

void describe(const Arg& arg, std::string& out) {
    out += static_cast<char>('0' + static_cast<int>(arg.kind));
    out += arg.text;
    out += '|';
    for (const auto& child : arg.children) {
        describe(child, out);
    }
    out += ')';
}

std::string run(std::string_view input, std::size_t split) {
    CommandLimits limits;
    limits.max_line = 64;
    limits.max_literal = 32;
    limits.max_command = 256;
    limits.max_depth = 4;
    limits.max_args = 16;
    CommandParser parser(limits);
    std::string log;
    std::string buffer;
    const std::string_view pieces[] = {input.substr(0, split), input.substr(split)};
    for (const auto piece : pieces) {
        buffer.append(piece);
        for (;;) {
            const auto result = parser.feed(buffer);
            if (result.consumed > buffer.size()) {
                std::abort();
            }
            buffer.erase(0, result.consumed);
            if (result.event == CommandParser::Event::need_more) {
                if (!buffer.empty()) {
                    std::abort();
                }
                break;
            }
            if (result.event == CommandParser::Event::command) {
                const Command command = parser.take_command();
                if (command.tag.empty() != command.name.empty()) {
                    std::abort();
                }
                log += "C" + command.tag + " " + command.name + ":";
                for (const auto& arg : command.args) {
                    describe(arg, log);
                }
                // As the session does: the line after IDLE or AUTHENTICATE
                // is raw continuation data.
                if (command.name == "IDLE" || command.name == "AUTHENTICATE") {
                    parser.expect_line();
                }
            } else if (result.event == CommandParser::Event::error) {
                log += "E" + parser.error().tag + ":" + parser.error().message;
                if (parser.error().fatal) {
                    log += "!";
                }
            } else {
                log += "+";
            }
            log += '\n';
        }
    }
    return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string whole = run(input, input.size());
    if (run(input, size / 2) != whole || run(input, size > 0 ? 1 : 0) != whole) {
        std::abort();
    }
    return 0;
}
