/*
 * ingest_export.c: writing an agency's cases out as CSV or JSON Lines.
 *
 * The export is the store's canonical text, so it is lossless: importing it into
 * an empty store and exporting again gives the same bytes. CSV has one column per
 * field of include/rec_fields.h, always all of them and in that order, then the
 * extra columns kept from the input (sorted by name). JSON Lines has one object
 * per case with the fields that have a value: numbers as numbers, check boxes as
 * booleans, multi-value fields as arrays, then the extra keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csv.h"
#include "ingest_int.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

struct exporter {
    FILE *out;
    enum ingest_export_format format;
    char **extra_keys;
    size_t nextra;
    size_t alloc;
    struct buf line;
    uint64_t n;
    bool write_failed;
};

static int collect_key(const char *key, void *arg)
{
    struct exporter *x = arg;

    /* A key that is also a field name would make the CSV ambiguous; skip it. */
    if (rec_field_find(key, strlen(key)) >= 0)
        return 0;
    ALLOC_GROW(x->extra_keys, x->nextra + 1, x->alloc);
    x->extra_keys[x->nextra++] = xstrdup(key);
    return 0;
}

static int flush_line(struct exporter *x)
{
    if (fwrite(x->line.data, 1, x->line.len, x->out) != x->line.len) {
        x->write_failed = true;
        return ERR_IO;
    }
    buf_reset(&x->line);
    return 0;
}

static void append_extra_csv(struct buf *b, json_t *v)
{
    char *text;

    if (v == NULL || json_is_null(v))
        return;
    if (json_is_string(v)) {
        csv_append_field(b, json_string_value(v), json_string_length(v));
        return;
    }
    text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text != NULL)
        csv_append_field(b, text, strlen(text));
    free(text);
}

static int write_csv_row(struct exporter *x, const struct rec *r)
{
    json_t *extra = NULL;
    size_t i;
    int f;

    for (f = 0; f < REC_NFIELDS; f++) {
        if (f > 0)
            buf_putc(&x->line, ',');
        if (r->val[f] != NULL)
            csv_append_field(&x->line, r->val[f], strlen(r->val[f]));
    }
    if (x->nextra > 0 && r->extra != NULL)
        extra = json_loads(r->extra, 0, NULL);
    for (i = 0; i < x->nextra; i++) {
        buf_putc(&x->line, ',');
        if (extra != NULL)
            append_extra_csv(&x->line, json_object_get(extra, x->extra_keys[i]));
    }
    json_decref(extra);
    buf_putc(&x->line, '\n');
    return flush_line(x);
}

static json_t *field_json(int f, const char *v)
{
    enum rec_type t = rec_fields[f].type;

    if (t == REC_T_NUMBER) {
        int64_t n;
        if (str_to_i64(v, strlen(v), INT64_MIN, INT64_MAX, &n) == 0)
            return json_integer((json_int_t)n);
    } else if (t == REC_T_CHECKBOX) {
        return json_boolean(strcmp(v, "true") == 0);
    } else if (t == REC_T_MULTIPICK || t == REC_T_COUNTRIES) {
        json_t *arr = json_array();
        const char *p = v;
        for (;;) {
            const char *semi = strchr(p, ';');
            size_t len = semi != NULL ? (size_t)(semi - p) : strlen(p);
            json_array_append_new(arr, json_stringn(p, len));
            if (semi == NULL)
                break;
            p = semi + 1;
        }
        return arr;
    }
    return json_string(v);
}

static int write_jsonl_row(struct exporter *x, const struct rec *r)
{
    json_t *o = json_object();
    char *text;
    int f;
    int rc;

    for (f = 0; f < REC_NFIELDS; f++) {
        if (r->val[f] != NULL)
            json_object_set_new(o, rec_fields[f].name, field_json(f, r->val[f]));
    }
    if (r->extra != NULL) {
        json_t *extra = json_loads(r->extra, 0, NULL);
        const char *key;
        json_t *v;
        json_object_foreach(extra, key, v)
        {
            if (rec_field_find(key, strlen(key)) < 0)
                json_object_set(o, key, v);
        }
        json_decref(extra);
    }
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (text == NULL)
        return ERR_INVALID;
    buf_puts(&x->line, text);
    buf_putc(&x->line, '\n');
    free(text);
    rc = flush_line(x);
    return rc;
}

static int export_one(const struct rec *r, int64_t case_id, void *arg)
{
    struct exporter *x = arg;
    (void)case_id;

    x->n++;
    if (x->format == INGEST_EXPORT_CSV)
        return write_csv_row(x, r);
    return write_jsonl_row(x, r);
}

int ingest_export(struct store *s, const char *agency, enum ingest_export_format format, FILE *out,
                  uint64_t *ncases, struct err *e)
{
    struct exporter x;
    size_t i;
    int rc;

    memset(&x, 0, sizeof(x));
    x.out = out;
    x.format = format;
    buf_init(&x.line, (size_t)1 << 26);
    rc = store_case_extra_keys(s, agency, collect_key, &x, e);
    if (rc < 0)
        goto out;
    if (format == INGEST_EXPORT_CSV) {
        int f;
        for (f = 0; f < REC_NFIELDS; f++)
            buf_printf(&x.line, "%s%s", f ? "," : "", rec_fields[f].name);
        for (i = 0; i < x.nextra; i++) {
            buf_putc(&x.line, ',');
            csv_append_field(&x.line, x.extra_keys[i], strlen(x.extra_keys[i]));
        }
        buf_putc(&x.line, '\n');
        rc = flush_line(&x);
        if (rc < 0)
            goto out;
    }
    rc = store_case_each(s, agency, export_one, &x, e);
    if (rc > 0 || x.write_failed)
        rc = err_set(e, ERR_IO, "cannot write the export");
    if (rc == 0 && fflush(out) != 0)
        rc = err_set(e, ERR_IO, "cannot write the export");
out:
    *ncases = x.n;
    for (i = 0; i < x.nextra; i++)
        free(x.extra_keys[i]);
    free(x.extra_keys);
    buf_release(&x.line);
    return rc;
}
