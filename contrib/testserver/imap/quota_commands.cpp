// QUOTA (RFC 9208): GETQUOTA, GETQUOTAROOT and the OVERQUOTA refusal of
// APPEND and COPY. Every user has one quota root named "" over all of their
// mailboxes, with one resource, STORAGE, limited to ServerLimits::quota_kib.
// SETQUOTA is not offered (no QUOTASET, RFC 9208 §4.1.3).

#include "contrib/testserver/imap/response_encoding.hpp"
#include "contrib/testserver/imap/session.hpp"

#include <limits>

namespace mailferry::testserver::imap {

namespace {

constexpr std::uint64_t kib = 1024;

// The octets of every message in every mailbox of `user`, from the store's
// per-mailbox totals.
std::uint64_t storage_used(const MailStore& store, const std::string& user) {
    std::uint64_t used = 0;
    for (const auto& box : store.list_mailboxes(user)) {
        used += box.total_size;
    }
    return used;
}

// `* QUOTA "" (STORAGE usage limit)` (RFC 9208 §4.2.1, §7 quota-response).
// RFC 9208 §5.1 counts STORAGE in units of 1024 octets; the usage is
// rounded up so that a mailbox holding anything never reports 0.
std::string quota_response(std::uint64_t used_octets, std::uint64_t limit_kib) {
    const std::uint64_t usage = used_octets / kib + (used_octets % kib != 0 ? 1 : 0);
    return "* QUOTA \"\" (STORAGE " + std::to_string(usage) + " " + std::to_string(limit_kib) +
           ")\r\n";
}

}  // namespace

bool Session::quota_offered() const {
    return ctx_.limits.quota_kib.has_value() && offers("QUOTA");
}

net::awaitable<Completion> Session::cmd_getquota(const Command& cmd) {
    if (cmd.args.size() != 1 || !cmd.args[0].is_astring()) {
        co_return Completion::bad("GETQUOTA needs a quota root");
    }
    // RFC 9208 §4.1.1: NO for a quota root that does not exist.
    if (!cmd.args[0].text.empty()) {
        co_return Completion::no("[NONEXISTENT] No such quota root; the only one is \"\"");
    }
    emit(quota_response(storage_used(ctx_.store, user_), *ctx_.limits.quota_kib));
    co_return Completion::ok("GETQUOTA completed");
}

net::awaitable<Completion> Session::cmd_getquotaroot(const Command& cmd) {
    if (cmd.args.size() != 1) {
        co_return Completion::bad("GETQUOTAROOT needs a mailbox name");
    }
    auto name = mailbox_arg(cmd.args[0]);
    if (!name) {
        co_return Completion::no("[CANNOT] Invalid mailbox name");
    }
    // RFC 9208 §4.1.2: the mailbox need not exist; the answer is the root
    // it would have once created.
    emit("* QUOTAROOT " + mailbox_name(*name) + " \"\"\r\n");
    emit(quota_response(storage_used(ctx_.store, user_), *ctx_.limits.quota_kib));
    co_return Completion::ok("GETQUOTAROOT completed");
}

std::optional<Completion> Session::over_quota(std::uint64_t octets, std::string_view verb) const {
    if (octets == 0 || !quota_offered()) {
        return std::nullopt;
    }
    const std::uint64_t limit_kib = *ctx_.limits.quota_kib;
    const std::uint64_t limit = limit_kib > std::numeric_limits<std::uint64_t>::max() / kib
                                    ? std::numeric_limits<std::uint64_t>::max()
                                    : limit_kib * kib;
    const std::uint64_t used = storage_used(ctx_.store, user_);
    if (used <= limit && octets <= limit - used) {
        return std::nullopt;
    }
    // RFC 9208 §4.3.1 (and RFC 5530 §3): the tagged NO of the command that
    // would have gone over the limit carries OVERQUOTA.
    return Completion::no("[OVERQUOTA] " + std::string(verb) +
                          " refused: " + std::to_string(octets) +
                          " octets would exceed the quota of " + std::to_string(limit_kib) +
                          " KiB (" + std::to_string(used) + " octets used)");
}

}  // namespace mailferry::testserver::imap
