// Form decoding of the test server's token endpoint: never crash, and every
// decoded form survives a round trip through a full percent-encoding.
#include "contrib/testserver/oauth2/form_decoding.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace mailferry::testserver::oauth2;

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

std::string encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto octet = static_cast<unsigned char>(c);
        out += '%';
        out += hex[octet >> 4];
        out += hex[octet & 0x0F];
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const DecodedForm form = decode_form(input);
    if (form.error != FormError::none) {
        check(!form.error_name.empty() || form.error == FormError::duplicate_name);
        return 0;
    }
    std::string again;
    for (const auto& [name, value] : form.fields) {
        again += encode(name) + "=" + encode(value) + "&";
    }
    const DecodedForm second = decode_form(again);
    check(second.error == FormError::none);
    // An empty name with an empty value is an empty pair, which is skipped.
    auto expected = form.fields;
    expected.erase("");
    auto got = second.fields;
    got.erase("");
    check(got == expected);
    return 0;
}
