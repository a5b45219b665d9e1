"""lint.containerfile: contrib/deploy/container/Containerfile passes
check_containerfile.py, and each broken input under bad/ fails it for its
own reason (so the check can fail)."""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CHECK = os.path.join(HERE, "check_containerfile.py")
CONTAINERFILE = os.path.join(ROOT, "contrib", "deploy", "container", "Containerfile")

# bad/Containerfile.NAME -> what the check must say about it.
BROKEN = {
    "untagged": "base image debian has no tag",
    "latest": "uses the tag latest",
    "recommends": "without --no-install-recommends",
    "lists-kept": "without `rm -rf /var/lib/apt/lists/*` in the same RUN",
    "lists-later": "without `rm -rf /var/lib/apt/lists/*` in the same RUN",
    "root": "no USER before the final ENTRYPOINT",
    "user-after": "no USER before the final ENTRYPOINT",
    "user-root": "USER root before the final ENTRYPOINT",
    "shell-entrypoint": "ENTRYPOINT in shell form",
    "add": "ADD of a local file",
    "single-stage": "a single stage",
}


def check(path):
    return subprocess.run([sys.executable, CHECK, path], capture_output=True, text=True,
                          timeout=60, check=False)


class ContainerfileTest(unittest.TestCase):
    def test_the_shipped_containerfile_passes(self):
        result = check(CONTAINERFILE)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "")

    def test_the_reference_input_passes(self):
        result = check(os.path.join(HERE, "bad", "Containerfile.good"))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_each_broken_input_fails_for_its_own_reason(self):
        for name, expected in BROKEN.items():
            with self.subTest(name=name):
                result = check(os.path.join(HERE, "bad", f"Containerfile.{name}"))
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                lines = result.stdout.splitlines()
                self.assertEqual(len(lines), 1, result.stdout)
                self.assertIn(expected, lines[0])

    def test_every_broken_input_is_tested(self):
        present = {f.split(".", 1)[1] for f in os.listdir(os.path.join(HERE, "bad"))
                   if f.startswith("Containerfile.") and f != "Containerfile.good"}
        self.assertEqual(present, set(BROKEN))


if __name__ == "__main__":
    unittest.main()
