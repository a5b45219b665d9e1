"""A migration through a server that throttles like Gmail or Microsoft 365
(`mailferry testserver --faults throttle=...`): once a user has sent its
quota of commands, its commands are refused NO [THROTTLED] (or answered BYE
and the connection closed) for a while, and logins beyond a number of
connections are refused NO [UNAVAILABLE]. The quota counts commands, not
commands per second, so a slow (sanitized, loaded) run meets it as surely as
a fast one. mailferry must back off, use fewer connections, fail
nothing, and end with the target holding exactly what the source holds.

The accounts are compared with imaplib (every message's octets, flags and
INTERNALDATE), not with mailferry's own code; the server's log shows that it
really did refuse commands and logins."""

import imaplib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from testserver_fixture import MAILFERRY, start_testserver  # noqa: E402
from mailbox_snapshot import imap_snapshot  # noqa: E402

RUN_TIMEOUT = 150
SRC_PW = "Src-Thr0ttle-pw"
DST_PW = "Dst-Thr0ttle-pw"
FLAGS = ["", "\\Seen", "\\Seen \\Flagged", "\\Answered", "$Label1"]


def fill(port, folder, count, first=0):
    """Appends `count` small distinct messages to `folder` of src: APPENDs
    pipelined with LITERAL+ literals over one socket (imaplib would wait for
    each answer), then every answer checked."""
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    imap.login("src", SRC_PW)
    if folder != "INBOX":
        imap.create(folder)
    imap.logout()
    out = [b"a LOGIN src " + SRC_PW.encode() + b"\r\n"]
    for i in range(first, first + count):
        body = ("From: sender%d@example.org\r\nTo: src@example.org\r\n"
                "Subject: message %d\r\nMessage-ID: <m%d.%s@example.org>\r\n"
                "Date: Mon, 2 Nov 2026 10:%02d:%02d +0000\r\n\r\n%s\r\n"
                % (i, i, i, folder, (i // 60) % 60, i % 60,
                   "line %d\r\n" % i * (1 + i % 7))).encode()
        date = imaplib.Time2Internaldate(1790000000 + i * 61)
        out.append(b"t%d APPEND %s (%s) %s {%d+}\r\n%s\r\n"
                   % (i, folder.encode(), FLAGS[i % len(FLAGS)].encode(), date.encode(),
                      len(body), body))
    out.append(b"z LOGOUT\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sender = threading.Thread(target=sock.sendall, args=(b"".join(out),))
        sender.start()
        answers = b""
        while b"\r\nz OK" not in answers:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answers += chunk
        sender.join()
    ok = sum(1 for line in answers.split(b"\r\n") if re.match(rb"t\d+ OK", line))
    assert ok == count, answers[-500:]


class Throttling(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-throttle-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def server(self, *extra):
        server = start_testserver(["--imap", "127.0.0.1:0", "--user", "src:" + SRC_PW,
                                   "--user", "dst:" + DST_PW, *extra])
        self.servers.append(server)
        # The server logs each refusal on stderr (a warning); read it all,
        # so a full pipe never holds the server up.
        server.log = []
        reader = threading.Thread(target=lambda: server.log.extend(server.process.stderr),
                                  daemon=True)
        reader.start()
        server.reader = reader
        return server

    def migrate(self, source, target, *args, source_url=None):
        env = dict(os.environ, HOME=self.dir, MAILFERRY_SOURCE_PASSWORD=SRC_PW,
                   MAILFERRY_TARGET_PASSWORD=DST_PW)
        env.pop("XDG_STATE_HOME", None)
        report = os.path.join(self.dir, "report.json")
        run = subprocess.run(
            [MAILFERRY, "migrate", source_url or "imap://src@127.0.0.1:%d" % source.ports["imap"],
             "imap://dst@127.0.0.1:%d" % target.ports["imap"], "--state",
             os.path.join(self.dir, "state.db"), "--report", report, *args],
            env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        with open(report, encoding="utf-8") as f:
            return run, json.load(f)

    def assert_exact(self, source, target, expected):
        # The throttled target counts the user's commands, and the run may
        # have used its quota up just before it ended: the snapshot (a few
        # dozen commands) needs a fresh one, which a user silent for the
        # refusal time (1 s at most here) has.
        time.sleep(1.1)
        src = imap_snapshot("127.0.0.1", source.ports["imap"], "src", SRC_PW)
        dst = imap_snapshot("127.0.0.1", target.ports["imap"], "dst", DST_PW)
        self.assertEqual(sum(len(m) for m in src.values()), expected)
        self.assertEqual(sorted(src), sorted(dst))
        for folder, messages in src.items():
            got = dst[folder]
            self.assertEqual(len(got), len(messages), folder)
            self.assertEqual(sum(len(m[0]) for m in got), sum(len(m[0]) for m in messages),
                             folder)
            self.assertEqual(got, messages, folder)  # octets, flags, INTERNALDATE

    @staticmethod
    def server_log(server):
        server.stop()  # its stderr ends: the reader has every line
        server.reader.join(10)
        return "".join(server.log)

    def test_commands_window_and_connection_limit(self):
        # 600 messages in two folders; the target lets a user send 100
        # commands, then refuses its commands for 1 s, and hold two
        # connections, one APPEND per message (no MULTIAPPEND), while
        # mailferry asks for four pairs: at least five refusal periods.
        a = self.server()
        b = self.server("--disable-capability", "MULTIAPPEND",
                        "--faults", "throttle=100/1000,max-connections=2")
        fill(a.ports["imap"], "INBOX", 500)
        fill(a.ports["imap"], "Archive", 100, first=500)

        run, report = self.migrate(a, b, "--connections", "4")
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assert_exact(a, b, 600)

        # The back-off is in the log and in the report, and nothing failed.
        self.assertIn("throttled by the server", run.stderr)
        self.assertRegex(run.stderr, r"backing off \d+\.\d s, then \d connection")
        self.assertEqual(report["errors"], [])
        self.assertEqual(report["totals"]["messages"]["failed"], 0)
        self.assertEqual(report["totals"]["messages"]["copied"], 600)
        t = report["throttling"]
        self.assertGreaterEqual(t["episodes"], 2)
        self.assertGreater(t["wait_s"], 0)
        self.assertEqual(t["connections_start"], 4)
        self.assertLess(t["connections_end"], t["connections_start"])
        self.assertGreaterEqual(t["connections_end"], 1)
        self.assertIn("Throttled by the server: ", run.stdout + run.stderr)

        # Nothing is left to do.
        again, second = self.migrate(a, b, "--connections", "4")
        self.assertEqual(again.returncode, 0, again.stderr[-3000:])
        self.assertEqual(second["totals"]["messages"]["to_copy"], 0)
        self.assert_exact(a, b, 600)

        # The server did refuse: commands over the window, logins over two.
        log = self.server_log(b)
        self.assertIn("throttled APPEND of dst", log)
        self.assertIn("refused a login of dst: too many connections", log)

    def test_bye_when_throttled_reconnects_and_ends_exact(self):
        # The target hangs up ("* BYE [UNAVAILABLE] Server busy") instead of
        # answering NO: every episode costs the connection. 100 commands,
        # then 1 s of refusals: 200 messages are 200 APPENDs.
        a = self.server()
        b = self.server("--disable-capability", "MULTIAPPEND",
                        "--faults", "throttle=100/1000,throttle-action=bye")
        fill(a.ports["imap"], "INBOX", 200)

        run, report = self.migrate(a, b, "--connections", "2")
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assert_exact(a, b, 200)
        self.assertIn("Server busy", run.stderr)
        self.assertEqual(report["errors"], [])
        self.assertGreaterEqual(report["throttling"]["episodes"], 1)
        self.assertIn("throttled APPEND of dst", self.server_log(b))

    def test_pop3_source_throttled_with_sys_temp(self):
        # A POP3 source that answers -ERR [SYS/TEMP] beyond 250 commands,
        # for 1 s (a listing of 150 messages takes about 155, their RETRs
        # 150 more): the one POP3 session backs off, with smaller batches,
        # and goes on.
        # Filled without the fault (the limit is the user's, IMAP included),
        # then served again from the same store with it.
        data = os.path.join(self.dir, "source-store")
        filling = self.server("--data", data)
        fill(filling.ports["imap"], "INBOX", 150)
        filling.stop()
        a = self.server("--data", data, "--pop3", "127.0.0.1:0", "--faults", "throttle=250/1000")
        b = self.server()
        run, report = self.migrate(
            a, b, source_url="pop3://src@127.0.0.1:%d" % a.ports["pop3"])
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertIn("[SYS/TEMP]", run.stderr)
        self.assertEqual(report["errors"], [])
        self.assertGreaterEqual(report["throttling"]["episodes"], 1)
        self.assertIn("throttled RETR of src", self.server_log(a))
        src = imap_snapshot("127.0.0.1", self.server("--data", data).ports["imap"], "src",
                            SRC_PW)["INBOX"]
        dst = imap_snapshot("127.0.0.1", b.ports["imap"], "dst", DST_PW)["INBOX"]
        self.assertEqual(len(src), 150)
        self.assertEqual(len(dst), 150)
        self.assertEqual(sorted(m[0] for m in dst), sorted(m[0] for m in src))

    def test_unthrottled_run_reports_no_throttling(self):
        a, b = self.server(), self.server()
        fill(a.ports["imap"], "INBOX", 30)
        run, report = self.migrate(a, b, "--connections", "2")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(report["throttling"]["episodes"], 0)
        self.assertEqual(report["throttling"]["wait_s"], 0)
        self.assertEqual(report["throttling"]["connections_start"],
                         report["throttling"]["connections_end"])
        self.assertNotIn("throttled", run.stderr)


if __name__ == "__main__":
    unittest.main()
