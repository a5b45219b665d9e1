"""`mailferry testserver --oauth2-user ... --oauth2-issuer 127.0.0.1:0` from
outside: the printed issuer and refresh-token lines, the token endpoint and
introspection over HTTP (urllib), and Python's imaplib and a raw POP3
socket logging in with OAUTHBEARER and XOAUTH2 tokens from that endpoint,
with and without initial responses, and the RFC 7628 failure challenge."""

import base64
import imaplib
import json
import re
import socket
import subprocess
import unittest
import urllib.error
import urllib.parse
import urllib.request

from testserver_fixture import MAILFERRY, start_testserver

TIMEOUT = 30
FAILURE_JSON = {"status": "401", "schemes": "bearer", "scope": "mail"}
_ISSUER = re.compile(r"^oauth2 issuer listening on 127\.0\.0\.1:(\d+)$")
_USER = re.compile(r"^oauth2 user (\S+) refresh-token (\S+)$")


def oauthbearer(user, token, port):
    return "n,a=%s,\x01host=127.0.0.1\x01port=%d\x01auth=Bearer %s\x01\x01" % (user, port, token)


def xoauth2(user, token):
    return "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)


def b64(text):
    return base64.b64encode(text.encode()).decode()


class Issuer:
    """The lines the server printed, and HTTP calls to its endpoint."""

    def __init__(self, server):
        self.port = None
        self.refresh = {}
        for line in server.output:
            m = _ISSUER.match(line)
            if m:
                self.port = int(m.group(1))
            m = _USER.match(line)
            if m:
                self.refresh[m.group(1)] = m.group(2)

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def access_token(self, user):
        status, body = self.post("/token", {"grant_type": "refresh_token",
                                            "refresh_token": self.refresh[user],
                                            "client_id": "mailferry-test"})
        assert status == 200, body
        self.refresh[user] = body["refresh_token"]
        return body["access_token"]


class Pop3Line:
    """A raw POP3 connection, to drive AUTH exactly."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")
        self.read()  # greeting

    def read(self):
        return self.file.readline().decode().rstrip("\r\n")

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.read()

    def close(self):
        self.file.close()
        self.sock.close()


class TestserverOAuth2(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = start_testserver([
            "--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0", "--user", "alice:wonderland",
            "--oauth2-user", "alice", "--oauth2-user", "carol",
            "--oauth2-issuer", "127.0.0.1:0"])
        cls.issuer = Issuer(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_prints_the_issuer_and_a_refresh_token_per_user_after_the_listeners(self):
        out = self.server.output
        self.assertIsNotNone(self.issuer.port, out)
        self.assertEqual(sorted(self.issuer.refresh), ["alice", "carol"])
        last_listener = max(i for i, l in enumerate(out) if " listening on " in l)
        first_user = min(i for i, l in enumerate(out) if l.startswith("oauth2 user "))
        self.assertLess(last_listener, first_user, out)
        self.assertTrue(out[last_listener].startswith("oauth2 issuer listening on "), out)

    def test_refresh_rotates_and_introspection_follows_the_token(self):
        old = self.issuer.refresh["carol"]
        token = self.issuer.access_token("carol")
        status, body = self.issuer.post("/token", {"grant_type": "refresh_token",
                                                   "refresh_token": old,
                                                   "client_id": "mailferry-test"})
        self.assertEqual((status, body["error"]), (400, "invalid_grant"))
        status, body = self.issuer.post("/introspect", {"token": token})
        self.assertEqual(status, 200)
        self.assertEqual((body["active"], body["username"], body["scope"], body["token_type"]),
                         (True, "carol", "mail", "Bearer"))
        self.assertIsInstance(body["exp"], int)
        self.assertEqual(self.issuer.post("/introspect", {"token": token + "x"}),
                         (200, {"active": False}))

    def test_imaplib_logs_in_with_both_mechanisms(self):
        port = self.server.ports["imap"]
        for mechanism in ("OAUTHBEARER", "XOAUTH2"):
            token = self.issuer.access_token("alice")
            imap = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
            self.assertIn("AUTH=OAUTHBEARER", imap.capabilities)
            self.assertIn("AUTH=XOAUTH2", imap.capabilities)
            response = (oauthbearer("alice", token, port) if mechanism == "OAUTHBEARER"
                        else xoauth2("alice", token))
            typ, _ = imap.authenticate(mechanism, lambda _challenge: response.encode())
            self.assertEqual(typ, "OK")
            self.assertEqual(imap.select("INBOX")[0], "OK")
            imap.logout()

    def test_imap_bad_token_gets_the_failure_challenge_then_no(self):
        port = self.server.ports["imap"]
        challenges = []

        def answer(challenge):
            challenges.append(challenge)
            return (oauthbearer("alice", "mft-at.bogus", port) if len(challenges) == 1
                    else "\x01").encode()

        imap = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
        with self.assertRaisesRegex(imaplib.IMAP4.error, "AUTHENTICATIONFAILED"):
            imap.authenticate("OAUTHBEARER", answer)
        self.assertEqual(json.loads(challenges[-1]), FAILURE_JSON)
        imap.logout()

    def test_imap_oauthbearer_without_the_user_is_bad(self):
        # Like Dovecot: the GS2 header must name the user ("a=USER").
        with socket.create_connection(("127.0.0.1", self.server.ports["imap"]),
                                      timeout=TIMEOUT) as s:
            f = s.makefile("rb")
            f.readline()
            token = self.issuer.access_token("alice")
            s.sendall(b"a AUTHENTICATE OAUTHBEARER " +
                      b64("n,,\x01auth=Bearer %s\x01\x01" % token).encode() + b"\r\n")
            self.assertEqual(f.readline(),
                             b"a BAD OAUTHBEARER needs the user in the GS2 header (a=USER)\r\n")
            f.close()

    def test_pop3_auth_with_and_without_initial_response(self):
        port = self.server.ports["pop3"]
        pop = Pop3Line(port)
        capa = [pop.send("CAPA")]
        while capa[-1] != ".":
            capa.append(pop.read())
        self.assertIn("SASL PLAIN OAUTHBEARER XOAUTH2", capa)
        self.assertTrue(pop.send("AUTH XOAUTH2 " + b64(xoauth2("alice", self.issuer.access_token(
            "alice")))).startswith("+OK"))
        pop.send("QUIT")
        pop.close()

        pop = Pop3Line(port)
        self.assertEqual(pop.send("AUTH OAUTHBEARER"), "+ ")
        reply = pop.send(b64(oauthbearer("alice", self.issuer.access_token("alice"), port)))
        self.assertTrue(reply.startswith("+OK"), reply)
        pop.send("QUIT")
        pop.close()

    def test_pop3_bad_token_gets_the_failure_challenge_then_err(self):
        port = self.server.ports["pop3"]
        pop = Pop3Line(port)
        challenge = pop.send("AUTH OAUTHBEARER " + b64(oauthbearer("alice", "mft-at.x", port)))
        self.assertTrue(challenge.startswith("+ "), challenge)
        self.assertEqual(json.loads(base64.b64decode(challenge[2:])), FAILURE_JSON)
        self.assertEqual(pop.send("AQ=="), "-ERR [AUTH] Invalid token")
        pop.send("QUIT")
        pop.close()


class TestserverOAuth2Options(unittest.TestCase):
    def test_zero_lifetime_tokens_are_expired_at_once(self):
        server = start_testserver(["--imap", "127.0.0.1:0", "--oauth2-user", "dave",
                                   "--oauth2-issuer", "127.0.0.1:0",
                                   "--oauth2-token-lifetime", "0"])
        try:
            issuer = Issuer(server)
            token = issuer.access_token("dave")
            self.assertEqual(issuer.post("/introspect", {"token": token}),
                             (200, {"active": False}))
        finally:
            server.stop()

    def test_issuer_without_an_oauth2_user_is_a_usage_error(self):
        r = subprocess.run([MAILFERRY, "testserver", "--imap", "127.0.0.1:0",
                            "--oauth2-issuer", "127.0.0.1:0"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--oauth2-issuer needs at least one --oauth2-user", r.stderr)

    def test_a_bad_issuer_address_is_a_usage_error_naming_the_option(self):
        r = subprocess.run([MAILFERRY, "testserver", "--imap", "127.0.0.1:0", "--oauth2-user",
                            "erin", "--oauth2-issuer", "localhost"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--oauth2-issuer: listen address 'localhost' needs the form ADDR:PORT",
                      r.stderr)


if __name__ == "__main__":
    unittest.main()
