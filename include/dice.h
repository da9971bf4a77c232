/*
 * dice.h: Dice similarity of Bloom-filter CLKs, and the all-pairs candidate search.
 *
 * A CLK is a bit vector of l bits (l a multiple of 64, 1024 by default). The Dice
 * similarity of two CLKs A and B is 2|A&B| / (|A| + |B|), where |X| is the number of
 * bits set. This module holds sets of CLKs with their popcounts (struct dice_clks),
 * tests a pair against a threshold in integers only (struct dice_threshold), and finds
 * every pair of two sets, or of one set with itself, whose Dice similarity reaches the
 * threshold (dice_search). The search prunes by popcount (a lossless filter), tiles the
 * data for the cache, runs on all cores, and compares with the fastest kernel the CPU
 * has: AVX-512 VPOPCNTQ, AVX2 or scalar POPCNT, picked once at run time.
 *
 *     struct dice_threshold t;
 *     struct dice_opts o;
 *     struct dice_pairs out;
 *     if (dice_threshold_parse("0.85", &t, &e) < 0) ...
 *     dice_opts_init(&o);
 *     o.threshold = t;
 *     dice_pairs_init(&out);
 *     if (dice_search(&agency1, &agency2, &o, &out, NULL, &e) < 0) ...
 *     for (i = 0; i < out.n; i++) use(out.v[i].a, out.v[i].b);
 *     dice_pairs_release(&out);
 *
 * Definitions a caller can rely on:
 * - A pair passes threshold t = p/q iff 2*q*|A&B| >= p*(|A|+|B|) (inclusive), computed
 *   in 64-bit integers. No floating point is involved anywhere.
 * - Two empty CLKs (|A| = |B| = 0) have Dice similarity 0: they pass only t = 0.
 * - The popcount filter drops only pairs that cannot pass (see dice_window()).
 *
 * The design notes and invariants are in src/dice_search.c and docs/internals/dice.md.
 */
#ifndef TIPHUB_DICE_H
#define TIPHUB_DICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;

/* The default CLK length, and the largest one accepted (bits). */
#define DICE_DEFAULT_BITS 1024
#define DICE_MAX_BITS     65536
/* The most records one set may hold (indices are uint32_t). */
#define DICE_MAX_RECORDS ((size_t)UINT32_MAX)
/* The largest denominator of a threshold: nine decimal places. */
#define DICE_MAX_DENOM 1000000000u

/* ==== Thresholds ==== */

/* A threshold t = p/q in lowest terms, 0 <= p <= q, 1 <= q <= DICE_MAX_DENOM. */
struct dice_threshold {
    uint32_t p; /* numerator */
    uint32_t q; /* denominator */
};

/*
 * Parse a threshold from its decimal text, exactly: "0.85" is 17/20, "0.8500" is the
 * same, "1" and "1.0" are 1/1, "0" is 0/1. The grammar is strict: an integer part of
 * "0" or "1", then optionally '.' and 1 to 18 digits, of which at most 9 may be
 * significant (trailing zeros are dropped first); the value must be at most 1. No sign,
 * spaces, exponent, leading '.', or trailing '.'. Returns 0, or ERR_INVALID with a
 * message in e (which may be NULL).
 */
int dice_threshold_parse(const char *s, struct dice_threshold *out, struct err *e);

/* Build p/q (reduced to lowest terms). ERR_INVALID unless 0 <= p <= q, 1 <= q <= 1e9. */
int dice_threshold_from_ratio(uint64_t p, uint64_t q, struct dice_threshold *out);

/*
 * Does a pair with `common` shared bits and popcounts pa, pb pass t? This is the
 * definition the kernels implement: 2*q*common >= p*(pa+pb), except that two empty CLKs
 * pass only when p == 0. Requires common <= min(pa, pb) <= DICE_MAX_BITS.
 */
bool dice_passes(const struct dice_threshold *t, uint32_t common, uint32_t pa, uint32_t pb);

/*
 * The popcount window of a record with popcount pa: every B that can pass t with it
 * has lo <= |B| <= hi. Exactly: b lies in [lo, hi] iff 2*q*min(pa, b) >= p*(pa + b),
 * so lo = ceil(p*pa / (2q-p)) and hi = floor((2q-p)*pa / p) (hi = UINT32_MAX when
 * p == 0). Since |A&B| <= min(|A|, |B|), a B outside the window never passes.
 */
void dice_window(const struct dice_threshold *t, uint32_t pa, uint32_t *lo, uint32_t *hi);

/* ==== Sets of CLKs ==== */

/*
 * n CLKs of nbits bits each, row-major: record i is words uint64_t at bits + i*words,
 * and pop[i] is its popcount. The bits are in the caller's order; the search makes
 * its own sorted copy and never changes this one.
 */
struct dice_clks {
    size_t n;       /* number of records */
    size_t nbits;   /* bits per CLK: a multiple of 64, 64..DICE_MAX_BITS */
    size_t words;   /* nbits / 64 */
    uint64_t *bits; /* n * words words; NULL when n == 0 */
    uint32_t *pop;  /* n popcounts, kept by the setters below for callers; the
                       search recomputes its own and does not read these */
};

/*
 * Set up s for n zeroed CLKs of nbits bits. Returns 0, or ERR_INVALID (nbits not a
 * multiple of 64 in range) or ERR_TOOBIG (n > DICE_MAX_RECORDS), with s left empty.
 */
int dice_clks_init(struct dice_clks *s, size_t nbits, size_t n);
/* Free what s holds; s is then empty (n == 0). Accepts a set that was never filled. */
void dice_clks_release(struct dice_clks *s);

/*
 * Set record i from nbits/8 bytes (for example a decoded clkhash CLK). Bytes map to
 * words little-endian; since Dice needs only AND and popcount, any fixed mapping that
 * both sides share gives the same scores. Updates pop[i].
 */
void dice_clks_set_bytes(struct dice_clks *s, size_t i, const uint8_t *bytes);
/* Set record i from words 64-bit words, and update pop[i]. */
void dice_clks_set_words(struct dice_clks *s, size_t i, const uint64_t *words);
/* Recompute every pop[i], after a caller wrote into s->bits directly. */
void dice_clks_recount(struct dice_clks *s);

/* ==== Kernels and dispatch ==== */

enum dice_kernel {
    DICE_KERNEL_AUTO = 0, /* the best one the CPU has, or TIPHUB_DICE_KERNEL */
    DICE_KERNEL_SCALAR,   /* 64-bit POPCNT */
    DICE_KERNEL_AVX2,     /* 256-bit nibble lookup (vpshufb) */
    DICE_KERNEL_AVX512,   /* 512-bit VPOPCNTQ (AVX512F + AVX512_VPOPCNTDQ) */
};

/* "auto", "scalar", "avx2", "avx512". */
const char *dice_kernel_name(enum dice_kernel k);
/* The reverse of dice_kernel_name(). Returns 0 or ERR_INVALID. */
int dice_kernel_parse(const char *name, enum dice_kernel *out);
/* Can this CPU run kernel k? AUTO is always supported. */
bool dice_kernel_supported(enum dice_kernel k);

/*
 * The kernel the process uses when asked for AUTO, decided once: TIPHUB_DICE_KERNEL
 * (scalar, avx2, avx512) when set, else the best the CPU supports. Returns 0, or
 * ERR_INVALID (unknown name) or ERR_UNSUPPORTED (the CPU lacks the forced kernel),
 * every time it is called, with a message in e.
 */
int dice_kernel_default(enum dice_kernel *out, struct err *e);

/*
 * Resolve k: AUTO becomes dice_kernel_default(); a named kernel is checked against
 * the CPU (ERR_UNSUPPORTED if it lacks it).
 */
int dice_kernel_resolve(enum dice_kernel k, enum dice_kernel *out, struct err *e);

/* |A & B| for two CLKs of `words` words (POPCNT when the CPU has it), for single pairs. */
uint32_t dice_common(const uint64_t *a, const uint64_t *b, size_t words);

/* ==== Candidate search ==== */

/* One pair that passed: records a (of set A) and b (of set B), with what scored it. */
struct dice_pair {
    uint32_t a;      /* index in set A */
    uint32_t b;      /* index in set B; in a self-join a < b */
    uint32_t common; /* |A & B| */
    uint32_t sum;    /* |A| + |B|; Dice = 2*common/sum */
};

/* A growable array of pairs. */
struct dice_pairs {
    struct dice_pair *v; /* n pairs; NULL when alloc == 0 */
    size_t n;
    size_t alloc;
};

void dice_pairs_init(struct dice_pairs *ps);
void dice_pairs_release(struct dice_pairs *ps);
/* Append one pair (amortised O(1)). */
void dice_pairs_push(struct dice_pairs *ps, const struct dice_pair *p);
/* Sort by (a, b). */
void dice_pairs_sort(struct dice_pairs *ps);

/* What a search did. */
struct dice_stats {
    uint64_t comparisons;    /* pairs the kernel examined: inside the popcount windows */
    uint64_t brute_force;    /* pairs an exhaustive search examines: nA*nB or n(n-1)/2 */
    uint64_t pairs;          /* pairs that passed */
    uint64_t ns_prepare;     /* time sorting and laying out the sets */
    uint64_t ns_compare;     /* time comparing (wall clock) */
    uint64_t ns_compare_cpu; /* CPU time comparing, summed over the threads: unlike the
                                wall clock, it does not grow while other work runs */
    uint64_t ns_sort;        /* time sorting the output */
    enum dice_kernel kernel;
    unsigned nthreads;
};

struct dice_opts {
    struct dice_threshold threshold; /* default 1/1 */
    enum dice_kernel kernel;         /* default AUTO */
    unsigned nthreads;               /* 0 (default): the number of online CPUs */
    size_t max_pairs;                /* stop with ERR_TOOBIG past this many; 0: no limit */
    size_t tile_bytes;               /* bytes of B kept in L1 at once; 0: default */
    bool no_window;                  /* skip the popcount filter (tests, benchmarks) */
    /*
     * Called after each chunk of A rows with the rows done so far and the total,
     * from a worker thread but never from two at once. Returning nonzero stops the
     * search, which then fails with ERR_INTERRUPTED. May be NULL.
     */
    int (*progress)(uint64_t done, uint64_t total, void *arg);
    void *progress_arg;
    /*
     * When set, pairs are handed over in batches as they are found instead of being
     * stored in `out`: from a worker thread, never from two at once, each batch
     * sorted by (a, b) but batches in no fixed order. Returning nonzero stops the
     * search with ERR_INTERRUPTED. May be NULL.
     */
    int (*on_pairs)(const struct dice_pair *pairs, size_t n, void *arg);
    void *on_pairs_arg;
};

/* Defaults: threshold 1, AUTO kernel, all CPUs, no pair limit, no callbacks. */
void dice_opts_init(struct dice_opts *o);

/*
 * Find every pair (a of A, b of B) with Dice(a, b) >= o->threshold. When b is NULL,
 * compare A with itself and report each unordered pair once, with a < b. The two sets
 * must have the same nbits. Pairs are appended to out (which may hold pairs already)
 * sorted by (a, b), unless o->on_pairs is set, when out may be NULL. The result does
 * not depend on the kernel or the number of threads. stats may be NULL.
 *
 * Returns 0; ERR_INVALID (nbits differ, a malformed set, bad threshold, nowhere to
 * put the pairs); ERR_UNSUPPORTED (the kernel
 * asked for is missing on this CPU); ERR_TOOBIG (more than o->max_pairs pairs);
 * ERR_INTERRUPTED (a callback asked to stop). On failure out holds what it held
 * before.
 */
int dice_search(const struct dice_clks *a, const struct dice_clks *b, const struct dice_opts *o,
                struct dice_pairs *out, struct dice_stats *stats, struct err *e);

#endif
