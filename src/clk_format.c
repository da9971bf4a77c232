/*
 * clk_format.c: validation and formatting of one value, as clkhash's
 * field_formats.py does it, with Python's own rules where clkhash leans on them.
 *
 * string  validated: encodable in the encoding (ascii: code points < 128),
 *         "pattern" matched as re.compile('(?:' + p + r')\Z').match(value) (we use
 *         PCRE2 with UTF and Unicode properties, anchored at the start), or
 *         minLength/maxLength in code points and case (value.upper() == value for
 *         "upper", value.lower() == value for "lower"). Hashed unchanged.
 * integer validated: int(value, 10) parses and lies in [minimum, maximum].
 *         Hashed as str(int(value, 10)): "+007" becomes "7".
 * date    validated and hashed: datetime.strptime(value, format), written back as
 *         strftime('%Y%m%d') (glibc does not pad years under 1000).
 * enum    validated: one of "values". Hashed unchanged.
 *
 * Python semantics reproduced: int() (white space of str.isspace() around, a sign,
 * underscores between digits, any Unicode decimal digit), _strptime's regular
 * expressions tried in their order with backtracking and case-insensitive
 * matching, and the C-locale month and day names.
 */
#include "clk_int.h"

#include <stdio.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include "xalloc.h"

#include "banned.h"

/* ==== UTF-8 and Python character classes ==== */

long clk__utf8_decode(const char *s, size_t len, uint32_t *cps)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0, n = 0;

    while (i < len) {
        uint32_t c = p[i], min;
        size_t extra, j;

        if (c < 0x80) {
            cps[n++] = c;
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            c &= 0x1F;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            c &= 0x0F;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            c &= 0x07;
            min = 0x10000;
        } else {
            return -1;
        }
        if (len - i <= extra)
            return -1;
        for (j = 1; j <= extra; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return -1;
            c = (c << 6) | (p[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return -1;
        cps[n++] = c;
        i += extra + 1;
    }
    return (long)n;
}

size_t clk__utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int clk__utf8_put(struct buf *b, uint32_t cp)
{
    char u[4];
    size_t n = clk__utf8_encode(cp, u);

    return buf_append(b, u, n);
}

bool clk__py_space(uint32_t cp)
{
    switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x1C:
    case 0x1D:
    case 0x1E:
    case 0x1F:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

/*
 * The value 0-9 of a Unicode decimal digit (category Nd, what Python's \d and
 * int() accept), or -1. Nd code points come in aligned runs of ten.
 */
int clk__py_digit(uint32_t cp)
{
    uint32_t start = cp;
    int steps = 0;

    if (cp >= '0' && cp <= '9')
        return (int)(cp - '0');
    if (cp < 0x80 || utf8proc_category((utf8proc_int32_t)cp) != UTF8PROC_CATEGORY_ND)
        return -1;
    while (start > 0 && steps < 64 &&
           utf8proc_category((utf8proc_int32_t)(start - 1)) == UTF8PROC_CATEGORY_ND) {
        start--;
        steps++;
    }
    return (int)((cp - start) % 10);
}

/* Characters whose full (SpecialCasing) uppercase differs from themselves. */
static bool upper_expands(uint32_t c)
{
    if (c == 0xDF || c == 0x149 || c == 0x1F0 || c == 0x390 || c == 0x3B0 || c == 0x587)
        return true;
    if ((c >= 0x1E96 && c <= 0x1E9A) || (c >= 0xFB00 && c <= 0xFB06) ||
        (c >= 0xFB13 && c <= 0xFB17) || (c >= 0x1F80 && c <= 0x1FAF))
        return true;
    switch (c) {
    case 0x1F50:
    case 0x1F52:
    case 0x1F54:
    case 0x1F56:
    case 0x1FB2:
    case 0x1FB3:
    case 0x1FB4:
    case 0x1FB6:
    case 0x1FB7:
    case 0x1FBC:
    case 0x1FC2:
    case 0x1FC3:
    case 0x1FC4:
    case 0x1FC6:
    case 0x1FC7:
    case 0x1FCC:
    case 0x1FD2:
    case 0x1FD3:
    case 0x1FD6:
    case 0x1FD7:
    case 0x1FE2:
    case 0x1FE3:
    case 0x1FE4:
    case 0x1FE6:
    case 0x1FE7:
    case 0x1FF2:
    case 0x1FF3:
    case 0x1FF4:
    case 0x1FF6:
    case 0x1FF7:
    case 0x1FFC:
        return true;
    default:
        return false;
    }
}

/* ==== Python's int(s, 10) ==== */

/* Strip Python white space from both ends of cps[0..*n); returns the new start. */
static const uint32_t *py_strip(const uint32_t *cps, size_t *n)
{
    size_t a = 0, b = *n;

    while (a < b && clk__py_space(cps[a]))
        a++;
    while (b > a && clk__py_space(cps[b - 1]))
        b--;
    *n = b - a;
    return cps + a;
}

/*
 * Parse code points as Python's int(s, 10): optional sign, digits with single
 * underscores between them. Writes the canonical decimal to out.
 */
static int py_int_cps(const uint32_t *cps, size_t n, struct buf *out)
{
    const uint32_t *p = py_strip(cps, &n);
    size_t i = 0, start;
    bool neg = false, any = false, last_us = false;

    if (i < n && (p[i] == '+' || p[i] == '-')) {
        neg = p[i] == '-';
        i++;
    }
    start = out->len;
    if (neg && buf_putc(out, '-') < 0)
        return ERR_TOOBIG;
    for (; i < n; i++) {
        int d;
        if (p[i] == '_') {
            if (!any || last_us)
                goto bad;
            last_us = true;
            continue;
        }
        d = clk__py_digit(p[i]);
        if (d < 0)
            goto bad;
        last_us = false;
        any = true;
        /* drop leading zeros */
        if (d == 0 && out->len == start + (neg ? 1 : 0))
            continue;
        if (buf_putc(out, '0' + d) < 0)
            return ERR_TOOBIG;
    }
    if (!any || last_us)
        goto bad;
    if (out->len == start + (neg ? 1 : 0)) {
        /* the value is zero: "0", never "-0" */
        buf_truncate(out, start);
        if (buf_putc(out, '0') < 0)
            return ERR_TOOBIG;
    }
    return 0;
bad:
    buf_truncate(out, start);
    return ERR_INVALID;
}

int clk__py_int_canonical(const char *s, size_t len, struct buf *out)
{
    uint32_t small[64];
    uint32_t *cps = len <= 64 ? small : NULL;
    long n;
    int rc;

    if (cps == NULL)
        ALLOC_ARRAY(cps, len);
    n = clk__utf8_decode(s, len, cps);
    rc = n < 0 ? ERR_INVALID : py_int_cps(cps, (size_t)n, out);
    if (cps != small)
        free(cps);
    return rc;
}

/* Compare the canonical decimal a[0..alen) with the number x: -1, 0 or 1. */
static int cmp_decimal(const char *a, size_t alen, int64_t x)
{
    char xs[24];
    int xlen = snprintf(xs, sizeof(xs), "%lld", (long long)x);
    bool aneg = alen > 0 && a[0] == '-', xneg = x < 0;
    int mag;

    if (aneg != xneg)
        return aneg ? -1 : 1;
    if (alen != (size_t)xlen)
        mag = alen < (size_t)xlen ? -1 : 1;
    else
        mag = memcmp(a, xs, alen) < 0 ? -1 : (memcmp(a, xs, alen) > 0 ? 1 : 0);
    return aneg ? -mag : mag;
}

/* ==== regular expressions (PCRE2) ==== */

int clk__regex_compile(struct clk__feature *f, const char *pattern, size_t len, char *why,
                       size_t why_size)
{
    struct buf wrapped;
    pcre2_code *re = NULL;
    int errcode = 0;
    PCRE2_SIZE erroff = 0;

    /* clkhash's re_compile_full(): '(?:' + pattern + r')\Z', then .match(). */
    buf_init(&wrapped, BUF_MAX_LINE);
    if (buf_puts(&wrapped, "(?:") < 0 || buf_append(&wrapped, pattern, len) < 0 ||
        buf_puts(&wrapped, ")\\z") < 0) {
        buf_release(&wrapped);
        snprintf(why, why_size, "pattern too long");
        return ERR_INVALID;
    }
    re = pcre2_compile((PCRE2_SPTR)wrapped.data, wrapped.len, PCRE2_UTF | PCRE2_UCP, &errcode,
                       &erroff, NULL);
    buf_release(&wrapped);
    if (re == NULL) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(errcode, msg, sizeof(msg));
        snprintf(why, why_size, "invalid regular expression: %s", (const char *)msg);
        return ERR_INVALID;
    }
    f->regex = re;
    f->regex_match = pcre2_match_data_create_from_pattern(re, NULL);
    if (f->regex_match == NULL)
        abort();
    return 0;
}

void clk__regex_free(struct clk__feature *f)
{
    pcre2_match_data_free(f->regex_match);
    pcre2_code_free(f->regex);
    f->regex_match = NULL;
    f->regex = NULL;
}

/* ==== Python's strptime ==== */

#define DATE_MAX_ELEMS 128

enum date_elem_kind { DE_LITERAL, DE_SPACE, DE_DIRECTIVE };

struct date_elem {
    enum date_elem_kind kind;
    uint32_t cp; /* DE_LITERAL: the character */
    char dir;    /* DE_DIRECTIVE: 'Y', 'm', ... */
};

struct clk__date {
    struct date_elem *elems;
    size_t nelems;
};

/* C-locale names, lower case, as Python's LocaleTime builds them. */
static const char *const month_full[12] = {"january",   "february", "march",    "april",
                                           "may",       "june",     "july",     "august",
                                           "september", "october",  "november", "december"};
static const char *const month_abbr[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const day_full[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};
static const char *const day_abbr[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const am_pm[2] = {"am", "pm"};

/*
 * The alternatives of each numeric directive, in _strptime's order. A pattern is
 * a string of: 'D' any decimal digit, '[xy]' or '[x-y]' an ASCII class, or a
 * literal character.
 */
static const char *const *numeric_alts(char dir)
{
    static const char *const d[] = {"3[01]", "[12]D", "0[1-9]", "[1-9]", " [1-9]", NULL};
    static const char *const f[] = {"DDDDDD", "DDDDD", "DDDD", "DDD", "DD", "D", NULL};
    static const char *const H[] = {"2[0-3]", "[01]D", "D", NULL};
    static const char *const I[] = {"1[0-2]", "0[1-9]", "[1-9]", NULL};
    static const char *const j[] = {"36[0-6]", "3[0-5]D", "[12]DD", "0[1-9]D", "00[1-9]",
                                    "[1-9]D",  "0[1-9]",  "[1-9]",  NULL};
    static const char *const m[] = {"1[0-2]", "0[1-9]", "[1-9]", NULL};
    static const char *const M[] = {"[0-5]D", "D", NULL};
    static const char *const S[] = {"6[01]", "[0-5]D", "D", NULL};
    static const char *const w[] = {"[0-6]", NULL};
    static const char *const y[] = {"DD", NULL};
    static const char *const Y[] = {"DDDD", NULL};

    switch (dir) {
    case 'd':
        return d;
    case 'f':
        return f;
    case 'H':
        return H;
    case 'I':
        return I;
    case 'j':
        return j;
    case 'm':
        return m;
    case 'M':
        return M;
    case 'S':
        return S;
    case 'w':
        return w;
    case 'y':
        return y;
    case 'Y':
        return Y;
    default:
        return NULL;
    }
}

static bool is_name_dir(char dir)
{
    return dir == 'b' || dir == 'B' || dir == 'a' || dir == 'A' || dir == 'p';
}

int clk__date_compile(const char *fmt, struct clk__date **out, char *why, size_t why_size)
{
    size_t len = strlen(fmt), i = 0, cap = 0;
    uint32_t *cps = NULL;
    long n;
    struct clk__date *d = xcalloc(1, sizeof(*d));

    ALLOC_ARRAY(cps, len + 1);
    n = clk__utf8_decode(fmt, len, cps);
    if (n < 0) {
        snprintf(why, why_size, "date format is not valid UTF-8");
        goto fail;
    }
    while (i < (size_t)n) {
        struct date_elem el = {DE_LITERAL, 0, 0};
        if (clk__py_space(cps[i])) {
            el.kind = DE_SPACE;
            while (i < (size_t)n && clk__py_space(cps[i]))
                i++;
        } else if (cps[i] == '%') {
            uint32_t c;
            if (i + 1 >= (size_t)n) {
                snprintf(why, why_size, "stray %% at the end of the date format");
                goto fail;
            }
            c = cps[i + 1];
            i += 2;
            if (c == '%') {
                el.cp = '%';
            } else if (c < 0x80 && (numeric_alts((char)c) != NULL || is_name_dir((char)c))) {
                el.kind = DE_DIRECTIVE;
                el.dir = (char)c;
            } else if (c < 0x80 && strchr("zZcxXUWGVu", (int)c) != NULL) {
                snprintf(why, why_size, "date directive '%%%c' is not supported", (char)c);
                goto fail;
            } else {
                snprintf(why, why_size, "bad directive in the date format");
                goto fail;
            }
        } else {
            el.cp = cps[i++];
        }
        if (el.kind == DE_DIRECTIVE) {
            size_t k;
            for (k = 0; k < d->nelems; k++)
                if (d->elems[k].kind == DE_DIRECTIVE && d->elems[k].dir == el.dir) {
                    /* Python's re refuses a group name defined twice. */
                    snprintf(why, why_size, "date directive '%%%c' appears twice", el.dir);
                    goto fail;
                }
        }
        if (d->nelems >= DATE_MAX_ELEMS) {
            snprintf(why, why_size, "date format too long");
            goto fail;
        }
        ALLOC_GROW(d->elems, d->nelems + 1, cap);
        d->elems[d->nelems++] = el;
    }
    free(cps);
    *out = d;
    return 0;
fail:
    free(cps);
    clk__date_free(d);
    return ERR_INVALID;
}

void clk__date_free(struct clk__date *d)
{
    if (d == NULL)
        return;
    free(d->elems);
    free(d);
}

/* Does the pattern (see numeric_alts) match at cps[pos..n)? Returns its length or -1. */
static long match_alt(const char *pat, const uint32_t *cps, size_t n, size_t pos)
{
    size_t k = 0;

    while (*pat != '\0') {
        uint32_t c;
        if (pos + k >= n)
            return -1;
        c = cps[pos + k];
        if (*pat == 'D') {
            if (clk__py_digit(c) < 0)
                return -1;
            pat++;
        } else if (*pat == '[') {
            bool ok = false;
            pat++;
            while (*pat != ']') {
                if (pat[1] == '-' && pat[2] != ']') {
                    ok = ok || (c >= (uint32_t)pat[0] && c <= (uint32_t)pat[2]);
                    pat += 3;
                } else {
                    ok = ok || c == (uint32_t)pat[0];
                    pat++;
                }
            }
            pat++;
            if (!ok)
                return -1;
        } else {
            if (c != (uint32_t)*pat)
                return -1;
            pat++;
        }
        k++;
    }
    return (long)k;
}

static bool ci_equal(uint32_t a, uint32_t b)
{
    return a == b || utf8proc_tolower((utf8proc_int32_t)a) == utf8proc_tolower((utf8proc_int32_t)b);
}

/* Case-insensitive match of the ASCII word at cps[pos..n); its length or -1. */
static long match_word(const char *w, const uint32_t *cps, size_t n, size_t pos)
{
    size_t k;

    for (k = 0; w[k] != '\0'; k++)
        if (pos + k >= n || !ci_equal(cps[pos + k], (uint32_t)(unsigned char)w[k]))
            return -1;
    return (long)k;
}

/* The names of a name directive, sorted longest first (stable), as __seqToRE does. */
static size_t name_list(char dir, const char *out[12], int values[12])
{
    const char *const *src;
    size_t count, i, j;

    switch (dir) {
    case 'B':
        src = month_full;
        count = 12;
        break;
    case 'b':
        src = month_abbr;
        count = 12;
        break;
    case 'A':
        src = day_full;
        count = 7;
        break;
    case 'a':
        src = day_abbr;
        count = 7;
        break;
    default:
        src = am_pm;
        count = 2;
        break;
    }
    for (i = 0; i < count; i++) {
        out[i] = src[i];
        values[i] = (int)i;
    }
    /* stable insertion sort by length, longest first */
    for (i = 1; i < count; i++) {
        const char *s = out[i];
        int v = values[i];
        for (j = i; j > 0 && strlen(out[j - 1]) < strlen(s); j--) {
            out[j] = out[j - 1];
            values[j] = values[j - 1];
        }
        out[j] = s;
        values[j] = v;
    }
    return count;
}

struct date_fields {
    long v[DATE_MAX_ELEMS]; /* the value captured by each element (directives only) */
};

static long digits_value(const uint32_t *cps, size_t pos, size_t len)
{
    long v = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        int d = clk__py_digit(cps[pos + i]);
        v = v * 10 + (d < 0 ? 0 : d);
    }
    return v;
}

/*
 * Backtracking match of elems[ei..] at cps[pos..n), trying alternatives in the
 * regular expression's order; *end gets where the first successful match ends.
 */
static bool date_match(const struct clk__date *d, size_t ei, const uint32_t *cps, size_t n,
                       size_t pos, struct date_fields *df, size_t *end, int depth)
{
    const struct date_elem *el;

    if (depth > 256)
        return false;
    if (ei == d->nelems) {
        *end = pos;
        return true;
    }
    el = &d->elems[ei];
    switch (el->kind) {
    case DE_LITERAL:
        if (pos < n && ci_equal(cps[pos], el->cp))
            return date_match(d, ei + 1, cps, n, pos + 1, df, end, depth + 1);
        return false;
    case DE_SPACE: {
        /* \s+ is greedy: try the longest run first, then give back. */
        size_t run = 0;
        while (pos + run < n && clk__py_space(cps[pos + run]))
            run++;
        for (; run >= 1; run--)
            if (date_match(d, ei + 1, cps, n, pos + run, df, end, depth + 1))
                return true;
        return false;
    }
    case DE_DIRECTIVE:
        break;
    }
    if (is_name_dir(el->dir)) {
        const char *names[12];
        int values[12];
        size_t count = name_list(el->dir, names, values), i;
        for (i = 0; i < count; i++) {
            long m = match_word(names[i], cps, n, pos);
            if (m < 0)
                continue;
            df->v[ei] = values[i];
            if (date_match(d, ei + 1, cps, n, pos + (size_t)m, df, end, depth + 1))
                return true;
        }
        df->v[ei] = -1;
        return false;
    } else {
        const char *const *alts = numeric_alts(el->dir);
        size_t i;
        for (i = 0; alts[i] != NULL; i++) {
            long m = match_alt(alts[i], cps, n, pos);
            if (m < 0)
                continue;
            if (el->dir == 'd' && cps[pos] == ' ')
                df->v[ei] = digits_value(cps, pos + 1, (size_t)m - 1);
            else
                df->v[ei] = digits_value(cps, pos, (size_t)m);
            if (date_match(d, ei + 1, cps, n, pos + (size_t)m, df, end, depth + 1))
                return true;
        }
        df->v[ei] = -1;
        return false;
    }
}

static bool is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long y, long m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

int clk__date_format(const struct clk__date *d, const char *s, size_t len, struct buf *out,
                     char *why, size_t why_size)
{
    uint32_t small[64];
    uint32_t *cps = len <= 64 ? small : NULL;
    struct date_fields df;
    size_t end = 0, i;
    long n, year, month, day, julian;
    int rc = ERR_INVALID;

    if (cps == NULL)
        ALLOC_ARRAY(cps, len);
    n = clk__utf8_decode(s, len, cps);
    if (n < 0) {
        snprintf(why, why_size, "not valid UTF-8");
        goto out;
    }
    for (i = 0; i < DATE_MAX_ELEMS; i++)
        df.v[i] = -1;
    if (!date_match(d, 0, cps, (size_t)n, 0, &df, &end, 0)) {
        snprintf(why, why_size, "does not match the date format");
        goto out;
    }
    if (end != (size_t)n) {
        snprintf(why, why_size, "unconverted data remains after the date");
        goto out;
    }
    /* _strptime reads the groups in the order of the format: the last one wins. */
    year = -1;
    month = 1;
    day = 1;
    julian = -1;
    for (i = 0; i < d->nelems; i++) {
        long x = df.v[i];
        if (d->elems[i].kind != DE_DIRECTIVE)
            continue;
        switch (d->elems[i].dir) {
        case 'y':
            year = x <= 68 ? x + 2000 : x + 1900;
            break;
        case 'Y':
            year = x;
            break;
        case 'm':
            month = x;
            break;
        case 'B':
        case 'b':
            month = x + 1;
            break;
        case 'd':
            day = x;
            break;
        case 'j':
            julian = x;
            break;
        default:
            break;
        }
    }
    if (year < 0) {
        /* No year: Python computes with 1900, and refuses 29 February then. */
        year = 1900;
        if (month == 2 && day == 29 && julian < 0) {
            snprintf(why, why_size, "day is out of range for month");
            goto out;
        }
    }
    if (year < 1 || year > 9999) {
        snprintf(why, why_size, "year is out of range");
        goto out;
    }
    if (julian >= 0) {
        /* date.fromordinal(julian - 1 + date(year, 1, 1).toordinal()) */
        month = 1;
        day = julian;
        while (day > days_in_month(year, month)) {
            day -= days_in_month(year, month);
            if (++month > 12) {
                month = 1;
                if (++year > 9999) {
                    snprintf(why, why_size, "year is out of range");
                    goto out;
                }
            }
        }
    } else if (day > days_in_month(year, month)) {
        snprintf(why, why_size, "day is out of range for month");
        goto out;
    }
    if (buf_printf(out, "%ld%02ld%02ld", year, month, day) < 0) {
        snprintf(why, why_size, "value too long");
        goto out;
    }
    rc = 0;
out:
    if (cps != small)
        free(cps);
    return rc;
}

/* ==== validation and formatting of one value ==== */

static int fail(struct err *e, const struct clk__feature *f, const char *what)
{
    return err_set(e, ERR_INVALID, "column '%s': %s", f->identifier, what);
}

/* Decode sc's value buffer into sc->cps (room grown as needed); -1 if invalid. */
static long decode_into(struct clk__scratch *sc, const char *v, size_t len)
{
    if (sc->cps_cap < len + 1) {
        sc->cps_cap = len + 1 + len / 2;
        REALLOC_ARRAY(sc->cps, sc->cps_cap);
    }
    return clk__utf8_decode(v, len, sc->cps);
}

int clk__validate(const struct clk__feature *f, const char *v, size_t len, struct clk__scratch *sc,
                  struct err *e)
{
    char why[160];
    long n = decode_into(sc, v, len);
    size_t i;

    buf_reset(&sc->value);
    if (n < 0)
        return fail(e, f, "value is not valid UTF-8");
    if (f->encoding == CLK_ENC_ASCII)
        for (i = 0; i < (size_t)n; i++)
            if (sc->cps[i] >= 0x80)
                return fail(e, f, "value cannot be encoded in ascii");

    switch (f->fmt) {
    case CLK_FMT_STRING:
        if (f->regex != NULL) {
            int m = pcre2_match((pcre2_code *)f->regex, (PCRE2_SPTR)v, len, 0, PCRE2_ANCHORED,
                                (pcre2_match_data *)f->regex_match, NULL);
            if (m < 0)
                return fail(e, f, "value does not match the pattern");
            return 0;
        }
        if (f->has_min_len && (uint64_t)n < f->min_len) {
            snprintf(why, sizeof(why), "value shorter than minLength %llu",
                     (unsigned long long)f->min_len);
            return fail(e, f, why);
        }
        if (f->has_max_len && (uint64_t)n > f->max_len) {
            snprintf(why, sizeof(why), "value longer than maxLength %llu",
                     (unsigned long long)f->max_len);
            return fail(e, f, why);
        }
        for (i = 0; i < (size_t)n; i++) {
            utf8proc_int32_t c = (utf8proc_int32_t)sc->cps[i];
            if (f->letter_case == CLK_CASE_UPPER &&
                (utf8proc_toupper(c) != c || upper_expands(sc->cps[i])))
                return fail(e, f, "value is not upper case");
            if (f->letter_case == CLK_CASE_LOWER && (utf8proc_tolower(c) != c || c == 0x130))
                return fail(e, f, "value is not lower case");
        }
        return 0;
    case CLK_FMT_INTEGER: {
        /* the check computes the formatted value: keep it (see clk_int.h) */
        int rc = py_int_cps(sc->cps, (size_t)n, &sc->value);
        if (rc < 0)
            return fail(e, f, "value is not an integer");
        if (f->has_minimum && cmp_decimal(sc->value.data, sc->value.len, f->minimum) < 0) {
            snprintf(why, sizeof(why), "integer below minimum %lld", (long long)f->minimum);
            return fail(e, f, why);
        }
        if (f->has_maximum && cmp_decimal(sc->value.data, sc->value.len, f->maximum) > 0) {
            snprintf(why, sizeof(why), "integer above maximum %lld", (long long)f->maximum);
            return fail(e, f, why);
        }
        return 0;
    }
    case CLK_FMT_DATE:
        if (clk__date_format(f->date, v, len, &sc->value, why, sizeof(why)) < 0)
            return fail(e, f, why);
        return 0;
    case CLK_FMT_ENUM:
        for (i = 0; i < f->nenum; i++)
            if (f->enum_lens[i] == len && memcmp(f->enum_values[i], v, len) == 0)
                return 0;
        return fail(e, f, "value is not one of the enum values");
    }
    return 0;
}

int clk__format(const struct clk__feature *f, const char *v, size_t len, struct clk__scratch *sc,
                struct err *e)
{
    char why[160];
    long n;

    buf_reset(&sc->value);
    switch (f->fmt) {
    case CLK_FMT_INTEGER:
        n = decode_into(sc, v, len);
        if (n < 0)
            return fail(e, f, "value is not valid UTF-8");
        if (py_int_cps(sc->cps, (size_t)n, &sc->value) < 0)
            return fail(e, f, "value is not an integer");
        return 0;
    case CLK_FMT_DATE:
        if (clk__date_format(f->date, v, len, &sc->value, why, sizeof(why)) < 0)
            return fail(e, f, why);
        return 0;
    case CLK_FMT_STRING:
    case CLK_FMT_ENUM:
        break;
    }
    if (buf_append(&sc->value, v, len) < 0)
        return fail(e, f, "value too long");
    return 0;
}
