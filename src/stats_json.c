/*
 * stats_json.c: statistics as JSON (one object: run, protection, totals, tables,
 * agency pairs) and as CSV (every table in long form, one after another). A
 * suppressed or withheld entry is null in JSON and empty in CSV, with its status
 * beside it in CSV; record-level tables say "records" in their unit.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "stats.h"

#include "banned.h"

static json_t *entry(const struct stats_table *t, size_t idx)
{
    if (t->status[idx] != STATS_SHOWN)
        return json_null();
    return json_integer((json_int_t)t->v[idx]);
}

static json_t *cats(const struct stats_cat *c, size_t n)
{
    json_t *a = json_array();
    size_t i;
    for (i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:s}", "code", c[i].code, "label", c[i].label));
    return a;
}

json_t *stats_table_json(const struct stats_table *t)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:i}", "name", t->name, "title", t->title, "unit",
                          t->unit, "row_dimension", t->row_dim, "sensitivity", (int)t->sensitivity);
    size_t i, j, nsup = 0, n = (t->nrows + 1) * (t->ncols + 1);

    json_object_set_new(o, "rows", cats(t->rows, t->nrows));
    if (stats_is_1d(t)) {
        json_t *vals = json_array();
        for (i = 0; i < t->nrows; i++)
            json_array_append_new(vals, entry(t, stats_at(t, i, 0)));
        json_object_set_new(o, "values", vals);
        json_object_set_new(o, "total", entry(t, stats_at(t, t->nrows, 0)));
        for (i = 0; i <= t->nrows; i++)
            nsup += t->status[stats_at(t, i, 0)] != STATS_SHOWN;
    } else {
        json_t *vals = json_array(), *rt = json_array(), *ct = json_array();
        json_object_set_new(o, "col_dimension", json_string(t->col_dim));
        json_object_set_new(o, "cols", cats(t->cols, t->ncols));
        for (i = 0; i < t->nrows; i++) {
            json_t *row = json_array();
            for (j = 0; j < t->ncols; j++)
                json_array_append_new(row, entry(t, stats_at(t, i, j)));
            json_array_append_new(vals, row);
            json_array_append_new(rt, entry(t, stats_at(t, i, t->ncols)));
        }
        for (j = 0; j < t->ncols; j++)
            json_array_append_new(ct, entry(t, stats_at(t, t->nrows, j)));
        json_object_set_new(o, "values", vals);
        json_object_set_new(o, "row_totals", rt);
        json_object_set_new(o, "col_totals", ct);
        json_object_set_new(o, "total", entry(t, stats_at(t, t->nrows, t->ncols)));
        for (i = 0; i < n; i++)
            nsup += t->status[i] != STATS_SHOWN;
    }
    json_object_set_new(o, "suppressed", json_integer((json_int_t)nsup));
    json_object_set_new(o, "withheld", json_boolean(t->status[0] == STATS_WITHHELD));
    return o;
}

static const char *protection_name(enum stats_protection p)
{
    return p == STATS_SDC ? "sdc" : p == STATS_DP ? "dp" : "exact";
}

json_t *stats_to_json(const struct stats_result *r)
{
    json_t *o = json_object(), *tables = json_array(), *pairs = json_array();
    const struct stats_table *total = stats_find(r, "total");
    bool n_shown =
        r->protection == STATS_EXACT ||
        (total != NULL && total->status[stats_at(total, total->nrows, 0)] == STATS_SHOWN);
    size_t i;

    json_object_set_new(o, "run",
                        json_pack("{s:I,s:s,s:s}", "id", (json_int_t)r->run_id, "created_at",
                                  r->run_created_at, "method", r->run_method));
    json_object_set_new(o, "protection", json_string(protection_name(r->protection)));
    if (r->protection == STATS_SDC)
        json_object_set_new(o, "k", json_integer(r->k));
    json_object_set_new(o, "persons", n_shown ? json_integer((json_int_t)r->persons) : json_null());
    json_object_set_new(o, "records",
                        r->protection == STATS_EXACT || (n_shown && r->records >= r->k)
                            ? json_integer((json_int_t)r->records)
                            : json_null());
    {
        /* the coordination indicator: share of persons recorded by several agencies */
        const struct stats_table *ag = stats_find(r, "agencies_per_person");
        bool shown = ag != NULL && n_shown && ag->status[stats_at(ag, 0, 0)] == STATS_SHOWN;
        json_t *c = json_object();
        json_object_set_new(c, "persons_multi_agency",
                            shown ? json_integer((json_int_t)r->persons_multi) : json_null());
        json_object_set_new(c, "share_multi_agency",
                            shown && r->persons > 0
                                ? json_real((double)r->persons_multi / (double)r->persons)
                                : json_null());
        json_object_set_new(c, "agencies", json_integer((json_int_t)r->nagencies));
        for (i = 0; i < r->npairs; i++) {
            if (r->pairs[i].status != STATS_SHOWN)
                continue;
            json_array_append_new(pairs,
                                  json_pack("{s:s,s:s,s:I}", "a", r->pairs[i].a, "b", r->pairs[i].b,
                                            "persons", (json_int_t)r->pairs[i].persons));
        }
        json_object_set_new(c, "agency_pairs", pairs);
        json_object_set_new(o, "coordination", c);
    }
    for (i = 0; i < r->ntables; i++)
        json_array_append_new(tables, stats_table_json(&r->tables[i]));
    json_object_set_new(o, "tables", tables);
    json_object_set_new(o, "rules", json_string("docs/STATISTICS.md"));
    return o;
}

/* Write s as a CSV field (quoted when it needs to be). */
static void csv_field(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/*
 * Primary and secondary suppressions are printed alike: a secondary cell is always K
 * or more, so telling them apart would narrow the hidden values (a row total of 12
 * with one cell of each kind would give them away as 1 and 11).
 */
static const char *status_name(unsigned char s)
{
    switch (s) {
    case STATS_PRIMARY:
    case STATS_SECONDARY:
        return "suppressed";
    case STATS_WITHHELD:
        return "withheld";
    default:
        return "";
    }
}

static void csv_row(FILE *out, const struct stats_table *t, const char *rc, const char *rl,
                    const char *cc, const char *cl, size_t idx)
{
    csv_field(out, t->name);
    fputc(',', out);
    csv_field(out, rc);
    fputc(',', out);
    csv_field(out, rl);
    fputc(',', out);
    csv_field(out, cc);
    fputc(',', out);
    csv_field(out, cl);
    fputc(',', out);
    if (t->status[idx] == STATS_SHOWN)
        fprintf(out, "%lld", (long long)t->v[idx]);
    fprintf(out, ",%s,%s\n", status_name(t->status[idx]), t->unit);
}

int stats_write_csv(const struct stats_result *r, FILE *out, struct err *e)
{
    size_t k, i, j;

    fputs("table,row_code,row_label,col_code,col_label,value,status,unit\n", out);
    for (k = 0; k < r->ntables; k++) {
        const struct stats_table *t = &r->tables[k];
        for (i = 0; i < t->nrows; i++) {
            for (j = 0; j < t->ncols; j++) {
                if (stats_is_1d(t))
                    csv_row(out, t, t->rows[i].code, t->rows[i].label, "", "", stats_at(t, i, 0));
                else
                    csv_row(out, t, t->rows[i].code, t->rows[i].label, t->cols[j].code,
                            t->cols[j].label, stats_at(t, i, j));
            }
            if (!stats_is_1d(t))
                csv_row(out, t, t->rows[i].code, t->rows[i].label, "total", "Total",
                        stats_at(t, i, t->ncols));
        }
        for (j = 0; !stats_is_1d(t) && j < t->ncols; j++)
            csv_row(out, t, "total", "Total", t->cols[j].code, t->cols[j].label,
                    stats_at(t, t->nrows, j));
        csv_row(out, t, "total", "Total", stats_is_1d(t) ? "" : "total",
                stats_is_1d(t) ? "" : "Total",
                stats_at(t, t->nrows, stats_is_1d(t) ? 0 : t->ncols));
    }
    if (ferror(out))
        return err_set(e, ERR_IO, "cannot write the tables");
    return 0;
}
