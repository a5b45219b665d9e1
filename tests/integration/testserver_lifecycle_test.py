"""`mailferry testserver` as a process: persistence across restart and
kill -9, 500 concurrent connections, one store behind both protocols, and
clear errors with the documented exit codes."""

import imaplib
import os
import poplib
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest

from testserver_fixture import MAILFERRY, start_testserver

USER, PASSWORD = "lena", "lena-pw"


def message(n, size=2000):
    body = ("line %d of message %d\r\n" % (0, n)) + "".join(
        "filler %06d for message %d\r\n" % (i, n) for i in range(size // 30))
    return ("From: Sender <sender@example.org>\r\nTo: %s@example.org\r\n"
            "Subject: message %d\r\nMessage-ID: <m%d@example.org>\r\n"
            "Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\n%s" % (USER, n, n, body)).encode()


def login(port):
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=20)
    imap.login(USER, PASSWORD)
    return imap


def uid_map(imap, mailbox="INBOX"):
    """{uid: (stored flags, body)} of a mailbox, and its UIDVALIDITY."""
    typ, _ = imap.select(mailbox)
    assert typ == "OK"
    uidvalidity = int(imap.untagged_responses["UIDVALIDITY"][0])
    typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
    assert typ == "OK"
    out = {}
    for item in data:
        if isinstance(item, tuple):
            meta = item[0].decode()
            uid = int(re.search(r"UID (\d+)", meta).group(1))
            flags = re.search(r"FLAGS \(([^)]*)\)", meta).group(1)
            # \Recent belongs to one session (RFC 3501 §2.3.2), not to the store.
            out[uid] = (sorted(f for f in flags.split() if f != "\\Recent"), item[1])
    return uidvalidity, out


class Persistence(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="mailferry-data-")

    def tearDown(self):
        shutil.rmtree(self.data, ignore_errors=True)

    def start(self):
        return start_testserver(["--data", self.data, "--user", "%s:%s" % (USER, PASSWORD),
                                 "--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0"])

    def test_restart_keeps_uidvalidity_uids_flags_and_bytes(self):
        with self.start() as server:
            imap = login(server.ports["imap"])
            imap.create("Projekte/Z&APw-rich")
            for n in range(5):
                self.assertEqual(imap.append("INBOX", r"(\Seen)" if n % 2 else None, None, message(n))[0], "OK")
            imap.append("Projekte/Z&APw-rich", r"(\Flagged $Work)", None, message(99))
            before_inbox = uid_map(imap)
            before_folder = uid_map(imap, "Projekte/Z&APw-rich")
            imap.logout()
        with self.start() as server:
            imap = login(server.ports["imap"])
            self.assertEqual(uid_map(imap), before_inbox)
            self.assertEqual(uid_map(imap, "Projekte/Z&APw-rich"), before_folder)
            imap.append("INBOX", None, None, message(5))
            _, after = uid_map(imap)
            self.assertGreater(max(after), max(before_inbox[1]), "a new message gets a new, larger UID")
            imap.logout()

    def test_deleted_and_recreated_mailbox_gets_new_uidvalidity_after_restart(self):
        with self.start() as server:
            imap = login(server.ports["imap"])
            imap.create("Old")
            imap.append("Old", None, None, message(1))
            first, _ = uid_map(imap, "Old")
            imap.select("INBOX")
            self.assertEqual(imap.delete("Old")[0], "OK")
            imap.logout()
        with self.start() as server:
            imap = login(server.ports["imap"])
            imap.create("Old")
            second, messages = uid_map(imap, "Old")
            self.assertGreater(second, first)
            self.assertEqual(messages, {})
            imap.logout()

    def test_kill_9_during_appends_leaves_only_whole_messages(self):
        for stop_after in (3, 17):
            server = self.start()
            imap = login(server.ports["imap"])
            sent = {}
            n = 0
            while n < stop_after:
                typ, data = imap.append("INBOX", None, None, message(1000 + n, 20000))
                self.assertEqual(typ, "OK")
                uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
                sent[uid] = message(1000 + n, 20000)
                n += 1
            # One more APPEND races the kill: it may or may not survive, but
            # never half-written.
            racer = threading.Thread(target=lambda: self._append_quietly(imap, message(5000 + n, 200000)))
            racer.start()
            server.kill()
            racer.join(20)
            server = self.start()
            imap2 = login(server.ports["imap"])
            _, seen = uid_map(imap2)
            for uid, body in sent.items():
                self.assertIn(uid, seen, "a confirmed APPEND survives kill -9")
                self.assertEqual(seen[uid][1], body)
            for uid, (_, body) in seen.items():
                if uid not in sent:
                    self.assertTrue(body.startswith(b"From: Sender") and body.endswith(b"\r\n"),
                                    "only whole messages are visible")
            typ, data = imap2.append("INBOX", None, None, message(9999))
            new_uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
            self.assertGreater(new_uid, max(seen), "UIDs are never reused")
            imap2.logout()
            server.stop()

    @staticmethod
    def _append_quietly(imap, body):
        try:
            imap.append("INBOX", None, None, body)
        except (OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error):
            pass

    def test_pop3_maildrop_is_the_imap_inbox(self):
        with self.start() as server:
            imap = login(server.ports["imap"])
            for n in range(3):
                imap.append("INBOX", None, None, message(n))
            imap.logout()
            pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=20)
            pop.user(USER)
            pop.pass_(PASSWORD)
            count, size = pop.stat()
            self.assertEqual(count, 3)
            self.assertEqual(size, sum(len(message(n)) for n in range(3)))
            self.assertEqual(b"\r\n".join(pop.retr(2)[1]) + b"\r\n", message(1))
            pop.quit()


class Concurrency(unittest.TestCase):
    def test_500_concurrent_imap_sessions(self):
        with start_testserver(["--user", "%s:%s" % (USER, PASSWORD), "--imap", "127.0.0.1:0"]) as server:
            sockets = []
            try:
                for _ in range(500):
                    s = socket.create_connection(("127.0.0.1", server.ports["imap"]), timeout=30)
                    sockets.append((s, s.makefile("rb")))
                for s, f in sockets:
                    self.assertTrue(f.readline().startswith(b"* OK"))
                for i, (s, f) in enumerate(sockets):
                    s.sendall(b"a%d LOGIN %s %s\r\nb%d NOOP\r\n" % (i, USER.encode(), PASSWORD.encode(), i))
                for i, (s, f) in enumerate(sockets):
                    lines = []
                    while not lines or not lines[-1].startswith(b"b%d " % i):
                        line = f.readline()
                        self.assertTrue(line, "connection %d closed early" % i)
                        lines.append(line)
                    self.assertTrue(any(l.startswith(b"a%d OK" % i) for l in lines), lines)
                    self.assertTrue(lines[-1].startswith(b"b%d OK" % i), lines)
            finally:
                for s, f in sockets:
                    s.close()


class TerminalListing(unittest.TestCase):
    """What a person sees running `mailferry testserver` in a terminal:
    stdout and the log (default level) interleaved."""

    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="mailferry-data-")
        self.addCleanup(shutil.rmtree, self.data, True)

    def start(self):
        """Starts the server with the demo users on free ports over self.data
        and waits (bounded) for "ready"; returns the process, the lines it
        printed so far (stdout and stderr merged) and their reader."""
        process = subprocess.Popen(
            [MAILFERRY, "testserver", "--seed-demo", "--data", self.data,
             "--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines, ready = [], threading.Event()

        def read():
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("ready"):
                    ready.set()
            ready.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        if not ready.wait(30) or process.poll() is not None:
            process.kill()
            process.wait(30)
            self.fail("the test server did not get ready:\n" + "\n".join(lines))
        return process, lines, reader

    @staticmethod
    def stop(process, reader):
        process.terminate()
        process.wait(30)
        reader.join(30)
        process.stdout.close()

    def test_each_listener_shows_once_and_demo_users_say_what_they_hold(self):
        process, lines, reader = self.start()
        try:
            listening = [l for l in lines if "listening on" in l]
            self.assertEqual(len(listening), 2, lines)
            # The lines scripts parse, exactly as before.
            ports = {}
            for line in listening:
                m = re.match(r"^(imap|pop3) listening on 127\.0\.0\.1:(\d+)$", line)
                self.assertIsNotNone(m, line)
                ports[m.group(1)] = int(m.group(2))
            self.assertEqual(set(ports), {"imap", "pop3"})
            self.assertIn("ready (stop with Ctrl-C)", lines)
            carol = [l for l in lines if l.startswith("demo user carol ")]
            self.assertEqual(carol, ["demo user carol password carol-pw (IMAP target, empty)"])
            imap = imaplib.IMAP4("127.0.0.1", ports["imap"], timeout=20)
            imap.login("carol", "carol-pw")
            self.assertEqual(imap.append("INBOX", None, None, message(1))[0], "OK")
            imap.logout()
        finally:
            self.stop(process, reader)

        # Restarted on the same --data: carol holds mail now, and says so.
        process, lines, reader = self.start()
        try:
            carol = [l for l in lines if l.startswith("demo user carol ")]
            self.assertEqual(carol,
                             ["demo user carol password carol-pw (IMAP target, 1 message(s))"])
            self.assertEqual(len([l for l in lines if "listening on" in l]), 2, lines)
        finally:
            self.stop(process, reader)


class CommandLine(unittest.TestCase):
    def run_testserver(self, *args):
        return subprocess.run([MAILFERRY, "testserver", *args], capture_output=True, text=True, timeout=30)

    def test_bad_listen_address_is_a_usage_error(self):
        r = self.run_testserver("--imap", "localhost")
        self.assertEqual(r.returncode, 2)
        self.assertIn("needs the form ADDR:PORT", r.stderr)

    def test_unknown_fault_is_a_usage_error(self):
        r = self.run_testserver("--imap", "127.0.0.1:0", "--faults", "explode=1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown fault 'explode'", r.stderr)

    def test_tls_listener_without_certificate_is_a_usage_error(self):
        r = self.run_testserver("--imaps", "127.0.0.1:0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--tls-self-signed", r.stderr)

    def test_port_in_use_says_so_and_exits_3(self):
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        try:
            port = blocker.getsockname()[1]
            r = self.run_testserver("--imap", "127.0.0.1:%d" % port)
            self.assertEqual(r.returncode, 3)
            self.assertIn("cannot listen on 127.0.0.1:%d for imap" % port, r.stderr)
        finally:
            blocker.close()


if __name__ == "__main__":
    unittest.main()
