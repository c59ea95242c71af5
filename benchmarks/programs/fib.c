/* fib: recursive calls. fib(N) the naive way: about 1.6^N calls, each a few
 * instructions, so what is measured is the cost of a call and a return. */
#include "bench.h"

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char **argv) {
    long n = bench_arg(argc, argv, 30);
    printf("fib(%ld) = %u\n", n, fib((uint32_t)n));
    return 0;
}
