/*
 * ingest_row.c: from one input row (a CSV record or a JSON object) to a record.
 *
 * The plan says, for each column, which field it feeds (through the column map
 * when there is one). A field fed by one column gets rec_set() straight from the
 * parser's bytes, the fast path for a million rows. A field fed by several columns
 * (a map sending isForcedLabour and isSexualExploit to vic_TypeOfExploitation, or
 * a header naming a field twice) collects their values first: joined with ';' for
 * multi-value fields, and for single-value fields they must agree. Columns tiphub
 * does not know are kept, with their names, in the record's `extra` JSON so that
 * nothing in the file is dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

/* ---- the plan ---- */

void ingest__plan_init(struct ingest_plan *p)
{
    memset(p, 0, sizeof(*p));
    p->row_field = -1;
}

void ingest__plan_release(struct ingest_plan *p)
{
    size_t i;

    for (i = 0; i < p->ncols; i++)
        free(p->cols[i].name);
    free(p->cols);
    free(p->names);
    ingest__plan_init(p);
}

void ingest__plan_add(struct ingest_plan *p, const char *name, size_t len,
                      const struct ingest_map *map)
{
    struct ingest_column *c;
    const struct ingest_map_rule *rule;
    const char *t = str_trim(name, &len);

    ALLOC_GROW(p->cols, p->ncols + 1, p->alloc);
    c = &p->cols[p->ncols++];
    c->name = xstrndup(t, len);
    rule = ingest__map_find(map, t, len);
    c->rule = rule;
    c->field = rule != NULL ? rule->field : rec_field_find(t, len);
}

void ingest__plan_done(struct ingest_plan *p, const struct ingest_map *map)
{
    const struct ingest_map_rule *row_rule = ingest__map_find(map, "@row", 4);
    size_t i;

    memset(p->nsources, 0, sizeof(p->nsources));
    for (i = 0; i < p->ncols; i++) {
        int f = p->cols[i].field;
        if (f >= 0 && p->nsources[f] < 255)
            p->nsources[f]++;
    }
    p->row_field = row_rule != NULL ? row_rule->field : -1;
    if (p->row_field >= 0 && p->nsources[p->row_field] < 255)
        p->nsources[p->row_field]++;
    free(p->names);
    p->names = xcalloc(p->ncols + 1, sizeof(*p->names));
    for (i = 0; i < p->ncols; i++)
        p->names[i + 1] = p->cols[i].name;
}

/* ---- rows ---- */

void ingest__row_init(struct ingest_row *row)
{
    int f;

    rec_init(&row->rec);
    rec_issues_init(&row->issues);
    for (f = 0; f < REC_NFIELDS; f++)
        buf_init(&row->acc[f], (size_t)REC_LONGTEXT_MAX * 2);
    buf_init(&row->translated, (size_t)REC_LONGTEXT_MAX * 2);
    row->extra = NULL;
}

void ingest__row_release(struct ingest_row *row)
{
    int f;

    rec_release(&row->rec);
    rec_issues_release(&row->issues);
    for (f = 0; f < REC_NFIELDS; f++)
        buf_release(&row->acc[f]);
    buf_release(&row->translated);
    json_decref(row->extra);
    row->extra = NULL;
}

static void row_reset(struct ingest_row *row)
{
    int f;

    rec_clear(&row->rec);
    rec_issues_reset(&row->issues);
    for (f = 0; f < REC_NFIELDS; f++) {
        buf_reset(&row->acc[f]);
        row->acc_col[f] = 0;
    }
    json_decref(row->extra);
    row->extra = NULL;
}

static bool is_multi(int field)
{
    return rec_fields[field].type == REC_T_MULTIPICK || rec_fields[field].type == REC_T_COUNTRIES;
}

/*
 * Translate a value through a map rule. A listed value becomes its target; the
 * source value "*" matches any other value, and "{}" in its target stands for the
 * value itself. Returns false (and adds an issue) if the value is not listed.
 */
static bool translate(struct ingest_row *row, const struct ingest_column *c, size_t column,
                      const char **val, size_t *len)
{
    const struct ingest_map_value *any = NULL;
    size_t i;
    size_t n = *len;
    const char *t = str_trim(*val, &n);

    if (c->rule == NULL || c->rule->nvalues == 0 || n == 0)
        return true;
    for (i = 0; i < c->rule->nvalues; i++) {
        const struct ingest_map_value *v = &c->rule->values[i];
        if (strcmp(v->from, "*") == 0) {
            any = v;
        } else if (str_ieq(t, n, v->from)) {
            *val = v->to;
            *len = strlen(*val);
            return true;
        }
    }
    if (any != NULL) {
        const char *hole = strstr(any->to, "{}");
        struct buf *out = &row->translated;
        buf_reset(out);
        if (hole == NULL) {
            buf_puts(out, any->to);
        } else {
            buf_append(out, any->to, (size_t)(hole - any->to));
            buf_append(out, t, n);
            buf_puts(out, hole + 2);
        }
        *val = out->data;
        *len = out->len;
        return true;
    }
    rec_issues_add(&row->issues, c->field, column, "value not listed in the map for column '%s'",
                   c->name);
    return false;
}

static void keep_extra(struct ingest_row *row, const struct ingest_column *c, size_t column,
                       const char *val, size_t len)
{
    json_t *s;
    size_t n = len;
    const char *t = str_trim(val, &n);

    if (n == 0)
        return;
    s = json_stringn(t, n); /* NULL for invalid UTF-8 or NUL bytes */
    if (s == NULL) {
        rec_issues_add(&row->issues, -1, column,
                       "column '%s' (kept as extra) is not valid UTF-8 text", c->name);
        return;
    }
    if (row->extra == NULL)
        row->extra = json_object();
    if (json_object_get(row->extra, c->name) != NULL) {
        json_decref(s);
        rec_issues_add(&row->issues, -1, column, "column '%s' appears twice", c->name);
        return;
    }
    json_object_set_new(row->extra, c->name, s);
}

/*
 * A single-value field fed by several columns: each value is checked on its own,
 * and they must agree once canonical (" Feminine " and "feminine" do). An empty
 * column gives nothing. The record's memory keeps replaced values, so prev stays
 * valid across rec_set().
 */
static void route_single(struct ingest_row *row, const struct ingest_column *c, size_t column,
                         const char *val, size_t len)
{
    const char *prev = row->rec.val[c->field];
    const char *now;

    if (rec_set(&row->rec, c->field, val, len, column, &row->issues) < 0)
        return;
    now = row->rec.val[c->field];
    if (row->acc_col[c->field] == 0 && now != NULL)
        row->acc_col[c->field] = column;
    if (prev == NULL)
        return;
    if (now == NULL) {
        row->rec.val[c->field] = (char *)prev;
    } else if (strcmp(prev, now) != 0) {
        rec_issues_add(&row->issues, c->field, column,
                       "columns %zu and %zu both give %s and disagree", row->acc_col[c->field],
                       column, rec_fields[c->field].name);
    }
}

/* Route one value of one column to its field. */
static void route(struct ingest_row *row, const struct ingest_plan *plan,
                  const struct ingest_column *c, size_t column, const char *val, size_t len)
{
    struct buf *acc;
    size_t n;
    const char *t;

    if (!translate(row, c, column, &val, &len))
        return;
    if (c->field < 0) {
        keep_extra(row, c, column, val, len);
        return;
    }
    if (plan->nsources[c->field] <= 1) {
        rec_set(&row->rec, c->field, val, len, column, &row->issues);
        return;
    }
    if (!is_multi(c->field)) {
        route_single(row, c, column, val, len);
        return;
    }
    /* A multi-value field fed by several columns: their values are joined. */
    n = len;
    t = str_trim(val, &n);
    if (n == 0)
        return;
    acc = &row->acc[c->field];
    if (acc->len == 0)
        row->acc_col[c->field] = column;
    else if (buf_putc(acc, ';') < 0)
        rec_issues_add(&row->issues, c->field, column, "value too long");
    if (buf_append(acc, t, n) < 0)
        rec_issues_add(&row->issues, c->field, column, "value too long");
}

/* After the columns: fields fed by several columns, the row number, the agency, extra. */
static void finish_row(struct ingest_row *row, const struct ingest_plan *plan, uint64_t line,
                       const char *agency)
{
    int f;
    const char *org;

    if (plan->row_field >= 0) {
        char num[32];
        int n = snprintf(num, sizeof(num), "row-%llu", (unsigned long long)line);
        rec_set(&row->rec, plan->row_field, num, (size_t)n, 0, &row->issues);
    }
    for (f = 0; f < REC_NFIELDS; f++) {
        if (plan->nsources[f] > 1 && is_multi(f) && row->acc[f].len > 0)
            rec_set(&row->rec, f, row->acc[f].data, row->acc[f].len, row->acc_col[f], &row->issues);
    }
    org = row->rec.val[REC_F_ORG_NAME];
    if (agency != NULL) {
        if (org == NULL)
            rec_put(&row->rec, REC_F_ORG_NAME, agency);
        else if (strcmp(org, agency) != 0)
            rec_issues_add(&row->issues, REC_F_ORG_NAME, 0,
                           "org_Name differs from the agency given with --agency");
    }
    if (row->extra != NULL) {
        row->rec.extra = json_dumps(row->extra, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (row->rec.extra == NULL)
            rec_issues_add(&row->issues, -1, 0, "cannot keep the unknown columns");
    }
}

void ingest__row_from_csv(struct ingest_row *row, const struct ingest_plan *plan,
                          const struct csv_record *cr, const char *agency)
{
    size_t i;
    size_t n = cr->nfields < plan->ncols ? cr->nfields : plan->ncols;

    row_reset(row);
    if (cr->nfields != plan->ncols)
        rec_issues_add(&row->issues, -1, 0, "row has %zu fields but the header has %zu",
                       cr->nfields, plan->ncols);
    for (i = 0; i < n; i++)
        route(row, plan, &plan->cols[i], i + 1, cr->fields[i].data, cr->fields[i].len);
    finish_row(row, plan, cr->line, agency);
}

/* The text of a JSON value for a field, in out; false (and an issue) if it has none. */
static bool json_value_text(struct ingest_row *row, int field, size_t column, json_t *v,
                            struct buf *out)
{
    size_t i;

    buf_reset(out);
    switch (json_typeof(v)) {
    case JSON_STRING:
        return buf_append(out, json_string_value(v), json_string_length(v)) == 0;
    case JSON_INTEGER:
        return buf_printf(out, "%lld", (long long)json_integer_value(v)) == 0;
    case JSON_REAL:
        return buf_printf(out, "%.15g", json_real_value(v)) == 0;
    case JSON_TRUE:
        return buf_puts(out, "true") == 0;
    case JSON_FALSE:
        return buf_puts(out, "false") == 0;
    case JSON_NULL:
        return true;
    case JSON_ARRAY:
        for (i = 0; i < json_array_size(v); i++) {
            json_t *item = json_array_get(v, i);
            if (!json_is_string(item)) {
                rec_issues_add(&row->issues, field, column, "a list may hold only strings");
                return false;
            }
            if (i > 0)
                buf_putc(out, ';');
            buf_append(out, json_string_value(item), json_string_length(item));
        }
        return true;
    default:
        rec_issues_add(&row->issues, field, column, "a nested object is not a field value");
        return false;
    }
}

void ingest__row_from_json(struct ingest_row *row, json_t *obj, const struct ingest_map *map,
                           uint64_t line, const char *agency, struct ingest_plan *plan)
{
    const char *key;
    json_t *v;
    struct buf text;
    size_t column = 0;

    row_reset(row);
    ingest__plan_release(plan);
    json_object_foreach(obj, key, v)
    {
        ingest__plan_add(plan, key, strlen(key), map);
    }
    ingest__plan_done(plan, map);
    buf_init(&text, (size_t)REC_LONGTEXT_MAX * 2);
    json_object_foreach(obj, key, v)
    {
        const struct ingest_column *c = &plan->cols[column];
        column++;
        if (c->field < 0 && c->rule == NULL) {
            /* Unknown key: keep the JSON value itself. */
            if (!json_is_null(v)) {
                if (row->extra == NULL)
                    row->extra = json_object();
                json_object_set(row->extra, key, v);
            }
            continue;
        }
        if (json_value_text(row, c->field, column, v, &text))
            route(row, plan, c, column, text.data, text.len);
    }
    buf_release(&text);
    finish_row(row, plan, line, agency);
}

char *ingest__reasons_json(const struct rec_issues *is, uint64_t line)
{
    json_t *arr = json_array();
    char *out;
    size_t i;

    for (i = 0; i < is->n; i++) {
        const struct rec_issue *it = &is->items[i];
        json_t *o = json_pack(
            "{s:I,s:I,s:s,s:s}", "line", (json_int_t)line, "column", (json_int_t)it->column,
            "field", it->field >= 0 ? rec_fields[it->field].name : "", "reason", it->reason);
        json_array_append_new(arr, o);
    }
    out = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return out;
}
