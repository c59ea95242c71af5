"""The compile scheduler: never more jobs at once than the memory budget allows.

The jobs are real processes that log when they start and end; the overlap of their
intervals, as the processes themselves saw it, is what is checked.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from wasm_build_backend.errors import BuildError
from wasm_build_backend.jobs.scheduler import (
    BUILD_MEMORY_ENV,
    Job,
    check_memory_setting,
    memory_budget,
    run_jobs,
)
from wasm_build_backend.settings.options import parse_settings

MiB = 1024**2
# A job process: logs its start, works a little, logs its end (monotonic ns).
CHILD = (
    "import sys, time\n"
    "log = open(sys.argv[1], 'a')\n"
    "log.write(f'{time.monotonic_ns()} +1\\n'); log.flush()\n"
    "time.sleep(0.4)\n"
    "log.write(f'{time.monotonic_ns()} -1\\n'); log.close()\n"
)


def process_job(name: str, memory: int, log: Path) -> Job:
    def run() -> None:
        subprocess.run([sys.executable, "-c", CHILD, str(log / name)], check=True)

    return Job(name, memory, float(memory), run)


def most_at_once(log: Path) -> int:
    events = sorted(
        (int(t), int(d))
        for f in log.iterdir()
        for t, d in (line.split() for line in f.read_text().splitlines())
    )
    assert len(events) % 2 == 0 and events, "every job started and ended"
    now = most = 0
    for _, delta in events:  # an end before a start at the same instant: no overlap
        now += delta
        most = max(most, now)
    return most


@pytest.mark.parametrize("allowed", [1, 2, 3])
def test_never_more_jobs_than_the_budget_allows(tmp_path: Path, allowed: int) -> None:
    """Ten jobs of 300 MiB each, many workers, a budget for `allowed` of them."""
    jobs = [process_job(f"job{i}", 300 * MiB, tmp_path) for i in range(10)]
    finished: list[int] = []
    run_jobs(
        jobs,
        budget=allowed * 300 * MiB + 100 * MiB,
        workers=8,
        done=lambda job, n, running: finished.append(n),
    )
    assert sorted(finished) == list(range(1, 11))
    assert most_at_once(tmp_path) == allowed


def test_a_big_job_runs_alone_and_small_ones_fill_the_budget(tmp_path: Path) -> None:
    """A job above the whole budget still runs, alone; four small ones share the rest."""
    jobs = [process_job("big", 5000 * MiB, tmp_path)]
    jobs += [process_job(f"small{i}", 100 * MiB, tmp_path) for i in range(4)]
    finished: list[str] = []
    lock = threading.Lock()

    def record(job: Job, n: int, running: float) -> None:
        with lock:
            finished.append(job.name)

    run_jobs(jobs, budget=1000 * MiB, workers=4, done=record)
    assert finished[0] == "big", "the largest job goes first, and alone"
    lines = (tmp_path / "big").read_text().splitlines()
    big_start, big_end = (int(line.split()[0]) for line in lines)
    for i in range(4):
        small_start = int((tmp_path / f"small{i}").read_text().split()[0])
        assert small_start >= big_end > big_start
    (tmp_path / "big").unlink()
    assert most_at_once(tmp_path) == 4


def test_a_failure_stops_the_jobs_not_started(tmp_path: Path) -> None:
    def fail() -> None:
        raise BuildError("zig failed while compiling part_001.c")

    jobs = [Job("failing", 900 * MiB, 9.0, fail)]
    jobs += [process_job(f"later{i}", 100 * MiB, tmp_path) for i in range(5)]
    with pytest.raises(BuildError, match=r"part_001\.c"):
        run_jobs(jobs, budget=1000 * MiB, workers=1)
    assert list(tmp_path.iterdir()) == []


def test_budget_setting_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUILD_MEMORY_ENV, raising=False)
    machine = memory_budget()
    assert machine > 0
    assert memory_budget(256 * MiB) == min(machine, 256 * MiB)
    monkeypatch.setenv(BUILD_MEMORY_ENV, "300MiB")
    assert memory_budget() == min(machine, 300 * MiB)
    assert memory_budget(256 * MiB) == min(machine, 256 * MiB), "the setting wins"
    assert parse_settings({"build-memory": "4GiB"}).build_memory == 4 * 1024**3
    assert check_memory_setting("1073741824", "x") == 1024**3


@pytest.mark.parametrize("value", ["lots", "-1GiB", "1MiB"])
def test_bad_budget_is_a_clear_error(value: str) -> None:
    with pytest.raises(BuildError, match="build-memory") as e:
        parse_settings({"build-memory": value})
    assert "\n" not in str(e.value)
