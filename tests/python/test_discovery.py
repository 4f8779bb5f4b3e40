"""Where the package finds librlloss_host.so and the plugins: the build tree, an install prefix,
RLLOSS_HOST_LIBRARY and RLLOSS_PLUGIN_PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHIPPED, SOURCE_DIR

BUILD_DIR = Path(os.environ.get("RLLOSS_TEST_BUILD_DIR", SOURCE_DIR / "build")).resolve()
PROBE = "import rlloss, rlloss._library as l; print(l.library()._name); print(sorted(p.name for p in rlloss.plugins()))"


def probe(python_path, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("RLLOSS_HOST_LIBRARY", "PYTHONPATH")}
    environment.update(env, PYTHONPATH=str(python_path))
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.skipif(
    BUILD_DIR != (SOURCE_DIR / "build").resolve(), reason="the checkout's build/ is not the build under test"
)
def test_a_checkout_finds_its_build_tree():
    library, names = probe(SOURCE_DIR / "python", RLLOSS_PLUGIN_PATH="")
    assert library == str(SOURCE_DIR / "build" / "registry" / "librlloss_host.so")
    assert names == str(SHIPPED)


def test_an_install_prefix_finds_its_library(tmp_path):
    prefix = tmp_path / "prefix"
    subprocess.run(
        ["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix), "--component", "Unspecified"],
        check=True,
        capture_output=True,
    )
    library_dir = next(p.parent for p in prefix.rglob("librlloss_host.so"))
    # cmake --install puts the package there (and its dist-info beside it).
    site = prefix / "lib" / "python3" / "dist-packages"
    assert (site / "rlloss" / "__init__.py").is_file()
    assert list(site.glob("rlloss-*.dist-info/entry_points.txt"))
    plugins = next(p.parent for p in prefix.rglob("librlloss_sapo.so"))
    library, names = probe(site, RLLOSS_PLUGIN_PATH=str(plugins))
    assert library == str(library_dir / "librlloss_host.so")
    assert names == str(SHIPPED)


def test_rlloss_plugin_path_adds_directories():
    zoo = os.environ.get("RLLOSS_TEST_ZOO_DIR")
    if not zoo:
        pytest.skip("RLLOSS_TEST_ZOO_DIR is not set; run through CTest")
    library = str(BUILD_DIR / "registry" / "librlloss_host.so")
    _, names = probe(
        SOURCE_DIR / "python", RLLOSS_HOST_LIBRARY=library, RLLOSS_PLUGIN_PATH=os.path.join(zoo, "toy")
    )
    assert names == str(SHIPPED + ["toy"])
