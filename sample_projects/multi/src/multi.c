/* multi: a multi-call WASI command; the mode is the basename of argv[0]
 * (directories stripped, and a trailing ".exe" so Windows launchers work;
 * compared ignoring ASCII case, since Windows file names ignore case).
 *
 *   upper              stdin to stdout in ASCII upper case
 *   lower              stdin to stdout in ASCII lower case
 *   rev                reverse each line of stdin (UTF-8 aware)
 *   multi-data show    print /share/greeting.txt (a read-only data preopen)
 *   multi-data tmpwrite
 *                      write /tmp/x.txt, read it back and print it
 *                      (/tmp is a private temporary preopen)
 *   multi MODE [ARGS]  run MODE directly (handy when running multi.wasm by hand)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GREETING_PATH "/share/greeting.txt"
#define TMP_PATH "/tmp/x.txt"
#define TMP_TEXT "written to " TMP_PATH " and read back\n"

static int fail(const char *prog, const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
    return 1;
}

static int finish(const char *prog)
{
    if (ferror(stdin))
        return fail(prog, "<stdin>", errno);
    if (fflush(stdout) != 0 || ferror(stdout))
        return fail(prog, "<stdout>", errno);
    return 0;
}

/* The mode name: argv[0] without directories and without a trailing ".exe",
 * in ASCII lower case. */
static void mode_name(const char *argv0, char *out, size_t size)
{
    const char *base = argv0;
    size_t len;
    for (const char *p = argv0; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\')
            base = p + 1;
    }
    len = strlen(base);
    if (len > 4) {
        const char *ext = base + len - 4;
        if (ext[0] == '.' && (ext[1] | 0x20) == 'e' && (ext[2] | 0x20) == 'x' && (ext[3] | 0x20) == 'e')
            len -= 4;
    }
    if (len >= size)
        len = size - 1;
    for (size_t i = 0; i < len; i++) {
        char c = base[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[len] = '\0';
}

static int change_case(const char *prog, int to_upper)
{
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        for (size_t i = 0; i < n; i++) {
            char c = buf[i];
            if (to_upper && c >= 'a' && c <= 'z')
                buf[i] = (char)(c - 'a' + 'A');
            else if (!to_upper && c >= 'A' && c <= 'Z')
                buf[i] = (char)(c - 'A' + 'a');
        }
        if (fwrite(buf, 1, n, stdout) != n)
            break;
    }
    return finish(prog);
}

/* Write line[0..len) reversed, keeping each UTF-8 sequence in order. */
static void write_reversed(const char *line, size_t len)
{
    size_t end = len;
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && ((unsigned char)line[start] & 0xC0) == 0x80 && end - start < 4)
            start--;
        fwrite(line + start, 1, end - start, stdout);
        end = start;
    }
}

static int reverse_lines(const char *prog)
{
    char *line = NULL;
    size_t len = 0, cap = 0;
    int c;
    for (;;) {
        c = getchar();
        if (c == EOF || c == '\n') {
            if (c == EOF && len == 0)
                break;
            /* Keep a CRLF line ending as it is. */
            if (c == '\n' && len > 0 && line[len - 1] == '\r') {
                write_reversed(line, len - 1);
                fputs("\r\n", stdout);
            } else {
                write_reversed(line, len);
                if (c == '\n')
                    putchar('\n');
            }
            len = 0;
            if (c == EOF)
                break;
            continue;
        }
        if (len == cap) {
            size_t new_cap = cap ? cap * 2 : 256;
            char *grown = realloc(line, new_cap);
            if (grown == NULL) {
                free(line);
                return fail(prog, "<stdin>", ENOMEM);
            }
            line = grown;
            cap = new_cap;
        }
        line[len++] = (char)c;
    }
    free(line);
    return finish(prog);
}

static int cat_file(const char *prog, const char *path)
{
    char buf[4096];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return fail(prog, path, errno);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    if (ferror(f)) {
        int err = errno;
        fclose(f);
        return fail(prog, path, err);
    }
    fclose(f);
    return finish(prog);
}

static int data_mode(const char *prog, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "show") == 0)
        return cat_file(prog, GREETING_PATH);
    if (argc == 2 && strcmp(argv[1], "tmpwrite") == 0) {
        FILE *f = fopen(TMP_PATH, "wb");
        if (f == NULL)
            return fail(prog, TMP_PATH, errno);
        if (fputs(TMP_TEXT, f) == EOF) {
            int err = errno;
            fclose(f);
            return fail(prog, TMP_PATH, err);
        }
        if (fclose(f) != 0)
            return fail(prog, TMP_PATH, errno);
        return cat_file(prog, TMP_PATH);
    }
    fprintf(stderr, "usage: %s show|tmpwrite\n", prog);
    return 2;
}

static int run(const char *mode, int argc, char **argv)
{
    if (strcmp(mode, "upper") == 0 && argc == 1)
        return change_case(mode, 1);
    if (strcmp(mode, "lower") == 0 && argc == 1)
        return change_case(mode, 0);
    if (strcmp(mode, "rev") == 0 && argc == 1)
        return reverse_lines(mode);
    if (strcmp(mode, "multi-data") == 0)
        return data_mode(mode, argc, argv);
    if (strcmp(mode, "upper") == 0 || strcmp(mode, "lower") == 0 || strcmp(mode, "rev") == 0) {
        fprintf(stderr, "usage: %s < input\n", mode);
        return 2;
    }
    fprintf(stderr,
            "multi: unknown mode '%s' (argv[0] must name one of: upper, lower, rev, multi-data)\n",
            mode);
    return 2;
}

int main(int argc, char **argv)
{
    char mode[64];
    mode_name(argc > 0 && argv[0] != NULL ? argv[0] : "", mode, sizeof mode);
    if (strcmp(mode, "multi") == 0 || strcmp(mode, "multi.wasm") == 0) {
        if (argc < 2) {
            fputs("usage: multi upper|lower|rev|multi-data [ARGS...]\n", stderr);
            return 2;
        }
        return run(argv[1], argc - 1, argv + 1);
    }
    return run(mode, argc, argv);
}
