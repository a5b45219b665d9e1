"""A private Dovecot for interop tests, started and stopped by the test.

Python tests call start_dovecot(); the C++ fixture (dovecot_fixture.cpp)
runs this file as `python3 dovecot.py prepare ...`, which writes the same
directory layout, certificate and dovecot.conf and prints what it made as
key=value lines, then starts Dovecot itself. This file is the only place
that knows the configuration.

Each instance lives in the given directory: base_dir, state_dir, logs, the
users' homes, a passwd-file and a fresh self-signed certificate (SAN
localhost, 127.0.0.1, ::1) whose PEM is also the CA file clients trust. Ports
are free loopback ports (bind port 0, read it, close); if Dovecot loses the
race for one, it is restarted on new ports.

Works as root (mail processes run as nobody/nogroup, so the directory is
made traversable: mode 0755) and as a normal user (Dovecot runs rootless as
that user). A missing Dovecot is an error with the install hint, never a
skip.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

INSTALL_HINT = ("dovecot is not installed; install it with "
                "`apt-get install dovecot-core dovecot-imapd dovecot-pop3d` "
                "(see contrib/setup.sh)")
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
START_ATTEMPTS = 3
SPECIAL_USE = [("Sent", r"\Sent"), ("Drafts", r"\Drafts"), ("Trash", r"\Trash"),
               ("Junk", r"\Junk"), ("Archive", r"\Archive")]
IMAP_ZLIB_MODULE = "/usr/lib/dovecot/modules/lib30_imap_zlib_plugin.so"
DH_PARAMS = "/usr/share/dovecot/dh.pem"


class DovecotError(RuntimeError):
    """Dovecot is missing or did not start; the message says why."""


def find_dovecot():
    path = shutil.which("dovecot") or ("/usr/sbin/dovecot"
                                       if os.path.exists("/usr/sbin/dovecot") else None)
    if path is None:
        raise DovecotError(INSTALL_HINT)
    return path


def pick_ports(count):
    """`count` distinct free loopback ports: all bound at once, then closed."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _accounts():
    """(mail uid, mail gid, internal user, login user, internal group).

    Rootless Dovecot cannot change users or groups, so every service runs as
    this user and its sockets belong to this user's group."""
    if os.geteuid() == 0:
        import grp
        import pwd
        nobody = pwd.getpwnam("nobody")
        try:
            gid = grp.getgrnam("nogroup").gr_gid
        except KeyError:
            gid = nobody.pw_gid
        return nobody.pw_uid, gid, "dovecot", "dovenull", "dovecot"
    import grp
    import pwd
    name = pwd.getpwuid(os.getuid()).pw_name
    return os.getuid(), os.getgid(), name, name, grp.getgrgid(os.getgid()).gr_name


def _make_certificate(tls_dir):
    cert = os.path.join(tls_dir, "cert.pem")
    key = os.path.join(tls_dir, "key.pem")
    result = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if result.returncode != 0:
        raise DovecotError("openssl req -x509 failed: " + result.stdout)
    return cert, key


def _config_text(d, ports, accounts, separator, tls, pop3, quota_kib, oauth2_url=None):
    uid, gid, internal_user, login_user, internal_group = accounts
    layout = "" if separator == "." else ":LAYOUT=fs"
    mailboxes = "".join(
        "  mailbox %s {\n    special_use = %s\n    auto = subscribe\n  }\n" % (name, use)
        for name, use in SPECIAL_USE)
    # Rootless Dovecot cannot chroot its login and anvil processes.
    no_chroot = [] if os.geteuid() == 0 else ["  chroot ="]
    lines = [
        "# Written by tests/support/dovecot.py for one test; not a system config.",
        "instance_name = mailferry-test-%s" % os.path.basename(d),
        "base_dir = %s/run" % d,
        "state_dir = %s/state" % d,
        "log_path = %s/log/dovecot.log" % d,
        "info_log_path = %s/log/dovecot.info.log" % d,
        "debug_log_path = %s/log/dovecot.debug.log" % d,
        "listen = 127.0.0.1",
        "protocols = imap%s" % (" pop3" if pop3 else ""),
        "default_internal_user = %s" % internal_user,
        "default_login_user = %s" % login_user,
        "default_internal_group = %s" % internal_group,
        "first_valid_uid = %d" % uid,
        "first_valid_gid = %d" % gid,
        "disable_plaintext_auth = no",
        "auth_mechanisms = plain login%s" % (" oauthbearer xoauth2" if oauth2_url else ""),
        "auth_failure_delay = 0",
        "mail_max_userip_connections = 200",
        "mail_location = maildir:~/Maildir%s" % layout,
        "namespace inbox {",
        "  inbox = yes",
        "  separator = %s" % separator,
        mailboxes.rstrip("\n"),
        "}",
        "passdb {",
        "  driver = passwd-file",
        "  args = scheme=PLAIN username_format=%%u %s/users" % d,
        "}",
    ] + ([
        # Bearer tokens are checked by RFC 7662 introspection at oauth2_url.
        "passdb {",
        "  driver = oauth2",
        "  mechanisms = oauthbearer xoauth2",
        "  args = %s/oauth2.conf.ext" % d,
        "}",
    ] if oauth2_url else []) + [
        "userdb {",
        "  driver = static",
        "  args = uid=%d gid=%d home=%s/home/%%u" % (uid, gid, d),
        "}",
        "service imap-login {",
    ] + no_chroot + [
        "  inet_listener imap {",
        "    port = %d" % ports["imap"],
        "  }",
        "  inet_listener imaps {",
        "    port = %d" % ports["imaps"],
        "    ssl = yes",
        "  }",
        "}",
        "service pop3-login {",
    ] + no_chroot + [
        "  inet_listener pop3 {",
        "    port = %d" % ports["pop3"],
        "  }",
        "  inet_listener pop3s {",
        "    port = %d" % ports["pop3s"],
        "    ssl = yes",
        "  }",
        "}",
        "service imap {",
        "  process_limit = 200",
        # The default 256 MB of address space is too little for a folder of
        # 727,000 messages (the benchmark's 1m corpus): its index files are
        # mapped in, and the process dies with "Out of memory".
        "  vsz_limit = 2G",
        "}",
        "service anvil {",
    ] + no_chroot + [
        "}",
    ]
    if tls:
        lines += ["ssl = yes",
                  "ssl_cert = <%s/tls/cert.pem" % d,
                  "ssl_key = <%s/tls/key.pem" % d,
                  "ssl_min_protocol = TLSv1.2"]
        if os.path.exists(DH_PARAMS):
            lines.append("ssl_dh = <%s" % DH_PARAMS)
    else:
        lines.append("ssl = no")
    imap_plugins = []
    if os.path.exists(IMAP_ZLIB_MODULE):
        # COMPRESS=DEFLATE (RFC 4978).
        imap_plugins.append("imap_zlib")
    if quota_kib is not None:
        # QUOTA (RFC 9208) with a STORAGE limit in KiB: the count backend
        # keeps the usage in the indexes and needs virtual sizes (the
        # RFC822.SIZE of each message, CRLF line ends).
        imap_plugins.append("imap_quota")
        lines += ["mail_plugins = $mail_plugins quota",
                  "mailbox_list_index = yes",
                  "plugin {",
                  "  quota = count:User quota",
                  "  quota_rule = *:storage=%dK" % quota_kib,
                  "  quota_vsizes = yes",
                  "}"]
    if imap_plugins:
        lines += ["protocol imap {", "  mail_plugins = $mail_plugins %s" % " ".join(imap_plugins),
                  "}"]
    return "\n".join(lines) + "\n"


def prepare(directory, users=None, separator="/", tls=True, pop3=True, quota_kib=None,
            oauth2_url=None):
    """Writes users, homes, certificate and dovecot.conf into `directory`.

    With `quota_kib`, every user gets a storage quota of that many KiB
    (Dovecot's quota and imap_quota plugins: QUOTA, RFC 9208).
    With `oauth2_url` (an RFC 7662 introspection endpoint), OAUTHBEARER and
    XOAUTH2 logins are offered and their tokens checked there by Dovecot's
    oauth2 passdb (introspection_mode = post, username_attribute = username).

    Returns a dict: config, ca_file ('' without TLS), log_dir, and ports
    {imap, imaps, pop3, pop3s} (0 for a listener that is off).
    """
    if separator not in (".", "/"):
        raise ValueError("separator must be '.' or '/'")
    users = {"alice": "pw"} if users is None else users
    d = os.path.abspath(directory)
    accounts = _accounts()
    uid, gid = accounts[0], accounts[1]
    if os.geteuid() == 0:
        # The mail processes run as `uid` and must reach the homes below d.
        os.chmod(d, 0o755)
    for sub in ("run", "state", "log", "tls", "home"):
        os.makedirs(os.path.join(d, sub), mode=0o755, exist_ok=True)
    # A restart after a lost port race must not see the last attempt's log.
    for name in os.listdir(os.path.join(d, "log")):
        os.remove(os.path.join(d, "log", name))
    for user in users:
        home = os.path.join(d, "home", user)
        os.makedirs(home, mode=0o700, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(home, uid, gid)
    with open(os.path.join(d, "users"), "w", encoding="utf-8") as f:
        for user, password in users.items():
            f.write("%s:{PLAIN}%s\n" % (user, password))
    # Read by the auth process, which runs as default_internal_user.
    os.chmod(os.path.join(d, "users"), 0o644)
    ca_file = ""
    if tls:
        ca_file, _ = _make_certificate(os.path.join(d, "tls"))
    free = pick_ports(4)
    ports = {"imap": free[0], "imaps": free[1] if tls else 0,
             "pop3": free[2] if pop3 else 0, "pop3s": free[3] if tls and pop3 else 0}
    config = os.path.join(d, "dovecot.conf")
    with open(config, "w", encoding="utf-8") as f:
        f.write(_config_text(d, ports, accounts, separator, tls, pop3, quota_kib, oauth2_url))
    if oauth2_url:
        path = os.path.join(d, "oauth2.conf.ext")
        with open(path, "w", encoding="utf-8") as f:
            f.write("introspection_mode = post\n"
                    "introspection_url = %s\n"
                    "username_attribute = username\n"
                    "active_attribute = active\n"
                    "active_value = true\n" % oauth2_url)
        # Read by the auth process, which runs as default_internal_user.
        os.chmod(path, 0o644)
    return {"config": config, "ca_file": ca_file, "log_dir": os.path.join(d, "log"),
            "ports": ports}


def _read_logs(log_dir, console):
    text = ""
    for path in [console] + [os.path.join(log_dir, n) for n in
                             ("dovecot.log", "dovecot.info.log")]:
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                text += f.read()
    return text


def _greeting(port, deadline):
    """The first line from 127.0.0.1:port, or None while nothing listens."""
    try:
        with socket.create_connection(("127.0.0.1", port),
                                      timeout=max(0.1, deadline - time.monotonic())) as s:
            data = b""
            while b"\n" not in data:
                chunk = s.recv(1024)
                if not chunk:
                    return None
                data += chunk
            return data.split(b"\n", 1)[0].decode("ascii", "replace")
    except (ConnectionRefusedError, ConnectionResetError, socket.timeout):
        return None


def _die_with_parent():
    """Runs in the child before exec: SIGTERM it when the test process dies,
    so a crashed or killed test leaves no Dovecot behind (prctl(2))."""
    import ctypes
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


class Dovecot:
    """A running instance: .ports, .ca_file, .config, .log_dir, .stop()."""

    def __init__(self, process, info):
        self.process = process
        self.ports = info["ports"]
        self.ca_file = info["ca_file"]
        self.config = info["config"]
        self.log_dir = info["log_dir"]

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        # SIGTERM lets the master stop its children; SIGKILL only if it hangs.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_dovecot(tmpdir, users=None, separator="/", tls=True, pop3=True, quota_kib=None,
                  oauth2_url=None):
    """Starts Dovecot in `tmpdir` and waits until IMAP answers `* OK`.

    `quota_kib`: a storage quota of that many KiB for every user;
    `oauth2_url`: an introspection endpoint for bearer logins (see prepare)."""
    binary = find_dovecot()
    last_log = ""
    for _ in range(START_ATTEMPTS):
        info = prepare(tmpdir, users, separator, tls, pop3, quota_kib, oauth2_url)
        console = os.path.join(info["log_dir"], "console.log")
        with open(console, "w", encoding="utf-8") as out:
            process = subprocess.Popen([binary, "-F", "-c", info["config"]],
                                       stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.STDOUT,
                                       preexec_fn=_die_with_parent)
        instance = Dovecot(process, info)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            line = _greeting(info["ports"]["imap"], deadline)
            if line is not None and line.startswith("* OK"):
                return instance
            if "Fatal:" in _read_logs(info["log_dir"], console):
                break
            # Bounded poll for the listener: Dovecot offers no readiness signal.
            time.sleep(0.02)
        instance.stop()
        last_log = _read_logs(info["log_dir"], console)
        if "Address already in use" not in last_log:
            break
    raise DovecotError("Dovecot did not start (no `* OK` on IMAP within %.0f s, or a fatal "
                       "error); its log:\n%s" % (START_TIMEOUT, last_log))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write the instance files and print key=value lines")
    p.add_argument("--dir", required=True)
    p.add_argument("--user", action="append", default=[], help="NAME:PASSWORD")
    p.add_argument("--separator", default="/", choices=[".", "/"])
    p.add_argument("--no-tls", action="store_true")
    p.add_argument("--no-pop3", action="store_true")
    p.add_argument("--quota-kib", type=int, default=None,
                   help="a storage quota of this many KiB for every user")
    args = parser.parse_args(argv)
    users = dict(u.split(":", 1) for u in args.user) if args.user else None
    try:
        binary = find_dovecot()
        info = prepare(args.dir, users, args.separator, not args.no_tls, not args.no_pop3,
                       args.quota_kib)
    except DovecotError as e:
        print(str(e), file=sys.stderr)
        return 1
    print("dovecot=%s" % binary)
    print("config=%s" % info["config"])
    print("ca_file=%s" % info["ca_file"])
    print("log_dir=%s" % info["log_dir"])
    for name, port in info["ports"].items():
        print("%s=%d" % (name, port))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
