"""Progress lines on stderr for the long steps, as frontends show a backend's output.

How much is said is one process-wide level: the command line's `-q` keeps only warnings
and errors, `-v` adds the details (every compiler command, cache decisions).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

QUIET, NORMAL, VERBOSE = 0, 1, 2
_level = NORMAL


def set_verbosity(level: int) -> None:
    global _level
    _level = level


def verbosity() -> int:
    return _level


def _print(message: str) -> None:
    print(f"wasm-build-backend: {message}", file=sys.stderr, flush=True)


def say(message: str) -> None:
    """A progress line: hidden by `-q`."""
    if _level >= NORMAL:
        _print(message)


def warn(message: str) -> None:
    """Something the user should know about the build, even with `-q`."""
    _print(f"warning: {message}")


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """A warning about something every archive or script of a build shares."""
    if message not in _warned:
        _warned.add(message)
        warn(message)


def debug(message: str) -> None:
    """A detail shown with `-v` only."""
    if _level >= VERBOSE:
        _print(message)


# The step that an interrupt cut short, with how long it had run: the build's last line
# names it (see `errors.reported`), so that an interrupted build says where in one line.
stopped_step: tuple[str, float] | None = None


@contextmanager
def step(message: str) -> Iterator[None]:
    """`message ...`, then `message: done in 1.2 s`. A failure or an interrupt is
    reported by whoever catches it, in one line; an interrupt's names this step."""
    global stopped_step
    start = time.perf_counter()
    say(f"{message} ...")
    try:
        yield
    except KeyboardInterrupt:
        if stopped_step is None:  # the innermost step is the one that says most
            stopped_step = (message, time.perf_counter() - start)
        raise
    say(f"{message}: done in {time.perf_counter() - start:.1f} s")
