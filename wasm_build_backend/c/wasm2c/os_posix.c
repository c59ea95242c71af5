/* The operating system under WASI on Linux and macOS.
 *
 * Paths are resolved one component at a time from the directory descriptor they
 * are relative to: each directory is opened with O_NOFOLLOW | O_DIRECTORY, `..`
 * returns to the descriptor it came from (never past the starting one), and
 * symbolic links are read and expanded here, never followed by the kernel, so
 * neither `..`, nor links, nor absolute paths, nor a tree changed during the walk
 * can reach outside. The final operation then names one entry of the last
 * directory with a *at() call that does not follow links either. */
#if !defined(_WIN32)

#if defined(__linux__)
#define _GNU_SOURCE
#else
#define _DARWIN_C_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h> /* renameat */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include "wbb_rt.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* ---- errno ---- */

static uint16_t wasi_errno(int e) {
    switch (e) {
    case 0: return 0;
    case E2BIG: return 1;
    case EACCES: return 2;
    case EAGAIN: return 6;
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK: return 6;
#endif
    case EALREADY: return 7;
    case EBADF: return 8;
    case EBUSY: return 10;
    case EDEADLK: return 16;
    case EDQUOT: return 19;
    case EEXIST: return 20;
    case EFAULT: return 21;
    case EFBIG: return 22;
    case EILSEQ: return 25;
    case EINPROGRESS: return 26;
    case EINTR: return 27;
    case EINVAL: return 28;
    case EIO: return 29;
    case EISDIR: return 31;
    case ELOOP: return 32;
    case EMFILE: return 33;
    case EMLINK: return 34;
    case ENAMETOOLONG: return 37;
    case ENFILE: return 41;
    case ENODEV: return 43;
    case ENOENT: return 44;
    case ENOMEM: return 48;
    case ENOSPC: return 51;
    case ENOSYS: return 52;
    case ENOTDIR: return 54;
    case ENOTEMPTY: return 55;
    case ENOTSUP: return 58;
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP: return 58;
#endif
    case ENOTTY: return 59;
    case ENXIO: return 60;
    case EOVERFLOW: return 61;
    case EPERM: return 63;
    case EPIPE: return 64;
    case EROFS: return 69;
    case ESPIPE: return 70;
    case ETXTBSY: return 74;
    case EXDEV: return 75;
    default: return 29; /* EIO */
    }
}

#define E_PERM 63
#define E_NOENT 44
#define E_LOOP 32
#define E_NOTDIR 54
#define E_INVAL 28
#define E_ISDIR 31
#define E_EXIST 20
#define E_NOMEM 48

static uint16_t last_error(void) {
    return wasi_errno(errno);
}

/* ---- path resolution ---- */

#define MAX_SYMLINKS 40

/* The outcome of resolving a path: the directory holding its last component, and
 * that component's name ("." when the path names a directory it walked to). */
struct resolved {
    int dir;   /* the directory: `base`, or a descriptor owned by this struct */
    int owned;
    char *name;
    int trailing_slash; /* the path ended with `/`: its entry must be a directory */
};

static void resolved_free(struct resolved *r) {
    if (r->owned) close(r->dir);
    free(r->name);
}

static uint16_t read_link(int dir, const char *name, char **out) {
    size_t cap = 256;
    for (;;) {
        char *buf = malloc(cap);
        if (!buf) return E_NOMEM;
        ssize_t n = readlinkat(dir, name, buf, cap);
        if (n < 0) {
            int e = errno;
            free(buf);
            return wasi_errno(e);
        }
        if ((size_t)n < cap) {
            buf[n] = 0;
            *out = buf;
            return 0;
        }
        free(buf);
        cap *= 2;
    }
}

static int is_symlink(int dir, const char *name) {
    struct stat st;
    return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/* `follow`: 1 expands a symbolic link in the last position, 0 does not (the
 * operation acts on the link itself), 2 expands it only if a `/` follows it. */
static uint16_t resolve(int base, const char *path, size_t len, int follow, struct resolved *out) {
    memset(out, 0, sizeof *out);
    out->dir = base;
    if (len == 0) return E_NOENT;
    if (memchr(path, 0, len)) return E_INVAL;
    if (path[0] == '/') return E_PERM;
    char *rest = malloc(len + 1);
    if (!rest) return E_NOMEM;
    memcpy(rest, path, len);
    rest[len] = 0;

    int *stack = NULL; /* descriptors opened on the way; stack[0] is `base` */
    size_t depth = 0, stack_cap = 0;
    int links = 0;
    size_t pos = 0;
    uint16_t err = 0;
#define TOP (depth == 0 ? base : stack[depth])
    for (;;) {
        while (rest[pos] == '/') pos++;
        if (rest[pos] == 0) { /* only `.`, `..` or expanded links were left */
            out->name = strdup(".");
            break;
        }
        size_t start = pos;
        while (rest[pos] && rest[pos] != '/') pos++;
        size_t end = pos, after = pos;
        int slashes = 0;
        while (rest[after] == '/') {
            after++;
            slashes = 1;
        }
        int last = rest[after] == 0;
        char saved = rest[end];
        rest[end] = 0;
        const char *comp = rest + start;
        if (strcmp(comp, ".") == 0) {
            rest[end] = saved;
            if (last) {
                out->name = strdup(".");
                out->trailing_slash = slashes;
                break;
            }
            continue;
        }
        if (strcmp(comp, "..") == 0) {
            rest[end] = saved;
            if (depth == 0) {
                err = E_PERM;
                break;
            }
            close(stack[depth--]);
            if (last) {
                out->name = strdup(".");
                out->trailing_slash = slashes;
                break;
            }
            continue;
        }
        int expand = 0;
        if (last) {
            if ((follow == 1 || (follow == 2 && slashes)) && is_symlink(TOP, comp)) {
                expand = 1;
            } else {
                out->name = strdup(comp);
                out->trailing_slash = slashes;
                break;
            }
        } else {
            int fd = openat(TOP, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0) {
                rest[end] = saved;
                if (depth + 1 >= stack_cap) {
                    size_t cap = stack_cap ? stack_cap * 2 : 8;
                    int *bigger = realloc(stack, cap * sizeof *bigger);
                    if (!bigger) {
                        close(fd);
                        err = E_NOMEM;
                        break;
                    }
                    stack = bigger;
                    stack_cap = cap;
                }
                stack[++depth] = fd;
                continue;
            }
            int e = errno;
            if ((e == ELOOP || e == ENOTDIR || e == EMLINK) && is_symlink(TOP, comp)) {
                expand = 1;
            } else {
                err = wasi_errno(e);
                break;
            }
        }
        if (expand) {
            if (++links > MAX_SYMLINKS) {
                err = E_LOOP;
                break;
            }
            char *target = NULL;
            err = read_link(TOP, comp, &target);
            if (err) break;
            if (target[0] == '/') { /* absolute: outside every sandbox */
                free(target);
                err = E_PERM;
                break;
            }
            if (target[0] == 0) {
                free(target);
                err = E_NOENT;
                break;
            }
            /* The link's target takes its place, followed by what came after it
             * (slashes included, so a trailing one still asks for a directory). */
            rest[end] = saved;
            const char *tail = rest + end;
            size_t tl = strlen(target), rl = strlen(tail);
            char *next = malloc(tl + rl + 1);
            if (!next) {
                free(target);
                err = E_NOMEM;
                break;
            }
            memcpy(next, target, tl);
            memcpy(next + tl, tail, rl + 1);
            free(target);
            free(rest);
            rest = next;
            pos = 0;
        }
    }
#undef TOP
    free(rest);
    if (!err && !out->name) err = E_NOMEM;
    if (err) {
        while (depth > 0) close(stack[depth--]);
        free(stack);
        free(out->name);
        out->name = NULL;
        return err;
    }
    for (size_t i = 1; i < depth; i++) close(stack[i]);
    if (depth > 0) {
        out->dir = stack[depth];
        out->owned = 1;
    }
    free(stack);
    return 0;
}

/* The name with its trailing slash again, for calls that never follow the last
 * component (unlink, rmdir, rename, mkdir, symlink) and check it themselves. */
static char *with_slash(const struct resolved *r) {
    size_t n = strlen(r->name);
    char *s = malloc(n + 2);
    if (!s) return NULL;
    memcpy(s, r->name, n);
    if (r->trailing_slash) s[n++] = '/';
    s[n] = 0;
    return s;
}

/* ---- descriptors ---- */

wbb_fd wbb_os_stdio(int which) {
    return which;
}

int wbb_os_isatty(wbb_fd fd) {
    return isatty((int)fd);
}

uint16_t wbb_os_open_dir(const char *host_path, wbb_fd *out) {
    int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return last_error();
    *out = fd;
    return 0;
}

void wbb_os_close(wbb_fd fd) {
    close((int)fd);
}

uint16_t wbb_os_open_at(wbb_fd dir, const char *path, size_t len, int follow, uint16_t oflags,
                        int mode, int append, wbb_fd *out, int *is_dir) {
    struct resolved r;
    uint16_t err;
    if (oflags & 1) {
        /* O_CREAT, as Linux (and so Wasmtime) decides: a path ending in `/` is EISDIR
         * before any link in it is followed, and a directory named by `.` is EEXIST
         * with O_EXCL, else EISDIR (not the EINVAL of O_CREAT | O_DIRECTORY); O_EXCL
         * never follows a link in the last position (it exists). */
        err = resolve((int)dir, path, len, 0, &r);
        if (err) return err;
        int dot = strcmp(r.name, ".") == 0;
        if (r.trailing_slash || dot) {
            resolved_free(&r);
            return dot && (oflags & 4) ? E_EXIST : E_ISDIR;
        }
        if (follow && !(oflags & 4) && is_symlink(r.dir, r.name)) {
            resolved_free(&r);
            err = resolve((int)dir, path, len, 1, &r);
        }
    } else {
        err = resolve((int)dir, path, len, follow ? 1 : 2, &r);
    }
    if (err) return err;
    int flags = O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
    if ((mode & WBB_OPEN_READ) && (mode & WBB_OPEN_WRITE))
        flags |= O_RDWR;
    else if (mode & WBB_OPEN_WRITE)
        flags |= O_WRONLY;
    else
        flags |= O_RDONLY;
    if (oflags & 1) flags |= O_CREAT;
    if (oflags & 4) flags |= O_EXCL;
    if (oflags & 8) flags |= O_TRUNC;
    if ((oflags & 2) || r.trailing_slash) flags |= O_DIRECTORY;
    if (append) flags |= O_APPEND;
    int fd = openat(r.dir, r.name, flags, 0666);
    int e = errno;
    /* A link opened without following it is ELOOP whatever else was asked, as with
     * O_NOFOLLOW alone; Linux says ENOTDIR when O_DIRECTORY is there too. */
    if (fd < 0 && e == ENOTDIR && !follow && is_symlink(r.dir, r.name)) e = ELOOP;
    resolved_free(&r);
    if (fd < 0) return wasi_errno(e);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        e = errno;
        close(fd);
        return wasi_errno(e);
    }
    *is_dir = S_ISDIR(st.st_mode);
    if (!*is_dir) {
        /* Reads and writes block, as Wasmtime's do: only FIFOs and devices cared. */
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    *out = fd;
    return 0;
}

uint16_t wbb_os_read(wbb_fd fd, void *buf, size_t n, size_t *done) {
    for (;;) {
        ssize_t got = read((int)fd, buf, n);
        if (got >= 0) {
            *done = (size_t)got;
            return 0;
        }
        if (errno != EINTR) return last_error();
    }
}

uint16_t wbb_os_write(wbb_fd fd, const void *buf, size_t n, size_t *done) {
    const char *p = buf;
    size_t left = n;
    while (left > 0) {
        ssize_t put = write((int)fd, p, left);
        if (put < 0) {
            if (errno == EINTR) continue;
            return last_error();
        }
        p += put;
        left -= (size_t)put;
    }
    *done = n;
    return 0;
}

uint16_t wbb_os_pread(wbb_fd fd, void *buf, size_t n, uint64_t offset, size_t *done) {
    if (offset > (uint64_t)INT64_MAX) return E_INVAL;
    for (;;) {
        ssize_t got = pread((int)fd, buf, n, (off_t)offset);
        if (got >= 0) {
            *done = (size_t)got;
            return 0;
        }
        if (errno != EINTR) return last_error();
    }
}

uint16_t wbb_os_pwrite(wbb_fd fd, const void *buf, size_t n, uint64_t offset, size_t *done) {
    const char *p = buf;
    size_t left = n;
    if (offset > (uint64_t)INT64_MAX) return E_INVAL;
    while (left > 0) {
        ssize_t put = pwrite((int)fd, p, left, (off_t)offset);
        if (put < 0) {
            if (errno == EINTR) continue;
            return last_error();
        }
        p += put;
        left -= (size_t)put;
        offset += (uint64_t)put;
    }
    *done = n;
    return 0;
}

uint16_t wbb_os_append(wbb_fd fd, const void *buf, size_t n, size_t *done) {
    return wbb_os_write(fd, buf, n, done); /* the descriptor has O_APPEND */
}

uint16_t wbb_os_set_append(wbb_fd fd, int append) {
    int fl = fcntl((int)fd, F_GETFL);
    if (fl < 0) return last_error();
    fl = append ? (fl | O_APPEND) : (fl & ~O_APPEND);
    return fcntl((int)fd, F_SETFL, fl) == 0 ? 0 : last_error();
}

static uint64_t timespec_ns(struct timespec ts) {
    if (ts.tv_sec < 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void filestat_of(const struct stat *st, struct wbb_filestat *out) {
    memset(out, 0, sizeof *out);
    out->dev = (uint64_t)st->st_dev;
    out->ino = (uint64_t)st->st_ino;
    switch (st->st_mode & S_IFMT) {
    case S_IFBLK: out->filetype = 1; break;
    case S_IFCHR: out->filetype = 2; break;
    case S_IFDIR: out->filetype = 3; break;
    case S_IFREG: out->filetype = 4; break;
    case S_IFSOCK: out->filetype = 6; break;
    case S_IFLNK: out->filetype = 7; break;
    default: out->filetype = 0; break;
    }
    out->nlink = (uint64_t)st->st_nlink;
    out->size = (uint64_t)st->st_size;
#if defined(__APPLE__)
    out->atim = timespec_ns(st->st_atimespec);
    out->mtim = timespec_ns(st->st_mtimespec);
    out->ctim = timespec_ns(st->st_ctimespec);
#else
    out->atim = timespec_ns(st->st_atim);
    out->mtim = timespec_ns(st->st_mtim);
    out->ctim = timespec_ns(st->st_ctim);
#endif
}

uint16_t wbb_os_fstat(wbb_fd fd, struct wbb_filestat *out) {
    struct stat st;
    if (fstat((int)fd, &st) != 0) return last_error();
    filestat_of(&st, out);
    return 0;
}

uint16_t wbb_os_stat_at(wbb_fd dir, const char *path, size_t len, int follow,
                        struct wbb_filestat *out) {
    struct resolved r;
    uint16_t err = resolve((int)dir, path, len, follow ? 1 : 2, &r);
    if (err) return err;
    struct stat st;
    int rc = fstatat(r.dir, r.name, &st, AT_SYMLINK_NOFOLLOW);
    int e = errno;
    int trailing = r.trailing_slash;
    resolved_free(&r);
    if (rc != 0) return wasi_errno(e);
    if (trailing && !S_ISDIR(st.st_mode)) return E_NOTDIR;
    filestat_of(&st, out);
    return 0;
}

uint16_t wbb_os_set_size(wbb_fd fd, uint64_t size) {
    if (size > (uint64_t)INT64_MAX) return E_INVAL;
    return ftruncate((int)fd, (off_t)size) == 0 ? 0 : last_error();
}

static void timespecs(const struct wbb_times *t, struct timespec ts[2]) {
    const enum wbb_time_mode modes[2] = {t->atim_mode, t->mtim_mode};
    const uint64_t values[2] = {t->atim, t->mtim};
    for (int i = 0; i < 2; i++) {
        ts[i].tv_sec = (time_t)(values[i] / 1000000000ull);
        ts[i].tv_nsec = (long)(values[i] % 1000000000ull);
        if (modes[i] == WBB_TIME_OMIT) ts[i].tv_nsec = UTIME_OMIT;
        if (modes[i] == WBB_TIME_NOW) ts[i].tv_nsec = UTIME_NOW;
    }
}

#if defined(__APPLE__)
/* macOS before 10.13 has neither futimens nor utimensat: microseconds through
 * futimes, with the times to keep read first. */
static int set_times_fallback(int fd, const struct wbb_times *t) {
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    struct timeval now, tv[2];
    gettimeofday(&now, NULL);
    const enum wbb_time_mode modes[2] = {t->atim_mode, t->mtim_mode};
    const uint64_t values[2] = {t->atim, t->mtim};
    const struct timespec kept[2] = {st.st_atimespec, st.st_mtimespec};
    for (int i = 0; i < 2; i++) {
        if (modes[i] == WBB_TIME_NOW) {
            tv[i] = now;
        } else if (modes[i] == WBB_TIME_SET) {
            tv[i].tv_sec = (time_t)(values[i] / 1000000000ull);
            tv[i].tv_usec = (suseconds_t)(values[i] % 1000000000ull / 1000);
        } else {
            tv[i].tv_sec = kept[i].tv_sec;
            tv[i].tv_usec = (suseconds_t)(kept[i].tv_nsec / 1000);
        }
    }
    return futimes(fd, tv);
}
#endif

uint16_t wbb_os_set_times(wbb_fd fd, const struct wbb_times *t) {
    struct timespec ts[2];
    timespecs(t, ts);
#if defined(__APPLE__)
    if (__builtin_available(macOS 10.13, *)) {
        return futimens((int)fd, ts) == 0 ? 0 : last_error();
    }
    return set_times_fallback((int)fd, t) == 0 ? 0 : last_error();
#else
    return futimens((int)fd, ts) == 0 ? 0 : last_error();
#endif
}

uint16_t wbb_os_set_times_at(wbb_fd dir, const char *path, size_t len, int follow,
                             const struct wbb_times *t) {
    struct resolved r;
    uint16_t err = resolve((int)dir, path, len, follow ? 1 : 2, &r);
    if (err) return err;
    struct stat st;
    if (r.trailing_slash && fstatat(r.dir, r.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(st.st_mode)) {
        resolved_free(&r);
        return E_NOTDIR;
    }
    struct timespec ts[2];
    timespecs(t, ts);
    int rc;
#if defined(__APPLE__)
    if (__builtin_available(macOS 10.13, *)) {
        rc = utimensat(r.dir, r.name, ts, AT_SYMLINK_NOFOLLOW);
    } else {
        int fd = openat(r.dir, r.name, O_RDONLY | O_SYMLINK | O_CLOEXEC);
        rc = fd < 0 ? -1 : set_times_fallback(fd, t);
        if (fd >= 0) {
            int e = errno;
            close(fd);
            errno = e;
        }
    }
#else
    rc = utimensat(r.dir, r.name, ts, AT_SYMLINK_NOFOLLOW);
#endif
    int e = errno;
    resolved_free(&r);
    return rc == 0 ? 0 : wasi_errno(e);
}

uint16_t wbb_os_sync(wbb_fd fd, int data_only) {
#if defined(__APPLE__)
    (void)data_only;
    return fsync((int)fd) == 0 ? 0 : last_error();
#else
    return (data_only ? fdatasync((int)fd) : fsync((int)fd)) == 0 ? 0 : last_error();
#endif
}

uint16_t wbb_os_advise(wbb_fd fd, uint64_t offset, uint64_t len, uint8_t advice) {
#if defined(__linux__)
    static const int advices[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                  POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
    if (offset > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX) return E_INVAL;
    int rc = posix_fadvise((int)fd, (off_t)offset, (off_t)len, advices[advice]);
    return (uint16_t)(rc == 0 ? 0 : wasi_errno(rc));
#else
    (void)fd;
    (void)offset;
    (void)len;
    (void)advice;
    return 0;
#endif
}

static int do_mkdir(int dir, const char *name) { return mkdirat(dir, name, 0777); }
static int do_rmdir(int dir, const char *name) { return unlinkat(dir, name, AT_REMOVEDIR); }
static int do_unlink(int dir, const char *name) { return unlinkat(dir, name, 0); }

/* The entry that rmdir, unlink, link and symlink act on, as Wasmtime finds
 * it: a path ending in `/` names the directory its last component leads to (a link
 * there is followed, and must stay inside), and the call then acts on `.` in it, so
 * that `rmdir sub/` is EINVAL, `unlink loop/` ELOOP and `symlink x file/` ENOTDIR. */
static uint16_t resolve_entry(int base, const char *path, size_t len, struct resolved *r) {
    uint16_t err = resolve(base, path, len, 2, r);
    if (err || !r->trailing_slash) return err;
    r->trailing_slash = 0;
    if (strcmp(r->name, ".") == 0) return 0;
    int fd = openat(r->dir, r->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    resolved_free(r);
    r->owned = 0;
    r->name = NULL;
    if (fd < 0) return wasi_errno(e);
    r->dir = fd;
    r->owned = 1;
    r->name = strdup(".");
    if (!r->name) {
        close(fd);
        r->owned = 0;
        return E_NOMEM;
    }
    return 0;
}

/* Runs `op(dir, name)` on the resolved entry: for mkdir with its trailing slash kept,
 * for the others as resolve_entry finds it. */
static uint16_t on_entry(wbb_fd dir, const char *path, size_t len,
                         int (*op)(int dir, const char *name)) {
    struct resolved r;
    uint16_t err = op == do_mkdir ? resolve((int)dir, path, len, 0, &r)
                                  : resolve_entry((int)dir, path, len, &r);
    if (err) return err;
    char *name = with_slash(&r);
    int rc = name ? op(r.dir, name) : -1;
    int e = name ? errno : ENOMEM;
    free(name);
    resolved_free(&r);
    return rc == 0 ? 0 : wasi_errno(e);
}

uint16_t wbb_os_mkdir_at(wbb_fd dir, const char *path, size_t len) {
    return on_entry(dir, path, len, do_mkdir);
}

uint16_t wbb_os_rmdir_at(wbb_fd dir, const char *path, size_t len) {
    return on_entry(dir, path, len, do_rmdir);
}

uint16_t wbb_os_unlink_at(wbb_fd dir, const char *path, size_t len) {
    uint16_t err = on_entry(dir, path, len, do_unlink);
#if defined(__APPLE__)
    /* macOS says EPERM for a directory, as POSIX allows; Linux's EISDIR is clearer. */
    if (err == E_PERM) {
        struct wbb_filestat st;
        if (wbb_os_stat_at(dir, path, len, 0, &st) == 0 && st.filetype == 3) err = 31;
    }
#endif
    return err;
}

/* rename and link: one entry to another, neither followed, each resolved from its own
 * preopen (so neither can name anything outside its sandbox). */
static uint16_t two_entries(wbb_fd from_dir, const char *from, size_t from_len, wbb_fd to_dir,
                            const char *to, size_t to_len,
                            int (*op)(int, const char *, int, const char *)) {
    struct resolved a, b;
    /* Wasmtime's rename leaves a trailing slash to the system's renameat (a link before
     * it is not followed); its link walks into the directory as resolve_entry does. */
    int renaming = op == renameat;
    uint16_t err = renaming ? resolve((int)from_dir, from, from_len, 0, &a)
                            : resolve_entry((int)from_dir, from, from_len, &a);
    if (err) return err;
    err = renaming ? resolve((int)to_dir, to, to_len, 0, &b)
                   : resolve_entry((int)to_dir, to, to_len, &b);
    if (err) {
        resolved_free(&a);
        return err;
    }
    char *na = with_slash(&a), *nb = with_slash(&b);
    int rc = (na && nb) ? op(a.dir, na, b.dir, nb) : -1;
    int e = (na && nb) ? errno : ENOMEM;
    free(na);
    free(nb);
    resolved_free(&a);
    resolved_free(&b);
    return rc == 0 ? 0 : wasi_errno(e);
}

static int do_link(int from_dir, const char *from, int to_dir, const char *to) {
    return linkat(from_dir, from, to_dir, to, 0);
}

uint16_t wbb_os_rename_at(wbb_fd from_dir, const char *from, size_t from_len, wbb_fd to_dir,
                          const char *to, size_t to_len) {
    return two_entries(from_dir, from, from_len, to_dir, to, to_len, renameat);
}

uint16_t wbb_os_link_at(wbb_fd from_dir, const char *from, size_t from_len, wbb_fd to_dir,
                        const char *to, size_t to_len) {
    return two_entries(from_dir, from, from_len, to_dir, to, to_len, do_link);
}

uint16_t wbb_os_symlink_at(const char *target, size_t target_len, wbb_fd dir, const char *path,
                           size_t len) {
    if (memchr(target, 0, target_len)) return E_INVAL;
    /* As Wasmtime: a link to an absolute path could only point outside the sandbox. */
    if (target_len > 0 && target[0] == '/') return E_PERM;
    char *t = malloc(target_len + 1);
    if (!t) return E_NOMEM;
    memcpy(t, target, target_len);
    t[target_len] = 0;
    struct resolved r;
    uint16_t err = resolve_entry((int)dir, path, len, &r);
    if (err) {
        free(t);
        return err;
    }
    char *name = with_slash(&r);
    int rc = name ? symlinkat(t, r.dir, name) : -1;
    int e = name ? errno : ENOMEM;
    free(name);
    free(t);
    resolved_free(&r);
    return rc == 0 ? 0 : wasi_errno(e);
}

uint16_t wbb_os_readlink_at(wbb_fd dir, const char *path, size_t len, char **out,
                            size_t *out_len) {
    struct resolved r;
    uint16_t err = resolve((int)dir, path, len, 2, &r);
    if (err) return err;
    /* With its trailing slash: `file/` is ENOTDIR, as Wasmtime says, not EINVAL. */
    char *name = with_slash(&r);
    err = name ? read_link(r.dir, name, out) : E_NOMEM;
    free(name);
    resolved_free(&r);
    if (err) return err;
    if ((*out)[0] == '/') {
        /* As Wasmtime: an absolute target points outside the sandbox, and would tell
         * the program where on the host its folder is. */
        free(*out);
        *out = NULL;
        return E_PERM;
    }
    *out_len = strlen(*out);
    return 0;
}

uint16_t wbb_os_readdir(wbb_fd dir, struct wbb_dirent **entries, size_t *count) {
    int fd = openat((int)dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return last_error();
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return wasi_errno(e);
    }
    size_t n = 0, cap = 16;
    struct wbb_dirent *list = malloc(cap * sizeof *list);
    uint16_t err = list ? 0 : E_NOMEM;
    while (!err) {
        errno = 0;
        struct dirent *ent = readdir(d);
        if (!ent) {
            if (errno) err = last_error();
            break;
        }
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) continue;
        struct stat st;
        if (fstatat(fd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) continue; /* removed meanwhile */
            err = last_error();
            break;
        }
        if (n == cap) {
            cap *= 2;
            struct wbb_dirent *bigger = realloc(list, cap * sizeof *list);
            if (!bigger) {
                err = E_NOMEM;
                break;
            }
            list = bigger;
        }
        struct wbb_filestat fs;
        filestat_of(&st, &fs);
        list[n].name = strdup(ent->d_name);
        list[n].type = fs.filetype;
        list[n].dev = fs.dev;
        list[n].ino = fs.ino;
        if (!list[n].name) {
            err = E_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (err) {
        for (size_t i = 0; i < n; i++) free(list[i].name);
        free(list);
        return err;
    }
    *entries = list;
    *count = n;
    return 0;
}

/* ---- clocks, randomness, waiting ---- */

uint16_t wbb_os_clock_time(uint32_t clock, uint64_t *ns) {
    struct timespec ts;
    if (clock_gettime(clock == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts) != 0) return last_error();
    *ns = timespec_ns(ts);
    return 0;
}

uint16_t wbb_os_clock_res(uint32_t clock, uint64_t *ns) {
    struct timespec ts;
    if (clock_getres(clock == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts) != 0) return last_error();
    *ns = timespec_ns(ts);
    if (*ns == 0) *ns = 1;
    return 0;
}

void wbb_os_random(void *buf, size_t n) {
    unsigned char *p = buf;
    while (n > 0) {
        size_t chunk = n > 256 ? 256 : n;
#if defined(__APPLE__)
        arc4random_buf(p, chunk);
#else
        ssize_t got = getrandom(p, chunk, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            wbb_fail(1, "cannot get random bytes");
        }
        chunk = (size_t)got;
#endif
        p += chunk;
        n -= chunk;
    }
}

void wbb_os_sleep(uint64_t ns) {
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000ull);
    ts.tv_nsec = (long)(ns % 1000000000ull);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int wbb_os_wait_stdin(uint64_t timeout_ns) {
    struct pollfd p = {0, POLLIN, 0};
    int ms = timeout_ns == UINT64_MAX ? -1
             : timeout_ns / 1000000ull > 1000000000ull ? 1000000000
                                                       : (int)((timeout_ns + 999999ull) / 1000000ull);
    for (;;) {
        int rc = poll(&p, 1, ms);
        if (rc >= 0) return rc > 0;
        if (errno != EINTR) return 1; /* let the read report the error */
    }
}

#endif
