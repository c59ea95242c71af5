/* What both kinds of executable need from the system they run on, whatever runs the
 * module: failing with a message, their own folder, the user's environment and home,
 * and private temporary folders that go away when the process ends. The wasmtime
 * engine's launcher (launcher.c) and the wasm2c engine's runtime (wasm2c/) both link
 * host.c, so a script behaves the same with either engine. Strings are UTF-8 on every
 * system; Windows' wide strings are converted at the edges. */
#ifndef WBB_HOST_H
#define WBB_HOST_H

#include <stdarg.h>
#include <stddef.h>

#if defined(_WIN32)
#include <wchar.h>
#define WBB_TRAP_EXIT 3 /* what `wasmtime run` gives on Windows (abort()) */
#define WBB_SEP "\\"
#else
#define WBB_TRAP_EXIT 134 /* 128 + SIGABRT, what `wasmtime run` gives on Unix */
#define WBB_SEP "/"
#endif

#if defined(_MSC_VER)
#define WBB_NORETURN __declspec(noreturn)
#else
#define WBB_NORETURN __attribute__((noreturn))
#endif

#if defined(__GNUC__)
#define WBB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define WBB_PRINTF(f, a)
#endif

/* ---- what the build writes into each executable's script.c ---- */

enum wbb_env_mode { WBB_ENV_ALL, WBB_ENV_NONE, WBB_ENV_LIST };

/* Where a preopened directory comes from on the host. */
enum wbb_dir_kind {
    WBB_DIR_HOST, /* a path resolved at run time: `~` is home, relative is the cwd */
    WBB_DIR_DATA, /* a folder shipped with the executable, relative to its companion folder */
    WBB_DIR_TMP   /* a fresh private temporary folder, removed at exit */
};

struct wbb_dir {
    enum wbb_dir_kind kind;
    const char *host;
    const char *guest;
    int writable;
};

/* ---- the process ---- */

extern const char *wbb_program; /* the name the executable was invoked as */

/* Sets wbb_program from argv[0]; on Windows, `wargv` converted to UTF-8. */
void wbb_set_program(const char *argv0);
#if defined(_WIN32)
char **wbb_utf8_argv(int argc, wchar_t **wargv);
#endif

/* Written straight to the file descriptor: a message must not wait in a stdio buffer
 * when the process ends. */
void wbb_write_stderr(const char *s, size_t n);
void wbb_vformat_stderr(const char *fmt, va_list args);
void wbb_format_stderr(const char *fmt, ...) WBB_PRINTF(1, 2);

/* Ends the process with `code` after removing the private temporary folders; safe
 * to call from any thread, once (later callers wait for the first). */
WBB_NORETURN void wbb_exit(int code);
/* A startup failure: "program: message" on stderr, then exit status `code`. */
WBB_NORETURN void wbb_fail(int code, const char *fmt, ...) WBB_PRINTF(2, 3);

void *wbb_malloc(size_t size); /* exits with a message when out of memory */
char *wbb_strdup(const char *s);
char *wbb_join(const char *a, const char *b, const char *c);

/* ---- the system ---- */

/* A variable of the process's environment as a fresh UTF-8 string, or NULL. */
char *wbb_getenv(const char *name);
/* The folder of the executable, symlinks resolved. */
char *wbb_executable_dir(void);
/* The folder of the files installed for the executable (runtime library, data folders):
 * the first of `dirs`, relative to the executable's own folder, that exists, as a full
 * path (see wasm_build_backend/distribution/layout.py). Fails with a message naming them
 * if none does. */
char *wbb_companion_dir(const char *const *dirs, size_t count);
/* The host path of a preopened directory (`companion_dir` for WBB_DIR_DATA); a WBB_DIR_TMP
 * folder is created and removed again by wbb_exit or wbb_remove_tmp_dirs. */
char *wbb_dir_path(const struct wbb_dir *dir, const char *companion_dir);
void wbb_remove_tmp_dirs(void);
/* The temporary folders go away also when the user interrupts the program. */
void wbb_remove_tmp_dirs_on_signals(void);

#if defined(_WIN32)
wchar_t *wbb_wide_from_utf8(const char *s);
char *wbb_utf8_from_wide(const wchar_t *w);
#endif

#endif
