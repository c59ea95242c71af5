/* memgrow: memory growth. Builds up N MiB of live data the way programs grow
 * their heap: half as small blocks (16 to 1024 bytes of data each, linked in a list), half
 * as one array doubled with realloc, every byte written. Under WASI each new
 * page of the heap is a `memory.grow` of the linear memory. Prints the
 * total and a checksum read back from all of it. */
#include <string.h>

#include "bench.h"

struct node {
    struct node *next;
    uint32_t size; /* of data: the same on 32 and 64 bits, unlike the header */
    unsigned char data[];
};

int main(int argc, char **argv) {
    long mib = bench_arg(argc, argv, 16);
    size_t half = (size_t)mib << 19;
    uint64_t seed = 0x6E0111ULL;

    struct node *list = NULL;
    size_t blocks = 0, in_blocks = 0;
    while (in_blocks < half) {
        uint32_t size = 16 + (uint32_t)(bench_random(&seed) % 1009);
        struct node *n = bench_alloc(sizeof(struct node) + size);
        n->next = list;
        n->size = size;
        memset(n->data, (int)(blocks & 255), size);
        list = n;
        blocks++;
        in_blocks += size;
    }

    size_t capacity = 4096, length = 0;
    uint32_t *array = bench_alloc(capacity * sizeof *array);
    while (length * sizeof *array < half) {
        if (length == capacity) {
            capacity *= 2;
            array = realloc(array, capacity * sizeof *array);
            if (!array) {
                fprintf(stderr, "memgrow: out of memory\n");
                return 3;
            }
        }
        array[length] = (uint32_t)(length * 2654435761u);
        length++;
    }

    uint64_t sum = 0;
    for (struct node *n = list; n; n = n->next) sum += n->data[0] + n->data[n->size - 1];
    for (size_t i = 0; i < length; i += 97) sum += array[i];
    printf("grew to %zu blocks (%zu bytes of data) and an array of %zu bytes, checksum %llu\n", blocks, in_blocks,
           length * sizeof *array, (unsigned long long)sum);
    while (list) {
        struct node *next = list->next;
        free(list);
        list = next;
    }
    free(array);
    return 0;
}
