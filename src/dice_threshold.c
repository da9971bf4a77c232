/*
 * dice_threshold.c: Dice thresholds as exact fractions, the pass test and the popcount
 * window (see dice.h).
 *
 * A threshold typed as "0.85" is held as 17/20, never as a double, so a pair whose
 * score is exactly the threshold passes on every machine and with every kernel. The
 * pass test 2*q*common >= p*(|A|+|B|) is computed in 64-bit integers: q <= 1e9 < 2^30
 * and popcounts <= DICE_MAX_BITS = 2^16, so both sides stay below 2^48.
 */
#include "dice.h"

#include <string.h>

#include "err.h"

#include "banned.h"

/* Most fraction digits we read before dropping trailing zeros, and after. */
#define FRAC_DIGITS_MAX      18
#define FRAC_SIGNIFICANT_MAX 9

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

int dice_threshold_from_ratio(uint64_t p, uint64_t q, struct dice_threshold *out)
{
    uint64_t g;

    if (q == 0 || q > DICE_MAX_DENOM || p > q)
        return ERR_INVALID;
    g = gcd_u64(p, q); /* p == 0 gives g == q, so 0 becomes 0/1 */
    out->p = (uint32_t)(p / g);
    out->q = (uint32_t)(q / g);
    return 0;
}

int dice_threshold_parse(const char *s, struct dice_threshold *out, struct err *e)
{
    uint64_t whole, frac = 0, q = 1;
    size_t len, nfrac = 0, i;
    const char *digits = NULL;

    if (s == NULL)
        return err_set(e, ERR_INVALID, "missing threshold");
    len = strlen(s);
    if (len == 0)
        return err_set(e, ERR_INVALID, "empty threshold");
    if (s[0] != '0' && s[0] != '1')
        goto bad;
    whole = (uint64_t)(s[0] - '0');
    if (len > 1) {
        if (s[1] != '.')
            goto bad;
        digits = s + 2;
        nfrac = len - 2;
        if (nfrac == 0 || nfrac > FRAC_DIGITS_MAX)
            goto bad;
        for (i = 0; i < nfrac; i++) {
            if (digits[i] < '0' || digits[i] > '9')
                goto bad;
        }
        /* Drop trailing zeros: "0.8500" is 0.85. */
        while (nfrac > 0 && digits[nfrac - 1] == '0')
            nfrac--;
        if (nfrac > FRAC_SIGNIFICANT_MAX)
            return err_set(e, ERR_INVALID,
                           "threshold '%.40s' has more than %d significant decimal places", s,
                           FRAC_SIGNIFICANT_MAX);
        for (i = 0; i < nfrac; i++) {
            frac = frac * 10 + (uint64_t)(digits[i] - '0');
            q *= 10;
        }
    }
    if (whole == 1 && frac != 0)
        return err_set(e, ERR_INVALID, "threshold '%.40s' is above 1", s);
    if (dice_threshold_from_ratio(whole * q + frac, q, out) < 0)
        goto bad; /* cannot happen: q <= 1e9 and the value is at most 1 */
    return 0;
bad:
    return err_set(e, ERR_INVALID,
                   "cannot parse threshold '%.40s': expected a decimal from 0 to 1 like 0.85", s);
}

bool dice_passes(const struct dice_threshold *t, uint32_t common, uint32_t pa, uint32_t pb)
{
    uint64_t sum = (uint64_t)pa + pb;

    if (sum == 0)
        return t->p == 0; /* two empty CLKs: Dice is defined as 0 */
    return 2 * (uint64_t)t->q * common >= (uint64_t)t->p * sum;
}

void dice_window(const struct dice_threshold *t, uint32_t pa, uint32_t *lo, uint32_t *hi)
{
    uint64_t p = t->p, r = 2 * (uint64_t)t->q - t->p; /* r >= q >= 1 since p <= q */
    uint64_t h;

    *lo = (uint32_t)((p * pa + r - 1) / r);
    if (p == 0) {
        *hi = UINT32_MAX;
        return;
    }
    h = r * pa / p;
    *hi = h > UINT32_MAX ? UINT32_MAX : (uint32_t)h;
}
