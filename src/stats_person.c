/*
 * stats_person.c: the person rule. A person found by linkage has several records,
 * from one or several agencies, that may disagree or leave gaps; the statistics
 * count the person once, with one value per attribute chosen as follows (the same
 * text is in docs/STATISTICS.md, "One person, one value"):
 *
 *   order      "earliest" means the record with the smallest known year of
 *              identification, records of unknown year after all others, and
 *              among equal years the smallest hub record id.
 *   year       the earliest known year of identification (the Global Report counts
 *              victims when they are first detected).
 *   age group  child if any record says child, else adult if any says adult, else
 *              unknown. Age only grows, so a record that saw a child proves the
 *              person was a child at first identification, which is when the
 *              Global Report takes the age.
 *   sex        the most frequent known value (female, male, other); a tie goes to
 *              the tied value of the earliest record; unknown when no record knows.
 *   citizenship the most frequent country over the records' citizenship lists
 *              (each record counts each of its countries once); a tie goes to the
 *              earliest record's first (alphabetical) tied country.
 *   detection  the country of detection of the earliest record that has one.
 *   exploitation the most frequent country of exploitation, ties as citizenship.
 *   forms      the union of the records' forms; sexual exploitation together with
 *              forced labour becomes "mixed" (codes_forms_person); at most
 *              STATS_FORM_CAP forms are kept, in the order of codes_form_primary
 *              (mixed, sexual, labour, criminality, begging, marriage, organs,
 *              adoption, armed conflict, other). The primary form (one per person)
 *              is codes_form_primary() of the union.
 *   agencies   the number of distinct agencies among the records.
 */
#include <pthread.h>
#include <string.h>

#include "codes.h"
#include "stats_int.h"
#include "xalloc.h"

#include "banned.h"

/* Country index + 1 by the three letters of an upper-case alpha-3 code, built once. */
static uint16_t *alpha3_table;
static pthread_once_t alpha3_once = PTHREAD_ONCE_INIT;

static void alpha3_build(void)
{
    size_t i, n = codes_country_count();
    alpha3_table = xcalloc((size_t)26 * 26 * 26, sizeof(uint16_t));
    for (i = 0; i < n; i++) {
        const char *a = codes_country_at(i)->alpha3;
        if (a[0] >= 'A' && a[0] <= 'Z' && a[1] >= 'A' && a[1] <= 'Z' && a[2] >= 'A' && a[2] <= 'Z')
            alpha3_table[((a[0] - 'A') * 26 + (a[1] - 'A')) * 26 + (a[2] - 'A')] =
                (uint16_t)(i + 1);
    }
}

/* The same for the three bytes at p (not necessarily NUL-terminated after them). */
static uint16_t country3(const char *p)
{
    if (p[0] < 'A' || p[0] > 'Z' || p[1] < 'A' || p[1] > 'Z' || p[2] < 'A' || p[2] > 'Z')
        return 0;
    return alpha3_table[((p[0] - 'A') * 26 + (p[1] - 'A')) * 26 + (p[2] - 'A')];
}

uint16_t stats__country(const char *alpha3)
{
    if (alpha3 == NULL || alpha3[0] == '\0' || alpha3[1] == '\0' || alpha3[2] == '\0' ||
        alpha3[3] != '\0')
        return 0;
    pthread_once(&alpha3_once, alpha3_build);
    return country3(alpha3);
}

void stats__rec_from_hub(const struct store_hub_record *h, uint32_t agency, struct stats__rec *rec)
{
    const char *p = h->citizenship;

    pthread_once(&alpha3_once, alpha3_build);
    memset(rec, 0, sizeof(*rec));
    rec->id = h->id;
    rec->year = (int16_t)(h->year > 0 && h->year < 32767 ? h->year : 0);
    rec->sex = h->sex;
    rec->age = h->age;
    rec->det = stats__country(h->detected_in);
    rec->expl = stats__country(h->exploited_in);
    rec->forms = (uint16_t)(h->forms & ((1u << CODES_NFORMS) - 1) & ~(1u << CODES_FORM_MIXED));
    rec->agency = agency;
    /* citizenship: alpha-3 codes separated by ';' */
    while (p != NULL && *p != '\0' && rec->ncit < STATS__MAX_CIT) {
        const char *end = strchr(p, ';');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == 3) {
            uint16_t c = country3(p);
            uint8_t k;
            bool seen = false;
            for (k = 0; k < rec->ncit; k++)
                seen = seen || rec->cit[k] == c;
            if (c != 0 && !seen)
                rec->cit[rec->ncit++] = c;
        }
        p = end != NULL ? end + 1 : NULL;
    }
}

/* Is a before b in the "earliest" order? */
static bool earlier(const struct stats__rec *a, const struct stats__rec *b)
{
    if (a->year != b->year) {
        if (a->year == 0)
            return false;
        if (b->year == 0)
            return true;
        return a->year < b->year;
    }
    return a->id < b->id;
}

static void sort_earliest(struct stats__rec *r, size_t n)
{
    size_t i, j;
    for (i = 1; i < n; i++) {
        struct stats__rec x = r[i];
        for (j = i; j > 0 && earlier(&x, &r[j - 1]); j--)
            r[j] = r[j - 1];
        r[j] = x;
    }
}

/*
 * The most frequent of the values vals[0..n) (0 = unknown, skipped), ties to the
 * one that appears first (vals are in earliest-first order). 0 when none.
 */
static uint16_t most_frequent(const uint16_t *vals, size_t n)
{
    uint16_t best = 0;
    size_t best_count = 0, i, j;

    for (i = 0; i < n; i++) {
        size_t count = 0;
        if (vals[i] == 0)
            continue;
        for (j = 0; j < i; j++) {
            if (vals[j] == vals[i])
                break;
        }
        if (j < i)
            continue; /* counted at its first appearance */
        for (j = i; j < n; j++)
            count += vals[j] == vals[i];
        if (count > best_count) {
            best_count = count;
            best = vals[i];
        }
    }
    return best;
}

/* Keep at most STATS_FORM_CAP forms of a person's mask, in codes_form_primary order. */
static uint16_t cap_forms(unsigned person_mask)
{
    static const enum codes_form order[] = {
        CODES_FORM_MIXED, CODES_FORM_SEX,   CODES_FORM_FL,    CODES_FORM_CRIM,  CODES_FORM_BEG,
        CODES_FORM_MARR,  CODES_FORM_ORGAN, CODES_FORM_ADOPT, CODES_FORM_ARMED, CODES_FORM_OTHER};
    unsigned out = 0, kept = 0;
    size_t i;
    for (i = 0; i < sizeof(order) / sizeof(order[0]) && kept < STATS_FORM_CAP; i++) {
        if (person_mask & (1u << order[i])) {
            out |= 1u << order[i];
            kept++;
        }
    }
    return (uint16_t)out;
}

size_t stats__agencies(const struct stats__rec *recs, size_t n, uint32_t *out, size_t max)
{
    size_t m = 0, i, j;
    for (i = 0; i < n; i++) {
        uint32_t a = recs[i].agency;
        for (j = 0; j < m && out[j] != a; j++)
            ;
        if (j < m || m == max)
            continue;
        /* insert sorted */
        for (j = m; j > 0 && out[j - 1] > a; j--)
            out[j] = out[j - 1];
        out[j] = a;
        m++;
    }
    return m;
}

void stats__resolve(struct stats__rec *recs, size_t n, struct stats_person *out)
{
    uint16_t vals[64 * STATS__MAX_CIT];
    uint32_t agencies[256];
    size_t i, nv;
    unsigned forms = 0;
    bool child = false, adult = false;

    memset(out, 0, sizeof(*out));
    out->sex = STATS_SEX_UNKNOWN;
    out->age = STATS_AGE_UNKNOWN;
    out->form = -1;
    if (n == 0)
        return;
    vals[0] = 0;
    if (n == 1) {
        /* one record (most persons): its own values */
        const struct stats__rec *r = &recs[0];
        out->nrecords = 1;
        out->year = r->year;
        out->sex = r->sex == 'F'   ? STATS_SEX_FEMALE
                   : r->sex == 'M' ? STATS_SEX_MALE
                   : r->sex == 'X' ? STATS_SEX_OTHER
                                   : STATS_SEX_UNKNOWN;
        out->age = r->age == 'C'   ? STATS_AGE_CHILD
                   : r->age == 'A' ? STATS_AGE_ADULT
                                   : STATS_AGE_UNKNOWN;
        if (r->ncit == 1) {
            out->citizenship = r->cit[0];
        } else if (r->ncit > 1) {
            /* the alphabetically first of its countries */
            uint8_t k;
            out->citizenship = r->cit[0];
            for (k = 1; k < r->ncit; k++) {
                if (strcmp(codes_country_at(r->cit[k] - 1u)->alpha3,
                           codes_country_at(out->citizenship - 1u)->alpha3) < 0)
                    out->citizenship = r->cit[k];
            }
        }
        out->detection = r->det;
        out->exploitation = r->expl;
        out->form = (int8_t)codes_form_primary(r->forms);
        out->forms = cap_forms(codes_forms_person(r->forms));
        out->nagencies = 1;
        return;
    }
    sort_earliest(recs, n);
    out->nrecords = (uint16_t)(n > 65535 ? 65535 : n);
    out->year = recs[0].year; /* earliest known, 0 if none known */

    /* sex: most frequent known value, ties to the earliest record */
    nv = 0;
    for (i = 0; i < n && nv < 64; i++) {
        uint16_t v = recs[i].sex == 'F' ? 1 : recs[i].sex == 'M' ? 2 : recs[i].sex == 'X' ? 3 : 0;
        vals[nv++] = v;
    }
    switch (most_frequent(vals, nv)) {
    case 1:
        out->sex = STATS_SEX_FEMALE;
        break;
    case 2:
        out->sex = STATS_SEX_MALE;
        break;
    case 3:
        out->sex = STATS_SEX_OTHER;
        break;
    default:
        out->sex = STATS_SEX_UNKNOWN;
    }

    /* age group: child if any record says child */
    for (i = 0; i < n; i++) {
        child = child || recs[i].age == 'C';
        adult = adult || recs[i].age == 'A';
    }
    out->age = child ? STATS_AGE_CHILD : adult ? STATS_AGE_ADULT : STATS_AGE_UNKNOWN;

    /* citizenship: most frequent over all listed countries */
    nv = 0;
    for (i = 0; i < n && i < 64; i++) {
        uint16_t sorted[STATS__MAX_CIT];
        uint8_t k, m = recs[i].ncit;
        /* each record's countries in alphabetical (alpha-3) order for the tie rule */
        memcpy(sorted, recs[i].cit, sizeof(sorted));
        for (k = 1; k < m; k++) {
            uint16_t x = sorted[k];
            uint8_t j = k;
            while (j > 0 && strcmp(codes_country_at(sorted[j - 1] - 1u)->alpha3,
                                   codes_country_at(x - 1u)->alpha3) > 0) {
                sorted[j] = sorted[j - 1];
                j--;
            }
            sorted[j] = x;
        }
        for (k = 0; k < m; k++)
            vals[nv++] = sorted[k];
    }
    out->citizenship = most_frequent(vals, nv);

    /* detection: of the earliest record that has one */
    for (i = 0; i < n; i++) {
        if (recs[i].det != 0) {
            out->detection = recs[i].det;
            break;
        }
    }

    /* exploitation: most frequent */
    nv = 0;
    for (i = 0; i < n && nv < 64; i++)
        vals[nv++] = recs[i].expl;
    out->exploitation = most_frequent(vals, nv);

    /* forms */
    for (i = 0; i < n; i++)
        forms |= recs[i].forms;
    out->form = (int8_t)codes_form_primary(forms);
    out->forms = cap_forms(codes_forms_person(forms));

    i = stats__agencies(recs, n, agencies, sizeof(agencies) / sizeof(agencies[0]));
    out->nagencies = (uint8_t)(i > 255 ? 255 : i);
}

void stats_person_resolve(const struct store_hub_record *const *recs, const unsigned *agency,
                          size_t n, struct stats_person *out)
{
    struct stats__rec buf[64];
    size_t i, m = n < 64 ? n : 64;

    for (i = 0; i < m; i++)
        stats__rec_from_hub(recs[i], agency[i], &buf[i]);
    stats__resolve(buf, m, out);
}

enum stats_flow stats_flow_class(const struct stats_person *p)
{
    const struct codes_country *o, *d;
    if (p->citizenship == 0 || p->detection == 0)
        return STATS_FLOW_UNKNOWN;
    if (p->citizenship == p->detection)
        return STATS_FLOW_DOMESTIC;
    o = codes_country_at(p->citizenship - 1u);
    d = codes_country_at(p->detection - 1u);
    if (o->glotip_region[0] == '\0' || d->glotip_region[0] == '\0')
        return STATS_FLOW_UNKNOWN;
    return strcmp(o->glotip_region, d->glotip_region) == 0 ? STATS_FLOW_INTRA : STATS_FLOW_TRANS;
}
