"""The README's offline install on Debian 12 works with the system's PyTorch: a venv that sees the
system site-packages, pip with no index, no build isolation and no dependencies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import SHIPPED, SOURCE_DIR


def test_offline_install_into_a_venv_with_system_site_packages(tmp_path):
    source = tmp_path / "python"
    shutil.copytree(
        SOURCE_DIR / "python", source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            str(source),
        ],
        check=True,
    )
    code = (
        "import importlib.metadata as m, rlloss, torch\n"
        "assert rlloss.__file__.startswith(%r), rlloss.__file__\n"
        "print(sorted(p.name for p in rlloss.plugins()))\n"
        "print([e.value for e in m.entry_points(group='verl.plugins')])\n"
    ) % str(venv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(SHIPPED), "['rlloss.verl_entry_point']"]
