"""The project's configuration: `pyproject.toml` read into typed settings.

`[project]` is PEP 621 metadata (see `metadata`); `[tool.wasm-build-backend]` names the
scripts and their sandboxes. Every key is checked here, so later stages can trust
what they get.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Union

from ..distribution.metadata import Metadata, parse_project
from ..errors import BuildError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# "auto" picks an engine per script and target (see `engines.choice`).
AUTO = "auto"
ENGINES = (AUTO, "wasmtime", "wasm2c")
DEFAULT_ENGINE = AUTO
TOOL = "tool.wasm-build-backend"

_TOOL_KEYS = ("engine", "packages", "scripts", "sdist-include")
_SCRIPT_KEYS = ("module", "engine", "dirs", "env", "data", "tmp", "max-memory", "timeout")
_DIR_KEYS = ("host", "guest", "read-only")
_SCRIPT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
# Names Windows refuses as file names whatever their extension.
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)
}
# At most 30 digits: far beyond any memory, and short of Python's limit on int().
_SIZE = re.compile(r"\s*(\d{1,30})\s*([KMGT]i?B|B)?\s*", re.IGNORECASE)
_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


@dataclass(frozen=True)
class Preopen:
    """A host directory the guest sees at `guest`; `host` is resolved when the script runs."""

    host: str
    guest: str
    writable: bool = True


@dataclass(frozen=True)
class DataDir:
    """A project folder shipped in the wheel and preopened read-only at `guest`."""

    guest: str
    source: str  # relative to the project root, POSIX form


EnvPolicy = Union[str, tuple[str, ...]]  # "all", "none", or the names that pass through


@dataclass(frozen=True)
class Sandbox:
    dirs: tuple[Preopen, ...] = (Preopen(".", "."),)
    env: EnvPolicy = "all"
    data: tuple[DataDir, ...] = ()
    tmp: str | None = None
    max_memory: int | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Origin:
    """Where a script's settings were written, for messages about their values."""

    file: Path | None = None  # the configuration file, if any
    max_memory: str = "--max-memory"  # how the setting is named there
    timeout: str = "--timeout"


@dataclass(frozen=True)
class Script:
    name: str
    module: Path  # absolute
    engine: str  # one of ENGINES: "auto" is resolved per target when the script is built
    sandbox: Sandbox = field(default_factory=Sandbox)
    origin: Origin = field(default_factory=Origin)


@dataclass
class Project:
    root: Path
    metadata: Metadata
    scripts: list[Script]
    packages: list[str] = field(default_factory=list)
    sdist_include: list[str] = field(default_factory=list)

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"

    def with_engine(self, engine: str | None) -> Project:
        """The project with every script's engine overridden (`-C engine=...`)."""
        if engine is None:
            return self
        return replace(self, scripts=[replace(s, engine=engine) for s in self.scripts])


def _unknown(keys: Any, valid: tuple[str, ...], where: str, path: Path | None) -> None:
    unknown = sorted(set(keys) - set(valid))
    if unknown:
        raise BuildError(
            f"unknown key(s) in {where}: {', '.join(unknown)}; valid keys: {', '.join(valid)}",
            path,
        )


def parse_size(value: Any, where: str, path: Path | None) -> int:
    """`64MiB`, `1 GB` or a number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        m = _SIZE.fullmatch(value)
        if m:
            return int(m.group(1)) * _UNITS[(m.group(2) or "b").lower()]
    raise BuildError(
        f"{where} must be a size such as 64MiB or a number of bytes, not {value!r}", path
    )


def check_engine(value: Any, where: str, path: Path | None = None) -> str:
    if value not in ENGINES:
        raise BuildError(
            f"{where}: unknown engine {value!r}; valid engines: {', '.join(ENGINES)}", path
        )
    return str(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_c_string(value: str, where: str, path: Path | None) -> str:
    """Names and paths end up in C strings, where a NUL character would cut them short."""
    if "\0" in value:
        raise BuildError(f"{where} {value!r} contains a NUL character", path)
    return value


def _guest_path(value: Any, where: str, path: Path | None) -> str:
    if not isinstance(value, str) or not value or "::" in value:
        raise BuildError(f"{where} must be a non-empty guest path, not {value!r}", path)
    return check_c_string(value, where, path)


def parse_dir(value: Any, where: str, path: Path | None) -> Preopen:
    """`HOST`, `HOST::GUEST` (as `wasmtime run --dir`), or a table: `host`, `guest`, `read-only`."""
    if isinstance(value, str):
        check_c_string(value, where, path)
        host, sep, guest = value.partition("::")
        if not host or (sep and not guest):
            raise BuildError(f"{where}: {value!r} is not HOST or HOST::GUEST", path)
        return Preopen(host, guest or host)
    if isinstance(value, dict):
        _unknown(value, _DIR_KEYS, where, path)
        table_host = value.get("host")
        if not isinstance(table_host, str) or not table_host:
            raise BuildError(f"{where} needs a `host` directory", path)
        check_c_string(table_host, f"{where}.host", path)
        guest = _guest_path(value.get("guest", table_host), f"{where}.guest", path)
        read_only = value.get("read-only", False)
        if not isinstance(read_only, bool):
            raise BuildError(f"{where}.read-only must be true or false", path)
        return Preopen(table_host, guest, not read_only)
    raise BuildError(f"{where} must be a string or a table, not {value!r}", path)


def _env(value: Any, where: str, path: Path | None) -> EnvPolicy:
    if value in ("all", "none"):
        return str(value)
    if isinstance(value, list) and all(
        isinstance(v, str) and v and "=" not in v and "\0" not in v for v in value
    ):
        return tuple(value)
    raise BuildError(
        f'{where} must be "all", "none" or a list of variable names, not {value!r}', path
    )


def _timeout(value: Any, where: str, path: Path | None) -> float:
    """A positive, finite number of seconds; how long a target's timer can wait is
    checked when building for it (`limits`)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except OverflowError:  # an integer beyond any float
            seconds = math.inf
        if math.isinf(seconds) and seconds > 0:
            raise BuildError(
                f"{where} must be a finite number of seconds, not {_short(value)}; "
                "leave it out for no time limit",
                path,
            )
        if seconds > 0:
            return seconds
    raise BuildError(f"{where} must be a positive number of seconds, not {_short(value)}", path)


def check_script_name(name: str, path: Path | None, seen: dict[str, str]) -> None:
    if not _SCRIPT_NAME.fullmatch(name) or name.lower().endswith(".exe"):
        raise BuildError(
            f"script name {name!r} is not a valid file name: use letters, digits and . _ + - "
            "(starting with a letter or digit, without .exe)",
            path,
        )
    if name.split(".")[0].lower() in _WINDOWS_RESERVED:
        raise BuildError(
            f"script name {name!r} is reserved on Windows and cannot be a file name", path
        )
    folded = name.lower()
    if folded in seen:
        raise BuildError(
            f"script names {seen[folded]!r} and {name!r} clash: they would be the same file "
            "on case-insensitive file systems (Windows, macOS)",
            path,
        )
    seen[folded] = name


def _project_file(root: Path, value: Any, where: str, path: Path, *, folder: bool = False) -> str:
    if not isinstance(value, str) or not value:
        raise BuildError(f"{where} must be a path relative to the project, not {value!r}", path)
    check_c_string(value, where, path)
    rel = PurePosixPath(Path(value).as_posix())
    if rel.is_absolute() or ".." in rel.parts:
        raise BuildError(f"{where}: {value!r} must be a path inside the project", path)
    if not rel.parts:
        raise BuildError(
            f"{where}: {value!r} is the whole project folder; name a folder or file inside it",
            path,
        )
    full = root / rel
    if folder and not full.is_dir():
        raise BuildError(f"{where}: {value!r} is not a folder of the project", path)
    return rel.as_posix()


def parse_script(name: str, value: Any, root: Path, default_engine: str, path: Path) -> Script:
    where = f"[{TOOL}.scripts.{name}]"
    if isinstance(value, str):
        value = {"module": value}
    if not isinstance(value, dict):
        raise BuildError(f"{where} must be a module path or a table, not {value!r}", path)
    _unknown(value, _SCRIPT_KEYS, where, path)
    if "module" not in value:
        raise BuildError(f"{where} needs a `module` (the .wasm file)", path)
    module = root / _project_file(root, value["module"], f"{where} module", path)
    sandbox = Sandbox()
    if "dirs" in value:
        if not isinstance(value["dirs"], list):
            raise BuildError(f"{where} dirs must be a list", path)
        dirs = tuple(parse_dir(d, f"{where} dirs[{i}]", path) for i, d in enumerate(value["dirs"]))
        sandbox = replace(sandbox, dirs=dirs)
    if "env" in value:
        sandbox = replace(sandbox, env=_env(value["env"], f"{where} env", path))
    if "data" in value:
        if not isinstance(value["data"], dict):
            raise BuildError(f"{where} data must be a table of guest path = project folder", path)
        data = tuple(
            DataDir(
                _guest_path(g, f"{where} data", path),
                _project_file(root, src, f"{where} data.{g}", path, folder=True),
            )
            for g, src in value["data"].items()
        )
        sandbox = replace(sandbox, data=data)
    if "tmp" in value:
        sandbox = replace(sandbox, tmp=_guest_path(value["tmp"], f"{where} tmp", path))
    if "max-memory" in value:
        sandbox = replace(
            sandbox, max_memory=parse_size(value["max-memory"], f"{where} max-memory", path)
        )
    if "timeout" in value:
        sandbox = replace(sandbox, timeout=_timeout(value["timeout"], f"{where} timeout", path))
    engine = check_engine(value.get("engine", default_engine), f"{where} engine", path)
    check_guest_paths(sandbox, where, path)
    origin = Origin(path, f"{where} max-memory", f"{where} timeout")
    return Script(name, module, engine, sandbox, origin)


def check_guest_paths(sandbox: Sandbox, where: str, path: Path | None) -> None:
    """Two preopens at one guest path would leave the program to pick one of them."""
    seen: set[str] = set()
    guests = [d.guest for d in sandbox.dirs] + [d.guest for d in sandbox.data]
    guests += [sandbox.tmp] if sandbox.tmp is not None else []
    for guest in guests:
        normal = str(PurePosixPath(guest))
        if normal in seen:
            raise BuildError(
                f"{where}: the guest path {guest!r} is given twice (in dirs, data or tmp); "
                "each preopened folder needs a path of its own",
                path,
            )
        seen.add(normal)


def load_pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not root.exists():
        raise BuildError("no such project folder", root)
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise BuildError("no pyproject.toml here", root) from None
    except IsADirectoryError:
        raise BuildError("is a folder, not a file", path) from None
    except NotADirectoryError:
        hint = f"; give the folder that holds it, {root.parent}" if root.suffix == ".toml" else ""
        raise BuildError(f"is a file, not a project folder{hint}", root) from None
    except OSError as e:
        raise BuildError(f"cannot read: {e.strerror}", path) from None
    except (tomllib.TOMLDecodeError, ValueError) as e:  # ValueError: an integer too long
        raise BuildError(f"invalid TOML: {e}", path) from None


def parse_scripts(table: Any, root: Path, default_engine: str, path: Path) -> list[Script]:
    """The `scripts` table: shared by this backend and the setuptools integration."""
    if not isinstance(table, dict) or not table:
        raise BuildError(
            f'[{TOOL}.scripts] must name at least one script: name = "module.wasm"', path
        )
    seen: dict[str, str] = {}
    scripts = []
    for name, value in table.items():
        check_script_name(name, path, seen)
        scripts.append(parse_script(name, value, root, default_engine, path))
    return scripts


def check_python_scripts(
    entry_points: dict[str, dict[str, str]], scripts: list[Script], path: Path
) -> None:
    """A Python entry point named like a native script would be installed at the same
    place in bin/, and the installer's Python stub would replace the executable."""
    native = {s.name.lower(): s.name for s in scripts}
    for group, key in (("console_scripts", "scripts"), ("gui_scripts", "gui-scripts")):
        for name in entry_points.get(group, {}):
            if name.lower() in native:
                raise BuildError(
                    f"[project.{key}] {name!r} and [{TOOL}.scripts] {native[name.lower()]!r} "
                    "would be the same file in bin/: the installer's Python launcher would "
                    "replace the native executable; rename one of them",
                    path,
                )


def load_project(root: Path) -> Project:
    root = root.resolve()
    data = load_pyproject(root)
    path = root / "pyproject.toml"
    metadata = parse_project(data.get("project"), root, path)
    tool = data.get("tool", {}).get("wasm-build-backend")
    if not isinstance(tool, dict):
        raise BuildError(f"missing [{TOOL}] table with the scripts to build", path)
    _unknown(tool, _TOOL_KEYS, f"[{TOOL}]", path)
    engine = check_engine(tool.get("engine", DEFAULT_ENGINE), f"[{TOOL}] engine", path)
    scripts = parse_scripts(tool.get("scripts"), root, engine, path)
    check_python_scripts(metadata.entry_points, scripts, path)
    if not isinstance(tool.get("packages", []), list):
        raise BuildError(f"[{TOOL}] packages must be a list of folders", path)
    packages = [
        _project_file(root, p, f"[{TOOL}] packages", path, folder=True)
        for p in tool.get("packages", [])
    ]
    names: dict[str, str] = {}
    for package in packages:
        name = PurePosixPath(package).name
        if name.lower() in names:
            raise BuildError(
                f"[{TOOL}] packages: {names[name.lower()]!r} and {package!r} would both be "
                f"installed as the package {name!r}",
                path,
            )
        names[name.lower()] = package
    include = tool.get("sdist-include", [])
    if not isinstance(include, list) or not all(isinstance(i, str) for i in include):
        raise BuildError(f"[{TOOL}] sdist-include must be a list of glob patterns", path)
    for pattern in include:
        parts = PurePosixPath(Path(pattern).as_posix())
        if parts.is_absolute() or ".." in parts.parts:
            raise BuildError(
                f"[{TOOL}] sdist-include: {pattern!r} must be a pattern inside the project", path
            )
    return Project(root, metadata, scripts, packages, list(include))
