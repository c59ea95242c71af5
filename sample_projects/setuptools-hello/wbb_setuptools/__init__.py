"""Python side of wbb-sample-setuptools: a pure-Python package shipped beside a native WASI script."""

__all__ = ["greeting"]


def greeting(name: str = "world") -> str:
    """The greeting `setuptools-hello NAME` prints."""
    return f"Hello, {name}!"
