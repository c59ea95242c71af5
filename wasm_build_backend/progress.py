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
    start = time.perf_counter()
    say(f"{message} ...")
    yield
    say(f"{message}: done in {time.perf_counter() - start:.1f} s")
