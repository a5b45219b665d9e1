"""Starts `mailferry testserver` for integration tests.

    server = start_testserver(["--seed-demo", "--imap", "127.0.0.1:0"])
    server.ports["imap"]   # the bound port, read from "imap listening on ..."
    server.stop()          # SIGTERM, then SIGKILL after a bounded wait

Listeners are requested on port 0 and their ports read from the server's
stdout, so tests never collide. The binary is $MAILFERRY (set by ctest).
"""

import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

MAILFERRY = os.environ.get("MAILFERRY", "build/bin/mailferry")
_LISTENING = re.compile(r"^(imap|imaps|pop3|pop3s) listening on (.+):(\d+)$")


class TestServer:
    def __init__(self, process, ports, output_lines, cert_file):
        self.process = process
        self.ports = ports
        self.output = output_lines
        self.cert_file = cert_file  # PEM of the self-signed certificate, or None

    @property
    def pid(self):
        return self.process.pid

    def stop(self, timeout=10):
        """Stops the server with SIGTERM and returns its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode

    def kill(self):
        """SIGKILL, as a crash would."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_testserver(args, timeout=15, tls_self_signed=False):
    """Runs `mailferry testserver ARGS` and waits (bounded) for "ready".

    With tls_self_signed, adds --tls-self-signed and --tls-cert-out so the
    certificate can be trusted by clients (server.cert_file).
    """
    args = list(args)
    cert_file = None
    if tls_self_signed:
        fd, cert_file = tempfile.mkstemp(prefix="mailferry-cert-", suffix=".pem")
        os.close(fd)
        args += ["--tls-self-signed", "--tls-cert-out", cert_file]
    process = subprocess.Popen(
        [MAILFERRY, "testserver", "-q", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ports, lines = {}, []
    ready = threading.Event()

    def read_stdout():
        for line in process.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            m = _LISTENING.match(line)
            if m and m.group(1) not in ports:
                ports[m.group(1)] = int(m.group(3))
            if line.startswith("ready"):
                ready.set()
        ready.set()  # EOF: the process ended

    threading.Thread(target=read_stdout, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("mailferry testserver did not get ready within %ss" % timeout)
    if process.poll() is not None and not any(l.startswith("ready") for l in lines):
        err = process.stderr.read()
        raise RuntimeError("mailferry testserver exited %s: %s" % (process.returncode, err))
    return TestServer(process, ports, lines, cert_file)
