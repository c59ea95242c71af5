/* What the build writes into each executable: the script's sandbox policy and
 * engine settings. The backend generates one C file per executable that defines
 * `wbb_script` (see wasm_build_backend/engines/launcher.py); the launcher code
 * itself is the same for every script of a target. */
#ifndef WBB_LAUNCHER_H
#define WBB_LAUNCHER_H

#include <stddef.h>
#include <stdint.h>

#include "host.h" /* the sandbox policy's types, shared with the wasm2c runtime */

/* An engine setting, applied by name to the runtime's config exactly as the
 * build applied it before precompiling: a mismatch would make the artifact
 * fail to load. A string setting is a function `wasmtime_error_t *(wasm_config_t *,
 * const char *)`, such as wasmtime_config_target_set; a size is a `size_t`, such as
 * wasmtime_config_max_wasm_stack_set's. */
enum wbb_setting_kind { WBB_SET_BOOL, WBB_SET_SIZE, WBB_SET_STRING };

struct wbb_setting {
    const char *function;
    enum wbb_setting_kind kind;
    uint64_t value;
    const char *text; /* WBB_SET_STRING only */
};

/* What the executable carries, and so what it does at start. */
enum wbb_code_kind {
    WBB_CODE_ARTIFACT,  /* machine code (or Pulley bytecode) precompiled at build time */
    WBB_CODE_MODULE,    /* the .wasm, compiled on the first run into a per-user cache */
    WBB_CODE_PATH,      /* a .wasm on disk, compiled at each start (editable installs) */
    WBB_CODE_COMPILER   /* no program: `exe IN.wasm OUT.cwasm` precompiles with these
                           settings; the build runs it under an emulator */
};

struct wbb_script {
    const char *runtime_library; /* relative to the companion folder */
    /* Loaded first, its symbols global, so the runtime needs no such library from
     * the system (musl: the unwinder Alpine installs only with libgcc). NULL: none. */
    const char *preload_library;
    const char *wasmtime_version;
    const char *module_name;     /* for messages: the .wasm the script came from */
    /* A component's `wasi:cli/run` export, with its version (`wasi:cli/run@0.2.3`);
     * NULL for a core module. */
    const char *component_run;
    enum wbb_code_kind code_kind;
    const unsigned char *code;   /* WBB_CODE_ARTIFACT and WBB_CODE_MODULE */
    size_t code_size;
    const char *module_path;     /* WBB_CODE_PATH */
    /* WBB_CODE_MODULE: the first-run cache file's name before its machine part:
     * module hash, runtime version and engine settings, computed by the build. */
    const char *cache_name;
    enum wbb_env_mode env_mode;
    const char *const *env_names;
    size_t env_count;
    const struct wbb_dir *dirs;
    size_t dir_count;
    const struct wbb_setting *settings;
    size_t setting_count;
    int64_t max_memory;     /* bytes; negative: no limit */
    uint64_t timeout_ms;    /* wall-clock limit; 0: none */
    const char *const *companion_dirs; /* see wbb_companion_dir */
    size_t companion_dir_count;
};

extern const struct wbb_script wbb_script;

#endif
