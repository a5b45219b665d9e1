"""Gmail's labels: `mailferry testserver --emulate gmail` seen through Python's
imaplib (one stored message per X-GM-MSGID, shown in every label folder), and
`mailferry migrate` from and into it, compared independently with imaplib."""

import imaplib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from testserver_fixture import MAILFERRY, start_testserver  # noqa: E402

RUN_TIMEOUT = 120
PW = "Gm-Pa55-word-4711"


def message(n, subject, extra=""):
    return ("From: a@example.org\r\nTo: b@example.org\r\nSubject: %s\r\n"
            "Message-ID: <m%d@example.org>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n%s"
            "\r\nBody of message %d.\r\n" % (subject, n, extra, n)).encode()


def login(server, user):
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    imap.login(user, PW)
    return imap


def select(imap, folder, readonly=False):
    typ, data = imap.select('"%s"' % folder, readonly=readonly)
    assert typ == "OK", (folder, data)
    return int(data[0])


def fetch_items(imap, items):
    """{uid: raw FETCH text} of every message in the selected folder."""
    typ, data = imap.uid("FETCH", "1:*", "(%s)" % items)
    assert typ == "OK", data
    out = {}
    for line in data:
        text = line[0] if isinstance(line, tuple) else line
        if text is None:
            continue
        text = text.decode()
        m = re.search(r"UID (\d+)", text)
        if m:
            out[int(m.group(1))] = text
    return out


def gm(imap, folder):
    """[(msgid, labels text, flags text)] of a folder, in UID order."""
    select(imap, folder, readonly=True)
    out = []
    for uid, text in sorted(fetch_items(imap, "X-GM-MSGID X-GM-LABELS FLAGS").items()):
        msgid = re.search(r"X-GM-MSGID (\d+)", text).group(1)
        labels = re.search(r"X-GM-LABELS \(([^)]*)\)", text).group(1)
        flags = re.search(r"FLAGS \(([^)]*)\)", text).group(1)
        out.append((msgid, labels, flags))
    return out


def bodies(imap, folder):
    """{Message-ID: (octets, set of flags)} of a folder, checking no duplicates."""
    select(imap, folder, readonly=True)
    out = {}
    typ, data = imap.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
    assert typ == "OK", data
    for part in data:
        if not isinstance(part, tuple):
            continue
        head, body = part
        flags = set(re.search(rb"FLAGS \(([^)]*)\)", head).group(1).decode().split())
        mid = re.search(rb"Message-ID: (<[^>]+>)", body).group(1).decode()
        assert mid not in out, "%s stored twice in %s" % (mid, folder)
        out[mid] = (body, flags)
    return out


class EmulatedGmail(unittest.TestCase):
    def setUp(self):
        self.server = start_testserver(["--emulate", "gmail", "--imap", "127.0.0.1:0",
                                        "--user", "me:" + PW])
        self.addCleanup(self.server.stop)
        self.imap = login(self.server, "me")
        self.addCleanup(self.imap.logout)

    def test_capability_and_folders(self):
        self.assertIn("X-GM-EXT-1", self.imap.capabilities)
        typ, data = self.imap.list()
        self.assertEqual(typ, "OK")
        listed = {}
        for line in data:
            m = re.match(r'\(([^)]*)\) "/" (.+)$', line.decode())
            listed[m.group(2).strip('"')] = set(m.group(1).split())
        self.assertEqual(set(listed), {
            "INBOX", "[Gmail]", "[Gmail]/All Mail", "[Gmail]/Drafts", "[Gmail]/Important",
            "[Gmail]/Sent Mail", "[Gmail]/Spam", "[Gmail]/Starred", "[Gmail]/Trash"})
        self.assertIn("\\Noselect", listed["[Gmail]"])
        for folder, use in [("[Gmail]/All Mail", "\\All"), ("[Gmail]/Drafts", "\\Drafts"),
                            ("[Gmail]/Important", "\\Important"), ("[Gmail]/Sent Mail", "\\Sent"),
                            ("[Gmail]/Spam", "\\Junk"), ("[Gmail]/Starred", "\\Flagged"),
                            ("[Gmail]/Trash", "\\Trash")]:
            self.assertIn(use, listed[folder], folder)
        typ, data = self.imap.select('"[Gmail]"')
        self.assertEqual(typ, "NO")
        # LIST-STATUS (RFC 5819 §2): a STATUS for every folder but the
        # \Noselect one.
        typ, data = self.imap.list('""', '"*" RETURN (STATUS (MESSAGES))')
        self.assertEqual(typ, "OK")
        statuses = {re.match(r'("[^"]*"|\S+) \(', s.decode()).group(1).strip('"')
                    for s in self.imap.response("STATUS")[1] if s}
        self.assertEqual(statuses, set(listed) - {"[Gmail]"})

    def test_a_message_with_two_labels_is_stored_once(self):
        self.imap.create("Work")
        self.imap.append("INBOX", None, None, message(1, "two labels"))
        # The same message appended to a second label folder adds the label.
        typ, data = self.imap.append("Work", None, None, message(1, "two labels"))
        self.assertEqual(typ, "OK")
        self.assertEqual(len(gm(self.imap, "[Gmail]/All Mail")), 1)
        inbox, work, all_mail = (gm(self.imap, "INBOX"), gm(self.imap, "Work"),
                                 gm(self.imap, "[Gmail]/All Mail"))
        self.assertEqual(len(inbox), 1)
        self.assertEqual(len(work), 1)
        self.assertEqual(inbox[0][0], work[0][0])
        self.assertEqual(inbox[0][0], all_mail[0][0])
        self.assertGreater(int(inbox[0][0]), 2 ** 32)  # a 64-bit id
        # The folder's own label is not listed.
        self.assertEqual(inbox[0][1], "Work")
        self.assertEqual(work[0][1], '"\\\\Inbox"')
        self.assertEqual(all_mail[0][1], '"\\\\Inbox" Work')
        # The exact response, as Gmail sends it.
        select(self.imap, "Work")
        typ, data = self.imap.uid("FETCH", "1", "(X-GM-MSGID X-GM-THRID X-GM-LABELS)")
        self.assertEqual(typ, "OK")
        msgid = inbox[0][0]
        self.assertEqual(data[0].decode(), '1 (UID 1 X-GM-MSGID %s X-GM-THRID %s '
                                           'X-GM-LABELS ("\\\\Inbox"))' % (msgid, msgid))

    def test_labels_store_flags_and_expunge(self):
        self.imap.append("INBOX", None, None, message(2, "labelled by STORE"))
        select(self.imap, "INBOX")
        typ, data = self.imap.uid("STORE", "1", "+X-GM-LABELS", '(Projects "\\\\Starred")')
        self.assertEqual(typ, "OK", data)
        self.assertIn(b"X-GM-LABELS (", data[0])
        # Starring is \Flagged everywhere, and shows in [Gmail]/Starred.
        self.assertEqual(len(gm(self.imap, "[Gmail]/Starred")), 1)
        self.assertIn("\\Flagged", gm(self.imap, "Projects")[0][2])
        self.assertIn("\\Flagged", gm(self.imap, "[Gmail]/All Mail")[0][2])
        # Unflagging removes the star.
        select(self.imap, "Projects")
        self.imap.uid("STORE", "1", "-FLAGS", "(\\Flagged)")
        self.assertEqual(gm(self.imap, "[Gmail]/Starred"), [])
        # EXPUNGE in a label folder removes that label only.
        select(self.imap, "Projects")
        self.imap.uid("STORE", "1", "+FLAGS", "(\\Deleted)")
        self.imap.expunge()
        self.assertEqual(gm(self.imap, "Projects"), [])
        self.assertEqual(len(gm(self.imap, "INBOX")), 1)
        self.assertEqual(gm(self.imap, "[Gmail]/All Mail")[0][1], '"\\\\Inbox"')
        self.assertNotIn("\\Deleted", gm(self.imap, "INBOX")[0][2])
        # -X-GM-LABELS of the folder's own label archives the message.
        select(self.imap, "[Gmail]/All Mail")
        typ, _ = self.imap.uid("STORE", "1", "-X-GM-LABELS", '("\\\\Inbox")')
        self.assertEqual(typ, "OK")
        self.assertEqual(gm(self.imap, "INBOX"), [])
        self.assertEqual(gm(self.imap, "[Gmail]/All Mail")[0][1], "")
        # EXPUNGE in All Mail deletes the message.
        select(self.imap, "[Gmail]/All Mail")
        self.imap.uid("STORE", "1", "+FLAGS", "(\\Deleted)")
        self.imap.expunge()
        self.assertEqual(gm(self.imap, "[Gmail]/All Mail"), [])

    def test_copy_to_a_label_folder_adds_the_label(self):
        self.imap.create("Later")
        self.imap.append("INBOX", None, None, message(3, "copied"))
        select(self.imap, "INBOX")
        typ, data = self.imap.uid("COPY", "1", "Later")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(len(gm(self.imap, "[Gmail]/All Mail")), 1)
        self.assertEqual(gm(self.imap, "Later")[0][1], '"\\\\Inbox"')


class MigrateGmail(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-gmail-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state = os.path.join(self.dir, "state.db")
        self.gmail = start_testserver(["--emulate", "gmail", "--imap", "127.0.0.1:0",
                                       "--user", "me:" + PW])
        self.addCleanup(self.gmail.stop)
        self.plain = start_testserver(["--imap", "127.0.0.1:0", "--user", "me:" + PW])
        self.addCleanup(self.plain.stop)

    def migrate(self, source, target, *args):
        env = dict(os.environ)
        env["HOME"] = self.dir
        env["MAILFERRY_SOURCE_PASSWORD"] = PW
        env["MAILFERRY_TARGET_PASSWORD"] = PW
        report = os.path.join(self.dir, "report.json")
        run = subprocess.run([MAILFERRY, "migrate", "imap://me@127.0.0.1:%d" % source.ports["imap"],
                              "imap://me@127.0.0.1:%d" % target.ports["imap"],
                              "--state", self.state, "--report", report, *args],
                             env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        with open(report, encoding="utf-8") as f:
            return run, json.load(f)

    def build_labelled_mailbox(self):
        """0, 1 and 2 labels, starred, sent: 6 messages in 9 label places."""
        imap = login(self.gmail, "me")
        for name in ("Work", "Family Photos"):
            imap.create('"%s"' % name)
        imap.append("INBOX", None, None, message(1, "inbox only"))
        imap.append("INBOX", None, None, message(2, "inbox and work"))
        imap.append("Work", None, None, message(2, "inbox and work"))
        imap.append("Work", None, None, message(3, "work and family"))
        imap.append('"Family Photos"', None, None, message(3, "work and family"))
        imap.append('"[Gmail]/All Mail"', None, None, message(4, "archived"))
        imap.append('"[Gmail]/All Mail"', "(\\Flagged)", None, message(5, "archived, starred"))
        imap.append('"[Gmail]/Sent Mail"', "(\\Seen)", None, message(6, "sent"))
        select(imap, "[Gmail]/All Mail")
        self.assertEqual(len(fetch_items(imap, "UID")), 6)
        imap.logout()

    def test_from_gmail_each_message_once_with_labels_as_keywords(self):
        self.build_labelled_mailbox()
        dry, report = self.migrate(self.gmail, self.plain, "--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertIn("Gmail: from Gmail: each message once", dry.stdout)
        self.assertEqual(report["totals"]["messages"]["to_copy"], 6)
        # 13 occurrences (INBOX 2, Work 2, Family Photos 1, Sent Mail 1, Starred 1,
        # All Mail 6): all but one per message are saved.
        self.assertEqual(report["totals"]["messages"]["source"], 13)
        self.assertEqual(report["gmail"]["messages_saved"], 7)
        self.assertEqual(report["totals"]["messages"]["filtered"], 7)
        self.assertGreater(report["gmail"]["bytes_saved"], 0)

        run, report = self.migrate(self.gmail, self.plain)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(report["totals"]["messages"]["copied"], 6)

        imap = login(self.plain, "me")
        folders = {}
        for line in imap.list()[1]:
            name = re.match(r'\([^)]*\) "/" (.+)$', line.decode()).group(1).strip('"')
            if "\\Noselect" not in line.decode():
                folders[name] = bodies(imap, name)
        seen = {}
        for name, messages in folders.items():
            for mid, (body, flags) in messages.items():
                self.assertNotIn(mid, seen, "%s stored in %s and %s" % (mid, seen.get(mid), name))
                seen[mid] = (name, flags, body)
        self.assertEqual(len(seen), 6)
        self.assertEqual(seen["<m1@example.org>"][0], "INBOX")
        self.assertEqual(seen["<m2@example.org>"][0], "INBOX")
        self.assertIn("Work", seen["<m2@example.org>"][1])
        self.assertEqual(seen["<m3@example.org>"][0], "Family Photos")  # first in LIST order
        self.assertIn("Work", seen["<m3@example.org>"][1])
        self.assertEqual(seen["<m4@example.org>"][0], "[Gmail]/All Mail")
        self.assertEqual(seen["<m5@example.org>"][0], "[Gmail]/All Mail")
        self.assertIn("\\Flagged", seen["<m5@example.org>"][1])
        self.assertEqual(seen["<m6@example.org>"][0], "Sent")  # the target's \Sent folder
        self.assertEqual(seen["<m1@example.org>"][2], message(1, "inbox only"))
        imap.logout()

        again, report = self.migrate(self.gmail, self.plain)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(report["totals"]["messages"]["copied"], 0)
        self.assertEqual(report["totals"]["messages"]["to_copy"], 0)

        # `mailferry verify` applies the same rules: each message once is complete.
        env = dict(os.environ, HOME=self.dir, MAILFERRY_SOURCE_PASSWORD=PW,
                   MAILFERRY_TARGET_PASSWORD=PW)
        verify = subprocess.run(
            [MAILFERRY, "verify", "imap://me@127.0.0.1:%d" % self.gmail.ports["imap"],
             "imap://me@127.0.0.1:%d" % self.plain.ports["imap"], "--state", self.state],
            env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertIn("complete: all 6 message(s) are on the target", verify.stdout)

    def test_from_gmail_labels_copied_as_folders(self):
        self.build_labelled_mailbox()
        run, report = self.migrate(self.gmail, self.plain, "--gmail-labels", "copy")
        self.assertEqual(run.returncode, 0, run.stderr)
        # INBOX 2, Work 2, Family Photos 1, Sent 1, All Mail 2 (archived).
        self.assertEqual(report["totals"]["messages"]["copied"], 8)
        imap = login(self.plain, "me")
        self.assertEqual(set(bodies(imap, "Work")), {"<m2@example.org>", "<m3@example.org>"})
        self.assertEqual(set(bodies(imap, "[Gmail]/All Mail")),
                         {"<m4@example.org>", "<m5@example.org>"})
        self.assertEqual(bodies(imap, "[Gmail]/Starred"), {})
        imap.logout()
        again, report = self.migrate(self.gmail, self.plain, "--gmail-labels", "copy")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(report["totals"]["messages"]["copied"], 0)

    def test_into_gmail_each_message_once_with_its_folders_as_labels(self):
        imap = login(self.plain, "me")
        imap.create("Work")
        imap.append("INBOX", None, None, message(7, "in two folders"))
        imap.append("Work", None, None, message(7, "in two folders"))
        imap.append("Work", None, None, message(8, "work only"))
        imap.logout()
        dry, report = self.migrate(self.plain, self.gmail, "--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertIn("Gmail: into Gmail: a message in several folders is appended once",
                      dry.stdout)
        self.assertEqual(report["gmail"]["messages_saved"], 1)
        self.assertEqual(report["gmail"]["bytes_saved"], len(message(7, "in two folders")))

        run, report = self.migrate(self.plain, self.gmail)
        self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
        self.assertEqual(report["totals"]["messages"]["copied"], 2)  # not 3: one upload saved
        g = login(self.gmail, "me")
        self.assertEqual(len(gm(g, "[Gmail]/All Mail")), 2)
        inbox, work = gm(g, "INBOX"), gm(g, "Work")
        self.assertEqual(len(inbox), 1)
        self.assertEqual(inbox[0][1], "Work")
        self.assertEqual(sorted(labels for _, labels, _ in work), ["", '"\\\\Inbox"'])
        g.logout()

        again, report = self.migrate(self.plain, self.gmail)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(report["totals"]["messages"]["copied"], 0)
        g = login(self.gmail, "me")
        self.assertEqual(len(gm(g, "[Gmail]/All Mail")), 2)
        g.logout()


if __name__ == "__main__":
    unittest.main()
