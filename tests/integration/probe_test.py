"""`mailferry probe` against `mailferry testserver`: POP3 (plain on loopback,
STLS, pop3s) and IMAP (STARTTLS, imaps) with the server's self-signed
certificate trusted through --ca-file; the table and --json outputs; exit
status 2 for a bad URL and 3 for a failed login, an untrusted certificate
or a password that would cross the network unencrypted; the password
sources; and no password in any output, even at -vv. ProbeQuota: a server
with `--quota` (RFC 9208 QUOTA) and STATUS=SIZE (RFC 8438), whose usage,
limit and folder sizes probe reports; and the same server with both
extensions hidden, where probe falls back to FETCH RFC822.SIZE.
ProbeAppendLimit: APPENDLIMIT (RFC 7889)."""

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

    def test_insecure_warns_for_every_protocol(self):
        # As migrate does: skipping verification is never silent.
        for scheme in ("pop3s", "imaps", "imap"):
            r = self.probe(self.url(scheme), "--insecure", ca_file=False)
            self.assertEqual(r.returncode, 0, (scheme, r.stderr))
            self.assertIn("--insecure: TLS certificates are not verified", r.stderr, scheme)
            self.assertRegex(r.stdout, r"(?m)^certificate\s+not verified \(--insecure\)$")

    def test_auth_in_the_url_chooses_the_login_method(self):
        # RFC 5092 §3.2: ";AUTH=" names the method; the test server offers
        # AUTHENTICATE PLAIN but not AUTHENTICATE LOGIN.
        for scheme in ("imap", "imaps"):
            url = "%s://%s;AUTH=LOGIN@127.0.0.1:%d" % (scheme, USER, self.server.ports[scheme])
            r = self.probe(url)
            self.assertEqual(r.returncode, 3, (scheme, r.stdout + r.stderr))
            self.assertIn("AUTH=LOGIN", r.stderr)
            self.assertEqual(r.stdout, "")
            r = self.probe(url.replace(";AUTH=LOGIN", ";AUTH=plain"))
            self.assertEqual(r.returncode, 0, (scheme, r.stderr))
        r = self.probe("imap://%s;AUTH=CRAM-MD5@127.0.0.1:%d" % (USER, self.server.ports["imap"]))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("AUTH=CRAM-MD5", r.stderr)

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


QUOTA_KIB = 4
# 1000 + 700 + 300 in INBOX, 500 in Archive: 2500 octets, 3 KiB rounded up.
QUOTA_MESSAGES = {"INBOX": [1000, 700, 300], "Archive": [500]}


def message_of_size(name, size):
    """A message of exactly `size` octets (size >= 40), CRLF line ends."""
    m = b"Subject: " + name.encode() + b"\r\n\r\n"
    while len(m) < size:
        n = min(60, size - len(m))
        m += b"x" * (n - 2) + b"\r\n" if n >= 3 else b"y" * n
    return m


class ProbeQuota(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.password_file = os.path.join(cls.tmp.name, "pw")
        with open(cls.password_file, "w", encoding="utf-8") as f:
            f.write(PASSWORD + "\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def start(self, *extra):
        server = start_testserver(["--imap", "127.0.0.1:0", "--user",
                                   "%s:%s" % (USER, PASSWORD), "--quota", str(QUOTA_KIB),
                                   *extra])
        self.addCleanup(server.stop)
        imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=TIMEOUT)
        imap.login(USER, PASSWORD)
        for folder, sizes in QUOTA_MESSAGES.items():
            for n, size in enumerate(sizes):
                typ, data = imap.append(folder, None, None, message_of_size("m%d" % n, size))
                self.assertEqual(typ, "OK", data)
        imap.logout()
        return server

    def probe(self, server, *args):
        url = "imap://%s@127.0.0.1:%d" % (USER, server.ports["imap"])
        result = subprocess.run([MAILFERRY, "probe", url, "--password-file", self.password_file,
                                 *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, timeout=TIMEOUT, check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(PASSWORD, result.stdout + result.stderr)
        return result

    def test_json_reports_quota_and_folder_sizes(self):
        server = self.start()
        r = self.probe(server, "--json")
        doc = json.loads(r.stdout)
        self.assertIn("QUOTA", doc["capabilities"])
        self.assertIn("STATUS=SIZE", doc["capabilities"])
        # RFC 9208 STORAGE is in KiB; probe reports octets.
        self.assertEqual(doc["quota"], {"used": 3 * 1024, "limit": QUOTA_KIB * 1024})
        folders = {f["name"]: f for f in doc["folders"]}
        for name, sizes in QUOTA_MESSAGES.items():
            self.assertEqual(folders[name]["messages"], len(sizes), name)
            self.assertEqual(folders[name]["size"], sum(sizes), name)
        self.assertEqual(folders["Sent"]["size"], 0)
        self.assertEqual(doc["totals"], {"messages": 4, "size": 2500})

    def test_table_shows_quota_and_folder_sizes(self):
        server = self.start()
        out = self.probe(server).stdout
        self.assertRegex(out, r"(?m)^quota\s+3072 bytes \(3\.1 kB\) of 4096 bytes \(4\.1 kB\) "
                              r"used$")
        self.assertRegex(out, r"(?m)^INBOX\s+/\s+3\s+2000$")
        self.assertRegex(out, r"(?m)^Archive\s+/\s+\\Archive\s+1\s+500$")
        self.assertRegex(out, r"(?m)^total\s+4\s+2500$")

    def test_status_size_spares_the_fetch(self):
        # At -vv the trace shows the commands: sizes come from STATUS SIZE
        # (RFC 8438), with no EXAMINE and FETCH per folder.
        server = self.start()
        r = self.probe(server, "-vv", "--json")
        self.assertRegex(r.stderr, r"STATUS \S+ \(MESSAGES [A-Z ]*SIZE\)")
        self.assertRegex(r.stderr, r"GETQUOTAROOT \S*INBOX")
        self.assertNotIn("EXAMINE", r.stderr)
        self.assertEqual(json.loads(r.stdout)["totals"]["size"], 2500)

    def test_without_the_extensions_sizes_come_from_fetch(self):
        server = self.start("--disable-capability", "QUOTA", "--disable-capability",
                            "STATUS=SIZE")
        r = self.probe(server, "-vv", "--json")
        doc = json.loads(r.stdout)
        self.assertNotIn("QUOTA", doc["capabilities"])
        self.assertNotIn("STATUS=SIZE", doc["capabilities"])
        self.assertIsNone(doc["quota"])
        self.assertNotIn("GETQUOTAROOT", r.stderr)
        self.assertIn("EXAMINE", r.stderr)
        folders = {f["name"]: f for f in doc["folders"]}
        for name, sizes in QUOTA_MESSAGES.items():
            self.assertEqual(folders[name]["size"], sum(sizes), name)
        out = self.probe(server).stdout
        self.assertNotRegex(out, r"(?m)^quota")
        self.assertRegex(out, r"(?m)^total\s+4\s+2500$")

    def test_append_past_the_quota_is_refused(self):
        server = self.start()
        imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=TIMEOUT)
        imap.login(USER, PASSWORD)
        # 2500 of 4096 octets used: 1597 more is one too many, 1596 fits.
        typ, data = imap.append("INBOX", None, None, message_of_size("over", 1597))
        self.assertEqual(typ, "NO")
        self.assertTrue(data[0].startswith(b"[OVERQUOTA]"), data)
        typ, data = imap.append("INBOX", None, None, message_of_size("fits", 1596))
        self.assertEqual(typ, "OK", data)
        typ, data = imap.getquotaroot("INBOX")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(data, [[b'INBOX ""'], [b'"" (STORAGE 4 4)']])
        imap.logout()
        doc = json.loads(self.probe(server, "--json").stdout)
        self.assertEqual(doc["quota"], {"used": 4096, "limit": 4096})
        self.assertEqual(doc["totals"]["size"], 4096)


class ProbeAppendLimit(unittest.TestCase):
    """APPENDLIMIT (RFC 7889): the test server announces its --max-literal as
    APPENDLIMIT=n; probe shows it, and a larger APPEND is refused [TOOBIG]."""

    LIMIT = 100 * 1024

    def start(self, *extra):
        server = start_testserver(["--imap", "127.0.0.1:0", "--user",
                                   "%s:%s" % (USER, PASSWORD), "--max-literal",
                                   str(self.LIMIT), *extra])
        self.addCleanup(server.stop)
        return server

    def probe(self, server, *args):
        url = "imap://%s@127.0.0.1:%d" % (USER, server.ports["imap"])
        result = subprocess.run([MAILFERRY, "probe", url, *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, timeout=TIMEOUT,
                                env=dict(os.environ, MAILFERRY_PASSWORD=PASSWORD), check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def test_probe_reports_the_limit_the_server_enforces(self):
        server = self.start()
        doc = json.loads(self.probe(server, "--json"))
        self.assertIn("APPENDLIMIT=%d" % self.LIMIT, doc["capabilities"])
        self.assertEqual(doc["append_limit"], self.LIMIT)
        self.assertRegex(self.probe(server), r"(?m)^append limit\s+102400 bytes")
        imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=TIMEOUT)
        imap.login(USER, PASSWORD)
        typ, data = imap.append("INBOX", None, None, message_of_size("big", self.LIMIT + 1))
        self.assertEqual(typ, "NO")
        self.assertTrue(data[0].startswith(b"[TOOBIG]"), data)
        typ, data = imap.append("INBOX", None, None, message_of_size("fits", self.LIMIT))
        self.assertEqual(typ, "OK", data)
        imap.logout()

    def test_without_the_extension_there_is_no_limit_to_report(self):
        server = self.start("--disable-capability", "APPENDLIMIT")
        doc = json.loads(self.probe(server, "--json"))
        self.assertFalse(any(c.startswith("APPENDLIMIT") for c in doc["capabilities"]))
        self.assertIsNone(doc["append_limit"])
        self.assertNotRegex(self.probe(server), r"(?m)^append limit")


if __name__ == "__main__":
    unittest.main()
