"""Writing the sdist: everything needed to build the wheel again, reproducibly."""

from __future__ import annotations

import glob
import gzip
import io
import os
import tarfile
import tempfile
from pathlib import Path

from ..errors import BuildError
from ..jobs.cache import check_output_folder
from ..settings.pyproject import Project
from .archive import chmod_as_created, source_date_epoch


def sdist_files(project: Project) -> list[str]:
    """Project-relative POSIX paths of every file the sdist carries."""
    root = project.root
    meta = project.metadata
    names = {"pyproject.toml", *meta.license_files}
    if meta.readme_file:
        names.add(meta.readme_file)
    for script in project.scripts:
        names.add(script.module.relative_to(root).as_posix())
        for data in script.sandbox.data:
            names.update(_tree(root, data.source))
    for package in project.packages:
        names.update(n for n in _tree(root, package) if "__pycache__" not in n.split("/"))
    for pattern in project.sdist_include:
        matches = [p for p in glob.glob(str(root / pattern), recursive=True) if Path(p).is_file()]
        if not matches:
            raise BuildError(
                f"sdist-include pattern {pattern!r} matches no file", project.pyproject
            )
        names.update(Path(p).relative_to(root).as_posix() for p in matches)
    return sorted(names)


def _tree(root: Path, folder: str) -> list[str]:
    return [p.relative_to(root).as_posix() for p in (root / folder).rglob("*") if p.is_file()]


def _tar_info(name: str, size: int, mtime: int, executable: bool) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o755 if executable else 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def write_sdist(project: Project, directory: Path) -> str:
    meta = project.metadata
    base = f"{meta.dist_name}-{meta.version}"
    mtime = source_date_epoch()
    entries: list[tuple[str, bytes, bool]] = []
    for rel in sdist_files(project):
        path = project.root / rel
        entries.append((rel, path.read_bytes(), os.access(path, os.X_OK)))
    entries.append(("PKG-INFO", meta.core_metadata().encode(), False))
    entries.sort()

    check_output_folder(directory)
    filename = f"{base}.tar.gz"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".tar.gz", dir=directory)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            for rel, data, executable in entries:
                tar.addfile(
                    _tar_info(f"{base}/{rel}", len(data), mtime, executable), io.BytesIO(data)
                )
        chmod_as_created(Path(tmp))
        os.replace(tmp, directory / filename)
    except BaseException:
        os.unlink(tmp)
        raise
    return filename
