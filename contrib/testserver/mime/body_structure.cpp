// RFC 3501 §7.4.2 BODY and BODYSTRUCTURE: the body-type-1part /
// body-type-mpart grammar of §9, extension data only for BODYSTRUCTURE.
#include <algorithm>

#include "clients/wire/ascii.hpp"
#include "contrib/testserver/mime/detail/envelope.hpp"
#include "contrib/testserver/mime/detail/header_fields.hpp"
#include "contrib/testserver/mime/detail/imap_string.hpp"
#include "contrib/testserver/mime/message.hpp"

namespace mailferry::testserver::mime {

namespace {

using detail::append_nstring;
using detail::append_string;
using detail::find_field;

std::optional<std::string> field_text(const BodyPart& part, std::string_view name) {
    const HeaderField* field = find_field(part.fields, name);
    if (field == nullptr) {
        return std::nullopt;
    }
    return detail::unfold(field->value);
}

// body-fld-param: ("NAME" "value" ...) or NIL.
void append_params(std::string& out,
                   const std::vector<std::pair<std::string, std::string>>& params) {
    if (params.empty()) {
        out += "NIL";
        return;
    }
    out += '(';
    bool first = true;
    for (const auto& [name, value] : params) {
        if (!first) {
            out += ' ';
        }
        first = false;
        append_string(out, name);
        out += ' ';
        append_string(out, value);
    }
    out += ')';
}

// body-fld-dsp (RFC 2183 Content-Disposition): ("TYPE" params) or NIL.
void append_disposition(std::string& out, const BodyPart& part) {
    const HeaderField* field = find_field(part.fields, "Content-Disposition");
    if (field == nullptr) {
        out += "NIL";
        return;
    }
    const detail::ParameterizedValue value = detail::parse_parameterized(field->value);
    if (value.primary.empty()) {
        out += "NIL";
        return;
    }
    out += '(';
    append_string(out, wire::to_ascii_upper(value.primary));
    out += ' ';
    append_params(out, value.params);
    out += ')';
}

// body-fld-lang (RFC 3282 Content-Language): always the list form, as
// Dovecot writes it.
void append_language(std::string& out, const BodyPart& part) {
    const std::optional<std::string> value = field_text(part, "Content-Language");
    std::vector<std::string> tags;
    if (value) {
        std::string tag;
        for (char c : *value + ",") {
            if (c == ',') {
                if (!tag.empty()) {
                    tags.push_back(std::move(tag));
                }
                tag.clear();
            } else if (c != ' ' && c != '\t') {
                tag += c;
            }
        }
    }
    if (tags.empty()) {
        out += "NIL";
        return;
    }
    out += '(';
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        append_string(out, tags[i]);
    }
    out += ')';
}

// disposition, language and location, shared by both part kinds.
void append_common_extension(std::string& out, const BodyPart& part) {
    out += ' ';
    append_disposition(out, part);
    out += ' ';
    append_language(out, part);
    out += ' ';
    append_nstring(out, field_text(part, "Content-Location"));
}

// body-fld-lines: the number of line breaks, as Dovecot counts them; inside
// a multipart the CRLF before the boundary belongs to the boundary
// (RFC 2046 §5.1.1), so a part's last line is not counted.
std::size_t count_lines(std::string_view body) {
    return static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n'));
}

void append_body(std::string& out, std::string_view bytes, const BodyPart& part, bool extensible) {
    out += '(';
    if (part.is_multipart()) {
        for (const BodyPart& child : part.children) {
            append_body(out, bytes, child, extensible);
        }
        out += ' ';
        append_string(out, part.subtype);
        if (extensible) {
            out += ' ';
            append_params(out, part.params);
            append_common_extension(out, part);
        }
        out += ')';
        return;
    }
    append_string(out, part.type);
    out += ' ';
    append_string(out, part.subtype);
    out += ' ';
    if (part.params.empty() && part.type == "TEXT") {
        out += "(\"CHARSET\" \"us-ascii\")";  // RFC 2045 §5.2 default
    } else {
        append_params(out, part.params);
    }
    out += ' ';
    append_nstring(out, field_text(part, "Content-ID"));
    out += ' ';
    append_nstring(out, field_text(part, "Content-Description"));
    out += ' ';
    // RFC 2045 §6.1: a token, comments allowed; 7BIT when absent.
    std::string encoding;
    if (const HeaderField* field = find_field(part.fields, "Content-Transfer-Encoding")) {
        encoding = wire::to_ascii_upper(detail::parse_parameterized(field->value).primary);
    }
    append_string(out, encoding.empty() ? "7BIT" : encoding);
    const std::string_view body = bytes.substr(part.body_begin, part.body_end - part.body_begin);
    out += ' ';
    out += std::to_string(body.size());
    if (part.is_message_rfc822() && !part.children.empty()) {
        out += ' ';
        detail::append_envelope(out, part.children.front());
        out += ' ';
        append_body(out, bytes, part.children.front(), extensible);
        out += ' ';
        out += std::to_string(count_lines(body));
    } else if (part.type == "TEXT") {
        out += ' ';
        out += std::to_string(count_lines(body));
    }
    if (extensible) {
        out += ' ';
        append_nstring(out, field_text(part, "Content-MD5"));
        append_common_extension(out, part);
    }
    out += ')';
}

}  // namespace

std::string ParsedMessage::body_structure(bool extensible) const {
    std::string out;
    append_body(out, message_, root_, extensible);
    return out;
}

}  // namespace mailferry::testserver::mime
