"""`mailferry verify` from the outside, against `mailferry testserver`:
after `migrate` it exits 0 and its counts equal the migration's; after the
target is tampered with (through imaplib) it exits 1 and the report names
each problem; it writes nothing to the state file; it works without one;
the report has SPEC.md's shape, and --sample says it sampled."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from testserver_fixture import MAILFERRY, start_testserver  # noqa: E402
from mailbox_snapshot import connect  # noqa: E402

RUN_TIMEOUT = 120
COUNT_KEYS = {"source", "verified", "missing", "differs", "duplicate", "extra"}


class VerifyCli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-verify-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state = os.path.join(self.dir, "state.db")
        self.server = start_testserver(["--seed-demo", "--imap", "127.0.0.1:0", "--user",
                                        "dst:dst-pw"])
        self.addCleanup(self.server.stop)
        port = self.server.ports["imap"]
        self.source = "imap://alice@127.0.0.1:%d" % port
        self.target = "imap://dst@127.0.0.1:%d" % port
        self.env = dict(os.environ, HOME=self.dir, MAILFERRY_SOURCE_PASSWORD="alice-pw",
                        MAILFERRY_TARGET_PASSWORD="dst-pw")
        self.env.pop("XDG_STATE_HOME", None)

    def run_command(self, command, *args):
        return subprocess.run([MAILFERRY, command, self.source, self.target, *args],
                              env=self.env, capture_output=True, text=True, timeout=RUN_TIMEOUT)

    def verify(self, *args, report="v.json"):
        path = os.path.join(self.dir, report)
        run = self.run_command("verify", "--report", path, *args)
        with open(path, encoding="utf-8") as f:
            return run, json.load(f)

    def state_digest(self):
        with open(self.state, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def test_after_migrate_verify_agrees_then_finds_tampering(self):
        migrate = self.run_command("migrate", "--state", self.state, "--report",
                                   os.path.join(self.dir, "m.json"))
        self.assertEqual(migrate.returncode, 0, migrate.stderr)
        with open(os.path.join(self.dir, "m.json"), encoding="utf-8") as f:
            copied = json.load(f)["totals"]["messages"]["copied"]
        before = self.state_digest()

        run, report = self.verify("--state", self.state)
        self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
        self.assertIn("complete: all %d message(s) are on the target" % copied, run.stdout)
        self.assertEqual(report["totals"]["source"], copied)
        self.assertEqual(report["totals"]["verified"], copied)
        self.assertEqual(report["problems"], [])
        self.assertTrue(report["complete"])
        self.assertFalse(report["sampled"])
        for folder in report["folders"]:
            self.assertEqual(set(folder), {"source", "target", "messages"})
            self.assertEqual(set(folder["messages"]), COUNT_KEYS)
        proof = report["proof"]
        self.assertRegex(proof["digest"], "^[0-9a-f]{64}$")
        for folder in proof["folders"]:
            self.assertRegex(folder["digest"], "^[0-9a-f]{64}$")
            for m in folder["messages"]:
                self.assertEqual(set(m), {"sha256", "size", "flags", "date"})
        self.assertEqual(self.state_digest(), before, "verify wrote to the state file")

        # Without the state file: the same verdict and the same proof.
        run = self.run_command("verify", "--state", os.path.join(self.dir, "none", "state.db"))
        self.assertEqual(run.returncode, 2, "a --state that does not exist is an error")
        self.assertIn("does not exist", run.stderr)
        run, alone = self.verify(report="alone.json")  # the default state path: none yet
        self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
        self.assertEqual(alone["proof"]["digest"], proof["digest"])

        # Tampering: one message deleted, one flag removed, a duplicate appended.
        imap = connect("127.0.0.1", self.server.ports["imap"], "dst", "dst-pw")
        imap.select("INBOX")
        _, data = imap.uid("FETCH", "1:3", "(BODY.PEEK[])")
        third = [part[1] for part in data if isinstance(part, tuple)][2]
        imap.uid("STORE", "1", "+FLAGS", "(\\Deleted)")
        imap.expunge()
        imap.uid("STORE", "2", "-FLAGS", "(\\Seen)")
        imap.uid("STORE", "2", "+FLAGS", "(\\Flagged)")
        imap.append("INBOX", None, None, third)
        imap.logout()
        run, report = self.verify("--state", self.state)
        self.assertEqual(run.returncode, 1, run.stderr + run.stdout)
        self.assertIn("INCOMPLETE", run.stdout)
        kinds = sorted(p["kind"] for p in report["problems"])
        self.assertEqual(kinds, ["differs", "duplicate", "missing"], report["problems"])
        differs = [p for p in report["problems"] if p["kind"] == "differs"][0]
        self.assertEqual(differs["target_uid"], 2)
        self.assertIn("flags", differs["detail"])
        missing = [p for p in report["problems"] if p["kind"] == "missing"][0]
        self.assertEqual(missing["folder"], "INBOX")
        self.assertIsNone(missing["target_uid"])
        self.assertFalse(report["complete"])
        self.assertEqual(self.state_digest(), before)

    def test_migrate_verify_checks_what_the_run_copied(self):
        path = os.path.join(self.dir, "m.json")
        run = self.run_command("migrate", "--state", self.state, "--verify", "--report", path)
        self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
        self.assertIn("complete: all", run.stdout)
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        copied = report["totals"]["messages"]["copied"]
        self.assertGreater(copied, 0)
        self.assertEqual(report["verify"]["totals"]["verified"], copied)
        self.assertEqual(report["verify"]["problems"], [])
        # A re-run copies nothing, so it verifies nothing.
        run = self.run_command("migrate", "--state", self.state, "--verify", "--report", path)
        self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
        with open(path, encoding="utf-8") as f:
            self.assertEqual(json.load(f)["verify"]["totals"]["source"], 0)

    def test_sample_says_it_sampled(self):
        self.assertEqual(self.run_command("migrate", "--state", self.state).returncode, 0)
        run, report = self.verify("--state", self.state, "--sample", "2", "--seed", "5")
        self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
        self.assertTrue(report["sampled"])
        self.assertIn("bytes of a sample per folder", run.stdout)
        for folder in report["proof"]["folders"]:
            self.assertLessEqual(sum(1 for m in folder["messages"] if m["sha256"]), 2)


if __name__ == "__main__":
    unittest.main()
