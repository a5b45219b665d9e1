#!/bin/sh
# Runs contrib/bench/imap_fetch_append_bench against a private Dovecot
# (tests/support/dovecot.py) on loopback: plain (a Dovecot without TLS), then
# implicit TLS. Build the target imap_fetch_append_bench first (a release
# build gives the meaningful figures).
#
#   contrib/bench/run-imap-bench.sh BUILD_DIR [--messages N] [--size S]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: $0 BUILD_DIR [--messages N] [--size S]}
shift
exec /usr/bin/python3 - "$root" "$build/bin/imap_fetch_append_bench" "$@" <<'PY'
import os, subprocess, sys, tempfile
root, bench, args = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path.insert(0, os.path.join(root, "tests", "support"))
import dovecot
status = 0
for tls in (False, True):
    with tempfile.TemporaryDirectory(prefix="mailferry-bench-") as d:
        with dovecot.start_dovecot(d, users={"bench": "bench"}, tls=tls, pop3=False) as server:
            cmd = [bench, "--user", "bench", "--password", "bench"]
            cmd += ["--tls", "--ca-file", server.ca_file, "--port", str(server.ports["imaps"])] \
                if tls else ["--port", str(server.ports["imap"])]
            status |= subprocess.call(cmd + args)
sys.exit(status)
PY
