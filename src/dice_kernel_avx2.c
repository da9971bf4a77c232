/*
 * dice_kernel_avx2.c: the AVX2 comparison kernel.
 *
 * AVX2 has no popcount instruction, so bits are counted by nibble lookup (Mula's
 * method): each byte is split into its two 4-bit halves, vpshufb looks both up in a
 * 16-entry table of popcounts, and the byte counts are added up. A block of 8 records
 * (dice_int.h) is two 256-bit halves of 4 lanes; after up to 16 words (16 * 8 = 128,
 * which fits a byte) vpsadbw sums the 8 bytes of each 64-bit lane, which gives each
 * lane's count directly: the interleaved layout needs no horizontal sums here either.
 */
#include <stdint.h>

#include "dice_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "banned.h"

#if defined(__x86_64__) || defined(__i386__)

/* Words whose byte counts fit a byte: 31 * 8 = 248 <= 255; we flush every 16. */
#define FLUSH_WORDS 16

/* Popcount of each byte of x, by nibble lookup. */
static inline __attribute__((always_inline, target("avx2"))) __m256i
bytes_popcount(__m256i x, __m256i lut, __m256i low4)
{
    __m256i lo = _mm256_and_si256(x, low4);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low4);
    return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}

/* 4 lanes of the pass test: bit l set iff twoq * cnt[l] >= paterm + pterm[l]. */
static inline __attribute__((always_inline, target("avx2"))) unsigned
pass_mask4(__m256i cnt, __m256i twoq, __m256i paterm, const uint64_t *pterm)
{
    __m256i lhs = _mm256_mul_epu32(cnt, twoq); /* cnt < 2^32 and twoq < 2^32 */
    __m256i rhs = _mm256_add_epi64(paterm, _mm256_loadu_si256((const __m256i *)pterm));
    /* Both sides are below 2^63, so the signed compare is exact. lhs >= rhs: !(rhs > lhs). */
    __m256i fail = _mm256_cmpgt_epi64(rhs, lhs);
    return (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(fail)) ^ 0xFu;
}

static inline __attribute__((always_inline, target("avx2"))) void
avx2_body(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa, uint32_t aid, size_t lo,
          size_t hi, struct dice_pairs *out, size_t words)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i twoq = _mm256_set1_epi64x((long long)c->twoq);
    const __m256i paterm = _mm256_set1_epi64x((long long)c->p * pa);
    size_t k, k_end = (hi + DICE__LANES - 1) / DICE__LANES;

    for (k = lo / DICE__LANES; k < k_end; k++) {
        const uint64_t *blk = c->blocks + k * words * DICE__LANES;
        const uint64_t *pt = c->pterm + k * DICE__LANES;
        __m256i tot0 = zero, tot1 = zero;
        unsigned mask;
        size_t w0, w;

        for (w0 = 0; w0 < words; w0 += FLUSH_WORDS) {
            size_t w_end = w0 + FLUSH_WORDS < words ? w0 + FLUSH_WORDS : words;
            __m256i acc0 = zero, acc1 = zero;
            for (w = w0; w < w_end; w++) {
                const __m256i av = _mm256_set1_epi64x((long long)arow[w]);
                const __m256i *bw = (const __m256i *)(blk + w * DICE__LANES);
                __m256i x0 = _mm256_and_si256(av, _mm256_load_si256(bw));
                __m256i x1 = _mm256_and_si256(av, _mm256_load_si256(bw + 1));
                acc0 = _mm256_add_epi8(acc0, bytes_popcount(x0, lut, low4));
                acc1 = _mm256_add_epi8(acc1, bytes_popcount(x1, lut, low4));
            }
            tot0 = _mm256_add_epi64(tot0, _mm256_sad_epu8(acc0, zero));
            tot1 = _mm256_add_epi64(tot1, _mm256_sad_epu8(acc1, zero));
        }
        mask = pass_mask4(tot0, twoq, paterm, pt) | pass_mask4(tot1, twoq, paterm, pt + 4) << 4;
        if (mask != 0) {
            uint64_t cnt[DICE__LANES];
            _mm256_storeu_si256((__m256i *)cnt, tot0);
            _mm256_storeu_si256((__m256i *)(cnt + 4), tot1);
            dice__emit(c, aid, pa, k, mask, cnt, lo, hi, out);
        }
    }
}

__attribute__((target("avx2"))) void dice__kernel_avx2(const struct dice__ctx *c,
                                                       const uint64_t *arow, uint32_t pa,
                                                       uint32_t aid, size_t lo, size_t hi,
                                                       struct dice_pairs *out)
{
    if (c->words == 16)
        avx2_body(c, arow, pa, aid, lo, hi, out, 16);
    else
        avx2_body(c, arow, pa, aid, lo, hi, out, c->words);
}

#else

void dice__kernel_avx2(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa, uint32_t aid,
                       size_t lo, size_t hi, struct dice_pairs *out)
{
    dice__kernel_scalar(c, arow, pa, aid, lo, hi, out); /* never chosen off x86 */
}

#endif
