/* phases: the Wasmtime calls of wasm_build_backend/c/launcher.c, in the same
 * order, timed one by one.
 *
 *   phases OUT LIBRARY ARTIFACT [SETTING...] -- [ARGS...]
 *
 * LIBRARY is the Wasmtime library an installed script uses, ARTIFACT the
 * precompiled module it embeds, each SETTING the name of a boolean
 * `wasmtime_config_*_set` function the build enabled, or NAME=N for one that
 * takes a size (the engine must be configured as the launcher configures it,
 * or the artifact does not load). Writes one
 * "<phase> <nanoseconds>" line per phase to OUT.
 *
 * The launcher cannot time itself without changing it; this harness makes the
 * same calls with the same declarations (wasmtime_api.h), so its phases are the
 * launcher's. Left out: reading the artifact (the launcher has it in its image),
 * exec, the dynamic loader's work on the executable itself, and process exit;
 * timed from outside, they are the difference between its wall time and the sum
 * of the phases. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasmtime_api.h"

#define FN_FIELD(ret, name, params) ret(*name) params;
static struct {
    WBB_WASMTIME_API(FN_FIELD)
} api;

static void die(const char *what) {
    fprintf(stderr, "phases: %s\n", what);
    exit(2);
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open the artifact");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(n > 0 ? (size_t)n : 1);
    if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) die("cannot read the artifact");
    fclose(f);
    *size = (size_t)n;
    return data;
}

static const char *names[8];
static long long times[8];
static int count;
static long long mark;

static void lap(const char *name) {
    long long t = now_ns();
    names[count] = name;
    times[count++] = t - mark;
    mark = t;
}

int main(int argc, char **argv) {
    if (argc < 4) die("usage: phases OUT LIBRARY ARTIFACT [SETTING...] -- [ARGS...]");
    int sep = 4;
    while (sep < argc && strcmp(argv[sep], "--") != 0) sep++;
    size_t artifact_size;
    unsigned char *artifact = read_file(argv[3], &artifact_size);

    mark = now_ns();
    void *library = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    if (!library) die(dlerror());
#define FN_LOAD(ret, name, params) \
    if (!(*(void **)&api.name = dlsym(library, #name))) die("missing symbol " #name);
    WBB_WASMTIME_API(FN_LOAD)
    lap("dlopen");

    wasm_config_t *config = api.wasm_config_new();
    for (int i = 4; i < sep; i++) {
        char *size = strchr(argv[i], '=');
        if (size) *size++ = '\0';
        void *set = dlsym(library, argv[i]);
        if (!set) die("unknown setting");
        if (size)
            ((void (*)(wasm_config_t *, size_t))set)(config, (size_t)strtoull(size, NULL, 10));
        else
            ((void (*)(wasm_config_t *, bool))set)(config, true);
    }
    wasm_engine_t *engine = api.wasm_engine_new_with_config(config);
    if (!engine) die("no engine");
    lap("engine");

    wasmtime_module_t *module = NULL;
    if (api.wasmtime_module_deserialize(engine, artifact, artifact_size, &module)) die("cannot deserialize");
    lap("deserialize");

    wasmtime_store_t *store = api.wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = api.wasmtime_store_context(store);
    wasmtime_linker_t *linker = api.wasmtime_linker_new(engine);
    if (api.wasmtime_linker_define_wasi(linker)) die("cannot define WASI");
    wasi_config_t *wasi = api.wasi_config_new();
    /* argv[sep] ("--") stands in for the program name. */
    int wasm_argc = sep < argc ? argc - sep : 1;
    const char *const *wasm_argv = sep < argc ? (const char *const *)argv + sep : (const char *const *)argv;
    api.wasi_config_set_argv(wasi, (size_t)wasm_argc, wasm_argv);
    api.wasi_config_inherit_env(wasi);
    api.wasi_config_inherit_stdin(wasi);
    api.wasi_config_inherit_stdout(wasi);
    api.wasi_config_inherit_stderr(wasi);
    if (!api.wasi_config_preopen_dir(wasi, ".", ".", true)) die("cannot preopen .");
    if (api.wasmtime_context_set_wasi(context, wasi)) die("cannot set WASI");
    lap("WASI setup");

    wasmtime_func_t start;
    if (api.wasmtime_linker_module(linker, context, "", 0, module)) die("cannot instantiate");
    if (api.wasmtime_linker_get_default(linker, context, "", 0, &start)) die("no _start");
    lap("instantiate");

    wasm_trap_t *trap = NULL;
    wasmtime_error_t *error = api.wasmtime_func_call(context, &start, NULL, 0, NULL, 0, &trap);
    int status = 0;
    if (trap || (error && !api.wasmtime_error_exit_status(error, &status))) die("the program failed");
    fflush(stdout);
    lap("_start");

    FILE *out = fopen(argv[1], "w");
    if (!out) die("cannot write OUT");
    for (int i = 0; i < count; i++) fprintf(out, "%s %lld\n", names[i], times[i]);
    fclose(out);
    return 0;
}
