/*
 * fuzz_submission.c: fuzz target for the submission reader (submission.c).
 * Reads every record; a record that is returned must satisfy the reader's own
 * promises (lengths, codes), checked with abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "submission.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct submission_reader *r = NULL;
    struct store_hub_record rec;
    struct err e;
    int n = 0;

    if (submission_reader_open_mem(data, size, &r, &e) != 0)
        return 0;
    for (;;) {
        const struct submission_header *h = submission_reader_header(r);
        int rc = submission_reader_next(r, &rec, &e);
        if (rc != 1)
            break;
        if (rec.clk_len * 8 != h->clk_bits || rec.popcount > h->clk_bits ||
            strlen(rec.ref) != SUBMISSION_REF_LEN || strchr("FMXU", rec.sex) == NULL ||
            strchr("CAU", rec.age) == NULL)
            abort();
        if (++n > 100000)
            abort();
    }
    submission_reader_close(r);
    return 0;
}
