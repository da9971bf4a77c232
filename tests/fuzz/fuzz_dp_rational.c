/*
 * fuzz_dp_rational.c: fuzz target for the decimal parser of privacy parameters
 * (dp_parse_rational(), dp.h). An accepted string must give a fraction in lowest
 * terms whose denominator divides a power of ten, and writing that fraction back as a
 * decimal must give the input without its redundant zeros (so the parse is exact and
 * loses nothing); a refused string must say why with ERR_INVALID or ERR_TOOBIG.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"
#include "dp_int.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* num/den written as a decimal with no redundant zeros into out[64]. */
static void format_decimal(uint64_t num, uint64_t den, char *out)
{
    uint64_t d = den, scale = 1;
    dp__u128 n;
    char digits[48];
    int ndigits = 0, k = 0, i;
    size_t len = 0;

    /* den is 2^a 5^b: find 10^k / den. */
    while (d % 10 == 0) {
        d /= 10;
        k++;
    }
    while (d % 2 == 0) {
        d /= 2;
        scale *= 5;
        k++;
    }
    while (d % 5 == 0) {
        d /= 5;
        scale *= 2;
        k++;
    }
    if (d != 1)
        abort();
    n = (dp__u128)num * scale;
    /* All digits of n, least significant first, then split at k. */
    do {
        digits[ndigits++] = (char)('0' + (int)(n % 10));
        n /= 10;
    } while (n != 0);
    while (ndigits <= k)
        digits[ndigits++] = '0';
    for (i = ndigits - 1; i >= k; i--)
        out[len++] = digits[i];
    if (k > 0) {
        out[len++] = '.';
        for (i = k - 1; i >= 0; i--)
            out[len++] = digits[i];
    }
    out[len] = '\0';
}

/* The input with leading zeros of the whole part and trailing zeros of the fraction gone. */
static void strip_zeros(const char *s, char *out, size_t cap)
{
    const char *dot = strchr(s, '.');
    size_t end = strlen(s), start = 0;

    if (dot != NULL) {
        while (end > (size_t)(dot - s) + 1 && s[end - 1] == '0')
            end--;
        if (end == (size_t)(dot - s) + 1)
            end--; /* "3." -> "3" */
    }
    while (start + 1 < end && s[start] == '0' && s[start + 1] != '.')
        start++;
    if (end - start >= cap)
        abort();
    memcpy(out, s + start, end - start);
    out[end - start] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = NULL, canon[64], stripped[4096];
    uint64_t num = 0, den = 0, num2 = 0, den2 = 0;
    struct err e;
    int rc;

    if (size > 4000)
        return 0;
    s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    err_init(&e);
    rc = dp_parse_rational(s, &num, &den, &e);
    if (rc != 0) {
        if ((rc != ERR_INVALID && rc != ERR_TOOBIG) || e.code != rc || e.msg[0] == '\0')
            abort();
        free(s);
        return 0;
    }
    if (den == 0 || dp__gcd(num, den) != 1 || (num == 0 && den != 1))
        abort();
    format_decimal(num, den, canon);
    strip_zeros(s, stripped, sizeof(stripped));
    if (strcmp(canon, stripped) != 0)
        abort();
    if (dp_parse_rational(canon, &num2, &den2, NULL) != 0 || num2 != num || den2 != den)
        abort();
    free(s);
    return 0;
}
