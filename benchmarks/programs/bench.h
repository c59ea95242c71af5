/* bench.h: what the benchmark programs share. Each program takes one optional
 * argument, the size of its work (benchmarks/run.py passes a larger one in full
 * mode than with --quick), and prints a checksum of what it computed, so that
 * run.py can check that every way of running it computed the same thing. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* argv[1] as a positive number, or `fallback` without one. */
static inline long bench_arg(int argc, char **argv, long fallback) {
    if (argc < 2) return fallback;
    char *end;
    long value = strtol(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || value < 1) {
        fprintf(stderr, "%s: not a positive number: %s\n", argv[0], argv[1]);
        exit(2);
    }
    return value;
}

/* xorshift64*: cheap, deterministic pseudo-random numbers, the same everywhere. */
static inline uint64_t bench_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* FNV-1a over bytes, continuing from `hash` (start with BENCH_FNV_START). */
#define BENCH_FNV_START 0xcbf29ce484222325ULL
static inline uint64_t bench_fnv(uint64_t hash, const void *data, size_t size) {
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) hash = (hash ^ p[i]) * 0x100000001b3ULL;
    return hash;
}

static inline void *bench_alloc(size_t size) {
    void *p = malloc(size);
    if (!p) {
        fprintf(stderr, "out of memory (%zu bytes)\n", size);
        exit(3);
    }
    return p;
}

#endif
