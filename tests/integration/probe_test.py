"""`mailferry probe` against `mailferry testserver`: POP3 (plain on loopback,
STLS, pop3s) and IMAP (STARTTLS, imaps) with the server's self-signed
certificate trusted through --ca-file; the table and --json outputs; exit
status 2 for a bad URL and 3 for a failed login, an untrusted certificate
or a password that would cross the network unencrypted; the password
sources; and no password in any output, even at -vv."""

import imaplib
import json
import os
import socket
import subprocess
import tempfile
import unittest

from testserver_fixture import MAILFERRY, start_testserver

USER, PASSWORD = "prober", "Pr0be-S3cret-pw"
TIMEOUT = 60
MESSAGES = [
    b"From: a@example.org\r\nSubject: one\r\n\r\nfirst\r\n",
    b"From: a@example.org\r\nSubject: two\r\n\r\n.dotted line\r\nsecond\r\n",
    b"From: a@example.org\r\nSubject: three\r\n\r\nthird message body\r\n",
]
TOTAL = sum(len(m) for m in MESSAGES)


class Probe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.server = start_testserver(
            ["--pop3", "127.0.0.1:0", "--pop3s", "127.0.0.1:0", "--imap", "127.0.0.1:0",
             "--imaps", "127.0.0.1:0", "--user", "%s:%s" % (USER, PASSWORD)],
            tls_self_signed=True)
        imap = imaplib.IMAP4("127.0.0.1", cls.server.ports["imap"], timeout=TIMEOUT)
        imap.starttls(__import__("ssl")._create_unverified_context())
        imap.login(USER, PASSWORD)
        imap.create("Archive")
        for m in MESSAGES:
            typ, _ = imap.append("INBOX", None, None, m)
            assert typ == "OK"
        typ, _ = imap.append("Archive", None, None, MESSAGES[0])
        assert typ == "OK"
        imap.logout()
        cls.password_file = os.path.join(cls.tmp.name, "pw")
        with open(cls.password_file, "w", encoding="utf-8") as f:
            f.write(PASSWORD + "\n")
        # A server without TLS: plain POP3 on loopback, where a password may
        # go in the clear. (Refusal towards other hosts is covered by the
        # plaintext-policy unit tests: tests reach loopback only.)
        cls.plain = start_testserver(
            ["--pop3", "127.0.0.1:0", "--user", "%s:%s" % (USER, PASSWORD)])

    @classmethod
    def tearDownClass(cls):
        for server in (cls.server, cls.plain):
            server.stop()
        if cls.server.cert_file:
            os.unlink(cls.server.cert_file)
        cls.tmp.cleanup()

    def probe(self, *args, env=None, password_file=True, ca_file=True):
        command = [MAILFERRY, "probe", *args]
        if password_file:
            command += ["--password-file", self.password_file]
        if ca_file:
            command += ["--ca-file", self.server.cert_file]
        full_env = dict(os.environ)
        full_env.pop("MAILFERRY_PASSWORD", None)
        full_env.update(env or {})
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, timeout=TIMEOUT, env=full_env, check=False)
        self.assertNotIn(PASSWORD, result.stdout)
        self.assertNotIn(PASSWORD, result.stderr)
        return result

    def url(self, scheme, port=None, host="127.0.0.1"):
        return "%s://%s@%s:%d" % (scheme, USER, host, port or self.server.ports[scheme])

    def assert_pop3_table(self, out):
        self.assertRegex(out, r"(?m)^messages\s+3$")
        self.assertRegex(out, r"(?m)^total size\s+%d bytes" % TOTAL)
        self.assertRegex(out, r"(?m)^UIDL\s+yes$")
        self.assertRegex(out, r"(?m)^TOP\s+yes$")

    def test_pop3_with_stls(self):
        r = self.probe(self.url("pop3"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_pop3_table(r.stdout)
        self.assertRegex(r.stdout, r"(?m)^tls\s+STLS TLSv1\.[23] ")
        self.assertRegex(r.stdout, r"(?m)^certificate\s+verified$")
        self.assertIn("PIPELINING", r.stdout)
        self.assertIn("mailferry POP3 test server", r.stdout)

    def test_pop3s(self):
        r = self.probe(self.url("pop3s"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_pop3_table(r.stdout)
        self.assertRegex(r.stdout, r"(?m)^tls\s+implicit TLSv1\.[23] ")

    def test_pop3_plain_on_loopback(self):
        r = self.probe(self.url("pop3", self.plain.ports["pop3"]), ca_file=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^messages\s+0$")
        self.assertRegex(r.stdout, r"(?m)^tls\s+none$")

    def test_pop3_json(self):
        r = self.probe(self.url("pop3s"), "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["protocol"], "pop3")
        self.assertEqual(doc["messages"], 3)
        self.assertEqual(doc["size"], TOTAL)
        self.assertIs(doc["uidl"], True)
        self.assertIs(doc["top"], True)
        self.assertEqual(doc["tls"]["mode"], "implicit")
        self.assertIs(doc["tls"]["enabled"], True)
        self.assertEqual(doc["tls"]["certificate"], "verified")
        self.assertEqual(doc["url"], "pop3s://%s@127.0.0.1:%d" % (USER, self.server.ports["pop3s"]))
        self.assertIn("UIDL", doc["capabilities"])

    def test_untrusted_certificate_is_exit_3(self):
        r = self.probe(self.url("pop3s"), ca_file=False)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("--ca-file", r.stderr)
        r = self.probe(self.url("pop3s"), "--insecure", ca_file=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^certificate\s+not verified \(--insecure\)$")

    def test_wrong_password_is_exit_3_with_advice(self):
        for scheme in ("pop3s", "imaps"):
            r = self.probe(self.url(scheme), password_file=False,
                           env={"MAILFERRY_PASSWORD": "wrong-password"})
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("Check the user name and password", r.stderr)
            self.assertIn("MAILFERRY_PASSWORD", r.stderr)
            self.assertNotIn("wrong-password", r.stderr)
            self.assertEqual(r.stdout, "")

    def test_bad_url_is_exit_2(self):
        r = self.probe("pop3://%s:%s@127.0.0.1:99999" % (USER, PASSWORD))
        self.assertEqual(r.returncode, 2)
        self.assertIn("port", r.stderr)
        r = self.probe("smtp://u@host")
        self.assertEqual(r.returncode, 2)
        self.assertIn("smtp", r.stderr)

    def test_password_command_and_environment(self):
        r = self.probe(self.url("pop3s"), "--password-command",
                       "cat '%s'" % self.password_file, password_file=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_pop3_table(r.stdout)
        r = self.probe(self.url("pop3s"), password_file=False,
                       env={"MAILFERRY_PASSWORD": PASSWORD})
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.probe(self.url("pop3s"), "--password-command", "exit 7", password_file=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("exit status 7", r.stderr)
        r = self.probe(self.url("pop3s"), password_file=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("MAILFERRY_PASSWORD", r.stderr)

    def test_password_never_in_trace_output(self):
        for scheme in ("pop3", "pop3s", "imap", "imaps"):
            r = self.probe(self.url(scheme), "-vv")
            self.assertEqual(r.returncode, 0, r.stderr)
            # The trace shows the login with its secret replaced.
            self.assertIn("AUTH PLAIN ***" if "pop3" in scheme else "<redacted>", r.stderr)
        r = self.probe(self.url("pop3s"), "-vv", password_file=False,
                       env={"MAILFERRY_PASSWORD": PASSWORD})
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_imap_folders(self):
        for scheme in ("imap", "imaps"):
            r = self.probe(self.url(scheme))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"(?m)^INBOX\s+/\s+3\s+%d$" % TOTAL)
            self.assertRegex(r.stdout, r"(?m)^Archive\s+/\s+\\Archive\s+1\s+%d$"
                             % len(MESSAGES[0]))
            self.assertRegex(r.stdout, r"(?m)^total\s+4\s+%d$" % (TOTAL + len(MESSAGES[0])))
            self.assertRegex(r.stdout, r"(?m)^tls\s+%s" %
                             ("STARTTLS" if scheme == "imap" else "implicit"))

    def test_imap_json(self):
        r = self.probe(self.url("imaps"), "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["protocol"], "imap")
        folders = {f["name"]: f for f in doc["folders"]}
        self.assertEqual(folders["INBOX"]["messages"], 3)
        self.assertEqual(folders["INBOX"]["size"], TOTAL)
        self.assertEqual(folders["INBOX"]["separator"], "/")
        self.assertEqual(folders["Archive"]["messages"], 1)
        self.assertEqual(doc["totals"]["messages"], 4)
        self.assertIn("IMAP4REV1", [c.upper() for c in doc["capabilities"]])


if __name__ == "__main__":
    unittest.main()
