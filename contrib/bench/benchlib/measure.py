"""Runs one tool and measures it: wall time, CPU from wait4(2), peak RSS as
the highest VmHWM of its processes (polled: wait4's ru_maxrss would report
this Python process's own peak, which a vfork()ed child inherits at exec);
the server's CPU from /proc (master plus reaped and live children)."""

import hashlib
import os
import subprocess
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def run_measured(argv, env, cwd, user=None, group=None, timeout=600):
    out_path = os.path.join(cwd, "out.log")
    with open(out_path, "w+", encoding="utf-8", errors="replace") as out:
        start = time.monotonic()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, user=user, group=group,
                                extra_groups=[] if group else None)
        peak = [0]
        done = threading.Event()
        watcher = threading.Thread(target=_watch_hwm, args=(proc.pid, peak, done))
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        watcher.join()
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    return {"exit": proc.returncode, "wall_s": round(wall, 3),
            "user_s": round(usage.ru_utime, 3), "sys_s": round(usage.ru_stime, 3),
            "maxrss_kb": peak[0], "stdout": text, "stderr": text[-2000:]}


def _hwm(pid):
    try:
        with open("/proc/%d/status" % pid, encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _watch_hwm(pid, peak, done):
    """Keeps peak[0] at the highest VmHWM (kB) seen in the tool's process tree."""
    while not done.wait(0.05):
        for p in _tree(pid):
            peak[0] = max(peak[0], _hwm(p))


def _tree(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(_stat(int(entry))[0], []).append(int(entry))
            except (OSError, IndexError):
                pass
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _stat(pid):
    with open("/proc/%d/stat" % pid, encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the name: state ppid ... utime(14) stime(15) cutime(16) cstime(17).
    return int(fields[1]), [int(x) for x in fields[11:15]]


def server_cpu(master):
    """CPU seconds of the Dovecot master, its reaped children and its live
    descendants."""
    children, own = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid, times = _stat(int(entry))
        except (OSError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        own[int(entry)] = times
    total, todo = sum(own.get(master, [0, 0, 0, 0])), list(children.get(master, []))
    while todo:
        pid = todo.pop()
        total += own[pid][0] + own[pid][1] + own[pid][2] + own[pid][3]
        todo += children.get(pid, [])
    return total / TICK


def maildir_snapshot(path):
    """{"INBOX": [(sha256, (), (), 0)]} of a Maildir's messages."""
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            out.append((hashlib.sha256(data).hexdigest(), (), (), 0))
    return {"INBOX": sorted(out)}
