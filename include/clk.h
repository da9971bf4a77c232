/*
 * clk.h: CLK encoding (keyed Bloom filters, Schnell et al.), byte-compatible with
 * data61's clkhash, driven by a clkhash v3 linkage schema.
 *
 * A linkage schema (JSON, version 3) lists the features of a record in order: how
 * each value is validated and formatted, tokenised (n-grams, exact, numeric), and
 * hashed into one Bloom filter of l bits (blakeHash or doubleHash), and how the
 * per-feature keys are derived from the shared secret (HKDF). For the same schema,
 * secret and values, clk_encode() writes the same bytes as clkhash's
 * generate_clks(), and clk_base64() the same text as its serialize_bitarray().
 * docs/internals/clk.md lists every clkhash behaviour reproduced here and says
 * which were read in clkhash's source and which were inferred.
 *
 * Use: parse the schema once, make an encoder once (it derives the keys and
 * precomputes the hash states), then encode many records into caller-provided
 * bytes. Encoding allocates nothing per record. An encoder holds scratch space, so
 * one encoder serves one thread at a time; make one per thread.
 *
 *     struct clk_schema *s = NULL;
 *     struct clk_encoder *enc = NULL;
 *     if (clk_schema_parse(json, len, &s, &e) < 0 ||
 *         clk_encoder_new(s, secret, secret_len, 0, &enc, &e) < 0) ...
 *     uint8_t *bf = xmalloc(clk_encoder_bytes(enc));
 *     for each record: clk_encode(enc, values, nvalues, bf, &popcount, &e);
 *
 * Extension: a feature may carry the key "x-tiphub-norm" (CLK_NORM_KEY),
 * which clkhash's v3 JSON schema allows (featureConfig has no
 * additionalProperties restriction) and clkhash ignores. Its value holds the
 * normalisation rules of norm.h, applied to a value before clkhash's own
 * validation and formatting. Without the key, behaviour is exactly clkhash's.
 * Normalisation keeps per-thread state (ICU): a thread that encoded with it calls
 * norm_thread_release() before it ends (norm.h). A second extension,
 * "x-tiphub-keys-of" (CLK_KEYS_OF_KEY), lets a feature hash with the keys of an
 * earlier one (for swapped given and family names).
 */
#ifndef TIPHUB_CLK_H
#define TIPHUB_CLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* The feature-level extension key holding normalisation rules (see norm.h). */
#define CLK_NORM_KEY "x-tiphub-norm"
/*
 * The feature-level extension key naming an earlier feature (by identifier, the
 * first one of that name) whose hash keys this feature uses instead of its own:
 * the same token then sets the same bits in both features, so values swapped
 * between the two (a given name written as the family name) still match. The
 * named feature must not be ignored and must use the same hash type. clkhash
 * ignores the key (and so hashes with the feature's own keys).
 */
#define CLK_KEYS_OF_KEY "x-tiphub-keys-of"

/* Largest Bloom filter before folding, in bits (l * 2^xor_folds). */
#define CLK_MAX_HASH_BITS ((uint64_t)1 << 26)

struct clk_schema;
struct clk_encoder;

/* One field value of a record: UTF-8 bytes, not NUL-terminated. */
struct clk_value {
    const char *data;
    size_t len;
};

/*
 * Parse and validate a clkhash linkage schema (version 3) from json[0..len).
 * Checks what clkhash checks (its JSON Schema and its feature constructors); an
 * error names the JSON path, e.g. "features[2].hashing.comparison.n: must be a
 * positive integer". Returns 0, ERR_INVALID, or ERR_UNSUPPORTED (valid for
 * clkhash but beyond our limits, such as a filter over CLK_MAX_HASH_BITS).
 */
int clk_schema_parse(const char *json, size_t len, struct clk_schema **out, struct err *e);

/* Read and parse a schema file. Errors are prefixed with the path. */
int clk_schema_load_file(const char *path, struct clk_schema **out, struct err *e);

/* Free a schema (NULL is fine). Encoders made from it must be freed first. */
void clk_schema_free(struct clk_schema *s);

/* Number of features (columns), ignored ones included. */
size_t clk_schema_nfeatures(const struct clk_schema *s);

/* The identifier of feature i (the CSV header clkhash expects). */
const char *clk_schema_identifier(const struct clk_schema *s, size_t i);

/* True if feature i is ignored (not hashed, not validated). */
bool clk_schema_ignored(const struct clk_schema *s, size_t i);

/* True if feature i carries the normalisation extension key. */
bool clk_schema_has_norm(const struct clk_schema *s, size_t i);

/* The CLK length l in bits (after XOR folding). */
uint64_t clk_schema_l(const struct clk_schema *s);

/*
 * Warnings found while parsing (e.g. doubleHash is weaker than blakeHash, or
 * "xorFolds" is ignored by clkhash). i < clk_schema_nwarnings(s).
 */
size_t clk_schema_nwarnings(const struct clk_schema *s);
const char *clk_schema_warning(const struct clk_schema *s, size_t i);

enum {
    CLK_NO_VALIDATE = 1u << 0, /* skip validation, as clkhash's validate=False */
};

/*
 * Make an encoder for schema s (which must outlive it) and the secret bytes
 * secret[0..secret_len) (clkhash encodes its secret string as UTF-8). Derives
 * 2 keys of keySize bytes per feature with HKDF and precomputes the keyed hash
 * states. flags: CLK_NO_VALIDATE or 0. Returns 0, ERR_INVALID (empty secret,
 * keys too long for HKDF, a blakeHash key over 64 bytes) or ERR_UNSUPPORTED.
 */
int clk_encoder_new(const struct clk_schema *s, const void *secret, size_t secret_len,
                    unsigned flags, struct clk_encoder **out, struct err *e);

/* Wipe the keys and free the encoder (NULL is fine). */
void clk_encoder_free(struct clk_encoder *enc);

/* Bytes of one CLK: ceil(l / 8). */
size_t clk_encoder_bytes(const struct clk_encoder *enc);

/*
 * Encode one record. values[0..nvalues) are the record's fields in schema order
 * (nvalues must equal the number of features). Writes clk_encoder_bytes() bytes
 * to out, bit 0 of the filter being the most significant bit of out[0], as
 * clkhash's bitarray does; unused bits of the last byte are 0. *popcount (may be
 * NULL) gets the number of bits set. Returns 0, or ERR_INVALID when a value fails
 * validation or formatting, with e naming the feature and the rule, never the
 * value.
 */
int clk_encode(struct clk_encoder *enc, const struct clk_value *values, size_t nvalues,
               uint8_t *out, unsigned *popcount, struct err *e);

/* Append the standard base64 of clk[0..len) (with padding) to b. */
int clk_base64(const uint8_t *clk, size_t len, struct buf *b);

#endif
