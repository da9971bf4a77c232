/*
 * report_data.c: the numbers of a report, and their protection.
 *
 * The tables come from the stats module (stats_compute(), or a DP release from the
 * ledger). The report adds two tables of its own, the regional profiles: persons
 * by Global Report region of detection x sex and age, and x form of exploitation,
 * counted over the same persons by the same rule (stats_person_resolve()).
 *
 * ## Protection of what the report shows (SDC)
 *
 * stats_sdc_apply() audits each table on its own and keeps the entries that two
 * tables share in one status. A reader of the report also sees sums across tables:
 * a region's persons are the sum of its countries; a row of the flow matrix is the
 * sum of the countries of citizenship of its subregion; the rows of a regional
 * profile add up to the region's persons, its columns to the national table. An
 * attacker who subtracts could recover a suppressed count that each table alone
 * protects. So the report protects them together:
 *
 *   - every sum the report shows is written as a 2-D table of its own whose row
 *     margins are the coarse entries (subregions, regions) and whose column margins
 *     are the fine ones (countries, subregions), each cell a fine entry under its
 *     coarse one and a published zero elsewhere ("hierarchy" tables hier_*; zero
 *     cells are structural and public). The audit of such a table is exactly the
 *     attacker who knows the hierarchy;
 *   - each such margin is linked to the entry it equals in the table shown, and
 *     the profiles' margins to the national and regional tables;
 *   - then, until nothing changes: stats_sdc_apply() on stats' tables (which keeps
 *     earlier suppressions and re-audits), stats_sdc_table() on the report's, and
 *     every link gives both of its entries the status of the more suppressed one.
 *     Suppressions only ever get added, so the loop ends; when it does, every table
 *     passes its audit with the statuses every other table uses.
 *
 * Relations that are not sums of shown entries (the flow classes from the flow
 * matrix, which also need the country pairs; the ICCS codes from forms, where a
 * person counts under several) are not covered; docs/REPORT.md says so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "codes.h"
#include "hmap.h"
#include "report_int.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

/* ---- tables ---- */

void report__cat_set(struct stats_cat *c, const char *code, const char *label)
{
    free(c->code);
    free(c->label);
    c->code = xstrdup(code);
    c->label = xstrdup(label != NULL ? label : code);
}

struct stats_table *report__table_add(struct stats_result *r, const char *name, const char *title,
                                      const char *unit, const char *row_dim, const char *col_dim,
                                      size_t nrows, size_t ncols)
{
    struct stats_table *t = NULL;
    size_t n;

    REALLOC_ARRAY(r->tables, r->ntables + 1);
    t = &r->tables[r->ntables++];
    memset(t, 0, sizeof(*t));
    t->name = xstrdup(name);
    t->title = xstrdup(title);
    t->unit = xstrdup(unit);
    t->row_dim = xstrdup(row_dim);
    t->col_dim = col_dim != NULL ? xstrdup(col_dim) : NULL;
    t->sensitivity = 1;
    t->nrows = nrows;
    t->ncols = ncols == 0 ? 1 : ncols;
    CALLOC_ARRAY(t->rows, nrows + 1);
    t->cols = NULL;
    if (ncols > 0)
        CALLOC_ARRAY(t->cols, ncols);
    n = st_mult(t->nrows + 1, t->ncols + 1);
    CALLOC_ARRAY(t->v, n);
    t->status = xcalloc(n, 1);
    return t;
}

void report__table_margins(struct stats_table *t)
{
    size_t i, j;
    for (i = 0; i <= t->nrows; i++)
        t->v[stats_at(t, i, t->ncols)] = 0;
    for (j = 0; j < t->ncols; j++)
        t->v[stats_at(t, t->nrows, j)] = 0;
    for (i = 0; i < t->nrows; i++) {
        for (j = 0; j < t->ncols; j++) {
            int64_t x = t->v[stats_at(t, i, j)];
            t->v[stats_at(t, i, t->ncols)] += x;
            t->v[stats_at(t, t->nrows, j)] += x;
            t->v[stats_at(t, t->nrows, t->ncols)] += x;
        }
    }
}

const struct stats_table *report__table(const struct report__data *d, const char *name)
{
    const struct stats_table *t = stats_find(&d->res, name);
    return t != NULL ? t : stats_find(&d->own, name);
}

static size_t row_of(const struct stats_table *t, const char *code)
{
    size_t i;
    for (i = 0; i < t->nrows; i++)
        if (strcmp(t->rows[i].code, code) == 0)
            return i;
    return SIZE_MAX;
}

static size_t col_of(const struct stats_table *t, const char *code)
{
    size_t j;
    for (j = 0; t->cols != NULL && j < t->ncols; j++)
        if (strcmp(t->cols[j].code, code) == 0)
            return j;
    return SIZE_MAX;
}

static size_t grand(const struct stats_table *t)
{
    return stats_at(t, t->nrows, stats_is_1d(t) ? 0 : t->ncols);
}

/* ---- groups ---- */

size_t report__profile_group(size_t g)
{
    return g < STATS_GROUP_HEADLINE ? g : REPORT_OTHER_SEXAGE;
}

size_t report__form_group(size_t i)
{
    switch (i) {
    case CODES_FORM_SEX:
        return REPORT_F_SEX;
    case CODES_FORM_FL:
        return REPORT_F_FL;
    case CODES_FORM_CRIM:
        return REPORT_F_CRIM;
    case CODES_FORM_MIXED:
        return REPORT_F_MIXED;
    case CODES_NFORMS:
        return REPORT_F_UNKNOWN;
    default:
        return REPORT_F_OTHER;
    }
}

static const char *const sexage_code[REPORT_NSEXAGE_GROUPS] = {"WOMEN", "MEN", "GIRLS", "BOYS",
                                                               "OTHER"};
static const char *const sexage_label[REPORT_NSEXAGE_GROUPS] = {"Women", "Men", "Girls", "Boys",
                                                                "Other or unknown sex or age"};
static const char *const fgroup_code[REPORT_NFORM_GROUPS] = {
    "FORM_SEX", "FORM_FL", "FORM_CRIM", "FORM_MIXED", "FORM_OTHERS", "unknown"};
static const char *const fgroup_label[REPORT_NFORM_GROUPS] = {
    "Sexual exploitation",
    "Forced labour",
    "Forced criminal activity",
    "Mixed sexual exploitation and forced labour",
    "Other forms",
    "Unknown (not recorded)"};

/* ---- the regional profiles, from the persons of the run ---- */

/*
 * Count every person of res.person_list (those stats resolved, kept for this) into
 * the profiles: row the Global Report region of detection (of region's rows),
 * columns the groups.
 */
static void count_profiles(const struct report__data *d, const struct stats_table *region,
                           struct stats_table *sexage, struct stats_table *form)
{
    size_t unknown_row = row_of(region, "unknown"), i;
    size_t *row_of_country = NULL, nc = codes_country_count();

    /* the row of each country, once */
    ALLOC_ARRAY(row_of_country, nc + 1);
    row_of_country[0] = unknown_row;
    for (i = 0; i < nc; i++) {
        const struct codes_country *cc = codes_country_at(i);
        size_t r = cc->glotip_region[0] != '\0' ? row_of(region, cc->glotip_region) : SIZE_MAX;
        row_of_country[i + 1] = r != SIZE_MAX ? r : unknown_row;
    }
    for (i = 0; i < d->res.nperson_list; i++) {
        const struct stats_person *p = &d->res.person_list[i];
        size_t row, scol, fcol;
        if (d->year != 0 && p->year != d->year)
            continue;
        row = p->detection <= nc ? row_of_country[p->detection] : unknown_row;
        scol = report__profile_group(stats_group_of(p->sex, p->age));
        fcol = report__form_group(p->form >= 0 ? (size_t)p->form : CODES_NFORMS);
        sexage->v[stats_at(sexage, row, scol)]++;
        form->v[stats_at(form, row, fcol)]++;
    }
    free(row_of_country);
}

/* Check that the margins of a profile equal the tables they will be linked to. */
static int check_profile(const struct stats_table *p, const struct stats_table *region,
                         const struct stats_table *nat, bool sexage, struct err *e)
{
    int64_t want[16];
    size_t i, j;

    memset(want, 0, sizeof(want));
    for (i = 0; i < nat->nrows; i++) {
        size_t g = sexage ? report__profile_group(i) : report__form_group(i);
        want[g] += nat->v[stats_at(nat, i, 0)];
    }
    for (i = 0; i < p->nrows; i++)
        if (p->v[stats_at(p, i, p->ncols)] != region->v[stats_at(region, i, 0)])
            goto bad;
    for (j = 0; j < p->ncols; j++)
        if (p->v[stats_at(p, p->nrows, j)] != want[j])
            goto bad;
    return 0;
bad:
    return err_set(e, ERR_CORRUPT, "the regional profile '%s' does not add up to the tables",
                   p->name);
}

static int add_profiles(struct report__data *d, struct err *e)
{
    const struct stats_table *region = stats_find(&d->res, "detection_glotip_region");
    const struct stats_table *groups = stats_find(&d->res, "sex_age_groups");
    const struct stats_table *form = stats_find(&d->res, "form");
    struct stats_table *ps = NULL, *pf = NULL;
    size_t i, j;
    int rc;

    if (region == NULL || groups == NULL || form == NULL || form->nrows != CODES_NFORMS + 1 ||
        groups->nrows != STATS_NGROUPS || row_of(region, "unknown") == SIZE_MAX)
        return err_set(e, ERR_CORRUPT, "the statistics lack the tables of the regional profiles");
    report__table_add(&d->own, "profile_sex_age",
                      "Detected victims by Global Report region of detection, sex and age group",
                      "persons", "Global Report region of detection", "sex and age group",
                      region->nrows, REPORT_NSEXAGE_GROUPS);
    report__table_add(&d->own, "profile_form",
                      "Detected victims by Global Report region of detection and form of "
                      "exploitation",
                      "persons", "Global Report region of detection", "form of exploitation",
                      region->nrows, REPORT_NFORM_GROUPS);
    /* found once both are added: adding a table moves the ones before it */
    ps = &d->own.tables[d->own.ntables - 2];
    pf = &d->own.tables[d->own.ntables - 1];
    for (j = 0; j < REPORT_NSEXAGE_GROUPS; j++)
        report__cat_set(&ps->cols[j], sexage_code[j], sexage_label[j]);
    for (j = 0; j < REPORT_NFORM_GROUPS; j++)
        report__cat_set(&pf->cols[j], fgroup_code[j], fgroup_label[j]);
    for (i = 0; i < region->nrows; i++) {
        report__cat_set(&ps->rows[i], region->rows[i].code, region->rows[i].label);
        report__cat_set(&pf->rows[i], region->rows[i].code, region->rows[i].label);
    }
    count_profiles(d, region, ps, pf);
    report__table_margins(ps);
    report__table_margins(pf);
    rc = check_profile(ps, region, groups, true, e);
    if (rc == 0)
        rc = check_profile(pf, region, form, false, e);
    return rc;
}

/*
 * A DP release made before stats derived sex_age_groups: derive it here, the same
 * way (sums of the noisy sex x age cells: post-processing).
 */
static void derive_groups(struct report__data *d)
{
    const struct stats_table *sa = stats_find(&d->res, "sex_age");
    struct stats_table *g = NULL;
    size_t i;

    if (stats_find(&d->res, "sex_age_groups") != NULL || sa == NULL || sa->nrows != STATS_NSEX ||
        sa->ncols != STATS_NAGE)
        return;
    g = report__table_add(&d->own, "sex_age_groups", "Detected victims by group of sex and age",
                          "persons", "group of sex and age", NULL, STATS_NGROUPS, 0);
    for (i = 0; i < STATS_NGROUPS; i++)
        report__cat_set(&g->rows[i], stats_group_code((enum stats_group)i),
                        stats_group_label((enum stats_group)i));
    stats_groups_from_sex_age(sa, g);
    report__table_margins(g);
}

/* ---- links between tables, and hierarchies ---- */

/* An entry of a table of d: res (own false) or own, table index, entry index. */
struct ref {
    bool own;
    size_t table;
    size_t idx;
};

struct links {
    struct ref *a, *b;
    size_t n, cap;
};

static struct stats_table *ref_table(struct report__data *d, struct ref r)
{
    return r.own ? &d->own.tables[r.table] : &d->res.tables[r.table];
}

static struct ref ref_of(struct report__data *d, const struct stats_table *t, size_t idx)
{
    struct ref r;
    size_t i;
    memset(&r, 0, sizeof(r));
    r.idx = idx;
    for (i = 0; i < d->res.ntables; i++) {
        if (&d->res.tables[i] == t) {
            r.table = i;
            return r;
        }
    }
    for (i = 0; i < d->own.ntables; i++) {
        if (&d->own.tables[i] == t) {
            r.own = true;
            r.table = i;
            return r;
        }
    }
    abort(); /* a table of neither result: a bug in this file */
}

static void link_add(struct links *l, struct ref a, struct ref b)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        REALLOC_ARRAY(l->a, l->cap);
        REALLOC_ARRAY(l->b, l->cap);
    }
    l->a[l->n] = a;
    l->b[l->n] = b;
    l->n++;
}

/* Give both entries of every link the status of the more suppressed; true if any changed. */
static bool links_apply(struct report__data *d, const struct links *l)
{
    bool changed = false;
    size_t i;
    for (i = 0; i < l->n; i++) {
        struct stats_table *ta = ref_table(d, l->a[i]), *tb = ref_table(d, l->b[i]);
        unsigned char *sa = &ta->status[l->a[i].idx], *sb = &tb->status[l->b[i].idx];
        if (*sa != STATS_SHOWN && *sb == STATS_SHOWN) {
            *sb = STATS_SECONDARY;
            changed = true;
        } else if (*sb != STATS_SHOWN && *sa == STATS_SHOWN) {
            *sa = STATS_SECONDARY;
            changed = true;
        }
    }
    return changed;
}

/*
 * The parts of a sum: fine entries (nfine of them, fine_at[i] in table fine) each
 * under coarse entry parent[i] (0..ncoarse-1) of table coarse (coarse_at[r]).
 */
struct hier {
    const char *name;
    const struct stats_table *coarse, *fine;
    const struct stats_cat *coarse_cats, *fine_cats;
    size_t ncoarse, nfine;
    const size_t *coarse_at, *fine_at;
    const size_t *parent;
};

static int hier_add(struct report__data *d, struct links *l, const struct hier *h, struct err *e)
{
    struct ref coarse[64], fine_ref;
    const struct stats_table *ct = NULL, *ft = NULL;
    struct stats_table *t = NULL;
    size_t i, r;

    if (h->ncoarse > 64)
        return err_set(e, ERR_CORRUPT, "too many groups in '%s'", h->name);
    /* refs first: adding a table to own moves the tables already there */
    for (r = 0; r < h->ncoarse; r++)
        coarse[r] = ref_of(d, h->coarse, h->coarse_at[r]);
    fine_ref = ref_of(d, h->fine, 0);
    t = report__table_add(&d->own, h->name, h->name, "persons", "coarse", "fine", h->ncoarse,
                          h->nfine);
    ct = ref_table(d, coarse[0]);
    ft = ref_table(d, fine_ref);
    for (r = 0; r < h->ncoarse; r++)
        report__cat_set(&t->rows[r], h->coarse_cats[r].code, h->coarse_cats[r].label);
    for (i = 0; i < h->nfine; i++) {
        report__cat_set(&t->cols[i], h->fine_cats[i].code, h->fine_cats[i].label);
        t->v[stats_at(t, h->parent[i], i)] = ft->v[h->fine_at[i]];
    }
    report__table_margins(t);
    for (r = 0; r < h->ncoarse; r++) {
        if (t->v[stats_at(t, r, t->ncols)] != ct->v[h->coarse_at[r]])
            return err_set(e, ERR_CORRUPT, "'%s': the parts of '%s' do not add up to it", h->name,
                           h->coarse_cats[r].code);
        link_add(l, ref_of(d, t, stats_at(t, r, t->ncols)), coarse[r]);
    }
    for (i = 0; i < h->nfine; i++) {
        struct ref f = fine_ref;
        f.idx = h->fine_at[i];
        link_add(l, ref_of(d, t, stats_at(t, t->nrows, i)), f);
    }
    return 0;
}

/*
 * The groups of a profile's columns as sums of the national table's entries: rows
 * the profile's column margins, columns the cells of nat (1-D: sex_age_groups or
 * form).
 */
static int hier_groups(struct report__data *d, struct links *l, const char *name, size_t profile,
                       const struct stats_table *nat, bool sexage, struct err *e)
{
    const struct stats_table *p = &d->own.tables[profile];
    size_t *coarse_at = NULL, *fine_at = NULL, *parent = NULL, i, j;
    struct hier h;
    int rc;

    ALLOC_ARRAY(fine_at, nat->nrows + 1);
    ALLOC_ARRAY(parent, nat->nrows + 1);
    ALLOC_ARRAY(coarse_at, p->ncols);
    for (j = 0; j < p->ncols; j++)
        coarse_at[j] = stats_at(p, p->nrows, j);
    for (i = 0; i < nat->nrows; i++) {
        fine_at[i] = stats_at(nat, i, 0);
        parent[i] = sexage ? report__profile_group(i) : report__form_group(i);
    }
    memset(&h, 0, sizeof(h));
    h.name = name;
    h.coarse = p;
    h.fine = nat;
    h.coarse_cats = p->cols;
    h.fine_cats = nat->rows;
    h.ncoarse = p->ncols;
    h.nfine = nat->nrows;
    h.coarse_at = coarse_at;
    h.fine_at = fine_at;
    h.parent = parent;
    rc = hier_add(d, l, &h, e);
    free(fine_at);
    free(parent);
    free(coarse_at);
    return rc;
}

/* The Global Report subregion (or region when region) of a country row code. */
static const char *country_group(const char *alpha3, bool region)
{
    const struct codes_country *c = codes_country_by_alpha3(alpha3);
    if (c == NULL)
        return "unknown";
    if (region)
        return c->glotip_region[0] != '\0' ? c->glotip_region : "unknown";
    return c->glotip_subregion[0] != '\0' ? c->glotip_subregion : "unknown";
}

/*
 * Countries (rows of the 1-D table country) under the subregions of flows' rows
 * (by_row) or columns.
 */
static int hier_countries(struct report__data *d, struct links *l, const char *name,
                          const struct stats_table *flows, bool by_row,
                          const struct stats_table *country, struct err *e)
{
    struct hier h;
    size_t n = by_row ? flows->nrows : flows->ncols;
    size_t *coarse_at = NULL, *fine_at = NULL, *parent = NULL;
    size_t i, unknown;
    int rc = 0;

    ALLOC_ARRAY(coarse_at, n);
    ALLOC_ARRAY(fine_at, country->nrows);
    ALLOC_ARRAY(parent, country->nrows);
    for (i = 0; i < n; i++)
        coarse_at[i] = by_row ? stats_at(flows, i, flows->ncols) : stats_at(flows, flows->nrows, i);
    unknown = by_row ? row_of(flows, "unknown") : col_of(flows, "unknown");
    for (i = 0; i < country->nrows && rc == 0; i++) {
        const char *g = strcmp(country->rows[i].code, "unknown") == 0
                            ? "unknown"
                            : country_group(country->rows[i].code, false);
        size_t p = by_row ? row_of(flows, g) : col_of(flows, g);
        fine_at[i] = stats_at(country, i, 0);
        parent[i] = p != SIZE_MAX ? p : unknown;
        if (parent[i] == SIZE_MAX)
            rc = err_set(e, ERR_CORRUPT, "no subregion for '%s'", country->rows[i].code);
    }
    memset(&h, 0, sizeof(h));
    h.name = name;
    h.coarse = flows;
    h.fine = country;
    h.coarse_cats = by_row ? flows->rows : flows->cols;
    h.fine_cats = country->rows;
    h.ncoarse = n;
    h.nfine = country->nrows;
    h.coarse_at = coarse_at;
    h.fine_at = fine_at;
    h.parent = parent;
    if (rc == 0)
        rc = hier_add(d, l, &h, e);
    free(coarse_at);
    free(fine_at);
    free(parent);
    return rc;
}

/* Subregions of detection (columns of flows) under the regions of region's rows. */
static int hier_regions(struct report__data *d, struct links *l, const struct stats_table *flows,
                        const struct stats_table *region, struct err *e)
{
    struct hier h;
    size_t *coarse_at = NULL, *fine_at = NULL, *parent = NULL;
    size_t i, unknown = row_of(region, "unknown");
    int rc = 0;

    ALLOC_ARRAY(coarse_at, region->nrows);
    ALLOC_ARRAY(fine_at, flows->ncols);
    ALLOC_ARRAY(parent, flows->ncols);
    for (i = 0; i < region->nrows; i++)
        coarse_at[i] = stats_at(region, i, 0);
    for (i = 0; i < flows->ncols && rc == 0; i++) {
        const char *reg = codes_glotip_parent(flows->cols[i].code);
        size_t p = reg != NULL ? row_of(region, reg) : SIZE_MAX;
        fine_at[i] = stats_at(flows, flows->nrows, i);
        parent[i] = p != SIZE_MAX ? p : unknown;
        if (parent[i] == SIZE_MAX)
            rc = err_set(e, ERR_CORRUPT, "no region for '%s'", flows->cols[i].code);
    }
    memset(&h, 0, sizeof(h));
    h.name = "hier_detection_region";
    h.coarse = region;
    h.fine = flows;
    h.coarse_cats = region->rows;
    h.fine_cats = flows->cols;
    h.ncoarse = region->nrows;
    h.nfine = flows->ncols;
    h.coarse_at = coarse_at;
    h.fine_at = fine_at;
    h.parent = parent;
    if (rc == 0)
        rc = hier_add(d, l, &h, e);
    free(coarse_at);
    free(fine_at);
    free(parent);
    return rc;
}

/*
 * The usual rule for groups, applied to a hierarchy table before its audit: a
 * coarse total that is published with exactly one of its parts suppressed would
 * give that part away, so the smallest other published part is suppressed too
 * (rather than the total, which the audit's cheapest cycle may pick and which then
 * spreads to the tables that share it). A cell of a hierarchy and its column
 * margin are the same count (a part has one coarse group): they get one status.
 * Returns true if anything changed.
 */
static bool hier_group_rule(struct stats_table *h)
{
    bool changed = false;
    size_t i, j;

    for (j = 0; j < h->ncols; j++) {
        size_t m = stats_at(h, h->nrows, j);
        for (i = 0; i < h->nrows; i++) {
            size_t c = stats_at(h, i, j);
            if (h->v[c] == 0)
                continue;
            if (h->status[m] != STATS_SHOWN && h->status[c] == STATS_SHOWN) {
                h->status[c] = STATS_SECONDARY;
                changed = true;
            } else if (h->status[c] != STATS_SHOWN && h->status[m] == STATS_SHOWN) {
                h->status[m] = STATS_SECONDARY;
                changed = true;
            }
        }
    }
    for (i = 0; i < h->nrows; i++) {
        size_t nsup = 0, small = SIZE_MAX;
        if (h->status[stats_at(h, i, h->ncols)] != STATS_SHOWN)
            continue;
        for (j = 0; j < h->ncols; j++) {
            size_t c = stats_at(h, i, j);
            if (h->v[c] == 0)
                continue;
            if (h->status[c] != STATS_SHOWN)
                nsup++;
            else if (small == SIZE_MAX || h->v[c] < h->v[small])
                small = c;
        }
        if (nsup == 1 && small != SIZE_MAX) {
            h->status[small] = STATS_SECONDARY;
            h->status[stats_at(h, h->nrows, small % (h->ncols + 1))] = STATS_SECONDARY;
            changed = true;
        }
    }
    return changed;
}

/* Link a profile's row margins to the region table, and its grand total to nat's. */
static void link_profile(struct report__data *d, struct links *l, const struct stats_table *p,
                         const struct stats_table *region, const struct stats_table *nat)
{
    size_t i;
    for (i = 0; i < p->nrows; i++)
        link_add(l, ref_of(d, p, stats_at(p, i, p->ncols)),
                 ref_of(d, region, stats_at(region, i, 0)));
    link_add(l, ref_of(d, p, grand(p)), ref_of(d, nat, grand(nat)));
}

/* The tables a report shows (their suppressions are counted in the methods note). */
static const char *const shown[] = {
    "total",
    "year",
    "sex_age_groups",
    "form",
    "iccs",
    "flow_class",
    "flows_subregion",
    "citizenship",
    "detection",
    "agencies_per_person",
    "detection_glotip_region",
    "profile_sex_age",
    "profile_form",
};

static void count_suppressed(struct report__data *d)
{
    size_t i, x;
    for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        const struct stats_table *t = report__table(d, shown[i]);
        size_t n;
        if (t == NULL)
            continue;
        n = (t->nrows + 1) * (t->ncols + 1);
        if (t->status[0] == STATS_WITHHELD) {
            d->withheld++;
            continue;
        }
        for (x = 0; x < n; x++) {
            /* a 1-D table has no column of totals: its grid's second column is unused */
            if (stats_is_1d(t) && x % 2 == 1)
                continue;
            d->suppressed += t->status[x] != STATS_SHOWN;
        }
    }
}

/*
 * Protect everything shown. stats_sdc_apply() has run once on d->res: it dropped
 * the tables not published under suppression (sex_age), so the tables found here
 * and the links (by table index) stay where they are.
 */
static int protect_joint(struct report__data *d, struct err *e)
{
    struct stats_table *flows = stats_find(&d->res, "flows_subregion");
    struct stats_table *cit = stats_find(&d->res, "citizenship");
    struct stats_table *det = stats_find(&d->res, "detection");
    struct stats_table *region = stats_find(&d->res, "detection_glotip_region");
    struct stats_table *sexage = stats_find(&d->res, "sex_age_groups");
    struct stats_table *form = stats_find(&d->res, "form");
    struct links l;
    size_t i, rounds = 0;
    bool changed;
    int rc = 0;

    memset(&l, 0, sizeof(l));
    if (flows == NULL || cit == NULL || det == NULL || region == NULL || sexage == NULL ||
        form == NULL)
        return err_set(e, ERR_CORRUPT, "the statistics lack the tables of the flows");
    /* the profiles are own.tables[0] and [1] (add_profiles) */
    link_profile(d, &l, &d->own.tables[0], region, sexage);
    link_profile(d, &l, &d->own.tables[1], region, form);
    rc = hier_groups(d, &l, "hier_sex_age", 0, sexage, true, e);
    if (rc == 0)
        rc = hier_groups(d, &l, "hier_forms", 1, form, false, e);
    if (rc == 0)
        rc = hier_countries(d, &l, "hier_citizenship", flows, true, cit, e);
    if (rc == 0)
        rc = hier_countries(d, &l, "hier_detection", flows, false, det, e);
    if (rc == 0)
        rc = hier_regions(d, &l, flows, region, e);
    if (rc < 0)
        goto out;
    do {
        changed = false;
        stats_sdc_apply(&d->res, d->k);
        for (i = 0; i < d->own.ntables; i++) {
            struct stats_table *t = &d->own.tables[i];
            if (strncmp(t->name, "hier_", 5) == 0) {
                /* primary suppression first, so that the group rule sees it */
                size_t n = (t->nrows + 1) * (t->ncols + 1), x;
                for (x = 0; x < n; x++)
                    if (t->status[x] == STATS_SHOWN && t->v[x] >= 1 && t->v[x] < (int64_t)d->k)
                        t->status[x] = STATS_PRIMARY;
                while (hier_group_rule(t))
                    changed = true;
            }
            stats_sdc_table(t, d->k);
        }
        changed = links_apply(d, &l) || changed;
        rounds++;
    } while (changed);
    d->own.protection = STATS_SDC;
    d->own.k = d->k;
    count_suppressed(d);
out:
    free(l.a);
    free(l.b);
    return rc;
}

static int protect(struct report__data *d, struct err *e)
{
    stats_sdc_apply(&d->res, d->k);
    return protect_joint(d, e);
}

/* ---- DP ---- */

double report__noise_sd(const struct report__data *d, const char *name)
{
    json_t *t = json_object_get(json_object_get(d->dp, "noise"), name);
    const char *scale = json_string_value(json_object_get(t, "scale"));
    const char *sigma2 = json_string_value(json_object_get(t, "sigma2"));
    const char *s = scale != NULL ? scale : sigma2;
    double num = 0, den = 1;
    const char *slash = NULL;
    char part[64];

    if (s == NULL)
        return 0;
    slash = strchr(s, '/');
    if (slash != NULL) {
        snprintf(part, sizeof(part), "%.*s", (int)(slash - s), s);
        if (str_to_double(part, &num) < 0 || str_to_double(slash + 1, &den) < 0 || den <= 0)
            return 0;
    } else if (str_to_double(s, &num) < 0) {
        return 0;
    }
    num /= den;
    /* Laplace with scale b has standard deviation b * sqrt(2); Gaussian: sqrt(sigma2) */
    return scale != NULL ? num * 1.4142135623730951 : sqrt(num);
}

double report__noise_floor(const struct report__data *d, const char *name, size_t n)
{
    double sd = report__noise_sd(d, name), ln = log(n > 2 ? (double)n : 2.0);
    bool laplace = strstr(d->mechanism, "gaussian") == NULL;
    if (sd <= 0)
        return 0;
    /*
     * P(noise > t) for one category: Laplace with scale b = sd / sqrt(2) has
     * exp(-t / b) / 2, so t = b ln n makes n categories of zero pass t half a time
     * in all. Gaussian: exp(-t^2 / (2 sd^2)) / 2 bounds it, t = sd sqrt(2 ln n).
     */
    return laplace ? sd / 1.4142135623730951 * ln : sd * sqrt(2 * ln);
}

static int load_dp(struct store *s, const struct report_options *o, struct report__data *d,
                   struct err *e)
{
    struct stats_dp_query q;
    struct stats_release *rel = NULL;
    int64_t total = 0, spent = 0, def = 0;
    bool exists = false;
    int rc;

    memset(&q, 0, sizeof(q));
    q.dataset = o->dataset != NULL ? o->dataset : "hub";
    q.epsilon = o->epsilon;
    q.mechanism = STATS_LAPLACE;
    q.opt = o->opt;
    q.opt.records = false;
    rc = stats_dp_release(s, &q, o->dp_seed, &rel, e);
    if (rc < 0)
        return rc;
    d->release_id = rel->id;
    d->reused = rel->reused;
    snprintf(d->epsilon, sizeof(d->epsilon), "%s", rel->epsilon);
    snprintf(d->dataset, sizeof(d->dataset), "%s", rel->dataset);
    snprintf(d->release_created_at, sizeof(d->release_created_at), "%s", rel->created_at);
    rc = report__release_parse(rel->payload, strlen(rel->payload), &d->res, &d->dp, e);
    stats_release_free(rel);
    if (rc < 0)
        return rc;
    snprintf(d->mechanism, sizeof(d->mechanism), "%s",
             json_string_value(json_object_get(d->dp, "mechanism")) != NULL
                 ? json_string_value(json_object_get(d->dp, "mechanism"))
                 : "unknown");
    rc = stats_epsilon_parse(STATS_DP_DEFAULT_BUDGET, &def, e);
    if (rc == 0)
        rc = store_budget_get(s, q.dataset, def, &total, &spent, NULL, &exists, e);
    if (rc < 0)
        return rc;
    stats_epsilon_format(total, d->budget_total);
    stats_epsilon_format(spent, d->budget_spent);
    stats_epsilon_format(total - spent, d->budget_left);
    if (spent == 0)
        snprintf(d->budget_spent, sizeof(d->budget_spent), "0");
    if (total - spent == 0)
        snprintf(d->budget_left, sizeof(d->budget_left), "0");
    return 0;
}

/* ---- the whole ---- */

static void today(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(out, 32, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 32, "unknown date");
}

int report__data_load(struct store *s, const struct report_options *o, struct report__data *d,
                      struct err *e)
{
    struct store_link_run run;
    struct stats_options opt = o->opt;
    int rc;

    memset(d, 0, sizeof(*d));
    stats_result_init(&d->res);
    stats_result_init(&d->own);
    d->protection = o->protection;
    d->k = o->k != 0 ? o->k : STATS_SDC_K_DEFAULT;
    d->year = o->opt.year;
    d->title = o->title != NULL ? o->title : REPORT_DEFAULT_TITLE;
    if (o->date != NULL)
        snprintf(d->date, sizeof(d->date), "%s", o->date);
    else
        today(d->date);

    memset(&run, 0, sizeof(run));
    if (opt.run_id > 0)
        rc = store_link_run_get(s, opt.run_id, &run, e);
    else
        rc = store_link_run_latest(s, &run, e);
    if (rc < 0)
        return rc;
    d->run_id = run.id;
    opt.run_id = run.id; /* the same run for every step, even if another is added meanwhile */
    opt.records = false;
    snprintf(d->run_created_at, sizeof(d->run_created_at), "%s",
             run.created_at != NULL ? run.created_at : "");
    snprintf(d->run_method, sizeof(d->run_method), "%s", run.method != NULL ? run.method : "");
    snprintf(d->run_threshold, sizeof(d->run_threshold), "%s",
             run.threshold != NULL ? run.threshold : "");
    snprintf(d->run_agency_threshold, sizeof(d->run_agency_threshold), "%s",
             run.agency_threshold != NULL ? run.agency_threshold : "");
    d->run_nrecords = run.nrecords;
    d->run_npersons = run.npersons;

    if (d->protection == STATS_DP) {
        struct report_options o2 = *o;
        o2.opt = opt;
        rc = load_dp(s, &o2, d, e);
        if (rc == 0)
            derive_groups(d);
        return rc;
    }
    opt.keep_persons = true; /* for the regional profiles, then dropped */
    rc = stats_compute(s, &opt, false, &d->res, e);
    if (rc == 0)
        rc = add_profiles(d, e);
    free(d->res.person_list);
    d->res.person_list = NULL;
    d->res.nperson_list = 0;
    if (rc == 0 && d->protection == STATS_SDC)
        rc = protect(d, e);
    return rc;
}

void report__data_release(struct report__data *d)
{
    stats_result_release(&d->res);
    stats_result_release(&d->own);
    json_decref(d->dp);
    d->dp = NULL;
}
