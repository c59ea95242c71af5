"""File-system sequences for the differential fuzzer (see fuzz.py).

One interpreter (fuzz_fs.c, built once per engine with `--dir box::/box`) reads a
script of raw WASI calls on stdin. Each sequence is a random script over a small
tree of files, folders and symbolic links (pointing inside the preopen, out of it,
to absolute paths, in a loop, nowhere), with paths made of `.`, `..`, absolute and
empty parts, trailing slashes and names of 255 and 256 bytes. It runs on a fresh
tree for Wasmtime and for each engine; the printed results and errno values, the
tree left in the preopen, and everything around it (which must not change) are
compared.
"""

from __future__ import annotations

import os
import random
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import fuzz_exec
from fuzz_exec import ENGINES, Outcome

if TYPE_CHECKING:
    from fuzz_cases import CaseResult, Context

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "fuzz_fs.c"
GUEST = "/box"
LONG = ("x" * 255, "y" * 256)  # the longest name a file system takes, and one more
NAMES = (
    *("f.txt", "sub", "empty", "g.txt", "deep", "new", "new2", "n.txt"),
    *("link_in", "link_file", "link_up", "link_out", "link_abs", "link_root", "loop"),
    *("dangling", "up", "back", "secret.txt", "box", "outside"),
    *LONG,
)
SPECIAL = (".", "..", "")
ALL_RIGHTS = 0x1FFFFFFF
RIGHTS = (ALL_RIGHTS, 0x2 | 0x4 | 0x20 | 0x4000, 0x40 | 0x4 | 0x1, 0x4000, 0x2000 | 0x200)


def make_tree(case: Path) -> None:
    """The starting tree: `case/box` is preopened, `case/outside` must stay as it is."""
    if case.exists():
        shutil.rmtree(case)
    box, outside = case / "box", case / "outside"
    (box / "sub" / "deep").mkdir(parents=True)
    (box / "empty").mkdir()
    (outside / "dir2").mkdir(parents=True)
    (box / "f.txt").write_text("hello\n")
    (box / "sub" / "g.txt").write_text("gee")
    (outside / "secret.txt").write_text("secret\n")
    links = {
        "link_in": "sub",
        "link_file": "f.txt",
        "link_up": "..",
        "link_out": "../outside",
        "link_abs": str(outside.resolve()),
        "link_root": "/",
        "loop": "loop",
        "dangling": "nowhere",
        "sub/up": "../..",
        "sub/back": "../f.txt",
    }
    for name, target in links.items():
        (box / name).symlink_to(target)


def snapshot(root: Path) -> list[str]:
    """Every entry under `root`: path, kind, mode and contents or link target."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(folder) / name
            rel = path.relative_to(root)
            st = path.lstat()
            mode = oct(stat.S_IMODE(st.st_mode))
            if stat.S_ISLNK(st.st_mode):
                out.append(f"{rel} -> {os.readlink(path)}")
            elif stat.S_ISDIR(st.st_mode):
                out.append(f"{rel}/ {mode}")
            else:
                data = path.read_bytes()
                out.append(f"{rel} {mode} nlink {st.st_nlink} {data[:64]!r} ({len(data)} bytes)")
    return out


# ---- generating a sequence ----


def _path(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
        r = rng.random()
        parts.append(rng.choice(SPECIAL) if r < 0.2 else rng.choice(NAMES))
    path = "/".join(parts)
    r = rng.random()
    if r < 0.07:
        path = "/" + path
    elif r < 0.1:
        path = GUEST + "/" + path
    elif r < 0.15:
        path += "/"
    return path


def _text(rng: random.Random) -> str:
    return "".join(rng.choice("abcxyz0123") for _ in range(rng.randint(0, 24)))


def _dir(rng: random.Random) -> int:
    return 0 if rng.random() < 0.8 else rng.randint(1, 3)


def _slot(rng: random.Random) -> int:
    return rng.randint(1, 3) if rng.random() < 0.9 else rng.choice((0, 7))


def _op(rng: random.Random) -> list[str]:
    kind = rng.choices(
        ("open", "io", "stat", "mkdir", "rmdir", "unlink", "rename", "link", "symlink",
         "readlink", "readdir"),
        weights=(6, 6, 3, 2, 1, 1, 2, 1, 2, 1, 2),
    )[0]  # fmt: skip
    p = _path
    if kind == "open":
        oflags = rng.choice((0, 0, 1, 2, 1 | 4, 1 | 8, 8, rng.randrange(16)))
        fdflags = rng.choice((0, 0, 0, 1, rng.randrange(32)))
        return [
            "open", str(_slot(rng)), str(_dir(rng)), f"{rng.randrange(2):x}", f"{oflags:x}",
            f"{fdflags:x}", f"{rng.choice(RIGHTS):x}", p(rng),
        ]  # fmt: skip
    if kind == "io":
        s = str(_slot(rng))
        return rng.choice(
            (
                ["read", s, str(rng.choice((0, 1, 5, 100)))],
                ["pread", s, str(rng.choice((1, 7, 100))), f"{rng.choice((0, 2, 100)):x}"],
                ["write", s, _text(rng)],
                ["pwrite", s, f"{rng.choice((0, 3, 20)):x}", _text(rng)],
                ["seek", s, str(rng.choice((0, 2, -1, -100, 10))), str(rng.randrange(4))],
                ["fstat", s],
                ["fdstat", s],
                ["setsize", s, str(rng.choice((0, 3, 50)))],
                ["sync", s],
                ["close", s],
            )
        )
    if kind == "stat":
        return ["stat", str(_dir(rng)), f"{rng.randrange(2):x}", p(rng)]
    if kind in ("mkdir", "rmdir", "unlink", "readlink"):
        return [kind, str(_dir(rng)), p(rng)]
    if kind == "rename":
        return ["rename", str(_dir(rng)), p(rng), str(_dir(rng)), p(rng)]
    if kind == "link":
        return ["link", str(_dir(rng)), f"{rng.randrange(2):x}", p(rng), str(_dir(rng)), p(rng)]
    if kind == "symlink":
        target = rng.choice(("f.txt", "sub", "..", "/", "../outside", "nowhere", p(rng)))
        return ["symlink", target, str(_dir(rng)), p(rng)]
    return ["readdir", str(rng.choice((0, 1, 2)))]


def sequence(seed: int) -> str:
    """The script of case `seed`: 5 to 25 calls, one per line."""
    rng = random.Random(seed)
    return "".join("\t".join(_op(rng)) + "\n" for _ in range(rng.randint(5, 25)))


# ---- running one ----


def build_interpreters(ctx: Context) -> dict[str, Path]:
    """Compile fuzz_fs.c to wasm once, and the wasm with each engine's create-exe."""
    wasm = ctx.tmp / "fuzz_fs.wasm"
    subprocess.run(
        [sys.executable, "-m", "ziglang", "cc", "--target=wasm32-wasi", "-std=c11", "-O2",
         "-s", "-Wall", "-Wextra", "-Werror", "-o", str(wasm), str(SOURCE)],
        check=True,
    )  # fmt: skip
    built = {"module": wasm}
    for engine in ENGINES:
        exe = ctx.tmp / "fs" / f"fuzz_fs-{engine}"
        built[engine] = fuzz_exec.create_exe(engine, wasm, exe, ctx.shared_cache, [f"box::{GUEST}"])
    return built


def run_script(
    script: str, case: Path, how: str, interpreters: dict[str, Path]
) -> tuple[Outcome, list[str]]:
    """Run `script` on a fresh tree in `case` with Wasmtime ("reference") or an engine's
    executable; returns what it printed and the tree it left."""
    make_tree(case)
    script_file = case.parent / "script.txt"
    script_file.write_text(script, encoding="utf-8")
    if how == "reference":
        module = fuzz_exec.load(interpreters["module"], keep=True)
        outcome = fuzz_exec.reference(module, [], [(str(case / "box"), GUEST)], stdin=script_file)
    else:
        outcome = fuzz_exec.run_exe(interpreters[how], [], cwd=case, stdin=script_file)
    return outcome, snapshot(case)


def compare_script(script: str, case: Path, interpreters: dict[str, Path]) -> list[str]:
    """Run `script` every way; the differences from Wasmtime, and any change outside."""
    make_tree(case)
    pristine = [e for e in snapshot(case) if not e.startswith("box")]
    want, want_tree = run_script(script, case, "reference", interpreters)
    found = []
    outside = [e for e in want_tree if not e.startswith("box")]
    if outside != pristine:
        found.append(
            f"Wasmtime changed files outside the preopen: {_first_diff(outside, pristine)}"
        )
    for engine in ENGINES:
        got, tree = run_script(script, case, engine, interpreters)
        found += [f"{engine}: {d}" for d in want.differences(got)]
        if tree != want_tree:
            found.append(f"{engine}: final tree {_first_diff(tree, want_tree)}")
    return found


def _first_diff(got: list[str], want: list[str]) -> str:
    extra = sorted(set(got) - set(want))
    missing = sorted(set(want) - set(got))
    return f"has {extra[:3]}, lacks {missing[:3]}"


def check_sequence(ctx: Context, seed: int) -> CaseResult:
    from fuzz_cases import CaseResult, _worker_dirs

    _, out = _worker_dirs(ctx)
    script = sequence(seed)
    found = compare_script(script, out / "case", ctx.interpreters)
    return CaseResult("fs", seed, found, runs=script.count("\n"))


def save_finding(result: CaseResult, findings: Path) -> Path:
    folder = findings / f"fs-seed-{result.seed}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "script.txt").write_text(sequence(result.seed), encoding="utf-8")
    (folder / "report.txt").write_text(
        f"seed {result.seed} (python benchmarks/fuzz.py --count 0 --fs-count 1 "
        f"--fs-seed {result.seed})\n" + "".join(f"{d}\n" for d in result.divergences),
        encoding="utf-8",
    )
    return folder
