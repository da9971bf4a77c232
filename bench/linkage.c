/*
 * linkage.c (bench_linkage): linkage quality on the Febrl benchmark sets and on
 * synthetic multi-agency data, with the default schemas and thresholds.
 *
 * usage: bench_linkage --data DIR [--smoke] [--threshold T] [--agency-threshold T2]
 *                      [--febrl-schema FILE] [--synth-schema FILE] [--persons N]
 *                      [--noise LOW|MEDIUM|HIGH] [--seed S] [--only PART] [--sweep]
 *                      [--misses N] [--lsh SPEC]
 *
 * DIR holds dataset3.csv, dataset4a.csv and dataset4b.csv (tests/data/febrl). The
 * Febrl files are encoded with data/linkage/febrl.json, the synthetic ones with
 * data/linkage/htcds-default.json, both under a fixed test secret. Parts:
 *
 *   febrl4  4a x 4b (5000 + 5000, 5000 true pairs): precision, recall and F1 of
 *           greedy 1-1 and of threshold-only (every pair at or above T).
 *   febrl3  deduplication of 5000 records of 2000 entities (one source, so every
 *           pair is held to the within-source threshold T2' = max(T, T2)): pairwise
 *           F1 (pairs of records put in one person), cluster F1 (a found cluster
 *           counts only if it equals a true cluster exactly: precision = exact
 *           clusters / found clusters, recall = exact clusters / true clusters), the
 *           B-cubed F1 beside it, and persons found against the true 2000.
 *   split   febrl3 spread at random (fixed seed) over 4 agencies and linked by
 *           grouping: the error of the person count against 2000.
 *   synth   `tiphub synth` data (default 5000 persons, 4 agencies, HIGH noise),
 *           canonicalised as import does (rec_set) and encoded as `encode --db`
 *           does: the error of the person count against truth.csv, and pairwise F1.
 *
 * Each figure is printed beside a baseline from the same run: for Febrl the
 * threshold-only rule, for counts the number of records (no linkage at all).
 * With --lsh, each part is also solved from LSH candidates and the pairs and
 * persons lost against the exact search are printed. --sweep prints the figures at
 * thresholds 0.60..0.98 (for tuning). --misses N lists up to N missed and N wrong
 * pairs of the febrl3 and synth parts by record id (agency and case_ref), on
 * standard error: ids only, never a name or a score.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clk.h"
#include "csv.h"
#include "embedded.h"
#include "err.h"
#include "link.h"
#include "progress.h"
#include "rec.h"
#include "strutil.h"
#include "synth.h"
#include "xalloc.h"

#include "scratch.h"

#include "banned.h"

#define SECRET "tiphub-bench-linkage-secret-not-for-production"

static void die(const char *what, const struct err *e)
{
    fprintf(stderr, "bench_linkage: %s: %s\n", what, e != NULL ? e->msg : "failed");
    exit(3);
}

/* ==== A linkage input with its truth ==== */

struct dataset {
    struct dice_clks src[16];
    size_t nsrc;
    uint32_t *truth; /* global index -> entity */
    char **ids;      /* global index -> record id (for --misses), may be NULL */
    size_t n;
};

static void dataset_release(struct dataset *d)
{
    size_t i;

    for (i = 0; i < d->nsrc; i++)
        dice_clks_release(&d->src[i]);
    if (d->ids != NULL) {
        for (i = 0; i < d->n; i++)
            free(d->ids[i]);
    }
    free(d->ids);
    free(d->truth);
    memset(d, 0, sizeof(*d));
}

/* Growing list of encoded rows of one source. */
struct rows {
    uint8_t *clk;
    uint32_t *truth;
    char **ids;
    size_t n, alloc, bytes;
};

static void rows_add(struct rows *r, const uint8_t *clk, uint32_t truth, const char *id)
{
    if (r->n == r->alloc) {
        r->alloc = r->alloc == 0 ? 1024 : r->alloc * 2;
        r->clk = xrealloc(r->clk, st_mult(r->alloc, r->bytes));
        r->truth = xrealloc(r->truth, st_mult(r->alloc, sizeof(uint32_t)));
        r->ids = xrealloc(r->ids, st_mult(r->alloc, sizeof(char *)));
    }
    memcpy(r->clk + r->n * r->bytes, clk, r->bytes);
    r->truth[r->n] = truth;
    r->ids[r->n] = xstrdup(id);
    r->n++;
}

/* Append rows as source d->nsrc; rows are freed. */
static void dataset_add_source(struct dataset *d, struct rows *r, size_t nbits)
{
    struct dice_clks *s = &d->src[d->nsrc++];
    size_t i;

    if (dice_clks_init(s, nbits, r->n) < 0)
        die("dice_clks_init", NULL);
    d->truth = xrealloc(d->truth, st_mult(d->n + r->n, sizeof(uint32_t)) + 1);
    d->ids = xrealloc(d->ids, st_mult(d->n + r->n, sizeof(char *)) + 1);
    for (i = 0; i < r->n; i++) {
        dice_clks_set_bytes(s, i, r->clk + i * r->bytes);
        d->truth[d->n + i] = r->truth[i];
        d->ids[d->n + i] = r->ids[i];
    }
    d->n += r->n;
    free(r->clk);
    free(r->truth);
    free(r->ids);
    memset(r, 0, sizeof(*r));
}

/* ==== Schemas and encoders ==== */

static struct clk_schema *load_schema(const char *file, const char *embedded_name)
{
    struct clk_schema *s = NULL;
    struct err e;

    err_init(&e);
    if (file != NULL) {
        if (clk_schema_load_file(file, &s, &e) < 0)
            die("schema", &e);
    } else {
        const struct embedded_file *f = embedded_find(embedded_name);
        if (f == NULL || clk_schema_parse((const char *)f->data, f->len, &s, &e) < 0)
            die(embedded_name, &e);
    }
    return s;
}

static struct clk_encoder *make_encoder(const struct clk_schema *s)
{
    struct clk_encoder *enc = NULL;
    struct err e;

    err_init(&e);
    if (clk_encoder_new(s, SECRET, strlen(SECRET), CLK_NO_VALIDATE, &enc, &e) < 0)
        die("encoder", &e);
    return enc;
}

/* ==== Febrl ==== */

/* The entity of a Febrl rec_id "rec-N-org" / "rec-N-dup-M". */
static uint32_t febrl_entity(const char *id, size_t len)
{
    uint64_t v = 0;
    size_t i = 4;

    if (len < 6 || memcmp(id, "rec-", 4) != 0)
        return UINT32_MAX;
    while (i < len && id[i] >= '0' && id[i] <= '9')
        v = v * 10 + (uint64_t)(id[i++] - '0');
    return (uint32_t)v;
}

/* Encode a Febrl file; rows with entity >= max_entity are left out (smoke runs). */
static void load_febrl(const char *path, const struct clk_schema *schema, struct clk_encoder *enc,
                       uint32_t max_entity, struct rows *out)
{
    struct csv_options co = {0};
    struct csv_reader *r = NULL;
    struct csv_record rec;
    struct err e;
    size_t nf = clk_schema_nfeatures(schema), i, col_of[64], ncols = 0;
    struct clk_value vals[64];
    uint8_t *clk = xmalloc(clk_encoder_bytes(enc));
    char id[64];
    FILE *f = fopen(path, "rb");
    int rc;

    if (f == NULL || nf > 64) {
        fprintf(stderr, "bench_linkage: cannot open '%s'\n", path);
        exit(3);
    }
    co.trim = true;
    if (csv_open_file(&r, f, &co) < 0)
        die(path, NULL);
    memset(out, 0, sizeof(*out));
    out->bytes = clk_encoder_bytes(enc);
    err_init(&e);
    for (;;) {
        rc = csv_next(r, &rec, &e);
        if (rc == 0)
            break;
        if (rc < 0)
            die(path, &e);
        if (ncols == 0) { /* header: find each feature's column */
            ncols = rec.nfields;
            for (i = 0; i < nf; i++) {
                const char *name = clk_schema_identifier(schema, i);
                size_t c;
                col_of[i] = SIZE_MAX;
                for (c = 0; c < rec.nfields; c++) {
                    if (rec.fields[c].len == strlen(name) &&
                        memcmp(rec.fields[c].data, name, rec.fields[c].len) == 0)
                        col_of[i] = c;
                }
                if (col_of[i] == SIZE_MAX && !clk_schema_ignored(schema, i)) {
                    fprintf(stderr, "bench_linkage: '%s' has no column '%s'\n", path, name);
                    exit(3);
                }
            }
            continue;
        }
        if (rec.nfields != ncols || rec.fields[0].len >= sizeof(id))
            die(path, NULL);
        memcpy(id, rec.fields[0].data, rec.fields[0].len);
        id[rec.fields[0].len] = '\0';
        if (febrl_entity(id, strlen(id)) >= max_entity)
            continue;
        for (i = 0; i < nf; i++) {
            vals[i].data = col_of[i] != SIZE_MAX ? rec.fields[col_of[i]].data : "";
            vals[i].len = col_of[i] != SIZE_MAX ? rec.fields[col_of[i]].len : 0;
        }
        if (clk_encode(enc, vals, nf, clk, NULL, &e) < 0)
            die(path, &e);
        rows_add(out, clk, febrl_entity(id, strlen(id)), id);
    }
    csv_close(r);
    fclose(f);
    free(clk);
}

/* ==== Metrics ==== */

struct prf {
    double precision, recall, f1;
    uint64_t tp, predicted, actual;
};

static struct prf prf_make(uint64_t tp, uint64_t predicted, uint64_t actual)
{
    struct prf m;

    m.tp = tp;
    m.predicted = predicted;
    m.actual = actual;
    m.precision = predicted > 0 ? (double)tp / (double)predicted : 1.0;
    m.recall = actual > 0 ? (double)tp / (double)actual : 1.0;
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
    return m;
}

struct cell {
    uint32_t p, t;
};

static int cmp_cell(const void *x, const void *y)
{
    const struct cell *a = x, *b = y;
    if (a->p != b->p)
        return a->p < b->p ? -1 : 1;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return 0;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : (a > b);
}

/* Sizes of the clusters of labels v[0..n): out[label] (labels < nlabels). */
static uint32_t *cluster_sizes(const uint32_t *v, size_t n, size_t nlabels)
{
    uint32_t *size = xcalloc(nlabels + 1, sizeof(uint32_t));
    size_t i;

    for (i = 0; i < n; i++)
        size[v[i]]++;
    return size;
}

struct quality {
    struct prf pairwise;
    struct prf cluster; /* exact-match clusters */
    double bcubed_p, bcubed_r, bcubed_f1;
    size_t persons, true_persons;
};

/* Compare a partition (person) with the truth (labels, dense after remapping). */
static struct quality compare_partition(const uint32_t *person, size_t npersons,
                                        const uint32_t *truth_in, size_t n)
{
    struct quality q;
    uint32_t *truth = xmalloc(st_mult(n, sizeof(uint32_t)) + 1);
    uint32_t *sorted = xmalloc(st_mult(n, sizeof(uint32_t)) + 1);
    struct cell *c = xmalloc(st_mult(n, sizeof(struct cell)) + 1);
    uint32_t *psize, *tsize;
    uint64_t tp = 0, pred = 0, act = 0, exact = 0;
    size_t i, j, ntrue = 0;
    double bp = 0, br = 0;

    memset(&q, 0, sizeof(q));
    /* dense truth labels */
    memcpy(sorted, truth_in, n * sizeof(uint32_t));
    qsort(sorted, n, sizeof(uint32_t), cmp_u32);
    {
        /* unique sorted labels, then map each by binary search */
        size_t u = 0;
        for (i = 0; i < n; i++) {
            if (u == 0 || sorted[u - 1] != sorted[i])
                sorted[u++] = sorted[i];
        }
        ntrue = u;
        for (i = 0; i < n; i++) {
            uint32_t *hit = bsearch(&truth_in[i], sorted, u, sizeof(uint32_t), cmp_u32);
            truth[i] = (uint32_t)(hit - sorted);
        }
    }
    psize = cluster_sizes(person, n, npersons);
    tsize = cluster_sizes(truth, n, ntrue);
    for (i = 0; i < npersons; i++)
        pred += (uint64_t)psize[i] * (psize[i] - (psize[i] > 0)) / 2;
    for (i = 0; i < ntrue; i++)
        act += (uint64_t)tsize[i] * (tsize[i] - (tsize[i] > 0)) / 2;
    for (i = 0; i < n; i++) {
        c[i].p = person[i];
        c[i].t = truth[i];
    }
    qsort(c, n, sizeof(*c), cmp_cell);
    for (i = 0; i < n; i = j) {
        uint64_t m;
        for (j = i; j < n && c[j].p == c[i].p && c[j].t == c[i].t; j++)
            ;
        m = j - i;
        tp += m * (m - 1) / 2;
        /* B-cubed: each of the m records has |P & T| = m */
        bp += (double)m * (double)m / psize[c[i].p];
        br += (double)m * (double)m / tsize[c[i].t];
        if (m == psize[c[i].p] && m == tsize[c[i].t])
            exact++;
    }
    q.pairwise = prf_make(tp, pred, act);
    q.cluster = prf_make(exact, npersons, ntrue);
    q.bcubed_p = bp / (double)n;
    q.bcubed_r = br / (double)n;
    q.bcubed_f1 = 2 * q.bcubed_p * q.bcubed_r / (q.bcubed_p + q.bcubed_r);
    q.persons = npersons;
    q.true_persons = ntrue;
    free(truth);
    free(sorted);
    free(c);
    free(psize);
    free(tsize);
    return q;
}

/* Precision/recall of "every pair at or above t" (pairs of two sources only). */
static struct prf threshold_only(const struct dataset *d, const struct dice_pairs *pairs,
                                 const struct dice_threshold *t, uint64_t actual)
{
    uint64_t tp = 0, pred = 0;
    size_t k;

    for (k = 0; k < pairs->n; k++) {
        const struct dice_pair *p = &pairs->v[k];
        if (2 * (uint64_t)t->q * p->common < (uint64_t)t->p * p->sum)
            continue;
        pred++;
        tp += d->truth[p->a] == d->truth[p->b];
    }
    return prf_make(tp, pred, actual);
}

/* ==== Running ==== */

struct opts {
    const char *data;
    const char *febrl_schema;
    const char *synth_schema;
    const char *only;
    const char *lsh;
    struct dice_threshold t, t2;
    char t_text[32], t2_text[32];
    int smoke, sweep;
    size_t persons;
    enum synth_noise noise;
    uint64_t seed;
    size_t misses;
    unsigned support;
};

static int want(const struct opts *o, const char *part)
{
    return o->only == NULL || strcmp(o->only, part) == 0;
}

static struct link_opts lopts(const struct opts *o, const struct dice_threshold *t,
                              enum link_method m)
{
    struct link_opts l;

    link_opts_init(&l);
    l.threshold = *t;
    l.agency_threshold = o->t2;
    l.support = o->support;
    l.method = m;
    return l;
}

static void solve_at(const struct dataset *d, const struct opts *o, const struct dice_pairs *all,
                     const struct dice_threshold *t, enum link_method m, struct link_result *res)
{
    struct link_opts l = lopts(o, t, m);
    struct dice_pairs copy;
    struct err e;

    copy.n = copy.alloc = all->n;
    copy.v = xmalloc(st_mult(all->n, sizeof(struct dice_pair)) + 1);
    memcpy(copy.v, all->v, all->n * sizeof(struct dice_pair));
    err_init(&e);
    if (link_solve(d->src, d->nsrc, &l, &copy, res, &e) < 0)
        die("solve", &e);
    free(copy.v);
}

/* Candidates at the lowest threshold any figure needs (the sweep's 0.60 or T). */
static void candidates(const struct dataset *d, const struct opts *o, int within,
                       const char *blocking, struct dice_pairs *out, struct link_stats *st)
{
    struct link_opts l;
    struct dice_threshold lo;
    struct err e;

    link_opts_init(&l);
    err_init(&e);
    if (blocking != NULL && link_blocking_parse(blocking, &l, &e) < 0)
        die("--lsh", &e);
    lo = o->t;
    if (o->sweep && dice_threshold_from_ratio(60, 100, &lo) < 0)
        abort();
    if ((uint64_t)o->t.p * lo.q < (uint64_t)lo.p * o->t.q)
        lo = o->t;
    dice_pairs_init(out);
    if (link_candidates(d->src, d->nsrc, &l, &lo, within ? &lo : NULL, out, st, &e) < 0)
        die("candidates", &e);
}

static uint64_t true_cross_pairs(const struct dataset *d)
{
    /* pairs with one record in source 0 and one in source 1, same entity */
    uint32_t *a = xmalloc(st_mult(d->src[0].n, sizeof(uint32_t)) + 1);
    uint64_t n = 0;
    size_t i;

    memcpy(a, d->truth, d->src[0].n * sizeof(uint32_t));
    qsort(a, d->src[0].n, sizeof(uint32_t), cmp_u32);
    for (i = d->src[0].n; i < d->n; i++) {
        uint32_t *lo = bsearch(&d->truth[i], a, d->src[0].n, sizeof(uint32_t), cmp_u32);
        if (lo == NULL)
            continue;
        while (lo > a && lo[-1] == d->truth[i])
            lo--;
        while (lo < a + d->src[0].n && *lo == d->truth[i]) {
            n++;
            lo++;
        }
    }
    free(a);
    return n;
}

static void print_prf(const char *label, const struct prf *m)
{
    printf("  %-34s precision %.4f  recall %.4f  F1 %.4f  (%" PRIu64 " of %" PRIu64
           " found, %" PRIu64 " true)\n",
           label, m->precision, m->recall, m->f1, m->tp, m->predicted, m->actual);
}

static void lsh_compare(const struct dataset *d, const struct opts *o, int within,
                        enum link_method m, const struct dice_pairs *exact_pairs,
                        const struct link_result *exact_res, const struct link_stats *exact_st)
{
    struct dice_pairs lp;
    struct link_stats st;
    struct link_result res;
    size_t i, j, lost = 0, exact_at_t = 0;

    memset(&st, 0, sizeof(st));
    candidates(d, o, within, o->lsh, &lp, &st);
    solve_at(d, o, &lp, &o->t, m, &res);
    for (i = 0, j = 0; i < exact_pairs->n; i++) {
        const struct dice_pair *p = &exact_pairs->v[i];
        if (2 * (uint64_t)o->t.q * p->common < (uint64_t)o->t.p * p->sum)
            continue;
        exact_at_t++;
        while (j < lp.n && (lp.v[j].a < p->a || (lp.v[j].a == p->a && lp.v[j].b < p->b)))
            j++;
        if (j >= lp.n || lp.v[j].a != p->a || lp.v[j].b != p->b)
            lost++;
    }
    printf("  LSH %-30s pairs at T lost %zu of %zu (recall %.5f); persons %zu (exact %zu);"
           " %.3g comparisons (exact %.3g), %.2f s (exact %.2f s)\n",
           o->lsh, lost, exact_at_t, exact_at_t > 0 ? 1.0 - (double)lost / (double)exact_at_t : 1.0,
           res.npersons, exact_res->npersons, (double)st.comparisons, (double)exact_st->comparisons,
           st.seconds_search, exact_st->seconds_search);
    link_result_release(&res);
    dice_pairs_release(&lp);
}

static void print_misses(const struct dataset *d, const struct link_result *res,
                         const struct dice_threshold *t, size_t max);

static void run_febrl4(const struct opts *o)
{
    struct clk_schema *schema = load_schema(o->febrl_schema, "linkage/febrl.json");
    struct clk_encoder *enc = make_encoder(schema);
    struct dataset d;
    struct rows ra, rb;
    struct dice_pairs pairs;
    struct link_stats st;
    struct link_result res;
    struct quality q;
    struct prf thr;
    char path[4096];
    uint32_t max_entity = o->smoke ? 500 : UINT32_MAX;
    uint64_t actual;

    memset(&d, 0, sizeof(d));
    snprintf(path, sizeof(path), "%s/dataset4a.csv", o->data);
    load_febrl(path, schema, enc, max_entity, &ra);
    snprintf(path, sizeof(path), "%s/dataset4b.csv", o->data);
    load_febrl(path, schema, enc, max_entity, &rb);
    dataset_add_source(&d, &ra, clk_encoder_bytes(enc) * 8);
    dataset_add_source(&d, &rb, clk_encoder_bytes(enc) * 8);
    actual = true_cross_pairs(&d);
    candidates(&d, o, 0, NULL, &pairs, &st);
    solve_at(&d, o, &pairs, &o->t, LINK_GREEDY_1TO1, &res);
    q = compare_partition(res.person, res.npersons, d.truth, d.n);
    thr = threshold_only(&d, &pairs, &o->t, actual);
    printf("febrl4 (dataset4a x dataset4b: %zu x %zu records, %" PRIu64
           " true pairs), threshold %s\n",
           d.src[0].n, d.src[1].n, actual, o->t_text);
    print_prf("greedy 1-1", &q.pairwise);
    print_prf("threshold-only (baseline)", &thr);
    printf("  target: threshold-only F1 >= 0.985: %s; greedy/threshold-only F1 ratio %.4f\n",
           thr.f1 >= 0.985 ? "met" : "NOT MET", thr.f1 > 0 ? q.pairwise.f1 / thr.f1 : 0);
    printf("  search: %.3g comparisons, %.2f s; solve %.3f s\n", (double)st.comparisons,
           st.seconds_search, res.stats.seconds_solve);
    if (o->sweep) {
        unsigned k;
        for (k = 60; k <= 98; k += 2) {
            struct dice_threshold t;
            struct link_result r2;
            struct quality q2;
            struct prf t2;
            if (dice_threshold_from_ratio(k, 100, &t) < 0)
                abort();
            solve_at(&d, o, &pairs, &t, LINK_GREEDY_1TO1, &r2);
            q2 = compare_partition(r2.person, r2.npersons, d.truth, d.n);
            t2 = threshold_only(&d, &pairs, &t, actual);
            printf("    sweep %.2f: greedy P %.4f R %.4f F1 %.4f | threshold-only P %.4f R %.4f "
                   "F1 %.4f\n",
                   k / 100.0, q2.pairwise.precision, q2.pairwise.recall, q2.pairwise.f1,
                   t2.precision, t2.recall, t2.f1);
            link_result_release(&r2);
        }
    }
    if (o->lsh != NULL)
        lsh_compare(&d, o, 0, LINK_GREEDY_1TO1, &pairs, &res, &st);
    link_result_release(&res);
    dice_pairs_release(&pairs);
    dataset_release(&d);
    clk_encoder_free(enc);
    clk_schema_free(schema);
}

static void print_counts(const char *label, size_t persons, size_t truth, size_t records)
{
    /* signed: too few persons (people joined) is not the same failure as too many */
    double err = ((double)persons - (double)truth) / (double)truth;
    double base = ((double)records - (double)truth) / (double)truth;
    printf("  %-34s persons %zu, true %zu: error %+.2f%% (baseline, no linkage: %zu records, "
           "error %+.2f%%)\n",
           label, persons, truth, 100 * err, records, 100 * base);
}

/* The target of the person counts: within 2 % of the truth. */
static void print_count_target(size_t persons, size_t truth)
{
    printf("  target: person count error <= 2%%: %s\n",
           fabs((double)persons - (double)truth) <= 0.02 * (double)truth ? "met" : "NOT MET");
}

static void print_quality(const struct quality *q)
{
    print_prf("pairwise", &q->pairwise);
    print_prf("clusters (exact match)", &q->cluster);
    printf("  %-34s precision %.4f  recall %.4f  F1 %.4f\n", "B-cubed", q->bcubed_p, q->bcubed_r,
           q->bcubed_f1);
}

static void sweep_group(const struct dataset *d, const struct opts *o,
                        const struct dice_pairs *pairs)
{
    unsigned k;

    for (k = 60; k <= 98; k += 2) {
        struct dice_threshold t;
        struct link_result r2;
        struct quality q2;
        if (dice_threshold_from_ratio(k, 100, &t) < 0)
            abort();
        solve_at(d, o, pairs, &t, LINK_GROUP, &r2);
        q2 = compare_partition(r2.person, r2.npersons, d->truth, d->n);
        printf("    sweep T %.2f (T2 %s): persons %zu (err %+.2f%%) pairwise P %.4f R %.4f F1 "
               "%.4f cluster F1 %.4f B3 %.4f\n",
               k / 100.0, o->t2_text, r2.npersons,
               100.0 * ((double)r2.npersons - (double)q2.true_persons) / (double)q2.true_persons,
               q2.pairwise.precision, q2.pairwise.recall, q2.pairwise.f1, q2.cluster.f1,
               q2.bcubed_f1);
        link_result_release(&r2);
    }
}

static void run_febrl3(const struct opts *o, int split)
{
    struct clk_schema *schema = load_schema(o->febrl_schema, "linkage/febrl.json");
    struct clk_encoder *enc = make_encoder(schema);
    struct dataset d;
    struct rows all, parts[4];
    struct dice_pairs pairs;
    struct link_stats st;
    struct link_result res;
    struct quality q;
    char path[4096];
    uint32_t max_entity = o->smoke ? 400 : UINT32_MAX;
    size_t i, a;
    uint64_t rng = 0x5eed0f0f0febull;

    memset(&d, 0, sizeof(d));
    snprintf(path, sizeof(path), "%s/dataset3.csv", o->data);
    load_febrl(path, schema, enc, max_entity, &all);
    if (!split) {
        dataset_add_source(&d, &all, clk_encoder_bytes(enc) * 8);
    } else {
        memset(parts, 0, sizeof(parts));
        for (a = 0; a < 4; a++)
            parts[a].bytes = all.bytes;
        for (i = 0; i < all.n; i++) {
            /* splitmix64: a fixed seed spreads the records over the agencies */
            uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            z ^= z >> 31;
            rows_add(&parts[z % 4], all.clk + i * all.bytes, all.truth[i], all.ids[i]);
            free(all.ids[i]);
        }
        free(all.clk);
        free(all.truth);
        free(all.ids);
        for (a = 0; a < 4; a++)
            dataset_add_source(&d, &parts[a], clk_encoder_bytes(enc) * 8);
    }
    candidates(&d, o, 1, NULL, &pairs, &st);
    solve_at(&d, o, &pairs, &o->t, LINK_GROUP, &res);
    q = compare_partition(res.person, res.npersons, d.truth, d.n);
    if (!split) {
        printf("febrl3 deduplication (%zu records, one source: every pair held to T2' = %s)\n", d.n,
               o->t2_text);
        print_quality(&q);
        printf("  target: cluster F1 (exact match) >= 0.98: %s\n",
               q.cluster.f1 >= 0.98 ? "met" : "NOT MET");
        print_counts("person count", res.npersons, q.true_persons, d.n);
    } else {
        printf("febrl3 split over 4 agencies at random (%zu/%zu/%zu/%zu records), T %s, T2 %s\n",
               d.src[0].n, d.src[1].n, d.src[2].n, d.src[3].n, o->t_text, o->t2_text);
        print_quality(&q);
        print_counts("person count", res.npersons, q.true_persons, d.n);
        print_count_target(res.npersons, q.true_persons);
    }
    if (o->sweep)
        sweep_group(&d, o, &pairs);
    if (o->lsh != NULL)
        lsh_compare(&d, o, 1, LINK_GROUP, &pairs, &res, &st);
    if (o->misses > 0)
        print_misses(&d, &res, &o->t, o->misses);
    link_result_release(&res);
    dice_pairs_release(&pairs);
    dataset_release(&d);
    clk_encoder_free(enc);
    clk_schema_free(schema);
}

/* ==== Synthetic data ==== */

struct truth_map {
    char **keys; /* "agency\tcase_ref" sorted */
    uint32_t *person;
    size_t n;
};

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void read_truth(const char *dir, struct truth_map *tm)
{
    struct csv_reader *r = NULL;
    struct csv_record rec;
    struct err e;
    char path[4096];
    char **pairs = NULL;
    size_t alloc = 0, i;
    FILE *f;

    snprintf(path, sizeof(path), "%s/truth.csv", dir);
    f = fopen(path, "rb");
    if (f == NULL || csv_open_file(&r, f, NULL) < 0)
        die(path, NULL);
    err_init(&e);
    memset(tm, 0, sizeof(*tm));
    for (;;) {
        int rc = csv_next(r, &rec, &e);
        struct buf b;
        if (rc == 0)
            break;
        if (rc < 0 || rec.nfields != 3)
            die(path, &e);
        if (rec.line == 1)
            continue;
        buf_init(&b, 4096);
        buf_append(&b, rec.fields[0].data, rec.fields[0].len);
        buf_putc(&b, '\t');
        buf_append(&b, rec.fields[1].data, rec.fields[1].len);
        buf_putc(&b, '\t');
        buf_append(&b, rec.fields[2].data, rec.fields[2].len);
        if (tm->n == alloc) {
            alloc = alloc ? alloc * 2 : 1024;
            pairs = xrealloc(pairs, alloc * sizeof(char *));
        }
        pairs[tm->n++] = buf_detach(&b, NULL);
    }
    csv_close(r);
    fclose(f);
    qsort(pairs, tm->n, sizeof(char *), cmp_str);
    tm->keys = pairs;
    tm->person = xmalloc(st_mult(tm->n, sizeof(uint32_t)) + 1);
    for (i = 0; i < tm->n; i++) {
        char *tab = strrchr(pairs[i], '\t');
        uint64_t v = 0;
        if (tab == NULL || str_to_u64(tab + 1, strlen(tab + 1), UINT32_MAX, &v) < 0)
            die(path, NULL);
        *tab = '\0'; /* key is now "agency\tcase_ref" */
        tm->person[i] = (uint32_t)v;
    }
}

static uint32_t truth_lookup(const struct truth_map *tm, const char *key)
{
    size_t lo = 0, hi = tm->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(tm->keys[mid], key);
        if (c == 0)
            return tm->person[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    fprintf(stderr, "bench_linkage: a record is missing from truth.csv\n");
    exit(3);
}

/* Encode one agency file as import + encode --db would: rec_set, then the record's values. */
static void load_agency(const char *path, const char *agency, const struct clk_schema *schema,
                        struct clk_encoder *enc, const struct truth_map *tm, struct rows *out)
{
    struct csv_reader *r = NULL;
    struct csv_record rec;
    struct rec rc_rec;
    struct err e;
    size_t nf = clk_schema_nfeatures(schema), i, c;
    int field_of[64];
    size_t col_of[64], ref_col = SIZE_MAX;
    struct clk_value vals[64];
    uint8_t *clk = xmalloc(clk_encoder_bytes(enc));
    FILE *f = fopen(path, "rb");
    int header = 1;

    if (f == NULL || nf > 64 || csv_open_file(&r, f, NULL) < 0)
        die(path, NULL);
    memset(out, 0, sizeof(*out));
    out->bytes = clk_encoder_bytes(enc);
    rec_init(&rc_rec);
    err_init(&e);
    for (;;) {
        int rc = csv_next(r, &rec, &e);
        char key[512];
        if (rc == 0)
            break;
        if (rc < 0)
            die(path, &e);
        if (header) {
            header = 0;
            for (i = 0; i < nf; i++) {
                const char *id = clk_schema_identifier(schema, i);
                field_of[i] = clk_schema_ignored(schema, i) ? -1 : rec_field_find(id, strlen(id));
                col_of[i] = SIZE_MAX;
                for (c = 0; c < rec.nfields; c++) {
                    if (rec.fields[c].len == strlen(id) &&
                        memcmp(rec.fields[c].data, id, rec.fields[c].len) == 0)
                        col_of[i] = c;
                }
            }
            for (c = 0; c < rec.nfields; c++) {
                if (rec.fields[c].len == 8 && memcmp(rec.fields[c].data, "case_ref", 8) == 0)
                    ref_col = c;
            }
            if (ref_col == SIZE_MAX)
                die(path, NULL);
            continue;
        }
        rec_clear(&rc_rec);
        for (i = 0; i < nf; i++) {
            if (field_of[i] < 0 || col_of[i] == SIZE_MAX || col_of[i] >= rec.nfields)
                continue;
            (void)rec_set(&rc_rec, field_of[i], rec.fields[col_of[i]].data,
                          rec.fields[col_of[i]].len, col_of[i] + 1, NULL);
        }
        for (i = 0; i < nf; i++) {
            const char *v = field_of[i] >= 0 ? rc_rec.val[field_of[i]] : NULL;
            vals[i].data = v != NULL ? v : "";
            vals[i].len = v != NULL ? strlen(v) : 0;
        }
        if (clk_encode(enc, vals, nf, clk, NULL, &e) < 0)
            die(path, &e);
        snprintf(key, sizeof(key), "%s\t%.*s", agency, (int)rec.fields[ref_col].len,
                 rec.fields[ref_col].data);
        rows_add(out, clk, truth_lookup(tm, key), key);
    }
    rec_release(&rc_rec);
    csv_close(r);
    fclose(f);
    free(clk);
}

/* The words and popcount of global record g. */
static const uint64_t *record_clk(const struct dataset *d, size_t g, uint32_t *pop)
{
    size_t s = 0, w;
    const uint64_t *c;

    while (g >= d->src[s].n) {
        g -= d->src[s].n;
        s++;
    }
    c = d->src[s].bits + g * d->src[s].words;
    *pop = 0;
    for (w = 0; w < d->src[s].words; w++)
        *pop += (uint32_t)__builtin_popcountll(c[w]);
    return c;
}

/*
 * List up to max missed pairs (same truth, different persons) and wrong links
 * (different truth, same person) by record id, on standard error, for finding
 * out why (synthetic and Febrl data only). A missed pair says whether it scored
 * below T or was refused by the solver's rules; no score is printed.
 */
static void print_misses(const struct dataset *d, const struct link_result *res,
                         const struct dice_threshold *t, size_t max)
{
    size_t i, j, shown = 0, shown_fp = 0;

    fprintf(stderr, "missed pairs (same person, not linked):\n");
    for (i = 0; i < d->n && shown < max; i++) {
        for (j = i + 1; j < d->n && shown < max; j++) {
            uint32_t pa, pb, common;
            const uint64_t *a, *b;
            if (d->truth[i] != d->truth[j] || res->person[i] == res->person[j])
                continue;
            a = record_clk(d, i, &pa);
            b = record_clk(d, j, &pb);
            common = dice_common(a, b, d->src[0].words);
            fprintf(stderr, "  FN %s | %s  %s\n", d->ids[i], d->ids[j],
                    2 * (uint64_t)t->q * common >= (uint64_t)t->p * (pa + pb) ? "refused"
                                                                              : "below");
            shown++;
        }
    }
    fprintf(stderr, "wrong links (different persons, linked):\n");
    for (i = 0; i < d->n && shown_fp < max; i++) {
        for (j = i + 1; j < d->n && shown_fp < max; j++) {
            if (d->truth[i] != d->truth[j] && res->person[i] == res->person[j]) {
                fprintf(stderr, "  FP %s | %s\n", d->ids[i], d->ids[j]);
                shown_fp++;
            }
        }
    }
}

static void run_synth(const struct opts *o)
{
    struct clk_schema *schema = load_schema(o->synth_schema, "linkage/htcds-default.json");
    struct clk_encoder *enc = make_encoder(schema);
    struct synth_options so;
    struct synth *s = NULL;
    struct synth_summary sum;
    struct truth_map tm;
    struct dataset d;
    struct dice_pairs pairs;
    struct link_stats st;
    struct link_result res;
    struct quality q;
    struct err e;
    char dir[] = "/tmp/tiphub-bench-linkage.XXXXXX";
    char path[4096];
    size_t a, i;

    synth_options_init(&so);
    so.seed = o->seed;
    so.persons = o->persons;
    so.agencies = 4;
    so.noise = o->noise;
    err_init(&e);
    if (mkdtemp(dir) == NULL)
        die("mkdtemp", NULL);
    if (synth_new(&s, &so, &e) < 0 || synth_write(s, dir, &sum, &e) < 0)
        die("synth", &e);
    read_truth(dir, &tm);
    memset(&d, 0, sizeof(d));
    for (a = 0; a < synth_nagencies(s); a++) {
        struct rows rows;
        snprintf(path, sizeof(path), "%s/%s.csv", dir, synth_agency_name(s, a));
        load_agency(path, synth_agency_name(s, a), schema, enc, &tm, &rows);
        dataset_add_source(&d, &rows, clk_encoder_bytes(enc) * 8);
    }
    candidates(&d, o, 1, NULL, &pairs, &st);
    solve_at(&d, o, &pairs, &o->t, LINK_GROUP, &res);
    q = compare_partition(res.person, res.npersons, d.truth, d.n);
    printf("synth (seed %" PRIu64 ", %zu persons, 4 agencies, noise %s: %zu records), T %s, "
           "T2 %s\n",
           o->seed, synth_npersons(s),
           o->noise == SYNTH_NOISE_HIGH     ? "HIGH"
           : o->noise == SYNTH_NOISE_MEDIUM ? "MEDIUM"
                                            : "LOW",
           d.n, o->t_text, o->t2_text);
    print_quality(&q);
    print_counts("person count", res.npersons, synth_npersons(s), d.n);
    print_count_target(res.npersons, synth_npersons(s));
    if (o->sweep)
        sweep_group(&d, o, &pairs);
    if (o->lsh != NULL)
        lsh_compare(&d, o, 1, LINK_GROUP, &pairs, &res, &st);
    if (o->misses > 0)
        print_misses(&d, &res, &o->t, o->misses);
    link_result_release(&res);
    dice_pairs_release(&pairs);
    dataset_release(&d);
    for (i = 0; i < tm.n; i++)
        free(tm.keys[i]);
    free(tm.keys);
    free(tm.person);
    synth_free(s);
    scratch_remove(dir);
    clk_encoder_free(enc);
    clk_schema_free(schema);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_linkage --data DIR [--smoke] [--threshold T] "
                    "[--agency-threshold T2] [--febrl-schema FILE] [--synth-schema FILE] "
                    "[--persons N] [--noise LOW|MEDIUM|HIGH] [--seed S] "
                    "[--only febrl4|febrl3|split|synth] [--sweep] [--misses N] [--lsh SPEC]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct err e;
    int i;
    uint64_t v;

    memset(&o, 0, sizeof(o));
    o.persons = 5000;
    o.noise = SYNTH_NOISE_HIGH;
    o.seed = 11;
    o.support = LINK_DEFAULT_SUPPORT;
    str_copy(o.t_text, LINK_DEFAULT_THRESHOLD, sizeof(o.t_text));
    str_copy(o.t2_text, LINK_DEFAULT_AGENCY_THRESHOLD, sizeof(o.t2_text));
    err_init(&e);
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--smoke") == 0) {
            o.smoke = 1;
        } else if (strcmp(arg, "--sweep") == 0) {
            o.sweep = 1;
        } else if (val == NULL) {
            usage();
        } else if (strcmp(arg, "--data") == 0) {
            o.data = val;
            i++;
        } else if (strcmp(arg, "--threshold") == 0) {
            str_copy(o.t_text, val, sizeof(o.t_text));
            i++;
        } else if (strcmp(arg, "--agency-threshold") == 0) {
            str_copy(o.t2_text, val, sizeof(o.t2_text));
            i++;
        } else if (strcmp(arg, "--febrl-schema") == 0) {
            o.febrl_schema = val;
            i++;
        } else if (strcmp(arg, "--synth-schema") == 0) {
            o.synth_schema = val;
            i++;
        } else if (strcmp(arg, "--only") == 0) {
            o.only = val;
            i++;
        } else if (strcmp(arg, "--lsh") == 0) {
            o.lsh = val;
            i++;
        } else if (strcmp(arg, "--persons") == 0) {
            if (str_to_u64(val, strlen(val), SYNTH_MAX_PERSONS, &v) < 0)
                usage();
            o.persons = (size_t)v;
            i++;
        } else if (strcmp(arg, "--misses") == 0) {
            if (str_to_u64(val, strlen(val), 100000, &v) < 0)
                usage();
            o.misses = (size_t)v;
            i++;
        } else if (strcmp(arg, "--support") == 0) {
            if (str_to_u64(val, strlen(val), 100, &v) < 0)
                usage();
            o.support = (unsigned)v;
            i++;
        } else if (strcmp(arg, "--seed") == 0) {
            if (str_to_u64(val, strlen(val), UINT64_MAX, &o.seed) < 0)
                usage();
            i++;
        } else if (strcmp(arg, "--noise") == 0) {
            if (synth_noise_parse(val, &o.noise) < 0)
                usage();
            i++;
        } else {
            usage();
        }
    }
    if (o.data == NULL)
        usage();
    if (dice_threshold_parse(o.t_text, &o.t, &e) < 0 ||
        dice_threshold_parse(o.t2_text, &o.t2, &e) < 0)
        die("threshold", &e);
    if (o.smoke && o.persons == 5000)
        o.persons = 400;
    progress_enable(false);
    printf("# bench_linkage: default schemas, secret fixed for the benchmark%s\n",
           o.smoke ? " (smoke: subsets)" : "");
    if (want(&o, "febrl4"))
        run_febrl4(&o);
    if (want(&o, "febrl3"))
        run_febrl3(&o, 0);
    if (want(&o, "split"))
        run_febrl3(&o, 1);
    if (want(&o, "synth"))
        run_synth(&o);
    return 0;
}
