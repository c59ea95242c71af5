/* hello: the smallest useful WASI command.
 *
 *   hello                 -> Hello, world!
 *   hello a b c           -> Hello, a b c!
 *   hello --exit N        -> exits with status N (through exit(), i.e. WASI proc_exit)
 *   hello --argv0         -> prints argv[0] as the program sees it
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--exit") == 0) {
        char *end;
        long n;
        if (argc < 3) {
            fprintf(stderr, "hello: --exit needs a number\n");
            return 2;
        }
        errno = 0;
        n = strtol(argv[2], &end, 10);
        if (errno != 0 || end == argv[2] || *end != '\0' || n < 0 || n > 255) {
            fprintf(stderr, "hello: --exit: not a number from 0 to 255: %s\n", argv[2]);
            return 2;
        }
        exit((int)n);
    }
    if (argc >= 2 && strcmp(argv[1], "--argv0") == 0) {
        printf("%s\n", argc > 0 && argv[0] != NULL ? argv[0] : "");
        return 0;
    }
    if (argc < 2) {
        printf("Hello, world!\n");
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
