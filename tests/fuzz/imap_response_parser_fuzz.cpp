// IMAP response parser: never crashes, gives the same events whether the
// input arrives whole or one byte at a time, and the typed views accept or
// reject any response without crashing.
#include "clients/imap/response_parser.hpp"
#include "clients/imap/response_views.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace mailferry::imap;

void exercise_views(const Response& r) {
    (void)parse_status(r);
    if (r.code) {
        (void)code_number(*r.code);
        (void)code_atoms(*r.code);
        (void)parse_appenduid(*r.code);
        (void)parse_copyuid(*r.code);
    }
    (void)parse_capability(r);
    (void)parse_list(r);
    (void)parse_status_data(r);
    (void)parse_search(r);
    (void)parse_esearch(r);
    (void)parse_flags(r);
    (void)parse_message_count(r);
    (void)parse_vanished(r);
    (void)parse_fetch(r);
    (void)parse_namespace(r);
    (void)parse_enabled(r);
    (void)parse_id(r);
}

std::vector<std::string> run(std::string_view input, std::size_t piece) {
    ParseLimits limits;
    limits.inline_literal_max = 16;
    limits.max_line_length = 512;
    limits.max_depth = 16;
    limits.max_literal_size = 4096;
    limits.max_response_size = 8192;
    ResponseParser parser(limits);
    std::vector<std::string> events;
    std::string chunks;
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
            if (r.event == Event::literal_chunk) {
                chunks.append(r.chunk);
                continue;
            }
            if (!chunks.empty()) {
                events.push_back("chunk " + chunks);
                chunks.clear();
            }
            if (r.event == Event::response) {
                exercise_views(parser.response());
                events.push_back(to_imap_text(parser.response().data) + "|" +
                                 parser.response().text + "|" + parser.response().tag);
            } else if (r.event == Event::error) {
                events.push_back("error " + parser.error_message());
                return events;
            } else {
                const LiteralInfo& l = parser.literal();
                events.push_back(std::to_string(static_cast<int>(r.event)) + l.item +
                                 (l.uid ? " uid " + std::to_string(*l.uid) : ""));
            }
        }
    }
    if (!chunks.empty()) {
        events.push_back("chunk " + chunks);
    }
    return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (run(input, input.size() + 1) != run(input, 1)) {
        std::abort();
    }
    return 0;
}
