"""No password anywhere but where the user put it.

Every command that logs in (`probe`, `migrate`, `migrate --verify`,
`verify`, `sync`, `daemon`) runs at the most verbose level (-vv, text and
JSON log formats) with known passwords from every kind of source: a
password file, a password command, the environment, the account URL and a
config file's job keys. Then every log line, every report, `status --json`,
the daemon's metrics page and the raw bytes of the state file (with its WAL)
are searched for each password, as written and as the SASL PLAIN/LOGIN
exchanges carry it (base64). A refused password is not echoed in its error
either. A password file every user can read is warned about. The same
holds for OAuth2 refresh-token files: no access token, refresh token or
client secret shows anywhere but in the file itself.
"""

import base64
import glob
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from testserver_fixture import MAILFERRY, free_port, start_testserver  # noqa: E402
from mailbox_snapshot import connect  # noqa: E402

RUN_TIMEOUT = 120
# One distinctive password per account, each from another kind of source.
PASSWORDS = {
    "src-file": "Pw-from-file-5b0e9c",
    "dst-command": "Pw-from-command-71d2aa",
    "src-env": "Pw-from-env-0c44f3",
    "dst-env": "Pw-target-env-9e1b07",
    "src-url": "Pw-in-url-3f6d18",
    "src-config": "Pw-config-file-a7c520",
    "dst-config": "Pw-config-cmd-4e9d61",
}
WRONG = "Pw-wrong-one-d83b2f"
CLIENT_SECRET = "Cs-client-secret-62e0bd"
# Every token the test server's issuer hands out starts with one of these.
TOKEN_PREFIXES = ("mft-rt.", "mft-at.")


def forms(user, password):
    """The password as written and as SASL PLAIN, LOGIN and XOAUTH2 send it."""
    b64 = lambda raw: base64.b64encode(raw.encode()).decode()  # noqa: E731
    return [password, b64(password), b64("\0%s\0%s" % (user, password)),
            b64("%s\0%s\0%s" % (user, user, password))]


class Secrets(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-secrets-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        args = ["--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0",
                "--oauth2-user", "src-config", "--oauth2-user", "dst-config",
                "--oauth2-issuer", "127.0.0.1:0"]
        for user, password in PASSWORDS.items():
            args += ["--user", "%s:%s" % (user, password)]
        self.server = start_testserver(args)
        self.addCleanup(self.server.stop)
        for user in ("src-file", "src-env", "src-url", "src-config"):
            imap = connect("127.0.0.1", self.server.ports["imap"], user, PASSWORDS[user])
            for n in range(3):
                imap.append("INBOX", r"(\Seen)", None,
                            ("Subject: %s %d\r\nMessage-ID: <%s.%d@example.org>\r\n\r\nHi.\r\n"
                             % (user, n, user, n)).encode())
            imap.logout()
        self.state = os.path.join(self.dir, "state.db")
        self.outputs = []  # (what, text) of every output to search

        self.password_file = self.private_file("src-file.pw", PASSWORDS["src-file"] + "\n")
        self.command_script = self.private_file(
            "dst-command.sh", "#!/bin/sh\necho '%s'\n" % PASSWORDS["dst-command"], mode=0o700)

    def private_file(self, name, text, mode=0o600):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def url(self, user, password=None, proto="imap"):
        auth = user if password is None else "%s:%s" % (user, password)
        return "%s://%s@127.0.0.1:%d" % (proto, auth, self.server.ports[proto])

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILFERRY_")}
        env.pop("XDG_STATE_HOME", None)
        env["HOME"] = self.dir
        env.update(extra)
        return env

    def run_mailferry(self, what, args, env=None, expect=0):
        r = subprocess.run([MAILFERRY, *args], env=env or self.env(), capture_output=True,
                           text=True, timeout=RUN_TIMEOUT)
        self.outputs.append((what + " stdout", r.stdout))
        self.outputs.append((what + " stderr", r.stderr))
        self.assertEqual(r.returncode, expect, "%s: %s%s" % (what, r.stdout, r.stderr))
        return r

    def report(self, name):
        return os.path.join(self.dir, name)  # every *.json here is searched at the end

    def assert_no_secret_anywhere(self):
        texts = list(self.outputs)
        for path in glob.glob(os.path.join(self.dir, "*.json")):
            with open(path, encoding="utf-8") as f:
                texts.append((os.path.basename(path), f.read()))
        for path in glob.glob(self.state + "*"):
            with open(path, "rb") as f:  # the database, its WAL, its lock file
                texts.append((os.path.basename(path), f.read().decode("latin-1")))
        self.assertGreater(sum(len(t) for _, t in texts), 10000, "too little output to judge")
        for user, password in list(PASSWORDS.items()) + [("src-env", WRONG)]:
            for form in forms(user, password):
                for what, text in texts:
                    self.assertNotIn(form, text, "%s's password (%r) in %s" % (user, form, what))

    def test_no_command_shows_a_password_at_any_verbosity(self):
        file_and_command = ["--source-password-file", self.password_file,
                            "--target-password-command", self.command_script]
        for log_format in ("text", "json"):
            verbose = ["-vv", "--log-format", log_format]
            self.run_mailferry("probe " + log_format,
                               ["probe", self.url("src-url", PASSWORDS["src-url"]), *verbose])
            self.run_mailferry(
                "migrate file+command " + log_format,
                ["migrate", self.url("src-file"), self.url("dst-command"), "--state", self.state,
                 "--verify", "--report", self.report("migrate-%s.json" % log_format),
                 *file_and_command, *verbose])
            self.run_mailferry(
                "verify " + log_format,
                ["verify", self.url("src-file"), self.url("dst-command"), "--state", self.state,
                 "--report", self.report("verify-%s.json" % log_format), *file_and_command,
                 *verbose])
        self.run_mailferry(
            "migrate env+url",
            ["migrate", self.url("src-url", PASSWORDS["src-url"]), self.url("dst-env"),
             "--state", self.state, "--report", self.report("url.json"), "-vv"],
            env=self.env(MAILFERRY_TARGET_PASSWORD=PASSWORDS["dst-env"]))
        self.run_mailferry(
            "migrate env",
            ["migrate", self.url("src-env"), self.url("dst-env"), "--state", self.state,
             "--report", self.report("env.json"), "-vv"],
            env=self.env(MAILFERRY_SOURCE_PASSWORD=PASSWORDS["src-env"],
                         MAILFERRY_TARGET_PASSWORD=PASSWORDS["dst-env"]))
        refused = self.run_mailferry(
            "migrate refused",
            ["migrate", self.url("src-env"), self.url("dst-env"), "--state", self.state, "-vv"],
            env=self.env(MAILFERRY_SOURCE_PASSWORD=WRONG,
                         MAILFERRY_TARGET_PASSWORD=PASSWORDS["dst-env"]), expect=3)
        self.assertIn("src-env", refused.stderr)

        # The config's own password sources, through sync and the daemon.
        config = self.private_file("config.toml", """state = "%s"
[[job]]
name = "config-job"
source = "%s"
source_password_file = "%s"
target = "%s"
target_password_command = "%s"
interval = "1s"
verify = true
""" % (self.state, self.url("src-config"),
       self.private_file("src-config.pw", PASSWORDS["src-config"] + "\n"),
       self.url("dst-config"),
       self.private_file("dst-config.sh", "#!/bin/sh\necho '%s'\n" % PASSWORDS["dst-config"],
                         mode=0o700)))
        self.run_mailferry("sync", ["sync", "--config", config, "-vv",
                                    "--report", self.report("sync.json")])
        port = free_port()
        daemon_log = os.path.join(self.dir, "daemon.log")
        with open(daemon_log, "w", encoding="utf-8") as log:
            daemon = subprocess.Popen([MAILFERRY, "daemon", "--config", config, "-vv",
                                       "--metrics", "127.0.0.1:%d" % port],
                                      env=self.env(), stdout=log, stderr=subprocess.STDOUT)
            try:
                metrics = ""
                deadline = time.monotonic() + 60
                while 'mailferry_job_runs_total{job="config-job"} ' not in metrics:
                    self.assertLess(time.monotonic(), deadline, "the daemon never ran the job")
                    self.assertIsNone(daemon.poll(), "the daemon exited")
                    time.sleep(0.2)
                    try:
                        metrics = urllib.request.urlopen(
                            "http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
                    except OSError:
                        continue
                self.outputs.append(("metrics", metrics))
            finally:
                daemon.send_signal(signal.SIGTERM)
                daemon.wait(60)
        with open(daemon_log, encoding="utf-8") as f:
            self.outputs.append(("daemon log", f.read()))
        status = self.run_mailferry("status", ["status", "--state", self.state, "--json"])
        self.assertIn("config-job", [j["name"] for j in json.loads(status.stdout)["jobs"]])

        # Everything that ran logged in: the log says so, without the password.
        everything = "\n".join(text for _, text in self.outputs)
        for user in PASSWORDS:
            self.assertIn(user, everything)
        self.assert_no_secret_anywhere()

    def test_a_password_file_others_can_read_is_warned_about(self):
        os.chmod(self.password_file, 0o644)
        r = self.run_mailferry(
            "migrate", ["migrate", self.url("src-file"), self.url("dst-command"),
                        "--state", self.state, "--source-password-file", self.password_file,
                        "--target-password-command", self.command_script])
        self.assertRegex(r.stderr, r"password file %s .*can be read by every user"
                         % self.password_file)
        self.assertIn("chmod 600 %s" % self.password_file, r.stderr)
        os.chmod(self.password_file, 0o640)  # group-readable on purpose: no warning
        r = self.run_mailferry(
            "migrate", ["migrate", self.url("src-file"), self.url("dst-command"),
                        "--state", self.state, "--source-password-file", self.password_file,
                        "--target-password-command", self.command_script])
        self.assertNotIn("can be read by every user", r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.password_file).st_mode), 0o640)

    def oauth2_file(self, user):
        """A refresh-token file for `user`, with a client secret."""
        issuer = refresh = None
        for line in self.server.output:
            m = re.match(r"^oauth2 issuer listening on (\S+)$", line)
            issuer = m.group(1) if m else issuer
            m = re.match(r"^oauth2 user %s refresh-token (\S+)$" % re.escape(user), line)
            refresh = m.group(1) if m else refresh
        return self.private_file(
            user + ".oauth2.toml",
            'token_url = "http://%s/token"\nclient_id = "mailferry-test"\n'
            'client_secret = "%s"\nrefresh_token = "%s"\n' % (issuer, CLIENT_SECRET, refresh))

    def test_no_command_shows_an_oauth2_token_or_client_secret(self):
        source, target = self.oauth2_file("src-config"), self.oauth2_file("dst-config")
        for log_format in ("text", "json"):
            verbose = ["-vv", "--log-format", log_format]
            self.run_mailferry("probe oauth2 " + log_format,
                               ["probe", self.url("src-config"), "--oauth2", source, *verbose])
            self.run_mailferry(
                "migrate oauth2 " + log_format,
                ["migrate", self.url("src-config"), self.url("dst-config"), "--state", self.state,
                 "--verify", "--report", self.report("oauth2-%s.json" % log_format),
                 "--source-oauth2", source, "--target-oauth2", target, *verbose])
            self.run_mailferry(
                "verify oauth2 " + log_format,
                ["verify", self.url("src-config"), self.url("dst-config"), "--state", self.state,
                 "--source-oauth2", source, "--target-oauth2", target, *verbose])
        config = self.private_file("oauth2-config.toml", """state = "%s"
[[job]]
name = "oauth2-job"
source = "%s"
source_oauth2_file = "%s"
target = "%s"
target_oauth2_file = "%s"
verify = true
""" % (self.state, self.url("src-config"), source, self.url("dst-config"), target))
        self.run_mailferry("sync oauth2", ["sync", "--config", config, "-vv",
                                           "--report", self.report("oauth2-sync.json")])
        # A revoked refresh token: the provider's error, not the token.
        with open(source) as f:
            text = f.read()
        with open(source, "w") as f:
            f.write(re.sub(r'refresh_token = "[^"]*"', 'refresh_token = "mft-rt.revoked"', text))
        refused = self.run_mailferry(
            "migrate oauth2 revoked",
            ["migrate", self.url("src-config"), self.url("dst-config"), "--state", self.state,
             "--source-oauth2", source, "--target-oauth2", target, "-vv"], expect=3)
        self.assertIn("invalid_grant", refused.stderr)

        everything = "\n".join(text for _, text in self.outputs)
        self.assertIn("AUTHENTICATE OAUTHBEARER", everything)
        self.assertIn("exchanging the refresh token", everything)
        texts = list(self.outputs)
        for path in glob.glob(os.path.join(self.dir, "*.json")) + glob.glob(self.state + "*"):
            with open(path, "rb") as f:
                texts.append((os.path.basename(path), f.read().decode("latin-1")))
        for what, text in texts:
            for secret in TOKEN_PREFIXES + (CLIENT_SECRET,):
                self.assertNotIn(secret, text, "%r in %s" % (secret, what))
            # An OAUTHBEARER or XOAUTH2 message, base64-encoded.
            for sasl in ("n,a=src-config,", "user=src-config\x01auth=Bearer "):
                self.assertNotIn(base64.b64encode(sasl.encode()[:12]).decode(), text, what)


if __name__ == "__main__":
    unittest.main()
