/*
 * clk_hash.c: keyed hashing of one token into Bloom filter indices, as clkhash's
 * bloomfilter.py does it.
 *
 * blakeHash (clkhash's default, blake_encode_ngrams): for j = 0, 1, ... while bits
 * remain, BLAKE2b with a 64-byte digest, keyed with the feature's first key and
 * salted with the ASCII decimal of j (zero-padded to 16 bytes, as Python's
 * hashlib pads it), is read as 32 little-endian 16-bit words (struct '32H' on a
 * little-endian machine); index t is word t mod l. l must be a power of two.
 *
 * doubleHash (Schnell et al. 2011, double_hash_encode_ngrams): h1 = HMAC-SHA1 with
 * the first key, h2 = HMAC-MD5 with the second key, both read as big-endian
 * integers mod l; index i is (h1 + i * h2) mod l. With prevent_singularity, while
 * h2 is 0 the MD5 HMAC is redone over the token followed by the UTF-8 encoding of
 * chr(j), j = 0, 1, ...
 *
 * Speed: the keyed BLAKE2b chaining values for the first salts and the HMAC inner
 * and outer states are computed once per feature (clk__fkeys_init), so a token
 * of up to 128 bytes costs one BLAKE2b compression and no allocation; longer
 * tokens go through libsodium. The HMACs are
 * built on OpenSSL's SHA1/MD5 contexts, which are plain structs and copy cheaply
 * (EVP contexts would allocate on every copy).
 */
#include "clk_int.h"

#include <stdio.h>
#include <string.h>

#include "banned.h"

/* ==== HMAC (RFC 2104) over OpenSSL's SHA-1 and MD5 ==== */

#define HMAC_BLOCK 64 /* block size of both SHA-1 and MD5 */

static void hmac_pads(const uint8_t *key, size_t key_len, uint8_t ipad[HMAC_BLOCK],
                      uint8_t opad[HMAC_BLOCK], int md5)
{
    uint8_t k[HMAC_BLOCK];
    size_t i;

    memset(k, 0, sizeof(k));
    if (key_len > HMAC_BLOCK) {
        if (md5)
            MD5(key, key_len, k);
        else
            SHA1(key, key_len, k);
    } else if (key_len > 0) {
        memcpy(k, key, key_len);
    }
    for (i = 0; i < HMAC_BLOCK; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    sodium_memzero(k, sizeof(k));
}

void clk__hmac_sha1_init(struct clk__hmac_sha1 *h, const uint8_t *key, size_t key_len)
{
    uint8_t ipad[HMAC_BLOCK], opad[HMAC_BLOCK];

    hmac_pads(key, key_len, ipad, opad, 0);
    SHA1_Init(&h->inner);
    SHA1_Update(&h->inner, ipad, HMAC_BLOCK);
    SHA1_Init(&h->outer);
    SHA1_Update(&h->outer, opad, HMAC_BLOCK);
    sodium_memzero(ipad, sizeof(ipad));
    sodium_memzero(opad, sizeof(opad));
}

void clk__hmac_sha1(const struct clk__hmac_sha1 *h, const uint8_t *msg, size_t len, uint8_t out[20])
{
    SHA_CTX c = h->inner;
    uint8_t ih[20];

    SHA1_Update(&c, msg, len);
    SHA1_Final(ih, &c);
    c = h->outer;
    SHA1_Update(&c, ih, sizeof(ih));
    SHA1_Final(out, &c);
}

void clk__hmac_md5_init(struct clk__hmac_md5 *h, const uint8_t *key, size_t key_len)
{
    uint8_t ipad[HMAC_BLOCK], opad[HMAC_BLOCK];

    hmac_pads(key, key_len, ipad, opad, 1);
    MD5_Init(&h->inner);
    MD5_Update(&h->inner, ipad, HMAC_BLOCK);
    MD5_Init(&h->outer);
    MD5_Update(&h->outer, opad, HMAC_BLOCK);
    sodium_memzero(ipad, sizeof(ipad));
    sodium_memzero(opad, sizeof(opad));
}

/* HMAC-MD5 of the concatenation a || b (b may be empty). */
static void hmac_md5_2(const struct clk__hmac_md5 *h, const uint8_t *a, size_t alen,
                       const uint8_t *b, size_t blen, uint8_t out[16])
{
    MD5_CTX c = h->inner;
    uint8_t ih[16];

    MD5_Update(&c, a, alen);
    if (blen > 0)
        MD5_Update(&c, b, blen);
    MD5_Final(ih, &c);
    c = h->outer;
    MD5_Update(&c, ih, sizeof(ih));
    MD5_Final(out, &c);
}

void clk__hmac_md5(const struct clk__hmac_md5 *h, const uint8_t *msg, size_t len, uint8_t out[16])
{
    hmac_md5_2(h, msg, len, NULL, 0, out);
}

/* ==== BLAKE2b (RFC 7693), split at the key block ==== */

/*
 * libsodium computes keyed BLAKE2b in two compressions per short message: the
 * key block, then the message block. The first depends only on the key and the
 * salt, so we run it once per feature and salt and keep its chaining value; each
 * token then costs one compression. The compression function below follows RFC
 * 7693 section 3.2; tests check it against libsodium on random inputs.
 */

static const uint64_t blake2b_iv[8] = {
    0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
    0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};

static const uint8_t blake2b_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

static inline uint64_t rotr64(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

static inline uint64_t load64(const uint8_t *p)
{
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
           ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
           ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
}

#define B2B_G(a, b, c, d, x, y)                                                                    \
    do {                                                                                           \
        v[a] = v[a] + v[b] + (x);                                                                  \
        v[d] = rotr64(v[d] ^ v[a], 32);                                                            \
        v[c] = v[c] + v[d];                                                                        \
        v[b] = rotr64(v[b] ^ v[c], 24);                                                            \
        v[a] = v[a] + v[b] + (y);                                                                  \
        v[d] = rotr64(v[d] ^ v[a], 16);                                                            \
        v[c] = v[c] + v[d];                                                                        \
        v[b] = rotr64(v[b] ^ v[c], 63);                                                            \
    } while (0)

/* Compress one 128-byte block into h; t is the byte count so far, last the final flag. */
static void blake2b_compress(uint64_t h[8], const uint8_t block[128], uint64_t t, int last)
{
    uint64_t v[16], m[16];
    size_t i;

    for (i = 0; i < 16; i++)
        m[i] = load64(block + 8 * i);
    for (i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = blake2b_iv[i];
    }
    v[12] ^= t;
    if (last)
        v[14] = ~v[14];
        /* unrolled so that the message schedule becomes constant indices */
#pragma GCC unroll 12
    for (i = 0; i < 12; i++) {
        const uint8_t *s = blake2b_sigma[i];
        B2B_G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        B2B_G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        B2B_G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        B2B_G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        B2B_G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        B2B_G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        B2B_G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        B2B_G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (i = 0; i < 8; i++)
        h[i] ^= v[i] ^ v[i + 8];
}

void clk__blake2b_mid(struct clk__blake_mid *mid, const uint8_t *key, size_t key_len,
                      const uint8_t salt[16])
{
    uint8_t block[128];
    int i;

    /* parameter block: digest 64, key length, fanout 1, depth 1, salt at byte 32 */
    for (i = 0; i < 8; i++)
        mid->h[i] = blake2b_iv[i];
    mid->h[0] ^= 0x01010000ull | ((uint64_t)key_len << 8) | 64u;
    mid->h[4] ^= load64(salt);
    mid->h[5] ^= load64(salt + 8);
    memset(block, 0, sizeof(block));
    memcpy(block, key, key_len);
    blake2b_compress(mid->h, block, 128, 0);
    sodium_memzero(block, sizeof(block));
}

void clk__blake2b_tail(const struct clk__blake_mid *mid, const uint8_t *msg, size_t len,
                       uint8_t out[64])
{
    uint8_t block[128];
    uint64_t h[8];
    int i, j;

    memcpy(h, mid->h, sizeof(h));
    memset(block, 0, sizeof(block));
    memcpy(block, msg, len);
    blake2b_compress(h, block, 128 + (uint64_t)len, 1);
    for (i = 0; i < 8; i++)
        for (j = 0; j < 8; j++)
            out[8 * i + j] = (uint8_t)(h[i] >> (8 * j));
}

/* ==== four messages at once (AVX2) ==== */

/*
 * clk__blake2b_tail4 runs four independent final compressions in the four 64-bit
 * lanes of AVX2 registers: the same G function, each lane its own message,
 * counter and chaining value. A record has a few dozen tokens, so encoding gathers
 * them four by four (clk_encode.c). Without AVX2 the lanes run one by one.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i rot32_4(__m256i x)
{
    return _mm256_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1));
}

AVX2 static inline __m256i rot24_4(__m256i x)
{
    const __m256i r24 = _mm256_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, 3, 4,
                                         5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10);
    return _mm256_shuffle_epi8(x, r24);
}

AVX2 static inline __m256i rot16_4(__m256i x)
{
    const __m256i r16 = _mm256_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, 2, 3,
                                         4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9);
    return _mm256_shuffle_epi8(x, r16);
}

AVX2 static inline __m256i rot63_4(__m256i x)
{
    return _mm256_or_si256(_mm256_srli_epi64(x, 63), _mm256_add_epi64(x, x));
}

#define B2B_G4(a, b, c, d, x, y)                                                                   \
    do {                                                                                           \
        v[a] = _mm256_add_epi64(_mm256_add_epi64(v[a], v[b]), (x));                                \
        v[d] = rot32_4(_mm256_xor_si256(v[d], v[a]));                                              \
        v[c] = _mm256_add_epi64(v[c], v[d]);                                                       \
        v[b] = rot24_4(_mm256_xor_si256(v[b], v[c]));                                              \
        v[a] = _mm256_add_epi64(_mm256_add_epi64(v[a], v[b]), (y));                                \
        v[d] = rot16_4(_mm256_xor_si256(v[d], v[a]));                                              \
        v[c] = _mm256_add_epi64(v[c], v[d]);                                                       \
        v[b] = rot63_4(_mm256_xor_si256(v[b], v[c]));                                              \
    } while (0)

AVX2 static void tail4_avx2(const struct clk__blake_mid *const mid[4], const uint8_t (*blocks)[128],
                            const size_t len[4], uint8_t (*out)[64])
{
    __m256i v[16], m[16], h[8];
    uint64_t lanes[4];
    size_t i;
    int r;

    for (i = 0; i < 16; i++)
        m[i] = _mm256_set_epi64x(
            (long long)load64(blocks[3] + 8 * i), (long long)load64(blocks[2] + 8 * i),
            (long long)load64(blocks[1] + 8 * i), (long long)load64(blocks[0] + 8 * i));
    for (i = 0; i < 8; i++) {
        h[i] = _mm256_set_epi64x((long long)mid[3]->h[i], (long long)mid[2]->h[i],
                                 (long long)mid[1]->h[i], (long long)mid[0]->h[i]);
        v[i] = h[i];
        v[i + 8] = _mm256_set1_epi64x((long long)blake2b_iv[i]);
    }
    v[12] = _mm256_xor_si256(v[12],
                             _mm256_set_epi64x((long long)len[3] + 128, (long long)len[2] + 128,
                                               (long long)len[1] + 128, (long long)len[0] + 128));
    v[14] = _mm256_xor_si256(v[14], _mm256_set1_epi64x(-1));
#pragma GCC unroll 12
    for (r = 0; r < 12; r++) {
        const uint8_t *s = blake2b_sigma[r];
        B2B_G4(0, 4, 8, 12, m[s[0]], m[s[1]]);
        B2B_G4(1, 5, 9, 13, m[s[2]], m[s[3]]);
        B2B_G4(2, 6, 10, 14, m[s[4]], m[s[5]]);
        B2B_G4(3, 7, 11, 15, m[s[6]], m[s[7]]);
        B2B_G4(0, 5, 10, 15, m[s[8]], m[s[9]]);
        B2B_G4(1, 6, 11, 12, m[s[10]], m[s[11]]);
        B2B_G4(2, 7, 8, 13, m[s[12]], m[s[13]]);
        B2B_G4(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (i = 0; i < 8; i++) {
        int lane, j;
        h[i] = _mm256_xor_si256(h[i], _mm256_xor_si256(v[i], v[i + 8]));
        _mm256_storeu_si256((__m256i *)lanes, h[i]);
        for (lane = 0; lane < 4; lane++)
            for (j = 0; j < 8; j++)
                out[lane][8 * i + j] = (uint8_t)(lanes[lane] >> (8 * j));
    }
}

static int have_avx2(void)
{
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return cached;
}
#else
static int have_avx2(void)
{
    return 0;
}
#endif

void clk__blake2b_tail4(const struct clk__blake_mid *const mid[4], const uint8_t (*blocks)[128],
                        const size_t len[4], uint8_t (*out)[64])
{
    int lane;

#if defined(__x86_64__) && defined(__GNUC__)
    if (have_avx2()) {
        tail4_avx2(mid, blocks, len, out);
        return;
    }
#endif
    for (lane = 0; lane < 4; lane++)
        clk__blake2b_tail(mid[lane], blocks[lane], len[lane], out[lane]);
}

/* ==== per-feature key setup ==== */

/* clkhash's salt for round j: str(j).encode(), zero-padded to 16 bytes by hashlib. */
static void blake_salt(size_t j, uint8_t salt[crypto_generichash_blake2b_SALTBYTES])
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%zu", j);

    memset(salt, 0, crypto_generichash_blake2b_SALTBYTES);
    if (n > 0 && (size_t)n <= crypto_generichash_blake2b_SALTBYTES)
        memcpy(salt, digits, (size_t)n);
}

int clk__fkeys_init(struct clk__fkeys *fk, const struct clk__feature *f, const uint8_t *key0,
                    const uint8_t *key1, size_t key_size, struct err *e)
{
    uint8_t salt[crypto_generichash_blake2b_SALTBYTES];
    uint64_t kmax;
    size_t j;

    memset(fk, 0, sizeof(*fk));
    fk->key0 = key0;
    fk->key1 = key1;
    if (f->ignored)
        return 0;
    if (f->hash == CLK_HASH_DOUBLE) {
        clk__hmac_sha1_init(&fk->sha1, key0, key_size);
        clk__hmac_md5_init(&fk->md5, key1, key_size);
        return 0;
    }
    /* Python's hashlib.blake2b() refuses keys over 64 bytes; so does clkhash. */
    if (key_size > crypto_generichash_blake2b_KEYBYTES_MAX)
        return err_set(e, ERR_INVALID,
                       "feature '%s': blakeHash needs keySize of at most %d bytes, not %zu",
                       f->identifier, crypto_generichash_blake2b_KEYBYTES_MAX, key_size);
    /* Rounds of 32 indices each that one token can need. */
    kmax = f->bits;
    fk->nblake = (size_t)((kmax + 31) / 32);
    if (fk->nblake > CLK_BLAKE_STATES)
        fk->nblake = CLK_BLAKE_STATES;
    for (j = 0; j < fk->nblake; j++) {
        blake_salt(j, salt);
        clk__blake2b_mid(&fk->blake[j], key0, key_size, salt);
    }
    return 0;
}

/* ==== inserting tokens ==== */

void clk__blake_insert(const struct clk__fkeys *fk, size_t key_size, const uint8_t *tok, size_t len,
                       uint64_t k, uint8_t *bf, uint64_t l)
{
    uint8_t h[crypto_generichash_blake2b_BYTES_MAX];
    uint8_t salt[crypto_generichash_blake2b_SALTBYTES];
    uint64_t mask = l - 1; /* l is a power of two: x % l == x & (l - 1) */
    size_t j, t, n;

    for (j = 0; k > 0; j++) {
        if (j < fk->nblake && len >= 1 && len <= 128) {
            clk__blake2b_tail(&fk->blake[j], tok, len, h);
        } else {
            blake_salt(j, salt);
            crypto_generichash_blake2b_salt_personal(h, sizeof(h), tok, len, fk->key0, key_size,
                                                     salt, NULL);
        }
        n = k < 32 ? (size_t)k : 32;
        for (t = 0; t < n; t++) {
            uint64_t word = (uint64_t)h[2 * t] | ((uint64_t)h[2 * t + 1] << 8);
            clk__setbit(bf, word & mask);
        }
        k -= n;
    }
}

/* A big-endian unsigned integer modulo l. */
static uint64_t be_mod(const uint8_t *d, size_t n, uint64_t l)
{
    uint64_t r = 0;
    size_t i;

    for (i = 0; i < n; i++)
        r = ((r << 8) | d[i]) % l;
    return r;
}

int clk__double_insert(const struct clk__fkeys *fk, bool non_singular, const uint8_t *tok,
                       size_t len, uint64_t k, uint8_t *bf, uint64_t l, struct err *e)
{
    uint8_t d1[20], d2[16];
    uint64_t h1, h2, i;

    clk__hmac_sha1(&fk->sha1, tok, len, d1);
    clk__hmac_md5(&fk->md5, tok, len, d2);
    h1 = be_mod(d1, sizeof(d1), l);
    h2 = be_mod(d2, sizeof(d2), l);
    if (non_singular) {
        uint32_t j;
        for (j = 0; h2 == 0; j++) {
            char extra[4];
            size_t nextra;
            /* chr(j).encode() is UTF-8; Python raises at the first surrogate. */
            if (j >= 0xD800)
                return err_set(e, ERR_INVALID,
                               "prevent_singularity cannot find a non-zero second hash with "
                               "l=%llu (clkhash fails here too)",
                               (unsigned long long)l);
            nextra = clk__utf8_encode(j, extra);
            hmac_md5_2(&fk->md5, tok, len, (const uint8_t *)extra, nextra, d2);
            h2 = be_mod(d2, sizeof(d2), l);
        }
    }
    for (i = 0; i < k; i++)
        clk__setbit(bf, (h1 + i * h2) % l);
    return 0;
}
