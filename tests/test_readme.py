"""The README's "Using it" commands, run as written by a newcomer: in a fresh copy of
the checkout, with the package index as the only source of the backend's dependencies
(no test wheelhouse), and the project folder they make beside it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, copy_checkout

# The block the README marks for this test.
USING_IT = re.compile(r"<!-- readme-test: using-it -->\n```sh\n(.*?)\n```\n", re.DOTALL)

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the README's commands are POSIX sh"
)


def test_readme_using_it_commands_run_as_written(tmp_path: Path) -> None:
    blocks = USING_IT.findall((ROOT / "README.md").read_text())
    assert len(blocks) == 1, "README.md: one block marked <!-- readme-test: using-it -->"
    checkout = copy_checkout(tmp_path / "wasm-build-backend")
    # The newcomer's shell: `python3` with pip (this test run's), and nothing that points
    # frontends at the test suite's own wheelhouse.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "VIRTUAL_ENV")) or k == "PIP_DISABLE_PIP_VERSION_CHECK"
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", blocks[0]],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.stdout.splitlines()[-1] == "Hello, world!", proc.stdout
    # What the commands made: the wheel, and in the venv the native executable.
    project = tmp_path / "hello-tool"
    (wheel,) = (project / "dist").glob("hello_tool-1.0.0-py3-none-*.whl")
    assert (project / ".venv" / "bin" / "hello").read_bytes()[:4] == b"\x7fELF", wheel
