"""Building and running one WASI command every way the fuzzer compares (see fuzz.py).

The executables are made by `wasm-build-backend create-exe` (called in process, the
command line's own code path) with each engine; the reference is the `wasmtime`
package running the same module, as `wasmtime run` would. An `Outcome` is what a
user can observe: exit status, standard output, and which trap ended the program.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import wasmtime

from wasm_build_backend import cli

ENGINES: tuple[str, ...] = ("wasmtime", "wasm2c")
RUN_TIMEOUT = 30.0  # seconds; a program still running then is a divergence of its own
TRAP_STATUS = 134  # `wasmtime run` on a trap, on Unix

# Cache kinds that do not depend on the module: shared by every worker of a run. The
# others hold one module's translation, objects and executables, and are removed after
# each case so that a long run does not fill the disk.
SHARED_KINDS: tuple[str, ...] = ("launchers", "runtimes", "wasm2c-runtime", "unwinders")


@dataclass(frozen=True)
class Outcome:
    status: int
    stdout: str
    trap: str | None  # Wasmtime's trap message ("out of bounds memory access"), if any

    def differences(self, other: Outcome) -> list[str]:
        """How `other` (an engine's executable) differs from `self` (the reference)."""
        found = []
        if self.status != other.status:
            found.append(f"exit status {other.status}, Wasmtime {self.status}")
        if self.trap != other.trap:
            found.append(f"trap {other.trap!r}, Wasmtime {self.trap!r}")
        if self.stdout != other.stdout:
            mine, theirs = other.stdout.splitlines(), self.stdout.splitlines()
            line = next(
                (i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b),
                min(len(mine), len(theirs)),
            )
            got = mine[line] if line < len(mine) else "(end)"
            want = theirs[line] if line < len(theirs) else "(end)"
            found.append(f"stdout line {line + 1}: {got!r}, Wasmtime {want!r}")
        return found


_TRAP = re.compile(r"wasm trap: ([^\n]*)")


def trap_of(message: str) -> str | None:
    """The trap in an error message: Wasmtime's "wasm trap: ..." line, or else the last
    cause it lists (a host function's error, such as an invalid enum value)."""
    found = _TRAP.findall(message)
    if found:
        return found[-1].strip()
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return re.sub(r"^\d+: ", "", lines[-1]) if lines else None


# ---- the reference ----


def reference(
    module: wasmtime.Module,
    args: list[str],
    dirs: list[tuple[str, str]],
    stdin: Path | None = None,
) -> Outcome:
    """Run `module` as `wasmtime run --dir HOST::GUEST ... module ARGS` would."""
    engine = module_engine()
    with tempfile.TemporaryDirectory(prefix="wbb-fuzz-ref-") as tmp:
        out = os.path.join(tmp, "stdout")
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["fuzz", *args]
        wasi.stdout_file = out
        if stdin is not None:
            wasi.stdin_file = str(stdin)
        for host, guest in dirs:
            wasi.preopen_dir(host, guest)
        store = wasmtime.Store(engine)
        store.set_wasi(wasi)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        status, trap = 0, None
        try:
            instance = linker.instantiate(store, module)
            start = instance.exports(store)["_start"]
            assert isinstance(start, wasmtime.Func)
            start(store)
        except wasmtime.ExitTrap as e:
            status = e.code
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            status, trap = TRAP_STATUS, trap_of(str(e))
        text = Path(out).read_text(encoding="utf-8", errors="replace")
    return Outcome(status, text, trap)


_ENGINE: list[wasmtime.Engine] = []


def module_engine() -> wasmtime.Engine:
    """One Wasmtime engine per process, with Wasmtime's default settings (`wasmtime run`'s)."""
    if not _ENGINE:
        _ENGINE.append(wasmtime.Engine())
    return _ENGINE[0]


_LOADED: dict[Path, wasmtime.Module] = {}


def load(path: Path, keep: bool = False) -> wasmtime.Module:
    """The module compiled by Wasmtime; `keep` compiles it once per process."""
    if path in _LOADED:
        return _LOADED[path]
    module = wasmtime.Module(module_engine(), path.read_bytes())
    if keep:
        _LOADED[path] = module
    return module


# ---- the executables ----


class BuildFailed(Exception):
    pass


def create_exe(
    engine: str, module: Path, out: Path, cache_dir: Path, dirs: list[str] | None = None
) -> Path:
    """`wasm-build-backend create-exe MODULE -o OUT --engine ENGINE --dir ...`."""
    argv = ["create-exe", str(module), "-o", str(out), "--engine", engine]
    argv += ["--cache-dir", str(cache_dir)]
    for d in dirs if dirs is not None else [""]:
        argv += ["--dir", d]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = cli.main(argv)
    if status != 0:
        raise BuildFailed(f"create-exe --engine {engine} {module.name}: {stderr.getvalue()}")
    return out


def run_exe(
    exe: Path, args: list[str], cwd: Path | None = None, stdin: Path | None = None
) -> Outcome:
    try:
        with open(stdin or os.devnull, "rb") as input_:
            proc = subprocess.run(
                [str(exe), *args],
                cwd=cwd,
                stdin=input_,
                capture_output=True,
                timeout=RUN_TIMEOUT,
            )
    except subprocess.TimeoutExpired:
        return Outcome(-1, "", f"still running after {RUN_TIMEOUT:g} s")
    stderr = proc.stderr.decode(errors="replace")
    trap = trap_of(stderr) if proc.returncode == TRAP_STATUS else None
    if proc.returncode < 0:
        trap = f"killed by signal {-proc.returncode}"
    return Outcome(proc.returncode, proc.stdout.decode(errors="replace"), trap)


# ---- per-worker build cache ----


def worker_cache(shared: Path, root: Path) -> Path:
    """A build cache at `root` whose module-independent entries live in `shared`."""
    root.mkdir(parents=True, exist_ok=True)
    for kind in SHARED_KINDS:
        (shared / kind).mkdir(parents=True, exist_ok=True)
        link = root / kind
        if not link.exists():
            link.symlink_to(shared / kind, target_is_directory=True)
    return root


def forget_modules(cache_root: Path) -> None:
    """Remove the entries one case's builds made (everything but the shared kinds)."""
    for entry in cache_root.iterdir():
        if entry.name not in SHARED_KINDS:
            shutil.rmtree(entry, ignore_errors=True)
