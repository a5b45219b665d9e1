#pragma once
// application/x-www-form-urlencoded bodies (HTML "URL-encoded form data", as
// RFC 6749 §4.1.3 / appendix B and RFC 7662 §2.1 use them): name=value pairs
// joined by '&', '+' meaning a space and %XX an octet. Pure; no limits of its
// own (the HTTP body limit bounds the input).

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::testserver::oauth2 {

enum class FormError {
    none = 0,
    bad_escape,      // '%' not followed by two hex digits
    duplicate_name,  // a name given twice (RFC 6749 §3.1: parameters MUST NOT repeat)
};

struct DecodedForm {
    std::map<std::string, std::string> fields;  // decoded names -> decoded values
    FormError error = FormError::none;
    std::string error_name;  // the offending name (duplicate_name) or raw pair (bad_escape)
};

// One component: '+' -> ' ', %XX -> octet XX. std::nullopt on a bad escape.
std::optional<std::string> form_unescape(std::string_view text);

// A whole body. Empty pairs ("a=1&&b=2") are skipped; a pair without '='
// is a name with an empty value. Decoding stops at the first error.
DecodedForm decode_form(std::string_view body);

// The decoded value of `name`, or std::nullopt when absent.
std::optional<std::string> form_field(const DecodedForm& form, const std::string& name);

}  // namespace mailferry::testserver::oauth2
