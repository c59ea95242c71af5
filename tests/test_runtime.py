"""Where another platform's Wasmtime library comes from, and how it is checked.

The installed `wasmtime` package serves this machine's platform; another platform's library
comes from its wheel of the pinned version: downloaded once with pip into the cache, or named
by the `runtime` setting (a wheel, a folder of wheels, a folder holding the library) for
offline builds. A wheel for the wrong platform, including the `py3-none-any` one pip falls
back to, is refused with a message that says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLES

from wasm_build_backend.errors import BuildError
from wasm_build_backend.formats.binfmt import elf_needed, identify
from wasm_build_backend.jobs.cache import Cache
from wasm_build_backend.targets.target import parse_tag
from wasm_build_backend.toolchain.runtime import (
    RUNTIME_VERSION,
    installed_library,
    pip_platforms,
    runtime_library,
)

WIN_ARM64 = parse_tag("win_arm64")
MUSL_ARM64 = parse_tag("musllinux_1_2_aarch64")


def wheel_for(house: Path, platform: str) -> Path:
    (wheel,) = [w for w in house.glob("*.whl") if w.name.endswith(f"-{platform}.whl")]
    return wheel


def cli_build(
    project: Path, out: Path, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # The runtime library is what the wasmtime engine ships.
    cli = [sys.executable, "-m", "wasm_build_backend", "build", "--engine", "wasmtime"]
    return subprocess.run(
        [*cli, project, "-o", out, *args],
        capture_output=True,
        text=True,
        env=env,
    )


def test_pip_is_asked_for_every_tag_a_wheel_could_carry() -> None:
    # pip does not widen --platform to older tags itself (except on macOS).
    linux = pip_platforms(parse_tag("manylinux_2_17_aarch64"))
    assert {"manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"} <= set(
        linux
    )
    assert "musllinux_1_2_aarch64" in pip_platforms(MUSL_ARM64)
    assert not [p for p in pip_platforms(MUSL_ARM64) if "manylinux" in p]
    assert "macosx_10_13_x86_64" in pip_platforms(parse_tag("macosx_10_12_x86_64"))
    assert pip_platforms(WIN_ARM64) == ["win_arm64"]


def test_this_machines_platform_uses_the_installed_package(tmp_path: Path) -> None:
    import wasmtime

    host = parse_tag("manylinux_2_17_x86_64")
    if installed_library(host) is None:
        pytest.skip("not a Linux x86_64 glibc machine")
    path = runtime_library(host, Cache(tmp_path / "cache"))
    assert path.is_relative_to(Path(wasmtime.__file__).parent)
    assert not (tmp_path / "cache").exists(), "nothing downloaded or copied"
    # musl is another platform, even on the same CPU.
    assert installed_library(parse_tag("musllinux_1_2_x86_64")) is None


def test_a_wheel_a_folder_of_wheels_or_a_folder_with_the_library(
    tmp_path: Path, wasmtime_wheels: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    from_wheel = runtime_library(WIN_ARM64, cache, wheel_for(wasmtime_wheels, "win_arm64"))
    from_house = runtime_library(MUSL_ARM64, cache, wasmtime_wheels)
    kind = identify(from_wheel.read_bytes())
    assert kind is not None and (kind.format, kind.arches) == ("coff", ("aarch64",))
    kind = identify(from_house.read_bytes())
    assert kind is not None and (kind.format, kind.arches) == ("elf", ("aarch64",))
    # As shipped: the musl library needs no library by name (not even libgcc_s).
    assert elf_needed(from_house.read_bytes()) == []
    # A folder holding the library itself, as Wasmtime's C API releases have it (lib/).
    folder = tmp_path / "c-api" / "lib"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(wheel_for(wasmtime_wheels, "musllinux_1_2_aarch64")) as zf:
        (folder / "libwasmtime.so").write_bytes(zf.read("wasmtime/linux-aarch64/_libwasmtime.so"))
    shipped = runtime_library(MUSL_ARM64, cache, folder.parent)
    assert shipped.read_bytes() == from_house.read_bytes()


def test_the_any_wheel_pip_falls_back_to_is_refused(
    tmp_path: Path, wasmtime_any_wheel: Path
) -> None:
    with pytest.raises(BuildError, match=r"platform tags are any \(pip falls back"):
        runtime_library(WIN_ARM64, Cache(tmp_path / "cache"), wasmtime_any_wheel)


@pytest.mark.parametrize(
    ("tag", "wheel_platform", "message"),
    [
        ("win_arm64", "win_amd64", "its platform tags are win_amd64"),
        ("musllinux_1_2_aarch64", "manylinux2014_aarch64", "platform tags are manylinux2014"),
        ("manylinux_2_17_aarch64", "musllinux_1_2_aarch64", "platform tags are musllinux"),
    ],
)
def test_a_wheel_for_another_platform_is_refused(
    tmp_path: Path, wasmtime_wheels: Path, tag: str, wheel_platform: str, message: str
) -> None:
    wheel = wheel_for(wasmtime_wheels, wheel_platform)
    with pytest.raises(BuildError, match=message):
        runtime_library(parse_tag(tag), Cache(tmp_path / "cache"), wheel)


def test_a_library_for_another_platform_is_refused(tmp_path: Path, wasmtime_wheels: Path) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    with zipfile.ZipFile(wheel_for(wasmtime_wheels, "win_amd64")) as zf:
        (folder / "wasmtime.dll").write_bytes(zf.read("wasmtime/win32-x86_64/_wasmtime.dll"))
    with pytest.raises(BuildError, match=r"wanted coff aarch64, found PE x86_64"):
        runtime_library(WIN_ARM64, Cache(tmp_path / "cache"), folder)
    with pytest.raises(BuildError, match="holds neither a wasmtime-"):
        runtime_library(MUSL_ARM64, Cache(tmp_path / "cache"), folder)


def test_a_wheel_of_another_version_is_refused(tmp_path: Path, wasmtime_wheels: Path) -> None:
    wheel = wheel_for(wasmtime_wheels, "win_arm64")
    renamed = tmp_path / wheel.name.replace(RUNTIME_VERSION, "1.0.0")
    shutil.copyfile(wheel, renamed)
    with pytest.raises(BuildError, match=f"for Wasmtime {RUNTIME_VERSION} exactly"):
        runtime_library(WIN_ARM64, Cache(tmp_path / "cache"), renamed)


def test_download_once_then_offline(tmp_path: Path) -> None:
    """The first build downloads the runtime with pip; later builds need no network."""
    cache = tmp_path / "cache"
    proc = cli_build(
        SAMPLES / "hello", tmp_path / "d1", "--target", "win_arm64", "--cache-dir", cache
    )
    assert proc.returncode == 0, proc.stderr
    assert f"downloading the Wasmtime {RUNTIME_VERSION} runtime for win_arm64" in proc.stderr
    (origin,) = (cache / "runtimes").glob("*/origin.txt")
    assert origin.read_text().strip() == f"wasmtime-{RUNTIME_VERSION}-py3-none-win_arm64.whl"
    offline = {**os.environ, "PIP_NO_INDEX": "1"}
    proc = cli_build(
        SAMPLES / "hello",
        tmp_path / "d2",
        "--target",
        "win_arm64",
        "--cache-dir",
        cache,
        env=offline,
    )
    assert proc.returncode == 0, proc.stderr
    assert "downloading" not in proc.stderr
    (first,) = (tmp_path / "d1").glob("*.whl")
    (second,) = (tmp_path / "d2").glob("*.whl")
    assert first.name == second.name and first.read_bytes() == second.read_bytes()


def test_no_network_says_how_to_supply_the_runtime(tmp_path: Path) -> None:
    offline = {**os.environ, "PIP_NO_INDEX": "1"}
    proc = cli_build(
        SAMPLES / "hello",
        tmp_path / "dist",
        "--target",
        "macosx_11_0_arm64",
        "--cache-dir",
        tmp_path / "cache",
        env=offline,
    )
    assert proc.returncode == 1
    message = proc.stderr.split("error: ", 1)[1]
    assert message.startswith(
        f"cannot download the Wasmtime {RUNTIME_VERSION} runtime for macosx_11_0_arm64 with pip"
    ), message
    assert "-C runtime=PATH" in message and "pip download --no-deps" in message, message
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("dist/*.whl"))
