/*
 * synth.c: the synthetic population: options, the PRNG, calendar helpers, and the
 * drawing of persons (group, form, age, citizenship, names) and of their records
 * (which agencies met them, when). Writing rows is synth_write.c; names as agencies
 * write them are synth_names.c; the tables come from synth_data.c.
 *
 * Every figure below is listed with its source in docs/SYNTH.md; keep the two in step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "synth_int.h"
#include "xalloc.h"

#include "banned.h"

/* ==== options ==== */

void synth_options_init(struct synth_options *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->persons = 1000;
    o->agencies = 4;
    o->noise = SYNTH_NOISE_MEDIUM;
    o->year_from = 2019;
    o->year_to = 2023;
    o->invalid_rate = 0;
}

int synth_noise_parse(const char *s, enum synth_noise *out)
{
    if (strcasecmp(s, "low") == 0)
        *out = SYNTH_NOISE_LOW;
    else if (strcasecmp(s, "medium") == 0)
        *out = SYNTH_NOISE_MEDIUM;
    else if (strcasecmp(s, "high") == 0)
        *out = SYNTH_NOISE_HIGH;
    else
        return ERR_INVALID;
    return 0;
}

int synth_options_check(const struct synth_options *o, struct err *e)
{
    if (o->persons < 1 || o->persons > SYNTH_MAX_PERSONS)
        return err_set(e, ERR_USAGE, "--persons must be between 1 and %u", SYNTH_MAX_PERSONS);
    if (o->agencies < 1 || o->agencies > SYNTH_MAX_AGENCIES)
        return err_set(e, ERR_USAGE, "--agencies must be between 1 and %u", SYNTH_MAX_AGENCIES);
    if (o->year_from < SYNTH_YEAR_MIN || o->year_to > SYNTH_YEAR_MAX || o->year_from > o->year_to)
        return err_set(e, ERR_USAGE, "years must satisfy %d <= --year-from <= --year-to <= %d",
                       SYNTH_YEAR_MIN, SYNTH_YEAR_MAX);
    if (!(o->invalid_rate >= 0 && o->invalid_rate <= 1))
        return err_set(e, ERR_USAGE, "--invalid-rate must be between 0 and 1");
    if ((unsigned)o->noise > SYNTH_NOISE_HIGH)
        return err_set(e, ERR_USAGE, "unknown noise level");
    return 0;
}

/* ==== PRNG: xoshiro256** seeded by splitmix64 (Blackman and Vigna) ==== */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void synth__rng_seed(struct synth_rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t x = seed;
    uint64_t mix;
    int i;

    /* Fold stream and index into the splitmix state so streams never overlap in practice. */
    mix = splitmix64(&x) ^ (stream * 0xD1B54A32D192ED03ull);
    x = mix;
    mix = splitmix64(&x) ^ (index * 0x8CB92BA72F3D8DD7ull);
    x = mix;
    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t synth__rng_next(struct synth_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t synth__rng_below(struct synth_rng *r, uint32_t n)
{
    /* Multiply-shift (Lemire); the bias for n far below 2^32 is negligible here. */
    return (uint32_t)(((synth__rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

bool synth__rng_chance(struct synth_rng *r, double p)
{
    return (double)(synth__rng_next(r) >> 11) * 0x1.0p-53 < p;
}

size_t synth__rng_pick(struct synth_rng *r, const uint32_t *weights, size_t n)
{
    uint64_t total = 0, x;
    size_t i;

    for (i = 0; i < n; i++)
        total += weights[i];
    if (total == 0)
        return 0;
    if (total < ((uint64_t)1 << 32))
        x = ((synth__rng_next(r) >> 32) * total) >> 32;
    else
        x = synth__rng_next(r) % total;
    for (i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return n - 1;
}

/* ==== calendar ==== */

int32_t synth__days(int year, int month, int day)
{
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

void synth__civil(int32_t days, int *year, int *month, int *day)
{
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int m = mp < 10 ? mp + 3 : mp - 9;

    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = m;
    *year = yoe + era * 400 + (m <= 2);
}

int synth__days_in_month(int year, int month)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : dim[month - 1];
}

int synth__age(int32_t birth, int32_t at)
{
    int by, bm, bd, ay, am, ad;

    synth__civil(birth, &by, &bm, &bd);
    synth__civil(at, &ay, &am, &ad);
    return ay - by - ((am < bm || (am == bm && ad < bd)) ? 1 : 0);
}

/* A birth date at which the age on day `at` is exactly `age`. */
static int32_t birth_for_age(struct synth_rng *r, int32_t at, int age)
{
    int y, m, d, dl, dh;
    int32_t lo, hi, b;

    synth__civil(at, &y, &m, &d);
    /* Latest: the age-th birthday falls on `at`; earliest: the day after the (age+1)-th. */
    dh = d > synth__days_in_month(y - age, m) ? synth__days_in_month(y - age, m) : d;
    dl = d > synth__days_in_month(y - age - 1, m) ? synth__days_in_month(y - age - 1, m) : d;
    hi = synth__days(y - age, m, dh);
    lo = synth__days(y - age - 1, m, dl) + 1;
    b = lo + (int32_t)synth__rng_below(r, (uint32_t)(hi - lo + 1));
    if (synth__age(b, at) != age)
        b = hi;
    return b;
}

/* ==== the population ==== */

/*
 * Detected victims by group, UNODC Global Report on Trafficking in Persons 2024,
 * detected victims in 2022: women 39 %, girls 22 %, men 23 %, boys 16 %.
 */
static const uint32_t group_weights[4] = {39, 22, 23, 16};

/*
 * Forms of exploitation by group, per mille, in enum synth_form order (sexual, labour,
 * criminality, begging, marriage, mixed, organ, other). Chosen so that the mixture
 * gives the GLOTIP 2024 totals (forced labour 42 %, sexual exploitation 38 %, forced
 * criminality 8 %, other 12 %), girls 60 % sexual exploitation and boys 45 % forced
 * labour as the report states; the rest of each row is our assumption (docs/SYNTH.md).
 */
static const uint32_t form_weights[4][SYNTH_NFORMS] = {
    {570, 360, 40, 0, 20, 10, 0, 0},   /* women */
    {600, 160, 60, 60, 80, 20, 0, 20}, /* girls */
    {50, 750, 150, 30, 0, 0, 10, 10},  /* men */
    {80, 450, 100, 250, 0, 40, 0, 80}, /* boys */
};

/* Age at identification: children and adults (assumption, docs/SYNTH.md). */
static int draw_age(struct synth_rng *r, bool child)
{
    static const uint32_t child_w[3] = {5, 20, 75}; /* 0-4, 5-11, 12-17 */
    static const int child_lo[3] = {0, 5, 12}, child_n[3] = {5, 7, 6};
    static const uint32_t adult_w[5] = {35, 35, 18, 10, 2}; /* 18-24 25-34 35-44 45-59 60-69 */
    static const int adult_lo[5] = {18, 25, 35, 45, 60}, adult_n[5] = {7, 10, 10, 15, 10};
    size_t k;

    if (child) {
        k = synth__rng_pick(r, child_w, 3);
        return child_lo[k] + (int)synth__rng_below(r, (uint32_t)child_n[k]);
    }
    k = synth__rng_pick(r, adult_w, 5);
    return adult_lo[k] + (int)synth__rng_below(r, (uint32_t)adult_n[k]);
}

/* How many agencies meet one person: 60 % one, 25 % two, 10 % three, 5 % four. */
static const uint32_t nagency_weights[4] = {60, 25, 10, 5};

/* Share of (person, agency) pairs with a second case_ref in the same agency. */
#define REREG_RATE 0.025
/* Chance that a person met by 2+ agencies is also met at home (returnee assistance). */
#define HOME_AGENCY_RATE 0.3

/* How likely each kind of agency is to meet a person, by form (relative weights). */
static uint32_t agency_affinity(enum synth_agency_kind k, enum synth_form f)
{
    static const uint32_t base[SYNTH_NAGENCY_KINDS] = {35, 35, 15, 15, 12, 10, 6, 6};
    uint32_t w = base[k];

    if (k == SYNTH_AG_LABOUR)
        w = (f == SYNTH_FORM_LABOUR || f == SYNTH_FORM_MIXED) ? 45 : 3;
    if (k == SYNTH_AG_IMMIGRATION && f == SYNTH_FORM_CRIMINALITY)
        w = 25;
    return w;
}

void synth__draw_name(const struct synth_table *t, int sex, struct synth_rng *r,
                      struct synth_person *p)
{
    p->given = (uint16_t)synth__rng_below(r, (uint32_t)t->given[sex].n);
    if (t->surname_src == SYNTH_SRC_MALE)
        p->surname = (uint16_t)synth__rng_below(r, (uint32_t)t->given[SYNTH_M].n);
    else
        p->surname = (uint16_t)synth__rng_below(r, (uint32_t)t->surname[sex].n);
    p->surname2 = SYNTH_NONE;
    if (t->style == SYNTH_STYLE_SPANISH && synth__rng_chance(r, 0.95))
        p->surname2 = (uint16_t)synth__rng_below(r, (uint32_t)t->surname[sex].n);
    p->middle = SYNTH_NONE;
    if (!synth__rng_chance(r, t->middle_rate))
        return;
    switch (t->middle_src) {
    case SYNTH_SRC_OWN:
        p->middle = (uint16_t)synth__rng_below(r, (uint32_t)t->middle[sex].n);
        break;
    case SYNTH_SRC_GIVEN:
        p->middle = (uint16_t)synth__rng_below(r, (uint32_t)t->given[sex].n);
        if (p->middle == p->given)
            p->middle = SYNTH_NONE;
        break;
    case SYNTH_SRC_MALE:
        p->middle = (uint16_t)synth__rng_below(r, (uint32_t)t->given[SYNTH_M].n);
        break;
    case SYNTH_SRC_SURNAME:
        p->middle = (uint16_t)synth__rng_below(r, (uint32_t)t->surname[sex].n);
        if (p->middle == p->surname)
            p->middle = SYNTH_NONE;
        break;
    case SYNTH_SRC_NONE:
        break;
    }
}

/* ==== agencies ==== */

static const char *const kind_names[SYNTH_NAGENCY_KINDS] = {
    "police",          "ngo-shelter", "immigration", "labour-inspectorate",
    "social-services", "hotline",     "legal-aid",   "health"};
static const char *const kind_prefix[SYNTH_NAGENCY_KINDS] = {"POL", "SH", "IMM", "LI",
                                                             "SOC", "HL", "LA",  "HS"};

/*
 * Agencies sit in the detection countries in blocks of four (police, shelter,
 * immigration, labour inspectorate), country by country in rank order; past the
 * last country the blocks continue with the other kinds.
 */
static int country_script(const struct synth *s, int c)
{
    const struct synth_country *k = &s->countries[c];

    return k->ntables > 0 ? (int)s->tables[k->table[0]].script : SYNTH_SCRIPT_LATIN;
}

/*
 * The non-Latin scripts of the foreigners detected in country d, most frequent first
 * (by flow weight), leaving out the country's own script. Returns how many.
 */
static size_t foreign_scripts(const struct synth *s, size_t d, int *out)
{
    uint64_t w[SYNTH_NSCRIPTS] = {0};
    const struct synth_detect *det = &s->detects[d];
    int own = country_script(s, det->country);
    size_t i, n = 0;

    for (i = 0; i < det->nflows; i++) {
        int sc = country_script(s, det->flows[i].origin);
        if (sc != SYNTH_SCRIPT_LATIN && sc != own)
            w[sc] += det->weights[i];
    }
    for (;;) {
        int best = -1;
        for (i = 0; i < SYNTH_NSCRIPTS; i++) {
            if (w[i] > 0 && (best < 0 || w[i] > w[best]))
                best = (int)i;
        }
        if (best < 0)
            break;
        out[n++] = best;
        w[best] = 0;
    }
    return n;
}

/*
 * Agencies sit in the detection countries in blocks of four (police, shelter,
 * immigration, labour inspectorate), country by country in rank order; past the
 * last country the blocks continue with the other kinds.
 */
static void make_agencies(struct synth *s)
{
    unsigned count[SYNTH_NAGENCY_KINDS] = {0};
    unsigned *ngo_seen = NULL;
    size_t i;

    CALLOC_ARRAY(s->agencies, s->opt.agencies);
    CALLOC_ARRAY(ngo_seen, s->ndetects);
    s->nagencies = s->opt.agencies;
    for (i = 0; i < s->nagencies; i++) {
        struct synth_agency *a = &s->agencies[i];
        size_t block = i / 4;
        size_t round = block / s->ndetects;
        size_t d = block % s->ndetects;
        enum synth_agency_kind k =
            (enum synth_agency_kind)((i % 4 + 4 * round) % SYNTH_NAGENCY_KINDS);
        unsigned n = ++count[k];
        int own;

        a->kind = k;
        a->country = s->detects[d].country;
        snprintf(a->name, sizeof(a->name), "%s-%u", kind_names[k], n);
        snprintf(a->ref_prefix, sizeof(a->ref_prefix), "%s%u", kind_prefix[k], n);
        a->date_style = (enum synth_date_style)(i % 5);
        a->alpha2 = i % 3 == 2;
        a->consent_style = (int)(i % 3);
        /* Staff write names in the country's own script when it is not Latin. */
        own = country_script(s, a->country);
        a->scripts = own != SYNTH_SCRIPT_LATIN ? 1u << own : 0;
        if (k == SYNTH_AG_SHELTER || k == SYNTH_AG_HOTLINE || k == SYNTH_AG_SOCIAL) {
            /* Caseworkers who speak the two languages most met among foreigners there. */
            int sc[SYNTH_NSCRIPTS];
            size_t nsc = foreign_scripts(s, d, sc);
            size_t seen = ngo_seen[d]++;
            if (nsc > 0)
                a->scripts |= 1u << sc[(2 * seen) % nsc];
            if (nsc > 1)
                a->scripts |= 1u << sc[(2 * seen + 1) % nsc];
        }
        /* Police and immigration copy passports; the others write names as they hear them. */
        a->romanisation = (k == SYNTH_AG_POLICE || k == SYNTH_AG_IMMIGRATION) ? 0 : 2;
    }
    free(ngo_seen);
}

/* ==== persons and records ==== */

static void add_record(struct synth *s, uint32_t person, size_t agency, int32_t day, int rereg)
{
    struct synth_record *rec;

    ALLOC_GROW(s->records, s->nrecords + 1, s->records_alloc);
    rec = &s->records[s->nrecords++];
    rec->person = person;
    rec->agency = (uint16_t)agency;
    rec->rereg = (uint8_t)rereg;
    rec->pad = 0;
    rec->day = day;
}

/* Pick k distinct agencies for person p into out[]; returns how many were picked. */
static size_t pick_agencies(const struct synth *s, struct synth_rng *r,
                            const struct synth_person *p, size_t k, size_t *out)
{
    uint32_t w[SYNTH_MAX_AGENCIES];
    size_t i, n = 0;
    int det = s->detects[p->detect].country;
    bool home = false;

    for (i = 0; i < s->nagencies; i++) {
        const struct synth_agency *a = &s->agencies[i];
        uint32_t aff = agency_affinity(a->kind, (enum synth_form)p->form);
        /* Agencies of the detection country meet the person; others rarely do. */
        w[i] = a->country == det ? aff * 1000 : 1;
        if (a->country == (int)p->citizenship && a->country != det)
            home = true;
    }
    /* A returnee met again at home: the home country's agencies become likely too. */
    if (home && k >= 2 && synth__rng_chance(r, HOME_AGENCY_RATE)) {
        for (i = 0; i < s->nagencies; i++) {
            if (s->agencies[i].country == (int)p->citizenship)
                w[i] = agency_affinity(s->agencies[i].kind, (enum synth_form)p->form) * 1000;
        }
    }
    while (n < k) {
        size_t j = synth__rng_pick(r, w, s->nagencies);
        if (w[j] == 0)
            break;
        out[n++] = j;
        w[j] = 0;
    }
    return n;
}

static void draw_person(struct synth *s, uint32_t idx, const uint32_t *detect_w)
{
    struct synth_person *p = &s->persons[idx];
    struct synth_rng r;
    const struct synth_detect *d;
    const struct synth_country *c;
    size_t k, j, picked[4], npicked;
    int32_t day_from = synth__days(s->opt.year_from, 1, 1);
    int32_t day_to = synth__days(s->opt.year_to, 12, 31);
    bool child;

    synth__rng_seed(&r, s->opt.seed, SYNTH_STREAM_PERSON, idx);
    memset(p, 0, sizeof(*p));
    p->detect = (uint16_t)synth__rng_pick(&r, detect_w, s->ndetects);
    d = &s->detects[p->detect];
    k = synth__rng_pick(&r, d->weights, d->nflows);
    p->citizenship = d->flows[k].origin;
    p->exploit = d->flows[k].exploit;
    p->group = (uint8_t)synth__rng_pick(&r, group_weights, 4);
    p->sex = (p->group == SYNTH_WOMAN || p->group == SYNTH_GIRL) ? SYNTH_F : SYNTH_M;
    child = p->group == SYNTH_GIRL || p->group == SYNTH_BOY;
    p->form = (uint8_t)synth__rng_pick(&r, form_weights[p->group], SYNTH_NFORMS);
    p->age = (uint8_t)draw_age(&r, child);
    p->industry = (uint8_t)synth__rng_below(&r, 256);
    p->sexform = (uint8_t)synth__rng_below(&r, 256);
    c = &s->countries[p->citizenship];
    p->table = (uint8_t)c->table[synth__rng_pick(&r, c->table_w, (size_t)c->ntables)];
    synth__draw_name(&s->tables[p->table], p->sex, &r, p);

    p->first_day = day_from + (int32_t)synth__rng_below(&r, (uint32_t)(day_to - day_from + 1));
    p->birth = birth_for_age(&r, p->first_day, p->age);

    k = 1 + synth__rng_pick(&r, nagency_weights, 4);
    if (k > s->nagencies)
        k = s->nagencies;
    npicked = pick_agencies(s, &r, p, k, picked);
    p->nagencies = (uint8_t)npicked;
    for (j = 0; j < npicked; j++) {
        /* The first agency opens the case on the first day; the others within a year after. */
        int32_t day = p->first_day;
        if (j > 0)
            day += (int32_t)synth__rng_below(&r, 366);
        if (day > day_to)
            day = day_to;
        add_record(s, idx, picked[j], day, 0);
        p->nrecords++;
        if (synth__rng_chance(&r, REREG_RATE)) {
            int32_t again = day + 14 + (int32_t)synth__rng_below(&r, 352);
            add_record(s, idx, picked[j], again > day_to ? day_to : again, 1);
            p->nrecords++;
        }
    }
}

int synth_new(struct synth **out, const struct synth_options *o, struct err *e)
{
    struct synth *s = NULL;
    uint32_t *detect_w = NULL;
    size_t i;
    int rc;

    *out = NULL;
    rc = synth_options_check(o, e);
    if (rc < 0)
        return rc;
    s = xcalloc(1, sizeof(*s));
    s->opt = *o;
    rc = synth__load(s, e);
    if (rc < 0)
        goto out;
    make_agencies(s);
    /* Persons are detected where agencies are, in proportion to the number of agencies. */
    CALLOC_ARRAY(detect_w, s->ndetects);
    for (i = 0; i < s->nagencies; i++)
        detect_w[(i / 4) % s->ndetects]++;
    s->npersons = o->persons;
    ALLOC_ARRAY(s->persons, s->npersons);
    s->records_alloc = s->npersons + s->npersons / 2 + 16;
    ALLOC_ARRAY(s->records, s->records_alloc);
    for (i = 0; i < s->npersons; i++)
        draw_person(s, (uint32_t)i, detect_w);
    *out = s;
    s = NULL;
out:
    free(detect_w);
    synth_free(s);
    return rc;
}

void synth_free(struct synth *s)
{
    if (s == NULL)
        return;
    synth__unload(s);
    free(s->agencies);
    free(s->persons);
    free(s->records);
    free(s);
}

size_t synth_npersons(const struct synth *s)
{
    return s->npersons;
}

size_t synth_nrecords(const struct synth *s)
{
    return s->nrecords;
}

size_t synth_nagencies(const struct synth *s)
{
    return s->nagencies;
}

const char *synth_agency_name(const struct synth *s, size_t i)
{
    return i < s->nagencies ? s->agencies[i].name : NULL;
}

void synth_person_info(const struct synth *s, size_t i, struct synth_person_info *out)
{
    const struct synth_person *p = &s->persons[i];

    memset(out, 0, sizeof(*out));
    out->group = (enum synth_group)p->group;
    out->form = (enum synth_form)p->form;
    out->age = p->age;
    out->citizenship = s->countries[p->citizenship].a3;
    out->exploitation = s->countries[p->exploit].a3;
    out->names_table = s->tables[p->table].key;
    out->nagencies = p->nagencies;
    out->nrecords = p->nrecords;
}
