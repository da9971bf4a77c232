/*
 * dice_int.h: what the files of the dice module share, and nothing else sees.
 *
 * The search (dice_search.c) lays a set out sorted by popcount, in two shapes: rows
 * (one CLK after another, for the A side) and blocks (8 CLKs interleaved word by word,
 * for the B side). The kernels (dice_kernel_*.c) compare one A row with a run of B
 * blocks. The layout is drawn in docs/internals/dice.md:
 *
 *     block k, word w:  [ B(8k+0).w  B(8k+1).w  ...  B(8k+7).w ]   one 512-bit vector
 *
 * so `A.w broadcast AND block[k][w]` followed by a 64-bit popcount gives word w's
 * share of 8 scores in one instruction, with no horizontal sums. The AVX2 kernel reads
 * a third shape, the blocks split into nibble planes (dice_kernel_avx2.c).
 */
#ifndef TIPHUB_DICE_INT_H
#define TIPHUB_DICE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dice.h"

/* Records per block: one 512-bit vector of 64-bit lanes. */
#define DICE__LANES 8
/* Alignment of rows and blocks (a cache line, and a whole zmm register). */
#define DICE__ALIGN 64
/* pterm of a padding lane: never reached by 2*q*common (at most 2^31 * 2^16). */
#define DICE__PTERM_NEVER ((uint64_t)1 << 62)

/* A set prepared for searching: sorted by popcount, ascending, ties by index. */
struct dice__side {
    size_t n;          /* records */
    size_t words;      /* 64-bit words per record */
    size_t nbits;      /* words * 64 */
    size_t nblocks;    /* ceil(n / 8) */
    uint32_t *order;   /* [n] sorted position -> the caller's index */
    uint32_t *pop;     /* [nblocks*8] popcount by sorted position; padding lanes 0 */
    uint64_t *rows;    /* [n*words] row-major by sorted position, 64-byte aligned; or NULL */
    uint64_t *blocks;  /* [nblocks*words*8] interleaved by 8, 64-byte aligned; or NULL */
    uint64_t *nibbles; /* [nblocks*words*16] the blocks split into nibble planes, for the
                          AVX2 kernel: per block and word, 8 lanes of B & 0x0f0f...
                          then 8 lanes of (B >> 4) & 0x0f0f...; or NULL */
    uint32_t *start;   /* [nbits+2] first sorted position whose popcount is >= v */
    uint64_t *pterm;   /* [nblocks*8] p * pop[j] for the search's p; padding NEVER;
                          non-decreasing (sorted, padding last), which kernels use */
};

/* What a kernel needs to know about the B side and the threshold. */
struct dice__ctx {
    const uint64_t *blocks;  /* the B side's blocks (scalar and AVX-512 kernels) */
    const uint64_t *nibbles; /* the B side's nibble planes (AVX2 kernel) */
    const uint64_t *pterm;   /* the B side's p * pop[j] */
    const uint32_t *pop;     /* the B side's popcounts by sorted position */
    size_t words;            /* words per record */
    uint64_t twoq;           /* 2 * q */
    uint64_t p;              /* p */
};

/*
 * A kernel: compare the A row `arow` (popcount pa, to be reported as index aid) with
 * the B records at sorted positions [lo, hi), and append to out, as
 * { aid, j, common, pa + pop[j] }, every one whose pair passes the threshold:
 * 2q*common >= p*pa + pterm[j]. B indices j stay sorted positions: the caller maps
 * them. A kernel may compute other lanes of the blocks it touches but never reports
 * them. Pairs come out in ascending j.
 */
typedef void (*dice__kernel_fn)(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa,
                                uint32_t aid, size_t lo, size_t hi, struct dice_pairs *out);

/* The three kernels; the SIMD ones only run where dice_kernel_supported() says so. */
void dice__kernel_scalar(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa, uint32_t aid,
                         size_t lo, size_t hi, struct dice_pairs *out);
void dice__kernel_avx2(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa, uint32_t aid,
                       size_t lo, size_t hi, struct dice_pairs *out);
void dice__kernel_avx512(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa, uint32_t aid,
                         size_t lo, size_t hi, struct dice_pairs *out);

/* The kernel function for a resolved (not AUTO) kernel. */
dice__kernel_fn dice__kernel_fn_of(enum dice_kernel k);

/* Does the CPU have POPCNT? Asked once; cheap to call. */
bool dice__cpu_popcnt(void);

/* Popcount of `words` words (POPCNT when the CPU has it). */
uint32_t dice__popcount(const uint64_t *w, size_t words);

/*
 * Which shapes dice__side_prepare() builds: rows (the A part), and for the B part the
 * blocks or the nibble planes, whichever the kernel reads.
 */
#define DICE__WANT_ROWS    1u
#define DICE__WANT_BLOCKS  2u
#define DICE__WANT_NIBBLES 4u

/*
 * Lay out s sorted by popcount (see struct dice__side), with pterm for p, building the
 * shapes in `want` (the others stay NULL). Popcounts are recomputed from the bits, so
 * a wrong s->pop cannot send the layout out of bounds. Release with
 * dice__side_release().
 */
void dice__side_prepare(struct dice__side *out, const struct dice_clks *s, uint32_t p,
                        unsigned want);
void dice__side_release(struct dice__side *side);

/*
 * Report the lanes of a block that passed: mask bit l set for lane l of block k whose
 * pair passed; common[l] its shared popcount. Only lanes in [lo, hi) are appended.
 * Shared by the kernels so that reporting is written once.
 */
void dice__emit(const struct dice__ctx *c, uint32_t aid, uint32_t pa, size_t k, unsigned mask,
                const uint64_t *common, size_t lo, size_t hi, struct dice_pairs *out);

#endif
