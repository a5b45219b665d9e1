"""Reads a whole IMAP account (or a POP3 maildrop) for comparisons in tests.

    snap = imap_snapshot(host, port, user, password)
    snap["INBOX"]  # sorted list of (octets, flags, internaldate) per message

Folder names are as LIST returns them (modified UTF-7, the server's
separator); `normalize` turns them into '/'-separated names so accounts with
different separators compare. Flags leave out \\Recent (a session property,
RFC 3501 §2.3.2). INTERNALDATE is in seconds since the epoch.
"""

import imaplib
import poplib
import re
import ssl
import time

TIMEOUT = 30
_LIST = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.*)$')
_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")
_DATE = re.compile(rb'INTERNALDATE ("[^"]*")')


def _unquote(name):
    if name.startswith(b'"') and name.endswith(b'"'):
        name = name[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
    return name.decode()


def connect(host, port, user, password, tls=False, ca_file=None):
    if tls:
        ctx = ssl.create_default_context(cafile=ca_file)
        imap = imaplib.IMAP4_SSL(host, port, ssl_context=ctx, timeout=TIMEOUT)
    else:
        imap = imaplib.IMAP4(host, port, timeout=TIMEOUT)
    imap.login(user, password)
    return imap


def list_folders(imap):
    """{name: (separator, [attributes])} of LIST "" "*"."""
    status, lines = imap.list('""', '"*"')
    assert status == "OK", lines
    out = {}
    for raw in lines:
        if raw is None:
            continue
        if isinstance(raw, tuple):  # a name sent as a literal
            head, literal = raw
            m = _LIST.match(head.rsplit(b" ", 1)[0] + b" x")
            out[literal.decode()] = (_unquote(m.group("sep")), m.group("flags").decode().split())
            continue
        m = _LIST.match(raw)
        assert m, raw
        out[_unquote(m.group("name"))] = (_unquote(m.group("sep")),
                                          m.group("flags").decode().split())
    return out


def folder_messages(imap, name, skip_deleted=False):
    """Sorted [(octets, flags tuple, internaldate seconds)] of one folder."""
    status, data = imap.select('"%s"' % name.replace("\\", "\\\\").replace('"', '\\"'),
                               readonly=True)
    assert status == "OK", (name, data)
    if int(data[0]) == 0:
        return []
    status, data = imap.uid("FETCH", "1:*", "(FLAGS INTERNALDATE BODY.PEEK[])")
    assert status == "OK", data
    messages, current = [], None
    for item in data:
        if isinstance(item, tuple):
            if current:
                messages.append(current)
            current = [item[0], item[1]]
        elif item is not None and current is not None:
            current[0] += item
    if current:
        messages.append(current)
    out = []
    for meta, body in messages:
        flags = tuple(sorted(f for f in _FLAGS.search(meta).group(1).decode().split()
                             if f.lower() != "\\recent"))
        if skip_deleted and "\\Deleted" in flags:
            continue
        date = imaplib.Internaldate2tuple(b"INTERNALDATE " + _DATE.search(meta).group(1))
        out.append((body, flags, int(time.mktime(date))))
    return sorted(out)


def normalize(name, separator):
    return name if not separator or separator == "/" else name.replace(separator, "/")


def imap_snapshot(host, port, user, password, tls=False, ca_file=None, skip_deleted=False):
    """{'/'-separated folder name: folder_messages} of every selectable folder."""
    imap = connect(host, port, user, password, tls, ca_file)
    try:
        snap = {}
        for name, (sep, attrs) in list_folders(imap).items():
            if any(a.lower() in ("\\noselect", "\\nonexistent") for a in attrs):
                continue
            snap[normalize(name, sep)] = folder_messages(imap, name, skip_deleted)
        return snap
    finally:
        imap.logout()


def pop3_messages(host, port, user, password):
    """Sorted octets of every message of a POP3 maildrop (RFC 1939 RETR)."""
    pop = poplib.POP3(host, port, timeout=TIMEOUT)
    try:
        pop.user(user)
        pop.pass_(password)
        count, _ = pop.stat()
        out = []
        for i in range(1, count + 1):
            _, lines, _ = pop.retr(i)
            out.append(b"\r\n".join(lines) + b"\r\n")
        return sorted(out)
    finally:
        pop.quit()
