"""A deterministic, realistic mail corpus and its seeding over IMAP.

generate(name, seed) returns folders -> [Message]; the same name and seed
always give the same bytes. Sizes follow a mailbox of a real person: mostly
2-30 KB text/HTML, 10% with base64 attachments of 50 KB-2 MB, a few larger;
Date headers spread over years, INTERNALDATE a little after the Date.
"""

import base64
import random
import socket
from dataclasses import dataclass, field

KEYWORDS = ["$Forwarded", "$Label1", "ProjectX", "Urgent_Review"]
# (folder, share of the messages); "Projekte" exists only as the \Noselect
# parent of its children (created through them, never itself).
FOLDERS = [("INBOX", 40), ("Sent", 15), ("Archive", 15), ("Projekte/2025", 10),
           ("Projekte/2026", 5), ("Reisen/Zürich", 8), ("Отчёты", 7)]
SIZES = {  # name: (messages, folders, small only); tiny keeps attachments below 200 KB
    "tiny": (200, None, "tiny"),
    "2k": (2000, None, False),
    "10k": (10000, None, False),
    "100k": (100000, ["INBOX", "Archive"], True),
    # Scale: short notes (1-4 KB), their text cut from one pool of lines so
    # that a million are generated in about a minute.
    "1m": (1000000, ["INBOX", "Archive"], "mini"),
}
WORDS = ("the meeting report budget invoice travel plan draft review customer order "
         "delivery schedule project update notes question answer thanks regards please "
         "attached figures quarter server migration account password holiday").split()


@dataclass
class Message:
    data: bytes
    flags: list = field(default_factory=list)
    internaldate: int = 0


def mutf7(name):
    """Modified UTF-7 (RFC 3501 §5.1.3) of a folder name."""
    out, run = [], []

    def flush():
        if run:
            b64 = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b64.replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def _text(rng, size):
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
        lines.append(line)
        total += len(line) + 2
    return "\r\n".join(lines) + "\r\n"


class _LinePool:
    """Lines of _text() made once; a message's text is a run of them."""

    def __init__(self, rng, lines=2000):
        self.lines = _text(rng, lines * 60).split("\r\n")[:-1]

    def text(self, rng, size):
        out, total = [], 0
        i = rng.randrange(len(self.lines))
        while total < size:
            line = self.lines[i % len(self.lines)]
            out.append(line)
            total += len(line) + 2
            i += 1
        return "\r\n".join(out) + "\r\n"


def _b64(rng, size):
    raw = rng.randbytes(size)
    enc = base64.b64encode(raw).decode()
    return "\r\n".join(enc[i:i + 76] for i in range(0, len(enc), 76)) + "\r\n"


def _size(rng, small_only):
    if small_only == "mini":
        return rng.randint(1_000, 4_000), 0
    r = rng.random()
    if small_only is True or r < 0.88:
        return rng.randint(2_000, 30_000), 0
    if small_only == "tiny":
        return rng.randint(5_000, 20_000), rng.randint(50_000, 200_000)
    if r < 0.9995:
        # 50 KB - 2 MB, most near the low end as in real mail (a 10k account
        # comes to ~300 MB).
        return rng.randint(5_000, 20_000), int(50_000 * 40 ** (rng.random() ** 16))
    return rng.randint(5_000, 20_000), rng.randint(2_000_000, 4_000_000)


def _message(rng, n, folder, small_only, pool=None):
    body_size, attachment = _size(rng, small_only)
    date = 1_420_000_000 + rng.randint(0, 11 * 365 * 86400)  # 2015 .. 2026
    who = rng.choice(["alice", "bob", "carol", "dave", "erin"])
    import email.utils
    head = ("Return-Path: <%s@example.org>\r\nFrom: %s <%s@example.org>\r\n"
            "To: Bench <bench@example.net>\r\nSubject: %s %d\r\n"
            "Date: %s\r\nMessage-ID: <%d.%x@%s.example.org>\r\nMIME-Version: 1.0\r\n"
            % (who, who.title(), who, " ".join(rng.choice(WORDS) for _ in range(4)), n,
               email.utils.formatdate(date), n, rng.getrandbits(48), folder.split("/")[0]
               .encode("ascii", "replace").decode().lower()))
    text = pool.text(rng, body_size // 2) if pool else _text(rng, body_size // 2)
    alt = ("--alt%d\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s"
           "--alt%d\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>%s</p>"
           "</body></html>\r\n--alt%d--\r\n" % (n, text, n, text.replace("\r\n", "<br>\r\n"), n))
    if attachment:
        body = ("Content-Type: multipart/mixed; boundary=\"mix%d\"\r\n\r\n--mix%d\r\n"
                "Content-Type: multipart/alternative; boundary=\"alt%d\"\r\n\r\n%s\r\n--mix%d\r\n"
                "Content-Type: application/pdf; name=\"doc%d.pdf\"\r\n"
                "Content-Transfer-Encoding: base64\r\n"
                "Content-Disposition: attachment; filename=\"doc%d.pdf\"\r\n\r\n%s--mix%d--\r\n"
                % (n, n, n, alt, n, n, n, _b64(rng, attachment), n))
    else:
        body = "Content-Type: multipart/alternative; boundary=\"alt%d\"\r\n\r\n%s" % (n, alt)
    flags = []
    if rng.random() < 0.7:
        flags.append("\\Seen")
    if rng.random() < 0.08:
        flags.append("\\Flagged")
    if rng.random() < 0.15:
        flags.append("\\Answered")
    if rng.random() < 0.1:
        flags.append(rng.choice(KEYWORDS))
    return Message((head + body).encode(), flags, date + rng.randint(1, 3600))


def generate(name, seed=1):
    count, folders, small_only = SIZES[name]
    rng = random.Random("%s-%d" % (name, seed))
    shares = [(f, s) for f, s in FOLDERS if folders is None or f in folders]
    total = sum(s for _, s in shares)
    pool = _LinePool(rng) if small_only == "mini" else None
    corpus, n = {}, 0
    for folder, share in shares:
        k = max(1, count * share // total)
        corpus[folder] = [_message(rng, n + i, folder, small_only, pool) for i in range(k)]
        n += k
    return corpus


def new_messages(corpus, rng, share=0.01):
    """1% new messages spread over the folders: {folder: [Message]}."""
    total = sum(len(m) for m in corpus.values())
    out = {}
    for i in range(max(1, int(total * share))):
        folder = rng.choice(sorted(corpus))
        out.setdefault(folder, []).append(_message(rng, 10_000_000 + i, folder, False))
    return out


class ImapWriter:
    """A bare IMAP connection for seeding: LOGIN, CREATE, pipelined
    MULTIAPPEND with LITERAL+ (one command per batch, no round trip per
    message), STORE, EXPUNGE."""

    def __init__(self, port, user, password):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        self.tag = 0
        self._line()
        self.command("LOGIN %s %s" % (user, password))

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("IMAP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def command(self, text, payload=b""):
        self.tag += 1
        tag = b"s%d" % self.tag
        self.sock.sendall(tag + b" " + (text.encode() if isinstance(text, str) else text)
                          + payload + b"\r\n")
        while True:
            line = self._line()
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise RuntimeError("%s: %s" % (text[:80], line.decode(errors="replace")))
                return
            # A literal in an untagged response (none expected while seeding).
            if line.endswith(b"}"):
                size = int(line.rsplit(b"{", 1)[1][:-1])
                while len(self.buf) < size:
                    self.buf += self.sock.recv(65536)
                self.buf = self.buf[size:]

    def append(self, folder, messages, batch_bytes=32 << 20):
        import email.utils
        start = 0
        while start < len(messages):
            parts, size, end = [], 0, start
            while end < len(messages) and (size < batch_bytes or end == start):
                m = messages[end]
                date = email.utils.formatdate(m.internaldate).split(", ", 1)[1]
                day, mon, year, clock, _ = date.split(" ")
                parts.append(b' (%s) "%s-%s-%s %s +0000" {%d+}\r\n'
                             % (" ".join(m.flags).encode(), day.encode(), mon.encode(),
                                year.encode(), clock.encode(), len(m.data)) + m.data)
                size += len(m.data)
                end += 1
            self.command(b'APPEND "%s"' % mutf7(folder).encode(), b"".join(parts))
            start = end

    def close(self):
        try:
            self.command("LOGOUT")
        except (RuntimeError, ConnectionError):
            pass
        self.sock.close()


def seed(port, user, password, corpus):
    w = ImapWriter(port, user, password)
    try:
        for folder, messages in corpus.items():
            if folder != "INBOX":
                w.command('CREATE "%s"' % mutf7(folder))
            w.append(folder, messages)
    finally:
        w.close()


def apply_changes(port, user, password, added, flag_changes):
    """Appends `added`, and for {folder: [(uid, +flags, -flags)]} stores flags."""
    w = ImapWriter(port, user, password)
    try:
        for folder, messages in added.items():
            w.append(folder, messages)
        for folder, changes in flag_changes.items():
            w.command('SELECT "%s"' % mutf7(folder))
            for uid, plus, minus in changes:
                if plus:
                    w.command("UID STORE %d +FLAGS.SILENT (%s)" % (uid, " ".join(plus)))
                if minus:
                    w.command("UID STORE %d -FLAGS.SILENT (%s)" % (uid, " ".join(minus)))
    finally:
        w.close()


def uid_sets(uids, most=2000):
    """`uids` as UID sets of runs ("3:7,9"), each of at most `most` runs:
    a command line stays far below the server's limit (Dovecot: 64 KB)."""
    runs = []
    for u in sorted(uids):
        if runs and u == runs[-1][1] + 1:
            runs[-1][1] = u
        else:
            runs.append([u, u])
    text = ["%d:%d" % (a, b) if a != b else "%d" % a for a, b in runs]
    return [",".join(text[i:i + most]) for i in range(0, len(text), most)]


def expunge_uids(port, user, password, uids_by_folder):
    w = ImapWriter(port, user, password)
    try:
        for folder, uids in uids_by_folder.items():
            if not uids:
                continue
            w.command('SELECT "%s"' % mutf7(folder))
            for seq in uid_sets(uids):
                w.command("UID STORE %s +FLAGS.SILENT (\\Deleted)" % seq)
                w.command("UID EXPUNGE %s" % seq)
    finally:
        w.close()
