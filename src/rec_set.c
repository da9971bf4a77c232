/*
 * rec_set.c: checking one value and storing its canonical form (rec_set(), rec.h).
 *
 * Import calls rec_set() about sixty times per row, so it is written for speed: one
 * pass over the bytes checks UTF-8 and control characters, code lists are looked up
 * in hash tables (codes.h) by a key built on the stack, and the only allocation is
 * the copy of the canonical value. Reasons name the rule, never the value.
 */
#include "rec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "date.h"
#include "err.h"
#include "rec_int.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

/* Longest canonical MULTIPICK or COUNTRIES value; far above any real one. */
#define MULTI_MAX 4096
/* Most countries in one COUNTRIES value. */
#define COUNTRIES_MAX 32

static void store(struct rec *r, int field, const char *p, size_t n)
{
    r->val[field] = rec__strndup(r, p, n);
}

/* ==== UTF-8 and control characters ==== */

enum scan_problem { SCAN_OK, SCAN_NUL, SCAN_UTF8, SCAN_CONTROL };

/*
 * Check s[0..len): valid UTF-8 (no overlong forms, surrogates or code points
 * above U+10FFFF), no NUL, and no control characters: C0 and DEL, C1, and the
 * Unicode line and paragraph separators. multiline allows tab, LF and CR.
 * *at gets the offset of the first problem.
 */
static enum scan_problem scan(const char *s, size_t len, bool multiline, size_t *at)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned c;
        uint32_t cp;
        size_t n, k;

        /* Eight printable ASCII bytes at a time: no byte below 0x20 and none at or
         * above 0x7f (carries only ever add false alarms, which the byte loop sorts). */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if ((((w - 0x2020202020202020ULL) & ~w) | w | (w + 0x0101010101010101ULL)) &
                0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        c = u[i];
        if (c < 0x80) {
            if (c >= 0x20 && c != 0x7f) {
                i++;
                continue;
            }
            *at = i;
            if (c == 0)
                return SCAN_NUL;
            if (multiline && (c == '\t' || c == '\n' || c == '\r')) {
                i++;
                continue;
            }
            return SCAN_CONTROL;
        }
        *at = i;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            cp = c & 0x07;
        } else {
            return SCAN_UTF8;
        }
        if (i + n > len)
            return SCAN_UTF8;
        for (k = 1; k < n; k++) {
            if ((u[i + k] & 0xc0) != 0x80)
                return SCAN_UTF8;
            cp = (cp << 6) | (u[i + k] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return SCAN_UTF8;
        if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
            return SCAN_CONTROL;
        i += n;
    }
    return SCAN_OK;
}

/* ==== one checker per type; each returns 0 or adds an issue and returns ERR_INVALID ==== */

struct ctx {
    struct rec *r;
    int field;
    size_t column;
    struct rec_issues *issues;
};

#define FAIL(c, ...)                                                                               \
    do {                                                                                           \
        rec_issues_add((c)->issues, (c)->field, (c)->column, __VA_ARGS__);                         \
        return ERR_INVALID;                                                                        \
    } while (0)

static int set_text(struct ctx *c, const char *s, size_t len)
{
    if (len > REC_TEXT_MAX)
        FAIL(c, "too long (%zu bytes, at most %d)", len, REC_TEXT_MAX);
    store(c->r, c->field, s, len);
    return 0;
}

/* Line ends become LF: "\r\n" and a lone "\r" alike. */
static int set_longtext(struct ctx *c, const char *s, size_t len)
{
    char *out = NULL;
    size_t i, n = 0;

    if (len > REC_LONGTEXT_MAX)
        FAIL(c, "too long (%zu bytes, at most %d)", len, REC_LONGTEXT_MAX);
    if (memchr(s, '\r', len) == NULL) {
        store(c->r, c->field, s, len);
        return 0;
    }
    out = rec__alloc(c->r, len + 1);
    for (i = 0; i < len; i++) {
        if (s[i] == '\r') {
            out[n++] = '\n';
            if (i + 1 < len && s[i + 1] == '\n')
                i++;
        } else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    c->r->val[c->field] = out;
    return 0;
}

static int set_date(struct ctx *c, const char *s, size_t len)
{
    struct date d;
    const char *why = NULL;
    char out[11];

    if (date_parse(s, len, &d, &why) < 0)
        FAIL(c, "%s", why);
    date_format(&d, out);
    store(c->r, c->field, out, 10);
    return 0;
}

/* Whole numbers; "12.0" from spreadsheets is accepted as 12. */
static int set_number(struct ctx *c, const char *s, size_t len)
{
    int min, max;
    size_t digits = len, i;
    uint64_t v = 0;
    bool negative = false;
    char out[24];
    size_t n = 0;
    int rc;

    rec__number_range(c->field, &min, &max);
    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s++;
        len--;
        digits--;
    }
    for (i = 0; i < len; i++) {
        if (s[i] == '.') {
            size_t j;
            for (j = i + 1; j < len && s[j] == '0'; j++)
                ;
            if (j != len || i == 0)
                FAIL(c, "not a whole number");
            digits = i;
            break;
        }
    }
    rc = str_to_u64(s, digits, UINT64_MAX, &v);
    if (rc == ERR_INVALID)
        FAIL(c, "not a whole number");
    if (rc < 0 || (negative && v != 0) || v < (uint64_t)min || v > (uint64_t)max)
        FAIL(c, "out of range (%d to %d)", min, max);
    /* v <= max fits in an int; write it without leading zeros. */
    do {
        out[sizeof(out) - 1 - n] = (char)('0' + v % 10);
        n++;
        v /= 10;
    } while (v != 0);
    store(c->r, c->field, out + sizeof(out) - n, n);
    return 0;
}

static int set_checkbox(struct ctx *c, const char *s, size_t len)
{
    static const char *const yes[] = {"true", "yes", "y", "1", "t", "on"};
    static const char *const no[] = {"false", "no", "n", "0", "f", "off"};
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (str_ieq(s, len, yes[i])) {
            store(c->r, c->field, "true", 4);
            return 0;
        }
        if (str_ieq(s, len, no[i])) {
            store(c->r, c->field, "false", 5);
            return 0;
        }
    }
    FAIL(c, "not a yes/no value (expected true or false)");
}

/* Add "; did you mean 'X'?" or the list of values (when short) to an issue. */
static int fail_pick(struct ctx *c, const struct codes_list *l, const char *s, size_t len,
                     const char *what)
{
    const char *hint = codes_list_suggest(l, s, len);
    char values[200];
    size_t i, n = 0;

    if (hint != NULL)
        FAIL(c, "%s; did you mean '%s'?", what, hint);
    values[0] = '\0';
    for (i = 0; i < codes_list_count(l); i++) {
        const char *name = codes_list_name(l, i);
        size_t nl = strlen(name);
        if (n + nl + 3 >= sizeof(values)) {
            n = 0;
            break;
        }
        if (n > 0) {
            values[n++] = ',';
            values[n++] = ' ';
        }
        memcpy(values + n, name, nl);
        n += nl;
    }
    values[n] = '\0';
    if (n > 0)
        FAIL(c, "%s (expected one of: %s)", what, values);
    FAIL(c, "%s", what);
}

static int set_pick(struct ctx *c, const char *s, size_t len)
{
    const struct codes_list *l = rec__list(c->field);
    const char *name = NULL;
    int i;

    if (l == NULL)
        FAIL(c, "has no code list");
    i = codes_list_match(l, s, len);
    if (i < 0) {
        if (memchr(s, ';', len) != NULL || memchr(s, '|', len) != NULL)
            FAIL(c, "takes one value, not a list");
        return fail_pick(c, l, s, len, "not a value of its code list");
    }
    name = codes_list_name(l, (size_t)i);
    store(c->r, c->field, name, strlen(name));
    return 0;
}

/* The next part of a ';'- or '|'-separated list, trimmed; false at the end. */
static bool next_part(const char **p, const char *end, const char **part, size_t *part_len)
{
    const char *q = *p;
    if (q > end)
        return false;
    while (q < end && *q != ';' && *q != '|')
        q++;
    *part_len = (size_t)(q - *p);
    *part = str_trim(*p, part_len);
    *p = q + 1;
    return true;
}

static size_t count_parts(const char *s, size_t len)
{
    const char *p = s, *end = s + len, *part = NULL;
    size_t part_len, n = 0;
    while (next_part(&p, end, &part, &part_len)) {
        if (part_len > 0)
            n++;
    }
    return n;
}

static int set_multipick(struct ctx *c, const char *s, size_t len)
{
    const struct codes_list *l = rec__list(c->field);
    const char *p = s, *end = s + len, *part = NULL;
    size_t part_len, k = 0, total, i, n = 0;
    uint64_t set = 0;
    int rc = 0;
    char out[MULTI_MAX];

    if (l == NULL)
        FAIL(c, "has no code list");
    total = count_parts(s, len);
    while (next_part(&p, end, &part, &part_len)) {
        int v;
        if (part_len == 0)
            continue;
        k++;
        v = codes_list_match(l, part, part_len);
        if (v < 0) {
            char what[64];
            if (total == 1)
                snprintf(what, sizeof(what), "not a value of its code list");
            else
                snprintf(what, sizeof(what), "value %zu of %zu is not in its code list", k, total);
            rc = fail_pick(c, l, part, part_len, what);
            continue;
        }
        set |= (uint64_t)1 << v;
    }
    if (rc < 0)
        return rc;
    if (set == 0) {
        c->r->val[c->field] = NULL; /* only separators: missing */
        return 0;
    }
    for (i = 0; i < codes_list_count(l); i++) {
        const char *name = NULL;
        size_t nl;
        if (!(set & ((uint64_t)1 << i)))
            continue;
        name = codes_list_name(l, i);
        nl = strlen(name);
        if (n + nl + 1 >= sizeof(out))
            FAIL(c, "has too many values");
        if (n > 0)
            out[n++] = ';';
        memcpy(out + n, name, nl);
        n += nl;
    }
    store(c->r, c->field, out, n);
    return 0;
}

static int fail_country(struct ctx *c, const char *s, size_t len, const char *what)
{
    const struct codes_country *hint = codes_country_suggest(s, len);
    if (hint != NULL)
        FAIL(c, "%s; did you mean '%s' (%s)?", what, hint->alpha3, hint->name);
    FAIL(c, "%s", what);
}

static int set_country(struct ctx *c, const char *s, size_t len)
{
    const struct codes_country *k = codes_country_find(s, len);
    if (k == NULL) {
        if (memchr(s, ';', len) != NULL || memchr(s, '|', len) != NULL)
            FAIL(c, "takes one country, not a list");
        return fail_country(c, s, len, "not an ISO 3166 country code or name");
    }
    store(c->r, c->field, k->alpha3, 3);
    return 0;
}

static int set_countries(struct ctx *c, const char *s, size_t len)
{
    const struct codes_country *found[COUNTRIES_MAX];
    const char *p = s, *end = s + len, *part = NULL;
    size_t part_len, k = 0, nfound = 0, total, i, j, n = 0;
    int rc = 0;
    char out[COUNTRIES_MAX * 4];

    total = count_parts(s, len);
    if (total > COUNTRIES_MAX)
        FAIL(c, "has too many countries (%zu, at most %d)", total, COUNTRIES_MAX);
    while (next_part(&p, end, &part, &part_len)) {
        const struct codes_country *country = NULL;
        if (part_len == 0)
            continue;
        k++;
        country = codes_country_find(part, part_len);
        if (country == NULL) {
            char what[80];
            if (total == 1)
                snprintf(what, sizeof(what), "not an ISO 3166 country");
            else
                snprintf(what, sizeof(what), "value %zu of %zu is not an ISO 3166 country", k,
                         total);
            rc = fail_country(c, part, part_len, what);
            continue;
        }
        /* Insert in alpha-3 order, once. */
        for (i = 0; i < nfound && strcmp(found[i]->alpha3, country->alpha3) < 0; i++)
            ;
        if (i < nfound && found[i] == country)
            continue;
        for (j = nfound; j > i; j--)
            found[j] = found[j - 1];
        found[i] = country;
        nfound++;
    }
    if (rc < 0)
        return rc;
    if (nfound == 0) {
        c->r->val[c->field] = NULL;
        return 0;
    }
    for (i = 0; i < nfound; i++) {
        if (i > 0)
            out[n++] = ';';
        memcpy(out + n, found[i]->alpha3, 3);
        n += 3;
    }
    store(c->r, c->field, out, n);
    return 0;
}

static int set_language(struct ctx *c, const char *s, size_t len)
{
    char out[4];
    size_t i;

    if (len != 2 && len != 3)
        FAIL(c, "not an ISO 639 language code (two or three letters)");
    for (i = 0; i < len; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch + ('a' - 'A'));
        if (ch < 'a' || ch > 'z')
            FAIL(c, "not an ISO 639 language code (two or three letters)");
        out[i] = ch;
    }
    store(c->r, c->field, out, len);
    return 0;
}

static bool email_local_ok(const char *s, size_t len)
{
    size_t i;
    if (len == 0 || len > 64 || s[0] == '.' || s[len - 1] == '.')
        return false;
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' || strchr("(),:;<>[]\\\"@", ch) != NULL)
            return false;
        if (ch == '.' && s[i + 1] == '.')
            return false;
    }
    return true;
}

static bool email_domain_ok(const char *s, size_t len)
{
    size_t i, label = 0, labels = 0;
    bool last_all_digits = true;

    if (len == 0 || len > 253)
        return false;
    for (i = 0; i <= len; i++) {
        unsigned char ch = i < len ? (unsigned char)s[i] : '.';
        if (ch == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return false;
            labels++;
            if (i < len)
                last_all_digits = true;
            label = 0;
            continue;
        }
        if (label == 0 && ch == '-')
            return false;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch >= 0x80))
            return false;
        if (!(ch >= '0' && ch <= '9'))
            last_all_digits = false;
        label++;
    }
    return labels >= 2 && !last_all_digits;
}

/* local@domain; the domain is lowercased (it is case-insensitive), the local part kept. */
static int set_email(struct ctx *c, const char *s, size_t len)
{
    const char *at = memchr(s, '@', len);
    char *out = NULL;
    size_t local_len, i;

    if (at == NULL || len > 254)
        FAIL(c, "not an email address (expected local@domain)");
    local_len = (size_t)(at - s);
    if (!email_local_ok(s, local_len) || !email_domain_ok(at + 1, len - local_len - 1))
        FAIL(c, "not an email address (expected local@domain)");
    out = rec__strndup(c->r, s, len);
    for (i = local_len + 1; i < len; i++) {
        if (out[i] >= 'A' && out[i] <= 'Z')
            out[i] = (char)(out[i] + ('a' - 'A'));
    }
    c->r->val[c->field] = out;
    return 0;
}

/*
 * Digits with an optional leading '+', spaces, dashes, dots, slashes and brackets.
 * Canonical: the '+' if given, then the digits only. "+44 (0)20 ..." drops the
 * "(0)", the trunk prefix that is not dialled after a country code.
 */
static int set_phone(struct ctx *c, const char *s, size_t len)
{
    char out[32];
    size_t i, n = 0, digits = 0;
    int depth = 0;
    bool plus = s[0] == '+';

    if (plus)
        out[n++] = '+';
    for (i = plus ? 1 : 0; i < len; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9') {
            if (digits >= 20)
                FAIL(c, "not a phone number (too many digits, at most 20)");
            out[n++] = ch;
            digits++;
        } else if (ch == '(') {
            if (depth > 0)
                FAIL(c, "not a phone number (unbalanced brackets)");
            depth++;
            if (plus && i + 2 < len && s[i + 1] == '0' && s[i + 2] == ')') {
                i += 2;
                depth--;
            }
        } else if (ch == ')') {
            if (depth == 0)
                FAIL(c, "not a phone number (unbalanced brackets)");
            depth--;
        } else if (ch != ' ' && ch != '-' && ch != '.' && ch != '/') {
            FAIL(c, "not a phone number (digits with an optional leading '+', spaces, "
                    "dashes, dots and brackets)");
        }
    }
    if (depth != 0)
        FAIL(c, "not a phone number (unbalanced brackets)");
    if (digits < 3)
        FAIL(c, "not a phone number (too few digits)");
    store(c->r, c->field, out, n);
    return 0;
}

/*
 * Decimal degrees: [+-]digits[.digits], checked and normalised as text so that no
 * digit is lost to binary floating point: no '+', no leading zeros, no trailing
 * zeros after the point, "-0" is "0".
 */
static int set_degrees(struct ctx *c, const char *s, size_t len, int limit, const char *what)
{
    char out[40];
    size_t i = 0, int_start, int_end, frac_start = 0, frac_end = 0, n = 0;
    bool negative = false, frac_zero = true;
    uint64_t whole = 0;

    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        i++;
    }
    int_start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    int_end = i;
    if (i < len && s[i] == '.') {
        i++;
        frac_start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        frac_end = i;
        if (frac_end == frac_start)
            i = len + 1; /* "12." */
    }
    if (i != len || int_end == int_start || int_end - int_start > 10 || frac_end - frac_start > 15)
        FAIL(c, "not a %s (decimal degrees from -%d to %d)", what, limit, limit);
    if (str_to_u64(s + int_start, int_end - int_start, UINT64_MAX, &whole) < 0)
        FAIL(c, "not a %s (decimal degrees from -%d to %d)", what, limit, limit);
    while (frac_end > frac_start && s[frac_end - 1] == '0')
        frac_end--;
    frac_zero = frac_end == frac_start;
    if (whole > (uint64_t)limit || (whole == (uint64_t)limit && !frac_zero))
        FAIL(c, "out of range (decimal degrees from -%d to %d)", limit, limit);
    if (negative && (whole != 0 || !frac_zero))
        out[n++] = '-';
    while (int_end - int_start > 1 && s[int_start] == '0')
        int_start++;
    memcpy(out + n, s + int_start, int_end - int_start);
    n += int_end - int_start;
    if (!frac_zero) {
        out[n++] = '.';
        memcpy(out + n, s + frac_start, frac_end - frac_start);
        n += frac_end - frac_start;
    }
    store(c->r, c->field, out, n);
    return 0;
}

/* ==== the entry point ==== */

int rec_set(struct rec *r, int field, const char *value, size_t len, size_t column,
            struct rec_issues *issues)
{
    struct ctx c = {r, field, column, issues};
    const char *s = value;
    enum rec_type type;
    enum scan_problem problem;
    size_t at = 0;

    if (field < 0 || field >= REC_NFIELDS)
        return ERR_INVALID;
    type = rec_fields[field].type;
    s = str_trim(value, &len);
    problem = scan(s, len, type == REC_T_LONGTEXT, &at);
    at += (size_t)(s - value) + 1; /* 1-based offset in the value as given */
    switch (problem) {
    case SCAN_OK:
        break;
    case SCAN_NUL:
        FAIL(&c, "contains a NUL byte (at byte %zu)", at);
    case SCAN_UTF8:
        FAIL(&c, "not valid UTF-8 (at byte %zu)", at);
    case SCAN_CONTROL:
        if (type == REC_T_TEXT)
            FAIL(&c,
                 "contains a control character (at byte %zu); line breaks and tabs are "
                 "allowed only in long text fields",
                 at);
        FAIL(&c, "contains a control character (at byte %zu)", at);
    }
    if (len == 0) {
        r->val[field] = NULL;
        return 0;
    }
    switch (type) {
    case REC_T_TEXT:
        return set_text(&c, s, len);
    case REC_T_LONGTEXT:
        return set_longtext(&c, s, len);
    case REC_T_DATE:
        return set_date(&c, s, len);
    case REC_T_NUMBER:
        return set_number(&c, s, len);
    case REC_T_CHECKBOX:
        return set_checkbox(&c, s, len);
    case REC_T_PICK:
        return set_pick(&c, s, len);
    case REC_T_MULTIPICK:
        return set_multipick(&c, s, len);
    case REC_T_COUNTRY:
        return set_country(&c, s, len);
    case REC_T_COUNTRIES:
        return set_countries(&c, s, len);
    case REC_T_LANGUAGE:
        return set_language(&c, s, len);
    case REC_T_EMAIL:
        return set_email(&c, s, len);
    case REC_T_PHONE:
        return set_phone(&c, s, len);
    case REC_T_LONGITUDE:
        return set_degrees(&c, s, len, 180, "longitude");
    case REC_T_LATITUDE:
        return set_degrees(&c, s, len, 90, "latitude");
    }
    return ERR_INVALID;
}
