/*
 * link_candidates.c: candidate pairs for linkage (link_candidates() in link.h).
 *
 * Exact search: dice_search() once for every two sources (pairs across at T) and,
 * when within-source pairs are wanted, once per source against itself (at T2'),
 * each streaming its pairs here, where they get global indices. The sum of these
 * searches is every pair of records once; a within-source search at the stricter
 * T2' also has narrower popcount windows. With LSH blocking the work goes to
 * link_lsh.c instead.
 *
 * Progress is reported in comparisons of the brute force (n_A * n_B per search,
 * n(n-1)/2 per self-join), scaled from the rows each search has done.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "link.h"
#include "link_int.h"
#include "progress.h"
#include "xalloc.h"

#include "banned.h"

struct sink {
    struct dice_pairs *out;
    uint32_t off_a;   /* global index of the A set's first record */
    uint32_t off_b;   /* the same for B (= off_a in a self-join) */
    size_t max_pairs; /* 0: no limit */
    size_t added;     /* pairs added by all searches so far */
    int too_many;     /* set when max_pairs was passed */
    const struct link_opts *o;
    uint64_t base;  /* brute-force work of the searches before this one */
    uint64_t work;  /* brute-force work of this search */
    uint64_t total; /* of all searches */
};

static int on_pairs(const struct dice_pair *pairs, size_t n, void *arg)
{
    struct sink *k = arg;
    size_t i;

    if (k->max_pairs != 0 && k->added + n > k->max_pairs) {
        k->too_many = 1;
        return 1;
    }
    for (i = 0; i < n; i++) {
        struct dice_pair p = pairs[i];
        uint32_t a = p.a + k->off_a, b = p.b + k->off_b;
        p.a = a < b ? a : b;
        p.b = a < b ? b : a;
        dice_pairs_push(k->out, &p);
    }
    k->added += n;
    return 0;
}

static int on_progress(uint64_t done, uint64_t total, void *arg)
{
    struct sink *k = arg;
    uint64_t part = total > 0 ? (uint64_t)((double)k->work * ((double)done / (double)total)) : 0;

    return k->o->progress(k->base + part, k->total, k->o->progress_arg);
}

static uint64_t work_of(size_t na, size_t nb, int self)
{
    if (self)
        return na > 1 ? (uint64_t)na * (na - 1) / 2 : 0;
    return (uint64_t)na * nb;
}

static int search_one(const struct dice_clks *a, const struct dice_clks *b,
                      const struct dice_threshold *t, struct sink *k, struct link_stats *st,
                      struct err *e)
{
    struct dice_opts d;
    struct dice_stats ds;
    int rc;

    dice_opts_init(&d);
    d.threshold = *t;
    d.kernel = k->o->kernel;
    d.nthreads = k->o->nthreads;
    d.on_pairs = on_pairs;
    d.on_pairs_arg = k;
    if (k->o->progress != NULL) {
        d.progress = on_progress;
        d.progress_arg = k;
    }
    memset(&ds, 0, sizeof(ds));
    rc = dice_search(a, b, &d, NULL, &ds, e);
    if (rc == ERR_INTERRUPTED && k->too_many)
        return err_set(e, ERR_TOOBIG,
                       "more than %zu candidate pairs: raise the threshold (or the pair limit)",
                       k->max_pairs);
    if (rc < 0)
        return rc;
    st->comparisons += ds.comparisons;
    st->brute_force += ds.brute_force;
    st->kernel = ds.kernel;
    st->nthreads = ds.nthreads;
    return 0;
}

static int exact(const struct link__index *ix, const struct dice_clks *sources,
                 const struct link_opts *o, const struct dice_threshold *cross,
                 const struct dice_threshold *same, struct dice_pairs *out, struct link_stats *st,
                 struct err *e)
{
    struct sink k;
    size_t s, t;
    int rc = 0;

    memset(&k, 0, sizeof(k));
    k.out = out;
    k.max_pairs = o->max_pairs;
    k.o = o;
    for (s = 0; s < ix->nsources; s++) {
        for (t = s + 1; t < ix->nsources; t++)
            k.total += work_of(sources[s].n, sources[t].n, 0);
        if (same != NULL)
            k.total += work_of(sources[s].n, 0, 1);
    }
    for (s = 0; s < ix->nsources && rc == 0; s++) {
        for (t = s + 1; t < ix->nsources && rc == 0; t++) {
            if (sources[s].n == 0 || sources[t].n == 0)
                continue;
            k.off_a = (uint32_t)ix->offset[s];
            k.off_b = (uint32_t)ix->offset[t];
            k.work = work_of(sources[s].n, sources[t].n, 0);
            rc = search_one(&sources[s], &sources[t], cross, &k, st, e);
            k.base += k.work;
        }
        if (same != NULL && rc == 0 && sources[s].n > 1) {
            k.off_a = (uint32_t)ix->offset[s];
            k.off_b = k.off_a;
            k.work = work_of(sources[s].n, 0, 1);
            rc = search_one(&sources[s], NULL, same, &k, st, e);
            k.base += k.work;
        }
    }
    return rc;
}

int link_candidates(const struct dice_clks *sources, size_t nsources, const struct link_opts *o,
                    const struct dice_threshold *cross, const struct dice_threshold *same,
                    struct dice_pairs *out, struct link_stats *stats, struct err *e)
{
    struct link__index ix;
    struct link_stats st;
    size_t before = out->n;
    uint64_t t0 = clock_ns();
    int rc;

    memset(&st, 0, sizeof(st));
    rc = link__index_build(&ix, sources, nsources, e);
    if (rc < 0)
        return rc;
    if (o->blocking == LINK_BLOCK_LSH)
        rc = link__lsh_candidates(&ix, sources, o, cross, same, out, &st, e);
    else
        rc = exact(&ix, sources, o, cross, same, out, &st, e);
    if (rc < 0) {
        out->n = before;
        goto out;
    }
    /* sort only what was added: a caller's earlier pairs stay where they were */
    if (out->n - before > 1) {
        struct dice_pairs tail = {out->v + before, out->n - before, out->n - before};
        dice_pairs_sort(&tail);
    }
    st.candidates = out->n - before;
    st.records = ix.n;
    st.seconds_search = link__seconds(t0, clock_ns());
    if (stats != NULL)
        *stats = st;
out:
    link__index_release(&ix);
    return rc;
}
