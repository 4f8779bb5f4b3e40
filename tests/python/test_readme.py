"""The README's Python example runs as written (from the repository root, as its paths assume)."""

from __future__ import annotations

import os
import re

from conftest import SHIPPED, SOURCE_DIR


def test_readme_python_example_runs(capsys):
    text = (SOURCE_DIR / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README.md has no python example"
    cwd = os.getcwd()
    os.chdir(SOURCE_DIR)
    try:
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == str(SHIPPED)
    value, kl = map(float, printed[1].split())
    assert kl != 0.0
