"""lint.man_page: cli/man/mailferry.1 formats without a single groff
warning, has a section for every command, describes in that section (or in
COMMON OPTIONS) every long option `mailferry COMMAND --help` prints, and
defines no option there that the command does not have."""

import os
import re
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PAGE = os.path.join(ROOT, "cli", "man", "mailferry.1")
MAILFERRY = os.environ.get("MAILFERRY", "mailferry")

# The commands the page must describe, whether or not --help lists them yet;
# any further command --help lists is checked too.
COMMANDS = ["migrate", "sync", "daemon", "probe", "status", "testserver", "demo"]
COMMON = "COMMON OPTIONS"
LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def plain(line):
    """A roff line as a reader sees its words: no font or spacing escapes."""
    line = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", line)
    line = line.replace("\\-", "-").replace("\\%", "").replace("\\&", "").replace("\\c", "")
    return line


def sections():
    """{"mailferry CMD" or section name: [lines]} of the page's .SS and .SH parts."""
    parts, current = {}, None
    with open(PAGE, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            heading = re.match(r'\.S[HS]\s+"?([^"]*)"?\s*$', line)
            if heading:
                current = heading.group(1).strip()
                parts.setdefault(current, [])
            elif current is not None and not line.startswith('.\\"'):
                parts[current].append(line)
    return parts


def defined_options(lines):
    """Long options in the tags of .TP/.TQ items: what a section defines."""
    found = set()
    for i, line in enumerate(lines[:-1]):
        if line.strip() in (".TP", ".TQ"):
            found.update(LONG_OPTION.findall(plain(lines[i + 1])))
    return found


def help_of(*args):
    return subprocess.run([MAILFERRY, *args, "--help"], capture_output=True, text=True,
                          timeout=60, check=False)


class ManPageTest(unittest.TestCase):
    def test_groff_prints_no_warning(self):
        result = subprocess.run(["groff", "-man", "-ww", "-z", PAGE], capture_output=True,
                                text=True, timeout=60, check=False,
                                env={**os.environ, "LC_ALL": "C.UTF-8"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")

    def test_every_command_and_its_options_are_described(self):
        top = help_of()
        self.assertEqual(top.returncode, 0, top.stderr)
        subcommands = re.split(r"^subcommands:\s*$", top.stdout, flags=re.M | re.I)[-1]
        listed = re.findall(r"^  ([a-z][a-z0-9-]*)\s", subcommands, flags=re.M)
        self.assertIn("migrate", listed, top.stdout)
        parts = sections()
        common = "\n".join(plain(l) for l in parts.get(COMMON, []))
        self.assertIn("--log-format", common)
        for command in dict.fromkeys(COMMANDS + listed):
            with self.subTest(command=command):
                title = f"mailferry {command}"
                self.assertIn(title, parts, f"no .SS section {title!r}")
                text = "\n".join(plain(l) for l in parts[title])
                result = help_of(command)
                self.assertEqual(result.returncode, 0,
                                 f"mailferry {command} --help: {result.stdout}{result.stderr}")
                options = set(LONG_OPTION.findall(result.stdout))
                self.assertIn("--help", options, result.stdout)
                missing = sorted(o for o in options
                                 if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])",
                                                  text + "\n" + common))
                self.assertEqual(missing, [], f"{title}: not in the man page")
                unknown = sorted(defined_options(parts[title]) - options)
                self.assertEqual(unknown, [], f"{title}: in the man page, not in --help")


if __name__ == "__main__":
    unittest.main()
