// BODY[section] (RFC 3501 §6.4.5): part numbers, HEADER, TEXT, MIME and the
// HEADER.FIELDS[.NOT] lists.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "clients/wire/ascii.hpp"
#include "contrib/testserver/mime/detail/header_fields.hpp"
#include "contrib/testserver/mime/message.hpp"

namespace mailferry::testserver::mime {

namespace {

using wire::iequals;

// Part `number` of a message whose top-level entity is `top`: the n-th part of
// a multipart, or for any other message only part 1, its body.
const BodyPart* part_of_message(const BodyPart& top, std::uint32_t number) {
    if (top.is_multipart()) {
        return number <= top.children.size() ? &top.children[number - 1] : nullptr;
    }
    return number == 1 ? &top : nullptr;
}

// Subpart `number` of an already resolved part: a multipart's child, or a
// part of the message a message/rfc822 part encapsulates.
const BodyPart* subpart(const BodyPart& part, std::uint32_t number) {
    if (part.is_multipart()) {
        return number <= part.children.size() ? &part.children[number - 1] : nullptr;
    }
    if (part.is_message_rfc822() && !part.children.empty()) {
        return part_of_message(part.children.front(), number);
    }
    return nullptr;
}

// Reads "(name name ...)" with atoms or quoted strings; nullopt on bad syntax.
std::optional<std::vector<std::string>> parse_field_list(std::string_view text) {
    std::size_t pos = 0;
    auto skip_spaces = [&] {
        while (pos < text.size() && text[pos] == ' ') {
            ++pos;
        }
    };
    skip_spaces();
    if (pos >= text.size() || text[pos] != '(') {
        return std::nullopt;
    }
    ++pos;
    std::vector<std::string> names;
    while (true) {
        skip_spaces();
        if (pos >= text.size()) {
            return std::nullopt;
        }
        if (text[pos] == ')') {
            ++pos;
            break;
        }
        std::string name;
        if (text[pos] == '"') {
            ++pos;
            while (pos < text.size() && text[pos] != '"') {
                if (text[pos] == '\\' && pos + 1 < text.size()) {
                    ++pos;
                }
                name += text[pos++];
            }
            if (pos >= text.size()) {
                return std::nullopt;
            }
            ++pos;
        } else {
            while (pos < text.size() && text[pos] != ' ' && text[pos] != ')' && text[pos] != '(' &&
                   text[pos] != '"') {
                name += text[pos++];
            }
            if (name.empty()) {
                return std::nullopt;
            }
        }
        names.push_back(std::move(name));
    }
    skip_spaces();
    if (pos != text.size()) {
        return std::nullopt;
    }
    return names;
}

// RFC 3501 §6.4.5: the matching (or, with `exclude`, the other) fields in
// their original order, each with its folding, then the blank line.
std::string header_fields(std::string_view bytes, const BodyPart& message,
                          const std::vector<std::string>& names, bool exclude) {
    std::string out;
    for (const HeaderField& field : message.fields) {
        const std::string_view name = detail::trimmed_name(field);
        const bool listed = std::any_of(names.begin(), names.end(),
                                        [&](const std::string& n) { return iequals(n, name); });
        if (listed == exclude) {
            continue;
        }
        const auto begin = static_cast<std::size_t>(field.name.data() - bytes.data());
        const auto end =
            static_cast<std::size_t>(field.value.data() - bytes.data()) + field.value.size();
        out += bytes.substr(begin, end - begin);
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

std::string slice(std::string_view bytes, std::size_t begin, std::size_t end) {
    return std::string(bytes.substr(begin, end - begin));
}

}  // namespace

std::optional<std::string> ParsedMessage::section(std::string_view spec) const {
    // Part numbers: nz-number *("." nz-number), then optionally "." keyword.
    std::vector<std::uint32_t> path;
    std::size_t pos = 0;
    while (pos < spec.size() && spec[pos] >= '0' && spec[pos] <= '9') {
        std::uint64_t number = 0;
        const std::size_t start = pos;
        while (pos < spec.size() && spec[pos] >= '0' && spec[pos] <= '9') {
            if (pos - start >= 9) {
                return std::nullopt;  // far more parts than any message holds
            }
            number = number * 10 + static_cast<std::uint64_t>(spec[pos] - '0');
            ++pos;
        }
        if (number == 0) {
            return std::nullopt;
        }
        path.push_back(static_cast<std::uint32_t>(number));
        if (pos < spec.size()) {
            if (spec[pos] != '.') {
                return std::nullopt;
            }
            ++pos;
            if (pos == spec.size()) {
                return std::nullopt;
            }
        }
    }
    const std::string_view keyword = spec.substr(pos);

    const BodyPart* part = nullptr;
    for (std::size_t i = 0; i < path.size(); ++i) {
        part = i == 0 ? part_of_message(root_, path[i]) : subpart(*part, path[i]);
        if (part == nullptr) {
            return std::nullopt;
        }
    }

    if (keyword.empty()) {
        return part == nullptr ? std::string(message_)
                               : slice(message_, part->body_begin, part->body_end);
    }
    if (iequals(keyword, "MIME")) {
        if (part == nullptr) {
            return std::nullopt;
        }
        return slice(message_, part->header_begin, part->header_end);
    }

    // HEADER, TEXT and the field lists apply to a message: the whole one, or
    // the one a message/rfc822 part encapsulates.
    const BodyPart* message = &root_;
    if (part != nullptr) {
        if (!part->is_message_rfc822() || part->children.empty()) {
            return std::nullopt;
        }
        message = &part->children.front();
    }
    if (iequals(keyword, "HEADER")) {
        return slice(message_, message->header_begin, message->header_end);
    }
    if (iequals(keyword, "TEXT")) {
        return slice(message_, message->body_begin, message->body_end);
    }
    bool exclude = false;
    std::string_view list;
    if (wire::istarts_with(keyword, "HEADER.FIELDS.NOT")) {
        exclude = true;
        list = keyword.substr(17);
    } else if (wire::istarts_with(keyword, "HEADER.FIELDS")) {
        list = keyword.substr(13);
    } else {
        return std::nullopt;
    }
    if (list.empty() || list.front() != ' ') {
        return std::nullopt;
    }
    const std::optional<std::vector<std::string>> names = parse_field_list(list);
    if (!names) {
        return std::nullopt;
    }
    return header_fields(message_, *message, *names, exclude);
}

}  // namespace mailferry::testserver::mime
