#pragma once
// Watching a job's source INBOX with IMAP IDLE (RFC 2177), so the daemon
// syncs new mail within seconds instead of waiting for the interval.
//
// watch_inbox() connects to the source account (as connect_source does:
// URL, TLS, password, timeouts of MigrationOptions; its log lines and the
// client's protocol trace go to MigrationOptions::logger), EXAMINEs INBOX
// (read-only: watching changes nothing) and loops Client::idle(). It calls
// on_change() when the server reports new mail (an EXISTS other than the
// count known), expunges or flag changes, and after a reconnect when INBOX
// is not as the previous session found it (UIDVALIDITY, UIDNEXT, EXISTS or
// HIGHESTMODSEQ differ): that changed while nobody listened. Changes the
// previous session reported can so be reported twice; a sync finds nothing
// to do then.
//
// Failures: a lost connection, BYE, a timeout, a refused login or EXAMINE
// log one warning each, wait the back-off and reconnect; watch_inbox() never
// returns for those (the scheduler's own runs report them). It returns only
// when cancelled, or at once with `unsupported` for a source it cannot watch.
//
// Executor and cancellation: runs on the caller's executor (one thread).
// A terminal cancellation of the awaiting coroutine ends an IDLE with DONE
// and LOGOUT (when the connection allows) and returns `cancelled` within a
// second or two, whatever idle_wait is. No timer or connection outlives the
// call. on_change() is called on the executor's thread and must be quick.

#include "clients/imap/idle.hpp"
#include "sync/migration.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>

namespace mailferry::sync {

struct InboxWatchOptions {
    // IDLE is ended and started again at least this often (RFC 2177 §3:
    // servers may log out a client idle for 30 minutes).
    std::chrono::seconds idle_wait = imap::max_idle_wait;
    // Wait before reconnecting after a failure: reconnect_min, doubling
    // after each failure in a row up to reconnect_max, plus up to a quarter
    // of jitter (still at most reconnect_max). A session that completed an
    // IDLE resets it.
    std::chrono::seconds reconnect_min{5};
    std::chrono::seconds reconnect_max{std::chrono::minutes(5)};
};

enum class InboxWatchEnd {
    cancelled,    // the awaiting coroutine was cancelled (daemon stopping, job removed)
    unsupported,  // the source is POP3 (or its URL is invalid), or the IMAP server does not
                  // advertise IDLE: the caller falls back to the interval
};

boost::asio::awaitable<InboxWatchEnd> watch_inbox(AccountAccess source, MigrationOptions options,
                                                  InboxWatchOptions watch,
                                                  std::function<void()> on_change);

}  // namespace mailferry::sync
