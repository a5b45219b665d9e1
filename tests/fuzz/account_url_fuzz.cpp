// Account URLs: parsing never crashes, and a parsed URL printed with
// to_string() parses back to the same account (less the password).
#include "clients/wire/account_url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mailferry::wire;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    (void)redact_account_url(input);
    const AccountUrlParse parsed = parse_account_url(input);
    if (parsed.url.has_value() == !parsed.error.empty()) {
        std::abort();
    }
    if (!parsed.url) {
        return 0;
    }
    (void)parsed.url->is_loopback();
    const AccountUrlParse again = parse_account_url(parsed.url->to_string());
    if (!again.url) {
        std::abort();
    }
    AccountUrl expected = *parsed.url;
    expected.password.reset();
    if (!(*again.url == expected)) {
        std::abort();
    }
    return 0;
}
