/*
 * dice_kernel_avx2.c: the AVX2 comparison kernel.
 *
 * AVX2 has no popcount instruction, so bits are counted by nibble lookup (Mula's
 * method): vpshufb looks each 4-bit value up in a 16-entry table of popcounts. The
 * usual form splits A&B into nibbles on every comparison (an AND, a shift and another
 * AND per vector). Here the B side is split once, when the set is laid out, into two
 * nibble planes (B & 0x0f.. and (B >> 4) & 0x0f.., struct dice__side), so that
 *
 *     (A & B) low nibbles  = A        & Blo     (already 0..15 per byte)
 *     (A & B) high nibbles = (A >> 4) & Bhi
 *
 * and a vector costs 2 ANDs, 2 lookups and 2 byte adds instead of 8 operations: the
 * work per comparison drops by a quarter, for twice the bytes of B read (from L1).
 * A block of 8 records is two 256-bit halves of 4 lanes; after up to 16 words
 * (16 * 8 = 128 fits a byte) vpsadbw sums the 8 bytes of each 64-bit lane, which
 * gives each lane's count directly: the interleaved layout needs no horizontal sums.
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

/*
 * The nibble counts of word w of A AND 4 lanes (one half) of block k's word w, as
 * bytes: alo/ahi are A.w and A.w >> 4 broadcast, plane points at the word's 16 lanes.
 */
#define COUNT_HALF(alo, ahi, plane, half)                                                          \
    _mm256_add_epi8(                                                                               \
        _mm256_shuffle_epi8(                                                                       \
            lut, _mm256_and_si256((alo), _mm256_load_si256((const __m256i *)(plane) + (half)))),   \
        _mm256_shuffle_epi8(                                                                       \
            lut,                                                                                   \
            _mm256_and_si256((ahi), _mm256_load_si256((const __m256i *)(plane) + 2 + (half)))))

static inline __attribute__((always_inline, target("avx2"))) void
avx2_body(const struct dice__ctx *c, const uint64_t *arow, uint32_t pa, uint32_t aid, size_t lo,
          size_t hi, struct dice_pairs *out, size_t words)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i twoq = _mm256_set1_epi64x((long long)c->twoq);
    const __m256i paterm = _mm256_set1_epi64x((long long)c->p * pa);
    size_t k, k_end = (hi + DICE__LANES - 1) / DICE__LANES, w;
    /* A's words shifted once per call, so the loop broadcasts both halves from memory. */
    uint64_t ahi_row[DICE_MAX_BITS / 64];

    for (w = 0; w < words; w++)
        ahi_row[w] = arow[w] >> 4;
    for (k = lo / DICE__LANES; k < k_end; k++) {
        const uint64_t *blk = c->nibbles + k * words * DICE__LANES * 2;
        const uint64_t *pt = c->pterm + k * DICE__LANES;
        __m256i tot0 = zero, tot1 = zero;
        unsigned mask;
        size_t w0;

        for (w0 = 0; w0 < words; w0 += FLUSH_WORDS) {
            size_t w_end = w0 + FLUSH_WORDS < words ? w0 + FLUSH_WORDS : words;
            __m256i acc0 = zero, acc1 = zero;
            for (w = w0; w < w_end; w++) {
                const __m256i alo = _mm256_set1_epi64x((long long)arow[w]);
                const __m256i ahi = _mm256_set1_epi64x((long long)ahi_row[w]);
                const uint64_t *plane = blk + w * DICE__LANES * 2;
                acc0 = _mm256_add_epi8(acc0, COUNT_HALF(alo, ahi, plane, 0));
                acc1 = _mm256_add_epi8(acc1, COUNT_HALF(alo, ahi, plane, 1));
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

#undef COUNT_HALF

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
