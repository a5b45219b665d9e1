#pragma once
// Tells systemd (Type=notify or Type=notify-reload units) how the daemon is
// doing, through sd_notify(3). Every call is a no-op when NOTIFY_SOCKET is not
// set, that is when not started by systemd. A failure to notify is logged, not
// returned: the daemon works the same without a supervisor.
//
// `status` is one line of free text shown by `systemctl status`; a newline in
// it is replaced by a space so it cannot add assignments of its own.

#include <string_view>

namespace mailferry::cli {

void notify_ready(std::string_view status);      // READY=1, STATUS=...
void notify_reloading(std::string_view status);  // RELOADING=1, MONOTONIC_USEC=..., STATUS=...
void notify_stopping(std::string_view status);   // STOPPING=1, STATUS=...
void notify_status(std::string_view status);     // STATUS=...

}  // namespace mailferry::cli
