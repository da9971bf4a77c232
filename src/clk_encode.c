/*
 * clk_encode.c: the encoder, turning one record into one CLK.
 *
 * clk_encoder_new() derives the keys as clkhash's generate_key_lists() does:
 * one HKDF call for 2 * nfeatures keys of keySize bytes (ignored features count),
 * feature i getting keys 2i and 2i+1; then it precomputes each feature's hash
 * states (clk_hash.c).
 *
 * clk_encode() follows crypto_bloom_filter(): a filter of l * 2^xor_folds bits,
 * all zero; for every feature that is not ignored, the value is checked and
 * formatted (clk_format.c), tokenised (clk_tokens.c), and each token's bits set
 * (clk_hash.c); then the filter is XOR-folded xor_folds times (the first half
 * XOR the second half) down to l bits. Bit i is the bit 0x80 >> (i % 8) of byte
 * i / 8 (bitarray's default big-endian bit order), so the bytes are what
 * clkhash's bitarray.tobytes() gives, and base64 of them is its serialisation.
 *
 * clkhash validates all records before hashing any; a caller that wants that
 * all-or-nothing behaviour (the CLI does) stops at the first error.
 */
#include "clk_int.h"

#include <string.h>

#include "xalloc.h"

#include "banned.h"

int clk_encoder_new(const struct clk_schema *s, const void *secret, size_t secret_len,
                    unsigned flags, struct clk_encoder **out, struct err *e)
{
    struct clk_encoder *enc = NULL;
    size_t i;
    int rc;

    *out = NULL;
    if (sodium_init() < 0)
        return err_set(e, ERR_INVALID, "libsodium failed to start");
    enc = xcalloc(1, sizeof(*enc));
    enc->schema = s;
    enc->flags = flags;
    enc->hash_l = s->l << s->xor_folds;
    enc->hash_bytes = (size_t)((enc->hash_l + 7) / 8);
    enc->filter = xcalloc((enc->hash_bytes + 7) / 8 * 8 + 8, 1);
    buf_init(&enc->sc.value, BUF_MAX_LINE);
    buf_init(&enc->sc.norm, BUF_MAX_LINE);
    buf_init(&enc->sc.token, BUF_MAX_LINE);
    buf_init(&enc->sc.padded, BUF_MAX_LINE);
    enc->fkeys = xcalloc(s->nfeatures + 1, sizeof(*enc->fkeys));

    if (s->nfeatures > 0) {
        enc->keys_len = st_mult(st_mult(2, s->nfeatures), s->key_size);
        enc->keys = sodium_malloc(enc->keys_len);
        if (enc->keys == NULL)
            abort();
        rc = clk__hkdf(s->kdf_hash_bits, secret, secret_len, s->salt, s->salt_len, s->info,
                       s->info_len, enc->keys, enc->keys_len, e);
        if (rc < 0)
            goto fail;
    }
    for (i = 0; i < s->nfeatures; i++) {
        size_t from = s->features[i].has_keys_of ? s->features[i].keys_of : i;
        const uint8_t *k0 = enc->keys + 2 * from * s->key_size;
        rc = clk__fkeys_init(&enc->fkeys[i], &s->features[i], k0, k0 + s->key_size, s->key_size, e);
        if (rc < 0)
            goto fail;
    }
    *out = enc;
    return 0;
fail:
    clk_encoder_free(enc);
    return rc;
}

void clk_encoder_free(struct clk_encoder *enc)
{
    if (enc == NULL)
        return;
    if (enc->keys != NULL)
        sodium_free(enc->keys); /* wipes */
    if (enc->fkeys != NULL) {
        sodium_memzero(enc->fkeys, (enc->schema->nfeatures + 1) * sizeof(*enc->fkeys));
        free(enc->fkeys);
    }
    free(enc->filter);
    buf_release(&enc->sc.value);
    buf_release(&enc->sc.norm);
    buf_release(&enc->sc.token);
    buf_release(&enc->sc.padded);
    free(enc->sc.cps);
    free(enc->sc.offs);
    free(enc);
}

size_t clk_encoder_bytes(const struct clk_encoder *enc)
{
    return (size_t)((enc->schema->l + 7) / 8);
}

/* Get bit i of bf. */
static inline unsigned getbit(const uint8_t *bf, uint64_t i)
{
    return (bf[i >> 3] >> (7 - (i & 7))) & 1u;
}

uint64_t clk__fold(uint8_t *bf, uint64_t n, unsigned folds)
{
    unsigned f;

    for (f = 0; f < folds; f++) {
        uint64_t half = n / 2, i;
        if (half % 8 == 0) {
            size_t bytes = (size_t)(half / 8), j;
            for (j = 0; j < bytes; j++)
                bf[j] ^= bf[bytes + j];
        } else {
            for (i = 0; i < half; i++) {
                unsigned b = getbit(bf, i) ^ getbit(bf, half + i);
                uint8_t mask = (uint8_t)(0x80u >> (i & 7));
                bf[i >> 3] = (uint8_t)(b ? bf[i >> 3] | mask : bf[i >> 3] & ~mask);
            }
        }
        n = half;
    }
    return n;
}

/* Hash the waiting tokens and set their bits. */
static void batch_flush(struct clk_encoder *enc)
{
    struct clk__batch *b = &enc->batch;
    uint8_t out[4][64];
    uint64_t mask = enc->hash_l - 1;
    int lane;
    size_t t;

    if (b->n == 0)
        return;
    for (lane = b->n; lane < 4; lane++) {
        /* idle lanes repeat lane 0; their output is not used */
        b->mid[lane] = b->mid[0];
        b->len[lane] = b->len[0];
        memcpy(b->blocks[lane], b->blocks[0], sizeof(b->blocks[0]));
    }
    clk__blake2b_tail4(b->mid, (const uint8_t(*)[128])b->blocks, b->len, out);
    for (lane = 0; lane < b->n; lane++)
        for (t = 0; t < b->k[lane]; t++) {
            uint64_t word = (uint64_t)out[lane][2 * t] | ((uint64_t)out[lane][2 * t + 1] << 8);
            clk__setbit(enc->filter, word & mask);
        }
    b->n = 0;
}

/* Queue a token that needs one BLAKE2b round (k <= 32, 1 to 128 bytes). */
static void batch_add(struct clk_encoder *enc, const struct clk__blake_mid *mid, const uint8_t *tok,
                      size_t len, uint64_t k)
{
    struct clk__batch *b = &enc->batch;
    int lane = b->n;

    b->mid[lane] = mid;
    memset(b->blocks[lane], 0, sizeof(b->blocks[lane]));
    memcpy(b->blocks[lane], tok, len);
    b->len[lane] = len;
    b->k[lane] = k;
    if (++b->n == 4)
        batch_flush(enc);
}

/* Hash one feature's value into the filter. */
static int encode_value(struct clk_encoder *enc, size_t fi, const char *v, size_t len,
                        struct err *e)
{
    const struct clk_schema *s = enc->schema;
    const struct clk__feature *f = &s->features[fi];
    const struct clk__fkeys *fk = &enc->fkeys[fi];
    struct clk__scratch *sc = &enc->sc;
    size_t ntokens = 0, t;
    int rc;

    if (f->has_missing && len == f->sentinel_len && memcmp(v, f->sentinel, len) == 0) {
        /* A missing value is not validated and becomes replaceWith. */
        buf_reset(&sc->value);
        if (buf_append(&sc->value, f->replace_with, f->replace_len) < 0)
            return err_set(e, ERR_TOOBIG, "column '%s': value too long", f->identifier);
    } else {
        if (f->has_norm) {
            rc = clk__norm_apply(f, v, len, sc, e);
            if (rc < 0)
                return rc;
            v = sc->norm.data;
            len = sc->norm.len;
        }
        bool formatted = false;
        if (!(enc->flags & CLK_NO_VALIDATE)) {
            rc = clk__validate(f, v, len, sc, e);
            if (rc < 0)
                return rc;
            formatted = f->fmt == CLK_FMT_INTEGER || f->fmt == CLK_FMT_DATE;
        }
        if (!formatted) {
            rc = clk__format(f, v, len, sc, e);
            if (rc < 0)
                return rc;
        }
    }
    rc = clk__tokens_prepare(f, sc, &ntokens, e);
    if (rc < 0)
        return rc;
    for (t = 0; t < ntokens; t++) {
        uint64_t k = clk__bits_for_token(f, t, ntokens);
        rc = clk__token(f, sc, t, e);
        if (rc < 0)
            return rc;
        if (f->hash == CLK_HASH_BLAKE) {
            if (k == 0)
                continue;
            if (k <= 32 && fk->nblake > 0 && sc->token.len >= 1 && sc->token.len <= 128)
                batch_add(enc, &fk->blake[0], (const uint8_t *)sc->token.data, sc->token.len, k);
            else
                clk__blake_insert(fk, s->key_size, (const uint8_t *)sc->token.data, sc->token.len,
                                  k, enc->filter, enc->hash_l);
        } else {
            rc = clk__double_insert(fk, f->prevent_singularity, (const uint8_t *)sc->token.data,
                                    sc->token.len, k, enc->filter, enc->hash_l, e);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int clk_encode(struct clk_encoder *enc, const struct clk_value *values, size_t nvalues,
               uint8_t *out, unsigned *popcount, struct err *e)
{
    const struct clk_schema *s = enc->schema;
    size_t i, nbytes = clk_encoder_bytes(enc);
    unsigned pc = 0;
    int rc;

    if (nvalues != s->nfeatures)
        return err_set(e, ERR_INVALID, "record has %zu values when %zu are expected", nvalues,
                       s->nfeatures);
    memset(enc->filter, 0, enc->hash_bytes);
    enc->batch.n = 0;
    for (i = 0; i < s->nfeatures; i++) {
        if (s->features[i].ignored)
            continue;
        rc = encode_value(enc, i, values[i].data != NULL ? values[i].data : "", values[i].len, e);
        if (rc < 0)
            return rc;
    }
    batch_flush(enc);
    clk__fold(enc->filter, enc->hash_l, s->xor_folds);
    memcpy(out, enc->filter, nbytes);
    if (s->l % 8 != 0)
        out[nbytes - 1] &= (uint8_t)(0xFFu << (8 - s->l % 8));
    for (i = 0; i < nbytes; i++) {
        /* byte popcount without needing the POPCNT instruction */
        unsigned x = out[i];
        x = x - ((x >> 1) & 0x55u);
        x = (x & 0x33u) + ((x >> 2) & 0x33u);
        pc += (x + (x >> 4)) & 0x0Fu;
    }
    if (popcount != NULL)
        *popcount = pc;
    return 0;
}

int clk_base64(const uint8_t *clk, size_t len, struct buf *b)
{
    size_t need = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    int rc = buf_grow(b, need);

    if (rc < 0)
        return rc;
    sodium_bin2base64(b->data + b->len, need, clk, len, sodium_base64_VARIANT_ORIGINAL);
    b->len += need - 1; /* need counts the NUL */
    return 0;
}
