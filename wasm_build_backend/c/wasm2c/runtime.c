/* The process around a module translated by wasm2c: sets up the sandbox its build
 * configured, runs the module on a thread with a stack of known bounds, and turns
 * what happens into what `wasmtime run` gives (exit status, trap messages).
 *
 * Out-of-bounds memory accesses hit the guard pages that WABT's runtime reserves
 * around each 32-bit linear memory on 64-bit little-endian hosts (elsewhere every
 * access is checked by the translated code itself); stack exhaustion hits the guard
 * below the wasm thread's stack. Both arrive as SIGSEGV/SIGBUS (an access violation
 * or stack overflow exception on Windows), which the handler here classifies by
 * address and turns into a trap; any other fault stays a crash. */
#if defined(__linux__)
#define _GNU_SOURCE
#elif defined(__APPLE__)
#define _DARWIN_C_SOURCE
#elif defined(_WIN32)
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602 /* GetCurrentThreadStackLimits: Windows 8 */
#endif
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm-rt-exceptions.h"
#include "wasm-rt-impl.h"
#include "wbb_rt.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#endif

/* The wasm thread's stack: generous, as the C of a module uses more stack per call
 * than Wasmtime's code does, and reserved lazily by every OS. The guard below it
 * catches the overflow; host functions refuse to start within the reserve. */
#if defined(_WIN32)
#define WBB_STACK_SIZE ((size_t)256 << 20) /* calls are counted there: see wasm2c.py */
#else
#define WBB_STACK_SIZE ((size_t)64 << 20)
#endif
#define WBB_STACK_GUARD ((size_t)1 << 20)
#define WBB_STACK_RESERVE ((size_t)256 << 10)

/* ---- traps ---- */

static char host_message[1024];

void wbb_host_trap(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(host_message, sizeof host_message, fmt, args);
    va_end(args);
    wasm_rt_trap((wasm_rt_trap_t)WBB_TRAP_HOST);
}

static const char *trap_text(int code) {
    switch (code) {
    case WASM_RT_TRAP_OOB: return "wasm trap: out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "wasm trap: integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "wasm trap: integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "wasm trap: invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "wasm trap: wasm `unreachable` instruction executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "wasm trap: indirect call type mismatch";
    case WASM_RT_TRAP_NULL_REF: return "wasm trap: null reference";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "thrown Wasm exception";
    case WASM_RT_TRAP_UNALIGNED: return "wasm trap: unaligned atomic";
#if !WASM_RT_MERGED_OOB_AND_EXHAUSTION_TRAPS
    case WASM_RT_TRAP_EXHAUSTION: return "wasm trap: call stack exhausted";
#endif
    case WBB_TRAP_TABLE_OOB: return "wasm trap: undefined element: out of bounds table access";
    case WBB_TRAP_UNINITIALIZED: return "wasm trap: uninitialized element";
    case WBB_TRAP_INTERRUPT: return "wasm trap: interrupt";
    case WBB_TRAP_HOST: return host_message;
    default: return "wasm trap: unknown trap";
    }
}

/* As `wasmtime run` prints a trap (without the backtrace, which the translated code
 * does not keep). */
static void print_failure(const char *cause) {
    wbb_format_stderr("Error: failed to run main module `%s`\n\nCaused by:\n"
                  "    0: failed to invoke command default\n    1: %s\n",
                  wbb_w2c_script.module_name, cause);
}

static void print_trap(int code) {
    print_failure(trap_text(code));
}

/* ---- the wasm thread's stack, and faults ---- */

static uintptr_t stack_low;  /* lowest usable address of the wasm thread's stack */
static uintptr_t guard_low;  /* start of the guard below it */
/* Set by the wasm thread itself while the module runs: a fault elsewhere is not its. */
static _Thread_local volatile int wasm_running;

void wbb_check_stack(void) {
    char here;
    uintptr_t sp = (uintptr_t)&here;
    if (stack_low && sp >= guard_low && sp < stack_low + WBB_STACK_RESERVE)
        wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
}

/* A fault in the wasm thread: in the stack guard it is stack exhaustion; anywhere
 * else, while the module's code runs, it is an access beyond linear memory (the
 * host functions check every guest pointer, so they never fault there). */
static int classify_fault(uintptr_t address) {
    if (address >= guard_low && address < stack_low + WBB_STACK_RESERVE)
        return WASM_RT_TRAP_EXHAUSTION;
    return WASM_RT_TRAP_OOB;
}

#if defined(_WIN32)
static LONG CALLBACK on_exception(PEXCEPTION_POINTERS info) {
    DWORD code = info->ExceptionRecord->ExceptionCode;
    if (!wasm_running) return EXCEPTION_CONTINUE_SEARCH;
    if (code == EXCEPTION_STACK_OVERFLOW) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
    if (code == EXCEPTION_ACCESS_VIOLATION && info->ExceptionRecord->NumberParameters >= 2)
        wasm_rt_trap((wasm_rt_trap_t)classify_fault(
            (uintptr_t)info->ExceptionRecord->ExceptionInformation[1]));
    return EXCEPTION_CONTINUE_SEARCH;
}

static void install_fault_handler(void) {
    AddVectoredExceptionHandler(1, on_exception);
}
#else
static void on_fault(int sig, siginfo_t *info, void *context) {
    (void)context;
    if (wasm_running)
        wasm_rt_trap((wasm_rt_trap_t)classify_fault((uintptr_t)info->si_addr));
    /* Not the module's: crash as the program would have without this handler. */
    signal(sig, SIG_DFL);
}

static void install_fault_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    /* As Wasmtime: writing to a closed pipe is an error (EPIPE), not a signal. */
    signal(SIGPIPE, SIG_IGN);
}
#endif

/* ---- linear memory limits ---- */

/* WABT's allocation functions are renamed when its runtime is compiled (see
 * wasm2c.py) so that every memory, exported or not, gets the script's limit. */
void wbb_rt_allocate_memory(wasm_rt_memory_t *, uint64_t, uint64_t, bool, uint32_t);
void wbb_rt_allocate_memory_shared(wasm_rt_shared_memory_t *, uint64_t, uint64_t, bool, uint32_t);

static uint64_t limit_pages(uint64_t initial, uint64_t max_pages, uint32_t page_size) {
    /* On a 32-bit host a memory is one malloc'd block, which cannot reach 4 GiB: a size
     * that does not fit in size_t would be truncated by realloc. Growing past it fails
     * (memory.grow returns -1), as it may in WebAssembly. */
    uint64_t addressable = (uint64_t)SIZE_MAX / page_size;
    if (max_pages > addressable) max_pages = addressable;
    uint64_t limit = max_pages;
    if (wbb_w2c_script.max_memory >= 0 && (uint64_t)wbb_w2c_script.max_memory / page_size < limit)
        limit = (uint64_t)wbb_w2c_script.max_memory / page_size;
    if (initial > limit)
        wbb_host_trap("memory minimum size of %llu pages exceeds memory limits",
                      (unsigned long long)initial);
    return limit;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint64_t initial, uint64_t max_pages,
                             bool is64, uint32_t page_size) {
    uint64_t limited = limit_pages(initial, max_pages, page_size);
    /* The reservation follows the module's own maximum; the limit only stops growth. */
    wbb_rt_allocate_memory(memory, initial, max_pages, is64, page_size);
    memory->max_pages = limited;
}

void wasm_rt_allocate_memory_shared(wasm_rt_shared_memory_t *memory, uint64_t initial,
                                    uint64_t max_pages, bool is64, uint32_t page_size) {
    uint64_t limited = limit_pages(initial, max_pages, page_size);
    wbb_rt_allocate_memory_shared(memory, initial, max_pages, is64, page_size);
    memory->max_pages = limited;
}

/* ---- running the module ---- */

static struct w2c_wasi__snapshot__preview1 wasi_instance;

static void run_module(void) {
    const struct wbb_w2c_module *m = wbb_w2c_script.module;
    void *instance = calloc(1, m->instance_size ? m->instance_size : 1);
    if (!instance) wbb_fail(1, "out of memory");
    wasi_instance.instance = instance;
    wasi_instance.memory = m->memory;
    int code = wasm_rt_impl_try();
    if (code == 0) {
        wasm_running = 1;
        m->instantiate(instance, &wasi_instance);
        m->start(instance);
        wasm_running = 0;
        wbb_exit(0);
    }
    wasm_running = 0;
    print_trap(code);
    wbb_exit(WBB_TRAP_EXIT);
}

#if defined(_WIN32)
static DWORD WINAPI wasm_main(LPVOID arg) {
    (void)arg;
    /* The committed part of this thread's stack grows down to its reservation's end;
     * Windows raises EXCEPTION_STACK_OVERFLOW at its last guard page. */
    ULONG_PTR low = 0, high = 0;
    GetCurrentThreadStackLimits(&low, &high);
    guard_low = (uintptr_t)low;
    stack_low = (uintptr_t)low + WBB_STACK_GUARD;
    ULONG guarantee = 64 << 10; /* room for the exception handler after an overflow */
    SetThreadStackGuarantee(&guarantee);
    run_module();
    return 0;
}

static void start_wasm_thread(void) {
    HANDLE t = CreateThread(NULL, WBB_STACK_SIZE, wasm_main, NULL,
                            STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!t) wbb_fail(1, "cannot start its thread");
    WaitForSingleObject(t, INFINITE);
    /* run_module always ends the process: the thread was ended under it (the system
     * gives up on a thread whose stack overflowed without room to handle it). */
    print_failure("the program's thread ended abnormally");
    wbb_exit(WBB_TRAP_EXIT);
}
#else
static void *wasm_main(void *arg) {
    (void)arg;
    /* Faults are handled on a stack of their own: the thread's may be exhausted. */
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_size = 256 << 10;
    ss.ss_sp = malloc(ss.ss_size);
    if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0) wbb_fail(1, "cannot set up its signal stack");
    run_module();
    return NULL;
}

static void start_wasm_thread(void) {
    size_t total = WBB_STACK_SIZE + WBB_STACK_GUARD;
    void *region = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) wbb_fail(1, "cannot allocate its stack: %s", strerror(errno));
    if (mprotect(region, WBB_STACK_GUARD, PROT_NONE) != 0)
        wbb_fail(1, "cannot protect its stack: %s", strerror(errno));
    guard_low = (uintptr_t)region;
    stack_low = (uintptr_t)region + WBB_STACK_GUARD;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (pthread_attr_setstack(&attr, (char *)region + WBB_STACK_GUARD, WBB_STACK_SIZE) != 0)
        wbb_fail(1, "cannot set up its stack");
    pthread_t thread;
    if (pthread_create(&thread, &attr, wasm_main, NULL) != 0)
        wbb_fail(1, "cannot start its thread");
    pthread_join(thread, NULL);
    wbb_exit(0);
}
#endif

/* ---- the timeout ---- */

static void timed_out(void) {
    print_trap(WBB_TRAP_INTERRUPT);
    wbb_exit(WBB_TRAP_EXIT);
}

#if defined(_WIN32)
static DWORD WINAPI timer_main(LPVOID arg) {
    (void)arg;
    Sleep((DWORD)wbb_w2c_script.timeout_ms);
    timed_out();
    return 0;
}

static void start_timer(void) {
    HANDLE t = CreateThread(NULL, 64 << 10, timer_main, NULL, 0, NULL);
    if (!t) wbb_fail(1, "cannot start the timeout timer");
    CloseHandle(t);
}
#else
static void *timer_main(void *arg) {
    (void)arg;
    uint64_t ms = wbb_w2c_script.timeout_ms;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    timed_out();
    return NULL;
}

static void start_timer(void) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, timer_main, NULL) != 0)
        wbb_fail(1, "cannot start the timeout timer");
    pthread_detach(thread);
}
#endif

/* ---- the sandbox ---- */

/* The guest's environment: all of the process's, none, or the listed names in the
 * order listed (as the wasmtime engine gives them, each looked up as the system does:
 * case-insensitively on Windows). */
static void environment(char ***list, size_t *count) {
    size_t n = 0, cap = 16;
    char **out = wbb_malloc(cap * sizeof *out);
    if (wbb_w2c_script.env_mode == WBB_ENV_LIST) {
        out = realloc(out, (wbb_w2c_script.env_count + 1) * sizeof *out);
        if (!out) wbb_fail(1, "out of memory");
        for (size_t k = 0; k < wbb_w2c_script.env_count; k++) {
            const char *name = wbb_w2c_script.env_names[k];
            char *value = wbb_getenv(name);
            if (!value) continue;
            out[n++] = wbb_join(name, "=", value);
            free(value);
        }
        *list = out;
        *count = n;
        return;
    }
    if (wbb_w2c_script.env_mode == WBB_ENV_NONE) {
        *list = out;
        *count = 0;
        return;
    }
#if defined(_WIN32)
    /* The process's own block, not the C runtime's `_wenviron`, which the UCRT fills
     * only on demand (it was empty here). */
    wchar_t *block = GetEnvironmentStringsW();
    for (const wchar_t *w = block; w && *w; w += wcslen(w) + 1) {
        if (w[0] == L'=') continue; /* Windows' hidden per-drive entries */
        char *entry = wbb_utf8_from_wide(w);
#else
    extern char **environ;
    for (size_t i = 0; environ && environ[i]; i++) {
        char *entry = environ[i];
#endif
        if (n == cap) {
            cap *= 2;
            char **bigger = realloc(out, cap * sizeof *out);
            if (!bigger) wbb_fail(1, "out of memory");
            out = bigger;
        }
        out[n++] = entry;
    }
#if defined(_WIN32)
    if (block) FreeEnvironmentStringsW(block);
#endif
    *list = out;
    *count = n;
}

static void set_up(int argc, char **argv) {
    char **env;
    size_t env_count;
    environment(&env, &env_count);
    wbb_wasi_init(argc, argv, env, env_count);
    char *companion_dir = NULL;
    for (size_t i = 0; i < wbb_w2c_script.dir_count; i++) {
        const struct wbb_dir *dir = &wbb_w2c_script.dirs[i];
        if (dir->kind == WBB_DIR_DATA && !companion_dir)
            companion_dir = wbb_companion_dir(wbb_w2c_script.companion_dirs,
                                              wbb_w2c_script.companion_dir_count);
        char *path = wbb_dir_path(dir, companion_dir);
        wbb_fd handle;
        if (wbb_os_open_dir(path, &handle) != 0)
            wbb_fail(1, "cannot open directory %s (for %s in the sandbox)", path, dir->guest);
        wbb_wasi_preopen(handle, dir->guest, dir->writable);
        free(path);
    }
    free(companion_dir);
}

static int run(int argc, char **argv) {
    if (argc > 0) wbb_set_program(argv[0]);
    wasm_rt_init();
    install_fault_handler();
    set_up(argc, argv);
    wbb_remove_tmp_dirs_on_signals();
    if (wbb_w2c_script.timeout_ms > 0) start_timer();
    start_wasm_thread();
    return 0;
}

#if defined(_WIN32)
int wmain(int argc, wchar_t **wargv) {
    return run(argc, wbb_utf8_argv(argc, wargv));
}
#else
int main(int argc, char **argv) {
    return run(argc, argv);
}
#endif
