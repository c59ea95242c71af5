"""The C that each executable's generated `script.c` holds for its sandbox policy, in the
types of `c/host.h`, which the launcher and the wasm2c runtime share: both engines write
the same arrays and the same fields of their script struct from a `Sandbox`."""

from __future__ import annotations

from ..settings.pyproject import Sandbox


def c_string(value: str) -> str:
    """A C string literal of `value`'s UTF-8 bytes (octal escapes: no trigraphs, no
    hex escapes running into the next character)."""
    out = []
    for byte in value.encode():
        ch = chr(byte)
        out.append(ch if 32 <= byte < 127 and ch not in '"\\?' else f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def policy_c(
    sandbox: Sandbox,
    data_dirs: dict[str, str],
    companions: tuple[str, ...],
    *,
    data_from_host: bool,
) -> tuple[list[str], list[str]]:
    """The policy's static arrays (`dirs`, `env_names`, `companion_dirs`), and the
    initialisers of the fields that both engines' script structs have (`.env_mode` to
    `.companion_dir_count`). `data_dirs` maps guest paths to folders in the companion
    folder, or to host paths when `data_from_host` (editable installs); `companions` is
    where the executable looks for that folder (`Layout.search`)."""
    dirs = [
        f"{{WBB_DIR_HOST, {c_string(d.host)}, {c_string(d.guest)}, {int(d.writable)}}}"
        for d in sandbox.dirs
    ]
    for guest, host in data_dirs.items():
        kind = "WBB_DIR_HOST" if data_from_host else "WBB_DIR_DATA"
        dirs.append(f"{{{kind}, {c_string(host)}, {c_string(guest)}, 0}}")
    if sandbox.tmp is not None:
        dirs.append(f'{{WBB_DIR_TMP, "", {c_string(sandbox.tmp)}, 1}}')
    env_names: tuple[str, ...] = () if isinstance(sandbox.env, str) else sandbox.env
    env_mode = {"all": "WBB_ENV_ALL", "none": "WBB_ENV_NONE"}.get(str(sandbox.env), "WBB_ENV_LIST")
    memory = -1 if sandbox.max_memory is None else sandbox.max_memory
    timeout_ms = 0 if sandbox.timeout is None else max(1, round(sandbox.timeout * 1000))
    # C has no empty arrays: a placeholder entry, never read with a count of 0.
    arrays = [
        "static const struct wbb_dir dirs[] = {",
        *([f"    {d}," for d in dirs] or ['    {WBB_DIR_HOST, "", "", 0},']),
        "};",
        "static const char *const env_names[] = {",
        *([f"    {c_string(n)}," for n in env_names] or ['    "",']),
        "};",
        "static const char *const companion_dirs[] = {",
        *([f"    {c_string(d)}," for d in companions] or ['    "",']),
        "};",
    ]
    fields = [
        f"    .env_mode = {env_mode},",
        "    .env_names = env_names,",
        f"    .env_count = {len(env_names)},",
        "    .dirs = dirs,",
        f"    .dir_count = {len(dirs)},",
        f"    .max_memory = {memory},",
        f"    .timeout_ms = {timeout_ms},",
        "    .companion_dirs = companion_dirs,",
        f"    .companion_dir_count = {len(companions)},",
    ]
    return arrays, fields
