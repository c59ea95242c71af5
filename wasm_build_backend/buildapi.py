"""The PEP 517 and PEP 660 hooks, and the wheel build behind them."""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .distribution import notices
from .distribution.layout import Layout
from .distribution.metadata import Metadata
from .distribution.sdist import write_sdist
from .distribution.wheel import WheelWriter, wheel_text
from .distribution.wheeltag import wheel_platform_tag
from .errors import reported
from .executables import build_scripts
from .jobs.progress import say
from .settings.options import BuildSettings, ConfigSettings, parse_settings
from .settings.pyproject import Project, load_project
from .toolchain.runtime import needs_download

T = TypeVar("T")


def _user_errors(hook: Callable[..., T]) -> Callable[..., T]:
    """Report a BuildError or an interruption as one clear line instead of a traceback
    from the hook (see `errors.reported`)."""

    @functools.wraps(hook)
    def wrapper(*args: object, **kwargs: object) -> T:
        return reported(lambda: hook(*args, **kwargs))

    return wrapper


def _dist_info(meta: Metadata) -> str:
    return f"{meta.dist_name}-{meta.version}.dist-info"


def _metadata_files(project: Project) -> dict[str, bytes]:
    """The .dist-info files that do not depend on the build: METADATA, entry points, licenses."""
    meta = project.metadata
    files = {"METADATA": meta.core_metadata().encode()}
    entry_points = meta.entry_points_txt()
    if entry_points:
        files["entry_points.txt"] = entry_points.encode()
    for rel in meta.license_files:
        files[f"licenses/{rel}"] = (project.root / rel).read_bytes()
    return files


def _package_files(project: Project) -> dict[str, Path]:
    files = {}
    for package in project.packages:
        folder = project.root / package
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[f"{folder.name}/{path.relative_to(folder).as_posix()}"] = path
    return files


def build_project_wheel(
    root: Path, wheel_directory: Path, settings: BuildSettings, *, editable: bool = False
) -> str:
    """Build the project at `root` into a wheel in `wheel_directory`; returns its file name."""
    project = load_project(root).with_engine(settings.engine)
    meta = project.metadata
    notices.check_project_licences(meta.license_files, project.root / "pyproject.toml")
    target = settings.resolved_target()
    layout = Layout.for_distribution(meta.dist_name)
    cache = settings.cache()
    cache.check()  # an unusable cache is reported (or replaced) before the long steps
    scripts = build_scripts(
        project.root,
        project.scripts,
        target,
        layout,
        cache,
        editable=editable,
        precompile=settings.precompile,
        runtime=settings.runtime,
        build_memory=settings.build_memory,
    )
    platform = wheel_platform_tag(target, scripts.all_files())
    if settings.target is not None and platform != target.platform_tag():
        say(f"the wheel is tagged {platform}, not {target.platform_tag()}: its files need it")
    tag = f"py3-none-{platform}"
    data = f"{meta.dist_name}-{meta.version}.data"
    filename = f"{meta.dist_name}-{meta.version}-{tag}.whl"

    writer = WheelWriter(wheel_directory / filename, _dist_info(meta), cache)
    # Only the executables in scripts/, everything else in the data scheme (distribution/layout.py).
    for name, path in scripts.executables.items():
        writer.add_file(f"{data}/scripts/{name}", path, executable=True)
    for rel, path in scripts.companions.items():
        writer.add_file(f"{data}/data/{layout.folder}/{rel}", path)
    if editable:
        # Python packages are imported from the source tree; each parent folder
        # goes on sys.path once.
        parents = sorted({str((project.root / p).parent) for p in project.packages})
        if parents:
            writer.add(f"__editable__.{meta.dist_name}.pth", ("\n".join(parents) + "\n").encode())
    else:
        for rel, path in _package_files(project).items():
            writer.add_file(rel, path)
    metadata = _metadata_files(project)
    for rel, content in metadata.items():
        writer.add(f"{_dist_info(meta)}/{rel}", content)
    for rel, path in scripts.notices.items():
        writer.add_file(f"{_dist_info(meta)}/licenses/{notices.FOLDER}/{rel}", path)
    writer.write(wheel_text([tag]))
    say(f"built {filename}")
    return filename


# ---- PEP 517 ----


@_user_errors
def get_requires_for_build_wheel(config_settings: ConfigSettings | None = None) -> list[str]:
    settings = parse_settings(config_settings)
    # Another platform's runtime is downloaded with pip, which isolated build
    # environments (uv's) may lack; ask for it only when it will be needed.
    target = settings.resolved_target()
    cache = settings.cache()
    if needs_download(target, cache, settings.runtime) and importlib.util.find_spec("pip") is None:
        return ["pip"]
    return []


@_user_errors
def get_requires_for_build_sdist(config_settings: ConfigSettings | None = None) -> list[str]:
    return []


@_user_errors
def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: ConfigSettings | None = None
) -> str:
    project = load_project(Path.cwd())
    dist_info = Path(metadata_directory) / _dist_info(project.metadata)
    for rel, content in _metadata_files(project).items():
        (dist_info / rel).parent.mkdir(parents=True, exist_ok=True)
        (dist_info / rel).write_bytes(content)
    return dist_info.name


@_user_errors
def build_wheel(
    wheel_directory: str,
    config_settings: ConfigSettings | None = None,
    metadata_directory: str | None = None,
) -> str:
    return build_project_wheel(Path.cwd(), Path(wheel_directory), parse_settings(config_settings))


@_user_errors
def build_sdist(sdist_directory: str, config_settings: ConfigSettings | None = None) -> str:
    return write_sdist(load_project(Path.cwd()), Path(sdist_directory))


# ---- PEP 660 ----

get_requires_for_build_editable = get_requires_for_build_wheel
prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


@_user_errors
def build_editable(
    wheel_directory: str,
    config_settings: ConfigSettings | None = None,
    metadata_directory: str | None = None,
) -> str:
    return build_project_wheel(
        Path.cwd(), Path(wheel_directory), parse_settings(config_settings), editable=True
    )
