/*
 * stats_tables.c: reading the persons of a link run and counting them into the
 * Global Report tables (stats.h). One pass over the run's records, grouped by
 * person, resolves every person (stats_person.c) into a compact array and counts
 * the record-level tables; the person tables are then counted from the array.
 *
 * Category lists: sexes, age groups, forms, ICCS codes, flow classes and regions
 * are always listed in full. Countries and years are, in exact and SDC output, those
 * present (every country of the ISO list in a DP release, and every year of a
 * public range: a DP release must not choose its categories from the data).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "codes.h"
#include "hmap.h"
#include "stats_int.h"
#include "xalloc.h"

#include "banned.h"

void stats_options_init(struct stats_options *o)
{
    memset(o, 0, sizeof(*o));
}

void stats_result_init(struct stats_result *r)
{
    memset(r, 0, sizeof(*r));
}

void stats__cat_set(struct stats_cat *c, const char *code, const char *label)
{
    free(c->code);
    free(c->label);
    c->code = xstrdup(code);
    c->label = xstrdup(label != NULL ? label : code);
}

void stats__table_release(struct stats_table *t)
{
    size_t i;
    if (t == NULL)
        return;
    for (i = 0; i < t->nrows; i++) {
        free(t->rows[i].code);
        free(t->rows[i].label);
    }
    for (i = 0; t->cols != NULL && i < t->ncols; i++) {
        free(t->cols[i].code);
        free(t->cols[i].label);
    }
    free(t->rows);
    free(t->cols);
    free(t->v);
    free(t->status);
    free(t->name);
    free(t->title);
    free(t->unit);
    free(t->row_dim);
    free(t->col_dim);
    memset(t, 0, sizeof(*t));
}

void stats_result_release(struct stats_result *r)
{
    size_t i;
    for (i = 0; i < r->ntables; i++)
        stats__table_release(&r->tables[i]);
    free(r->tables);
    for (i = 0; i < r->npairs; i++) {
        free(r->pairs[i].a);
        free(r->pairs[i].b);
    }
    free(r->pairs);
    free(r->person_list);
    memset(r, 0, sizeof(*r));
}

struct stats_table *stats_find(const struct stats_result *r, const char *name)
{
    size_t i;
    for (i = 0; i < r->ntables; i++) {
        if (strcmp(r->tables[i].name, name) == 0)
            return &r->tables[i];
    }
    return NULL;
}

struct stats_table *stats__table_add(struct stats_result *r, const char *name, const char *title,
                                     const char *unit, const char *row_dim, const char *col_dim,
                                     size_t nrows, size_t ncols, unsigned sensitivity)
{
    struct stats_table *t;
    size_t n;

    r->tables = xrealloc(r->tables, (r->ntables + 1) * sizeof(*r->tables));
    t = &r->tables[r->ntables++];
    memset(t, 0, sizeof(*t));
    t->name = xstrdup(name);
    t->title = xstrdup(title);
    t->unit = xstrdup(unit);
    t->row_dim = xstrdup(row_dim);
    t->col_dim = col_dim != NULL ? xstrdup(col_dim) : NULL;
    t->sensitivity = sensitivity;
    t->nrows = nrows;
    t->ncols = ncols == 0 ? 1 : ncols;
    t->rows = xcalloc(nrows, sizeof(*t->rows));
    t->cols = ncols == 0 ? NULL : xcalloc(ncols, sizeof(*t->cols));
    n = (t->nrows + 1) * (t->ncols + 1);
    t->v = xcalloc(n, sizeof(*t->v));
    t->status = xcalloc(n, 1);
    return t;
}

void stats__table_margins(struct stats_table *t)
{
    size_t i, j;
    int64_t total = 0;

    for (j = 0; j <= t->ncols; j++)
        t->v[stats_at(t, t->nrows, j)] = 0;
    for (i = 0; i < t->nrows; i++) {
        int64_t row = 0;
        for (j = 0; j < t->ncols; j++) {
            row += t->v[stats_at(t, i, j)];
            t->v[stats_at(t, t->nrows, j)] += t->v[stats_at(t, i, j)];
        }
        t->v[stats_at(t, i, t->ncols)] = row;
        total += row;
    }
    t->v[stats_at(t, t->nrows, t->ncols)] = total;
    if (stats_is_1d(t)) {
        /* 1-D: the only margin is the total, kept at (nrows, 0) */
        t->v[stats_at(t, t->nrows, 0)] = total;
        for (i = 0; i <= t->nrows; i++)
            t->v[stats_at(t, i, 1)] = 0;
    }
}

/* ---- reading the run ---- */

/*
 * A large array (tens of megabytes for a million persons), asked for in transparent
 * huge pages where the kernel offers them: reading a run touches such arrays at
 * random, and 4 KiB pages made a fifth of the time page faults and TLB misses.
 * Freed with free().
 */
static void *big_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;
    if (bytes < huge)
        return xmalloc(bytes);
    bytes = (bytes + huge - 1) / huge * huge;
    if (posix_memalign(&p, huge, bytes) != 0)
        return xmalloc(bytes);
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

/* A run's record ids may span at most this many ids (the offsets are 32-bit). */
#define MAX_ID_SPAN ((int64_t)UINT32_MAX - 1)
/* Submission ids above this are not expected (a table by id maps them to agencies). */
#define MAX_SUBMISSION_ID 10000000

/*
 * The state of one computation. The scan (store_run_read) fills raw[] from the
 * records, possibly on two threads at once (disjoint ids), and moff[]/pstart[]
 * from the members on one of them; then every person is resolved from its slice
 * of moff[] (resolve_all) into persons[].
 */
struct reader {
    /* agencies: numbered by name, in the order of the submissions */
    struct hmap agencies;
    char **agency_names;
    size_t nagencies;
    uint32_t *sub_agency; /* submission id -> agency number, UINT32_MAX none */
    size_t sub_alloc;
    uint32_t unknown_agency; /* for a record whose submission is not listed */
    bool *agency_used;       /* agencies with at least one record in the run */
    /* records, by id - lo */
    int64_t lo, hi;
    struct stats__raw *raw;
    /* members, grouped by person */
    uint32_t *moff; /* record id - lo of each member */
    size_t nmembers, members_alloc;
    uint32_t *pstart; /* index in moff of each person's first member; then nmembers */
    size_t npersons_read, pstart_alloc;
    int64_t last_person;
    size_t expected_members, expected_persons; /* the run's own counts, to size arrays */
    /* resolved persons */
    struct stats__rec *recs; /* the records of the person being resolved */
    size_t recs_alloc;
    struct stats_person *persons;
    size_t npersons;
    uint32_t *agency_of; /* per person: offset into agency_lists, UINT32_MAX for one agency */
    uint32_t *agency_lists;
    size_t agency_lists_len, agency_lists_alloc;
    int year; /* filter on record year for record tables; 0 all */
    bool want_records;
    /* record-level counts */
    int64_t rec_sex_age[STATS_NSEX][STATS_NAGE];
    int64_t rec_form[CODES_NFORMS + 1];
    int64_t *rec_year;   /* index year - 1900, 0..299; 300 unknown */
    int64_t *rec_agency; /* by agency number */
};

#define YEAR_BASE 1900
#define NYEARS    301 /* 1900..2199, then unknown */

static uint32_t agency_number(struct reader *rd, const char *name)
{
    uint64_t v = 0;
    size_t len = strlen(name);
    if (hmap_get(&rd->agencies, name, len, &v))
        return (uint32_t)v;
    v = rd->nagencies;
    hmap_put(&rd->agencies, name, len, v, NULL);
    rd->agency_names = xrealloc(rd->agency_names, (rd->nagencies + 1) * sizeof(char *));
    rd->agency_names[rd->nagencies++] = xstrdup(name);
    return (uint32_t)v;
}

static int on_submission(int64_t id, const char *agency, void *arg)
{
    struct reader *rd = arg;
    size_t k, need;
    if (id < 0 || id > MAX_SUBMISSION_ID)
        return 0; /* its records get the unknown agency */
    need = (size_t)id + 1;
    if (need > rd->sub_alloc) {
        size_t n = need * 2;
        rd->sub_agency = xrealloc(rd->sub_agency, n * sizeof(uint32_t));
        for (k = rd->sub_alloc; k < n; k++)
            rd->sub_agency[k] = UINT32_MAX;
        rd->sub_alloc = n;
    }
    rd->sub_agency[id] = agency_number(rd, agency);
    return 0;
}

static int on_begin(int64_t lo, int64_t hi, void *arg)
{
    struct reader *rd = arg;
    size_t n;
    rd->unknown_agency = agency_number(rd, "");
    rd->lo = lo;
    rd->hi = hi;
    if (hi < lo)
        return 0;
    if (hi - lo > MAX_ID_SPAN)
        return ERR_TOOBIG;
    n = (size_t)(hi - lo + 1);
    rd->raw = big_alloc(n * sizeof(*rd->raw));
    memset(rd->raw, 0, n * sizeof(*rd->raw)); /* sex 0: no record with this id */
    rd->members_alloc = rd->expected_members > 0 ? rd->expected_members + 1 : 65536;
    rd->moff = big_alloc(rd->members_alloc * sizeof(*rd->moff));
    rd->pstart_alloc = rd->expected_persons > 0 ? rd->expected_persons + 2 : 65536;
    rd->pstart = big_alloc(rd->pstart_alloc * sizeof(*rd->pstart));
    return 0;
}

/* Called from the two reading threads at once, on disjoint ids: touches raw[id - lo] only. */
static int on_record(const struct store_hub_record *r, unsigned part, void *arg)
{
    struct reader *rd = arg;
    uint32_t agency = rd->unknown_agency;
    (void)part;
    if (r->id < rd->lo || r->id > rd->hi)
        return 0;
    if (r->submission_id >= 0 && (size_t)r->submission_id < rd->sub_alloc &&
        rd->sub_agency[r->submission_id] != UINT32_MAX)
        agency = rd->sub_agency[r->submission_id];
    stats__raw_from_hub(r, agency, &rd->raw[r->id - rd->lo]);
    return 0;
}

/* Called from one thread (members come in person order): touches moff and pstart only. */
static int on_member(int64_t person, int64_t record_id, void *arg)
{
    struct reader *rd = arg;
    if (record_id < rd->lo || record_id > rd->hi)
        return 0;
    if (rd->nmembers == 0 || person != rd->last_person) {
        if (rd->npersons_read + 2 > rd->pstart_alloc) {
            rd->pstart_alloc *= 2;
            rd->pstart = xrealloc(rd->pstart, rd->pstart_alloc * sizeof(*rd->pstart));
        }
        rd->pstart[rd->npersons_read++] = (uint32_t)rd->nmembers;
        rd->last_person = person;
    }
    if (rd->nmembers == rd->members_alloc) {
        rd->members_alloc *= 2;
        rd->moff = xrealloc(rd->moff, rd->members_alloc * sizeof(*rd->moff));
    }
    rd->moff[rd->nmembers++] = (uint32_t)(record_id - rd->lo);
    return 0;
}

/* Resolve the person whose records are recs[0..n). */
static void flush_person(struct reader *rd, struct stats__rec *recs, size_t n)
{
    struct stats_person p;
    uint32_t ag[256];
    size_t na, k;

    na = n == 1 ? 1 : stats__agencies(recs, n, ag, 256);
    stats__resolve(recs, n, &p);
    rd->agency_of[rd->npersons] = UINT32_MAX;
    rd->persons[rd->npersons++] = p;
    /* the person's agencies, for the agency pairs (only when several) */
    if (na > 1) {
        if (rd->agency_lists_len + na + 1 > rd->agency_lists_alloc) {
            rd->agency_lists_alloc = (rd->agency_lists_alloc + na + 1) * 2;
            rd->agency_lists =
                xrealloc(rd->agency_lists, rd->agency_lists_alloc * sizeof(*rd->agency_lists));
        }
        rd->agency_of[rd->npersons - 1] = (uint32_t)rd->agency_lists_len;
        rd->agency_lists[rd->agency_lists_len++] = (uint32_t)na;
        for (k = 0; k < na; k++)
            rd->agency_lists[rd->agency_lists_len++] = ag[k];
    }
}

/* Count one record of the run into the record-level tables. */
static void count_record(struct reader *rd, const struct stats__rec *rec)
{
    int sx = rec->sex == 'F'   ? STATS_SEX_FEMALE
             : rec->sex == 'M' ? STATS_SEX_MALE
             : rec->sex == 'X' ? STATS_SEX_OTHER
                               : STATS_SEX_UNKNOWN;
    int ag = rec->age == 'C'   ? STATS_AGE_CHILD
             : rec->age == 'A' ? STATS_AGE_ADULT
                               : STATS_AGE_UNKNOWN;
    int form = codes_form_primary(rec->forms);
    int y = rec->year >= YEAR_BASE && rec->year < YEAR_BASE + NYEARS - 1 ? rec->year - YEAR_BASE
                                                                         : NYEARS - 1;
    if (rd->year != 0 && rec->year != rd->year)
        return;
    rd->rec_sex_age[sx][ag]++;
    rd->rec_form[form < 0 ? CODES_NFORMS : form]++;
    rd->rec_year[y]++;
    rd->rec_agency[rec->agency]++;
}

/*
 * Resolve every person from its members (in person order, each person's records
 * gathered from raw[] by id). A member whose record is missing is skipped, and a
 * person with no record left is not counted.
 */
#define PREFETCH_AHEAD 24

static void resolve_all(struct reader *rd)
{
    size_t p, k;

    rd->pstart[rd->npersons_read] = (uint32_t)rd->nmembers;
    rd->persons = big_alloc((rd->npersons_read + 1) * sizeof(*rd->persons));
    rd->agency_of = big_alloc((rd->npersons_read + 1) * sizeof(*rd->agency_of));
    rd->agency_used = xcalloc(rd->nagencies + 1, sizeof(bool));
    if (rd->want_records)
        rd->rec_agency = xcalloc(rd->nagencies + 1, sizeof(int64_t));
    for (p = 0; p < rd->npersons_read; p++) {
        size_t b = rd->pstart[p], e = rd->pstart[p + 1], n = 0;
        if (e - b > rd->recs_alloc) {
            rd->recs_alloc = (e - b) * 2;
            rd->recs = xrealloc(rd->recs, rd->recs_alloc * sizeof(*rd->recs));
        }
        for (k = b; k < e; k++) {
            const struct stats__raw *raw = &rd->raw[rd->moff[k]];
            /* the records are scattered: ask for one well ahead (a miss each, otherwise) */
            if (k + PREFETCH_AHEAD < rd->nmembers)
                __builtin_prefetch(&rd->raw[rd->moff[k + PREFETCH_AHEAD]]);
            if (raw->sex == 0)
                continue; /* no such record */
            stats__rec_from_raw(raw, rd->lo + rd->moff[k], &rd->recs[n]);
            rd->agency_used[raw->agency] = true;
            if (rd->want_records)
                count_record(rd, &rd->recs[n]);
            n++;
        }
        if (n > 0)
            flush_person(rd, rd->recs, n);
    }
}

static void reader_release(struct reader *rd)
{
    size_t i;
    free(rd->raw);
    free(rd->moff);
    free(rd->pstart);
    free(rd->recs);
    free(rd->sub_agency);
    free(rd->persons);
    free(rd->agency_of);
    free(rd->agency_lists);
    free(rd->agency_used);
    for (i = 0; i < rd->nagencies; i++)
        free(rd->agency_names[i]);
    free(rd->agency_names);
    hmap_release(&rd->agencies);
    free(rd->rec_year);
    free(rd->rec_agency);
}

/* ---- category lists ---- */

static const char *const sex_codes[STATS_NSEX] = {"F", "M", "X", "U"};
static const char *const sex_labels[STATS_NSEX] = {"Female", "Male", "Other",
                                                   "Unknown (not recorded)"};
static const char *const age_codes[STATS_NAGE] = {"C", "A", "U"};
static const char *const age_labels[STATS_NAGE] = {"Child (under 18)", "Adult (18 or over)",
                                                   "Unknown (not recorded)"};
static const char *const group_codes[STATS_NGROUPS] = {
    "WOMEN", "MEN", "GIRLS", "BOYS", "OTHER_SEX", "SEX_UNKNOWN", "AGE_UNKNOWN"};
static const char *const group_labels[STATS_NGROUPS] = {"Women (female, 18 or over)",
                                                        "Men (male, 18 or over)",
                                                        "Girls (female, under 18)",
                                                        "Boys (male, under 18)",
                                                        "Other sex (any age)",
                                                        "Sex not recorded (any age)",
                                                        "Age not recorded (female or male)"};

const char *stats_group_code(enum stats_group g)
{
    return group_codes[g];
}

const char *stats_group_label(enum stats_group g)
{
    return group_labels[g];
}

void stats_groups_from_sex_age(const struct stats_table *sex_age, struct stats_table *groups)
{
    size_t i, j;

    for (i = 0; i < groups->nrows; i++)
        groups->v[stats_at(groups, i, 0)] = 0;
    for (i = 0; i < sex_age->nrows; i++)
        for (j = 0; j < sex_age->ncols; j++)
            groups->v[stats_at(groups, stats_group_of((unsigned)i, (unsigned)j), 0)] +=
                sex_age->v[stats_at(sex_age, i, j)];
}

enum stats_group stats_group_of(unsigned s, unsigned a)
{
    if (s == STATS_SEX_OTHER)
        return STATS_GROUP_OTHER_SEX;
    if (s != STATS_SEX_FEMALE && s != STATS_SEX_MALE)
        return STATS_GROUP_SEX_UNKNOWN;
    if (a == STATS_AGE_ADULT)
        return s == STATS_SEX_FEMALE ? STATS_GROUP_WOMEN : STATS_GROUP_MEN;
    if (a == STATS_AGE_CHILD)
        return s == STATS_SEX_FEMALE ? STATS_GROUP_GIRLS : STATS_GROUP_BOYS;
    return STATS_GROUP_AGE_UNKNOWN;
}

static const char *const flow_codes[STATS_NFLOW] = {"DOMESTIC", "INTRA", "TRANS", "unknown"};
static const char *const flow_labels[STATS_NFLOW] = {
    "Domestic (detected in the country of citizenship)",
    "Intra-regional (another country of the same Global Report region)",
    "Trans-regional (a country of another Global Report region)",
    "Unknown (citizenship or country of detection not recorded)"};
static const char *const glotip_regions[] = {"EUR_CA", "AMER", "SEAP", "AFR_ME"};
static const char *const glotip_subregions[] = {"WSE", "CSEE", "EECA", "NAM",  "CAC",
                                                "SAM", "EAP",  "SAS",  "NAME", "SSA"};
#define NGR   4
#define NGSUB 10

static int region_index(const char *code, const char *const *list, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (strcmp(list[i], code) == 0)
            return (int)i;
    }
    return -1;
}

/* M49 regions or subregions (by code), sorted by code, built once per computation. */
struct m49_list {
    int codes[64];
    const char *names[64];
    size_t n;
};

static void m49_collect(struct m49_list *l, bool sub)
{
    size_t i, j, nc = codes_country_count();
    l->n = 0;
    for (i = 0; i < nc; i++) {
        const struct codes_country *c = codes_country_at(i);
        int code = sub ? c->subregion_code : c->region_code;
        const char *name = sub ? c->subregion : c->region;
        if (code == 0)
            continue;
        for (j = 0; j < l->n && l->codes[j] != code; j++)
            ;
        if (j < l->n || l->n == 64)
            continue;
        for (j = l->n; j > 0 && l->codes[j - 1] > code; j--) {
            l->codes[j] = l->codes[j - 1];
            l->names[j] = l->names[j - 1];
        }
        l->codes[j] = code;
        l->names[j] = name;
        l->n++;
    }
}

static int m49_index(const struct m49_list *l, int code)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        if (l->codes[i] == code)
            return (int)i;
    }
    return -1;
}

/* Region category of country index+1 c for one of the four region kinds. */
enum region_kind { GR_REGION, GR_SUBREGION, M49_REGION, M49_SUBREGION };

struct regions {
    struct m49_list m49r, m49s;
    /* per country index: category in each kind (n = unknown) */
    uint8_t *cat[4];
    size_t ncat[4];
};

static void regions_build(struct regions *g)
{
    size_t nc = codes_country_count(), i, k;

    m49_collect(&g->m49r, false);
    m49_collect(&g->m49s, true);
    g->ncat[GR_REGION] = NGR;
    g->ncat[GR_SUBREGION] = NGSUB;
    g->ncat[M49_REGION] = g->m49r.n;
    g->ncat[M49_SUBREGION] = g->m49s.n;
    for (k = 0; k < 4; k++)
        g->cat[k] = xcalloc(nc + 1, 1);
    for (k = 0; k < 4; k++)
        g->cat[k][0] = (uint8_t)g->ncat[k]; /* unknown country */
    for (i = 0; i < nc; i++) {
        const struct codes_country *c = codes_country_at(i);
        int x;
        x = region_index(c->glotip_region, glotip_regions, NGR);
        g->cat[GR_REGION][i + 1] = (uint8_t)(x < 0 ? NGR : x);
        x = region_index(c->glotip_subregion, glotip_subregions, NGSUB);
        g->cat[GR_SUBREGION][i + 1] = (uint8_t)(x < 0 ? NGSUB : x);
        x = m49_index(&g->m49r, c->region_code);
        g->cat[M49_REGION][i + 1] = (uint8_t)(x < 0 ? (int)g->m49r.n : x);
        x = m49_index(&g->m49s, c->subregion_code);
        g->cat[M49_SUBREGION][i + 1] = (uint8_t)(x < 0 ? (int)g->m49s.n : x);
    }
}

static void regions_release(struct regions *g)
{
    size_t k;
    for (k = 0; k < 4; k++)
        free(g->cat[k]);
}

static void region_cats(const struct regions *g, enum region_kind k, struct stats_table *t)
{
    size_t i;
    for (i = 0; i < g->ncat[k]; i++) {
        char code[16];
        switch (k) {
        case GR_REGION:
            stats__cat_set(&t->rows[i], glotip_regions[i], codes_glotip_label(glotip_regions[i]));
            break;
        case GR_SUBREGION:
            stats__cat_set(&t->rows[i], glotip_subregions[i],
                           codes_glotip_label(glotip_subregions[i]));
            break;
        case M49_REGION:
            snprintf(code, sizeof(code), "%03d", g->m49r.codes[i]);
            stats__cat_set(&t->rows[i], code, g->m49r.names[i]);
            break;
        case M49_SUBREGION:
            snprintf(code, sizeof(code), "%03d", g->m49s.codes[i]);
            stats__cat_set(&t->rows[i], code, g->m49s.names[i]);
            break;
        }
    }
    stats__cat_set(&t->rows[g->ncat[k]], "unknown", "Unknown or no region");
}

/* Country categories: *map gets, per country index + 1, the row (or SIZE_MAX). */
static size_t country_cats(const int64_t *present, bool all, struct stats_cat **cats, size_t **map)
{
    size_t nc = codes_country_count(), i, n = 0;
    *map = xmalloc((nc + 1) * sizeof(size_t));
    *cats = xcalloc(nc + 1, sizeof(struct stats_cat));
    for (i = 1; i <= nc; i++) {
        const struct codes_country *c = codes_country_at(i - 1);
        if (!all && present[i] == 0) {
            (*map)[i] = SIZE_MAX;
            continue;
        }
        (*map)[i] = n;
        stats__cat_set(&(*cats)[n], c->alpha3, c->name);
        n++;
    }
    (*map)[0] = n;
    stats__cat_set(&(*cats)[n], "unknown", "Unknown (not recorded)");
    return n + 1;
}

static struct stats_table *country_table(struct stats_result *r, const char *name,
                                         const char *title, const char *dim, const int64_t *counts,
                                         bool all)
{
    struct stats_cat *cats = NULL;
    size_t *map = NULL;
    size_t n = country_cats(counts, all, &cats, &map), i, nc = codes_country_count();
    struct stats_table *t = stats__table_add(r, name, title, "persons", dim, NULL, n, 0, 1);

    free(t->rows);
    t->rows = cats;
    for (i = 0; i <= nc; i++) {
        if (map[i] != SIZE_MAX)
            t->v[stats_at(t, map[i], 0)] = counts[i];
    }
    stats__table_margins(t);
    free(map);
    return t;
}

static bool keep(const struct stats_person *p, int year)
{
    return year == 0 || p->year == year;
}

/* The year categories: from..to, then unknown. */
static void year_range(const struct reader *rd, const struct stats_options *o, bool dp, int *from,
                       int *to)
{
    size_t i;
    *from = 0;
    *to = -1;
    if (o->year_from > 0 && o->year_to >= o->year_from) {
        *from = o->year_from;
        *to = o->year_to;
        return;
    }
    if (o->year > 0 || dp) {
        *from = o->year > 0 ? o->year : 2000;
        *to = o->year > 0 ? o->year : 2030;
        return;
    }
    for (i = 0; i < rd->npersons; i++) {
        int y = rd->persons[i].year;
        if (y == 0)
            continue;
        if (*to < *from) {
            *from = y;
            *to = y;
        }
        if (y < *from)
            *from = y;
        if (y > *to)
            *to = y;
    }
}

static int cmp_pair(const void *a, const void *b)
{
    const struct stats_pair *x = a, *y = b;
    if (x->persons != y->persons)
        return x->persons > y->persons ? -1 : 1;
    if (strcmp(x->a, y->a) != 0)
        return strcmp(x->a, y->a);
    return strcmp(x->b, y->b);
}

static void agency_pairs(struct stats_result *r, const struct reader *rd, int year)
{
    struct hmap counts;
    size_t i, k, l, n = 0;
    struct stats_pair *all = NULL;

    hmap_init(&counts);
    for (i = 0; i < rd->npersons; i++) {
        const uint32_t *list;
        uint32_t na;
        if (rd->agency_of[i] == UINT32_MAX || !keep(&rd->persons[i], year))
            continue;
        list = &rd->agency_lists[rd->agency_of[i]];
        na = list[0];
        for (k = 1; k <= na; k++) {
            for (l = k + 1; l <= na; l++) {
                uint32_t key[2] = {list[k], list[l]};
                uint64_t idx = n;
                if (hmap_put(&counts, key, sizeof(key), idx, &idx)) {
                    all = xrealloc(all, (n + 1) * sizeof(*all));
                    memset(&all[n], 0, sizeof(all[n]));
                    const char *an = rd->agency_names[key[0]], *bn = rd->agency_names[key[1]];
                    all[n].a = xstrdup(strcmp(an, bn) <= 0 ? an : bn);
                    all[n].b = xstrdup(strcmp(an, bn) <= 0 ? bn : an);
                    n++;
                }
                if (all != NULL && idx < n)
                    all[idx].persons++;
            }
        }
    }
    hmap_release(&counts);
    if (n > 0)
        qsort(all, n, sizeof(*all), cmp_pair);
    for (i = STATS_TOP_PAIRS; i < n; i++) {
        free(all[i].a);
        free(all[i].b);
    }
    r->npairs = n < STATS_TOP_PAIRS ? n : STATS_TOP_PAIRS;
    r->pairs = all;
}

/* ---- the tables ---- */

static void person_tables(struct stats_result *r, const struct reader *rd,
                          const struct stats_options *o, bool dp)
{
    size_t nc = codes_country_count(), i, k, j;
    int from, to, y;
    struct stats_table *t;
    struct regions g;
    int64_t *cit = xcalloc(nc + 1, sizeof(int64_t));
    int64_t *det = xcalloc(nc + 1, sizeof(int64_t));
    unsigned iccs_cap = STATS_FORM_CAP < CODES_NICCS ? STATS_FORM_CAP : CODES_NICCS;
    /* the ICCS code of each Global Report form; mixed counts under 02041 and 02042 */
    static const unsigned form_iccs[CODES_NFORMS] = {
        1u << CODES_ICCS_SEX,    1u << CODES_ICCS_LABOUR,
        1u << CODES_ICCS_LABOUR, 1u << CODES_ICCS_LABOUR,
        1u << CODES_ICCS_OTHER,  1u << CODES_ICCS_ORGAN,
        1u << CODES_ICCS_OTHER,  1u << CODES_ICCS_OTHER,
        1u << CODES_ICCS_OTHER,  (1u << CODES_ICCS_SEX) | (1u << CODES_ICCS_LABOUR)};

    regions_build(&g);
    year_range(rd, o, dp, &from, &to);

    /* total */
    t = stats__table_add(r, "total", "Detected victims (persons)", "persons", "all", NULL, 1, 0, 1);
    stats__cat_set(&t->rows[0], "all", "All persons");

    /* by year */
    {
        size_t ny = to >= from ? (size_t)(to - from + 1) : 0;
        struct stats_table *ty =
            stats__table_add(r, "year", "Detected victims by year of first identification",
                             "persons", "year", NULL, ny + 1, 0, 1);
        for (y = from; y <= to; y++) {
            char code[16];
            snprintf(code, sizeof(code), "%d", y);
            stats__cat_set(&ty->rows[y - from], code, code);
        }
        if (o->year_from > 0 || dp) {
            /* a fixed public range: a year outside it is counted here too */
            char label[80];
            snprintf(label, sizeof(label), "Unknown, or outside %d-%d", from, to);
            stats__cat_set(&ty->rows[ny], "unknown", label);
        } else {
            stats__cat_set(&ty->rows[ny], "unknown", "Unknown (not recorded)");
        }
    }

    /* by sex and age group */
    t = stats__table_add(r, "sex_age", "Detected victims by sex and age group", "persons", "sex",
                         "age group", STATS_NSEX, STATS_NAGE, 1);
    for (k = 0; k < STATS_NSEX; k++)
        stats__cat_set(&t->rows[k], sex_codes[k], sex_labels[k]);
    for (k = 0; k < STATS_NAGE; k++)
        stats__cat_set(&t->cols[k], age_codes[k], age_labels[k]);
    /* the same persons by group: women, men, girls, boys, then the others */
    t = stats__table_add(r, "sex_age_groups",
                         "Detected victims by group of sex and age: women, men, girls and boys, "
                         "then the persons of other or unrecorded sex or age",
                         "persons", "group of sex and age", NULL, STATS_NGROUPS, 0, 1);
    for (k = 0; k < STATS_NGROUPS; k++)
        stats__cat_set(&t->rows[k], group_codes[k], group_labels[k]);
    t->headline = STATS_GROUP_HEADLINE;

    /* forms */
    t = stats__table_add(r, "form",
                         "Detected victims by form of exploitation (one form per person; Global "
                         "Report forms, 'mixed' for sexual exploitation with forced labour)",
                         "persons", "form of exploitation", NULL, CODES_NFORMS + 1, 0, 1);
    for (k = 0; k < CODES_NFORMS; k++)
        stats__cat_set(&t->rows[k], codes_form_code((enum codes_form)k),
                       codes_form_label((enum codes_form)k));
    stats__cat_set(&t->rows[CODES_NFORMS], "unknown", "Unknown (not recorded)");

    t = stats__table_add(r, "form_all",
                         "Detected victims by every form of exploitation recorded (a person counts "
                         "under each of their forms, at most "
                         "3"
                         ")",
                         "person-forms", "form of exploitation", NULL, CODES_NFORMS + 1, 0,
                         STATS_FORM_CAP);
    for (k = 0; k < CODES_NFORMS; k++)
        stats__cat_set(&t->rows[k], codes_form_code((enum codes_form)k),
                       codes_form_label((enum codes_form)k));
    stats__cat_set(&t->rows[CODES_NFORMS], "unknown", "Unknown (not recorded)");

    t = stats__table_add(r, "iccs",
                         "Detected victims by ICCS code (0204: trafficking in persons; a person "
                         "counts under each code of their forms)",
                         "person-forms", "ICCS code", NULL, CODES_NICCS + 1, 0, iccs_cap);
    for (k = 0; k < CODES_NICCS; k++)
        stats__cat_set(&t->rows[k], codes_iccs_code((enum codes_iccs)k),
                       codes_iccs_label((enum codes_iccs)k));
    stats__cat_set(&t->rows[CODES_NICCS], "unknown", "Unknown (not recorded)");

    t = stats__table_add(r, "flow_class",
                         "Detected victims by flow: domestic, intra-regional, trans-regional "
                         "(citizenship to country of detection, Global Report regions)",
                         "persons", "flow", NULL, STATS_NFLOW, 0, 1);
    for (k = 0; k < STATS_NFLOW; k++)
        stats__cat_set(&t->rows[k], flow_codes[k], flow_labels[k]);

    t = stats__table_add(r, "agencies_per_person",
                         "Detected victims by the number of agencies that recorded them", "persons",
                         "agencies", NULL, STATS_AGENCIES_MAX, 0, 1);
    for (k = 0; k < STATS_AGENCIES_MAX; k++) {
        char code[16], label[64];
        snprintf(code, sizeof(code), k + 1 < STATS_AGENCIES_MAX ? "%zu" : "%zu+", k + 1);
        snprintf(label, sizeof(label),
                 k == 0                       ? "1 agency"
                 : k + 1 < STATS_AGENCIES_MAX ? "%zu agencies"
                                              : "%zu or more agencies",
                 k + 1);
        stats__cat_set(&t->rows[k], code, label);
    }

    /* count */
    {
        struct stats_table *tt = stats_find(r, "total"), *ty = stats_find(r, "year"),
                           *tsa = stats_find(r, "sex_age"), *tsg = stats_find(r, "sex_age_groups"),
                           *tf = stats_find(r, "form"), *tfa = stats_find(r, "form_all"),
                           *ti = stats_find(r, "iccs"), *tfc = stats_find(r, "flow_class"),
                           *tag = stats_find(r, "agencies_per_person");
        size_t ny = ty->nrows - 1;
        for (i = 0; i < rd->npersons; i++) {
            const struct stats_person *p = &rd->persons[i];
            unsigned iccs = 0, kept = 0;
            if (!keep(p, o->year))
                continue;
            tt->v[0]++;
            if (p->year >= from && p->year <= to)
                ty->v[stats_at(ty, (size_t)(p->year - from), 0)]++;
            else
                ty->v[stats_at(ty, ny, 0)]++; /* unknown, or outside a fixed range */
            tsa->v[stats_at(tsa, p->sex, p->age)]++;
            tsg->v[stats_at(tsg, stats_group_of(p->sex, p->age), 0)]++;
            tf->v[stats_at(tf, p->form < 0 ? CODES_NFORMS : (size_t)p->form, 0)]++;
            if (p->forms == 0)
                tfa->v[stats_at(tfa, CODES_NFORMS, 0)]++;
            for (k = 0; k < CODES_NFORMS; k++) {
                if (p->forms & (1u << k)) {
                    tfa->v[stats_at(tfa, k, 0)]++;
                    iccs |= form_iccs[k];
                }
            }
            if (iccs == 0)
                ti->v[stats_at(ti, CODES_NICCS, 0)]++;
            for (k = 0; k < CODES_NICCS && kept < iccs_cap; k++) {
                if (iccs & (1u << k)) {
                    ti->v[stats_at(ti, k, 0)]++;
                    kept++;
                }
            }
            tfc->v[stats_at(tfc, stats_flow_class(p), 0)]++;
            tag->v[stats_at(tag,
                            p->nagencies >= STATS_AGENCIES_MAX ? STATS_AGENCIES_MAX - 1u
                            : p->nagencies == 0                ? 0
                                                               : p->nagencies - 1u,
                            0)]++;
            cit[p->citizenship]++;
            det[p->detection]++;
            if (p->nagencies > 1)
                r->persons_multi++;
            r->persons++;
            r->records += p->nrecords;
        }
        stats__table_margins(tt);
        stats__table_margins(ty);
        stats__table_margins(tsa);
        stats__table_margins(tsg);
        stats__table_margins(tf);
        stats__table_margins(tfa);
        stats__table_margins(ti);
        stats__table_margins(tfc);
        stats__table_margins(tag);
    }

    /* countries */
    country_table(r, "citizenship", "Detected victims by citizenship", "country of citizenship",
                  cit, dp);
    country_table(r, "detection", "Detected victims by country of detection",
                  "country of detection", det, dp);

    /* regions of citizenship and of detection */
    for (j = 0; j < 2; j++) {
        static const char *const kind_name[4] = {"glotip_region", "glotip_subregion", "m49_region",
                                                 "m49_subregion"};
        static const char *const kind_title[4] = {"Global Report region", "Global Report subregion",
                                                  "UN M49 region", "UN M49 subregion"};
        const int64_t *src = j == 0 ? cit : det;
        for (k = 0; k < 4; k++) {
            char name[64], title[160];
            snprintf(name, sizeof(name), "%s_%s", j == 0 ? "citizenship" : "detection",
                     kind_name[k]);
            snprintf(title, sizeof(title), "Detected victims by %s of %s", kind_title[k],
                     j == 0 ? "citizenship" : "detection");
            t = stats__table_add(r, name, title, "persons", kind_title[k], NULL, g.ncat[k] + 1, 0,
                                 1);
            region_cats(&g, (enum region_kind)k, t);
            for (i = 0; i <= nc; i++)
                t->v[stats_at(t, g.cat[k][i], 0)] += src[i];
            stats__table_margins(t);
        }
    }

    /* flows: citizenship x country of detection (exact and SDC), and by Global Report
     * subregion (every protection) */
    if (!dp) {
        struct stats_cat *rc = NULL, *cc = NULL;
        size_t *rmap = NULL, *cmap = NULL;
        size_t nr = country_cats(cit, false, &rc, &rmap);
        size_t ncl = country_cats(det, false, &cc, &cmap);
        t = stats__table_add(r, "flows",
                             "Detected victims by citizenship (origin) and country of detection "
                             "(destination)",
                             "persons", "country of citizenship", "country of detection", nr, ncl,
                             1);
        free(t->rows);
        free(t->cols);
        t->rows = rc;
        t->cols = cc;
        for (i = 0; i < rd->npersons; i++) {
            const struct stats_person *p = &rd->persons[i];
            if (keep(p, o->year))
                t->v[stats_at(t, rmap[p->citizenship], cmap[p->detection])]++;
        }
        stats__table_margins(t);
        free(rmap);
        free(cmap);
    }
    t = stats__table_add(r, "flows_subregion",
                         "Detected victims by Global Report subregion of citizenship (origin) and "
                         "of detection (destination)",
                         "persons", "subregion of citizenship", "subregion of detection", NGSUB + 1,
                         NGSUB + 1, 1);
    region_cats(&g, GR_SUBREGION, t);
    for (k = 0; k <= NGSUB; k++)
        stats__cat_set(&t->cols[k], t->rows[k].code, t->rows[k].label);
    for (i = 0; i < rd->npersons; i++) {
        const struct stats_person *p = &rd->persons[i];
        if (keep(p, o->year))
            t->v[stats_at(t, g.cat[GR_SUBREGION][p->citizenship],
                          g.cat[GR_SUBREGION][p->detection])]++;
    }
    stats__table_margins(t);

    regions_release(&g);
    free(cit);
    free(det);
}

static const char *const *sort_names;

static int by_name(const void *a, const void *b)
{
    return strcmp(sort_names[*(const size_t *)a], sort_names[*(const size_t *)b]);
}

static void record_tables(struct stats_result *r, const struct reader *rd)
{
    struct stats_table *t;
    size_t k, i, first = NYEARS, last = 0, *order = NULL;

    t = stats__table_add(r, "records_sex_age",
                         "Records (not persons) by sex and age group as each record states them",
                         "records", "sex", "age group", STATS_NSEX, STATS_NAGE, 0);
    for (k = 0; k < STATS_NSEX; k++)
        stats__cat_set(&t->rows[k], sex_codes[k], sex_labels[k]);
    for (k = 0; k < STATS_NAGE; k++)
        stats__cat_set(&t->cols[k], age_codes[k], age_labels[k]);
    for (k = 0; k < STATS_NSEX; k++)
        for (i = 0; i < STATS_NAGE; i++)
            t->v[stats_at(t, k, i)] = rd->rec_sex_age[k][i];
    stats__table_margins(t);

    t = stats__table_add(r, "records_form",
                         "Records (not persons) by the primary form of exploitation of each record",
                         "records", "form of exploitation", NULL, CODES_NFORMS + 1, 0, 0);
    for (k = 0; k < CODES_NFORMS; k++) {
        stats__cat_set(&t->rows[k], codes_form_code((enum codes_form)k),
                       codes_form_label((enum codes_form)k));
        t->v[stats_at(t, k, 0)] = rd->rec_form[k];
    }
    stats__cat_set(&t->rows[CODES_NFORMS], "unknown", "Unknown (not recorded)");
    t->v[stats_at(t, CODES_NFORMS, 0)] = rd->rec_form[CODES_NFORMS];
    stats__table_margins(t);

    for (i = 0; i + 1 < NYEARS; i++) {
        if (rd->rec_year[i] != 0) {
            if (first == NYEARS)
                first = i;
            last = i;
        }
    }
    if (first == NYEARS)
        first = last + 1;
    t = stats__table_add(r, "records_year", "Records (not persons) by year of identification",
                         "records", "year", NULL, last + 1 - first + 1, 0, 0);
    for (i = first; i <= last && first < NYEARS; i++) {
        char code[16];
        snprintf(code, sizeof(code), "%zu", i + YEAR_BASE);
        stats__cat_set(&t->rows[i - first], code, code);
        t->v[stats_at(t, i - first, 0)] = rd->rec_year[i];
    }
    stats__cat_set(&t->rows[t->nrows - 1], "unknown", "Unknown (not recorded)");
    t->v[stats_at(t, t->nrows - 1, 0)] = rd->rec_year[NYEARS - 1];
    stats__table_margins(t);

    /* the agencies with records in the run, by name */
    order = xmalloc((rd->nagencies + 1) * sizeof(*order));
    for (i = 0, k = 0; i < rd->nagencies; i++) {
        if (rd->agency_used[i])
            order[k++] = i;
    }
    sort_names = (const char *const *)rd->agency_names;
    qsort(order, k, sizeof(*order), by_name);
    sort_names = NULL;
    t = stats__table_add(r, "records_agency", "Records by agency", "records", "agency", NULL, k, 0,
                         0);
    for (i = 0; i < k; i++) {
        stats__cat_set(&t->rows[i], rd->agency_names[order[i]], rd->agency_names[order[i]]);
        t->v[stats_at(t, i, 0)] = rd->rec_agency[order[i]];
    }
    stats__table_margins(t);
    free(order);
}

#include <time.h>
static double tnow(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
int stats_compute(struct store *s, const struct stats_options *o, bool dp_lists,
                  struct stats_result *out, struct err *e)
{
    struct store_link_run run;
    struct store_run_reader cb;
    struct reader rd;
    size_t i;
    int rc;

    stats_result_init(out);
    memset(&rd, 0, sizeof(rd));
    hmap_init(&rd.agencies);
    rd.year = o->year;
    rd.want_records = o->records && !dp_lists;
    rd.rec_year = xcalloc(NYEARS, sizeof(int64_t));
    if (o->run_id > 0)
        rc = store_link_run_get(s, o->run_id, &run, e);
    else
        rc = store_link_run_latest(s, &run, e);
    if (rc < 0)
        goto out;
    out->run_id = run.id;
    snprintf(out->run_created_at, sizeof(out->run_created_at), "%s", run.created_at);
    snprintf(out->run_method, sizeof(out->run_method), "%s", run.method);
    /* sized from the run's own counts, so that nothing grows while reading */
    if (run.nrecords < 100000000 && run.npersons < 100000000) {
        rd.expected_members = (size_t)run.nrecords;
        rd.expected_persons = (size_t)run.npersons;
    }
    memset(&cb, 0, sizeof(cb));
    cb.submission = on_submission;
    cb.begin = on_begin;
    cb.record = on_record;
    cb.member = on_member;
    cb.arg = &rd;
    double T0 = tnow();
    rc = store_run_read(s, run.id, &cb, e);
    double T1 = tnow();
    if (rc == ERR_TOOBIG)
        rc = err_set(e, rc, "the record ids of link run %lld span more than 2^32 ids",
                     (long long)run.id);
    if (rc < 0)
        goto out;
    resolve_all(&rd);
    double T2 = tnow();
    out->dp_fixed_lists = dp_lists;
    for (i = 0; i < rd.nagencies; i++)
        out->nagencies += rd.agency_used[i];
    person_tables(out, &rd, o, dp_lists);
    if (rd.want_records)
        record_tables(out, &rd);
    double T3 = tnow();
    if (!dp_lists)
        agency_pairs(out, &rd, o->year);
    if (getenv("STIME"))
        fprintf(stderr, "scan %.3f resolve %.3f tables %.3f pairs %.3f\n", T1 - T0, T2 - T1,
                T3 - T2, tnow() - T3);
    if (o->keep_persons) {
        out->person_list = rd.persons;
        out->nperson_list = rd.npersons;
        rd.persons = NULL;
    }
out:
    reader_release(&rd);
    if (rc < 0)
        stats_result_release(out);
    return rc;
}
