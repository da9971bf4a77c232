/*
 * link.h: record linkage of CLKs: candidate pairs, and solving them into persons.
 *
 * The input is a set of sources (agencies at the hub, or files given to
 * `tiphub link --clks`), each a set of CLKs (struct dice_clks). A record is named
 * by its global index: the records of source 0 first, then those of source 1, and
 * so on. Linking finds candidate pairs (Dice similarity at or above a threshold,
 * by the exact all-pairs search of dice.h or, optionally, by Hamming-LSH
 * blocking) and solves them into persons:
 *
 *   - greedy 1-1 (two sources): pairs in decreasing score order; a pair is
 *     accepted when neither of its records is matched yet;
 *   - grouping (any number of sources): pairs in decreasing score order join the
 *     groups of their records when enough of the couples of records across the two
 *     groups reach their threshold: couples of one source (an agency's
 *     re-registrations of one person) the stricter within-source threshold
 *     max(T, T2), couples of two sources T; "enough" is at least one and at least
 *     `support` percent of each kind, so no single bridging pair chains different
 *     people together.
 *
 * Every record ends in exactly one person; persons are numbered 0, 1, ... in the
 * order of their first record. The result does not depend on the number of
 * threads, nor on the order in which records are given within a source (ties in
 * score are broken by the records' CLK bytes, not their positions). The design
 * notes and invariants are at the top of src/link_solve.c; the tour is
 * docs/internals/link.md, the user guide docs/LINKAGE.md.
 *
 * Similarity scores never leave this module except as aggregate histograms
 * (link_diagnose): results hold persons, not scores.
 *
 *     struct link_opts o;
 *     struct link_result res;
 *     link_opts_init(&o);
 *     dice_threshold_parse("0.8", &o.threshold, &e);
 *     o.method = LINK_GROUP;
 *     if (link_run(sources, nsources, &o, &res, &e) < 0) ...
 *     for (g = 0; g < res.n; g++) use(res.person[g]);
 *     link_result_release(&res);
 */
#ifndef TIPHUB_LINK_H
#define TIPHUB_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dice.h"

struct err;

/* The default thresholds (measured; see docs/LINKAGE.md) as text, for dice_threshold_parse. */
#define LINK_DEFAULT_THRESHOLD        "0.75"
#define LINK_DEFAULT_AGENCY_THRESHOLD "0.75"
/* The default support of a merge, in percent (link_opts.support). */
#define LINK_DEFAULT_SUPPORT 50

/* The most sources (agencies, files) one linkage takes. */
#define LINK_MAX_SOURCES 4096u

enum link_method {
    LINK_AUTO = 0,    /* greedy 1-1 for exactly two sources, else grouping */
    LINK_GREEDY_1TO1, /* two sources only: each record matched at most once */
    LINK_GROUP,       /* groups with at most one record per source, unless allowed */
};

enum link_blocking {
    LINK_BLOCK_EXACT = 0, /* every pair (the popcount filter is lossless) */
    LINK_BLOCK_LSH,       /* pairs that share a Hamming-LSH band key: faster, may miss pairs */
};

/* Defaults for LSH blocking: bands, and bits sampled per band (measured, docs/LINKAGE.md). */
#define LINK_LSH_DEFAULT_BANDS 96
#define LINK_LSH_DEFAULT_BITS  24
#define LINK_LSH_MAX_BANDS     1024
#define LINK_LSH_MAX_BITS      64

struct link_opts {
    struct dice_threshold threshold;        /* T: a pair of two sources must reach it */
    struct dice_threshold agency_threshold; /* T2: a pair within one source must reach
                                               max(T, T2); grouping only */
    unsigned support;                       /* grouping: a merge of two groups needs this
                                               percentage of their couples of records of
                                               different sources to reach T (0: one pair
                                               is enough, single linkage; 100: every
                                               couple, complete linkage) */
    enum link_method method;                /* default AUTO */
    enum link_blocking blocking;            /* default EXACT */
    unsigned lsh_bands;                     /* LSH: number of bands */
    unsigned lsh_bits;                      /* LSH: bits sampled per band, 1..64 */
    uint64_t lsh_seed;                      /* LSH: which bits (fixed default) */
    enum dice_kernel kernel;                /* default AUTO */
    unsigned nthreads;                      /* 0: every online CPU */
    size_t max_pairs;                       /* stop with ERR_TOOBIG past this many
                                               candidate pairs; 0: no limit */
    /*
     * Called now and then with the work done and the total (comparisons, or LSH
     * bands scaled alike), from any thread but never from two at once. Nonzero
     * stops the run with ERR_INTERRUPTED. May be NULL.
     */
    int (*progress)(uint64_t done, uint64_t total, void *arg);
    void *progress_arg;
};

/*
 * Defaults: T = LINK_DEFAULT_THRESHOLD, T2 = LINK_DEFAULT_AGENCY_THRESHOLD, support
 * LINK_DEFAULT_SUPPORT, AUTO method, exact search, LSH defaults, AUTO kernel, all CPUs, no pair
 * limit.
 */
void link_opts_init(struct link_opts *o);

/*
 * Parse a blocking option: "exact", "lsh" (default bands and bits) or
 * "lsh:BANDS,BITS" (1..LINK_LSH_MAX_BANDS, 1..LINK_LSH_MAX_BITS), into o.
 * Returns 0 or ERR_INVALID with a message in e (which may be NULL).
 */
int link_blocking_parse(const char *s, struct link_opts *o, struct err *e);

/* "exact" or "lsh:B,K" for o, into out (at least 32 bytes). */
void link_blocking_name(const struct link_opts *o, char *out, size_t size);

/* The method a run uses: o->method, or for AUTO the choice by number of sources. */
enum link_method link_method_resolve(enum link_method m, size_t nsources);
/* "greedy-1to1" or "group". */
const char *link_method_name(enum link_method m);

/* What a run did. */
struct link_stats {
    uint64_t records;      /* records linked */
    uint64_t comparisons;  /* pairs whose Dice was computed */
    uint64_t brute_force;  /* pairs an exhaustive search would compute */
    uint64_t candidates;   /* candidate pairs found (passing their threshold) */
    uint64_t accepted;     /* pairs that joined two persons */
    uint64_t refused;      /* pairs refused: a record already matched (1-1), or two
                              records of one source that may not share a group */
    uint64_t persons;      /* persons found */
    double seconds_search; /* finding candidates (wall clock) */
    double seconds_solve;  /* sorting and solving (wall clock) */
    enum dice_kernel kernel;
    unsigned nthreads;
};

struct link_result {
    size_t n;         /* records: the sum of the sources' sizes */
    uint32_t *person; /* n: the person of each record (global index), 0..npersons-1,
                         numbered in the order of each person's first record */
    size_t npersons;
    struct link_stats stats;
};

void link_result_init(struct link_result *r);
/* Free what r holds; r is then as after link_result_init(). */
void link_result_release(struct link_result *r);

/*
 * Link the records of sources[0..nsources) (all with the same nbits; any source
 * may be empty): find candidates, then solve. Returns 0; ERR_INVALID (no source,
 * too many, nbits differ, too many records, bad options, GREEDY_1TO1 with other
 * than two sources); ERR_TOOBIG (o->max_pairs passed); ERR_UNSUPPORTED (kernel);
 * ERR_INTERRUPTED (progress said stop). res is filled only on success.
 */
int link_run(const struct dice_clks *sources, size_t nsources, const struct link_opts *o,
             struct link_result *res, struct err *e);

/* ==== The two steps, for benchmarks, diagnostics and tests ==== */

/*
 * Candidate pairs, with global indices a < b: pairs of two different sources
 * reaching *cross, and, when same is not NULL, pairs within one source reaching
 * *same. Uses o's blocking, kernel, threads, max_pairs and progress (not its
 * thresholds). Pairs are appended to out sorted by (a, b). stats (may be NULL)
 * gets comparisons, brute_force, candidates, seconds_search, kernel, nthreads.
 */
int link_candidates(const struct dice_clks *sources, size_t nsources, const struct link_opts *o,
                    const struct dice_threshold *cross, const struct dice_threshold *same,
                    struct dice_pairs *out, struct link_stats *stats, struct err *e);

/*
 * Sort pairs by decreasing Dice score; equal scores by their records' canonical
 * ranks (source, then CLK bytes, then position), the lower pair of ranks first.
 * The order does not depend on the order of the pairs given, nor on the order of
 * records within a source (except between identical CLKs of one source).
 */
void link_pairs_sort(const struct dice_clks *sources, size_t nsources, struct dice_pairs *pairs);

/*
 * Solve candidate pairs (global indices, any order: they are sorted here with
 * link_pairs_sort) into persons with o's method and thresholds; pairs below their
 * threshold are ignored, so one set of candidates found at a low floor can be
 * solved at several thresholds. Fills res (accepted, refused, persons,
 * seconds_solve of res->stats; the rest is left zero).
 */
int link_solve(const struct dice_clks *sources, size_t nsources, const struct link_opts *o,
               struct dice_pairs *pairs, struct link_result *res, struct err *e);

/* ==== Threshold diagnostics ==== */

/* Score bins: bin k (0..99) holds scores in [k/100, (k+1)/100); bin 100 exactly 1. */
#define LINK_DIAG_BINS 101
/* Candidates per record at T: 0, 1, 2, 3, 4, 5-9, 10 or more. */
#define LINK_DIAG_CAND_BINS 7

struct link_diag {
    struct dice_threshold floor;     /* pairs below it are not looked at */
    struct dice_threshold threshold; /* T, for candidates per record */
    unsigned first_bin;              /* ceil(floor * 100): the first bin with data */
    enum link_method method;         /* the solver used for the persons sweep */
    uint64_t records;
    uint64_t sources;
    uint64_t pairs[LINK_DIAG_BINS];     /* candidate pairs by score (both kinds) */
    uint64_t within[LINK_DIAG_BINS];    /* of which within one source (grouping only) */
    uint64_t best[LINK_DIAG_BINS];      /* records by their best score in any candidate pair
                                           (1-1: with the other source only) */
    uint64_t no_candidate;              /* records with no pair at or above the floor */
    uint64_t persons[LINK_DIAG_BINS];   /* persons found at threshold k/100, k >= first_bin */
    uint64_t cand[LINK_DIAG_CAND_BINS]; /* records by their number of candidates at T */
    uint64_t cand_max;                  /* most candidates of one record at T */
    struct link_stats stats;            /* of the candidate search at the floor */
};

/*
 * Find the candidates at floor (<= o->threshold) with o's blocking, and tally the
 * histograms, the candidates per record at o->threshold, and the persons found by
 * o's method at every threshold k/100 from the floor up to 1 (T2 staying
 * max(o->agency_threshold, k/100)). Returns as link_run(); ERR_TOOBIG when the
 * floor lets more than o->max_pairs pairs through (then raise the floor).
 */
int link_diagnose(const struct dice_clks *sources, size_t nsources, const struct link_opts *o,
                  const struct dice_threshold *floor, struct link_diag *d, struct err *e);

/*
 * Write the diagnostics as text for a terminal (ASCII charts with advice on
 * reading them), as CSV (threshold,pairs,within,pairs_at_or_above,best,persons: one
 * row per bin from the floor), or as an SVG picture of the two histograms and the
 * persons curve. Return 0 or ERR_IO.
 */
int link_diag_write_text(const struct link_diag *d, FILE *out);
int link_diag_write_csv(const struct link_diag *d, FILE *out);
int link_diag_write_svg(const struct link_diag *d, FILE *out);

/* ==== clkhash files ==== */

/*
 * Read a clkhash CLK file ({"clks": ["<base64>", ...]}, as `clkutil hash` and
 * `tiphub encode --csv` write it; other keys are ignored) from data[0..len) into
 * out (initialised here). Every CLK must decode to the same number of bytes;
 * *clk_bytes (in: 0 for any, else the length required; out: the length found)
 * lets several files be held to one length. CLKs are padded with zero bits to a
 * multiple of 64 bits, which changes no Dice score. name is the file's name for
 * messages, which give the index of a bad CLK, never its text. An empty list
 * gives an empty set (of *clk_bytes, or 1024 bits when that is 0). Returns 0,
 * ERR_INVALID or ERR_TOOBIG.
 */
int link_clks_parse(const char *data, size_t len, const char *name, size_t *clk_bytes,
                    struct dice_clks *out, struct err *e);

/* The same from a file (path; "-" is standard input), at most LINK_CLKS_MAX_FILE bytes. */
#define LINK_CLKS_MAX_FILE ((size_t)4 << 30)
int link_clks_load(const char *path, size_t *clk_bytes, struct dice_clks *out, struct err *e);

#endif
