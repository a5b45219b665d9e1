"""Reads an account back with imaplib (not mailferry's code) and compares it.

snapshot() gives {folder: sorted [(sha256, system flags, keywords,
INTERNALDATE)]} of every selectable folder; compare() lists the
differences, leaving out what a tool declares it does not copy.
"""

import base64
import hashlib
import imaplib
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "support"))
from mailbox_snapshot import list_folders, normalize  # noqa: E402

_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")
_DATE = re.compile(rb'INTERNALDATE ("[^"]*")')
_UID = re.compile(rb"UID (\d+)")
SYSTEM = {"\\seen", "\\answered", "\\flagged", "\\draft", "\\deleted"}
CHUNK = 200


def mutf7_decode(name):
    """The UTF-8 name of a modified UTF-7 one (RFC 3501 §5.1.3)."""
    out = re.sub(r"&([^-]*)-", lambda m: "&" if not m.group(1) else base64.b64decode(
        m.group(1).replace(",", "/") + "=" * (-len(m.group(1)) % 4)).decode("utf-16-be"), name)
    return out


def _strip_header(body, name):
    """The message without the header field `name` (a tool's own marker)."""
    head, sep, rest = body.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    kept = [l for l in lines if not l.lower().startswith(name.lower() + b":")]
    return b"\r\n".join(kept) + sep + rest


def _folder(imap, name, with_uids=False, strip=None):
    status, data = imap.select('"%s"' % name, readonly=True)
    if status != "OK":
        raise RuntimeError("SELECT %s: %s" % (name, data))
    exists = int(data[0])
    out = []
    # By message numbers (nothing changes the folder meanwhile): a UID SEARCH
    # ALL of a million messages is one line longer than imaplib reads.
    for first in range(1, exists + 1, CHUNK):
        last = min(exists, first + CHUNK - 1)
        status, data = imap.fetch("%d:%d" % (first, last), "(UID FLAGS INTERNALDATE BODY.PEEK[])")
        if status != "OK":
            raise RuntimeError("FETCH %d:%d of %s: %s" % (first, last, name, data))
        for item in data:
            if not isinstance(item, tuple):
                continue
            meta, body = item
            if strip:
                body = _strip_header(body, strip)
            flags = _FLAGS.search(meta).group(1).decode().split()
            system = tuple(sorted(f for f in flags if f.lower() in SYSTEM))
            keywords = tuple(sorted(f for f in flags if not f.startswith("\\")))
            date = int(time.mktime(imaplib.Internaldate2tuple(
                b"INTERNALDATE " + _DATE.search(meta).group(1))))
            entry = (hashlib.sha256(body).hexdigest(), system, keywords, date)
            out.append(entry + (int(_UID.search(meta).group(1)),) if with_uids else entry)
    return sorted(out)


def snapshot(port, user, password, with_uids=False, folders=None, strip=None):
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=60)
    imap.login(user, password)
    try:
        snap = {}
        for name, (sep, attrs) in list_folders(imap).items():
            if any(a.lower() in ("\\noselect", "\\nonexistent") for a in attrs):
                continue
            key = mutf7_decode(normalize(name, sep))
            if folders is None or key in folders:
                snap[key] = _folder(imap, name, with_uids, strip)
        return snap
    finally:
        imap.logout()


def project(snap, ignore):
    """The snapshot without the fields in `ignore` ({"keywords",
    "internaldate", "flags"})."""
    out = {}
    for folder, messages in snap.items():
        out[folder] = sorted((h, () if "flags" in ignore else s, () if "keywords" in ignore
                              else k, 0 if "internaldate" in ignore else d)
                             for h, s, k, d, *_ in messages)
    return out


def compare(source, target, ignore=()):
    """Differences as short strings; empty when the target equals the source."""
    src, dst = project(source, ignore), project(target, ignore)
    problems = []
    for folder in sorted(set(src) | set(dst)):
        a, b = src.get(folder), dst.get(folder)
        if a is None:
            if b:
                problems.append("%s: extra folder on the target (%d messages)" % (folder, len(b)))
            continue
        if b is None:
            problems.append("%s: missing on the target" % folder)
            continue
        if a != b:
            missing = len(set(a) - set(b))
            extra = len(set(b) - set(a))
            example = sorted(set(a) - set(b))[:1] + sorted(set(b) - set(a))[:1]
            problems.append("%s: source %d, target %d messages, %d differ/missing, %d extra "
                            "(e.g. source %s, target %s)" % (folder, len(a), len(b), missing,
                                                            extra, *(example + [None, None])[:2]))
    return problems
