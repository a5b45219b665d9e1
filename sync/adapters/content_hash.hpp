#pragma once
// SHA-256 of whole messages as they stream past (POP3 RETR), for a POP3
// server without UIDL: the content is then the only stable identity a
// message has across sessions (RFC 1939 §7: message numbers are per
// session). Nothing of the message is kept but the running digest.

#include "clients/pop3/retr_sink.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace mailferry::sync {

class ContentHasher final : public pop3::RetrSink {
  public:
    ContentHasher();
    ~ContentHasher() override;
    ContentHasher(const ContentHasher&) = delete;
    ContentHasher& operator=(const ContentHasher&) = delete;

    boost::asio::awaitable<boost::system::error_code> on_chunk(std::uint32_t number,
                                                               std::string_view chunk) override;

    // Lowercase hex SHA-256 of message `number`'s octets as delivered; ""
    // when nothing was delivered for it.
    std::string digest(std::uint32_t number);

  private:
    struct Context;
    std::map<std::uint32_t, std::unique_ptr<Context>> contexts_;
};

}  // namespace mailferry::sync
