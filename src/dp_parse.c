/*
 * dp_parse.c: dp_parse_rational(), the strict decimal reader for privacy parameters
 * (epsilon, rho, scales), so that "0.1" reaches the samplers as exactly 1/10 and not
 * as the nearest double.
 */
#include "dp.h"

#include <stdint.h>

#include "dp_int.h"
#include "err.h"

#include "banned.h"

/* 10^19 is the largest power of ten in 64 bits. */
#define MAX_FRAC_DIGITS 19

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* v = v * 10 + digit, or ERR_TOOBIG. */
static int push_digit(uint64_t *v, char c)
{
    uint64_t d = (uint64_t)(c - '0');

    if (*v > (UINT64_MAX - d) / 10)
        return ERR_TOOBIG;
    *v = *v * 10 + d;
    return 0;
}

int dp_parse_rational(const char *s, uint64_t *num, uint64_t *den, struct err *e)
{
    size_t int_end = 0, frac_start = 0, frac_end = 0, i;
    uint64_t n = 0, d = 1, g;

    if (s == NULL)
        return err_set(e, ERR_INVALID, "missing decimal number");
    while (is_digit(s[int_end]))
        int_end++;
    if (int_end == 0)
        return err_set(e, ERR_INVALID, "not a decimal number: expected a digit first, like 0.5");
    frac_start = frac_end = int_end;
    if (s[int_end] == '.') {
        frac_start = int_end + 1;
        frac_end = frac_start;
        while (is_digit(s[frac_end]))
            frac_end++;
        if (frac_end == frac_start)
            return err_set(e, ERR_INVALID, "not a decimal number: expected digits after '.'");
    }
    if (s[frac_end] != '\0')
        return err_set(e, ERR_INVALID,
                       "not a decimal number: unexpected byte at offset %zu (only digits and "
                       "one '.')",
                       frac_end);

    /* Trailing zeros of the fraction change nothing: 0.50 is 1/2, like 0.5. */
    while (frac_end > frac_start && s[frac_end - 1] == '0')
        frac_end--;
    if (frac_end - frac_start > MAX_FRAC_DIGITS)
        return err_set(e, ERR_TOOBIG, "decimal number has more than %d digits after '.'",
                       MAX_FRAC_DIGITS);
    for (i = 0; i < int_end; i++) {
        if (push_digit(&n, s[i]) < 0)
            return err_set(e, ERR_TOOBIG, "decimal number does not fit in 64 bits");
    }
    for (i = frac_start; i < frac_end; i++) {
        if (push_digit(&n, s[i]) < 0)
            return err_set(e, ERR_TOOBIG, "decimal number does not fit in 64 bits");
        d *= 10;
    }
    g = dp__gcd(n, d);
    *num = n / g;
    *den = d / g;
    return 0;
}
