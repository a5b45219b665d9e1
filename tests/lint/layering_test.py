"""The layering check finds what it is there to find.

contrib/check-layering.py runs over the real tree as lint.layering; here it
runs over small trees built for the purpose, so a rule that stopped firing
would show.
"""

import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "contrib", "check-layering.py")


class Layering(unittest.TestCase):
    def check(self, files):
        with tempfile.TemporaryDirectory() as root:
            for path, text in files.items():
                full = os.path.join(root, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "w", encoding="utf-8") as f:
                    f.write(text)
            r = subprocess.run([sys.executable, SCRIPT, root], capture_output=True, text=True,
                               timeout=60)
            return r.returncode, r.stdout

    def test_allowed_edges_pass(self):
        rc, out = self.check({
            "cli/app.cpp": '#include "sync/migration.hpp"\n#include "contrib/testserver/x.hpp"\n',
            "sync/migration.cpp": '#include "clients/imap/client.hpp"\n#include "state/s.hpp"\n',
            "clients/imap/client.cpp": '#include "clients/net/stream.hpp"\n'
                                       '#include "mailferry/version.hpp"\n#include <vector>\n',
            "contrib/testserver/server.cpp": '#include "clients/wire/base64.hpp"\n',
        })
        self.assertEqual((rc, out), (0, ""))

    def test_each_edge_against_the_layering_is_reported_with_its_line(self):
        rc, out = self.check({
            "sync/planner.cpp": '// plans\n#include "cli/app.hpp"\n',
            "state/store.cpp": '#include "sync/plan.hpp"\n',
            "clients/imap/client.cpp": '#include "clients/pop3/client.hpp"\n',
            "clients/wire/base64.cpp": '#include "clients/net/stream.hpp"\n',
            "sync/scheduler/schedule.cpp": '#include "sync/migration.hpp"\n',
            "clients/net/stream.cpp": '#include "contrib/testserver/x.hpp"\n',
        })
        self.assertEqual(rc, 1)
        for line in ["sync/planner.cpp:2: includes cli/app.hpp",
                     "state/store.cpp:1: includes sync/plan.hpp",
                     "clients/imap/client.cpp:1: includes clients/pop3/client.hpp",
                     "clients/wire/base64.cpp:1: includes clients/net/stream.hpp",
                     "sync/scheduler/schedule.cpp:1: includes sync/migration.hpp",
                     "clients/net/stream.cpp:1: includes contrib/testserver/x.hpp",
                     "6 include(s) against the layering"]:
            self.assertIn(line, out)

    def test_a_folder_without_a_rule_is_an_error(self):
        rc, out = self.check({"clients/smtp/client.cpp": '#include "clients/wire/base64.hpp"\n'})
        self.assertEqual(rc, 1)
        self.assertIn("clients/smtp/client.cpp: its folder has no rule", out)


if __name__ == "__main__":
    unittest.main()
