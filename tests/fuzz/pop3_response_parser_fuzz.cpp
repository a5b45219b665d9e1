// POP3 response parser: never crashes and gives the same events whether the
// input arrives whole or one byte at a time. The first byte says which
// status lines expect a multi-line body; body lines go through the reply
// helpers.
#include "clients/pop3/replies.hpp"
#include "clients/pop3/response_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace mailferry::pop3;

std::vector<std::string> run(std::string_view input, unsigned pattern, std::size_t piece) {
    ParseLimits limits;
    limits.max_status_line = 256;
    ResponseParser parser(limits);
    unsigned statuses = 0;
    if (pattern & 1U) {
        parser.expect_multiline();
    }
    std::vector<std::string> events;
    std::string body;
    while (!input.empty()) {
        std::string_view in = input.substr(0, piece);
        input.remove_prefix(in.size());
        while (true) {
            const FeedResult r = parser.feed(in);
            if (r.consumed > in.size()) {
                std::abort();
            }
            in.remove_prefix(r.consumed);
            if (r.event == Event::need_more) {
                if (!in.empty()) {
                    std::abort();
                }
                break;
            }
            switch (r.event) {
                case Event::body_chunk:
                    body.append(r.chunk);
                    break;
                case Event::body_end:
                    for (std::string_view line : split_lines(body)) {
                        (void)parse_list_line(line);
                        (void)parse_uidl_line(line);
                        (void)parse_capa_line(line);
                    }
                    events.push_back("body " + body);
                    body.clear();
                    break;
                case Event::status:
                    (void)parse_stat(parser.status().text);
                    events.push_back(std::to_string(parser.status().ok) + parser.status().text +
                                     parser.status().code.value_or("-"));
                    ++statuses;
                    if (statuses < 8 && ((pattern >> statuses) & 1U)) {
                        parser.expect_multiline();
                    }
                    break;
                case Event::continuation:
                    events.push_back("+" + parser.continuation());
                    break;
                case Event::error:
                    events.push_back("error " + parser.error_message());
                    return events;
                default:
                    break;
            }
        }
    }
    events.push_back("rest " + body);
    return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const unsigned pattern = data[0];
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (run(input, pattern, input.size() + 1) != run(input, pattern, 1)) {
        std::abort();
    }
    return 0;
}
