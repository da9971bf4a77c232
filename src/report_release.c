/*
 * report_release.c: read a stored DP release back into tables.
 *
 * A DP release is stored as the JSON that stats_to_json() wrote (with a "dp" object
 * saying how it was noised) and served from storage (stats_dp_release()); the report
 * draws from that stored text, never from fresh noise. This file turns the text
 * back into a struct stats_result: every table with its rows, columns, values and
 * margins. The reader is strict (every table needs its name, rows, values and
 * total, values are integers or null, shapes must agree): a payload of another
 * shape is refused, not half read. Fuzzed by tests/fuzz/fuzz_report_release.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_int.h"
#include "xalloc.h"

#include "banned.h"

/* More rows or columns than any public list of categories has. */
#define MAX_CATS 4096

static int bad(struct err *e, const char *what)
{
    return err_set(e, ERR_INVALID, "the stored release is not as expected: %s", what);
}

static const char *str_or(json_t *o, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : def;
}

/* A value: an integer, or null for a suppressed entry. */
static int value(json_t *v, int64_t *out, unsigned char *st)
{
    if (json_is_null(v)) {
        *out = 0;
        *st = STATS_PRIMARY;
        return 0;
    }
    if (!json_is_integer(v))
        return -1;
    *out = (int64_t)json_integer_value(v);
    *st = STATS_SHOWN;
    return 0;
}

static int cats(json_t *a, struct stats_cat *c, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        json_t *x = json_array_get(a, i);
        const char *code = json_string_value(json_object_get(x, "code"));
        const char *label = json_string_value(json_object_get(x, "label"));
        if (code == NULL)
            return -1;
        report__cat_set(&c[i], code, label);
    }
    return 0;
}

static int put(struct stats_table *t, size_t i, size_t j, json_t *v)
{
    size_t idx = stats_at(t, i, j);
    return value(v, &t->v[idx], &t->status[idx]);
}

static int table(json_t *o, struct stats_result *r, struct err *e)
{
    json_t *rows = json_object_get(o, "rows"), *cols = json_object_get(o, "cols");
    json_t *vals = json_object_get(o, "values");
    const char *name = json_string_value(json_object_get(o, "name"));
    struct stats_table *t = NULL;
    size_t nr, nc = 0, i, j;
    json_t *sens = json_object_get(o, "sensitivity");

    if (name == NULL || !json_is_array(rows) || !json_is_array(vals))
        return bad(e, "a table without name, rows or values");
    nr = json_array_size(rows);
    if (cols != NULL) {
        if (!json_is_array(cols))
            return bad(e, "columns of a table");
        nc = json_array_size(cols);
        if (nc == 0)
            return bad(e, "a 2-D table without columns");
    }
    if (nr == 0 || nr > MAX_CATS || nc > MAX_CATS || json_array_size(vals) != nr)
        return bad(e, "the size of a table");
    t = report__table_add(r, name, str_or(o, "title", name), str_or(o, "unit", "persons"),
                          str_or(o, "row_dimension", ""),
                          nc > 0 ? str_or(o, "col_dimension", "") : NULL, nr, nc);
    if (json_is_integer(sens) && json_integer_value(sens) > 0 && json_integer_value(sens) < 1000)
        t->sensitivity = (unsigned)json_integer_value(sens);
    if (cats(rows, t->rows, nr) < 0 || (nc > 0 && cats(cols, t->cols, nc) < 0))
        return bad(e, "a category without code");
    if (nc == 0) {
        for (i = 0; i < nr; i++)
            if (put(t, i, 0, json_array_get(vals, i)) < 0)
                return bad(e, "a value that is not a whole number");
        if (put(t, nr, 0, json_object_get(o, "total")) < 0)
            return bad(e, "a total");
    } else {
        json_t *rt = json_object_get(o, "row_totals"), *ct = json_object_get(o, "col_totals");
        if (json_array_size(rt) != nr || json_array_size(ct) != nc)
            return bad(e, "the margins of a table");
        for (i = 0; i < nr; i++) {
            json_t *row = json_array_get(vals, i);
            if (!json_is_array(row) || json_array_size(row) != nc)
                return bad(e, "a row of a table");
            for (j = 0; j < nc; j++)
                if (put(t, i, j, json_array_get(row, j)) < 0)
                    return bad(e, "a value that is not a whole number");
            if (put(t, i, nc, json_array_get(rt, i)) < 0)
                return bad(e, "a row total");
        }
        for (j = 0; j < nc; j++)
            if (put(t, nr, j, json_array_get(ct, j)) < 0)
                return bad(e, "a column total");
        if (put(t, nr, nc, json_object_get(o, "total")) < 0)
            return bad(e, "a total");
    }
    if (json_is_true(json_object_get(o, "withheld")))
        memset(t->status, STATS_WITHHELD, (t->nrows + 1) * (t->ncols + 1));
    return 0;
}

static uint64_t count_or_zero(json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

int report__release_parse(const char *payload, size_t len, struct stats_result *r,
                          struct json_t **dp, struct err *e)
{
    json_error_t jerr;
    json_t *root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *tables = NULL, *run = NULL, *coord = NULL;
    size_t i;
    int rc = 0;

    *dp = NULL;
    if (root == NULL)
        return err_set(e, ERR_INVALID, "the stored release is not JSON (line %d)", jerr.line);
    tables = json_object_get(root, "tables");
    run = json_object_get(root, "run");
    coord = json_object_get(root, "coordination");
    if (!json_is_object(root) || !json_is_array(tables) ||
        !json_is_object(json_object_get(root, "dp"))) {
        rc = bad(e, "no tables or no \"dp\"");
        goto out;
    }
    r->protection = STATS_DP;
    r->dp_fixed_lists = true;
    if (json_is_integer(json_object_get(run, "id")))
        r->run_id = (int64_t)json_integer_value(json_object_get(run, "id"));
    snprintf(r->run_created_at, sizeof(r->run_created_at), "%s", str_or(run, "created_at", ""));
    snprintf(r->run_method, sizeof(r->run_method), "%s", str_or(run, "method", ""));
    r->persons = count_or_zero(json_object_get(root, "persons"));
    r->records = count_or_zero(json_object_get(root, "records"));
    r->persons_multi = count_or_zero(json_object_get(coord, "persons_multi_agency"));
    r->nagencies = (size_t)count_or_zero(json_object_get(coord, "agencies"));
    for (i = 0; i < json_array_size(tables) && rc == 0; i++)
        rc = table(json_array_get(tables, i), r, e);
    if (rc == 0) {
        *dp = json_object_get(root, "dp");
        json_incref(*dp);
    }
out:
    json_decref(root);
    return rc;
}
