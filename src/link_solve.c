/*
 * link_solve.c: solving candidate pairs into persons (link_solve() in link.h):
 * the score order, greedy 1-1 matching of two sources, and greedy grouping of any
 * number of sources with the within-source and support rules.
 *
 * ==== NOTES ON THE DESIGN OF THE SOLVER ====
 *
 * Definitions. Records are numbered globally (source 0 first). A candidate pair
 * (a, b), a < b, carries common = |A&B| and sum = |A|+|B|; its score is
 * Dice = 2*common/sum, compared exactly (cross-multiplied in 64 bits), never as a
 * float. T is the threshold for two records of different sources; T2' = max(T, T2)
 * the one for two records of the same source (T2 is the "agency threshold"). A
 * "couple" is any two records, whether or not the search reported them as a pair;
 * the solver scores couples from the CLKs when it needs them.
 *
 * Score order. Pairs are sorted by decreasing score. Equal scores are ordered by
 * the canonical ranks of their records: rank orders records by (source, CLK words,
 * global index), and a pair's key is (min rank, max rank), ascending. The ranks do
 * not depend on where a record sits within its source unless two records of one
 * source have identical CLKs (and then they are interchangeable), so the order -
 * and everything decided from it - is the same for any order of the input pairs
 * (threads finish in any order) and any order of the records within a source.
 *
 * Greedy 1-1 (two sources). Walk the sorted pairs; skip pairs within one source
 * and pairs below T; accept (a, b) when neither a nor b is matched yet, else count
 * it refused. A person is a matched pair or a single record.
 *
 * Greedy grouping (any number of sources). A union-find over records; every group
 * keeps the list of its members. Walk the sorted pairs:
 *
 *     for each pair (a, b) in score order:
 *         skip it unless it reaches its threshold (T2' within a source, else T)
 *         A = group(a), B = group(b); if A == B: nothing to do
 *         S = couples (x in A, y in B) of one source;  C = those of two sources
 *         merge if  S is empty, or at least one and at least support% of S reach T2'
 *              and  C is empty, or at least one and at least support% of C reach T
 *         else refuse
 *
 * The first condition is the within-source ("agency") rule: two records of one
 * agency are the same person only if they are alike by the stricter T2' - a
 * re-registration - and a record of another agency that resembles both is not
 * enough. The second is the support rule: a group joins another only if enough of
 * their records resemble each other, not through one bridging pair (single
 * linkage chains different people together through records that hold little, such
 * as a first name alone). support = 100 is complete linkage of each kind;
 * support = 0 still asks one couple of each kind. With one source everything is
 * within it: deduplication at T2'.
 *
 * Invariants (tests/unit/test_link.c checks each):
 *  1. Every record is in exactly one person; persons are numbered 0.. in the order
 *     of their first record (lowest global index).
 *  2. Grouping: a merge that brings the first two records of a source together
 *     (S holds one couple) happens only if that couple reaches T2'. With
 *     support = 100, every couple of one source in a person reaches T2', and with
 *     T2 = 1 (distinct CLKs) a person holds at most one record per source.
 *  3. 1-1: no record is matched twice; a person has at most one record of each
 *     source.
 *  4. Greedy order: the decision on a pair depends only on the pairs before it in
 *     the order. So solving at threshold t is the same as solving the prefix of
 *     pairs >= t (link_diag.c uses this for its sweep).
 *  5. The result depends only on the set of pairs and the CLKs, not on the order
 *     pairs arrive in, nor on thread counts (see Score order).
 *
 * Cost. Sorting O(P log P) for P pairs; the walk is O(P alpha(n)) plus, for each
 * merge of groups that are not both single records, |A| * |B| couple scores (a few
 * dozen word operations each): groups hold a few records per person.
 *
 * Privacy. Scores are used here and dropped: the result holds person numbers only.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "link.h"
#include "link_int.h"
#include "progress.h"
#include "xalloc.h"

#include "banned.h"

#define NONE UINT32_MAX

/* ==== Score order ==== */

int link__passes(const struct dice_threshold *t, const struct dice_pair *p)
{
    if (p->sum == 0)
        return t->p == 0; /* two empty CLKs: Dice is defined as 0 (dice.h) */
    return 2 * (uint64_t)t->q * p->common >= (uint64_t)t->p * p->sum;
}

struct dice_threshold link__max_threshold(const struct dice_threshold *a,
                                          const struct dice_threshold *b)
{
    /* a > b iff a.p * b.q > b.p * a.q */
    if ((uint64_t)a->p * b->q >= (uint64_t)b->p * a->q)
        return *a;
    return *b;
}

static int cmp_pairs(const void *x, const void *y, void *arg)
{
    const struct dice_pair *p = x;
    const struct dice_pair *r = y;
    const uint32_t *rank = arg;
    uint64_t lp = (uint64_t)p->common * r->sum;
    uint64_t lr = (uint64_t)r->common * p->sum;
    uint32_t pa, pb, ra, rb;

    if (lp != lr)
        return lp > lr ? -1 : 1; /* higher score first */
    pa = rank[p->a];
    pb = rank[p->b];
    ra = rank[r->a];
    rb = rank[r->b];
    if (pa > pb) {
        uint32_t t = pa;
        pa = pb;
        pb = t;
    }
    if (ra > rb) {
        uint32_t t = ra;
        ra = rb;
        rb = t;
    }
    if (pa != ra)
        return pa < ra ? -1 : 1;
    if (pb != rb)
        return pb < rb ? -1 : 1;
    return 0;
}

void link__sort_pairs(struct dice_pairs *pairs, const uint32_t *rank)
{
    if (pairs->n > 1)
        qsort_r(pairs->v, pairs->n, sizeof(pairs->v[0]), cmp_pairs, (void *)rank);
}

void link_pairs_sort(const struct dice_clks *sources, size_t nsources, struct dice_pairs *pairs)
{
    struct link__index ix;
    uint32_t *rank = NULL;

    if (link__index_build(&ix, sources, nsources, NULL) < 0)
        return;
    rank = link__ranks(&ix, sources);
    link__sort_pairs(pairs, rank);
    free(rank);
    link__index_release(&ix);
}

/* ==== Union-find with member lists ==== */

struct groups {
    const struct link__index *ix;
    const struct dice_clks *sources;
    uint32_t *pop; /* popcount of each record */
    uint32_t *parent;
    uint32_t *next;  /* next member of the same group, NONE at the end */
    uint32_t *tail;  /* at a root: its last member */
    uint32_t *size;  /* at a root: its number of records */
    uint32_t *count; /* nsources scratch counters, kept at zero between uses */
};

static void groups_init(struct groups *g, const struct link__index *ix,
                        const struct dice_clks *sources)
{
    size_t i, w;

    g->ix = ix;
    g->sources = sources;
    g->pop = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    for (i = 0; i < ix->n; i++) {
        const uint64_t *c = link__clk(ix, sources, (uint32_t)i);
        uint32_t pc = 0;
        for (w = 0; w < ix->words; w++)
            pc += (uint32_t)__builtin_popcountll(c[w]);
        g->pop[i] = pc;
    }
    g->parent = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    g->next = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    g->tail = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    g->size = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    g->count = xcalloc(ix->nsources + 1, sizeof(uint32_t));
    for (i = 0; i < ix->n; i++) {
        g->parent[i] = (uint32_t)i;
        g->next[i] = NONE;
        g->tail[i] = (uint32_t)i;
        g->size[i] = 1;
    }
}

static void groups_release(struct groups *g)
{
    free(g->pop);
    free(g->parent);
    free(g->next);
    free(g->tail);
    free(g->size);
    free(g->count);
}

static uint32_t find(struct groups *g, uint32_t x)
{
    uint32_t r = x;

    while (g->parent[r] != r)
        r = g->parent[r];
    while (g->parent[x] != r) { /* path compression */
        uint32_t up = g->parent[x];
        g->parent[x] = r;
        x = up;
    }
    return r;
}

/* Join roots ra and rb; the lower index stays the root (any fixed rule would do). */
static void join(struct groups *g, uint32_t ra, uint32_t rb)
{
    if (rb < ra) {
        uint32_t t = ra;
        ra = rb;
        rb = t;
    }
    g->parent[rb] = ra;
    g->next[g->tail[ra]] = rb;
    g->tail[ra] = g->tail[rb];
    g->size[ra] += g->size[rb];
}

/* Does the couple (x, y) reach t? Computed from the CLKs. */
static int couple_passes(const struct groups *g, uint32_t x, uint32_t y,
                         const struct dice_threshold *t)
{
    struct dice_pair p;

    p.a = x;
    p.b = y;
    p.common =
        dice_common(link__clk(g->ix, g->sources, x), link__clk(g->ix, g->sources, y), g->ix->words);
    p.sum = g->pop[x] + g->pop[y];
    return link__passes(t, &p);
}

/* How many of n couples must pass: at least one, and at least support percent. */
static uint64_t needed(uint64_t n, unsigned support)
{
    uint64_t k = (n * support + 99) / 100;

    return n == 0 ? 0 : (k > 0 ? k : 1);
}

/*
 * May groups ra and rb merge? Of the couples (x in ra, y in rb), those of one
 * source must reach `within` and those of two sources `t`: of each kind (when
 * there is any), at least one couple and at least support percent of them. The
 * couples of each kind are counted first (from the sources' counts), so the walk
 * stops as soon as the answer is known.
 */
static int may_merge(struct groups *g, uint32_t ra, uint32_t rb, const struct dice_threshold *t,
                     const struct dice_threshold *within, unsigned support)
{
    const struct link__index *ix = g->ix;
    uint64_t same = 0, cross, need_same, need_cross, pass_same = 0, pass_cross = 0;
    uint64_t fail_same = 0, fail_cross = 0;
    uint32_t x, y;

    if (g->size[ra] == 1 && g->size[rb] == 1)
        return 1; /* two single records: the pair itself passed */
    for (x = ra; x != NONE; x = g->next[x])
        g->count[ix->src[x]]++;
    for (y = rb; y != NONE; y = g->next[y])
        same += g->count[ix->src[y]];
    for (x = ra; x != NONE; x = g->next[x])
        g->count[ix->src[x]] = 0;
    cross = (uint64_t)g->size[ra] * g->size[rb] - same;
    need_same = needed(same, support);
    need_cross = needed(cross, support);
    for (x = ra; x != NONE; x = g->next[x]) {
        for (y = rb; y != NONE; y = g->next[y]) {
            if (ix->src[x] == ix->src[y]) {
                if (pass_same >= need_same)
                    continue; /* enough of this kind already */
                if (couple_passes(g, x, y, within))
                    pass_same++;
                else if (++fail_same > same - need_same)
                    return 0; /* too many failed: cannot reach need_same */
            } else {
                if (pass_cross >= need_cross)
                    continue;
                if (couple_passes(g, x, y, t))
                    pass_cross++;
                else if (++fail_cross > cross - need_cross)
                    return 0;
            }
            if (pass_same >= need_same && pass_cross >= need_cross)
                return 1;
        }
    }
    return pass_same >= need_same && pass_cross >= need_cross;
}

/*
 * Refusals remembered: two groups refused once are refused again while neither
 * has changed. Groups only grow, and a group keeps its root unless it joins a group
 * with a lower root, so (root, size) names a group's state: an entry (ra, rb, size
 * of ra, size of rb) still holds when both roots and sizes are unchanged. Without
 * this, the many pairs between two large groups would each repeat the same check.
 */
struct refusal {
    uint32_t ra, rb; /* ra < rb; ra == rb == NONE: empty slot */
    uint32_t size_a, size_b;
};

struct refusals {
    struct refusal *slot;
    size_t mask; /* capacity - 1 */
    size_t used;
};

static size_t refusal_hash(uint32_t ra, uint32_t rb)
{
    uint64_t k = ((uint64_t)ra << 32) | rb;

    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k;
}

static void refusals_init(struct refusals *r, size_t cap)
{
    size_t i;

    r->slot = xmalloc(st_mult(cap, sizeof(struct refusal)));
    for (i = 0; i < cap; i++)
        r->slot[i].ra = r->slot[i].rb = NONE;
    r->mask = cap - 1;
    r->used = 0;
}

static struct refusal *refusal_slot(const struct refusals *r, uint32_t ra, uint32_t rb)
{
    size_t i = refusal_hash(ra, rb) & r->mask;

    while (r->slot[i].ra != NONE && (r->slot[i].ra != ra || r->slot[i].rb != rb))
        i = (i + 1) & r->mask;
    return &r->slot[i];
}

static int refused_before(const struct refusals *r, const struct groups *g, uint32_t ra,
                          uint32_t rb)
{
    const struct refusal *s = refusal_slot(r, ra, rb);

    return s->ra == ra && s->size_a == g->size[ra] && s->size_b == g->size[rb];
}

static void remember_refusal(struct refusals *r, const struct groups *g, uint32_t ra, uint32_t rb)
{
    struct refusal *s;

    if (2 * (r->used + 1) > r->mask + 1) { /* grow at half full */
        struct refusals bigger;
        size_t i;
        refusals_init(&bigger, st_mult(r->mask + 1, 2));
        for (i = 0; i <= r->mask; i++) {
            if (r->slot[i].ra != NONE) {
                *refusal_slot(&bigger, r->slot[i].ra, r->slot[i].rb) = r->slot[i];
                bigger.used++;
            }
        }
        free(r->slot);
        *r = bigger;
    }
    s = refusal_slot(r, ra, rb);
    if (s->ra == NONE)
        r->used++;
    s->ra = ra;
    s->rb = rb;
    s->size_a = g->size[ra];
    s->size_b = g->size[rb];
}

/* Number persons by their first record, into res. */
static void number_persons(struct groups *g, const struct link__index *ix, struct link_result *res)
{
    uint32_t *label = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    size_t i, next = 0;

    for (i = 0; i < ix->n; i++)
        label[i] = NONE;
    res->n = ix->n;
    res->person = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    for (i = 0; i < ix->n; i++) {
        uint32_t r = find(g, (uint32_t)i);
        if (label[r] == NONE)
            label[r] = (uint32_t)next++;
        res->person[i] = label[r];
    }
    res->npersons = next;
    res->stats.persons = next;
    res->stats.records = ix->n;
    free(label);
}

/* ==== The solvers ==== */

static void solve_1to1(const struct link__index *ix, struct groups *g,
                       const struct dice_pairs *pairs, size_t npairs,
                       const struct dice_threshold *t, struct link_result *res)
{
    unsigned char *matched = xcalloc(ix->n + 1, 1);
    size_t k;

    for (k = 0; k < npairs; k++) {
        const struct dice_pair *p = &pairs->v[k];
        if (ix->src[p->a] == ix->src[p->b] || !link__passes(t, p))
            continue;
        if (matched[p->a] || matched[p->b]) {
            res->stats.refused++;
            continue;
        }
        matched[p->a] = 1;
        matched[p->b] = 1;
        join(g, find(g, p->a), find(g, p->b));
        res->stats.accepted++;
    }
    free(matched);
}

static void solve_group(const struct link__index *ix, struct groups *g,
                        const struct dice_pairs *pairs, size_t npairs,
                        const struct link__solve_params *sp, struct link_result *res)
{
    const struct dice_threshold *t = &sp->t;
    struct dice_threshold within = link__max_threshold(&sp->t, &sp->t2);
    struct refusals refused;
    size_t k;

    refusals_init(&refused, 1024);
    for (k = 0; k < npairs; k++) {
        const struct dice_pair *p = &pairs->v[k];
        uint32_t ra, rb;
        if (ix->src[p->a] == ix->src[p->b]) {
            if (!link__passes(&within, p))
                continue;
        } else if (!link__passes(t, p)) {
            continue;
        }
        ra = find(g, p->a);
        rb = find(g, p->b);
        if (ra == rb)
            continue;
        if (rb < ra) {
            uint32_t tmp = ra;
            ra = rb;
            rb = tmp;
        }
        if (refused_before(&refused, g, ra, rb) || !may_merge(g, ra, rb, t, &within, sp->support)) {
            remember_refusal(&refused, g, ra, rb);
            res->stats.refused++;
            continue;
        }
        join(g, ra, rb);
        res->stats.accepted++;
    }
    free(refused.slot);
}

int link__solve_sorted(const struct link__index *ix, const struct dice_clks *sources,
                       const struct link__solve_params *sp, const struct dice_pairs *pairs,
                       size_t npairs, struct link_result *res, struct err *e)
{
    struct groups g;

    if (sp->method == LINK_GREEDY_1TO1 && ix->nsources != 2)
        return err_set(e, ERR_INVALID, "greedy 1-1 matching needs exactly two sources (got %zu)",
                       ix->nsources);
    if (sp->support > 100)
        return err_set(e, ERR_INVALID, "the support of a merge is a percentage (0 to 100)");
    if (npairs > pairs->n)
        npairs = pairs->n;
    memset(res, 0, sizeof(*res));
    groups_init(&g, ix, sources);
    if (sp->method == LINK_GREEDY_1TO1)
        solve_1to1(ix, &g, pairs, npairs, &sp->t, res);
    else
        solve_group(ix, &g, pairs, npairs, sp, res);
    number_persons(&g, ix, res);
    groups_release(&g);
    return 0;
}

int link_solve(const struct dice_clks *sources, size_t nsources, const struct link_opts *o,
               struct dice_pairs *pairs, struct link_result *res, struct err *e)
{
    struct link__index ix;
    struct link__solve_params sp;
    uint32_t *rank = NULL;
    uint64_t t0 = clock_ns();
    size_t k;
    int rc;

    rc = link__index_build(&ix, sources, nsources, e);
    if (rc < 0)
        return rc;
    for (k = 0; k < pairs->n; k++) {
        const struct dice_pair *p = &pairs->v[k];
        if (p->a >= ix.n || p->b >= ix.n || p->a == p->b || p->common > p->sum) {
            rc = err_set(e, ERR_INVALID, "candidate pair %zu names no valid pair of records", k);
            goto out;
        }
    }
    rank = link__ranks(&ix, sources);
    link__sort_pairs(pairs, rank);
    sp.method = link_method_resolve(o->method, nsources);
    sp.t = o->threshold;
    sp.t2 = o->agency_threshold;
    sp.support = o->support;
    rc = link__solve_sorted(&ix, sources, &sp, pairs, pairs->n, res, e);
    if (rc == 0)
        res->stats.seconds_solve = link__seconds(t0, clock_ns());
out:
    free(rank);
    link__index_release(&ix);
    return rc;
}
