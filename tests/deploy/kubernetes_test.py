"""lint.kubernetes_schema: contrib/deploy/kubernetes validates against the
Kubernetes API schemas (validate-kubernetes.cjs, kubernetes-models from
tests/deploy/node_modules, which contrib/setup.sh installs), and each broken
manifest under bad/ is rejected for its own reason (so the check can fail)."""

import glob
import os
import re
import shutil
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VALIDATE = os.path.join(HERE, "validate-kubernetes.cjs")
MANIFESTS = sorted(glob.glob(os.path.join(ROOT, "contrib", "deploy", "kubernetes", "*.yaml")))

# bad/k8s-NAME.yaml -> what the check must say about it.
BROKEN = {
    "wrong-type": ["schema: data/spec/parallelism must be integer"],
    "unknown-field": ["unknown field /spec/template/spec/containers/0/volumeMounts/0/subPathExpresion"],
    "shard-mismatch": ["--shard is $(JOB_COMPLETION_INDEX)/3, expected $(JOB_COMPLETION_INDEX)/4"],
    "missing-volume": ["PersistentVolumeClaim nowhere is in none of the files",
                       "volumeMounts config: no such volume"],
}


def validate(*paths):
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise AssertionError("node is missing: run bash contrib/setup.sh")
    return subprocess.run([node, VALIDATE, *paths], capture_output=True, text=True,
                          timeout=120, check=False)


class KubernetesManifestsTest(unittest.TestCase):
    def setUp(self):
        if not os.path.isdir(os.path.join(HERE, "node_modules", "kubernetes-models")):
            self.fail("tests/deploy/node_modules is missing: run bash contrib/setup.sh")

    def test_the_shipped_manifests_are_valid(self):
        self.assertGreaterEqual(len(MANIFESTS), 5, MANIFESTS)
        result = validate(*MANIFESTS)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        summary = re.search(r"(\d+) document\(s\), 0 problem\(s\)", result.stdout)
        self.assertIsNotNone(summary, result.stdout)
        # configmap, secret, two claims, the CronJob and the Indexed Job.
        self.assertGreaterEqual(int(summary.group(1)), 6, result.stdout)

    def test_each_broken_manifest_is_rejected_for_its_own_reason(self):
        for name, expected in BROKEN.items():
            with self.subTest(name=name):
                result = validate(os.path.join(HERE, "bad", f"k8s-{name}.yaml"))
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                problems = result.stdout.splitlines()[:-1]
                self.assertEqual(len(problems), len(expected), result.stdout)
                for text in expected:
                    self.assertIn(text, result.stdout)

    def test_every_broken_manifest_is_tested(self):
        present = {os.path.basename(p)[len("k8s-"):-len(".yaml")]
                   for p in glob.glob(os.path.join(HERE, "bad", "k8s-*.yaml"))}
        self.assertEqual(present, set(BROKEN))


if __name__ == "__main__":
    unittest.main()
