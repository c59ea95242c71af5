/* The wasm2c engine's runtime: what each executable's generated `script.c` gives
 * it (the sandbox policy and the translated module's entry points), and the trap
 * codes it reports beyond WABT's own.
 *
 * The runtime (runtime.c, wasi.c, os_*.c) is compiled once per target; script.c
 * includes the module's wasm2c header and this one, and defines `wbb_w2c_script`
 * (see wasm_build_backend/engines/wasm2c.py). */
#ifndef WBB_W2C_H
#define WBB_W2C_H

#include <stddef.h>
#include <stdint.h>

#include "host.h" /* the sandbox policy's types, shared with the launcher */
#include "wasm-rt.h"

struct w2c_wasi__snapshot__preview1;

/* The translated module, behind functions that take its instance as `void *`. */
struct wbb_w2c_module {
    size_t instance_size;
    void (*instantiate)(void *instance, struct w2c_wasi__snapshot__preview1 *wasi);
    void (*start)(void *instance);
    wasm_rt_memory_t *(*memory)(void *instance); /* NULL: no "memory" export */
};

struct wbb_w2c_script {
    const char *module_name; /* for messages: the .wasm the script came from */
    enum wbb_env_mode env_mode;
    const char *const *env_names;
    size_t env_count;
    const struct wbb_dir *dirs;
    size_t dir_count;
    int64_t max_memory;  /* bytes per linear memory; negative: no limit */
    uint64_t timeout_ms; /* wall-clock limit; 0: none */
    const char *const *companion_dirs; /* see wbb_companion_dir */
    size_t companion_dir_count;
    const struct wbb_w2c_module *module;
};

extern const struct wbb_w2c_script wbb_w2c_script;

/* Trap codes beyond wasm_rt_trap_t, which the build patches into the generated code
 * where WABT reports several of Wasmtime's traps under one code. */
#define WBB_TRAP_TABLE_OOB 100     /* call_indirect or table access past the table */
#define WBB_TRAP_UNINITIALIZED 101 /* call_indirect through a null table entry */
#define WBB_TRAP_INTERRUPT 102     /* the timeout expired */
#define WBB_TRAP_HOST 103          /* a host function failed; the runtime has the message */

#endif
