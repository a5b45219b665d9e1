#!/bin/sh
# Runs contrib/bench/migrate_bench against a private Dovecot
# (tests/support/dovecot.py) on loopback: seeds a corpus into user "src",
# migrates it to user "dst" with mailferry, and then (when mbsync is
# installed) migrates the same corpus to user "mbs" with mbsync for
# comparison. Build the target migrate_bench first (a release build gives the
# meaningful figures).
#
#   contrib/bench/run-migrate-bench.sh BUILD_DIR [--messages N] [--connections C]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: $0 BUILD_DIR [--messages N] [--connections C]}
shift
exec /usr/bin/python3 - "$root" "$build/bin/migrate_bench" "$@" <<'PY'
import os, resource, shutil, subprocess, sys, tempfile, time
root, bench, args = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path.insert(0, os.path.join(root, "tests", "support"))
import dovecot
users = {"src": "bench", "dst": "bench", "mbs": "bench"}
with tempfile.TemporaryDirectory(prefix="mailferry-bench-") as d:
    with dovecot.start_dovecot(d, users=users, tls=False, pop3=False) as server:
        port = server.ports["imap"]
        status = subprocess.call([bench, "--port", str(port), "--password", "bench",
                                  "--source-user", "src", "--target-user", "dst",
                                  "--state", os.path.join(d, "state.db")] + args)
        mbsync = shutil.which("mbsync")
        if status == 0 and mbsync:
            rc = os.path.join(d, "mbsyncrc")
            with open(rc, "w") as f:
                f.write(f"""IMAPAccount src
Host 127.0.0.1
Port {port}
User src
Pass bench
SSLType None
AuthMechs LOGIN

IMAPAccount mbs
Host 127.0.0.1
Port {port}
User mbs
Pass bench
SSLType None
AuthMechs LOGIN

IMAPStore src
Account src

IMAPStore mbs
Account mbs

Channel c
Far :src:
Near :mbs:
Patterns INBOX
Create Near
Sync Pull
SyncState {d}/mbsync-state/
""")
            os.makedirs(os.path.join(d, "mbsync-state"))
            start = time.monotonic()
            subprocess.check_call([mbsync, "-q", "-c", rc, "c"])
            secs = time.monotonic() - start
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            print(f"mbsync: {secs:.2f} s, peak memory {peak} kB")
        sys.exit(status)
PY
