/*
 * link.c: the entry point of linkage (link_run) and what the rest of the module
 * shares: options, the global numbering of records across sources, and the
 * canonical ranks that break ties in score.
 *
 * link_run() = link_candidates() (link_candidates.c, link_lsh.c) then the solver
 * (link_solve.c). See link.h for the contract and link_solve.c for the design notes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "link.h"
#include "link_int.h"
#include "progress.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

/* ==== Options ==== */

void link_opts_init(struct link_opts *o)
{
    memset(o, 0, sizeof(*o));
    if (dice_threshold_parse(LINK_DEFAULT_THRESHOLD, &o->threshold, NULL) < 0 ||
        dice_threshold_parse(LINK_DEFAULT_AGENCY_THRESHOLD, &o->agency_threshold, NULL) < 0)
        abort(); /* the defaults are constants */
    o->support = LINK_DEFAULT_SUPPORT;
    o->method = LINK_AUTO;
    o->blocking = LINK_BLOCK_EXACT;
    o->lsh_bands = LINK_LSH_DEFAULT_BANDS;
    o->lsh_bits = LINK_LSH_DEFAULT_BITS;
    o->lsh_seed = 0x7469706875624c53ull; /* "tiphubLS" */
    o->kernel = DICE_KERNEL_AUTO;
}

int link_blocking_parse(const char *s, struct link_opts *o, struct err *e)
{
    const char *comma;
    uint64_t bands = 0, bits = 0;

    if (strcmp(s, "exact") == 0) {
        o->blocking = LINK_BLOCK_EXACT;
        return 0;
    }
    if (strcmp(s, "lsh") == 0) {
        o->blocking = LINK_BLOCK_LSH;
        o->lsh_bands = LINK_LSH_DEFAULT_BANDS;
        o->lsh_bits = LINK_LSH_DEFAULT_BITS;
        return 0;
    }
    if (!str_has_prefix(s, "lsh:"))
        return err_set(e, ERR_INVALID,
                       "blocking '%s' is unknown: use 'exact', 'lsh' or 'lsh:BANDS,BITS'", s);
    s += 4;
    comma = strchr(s, ',');
    if (comma == NULL || str_to_u64(s, (size_t)(comma - s), LINK_LSH_MAX_BANDS, &bands) < 0 ||
        bands == 0 || str_to_u64(comma + 1, strlen(comma + 1), LINK_LSH_MAX_BITS, &bits) < 0 ||
        bits == 0)
        return err_set(e, ERR_INVALID,
                       "blocking 'lsh:BANDS,BITS' needs BANDS in 1..%u and BITS in 1..%u",
                       LINK_LSH_MAX_BANDS, LINK_LSH_MAX_BITS);
    o->blocking = LINK_BLOCK_LSH;
    o->lsh_bands = (unsigned)bands;
    o->lsh_bits = (unsigned)bits;
    return 0;
}

void link_blocking_name(const struct link_opts *o, char *out, size_t size)
{
    if (o->blocking == LINK_BLOCK_EXACT)
        snprintf(out, size, "exact");
    else
        snprintf(out, size, "lsh:%u,%u", o->lsh_bands, o->lsh_bits);
}

enum link_method link_method_resolve(enum link_method m, size_t nsources)
{
    if (m != LINK_AUTO)
        return m;
    return nsources == 2 ? LINK_GREEDY_1TO1 : LINK_GROUP;
}

const char *link_method_name(enum link_method m)
{
    switch (m) {
    case LINK_GREEDY_1TO1:
        return "greedy-1to1";
    case LINK_GROUP:
        return "group";
    default:
        return "auto";
    }
}

void link_result_init(struct link_result *r)
{
    memset(r, 0, sizeof(*r));
}

void link_result_release(struct link_result *r)
{
    if (r == NULL)
        return;
    free(r->person);
    memset(r, 0, sizeof(*r));
}

double link__seconds(uint64_t from_ns, uint64_t to_ns)
{
    return (double)(to_ns - from_ns) / 1e9;
}

/* ==== Global numbering ==== */

int link__index_build(struct link__index *ix, const struct dice_clks *sources, size_t nsources,
                      struct err *e)
{
    size_t s, i, n = 0;

    memset(ix, 0, sizeof(*ix));
    if (nsources == 0)
        return err_set(e, ERR_INVALID, "nothing to link: no source of records");
    if (nsources > LINK_MAX_SOURCES)
        return err_set(e, ERR_INVALID, "too many sources to link: %zu (at most %u)", nsources,
                       LINK_MAX_SOURCES);
    for (s = 0; s < nsources; s++) {
        if (sources[s].nbits != sources[0].nbits)
            return err_set(e, ERR_INVALID,
                           "sources hold CLKs of different lengths: %zu bits in source %zu, "
                           "%zu in source %zu",
                           sources[0].nbits, (size_t)0, sources[s].nbits, s);
        if (sources[s].n > 0 && (sources[s].bits == NULL || sources[s].nbits == 0 ||
                                 sources[s].words * 64 != sources[s].nbits))
            return err_set(e, ERR_INVALID, "source %zu is malformed", s);
        if (sources[s].n > DICE_MAX_RECORDS - 1 - n)
            return err_set(e, ERR_INVALID, "too many records to link (at most %zu)",
                           DICE_MAX_RECORDS - 1);
        n += sources[s].n;
    }
    ix->n = n;
    ix->nsources = nsources;
    ix->nbits = sources[0].nbits;
    ix->words = sources[0].nbits / 64;
    ix->offset = xmalloc(st_mult(nsources + 1, sizeof(size_t)));
    ix->src = xmalloc(st_mult(n, sizeof(uint32_t)) + 1);
    n = 0;
    for (s = 0; s < nsources; s++) {
        ix->offset[s] = n;
        for (i = 0; i < sources[s].n; i++)
            ix->src[n + i] = (uint32_t)s;
        n += sources[s].n;
    }
    ix->offset[nsources] = n;
    return 0;
}

void link__index_release(struct link__index *ix)
{
    free(ix->offset);
    free(ix->src);
    memset(ix, 0, sizeof(*ix));
}

const uint64_t *link__clk(const struct link__index *ix, const struct dice_clks *sources, uint32_t g)
{
    uint32_t s = ix->src[g];

    return sources[s].bits + (g - ix->offset[s]) * ix->words;
}

/* ==== Canonical ranks ==== */

struct rank_ctx {
    const struct link__index *ix;
    const struct dice_clks *sources;
};

static int cmp_records(const void *x, const void *y, void *arg)
{
    const struct rank_ctx *c = arg;
    uint32_t a = *(const uint32_t *)x;
    uint32_t b = *(const uint32_t *)y;
    const uint64_t *wa, *wb;
    size_t w;

    if (c->ix->src[a] != c->ix->src[b])
        return c->ix->src[a] < c->ix->src[b] ? -1 : 1;
    wa = link__clk(c->ix, c->sources, a);
    wb = link__clk(c->ix, c->sources, b);
    for (w = 0; w < c->ix->words; w++) {
        if (wa[w] != wb[w])
            return wa[w] < wb[w] ? -1 : 1;
    }
    return a < b ? -1 : (a > b ? 1 : 0);
}

uint32_t *link__ranks(const struct link__index *ix, const struct dice_clks *sources)
{
    struct rank_ctx c = {ix, sources};
    uint32_t *order = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    uint32_t *rank = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    size_t i;

    for (i = 0; i < ix->n; i++)
        order[i] = (uint32_t)i;
    if (ix->n > 1)
        qsort_r(order, ix->n, sizeof(uint32_t), cmp_records, &c);
    for (i = 0; i < ix->n; i++)
        rank[order[i]] = (uint32_t)i;
    free(order);
    return rank;
}

/* ==== link_run ==== */

int link_run(const struct dice_clks *sources, size_t nsources, const struct link_opts *o,
             struct link_result *res, struct err *e)
{
    struct dice_pairs pairs;
    struct link_stats st;
    struct dice_threshold within;
    enum link_method method = link_method_resolve(o->method, nsources);
    int rc;

    memset(&st, 0, sizeof(st));
    dice_pairs_init(&pairs);
    if (method == LINK_GREEDY_1TO1 && nsources != 2)
        return err_set(e, ERR_INVALID, "greedy 1-1 matching needs exactly two sources (got %zu)",
                       nsources);
    within = link__max_threshold(&o->threshold, &o->agency_threshold);
    rc = link_candidates(sources, nsources, o, &o->threshold, method == LINK_GROUP ? &within : NULL,
                         &pairs, &st, e);
    if (rc == 0) {
        struct link_opts so = *o;
        so.method = method;
        rc = link_solve(sources, nsources, &so, &pairs, res, e);
    }
    if (rc == 0) {
        res->stats.comparisons = st.comparisons;
        res->stats.brute_force = st.brute_force;
        res->stats.candidates = st.candidates;
        res->stats.seconds_search = st.seconds_search;
        res->stats.kernel = st.kernel;
        res->stats.nthreads = st.nthreads;
    }
    dice_pairs_release(&pairs);
    return rc;
}
