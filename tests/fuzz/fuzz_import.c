/*
 * fuzz_import.c: fuzz target for the whole import path: a file of any bytes, read
 * as CSV (or as JSON Lines when the first byte is '{'), planned, validated and
 * stored into an in-memory store. Whatever the input, the import must finish or
 * refuse the file cleanly, and then:
 *   - rows read == rows stored + rows quarantined;
 *   - the store passes SQLite's integrity and foreign-key checks;
 *   - it holds no more cases than rows were stored.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "log.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    struct ingest_options opt;
    struct ingest_file_result res;
    struct store *s = NULL;
    struct err e;
    uint64_t cases = 0;
    FILE *f;
    int rc;

    if (path[0] == '\0')
        snprintf(path, sizeof(path), "/tmp/tiphub-fuzz-import-%ld", (long)getpid());
    log_set_level(LOG_QUIET);
    f = fopen(path, "wb");
    if (f == NULL)
        return 0;
    if (size > 0 && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return 0;
    }
    fclose(f);
    if (store_open(":memory:", STORE_CREATE, &s, &e) != 0)
        abort();
    memset(&opt, 0, sizeof(opt));
    opt.agency = "fuzz-agency";
    opt.today = "2026-06-30";
    opt.max_record = 4096;
    opt.format = size > 0 && data[0] == '{' ? INGEST_JSONL : INGEST_CSV;
    rc = ingest_file(s, path, &opt, &res, &e);
    if (rc == 0 && res.counts.read != res.counts.stored + res.counts.quarantined)
        abort();
    if (store_check(s, &e) != 0)
        abort();
    if (store_case_count(s, NULL, &cases, NULL, &e) != 0 || (rc == 0 && cases > res.counts.stored))
        abort();
    store_close(s);
    unlink(path);
    return 0;
}
