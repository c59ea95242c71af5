"""`inspect`: what a module is, what it uses, and which engines can build it.

`report` gathers everything as plain data (strings, numbers, lists, dicts), which
`inspect --json` prints as it is and `format_report` lays out for a reader.
"""

from __future__ import annotations

from typing import Any

from .config import AUTO
from .engines.choice import choose_engine, engine_problem
from .wasmfile import FEATURES, WasmModule


def report(module: WasmModule) -> dict[str, Any]:
    """The module, already validated by Wasmtime, as plain data."""
    engines: dict[str, dict[str, Any]] = {}
    for engine in ("wasmtime", "wasm2c"):
        if module.is_command:
            problem = engine_problem(engine, module)
        else:
            problem = "not a command module (no _start)"
        engines[engine] = {"builds": True} if problem is None else {"builds": False, "why": problem}
    auto = None
    if module.is_command:
        engine, reason = choose_engine(module)
        auto = {"engine": engine, "reason": reason}
    return {
        "module": str(module.path),
        "size": len(module.data),
        "sha256": module.sha256,
        "wasi": module.wasi_version,
        "command": module.is_command,
        "features": [{"name": f, "description": FEATURES[f]} for f in module.features],
        "engines": engines,
        AUTO: auto,
        "imports": [{"module": i.module, "name": i.name, "kind": i.kind} for i in module.imports],
        "exports": [{"name": e.name, "kind": e.kind} for e in module.exports],
    }


def format_report(data: dict[str, Any]) -> str:
    lines = [
        f"module:   {data['module']}",
        f"size:     {data['size']} bytes, sha256 {data['sha256']}",
        f"WASI:     {data['wasi'] or 'none (imports no WASI functions)'}",
        f"command:  {'yes (exports _start)' if data['command'] else 'no: nothing to run'}",
    ]
    features = [f["description"] for f in data["features"]]
    lines.append(f"features: {', '.join(features) if features else 'none beyond WebAssembly 1.0'}")
    engines: dict[str, dict[str, Any]] = data["engines"]
    text = ", ".join(name for name, e in engines.items() if e["builds"]) or "none"
    if data["command"]:
        text += "".join(f" (not {n}: {e['why']})" for n, e in engines.items() if not e["builds"])
    lines.append(f"engines:  {text}")
    if data[AUTO]:
        lines.append(
            f'default:  {data[AUTO]["engine"]} (engine = "{AUTO}": {data[AUTO]["reason"]})'
        )
    by_module: dict[str, list[str]] = {}
    for imp in data["imports"]:
        by_module.setdefault(imp["module"], []).append(
            imp["name"] if imp["kind"] == "func" else f"{imp['name']} ({imp['kind']})"
        )
    lines.append(f"imports:  {len(data['imports'])}")
    for module, items in sorted(by_module.items()):
        lines.append(f"  {module}: {', '.join(sorted(items))}")
    lines.append(f"exports:  {len(data['exports'])}")
    lines += [f"  {e['name']} ({e['kind']})" for e in data["exports"]]
    return "\n".join(lines)
