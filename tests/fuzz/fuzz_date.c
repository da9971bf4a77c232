/*
 * fuzz_date.c: fuzz target for the date parser (date_parse(), date.h). Checks
 * that an accepted date is a calendar date in range and that its canonical form
 * parses back to the same date.
 */
#include <stdint.h>
#include <stdlib.h>

#include "date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct date d, back;
    const char *why = NULL;
    char out[11];

    if (date_parse((const char *)data, size, &d, &why) != 0) {
        if (why == NULL)
            abort();
        return 0;
    }
    if (!date_valid(d.year, d.month, d.day))
        abort();
    date_format(&d, out);
    if (date_parse(out, 10, &back, &why) != 0 || date_cmp(&d, &back) != 0)
        abort();
    return 0;
}
