/*
 * norm_eval.c: measuring the normaliser on pairs of name forms, for
 * bench/normeval and the unit test (see norm_int.h).
 *
 * A pair file lists two forms of one name (tests/data/romanization/
 * variant_pairs.csv) or the names of two different people that look alike
 * (near_misses.csv). After normalisation a pair "matches" when the forms are
 * equal, or, for the Bloom-filter view, when the Dice coefficient of their
 * bigram sets reaches a threshold.
 */
#include "norm_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "norm.h"
#include "xalloc.h"

#include "banned.h"

/* ==== Bigram Dice ==== */

/* Bigrams as 16-bit numbers; a name has few, so a sorted array is enough. */
static size_t bigrams(const char *s, size_t len, unsigned *out, size_t max)
{
    size_t i, n = 0, j, k;
    unsigned prev = ' ';

    for (i = 0; i <= len && n < max; i++) {
        unsigned c = i < len ? (unsigned char)s[i] : ' ';
        out[n++] = (prev << 8) | c;
        prev = c;
    }
    /* Sort (insertion; n is small) and remove repeats: CLKs hash token sets. */
    for (i = 1; i < n; i++) {
        unsigned v = out[i];
        for (j = i; j > 0 && out[j - 1] > v; j--)
            out[j] = out[j - 1];
        out[j] = v;
    }
    k = 0;
    for (i = 0; i < n; i++) {
        if (k == 0 || out[k - 1] != out[i])
            out[k++] = out[i];
    }
    return k;
}

double norm__dice_bigram(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned ga[256], gb[256];
    size_t na, nb, i = 0, j = 0, common = 0;

    if (alen == 0 && blen == 0)
        return 1.0;
    na = bigrams(a, alen, ga, 256);
    nb = bigrams(b, blen, gb, 256);
    while (i < na && j < nb) {
        if (ga[i] == gb[j]) {
            common++;
            i++;
            j++;
        } else if (ga[i] < gb[j]) {
            i++;
        } else {
            j++;
        }
    }
    return 2.0 * (double)common / (double)(na + nb);
}

/* ==== Pair files ==== */

void norm__pairs_release(struct norm__pairs *pairs)
{
    size_t i;

    for (i = 0; i < pairs->n; i++) {
        free(pairs->items[i].a);
        free(pairs->items[i].b);
        free(pairs->items[i].script);
    }
    free(pairs->items);
    memset(pairs, 0, sizeof(*pairs));
}

/* Split line[0..len) at commas into at most nf fields; returns the count. */
static size_t split(const char *line, size_t len, const char **f, size_t *flen, size_t nf)
{
    size_t n = 0, start = 0, i;

    for (i = 0; i <= len; i++) {
        if (i == len || line[i] == ',') {
            if (n < nf) {
                f[n] = line + start;
                flen[n] = i - start;
            }
            n++;
            start = i + 1;
        }
    }
    return n;
}

int norm__pairs_load(const char *path, struct norm__pairs *out, struct err *e)
{
    FILE *f = NULL;
    char line[1024];
    unsigned long lineno = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    f = fopen(path, "r");
    if (f == NULL)
        return err_set(e, err_from_errno(errno), "cannot open '%s'", path);
    for (;;) {
        const char *fld[4];
        size_t flen[4], len, nf;
        struct norm__pair *p;

        if (fgets(line, sizeof(line), f) == NULL)
            break;
        lineno++;
        len = strlen(line);
        if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
            rc = err_set(e, ERR_INVALID, "%s:%lu: line too long", path, lineno);
            goto out;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (lineno == 1 || len == 0 || line[0] == '#')
            continue;
        nf = split(line, len, fld, flen, 4);
        if (nf != 4 || flen[0] == 0 || flen[1] == 0) {
            rc = err_set(e, ERR_INVALID, "%s:%lu: expected 4 fields a,b,script,source", path,
                         lineno);
            goto out;
        }
        ALLOC_GROW(out->items, out->n + 1, out->alloc);
        p = &out->items[out->n++];
        p->a = xstrndup(fld[0], flen[0]);
        p->b = xstrndup(fld[1], flen[1]);
        p->script = xstrndup(fld[2], flen[2]);
    }
    if (ferror(f))
        rc = err_set(e, ERR_IO, "cannot read '%s'", path);
out:
    fclose(f);
    if (rc < 0)
        norm__pairs_release(out);
    return rc;
}

int norm__pairs_rate(const struct norm__pairs *pairs, const char *script, unsigned steps,
                     double threshold, struct norm__rates *out, struct err *e)
{
    struct norm_rules rules;
    struct buf a, b;
    size_t i;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    norm_rules_init(&rules);
    rules.steps = steps;
    buf_init(&a, BUF_MAX_LINE);
    buf_init(&b, BUF_MAX_LINE);
    for (i = 0; i < pairs->n; i++) {
        const struct norm__pair *p = &pairs->items[i];
        double d;

        if (script != NULL && strcmp(script, p->script) != 0)
            continue;
        buf_reset(&a);
        buf_reset(&b);
        rc = norm_apply(&rules, p->a, strlen(p->a), &a, e);
        if (rc == 0)
            rc = norm_apply(&rules, p->b, strlen(p->b), &b, e);
        if (rc < 0)
            break;
        d = norm__dice_bigram(a.data, a.len, b.data, b.len);
        out->n++;
        out->sum_dice += d;
        if (a.len == b.len && memcmp(a.data, b.data, a.len) == 0)
            out->exact++;
        if (d >= threshold)
            out->dice++;
    }
    buf_release(&a);
    buf_release(&b);
    return rc;
}
