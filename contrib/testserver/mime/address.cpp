#include "contrib/testserver/mime/detail/address.hpp"

#include <cstddef>

namespace mailferry::testserver::mime::detail {

namespace {

bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// RFC 5322 §3.2.3 atext, plus 8-bit octets (RFC 6532) and '.' for the
// obsolete phrase and local-part forms.
bool is_word_char(char c) noexcept {
    const auto octet = static_cast<unsigned char>(c);
    if (octet >= 0x80) {
        return true;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

class AddressParser {
  public:
    explicit AddressParser(std::string_view text) : text_(text) {}

    std::vector<Address> parse() {
        parse_list(false);
        return std::move(out_);
    }

  private:
    bool at_end() const noexcept { return pos_ >= text_.size(); }
    char peek() const noexcept { return at_end() ? '\0' : text_[pos_]; }

    // Skips blanks and comments; remembers the last comment's text, which
    // names a bare addr-spec ("user@host (Real Name)").
    void skip_cfws() {
        while (!at_end()) {
            if (is_blank(text_[pos_])) {
                ++pos_;
            } else if (text_[pos_] == '(') {
                last_comment_ = comment();
            } else {
                return;
            }
        }
    }

    std::string comment() {
        std::string content;
        int depth = 0;
        while (!at_end()) {
            const char c = text_[pos_++];
            if (c == '\\' && !at_end()) {
                content += text_[pos_++];
                continue;
            }
            if (c == '(') {
                if (depth++ == 0) {
                    continue;
                }
            } else if (c == ')' && --depth == 0) {
                break;
            }
            content += c;
        }
        return content;
    }

    std::string quoted() {
        std::string content;
        ++pos_;  // opening quote
        while (!at_end()) {
            const char c = text_[pos_++];
            if (c == '"') {
                break;
            }
            if (c == '\\' && !at_end()) {
                content += text_[pos_++];
            } else {
                content += c;
            }
        }
        return content;
    }

    void skip_domain_literal() {
        while (!at_end() && text_[pos_++] != ']') {
        }
    }

    // The first of '<', ':', ',' or ';' outside quotes, comments and domain
    // literals decides what the next address is.
    char lookahead(std::size_t& where) {
        const std::size_t saved = pos_;
        const std::string saved_comment = last_comment_;
        char found = '\0';
        while (!at_end()) {
            const char c = text_[pos_];
            if (c == '<' || c == ':' || c == ',' || c == ';') {
                found = c;
                break;
            }
            if (c == '"') {
                quoted();
            } else if (c == '(') {
                comment();
            } else if (c == '[') {
                skip_domain_literal();
            } else {
                ++pos_;
            }
        }
        where = pos_;
        pos_ = saved;
        last_comment_ = saved_comment;
        return found;
    }

    // A display name or group name between pos_ and `end`: its words, quoted
    // strings unquoted, comments dropped, joined by single spaces.
    std::string phrase(std::size_t end) {
        std::string name;
        while (pos_ < end) {
            skip_cfws();
            if (pos_ >= end) {
                break;
            }
            std::string word;
            if (text_[pos_] == '"') {
                word = quoted();
            } else {
                const std::size_t start = pos_;
                while (pos_ < end && !is_blank(text_[pos_]) && text_[pos_] != '"' &&
                       text_[pos_] != '(') {
                    ++pos_;
                }
                word = std::string(text_.substr(start, pos_ - start));
            }
            if (!name.empty()) {
                name += ' ';
            }
            name += word;
        }
        pos_ = end;
        return name;
    }

    // RFC 5322 §3.4.1 local-part "@" domain, CFWS allowed between the
    // pieces (obs-local-part, obs-domain).
    // Returns whether an '@' was seen.
    bool addr_spec(Address& address) {
        std::string local;
        while (true) {
            skip_cfws();
            if (peek() == '"') {
                local += quoted();
            } else if (!at_end() && is_word_char(peek())) {
                while (!at_end() && is_word_char(peek())) {
                    local += text_[pos_++];
                }
            } else {
                break;
            }
            // Words of a local part are joined by dots; a blank without one
            // ends it ("John Smith" is no address).
            skip_cfws();
            if (local.empty() || (local.back() != '.' && peek() != '.')) {
                break;
            }
        }
        std::string domain;
        const bool has_at = peek() == '@';
        if (has_at) {
            ++pos_;
            while (true) {
                skip_cfws();
                if (peek() == '[') {
                    const std::size_t start = pos_;
                    skip_domain_literal();
                    domain += text_.substr(start, pos_ - start);
                } else if (!at_end() && is_word_char(peek())) {
                    while (!at_end() && is_word_char(peek())) {
                        domain += text_[pos_++];
                    }
                } else {
                    break;
                }
            }
        }
        address.mailbox = local.empty() ? "MISSING_MAILBOX" : local;
        address.host = domain.empty() ? "MISSING_DOMAIN" : domain;
        return has_at;
    }

    // Skips what cannot be parsed, up to the next address separator.
    void skip_to_separator(bool in_group) {
        while (!at_end()) {
            const char c = text_[pos_];
            if (c == ',' || (in_group && c == ';')) {
                return;
            }
            if (c == '"') {
                quoted();
            } else if (c == '(') {
                comment();
            } else {
                ++pos_;
            }
        }
    }

    void name_addr(std::size_t angle) {
        Address address;
        std::string name = phrase(angle);
        if (!name.empty()) {
            address.name = std::move(name);
        }
        ++pos_;  // '<'
        skip_cfws();
        // RFC 5322 §4.4 obs-route: "@a,@b:" before the addr-spec.
        if (peek() == '@') {
            std::string route;
            while (!at_end() && peek() != ':' && peek() != '>') {
                if (!is_blank(peek())) {
                    route += peek();
                }
                ++pos_;
            }
            if (peek() == ':') {
                ++pos_;
                address.adl = std::move(route);
            }
        }
        addr_spec(address);
        skip_cfws();
        if (peek() == '>') {
            ++pos_;
        }
        out_.push_back(std::move(address));
    }

    void group(std::size_t colon) {
        out_.push_back(Address{std::nullopt, std::nullopt, phrase(colon), std::nullopt});
        ++pos_;  // ':'
        parse_list(true);
        if (peek() == ';') {
            ++pos_;
        }
        out_.push_back(Address{});
    }

    void mailbox_or_group(bool in_group) {
        std::size_t where = 0;
        const char kind = lookahead(where);
        if (kind == '<') {
            name_addr(where);
        } else if (kind == ':' && !in_group) {
            group(where);
        } else {
            last_comment_.clear();
            Address address;
            const std::size_t start = pos_;
            const bool has_at = addr_spec(address);
            if (pos_ == start) {
                skip_to_separator(in_group);
                return;
            }
            skip_cfws();
            if (!has_at && !at_end() && peek() != ',' && !(in_group && peek() == ';')) {
                // Words and no address ("John Smith"): a display name whose
                // address is missing, as Dovecot shows it.
                pos_ = start;
                skip_to_separator(in_group);
                const std::size_t end = pos_;
                pos_ = start;
                out_.push_back(
                    Address{phrase(end), std::nullopt, "MISSING_MAILBOX", "MISSING_DOMAIN"});
                return;
            }
            if (!last_comment_.empty()) {
                address.name = last_comment_;
            }
            out_.push_back(std::move(address));
        }
        skip_cfws();
        skip_to_separator(in_group);
    }

    void parse_list(bool in_group) {
        while (true) {
            skip_cfws();
            if (at_end()) {
                return;
            }
            const char c = peek();
            if (c == ',') {
                ++pos_;
            } else if (c == ';') {
                if (in_group) {
                    return;
                }
                ++pos_;
            } else {
                const std::size_t before = pos_;
                mailbox_or_group(in_group);
                if (pos_ == before) {
                    ++pos_;
                }
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string last_comment_;
    std::vector<Address> out_;
};

}  // namespace

std::vector<Address> parse_address_list(std::string_view value) {
    return AddressParser(value).parse();
}

}  // namespace mailferry::testserver::mime::detail
