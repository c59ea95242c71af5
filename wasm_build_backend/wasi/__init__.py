"""WASI as the engines see it: which functions a module may import, with their types."""
