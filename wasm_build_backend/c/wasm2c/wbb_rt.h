/* Internal interfaces of the wasm2c engine's runtime: the process side (runtime.c),
 * WASI preview1 (wasi.c), and the operating system layer it stands on (os_posix.c,
 * os_windows.c). Every OS function returns a WASI errno: 0 on success. */
#ifndef WBB_RT_H
#define WBB_RT_H

#include <stddef.h>
#include <stdint.h>

#include "wbb_w2c.h"

/* The integer types of the C that wasm2c writes, under its guard. */
#ifndef WASM_RT_CORE_TYPES_DEFINED
#define WASM_RT_CORE_TYPES_DEFINED
typedef uint8_t u8;
typedef int8_t s8;
typedef uint16_t u16;
typedef int16_t s16;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
typedef int64_t s64;
typedef float f32;
typedef double f64;
#endif

/* ---- the process (runtime.c) ---- */

/* wbb_program, wbb_exit, wbb_fail, wbb_malloc and the rest of host.h are host.c's. */

/* A failure of a host function the guest called: unwinds the guest like a trap,
 * and the message is printed as the error's cause. */
WBB_NORETURN void wbb_host_trap(const char *fmt, ...) WBB_PRINTF(1, 2);
/* Traps with "call stack exhausted" when the wasm thread's stack is nearly used up,
 * so that host code never runs out of stack. */
void wbb_check_stack(void);

/* ---- WASI (wasi.c) ---- */

struct w2c_wasi__snapshot__preview1 {
    void *instance;
    wasm_rt_memory_t *(*memory)(void *instance);
};

/* Arguments and environment (UTF-8), and the preopened directories, in order. */
void wbb_wasi_init(int argc, char **argv, char **environ_list, size_t environ_count);
void wbb_wasi_preopen(intptr_t handle, const char *guest, int writable);

/* ---- the operating system (os_posix.c, os_windows.c) ---- */

typedef intptr_t wbb_fd; /* a POSIX file descriptor or a Windows HANDLE */

enum { WBB_STDIN, WBB_STDOUT, WBB_STDERR };

struct wbb_filestat {
    uint64_t dev, ino;
    uint8_t filetype; /* WASI filetype */
    uint64_t nlink, size, atim, mtim, ctim;
};

enum wbb_time_mode { WBB_TIME_OMIT, WBB_TIME_NOW, WBB_TIME_SET };
struct wbb_times {
    enum wbb_time_mode atim_mode, mtim_mode;
    uint64_t atim, mtim;
};

struct wbb_dirent {
    char *name;
    uint64_t dev, ino; /* as the OS says */
    uint8_t type; /* WASI filetype */
};

/* Paths are the guest's: relative, `/`-separated, not NUL-terminated; every
 * function resolves them under `dir` without ever leaving it. */
wbb_fd wbb_os_stdio(int which);
int wbb_os_isatty(wbb_fd fd);
uint16_t wbb_os_open_dir(const char *host_path, wbb_fd *out); /* a preopen */
void wbb_os_close(wbb_fd fd);

#define WBB_OPEN_READ 1
#define WBB_OPEN_WRITE 2
uint16_t wbb_os_open_at(wbb_fd dir, const char *path, size_t len, int follow, uint16_t oflags,
                        int mode, int append, wbb_fd *out, int *is_dir);
uint16_t wbb_os_read(wbb_fd fd, void *buf, size_t n, size_t *done);
uint16_t wbb_os_write(wbb_fd fd, const void *buf, size_t n, size_t *done);
uint16_t wbb_os_pread(wbb_fd fd, void *buf, size_t n, uint64_t offset, size_t *done);
uint16_t wbb_os_pwrite(wbb_fd fd, const void *buf, size_t n, uint64_t offset, size_t *done);
uint16_t wbb_os_append(wbb_fd fd, const void *buf, size_t n, size_t *done);
uint16_t wbb_os_set_append(wbb_fd fd, int append);
uint16_t wbb_os_fstat(wbb_fd fd, struct wbb_filestat *st);
uint16_t wbb_os_stat_at(wbb_fd dir, const char *path, size_t len, int follow,
                        struct wbb_filestat *st);
uint16_t wbb_os_set_size(wbb_fd fd, uint64_t size);
uint16_t wbb_os_set_times(wbb_fd fd, const struct wbb_times *times);
uint16_t wbb_os_set_times_at(wbb_fd dir, const char *path, size_t len, int follow,
                             const struct wbb_times *times);
uint16_t wbb_os_sync(wbb_fd fd, int data_only);
uint16_t wbb_os_advise(wbb_fd fd, uint64_t offset, uint64_t len, uint8_t advice);
uint16_t wbb_os_mkdir_at(wbb_fd dir, const char *path, size_t len);
uint16_t wbb_os_rmdir_at(wbb_fd dir, const char *path, size_t len);
uint16_t wbb_os_unlink_at(wbb_fd dir, const char *path, size_t len);
uint16_t wbb_os_rename_at(wbb_fd from_dir, const char *from, size_t from_len, wbb_fd to_dir,
                          const char *to, size_t to_len);
uint16_t wbb_os_link_at(wbb_fd from_dir, const char *from, size_t from_len, wbb_fd to_dir,
                        const char *to, size_t to_len);
uint16_t wbb_os_symlink_at(const char *target, size_t target_len, wbb_fd dir, const char *path,
                           size_t len);
/* The link's contents in a new buffer (`*out`, `*out_len`). */
uint16_t wbb_os_readlink_at(wbb_fd dir, const char *path, size_t len, char **out,
                            size_t *out_len);
/* The directory's entries but `.` and `..`, in a new array (each name allocated). */
uint16_t wbb_os_readdir(wbb_fd dir, struct wbb_dirent **entries, size_t *count);

uint16_t wbb_os_clock_time(uint32_t clock, uint64_t *ns);
uint16_t wbb_os_clock_res(uint32_t clock, uint64_t *ns);
void wbb_os_random(void *buf, size_t n);
void wbb_os_sleep(uint64_t ns);
/* Waits at most `timeout_ns` (UINT64_MAX: no limit) for standard input to be
 * readable; 1 when it is. */
int wbb_os_wait_stdin(uint64_t timeout_ns);

#endif
