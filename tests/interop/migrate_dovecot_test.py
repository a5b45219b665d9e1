"""`mailferry migrate` between two real Dovecot instances, one with "." and
one with "/" as hierarchy separator: IMAP to IMAP over imaps (--ca-file) and
POP3 to IMAP. Both accounts are read back with imaplib/poplib and compared
folder by folder, message by message (exact octets, flags, INTERNALDATE).
Covers the dry run's plan against the real run, no-op re-runs, new mail,
flag changes and deletions on the source (--sync-deletions), a source
folder deleted and recreated with a new UIDVALIDITY, a large folder's first
copy killed (SIGKILL) halfway and resumed in windows, and `mailferry verify`
of a migration before and after the target was tampered with."""

import imaplib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import dovecot  # noqa: E402
from mailbox_snapshot import connect, imap_snapshot, pop3_messages  # noqa: E402

MAILFERRY = os.environ.get("MAILFERRY", "build/bin/mailferry")
RUN_TIMEOUT = 240
USERS = {"alice": "alice-dovecot-pw", "bob": "bob-dovecot-pw", "carol": "carol-dovecot-pw",
         "dave": "dave-dovecot-pw", "erin": "erin-dovecot-pw", "frank": "frank-dovecot-pw",
         "gina": "gina-dovecot-pw", "hank": "hank-dovecot-pw"}
# A folder of more messages than a window (4,000) is copied in windows.
WINDOW = 4000


def message(n, subject, body="Hello.\r\n", extra_headers=""):
    return ("From: Alice <alice@example.org>\r\nTo: Carol <carol@example.org>\r\n"
            "Subject: %s\r\nMessage-ID: <m%d.%s@example.org>\r\n"
            "Date: Mon, %d Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n%s\r\n%s"
            % (subject, n, subject.replace(" ", "-"), 1 + n % 27, extra_headers, body)).encode()


def with_attachment(n):
    body = ("--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n"
            "--b1\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n"
            + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\r\n" * 40
            + "--b1--\r\n")
    return message(n, "attachment %d" % n, body,
                   "Content-Type: multipart/mixed; boundary=\"b1\"\r\n")


def date(n):
    return imaplib.Time2Internaldate(1790000000 + n * 3600)


def quote(name):
    return '"%s"' % name


class MigrateDovecot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mailferry-migrate-dovecot-")
        os.chmod(cls.dir, 0o755)
        os.makedirs(os.path.join(cls.dir, "dot"))
        os.makedirs(os.path.join(cls.dir, "slash"))
        cls.dot = dovecot.start_dovecot(os.path.join(cls.dir, "dot"), users=USERS, separator=".")
        cls.slash = dovecot.start_dovecot(os.path.join(cls.dir, "slash"), users=USERS,
                                          separator="/")
        # One CA file for both sides: each instance has its own certificate.
        cls.ca_file = os.path.join(cls.dir, "both-ca.pem")
        with open(cls.ca_file, "w", encoding="ascii") as out:
            for instance in (cls.dot, cls.slash):
                with open(instance.ca_file, encoding="ascii") as f:
                    out.write(f.read())

    @classmethod
    def tearDownClass(cls):
        cls.dot.stop()
        cls.slash.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="run-", dir=self.dir)
        self.state = os.path.join(self.work, "state.db")

    def run_mailferry(self, command, source, target, source_user, target_user, *args):
        """Runs `mailferry COMMAND SOURCE TARGET ... --report R`: (process, report)."""
        env = dict(os.environ, MAILFERRY_SOURCE_PASSWORD=USERS[source_user],
                   MAILFERRY_TARGET_PASSWORD=USERS[target_user], HOME=self.work)
        env.pop("XDG_STATE_HOME", None)
        report = os.path.join(self.work, "report-%d.json" % time.monotonic_ns())
        r = subprocess.run([MAILFERRY, command, source, target, "--ca-file", self.ca_file,
                            "--report", report, *args],
                           env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        if not os.path.exists(report):
            return r, None
        with open(report, encoding="utf-8") as f:
            return r, json.load(f)

    def migrate(self, source, target, source_user, target_user, *args):
        r, report = self.run_mailferry("migrate", source, target, source_user, target_user,
                                       "--state", self.state, *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return report

    def imap(self, instance, user):
        return connect("127.0.0.1", instance.ports["imap"], user, USERS[user])

    def snapshot(self, instance, user, skip_deleted=False):
        return imap_snapshot("127.0.0.1", instance.ports["imaps"], user, USERS[user], tls=True,
                             ca_file=instance.ca_file, skip_deleted=skip_deleted)

    def assert_same(self, source, target):
        for folder, messages in source.items():
            self.assertIn(folder, target)
            self.assertEqual(len(target[folder]), len(set(target[folder])), folder)
            self.assertEqual(target[folder], messages, folder)
        for folder in set(target) - set(source):
            self.assertEqual(target[folder], [], folder)

    def seed(self, user):
        imap = self.imap(self.dot, user)
        for name in ("Projects", "Projects.2026", "Reisen.Z&APw-rich", "Archive.2023"):
            status, data = imap.create(quote(name))
            self.assertEqual(status, "OK", data)
        plan = [
            ("INBOX", message(1, "hello"), r"(\Seen)"),
            ("INBOX", message(2, "flagged"), r"(\Flagged \Answered)"),
            ("INBOX", with_attachment(3), "(project-x)"),
            ("INBOX", message(4, "unread"), "()"),
            ("Projects", message(5, "plan"), r"(\Seen $Important)"),
            ("Projects.2026", message(6, "kickoff"), r"(\Seen)"),
            ("Projects.2026", with_attachment(7), r"(\Draft)"),
            ("Projects.2026", message(8, "review"), "()"),
            ("Reisen.Z&APw-rich", message(9, "Zürich trip", "Grüezi!\r\n"),
             r"(\Seen)"),
            ("Sent", message(10, "sent"), r"(\Seen)"),
            ("Archive.2023", message(11, "old"), r"(\Seen \Answered)"),
        ]
        for i, (folder, body, flags) in enumerate(plan):
            status, data = imap.append(quote(folder), flags, date(i), body)
            self.assertEqual(status, "OK", data)
        imap.logout()

    def test_imap_to_imap_over_imaps(self):
        self.seed("alice")
        source = "imaps://alice@127.0.0.1:%d" % self.dot.ports["imaps"]
        target = "imaps://carol@127.0.0.1:%d" % self.slash.ports["imaps"]

        dry = self.migrate(source, target, "alice", "carol", "--dry-run")
        self.assertTrue(dry["dry_run"])
        self.assertEqual(dry["totals"]["messages"]["to_copy"], 11)
        self.assertEqual(dry["totals"]["messages"]["copied"], 0)
        self.assertEqual(self.snapshot(self.slash, "carol").get("Projects/2026", []), [])
        self.assertFalse(os.path.exists(self.state))
        names = {f["source"]: f["target"] for f in dry["folders"]}
        self.assertEqual(names.get("Reisen/Zürich"), "Reisen/Zürich")
        self.assertEqual(names.get("Projects/2026"), "Projects/2026")

        real = self.migrate(source, target, "alice", "carol")
        self.assertEqual(real["totals"]["messages"]["copied"], dry["totals"]["messages"]["to_copy"])
        self.assertEqual(real["totals"]["bytes"]["copied"], dry["totals"]["bytes"]["to_copy"])
        self.assert_same(self.snapshot(self.dot, "alice"), self.snapshot(self.slash, "carol"))
        carol = self.imap(self.slash, "carol")
        listed = carol.list('""', '"*"')[1]
        carol.logout()
        self.assertTrue(any(b'"Reisen/Z&APw-rich"' in l or b"Reisen/Z&APw-rich" in l
                            for l in listed), listed)

        r, again = self.run_mailferry("migrate", source, target, "alice", "carol",
                                      "--state", self.state, "-vv")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(again["totals"]["messages"]["to_copy"], 0)
        self.assertEqual(again["totals"]["messages"]["copied"], 0)
        self.assertEqual(again["totals"]["flag_updates"], 0)
        # Dovecot offers LIST-STATUS (RFC 5819): the no-op re-run learns every
        # folder's state from one LIST per side, asks no STATUS and opens no
        # folder (not even the target's "Reisen", a parent the source cannot
        # select).
        sent = [l.split(" C: ", 1)[1] for l in r.stderr.splitlines() if " C: " in l]
        self.assertEqual(sum(" LIST " in c and "STATUS (" in c for c in sent), 2, sent)
        self.assertFalse([c for c in sent if re.search(r' (STATUS "|EXAMINE |UID FETCH )', c)],
                         sent)
        self.assertFalse([c for c in sent if " SELECT " in c], sent)

        # New mail, flag changes and a deletion on the source.
        imap = self.imap(self.dot, "alice")
        imap.append("INBOX", r"(\Seen)", date(20), message(20, "new one"))
        imap.append(quote("Projects.2026"), "()", date(21), with_attachment(21))
        imap.select("INBOX")
        imap.store("4", "+FLAGS", r"(\Seen \Flagged)")
        imap.store("1", "-FLAGS", r"(\Seen)")
        imap.select(quote("Projects.2026"))
        imap.store("3", "+FLAGS", r"(\Deleted)")
        imap.expunge()
        imap.logout()
        changed = self.migrate(source, target, "alice", "carol", "--sync-deletions")
        self.assertEqual(changed["totals"]["messages"]["copied"], 2)
        self.assertEqual(changed["totals"]["flag_updates"], 2)
        self.assertEqual(changed["totals"]["deletions"], 1)
        self.assert_same(self.snapshot(self.dot, "alice"),
                         self.snapshot(self.slash, "carol", skip_deleted=True))

        # Changed again under the same options, so the last run's settlement
        # holds: INBOX is listed by what changed (CHANGEDSINCE), its UIDs and
        # \Deleted ones asked for as ESEARCH sets (RFC 4731); no unchanged
        # message's metadata is read on either side.
        imap = self.imap(self.dot, "alice")
        imap.append("INBOX", "()", date(22), message(22, "newer one"))
        imap.select("INBOX")
        imap.store("2", "+FLAGS", r"(\Seen)")
        imap.store("1", "+FLAGS", r"(\Deleted)")
        imap.expunge()
        imap.logout()
        r, partly = self.run_mailferry("migrate", source, target, "alice", "carol",
                                       "--state", self.state, "--sync-deletions", "-vv")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(partly["totals"]["messages"]["copied"], 1)
        self.assertEqual(partly["totals"]["flag_updates"], 1)
        self.assertEqual(partly["totals"]["deletions"], 1)
        self.assertEqual(partly["totals"]["messages"]["source"],
                         changed["totals"]["messages"]["source"])  # one in, one out
        self.assert_same(self.snapshot(self.dot, "alice"),
                         self.snapshot(self.slash, "carol", skip_deleted=True))
        sent = [l.split(" C: ", 1)[1] for l in r.stderr.splitlines() if " C: " in l]
        self.assertEqual(sum("UID SEARCH RETURN (ALL) DELETED" in c for c in sent), 1, sent)
        self.assertFalse([c for c in sent if "UID FETCH 1:* (UID FLAGS INTERNALDATE" in c and
                          "CHANGEDSINCE" not in c], sent)
        self.assertFalse([c for c in sent if "MESSAGE-ID" in c and "CHANGEDSINCE" not in c], sent)

        # UIDVALIDITY change: delete and recreate a folder with the same messages.
        imap = self.imap(self.dot, "alice")
        before = self.snapshot(self.dot, "alice")["Projects/2026"]
        imap.select(quote("Projects.2026"), readonly=True)
        old_validity = imap.response("UIDVALIDITY")[1][0]
        imap.close()
        self.assertEqual(imap.delete(quote("Projects.2026"))[0], "OK")
        self.assertEqual(imap.create(quote("Projects.2026"))[0], "OK")
        for body, flags, seconds in before:
            imap.append(quote("Projects.2026"), "(%s)" % " ".join(flags),
                        imaplib.Time2Internaldate(seconds), body)
        imap.select(quote("Projects.2026"), readonly=True)
        self.assertNotEqual(imap.response("UIDVALIDITY")[1][0], old_validity)
        imap.logout()
        rematched = self.migrate(source, target, "alice", "carol", "--sync-deletions")
        self.assertEqual(rematched["totals"]["messages"]["copied"], 0)
        self.assert_same(self.snapshot(self.dot, "alice"),
                         self.snapshot(self.slash, "carol", skip_deleted=True))

    def fill_inbox(self, instance, user, count):
        """Writes `count` small messages straight into `user`'s Maildir INBOX,
        where Dovecot finds them at the first SELECT: thousands at once,
        where one APPEND each would take a while."""
        maildir = os.path.join(os.path.dirname(instance.config), "home", user, "Maildir")
        uid, gid = dovecot._accounts()[:2]
        for sub in ("", "cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
            if os.geteuid() == 0:
                os.chown(os.path.join(maildir, sub), uid, gid)
        for n in range(count):
            path = os.path.join(maildir, "cur", "%d.M%dP1.mailferry:2,S" % (1_700_000_000 + n, n))
            with open(path, "wb") as f:
                f.write(message(1000 + n, "bulk %d" % n, "Body %d.\r\n" % n))
            os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))
            if os.geteuid() == 0:
                os.chown(path, uid, gid)

    def test_a_first_copy_killed_midway_resumes_in_windows(self):
        """kill -9 in the middle of a large folder's first copy, then run
        again: the re-run goes by windows as the first copy did (each one
        metadata FETCH of its UIDs on the source), lists nothing of the
        target the state knows (at most the copies whose APPEND the kill cut
        short), copies only the rest, and leaves each message there once."""
        total_messages = WINDOW + 500
        self.fill_inbox(self.dot, "gina", total_messages)
        source = "imap://gina@127.0.0.1:%d" % self.dot.ports["imap"]
        target = "imap://hank@127.0.0.1:%d" % self.slash.ports["imap"]
        env = dict(os.environ, MAILFERRY_SOURCE_PASSWORD=USERS["gina"],
                   MAILFERRY_TARGET_PASSWORD=USERS["hank"], HOME=self.work)
        env.pop("XDG_STATE_HOME", None)
        first = subprocess.Popen([MAILFERRY, "migrate", source, target, "--state", self.state,
                                  "--ca-file", self.ca_file,
                                  "--connections", "1", "-q"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        copied = 0
        deadline = time.monotonic() + 120
        try:
            while copied < 1000 and first.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
                imap = self.imap(self.slash, "hank")
                status, data = imap.status("INBOX", "(MESSAGES)")
                imap.logout()
                if status == "OK":
                    copied = int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))
        finally:
            first.kill()  # SIGKILL
            _, errors = first.communicate()
        self.assertGreaterEqual(copied, 1000, "the first copy got under way: " + errors[-2000:])
        self.assertNotEqual(first.returncode, 0, "killed before it finished")

        r, report = self.run_mailferry("migrate", source, target, "gina", "hank",
                                       "--state", self.state, "--connections", "1", "-vv")
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
        messages = report["totals"]["messages"]
        self.assertEqual(messages["copied"] + messages["already_there"], total_messages)
        self.assertLess(messages["copied"], total_messages - 999)

        def metadata_sets(port):
            # The UID sets of the metadata listings sent to `port`.
            sets = []
            for line in r.stderr.splitlines():
                m = re.search(r":%d C: \S+ UID FETCH (\S+) \(.*INTERNALDATE" % port, line)
                if m:
                    sets.append(m.group(1))
            return sets

        source_sets = metadata_sets(self.dot.ports["imap"])
        self.assertEqual(len(source_sets), 2, source_sets)
        self.assertRegex(source_sets[0], r"^1:\d+$")
        self.assertRegex(source_sets[1], r"^\d+:\*$")
        self.assertNotIn("1:*", metadata_sets(self.slash.ports["imap"]),
                         "the target is not listed whole")

        source_inbox = self.snapshot(self.dot, "gina")["INBOX"]
        target_inbox = self.snapshot(self.slash, "hank")["INBOX"]
        self.assertEqual(len(source_inbox), total_messages)
        self.assertEqual(len(target_inbox), len(set(target_inbox)), "nothing twice")
        self.assertEqual(target_inbox, source_inbox)

    def test_pop3_to_imap(self):
        imap = self.imap(self.dot, "bob")
        bodies = [message(30 + i, "pop %d" % i) for i in range(5)] + [with_attachment(40)]
        bodies.append(message(41, "dot stuffing", ".leading dot\r\n..two dots\r\n.\r\nend\r\n"))
        for i, body in enumerate(bodies):
            self.assertEqual(imap.append("INBOX", "()", date(i), body)[0], "OK")
        imap.logout()

        source = "pop3s://bob@127.0.0.1:%d" % self.dot.ports["pop3s"]
        target = "imap://dave@127.0.0.1:%d" % self.slash.ports["imap"]
        dry = self.migrate(source, target, "bob", "dave", "--folder", "Mail/Bob", "--dry-run")
        self.assertEqual(dry["totals"]["messages"]["to_copy"], len(bodies))
        real = self.migrate(source, target, "bob", "dave", "--folder", "Mail/Bob")
        self.assertEqual(real["totals"]["messages"]["copied"], len(bodies))

        maildrop = pop3_messages("127.0.0.1", self.dot.ports["pop3"], "bob", USERS["bob"])
        self.assertEqual(maildrop, sorted(bodies))
        dave = self.snapshot(self.slash, "dave")
        self.assertEqual(sorted(m[0] for m in dave["Mail/Bob"]), maildrop)
        for body, flags, _ in dave["Mail/Bob"]:
            self.assertEqual(flags, (), "POP3 messages arrive without flags")

        again = self.migrate(source, target, "bob", "dave", "--folder", "Mail/Bob")
        self.assertEqual(again["totals"]["messages"]["to_copy"], 0)
        self.assertEqual(again["totals"]["messages"]["copied"], 0)
        self.assertEqual(len(self.snapshot(self.slash, "dave")["Mail/Bob"]), len(bodies))

    def test_verify_proves_the_migration_and_names_each_tampering(self):
        self.seed("erin")
        source = "imaps://erin@127.0.0.1:%d" % self.dot.ports["imaps"]
        target = "imaps://frank@127.0.0.1:%d" % self.slash.ports["imaps"]
        copied = self.migrate(source, target, "erin", "frank")["totals"]["messages"]["copied"]

        def verify(*args):
            return self.run_mailferry("verify", source, target, "erin", "frank", *args)

        with open(self.state, "rb") as f:
            state_bytes = f.read()
        before = (self.snapshot(self.dot, "erin"), self.snapshot(self.slash, "frank"))
        run, report = verify("--state", self.state)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(report["totals"]["source"], copied)
        self.assertEqual(report["totals"]["verified"], copied)
        self.assertEqual(report["problems"], [])
        # Read-only: both mailboxes (flags included: \Seen stays unset) and the state.
        self.assertEqual((self.snapshot(self.dot, "erin"), self.snapshot(self.slash, "frank")),
                         before)
        with open(self.state, "rb") as f:
            self.assertEqual(f.read(), state_bytes, "verify wrote to the state file")
        # Without the state: found by content, the same proof.
        run, alone = verify("--state", os.path.join(self.work, "absent.db"))
        self.assertEqual(run.returncode, 2, "a --state that does not exist is an error")
        os.remove(self.state)
        run, alone = verify()
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(alone["proof"]["digest"], report["proof"]["digest"])
        self.assertEqual(alone["totals"]["verified"], copied)

        # Tamper with the target: each kind of damage a user can do to it.
        frank = self.imap(self.slash, "frank")
        frank.select("INBOX")
        by_subject = {}
        _, data = frank.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        for part in data:
            if isinstance(part, tuple):
                uid = int(part[0].split(b"UID ")[1].split()[0])
                by_subject[part[1].decode().strip().split(": ", 1)[1]] = uid
        frank.uid("STORE", str(by_subject["hello"]), "+FLAGS", r"(\Deleted)")
        frank.expunge()                                                     # missing
        frank.uid("STORE", str(by_subject["flagged"]), "-FLAGS", r"(\Flagged)")  # flags
        frank.uid("STORE", str(by_subject["attachment 3"]), "-FLAGS", "(project-x)")  # keyword
        frank.append("INBOX", r"(\Seen)", date(2), with_attachment(3))  # duplicate
        frank.select(quote("Projects"))
        frank.store("1", "+FLAGS", r"(\Deleted)")
        frank.expunge()
        # Same Message-ID, flags and date, one byte different.
        frank.append(quote("Projects"), r"(\Seen $Important)", date(4),
                     message(5, "plan").replace(b"Hello.", b"Hellp."))
        frank.logout()

        run, tampered = verify()
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn("INCOMPLETE", run.stdout)
        problems = sorted((p["folder"], p["kind"]) for p in tampered["problems"])
        self.assertEqual(problems, [("INBOX", "differs"), ("INBOX", "differs"),
                                    ("INBOX", "duplicate"), ("INBOX", "missing"),
                                    ("Projects", "differs")], tampered["problems"])
        details = " | ".join(p["detail"] for p in tampered["problems"] if p["kind"] == "differs")
        for what in ("flags", "keywords", "bytes"):
            self.assertIn(what, details)
        self.assertNotEqual(tampered["proof"]["digest"], report["proof"]["digest"])


if __name__ == "__main__":
    unittest.main()
