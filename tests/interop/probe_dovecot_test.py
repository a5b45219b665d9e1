"""`mailferry probe` against a real Dovecot (tests/support/dovecot.py): POP3
over STLS and pop3s, IMAP over STARTTLS and imaps, with the instance's CA
file; the counts match what was delivered, and a wrong password is exit 3.
ProbeDovecotQuota: a Dovecot with a storage quota (quota + imap_quota
plugins, RFC 9208) whose usage and limit probe reports as Dovecot's own
GETQUOTAROOT gives them, and folder sizes (Dovecot offers STATUS=SIZE,
RFC 8438) equal to the sum of RFC822.SIZE read back independently."""

import imaplib
import json
import os
import re
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


def write_password_file(directory):
    path = os.path.join(directory, "pw")
    with open(path, "w", encoding="utf-8") as f:
        f.write(PASSWORD + "\n")
    return path


class DovecotCase(unittest.TestCase):
    """A Dovecot started in setUpClass (cls.dovecot in cls.dir), stopped here."""

    @classmethod
    def tearDownClass(cls):
        cls.dovecot.stop()
        shutil.rmtree(cls.dir, True)


class ProbeDovecot(DovecotCase):
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
        cls.password_file = write_password_file(cls.dir)

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


QUOTA_KIB = 64
QUOTA_MESSAGES = {
    "INBOX": [b"From: a@example.org\r\nSubject: q%d\r\n\r\n" % n + b"line\r\n" * (150 * n + 1)
              for n in range(3)],
    "Archive": [b"Subject: archived\r\n\r\n" + b"x" * 5000 + b"\r\n"],
}


class ProbeDovecotQuota(DovecotCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mailferry-probe-dovecot-quota-")
        cls.dovecot = dovecot.start_dovecot(cls.dir, users={USER: PASSWORD}, pop3=False,
                                            quota_kib=QUOTA_KIB)
        imap = cls.connect()
        for folder, messages in QUOTA_MESSAGES.items():
            for m in messages:
                typ, data = imap.append(folder, None, None, m)
                assert typ == "OK", data
        imap.logout()
        cls.password_file = write_password_file(cls.dir)

    @classmethod
    def connect(cls):
        ctx = ssl.create_default_context(cafile=cls.dovecot.ca_file)
        imap = imaplib.IMAP4_SSL("127.0.0.1", cls.dovecot.ports["imaps"], ssl_context=ctx,
                                 timeout=TIMEOUT)
        imap.login(USER, PASSWORD)
        return imap

    def probe_json(self):
        url = "imaps://%s@127.0.0.1:%d" % (USER, self.dovecot.ports["imaps"])
        r = subprocess.run([MAILFERRY, "probe", url, "--json", "--ca-file", self.dovecot.ca_file,
                            "--password-file", self.password_file],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=TIMEOUT, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def rfc822_sizes(self, imap, folder):
        """The RFC822.SIZE of every message in `folder`, read with imaplib."""
        typ, data = imap.select('"%s"' % folder, readonly=True)
        self.assertEqual(typ, "OK", data)
        if int(data[0]) == 0:
            return []
        typ, data = imap.fetch("1:*", "(RFC822.SIZE)")
        self.assertEqual(typ, "OK", data)
        return [int(re.search(rb"RFC822\.SIZE (\d+)", line).group(1)) for line in data]

    def test_quota_matches_dovecot_getquotaroot(self):
        imap = self.connect()
        typ, data = imap.getquotaroot("INBOX")
        self.assertEqual(typ, "OK", data)
        imap.logout()
        # [[b'INBOX "User quota"'], [b'"User quota" (STORAGE used limit)']]
        m = re.fullmatch(rb'"User quota" \(STORAGE (\d+) (\d+)\)', data[1][0])
        self.assertIsNotNone(m, data)
        usage_kib, limit_kib = int(m.group(1)), int(m.group(2))
        self.assertEqual(limit_kib, QUOTA_KIB)
        # quota_vsizes: the usage is the messages' RFC822.SIZE, in KiB rounded up.
        total = sum(len(m) for messages in QUOTA_MESSAGES.values() for m in messages)
        self.assertEqual(usage_kib, (total + 1023) // 1024)
        doc = self.probe_json()
        self.assertIn("QUOTA", doc["capabilities"])
        self.assertEqual(doc["quota"], {"used": usage_kib * 1024, "limit": QUOTA_KIB * 1024})

    def test_folder_sizes_match_rfc822_size(self):
        imap = self.connect()
        typ, caps = imap.capability()
        self.assertEqual(typ, "OK")
        # Debian 12's Dovecot (2.3.19) offers STATUS=SIZE, so probe's sizes
        # come from STATUS; they must equal the per-message sizes.
        self.assertIn("STATUS=SIZE", caps[0].decode().split())
        doc = self.probe_json()
        self.assertIn("STATUS=SIZE", doc["capabilities"])
        folders = {f["name"]: f for f in doc["folders"]}
        for name in list(QUOTA_MESSAGES) + ["Sent", "Trash"]:
            sizes = self.rfc822_sizes(imap, name)
            self.assertEqual(folders[name]["messages"], len(sizes), name)
            self.assertEqual(folders[name]["size"], sum(sizes), name)
        imap.logout()
        self.assertEqual(folders["INBOX"]["size"], sum(len(m) for m in QUOTA_MESSAGES["INBOX"]))
        self.assertEqual(doc["totals"]["size"],
                         sum(len(m) for messages in QUOTA_MESSAGES.values() for m in messages))

    def test_append_past_the_quota_is_refused(self):
        imap = self.connect()
        big = b"Subject: big\r\n\r\n" + b"y" * (QUOTA_KIB * 1024) + b"\r\n"
        typ, data = imap.append("INBOX", None, None, big)
        imap.logout()
        self.assertEqual(typ, "NO")
        self.assertTrue(data[0].startswith(b"[OVERQUOTA]"), data)
        # Nothing changed.
        doc = self.probe_json()
        folders = {f["name"]: f for f in doc["folders"]}
        self.assertEqual(folders["INBOX"]["messages"], len(QUOTA_MESSAGES["INBOX"]))


if __name__ == "__main__":
    unittest.main()
