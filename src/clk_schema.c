/*
 * clk_schema.c: reading a clkhash linkage schema (version 3, JSON).
 *
 * Checks what clkhash checks: its JSON Schema (clkhash/schemas/v3.json: required
 * keys, types, minimums, enums, and additionalProperties false on the format,
 * hashing, strategy and ignored-feature objects) and its constructors (a regular
 * expression that compiles, a non-zero numeric distance interval,
 * prevent_singularity only with doubleHash). Errors name the JSON path:
 * "features[2].hashing.comparison.n: must be a positive integer".
 *
 * Where clkhash reads something other than what its JSON Schema documents, we
 * read what clkhash's code reads: the number of XOR folds is clkConfig.xor_folds
 * (clkhash ignores the documented xorFolds; so do we, with a warning), and
 * base64 salt and info are decoded as Python's base64.b64decode() does (characters
 * outside the alphabet are skipped).
 *
 * Checks clkhash would only make while hashing (a blakeHash filter length that is
 * not a power of two, keys too long for HKDF or BLAKE2b, a bad date format) are
 * made here, once, so a bad schema fails before any record is read.
 */
#include "clk_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "xalloc.h"

#include "banned.h"

#define SCHEMA_MAX_BYTES ((size_t)16 << 20)
#define PATH_MAX_LEN     200

/* ==== helpers: typed access with JSON paths in the messages ==== */

static int bad(struct err *e, const char *path, const char *what)
{
    err_set(e, ERR_INVALID, "%s: %s", path, what);
    return ERR_INVALID; /* spelt out: the analyser cannot see that err_set returns its code */
}

/* out = path + "." + key (or key alone at the top), cut at PATH_MAX_LEN - 1 bytes. */
static void subpath(char *out, const char *path, const char *key)
{
    size_t n = strlen(path), k = strlen(key);

    if (n > PATH_MAX_LEN - 2)
        n = PATH_MAX_LEN - 2;
    memmove(out, path, n);
    if (n > 0)
        out[n++] = '.';
    if (k > PATH_MAX_LEN - 1 - n)
        k = PATH_MAX_LEN - 1 - n;
    memcpy(out + n, key, k);
    out[n + k] = '\0';
}

/* names[] (NULL-terminated) as "a, b, c" in out[0..size), cut inside the first name that
 * does not fit. */
static void join_names(const char *const *names, char *out, size_t size)
{
    size_t used = 0, i;

    out[0] = '\0';
    for (i = 0; names[i] != NULL; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i > 0 ? ", " : "", names[i]);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

/* Fail if obj has a key not in allowed (JSON Schema additionalProperties: false). */
static int only_keys(const json_t *obj, const char *const *allowed, const char *path, struct err *e)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i;
        bool ok = false;
        for (i = 0; allowed[i] != NULL; i++)
            if (strcmp(key, allowed[i]) == 0)
                ok = true;
        if (!ok) {
            char list[160];
            join_names(allowed, list, sizeof(list));
            return err_set(e, ERR_INVALID, "%s: unknown key '%.60s' (allowed: %s)", path, key,
                           list);
        }
    }
    (void)v;
    return 0;
}

/*
 * The member key of obj, or NULL when obj has none; p gets the member's path either
 * way, for messages about it.
 */
static const json_t *member(const json_t *obj, const char *key, const char *path,
                            char p[PATH_MAX_LEN])
{
    subpath(p, path, key);
    return json_object_get(obj, key);
}

/* Like member(), but a missing member is an error: e is set and NULL returned. */
static const json_t *require(const json_t *obj, const char *key, const char *path,
                             char p[PATH_MAX_LEN], struct err *e)
{
    const json_t *v = member(obj, key, path, p);

    if (v == NULL)
        bad(e, p, "is required");
    return v;
}

/*
 * The index in names (NULL-terminated) of the string v, or ERR_INVALID with the message
 * "path: must be one of a, b, c" when v is not one of them or not a string.
 */
static int one_of(const json_t *v, const char *path, const char *const *names, struct err *e)
{
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    char list[160];
    int i;

    for (i = 0; names[i] != NULL; i++) {
        if (strcmp(s, names[i]) == 0)
            return i;
    }
    join_names(names, list, sizeof(list));
    return err_set(e, ERR_INVALID, "%s: must be one of %s", path, list);
}

static int get_bool(const json_t *v, const char *path, bool *out, struct err *e)
{
    if (!json_is_boolean(v))
        return bad(e, path, "must be true or false");
    *out = json_is_true(v);
    return 0;
}

/* An integer in [min, max]; what names the rule for the message. */
static int get_int(const json_t *v, const char *path, int64_t min, int64_t max, int64_t *out,
                   struct err *e)
{
    char what[96];

    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        if (min == INT64_MIN && max == INT64_MAX)
            snprintf(what, sizeof(what), "must be an integer");
        else if (min == 1 && max == INT64_MAX)
            snprintf(what, sizeof(what), "must be a positive integer");
        else if (min == 0 && max == INT64_MAX)
            snprintf(what, sizeof(what), "must be a non-negative integer");
        else if (max == INT64_MAX)
            snprintf(what, sizeof(what), "must be an integer of at least %lld", (long long)min);
        else
            snprintf(what, sizeof(what), "must be an integer from %lld to %lld", (long long)min,
                     (long long)max);
        return bad(e, path, what);
    }
    *out = json_integer_value(v);
    return 0;
}

static int get_string(const json_t *v, const char *path, const char **out, size_t *len,
                      struct err *e)
{
    if (!json_is_string(v))
        return bad(e, path, "must be a string");
    *out = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

static int opt_string(const json_t *obj, const char *key, const char *path, struct err *e)
{
    char p[PATH_MAX_LEN];
    const json_t *v = member(obj, key, path, p);

    if (v != NULL && !json_is_string(v))
        return bad(e, p, "must be a string");
    return 0;
}

/* ==== base64 as Python's binascii.a2b_base64 (non-strict) decodes it ==== */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int py_b64decode(const char *s, size_t len, uint8_t **out, size_t *out_len, const char *path,
                        struct err *e)
{
    uint8_t *bin = xmalloc(len / 4 * 3 + 3);
    size_t n = 0, i;
    unsigned quad = 0, pads = 0, left = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;
        if (c >= 0x80) {
            free(bin);
            return bad(e, path, "base64 text must be ASCII");
        }
        if (c == '=') {
            if (quad >= 2 && quad + ++pads >= 4)
                goto done;
            continue;
        }
        v = b64_value(c);
        if (v < 0)
            continue; /* Python skips characters outside the alphabet */
        pads = 0;
        switch (quad) {
        case 0:
            left = (unsigned)v;
            quad = 1;
            break;
        case 1:
            bin[n++] = (uint8_t)((left << 2) | ((unsigned)v >> 4));
            left = (unsigned)v & 0x0F;
            quad = 2;
            break;
        case 2:
            bin[n++] = (uint8_t)((left << 4) | ((unsigned)v >> 2));
            left = (unsigned)v & 0x03;
            quad = 3;
            break;
        default:
            bin[n++] = (uint8_t)((left << 6) | (unsigned)v);
            left = 0;
            quad = 0;
            break;
        }
    }
    if (quad != 0) {
        free(bin);
        return bad(e, path,
                   quad == 1 ? "invalid base64: one character too many"
                             : "invalid base64: incorrect padding");
    }
done:
    *out = bin;
    *out_len = n;
    return 0;
}

/* The optional base64 string member key of obj, decoded into *out (left alone when
 * absent). */
static int opt_base64(const json_t *obj, const char *key, const char *path, uint8_t **out,
                      size_t *out_len, struct err *e)
{
    char p[PATH_MAX_LEN];
    const json_t *v = member(obj, key, path, p);
    const char *s = NULL;
    size_t len = 0;

    if (v == NULL)
        return 0;
    if (get_string(v, p, &s, &len, e) < 0 || py_b64decode(s, len, out, out_len, p, e) < 0)
        return ERR_INVALID;
    return 0;
}

/* ==== features ==== */

static const char *const k_ignore_keys[] = {"identifier", "ignored", "description", NULL};
static const char *const k_text_keys[] = {"type",      "encoding",    "case", "minLength",
                                          "maxLength", "description", NULL};
static const char *const k_pattern_keys[] = {"type", "encoding", "pattern", "description", NULL};
static const char *const k_integer_keys[] = {"type", "minimum", "maximum", "description", NULL};
static const char *const k_date_keys[] = {"type", "format", "description", NULL};
static const char *const k_enum_keys[] = {"type", "values", "description", NULL};
static const char *const k_hashing_keys[] = {"hash", "strategy", "comparison", "missingValue",
                                             NULL};

/* Names of enumerated values (for one_of()) and what each one means, in the same order. */
static const char *const k_encodings[] = {"ascii", "utf-8", "utf-16", "utf-32", NULL};
static const enum clk__enc k_encoding_values[] = {CLK_ENC_ASCII, CLK_ENC_UTF8, CLK_ENC_UTF16,
                                                  CLK_ENC_UTF32};
static const char *const k_cases[] = {"upper", "lower", "mixed", NULL};
static const enum clk__case k_case_values[] = {CLK_CASE_UPPER, CLK_CASE_LOWER, CLK_CASE_MIXED};
static const char *const k_hashes[] = {"blakeHash", "doubleHash", NULL};
static const enum clk__hash k_hash_values[] = {CLK_HASH_BLAKE, CLK_HASH_DOUBLE};
static const char *const k_kdf_hashes[] = {"SHA256", "SHA512", NULL};
static const unsigned k_kdf_hash_bits[] = {256, 512};

static int parse_encoding(struct clk__feature *f, const json_t *fmt, const char *path,
                          struct err *e)
{
    char p[PATH_MAX_LEN];
    const json_t *v = member(fmt, "encoding", path, p);
    int i;

    f->encoding = CLK_ENC_UTF8;
    if (v == NULL)
        return 0;
    i = one_of(v, p, k_encodings, e);
    if (i < 0)
        return i;
    f->encoding = k_encoding_values[i];
    return 0;
}

static int parse_format(struct clk__feature *f, const json_t *fmt, const char *path, struct err *e)
{
    const json_t *type, *v;
    const char *t = NULL, *s = NULL;
    size_t len = 0;
    char p[PATH_MAX_LEN], why[200];
    int64_t x;
    int rc;

    if (!json_is_object(fmt))
        return bad(e, path, "must be an object");
    type = require(fmt, "type", path, p, e);
    if (type == NULL)
        return ERR_INVALID;
    t = json_is_string(type) ? json_string_value(type) : "";
    if (strcmp(t, "string") == 0) {
        f->fmt = CLK_FMT_STRING;
        v = json_object_get(fmt, "pattern");
        rc = only_keys(fmt, v != NULL ? k_pattern_keys : k_text_keys, path, e);
        if (rc == 0)
            rc = parse_encoding(f, fmt, path, e);
        if (rc == 0)
            rc = opt_string(fmt, "description", path, e);
        if (rc < 0)
            return rc;
        if (v != NULL) {
            subpath(p, path, "pattern");
            if (get_string(v, p, &s, &len, e) < 0)
                return ERR_INVALID;
            if (clk__regex_compile(f, s, len, why, sizeof(why)) < 0)
                return bad(e, p, why);
            return 0;
        }
        v = member(fmt, "case", path, p);
        if (v != NULL) {
            rc = one_of(v, p, k_cases, e);
            if (rc < 0)
                return rc;
            f->letter_case = k_case_values[rc];
        }
        v = member(fmt, "minLength", path, p);
        if (v != NULL) {
            if (get_int(v, p, 0, INT64_MAX, &x, e) < 0)
                return ERR_INVALID;
            f->has_min_len = true;
            f->min_len = (uint64_t)x;
        }
        v = member(fmt, "maxLength", path, p);
        if (v != NULL) {
            if (get_int(v, p, 1, INT64_MAX, &x, e) < 0)
                return ERR_INVALID;
            f->has_max_len = true;
            f->max_len = (uint64_t)x;
        }
        return 0;
    }
    if (strcmp(t, "integer") == 0) {
        f->fmt = CLK_FMT_INTEGER;
        rc = only_keys(fmt, k_integer_keys, path, e);
        if (rc == 0)
            rc = opt_string(fmt, "description", path, e);
        if (rc < 0)
            return rc;
        v = member(fmt, "minimum", path, p);
        if (v != NULL) {
            if (get_int(v, p, INT64_MIN, INT64_MAX, &f->minimum, e) < 0)
                return ERR_INVALID;
            f->has_minimum = true;
        }
        v = member(fmt, "maximum", path, p);
        if (v != NULL) {
            if (get_int(v, p, INT64_MIN, INT64_MAX, &f->maximum, e) < 0)
                return ERR_INVALID;
            f->has_maximum = true;
        }
        return 0;
    }
    if (strcmp(t, "date") == 0) {
        f->fmt = CLK_FMT_DATE;
        rc = only_keys(fmt, k_date_keys, path, e);
        if (rc == 0)
            rc = opt_string(fmt, "description", path, e);
        if (rc < 0)
            return rc;
        v = require(fmt, "format", path, p, e);
        if (v == NULL)
            return ERR_INVALID;
        if (get_string(v, p, &s, &len, e) < 0)
            return ERR_INVALID;
        if (strlen(s) != len)
            return bad(e, p, "must not contain NUL");
        rc = clk__date_compile(s, &f->date, why, sizeof(why));
        if (rc < 0)
            return err_set(e, strstr(why, "not supported") != NULL ? ERR_UNSUPPORTED : ERR_INVALID,
                           "%s: %s", p, why);
        return 0;
    }
    if (strcmp(t, "enum") == 0) {
        size_t i;
        f->fmt = CLK_FMT_ENUM;
        rc = only_keys(fmt, k_enum_keys, path, e);
        if (rc == 0)
            rc = opt_string(fmt, "description", path, e);
        if (rc < 0)
            return rc;
        v = require(fmt, "values", path, p, e);
        if (v == NULL)
            return ERR_INVALID;
        if (!json_is_array(v))
            return bad(e, p, "must be an array of strings");
        f->nenum = json_array_size(v);
        CALLOC_ARRAY(f->enum_values, f->nenum + 1);
        CALLOC_ARRAY(f->enum_lens, f->nenum + 1);
        for (i = 0; i < f->nenum; i++) {
            const json_t *item = json_array_get(v, i);
            if (!json_is_string(item)) {
                char ip[PATH_MAX_LEN + 32];
                snprintf(ip, sizeof(ip), "%s[%zu]", p, i);
                return bad(e, ip, "must be a string");
            }
            f->enum_lens[i] = json_string_length(item);
            f->enum_values[i] = xmemdup(json_string_value(item), f->enum_lens[i] + 1);
        }
        return 0;
    }
    subpath(p, path, "type");
    return bad(e, p, "must be one of string, integer, date, enum");
}

/* Python's int(round(x * 10 ** k)) for the numeric thresholdDistance. */
static int distance_interval(const json_t *v, unsigned k, clk__i128 *out)
{
    clk__i128 scale = 1;
    unsigned i;

    for (i = 0; i < k; i++)
        scale *= 10;
    if (json_is_integer(v)) {
        clk__i128 t = json_integer_value(v);
        *out = t * scale;
        return 0;
    } else {
        char p10[16];
        double x;
        snprintf(p10, sizeof(p10), "1e%u", k);
        x = nearbyint(json_real_value(v) * strtod(p10, NULL));
        if (!(fabs(x) < 1e36))
            return -1;
        *out = (clk__i128)x;
        return 0;
    }
}

static int parse_comparison(struct clk__feature *f, const json_t *c, const char *path,
                            struct err *e)
{
    const json_t *type, *v;
    const char *t;
    char p[PATH_MAX_LEN];
    int64_t x;

    if (!json_is_object(c))
        return bad(e, path, "must be an object");
    type = require(c, "type", path, p, e);
    if (type == NULL)
        return ERR_INVALID;
    t = json_is_string(type) ? json_string_value(type) : "";
    if (strcmp(t, "ngram") == 0) {
        f->cmp = CLK_CMP_NGRAM;
        v = require(c, "n", path, p, e);
        if (v == NULL)
            return ERR_INVALID;
        if (get_int(v, p, 1, INT64_MAX, &x, e) < 0)
            return ERR_INVALID;
        if (x > CLK_MAX_NGRAM)
            return err_set(e, ERR_UNSUPPORTED, "%s: n over %u is not supported", p, CLK_MAX_NGRAM);
        f->ngram_n = (unsigned)x;
        v = member(c, "positional", path, p);
        if (v != NULL && get_bool(v, p, &f->positional, e) < 0)
            return ERR_INVALID;
        return 0;
    }
    if (strcmp(t, "exact") == 0) {
        f->cmp = CLK_CMP_EXACT;
        return 0;
    }
    if (strcmp(t, "numeric") == 0) {
        const json_t *td;
        f->cmp = CLK_CMP_NUMERIC;
        td = require(c, "thresholdDistance", path, p, e);
        if (td == NULL)
            return ERR_INVALID;
        if (!json_is_number(td) || !(json_number_value(td) > 0))
            return bad(e, p, "must be a number greater than 0");
        v = require(c, "resolution", path, p, e);
        if (v == NULL)
            return ERR_INVALID;
        if (get_int(v, p, 1, INT64_MAX, &x, e) < 0)
            return ERR_INVALID;
        if (x > CLK_MAX_RESOLUTION)
            return err_set(e, ERR_UNSUPPORTED, "%s: resolution over %u is not supported", p,
                           CLK_MAX_RESOLUTION);
        f->num_resolution = (unsigned)x;
        v = member(c, "fractional_precision", path, p);
        if (v != NULL) {
            if (get_int(v, p, 0, INT64_MAX, &x, e) < 0)
                return ERR_INVALID;
            if (x > CLK_MAX_FRACTIONAL)
                return err_set(e, ERR_UNSUPPORTED,
                               "%s: fractional_precision over %u is not supported", p,
                               CLK_MAX_FRACTIONAL);
            f->num_fractional = (unsigned)x;
        }
        subpath(p, path, "thresholdDistance");
        if (distance_interval(td, f->num_fractional, &f->num_interval) < 0)
            return err_set(e, ERR_UNSUPPORTED, "%s: too large", p);
        if (f->num_interval == 0)
            return bad(e, p, "not enough fractional precision to encode thresholdDistance");
        return 0;
    }
    subpath(p, path, "type");
    return bad(e, p, "must be one of ngram, exact, numeric");
}

static int parse_hashing(struct clk__feature *f, const json_t *h, const char *path, struct err *e)
{
    const json_t *v, *w;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    int64_t x;
    int rc;

    if (!json_is_object(h))
        return bad(e, path, "must be an object");
    rc = only_keys(h, k_hashing_keys, path, e);
    if (rc < 0)
        return rc;
    v = require(h, "comparison", path, p, e);
    if (v == NULL)
        return ERR_INVALID;
    rc = parse_comparison(f, v, p, e);
    if (rc < 0)
        return rc;

    v = require(h, "strategy", path, p, e);
    if (v == NULL)
        return ERR_INVALID;
    if (!json_is_object(v))
        return bad(e, p, "must be an object");
    if (json_object_size(v) != 1 || (json_object_get(v, "bitsPerToken") == NULL &&
                                     json_object_get(v, "bitsPerFeature") == NULL))
        return bad(e, p, "must hold exactly one of bitsPerToken, bitsPerFeature");
    w = json_object_get(v, "bitsPerFeature");
    f->bits_per_feature = w != NULL;
    if (w == NULL)
        w = json_object_get(v, "bitsPerToken");
    subpath(q, p, f->bits_per_feature ? "bitsPerFeature" : "bitsPerToken");
    if (get_int(w, q, 1, INT64_MAX, &x, e) < 0)
        return ERR_INVALID;
    if (x > CLK_MAX_BITS)
        return err_set(e, ERR_UNSUPPORTED, "%s: more than %u bits is not supported", q,
                       CLK_MAX_BITS);
    f->bits = (uint64_t)x;

    f->hash = CLK_HASH_BLAKE;
    v = member(h, "hash", path, p);
    if (v != NULL) {
        if (!json_is_object(v))
            return bad(e, p, "must be an object");
        w = require(v, "type", p, q, e);
        if (w == NULL)
            return ERR_INVALID;
        rc = one_of(w, q, k_hashes, e);
        if (rc < 0)
            return rc;
        f->hash = k_hash_values[rc];
        w = member(v, "prevent_singularity", p, q);
        if (w != NULL) {
            if (f->hash != CLK_HASH_DOUBLE)
                return bad(e, q, "is only allowed with doubleHash");
            if (get_bool(w, q, &f->prevent_singularity, e) < 0)
                return ERR_INVALID;
        }
    }

    v = member(h, "missingValue", path, p);
    if (v != NULL) {
        const char *s = NULL;
        size_t len = 0;
        if (!json_is_object(v))
            return bad(e, p, "must be an object");
        w = require(v, "sentinel", p, q, e);
        if (w == NULL)
            return ERR_INVALID;
        if (get_string(w, q, &s, &len, e) < 0)
            return ERR_INVALID;
        f->has_missing = true;
        f->sentinel = xmemdup(s, len + 1);
        f->sentinel_len = len;
        w = member(v, "replaceWith", p, q);
        if (w != NULL && get_string(w, q, &s, &len, e) < 0)
            return ERR_INVALID;
        f->replace_with = xmemdup(s, len + 1);
        f->replace_len = len;
    }
    return 0;
}

static int parse_feature(struct clk_schema *s, size_t i, const json_t *obj, struct err *e)
{
    struct clk__feature *f = &s->features[i];
    char path[PATH_MAX_LEN], p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    const json_t *v, *h, *ign;
    const char *id = NULL;
    size_t len = 0;
    bool ignored = false;
    int rc;

    snprintf(path, sizeof(path), "features[%zu]", i);
    if (!json_is_object(obj))
        return bad(e, path, "must be an object");
    v = require(obj, "identifier", path, p, e);
    if (v == NULL)
        return ERR_INVALID;
    if (get_string(v, p, &id, &len, e) < 0)
        return ERR_INVALID;
    f->identifier = xmemdup(id, len + 1);
    rc = opt_string(obj, "description", path, e);
    if (rc < 0)
        return rc;

    ign = member(obj, "ignored", path, p);
    if (ign != NULL && get_bool(ign, p, &ignored, e) < 0)
        return ERR_INVALID;
    if (ignored && json_object_get(obj, "format") == NULL &&
        json_object_get(obj, "hashing") == NULL) {
        /* ignoreFeature: nothing else is allowed */
        f->ignored = true;
        return only_keys(obj, k_ignore_keys, path, e);
    }
    /* featureConfig; clkhash ignores it all the same when "ignored" is true */
    v = require(obj, "format", path, p, e);
    if (v == NULL)
        return ERR_INVALID;
    h = require(obj, "hashing", path, q, e);
    if (h == NULL)
        return ERR_INVALID;
    rc = parse_format(f, v, p, e);
    if (rc < 0)
        return rc;
    rc = parse_hashing(f, h, q, e);
    if (rc < 0)
        return rc;
    f->ignored = ignored;

    v = member(obj, CLK_NORM_KEY, path, p);
    if (v != NULL && !f->ignored) {
        f->has_norm = true;
        rc = clk__norm_parse(f, v, p, e);
        if (rc < 0)
            return rc;
    }
    v = json_object_get(obj, CLK_KEYS_OF_KEY);
    if (v != NULL && !f->ignored) {
        const char *other = NULL;
        size_t olen = 0, j;
        subpath(p, path, CLK_KEYS_OF_KEY);
        if (get_string(v, p, &other, &olen, e) < 0)
            return ERR_INVALID;
        for (j = 0; j < i; j++) {
            if (!s->features[j].ignored && strlen(s->features[j].identifier) == olen &&
                memcmp(s->features[j].identifier, other, olen) == 0)
                break;
        }
        if (j == i)
            return bad(e, p, "must name an earlier feature that is not ignored");
        if (s->features[j].hash != f->hash)
            return bad(e, p, "must name a feature with the same hash type");
        f->has_keys_of = true;
        f->keys_of = j;
    }
    return 0;
}

/* ==== the whole schema ==== */

static void add_warning(struct clk_schema *s, const char *msg)
{
    if (s->nwarnings < CLK_MAX_WARNINGS)
        s->warnings[s->nwarnings++] = xstrdup(msg);
}

static int parse_kdf(struct clk_schema *s, const json_t *kdf, struct err *e)
{
    const char *path = "clkConfig.kdf";
    char p[PATH_MAX_LEN];
    const json_t *v;
    int64_t x;
    int rc;

    if (!json_is_object(kdf))
        return bad(e, path, "must be an object");
    v = require(kdf, "type", path, p, e);
    if (v == NULL)
        return ERR_INVALID;
    if (!json_is_string(v) || strcmp(json_string_value(v), "HKDF") != 0)
        return bad(e, p, "must be \"HKDF\"");
    s->kdf_hash_bits = 256;
    v = member(kdf, "hash", path, p);
    if (v != NULL) {
        rc = one_of(v, p, k_kdf_hashes, e);
        if (rc < 0)
            return rc;
        s->kdf_hash_bits = k_kdf_hash_bits[rc];
    }
    rc = opt_base64(kdf, "salt", path, &s->salt, &s->salt_len, e);
    if (rc == 0)
        rc = opt_base64(kdf, "info", path, &s->info, &s->info_len, e);
    if (rc < 0)
        return rc;
    s->key_size = 64; /* clkhash's DEFAULT_KEY_SIZE */
    v = member(kdf, "keySize", path, p);
    if (v != NULL) {
        if (get_int(v, p, 1, INT64_MAX, &x, e) < 0)
            return ERR_INVALID;
        if (x > CLK_MAX_KEY_SIZE)
            return err_set(e, ERR_UNSUPPORTED, "%s: more than %u bytes is not supported", p,
                           CLK_MAX_KEY_SIZE);
        s->key_size = (size_t)x;
    }
    return 0;
}

static int parse_clk_config(struct clk_schema *s, const json_t *cfg, struct err *e)
{
    const char *path = "clkConfig";
    char p[PATH_MAX_LEN];
    const json_t *v;
    int64_t x;
    int rc;

    if (!json_is_object(cfg))
        return bad(e, path, "must be an object");
    v = require(cfg, "l", path, p, e);
    if (v == NULL)
        return ERR_INVALID;
    if (get_int(v, p, 1, INT64_MAX, &x, e) < 0)
        return ERR_INVALID;
    s->l = (uint64_t)x;
    v = require(cfg, "kdf", path, p, e);
    if (v == NULL)
        return ERR_INVALID;
    rc = parse_kdf(s, v, e);
    if (rc < 0)
        return rc;
    v = member(cfg, "xorFolds", path, p);
    if (v != NULL) {
        if (get_int(v, p, 0, INT64_MAX, &x, e) < 0)
            return ERR_INVALID;
        if (x != 0)
            add_warning(s, "clkConfig.xorFolds is ignored: clkhash reads the number of folds "
                           "from clkConfig.xor_folds, and so does tiphub");
    }
    v = member(cfg, "xor_folds", path, p);
    if (v != NULL) {
        if (get_int(v, p, 0, 31, &x, e) < 0)
            return ERR_INVALID;
        s->xor_folds = (unsigned)x;
    }
    if (s->l > CLK_MAX_HASH_BITS >> s->xor_folds)
        return err_set(e, ERR_UNSUPPORTED,
                       "clkConfig.l: l * 2^xor_folds over %llu bits is not supported",
                       (unsigned long long)CLK_MAX_HASH_BITS);
    return 0;
}

/* Checks that need the whole schema: what clkhash would hit while hashing. */
static int check_whole(struct clk_schema *s, struct err *e)
{
    uint64_t hash_l = s->l << s->xor_folds;
    size_t hash_len = s->kdf_hash_bits / 8, ndouble = 0, i;
    char msg[256];

    for (i = 0; i < s->nfeatures; i++) {
        const struct clk__feature *f = &s->features[i];
        if (f->ignored)
            continue;
        if (f->hash == CLK_HASH_DOUBLE) {
            ndouble++;
            continue;
        }
        if ((hash_l & (hash_l - 1)) != 0)
            return err_set(e, ERR_INVALID,
                           "clkConfig.l: blakeHash (features[%zu]) needs l * 2^xor_folds to be "
                           "a power of two, not %llu",
                           i, (unsigned long long)hash_l);
        if (s->key_size > crypto_generichash_blake2b_KEYBYTES_MAX)
            return err_set(e, ERR_INVALID,
                           "clkConfig.kdf.keySize: blakeHash (features[%zu]) takes keys of at "
                           "most %d bytes",
                           i, crypto_generichash_blake2b_KEYBYTES_MAX);
    }
    if (s->nfeatures > 0 && 2 * s->nfeatures * s->key_size > 255 * hash_len)
        return err_set(e, ERR_INVALID,
                       "clkConfig.kdf.keySize: 2 keys of %zu bytes for each of %zu features "
                       "exceed the %zu bytes HKDF-SHA%u can derive",
                       s->key_size, s->nfeatures, 255 * hash_len, s->kdf_hash_bits);
    if (ndouble > 0) {
        snprintf(msg, sizeof(msg),
                 "%zu feature%s use%s doubleHash, which is weaker than blakeHash (its indices "
                 "have an exploitable structure, Kroll & Steinmetzer 2015)",
                 ndouble, ndouble == 1 ? "" : "s", ndouble == 1 ? "s" : "");
        add_warning(s, msg);
    }
    return 0;
}

int clk_schema_parse(const char *json, size_t len, struct clk_schema **out, struct err *e)
{
    struct clk_schema *s = NULL;
    json_error_t jerr;
    json_t *root = NULL;
    const json_t *v, *features;
    char p[PATH_MAX_LEN];
    size_t i;
    int rc = 0;

    *out = NULL;
    root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
    if (root == NULL)
        return err_set(e, ERR_INVALID, "schema is not valid JSON: %s at line %d, column %d",
                       jerr.text, jerr.line, jerr.column);
    s = xcalloc(1, sizeof(*s));
    if (!json_is_object(root)) {
        rc = bad(e, "schema", "must be a JSON object");
        goto out;
    }
    v = require(root, "version", "", p, e);
    if (v == NULL) {
        rc = ERR_INVALID;
        goto out;
    }
    if (!json_is_number(v)) {
        rc = bad(e, p, "must be a number");
        goto out;
    }
    if (json_number_value(v) != 3) {
        rc = err_set(e, ERR_UNSUPPORTED,
                     "version: only version 3 schemas are supported (clkhash's 'clkutil "
                     "convert-schema' upgrades versions 1 and 2)");
        goto out;
    }
    v = require(root, "clkConfig", "", p, e);
    if (v == NULL) {
        rc = ERR_INVALID;
        goto out;
    }
    rc = parse_clk_config(s, v, e);
    if (rc < 0)
        goto out;
    features = require(root, "features", "", p, e);
    if (features == NULL) {
        rc = ERR_INVALID;
        goto out;
    }
    if (!json_is_array(features)) {
        rc = bad(e, p, "must be an array");
        goto out;
    }
    s->nfeatures = json_array_size(features);
    CALLOC_ARRAY(s->features, s->nfeatures + 1);
    for (i = 0; i < s->nfeatures; i++) {
        rc = parse_feature(s, i, json_array_get(features, i), e);
        if (rc < 0)
            goto out;
    }
    rc = check_whole(s, e);
out:
    json_decref(root);
    if (rc < 0) {
        clk_schema_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int clk_schema_load_file(const char *path, struct clk_schema **out, struct err *e)
{
    FILE *fp = NULL;
    struct buf b;
    char chunk[8192];
    int rc = 0;

    *out = NULL;
    buf_init(&b, SCHEMA_MAX_BYTES);
    fp = fopen(path, "rb");
    if (fp == NULL)
        return err_set(e, err_from_errno(errno), "cannot open schema '%s': %s", path,
                       strerror(errno));
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), fp);
        if (n == 0)
            break;
        if (buf_append(&b, chunk, n) < 0) {
            rc = err_set(e, ERR_TOOBIG, "schema '%s' is larger than %zu bytes", path,
                         SCHEMA_MAX_BYTES);
            goto out;
        }
    }
    if (ferror(fp)) {
        rc = err_set(e, ERR_IO, "cannot read schema '%s'", path);
        goto out;
    }
    rc = clk_schema_parse(b.data, b.len, out, e);
    if (rc < 0)
        err_prefix(e, "schema '%s'", path);
out:
    fclose(fp);
    buf_release(&b);
    return rc;
}

void clk_schema_free(struct clk_schema *s)
{
    size_t i, j;

    if (s == NULL)
        return;
    for (i = 0; i < s->nfeatures; i++) {
        struct clk__feature *f = &s->features[i];
        free(f->identifier);
        clk__regex_free(f);
        clk__date_free(f->date);
        for (j = 0; j < f->nenum; j++)
            free(f->enum_values[j]);
        free(f->enum_values);
        free(f->enum_lens);
        free(f->sentinel);
        free(f->replace_with);
    }
    free(s->features);
    free(s->salt);
    free(s->info);
    for (i = 0; i < s->nwarnings; i++)
        free(s->warnings[i]);
    free(s);
}

size_t clk_schema_nfeatures(const struct clk_schema *s)
{
    return s->nfeatures;
}

const char *clk_schema_identifier(const struct clk_schema *s, size_t i)
{
    return i < s->nfeatures ? s->features[i].identifier : NULL;
}

bool clk_schema_ignored(const struct clk_schema *s, size_t i)
{
    return i < s->nfeatures && s->features[i].ignored;
}

bool clk_schema_has_norm(const struct clk_schema *s, size_t i)
{
    return i < s->nfeatures && s->features[i].has_norm;
}

uint64_t clk_schema_l(const struct clk_schema *s)
{
    return s->l;
}

size_t clk_schema_nwarnings(const struct clk_schema *s)
{
    return s->nwarnings;
}

const char *clk_schema_warning(const struct clk_schema *s, size_t i)
{
    return i < s->nwarnings ? s->warnings[i] : NULL;
}
