/*
 * clk_int.h: private to the clk module (src/clk_*.c). The parsed schema, the
 * encoder's precomputed state, and the helpers the files share.
 *
 * The pipeline for one value of one feature follows clkhash's crypto_bloom_filter():
 *
 *   raw value --(missingValue sentinel?)--> replaceWith ----------------+
 *       |                                                             |
 *       +--> [normalise (extension)] --> validate --> format ------+--+--> tokenise
 *                                                                        |
 *   filter of l * 2^xor_folds bits <-- hash each token k_i times <-------+
 *
 * and, after every feature, XOR folding down to l bits.
 *
 *   clk_schema.c  JSON schema parsing and validation
 *   clk_format.c  value validation and formatting (string, integer, date, enum)
 *   clk_tokens.c  tokenisers (ngram, exact, numeric) and bit strategies
 *   clk_kdf.c     HKDF key derivation
 *   clk_hash.c    keyed hashing of tokens into filter indices (BLAKE2b, double hash)
 *   clk_encode.c  the encoder: one record to one CLK, folding, base64
 */
#ifndef TIPHUB_CLK_INT_H
#define TIPHUB_CLK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "buf.h"
#include "clk.h"
#include "err.h"
#include "norm.h"

/* 128-bit integers for clkhash's numeric comparison (Python ints are unbounded). */
__extension__ typedef __int128 clk__i128;
__extension__ typedef unsigned __int128 clk__u128;

enum clk__fmt { CLK_FMT_STRING, CLK_FMT_INTEGER, CLK_FMT_DATE, CLK_FMT_ENUM };
enum clk__enc { CLK_ENC_UTF8, CLK_ENC_ASCII, CLK_ENC_UTF16, CLK_ENC_UTF32 };
enum clk__case { CLK_CASE_MIXED, CLK_CASE_UPPER, CLK_CASE_LOWER };
enum clk__cmp { CLK_CMP_NGRAM, CLK_CMP_EXACT, CLK_CMP_NUMERIC };
enum clk__hash { CLK_HASH_BLAKE, CLK_HASH_DOUBLE };

/* Limits beyond which a valid schema is refused with ERR_UNSUPPORTED. */
#define CLK_MAX_BITS       1000000u /* bitsPerToken / bitsPerFeature */
#define CLK_MAX_NGRAM      1000u    /* n of n-grams */
#define CLK_MAX_RESOLUTION 10000u   /* numeric resolution */
#define CLK_MAX_FRACTIONAL 18u      /* numeric fractional_precision */
#define CLK_MAX_KEY_SIZE   4096u    /* kdf keySize in bytes */
#define CLK_MAX_WARNINGS   8

struct clk__date; /* a compiled strptime format (clk_format.c) */

struct clk__feature {
    char *identifier;
    bool ignored;

    /* format */
    enum clk__fmt fmt;
    enum clk__enc encoding;
    enum clk__case letter_case;
    bool has_min_len, has_max_len;
    uint64_t min_len, max_len;
    void *regex;       /* pcre2_code * for "pattern", or NULL */
    void *regex_match; /* pcre2_match_data * for it */
    bool has_minimum, has_maximum;
    int64_t minimum, maximum;
    struct clk__date *date;
    char **enum_values; /* "values", UTF-8 */
    size_t *enum_lens;
    size_t nenum;

    /* hashing */
    enum clk__cmp cmp;
    unsigned ngram_n;
    bool positional;
    clk__i128 num_interval; /* distance_interval of NumericComparison */
    unsigned num_resolution;
    unsigned num_fractional;
    bool bits_per_feature; /* strategy: bitsPerFeature (else bitsPerToken) */
    uint64_t bits;
    enum clk__hash hash;
    bool prevent_singularity;
    bool has_missing;
    char *sentinel;
    size_t sentinel_len;
    char *replace_with; /* the sentinel itself when replaceWith is absent */
    size_t replace_len;

    /* extensions */
    bool has_norm;
    struct norm_rules norm;
    bool has_keys_of; /* CLK_KEYS_OF_KEY: hash with the keys of feature keys_of */
    size_t keys_of;   /* an earlier feature, not ignored, with the same hash type */
};

struct clk_schema {
    uint64_t l;
    unsigned xor_folds;
    unsigned kdf_hash_bits; /* 256 or 512 */
    uint8_t *salt;          /* NULL when absent */
    size_t salt_len;
    uint8_t *info; /* NULL when absent */
    size_t info_len;
    size_t key_size;
    struct clk__feature *features;
    size_t nfeatures;
    char *warnings[CLK_MAX_WARNINGS];
    size_t nwarnings;
};

/* HMAC with its inner and outer hash states precomputed from the key. */
struct clk__hmac_sha1 {
    SHA_CTX inner, outer;
};
struct clk__hmac_md5 {
    MD5_CTX inner, outer;
};

#define CLK_BLAKE_STATES 8 /* keyed BLAKE2b states precomputed per feature (salts "0".."7") */

/*
 * BLAKE2b's chaining value after the key block, for one key and salt: hashing a
 * message of 1 to 128 bytes then takes one compression (clk__blake2b_tail).
 */
struct clk__blake_mid {
    uint64_t h[8];
};

struct clk__fkeys {
    struct clk__blake_mid blake[CLK_BLAKE_STATES];
    size_t nblake;
    const uint8_t *key0; /* first key of the feature (BLAKE2b key, HMAC-SHA1 key) */
    const uint8_t *key1; /* second key (HMAC-MD5 key) */
    struct clk__hmac_sha1 sha1;
    struct clk__hmac_md5 md5;
};

/* Per-encoder scratch space, grown as needed and reused for every record. */
struct clk__scratch {
    struct buf value; /* the formatted value */
    struct buf norm;  /* the normalised value */
    struct buf token; /* one encoded token */
    uint32_t *cps;    /* code points of the value, with n-gram padding */
    size_t ncps, cps_cap;
    struct buf padded; /* utf-8/ascii: the padded value as UTF-8 */
    size_t *offs;      /* utf-8/ascii: byte offset of each code point in padded */
    size_t offs_cap;
    clk__i128 num_v; /* numeric: the quantised value */
};

/* Tokens waiting to be hashed four at a time (one BLAKE2b round each). */
struct clk__batch {
    const struct clk__blake_mid *mid[4];
    uint8_t blocks[4][128];
    size_t len[4];
    uint64_t k[4];
    int n;
};

struct clk_encoder {
    const struct clk_schema *schema;
    unsigned flags;
    uint8_t *keys; /* 2 * nfeatures * key_size derived bytes */
    size_t keys_len;
    struct clk__fkeys *fkeys; /* one per feature */
    uint64_t hash_l;          /* l * 2^xor_folds */
    size_t hash_bytes;
    uint8_t *filter; /* hash_bytes, rounded up to 8 */
    struct clk__scratch sc;
    struct clk__batch batch;
};

/* ---- clk_format.c ---- */

/*
 * Decode UTF-8 s[0..len) into cps (room for len code points). Returns the number
 * of code points, or -1 for invalid UTF-8 (as Python's strict decoder rejects it:
 * overlong forms, surrogates, values over U+10FFFF).
 */
long clk__utf8_decode(const char *s, size_t len, uint32_t *cps);

/* Code point cp (at most U+10FFFF) as UTF-8 in out; returns its length, 1 to 4. */
size_t clk__utf8_encode(uint32_t cp, char out[4]);
/* Append code point cp as UTF-8 to b. */
int clk__utf8_put(struct buf *b, uint32_t cp);

/* The value 0-9 of a Unicode decimal digit (Python's \\d and int()), or -1. */
int clk__py_digit(uint32_t cp);

/* True for the characters Python's str.isspace() and int() treat as white space. */
bool clk__py_space(uint32_t cp);

/* Compile a strptime format as Python's _strptime does; why gets the reason. */
int clk__date_compile(const char *fmt, struct clk__date **out, char *why, size_t why_size);
void clk__date_free(struct clk__date *d);

/*
 * Parse s[0..len) with d as Python's datetime.strptime() would, and append the
 * date as "%Y%m%d" (clkhash's DateSpec.OUTPUT_FORMAT) to out. Returns 0 or
 * ERR_INVALID with why set.
 */
int clk__date_format(const struct clk__date *d, const char *s, size_t len, struct buf *out,
                     char *why, size_t why_size);

/* Compile a Python regular expression (clkhash's re_compile_full); 0 or ERR_INVALID. */
int clk__regex_compile(struct clk__feature *f, const char *pattern, size_t len, char *why,
                       size_t why_size);
void clk__regex_free(struct clk__feature *f);

/*
 * Parse s[0..len) as Python's int(s, 10) and append str() of it to out (no sign
 * for zero or positives, no leading zeros). Returns 0 or ERR_INVALID.
 */
int clk__py_int_canonical(const char *s, size_t len, struct buf *out);

/*
 * Validate value v (not a missing-value sentinel) against f's format. For integer
 * and date features the check computes the formatted value, which is left in
 * sc->value: clk__format() need not run again (for other types it must).
 */
int clk__validate(const struct clk__feature *f, const char *v, size_t len, struct clk__scratch *sc,
                  struct err *e);

/* Format v for hashing into sc->value (integer and date are rewritten). */
int clk__format(const struct clk__feature *f, const char *v, size_t len, struct clk__scratch *sc,
                struct err *e);

/* ---- clk_tokens.c ---- */

/*
 * Prepare the tokens of the formatted value sc->value for f: decode and pad it
 * (n-grams) or quantise it (numeric). *ntokens gets the number of tokens, which
 * is 0 for an empty value. Returns 0 or ERR_INVALID (a numeric value that does
 * not parse or is out of range).
 */
int clk__tokens_prepare(const struct clk__feature *f, struct clk__scratch *sc, size_t *ntokens,
                        struct err *e);

/* Write token i (< ntokens) to sc->token, encoded in f's encoding. */
int clk__token(const struct clk__feature *f, struct clk__scratch *sc, size_t i, struct err *e);

/* Bits for token i of ntokens under f's strategy (clkhash's bits_per_token). */
uint64_t clk__bits_for_token(const struct clk__feature *f, size_t i, size_t ntokens);

/* Append code point cp to b in encoding enc (without byte-order mark). */
int clk__encode_cp(struct buf *b, enum clk__enc enc, uint32_t cp);

/* ---- clk_kdf.c ---- */

/*
 * HKDF (RFC 5869) with SHA-256 (hash_bits 256) or SHA-512 (512). salt may be NULL
 * (absent: HashLen zero bytes) and info NULL. Writes out_len bytes to out.
 * Returns 0, or ERR_INVALID when out_len exceeds 255 * HashLen or OpenSSL fails.
 */
int clk__hkdf(unsigned hash_bits, const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
              size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len,
              struct err *e);

/* ---- clk_hash.c ---- */

void clk__hmac_sha1_init(struct clk__hmac_sha1 *h, const uint8_t *key, size_t key_len);
void clk__hmac_sha1(const struct clk__hmac_sha1 *h, const uint8_t *msg, size_t len,
                    uint8_t out[20]);
void clk__hmac_md5_init(struct clk__hmac_md5 *h, const uint8_t *key, size_t key_len);
void clk__hmac_md5(const struct clk__hmac_md5 *h, const uint8_t *msg, size_t len, uint8_t out[16]);

/*
 * BLAKE2b-512 with a key (1 to 64 bytes) and a 16-byte salt, in two steps: the
 * chaining value after the key block, then one message of 1 to 128 bytes. The
 * result equals crypto_generichash_blake2b_salt_personal() with no personal.
 */
void clk__blake2b_mid(struct clk__blake_mid *m, const uint8_t *key, size_t key_len,
                      const uint8_t salt[16]);
void clk__blake2b_tail(const struct clk__blake_mid *m, const uint8_t *msg, size_t len,
                       uint8_t out[64]);

/*
 * Four final compressions at once (AVX2 when the CPU has it): lane i hashes
 * blocks[i][0..len[i]) (the rest of the block must be zero) from mid[i].
 */
void clk__blake2b_tail4(const struct clk__blake_mid *const mid[4], const uint8_t (*blocks)[128],
                        const size_t len[4], uint8_t (*out)[64]);

/* Set up a feature's hash states from its two keys of key_size bytes. */
int clk__fkeys_init(struct clk__fkeys *fk, const struct clk__feature *f, const uint8_t *key0,
                    const uint8_t *key1, size_t key_size, struct err *e);

/*
 * Insert token tok[0..len) k times into the filter bf of l bits (bit i is the
 * bit 0x80 >> (i % 8) of bf[i / 8]) the way clkhash's blake_encode_ngrams()
 * does: BLAKE2b-512 keyed with key0, salted with str(j), read as little-endian
 * 16-bit words, each modulo l.
 */
void clk__blake_insert(const struct clk__fkeys *fk, size_t key_size, const uint8_t *tok, size_t len,
                       uint64_t k, uint8_t *bf, uint64_t l);

/*
 * Insert a token k times the way clkhash's double_hash_encode_ngrams() does
 * (HMAC-SHA1 and HMAC-MD5, g_i = h1 + i * h2 mod l), or its _non_singular
 * variant. Returns 0, or ERR_INVALID when the non-singular loop would run past
 * what clkhash can (it raises there).
 */
int clk__double_insert(const struct clk__fkeys *fk, bool non_singular, const uint8_t *tok,
                       size_t len, uint64_t k, uint8_t *bf, uint64_t l, struct err *e);

static inline void clk__setbit(uint8_t *bf, uint64_t i)
{
    bf[i >> 3] |= (uint8_t)(0x80u >> (i & 7));
}

/* ---- clk_encode.c ---- */

/* XOR-fold bf of n bits (n divisible by 2^folds) in place; returns the new length. */
uint64_t clk__fold(uint8_t *bf, uint64_t n, unsigned folds);

/* ---- clk_norm.c ---- */

/*
 * Parse a feature's normalisation extension (value is a json_t *, path its JSON path
 * for messages) into f->norm; 0 or ERR_INVALID/ERR_UNSUPPORTED.
 */
int clk__norm_parse(struct clk__feature *f, const void *value, const char *path, struct err *e);

/* Apply a feature's normalisation to v[0..len), result in sc->norm. */
int clk__norm_apply(const struct clk__feature *f, const char *v, size_t len,
                    struct clk__scratch *sc, struct err *e);

#endif
