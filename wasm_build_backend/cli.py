"""`wasm-build-backend` / `python -m wasm_build_backend`: create-exe, inspect and build."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
from pathlib import Path

from . import __version__
from .buildapi import build_project_wheel
from .distribution.layout import Layout
from .errors import BuildError, reported
from .executables import build_scripts
from .formats.wasmfile import read_module
from .inspection import format_report, report
from .jobs.cache import Cache, check_output_folder
from .jobs.progress import NORMAL, QUIET, VERBOSE, set_verbosity
from .settings.options import PRECOMPILE_MODES, BuildSettings
from .settings.pyproject import (
    DEFAULT_ENGINE,
    ENGINES,
    EnvPolicy,
    Sandbox,
    Script,
    _env,
    _timeout,
    check_guest_paths,
    check_script_name,
    load_project,
    parse_dir,
    parse_size,
)
from .targets.host import host_target
from .targets.target import SUPPORTED_TAGS, Target, all_targets, parse_tag


def _output_path(args: argparse.Namespace, module: Path, target: Target) -> Path:
    """The executable `create-exe` writes, refused early if a folder is in its way."""
    given: str | None = args.output
    out = Path(given).resolve() if given else Path.cwd() / module.stem
    if target.exe_suffix and not out.name.lower().endswith(target.exe_suffix):
        out = out.with_name(out.name + target.exe_suffix)  # Windows runs only .exe files
    if (given is not None and given.endswith(("/", os.sep))) or out.is_dir():
        how = "-o names" if given is not None else "without -o, create-exe writes"
        raise BuildError(
            f"is a folder, but {how} the executable file itself; give -o "
            f"{out / (module.stem + target.exe_suffix)} to put it in that folder",
            out,
        )
    return out


def _install(files: dict[Path, tuple[Path, int]]) -> None:
    """Copy each source to its destination with its mode, all or nothing: every file is
    written beside its destination first, and the temporary files and any folders made
    for them are removed if one fails."""
    made: list[Path] = []
    temps: dict[Path, Path] = {}
    try:
        for dest, (source, mode) in files.items():
            made += reversed([p for p in (dest.parent, *dest.parent.parents) if not p.exists()])
            check_output_folder(dest.parent, "the executable's folder")
            tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
            temps[dest] = tmp
            try:
                shutil.copyfile(source, tmp)
                os.chmod(tmp, mode)
            except OSError as e:
                raise BuildError(f"cannot write: {e.strerror}", dest) from None
        for dest, tmp in temps.items():
            if dest.is_dir():
                raise BuildError("is a folder, in the way of a file create-exe writes", dest)
            try:
                os.replace(tmp, dest)
            except OSError as e:
                raise BuildError(f"cannot write: {e.strerror}", dest) from None
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        if sys.exc_info()[0] is not None:
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()


def _create_exe(args: argparse.Namespace) -> int:
    module = Path(args.module).resolve()
    if args.target and args.target.strip().lower() == "all":
        raise BuildError(
            "--target: create-exe makes one executable for one platform; 'all' is for "
            "build, which makes a wheel for each"
        )
    target = parse_tag(args.target, "--target") if args.target else host_target()
    out = _output_path(args, module, target)
    name = out.name.removesuffix(target.exe_suffix) if target.exe_suffix else out.name
    check_script_name(name, None, {})
    dirs = tuple(parse_dir(d, "--dir", None) for d in args.dir) if args.dir is not None else None
    env: EnvPolicy = "all" if args.env_inherit or not args.env else _env(args.env, "--env", None)
    sandbox = Sandbox(
        dirs=dirs if dirs is not None else Sandbox().dirs,
        env="none" if args.no_env else env,
        max_memory=parse_size(args.max_memory, "--max-memory", None)
        if args.max_memory is not None
        else None,
        timeout=_timeout(args.timeout, "--timeout", None) if args.timeout is not None else None,
    )
    check_guest_paths(sandbox, "--dir", None)
    script = Script(name, module, args.engine, sandbox)
    cache = Cache(args.cache_dir, "--cache-dir")
    cache.check()
    # The runtime goes in a hidden folder named after the executable, beside it.
    layout = Layout.standalone(name)
    built = build_scripts(
        module.parent,
        [script],
        target,
        layout,
        cache,
        precompile=args.precompile,
        runtime=args.runtime,
    )
    (exe,) = built.executables.values()
    files = {out: (exe, 0o755)}
    for rel, path in built.companions.items():
        files[out.parent / layout.folder / rel] = (path, 0o644)
    _install(files)
    print(out)
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from .engines.wasmtime import validate

    module = read_module(Path(args.module))
    validate(module)
    data = report(module)
    print(json.dumps(data, indent=2) if args.json else format_report(data))
    return 0


def _targets(names: list[str] | None) -> tuple[list[Target | None], set[Target]]:
    """The targets `--target` names (repeated, or `all`), and those that came from `all`;
    [None]: the default one."""
    if not names:
        return [None], set()
    targets: list[Target | None] = []
    from_all: set[Target] = set()
    for name in names:
        for tag in name.split(","):
            if tag.strip() == "all":
                targets += all_targets()
                from_all.update(all_targets())
            elif tag.strip():
                targets.append(parse_tag(tag, "--target"))
    named = {t for t in targets if t is not None} - from_all
    return list(dict.fromkeys(targets)), from_all - named


def _build(args: argparse.Namespace) -> int:
    outdir = Path(args.outdir).resolve()
    targets, from_all = _targets(args.target)
    project = load_project(Path(args.dir))  # a mistake in the project is reported first
    if any(not t.wasmtime_supported for t in from_all):
        # `all` means every platform the project's engines build for: a script on the
        # wasmtime engine leaves out those with no Wasmtime runtime.
        on_wasmtime = [
            s.name for s in project.with_engine(args.engine).scripts if s.engine == "wasmtime"
        ]
        if on_wasmtime:
            skipped = [t for t in targets if t in from_all and not t.wasmtime_supported]
            targets = [t for t in targets if t not in skipped]
            print(
                f"wasm-build-backend: --target all: not building for "
                f"{', '.join(t.platform_tag() for t in skipped if t)}: the wasmtime engine "
                f"(of {', '.join(on_wasmtime)}) has no runtime there; the wasm2c engine has",
                file=sys.stderr,
            )
    made = not outdir.exists()
    check_output_folder(outdir, "the output folder (-o)")
    try:
        for target in targets:
            settings = BuildSettings(
                engine=args.engine,
                target=target,
                cache_dir=args.cache_dir,
                precompile=args.precompile,
                runtime=args.runtime,
                cache_setting="--cache-dir",
            )
            print(outdir / build_project_wheel(Path(args.dir), outdir, settings), flush=True)
    except BaseException:
        if made:  # a failed first build leaves no empty output folder either
            with contextlib.suppress(OSError):
                outdir.rmdir()
        raise
    return 0


_ENGINE_HELP = (
    "engine: auto (wasm2c when it can build the module, else wasmtime; the default), "
    "wasm2c or wasmtime"
)


def verbosity_options(p: argparse.ArgumentParser, default: object) -> None:
    """-v and -q, before or after the command (`default` is SUPPRESS on the commands, so
    that they do not reset what was given before the command)."""
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="say more: every compiler command and cache decision",
    )
    p.add_argument(
        "-q", "--quiet", action="count", default=default, help="only warnings and errors"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasm-build-backend",
        description="Turn WASI command modules into native executables and platform wheels.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbosity_options(parser, 0)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, *, several: bool) -> None:
        verbosity_options(p, argparse.SUPPRESS)
        if several:
            p.add_argument(
                "--target",
                action="append",
                metavar="TAG",
                help="wheel platform tag to build for, e.g. "
                f"{', '.join(SUPPORTED_TAGS[:3])}; repeat it (or give a comma-separated "
                "list) for several wheels, or give 'all' for every supported platform "
                "(default: this machine)",
            )
        else:
            p.add_argument(
                "--target",
                metavar="TAG",
                help="wheel platform tag to build for, e.g. "
                f"{', '.join(SUPPORTED_TAGS[:3])} (default: this machine)",
            )
        p.add_argument(
            "--precompile",
            choices=PRECOMPILE_MODES,
            help="native: machine code in the executable; first-run: compiled at its first "
            "start on each machine; pulley: portable bytecode (default: native when this "
            "machine can produce it, else first-run)",
        )
        p.add_argument(
            "--runtime",
            type=lambda p: Path(p).expanduser().resolve(),
            metavar="PATH",
            help="the target's Wasmtime runtime for offline builds: a wasmtime wheel, a "
            "folder of wheels, or a folder holding the library (default: downloaded once "
            "with pip)",
        )
        p.add_argument("--cache-dir", type=Path, help="build cache folder")

    exe = sub.add_parser("create-exe", help="build one standalone executable from a module")
    exe.add_argument("module", help="the WASI command module (.wasm)")
    exe.add_argument("-o", "--output", help="the executable to write (default: the module's name)")
    exe.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE, help=_ENGINE_HELP)
    exe.add_argument(
        "--dir",
        action="append",
        metavar="HOST[::GUEST]",
        help="preopen HOST (resolved when the program runs) as GUEST; repeatable; "
        "default: the current directory as '.'; --dir '' gives none",
    )
    env = exe.add_mutually_exclusive_group()
    env.add_argument(
        "--env-inherit", action="store_true", help="pass the whole environment (the default)"
    )
    env.add_argument(
        "--env", action="append", metavar="NAME", help="pass only this variable; repeatable"
    )
    env.add_argument("--no-env", action="store_true", help="pass no environment variables")
    exe.add_argument("--max-memory", metavar="SIZE", help="limit linear memory, e.g. 256MiB")
    exe.add_argument("--timeout", type=float, metavar="SECONDS", help="wall-clock limit")
    common(exe, several=False)
    exe.set_defaults(func=_create_exe)

    ins = sub.add_parser(
        "inspect",
        help="show a module's imports, exports, the features it uses and which engines can "
        "build it",
    )
    ins.add_argument("module")
    ins.add_argument("--json", action="store_true", help="print the report as JSON")
    verbosity_options(ins, argparse.SUPPRESS)
    ins.set_defaults(func=_inspect)

    bld = sub.add_parser("build", help="build a project's wheel (like pip wheel --no-deps)")
    bld.add_argument("dir", nargs="?", default=".", help="the project folder (default: .)")
    bld.add_argument(
        "-o", "--outdir", default="dist", help="where to write the wheel (default: dist)"
    )
    bld.add_argument("--engine", choices=ENGINES, help=f"override every script's {_ENGINE_HELP}")
    common(bld, several=True)
    bld.set_defaults(func=_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "dir", None) == [""]:
        args.dir = []
    level = NORMAL + getattr(args, "verbose", 0) - getattr(args, "quiet", 0)
    set_verbosity(max(QUIET, min(VERBOSE, level)))
    try:
        result: int = reported(lambda: args.func(args))
    except SystemExit as e:
        return int(e.code or 0)
    return result


if __name__ == "__main__":
    sys.exit(main())
