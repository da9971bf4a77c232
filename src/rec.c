/*
 * rec.c: the case record's storage (rec_init, rec_put, rec_release), the list of
 * issues a row collects, and the record digest that tells an unchanged row from an
 * update. Validation is in rec_set.c and rec_check.c, derived attributes in
 * rec_derive.c.
 */
#include "rec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rec_int.h"
#include "xalloc.h"

#include "banned.h"

void rec_init(struct rec *r)
{
    memset(r, 0, sizeof(*r));
}

void rec_release(struct rec *r)
{
    int f;
    for (f = 0; f < REC_NFIELDS; f++)
        free(r->val[f]);
    free(r->extra);
    rec_init(r);
}

void rec_put(struct rec *r, int field, const char *canonical)
{
    free(r->val[field]);
    r->val[field] = canonical != NULL ? xstrdup(canonical) : NULL;
}

/* ==== issues ==== */

void rec_issues_init(struct rec_issues *is)
{
    memset(is, 0, sizeof(*is));
}

void rec_issues_release(struct rec_issues *is)
{
    free(is->items);
    rec_issues_init(is);
}

void rec_issues_reset(struct rec_issues *is)
{
    is->n = 0;
}

void rec_issues_add(struct rec_issues *is, int field, size_t column, const char *fmt, ...)
{
    struct rec_issue *it = NULL;
    va_list ap;

    if (is == NULL)
        return;
    ALLOC_GROW(is->items, is->n + 1, is->alloc);
    it = &is->items[is->n++];
    it->field = field;
    it->column = column;
    va_start(ap, fmt);
    vsnprintf(it->reason, sizeof(it->reason), fmt, ap);
    va_end(ap);
}

/* ==== digest ==== */

static void put_len(crypto_generichash_state *st, uint64_t n)
{
    unsigned char b[8];
    int i;
    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash_update(st, b, 8);
}

static void put_item(crypto_generichash_state *st, const char *name, const char *value)
{
    size_t nlen = strlen(name), vlen = strlen(value);
    put_len(st, nlen);
    crypto_generichash_update(st, (const unsigned char *)name, nlen);
    put_len(st, vlen);
    crypto_generichash_update(st, (const unsigned char *)value, vlen);
}

/*
 * BLAKE2b-128 over "tiphub-rec-1" and then, for every value present in field
 * order, the field's column name and the value, each preceded by its length as 8
 * bytes little-endian; then the extra columns under the empty name "". Missing
 * fields add nothing, so adding a field to rec_fields.h leaves the digests of
 * records without it unchanged.
 */
void rec_digest(const struct rec *r, unsigned char out[16])
{
    static const char prefix[] = "tiphub-rec-1";
    crypto_generichash_state st;
    int f;

    rec__init();
    crypto_generichash_init(&st, NULL, 0, 16);
    crypto_generichash_update(&st, (const unsigned char *)prefix, sizeof(prefix) - 1);
    for (f = 0; f < REC_NFIELDS; f++) {
        if (r->val[f] != NULL)
            put_item(&st, rec_fields[f].name, r->val[f]);
    }
    if (r->extra != NULL)
        put_item(&st, "", r->extra);
    crypto_generichash_final(&st, out, 16);
}
