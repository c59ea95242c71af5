"""Pure-Python helpers shipped next to the multi-call executables of wbb-sample-multi."""

__all__ = ["version"]


def version() -> str:
    """Return the version of the wbb-sample-multi distribution."""
    return "1.0.0"
