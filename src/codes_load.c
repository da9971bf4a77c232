/*
 * codes_load.c: reads the embedded code-list CSV files into the codes module's
 * tables (codes_int.h), once, at first use.
 *
 * Files (all under data/, see data/codes/PROVENANCE.md and data/htcds/PROVENANCE.md):
 *   htcds/htcds_fields_annotated.csv  picklists: value_names and value_labels joined by ';'
 *   codes/htcds_extensions.csv        values tiphub adds to those lists
 *   codes/value_aliases.csv           other spellings of list values
 *   codes/iso3166_m49_all.csv         ISO 3166 countries with M49 regions
 *   codes/country_extensions.csv      territories beyond ISO 3166-1 (Kosovo)
 *   codes/country_aliases.csv         common English names of countries
 *   codes/glotip_regions.csv          Global Report region of every country
 *   codes/iccs_tip.csv                ICCS and Global Report labels
 *   codes/exploitation_map.csv        vic_TypeOfExploitation -> ICCS code, GR form
 *
 * The files are part of the build, so a malformed one is a bug in tiphub: loading
 * stops the program with a message naming the file and the problem, and the unit
 * tests (which load everything) catch it before a release.
 */
#include "codes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes_int.h"
#include "csv.h"
#include "embedded.h"
#include "err.h"
#include "log.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

static struct codes__tables tables;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void fatal(const char *file, unsigned long row, const char *what)
{
    /* Goes to stderr whatever the log level: the binary cannot work without its lists. */
    fprintf(stderr, "tiphub: fatal: embedded code list '%s' row %lu: %s\n", file, row, what);
    abort();
}

/* ==== reading one CSV file by column names ==== */

#define MAX_COLS 12

struct row {
    const char *file;
    unsigned long rowno; /* 1-based data row (the header is row 0) */
    const char *data[MAX_COLS];
    size_t len[MAX_COLS];
};

typedef void row_fn(struct row *row, void *ctx);

/*
 * Call fn for every data row of the embedded file name, with the columns cols[]
 * (which must all be in its header) in that order.
 */
static void each_row(const char *name, const char *const *cols, size_t ncols, row_fn *fn, void *ctx)
{
    const struct embedded_file *f = embedded_find(name);
    struct csv_reader *rd = NULL;
    struct csv_record rec;
    struct err e;
    size_t colidx[MAX_COLS];
    size_t i, j;
    int rc;
    struct row row;

    if (f == NULL)
        fatal(name, 0, "not embedded");
    if (csv_open_mem(&rd, f->data, f->len, NULL) < 0)
        fatal(name, 0, "cannot open");
    err_init(&e);
    rc = csv_next(rd, &rec, &e);
    if (rc != 1)
        fatal(name, 0, "no header");
    for (i = 0; i < ncols; i++) {
        colidx[i] = (size_t)-1;
        for (j = 0; j < rec.nfields; j++) {
            if (str_ieq(rec.fields[j].data, rec.fields[j].len, cols[i]))
                colidx[i] = j;
        }
        if (colidx[i] == (size_t)-1)
            fatal(name, 0, "a column is missing from the header");
    }
    memset(&row, 0, sizeof(row));
    row.file = name;
    for (;;) {
        rc = csv_next(rd, &rec, &e);
        if (rc == 0)
            break;
        row.rowno++;
        if (rc < 0)
            fatal(name, row.rowno, "malformed CSV");
        for (i = 0; i < ncols; i++) {
            if (colidx[i] < rec.nfields) {
                row.data[i] = rec.fields[colidx[i]].data;
                row.len[i] = rec.fields[colidx[i]].len;
            } else {
                row.data[i] = "";
                row.len[i] = 0;
            }
        }
        fn(&row, ctx);
    }
    csv_close(rd);
}

static char *dup_field(const struct row *row, size_t col)
{
    return xstrndup(row->data[col], row->len[col]);
}

static bool field_is(const struct row *row, size_t col, const char *lit)
{
    return row->len[col] == strlen(lit) && memcmp(row->data[col], lit, row->len[col]) == 0;
}

/* ==== picklists ==== */

static struct codes_list *list_by_field(const char *p, size_t len)
{
    size_t i;
    for (i = 0; i < tables.nlists; i++) {
        const char *f = tables.lists[i].field;
        if (strlen(f) == len && memcmp(f, p, len) == 0)
            return &tables.lists[i];
    }
    return NULL;
}

/* Map the key of text[0..len) to value index i of list l. */
static void list_key(struct codes_list *l, const struct row *row, const char *text, size_t len,
                     int i)
{
    char key[CODES_KEY_MAX];
    int klen = codes_key(text, len, key);
    if (klen <= 0)
        fatal(row->file, row->rowno, "a value has an empty or invalid matching key");
    if (codes__map_put(&l->map, key, (size_t)klen, i) < 0)
        fatal(row->file, row->rowno, "two values of one list have the same matching key");
}

static void list_add(struct codes_list *l, const struct row *row, const char *name, size_t name_len,
                     const char *label, size_t label_len, bool ext)
{
    size_t i = l->n;
    if (i >= CODES__MAX_VALUES)
        fatal(row->file, row->rowno, "too many values in one list");
    l->names[i] = xstrndup(name, name_len);
    l->labels[i] = xstrndup(label, label_len);
    l->ext[i] = ext;
    l->n++;
    if (codes__map_put(&l->exact, name, name_len, (int)i) < 0)
        fatal(row->file, row->rowno, "a value name appears twice in one list");
    list_key(l, row, name, name_len, (int)i);
    list_key(l, row, label, label_len, (int)i);
    /* ISIC section values ("A_AgricultureForestryAndFishing") also match their letter. */
    if (name_len > 2 && name[1] == '_' && name[0] >= 'A' && name[0] <= 'Z')
        list_key(l, row, name, 1, (int)i);
}

/*
 * Split value_names at every ';' and value_labels at every ';' not followed by a
 * space (some ISIC labels hold "; " themselves), and pair them up.
 */
static void htcds_row(struct row *row, void *ctx)
{
    const char *names = row->data[2], *labels = row->data[3];
    size_t nlen = row->len[2], llen = row->len[3];
    struct codes_list *l;
    size_t ni = 0, li = 0;
    (void)ctx;

    if (nlen == 0 || (nlen >= 4 && memcmp(names, "Use ", 4) == 0))
        return; /* not a picklist, or "Use ISO ... codes" (countries, languages) */
    if (tables.nlists >= CODES__MAX_LISTS)
        fatal(row->file, row->rowno, "too many picklists");
    l = &tables.lists[tables.nlists++];
    l->field = dup_field(row, 0);
    codes__map_init(&l->map, 64);
    codes__map_init(&l->exact, 64);
    while (ni < nlen) {
        size_t ne = ni, le = li;
        while (ne < nlen && names[ne] != ';')
            ne++;
        while (le < llen && !(labels[le] == ';' && (le + 1 >= llen || labels[le + 1] != ' ')))
            le++;
        if (li >= llen)
            fatal(row->file, row->rowno, "fewer value labels than value names");
        list_add(l, row, names + ni, ne - ni, labels + li, le - li, false);
        ni = ne + 1;
        li = le + 1;
    }
    if (li < llen)
        fatal(row->file, row->rowno, "more value labels than value names");
}

static void extension_row(struct row *row, void *ctx)
{
    struct codes_list *l = list_by_field(row->data[0], row->len[0]);
    (void)ctx;
    if (l == NULL)
        fatal(row->file, row->rowno, "the field has no code list");
    list_add(l, row, row->data[1], row->len[1], row->data[2], row->len[2], true);
}

static void alias_row(struct row *row, void *ctx)
{
    struct codes_list *l = list_by_field(row->data[0], row->len[0]);
    char *name = NULL;
    int i;
    (void)ctx;
    if (l == NULL)
        fatal(row->file, row->rowno, "the field has no code list");
    name = dup_field(row, 2);
    i = codes_list_index(l, name);
    free(name);
    if (i < 0)
        fatal(row->file, row->rowno, "the alias is for a value not in the list");
    list_key(l, row, row->data[1], row->len[1], i);
}

/* ==== countries ==== */

static int letter_index(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    return -1;
}

int codes__alpha3_slot(const char *a3)
{
    int a = letter_index(a3[0]), b = letter_index(a3[1]), c = letter_index(a3[2]);
    if (a < 0 || b < 0 || c < 0)
        return -1;
    return (a * 26 + b) * 26 + c;
}

static int code_field(const struct row *row, size_t col)
{
    uint64_t v = 0;
    if (row->len[col] == 0)
        return 0;
    if (str_to_u64(row->data[col], row->len[col], 999, &v) < 0)
        fatal(row->file, row->rowno, "a numeric code is not a number from 0 to 999");
    return (int)v;
}

static void country_name_key(const struct row *row, const char *text, size_t len, int index)
{
    char key[CODES_KEY_MAX];
    int klen = codes_key(text, len, key);
    if (klen <= 0)
        fatal(row->file, row->rowno, "a country name has an empty matching key");
    if (codes__map_put(&tables.country_names, key, (size_t)klen, index) < 0)
        fatal(row->file, row->rowno, "two countries have names with the same matching key");
}

/* Columns: name, alpha-2, alpha-3, country-code, region, sub-region,
 * intermediate-region, region-code, sub-region-code, intermediate-region-code. */
static void country_row(struct row *row, void *ctx)
{
    bool ext = *(bool *)ctx;
    struct codes_country *c = NULL;
    size_t i = tables.ncountries;
    int slot2, slot3;

    if (row->len[1] != 2 || row->len[2] != 3)
        fatal(row->file, row->rowno, "alpha-2 or alpha-3 code has the wrong length");
    REALLOC_ARRAY(tables.countries, i + 1);
    c = &tables.countries[i];
    memset(c, 0, sizeof(*c));
    c->name = dup_field(row, 0);
    memcpy(c->alpha2, row->data[1], 2);
    memcpy(c->alpha3, row->data[2], 3);
    c->numeric = code_field(row, 3);
    c->region = dup_field(row, 4);
    c->subregion = dup_field(row, 5);
    c->intermediate = dup_field(row, 6);
    c->region_code = code_field(row, 7);
    c->subregion_code = code_field(row, 8);
    c->intermediate_code = code_field(row, 9);
    c->glotip_region = NULL;
    c->glotip_subregion = NULL;
    c->extension = ext;

    slot2 = letter_index(c->alpha2[0]) * 26 + letter_index(c->alpha2[1]);
    slot3 = codes__alpha3_slot(c->alpha3);
    if (letter_index(c->alpha2[0]) < 0 || letter_index(c->alpha2[1]) < 0 || slot3 < 0)
        fatal(row->file, row->rowno, "alpha codes must be upper-case letters");
    if (tables.by_alpha2[slot2] != 0 || tables.by_alpha3[slot3] != 0)
        fatal(row->file, row->rowno, "duplicate alpha code");
    tables.by_alpha2[slot2] = (int16_t)(i + 1);
    tables.by_alpha3[slot3] = (int16_t)(i + 1);
    if (row->len[3] > 0) {
        if (tables.by_numeric[c->numeric] != 0)
            fatal(row->file, row->rowno, "duplicate numeric code");
        tables.by_numeric[c->numeric] = (int16_t)(i + 1);
    }
    tables.ncountries++;
    country_name_key(row, row->data[0], row->len[0], (int)i);
}

static int country_by_field(const struct row *row, size_t col)
{
    char a3[4];
    int slot;
    if (row->len[col] != 3)
        return -1;
    memcpy(a3, row->data[col], 3);
    a3[3] = '\0';
    slot = codes__alpha3_slot(a3);
    if (slot < 0)
        return -1;
    return tables.by_alpha3[slot] - 1;
}

static void country_alias_row(struct row *row, void *ctx)
{
    int i = country_by_field(row, 1);
    (void)ctx;
    if (i < 0)
        fatal(row->file, row->rowno, "alias for an unknown alpha-3 code");
    country_name_key(row, row->data[0], row->len[0], i);
}

static const struct codes__glotip *glotip_find(const char *p, size_t len)
{
    size_t i;
    for (i = 0; i < tables.nglotip; i++) {
        if (strlen(tables.glotip[i].code) == len && memcmp(tables.glotip[i].code, p, len) == 0)
            return &tables.glotip[i];
    }
    return NULL;
}

/* Columns: alpha3, glotip_region, glotip_subregion, rule. */
static void glotip_row(struct row *row, void *ctx)
{
    int i = country_by_field(row, 0);
    struct codes_country *c = NULL;
    (void)ctx;
    if (i < 0)
        fatal(row->file, row->rowno, "unknown alpha-3 code");
    c = &tables.countries[i];
    if (c->glotip_region != NULL)
        fatal(row->file, row->rowno, "country listed twice");
    if (row->len[1] == 0 && row->len[2] == 0) {
        if (row->len[3] < 4 || memcmp(row->data[3], "gap:", 4) != 0)
            fatal(row->file, row->rowno, "a country without a region must have a gap: rule");
        c->glotip_region = "";
        c->glotip_subregion = "";
        return;
    }
    {
        const struct codes__glotip *reg = glotip_find(row->data[1], row->len[1]);
        const struct codes__glotip *sub = glotip_find(row->data[2], row->len[2]);
        if (reg == NULL || sub == NULL || reg->parent[0] != '\0' ||
            strcmp(sub->parent, reg->code) != 0)
            fatal(row->file, row->rowno, "unknown region or subregion, or one not in the other");
        c->glotip_region = reg->code;
        c->glotip_subregion = sub->code;
    }
}

/* ==== ICCS and Global Report labels ==== */

static const char *const iccs_codes[CODES_NICCS] = {"02041", "02042", "02043", "02044"};
static const char *const form_codes[CODES_NFORMS] = {
    "FORM_SEX",   "FORM_FL",    "FORM_CRIM",  "FORM_BEG",   "FORM_MARR",
    "FORM_ORGAN", "FORM_ADOPT", "FORM_ARMED", "FORM_OTHER", "FORM_MIXED"};

const char *codes_iccs_code(enum codes_iccs c)
{
    return (unsigned)c < CODES_NICCS ? iccs_codes[c] : "";
}

const char *codes_form_code(enum codes_form f)
{
    return (unsigned)f < CODES_NFORMS ? form_codes[f] : "";
}

int codes_form_from_code(const char *s)
{
    int i;
    for (i = 0; i < CODES_NFORMS; i++) {
        if (strcmp(s, form_codes[i]) == 0)
            return i;
    }
    return -1;
}

static int iccs_from(const char *p, size_t len)
{
    int i;
    for (i = 0; i < CODES_NICCS; i++) {
        if (len == 5 && memcmp(p, iccs_codes[i], 5) == 0)
            return i;
    }
    return -1;
}

static int form_from(const char *p, size_t len)
{
    int i;
    for (i = 0; i < CODES_NFORMS; i++) {
        if (strlen(form_codes[i]) == len && memcmp(p, form_codes[i], len) == 0)
            return i;
    }
    return -1;
}

/* Columns: scheme, code, parent, label. */
static void iccs_row(struct row *row, void *ctx)
{
    (void)ctx;
    if (field_is(row, 0, "ICCS")) {
        int i = iccs_from(row->data[1], row->len[1]);
        if (i >= 0)
            tables.iccs_label[i] = dup_field(row, 3);
    } else if (field_is(row, 0, "UNODC GLOTIP form")) {
        int i = form_from(row->data[1], row->len[1]);
        if (i < 0)
            fatal(row->file, row->rowno, "unknown Global Report form");
        tables.form_label[i] = dup_field(row, 3);
    } else if (field_is(row, 0, "UNODC GLOTIP region") ||
               field_is(row, 0, "UNODC GLOTIP subregion")) {
        struct codes__glotip *g = NULL;
        if (tables.nglotip >= sizeof(tables.glotip) / sizeof(tables.glotip[0]))
            fatal(row->file, row->rowno, "too many regions");
        g = &tables.glotip[tables.nglotip++];
        g->code = dup_field(row, 1);
        g->parent = dup_field(row, 2);
        g->label = dup_field(row, 3);
    }
}

/* Columns: value_name, iccs, form. */
static void exploitation_row(struct row *row, void *ctx)
{
    const struct codes_list *l = tables.exploitation;
    char *name = dup_field(row, 0);
    int i = codes_list_index(l, name);
    int iccs = iccs_from(row->data[1], row->len[1]);
    int form = form_from(row->data[2], row->len[2]);
    (void)ctx;
    free(name);
    if (i < 0)
        fatal(row->file, row->rowno, "not a value of vic_TypeOfExploitation");
    if (iccs < 0 || form < 0 || form == CODES_FORM_MIXED)
        fatal(row->file, row->rowno, "unknown ICCS code or form");
    if (tables.expl_iccs[i] >= 0)
        fatal(row->file, row->rowno, "value mapped twice");
    tables.expl_iccs[i] = (int8_t)iccs;
    tables.expl_form[i] = (int8_t)form;
}

/* ==== loading everything ==== */

static const char *const COUNTRY_COLS[] = {"name",
                                           "alpha-2",
                                           "alpha-3",
                                           "country-code",
                                           "region",
                                           "sub-region",
                                           "intermediate-region",
                                           "region-code",
                                           "sub-region-code",
                                           "intermediate-region-code"};

static void load(void)
{
    static const char *const htcds_cols[] = {"field", "type", "value_names", "value_labels"};
    static const char *const ext_cols[] = {"field", "value_name", "value_label"};
    static const char *const alias_cols[] = {"field", "alias", "value_name"};
    static const char *const calias_cols[] = {"alias", "alpha3"};
    static const char *const glotip_cols[] = {"alpha3", "glotip_region", "glotip_subregion",
                                              "rule"};
    static const char *const iccs_cols[] = {"scheme", "code", "parent", "label"};
    static const char *const expl_cols[] = {"value_name", "iccs", "form"};
    bool iso = false, ext = true;
    size_t i;

    /* Picklists first: the exploitation map refers to them. */
    each_row("htcds/htcds_fields_annotated.csv", htcds_cols, 4, htcds_row, NULL);
    each_row("codes/htcds_extensions.csv", ext_cols, 3, extension_row, NULL);
    each_row("codes/value_aliases.csv", alias_cols, 3, alias_row, NULL);

    codes__map_init(&tables.country_names, 400);
    each_row("codes/iso3166_m49_all.csv", COUNTRY_COLS, 10, country_row, &iso);
    each_row("codes/country_extensions.csv", COUNTRY_COLS, 10, country_row, &ext);
    each_row("codes/country_aliases.csv", calias_cols, 2, country_alias_row, NULL);

    each_row("codes/iccs_tip.csv", iccs_cols, 4, iccs_row, NULL);
    for (i = 0; i < CODES_NICCS; i++) {
        if (tables.iccs_label[i] == NULL)
            fatal("codes/iccs_tip.csv", 0, "an ICCS code under 0204 is missing");
    }
    for (i = 0; i < CODES_NFORMS; i++) {
        if (tables.form_label[i] == NULL)
            fatal("codes/iccs_tip.csv", 0, "a Global Report form is missing");
    }
    each_row("codes/glotip_regions.csv", glotip_cols, 4, glotip_row, NULL);
    for (i = 0; i < tables.ncountries; i++) {
        if (tables.countries[i].glotip_region == NULL)
            fatal("codes/glotip_regions.csv", 0, "a country has no row");
    }

    tables.exploitation = list_by_field("vic_TypeOfExploitation", 22);
    if (tables.exploitation == NULL)
        fatal("htcds/htcds_fields_annotated.csv", 0, "vic_TypeOfExploitation has no list");
    memset(tables.expl_iccs, -1, sizeof(tables.expl_iccs));
    memset(tables.expl_form, -1, sizeof(tables.expl_form));
    each_row("codes/exploitation_map.csv", expl_cols, 3, exploitation_row, NULL);
    for (i = 0; i < tables.exploitation->n; i++) {
        if (tables.expl_iccs[i] < 0)
            fatal("codes/exploitation_map.csv", 0, "a form of exploitation is not mapped");
    }
}

const struct codes__tables *codes__get(void)
{
    pthread_once(&tables_once, load);
    return &tables;
}
