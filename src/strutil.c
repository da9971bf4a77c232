/*
 * strutil.c: strict number parsing and bounded string helpers (see strutil.h).
 */
#include "strutil.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#include "banned.h"

int str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (len == 0)
        return ERR_INVALID;
    for (i = 0; i < len; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return ERR_INVALID;
        d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10)
            return ERR_TOOBIG;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int str_to_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
    uint64_t mag;
    int rc;

    if (len > 0 && s[0] == '-') {
        uint64_t lim = (uint64_t)(-(min + 1)) + 1;
        if (min >= 0)
            return ERR_INVALID;
        rc = str_to_u64(s + 1, len - 1, lim, &mag);
        if (rc < 0)
            return rc;
        *out = mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
        return 0;
    }
    if (max < 0)
        return ERR_TOOBIG;
    rc = str_to_u64(s, len, (uint64_t)max, &mag);
    if (rc < 0)
        return rc;
    if ((int64_t)mag < min)
        return ERR_TOOBIG;
    *out = (int64_t)mag;
    return 0;
}

int str_to_double(const char *s, double *out)
{
    char *end = NULL;
    double v;

    if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t')
        return ERR_INVALID;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0')
        return ERR_INVALID;
    if (errno == ERANGE || !isfinite(v))
        return ERR_TOOBIG;
    *out = v;
    return 0;
}

long str_copy(char *dst, const char *src, size_t size)
{
    size_t n;

    if (size == 0)
        return ERR_TOOBIG;
    n = strlen(src);
    if (n >= size) {
        memcpy(dst, src, size - 1);
        dst[size - 1] = '\0';
        return ERR_TOOBIG;
    }
    memcpy(dst, src, n + 1);
    return (long)n;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

bool str_ieq(const char *s, size_t len, const char *lit)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (lit[i] == '\0' || lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
            return false;
    }
    return lit[len] == '\0';
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *str_trim(const char *s, size_t *len)
{
    size_t n = *len;
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}
