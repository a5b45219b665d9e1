"""A server that stops offering STARTTLS (or STLS) never gets the password.

Someone on the path can strip STARTTLS from a server's capabilities; a
client that then logs in over plain text hands them the password. For a
peer that is not on loopback mailferry refuses instead, unless
--allow-plaintext says otherwise. To have such a peer without leaving the
machine, the test runs in a private network namespace (`unshare -n`, as
root) where 192.0.2.1 (TEST-NET-1) is an address of the namespace's own
loopback device: traffic stays inside, but the peer is not 127.0.0.0/8.

The servers are scripted: they record every byte mailferry sends, offer
everything but STARTTLS/STLS, and accept any login. The recordings are
searched for the password, as written and base64-encoded (SASL).
"""

import base64
import os
import socket
import subprocess
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from testserver_fixture import MAILFERRY  # noqa: E402

ADDRESS = "192.0.2.1"
PASSWORD = "Downgrade-pw-6c1e0b"
IN_NAMESPACE = "MAILFERRY_DOWNGRADE_NETNS"

IMAP_CAPABILITY = b"IMAP4rev1 AUTH=PLAIN AUTH=LOGIN LITERAL+ UIDPLUS"


class RecordingServer:
    """Answers one protocol's login dance without STARTTLS; keeps what it got."""

    def __init__(self, protocol):
        self.protocol = protocol
        self.received = b""
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind((ADDRESS, 0))
        self.sock.listen(8)
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        conn.settimeout(30)
        greeting = (b"* OK [CAPABILITY " + IMAP_CAPABILITY + b"] ready\r\n"
                    if self.protocol == "imap" else b"+OK ready <1.2@example.org>\r\n")
        try:
            conn.sendall(greeting)
            pending = b""
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                self.received += data
                pending += data
                while b"\r\n" in pending:
                    line, pending = pending.split(b"\r\n", 1)
                    answer = self._answer(line)
                    if answer is None:
                        return
                    conn.sendall(answer)
        except OSError:
            return
        finally:
            conn.close()

    def _answer(self, line):
        if self.protocol == "pop3":
            verb = line.split(b" ")[0].upper()
            if verb == b"CAPA":
                return b"+OK\r\nUSER\r\nUIDL\r\nSASL PLAIN\r\n.\r\n"
            if verb == b"QUIT":
                return None
            return b"+OK\r\n"
        parts = line.split(b" ")
        tag, verb = parts[0], parts[1].upper() if len(parts) > 1 else b""
        if verb == b"CAPABILITY":
            return b"* CAPABILITY " + IMAP_CAPABILITY + b"\r\n" + tag + b" OK done\r\n"
        if verb == b"LOGOUT":
            return b"* BYE bye\r\n" + tag + b" OK bye\r\n"
        if verb == b"AUTHENTICATE" and len(parts) == 3:
            return b"+ \r\n"
        if not verb:
            return b""  # a SASL continuation line: wait for the next command
        return tag + b" OK done\r\n"

    def got_password(self):
        forms = [PASSWORD.encode(), base64.b64encode(PASSWORD.encode())]
        for user in (b"alice", b"carol"):
            forms.append(base64.b64encode(b"\0" + user + b"\0" + PASSWORD.encode()))
        return any(f in self.received for f in forms)

    def close(self):
        self.sock.close()


class StarttlsDowngrade(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.environ.get(IN_NAMESPACE):
            raise AssertionError("run this file directly: it enters its own network namespace")

    def run_mailferry(self, *args):
        env = dict(os.environ, MAILFERRY_PASSWORD=PASSWORD, MAILFERRY_SOURCE_PASSWORD=PASSWORD,
                   MAILFERRY_TARGET_PASSWORD=PASSWORD, HOME="/tmp")
        return subprocess.run([MAILFERRY, *args], env=env, capture_output=True, text=True,
                              timeout=120)

    def url(self, scheme, user, server):
        return "%s://%s@%s:%d" % (scheme, user, ADDRESS, server.port)

    def test_probe_refuses_to_log_in_without_tls_on_imap_and_pop3(self):
        for protocol in ("imap", "pop3"):
            with self.subTest(protocol=protocol):
                server = RecordingServer(protocol)
                r = self.run_mailferry("probe", self.url(protocol, "alice", server))
                self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
                self.assertRegex(r.stdout + r.stderr,
                                 "does not offer (STARTTLS|STLS)|is not on loopback")
                self.assertIn("--allow-plaintext", r.stdout + r.stderr)
                self.assertGreater(server.connections, 0, "mailferry never connected")
                self.assertFalse(server.got_password(), server.received)
                server.close()

    def test_migrate_sends_the_password_to_neither_side(self):
        source, target = RecordingServer("imap"), RecordingServer("imap")
        r = self.run_mailferry("migrate", self.url("imap", "alice", source),
                               self.url("imap", "carol", target), "--state", "/tmp/downgrade.db")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertFalse(source.got_password(), source.received)
        self.assertFalse(target.got_password(), target.received)

    def test_allow_plaintext_is_the_only_way_past(self):
        # The same server and the option: the password goes, so the
        # recordings above would have shown it had it been sent.
        server = RecordingServer("imap")
        r = self.run_mailferry("probe", self.url("imap", "alice", server), "--allow-plaintext")
        self.assertTrue(server.got_password(), r.stdout + r.stderr)


def main():
    if os.environ.get(IN_NAMESPACE):
        unittest.main()
        return
    # Re-run this file inside a new network namespace with 192.0.2.1 on its
    # loopback device. Needs root (the suite runs as root); failing to get
    # the namespace fails the test rather than skipping it.
    script = ("ip link set lo up && ip addr add %s/32 dev lo && exec %s %s %s"
              % (ADDRESS, sys.executable, os.path.abspath(__file__), " ".join(sys.argv[1:])))
    env = dict(os.environ, **{IN_NAMESPACE: "1"})
    r = subprocess.run(["unshare", "--net", "sh", "-c", script], env=env, timeout=600)
    if r.returncode != 0:
        print("starttls_downgrade: failed (exit %d); it needs root for `unshare --net`"
              % r.returncode, file=sys.stderr)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
