// Modified UTF-7: decode must never crash, a decoded name must encode back to
// the same octets (canonical form), and encoding any bytes must yield a name
// that decodes.
#include "clients/wire/modified_utf7.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    namespace mutf7 = mailferry::wire::modified_utf7;
    if (const auto utf8 = mutf7::decode(input)) {
        if (mutf7::encode(*utf8) != input) {
            std::abort();
        }
    }
    const auto name = mutf7::encode(input);
    if (!mutf7::decode(name)) {
        std::abort();
    }
    if (const auto strict = mutf7::try_encode(input)) {
        if (*strict != name || *mutf7::decode(name) != input) {
            std::abort();
        }
    }
    return 0;
}
