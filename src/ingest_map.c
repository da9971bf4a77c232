/*
 * ingest_map.c: column maps (--map FILE), which let a file whose columns are not
 * HTCDS names be imported: each source column is sent to a tiphub field, with its
 * values optionally translated.
 *
 * A map is a CSV file with the header source,target,source_value,target_value:
 *
 *     source,target,source_value,target_value
 *     gender,prs_Gender,Woman,Feminine          value translated
 *     citizenship,prs_Citizenship,,             values pass through
 *     isForcedLabour,vic_TypeOfExploitation,1,ForcedLabour
 *     isForcedLabour,vic_TypeOfExploitation,0,  0 means no value
 *     @row,case_ref,,                           the row number becomes the case_ref
 *     Datasource,,,                             kept in extra, not warned about
 *
 * Several columns may feed one multi-value field; their values are joined. When a
 * column has translations, a value the map does not list is an issue of the row.
 * The map for the CTDC variable names ships as data/maps/ctdc.csv ("--map ctdc").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "ingest_int.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

const struct ingest_map_rule *ingest__map_find(const struct ingest_map *m, const char *name,
                                               size_t len)
{
    size_t i;

    if (m == NULL)
        return NULL;
    for (i = 0; i < m->nrules; i++) {
        if (str_ieq(name, len, m->rules[i].source))
            return &m->rules[i];
    }
    return NULL;
}

void ingest_map_free(struct ingest_map *m)
{
    size_t i, j;

    if (m == NULL)
        return;
    for (i = 0; i < m->nrules; i++) {
        for (j = 0; j < m->rules[i].nvalues; j++) {
            free(m->rules[i].values[j].from);
            free(m->rules[i].values[j].to);
        }
        free(m->rules[i].values);
        free(m->rules[i].source);
    }
    free(m->rules);
    free(m);
}

static char *field_text(const struct csv_record *cr, size_t i)
{
    size_t len;
    const char *s;

    if (i >= cr->nfields)
        return xstrdup("");
    len = cr->fields[i].len;
    s = str_trim(cr->fields[i].data, &len);
    return xstrndup(s, len);
}

static int add_rule_row(struct ingest_map *m, const struct csv_record *cr, const char *name,
                        struct err *e)
{
    char *source = field_text(cr, 0);
    char *target = field_text(cr, 1);
    char *from = field_text(cr, 2);
    char *to = field_text(cr, 3);
    struct ingest_map_rule *rule = NULL;
    int field = -1;
    size_t i;
    int rc = 0;

    if (source[0] == '\0') {
        rc = err_set(e, ERR_INVALID, "map '%s' line %llu: empty source column", name,
                     (unsigned long long)cr->line);
        goto out;
    }
    if (target[0] != '\0') {
        field = rec_field_find(target, strlen(target));
        if (field < 0) {
            rc = err_set(e, ERR_INVALID, "map '%s' line %llu: unknown target field '%s'", name,
                         (unsigned long long)cr->line, target);
            goto out;
        }
    }
    for (i = 0; i < m->nrules; i++) {
        if (strcmp(m->rules[i].source, source) == 0) {
            rule = &m->rules[i];
            break;
        }
    }
    if (rule == NULL) {
        ALLOC_GROW(m->rules, m->nrules + 1, m->alloc);
        rule = &m->rules[m->nrules++];
        memset(rule, 0, sizeof(*rule));
        rule->source = source;
        source = NULL;
        rule->field = field;
    } else if (rule->field != field) {
        rc = err_set(e, ERR_INVALID, "map '%s' line %llu: column '%s' is mapped to two fields",
                     name, (unsigned long long)cr->line, rule->source);
        goto out;
    }
    if (from[0] != '\0') {
        ALLOC_GROW(rule->values, rule->nvalues + 1, rule->alloc);
        rule->values[rule->nvalues].from = from;
        rule->values[rule->nvalues].to = to;
        rule->nvalues++;
        from = NULL;
        to = NULL;
    }
out:
    free(source);
    free(target);
    free(from);
    free(to);
    return rc;
}

/* Read the rules from an open CSV reader. */
static int parse_rules(const char *name, struct csv_reader *r, struct ingest_map *m, struct err *e)
{
    struct csv_record cr;
    bool header = true;
    int rc;

    for (;;) {
        rc = csv_next(r, &cr, e);
        if (rc == 0)
            return header ? err_set(e, ERR_INVALID, "map '%s' is empty", name) : 0;
        if (rc < 0) {
            err_prefix(e, "map '%s' line %llu", name, (unsigned long long)cr.line);
            return rc;
        }
        if (header) {
            header = false;
            if (cr.nfields < 2 || !str_ieq(cr.fields[0].data, cr.fields[0].len, "source") ||
                !str_ieq(cr.fields[1].data, cr.fields[1].len, "target"))
                return err_set(e, ERR_INVALID,
                               "map '%s' must start with the header "
                               "source,target,source_value,target_value",
                               name);
            continue;
        }
        rc = add_rule_row(m, &cr, name, e);
        if (rc < 0)
            return rc;
    }
}

int ingest_map_parse(const char *name, const void *data, size_t len, struct ingest_map **out,
                     struct err *e)
{
    struct ingest_map *m = xcalloc(1, sizeof(*m));
    struct csv_options opt = {0};
    struct csv_reader *r = NULL;
    int rc;

    *out = NULL;
    opt.trim = true;
    rc = csv_open_mem(&r, data, len, &opt);
    if (rc == 0)
        rc = parse_rules(name, r, m, e);
    csv_close(r);
    if (rc < 0) {
        ingest_map_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int ingest_map_load(const char *name, struct ingest_map **out, struct err *e)
{
    const struct embedded_file *builtin = NULL;
    struct ingest_map *m = NULL;
    struct csv_options opt = {0};
    struct csv_reader *r = NULL;
    FILE *f = NULL;
    int rc;

    *out = NULL;
    if (strcmp(name, "ctdc") == 0) {
        builtin = embedded_find("maps/ctdc.csv");
        if (builtin == NULL)
            return err_set(e, ERR_NOTFOUND, "the built-in map 'ctdc' is missing from this build");
        return ingest_map_parse(name, builtin->data, builtin->len, out, e);
    }
    f = fopen(name, "rb");
    if (f == NULL)
        return err_set(e, err_from_errno(errno), "cannot open map '%s'", name);
    opt.trim = true;
    m = xcalloc(1, sizeof(*m));
    rc = csv_open_file(&r, f, &opt);
    if (rc == 0)
        rc = parse_rules(name, r, m, e);
    csv_close(r);
    fclose(f);
    if (rc < 0) {
        ingest_map_free(m);
        return rc;
    }
    *out = m;
    return 0;
}
