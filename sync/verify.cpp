#include "sync/verify.hpp"

#include "clients/net/body_stream.hpp"
#include "clients/wire/digest.hpp"
#include "sync/adapters/connect.hpp"
#include "sync/flags.hpp"
#include "sync/folder_mapping.hpp"
#include "sync/gmail_labels.hpp"
#include "sync/planner.hpp"
#include "sync/state_bridge.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <random>
#include <set>

namespace mailferry::sync {
namespace {

using boost::asio::awaitable;

// SHA-256 of each message as it streams past, by its index in the fetch.
class HashingSink final : public net::BodySink {
  public:
    HashingSink() : md_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {}

    awaitable<net::error_code> begin(std::uint32_t index, std::uint64_t) override {
        index_ = index;
        co_return check(EVP_DigestInit_ex(md_.get(), EVP_sha256(), nullptr));
    }
    awaitable<net::error_code> data(std::span<const char> bytes) override {
        co_return check(EVP_DigestUpdate(md_.get(), bytes.data(), bytes.size()));
    }
    awaitable<net::error_code> end() override {
        std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
        unsigned int size = 0;
        const int ok = EVP_DigestFinal_ex(md_.get(), out.data(), &size);
        digests_[index_] = wire::lower_hex(std::span<const unsigned char>(out.data(), size));
        co_return check(ok);
    }

    std::string digest(std::size_t index) const {
        auto it = digests_.find(static_cast<std::uint32_t>(index));
        return it == digests_.end() ? std::string() : it->second;
    }

  private:
    static net::error_code check(int ok) {
        return ok == 1 ? net::error_code()
                       : make_error_code(boost::system::errc::not_enough_memory);
    }

    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md_;
    std::uint32_t index_ = 0;
    std::map<std::uint32_t, std::string> digests_;
};

struct Failed {
    Outcome outcome;
    std::string message;
};

Failed lost(const std::string& doing, const MailboxError& e) {
    return {e.kind == MailboxError::Kind::connect_failed ? Outcome::connect_failed
                                                         : Outcome::interrupted,
            doing + " failed: " + e.message};
}

// What the state recorded of one folder: source key -> target UID, valid
// only while both UIDVALIDITYs are the recorded ones.
struct Recorded {
    std::optional<std::uint32_t> source_uidvalidity;
    std::optional<std::uint32_t> target_uidvalidity;
    std::map<std::string, std::uint32_t> target_uids;
    bool keywords_stored = false;
};

boost::system::result<std::map<std::string, Recorded>, std::string> recorded_state(
    state::StateStore* store, const wire::AccountUrl& source, const wire::AccountUrl& target) {
    std::map<std::string, Recorded> out;
    if (store == nullptr) {
        return out;
    }
    auto bridge =
        StateBridge::open(*store, account_identity(source), account_identity(target), false);
    if (!bridge) {
        return bridge.error().message;
    }
    auto view = bridge->view(std::nullopt, true);
    if (!view) {
        return view.error().message;
    }
    for (const FolderState& f : view->folders) {
        Recorded& r = out[normalize_name(f.source_name)];
        r.source_uidvalidity = f.source_uidvalidity;
        r.target_uidvalidity = f.target_uidvalidity;
        for (const MessageState& m : f.messages) {
            if (m.status != CopyStatus::pending && m.target_uid) {
                r.target_uids[m.source_key] = *m.target_uid;
            }
            r.keywords_stored = r.keywords_stored || !keywords_of(m.target_flags).empty();
        }
    }
    return out;
}

// Hashes the bodies of `messages` picked by `wanted` (all when null);
// `uids` are what the mailbox fetches them by.
awaitable<std::optional<MailboxError>> hash_bodies(SourceMailbox& box,
                                                   std::vector<ReadMessage>& messages,
                                                   std::vector<std::size_t> wanted) {
    if (wanted.empty()) {
        co_return std::nullopt;
    }
    std::vector<CopyItem> items;
    for (const std::size_t i : wanted) {
        CopyItem item;
        item.source_uid = messages[i].uid;
        item.source_key = messages[i].key;
        item.size = messages[i].size;
        items.push_back(std::move(item));
    }
    auto prepared = co_await box.prepare(items);
    if (!prepared) {
        co_return prepared.error();
    }
    HashingSink sink;
    auto fetched = co_await box.fetch_bodies(items, sink);
    if (!fetched) {
        co_return fetched.error();
    }
    for (std::size_t n = 0; n < wanted.size(); ++n) {
        ReadMessage& m = messages[wanted[n]];
        m.sha256 = sink.digest(n);
        if (const auto& meta = (*prepared)[n]) {
            // POP3: size, date and Message-ID are known once the body is.
            m.size = meta->size;
            m.date = meta->internal_date != 0 ? meta->internal_date : m.date;
            if (m.message_id.empty()) {
                m.message_id = meta->message_id;
            }
        }
    }
    co_return std::nullopt;
}

ReadMessage read_message(const SourceMessage& m, bool key_by_uid) {
    ReadMessage r;
    r.key = key_by_uid ? std::to_string(m.uid) : m.source_key;
    r.uid = m.uid;
    r.size = m.size;
    r.date = m.internal_date;
    r.message_id = m.message_id;
    r.flags = m.flags;
    return r;
}

std::vector<std::size_t> sample_of(std::size_t count, std::size_t sample, std::uint64_t seed,
                                   const std::string& folder) {
    std::vector<std::size_t> all(count);
    for (std::size_t i = 0; i < count; ++i) {
        all[i] = i;
    }
    if (sample == 0 || sample >= count) {
        return all;
    }
    std::mt19937_64 rng(seed ^ std::hash<std::string>{}(folder));
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(sample);
    std::sort(all.begin(), all.end());
    return all;
}

class Verifier {
  public:
    Verifier(SourceMailbox& source, SourceMailbox& target, VerifyOptions options,
             std::map<std::string, Recorded> recorded)
        : source_(source),
          target_(target),
          options_(std::move(options)),
          recorded_(std::move(recorded)) {}

    awaitable<std::optional<Failed>> run(Verification& out) {
        auto source_folders = co_await source_.list_folders();
        if (!source_folders) {
            co_return lost("listing the source's folders", source_folders.error());
        }
        auto target_folders = co_await target_.list_folders();
        if (!target_folders) {
            co_return lost("listing the target's folders", target_folders.error());
        }
        std::set<std::string> existing;
        for (const MailboxFolder& f : *target_folders) {
            if (f.selectable) {
                existing.insert(normalize_name(f.name));
            }
        }
        const FolderMappingResult mapping = map_account_folders(
            source_.traits(), *source_folders, *target_folders, '/', options_.migration.plan);
        gmail_ = gmail_folders(*source_folders, mapping, options_.migration.plan.gmail_labels);
        for (const FolderPair& pair : mapping.pairs) {
            if (!pair.source_selectable ||
                (options_.only && options_.only->count(pair.source) == 0)) {
                continue;
            }
            auto folder = std::find_if(
                source_folders->begin(), source_folders->end(),
                [&](const MailboxFolder& f) { return normalize_name(f.name) == pair.source; });
            if (folder == source_folders->end()) {
                continue;
            }
            FolderReading reading;
            reading.source = pair.source;
            reading.target = pair.target;
            reading.target_exists = existing.count(pair.target) != 0;
            if (auto failed = co_await read_folder(*folder, reading)) {
                co_return failed;
            }
            out.folders.push_back(compare_folder(reading, out.problems));
        }
        co_return std::nullopt;
    }

  private:
    awaitable<std::optional<Failed>> read_folder(MailboxFolder folder, FolderReading& reading) {
        auto listed = co_await source_.open_folder(folder, false, true, nullptr, {});
        if (!listed) {
            co_return lost("listing source folder \"" + folder.name + "\"", listed.error());
        }
        apply_gmail_labels(*listed, gmail_);
        const bool imap = !source_.traits().single_folder;
        const std::set<std::string>* only =
            options_.only ? &options_.only->at(reading.source) : nullptr;
        reading.report_extra = only == nullptr;
        for (const SourceMessage& m : listed->messages) {
            if (!filter_reason(m, options_.migration.plan) &&
                (only == nullptr || only->count(m.source_key) != 0)) {
                reading.source_messages.push_back(read_message(m, false));
            }
        }
        std::optional<std::uint32_t> target_uidvalidity;
        bool target_keywords_defined = false;
        if (reading.target_exists) {
            MailboxFolder target_folder{reading.target, "", true};
            auto target = co_await target_.open_folder(target_folder, false, true, nullptr, {});
            if (!target) {
                co_return lost("listing target folder \"" + reading.target + "\"", target.error());
            }
            target_uidvalidity = target->status.uidvalidity;
            target_keywords_defined = target->keywords_defined;
            for (const SourceMessage& m : target->messages) {
                if (!m.deleted) {
                    reading.target_messages.push_back(read_message(m, true));
                }
            }
        }
        if (auto r = recorded_.find(reading.source);
            r != recorded_.end() && r->second.target_uidvalidity == target_uidvalidity &&
            (!imap || r->second.source_uidvalidity == listed->status.uidvalidity)) {
            reading.recorded = r->second.target_uids;
            reading.keywords_stored = r->second.keywords_stored;
        }
        reading.keywords_stored = reading.keywords_stored || target_keywords_defined;

        // The source's bytes: every message's, or the sample's.
        const std::vector<std::size_t> checked = sample_of(
            reading.source_messages.size(), options_.sample, options_.seed, reading.source);
        if (auto e = co_await hash_bodies(source_, reading.source_messages, checked)) {
            co_return lost("reading source folder \"" + folder.name + "\"", *e);
        }
        // The target's: those that can be a checked message's copy (same
        // Message-ID, or size and date without one, or recorded for it).
        std::set<std::string> identities;
        std::set<std::uint32_t> recorded_uids;
        for (const std::size_t i : checked) {
            const ReadMessage& s = reading.source_messages[i];
            identities.insert(s.message_id.empty() ? "\n" + std::to_string(s.size) : s.message_id);
            if (auto uid = reading.recorded.find(s.key); uid != reading.recorded.end()) {
                recorded_uids.insert(uid->second);
            }
        }
        std::vector<std::size_t> candidates;
        for (std::size_t i = 0; i < reading.target_messages.size(); ++i) {
            const ReadMessage& t = reading.target_messages[i];
            const std::string identity =
                t.message_id.empty() ? "\n" + std::to_string(t.size) : t.message_id;
            if (identities.count(identity) != 0 || recorded_uids.count(t.uid) != 0) {
                candidates.push_back(i);
            }
        }
        if (auto e = co_await hash_bodies(target_, reading.target_messages, candidates)) {
            co_return lost("reading target folder \"" + reading.target + "\"", *e);
        }
        co_return std::nullopt;
    }

    SourceMailbox& source_;
    SourceMailbox& target_;
    VerifyOptions options_;
    std::map<std::string, Recorded> recorded_;
    GmailFolders gmail_;  // a Gmail source's labels (gmail_labels.hpp)
};

std::string account_digest(const std::vector<FolderVerification>& folders) {
    std::vector<ProvenMessage> lines;
    for (const FolderVerification& f : folders) {
        lines.push_back({f.digest, 0, f.target, 0});
    }
    std::sort(lines.begin(), lines.end(),
              [](const ProvenMessage& a, const ProvenMessage& b) { return a.flags < b.flags; });
    return proof_digest(lines);
}

}  // namespace

VerifyCounts Verification::totals() const {
    VerifyCounts t;
    for (const FolderVerification& f : folders) {
        t.source += f.messages.source;
        t.verified += f.messages.verified;
        t.missing += f.messages.missing;
        t.differs += f.messages.differs;
        t.duplicate += f.messages.duplicate;
        t.extra += f.messages.extra;
    }
    return t;
}

bool Verification::complete() const {
    const VerifyCounts t = totals();
    return t.missing == 0 && t.differs == 0 && t.duplicate == 0;
}

awaitable<VerifyResult> verify(AccountAccess source, AccountAccess target, state::StateStore* state,
                               VerifyOptions options) {
    VerifyResult result;
    auto source_url = parse_access(source);
    auto target_url = parse_access(target);
    if (!source_url || !target_url) {
        result.outcome = Outcome::usage;
        result.message =
            !source_url ? "source: " + source_url.error() : "target: " + target_url.error();
        co_return result;
    }
    if (!target_url->is_imap()) {
        result.outcome = Outcome::usage;
        result.message = "the target must be an IMAP account (imap:// or imaps://), not " +
                         target_url->to_string();
        co_return result;
    }
    auto recorded = recorded_state(state, *source_url, *target_url);
    if (!recorded) {
        result.outcome = Outcome::usage;
        result.message = recorded.error();
        co_return result;
    }
    auto source_box = co_await connect_source(source, options.migration);
    if (!source_box) {
        result.outcome = Outcome::connect_failed;
        result.message = source_box.error().message;
        co_return result;
    }
    // The target is read as a source is: EXAMINE and BODY.PEEK only.
    auto target_box = co_await connect_source(target, options.migration);
    if (!target_box) {
        co_await (*source_box)->logout();
        result.outcome = Outcome::connect_failed;
        result.message = target_box.error().message;
        co_return result;
    }
    Verification verification;
    verification.source = source_url->to_string();
    verification.target = target_url->to_string();
    verification.sampled = options.sample > 0;
    Verifier verifier(**source_box, **target_box, std::move(options), std::move(*recorded));
    auto failed = co_await verifier.run(verification);
    co_await (*source_box)->logout();
    co_await (*target_box)->logout();
    if (failed) {
        result.outcome = failed->outcome;
        result.message = failed->message + "; nothing was changed, run verify again";
        co_return result;
    }
    verification.digest = account_digest(verification.folders);
    result.verification = std::move(verification);
    co_return result;
}

}  // namespace mailferry::sync
