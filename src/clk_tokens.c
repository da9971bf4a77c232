/*
 * clk_tokens.c: turning a formatted value into tokens, and bits per token, as
 * clkhash's comparators.py and its strategies do.
 *
 * ngram   (NgramComparison) an empty value has no tokens; otherwise, for n > 1,
 *         the value is padded with n - 1 spaces on both sides and every run of n
 *         code points is a token: the bigrams of "smith" are " s", "sm", "mi",
 *         "it", "th", "h ". Positional n-grams are prefixed with their 1-based
 *         position and a space: "1  s", "2 sm", ...
 * exact   (ExactComparison) the whole value is the one token; none if empty.
 * numeric (NumericComparison) the value is read as Python's int(), or else
 *         float(), scaled by 10^fractional_precision, multiplied by 2 * resolution,
 *         rounded to the nearest multiple of distance_interval (half up), and the
 *         tokens are the decimals of v + i * distance_interval for i in
 *         -resolution..resolution.
 *
 * A token becomes bytes with the feature's encoding, as Python's str.encode():
 * "utf-16" and "utf-32" put a byte-order mark before every token and use the
 * machine's (little-endian) order.
 *
 * Strategies: bitsPerToken k gives every token k bits; bitsPerFeature b gives the
 * first b % t tokens floor(b / t) + 1 bits and the rest floor(b / t).
 */
#include "clk_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

/* Largest magnitude a numeric value may reach while quantising (Python has no limit). */
#define NUM_LIMIT ((clk__i128)1 << 120)

int clk__encode_cp(struct buf *b, enum clk__enc enc, uint32_t cp)
{
    uint8_t u[4];

    switch (enc) {
    case CLK_ENC_UTF8:
    case CLK_ENC_ASCII:
        return clk__utf8_put(b, cp);
    case CLK_ENC_UTF16:
        if (cp >= 0x10000) {
            uint32_t v = cp - 0x10000, hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);
            u[0] = (uint8_t)(hi & 0xFF);
            u[1] = (uint8_t)(hi >> 8);
            u[2] = (uint8_t)(lo & 0xFF);
            u[3] = (uint8_t)(lo >> 8);
            return buf_append(b, u, 4);
        }
        u[0] = (uint8_t)(cp & 0xFF);
        u[1] = (uint8_t)(cp >> 8);
        return buf_append(b, u, 2);
    case CLK_ENC_UTF32:
        u[0] = (uint8_t)(cp & 0xFF);
        u[1] = (uint8_t)((cp >> 8) & 0xFF);
        u[2] = (uint8_t)((cp >> 16) & 0xFF);
        u[3] = 0;
        return buf_append(b, u, 4);
    }
    return 0;
}

static int encode_bom(struct buf *b, enum clk__enc enc)
{
    static const uint8_t bom16[2] = {0xFF, 0xFE}, bom32[4] = {0xFF, 0xFE, 0, 0};

    if (enc == CLK_ENC_UTF16)
        return buf_append(b, bom16, 2);
    if (enc == CLK_ENC_UTF32)
        return buf_append(b, bom32, 4);
    return 0;
}

/* Write x in decimal, as Python's str(int). */
static int put_i128(struct buf *b, clk__i128 x)
{
    char digits[48];
    size_t n = 0;
    clk__u128 u;

    if (x < 0) {
        if (buf_putc(b, '-') < 0)
            return ERR_TOOBIG;
        u = (clk__u128)0 - (clk__u128)x;
    } else {
        u = (clk__u128)x;
    }
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u > 0);
    while (n > 0)
        if (buf_putc(b, digits[--n]) < 0)
            return ERR_TOOBIG;
    return 0;
}

static clk__i128 pow10_i128(unsigned k)
{
    clk__i128 p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

/* Decimal digits (possibly with '-') to a bounded 128-bit integer; -1 if too big. */
static int parse_i128(const char *s, size_t len, clk__i128 *out)
{
    clk__i128 v = 0;
    size_t i = 0;
    bool neg = false;

    if (i < len && s[i] == '-') {
        neg = true;
        i++;
    }
    for (; i < len; i++) {
        v = v * 10 + (s[i] - '0');
        if (v > NUM_LIMIT)
            return -1;
    }
    *out = neg ? -v : v;
    return 0;
}

/*
 * Python's float(s): strip white space; [sign] then digits with single
 * underscores between digits, an optional fraction and exponent, or inf,
 * infinity, nan. Returns 0 and *out, or ERR_INVALID.
 */
static int py_float(const uint32_t *cps, size_t n, double *out)
{
    char ascii[128] = {0};
    size_t a = 0, b = n, k = 0, i;
    bool digits = false, prev_digit = false, seen_dot = false;
    char *end = NULL;

    while (a < b && clk__py_space(cps[a]))
        a++;
    while (b > a && clk__py_space(cps[b - 1]))
        b--;
    if (b - a >= sizeof(ascii))
        return ERR_INVALID;
    i = a;
    if (i < b && (cps[i] == '+' || cps[i] == '-'))
        ascii[k++] = (char)cps[i++];
    {
        /* inf, infinity, nan in any case */
        static const char *const words[] = {"infinity", "inf", "nan"};
        size_t w;
        for (w = 0; w < 3; w++) {
            size_t wl = strlen(words[w]), j;
            if (b - i != wl)
                continue;
            for (j = 0; j < wl; j++)
                if (cps[i + j] >= 0x80 || (char)(cps[i + j] | 0x20) != words[w][j])
                    break;
            if (j == wl) {
                *out = w == 2 ? NAN : (k > 0 && ascii[0] == '-' ? -INFINITY : INFINITY);
                return 0;
            }
        }
    }
    /* mantissa */
    for (; i < b; i++) {
        uint32_t c = cps[i];
        int d;
        if (c == '_') {
            if (!prev_digit || i + 1 >= b || clk__py_digit(cps[i + 1]) < 0)
                return ERR_INVALID;
            prev_digit = false;
            continue;
        }
        d = clk__py_digit(c);
        if (d >= 0) {
            ascii[k++] = (char)('0' + d);
            digits = true;
            prev_digit = true;
            continue;
        }
        prev_digit = false;
        if (c == '.') {
            if (seen_dot)
                return ERR_INVALID;
            seen_dot = true;
            ascii[k++] = '.';
            continue;
        }
        break;
    }
    if (!digits)
        return ERR_INVALID;
    if (i < b && (cps[i] == 'e' || cps[i] == 'E')) {
        bool exp_digits = false;
        ascii[k++] = 'e';
        i++;
        if (i < b && (cps[i] == '+' || cps[i] == '-'))
            ascii[k++] = (char)cps[i++];
        prev_digit = false;
        for (; i < b; i++) {
            int d;
            if (cps[i] == '_') {
                if (!prev_digit || i + 1 >= b || clk__py_digit(cps[i + 1]) < 0)
                    return ERR_INVALID;
                prev_digit = false;
                continue;
            }
            d = clk__py_digit(cps[i]);
            if (d < 0)
                return ERR_INVALID;
            ascii[k++] = (char)('0' + d);
            exp_digits = true;
            prev_digit = true;
        }
        if (!exp_digits)
            return ERR_INVALID;
    }
    if (i != b)
        return ERR_INVALID;
    ascii[k] = '\0';
    *out = strtod(ascii, &end);
    if (end == NULL || *end != '\0')
        return ERR_INVALID;
    return 0;
}

static int numeric_prepare(const struct clk__feature *f, struct clk__scratch *sc, struct err *e)
{
    struct buf canon;
    clk__i128 v = 0, di = f->num_interval, residue, scale = pow10_i128(f->num_fractional);
    long n;
    int rc = 0;

    if (sc->cps_cap < sc->value.len + 1) {
        sc->cps_cap = sc->value.len + 1;
        REALLOC_ARRAY(sc->cps, sc->cps_cap);
    }
    n = clk__utf8_decode(sc->value.data, sc->value.len, sc->cps);
    if (n < 0)
        return err_set(e, ERR_INVALID, "column '%s': value is not valid UTF-8", f->identifier);

    buf_init(&canon, 256);
    if (clk__py_int_canonical(sc->value.data, sc->value.len, &canon) == 0) {
        /* int(word, base=10), then v *= 10 ** fractional_precision */
        if (parse_i128(canon.data, canon.len, &v) < 0 || __builtin_mul_overflow(v, scale, &v) ||
            v > NUM_LIMIT || v < -NUM_LIMIT)
            rc = err_set(e, ERR_UNSUPPORTED, "column '%s': numeric value out of range",
                         f->identifier);
    } else {
        double x;
        if (py_float(sc->cps, (size_t)n, &x) < 0) {
            rc = err_set(e, ERR_INVALID, "column '%s': value is not a number", f->identifier);
        } else if (!isfinite(x)) {
            rc =
                err_set(e, ERR_INVALID, "column '%s': value is not a finite number", f->identifier);
        } else {
            if (f->num_fractional > 0) {
                char p10[16];
                snprintf(p10, sizeof(p10), "1e%u", f->num_fractional);
                /* int(round(v_float * 10 ** fractional_precision)): half to even */
                x = nearbyint(x * strtod(p10, NULL));
            } else {
                x = trunc(x); /* int(v_float) */
            }
            if (!(fabs(x) < 1e36))
                rc = err_set(e, ERR_UNSUPPORTED, "column '%s': numeric value out of range",
                             f->identifier);
            else
                v = (clk__i128)x;
        }
    }
    buf_release(&canon);
    if (rc < 0)
        return rc;
    v *= 2 * (clk__i128)f->num_resolution;
    /* Python's % takes the sign of the divisor: residue in [0, di). */
    residue = v % di;
    if (residue < 0)
        residue += di;
    if (residue != 0) {
        if (2 * residue < di)
            v -= residue;
        else
            v += di - residue;
    }
    sc->num_v = v;
    return 0;
}

int clk__tokens_prepare(const struct clk__feature *f, struct clk__scratch *sc, size_t *ntokens,
                        struct err *e)
{
    size_t pad, need, i;
    long n;
    int rc = 0;

    *ntokens = 0;
    if (sc->value.len == 0)
        return 0;
    switch (f->cmp) {
    case CLK_CMP_NUMERIC:
        rc = numeric_prepare(f, sc, e);
        if (rc < 0)
            return rc;
        *ntokens = 2 * (size_t)f->num_resolution + 1;
        return 0;
    case CLK_CMP_EXACT:
    case CLK_CMP_NGRAM:
        break;
    }
    pad = f->cmp == CLK_CMP_NGRAM && f->ngram_n > 1 ? f->ngram_n - 1 : 0;
    need = sc->value.len + 2 * pad + 1;
    if (sc->cps_cap < need) {
        sc->cps_cap = need + need / 2;
        REALLOC_ARRAY(sc->cps, sc->cps_cap);
    }
    n = clk__utf8_decode(sc->value.data, sc->value.len, sc->cps + pad);
    if (n < 0)
        return err_set(e, ERR_INVALID, "column '%s': value is not valid UTF-8", f->identifier);
    for (i = 0; i < pad; i++) {
        sc->cps[i] = ' ';
        sc->cps[pad + (size_t)n + i] = ' ';
    }
    sc->ncps = (size_t)n + 2 * pad;
    if (f->encoding == CLK_ENC_UTF8 || f->encoding == CLK_ENC_ASCII) {
        /* Keep the padded value as UTF-8 with code point offsets: tokens are slices. */
        size_t off = 0;
        if (sc->offs_cap < sc->ncps + 1) {
            sc->offs_cap = sc->ncps + 1 + sc->ncps / 2;
            REALLOC_ARRAY(sc->offs, sc->offs_cap);
        }
        buf_reset(&sc->padded);
        for (i = 0; i < pad; i++)
            sc->offs[i] = i;
        rc = buf_grow(&sc->padded, sc->value.len + 2 * pad);
        if (rc < 0)
            return err_set(e, ERR_TOOBIG, "column '%s': value too long", f->identifier);
        memset(sc->padded.data, ' ', pad);
        memcpy(sc->padded.data + pad, sc->value.data, sc->value.len);
        memset(sc->padded.data + pad + sc->value.len, ' ', pad);
        sc->padded.len = sc->value.len + 2 * pad;
        sc->padded.data[sc->padded.len] = '\0';
        off = pad;
        for (i = 0; i < (size_t)n; i++) {
            uint32_t c = sc->cps[pad + i];
            sc->offs[pad + i] = off;
            off += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        }
        for (i = 0; i <= pad; i++)
            sc->offs[pad + (size_t)n + i] = off + i;
    }
    if (f->cmp == CLK_CMP_EXACT)
        *ntokens = 1;
    else
        *ntokens = sc->ncps >= f->ngram_n ? sc->ncps - f->ngram_n + 1 : 0;
    return 0;
}

int clk__token(const struct clk__feature *f, struct clk__scratch *sc, size_t i, struct err *e)
{
    struct buf *t = &sc->token;
    size_t j, from, count;
    int rc;

    buf_reset(t);
    if (f->cmp != CLK_CMP_NUMERIC &&
        (f->encoding == CLK_ENC_UTF8 || f->encoding == CLK_ENC_ASCII)) {
        /* fast path: a slice of the padded UTF-8 value, after the position prefix */
        size_t a = f->cmp == CLK_CMP_EXACT ? 0 : i;
        size_t b = f->cmp == CLK_CMP_EXACT ? sc->ncps : i + f->ngram_n;
        char digits[24];
        size_t nd = 0, pos = i + 1;
        if (f->encoding == CLK_ENC_ASCII)
            for (j = a; j < b; j++)
                if (sc->cps[j] >= 0x80)
                    return err_set(e, ERR_INVALID, "column '%s': value cannot be encoded in ascii",
                                   f->identifier);
        rc = 0;
        if (f->cmp == CLK_CMP_NGRAM && f->positional) {
            do {
                digits[nd++] = (char)('0' + pos % 10);
                pos /= 10;
            } while (pos > 0);
            while (rc == 0 && nd > 0)
                rc = buf_putc(t, digits[--nd]);
            if (rc == 0)
                rc = buf_putc(t, ' ');
        }
        if (rc == 0)
            rc = buf_append(t, sc->padded.data + sc->offs[a], sc->offs[b] - sc->offs[a]);
        if (rc < 0)
            return err_set(e, ERR_TOOBIG, "column '%s': token too long", f->identifier);
        return 0;
    }
    rc = encode_bom(t, f->encoding);
    if (rc == 0 && f->cmp == CLK_CMP_NUMERIC) {
        struct buf digits;
        clk__i128 x = sc->num_v + ((clk__i128)i - (clk__i128)f->num_resolution) * f->num_interval;
        char space[64];
        buf_init(&digits, sizeof(space));
        rc = put_i128(&digits, x);
        for (j = 0; rc == 0 && j < digits.len; j++)
            rc = clk__encode_cp(t, f->encoding, (uint32_t)(unsigned char)digits.data[j]);
        buf_release(&digits);
        goto out;
    }
    if (rc == 0 && f->cmp == CLK_CMP_NGRAM && f->positional) {
        char prefix[32];
        int plen = snprintf(prefix, sizeof(prefix), "%zu ", i + 1);
        for (j = 0; rc == 0 && j < (size_t)plen; j++)
            rc = clk__encode_cp(t, f->encoding, (uint32_t)(unsigned char)prefix[j]);
    }
    if (f->cmp == CLK_CMP_EXACT) {
        from = 0;
        count = sc->ncps;
    } else {
        from = i;
        count = f->ngram_n;
    }
    for (j = 0; rc == 0 && j < count; j++) {
        uint32_t cp = sc->cps[from + j];
        if (f->encoding == CLK_ENC_ASCII && cp >= 0x80)
            return err_set(e, ERR_INVALID, "column '%s': value cannot be encoded in ascii",
                           f->identifier);
        rc = clk__encode_cp(t, f->encoding, cp);
    }
out:
    if (rc < 0)
        return err_set(e, ERR_TOOBIG, "column '%s': token too long", f->identifier);
    return 0;
}

uint64_t clk__bits_for_token(const struct clk__feature *f, size_t i, size_t ntokens)
{
    uint64_t k, residue;

    if (!f->bits_per_feature)
        return f->bits;
    k = f->bits / ntokens;
    residue = f->bits % ntokens;
    return i < residue ? k + 1 : k;
}
