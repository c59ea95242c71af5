/* compress: a compression-style byte loop. N MiB of generated text (words,
 * numbers, punctuation), compressed 1 MiB at a time by an LZ77 compressor in
 * the style of LZ4 (4-byte hash, greedy matches, literal runs), then
 * decompressed byte by byte and compared with the input. Prints the compressed
 * size and a hash of the compressed stream. */
#include <string.h>

#include "bench.h"

#define BLOCK (1 << 20)
#define HASH_BITS 14
#define MIN_MATCH 4
#define MAX_OFFSET 65535

static const char *const WORDS[32] = {
    "the",   "of",     "and",     "to",      "in",     "is",    "that",  "for",
    "it",    "with",   "as",      "was",     "on",     "be",    "at",    "by",
    "wasm",  "module", "wheel",   "native",  "engine", "build", "linux", "memory",
    "stack", "import", "compile", "runtime", "python", "zig",   "trap",  "benchmark",
};

static size_t generate(unsigned char *out, size_t size, uint64_t *seed) {
    size_t n = 0;
    while (n + 32 < size) {
        uint64_t r = bench_random(seed);
        if ((r & 15) == 0) {
            n += (size_t)snprintf((char *)out + n, 32, "%u", (unsigned)(r >> 40) % 100000);
        } else {
            const char *w = WORDS[(r >> 8) & 31];
            size_t len = strlen(w);
            memcpy(out + n, w, len);
            n += len;
        }
        out[n++] = (r >> 16) % 11 == 0 ? (unsigned char)".,;\n"[(r >> 20) & 3] : ' ';
    }
    return n;
}

static uint32_t read32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned char *put_length(unsigned char *out, size_t n) {
    for (; n >= 128; n >>= 7) *out++ = (unsigned char)(n | 128);
    *out++ = (unsigned char)n;
    return out;
}

static const unsigned char *get_length(const unsigned char *in, size_t *n) {
    size_t value = 0;
    for (int shift = 0;; shift += 7) {
        unsigned char b = *in++;
        value |= (size_t)(b & 127) << shift;
        if (b < 128) break;
    }
    *n = value;
    return in;
}

/* A sequence: literal count, literals, then (unless at the end) a 2-byte
 * offset and the match length minus MIN_MATCH. */
static size_t compress(const unsigned char *in, size_t n, unsigned char *out) {
    static uint32_t table[1 << HASH_BITS];
    memset(table, 0, sizeof table); /* position + 1; 0: empty */
    unsigned char *o = out;
    size_t i = 0, anchor = 0;
    while (i + MIN_MATCH + 8 <= n) {
        uint32_t word = read32(in + i);
        uint32_t h = (word * 2654435761u) >> (32 - HASH_BITS);
        size_t candidate = table[h];
        table[h] = (uint32_t)(i + 1);
        if (candidate == 0 || i - (candidate - 1) > MAX_OFFSET || read32(in + candidate - 1) != word) {
            i++;
            continue;
        }
        size_t from = candidate - 1, length = MIN_MATCH;
        while (i + length < n && in[from + length] == in[i + length]) length++;
        o = put_length(o, i - anchor);
        memcpy(o, in + anchor, i - anchor);
        o += i - anchor;
        *o++ = (unsigned char)(i - from);
        *o++ = (unsigned char)((i - from) >> 8);
        o = put_length(o, length - MIN_MATCH);
        i += length;
        anchor = i;
    }
    o = put_length(o, n - anchor);
    memcpy(o, in + anchor, n - anchor);
    return (size_t)(o + (n - anchor) - out);
}

static size_t decompress(const unsigned char *in, size_t size, unsigned char *out, size_t n) {
    const unsigned char *end = in + size;
    size_t o = 0;
    while (in < end) {
        size_t literals, length;
        in = get_length(in, &literals);
        for (size_t k = 0; k < literals; k++) out[o++] = *in++;
        if (o == n) break;
        size_t offset = (size_t)in[0] | (size_t)in[1] << 8;
        in = get_length(in + 2, &length);
        length += MIN_MATCH;
        for (size_t k = 0; k < length; k++, o++) out[o] = out[o - offset]; /* may overlap */
    }
    return o;
}

int main(int argc, char **argv) {
    long mib = bench_arg(argc, argv, 4);
    unsigned char *input = bench_alloc(BLOCK);
    unsigned char *packed = bench_alloc(BLOCK + BLOCK / 64 + 64);
    unsigned char *output = bench_alloc(BLOCK);
    uint64_t seed = 0xC0111D5ULL, hash = BENCH_FNV_START;
    unsigned long long total_in = 0, total_out = 0;
    for (long block = 0; block < mib; block++) {
        size_t n = generate(input, BLOCK, &seed);
        size_t size = compress(input, n, packed);
        if (decompress(packed, size, output, n) != n || memcmp(input, output, n) != 0) {
            fprintf(stderr, "compress: block %ld does not decompress to its input\n", block);
            return 1;
        }
        hash = bench_fnv(hash, packed, size);
        total_in += n;
        total_out += size;
    }
    printf("compressed %llu bytes to %llu, fnv %016llx\n", total_in, total_out, (unsigned long long)hash);
    free(input);
    free(packed);
    free(output);
    return 0;
}
