/*
 * link_lsh.c: candidate pairs by Hamming-LSH blocking (link_opts.blocking =
 * LINK_BLOCK_LSH), for inputs too large for the exact all-pairs search.
 *
 * A band is K bit positions drawn once from the seed (the same on every run and
 * machine). A record's key in a band is the K bits of its CLK at those positions.
 * Two records are compared only if their keys are equal in at least one of B
 * bands; compared pairs that pass their threshold are kept. Two CLKs that agree on
 * a fraction f of their bits share a band's key with probability about f^K, so
 * over B bands a pair is found with probability 1 - (1 - f^K)^B: near 1 for true
 * matches (f above 0.9 for Dice above 0.75 at a fill of 0.2), small for unrelated
 * records (f = fill^2 + (1 - fill)^2). Pairs are missed, unlike in the exact search: bench/linkage
 * and bench/link-scale measure how many, against the exact search, in the same run.
 *
 * Work: first every record's key in every band (records with an empty CLK never
 * pass and are left out); then per band, radix-sort the keys and compare every two
 * records of each run of equal keys, unless they share a key in an earlier band
 * too: each pair is compared once, in the first band it shares, so nothing is
 * compared or stored twice however many bands a close pair shares. Bands are
 * shared among threads; every thread keeps its own pairs, and at the end all are
 * sorted by (a, b), so the result does not depend on the schedule. Memory: the
 * keys (n x B x 4 bytes for K <= 32) and the distinct pairs found.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "link.h"
#include "link_int.h"
#include "xalloc.h"

#include "banned.h"

struct keyed {
    uint64_t key;
    uint32_t g;
};

struct lsh {
    const struct link__index *ix;
    const struct dice_clks *sources;
    const struct link_opts *o;
    const struct dice_threshold *cross;
    const struct dice_threshold *same;
    uint32_t *positions; /* bands * bits */
    uint32_t *key32;     /* bits <= 32: the key of record g in band j at g * bands + j */
    uint64_t *key64;     /* bits > 32: the same, 64 bits wide (one of the two is NULL) */
    uint32_t *pop;       /* n popcounts */
    uint32_t *live;      /* records with a non-empty CLK */
    size_t nlive;
    atomic_uint next_band;
    atomic_size_t found;  /* passing pairs before deduplication, all threads */
    atomic_int stop;      /* 1: interrupted by progress, 2: too many pairs */
    pthread_mutex_t lock; /* serialises progress callbacks */
    unsigned bands_done;
    uint64_t total;
};

struct worker {
    struct lsh *l;
    struct dice_pairs pairs;
    uint64_t comparisons;
    struct keyed *keys;
    struct keyed *tmp;
    uint64_t *scratch; /* the CLKs of one run of equal keys, side by side */
    size_t scratch_rows;
};

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* K distinct positions per band, by a partial Fisher-Yates shuffle from the seed. */
static void draw_positions(struct lsh *l)
{
    size_t nbits = l->ix->nbits;
    unsigned bands = l->o->lsh_bands, bits = l->o->lsh_bits, j, k;
    uint32_t *perm = xmalloc(st_mult(nbits, sizeof(uint32_t)));
    uint64_t state = l->o->lsh_seed;

    l->positions = xmalloc(st_mult((size_t)bands * bits, sizeof(uint32_t)));
    for (j = 0; j < bands; j++) {
        size_t i;
        for (i = 0; i < nbits; i++)
            perm[i] = (uint32_t)i;
        for (k = 0; k < bits && k < nbits; k++) {
            size_t r = k + (size_t)(splitmix(&state) % (nbits - k));
            uint32_t t = perm[k];
            perm[k] = perm[r];
            perm[r] = t;
            l->positions[(size_t)j * bits + k] = perm[k];
        }
        /* more bits than the CLK has: repeat (a useless band); nbits > 0, as the caller checks */
        for (; k < bits && nbits > 0; k++)
            l->positions[(size_t)j * bits + k] = perm[k % nbits];
    }
    free(perm);
}

/* LSD radix sort of keys by their low `bits` bits, 8 at a time. */
static void radix_sort(struct keyed *v, struct keyed *tmp, size_t n, unsigned bits)
{
    unsigned shift;

    for (shift = 0; shift < bits; shift += 8) {
        size_t count[257];
        size_t i;
        memset(count, 0, sizeof(count));
        for (i = 0; i < n; i++)
            count[((v[i].key >> shift) & 0xff) + 1]++;
        for (i = 1; i < 257; i++)
            count[i] += count[i - 1];
        for (i = 0; i < n; i++)
            tmp[count[(v[i].key >> shift) & 0xff]++] = v[i];
        memcpy(v, tmp, n * sizeof(*v));
    }
}

/* The key of record g in band j. */
static uint64_t band_key(const struct lsh *l, uint32_t g, unsigned j)
{
    size_t at = (size_t)g * l->o->lsh_bands + j;

    return l->key32 != NULL ? l->key32[at] : l->key64[at];
}

/* Do a and b share their key in a band before `band`? Then that band compares them. */
static int met_before(const struct lsh *l, uint32_t a, uint32_t b, unsigned band)
{
    unsigned j;

    for (j = 0; j < band; j++) {
        if (band_key(l, a, j) == band_key(l, b, j))
            return 1;
    }
    return 0;
}

/* Compute every live record's key in every band (so that each pair is compared in
 * the first band it shares, and only there). */
static void compute_keys(struct lsh *l)
{
    unsigned bands = l->o->lsh_bands, bits = l->o->lsh_bits, j, k;
    size_t i, cells = st_mult(l->ix->n, bands);

    if (bits <= 32)
        l->key32 = xcalloc(cells + 1, sizeof(uint32_t));
    else
        l->key64 = xcalloc(cells + 1, sizeof(uint64_t));
    for (i = 0; i < l->nlive; i++) {
        uint32_t g = l->live[i];
        const uint64_t *c = link__clk(l->ix, l->sources, g);
        for (j = 0; j < bands; j++) {
            const uint32_t *pos = l->positions + (size_t)j * bits;
            uint64_t key = 0;
            for (k = 0; k < bits; k++)
                key |= ((c[pos[k] / 64] >> (pos[k] % 64)) & 1u) << k;
            if (l->key32 != NULL)
                l->key32[(size_t)g * bands + j] = (uint32_t)key;
            else
                l->key64[(size_t)g * bands + j] = key;
        }
    }
}

/*
 * Compare every two records of keys[lo..hi). The run's CLKs are first copied next to
 * each other (records of one key sit anywhere in memory, and a run of m records is
 * read m times), and a pair whose popcounts alone rule it out is skipped.
 */
static void compare_run(struct worker *w, const struct keyed *keys, size_t lo, size_t hi,
                        unsigned band)
{
    struct lsh *l = w->l;
    size_t words = l->ix->words, m = hi - lo, i, j;

    if (m > w->scratch_rows) {
        w->scratch_rows = m * 2;
        free(w->scratch);
        w->scratch = xmalloc(st_mult(st_mult(w->scratch_rows, words), sizeof(uint64_t)));
    }
    for (i = 0; i < m; i++)
        memcpy(w->scratch + i * words, link__clk(l->ix, l->sources, keys[lo + i].g),
               words * sizeof(uint64_t));
    for (i = 0; i < m; i++) {
        uint32_t a = keys[lo + i].g, pa = l->pop[a];
        const uint64_t *ca = w->scratch + i * words;
        uint32_t lo_c, hi_c, lo_s = 0, hi_s = 0;
        dice_window(l->cross, pa, &lo_c, &hi_c);
        if (l->same != NULL)
            dice_window(l->same, pa, &lo_s, &hi_s);
        for (j = i + 1; j < m; j++) {
            uint32_t b = keys[lo + j].g, pb = l->pop[b];
            const struct dice_threshold *t = l->cross;
            struct dice_pair p;
            if (l->ix->src[a] == l->ix->src[b]) {
                if (l->same == NULL || pb < lo_s || pb > hi_s)
                    continue;
                t = l->same;
            } else if (pb < lo_c || pb > hi_c) {
                continue;
            }
            if (band > 0 && met_before(l, a, b, band))
                continue;
            p.a = a < b ? a : b;
            p.b = a < b ? b : a;
            p.common = dice_common(ca, w->scratch + j * words, words);
            p.sum = pa + pb;
            w->comparisons++;
            if (link__passes(t, &p)) {
                dice_pairs_push(&w->pairs, &p);
                atomic_fetch_add(&l->found, 1);
            }
        }
    }
}

static void do_band(struct worker *w, unsigned band)
{
    struct lsh *l = w->l;
    unsigned bits = l->o->lsh_bits;
    size_t i, start;

    for (i = 0; i < l->nlive; i++) {
        w->keys[i].key = band_key(l, l->live[i], band);
        w->keys[i].g = l->live[i];
    }
    radix_sort(w->keys, w->tmp, l->nlive, bits);
    start = 0;
    for (i = 1; i <= l->nlive; i++) {
        if (i == l->nlive || w->keys[i].key != w->keys[start].key) {
            if (i - start > 1)
                compare_run(w, w->keys, start, i, band);
            start = i;
        }
    }
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct lsh *l = w->l;
    size_t limit = l->o->max_pairs;

    for (;;) {
        unsigned band = atomic_fetch_add(&l->next_band, 1);
        if (band >= l->o->lsh_bands || atomic_load(&l->stop) != 0)
            break;
        do_band(w, band);
        if (limit != 0 && atomic_load(&l->found) > limit) {
            atomic_store(&l->stop, 2);
            break;
        }
        if (l->o->progress != NULL) {
            pthread_mutex_lock(&l->lock);
            l->bands_done++;
            if (l->o->progress(l->total / l->o->lsh_bands * l->bands_done, l->total,
                               l->o->progress_arg) != 0)
                atomic_store(&l->stop, 1);
            pthread_mutex_unlock(&l->lock);
        }
    }
    return NULL;
}

static unsigned thread_count(const struct link_opts *o)
{
    long n = o->nthreads;

    if (n == 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > 256)
        n = 256;
    if ((unsigned long)n > o->lsh_bands)
        n = (long)o->lsh_bands;
    return (unsigned)n;
}

int link__lsh_candidates(const struct link__index *ix, const struct dice_clks *sources,
                         const struct link_opts *o, const struct dice_threshold *cross,
                         const struct dice_threshold *same, struct dice_pairs *out,
                         struct link_stats *stats, struct err *e)
{
    struct lsh l;
    struct worker *w = NULL;
    pthread_t *th = NULL;
    unsigned nth, i, started = 0;
    size_t g, before = out->n, k, kept;
    int rc = 0;

    if (o->lsh_bands == 0 || o->lsh_bands > LINK_LSH_MAX_BANDS || o->lsh_bits == 0 ||
        o->lsh_bits > LINK_LSH_MAX_BITS)
        return err_set(e, ERR_INVALID, "LSH needs 1..%u bands of 1..%u bits", LINK_LSH_MAX_BANDS,
                       LINK_LSH_MAX_BITS);
    if (ix->nbits == 0) /* only empty, zeroed sources: no bit to draw a band from, no pair */
        return 0;
    memset(&l, 0, sizeof(l));
    l.ix = ix;
    l.sources = sources;
    l.o = o;
    l.cross = cross;
    l.same = same;
    l.total = ix->n > 1 ? (uint64_t)ix->n * (ix->n - 1) / 2 : 0;
    atomic_init(&l.next_band, 0);
    atomic_init(&l.found, 0);
    atomic_init(&l.stop, 0);
    pthread_mutex_init(&l.lock, NULL);
    draw_positions(&l);
    l.pop = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    l.live = xmalloc(st_mult(ix->n, sizeof(uint32_t)) + 1);
    for (g = 0; g < ix->n; g++) {
        const uint64_t *c = link__clk(ix, sources, (uint32_t)g);
        uint32_t pc = 0;
        size_t wd;
        for (wd = 0; wd < ix->words; wd++)
            pc += (uint32_t)__builtin_popcountll(c[wd]);
        l.pop[g] = pc;
        if (pc > 0 || (cross->p == 0 && (same == NULL || same->p == 0)))
            l.live[l.nlive++] = (uint32_t)g;
    }
    compute_keys(&l);
    nth = thread_count(o);
    w = xcalloc(nth, sizeof(*w));
    th = xcalloc(nth, sizeof(*th));
    for (i = 0; i < nth; i++) {
        w[i].l = &l;
        dice_pairs_init(&w[i].pairs);
        w[i].keys = xmalloc(st_mult(l.nlive, sizeof(struct keyed)) + 1);
        w[i].tmp = xmalloc(st_mult(l.nlive, sizeof(struct keyed)) + 1);
    }
    for (i = 1; i < nth; i++) {
        if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
            break;
        started++;
    }
    work(&w[0]);
    for (i = 1; i <= started; i++)
        pthread_join(th[i], NULL);

    if (atomic_load(&l.stop) == 1) {
        rc = err_set(e, ERR_INTERRUPTED, "linkage interrupted");
        goto out;
    }
    if (atomic_load(&l.stop) == 2) {
        rc = err_set(e, ERR_TOOBIG,
                     "more than %zu candidate pairs: raise the threshold (or the pair limit)",
                     o->max_pairs);
        goto out;
    }
    for (i = 0; i < nth; i++) {
        for (k = 0; k < w[i].pairs.n; k++)
            dice_pairs_push(out, &w[i].pairs.v[k]);
        stats->comparisons += w[i].comparisons;
    }
    /* sort what was added (each pair was reported once, in its first shared band) */
    {
        struct dice_pairs tail = {out->v + before, out->n - before, out->n - before};
        dice_pairs_sort(&tail);
        kept = 0;
        for (k = 0; k < tail.n; k++) {
            if (kept > 0 && tail.v[kept - 1].a == tail.v[k].a && tail.v[kept - 1].b == tail.v[k].b)
                continue;
            tail.v[kept++] = tail.v[k];
        }
        out->n = before + kept;
    }
    if (o->max_pairs != 0 && out->n - before > o->max_pairs) {
        out->n = before;
        rc = err_set(e, ERR_TOOBIG,
                     "more than %zu candidate pairs: raise the threshold (or the pair limit)",
                     o->max_pairs);
        goto out;
    }
    stats->brute_force += l.total;
    stats->nthreads = nth;
    stats->kernel = DICE_KERNEL_AUTO;
out:
    if (rc < 0)
        out->n = before;
    for (i = 0; i < nth; i++) {
        dice_pairs_release(&w[i].pairs);
        free(w[i].keys);
        free(w[i].tmp);
        free(w[i].scratch);
    }
    free(w);
    free(th);
    free(l.positions);
    free(l.key32);
    free(l.key64);
    free(l.pop);
    free(l.live);
    pthread_mutex_destroy(&l.lock);
    return rc;
}
