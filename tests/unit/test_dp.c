/*
 * test_dp.c: unit tests for the exact noise samplers (dp.h): the random sources and
 * exact uniform integers, Bernoulli(exp(-gamma)), discrete Laplace and discrete
 * Gaussian checked against their exact distributions (chi-square goodness of fit,
 * mean, variance, symmetry), parameter checks, the decimal parser, and the rule that
 * the dp sources hold no floating point.
 *
 * Floating point is fine HERE: the test computes the exact pmfs with long double.
 * Every statistical check uses a fixed seed, so a run is deterministic; the bounds
 * are the p = 0.001 critical values (chi-square) or 4.5 standard errors (means,
 * variances, rates), so a correct sampler passes them for almost any seed and a
 * sampler that is off (a doubled zero, a scale off by 10%) fails them; the negative
 * controls below show that the checks have that power.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>
#include <sodium.h>

#include "dp.h"
#include "dp_int.h"
#include "err.h"
#include "strutil.h"

/*
 * Samples per check: 200,000, or TIPHUB_DP_TEST_SAMPLES for a longer run by hand
 * (the bounds scale with the sample size, so they hold at any size).
 */
static long nsamples = 200000;
#define LIM     4000 /* histograms cover [-LIM, LIM]; the tests' tails beyond are < e^-200 */
#define Z_BOUND 4.5L

static void make_seed(unsigned char seed[32], unsigned k)
{
    size_t i;
    for (i = 0; i < 32; i++)
        seed[i] = (unsigned char)(k * 31 + i);
}

/* ==== Chi-square distribution (test-side floating point) ==== */

/* Regularised lower incomplete gamma P(a, x) by its power series (x < a + 1). */
static long double gamma_p_series(long double a, long double x)
{
    long double term = 1.0L / a, sum = term;
    int n;
    for (n = 1; n < 10000; n++) {
        term *= x / (a + n);
        sum += term;
        if (fabsl(term) < fabsl(sum) * 1e-19L)
            break;
    }
    return sum * expl(-x + a * logl(x) - lgammal(a));
}

/* Regularised upper incomplete gamma Q(a, x) by its continued fraction (x >= a + 1). */
static long double gamma_q_fraction(long double a, long double x)
{
    const long double tiny = 1e-300L;
    long double b = x + 1.0L - a, c = 1.0L / tiny, d = 1.0L / b, h = d;
    int i;
    for (i = 1; i < 10000; i++) {
        long double an = -i * (i - a), del;
        b += 2.0L;
        d = an * d + b;
        if (fabsl(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabsl(c) < tiny)
            c = tiny;
        d = 1.0L / d;
        del = d * c;
        h *= del;
        if (fabsl(del - 1.0L) < 1e-19L)
            break;
    }
    return expl(-x + a * logl(x) - lgammal(a)) * h;
}

/* P(chi^2 with df degrees of freedom >= x). */
static long double chi2_sf(int df, long double x)
{
    long double a = df / 2.0L, h = x / 2.0L;
    if (x <= 0)
        return 1.0L;
    if (h < a + 1.0L)
        return 1.0L - gamma_p_series(a, h);
    return gamma_q_fraction(a, h);
}

/* The x with chi2_sf(df, x) = p, by bisection. */
static long double chi2_crit(int df, long double p)
{
    long double lo = 0, hi = df + 100.0L * sqrtl((long double)df) + 100.0L;
    int i;
    for (i = 0; i < 200; i++) {
        long double mid = (lo + hi) / 2;
        if (chi2_sf(df, mid) > p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

/* The machinery itself, against printed tables (p = 0.001 and p = 0.05). */
static void test_dp_chi2_tables(void **state)
{
    (void)state;
    assert_true(fabsl(chi2_crit(1, 0.001L) - 10.828L) < 0.002L);
    assert_true(fabsl(chi2_crit(2, 0.001L) - 13.816L) < 0.002L);
    assert_true(fabsl(chi2_crit(10, 0.001L) - 29.588L) < 0.002L);
    assert_true(fabsl(chi2_crit(20, 0.001L) - 45.315L) < 0.002L);
    assert_true(fabsl(chi2_crit(50, 0.001L) - 86.661L) < 0.002L);
    assert_true(fabsl(chi2_crit(100, 0.001L) - 149.449L) < 0.002L);
    assert_true(fabsl(chi2_crit(10, 0.05L) - 18.307L) < 0.002L);
}

/* ==== Exact distributions and histograms ==== */

enum dist_kind { DIST_LAPLACE, DIST_GAUSSIAN };

struct dist {
    enum dist_kind kind;
    uint64_t num, den; /* Laplace: the scale t; Gaussian: sigma^2 */
};

static int draw(struct dp_rng *r, const struct dist *d, int64_t *x)
{
    if (d->kind == DIST_LAPLACE)
        return dp_discrete_laplace(r, d->num, d->den, x);
    return dp_discrete_gaussian(r, d->num, d->den, x);
}

/* pmf[x + LIM] for x in [-LIM, LIM], normalised over that range. */
static void exact_pmf(enum dist_kind kind, long double param, long double *pmf)
{
    long double total = 0;
    int x;
    for (x = -LIM; x <= LIM; x++) {
        long double ax = x < 0 ? -x : x;
        long double w = kind == DIST_LAPLACE ? expl(-ax / param) : expl(-ax * ax / (2 * param));
        pmf[x + LIM] = w;
        total += w;
    }
    for (x = -LIM; x <= LIM; x++)
        pmf[x + LIM] /= total;
}

struct hist {
    long counts[2 * LIM + 1];
    long outside; /* samples beyond [-LIM, LIM] */
    long n;
    long double sum, sum2;
};

static void sample_hist(const struct dist *d, unsigned seed_k, long n, struct hist *h)
{
    struct dp_rng r;
    unsigned char seed[32];
    long i;

    memset(h, 0, sizeof(*h));
    make_seed(seed, seed_k);
    dp_rng_init_seeded(&r, seed);
    for (i = 0; i < n; i++) {
        int64_t x = 0;
        assert_int_equal(draw(&r, d, &x), 0);
        if (x < -LIM || x > LIM)
            h->outside++;
        else
            h->counts[x + LIM]++;
        h->sum += (long double)x;
        h->sum2 += (long double)x * (long double)x;
    }
    h->n = n;
    dp_rng_release(&r);
}

/*
 * Pearson's statistic of h against pmf, bins merged left to right until each
 * expected count is at least 5 (a short right tail joins the last bin).
 * Returns the statistic and sets *df.
 */
static long double chi2_stat(const struct hist *h, const long double *pmf, int *df)
{
    long double stat = 0, exp_acc = 0, obs_acc = 0, last_e = 0, last_o = 0;
    int nbins = 0, i;
    bool have_last = false;

    for (i = 0; i <= 2 * LIM; i++) {
        exp_acc += pmf[i] * h->n;
        obs_acc += h->counts[i];
        if (exp_acc >= 5) {
            if (have_last)
                stat += (last_o - last_e) * (last_o - last_e) / last_e;
            last_e = exp_acc;
            last_o = obs_acc;
            have_last = true;
            nbins++;
            exp_acc = obs_acc = 0;
        }
    }
    /* Leftover tail, and samples outside the histogram, join the last bin. */
    last_e += exp_acc;
    last_o += obs_acc + h->outside;
    stat += (last_o - last_e) * (last_o - last_e) / last_e;
    *df = nbins - 1;
    return stat;
}

/* Mean and second moment of pmf, and its fourth moment (for the variance's error). */
static void moments(const long double *pmf, long double *mean, long double *var, long double *m4)
{
    long double m = 0, v = 0, f = 0;
    int x;
    for (x = -LIM; x <= LIM; x++) {
        long double p = pmf[x + LIM];
        m += p * x;
        v += p * x * x;
        f += p * x * x * x * x;
    }
    *mean = m;
    *var = v - m * m;
    *m4 = f;
}

/* Goodness of fit, mean and variance of one sampler; prints the figures. */
static void check_fit(const char *name, const struct dist *d, long double param, unsigned seed_k)
{
    static struct hist h;
    static long double pmf[2 * LIM + 1];
    long double stat, crit, mean, var, m4, smean, svar, se_mean, se_var;
    int df = 0;

    sample_hist(d, seed_k, nsamples, &h);
    exact_pmf(d->kind, param, pmf);
    stat = chi2_stat(&h, pmf, &df);
    crit = chi2_crit(df, 0.001L);
    moments(pmf, &mean, &var, &m4);
    smean = h.sum / h.n;
    svar = h.sum2 / h.n; /* the true mean is 0 */
    se_mean = sqrtl(var / h.n);
    se_var = sqrtl((m4 - var * var) / h.n);
    printf("  %-28s chi2 %8.2Lf df %3d crit(0.001) %7.2Lf p %.3Lf | mean %+.4Lf (se %.4Lf) "
           "var %.4Lf exact %.4Lf (se %.4Lf)\n",
           name, stat, df, crit, chi2_sf(df, stat), smean, se_mean, svar, var, se_var);
    assert_true(df >= 1);
    assert_int_equal(h.outside, 0);
    assert_true(stat < crit);
    assert_true(fabsl(mean) < 1e-12L);
    assert_true(fabsl(smean) < Z_BOUND * se_mean);
    assert_true(fabsl(svar - var) < Z_BOUND * se_var);
}

static void test_dp_laplace_fit(void **state)
{
    const struct dist d1 = {DIST_LAPLACE, 1, 1}, d2 = {DIST_LAPLACE, 3, 2},
                      d3 = {DIST_LAPLACE, 10, 1},
                      d4 = {DIST_LAPLACE, 4294967291u, 858993459u}; /* 5.000000001, coprime */
    static long double pmf[2 * LIM + 1];
    long double q = expl(-1.0L);

    (void)state;
    /* The normalised pmf agrees with the closed form (1-q)/(1+q) q^|x|. */
    exact_pmf(DIST_LAPLACE, 1.0L, pmf);
    assert_true(fabsl(pmf[LIM] - (1 - q) / (1 + q)) < 1e-15L);
    assert_true(fabsl(pmf[LIM + 3] - (1 - q) / (1 + q) * q * q * q) < 1e-15L);

    check_fit("laplace t=1", &d1, 1.0L, 1);
    check_fit("laplace t=3/2", &d2, 1.5L, 2);
    check_fit("laplace t=10", &d3, 10.0L, 3);
    check_fit("laplace t=4294967291/858993459", &d4, 4294967291.0L / 858993459.0L, 4);
}

static void test_dp_gaussian_fit(void **state)
{
    const struct dist d1 = {DIST_GAUSSIAN, 1, 1}, d2 = {DIST_GAUSSIAN, 5, 2},
                      d3 = {DIST_GAUSSIAN, 30, 1},
                      d4 = {DIST_GAUSSIAN, 4294967291u, 4294967279u}, /* 1.0000000028 */
        d5 = {DIST_GAUSSIAN, 1, 4};                                   /* sigma 1/2 < 1 */

    (void)state;
    check_fit("gaussian s2=1", &d1, 1.0L, 11);
    check_fit("gaussian s2=5/2", &d2, 2.5L, 12);
    check_fit("gaussian s2=30", &d3, 30.0L, 13);
    check_fit("gaussian s2=4294967291/..79", &d4, 4294967291.0L / 4294967279.0L, 14);
    check_fit("gaussian s2=1/4", &d5, 0.25L, 15);
}

/* The checks have power: samples of one parameter fail against a 10% different pmf. */
static void test_dp_fit_negative_control(void **state)
{
    static struct hist h;
    static long double pmf[2 * LIM + 1];
    const struct dist lap = {DIST_LAPLACE, 1, 1}, gau = {DIST_GAUSSIAN, 1, 1};
    long double stat;
    int df = 0;

    (void)state;
    sample_hist(&lap, 21, nsamples, &h);
    exact_pmf(DIST_LAPLACE, 1.1L, pmf);
    stat = chi2_stat(&h, pmf, &df);
    printf("  negative control laplace t=1 vs pmf t=1.1: chi2 %.1Lf df %d crit %.2Lf\n", stat, df,
           chi2_crit(df, 0.001L));
    assert_true(stat > chi2_crit(df, 0.001L));

    sample_hist(&gau, 22, nsamples, &h);
    exact_pmf(DIST_GAUSSIAN, 1.1L, pmf);
    stat = chi2_stat(&h, pmf, &df);
    printf("  negative control gaussian s2=1 vs pmf s2=1.1: chi2 %.1Lf df %d crit %.2Lf\n", stat,
           df, chi2_crit(df, 0.001L));
    assert_true(stat > chi2_crit(df, 0.001L));

    /* A zero counted twice (the sign of 0 not rejected) would be caught. */
    sample_hist(&lap, 23, nsamples, &h);
    exact_pmf(DIST_LAPLACE, 1.0L, pmf);
    h.counts[LIM] += (long)(pmf[LIM] * nsamples);
    h.n += (long)(pmf[LIM] * nsamples);
    stat = chi2_stat(&h, pmf, &df);
    assert_true(stat > chi2_crit(df, 0.001L));
}

/*
 * Symmetry: for each pair x, -x (x > 0) the difference of counts is, given their sum,
 * binomial(sum, 1/2); the sum over pairs of (c_x - c_-x)^2 / (c_x + c_-x) is about
 * chi-square with one degree per pair. Pairs are merged from the tail until each
 * holds at least 20 samples.
 */
static void check_symmetry(const char *name, const struct dist *d, unsigned seed_k)
{
    static struct hist h;
    long double stat = 0, pos = 0, neg = 0;
    long acc_p = 0, acc_n = 0;
    int pairs = 0, x;

    sample_hist(d, seed_k, nsamples, &h);
    for (x = LIM; x >= 1; x--) {
        acc_p += h.counts[LIM + x];
        acc_n += h.counts[LIM - x];
        pos += h.counts[LIM + x];
        neg += h.counts[LIM - x];
        if (acc_p + acc_n >= 20) {
            stat += (long double)(acc_p - acc_n) * (acc_p - acc_n) / (acc_p + acc_n);
            pairs++;
            acc_p = acc_n = 0;
        }
    }
    printf("  symmetry %-18s chi2 %6.2Lf df %2d crit %.2Lf | positive %.0Lf negative %.0Lf\n", name,
           stat, pairs, chi2_crit(pairs, 0.001L), pos, neg);
    assert_true(pairs >= 2);
    assert_true(stat < chi2_crit(pairs, 0.001L));
    assert_true(fabsl(pos - neg) < Z_BOUND * sqrtl(pos + neg));
}

static void test_dp_symmetry(void **state)
{
    const struct dist lap = {DIST_LAPLACE, 3, 2}, gau = {DIST_GAUSSIAN, 5, 2};
    (void)state;
    check_symmetry("laplace t=3/2", &lap, 31);
    check_symmetry("gaussian s2=5/2", &gau, 32);
}

/* ==== Bernoulli(exp(-gamma)) ==== */

/*
 * count successes out of n against p = exp(-gamma): within 4.5 standard errors when
 * the expected counts are large, else against Poisson tails of 1e-6.
 */
static void check_rate(const char *name, long count, long n, long double p)
{
    long double mean = n * p, sd = sqrtl(n * p * (1 - p));
    printf("  bernoulli_exp %-22s %ld / %ld = %.6Lf, exact %.6Lf\n", name, count, n,
           (long double)count / n, p);
    if (mean >= 20 && n - mean >= 20) {
        assert_true(fabsl(count - mean) < Z_BOUND * sd);
    } else if (mean < 20) {
        /* P(X >= count) for X ~ Poisson(mean) must be at least 1e-6. */
        long double term = expl(-mean), below = 0;
        long k;
        for (k = 0; k < count; k++) {
            below += term;
            term *= mean / (k + 1);
        }
        assert_true(1 - below > 1e-6L || count == 0);
    } else {
        check_rate(name, n - count, n, 1 - p);
    }
}

static long count_true(struct dp_rng *r, uint64_t num, uint64_t den, long n)
{
    long i, yes = 0;
    for (i = 0; i < n; i++) {
        bool b = false;
        assert_int_equal(dp_bernoulli_exp(r, num, den, &b), 0);
        yes += b;
    }
    return yes;
}

static void test_dp_bernoulli_exp(void **state)
{
    static const struct {
        uint64_t num, den;
        long double gamma;
        const char *name;
    } cases[] = {
        {1, 1000, 0.001L, "1/1000"},
        {1, 2, 0.5L, "1/2"},
        {1, 1, 1.0L, "1"},
        {3, 2, 1.5L, "3/2"},
        {5, 1, 5.0L, "5"},
        {20, 1, 20.0L, "20"},
        {UINT64_MAX, UINT64_MAX, 1.0L, "(2^64-1)/(2^64-1)"}, /* den k > 2^64 */
        {(uint64_t)1 << 63, (uint64_t)1 << 62, 2.0L, "2^63/2^62"},
        {3ull << 40, 1ull << 41, 1.5L, "3*2^40/2^41"},
        {1, UINT64_MAX, 0.0L, "1/(2^64-1)"},
    };
    struct dp_rng r;
    unsigned char seed[32];
    bool b = true;
    size_t i;

    (void)state;
    make_seed(seed, 41);
    dp_rng_init_seeded(&r, seed);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long yes = count_true(&r, cases[i].num, cases[i].den, nsamples);
        check_rate(cases[i].name, yes, nsamples, expl(-cases[i].gamma));
    }
    /* gamma = 0 is certain; a huge gamma is (all but) impossible. */
    assert_int_equal(count_true(&r, 0, 1, 10000), 10000);
    assert_int_equal(count_true(&r, 0, UINT64_MAX, 10000), 10000);
    assert_int_equal(count_true(&r, UINT64_MAX, 1, 10000), 0);
    assert_int_equal(dp_bernoulli_exp(&r, 1, 0, &b), ERR_INVALID);
    dp_rng_release(&r);
}

/*
 * 128-bit numerators and denominators (the Gaussian's acceptance step), and the
 * product form used when den k overflows 128 bits (gamma/k as two coins).
 */
static void test_dp_bernoulli_exp128(void **state)
{
    static const struct {
        dp__u128 num, den;
        long double gamma;
        const char *name;
    } cases[] = {
        {(dp__u128)3 << 100, (dp__u128)1 << 101, 1.5L, "3*2^100/2^101"},
        {~(dp__u128)0, ~(dp__u128)0, 1.0L, "(2^128-1)/(2^128-1)"},
        {(dp__u128)1 << 126, (dp__u128)1 << 127, 0.5L, "2^126/2^127"},
    };
    struct dp_rng r;
    unsigned char seed[32];
    size_t c;
    long i;

    (void)state;
    make_seed(seed, 42);
    dp_rng_init_seeded(&r, seed);
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        long yes = 0;
        for (i = 0; i < nsamples; i++) {
            bool b = false;
            assert_int_equal(dp__bernoulli_exp128(&r, cases[c].num, cases[c].den, &b), 0);
            yes += b;
        }
        check_rate(cases[c].name, yes, nsamples, expl(-cases[c].gamma));
    }
    dp_rng_release(&r);
}

/* ==== Random sources and exact uniform integers ==== */

/* The rejection path, word by word: below 2^k mod n a word is thrown away. */
static void test_dp_uniform_rejection_scripted(void **state)
{
    /* n = 3 * 2^30: 2^32 mod n = 2^30, so words below 2^30 are rejected. */
    const uint32_t n32 = 3u << 30;
    const uint32_t w32[] = {5, (1u << 30) - 1, n32 + 3};
    /* n = 3 * 2^62: 2^64 mod n = 2^62. Words are taken high half first. */
    const uint32_t w64[] = {0, 5, 0x3fffffffu, 0xffffffffu, 0xc0000000u, 9};
    /* n = 3 * 2^126: 2^128 mod n = 2^126. */
    const uint32_t w128[] = {0, 0, 0, 1, 0xc0000000u, 0, 0, 2};
    /* A power of two never rejects. */
    const uint32_t wpow[] = {5};
    struct dp_rng r;
    uint64_t x = 0;
    dp__u128 y = 0;

    (void)state;
    dp__rng_init_script(&r, w32, 3);
    assert_int_equal(dp_uniform(&r, n32, &x), 0);
    assert_int_equal(x, 3); /* a bare modulo would have given 5 */
    assert_int_equal(r.nwords, 3);

    dp__rng_init_script(&r, w64, 6);
    assert_int_equal(dp_uniform(&r, 3ull << 62, &x), 0);
    assert_int_equal(x, 9);
    assert_int_equal(r.nwords, 6);

    dp__rng_init_script(&r, w128, 8);
    assert_int_equal(dp__uniform128(&r, (dp__u128)3 << 126, &y), 0);
    assert_true(y == 2);
    assert_int_equal(r.nwords, 8);

    dp__rng_init_script(&r, wpow, 1);
    assert_int_equal(dp_uniform(&r, 1u << 20, &x), 0);
    assert_int_equal(x, 5);

    assert_int_equal(dp_uniform(&r, 0, &x), ERR_INVALID);
}

/*
 * With n = 3 * 2^30, a bare modulo would give [0, 2^30) probability 1/2 and the two
 * other thirds 1/4 each. Exact sampling gives 1/3 each, at 4/3 words per draw.
 */
static void test_dp_uniform_no_modulo_bias(void **state)
{
    const long n = 300000;
    const uint64_t range = 3ull << 30;
    long thirds[3] = {0, 0, 0}, i, small[7] = {0};
    long double stat = 0, words_per;
    struct dp_rng r;
    unsigned char seed[32];
    uint64_t x = 0;

    (void)state;
    make_seed(seed, 51);
    dp_rng_init_seeded(&r, seed);
    for (i = 0; i < n; i++) {
        assert_int_equal(dp_uniform(&r, range, &x), 0);
        assert_true(x < range);
        thirds[x >> 30]++;
    }
    words_per = (long double)r.nwords / n;
    for (i = 0; i < 3; i++)
        stat += (thirds[i] - n / 3.0L) * (thirds[i] - n / 3.0L) / (n / 3.0L);
    printf("  uniform [0, 3*2^30): thirds %ld %ld %ld, chi2 %.2Lf (crit %.2Lf), %.4Lf words/draw "
           "(exact 4/3)\n",
           thirds[0], thirds[1], thirds[2], stat, chi2_crit(2, 0.001L), words_per);
    assert_true(stat < chi2_crit(2, 0.001L));
    /* Rejections happen at rate 1/4: words per draw is 4/3 with sd about 0.0012. */
    assert_true(fabsl(words_per - 4.0L / 3.0L) < 0.006L);

    /* A small odd range, and n = 1. */
    for (i = 0; i < 70000; i++) {
        assert_int_equal(dp_uniform(&r, 7, &x), 0);
        assert_true(x < 7);
        small[x]++;
    }
    stat = 0;
    for (i = 0; i < 7; i++)
        stat += (small[i] - 10000.0L) * (small[i] - 10000.0L) / 10000.0L;
    assert_true(stat < chi2_crit(6, 0.001L));
    assert_int_equal(dp_uniform(&r, 1, &x), 0);
    assert_int_equal(x, 0);
    dp_rng_release(&r);
}

/* The seeded stream is libsodium's randombytes_buf_deterministic(), ratcheted. */
static void test_dp_seeded_stream_format(void **state)
{
    unsigned char seed[32], out[32 + DP_RNG_BLOCK], out2[32 + DP_RNG_BLOCK];
    struct dp_rng r;
    size_t i;

    (void)state;
    make_seed(seed, 61);
    randombytes_buf_deterministic(out, sizeof(out), seed);
    randombytes_buf_deterministic(out2, sizeof(out2), out); /* keyed by block 1's head */
    dp_rng_init_seeded(&r, seed);
    for (i = 0; i < DP_RNG_BLOCK / 4; i++) {
        const unsigned char *p = out + 32 + 4 * i;
        uint32_t want =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        assert_int_equal(dp_rng_u32(&r), want);
    }
    for (i = 0; i < DP_RNG_BLOCK / 4; i++) {
        const unsigned char *p = out2 + 32 + 4 * i;
        uint32_t want =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        assert_int_equal(dp_rng_u32(&r), want);
    }
    dp_rng_release(&r);
    for (i = 0; i < sizeof(r.key); i++)
        assert_int_equal(r.key[i], 0);
    dp_rng_release(NULL);
}

static void fill_stream(unsigned seed_k, int64_t *xs, size_t n)
{
    struct dp_rng r;
    unsigned char seed[32];
    size_t i;

    make_seed(seed, seed_k);
    dp_rng_init_seeded(&r, seed);
    for (i = 0; i < n; i++) {
        if (i % 2 == 0)
            assert_int_equal(dp_discrete_gaussian(&r, 30, 1, &xs[i]), 0);
        else
            assert_int_equal(dp_discrete_laplace(&r, 10, 1, &xs[i]), 0);
    }
    dp_rng_release(&r);
}

static void test_dp_determinism(void **state)
{
    int64_t a[1000], b[1000], c[1000];
    size_t i, same = 0;
    struct dp_rng s1, s2;
    uint32_t w1[64];
    size_t differ = 0;

    (void)state;
    fill_stream(71, a, 1000);
    fill_stream(71, b, 1000);
    fill_stream(72, c, 1000);
    assert_memory_equal(a, b, sizeof(a));
    for (i = 0; i < 1000; i++)
        same += a[i] == c[i];
    /* Two independent streams agree at a position about 1 time in 20 here. */
    assert_true(same < 300);

    /* Two system sources are not the same stream. */
    dp_rng_init_system(&s1);
    dp_rng_init_system(&s2);
    for (i = 0; i < 64; i++)
        w1[i] = dp_rng_u32(&s1);
    for (i = 0; i < 64; i++)
        differ += w1[i] != dp_rng_u32(&s2);
    assert_true(differ > 60);
    assert_int_equal(s1.nwords, 64);
}

/* ==== Parameters ==== */

static void test_dp_bad_parameters(void **state)
{
    struct dp_rng r;
    unsigned char seed[32];
    int64_t x = 12345;
    int i;

    (void)state;
    make_seed(seed, 81);
    dp_rng_init_seeded(&r, seed);
    assert_int_equal(dp_discrete_laplace(&r, 1, 0, &x), ERR_INVALID);
    assert_int_equal(dp_discrete_laplace(&r, 0, 1, &x), ERR_INVALID);
    assert_int_equal(dp_discrete_gaussian(&r, 1, 0, &x), ERR_INVALID);
    assert_int_equal(dp_discrete_gaussian(&r, 0, 1, &x), ERR_INVALID);
    assert_int_equal(dp_discrete_laplace(&r, DP_PARAM_MAX + 1, 1, &x), ERR_TOOBIG);
    assert_int_equal(dp_discrete_laplace(&r, 1, DP_PARAM_MAX + 1, &x), ERR_TOOBIG);
    assert_int_equal(dp_discrete_gaussian(&r, UINT64_MAX, 1, &x), ERR_TOOBIG);
    assert_int_equal(dp_discrete_gaussian(&r, 1, UINT64_MAX, &x), ERR_TOOBIG);
    assert_int_equal(x, 12345); /* untouched on error */

    /* The edges of the range work and give plausible values. */
    for (i = 0; i < 1000; i++) {
        assert_int_equal(dp_discrete_laplace(&r, 1, DP_PARAM_MAX, &x), 0);
        assert_int_equal(x, 0); /* scale 2^-32: P(x != 0) < 2^-(2^32) */
        assert_int_equal(dp_discrete_gaussian(&r, 1, DP_PARAM_MAX, &x), 0);
        assert_int_equal(x, 0);
    }
    for (i = 0; i < 200; i++) {
        assert_int_equal(dp_discrete_laplace(&r, DP_PARAM_MAX, 1, &x), 0);
        assert_true(x > -40 * (int64_t)DP_PARAM_MAX && x < 40 * (int64_t)DP_PARAM_MAX);
        assert_int_equal(dp_discrete_gaussian(&r, DP_PARAM_MAX, 1, &x), 0);
        assert_true(x > -10 * 65536 && x < 10 * 65536); /* sigma = 2^16 */
        assert_int_equal(dp_discrete_gaussian(&r, DP_PARAM_MAX, DP_PARAM_MAX - 1, &x), 0);
        assert_true(x > -10 && x < 10);
    }
    dp_rng_release(&r);
}

static void test_dp_isqrt_gcd(void **state)
{
    struct dp_rng r;
    unsigned char seed[32];
    uint64_t x;
    int i;

    (void)state;
    for (x = 0; x < 200000; x++) {
        uint64_t s = dp__isqrt(x);
        assert_true(s * s <= x && (s + 1) * (s + 1) > x);
    }
    assert_int_equal(dp__isqrt(UINT64_MAX), 0xffffffffu);
    assert_int_equal(dp__isqrt(0xfffffffe00000001ull), 0xffffffffu); /* (2^32-1)^2 */
    assert_int_equal(dp__isqrt(0xfffffffe00000000ull), 0xfffffffeu);
    make_seed(seed, 91);
    dp_rng_init_seeded(&r, seed);
    for (i = 0; i < 100000; i++) {
        uint64_t v = (uint64_t)dp_rng_u32(&r) << 32 | dp_rng_u32(&r);
        dp__u128 s = dp__isqrt(v);
        assert_true(s * s <= v && (s + 1) * (s + 1) > v);
    }
    dp_rng_release(&r);
    assert_int_equal(dp__gcd(12, 18), 6);
    assert_int_equal(dp__gcd(0, 7), 7);
    assert_int_equal(dp__gcd(4294967291u, 4294967279u), 1);
}

/* ==== Decimal parser ==== */

static void test_dp_parse_rational(void **state)
{
    static const struct {
        const char *s;
        uint64_t num, den;
    } good[] = {
        {"0.5", 1, 2},
        {"1.25", 5, 4},
        {"3", 3, 1},
        {"0", 0, 1},
        {"0.0", 0, 1},
        {"0.50", 1, 2},
        {"10.000", 10, 1},
        {"0.1", 1, 10},
        {"007.5", 15, 2},
        {"0.001", 1, 1000},
        {"18446744073709551615", UINT64_MAX, 1},
        {"0.0000000000000000001", 1, 10000000000000000000ull},
        {"1844674407370955161.5", 3689348814741910323ull, 2},
        {"0.00000000000000000010000", 1,
         10000000000000000000ull}, /* 19 digits after trailing zeros go */
    };
    static const char *const invalid[] = {
        "",     ".5",  "5.",  "-1",  "+1",   " 1",   "1 ", "1e3",   "1.2.3",
        "0x10", "1,5", "nan", "inf", "1..2", "1.-2", "١",  "0.5\n",
    };
    static const char *const toobig[] = {
        "18446744073709551616",
        "0.00000000000000000001",
        "99999999999999999999.5",
        "1844674407370955161.6",
    };
    struct err e;
    uint64_t num = 0, den = 0;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        err_init(&e);
        if (dp_parse_rational(good[i].s, &num, &den, &e) != 0)
            fail_msg("'%s': %s", good[i].s, e.msg);
        assert_int_equal(num, good[i].num);
        assert_int_equal(den, good[i].den);
    }
    for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        err_init(&e);
        num = den = 77;
        assert_int_equal(dp_parse_rational(invalid[i], &num, &den, &e), ERR_INVALID);
        assert_int_equal(e.code, ERR_INVALID);
        assert_true(e.msg[0] != '\0');
        assert_int_equal(num, 77);
    }
    for (i = 0; i < sizeof(toobig) / sizeof(toobig[0]); i++) {
        err_init(&e);
        assert_int_equal(dp_parse_rational(toobig[i], &num, &den, &e), ERR_TOOBIG);
        assert_int_equal(e.code, ERR_TOOBIG);
    }
    assert_int_equal(dp_parse_rational(NULL, &num, &den, NULL), ERR_INVALID);
    /* The message does not repeat the input. */
    err_init(&e);
    assert_int_equal(dp_parse_rational("12secret34", &num, &den, &e), ERR_INVALID);
    assert_null(strstr(e.msg, "secret"));
}

/* ==== No floating point in the samplers ==== */

static const char *const FLOAT_WORDS[] = {
    "float",  "double", "_Complex", "complex", "_Imaginary", "exp",     "expl",   "expf",
    "exp2",   "expm1",  "log",      "logl",    "log1p",      "log2",    "sqrt",   "sqrtl",
    "cbrt",   "pow",    "powl",     "floor",   "ceil",       "round",   "lround", "llround",
    "trunc",  "rint",   "fabs",     "fmod",    "modf",       "frexp",   "ldexp",  "lgamma",
    "tgamma", "erf",    "erfc",     "strtod",  "strtof",     "strtold", "atof",   "str_to_double",
};
static const char *const FLOAT_HEADERS[] = {"math.h", "tgmath.h", "float.h", "complex.h", "fenv.h"};

static bool is_ident(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Count floating point in C source text, outside comments, string and character
 * literals: floating types and libm names as whole identifiers, any _FloatN or
 * _DecimalN type, the floating headers, and floating literals (a decimal number with
 * '.' or an exponent, a hex number with '.' or 'p'). Prints each finding unless name
 * is NULL.
 */
static int float_findings(const char *name, const char *s)
{
    int found = 0, line = 1;
    bool line_start = true;
    size_t i = 0, j, k;

    while (s[i] != '\0') {
        char c = s[i];
        if (c == '\n') {
            line++;
            line_start = true;
            i++;
        } else if (c == '/' && s[i + 1] == '*') {
            for (i += 2; s[i] != '\0' && !(s[i] == '*' && s[i + 1] == '/'); i++)
                line += s[i] == '\n';
            i += s[i] != '\0' ? 2 : 0;
        } else if (c == '/' && s[i + 1] == '/') {
            while (s[i] != '\0' && s[i] != '\n')
                i++;
        } else if (c == '"' || c == '\'') {
            for (i++; s[i] != '\0' && s[i] != c && s[i] != '\n'; i++)
                i += s[i] == '\\' && s[i + 1] != '\0';
            i += s[i] == c;
        } else if (c == '#' && line_start) {
            /* #include <name> or "name": check the name. */
            for (j = i + 1; s[j] == ' ' || s[j] == '\t'; j++)
                ;
            if (strncmp(s + j, "include", 7) == 0) {
                for (j += 7; s[j] == ' ' || s[j] == '\t'; j++)
                    ;
                for (k = j + 1; s[k] != '\0' && s[k] != '>' && s[k] != '"' && s[k] != '\n'; k++)
                    ;
                for (size_t h = 0; h < sizeof(FLOAT_HEADERS) / sizeof(FLOAT_HEADERS[0]); h++) {
                    size_t hl = strlen(FLOAT_HEADERS[h]);
                    if (k - (j + 1) == hl && strncmp(s + j + 1, FLOAT_HEADERS[h], hl) == 0) {
                        if (name != NULL)
                            printf("  %s:%d: includes %s\n", name, line, FLOAT_HEADERS[h]);
                        found++;
                    }
                }
                i = k;
            } else {
                i++;
            }
            line_start = false;
        } else if (c >= '0' && c <= '9') {
            bool hex = c == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'), fl = false;
            for (j = i; is_ident(s[j]) || s[j] == '.' ||
                        ((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E' ||
                                                          s[j - 1] == 'p' || s[j - 1] == 'P'));
                 j++) {
                if (s[j] == '.' || (hex && (s[j] == 'p' || s[j] == 'P')) ||
                    (!hex && (s[j] == 'e' || s[j] == 'E')))
                    fl = true;
            }
            if (fl) {
                if (name != NULL)
                    printf("  %s:%d: floating literal %.*s\n", name, line, (int)(j - i), s + i);
                found++;
            }
            i = j;
            line_start = false;
        } else if (is_ident(c)) {
            for (j = i; is_ident(s[j]); j++)
                ;
            for (k = 0; k < sizeof(FLOAT_WORDS) / sizeof(FLOAT_WORDS[0]); k++) {
                if (strlen(FLOAT_WORDS[k]) == j - i && strncmp(s + i, FLOAT_WORDS[k], j - i) == 0)
                    break;
            }
            if (k < sizeof(FLOAT_WORDS) / sizeof(FLOAT_WORDS[0]) ||
                strncmp(s + i, "_Float", 6) == 0 || strncmp(s + i, "_Decimal", 8) == 0) {
                if (name != NULL)
                    printf("  %s:%d: floating point name %.*s\n", name, line, (int)(j - i), s + i);
                found++;
            }
            i = j;
            line_start = false;
        } else {
            if (c != ' ' && c != '\t')
                line_start = false;
            i++;
        }
    }
    return found;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long len;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = malloc((size_t)len + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    text[len] = '\0';
    fclose(f);
    return text;
}

static void test_dp_no_floating_point(void **state)
{
    static const char *const files[] = {"include/dp.h", "src/dp_int.h", "src/dp_rng.c",
                                        "src/dp_sample.c", "src/dp_parse.c"};
    const char *src = getenv("TIPHUB_SOURCE_DIR");
    char root[4096], path[4200];
    size_t i;

    (void)state;
    /* The scanner finds what it must, and nothing in comments or strings. */
    assert_int_equal(float_findings(NULL, "int x; /* double 1.5 exp(x) */ \"float 2.0\"\n"), 0);
    assert_int_equal(float_findings(NULL, "// long double y = 0.5;\nuint64_t z = 0x1e5;\n"), 0);
    assert_int_equal(float_findings(NULL, "double y;"), 1);
    assert_int_equal(float_findings(NULL, "x = 1.5 + 2e3 + 0x1p4 + 3.;"), 4);
    assert_int_equal(float_findings(NULL, "  #include <math.h>\n#include \"fenv.h\"\n"), 2);
    assert_int_equal(float_findings(NULL, "y = exp(g) + sqrt(2) + floor_gamma + dp__isqrt(4);"), 2);
    assert_int_equal(float_findings(NULL, "_Float64 a; _Decimal32 b; long double c;"), 3);

    if (src != NULL) {
        snprintf(root, sizeof(root), "%s", src);
    } else {
        /* Run by hand: find the tree from this file's path (tests/unit/test_dp.c). */
        const char *cut = strstr(__FILE__, "tests/unit/test_dp.c");
        assert_non_null(cut);
        snprintf(root, sizeof(root), "%.*s", (int)(cut - __FILE__), __FILE__);
    }
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *text = NULL;
        snprintf(path, sizeof(path), "%s/%s", root, files[i]);
        text = read_text(path);
        if (text == NULL)
            fail_msg("cannot read '%s'", path);
        assert_int_equal(float_findings(files[i], text), 0);
        free(text);
    }
}

int main(void)
{
    const char *env = getenv("TIPHUB_DP_TEST_SAMPLES");
    uint64_t n = 0;
    if (env != NULL) {
        if (str_to_u64(env, strlen(env), 1000000000, &n) != 0 || n < 1000)
            return 2;
        nsamples = (long)n;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dp_chi2_tables),
        cmocka_unit_test(test_dp_uniform_rejection_scripted),
        cmocka_unit_test(test_dp_uniform_no_modulo_bias),
        cmocka_unit_test(test_dp_seeded_stream_format),
        cmocka_unit_test(test_dp_determinism),
        cmocka_unit_test(test_dp_isqrt_gcd),
        cmocka_unit_test(test_dp_bernoulli_exp),
        cmocka_unit_test(test_dp_bernoulli_exp128),
        cmocka_unit_test(test_dp_laplace_fit),
        cmocka_unit_test(test_dp_gaussian_fit),
        cmocka_unit_test(test_dp_fit_negative_control),
        cmocka_unit_test(test_dp_symmetry),
        cmocka_unit_test(test_dp_bad_parameters),
        cmocka_unit_test(test_dp_parse_rational),
        cmocka_unit_test(test_dp_no_floating_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
