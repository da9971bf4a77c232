/*
 * codes_key.c: the matching key of code-list text (codes_key()), the hash map the
 * code lists are looked up in, and the "did you mean" search over a map by edit
 * distance (codes__map_suggest(), for countries and picklists alike).
 * Part of the codes module (codes.h); nothing here allocates except map set-up.
 */
#include "codes.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "codes_int.h"
#include "xalloc.h"

#include "banned.h"

/* ==== matching keys ==== */

static bool is_ascii_alnum(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Append the key bytes of one non-ASCII code point; returns the new length or -1. */
static int key_codepoint(utf8proc_int32_t cp, char *out, int n)
{
    utf8proc_int32_t parts[16];
    utf8proc_ssize_t nparts;
    utf8proc_ssize_t i;
    int boundclass = 0;

    nparts = utf8proc_decompose_char(
        cp, parts, 16,
        UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK, &boundclass);
    if (nparts < 0 || nparts > 16)
        return n; /* unassigned or oddly long: not part of the key */
    for (i = 0; i < nparts; i++) {
        utf8proc_int32_t p = parts[i];
        if (p < 0x80) {
            if (is_ascii_alnum((unsigned)p)) {
                if (n + 1 >= CODES_KEY_MAX)
                    return -1;
                out[n++] = (char)((p >= 'A' && p <= 'Z') ? p + ('a' - 'A') : p);
            }
        } else {
            utf8proc_category_t cat = utf8proc_category(p);
            bool keep = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL ||
                        cat == UTF8PROC_CATEGORY_LT || cat == UTF8PROC_CATEGORY_LM ||
                        cat == UTF8PROC_CATEGORY_LO || cat == UTF8PROC_CATEGORY_ND ||
                        cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO;
            if (keep) {
                if (n + 4 >= CODES_KEY_MAX)
                    return -1;
                n += (int)utf8proc_encode_char(p, (utf8proc_uint8_t *)out + n);
            }
        }
    }
    return n;
}

int codes_key(const char *s, size_t len, char out[CODES_KEY_MAX])
{
    size_t i = 0;
    int n = 0;

    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (is_ascii_alnum(c)) {
                if (n + 1 >= CODES_KEY_MAX)
                    return -1;
                out[n++] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
            }
            i++;
        } else {
            utf8proc_int32_t cp = 0;
            utf8proc_ssize_t used =
                utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
            if (used <= 0)
                return -1;
            n = key_codepoint(cp, out, n);
            if (n < 0)
                return -1;
            i += (size_t)used;
        }
    }
    out[n] = '\0';
    return n;
}

/* ==== the hash map ==== */

uint64_t codes__hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void codes__map_init(struct codes__map *m, size_t expected)
{
    size_t size = 16;
    while (size < expected * 4)
        size *= 2;
    CALLOC_ARRAY(m->slots, size);
    m->mask = size - 1;
    m->n = 0;
}

static void map_grow(struct codes__map *m)
{
    struct codes__map bigger;
    size_t i;

    codes__map_init(&bigger, (m->mask + 1) / 2);
    for (i = 0; i <= m->mask; i++) {
        struct codes__slot *s = &m->slots[i];
        if (s->key != NULL) {
            size_t j = (size_t)codes__hash(s->key, s->key_len) & bigger.mask;
            while (bigger.slots[j].key != NULL)
                j = (j + 1) & bigger.mask;
            bigger.slots[j] = *s;
            bigger.n++;
        }
    }
    free(m->slots);
    *m = bigger;
}

int codes__map_put(struct codes__map *m, const char *key, size_t key_len, int value)
{
    size_t j;

    if ((m->n + 1) * 2 > m->mask + 1)
        map_grow(m);
    j = (size_t)codes__hash(key, key_len) & m->mask;
    for (;;) {
        struct codes__slot *s = &m->slots[j];
        if (s->key == NULL) {
            s->key = xstrndup(key, key_len);
            s->key_len = key_len;
            s->value = value;
            m->n++;
            return 0;
        }
        if (s->key_len == key_len && memcmp(s->key, key, key_len) == 0)
            return s->value == value ? 1 : -1;
        j = (j + 1) & m->mask;
    }
}

int codes__map_get(const struct codes__map *m, const char *key, size_t key_len)
{
    size_t j = (size_t)codes__hash(key, key_len) & m->mask;
    for (;;) {
        const struct codes__slot *s = &m->slots[j];
        if (s->key == NULL)
            return -1;
        if (s->key_len == key_len && memcmp(s->key, key, key_len) == 0)
            return s->value;
        j = (j + 1) & m->mask;
    }
}

/* ==== "did you mean": edit distance ==== */

/*
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions)
 * between a[0..alen) and b[0..blen), or limit + 1 as soon as it must exceed limit.
 * Lengths are at most CODES_KEY_MAX.
 */
static int distance(const char *a, size_t alen, const char *b, size_t blen, int limit)
{
    int rows[3][CODES_KEY_MAX + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    size_t i, j;

    if (alen > CODES_KEY_MAX || blen > CODES_KEY_MAX)
        return limit + 1;
    if ((alen > blen ? alen - blen : blen - alen) > (size_t)limit)
        return limit + 1;
    for (j = 0; j <= blen; j++)
        prev[j] = (int)j;
    for (i = 1; i <= alen; i++) {
        int row_min;
        int *t;
        cur[0] = (int)i;
        row_min = cur[0];
        for (j = 1; j <= blen; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > limit)
            return limit + 1;
        t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[blen] > limit ? limit + 1 : prev[blen];
}

/* The largest distance at which a key of this length still gets a suggestion. */
static int suggest_limit(size_t key_len)
{
    if (key_len <= 3)
        return 0;
    if (key_len <= 5)
        return 1;
    if (key_len <= 12)
        return 2;
    return 3;
}

int codes__map_suggest(const struct codes__map *m, const char *s, size_t len, int *prefix_of)
{
    char key[CODES_KEY_MAX];
    int klen, limit, best_d;
    int best = -1, prefix = -1;
    bool prefix_unique = true;
    size_t j;

    if (prefix_of != NULL)
        *prefix_of = -1;
    klen = codes_key(s, len, key);
    if (klen <= 0)
        return -1;
    limit = suggest_limit((size_t)klen);
    best_d = limit + 1;
    for (j = 0; j <= m->mask; j++) {
        const struct codes__slot *sl = &m->slots[j];
        int d;
        if (sl->key == NULL)
            continue;
        d = distance(key, (size_t)klen, sl->key, sl->key_len, limit);
        if (d < best_d || (d == best_d && d <= limit && sl->value < best)) {
            best_d = d;
            best = sl->value;
        }
        /* A key of four or more characters that starts exactly one value. */
        if (prefix_of != NULL && klen >= 4 && sl->key_len > (size_t)klen &&
            memcmp(sl->key, key, (size_t)klen) == 0) {
            if (prefix >= 0 && prefix != sl->value)
                prefix_unique = false;
            prefix = sl->value;
        }
    }
    if (prefix_of != NULL && prefix >= 0 && prefix_unique)
        *prefix_of = prefix;
    return best >= 0 && best_d <= limit ? best : -1;
}
