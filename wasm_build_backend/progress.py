"""Progress lines on stderr for the long steps, as frontends show a backend's output."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


def say(message: str) -> None:
    print(f"wasm-build-backend: {message}", file=sys.stderr, flush=True)


@contextmanager
def step(message: str) -> Iterator[None]:
    """`message ...`, then `message: done in 1.2 s`, or one line saying it failed or was
    stopped (the error itself is reported by whoever catches it)."""
    start = time.perf_counter()
    say(f"{message} ...")
    try:
        yield
    except KeyboardInterrupt:
        say(f"{message}: stopped after {time.perf_counter() - start:.1f} s (interrupted)")
        raise
    except BaseException:
        say(f"{message}: failed after {time.perf_counter() - start:.1f} s")
        raise
    say(f"{message}: done in {time.perf_counter() - start:.1f} s")
