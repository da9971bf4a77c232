/*
 * fuzz_report_release.c: fuzz target for the reader of stored DP releases
 * (report_release.c), which turns a release's JSON back into tables. A payload it
 * accepts must give tables whose shapes hold (rows and values agree, 1-D tables have
 * no columns), checked with abort(); whatever it refuses, it leaves nothing behind
 * (LeakSanitizer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stats_result r;
    struct json_t *dp = NULL;
    struct err e;
    size_t i;

    stats_result_init(&r);
    err_init(&e);
    if (report__release_parse((const char *)data, size, &r, &dp, &e) == 0) {
        if (dp == NULL || r.protection != STATS_DP)
            abort();
        for (i = 0; i < r.ntables; i++) {
            const struct stats_table *t = &r.tables[i];
            if (t->nrows == 0 || t->ncols == 0 || t->rows[t->nrows - 1].code == NULL ||
                (stats_is_1d(t) && t->ncols != 1))
                abort();
        }
    } else if (dp != NULL) {
        abort();
    }
    json_decref(dp);
    stats_result_release(&r);
    return 0;
}
