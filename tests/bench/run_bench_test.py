"""contrib/bench/run-bench.py on the tiny corpus, once, with every tool:
each tool's phases ran and their results equal the source (the harness
reads every target back with imaplib), and the JSON holds the raw samples,
medians and machine facts a later run is compared with."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "..", "..", "contrib", "bench", "run-bench.py")
MAILFERRY = os.environ.get("MAILFERRY", "build/bin/mailferry")
# getmail6 is left to the benchmark itself: here it once stalled for 180 s
# (its "waiting child pid timed out"), which a suite on a loaded machine
# cannot afford; mailferry's own POP3 run is still compared.
TOOLS = ["mailferry", "mailferry -c1", "mailferry -c8", "mbsync", "offlineimap",
         "mailferry pop3", "reference"]
SAMPLE_KEYS = {"exit", "wall_s", "user_s", "sys_s", "maxrss_kb", "server_cpu_s", "verified",
               "messages", "mb"}


class RunBench(unittest.TestCase):
    def test_tiny_corpus_every_tool_verified(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "bench.json")
            run = subprocess.run([sys.executable, BENCH, "--mailferry", MAILFERRY, "--corpus",
                                  "tiny", "--repeat", "1", "--tools", ",".join(TOOLS), "--json", out],
                                 capture_output=True, text=True, timeout=280)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn("| | full copy | no-op re-run | re-run after 1% changes |", run.stdout)
            stdout = run.stdout
            with open(out, encoding="utf-8") as f:
                result = json.load(f)
        self.assertEqual(result["unavailable"], {})
        self.assertEqual(set(result["machine"]), {"nproc", "kernel", "python", "date"})
        self.assertEqual(set(result["tools"]), set(TOOLS))
        tiny = result["corpora"]["tiny"]
        self.assertEqual(tiny["messages"], 200)
        for tool in TOOLS:
            phases = ["full"] if tool == "reference" else ["full", "noop", "changes"]
            self.assertEqual(sorted(tiny["samples"][tool]), sorted(phases), tool)
            for phase in phases:
                samples = tiny["samples"][tool][phase]
                self.assertEqual(len(samples), 1, (tool, phase))
                self.assertTrue(SAMPLE_KEYS <= set(samples[0]), (tool, phase, samples[0]))
                self.assertTrue(samples[0]["verified"], (tool, phase, samples[0]))
                self.assertEqual(tiny["medians"][tool][phase]["failed"], 0, (tool, phase))
                self.assertIn("wall_s", tiny["medians"][tool][phase])
        # A no-op re-run of an IMAP source copies nothing, 1% changes are counted.
        self.assertEqual(tiny["samples"]["mailferry"]["noop"][0]["messages"], 0)
        self.assertGreater(tiny["samples"]["mailferry"]["changes"][0]["messages"], 0)
        # The state file after the full copy: a row and more for each message.
        state = tiny["samples"]["mailferry"]["full"][0]["state_bytes"]
        self.assertGreater(state, 200 * 100)
        self.assertIn("mailferry: state file %.1f MB after the full copy" % (state / 1e6),
                      stdout)

    def test_behind_a_delaying_proxy_the_tools_reach_the_server_through_it(self):
        # One mailferry IMAP variant ("mailferry" would select every one).
        tools = ["mailferry -c1", "mailferry pop3", "mbsync"]
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "bench.json")
            run = subprocess.run([sys.executable, BENCH, "--mailferry", MAILFERRY, "--corpus",
                                  "tiny", "--repeat", "1", "--tools", ",".join(tools), "--rtt",
                                  "100", "--json", out],
                                 capture_output=True, text=True, timeout=280)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn("100 ms round trip to the server", run.stdout)
            with open(out, encoding="utf-8") as f:
                tiny = json.load(f)["corpora"]["tiny"]
        self.assertEqual(tiny["rtt_ms"], 100)
        for tool in tools:
            for phase in ("full", "noop", "changes"):
                sample = tiny["samples"][tool][phase][0]
                self.assertTrue(sample["verified"], (tool, phase, sample))
                # Greeting and login at least: two round trips, each 100 ms
                # when the traffic went through the proxy.
                self.assertGreaterEqual(sample["wall_s"], 0.2, (tool, phase, sample))


if __name__ == "__main__":
    unittest.main()
