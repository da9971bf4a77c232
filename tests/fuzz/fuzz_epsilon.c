/*
 * fuzz_epsilon.c: fuzz target for the epsilon parser of the privacy ledger
 * (stats_epsilon_parse(), stats.h). An accepted epsilon is positive, its decimal
 * form (stats_epsilon_format) parses back to the same nano-epsilon, and
 * dp_parse_rational() reads the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"
#include "stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char out[32];
    int64_t nano = 0, back = 0;
    uint64_t num = 0, den = 0;

    memcpy(s, data, size);
    s[size] = '\0';
    if (stats_epsilon_parse(s, &nano, NULL) == 0) {
        if (nano <= 0)
            abort();
        stats_epsilon_format(nano, out);
        if (stats_epsilon_parse(out, &back, NULL) != 0 || back != nano)
            abort();
        /* the same value as the dp module's exact parser: num/den == nano/1e9 */
        if (dp_parse_rational(out, &num, &den, NULL) != 0 || den == 0 || 1000000000 % den != 0)
            abort();
        {
            int64_t unit = 1000000000 / (int64_t)den; /* nano per 1/den */
            if (nano % unit != 0 || (uint64_t)(nano / unit) != num)
                abort();
        }
    }
    free(s);
    return 0;
}
