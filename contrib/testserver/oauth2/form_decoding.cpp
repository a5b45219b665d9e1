#include "contrib/testserver/oauth2/form_decoding.hpp"

namespace mailferry::testserver::oauth2 {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::optional<std::string> form_unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

DecodedForm decode_form(std::string_view body) {
    DecodedForm form;
    while (!body.empty()) {
        const auto amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto eq = pair.find('=');
        const auto name = form_unescape(pair.substr(0, eq));
        const auto value =
            form_unescape(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (!name || !value) {
            form.error = FormError::bad_escape;
            form.error_name = std::string(pair);
            return form;
        }
        if (!form.fields.emplace(*name, *value).second) {
            form.error = FormError::duplicate_name;
            form.error_name = *name;
            return form;
        }
    }
    return form;
}

std::optional<std::string> form_field(const DecodedForm& form, const std::string& name) {
    const auto it = form.fields.find(name);
    if (it == form.fields.end()) {
        return std::nullopt;
    }
    return it->second;
}

}  // namespace mailferry::testserver::oauth2
