/*
 * synth_data.c: loading the generator's tables from data/synth/ (compiled into the
 * binary, see embedded.h): name_tables.csv, names_<key>.csv, countries.csv and
 * flows.csv. The files are the project's own CSV, read with the project's CSV
 * reader (csv.h), with ';' between the variants of one value. A file that breaks
 * the format is a build problem and is reported as ERR_CORRUPT with the file and line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "embedded.h"
#include "strutil.h"
#include "synth_int.h"
#include "xalloc.h"

#include "banned.h"

#define MAX_FIELDS 8

struct span {
    const char *s;
    size_t len;
};

/* ==== arena ==== */

const char *synth__arena_strndup(struct synth_arena *a, const char *s, size_t len)
{
    char *out;

    if (a->nchunks == 0 || a->used + len + 1 > a->cap) {
        size_t cap = len + 1 > 65536 ? len + 1 : 65536;
        ALLOC_GROW(a->chunks, a->nchunks + 1, a->alloc);
        a->chunks[a->nchunks++] = xmalloc(cap);
        a->used = 0;
        a->cap = cap;
    }
    out = a->chunks[a->nchunks - 1] + a->used;
    memcpy(out, s, len);
    out[len] = '\0';
    a->used += len + 1;
    return out;
}

void synth__arena_release(struct synth_arena *a)
{
    size_t i;

    for (i = 0; i < a->nchunks; i++)
        free(a->chunks[i]);
    free(a->chunks);
    memset(a, 0, sizeof(*a));
}

/* ==== reading the tables ==== */

/* An embedded table being read, row by row, after its header. */
struct lines {
    struct csv_reader *r;
    unsigned lineno; /* the line of the last row read */
};

/*
 * The next row's fields in f[0..max); *n gets their number, or max + 1 when the row
 * has more or cannot be read. Returns false at the end of the table.
 */
static bool next_row(struct lines *l, struct span *f, size_t max, size_t *n)
{
    struct csv_record rec;
    size_t i;
    int rc = csv_next(l->r, &rec, NULL);

    if (rc == 0)
        return false;
    l->lineno = (unsigned)rec.line;
    if (rc < 0 || rec.nfields > max) {
        *n = max + 1;
        return true;
    }
    for (i = 0; i < rec.nfields; i++) {
        f[i].s = rec.fields[i].data;
        f[i].len = rec.fields[i].len;
    }
    *n = rec.nfields;
    return true;
}

static void close_table(struct lines *l)
{
    csv_close(l->r);
    l->r = NULL;
}

/* Split s on sep into out[max]; returns the number of pieces, or max + 1 if more. */
static size_t split(struct span s, char sep, struct span *out, size_t max)
{
    size_t n = 0;
    size_t i, start = 0;

    for (i = 0; i <= s.len; i++) {
        if (i == s.len || s.s[i] == sep) {
            if (n == max)
                return max + 1;
            out[n].s = s.s + start;
            out[n].len = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static bool span_is(struct span s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.s, lit, s.len) == 0;
}

/* Open data/synth/<name> and read past its header. */
static const struct embedded_file *open_table(const char *name, struct lines *l, struct err *e)
{
    const struct embedded_file *f = NULL;
    struct span header[MAX_FIELDS];
    char path[64];
    size_t n = 0;

    snprintf(path, sizeof(path), "synth/%s", name);
    f = embedded_find(path);
    l->r = NULL;
    l->lineno = 0;
    if (f == NULL) {
        err_set(e, ERR_CORRUPT, "embedded table 'data/%s' is missing", path);
        return NULL;
    }
    if (csv_open_mem(&l->r, f->data, f->len, NULL) < 0 || !next_row(l, header, MAX_FIELDS, &n)) {
        close_table(l);
        err_set(e, ERR_CORRUPT, "embedded table 'data/%s' is empty", path);
        return NULL;
    }
    return f;
}

/* ==== name tables ==== */

static int variants(struct synth_arena *a, struct span s, const char **out, uint8_t *n)
{
    struct span v[SYNTH_MAX_VARIANTS];
    size_t k, i;

    *n = 0;
    if (s.len == 0)
        return 0;
    k = split(s, ';', v, SYNTH_MAX_VARIANTS);
    if (k > SYNTH_MAX_VARIANTS)
        return ERR_CORRUPT;
    for (i = 0; i < k; i++) {
        if (v[i].len == 0)
            return ERR_CORRUPT;
        out[i] = synth__arena_strndup(a, v[i].s, v[i].len);
    }
    *n = (uint8_t)k;
    return 0;
}

/* The feminine of a Slavic surname by the common rule: add "а" (Latin "a"). */
static const char *add_suffix(struct synth_arena *a, const char *s, const char *suffix)
{
    char tmp[SYNTH_NAME_MAX];
    size_t n = strlen(s), m = strlen(suffix);

    if (n + m >= sizeof(tmp))
        return s;
    memcpy(tmp, s, n);
    memcpy(tmp + n, suffix, m);
    tmp[n + m] = '\0';
    return synth__arena_strndup(a, tmp, n + m);
}

static void list_add(struct synth_name_list *l, const struct synth_name *nm)
{
    ALLOC_GROW(l->items, l->n + 1, l->alloc);
    l->items[l->n++] = *nm;
}

static int parse_name_row(struct synth *s, struct synth_table *t, struct span *f,
                          struct synth_name *nm, bool gendered)
{
    uint8_t nf = 0;
    size_t i;
    int rc;

    memset(nm, 0, sizeof(*nm));
    if (f[1].len == 0)
        return ERR_CORRUPT;
    nm->native[SYNTH_M] = synth__arena_strndup(&s->arena, f[1].s, f[1].len);
    rc = variants(&s->arena, f[2], nm->latin[SYNTH_M], &nm->nlatin);
    if (rc < 0)
        return rc;
    nm->native[SYNTH_F] = nm->native[SYNTH_M];
    for (i = 0; i < nm->nlatin; i++)
        nm->latin[SYNTH_F][i] = nm->latin[SYNTH_M][i];
    if (!gendered)
        return 0;
    if (span_is(f[3], "="))
        return 0;
    if (f[3].len == 0) {
        if (t->style != SYNTH_STYLE_SLAVIC)
            return 0;
        nm->native[SYNTH_F] = add_suffix(&s->arena, nm->native[SYNTH_M], "\xD0\xB0"); /* а */
        for (i = 0; i < nm->nlatin; i++)
            nm->latin[SYNTH_F][i] = add_suffix(&s->arena, nm->latin[SYNTH_M][i], "a");
        return 0;
    }
    nm->native[SYNTH_F] = synth__arena_strndup(&s->arena, f[3].s, f[3].len);
    rc = variants(&s->arena, f[4], nm->latin[SYNTH_F], &nf);
    if (rc < 0 || nf != nm->nlatin)
        return ERR_CORRUPT;
    return 0;
}

static int load_names(struct synth *s, struct synth_table *t, struct err *e)
{
    struct lines l;
    int rc;
    struct span f[MAX_FIELDS];
    size_t n = 0;
    char file[48];
    int sx;

    snprintf(file, sizeof(file), "names_%s.csv", t->key);
    if (open_table(file, &l, e) == NULL)
        return ERR_CORRUPT;
    while (next_row(&l, f, MAX_FIELDS, &n)) {
        struct synth_name nm;
        bool ok = n == 5;

        if (ok && span_is(f[0], "f")) {
            ok = parse_name_row(s, t, f, &nm, false) == 0;
            if (ok)
                list_add(&t->given[SYNTH_F], &nm);
        } else if (ok && span_is(f[0], "m")) {
            ok = parse_name_row(s, t, f, &nm, false) == 0;
            if (ok)
                list_add(&t->given[SYNTH_M], &nm);
        } else if (ok && span_is(f[0], "s")) {
            ok = parse_name_row(s, t, f, &nm, true) == 0;
            if (ok) {
                list_add(&t->surname[SYNTH_F], &nm);
                list_add(&t->surname[SYNTH_M], &nm);
            }
        } else if (ok && (span_is(f[0], "sf") || span_is(f[0], "sm"))) {
            ok = parse_name_row(s, t, f, &nm, false) == 0;
            if (ok)
                list_add(&t->surname[f[0].s[1] == 'f' ? SYNTH_F : SYNTH_M], &nm);
        } else if (ok && (span_is(f[0], "mf") || span_is(f[0], "mm"))) {
            ok = parse_name_row(s, t, f, &nm, false) == 0;
            if (ok)
                list_add(&t->middle[f[0].s[1] == 'f' ? SYNTH_F : SYNTH_M], &nm);
        } else if (ok && span_is(f[0], "p")) {
            ok = parse_name_row(s, t, f, &nm, true) == 0 && f[3].len > 0;
            if (ok) {
                list_add(&t->middle[SYNTH_F], &nm);
                list_add(&t->middle[SYNTH_M], &nm);
            }
        } else {
            ok = false;
        }
        if (!ok) {
            rc = err_set(e, ERR_CORRUPT, "embedded table 'data/synth/%s' line %u is malformed",
                         file, l.lineno);
            goto out;
        }
    }
    for (sx = 0; sx < 2; sx++) {
        if (t->given[sx].n == 0 || t->given[sx].n >= SYNTH_NONE || t->surname[sx].n >= SYNTH_NONE ||
            t->middle[sx].n >= SYNTH_NONE) {
            rc = err_set(e, ERR_CORRUPT, "embedded table 'data/synth/%s' lacks given names", file);
            goto out;
        }
    }
    rc = 0;
out:
    close_table(&l);
    return rc;
}

static void set_style(struct synth_table *t)
{
    bool own = t->middle[SYNTH_F].n > 0 && t->middle[SYNTH_M].n > 0;

    t->surname_src = SYNTH_SRC_OWN;
    t->middle_src = SYNTH_SRC_NONE;
    t->middle_rate = 0;
    t->family_first = false;
    switch (t->style) {
    case SYNTH_STYLE_WESTERN:
        t->middle_src = own ? SYNTH_SRC_OWN : SYNTH_SRC_GIVEN;
        t->middle_rate = own ? 0.45 : 0.35;
        break;
    case SYNTH_STYLE_FILIPINO:
        t->middle_src = SYNTH_SRC_SURNAME;
        t->middle_rate = 0.85;
        break;
    case SYNTH_STYLE_SPANISH:
        t->middle_src = SYNTH_SRC_GIVEN;
        t->middle_rate = 0.3;
        break;
    case SYNTH_STYLE_VIETNAMESE:
        t->middle_src = SYNTH_SRC_OWN;
        t->middle_rate = 0.9;
        t->family_first = true;
        break;
    case SYNTH_STYLE_FAMILY_FIRST:
        t->family_first = true;
        break;
    case SYNTH_STYLE_NOMIDDLE:
        break;
    case SYNTH_STYLE_PATRONYMIC:
        t->surname_src = SYNTH_SRC_MALE;
        t->middle_src = SYNTH_SRC_MALE;
        t->middle_rate = 0.2;
        break;
    case SYNTH_STYLE_SLAVIC:
        t->middle_src = own ? SYNTH_SRC_OWN : SYNTH_SRC_SURNAME;
        t->middle_rate = own ? 0.6 : 0.5;
        break;
    case SYNTH_STYLE_ARABIC:
        t->middle_src = SYNTH_SRC_MALE;
        t->middle_rate = 0.7;
        break;
    }
}

static int parse_enum(struct span v, const char *const *names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (span_is(v, names[i]))
            return (int)i;
    }
    return -1;
}

static int load_tables(struct synth *s, struct err *e)
{
    static const char *const scripts[] = {"latin", "cyrillic", "arabic", "thai", "han"};
    static const char *const styles[] = {"western",    "filipino",     "spanish",
                                         "vietnamese", "family_first", "nomiddle",
                                         "patronymic", "slavic",       "arabic"};
    struct lines l;
    struct span f[MAX_FIELDS];
    size_t n = 0;
    size_t alloc = 0;
    int rc;

    if (open_table("name_tables.csv", &l, e) == NULL)
        return ERR_CORRUPT;
    while (next_row(&l, f, MAX_FIELDS, &n)) {
        struct synth_table *t;
        int script, style;

        if (n != 3 || f[0].len == 0 || f[0].len >= 16) {
            rc = err_set(e, ERR_CORRUPT, "'data/synth/name_tables.csv' line %u is malformed",
                         l.lineno);
            goto out;
        }
        script = parse_enum(f[1], scripts, sizeof(scripts) / sizeof(scripts[0]));
        style = parse_enum(f[2], styles, sizeof(styles) / sizeof(styles[0]));
        if (script < 0 || style < 0 || s->ntables >= 250) {
            rc = err_set(e, ERR_CORRUPT, "'data/synth/name_tables.csv' line %u is malformed",
                         l.lineno);
            goto out;
        }
        ALLOC_GROW(s->tables, s->ntables + 1, alloc);
        t = &s->tables[s->ntables++];
        memset(t, 0, sizeof(*t));
        memcpy(t->key, f[0].s, f[0].len);
        t->script = (enum synth_script)script;
        t->style = (enum synth_style)style;
        rc = load_names(s, t, e);
        if (rc < 0)
            goto out;
        set_style(t);
    }
    rc = 0;
out:
    close_table(&l);
    return rc;
}

/* ==== countries and flows ==== */

static int find_table(const struct synth *s, struct span key)
{
    size_t i;

    for (i = 0; i < s->ntables; i++) {
        if (span_is(key, s->tables[i].key))
            return (int)i;
    }
    return -1;
}

static int find_country(const struct synth *s, struct span a3)
{
    size_t i;

    for (i = 0; i < s->ncountries; i++) {
        if (span_is(a3, s->countries[i].a3))
            return (int)i;
    }
    return -1;
}

static bool parse_u32(struct span v, uint32_t max, uint32_t *out)
{
    uint64_t x;

    if (str_to_u64(v.s, v.len, max, &x) != 0)
        return false;
    *out = (uint32_t)x;
    return true;
}

static bool parse_country_tables(struct synth *s, struct synth_country *c, struct span v)
{
    struct span parts[4], kv[2];
    size_t n, i;

    if (v.len == 0)
        return true;
    n = split(v, ';', parts, 4);
    if (n > 4)
        return false;
    for (i = 0; i < n; i++) {
        size_t k = split(parts[i], ':', kv, 2);
        int t;

        if (k > 2)
            return false;
        t = find_table(s, kv[0]);
        if (t < 0)
            return false;
        c->table[i] = t;
        c->table_w[i] = 1;
        if (k == 2 && (!parse_u32(kv[1], 1000000, &c->table_w[i]) || c->table_w[i] == 0))
            return false;
    }
    c->ntables = (int)n;
    return true;
}

static int load_countries(struct synth *s, struct err *e)
{
    struct lines l;
    int rc;
    struct span f[MAX_FIELDS];
    size_t n = 0;
    size_t alloc = 0;

    if (open_table("countries.csv", &l, e) == NULL)
        return ERR_CORRUPT;
    while (next_row(&l, f, MAX_FIELDS, &n)) {
        struct synth_country *c;
        uint32_t rank = 0;
        bool ok = n == 5 && f[0].len == 3 && f[1].len == 2 && f[3].len < 4 && s->ncountries < 60000;

        if (ok) {
            ALLOC_GROW(s->countries, s->ncountries + 1, alloc);
            c = &s->countries[s->ncountries++];
            memset(c, 0, sizeof(*c));
            memcpy(c->a3, f[0].s, 3);
            memcpy(c->a2, f[1].s, 2);
            memcpy(c->lang, f[3].s, f[3].len);
            ok = parse_country_tables(s, c, f[2]);
            if (ok && f[4].len > 0)
                ok = parse_u32(f[4], 1000, &rank) && rank > 0 && c->ntables > 0;
            c->detect_rank = (int)rank;
        }
        if (!ok) {
            rc = err_set(e, ERR_CORRUPT, "'data/synth/countries.csv' line %u is malformed",
                         l.lineno);
            goto out;
        }
    }
    rc = 0;
out:
    close_table(&l);
    return rc;
}

static int load_flows(struct synth *s, struct err *e)
{
    struct lines l;
    int rc;
    struct span f[MAX_FIELDS];
    size_t n = 0;
    size_t i, j;
    int rank;

    /* The detection countries in the order of their rank. */
    for (rank = 1; rank <= 1000; rank++) {
        for (i = 0; i < s->ncountries; i++) {
            if (s->countries[i].detect_rank == rank) {
                REALLOC_ARRAY(s->detects, s->ndetects + 1);
                memset(&s->detects[s->ndetects], 0, sizeof(s->detects[0]));
                s->detects[s->ndetects++].country = (int)i;
            }
        }
    }
    if (s->ndetects == 0)
        return err_set(e, ERR_CORRUPT, "'data/synth/countries.csv' names no detection country");
    if (open_table("flows.csv", &l, e) == NULL)
        return ERR_CORRUPT;
    while (next_row(&l, f, MAX_FIELDS, &n)) {
        int det, org, exp;
        uint32_t w = 0;
        struct synth_detect *d = NULL;
        bool ok = n == 4;

        det = ok ? find_country(s, f[0]) : -1;
        org = ok ? find_country(s, f[1]) : -1;
        exp = ok ? find_country(s, f[2]) : -1;
        ok = det >= 0 && org >= 0 && exp >= 0 && parse_u32(f[3], 1000000, &w) && w > 0 &&
             s->countries[org].ntables > 0;
        for (j = 0; ok && j < s->ndetects; j++) {
            if (s->detects[j].country == det)
                d = &s->detects[j];
        }
        if (d == NULL) {
            rc = err_set(e, ERR_CORRUPT, "'data/synth/flows.csv' line %u is malformed", l.lineno);
            goto out;
        }
        ALLOC_GROW(d->flows, d->nflows + 1, d->alloc);
        REALLOC_ARRAY(d->weights, d->alloc);
        d->flows[d->nflows].origin = (uint16_t)org;
        d->flows[d->nflows].exploit = (uint16_t)exp;
        d->weights[d->nflows] = w;
        d->nflows++;
    }
    for (j = 0; j < s->ndetects; j++) {
        if (s->detects[j].nflows == 0) {
            rc = err_set(e, ERR_CORRUPT, "'data/synth/flows.csv' has no flow into '%s'",
                         s->countries[s->detects[j].country].a3);
            goto out;
        }
    }
    rc = 0;
out:
    close_table(&l);
    return rc;
}

int synth__load(struct synth *s, struct err *e)
{
    int rc = load_tables(s, e);

    if (rc == 0)
        rc = load_countries(s, e);
    if (rc == 0)
        rc = load_flows(s, e);
    return rc;
}

void synth__unload(struct synth *s)
{
    size_t i;
    int sx;

    for (i = 0; i < s->ntables; i++) {
        for (sx = 0; sx < 2; sx++) {
            free(s->tables[i].given[sx].items);
            free(s->tables[i].surname[sx].items);
            free(s->tables[i].middle[sx].items);
        }
    }
    free(s->tables);
    for (i = 0; i < s->ndetects; i++) {
        free(s->detects[i].flows);
        free(s->detects[i].weights);
    }
    free(s->detects);
    free(s->countries);
    synth__arena_release(&s->arena);
    s->tables = NULL;
    s->detects = NULL;
    s->countries = NULL;
    s->ntables = s->ndetects = s->ncountries = 0;
}
