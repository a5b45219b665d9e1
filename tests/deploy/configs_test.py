"""lint.deploy_configs: the config files that contrib/deploy ships (the
example for the systemd unit and the one in the Kubernetes ConfigMap) pass
`mailferry sync --check`, with their password files put in a temporary
directory instead of where systemd or Kubernetes would mount them."""

import os
import re
import subprocess
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY = os.path.join(os.path.dirname(os.path.dirname(HERE)), "contrib", "deploy")
MAILFERRY = os.environ.get("MAILFERRY", "mailferry")

# Where each config expects its password files.
CONFIGS = {
    "config.example.toml": "/run/credentials/mailferry.service/",
    "kubernetes/configmap.yaml": "/run/secrets/mailferry/",
}


def config_text(name):
    with open(os.path.join(DEPLOY, name), encoding="utf-8") as f:
        if name.endswith(".yaml"):
            return yaml.safe_load(f)["data"]["config.toml"]
        return f.read()


class DeployConfigsTest(unittest.TestCase):
    def test_shipped_configs_pass_the_check(self):
        for name, password_dir in CONFIGS.items():
            with self.subTest(config=name), tempfile.TemporaryDirectory() as tmp:
                text = config_text(name)
                files = re.findall(rf'_password_file = "{re.escape(password_dir)}([^"]+)"', text)
                self.assertGreaterEqual(len(files), 2, text)
                for f in files:
                    with open(os.path.join(tmp, f), "w", encoding="utf-8") as out:
                        out.write("secret\n")
                config = os.path.join(tmp, "config.toml")
                with open(config, "w", encoding="utf-8") as out:
                    out.write(text.replace(password_dir, tmp + "/"))
                result = subprocess.run([MAILFERRY, "sync", "--config", config, "--check"],
                                        capture_output=True, text=True, timeout=60, check=False)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()
