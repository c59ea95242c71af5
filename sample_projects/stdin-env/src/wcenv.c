/* wcenv: count stdin like wc, then report environment variables.
 *
 *   wcenv [NAME...] < input
 *
 * Prints "lines=N words=N bytes=N" (lines = newline characters, words =
 * runs of non-whitespace, like wc), then for each NAME either
 * "NAME=value" or "NAME is unset".
 */
#include <stdio.h>
#include <stdlib.h>

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int main(int argc, char **argv)
{
    unsigned char buf[8192];
    unsigned long long lines = 0, words = 0, bytes = 0;
    int in_word = 0;
    size_t n;

    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        bytes += n;
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\n')
                lines++;
            if (is_space(buf[i])) {
                in_word = 0;
            } else if (!in_word) {
                in_word = 1;
                words++;
            }
        }
    }
    if (ferror(stdin)) {
        perror("wcenv: <stdin>");
        return 1;
    }
    printf("lines=%llu words=%llu bytes=%llu\n", lines, words, bytes);

    for (int i = 1; i < argc; i++) {
        const char *value = getenv(argv[i]);
        if (value != NULL)
            printf("%s=%s\n", argv[i], value);
        else
            printf("%s is unset\n", argv[i]);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
