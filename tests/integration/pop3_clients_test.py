"""Real POP3 clients against `mailferry testserver`: Python's poplib (with
STLS, TOP, UIDL, APOP), curl (pop3:// and pop3s://), fetchmail and getmail6.
Answers are checked against RFC 1939; bob's demo maildrop (--seed-demo) has
12 messages."""

import imaplib
import os
import poplib
import re
import shutil
import ssl
import stat
import subprocess
import tempfile
import unittest

from testserver_fixture import start_testserver

USER, PASSWORD = "u", "p"
FETCH_USER, FETCH_PASSWORD = "f", "f-pw"  # fetchmail's own, as it deletes
BOB, BOB_PASSWORD = "bob", "bob-pw"
BOB_MESSAGES = 12
TIMEOUT = 30

DOTTED = (b"From: Alice <alice@example.org>\r\nTo: u@example.org\r\n"
          b"Subject: dots\r\nMessage-ID: <dots@example.org>\r\n"
          b"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\n"
          b".leading dot\r\n..two dots\r\n.\r\nplain line\r\n")


def client_context(server):
    ctx = ssl.create_default_context(cafile=server.cert_file)
    ctx.check_hostname = False
    return ctx


class Pop3Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = start_testserver(
            ["--pop3", "127.0.0.1:0", "--pop3s", "127.0.0.1:0", "--imap", "127.0.0.1:0",
             "--user", "%s:%s" % (USER, PASSWORD),
             "--user", "%s:%s" % (FETCH_USER, FETCH_PASSWORD), "--seed-demo"],
            tls_self_signed=True)
        cls.pop3 = cls.server.ports["pop3"]
        cls.pop3s = cls.server.ports["pop3s"]
        for user, password in ((USER, PASSWORD), (FETCH_USER, FETCH_PASSWORD)):
            imap = imaplib.IMAP4("127.0.0.1", cls.server.ports["imap"], timeout=TIMEOUT)
            imap.login(user, password)
            for n in range(3):
                typ, _ = imap.append("INBOX", None, None,
                                     DOTTED if n == 0 else DOTTED.replace(b"dots", b"m%d" % n))
                assert typ == "OK"
            imap.logout()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        if cls.server.cert_file:
            os.unlink(cls.server.cert_file)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-pop3-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def stat(self, user, password):
        pop = poplib.POP3("127.0.0.1", self.pop3, timeout=TIMEOUT)
        pop.user(user)
        pop.pass_(password)
        count, _ = pop.stat()
        pop.quit()
        return count

    # ---- poplib ----

    def test_poplib_session_with_stls(self):
        pop = poplib.POP3("127.0.0.1", self.pop3, timeout=TIMEOUT)
        self.assertRegex(pop.getwelcome(), rb"^\+OK .*<[^<>@]+@[^<>]+>$")
        caps = pop.capa()
        for cap in ("STLS", "TOP", "UIDL", "USER", "PIPELINING", "RESP-CODES"):
            self.assertIn(cap, caps)
        self.assertEqual(caps["SASL"], ["PLAIN"])
        self.assertTrue(pop.stls(client_context(self.server)).startswith(b"+OK"))
        self.assertNotIn("STLS", pop.capa())
        with self.assertRaises(poplib.error_proto):
            pop._shortcmd("STLS")
        pop.user(USER)
        self.assertTrue(pop.pass_(PASSWORD).startswith(b"+OK"))
        count, size = pop.stat()
        self.assertEqual(count, 3)
        _, listing, _ = pop.list()
        sizes = [int(line.split()[1]) for line in listing]
        self.assertEqual(sum(sizes), size)
        self.assertEqual(sizes[0], len(DOTTED))
        # poplib removes the byte-stuffing (RFC 1939 §3), so lines come back as stored.
        _, lines, octets = pop.retr(1)
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", DOTTED)
        self.assertIn(b"..two dots", lines)
        _, top, _ = pop.top(1, 1)
        self.assertEqual(top[-2:], [b"", b".leading dot"])
        _, uidls, _ = pop.uidl()
        ids = [line.split()[1] for line in uidls]
        self.assertEqual(len(set(ids)), 3)
        for uid in ids:
            self.assertRegex(uid, rb"^[\x21-\x7e]{1,70}$")
        self.assertEqual(pop.uidl(2).split()[2], ids[1])
        pop.dele(1)
        with self.assertRaises(poplib.error_proto):
            pop.retr(1)
        self.assertEqual(pop.stat()[0], 2)
        pop.rset()
        self.assertEqual(pop.stat()[0], 3)
        pop.quit()
        # The same ids in a new session: UIDL is stable.
        again = poplib.POP3_SSL("127.0.0.1", self.pop3s, timeout=TIMEOUT,
                                context=client_context(self.server))
        again.user(USER)
        again.pass_(PASSWORD)
        self.assertEqual([line.split()[1] for line in again.uidl()[1]], ids)
        again.quit()

    def test_poplib_apop_and_in_use(self):
        pop = poplib.POP3("127.0.0.1", self.pop3, timeout=TIMEOUT)
        with self.assertRaises(poplib.error_proto) as wrong:
            pop.apop(BOB, "not-the-password")
        self.assertIn(b"[AUTH]", wrong.exception.args[0])
        self.assertTrue(pop.apop(BOB, BOB_PASSWORD).startswith(b"+OK"))
        second = poplib.POP3("127.0.0.1", self.pop3, timeout=TIMEOUT)
        second.user(BOB)
        with self.assertRaises(poplib.error_proto) as in_use:
            second.pass_(BOB_PASSWORD)
        self.assertIn(b"[IN-USE]", in_use.exception.args[0])
        second.quit()
        pop.quit()

    # ---- curl ----

    def curl(self, *args):
        result = subprocess.run(["curl", "-sS", "--max-time", str(TIMEOUT), *args],
                                capture_output=True, timeout=TIMEOUT + 10)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def test_curl_lists_and_retrieves(self):
        listing = self.curl("-u", "%s:%s" % (BOB, BOB_PASSWORD), "pop3://127.0.0.1:%d/" % self.pop3)
        lines = listing.decode().splitlines()
        self.assertEqual(len(lines), BOB_MESSAGES)
        self.assertTrue(all(re.fullmatch(r"\d+ \d+", line) for line in lines), lines)
        first_size = int(lines[0].split()[1])
        body = self.curl("-u", "%s:%s" % (BOB, BOB_PASSWORD), "pop3://127.0.0.1:%d/1" % self.pop3)
        self.assertEqual(len(body), first_size)
        self.assertIn(b"Message-ID:", body)
        secure = self.curl("--insecure", "-u", "%s:%s" % (BOB, BOB_PASSWORD),
                           "pop3s://127.0.0.1:%d/1" % self.pop3s)
        self.assertEqual(secure, body)
        upgraded = self.curl("--ssl-reqd", "--insecure", "-u", "%s:%s" % (BOB, BOB_PASSWORD),
                             "pop3://127.0.0.1:%d/1" % self.pop3)
        self.assertEqual(upgraded, body)

    # ---- fetchmail ----

    def fetchmail(self, keep):
        out = os.path.join(self.dir, "mbox")
        rc = os.path.join(self.dir, "fetchmailrc")
        with open(rc, "w") as f:
            f.write('set no syslog\n'
                    'poll 127.0.0.1 with proto POP3 port %d uidl timeout %d\n'
                    '  user "%s" there with password "%s" is "%s" here\n'
                    '  options %s no sslcertck\n'
                    '  mda "cat >> %s"\n'
                    % (self.pop3, TIMEOUT, FETCH_USER, FETCH_PASSWORD, FETCH_USER,
                       "keep" if keep else "no keep fetchall", out))
        os.chmod(rc, stat.S_IRUSR | stat.S_IWUSR)
        env = dict(os.environ, HOME=self.dir)
        result = subprocess.run(
            ["fetchmail", "-f", rc, "-i", os.path.join(self.dir, "fetchids"),
             "--pidfile", os.path.join(self.dir, "pid")],
            capture_output=True, timeout=TIMEOUT * 2, env=env)
        mbox = b""
        if os.path.exists(out):
            with open(out, "rb") as f:
                mbox = f.read()
        return result, mbox

    def test_fetchmail_keep_uidl_then_delete(self):
        result, mbox = self.fetchmail(keep=True)
        # fetchmail exits 0 when it delivered mail, 1 when there was none.
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(mbox.count(b"Subject: "), 3)
        self.assertIn(b"\n..two dots", mbox.replace(b"\r\n", b"\n"))
        result, again = self.fetchmail(keep=True)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertEqual(again, mbox)
        # "no keep": everything is fetched again and deleted on the server.
        result, last = self.fetchmail(keep=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(last.count(b"Subject: "), 6)
        self.assertEqual(self.stat(FETCH_USER, FETCH_PASSWORD), 0)

    # ---- getmail6 ----

    def getmail(self, maildir, getmaildir, delete):
        rc = os.path.join(getmaildir, "getmailrc")
        with open(rc, "w") as f:
            f.write("[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\n"
                    "port = %d\nusername = %s\npassword = %s\ntimeout = %d\n\n"
                    "[destination]\ntype = Maildir\npath = %s/\n%s\n"
                    "[options]\nread_all = false\ndelete = %s\nverbose = 1\n"
                    % (self.pop3, BOB, BOB_PASSWORD, TIMEOUT, maildir,
                       # getmail refuses to deliver as root; it can drop to another user.
                       "user = nobody\n" if os.geteuid() == 0 else "", str(delete).lower()))
        return subprocess.run(["getmail", "--rcfile", rc, "--getmaildir", getmaildir],
                              capture_output=True, timeout=TIMEOUT * 2)

    def test_getmail_retrieves_once(self):
        maildir = os.path.join(self.dir, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, sub))
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)
            for sub in ("", "cur", "new", "tmp"):
                os.chmod(os.path.join(maildir, sub), 0o777)
        getmaildir = os.path.join(self.dir, "getmail")
        os.makedirs(getmaildir)
        result = self.getmail(maildir, getmaildir, delete=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(len(os.listdir(os.path.join(maildir, "new"))), BOB_MESSAGES)
        result = self.getmail(maildir, getmaildir, delete=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(len(os.listdir(os.path.join(maildir, "new"))), BOB_MESSAGES)
        self.assertIn(b"0 messages", result.stdout)
        self.assertEqual(self.stat(BOB, BOB_PASSWORD), BOB_MESSAGES)


if __name__ == "__main__":
    unittest.main()
