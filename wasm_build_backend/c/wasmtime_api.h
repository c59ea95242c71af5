/* The slice of the Wasmtime C API that the launcher uses, declared by hand.
 *
 * The `wasmtime` wheels ship the library without headers, and the launcher loads
 * it at run time instead of linking against it, so only these declarations
 * matter. They are exactly the signatures of the pinned Wasmtime version (see
 * shared notes: several changed between releases); `WBB_WASMTIME_API` lists
 * every symbol with its type so that the loader and the declarations cannot
 * drift apart. */
#ifndef WBB_WASMTIME_API_H
#define WBB_WASMTIME_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wasm_config_t wasm_config_t;
typedef struct wasm_engine_t wasm_engine_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wasm_frame_t wasm_frame_t;
typedef struct wasmtime_error_t wasmtime_error_t;
typedef struct wasmtime_module_t wasmtime_module_t;
typedef struct wasmtime_store_t wasmtime_store_t;
typedef struct wasmtime_context_t wasmtime_context_t;
typedef struct wasmtime_linker_t wasmtime_linker_t;
typedef struct wasi_config_t wasi_config_t;
typedef struct wasmtime_val_t wasmtime_val_t;

typedef struct {
    size_t size;
    char *data;
} wasm_byte_vec_t;
typedef wasm_byte_vec_t wasm_name_t;

typedef struct {
    size_t size;
    wasm_frame_t **data;
} wasm_frame_vec_t;

typedef struct {
    uint64_t store_id;
    void *private_;
} wasmtime_func_t;

/* X(return type, name, parameter list) */
#define WBB_WASMTIME_API(X)                                                                   \
    X(wasm_config_t *, wasm_config_new, (void))                                               \
    X(wasm_engine_t *, wasm_engine_new_with_config, (wasm_config_t *))                        \
    X(void, wasm_engine_delete, (wasm_engine_t *))                                            \
    X(wasmtime_error_t *, wasmtime_config_cache_config_load, (wasm_config_t *, const char *)) \
    X(wasmtime_error_t *, wasmtime_module_deserialize,                                        \
      (wasm_engine_t *, const uint8_t *, size_t, wasmtime_module_t **))                       \
    X(wasmtime_error_t *, wasmtime_module_deserialize_file,                                   \
      (wasm_engine_t *, const char *, wasmtime_module_t **))                                  \
    X(wasmtime_error_t *, wasmtime_module_new,                                                \
      (wasm_engine_t *, const uint8_t *, size_t, wasmtime_module_t **))                       \
    X(wasmtime_error_t *, wasmtime_module_serialize, (wasmtime_module_t *, wasm_byte_vec_t *)) \
    X(void, wasmtime_error_delete, (wasmtime_error_t *))                                      \
    X(wasmtime_store_t *, wasmtime_store_new, (wasm_engine_t *, void *, void (*)(void *)))    \
    X(wasmtime_context_t *, wasmtime_store_context, (wasmtime_store_t *))                     \
    X(void, wasmtime_store_limiter,                                                           \
      (wasmtime_store_t *, int64_t, int64_t, int64_t, int64_t, int64_t))                      \
    X(void, wasmtime_context_set_epoch_deadline, (wasmtime_context_t *, uint64_t))            \
    X(void, wasmtime_engine_increment_epoch, (wasm_engine_t *))                               \
    X(wasmtime_linker_t *, wasmtime_linker_new, (wasm_engine_t *))                            \
    X(wasmtime_error_t *, wasmtime_linker_define_wasi, (wasmtime_linker_t *))                 \
    X(wasmtime_error_t *, wasmtime_linker_module,                                             \
      (wasmtime_linker_t *, wasmtime_context_t *, const char *, size_t,                       \
       const wasmtime_module_t *))                                                            \
    X(wasmtime_error_t *, wasmtime_linker_get_default,                                        \
      (const wasmtime_linker_t *, wasmtime_context_t *, const char *, size_t,                 \
       wasmtime_func_t *))                                                                    \
    X(wasmtime_error_t *, wasmtime_func_call,                                                 \
      (wasmtime_context_t *, const wasmtime_func_t *, const wasmtime_val_t *, size_t,         \
       wasmtime_val_t *, size_t, wasm_trap_t **))                                             \
    X(wasi_config_t *, wasi_config_new, (void))                                               \
    X(bool, wasi_config_set_argv, (wasi_config_t *, size_t, const char *const *))             \
    X(void, wasi_config_inherit_env, (wasi_config_t *))                                       \
    X(bool, wasi_config_set_env,                                                              \
      (wasi_config_t *, size_t, const char *const *, const char *const *))                    \
    X(void, wasi_config_inherit_stdin, (wasi_config_t *))                                     \
    X(void, wasi_config_inherit_stdout, (wasi_config_t *))                                    \
    X(void, wasi_config_inherit_stderr, (wasi_config_t *))                                    \
    X(bool, wasi_config_preopen_dir, (wasi_config_t *, const char *, const char *, bool))     \
    X(wasmtime_error_t *, wasmtime_context_set_wasi, (wasmtime_context_t *, wasi_config_t *)) \
    X(void, wasmtime_error_message, (const wasmtime_error_t *, wasm_name_t *))                \
    X(bool, wasmtime_error_exit_status, (const wasmtime_error_t *, int *))                    \
    X(void, wasm_trap_message, (const wasm_trap_t *, wasm_name_t *))                          \
    X(void, wasm_byte_vec_delete, (wasm_byte_vec_t *))

#endif
