/* filetool: small file operations inside the WASI sandbox.
 *
 *   filetool write PATH TEXT   write TEXT plus a newline to PATH (created or truncated)
 *   filetool cat PATH          copy PATH to stdout
 *   filetool copy SRC DST      copy SRC to DST
 *   filetool ls DIR            list the names in DIR, sorted, one per line
 *
 * Errors print "filetool: PATH: <strerror>" to stderr and exit with status 1;
 * usage errors exit with status 2.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *path, int err)
{
    fprintf(stderr, "filetool: %s: %s\n", path, strerror(err));
    return 1;
}

static int usage(void)
{
    fputs("usage: filetool write PATH TEXT\n"
          "       filetool cat PATH\n"
          "       filetool copy SRC DST\n"
          "       filetool ls DIR\n",
          stderr);
    return 2;
}

/* Copy everything from `in` to `out`; report errors against the right path. */
static int pump(FILE *in, const char *in_name, FILE *out, const char *out_name)
{
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, n, out) != n)
            return fail(out_name, errno);
    }
    if (ferror(in))
        return fail(in_name, errno);
    return 0;
}

static int cmd_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return fail(path, errno);
    if (fputs(text, f) == EOF || fputc('\n', f) == EOF) {
        int err = errno;
        fclose(f);
        return fail(path, err);
    }
    if (fclose(f) != 0)
        return fail(path, errno);
    return 0;
}

static int cmd_cat(const char *path)
{
    FILE *f = fopen(path, "rb");
    int rc;
    if (f == NULL)
        return fail(path, errno);
    rc = pump(f, path, stdout, "<stdout>");
    fclose(f);
    return rc;
}

static int cmd_copy(const char *src, const char *dst)
{
    FILE *in, *out;
    int rc;
    in = fopen(src, "rb");
    if (in == NULL)
        return fail(src, errno);
    out = fopen(dst, "wb");
    if (out == NULL) {
        int err = errno;
        fclose(in);
        return fail(dst, err);
    }
    rc = pump(in, src, out, dst);
    fclose(in);
    if (fclose(out) != 0 && rc == 0)
        rc = fail(dst, errno);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_ls(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    char **names = NULL;
    size_t count = 0, cap = 0;
    if (d == NULL)
        return fail(dir, errno);
    for (;;) {
        errno = 0;
        ent = readdir(d);
        if (ent == NULL)
            break;
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (count == cap) {
            size_t new_cap = cap ? cap * 2 : 32;
            char **grown = realloc(names, new_cap * sizeof *names);
            if (grown == NULL) {
                closedir(d);
                return fail(dir, ENOMEM);
            }
            names = grown;
            cap = new_cap;
        }
        names[count] = strdup(ent->d_name);
        if (names[count] == NULL) {
            closedir(d);
            return fail(dir, ENOMEM);
        }
        count++;
    }
    if (errno != 0) {
        int err = errno;
        closedir(d);
        return fail(dir, err);
    }
    closedir(d);
    if (count > 0)
        qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        puts(names[i]);
        free(names[i]);
    }
    free(names);
    return 0;
}

int main(int argc, char **argv)
{
    int rc;
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "write") == 0 && argc == 4)
        rc = cmd_write(argv[2], argv[3]);
    else if (strcmp(argv[1], "cat") == 0 && argc == 3)
        rc = cmd_cat(argv[2]);
    else if (strcmp(argv[1], "copy") == 0 && argc == 4)
        rc = cmd_copy(argv[2], argv[3]);
    else if (strcmp(argv[1], "ls") == 0 && argc == 3)
        rc = cmd_ls(argv[2]);
    else
        return usage();
    if (fflush(stdout) != 0 && rc == 0)
        rc = fail("<stdout>", errno);
    return rc;
}
