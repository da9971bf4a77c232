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
 * Speed: the keyed BLAKE2b states for the first salts and the HMAC inner and
 * outer states are computed once per feature (clk__fkeys_init) and copied per
 * token, so hashing a token costs no key setup and no allocation. The HMACs are
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

void clk__hmac_sha1(const struct clk__hmac_sha1 *h, const uint8_t *msg, size_t len,
                    uint8_t out[20])
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
        if (crypto_generichash_blake2b_init_salt_personal(&fk->blake[j], key0, key_size,
                                                          crypto_generichash_blake2b_BYTES_MAX,
                                                          salt, NULL) != 0)
            return err_set(e, ERR_INVALID, "feature '%s': BLAKE2b refused its key",
                           f->identifier);
    }
    return 0;
}

/* ==== inserting tokens ==== */

void clk__blake_insert(const struct clk__fkeys *fk, size_t key_size, const uint8_t *tok,
                       size_t len, uint64_t k, uint8_t *bf, uint64_t l)
{
    uint8_t h[crypto_generichash_blake2b_BYTES_MAX];
    uint8_t salt[crypto_generichash_blake2b_SALTBYTES];
    uint64_t mask = l - 1; /* l is a power of two: x % l == x & (l - 1) */
    size_t j, t, n;

    for (j = 0; k > 0; j++) {
        if (j < fk->nblake) {
            crypto_generichash_blake2b_state st = fk->blake[j];
            crypto_generichash_blake2b_update(&st, tok, len);
            crypto_generichash_blake2b_final(&st, h, sizeof(h));
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
            uint8_t extra[4];
            size_t nextra;
            /* chr(j).encode() is UTF-8; Python raises at the first surrogate. */
            if (j >= 0xD800)
                return err_set(e, ERR_INVALID,
                               "prevent_singularity cannot find a non-zero second hash with "
                               "l=%llu (clkhash fails here too)",
                               (unsigned long long)l);
            if (j < 0x80) {
                extra[0] = (uint8_t)j;
                nextra = 1;
            } else if (j < 0x800) {
                extra[0] = (uint8_t)(0xC0 | (j >> 6));
                extra[1] = (uint8_t)(0x80 | (j & 0x3F));
                nextra = 2;
            } else {
                extra[0] = (uint8_t)(0xE0 | (j >> 12));
                extra[1] = (uint8_t)(0x80 | ((j >> 6) & 0x3F));
                extra[2] = (uint8_t)(0x80 | (j & 0x3F));
                nextra = 3;
            }
            hmac_md5_2(&fk->md5, tok, len, extra, nextra, d2);
            h2 = be_mod(d2, sizeof(d2), l);
        }
    }
    for (i = 0; i < k; i++)
        clk__setbit(bf, (h1 + i * h2) % l);
    return 0;
}
