"""Real IMAP clients against `mailferry testserver`: Python's imaplib (plain,
STARTTLS, implicit TLS, IDLE over a raw socket), curl (imap:// and imaps://)
and mbsync (isync) syncing both ways with a local Maildir. Answers are
checked against RFC 3501 and its extensions; each test uses its own user."""

import imaplib
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest

from testserver_fixture import start_testserver

TIMEOUT = 30
USERS = {name: name + "-pw" for name in ("imaplib", "tls", "idle", "curl", "mbsync")}


def message(subject, body="Hello there.\r\n"):
    return ("From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n"
            "Subject: %s\r\nMessage-ID: <%s@example.org>\r\n"
            "Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\n%s" % (subject, subject, body)).encode()


def client_context(server):
    ctx = ssl.create_default_context(cafile=server.cert_file)
    ctx.check_hostname = False
    return ctx


class ImapClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        args = ["--imap", "127.0.0.1:0", "--imaps", "127.0.0.1:0"]
        for user, password in USERS.items():
            args += ["--user", "%s:%s" % (user, password)]
        cls.server = start_testserver(args, tls_self_signed=True)
        cls.imap = cls.server.ports["imap"]
        cls.imaps = cls.server.ports["imaps"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        if cls.server.cert_file:
            os.unlink(cls.server.cert_file)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-imap-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def login(self, user):
        imap = imaplib.IMAP4("127.0.0.1", self.imap, timeout=TIMEOUT)
        imap.login(user, USERS[user])
        return imap

    # ---- imaplib ----

    def test_imaplib_full_session(self):
        imap = imaplib.IMAP4("127.0.0.1", self.imap, timeout=TIMEOUT)
        self.assertIn("IMAP4REV1", imap.capabilities)
        self.assertIn("STARTTLS", imap.capabilities)
        with self.assertRaises(imaplib.IMAP4.error):
            imap.login("imaplib", "wrong")
        typ, _ = imap.login("imaplib", USERS["imaplib"])
        self.assertEqual(typ, "OK")

        typ, listing = imap.list()
        self.assertEqual(typ, "OK")
        names = {line.decode().rsplit(" ", 1)[1].strip('"') for line in listing}
        self.assertEqual(names, {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"})
        self.assertTrue(any(b"\\Sent" in line for line in listing))

        typ, data = imap.append("INBOX", "(\\Flagged)", imaplib.Time2Internaldate(1700000000),
                                message("first"))
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0].decode(), r"^\[APPENDUID \d+ 1\] ")
        imap.append("INBOX", None, None, message("second", "needle in here\r\n"))

        typ, data = imap.select("INBOX")
        self.assertEqual((typ, data), ("OK", [b"2"]))
        self.assertEqual(imap.untagged_responses.get("RECENT"), [b"2"])
        typ, data = imap.fetch("1", "(FLAGS RFC822.SIZE INTERNALDATE)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"\\Flagged", data[0])
        self.assertIn(b"RFC822.SIZE %d" % len(message("first")), data[0])
        self.assertEqual(imaplib.Internaldate2tuple(data[0])[:6],
                         __import__("time").localtime(1700000000)[:6])
        typ, data = imap.fetch("2", "(BODY.PEEK[])")
        self.assertEqual(data[0][1], message("second", "needle in here\r\n"))
        typ, data = imap.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertEqual(data[0][1], b"Subject: first\r\n\r\n")
        self.assertIn(b"UID 1", data[0][0])

        typ, data = imap.store("2", "+FLAGS", "(\\Seen \\Deleted)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"\\Deleted", data[0])
        self.assertEqual(imap.search(None, "DELETED"), ("OK", [b"2"]))
        self.assertEqual(imap.search(None, "BODY", "needle"), ("OK", [b"2"]))
        self.assertEqual(imap.search(None, "FLAGGED", "UNSEEN"), ("OK", [b"1"]))
        self.assertEqual(imap.uid("SEARCH", "ALL"), ("OK", [b"1 2"]))

        typ, data = imap.copy("1:2", "Archive")
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0].decode(), r"^\[COPYUID \d+ 1:2 1:2\] ")
        typ, data = imap.expunge()
        self.assertEqual((typ, data), ("OK", [b"2"]))
        typ, data = imap.status("Archive", "(MESSAGES UNSEEN UIDNEXT)")
        self.assertEqual(data, [b"Archive (MESSAGES 2 UNSEEN 1 UIDNEXT 3)"])

        self.assertEqual(imap.create("Projects/2026")[0], "OK")
        self.assertEqual(imap.rename("Projects", "Work")[0], "OK")
        typ, listing = imap.list('""', "Work*")
        self.assertEqual(listing, [b'(\\HasChildren) "/" Work',
                                   b'(\\HasNoChildren) "/" Work/2026'])
        self.assertEqual(imap.delete("Work/2026")[0], "OK")
        self.assertEqual(imap.delete("Work")[0], "OK")
        self.assertEqual(imap.select("Work")[0], "NO")
        self.assertEqual(imap.logout()[0], "BYE")

    def test_imaplib_starttls_and_implicit_tls(self):
        imap = imaplib.IMAP4("127.0.0.1", self.imap, timeout=TIMEOUT)
        self.assertEqual(imap.starttls(client_context(self.server))[0], "OK")
        self.assertNotIn("STARTTLS", imap.capabilities)
        imap.login("tls", USERS["tls"])
        self.assertEqual(imap.select("INBOX")[0], "OK")
        imap.logout()
        imaps = imaplib.IMAP4_SSL("127.0.0.1", self.imaps, ssl_context=client_context(self.server),
                                  timeout=TIMEOUT)
        self.assertNotIn("STARTTLS", imaps.capabilities)
        imaps.login("tls", USERS["tls"])
        self.assertEqual(imaps.list()[0], "OK")
        imaps.logout()

    def test_idle_receives_exists_from_another_session(self):
        sock = socket.create_connection(("127.0.0.1", self.imap), timeout=TIMEOUT)
        reader = sock.makefile("rb")

        def send(line):
            sock.sendall(line + b"\r\n")

        def until(tag):
            lines = []
            while True:
                line = reader.readline()
                self.assertTrue(line, "connection closed")
                lines.append(line.rstrip(b"\r\n"))
                if line.startswith(tag + b" "):
                    return lines

        reader.readline()
        send(b"a LOGIN idle idle-pw")
        self.assertTrue(until(b"a")[-1].startswith(b"a OK"))
        send(b"b SELECT INBOX")
        self.assertIn(b"* 0 EXISTS", until(b"b"))
        send(b"c IDLE")
        self.assertEqual(reader.readline(), b"+ idling\r\n")
        other = self.login("idle")
        other.append("INBOX", None, None, message("pushed"))
        self.assertEqual(reader.readline(), b"* 1 EXISTS\r\n")
        self.assertEqual(reader.readline(), b"* 1 RECENT\r\n")
        other.logout()
        send(b"DONE")
        self.assertEqual(until(b"c"), [b"c OK IDLE terminated"])
        send(b"d LOGOUT")
        until(b"d")
        sock.close()

    # ---- curl ----

    def curl(self, *args):
        result = subprocess.run(["curl", "--silent", "--show-error", "--max-time", "20", *args],
                                capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        return result.stdout

    def test_curl_lists_fetches_and_appends(self):
        auth = "curl:" + USERS["curl"]
        path = os.path.join(self.dir, "upload.eml")
        with open(path, "wb") as f:
            f.write(message("uploaded"))
        self.curl("-u", auth, "-T", path, "imap://127.0.0.1:%d/INBOX" % self.imap)
        listing = self.curl("-u", auth, "imap://127.0.0.1:%d/" % self.imap).decode()
        self.assertRegex(listing, r'(?m)^\* LIST \(\\HasNoChildren\) "/" INBOX\r$')
        self.assertIn("\\Trash", listing)
        body = self.curl("-u", auth, "imap://127.0.0.1:%d/INBOX;UID=1" % self.imap)
        self.assertEqual(body, message("uploaded"))
        body = self.curl("--insecure", "-u", auth, "imaps://127.0.0.1:%d/INBOX;UID=1" % self.imaps)
        self.assertEqual(body, message("uploaded"))
        search = self.curl("-u", auth, "-X", "SEARCH SUBJECT uploaded",
                           "imap://127.0.0.1:%d/INBOX" % self.imap)
        self.assertEqual(search, b"* SEARCH 1\r\n")

    # ---- mbsync ----

    def mbsync(self, maildir):
        rc = os.path.join(self.dir, "mbsyncrc")
        with open(rc, "w") as f:
            f.write("IMAPAccount test\nHost 127.0.0.1\nPort %d\nUser mbsync\nPass %s\n"
                    "SSLType None\nAuthMechs LOGIN\n\n"
                    "IMAPStore far\nAccount test\n\n"
                    "MaildirStore near\nPath %s/\nInbox %s/INBOX\nSubFolders Verbatim\n\n"
                    "Channel sync\nFar :far:\nNear :near:\nPatterns *\nCreate Both\n"
                    "Expunge Both\nSyncState *\nSync All\n"
                    % (self.imap, USERS["mbsync"], maildir, maildir))
        result = subprocess.run(["mbsync", "-c", rc, "-a"], capture_output=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stdout.decode() + result.stderr.decode())

    def maildir_messages(self, folder):
        out = {}
        for sub in ("cur", "new"):
            d = os.path.join(folder, sub)
            for name in os.listdir(d) if os.path.isdir(d) else []:
                with open(os.path.join(d, name), "rb") as f:
                    out[name] = f.read()
        return out

    def test_mbsync_syncs_both_ways(self):
        imap = self.login("mbsync")
        imap.append("INBOX", "(\\Seen)", None, message("server-one"))
        imap.append("INBOX", None, None, message("server-two"))
        imap.append("Archive", None, None, message("archived"))
        imap.logout()
        maildir = os.path.join(self.dir, "mail")
        os.makedirs(maildir)
        self.mbsync(maildir)
        inbox = self.maildir_messages(os.path.join(maildir, "INBOX"))
        self.assertEqual(len(inbox), 2)
        self.assertEqual(len(self.maildir_messages(os.path.join(maildir, "Archive"))), 1)
        seen = [n for n, body in inbox.items() if b"server-one" in body][0]
        self.assertRegex(seen, r":2,[A-Z]*S")

        # A message written locally is pushed; a flag set locally reaches the server.
        new = os.path.join(maildir, "INBOX", "new", "1700000000.local.mailferry")
        with open(new, "wb") as f:
            f.write(message("local"))
        unseen = [n for n, body in inbox.items() if b"server-two" in body][0]
        cur = os.path.join(maildir, "INBOX", "cur")
        os.rename(os.path.join(cur, unseen) if os.path.exists(os.path.join(cur, unseen))
                  else os.path.join(maildir, "INBOX", "new", unseen),
                  os.path.join(cur, unseen.split(":2,")[0] + ":2,F"))
        self.mbsync(maildir)
        imap = self.login("mbsync")
        imap.select("INBOX")
        typ, data = imap.search(None, "SUBJECT", "local")
        self.assertEqual(data, [b"3"])
        self.assertEqual(imap.search(None, "FLAGGED"), ("OK", [b"2"]))

        # A flag set on the server reaches the Maildir.
        imap.store("3", "+FLAGS", "(\\Answered)")
        imap.logout()
        self.mbsync(maildir)
        inbox = self.maildir_messages(os.path.join(maildir, "INBOX"))
        local = [n for n, body in inbox.items() if b"Subject: local" in body]
        self.assertEqual(len(local), 1)
        self.assertRegex(local[0], r":2,[A-Z]*R")
        self.assertEqual(len(inbox), 3)


if __name__ == "__main__":
    unittest.main()
