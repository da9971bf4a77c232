/*
 * fuzz_schema.c: fuzz target for the clkhash linkage-schema parser (clk_schema.c).
 *
 * The input is a schema. When it parses, an encoder is made and a few records of
 * awkward values are encoded, so the formatting, tokenising and hashing paths
 * that a schema switches on are exercised too. Errors are expected; crashes,
 * leaks and undefined behaviour are not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "xalloc.h"

#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const samples[] = {"",
                                          "abc",
                                          "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m",
                                          "2020-02-29",
                                          "12",
                                          "+007",
                                          "-3.75",
                                          "N/A",
                                          "\xff\xfe",
                                          "1_000",
                                          "05 March 1999",
                                          "F",
                                          "\xe6\xbc\xa2\xf0\x9f\x98\x80"};
    const size_t nsamples = sizeof(samples) / sizeof(samples[0]);
    struct clk_schema *s = NULL;
    struct clk_encoder *enc = NULL;
    struct clk_value *v = NULL;
    uint8_t *out = NULL;
    struct err e;
    size_t n, r, i;

    if (clk_schema_parse((const char *)data, size, &s, &e) < 0)
        return 0;
    if (clk_encoder_new(s, "fuzz", 4, 0, &enc, &e) < 0)
        goto out;
    n = clk_schema_nfeatures(s);
    CALLOC_ARRAY(v, n + 1);
    out = xmalloc(clk_encoder_bytes(enc));
    for (r = 0; r < 4; r++) {
        for (i = 0; i < n; i++) {
            const char *x = samples[(r * 7 + i * 3) % nsamples];
            v[i].data = x;
            v[i].len = strlen(x);
        }
        (void)clk_encode(enc, v, n, out, NULL, &e);
    }
out:
    free(out);
    free(v);
    clk_encoder_free(enc);
    clk_schema_free(s);
    return 0;
}
