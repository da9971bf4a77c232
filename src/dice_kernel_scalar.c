/*
 * dice_kernel_scalar.c: the scalar comparison kernel (64-bit POPCNT), and the
 * reporting of passing lanes that all kernels share.
 *
 * It reads the same interleaved blocks as the SIMD kernels (dice_int.h): for each
 * word w of the A row, it ANDs A.w with the 8 lanes of block[k][w] and counts, keeping
 * 8 independent sums so the CPU can overlap the POPCNTs. Compiled twice from one
 * inline body: with target("popcnt"), and portable (libgcc's popcount) for the rare
 * x86-64 CPU without POPCNT, picked once.
 */
#include <stdbool.h>
#include <stdint.h>

#include "dice_int.h"

#include "banned.h"

void dice__emit(const struct dice__ctx *c, uint32_t aid, uint32_t pa, size_t k, unsigned mask,
                const uint64_t *common, size_t lo, size_t hi, struct dice_pairs *out)
{
    unsigned l;

    for (l = 0; l < DICE__LANES; l++) {
        size_t j = k * DICE__LANES + l;
        struct dice_pair pr;

        if (!(mask & (1u << l)) || j < lo || j >= hi)
            continue;
        pr.a = aid;
        pr.b = (uint32_t)j;
        pr.common = (uint32_t)common[l];
        pr.sum = pa + c->pop[j];
        dice_pairs_push(out, &pr);
    }
}

/* Add the popcounts of word w of A AND the 8 lanes of word w of a block. */
#define COUNT_WORD(w)                                                                              \
    do {                                                                                           \
        const uint64_t aw = arow[(w)];                                                             \
        const uint64_t *bw = blk + (w)*DICE__LANES;                                                \
        c0 += (uint64_t)__builtin_popcountll(aw & bw[0]);                                          \
        c1 += (uint64_t)__builtin_popcountll(aw & bw[1]);                                          \
        c2 += (uint64_t)__builtin_popcountll(aw & bw[2]);                                          \
        c3 += (uint64_t)__builtin_popcountll(aw & bw[3]);                                          \
        c4 += (uint64_t)__builtin_popcountll(aw & bw[4]);                                          \
        c5 += (uint64_t)__builtin_popcountll(aw & bw[5]);                                          \
        c6 += (uint64_t)__builtin_popcountll(aw & bw[6]);                                          \
        c7 += (uint64_t)__builtin_popcountll(aw & bw[7]);                                          \
    } while (0)

static inline uint64_t max_u64(uint64_t x, uint64_t y)
{
    return x > y ? x : y;
}

/*
 * The body of the kernel for `words` words per record; a constant after inlining. The
 * 8 lane sums are 8 named locals rather than an array, so that they live in registers
 * at -O2 (an array was kept in memory, and every add became a load and a store), and
 * the word loop is unrolled by two by hand for the same reason, then fully by the
 * compiler (GCC unroll 8: 16 words for 1024-bit CLKs), which removes the loop's own
 * adds, compares and branches from between the POPCNTs: 0.275 against 0.25 G/s per
 * core at 60k x 60k, alternating runs (docs/BENCHMARKS.md).
 *
 * The pass test starts with one comparison for the whole block: pterm is
 * non-decreasing along sorted positions (struct dice__side), so no lane can pass
 * unless the largest count passes against the block's first pterm.
 */
static inline __attribute__((always_inline)) void scalar_body(const struct dice__ctx *c,
                                                              const uint64_t *arow, uint32_t pa,
                                                              uint32_t aid, size_t lo, size_t hi,
                                                              struct dice_pairs *out, size_t words)
{
    const uint64_t paterm = c->p * pa, twoq = c->twoq;
    size_t k, k_end = (hi + DICE__LANES - 1) / DICE__LANES;

    for (k = lo / DICE__LANES; k < k_end; k++) {
        const uint64_t *blk = c->blocks + k * words * DICE__LANES;
        const uint64_t *pt = c->pterm + k * DICE__LANES;
        uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0, top;
        unsigned mask;
        size_t w;

#pragma GCC unroll 8
        for (w = 0; w + 2 <= words; w += 2) {
            COUNT_WORD(w);
            COUNT_WORD(w + 1);
        }
        if (w < words)
            COUNT_WORD(w);
        top = max_u64(max_u64(max_u64(c0, c1), max_u64(c2, c3)),
                      max_u64(max_u64(c4, c5), max_u64(c6, c7)));
        if (twoq * top < paterm + pt[0])
            continue;
        mask = (unsigned)(twoq * c0 >= paterm + pt[0]) |
               (unsigned)(twoq * c1 >= paterm + pt[1]) << 1 |
               (unsigned)(twoq * c2 >= paterm + pt[2]) << 2 |
               (unsigned)(twoq * c3 >= paterm + pt[3]) << 3 |
               (unsigned)(twoq * c4 >= paterm + pt[4]) << 4 |
               (unsigned)(twoq * c5 >= paterm + pt[5]) << 5 |
               (unsigned)(twoq * c6 >= paterm + pt[6]) << 6 |
               (unsigned)(twoq * c7 >= paterm + pt[7]) << 7;
        if (mask != 0) {
            uint64_t cnt[DICE__LANES] = {c0, c1, c2, c3, c4, c5, c6, c7};
            dice__emit(c, aid, pa, k, mask, cnt, lo, hi, out);
        }
    }
}

#undef COUNT_WORD

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("popcnt"))) static void scalar_popcnt(const struct dice__ctx *c,
                                                            const uint64_t *arow, uint32_t pa,
                                                            uint32_t aid, size_t lo, size_t hi,
                                                            struct dice_pairs *out)
{
    if (c->words == 16)
        scalar_body(c, arow, pa, aid, lo, hi, out, 16);
    else
        scalar_body(c, arow, pa, aid, lo, hi, out, c->words);
}
#endif

static void scalar_portable(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa,
                            uint32_t aid, size_t lo, size_t hi, struct dice_pairs *out)
{
    scalar_body(c, arow, pa, aid, lo, hi, out, c->words);
}

void dice__kernel_scalar(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa, uint32_t aid,
                         size_t lo, size_t hi, struct dice_pairs *out)
{
#if defined(__x86_64__) || defined(__i386__)
    if (dice__cpu_popcnt()) {
        scalar_popcnt(c, arow, pa, aid, lo, hi, out);
        return;
    }
#endif
    scalar_portable(c, arow, pa, aid, lo, hi, out);
}
