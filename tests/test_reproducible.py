"""Builds are reproducible: the same sources and SOURCE_DATE_EPOCH give byte-identical archives.

Each build starts from its own copy of the sample, at another path, with other file times and
modes (as another checkout with another umask would have), and with its own empty backend
cache and zig cache, so identical bytes come from deterministic builds, not from reusing
cached products. The archives' reproducibility details are checked one by one too.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import shutil
import stat
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLES, run
from packaging.version import Version

EPOCH = 1_700_000_001  # 2023-11-14T22:13:21Z: an odd second, which zip cannot store
ZIP_TIME = (*time.gmtime(EPOCH)[:5], time.gmtime(EPOCH).tm_sec // 2 * 2)


def copy_sample(name: str, dest: Path, *, vary: bool) -> Path:
    """A copy of sample `name` at `dest`; with `vary`, other file times and permission bits."""
    shutil.copytree(SAMPLES / name, dest)
    if vary:
        now = time.time()
        for path in dest.rglob("*"):
            if path.is_file():
                executable = path.stat().st_mode & 0o111
                path.chmod(0o775 if executable else 0o664)
                os.utime(path, (now, now))
    return dest


def build_env(offline_env: dict[str, str], zig_cache: Path) -> dict[str, str]:
    return {
        **offline_env,
        "SOURCE_DATE_EPOCH": str(EPOCH),
        "ZIG_GLOBAL_CACHE_DIR": str(zig_cache / "global"),
        "ZIG_LOCAL_CACHE_DIR": str(zig_cache / "local"),
    }


def cache_entries(cache: Path) -> set[str]:
    """The backend cache's entries (kind/key), which a build that used it must have made."""
    return {f"{kind.name}/{e.name}" for kind in cache.iterdir() for e in kind.iterdir()}


def only(folder: Path, pattern: str) -> Path:
    matches = list(folder.glob(pattern))
    assert len(matches) == 1, f"{pattern} in {folder}: {matches}"
    return matches[0]


def zip_members(path: Path) -> dict[str, tuple[tuple[int, ...], int, int, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return {
            i.filename: (i.date_time, i.external_attr, i.create_system, zf.read(i))
            for i in zf.infolist()
        }


def tar_members(path: Path) -> dict[str, tuple[tarfile.TarInfo, bytes]]:
    members = {}
    with tarfile.open(path) as tf:
        for info in tf.getmembers():
            f = tf.extractfile(info)
            members[info.name] = (info, f.read() if f else b"")
    return members


def assert_identical(paths: list[Path]) -> None:
    """Byte-identical files; if not, say which members differ."""
    first = paths[0].read_bytes()
    for other in paths[1:]:
        if other.read_bytes() == first:
            continue
        a: dict[str, object]
        b: dict[str, object]
        if paths[0].suffix == ".whl":
            a, b = dict(zip_members(paths[0])), dict(zip_members(other))
        else:
            a = {n: (i.get_info(), data) for n, (i, data) in tar_members(paths[0]).items()}
            b = {n: (i.get_info(), data) for n, (i, data) in tar_members(other).items()}
        differing = sorted(n for n in a.keys() | b.keys() if a.get(n) != b.get(n))
        pytest.fail(f"{paths[0]} and {other} differ; members that differ: {differing}")


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def check_wheel(wheel: Path) -> None:
    """Entry times from SOURCE_DATE_EPOCH, normalised modes, executable scripts, a true RECORD."""
    with zipfile.ZipFile(wheel) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        assert len(names) == len(set(names)), "duplicate entries"
        (record_name,) = [n for n in names if n.endswith(".dist-info/RECORD")]
        data_dir = record_name.split("/")[0].replace(".dist-info", ".data")
        scripts = set()
        for info in infos:
            assert info.date_time == ZIP_TIME, (info.filename, info.date_time)
            mode = info.external_attr >> 16
            assert stat.S_ISREG(mode) and stat.S_IMODE(mode) in (0o644, 0o755), (
                info.filename,
                oct(mode),
            )
            rel = info.filename.removeprefix(f"{data_dir}/scripts/")
            if rel != info.filename and "/" not in rel:
                scripts.add(info.filename)
                assert mode == 0o100755, (info.filename, oct(mode))
        assert scripts, f"no scripts in {names}"

        rows = list(csv.reader(io.StringIO(zf.read(record_name).decode())))
        assert [record_name, "", ""] in rows
        recorded = {row[0] for row in rows}
        assert len(recorded) == len(rows), "RECORD lists a path twice"
        assert recorded == set(names), sorted(recorded ^ set(names))
        for path, digest, size in rows:
            if path == record_name:
                continue
            content = zf.read(path)
            assert (digest, size) == (record_hash(content), str(len(content))), path


def check_sdist(sdist: Path, wheel: Path) -> None:
    """gzip mtime 0; sorted members owned by uid/gid 0 with no owner names; PKG-INFO >= 2.2 and
    the wheel's METADATA."""
    raw = sdist.read_bytes()
    assert raw[:2] == b"\x1f\x8b", "not gzip"
    assert raw[4:8] == b"\0\0\0\0", f"gzip header mtime {int.from_bytes(raw[4:8], 'little')}"
    base = sdist.name[: -len(".tar.gz")]
    with tarfile.open(sdist) as tf:
        infos = tf.getmembers()
    names = [i.name for i in infos]
    assert names == sorted(names), names
    assert len(names) == len(set(names)), names
    for info in infos:
        assert info.name.startswith(base + "/"), info.name
        owner = (info.uid, info.gid, info.uname, info.gname)
        assert owner == (0, 0, "", ""), (info.name, owner)
        assert info.mtime == EPOCH, (info.name, info.mtime)
        assert info.isfile() and info.mode in (0o644, 0o755), (info.name, oct(info.mode))
    members = tar_members(sdist)
    pkg_info = members[f"{base}/PKG-INFO"][1]
    version = next(
        line.split(":", 1)[1].strip()
        for line in pkg_info.decode().splitlines()
        if line.startswith("Metadata-Version:")
    )
    assert Version(version) >= Version("2.2"), version
    with zipfile.ZipFile(wheel) as zf:
        (metadata,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        assert zf.read(metadata) == pkg_info


def test_build_sdist_then_wheel_twice_from_empty_caches(
    tmp_path: Path, offline_env: dict[str, str]
) -> None:
    """`python -m build`: the sdist, then the wheel from the unpacked sdist, twice."""
    outs = []
    for i, where in enumerate(["one", "two/levels/deeper"]):
        src = copy_sample("hello", tmp_path / where / "hello", vary=i == 1)
        cache, out = tmp_path / f"cache{i}", tmp_path / f"dist{i}"
        run(
            [sys.executable, "-m", "build", "--outdir", out, "-C", f"cache-dir={cache}", src],
            env=build_env(offline_env, tmp_path / f"zig{i}"),
        )
        # The build really used (and filled) its own empty cache.
        assert cache_entries(cache), f"nothing cached in {cache}"
        outs.append(out)
    wheels = [only(out, "*.whl") for out in outs]
    sdists = [only(out, "*.tar.gz") for out in outs]
    assert_identical(sdists)
    assert_identical(wheels)
    check_sdist(sdists[0], wheels[0])
    check_wheel(wheels[0])


def test_pip_wheel_fresh_and_warm_caches(tmp_path: Path, offline_env: dict[str, str]) -> None:
    """`pip wheel` from the tree: an empty cache, the same cache again, another empty cache."""
    caches = [tmp_path / "cache0", tmp_path / "cache0", tmp_path / "cache2"]
    wheels = []
    for i, cache in enumerate(caches):
        src = copy_sample("multi", tmp_path / ("src" + "/x" * i) / "multi", vary=i == 2)
        before = cache_entries(cache) if cache.exists() else set()
        out = tmp_path / f"dist{i}"
        pip_wheel: list[str | Path] = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
        run(
            [*pip_wheel, "-w", out, "-C", f"cache-dir={cache}", src],
            env=build_env(offline_env, tmp_path / f"zig{i}"),
        )
        after = cache_entries(cache)
        if before:  # the warm build found everything it needed in the cache
            assert after == before, sorted(after - before)
        else:
            assert after, f"nothing cached in {cache}"
        wheels.append(only(out, "*.whl"))
    assert_identical(wheels)
    check_wheel(wheels[0])
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "multi_helpers/__init__.py" in names
    assert any(n.endswith("/share/greeting.txt") for n in names), names
