/* See host.h. */
#if defined(__linux__)
#define _GNU_SOURCE /* mkdtemp, nftw, realpath */
#elif defined(__APPLE__)
#define _DARWIN_C_SOURCE
#endif

#include "host.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif
#endif

const char *wbb_program = "program";

/* ---- messages and exit ---- */

void wbb_write_stderr(const char *s, size_t n) {
#if defined(_WIN32)
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    while (n > 0) {
        DWORD put = 0;
        if (!WriteFile(h, s, (DWORD)(n > 65536 ? 65536 : n), &put, NULL) || put == 0) return;
        s += put;
        n -= put;
    }
#else
    while (n > 0) {
        ssize_t put = write(2, s, n);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) return;
        s += put;
        n -= (size_t)put;
    }
#endif
}

void wbb_vformat_stderr(const char *fmt, va_list args) {
    char buf[4096];
    int n = vsnprintf(buf, sizeof buf, fmt, args);
    if (n < 0) return;
    wbb_write_stderr(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void wbb_format_stderr(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    wbb_vformat_stderr(fmt, args);
    va_end(args);
}

static atomic_flag exiting = ATOMIC_FLAG_INIT;

void wbb_exit(int code) {
    if (atomic_flag_test_and_set(&exiting)) {
        /* Another thread is ending the process: wait for it. */
        for (;;) {
#if defined(_WIN32)
            Sleep(1000);
#else
            pause();
#endif
        }
    }
    wbb_remove_tmp_dirs();
#if defined(_WIN32)
    ExitProcess((UINT)code);
#else
    _exit(code);
#endif
}

void wbb_fail(int code, const char *fmt, ...) {
    va_list args;
    wbb_format_stderr("%s: ", wbb_program);
    va_start(args, fmt);
    wbb_vformat_stderr(fmt, args);
    va_end(args);
    wbb_write_stderr("\n", 1);
    wbb_exit(code);
}

void wbb_set_program(const char *argv0) {
    const char *base = argv0;
    for (const char *p = argv0; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    wbb_program = base;
}

/* ---- memory and strings ---- */

void *wbb_malloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) wbb_fail(1, "out of memory");
    return p;
}

char *wbb_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = wbb_malloc(n);
    memcpy(d, s, n);
    return d;
}

char *wbb_join(const char *a, const char *b, const char *c) {
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *out = wbb_malloc(la + lb + lc + 1);
    memcpy(out, a, la);
    memcpy(out + la, b, lb);
    memcpy(out + la + lb, c, lc + 1);
    return out;
}

/* ---- the system ---- */

#if defined(_WIN32)

wchar_t *wbb_wide_from_utf8(const char *s) {
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = wbb_malloc((size_t)n * sizeof(wchar_t));
    MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

char *wbb_utf8_from_wide(const wchar_t *w) {
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = wbb_malloc((size_t)n);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

char **wbb_utf8_argv(int argc, wchar_t **wargv) {
    char **argv = wbb_malloc(((size_t)argc + 1) * sizeof(char *));
    for (int i = 0; i < argc; i++) argv[i] = wbb_utf8_from_wide(wargv[i]);
    argv[argc] = NULL;
    return argv;
}

/* From the process's environment block, not `_wgetenv`: the UCRT's copy of the
 * environment is not always set up in a `wmain` program. */
char *wbb_getenv(const char *name) {
    wchar_t *wname = wbb_wide_from_utf8(name);
    DWORD size = GetEnvironmentVariableW(wname, NULL, 0);
    char *value = NULL;
    if (size > 0) {
        wchar_t *wvalue = wbb_malloc(size * sizeof(wchar_t));
        if (GetEnvironmentVariableW(wname, wvalue, size) < size) value = wbb_utf8_from_wide(wvalue);
        free(wvalue);
    }
    free(wname);
    return value;
}

char *wbb_executable_dir(void) {
    wchar_t buf[32768];
    DWORD n = GetModuleFileNameW(NULL, buf, 32768);
    if (n == 0 || n >= 32768) wbb_fail(1, "cannot find its own location");
    while (n > 0 && buf[n - 1] != L'\\' && buf[n - 1] != L'/') n--;
    buf[n > 0 ? n - 1 : 0] = 0;
    return wbb_utf8_from_wide(buf);
}

/* `path` made absolute, with backslashes and without `.` and `..`, if it is a folder. */
static char *existing_dir(const char *path) {
    wchar_t *w = wbb_wide_from_utf8(path);
    DWORD n = GetFullPathNameW(w, 0, NULL, NULL);
    wchar_t *full = n ? wbb_malloc(n * sizeof(wchar_t)) : NULL;
    char *out = NULL;
    if (full && GetFullPathNameW(w, n, full, NULL) < n) {
        DWORD attrs = GetFileAttributesW(full);
        if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY))
            out = wbb_utf8_from_wide(full);
    }
    free(full);
    free(w);
    return out;
}

static char *home_dir(void) {
    return wbb_getenv("USERPROFILE");
}

static char *make_tmp_dir(void) {
    wchar_t base[MAX_PATH + 1], path[MAX_PATH + 64];
    DWORD n = GetTempPathW(MAX_PATH + 1, base);
    if (n == 0) return NULL;
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    /* CreateDirectoryW fails on a name that exists, so the name need only be unlikely. */
    unsigned seed = (unsigned)GetCurrentProcessId() * 2654435761u ^ (unsigned)now.QuadPart;
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        _snwprintf(path, MAX_PATH + 64, L"%lswasm-%08x", base, seed ^ (attempt * 40503u));
        if (CreateDirectoryW(path, NULL)) return wbb_utf8_from_wide(path);
        if (GetLastError() != ERROR_ALREADY_EXISTS) return NULL;
    }
    return NULL;
}

/* Without the shell's SHFileOperation, which would pull shell32 into every program. */
static void remove_tree_w(const wchar_t *path) {
    size_t n = wcslen(path);
    wchar_t *pattern = wbb_malloc((n + 3) * sizeof(wchar_t));
    memcpy(pattern, path, n * sizeof(wchar_t));
    memcpy(pattern + n, L"\\*", 3 * sizeof(wchar_t));
    WIN32_FIND_DATAW found;
    HANDLE h = FindFirstFileW(pattern, &found);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (wcscmp(found.cFileName, L".") == 0 || wcscmp(found.cFileName, L"..") == 0) continue;
            size_t m = wcslen(found.cFileName);
            wchar_t *child = wbb_malloc((n + m + 2) * sizeof(wchar_t));
            memcpy(child, path, n * sizeof(wchar_t));
            child[n] = L'\\';
            memcpy(child + n + 1, found.cFileName, (m + 1) * sizeof(wchar_t));
            DWORD attrs = found.dwFileAttributes;
            if (attrs & FILE_ATTRIBUTE_READONLY) SetFileAttributesW(child, attrs & ~FILE_ATTRIBUTE_READONLY);
            /* A link to a folder is removed, never followed. */
            if ((attrs & FILE_ATTRIBUTE_DIRECTORY) && !(attrs & FILE_ATTRIBUTE_REPARSE_POINT))
                remove_tree_w(child);
            else if (attrs & FILE_ATTRIBUTE_DIRECTORY)
                RemoveDirectoryW(child);
            else
                DeleteFileW(child);
            free(child);
        } while (FindNextFileW(h, &found));
        FindClose(h);
    }
    free(pattern);
    RemoveDirectoryW(path);
}

static void remove_tree(const char *path) {
    wchar_t *w = wbb_wide_from_utf8(path);
    remove_tree_w(w);
    free(w);
}

#else /* POSIX */

char *wbb_getenv(const char *name) {
    const char *value = getenv(name);
    return value ? wbb_strdup(value) : NULL;
}

char *wbb_executable_dir(void) {
    char *path = NULL;
#if defined(__APPLE__)
    uint32_t size = 0;
    _NSGetExecutablePath(NULL, &size);
    char *raw = wbb_malloc(size);
    if (_NSGetExecutablePath(raw, &size) != 0) wbb_fail(1, "cannot find its own location");
    path = realpath(raw, NULL);
    free(raw);
#else
    /* Resolves symlinks too, so a script linked elsewhere (pipx) still finds the
     * files installed relative to its real location. */
    path = realpath("/proc/self/exe", NULL);
#endif
    if (!path) wbb_fail(1, "cannot find its own location: %s", strerror(errno));
    char *slash = strrchr(path, '/');
    if (slash) *slash = 0;
    return path;
}

/* `path` with its links, `.` and `..` resolved, if it is a folder. */
static char *existing_dir(const char *path) {
    struct stat st;
    char *full = realpath(path, NULL);
    if (full && stat(full, &st) == 0 && S_ISDIR(st.st_mode)) return full;
    free(full);
    return NULL;
}

static char *home_dir(void) {
    return wbb_getenv("HOME");
}

static char *make_tmp_dir(void) {
    const char *base = getenv("TMPDIR");
    char *templ = wbb_join(base && *base ? base : "/tmp", "/wasm-", "XXXXXX");
    if (!mkdtemp(templ)) {
        free(templ);
        return NULL;
    }
    return templ;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *path) {
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); /* FTW_PHYS: links are not followed */
}

#endif

/* ---- preopened directories ---- */

static char *tmp_dirs[8];
static size_t tmp_dir_count;

char *wbb_companion_dir(const char *const *dirs, size_t count) {
    char *exe_dir = wbb_executable_dir();
    char *tried = wbb_strdup("");
    for (size_t i = 0; i < count; i++) {
        char *path = wbb_join(exe_dir, WBB_SEP, dirs[i]);
        char *found = existing_dir(path);
        if (found) {
            free(path);
            free(tried);
            free(exe_dir);
            return found;
        }
        char *more = wbb_join(tried, *tried ? " or " : "", path);
        free(tried);
        free(path);
        tried = more;
    }
    wbb_fail(1, "cannot find the files installed with it: no folder %s; reinstall the package",
             tried);
}

char *wbb_dir_path(const struct wbb_dir *dir, const char *companion_dir) {
    switch (dir->kind) {
    case WBB_DIR_DATA: return wbb_join(companion_dir, WBB_SEP, dir->host);
    case WBB_DIR_TMP: {
        if (tmp_dir_count == sizeof tmp_dirs / sizeof tmp_dirs[0])
            wbb_fail(1, "too many temporary folders");
        char *path = make_tmp_dir();
        if (!path)
            wbb_fail(1, "cannot create a temporary folder for %s: %s", dir->guest, strerror(errno));
        tmp_dirs[tmp_dir_count++] = path;
        return wbb_strdup(path);
    }
    case WBB_DIR_HOST:
        if (dir->host[0] == '~' &&
            (dir->host[1] == 0 || dir->host[1] == '/' || dir->host[1] == '\\')) {
            char *home = home_dir();
            if (!home || !*home) wbb_fail(1, "cannot expand %s: no home folder is set", dir->host);
            char *out = wbb_join(home, "", dir->host + 1);
            free(home);
            return out;
        }
        return wbb_strdup(dir->host);
    }
    return NULL;
}

void wbb_remove_tmp_dirs(void) {
    while (tmp_dir_count > 0) remove_tree(tmp_dirs[--tmp_dir_count]);
}

#if defined(_WIN32)
void wbb_remove_tmp_dirs_on_signals(void) {}
#else
static void on_signal(int sig) {
    wbb_remove_tmp_dirs();
    signal(sig, SIG_DFL);
    raise(sig);
}

void wbb_remove_tmp_dirs_on_signals(void) {
    if (tmp_dir_count == 0) return;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
}
#endif
