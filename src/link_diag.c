/*
 * link_diag.c: threshold diagnostics (link_diagnose() in link.h): what the scores
 * look like and how many persons each threshold would give, so that a person can
 * choose the threshold. The writers (text, CSV, SVG) are in link_diag_write.c.
 *
 * One candidate search at a low floor gives every pair any threshold above it
 * would use. From those pairs: a histogram of all pair scores, a histogram of each
 * record's best score, the candidates per record at T, and the persons found at
 * every threshold k/100 from the floor up. The last reuses the solver on the
 * prefix of the score-ordered pairs (solving at t only looks at pairs >= t: see
 * invariant 4 in link_solve.c), with the within-source threshold max(T2, t).
 *
 * Only counts leave this file: no score of any one pair or record.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "link.h"
#include "link_int.h"
#include "xalloc.h"

#include "banned.h"

/* The bin of a pair's score: floor(100 * Dice), 100 for exactly 1. */
static unsigned score_bin(const struct dice_pair *p)
{
    if (p->sum == 0)
        return 0;
    return (unsigned)((200 * (uint64_t)p->common) / p->sum);
}

static unsigned cand_bin(uint32_t c)
{
    if (c < 5)
        return c;
    return c < 10 ? 5 : 6;
}

int link_diagnose(const struct dice_clks *sources, size_t nsources, const struct link_opts *o,
                  const struct dice_threshold *floor, struct link_diag *d, struct err *e)
{
    struct link__index ix;
    struct dice_pairs pairs;
    struct link_stats st;
    struct link__solve_params sp;
    struct dice_threshold within;
    uint32_t *rank = NULL, *ncand = NULL;
    unsigned *best = NULL; /* best bin + 1 of each record, 0: none */
    enum link_method method = link_method_resolve(o->method, nsources);
    size_t k, prefix;
    unsigned b;
    int rc;

    memset(d, 0, sizeof(*d));
    memset(&st, 0, sizeof(st));
    dice_pairs_init(&pairs);
    if ((uint64_t)floor->p * o->threshold.q > (uint64_t)o->threshold.p * floor->q)
        return err_set(e, ERR_INVALID,
                       "the floor of the diagnostics must not be above the "
                       "threshold");
    if (method == LINK_GREEDY_1TO1 && nsources != 2)
        return err_set(e, ERR_INVALID, "greedy 1-1 matching needs exactly two sources (got %zu)",
                       nsources);
    rc = link__index_build(&ix, sources, nsources, e);
    if (rc < 0)
        return rc;
    rc = link_candidates(sources, nsources, o, floor, method == LINK_GROUP ? floor : NULL, &pairs,
                         &st, e);
    if (rc < 0)
        goto out;

    d->floor = *floor;
    d->threshold = o->threshold;
    d->first_bin = (unsigned)((100 * (uint64_t)floor->p + floor->q - 1) / floor->q);
    d->method = method;
    d->records = ix.n;
    d->sources = nsources;
    d->stats = st;
    within = link__max_threshold(&o->threshold, &o->agency_threshold);

    best = xcalloc(ix.n + 1, sizeof(unsigned));
    ncand = xcalloc(ix.n + 1, sizeof(uint32_t));
    for (k = 0; k < pairs.n; k++) {
        const struct dice_pair *p = &pairs.v[k];
        int same = ix.src[p->a] == ix.src[p->b];
        b = score_bin(p);
        d->pairs[b]++;
        if (same)
            d->within[b]++;
        if (best[p->a] < b + 1)
            best[p->a] = b + 1;
        if (best[p->b] < b + 1)
            best[p->b] = b + 1;
        if (link__passes(same ? &within : &o->threshold, p)) {
            ncand[p->a]++;
            ncand[p->b]++;
        }
    }
    for (k = 0; k < ix.n; k++) {
        if (best[k] == 0)
            d->no_candidate++;
        else
            d->best[best[k] - 1]++;
        d->cand[cand_bin(ncand[k])]++;
        if (ncand[k] > d->cand_max)
            d->cand_max = ncand[k];
    }

    /* persons against the threshold: solve the prefix of pairs >= k/100 */
    rank = link__ranks(&ix, sources);
    link__sort_pairs(&pairs, rank);
    prefix = 0;
    for (b = 100; b + 1 > d->first_bin; b--) {
        struct dice_threshold t;
        struct link_result res;
        if (dice_threshold_from_ratio(b, 100, &t) < 0)
            abort();
        while (prefix < pairs.n && score_bin(&pairs.v[prefix]) >= b)
            prefix++;
        sp.method = method;
        sp.t = t;
        sp.t2 = o->agency_threshold;
        sp.support = o->support;
        rc = link__solve_sorted(&ix, sources, &sp, &pairs, prefix, &res, e);
        if (rc < 0)
            goto out;
        d->persons[b] = res.npersons;
        link_result_release(&res);
        if (b == 0)
            break;
    }
out:
    free(rank);
    free(best);
    free(ncand);
    dice_pairs_release(&pairs);
    link__index_release(&ix);
    return rc;
}
