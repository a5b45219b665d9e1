#pragma once
// `mailferry verify`, the judgement: one source folder's messages against
// its target folder's, as read (metadata, and SHA-256 of the exact bytes
// where they were read), without any I/O. verify.hpp does the reading.
//
// A source message's counterpart is the target message the state recorded
// for it (its APPENDUID target UID under the recorded UIDVALIDITY), else one
// found by content: the same SHA-256 where both were hashed, narrowed by
// Message-ID (or, without one, size and date). Then:
//   * verified: same bytes (or, not hashed, same size), same flags (system
//     flags always; keywords where the target folder takes them: the state
//     saw it store one, or it holds one now, or the source has none), same
//     INTERNALDATE (unless the source does not know its date: POP3 without
//     a Date: field);
//   * differs: a counterpart that fails one of those; the detail says which;
//   * missing: no counterpart;
//   * duplicate: another target message with the bytes of a source message
//     that already has its counterpart;
//   * extra: a target message no source message accounts for (reported,
//     not an error).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::sync {

enum class ProblemKind { missing, differs, duplicate, extra };
std::string_view to_string(ProblemKind kind) noexcept;

struct VerifyProblem {
    std::string folder;  // source folder, '/' separated
    ProblemKind kind = ProblemKind::missing;
    std::string source_id;  // the source key (IMAP UID, POP3 UIDL); "" for extra
    std::optional<std::uint32_t> target_uid;
    std::string message_id;
    std::string detail;
};

struct VerifyCounts {
    std::size_t source = 0;  // messages a migration would copy
    std::size_t verified = 0;
    std::size_t missing = 0;
    std::size_t differs = 0;
    std::size_t duplicate = 0;
    std::size_t extra = 0;
};

// One verified message as the proof lists it.
struct ProvenMessage {
    std::string sha256;  // "" when its bytes were not read (--sample)
    std::uint64_t size = 0;
    std::string flags;  // syncable flags, sorted, space separated
    std::int64_t date = 0;

    friend auto operator<=>(const ProvenMessage&, const ProvenMessage&) = default;
};

struct FolderVerification {
    std::string source;
    std::string target;
    VerifyCounts messages;
    std::vector<ProvenMessage> proof;  // sorted
    std::string digest;                // SHA-256 over the proof (proof_digest)
};

// A message as verify reads it, on either side.
struct ReadMessage {
    std::string key;  // source key; the target's UID in decimal
    std::uint32_t uid = 0;
    std::uint64_t size = 0;
    std::int64_t date = 0;  // 0: unknown
    std::string message_id;
    std::vector<std::string> flags;
    std::string sha256;  // "" when not read
};

struct FolderReading {
    std::string source;  // folder names
    std::string target;
    std::vector<ReadMessage> source_messages;       // only those a migration would copy
    std::vector<ReadMessage> target_messages;       // without \Deleted ones
    std::map<std::string, std::uint32_t> recorded;  // source key -> target UID (the state)
    bool target_exists = true;
    // The state saw the target folder store a keyword, or its FLAGS name
    // one: it takes keywords.
    bool keywords_stored = false;
    // Target messages no source message accounts for are reported (false
    // when only some of the source's messages are verified).
    bool report_extra = true;
};

// Judges one folder; appends its problems to `problems`.
FolderVerification compare_folder(const FolderReading& reading,
                                  std::vector<VerifyProblem>& problems);

// Lowercase hex SHA-256 over "sha256 size flags date\n" of each entry, in
// the order given (sorted by the caller).
std::string proof_digest(const std::vector<ProvenMessage>& proof);

}  // namespace mailferry::sync
