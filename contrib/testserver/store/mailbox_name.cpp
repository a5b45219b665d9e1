#include "contrib/testserver/store/mailbox_name.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/modified_utf7.hpp"

namespace mailferry::testserver::store {

namespace {}  // namespace

std::optional<std::string> canonical_mailbox_name(std::string_view name) {
    if (name.empty() || name.front() == mailbox_separator || name.back() == mailbox_separator) {
        return std::nullopt;
    }
    if (name.find("//") != std::string_view::npos) {
        return std::nullopt;
    }
    for (char c : name) {
        const auto octet = static_cast<unsigned char>(c);
        // '*' and '%' are LIST wildcards (RFC 3501 §6.3.8); a name holding
        // them could never be listed on its own.
        if (octet < 0x20 || octet >= 0x7f || c == '*' || c == '%') {
            return std::nullopt;
        }
    }
    if (!mailferry::wire::is_valid(name)) {
        return std::nullopt;
    }
    const std::string_view first = name.substr(0, name.find(mailbox_separator));
    if (wire::iequals(first, inbox_name)) {
        std::string canonical(inbox_name);
        canonical.append(name.substr(first.size()));
        return canonical;
    }
    return std::string(name);
}

std::vector<std::string> parents_of(std::string_view name) {
    std::vector<std::string> parents;
    for (std::size_t pos = name.find(mailbox_separator); pos != std::string_view::npos;
         pos = name.find(mailbox_separator, pos + 1)) {
        parents.emplace_back(name.substr(0, pos));
    }
    return parents;
}

bool is_same_or_under(std::string_view name, std::string_view ancestor) {
    if (name.size() == ancestor.size()) {
        return name == ancestor;
    }
    return name.size() > ancestor.size() && name.substr(0, ancestor.size()) == ancestor &&
           name[ancestor.size()] == mailbox_separator;
}

}  // namespace mailferry::testserver::store
