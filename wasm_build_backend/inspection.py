"""`inspect`: what a module is, what it uses, and which engines can build it.

A component is reported by its world: the interfaces it imports and exports, whether it
exports `wasi:cli/run`, and which of its imports the WASI 0.2 runtime lacks.

`report` gathers everything as plain data (strings, numbers, lists, dicts), which
`inspect --json` prints as it is and `format_report` lays out for a reader.
"""

from __future__ import annotations

from typing import Any

from .engines.choice import choose_engine, engine_problem
from .formats.wasmfile import FEATURES, Memory, WasmModule
from .settings.limits import size_text
from .settings.pyproject import AUTO


def _not_runnable(module: WasmModule) -> str | None:
    """Why no engine can run the file as a program, or None."""
    if not module.is_command:
        if module.is_component:
            return "not a command component (no wasi:cli/run export)"
        return "not a command module (no _start)"
    missing = module.unprovided_imports() if module.is_component else []
    if missing:
        return f"it imports what the WASI 0.2 runtime lacks: {', '.join(missing)}"
    return None


def _memory(memory: Memory) -> dict[str, Any]:
    """A linear memory's limits, in pages and bytes: what `max-memory` is checked against."""
    return {
        "index": "i64" if memory.is64 else "i32",
        "page_size": memory.page_size,
        "minimum_pages": memory.minimum,
        "minimum_bytes": memory.minimum * memory.page_size,
        "maximum_pages": memory.maximum,
        "maximum_bytes": None if memory.maximum is None else memory.maximum * memory.page_size,
        "addressable_bytes": memory.address_limit,
        "shared": memory.shared,
        "imported": memory.imported,
    }


def _memory_text(m: dict[str, Any]) -> str:
    pages = "page" if m["minimum_pages"] == 1 else "pages"
    if m["page_size"] != 65536:
        pages += f" of {m['page_size']} bytes"
    text = f"minimum {m['minimum_pages']} {pages} = {m['minimum_bytes']} bytes"
    text += f" ({size_text(m['minimum_bytes'])}), maximum "
    if m["maximum_pages"] is None:
        bits = 64 if m["index"] == "i64" else 32
        text += f"none (a {bits}-bit memory addresses up to {size_text(m['addressable_bytes'])})"
    else:
        text += f"{m['maximum_pages']} pages = {m['maximum_bytes']} bytes"
        text += f" ({size_text(m['maximum_bytes'])})"
    extra = [w for w, on in (("shared", m["shared"]), ("imported", m["imported"])) if on]
    return text + (f"; {', '.join(extra)}" if extra else "")


def report(module: WasmModule) -> dict[str, Any]:
    """The module, already validated by Wasmtime, as plain data."""
    engines: dict[str, dict[str, Any]] = {}
    not_runnable = _not_runnable(module)
    for engine in ("wasmtime", "wasm2c"):
        problem = not_runnable or engine_problem(engine, module)
        engines[engine] = {"builds": True} if problem is None else {"builds": False, "why": problem}
    auto = None
    if not_runnable is None:
        engine, reason = choose_engine(module)
        auto = {"engine": engine, "reason": reason}
    return {
        "kind": "component" if module.is_component else "module",
        "run": module.run_export,
        "module": str(module.path),
        "size": len(module.data),
        "sha256": module.sha256,
        "wasi": module.wasi_version,
        "command": module.is_command,
        "features": [{"name": f, "description": FEATURES[f]} for f in module.features],
        "memories": [_memory(m) for m in module.memories],
        "engines": engines,
        AUTO: auto,
        # What a cold build with the wasm2c engine takes here, when it can build it.
        "wasm2c-build": _wasm2c_estimate(module) if engines["wasm2c"]["builds"] else None,
        "imports": [{"module": i.module, "name": i.name, "kind": i.kind} for i in module.imports],
        "exports": [{"name": e.name, "kind": e.kind} for e in module.exports],
    }


def _wasm2c_estimate(module: WasmModule) -> dict[str, Any]:
    """What a cold wasm2c build of the module is expected to take on this machine."""
    from .engines.wasm2c import estimate_build
    from .jobs.scheduler import cpu_count, memory_budget

    seconds, peak = estimate_build(module)
    return {
        "seconds": round(seconds),
        "peak_memory": peak,
        "cores": cpu_count(),
        "memory_budget": memory_budget(),
    }


def _estimate_line(estimate: dict[str, Any]) -> str:
    seconds = estimate["seconds"]
    took = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{max(1, seconds)} s"
    return (
        f"wasm2c:   a cold build takes about {took} and {estimate['peak_memory'] / 1024**3:.1f} "
        f"GiB on this machine ({estimate['cores']} cores, "
        f"{estimate['memory_budget'] / 1024**3:.0f} GiB build memory budget)"
    )


def format_report(data: dict[str, Any]) -> str:
    component = data["kind"] == "component"
    runs = f"exports {data['run']}" if component else "exports _start"
    lines = [
        f"{data['kind'] + ':':9} {data['module']}",
        f"size:     {data['size']} bytes, sha256 {data['sha256']}",
        f"WASI:     {data['wasi'] or 'none (imports no WASI functions)'}",
        f"command:  {f'yes ({runs})' if data['command'] else 'no: nothing to run'}",
    ]
    features = [f["description"] for f in data["features"]]
    if not component:  # a component's core modules are nested, and not read
        none = "none beyond WebAssembly 1.0"
        lines.append(f"features: {', '.join(features) if features else none}")
        memories = data["memories"]
        if len(memories) == 1:
            lines.append(f"memory:   {_memory_text(memories[0])}")
        else:
            lines.append(f"memory:   {len(memories) or 'none'}")
            lines += [f"  {i}: {_memory_text(m)}" for i, m in enumerate(memories)]
    engines: dict[str, dict[str, Any]] = data["engines"]
    text = ", ".join(name for name, e in engines.items() if e["builds"]) or "none"
    if data["command"] and not data[AUTO]:  # a command no engine can run: one reason
        text += f" ({engines['wasmtime']['why']})"
    elif data["command"]:
        text += "".join(f" (not {n}: {e['why']})" for n, e in engines.items() if not e["builds"])
    lines.append(f"engines:  {text}")
    if data.get("wasm2c-build"):
        lines.append(_estimate_line(data["wasm2c-build"]))
    if data[AUTO]:
        lines.append(
            f'default:  {data[AUTO]["engine"]} (engine = "{AUTO}": {data[AUTO]["reason"]})'
        )
    if component:  # its world: one interface per line
        lines.append(f"imports:  {len(data['imports'])}")
        lines += [f"  {i['module']}" + _kind(i["kind"]) for i in data["imports"]]
        lines.append(f"exports:  {len(data['exports'])}")
        lines += [f"  {e['name']}" + _kind(e["kind"]) for e in data["exports"]]
        return "\n".join(lines)
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


def _kind(kind: str) -> str:
    """A component's import or export kind, said only when it is not an interface."""
    return "" if kind == "instance" else f" ({kind})"
