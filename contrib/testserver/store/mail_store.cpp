// The parts of mail_store.hpp that do not depend on the backend, and the
// factory that picks the SQLite one.
#include "contrib/testserver/store/mail_store.hpp"

#include "clients/wire/ascii.hpp"
#include "contrib/testserver/store/flag_set.hpp"
#include "contrib/testserver/store/sqlite_mail_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace mailferry::testserver {

std::string_view describe(StoreError e) noexcept {
    switch (e) {
        case StoreError::ok:
            return "Completed";
        case StoreError::no_such_user:
            return "No such user";
        case StoreError::bad_password:
            return "Authentication failed";
        case StoreError::no_such_mailbox:
            return "Mailbox does not exist";
        case StoreError::mailbox_exists:
            return "Mailbox already exists or has inferior mailboxes";
        case StoreError::invalid_name:
            return "Invalid mailbox name";
        case StoreError::inbox_is_special:
            return "INBOX cannot be deleted or replaced";
        case StoreError::message_too_big:
            return "Message is larger than the server accepts";
        case StoreError::flags_modified:
            return "Some messages were modified since the given modification sequence";
        case StoreError::io_error:
            return "The mail store failed; nothing was changed";
    }
    return "Unknown error";
}

bool MessageInfo::has_flag(std::string_view flag) const {
    return std::any_of(flags.begin(), flags.end(),
                       [&](const std::string& f) { return wire::iequals(f, flag); });
}

std::unique_ptr<MailStore> MailStore::open(const std::string& data_dir, StoreOptions options) {
    if (data_dir.empty()) {
        return std::make_unique<store::SqliteMailStore>(":memory:", options);
    }
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
        throw std::runtime_error("cannot create the store directory " + data_dir + ": " +
                                 ec.message());
    }
    const std::filesystem::path file = std::filesystem::path(data_dir) / "store.sqlite3";
    try {
        return std::make_unique<store::SqliteMailStore>(file.string(), options);
    } catch (const SQLite::Exception& e) {
        throw std::runtime_error("cannot open the mail store " + file.string() + ": " + e.what());
    }
}

}  // namespace mailferry::testserver
