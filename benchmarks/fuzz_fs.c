/* fuzz_fs: runs a script of raw WASI file system calls, one per line, for the
 * differential fuzzer (benchmarks/fuzz_fs.py writes the scripts).
 *
 * A line is an operation and its fields, separated by tabs (an empty field is an
 * empty path). S and D are descriptor slots: 0 is the preopened directory /box,
 * 1-7 what `open` put there (an empty slot is descriptor 99, which is not open).
 *
 *   open S D LOOKUPFLAGS OFLAGS FDFLAGS RIGHTS PATH   (flags and rights in hex)
 *   close S | read S N | pread S N OFF | write S TEXT | pwrite S OFF TEXT
 *   seek S OFF WHENCE | fstat S | fdstat S | setsize S N | readdir S | sync S
 *   stat D LOOKUPFLAGS PATH | mkdir D PATH | rmdir D PATH | unlink D PATH
 *   rename D PATH D2 PATH2 | link D LOOKUPFLAGS PATH D2 PATH2 | symlink TARGET D PATH
 *   readlink D PATH
 *
 * Prints one line per operation: its number and "ok ..." or "errno N" (WASI's
 * number), so that two runtimes' answers can be compared line for line. Descriptor
 * numbers, inodes and times are not printed: they may differ without being wrong.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#define SLOTS 8
#define NO_FD 99
static __wasi_fd_t slots[SLOTS];

static __wasi_fd_t slot(const char *s) {
    int i = atoi(s);
    return i >= 0 && i < SLOTS ? slots[i] : NO_FD;
}

static unsigned long long hex(const char *s) { return strtoull(s, NULL, 16); }

static int failed(__wasi_errno_t err) {
    if (err) printf("errno %u\n", (unsigned)err);
    return err != 0;
}

static void print_bytes(const uint8_t *buf, size_t n) {
    printf("ok %zu \"", n);
    for (size_t i = 0; i < n; i++) {
        if (buf[i] >= 32 && buf[i] < 127 && buf[i] != '"' && buf[i] != '\\')
            putchar(buf[i]);
        else
            printf("\\x%02x", buf[i]);
    }
    puts("\"");
}

static void print_stat(const __wasi_filestat_t *st) {
    /* Directory sizes are the host file system's; only files' sizes are compared. */
    unsigned long long size = st->filetype == __WASI_FILETYPE_DIRECTORY ? 0 : st->size;
    printf("ok type %u size %llu nlink %llu\n", (unsigned)st->filetype, size,
           (unsigned long long)st->nlink);
}

struct entry {
    char name[300];
    unsigned type;
};

static int by_name(const void *a, const void *b) {
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void readdir_all(__wasi_fd_t fd) {
    static uint8_t buf[8192];
    static struct entry entries[256];
    size_t count = 0;
    __wasi_dircookie_t cookie = 0;
    for (int rounds = 0; rounds < 64; rounds++) {
        __wasi_size_t used = 0;
        if (failed(__wasi_fd_readdir(fd, buf, sizeof buf, cookie, &used))) return;
        size_t pos = 0;
        int whole = 0;
        while (pos + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + pos, sizeof d);
            if (pos + sizeof d + d.d_namlen > used) break; /* cut off: read again */
            if (count < 256) {
                size_t n = d.d_namlen < 299 ? d.d_namlen : 299;
                memcpy(entries[count].name, buf + pos + sizeof d, n);
                entries[count].name[n] = 0;
                entries[count].type = d.d_type;
                count++;
            }
            cookie = d.d_next;
            pos += sizeof d + d.d_namlen;
            whole++;
        }
        if (used < sizeof buf) break;
        if (!whole) {
            puts("errno 0 (an entry larger than the buffer)");
            return;
        }
    }
    qsort(entries, count, sizeof entries[0], by_name);
    printf("ok %zu", count);
    for (size_t i = 0; i < count; i++) printf(" %s:%u", entries[i].name, entries[i].type);
    putchar('\n');
}

static __wasi_fd_t find_preopen(const char *name) {
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_prestat_t st;
        if (__wasi_fd_prestat_get(fd, &st) != 0) continue;
        char buf[256];
        size_t n = st.u.dir.pr_name_len;
        if (n >= sizeof buf || __wasi_fd_prestat_dir_name(fd, (uint8_t *)buf, n) != 0) continue;
        buf[n] = 0;
        if (strcmp(buf, name) == 0) return fd;
    }
    printf("no preopen %s\n", name);
    exit(2);
}

static void run(int argc, char **f) {
    const char *op = f[0];
    if (strcmp(op, "open") == 0 && argc == 8) {
        int s = atoi(f[1]);
        __wasi_fd_t fd;
        __wasi_rights_t rights = hex(f[6]);
        if (failed(__wasi_path_open(slot(f[2]), hex(f[3]), f[7], hex(f[4]), rights, rights,
                                    hex(f[5]), &fd)))
            return;
        if (s > 0 && s < SLOTS) {
            if (slots[s] != NO_FD) (void)!__wasi_fd_close(slots[s]);
            slots[s] = fd;
        }
        puts("ok");
    } else if (strcmp(op, "close") == 0 && argc == 2) {
        __wasi_fd_t fd = slot(f[1]);
        if (failed(__wasi_fd_close(fd))) return;
        for (int i = 0; i < SLOTS; i++)
            if (slots[i] == fd) slots[i] = NO_FD;
        puts("ok");
    } else if ((strcmp(op, "read") == 0 && argc == 3) || (strcmp(op, "pread") == 0 && argc == 4)) {
        uint8_t buf[512];
        size_t want = strtoul(f[2], NULL, 10);
        __wasi_iovec_t iov = {buf, want < sizeof buf ? want : sizeof buf};
        __wasi_size_t n = 0;
        __wasi_errno_t err = argc == 3 ? __wasi_fd_read(slot(f[1]), &iov, 1, &n)
                                       : __wasi_fd_pread(slot(f[1]), &iov, 1, hex(f[3]), &n);
        if (!failed(err)) print_bytes(buf, n);
    } else if ((strcmp(op, "write") == 0 && argc == 3) ||
               (strcmp(op, "pwrite") == 0 && argc == 4)) {
        const char *text = f[argc - 1];
        __wasi_ciovec_t iov = {(const uint8_t *)text, strlen(text)};
        __wasi_size_t n = 0;
        __wasi_errno_t err = argc == 3 ? __wasi_fd_write(slot(f[1]), &iov, 1, &n)
                                       : __wasi_fd_pwrite(slot(f[1]), &iov, 1, hex(f[2]), &n);
        if (!failed(err)) printf("ok %u\n", (unsigned)n);
    } else if (strcmp(op, "seek") == 0 && argc == 4) {
        __wasi_filesize_t pos = 0;
        if (!failed(__wasi_fd_seek(slot(f[1]), (__wasi_filedelta_t)strtoll(f[2], NULL, 10),
                                   (__wasi_whence_t)atoi(f[3]), &pos)))
            printf("ok %llu\n", (unsigned long long)pos);
    } else if (strcmp(op, "fstat") == 0 && argc == 2) {
        __wasi_filestat_t st;
        if (!failed(__wasi_fd_filestat_get(slot(f[1]), &st))) print_stat(&st);
    } else if (strcmp(op, "fdstat") == 0 && argc == 2) {
        __wasi_fdstat_t st;
        if (!failed(__wasi_fd_fdstat_get(slot(f[1]), &st)))
            printf("ok type %u flags %u\n", (unsigned)st.fs_filetype, (unsigned)st.fs_flags);
    } else if (strcmp(op, "setsize") == 0 && argc == 3) {
        if (!failed(__wasi_fd_filestat_set_size(slot(f[1]), strtoull(f[2], NULL, 10))))
            puts("ok");
    } else if (strcmp(op, "sync") == 0 && argc == 2) {
        if (!failed(__wasi_fd_sync(slot(f[1])))) puts("ok");
    } else if (strcmp(op, "readdir") == 0 && argc == 2) {
        readdir_all(slot(f[1]));
    } else if (strcmp(op, "stat") == 0 && argc == 4) {
        __wasi_filestat_t st;
        if (!failed(__wasi_path_filestat_get(slot(f[1]), hex(f[2]), f[3], &st))) print_stat(&st);
    } else if (strcmp(op, "mkdir") == 0 && argc == 3) {
        if (!failed(__wasi_path_create_directory(slot(f[1]), f[2]))) puts("ok");
    } else if (strcmp(op, "rmdir") == 0 && argc == 3) {
        if (!failed(__wasi_path_remove_directory(slot(f[1]), f[2]))) puts("ok");
    } else if (strcmp(op, "unlink") == 0 && argc == 3) {
        if (!failed(__wasi_path_unlink_file(slot(f[1]), f[2]))) puts("ok");
    } else if (strcmp(op, "rename") == 0 && argc == 5) {
        if (!failed(__wasi_path_rename(slot(f[1]), f[2], slot(f[3]), f[4]))) puts("ok");
    } else if (strcmp(op, "link") == 0 && argc == 6) {
        if (!failed(__wasi_path_link(slot(f[1]), hex(f[2]), f[3], slot(f[4]), f[5]))) puts("ok");
    } else if (strcmp(op, "symlink") == 0 && argc == 4) {
        if (!failed(__wasi_path_symlink(f[1], slot(f[2]), f[3]))) puts("ok");
    } else if (strcmp(op, "readlink") == 0 && argc == 3) {
        uint8_t buf[512];
        __wasi_size_t n = 0;
        if (!failed(__wasi_path_readlink(slot(f[1]), f[2], buf, sizeof buf, &n)))
            print_bytes(buf, n);
    } else {
        printf("bad line (%s, %d fields)\n", op, argc);
    }
}

int main(void) {
    for (int i = 0; i < SLOTS; i++) slots[i] = NO_FD;
    slots[0] = find_preopen("/box");
    static char line[4096];
    for (int n = 1; fgets(line, sizeof line, stdin); n++) {
        line[strcspn(line, "\n")] = 0;
        char *fields[10];
        int argc = 0;
        char *p = line;
        while (argc < 10) {
            fields[argc++] = p;
            char *tab = strchr(p, '\t');
            if (!tab) break;
            *tab = 0;
            p = tab + 1;
        }
        printf("%d %s: ", n, fields[0]);
        run(argc, fields);
        fflush(stdout);
    }
    return 0;
}
