#include "contrib/testserver/mime/message.hpp"

#include <algorithm>

#include "clients/wire/ascii.hpp"
#include "contrib/testserver/mime/detail/header_fields.hpp"

namespace mailferry::testserver::mime {

namespace {

using detail::find_field;

// Deeper multipart / message nesting is treated as an opaque text part, which
// bounds recursion here and in every walk over the tree.
constexpr int max_depth = 50;

void make_plain_text(BodyPart& part) {
    part.type = "TEXT";
    part.subtype = "PLAIN";
    part.params.clear();
    part.children.clear();
}

// RFC 2045 §5.1 / §5.2: a missing or unparsable Content-Type means the
// default, which inside multipart/digest is message/rfc822 (RFC 2046 §5.1.5).
void apply_content_type(BodyPart& part, bool digest_child) {
    if (digest_child) {
        part.type = "MESSAGE";
        part.subtype = "RFC822";
    }
    const HeaderField* field = find_field(part.fields, "Content-Type");
    if (field == nullptr) {
        return;
    }
    detail::ParameterizedValue value = detail::parse_parameterized(field->value);
    if (value.primary.empty() || !value.secondary || value.secondary->empty()) {
        make_plain_text(part);
        return;
    }
    part.type = wire::to_ascii_upper(value.primary);
    part.subtype = wire::to_ascii_upper(*value.secondary);
    part.params = std::move(value.params);
}

struct Delimiter {
    std::size_t line_begin = 0;  // where "--boundary" starts
    std::size_t next = 0;        // just past the delimiter line
    bool close = false;          // "--boundary--"
};

// RFC 2046 §5.1.1: a delimiter line is "--" boundary, "--" for the close
// delimiter, then only transport padding (blanks).
bool matches_delimiter(std::string_view line, std::string_view boundary, bool& close) {
    if (line.size() < boundary.size() + 2 || line.substr(0, 2) != "--" ||
        line.substr(2, boundary.size()) != boundary) {
        return false;
    }
    std::string_view rest = line.substr(boundary.size() + 2);
    close = rest.substr(0, 2) == "--";
    if (close) {
        rest.remove_prefix(2);
    }
    for (char c : rest) {
        if (c != ' ' && c != '\t') {
            return false;
        }
    }
    return true;
}

std::vector<Delimiter> find_delimiters(std::string_view message, std::size_t begin, std::size_t end,
                                       std::string_view boundary) {
    std::vector<Delimiter> found;
    std::size_t pos = begin;
    while (pos < end) {
        std::size_t eol = message.find('\n', pos);
        if (eol == std::string_view::npos || eol >= end) {
            eol = end;
        }
        std::size_t line_end = eol;
        if (line_end > pos && message[line_end - 1] == '\r') {
            --line_end;
        }
        const std::size_t next = eol < end ? eol + 1 : end;
        bool close = false;
        if (matches_delimiter(message.substr(pos, line_end - pos), boundary, close)) {
            found.push_back(Delimiter{pos, next, close});
            if (close) {
                break;  // the epilogue follows, and is ignored
            }
        }
        pos = next;
    }
    return found;
}

// The line break before a delimiter belongs to the delimiter (RFC 2046
// §5.1.1), so a part ends before it.
std::size_t part_end_before(std::string_view message, std::size_t part_begin,
                            std::size_t line_begin) {
    std::size_t end = line_begin;
    if (end > part_begin && message[end - 1] == '\n') {
        --end;
        if (end > part_begin && message[end - 1] == '\r') {
            --end;
        }
    }
    return end;
}

void parse_entity(std::string_view message, std::size_t begin, std::size_t end, bool digest_child,
                  int depth, BodyPart& part);

void parse_multipart(std::string_view message, int depth, BodyPart& part) {
    std::string_view boundary;
    for (const auto& [name, value] : part.params) {
        if (name == "BOUNDARY") {
            boundary = value;
            break;
        }
    }
    std::vector<Delimiter> delimiters;
    if (!boundary.empty()) {
        delimiters = find_delimiters(message, part.body_begin, part.body_end, boundary);
    }
    if (delimiters.empty() || delimiters.front().close) {
        // No boundary or no body part: RFC 2046 requires at least one, so
        // show the entity as the plain text it then is.
        make_plain_text(part);
        return;
    }
    const bool digest = part.subtype == "DIGEST";
    for (std::size_t i = 0; i < delimiters.size() && !delimiters[i].close; ++i) {
        const std::size_t child_begin = delimiters[i].next;
        // An unterminated multipart's last part runs to the end of its parent.
        const std::size_t child_end =
            i + 1 < delimiters.size()
                ? part_end_before(message, child_begin, delimiters[i + 1].line_begin)
                : part.body_end;
        BodyPart& child = part.children.emplace_back();
        parse_entity(message, child_begin, std::max(child_begin, child_end), digest, depth + 1,
                     child);
    }
}

void parse_entity(std::string_view message, std::size_t begin, std::size_t end, bool digest_child,
                  int depth, BodyPart& part) {
    detail::HeaderBlock block = detail::parse_header_block(message, begin, end);
    part.header_begin = begin;
    part.header_end = block.header_end;
    part.body_begin = block.body_begin;
    part.body_end = end;
    part.fields = std::move(block.fields);
    apply_content_type(part, digest_child);
    if (!part.is_multipart() && !part.is_message_rfc822()) {
        return;
    }
    if (depth >= max_depth) {
        make_plain_text(part);
        return;
    }
    if (part.is_multipart()) {
        parse_multipart(message, depth, part);
        return;
    }
    // RFC 2046 §5.2.1: the body of message/rfc822 is a complete message.
    BodyPart& inner = part.children.emplace_back();
    parse_entity(message, part.body_begin, part.body_end, false, depth + 1, inner);
}

}  // namespace

ParsedMessage::ParsedMessage(std::string_view message) : message_(message) {
    parse_entity(message_, 0, message_.size(), false, 0, root_);
}

std::optional<std::string> ParsedMessage::header(std::string_view name) const {
    const HeaderField* field = find_field(root_.fields, name);
    if (field == nullptr) {
        return std::nullopt;
    }
    return detail::unfold(field->value);
}

std::optional<std::int64_t> ParsedMessage::date() const {
    const HeaderField* field = find_field(root_.fields, "Date");
    if (field == nullptr) {
        return std::nullopt;
    }
    return parse_rfc5322_date(field->value);
}

}  // namespace mailferry::testserver::mime
