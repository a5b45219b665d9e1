#!/usr/bin/env python3
"""Checks a Containerfile (Dockerfile syntax) for the mistakes hadolint
would catch and that matter for mailferry's image:

- more than one stage, and the final one takes something from a build stage;
- every base image pinned by tag or digest, never `latest`;
- `apt-get install` with `-y` and `--no-install-recommends`, and the package
  lists removed in the same RUN as any `apt-get update`/`install` (a later
  RUN cannot shrink the layer that holds them); no `apt` (unstable CLI);
- a non-root USER in the final stage before its ENTRYPOINT;
- ENTRYPOINT and CMD in exec form (JSON), so the program is PID 1 and gets
  SIGTERM;
- no ADD of local files (COPY says what it does).

Usage: check_containerfile.py FILE; prints one line per problem and exits 1
when there is any.
"""

import json
import re
import sys


def instructions(text):
    """(line number, INSTRUCTION, arguments) of each instruction, with
    continuation lines joined and comment lines dropped as the builder does."""
    result = []
    pending, start = None, 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#") or (not line and pending is None):
            continue
        if pending is None:
            pending, start = "", number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        word, _, args = pending.strip().partition(" ")
        result.append((start, word.upper(), args.strip()))
        pending = None
    if pending is not None:
        word, _, args = pending.strip().partition(" ")
        result.append((start, word.upper(), args.strip()))
    return result


def base_image_problem(image, stages):
    if image.lower() in stages or image == "scratch":
        return None
    if "$" in image:
        return f"base image {image} is a variable: pin it by tag in the Containerfile"
    if "@sha256:" in image:
        return None
    name_and_tag = image.rsplit("/", 1)[-1]
    if ":" not in name_and_tag:
        return f"base image {image} has no tag: pin it (e.g. debian:12-slim)"
    if name_and_tag.rsplit(":", 1)[1] == "latest":
        return f"base image {image} uses the tag latest: pin a release tag"
    return None


def run_problems(number, command):
    problems = []
    if re.search(r"(^|[;&|(\s])apt\s", command):
        problems.append(f"line {number}: use apt-get, not apt, in scripts")
    uses_apt_get = re.search(r"apt-get\s+(\S+\s+)*(update|install)\b", command)
    for install in re.finditer(r"apt-get\s+((?:-\S+\s+)*)install\b([^;&|]*)", command):
        words = (install.group(1) + install.group(2)).split()
        if "--no-install-recommends" not in words:
            problems.append(f"line {number}: apt-get install without --no-install-recommends")
        if not {"-y", "--yes", "--assume-yes", "-qy", "-yq"} & set(words):
            problems.append(f"line {number}: apt-get install without -y")
    if uses_apt_get and not re.search(r"rm\s+-(rf|fr)\s+/var/lib/apt/lists", command):
        problems.append(
            f"line {number}: apt-get without `rm -rf /var/lib/apt/lists/*` in the same RUN")
    return problems


def exec_form_problem(number, word, args):
    try:
        argv = json.loads(args)
    except ValueError:
        argv = None
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        return f"line {number}: {word} in shell form; write it as a JSON array"
    return None


def problems(text):
    found = []
    stages = []  # [(name or None, [(line, word, args)])]
    for number, word, args in instructions(text):
        if word == "FROM":
            parts = [p for p in args.split() if not p.startswith("--")]
            image = parts[0] if parts else ""
            name = parts[2].lower() if len(parts) == 3 and parts[1].upper() == "AS" else None
            problem = base_image_problem(image, {n for n, _ in stages if n})
            if problem:
                found.append(f"line {number}: {problem}")
            stages.append((name, []))
            continue
        if not stages:
            if word not in ("ARG",):
                found.append(f"line {number}: {word} before the first FROM")
            continue
        stages[-1][1].append((number, word, args))
        if word == "RUN":
            if "<<" in args:
                found.append(f"line {number}: heredoc RUN is not understood by this check")
            found.extend(run_problems(number, args))
        elif word == "ADD":
            sources = [a for a in args.split() if not a.startswith("--")][:-1]
            if any(not re.match(r"https?://", s) for s in sources):
                found.append(f"line {number}: ADD of a local file; use COPY")
        elif word in ("ENTRYPOINT", "CMD"):
            problem = exec_form_problem(number, word, args)
            if problem:
                found.append(problem)

    if len(stages) < 2:
        found.append("a single stage: build in one stage, copy the result into a slim one")
        return found
    final = stages[-1][1]
    if not any(w == "COPY" and "--from=" in a for _, w, a in final):
        found.append("the final stage copies nothing from a build stage (COPY --from=...)")
    entrypoints = [n for n, w, _ in final if w == "ENTRYPOINT"]
    if not entrypoints:
        found.append("the final stage has no ENTRYPOINT")
        return found
    users = [(n, a) for n, w, a in final if w == "USER" and n < entrypoints[-1]]
    if not users:
        found.append("no USER before the final ENTRYPOINT: the container would run as root")
    else:
        user = users[-1][1].split(":")[0]
        if user in ("root", "0"):
            found.append(f"line {users[-1][0]}: USER {user} before the final ENTRYPOINT")
    return found


def main(argv):
    if len(argv) != 2:
        print("usage: check_containerfile.py FILE", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        found = problems(f.read())
    for problem in found:
        print(f"{argv[1]}: {problem}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
