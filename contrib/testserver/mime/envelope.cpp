// RFC 3501 §7.4.2 ENVELOPE: date, subject, from, sender, reply-to, to, cc,
// bcc, in-reply-to, message-id, from the first instance of each field.
#include "contrib/testserver/mime/detail/envelope.hpp"

#include "contrib/testserver/mime/detail/address.hpp"
#include "contrib/testserver/mime/detail/header_fields.hpp"
#include "contrib/testserver/mime/detail/imap_string.hpp"

namespace mailferry::testserver::mime {

namespace detail {

namespace {

std::optional<std::string> unfolded(const BodyPart& message, std::string_view name) {
    const HeaderField* field = find_field(message.fields, name);
    if (field == nullptr) {
        return std::nullopt;
    }
    return unfold(field->value);
}

std::vector<Address> addresses(const BodyPart& message, std::string_view name) {
    const HeaderField* field = find_field(message.fields, name);
    if (field == nullptr) {
        return {};
    }
    return parse_address_list(unfold(field->value));
}

// "((name adl mailbox host)...)" or NIL for an absent or empty list.
void append_address_list(std::string& out, const std::vector<Address>& list) {
    if (list.empty()) {
        out += "NIL";
        return;
    }
    out += '(';
    for (const Address& address : list) {
        out += '(';
        append_nstring(out, address.name);
        out += ' ';
        append_nstring(out, address.adl);
        out += ' ';
        append_nstring(out, address.mailbox);
        out += ' ';
        append_nstring(out, address.host);
        out += ')';
    }
    out += ')';
}

}  // namespace

void append_envelope(std::string& out, const BodyPart& message) {
    const std::vector<Address> from = addresses(message, "From");
    std::vector<Address> sender = addresses(message, "Sender");
    std::vector<Address> reply_to = addresses(message, "Reply-To");
    // RFC 3501 §7.4.2: an absent or empty Sender / Reply-To takes From's value.
    if (sender.empty()) {
        sender = from;
    }
    if (reply_to.empty()) {
        reply_to = from;
    }
    out += '(';
    append_nstring(out, unfolded(message, "Date"));
    out += ' ';
    append_nstring(out, unfolded(message, "Subject"));
    out += ' ';
    append_address_list(out, from);
    out += ' ';
    append_address_list(out, sender);
    out += ' ';
    append_address_list(out, reply_to);
    out += ' ';
    append_address_list(out, addresses(message, "To"));
    out += ' ';
    append_address_list(out, addresses(message, "Cc"));
    out += ' ';
    append_address_list(out, addresses(message, "Bcc"));
    out += ' ';
    append_nstring(out, unfolded(message, "In-Reply-To"));
    out += ' ';
    append_nstring(out, unfolded(message, "Message-ID"));
    out += ')';
}

}  // namespace detail

std::string ParsedMessage::envelope() const {
    std::string out;
    detail::append_envelope(out, root_);
    return out;
}

}  // namespace mailferry::testserver::mime
