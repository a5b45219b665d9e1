"""OAuth2 logins from refresh-token files, from the outside: `mailferry
migrate --source-oauth2 FILE --target-oauth2 FILE`, `probe --oauth2 FILE`
and the source_oauth2_file / target_oauth2_file job keys, against
`mailferry testserver --oauth2-user ... --oauth2-issuer 127.0.0.1:0`, whose
token endpoint rotates refresh tokens on every exchange. What a user checks:
the exit status, the mail in the target (read back with imaplib), the file
(new refresh token, same mode, the user's other lines kept), the messages,
and that no token or client secret shows in -vv output."""

import http.server
import os
import re
import shutil
import signal
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from testserver_fixture import MAILFERRY, free_port, start_testserver  # noqa: E402
from mailbox_snapshot import imap_snapshot, pop3_messages  # noqa: E402

RUN_TIMEOUT = 120
_ISSUER = re.compile(r"^oauth2 issuer listening on 127\.0\.0\.1:(\d+)$")
_USER = re.compile(r"^oauth2 user (\S+) refresh-token (\S+)$")
CLIENT_SECRET = "cs-never-shown-7f3a"
# Every token the test server issues starts with one of these.
TOKEN_PREFIXES = ("mft-rt.", "mft-at.")

FILE_TEMPLATE = """# {user}'s mailbox at the test provider
token_url = "http://127.0.0.1:{port}/token"
client_id = "mailferry-test"   # the registered application
client_secret = "{secret}"
refresh_token = "{token}"   # rotates: mailferry rewrites this value
scope = "mail"
[notes]
owner = "{user}"
"""


def start_token_front(test, issuer_port, requests, first_answer=None, tls=None):
    """A token endpoint on loopback in front of the test server's issuer:
    each POST is noted in `requests` as (Host, path) and passed on, its
    answer passed back; `first_answer` (status, body) answers the first
    request instead; `tls` (a server SSLContext) makes it HTTPS."""
    issuer = "http://127.0.0.1:%d/token" % issuer_port

    class Front(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append((self.headers.get("Host"), self.path))
            if first_answer is not None and len(requests) == 1:
                status, payload = first_answer
            else:
                upstream = urllib.request.Request(issuer, data=body, headers={
                    "Content-Type": self.headers["Content-Type"]})
                try:
                    with urllib.request.urlopen(upstream, timeout=20) as answer:
                        status, payload = answer.status, answer.read()
                except urllib.error.HTTPError as e:
                    status, payload = e.code, e.read()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    front = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
    if tls is not None:
        front.socket = tls.wrap_socket(front.socket, server_side=True)
    threading.Thread(target=front.serve_forever, daemon=True).start()
    test.addCleanup(front.server_close)
    test.addCleanup(front.shutdown)
    return front


class OAuth2RefreshFile(unittest.TestCase):
    lifetime = None  # --oauth2-token-lifetime, None for the server's default (300 s)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-oauth2-file-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state = os.path.join(self.dir, "state.db")
        self.start_server(self.lifetime)

    def start_server(self, lifetime):
        args = ["--seed-demo", "--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0",
                "--oauth2-user", "alice", "--oauth2-user", "bob", "--oauth2-user", "carol",
                "--oauth2-issuer", "127.0.0.1:0"]
        if lifetime is not None:
            args += ["--oauth2-token-lifetime", str(lifetime)]
        self.server = start_testserver(args)
        self.addCleanup(self.server.stop)
        self.issuer_port = None
        self.first_refresh = {}
        for line in self.server.output:
            m = _ISSUER.match(line)
            if m:
                self.issuer_port = int(m.group(1))
            m = _USER.match(line)
            if m:
                self.first_refresh[m.group(1)] = m.group(2)
        self.assertIsNotNone(self.issuer_port, self.server.output)
        for user, token in self.first_refresh.items():
            self.write_file(user, token)

    def file(self, user):
        return os.path.join(self.dir, user + ".toml")

    def write_file(self, user, token, text=None):
        with open(self.file(user), "w") as f:
            f.write(text if text is not None else FILE_TEMPLATE.format(
                user=user, port=self.issuer_port, secret=CLIENT_SECRET, token=token))
        os.chmod(self.file(user), 0o600)

    def read_file(self, user):
        with open(self.file(user)) as f:
            return f.read()

    def refresh_token_in(self, user):
        m = re.search(r'^refresh_token = "([^"]*)"', self.read_file(user), re.M)
        return m.group(1) if m else None

    def env(self):
        env = dict(os.environ, HOME=self.dir)
        for name in ("MAILFERRY_SOURCE_PASSWORD", "MAILFERRY_TARGET_PASSWORD",
                     "MAILFERRY_PASSWORD", "XDG_STATE_HOME"):
            env.pop(name, None)
        return env

    def migrate(self, source, target, *extra):
        return subprocess.run([MAILFERRY, "migrate", source, target, "--state", self.state,
                               "-vv", *extra], env=self.env(), capture_output=True, text=True,
                              timeout=RUN_TIMEOUT)

    def url(self, scheme, user):
        return "%s://%s@127.0.0.1:%d" % (scheme, user, self.server.ports[scheme])

    def exchanges(self, run, option):
        return len(re.findall(r"%s: exchanging the refresh token in " % re.escape(option),
                              run.stderr))

    def assert_no_secret_in(self, run):
        out = run.stdout + run.stderr
        for prefix in TOKEN_PREFIXES:
            self.assertNotIn(prefix, out)
        self.assertNotIn(CLIENT_SECRET, out)

    def run_daemon_for_two_runs(self):
        """`mailferry daemon -v` with a 1 s job alice -> carol from files,
        stopped once /metrics counts two runs of the job; its log."""
        config = os.path.join(self.dir, "daemon.toml")
        with open(config, "w") as f:
            f.write('state = "%s"\n[[job]]\nname = "alice"\ninterval = "1s"\n'
                    'source = "%s"\nsource_oauth2_file = "%s"\n'
                    'target = "%s"\ntarget_oauth2_file = "%s"\n'
                    % (self.state, self.url("imap", "alice"), self.file("alice"),
                       self.url("imap", "carol"), self.file("carol")))
        port = free_port()
        log_path = os.path.join(self.dir, "daemon.log")
        with open(log_path, "w") as log:
            daemon = subprocess.Popen([MAILFERRY, "daemon", "--config", config, "-v",
                                       "--metrics", "127.0.0.1:%d" % port],
                                      env=self.env(), stdout=log, stderr=subprocess.STDOUT)
            try:
                runs = 0
                deadline = time.monotonic() + 90
                while runs < 2:
                    self.assertLess(time.monotonic(), deadline, "the daemon did not run twice")
                    self.assertIsNone(daemon.poll(), "the daemon exited")
                    time.sleep(0.2)
                    try:
                        metrics = urllib.request.urlopen(
                            "http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
                    except OSError:
                        continue
                    m = re.search(r'^mailferry_job_runs_total\{job="alice"[^}]*\} (\d+)',
                                  metrics, re.M)
                    runs = int(m.group(1)) if m else 0
            finally:
                daemon.send_signal(signal.SIGTERM)
                daemon.wait(60)
        with open(log_path) as f:
            return subprocess.CompletedProcess(daemon.args, daemon.returncode, "", f.read())

    def assert_copied(self, source_user, target_user):
        src = imap_snapshot("127.0.0.1", self.server.ports["imap"], source_user,
                            source_user + "-pw")
        dst = imap_snapshot("127.0.0.1", self.server.ports["imap"], target_user,
                            target_user + "-pw")
        for folder, messages in src.items():
            self.assertEqual(dst.get(folder), messages, folder)


class DefaultLifetime(OAuth2RefreshFile):
    def test_migrate_with_a_file_per_side_rotates_and_rewrites_them(self):
        before = {u: self.read_file(u) for u in ("alice", "carol")}
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2", self.file("alice"),
                           "--target-oauth2", self.file("carol"), "--verify")
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        # --verify logs in to each side again after the copy.
        self.assertEqual(len(re.findall(r"AUTHENTICATE OAUTHBEARER", run.stderr)), 4)
        self.assert_copied("alice", "carol")
        for user in ("alice", "carol"):
            new = self.refresh_token_in(user)
            self.assertTrue(new and new.startswith("mft-rt."), self.read_file(user))
            self.assertNotEqual(new, self.first_refresh[user], "the refresh token rotated")
            self.assertEqual(stat.S_IMODE(os.stat(self.file(user)).st_mode), 0o600)
            self.assertEqual(self.read_file(user),
                             before[user].replace(self.first_refresh[user], new),
                             "only the refresh token's value changed")
            self.assertEqual([n for n in os.listdir(self.dir) if n.startswith(".")], [],
                             "no temporary file left")
        # A 300 s token is reused by the second login of each side.
        self.assertEqual(self.exchanges(run, "--source-oauth2"), 1, run.stderr[-3000:])
        self.assertEqual(self.exchanges(run, "--target-oauth2"), 1)
        self.assert_no_secret_in(run)

        # The saved refresh token is the one the provider now accepts.
        again = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                             "--source-oauth2", self.file("alice"),
                             "--target-oauth2", self.file("carol"))
        self.assertEqual(again.returncode, 0, again.stderr[-3000:])
        self.assert_no_secret_in(again)

    def test_daemon_runs_share_one_access_token_while_it_is_fresh(self):
        run = self.run_daemon_for_two_runs()
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assert_copied("alice", "carol")
        self.assertEqual(self.exchanges(run, 'job "alice".source_oauth2_file'), 1,
                         run.stderr[-3000:])
        self.assertEqual(self.exchanges(run, 'job "alice".target_oauth2_file'), 1)
        self.assert_no_secret_in(run)

    def test_a_pop3_source_logs_in_from_a_file(self):
        run = self.migrate(self.url("pop3", "bob"), self.url("imap", "carol"),
                           "--source-oauth2", self.file("bob"),
                           "--target-oauth2", self.file("carol"), "--folder", "From POP3")
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        maildrop = pop3_messages("127.0.0.1", self.server.ports["pop3"], "bob", "bob-pw")
        dst = imap_snapshot("127.0.0.1", self.server.ports["imap"], "carol", "carol-pw")
        self.assertEqual(sorted(m[0] for m in dst["From POP3"]), maildrop)
        self.assertNotEqual(self.refresh_token_in("bob"), self.first_refresh["bob"])
        self.assert_no_secret_in(run)

    def test_a_revoked_refresh_token_exits_3_naming_invalid_grant(self):
        self.write_file("alice", "mft-rt.revoked-long-ago")
        before = self.read_file("alice")
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2", self.file("alice"),
                           "--target-oauth2", self.file("carol"))
        self.assertEqual(run.returncode, 3, run.stderr[-3000:])
        last = run.stderr.strip().splitlines()[-1]
        self.assertIn("invalid_grant", last)
        self.assertIn("obtain a new one from the provider and put it in %s" % self.file("alice"),
                      last)
        self.assertEqual(self.read_file("alice"), before, "nothing to save")
        self.assert_no_secret_in(run)

    def test_a_wrong_client_id_exits_3_saying_what_to_check(self):
        self.write_file("alice", None, FILE_TEMPLATE.format(
            user="alice", port=self.issuer_port, secret=CLIENT_SECRET,
            token=self.first_refresh["alice"]).replace('"mailferry-test"', '"someone-else"'))
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2", self.file("alice"),
                           "--target-oauth2", self.file("carol"))
        self.assertEqual(run.returncode, 3, run.stderr[-3000:])
        self.assertIn("invalid_client", run.stderr)
        self.assertIn("check client_id and client_secret in %s" % self.file("alice"), run.stderr)
        self.assert_no_secret_in(run)

    def test_a_file_that_cannot_be_used_is_a_usage_error(self):
        cases = {
            "no refresh_token": ('token_url = "http://127.0.0.1:%d/token"\n'
                                 'client_id = "mailferry-test"\n' % self.issuer_port,
                                 "refresh_token: missing"),
            "remote http": ('token_url = "http://login.example.com/token"\n'
                            'client_id = "c"\nrefresh_token = "mft-rt.x"\n',
                            "use https://"),
            "bad type": ('token_url = "http://127.0.0.1:1/token"\nclient_id = 7\n'
                         'refresh_token = "mft-rt.x"\n', "client_id: line 2: must be a string"),
        }
        for name, (text, expected) in cases.items():
            with self.subTest(name):
                self.write_file("alice", None, text)
                run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                                   "--source-oauth2", self.file("alice"),
                                   "--target-oauth2", self.file("carol"))
                self.assertEqual(run.returncode, 2, run.stderr[-3000:])
                self.assertIn(self.file("alice"), run.stderr)
                self.assertIn(expected, run.stderr)
                self.assert_no_secret_in(run)
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2", os.path.join(self.dir, "missing.toml"),
                           "--target-oauth2", self.file("carol"))
        self.assertEqual(run.returncode, 2, run.stderr)
        self.assertIn("cannot read the OAuth2 file %s" % os.path.join(self.dir, "missing.toml"),
                      run.stderr)

    def test_a_file_others_can_read_is_warned_about(self):
        os.chmod(self.file("alice"), 0o644)
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2", self.file("alice"),
                           "--target-oauth2", self.file("carol"))
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertIn("the OAuth2 file %s (--source-oauth2) can be read by every user"
                      % self.file("alice"), run.stderr)
        self.assertIn("chmod 600 %s" % self.file("alice"), run.stderr)
        self.assertNotIn("OAuth2 file %s (--target-oauth2) can be read" % self.file("carol"),
                         run.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.file("alice")).st_mode), 0o644,
                         "the rewrite keeps the mode the user chose")

    def test_a_file_and_another_credential_for_one_side_conflict(self):
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2", self.file("alice"),
                           "--source-oauth2-token-command", "echo x",
                           "--target-oauth2", self.file("carol"))
        self.assertEqual(run.returncode, 2, run.stderr)
        self.assertIn("keep one", run.stderr)
        self.assertEqual(self.refresh_token_in("alice"), self.first_refresh["alice"],
                         "no exchange was made")

    def test_probe_logs_in_from_a_file(self):
        for scheme, user in (("imap", "alice"), ("pop3", "bob")):
            with self.subTest(scheme):
                run = subprocess.run([MAILFERRY, "probe", self.url(scheme, user), "--json",
                                      "--oauth2", self.file(user), "-vv"], env=self.env(),
                                     capture_output=True, text=True, timeout=RUN_TIMEOUT)
                self.assertEqual(run.returncode, 0, run.stderr[-3000:])
                self.assertNotEqual(self.refresh_token_in(user), self.first_refresh[user])
                self.assert_no_secret_in(run)
        self.write_file("carol", "mft-rt.revoked")
        refused = subprocess.run([MAILFERRY, "probe", self.url("imap", "carol"),
                                  "--oauth2", self.file("carol")], env=self.env(),
                                 capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(refused.returncode, 3, refused.stderr)
        self.assertIn("invalid_grant", refused.stderr)

    def test_sync_job_keys_log_in_from_files(self):
        os.makedirs(os.path.join(self.dir, "conf", "tokens"))
        for user in ("alice", "carol"):
            shutil.move(self.file(user), os.path.join(self.dir, "conf", "tokens",
                                                      user + ".toml"))
        config = os.path.join(self.dir, "conf", "config.toml")
        with open(config, "w") as f:
            f.write('state = "%s"\nmax_connections = 4\n[[job]]\nname = "alice"\n'
                    'source = "%s"\nsource_oauth2_file = "tokens/alice.toml"\n'
                    'target = "%s"\ntarget_oauth2_file = "tokens/carol.toml"\n'
                    % (self.state, self.url("imap", "alice"), self.url("imap", "carol")))
        check = subprocess.run([MAILFERRY, "sync", "--config", config, "--check"],
                               env=self.env(), capture_output=True, text=True,
                               timeout=RUN_TIMEOUT)
        self.assertEqual(check.returncode, 0, check.stderr)
        run = subprocess.run([MAILFERRY, "sync", "--config", config, "-vv"], env=self.env(),
                             capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assert_copied("alice", "carol")
        with open(os.path.join(self.dir, "conf", "tokens", "alice.toml")) as f:
            self.assertNotIn(self.first_refresh["alice"], f.read(), "rotated and saved")
        self.assert_no_secret_in(run)
        with open(self.state, "rb") as f:
            db = f.read()
        for prefix in TOKEN_PREFIXES:
            self.assertNotIn(prefix.encode(), db)
        self.assertNotIn(CLIENT_SECRET.encode(), db)

        # --check reads the file and names the key that is wrong.
        with open(os.path.join(self.dir, "conf", "tokens", "carol.toml"), "w") as f:
            f.write('token_url = "http://127.0.0.1:1/token"\nrefresh_token = "mft-rt.x"\n')
        check = subprocess.run([MAILFERRY, "sync", "--config", config, "--check"],
                               env=self.env(), capture_output=True, text=True,
                               timeout=RUN_TIMEOUT)
        self.assertEqual(check.returncode, 2, check.stderr)
        self.assertIn("target_oauth2_file", check.stderr)
        self.assertIn("client_id: missing", check.stderr)


class ShortLifetime(OAuth2RefreshFile):
    # Tokens that live less than a minute are never reused for a new login.
    lifetime = 30

    def test_every_new_connection_gets_a_fresh_token(self):
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2", self.file("alice"),
                           "--target-oauth2", self.file("carol"), "--verify")
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assert_copied("alice", "carol")
        self.assertEqual(len(re.findall(r"AUTHENTICATE OAUTHBEARER", run.stderr)), 4)
        self.assertEqual(self.exchanges(run, "--source-oauth2"), 2, run.stderr[-3000:])
        self.assertEqual(self.exchanges(run, "--target-oauth2"), 2)
        self.assertEqual(len(re.findall(r"--source-oauth2: saved the new refresh token",
                                        run.stderr)),
                         self.exchanges(run, "--source-oauth2"),
                         "every rotation was saved")
        self.assert_no_secret_in(run)
        again = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                             "--source-oauth2", self.file("alice"),
                             "--target-oauth2", self.file("carol"))
        self.assertEqual(again.returncode, 0, "the last saved refresh token works")

    def test_each_daemon_run_exchanges_again(self):
        run = self.run_daemon_for_two_runs()
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertGreaterEqual(self.exchanges(run, 'job "alice".source_oauth2_file'), 2,
                                run.stderr[-3000:])
        self.assertGreaterEqual(self.exchanges(run, 'job "alice".target_oauth2_file'), 2)
        self.assert_no_secret_in(run)


class ExpiredAtOnce(OAuth2RefreshFile):
    # Every access token has expired by the time it is used.
    lifetime = 0

    def test_a_refused_token_is_replaced_once_then_the_run_exits_3(self):
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2", self.file("alice"),
                           "--target-oauth2", self.file("carol"))
        self.assertEqual(run.returncode, 3, run.stderr[-3000:])
        self.assertEqual(self.exchanges(run, "--source-oauth2"), 2,
                         "a second exchange after the refusal, not the same token again")
        self.assertIn("refused the access token", run.stderr.strip().splitlines()[-1])
        self.assert_no_secret_in(run)


class RefusedCachedToken(OAuth2RefreshFile):
    """A token endpoint (a plain-http front on loopback) whose first answer
    is an access token the mail server does not know, valid for an hour;
    later requests go to the test server's issuer. The refused token must
    not come back from the cache for the retry."""

    def setUp(self):
        super().setUp()
        refused = (200, b'{"access_token":"not-a-token-the-server-knows",'
                        b'"token_type":"Bearer","expires_in":3600}')
        self.requests = []
        self.front = start_token_front(self, self.issuer_port, self.requests,
                                       first_answer=refused)
        self.write_file("alice", None, FILE_TEMPLATE.format(
            user="alice", port=self.front.server_address[1], secret=CLIENT_SECRET,
            token=self.first_refresh["alice"]))

    def test_the_retry_after_a_refusal_gets_a_new_token(self):
        run = self.migrate(self.url("imap", "alice"), self.url("imap", "carol"),
                           "--source-oauth2", self.file("alice"),
                           "--target-oauth2", self.file("carol"))
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertEqual(len(self.requests), 2, "one exchange more after the refusal")
        self.assertEqual(self.exchanges(run, "--source-oauth2"), 2)
        self.assert_copied("alice", "carol")
        self.assertNotIn("not-a-token-the-server-knows", run.stdout + run.stderr)
        self.assert_no_secret_in(run)


class HttpsTokenEndpoint(OAuth2RefreshFile):
    """The token endpoint over HTTPS: a small TLS front (certificate for
    "localhost" only, from a test CA) that passes each POST /token on to
    the test server's issuer and its answer back."""

    def setUp(self):
        super().setUp()
        self.cert = os.path.join(self.dir, "localhost.pem")
        key = os.path.join(self.dir, "localhost.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", self.cert,
                        "-days", "2", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost"],
                       check=True, capture_output=True, timeout=60)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.requests = []
        self.front = start_token_front(self, self.issuer_port, self.requests, tls=context)
        self.front_port = self.front.server_address[1]

    def use_front(self, user, host):
        self.write_file(user, None, FILE_TEMPLATE.format(
            user=user, port=self.issuer_port, secret=CLIENT_SECRET,
            token=self.first_refresh[user]).replace(
                "http://127.0.0.1:%d/token" % self.issuer_port,
                "https://%s:%d/token" % (host, self.front_port)))

    def probe(self, user, *extra):
        return subprocess.run([MAILFERRY, "probe", self.url("imap", user), "--oauth2",
                               self.file(user), "-vv", *extra], env=self.env(),
                              capture_output=True, text=True, timeout=RUN_TIMEOUT)

    def test_a_certificate_from_ca_file_is_trusted(self):
        self.use_front("alice", "localhost")
        run = self.probe("alice", "--ca-file", self.cert)
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertEqual(self.requests, [("localhost:%d" % self.front_port, "/token")])
        self.assertNotEqual(self.refresh_token_in("alice"), self.first_refresh["alice"])
        self.assert_no_secret_in(run)

    def test_an_unknown_certificate_is_refused_before_sending_anything(self):
        self.use_front("alice", "localhost")
        run = self.probe("alice")
        self.assertEqual(run.returncode, 3, run.stderr[-3000:])
        self.assertIn("the certificate was not accepted: self-signed certificate", run.stderr)
        self.assertIn("pass it with --ca-file", run.stderr)
        self.assertEqual(self.requests, [], "the refresh token was not sent")
        self.assertEqual(self.refresh_token_in("alice"), self.first_refresh["alice"])
        self.assert_no_secret_in(run)

    def test_a_certificate_for_another_name_is_refused(self):
        self.use_front("alice", "127.0.0.1")
        run = self.probe("alice", "--ca-file", self.cert)
        self.assertEqual(run.returncode, 3, run.stderr[-3000:])
        self.assertIn("the certificate is not for 127.0.0.1 (IP address mismatch)", run.stderr)
        self.assertEqual(self.requests, [])

    def test_insecure_skips_verification_with_its_warning(self):
        self.use_front("alice", "127.0.0.1")
        run = self.probe("alice", "--insecure")
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        self.assertIn("--insecure", run.stderr)
        self.assertEqual(len(self.requests), 1)
        self.assert_no_secret_in(run)


if __name__ == "__main__":
    unittest.main()
