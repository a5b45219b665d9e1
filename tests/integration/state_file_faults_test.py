"""The state file on a full disk and on a read-only file system, from the
outside: `mailferry migrate` stops with exit status 4 (disk full: an
interruption, a re-run resumes) or 2 (read-only: the set-up is wrong) and a
message that says what to do; nothing is lost or copied twice; once the
problem is gone a re-run completes and `status` reads the file.

The file system is a small tmpfs the test mounts (the suite runs as root,
as `contrib/setup.sh` and CI do); the target is read back with imaplib."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from testserver_fixture import MAILFERRY, start_testserver  # noqa: E402
from mailbox_snapshot import connect, imap_snapshot  # noqa: E402

RUN_TIMEOUT = 120
PW = "state-faults-pw"


class StateFileFaults(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-state-faults-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.fs = os.path.join(self.dir, "fs")
        os.mkdir(self.fs)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", self.fs],
                                 capture_output=True, text=True)
        self.assertEqual(mounted.returncode, 0, "these tests mount a tmpfs and need root: " +
                         mounted.stderr)
        self.addCleanup(subprocess.run, ["umount", "-l", self.fs], check=False)
        self.state = os.path.join(self.fs, "state.db")
        self.filler = os.path.join(self.fs, "filler")
        self.server = start_testserver(["--imap", "127.0.0.1:0", "--user", "src:" + PW,
                                        "--user", "dst:" + PW])
        self.addCleanup(self.server.stop)
        self.added = 0

    def url(self, user):
        return "imap://%s@127.0.0.1:%d" % (user, self.server.ports["imap"])

    def migrate(self):
        env = dict(os.environ, MAILFERRY_SOURCE_PASSWORD=PW, MAILFERRY_TARGET_PASSWORD=PW)
        return subprocess.run([MAILFERRY, "migrate", self.url("src"), self.url("dst"), "--state",
                               self.state], env=env, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT)

    def add_mail(self, count):
        imap = connect("127.0.0.1", self.server.ports["imap"], "src", PW)
        try:
            for _ in range(count):
                self.added += 1
                n = self.added
                body = ("From: a@example.org\r\nSubject: message %d\r\nMessage-ID: <m%d@example.org>"
                        "\r\nDate: Mon, 13 Nov 2023 10:00:00 +0000\r\n\r\nBody of %d.\r\n"
                        % (n, n, n))
                self.assertEqual(imap.append("INBOX", None, None, body.encode())[0], "OK")
        finally:
            imap.logout()

    def fill_leaving(self, free_bytes):
        """Writes zeros into a filler file until at most `free_bytes` are free."""
        chunk = b"\0" * 4096
        with open(self.filler, "ab") as f:
            while True:
                st = os.statvfs(self.fs)
                if st.f_bavail * st.f_frsize <= free_bytes:
                    break
                try:
                    f.write(chunk)
                    f.flush()
                except OSError:
                    break

    def assert_target_is_the_source(self):
        src = imap_snapshot("127.0.0.1", self.server.ports["imap"], "src", PW)
        dst = imap_snapshot("127.0.0.1", self.server.ports["imap"], "dst", PW)
        self.assertEqual(len(src["INBOX"]), self.added)
        self.assertEqual(len(dst["INBOX"]), len(set(dst["INBOX"])), "duplicates on the target")
        self.assertEqual(dst["INBOX"], src["INBOX"])

    def test_full_disk_stops_the_run_and_a_rerun_completes_exactly(self):
        self.add_mail(5)
        first = self.migrate()
        self.assertEqual(first.returncode, 0, first.stderr)
        stopped = 0
        # Less and less room, so the disk fills at different points of a run:
        # recording its start, an intent, a confirmation, its end.
        for free_kb in (4, 24, 48, 96, 160):
            with self.subTest(free_kb=free_kb):
                self.add_mail(150)
                self.fill_leaving(free_kb * 1024)
                try:
                    run = self.migrate()
                finally:
                    os.remove(self.filler)
                self.assertIn(run.returncode, (0, 4), run.stderr)
                if run.returncode == 4:
                    stopped += 1
                    last = run.stderr.strip().splitlines()[-1]
                    self.assertIn("disk full", last)
                    self.assertIn("nothing was lost, free space and re-run", last)
                rerun = self.migrate()
                self.assertEqual(rerun.returncode, 0, rerun.stderr)
                self.assert_target_is_the_source()
        self.assertGreater(stopped, 0, "the disk never filled during a run")
        status = subprocess.run([MAILFERRY, "status", "--state", self.state],
                                capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("%d copied" % self.added, status.stdout)

    def test_read_only_file_system_is_refused_saying_what_to_check(self):
        self.add_mail(3)
        self.assertEqual(self.migrate().returncode, 0)
        self.add_mail(2)
        remount = subprocess.run(["mount", "-o", "remount,ro", self.fs], capture_output=True,
                                 text=True)
        self.assertEqual(remount.returncode, 0, remount.stderr)
        refused = self.migrate()
        self.assertEqual(refused.returncode, 2, refused.stderr)
        last = refused.stderr.strip().splitlines()[-1]
        self.assertIn("Read-only file system", last)
        self.assertIn("writable", last)
        dst = imap_snapshot("127.0.0.1", self.server.ports["imap"], "dst", PW)
        self.assertEqual(len(dst["INBOX"]), 3, "nothing is copied without a state to record it")
        status = subprocess.run([MAILFERRY, "status", "--state", self.state],
                                capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(status.returncode, 0, status.stderr)
        subprocess.run(["mount", "-o", "remount,rw", self.fs], check=True)
        rerun = self.migrate()
        self.assertEqual(rerun.returncode, 0, rerun.stderr)
        self.assert_target_is_the_source()

    def test_a_state_file_that_cannot_be_used_is_refused_untouched(self):
        """Not a database, cut short, or written by a newer mailferry: exit 2
        with what to do, nothing copied, the file byte for byte as it was."""
        self.add_mail(3)
        self.assertEqual(self.migrate().returncode, 0)
        with open(self.state, "rb") as f:
            good = f.read()
        self.add_mail(2)
        newer = os.path.join(self.dir, "newer.db")
        with open(newer, "wb") as f:
            f.write(good)
        with sqlite3.connect(newer) as db:
            db.execute("PRAGMA user_version = 99")
        db.close()
        with open(newer, "rb") as f:
            newer_bytes = f.read()
        cases = {
            "not a database": (b"mail, not a database\n" * 200, "not a"),
            "cut short": (good[:len(good) // 3], "damaged"),
            "newer": (newer_bytes, "newer mailferry"),
        }
        for name, (content, says) in cases.items():
            with self.subTest(name):
                with open(self.state, "wb") as f:
                    f.write(content)
                for wal in (self.state + "-wal", self.state + "-shm"):
                    if os.path.exists(wal):
                        os.remove(wal)
                refused = self.migrate()
                self.assertEqual(refused.returncode, 2, refused.stderr)
                last = refused.stderr.strip().splitlines()[-1]
                self.assertIn(says, last)
                self.assertIn("--state", last, "the message says what to do")
                status = subprocess.run([MAILFERRY, "status", "--state", self.state],
                                        capture_output=True, text=True, timeout=RUN_TIMEOUT)
                self.assertEqual(status.returncode, 2, status.stderr)
                with open(self.state, "rb") as f:
                    self.assertEqual(f.read(), content, "the file was changed")
                dst = imap_snapshot("127.0.0.1", self.server.ports["imap"], "dst", PW)
                self.assertEqual(len(dst["INBOX"]), 3, "nothing moves without a usable state")
        with open(self.state, "wb") as f:
            f.write(good)
        rerun = self.migrate()
        self.assertEqual(rerun.returncode, 0, rerun.stderr)
        self.assert_target_is_the_source()


if __name__ == "__main__":
    unittest.main()
