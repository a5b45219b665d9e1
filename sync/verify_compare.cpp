#include "sync/verify_compare.hpp"

#include "clients/wire/digest.hpp"
#include "sync/flags.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <set>

namespace mailferry::sync {
namespace {

std::string flag_text(const std::vector<std::string>& flags, bool with_keywords) {
    std::vector<std::string> kept = syncable_flags(flags);
    if (!with_keywords) {
        kept = without_keywords(kept);
    }
    std::string out;
    for (const std::string& f : kept) {
        out += (out.empty() ? "" : " ") + f;
    }
    return out;
}

// The target folder as candidates are looked up in it.
class TargetIndex {
  public:
    explicit TargetIndex(const std::vector<ReadMessage>& messages) {
        for (const ReadMessage& t : messages) {
            by_uid_[t.uid] = &t;
            if (!t.sha256.empty()) {
                by_hash_[t.sha256].push_back(&t);
            }
            by_identity_[identity(t)].push_back(&t);
        }
    }

    // Message-ID, or for a message without one its size and date: what
    // narrows a search by content.
    static std::string identity(const ReadMessage& m) {
        return m.message_id.empty() ? "\n" + std::to_string(m.size) + "\n" + std::to_string(m.date)
                                    : m.message_id;
    }

    const ReadMessage* unclaimed_uid(std::uint32_t uid) const {
        auto it = by_uid_.find(uid);
        return it == by_uid_.end() || claimed(*it->second) ? nullptr : it->second;
    }
    const ReadMessage* unclaimed_hash(const std::string& sha256) const {
        return first_unclaimed(by_hash_, sha256, [](const ReadMessage&) { return true; });
    }
    const ReadMessage* unclaimed_identity(const ReadMessage& s, bool same_size) const {
        return first_unclaimed(by_identity_, identity(s), [&](const ReadMessage& t) {
            return !same_size || t.size == s.size;
        });
    }

    void claim(const ReadMessage& t) { claimed_.insert(t.uid); }
    bool claimed(const ReadMessage& t) const { return claimed_.count(t.uid) != 0; }

  private:
    template <class Accept>
    const ReadMessage* first_unclaimed(
        const std::map<std::string, std::vector<const ReadMessage*>>& index, const std::string& key,
        Accept accept) const {
        auto it = index.find(key);
        if (it == index.end()) {
            return nullptr;
        }
        for (const ReadMessage* t : it->second) {
            if (!claimed(*t) && accept(*t)) {
                return t;
            }
        }
        return nullptr;
    }

    std::map<std::uint32_t, const ReadMessage*> by_uid_;
    std::map<std::string, std::vector<const ReadMessage*>> by_hash_;
    std::map<std::string, std::vector<const ReadMessage*>> by_identity_;
    std::set<std::uint32_t> claimed_;
};

bool same_bytes(const ReadMessage& s, const ReadMessage& t) {
    if (!s.sha256.empty() && !t.sha256.empty()) {
        return s.sha256 == t.sha256;
    }
    return s.size == t.size;
}

}  // namespace

std::string_view to_string(ProblemKind kind) noexcept {
    switch (kind) {
        case ProblemKind::missing:
            return "missing";
        case ProblemKind::differs:
            return "differs";
        case ProblemKind::duplicate:
            return "duplicate";
        case ProblemKind::extra:
            return "extra";
    }
    return "missing";
}

FolderVerification compare_folder(const FolderReading& r, std::vector<VerifyProblem>& problems) {
    FolderVerification out;
    out.source = r.source;
    out.target = r.target;
    out.messages.source = r.source_messages.size();
    TargetIndex target(r.target_messages);

    // Keywords count only where the target folder takes them: a server that
    // stores none (no `\*` in PERMANENTFLAGS, which EXAMINE does not tell)
    // cannot be faulted for them.
    const auto has_keywords = [](const ReadMessage& m) { return !keywords_of(m.flags).empty(); };
    const bool keywords_compared =
        r.keywords_stored ||
        std::any_of(r.target_messages.begin(), r.target_messages.end(), has_keywords) ||
        std::none_of(r.source_messages.begin(), r.source_messages.end(), has_keywords);

    // Counterparts: first the exact copies (recorded, then by content), so a
    // copy is never taken for another message's damaged one; then, for the
    // rest, the recorded or same-identity message, which differs.
    std::vector<const ReadMessage*> counterpart(r.source_messages.size(), nullptr);
    const auto take = [&](std::size_t i, const ReadMessage* t) {
        if (t != nullptr) {
            counterpart[i] = t;
            target.claim(*t);
        }
    };
    for (std::size_t i = 0; i < r.source_messages.size(); ++i) {
        const ReadMessage& s = r.source_messages[i];
        if (auto recorded = r.recorded.find(s.key); recorded != r.recorded.end()) {
            const ReadMessage* t = target.unclaimed_uid(recorded->second);
            take(i, t != nullptr && same_bytes(s, *t) ? t : nullptr);
        }
    }
    for (std::size_t i = 0; i < r.source_messages.size(); ++i) {
        const ReadMessage& s = r.source_messages[i];
        if (counterpart[i] == nullptr) {
            take(i, s.sha256.empty() ? target.unclaimed_identity(s, true)
                                     : target.unclaimed_hash(s.sha256));
        }
    }
    for (std::size_t i = 0; i < r.source_messages.size(); ++i) {
        const ReadMessage& s = r.source_messages[i];
        if (counterpart[i] != nullptr) {
            continue;
        }
        const ReadMessage* t = nullptr;
        if (auto recorded = r.recorded.find(s.key); recorded != r.recorded.end()) {
            t = target.unclaimed_uid(recorded->second);
        }
        take(i, t != nullptr ? t : target.unclaimed_identity(s, false));
    }

    std::set<std::string> source_hashes, source_identities;
    for (std::size_t i = 0; i < r.source_messages.size(); ++i) {
        const ReadMessage& s = r.source_messages[i];
        source_hashes.insert(s.sha256);
        source_identities.insert(TargetIndex::identity(s) + "\n" + std::to_string(s.size));
        const ReadMessage* t = counterpart[i];
        if (t == nullptr) {
            ++out.messages.missing;
            problems.push_back({r.source, ProblemKind::missing, s.key, std::nullopt, s.message_id,
                                r.target_exists ? "no message on the target has its content"
                                                : "the target folder does not exist"});
            continue;
        }
        std::vector<std::string> what;
        if (!same_bytes(s, *t)) {
            what.push_back(t->size == s.size
                               ? "bytes (same size, other content)"
                               : "bytes (" + std::to_string(t->size) + " octets on the target, " +
                                     std::to_string(s.size) + " on the source)");
        }
        const std::string source_system = flag_text(without_keywords(s.flags), false);
        const std::string target_system = flag_text(without_keywords(t->flags), false);
        if (source_system != target_system) {
            what.push_back("flags (source \"" + source_system + "\", target \"" + target_system +
                           "\")");
        }
        if (keywords_compared && !same_flags(keywords_of(s.flags), keywords_of(t->flags))) {
            what.push_back("keywords (source \"" + flag_text(keywords_of(s.flags), true) +
                           "\", target \"" + flag_text(keywords_of(t->flags), true) + "\")");
        }
        if (s.date != 0 && t->date != s.date) {
            what.push_back("date (source " + std::to_string(s.date) + ", target " +
                           std::to_string(t->date) + ")");
        }
        if (!what.empty()) {
            ++out.messages.differs;
            std::string detail;
            for (const std::string& w : what) {
                detail += (detail.empty() ? "" : "; ") + w;
            }
            problems.push_back(
                {r.source, ProblemKind::differs, s.key, t->uid, s.message_id, detail});
            continue;
        }
        ++out.messages.verified;
        out.proof.push_back({s.sha256, s.size, flag_text(s.flags, keywords_compared),
                             s.date != 0 ? s.date : t->date});
    }
    for (const ReadMessage& t : r.target_messages) {
        if (target.claimed(t)) {
            continue;
        }
        const bool copy_of_a_source =
            t.sha256.empty() ? source_identities.count(TargetIndex::identity(t) + "\n" +
                                                       std::to_string(t.size)) != 0
                             : source_hashes.count(t.sha256) != 0;
        if (copy_of_a_source) {
            ++out.messages.duplicate;
            problems.push_back({r.source, ProblemKind::duplicate, "", t.uid, t.message_id,
                                "a second copy of a source message"});
        } else if (r.report_extra) {
            ++out.messages.extra;
            problems.push_back({r.source, ProblemKind::extra, "", t.uid, t.message_id,
                                "no source message accounts for it"});
        }
    }
    std::sort(out.proof.begin(), out.proof.end());
    out.digest = proof_digest(out.proof);
    return out;
}

std::string proof_digest(const std::vector<ProvenMessage>& proof) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr);
    for (const ProvenMessage& m : proof) {
        const std::string line = m.sha256 + " " + std::to_string(m.size) + " " + m.flags + " " +
                                 std::to_string(m.date) + "\n";
        EVP_DigestUpdate(md.get(), line.data(), line.size());
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int size = 0;
    EVP_DigestFinal_ex(md.get(), out.data(), &size);
    return wire::lower_hex(std::span<const unsigned char>(out.data(), size));
}

}  // namespace mailferry::sync
