"""The Python Dovecot fixture (tests/support/dovecot.py) gives a working,
private server: plain, STARTTLS and implicit-TLS IMAP logins, POP3 with STLS,
special-use folders with the configured hierarchy separator."""

import imaplib
import os
import poplib
import shutil
import socket
import ssl
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import dovecot  # noqa: E402

SPECIAL_USE = {"Sent": r"\Sent", "Drafts": r"\Drafts", "Trash": r"\Trash",
               "Junk": r"\Junk", "Archive": r"\Archive"}


def list_entries(imap):
    """LIST "" "*" as {name: (flags, separator)}."""
    status, lines = imap.list()
    assert status == "OK", lines
    entries = {}
    for raw in lines:
        text = raw.decode()
        flags, rest = text[1:].split(") ", 1)
        separator, name = rest.split(" ", 1)
        entries[name.strip('"')] = (flags.split(), separator.strip('"'))
    return entries


class DovecotFixtureTest(unittest.TestCase):
    def start(self, **kwargs):
        directory = tempfile.mkdtemp(prefix="mailferry-dovecot-")
        self.addCleanup(shutil.rmtree, directory, True)
        instance = dovecot.start_dovecot(directory, users={"alice": "pw", "bob": "s3cret"},
                                         **kwargs)
        self.addCleanup(instance.stop)
        return instance

    def tls_context(self, instance):
        context = ssl.create_default_context(cafile=instance.ca_file)
        return context

    def assert_special_use(self, imap, separator):
        entries = list_entries(imap)
        for name, use in SPECIAL_USE.items():
            self.assertIn(name, entries)
            flags, sep = entries[name]
            self.assertIn(use, flags)
            self.assertEqual(sep, separator)

    def test_plain_login_lists_special_use_with_slash_separator(self):
        instance = self.start(separator="/")
        imap = imaplib.IMAP4("127.0.0.1", instance.ports["imap"])
        imap.login("alice", "pw")
        self.assert_special_use(imap, "/")
        self.assertEqual(imap.create("Projects/2024")[0], "OK")
        entries = list_entries(imap)
        self.assertIn("Projects/2024", entries)
        self.assertEqual(entries["Projects/2024"][1], "/")
        imap.logout()

    def test_plain_login_lists_special_use_with_dot_separator(self):
        instance = self.start(separator=".")
        imap = imaplib.IMAP4("127.0.0.1", instance.ports["imap"])
        imap.login("bob", "s3cret")
        self.assert_special_use(imap, ".")
        self.assertEqual(imap.create("Projects.2024")[0], "OK")
        self.assertIn("Projects.2024", list_entries(imap))
        imap.logout()

    def test_wrong_password_is_rejected(self):
        instance = self.start(tls=False, pop3=False)
        imap = imaplib.IMAP4("127.0.0.1", instance.ports["imap"])
        with self.assertRaises(imaplib.IMAP4.error):
            imap.login("alice", "wrong")
        imap.logout()

    def test_starttls_verifies_with_the_ca_file(self):
        instance = self.start()
        imap = imaplib.IMAP4("127.0.0.1", instance.ports["imap"])
        self.assertIn("STARTTLS", imap.capabilities)
        imap.starttls(ssl_context=self.tls_context(instance))
        imap.login("alice", "pw")
        self.assertEqual(imap.select("INBOX")[0], "OK")
        imap.logout()

    def test_starttls_without_the_ca_file_fails_verification(self):
        instance = self.start(pop3=False)
        imap = imaplib.IMAP4("127.0.0.1", instance.ports["imap"])
        with self.assertRaises(ssl.SSLCertVerificationError):
            imap.starttls(ssl_context=ssl.create_default_context())

    def test_imaps_login_by_name_and_by_address(self):
        instance = self.start()
        for host in ("127.0.0.1", "localhost"):
            imap = imaplib.IMAP4_SSL(host, instance.ports["imaps"],
                                     ssl_context=self.tls_context(instance))
            imap.login("alice", "pw")
            self.assertEqual(imap.select("INBOX")[0], "OK")
            imap.logout()

    def test_compress_deflate_is_offered_after_login(self):
        instance = self.start(tls=False, pop3=False)
        imap = imaplib.IMAP4("127.0.0.1", instance.ports["imap"])
        imap.login("alice", "pw")
        status, data = imap.capability()
        self.assertEqual(status, "OK")
        self.assertIn(b"COMPRESS=DEFLATE", data[0].split())
        imap.logout()

    def test_pop3_stls_login(self):
        instance = self.start()
        pop = poplib.POP3("127.0.0.1", instance.ports["pop3"])
        self.assertTrue(pop.getwelcome().startswith(b"+OK"))
        self.assertIn("STLS", pop.capa())
        pop.stls(context=self.tls_context(instance))
        pop.user("alice")
        pop.pass_("pw")
        self.assertEqual(pop.stat(), (0, 0))
        pop.quit()

    def test_pop3s_login(self):
        instance = self.start()
        pop = poplib.POP3_SSL("127.0.0.1", instance.ports["pop3s"],
                              context=self.tls_context(instance))
        pop.user("bob")
        pop.pass_("s3cret")
        self.assertEqual(pop.stat(), (0, 0))
        pop.quit()

    def test_without_tls_and_pop3_those_listeners_are_off(self):
        instance = self.start(tls=False, pop3=False)
        self.assertEqual(instance.ports["imaps"], 0)
        self.assertEqual(instance.ports["pop3"], 0)
        self.assertEqual(instance.ports["pop3s"], 0)
        self.assertEqual(instance.ca_file, "")
        imap = imaplib.IMAP4("127.0.0.1", instance.ports["imap"])
        self.assertNotIn("STARTTLS", imap.capabilities)
        imap.logout()

    def test_stop_ends_the_server(self):
        instance = self.start(tls=False, pop3=False)
        port = instance.ports["imap"]
        process = instance.process
        instance.stop()
        self.assertIsNotNone(process.poll())
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()

    def test_lost_port_race_restarts_on_new_ports(self):
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        self.addCleanup(taken.close)
        real_pick_ports = dovecot.pick_ports
        picks = []

        def first_pick_collides(count):
            ports = real_pick_ports(count)
            if not picks:
                ports[0] = taken.getsockname()[1]
            picks.append(ports)
            return ports

        with mock.patch.object(dovecot, "pick_ports", side_effect=first_pick_collides):
            instance = self.start(tls=False, pop3=False)
        self.assertEqual(len(picks), 2)
        self.assertNotEqual(instance.ports["imap"], taken.getsockname()[1])
        imap = imaplib.IMAP4("127.0.0.1", instance.ports["imap"])
        imap.login("alice", "pw")
        imap.logout()

    def test_missing_dovecot_is_an_error_with_the_install_hint(self):
        with mock.patch.object(dovecot.shutil, "which", return_value=None), \
                mock.patch.object(dovecot.os.path, "exists", return_value=False):
            with self.assertRaises(dovecot.DovecotError) as caught:
                dovecot.start_dovecot(tempfile.gettempdir())
        self.assertIn("apt-get install dovecot-core dovecot-imapd dovecot-pop3d",
                      str(caught.exception))


if __name__ == "__main__":
    unittest.main()
