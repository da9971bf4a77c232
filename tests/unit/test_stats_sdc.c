/*
 * test_stats_sdc.c: the suppression attacker. For tables protected by
 * stats_sdc_table(), an attacker who knows every published cell and margin, and
 * that every suppressed entry is at least 1 (zeros are published), computes for
 * each suppressed entry the exact interval [min, max] of values it can take over
 * all tables of non-negative integers consistent with what is published. Nothing
 * may be recovered: min < max for every suppressed entry.
 *
 * The interval is computed by stats_audit_entry() (max-flow on the table's
 * network); that method is itself checked here against brute-force enumeration of
 * every integer table on small tables, so the attacker does not rest on the code
 * it attacks. Then: many random tables, 1-D and 2-D, skewed towards small counts,
 * at several K; margins under K suppressed; zeros published; published values
 * unchanged; and small tables attacked by brute force directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"
#include "stats_int.h"

static uint64_t rng = 0x1234567;
static long compared;   /* suppressed entries compared with brute force */
static long unbounded;  /* of which unbounded above */
static long enumerated; /* candidate tables enumerated */
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* A random table (ncols 0 for 1-D) with cells drawn by draw(). */
static struct stats_table *make_table(struct stats_result *r, size_t nrows, size_t ncols,
                                      unsigned (*draw)(void))
{
    struct stats_table *t =
        stats__table_add(r, "t", "t", "persons", "rows", ncols ? "cols" : NULL, nrows, ncols, 1);
    size_t i, j;
    for (i = 0; i < nrows; i++) {
        stats__cat_set(&t->rows[i], "r", "r");
        for (j = 0; j < t->ncols; j++)
            t->v[stats_at(t, i, j)] = draw();
    }
    for (j = 0; ncols && j < ncols; j++)
        stats__cat_set(&t->cols[j], "c", "c");
    stats__table_margins(t);
    return t;
}

static unsigned draw_small(void)
{
    unsigned u = rnd(10);
    return u < 3 ? 0 : u < 7 ? 1 + rnd(3) : rnd(4);
}

static unsigned draw_skewed(void)
{
    unsigned u = rnd(100);
    if (u < 25)
        return 0;
    if (u < 60)
        return 1 + rnd(10); /* under K */
    if (u < 90)
        return 11 + rnd(40);
    return 50 + rnd(500);
}

/* ---- brute force ---- */

struct brute {
    const struct stats_table *t;
    size_t *free_cells; /* suppressed inner cells: enumerated */
    size_t nfree;
    int64_t bound;    /* values enumerated 1..bound */
    int64_t *work;    /* a candidate extended grid */
    int64_t *lo, *hi; /* per entry, over feasible candidates */
    long feasible;
};

static bool entry_used(const struct stats_table *t, size_t idx)
{
    return !stats_is_1d(t) || idx % (t->ncols + 1) == 0;
}

static void brute_check(struct brute *b)
{
    const struct stats_table *t = b->t;
    size_t n = (t->nrows + 1) * (t->ncols + 1), i, j;
    int64_t *w = b->work;
    /* margins of the candidate */
    for (j = 0; j <= t->ncols; j++)
        w[stats_at(t, t->nrows, j)] = 0;
    for (i = 0; i < t->nrows; i++) {
        int64_t row = 0;
        for (j = 0; j < t->ncols; j++) {
            row += w[stats_at(t, i, j)];
            w[stats_at(t, t->nrows, j)] += w[stats_at(t, i, j)];
        }
        if (!stats_is_1d(t))
            w[stats_at(t, i, t->ncols)] = row;
    }
    if (!stats_is_1d(t)) {
        int64_t g = 0;
        for (j = 0; j < t->ncols; j++)
            g += w[stats_at(t, t->nrows, j)];
        w[stats_at(t, t->nrows, t->ncols)] = g;
    }
    for (i = 0; i < n; i++) {
        if (!entry_used(t, i))
            continue;
        if (t->status[i] == STATS_SHOWN && w[i] != t->v[i])
            return;
        if (t->status[i] != STATS_SHOWN && w[i] < 1)
            return;
    }
    b->feasible++;
    for (i = 0; i < n; i++) {
        if (w[i] < b->lo[i])
            b->lo[i] = w[i];
        if (w[i] > b->hi[i])
            b->hi[i] = w[i];
    }
}

static void brute_rec(struct brute *b, size_t k)
{
    int64_t v;
    if (k == b->nfree) {
        enumerated++;
        brute_check(b);
        return;
    }
    for (v = 1; v <= b->bound; v++) {
        b->work[b->free_cells[k]] = v;
        brute_rec(b, k + 1);
    }
}

/*
 * Every suppressed entry's interval by enumeration (cells 1..bound); an entry
 * whose max reaches bound is taken as unbounded. Compares with stats_audit_entry.
 */
static void brute_compare(const struct stats_table *t)
{
    size_t n = (t->nrows + 1) * (t->ncols + 1), i, j;
    struct brute b;
    int64_t total = 0;

    memset(&b, 0, sizeof(b));
    b.t = t;
    b.free_cells = calloc(n, sizeof(size_t));
    b.work = calloc(n, sizeof(int64_t));
    b.lo = calloc(n, sizeof(int64_t));
    b.hi = calloc(n, sizeof(int64_t));
    for (i = 0; i < n; i++) {
        b.lo[i] = INT64_MAX;
        b.hi[i] = INT64_MIN;
        total += entry_used(t, i) ? t->v[i] : 0;
    }
    for (i = 0; i < t->nrows; i++) {
        for (j = 0; j < t->ncols; j++) {
            size_t idx = stats_at(t, i, j);
            if (t->status[idx] != STATS_SHOWN)
                b.free_cells[b.nfree++] = idx;
            else
                b.work[idx] = t->v[idx];
        }
    }
    /* no bounded interval exceeds the sum of all entries */
    b.bound = total + 2;
    brute_rec(&b, 0);
    assert_true(b.feasible > 0); /* the true table is feasible */
    for (i = 0; i < n; i++) {
        int64_t lo, hi;
        if (!entry_used(t, i) || t->status[i] == STATS_SHOWN)
            continue;
        stats_audit_entry(t, i, 1, &lo, &hi);
        compared++;
        assert_int_equal(lo, b.lo[i]);
        if (hi == INT64_MAX) {
            unbounded++;
            assert_true(b.hi[i] >= b.bound);
        } else
            assert_int_equal(hi, b.hi[i]);
    }
    {
        /* the quick test (two path searches) agrees with the intervals */
        struct stats__net net;
        size_t k;
        stats__net_build((struct stats_table *)t, &net);
        for (k = 0; k < net.nedges; k++) {
            size_t idx = (size_t)(net.edges[k].val - t->v);
            if (t->status[idx] == STATS_SHOWN)
                continue;
            assert_int_equal(stats__audit_exposed(&net, k, 1), b.lo[idx] == b.hi[idx]);
        }
        stats__net_release(&net);
    }
    free(b.free_cells);
    free(b.work);
    free(b.lo);
    free(b.hi);
}

/* Suppress a random set of non-zero entries (at most maxfree inner cells). */
static void random_pattern(struct stats_table *t, size_t maxfree)
{
    size_t n = (t->nrows + 1) * (t->ncols + 1), i, nfree = 0;
    for (i = 0; i < n; i++) {
        size_t row = i / (t->ncols + 1), col = i % (t->ncols + 1);
        bool inner = row < t->nrows && col < t->ncols;
        t->status[i] = STATS_SHOWN;
        if (!entry_used(t, i) || t->v[i] == 0 || rnd(3) != 0)
            continue;
        if (inner && nfree == maxfree)
            continue;
        nfree += inner;
        t->status[i] = STATS_PRIMARY;
    }
}

static void test_audit_matches_brute_force(void **state)
{
    int round;
    (void)state;
    for (round = 0; round < 300; round++) {
        struct stats_result r;
        size_t nrows = 1 + rnd(3), ncols = rnd(4); /* 0: 1-D */
        struct stats_table *t;
        stats_result_init(&r);
        t = make_table(&r, nrows, ncols, draw_small);
        random_pattern(t, 3);
        brute_compare(t);
        stats_result_release(&r);
    }
    /* the comparison was not empty: many entries, bounded and unbounded ones */
    assert_true(compared > 300);
    assert_true(unbounded > 10 && unbounded < compared);
    assert_true(enumerated > 10000);
}

static void test_audit_examples(void **state)
{
    struct stats_result r;
    struct stats_table *t;
    int64_t lo, hi;
    (void)state;

    /* 1-D [1, 1, 20 | 22] with the two 1s suppressed: both recovered (x + y = 2, x, y >= 1) */
    stats_result_init(&r);
    t = stats__table_add(&r, "t", "t", "persons", "r", NULL, 3, 0, 1);
    t->v[stats_at(t, 0, 0)] = 1;
    t->v[stats_at(t, 1, 0)] = 1;
    t->v[stats_at(t, 2, 0)] = 20;
    stats__table_margins(t);
    t->status[stats_at(t, 0, 0)] = STATS_PRIMARY;
    t->status[stats_at(t, 1, 0)] = STATS_PRIMARY;
    stats_audit_entry(t, stats_at(t, 0, 0), 1, &lo, &hi);
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 1);
    assert_int_equal(stats_audit_table(t, 1), 2);
    /* with zeros not known to be published (lb 0) it would not be */
    stats_audit_entry(t, stats_at(t, 0, 0), 0, &lo, &hi);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 2);
    /* protection suppresses a third cell: then [1, 20] */
    assert_int_equal(stats_sdc_table(t, 11), 3);
    stats_audit_entry(t, stats_at(t, 0, 0), 1, &lo, &hi);
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 20);
    stats_result_release(&r);

    /* 2-D: one small cell in a 2x2 table needs its rectangle */
    stats_result_init(&r);
    t = stats__table_add(&r, "t", "t", "persons", "r", "c", 2, 2, 1);
    t->v[stats_at(t, 0, 0)] = 3;
    t->v[stats_at(t, 0, 1)] = 40;
    t->v[stats_at(t, 1, 0)] = 50;
    t->v[stats_at(t, 1, 1)] = 60;
    stats__table_margins(t);
    assert_int_equal(stats_sdc_table(t, 11), 4);
    assert_int_equal(stats_audit_table(t, 1), 0);
    assert_int_equal(t->status[stats_at(t, 0, 2)], STATS_SHOWN); /* margins kept */
    stats_audit_entry(t, stats_at(t, 0, 0), 1, &lo, &hi);
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 42);
    stats_result_release(&r);
}

/* Check a protected table: primary rule, zeros, and the attacker finds nothing. */
static void check_protected(const struct stats_table *t, const int64_t *orig, unsigned k)
{
    size_t n = (t->nrows + 1) * (t->ncols + 1), i;
    for (i = 0; i < n; i++) {
        int64_t lo, hi;
        if (!entry_used(t, i))
            continue;
        assert_int_equal(t->v[i], orig[i]);
        if (t->status[i] == STATS_WITHHELD)
            continue;
        if (t->v[i] >= 1 && t->v[i] < (int64_t)k)
            assert_int_not_equal(t->status[i], STATS_SHOWN); /* margins too */
        if (t->status[i] == STATS_SHOWN)
            continue;
        assert_true(t->v[i] >= 1); /* zeros are published */
        stats_audit_entry(t, i, 1, &lo, &hi);
        assert_true(lo < hi);
        assert_true(lo <= t->v[i] && t->v[i] <= hi);
    }
}

static void test_random_tables_protected(void **state)
{
    static const unsigned ks[] = {3, 5, 11, 20};
    int round;
    size_t withheld = 0, suppressed = 0;
    (void)state;
    for (round = 0; round < 400; round++) {
        struct stats_result r;
        size_t nrows = 1 + rnd(12), ncols = rnd(8);
        unsigned k = ks[rnd(4)];
        struct stats_table *t;
        int64_t *orig;
        size_t n;
        stats_result_init(&r);
        t = make_table(&r, nrows, ncols, round % 2 ? draw_skewed : draw_small);
        n = (t->nrows + 1) * (t->ncols + 1);
        orig = malloc(n * sizeof(int64_t));
        memcpy(orig, t->v, n * sizeof(int64_t));
        suppressed += stats_sdc_table(t, k);
        withheld += t->status[0] == STATS_WITHHELD;
        check_protected(t, orig, k);
        assert_int_equal(t->status[0] == STATS_WITHHELD ? 0 : stats_audit_table(t, 1), 0);
        free(orig);
        stats_result_release(&r);
    }
    assert_true(suppressed > 1000); /* the tables did need protection */
    assert_true(withheld < 100);    /* and most could be published in part */
}

static void test_small_tables_brute_attack(void **state)
{
    int round;
    (void)state;
    /* the protection checked by brute force alone, independent of the audit */
    for (round = 0; round < 200; round++) {
        struct stats_result r;
        size_t nrows = 1 + rnd(3), ncols = rnd(3);
        struct stats_table *t;
        stats_result_init(&r);
        t = make_table(&r, nrows, ncols, draw_small);
        stats_sdc_table(t, 3);
        if (t->status[0] != STATS_WITHHELD) {
            size_t nfree = 0, i, j;
            for (i = 0; i < t->nrows; i++)
                for (j = 0; j < t->ncols; j++)
                    nfree += t->status[stats_at(t, i, j)] != STATS_SHOWN;
            if (nfree <= 4)
                brute_compare(t); /* equal to the audit, which finds nothing */
            assert_int_equal(stats_audit_table(t, 1), 0);
        }
        stats_result_release(&r);
    }
}

static void test_margins_under_k(void **state)
{
    struct stats_result r;
    struct stats_table *t;
    size_t i, j;
    (void)state;
    /* a row whose total is small is suppressed, margin included */
    stats_result_init(&r);
    t = stats__table_add(&r, "t", "t", "persons", "r", "c", 3, 3, 1);
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++)
            t->v[stats_at(t, i, j)] = i == 1 ? (j == 0 ? 4 : 0) : 30 + (int64_t)(i * 3 + j);
    stats__table_margins(t);
    stats_sdc_table(t, 11);
    assert_int_not_equal(t->status[stats_at(t, 1, 3)], STATS_SHOWN); /* row total 4 */
    assert_int_not_equal(t->status[stats_at(t, 1, 0)], STATS_SHOWN);
    assert_int_equal(t->status[stats_at(t, 1, 1)], STATS_SHOWN); /* zero */
    assert_int_equal(stats_audit_table(t, 1), 0);
    /* the grand total of a table of 5 persons is suppressed: the table says nothing */
    stats_result_release(&r);
    stats_result_init(&r);
    t = stats__table_add(&r, "t", "t", "persons", "r", NULL, 2, 0, 1);
    t->v[stats_at(t, 0, 0)] = 5;
    stats__table_margins(t);
    stats_sdc_table(t, 11);
    assert_int_not_equal(t->status[stats_at(t, 2, 0)], STATS_SHOWN);
    assert_int_not_equal(t->status[stats_at(t, 0, 0)], STATS_SHOWN);
    assert_int_equal(stats_audit_table(t, 1), 0);
    stats_result_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_examples),
        cmocka_unit_test(test_audit_matches_brute_force),
        cmocka_unit_test(test_random_tables_protected),
        cmocka_unit_test(test_small_tables_brute_attack),
        cmocka_unit_test(test_margins_under_k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
