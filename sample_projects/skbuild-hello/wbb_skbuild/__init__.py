"""Python side of wbb-sample-skbuild: a C extension module shipped beside a native WASI script."""

from ._native import greeting

__all__ = ["greeting"]
