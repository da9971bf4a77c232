/*
 * test_dice.c: unit tests for the Dice module (dice.h): the threshold parser, the pass
 * test and popcount window, and the candidate search with every kernel, against a
 * brute force written independently here (a bit-by-bit count, no shared code).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dice.h"
#include "dice_int.h"
#include "err.h"

/* ==== Helpers ==== */

static uint64_t rng;

static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random word whose bits are set with probability about permille/1000. */
static uint64_t rand_word(unsigned permille)
{
    uint64_t w = 0;
    unsigned b;

    if (permille == 500)
        return next_rand();
    for (b = 0; b < 64; b++) {
        if (next_rand() % 1000 < permille)
            w |= (uint64_t)1 << b;
    }
    return w;
}

/* Fill s with n random records; each record's density is drawn from densities[]. */
static void fill_random(struct dice_clks *s, size_t nbits, size_t n, const unsigned *densities,
                        size_t ndens)
{
    uint64_t row[DICE_MAX_BITS / 64];
    size_t i, w;

    assert_int_equal(dice_clks_init(s, nbits, n), 0);
    for (i = 0; i < n; i++) {
        unsigned d = densities[next_rand() % ndens];
        for (w = 0; w < s->words; w++)
            row[w] = rand_word(d);
        dice_clks_set_words(s, i, row);
    }
}

/* Count shared bits one at a time (Kernighan): deliberately nothing like the kernels. */
static uint32_t slow_common(const uint64_t *a, const uint64_t *b, size_t words)
{
    uint32_t c = 0;
    size_t w;

    for (w = 0; w < words; w++) {
        uint64_t x = a[w] & b[w];
        while (x != 0) {
            x &= x - 1;
            c++;
        }
    }
    return c;
}

static uint32_t slow_pop(const uint64_t *a, size_t words)
{
    return slow_common(a, a, words);
}

/* The definition, written out again: 2q*c >= p*(a+b), empty pair only at t = 0. */
static int slow_passes(const struct dice_threshold *t, uint32_t c, uint32_t pa, uint32_t pb)
{
    if (pa + pb == 0)
        return t->p == 0;
    return 2 * (uint64_t)t->q * c >= (uint64_t)t->p * (pa + pb);
}

/* Every passing pair by brute force, sorted by (a, b). b == NULL: self-join, i < j. */
static void brute_force(const struct dice_clks *a, const struct dice_clks *b,
                        const struct dice_threshold *t, struct dice_pairs *out)
{
    const struct dice_clks *bb = b != NULL ? b : a;
    size_t i, j;

    for (i = 0; i < a->n; i++) {
        const uint64_t *x = a->bits + i * a->words;
        uint32_t pa = slow_pop(x, a->words);
        for (j = b != NULL ? 0 : i + 1; j < bb->n; j++) {
            const uint64_t *y = bb->bits + j * bb->words;
            uint32_t pb = slow_pop(y, bb->words), c = slow_common(x, y, a->words);
            if (slow_passes(t, c, pa, pb)) {
                struct dice_pair p = {(uint32_t)i, (uint32_t)j, c, pa + pb};
                dice_pairs_push(out, &p);
            }
        }
    }
}

static void assert_same_pairs(const struct dice_pairs *x, const struct dice_pairs *y)
{
    size_t i;

    assert_int_equal(x->n, y->n);
    for (i = 0; i < x->n; i++) {
        assert_int_equal(x->v[i].a, y->v[i].a);
        assert_int_equal(x->v[i].b, y->v[i].b);
        assert_int_equal(x->v[i].common, y->v[i].common);
        assert_int_equal(x->v[i].sum, y->v[i].sum);
    }
}

static const enum dice_kernel all_kernels[] = {DICE_KERNEL_SCALAR, DICE_KERNEL_AVX2,
                                               DICE_KERNEL_AVX512};
#define NKERNELS (sizeof(all_kernels) / sizeof(all_kernels[0]))

/* Is kernel k runnable? If not, say so once per test and skip it. */
static int kernel_usable(enum dice_kernel k)
{
    if (dice_kernel_supported(k))
        return 1;
    print_message("skipping the %s kernel: this CPU lacks it\n", dice_kernel_name(k));
    return 0;
}

static void search_ok(const struct dice_clks *a, const struct dice_clks *b,
                      const struct dice_opts *o, struct dice_pairs *out, struct dice_stats *st)
{
    struct err e;
    int rc;

    err_init(&e);
    rc = dice_search(a, b, o, out, st, &e);
    if (rc != 0)
        print_message("dice_search: %s\n", e.msg);
    assert_int_equal(rc, 0);
}

static struct dice_threshold thr(const char *s)
{
    struct dice_threshold t;
    assert_int_equal(dice_threshold_parse(s, &t, NULL), 0);
    return t;
}

/*
 * Comparisons without the popcount window: every pair, less those of empty A rows when
 * t > 0 (they are skipped whole). In a self-join the e empty rows sort first, and row r
 * meets the n-1-r rows after it.
 */
static uint64_t unwindowed_comparisons(const struct dice_clks *a, const struct dice_clks *b,
                                       const struct dice_threshold *t)
{
    uint64_t n = a->n, empty = 0, total, r;
    size_t i;

    for (i = 0; i < a->n; i++)
        empty += a->pop[i] == 0;
    if (t->p == 0)
        empty = 0;
    if (b != NULL)
        return (n - empty) * b->n;
    total = n * (n > 0 ? n - 1 : 0) / 2;
    for (r = 0; r < empty; r++)
        total -= n - 1 - r;
    return total;
}

/*
 * Search a (against b, or itself) with every kernel, with and without the popcount
 * window, on 1 and 3 threads, with a small and the default tile, and check each
 * result equals the brute force.
 */
static void check_all_ways(const struct dice_clks *a, const struct dice_clks *b,
                           const struct dice_threshold *t)
{
    struct dice_pairs expect;
    size_t ki;
    int variant;

    dice_pairs_init(&expect);
    brute_force(a, b, t, &expect);
    for (ki = 0; ki < NKERNELS; ki++) {
        if (!dice_kernel_supported(all_kernels[ki]))
            continue;
        for (variant = 0; variant < 4; variant++) {
            struct dice_opts o;
            struct dice_pairs got;
            struct dice_stats st;

            dice_opts_init(&o);
            o.threshold = *t;
            o.kernel = all_kernels[ki];
            o.no_window = (variant & 1) != 0;
            o.nthreads = (variant & 2) ? 3 : 1;
            o.tile_bytes = (variant & 2) ? 0 : 1; /* 1 byte: the smallest tile, 8 records */
            dice_pairs_init(&got);
            search_ok(a, b, &o, &got, &st);
            assert_same_pairs(&got, &expect);
            assert_int_equal(st.pairs, expect.n);
            assert_int_equal(st.kernel, all_kernels[ki]);
            assert_true(st.comparisons <= st.brute_force);
            if (o.no_window)
                assert_int_equal(st.comparisons, unwindowed_comparisons(a, b, t));
            dice_pairs_release(&got);
        }
    }
    dice_pairs_release(&expect);
}

/* ==== Thresholds ==== */

static void test_threshold_parse_good(void **state)
{
    static const struct {
        const char *text;
        uint32_t p, q;
    } cases[] = {
        {"0.7", 7, 10},
        {"0.85", 17, 20},
        {"0.8500", 17, 20},
        {"1", 1, 1},
        {"1.0", 1, 1},
        {"1.000000000000000000", 1, 1},
        {"0", 0, 1},
        {"0.0", 0, 1},
        {"0.5", 1, 2},
        {"0.123456789", 123456789, 1000000000},
        {"0.999999999", 999999999, 1000000000},
        {"0.000000001", 1, 1000000000},
        {"0.100000000000000000", 1, 10},
        {"0.25", 1, 4},
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct dice_threshold t = {99, 99};
        struct err e;
        err_init(&e);
        assert_int_equal(dice_threshold_parse(cases[i].text, &t, &e), 0);
        assert_int_equal(t.p, cases[i].p);
        assert_int_equal(t.q, cases[i].q);
    }
}

static void test_threshold_parse_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "-0.5",
        "+0.5",
        "1.5",
        "1.01",
        "2",
        "0.",
        ".5",
        " 0.5",
        "0.5 ",
        "1e-1",
        "0,5",
        "nan",
        "00.5",
        "01",
        "0x1",
        "0.5\n",
        "0.1234567891",
        "0..5",
        "0.5.",
        "inf",
        "0.1000000000000000000", /* 19 fraction digits */
        "1.0000000000000000000",
        "10",
        "0.-5",
        "0.5a",
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct dice_threshold t = {3, 4};
        struct err e;
        err_init(&e);
        assert_int_equal(dice_threshold_parse(bad[i], &t, &e), ERR_INVALID);
        assert_int_equal(e.code, ERR_INVALID);
        assert_true(strlen(e.msg) > 0);
        /* A failed parse leaves the output alone. */
        assert_int_equal(t.p, 3);
        assert_int_equal(t.q, 4);
    }
    assert_int_equal(dice_threshold_parse(NULL, &(struct dice_threshold){0, 1}, NULL), ERR_INVALID);
}

static void test_threshold_from_ratio(void **state)
{
    struct dice_threshold t;
    (void)state;

    assert_int_equal(dice_threshold_from_ratio(70, 100, &t), 0);
    assert_int_equal(t.p, 7);
    assert_int_equal(t.q, 10);
    assert_int_equal(dice_threshold_from_ratio(0, 5, &t), 0);
    assert_int_equal(t.p, 0);
    assert_int_equal(t.q, 1);
    assert_int_equal(dice_threshold_from_ratio(3, 3, &t), 0);
    assert_int_equal(t.p, 1);
    assert_int_equal(t.q, 1);
    assert_int_equal(dice_threshold_from_ratio(1, 3, &t), 0);
    assert_int_equal(t.p, 1);
    assert_int_equal(t.q, 3);
    assert_int_equal(dice_threshold_from_ratio(4, 3, &t), ERR_INVALID);
    assert_int_equal(dice_threshold_from_ratio(0, 0, &t), ERR_INVALID);
    assert_int_equal(dice_threshold_from_ratio(1, 2000000000, &t), ERR_INVALID);
}

static void test_passes_boundary(void **state)
{
    struct dice_threshold t7 = thr("0.7"), t0 = thr("0"), t1 = thr("1"), t85 = thr("0.85");
    (void)state;

    /* 2*7/20 = 0.7 exactly: passes (inclusive); one bit fewer does not. */
    assert_true(dice_passes(&t7, 7, 10, 10));
    assert_false(dice_passes(&t7, 6, 10, 10));
    /* 0.85 = 17/20: 2*17/40 exactly. */
    assert_true(dice_passes(&t85, 17, 20, 20));
    assert_false(dice_passes(&t85, 16, 20, 20));
    assert_true(dice_passes(&t85, 340, 400, 400));
    assert_false(dice_passes(&t85, 339, 400, 400));
    /* Two empty CLKs: Dice is 0, so they pass only t = 0. */
    assert_true(dice_passes(&t0, 0, 0, 0));
    assert_false(dice_passes(&t7, 0, 0, 0));
    assert_false(dice_passes(&t1, 0, 0, 0));
    /* t = 1 wants identical CLKs; t = 0 takes anything. */
    assert_true(dice_passes(&t1, 5, 5, 5));
    assert_false(dice_passes(&t1, 5, 5, 6));
    assert_true(dice_passes(&t0, 0, 3, 9));
    /* The largest values stay exact: q = 1e9 and popcounts of 65536. */
    {
        struct dice_threshold tq = thr("0.999999999");
        assert_true(dice_passes(&tq, DICE_MAX_BITS, DICE_MAX_BITS, DICE_MAX_BITS));
        assert_false(dice_passes(&tq, DICE_MAX_BITS - 1, DICE_MAX_BITS, DICE_MAX_BITS));
    }
}

/* The window is exactly {b : 2q*min(a,b) >= p(a+b)}, for many thresholds and popcounts. */
static void test_window_exact(void **state)
{
    static const char *const ts[] = {"0",    "0.1", "0.3",  "0.333333333", "0.5",         "0.7",
                                     "0.75", "0.8", "0.85", "0.9",         "0.999999999", "1"};
    size_t ti;
    uint32_t a, b;
    (void)state;

    for (ti = 0; ti < sizeof(ts) / sizeof(ts[0]); ti++) {
        struct dice_threshold t = thr(ts[ti]);
        for (a = 0; a <= 400; a++) {
            uint32_t lo, hi;
            dice_window(&t, a, &lo, &hi);
            for (b = 0; b <= 1200; b++) {
                uint32_t m = a < b ? a : b;
                int in = b >= lo && b <= hi;
                int need = 2 * (uint64_t)t.q * m >= (uint64_t)t.p * (a + b);
                if (in != need)
                    print_message("t=%s a=%u b=%u window [%u,%u]\n", ts[ti], a, b, lo, hi);
                assert_int_equal(in, need);
            }
        }
    }
}

/* ==== Sets and kernels ==== */

static void test_clks_basics(void **state)
{
    struct dice_clks s;
    uint8_t bytes[128];
    uint64_t x[2] = {0xff00ff00ff00ff00ull, 0x1ull}, y[2] = {0x0ff00ff00ff00ff0ull, 0x3ull};
    size_t i;
    (void)state;

    assert_int_equal(dice_clks_init(&s, 0, 1), ERR_INVALID);
    assert_int_equal(dice_clks_init(&s, 100, 1), ERR_INVALID);
    assert_int_equal(dice_clks_init(&s, DICE_MAX_BITS + 64, 1), ERR_INVALID);
    assert_int_equal(dice_clks_init(&s, 1024, 0), 0);
    assert_int_equal(s.n, 0);
    assert_null(s.bits);
    dice_clks_release(&s);
    dice_clks_release(NULL);

    assert_int_equal(dice_clks_init(&s, 1024, 3), 0);
    for (i = 0; i < sizeof(bytes); i++)
        bytes[i] = (uint8_t)(i * 37);
    dice_clks_set_bytes(&s, 1, bytes);
    assert_int_equal(s.pop[0], 0);
    assert_int_equal(s.pop[1], slow_pop(s.bits + 16, 16));
    /* Byte 0 is the low byte of word 0. */
    assert_int_equal(s.bits[16] & 0xff, bytes[0]);
    assert_int_equal(s.bits[16] >> 56, bytes[7]);
    s.bits[2 * 16 + 5] = ~(uint64_t)0;
    dice_clks_recount(&s);
    assert_int_equal(s.pop[2], 64);
    dice_clks_release(&s);

    assert_int_equal(dice_common(x, y, 2), slow_common(x, y, 2));
    assert_int_equal(dice_common(x, y, 2), 17);
}

static void test_kernel_names(void **state)
{
    enum dice_kernel k;
    size_t i;
    (void)state;

    for (i = 0; i < NKERNELS; i++) {
        assert_int_equal(dice_kernel_parse(dice_kernel_name(all_kernels[i]), &k), 0);
        assert_int_equal(k, all_kernels[i]);
    }
    assert_int_equal(dice_kernel_parse("auto", &k), 0);
    assert_int_equal(k, DICE_KERNEL_AUTO);
    assert_int_equal(dice_kernel_parse("AVX512", &k), ERR_INVALID);
    assert_int_equal(dice_kernel_parse("sse", &k), ERR_INVALID);
    assert_true(dice_kernel_supported(DICE_KERNEL_SCALAR));
    assert_true(dice_kernel_supported(DICE_KERNEL_AUTO));
    assert_int_equal(dice_kernel_resolve(DICE_KERNEL_SCALAR, &k, NULL), 0);
    assert_int_equal(k, DICE_KERNEL_SCALAR);
    assert_int_equal(dice_kernel_resolve((enum dice_kernel)42, &k, NULL), ERR_INVALID);
    for (i = 0; i < NKERNELS; i++) {
        int rc = dice_kernel_resolve(all_kernels[i], &k, NULL);
        assert_int_equal(rc, dice_kernel_supported(all_kernels[i]) ? 0 : ERR_UNSUPPORTED);
    }
}

/* Run dice_kernel_default() in a child with TIPHUB_DICE_KERNEL set; return its result. */
static int default_kernel_in_child(const char *env, enum dice_kernel *k)
{
    int fds[2], status = 0;
    pid_t pid;
    int result[2] = {0, 0};

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        enum dice_kernel kk = DICE_KERNEL_AUTO;
        close(fds[0]);
        if (env != NULL)
            setenv("TIPHUB_DICE_KERNEL", env, 1);
        else
            unsetenv("TIPHUB_DICE_KERNEL");
        result[0] = dice_kernel_default(&kk, NULL);
        result[1] = (int)kk;
        if (write(fds[1], result, sizeof(result)) != (ssize_t)sizeof(result))
            _exit(2);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], result, sizeof(result)), (ssize_t)sizeof(result));
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    *k = (enum dice_kernel)result[1];
    return result[0];
}

static void test_kernel_env(void **state)
{
    enum dice_kernel k;
    size_t i;
    (void)state;

    assert_int_equal(default_kernel_in_child("bogus", &k), ERR_INVALID);
    assert_int_equal(default_kernel_in_child("scalar", &k), 0);
    assert_int_equal(k, DICE_KERNEL_SCALAR);
    for (i = 0; i < NKERNELS; i++) {
        int rc = default_kernel_in_child(dice_kernel_name(all_kernels[i]), &k);
        if (dice_kernel_supported(all_kernels[i])) {
            assert_int_equal(rc, 0);
            assert_int_equal(k, all_kernels[i]);
        } else {
            assert_int_equal(rc, ERR_UNSUPPORTED); /* refused, not replaced */
        }
    }
    /* Unset: the best the CPU has. */
    assert_int_equal(default_kernel_in_child(NULL, &k), 0);
    if (dice_kernel_supported(DICE_KERNEL_AVX512))
        assert_int_equal(k, DICE_KERNEL_AVX512);
    else if (dice_kernel_supported(DICE_KERNEL_AVX2))
        assert_int_equal(k, DICE_KERNEL_AVX2);
    else
        assert_int_equal(k, DICE_KERNEL_SCALAR);
}

static void test_kernels_report_kernel_support(void **state)
{
    size_t i;
    (void)state;

    /* Not a check of the code: a line in the test log saying what was covered. */
    for (i = 0; i < NKERNELS; i++)
        kernel_usable(all_kernels[i]);
    print_message("kernels run by these tests:%s%s%s\n",
                  dice_kernel_supported(DICE_KERNEL_SCALAR) ? " scalar" : "",
                  dice_kernel_supported(DICE_KERNEL_AVX2) ? " avx2" : "",
                  dice_kernel_supported(DICE_KERNEL_AVX512) ? " avx512" : "");
    assert_true(dice_kernel_supported(DICE_KERNEL_SCALAR));
}

/* Each kernel, straight, against the brute force over one A row and every B range. */
static void test_kernels_direct(void **state)
{
    static const size_t nbits_list[] = {64, 128, 192, 1024, 1088};
    struct dice_threshold t = thr("0.55");
    size_t bi, ki;
    (void)state;

    rng = 7;
    for (bi = 0; bi < sizeof(nbits_list) / sizeof(nbits_list[0]); bi++) {
        static const unsigned dens[] = {300, 500, 700};
        struct dice_clks a, b;
        struct dice__side side;
        size_t lo, hi;

        fill_random(&a, nbits_list[bi], 1, dens, 3);
        fill_random(&b, nbits_list[bi], 21, dens, 3);
        /* Make some of B close to A so that passes happen. */
        memcpy(b.bits + 3 * b.words, a.bits, a.words * 8);
        memcpy(b.bits + 17 * b.words, a.bits, a.words * 8);
        b.bits[17 * b.words] ^= 0xffff;
        dice_clks_recount(&b);
        b.pop[4] = 9999; /* a wrong popcount must not matter: the layout recounts */
        dice__side_prepare(&side, &b, t.p, DICE__WANT_BLOCKS | DICE__WANT_NIBBLES);
        assert_null(side.rows);
        for (ki = 0; ki < NKERNELS; ki++) {
            struct dice__ctx c;
            if (!dice_kernel_supported(all_kernels[ki]))
                continue;
            c.blocks = side.blocks;
            c.nibbles = side.nibbles;
            c.pterm = side.pterm;
            c.pop = side.pop;
            c.words = side.words;
            c.twoq = 2 * (uint64_t)t.q;
            c.p = t.p;
            for (lo = 0; lo <= b.n; lo++) {
                for (hi = lo; hi <= b.n; hi++) {
                    struct dice_pairs got;
                    size_t j, n = 0;
                    dice_pairs_init(&got);
                    dice__kernel_fn_of(all_kernels[ki])(&c, a.bits, a.pop[0], 5, lo, hi, &got);
                    for (j = lo; j < hi; j++) {
                        const uint64_t *y = b.bits + (size_t)side.order[j] * b.words;
                        uint32_t cm = slow_common(a.bits, y, a.words);
                        if (!slow_passes(&t, cm, a.pop[0], side.pop[j]))
                            continue;
                        assert_true(n < got.n);
                        assert_int_equal(got.v[n].a, 5);
                        assert_int_equal(got.v[n].b, j);
                        assert_int_equal(got.v[n].common, cm);
                        assert_int_equal(got.v[n].sum, a.pop[0] + slow_pop(y, b.words));
                        n++;
                    }
                    assert_int_equal(n, got.n);
                    dice_pairs_release(&got);
                }
            }
        }
        dice__side_release(&side);
        dice_clks_release(&a);
        dice_clks_release(&b);
    }
}

/* Random sets: several sizes, lengths, densities and thresholds, every way. */
static void test_search_random(void **state)
{
    static const size_t nbits_list[] = {64, 256, 960, 1024, 2048};
    static const size_t sizes[][2] = {{1, 1}, {7, 9}, {8, 8}, {33, 70}, {90, 41}};
    static const char *const ts[] = {"0", "0.3", "0.5", "0.7", "0.85", "1"};
    static const unsigned dens[] = {50, 300, 500, 500, 800, 950};
    size_t bi, si, ti;
    (void)state;

    rng = 11;
    for (bi = 0; bi < sizeof(nbits_list) / sizeof(nbits_list[0]); bi++) {
        for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
            struct dice_clks a, b;
            size_t i;
            fill_random(&a, nbits_list[bi], sizes[si][0], dens, 6);
            fill_random(&b, nbits_list[bi], sizes[si][1], dens, 6);
            /* Near-copies, so high thresholds find something; one exact copy for t = 1. */
            for (i = 0; i < a.n && i < b.n; i += 3) {
                memcpy(b.bits + i * b.words, a.bits + i * a.words, a.words * 8);
                if (i % 2 == 1)
                    b.bits[i * b.words] ^= next_rand() & next_rand();
            }
            dice_clks_recount(&b);
            for (ti = 0; ti < sizeof(ts) / sizeof(ts[0]); ti++) {
                struct dice_threshold t = thr(ts[ti]);
                check_all_ways(&a, &b, &t);
                check_all_ways(&a, NULL, &t);
            }
            dice_clks_release(&a);
            dice_clks_release(&b);
        }
    }
}

/*
 * Make A and B with exactly pa and pb bits and `common` shared: the pair's score is
 * then known exactly, and can sit on the threshold.
 */
static void set_exact(struct dice_clks *a, size_t ia, struct dice_clks *b, size_t ib, uint32_t pa,
                      uint32_t pb, uint32_t common)
{
    size_t nbits = a->nbits, k, words = a->words;
    uint32_t *perm = malloc(nbits * sizeof(*perm));
    uint64_t *x = a->bits + ia * words, *y = b->bits + ib * words;

    assert_non_null(perm);
    assert_true(pa + pb - common <= nbits);
    for (k = 0; k < nbits; k++)
        perm[k] = (uint32_t)k;
    for (k = nbits - 1; k > 0; k--) {
        size_t r = next_rand() % (k + 1);
        uint32_t tmp = perm[k];
        perm[k] = perm[r];
        perm[r] = tmp;
    }
    memset(x, 0, words * 8);
    memset(y, 0, words * 8);
    /* perm[0..common) in both, then A only, then B only. */
    for (k = 0; k < pa; k++)
        x[perm[k] / 64] |= (uint64_t)1 << (perm[k] % 64);
    for (k = 0; k < common; k++)
        y[perm[k] / 64] |= (uint64_t)1 << (perm[k] % 64);
    for (k = pa; k < pa + pb - common; k++)
        y[perm[k] / 64] |= (uint64_t)1 << (perm[k] % 64);
    free(perm);
}

/* Pairs built to sit exactly on the threshold, and one bit below it. */
static void test_search_exact_boundary(void **state)
{
    static const char *const ts[] = {"0.7", "0.85", "0.5", "0.8", "0.75", "0.9"};
    static const size_t nbits_list[] = {1024, 512, 1088};
    size_t ti, bi;
    (void)state;

    rng = 23;
    for (bi = 0; bi < sizeof(nbits_list) / sizeof(nbits_list[0]); bi++) {
        for (ti = 0; ti < sizeof(ts) / sizeof(ts[0]); ti++) {
            struct dice_threshold t = thr(ts[ti]);
            struct dice_clks a, b;
            struct dice_pairs got;
            struct dice_opts o;
            size_t n = 40, i, k, on = 0;
            uint32_t unit = 2 * t.q; /* a + b must be a multiple of 2q/gcd: use 2q */

            assert_int_equal(dice_clks_init(&a, nbits_list[bi], n), 0);
            assert_int_equal(dice_clks_init(&b, nbits_list[bi], n), 0);
            for (i = 0; i < n; i++) {
                /*
                 * sum = m * 2q and common = m * p put the pair exactly on t (odd i);
                 * one shared bit fewer puts it just below (even i). common <= sum / 2
                 * since p <= q, so pa can be anything in [common, sum - common].
                 */
                uint32_t m = 1 + (uint32_t)(next_rand() % (nbits_list[bi] / unit));
                uint32_t sum = m * unit, common = m * t.p, pa, pb;
                pa = common + (uint32_t)(next_rand() % (sum - 2 * common + 1));
                pb = sum - pa;
                assert_true(pa >= common && pb >= common && sum <= nbits_list[bi]);
                set_exact(&a, i, &b, i, pa, pb, i % 2 == 0 ? common - 1 : common);
            }
            dice_clks_recount(&a);
            dice_clks_recount(&b);
            for (i = 0; i < n; i++) {
                uint32_t c = slow_common(a.bits + i * a.words, b.bits + i * b.words, a.words);
                /* The score is exactly t (odd i) or just under it (even i). */
                assert_int_equal(2 * (uint64_t)t.q * c == (uint64_t)t.p * (a.pop[i] + b.pop[i]),
                                 i % 2 == 1);
            }
            check_all_ways(&a, &b, &t);
            check_all_ways(&a, NULL, &t);
            /* And directly: every odd i pairs with itself, no even i does. */
            dice_opts_init(&o);
            o.threshold = t;
            dice_pairs_init(&got);
            search_ok(&a, &b, &o, &got, NULL);
            for (k = 0; k < got.n; k++) {
                if (got.v[k].a == got.v[k].b) {
                    assert_int_equal(got.v[k].a % 2, 1);
                    on++;
                }
            }
            assert_int_equal(on, n / 2);
            dice_pairs_release(&got);
            dice_clks_release(&a);
            dice_clks_release(&b);
        }
    }
}

/* The popcount window prunes (here a lot) and never loses a pair. */
static void test_window_never_drops(void **state)
{
    static const unsigned dens[] = {20, 100, 250, 400, 600, 800, 980};
    static const char *const ts[] = {"0.2", "0.5", "0.7", "0.9", "0.95"};
    size_t ti, round;
    (void)state;

    rng = 31;
    for (round = 0; round < 4; round++) {
        struct dice_clks a, b;
        fill_random(&a, 512, 150, dens, 7);
        fill_random(&b, 512, 130, dens, 7);
        for (ti = 0; ti < sizeof(ts) / sizeof(ts[0]); ti++) {
            struct dice_threshold t = thr(ts[ti]);
            struct dice_pairs expect, got;
            struct dice_opts o;
            struct dice_stats st;
            size_t ki;

            dice_pairs_init(&expect);
            brute_force(&a, &b, &t, &expect);
            for (ki = 0; ki < NKERNELS; ki++) {
                if (!dice_kernel_supported(all_kernels[ki]))
                    continue;
                size_t tile;
                for (tile = 0; tile <= 1024; tile += 512) { /* 0: default; 8 or 16 records */
                    dice_opts_init(&o);
                    o.threshold = t;
                    o.kernel = all_kernels[ki];
                    o.tile_bytes = tile;
                    dice_pairs_init(&got);
                    search_ok(&a, &b, &o, &got, &st);
                    assert_same_pairs(&got, &expect);
                    /* With popcounts from 10 to 500 of 512, high thresholds prune. */
                    if (t.p * 10 >= t.q * 7)
                        assert_true(st.comparisons < st.brute_force / 2);
                    dice_pairs_release(&got);
                    search_ok(&a, NULL, &o, &got, &st); /* self-join, against check_all_ways */
                    dice_pairs_release(&got);
                }
            }
            dice_pairs_release(&expect);
        }
        dice_clks_release(&a);
        dice_clks_release(&b);
    }
}

/* All-ones CLKs up to the largest length: no kernel's counters may overflow. */
static void test_search_full_clks(void **state)
{
    static const size_t nbits_list[] = {1024, 2048, 4096, DICE_MAX_BITS};
    size_t bi, i;
    (void)state;

    for (bi = 0; bi < sizeof(nbits_list) / sizeof(nbits_list[0]); bi++) {
        struct dice_clks a;
        struct dice_threshold t = thr("1");
        size_t words = nbits_list[bi] / 64;

        assert_int_equal(dice_clks_init(&a, nbits_list[bi], 11), 0);
        for (i = 0; i < 11 * words; i++)
            a.bits[i] = ~(uint64_t)0;
        a.bits[10 * words + words / 2] = 0; /* one record 64 bits short */
        dice_clks_recount(&a);
        assert_int_equal(a.pop[0], nbits_list[bi]);
        check_all_ways(&a, NULL, &t);
        t = thr("0.99");
        check_all_ways(&a, NULL, &t);
        dice_clks_release(&a);
    }
}

static void test_search_empty(void **state)
{
    struct dice_clks none, one, two_empty;
    struct dice_pairs got;
    struct dice_opts o;
    struct dice_stats st;
    uint64_t zero[16] = {0};
    (void)state;

    assert_int_equal(dice_clks_init(&none, 1024, 0), 0);
    assert_int_equal(dice_clks_init(&one, 1024, 1), 0);
    one.bits[3] = 0xf0;
    dice_clks_recount(&one);
    dice_opts_init(&o);
    o.threshold = thr("0");
    dice_pairs_init(&got);
    search_ok(&none, &none, &o, &got, &st);
    search_ok(&none, &one, &o, &got, &st);
    search_ok(&one, &none, &o, &got, &st);
    search_ok(&none, NULL, &o, &got, &st);
    search_ok(&one, NULL, &o, &got, &st);
    assert_int_equal(got.n, 0);
    assert_int_equal(st.brute_force, 0);

    /* Two empty CLKs: Dice is 0, so they pair at t = 0 and at nothing higher. */
    assert_int_equal(dice_clks_init(&two_empty, 1024, 2), 0);
    dice_clks_set_words(&two_empty, 0, zero);
    dice_clks_set_words(&two_empty, 1, zero);
    search_ok(&two_empty, NULL, &o, &got, &st);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.v[0].a, 0);
    assert_int_equal(got.v[0].b, 1);
    assert_int_equal(got.v[0].sum, 0);
    got.n = 0;
    o.threshold = thr("0.01");
    search_ok(&two_empty, &two_empty, &o, &got, &st);
    search_ok(&two_empty, &one, &o, &got, &st);
    assert_int_equal(got.n, 0);
    /* An empty CLK against a non-empty one at t = 0 still passes (0 >= 0). */
    o.threshold = thr("0");
    search_ok(&two_empty, &one, &o, &got, &st);
    assert_int_equal(got.n, 2);

    dice_pairs_release(&got);
    dice_clks_release(&none);
    dice_clks_release(&one);
    dice_clks_release(&two_empty);
}

/* A self-join reports each unordered pair once, a < b, and never (i, i). */
static void test_self_join_once(void **state)
{
    static const unsigned dens[] = {500};
    struct dice_clks a;
    struct dice_pairs got;
    struct dice_opts o;
    struct dice_stats st;
    size_t i, n = 57;
    (void)state;

    rng = 5;
    fill_random(&a, 1024, n, dens, 1);
    /* Many duplicates: records 0..9 all equal, so every pair among them passes t = 1. */
    for (i = 1; i < 10; i++)
        memcpy(a.bits + i * a.words, a.bits, a.words * 8);
    dice_clks_recount(&a);
    dice_opts_init(&o);
    o.threshold = thr("0"); /* everything: exactly n(n-1)/2 pairs */
    dice_pairs_init(&got);
    search_ok(&a, NULL, &o, &got, &st);
    assert_int_equal(got.n, n * (n - 1) / 2);
    assert_int_equal(st.brute_force, n * (n - 1) / 2);
    for (i = 0; i < got.n; i++) {
        assert_true(got.v[i].a < got.v[i].b);
        if (i > 0)
            assert_true(got.v[i - 1].a < got.v[i].a ||
                        (got.v[i - 1].a == got.v[i].a && got.v[i - 1].b < got.v[i].b));
    }
    got.n = 0;
    o.threshold = thr("1");
    search_ok(&a, NULL, &o, &got, &st);
    assert_int_equal(got.n, 45); /* 10 choose 2 */
    for (i = 0; i < got.n; i++)
        assert_true(got.v[i].a < got.v[i].b && got.v[i].b < 10);
    dice_pairs_release(&got);
    dice_clks_release(&a);
}

/* The result does not depend on the number of threads (or the kernel). */
static void test_threads_same_pairs(void **state)
{
    static const unsigned dens[] = {300, 500, 700};
    static const unsigned threads[] = {2, 3, 4, 7, 0};
    struct dice_clks a, b;
    struct dice_pairs one, many;
    struct dice_opts o;
    size_t i, ti;
    (void)state;

    rng = 99;
    fill_random(&a, 1024, 3000, dens, 3);
    fill_random(&b, 1024, 700, dens, 3);
    for (i = 0; i < b.n; i += 5)
        memcpy(b.bits + i * b.words, a.bits + (i * 3) * a.words, a.words * 8);
    dice_clks_recount(&b);
    dice_opts_init(&o);
    o.threshold = thr("0.6");
    o.nthreads = 1;
    dice_pairs_init(&one);
    search_ok(&a, &b, &o, &one, NULL);
    assert_true(one.n >= b.n / 5);
    for (ti = 0; ti < sizeof(threads) / sizeof(threads[0]); ti++) {
        o.nthreads = threads[ti];
        dice_pairs_init(&many);
        search_ok(&a, &b, &o, &many, NULL);
        assert_same_pairs(&many, &one);
        dice_pairs_release(&many);
    }
    /* Self-join too. */
    one.n = 0;
    o.nthreads = 1;
    search_ok(&a, NULL, &o, &one, NULL);
    o.nthreads = 4;
    dice_pairs_init(&many);
    search_ok(&a, NULL, &o, &many, NULL);
    assert_same_pairs(&many, &one);
    dice_pairs_release(&many);
    dice_pairs_release(&one);
    dice_clks_release(&a);
    dice_clks_release(&b);
}

static int count_progress(uint64_t done, uint64_t total, void *arg)
{
    uint64_t *last = arg;
    assert_true(done <= total);
    assert_true(done > last[0]); /* strictly increasing */
    last[0] = done;
    last[1] = total;
    last[2]++;
    return 0;
}

static int stop_progress(uint64_t done, uint64_t total, void *arg)
{
    (void)done;
    (void)total;
    (void)arg;
    return 1;
}

static int collect_pairs(const struct dice_pair *pairs, size_t n, void *arg)
{
    struct dice_pairs *all = arg;
    size_t i;
    for (i = 0; i < n; i++)
        dice_pairs_push(all, &pairs[i]);
    return 0;
}

static void test_callbacks_and_limits(void **state)
{
    static const unsigned dens[] = {500};
    struct dice_clks a, b;
    struct dice_pairs got, streamed;
    struct dice_opts o;
    struct dice_stats st;
    struct dice_pair sentinel = {1, 2, 3, 4};
    struct err e;
    uint64_t seen[3] = {0, 0, 0};
    (void)state;

    rng = 3;
    fill_random(&a, 1024, 500, dens, 1);
    fill_random(&b, 1024, 300, dens, 1);
    dice_opts_init(&o);
    o.threshold = thr("0.4"); /* at 50% density most pairs pass */
    o.nthreads = 2;
    o.progress = count_progress;
    o.progress_arg = seen;
    dice_pairs_init(&got);
    dice_pairs_push(&got, &sentinel);
    search_ok(&a, &b, &o, &got, &st);
    assert_int_equal(seen[0], a.n);
    assert_int_equal(seen[1], a.n);
    assert_true(seen[2] >= 2);
    /* Pairs are appended after what out held. */
    assert_int_equal(got.v[0].a, 1);
    assert_int_equal(got.v[0].sum, 4);
    assert_int_equal(got.n, st.pairs + 1);
    assert_true(st.pairs > 1000);

    /* Streamed pairs are the same set. */
    dice_pairs_init(&streamed);
    o.progress = NULL;
    o.on_pairs = collect_pairs;
    o.on_pairs_arg = &streamed;
    search_ok(&a, &b, &o, NULL, &st);
    dice_pairs_sort(&streamed);
    assert_int_equal(streamed.n, got.n - 1);
    assert_memory_equal(streamed.v, got.v + 1, streamed.n * sizeof(struct dice_pair));
    assert_int_equal(st.pairs, streamed.n);
    dice_pairs_release(&streamed);
    o.on_pairs = NULL;

    /* Too many pairs: ERR_TOOBIG, and out is as it was. */
    got.n = 1;
    o.max_pairs = 100;
    err_init(&e);
    assert_int_equal(dice_search(&a, &b, &o, &got, &st, &e), ERR_TOOBIG);
    assert_int_equal(e.code, ERR_TOOBIG);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.v[0].b, 2);
    o.max_pairs = 0;

    /* A progress callback that says stop. */
    o.progress = stop_progress;
    assert_int_equal(dice_search(&a, &b, &o, &got, &st, &e), ERR_INTERRUPTED);
    assert_int_equal(got.n, 1);
    o.progress = NULL;

    /* Bad arguments. */
    o.threshold.p = 3;
    o.threshold.q = 2;
    assert_int_equal(dice_search(&a, &b, &o, &got, &st, &e), ERR_INVALID);
    o.threshold = thr("0.5");
    assert_int_equal(dice_search(&a, &b, &o, NULL, &st, &e), ERR_INVALID);
    dice_clks_release(&b);
    fill_random(&b, 512, 10, dens, 1);
    assert_int_equal(dice_search(&a, &b, &o, &got, &st, &e), ERR_INVALID);
    assert_int_equal(got.n, 1);
    {
        struct dice_clks bad = b;
        bad.nbits = 500; /* not a multiple of 64 */
        assert_int_equal(dice_search(&bad, NULL, &o, &got, &st, &e), ERR_INVALID);
        bad = b;
        bad.words = 3; /* does not match nbits */
        assert_int_equal(dice_search(&bad, &bad, &o, &got, &st, &e), ERR_INVALID);
    }

    dice_pairs_release(&got);
    dice_clks_release(&a);
    dice_clks_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold_parse_good),
        cmocka_unit_test(test_threshold_parse_bad),
        cmocka_unit_test(test_threshold_from_ratio),
        cmocka_unit_test(test_passes_boundary),
        cmocka_unit_test(test_window_exact),
        cmocka_unit_test(test_clks_basics),
        cmocka_unit_test(test_kernel_names),
        cmocka_unit_test(test_kernel_env),
        cmocka_unit_test(test_kernels_report_kernel_support),
        cmocka_unit_test(test_kernels_direct),
        cmocka_unit_test(test_search_random),
        cmocka_unit_test(test_search_exact_boundary),
        cmocka_unit_test(test_window_never_drops),
        cmocka_unit_test(test_search_full_clks),
        cmocka_unit_test(test_search_empty),
        cmocka_unit_test(test_self_join_once),
        cmocka_unit_test(test_threads_same_pairs),
        cmocka_unit_test(test_callbacks_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
