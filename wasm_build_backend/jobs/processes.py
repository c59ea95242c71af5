"""The programs a build runs (zig, wasm2c, pip, emulators), and stopping them all.

Every child runs in a process group of its own, so that when the build is interrupted
(Ctrl-C, or SIGTERM from a frontend or CI runner) the whole tree goes, including the
clang processes that zig starts, and not only the direct child. `stopping()`
installs handlers that, on SIGINT or SIGTERM, kill every running child group, refuse
to start new ones, and raise `Interrupted` in the main thread, so that `finally`
blocks remove temporary folders and files before the process exits with 128 + the
signal's number. Compile jobs in worker threads then fail at once instead of
keeping the build alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

# Re-entrant: the signal handler runs in the main thread, which may hold it.
_lock = threading.RLock()
_children: set[subprocess.Popen[Any]] = set()
_stopped: int | None = None  # the signal that stopped the build


class Interrupted(KeyboardInterrupt):
    """The build was stopped by a signal; the process should exit with `exit_status`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum

    @property
    def message(self) -> str:
        return "interrupted" if self.signum == signal.SIGINT else "terminated"


def _kill(proc: subprocess.Popen[Any]) -> None:
    try:
        if sys.platform == "win32":
            # taskkill /T ends the tree that zig's compiler processes form under it.
            subprocess.run(
                ["taskkill", "/F", "/T", "/PID", str(proc.pid)],
                capture_output=True,
                check=False,
            )
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass  # already gone


def stop_all(signum: int = signal.SIGINT) -> None:
    """Kill every running child's process group; later `run` calls raise `Interrupted`."""
    global _stopped
    with _lock:
        if _stopped is None:
            _stopped = signum
        children = list(_children)
    for proc in children:
        _kill(proc)


def run(
    cmd: Sequence[str], *, input: str | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[Any]:
    """`subprocess.run(cmd, **kwargs)`, with the child in its own process group that
    an interrupted build kills."""
    if sys.platform == "win32":
        kwargs["creationflags"] = (
            kwargs.get("creationflags", 0) | subprocess.CREATE_NEW_PROCESS_GROUP
        )
    else:
        kwargs["start_new_session"] = True
    timeout = kwargs.pop("timeout", None)
    if kwargs.pop("capture_output", False):
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    if input is not None:
        kwargs["stdin"] = subprocess.PIPE
    with _lock:
        if _stopped is not None:
            raise Interrupted(_stopped)
        proc = subprocess.Popen(list(cmd), **kwargs)
        _children.add(proc)
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except BaseException:
        _kill(proc)
        proc.wait()
        raise
    finally:
        with _lock:
            _children.discard(proc)
    if _stopped is not None:  # killed by stop_all: its failure is not the build's error
        raise Interrupted(_stopped)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _handler(signum: int, frame: FrameType | None) -> None:
    if _stopped is not None:
        return  # a second Ctrl-C must not cut short the clean-up of the first
    stop_all(signum)
    raise Interrupted(signum)


@contextmanager
def stopping() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM stop the build as described above (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [signal.SIGINT] + ([signal.SIGTERM] if sys.platform != "win32" else [])
    global _stopped
    previous = {s: signal.signal(s, _handler) for s in signals}
    previous_hook = sys.unraisablehook

    def unraisable(info: Any) -> None:
        # The handler raised inside a finaliser (wasmtime-py's __del__ runs often), where
        # Python only prints the exception and goes on: stay quiet, and stop below.
        if not isinstance(info.exc_value, Interrupted):
            previous_hook(info)

    sys.unraisablehook = unraisable
    try:
        yield
        if _stopped is not None:
            raise Interrupted(_stopped)
    finally:
        sys.unraisablehook = previous_hook
        for s, handler in previous.items():
            signal.signal(s, handler)
        _stopped = None  # every child is gone: a later build in this process may run
