"""The fault matrix: every way a migration can be interrupted, each followed
by a re-run, and the accounts compared without mailferry's own code.

One table (ROWS) lists the phases of a run; each phase meets each fault
(ACTIONS): a dropped connection, a BYE, a NO, a server that stalls past
--timeout, and SIGKILL of mailferry at that very moment. The cells are every
phase x fault x source protocol (IMAP, POP3) x with and without
--delete-source (a phase that cannot happen in a mode, such as flag updates
from POP3, is left out by the table, not by hand). Faults are injected by the
test server (`--faults at=VERB:N:ACTION`); the kill is timed by the server's
"fault fired" log line, while mailferry waits on the stalled command.

Every cell ends with the target holding exactly what the source held (bytes,
flags, keywords, INTERNALDATE, read back with imaplib/poplib), no duplicate
and nothing missing; with --delete-source, right after the faulted run
nothing is gone from the source that is not on the target. The matrix is
printed at the end.

Run one mode: fault_matrix_test.py -v Matrix.test_imap_to_imap (the ctest
tests fault.matrix_* do one mode each, so they spread over CI's cores).
Matrix.test_sample_* (ctest integration.fault_sample_*) run one cell of
every phase of each mode: what the sanitized build runs in CI.
"""

import collections
import json
import os
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
from mailbox_snapshot import connect, imap_snapshot, pop3_messages  # noqa: E402

RUN_TIMEOUT = 90  # one mailferry run, faulted or not
STALL_TIMEOUT = "2"  # mailferry --timeout for every run: a stall costs seconds
FIRE_TIMEOUT = 60  # how long a kill cell waits for its fault to fire

# How each fault shows, by when it strikes: instead of the command (the
# server never carries it out), half-way through its answer (inside the
# literal of a FETCH or RETR), after carrying it out but before answering
# (an APPEND stored, a QUIT's deletions done), and after answering (the
# client has its OK; only a kill makes sense there). "kill" stalls the
# server at that point and kills mailferry when the server says it fired.
ACTIONS = ("drop", "bye", "no", "stall", "kill")
INSTEAD = {"drop": "drop", "bye": "bye", "no": "no", "stall": "stall", "kill": "stall"}
MID = {"drop": "drop-mid", "bye": "bye", "no": "no", "stall": "stall-mid", "kill": "stall-mid"}
AFTER = {"drop": "drop-after", "bye": "bye-after", "no": "no", "stall": "stall-after",
         "kill": "stall-after"}
ANSWERED = {"kill": "stall-answered"}

Row = collections.namedtuple("Row", "phase side verb nth faults modes setup")
IMAP, POP3 = "imap", "pop3"
ANY = {(IMAP, False), (IMAP, True), (POP3, False), (POP3, True)}
DELETING = {(IMAP, True), (POP3, True)}

# The phases. `verb` and `nth` are by source protocol where they differ,
# counted on a clean run of the demo accounts: alice's 44 messages in 8
# folders are listed (EXAMINE + FETCH each), then each folder's bodies are
# fetched (FETCH 9 is the first) and appended in one MULTIAPPEND per folder;
# bob's 12 POP3 messages are read by TOP, RETR and appended in one APPEND.
# Every cell checks that its fault fired. `setup` "synced" first migrates
# cleanly and then changes the source's flags, so the faulted run has flag
# updates to make.
ROWS = (
    Row("login", "source", {IMAP: "AUTHENTICATE", POP3: "AUTH"}, 1, INSTEAD, ANY, None),
    Row("login", "target", "AUTHENTICATE", 1, INSTEAD, ANY, None),
    Row("listing", "source", {IMAP: "LIST", POP3: "UIDL"}, 1, INSTEAD, ANY, None),
    Row("listing", "target", "LIST", 1, INSTEAD, ANY, None),
    Row("mid-FETCH/RETR literal", "source", {IMAP: "FETCH", POP3: "RETR"}, {IMAP: 9, POP3: 2},
        MID, ANY, None),
    Row("APPEND before its OK", "target", "APPEND", {IMAP: 3, POP3: 1}, AFTER, ANY, None),
    Row("after the OK, before the state commit", "target", "APPEND", {IMAP: 3, POP3: 1},
        ANSWERED, ANY, None),
    Row("flag updates", "target", "STORE", 1, INSTEAD, {(IMAP, False)}, "synced"),
    Row("marking \\Deleted", "source", "STORE", 1, INSTEAD, {(IMAP, True)}, None),
    Row("EXPUNGE / DELE", "source", {IMAP: "EXPUNGE", POP3: "DELE"}, {IMAP: 1, POP3: 2}, INSTEAD,
        DELETING, None),
    Row("POP3 UPDATE (QUIT)", "source", "QUIT", 1, AFTER, {(POP3, True)}, None),
)

ACCOUNTS = {
    IMAP: ("alice", "alice-pw", "carol", "carol-pw"),
    POP3: ("bob", "bob-pw", "carol", "carol-pw"),
}


def by_protocol(value, protocol):
    return value[protocol] if isinstance(value, dict) else value


def cells(protocol, deleting):
    """(row, action) of every cell of one mode, in table order."""
    for row in ROWS:
        if (protocol, deleting) not in row.modes:
            continue
        for action in ACTIONS:
            if action in row.faults:
                yield row, action


def sampled_cells(protocol, deleting):
    """One cell of each phase of one mode: every phase meets one fault, a
    different one in each mode, so the four modes together bring every fault
    to most phases. What the sanitized build runs (Matrix.test_sample_*)."""
    mode = sorted(ANY).index((protocol, deleting))
    for i, row in enumerate(ROWS):
        if (protocol, deleting) not in row.modes:
            continue
        actions = [action for action in ACTIONS if action in row.faults]
        yield row, actions[(i + mode) % len(actions)]


class ServerLog:
    """Reads a test server's stderr; `fired` is set on "fault fired"."""

    def __init__(self, server):
        self.lines = []
        self.fired = threading.Event()
        threading.Thread(target=self._read, args=(server.process.stderr,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            if "fault fired" in line:
                self.fired.set()


class Matrix(unittest.TestCase):
    results = []  # (mode, phase, side, action, faulted exit, re-run exit)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-faults-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.servers = []
        self.ports = {}  # data directory: (IMAP port, POP3 port)
        self.addCleanup(self.stop_servers)

    def stop_servers(self):
        for server in self.servers:
            server.stop()
        self.servers = []

    # ---- one cell ----

    def start_server(self, data, faults=None):
        # The same ports on every restart: the state knows an account by its
        # URL, so a re-run must find the same one.
        first_start = data not in self.ports
        for attempt in range(3):
            ports = self.ports.setdefault(data, (free_port(), free_port()))
            args = ["--seed-demo", "--data", data, "--imap", "127.0.0.1:%d" % ports[0],
                    "--pop3", "127.0.0.1:%d" % ports[1]]
            if faults:
                args += ["--faults", faults]
            try:
                server = start_testserver(args)
                break
            except RuntimeError:
                # A free port taken by another test in the meantime: only
                # before the state knows the account may it change.
                if not first_start or attempt == 2:
                    raise
                del self.ports[data]
        self.servers.append(server)
        return server, ServerLog(server)

    def migrate(self, protocol, deleting, source, target, state):
        user, _, target_user, _ = ACCOUNTS[protocol]
        port = source.ports[protocol]
        cmd = [MAILFERRY, "migrate", "%s://%s@127.0.0.1:%d" % (protocol, user, port),
               "imap://%s@127.0.0.1:%d" % (target_user, target.ports["imap"]),
               "--state", state, "--timeout", STALL_TIMEOUT]
        if deleting:
            # Every message goes: no --max-deletions limit.
            cmd += ["--delete-source", "--max-deletions", "100%"]
        return cmd

    def env(self, protocol):
        _, source_pw, _, target_pw = ACCOUNTS[protocol]
        env = dict(os.environ, HOME=self.dir, MAILFERRY_SOURCE_PASSWORD=source_pw,
                   MAILFERRY_TARGET_PASSWORD=target_pw)
        env.pop("XDG_STATE_HOME", None)
        return env

    def snapshot(self, protocol, server, role):
        user, source_pw, target_user, target_pw = ACCOUNTS[protocol]
        if role == "target":
            return imap_snapshot("127.0.0.1", server.ports["imap"], target_user, target_pw)
        if protocol == POP3:
            # POP3 knows neither flags nor dates: the maildrop's bytes are all.
            return {"INBOX": pop3_messages("127.0.0.1", server.ports["pop3"], user, source_pw)}
        return imap_snapshot("127.0.0.1", server.ports["imap"], user, source_pw)

    def change_source_flags(self, protocol, server):
        """Flags changed on the source after a sync: flag updates to make."""
        user, password, _, _ = ACCOUNTS[protocol]
        imap = connect("127.0.0.1", server.ports["imap"], user, password)
        try:
            status, _ = imap.select("INBOX")
            self.assertEqual(status, "OK")
            imap.store("1:*", "+FLAGS", "(\\Flagged $Matrix)")
            imap.store("1", "-FLAGS", "(\\Seen)")
        finally:
            imap.logout()

    def run_faulted(self, cmd, env, log, action):
        """The faulted run; its exit status (-9 for a kill)."""
        if action != "kill":
            return subprocess.run(cmd, env=env, capture_output=True, text=True,
                                  timeout=RUN_TIMEOUT)
        process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        fired = log.fired.wait(FIRE_TIMEOUT)
        process.kill()
        _, err = process.communicate(timeout=RUN_TIMEOUT)
        self.assertTrue(fired, "the fault never fired; mailferry said: " + err[-2000:])
        return subprocess.CompletedProcess(cmd, process.returncode, "", err)

    def run_cell(self, protocol, deleting, row, action):
        verb = by_protocol(row.verb, protocol)
        nth = by_protocol(row.nth, protocol)
        spec = "at=%s:%d:%s" % (verb, nth, row.faults[action])
        source_data = os.path.join(self.dir, "source")
        target_data = os.path.join(self.dir, "target")
        state = os.path.join(self.dir, "state.db")
        env = self.env(protocol)
        faulted_side = row.side

        source, source_log = self.start_server(source_data)
        target, target_log = self.start_server(target_data)
        if row.setup == "synced":
            clean = subprocess.run(self.migrate(protocol, deleting, source, target, state),
                                   env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
            self.assertEqual(clean.returncode, 0, clean.stderr)
            self.change_source_flags(protocol, source)
        original = self.snapshot(protocol, source, "source")
        self.assertTrue(any(original.values()), "the source has mail to move")
        # Restart the faulted side with its fault, on the same store.
        if faulted_side == "source":
            source.stop()
            source, log = self.start_server(source_data, spec)
            faulty = source
        else:
            target.stop()
            target, log = self.start_server(target_data, spec)
            faulty = target

        cmd = self.migrate(protocol, deleting, source, target, state)
        faulted = self.run_faulted(cmd, env, log, action)
        self.assertTrue(log.fired.is_set(), "fault %s did not fire: %s" % (spec, faulted.stderr))
        allowed = {-signal.SIGKILL} if action == "kill" else {0, 1, 3, 4}
        self.assertIn(faulted.returncode, allowed, faulted.stderr)
        self.assertIsNone(faulty.process.poll(), "the test server died: %s" % log.lines)
        if deleting:
            self.assert_nothing_lost(protocol, original, source, target)

        # The re-run, against servers without faults.
        self.stop_servers()
        source, _ = self.start_server(source_data)
        target, _ = self.start_server(target_data)
        again = subprocess.run(self.migrate(protocol, deleting, source, target, state), env=env,
                               capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assert_one_account_pair(state)
        self.assert_target_holds(protocol, original, target)
        if deleting:
            self.assertEqual(self.message_count(self.snapshot(protocol, source, "source")), 0,
                             "--delete-source left messages on the source: " + again.stdout + again.stderr)
        else:
            self.assertEqual(self.snapshot(protocol, source, "source"), original,
                             "the source changed without --delete-source")
        return faulted.returncode, again.returncode

    # ---- the end conditions, read back with imaplib/poplib ----

    @staticmethod
    def message_count(snapshot):
        return sum(len(messages) for messages in snapshot.values())

    @staticmethod
    def bodies(messages):
        """The octets of each message (POP3 snapshots hold octets only)."""
        return sorted(m if isinstance(m, bytes) else m[0] for m in messages)

    def assert_target_holds(self, protocol, original, target_server):
        target = self.snapshot(protocol, target_server, "target")
        for folder, messages in original.items():
            got = target.get(folder, [])
            if protocol == POP3:
                self.assertEqual(self.bodies(got), self.bodies(messages), folder)
            else:
                self.assertEqual(got, messages, folder)
        for folder in set(target) - set(original):
            self.assertEqual(target[folder], [], "unexpected messages in " + folder)

    def assert_one_account_pair(self, state):
        """The re-run resumed the faulted run's pair (not a new one)."""
        status = subprocess.run([MAILFERRY, "status", "--state", state, "--json"],
                                capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertEqual(len(json.loads(status.stdout)["pairs"]), 1, status.stdout)

    def assert_nothing_lost(self, protocol, original, source_server, target_server):
        """Whatever left the source is on the target, right after the fault."""
        source = self.snapshot(protocol, source_server, "source")
        target = self.snapshot(protocol, target_server, "target")
        for folder, messages in original.items():
            gone = collections.Counter(self.bodies(messages))
            gone.subtract(collections.Counter(self.bodies(source.get(folder, []))))
            on_target = collections.Counter(self.bodies(target.get(folder, [])))
            for body, count in gone.items():
                if count > 0:
                    self.assertGreaterEqual(on_target[body], count,
                                            "deleted from %s but not on the target" % folder)

    # ---- the modes ----

    def run_mode(self, protocol, deleting, chosen=cells):
        mode = "%s -> imap%s" % (protocol, ", --delete-source" if deleting else "")
        for row, action in chosen(protocol, deleting):
            with self.subTest(mode=mode, phase=row.phase, side=row.side, action=action):
                started = time.monotonic()
                try:
                    outcome = self.run_cell(protocol, deleting, row, action)
                finally:
                    self.stop_servers()
                    self.ports = {}
                    shutil.rmtree(self.dir, True)
                    os.makedirs(self.dir)
                Matrix.results.append((mode, row.phase, row.side, action, outcome[0],
                                       outcome[1], time.monotonic() - started))

    def test_imap_to_imap(self):
        self.run_mode(IMAP, False)

    def test_imap_to_imap_deleting(self):
        self.run_mode(IMAP, True)

    def test_pop3_to_imap(self):
        self.run_mode(POP3, False)

    def test_pop3_to_imap_deleting(self):
        self.run_mode(POP3, True)

    # Under ASan+UBSan the whole matrix takes longer than CI allows: one cell
    # of every phase of every mode (sampled_cells) is what the sanitized
    # build runs; the unsanitized one runs every cell.
    def test_sample_imap_to_imap(self):
        self.run_mode(IMAP, False, sampled_cells)

    def test_sample_imap_to_imap_deleting(self):
        self.run_mode(IMAP, True, sampled_cells)

    def test_sample_pop3_to_imap(self):
        self.run_mode(POP3, False, sampled_cells)

    def test_sample_pop3_to_imap_deleting(self):
        self.run_mode(POP3, True, sampled_cells)


class DaemonUnderRandomFaults(unittest.TestCase):
    """The daemon keeps 20 account pairs in step while both servers throw
    random faults (drops, BYEs, NOs, answers cut off) at its commands for a
    bounded time; half the jobs move mail (--delete-source). Then one clean
    `sync` cycle ends every pair exact: nothing lost, nothing twice."""

    ACCOUNTS = 20
    FAULT_TIME = 25  # seconds of random faults
    PERMILLE = 30  # each command meets a fault with a chance of 3%

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailferry-daemon-faults-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.ports = {"source": free_port(), "target": free_port()}
        self.servers = {}
        self.addCleanup(self.stop_servers)

    def stop_servers(self):
        for server in self.servers.values():
            server.stop()
        self.servers = {}

    def start_server(self, side, faults=None):
        args = ["--data", os.path.join(self.dir, side),
                "--imap", "127.0.0.1:%d" % self.ports[side]]
        prefix = "src" if side == "source" else "dst"
        for n in range(self.ACCOUNTS):
            args += ["--user", "%s%02d:pw-%s%02d" % (prefix, n, prefix, n)]
        if faults:
            args += ["--faults", faults]
        server = start_testserver(args)
        self.servers[side] = server
        return server

    def seed(self, server):
        for n in range(self.ACCOUNTS):
            imap = connect("127.0.0.1", server.ports["imap"], "src%02d" % n, "pw-src%02d" % n)
            try:
                imap.create("Work")
                for i in range(8):
                    folder = "INBOX" if i % 2 == 0 else "Work"
                    flags = "(\\Seen $Label%d)" % (i % 3) if i % 3 else None
                    body = ("From: a@example.org\r\nTo: src%02d@example.org\r\n"
                            "Subject: message %d of account %d\r\n"
                            "Message-ID: <m%d.a%d@example.org>\r\n"
                            "Date: Mon, 02 Nov 2026 10:%02d:00 +0000\r\n\r\n%s\r\n"
                            % (n, i, n, i, n, i, "body line\r\n" * (i * 40)))
                    status, _ = imap.append(folder, flags, None, body.encode())
                    self.assertEqual(status, "OK")
            finally:
                imap.logout()

    def write_config(self, state):
        path = os.path.join(self.dir, "config.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write('state = "%s"\nmax_connections = 8\n' % state)
            for n in range(self.ACCOUNTS):
                f.write('[[job]]\nname = "pair%02d"\ninterval = "1s"\n'
                        'source = "imap://src%02d@127.0.0.1:%d"\n'
                        'source_password_env = "PW_SRC%02d"\n'
                        'target = "imap://dst%02d@127.0.0.1:%d"\n'
                        'target_password_env = "PW_DST%02d"\n'
                        % (n, n, self.ports["source"], n, n, self.ports["target"], n))
                if n % 2:
                    f.write('delete_source = true\nmax_deletions = "100%"\n')
        return path

    def env(self):
        env = dict(os.environ, HOME=self.dir)
        env.pop("XDG_STATE_HOME", None)
        for n in range(self.ACCOUNTS):
            env["PW_SRC%02d" % n] = "pw-src%02d" % n
            env["PW_DST%02d" % n] = "pw-dst%02d" % n
        return env

    def snapshot(self, side, n):
        prefix = "src" if side == "source" else "dst"
        return imap_snapshot("127.0.0.1", self.ports[side], "%s%02d" % (prefix, n),
                             "pw-%s%02d" % (prefix, n))

    def test_twenty_pairs_end_exact_after_random_faults(self):
        self.seed(self.start_server("source"))
        self.start_server("target")
        originals = [self.snapshot("source", n) for n in range(self.ACCOUNTS)]
        self.stop_servers()
        source = self.start_server("source", "random=11:%d" % self.PERMILLE)
        target = self.start_server("target", "random=12:%d" % self.PERMILLE)
        logs = [ServerLog(source), ServerLog(target)]
        state = os.path.join(self.dir, "state.db")
        config = self.write_config(state)

        daemon = subprocess.Popen([MAILFERRY, "daemon", "--config", config], env=self.env(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        daemon_log = []
        threading.Thread(target=lambda: daemon_log.extend(daemon.stderr), daemon=True).start()
        time.sleep(self.FAULT_TIME)  # the faults' duration, not a synchronisation
        self.assertIsNone(daemon.poll(), "the daemon died: %s" % "".join(daemon_log[-20:]))
        daemon.send_signal(signal.SIGTERM)
        self.assertIn(daemon.wait(RUN_TIMEOUT), (0, 4), "".join(daemon_log[-20:]))
        fired = sum(1 for log in logs for line in log.lines if "fault fired" in line)
        self.assertGreater(fired, 10, "too few faults to prove anything")
        for side in ("source", "target"):
            self.assertIsNone(self.servers[side].process.poll(), side + " server died")

        # Right after the faults (read from the same stores, without them):
        # what left a source is on its target.
        self.stop_servers()
        self.start_server("source")
        self.start_server("target")
        copied = sum(len(m) for n in range(self.ACCOUNTS)
                     for m in self.snapshot("target", n).values())
        self.assertGreater(copied, 0, "the daemon copied nothing under the faults")
        for n in range(1, self.ACCOUNTS, 2):
            source_now, target_now = self.snapshot("source", n), self.snapshot("target", n)
            for folder, messages in originals[n].items():
                for message in messages:
                    if message not in source_now.get(folder, []):
                        self.assertIn(message[0], [m[0] for m in target_now.get(folder, [])],
                                      "pair%02d: deleted from %s but not on the target"
                                      % (n, folder))

        clean = subprocess.run([MAILFERRY, "sync", "--config", config], env=self.env(),
                               capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(clean.returncode, 0, clean.stdout + clean.stderr)
        for n in range(self.ACCOUNTS):
            with self.subTest(pair=n):
                target_now = self.snapshot("target", n)
                for folder, messages in originals[n].items():
                    self.assertEqual(target_now.get(folder, []), messages, folder)
                source_now = self.snapshot("source", n)
                if n % 2:
                    self.assertEqual(sum(len(m) for m in source_now.values()), 0)
                else:
                    self.assertEqual(source_now, originals[n])
        print("\ndaemon under random faults: %d faults fired in %d s over %d pairs, %d of %d "
              "messages copied meanwhile; one clean cycle then found every pair exact"
              % (fired, self.FAULT_TIME, self.ACCOUNTS, copied,
                 sum(len(m) for o in originals for m in o.values())))


def print_matrix():
    if not Matrix.results:
        return
    print("\nfault matrix (exit status of the faulted run -> the re-run; every cell verified)")
    print("%-28s %-34s %-7s %-6s %s" % ("mode", "phase", "side", "fault", "exits"))
    for mode, phase, side, action, faulted, again, seconds in Matrix.results:
        print("%-28s %-34s %-7s %-6s %3d -> %d  (%.1f s)" % (mode, phase, side, action, faulted,
                                                             again, seconds))


if __name__ == "__main__":
    try:
        unittest.main()
    finally:
        print_matrix()
