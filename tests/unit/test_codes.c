/*
 * test_codes.c: unit tests for the code lists (codes.h): every ISO country resolves
 * by each of its codes and its name and has a Global Report region, picklist values
 * match by name, label and alias, near misses get suggestions, and every form of
 * exploitation maps to an ICCS code and a Global Report form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "codes.h"
#include "csv.h"
#include "embedded.h"
#include "err.h"

static const struct codes_country *find(const char *s)
{
    return codes_country_find(s, strlen(s));
}

static const char *a3(const char *s)
{
    const struct codes_country *c = find(s);
    return c != NULL ? c->alpha3 : "(none)";
}

/* ==== first use from several threads at once (must run first) ==== */

static void *lookup_thread(void *arg)
{
    (void)arg;
    return (void *)find("Germany");
}

static void test_codes_first_use_is_thread_safe(void **state)
{
    pthread_t t[4];
    void *res[4];
    int i;
    (void)state;
    for (i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, lookup_thread, NULL), 0);
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], &res[i]), 0);
        assert_non_null(res[i]);
        assert_ptr_equal(res[i], res[0]);
    }
}

/* ==== countries ==== */

/* Walk the embedded ISO file itself, independently of the loader. */
static void test_codes_every_iso_country_resolves(void **state)
{
    const struct embedded_file *f = embedded_find("codes/iso3166_m49_all.csv");
    struct csv_reader *rd = NULL;
    struct csv_record rec;
    struct err e;
    size_t rows = 0, gaps = 0;
    char buf[256];
    (void)state;

    assert_non_null(f);
    assert_int_equal(csv_open_mem(&rd, f->data, f->len, NULL), 0);
    err_init(&e);
    assert_int_equal(csv_next(rd, &rec, &e), 1); /* header */
    assert_true(rec.nfields >= 4);
    for (;;) {
        const struct codes_country *c = NULL;
        int rc = csv_next(rd, &rec, &e);
        if (rc == 0)
            break;
        assert_int_equal(rc, 1);
        rows++;
        /* by name */
        c = codes_country_find(rec.fields[0].data, rec.fields[0].len);
        assert_non_null(c);
        assert_memory_equal(c->alpha3, rec.fields[2].data, 3);
        assert_int_equal(strlen(c->name), rec.fields[0].len);
        /* by alpha-2, alpha-3 and numeric, and lower case */
        assert_ptr_equal(codes_country_find(rec.fields[1].data, rec.fields[1].len), c);
        assert_ptr_equal(codes_country_find(rec.fields[2].data, rec.fields[2].len), c);
        assert_ptr_equal(codes_country_find(rec.fields[3].data, rec.fields[3].len), c);
        snprintf(buf, sizeof(buf), "%c%c%c", rec.fields[2].data[0] | 0x20,
                 rec.fields[2].data[1] | 0x20, rec.fields[2].data[2] | 0x20);
        assert_ptr_equal(find(buf), c);
        /* and back */
        assert_ptr_equal(codes_country_by_alpha3(c->alpha3), c);
        assert_ptr_equal(codes_country_at(codes_country_index(c)), c);
        assert_memory_equal(c->alpha2, rec.fields[1].data, 2);
        /* a Global Report region, except the documented gap */
        if (c->glotip_region[0] == '\0') {
            assert_string_equal(c->alpha3, "ATA");
            assert_string_equal(c->glotip_subregion, "");
            gaps++;
        } else {
            assert_non_null(codes_glotip_label(c->glotip_region));
            assert_non_null(codes_glotip_label(c->glotip_subregion));
            assert_string_equal(codes_glotip_parent(c->glotip_subregion), c->glotip_region);
        }
        /* M49 region, except Antarctica and Taiwan (gaps of the source) */
        if (strcmp(c->alpha3, "ATA") != 0 && strcmp(c->alpha3, "TWN") != 0) {
            assert_true(c->region[0] != '\0');
            assert_true(c->region_code > 0);
            assert_true(c->subregion_code > 0);
        }
        assert_false(c->extension);
    }
    csv_close(rd);
    assert_int_equal(rows, 249);
    assert_int_equal(gaps, 1);
    assert_int_equal(codes_country_count(), 250); /* plus Kosovo */
}

static void test_codes_country_lookup(void **state)
{
    const struct codes_country *de = NULL, *xk = NULL;
    (void)state;
    de = find("DE");
    assert_non_null(de);
    assert_string_equal(de->alpha3, "DEU");
    assert_string_equal(de->name, "Germany");
    assert_int_equal(de->numeric, 276);
    assert_string_equal(de->region, "Europe");
    assert_int_equal(de->region_code, 150);
    assert_string_equal(de->subregion, "Western Europe");
    assert_int_equal(de->subregion_code, 155);
    assert_string_equal(de->glotip_region, "EUR_CA");
    assert_string_equal(de->glotip_subregion, "WSE");
    assert_ptr_equal(find("deu"), de);
    assert_ptr_equal(find("GERMANY"), de);
    assert_ptr_equal(find("  germany\t"), de);
    assert_ptr_equal(find("276"), de);
    assert_string_equal(a3("4"), "AFG");
    assert_string_equal(a3("004"), "AFG");

    /* names with punctuation, diacritics and common aliases */
    assert_string_equal(a3("Viet Nam"), "VNM");
    assert_string_equal(a3("Vietnam"), "VNM");
    assert_string_equal(a3("Côte d'Ivoire"), "CIV");
    assert_string_equal(a3("cote d\xe2\x80\x99ivoire"), "CIV");
    assert_string_equal(a3("COTE DIVOIRE"), "CIV");
    assert_string_equal(a3("Ivory Coast"), "CIV");
    assert_string_equal(a3("Türkiye"), "TUR");
    assert_string_equal(a3("Turkiye"), "TUR");
    assert_string_equal(a3("Turkey"), "TUR");
    assert_string_equal(a3("Korea, Republic of"), "KOR");
    assert_string_equal(a3("South Korea"), "KOR");
    assert_string_equal(a3("Russia"), "RUS");
    assert_string_equal(a3("UK"), "GBR");
    assert_string_equal(a3("United Kingdom"), "GBR");
    assert_string_equal(a3("United States of America"), "USA");
    assert_string_equal(a3("Congo"), "COG");
    assert_string_equal(a3("DRC"), "COD");
    assert_string_equal(a3("Aland Islands"), "ALA");

    /* the Kosovo extension */
    xk = find("XK");
    assert_non_null(xk);
    assert_true(xk->extension);
    assert_string_equal(xk->alpha3, "XKX");
    assert_ptr_equal(find("Kosovo"), xk);
    assert_ptr_equal(find("xkx"), xk);
    assert_string_equal(xk->glotip_subregion, "CSEE");
    assert_int_equal(xk->numeric, 0);

    /* not countries */
    assert_null(find(""));
    assert_null(find("XX"));
    assert_null(find("ZZZ"));
    assert_null(find("0"));
    assert_null(find("1000"));
    assert_null(find("999"));
    assert_null(find("Atlantis"));
    assert_null(find("Korea")); /* ambiguous: deliberately no alias */
    assert_null(find("D E"));
    assert_null(find("\xff\xfe"));
    assert_null(codes_country_by_alpha3("deu"));
    assert_null(codes_country_by_alpha3("DE"));
    assert_null(codes_country_by_alpha3(NULL));
}

static void test_codes_country_suggest(void **state)
{
    const struct codes_country *c = NULL;
    (void)state;
    c = codes_country_suggest("Gernamy", 7);
    assert_non_null(c);
    assert_string_equal(c->alpha3, "DEU");
    c = codes_country_suggest("Frnace", 6);
    assert_non_null(c);
    assert_string_equal(c->alpha3, "FRA");
    c = codes_country_suggest("Phillipines", 11);
    assert_non_null(c);
    assert_string_equal(c->alpha3, "PHL");
    assert_null(codes_country_suggest("Qwertyuiop", 10));
    assert_null(codes_country_suggest("ZZ", 2));
}

static void test_codes_glotip_regions(void **state)
{
    static const char *const cases[][3] = {
        {"RUS", "EUR_CA", "EECA"}, {"UKR", "EUR_CA", "EECA"}, {"KAZ", "EUR_CA", "EECA"},
        {"GEO", "EUR_CA", "EECA"}, {"MDA", "EUR_CA", "EECA"}, {"POL", "EUR_CA", "CSEE"},
        {"SRB", "EUR_CA", "CSEE"}, {"LTU", "EUR_CA", "CSEE"}, {"ROU", "EUR_CA", "CSEE"},
        {"FRA", "EUR_CA", "WSE"},  {"TUR", "EUR_CA", "WSE"},  {"CYP", "EUR_CA", "WSE"},
        {"GBR", "EUR_CA", "WSE"},  {"USA", "AMER", "NAM"},    {"CAN", "AMER", "NAM"},
        {"MEX", "AMER", "NAM"},    {"GTM", "AMER", "CAC"},    {"HTI", "AMER", "CAC"},
        {"BRA", "AMER", "SAM"},    {"JPN", "SEAP", "EAP"},    {"THA", "SEAP", "EAP"},
        {"AUS", "SEAP", "EAP"},    {"TWN", "SEAP", "EAP"},    {"IND", "SEAP", "SAS"},
        {"AFG", "SEAP", "SAS"},    {"IRN", "AFR_ME", "NAME"}, {"EGY", "AFR_ME", "NAME"},
        {"SAU", "AFR_ME", "NAME"}, {"ISR", "AFR_ME", "NAME"}, {"NGA", "AFR_ME", "SSA"},
        {"ZAF", "AFR_ME", "SSA"},
    };
    static const char *const subregions[] = {"WSE", "CSEE", "EECA", "NAM",  "CAC",
                                             "SAM", "EAP",  "SAS",  "NAME", "SSA"};
    size_t i, j, seen[10] = {0};
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct codes_country *c = codes_country_by_alpha3(cases[i][0]);
        print_message("%s\n", cases[i][0]);
        assert_non_null(c);
        assert_string_equal(c->glotip_region, cases[i][1]);
        assert_string_equal(c->glotip_subregion, cases[i][2]);
    }
    for (i = 0; i < codes_country_count(); i++) {
        for (j = 0; j < 10; j++) {
            if (strcmp(codes_country_at(i)->glotip_subregion, subregions[j]) == 0)
                seen[j]++;
        }
    }
    for (j = 0; j < 10; j++)
        assert_true(seen[j] > 0);
    assert_int_equal(seen[7], 8); /* South Asia: the eight SAARC countries */
    assert_int_equal(seen[2], 12);
    assert_string_equal(codes_glotip_label("EECA"), "Eastern Europe and Central Asia");
    assert_string_equal(codes_glotip_label("AFR_ME"), "Africa and the Middle East");
    assert_null(codes_glotip_parent("AFR_ME")); /* a region has no parent */
    assert_null(codes_glotip_label("MARS"));
}

/* ==== picklists ==== */

static void test_codes_every_list_value_matches_itself(void **state)
{
    size_t li, i;
    (void)state;
    assert_true(codes_list_nlists() >= 19);
    for (li = 0; li < codes_list_nlists(); li++) {
        const struct codes_list *l = codes_list_at(li);
        assert_non_null(l);
        assert_ptr_equal(codes_list_for(codes_list_field(l)), l);
        assert_true(codes_list_count(l) >= 3);
        for (i = 0; i < codes_list_count(l); i++) {
            const char *name = codes_list_name(l, i), *label = codes_list_label(l, i);
            print_message("%s %s\n", codes_list_field(l), name);
            assert_null(strchr(name, ' '));
            assert_null(strchr(name, ';'));
            assert_true(label[0] != '\0');
            assert_int_equal(codes_list_match(l, name, strlen(name)), (int)i);
            assert_int_equal(codes_list_match(l, label, strlen(label)), (int)i);
            assert_int_equal(codes_list_index(l, name), (int)i);
        }
        assert_null(codes_list_name(l, codes_list_count(l)));
    }
    assert_null(codes_list_for("prs_FirstName"));
    assert_null(codes_list_for("prs_Citizenship")); /* countries, not a picklist */
    assert_null(codes_list_for("prs_PrimaryLanguage"));
}

static void test_codes_list_matching(void **state)
{
    const struct codes_list *g = codes_list_for("prs_Gender");
    const struct codes_list *ind = codes_list_for("vic_ForcedLabourIndustry");
    const struct codes_list *edu = codes_list_for("prs_HighestLevelOfEducation");
    const struct codes_list *rel = codes_list_for("vic_RelationshipToTrafficker");
    (void)state;
    assert_non_null(g);
    assert_int_equal(codes_list_count(g), 6);
#define M(l, s) codes_list_match((l), (s), strlen(s))
    assert_string_equal(codes_list_name(g, (size_t)M(g, "transgender feminine")),
                        "TransgenderFeminine");
    assert_string_equal(codes_list_name(g, (size_t)M(g, "NON_CONFORMING")), "NonConforming");
    assert_string_equal(codes_list_name(g, (size_t)M(g, "Non-Conforming")), "NonConforming");
    assert_string_equal(codes_list_name(g, (size_t)M(g, "Not Specified/Unknown")),
                        "NonSpecifiedUnknown");
    assert_string_equal(codes_list_name(g, (size_t)M(g, "Female")), "Feminine");
    assert_string_equal(codes_list_name(g, (size_t)M(g, "m")), "Masculine");
    assert_int_equal(M(g, "Feminin"), -1);
    assert_int_equal(M(g, ""), -1);
    assert_int_equal(M(g, "--"), -1);
    assert_int_equal(codes_list_index(g, "feminine"), -1); /* exact names only */
    assert_int_equal(codes_list_index(g, "Feminine"), 0);

    assert_string_equal(codes_list_name(ind, (size_t)M(ind, "A")),
                        "A_AgricultureForestryAndFishing");
    assert_string_equal(codes_list_name(ind, (size_t)M(ind, "agriculture, forestry and fishing")),
                        "A_AgricultureForestryAndFishing");
    assert_string_equal(
        codes_list_label(ind, (size_t)M(ind, "E_WaterSupplySewerageWasteManagement")),
        "Water supply; sewerage, waste management and remediation");
    assert_int_equal(codes_list_count(ind), 21);

    assert_string_equal(codes_list_name(edu, (size_t)M(edu, "Bachelor's or equivalent level")),
                        "BachelorsOrEquivalentLevel");
    assert_string_equal(codes_list_name(rel, (size_t)M(rel, "Unacquainted")), "Unaquainted");
#undef M
}

static void test_codes_list_suggest(void **state)
{
    const struct codes_list *g = codes_list_for("prs_Gender");
    const struct codes_list *t = codes_list_for("vic_TypeOfExploitation");
    const char *s = NULL;
    (void)state;
    s = codes_list_suggest(g, "Femenine", 8);
    assert_non_null(s);
    assert_string_equal(s, "Feminine");
    s = codes_list_suggest(g, "Masuline", 8);
    assert_non_null(s);
    assert_string_equal(s, "Masculine");
    s = codes_list_suggest(t, "Sexual exploitaton", 18);
    assert_non_null(s);
    assert_string_equal(s, "SexualExploitation");
    s = codes_list_suggest(t, "forced labor", 12);
    assert_non_null(s);
    assert_string_equal(s, "ForcedLabour");
    s = codes_list_suggest(g, "Transgender Fem", 15); /* a unique prefix */
    assert_non_null(s);
    assert_string_equal(s, "TransgenderFeminine");
    assert_null(codes_list_suggest(g, "Transgender", 11)); /* two values start so */
    assert_null(codes_list_suggest(g, "xyz", 3));
    assert_null(codes_list_suggest(g, "Astronaut", 9));
    assert_null(codes_list_suggest(g, "", 0));
}

static void test_codes_extension_value(void **state)
{
    const struct codes_list *t = codes_list_for("vic_TypeOfExploitation");
    int i;
    enum codes_iccs iccs;
    enum codes_form form;
    (void)state;
    i = codes_list_match(t, "Forced criminality (incl. online scams)", 39);
    assert_true(i >= 0);
    assert_string_equal(codes_list_name(t, (size_t)i), "ForcedCriminality");
    assert_true(codes_list_is_ext(t, (size_t)i));
    assert_int_equal((size_t)i, codes_list_count(t) - 1); /* after the standard's values */
    assert_false(codes_list_is_ext(t, 0));
    assert_int_equal(codes_exploitation("ForcedCriminality", &iccs, &form), 0);
    assert_int_equal(iccs, CODES_ICCS_LABOUR);
    assert_int_equal(form, CODES_FORM_CRIM);
}

/* ==== forms of exploitation ==== */

static void test_codes_every_exploitation_value_maps(void **state)
{
    static const struct {
        const char *name;
        const char *iccs;
        const char *form;
    } want[] = {
        {"SexualExploitation", "02041", "FORM_SEX"},
        {"ForcedLabour", "02042", "FORM_FL"},
        {"ChildLabour", "02042", "FORM_FL"},
        {"Servitude", "02042", "FORM_FL"},
        {"ForcedBegging", "02042", "FORM_BEG"},
        {"ForcedCriminality", "02042", "FORM_CRIM"},
        {"OrganRemoval", "02043", "FORM_ORGAN"},
        {"ForcedMarriage", "02044", "FORM_MARR"},
        {"ForcedMilitaryByNonStateActors", "02044", "FORM_ARMED"},
        {"ForcedAdoption", "02044", "FORM_ADOPT"},
        {"Surrogacy", "02044", "FORM_OTHER"},
        {"Other", "02044", "FORM_OTHER"},
    };
    const struct codes_list *t = codes_list_for("vic_TypeOfExploitation");
    enum codes_iccs iccs;
    enum codes_form form;
    size_t i;
    (void)state;
    assert_int_equal(codes_list_count(t), sizeof(want) / sizeof(want[0]));
    for (i = 0; i < codes_list_count(t); i++) {
        assert_int_equal(codes_exploitation(codes_list_name(t, i), &iccs, &form), 0);
        assert_true((unsigned)iccs < CODES_NICCS);
        assert_true((unsigned)form < CODES_NFORMS && form != CODES_FORM_MIXED);
    }
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        print_message("%s\n", want[i].name);
        assert_int_equal(codes_exploitation(want[i].name, &iccs, &form), 0);
        assert_string_equal(codes_iccs_code(iccs), want[i].iccs);
        assert_string_equal(codes_form_code(form), want[i].form);
    }
    assert_int_equal(codes_exploitation("Sexual exploitation", &iccs, &form), ERR_NOTFOUND);
    assert_int_equal(codes_exploitation("Nothing", &iccs, &form), ERR_NOTFOUND);
}

static void test_codes_labels(void **state)
{
    int i;
    (void)state;
    for (i = 0; i < CODES_NICCS; i++)
        assert_true(strlen(codes_iccs_label((enum codes_iccs)i)) > 10);
    for (i = 0; i < CODES_NFORMS; i++) {
        assert_true(strlen(codes_form_label((enum codes_form)i)) > 5);
        assert_int_equal(codes_form_from_code(codes_form_code((enum codes_form)i)), i);
    }
    assert_string_equal(codes_iccs_label(CODES_ICCS_SEX),
                        "Trafficking in persons for sexual exploitation");
    assert_string_equal(codes_form_label(CODES_FORM_FL), "Trafficking for forced labour");
    assert_int_equal(codes_form_from_code("FORM_NOPE"), -1);
}

static void test_codes_person_forms(void **state)
{
    const unsigned SEX = 1u << CODES_FORM_SEX, FL = 1u << CODES_FORM_FL, BEG = 1u << CODES_FORM_BEG,
                   MIXED = 1u << CODES_FORM_MIXED, OTHER = 1u << CODES_FORM_OTHER,
                   CRIM = 1u << CODES_FORM_CRIM;
    (void)state;
    assert_int_equal(codes_forms_person(SEX | FL), MIXED);
    assert_int_equal(codes_forms_person(SEX | FL | BEG), MIXED | BEG);
    assert_int_equal(codes_forms_person(SEX), SEX);
    assert_int_equal(codes_forms_person(FL | BEG), FL | BEG);
    assert_int_equal(codes_forms_person(0), 0);
    assert_int_equal(codes_form_primary(SEX | FL | OTHER), CODES_FORM_MIXED);
    assert_int_equal(codes_form_primary(OTHER | CRIM), CODES_FORM_CRIM);
    assert_int_equal(codes_form_primary(OTHER | FL), CODES_FORM_FL);
    assert_int_equal(codes_form_primary(OTHER), CODES_FORM_OTHER);
    assert_int_equal(codes_form_primary(0), -1);
}

/* ==== keys and distances ==== */

static void test_codes_key(void **state)
{
    char key[CODES_KEY_MAX];
    char long_text[600];
    (void)state;
    assert_int_equal(codes_key("Non-Conforming", 14, key), 13);
    assert_string_equal(key, "nonconforming");
    assert_int_equal(codes_key("Côte d\xe2\x80\x99Ivoire", strlen("Côte d\xe2\x80\x99Ivoire"), key),
                     11);
    assert_string_equal(key, "cotedivoire");
    assert_true(codes_key("Straße", strlen("Straße"), key) > 0);
    assert_string_equal(key, "strasse");
    assert_true(codes_key("Ελλάδα", strlen("Ελλάδα"), key) > 0);
    assert_string_equal(key, "ελλαδα");
    assert_int_equal(codes_key("  ", 2, key), 0);
    assert_string_equal(key, "");
    assert_int_equal(codes_key("\xc3\x28", 2, key), -1);     /* invalid UTF-8 */
    assert_int_equal(codes_key("\xed\xa0\x80", 3, key), -1); /* a surrogate */
    memset(long_text, 'a', sizeof(long_text));
    assert_int_equal(codes_key(long_text, sizeof(long_text), key), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_first_use_is_thread_safe),
        cmocka_unit_test(test_codes_every_iso_country_resolves),
        cmocka_unit_test(test_codes_country_lookup),
        cmocka_unit_test(test_codes_country_suggest),
        cmocka_unit_test(test_codes_glotip_regions),
        cmocka_unit_test(test_codes_every_list_value_matches_itself),
        cmocka_unit_test(test_codes_list_matching),
        cmocka_unit_test(test_codes_list_suggest),
        cmocka_unit_test(test_codes_extension_value),
        cmocka_unit_test(test_codes_every_exploitation_value_maps),
        cmocka_unit_test(test_codes_labels),
        cmocka_unit_test(test_codes_person_forms),
        cmocka_unit_test(test_codes_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
