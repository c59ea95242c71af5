"""Running executables built for other platforms on this Linux x86_64 machine, for the tests.

- Linux aarch64, glibc: `qemu-aarch64-static -L /usr/aarch64-linux-gnu` (Debian's
  `qemu-user-static`, `libc6-arm64-cross` and `libgcc-s1-arm64-cross`).
- Linux, musl (aarch64, and x86_64 too): qemu with a sysroot holding nothing but musl's
  loader (Debian's `musl:arm64` / `musl` packages), as a bare Alpine has: no libgcc.
- Linux on the CPUs only the wasm2c engine builds for (armv7l, i686, ppc64le, s390x,
  riscv64, loongarch64): `qemu-ARCH-static` alone, as those executables are static.
- Windows x86_64 and x86 (win32): Wine (`wine64`, which runs 32-bit programs too when
  Debian's `wine32:i386` is installed) in a private prefix. Wine before 9.0 has no
  `bcryptprimitives.dll`, which the Windows Wasmtime library imports; the prefix gets the
  stub the backend builds for its own use under Wine (Windows itself has the real one).

`.ci/run` installs every package named here.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wasm_build_backend.engines.precompile import wine_stub
from wasm_build_backend.jobs.cache import Cache
from wasm_build_backend.targets.emulators import glibc_sysroot, qemu, wine, wine_env
from wasm_build_backend.targets.host import build_machine
from wasm_build_backend.targets.target import Target

_persistent: set[Path] = set()  # Wine prefixes whose server this process keeps running

# Wine 8 sometimes prints this when a process that loaded the Wasmtime DLL exits while
# other Wine processes run: the program's output and exit status are unaffected, and
# the line is Wine's, not the program's. Rarely it comes before the program ran, and
# Wine exits 1 (see Emulation.run).
_WINE_CLIENT_ERROR = re.compile(rb"^wine client error:[0-9a-f]+: [^\n]*\n?", re.MULTILINE)


class Unavailable(Exception):
    """This machine cannot run the target's programs: the message says what is missing."""


@dataclass(frozen=True)
class Emulation:
    """How to run a program built for a target here: a command prefix and extra variables."""

    command: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    sysroot: Path | None = None  # where the target's system libraries are (Linux)
    noise: re.Pattern[bytes] | None = None  # the emulator's own lines on stderr

    def run(
        self,
        argv: Sequence[str | Path],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
        **kwargs: object,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run it, with output through files: Wine's server keeps pipes open after exit.

        The emulator's own lines are taken out of stderr and shown in the test's captured
        output. Wine exits 1 when its client loses the server ("wine client error"):
        a run that ends so, with no output, never ran the program and is made again once."""
        noise, proc = self._run_once(argv, env, timeout, kwargs)
        if noise and proc.returncode == 1 and not proc.stdout and not proc.stderr:
            proc = self._run_once(argv, env, timeout, kwargs)[1]
        return proc

    def _run_once(
        self,
        argv: Sequence[str | Path],
        env: Mapping[str, str] | None,
        timeout: float,
        kwargs: dict[str, object],
    ) -> tuple[bytes, subprocess.CompletedProcess[bytes]]:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.run(  # type: ignore[call-overload]
                [*self.command, *map(str, argv)],
                env={**(os.environ if env is None else env), **self.env},
                stdout=out,
                stderr=err,
                timeout=timeout,
                **kwargs,
            )
            out.seek(0)
            err.seek(0)
            stderr = err.read()
            noise = b""
            if self.noise is not None:
                noise = b"".join(m.group(0) for m in self.noise.finditer(stderr))
                stderr = self.noise.sub(b"", stderr)
            if noise:
                print(f"{self.command[0]}: {noise.decode(errors='replace')}", file=sys.stderr)
            return noise, subprocess.CompletedProcess(
                proc.args, proc.returncode, out.read(), stderr
            )


def musl_sysroot(arch: str, work: Path) -> Path:
    """A sysroot for qemu with musl's loader and nothing else (no libgcc: the wheels carry
    their own unwinder), made once in `work`."""
    root = work / f"musl-{arch}"
    loader = Path(f"/lib/ld-musl-{arch}.so.1")
    if root.is_dir():
        return root
    if not loader.exists():
        package = "musl:arm64" if arch == "aarch64" else "musl"
        raise Unavailable(f"no musl loader {loader} (apt-get install {package})")
    tmp = Path(tempfile.mkdtemp(prefix=f".musl-{arch}-", dir=work))
    (tmp / "lib").mkdir()
    # musl searches only the folders its path file lists, and the host may have one
    # (from its own musl package) that qemu would read for want of the sysroot's.
    (tmp / "etc").mkdir()
    (tmp / "etc" / f"ld-musl-{arch}.path").write_text("/lib\n/usr/lib\n")
    shutil.copyfile(loader.resolve(), tmp / "lib" / loader.name)
    (tmp / "lib" / loader.name).chmod(0o755)
    # musl's loader is its libc too, under the names programs link against (Alpine's
    # too, which auditwheel looks for).
    (tmp / "lib" / "libc.so").symlink_to(loader.name)
    (tmp / "lib" / f"libc.musl-{arch}.so.1").symlink_to(loader.name)
    try:
        tmp.rename(root)
    except OSError:  # another worker made it first
        shutil.rmtree(tmp, ignore_errors=True)
    return root


def _wineserver(wine_binary: str) -> str | None:
    beside = Path(wine_binary).resolve().parent / "wineserver"
    return str(beside) if beside.exists() else shutil.which("wineserver")


def _stop_wineserver(server: str, env: dict[str, str]) -> None:
    subprocess.run([server, "-k"], env=env, stdin=subprocess.DEVNULL, capture_output=True)


def _keep_wineserver(server: str, prefix: Path, env: dict[str, str]) -> None:
    """Keep the prefix's Wine server running until this process exits. Wine's usual
    server exits 3 s after its last program, and a program starting just then sometimes
    fails with "wine client error" and exit status 1 before it runs."""

    def server_do(flag: str) -> int:
        null = subprocess.DEVNULL
        return subprocess.run(
            [server, flag], env=env, stdin=null, stdout=null, stderr=null
        ).returncode

    prefix.mkdir(parents=True, exist_ok=True)
    if server_do("-p") != 0:
        # A usual server runs already and cannot be made persistent: wait for it to end.
        server_do("-w")
        if server_do("-p") != 0:
            raise Unavailable(f"cannot start a persistent Wine server for {prefix}")
    _persistent.add(prefix)
    atexit.register(_stop_wineserver, server, env)


def wine_prefix(work: Path, cache: Cache) -> Path:
    """A private Wine prefix in `work`, created once, able to load the Wasmtime DLL, with
    its server kept running until this process exits."""
    prefix = work / "wine-prefix"
    system32 = prefix / "drive_c" / "windows" / "system32"
    binary = wine()
    if binary is None:
        raise Unavailable("no wine64 (apt-get install wine64)")
    env = {**os.environ, **wine_env(prefix)}
    # The server first, so that wineboot's programs use it too.
    server = _wineserver(binary)
    if server is not None and prefix not in _persistent:
        _keep_wineserver(server, prefix, env)
    if not system32.is_dir():
        with tempfile.TemporaryFile() as out:
            subprocess.run([binary, "wineboot", "--init"], env=env, stdout=out, stderr=out)
    if not (system32 / "bcryptprimitives.dll").exists():
        shutil.copyfile(wine_stub(cache), system32 / "bcryptprimitives.dll")
    return prefix


def emulation(target: Target, work: Path, cache: Cache | None = None) -> Emulation:
    """How to run the target's executables here; raises Unavailable if nothing can."""
    machine = build_machine()
    if (target.os, target.arch) == (machine.os, machine.arch) and (
        target.os != "linux" or target.libc == machine.libc
    ):
        return Emulation()
    work.mkdir(parents=True, exist_ok=True)
    if target.os == "linux" and machine.os == "linux":
        binary = qemu(target.qemu_arch)
        if binary is None:
            raise Unavailable(
                f"no qemu-{target.qemu_arch}-static (apt-get install qemu-user-static)"
            )
        if not target.wasmtime_supported:
            # Only the wasm2c engine builds for it: static programs, no sysroot.
            if target.arch == "loongarch64" and shutil.which("setarch"):
                # Debian's qemu-loongarch64 7.2 with the host's address randomisation:
                # about 1 run in 100 of a static musl program fails its malloc (a
                # mapping qemu placed at a low address, then an mmap hint below zero;
                # 6 of 500 runs here, 0 of 500 with randomisation off).
                return Emulation(("setarch", "-R", binary))
            return Emulation((binary,))
        if target.libc == "musl":
            root = musl_sysroot(target.arch, work)
            return Emulation((binary, "-L", str(root)), sysroot=root)
        sysroot = glibc_sysroot(target.arch, os.environ)
        if sysroot is None:
            raise Unavailable(
                f"no glibc sysroot for {target.arch} with libgcc_s "
                "(apt-get install libc6-arm64-cross libgcc-s1-arm64-cross)"
            )
        return Emulation((binary, "-L", str(sysroot)), sysroot=sysroot)
    if target.os == "windows" and target.arch in ("x86_64", "i686") and machine.arch == "x86_64":
        binary = wine()
        if binary is None:
            raise Unavailable("no wine64 (apt-get install wine64)")
        prefix = wine_prefix(work, cache or Cache())
        return Emulation((binary,), wine_env(prefix), noise=_WINE_CLIENT_ERROR)
    raise Unavailable(f"nothing here runs programs for {target.platform_tag()}")
