/*
 * dp.h: exact noise samplers for differentially private statistics.
 *
 * The stats module adds discrete Laplace or discrete Gaussian noise to counts before
 * a table leaves the hub. The samplers here follow Canonne, Kamath and Steinke, "The
 * Discrete Gaussian for Differential Privacy" (NeurIPS 2020, arXiv 2004.00010),
 * Algorithms 1-3, and draw from the EXACT distributions: every parameter is a
 * rational num/den of integers, every probability is decided by comparing uniform
 * random integers, and there is no floating point anywhere in the samplers (floating
 * point noise leaks the secret through the gaps in its output, Mironov 2012). The
 * algorithms, the proofs in brief and the parameter ranges are in docs/internals/dp.md.
 *
 * Parameter ranges: every numerator and denominator given to a sampler must be at
 * most DP_PARAM_MAX (2^32); a denominator of 0 is ERR_INVALID, a larger value
 * ERR_TOOBIG. Within that range the arithmetic cannot overflow except with a
 * probability below exp(-2^30) (checked all the same: ERR_TOOBIG, never a wrapped
 * value). dp_bernoulli_exp() accepts any uint64_t.
 *
 * Running time depends on the sample drawn (the samplers loop and reject), so the
 * samplers must not run where an observer can time them one by one: tiphub adds
 * noise in batch jobs on the hub.
 *
 * A struct dp_rng is used by one thread at a time. It holds no allocated memory, but
 * it keeps up to DP_RNG_BLOCK bytes of random output ahead: do not carry one across
 * fork() (both processes would draw the same noise); set it up in the process that
 * uses it, and dp_rng_release() it when done.
 */
#ifndef TIPHUB_DP_H
#define TIPHUB_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;

/* The largest numerator or denominator the samplers accept: 2^32. */
#define DP_PARAM_MAX ((uint64_t)1 << 32)

/* Bytes of random output a struct dp_rng fetches at a time and keeps ahead. */
#define DP_RNG_BLOCK 1024

enum dp_rng_kind {
    DP_RNG_SYSTEM = 1, /* libsodium's randombytes_buf() (the kernel generator) */
    DP_RNG_SEEDED = 2, /* a ChaCha20 stream from a 32-byte seed (tests, reproducible runs) */
    DP_RNG_SCRIPT = 3, /* a list of words given by a unit test (src/dp_int.h) */
};

/* A source of random bits. Fill it with one of the dp_rng_init_*() functions. */
struct dp_rng {
    enum dp_rng_kind kind;
    unsigned char key[32];             /* seeded: key of the next block */
    unsigned char block[DP_RNG_BLOCK]; /* system, seeded: output fetched ahead */
    size_t pos;                        /* system, seeded: next unused byte of block */
    const uint32_t *script;            /* script: the words to hand out, in order */
    size_t script_len;                 /* script: number of words */
    uint64_t nwords;                   /* 32-bit words drawn so far (tests, bench) */
};

/*
 * Draw from libsodium's randombytes_buf() (on Linux its "sysrandom" backend: the
 * kernel's getrandom()), DP_RNG_BLOCK bytes at a time. Calls sodium_init(), and
 * aborts if libsodium cannot start: there is no safe way to go on without randomness.
 */
void dp_rng_init_system(struct dp_rng *r);

/*
 * Draw from a deterministic stream: the same seed gives the same words on every
 * machine. The stream is randombytes_buf_deterministic() (ChaCha20) output taken
 * in blocks, each block's first 32 bytes becoming the key of the next. For tests
 * and reproducible examples only; published noise comes from dp_rng_init_system().
 */
void dp_rng_init_seeded(struct dp_rng *r, const unsigned char seed[32]);

/* Wipe the key and buffered output of r (sodium_memzero). r may be NULL. */
void dp_rng_release(struct dp_rng *r);

/* The next 32 uniformly random bits from r. */
uint32_t dp_rng_u32(struct dp_rng *r);

/*
 * A uniform integer in [0, n), exactly: words are drawn and rejected below
 * 2^k mod n, never reduced with a bare modulo. n must be at least 1 (ERR_INVALID).
 */
int dp_uniform(struct dp_rng *r, uint64_t n, uint64_t *out);

/*
 * Set *out to true with probability exp(-num/den), exactly (CKS20 Algorithm 1).
 * Any num works (num 0 gives true); den 0 is ERR_INVALID.
 */
int dp_bernoulli_exp(struct dp_rng *r, uint64_t num, uint64_t den, bool *out);

/*
 * Discrete Laplace with scale t = t_num/t_den: P(x) is proportional to exp(-|x|/t)
 * over all integers x (CKS20 Algorithm 2). The mechanism that adds it to a count of
 * sensitivity 1 is (1/t)-differentially private. Returns ERR_INVALID when t_num or
 * t_den is 0, ERR_TOOBIG when one is over DP_PARAM_MAX.
 */
int dp_discrete_laplace(struct dp_rng *r, uint64_t t_num, uint64_t t_den, int64_t *out);

/*
 * Discrete Gaussian with variance parameter sigma^2 = sigma2_num/sigma2_den: P(x) is
 * proportional to exp(-x^2 / (2 sigma^2)) over all integers x (CKS20 Algorithm 3).
 * Added to a count of sensitivity 1 it gives (1/(2 sigma^2))-zCDP. Errors as for
 * dp_discrete_laplace().
 */
int dp_discrete_gaussian(struct dp_rng *r, uint64_t sigma2_num, uint64_t sigma2_den, int64_t *out);

/*
 * Parse a non-negative decimal like "0.5", "1.25" or "3" exactly into num/den in
 * lowest terms (den is 1 for a whole number; "0" gives 0/1). Strict: ASCII digits,
 * optionally one '.' with digits on both sides; no sign, exponent, space or other
 * byte. Returns ERR_INVALID for a malformed string and ERR_TOOBIG when num or den
 * would not fit in 64 bits; e (may be NULL) gets a message that does not repeat s.
 */
int dp_parse_rational(const char *s, uint64_t *num, uint64_t *den, struct err *e);

#endif
