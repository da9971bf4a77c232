/*
 * link_int.h: private to the link module. How global record indices map to
 * sources, the canonical rank of records, the pair set used by the grouping
 * solver, and the LSH candidate search.
 */
#ifndef TIPHUB_LINK_INT_H
#define TIPHUB_LINK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dice.h"
#include "link.h"

/* Where each source's records start in the global numbering. */
struct link__index {
    size_t n; /* records in all */
    size_t nsources;
    size_t *offset; /* nsources + 1: source s holds globals offset[s]..offset[s+1]-1 */
    uint32_t *src;  /* n: the source of each record */
    size_t nbits;   /* bits per CLK, the same for all sources */
    size_t words;   /* nbits / 64 */
};

/*
 * Check the sources (at least one, at most LINK_MAX_SOURCES, the same nbits, at
 * most DICE_MAX_RECORDS records in all) and build the index. Returns 0 or
 * ERR_INVALID with e set.
 */
int link__index_build(struct link__index *ix, const struct dice_clks *sources, size_t nsources,
                      struct err *e);
void link__index_release(struct link__index *ix);

/* The words of record g. */
const uint64_t *link__clk(const struct link__index *ix, const struct dice_clks *sources,
                          uint32_t g);

/*
 * The canonical rank of every record (n entries, a permutation of 0..n-1): records
 * ordered by source, then by their CLK words compared as unsigned numbers in word
 * order, then by global index. Caller frees.
 */
uint32_t *link__ranks(const struct link__index *ix, const struct dice_clks *sources);

/* Sort pairs as link_pairs_sort() does, with ranks already made. */
void link__sort_pairs(struct dice_pairs *pairs, const uint32_t *rank);

/* Does pair p (with its sum and common) reach t? The one test used everywhere. */
int link__passes(const struct dice_threshold *t, const struct dice_pair *p);

/* The larger of two thresholds. */
struct dice_threshold link__max_threshold(const struct dice_threshold *a,
                                          const struct dice_threshold *b);

/* What one solve uses. */
struct link__solve_params {
    enum link_method method;  /* resolved: GREEDY_1TO1 or GROUP */
    struct dice_threshold t;  /* pairs of two sources */
    struct dice_threshold t2; /* within one source: max(t, t2) applies */
    unsigned support;         /* GROUP: percent of cross-source couples that must reach t */
};

/*
 * Solve pairs already sorted by link__sort_pairs: use only the first npairs.
 * Fills res (person, npersons, accepted, refused, persons).
 */
int link__solve_sorted(const struct link__index *ix, const struct dice_clks *sources,
                       const struct link__solve_params *sp, const struct dice_pairs *pairs,
                       size_t npairs, struct link_result *res, struct err *e);

/*
 * Candidate pairs by Hamming-LSH blocking (link_lsh.c): pairs that share the key of
 * at least one band and pass their threshold (cross between sources, same within
 * one when not NULL), appended to out with a < b, deduplicated and sorted.
 */
int link__lsh_candidates(const struct link__index *ix, const struct dice_clks *sources,
                         const struct link_opts *o, const struct dice_threshold *cross,
                         const struct dice_threshold *same, struct dice_pairs *out,
                         struct link_stats *stats, struct err *e);

/* Seconds between two clock_ns() readings. */
double link__seconds(uint64_t from_ns, uint64_t to_ns);

#endif
