/*
 * dice_search.c: the all-pairs candidate search (dice_search() in dice.h): lay the sets
 * out, cut the work into chunks, run them on all cores, and gather the pairs.
 *
 * ==== NOTES ON THE DESIGN OF THE SEARCH ====
 *
 * Definitions. t = p/q (lowest terms, q <= 1e9). A pair (A, B) passes iff
 * 2q|A&B| >= p(|A|+|B|), with the one exception that two empty CLKs pass only t = 0
 * (their Dice similarity is defined as 0). Everything is integer arithmetic; the
 * largest value is 2q * DICE_MAX_BITS < 2^48.
 *
 * Layout. Each set is copied once into a struct dice__side (dice_int.h), sorted by
 * popcount with a counting sort (stable, so ties keep the caller's order):
 *
 *     sorted position:  0   1   2   ...                          n-1
 *     popcount:         low ----------------------------------> high
 *     start[v]:         first position whose popcount is >= v
 *
 * The A side is kept as rows; the B side as blocks of 8 interleaved records (or, for
 * the AVX2 kernel, the same blocks split into two nibble planes), with the last block
 * padded by all-zero lanes whose pterm is DICE__PTERM_NEVER. In a self-join one side
 * plays both parts.
 *
 * The popcount window. A row of popcount a can only pass with B whose popcount b lies
 * in [lo(a), hi(a)] (dice_window(): the exact solution set of 2q*min(a,b) >= p(a+b),
 * which the pass test implies because |A&B| <= min(a,b)). In sorted order that is one
 * run of positions [start[lo], start[hi+1]). Rows are visited in sorted order, so
 * their windows slide monotonically to the right.
 *
 * Work. Sorted A rows are cut into chunks of at most CHUNK_ROWS; threads take chunks
 * from an atomic counter, so uneven windows balance themselves. For one chunk the
 * union of its rows' windows is walked tile by tile: a tile is tile_bytes of B blocks
 * (L1-sized), and every row of the chunk is compared with the part of its own window
 * that falls in the tile before the next tile is touched. So each B block is read from
 * memory once per chunk and then from L1, and an A row (read once per tile) is small.
 *
 *     for each chunk of A rows (one thread):
 *         for each tile of B blocks in the chunk's windows:
 *             for each row r of the chunk:
 *                 kernel(r, window(r) intersected with tile)
 *
 * Invariants.
 *  1. A kernel reports exactly the pairs in the range it is given that pass; it may
 *     compute other lanes of a block it touches but never reports them. So the result
 *     is the set of passing pairs inside the windows, whatever the kernel, tile size,
 *     chunk size or thread count.
 *  2. Windows drop only pairs that cannot pass (above), so that set is every passing
 *     pair. tests/unit/test_dice.c checks 1 and 2 against a brute force.
 *  3. In a self-join, row r is compared only with positions > r, so each unordered
 *     pair is examined once; it is reported with a < b in the caller's indices.
 *  4. A row with popcount 0 is skipped when p > 0: it can pass with nothing (with an
 *     empty B the pair is the defined-as-0 case; with any other B, 0 >= p*b fails).
 *  5. Tiles start at multiples of 8 positions, so a block is never split between two
 *     tiles and a kernel call never computes a block another call of the same row did.
 *  6. Thread-local pair lists are concatenated and sorted by (a, b) at the end, so
 *     the output order is fixed whatever the schedule.
 *  7. Windows are monotone: along sorted A rows, both ends of [lo, hi) never decrease
 *     (popcounts ascend, the window's bounds are non-decreasing in a, start[] is
 *     non-decreasing, and the self-join bound r+1 ascends). So the rows that meet a
 *     tile are one contiguous run that slides right as the tiles do, and the tile loop
 *     visits only that run. Checked by assert() in debug builds.
 *
 * Counting. stats.comparisons counts the pairs inside the windows (exactly, not the
 * block-rounded lanes the kernel also computes); brute_force counts nA*nB or n(n-1)/2.
 */
#include "dice.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dice_int.h"
#include "err.h"
#include "log.h"
#include "progress.h"
#include "xalloc.h"

#include "banned.h"

/* Most A rows in one chunk of work. */
#define CHUNK_ROWS 256
/* Bytes of B blocks per tile when the caller does not say: fits any L1 with room. */
#define DEFAULT_TILE_BYTES ((size_t)24 * 1024)
/* The low 4 bits of every byte. */
#define LOW_NIBBLES 0x0f0f0f0f0f0f0f0full
/* Most threads we start. */
#define MAX_THREADS 256

/* ==== Layout ==== */

static void *aligned_xcalloc(size_t n, size_t size)
{
    size_t bytes = st_mult(n, size);
    void *p = NULL;

    bytes = st_add(bytes, DICE__ALIGN - 1) / DICE__ALIGN * DICE__ALIGN;
    if (bytes == 0)
        bytes = DICE__ALIGN;
    if (posix_memalign(&p, DICE__ALIGN, bytes) != 0) {
        log_error("out of memory allocating %zu bytes", bytes);
        abort();
    }
    memset(p, 0, bytes);
    return p;
}

void dice__side_prepare(struct dice__side *out, const struct dice_clks *s, uint32_t p,
                        unsigned want)
{
    size_t n = s->n, words = s->words, nbits = s->nbits;
    size_t i, v, pos, w;
    size_t *next = NULL;
    uint32_t *pop = NULL;

    memset(out, 0, sizeof(*out));
    out->n = n;
    out->words = words;
    out->nbits = nbits;
    out->nblocks = (n + DICE__LANES - 1) / DICE__LANES;

    /* Counting sort by popcount: start[v] = first position with popcount >= v. */
    ALLOC_ARRAY(pop, n > 0 ? n : 1);
    for (i = 0; i < n; i++)
        pop[i] = dice__popcount(s->bits + i * words, words);
    CALLOC_ARRAY(out->start, nbits + 2);
    for (i = 0; i < n; i++)
        out->start[pop[i] + 1]++;
    for (v = 1; v < nbits + 2; v++)
        out->start[v] += out->start[v - 1];
    ALLOC_ARRAY(next, nbits + 1);
    for (v = 0; v < nbits + 1; v++)
        next[v] = out->start[v];
    ALLOC_ARRAY(out->order, n > 0 ? n : 1);
    for (i = 0; i < n; i++)
        out->order[next[pop[i]]++] = (uint32_t)i;
    free(next);

    out->pop = aligned_xcalloc(out->nblocks * DICE__LANES, sizeof(uint32_t));
    out->pterm = aligned_xcalloc(out->nblocks * DICE__LANES, sizeof(uint64_t));
    if (want & DICE__WANT_ROWS)
        out->rows = aligned_xcalloc(st_mult(n, words), sizeof(uint64_t));
    if (want & DICE__WANT_BLOCKS)
        out->blocks = aligned_xcalloc(st_mult(out->nblocks * DICE__LANES, words), sizeof(uint64_t));
    if (want & DICE__WANT_NIBBLES)
        out->nibbles =
            aligned_xcalloc(st_mult(out->nblocks * DICE__LANES * 2, words), sizeof(uint64_t));
    for (pos = 0; pos < out->nblocks * DICE__LANES; pos++) {
        const uint64_t *src = NULL;

        if (pos >= n) {
            out->pterm[pos] = DICE__PTERM_NEVER; /* padding: zero bits, never passes */
            continue;
        }
        src = s->bits + (size_t)out->order[pos] * words;
        out->pop[pos] = pop[out->order[pos]];
        out->pterm[pos] = (uint64_t)p * out->pop[pos];
        if (out->rows != NULL)
            memcpy(out->rows + pos * words, src, words * sizeof(uint64_t));
        if (out->blocks != NULL) {
            uint64_t *blk = out->blocks + pos / DICE__LANES * words * DICE__LANES;
            for (w = 0; w < words; w++)
                blk[w * DICE__LANES + pos % DICE__LANES] = src[w];
        }
        if (out->nibbles != NULL) {
            uint64_t *blk = out->nibbles + pos / DICE__LANES * words * DICE__LANES * 2;
            for (w = 0; w < words; w++) {
                blk[w * DICE__LANES * 2 + pos % DICE__LANES] = src[w] & LOW_NIBBLES;
                blk[w * DICE__LANES * 2 + DICE__LANES + pos % DICE__LANES] =
                    (src[w] >> 4) & LOW_NIBBLES;
            }
        }
    }
    free(pop);
}

void dice__side_release(struct dice__side *side)
{
    if (side == NULL)
        return;
    free(side->order);
    free(side->pop);
    free(side->rows);
    free(side->blocks);
    free(side->nibbles);
    free(side->start);
    free(side->pterm);
    memset(side, 0, sizeof(*side));
}

/* ==== Work shared by the threads ==== */

struct search {
    const struct dice__side *a; /* rows */
    const struct dice__side *b; /* blocks; == a in a self-join */
    bool self;
    struct dice_threshold t;
    struct dice__ctx ctx;
    dice__kernel_fn kernel;
    const struct dice_opts *o;
    size_t tile_recs; /* B records per tile, a multiple of 8 */
    size_t chunk_rows;
    size_t nchunks;

    atomic_size_t next_chunk;
    atomic_int stop;               /* 0, or the ERR_* code that stopped the search */
    atomic_uint_fast64_t found;    /* pairs found so far, all threads */
    atomic_uint_fast64_t compared; /* comparisons, all threads */
    atomic_uint_fast64_t cpu_ns;   /* CPU time in worker_main, all threads */
    pthread_mutex_t lock;          /* serialises the callbacks and rows_done */
    uint64_t rows_done;
};

struct worker {
    struct search *s;
    struct dice_pairs pairs; /* this thread's pairs, caller's indices */
    size_t *lo;              /* [chunk_rows] window start of each row of the chunk */
    size_t *hi;              /* [chunk_rows] window end */
    pthread_t tid;
    bool started;
};

/* Sorted positions [lo, hi) of B that row r (sorted position in A) must meet. */
static void row_window(const struct search *s, size_t r, size_t *lo, size_t *hi)
{
    const struct dice__side *b = s->b;
    uint32_t pa = s->a->pop[r], wlo, whi;

    if (s->t.p > 0 && pa == 0) {
        *lo = *hi = 0; /* invariant 4 */
        return;
    }
    if (s->o->no_window) {
        *lo = 0;
        *hi = b->n;
    } else {
        dice_window(&s->t, pa, &wlo, &whi);
        if (wlo > b->nbits) {
            *lo = *hi = 0;
            return;
        }
        if (whi > b->nbits)
            whi = (uint32_t)b->nbits;
        *lo = b->start[wlo];
        *hi = b->start[whi + 1];
    }
    if (s->self && *lo < r + 1)
        *lo = r + 1; /* invariant 3 */
    if (*hi < *lo)
        *hi = *lo;
}

static void stop_with(struct search *s, int code)
{
    int expected = 0;
    atomic_compare_exchange_strong(&s->stop, &expected, code);
}

/* Compare one chunk of A rows. Appends to w->pairs, mapped to the caller's indices. */
static void run_chunk(struct worker *wk, size_t chunk)
{
    struct search *s = wk->s;
    const struct dice__side *a = s->a, *b = s->b;
    size_t r0 = chunk * s->chunk_rows, r1 = r0 + s->chunk_rows;
    size_t mark = wk->pairs.n, r, i, t0, t1, first, union_lo = SIZE_MAX, union_hi = 0;
    uint64_t compared = 0, nfound;

    if (r1 > a->n)
        r1 = a->n;
    for (r = r0; r < r1; r++) {
        row_window(s, r, &wk->lo[r - r0], &wk->hi[r - r0]);
        assert(r == r0 || (wk->lo[r - r0] >= wk->lo[r - r0 - 1] &&
                           wk->hi[r - r0] >= wk->hi[r - r0 - 1])); /* invariant 7 */
        if (wk->lo[r - r0] >= wk->hi[r - r0])
            continue;
        compared += wk->hi[r - r0] - wk->lo[r - r0];
        if (wk->lo[r - r0] < union_lo)
            union_lo = wk->lo[r - r0];
        if (wk->hi[r - r0] > union_hi)
            union_hi = wk->hi[r - r0];
    }
    if (union_lo >= union_hi)
        goto done;
    first = r0;
    for (t0 = union_lo / DICE__LANES * DICE__LANES; t0 < union_hi; t0 = t1) {
        t1 = t0 + s->tile_recs; /* invariant 5: t0 is a multiple of 8 */
        if (t1 > union_hi)
            t1 = union_hi;
        /* Invariant 7: rows before `first` end before this tile, and so before every
         * later one; the loop stops at the first row that starts after the tile. */
        while (first < r1 && wk->hi[first - r0] <= t0)
            first++;
        for (r = first; r < r1; r++) {
            size_t lo = wk->lo[r - r0], hi = wk->hi[r - r0];
            if (lo >= t1)
                break;
            if (lo < t0)
                lo = t0;
            if (hi > t1)
                hi = t1;
            if (lo >= hi)
                continue;
            s->kernel(&s->ctx, a->rows + r * a->words, a->pop[r], (uint32_t)r, lo, hi, &wk->pairs);
        }
        if (s->o->max_pairs != 0 && wk->pairs.n - mark > s->o->max_pairs) {
            stop_with(s, ERR_TOOBIG);
            break;
        }
        if (atomic_load_explicit(&s->stop, memory_order_relaxed) != 0)
            break;
    }
done:
    /* Map sorted positions to the caller's indices (invariant 3 for a self-join). */
    for (i = mark; i < wk->pairs.n; i++) {
        struct dice_pair *pr = &wk->pairs.v[i];
        uint32_t ia = a->order[pr->a], ib = b->order[pr->b];
        if (s->self && ia > ib) {
            uint32_t tmp = ia;
            ia = ib;
            ib = tmp;
        }
        pr->a = ia;
        pr->b = ib;
    }
    atomic_fetch_add(&s->compared, compared);
    nfound = wk->pairs.n - mark;
    if (atomic_fetch_add(&s->found, nfound) + nfound > s->o->max_pairs && s->o->max_pairs != 0)
        stop_with(s, ERR_TOOBIG);

    pthread_mutex_lock(&s->lock);
    if (s->o->on_pairs != NULL && wk->pairs.n > 0 && atomic_load(&s->stop) == 0) {
        dice_pairs_sort(&wk->pairs);
        if (s->o->on_pairs(wk->pairs.v, wk->pairs.n, s->o->on_pairs_arg) != 0)
            stop_with(s, ERR_INTERRUPTED);
    }
    if (s->o->on_pairs != NULL)
        wk->pairs.n = 0;
    s->rows_done += r1 - r0;
    if (s->o->progress != NULL && atomic_load(&s->stop) == 0 &&
        s->o->progress(s->rows_done, a->n, s->o->progress_arg) != 0)
        stop_with(s, ERR_INTERRUPTED);
    pthread_mutex_unlock(&s->lock);
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *worker_main(void *arg)
{
    struct worker *wk = arg;
    struct search *s = wk->s;
    uint64_t cpu0 = thread_cpu_ns();

    for (;;) {
        size_t chunk = atomic_fetch_add(&s->next_chunk, 1);
        if (chunk >= s->nchunks || atomic_load(&s->stop) != 0)
            break;
        run_chunk(wk, chunk);
    }
    atomic_fetch_add(&s->cpu_ns, thread_cpu_ns() - cpu0);
    return NULL;
}

/* ==== The search ==== */

void dice_opts_init(struct dice_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->threshold.p = 1;
    o->threshold.q = 1;
    o->kernel = DICE_KERNEL_AUTO;
}

/* Is s shaped as dice_clks_init() makes it? (Its popcounts are recomputed anyway.) */
static bool valid_set(const struct dice_clks *s)
{
    if (s->nbits == 0 || s->nbits % 64 != 0 || s->nbits > DICE_MAX_BITS ||
        s->words != s->nbits / 64 || s->n > DICE_MAX_RECORDS)
        return false;
    return s->n == 0 || s->bits != NULL;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    if (n > MAX_THREADS)
        return MAX_THREADS;
    return (unsigned)n;
}

int dice_search(const struct dice_clks *a, const struct dice_clks *b, const struct dice_opts *o,
                struct dice_pairs *out, struct dice_stats *stats, struct err *e)
{
    struct search s;
    struct dice__side sa, sb;
    struct worker *workers = NULL;
    struct dice_stats st;
    enum dice_kernel kernel;
    size_t out_n0 = out != NULL ? out->n : 0, i, total;
    unsigned nthreads, t, b_shape;
    uint64_t t_start, t_compare, t_sort;
    int rc = 0;
    bool self = (b == NULL);

    memset(&sa, 0, sizeof(sa));
    memset(&sb, 0, sizeof(sb));
    memset(&st, 0, sizeof(st));
    if (self)
        b = a;
    if (!valid_set(a) || !valid_set(b))
        return err_set(e, ERR_INVALID, "a set of CLKs is malformed (length or count)");
    if (a->nbits != b->nbits)
        return err_set(e, ERR_INVALID, "cannot compare CLKs of %zu bits with CLKs of %zu bits",
                       a->nbits, b->nbits);
    if (o->threshold.q == 0 || o->threshold.q > DICE_MAX_DENOM || o->threshold.p > o->threshold.q)
        return err_set(e, ERR_INVALID, "threshold %u/%u is not a fraction from 0 to 1",
                       (unsigned)o->threshold.p, (unsigned)o->threshold.q);
    if (out == NULL && o->on_pairs == NULL)
        return err_set(e, ERR_INVALID, "dice search with nowhere to put the pairs");
    rc = dice_kernel_resolve(o->kernel, &kernel, e);
    if (rc < 0)
        return rc;

    nthreads = o->nthreads != 0 ? o->nthreads : online_cpus();
    if (nthreads > MAX_THREADS)
        nthreads = MAX_THREADS;
    st.kernel = kernel;
    st.brute_force =
        self ? (uint64_t)a->n * (a->n > 0 ? a->n - 1 : 0) / 2 : (uint64_t)a->n * (uint64_t)b->n;
    if (a->n == 0 || b->n == 0)
        goto out;

    t_start = clock_ns();
    memset(&s, 0, sizeof(s));
    b_shape = kernel == DICE_KERNEL_AVX2 ? DICE__WANT_NIBBLES : DICE__WANT_BLOCKS;
    if (self) {
        dice__side_prepare(&sa, a, o->threshold.p, DICE__WANT_ROWS | b_shape);
    } else {
        dice__side_prepare(&sa, a, o->threshold.p, DICE__WANT_ROWS);
        dice__side_prepare(&sb, b, o->threshold.p, b_shape);
    }
    s.a = &sa;
    s.b = self ? &sa : &sb;
    s.self = self;
    s.t = o->threshold;
    s.o = o;
    s.kernel = dice__kernel_fn_of(kernel);
    s.ctx.blocks = s.b->blocks;
    s.ctx.nibbles = s.b->nibbles;
    s.ctx.pterm = s.b->pterm;
    s.ctx.pop = s.b->pop;
    s.ctx.words = s.b->words;
    s.ctx.twoq = 2 * (uint64_t)o->threshold.q;
    s.ctx.p = o->threshold.p;
    /* A tile is measured in the bytes the kernel reads: nibble planes are twice the bits. */
    s.tile_recs = (o->tile_bytes != 0 ? o->tile_bytes : DEFAULT_TILE_BYTES) /
                  (a->words * 8 * (b_shape == DICE__WANT_NIBBLES ? 2 : 1));
    s.tile_recs = s.tile_recs / DICE__LANES * DICE__LANES;
    if (s.tile_recs < DICE__LANES)
        s.tile_recs = DICE__LANES;
    /* Enough chunks that threads share the work evenly, few enough to keep tiles busy. */
    s.chunk_rows = a->n / ((size_t)nthreads * 8);
    if (s.chunk_rows > CHUNK_ROWS)
        s.chunk_rows = CHUNK_ROWS;
    if (s.chunk_rows < 8)
        s.chunk_rows = 8;
    s.nchunks = (a->n + s.chunk_rows - 1) / s.chunk_rows;
    if (nthreads > s.nchunks)
        nthreads = (unsigned)s.nchunks;
    atomic_init(&s.next_chunk, 0);
    atomic_init(&s.stop, 0);
    atomic_init(&s.found, 0);
    atomic_init(&s.compared, 0);
    atomic_init(&s.cpu_ns, 0);
    pthread_mutex_init(&s.lock, NULL);
    st.ns_prepare = clock_ns() - t_start;

    t_compare = clock_ns();
    CALLOC_ARRAY(workers, nthreads);
    for (t = 0; t < nthreads; t++) {
        workers[t].s = &s;
        dice_pairs_init(&workers[t].pairs);
        ALLOC_ARRAY(workers[t].lo, s.chunk_rows);
        ALLOC_ARRAY(workers[t].hi, s.chunk_rows);
    }
    /* Worker 0 is this thread; if a thread cannot start, the others do its share. */
    for (t = 1; t < nthreads; t++)
        workers[t].started = pthread_create(&workers[t].tid, NULL, worker_main, &workers[t]) == 0;
    worker_main(&workers[0]);
    st.nthreads = 1;
    for (t = 1; t < nthreads; t++) {
        if (workers[t].started) {
            pthread_join(workers[t].tid, NULL);
            st.nthreads++;
        }
    }
    st.ns_compare = clock_ns() - t_compare;
    st.comparisons = atomic_load(&s.compared);
    st.ns_compare_cpu = atomic_load(&s.cpu_ns);
    pthread_mutex_destroy(&s.lock);
    rc = atomic_load(&s.stop);
    if (rc == ERR_TOOBIG)
        err_set(e, rc, "more than %zu pairs pass the threshold", o->max_pairs);
    else if (rc == ERR_INTERRUPTED)
        err_set(e, rc, "dice search stopped by its caller");
    if (rc < 0)
        goto out;

    /* Invariant 6: gather and sort. */
    t_sort = clock_ns();
    total = 0;
    for (t = 0; t < nthreads; t++)
        total += workers[t].pairs.n;
    st.pairs = total;
    if (out != NULL && o->on_pairs == NULL) {
        struct dice_pairs fresh;
        if (o->max_pairs != 0 && total > o->max_pairs) {
            rc = err_set(e, ERR_TOOBIG, "more than %zu pairs pass the threshold", o->max_pairs);
            goto out;
        }
        ALLOC_GROW(out->v, st_add(out->n, total), out->alloc);
        for (t = 0; t < nthreads; t++) {
            if (workers[t].pairs.n > 0)
                memcpy(out->v + out->n, workers[t].pairs.v,
                       workers[t].pairs.n * sizeof(struct dice_pair));
            out->n += workers[t].pairs.n;
        }
        fresh.v = out->v + out_n0;
        fresh.n = total;
        fresh.alloc = total;
        dice_pairs_sort(&fresh);
    } else {
        st.pairs = atomic_load(&s.found);
    }
    st.ns_sort = clock_ns() - t_sort;

out:
    if (workers != NULL) {
        for (i = 0; i < nthreads; i++) {
            dice_pairs_release(&workers[i].pairs);
            free(workers[i].lo);
            free(workers[i].hi);
        }
        free(workers);
    }
    dice__side_release(&sa);
    dice__side_release(&sb);
    if (rc < 0 && out != NULL)
        out->n = out_n0;
    if (stats != NULL)
        *stats = st;
    return rc;
}
