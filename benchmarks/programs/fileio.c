/* fileio: file I/O through WASI. Writes an N MiB file in 64 KiB chunks into the
 * current directory (a preopened directory when run as WASI), reads it back in
 * chunks, checks it, and deletes it. The data is cheap to make and check, so
 * the time goes to the system calls and, under WASI, to the runtime's
 * implementation of fd_write and fd_read. */
#include <fcntl.h>
#include <unistd.h>

#include "bench.h"

#define CHUNK (64 * 1024)
#define WORDS (CHUNK / 8)
#define PATH "wbb-bench-fileio.tmp"

static uint64_t fold(uint64_t sum, uint64_t word) { return (sum ^ word) * 0x100000001b3ULL; }

int main(int argc, char **argv) {
    long mib = bench_arg(argc, argv, 16);
    long chunks = mib * (1024 * 1024 / CHUNK);
    uint64_t *chunk = bench_alloc(CHUNK);
    uint64_t written = BENCH_FNV_START, read_back = BENCH_FNV_START;

    int fd = open(PATH, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror("fileio: create " PATH);
        return 1;
    }
    for (long c = 0; c < chunks; c++) {
        for (size_t i = 0; i < WORDS; i++) {
            chunk[i] = ((uint64_t)c * WORDS + i) * 0x9E3779B97F4A7C15ULL;
            written = fold(written, chunk[i]);
        }
        if (write(fd, chunk, CHUNK) != CHUNK) {
            perror("fileio: write");
            return 1;
        }
    }
    if (close(fd) != 0) {
        perror("fileio: close");
        return 1;
    }

    fd = open(PATH, O_RDONLY);
    if (fd < 0) {
        perror("fileio: open " PATH);
        return 1;
    }
    long long total = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, CHUNK);
        if (n < 0) {
            perror("fileio: read");
            return 1;
        }
        if (n == 0) break;
        if (n % 8 != 0) {
            fprintf(stderr, "fileio: short read of %zd bytes\n", n);
            return 1;
        }
        for (size_t i = 0; i < (size_t)n / 8; i++) read_back = fold(read_back, chunk[i]);
        total += n;
    }
    close(fd);
    if (unlink(PATH) != 0) {
        perror("fileio: unlink " PATH);
        return 1;
    }
    if (total != (long long)chunks * CHUNK || read_back != written) {
        fprintf(stderr, "fileio: read back %lld bytes that differ from what was written\n", total);
        return 1;
    }
    printf("wrote and read %lld bytes, fnv %016llx\n", total, (unsigned long long)read_back);
    free(chunk);
    return 0;
}
