/*
 * fuzz_map.c: fuzz target for the column-map parser (ingest_map.c).
 */
#include <stdint.h>
#include <stdlib.h>

#include "ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ingest_map *m = NULL;
    struct err e;

    if (ingest_map_parse("fuzz", data, size, &m, &e) == 0 && m == NULL)
        abort();
    ingest_map_free(m);
    return 0;
}
