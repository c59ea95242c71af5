"""The one exception type that reaches users, and how a failed build ends: one line
on stderr and an exit status, never a traceback."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .jobs import progress
from .jobs.processes import Interrupted, stopping
from .jobs.progress import VERBOSE, verbosity

T = TypeVar("T")


class BuildError(Exception):
    """Something about the user's input or environment that stops the build.

    The message names the file at fault (when there is one) and what is wrong with it;
    frontends show it as is.
    """

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        self.path = None if path is None else Path(path)
        super().__init__(f"{path}: {message}" if path is not None else message)


def describe_os_error(e: OSError) -> str:
    """An OSError the build did not expect (a full disk, a file vanishing) as one line."""
    what = e.strerror or str(e)
    if e.filename is not None:
        return f"{e.filename}: {what}"
    return what


def reported(body: Callable[[], T]) -> T:
    """`body()`, stopped cleanly by Ctrl-C or SIGTERM (see `processes`); a failure is
    one line on stderr and SystemExit: 1 for a BuildError or an unexpected OSError,
    128 + the signal's number when interrupted (130 for Ctrl-C)."""
    progress.stopped_step = None
    try:
        with stopping():
            return body()
    except BuildError as e:
        line, status = f"error: {e}", 1
    except Interrupted as e:
        line, status = _stopped_line(e.message), e.exit_status
    except KeyboardInterrupt:
        line, status = _stopped_line("interrupted"), 130
    except OSError as e:
        if verbosity() >= VERBOSE:
            traceback.print_exc()
        line, status = f"error: {describe_os_error(e)}", 1
    print(f"wasm-build-backend: {line}", file=sys.stderr, flush=True)
    raise SystemExit(status)


def _stopped_line(message: str) -> str:
    if progress.stopped_step is None:
        return message
    what, seconds = progress.stopped_step
    return f"{message} after {seconds:.1f} s while {what}"
