"""`mailferry migrate` and `mailferry status` from the outside, against
`mailferry testserver`: dry run and report shape, real run, no-op re-run,
exit codes, failed appends, kill -9 and SIGTERM mid-run followed by a
re-run, passwords kept out of every output, JSON log lines. Accounts are
read back with imaplib and compared message by message (octets, flags,
INTERNALDATE)."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from testserver_fixture import MAILFERRY, free_port, start_testserver  # noqa: E402
from mailbox_snapshot import imap_snapshot, pop3_messages  # noqa: E402

RUN_TIMEOUT = 120
SRC_PW = "Src-Pa55-word-4711"
DST_PW = "Dst-Pa55-word-0815"
MESSAGE_KEYS = {"source", "to_copy", "copied", "already_there", "filtered", "failed"}


class MigrateCli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-migrate-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state = os.path.join(self.dir, "state.db")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    # ---- helpers ----

    def server(self, *extra):
        """A test server with alice/bob/carol (demo mail) plus src/dst users."""
        args = ["--seed-demo", "--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0",
                "--user", "src:" + SRC_PW, "--user", "dst:" + DST_PW, *extra]
        server = start_testserver(args)
        self.servers.append(server)
        return server

    def env(self, source_pw="alice-pw", target_pw="carol-pw"):
        env = dict(os.environ)
        env.pop("XDG_STATE_HOME", None)
        env["HOME"] = self.dir
        env["MAILFERRY_SOURCE_PASSWORD"] = source_pw
        env["MAILFERRY_TARGET_PASSWORD"] = target_pw
        return env

    def migrate(self, source, target, *args, env=None, state=True):
        cmd = [MAILFERRY, "migrate", source, target, *args]
        if state:
            cmd += ["--state", self.state]
        return subprocess.run(cmd, env=env or self.env(), capture_output=True, text=True,
                              timeout=RUN_TIMEOUT)

    def start_migrate(self, source, target, *args, env=None):
        process = subprocess.Popen(
            [MAILFERRY, "migrate", source, target, "--state", self.state, "-v", *args],
            env=env or self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(process.stderr.close)
        self.addCleanup(process.stdout.close)
        return process

    def report(self, name="r.json"):
        with open(os.path.join(self.dir, name), encoding="utf-8") as f:
            return json.load(f)

    @staticmethod
    def url(scheme, user, server, proto="imap"):
        return "%s://%s@127.0.0.1:%d" % (scheme, user, server.ports[proto])

    def assert_target_matches(self, source_server, target_server, source_user="alice",
                              source_pw="alice-pw", target_user="carol", target_pw="carol-pw"):
        src = imap_snapshot("127.0.0.1", source_server.ports["imap"], source_user, source_pw,
                            skip_deleted=True)
        dst = imap_snapshot("127.0.0.1", target_server.ports["imap"], target_user, target_pw)
        for folder, messages in src.items():
            self.assertIn(folder, dst)
            got = dst[folder]
            self.assertEqual(len(got), len(set(got)), "duplicates in " + folder)
            self.assertEqual(got, messages, folder)
        for folder in set(dst) - set(src):
            self.assertEqual(dst[folder], [], "unexpected messages in " + folder)
        return sum(len(m) for m in src.values())

    def assert_shape(self, report):
        self.assertEqual(set(report) >= {"dry_run", "source", "target", "started",
                                         "duration_s", "folders", "totals", "errors"}, True)
        self.assertRegex(report["started"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        for f in report["folders"]:
            self.assertTrue({"source", "target", "created", "messages", "bytes",
                             "flag_updates", "deletions"} <= set(f))
            self.assertEqual(set(f["messages"]), MESSAGE_KEYS)
            self.assertEqual(set(f["bytes"]), {"to_copy", "copied"})
        t = report["totals"]
        self.assertEqual(set(t["messages"]), MESSAGE_KEYS)
        self.assertTrue({"flag_updates", "deletions", "folders_created"} <= set(t))
        for key in MESSAGE_KEYS:
            self.assertEqual(t["messages"][key],
                             sum(f["messages"][key] for f in report["folders"]), key)

    def wait_for_progress(self, process, done, timeout=60):
        """Reads stderr until a progress line shows at least `done` messages
        done; the rest of stderr is drained in the background."""
        found = threading.Event()
        pattern = re.compile(r"progress: (\d+)/(\d+) messages")

        def reader():
            for line in process.stderr:
                m = pattern.search(line)
                if m and int(m.group(1)) >= done:
                    found.set()
            found.set()

        threading.Thread(target=reader, daemon=True).start()
        self.assertTrue(found.wait(timeout), "no progress within %ss" % timeout)
        self.assertIsNone(process.poll(), "the run ended before %d messages" % done)

    # ---- tests ----

    def test_dry_run_real_run_and_rerun(self):
        a, b = self.server(), self.server()
        source, target = self.url("imap", "alice", a), self.url("imap", "carol", b)
        before = imap_snapshot("127.0.0.1", b.ports["imap"], "carol", "carol-pw")

        dry = self.migrate(source, target, "--dry-run", "--report",
                           os.path.join(self.dir, "dry.json"))
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertFalse(os.path.exists(self.state), "a dry run created the state file")
        self.assertEqual(imap_snapshot("127.0.0.1", b.ports["imap"], "carol", "carol-pw"), before)
        planned = self.report("dry.json")
        self.assert_shape(planned)
        self.assertTrue(planned["dry_run"])
        self.assertEqual(planned["source"], source)
        self.assertEqual(planned["target"], target)
        self.assertGreater(planned["totals"]["messages"]["to_copy"], 10)
        self.assertEqual(planned["totals"]["messages"]["copied"], 0)
        self.assertEqual(planned["totals"]["bytes"]["copied"], 0)
        self.assertIn("Reisen/Zürich", [f["source"] for f in planned["folders"]])

        real = self.migrate(source, target, "--report", os.path.join(self.dir, "real.json"))
        self.assertEqual(real.returncode, 0, real.stderr)
        done = self.report("real.json")
        self.assert_shape(done)
        self.assertFalse(done["dry_run"])
        self.assertEqual(done["totals"]["messages"]["copied"],
                         planned["totals"]["messages"]["to_copy"])
        self.assertEqual(done["totals"]["bytes"]["copied"], planned["totals"]["bytes"]["to_copy"])
        self.assertEqual(done["errors"], [])
        # The table is on stdout.
        self.assertIn("Reisen/Zürich", real.stdout)
        copied = self.assert_target_matches(a, b)
        self.assertEqual(copied, done["totals"]["messages"]["copied"]
                         + done["totals"]["messages"]["already_there"])

        # A dry run against an existing state plans nothing more and changes nothing.
        with open(self.state, "rb") as f:
            state_bytes = f.read()
        again_dry = self.migrate(source, target, "--dry-run", "--report",
                                 os.path.join(self.dir, "dry2.json"))
        self.assertEqual(again_dry.returncode, 0, again_dry.stderr)
        self.assertEqual(self.report("dry2.json")["totals"]["messages"]["to_copy"], 0)

        again = self.migrate(source, target, "--report", os.path.join(self.dir, "again.json"))
        self.assertEqual(again.returncode, 0, again.stderr)
        rerun = self.report("again.json")
        self.assertEqual(rerun["totals"]["messages"]["to_copy"], 0)
        self.assertEqual(rerun["totals"]["messages"]["copied"], 0)
        self.assert_target_matches(a, b)
        self.assertGreater(len(state_bytes), 0)

        status = subprocess.run([MAILFERRY, "status", "--state", self.state],
                                capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("imap://alice@127.0.0.1:%d" % a.ports["imap"], status.stdout)
        self.assertIn("migrate", status.stdout)
        js = subprocess.run([MAILFERRY, "status", "--state", self.state, "--json"],
                            capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(js.returncode, 0, js.stderr)
        doc = json.loads(js.stdout)
        self.assertEqual(len(doc["pairs"]), 1)
        pair = doc["pairs"][0]
        self.assertEqual(pair["messages"]["copied"], copied)
        self.assertEqual(pair["last_run"]["command"], "migrate")
        self.assertFalse(pair["last_run"]["dry_run"])
        self.assertEqual(pair["last_run"]["exit_code"], 0)

    def test_status_without_state_file(self):
        missing = os.path.join(self.dir, "nothing", "state.db")
        r = subprocess.run([MAILFERRY, "status", "--state", missing], capture_output=True,
                           text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no runs yet", r.stdout)
        self.assertIn(missing, r.stdout)
        self.assertFalse(os.path.exists(missing))
        # The default path follows XDG_STATE_HOME.
        env = dict(os.environ, XDG_STATE_HOME=os.path.join(self.dir, "xdg"))
        r = subprocess.run([MAILFERRY, "status"], env=env, capture_output=True, text=True,
                           timeout=RUN_TIMEOUT)
        self.assertIn(os.path.join(self.dir, "xdg", "mailferry", "state.db"), r.stdout)

    def test_pop3_source(self):
        a, b = self.server(), self.server()
        r = self.migrate(self.url("pop3", "bob", a, "pop3"), self.url("imap", "carol", b),
                         "--folder", "From POP3/Bob", env=self.env("bob-pw", "carol-pw"))
        self.assertEqual(r.returncode, 0, r.stderr)
        maildrop = pop3_messages("127.0.0.1", a.ports["pop3"], "bob", "bob-pw")
        dst = imap_snapshot("127.0.0.1", b.ports["imap"], "carol", "carol-pw")
        self.assertEqual(sorted(m[0] for m in dst["From POP3/Bob"]), maildrop)
        again = self.migrate(self.url("pop3", "bob", a, "pop3"), self.url("imap", "carol", b),
                             "--folder", "From POP3/Bob", env=self.env("bob-pw", "carol-pw"))
        self.assertEqual(again.returncode, 0, again.stderr)
        dst = imap_snapshot("127.0.0.1", b.ports["imap"], "carol", "carol-pw")
        self.assertEqual(sorted(m[0] for m in dst["From POP3/Bob"]), maildrop)

    def test_exit_codes(self):
        a = self.server()
        src, dst = self.url("imap", "alice", a), self.url("imap", "carol", a)
        # Usage errors (2) are found before anything is opened or connected.
        for bad in (["ftp://alice@127.0.0.1", dst], [src, "imap://"],
                    [src, self.url("pop3", "bob", a, "pop3")]):
            r = self.migrate(*bad)
            self.assertEqual(r.returncode, 2, (bad, r.stderr))
            self.assertIn("mailferry migrate:", r.stderr)
        pop3_target = self.migrate(src, self.url("pop3", "bob", a, "pop3"))
        self.assertIn("must be imap", pop3_target.stderr)
        for option in (["--since", "2024-02-30"], ["--max-size", "12Q"], ["--map", "nope"],
                       ["--connections", "0"]):
            r = self.migrate(src, dst, *option)
            self.assertEqual(r.returncode, 2, (option, r.stderr))
        no_password = dict(self.env())
        del no_password["MAILFERRY_SOURCE_PASSWORD"]
        r = self.migrate(src, dst, env=no_password)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("source", r.stderr)
        self.assertFalse(os.path.exists(self.state), "a usage error touched the state")

        # Connection and login failures (3).
        wrong = self.migrate(src, dst, env=self.env("not-the-password", "carol-pw"))
        self.assertEqual(wrong.returncode, 3, wrong.stderr)
        self.assertNotIn("not-the-password", wrong.stdout + wrong.stderr)
        wrong_target = self.migrate(src, dst, env=self.env("alice-pw", "not-the-password"))
        self.assertEqual(wrong_target.returncode, 3, wrong_target.stderr)
        dead = self.migrate("imap://alice@127.0.0.1:%d" % free_port(), dst)
        self.assertEqual(dead.returncode, 3, dead.stderr)
        dead_target = self.migrate(src, "imap://carol@127.0.0.1:%d" % free_port())
        self.assertEqual(dead_target.returncode, 3, dead_target.stderr)

    def test_state_in_use_refuses_a_second_run_but_not_status(self):
        # Every target response waits half a second: the run outlasts the
        # checks below however loaded the machine is (they need no server).
        a, b = self.server(), self.server("--faults", "delay-ms=500")
        src, dst = self.url("imap", "alice", a), self.url("imap", "carol", b)
        first = self.start_migrate(src, dst)
        try:
            self.wait_for_progress(first, 1)
            second = self.migrate(src, dst)
            self.assertEqual(second.returncode, 2, second.stderr)
            self.assertIn(str(first.pid), second.stderr)
            # status only reads: it shows what the running migrate committed.
            status = subprocess.run([MAILFERRY, "status", "--state", self.state, "--json"],
                                    capture_output=True, text=True, timeout=RUN_TIMEOUT)
            self.assertEqual(status.returncode, 0, status.stderr)
            doc = json.loads(status.stdout)
            self.assertEqual([(p["source"], p["target"]) for p in doc["pairs"]],
                             [(src, dst)])
            self.assertEqual(doc["pairs"][0]["last_run"]["command"], "migrate")
            self.assertIsNone(doc["pairs"][0]["last_run"]["finished"])
            self.assertGreaterEqual(doc["pairs"][0]["messages"]["copied"], 1)
            self.assertEqual(doc["jobs"], [])
            text = subprocess.run([MAILFERRY, "status", "--state", self.state],
                                  capture_output=True, text=True, timeout=RUN_TIMEOUT)
            self.assertEqual(text.returncode, 0, text.stderr)
            self.assertIn("%s -> %s" % (src, dst), text.stdout)
            self.assertIsNone(first.poll(), "the migrate ended while status read")
        finally:
            first.kill()
            first.wait(RUN_TIMEOUT)

    def test_failed_folder_exits_1_then_rerun_completes(self):
        # The target refuses to create a folder (an invalid name, RFC 3501
        # §5.1): everything else is copied, the failure is in the report.
        a, b = self.server(), self.server()
        src, dst = self.url("imap", "alice", a), self.url("imap", "carol", b)
        dry = self.migrate(src, dst, "--dry-run", "--map", "Receipts=Bad%Name", "--report",
                           os.path.join(self.dir, "dry.json"))
        self.assertEqual(dry.returncode, 0, dry.stderr)
        planned = self.report("dry.json")
        r = self.migrate(src, dst, "--map", "Receipts=Bad%Name", "--report",
                         os.path.join(self.dir, "r.json"))
        self.assertEqual(r.returncode, 1, r.stderr)
        report = self.report()
        self.assertGreaterEqual(len(report["errors"]), 1)
        self.assertIn("Bad%Name", report["errors"][0]["error"])
        self.assertGreater(report["totals"]["messages"]["copied"], 0)
        # The dry run says what a run would do; the real run what it did: the
        # refused folder is neither "created" nor counted nor shown as new.
        receipts = [f for f in report["folders"] if f["source"] == "Receipts"]
        self.assertEqual([f["created"] for f in receipts], [False])
        self.assertEqual([f["created"] for f in planned["folders"] if f["source"] == "Receipts"],
                         [True])
        created = planned["totals"]["folders_created"] - 1
        self.assertEqual(report["totals"]["folders_created"], created)
        self.assertNotIn("Bad%Name (new)", r.stdout)
        self.assertIn("%d folder(s) created" % created, r.stdout)
        again = self.migrate(src, dst, "--report", os.path.join(self.dir, "again.json"))
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(self.report("again.json")["errors"], [])
        self.assert_target_matches(a, b)

    def test_auth_in_the_url_is_honoured_as_probe_does(self):
        # The test server offers AUTHENTICATE PLAIN, not AUTHENTICATE LOGIN:
        # asking for LOGIN fails the login (exit 3) naming it, on either side.
        a = self.server()
        src, dst = self.url("imap", "alice", a), self.url("imap", "carol", a)
        port = a.ports["imap"]
        alice = "imap://alice;AUTH=LOGIN@127.0.0.1:%d" % port
        carol = "imap://carol;AUTH=LOGIN@127.0.0.1:%d" % port
        for source, target, asked in ((alice, dst, alice), (src, carol, carol)):
            r = self.migrate(source, target)
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn("AUTH=LOGIN", r.stderr)
            probe = subprocess.run([MAILFERRY, "probe", asked],
                                   env=dict(self.env(), MAILFERRY_PASSWORD="alice-pw"),
                                   capture_output=True, text=True, timeout=RUN_TIMEOUT)
            self.assertEqual(probe.returncode, 3, probe.stderr)
            self.assertIn("AUTH=LOGIN", probe.stderr)
        # A mechanism mailferry does not know is a usage error, before any
        # connection.
        r = self.migrate("imap://alice;AUTH=CRAM-MD5@127.0.0.1:%d" % port, dst)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("AUTH=CRAM-MD5", r.stderr)
        ok = self.migrate("imap://alice;AUTH=PLAIN@127.0.0.1:%d" % port, dst)
        self.assertEqual(ok.returncode, 0, ok.stderr)

    def test_refused_append_is_retried(self):
        # The target answers the second APPEND with NO once: the run retries
        # that message and ends complete, without a duplicate.
        a, b = self.server(), self.server("--faults", "no-append=2")
        src, dst = self.url("imap", "alice", a), self.url("imap", "carol", b)
        r = self.migrate(src, dst, "--report", os.path.join(self.dir, "r.json"))
        self.assertIn(r.returncode, (0, 1), r.stderr)
        if r.returncode == 1:
            self.assertEqual(len(self.report()["errors"]), 1)
            again = self.migrate(src, dst)
            self.assertEqual(again.returncode, 0, again.stderr)
        self.assert_target_matches(a, b)

    def test_kill_9_at_several_points_then_rerun(self):
        # Each round: a fresh target, kill -9 after `done` messages, re-run.
        for done in (0, 1, 5, 17):
            with self.subTest(killed_after=done):
                a, b = self.server(), self.server("--faults", "delay-ms=15")
                self.state = os.path.join(self.dir, "state-kill-%d.db" % done)
                src, dst = self.url("imap", "alice", a), self.url("imap", "carol", b)
                run = self.start_migrate(src, dst)
                if done:
                    self.wait_for_progress(run, done)
                run.kill()
                run.wait(RUN_TIMEOUT)
                again = self.migrate(src, dst)
                self.assertEqual(again.returncode, 0, again.stderr)
                self.assert_target_matches(a, b)
                final = self.migrate(src, dst, "--report", os.path.join(self.dir, "f.json"))
                self.assertEqual(final.returncode, 0, final.stderr)
                self.assertEqual(self.report("f.json")["totals"]["messages"]["to_copy"], 0)

    def test_sigterm_exits_4_and_rerun_resumes(self):
        a, b = self.server(), self.server("--faults", "delay-ms=15")
        src, dst = self.url("imap", "alice", a), self.url("imap", "carol", b)
        run = self.start_migrate(src, dst)
        self.wait_for_progress(run, 3)
        run.send_signal(signal.SIGTERM)
        self.assertEqual(run.wait(RUN_TIMEOUT), 4)
        again = self.migrate(src, dst, "--report", os.path.join(self.dir, "r.json"))
        self.assertEqual(again.returncode, 0, again.stderr)
        report = self.report()
        self.assertGreater(report["totals"]["messages"]["already_there"]
                           + report["totals"]["messages"]["copied"], 0)
        self.assert_target_matches(a, b)
        status = json.loads(subprocess.run(
            [MAILFERRY, "status", "--state", self.state, "--json"], capture_output=True,
            text=True, timeout=RUN_TIMEOUT).stdout)
        self.assertEqual(status["pairs"][0]["last_run"]["exit_code"], 0)

    def test_passwords_never_in_output(self):
        a, b = self.server(), self.server()
        src = self.url("imap", "alice", a)
        dst = self.url("imap", "dst", b)
        pw_file = os.path.join(self.dir, "pw")
        with open(pw_file, "w", encoding="utf-8") as f:
            f.write(DST_PW + "\n")
        outputs = []
        ok = self.migrate(src, dst, "-vv", "--target-password-file", pw_file,
                          "--report", os.path.join(self.dir, "r.json"),
                          env=self.env("alice-pw", "unused"))
        self.assertEqual(ok.returncode, 0, ok.stderr)
        outputs += [ok.stdout, ok.stderr]
        # A password in the URL works, with a warning, and is never echoed.
        url_pw = self.migrate("imap://alice:alice-pw@127.0.0.1:%d" % a.ports["imap"], dst,
                              "-vv", "--target-password-command", "echo " + DST_PW,
                              env=self.env("", "unused"))
        self.assertEqual(url_pw.returncode, 0, url_pw.stderr)
        outputs += [url_pw.stdout, url_pw.stderr]
        wrong = self.migrate(src, dst, "-vv", env=self.env("alice-pw", "wrong-" + DST_PW))
        self.assertEqual(wrong.returncode, 3, wrong.stderr)
        outputs += [wrong.stdout, wrong.stderr]
        with open(os.path.join(self.dir, "r.json"), encoding="utf-8") as f:
            outputs.append(f.read())
        with open(self.state, "rb") as f:
            state = f.read()
        for secret in (DST_PW, "alice-pw"):
            for text in outputs:
                self.assertNotIn(secret, text)
            self.assertNotIn(secret.encode(), state)
        self.assertRegex(url_pw.stderr, "(?i)password")

    def test_json_log_lines(self):
        a, b = self.server(), self.server()
        r = self.migrate(self.url("imap", "alice", a), self.url("imap", "carol", b), "-v",
                         "--log-format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        self.assertGreater(len(lines), 0)
        for line in lines:
            entry = json.loads(line)
            self.assertIn("level", entry)
            self.assertIn("msg", entry)

    def test_json_log_format_makes_the_failure_line_json_too(self):
        # Every command's last line on failure is a JSON log line of level
        # "error" with --log-format json, like every other line.
        a = self.server()
        src, dst = self.url("imap", "alice", a), self.url("imap", "carol", a)
        missing = os.path.join(self.dir, "no-such-config.toml")
        not_a_state = os.path.join(self.dir, "not-a-state.db")
        with open(not_a_state, "w", encoding="utf-8") as f:
            f.write("not a database\n")
        runs = {
            "status": ([MAILFERRY, "status", "--state", not_a_state], self.env(), 2),
            "migrate": ([MAILFERRY, "migrate", src, dst, "--state", self.state],
                        self.env("not-the-password", "carol-pw"), 3),
            "sync": ([MAILFERRY, "sync", "--config", missing], self.env(), 2),
            "daemon": ([MAILFERRY, "daemon", "--config", missing], self.env(), 2),
            "probe": ([MAILFERRY, "probe", "imap://alice;AUTH=LOGIN@127.0.0.1:%d"
                       % a.ports["imap"]], dict(self.env(), MAILFERRY_PASSWORD="alice-pw"), 3),
            "testserver": ([MAILFERRY, "testserver", "--user", "no-colon"], self.env(), 2),
        }
        for command, (args, env, code) in runs.items():
            with self.subTest(command=command):
                r = subprocess.run(args + ["--log-format", "json"], env=env, capture_output=True,
                                   text=True, timeout=RUN_TIMEOUT)
                self.assertEqual(r.returncode, code, r.stderr)
                lines = [l for l in r.stderr.splitlines() if l.strip()]
                self.assertGreater(len(lines), 0)
                entries = [json.loads(line) for line in lines]
                self.assertEqual(entries[-1]["level"], "error", lines)
                self.assertTrue(entries[-1]["msg"].startswith("mailferry %s: " % command),
                                entries[-1])
                # The same line in text, as before.
                text = subprocess.run(args, env=env, capture_output=True, text=True,
                                      timeout=RUN_TIMEOUT)
                self.assertEqual(text.returncode, code, text.stderr)
                self.assertIn(entries[-1]["msg"], text.stderr.splitlines()[-1])


if __name__ == "__main__":
    unittest.main()
