/*
 * dp_sample.c: the exact samplers of dp.h: Bernoulli(exp(-gamma)), discrete Laplace
 * and discrete Gaussian, after Canonne, Kamath and Steinke, "The Discrete Gaussian
 * for Differential Privacy" (arXiv 2004.00010), Algorithms 1, 2 and 3.
 *
 * Integer arithmetic only. Every probability is a rational num/den, and a coin of
 * probability num/den is "a uniform integer in [0, den) is below num"
 * (dp__uniform128(), exact). The proofs in brief, the overflow bounds and the rule
 * against floating point are in docs/internals/dp.md; tests/unit/test_dp.c checks
 * that no floating type, literal or libm call appears in the dp sources.
 */
#include "dp.h"

#include <stdint.h>

#include "dp_int.h"
#include "err.h"

#include "banned.h"

/* ==== Integer helpers ==== */

uint64_t dp__gcd(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/*
 * floor(sqrt(x)) digit by digit in base 4: bit walks down the even powers of two and
 * root collects the answer, with x reduced by what the root so far accounts for.
 */
uint64_t dp__isqrt(uint64_t x)
{
    uint64_t root = 0;
    uint64_t bit = (uint64_t)1 << 62;

    while (bit > x)
        bit >>= 2;
    while (bit != 0) {
        if (x >= root + bit) {
            x -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return root;
}

/* a / b, with a 64-bit division when both fit (a 128-bit one is a library call). */
static dp__u128 div128(dp__u128 a, dp__u128 b)
{
    if (a < DP__2POW64 && b < DP__2POW64)
        return (uint64_t)a / (uint64_t)b;
    return a / b;
}

/* ==== Algorithm 1: Bernoulli(exp(-gamma)) ==== */

/* *out = true with probability num/den, for num <= den and den >= 1. */
static int bernoulli_frac(struct dp_rng *r, dp__u128 num, dp__u128 den, bool *out)
{
    dp__u128 u = 0;
    int rc = dp__uniform128(r, den, &u);

    if (rc < 0)
        return rc;
    *out = u < num;
    return 0;
}

/*
 * Bernoulli(exp(-gamma)) for gamma = num/den in [0, 1]. Toss coins of probability
 * gamma/1, gamma/2, gamma/3, ... until one comes up false; K, the number of the coin
 * that came up false, exceeds k with probability gamma^k / k!. So K is odd with
 * probability sum_j (-gamma)^j / j! = exp(-gamma), and "K is odd" is the answer.
 */
static int bernoulli_exp_le1(struct dp_rng *r, dp__u128 num, dp__u128 den, bool *out)
{
    uint64_t k = 1;
    int rc;

    for (;;) {
        dp__u128 den_k = 0;
        bool a = false;
        if (!__builtin_mul_overflow(den, k, &den_k)) {
            rc = bernoulli_frac(r, num, den_k, &a);
        } else {
            /* gamma/k = (num/den) * (1/k): two independent coins that must both come up. */
            rc = bernoulli_frac(r, num, den, &a);
            if (rc == 0 && a)
                rc = bernoulli_frac(r, 1, k, &a);
        }
        if (rc < 0)
            return rc;
        if (!a)
            break;
        k++;
    }
    *out = (k & 1) != 0;
    return 0;
}

/*
 * gamma > 1 is split as exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))):
 * floor(gamma) coins of exp(-1) and one of the fractional part, all of which must come
 * up. The loop stops at the first false coin, after fewer than 1.6 coins on average,
 * however large gamma is.
 */
int dp__bernoulli_exp128(struct dp_rng *r, dp__u128 num, dp__u128 den, bool *out)
{
    dp__u128 whole, frac, i;
    bool b = false;
    int rc;

    if (den == 0)
        return ERR_INVALID;
    if (num <= den)
        return bernoulli_exp_le1(r, num, den, out);
    whole = div128(num, den);
    frac = num - whole * den;
    for (i = 0; i < whole; i++) {
        rc = bernoulli_exp_le1(r, 1, 1, &b);
        if (rc < 0)
            return rc;
        if (!b) {
            *out = false;
            return 0;
        }
    }
    return bernoulli_exp_le1(r, frac, den, out);
}

int dp_bernoulli_exp(struct dp_rng *r, uint64_t num, uint64_t den, bool *out)
{
    return dp__bernoulli_exp128(r, num, den, out);
}

/* ==== Algorithm 2: discrete Laplace ==== */

/* ERR_INVALID for a zero part, ERR_TOOBIG for a part over DP_PARAM_MAX. */
static int check_param(uint64_t num, uint64_t den)
{
    if (num == 0 || den == 0)
        return ERR_INVALID;
    if (num > DP_PARAM_MAX || den > DP_PARAM_MAX)
        return ERR_TOOBIG;
    return 0;
}

/*
 * Discrete Laplace of scale t/s, for 1 <= t, s <= DP_PARAM_MAX.
 *
 * U uniform in [0, t) kept with probability exp(-U/t), and V counting the exp(-1)
 * coins that come up before the first false one (P(V = v) ~ exp(-v)), make
 * X = U + t V with P(X = x) ~ exp(-x/t): a geometric variable. Y = floor(X/s) is then
 * geometric with P(Y = y) ~ exp(-y s/t). A random sign makes it two-sided, and the
 * pair (negative, 0) is rejected so that 0 is not counted twice.
 *
 * Overflow: t V + U overflows 64 bits only for V >= 2^32 - 1, and -Y overflows int64
 * only for V >= 2^31; P(V >= v) = exp(-v). Checked anyway (ERR_TOOBIG).
 */
static int laplace(struct dp_rng *r, uint64_t t, uint64_t s, int64_t *out)
{
    int rc;

    for (;;) {
        dp__u128 u = 0;
        uint64_t v = 0, x = 0, y;
        bool keep = false, a = false, neg;

        rc = dp__uniform128(r, t, &u);
        if (rc < 0)
            return rc;
        rc = bernoulli_exp_le1(r, u, t, &keep);
        if (rc < 0)
            return rc;
        if (!keep)
            continue;
        for (;;) {
            rc = bernoulli_exp_le1(r, 1, 1, &a);
            if (rc < 0)
                return rc;
            if (!a)
                break;
            v++;
        }
        if (__builtin_mul_overflow(t, v, &x) || __builtin_add_overflow(x, (uint64_t)u, &x))
            return ERR_TOOBIG;
        y = x / s;
        neg = (dp_rng_u32(r) & 1) != 0;
        if (neg && y == 0)
            continue;
        if (y > (uint64_t)INT64_MAX)
            return ERR_TOOBIG;
        *out = neg ? -(int64_t)y : (int64_t)y;
        return 0;
    }
}

int dp_discrete_laplace(struct dp_rng *r, uint64_t t_num, uint64_t t_den, int64_t *out)
{
    uint64_t g;
    int rc = check_param(t_num, t_den);

    if (rc < 0)
        return rc;
    g = dp__gcd(t_num, t_den);
    return laplace(r, t_num / g, t_den / g, out);
}

/* ==== Algorithm 3: discrete Gaussian ==== */

/*
 * Discrete Gaussian of variance parameter sigma^2 = n/d by rejection from the discrete
 * Laplace of scale t = floor(sigma) + 1: a candidate Y is kept with probability
 * exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2)). Written over integers,
 *
 *     gamma = (|Y| d t - n)^2 / (2 n d t^2),
 *
 * and floor(sigma) = isqrt(floor(n/d)). With n, d <= 2^32: t <= 2^16 + 1, d t < 2^49,
 * 2 n d t^2 < 2^98, and |Y| d t < 2^112, all inside 128 bits. The square needs
 * | |Y| d t - n | < 2^64, which fails only when |Y| is over 2^30 times the scale t:
 * probability below exp(-2^30). Checked anyway (ERR_TOOBIG).
 */
int dp_discrete_gaussian(struct dp_rng *r, uint64_t sigma2_num, uint64_t sigma2_den, int64_t *out)
{
    uint64_t n, d, g, t, dt;
    dp__u128 den;
    int rc = check_param(sigma2_num, sigma2_den);

    if (rc < 0)
        return rc;
    g = dp__gcd(sigma2_num, sigma2_den);
    n = sigma2_num / g;
    d = sigma2_den / g;
    t = dp__isqrt(n / d) + 1;
    dt = d * t;
    den = (dp__u128)n * d * t * t * 2;
    for (;;) {
        int64_t y = 0;
        uint64_t abs_y;
        dp__u128 p, a;
        bool keep = false;

        rc = laplace(r, t, 1, &y);
        if (rc < 0)
            return rc;
        abs_y = y < 0 ? (uint64_t)-y : (uint64_t)y;
        p = (dp__u128)abs_y * dt;
        a = p >= n ? p - n : n - p;
        if (a >= DP__2POW64)
            return ERR_TOOBIG;
        rc = dp__bernoulli_exp128(r, a * a, den, &keep);
        if (rc < 0)
            return rc;
        if (keep) {
            *out = y;
            return 0;
        }
    }
}
