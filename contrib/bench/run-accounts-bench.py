#!/usr/bin/python3
"""Many small accounts, all up to date: what one `sync` cycle costs.

    contrib/bench/run-accounts-bench.py --mailferry build-release/bin/mailferry
        [--accounts 1000] [--messages 3] [--cycles 3] [--json out.json]

A daemon spends its day on cycles where nothing changed, over every
configured account. This starts the test server pair (`mailferry testserver`,
IMAP on loopback) with a source and a target user per account, puts
--messages small messages in each source INBOX, writes a config with one job
per account, runs `mailferry sync` once to copy everything (checked: every
target holds its source's messages), then --cycles more times with nothing to
do, and reports per cycle the wall time, mailferry's CPU and peak RSS, and
the state file's size (medians of the no-op cycles). See README
"Performance".
"""

import argparse
import imaplib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib.measure import run_measured  # noqa: E402

PASSWORD = "bench-pw"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message(account, n):
    return ("From: sender%d@example.org\r\nTo: user%d@example.net\r\nSubject: message %d\r\n"
            "Message-ID: <a%d.m%d@example.org>\r\nDate: Mon, 13 Nov 2023 10:00:%02d +0000\r\n"
            "\r\nHello %d, this is message %d.\r\n" % (n, account, n, account, n, n % 60, account,
                                                      n)).encode()


def connect(port, user, deadline=30.0):
    start = time.monotonic()
    while True:
        try:
            imap = imaplib.IMAP4("127.0.0.1", port, timeout=30)
            imap.login(user, PASSWORD)
            return imap
        except (OSError, imaplib.IMAP4.error):
            if time.monotonic() - start > deadline:
                raise
            time.sleep(0.2)


def for_each_account(accounts, work, threads=4):
    """Runs work(i) for every account on a few threads; re-raises the first error."""
    errors = []
    next_index = iter(range(accounts))
    lock = threading.Lock()

    def worker():
        while not errors:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            try:
                work(i)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]


def seed(port, accounts, messages):
    def one(i):
        imap = connect(port, "src%d" % i)
        for n in range(1, messages + 1):
            imap.append("INBOX", None, None, message(i, n))
        imap.logout()
    for_each_account(accounts, one)


def verify(port, accounts, messages):
    """Every target INBOX holds exactly its source's messages."""
    bad = []

    def one(i):
        imap = connect(port, "dst%d" % i)
        imap.select("INBOX", readonly=True)
        _, data = imap.uid("FETCH", "1:*", "(BODY.PEEK[])")
        imap.logout()
        got = sorted(part[1] for part in data if isinstance(part, tuple))
        want = sorted(message(i, n) for n in range(1, messages + 1))
        if got != want:
            bad.append(i)
    for_each_account(accounts, one)
    return bad


def write_config(path, port, accounts, state):
    with open(path, "w", encoding="utf-8") as f:
        f.write('state = "%s"\n' % state)
        for i in range(accounts):
            f.write('\n[[job]]\nname = "account%d"\n'
                    'source = "imap://src%d@127.0.0.1:%d"\nsource_password_env = "BENCH_PW"\n'
                    'target = "imap://dst%d@127.0.0.1:%d"\ntarget_password_env = "BENCH_PW"\n'
                    % (i, i, port, i, port))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mailferry", required=True)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    mailferry = os.path.abspath(args.mailferry)

    with tempfile.TemporaryDirectory(prefix="mailferry-accounts-") as work:
        port = free_port()
        users = []
        for i in range(args.accounts):
            users += ["--user", "src%d:%s" % (i, PASSWORD), "--user", "dst%d:%s" % (i, PASSWORD)]
        server_log = open(os.path.join(work, "testserver.log"), "w", encoding="utf-8")
        server = subprocess.Popen([mailferry, "testserver", "-q", "--imap", "127.0.0.1:%d" % port]
                                  + users, stdout=server_log, stderr=subprocess.STDOUT)
        try:
            started = time.monotonic()
            seed(port, args.accounts, args.messages)
            seeded_s = time.monotonic() - started
            config = os.path.join(work, "jobs.toml")
            state = os.path.join(work, "state.db")
            write_config(config, port, args.accounts, state)
            env = dict(os.environ, BENCH_PW=PASSWORD)
            argv = [mailferry, "sync", "--config", config, "-q"]
            first = run_measured(argv, env, work, timeout=3600)
            if first["exit"] != 0:
                sys.exit("the first sync failed (exit %d):\n%s" % (first["exit"], first["stderr"]))
            bad = verify(port, args.accounts, args.messages)
            if bad:
                sys.exit("%d target account(s) differ from their source, e.g. %d" % (len(bad),
                                                                                      bad[0]))
            cycles = []
            for _ in range(args.cycles):
                cycle = run_measured(argv, env, work, timeout=3600)
                if cycle["exit"] != 0:
                    sys.exit("a no-op sync failed (exit %d):\n%s" % (cycle["exit"],
                                                                     cycle["stderr"]))
                if "0 message(s) copied" not in cycle["stdout"]:
                    sys.exit("a no-op sync copied something:\n" + cycle["stdout"][-2000:])
                cycles.append({k: cycle[k] for k in ("wall_s", "user_s", "sys_s", "maxrss_kb")})
            state_bytes = os.path.getsize(state)
        finally:
            server.terminate()
            server.wait(timeout=30)
            server_log.close()

    median = {k: statistics.median(c[k] for c in cycles) for k in cycles[0]}
    print("%d accounts, %d messages each (seeded in %.1f s)" % (args.accounts, args.messages,
                                                                 seeded_s))
    print()
    print("| | wall | mailferry CPU | peak RSS |")
    print("| --- | --- | --- | --- |")
    print("| first sync (copies everything) | %.2f s | %.2f s | %.1f MB |"
          % (first["wall_s"], first["user_s"] + first["sys_s"], first["maxrss_kb"] / 1024))
    print("| no-op cycle (median of %d) | %.2f s | %.2f s | %.1f MB |"
          % (len(cycles), median["wall_s"], median["user_s"] + median["sys_s"],
             median["maxrss_kb"] / 1024))
    print()
    print("state file: %.1f MB" % (state_bytes / 1e6))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"accounts": args.accounts, "messages": args.messages,
                       "first": {k: first[k] for k in ("wall_s", "user_s", "sys_s", "maxrss_kb")},
                       "cycles": cycles, "median": median, "state_bytes": state_bytes}, f,
                      indent=2)


if __name__ == "__main__":
    main()
