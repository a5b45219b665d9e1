#pragma once
// A private Dovecot for interop tests, in its own temporary directory on
// free loopback ports, stopped when the object goes away.
//
// The configuration is written by tests/support/dovecot.py (`prepare`
// command), which the Python tests use as well, so both languages start the
// same server; this class runs that script, then starts `dovecot -F -c
// CONFIG` as its child and waits (at most 15 s) until IMAP answers `* OK`.
// If Dovecot lost the race for a port it is restarted on new ones. The child
// gets SIGTERM if the test process dies, so no server outlives a test.
//
// start() throws std::runtime_error when Dovecot is not installed (with the
// apt-get hint) or does not come up (with its log): interop tests fail,
// never skip.

#include "tests/support/temp_dir.hpp"

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace mailferry::test {

struct DovecotOptions {
    // user -> password (passwd-file, {PLAIN}).
    std::map<std::string, std::string> users{{"alice", "pw"}};
    // '.' gives Maildir++, '/' gives LAYOUT=fs.
    char separator = '/';
    // Certificate, STARTTLS/STLS and the imaps/pop3s listeners.
    bool tls = true;
    // The pop3 (and with tls, pop3s) listeners.
    bool pop3 = true;
};

// Listening ports on 127.0.0.1; 0 for a listener that is off.
struct DovecotPorts {
    std::uint16_t imap = 0;
    std::uint16_t imaps = 0;
    std::uint16_t pop3 = 0;
    std::uint16_t pop3s = 0;
};

class Dovecot {
  public:
    static Dovecot start(const DovecotOptions& options = {});

    Dovecot(Dovecot&& other) noexcept;
    Dovecot& operator=(Dovecot&&) = delete;
    Dovecot(const Dovecot&) = delete;
    Dovecot& operator=(const Dovecot&) = delete;
    ~Dovecot();

    const DovecotPorts& ports() const noexcept { return ports_; }
    // PEM of the self-signed certificate the server presents (SAN localhost,
    // 127.0.0.1, ::1); empty without TLS.
    const std::filesystem::path& ca_file() const noexcept { return ca_file_; }
    const std::filesystem::path& directory() const noexcept { return dir_->path(); }
    // Dovecot's logs so far, for failure messages.
    std::string logs() const;

    // Stops the server (SIGTERM, then SIGKILL after 10 s) and reaps it.
    void stop() noexcept;

  private:
    Dovecot() = default;

    std::unique_ptr<TempDir> dir_;
    pid_t pid_ = -1;
    DovecotPorts ports_;
    std::filesystem::path ca_file_;
    std::filesystem::path log_dir_;
};

}  // namespace mailferry::test
