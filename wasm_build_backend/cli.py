"""`wasm-build-backend` / `python -m wasm_build_backend`: create-exe, inspect and build."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from . import __version__
from .buildapi import build_project_wheel
from .cache import Cache
from .config import (
    DEFAULT_ENGINE,
    ENGINES,
    Sandbox,
    Script,
    check_script_name,
    parse_dir,
    parse_size,
)
from .errors import BuildError
from .executables import build_scripts
from .host import host_target
from .inspection import format_report, report
from .layout import Layout
from .settings import PRECOMPILE_MODES, BuildSettings
from .target import SUPPORTED_TAGS, Target, all_targets, parse_tag
from .wasmfile import read_module


def _create_exe(args: argparse.Namespace) -> int:
    module = Path(args.module).resolve()
    out = Path(args.output).resolve() if args.output else Path.cwd() / module.stem
    target = parse_tag(args.target) if args.target else host_target()
    if target.exe_suffix and not out.name.lower().endswith(target.exe_suffix):
        out = out.with_name(out.name + target.exe_suffix)  # Windows runs only .exe files
    name = out.name.removesuffix(target.exe_suffix) if target.exe_suffix else out.name
    check_script_name(name, None, {})
    here = Path.cwd()
    dirs = tuple(parse_dir(d, "--dir", here) for d in args.dir) if args.dir is not None else None
    env: str | tuple[str, ...] = "all" if args.env_inherit or not args.env else tuple(args.env)
    sandbox = Sandbox(
        dirs=dirs if dirs is not None else Sandbox().dirs,
        env="none" if args.no_env else env,
        max_memory=parse_size(args.max_memory, "--max-memory", here) if args.max_memory else None,
        timeout=args.timeout,
    )
    script = Script(name, module, args.engine, sandbox)
    # The runtime goes in a hidden folder named after the executable, beside it.
    layout = Layout.standalone(name)
    built = build_scripts(
        module.parent,
        [script],
        target,
        layout,
        Cache(args.cache_dir),
        precompile=args.precompile,
        runtime=args.runtime,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    (exe,) = built.executables.values()
    files = {out: (exe, 0o755)}
    for rel, path in built.companions.items():
        files[out.parent / layout.folder / rel] = (path, 0o644)
    for dest, (path, mode) in files.items():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.copyfile(path, tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    print(out)
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from .engines.wasmtime import validate

    module = read_module(Path(args.module))
    validate(module)
    data = report(module)
    print(json.dumps(data, indent=2) if args.json else format_report(data))
    return 0


def _targets(names: list[str] | None) -> list[Target | None]:
    """The targets `--target` names (repeated, or `all`); [None]: the default one."""
    if not names:
        return [None]
    targets: list[Target | None] = []
    for name in names:
        for tag in name.split(","):
            if tag.strip() == "all":
                targets += all_targets()
            elif tag.strip():
                targets.append(parse_tag(tag))
    return list(dict.fromkeys(targets))


def _build(args: argparse.Namespace) -> int:
    outdir = Path(args.outdir).resolve()
    for target in _targets(args.target):
        settings = BuildSettings(
            engine=args.engine,
            target=target,
            cache_dir=args.cache_dir,
            precompile=args.precompile,
            runtime=args.runtime,
        )
        print(outdir / build_project_wheel(Path(args.dir), outdir, settings), flush=True)
    return 0


_ENGINE_HELP = (
    "engine: auto (wasm2c when it can build the module, else wasmtime; the default), "
    "wasm2c or wasmtime"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasm-build-backend",
        description="Turn WASI command modules into native executables and platform wheels.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, *, several: bool) -> None:
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
    try:
        result: int = args.func(args)
        return result
    except BuildError as e:
        print(f"wasm-build-backend: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the build's progress has said where it stopped
        return 130


if __name__ == "__main__":
    sys.exit(main())
