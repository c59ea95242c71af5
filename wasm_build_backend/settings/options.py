"""Build options from PEP 517 config settings (`-C key=value`) and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from ..errors import BuildError
from ..jobs.cache import Cache
from ..jobs.scheduler import check_memory_setting
from ..targets.host import host_target
from ..targets.target import Target, parse_tag
from .pyproject import check_engine

ConfigSettings = Mapping[str, Union[str, list[str], None]]

PRECOMPILE_MODES = ("native", "first-run", "pulley")

_KEYS = {
    "engine": "override the engine of every script (auto, wasm2c or wasmtime)",
    "target": "the wheel platform tag to build for (default: this machine, or what "
    "cibuildwheel's environment variables say)",
    "precompile": "native (machine code in the wheel), first-run (compiled on the user's "
    "machine at first start) or pulley (portable bytecode); default: native when this "
    "machine can produce it, else first-run",
    "runtime": "a wasmtime wheel, a folder of wheels, or a folder holding the Wasmtime "
    "library for the target (offline builds)",
    "cache-dir": "where compiled modules and launchers are cached",
    "build-memory": "the most memory the wasm2c engine's compile jobs may use together, "
    "e.g. 4GiB (default: 80% of what the machine has available)",
}


@dataclass(frozen=True)
class BuildSettings:
    engine: str | None = None
    target: Target | None = None
    cache_dir: Path | None = None
    precompile: str | None = None  # one of PRECOMPILE_MODES; None: the best available
    runtime: Path | None = None  # where the target's Wasmtime library comes from
    build_memory: int | None = None  # bytes; None: what the machine has available
    cache_setting: str = "-C cache-dir"  # how the user named cache_dir, for messages

    def cache(self) -> Cache:
        return Cache(self.cache_dir, self.cache_setting)

    def resolved_target(self) -> Target:
        return self.target or host_target()


def _pairs(config_settings: ConfigSettings) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for key, value in config_settings.items():
        values = value if isinstance(value, list) else [value or ""]
        if key == "--build-option":  # older pip: -C--build-option=--key=value
            for option in values:
                k, _, v = option.lstrip("-").partition("=")
                pairs[k] = v
        else:
            pairs[key.lstrip("-")] = values[-1]  # given twice: the last one wins
    return pairs


def parse_settings(config_settings: ConfigSettings | None) -> BuildSettings:
    pairs = _pairs(config_settings or {})
    unknown = sorted(set(pairs) - set(_KEYS))
    if unknown:
        valid = "; ".join(f"{k}: {v}" for k, v in _KEYS.items())
        raise BuildError(f"unknown config setting(s) {', '.join(unknown)}; valid settings: {valid}")
    return BuildSettings(
        engine=check_engine(pairs["engine"], "config setting engine")
        if "engine" in pairs
        else None,
        target=parse_tag(pairs["target"], "config setting target") if pairs.get("target") else None,
        cache_dir=Path(pairs["cache-dir"]) if pairs.get("cache-dir") else None,
        precompile=check_precompile(pairs["precompile"]) if pairs.get("precompile") else None,
        runtime=Path(pairs["runtime"]).expanduser().resolve() if pairs.get("runtime") else None,
        build_memory=check_memory_setting(pairs["build-memory"], "config setting build-memory")
        if pairs.get("build-memory")
        else None,
    )


def check_precompile(mode: str) -> str:
    if mode not in PRECOMPILE_MODES:
        raise BuildError(f"precompile must be one of {', '.join(PRECOMPILE_MODES)}, not {mode!r}")
    return mode
