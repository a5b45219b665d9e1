"""The test server's OAuth2 issuer as the authorization server of a real
Dovecot (tests/support/dovecot.py): Dovecot 2.3's oauth2 passdb checks
tokens with our RFC 7662 introspection (introspection_mode = post,
username_attribute = username, active_attribute = active), so one token
from POST /token logs in to both servers, and an expired or unknown token
is refused by both with an RFC 7628 failure challenge."""

import base64
import imaplib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import dovecot  # noqa: E402
from testserver_fixture import MAILFERRY, start_testserver  # noqa: E402

TIMEOUT = 30


def oauthbearer(user, token, port):
    return "n,a=%s,\x01host=127.0.0.1\x01port=%d\x01auth=Bearer %s\x01\x01" % (user, port, token)


def xoauth2(user, token):
    return "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)


class DovecotOAuth2(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = start_testserver(["--imap", "127.0.0.1:0", "--oauth2-user", "alice",
                                       "--oauth2-issuer", "127.0.0.1:0"])
        cls.refresh = None
        for line in cls.server.output:
            if line.startswith("oauth2 issuer listening on "):
                cls.issuer = line.rsplit(" ", 1)[1]
            if line.startswith("oauth2 user alice refresh-token "):
                cls.refresh = line.rsplit(" ", 1)[1]
        cls.dir = tempfile.mkdtemp(prefix="mailferry-dovecot-oauth2-")
        try:
            cls.dovecot = dovecot.start_dovecot(
                cls.dir, users={"alice": "not-the-token"}, tls=False,
                oauth2_url="http://%s/introspect" % cls.issuer)
        except Exception:
            cls.server.stop()
            shutil.rmtree(cls.dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.dovecot.stop()
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def access_token(self):
        data = urllib.parse.urlencode({"grant_type": "refresh_token",
                                       "refresh_token": type(self).refresh,
                                       "client_id": "mailferry-test"}).encode()
        with urllib.request.urlopen("http://%s/token" % self.issuer, data=data,
                                    timeout=TIMEOUT) as answer:
            body = json.loads(answer.read())
        type(self).refresh = body["refresh_token"]
        return body["access_token"]

    def imap_login(self, port, mechanism, token):
        """imaplib AUTHENTICATE; returns the decoded challenges seen (a
        failure challenge is answered with the RFC 7628 dummy)."""
        challenges = []

        def answer(challenge):
            challenges.append(challenge)
            if len(challenges) > 1 or challenge:
                return b"\x01" if mechanism == "OAUTHBEARER" else b""
            text = (oauthbearer("alice", token, port) if mechanism == "OAUTHBEARER"
                    else xoauth2("alice", token))
            return text.encode()

        imap = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
        try:
            imap.authenticate(mechanism, answer)
            self.assertEqual(imap.select("INBOX")[0], "OK")
            imap.logout()
            return None
        except imaplib.IMAP4.error as e:
            imap.shutdown()
            return str(e), challenges

    def test_one_token_logs_in_to_dovecot_and_the_test_server(self):
        for mechanism in ("OAUTHBEARER", "XOAUTH2"):
            token = self.access_token()
            for port in (self.dovecot.ports["imap"], self.server.ports["imap"]):
                self.assertIsNone(self.imap_login(port, mechanism, token), (mechanism, port))

    def test_dovecot_pop3_takes_the_token_too(self):
        token = self.access_token()
        with socket.create_connection(("127.0.0.1", self.dovecot.ports["pop3"]),
                                      timeout=TIMEOUT) as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"AUTH XOAUTH2 " + base64.b64encode(xoauth2("alice", token).encode()) +
                      b"\r\n")
            self.assertTrue(f.readline().startswith(b"+OK"))
            s.sendall(b"QUIT\r\n")
            f.readline()
            f.close()

    def test_a_refused_token_is_refused_by_both(self):
        for token in ("mft-at.never-issued", self.access_token() + "x"):
            for port in (self.dovecot.ports["imap"], self.server.ports["imap"]):
                failed = self.imap_login(port, "OAUTHBEARER", token)
                self.assertIsNotNone(failed, port)
                error, challenges = failed
                self.assertIn("AUTHENTICATIONFAILED", error)
                # Both send the RFC 7628 §3.2.2 JSON before the NO.
                self.assertIn("status", json.loads(challenges[-1]), (port, challenges))

    def write_token_file(self, name):
        """A refresh-token file for alice at the test server's issuer,
        holding the refresh token it accepts now."""
        token_file = os.path.join(self.dir, name)
        with open(token_file, "w") as f:
            f.write('# alice at the test issuer\ntoken_url = "http://%s/token"\n'
                    'client_id = "mailferry-test"\nrefresh_token = "%s"\n'
                    % (self.issuer, type(self).refresh))
        os.chmod(token_file, 0o600)
        return token_file

    def run_with_token_file(self, token_file, env, *args):
        """Runs mailferry ARGS at -vv: it must succeed and show no token.
        Afterwards (also when it failed) the class keeps the refresh token
        the file holds now: the issuer rotates it on every exchange."""
        try:
            run = subprocess.run([MAILFERRY, *args, "-vv"], env=env, capture_output=True,
                                 text=True, timeout=120)
            self.assertEqual(run.returncode, 0, run.stderr[-3000:])
            self.assertNotIn("mft-at.", run.stdout + run.stderr)
            self.assertNotIn("mft-rt.", run.stdout + run.stderr)
            return run
        finally:
            with open(token_file) as f:
                type(self).refresh = re.search(r'^refresh_token = "([^"]+)"', f.read(),
                                               re.M).group(1)

    def test_mailferry_logs_in_to_dovecot_from_a_refresh_token_file(self):
        # probe --oauth2 FILE: mailferry exchanges the refresh token at the
        # test server's issuer, Dovecot introspects the access token there.
        token_file = self.write_token_file("alice-oauth2.toml")
        env = dict(os.environ)
        env.pop("MAILFERRY_PASSWORD", None)
        for scheme in ("imap", "pop3"):
            url = "%s://alice@127.0.0.1:%d" % (scheme, self.dovecot.ports[scheme])
            self.run_with_token_file(token_file, env, "probe", url, "--oauth2", token_file)
        self.assertTrue(type(self).refresh.startswith("mft-rt."))

    def test_mailferry_migrates_to_and_from_dovecot_with_oauth2(self):
        # The source (the test server) takes a token from a command, the
        # target (Dovecot) one that mailferry gets from a refresh-token file.
        token = self.access_token()
        subject = "via OAuth2 %d" % os.getpid()
        imap = imaplib.IMAP4("127.0.0.1", self.server.ports["imap"], timeout=TIMEOUT)
        imap.authenticate("XOAUTH2", lambda _: xoauth2("alice", token).encode())
        body = ("Message-ID: <%d.oauth2@example.test>\r\nSubject: %s\r\n\r\nhello\r\n"
                % (os.getpid(), subject)).encode()
        self.assertEqual(imap.append("INBOX", r"(\Seen)", None, body)[0], "OK")
        imap.logout()
        token_out = os.path.join(self.dir, "source-token")
        with open(token_out, "w") as f:
            f.write(token + "\n")
        token_file = self.write_token_file("dovecot-oauth2.toml")
        env = dict(os.environ, HOME=self.dir)
        env.pop("XDG_STATE_HOME", None)
        self.run_with_token_file(
            token_file, env, "migrate", "imap://alice@127.0.0.1:%d" % self.server.ports["imap"],
            "imap://alice@127.0.0.1:%d" % self.dovecot.ports["imap"],
            "--source-oauth2-token-command", "cat " + token_out,
            "--target-oauth2", token_file, "--state", os.path.join(self.dir, "state.db"))
        # Read back from Dovecot, independently of mailferry.
        check = imaplib.IMAP4("127.0.0.1", self.dovecot.ports["imap"], timeout=TIMEOUT)
        fresh = self.access_token()
        check.authenticate("XOAUTH2", lambda _: xoauth2("alice", fresh).encode())
        check.select("INBOX", readonly=True)
        found = check.search(None, "SUBJECT", '"%s"' % subject)[1][0].split()
        self.assertEqual(len(found), 1)
        flags = check.fetch(found[0], "(FLAGS)")[1][0]
        self.assertIn(b"\\Seen", flags)
        check.logout()

        # And back, Dovecot as the source, with token commands on both sides
        # (one fresh token each: the issuer rotates on every exchange), then
        # probe: the message is already there, nothing is copied twice.
        source_out = os.path.join(self.dir, "dovecot-token")
        with open(source_out, "w") as f:
            f.write(self.access_token() + "\n")
        with open(token_out, "w") as f:
            f.write(self.access_token() + "\n")
        dovecot_url = "imap://alice@127.0.0.1:%d" % self.dovecot.ports["imap"]
        back = subprocess.run(
            [MAILFERRY, "migrate", dovecot_url,
             "imap://alice@127.0.0.1:%d" % self.server.ports["imap"],
             "--source-oauth2-token-command", "cat " + source_out,
             "--target-oauth2-token-command", "cat " + token_out,
             "--state", os.path.join(self.dir, "back.db")],
            env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(back.returncode, 0, back.stderr[-3000:])
        probe = subprocess.run([MAILFERRY, "probe", dovecot_url, "--oauth2-token-command",
                                "cat " + source_out], env=env, capture_output=True, text=True,
                               timeout=120)
        self.assertEqual(probe.returncode, 0, probe.stderr[-3000:])
        imap = imaplib.IMAP4("127.0.0.1", self.server.ports["imap"], timeout=TIMEOUT)
        imap.authenticate("XOAUTH2", lambda _: xoauth2("alice", self.access_token()).encode())
        imap.select("INBOX", readonly=True)
        self.assertEqual(len(imap.search(None, "SUBJECT", '"%s"' % subject)[1][0].split()), 1)
        imap.logout()


if __name__ == "__main__":
    unittest.main()
