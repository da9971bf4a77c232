/*
 * ingest_quarantine.c: getting quarantined rows corrected and stored.
 *
 * Export writes the open entries as CSV a person can edit: quarantine_id,
 * quarantine_reasons, then the original row's bytes exactly as they were in the
 * file (so a malformed row comes back as it was, to be mended in a text editor or
 * a spreadsheet), under the original header. Entries from JSON Lines imports are
 * written as JSON Lines instead: the original object with quarantine_id and
 * quarantine_reasons added, or, when the line was not a JSON object, an object
 * holding its text as quarantine_raw.
 *
 * Retry reads such a file back after correction: each row names its entry by
 * quarantine_id, is validated like any imported row, and is stored (the entry is
 * resolved) or keeps failing (the entry keeps the new attempt and reasons). Retry
 * without a file re-validates the entries as they are, for when what changed is
 * tiphub's side: a code list, a column map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csv.h"
#include "hmap.h"
#include "ingest_int.h"
#include "jsonl.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

/* ---- export ---- */

struct qexport {
    FILE *out;
    const char *format; /* of the first entry: all must match */
    char *header;       /* CSV header of the first entry's import */
    size_t header_len;
    uint64_t n;
    struct buf line;
    struct err *e;
};

static char *reasons_text(const char *reasons_json)
{
    json_t *arr = json_loads(reasons_json, 0, NULL);
    struct buf b;
    size_t i;

    buf_init(&b, 1 << 16);
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        const char *field = json_string_value(json_object_get(o, "field"));
        json_int_t column = json_integer_value(json_object_get(o, "column"));
        if (i > 0)
            buf_puts(&b, "; ");
        if (column > 0)
            buf_printf(&b, "column %lld ", (long long)column);
        if (field != NULL && field[0] != '\0')
            buf_printf(&b, "%s: ", field);
        buf_puts(&b, json_string_value(json_object_get(o, "reason")));
    }
    json_decref(arr);
    return buf_detach(&b, NULL);
}

static int export_csv_entry(struct qexport *x, const struct store_quarantine_row *q)
{
    char id[32];
    char *reasons = reasons_text(q->reasons);
    int n = snprintf(id, sizeof(id), "%lld,", (long long)q->id);

    buf_reset(&x->line);
    buf_append(&x->line, id, (size_t)n);
    csv_append_field(&x->line, reasons, strlen(reasons));
    buf_putc(&x->line, ',');
    buf_append(&x->line, q->raw, q->raw_len);
    buf_putc(&x->line, '\n');
    free(reasons);
    return fwrite(x->line.data, 1, x->line.len, x->out) == x->line.len ? 0 : ERR_IO;
}

static int export_jsonl_entry(struct qexport *x, const struct store_quarantine_row *q)
{
    json_t *o = json_loadb(q->raw, q->raw_len, JSON_REJECT_DUPLICATES, NULL);
    char *reasons = reasons_text(q->reasons);
    char *text;
    int rc = 0;

    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
        json_object_set_new(o, "quarantine_raw", json_stringn(q->raw, q->raw_len));
        if (json_object_get(o, "quarantine_raw") == NULL)
            json_object_set_new(o, "quarantine_raw", json_string("(not UTF-8 text)"));
    }
    json_object_set_new(o, "quarantine_id", json_integer(q->id));
    json_object_set_new(o, "quarantine_reasons", json_string(reasons));
    text = json_dumps(o, JSON_COMPACT);
    if (text == NULL || fprintf(x->out, "%s\n", text) < 0)
        rc = ERR_IO;
    free(text);
    free(reasons);
    json_decref(o);
    return rc;
}

static int export_entry(const struct store_quarantine_row *q, void *arg)
{
    struct qexport *x = arg;

    if (x->format == NULL) {
        x->format = strcmp(q->format, "jsonl") == 0 ? "jsonl" : "csv";
        if (strcmp(x->format, "csv") == 0) {
            x->header = xmemdup(q->header != NULL ? q->header : "", q->header_len);
            x->header_len = q->header_len;
            if (fputs("quarantine_id,quarantine_reasons,", x->out) < 0 ||
                fwrite(x->header, 1, x->header_len, x->out) != x->header_len ||
                fputc('\n', x->out) == EOF)
                return err_set(x->e, ERR_IO, "cannot write the export");
        }
    } else if (strcmp(x->format, q->format) != 0 ||
               (strcmp(x->format, "csv") == 0 &&
                (q->header_len != x->header_len ||
                 memcmp(q->header != NULL ? q->header : "", x->header, x->header_len) != 0))) {
        return err_set(x->e, ERR_INVALID,
                       "the selected entries come from files with different columns; export "
                       "one import at a time with --import N (see 'tiphub quarantine list')");
    }
    x->n++;
    if (strcmp(x->format, "csv") == 0)
        return export_csv_entry(x, q) < 0 ? err_set(x->e, ERR_IO, "cannot write the export") : 0;
    return export_jsonl_entry(x, q) < 0 ? err_set(x->e, ERR_IO, "cannot write the export") : 0;
}

int ingest_quarantine_export(struct store *s, const struct store_quarantine_filter *f, FILE *out,
                             uint64_t *nrows, struct err *e)
{
    struct qexport x;
    struct store_quarantine_filter open_only = *f;
    int rc;

    memset(&x, 0, sizeof(x));
    x.out = out;
    x.e = e;
    buf_init(&x.line, (size_t)1 << 26);
    open_only.include_resolved = false;
    rc = store_quarantine_each(s, &open_only, export_entry, &x, e);
    if (rc == 0 && fflush(out) != 0)
        rc = err_set(e, ERR_IO, "cannot write the export");
    *nrows = x.n;
    free(x.header);
    buf_release(&x.line);
    return rc;
}

/* ---- retry ---- */

/* What retry needs to know of an open entry. */
struct qentry {
    int64_t id;
    char *agency;
    char *format;
    char *source;
    char *header;
    size_t header_len;
    char *raw;
    size_t raw_len;
    uint64_t line;
};

struct qentries {
    struct qentry *v;
    size_t n;
    size_t alloc;
    struct hmap by_id; /* id (8 bytes) -> index */
};

static int collect_entry(const struct store_quarantine_row *q, void *arg)
{
    struct qentries *qs = arg;
    struct qentry *en;

    ALLOC_GROW(qs->v, qs->n + 1, qs->alloc);
    en = &qs->v[qs->n];
    memset(en, 0, sizeof(*en));
    en->id = q->id;
    en->agency = q->agency != NULL ? xstrdup(q->agency) : NULL;
    en->format = xstrdup(q->format);
    en->source = xstrdup(q->source);
    en->header = xmemdup(q->header != NULL ? q->header : "", q->header_len);
    en->header_len = q->header_len;
    en->raw = xmemdup(q->raw != NULL ? q->raw : "", q->raw_len);
    en->raw_len = q->raw_len;
    en->line = q->line;
    hmap_put(&qs->by_id, &q->id, sizeof(q->id), qs->n, NULL);
    qs->n++;
    return 0;
}

static void qentries_release(struct qentries *qs)
{
    size_t i;

    for (i = 0; i < qs->n; i++) {
        free(qs->v[i].agency);
        free(qs->v[i].format);
        free(qs->v[i].source);
        free(qs->v[i].header);
        free(qs->v[i].raw);
    }
    free(qs->v);
    hmap_release(&qs->by_id);
}

/* Re-validate one entry as it stands, with its import's header. */
static int retry_in_place(struct ingest_importer *im, const struct qentry *en, struct err *e)
{
    struct csv_options copt = {0};
    struct csv_reader *r = NULL;
    struct csv_record cr;
    struct ingest_plan plan;
    struct err rowerr;
    json_t *obj = NULL;
    int rc;

    ingest__plan_init(&plan);
    im->retry_id = en->id;
    im->path = en->source;
    err_init(&rowerr);
    if (strcmp(en->format, "jsonl") == 0) {
        obj = json_loadb(en->raw, en->raw_len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(obj)) {
            rc = ingest__take_malformed(im, en->line, 0, en->raw, en->raw_len, false, en->raw_len,
                                        "not a JSON object", NULL, 0, e);
            goto out;
        }
        ingest__row_from_json(&im->row, obj, im->opt->map, en->line, en->agency, &plan);
        rc = ingest__take_row(im, en->line, en->raw, en->raw_len, false, en->raw_len, plan.names,
                              plan.ncols, e);
        goto out;
    }
    copt.trim = true;
    csv_open_mem(&r, en->header, en->header_len, &copt);
    rc = csv_next(r, &cr, &rowerr);
    if (rc == 1) {
        for (size_t i = 0; i < cr.nfields; i++)
            ingest__plan_add(&plan, cr.fields[i].data, cr.fields[i].len, im->opt->map);
    }
    ingest__plan_done(&plan, im->opt->map);
    csv_close(r);
    r = NULL;
    csv_open_mem(&r, en->raw, en->raw_len, &copt);
    err_init(&rowerr);
    rc = csv_next(r, &cr, &rowerr);
    if (rc == 1) {
        cr.line = en->line;
        ingest__row_from_csv(&im->row, &plan, &cr, en->agency);
        rc = ingest__take_row(im, en->line, en->raw, en->raw_len, false, en->raw_len, plan.names,
                              plan.ncols, e);
    } else {
        rc = ingest__take_malformed(im, en->line, cr.bad_field, en->raw, en->raw_len, false,
                                    en->raw_len, rc == 0 ? "empty row" : rowerr.msg, plan.names,
                                    plan.ncols, e);
    }
out:
    csv_close(r);
    json_decref(obj);
    ingest__plan_release(&plan);
    return rc;
}

/* The open entry whose id is the decimal idtext[0..len), or NULL. */
static const struct qentry *entry_for(const struct qentries *qs, const char *idtext, size_t len)
{
    uint64_t id;
    uint64_t idx;
    int64_t key;

    if (str_to_u64(idtext, len, INT64_MAX, &id) < 0)
        return NULL;
    key = (int64_t)id;
    if (!hmap_get(&qs->by_id, &key, sizeof(key), &idx))
        return NULL;
    return &qs->v[idx];
}

/* Retry from a corrected CSV written by ingest_quarantine_export. */
static int retry_csv_file(struct ingest_importer *im, FILE *f, const struct qentries *qs,
                          struct err *e)
{
    struct csv_options copt = {0};
    struct csv_reader *r = NULL;
    struct csv_record cr;
    struct ingest_plan plan;
    struct err rowerr;
    struct buf raw;
    int rc;

    ingest__plan_init(&plan);
    buf_init(&raw, (size_t)1 << 26);
    copt.trim = true;
    copt.max_record = im->opt->max_record;
    csv_open_file(&r, f, &copt);
    rc = csv_next(r, &cr, e);
    if (rc <= 0 || cr.nfields < 2 ||
        !str_ieq(cr.fields[0].data, cr.fields[0].len, "quarantine_id") ||
        !str_ieq(cr.fields[1].data, cr.fields[1].len, "quarantine_reasons")) {
        rc = err_set(e, ERR_INVALID,
                     "'%s' is not a quarantine export: its first columns must be "
                     "quarantine_id,quarantine_reasons (see 'tiphub quarantine export')",
                     im->path);
        goto out;
    }
    for (size_t i = 2; i < cr.nfields; i++)
        ingest__plan_add(&plan, cr.fields[i].data, cr.fields[i].len, im->opt->map);
    ingest__plan_done(&plan, im->opt->map);

    for (;;) {
        const struct qentry *en;
        struct csv_record body;

        err_init(&rowerr);
        rc = csv_next(r, &cr, &rowerr);
        if (rc == 0)
            break;
        if (rc == ERR_IO) {
            err_set(e, ERR_IO, "'%s': %s", im->path, rowerr.msg);
            goto out;
        }
        if (rc < 0 || cr.nfields < 2) {
            rc = err_set(
                e, ERR_INVALID, "'%s' line %llu: cannot read the row (%s); mend it and retry again",
                im->path, (unsigned long long)cr.line, rc < 0 ? rowerr.msg : "no quarantine_id");
            goto out;
        }
        en = entry_for(qs, cr.fields[0].data, cr.fields[0].len);
        if (en == NULL) {
            rc = err_set(e, ERR_INVALID,
                         "'%s' line %llu: no open quarantine entry has that quarantine_id",
                         im->path, (unsigned long long)cr.line);
            goto out;
        }
        /* The row without its two quarantine columns, re-quoted, is the new raw. */
        body = cr;
        body.fields = cr.fields + 2;
        body.nfields = cr.nfields - 2;
        buf_reset(&raw);
        for (size_t i = 0; i < body.nfields; i++) {
            if (i > 0)
                buf_putc(&raw, ',');
            csv_append_field(&raw, body.fields[i].data, body.fields[i].len);
        }
        im->retry_id = en->id;
        ingest__row_from_csv(&im->row, &plan, &body, en->agency);
        rc = ingest__take_row(im, cr.line, raw.data, raw.len, false, raw.len, plan.names,
                              plan.ncols, e);
        if (rc < 0)
            goto out;
    }
    rc = 0;
out:
    csv_close(r);
    buf_release(&raw);
    ingest__plan_release(&plan);
    return rc;
}

/* Retry from a corrected JSON Lines file written by ingest_quarantine_export. */
static int retry_jsonl_file(struct ingest_importer *im, FILE *f, const struct qentries *qs,
                            struct err *e)
{
    struct jsonl_reader *r = NULL;
    struct jsonl_record jr;
    struct ingest_plan plan;
    struct err rowerr;
    int rc;

    ingest__plan_init(&plan);
    jsonl_open_file(&r, f, im->opt->max_record);
    for (;;) {
        const struct qentry *en = NULL;
        json_t *id;
        char *raw;
        char idtext[32];
        int n;

        err_init(&rowerr);
        rc = jsonl_next(r, &jr, &rowerr);
        if (rc == 0)
            break;
        if (rc < 0) {
            rc = err_set(e, rc == ERR_IO ? ERR_IO : ERR_INVALID, "'%s' line %llu: %s", im->path,
                         (unsigned long long)jr.line, rowerr.msg);
            goto out;
        }
        id = json_object_get(jr.obj, "quarantine_id");
        if (json_is_integer(id)) {
            n = snprintf(idtext, sizeof(idtext), "%lld", (long long)json_integer_value(id));
            en = entry_for(qs, idtext, (size_t)n);
        }
        if (en == NULL) {
            rc = err_set(e, ERR_INVALID,
                         "'%s' line %llu: no open quarantine entry has that quarantine_id",
                         im->path, (unsigned long long)jr.line);
            goto out;
        }
        json_object_del(jr.obj, "quarantine_id");
        json_object_del(jr.obj, "quarantine_reasons");
        if (json_object_get(jr.obj, "quarantine_raw") != NULL) {
            rc = err_set(e, ERR_INVALID,
                         "'%s' line %llu: rewrite quarantine_raw as the record's own keys",
                         im->path, (unsigned long long)jr.line);
            goto out;
        }
        raw = json_dumps(jr.obj, JSON_COMPACT);
        im->retry_id = en->id;
        ingest__row_from_json(&im->row, jr.obj, im->opt->map, jr.line, en->agency, &plan);
        rc = ingest__take_row(im, jr.line, raw, strlen(raw), false, strlen(raw), plan.names,
                              plan.ncols, e);
        free(raw);
        if (rc < 0)
            goto out;
    }
    rc = 0;
out:
    jsonl_close(r);
    ingest__plan_release(&plan);
    return rc;
}

int ingest_quarantine_retry(struct store *s, const char *path,
                            const struct store_quarantine_filter *f,
                            const struct ingest_options *opt, struct store_import_counts *counts,
                            struct err *e)
{
    struct ingest_importer im;
    struct qentries qs;
    struct store_quarantine_filter open_only = *f;
    FILE *in = NULL;
    size_t i;
    int rc;

    memset(&qs, 0, sizeof(qs));
    hmap_init(&qs.by_id);
    ingest__importer_init(&im, s, path != NULL ? path : "(quarantine)", opt);
    open_only.include_resolved = false;
    memset(counts, 0, sizeof(*counts));

    if (path != NULL) {
        rc = ingest__hash_file(path, im.sha256, &im.size, e);
        if (rc < 0)
            goto out;
    }
    rc = store_begin(s, e);
    if (rc < 0)
        goto out;
    /* A retry is logged as an import of its own: stored cases point at it. */
    rc = store_import_start(s, path != NULL ? path : "(quarantine retry)", "retry", im.sha256, NULL,
                            0, &im.import_id, e);
    if (rc < 0)
        goto fail;
    rc = store_quarantine_each(s, &open_only, collect_entry, &qs, e);
    if (rc < 0)
        goto fail;
    if (path == NULL) {
        for (i = 0; i < qs.n && rc == 0; i++)
            rc = retry_in_place(&im, &qs.v[i], e);
    } else {
        enum ingest_format format = opt->format;
        in = fopen(path, "rb");
        if (in == NULL) {
            rc = err_set(e, err_from_errno(errno), "cannot open '%s': %s", path, strerror(errno));
            goto fail;
        }
        if (format == INGEST_AUTO) {
            size_t n = strlen(path);
            format = (n >= 6 && strcmp(path + n - 6, ".jsonl") == 0) ? INGEST_JSONL : INGEST_CSV;
        }
        im.format_name = format == INGEST_JSONL ? "jsonl" : "csv";
        if (format == INGEST_JSONL)
            rc = retry_jsonl_file(&im, in, &qs, e);
        else
            rc = retry_csv_file(&im, in, &qs, e);
    }
    if (rc == 0 && im.counts.read != im.counts.stored + im.counts.quarantined)
        rc = err_set(e, ERR_CORRUPT, "BUG: retry counts do not add up; nothing was changed");
    if (rc == 0)
        rc = store_import_finish(s, im.import_id, &im.counts, e);
    if (rc < 0)
        goto fail;
    rc = store_commit(s, e);
    if (rc < 0)
        goto fail;
    *counts = im.counts;
    goto out;
fail:
    store_rollback(s);
out:
    if (in != NULL)
        fclose(in);
    qentries_release(&qs);
    ingest__importer_release(&im);
    return rc;
}
