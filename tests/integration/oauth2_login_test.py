"""OAuth2 logins from the outside: `mailferry migrate` with
--source-oauth2-token-command / --target-oauth2-token-command against
`mailferry testserver --oauth2-user ... --oauth2-issuer 127.0.0.1:0`, whose
tokens are short-lived and whose refresh tokens rotate. The token command
is a small script that asks the test server's token endpoint for a fresh
access token (keeping the rotated refresh token in a file, as a real
helper would) and counts its runs. Accounts are read back with imaplib."""

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
from mailbox_snapshot import imap_snapshot, pop3_messages  # noqa: E402

RUN_TIMEOUT = 120
_ISSUER = re.compile(r"^oauth2 issuer listening on 127\.0\.0\.1:(\d+)$")
_USER = re.compile(r"^oauth2 user (\S+) refresh-token (\S+)$")

# argv: refresh-token file, issuer port, run log, mode ("good", "bad",
# "bad-first"). Prints an access token; logs each run and each token issued.
TOKEN_SCRIPT = r'''
import json, sys, urllib.parse, urllib.request
refresh_file, port, log, mode = sys.argv[1:5]
with open(log, "a") as f:
    f.write("run\n")
with open(log) as f:
    runs = sum(1 for line in f if line == "run\n")
if mode == "bad" or (mode == "bad-first" and runs == 1):
    print("not-a-valid-token")
    sys.exit(0)
with open(refresh_file) as f:
    refresh = f.read().strip()
form = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": refresh,
                               "client_id": "mailferry-test"}).encode()
url = "http://127.0.0.1:%s/token" % port
answer = json.loads(urllib.request.urlopen(url, data=form, timeout=20).read())
with open(refresh_file, "w") as f:
    f.write(answer["refresh_token"])
with open(log, "a") as f:
    f.write("issued %s %s\n" % (answer["access_token"], answer["refresh_token"]))
print(answer["access_token"])
'''


class OAuth2Login(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-oauth2-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state = os.path.join(self.dir, "state.db")
        self.server = start_testserver(
            ["--seed-demo", "--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0",
             "--oauth2-user", "alice", "--oauth2-user", "bob", "--oauth2-user", "carol",
             "--oauth2-issuer", "127.0.0.1:0", "--oauth2-token-lifetime", "60"])
        self.addCleanup(self.server.stop)
        self.issuer_port = None
        for line in self.server.output:
            m = _ISSUER.match(line)
            if m:
                self.issuer_port = int(m.group(1))
            m = _USER.match(line)
            if m:
                with open(self.refresh_file(m.group(1)), "w") as f:
                    f.write(m.group(2))
        self.assertIsNotNone(self.issuer_port, self.server.output)
        self.script = os.path.join(self.dir, "token.py")
        with open(self.script, "w") as f:
            f.write(TOKEN_SCRIPT)

    def refresh_file(self, user):
        return os.path.join(self.dir, user + ".refresh")

    def log_file(self, user):
        return os.path.join(self.dir, user + ".log")

    def token_command(self, user, mode="good"):
        return "%s %s %s %d %s %s" % (sys.executable, self.script, self.refresh_file(user),
                                      self.issuer_port, self.log_file(user), mode)

    def runs(self, user):
        if not os.path.exists(self.log_file(user)):
            return 0
        with open(self.log_file(user)) as f:
            return sum(1 for line in f if line == "run\n")

    def secrets(self, user):
        """Every access and refresh token the script saw issued for `user`."""
        out = []
        if os.path.exists(self.log_file(user)):
            with open(self.log_file(user)) as f:
                for line in f:
                    if line.startswith("issued "):
                        out += line.split()[1:]
        return out

    def migrate(self, source, target, *extra):
        env = dict(os.environ, HOME=self.dir)
        for name in ("MAILFERRY_SOURCE_PASSWORD", "MAILFERRY_TARGET_PASSWORD", "XDG_STATE_HOME"):
            env.pop(name, None)
        return subprocess.run([MAILFERRY, "migrate", source, target, "--state", self.state,
                               "-vv", *extra], env=env, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT)

    def url(self, scheme, user):
        return "%s://%s@127.0.0.1:%d" % (scheme, user, self.server.ports[scheme])

    def assert_no_secret_in(self, run, *users):
        for user in users:
            for secret in self.secrets(user):
                self.assertNotIn(secret, run.stdout + run.stderr)

    def test_migrate_logs_in_with_a_token_command_on_each_side(self):
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2-token-command", self.token_command("alice"),
                           "--target-oauth2-token-command", self.token_command("carol"))
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertRegex(run.stderr, r"AUTHENTICATE OAUTHBEARER", "the server offers OAUTHBEARER")
        src = imap_snapshot("127.0.0.1", self.server.ports["imap"], "alice", "alice-pw")
        dst = imap_snapshot("127.0.0.1", self.server.ports["imap"], "carol", "carol-pw")
        for folder, messages in src.items():
            self.assertEqual(dst.get(folder), messages, folder)
        self.assertGreaterEqual(self.runs("alice"), 1)
        self.assertGreaterEqual(self.runs("carol"), 1)
        self.assertEqual(len(self.secrets("alice")), 2 * self.runs("alice"),
                         "every run of the command got a token")
        self.assert_no_secret_in(run, "alice", "carol")
        # The refresh token rotated and the command kept the new one: a
        # second run logs in again.
        again = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                             "--source-oauth2-token-command", self.token_command("alice"),
                             "--target-oauth2-token-command", self.token_command("carol"))
        self.assertEqual(again.returncode, 0, again.stderr[-3000:])
        self.assert_no_secret_in(again, "alice", "carol")

    def test_the_url_can_force_xoauth2(self):
        source = "imap://alice;AUTH=XOAUTH2@127.0.0.1:%d" % self.server.ports["imap"]
        run = self.migrate(source, self.url("imap", "carol"),
                           "--source-oauth2-token-command", self.token_command("alice"),
                           "--target-oauth2-token-command", self.token_command("carol"))
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertRegex(run.stderr, r"AUTHENTICATE XOAUTH2")
        self.assert_no_secret_in(run, "alice", "carol")

    def test_a_refused_token_is_asked_for_once_more(self):
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2-token-command", self.token_command("alice",
                                                                               "bad-first"),
                           "--target-oauth2-token-command", self.token_command("carol"))
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertGreaterEqual(self.runs("alice"), 2, "asked again after the refusal")
        self.assertNotIn("not-a-valid-token", run.stdout + run.stderr)

    def test_a_token_refused_twice_exits_3_without_showing_it(self):
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2-token-command", self.token_command("alice", "bad"),
                           "--target-oauth2-token-command", self.token_command("carol"))
        self.assertEqual(run.returncode, 3, run.stderr[-3000:])
        self.assertEqual(self.runs("alice"), 2, "asked once more, then gave up")
        last = run.stderr.strip().splitlines()[-1]
        self.assertIn("refused the access token", last)
        self.assertNotIn("not-a-valid-token", run.stdout + run.stderr)

    def test_pop3_source_logs_in_with_a_token(self):
        run = self.migrate(self.url("pop3", "bob"), self.url("imap", "carol"),
                           "--source-oauth2-token-command", self.token_command("bob"),
                           "--target-oauth2-token-command", self.token_command("carol"),
                           "--folder", "From POP3")
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        maildrop = pop3_messages("127.0.0.1", self.server.ports["pop3"], "bob", "bob-pw")
        dst = imap_snapshot("127.0.0.1", self.server.ports["imap"], "carol", "carol-pw")
        self.assertEqual(sorted(m[0] for m in dst["From POP3"]), maildrop)
        self.assert_no_secret_in(run, "bob", "carol")

    def test_sync_job_keys_log_in_with_token_commands(self):
        config = os.path.join(self.dir, "config.toml")
        with open(config, "w") as f:
            f.write('state = "%s"\nmax_connections = 4\n[[job]]\nname = "alice"\n'
                    'source = "%s"\nsource_oauth2_token_command = "%s"\n'
                    'target = "%s"\ntarget_oauth2_token_command = "%s"\n'
                    % (self.state, self.url("imap", "alice"), self.token_command("alice"),
                       self.url("imap", "carol"), self.token_command("carol")))
        env = dict(os.environ, HOME=self.dir)
        run = subprocess.run([MAILFERRY, "sync", "--config", config, "-vv"], env=env,
                             capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        src = imap_snapshot("127.0.0.1", self.server.ports["imap"], "alice", "alice-pw")
        dst = imap_snapshot("127.0.0.1", self.server.ports["imap"], "carol", "carol-pw")
        for folder, messages in src.items():
            self.assertEqual(dst.get(folder), messages, folder)
        self.assertGreaterEqual(self.runs("alice"), 1)
        self.assert_no_secret_in(run, "alice", "carol")

    def test_probe_logs_in_with_a_token_command(self):
        env = dict(os.environ, HOME=self.dir)
        env.pop("MAILFERRY_PASSWORD", None)
        for scheme, user in (("imap", "alice"), ("pop3", "bob")):
            with self.subTest(scheme):
                run = subprocess.run([MAILFERRY, "probe", self.url(scheme, user), "--json",
                                      "--oauth2-token-command", self.token_command(user),
                                      "-vv"], env=env, capture_output=True, text=True,
                                     timeout=RUN_TIMEOUT)
                self.assertEqual(run.returncode, 0, run.stderr[-3000:])
                if scheme == "pop3":
                    self.assertEqual(json.loads(run.stdout)["login_method"], "AUTH OAUTHBEARER")
                self.assertEqual(self.runs(user), 1)
                self.assert_no_secret_in(run, user)
        refused = subprocess.run([MAILFERRY, "probe", self.url("imap", "carol"),
                                  "--oauth2-token-command", self.token_command("carol", "bad")],
                                 env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(refused.returncode, 3, refused.stderr)
        self.assertIn("--oauth2-token-command", refused.stderr)

    def test_a_token_command_and_a_password_option_for_one_side_conflict(self):
        password_file = os.path.join(self.dir, "pw")
        with open(password_file, "w") as f:
            f.write("alice-pw\n")
        os.chmod(password_file, 0o600)
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2-token-command", self.token_command("alice"),
                           "--source-password-file", password_file,
                           "--target-oauth2-token-command", self.token_command("carol"))
        self.assertEqual(run.returncode, 2, run.stderr)
        self.assertIn("--source-oauth2-token-command", run.stderr)
        self.assertEqual(self.runs("alice"), 0, "nothing was run")


if __name__ == "__main__":
    unittest.main()
