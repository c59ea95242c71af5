"""The Python side of the CMake module `WasmBuildBackend.cmake` (in `cmake/`).

CMake runs `python -m wasm_build_backend.integrations.cmake COMMAND ...`:

- `configure`, once at configure time: the target, from what CMake and scikit-build-core
  say the build is for, and the executable suffix the CMake code needs;
- `check`, at configure time, for each `wasm_add_executable`: its options, checked as the
  backend checks `[tool.wasm-build-backend.scripts]`, so mistakes stop the configure step;
- `build`, at build time: that one script, built by `executables.build_scripts` and copied
  unchanged into a staging folder that `wasm_install_executable` installs: the executable
  in `scripts/`, its companion files in `data/` at their path below the install root
  (`Layout.folder`).

Every error is the core's `BuildError`, printed as the PEP 517 backend prints it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from ..distribution.layout import Layout
from ..distribution.wheeltag import wheel_platform_tag
from ..errors import BuildError, reported
from ..executables import build_scripts
from ..jobs.cache import Cache
from ..settings.options import check_precompile
from ..settings.pyproject import (
    DEFAULT_ENGINE,
    DataDir,
    Origin,
    Sandbox,
    Script,
    _env,
    _guest_path,
    _project_file,
    _timeout,
    check_engine,
    check_guest_paths,
    check_script_name,
    parse_dir,
    parse_size,
)
from ..targets.target import parse_tag
from . import distribution_name, platform_target


def script_from_options(ns: argparse.Namespace) -> tuple[Path, Script]:
    """The options of one `wasm_add_executable` call: its source folder and its `Script`."""
    path = Path(ns.list_file)  # the CMakeLists.txt that called wasm_add_executable
    root = Path(ns.source_dir)
    where = f"wasm_add_executable({ns.name})"
    check_script_name(ns.name, path, {})
    if not ns.module:
        raise BuildError(f"{where} needs a MODULE (the .wasm file)", path)
    module = Path(os.path.abspath(root / ns.module))
    engine = check_engine(ns.engine or DEFAULT_ENGINE, f"{where} ENGINE", path)
    sandbox = Sandbox()
    if ns.no_dirs or ns.dir:
        dirs = tuple(parse_dir(d, f"{where} DIRS[{i}]", path) for i, d in enumerate(ns.dir or []))
        sandbox = Sandbox(dirs=dirs)
    env = sandbox.env
    if ns.no_env:
        env = "none"
    elif ns.env:
        names = list(ns.env)
        if len(names) == 1 and names[0].upper() in ("ALL", "NONE"):
            env = names[0].lower()
        else:
            env = _env(names, f"{where} ENV", path)
    data = []
    for item in ns.data or []:
        guest, sep, folder = item.partition("=")
        if not sep:
            raise BuildError(f"{where} DATA {item!r} is not GUEST=FOLDER", path)
        guest = _guest_path(guest, f"{where} DATA", path)
        data.append(
            DataDir(guest, _project_file(root, folder, f"{where} DATA {guest}", path, folder=True))
        )
    timeout = None
    if ns.timeout is not None:
        try:
            value: object = float(ns.timeout)
        except ValueError:
            value = ns.timeout
        timeout = _timeout(value, f"{where} TIMEOUT", path)
    sandbox = Sandbox(
        dirs=sandbox.dirs,
        env=env,
        data=tuple(data),
        tmp=_guest_path(ns.tmp, f"{where} TMP", path) if ns.tmp is not None else None,
        max_memory=parse_size(ns.max_memory, f"{where} MAX_MEMORY", path)
        if ns.max_memory is not None
        else None,
        timeout=timeout,
    )
    check_guest_paths(sandbox, where, path)
    origin = Origin(path, f"{where} MAX_MEMORY", f"{where} TIMEOUT")
    return root, Script(ns.name, module, engine, sandbox, origin)


def _configure(ns: argparse.Namespace) -> int:
    target = platform_target(
        explicit=ns.target,
        system_name=ns.system_name,
        system_processor=ns.system_processor,
        crosscompiling=ns.crosscompiling.upper() in ("1", "ON", "TRUE", "YES", "Y"),
        osx_architectures=ns.osx_architectures,
        osx_deployment_target=ns.osx_deployment_target,
        compiler_target=ns.compiler_target,
    )
    if not ns.distribution:
        raise BuildError(
            "no distribution name: WasmBuildBackend names the executables' companion folder "
            "after it; scikit-build-core sets SKBUILD_PROJECT_NAME, otherwise set "
            "WASM_BUILD_BACKEND_DISTRIBUTION"
        )
    print(f"target={target.platform_tag()}")
    print(f"exe_suffix={target.exe_suffix}")
    return 0


def _check(ns: argparse.Namespace) -> int:
    script_from_options(ns)
    return 0


def _stage(folder: Path, files: dict[str, Path], mode: int) -> None:
    """Copy files into a fresh `folder` (made even when there are none), for CMake to
    install from."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for rel, source in files.items():
        dest = folder / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        os.chmod(dest, mode)


def _build(ns: argparse.Namespace) -> int:
    root, script = script_from_options(ns)
    target = parse_tag(ns.target)
    layout = Layout.for_distribution(distribution_name(ns.distribution))
    built = build_scripts(
        root,
        [script],
        target,
        layout,
        Cache(Path(ns.cache_dir) if ns.cache_dir else None),
        precompile=check_precompile(ns.precompile) if ns.precompile else None,
        runtime=Path(ns.runtime).expanduser().resolve() if ns.runtime else None,
    )
    out = Path(ns.output_dir)
    _stage(out / "scripts", built.executables, 0o755)
    companions = {f"{layout.folder}/{rel}": path for rel, path in built.companions.items()}
    _stage(out / "data", companions, 0o644)
    # The licences of the code the executables carry, for the wheel's .dist-info.
    _stage(Path(ns.licenses_dir), built.notices, 0o644)
    tag = wheel_platform_tag(target, built.all_files())
    print(f"wasm-build-backend: {script.name} is for {tag}", file=sys.stderr, flush=True)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m wasm_build_backend.integrations.cmake")
    sub = parser.add_subparsers(dest="command", required=True)

    conf = sub.add_parser("configure")
    conf.add_argument("--target", default="")
    conf.add_argument("--distribution", default="")
    conf.add_argument("--system-name", default="")
    conf.add_argument("--system-processor", default="")
    conf.add_argument("--crosscompiling", default="")
    conf.add_argument("--osx-architectures", default="")
    conf.add_argument("--osx-deployment-target", default="")
    conf.add_argument("--compiler-target", default="")
    conf.set_defaults(func=_configure)

    for name, func in (("check", _check), ("build", _build)):
        p = sub.add_parser(name)
        p.add_argument("--name", required=True)
        p.add_argument("--list-file", required=True)
        p.add_argument("--source-dir", required=True)
        p.add_argument("--module", default="")
        p.add_argument("--engine")
        p.add_argument("--dir", action="append")
        p.add_argument("--no-dirs", action="store_true")
        p.add_argument("--env", action="append")
        p.add_argument("--no-env", action="store_true")
        p.add_argument("--data", action="append")
        p.add_argument("--tmp")
        p.add_argument("--max-memory")
        p.add_argument("--timeout")
        if name == "build":
            p.add_argument("--target", required=True)
            p.add_argument("--distribution", required=True)
            p.add_argument("--output-dir", required=True)
            p.add_argument("--licenses-dir", required=True)
            p.add_argument("--precompile")
            p.add_argument("--runtime")
            p.add_argument("--cache-dir")
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    ns = _parser().parse_args(argv)
    try:
        result: int = reported(lambda: ns.func(ns))
    except SystemExit as e:  # the one line is said: a BuildError, Ctrl-C
        return int(e.code or 0)
    return result


if __name__ == "__main__":
    sys.exit(main())
