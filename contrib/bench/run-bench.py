#!/usr/bin/python3
"""mailferry against its peers on one private Dovecot, in one command.

    contrib/bench/run-bench.py --mailferry build-release/bin/mailferry
        [--corpus tiny,2k,10k,100k] [--repeat 3] [--json out.json] [--compare old.json]
        [--rtt 20]

Per corpus: a Dovecot on loopback (tests/support/dovecot.py) with a source
user and one empty target user per tool and repeat; a seeded corpus; then,
interleaved (tool A, B, C, A, B, C, ...), a full copy, a no-op re-run and a
re-run after 1% changes (new messages and changed flags/keywords on the
source, undone after each repeat). Every run is read back with imaplib and
compared with the source before its time counts. With --rtt, the tools
reach the server through a proxy that delays each direction by half that
many milliseconds (benchlib/latency.py): a provider a round trip away.
See README "Performance".
"""

import argparse
import contextlib
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "support"))
import dovecot  # noqa: E402
from benchlib import corpus as corpora, latency, peers, verify  # noqa: E402
from benchlib.measure import run_measured, server_cpu, maildir_snapshot  # noqa: E402

PHASES = ("full", "noop", "changes")
TITLES = {"full": "full copy", "noop": "no-op re-run", "changes": "re-run after 1% changes"}


class Context:
    pass


def tools_for(args):
    ref = args.reference or os.path.join(os.path.dirname(args.mailferry),
                                         "imap_fetch_append_bench")
    all_tools = [peers.Mailferry(args.mailferry), peers.Mailferry(args.mailferry, 1),
                 peers.Mailferry(args.mailferry, 8), peers.Mbsync(), peers.OfflineImap(),
                 peers.Mailferry(args.mailferry, pop3=True), peers.Getmail(),
                 peers.Reference(ref)]
    # "mailferry" selects its every variant, "=mailferry" the default alone.
    return [t for t in all_tools if not args.tools or t.name.split()[0] in args.tools
            or t.name in args.tools or "=" + t.name in args.tools]


def flag_changes(snap, rng, share=0.01):
    """{folder: [(uid, +flags, -flags)]} for 1% of the messages, and its undo."""
    every = [(f, m) for f, ms in snap.items() for m in ms]
    change, undo = {}, {}
    for folder, (_, system, keywords, _, uid) in rng.sample(every, max(1, int(len(every) * share))):
        have = set(system) | set(keywords)
        choice = rng.choice(["\\Seen", "\\Flagged", "\\Answered", "$Forwarded", "ProjectX"])
        plus, minus = ([], [choice]) if choice in have else ([choice], [])
        change.setdefault(folder, []).append((uid, plus, minus))
        undo.setdefault(folder, []).append((uid, minus, plus))
    return change, undo


def check(ctx, tool, target, workdir):
    """Differences between the tool's result and its source ([] = verified)."""
    if isinstance(tool, peers.Reference):
        snap = verify.snapshot(ctx.ports["imap"], target, peers.PASSWORD)
        a = [m[0] for m in snap.get("BenchSource", [])]
        b = [m[0] for m in snap.get("BenchCopy", [])]
        return [] if a and sorted(a) == sorted(b) else ["BenchCopy differs from BenchSource"]
    source = ctx.source_snap[tool.source_user]
    if isinstance(tool, peers.Getmail):
        got = maildir_snapshot(os.path.join(workdir, "Maildir"))
        return verify.compare({"INBOX": source["INBOX"]}, got, tool.ignore)
    got = verify.snapshot(ctx.ports["imap"], target, peers.PASSWORD, strip=tool.marker)
    if tool.source_user == "popsrc":
        return verify.compare({"INBOX": source["INBOX"]}, {"INBOX": got.get("INBOX", [])},
                              tool.ignore)
    return verify.compare(source, got, tool.ignore)


def reference_seconds(stdout):
    m = re.search(r"copy fetch -> pipe -> append\s+(\d+) msgs\s+([\d.]+) MB in\s+([\d.]+) s",
                  stdout)
    return float(m.group(3)) if m else None


def run_phase(ctx, tool, phase, target, workdir):
    argv, env = tool.command(ctx, target, workdir)
    before = server_cpu(ctx.server.process.pid)
    user = None
    if tool.refuses_root and os.geteuid() == 0:
        user, group = "nobody", "nogroup"
        import pwd
        nobody = pwd.getpwnam(user)
        for root, dirs, files in os.walk(workdir):
            for n in [root] + [os.path.join(root, x) for x in dirs + files]:
                os.chown(n, nobody.pw_uid, nobody.pw_gid)
    else:
        group = None
    sample = run_measured(argv, env, workdir, user, group)
    sample["server_cpu_s"] = round(server_cpu(ctx.server.process.pid) - before, 3)
    state = os.path.join(workdir, "state.db")
    if isinstance(tool, peers.Mailferry) and os.path.exists(state):
        sample["state_bytes"] = sum(os.path.getsize(state + suffix) for suffix in ("", "-wal")
                                    if os.path.exists(state + suffix))
    if isinstance(tool, peers.Reference) and sample["exit"] == 0:
        sample["wall_s"] = reference_seconds(sample.pop("stdout", "")) or sample["wall_s"]
    sample.pop("stdout", None)
    if sample["exit"] != 0:
        sample["verified"] = False
        sample["problems"] = ["exit status %d: %s" % (sample["exit"], sample.pop("stderr", ""))]
        return sample
    sample.pop("stderr", None)
    problems = check(ctx, tool, target, workdir)
    sample["verified"] = not problems
    if problems:
        sample["problems"] = problems[:10]
    msgs = ctx.corpus_messages if phase == "full" else ctx.changed_messages
    mb = (ctx.corpus_bytes if phase == "full" else ctx.changed_bytes) / 1e6
    if isinstance(tool, peers.Reference) or tool.source_user == "popsrc":
        msgs, mb = ((ctx.pop_messages, ctx.pop_bytes / 1e6) if tool.source_user == "popsrc"
                    and phase == "full" else (msgs, mb))
    sample["messages"], sample["mb"] = msgs, round(mb, 3)
    return sample


def bench_corpus(args, name, tools, out):
    corpus = corpora.generate(name, args.seed)
    ctx = Context()
    ctx.corpus_messages = sum(len(m) for m in corpus.values())
    ctx.corpus_bytes = sum(len(m.data) for ms in corpus.values() for m in ms)
    ctx.pop_messages = len(corpus["INBOX"])
    ctx.pop_bytes = sum(len(m.data) for m in corpus["INBOX"])
    # The POP3 tools' copy of INBOX only when one of them runs (on 1m it
    # would double the seeding).
    sources = sorted({"src"} | {t.source_user for t in tools})
    users = {u: peers.PASSWORD for u in sources}
    targets = {}
    for r in range(args.repeat):
        for i, tool in enumerate(tools):
            targets[(r, tool.name)] = "t%dr%d" % (i, r)
            users["t%dr%d" % (i, r)] = peers.PASSWORD
    result = {"messages": ctx.corpus_messages, "bytes": ctx.corpus_bytes, "rtt_ms": args.rtt,
              "samples": {}}
    out["corpora"][name] = result
    with tempfile.TemporaryDirectory(prefix="mailferry-bench-") as d:
        os.chmod(d, 0o755)
        server_dir = os.path.join(d, "dovecot")
        os.makedirs(server_dir)
        ctx.server = dovecot.start_dovecot(server_dir, users=users, tls=False, pop3=True)
        with ctx.server, contextlib.ExitStack() as proxies:
            ctx.ports = ctx.server.ports
            # Where the tools connect; seeding and checking go straight in.
            ctx.tool_ports = dict(ctx.ports)
            if args.rtt:
                for proto in ("imap", "pop3"):
                    ctx.tool_ports[proto] = proxies.enter_context(
                        latency.Delayed(ctx.ports[proto], args.rtt / 2)).port
            start = time.monotonic()
            corpora.seed(ctx.ports["imap"], "src", peers.PASSWORD, corpus)
            if "popsrc" in sources:
                corpora.seed(ctx.ports["imap"], "popsrc", peers.PASSWORD,
                             {"INBOX": corpus["INBOX"]})
            result["seed_s"] = round(time.monotonic() - start, 2)
            print("%s: %d messages, %.1f MB, seeded with pipelined MULTIAPPEND in %.1f s"
                  % (name, ctx.corpus_messages, ctx.corpus_bytes / 1e6, result["seed_s"]),
                  flush=True)
            base = {u: verify.snapshot(ctx.ports["imap"], u, peers.PASSWORD, with_uids=True)
                    for u in sources}
            rng = random.Random("changes-%s-%d" % (name, args.seed))
            for r in range(args.repeat):
                ctx.source_snap = base
                for phase in PHASES:
                    if phase == "changes":
                        added = corpora.new_messages(corpus, rng)
                        change, undo = flag_changes(base["src"], rng)
                        corpora.apply_changes(ctx.ports["imap"], "src", peers.PASSWORD, added,
                                              change)
                        if "popsrc" in sources:
                            corpora.apply_changes(ctx.ports["imap"], "popsrc", peers.PASSWORD,
                                                  {"INBOX": added.get("INBOX", [])}, {})
                        ctx.source_snap = {u: verify.snapshot(ctx.ports["imap"], u,
                                                              peers.PASSWORD, with_uids=True)
                                           for u in sources}
                        ctx.changed_messages = sum(len(m) for m in added.values()) + sum(
                            len(c) for c in change.values())
                        ctx.changed_bytes = sum(len(m.data) for ms in added.values() for m in ms)
                    else:
                        ctx.changed_messages, ctx.changed_bytes = 0, 0
                    for tool in tools:
                        if phase not in tool.phases:
                            continue
                        workdir = os.path.join(d, "work", targets[(r, tool.name)])
                        os.makedirs(workdir, exist_ok=True)
                        sample = run_phase(ctx, tool, phase, targets[(r, tool.name)], workdir)
                        result["samples"].setdefault(tool.name, {}).setdefault(
                            phase, []).append(sample)
                        print("  repeat %d %-16s %-8s %7.2f s %s" % (
                            r + 1, tool.name, phase, sample["wall_s"],
                            "verified" if sample["verified"] else
                            "FAILED: " + "; ".join(sample["problems"])[:300]), flush=True)
                # Back to the seeded source for the next repeat.
                for user in sources:
                    old = {(f, m[4]) for f, ms in base[user].items() for m in ms}
                    new = {}
                    for f, ms in ctx.source_snap[user].items():
                        new[f] = [m[4] for m in ms if (f, m[4]) not in old]
                    corpora.expunge_uids(ctx.ports["imap"], user, peers.PASSWORD, new)
                corpora.apply_changes(ctx.ports["imap"], "src", peers.PASSWORD, {}, undo)
    result["medians"] = medians(result["samples"])


def medians(samples):
    out = {}
    for tool, phases in samples.items():
        out[tool] = {}
        for phase, runs in phases.items():
            ok = [s for s in runs if s["verified"]]
            if not ok:
                out[tool][phase] = {"failed": len(runs)}
                continue
            med = {k: statistics.median(s[k] for s in ok)
                   for k in ("wall_s", "user_s", "sys_s", "maxrss_kb", "server_cpu_s")}
            med["messages"], med["mb"] = ok[0]["messages"], ok[0]["mb"]
            med["failed"] = len(runs) - len(ok)
            out[tool][phase] = med
    return out


def cell(m):
    if m is None:
        return "-"
    if "wall_s" not in m:
        return "FAILED"
    text = "%.2f s" % m["wall_s"]
    if m["messages"] and m["wall_s"] > 0:
        text += ", %.0f msg/s" % (m["messages"] / m["wall_s"])
    if m["mb"] > 1 and m["wall_s"] > 0:
        text += ", %.1f MB/s" % (m["mb"] / m["wall_s"])
    return text


def print_table(name, result, tools):
    med = result["medians"]
    print("\n%s: %d messages, %.1f MB (medians of verified runs%s)\n" % (
        name, result["messages"], result["bytes"] / 1e6,
        ", %g ms round trip to the server" % result["rtt_ms"] if result["rtt_ms"] else ""))
    print("| | full copy | no-op re-run | re-run after 1% changes | peak RSS | CPU/MB | "
          "server CPU (full) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for tool in tools:
        m = med.get(tool.name, {})
        full = m.get("full")
        rss = max((s["maxrss_kb"] for p in result["samples"].get(tool.name, {}).values()
                   for s in p), default=0)
        cpu = "-"
        srv = "-"
        if full and "wall_s" in full:
            if full["mb"] > 0:
                cpu = "%.3f s" % ((full["user_s"] + full["sys_s"]) / full["mb"])
            srv = "%.2f s" % full["server_cpu_s"]
        print("| %s | %s | %s | %s | %.1f MB | %s | %s |" % (
            tool.name, cell(full), cell(m.get("noop")), cell(m.get("changes")), rss / 1024,
            cpu, srv))
    for tool in tools:
        sizes = [s["state_bytes"] for s in result["samples"].get(tool.name, {}).get("full", [])
                 if "state_bytes" in s]
        if sizes:
            print("\n%s: state file %.1f MB after the full copy (%.0f bytes a message)" % (
                tool.name, max(sizes) / 1e6, max(sizes) / result["messages"]))
    print("\nmailferry's time / peer time (below 1: mailferry faster; POP3 peers against "
          "mailferry pop3, the others against mailferry with default options):")
    for tool in tools:
        if tool.name in ("mailferry", "mailferry pop3"):
            continue
        base = med.get("mailferry pop3" if tool.source_user == "popsrc" else "mailferry", {})
        parts = []
        for phase in PHASES:
            a, b = base.get(phase, {}), med.get(tool.name, {}).get(phase, {})
            if "wall_s" in a and "wall_s" in b and b["wall_s"] > 0:
                parts.append("%s %.2f" % (TITLES[phase], a["wall_s"] / b["wall_s"]))
        print("  vs %-16s %s" % (tool.name, ", ".join(parts) or "-"))


def print_compare(new, old_path):
    with open(old_path, encoding="utf-8") as f:
        old = json.load(f)
    print("\nchange against %s (wall time, median; + is slower):" % old_path)
    for name, res in new["corpora"].items():
        was = old.get("corpora", {}).get(name, {}).get("medians", {})
        for tool, phases in res["medians"].items():
            for phase, m in phases.items():
                o = was.get(tool, {}).get(phase, {})
                if "wall_s" in m and "wall_s" in o and o["wall_s"] > 0:
                    print("  %s %-16s %-8s %7.2f s -> %7.2f s (%+.0f%%)" % (
                        name, tool, phase, o["wall_s"], m["wall_s"],
                        100 * (m["wall_s"] / o["wall_s"] - 1)))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mailferry", required=True, help="the mailferry binary")
    p.add_argument("--reference", help="imap_fetch_append_bench (default: next to --mailferry)")
    p.add_argument("--corpus", default="2k", help="comma-separated: " + ",".join(corpora.SIZES))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tools", help="comma-separated tool names (default: all); a name selects "
                   "every variant (mailferry: -c1, -c8, pop3), =name that tool alone")
    p.add_argument("--json", help="write raw samples, medians and machine facts here")
    p.add_argument("--compare", help="a JSON of an earlier run: print the changes")
    p.add_argument("--rtt", type=float, default=0,
                   help="milliseconds of round trip added between the tools and the server")
    args = p.parse_args(argv)
    args.tools = args.tools.split(",") if args.tools else None
    args.mailferry = os.path.abspath(args.mailferry)
    tools = tools_for(args)
    out = {"machine": {"nproc": os.cpu_count(), "kernel": platform.release(),
                       "python": platform.python_version(), "date": time.strftime(
                           "%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
           "tools": {}, "unavailable": {}, "corpora": {}}
    usable = []
    for tool in tools:
        why = tool.available()
        if why:
            out["unavailable"][tool.name] = why
            print("skipping %s: %s" % (tool.name, why))
            continue
        out["tools"][tool.name] = {"version": tool.version(), "compares": tool.compares,
                                   "not_compared": list(tool.ignore)}
        usable.append(tool)
    for tool in usable:
        print("%-16s %s%s" % (tool.name, tool.compares, " (not compared: %s)" % ", ".join(
            tool.ignore) if tool.ignore else ""))
    for name in args.corpus.split(","):
        bench_corpus(args, name, usable, out)
        print_table(name, out["corpora"][name], usable)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
    if args.compare:
        print_compare(out, args.compare)
    failed = any("wall_s" not in m for c in out["corpora"].values()
                 for t in c["medians"].values() for m in t.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
