/*
 * test_stats.c: unit tests for the statistics (stats*.c): the person rule, the
 * tables of a hand-built hub, exact counts on synth data against its ground truth,
 * and disclosure control on synth data (every small count suppressed, nothing
 * recoverable, linked tables consistent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "codes.h"
#include "stats.h"
#include "stats_fixture.h"

/* ---- the person rule ---- */

static struct store_hub_record hr(int64_t id, char sex, char age, const char *cit, const char *det,
                                  unsigned forms, int year)
{
    struct store_hub_record r;
    memset(&r, 0, sizeof(r));
    r.id = id;
    r.sex = sex;
    r.age = age;
    r.citizenship = cit;
    r.detected_in = det;
    r.forms = forms;
    r.year = year;
    return r;
}

static void resolve(const struct store_hub_record *recs, const unsigned *agency, size_t n,
                    struct stats_person *p)
{
    const struct store_hub_record *ptr[16];
    size_t i;
    for (i = 0; i < n; i++)
        ptr[i] = &recs[i];
    stats_person_resolve(ptr, agency, n, p);
}

static uint16_t country(const char *a3)
{
    return (uint16_t)(codes_country_index(codes_country_by_alpha3(a3)) + 1);
}

static void test_rule_sex(void **state)
{
    struct stats_person p;
    const unsigned ag[4] = {0, 1, 2, 3};
    (void)state;
    {
        /* most frequent wins over the earliest */
        struct store_hub_record r[3] = {hr(1, 'M', 'A', NULL, NULL, 0, 2019),
                                        hr(2, 'F', 'A', NULL, NULL, 0, 2020),
                                        hr(3, 'F', 'A', NULL, NULL, 0, 2021)};
        resolve(r, ag, 3, &p);
        assert_int_equal(p.sex, STATS_SEX_FEMALE);
    }
    {
        /* a tie goes to the earliest record (year first, then id) */
        struct store_hub_record r[3] = {hr(1, 'F', 'A', NULL, NULL, 0, 2021),
                                        hr(2, 'M', 'A', NULL, NULL, 0, 2019),
                                        hr(3, 'U', 'A', NULL, NULL, 0, 2018)};
        resolve(r, ag, 3, &p);
        assert_int_equal(p.sex, STATS_SEX_MALE);
    }
    {
        /* unknown year comes after every known year */
        struct store_hub_record r[2] = {hr(1, 'F', 'A', NULL, NULL, 0, 0),
                                        hr(2, 'M', 'A', NULL, NULL, 0, 2023)};
        resolve(r, ag, 2, &p);
        assert_int_equal(p.sex, STATS_SEX_MALE);
        assert_int_equal(p.year, 2023);
    }
    {
        struct store_hub_record r[2] = {hr(1, 'U', 'U', NULL, NULL, 0, 0),
                                        hr(2, 'U', 'U', NULL, NULL, 0, 0)};
        resolve(r, ag, 2, &p);
        assert_int_equal(p.sex, STATS_SEX_UNKNOWN);
        assert_int_equal(p.age, STATS_AGE_UNKNOWN);
        assert_int_equal(p.year, 0);
        assert_int_equal(p.citizenship, 0);
        assert_int_equal(p.form, -1);
    }
}

static void test_rule_age_year(void **state)
{
    struct stats_person p;
    const unsigned ag[3] = {0, 0, 0};
    (void)state;
    {
        /* child if any record says child, even a later one */
        struct store_hub_record r[3] = {hr(1, 'F', 'A', NULL, NULL, 0, 2019),
                                        hr(2, 'F', 'C', NULL, NULL, 0, 2022),
                                        hr(3, 'F', 'U', NULL, NULL, 0, 2020)};
        resolve(r, ag, 3, &p);
        assert_int_equal(p.age, STATS_AGE_CHILD);
        assert_int_equal(p.year, 2019);
        assert_int_equal(p.nagencies, 1);
        assert_int_equal(p.nrecords, 3);
    }
    {
        struct store_hub_record r[2] = {hr(1, 'F', 'U', NULL, NULL, 0, 2021),
                                        hr(2, 'F', 'A', NULL, NULL, 0, 2020)};
        resolve(r, ag, 2, &p);
        assert_int_equal(p.age, STATS_AGE_ADULT);
        assert_int_equal(p.year, 2020);
    }
}

static void test_rule_countries(void **state)
{
    struct stats_person p;
    const unsigned ag[3] = {0, 1, 1};
    (void)state;
    {
        /* citizenship: most frequent over the lists; detection: the earliest record's */
        struct store_hub_record r[3] = {hr(1, 'F', 'A', "UKR", "POL", 0, 2021),
                                        hr(2, 'F', 'A', "MDA;UKR", "DEU", 0, 2020),
                                        hr(3, 'F', 'A', "MDA", NULL, 0, 2019)};
        r[0].exploited_in = "POL";
        r[1].exploited_in = "DEU";
        r[2].exploited_in = "DEU";
        resolve(r, ag, 3, &p);
        /* MDA 2, UKR 2: tie to the earliest record (2019: MDA) */
        assert_int_equal(p.citizenship, country("MDA"));
        /* the 2019 record has no country of detection: the next earliest (2020) */
        assert_int_equal(p.detection, country("DEU"));
        assert_int_equal(p.exploitation, country("DEU"));
        assert_int_equal(p.nagencies, 2);
    }
    {
        /* a tie within one record's list goes to the alphabetically first */
        struct store_hub_record r[1] = {hr(1, 'F', 'A', "UKR;MDA", "DEU", 0, 2021)};
        resolve(r, ag, 1, &p);
        assert_int_equal(p.citizenship, country("MDA"));
    }
}

static void test_rule_forms(void **state)
{
    struct stats_person p;
    const unsigned ag[3] = {0, 1, 2};
    (void)state;
    {
        /* sexual exploitation and forced labour in different records: mixed */
        struct store_hub_record r[2] = {hr(1, 'F', 'A', NULL, NULL, 1u << CODES_FORM_SEX, 2021),
                                        hr(2, 'F', 'A', NULL, NULL, 1u << CODES_FORM_FL, 2022)};
        resolve(r, ag, 2, &p);
        assert_int_equal(p.form, CODES_FORM_MIXED);
        assert_int_equal(p.forms, 1u << CODES_FORM_MIXED);
    }
    {
        /* capped at STATS_FORM_CAP, in the order of codes_form_primary */
        unsigned all = (1u << CODES_FORM_OTHER) | (1u << CODES_FORM_BEG) | (1u << CODES_FORM_CRIM) |
                       (1u << CODES_FORM_MARR) | (1u << CODES_FORM_ORGAN);
        struct store_hub_record r[1] = {hr(1, 'F', 'A', NULL, NULL, all, 2021)};
        resolve(r, ag, 1, &p);
        assert_int_equal(STATS_FORM_CAP, 3);
        assert_int_equal(p.forms, (1u << CODES_FORM_CRIM) | (1u << CODES_FORM_BEG) |
                                      (1u << CODES_FORM_MARR));
        assert_int_equal(p.form, CODES_FORM_CRIM);
    }
}

static void test_flow_class(void **state)
{
    struct stats_person p;
    (void)state;
    memset(&p, 0, sizeof(p));
    p.citizenship = country("DEU");
    p.detection = country("DEU");
    assert_int_equal(stats_flow_class(&p), STATS_FLOW_DOMESTIC);
    p.citizenship = country("UKR"); /* Europe and Central Asia, like Germany */
    assert_int_equal(stats_flow_class(&p), STATS_FLOW_INTRA);
    p.citizenship = country("NGA");
    assert_int_equal(stats_flow_class(&p), STATS_FLOW_TRANS);
    p.citizenship = 0;
    assert_int_equal(stats_flow_class(&p), STATS_FLOW_UNKNOWN);
}

/* ---- a hand-built hub ---- */

static int64_t value(const struct stats_result *r, const char *table, const char *row,
                     const char *col)
{
    const struct stats_table *t = stats_find(r, table);
    size_t i, j;
    assert_non_null(t);
    for (i = 0; i <= t->nrows; i++) {
        const char *rc = i < t->nrows ? t->rows[i].code : "total";
        if (strcmp(rc, row) != 0)
            continue;
        if (stats_is_1d(t))
            return t->v[stats_at(t, i, 0)];
        for (j = 0; j <= t->ncols; j++) {
            const char *cc = j < t->ncols ? t->cols[j].code : "total";
            if (strcmp(cc, col) == 0)
                return t->v[stats_at(t, i, j)];
        }
    }
    return -1;
}

static void test_tables_small_hub(void **state)
{
    struct hubfx fx;
    struct stats_result r;
    struct stats_options o;
    struct err e;
    int64_t a, b, x;
    (void)state;

    assert_int_equal(hubfx_open(&fx, "stats-small"), 0);
    a = hubfx_submission(&fx, "police-1");
    b = hubfx_submission(&fx, "ngo-1");
    assert_int_equal(hubfx_run(&fx, 3), 0);
    /* person 10: a girl from Ukraine detected in Germany, met by both agencies */
    x = hubfx_record(&fx, a, 'F', 'C', "UKR", "DEU", "DEU", 1u << CODES_FORM_SEX, 2021);
    assert_int_equal(hubfx_member(&fx, x, 10), 0);
    x = hubfx_record(&fx, b, 'F', 'A', "UKR", "DEU", "DEU", 1u << CODES_FORM_FL, 2022);
    assert_int_equal(hubfx_member(&fx, x, 10), 0);
    /* person 20: a man from Nigeria in Germany, forced criminality, 2022 */
    x = hubfx_record(&fx, a, 'M', 'A', "NGA", "DEU", NULL, 1u << CODES_FORM_CRIM, 2022);
    assert_int_equal(hubfx_member(&fx, x, 20), 0);
    /* person 30: German woman, nothing else known, year unknown */
    x = hubfx_record(&fx, b, 'F', 'A', "DEU", "DEU", NULL, 0, 0);
    assert_int_equal(hubfx_member(&fx, x, 30), 0);
    assert_int_equal(hubfx_commit(&fx), 0);

    stats_options_init(&o);
    o.records = true;
    assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), 0);
    assert_int_equal(r.persons, 3);
    assert_int_equal(r.records, 4);
    assert_int_equal(r.persons_multi, 1);
    assert_int_equal(value(&r, "year", "2021", NULL), 1);
    assert_int_equal(value(&r, "year", "2022", NULL), 1);
    assert_int_equal(value(&r, "year", "unknown", NULL), 1);
    assert_int_equal(value(&r, "year", "total", NULL), 3);
    assert_int_equal(value(&r, "sex_age", "F", "C"), 1); /* girl */
    assert_int_equal(value(&r, "sex_age", "F", "A"), 1); /* woman */
    assert_int_equal(value(&r, "sex_age", "M", "A"), 1); /* man */
    assert_int_equal(value(&r, "sex_age", "F", "total"), 2);
    assert_int_equal(value(&r, "sex_age", "total", "A"), 2);
    assert_int_equal(value(&r, "sex_age", "total", "total"), 3);
    assert_int_equal(value(&r, "form", "FORM_MIXED", NULL), 1);
    assert_int_equal(value(&r, "form", "FORM_CRIM", NULL), 1);
    assert_int_equal(value(&r, "form", "unknown", NULL), 1);
    assert_int_equal(value(&r, "iccs", "02041", NULL), 1);
    assert_int_equal(value(&r, "iccs", "02042", NULL), 2); /* mixed, and criminality */
    assert_int_equal(value(&r, "citizenship", "UKR", NULL), 1);
    assert_int_equal(value(&r, "citizenship", "unknown", NULL), 0);
    assert_int_equal(value(&r, "detection", "DEU", NULL), 3);
    assert_int_equal(value(&r, "flow_class", "DOMESTIC", NULL), 1);
    assert_int_equal(value(&r, "flow_class", "INTRA", NULL), 1);
    assert_int_equal(value(&r, "flow_class", "TRANS", NULL), 1);
    assert_int_equal(value(&r, "citizenship_glotip_region", "EUR_CA", NULL), 2);
    assert_int_equal(value(&r, "citizenship_glotip_region", "AFR_ME", NULL), 1);
    assert_int_equal(value(&r, "citizenship_m49_region", "150", NULL), 2); /* Europe */
    assert_int_equal(value(&r, "citizenship_m49_region", "002", NULL), 1); /* Africa */
    assert_int_equal(value(&r, "detection_glotip_subregion", "WSE", NULL), 3);
    assert_int_equal(value(&r, "flows", "UKR", "DEU"), 1);
    assert_int_equal(value(&r, "flows", "NGA", "total"), 1);
    assert_int_equal(value(&r, "flows", "total", "DEU"), 3);
    assert_int_equal(value(&r, "agencies_per_person", "1", NULL), 2);
    assert_int_equal(value(&r, "agencies_per_person", "2", NULL), 1);
    /* record-level tables count records, and say so */
    assert_string_equal(stats_find(&r, "records_sex_age")->unit, "records");
    assert_int_equal(value(&r, "records_sex_age", "F", "A"), 2);
    assert_int_equal(value(&r, "records_sex_age", "total", "total"), 4);
    assert_int_equal(value(&r, "records_agency", "police-1", NULL), 2);
    assert_int_equal(r.npairs, 1);
    assert_int_equal(r.pairs[0].persons, 1);
    {
        json_t *j = stats_to_json(&r);
        assert_int_equal(json_integer_value(json_object_get(j, "persons")), 3);
        assert_int_equal(json_integer_value(json_object_get(j, "records")), 4);
        json_decref(j);
    }
    stats_result_release(&r);

    /* --year: only persons first identified that year */
    o.year = 2022;
    assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), 0);
    assert_int_equal(r.persons, 1);
    assert_int_equal(value(&r, "form", "FORM_CRIM", NULL), 1);
    stats_result_release(&r);

    /* a fixed year range: a year outside it counts with the unknown ones */
    o.year = 0;
    o.year_from = 2022;
    o.year_to = 2023;
    assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), 0);
    assert_int_equal(value(&r, "year", "2022", NULL), 1);
    assert_int_equal(value(&r, "year", "2023", NULL), 0);
    assert_int_equal(value(&r, "year", "unknown", NULL), 2);
    assert_int_equal(value(&r, "year", "total", NULL), 3);
    stats_result_release(&r);
    o.year_from = o.year_to = 0;

    /* an unknown run */
    o.run_id = 99;
    assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), ERR_NOTFOUND);
    hubfx_close(&fx);
}

/* ---- synth data against its ground truth ---- */

static void check_sdc(const struct stats_result *exact, const struct stats_result *r, unsigned k)
{
    size_t ti, i;
    for (ti = 0; ti < r->ntables; ti++) {
        const struct stats_table *t = &r->tables[ti];
        const struct stats_table *x = stats_find(exact, t->name);
        size_t n = (t->nrows + 1) * (t->ncols + 1);
        assert_non_null(x);
        if (t->status[0] == STATS_WITHHELD)
            continue;
        for (i = 0; i < n; i++) {
            size_t row = i / (t->ncols + 1), col = i % (t->ncols + 1);
            int64_t lo, hi;
            if (stats_is_1d(t) && col == 1)
                continue;
            assert_int_equal(t->v[i], x->v[i]);
            if (t->v[i] >= 1 && t->v[i] < (int64_t)k)
                assert_int_not_equal(t->status[i], STATS_SHOWN); /* cells and margins */
            if (t->status[i] == STATS_SHOWN)
                continue;
            assert_true(t->v[i] > 0); /* zeros are published */
            stats_audit_entry(t, i, 1, &lo, &hi);
            if (lo >= hi)
                fail_msg("table %s entry (%zu,%zu) = %lld recovered", t->name, row, col,
                         (long long)t->v[i]);
        }
    }
}

static void test_synth_ground_truth(void **state)
{
    struct hubfx fx;
    struct fx_synth fs;
    struct stats_result r, sdc;
    struct stats_options o;
    struct err e;
    int64_t want_sex[STATS_NSEX] = {0}, want_flow[STATS_NFLOW] = {0}, want_ag[5] = {0};
    int64_t want_child = 0, multi = 0, want_unknown_cit = 0;
    int64_t *want_cit = calloc(codes_country_count() + 1, sizeof(int64_t));
    int64_t want_year[8] = {0};
    size_t i, nrec = 0;
    (void)state;

    assert_int_equal(hubfx_open(&fx, "stats-synth"), 0);
    /* four agencies: all in Germany, so every person is detected there */
    assert_int_equal(fx_from_synth(&fx, &fs, 3000, 4, 20261128), 0);
    assert_int_equal(hubfx_commit(&fx), 0);

    for (i = 0; i < fs.npersons; i++) {
        struct synth_person_info in;
        const struct fx_person *p = &fs.persons[i];
        const struct codes_country *c;
        synth_person_info(fs.synth, i, &in);
        nrec += p->nrecords;
        assert_int_equal(p->nrecords, in.nrecords);
        if (!p->knows_sex)
            want_sex[STATS_SEX_UNKNOWN]++;
        else if (in.group == SYNTH_WOMAN || in.group == SYNTH_GIRL)
            want_sex[STATS_SEX_FEMALE]++;
        else
            want_sex[STATS_SEX_MALE]++;
        want_child += in.group == SYNTH_GIRL || in.group == SYNTH_BOY;
        want_ag[in.nagencies >= 5 ? 4 : in.nagencies - 1]++;
        multi += in.nagencies > 1;
        c = codes_country_by_alpha3(in.citizenship);
        assert_non_null(c);
        if (!p->knows_cit) {
            want_unknown_cit++;
            want_flow[STATS_FLOW_UNKNOWN]++;
        } else {
            want_cit[codes_country_index(c) + 1]++;
            if (strcmp(in.citizenship, "DEU") == 0)
                want_flow[STATS_FLOW_DOMESTIC]++;
            else if (c->glotip_region[0] == '\0')
                want_flow[STATS_FLOW_UNKNOWN]++;
            else if (strcmp(c->glotip_region, "EUR_CA") == 0)
                want_flow[STATS_FLOW_INTRA]++;
            else
                want_flow[STATS_FLOW_TRANS]++;
        }
        if (p->year_min >= 2019 && p->year_min <= 2023)
            want_year[p->year_min - 2019]++;
    }

    stats_options_init(&o);
    assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), 0);
    assert_int_equal(r.persons, synth_npersons(fs.synth));
    assert_int_equal(r.records, synth_nrecords(fs.synth));
    assert_int_equal(r.records, nrec);
    assert_int_equal(r.persons_multi, multi);
    assert_int_equal(value(&r, "sex_age", "F", "total"), want_sex[STATS_SEX_FEMALE]);
    assert_int_equal(value(&r, "sex_age", "M", "total"), want_sex[STATS_SEX_MALE]);
    assert_int_equal(value(&r, "sex_age", "U", "total"), want_sex[STATS_SEX_UNKNOWN]);
    assert_int_equal(value(&r, "sex_age", "X", "total"), 0);
    for (i = 0; i < 5; i++) {
        char code[8];
        snprintf(code, sizeof(code), i < 4 ? "%zu" : "%zu+", i + 1);
        assert_int_equal(value(&r, "agencies_per_person", code, NULL), want_ag[i]);
    }
    assert_int_equal(value(&r, "detection", "DEU", NULL), (int64_t)fs.npersons);
    assert_int_equal(value(&r, "flow_class", "DOMESTIC", NULL), want_flow[STATS_FLOW_DOMESTIC]);
    assert_int_equal(value(&r, "flow_class", "INTRA", NULL), want_flow[STATS_FLOW_INTRA]);
    assert_int_equal(value(&r, "flow_class", "TRANS", NULL), want_flow[STATS_FLOW_TRANS]);
    assert_int_equal(value(&r, "flow_class", "unknown", NULL), want_flow[STATS_FLOW_UNKNOWN]);
    assert_int_equal(value(&r, "citizenship", "unknown", NULL), want_unknown_cit);
    for (i = 1; i <= codes_country_count(); i++) {
        if (want_cit[i] != 0)
            assert_int_equal(value(&r, "citizenship", codes_country_at(i - 1)->alpha3, NULL),
                             want_cit[i]);
    }
    for (i = 0; i < 5; i++) {
        char code[8];
        snprintf(code, sizeof(code), "%zu", 2019 + i);
        assert_int_equal(value(&r, "year", code, NULL), want_year[i]);
    }
    /*
     * Age: agencies estimate ages (off by up to two years) and a person met again
     * later may have turned 18, so the rule (child if any record says child) can
     * differ from the truth at first identification near 18; it must stay close.
     */
    {
        int64_t got = value(&r, "sex_age", "total", "C");
        int64_t diff = got > want_child ? got - want_child : want_child - got;
        assert_true(diff * 100 <= (int64_t)fs.npersons * 3);
        assert_true(got > 0);
    }

    /* disclosure control on the same data */
    assert_int_equal(stats_compute(fx.s, &o, false, &sdc, &e), 0);
    stats_sdc_apply(&sdc, STATS_SDC_K_DEFAULT);
    assert_null(stats_find(&sdc, "records_year"));
    check_sdc(&r, &sdc, STATS_SDC_K_DEFAULT);
    assert_int_equal(stats_sdc_audit(&sdc), 0);
    stats_result_release(&sdc);
    assert_int_equal(stats_compute(fx.s, &o, false, &sdc, &e), 0);
    stats_sdc_apply(&sdc, 40);
    check_sdc(&r, &sdc, 40);
    assert_int_equal(stats_sdc_audit(&sdc), 0);
    {
        /* the citizenship table and the margins of the flows agree on what is shown */
        const struct stats_table *cit = stats_find(&sdc, "citizenship");
        const struct stats_table *fl = stats_find(&sdc, "flows");
        size_t j, nsup = 0;
        for (i = 0; i < fl->nrows; i++) {
            for (j = 0; j < cit->nrows && strcmp(cit->rows[j].code, fl->rows[i].code) != 0; j++)
                ;
            assert_true(j < cit->nrows);
            assert_int_equal(cit->status[stats_at(cit, j, 0)] != STATS_SHOWN,
                             fl->status[stats_at(fl, i, fl->ncols)] != STATS_SHOWN);
            nsup += cit->status[stats_at(cit, j, 0)] != STATS_SHOWN;
        }
        assert_true(nsup > 0); /* at K = 40 some countries are small (synth: 23, 25, 30) */
    }
    {
        /* a smaller K on a subset (one year): more small cells */
        struct stats_result y;
        o.year = 2021;
        assert_int_equal(stats_compute(fx.s, &o, false, &y, &e), 0);
        struct stats_result yx;
        assert_int_equal(stats_compute(fx.s, &o, false, &yx, &e), 0);
        stats_sdc_apply(&y, 5);
        check_sdc(&yx, &y, 5);
        assert_int_equal(stats_sdc_audit(&y), 0);
        stats_result_release(&y);
        stats_result_release(&yx);
    }
    stats_result_release(&sdc);
    stats_result_release(&r);
    fx_synth_release(&fs);
    free(want_cit);
    hubfx_close(&fx);
}

/*
 * A small country in a subregion whose other country is published: protecting the
 * country table and the region tables one by one leaves it recoverable (subregion
 * total minus the big country); protecting them together does not.
 */
static void test_sdc_regions_joint(void **state)
{
    static const struct {
        const char *cit;
        int n;
    } groups[] = {{"UKR", 30}, {"BLR", 5}, {"NGA", 4}, {"DEU", 40}, {"THA", 25}};
    struct hubfx fx;
    struct stats_result r;
    struct stats_options o;
    struct err e;
    int64_t a, x, person = 0;
    size_t i, blr;
    int k;
    const struct stats_table *cit;
    (void)state;

    assert_int_equal(hubfx_open(&fx, "stats-regions"), 0);
    a = hubfx_submission(&fx, "police-1");
    assert_int_equal(hubfx_run(&fx, 104), 0);
    for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        for (k = 0; k < groups[i].n; k++) {
            x = hubfx_record(&fx, a, 'F', 'A', groups[i].cit, "DEU", "DEU", 1u, 2022);
            assert_int_equal(hubfx_member(&fx, x, ++person), 0);
        }
    }
    assert_int_equal(hubfx_commit(&fx), 0);
    stats_options_init(&o);

    /* table by table: the joint audit finds the leak */
    assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), 0);
    for (i = 0; i < r.ntables; i++)
        stats_sdc_table(&r.tables[i], 11);
    assert_true(stats_sdc_audit(&r) > 0);
    stats_result_release(&r);

    /* together: nothing recoverable, and Belarus stays hidden */
    assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), 0);
    stats_sdc_apply(&r, 11);
    assert_int_equal(stats_sdc_audit(&r), 0);
    cit = stats_find(&r, "citizenship");
    for (blr = 0; blr < cit->nrows && strcmp(cit->rows[blr].code, "BLR") != 0; blr++)
        ;
    assert_true(blr < cit->nrows);
    assert_int_not_equal(cit->status[stats_at(cit, blr, 0)], STATS_SHOWN);
    {
        /* every region table adds up with the country table where both are shown */
        const struct stats_table *gs = stats_find(&r, "citizenship_glotip_subregion");
        assert_int_equal(gs->v[stats_at(gs, gs->nrows, 0)], 104);
    }
    stats_result_release(&r);
    hubfx_close(&fx);
}

/*
 * Women, men, girls and boys under suppression, on synth data (1500 persons met by
 * 12 agencies). The old design published the 2-D table sex x age: the small cells
 * "male, age not recorded" (13) and "female, age not recorded" (8) each forced a
 * secondary suppression in their row, and the cheapest cells there were the boys
 * (248) and the girls (291). The groups table keeps all four, at K = 11 where no
 * group is small and at K = 40 where "age not recorded" (21) is, and stays safe.
 */
static void test_sdc_groups_keep_boys(void **state)
{
    struct hubfx fx;
    struct fx_synth fs;
    struct stats_result exact, r;
    struct stats_options o;
    struct err e;
    struct stats_table *sa;
    const struct stats_table *g, *gx;
    static const unsigned ks[] = {11, 40};
    size_t i, k;
    (void)state;

    assert_int_equal(hubfx_open(&fx, "stats-boys"), 0);
    assert_int_equal(fx_from_synth(&fx, &fs, 1500, 12, 20261128), 0);
    assert_int_equal(hubfx_commit(&fx), 0);
    stats_options_init(&o);
    assert_int_equal(stats_compute(fx.s, &o, false, &exact, &e), 0);
    gx = stats_find(&exact, "sex_age_groups");
    assert_non_null(gx);
    assert_int_equal(gx->headline, STATS_GROUP_HEADLINE);
    /* the groups add up to the sex x age table */
    sa = stats_find(&exact, "sex_age");
    assert_int_equal(gx->v[stats_at(gx, STATS_GROUP_BOYS, 0)],
                     sa->v[stats_at(sa, STATS_SEX_MALE, STATS_AGE_CHILD)]);
    assert_int_equal(gx->v[stats_at(gx, STATS_GROUP_AGE_UNKNOWN, 0)],
                     sa->v[stats_at(sa, STATS_SEX_FEMALE, STATS_AGE_UNKNOWN)] +
                         sa->v[stats_at(sa, STATS_SEX_MALE, STATS_AGE_UNKNOWN)]);
    assert_int_equal(gx->v[stats_at(gx, STATS_GROUP_SEX_UNKNOWN, 0)],
                     sa->v[stats_at(sa, STATS_SEX_UNKNOWN, STATS_NAGE)]);
    assert_int_equal(gx->v[stats_at(gx, STATS_NGROUPS, 0)], (int64_t)exact.persons);

    for (k = 0; k < sizeof(ks) / sizeof(ks[0]); k++) {
        /* the old design: the 2-D table, protected as it was, loses the boys */
        struct stats_table *old = NULL;
        size_t nsup = 0;
        assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), 0);
        old = stats_find(&r, "sex_age");
        stats_sdc_table(old, ks[k]);
        assert_int_equal(stats_audit_table(old, 1), 0);
        assert_true(old->v[stats_at(old, STATS_SEX_MALE, STATS_AGE_CHILD)] >= 100);
        assert_int_not_equal(old->status[stats_at(old, STATS_SEX_MALE, STATS_AGE_CHILD)],
                             STATS_SHOWN);
        stats_result_release(&r);

        /* the new one: sex_age is not published, the four groups are, and nothing leaks */
        assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), 0);
        stats_sdc_apply(&r, ks[k]);
        assert_null(stats_find(&r, "sex_age"));
        g = stats_find(&r, "sex_age_groups");
        assert_non_null(g);
        for (i = 0; i < STATS_GROUP_HEADLINE; i++) {
            assert_true(g->v[stats_at(g, i, 0)] >= (int64_t)ks[k]);
            assert_int_equal(g->status[stats_at(g, i, 0)], STATS_SHOWN);
            assert_int_equal(g->v[stats_at(g, i, 0)], gx->v[stats_at(gx, i, 0)]);
        }
        for (i = STATS_GROUP_HEADLINE; i < STATS_NGROUPS; i++)
            nsup += g->status[stats_at(g, i, 0)] != STATS_SHOWN;
        /* K = 40: age not recorded (21) is small, and another small group protects it */
        assert_int_equal(nsup, ks[k] == 40 ? 2 : 0);
        check_sdc(&exact, &r, ks[k]);
        assert_int_equal(stats_sdc_audit(&r), 0);
        stats_result_release(&r);
    }
    stats_result_release(&exact);
    fx_synth_release(&fs);
    hubfx_close(&fx);
}

static void test_csv_and_json_shapes(void **state)
{
    struct hubfx fx;
    struct stats_result r;
    struct stats_options o;
    struct err e;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;
    int64_t a, x;
    json_t *j, *t;
    (void)state;

    assert_int_equal(hubfx_open(&fx, "stats-csv"), 0);
    a = hubfx_submission(&fx, "police-1");
    assert_int_equal(hubfx_run(&fx, 1), 0);
    x = hubfx_record(&fx, a, 'F', 'C', "UKR", "DEU", "DEU", 1u << CODES_FORM_SEX, 2021);
    assert_int_equal(hubfx_member(&fx, x, 1), 0);
    assert_int_equal(hubfx_commit(&fx), 0);
    stats_options_init(&o);
    assert_int_equal(stats_compute(fx.s, &o, false, &r, &e), 0);
    stats_sdc_apply(&r, 11);
    f = open_memstream(&buf, &len);
    assert_int_equal(stats_write_csv(&r, f, &e), 0);
    fclose(f);
    assert_non_null(strstr(buf, "table,row_code,row_label,col_code,col_label,value,status,unit\n"));
    /* one person: every non-zero count is suppressed, zeros are published */
    assert_non_null(
        strstr(buf, "sex_age_groups,GIRLS,\"Girls (female, under 18)\",,,,suppressed,persons\n"));
    assert_non_null(strstr(buf, "sex_age_groups,BOYS,\"Boys (male, under 18)\",,,0,,persons\n"));
    assert_null(strstr(buf, "\nsex_age,")); /* the 2-D table is not published under --sdc */
    /* primary and secondary suppressions look the same */
    assert_null(strstr(buf, "primary"));
    assert_null(strstr(buf, "secondary"));
    free(buf);
    j = stats_to_json(&r);
    {
        char *text = json_dumps(j, JSON_COMPACT);
        assert_null(strstr(text, "primary"));
        assert_null(strstr(text, "secondary"));
        free(text);
    }
    assert_true(json_is_null(json_object_get(j, "persons")));
    t = json_array_get(json_object_get(j, "tables"), 0);
    assert_string_equal(json_string_value(json_object_get(t, "name")), "total");
    assert_true(json_is_null(json_object_get(t, "total")));
    json_decref(j);
    stats_result_release(&r);
    hubfx_close(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_sex),
        cmocka_unit_test(test_rule_age_year),
        cmocka_unit_test(test_rule_countries),
        cmocka_unit_test(test_rule_forms),
        cmocka_unit_test(test_flow_class),
        cmocka_unit_test(test_tables_small_hub),
        cmocka_unit_test(test_synth_ground_truth),
        cmocka_unit_test(test_sdc_regions_joint),
        cmocka_unit_test(test_sdc_groups_keep_boys),
        cmocka_unit_test(test_csv_and_json_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
