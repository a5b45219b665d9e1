// Parses arbitrary bytes as a message and renders every FETCH item the IMAP
// test server derives from it; sanitizers catch out-of-bounds reads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "contrib/testserver/mime/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace mime = mailferry::testserver::mime;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const mime::ParsedMessage message(bytes);
    static_cast<void>(message.envelope());
    static_cast<void>(message.body_structure(true));
    static_cast<void>(message.body_structure(false));
    static_cast<void>(message.date());
    static_cast<void>(message.header("Subject"));
    for (std::string_view spec :
         {"", "HEADER", "TEXT", "1", "1.MIME", "2", "1.1", "2.HEADER", "1.TEXT", "2.1.2",
          "HEADER.FIELDS (FROM TO)", "1.HEADER.FIELDS.NOT (SUBJECT)"}) {
        static_cast<void>(message.section(spec));
    }
    // The first line doubles as a section spec and a date, so those parsers
    // see arbitrary input too.
    const std::string_view first = bytes.substr(0, bytes.find('\n'));
    static_cast<void>(message.section(first));
    static_cast<void>(mime::parse_rfc5322_date(first));
    return 0;
}
