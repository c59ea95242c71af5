/* greet: a WASI command built as a component (wasi:cli/command, WASI 0.2).
 *
 *   greet                 -> Hello from a component!
 *   greet a b c           -> Hello, a b c!
 *   greet --write F TEXT  -> writes TEXT and a newline to the file F (in the sandbox)
 *   greet --read F        -> prints the file F, or an error on stderr and exit status 1
 *   greet --stdin         -> counts the lines and bytes of standard input
 *   greet --env NAME      -> prints the variable NAME, or says it is unset
 *   greet --exit N        -> exits with status N (a component's wasi:cli/exit can only
 *                            say success or failure: N other than 0 becomes 1)
 *   greet --argv0         -> prints argv[0] as the program sees it
 *
 * The source is plain C for wasm32-wasi; build-wasm.sh turns the module into a
 * component with the WASI preview1 command adapter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const char *name)
{
    fprintf(stderr, "greet: %s %s: %s\n", what, name, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--write") == 0) {
        FILE *f = fopen(argv[2], "w");
        if (!f)
            return fail("cannot create", argv[2]);
        fprintf(f, "%s\n", argv[3]);
        return fclose(f) == 0 ? 0 : fail("cannot write", argv[2]);
    }
    if (argc >= 3 && strcmp(argv[1], "--read") == 0) {
        FILE *f = fopen(argv[2], "r");
        char buf[4096];
        size_t n;
        if (!f)
            return fail("cannot open", argv[2]);
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, stdout);
        fclose(f);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--stdin") == 0) {
        long lines = 0, bytes = 0;
        int c;
        while ((c = getchar()) != EOF) {
            bytes++;
            if (c == '\n')
                lines++;
        }
        printf("lines=%ld bytes=%ld\n", lines, bytes);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--env") == 0) {
        const char *value = getenv(argv[2]);
        if (value)
            printf("%s=%s\n", argv[2], value);
        else
            printf("%s is unset\n", argv[2]);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--exit") == 0) {
        exit(atoi(argv[2]));
    }
    if (argc >= 2 && strcmp(argv[1], "--argv0") == 0) {
        printf("%s\n", argv[0] ? argv[0] : "");
        return 0;
    }
    if (argc < 2) {
        printf("Hello from a component!\n");
        return 0;
    }
    fputs("Hello, ", stdout);
    for (int i = 1; i < argc; i++) {
        if (i > 1)
            putchar(' ');
        fputs(argv[i], stdout);
    }
    fputs("!\n", stdout);
    return 0;
}
