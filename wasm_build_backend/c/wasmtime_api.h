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

/* The component model (the headers in wasmtime/component/). */
typedef struct wasmtime_component_t wasmtime_component_t;
typedef struct wasmtime_component_linker_t wasmtime_component_linker_t;
typedef struct wasmtime_component_export_index_t wasmtime_component_export_index_t;

typedef struct {
    uint64_t store_id;
    uint32_t private_;
} wasmtime_component_instance_t;

typedef struct {
    struct {
        uint64_t store_id;
        uint32_t private1;
    } anon;
    uint32_t private2;
    void *private3;
} wasmtime_component_func_t;

/* A component value: a one-byte kind, then a union whose largest members are two
 * words and a pointer (a variant: its case's name and payload). Only `result`, what
 * `wasi:cli/run`'s `run` returns, is read here; `largest` gives the union its size. */
typedef uint8_t wasmtime_component_valkind_t;
struct wasmtime_component_val;
typedef struct {
    bool is_ok;
    struct wasmtime_component_val *val;
} wasmtime_component_valresult_t;
typedef struct wasmtime_component_val {
    wasmtime_component_valkind_t kind;
    union {
        wasmtime_component_valresult_t result;
        struct {
            wasm_name_t discriminant;
            struct wasmtime_component_val *val;
        } largest;
    } of;
} wasmtime_component_val_t;

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
    X(void, wasm_byte_vec_delete, (wasm_byte_vec_t *))                                        \
    X(wasmtime_error_t *, wasmtime_component_new,                                             \
      (const wasm_engine_t *, const uint8_t *, size_t, wasmtime_component_t **))              \
    X(wasmtime_error_t *, wasmtime_component_serialize,                                       \
      (const wasmtime_component_t *, wasm_byte_vec_t *))                                      \
    X(wasmtime_error_t *, wasmtime_component_deserialize,                                     \
      (const wasm_engine_t *, const uint8_t *, size_t, wasmtime_component_t **))              \
    X(wasmtime_error_t *, wasmtime_component_deserialize_file,                                \
      (const wasm_engine_t *, const char *, wasmtime_component_t **))                         \
    X(wasmtime_component_linker_t *, wasmtime_component_linker_new, (const wasm_engine_t *))  \
    X(wasmtime_error_t *, wasmtime_component_linker_add_wasip2, (wasmtime_component_linker_t *)) \
    X(wasmtime_error_t *, wasmtime_component_linker_instantiate,                              \
      (const wasmtime_component_linker_t *, wasmtime_context_t *,                             \
       const wasmtime_component_t *, wasmtime_component_instance_t *))                        \
    X(wasmtime_component_export_index_t *, wasmtime_component_instance_get_export_index,      \
      (const wasmtime_component_instance_t *, wasmtime_context_t *,                           \
       const wasmtime_component_export_index_t *, const char *, size_t))                      \
    X(bool, wasmtime_component_instance_get_func,                                             \
      (const wasmtime_component_instance_t *, wasmtime_context_t *,                           \
       const wasmtime_component_export_index_t *, wasmtime_component_func_t *))               \
    X(wasmtime_error_t *, wasmtime_component_func_call,                                       \
      (const wasmtime_component_func_t *, wasmtime_context_t *, wasmtime_component_val_t *,   \
       size_t, wasmtime_component_val_t *, size_t))                                           \
    X(void, wasmtime_component_val_delete, (wasmtime_component_val_t *))

#endif
