"""The build cache: reused when nothing changed, safe when builds race."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from conftest import SAMPLES

from wasm_build_backend.jobs.cache import Cache


def build(project: Path, out: Path, cache: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wasm_build_backend",
            "build",
            str(project),
            "-o",
            str(out),
            "--cache-dir",
            str(cache),
            "--engine",  # the entries checked below are the wasmtime engine's
            "wasmtime",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def entries(cache: Path) -> list[str]:
    return sorted(p.relative_to(cache).as_posix() for p in cache.glob("*/*") if p.is_dir())


def test_two_builds_at_once_share_an_empty_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    procs = [build(SAMPLES / "multi", tmp_path / f"out{i}", cache) for i in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    wheels = [next((tmp_path / f"out{i}").glob("*.whl")).read_bytes() for i in range(2)]
    assert wheels[0] == wheels[1]
    # One artifact (four scripts share the module), one launcher object, two
    # executables (multi-data differs in its sandbox) and the deflated runtime
    # library; no stray temporary folders.
    kinds = [e.split("/")[0] for e in entries(cache)]
    assert sorted(kinds) == ["artifacts", "deflated", "executables", "executables", "launchers"]
    assert not [p for p in cache.rglob(".*") if p.is_dir()]


def test_rebuild_reuses_and_a_changed_module_does_not(tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "hello"
    shutil.copytree(SAMPLES / "hello", project)
    cache = tmp_path / "cache"
    for _ in range(2):
        proc = build(project, tmp_path / "out", cache)
        assert proc.wait(timeout=600) == 0
    first = entries(cache)
    assert len(first) == 4
    shutil.copy(SAMPLES / "filetool" / "filetool.wasm", project / "hello.wasm")
    assert build(project, tmp_path / "out", cache).wait(timeout=600) == 0
    second = entries(cache)
    # A new artifact and a new executable; the launcher object and the deflated
    # runtime library are reused.
    assert len(second) == 6 and set(first) < set(second)


def test_racing_producers_leave_one_complete_entry(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    barrier = threading.Barrier(4)
    results: list[Path] = []

    def produce(folder: Path) -> None:
        barrier.wait()  # everyone is producing at the same moment
        (folder / "payload").write_text("complete")

    def worker() -> None:
        results.append(cache.entry("kind", {"k": 1}, produce))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert (results[0] / "payload").read_text() == "complete"
    assert [p.name for p in (tmp_path / "kind").iterdir()] == [results[0].name]
