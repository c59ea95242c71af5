/* WASI preview1 (`wasi_snapshot_preview1`) for modules translated by wasm2c.
 *
 * Every function behaves as Wasmtime's implementation does (the `wasmtime` engine's
 * reference): the same descriptor numbering, rights reported, errno values, and
 * traps for pointers outside the guest's memory. The file system is reached only
 * through the OS layer (os_posix.c, os_windows.c), which resolves every path
 * beneath a directory descriptor without leaving it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wbb_rt.h"

/* ---- WASI's numbers ---- */

enum {
    E_SUCCESS = 0, E_BADF = 8, E_EXIST = 20, E_ILSEQ = 25, E_INVAL = 28, E_IO = 29,
    E_ISDIR = 31, E_NAMETOOLONG = 37, E_NOENT = 44, E_NOMEM = 48, E_NOTDIR = 54,
    E_NOTSOCK = 57, E_NOTSUP = 58, E_OVERFLOW = 61, E_PERM = 63, E_SPIPE = 70
};

enum {
    FT_UNKNOWN = 0, FT_CHARACTER_DEVICE = 2, FT_DIRECTORY = 3, FT_REGULAR_FILE = 4
};

#define R_FD_DATASYNC (1ull << 0)
#define R_FD_READ (1ull << 1)
#define R_FD_SEEK (1ull << 2)
#define R_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define R_FD_SYNC (1ull << 4)
#define R_FD_TELL (1ull << 5)
#define R_FD_WRITE (1ull << 6)
#define R_FD_ADVISE (1ull << 7)
#define R_FD_ALLOCATE (1ull << 8)
#define R_PATH_CREATE_DIRECTORY (1ull << 9)
#define R_PATH_CREATE_FILE (1ull << 10)
#define R_PATH_LINK_SOURCE (1ull << 11)
#define R_PATH_LINK_TARGET (1ull << 12)
#define R_PATH_OPEN (1ull << 13)
#define R_FD_READDIR (1ull << 14)
#define R_PATH_READLINK (1ull << 15)
#define R_PATH_RENAME_SOURCE (1ull << 16)
#define R_PATH_RENAME_TARGET (1ull << 17)
#define R_PATH_FILESTAT_GET (1ull << 18)
#define R_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define R_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define R_FD_FILESTAT_GET (1ull << 21)
#define R_FD_FILESTAT_SET_SIZE (1ull << 22)
#define R_FD_FILESTAT_SET_TIMES (1ull << 23)
#define R_PATH_SYMLINK (1ull << 24)
#define R_PATH_REMOVE_DIRECTORY (1ull << 25)
#define R_PATH_UNLINK_FILE (1ull << 26)
#define R_POLL_FD_READWRITE (1ull << 27)
#define R_ALL ((1ull << 30) - 1)

#define FDFLAG_APPEND 1
#define FDFLAG_DSYNC 2
#define FDFLAG_NONBLOCK 4
#define FDFLAG_RSYNC 8
#define FDFLAG_SYNC 16
#define FDFLAGS_ALL 31

#define OFLAG_CREAT 1
#define OFLAG_DIRECTORY 2
#define OFLAG_EXCL 4
#define OFLAG_TRUNC 8

#define LOOKUP_SYMLINK_FOLLOW 1

#define FST_ATIM 1
#define FST_ATIM_NOW 2
#define FST_MTIM 4
#define FST_MTIM_NOW 8

#define CLOCK_REALTIME_ID 0
#define CLOCK_MONOTONIC_ID 1

/* ---- guest memory ----
 *
 * Every access the host makes to linear memory goes through here, by guest address,
 * and is little-endian as WebAssembly's own. On a big-endian host WABT keeps linear
 * memory byte-reversed (WABT_BIG_ENDIAN): guest byte `a` is host byte `end - 1 - a`, so
 * that a native load of `n` bytes at `end - a - n` reads the little-endian value. There
 * scalars are stored natively at the mirrored address, byte strings are copied in
 * reverse, and the OS reads and writes through scratch buffers. */

#if WABT_BIG_ENDIAN
#define WBB_REVERSED 1
#else
#define WBB_REVERSED 0
#endif

/* The memory of the current call: WASI functions take pointers into it. */
static uint8_t *mem;     /* guest address 0 (little-endian hosts) */
static uint8_t *mem_end; /* one past guest address 0, mirrored (big-endian hosts) */
static uint64_t mem_size;

/* Buffers that live until the next WASI call (paths and I/O on big-endian hosts). */
static void **scratch_list;
static size_t scratch_count, scratch_cap;

static void *scratch(size_t n) {
    if (scratch_count == scratch_cap) {
        size_t cap = scratch_cap ? 2 * scratch_cap : 8;
        void **bigger = realloc(scratch_list, cap * sizeof *bigger);
        if (!bigger) wbb_fail(1, "out of memory");
        scratch_list = bigger;
        scratch_cap = cap;
    }
    void *p = wbb_malloc(n ? n : 1);
    scratch_list[scratch_count++] = p;
    return p;
}

static void enter(struct w2c_wasi__snapshot__preview1 *w) {
    wbb_check_stack();
    while (scratch_count) free(scratch_list[--scratch_count]);
    wasm_rt_memory_t *m = w->memory ? w->memory(w->instance) : NULL;
    if (!m) wbb_host_trap("missing required memory export");
    mem = m->data;
    mem_end = m->data_end;
    mem_size = m->size;
}

/* As Wasmtime: a region outside memory, or misaligned for its type, traps. Returns the
 * host address of the region's lowest byte (on a big-endian host, of guest byte
 * `ptr + len - 1`). */
static uint8_t *guest(uint32_t ptr, uint64_t len, uint32_t align) {
    if ((uint64_t)ptr + len > mem_size)
        wbb_host_trap("Pointer out of bounds: Region { start: %lu, len: %llu }",
                      (unsigned long)ptr, (unsigned long long)len);
    if (align > 1 && ptr % align != 0)
        wbb_host_trap("Pointer not aligned to %u: Region { start: %lu, len: %llu }",
                      (unsigned)align, (unsigned long)ptr, (unsigned long long)len);
    return WBB_REVERSED ? mem_end - ptr - len : mem + ptr;
}

/* Scalars at guest addresses, naturally aligned. The native order is the guest's on a
 * little-endian host, and a native access at the mirrored address on a big-endian one
 * is little-endian in the guest. */
static void put_u8(uint32_t ptr, uint8_t v) { *guest(ptr, 1, 1) = v; }
static void put_u16(uint32_t ptr, uint16_t v) { memcpy(guest(ptr, 2, 2), &v, 2); }
static void put_u32(uint32_t ptr, uint32_t v) { memcpy(guest(ptr, 4, 4), &v, 4); }
static void put_u64(uint32_t ptr, uint64_t v) { memcpy(guest(ptr, 8, 8), &v, 8); }

static uint8_t get_u8(uint32_t ptr) { return *guest(ptr, 1, 1); }
static uint16_t get_u16(uint32_t ptr) {
    uint16_t v;
    memcpy(&v, guest(ptr, 2, 2), 2);
    return v;
}
static uint32_t get_u32(uint32_t ptr) {
    uint32_t v;
    memcpy(&v, guest(ptr, 4, 4), 4);
    return v;
}
static uint64_t get_u64(uint32_t ptr) {
    uint64_t v;
    memcpy(&v, guest(ptr, 8, 8), 8);
    return v;
}

/* A struct's region: in bounds, aligned, zeroed (its padding included). */
static void put_zeroes(uint32_t ptr, uint64_t len, uint32_t align) {
    memset(guest(ptr, len, align), 0, len);
}

/* Little-endian scalars in a host buffer that is then copied to the guest as bytes. */
static void le_put(uint8_t *p, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void reverse(uint8_t *p, size_t n) {
    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        uint8_t t = p[i];
        p[i] = p[j - 1];
        p[j - 1] = t;
    }
}

/* Bytes to and from the guest, in the guest's order. */
static void to_guest(uint32_t ptr, const void *src, size_t n) {
    uint8_t *p = guest(ptr, n, 1);
    if (!WBB_REVERSED) {
        memcpy(p, src, n);
        return;
    }
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++) p[n - 1 - i] = s[i];
}

/* The guest's bytes at `ptr`, contiguous and in order: memory itself on a little-endian
 * host, else a scratch copy. */
static const uint8_t *from_guest(uint32_t ptr, size_t n) {
    uint8_t *p = guest(ptr, n, 1);
    if (!WBB_REVERSED) return p;
    uint8_t *copy = scratch(n);
    memcpy(copy, p, n);
    reverse(copy, n);
    return copy;
}

/* A buffer for the OS to read `n` bytes into, then given to the guest at `ptr` by
 * `read_done`: memory itself on a little-endian host, else scratch. */
static uint8_t *read_buffer(uint32_t ptr, size_t n) {
    uint8_t *p = guest(ptr, n, 1);
    return WBB_REVERSED ? scratch(n) : p;
}

static void read_done(uint32_t ptr, const uint8_t *buf, size_t done) {
    if (WBB_REVERSED) to_guest(ptr, buf, done);
}

static int valid_utf8(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

/* A path argument: in bounds (else a trap) and UTF-8 (else ILSEQ). */
static uint16_t guest_string(uint32_t ptr, uint32_t len, const char **out) {
    const uint8_t *s = from_guest(ptr, len);
    if (!valid_utf8(s, len)) return E_ILSEQ;
    *out = (const char *)s;
    return E_SUCCESS;
}

/* ---- arguments and environment ---- */

static char **args;
static size_t arg_count;
static char **envs;
static size_t env_count;

void wbb_wasi_init(int argc, char **argv, char **environ_list, size_t environ_count) {
    args = argv;
    arg_count = (size_t)argc;
    envs = environ_list;
    env_count = environ_count;
}

static uint16_t strings_get(char **list, size_t count, uint32_t ptrs, uint32_t buf) {
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(list[i]) + 1;
        put_u32(ptrs + (uint32_t)(4 * i), buf);
        to_guest(buf, list[i], n);
        buf += (uint32_t)n;
    }
    return E_SUCCESS;
}

static uint16_t strings_sizes(char **list, size_t count, uint32_t count_ptr, uint32_t size_ptr) {
    uint64_t size = 0;
    for (size_t i = 0; i < count; i++) size += strlen(list[i]) + 1;
    if (size > UINT32_MAX) return E_OVERFLOW;
    put_u32(count_ptr, (uint32_t)count);
    put_u32(size_ptr, (uint32_t)size);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_args_get(struct w2c_wasi__snapshot__preview1 *w, u32 argv,
                                           u32 buf) {
    enter(w);
    return strings_get(args, arg_count, argv, buf);
}

u32 w2c_wasi__snapshot__preview1_args_sizes_get(struct w2c_wasi__snapshot__preview1 *w,
                                                 u32 count, u32 size) {
    enter(w);
    return strings_sizes(args, arg_count, count, size);
}

u32 w2c_wasi__snapshot__preview1_environ_get(struct w2c_wasi__snapshot__preview1 *w, u32 env,
                                              u32 buf) {
    enter(w);
    return strings_get(envs, env_count, env, buf);
}

u32 w2c_wasi__snapshot__preview1_environ_sizes_get(struct w2c_wasi__snapshot__preview1 *w,
                                                    u32 count, u32 size) {
    enter(w);
    return strings_sizes(envs, env_count, count, size);
}

/* ---- clocks, randomness, process ---- */

u32 w2c_wasi__snapshot__preview1_clock_res_get(struct w2c_wasi__snapshot__preview1 *w, u32 id,
                                                u32 out) {
    enter(w);
    if (id > 3) return E_INVAL;
    if (id > CLOCK_MONOTONIC_ID) return E_BADF;
    uint64_t ns;
    uint16_t err = wbb_os_clock_res(id, &ns);
    if (err) return err;
    put_u64(out, ns);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_clock_time_get(struct w2c_wasi__snapshot__preview1 *w, u32 id,
                                                 u64 precision, u32 out) {
    (void)precision;
    enter(w);
    if (id > 3) return E_INVAL;
    if (id > CLOCK_MONOTONIC_ID) return E_BADF;
    uint64_t ns;
    uint16_t err = wbb_os_clock_time(id, &ns);
    if (err) return err;
    put_u64(out, ns);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_random_get(struct w2c_wasi__snapshot__preview1 *w, u32 buf,
                                             u32 len) {
    enter(w);
    /* Random bytes in either order. */
    wbb_os_random(guest(buf, len, 1), len);
    return E_SUCCESS;
}

void w2c_wasi__snapshot__preview1_proc_exit(struct w2c_wasi__snapshot__preview1 *w, u32 code) {
    (void)w;
    wbb_check_stack();
    if (code >= 126) wbb_host_trap("exit with invalid exit status outside of [0..126)");
    wbb_exit((int)code);
}

u32 w2c_wasi__snapshot__preview1_proc_raise(struct w2c_wasi__snapshot__preview1 *w, u32 sig) {
    enter(w);
    return sig > 30 ? E_INVAL : E_NOTSUP;
}

u32 w2c_wasi__snapshot__preview1_sched_yield(struct w2c_wasi__snapshot__preview1 *w) {
    enter(w);
    return E_SUCCESS;
}

/* ---- descriptors ---- */

enum fd_kind { FD_FREE, FD_STDIN, FD_STDOUT, FD_STDERR, FD_DIR, FD_FILE };

struct fd_entry {
    enum fd_kind kind;
    wbb_fd os;
    char *preopen;    /* the guest path of a preopened directory, else NULL */
    int mutable_tree; /* the directory (and everything beneath) may be changed */
    int files_writable; /* files beneath may be opened for writing */
    int mode;         /* WBB_OPEN_READ | WBB_OPEN_WRITE, as opened */
    int append, nonblock;
    int tty;          /* standard streams: a terminal */
    uint64_t position;
};

static struct fd_entry *fds;
static uint32_t fd_cap;
/* Numbers given back by fd_close and fd_renumber: the highest is reused first. */
static uint8_t *fd_freed;

static void fd_grow(uint32_t need) {
    if (need <= fd_cap) return;
    uint32_t cap = fd_cap ? fd_cap : 16;
    while (cap < need) cap *= 2;
    struct fd_entry *n = realloc(fds, cap * sizeof *n);
    uint8_t *f = realloc(fd_freed, cap);
    if (!n || !f) wbb_fail(1, "out of memory");
    memset(n + fd_cap, 0, (cap - fd_cap) * sizeof *n);
    memset(f + fd_cap, 0, cap - fd_cap);
    fds = n;
    fd_freed = f;
    fd_cap = cap;
}

static struct fd_entry *fd_get(uint32_t fd) {
    if (fd >= fd_cap || fds[fd].kind == FD_FREE) return NULL;
    return &fds[fd];
}

static uint16_t fd_push(const struct fd_entry *entry, uint32_t *out) {
    uint32_t fd = UINT32_MAX;
    for (uint32_t i = fd_cap; i-- > 0;)
        if (fd_freed[i]) {
            fd = i;
            break;
        }
    if (fd == UINT32_MAX) {
        uint32_t last = 0;
        int any = 0;
        for (uint32_t i = 0; i < fd_cap; i++)
            if (fds[i].kind != FD_FREE) {
                last = i;
                any = 1;
            }
        fd = any ? last + 1 : 0;
        if (fd == 0 && any) return E_NOMEM;
    }
    fd_grow(fd + 1);
    fds[fd] = *entry;
    fd_freed[fd] = 0;
    *out = fd;
    return E_SUCCESS;
}

static void fd_release(struct fd_entry *e) {
    if (e->kind == FD_DIR || e->kind == FD_FILE) wbb_os_close(e->os);
    free(e->preopen);
    memset(e, 0, sizeof *e);
}

static void stdio_entry(enum fd_kind kind, int which) {
    struct fd_entry e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.os = wbb_os_stdio(which);
    e.tty = wbb_os_isatty(e.os);
    uint32_t fd;
    fd_push(&e, &fd);
}

static void stdio_init(void) {
    if (fd_cap) return;
    fd_grow(16);
    stdio_entry(FD_STDIN, WBB_STDIN);
    stdio_entry(FD_STDOUT, WBB_STDOUT);
    stdio_entry(FD_STDERR, WBB_STDERR);
}

void wbb_wasi_preopen(intptr_t handle, const char *guest_path, int writable) {
    stdio_init();
    struct fd_entry e;
    memset(&e, 0, sizeof e);
    e.kind = FD_DIR;
    e.os = handle;
    e.preopen = wbb_strdup(guest_path);
    e.mutable_tree = writable;
    e.files_writable = writable;
    e.mode = WBB_OPEN_READ;
    uint32_t fd;
    fd_push(&e, &fd);
}

static struct fd_entry *get_any(uint32_t fd, uint16_t *err) {
    stdio_init();
    struct fd_entry *e = fd_get(fd);
    if (!e) *err = E_BADF;
    return e;
}

/* A file or directory (not a standard stream). */
static struct fd_entry *get_fs(uint32_t fd, uint16_t *err) {
    struct fd_entry *e = get_any(fd, err);
    if (e && e->kind != FD_FILE && e->kind != FD_DIR) {
        *err = E_BADF;
        return NULL;
    }
    return e;
}

static struct fd_entry *get_kind(uint32_t fd, enum fd_kind kind, uint16_t *err) {
    struct fd_entry *e = get_any(fd, err);
    if (e && e->kind != kind) {
        *err = E_BADF;
        return NULL;
    }
    return e;
}

/* A file that has a position: standard streams cannot seek. */
static struct fd_entry *get_seekable(uint32_t fd, uint16_t *err) {
    struct fd_entry *e = get_any(fd, err);
    if (!e) return NULL;
    if (e->kind == FD_STDIN || e->kind == FD_STDOUT || e->kind == FD_STDERR) {
        *err = E_SPIPE;
        return NULL;
    }
    if (e->kind != FD_FILE) {
        *err = E_BADF;
        return NULL;
    }
    return e;
}

/* `var` from one of the getters above (called with `&err_`), or its errno returned. */
#define GET(var, call)                    \
    uint16_t err_ = E_SUCCESS;            \
    struct fd_entry *var = call;          \
    if (!var) return err_

/* Wasmtime reports a file's inode as a hash of its device and inode numbers, and
 * every device as 1. */
static uint64_t ino_hash(uint64_t dev, uint64_t ino) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < 8; i++) h = (h ^ ((dev >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    for (int i = 0; i < 8; i++) h = (h ^ ((ino >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static void put_filestat(uint32_t ptr, const struct wbb_filestat *st) {
    put_zeroes(ptr, 64, 8);
    put_u64(ptr, st->dev);
    put_u64(ptr + 8, st->ino);
    put_u8(ptr + 16, st->filetype);
    put_u64(ptr + 24, st->nlink);
    put_u64(ptr + 32, st->size);
    put_u64(ptr + 40, st->atim);
    put_u64(ptr + 48, st->mtim);
    put_u64(ptr + 56, st->ctim);
}

static uint16_t stat_fd(const struct fd_entry *e, struct wbb_filestat *st) {
    uint16_t err = wbb_os_fstat(e->os, st);
    if (err) return err;
    st->ino = ino_hash(st->dev, st->ino);
    st->dev = 1;
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_close(struct w2c_wasi__snapshot__preview1 *w, u32 fd) {
    enter(w);
    GET(e, get_any(fd, &err_));
    fd_release(e);
    fd_freed[fd] = 1;
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_renumber(struct w2c_wasi__snapshot__preview1 *w, u32 from,
                                              u32 to) {
    enter(w);
    stdio_init();
    struct fd_entry *target = fd_get(to);
    if (!target) return E_BADF;
    struct fd_entry *source = fd_get(from);
    if (!source) return E_BADF;
    if (from != to) {
        struct fd_entry moved = *source;
        memset(source, 0, sizeof *source);
        fd_freed[from] = 1;
        fd_freed[to] = 0;
        fd_release(&fds[to]);
        fds[to] = moved;
    }
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_advise(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                            u64 offset, u64 len, u32 advice) {
    enter(w);
    if (advice > 5) return E_INVAL;
    GET(e, get_fs(fd, &err_));
    if (e->kind != FD_FILE) return E_BADF;
    return wbb_os_advise(e->os, offset, len, (uint8_t)advice);
}

u32 w2c_wasi__snapshot__preview1_fd_allocate(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                              u64 offset, u64 len) {
    (void)offset;
    (void)len;
    enter(w);
    GET(e, get_fs(fd, &err_));
    if (e->kind != FD_FILE) return E_BADF;
    return E_NOTSUP;
}

u32 w2c_wasi__snapshot__preview1_fd_datasync(struct w2c_wasi__snapshot__preview1 *w, u32 fd) {
    enter(w);
    GET(e, get_kind(fd, FD_FILE, &err_));
    return wbb_os_sync(e->os, 1);
}

u32 w2c_wasi__snapshot__preview1_fd_sync(struct w2c_wasi__snapshot__preview1 *w, u32 fd) {
    enter(w);
    GET(e, get_kind(fd, FD_FILE, &err_));
    return wbb_os_sync(e->os, 0);
}

u32 w2c_wasi__snapshot__preview1_fd_fdstat_get(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                                u32 out) {
    enter(w);
    GET(e, get_any(fd, &err_));
    uint8_t filetype;
    uint16_t flags = 0;
    uint64_t base, inheriting;
    switch (e->kind) {
    case FD_STDIN:
    case FD_STDOUT:
    case FD_STDERR:
        filetype = e->tty ? FT_CHARACTER_DEVICE : FT_UNKNOWN;
        base = inheriting = e->kind == FD_STDIN ? R_FD_READ : R_FD_WRITE;
        break;
    case FD_DIR:
        filetype = FT_DIRECTORY;
        if (e->preopen) {
            base = R_PATH_CREATE_DIRECTORY | R_PATH_CREATE_FILE | R_PATH_LINK_SOURCE |
                   R_PATH_LINK_TARGET | R_PATH_OPEN | R_FD_READDIR | R_PATH_READLINK |
                   R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET | R_PATH_SYMLINK |
                   R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE | R_PATH_FILESTAT_GET |
                   R_PATH_FILESTAT_SET_TIMES | R_FD_FILESTAT_GET | R_FD_FILESTAT_SET_TIMES;
            inheriting = base | R_FD_DATASYNC | R_FD_READ | R_FD_SEEK | R_FD_FDSTAT_SET_FLAGS |
                         R_FD_SYNC | R_FD_TELL | R_FD_WRITE | R_FD_ADVISE | R_FD_ALLOCATE |
                         R_FD_FILESTAT_GET | R_FD_FILESTAT_SET_SIZE | R_FD_FILESTAT_SET_TIMES |
                         R_POLL_FD_READWRITE;
            break;
        }
        base = R_ALL & ~(R_FD_SEEK | R_FD_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_SIZE | R_FD_WRITE);
        if (!(e->mode & WBB_OPEN_READ)) base &= ~(R_FD_READ | R_FD_READDIR);
        inheriting = base;
        break;
    default: {
        struct wbb_filestat st;
        uint16_t err = wbb_os_fstat(e->os, &st);
        if (err) return err;
        filetype = st.filetype;
        base = R_ALL;
        if (filetype == FT_DIRECTORY)
            base &= ~(R_FD_SEEK | R_FD_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_SIZE);
        if (!(e->mode & WBB_OPEN_READ)) base &= ~(R_FD_READ | R_FD_READDIR);
        if (!(e->mode & WBB_OPEN_WRITE)) base &= ~R_FD_WRITE;
        if (e->append) flags |= FDFLAG_APPEND;
        if (e->nonblock) flags |= FDFLAG_NONBLOCK;
        inheriting = base;
        break;
    }
    }
    put_zeroes(out, 24, 8);
    put_u8(out, filetype);
    put_u16(out + 2, flags);
    put_u64(out + 8, base);
    put_u64(out + 16, inheriting);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_fdstat_set_flags(struct w2c_wasi__snapshot__preview1 *w,
                                                      u32 fd, u32 flags) {
    enter(w);
    if (flags & ~(uint32_t)FDFLAGS_ALL) return E_INVAL;
    GET(e, get_kind(fd, FD_FILE, &err_));
    if (flags & (FDFLAG_DSYNC | FDFLAG_SYNC | FDFLAG_RSYNC)) return E_INVAL;
    int append = (flags & FDFLAG_APPEND) != 0;
    if (append != e->append) {
        uint16_t err = wbb_os_set_append(e->os, append);
        if (err) return err;
    }
    e->append = append;
    e->nonblock = (flags & FDFLAG_NONBLOCK) != 0;
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_fdstat_set_rights(struct w2c_wasi__snapshot__preview1 *w,
                                                       u32 fd, u64 base, u64 inheriting) {
    enter(w);
    if ((base | inheriting) & ~R_ALL) return E_INVAL;
    GET(e, get_fs(fd, &err_));
    (void)e;
    return E_NOTSUP;
}

u32 w2c_wasi__snapshot__preview1_fd_filestat_get(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                                  u32 out) {
    enter(w);
    GET(e, get_any(fd, &err_));
    struct wbb_filestat st;
    memset(&st, 0, sizeof st);
    if (e->kind == FD_STDIN || e->kind == FD_STDOUT || e->kind == FD_STDERR) {
        st.filetype = e->tty ? FT_CHARACTER_DEVICE : FT_UNKNOWN;
    } else {
        uint16_t err = stat_fd(e, &st);
        if (err) return err;
    }
    put_filestat(out, &st);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_filestat_set_size(struct w2c_wasi__snapshot__preview1 *w,
                                                       u32 fd, u64 size) {
    enter(w);
    GET(e, get_kind(fd, FD_FILE, &err_));
    if (!e->files_writable) return E_PERM;
    return wbb_os_set_size(e->os, size);
}

static uint16_t times_of(uint64_t atim, uint64_t mtim, uint32_t fst, struct wbb_times *t) {
    if (fst & ~(uint32_t)15) return E_INVAL;
    if ((fst & FST_ATIM) && (fst & FST_ATIM_NOW)) return E_INVAL;
    if ((fst & FST_MTIM) && (fst & FST_MTIM_NOW)) return E_INVAL;
    t->atim_mode = (fst & FST_ATIM) ? WBB_TIME_SET : (fst & FST_ATIM_NOW) ? WBB_TIME_NOW : WBB_TIME_OMIT;
    t->mtim_mode = (fst & FST_MTIM) ? WBB_TIME_SET : (fst & FST_MTIM_NOW) ? WBB_TIME_NOW : WBB_TIME_OMIT;
    t->atim = atim;
    t->mtim = mtim;
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_filestat_set_times(struct w2c_wasi__snapshot__preview1 *w,
                                                        u32 fd, u64 atim, u64 mtim, u32 fst) {
    enter(w);
    struct wbb_times t;
    uint16_t err = times_of(atim, mtim, fst, &t);
    if (err) return err;
    GET(e, get_fs(fd, &err_));
    if (e->kind == FD_FILE ? !e->files_writable : !e->mutable_tree) return E_PERM;
    return wbb_os_set_times(e->os, &t);
}

/* The guest address of the first non-empty buffer of an iovec array, as Wasmtime
 * reads and writes only that one: `*len` 0 when every buffer is empty. */
static uint32_t first_buffer(uint32_t iovs, uint32_t count, uint32_t *len) {
    for (uint32_t i = 0; i < count; i++) {
        /* Field by field, as Wasmtime reads them (and reports a bad one). */
        uint32_t buf = get_u32(iovs + 8 * i);
        uint32_t n = get_u32(iovs + 8 * i + 4);
        if (n == 0) continue;
        guest(buf, n, 1);
        *len = n;
        return buf;
    }
    *len = 0;
    return 0;
}

u32 w2c_wasi__snapshot__preview1_fd_read(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                          u32 iovs, u32 count, u32 out) {
    enter(w);
    uint32_t len;
    uint32_t at = first_buffer(iovs, count, &len);
    GET(e, get_any(fd, &err_));
    uint8_t *buf = read_buffer(at, len);
    size_t done = 0;
    uint16_t err;
    if (e->kind == FD_FILE) {
        err = wbb_os_pread(e->os, buf, len, e->position, &done);
        if (err) return err;
        e->position += done;
    } else if (e->kind == FD_STDIN) {
        err = wbb_os_read(e->os, buf, len, &done);
        if (err) return err;
    } else {
        return E_BADF;
    }
    read_done(at, buf, done);
    put_u32(out, (uint32_t)done);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_pread(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                           u32 iovs, u32 count, u64 offset, u32 out) {
    enter(w);
    uint32_t len;
    uint32_t at = first_buffer(iovs, count, &len);
    GET(e, get_any(fd, &err_));
    if (e->kind == FD_STDIN) return E_SPIPE;
    if (e->kind != FD_FILE) return E_BADF;
    uint8_t *buf = read_buffer(at, len);
    size_t done = 0;
    uint16_t err = wbb_os_pread(e->os, buf, len, offset, &done);
    if (err) return err;
    read_done(at, buf, done);
    put_u32(out, (uint32_t)done);
    return E_SUCCESS;
}

static uint16_t file_write(struct fd_entry *e, const uint8_t *buf, uint32_t len, int at_cur,
                           uint64_t offset, size_t *done) {
    uint16_t err;
    if (e->append) {
        err = wbb_os_append(e->os, buf, len, done);
    } else {
        err = wbb_os_pwrite(e->os, buf, len, at_cur ? e->position : offset, done);
    }
    if (err || !at_cur) return err;
    if (e->append) {
        struct wbb_filestat st;
        err = wbb_os_fstat(e->os, &st);
        if (err) return err;
        e->position = st.size;
    } else {
        e->position += *done;
    }
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_write(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                           u32 iovs, u32 count, u32 out) {
    enter(w);
    uint32_t len;
    uint32_t at = first_buffer(iovs, count, &len);
    GET(e, get_any(fd, &err_));
    const uint8_t *buf = from_guest(at, len);
    size_t done = 0;
    uint16_t err;
    if (e->kind == FD_FILE) {
        err = file_write(e, buf, len, 1, 0, &done);
    } else if (e->kind == FD_STDOUT || e->kind == FD_STDERR) {
        err = wbb_os_write(e->os, buf, len, &done);
    } else {
        return E_BADF;
    }
    if (err) return err;
    put_u32(out, (uint32_t)done);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_pwrite(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                            u32 iovs, u32 count, u64 offset, u32 out) {
    enter(w);
    uint32_t len;
    uint32_t at = first_buffer(iovs, count, &len);
    GET(e, get_any(fd, &err_));
    if (e->kind == FD_STDOUT || e->kind == FD_STDERR) return E_SPIPE;
    if (e->kind != FD_FILE) return E_BADF;
    const uint8_t *buf = from_guest(at, len);
    size_t done = 0;
    uint16_t err = file_write(e, buf, len, 0, offset, &done);
    if (err) return err;
    put_u32(out, (uint32_t)done);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_seek(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                          u64 offset, u32 whence, u32 out) {
    enter(w);
    /* Wasmtime decodes the enum before the call, and an unknown value is a trap. */
    if (whence > 2) wbb_host_trap("Invalid enum value Whence");
    GET(e, get_seekable(fd, &err_));
    int64_t delta = (int64_t)offset;
    uint64_t pos;
    if (whence == 0) {
        if (delta < 0) return E_INVAL;
        pos = (uint64_t)delta;
    } else {
        uint64_t from = e->position;
        if (whence == 2) {
            struct wbb_filestat st;
            uint16_t err = wbb_os_fstat(e->os, &st);
            if (err) return err;
            from = st.size;
        }
        if (delta < 0) {
            uint64_t back = (uint64_t)(-(delta + 1)) + 1;
            if (back > from) return E_INVAL;
            pos = from - back;
        } else {
            if ((uint64_t)delta > UINT64_MAX - from) return E_INVAL;
            pos = from + (uint64_t)delta;
        }
    }
    e->position = pos;
    put_u64(out, pos);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_tell(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                          u32 out) {
    enter(w);
    GET(e, get_seekable(fd, &err_));
    put_u64(out, e->position);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_prestat_get(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                                 u32 out) {
    enter(w);
    GET(e, get_any(fd, &err_));
    if (e->kind != FD_DIR || !e->preopen) return E_BADF;
    put_zeroes(out, 8, 4);
    put_u32(out + 4, (uint32_t)strlen(e->preopen));
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_prestat_dir_name(struct w2c_wasi__snapshot__preview1 *w,
                                                      u32 fd, u32 path, u32 len) {
    enter(w);
    GET(e, get_any(fd, &err_));
    if (e->kind != FD_DIR || !e->preopen) return E_NOTDIR;
    size_t n = strlen(e->preopen);
    if (n > len) return E_NAMETOOLONG;
    to_guest(path, e->preopen, n);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_fd_readdir(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                             u32 buf, u32 buf_len, u64 cookie, u32 out) {
    enter(w);
    GET(e, get_kind(fd, FD_DIR, &err_));
    struct wbb_dirent *entries = NULL;
    size_t count = 0;
    uint16_t err = wbb_os_readdir(e->os, &entries, &count);
    if (err) return err;
    struct wbb_filestat st;
    err = stat_fd(e, &st);
    if (err) {
        for (size_t i = 0; i < count; i++) free(entries[i].name);
        free(entries);
        return err;
    }
    uint32_t cap = buf_len, pos = buf;
    uint64_t total = (uint64_t)count + 2;
    for (uint64_t i = cookie; i < total && cap > 0; i++) {
        const char *name;
        uint64_t ino;
        uint8_t type;
        if (i < 2) {
            name = i == 0 ? "." : "..";
            ino = st.ino;
            type = FT_DIRECTORY;
        } else {
            name = entries[i - 2].name;
            ino = ino_hash(entries[i - 2].dev, entries[i - 2].ino);
            type = entries[i - 2].type;
        }
        uint8_t header[24];
        memset(header, 0, sizeof header);
        uint32_t namelen = (uint32_t)strlen(name);
        le_put(header, i + 1, 8);
        le_put(header + 8, ino, 8);
        le_put(header + 16, namelen, 4);
        header[20] = type;
        uint32_t n = cap < 24 ? cap : 24;
        to_guest(pos, header, n);
        pos += n;
        cap -= n;
        if (cap == 0) break;
        n = cap < namelen ? cap : namelen;
        to_guest(pos, name, n);
        pos += n;
        cap -= n;
    }
    for (size_t i = 0; i < count; i++) free(entries[i].name);
    free(entries);
    put_u32(out, buf_len - cap);
    return E_SUCCESS;
}

/* ---- paths ---- */

#define PATH_ARG(var, ptr, len)                         \
    const char *var;                                    \
    {                                                   \
        uint16_t perr_ = guest_string(ptr, len, &var);  \
        if (perr_) return perr_;                        \
    }

u32 w2c_wasi__snapshot__preview1_path_create_directory(struct w2c_wasi__snapshot__preview1 *w,
                                                        u32 fd, u32 path, u32 len) {
    enter(w);
    GET(d, get_kind(fd, FD_DIR, &err_));
    PATH_ARG(p, path, len);
    if (!d->mutable_tree) return E_PERM;
    return wbb_os_mkdir_at(d->os, p, len);
}

u32 w2c_wasi__snapshot__preview1_path_filestat_get(struct w2c_wasi__snapshot__preview1 *w,
                                                    u32 fd, u32 flags, u32 path, u32 len,
                                                    u32 out) {
    enter(w);
    if (flags & ~(uint32_t)LOOKUP_SYMLINK_FOLLOW) return E_INVAL;
    GET(d, get_kind(fd, FD_DIR, &err_));
    PATH_ARG(p, path, len);
    struct wbb_filestat st;
    uint16_t err = wbb_os_stat_at(d->os, p, len, (flags & LOOKUP_SYMLINK_FOLLOW) != 0, &st);
    if (err) return err;
    st.ino = ino_hash(st.dev, st.ino);
    st.dev = 1;
    put_filestat(out, &st);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_path_filestat_set_times(struct w2c_wasi__snapshot__preview1 *w,
                                                          u32 fd, u32 flags, u32 path, u32 len,
                                                          u64 atim, u64 mtim, u32 fst) {
    enter(w);
    if (flags & ~(uint32_t)LOOKUP_SYMLINK_FOLLOW) return E_INVAL;
    struct wbb_times t;
    uint16_t err = times_of(atim, mtim, fst, &t);
    if (err) return err;
    GET(d, get_kind(fd, FD_DIR, &err_));
    PATH_ARG(p, path, len);
    if (!d->mutable_tree) return E_PERM;
    return wbb_os_set_times_at(d->os, p, len, (flags & LOOKUP_SYMLINK_FOLLOW) != 0, &t);
}

u32 w2c_wasi__snapshot__preview1_path_link(struct w2c_wasi__snapshot__preview1 *w, u32 old_fd,
                                            u32 old_flags, u32 old_path, u32 old_len,
                                            u32 new_fd, u32 new_path, u32 new_len) {
    enter(w);
    if (old_flags & ~(uint32_t)LOOKUP_SYMLINK_FOLLOW) return E_INVAL;
    GET(from, get_kind(old_fd, FD_DIR, &err_));
    uint16_t err2 = E_SUCCESS;
    struct fd_entry *to = get_kind(new_fd, FD_DIR, &err2);
    if (!to) return err2;
    PATH_ARG(src, old_path, old_len);
    PATH_ARG(dst, new_path, new_len);
    if (!from->mutable_tree || !to->mutable_tree) return E_PERM;
    if (old_flags & LOOKUP_SYMLINK_FOLLOW) return E_INVAL;
    return wbb_os_link_at(from->os, src, old_len, to->os, dst, new_len);
}

u32 w2c_wasi__snapshot__preview1_path_open(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                            u32 dirflags, u32 path, u32 len, u32 oflags,
                                            u64 rights_base, u64 rights_inheriting,
                                            u32 fdflags, u32 out) {
    enter(w);
    if (dirflags & ~(uint32_t)LOOKUP_SYMLINK_FOLLOW) return E_INVAL;
    if (oflags & ~(uint32_t)15) return E_INVAL;
    if ((rights_base | rights_inheriting) & ~R_ALL) return E_INVAL;
    if (fdflags & ~(uint32_t)FDFLAGS_ALL) return E_INVAL;
    PATH_ARG(p, path, len);
    uint16_t err = E_SUCCESS;
    struct fd_entry *d = get_any(fd, &err);
    if (!d) return err;
    if (d->kind == FD_FILE) return E_NOTDIR;
    if (d->kind != FD_DIR) return E_BADF;

    int want_read = (rights_base & R_FD_READ) != 0;
    int want_write = (rights_base & R_FD_WRITE) != 0;
    if (!d->mutable_tree && ((oflags & (OFLAG_CREAT | OFLAG_TRUNC)) || want_write)) return E_PERM;
    int mode = 0;
    if (oflags & OFLAG_CREAT) mode |= WBB_OPEN_WRITE;
    if (want_read) mode |= WBB_OPEN_READ;
    if (want_write)
        mode |= WBB_OPEN_WRITE;
    else
        mode |= WBB_OPEN_READ;
    if (fdflags & (FDFLAG_SYNC | FDFLAG_DSYNC | FDFLAG_RSYNC)) return E_NOTSUP;
    if ((oflags & OFLAG_DIRECTORY) && (oflags & (OFLAG_CREAT | OFLAG_EXCL | OFLAG_TRUNC)))
        return E_INVAL;
    if (!d->files_writable && (mode & WBB_OPEN_WRITE)) return E_PERM;

    int os_mode = mode;
    if (oflags & OFLAG_TRUNC) os_mode |= WBB_OPEN_WRITE;
    int append = (fdflags & FDFLAG_APPEND) != 0;
    wbb_fd handle;
    int is_dir = 0;
    err = wbb_os_open_at(d->os, p, len, (dirflags & LOOKUP_SYMLINK_FOLLOW) != 0,
                         (uint16_t)oflags, os_mode, append, &handle, &is_dir);
    if (err) return err;
    struct fd_entry e;
    memset(&e, 0, sizeof e);
    e.os = handle;
    e.mutable_tree = d->mutable_tree;
    e.files_writable = d->files_writable;
    e.mode = mode;
    if (is_dir) {
        e.kind = FD_DIR;
    } else {
        e.kind = FD_FILE;
        e.append = append;
        e.nonblock = (fdflags & FDFLAG_NONBLOCK) != 0;
    }
    uint32_t number;
    err = fd_push(&e, &number);
    if (err) {
        wbb_os_close(handle);
        return err;
    }
    put_u32(out, number);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_path_readlink(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                                u32 path, u32 len, u32 buf, u32 buf_len,
                                                u32 out) {
    enter(w);
    GET(d, get_kind(fd, FD_DIR, &err_));
    PATH_ARG(p, path, len);
    char *target = NULL;
    size_t n = 0;
    uint16_t err = wbb_os_readlink_at(d->os, p, len, &target, &n);
    if (err) return err;
    if (!valid_utf8((const uint8_t *)target, n)) {
        free(target);
        return E_ILSEQ;
    }
    if (n > buf_len) n = buf_len;
    to_guest(buf, target, n);
    free(target);
    put_u32(out, (uint32_t)n);
    return E_SUCCESS;
}

u32 w2c_wasi__snapshot__preview1_path_remove_directory(struct w2c_wasi__snapshot__preview1 *w,
                                                        u32 fd, u32 path, u32 len) {
    enter(w);
    GET(d, get_kind(fd, FD_DIR, &err_));
    PATH_ARG(p, path, len);
    if (!d->mutable_tree) return E_PERM;
    return wbb_os_rmdir_at(d->os, p, len);
}

u32 w2c_wasi__snapshot__preview1_path_rename(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                              u32 old_path, u32 old_len, u32 new_fd,
                                              u32 new_path, u32 new_len) {
    enter(w);
    GET(from, get_kind(fd, FD_DIR, &err_));
    uint16_t err2 = E_SUCCESS;
    struct fd_entry *to = get_kind(new_fd, FD_DIR, &err2);
    if (!to) return err2;
    PATH_ARG(src, old_path, old_len);
    PATH_ARG(dst, new_path, new_len);
    if (!from->mutable_tree || !to->mutable_tree) return E_PERM;
    return wbb_os_rename_at(from->os, src, old_len, to->os, dst, new_len);
}

u32 w2c_wasi__snapshot__preview1_path_symlink(struct w2c_wasi__snapshot__preview1 *w,
                                               u32 old_path, u32 old_len, u32 fd, u32 new_path,
                                               u32 new_len) {
    enter(w);
    GET(d, get_kind(fd, FD_DIR, &err_));
    PATH_ARG(target, old_path, old_len);
    PATH_ARG(p, new_path, new_len);
    if (!d->mutable_tree) return E_PERM;
    return wbb_os_symlink_at(target, old_len, d->os, p, new_len);
}

u32 w2c_wasi__snapshot__preview1_path_unlink_file(struct w2c_wasi__snapshot__preview1 *w,
                                                   u32 fd, u32 path, u32 len) {
    enter(w);
    GET(d, get_kind(fd, FD_DIR, &err_));
    PATH_ARG(p, path, len);
    if (!d->mutable_tree) return E_PERM;
    return wbb_os_unlink_at(d->os, p, len);
}

/* ---- polling ---- */

struct poll_sub {
    uint64_t userdata;
    uint8_t tag;
    uint64_t deadline; /* clocks: monotonic nanoseconds */
    uint32_t fd;
    int ready;
};

static void put_event(uint32_t ptr, uint64_t userdata, uint8_t type, uint64_t nbytes,
                      uint16_t flags) {
    put_zeroes(ptr, 32, 8);
    put_u64(ptr, userdata);
    put_u8(ptr + 10, type);
    put_u64(ptr + 16, nbytes);
    put_u16(ptr + 24, flags);
}

static uint64_t monotonic_now(void) {
    uint64_t ns = 0;
    wbb_os_clock_time(CLOCK_MONOTONIC_ID, &ns);
    return ns;
}

u32 w2c_wasi__snapshot__preview1_poll_oneoff(struct w2c_wasi__snapshot__preview1 *w, u32 in,
                                              u32 out, u32 count, u32 out_count) {
    enter(w);
    if (count == 0) return E_INVAL;
    /* Sleeping on one relative timer, the common case: as Wasmtime, any clock. */
    if (count == 1) {
        guest(in, 48, 8);
        uint16_t flags = get_u16(in + 40);
        uint32_t id = get_u32(in + 16);
        uint8_t tag = get_u8(in + 8);
        if (tag > 2 || (tag == 0 && (id > 3 || flags > 1))) return E_INVAL;
        if (tag == 0 && !(flags & 1)) {
            uint64_t userdata = get_u64(in), timeout = get_u64(in + 24);
            wbb_os_sleep(timeout);
            put_event(out, userdata, 0, 1, 0);
            put_u32(out_count, 1);
            return E_SUCCESS;
        }
    }
    guest(in, (uint64_t)count * 48, 8);
    guest(out, (uint64_t)count * 32, 8);
    struct poll_sub *subs = wbb_malloc(count * sizeof *subs);
    uint64_t now = monotonic_now();
    int stdin_wanted = 0, immediate = 0;
    uint64_t earliest = UINT64_MAX;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t s = in + 48 * i;
        struct poll_sub *sub = &subs[i];
        memset(sub, 0, sizeof *sub);
        sub->userdata = get_u64(s);
        sub->tag = get_u8(s + 8);
        uint16_t err = E_SUCCESS;
        if (sub->tag == 0) {
            uint32_t id = get_u32(s + 16);
            uint64_t timeout = get_u64(s + 24);
            uint16_t flags = get_u16(s + 40);
            if (id > 3 || flags > 1) err = E_INVAL;
            else if (id == CLOCK_MONOTONIC_ID) {
                sub->deadline = (flags & 1) ? timeout : (timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout);
            } else if (id == CLOCK_REALTIME_ID) {
                if (flags & 1) {
                    uint64_t wall = 0;
                    wbb_os_clock_time(CLOCK_REALTIME_ID, &wall);
                    uint64_t wait = timeout > wall ? timeout - wall : 0;
                    sub->deadline = wait > UINT64_MAX - now ? UINT64_MAX : now + wait;
                } else {
                    sub->deadline = timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
                }
            } else {
                err = E_INVAL;
            }
            if (!err && sub->deadline < earliest) earliest = sub->deadline;
        } else if (sub->tag == 1 || sub->tag == 2) {
            sub->fd = get_u32(s + 16);
            struct fd_entry *e = get_any(sub->fd, &err);
            if (e) {
                if (sub->tag == 1 && e->kind == FD_STDIN) {
                    stdin_wanted = 1;
                } else if (e->kind == FD_FILE || (sub->tag == 2 && (e->kind == FD_STDOUT ||
                                                                      e->kind == FD_STDERR))) {
                    sub->ready = 1;
                    immediate = 1;
                } else {
                    err = E_BADF;
                }
            }
        } else {
            err = E_INVAL;
        }
        if (err) {
            free(subs);
            return err;
        }
    }
    int stdin_ready = 0;
    if (immediate) {
        if (stdin_wanted) stdin_ready = wbb_os_wait_stdin(0);
    } else if (stdin_wanted) {
        stdin_ready = wbb_os_wait_stdin(earliest == UINT64_MAX ? UINT64_MAX
                                        : earliest > now ? earliest - now : 0);
    } else if (earliest > now) {
        wbb_os_sleep(earliest - now);
    }
    now = monotonic_now();
    uint32_t events = 0;
    for (uint32_t i = 0; i < count; i++) {
        struct poll_sub *sub = &subs[i];
        uint32_t ev = out + 32 * events;
        if (sub->tag == 0) {
            if (sub->deadline > now) continue;
            put_event(ev, sub->userdata, 0, 0, 0);
        } else {
            struct fd_entry *e = fd_get(sub->fd);
            if (e->kind == FD_STDIN) {
                if (!stdin_ready) continue;
                put_event(ev, sub->userdata, 1, 1, 0);
            } else if (e->kind == FD_FILE && sub->tag == 1) {
                struct wbb_filestat st;
                uint16_t err = wbb_os_fstat(e->os, &st);
                if (err) {
                    free(subs);
                    return err;
                }
                put_event(ev, sub->userdata, 1, 1, st.size <= e->position ? 1 : 0);
            } else {
                put_event(ev, sub->userdata, sub->tag, 1, 0);
            }
        }
        events++;
    }
    free(subs);
    put_u32(out_count, events);
    return E_SUCCESS;
}

/* ---- sockets: none are ever open ---- */

u32 w2c_wasi__snapshot__preview1_sock_accept(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                              u32 flags, u32 out) {
    (void)out;
    enter(w);
    if (flags & ~(uint32_t)FDFLAGS_ALL) return E_INVAL;
    GET(e, get_any(fd, &err_));
    (void)e;
    return E_NOTSOCK;
}

u32 w2c_wasi__snapshot__preview1_sock_recv(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                            u32 iovs, u32 count, u32 flags, u32 out,
                                            u32 out_flags) {
    (void)iovs;
    (void)count;
    (void)out;
    (void)out_flags;
    enter(w);
    if (flags & ~(uint32_t)3) return E_INVAL;
    GET(e, get_any(fd, &err_));
    (void)e;
    return E_NOTSOCK;
}

u32 w2c_wasi__snapshot__preview1_sock_send(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                            u32 iovs, u32 count, u32 flags, u32 out) {
    (void)iovs;
    (void)count;
    (void)out;
    enter(w);
    if (flags != 0) return E_INVAL;
    GET(e, get_any(fd, &err_));
    (void)e;
    return E_NOTSOCK;
}

u32 w2c_wasi__snapshot__preview1_sock_shutdown(struct w2c_wasi__snapshot__preview1 *w, u32 fd,
                                                u32 how) {
    enter(w);
    if (how & ~(uint32_t)3) return E_INVAL;
    GET(e, get_any(fd, &err_));
    (void)e;
    return E_NOTSOCK;
}
