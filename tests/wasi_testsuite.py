#!/usr/bin/env python3
"""Run the WASI test suite (`../shared/wasi-testsuite`) on executables built by this backend.

Every test module goes through `build_scripts`, the core that every front door drives,
and the executable is run as the test's JSON says: its args, exactly its env, its
`root` preopened as `/`, then exit code, stdout and stderr are compared. Wasmtime is
the reference and passes every test, so our executables must too.

Executables for another platform run under an emulator (see emulation.py): qemu-user for
Linux aarch64 and musl, Wine for Windows x86_64.

With `--component`, every test module is first made a `wasi:cli/command` component with
the WASI preview1 command adapter (componentize.py), and wasmtime-py runs that same
component (reference_run.py) before the executable does: a test wasmtime-py fails is
skipped (the adapter's limits are not ours to judge), every other one must pass.

Usable from pytest (see test_wasi_testsuite.py) and as a script:

    python tests/wasi_testsuite.py [--engine auto|wasm2c|wasmtime] [--target TAG]
                                   [--precompile MODE] [--suite c,rust,assemblyscript]
                                   [-k NAME] [--component]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from componentize import NotAComponent, componentize_all
from componentize import Unavailable as ComponentsUnavailable
from emulation import Emulation, Unavailable, emulation

from wasm_build_backend.distribution.layout import Layout
from wasm_build_backend.errors import BuildError
from wasm_build_backend.executables import build_scripts
from wasm_build_backend.jobs.cache import Cache
from wasm_build_backend.settings.pyproject import DEFAULT_ENGINE, ENGINES, Preopen, Sandbox, Script
from wasm_build_backend.targets.host import host_target
from wasm_build_backend.targets.target import Target, parse_tag
from wasm_build_backend.toolchain.runtime import RUNTIME_VERSION

# ../shared/wasi-testsuite beside the checkout (as CI has it), or where the variable says.
SUITE_ROOT = Path(
    os.environ.get("WBB_WASI_TESTSUITE")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "wasi-testsuite"
)
SUITES = ("c", "rust", "assemblyscript")
JSON_KEYS = ("args", "env", "root", "exit_code", "stdout", "stderr")
# Generous: the slowest test takes well under a second; this only stops a hang.
TIMEOUT = 60.0
LAYOUT = Layout.standalone("wasi-testsuite")


class RunnerError(Exception):
    """The runner cannot do what it was asked (bad test data, no way to run a target)."""


@dataclass(frozen=True)
class WasiTest:
    """One test: a command module and what running it must give."""

    suite: str  # "c", "rust" or "assemblyscript"
    module: Path  # the .wasm in the shared suite (read only, never run from there)
    folder: str  # the test's folder relative to the suite root, POSIX form
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    root: str | None = None  # relative to the test's folder
    exit_code: int = 0
    stdout: str | None = None
    stderr: str | None = None

    @property
    def name(self) -> str:
        return self.module.stem

    @property
    def id(self) -> str:
        return f"{self.suite}/{self.name}"


# ---- reading the suite ----


def _expect(value: object, kind: type | tuple[type, ...], key: str, path: Path) -> None:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RunnerError(f"{path}: {key!r} has the wrong type: {value!r}")


def load_test(module: Path, suite: str, suite_root: Path) -> WasiTest:
    """The test of `module`, with the defaults of shared/README.md where its JSON is silent."""
    spec_path = module.with_suffix(".json")
    spec = json.loads(spec_path.read_text(encoding="utf-8")) if spec_path.exists() else {}
    # An unknown key may change how the test must run: refuse rather than guess.
    unknown = sorted(set(spec) - set(JSON_KEYS))
    if unknown:
        raise RunnerError(f"{spec_path}: unknown key(s) {', '.join(unknown)}")
    args = spec.get("args", [])
    env = spec.get("env", {})
    _expect(args, list, "args", spec_path)
    _expect(env, dict, "env", spec_path)
    for key, kind in (("root", str), ("exit_code", int), ("stdout", str), ("stderr", str)):
        if key in spec:
            _expect(spec[key], kind, key, spec_path)
    return WasiTest(
        suite=suite,
        module=module,
        folder=module.parent.relative_to(suite_root).as_posix(),
        args=tuple(str(a) for a in args),
        env={str(k): str(v) for k, v in env.items()},
        root=spec.get("root"),
        exit_code=spec.get("exit_code", 0),
        stdout=spec.get("stdout"),
        stderr=spec.get("stderr"),
    )


def discover(
    suite_root: Path = SUITE_ROOT, suites: Sequence[str] = SUITES, keyword: str | None = None
) -> list[WasiTest]:
    """Every test of the named suites, in a stable order; `keyword` filters on the id."""
    tests = []
    for suite in suites:
        # A folder with a manifest.json is one test suite (one per WASI version).
        for manifest in sorted((suite_root / suite).rglob("manifest.json")):
            for module in sorted(manifest.parent.glob("*.wasm")):
                tests.append(load_test(module, suite, suite_root))
    ids = [t.id for t in tests]
    if len(set(ids)) != len(ids):
        raise RunnerError(f"two tests share an id in {suite_root}: name them by folder")
    return [t for t in tests if keyword is None or keyword in t.id]


# ---- the private copy of the suite ----


def copy_suite(suite_root: Path, dest: Path) -> Path:
    """A writable private copy of the suite's folders, which tests may change at will."""
    # The modules are not needed there (the executables carry them): skipping them
    # copies a few kilobytes instead of about 100 MB.
    shutil.copytree(suite_root, dest, symlinks=True, ignore=shutil.ignore_patterns("*.wasm"))
    # The shared copy may be read-only; copytree keeps its modes, and tests create,
    # rename and delete entries.
    for folder, dirs, files in os.walk(dest):
        for name in [*dirs, *files]:
            _make_writable(Path(folder, name))
    _make_writable(dest)
    return dest


def tree_digest(root: Path) -> str:
    """A hash of a folder's names, links and file contents (for cache keys)."""
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted([*dirs, *files]):
            path = Path(folder, name)
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            if path.is_symlink():
                digest.update(b"->" + os.readlink(path).encode())
            elif path.is_file():
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _make_writable(path: Path) -> None:
    if not path.is_symlink():
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def remove_cleanup_entries(root: Path) -> None:
    """Delete every `*.cleanup` file or folder that earlier tests may have left behind."""
    for folder, dirs, files in os.walk(root):
        for name in [n for n in dirs if n.endswith(".cleanup")]:
            dirs.remove(name)  # do not walk into what is being deleted
            _remove(Path(folder, name))
        for name in files:
            if name.endswith(".cleanup"):
                _remove(Path(folder, name))


def _remove(path: Path) -> None:
    # A symlink to a folder is removed as a link, never followed.
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


# ---- building ----


def script_for(
    test: WasiTest, engine: str, target: Target | None = None, module: Path | None = None
) -> Script:
    """The script `create-exe` would make of the test's module (or `module`, its
    component) and sandbox."""
    # The root is a host path resolved when the program starts, relative to its cwd,
    # which is the test's folder: as `wasmtime run --dir ROOT::/` run there would.
    # Being relative keeps the executable independent of where the private copy lives,
    # so it is built once and the cache serves every later run and every copy.
    dirs = (Preopen(test.root, "/"),) if test.root is not None else ()
    # The runner gives the process exactly the test's env, so the program takes all of
    # it; Windows (and Wine) add variables of their own to every process, so there the
    # program takes just the test's, as `wasmtime run --env K=V` would give them.
    env: str | tuple[str, ...] = "all"
    if target is not None and target.os == "windows":
        env = tuple(test.env)
    return Script(test.name, module or test.module, engine, Sandbox(dirs=dirs, env=env))


@contextlib.contextmanager
def _quiet(verbose: bool) -> Iterator[None]:
    """Hide the build's progress lines: failures arrive as BuildError messages anyway."""
    if verbose:
        yield
        return
    with contextlib.redirect_stderr(io.StringIO()):
        yield


def _place(source: Path, dest: Path) -> None:
    """Put a built file at `dest`: a hard link when possible (the runtime is 30 MB)."""
    if dest.exists() and os.path.samefile(source, dest):
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, tmp)
    os.replace(tmp, dest)


@dataclass(frozen=True)
class Builder:
    """Builds each test's executable into `out/<suite>/`, with its runtime beside it."""

    engine: str
    target: Target
    cache: Cache
    out: Path
    verbose: bool = False
    precompile: str | None = None  # the backend's precompile mode; None: its default
    # Component mode: each test module's component, or why wasm-tools could not make one.
    components: Mapping[Path, Path | NotAComponent] | None = None

    def module(self, test: WasiTest) -> Path:
        """What the executable runs: the test's module, or its component."""
        if self.components is None:
            return test.module
        found = self.components[test.module]
        if isinstance(found, NotAComponent):
            raise found
        return found

    def build(self, test: WasiTest) -> Path:
        folder = self.out / test.suite
        module = self.module(test)
        script = script_for(test, self.engine, self.target, module)
        with _quiet(self.verbose):
            built = build_scripts(
                module.parent,
                [script],
                self.target,
                LAYOUT,
                self.cache,
                precompile=self.precompile,
            )
        for name, path in built.executables.items():
            _place(path, folder / name)
        for rel, path in built.companions.items():
            _place(path, folder / LAYOUT.folder / rel)
        return folder / (test.name + self.target.exe_suffix)


# ---- running ----


def run_command(target: Target, work: Path) -> Emulation:
    """How to run an executable built for `target` on this machine (`work` holds what
    emulation needs: sysroots, a Wine prefix); raises RunnerError if nothing can."""
    try:
        return emulation(target, work)
    except Unavailable as e:
        raise RunnerError(
            f"cannot run executables for {target.platform_tag()} on this "
            f"{host_target().platform_tag()} machine: {e}"
        ) from None


def _show(data: bytes | str, limit: int = 2000) -> str:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")


def compare(test: WasiTest, proc: subprocess.CompletedProcess[bytes]) -> list[str]:
    """What differs from the test's expectations; empty when it passed."""
    problems = []
    if proc.returncode != test.exit_code:
        problems.append(f"exit code {proc.returncode}, expected {test.exit_code}")
    # Compared as bytes: the exact output, with no newline translation.
    if test.stdout is not None and proc.stdout != test.stdout.encode():
        problems.append(f"stdout {_show(proc.stdout)}, expected {_show(test.stdout)}")
    if test.stderr is not None and proc.stderr != test.stderr.encode():
        problems.append(f"stderr {_show(proc.stderr)}, expected {_show(test.stderr)}")
    if problems and test.stderr is None and proc.stderr:
        problems.append(f"stderr was {_show(proc.stderr)}")
    return problems


@dataclass(frozen=True)
class Outcome:
    test: WasiTest
    problems: tuple[str, ...]
    build_seconds: float = 0.0
    run_seconds: float = 0.0
    skipped: str | None = None  # why the test does not count (component mode only)
    # Skipped as wasmtime-py fails it: whether the executable's exit status and stdout
    # are still wasmtime-py's.
    matches_reference: bool | None = None

    @property
    def passed(self) -> bool:
        return not self.problems


REFERENCE = Path(__file__).resolve().parent / "reference_run.py"


@dataclass(frozen=True)
class Runner:
    """Builds and runs tests against one private copy of the suite."""

    builder: Builder
    suite_copy: Path
    emulation: Emulation = field(default_factory=Emulation)
    timeout: float = TIMEOUT
    suite_digest: str = ""  # of the suite's files but its modules: reference cache keys

    def execute(self, test: WasiTest, exe: Path) -> subprocess.CompletedProcess[bytes]:
        remove_cleanup_entries(self.suite_copy)
        return self.emulation.run(
            [exe, *test.args],
            cwd=self.suite_copy / test.folder,
            env=dict(test.env),  # exactly the test's variables, nothing inherited
            stdin=subprocess.DEVNULL,  # no test reads input; never wait on a terminal
            timeout=self.timeout,
        )

    def reference(self, test: WasiTest, component: Path) -> Reference:
        """wasmtime-py's run of `component`, compared with the test's expectations:
        cached by everything that decides it (the component, the test, the suite's
        files, the reference runner and the Wasmtime version), except a timeout."""
        key = {
            "component": hashlib.sha256(component.read_bytes()).hexdigest(),
            "test": [test.folder, test.args, sorted(test.env.items()), test.root],
            "expect": [test.exit_code, test.stdout, test.stderr],
            "suite": self.suite_digest,
            "runner": hashlib.sha256(REFERENCE.read_bytes()).hexdigest(),
            "wasmtime": RUNTIME_VERSION,
        }
        cache = self.builder.cache
        known = cache.path("references", key) / "reference.json"
        if known.is_file():
            found = json.loads(known.read_text())
            return Reference(found["problems"], found["exit"], found["stdout"].encode("latin-1"))
        ran = self._reference_run(test, component)
        if ran is None:
            return Reference([f"still running after {self.timeout:g} s"], None, b"")

        def produce(folder: Path) -> None:
            saved = {"problems": ran.problems, "exit": ran.exit_code}
            saved["stdout"] = ran.stdout.decode("latin-1")
            (folder / "reference.json").write_text(json.dumps(saved))

        cache.entry("references", key, produce)
        return ran

    def _reference_run(self, test: WasiTest, component: Path) -> Reference | None:
        """wasmtime-py's run of the component; None if it timed out."""
        remove_cleanup_entries(self.suite_copy)
        cmd = [sys.executable, str(REFERENCE), "--argv0", test.name, "--no-inherit-env"]
        cmd += [f"--env={k}={v}" for k, v in test.env.items()]
        if test.root is not None:
            cmd += ["--dir", f"{test.root}::/"]
        try:
            proc = subprocess.run(
                [*cmd, str(component), *test.args],
                cwd=self.suite_copy / test.folder,
                env=dict(test.env),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            return None
        return Reference(compare(test, proc), proc.returncode, proc.stdout)

    def check(self, test: WasiTest) -> Outcome:
        start = time.perf_counter()
        reference = None
        if self.builder.components is not None:
            try:
                component = self.builder.module(test)
            except NotAComponent as e:
                return Outcome(test, (), skipped=f"wasm-tools cannot make a component: {e}")
            reference = self.reference(test, component)
        try:
            exe = self.builder.build(test)
        except BuildError as e:
            return Outcome(test, (f"build failed: {e}",), time.perf_counter() - start)
        built = time.perf_counter()
        proc = None
        try:
            proc = self.execute(test, exe)
            problems = compare(test, proc)
        except subprocess.TimeoutExpired:
            problems = [f"still running after {self.timeout:g} s"]
        times = (built - start, time.perf_counter() - built)
        if reference is not None and reference.problems:
            # Not counted; still, say whether the executable did what wasmtime-py did.
            same = proc is not None and (proc.returncode, proc.stdout) == (
                reference.exit_code,
                reference.stdout,
            )
            ours = "the same" if same else f"exit {proc.returncode if proc else None}, other"
            why = f"wasmtime-py fails it too ({ours} exit status and stdout here): "
            why += "; ".join(reference.problems)
            return Outcome(test, (), *times, skipped=why, matches_reference=same)
        return Outcome(test, tuple(problems), *times)


@dataclass(frozen=True)
class Reference:
    """What wasmtime-py's run gave: the differences from the test's expectations."""

    problems: list[str]
    exit_code: int | None
    stdout: bytes


def make_runner(
    scratch: Path,
    *,
    engine: str = DEFAULT_ENGINE,
    target: Target | None = None,
    cache: Cache | None = None,
    suite_root: Path = SUITE_ROOT,
    verbose: bool = False,
    precompile: str | None = None,
    components: bool = False,
) -> Runner:
    """A runner working in `scratch`: executables in `bin/`, the suite's copy in `suite/`,
    emulators' files in `emulation/`. `components`: run each test as a component (all
    made first, in parallel and cached)."""
    target = target or host_target()
    cache = cache or Cache()
    # Fail before building anything if the result cannot run here.
    emulation = run_command(target, scratch / "emulation")
    made = None
    if components:
        made = componentize_all([t.module for t in discover(suite_root)], cache)
    builder = Builder(engine, target, cache, scratch / "bin", verbose, precompile, components=made)
    copy = copy_suite(suite_root, scratch / "suite")
    return Runner(builder, copy, emulation, suite_digest=tree_digest(copy) if components else "")


# ---- the script ----


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE)
    parser.add_argument("--target", metavar="TAG", help="wheel platform tag (default: here)")
    parser.add_argument(
        "--precompile", choices=("native", "first-run", "pulley"), help="the backend's mode"
    )
    parser.add_argument("--suite", default=",".join(SUITES), help="comma-separated suites")
    parser.add_argument("-k", dest="keyword", metavar="NAME", help="only ids containing NAME")
    parser.add_argument("--suite-dir", type=Path, default=SUITE_ROOT, help="the suite's folder")
    parser.add_argument("--cache-dir", type=Path, help="build cache (default: the shared one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="show build progress")
    parser.add_argument(
        "--component",
        action="store_true",
        help="run each test as a component made with the preview1 command adapter",
    )
    return parser.parse_args(argv)


def _report(outcome: Outcome) -> str:
    if outcome.skipped is not None:
        return f"SKIP {outcome.test.id}\n    {outcome.skipped}"
    status = "PASS" if outcome.passed else "FAIL"
    times = f"{outcome.build_seconds:.2f} s build, {outcome.run_seconds:.2f} s run"
    line = f"{status} {outcome.test.id} ({times})"
    return line + "".join(f"\n    {p}" for p in outcome.problems)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    if not args.suite_dir.is_dir():
        print(f"no wasi-testsuite at {args.suite_dir}", file=sys.stderr)
        return 2
    suites = [s for s in args.suite.split(",") if s]
    scratch = Path(tempfile.mkdtemp(prefix="wasi-testsuite-"))
    outcomes: list[Outcome] = []
    try:
        tests = discover(args.suite_dir, suites, args.keyword)
        runner = make_runner(
            scratch,
            engine=args.engine,
            target=parse_tag(args.target) if args.target else None,
            cache=Cache(args.cache_dir) if args.cache_dir else None,
            suite_root=args.suite_dir,
            verbose=args.verbose,
            precompile=args.precompile,
            components=args.component,
        )
        for test in tests:
            outcomes.append(runner.check(test))
            print(_report(outcomes[-1]), flush=True)
    except (BuildError, RunnerError, ComponentsUnavailable) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"scratch folder kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    build = sum(o.build_seconds for o in outcomes)
    run = sum(o.run_seconds for o in outcomes)
    print(f"build {build:.1f} s, run {run:.1f} s")
    failed = sum(not o.passed for o in outcomes)
    skipped = sum(o.skipped is not None for o in outcomes)
    counts = f"{len(outcomes) - failed - skipped} passed, {failed} failed"
    if args.component:
        counts += f", {skipped} skipped (wasmtime-py fails them too)"
    print(counts)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
