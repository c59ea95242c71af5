/* sort: sorting. N pseudo-random 32-bit keys sorted by a quicksort (median of
 * three, insertion sort for short runs) written here, not the C library's, so
 * that every way of running it runs the same algorithm; then checked sorted. */
#include "bench.h"

static void insertion_sort(uint32_t *a, size_t n) {
    for (size_t i = 1; i < n; i++) {
        uint32_t key = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > key; j--) a[j] = a[j - 1];
        a[j] = key;
    }
}

static void swap(uint32_t *a, uint32_t *b) {
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

static void quicksort(uint32_t *a, size_t n) {
    while (n > 24) {
        size_t mid = n / 2;
        if (a[mid] < a[0]) swap(&a[mid], &a[0]);
        if (a[n - 1] < a[0]) swap(&a[n - 1], &a[0]);
        if (a[n - 1] < a[mid]) swap(&a[n - 1], &a[mid]);
        uint32_t pivot = a[mid];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i >= j) break;
            swap(&a[i++], &a[j--]);
        }
        /* Recurse into the smaller side, loop on the larger: stack depth log n. */
        if (j + 1 < n - j - 1) {
            quicksort(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            quicksort(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion_sort(a, n);
}

int main(int argc, char **argv) {
    long n = bench_arg(argc, argv, 100000);
    uint32_t *a = bench_alloc((size_t)n * sizeof *a);
    uint64_t seed = 0x50125012ULL;
    for (long i = 0; i < n; i++) a[i] = (uint32_t)(bench_random(&seed) >> 32);
    quicksort(a, (size_t)n);
    uint64_t hash = BENCH_FNV_START;
    for (long i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) {
            fprintf(stderr, "sort: not sorted at %ld\n", i);
            return 1;
        }
        hash = (hash ^ a[i]) * 0x100000001b3ULL; /* FNV-1a, a key at a time */
    }
    printf("sorted %ld keys: min %u, median %u, max %u, fnv %016llx\n", n, a[0], a[n / 2], a[n - 1],
           (unsigned long long)hash);
    free(a);
    return 0;
}
