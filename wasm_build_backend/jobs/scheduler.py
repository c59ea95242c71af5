"""Running compile jobs in parallel within a memory budget as well as a number of cores.

A large module's C parts each take a compiler process of a few hundred MB, and a part
holding one giant function can take several GB. Running as many as there are cores
is not enough to keep a build inside the machine's memory, so each job carries an
estimate of its peak memory, and a job starts only while the estimates of the running
jobs plus its own stay within the budget. Jobs start largest first (the longest ones
must not be left for the end), and a smaller job that fits fills a gap meanwhile. A
job larger than the whole budget runs alone.

The budget is what the machine has available when the build starts (`MemAvailable`),
less a margin, or less if the `build-memory` setting (or `WASM_BUILD_BACKEND_BUILD_MEMORY`)
asks for less.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError

BUILD_MEMORY_ENV = "WASM_BUILD_BACKEND_BUILD_MEMORY"
# Left to the rest of the machine out of what it has available at the start.
_MARGIN = 0.8
_FALLBACK_AVAILABLE = 4 * 1024**3  # where the OS does not say (not Linux)


@dataclass(frozen=True)
class Job:
    """A piece of work: its name (for messages), estimated peak memory in bytes and
    estimated cost (any unit, for ordering and the remaining time), and what to do."""

    name: str
    memory: int
    cost: float
    run: Callable[[], None]


def available_memory() -> int:
    """Bytes of memory the machine can give without swapping, as the kernel estimates it."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        return int(pages * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return _FALLBACK_AVAILABLE


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on macOS and Windows
        return os.cpu_count() or 1


def memory_budget(setting: int | None = None) -> int:
    """The build's memory budget: a share of what is available, at most `setting`, or
    the environment variable's value when no setting is given."""
    budget = int(available_memory() * _MARGIN)
    if setting is None and os.environ.get(BUILD_MEMORY_ENV):
        setting = check_memory_setting(os.environ[BUILD_MEMORY_ENV], BUILD_MEMORY_ENV)
    return min(budget, setting) if setting else budget


def run_jobs(
    jobs: Sequence[Job],
    *,
    budget: int,
    workers: int,
    done: Callable[[Job, int, float], None] | None = None,
    stop: Callable[[], None] | None = None,
) -> None:
    """Run every job, at most `workers` at once and within `budget` bytes of estimated
    memory; `done(job, n, running)` after each (n: how many have finished; running:
    the cost of the jobs still running). The first failure
    stops new jobs from starting and is raised once the running ones have finished; an
    interrupt (Ctrl-C, SIGTERM) calls `stop()` to end the running ones first."""
    waiting = sorted(jobs, key=lambda j: (-j.memory, -j.cost, j.name))
    lock = threading.Condition()
    running: dict[str, Job] = {}
    failures: list[BaseException] = []
    finished = 0

    def work(job: Job) -> None:
        nonlocal finished
        try:
            job.run()
        except BaseException as e:  # reported by the main thread
            with lock:
                failures.append(e)
        with lock:
            del running[job.name]
            finished += 1
            count = finished
            busy = sum(j.cost for j in running.values())
            lock.notify_all()
        if done is not None and not failures:
            done(job, count, busy)

    def next_job() -> Job | None:
        used = sum(j.memory for j in running.values())
        for i, job in enumerate(waiting):
            if not running or used + job.memory <= budget:
                return waiting.pop(i)
        return None

    threads: list[threading.Thread] = []
    try:
        with lock:
            while waiting and not failures:
                job = next_job() if len(running) < workers else None
                if job is None:
                    lock.wait(0.5)
                    continue
                running[job.name] = job
                thread = threading.Thread(target=work, args=(job,), daemon=True)
                threads.append(thread)
                thread.start()
    except KeyboardInterrupt:
        if stop is not None:
            stop()
        raise
    finally:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
    if failures:
        raise failures[0]


def check_memory_setting(value: str, where: str) -> int:
    """A `build-memory` value (`4GiB`, a number of bytes) checked: an error names `where`."""
    from ..settings.pyproject import parse_size

    try:
        size = parse_size(value.strip(), where, Path(where))
    except BuildError:
        raise BuildError(
            f"{where} must be a size such as 4GiB or a number of bytes, not {value!r}"
        ) from None
    if size < 64 * 1024**2:
        raise BuildError(f"{where} must be at least 64MiB, not {value!r}")
    return size


class Clock:
    """Elapsed time, and the remaining time from the share of the cost done so far."""

    def __init__(self, total_cost: float) -> None:
        self.start = time.monotonic()
        self.total = total_cost
        self.done = 0.0

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self, running: float = 0.0) -> float | None:
        """From the rate so far; jobs still `running` (their cost) count as half done."""
        done = self.done + running / 2
        if done <= 0 or self.total <= 0:
            return None
        return self.elapsed() * (self.total - done) / done
