/*
 * dp_int.h: what the files of the dp module share (src/dp_rng.c, src/dp_sample.c,
 * src/dp_parse.c), and what tests/unit/test_dp.c reaches. Private to the dp module.
 *
 * The samplers work on rationals whose numerator and denominator may need more than
 * 64 bits (the discrete Gaussian's acceptance exponent has a squared numerator), so
 * they use the compiler's unsigned 128-bit integer (GCC and clang on every 64-bit
 * target Debian builds for). The typedef is the one way to name it under -pedantic.
 */
#ifndef TIPHUB_DP_INT_H
#define TIPHUB_DP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"

__extension__ typedef unsigned __int128 dp__u128;

/* 2^64 as a dp__u128. */
#define DP__2POW64 (((dp__u128)1) << 64)

/*
 * Hand out words[0..nwords) in order from r, then abort (a test that needs more
 * words than it scripted is wrong). words must outlive r.
 */
void dp__rng_init_script(struct dp_rng *r, const uint32_t *words, size_t nwords);

/* A uniform integer in [0, n) for 1 <= n (ERR_INVALID for 0), exactly. */
int dp__uniform128(struct dp_rng *r, dp__u128 n, dp__u128 *out);

/* Bernoulli(exp(-num/den)) for any num and den >= 1 (ERR_INVALID for 0). */
int dp__bernoulli_exp128(struct dp_rng *r, dp__u128 num, dp__u128 den, bool *out);

/* floor(sqrt(x)), exactly. */
uint64_t dp__isqrt(uint64_t x);

/* Greatest common divisor; dp__gcd(0, b) is b. */
uint64_t dp__gcd(uint64_t a, uint64_t b);

#endif
