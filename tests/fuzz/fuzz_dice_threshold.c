/*
 * fuzz_dice_threshold.c: fuzz target for the threshold parser (dice_threshold_parse).
 *
 * The input, with a NUL added, is parsed; when it is accepted, the fraction must be a
 * threshold in lowest terms from 0 to 1, and its popcount window must hold the
 * record's own popcount (a CLK always passes with itself unless it is empty).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dice.h"
#include "err.h"

#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t gcd32(uint32_t a, uint32_t b)
{
    while (b != 0) {
        uint32_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct dice_threshold t;
    struct err e;
    uint32_t a, lo, hi;

    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    err_init(&e);
    if (dice_threshold_parse(s, &t, &e) == 0) {
        if (t.q == 0 || t.q > DICE_MAX_DENOM || t.p > t.q || gcd32(t.p, t.q) != 1)
            abort();
        for (a = 1; a <= DICE_MAX_BITS; a *= 2) {
            dice_window(&t, a, &lo, &hi);
            if (lo > a || hi < a || !dice_passes(&t, a, a, a))
                abort();
        }
    } else if (e.code != ERR_INVALID || e.msg[0] == '\0') {
        abort();
    }
    free(s);
    return 0;
}
