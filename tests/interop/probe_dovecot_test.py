"""`mailferry probe` against a real Dovecot (tests/support/dovecot.py): POP3
over STLS and pop3s, IMAP over STARTTLS and imaps, with the instance's CA
file; the counts match what was delivered, and a wrong password is exit 3."""

import imaplib
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import dovecot  # noqa: E402

MAILFERRY = os.environ.get("MAILFERRY", "build/bin/mailferry")
USER, PASSWORD = "carol", "C4rol-pw-secret"
TIMEOUT = 60
MESSAGES = [b"From: a@example.org\r\nSubject: %d\r\n\r\nbody %d\r\n" % (n, n) for n in range(4)]
TOTAL = sum(len(m) for m in MESSAGES)


class ProbeDovecot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mailferry-probe-dovecot-")
        cls.dovecot = dovecot.start_dovecot(cls.dir, users={USER: PASSWORD})
        ctx = ssl.create_default_context(cafile=cls.dovecot.ca_file)
        imap = imaplib.IMAP4_SSL("127.0.0.1", cls.dovecot.ports["imaps"], ssl_context=ctx,
                                 timeout=TIMEOUT)
        imap.login(USER, PASSWORD)
        for m in MESSAGES:
            typ, _ = imap.append("INBOX", None, None, m)
            assert typ == "OK"
        imap.logout()
        cls.password_file = os.path.join(cls.dir, "pw")
        with open(cls.password_file, "w", encoding="utf-8") as f:
            f.write(PASSWORD + "\n")

    @classmethod
    def tearDownClass(cls):
        cls.dovecot.stop()
        shutil.rmtree(cls.dir, True)

    def probe(self, scheme, *args, password_file=None):
        url = "%s://%s@127.0.0.1:%d" % (scheme, USER, self.dovecot.ports[scheme])
        result = subprocess.run(
            [MAILFERRY, "probe", url, "--ca-file", self.dovecot.ca_file, "--password-file",
             password_file or self.password_file, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT,
            check=False)
        self.assertNotIn(PASSWORD, result.stdout + result.stderr)
        return result

    def test_pop3_over_stls_and_pop3s(self):
        for scheme, mode in (("pop3", "STLS"), ("pop3s", "implicit")):
            r = self.probe(scheme, "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            doc = json.loads(r.stdout)
            self.assertEqual(doc["messages"], len(MESSAGES))
            self.assertEqual(doc["size"], TOTAL)
            self.assertIs(doc["uidl"], True)
            self.assertIs(doc["top"], True)
            self.assertEqual(doc["tls"]["mode"], mode)
            self.assertEqual(doc["tls"]["certificate"], "verified")
            self.assertIn("Dovecot", doc["greeting"])

    def test_imap_over_starttls_and_imaps(self):
        for scheme in ("imap", "imaps"):
            r = self.probe(scheme, "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            doc = json.loads(r.stdout)
            folders = {f["name"]: f for f in doc["folders"]}
            self.assertEqual(folders["INBOX"]["messages"], len(MESSAGES))
            self.assertEqual(folders["INBOX"]["size"], TOTAL)
            self.assertEqual(folders["Sent"]["special_use"], "\\Sent")
            self.assertEqual(folders["Sent"]["messages"], 0)
            self.assertEqual(folders["Sent"]["separator"], "/")
            self.assertEqual(doc["tls"]["enabled"], True)

    def test_wrong_password_is_exit_3(self):
        wrong = os.path.join(self.dir, "wrong")
        with open(wrong, "w", encoding="utf-8") as f:
            f.write("not-it\n")
        for scheme in ("pop3s", "imaps"):
            r = self.probe(scheme, password_file=wrong)
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("Check the user name and password", r.stderr)
            self.assertIn("--password-file", r.stderr)


if __name__ == "__main__":
    unittest.main()
