"""`mailferry sync` and `mailferry daemon` from the outside, against
`mailferry testserver`: a config of several jobs run once (report, exit
status, state shared with `migrate`), shards, `--check`, and the daemon:
new mail within an interval (and within seconds with IDLE), SIGTERM in the
middle of a large message, SIGHUP adding and removing jobs and keeping the
running config when the new one is bad, back-off of a job that cannot log
in, one daemon per state file, `status --json` and `/metrics`. Accounts are
read back with imaplib and compared message by message."""

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
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from testserver_fixture import MAILFERRY, free_port, start_testserver  # noqa: E402
from mailbox_snapshot import connect, imap_snapshot  # noqa: E402

RUN_TIMEOUT = 120
WAIT = 60  # generous bound for anything the daemon should do "soon"
USERS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw",
         "dave": "dave-pw", "erin": "erin-pw", "frank": "frank-pw"}


def message(subject, body="Hello.\r\n", size=0):
    text = ("From: sender@example.org\r\nTo: rcpt@example.org\r\nSubject: %s\r\n"
            "Message-ID: <%s@example.org>\r\nDate: Mon, 02 Nov 2026 10:00:00 +0000\r\n\r\n%s"
            % (subject, re.sub(r"\W", ".", subject), body))
    if size > len(text):
        line = "x" * 76 + "\r\n"
        text += line * ((size - len(text)) // len(line))
    return text.encode()


class Process:
    """A mailferry process whose stderr is collected line by line."""

    def __init__(self, args, env):
        self.process = subprocess.Popen([MAILFERRY, *args], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.out = []
        threading.Thread(target=self._read, args=(self.process.stderr, self.lines),
                         daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stdout, self.out),
                         daemon=True).start()

    @staticmethod
    def _read(stream, into):
        for line in stream:
            into.append(line.rstrip("\n"))

    def log(self):
        return "\n".join(self.lines)

    def wait_for_line(self, pattern, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(re.search(pattern, l) for l in list(self.lines)):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no log line matching %r; log:\n%s" % (pattern, self.log()))

    def stop(self, sig=signal.SIGTERM, timeout=WAIT):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                raise
        return self.process.returncode


class SyncAndDaemon(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-sync-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state = os.path.join(self.dir, "state.db")
        args = ["--seed-demo", "--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0"]
        for user in ("dave", "erin", "frank"):
            args += ["--user", "%s:%s" % (user, USERS[user])]
        self.server = start_testserver(args)
        self.addCleanup(self.server.stop)
        self.processes = []
        self.addCleanup(self._stop_all)

    def _stop_all(self):
        for p in self.processes:
            if p.process.poll() is None:
                p.process.kill()
                p.process.wait(10)
            p.process.stdout.close()
            p.process.stderr.close()

    # ---- helpers ----

    def url(self, user, proto="imap"):
        scheme = "pop3" if proto == "pop3" else "imap"
        return "%s://%s@127.0.0.1:%d" % (scheme, user, self.server.ports[proto])

    def env(self):
        env = dict(os.environ)
        env.pop("XDG_STATE_HOME", None)
        env["HOME"] = self.dir
        for user, pw in USERS.items():
            env["PW_" + user.upper()] = pw
        env["PW_WRONG"] = "not-the-password"
        return env

    def job(self, name, source, target, interval="1s", source_pw=None, extra=""):
        src_user = re.match(r"\w+://([^@]+)@", source).group(1)
        dst_user = re.match(r"\w+://([^@]+)@", target).group(1)
        return ('[[job]]\nname = "%s"\nsource = "%s"\nsource_password_env = "%s"\n'
                'target = "%s"\ntarget_password_env = "PW_%s"\ninterval = "%s"\n%s\n'
                % (name, source, source_pw or "PW_" + src_user.upper(), target,
                   dst_user.upper(), interval, extra))

    def write_config(self, *jobs, name="config.toml", head=""):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write('state = "%s"\nmax_connections = 8\n%s\n' % (self.state, head))
            f.write("\n".join(jobs))
        return path

    def run_cli(self, *args):
        return subprocess.run([MAILFERRY, *args], env=self.env(), capture_output=True,
                              text=True, timeout=RUN_TIMEOUT)

    def start(self, *args):
        p = Process(args, self.env())
        self.processes.append(p)
        return p

    def status(self):
        r = self.run_cli("status", "--state", self.state, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def job_status(self, name):
        for job in self.status().get("jobs", []):
            if job["name"] == name:
                return job
        return None

    def snapshot(self, user):
        return imap_snapshot("127.0.0.1", self.server.ports["imap"], user, USERS[user])

    def append(self, user, data, folder="INBOX"):
        imap = connect("127.0.0.1", self.server.ports["imap"], user, USERS[user])
        try:
            status, _ = imap.append(folder, None, None, data)
            self.assertEqual(status, "OK")
        finally:
            imap.logout()

    def count(self, user, folder="INBOX"):
        return len(self.snapshot(user).get(folder, []))

    def wait_until(self, condition, what, timeout=WAIT, process=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if process is not None and process.process.poll() is not None:
                self.fail("%s: the daemon exited %s; log:\n%s"
                          % (what, process.process.returncode, process.log()))
            time.sleep(0.2)
        self.fail("%s did not happen within %s s%s"
                  % (what, timeout, "; log:\n" + process.log() if process else ""))

    def assert_same(self, source_user, target_user):
        src, dst = self.snapshot(source_user), self.snapshot(target_user)
        for folder, messages in src.items():
            self.assertEqual(dst.get(folder), messages, folder)
            self.assertEqual(len(dst[folder]), len(set(dst[folder])), "duplicates in " + folder)

    # ---- sync ----

    def test_sync_runs_every_job_once_and_shares_state_with_migrate(self):
        config = self.write_config(
            self.job("alice", self.url("alice"), self.url("carol")),
            self.job("bob-pop", self.url("bob", "pop3"), self.url("dave"),
                     extra='folder = "POP3/Bob"'))
        dry = self.run_cli("sync", "--config", config, "--dry-run", "--report",
                           os.path.join(self.dir, "plan.json"))
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertFalse(os.path.exists(self.state), "a dry run must not create the state")
        self.assertIn("Job alice:", dry.stdout)
        self.assertIn("Job bob-pop:", dry.stdout)

        r = self.run_cli("sync", "--config", config, "--report",
                         os.path.join(self.dir, "r.json"))
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        with open(os.path.join(self.dir, "r.json"), encoding="utf-8") as f:
            report = json.load(f)
        self.assertEqual([j["name"] for j in report["jobs"]], ["alice", "bob-pop"])
        for j in report["jobs"]:
            self.assertEqual(j["outcome"], "ok")
            self.assertEqual(j["exit_code"], 0)
            self.assertIn("folders", j["report"])
        copied = sum(j["report"]["totals"]["messages"]["copied"] for j in report["jobs"])
        self.assertGreater(copied, 0)
        self.assertEqual(report["totals"]["messages"]["copied"], copied)
        self.assertEqual(report["totals"]["jobs"], {"total": 2, "ok": 2, "partial": 0,
                                                     "failed": 0})
        self.assert_same("alice", "carol")
        bob = self.snapshot("bob")["INBOX"]
        self.assertEqual(len(self.snapshot("dave")["POP3/Bob"]), len(bob))

        # The same pair with `migrate` and the same state: nothing to copy.
        env = self.env()
        env["MAILFERRY_SOURCE_PASSWORD"] = "alice-pw"
        env["MAILFERRY_TARGET_PASSWORD"] = "carol-pw"
        m = subprocess.run([MAILFERRY, "migrate", self.url("alice"), self.url("carol"),
                            "--state", self.state, "--report", os.path.join(self.dir, "m.json")],
                           env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(m.returncode, 0, m.stderr)
        with open(os.path.join(self.dir, "m.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["totals"]["messages"]["to_copy"], 0)

        # New mail, then sync again: only that is copied.
        self.append("alice", message("after the first sync"))
        again = self.run_cli("sync", "--config", config, "--job", "alice", "--report",
                             os.path.join(self.dir, "r2.json"))
        self.assertEqual(again.returncode, 0, again.stderr)
        with open(os.path.join(self.dir, "r2.json"), encoding="utf-8") as f:
            second = json.load(f)
        self.assertEqual([j["name"] for j in second["jobs"]], ["alice"])
        self.assertEqual(second["totals"]["messages"]["copied"], 1)
        self.assert_same("alice", "carol")
        job = self.job_status("alice")
        self.assertIsNotNone(job)
        self.assertEqual(job["runs"], 2)
        self.assertEqual(job["last_outcome"], "ok")

    def test_verify_job_key_verifies_what_each_run_copied(self):
        config = self.write_config(
            self.job("alice", self.url("alice"), self.url("carol"), extra="verify = true"),
            self.job("bob-pop", self.url("bob", "pop3"), self.url("dave"),
                     extra='folder = "POP3/Bob"\nverify = true'))

        def sync(report):
            r = self.run_cli("sync", "--config", config, "--report",
                             os.path.join(self.dir, report))
            self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
            with open(os.path.join(self.dir, report), encoding="utf-8") as f:
                return r, {j["name"]: j for j in json.load(f)["jobs"]}

        first, jobs = sync("r1.json")
        for name in ("alice", "bob-pop"):
            copied = jobs[name]["report"]["totals"]["messages"]["copied"]
            self.assertGreater(copied, 0, name)
            verify = jobs[name]["verify"]
            self.assertTrue(verify["complete"], name)
            self.assertEqual(verify["totals"]["source"], copied, name)
            self.assertEqual(verify["totals"]["verified"], copied, name)
            self.assertEqual(verify["problems"], [], name)
            self.assertRegex(verify["proof"]["digest"], r"^[0-9a-f]{64}$")
        self.assertEqual(first.stdout.count("complete: all "), 2, first.stdout)
        self.assertRegex(first.stderr, r"\[job alice\].*verified (\d+) of \1 copied")

        # Nothing new: nothing copied, so nothing to verify and no extra logins.
        _, jobs = sync("r2.json")
        self.assertNotIn("verify", jobs["alice"])

        # One new message: the verification covers just that one.
        self.append("alice", message("verified on its own"))
        _, jobs = sync("r3.json")
        self.assertEqual(jobs["alice"]["report"]["totals"]["messages"]["copied"], 1)
        self.assertEqual(jobs["alice"]["verify"]["totals"]["source"], 1)
        self.assertEqual(jobs["alice"]["verify"]["totals"]["verified"], 1)
        self.assert_same("alice", "carol")

    def test_exit_status_is_the_worst_of_the_jobs(self):
        config = self.write_config(
            self.job("good", self.url("alice"), self.url("carol")),
            self.job("refused", self.url("erin"), self.url("frank"), source_pw="PW_WRONG"))
        r = self.run_cli("sync", "--config", config, "--report",
                         os.path.join(self.dir, "r.json"))
        self.assertEqual(r.returncode, 3, r.stderr)
        with open(os.path.join(self.dir, "r.json"), encoding="utf-8") as f:
            jobs = {j["name"]: j for j in json.load(f)["jobs"]}
        self.assertEqual(jobs["good"]["outcome"], "ok")
        self.assertEqual(jobs["refused"]["outcome"], "connect_failed")
        self.assertEqual(jobs["refused"]["exit_code"], 3)
        self.assertIn("[job refused]", r.stderr)
        self.assert_same("alice", "carol")

    def test_an_insecure_job_is_warned_about_by_name(self):
        config = self.write_config(
            self.job("trusting", self.url("alice"), self.url("carol"), extra="insecure = true"),
            self.job("careful", self.url("bob"), self.url("dave")))
        r = self.run_cli("sync", "--config", config, "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        warnings = [line for line in r.stderr.splitlines() if "not verified" in line]
        self.assertEqual(len(warnings), 1, r.stderr)
        self.assertIn("[job trusting]", warnings[0])
        self.assertIn("insecure = true", warnings[0])

    def test_check_validates_without_connecting(self):
        dead = "imap://alice@127.0.0.1:%d" % free_port()
        config = self.write_config(self.job("a", dead, self.url("carol")))
        r = self.run_cli("sync", "--config", config, "--check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 job(s) valid", r.stdout)
        bad = self.write_config(self.job("a", dead, self.url("carol"), interval="soon"),
                                name="bad.toml")
        r = self.run_cli("sync", "--config", bad, "--check")
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, r"bad\.toml:\d+: .*interval")
        unknown = self.run_cli("sync", "--config", config, "--job", "nope")
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("nope", unknown.stderr)

    def test_shards_cover_every_job_exactly_once(self):
        names = ["acme", "beta.mail", "c_3", "delta-42", "echo", "foxtrot", "golf", "hotel"]
        pairs = [(s, t) for s in ("alice", "bob") for t in ("carol", "dave", "erin", "frank")]
        config = self.write_config(*[self.job(n, self.url(s), self.url(t))
                                     for n, (s, t) in zip(names, pairs)])
        for count in (1, 2, 3, 5):
            seen = []
            for index in range(count):
                path = os.path.join(self.dir, "shard-%d-%d.json" % (index, count))
                r = self.run_cli("sync", "--config", config, "--dry-run", "--shard",
                                 "%d/%d" % (index, count), "--report", path)
                self.assertEqual(r.returncode, 0, r.stderr)
                if os.path.exists(path):
                    with open(path, encoding="utf-8") as f:
                        seen += [j["name"] for j in json.load(f)["jobs"]]
            self.assertEqual(sorted(seen), sorted(names), "N=%d" % count)
        bad = self.run_cli("sync", "--config", config, "--shard", "3/3")
        self.assertEqual(bad.returncode, 2)

    # ---- daemon ----

    def test_daemon_syncs_new_mail_and_shows_it_in_status_and_metrics(self):
        port = free_port()
        config = self.write_config(self.job("alice", self.url("alice"), self.url("carol")))
        daemon = self.start("daemon", "--config", config, "--metrics", "127.0.0.1:%d" % port)
        inbox = len(self.snapshot("alice")["INBOX"])
        self.wait_until(lambda: self.count("carol") == inbox, "the first sync", process=daemon)
        self.append("alice", message("new mail for the daemon"))
        self.wait_until(lambda: self.count("carol") == inbox + 1, "new mail on the target",
                        process=daemon)
        self.wait_until(lambda: (self.job_status("alice") or {}).get("runs", 0) >= 2,
                        "two recorded runs", process=daemon)
        job = self.job_status("alice")
        self.assertEqual(job["last_outcome"], "ok")
        self.assertEqual(job["consecutive_failures"], 0)
        self.assertGreater(job["messages_copied"], inbox)
        metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10)
        text = metrics.read().decode()
        runs = re.search(r'^mailferry_job_runs_total\{job="alice"\} (\d+)$', text, re.M)
        self.assertIsNotNone(runs, text)
        self.assertGreaterEqual(int(runs.group(1)), 2)
        self.assertRegex(text, r'mailferry_job_messages_copied_total\{job="alice"\} [1-9]')
        self.assertEqual(daemon.stop(), 0, daemon.log())
        self.assert_same("alice", "carol")

    def test_idle_brings_new_mail_long_before_the_interval(self):
        config = self.write_config(self.job("alice", self.url("alice"), self.url("carol"),
                                            interval="1h", extra="idle = true"))
        daemon = self.start("daemon", "--config", config)
        inbox = len(self.snapshot("alice")["INBOX"])
        self.wait_until(lambda: self.count("carol") == inbox, "the first sync", process=daemon)
        self.append("alice", message("pushed by IDLE"))
        # With a one-hour interval only IDLE can bring it over in this time.
        self.wait_until(lambda: self.count("carol") == inbox + 1, "mail brought by IDLE",
                        timeout=30, process=daemon)
        self.assertEqual(daemon.stop(), 0, daemon.log())

    def test_sigterm_during_large_messages_leaves_no_partial_copy(self):
        sizes = [12 * 1024 * 1024 + 4096 * i for i in range(4)]
        for i, size in enumerate(sizes):
            self.append("erin", message("large %d" % i, size=size))
        source_sizes = {octets for octets, _, _ in self.snapshot("erin")["INBOX"]}
        config = self.write_config(self.job("erin", self.url("erin"), self.url("frank")))
        daemon = self.start("daemon", "--config", config, "-v")
        daemon.wait_for_line(r"\[job erin\] syncing")
        time.sleep(0.3)
        self.assertEqual(daemon.stop(), 0, daemon.log())
        # Whatever made it is whole: each target message is one of the source's, once.
        copied = self.snapshot("frank").get("INBOX", [])
        self.assertEqual(len(copied), len(set(copied)))
        for octets, _, _ in copied:
            self.assertIn(octets, source_sizes)
        r = self.run_cli("sync", "--config", config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_same("erin", "frank")

    def test_sighup_adds_and_removes_jobs_and_keeps_the_old_config_when_bad(self):
        config = self.write_config(self.job("first", self.url("alice"), self.url("carol")))
        daemon = self.start("daemon", "--config", config)
        inbox = len(self.snapshot("alice")["INBOX"])
        self.wait_until(lambda: self.count("carol") == inbox, "the first job's sync",
                        process=daemon)
        self.append("erin", message("for the second job"))
        self.write_config(self.job("second", self.url("erin"), self.url("frank")))
        daemon.process.send_signal(signal.SIGHUP)
        self.wait_until(lambda: self.count("frank") == 1, "the added job's sync",
                        process=daemon)
        self.wait_until(lambda: self.job_status("first") is None, "the removed job gone",
                        process=daemon)
        self.append("alice", message("must not be copied: its job was removed"))
        with open(config, "w", encoding="utf-8") as f:
            f.write("[[job]]\nname = \"broken\nsource = 1\n")
        daemon.process.send_signal(signal.SIGHUP)
        daemon.wait_for_line(r"not reloaded")
        self.append("erin", message("after the bad reload"))
        self.wait_until(lambda: self.count("frank") == 2, "the kept job still syncing",
                        process=daemon)
        self.assertEqual(self.count("carol"), inbox)
        self.assertEqual(daemon.stop(), 0, daemon.log())

    def test_sighup_restarts_a_changed_job_with_its_new_settings(self):
        # idle = true: the change also replaces the job's IDLE watch while the
        # old one is still ending (a use-after-free once, under ASan).
        job = self.job("alice", self.url("alice"), self.url("carol"), interval="1h",
                       extra='exclude = ["Archive"]\nidle = true')
        config = self.write_config(job)
        daemon = self.start("daemon", "--config", config)
        # The first run must have ended, not only reached INBOX: a run still
        # copying when the reload restarts it leaves folders for the new run.
        self.wait_until(lambda: (self.job_status("alice") or {}).get("runs", 0) >= 1,
                        "the first sync", process=daemon)
        self.assertEqual(self.count("carol", "Archive"), 0)
        # Same job, Archive no longer excluded; with a one-hour interval only
        # the restart the reload causes can copy it.
        self.write_config(self.job("alice", self.url("alice"), self.url("carol"),
                                   interval="1h", extra="idle = true"))
        daemon.process.send_signal(signal.SIGHUP)
        archive = len(self.snapshot("alice")["Archive"])
        self.wait_until(lambda: self.job_status("alice")["runs"] >= 2,
                        "the changed job's run", process=daemon)
        self.assertEqual(self.count("carol", "Archive"), archive)
        daemon.wait_for_line(r"1 changed")
        self.assertEqual(daemon.stop(), 0, daemon.log())
        self.assert_same("alice", "carol")

    def test_a_refused_login_backs_off_while_other_jobs_keep_syncing(self):
        config = self.write_config(
            self.job("good", self.url("alice"), self.url("carol")),
            self.job("refused", self.url("erin"), self.url("frank"), source_pw="PW_WRONG"))
        daemon = self.start("daemon", "--config", config)
        self.wait_until(lambda: (self.job_status("refused") or {}).get(
            "consecutive_failures", 0) >= 2, "two failures of the refused job", process=daemon)
        refused = self.job_status("refused")
        self.assertEqual(refused["last_outcome"], "connect_failed")
        self.assertGreaterEqual(refused["backoff_s"], 2)  # more than its 1 s interval
        good_runs = self.job_status("good")["runs"]
        inbox = self.count("carol")
        self.append("alice", message("while the other job fails"))
        self.wait_until(lambda: self.count("carol") == inbox + 1, "the healthy job's sync",
                        process=daemon)
        self.assertGreater(self.job_status("good")["runs"], good_runs)
        self.assertEqual(self.job_status("good")["consecutive_failures"], 0)
        self.assertEqual(daemon.stop(), 0, daemon.log())
        self.assertIn("[job refused]", daemon.log())

    def test_a_second_daemon_on_the_same_state_is_refused(self):
        config = self.write_config(self.job("alice", self.url("alice"), self.url("carol")))
        first = self.start("daemon", "--config", config)
        self.wait_until(lambda: self.job_status("alice") is not None, "the first daemon's run",
                        process=first)
        second = self.run_cli("daemon", "--config", config)
        self.assertEqual(second.returncode, 2)
        self.assertIn("pid %d" % first.process.pid, second.stderr)
        self.assertEqual(first.stop(signal.SIGINT), 0, first.log())


if __name__ == "__main__":
    unittest.main()
