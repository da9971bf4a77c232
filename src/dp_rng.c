/*
 * dp_rng.c: the random bits under the dp samplers (dp.h): the system source
 * (libsodium's randombytes_buf(), a block at a time), a seeded stream for tests, a
 * scripted source for unit tests, and exact uniform integers in [0, n) by rejection.
 *
 * Everything the samplers decide comes from dp__uniform128(), which draws 32-bit
 * words, so the three sources only have to produce words.
 */
#include "dp.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dp_int.h"
#include "err.h"

#include "banned.h"

/* ==== Sources of words ==== */

void dp_rng_init_system(struct dp_rng *r)
{
    memset(r, 0, sizeof(*r));
    if (sodium_init() < 0)
        abort();
    r->kind = DP_RNG_SYSTEM;
    r->pos = sizeof(r->block); /* empty: the first word refills */
}

void dp_rng_init_seeded(struct dp_rng *r, const unsigned char seed[32])
{
    memset(r, 0, sizeof(*r));
    if (sodium_init() < 0)
        abort();
    r->kind = DP_RNG_SEEDED;
    memcpy(r->key, seed, sizeof(r->key));
    r->pos = sizeof(r->block); /* empty: the first word refills */
}

void dp__rng_init_script(struct dp_rng *r, const uint32_t *words, size_t nwords)
{
    memset(r, 0, sizeof(*r));
    r->kind = DP_RNG_SCRIPT;
    r->script = words;
    r->script_len = nwords;
}

void dp_rng_release(struct dp_rng *r)
{
    if (r == NULL)
        return;
    sodium_memzero(r->key, sizeof(r->key));
    sodium_memzero(r->block, sizeof(r->block));
    r->pos = sizeof(r->block);
}

/*
 * Refill the block. The system source reads DP_RNG_BLOCK bytes with one
 * randombytes_buf() call (libsodium's "sysrandom" backend makes a getrandom()
 * system call per call, so one word per call would cost a system call per word).
 * The seeded source makes 32 + DP_RNG_BLOCK bytes with one
 * randombytes_buf_deterministic() call under the current key: the first 32 become
 * the next key (so the stream goes on, and a key once used is gone), the rest are
 * handed out.
 */
static void refill(struct dp_rng *r)
{
    unsigned char out[32 + DP_RNG_BLOCK];

    if (r->kind == DP_RNG_SYSTEM) {
        randombytes_buf(r->block, DP_RNG_BLOCK);
    } else {
        randombytes_buf_deterministic(out, sizeof(out), r->key);
        memcpy(r->key, out, 32);
        memcpy(r->block, out + 32, DP_RNG_BLOCK);
        sodium_memzero(out, sizeof(out));
    }
    r->pos = 0;
}

uint32_t dp_rng_u32(struct dp_rng *r)
{
    const unsigned char *p = NULL;

    r->nwords++;
    switch (r->kind) {
    case DP_RNG_SYSTEM:
    case DP_RNG_SEEDED:
        if (r->pos + 4 > sizeof(r->block))
            refill(r);
        p = r->block + r->pos;
        r->pos += 4;
        /* Little-endian, so that a seed gives the same words on every machine. */
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    case DP_RNG_SCRIPT:
        if (r->nwords > r->script_len)
            abort();
        return r->script[r->nwords - 1];
    }
    abort(); /* an uninitialised struct dp_rng */
}

/* ==== Exact uniform integers ==== */

#define TWO32 (((dp__u128)1) << 32)

/*
 * Each function below draws k-bit words x (k = 32, 64 or 128) and keeps the first
 * with x >= 2^k mod n, returning x mod n. The kept words are [2^k mod n, 2^k), a
 * run of a whole multiple of n values, so each residue comes from the same number
 * of words: exactly uniform. A word is thrown away with probability
 * (2^k mod n) / 2^k < n / 2^k, so the loop ends after fewer than 2 draws on average.
 * 2^k mod n is computed as (2^k - n) mod n, which unsigned negation gives.
 */
static uint32_t uniform32(struct dp_rng *r, uint32_t n)
{
    uint32_t threshold = (uint32_t)(0u - n) % n;

    for (;;) {
        uint32_t x = dp_rng_u32(r);
        if (x >= threshold)
            return x % n;
    }
}

static uint64_t rng_u64(struct dp_rng *r)
{
    uint64_t hi = dp_rng_u32(r);
    uint64_t lo = dp_rng_u32(r);
    return hi << 32 | lo;
}

static uint64_t uniform64(struct dp_rng *r, uint64_t n)
{
    uint64_t threshold = (0 - n) % n;

    for (;;) {
        uint64_t x = rng_u64(r);
        if (x >= threshold)
            return x % n;
    }
}

static dp__u128 uniform128(struct dp_rng *r, dp__u128 n)
{
    dp__u128 threshold = (0 - n) % n;

    for (;;) {
        dp__u128 hi = rng_u64(r);
        dp__u128 x = hi << 64 | rng_u64(r);
        if (x >= threshold)
            return x % n;
    }
}

int dp__uniform128(struct dp_rng *r, dp__u128 n, dp__u128 *out)
{
    if (n == 0)
        return ERR_INVALID;
    /* The smallest word size that holds n - 1, so small ranges cost one word. */
    if (n < TWO32)
        *out = uniform32(r, (uint32_t)n);
    else if (n == TWO32)
        *out = dp_rng_u32(r);
    else if (n < DP__2POW64)
        *out = uniform64(r, (uint64_t)n);
    else if (n == DP__2POW64)
        *out = rng_u64(r);
    else
        *out = uniform128(r, n);
    return 0;
}

int dp_uniform(struct dp_rng *r, uint64_t n, uint64_t *out)
{
    dp__u128 x = 0;
    int rc = dp__uniform128(r, n, &x);

    if (rc < 0)
        return rc;
    *out = (uint64_t)x;
    return 0;
}
