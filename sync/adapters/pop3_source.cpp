#include "sync/adapters/pop3_source.hpp"

#include "clients/pop3/busy_signal.hpp"

#include "sync/adapters/content_hash.hpp"
#include "sync/adapters/header_scan.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <set>

namespace mailferry::sync {
namespace detail {

// One RETRed message: in memory up to `memory_limit` octets, else in an
// anonymous temporary file (removed when closed).
class Spool final : public pop3::RetrSink {
  public:
    explicit Spool(std::size_t memory_limit) : memory_limit_(memory_limit) {}
    ~Spool() override {
        if (file_ != nullptr) {
            std::fclose(file_);
        }
    }
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    boost::asio::awaitable<boost::system::error_code> on_chunk(std::uint32_t,
                                                               std::string_view chunk) override {
        co_return write(chunk);
    }

    std::uint64_t size() const noexcept { return size_; }
    std::size_t memory() const noexcept { return memory_.size(); }
    const HeaderScan& header() const noexcept { return scan_; }

    // Reads from `offset`; 0 at the end.
    std::size_t read(std::uint64_t offset, std::span<char> out) {
        if (offset >= size_) {
            return 0;
        }
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size_ - offset));
        if (file_ == nullptr) {
            memory_.copy(out.data(), n, static_cast<std::size_t>(offset));
            return n;
        }
        if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0) {
            return 0;
        }
        return std::fread(out.data(), 1, n, file_);
    }

  private:
    boost::system::error_code write(std::string_view chunk) {
        scan_.feed(chunk);
        size_ += chunk.size();
        if (file_ == nullptr && memory_.size() + chunk.size() <= memory_limit_) {
            memory_.append(chunk);
            return {};
        }
        if (file_ == nullptr) {
            file_ = std::tmpfile();
            if (file_ == nullptr ||
                std::fwrite(memory_.data(), 1, memory_.size(), file_) != memory_.size()) {
                return make_error_code(boost::system::errc::io_error);
            }
            std::string().swap(memory_);
        }
        if (std::fwrite(chunk.data(), 1, chunk.size(), file_) != chunk.size()) {
            return make_error_code(boost::system::errc::io_error);
        }
        return {};
    }

    std::size_t memory_limit_;
    std::string memory_;
    std::FILE* file_ = nullptr;
    std::uint64_t size_ = 0;
    HeaderScan scan_;
};

}  // namespace detail

namespace {

using boost::asio::awaitable;
using Done = boost::system::result<void, MailboxError>;

constexpr std::size_t spool_in_memory = 1024 * 1024;
constexpr std::size_t batch_in_memory = 8 * 1024 * 1024;

MailboxError to_mailbox_error(const pop3::ClientError& e, const pop3::Client& client) {
    const bool rejected = client.is_connected() && e.code != pop3::client_error::protocol_error &&
                          e.code != pop3::client_error::not_connected &&
                          e.code != pop3::client_error::sink_failed;
    return {rejected ? MailboxError::Kind::rejected : MailboxError::Kind::connection_lost,
            e.message, pop3::busy_signal(e).value_or("")};
}

// The messages of one RETR pipeline, each into a spool of its own: in
// memory while the batch holds less than batch_in_memory there (a message
// at most spool_in_memory), else in a temporary file. Answers arrive in
// order, so a new number starts the next message.
class SpoolingSink final : public pop3::RetrSink {
  public:
    awaitable<boost::system::error_code> on_chunk(std::uint32_t number,
                                                  std::string_view chunk) override {
        co_return co_await current(number).on_chunk(number, chunk);
    }

    awaitable<boost::system::error_code> on_end(std::uint32_t number) override {
        detail::Spool& done = current(number);
        in_memory_ += done.memory();
        spools[number] = std::move(current_);
        co_return boost::system::error_code{};
    }

    std::map<std::uint32_t, std::unique_ptr<detail::Spool>> spools;  // by message number

  private:
    // The spool of message `number` (an empty message has no chunk).
    detail::Spool& current(std::uint32_t number) {
        if (!current_ || number_ != number) {
            const std::size_t budget = batch_in_memory - std::min(in_memory_, batch_in_memory);
            current_ = std::make_unique<detail::Spool>(std::min(spool_in_memory, budget));
            number_ = number;
        }
        return *current_;
    }

    std::unique_ptr<detail::Spool> current_;
    std::uint32_t number_ = 0;
    std::size_t in_memory_ = 0;
};

}  // namespace

Pop3Source::Pop3Source(pop3::Client client) : client_(std::move(client)) {}
Pop3Source::~Pop3Source() = default;

awaitable<MailboxResult<std::vector<MailboxFolder>>> Pop3Source::list_folders() {
    co_return std::vector<MailboxFolder>{MailboxFolder{"INBOX", "", true}};
}

awaitable<MailboxResult<SourceFolderListing>> Pop3Source::open_folder(MailboxFolder folder, bool,
                                                                      bool list,
                                                                      const FolderState* known,
                                                                      ListingScope) {
    SourceFolderListing listing;
    listing.folder = std::move(folder);
    if (!list && !number_of_.empty()) {
        co_return listing;  // the session's numbers are known already
    }
    auto scan = co_await client_.list();
    if (!scan) {
        co_return to_mailbox_error(scan.error(), client_);
    }
    auto keys = co_await message_keys(*scan);
    if (!keys) {
        co_return keys.error();
    }
    std::map<std::uint32_t, std::uint64_t> size_of;
    for (const pop3::ScanListing& s : *scan) {
        size_of[s.number] = s.octets;
    }
    std::set<std::string> remembered;
    if (known != nullptr) {
        for (const MessageState& m : known->messages) {
            remembered.insert(m.source_key);
        }
    }
    number_of_.clear();
    std::vector<std::uint32_t> unknown;
    for (const auto& [number, key] : *keys) {
        number_of_[key] = number;
        SourceMessage m;
        m.source_key = key;
        auto size = size_of.find(number);
        m.size = size == size_of.end() ? 0 : size->second;
        listing.messages.push_back(std::move(m));
        if (remembered.count(key) == 0) {
            unknown.push_back(number);
        }
    }
    listing.status.messages = static_cast<std::uint32_t>(listing.messages.size());
    if (list && !unknown.empty()) {
        auto headers = co_await read_headers(std::move(unknown));
        if (!headers) {
            co_return headers.error();
        }
        for (SourceMessage& m : listing.messages) {
            if (auto h = headers->find(number_of_.at(m.source_key)); h != headers->end()) {
                m.message_id = h->second.message_id();
                m.internal_date = h->second.date().value_or(0);
            }
        }
    }
    co_return listing;
}

awaitable<MailboxResult<std::vector<std::pair<std::uint32_t, std::string>>>>
Pop3Source::message_keys(const std::vector<pop3::ScanListing>& scan) {
    std::vector<std::pair<std::uint32_t, std::string>> keys;
    auto uidl = co_await client_.uidl();
    if (!uidl) {
        co_return to_mailbox_error(uidl.error(), client_);
    }
    if (*uidl) {
        for (pop3::UidlListing& u : **uidl) {
            keys.emplace_back(u.number, std::move(u.uidl));
        }
        co_return keys;
    }
    if (!warned_no_uidl_) {
        spdlog::warn(
            "{}: the POP3 server does not support UIDL, so messages are told apart by "
            "a SHA-256 of their content: every run downloads every message once to "
            "compute it. Use the provider's IMAP service if there is one",
            client_.server());
        warned_no_uidl_ = true;
    }
    std::vector<std::uint32_t> numbers;
    for (const pop3::ScanListing& s : scan) {
        numbers.push_back(s.number);
    }
    ContentHasher hasher;
    auto read = co_await client_.retr_many(std::move(numbers), hasher);
    if (!read) {
        co_return to_mailbox_error(read.error(), client_);
    }
    // Identical messages get "#2", "#3", ... in maildrop order, so that each
    // is copied; which of them is which does not matter.
    std::map<std::string, unsigned> seen;
    for (const pop3::MessageOutcome& o : *read) {
        if (o.error) {
            continue;  // deleted by another session meanwhile
        }
        std::string key = "sha256:" + hasher.digest(o.number);
        if (const unsigned n = ++seen[key]; n > 1) {
            key += "#" + std::to_string(n);
        }
        keys.emplace_back(o.number, std::move(key));
    }
    co_return keys;
}

namespace {

// The header block of each message TOP sends (RFC 1939 §7, `TOP n 0`).
class HeaderCollector final : public pop3::RetrSink {
  public:
    boost::asio::awaitable<boost::system::error_code> on_chunk(std::uint32_t number,
                                                               std::string_view chunk) override {
        headers[number].feed(chunk);
        co_return boost::system::error_code();
    }
    std::map<std::uint32_t, HeaderScan> headers;
};

}  // namespace

awaitable<MailboxResult<std::map<std::uint32_t, HeaderScan>>> Pop3Source::read_headers(
    std::vector<std::uint32_t> numbers) {
    HeaderCollector collector;
    auto read = co_await client_.top_many(std::move(numbers), 0, collector);
    if (!read) {
        co_return to_mailbox_error(read.error(), client_);
    }
    // A -ERR (TOP is optional) leaves that message without header data: it
    // is then not matched against the target, only copied.
    co_return std::move(collector.headers);
}

awaitable<MailboxResult<std::vector<std::optional<PreparedMeta>>>> Pop3Source::prepare(
    std::vector<CopyItem> items) {
    spools_.clear();
    std::vector<std::uint32_t> numbers;
    for (const CopyItem& item : items) {
        if (auto number = number_of_.find(item.source_key); number != number_of_.end()) {
            numbers.push_back(number->second);
        }
    }
    // One RETR a message would cost a round trip each: behind a link of
    // 20 ms, 18 s for 900 messages. The batch is asked for at once.
    SpoolingSink sink;
    auto read = co_await client_.retr_many(std::move(numbers), sink);
    if (!read) {
        // Lost: not the messages' fault.
        co_return to_mailbox_error(read.error(), client_);
    }
    for (const pop3::MessageOutcome& outcome : *read) {
        if (outcome.error && pop3::busy_signal(*outcome.error)) {
            // Refused for load ([SYS/TEMP]): not the message's fault either.
            co_return to_mailbox_error(*outcome.error, client_);
        }
        // Another -ERR: another session deleted it meanwhile. It has no
        // spool: only a +OK is followed by a body, and only a whole body
        // ends in one.
    }
    std::vector<std::optional<PreparedMeta>> out;
    for (const CopyItem& item : items) {
        auto number = number_of_.find(item.source_key);
        auto spooled =
            number == number_of_.end() ? sink.spools.end() : sink.spools.find(number->second);
        if (spooled == sink.spools.end()) {
            out.emplace_back();
            continue;
        }
        const detail::Spool& spool = *spooled->second;
        PreparedMeta meta;
        meta.size = spool.size();
        meta.message_id = spool.header().message_id();
        // SPEC: the Date: field's time, else the time of the copy; given
        // explicitly so that the state records the INTERNALDATE the target got.
        meta.internal_date =
            spool.header().date().value_or(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
        spools_[item.source_key] = std::move(spooled->second);
        out.emplace_back(std::move(meta));
    }
    co_return out;
}

awaitable<MailboxResult<std::size_t>> Pop3Source::fetch_bodies(std::vector<CopyItem> items,
                                                               net::BodySink& sink) {
    std::array<char, 64 * 1024> buffer{};
    std::size_t delivered = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto it = spools_.find(items[i].source_key);
        if (it == spools_.end()) {
            continue;
        }
        detail::Spool& spool = *it->second;
        auto ec = co_await sink.begin(static_cast<std::uint32_t>(i), spool.size());
        std::uint64_t offset = 0;
        while (!ec && offset < spool.size()) {
            const std::size_t n = spool.read(offset, buffer);
            if (n == 0) {
                ec = make_error_code(boost::system::errc::io_error);
                break;
            }
            offset += n;
            ec = co_await sink.data(std::span<const char>(buffer.data(), n));
        }
        if (!ec) {
            ec = co_await sink.end();
        }
        if (ec) {
            spools_.clear();
            co_return MailboxError{
                MailboxError::Kind::connection_lost,
                client_.server() + ": passing a spooled message on failed: " + ec.message()};
        }
        ++delivered;
    }
    spools_.clear();
    co_return delivered;
}

awaitable<MailboxResult<void>> Pop3Source::delete_messages(std::vector<SourceDeletion> messages) {
    std::vector<std::uint32_t> numbers;
    for (const SourceDeletion& d : messages) {
        auto it = number_of_.find(d.source_key);
        if (it != number_of_.end()) {
            numbers.push_back(it->second);
        }
    }
    if (numbers.empty()) {
        co_return Done{};
    }
    auto deleted = co_await client_.dele_many(std::move(numbers));
    if (!deleted) {
        co_return to_mailbox_error(deleted.error(), client_);
    }
    for (const pop3::MessageOutcome& o : *deleted) {
        if (o.error) {
            co_return MailboxError{MailboxError::Kind::rejected, o.error->message};
        }
    }
    co_return Done{};
}

awaitable<MailboxResult<void>> Pop3Source::commit() {
    if (!client_.is_connected()) {
        co_return MailboxError{MailboxError::Kind::connection_lost,
                               client_.server() +
                                   ": the POP3 session ended before QUIT; "
                                   "its deletions were not made"};
    }
    auto quit = co_await client_.quit();
    if (!quit) {
        co_return to_mailbox_error(quit.error(), client_);
    }
    co_return Done{};
}

awaitable<void> Pop3Source::logout() {
    if (client_.is_connected()) {
        auto reset = co_await client_.rset();
        if (reset) {
            auto quit = co_await client_.quit();
            (void)quit;
        }
    }
    client_.close();
}

}  // namespace mailferry::sync
