#!/usr/bin/env python3
"""Fails when a source file includes a header its layer may not depend on.

The layers point one way: cli -> sync -> clients, state. Inside clients/,
the protocol engines share the wire toolkit and the network layer but not
each other; the scheduler knows nothing of the engine it schedules; the test
servers may reuse protocol code from clients/, and nothing below cli/ may
reach into contrib/. Every include of a project header ("folder/...") is
checked against the table below, by the longest folder prefix that matches
the including file. A folder the table does not know is an error too, so a
new one gets its rule when it is added.

Usage: check-layering.py [ROOT]   (ROOT defaults to the source tree)
"""

import os
import re
import sys

# Folder of the including file -> folders its includes may come from. The
# generated "mailferry/version.hpp" is allowed everywhere.
ALLOWED = {
    "clients/wire": ["clients/wire"],
    "clients/net": ["clients/net", "clients/wire"],
    "clients/imap": ["clients/imap", "clients/net", "clients/wire"],
    "clients/pop3": ["clients/pop3", "clients/net", "clients/wire"],
    "state": ["state"],
    "sync": ["sync", "clients", "state"],
    "sync/scheduler": ["sync/scheduler"],
    "cli": ["cli", "sync", "clients", "state", "contrib/testserver"],
    "contrib/testserver": ["contrib/testserver", "clients"],
    "contrib/bench": ["contrib/bench", "contrib/testserver", "sync", "clients", "state"],
}
ALWAYS_ALLOWED = ["mailferry"]
CHECKED_ROOTS = ["clients", "state", "sync", "cli", "contrib"]
PROJECT_ROOTS = CHECKED_ROOTS + ["tests", "mailferry"]
SOURCE = re.compile(r"\.(cpp|hpp|h|cc)$")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def under(path, folder):
    return path == folder or path.startswith(folder + "/")


def rule_for(path):
    folders = [f for f in ALLOWED if under(path, f)]
    return max(folders, key=len) if folders else None


def sources(root):
    for top in CHECKED_ROOTS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if d not in ("node_modules", "man")]
            for name in sorted(filenames):
                if SOURCE.search(name):
                    full = os.path.join(dirpath, name)
                    yield os.path.relpath(full, root).replace(os.sep, "/"), full


def violations(root):
    for path, full in sources(root):
        folder = rule_for(path)
        if folder is None:
            yield "%s: its folder has no rule in contrib/check-layering.py" % path
            continue
        allowed = ALLOWED[folder] + ALWAYS_ALLOWED
        with open(full, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m or m.group(1).split("/")[0] not in PROJECT_ROOTS:
                    continue  # a relative or third-party include
                header = m.group(1)
                if not any(under(header, a) for a in allowed):
                    yield "%s:%d: includes %s; %s/ may include only %s" % (
                        path, number, header, folder, ", ".join(a + "/" for a in allowed))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    found = list(violations(os.path.abspath(root)))
    for v in found:
        print(v)
    if found:
        print("%d include(s) against the layering" % len(found))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
