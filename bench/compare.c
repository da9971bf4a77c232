/*
 * compare.c: benchmark of the Dice comparison kernels (bench_compare, run by
 * bench/compare).
 *
 * For each size n it makes two sets of n random 1024-bit CLKs at 50% density (with 1%
 * of B planted as noisy copies of A records, so some pairs pass), and runs
 * dice_search() at threshold 0.7 with each kernel on one thread, then with the best
 * kernel on every online CPU. Beside each figure it prints a baseline measured in the
 * same run: the plain loop anyone would write first (for each A, for each B, AND the
 * words, __builtin_popcountll each, compare the score as a double; no popcount filter,
 * no tiling, no SIMD), compiled with POPCNT so that it is not a straw man. For large n
 * the baseline runs over the first BASELINE_ROWS rows of A only (its rate does not
 * depend on nA), and its pairs for those rows are checked against the kernels'.
 *
 * usage: bench_compare [--smoke] [--sizes N,N,...] [--threshold T] [--tile BYTES]
 *                      [--repeat R]
 *
 * Each figure is the best of up to R runs (default 3), since the machine may be shared
 * and other work only ever makes a run slower; runs stop repeating once one figure has
 * taken REPEAT_NS in all (at 100k x 100k a single run is long enough).
 *
 * A comparison is one pair examined by a kernel (stats.comparisons): the pairs inside
 * the popcount windows. At 50% density and t = 0.7 the windows keep every pair, which
 * the "pruned" column shows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dice.h"
#include "err.h"
#include "progress.h"
#include "strutil.h"

#include "banned.h"

#define BITS          1024
#define WORDS         (BITS / 64)
#define BASELINE_ROWS 1000
#define MAX_SIZES     16
#define REPEAT_NS     2000000000ull

static uint64_t rng_state;

static uint64_t splitmix64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Two sets of n random CLKs; B[j] for j % 100 == 7 is a noisy copy of A[(j*7) % n]. */
static void make_sets(size_t n, struct dice_clks *a, struct dice_clks *b)
{
    uint64_t row[WORDS];
    size_t i, w;

    if (dice_clks_init(a, BITS, n) < 0 || dice_clks_init(b, BITS, n) < 0)
        abort();
    for (i = 0; i < n; i++) {
        for (w = 0; w < WORDS; w++)
            row[w] = splitmix64();
        dice_clks_set_words(a, i, row);
    }
    for (i = 0; i < n; i++) {
        if (i % 100 == 7) {
            memcpy(row, a->bits + (i * 7 % n) * WORDS, sizeof(row));
            for (w = 0; w < 40; w++) { /* flip up to 40 random bits: Dice about 0.96 */
                uint64_t bit = splitmix64() % BITS;
                row[bit / 64] ^= (uint64_t)1 << (bit % 64);
            }
        } else {
            for (w = 0; w < WORDS; w++)
                row[w] = splitmix64();
        }
        dice_clks_set_words(b, i, row);
    }
}

/* ==== The baseline: the plain loop ==== */

__attribute__((target("popcnt"), noinline)) static size_t baseline(const struct dice_clks *a,
                                                                   const struct dice_clks *b,
                                                                   size_t rows, double t,
                                                                   struct dice_pairs *out)
{
    size_t i, j, w, found = 0;

    for (i = 0; i < rows; i++) {
        const uint64_t *x = a->bits + i * a->words;
        for (j = 0; j < b->n; j++) {
            const uint64_t *y = b->bits + j * b->words;
            unsigned c = 0;
            double score;
            for (w = 0; w < a->words; w++)
                c += (unsigned)__builtin_popcountll(x[w] & y[w]);
            score = 2.0 * c / (double)(a->pop[i] + b->pop[j]);
            if (score >= t) {
                struct dice_pair p = {(uint32_t)i, (uint32_t)j, c, a->pop[i] + b->pop[j]};
                dice_pairs_push(out, &p);
                found++;
            }
        }
    }
    return found;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* FNV-1a over the pairs, to show every path found the same ones. */
static uint64_t pairs_hash(const struct dice_pairs *ps)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i, k;

    for (i = 0; i < ps->n; i++) {
        const unsigned char *p = (const unsigned char *)&ps->v[i];
        for (k = 0; k < sizeof(ps->v[i]); k++) {
            h ^= p[k];
            h *= 0x100000001b3ull;
        }
    }
    return h;
}

/* Do the kernel's pairs with a < rows equal the baseline's? */
static int same_as_baseline(const struct dice_pairs *k, const struct dice_pairs *base, size_t rows)
{
    size_t i, n = 0;

    for (i = 0; i < k->n && k->v[i].a < rows; i++) {
        if (n >= base->n || memcmp(&k->v[i], &base->v[n], sizeof(k->v[i])) != 0)
            return 0;
        n++;
    }
    return n == base->n;
}

static int parse_sizes(const char *s, size_t *sizes, size_t *nsizes)
{
    *nsizes = 0;
    while (*s != '\0') {
        const char *comma = strchr(s, ',');
        size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
        uint64_t v;
        if (*nsizes == MAX_SIZES || str_to_u64(s, len, 10000000, &v) < 0 || v == 0)
            return -1;
        sizes[(*nsizes)++] = (size_t)v;
        s += len;
        if (*s == ',')
            s++;
    }
    return *nsizes > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t sizes[MAX_SIZES] = {1000, 10000, 100000}, nsizes = 3, si, tile = 0;
    unsigned repeat = 3;
    const char *tstr = "0.7";
    double tval;
    struct dice_threshold thr;
    struct err e;
    unsigned ncpu = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    int i, failed = 0;
    static const enum dice_kernel paths[] = {DICE_KERNEL_AVX512, DICE_KERNEL_AVX2,
                                             DICE_KERNEL_SCALAR};
    enum dice_kernel best = DICE_KERNEL_SCALAR;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            sizes[0] = 300;
            sizes[1] = 1000;
            nsizes = 2;
            repeat = 1;
        } else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
            if (parse_sizes(argv[++i], sizes, &nsizes) < 0) {
                fprintf(stderr, "bench_compare: bad --sizes\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--threshold") == 0 && i + 1 < argc) {
            tstr = argv[++i];
        } else if (strcmp(argv[i], "--tile") == 0 && i + 1 < argc) {
            uint64_t v;
            i++;
            if (str_to_u64(argv[i], strlen(argv[i]), 1 << 26, &v) < 0) {
                fprintf(stderr, "bench_compare: bad --tile\n");
                return 2;
            }
            tile = (size_t)v;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            uint64_t v;
            i++;
            if (str_to_u64(argv[i], strlen(argv[i]), 100, &v) < 0 || v == 0) {
                fprintf(stderr, "bench_compare: bad --repeat\n");
                return 2;
            }
            repeat = (unsigned)v;
        } else {
            fprintf(stderr, "usage: bench_compare [--smoke] [--sizes N,N,...] [--threshold T] "
                            "[--tile BYTES] [--repeat R]\n");
            return 2;
        }
    }
    if (dice_threshold_parse(tstr, &thr, &e) < 0 || str_to_double(tstr, &tval) < 0) {
        fprintf(stderr, "bench_compare: %s\n", e.msg);
        return 2;
    }
    if (ncpu < 1)
        ncpu = 1;
    for (i = 0; i < 3; i++) {
        if (dice_kernel_supported(paths[i])) {
            best = paths[i];
            break;
        }
    }
    printf("# dice comparison benchmark: %d-bit CLKs, 50%% density, threshold %s (%u/%u), "
           "%u online CPUs\n",
           BITS, tstr, (unsigned)thr.p, (unsigned)thr.q, ncpu);
    printf("# G/s = 1e9 comparisons per second, best of up to %u run(s). cpu: per CPU-second "
           "(= per core,\n# unaffected by other work on the machine); wall: per wall-clock "
           "second and thread.\n# baseline: plain loop, POPCNT, double score, all pairs, "
           "first %d rows of A, 1 thread.\n",
           repeat, BASELINE_ROWS);
    printf("%-13s %-6s %3s %12s %7s %6s %7s %7s %9s %9s %9s %9s %7s %s\n", "size(AxB)", "path",
           "thr", "comparisons", "pruned", "pairs", "prep_s", "cmp_s", "cpu_G/s", "wall_G/s",
           "base_cpu", "base_wall", "ratio", "check");

    for (si = 0; si < nsizes; si++) {
        size_t n = sizes[si], rows = n < BASELINE_ROWS ? n : BASELINE_ROWS;
        struct dice_clks a, b;
        struct dice_pairs base;
        uint64_t t0, c0, base_ns = UINT64_MAX, base_cpu = UINT64_MAX, ref_hash = 0, spent = 0;
        double base_wall_rate, base_cpu_rate;
        char label[32];
        int run;
        unsigned rep;

        rng_state = 42 + n;
        make_sets(n, &a, &b);
        for (rep = 0; rep < repeat; rep++) {
            uint64_t ns, cpu;
            if (rep > 0)
                dice_pairs_release(&base);
            dice_pairs_init(&base);
            t0 = clock_ns();
            c0 = thread_cpu_ns();
            baseline(&a, &b, rows, tval, &base);
            cpu = thread_cpu_ns() - c0;
            ns = clock_ns() - t0;
            if (ns < base_ns)
                base_ns = ns;
            if (cpu < base_cpu)
                base_cpu = cpu;
            spent += ns;
            if (spent > REPEAT_NS)
                break;
        }
        /* comparisons per ns = G/s */
        base_wall_rate = (double)rows * (double)n / (double)base_ns;
        base_cpu_rate = (double)rows * (double)n / (double)base_cpu;
        snprintf(label, sizeof(label), "%zux%zu", n, n);

        /* runs 0..2: each path on one thread; run 3: the best path on every CPU. */
        for (run = 0; run < 4; run++) {
            enum dice_kernel k = run < 3 ? paths[run] : best;
            unsigned nthreads = run < 3 ? 1 : ncpu;
            struct dice_opts o;
            struct dice_pairs ps;
            struct dice_stats st = {0};
            uint64_t best_wall = UINT64_MAX, best_cpu = UINT64_MAX, h;
            double wall_rate, cpu_rate;
            int ok;

            if (!dice_kernel_supported(k)) {
                printf("%-13s %-6s %3u  skipped: this CPU lacks it\n", label, dice_kernel_name(k),
                       nthreads);
                continue;
            }
            dice_opts_init(&o);
            o.threshold = thr;
            o.kernel = k;
            o.nthreads = nthreads;
            o.tile_bytes = tile;
            spent = 0;
            for (rep = 0; rep < repeat; rep++) {
                if (rep > 0)
                    dice_pairs_release(&ps);
                dice_pairs_init(&ps);
                if (dice_search(&a, &b, &o, &ps, &st, &e) < 0) {
                    fprintf(stderr, "bench_compare: %s\n", e.msg);
                    return 1;
                }
                if (st.ns_compare < best_wall)
                    best_wall = st.ns_compare;
                if (st.ns_compare_cpu < best_cpu)
                    best_cpu = st.ns_compare_cpu;
                spent += st.ns_prepare + st.ns_compare + st.ns_sort;
                if (spent > REPEAT_NS)
                    break;
            }
            wall_rate = (double)st.comparisons / (double)best_wall; /* all threads */
            cpu_rate = (double)st.comparisons / (double)best_cpu;   /* per core */
            h = pairs_hash(&ps);
            if (run == 0)
                ref_hash = h;
            ok = h == ref_hash && same_as_baseline(&ps, &base, rows);
            failed |= !ok;
            printf("%-13s %-6s %3u %12" PRIu64 " %6.2f%% %6" PRIu64
                   " %7.3f %7.3f %9.3f %9.3f %9.3f %9.3f %6.2fx %s\n",
                   label, dice_kernel_name(k), st.nthreads, st.comparisons,
                   100.0 * (double)(st.brute_force - st.comparisons) / (double)st.brute_force,
                   st.pairs, (double)st.ns_prepare / 1e9, (double)best_wall / 1e9, cpu_rate,
                   wall_rate / st.nthreads, base_cpu_rate, base_wall_rate, cpu_rate / base_cpu_rate,
                   ok ? "same pairs" : "PAIRS DIFFER");
            if (run == 3)
                printf("%-13s %-6s %3u total %.3f G/s wall clock on %u threads = %.2fx the "
                       "baseline on one\n",
                       label, dice_kernel_name(k), st.nthreads, wall_rate, st.nthreads,
                       wall_rate / base_wall_rate);
            dice_pairs_release(&ps);
        }
        dice_pairs_release(&base);
        dice_clks_release(&a);
        dice_clks_release(&b);
    }
    if (failed) {
        fprintf(stderr, "bench_compare: the paths did not all find the same pairs\n");
        return 1;
    }
    return 0;
}
