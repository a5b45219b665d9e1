#pragma once
// The untagged-response handlers of the commands that look at a mailbox,
// for the operations that send them and for examine_changes(), which sends
// several in one pipeline and gives every response to each (FanOut): none
// of them takes another's responses. SelectHandler: SELECT/EXAMINE
// (mailbox.cpp); MetadataHandler: fetch_metadata()'s UID FETCH (fetch.cpp);
// ESearchHandler: `UID SEARCH RETURN (ALL)` sets (uid_listing.cpp).

#include "clients/imap/client.hpp"
#include "clients/imap/detail/connection.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailferry::imap::detail {

// SELECT/EXAMINE's untagged data: the response codes and FLAGS into
// `state` (EXISTS is counted by the Connection); with `collect_changes`
// (QRESYNC) also VANISHED (EARLIER) and the changed messages' FETCH.
class SelectHandler final : public ResponseHandler {
  public:
    awaitable<std::optional<Error>> on_untagged(const Response& r) override;
    MailboxState state;
    bool collect_changes = false;
    bool nomodseq = false;

  private:
    bool modseq_seen_ = false;  // the mailbox's HIGHESTMODSEQ was taken
};

// The UIDs a UID FETCH asked for. RFC 3501 §7.4.2 lets a server send FETCH
// responses nobody asked for; one naming another UID must not be taken for
// an answer (a hostile or broken server could otherwise slip a body or a
// size in under a UID the caller did not want). "*" is the mailbox's last
// UID (§6.4.8), so "n:*" holds every UID from n up and, when the last UID
// is below n, that one message ("*" alone: just it): the first UID below the
// range is taken for it, any other is not asked for.
class RequestedUids {
  public:
    explicit RequestedUids(std::string_view set);
    // Not const: it remembers which UID below an "n:*" range stood for "*".
    bool contains(std::uint32_t uid) noexcept;

  private:
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges_;
    std::optional<std::uint32_t> open_from_;   // the lowest n of an "n:*" (or "*") in the set
    std::optional<std::uint32_t> last_below_;  // the UID below it that answered for "*"
};

// fetch_metadata()'s FETCH responses, for the UIDs asked for.
class MetadataHandler final : public ResponseHandler {
  public:
    explicit MetadataHandler(std::string_view uid_set) : requested_(uid_set) {}
    awaitable<std::optional<Error>> on_untagged(const Response& r) override;
    std::vector<MessageMeta> messages;
    std::size_t ignored = 0;  // FETCH responses for UIDs not asked for

  private:
    RequestedUids requested_;
};

// The ESEARCH ALL sets (RFC 4731) of searches sent pipelined, one set per
// search: each command gets one ESEARCH response (§3.1, even when nothing
// matches), answered in order; its TAG correlator says whose it is.
class ESearchHandler final : public ResponseHandler {
  public:
    explicit ESearchHandler(std::size_t searches) : sets(searches) {}
    // The command that asks for the UIDs matching `criteria` as one set.
    static std::string command(std::string_view criteria);
    awaitable<std::optional<Error>> on_untagged(const Response& r) override;
    // The sets, each ascending without repeats; protocol_error when one was
    // not a valid UID set.
    ClientResult<std::vector<std::vector<std::uint32_t>>> take(const std::string& server,
                                                               const std::string& step);

    std::vector<std::string> tags;  // in the order first answered
    std::size_t answers = 0;
    std::vector<std::vector<std::uint32_t>> sets;
    bool malformed = false;
};

// Every untagged response to each of `to`, in order; the first error stops.
class FanOut final : public ResponseHandler {
  public:
    explicit FanOut(std::vector<ResponseHandler*> to) : to_(std::move(to)) {}
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        for (ResponseHandler* h : to_) {
            if (auto e = co_await h->on_untagged(r)) {
                co_return e;
            }
        }
        co_return std::nullopt;
    }

  private:
    std::vector<ResponseHandler*> to_;
};

}  // namespace mailferry::imap::detail
