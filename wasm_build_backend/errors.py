"""The one exception type that reaches users: a message, never a traceback."""

from __future__ import annotations

from pathlib import Path


class BuildError(Exception):
    """Something about the user's input or environment that stops the build.

    The message names the file at fault (when there is one) and what is wrong with it;
    frontends show it as is.
    """

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        self.path = None if path is None else Path(path)
        super().__init__(f"{path}: {message}" if path is not None else message)
