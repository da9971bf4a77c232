/*
 * date.c: calendar dates (date.h): parsing the unambiguous forms people write,
 * the canonical YYYY-MM-DD form, comparisons, ages and today's date.
 *
 * The parser splits the text into at most three parts (runs of digits or of
 * letters) separated by '-', '/', '.', ',' or spaces, then decides the order from
 * the parts themselves: four digits first means year-month-day; a month name fixes
 * the month; two numbers before a four-digit year are day and month only when
 * that cannot be misread (see date.h). It never guesses.
 */
#include "date.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "strutil.h"

#include "banned.h"

#define YEAR_MIN 1880
#define YEAR_MAX 2200

static const char WHY_FORMAT[] = "not a recognised date (expected YYYY-MM-DD)";
static const char WHY_CALENDAR[] = "not a calendar date";
static const char WHY_AMBIGUOUS[] = "ambiguous day and month (write YYYY-MM-DD)";
static const char WHY_YEAR[] = "year out of range (1880 to 2200)";
static const char WHY_SHORT_YEAR[] = "two-digit year (write all four digits)";

bool date_valid(int year, int month, int day)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int max;

    if (year < YEAR_MIN || year > YEAR_MAX || month < 1 || month > 12 || day < 1)
        return false;
    max = days[month - 1];
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        max = 29;
    return day <= max;
}

/* ==== parsing ==== */

enum part_kind { PART_NUM, PART_WORD };

struct part {
    enum part_kind kind;
    const char *p;
    size_t len;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The month 1..12 named by an English month name or its three-letter abbreviation
 * ("Sept" too), any case, or 0. */
static int month_from_name(const char *p, size_t len)
{
    static const char *const names[12] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};
    int m;

    for (m = 0; m < 12; m++) {
        size_t full = strlen(names[m]);
        size_t i;
        if (len != 3 && len != full && !(m == 8 && len == 4))
            continue;
        for (i = 0; i < len; i++) {
            char c = p[i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c + ('a' - 'A'));
            if (c != names[m][i])
                break;
        }
        if (i == len)
            return m + 1;
    }
    return 0;
}

static int num(const struct part *pt)
{
    uint64_t v = 0;
    if (str_to_u64(pt->p, pt->len, 99999999, &v) < 0)
        return -1;
    return (int)v;
}

static int finish(int y, int m, int d, struct date *out, const char **why)
{
    if (y < YEAR_MIN || y > YEAR_MAX) {
        *why = WHY_YEAR;
        return ERR_INVALID;
    }
    if (!date_valid(y, m, d)) {
        *why = WHY_CALENDAR;
        return ERR_INVALID;
    }
    out->year = y;
    out->month = m;
    out->day = d;
    return 0;
}

/* What may follow a date and is dropped: "T10:00:00Z", " 10:00", "T10:00:00.5+02:00". */
static bool is_time_suffix(const char *s, size_t len)
{
    size_t i;
    if (len < 3 || (s[0] != 'T' && s[0] != 't' && s[0] != ' '))
        return false;
    if (!is_digit(s[1]) || !is_digit(s[2]))
        return false;
    for (i = 3; i < len; i++) {
        char c = s[i];
        if (!is_digit(c) && c != ':' && c != '.' && c != 'Z' && c != 'z' && c != '+' && c != '-')
            return false;
    }
    return true;
}

/* Read 1 or 2 digits at s[*i]; returns the number or -1. */
static int two_digits(const char *s, size_t len, size_t *i)
{
    int v = 0, n = 0;
    while (*i < len && is_digit(s[*i]) && n < 3) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    return (n == 1 || n == 2) ? v : -1;
}

/*
 * Year first: YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (one- or two-digit month and
 * day, the same separator twice) and YYYYMMDD, each optionally followed by a time.
 * Returns 1 when s is not of this form.
 */
static int parse_year_first(const char *s, size_t len, struct date *out, const char **why)
{
    size_t i = 4;
    int y, m, d;
    char sep;

    if (len < 8 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]))
        return 1;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (is_digit(s[4])) {
        for (i = 4; i < 8; i++) {
            if (!is_digit(s[i]))
                return ERR_INVALID;
        }
        if (len != 8 && !is_time_suffix(s + 8, len - 8))
            return ERR_INVALID;
        m = (s[4] - '0') * 10 + (s[5] - '0');
        d = (s[6] - '0') * 10 + (s[7] - '0');
        return finish(y, m, d, out, why);
    }
    sep = s[4];
    if (sep != '-' && sep != '/' && sep != '.')
        return 1;
    i = 5;
    m = two_digits(s, len, &i);
    if (m < 0 || i >= len || s[i] != sep)
        return ERR_INVALID;
    i++;
    d = two_digits(s, len, &i);
    if (d < 0 || (i != len && !is_time_suffix(s + i, len - i)))
        return ERR_INVALID;
    return finish(y, m, d, out, why);
}

static bool is_sep(char c)
{
    return c == ' ' || c == ',' || c == '-' || c == '/' || c == '.';
}

int date_parse(const char *s, size_t len, struct date *out, const char **why)
{
    struct part parts[3];
    char seps[2] = {0, 0}; /* the separator after parts 0 and 1, when a single - / . */
    size_t nparts = 0;
    size_t i = 0;
    const char *dummy = NULL;
    int rc;

    if (why == NULL)
        why = &dummy;
    *why = WHY_FORMAT;
    s = str_trim(s, &len);
    if (len == 0 || len > 64)
        return ERR_INVALID;

    rc = parse_year_first(s, len, out, why);
    if (rc <= 0)
        return rc;

    /* Otherwise: three parts (digits or letters) with separators between them. */
    while (i < len) {
        size_t start = i, sep_start;
        if (nparts == 3) {
            if (is_time_suffix(s + i - 1, len - i + 1) && s[i - 1] == ' ')
                break;
            return ERR_INVALID;
        }
        if (is_digit(s[i])) {
            while (i < len && is_digit(s[i]))
                i++;
            parts[nparts].kind = PART_NUM;
        } else if (is_alpha(s[i])) {
            while (i < len && is_alpha(s[i]))
                i++;
            parts[nparts].kind = PART_WORD;
        } else {
            return ERR_INVALID;
        }
        parts[nparts].p = s + start;
        parts[nparts].len = i - start;
        nparts++;
        sep_start = i;
        while (i < len && is_sep(s[i]))
            i++;
        if (i < len && i == sep_start)
            return ERR_INVALID; /* "5March" or "12ab" */
        if (nparts <= 2 && i - sep_start == 1)
            seps[nparts - 1] = s[sep_start];
    }
    if (nparts != 3)
        return ERR_INVALID;

    /* A month name: "5 March 2024", "05-Mar-2024", "March 5, 2024". */
    if (parts[0].kind == PART_NUM && parts[1].kind == PART_WORD && parts[2].kind == PART_NUM) {
        int m = month_from_name(parts[1].p, parts[1].len);
        if (m == 0 || parts[0].len > 2)
            return ERR_INVALID;
        if (parts[2].len != 4) {
            *why = parts[2].len == 2 ? WHY_SHORT_YEAR : WHY_FORMAT;
            return ERR_INVALID;
        }
        return finish(num(&parts[2]), m, num(&parts[0]), out, why);
    }
    if (parts[0].kind == PART_WORD && parts[1].kind == PART_NUM && parts[2].kind == PART_NUM) {
        int m = month_from_name(parts[0].p, parts[0].len);
        if (m == 0 || parts[1].len > 2)
            return ERR_INVALID;
        if (parts[2].len != 4) {
            *why = parts[2].len == 2 ? WHY_SHORT_YEAR : WHY_FORMAT;
            return ERR_INVALID;
        }
        return finish(num(&parts[2]), m, num(&parts[1]), out, why);
    }

    /* DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY: only where day and month cannot be confused. */
    if (parts[0].kind == PART_NUM && parts[1].kind == PART_NUM && parts[2].kind == PART_NUM &&
        parts[0].len <= 2 && parts[1].len <= 2 && seps[0] != 0 && seps[0] == seps[1] &&
        seps[0] != ' ' && seps[0] != ',') {
        int a = num(&parts[0]), b = num(&parts[1]);
        if (parts[2].len != 4) {
            *why = parts[2].len == 2 ? WHY_SHORT_YEAR : WHY_FORMAT;
            return ERR_INVALID;
        }
        if (a == b || (a > 12 && b <= 12))
            return finish(num(&parts[2]), b, a, out, why); /* day first */
        if (b > 12 && a <= 12)
            return finish(num(&parts[2]), a, b, out, why); /* month first */
        if (a > 12 && b > 12) {
            *why = WHY_CALENDAR;
            return ERR_INVALID;
        }
        *why = WHY_AMBIGUOUS;
        return ERR_INVALID;
    }
    return ERR_INVALID;
}

/* ==== formatting, comparing, ages ==== */

void date_format(const struct date *d, char out[11])
{
    int y = d->year;
    out[0] = (char)('0' + (y / 1000) % 10);
    out[1] = (char)('0' + (y / 100) % 10);
    out[2] = (char)('0' + (y / 10) % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + (d->month / 10) % 10);
    out[6] = (char)('0' + d->month % 10);
    out[7] = '-';
    out[8] = (char)('0' + (d->day / 10) % 10);
    out[9] = (char)('0' + d->day % 10);
    out[10] = '\0';
}

int date_cmp(const struct date *a, const struct date *b)
{
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return 0;
}

int date_age_years(const struct date *birth, const struct date *at)
{
    int age = at->year - birth->year;
    /* The birthday this year has not come yet. A 29 February birthday comes on
     * 1 March in common years. */
    if (at->month < birth->month || (at->month == birth->month && at->day < birth->day))
        age--;
    return age;
}

void date_today(struct date *out)
{
    const char *env = getenv("TIPHUB_TODAY");
    time_t now;
    struct tm tm;

    if (env != NULL && *env != '\0') {
        const char *why = NULL;
        if (strlen(env) == 10 && date_parse(env, 10, out, &why) == 0)
            return;
        log_warn("ignoring TIPHUB_TODAY: not a date in the form YYYY-MM-DD");
    }
    now = time(NULL);
    memset(&tm, 0, sizeof(tm));
    gmtime_r(&now, &tm);
    out->year = tm.tm_year + 1900;
    out->month = tm.tm_mon + 1;
    out->day = tm.tm_mday;
}
