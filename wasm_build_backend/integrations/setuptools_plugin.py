"""The setuptools plugin: `[tool.wasm-build-backend.scripts]` in a setuptools project.

A `setuptools.finalize_distribution_options` entry point, so a project only lists
`wasm-build-backend` in its build requirements. For a project whose `pyproject.toml`
has a `[tool.wasm-build-backend]` table it adds:

- `build_wasm`, a sub-command of `build`: the scripts, parsed by `config.parse_scripts`
  and built by `executables.build_scripts`, copied unchanged into `build/wasm-scripts/`:
  the executables in `scripts/`, their companion files (runtime library, data folders)
  in `data/share/wasm-build-backend/{dist}/` (its `get_source_files` puts the modules and
  data folders in the sdist);
- to `install_scripts`: the executables, copied into the scripts folder, which
  `bdist_wheel` maps to `{name}-{version}.data/scripts/` and editable wheels fill too;
- to `install_data`: the companion files, copied below the data root, which
  `bdist_wheel` maps to `{name}-{version}.data/data/`, where the backend's own wheels
  put them (see `distribution/layout.py`);
- to `bdist_wheel`: the platform tag (a wheel with no extension modules is tagged
  `py3-none-<platform>`, the platform raised to what the shipped files need, as the
  backend's wheels are; with extension modules, setuptools' tag stands), and the
  licence texts of the code the executables carry, in `.dist-info/licenses/bundled/`
  as in the backend's wheels.

Options of `build_wasm` (`setup.cfg` `[build_wasm]`, or `DIST_EXTRA_CONFIG`): `target`,
`precompile`, `runtime`, `cache-dir`, as the backend's config settings. Without `target`,
`bdist_wheel --plat-name` (`-C--build-option=--plat-name=TAG`) names the target, else
`_PYTHON_HOST_PLATFORM` and cibuildwheel's variables, else this machine.

Every other setuptools project is left alone: the hook returns at once without the table.
"""

# mypy: disallow-subclassing-any=False
# setuptools has type hints only in its newer releases: either way, these classes follow it.

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from setuptools import Command  # type: ignore[import-untyped,unused-ignore]

from ..distribution import notices
from ..distribution.layout import Layout
from ..distribution.wheeltag import wheel_platform_tag
from ..errors import BuildError
from ..executables import build_scripts
from ..jobs.cache import Cache
from ..settings.options import check_precompile
from ..settings.pyproject import (
    DEFAULT_ENGINE,
    TOOL,
    Script,
    _unknown,
    check_engine,
    load_pyproject,
    parse_scripts,
)
from ..targets.target import Target, parse_tag
from . import distribution_name, platform_target

_TOOL_KEYS = ("engine", "scripts")


@dataclass(frozen=True)
class WasmScripts:
    """A setuptools project's `[tool.wasm-build-backend]` table."""

    root: Path
    scripts: list[Script]


def read_config(root: Path) -> WasmScripts | None:
    """The project's scripts, or None if its pyproject.toml has no `[tool.wasm-build-backend]`."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        data = load_pyproject(root)
    except BuildError:  # not TOML: setuptools reports that itself, for any project
        return None
    tool = data.get("tool", {}).get("wasm-build-backend")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise BuildError(f"[{TOOL}] must be a table", path)
    # `packages` and `sdist-include` are the backend's: setuptools has its own.
    _unknown(tool, _TOOL_KEYS, f"[{TOOL}] (with setuptools)", path)
    engine = check_engine(tool.get("engine", DEFAULT_ENGINE), f"[{TOOL}] engine", path)
    return WasmScripts(root, parse_scripts(tool.get("scripts"), root, engine, path))


def _fail(error: BuildError) -> NoReturn:
    """Stop the build with the message the PEP 517 backend gives, and no traceback."""
    print(f"wasm-build-backend: error: {error}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def finalize_distribution_options(dist: Any) -> None:
    root = Path(getattr(dist, "src_root", None) or os.curdir).resolve()
    try:
        config = read_config(root)
    except BuildError as e:
        _fail(e)
    if config is None:
        return
    dist.wasm_build_backend_scripts = config
    # Editable wheels install scripts only when the distribution says it has some; the
    # `scripts` list stays what it was (distutils' own scripts, if any).
    dist.scripts = dist.scripts or []
    dist.has_scripts = lambda: True
    # The same for install_data, which the companion files go through; editable wheels
    # ask `has_data` (not distutils' `has_data_files`) before running it.
    dist.data_files = dist.data_files or []
    dist.has_data_files = lambda: True
    dist.has_data = lambda: True
    base_build = dist.get_command_class("build")
    base_install_scripts = dist.get_command_class("install_scripts")
    base_install_data = dist.get_command_class("install_data")
    dist.cmdclass["build_wasm"] = build_wasm
    dist.cmdclass["build"] = type(
        "build", (base_build,), {"sub_commands": [*base_build.sub_commands, ("build_wasm", None)]}
    )
    dist.cmdclass["install_scripts"] = type(
        "install_scripts", (_InstallWasmScripts, base_install_scripts), {}
    )
    dist.cmdclass["install_data"] = type("install_data", (_InstallWasmData, base_install_data), {})
    try:
        base_bdist_wheel = dist.get_command_class("bdist_wheel")
    except Exception:  # no bdist_wheel (setuptools < 70.1 without the wheel package)
        return
    dist.cmdclass["bdist_wheel"] = type("bdist_wheel", (_WasmWheel, base_bdist_wheel), {})


class build_wasm(Command):
    description = "build the native executables of [tool.wasm-build-backend.scripts]"
    user_options = [  # noqa: RUF012 (distutils reads these class attributes)
        ("build-dir=", "d", "where to put the executables and their companion files"),
        (
            "target=",
            None,
            "wheel platform tag to build for (default: bdist_wheel --plat-name, else "
            "_PYTHON_HOST_PLATFORM or cibuildwheel's variables, else this machine)",
        ),
        ("precompile=", None, "native, first-run or pulley (default: the best available)"),
        ("runtime=", None, "the target's Wasmtime runtime, for offline builds"),
        ("cache-dir=", None, "the build cache"),
    ]

    def initialize_options(self) -> None:
        self.build_dir: str | None = None
        self.build_base: str | None = None
        self.target: str | None = None
        self.precompile: str | None = None
        self.runtime: str | None = None
        self.cache_dir: str | None = None
        self.editable_mode = False  # set by setuptools for editable wheels
        self.outputs: list[str] = []
        self.platform_tag: str | None = None  # set by run()
        self.notices: dict[str, Path] = {}

    def finalize_options(self) -> None:
        self.set_undefined_options("build", ("build_base", "build_base"))
        if self.build_dir is None:
            self.build_dir = os.path.join(str(self.build_base), "wasm-scripts")

    @property
    def config(self) -> WasmScripts:
        config: WasmScripts = self.distribution.wasm_build_backend_scripts
        return config

    def _target(self) -> Target:
        if self.target:
            return parse_tag(self.target)
        bdist_wheel = self.distribution.command_obj.get("bdist_wheel")
        plat_name = getattr(bdist_wheel, "plat_name", None)
        if getattr(bdist_wheel, "plat_name_supplied", False) and plat_name:
            return parse_tag(plat_name)
        return platform_target()

    def run(self) -> None:
        try:
            self._build()
        except BuildError as e:
            _fail(e)

    def _build(self) -> None:
        config = self.config
        target = self._target()
        layout = Layout.for_distribution(distribution_name(self.distribution.get_name()))
        built = build_scripts(
            config.root,
            config.scripts,
            target,
            layout,
            Cache(Path(self.cache_dir) if self.cache_dir else None),
            editable=self.editable_mode,
            precompile=check_precompile(self.precompile) if self.precompile else None,
            runtime=Path(self.runtime).expanduser().resolve() if self.runtime else None,
        )
        stage = Path(str(self.build_dir))
        shutil.rmtree(stage, ignore_errors=True)
        (stage / "scripts").mkdir(parents=True)
        (stage / "data").mkdir()
        self.outputs = []
        files = {f"scripts/{name}": (path, 0o755) for name, path in built.executables.items()}
        for rel, path in built.companions.items():
            files[f"data/{layout.folder}/{rel}"] = (path, 0o644)
        for rel, (source, mode) in files.items():
            dest = stage / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
            os.chmod(dest, mode)
            self.outputs.append(str(dest))
        self.platform_tag = wheel_platform_tag(target, built.all_files())
        self.notices = built.notices

    def get_outputs(self) -> list[str]:
        # Scripts, not library files: editable wheels get them through install_scripts.
        return [] if self.editable_mode else list(self.outputs)

    def get_output_mapping(self) -> dict[str, str]:
        return {}

    def get_source_files(self) -> list[str]:
        """The modules and data folders, for the sdist (relative to the project)."""
        config = self.config
        files = set()
        for script in config.scripts:
            files.add(script.module)
            for data in script.sandbox.data:
                files.update(p for p in (config.root / data.source).rglob("*") if p.is_file())
        return sorted(os.path.relpath(p, config.root) for p in files)


class _InstallWasmScripts:
    """install_scripts, plus the executables from build_wasm."""

    def run(self) -> None:
        super().run()  # type: ignore[misc]
        cmd: Any = self
        if not cmd.skip_build:
            cmd.run_command("build_wasm")
        build = cmd.get_finalized_command("build_wasm")
        scripts = os.path.join(build.build_dir, "scripts")
        cmd.outfiles.extend(cmd.copy_tree(scripts, cmd.install_dir))


class _InstallWasmData:
    """install_data, plus the executables' companion files from build_wasm, below the
    data root (`{prefix}`, or a wheel's `.data/data/`)."""

    def run(self) -> None:
        super().run()  # type: ignore[misc]
        cmd: Any = self
        cmd.run_command("build_wasm")  # done already when `build` ran: a no-op then
        build = cmd.get_finalized_command("build_wasm")
        data = os.path.join(build.build_dir, "data")
        cmd.outfiles.extend(cmd.copy_tree(data, cmd.install_dir))


class _WasmWheel:
    """bdist_wheel with the platform the executables are for, and their licence texts."""

    def _built(self) -> Any:
        cmd: Any = self
        build = cmd.get_finalized_command("build_wasm")
        if build.platform_tag is None:
            cmd.run_command("build_wasm")
        return build

    def get_tag(self) -> tuple[str, str, str]:
        impl, abi, plat = super().get_tag()  # type: ignore[misc]
        cmd: Any = self
        if not cmd.root_is_pure:
            return impl, abi, plat  # extension modules: setuptools' platform stands
        return impl, "none", str(self._built().platform_tag)

    def egg2dist(self, egginfo_path: str, distinfo_path: str) -> None:
        super().egg2dist(egginfo_path, distinfo_path)  # type: ignore[misc]
        cmd: Any = self
        build = self._built()
        try:
            notices.check_project_licences(
                cmd.distribution.metadata.license_files or (), build.config.root / "pyproject.toml"
            )
        except BuildError as e:
            _fail(e)
        folder = Path(distinfo_path) / "licenses" / notices.FOLDER
        for rel, source in build.notices.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folder / rel)
