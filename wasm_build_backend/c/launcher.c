/* The native executable of a script: loads the Wasmtime library shipped beside
 * it, sets up the WASI sandbox its build configured, and runs the module it
 * carries, behaving as `wasmtime run` would (exit codes, trap messages). The
 * program is a core module (WASI preview1, run through `_start`) or a
 * `wasi:cli/command` component (WASI 0.2, run through `wasi:cli/run`); the
 * compile, cache and load steps handle both as opaque `struct code`.
 *
 * The library is loaded at run time rather than linked so that the executable
 * needs nothing but the system's own libraries at link time (no import library
 * for Windows or macOS, no DT_NEEDED entry that auditwheel would act on). */
#if !defined(_WIN32)
#define _GNU_SOURCE /* mkstemp */
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "launcher.h"
#include "wasmtime_api.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#if defined(__linux__) && defined(__aarch64__)
#include <sys/auxv.h>
#endif
#endif

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#define WBB_FN_FIELD(ret, name, params) ret(*name) params;
static struct {
    WBB_WASMTIME_API(WBB_FN_FIELD)
} api;

/* ---- platform: library loading, timers, files of the first-run cache ---- */

#if defined(_WIN32)

static HMODULE library;

static const char *load_library(const char *path, int global) {
    static char message[512];
    (void)global; /* every DLL's exports are found through its handle */
    wchar_t *wpath = wbb_wide_from_utf8(path);
    /* Search the library's own folder for its dependencies, not the cwd. */
    library = LoadLibraryExW(wpath, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    free(wpath);
    if (library) return NULL;
    DWORD err = GetLastError();
    if (!FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err, 0,
                        message, sizeof message, NULL))
        snprintf(message, sizeof message, "error %lu", (unsigned long)err);
    message[strcspn(message, "\r\n")] = 0;
    return message;
}

static void *library_symbol(const char *name) {
    return (void *)GetProcAddress(library, name);
}

static wasm_engine_t *timer_engine;

static DWORD WINAPI timer_main(LPVOID arg) {
    Sleep((DWORD)(uintptr_t)arg);
    api.wasmtime_engine_increment_epoch(timer_engine);
    return 0;
}

static void start_timer(wasm_engine_t *engine, uint64_t ms) {
    timer_engine = engine;
    HANDLE t = CreateThread(NULL, 0, timer_main, (LPVOID)(uintptr_t)ms, 0, NULL);
    if (!t) wbb_fail(1, "cannot start the timeout timer");
    CloseHandle(t);
}

/* Paths are UTF-8 everywhere in the launcher; Windows wants them wide. */
static FILE *open_file(const char *path, const char *mode) {
    wchar_t *wpath = wbb_wide_from_utf8(path), *wmode = wbb_wide_from_utf8(mode);
    FILE *f = _wfopen(wpath, wmode);
    free(wpath);
    free(wmode);
    return f;
}

static int make_dir(const char *path) {
    wchar_t *w = wbb_wide_from_utf8(path);
    int ok = CreateDirectoryW(w, NULL) || GetLastError() == ERROR_ALREADY_EXISTS;
    free(w);
    return ok;
}

static long long file_size(const char *path) {
    WIN32_FILE_ATTRIBUTE_DATA data;
    wchar_t *w = wbb_wide_from_utf8(path);
    BOOL ok = GetFileAttributesExW(w, GetFileExInfoStandard, &data);
    free(w);
    if (!ok) return -1;
    return (long long)(((unsigned long long)data.nFileSizeHigh << 32) | data.nFileSizeLow);
}

static char *user_cache_base(void) {
    char *base = wbb_getenv("LOCALAPPDATA");
    if (base && !*base) {
        free(base);
        return NULL;
    }
    return base;
}

static FILE *create_temp_beside(const char *path, char **temp_path) {
    static unsigned counter;
    char suffix[64];
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        snprintf(suffix, sizeof suffix, ".tmp-%lu-%lu-%u", (unsigned long)GetCurrentProcessId(),
                 (unsigned long)GetTickCount(), counter++);
        *temp_path = wbb_join(path, suffix, "");
        FILE *f = open_file(*temp_path, "wbx");
        if (f) return f;
        free(*temp_path);
        if (errno != EEXIST) break;
    }
    *temp_path = NULL;
    return NULL;
}

static void remove_file(const char *path) {
    wchar_t *w = wbb_wide_from_utf8(path);
    DeleteFileW(w);
    free(w);
}

/* A file that another process has mapped cannot be replaced on Windows: that
 * process is using an equally good copy, so losing the race is fine. */
static void replace_file(const char *from, const char *to) {
    wchar_t *wfrom = wbb_wide_from_utf8(from), *wto = wbb_wide_from_utf8(to);
    if (!MoveFileExW(wfrom, wto, MOVEFILE_REPLACE_EXISTING)) DeleteFileW(wfrom);
    free(wfrom);
    free(wto);
}

#else /* POSIX */

static void *library;

static const char *load_library(const char *path, int global) {
    void *handle = dlopen(path, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL));
    if (!global) library = handle;
    return handle ? NULL : dlerror();
}

static void *library_symbol(const char *name) {
    return dlsym(library, name);
}

static void *timer_main(void *arg) {
    uint64_t ms = wbb_script.timeout_ms;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    api.wasmtime_engine_increment_epoch((wasm_engine_t *)arg);
    return NULL;
}

static void start_timer(wasm_engine_t *engine, uint64_t ms) {
    (void)ms;
    pthread_t thread;
    if (pthread_create(&thread, NULL, timer_main, engine) != 0)
        wbb_fail(1, "cannot start the timeout timer");
    pthread_detach(thread);
}

static FILE *open_file(const char *path, const char *mode) {
    return fopen(path, mode);
}

/* Private to the user: the cache holds machine code that later runs load. */
static int make_dir(const char *path) {
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

static long long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static char *user_cache_base(void) {
    const char *home = getenv("HOME");
#if defined(__APPLE__)
    return home && *home ? wbb_join(home, "/Library/Caches", "") : NULL;
#else
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && xdg[0] == '/') return wbb_join(xdg, "", "");
    return home && *home ? wbb_join(home, "/.cache", "") : NULL;
#endif
}

static FILE *create_temp_beside(const char *path, char **temp_path) {
    *temp_path = wbb_join(path, ".tmp-", "XXXXXX");
    int fd = mkstemp(*temp_path);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        free(*temp_path);
        *temp_path = NULL;
    }
    return f;
}

/* rename() replaces atomically: a process that has mapped the old file keeps
 * its mapping, and every later reader sees a whole file. */
static void remove_file(const char *path) {
    remove(path);
}

static void replace_file(const char *from, const char *to) {
    if (rename(from, to) != 0) remove(from);
}

#endif

/* ---- the machine: which compiled code suits this CPU ---- */

static uint64_t fnv1a(uint64_t hash, const void *data, size_t size) {
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) hash = (hash ^ p[i]) * 0x100000001b3ull;
    return hash;
}

/* Code compiled on the first run uses every feature of the CPU it ran on, so a
 * cache shared by several machines (a home folder on a network drive) keeps one
 * file per kind of CPU: the identity is what Wasmtime's feature detection reads. */
static uint64_t cpu_identity(void) {
    uint64_t hash = 0xcbf29ce484222325ull;
#if defined(__x86_64__)
    /* Vendor, signature and feature flags only: other fields (such as the APIC
     * id in leaf 1) differ between the cores of one machine. Mask per leaf:
     * eax, ebx, ecx, edx. */
    static const unsigned leaves[][6] = {
        {0, 0, 0, ~0u, ~0u, ~0u},          {1, 0, ~0u, 0, ~0u, ~0u},
        {7, 0, 0, ~0u, ~0u, ~0u},          {7, 1, ~0u, 0, 0, ~0u},
        {0xd, 1, ~0u, 0, 0, 0},            {0x80000001u, 0, 0, 0, ~0u, ~0u},
    };
    unsigned regs[4];
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
        if (leaves[i][0] > __get_cpuid_max(leaves[i][0] & 0x80000000u, NULL)) continue;
        __cpuid_count(leaves[i][0], leaves[i][1], regs[0], regs[1], regs[2], regs[3]);
        for (size_t r = 0; r < 4; r++) regs[r] &= leaves[i][2 + r];
        hash = fnv1a(hash, regs, sizeof regs);
    }
    /* Which vector registers the OS saves (AVX, AVX-512) decides what may run. */
    __cpuid(1, regs[0], regs[1], regs[2], regs[3]);
    if (regs[2] & (1u << 27)) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        hash = fnv1a(hash, &lo, sizeof lo);
        hash = fnv1a(hash, &hi, sizeof hi);
    }
#elif defined(__aarch64__) && defined(__linux__)
    unsigned long caps[2] = {getauxval(AT_HWCAP), getauxval(AT_HWCAP2)};
    hash = fnv1a(hash, caps, sizeof caps);
#elif defined(__aarch64__) && defined(__APPLE__)
    uint32_t family = 0;
    size_t size = sizeof family;
    if (sysctlbyname("hw.cpufamily", &family, &size, NULL, 0) == 0)
        hash = fnv1a(hash, &family, sizeof family);
    char brand[256];
    size = sizeof brand;
    if (sysctlbyname("machdep.cpu.brand_string", brand, &size, NULL, 0) == 0)
        hash = fnv1a(hash, brand, size);
#elif defined(_WIN32)
    uint64_t features = 0;
    for (DWORD f = 0; f < 64; f++)
        if (IsProcessorFeaturePresent(f)) features |= 1ull << f;
    hash = fnv1a(hash, &features, sizeof features);
#endif
    return hash;
}

/* ---- Wasmtime ---- */

static long long runtime_size;

static void load_runtime(const char *companion_dir) {
    if (wbb_script.preload_library) {
        char *preload = wbb_join(companion_dir, WBB_SEP, wbb_script.preload_library);
        const char *err = load_library(preload, 1);
        if (err) wbb_fail(1, "cannot load %s: %s; reinstall the package", preload, err);
        free(preload);
    }
    char *path = wbb_join(companion_dir, WBB_SEP, wbb_script.runtime_library);
    runtime_size = file_size(path);
    const char *err = load_library(path, 0);
    if (err)
        wbb_fail(1, "cannot load its WebAssembly runtime (Wasmtime %s) from %s: %s; reinstall the package",
             wbb_script.wasmtime_version, path, err);
#define WBB_FN_LOAD(ret, name, params)                                                     \
    *(void **)&api.name = library_symbol(#name);                                           \
    if (!api.name)                                                                         \
        wbb_fail(1, "the library at %s is not the Wasmtime %s runtime this program needs (no %s)", \
             path, wbb_script.wasmtime_version, #name);
    WBB_WASMTIME_API(WBB_FN_LOAD)
    free(path);
}

static char *error_text(wasmtime_error_t *error, wasm_trap_t *trap) {
    wasm_name_t msg = {0, NULL};
    if (error)
        api.wasmtime_error_message(error, &msg);
    else
        api.wasm_trap_message(trap, &msg);
    size_t size = msg.size;
    /* Trap messages count their NUL terminator in the size. */
    while (size > 0 && strchr("\n ", msg.data[size - 1])) size--;
    char *text = wbb_malloc(size + 1);
    memcpy(text, msg.data, size);
    text[size] = 0;
    api.wasm_byte_vec_delete(&msg);
    return text;
}

static void check(wasmtime_error_t *error, const char *what) {
    if (error) wbb_fail(1, "%s: %s", what, error_text(error, NULL));
}

static wasm_config_t *make_config(void) {
    wasm_config_t *config = api.wasm_config_new();
    for (size_t i = 0; i < wbb_script.setting_count; i++) {
        const struct wbb_setting *s = &wbb_script.settings[i];
        void *fn = library_symbol(s->function);
        if (!fn)
            wbb_fail(1, "the Wasmtime runtime lacks %s: it is not version %s", s->function,
                 wbb_script.wasmtime_version);
        switch (s->kind) {
        case WBB_SET_BOOL: ((void (*)(wasm_config_t *, bool))fn)(config, s->value != 0); break;
        case WBB_SET_SIZE: ((void (*)(wasm_config_t *, size_t))fn)(config, (size_t)s->value); break;
        case WBB_SET_STRING: {
            wasmtime_error_t *error =
                ((wasmtime_error_t * (*)(wasm_config_t *, const char *)) fn)(config, s->text);
            if (error) wbb_fail(1, "%s(\"%s\"): %s", s->function, s->text, error_text(error, NULL));
            break;
        }
        }
    }
    if (wbb_script.code_kind == WBB_CODE_PATH)
        /* Editable installs compile at every start; Wasmtime's own cache makes
         * that a lookup after the first run. */
        api.wasmtime_config_cache_config_load(config, NULL);
    return config;
}

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = open_file(path, "rb");
    if (!f) wbb_fail(1, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = wbb_malloc(cap);
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap) break;
        cap *= 2;
        uint8_t *bigger = realloc(buf, cap);
        if (!bigger) wbb_fail(1, "out of memory");
        buf = bigger;
    }
    fclose(f);
    *size = len;
    return buf;
}

/* A compiled program: a core module, or a component when `component` is set. */
struct code {
    wasmtime_module_t *module;
    wasmtime_component_t *component;
};

/* Components start with the core magic, then version 0x0d and layer 1. */
static int is_component(const uint8_t *wasm, size_t size) {
    return size >= 8 && memcmp(wasm, "\0asm\x0d\0\x01\0", 8) == 0;
}

static wasmtime_error_t *code_new(wasm_engine_t *engine, const uint8_t *wasm, size_t size,
                                  struct code *code) {
    if (is_component(wasm, size))
        return api.wasmtime_component_new(engine, wasm, size, &code->component);
    return api.wasmtime_module_new(engine, wasm, size, &code->module);
}

static wasmtime_error_t *code_deserialize(wasm_engine_t *engine, const uint8_t *bytes,
                                          size_t size, int component, struct code *code) {
    if (component)
        return api.wasmtime_component_deserialize(engine, bytes, size, &code->component);
    return api.wasmtime_module_deserialize(engine, bytes, size, &code->module);
}

static wasmtime_error_t *code_deserialize_file(wasm_engine_t *engine, const char *path,
                                               int component, struct code *code) {
    if (component) return api.wasmtime_component_deserialize_file(engine, path, &code->component);
    return api.wasmtime_module_deserialize_file(engine, path, &code->module);
}

static wasmtime_error_t *code_serialize(const struct code *code, wasm_byte_vec_t *bytes) {
    if (code->component) return api.wasmtime_component_serialize(code->component, bytes);
    return api.wasmtime_module_serialize(code->module, bytes);
}

static struct code compile(wasm_engine_t *engine, const uint8_t *wasm, size_t size,
                           const char *what) {
    struct code code = {NULL, NULL};
    wasmtime_error_t *error = code_new(engine, wasm, size, &code);
    if (error) wbb_fail(1, "cannot compile %s: %s", what, error_text(error, NULL));
    return code;
}

/* Writes the module's code into `path` so that no reader ever sees part of it:
 * a temporary file in the same folder, then a rename over `path`. Best effort:
 * a failure only means the next run compiles again. */
static void store_compiled(const struct code *code, const char *path) {
    wasm_byte_vec_t bytes = {0, NULL};
    wasmtime_error_t *error = code_serialize(code, &bytes);
    if (error) {
        api.wasmtime_error_delete(error);
        return;
    }
    char *temp = NULL;
    FILE *f = create_temp_beside(path, &temp);
    if (f) {
        int ok = fwrite(bytes.data, 1, bytes.size, f) == bytes.size;
        ok = (fclose(f) == 0) && ok;
        if (ok)
            replace_file(temp, path);
        else
            remove_file(temp);
        free(temp);
    }
    api.wasm_byte_vec_delete(&bytes);
}

/* The per-user folder of first-run compilations, created if needed; NULL when
 * there is none (no home folder): then every run compiles. */
static char *module_cache_dir(void) {
    char *base = user_cache_base();
    if (!base) return NULL;
    char *dir = wbb_join(base, WBB_SEP "wasm-build-backend" WBB_SEP, "modules");
    free(base);
    /* Create each missing folder on the way, as `mkdir -p` would. */
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/' && *p != '\\') continue;
        char saved = *p;
        *p = 0;
        make_dir(dir);
        *p = saved;
    }
    if (!make_dir(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* The module carried as .wasm: compiled for this CPU on the first run, then
 * loaded (mapped) from the cache file. The name holds everything that decides
 * whether compiled code fits: the module, runtime version and engine settings
 * (from the build), the CPU and the runtime library (found here). */
static struct code cached_module(wasm_engine_t *engine) {
    const char *what = wbb_script.module_name;
    char *dir = module_cache_dir();
    if (!dir) return compile(engine, wbb_script.code, wbb_script.code_size, what);
    uint64_t machine = cpu_identity();
    machine = fnv1a(machine, &runtime_size, sizeof runtime_size);
    char suffix[40];
    snprintf(suffix, sizeof suffix, "-%016llx.cwasm", (unsigned long long)machine);
    char *path = wbb_join(dir, WBB_SEP, wbb_script.cache_name);
    char *full = wbb_join(path, suffix, "");
    free(path);
    free(dir);

    struct code code = {NULL, NULL};
    if (file_size(full) > 0) {
        int component = is_component(wbb_script.code, wbb_script.code_size);
        wasmtime_error_t *error = code_deserialize_file(engine, full, component, &code);
        if (!error) {
            free(full);
            return code;
        }
        /* Damaged, or written by a runtime that differs in a way the name does
         * not capture: compile again and replace it. */
        api.wasmtime_error_delete(error);
    }
    code = compile(engine, wbb_script.code, wbb_script.code_size, what);
    store_compiled(&code, full);
    free(full);
    return code;
}

static struct code load_code(wasm_engine_t *engine) {
    struct code code = {NULL, NULL};
    switch (wbb_script.code_kind) {
    case WBB_CODE_PATH: {
        size_t size;
        uint8_t *bytes = read_file(wbb_script.module_path, &size);
        code = compile(engine, bytes, size, wbb_script.module_path);
        free(bytes);
        break;
    }
    case WBB_CODE_MODULE: code = cached_module(engine); break;
    case WBB_CODE_ARTIFACT:
    case WBB_CODE_COMPILER: {
        wasmtime_error_t *error =
            code_deserialize(engine, wbb_script.code, wbb_script.code_size,
                             wbb_script.component_run != NULL, &code);
        if (error)
            wbb_fail(1, "the Wasmtime runtime beside this program cannot load its code "
                    "(built for Wasmtime %s): %s", wbb_script.wasmtime_version,
                 error_text(error, NULL));
        break;
    }
    }
    return code;
}

/* The build's helper under an emulator: precompile IN.wasm into OUT.cwasm with
 * the very runtime and settings of the target. */
static int compile_only(int argc, char **argv) {
    if (argc != 3) wbb_fail(2, "usage: %s IN.wasm OUT.cwasm", wbb_program);
    load_runtime(wbb_companion_dir(wbb_script.companion_dirs, wbb_script.companion_dir_count));
    wasm_engine_t *engine = api.wasm_engine_new_with_config(make_config());
    if (!engine) wbb_fail(1, "cannot create the Wasmtime engine");
    size_t size;
    uint8_t *wasm = read_file(argv[1], &size);
    struct code code = compile(engine, wasm, size, argv[1]);
    wasm_byte_vec_t bytes = {0, NULL};
    check(code_serialize(&code, &bytes), "cannot serialize");
    FILE *f = open_file(argv[2], "wb");
    if (!f) wbb_fail(1, "cannot create %s: %s", argv[2], strerror(errno));
    int ok = fwrite(bytes.data, 1, bytes.size, f) == bytes.size;
    if (fclose(f) != 0 || !ok) wbb_fail(1, "cannot write %s", argv[2]);
    return 0;
}

static wasi_config_t *make_wasi(int argc, char **argv, const char *companion_dir) {
    wasi_config_t *wasi = api.wasi_config_new();
    if (!api.wasi_config_set_argv(wasi, (size_t)argc, (const char *const *)argv))
        wbb_fail(1, "invalid arguments");
    switch (wbb_script.env_mode) {
    case WBB_ENV_ALL: api.wasi_config_inherit_env(wasi); break;
    case WBB_ENV_NONE: break;
    case WBB_ENV_LIST: {
        const char **names = wbb_malloc(wbb_script.env_count * sizeof(char *));
        const char **values = wbb_malloc(wbb_script.env_count * sizeof(char *));
        size_t n = 0;
        for (size_t i = 0; i < wbb_script.env_count; i++) {
            /* UTF-8 on Windows too; Wasmtime copies it, and the copy lives to the end. */
            const char *value = wbb_getenv(wbb_script.env_names[i]);
            if (!value) continue;
            names[n] = wbb_script.env_names[i];
            values[n++] = value;
        }
        if (!api.wasi_config_set_env(wasi, n, names, values)) wbb_fail(1, "invalid environment");
        break;
    }
    }
    api.wasi_config_inherit_stdin(wasi);
    api.wasi_config_inherit_stdout(wasi);
    api.wasi_config_inherit_stderr(wasi);
    for (size_t i = 0; i < wbb_script.dir_count; i++) {
        const struct wbb_dir *dir = &wbb_script.dirs[i];
        char *path = wbb_dir_path(dir, companion_dir);
        if (!api.wasi_config_preopen_dir(wasi, path, dir->guest, dir->writable != 0))
            wbb_fail(1, "cannot open directory %s (for %s in the sandbox)", path, dir->guest);
        free(path);
    }
    return wasi;
}

/* Wasmtime's message is an error chain ("msg\n\nCaused by:\n    cause"); print it
 * numbered and indented as `wasmtime run` does, under the same heading. */
static void print_failure(const char *text) {
    static const char caused_by[] = "\n\nCaused by:\n";
    fprintf(stderr, "Error: failed to run main module `%s`\n\nCaused by:\n    0: %s\n",
            wbb_script.module_name,
            wbb_script.component_run ? "failed to invoke `run` function"
                                     : "failed to invoke command default");
    int index = 1;
    const char *p = text;
    while (p) {
        while (*p == ' ') p++;
        const char *end = strstr(p, caused_by);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        fprintf(stderr, "%4s%d: ", "", index++);
        for (size_t i = 0; i < len; i++) {
            fputc(p[i], stderr);
            if (p[i] == '\n') fputs("       ", stderr);
        }
        fputc('\n', stderr);
        p = end ? end + sizeof caused_by - 1 : NULL;
    }
}

/* A core module: its `_start`, through the preview1 linker. */
static wasmtime_error_t *run_module(wasm_engine_t *engine, wasmtime_context_t *context,
                                    const wasmtime_module_t *module, wasm_trap_t **trap) {
    wasmtime_linker_t *linker = api.wasmtime_linker_new(engine);
    check(api.wasmtime_linker_define_wasi(linker), "cannot define WASI");
    wasmtime_error_t *error = api.wasmtime_linker_module(linker, context, "", 0, module);
    wasmtime_func_t start;
    if (!error) error = api.wasmtime_linker_get_default(linker, context, "", 0, &start);
    if (!error) error = api.wasmtime_func_call(context, &start, NULL, 0, NULL, 0, trap);
    return error;
}

/* A component: `run` of its `wasi:cli/run` export (the exact name, with its version,
 * comes from the build), through the WASI 0.2 linker. `run` returning an error is
 * exit status 1, as `wasmtime run` makes it. */
static wasmtime_error_t *run_component(wasm_engine_t *engine, wasmtime_context_t *context,
                                       const wasmtime_component_t *component, int *status) {
    wasmtime_component_linker_t *linker = api.wasmtime_component_linker_new(engine);
    check(api.wasmtime_component_linker_add_wasip2(linker), "cannot define WASI 0.2");
    wasmtime_component_instance_t instance;
    wasmtime_error_t *error =
        api.wasmtime_component_linker_instantiate(linker, context, component, &instance);
    if (error) return error;
    const char *name = wbb_script.component_run;
    if (!name) wbb_fail(1, "%s is now a component: reinstall the package", wbb_script.module_name);
    wasmtime_component_export_index_t *iface =
        api.wasmtime_component_instance_get_export_index(&instance, context, NULL, name,
                                                         strlen(name));
    wasmtime_component_export_index_t *index =
        iface ? api.wasmtime_component_instance_get_export_index(&instance, context, iface,
                                                                 "run", 3)
              : NULL;
    wasmtime_component_func_t run;
    if (!index || !api.wasmtime_component_instance_get_func(&instance, context, index, &run))
        wbb_fail(1, "the component exports no `run` function in `%s`", name);
    wasmtime_component_val_t result;
    memset(&result, 0, sizeof result);
    error = api.wasmtime_component_func_call(&run, context, NULL, 0, &result, 1);
    if (!error) {
        if (!result.of.result.is_ok) *status = 1;
        api.wasmtime_component_val_delete(&result);
    }
    return error;
}

static int run(int argc, char **argv) {
    if (wbb_script.code_kind == WBB_CODE_COMPILER) return compile_only(argc, argv);
    char *companion_dir = wbb_companion_dir(wbb_script.companion_dirs, wbb_script.companion_dir_count);
    load_runtime(companion_dir);

    wasm_engine_t *engine = api.wasm_engine_new_with_config(make_config());
    if (!engine) wbb_fail(1, "cannot create the Wasmtime engine");
    struct code code = load_code(engine);

    wasmtime_store_t *store = api.wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = api.wasmtime_store_context(store);
    if (wbb_script.max_memory >= 0)
        api.wasmtime_store_limiter(store, wbb_script.max_memory, -1, -1, -1, -1);

    check(api.wasmtime_context_set_wasi(context, make_wasi(argc, argv, companion_dir)),
          "cannot set up WASI");
    wbb_remove_tmp_dirs_on_signals();

    if (wbb_script.timeout_ms > 0) {
        api.wasmtime_context_set_epoch_deadline(context, 1);
        start_timer(engine, wbb_script.timeout_ms);
    }

    wasm_trap_t *trap = NULL;
    int status = 0;
    wasmtime_error_t *error = code.component
                                  ? run_component(engine, context, code.component, &status)
                                  : run_module(engine, context, code.module, &trap);

    if (error && api.wasmtime_error_exit_status(error, &status)) {
        /* proc_exit(n) */
    } else if (error || trap) {
        fflush(stdout);
        print_failure(error_text(error, trap));
        status = WBB_TRAP_EXIT;
    }
    fflush(stdout);
    wbb_remove_tmp_dirs();
    return status;
}

#if defined(_WIN32)
int wmain(int argc, wchar_t **wargv) {
    char **argv = wbb_utf8_argv(argc, wargv);
    if (argc > 0) wbb_set_program(argv[0]);
    return run(argc, argv);
}
#else
int main(int argc, char **argv) {
    if (argc > 0) wbb_set_program(argv[0]);
    return run(argc, argv);
}
#endif
