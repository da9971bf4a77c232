/*
 * test_link.c: unit tests for the link module (link.h): the solver's invariants
 * (one person per record, the within-source and support rules, 1-1 matching,
 * greedy score order, independence from threads and input order, the prefix
 * property), candidate generation (exact against a brute force, LSH a subset of
 * it), the diagnostics and their writers, clkhash file parsing, and bad input.
 *
 * Test data: random CLKs with planted "persons": a base CLK per person and noisy
 * copies of it (bits flipped) in several sources, some twice in one source.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dice.h"
#include "err.h"
#include "link.h"

/* ==== Helpers ==== */

#define BITS  512
#define WORDS (BITS / 64)

static uint64_t rng;

static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random CLK at about 30% fill. */
static void random_clk(uint64_t *w)
{
    size_t i;

    for (i = 0; i < WORDS; i++)
        w[i] = next_rand() & next_rand() & (next_rand() | next_rand());
}

/* Flip nflips random bits. */
static void flip(uint64_t *w, unsigned nflips)
{
    unsigned i;

    for (i = 0; i < nflips; i++) {
        uint64_t b = next_rand() % BITS;
        w[b / 64] ^= (uint64_t)1 << (b % 64);
    }
}

/* A population over nsrc sources: truth[g] is the planted person of record g. */
struct world {
    struct dice_clks src[8];
    size_t nsrc;
    uint32_t *truth;
    size_t n;
};

/*
 * persons persons; each appears in each source with probability 1/2 (at least
 * once somewhere), with up to max_flips bits flipped; with probability 1/8 twice
 * in one source. Records within a source are shuffled.
 */
static void make_world(struct world *wd, size_t nsrc, size_t persons, unsigned max_flips)
{
    uint64_t(*base)[WORDS] = calloc(persons, sizeof(*base));
    size_t s, p, counts[8] = {0};
    uint32_t *who[8];
    uint64_t row[WORDS];

    assert_non_null(base);
    memset(wd, 0, sizeof(*wd));
    wd->nsrc = nsrc;
    for (s = 0; s < nsrc; s++)
        who[s] = malloc((persons * 2 + 1) * sizeof(uint32_t));
    for (p = 0; p < persons; p++) {
        int placed = 0;
        random_clk(base[p]);
        for (s = 0; s < nsrc; s++) {
            if (next_rand() % 2 == 0 || (s == nsrc - 1 && !placed)) {
                who[s][counts[s]++] = (uint32_t)p;
                placed = 1;
                if (next_rand() % 8 == 0)
                    who[s][counts[s]++] = (uint32_t)p;
            }
        }
    }
    wd->truth = malloc((persons * 2 * nsrc + 1) * sizeof(uint32_t));
    for (s = 0; s < nsrc; s++) {
        size_t i;
        for (i = counts[s]; i > 1; i--) { /* shuffle */
            size_t j = next_rand() % i;
            uint32_t t = who[s][i - 1];
            who[s][i - 1] = who[s][j];
            who[s][j] = t;
        }
        assert_int_equal(dice_clks_init(&wd->src[s], BITS, counts[s]), 0);
        for (i = 0; i < counts[s]; i++) {
            memcpy(row, base[who[s][i]], sizeof(row));
            flip(row, (unsigned)(next_rand() % (max_flips + 1)));
            dice_clks_set_words(&wd->src[s], i, row);
            wd->truth[wd->n++] = who[s][i];
        }
        free(who[s]);
    }
    free(base);
}

static void free_world(struct world *wd)
{
    size_t s;

    for (s = 0; s < wd->nsrc; s++)
        dice_clks_release(&wd->src[s]);
    free(wd->truth);
}

/* The words of global record g, and its source. */
static const uint64_t *clk_of(const struct world *wd, size_t g, size_t *src)
{
    size_t s = 0;

    while (g >= wd->src[s].n) {
        g -= wd->src[s].n;
        s++;
    }
    if (src != NULL)
        *src = s;
    return wd->src[s].bits + g * WORDS;
}

static uint32_t slow_pop(const uint64_t *a)
{
    uint32_t c = 0;
    size_t w, b;

    for (w = 0; w < WORDS; w++)
        for (b = 0; b < 64; b++)
            c += (a[w] >> b) & 1;
    return c;
}

static uint32_t slow_common(const uint64_t *a, const uint64_t *b)
{
    uint64_t x[WORDS];
    size_t w;

    for (w = 0; w < WORDS; w++)
        x[w] = a[w] & b[w];
    return slow_pop(x);
}

/* Does couple (x, y) reach t? Written out from the definition. */
static int couple_passes(const struct world *wd, size_t x, size_t y, const struct dice_threshold *t)
{
    const uint64_t *a = clk_of(wd, x, NULL), *b = clk_of(wd, y, NULL);
    uint32_t sum = slow_pop(a) + slow_pop(b);

    if (sum == 0)
        return t->p == 0;
    return 2 * (uint64_t)t->q * slow_common(a, b) >= (uint64_t)t->p * sum;
}

static struct dice_threshold thr(const char *s)
{
    struct dice_threshold t;
    assert_int_equal(dice_threshold_parse(s, &t, NULL), 0);
    return t;
}

static void opts(struct link_opts *o, const char *t, const char *t2, enum link_method m)
{
    link_opts_init(o);
    o->threshold = thr(t);
    o->agency_threshold = thr(t2);
    o->method = m;
}

/* Persons are numbered 0.. in order of first record, and each record has one. */
static void assert_numbering(const struct link_result *r, size_t n)
{
    uint32_t next = 0;
    size_t g;

    assert_int_equal(r->n, n);
    for (g = 0; g < n; g++) {
        assert_true(r->person[g] <= next);
        if (r->person[g] == next)
            next++;
    }
    assert_int_equal(next, r->npersons);
    assert_int_equal(r->stats.persons, r->npersons);
}

/* Two partitions are equal (as sets of sets). */
static void assert_same_partition(const uint32_t *a, const uint32_t *b, size_t n)
{
    size_t i, j;

    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            assert_int_equal(a[i] == a[j], b[i] == b[j]);
}

/* ==== Candidates ==== */

/* Exact candidates equal a brute force over every couple (cross at T, within at T2). */
static void test_candidates_exact(void **state)
{
    struct world wd;
    struct link_opts o;
    struct dice_pairs got;
    struct link_stats st;
    struct dice_threshold t = thr("0.7"), t2 = thr("0.8");
    size_t x, y, k = 0, want = 0;
    struct err e;

    (void)state;
    rng = 11;
    make_world(&wd, 3, 60, 40);
    opts(&o, "0.7", "0.8", LINK_GROUP);
    dice_pairs_init(&got);
    assert_int_equal(link_candidates(wd.src, wd.nsrc, &o, &t, &t2, &got, &st, &e), 0);
    for (x = 0; x < wd.n; x++) {
        for (y = x + 1; y < wd.n; y++) {
            size_t sx, sy;
            clk_of(&wd, x, &sx);
            clk_of(&wd, y, &sy);
            if (!couple_passes(&wd, x, y, sx == sy ? &t2 : &t))
                continue;
            want++;
            assert_true(k < got.n);
            assert_int_equal(got.v[k].a, x);
            assert_int_equal(got.v[k].b, y);
            k++;
        }
    }
    assert_int_equal(got.n, want);
    assert_int_equal(st.candidates, want);
    assert_int_equal(st.brute_force, (uint64_t)wd.n * (wd.n - 1) / 2);
    assert_true(want > 20); /* the planted persons make pairs */

    /* no within-source pairs when same is NULL */
    got.n = 0;
    assert_int_equal(link_candidates(wd.src, wd.nsrc, &o, &t, NULL, &got, NULL, &e), 0);
    for (k = 0; k < got.n; k++) {
        size_t sa, sb;
        clk_of(&wd, got.v[k].a, &sa);
        clk_of(&wd, got.v[k].b, &sb);
        assert_true(sa != sb);
    }
    dice_pairs_release(&got);
    free_world(&wd);
}

/* LSH finds a subset of the exact pairs, never a pair below its threshold. */
static void test_candidates_lsh(void **state)
{
    struct world wd;
    struct link_opts o;
    struct dice_pairs exact, lsh;
    struct dice_threshold t = thr("0.8");
    struct err e;
    size_t i, j = 0;

    (void)state;
    rng = 12;
    make_world(&wd, 4, 300, 20);
    opts(&o, "0.8", "0.8", LINK_GROUP);
    dice_pairs_init(&exact);
    dice_pairs_init(&lsh);
    assert_int_equal(link_candidates(wd.src, wd.nsrc, &o, &t, &t, &exact, NULL, &e), 0);
    assert_int_equal(link_blocking_parse("lsh:32,12", &o, &e), 0);
    assert_int_equal(link_candidates(wd.src, wd.nsrc, &o, &t, &t, &lsh, NULL, &e), 0);
    assert_true(lsh.n <= exact.n);
    for (i = 0; i < lsh.n; i++) {
        assert_true(lsh.v[i].a < lsh.v[i].b);
        while (j < exact.n && (exact.v[j].a < lsh.v[i].a ||
                               (exact.v[j].a == lsh.v[i].a && exact.v[j].b < lsh.v[i].b)))
            j++;
        assert_true(j < exact.n);
        assert_int_equal(exact.v[j].a, lsh.v[i].a);
        assert_int_equal(exact.v[j].b, lsh.v[i].b);
        assert_int_equal(exact.v[j].common, lsh.v[i].common);
        assert_int_equal(exact.v[j].sum, lsh.v[i].sum);
        if (i > 0) /* sorted, no duplicates */
            assert_true(lsh.v[i - 1].a < lsh.v[i].a ||
                        (lsh.v[i - 1].a == lsh.v[i].a && lsh.v[i - 1].b < lsh.v[i].b));
    }
    /* near copies (at most 20 of 512 bits flipped) share many bands: most are found */
    assert_true(lsh.n * 10 >= exact.n * 9);
    /* the same result on one thread */
    {
        struct dice_pairs one;
        dice_pairs_init(&one);
        o.nthreads = 1;
        assert_int_equal(link_candidates(wd.src, wd.nsrc, &o, &t, &t, &one, NULL, &e), 0);
        assert_int_equal(one.n, lsh.n);
        assert_memory_equal(one.v, lsh.v, one.n * sizeof(one.v[0]));
        dice_pairs_release(&one);
    }
    dice_pairs_release(&exact);
    dice_pairs_release(&lsh);
    free_world(&wd);
}

/* Zeroed sources (no records, no CLK length) give no pairs; LSH used to divide by nbits == 0. */
static void test_candidates_empty(void **state)
{
    struct dice_clks src[2];
    uint64_t word = 0;
    struct link_opts o;
    struct dice_pairs got;
    struct dice_threshold t = thr("0.8");
    struct err e;

    (void)state;
    memset(src, 0, sizeof(src));
    opts(&o, "0.8", "0.8", LINK_GROUP);
    dice_pairs_init(&got);
    assert_int_equal(link_candidates(src, 2, &o, &t, &t, &got, NULL, &e), 0);
    assert_int_equal(got.n, 0);
    assert_int_equal(link_blocking_parse("lsh:32,12", &o, &e), 0);
    assert_int_equal(link_candidates(src, 2, &o, &t, &t, &got, NULL, &e), 0);
    assert_int_equal(got.n, 0);
    /* records in a source that claims zero-bit CLKs are refused, not hashed */
    src[1].n = 1;
    src[1].bits = &word;
    assert_int_equal(link_candidates(src, 2, &o, &t, &t, &got, NULL, &e), ERR_INVALID);
    assert_int_equal(got.n, 0);
    dice_pairs_release(&got);
}

static void test_blocking_parse(void **state)
{
    struct link_opts o;
    struct err e;
    char name[32];

    (void)state;
    link_opts_init(&o);
    assert_int_equal(link_blocking_parse("lsh:16,20", &o, &e), 0);
    assert_int_equal(o.blocking, LINK_BLOCK_LSH);
    assert_int_equal(o.lsh_bands, 16);
    assert_int_equal(o.lsh_bits, 20);
    link_blocking_name(&o, name, sizeof(name));
    assert_string_equal(name, "lsh:16,20");
    assert_int_equal(link_blocking_parse("exact", &o, &e), 0);
    assert_int_equal(o.blocking, LINK_BLOCK_EXACT);
    assert_int_equal(link_blocking_parse("lsh", &o, &e), 0);
    assert_int_equal(o.lsh_bands, LINK_LSH_DEFAULT_BANDS);
    assert_int_equal(link_blocking_parse("lsh:0,20", &o, &e), ERR_INVALID);
    assert_int_equal(link_blocking_parse("lsh:16,65", &o, &e), ERR_INVALID);
    assert_int_equal(link_blocking_parse("lsh:16", &o, &e), ERR_INVALID);
    assert_int_equal(link_blocking_parse("lsh:16,2x", &o, &e), ERR_INVALID);
    assert_int_equal(link_blocking_parse("blocks", &o, &e), ERR_INVALID);
    assert_int_equal(link_blocking_parse("", &o, &e), ERR_INVALID);
}

/* ==== Solver invariants ==== */

/* 1-1: at most one record of each source per person, and the greedy property. */
static void test_greedy_1to1(void **state)
{
    struct world wd;
    struct link_opts o;
    struct link_result r;
    struct dice_pairs pairs;
    struct dice_threshold t = thr("0.75");
    struct err e;
    uint32_t *partner;
    size_t g, k, matched = 0;

    (void)state;
    rng = 21;
    make_world(&wd, 2, 200, 60);
    opts(&o, "0.75", "0.75", LINK_GREEDY_1TO1);
    assert_int_equal(link_run(wd.src, 2, &o, &r, &e), 0);
    assert_numbering(&r, wd.n);
    partner = malloc(wd.n * sizeof(uint32_t));
    for (g = 0; g < wd.n; g++)
        partner[g] = UINT32_MAX;
    for (g = 0; g < wd.n; g++) {
        size_t h, count = 0;
        for (h = 0; h < wd.n; h++) {
            if (h != g && r.person[h] == r.person[g]) {
                size_t sg, sh;
                clk_of(&wd, g, &sg);
                clk_of(&wd, h, &sh);
                assert_true(sg != sh); /* never two of one source */
                partner[g] = (uint32_t)h;
                count++;
            }
        }
        assert_true(count <= 1); /* never matched twice */
        matched += count;
    }
    assert_true(matched > 50);
    /*
     * Greedy in score order: for every pair that reaches T but was not taken, one
     * of its records is matched to a partner scoring at least as high.
     */
    dice_pairs_init(&pairs);
    assert_int_equal(link_candidates(wd.src, 2, &o, &t, NULL, &pairs, NULL, &e), 0);
    for (k = 0; k < pairs.n; k++) {
        const struct dice_pair *p = &pairs.v[k];
        double s = 2.0 * p->common / p->sum;
        int ok = 0;
        uint32_t ends[2] = {p->a, p->b};
        size_t i;
        if (partner[p->a] == p->b)
            continue;
        for (i = 0; i < 2; i++) {
            uint32_t x = ends[i], y = partner[x];
            if (y != UINT32_MAX) {
                const uint64_t *cx = clk_of(&wd, x, NULL), *cy = clk_of(&wd, y, NULL);
                double sy = 2.0 * slow_common(cx, cy) / (slow_pop(cx) + slow_pop(cy));
                if (sy >= s)
                    ok = 1;
            }
        }
        assert_true(ok);
    }
    /* accepted + refused account for every pair that reached T */
    assert_int_equal(r.stats.accepted + r.stats.refused, pairs.n);
    assert_int_equal(r.stats.accepted, matched / 2);
    dice_pairs_release(&pairs);
    free(partner);
    link_result_release(&r);
    free_world(&wd);
}

/* Grouping with support 100: every couple in a person reaches its threshold. */
static void test_group_complete(void **state)
{
    struct world wd;
    struct link_opts o;
    struct link_result r;
    struct dice_threshold t = thr("0.7"), t2 = thr("0.85");
    struct err e;
    size_t x, y, joined = 0;

    (void)state;
    rng = 31;
    make_world(&wd, 4, 150, 60);
    opts(&o, "0.7", "0.85", LINK_GROUP);
    o.support = 100;
    assert_int_equal(link_run(wd.src, wd.nsrc, &o, &r, &e), 0);
    assert_numbering(&r, wd.n);
    for (x = 0; x < wd.n; x++) {
        for (y = x + 1; y < wd.n; y++) {
            size_t sx, sy;
            if (r.person[x] != r.person[y])
                continue;
            clk_of(&wd, x, &sx);
            clk_of(&wd, y, &sy);
            assert_true(couple_passes(&wd, x, y, sx == sy ? &t2 : &t));
            joined++;
        }
    }
    assert_true(joined > 50);
    link_result_release(&r);
    free_world(&wd);
}

/* With T2 = 1 and distinct CLKs, a person never holds two records of one source. */
static void test_group_agency_rule(void **state)
{
    struct world wd;
    struct link_opts o;
    struct link_result r;
    struct err e;
    size_t x, y, multi = 0;
    unsigned support;

    (void)state;
    for (support = 0; support <= 100; support += 50) {
        rng = 41 + support;
        make_world(&wd, 3, 200, 60);
        opts(&o, "0.6", "1", LINK_GROUP);
        o.support = support;
        assert_int_equal(link_run(wd.src, wd.nsrc, &o, &r, &e), 0);
        assert_numbering(&r, wd.n);
        for (x = 0; x < wd.n; x++) {
            for (y = x + 1; y < wd.n; y++) {
                size_t sx, sy;
                const uint64_t *cx = clk_of(&wd, x, &sx), *cy = clk_of(&wd, y, &sy);
                if (r.person[x] != r.person[y])
                    continue;
                multi++;
                if (sx == sy)
                    assert_memory_equal(cx, cy, WORDS * 8); /* only identical CLKs */
            }
        }
        assert_true(multi > 0);
        link_result_release(&r);
        free_world(&wd);
    }
}

/*
 * The agency rule allows re-registrations: two near-identical records of one
 * source join when they reach T2, and two that do not are kept apart even when a
 * record of another source resembles both.
 */
static void test_group_reregistration(void **state)
{
    struct dice_clks src[2];
    struct link_opts o;
    struct link_result r;
    uint64_t base[WORDS], row[WORDS];
    struct err e;

    (void)state;
    rng = 51;
    random_clk(base);
    assert_int_equal(dice_clks_init(&src[0], BITS, 3), 0);
    assert_int_equal(dice_clks_init(&src[1], BITS, 1), 0);
    dice_clks_set_words(&src[1], 0, base); /* the bridge */
    memcpy(row, base, sizeof(row));
    flip(row, 6);
    dice_clks_set_words(&src[0], 0, row); /* close to the bridge */
    memcpy(row, base, sizeof(row));
    flip(row, 8);
    dice_clks_set_words(&src[0], 1, row); /* close to both: a re-registration */
    random_clk(row);
    dice_clks_set_words(&src[0], 2, row); /* someone else */
    opts(&o, "0.8", "0.9", LINK_GROUP);
    assert_int_equal(link_run(src, 2, &o, &r, &e), 0);
    assert_int_equal(r.person[0], r.person[1]);
    assert_int_equal(r.person[0], r.person[3]);
    assert_true(r.person[2] != r.person[0]);
    assert_int_equal(r.npersons, 2);
    link_result_release(&r);

    /* the same two records of source 0, now held to T2 = 1: kept apart */
    opts(&o, "0.8", "1", LINK_GROUP);
    assert_int_equal(link_run(src, 2, &o, &r, &e), 0);
    assert_true(r.person[0] != r.person[1]);
    assert_int_equal(r.npersons, 3);
    link_result_release(&r);
    dice_clks_release(&src[0]);
    dice_clks_release(&src[1]);
}

/* The same persons whatever the thread count, pair order and row order. */
static void test_independence(void **state)
{
    struct world wd, perm;
    struct link_opts o;
    struct link_result r1, r2, r3;
    struct dice_pairs pairs;
    struct dice_threshold t = thr("0.72");
    struct err e;
    size_t s, i, g, off;
    uint32_t *map, *back;
    enum link_method m;

    (void)state;
    for (m = LINK_GREEDY_1TO1; m <= LINK_GROUP; m++) {
        size_t nsrc = m == LINK_GREEDY_1TO1 ? 2 : 3;
        rng = 61 + m;
        make_world(&wd, nsrc, 250, 140);
        opts(&o, "0.72", "0.8", m);
        o.nthreads = 1;
        assert_int_equal(link_run(wd.src, nsrc, &o, &r1, &e), 0);
        o.nthreads = 3;
        assert_int_equal(link_run(wd.src, nsrc, &o, &r2, &e), 0);
        assert_int_equal(r1.npersons, r2.npersons);
        assert_memory_equal(r1.person, r2.person, wd.n * sizeof(uint32_t));
        link_result_release(&r2);

        /* pairs handed to the solver in reverse order */
        dice_pairs_init(&pairs);
        assert_int_equal(link_candidates(wd.src, nsrc, &o, &t,
                                         m == LINK_GROUP ? &o.agency_threshold : NULL, &pairs, NULL,
                                         &e),
                         0);
        for (i = 0; i < pairs.n / 2; i++) {
            struct dice_pair tmp = pairs.v[i];
            pairs.v[i] = pairs.v[pairs.n - 1 - i];
            pairs.v[pairs.n - 1 - i] = tmp;
        }
        assert_int_equal(link_solve(wd.src, nsrc, &o, &pairs, &r2, &e), 0);
        assert_memory_equal(r1.person, r2.person, wd.n * sizeof(uint32_t));
        link_result_release(&r2);
        dice_pairs_release(&pairs);

        /* rows shuffled within each source: the same partition, mapped back */
        memset(&perm, 0, sizeof(perm));
        perm.nsrc = nsrc;
        map = malloc(wd.n * sizeof(uint32_t));  /* new global -> old global */
        back = malloc(wd.n * sizeof(uint32_t)); /* person of each old global */
        off = 0;
        for (s = 0; s < nsrc; s++) {
            size_t n = wd.src[s].n;
            uint32_t *order = malloc((n + 1) * sizeof(uint32_t));
            for (i = 0; i < n; i++)
                order[i] = (uint32_t)i;
            for (i = n; i > 1; i--) {
                size_t j = next_rand() % i;
                uint32_t tmp = order[i - 1];
                order[i - 1] = order[j];
                order[j] = tmp;
            }
            assert_int_equal(dice_clks_init(&perm.src[s], BITS, n), 0);
            for (i = 0; i < n; i++) {
                dice_clks_set_words(&perm.src[s], i, wd.src[s].bits + order[i] * WORDS);
                map[off + i] = (uint32_t)(off + order[i]);
            }
            off += n;
            free(order);
        }
        assert_int_equal(link_run(perm.src, nsrc, &o, &r3, &e), 0);
        for (g = 0; g < wd.n; g++)
            back[map[g]] = r3.person[g];
        assert_int_equal(r3.npersons, r1.npersons);
        assert_same_partition(r1.person, back, wd.n);
        link_result_release(&r3);
        for (s = 0; s < nsrc; s++)
            dice_clks_release(&perm.src[s]);
        free(map);
        free(back);
        link_result_release(&r1);
        free_world(&wd);
    }
}

/* Solving at t from candidates found at a lower floor equals solving at t directly. */
static void test_prefix(void **state)
{
    struct world wd;
    struct link_opts o;
    struct link_result direct, from_floor;
    struct dice_pairs pairs;
    struct dice_threshold lo = thr("0.6");
    struct err e;

    (void)state;
    rng = 71;
    make_world(&wd, 3, 200, 150);
    opts(&o, "0.78", "0.85", LINK_GROUP);
    assert_int_equal(link_run(wd.src, wd.nsrc, &o, &direct, &e), 0);
    dice_pairs_init(&pairs);
    assert_int_equal(link_candidates(wd.src, wd.nsrc, &o, &lo, &lo, &pairs, NULL, &e), 0);
    assert_int_equal(link_solve(wd.src, wd.nsrc, &o, &pairs, &from_floor, &e), 0);
    assert_int_equal(direct.npersons, from_floor.npersons);
    assert_memory_equal(direct.person, from_floor.person, wd.n * sizeof(uint32_t));
    link_result_release(&direct);
    link_result_release(&from_floor);
    dice_pairs_release(&pairs);
    free_world(&wd);
}

/* Quality on planted data: near copies are found, strangers are not joined. */
static void test_planted_quality(void **state)
{
    struct world wd;
    struct link_opts o;
    struct link_result r;
    struct err e;
    size_t x, y, tp = 0, fp = 0, fn = 0;

    (void)state;
    rng = 81;
    make_world(&wd, 4, 300, 20);
    opts(&o, "0.8", "0.8", LINK_GROUP);
    assert_int_equal(link_run(wd.src, wd.nsrc, &o, &r, &e), 0);
    for (x = 0; x < wd.n; x++) {
        for (y = x + 1; y < wd.n; y++) {
            int same = wd.truth[x] == wd.truth[y], linked = r.person[x] == r.person[y];
            tp += same && linked;
            fp += !same && linked;
            fn += same && !linked;
        }
    }
    assert_int_equal(fp, 0);
    assert_true(tp > 0);
    assert_true(fn * 100 <= tp);
    assert_int_equal(r.npersons, 300);
    link_result_release(&r);
    free_world(&wd);
}

/* ==== Diagnostics ==== */

static void test_diagnose(void **state)
{
    struct world wd;
    struct link_opts o;
    struct link_diag *d = calloc(1, sizeof(*d));
    struct dice_threshold floor = thr("0.5");
    struct err e;
    uint64_t sum_best = 0, sum_cand = 0, sum_pairs = 0;
    unsigned k;
    FILE *f;
    char *text = NULL;
    size_t len = 0, lines = 0, i;

    (void)state;
    rng = 91;
    make_world(&wd, 3, 120, 150);
    opts(&o, "0.75", "0.85", LINK_GROUP);
    assert_int_equal(link_diagnose(wd.src, wd.nsrc, &o, &floor, d, &e), 0);
    assert_int_equal(d->records, wd.n);
    assert_int_equal(d->first_bin, 50);
    for (k = 0; k < LINK_DIAG_BINS; k++) {
        sum_best += d->best[k];
        sum_pairs += d->pairs[k];
        assert_true(d->within[k] <= d->pairs[k]);
        if (k < d->first_bin) {
            assert_int_equal(d->pairs[k], 0);
            assert_int_equal(d->best[k], 0);
        }
    }
    for (k = 0; k < LINK_DIAG_CAND_BINS; k++)
        sum_cand += d->cand[k];
    assert_int_equal(sum_best + d->no_candidate, wd.n);
    assert_int_equal(sum_cand, wd.n);
    assert_int_equal(sum_pairs, d->stats.candidates);
    /* the persons at every threshold are what link_run finds there */
    for (k = d->first_bin; k <= 100; k += 7) {
        struct link_result r;
        struct link_opts ok = o;
        char t[16];
        snprintf(t, sizeof(t), "%u.%02u", k / 100, k % 100);
        ok.threshold = thr(t);
        assert_int_equal(link_run(wd.src, wd.nsrc, &ok, &r, &e), 0);
        assert_int_equal(d->persons[k], r.npersons);
        link_result_release(&r);
    }
    /* more persons at higher thresholds (here: never fewer) */
    for (k = d->first_bin + 1; k <= 100; k++)
        assert_true(d->persons[k] >= d->persons[k - 1]);

    /* CSV: header and one row per bin from the floor */
    f = open_memstream(&text, &len);
    assert_int_equal(link_diag_write_csv(d, f), 0);
    fclose(f);
    assert_true(strncmp(text, "threshold,pairs,within,pairs_at_or_above,best,persons\n0.50,", 59) ==
                0);
    for (i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 1 + 51);
    assert_non_null(strstr(text, "\n1.00,"));
    free(text);
    /* SVG: one picture with three charts */
    f = open_memstream(&text, &len);
    assert_int_equal(link_diag_write_svg(d, f), 0);
    fclose(f);
    assert_true(strncmp(text, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
    assert_non_null(strstr(text, "</svg>\n"));
    assert_non_null(strstr(text, "Persons found at each threshold"));
    assert_non_null(strstr(text, "<polyline"));
    free(text);
    /* text: a row per bin, the threshold marked, the advice */
    f = open_memstream(&text, &len);
    assert_int_equal(link_diag_write_text(d, f), 0);
    fclose(f);
    assert_non_null(strstr(text, "\n0.75   "));
    assert_non_null(strstr(text, "<- threshold 0.75"));
    assert_non_null(strstr(text, "valley"));
    free(text);

    /* a floor above the threshold is refused */
    floor = thr("0.9");
    assert_int_equal(link_diagnose(wd.src, wd.nsrc, &o, &floor, d, &e), ERR_INVALID);
    free(d);
    free_world(&wd);
}

/* ==== clkhash files ==== */

static void test_clks_parse(void **state)
{
    struct dice_clks s;
    struct err e;
    size_t bytes = 0;
    /* 16 bytes each: 0xff x 16; 0x00 x 15 then 0x01 */
    const char *good = "{\"clks\": [\"/////////////////////w==\", \"AAAAAAAAAAAAAAAAAAAAAQ==\"]}";
    const char *odd = "{\"clks\": [\"AQID\"]}"; /* 3 bytes, padded to 64 bits */

    (void)state;
    assert_int_equal(link_clks_parse(good, strlen(good), "g.json", &bytes, &s, &e), 0);
    assert_int_equal(bytes, 16);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.nbits, 128);
    assert_int_equal(s.pop[0], 128);
    assert_int_equal(s.pop[1], 1);
    dice_clks_release(&s);

    /* the length is held across files */
    bytes = 8;
    assert_int_equal(link_clks_parse(good, strlen(good), "g.json", &bytes, &s, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "g.json"));
    assert_non_null(strstr(e.msg, "clks[0]"));

    bytes = 0;
    assert_int_equal(link_clks_parse(odd, strlen(odd), "o.json", &bytes, &s, &e), 0);
    assert_int_equal(bytes, 3);
    assert_int_equal(s.nbits, 64);
    assert_int_equal(s.pop[0], 4);
    dice_clks_release(&s);

    bytes = 0;
    assert_int_equal(link_clks_parse("{\"clks\": []}", 12, "e.json", &bytes, &s, &e), 0);
    assert_int_equal(s.n, 0);
    dice_clks_release(&s);

    {
        static const char *const bad[] = {
            "",
            "[]",
            "{\"clk\": []}",
            "{\"clks\": {}}",
            "{\"clks\": [1]}",
            "{\"clks\": [\"AQID\", \"AQIDBA==\"]}",
            "{\"clks\": [\"AQID\", \"AQ!D\"]}",
            "{\"clks\": [\"A\"]}",
            "{\"clks\": [\"\"]}",
            "{\"clks\": [\"AQID\"], \"clks\": [\"AQID\"]}",
            "{\"clks\": [\"AQID\"]",
        };
        size_t i;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            bytes = 0;
            err_init(&e);
            assert_int_equal(link_clks_parse(bad[i], strlen(bad[i]), "bad.json", &bytes, &s, &e),
                             ERR_INVALID);
            assert_non_null(strstr(e.msg, "bad.json"));
            assert_null(strstr(e.msg, "AQ")); /* never the CLK text */
        }
    }
}

/* ==== Bad arguments ==== */

static void test_errors(void **state)
{
    struct world wd;
    struct link_opts o;
    struct link_result r;
    struct dice_clks other;
    struct dice_clks two[2];
    struct err e;

    (void)state;
    rng = 101;
    make_world(&wd, 3, 50, 10);
    opts(&o, "0.8", "0.9", LINK_GREEDY_1TO1);
    assert_int_equal(link_run(wd.src, 3, &o, &r, &e), ERR_INVALID); /* 1-1 needs 2 */
    assert_int_equal(link_run(wd.src, 0, &o, &r, &e), ERR_INVALID);
    assert_int_equal(dice_clks_init(&other, 1024, 2), 0);
    two[0] = wd.src[0];
    two[1] = other;
    assert_int_equal(link_run(two, 2, &o, &r, &e), ERR_INVALID); /* lengths differ */
    assert_non_null(strstr(e.msg, "different lengths"));
    dice_clks_release(&other);
    /* too many pairs */
    opts(&o, "0.05", "0.05", LINK_GROUP);
    o.max_pairs = 10;
    assert_int_equal(link_run(wd.src, 3, &o, &r, &e), ERR_TOOBIG);
    assert_int_equal(link_blocking_parse("lsh:4,4", &o, &e), 0);
    assert_int_equal(link_run(wd.src, 3, &o, &r, &e), ERR_TOOBIG);
    /* support over 100 */
    opts(&o, "0.8", "0.9", LINK_GROUP);
    o.support = 101;
    assert_int_equal(link_run(wd.src, 3, &o, &r, &e), ERR_INVALID);
    /* empty sources link to nothing */
    {
        struct dice_clks empty[2];
        assert_int_equal(dice_clks_init(&empty[0], 512, 0), 0);
        assert_int_equal(dice_clks_init(&empty[1], 512, 0), 0);
        opts(&o, "0.8", "0.9", LINK_AUTO);
        assert_int_equal(link_run(empty, 2, &o, &r, &e), 0);
        assert_int_equal(r.npersons, 0);
        link_result_release(&r);
    }
    free_world(&wd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidates_exact),  cmocka_unit_test(test_candidates_lsh),
        cmocka_unit_test(test_candidates_empty),  cmocka_unit_test(test_blocking_parse),
        cmocka_unit_test(test_greedy_1to1),       cmocka_unit_test(test_group_complete),
        cmocka_unit_test(test_group_agency_rule), cmocka_unit_test(test_group_reregistration),
        cmocka_unit_test(test_independence),      cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_planted_quality),   cmocka_unit_test(test_diagnose),
        cmocka_unit_test(test_clks_parse),        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
