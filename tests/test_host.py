"""The default target, read from the environment as cibuildwheel (and distutils) set it.

`host_target` is a function of the environment mapping and the machine, so each variable is
checked here on its own and in the combinations cibuildwheel uses, for every runner.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wasm_build_backend.errors import BuildError
from wasm_build_backend.targets.host import Machine, build_machine, host_target

MAC_ARM = Machine("darwin", "aarch64")
MAC_INTEL = Machine("darwin", "x86_64")
WIN_AMD64 = Machine("win32", "x86_64")
WIN_ARM64 = Machine("win32", "aarch64")


def tag(env: dict[str, str], machine: Machine) -> str:
    return host_target(env, machine).platform_tag()


def test_build_machine_names_architectures_as_wheels_do() -> None:
    assert build_machine("linux", "x86_64", "glibc") == Machine("linux", "x86_64", "glibc")
    assert build_machine("linux", "aarch64", "musl") == Machine("linux", "aarch64", "musl")
    assert build_machine("darwin", "arm64") == MAC_ARM
    assert build_machine("win32", "AMD64") == WIN_AMD64
    assert build_machine("win32", "ARM64") == WIN_ARM64
    # The wasm2c engine's further Linux CPUs, as `uname -m` says them.
    assert build_machine("linux", "i686", "glibc") == Machine("linux", "i686", "glibc")
    assert build_machine("linux", "armv8l", "musl") == Machine("linux", "armv7l", "musl")
    assert build_machine("win32", "x86") == Machine("win32", "i686")
    with pytest.raises(BuildError, match="architecture 'sparc64'"):
        build_machine("linux", "sparc64", "glibc")


@pytest.mark.parametrize("libc", ["glibc", "musl"])
@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_linux_is_the_machine_whatever_the_macos_and_windows_variables(
    arch: str, libc: str
) -> None:
    # cibuildwheel builds other Linux architectures in containers of that architecture.
    env = {"ARCHFLAGS": "-arch arm64", "VSCMD_ARG_TGT_ARCH": "arm64", "_PYTHON_HOST_PLATFORM": ""}
    prefix = "manylinux_2_17" if libc == "glibc" else "musllinux_1_2"
    assert tag(env, Machine("linux", arch, libc)) == f"{prefix}_{arch}"


def test_macos_without_variables_is_the_machine_at_its_oldest() -> None:
    assert tag({}, MAC_ARM) == "macosx_11_0_arm64"
    assert tag({}, MAC_INTEL) == "macosx_10_12_x86_64"


@pytest.mark.parametrize(
    ("flags", "machine", "expected"),
    [
        ("-arch arm64", MAC_INTEL, "macosx_11_0_arm64"),
        ("-arch x86_64", MAC_ARM, "macosx_10_12_x86_64"),
        ("-arch arm64 -arch x86_64", MAC_ARM, "macosx_10_12_universal2"),
        ("-arch x86_64  -arch arm64", MAC_INTEL, "macosx_10_12_universal2"),
    ],
)
def test_macos_archflags_choose_the_architecture(
    flags: str, machine: Machine, expected: str
) -> None:
    assert tag({"ARCHFLAGS": flags}, machine) == expected


@pytest.mark.parametrize(
    ("platform", "machine", "expected"),
    [
        ("macosx-11.0-arm64", MAC_INTEL, "macosx_11_0_arm64"),
        ("macosx-10.9-x86_64", MAC_ARM, "macosx_10_12_x86_64"),
        ("macosx-10.15-x86_64", MAC_ARM, "macosx_10_15_x86_64"),
        ("macosx-10.9-universal2", MAC_ARM, "macosx_10_12_universal2"),
        ("macosx-12-arm64", MAC_INTEL, "macosx_12_0_arm64"),
    ],
)
def test_macos_python_host_platform_chooses_architecture_and_version(
    platform: str, machine: Machine, expected: str
) -> None:
    assert tag({"_PYTHON_HOST_PLATFORM": platform}, machine) == expected


@pytest.mark.parametrize(
    ("version", "machine", "expected"),
    [
        ("10.9", MAC_INTEL, "macosx_10_12_x86_64"),  # the launcher and runtime need 10.12
        ("10.13", MAC_INTEL, "macosx_10_13_x86_64"),
        ("10.15", MAC_INTEL, "macosx_10_15_x86_64"),
        ("11.0", MAC_ARM, "macosx_11_0_arm64"),
        ("10.13", MAC_ARM, "macosx_11_0_arm64"),  # arm64 starts at 11.0
        ("12", MAC_ARM, "macosx_12_0_arm64"),
        ("13.4.1", MAC_ARM, "macosx_13_4_arm64"),
    ],
)
def test_macos_deployment_target_sets_the_version(
    version: str, machine: Machine, expected: str
) -> None:
    assert tag({"MACOSX_DEPLOYMENT_TARGET": version}, machine) == expected


@pytest.mark.parametrize(
    ("env", "machine", "expected"),
    [
        # What cibuildwheel sets for each of its macOS builds (CPython 3.12+ on x86_64: 10.13).
        (
            {
                "MACOSX_DEPLOYMENT_TARGET": "11.0",
                "_PYTHON_HOST_PLATFORM": "macosx-11.0-arm64",
                "ARCHFLAGS": "-arch arm64",
            },
            MAC_ARM,
            "macosx_11_0_arm64",
        ),
        (
            {
                "MACOSX_DEPLOYMENT_TARGET": "10.13",
                "_PYTHON_HOST_PLATFORM": "macosx-10.9-x86_64",
                "ARCHFLAGS": "-arch x86_64",
            },
            MAC_ARM,
            "macosx_10_13_x86_64",
        ),
        (
            {
                "MACOSX_DEPLOYMENT_TARGET": "10.13",
                "_PYTHON_HOST_PLATFORM": "macosx-10.9-universal2",
                "ARCHFLAGS": "-arch arm64 -arch x86_64",
            },
            MAC_INTEL,
            "macosx_10_13_universal2",
        ),
        (
            {
                "MACOSX_DEPLOYMENT_TARGET": "11.0",
                "_PYTHON_HOST_PLATFORM": "macosx-11.0-arm64",
                "ARCHFLAGS": "-arch arm64",
            },
            MAC_INTEL,
            "macosx_11_0_arm64",
        ),
    ],
)
def test_macos_as_cibuildwheel_sets_it(
    env: dict[str, str], machine: Machine, expected: str
) -> None:
    assert tag(env, machine) == expected


def test_macos_contradictions_are_errors() -> None:
    env = {"ARCHFLAGS": "-arch x86_64", "_PYTHON_HOST_PLATFORM": "macosx-11.0-arm64"}
    with pytest.raises(BuildError, match="name different architectures"):
        host_target(env, MAC_ARM)
    with pytest.raises(BuildError, match="ARCHFLAGS='-arch i386'"):
        host_target({"ARCHFLAGS": "-arch i386"}, MAC_ARM)
    with pytest.raises(BuildError, match="not a macOS platform"):
        host_target({"_PYTHON_HOST_PLATFORM": "linux-x86_64"}, MAC_ARM)
    with pytest.raises(BuildError, match="not a macOS version"):
        host_target({"MACOSX_DEPLOYMENT_TARGET": "eleven"}, MAC_ARM)


def test_windows_without_variables_is_the_machine() -> None:
    assert tag({}, WIN_AMD64) == "win_amd64"
    assert tag({}, WIN_ARM64) == "win_arm64"


@pytest.mark.parametrize(
    ("value", "machine", "expected"),
    [
        ("arm64", WIN_AMD64, "win_arm64"),
        ("x64", WIN_ARM64, "win_amd64"),
        ("ARM64", WIN_AMD64, "win_arm64"),
        ("x86", WIN_AMD64, "win32"),
    ],
)
def test_windows_vscmd_arg_tgt_arch(value: str, machine: Machine, expected: str) -> None:
    assert tag({"VSCMD_ARG_TGT_ARCH": value}, machine) == expected


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        # As cibuildwheel writes it for an ARM64 cross build.
        (
            "[build]\nplat_name=win-arm64\n[build_ext]\nlibrary_dirs=C:\\Python\\libs\n"
            "plat_name=win-arm64\n[bdist_wheel]\nplat_name=win-arm64\n",
            "win_arm64",
        ),
        ("[build_ext]\nplat_name=win-arm64\n", "win_arm64"),
        ("[bdist_wheel]\nplat-name = win_arm64\n", "win_arm64"),
        ("[build_ext]\nplat_name=win-amd64\n", "win_amd64"),
        ("[build_ext]\nparallel = 4\n", "win_amd64"),  # says nothing of the platform
        ("[build_ext]\nplat_name=win32\n", "win32"),
    ],
)
def test_windows_dist_extra_config(tmp_path: Path, config: str, expected: str) -> None:
    path = tmp_path / "extra-setup.cfg"
    path.write_text(config)
    assert tag({"DIST_EXTRA_CONFIG": str(path)}, WIN_AMD64) == expected


def test_windows_as_cibuildwheel_sets_it_for_arm64(tmp_path: Path) -> None:
    path = tmp_path / "extra-setup.cfg"
    path.write_text("[build]\nplat_name=win-arm64\n[build_ext]\nplat_name=win-arm64\n")
    env = {"DIST_EXTRA_CONFIG": str(path), "VSCMD_ARG_TGT_ARCH": "arm64"}
    assert tag(env, WIN_AMD64) == "win_arm64"


def test_windows_contradictions_and_unsupported_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "extra-setup.cfg"
    path.write_text("[build_ext]\nplat_name=win-arm64\n")
    env = {"DIST_EXTRA_CONFIG": str(path), "VSCMD_ARG_TGT_ARCH": "x64"}
    with pytest.raises(BuildError, match="name different architectures"):
        host_target(env, WIN_AMD64)
    with pytest.raises(BuildError, match=r"VSCMD_ARG_TGT_ARCH='arm'.*x64, arm64 or x86"):
        host_target({"VSCMD_ARG_TGT_ARCH": "arm"}, WIN_AMD64)
    path.write_text("[build_ext]\nplat_name=win-arm32\n")
    with pytest.raises(BuildError, match="plat_name='win-arm32'"):
        host_target({"DIST_EXTRA_CONFIG": str(path)}, WIN_AMD64)
    with pytest.raises(BuildError, match="cannot read DIST_EXTRA_CONFIG"):
        host_target({"DIST_EXTRA_CONFIG": str(tmp_path / "absent.cfg")}, WIN_AMD64)
