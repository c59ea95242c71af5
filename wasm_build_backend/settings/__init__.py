"""Settings: `pyproject.toml`'s `[tool.wasm-build-backend]`, `-C` options, sandbox limits."""
