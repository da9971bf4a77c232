/*
 * dice_kernel_avx512.c: the AVX-512 comparison kernel (VPOPCNTQ).
 *
 * One zmm register holds word w of the 8 records of a block (dice_int.h). With the A
 * row's words broadcast once into registers, a block costs, per word, one load+AND
 * (vpandq with a memory operand), one vpopcntq and one vpaddq, and gives 8 partial
 * scores at once; the pass test of all 8 lanes is one vpmuludq, one vpaddq and one
 * unsigned compare into a mask register. Nothing leaves the vector unit unless a lane
 * passes, which at useful thresholds is rare.
 */
#include <stdint.h>

#include "dice_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "banned.h"

#if defined(__x86_64__) || defined(__i386__)

#define TARGET_AVX512 __attribute__((target("avx512f,avx512vpopcntdq")))

/* Pass mask of the 8 lanes of block k, given their counts. */
static inline __attribute__((always_inline)) TARGET_AVX512 unsigned
pass_mask8(__m512i cnt, __m512i twoq, __m512i paterm, const uint64_t *pterm)
{
    __m512i lhs = _mm512_mul_epu32(cnt, twoq); /* cnt < 2^32 and twoq < 2^32 */
    __m512i rhs = _mm512_add_epi64(paterm, _mm512_load_si512((const void *)pterm));
    return (unsigned)_mm512_cmpge_epu64_mask(lhs, rhs);
}

static inline __attribute__((always_inline)) TARGET_AVX512 void
report(const struct dice__ctx *c, uint32_t aid, uint32_t pa, size_t k, unsigned mask, __m512i cnt,
       size_t lo, size_t hi, struct dice_pairs *out)
{
    uint64_t common[DICE__LANES];

    _mm512_storeu_si512((void *)common, cnt);
    dice__emit(c, aid, pa, k, mask, common, lo, hi, out);
}

/*
 * 1024-bit CLKs: the 16 words of A stay in 16 of the 32 zmm registers. Written out by
 * hand (a macro per word), since a compiler at -O2 may keep arrays of vectors on the
 * stack rather than unroll the loops over them.
 */
#define LOAD_A(i) const __m512i a##i = _mm512_set1_epi64((long long)arow[i])
#define COUNT(i)                                                                                   \
    __m512i s##i = _mm512_popcnt_epi64(_mm512_and_si512(a##i, _mm512_load_si512(blk + (i))))

static TARGET_AVX512 void k1024(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa,
                                uint32_t aid, size_t lo, size_t hi, struct dice_pairs *out)
{
    const __m512i twoq = _mm512_set1_epi64((long long)c->twoq);
    const __m512i paterm = _mm512_set1_epi64((long long)c->p * pa);
    size_t k, k_end = (hi + DICE__LANES - 1) / DICE__LANES;
    LOAD_A(0);
    LOAD_A(1);
    LOAD_A(2);
    LOAD_A(3);
    LOAD_A(4);
    LOAD_A(5);
    LOAD_A(6);
    LOAD_A(7);
    LOAD_A(8);
    LOAD_A(9);
    LOAD_A(10);
    LOAD_A(11);
    LOAD_A(12);
    LOAD_A(13);
    LOAD_A(14);
    LOAD_A(15);

    for (k = lo / DICE__LANES; k < k_end; k++) {
        const __m512i *blk = (const __m512i *)(c->blocks + k * 16 * DICE__LANES);
        unsigned mask;
        COUNT(0);
        COUNT(1);
        COUNT(2);
        COUNT(3);
        COUNT(4);
        COUNT(5);
        COUNT(6);
        COUNT(7);
        COUNT(8);
        COUNT(9);
        COUNT(10);
        COUNT(11);
        COUNT(12);
        COUNT(13);
        COUNT(14);
        COUNT(15);
        /* A tree of adds, so the sum is 4 deep rather than 16. */
        s0 = _mm512_add_epi64(s0, s1);
        s2 = _mm512_add_epi64(s2, s3);
        s4 = _mm512_add_epi64(s4, s5);
        s6 = _mm512_add_epi64(s6, s7);
        s8 = _mm512_add_epi64(s8, s9);
        s10 = _mm512_add_epi64(s10, s11);
        s12 = _mm512_add_epi64(s12, s13);
        s14 = _mm512_add_epi64(s14, s15);
        s0 = _mm512_add_epi64(s0, s2);
        s4 = _mm512_add_epi64(s4, s6);
        s8 = _mm512_add_epi64(s8, s10);
        s12 = _mm512_add_epi64(s12, s14);
        s0 = _mm512_add_epi64(_mm512_add_epi64(s0, s4), _mm512_add_epi64(s8, s12));
        mask = pass_mask8(s0, twoq, paterm, c->pterm + k * DICE__LANES);
        if (mask != 0)
            report(c, aid, pa, k, mask, s0, lo, hi, out);
    }
}

#undef LOAD_A
#undef COUNT

/* Any multiple of 64 bits: A's words are broadcast from memory as they are needed. */
static TARGET_AVX512 void kany(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa,
                               uint32_t aid, size_t lo, size_t hi, struct dice_pairs *out)
{
    const __m512i twoq = _mm512_set1_epi64((long long)c->twoq);
    const __m512i paterm = _mm512_set1_epi64((long long)c->p * pa);
    const size_t words = c->words;
    size_t k, k_end = (hi + DICE__LANES - 1) / DICE__LANES;

    for (k = lo / DICE__LANES; k < k_end; k++) {
        const __m512i *blk = (const __m512i *)(c->blocks + k * words * DICE__LANES);
        __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
        unsigned mask;
        size_t w = 0;

        for (; w + 2 <= words; w += 2) {
            __m512i a0 = _mm512_set1_epi64((long long)arow[w]);
            __m512i a1 = _mm512_set1_epi64((long long)arow[w + 1]);
            s0 = _mm512_add_epi64(
                s0, _mm512_popcnt_epi64(_mm512_and_si512(a0, _mm512_load_si512(blk + w))));
            s1 = _mm512_add_epi64(
                s1, _mm512_popcnt_epi64(_mm512_and_si512(a1, _mm512_load_si512(blk + w + 1))));
        }
        if (w < words) {
            __m512i a0 = _mm512_set1_epi64((long long)arow[w]);
            s0 = _mm512_add_epi64(
                s0, _mm512_popcnt_epi64(_mm512_and_si512(a0, _mm512_load_si512(blk + w))));
        }
        s0 = _mm512_add_epi64(s0, s1);
        mask = pass_mask8(s0, twoq, paterm, c->pterm + k * DICE__LANES);
        if (mask != 0)
            report(c, aid, pa, k, mask, s0, lo, hi, out);
    }
}

void dice__kernel_avx512(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa, uint32_t aid,
                         size_t lo, size_t hi, struct dice_pairs *out)
{
    if (c->words == 16)
        k1024(c, arow, pa, aid, lo, hi, out);
    else
        kany(c, arow, pa, aid, lo, hi, out);
}

#else

void dice__kernel_avx512(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa, uint32_t aid,
                         size_t lo, size_t hi, struct dice_pairs *out)
{
    dice__kernel_scalar(c, arow, pa, aid, lo, hi, out); /* never chosen off x86 */
}

#endif
