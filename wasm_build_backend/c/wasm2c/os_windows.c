/* The operating system under WASI on Windows.
 *
 * Paths are resolved one component at a time, each opened with NtCreateFile relative
 * to the directory handle before it (never by a path string the Win32 layer would
 * interpret), with FILE_OPEN_REPARSE_POINT so that no symbolic link or junction is
 * followed by the system: links are read and expanded here, `..` returns to the
 * handle it came from and never past the starting one, and absolute paths, absolute
 * link targets, drive letters, alternate data streams and backslashes are refused.
 * The final operation acts on one entry of the last directory, again by handle. */
#if defined(_WIN32)

#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602 /* GetFileInformationByHandleEx, symbolic links */
#endif
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <winternl.h>

#include <stdlib.h>
#include <string.h>

#include "wbb_rt.h"

#ifndef STATUS_SUCCESS
#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#endif
#define WBB_STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034L)
#define WBB_STATUS_OBJECT_PATH_NOT_FOUND ((NTSTATUS)0xC000003AL)
#define WBB_STATUS_OBJECT_NAME_COLLISION ((NTSTATUS)0xC0000035L)
#define WBB_STATUS_OBJECT_NAME_INVALID ((NTSTATUS)0xC0000033L)
#define WBB_STATUS_NOT_A_DIRECTORY ((NTSTATUS)0xC0000103L)
#define WBB_STATUS_FILE_IS_A_DIRECTORY ((NTSTATUS)0xC00000BAL)
#define WBB_STATUS_DIRECTORY_NOT_EMPTY ((NTSTATUS)0xC0000101L)
#define WBB_STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#define WBB_STATUS_DELETE_PENDING ((NTSTATUS)0xC0000056L)
#define WBB_STATUS_SHARING_VIOLATION ((NTSTATUS)0xC0000043L)
#define WBB_STATUS_CANNOT_DELETE ((NTSTATUS)0xC0000121L)
#define WBB_STATUS_NOT_SAME_DEVICE ((NTSTATUS)0xC00000D4L)
#define WBB_STATUS_STOPPED_ON_SYMLINK ((NTSTATUS)0x8000002DL)
#define WBB_STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define WBB_STATUS_PRIVILEGE_NOT_HELD ((NTSTATUS)0xC0000061L)

#define WBB_FILE_RENAME_INFORMATION 10
#define WBB_FILE_LINK_INFORMATION 11
#define WBB_FILE_DISPOSITION_INFORMATION 13

#ifndef IO_REPARSE_TAG_SYMLINK
#define IO_REPARSE_TAG_SYMLINK 0xA000000CL
#endif
#ifndef IO_REPARSE_TAG_MOUNT_POINT
#define IO_REPARSE_TAG_MOUNT_POINT 0xA0000003L
#endif
#ifndef FSCTL_GET_REPARSE_POINT
#define FSCTL_GET_REPARSE_POINT 0x000900A8
#endif
#ifndef SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE
#define SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE 0x2
#endif
#define WBB_SYMLINK_FLAG_RELATIVE 1

BOOLEAN NTAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom, advapi32 */

/* FILE_RENAME_INFORMATION and FILE_LINK_INFORMATION share this layout. */
struct wbb_name_info {
    BOOLEAN replace;
    HANDLE root;
    ULONG length;
    WCHAR name[1];
};

struct wbb_reparse {
    ULONG tag;
    USHORT length;
    USHORT reserved;
    USHORT substitute_offset, substitute_length, print_offset, print_length;
    ULONG flags; /* symbolic links only */
    WCHAR buffer[1];
};

/* ---- errors ---- */

static uint16_t from_win32(DWORD e) {
    switch (e) {
    case ERROR_SUCCESS: return 0;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_INVALID_DRIVE: return 44; /* NOENT */
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION: return 2; /* ACCES */
    case ERROR_PRIVILEGE_NOT_HELD: return 63; /* PERM */
    case ERROR_INVALID_HANDLE: return 8;      /* BADF */
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY: return 48; /* NOMEM */
    case ERROR_DIR_NOT_EMPTY: return 55;
    case ERROR_NOT_READY:
    case ERROR_BUSY: return 10;
    case ERROR_NOT_SUPPORTED: return 58;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return 20;
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA: return 64; /* PIPE */
    case ERROR_BUFFER_OVERFLOW:
    case ERROR_FILENAME_EXCED_RANGE: return 37;
    case ERROR_NOT_A_REPARSE_POINT:
    case ERROR_NEGATIVE_SEEK:
    case ERROR_INVALID_PARAMETER: return 28; /* INVAL */
    case ERROR_DIRECTORY: return 54;           /* NOTDIR */
    case ERROR_STOPPED_ON_SYMLINK:
    case ERROR_CANT_RESOLVE_FILENAME: return 32; /* LOOP */
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: return 51;
    case ERROR_NOT_SAME_DEVICE: return 75; /* XDEV */
    case ERROR_WRITE_PROTECT: return 69;   /* ROFS */
    case ERROR_DIRECTORY_NOT_SUPPORTED: return 31;
    default: return 29; /* IO */
    }
}

static uint16_t last_error(void) {
    return from_win32(GetLastError());
}

static uint16_t from_status(NTSTATUS s) {
    switch (s) {
    case STATUS_SUCCESS: return 0;
    case WBB_STATUS_OBJECT_NAME_NOT_FOUND:
    case WBB_STATUS_OBJECT_PATH_NOT_FOUND:
    case WBB_STATUS_DELETE_PENDING: return 44;
    case WBB_STATUS_OBJECT_NAME_COLLISION: return 20;
    case WBB_STATUS_OBJECT_NAME_INVALID: return 44;
    case WBB_STATUS_NOT_A_DIRECTORY: return 54;
    case WBB_STATUS_FILE_IS_A_DIRECTORY: return 31;
    case WBB_STATUS_DIRECTORY_NOT_EMPTY: return 55;
    case WBB_STATUS_ACCESS_DENIED:
    case WBB_STATUS_SHARING_VIOLATION:
    case WBB_STATUS_CANNOT_DELETE: return 2;
    case WBB_STATUS_NOT_SAME_DEVICE: return 75;
    case WBB_STATUS_STOPPED_ON_SYMLINK: return 32;
    case WBB_STATUS_PRIVILEGE_NOT_HELD: return 63;
    case WBB_STATUS_INVALID_PARAMETER: return 28;
    default: return from_win32(RtlNtStatusToDosError(s));
    }
}

#define E_PERM 63
#define E_NOENT 44
#define E_LOOP 32
#define E_NOTDIR 54
#define E_INVAL 28
#define E_NOMEM 48
#define E_ISDIR 31
#define E_EXIST 20

/* ---- names ---- */

static WCHAR *wide(const char *s, size_t n, ULONG *bytes) {
    int count = n ? MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, NULL, 0) : 0;
    if (n && count <= 0) return NULL;
    WCHAR *w = malloc(((size_t)count + 1) * sizeof(WCHAR));
    if (!w) return NULL;
    if (count) MultiByteToWideChar(CP_UTF8, 0, s, (int)n, w, count);
    w[count] = 0;
    if (bytes) *bytes = (ULONG)count * sizeof(WCHAR);
    return w;
}

static char *narrow(const WCHAR *w, size_t count, size_t *len) {
    int n = count ? WideCharToMultiByte(CP_UTF8, 0, w, (int)count, NULL, 0, NULL, NULL) : 0;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    if (n) WideCharToMultiByte(CP_UTF8, 0, w, (int)count, s, n, NULL, NULL);
    s[n] = 0;
    if (len) *len = (size_t)n;
    return s;
}

/* A component Windows would read as more than a name: a stream (`a:b`) or a
 * wildcard. Refused rather than passed on. */
static int bad_component(const char *c) {
    for (; *c; c++)
        if (strchr("\\:*?\"<>|", *c) || (unsigned char)*c < 32) return 1;
    return 0;
}

/* NtCreateFile of `name` (UTF-8, one component, "" for the directory itself) relative
 * to `dir`, never following a reparse point. */
static NTSTATUS open_rel(HANDLE dir, const char *name, ACCESS_MASK access, ULONG disposition,
                         ULONG options, HANDLE *out) {
    ULONG bytes = 0;
    WCHAR *w = wide(name, strlen(name), &bytes);
    if (!w) return WBB_STATUS_OBJECT_NAME_INVALID;
    UNICODE_STRING us;
    us.Buffer = w;
    us.Length = (USHORT)bytes;
    us.MaximumLength = (USHORT)bytes;
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, &us, OBJ_CASE_INSENSITIVE, dir, NULL);
    IO_STATUS_BLOCK iosb;
    NTSTATUS s = NtCreateFile(out, access | SYNCHRONIZE, &oa, &iosb, NULL, FILE_ATTRIBUTE_NORMAL,
                              FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, disposition,
                              options | FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_REPARSE_POINT |
                                  FILE_OPEN_FOR_BACKUP_INTENT,
                              NULL, 0);
    free(w);
    return s;
}

static DWORD attributes(HANDLE h) {
    FILE_BASIC_INFO basic;
    if (!GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic)) return 0;
    return basic.FileAttributes;
}

/* Whether an open handle is a symbolic link or junction (a name for another path).
 * The reparse tag is asked for only when there is one: asking reads the file on some
 * systems (Wine), which updates its access time. */
static int is_link(HANDLE h) {
    if (!(attributes(h) & FILE_ATTRIBUTE_REPARSE_POINT)) return 0;
    FILE_ATTRIBUTE_TAG_INFO tag;
    if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag, sizeof tag)) return 0;
    return tag.ReparseTag == IO_REPARSE_TAG_SYMLINK || tag.ReparseTag == IO_REPARSE_TAG_MOUNT_POINT;
}

static int is_dir_handle(HANDLE h) {
    return (attributes(h) & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

/* The link's target with `/` separators; *absolute when it names a drive or root. */
static uint16_t link_target(HANDLE h, char **out, int *absolute) {
    union {
        struct wbb_reparse r;
        unsigned char raw[MAXIMUM_REPARSE_DATA_BUFFER_SIZE];
    } buf;
    DWORD got = 0;
    if (!DeviceIoControl(h, FSCTL_GET_REPARSE_POINT, NULL, 0, &buf, sizeof buf, &got, NULL))
        return last_error();
    const WCHAR *name;
    size_t len;
    int relative = 0;
    if (buf.r.tag == IO_REPARSE_TAG_SYMLINK) {
        name = buf.r.buffer + buf.r.substitute_offset / sizeof(WCHAR);
        len = buf.r.substitute_length / sizeof(WCHAR);
        relative = (buf.r.flags & WBB_SYMLINK_FLAG_RELATIVE) != 0;
    } else if (buf.r.tag == IO_REPARSE_TAG_MOUNT_POINT) {
        /* A junction has no flags field: its names start where `flags` is. */
        const WCHAR *names = (const WCHAR *)((const unsigned char *)&buf.r.flags);
        name = names + buf.r.substitute_offset / sizeof(WCHAR);
        len = buf.r.substitute_length / sizeof(WCHAR);
    } else {
        return E_INVAL;
    }
    char *s = narrow(name, len, NULL);
    if (!s) return E_NOMEM;
    for (char *p = s; *p; p++)
        if (*p == '\\') *p = '/';
    *absolute = !relative || s[0] == '/' || (s[0] && s[1] == ':');
    *out = s;
    return 0;
}

struct resolved {
    HANDLE dir; /* the directory holding the last component */
    int owned;
    char *name; /* "." for the directory itself */
    int trailing_slash;
};

static void resolved_free(struct resolved *r) {
    if (r->owned) CloseHandle(r->dir);
    free(r->name);
}

#define MAX_SYMLINKS 40

/* As os_posix.c's resolve: `follow` 1 expands a link in the last position, 0 does
 * not, 2 only when a `/` follows it. */
static uint16_t resolve(HANDLE base, const char *path, size_t len, int follow, struct resolved *out) {
    memset(out, 0, sizeof *out);
    out->dir = base;
    if (len == 0) return E_NOENT;
    if (memchr(path, 0, len)) return E_INVAL;
    /* As Wasmtime on Windows: `\` separates too; a root or a drive is absolute. */
    if (path[0] == '/' || path[0] == '\\' || (len > 1 && path[1] == ':')) return E_PERM;
    char *rest = malloc(len + 1);
    if (!rest) return E_NOMEM;
    memcpy(rest, path, len);
    rest[len] = 0;
    for (char *p = rest; *p; p++)
        if (*p == '\\') *p = '/';
    HANDLE *stack = NULL;
    size_t depth = 0, cap = 0;
    int links = 0;
    size_t pos = 0;
    uint16_t err = 0;
#define TOP (depth == 0 ? base : stack[depth])
    for (;;) {
        while (rest[pos] == '/') pos++;
        if (rest[pos] == 0) {
            out->name = _strdup(".");
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
        if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
            int up = comp[1] == '.';
            rest[end] = saved;
            if (up) {
                if (depth == 0) {
                    err = E_PERM;
                    break;
                }
                CloseHandle(stack[depth--]);
            }
            if (last) {
                out->name = _strdup(".");
                out->trailing_slash = slashes;
                break;
            }
            continue;
        }
        if (bad_component(comp)) {
            err = E_NOENT;
            break;
        }
        HANDLE h = NULL;
        NTSTATUS s = open_rel(TOP, comp, FILE_READ_ATTRIBUTES | FILE_TRAVERSE | FILE_LIST_DIRECTORY,
                              FILE_OPEN, 0, &h);
        int link = s == STATUS_SUCCESS && is_link(h);
        if (last && !(link && (follow == 1 || (follow == 2 && slashes)))) {
            if (s == STATUS_SUCCESS) CloseHandle(h);
            out->name = _strdup(comp);
            out->trailing_slash = slashes;
            break;
        }
        if (s != STATUS_SUCCESS) {
            err = from_status(s);
            break;
        }
        if (!link) {
            if (!is_dir_handle(h)) {
                CloseHandle(h);
                err = E_NOTDIR;
                break;
            }
            rest[end] = saved;
            if (depth + 1 >= cap) {
                size_t ncap = cap ? cap * 2 : 8;
                HANDLE *bigger = realloc(stack, ncap * sizeof *bigger);
                if (!bigger) {
                    CloseHandle(h);
                    err = E_NOMEM;
                    break;
                }
                stack = bigger;
                cap = ncap;
            }
            stack[++depth] = h;
            continue;
        }
        /* A link: its target takes its place. */
        char *target = NULL;
        int absolute = 0;
        err = link_target(h, &target, &absolute);
        CloseHandle(h);
        if (err) break;
        if (++links > MAX_SYMLINKS) {
            free(target);
            err = E_LOOP;
            break;
        }
        if (absolute) {
            free(target);
            err = E_PERM;
            break;
        }
        if (!target[0]) {
            free(target);
            err = E_NOENT;
            break;
        }
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
#undef TOP
    free(rest);
    if (!err && !out->name) err = E_NOMEM;
    if (err) {
        while (depth > 0) CloseHandle(stack[depth--]);
        free(stack);
        free(out->name);
        out->name = NULL;
        return err;
    }
    for (size_t i = 1; i < depth; i++) CloseHandle(stack[i]);
    if (depth > 0) {
        out->dir = stack[depth];
        out->owned = 1;
    }
    free(stack);
    return 0;
}

/* The resolved entry opened for `access`; "." names the directory itself. */
static NTSTATUS open_entry(const struct resolved *r, ACCESS_MASK access, ULONG disposition,
                           ULONG options, HANDLE *out) {
    return open_rel(r->dir, strcmp(r->name, ".") == 0 ? "" : r->name, access, disposition, options,
                    out);
}

/* ---- descriptors ---- */

wbb_fd wbb_os_stdio(int which) {
    static const DWORD ids[] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    return (wbb_fd)GetStdHandle(ids[which]);
}

int wbb_os_isatty(wbb_fd fd) {
    DWORD mode;
    return GetFileType((HANDLE)fd) == FILE_TYPE_CHAR && GetConsoleMode((HANDLE)fd, &mode);
}

uint16_t wbb_os_open_dir(const char *host_path, wbb_fd *out) {
    WCHAR *w = wide(host_path, strlen(host_path), NULL);
    if (!w) return E_NOENT;
    HANDLE h = CreateFileW(w, FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES |
                                  FILE_WRITE_ATTRIBUTES | SYNCHRONIZE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) return last_error();
    if (!is_dir_handle(h)) {
        CloseHandle(h);
        return E_NOTDIR;
    }
    *out = (wbb_fd)h;
    return 0;
}

void wbb_os_close(wbb_fd fd) {
    CloseHandle((HANDLE)fd);
}

uint16_t wbb_os_open_at(wbb_fd dir, const char *path, size_t len, int follow, uint16_t oflags,
                        int mode, int append, wbb_fd *out, int *is_dir) {
    (void)append; /* appends are written at the end by wbb_os_append */
    struct resolved r;
    uint16_t err = resolve((HANDLE)dir, path, len, follow ? 1 : 2, &r);
    if (err) return err;
    ULONG disposition = FILE_OPEN;
    if ((oflags & 1) && (oflags & 4))
        disposition = FILE_CREATE;
    else if ((oflags & 1) && (oflags & 8))
        disposition = FILE_OVERWRITE_IF;
    else if (oflags & 1)
        disposition = FILE_OPEN_IF;
    else if (oflags & 8)
        disposition = FILE_OVERWRITE;
    ACCESS_MASK access = FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES;
    if (mode & WBB_OPEN_READ) access |= GENERIC_READ;
    if (mode & WBB_OPEN_WRITE) access |= GENERIC_WRITE;
    int want_dir = (oflags & 2) || r.trailing_slash;
    HANDLE h = NULL;
    NTSTATUS s;
    if (want_dir) {
        s = open_entry(&r, FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES |
                               FILE_WRITE_ATTRIBUTES,
                       FILE_OPEN, FILE_DIRECTORY_FILE, &h);
    } else {
        s = open_entry(&r, access, disposition, FILE_NON_DIRECTORY_FILE, &h);
        if (s == WBB_STATUS_FILE_IS_A_DIRECTORY) {
            /* A directory: open as one, if nothing asked for writing it. */
            if ((mode & WBB_OPEN_WRITE) || (oflags & (1 | 8))) {
                resolved_free(&r);
                return E_ISDIR;
            }
            s = open_entry(&r, FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES |
                                   FILE_WRITE_ATTRIBUTES,
                           FILE_OPEN, FILE_DIRECTORY_FILE, &h);
        }
    }
    resolved_free(&r);
    if (s != STATUS_SUCCESS) return from_status(s);
    if (want_dir && (mode & WBB_OPEN_WRITE) && is_dir_handle(h)) { /* as POSIX open() */
        CloseHandle(h);
        return E_ISDIR;
    }
    if (is_link(h)) { /* not followed: as O_NOFOLLOW gives ELOOP */
        CloseHandle(h);
        return E_LOOP;
    }
    *is_dir = is_dir_handle(h);
    *out = (wbb_fd)h;
    return 0;
}

uint16_t wbb_os_read(wbb_fd fd, void *buf, size_t n, size_t *done) {
    DWORD got = 0;
    if (!ReadFile((HANDLE)fd, buf, (DWORD)(n > 0x40000000 ? 0x40000000 : n), &got, NULL)) {
        DWORD e = GetLastError();
        if (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF) {
            *done = 0;
            return 0;
        }
        return from_win32(e);
    }
    *done = got;
    return 0;
}

/* A console takes UTF-16: the UTF-8 the program writes is converted, holding back the
 * start of a character split across writes (as Rust's standard library does for
 * Wasmtime). */
static uint16_t console_write(HANDLE h, const char *p, size_t n) {
    static struct {
        HANDLE h;
        char bytes[4];
        size_t count;
    } carry[2];
    size_t slot = h == GetStdHandle(STD_ERROR_HANDLE) ? 1 : 0;
    if (carry[slot].h != h) {
        carry[slot].h = h;
        carry[slot].count = 0;
    }
    while (n > 0) {
        char chunk[8192];
        size_t len = carry[slot].count;
        memcpy(chunk, carry[slot].bytes, len);
        size_t take = n < sizeof chunk - len ? n : sizeof chunk - len;
        memcpy(chunk + len, p, take);
        p += take;
        n -= take;
        len += take;
        /* Keep back an incomplete last character. */
        size_t keep = 0;
        for (size_t back = 1; back <= 3 && back <= len; back++) {
            unsigned char c = (unsigned char)chunk[len - back];
            if ((c & 0xc0) == 0x80) continue;
            size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            if (need > back) keep = back;
            break;
        }
        memcpy(carry[slot].bytes, chunk + len - keep, keep);
        carry[slot].count = keep;
        len -= keep;
        if (len == 0) continue;
        WCHAR wide_buf[8192];
        int count = MultiByteToWideChar(CP_UTF8, 0, chunk, (int)len, wide_buf, 8192);
        for (int done_w = 0; done_w < count;) {
            DWORD put = 0;
            if (!WriteConsoleW(h, wide_buf + done_w, (DWORD)(count - done_w), &put, NULL))
                return last_error();
            done_w += (int)put;
        }
    }
    return 0;
}

uint16_t wbb_os_write(wbb_fd fd, const void *buf, size_t n, size_t *done) {
    DWORD console_mode;
    if (GetConsoleMode((HANDLE)fd, &console_mode)) {
        uint16_t err = console_write((HANDLE)fd, buf, n);
        if (!err) *done = n;
        return err;
    }
    const char *p = buf;
    size_t left = n;
    while (left > 0) {
        DWORD put = 0;
        if (!WriteFile((HANDLE)fd, p, (DWORD)(left > 0x40000000 ? 0x40000000 : left), &put, NULL))
            return last_error();
        p += put;
        left -= put;
    }
    *done = n;
    return 0;
}

uint16_t wbb_os_pread(wbb_fd fd, void *buf, size_t n, uint64_t offset, size_t *done) {
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.Offset = (DWORD)offset;
    ov.OffsetHigh = (DWORD)(offset >> 32);
    DWORD got = 0;
    if (!ReadFile((HANDLE)fd, buf, (DWORD)(n > 0x40000000 ? 0x40000000 : n), &got, &ov)) {
        DWORD e = GetLastError();
        if (e == ERROR_HANDLE_EOF) {
            *done = 0;
            return 0;
        }
        if (e == ERROR_ACCESS_DENIED) return 8; /* not open for reading: BADF, as POSIX */
        return from_win32(e);
    }
    *done = got;
    return 0;
}

static uint16_t write_at(HANDLE h, const void *buf, size_t n, DWORD low, DWORD high,
                         size_t *done) {
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.Offset = low;
    ov.OffsetHigh = high;
    DWORD put = 0;
    if (!WriteFile(h, buf, (DWORD)(n > 0x40000000 ? 0x40000000 : n), &put, &ov)) {
        DWORD e = GetLastError();
        if (e == ERROR_ACCESS_DENIED) return 8; /* not open for writing: BADF, as POSIX */
        return from_win32(e);
    }
    *done = put;
    return 0;
}

uint16_t wbb_os_pwrite(wbb_fd fd, const void *buf, size_t n, uint64_t offset, size_t *done) {
    size_t total = 0;
    const char *p = buf;
    while (total < n) {
        size_t put = 0;
        uint64_t at = offset + total;
        uint16_t err = write_at((HANDLE)fd, p + total, n - total, (DWORD)at, (DWORD)(at >> 32), &put);
        if (err) return err;
        if (put == 0) break;
        total += put;
    }
    *done = total;
    return 0;
}

uint16_t wbb_os_append(wbb_fd fd, const void *buf, size_t n, size_t *done) {
    size_t total = 0;
    const char *p = buf;
    while (total < n) {
        size_t put = 0;
        /* Offset 0xFFFFFFFF:0xFFFFFFFF writes at the end of the file. */
        uint16_t err = write_at((HANDLE)fd, p + total, n - total, 0xFFFFFFFFu, 0xFFFFFFFFu, &put);
        if (err) return err;
        if (put == 0) break;
        total += put;
    }
    *done = total;
    return 0;
}

uint16_t wbb_os_set_append(wbb_fd fd, int append) {
    (void)fd;
    (void)append;
    return 0;
}

static uint64_t ns_from_filetime(FILETIME ft) {
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    const uint64_t unix_epoch = 116444736000000000ull; /* 1970-01-01 in 100 ns since 1601 */
    return t < unix_epoch ? 0 : (t - unix_epoch) * 100;
}

static FILETIME filetime_from_ns(uint64_t ns) {
    uint64_t t = ns / 100 + 116444736000000000ull;
    FILETIME ft;
    ft.dwLowDateTime = (DWORD)t;
    ft.dwHighDateTime = (DWORD)(t >> 32);
    return ft;
}

uint16_t wbb_os_fstat(wbb_fd fd, struct wbb_filestat *st) {
    HANDLE h = (HANDLE)fd;
    memset(st, 0, sizeof *st);
    BY_HANDLE_FILE_INFORMATION info;
    if (!GetFileInformationByHandle(h, &info)) {
        /* Not a file: a console or a pipe. (GetFileType only now: on Wine it
         * updates a file's access time.) */
        DWORD type = GetFileType(h);
        if (type == FILE_TYPE_CHAR) st->filetype = 2;
        return type == FILE_TYPE_CHAR || type == FILE_TYPE_PIPE ? 0 : last_error();
    }
    st->dev = info.dwVolumeSerialNumber;
    st->ino = ((uint64_t)info.nFileIndexHigh << 32) | info.nFileIndexLow;
    st->nlink = info.nNumberOfLinks;
    st->size = ((uint64_t)info.nFileSizeHigh << 32) | info.nFileSizeLow;
    st->atim = ns_from_filetime(info.ftLastAccessTime);
    st->mtim = ns_from_filetime(info.ftLastWriteTime);
    st->ctim = ns_from_filetime(info.ftLastWriteTime);
    FILE_BASIC_INFO basic;
    if (GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic)) {
        FILETIME ft;
        ft.dwLowDateTime = (DWORD)basic.ChangeTime.QuadPart;
        ft.dwHighDateTime = (DWORD)((uint64_t)basic.ChangeTime.QuadPart >> 32);
        if (basic.ChangeTime.QuadPart) st->ctim = ns_from_filetime(ft);
    }
    if (is_link(h))
        st->filetype = 7;
    else if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        st->filetype = 3;
    else
        st->filetype = 4;
    return 0;
}

uint16_t wbb_os_stat_at(wbb_fd dir, const char *path, size_t len, int follow,
                        struct wbb_filestat *st) {
    struct resolved r;
    uint16_t err = resolve((HANDLE)dir, path, len, follow ? 1 : 2, &r);
    if (err) return err;
    HANDLE h;
    NTSTATUS s = open_entry(&r, FILE_READ_ATTRIBUTES, FILE_OPEN, 0, &h);
    int trailing = r.trailing_slash;
    resolved_free(&r);
    if (s != STATUS_SUCCESS) return from_status(s);
    err = wbb_os_fstat((wbb_fd)h, st);
    CloseHandle(h);
    if (!err && trailing && st->filetype != 3) return E_NOTDIR;
    return err;
}

uint16_t wbb_os_set_size(wbb_fd fd, uint64_t size) {
    FILE_END_OF_FILE_INFO eof;
    eof.EndOfFile.QuadPart = (LONGLONG)size;
    if (!SetFileInformationByHandle((HANDLE)fd, FileEndOfFileInfo, &eof, sizeof eof)) {
        DWORD e = GetLastError();
        return e == ERROR_ACCESS_DENIED ? E_INVAL : from_win32(e);
    }
    return 0;
}

static uint16_t set_times_handle(HANDLE h, const struct wbb_times *t) {
    /* A time left alone is written back as it is: some systems (Wine) otherwise
     * touch it. */
    FILETIME now, a, m;
    if (!GetFileTime(h, NULL, &a, &m)) return last_error();
    GetSystemTimeAsFileTime(&now);
    if (t->atim_mode != WBB_TIME_OMIT) a = t->atim_mode == WBB_TIME_NOW ? now : filetime_from_ns(t->atim);
    if (t->mtim_mode != WBB_TIME_OMIT) m = t->mtim_mode == WBB_TIME_NOW ? now : filetime_from_ns(t->mtim);
    if (!SetFileTime(h, NULL, &a, &m)) return last_error();
    return 0;
}

uint16_t wbb_os_set_times(wbb_fd fd, const struct wbb_times *t) {
    return set_times_handle((HANDLE)fd, t);
}

uint16_t wbb_os_set_times_at(wbb_fd dir, const char *path, size_t len, int follow,
                             const struct wbb_times *t) {
    struct resolved r;
    uint16_t err = resolve((HANDLE)dir, path, len, follow ? 1 : 2, &r);
    if (err) return err;
    HANDLE h;
    NTSTATUS s = open_entry(&r, FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, FILE_OPEN, 0, &h);
    int trailing = r.trailing_slash;
    resolved_free(&r);
    if (s != STATUS_SUCCESS) return from_status(s);
    if (trailing && !is_dir_handle(h)) {
        CloseHandle(h);
        return E_NOTDIR;
    }
    err = set_times_handle(h, t);
    CloseHandle(h);
    return err;
}

uint16_t wbb_os_sync(wbb_fd fd, int data_only) {
    (void)data_only;
    if (!FlushFileBuffers((HANDLE)fd) && GetLastError() != ERROR_ACCESS_DENIED) return last_error();
    return 0;
}

uint16_t wbb_os_advise(wbb_fd fd, uint64_t offset, uint64_t len, uint8_t advice) {
    (void)fd;
    (void)offset;
    (void)len;
    (void)advice;
    return 0;
}

uint16_t wbb_os_mkdir_at(wbb_fd dir, const char *path, size_t len) {
    struct resolved r;
    uint16_t err = resolve((HANDLE)dir, path, len, 0, &r);
    if (err) return err;
    HANDLE h;
    NTSTATUS s = strcmp(r.name, ".") == 0
                     ? WBB_STATUS_OBJECT_NAME_COLLISION
                     : open_entry(&r, FILE_LIST_DIRECTORY, FILE_CREATE, FILE_DIRECTORY_FILE, &h);
    resolved_free(&r);
    if (s != STATUS_SUCCESS) return from_status(s);
    CloseHandle(h);
    return 0;
}

/* Deletes the entry (a directory when `dir_wanted`, else anything but one). */
static uint16_t remove_entry(wbb_fd dir, const char *path, size_t len, int dir_wanted) {
    struct resolved r;
    uint16_t err = resolve((HANDLE)dir, path, len, 0, &r);
    if (err) return err;
    if (strcmp(r.name, ".") == 0) {
        resolved_free(&r);
        return dir_wanted ? E_INVAL : E_ISDIR;
    }
    HANDLE h;
    NTSTATUS s = open_entry(&r, DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, FILE_OPEN, 0,
                            &h);
    int trailing = r.trailing_slash;
    resolved_free(&r);
    if (s != STATUS_SUCCESS) return from_status(s);
    int link = is_link(h), is_dir = is_dir_handle(h);
    if (dir_wanted && (link || !is_dir))
        err = E_NOTDIR;
    else if (!dir_wanted && is_dir && !link)
        err = E_ISDIR;
    else if (!dir_wanted && trailing)
        err = E_NOTDIR;
    if (!err) {
        FILE_DISPOSITION_INFO d;
        d.DeleteFile = TRUE;
        if (!SetFileInformationByHandle(h, FileDispositionInfo, &d, sizeof d)) {
            DWORD e = GetLastError();
            err = e == ERROR_ACCESS_DENIED && !dir_wanted ? 2 : from_win32(e);
        }
    }
    CloseHandle(h);
    return err;
}

uint16_t wbb_os_rmdir_at(wbb_fd dir, const char *path, size_t len) {
    return remove_entry(dir, path, len, 1);
}

uint16_t wbb_os_unlink_at(wbb_fd dir, const char *path, size_t len) {
    return remove_entry(dir, path, len, 0);
}

/* Renames or hard-links (`info_class`) the entry to a name in another directory,
 * both by handle. */
static uint16_t move_entry(wbb_fd from_dir, const char *from, size_t from_len, wbb_fd to_dir,
                           const char *to, size_t to_len, int info_class) {
    struct resolved a, b;
    uint16_t err = resolve((HANDLE)from_dir, from, from_len, 0, &a);
    if (err) return err;
    err = resolve((HANDLE)to_dir, to, to_len, 0, &b);
    if (err) {
        resolved_free(&a);
        return err;
    }
    HANDLE h = NULL;
    NTSTATUS s = strcmp(a.name, ".") == 0 || strcmp(b.name, ".") == 0
                     ? WBB_STATUS_ACCESS_DENIED
                     : open_entry(&a, (info_class == WBB_FILE_RENAME_INFORMATION ? DELETE : 0) |
                                          FILE_READ_ATTRIBUTES,
                                  FILE_OPEN, 0, &h);
    if (s == STATUS_SUCCESS) {
        int is_dir = is_dir_handle(h) && !is_link(h);
        HANDLE existing = NULL;
        int target_exists =
            open_entry(&b, FILE_READ_ATTRIBUTES, FILE_OPEN, 0, &existing) == STATUS_SUCCESS;
        int target_is_dir = target_exists && is_dir_handle(existing) && !is_link(existing);
        if (target_exists) CloseHandle(existing);
        if (info_class == WBB_FILE_LINK_INFORMATION && b.trailing_slash && !target_exists) {
            err = E_NOENT; /* as linkat(): no such directory */
        } else if ((a.trailing_slash || b.trailing_slash) && !is_dir) {
            err = E_NOTDIR;
        } else if (info_class == WBB_FILE_RENAME_INFORMATION && target_exists && is_dir &&
                   !target_is_dir) {
            err = E_NOTDIR;
        } else if (info_class == WBB_FILE_RENAME_INFORMATION && target_exists && !is_dir &&
                   target_is_dir) {
            err = E_ISDIR;
        } else if (info_class == WBB_FILE_LINK_INFORMATION && is_dir) {
            err = E_PERM;
        } else {
            ULONG bytes = 0;
            WCHAR *w = wide(b.name, strlen(b.name), &bytes);
            size_t size = sizeof(struct wbb_name_info) + bytes;
            struct wbb_name_info *info = w ? calloc(1, size) : NULL;
            if (!info) {
                err = E_NOMEM;
            } else {
                info->replace = info_class == WBB_FILE_RENAME_INFORMATION;
                info->root = b.dir;
                info->length = bytes;
                memcpy(info->name, w, bytes);
                IO_STATUS_BLOCK iosb;
                NTSTATUS r = NtSetInformationFile(h, &iosb, info, (ULONG)size,
                                                  (FILE_INFORMATION_CLASS)info_class);
                if (r != STATUS_SUCCESS && info_class == WBB_FILE_RENAME_INFORMATION &&
                    target_is_dir && is_dir) {
                    /* Windows will not rename over a directory; POSIX replaces an empty
                     * one. Remove it (if empty, else ENOTEMPTY) and rename again. */
                    err = remove_entry((wbb_fd)b.dir, b.name, strlen(b.name), 1);
                    if (!err)
                        err = from_status(NtSetInformationFile(h, &iosb, info, (ULONG)size,
                                                               (FILE_INFORMATION_CLASS)info_class));
                } else {
                    err = from_status(r);
                }
            }
            free(info);
            free(w);
        }
        CloseHandle(h);
    } else {
        err = from_status(s);
    }
    resolved_free(&a);
    resolved_free(&b);
    return err;
}

uint16_t wbb_os_rename_at(wbb_fd from_dir, const char *from, size_t from_len, wbb_fd to_dir,
                          const char *to, size_t to_len) {
    return move_entry(from_dir, from, from_len, to_dir, to, to_len, WBB_FILE_RENAME_INFORMATION);
}

uint16_t wbb_os_link_at(wbb_fd from_dir, const char *from, size_t from_len, wbb_fd to_dir,
                        const char *to, size_t to_len) {
    return move_entry(from_dir, from, from_len, to_dir, to, to_len, WBB_FILE_LINK_INFORMATION);
}

/* The full path of a directory handle, for the one call that needs a path string. */
static WCHAR *handle_path(HANDLE h) {
    DWORD n = GetFinalPathNameByHandleW(h, NULL, 0, FILE_NAME_NORMALIZED);
    if (n == 0) return NULL;
    WCHAR *buf = malloc(((size_t)n + 1) * sizeof(WCHAR));
    if (!buf) return NULL;
    if (GetFinalPathNameByHandleW(h, buf, n + 1, FILE_NAME_NORMALIZED) == 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

uint16_t wbb_os_symlink_at(const char *target, size_t target_len, wbb_fd dir, const char *path,
                           size_t len) {
    if (memchr(target, 0, target_len)) return E_INVAL;
    if (target_len > 0 && (target[0] == '/' || target[0] == '\\' ||
                           (target_len > 1 && target[1] == ':')))
        return E_PERM;
    struct resolved r;
    uint16_t err = resolve((HANDLE)dir, path, len, 0, &r);
    if (err) return err;
    if (strcmp(r.name, ".") == 0 || bad_component(r.name)) {
        resolved_free(&r);
        return E_EXIST;
    }
    HANDLE existing;
    if (open_entry(&r, FILE_READ_ATTRIBUTES, FILE_OPEN, 0, &existing) == STATUS_SUCCESS) {
        CloseHandle(existing);
        resolved_free(&r);
        return E_EXIST;
    }
    if (r.trailing_slash) {
        resolved_free(&r);
        return E_NOENT;
    }
    /* Windows links are to a file or to a directory: the target's type decides, as
     * the wasmtime engine does, so the target must exist (inside the sandbox). */
    struct wbb_filestat target_stat;
    err = wbb_os_stat_at((wbb_fd)r.dir, target, target_len, 1, &target_stat);
    if (err) {
        resolved_free(&r);
        return err;
    }
    WCHAR *parent = handle_path(r.dir);
    ULONG name_bytes = 0, target_bytes = 0;
    WCHAR *name = wide(r.name, strlen(r.name), &name_bytes);
    WCHAR *wtarget = wide(target, target_len, &target_bytes);
    resolved_free(&r);
    if (!parent || !name || !wtarget) {
        free(parent);
        free(name);
        free(wtarget);
        return E_NOMEM;
    }
    for (WCHAR *p = wtarget; *p; p++)
        if (*p == L'/') *p = L'\\';
    size_t pl = wcslen(parent), nl = wcslen(name);
    WCHAR *link = malloc((pl + nl + 2) * sizeof(WCHAR));
    if (!link) {
        err = E_NOMEM;
    } else {
        memcpy(link, parent, pl * sizeof(WCHAR));
        link[pl] = L'\\';
        memcpy(link + pl + 1, name, (nl + 1) * sizeof(WCHAR));
        DWORD flags = SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE;
        if (target_stat.filetype == 3) flags |= SYMBOLIC_LINK_FLAG_DIRECTORY;
        if (!CreateSymbolicLinkW(link, wtarget, flags)) err = last_error();
    }
    free(link);
    free(parent);
    free(name);
    free(wtarget);
    return err;
}

uint16_t wbb_os_readlink_at(wbb_fd dir, const char *path, size_t len, char **out,
                            size_t *out_len) {
    struct resolved r;
    uint16_t err = resolve((HANDLE)dir, path, len, 2, &r);
    if (err) return err;
    HANDLE h;
    NTSTATUS s = open_entry(&r, FILE_READ_ATTRIBUTES, FILE_OPEN, 0, &h);
    resolved_free(&r);
    if (s != STATUS_SUCCESS) return from_status(s);
    int absolute = 0;
    err = is_link(h) ? link_target(h, out, &absolute) : E_INVAL;
    CloseHandle(h);
    if (err) return err;
    if (absolute) {
        /* As Wasmtime (and os_posix.c): the target would tell where the folder is. */
        free(*out);
        *out = NULL;
        return E_PERM;
    }
    *out_len = strlen(*out);
    return 0;
}

uint16_t wbb_os_readdir(wbb_fd dir, struct wbb_dirent **entries, size_t *count) {
    /* A new handle for each listing: a handle's listing may be cached from before. */
    HANDLE h;
    NTSTATUS st = open_rel((HANDLE)dir, "", FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES, FILE_OPEN,
                           FILE_DIRECTORY_FILE, &h);
    if (st != STATUS_SUCCESS) return from_status(st);
    BY_HANDLE_FILE_INFORMATION dinfo;
    DWORD serial = GetFileInformationByHandle(h, &dinfo) ? dinfo.dwVolumeSerialNumber : 0;
    size_t n = 0, cap = 16;
    struct wbb_dirent *list = malloc(cap * sizeof *list);
    if (!list) {
        CloseHandle(h);
        return E_NOMEM;
    }
    static unsigned char buf[64 * 1024];
    FILE_INFO_BY_HANDLE_CLASS cls = FileIdBothDirectoryRestartInfo;
    uint16_t err = 0;
    for (;;) {
        if (!GetFileInformationByHandleEx(h, cls, buf, sizeof buf)) {
            DWORD e = GetLastError();
            if (e != ERROR_NO_MORE_FILES) err = from_win32(e);
            break;
        }
        cls = FileIdBothDirectoryInfo;
        for (unsigned char *p = buf;;) {
            FILE_ID_BOTH_DIR_INFO *info = (FILE_ID_BOTH_DIR_INFO *)p;
            size_t name_len = info->FileNameLength / sizeof(WCHAR);
            int dot = (name_len == 1 && info->FileName[0] == L'.') ||
                      (name_len == 2 && info->FileName[0] == L'.' && info->FileName[1] == L'.');
            if (!dot) {
                if (n == cap) {
                    cap *= 2;
                    struct wbb_dirent *bigger = realloc(list, cap * sizeof *list);
                    if (!bigger) {
                        err = E_NOMEM;
                        break;
                    }
                    list = bigger;
                }
                list[n].name = narrow(info->FileName, name_len, NULL);
                list[n].dev = serial;
                list[n].ino = (uint64_t)info->FileId.QuadPart;
                if (info->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT &&
                    (info->EaSize == IO_REPARSE_TAG_SYMLINK ||
                     info->EaSize == IO_REPARSE_TAG_MOUNT_POINT))
                    list[n].type = 7;
                else if (info->FileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                    list[n].type = 3;
                else
                    list[n].type = 4;
                if (!list[n].name) {
                    err = E_NOMEM;
                    break;
                }
                n++;
            }
            if (!info->NextEntryOffset) break;
            p += info->NextEntryOffset;
        }
        if (err) break;
    }
    CloseHandle(h);
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
    if (clock == 0) {
        FILETIME ft;
        GetSystemTimePreciseAsFileTime(&ft);
        *ns = ns_from_filetime(ft);
        return 0;
    }
    LARGE_INTEGER freq, now;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    uint64_t f = (uint64_t)freq.QuadPart, c = (uint64_t)now.QuadPart;
    *ns = c / f * 1000000000ull + c % f * 1000000000ull / f;
    return 0;
}

uint16_t wbb_os_clock_res(uint32_t clock, uint64_t *ns) {
    if (clock == 0) {
        *ns = 100;
        return 0;
    }
    LARGE_INTEGER freq;
    QueryPerformanceFrequency(&freq);
    uint64_t r = 1000000000ull / (uint64_t)freq.QuadPart;
    *ns = r ? r : 1;
    return 0;
}

void wbb_os_random(void *buf, size_t n) {
    unsigned char *p = buf;
    while (n > 0) {
        ULONG chunk = n > 65536 ? 65536 : (ULONG)n;
        if (!SystemFunction036(p, chunk)) wbb_fail(1, "cannot get random bytes");
        p += chunk;
        n -= chunk;
    }
}

void wbb_os_sleep(uint64_t ns) {
    uint64_t ms = (ns + 999999ull) / 1000000ull;
    while (ms > 0) {
        DWORD step = ms > 0x7fffffffull ? 0x7fffffff : (DWORD)ms;
        Sleep(step);
        ms -= step;
    }
}

int wbb_os_wait_stdin(uint64_t timeout_ns) {
    HANDLE h = GetStdHandle(STD_INPUT_HANDLE);
    DWORD type = GetFileType(h);
    uint64_t ms_total = timeout_ns == UINT64_MAX ? UINT64_MAX : (timeout_ns + 999999ull) / 1000000ull;
    if (type == FILE_TYPE_PIPE) {
        for (uint64_t waited = 0;; waited += 10) {
            DWORD avail = 0;
            if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL) || avail > 0) return 1;
            if (waited >= ms_total) return 0;
            Sleep(10);
        }
    }
    if (type == FILE_TYPE_CHAR) {
        DWORD ms = ms_total >= INFINITE ? INFINITE : (DWORD)ms_total;
        return WaitForSingleObject(h, ms) == WAIT_OBJECT_0;
    }
    return 1;
}

#endif
