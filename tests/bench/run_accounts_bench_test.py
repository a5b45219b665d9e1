"""contrib/bench/run-accounts-bench.py with a few accounts, once: the first
sync copies every account (the harness reads every target back), the no-op
cycles copy nothing, and the JSON holds what a later run is compared with."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "..", "..", "contrib", "bench", "run-accounts-bench.py")
MAILFERRY = os.environ.get("MAILFERRY", "build/bin/mailferry")
CYCLE_KEYS = {"wall_s", "user_s", "sys_s", "maxrss_kb"}


class RunAccountsBench(unittest.TestCase):
    def test_few_accounts_copied_then_cycles_with_nothing_to_do(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "accounts.json")
            run = subprocess.run([sys.executable, BENCH, "--mailferry", MAILFERRY, "--accounts",
                                  "12", "--messages", "2", "--cycles", "2", "--json", out],
                                 capture_output=True, text=True, timeout=250)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn("12 accounts, 2 messages each", run.stdout)
            self.assertIn("| no-op cycle (median of 2) |", run.stdout)
            with open(out, encoding="utf-8") as f:
                result = json.load(f)
        self.assertEqual((result["accounts"], result["messages"]), (12, 2))
        self.assertEqual(len(result["cycles"]), 2)
        for cycle in result["cycles"] + [result["first"], result["median"]]:
            self.assertEqual(set(cycle), CYCLE_KEYS)
            self.assertGreater(cycle["maxrss_kb"], 0)
        self.assertGreater(result["state_bytes"], 0)


if __name__ == "__main__":
    unittest.main()
