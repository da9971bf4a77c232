/*
 * test_synth.c: unit tests for the synthetic data generator (synth.h).
 *
 * The generator writes into a scratch directory; the tests read the files back with
 * a small CSV splitter of their own and check what tests, demos and benchmarks rely
 * on: byte-identical output for the same options, truth.csv matching the rows, 1 to 4
 * agencies per person, the Global Report shares, every value of the form its column
 * promises, names in other scripts and in several romanisations of one person.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "embedded.h"
#include "err.h"
#include "synth.h"
#include "synth_int.h"
#include "xalloc.h"

/* ==== helpers: files and a small CSV splitter ==== */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = xmalloc((size_t)n + 1);
    if (fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        fclose(f);
        return NULL;
    }
    data[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return data;
}

#define MAX_COLS 64

struct table {
    char ***rows; /* rows[i][j]: NUL-terminated field */
    size_t *ncols;
    size_t nrows;
    char *pool;
};

/* Parse RFC 4180 text (quotes, doubled quotes); row 0 is the header. */
static void parse_csv(const char *text, size_t len, struct table *t)
{
    size_t i = 0, alloc = 0, o = 0;
    char *pool = xmalloc(len + 1);

    memset(t, 0, sizeof(*t));
    t->pool = pool;
    while (i < len) {
        char **fields = xcalloc(MAX_COLS, sizeof(char *));
        size_t nf = 0;
        for (;;) {
            fields[nf++] = pool + o;
            if (i < len && text[i] == '"') {
                i++;
                while (i < len) {
                    if (text[i] == '"' && i + 1 < len && text[i + 1] == '"') {
                        pool[o++] = '"';
                        i += 2;
                    } else if (text[i] == '"') {
                        i++;
                        break;
                    } else {
                        pool[o++] = text[i++];
                    }
                }
            } else {
                while (i < len && text[i] != ',' && text[i] != '\n')
                    pool[o++] = text[i++];
            }
            pool[o++] = '\0';
            if (i < len && text[i] == ',' && nf < MAX_COLS) {
                i++;
                continue;
            }
            break;
        }
        if (i < len && text[i] == '\n')
            i++;
        ALLOC_GROW(t->rows, t->nrows + 1, alloc);
        REALLOC_ARRAY(t->ncols, alloc);
        t->rows[t->nrows] = fields;
        t->ncols[t->nrows] = nf;
        t->nrows++;
    }
}

static void free_table(struct table *t)
{
    size_t i;

    for (i = 0; i < t->nrows; i++)
        free(t->rows[i]);
    free(t->rows);
    free(t->ncols);
    free(t->pool);
    memset(t, 0, sizeof(*t));
}

static bool load_csv(const char *dir, const char *name, struct table *t)
{
    char path[512];
    size_t len = 0;
    char *text;

    snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
    text = read_file(path, &len);
    if (text == NULL)
        return false;
    parse_csv(text, len, t);
    free(text);
    return true;
}

static int col_index(const struct table *t, const char *name)
{
    size_t j;

    for (j = 0; j < t->ncols[0]; j++) {
        if (strcmp(t->rows[0][j], name) == 0)
            return (int)j;
    }
    return -1;
}

static char *make_dir(void)
{
    char tmpl[] = "/tmp/tiphub-test-synth-XXXXXX";
    char *d = mkdtemp(tmpl);

    assert_non_null(d);
    return xstrdup(d);
}

static void remove_dir(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    char path[512];

    if (d != NULL) {
        for (;;) {
            ent = readdir(d);
            if (ent == NULL)
                break;
            if (ent->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

static void generate(const struct synth_options *o, const char *dir, struct synth_summary *sum)
{
    struct synth *s = NULL;
    struct err e;

    err_init(&e);
    assert_int_equal(synth_new(&s, o, &e), 0);
    assert_int_equal(synth_write(s, dir, sum, &e), 0);
    synth_free(s);
}

/* ==== the checks a row must pass (what the importer will demand) ==== */

static const char *const months[12] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

static bool all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Parse the date forms synth writes; false if not a real, unambiguous date. */
static bool parse_date(const char *s, int32_t *day)
{
    size_t n = strlen(s);
    int y = 0, m = 0, d = 0;
    size_t k;

    if (n == 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4] && all_digits(s, 4) &&
        all_digits(s + 5, 2) && all_digits(s + 8, 2)) {
        y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    } else if (n == 8 && all_digits(s, 8)) {
        y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
    } else if (n == 10 && s[2] == '.' && s[5] == '.' && all_digits(s, 2) && all_digits(s + 3, 2) &&
               all_digits(s + 6, 4)) {
        d = num(s, 2), m = num(s + 3, 2), y = num(s + 6, 4);
        if (d <= 12 && d != m)
            return false; /* ambiguous */
    } else {
        const char *sp1 = strchr(s, ' ');
        const char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
        if (sp1 == NULL || sp2 == NULL || !all_digits(s, (size_t)(sp1 - s)) ||
            strlen(sp2 + 1) != 4 || !all_digits(sp2 + 1, 4))
            return false;
        d = num(s, (size_t)(sp1 - s));
        y = num(sp2 + 1, 4);
        for (k = 0; k < 12; k++) {
            if ((size_t)(sp2 - sp1 - 1) == strlen(months[k]) &&
                strncmp(sp1 + 1, months[k], strlen(months[k])) == 0)
                m = (int)k + 1;
        }
    }
    if (y < 1880 || y > 2200 || m < 1 || m > 12 || d < 1 || d > synth__days_in_month(y, m))
        return false;
    *day = synth__days(y, m, d);
    return true;
}

static bool in_list(const char *v, const char *list)
{
    size_t n = strlen(v);
    const char *p = list;

    while (*p != '\0') {
        const char *semi = strchr(p, ';');
        size_t l = semi != NULL ? (size_t)(semi - p) : strlen(p);
        if (l == n && strncmp(p, v, n) == 0)
            return true;
        if (semi == NULL)
            break;
        p = semi + 1;
    }
    return false;
}

/* Every ';'-separated value in list, each once, in the code list's order. */
static bool multi_ok(const char *v, const char *list)
{
    char buf[1024];
    const char *last = NULL;
    char *p = buf, *semi;

    if (strlen(v) >= sizeof(buf))
        return false;
    snprintf(buf, sizeof(buf), "%s", v);
    for (;;) {
        const char *pos;
        semi = strchr(p, ';');
        if (semi != NULL)
            *semi = '\0';
        if (!in_list(p, list))
            return false;
        pos = strstr(list, p);
        if (last != NULL && pos <= last)
            return false;
        last = pos;
        if (semi == NULL)
            break;
        p = semi + 1;
    }
    return true;
}

static bool valid_utf8_line(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0') {
        size_t n = *p < 0x80             ? 1
                   : (*p & 0xE0) == 0xC0 ? 2
                   : (*p & 0xF0) == 0xE0 ? 3
                   : (*p & 0xF8) == 0xF0 ? 4
                                         : 0;
        size_t i;
        if (n == 0 || *p == '\n' || *p == '\r')
            return false;
        for (i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
        }
        p += n;
    }
    return true;
}

static bool is_country(const char *v)
{
    size_t n = strlen(v), i;

    if (n != 2 && n != 3)
        return false;
    for (i = 0; i < n; i++) {
        if (v[i] < 'A' || v[i] > 'Z')
            return false;
    }
    return strcmp(v, "ZZZ") != 0;
}

/* HTCDS 2.0 value names (htcds_fields_annotated.csv). */
static const char org_types[] = "NGO;LawEnforcement;HealthServiceOrganisation;"
                                "CentralGovernmentOrganisation;LocalGovernmentOrganisation;"
                                "ImmigrationService;LegalService;CorporateBusiness;SchoolOrCollege";
static const char genders[] = "Feminine;Masculine;TransgenderFeminine;TransgenderMasculine;"
                              "NonConforming;NonSpecifiedUnknown";
static const char statuses[] =
    "PossibleVictimOfTrafficking;ActualVictimOfTrafficking;NotAVictimOfTrafficking";
static const char decision_orgs[] =
    "Police;NGO;CourtOrProsecution;NonPoliceGovernmentalOrganization;Other";
static const char relationships[] = "Familial;Acquainted;Unaquainted";
static const char recruitment[] =
    "AtAPlaceOfBusiness;AtAnEducationalInstitution;AtWork;ThroughOnlineSocialNetworks;"
    "ThroughAnOnlineAdvertisement;ThroughATelevisionAdvert;ThroughANewspaperAdvert;"
    "ThroughFamilyOrFamilyEvents;ThroughFriendsOrSocialEvents;Other";
static const char control[] =
    "PhysicalThreats;ThreatsLawEnforcement;ThreatensChildrenFamily;DebtBondage;FalsePromises;"
    "PhysicalAbuse;SexualAbuse;TakesEarnings;RestrictsFinancialAccess;RestrictsMedicalCare;"
    "WithholdsNecessities;PsychologicalAbuse;PsychoactiveSubstance;ExcessiveWorkingHours;"
    "WithholdsDocuments;Other";
/* ...plus tiphub's extension value ForcedCriminality (data/codes/htcds_extensions.csv). */
static const char exploitation[] =
    "ForcedLabour;SexualExploitation;ChildLabour;ForcedMarriage;Servitude;"
    "ForcedMilitaryByNonStateActors;OrganRemoval;ForcedBegging;ForcedAdoption;Surrogacy;Other;"
    "ForcedCriminality";
static const char industries[] =
    "A_AgricultureForestryAndFishing;B_MiningAndQuarrying;C_Manufacturing;"
    "D_ElectricityGasSteamAndAirConditioningSupply;E_WaterSupplySewerageWasteManagement;"
    "F_Construction;G_WholesaleAndRetailTradeRepairOfMotorVehicles;H_TransportationAndStorage;"
    "I_AccommodationAndFoodServiceActivities;J_InformationAndCommunication;"
    "K_FinancialAndInsuranceActivities;L_RealEstateActivities;"
    "M_ProfessionalScientificAndTechnicalActivities;N_AdministrativeAndSupportServiceActivities;"
    "O_PublicAdministrationAndDefence;P_Education;Q_HumanHealthAndSocialWorkActivities;"
    "R_ArtsEntertainmentAndRecreation;S_OtherServiceActivities;"
    "T_ActivitiesOfHouseholdsAsEmployers;U_ActivitiesOfExtraterritorialOrganizations";
static const char sex_types[] =
    "Prostitution;Pornography;RemoteInteractiveServices;PrivateSexualServices";
static const char case_statuses[] = "Active;FollowUp;Closed;ClosedReferred";
static const char consents[] = "true;false;yes;no;1;0";

/* Check one data row against its header; returns NULL or what is wrong. */
static const char *check_row(const struct table *t, size_t i, const char *agency)
{
    char **r = t->rows[i];
    char **h = t->rows[0];
    size_t j, n = t->ncols[0];
    int32_t opened = 0, birth = 0;
    bool have_birth = false;

    if (t->ncols[i] != n)
        return "wrong number of fields";
    for (j = 0; j < n; j++) {
        const char *c = h[j], *v = r[j];
        if (!valid_utf8_line(v))
            return "not one line of UTF-8";
        if (v[0] == '\0')
            continue;
        if (v[0] == ' ' || v[strlen(v) - 1] == ' ')
            return "spaces around a value";
        if (strcmp(c, "org_Name") == 0 && strcmp(v, agency) != 0)
            return "org_Name is not the agency";
        if (strcmp(c, "org_Type") == 0 && !in_list(v, org_types))
            return "org_Type";
        if ((strcmp(c, "org_ShippingCountry") == 0 || strcmp(c, "exploitation_country") == 0 ||
             strcmp(c, "prs_Citizenship") == 0) &&
            !is_country(v))
            return "country";
        if (strcmp(c, "case_opened") == 0 && !parse_date(v, &opened))
            return "case_opened";
        if (strcmp(c, "prs_Birthdate") == 0) {
            if (!parse_date(v, &birth))
                return "prs_Birthdate";
            have_birth = true;
        }
        if (strcmp(c, "prs_Gender") == 0 && !in_list(v, genders))
            return "prs_Gender";
        if (strcmp(c, "prs_PrimaryLanguage") == 0 && (strlen(v) < 2 || strlen(v) > 3))
            return "prs_PrimaryLanguage";
        if (strcmp(c, "vic_TraffickingStatus") == 0 && !in_list(v, statuses))
            return "vic_TraffickingStatus";
        if (strcmp(c, "vic_TraffickingStatusDecisionMakingOrg") == 0 && !in_list(v, decision_orgs))
            return "vic_TraffickingStatusDecisionMakingOrg";
        if (strcmp(c, "vic_RelationshipToTrafficker") == 0 && !in_list(v, relationships))
            return "vic_RelationshipToTrafficker";
        if (strcmp(c, "vic_MethodOfRecruitment") == 0 && !multi_ok(v, recruitment))
            return "vic_MethodOfRecruitment";
        if (strcmp(c, "vic_MethodsOfControl") == 0 && !multi_ok(v, control))
            return "vic_MethodsOfControl";
        if (strcmp(c, "vic_TypeOfExploitation") == 0 && !multi_ok(v, exploitation))
            return "vic_TypeOfExploitation";
        if (strcmp(c, "vic_ForcedLabourIndustry") == 0 && !in_list(v, industries))
            return "vic_ForcedLabourIndustry";
        if (strcmp(c, "vic_TypeOfSexExploitation") == 0 && !multi_ok(v, sex_types))
            return "vic_TypeOfSexExploitation";
        if (strcmp(c, "cas_Status") == 0 && !in_list(v, case_statuses))
            return "cas_Status";
        if (strcmp(c, "con_Consent") == 0 && !in_list(v, consents))
            return "con_Consent";
    }
    if (r[0][0] == '\0' || r[1][0] == '\0' || opened == 0)
        return "required field missing";
    if (have_birth && birth > opened)
        return "birth date after case_opened";
    j = (size_t)col_index(t, "age_at_identification");
    if (r[j][0] != '\0') {
        size_t len = strlen(r[j]);
        if (!all_digits(r[j], len) || len > 3)
            return "age_at_identification not a number";
        if (have_birth && num(r[j], len) != synth__age(birth, opened))
            return "age_at_identification disagrees with the birth date";
    }
    return NULL;
}

/* ==== tests ==== */

static void test_options(void **state)
{
    struct synth_options o;
    struct synth *s = NULL;
    struct err e;
    enum synth_noise n;
    (void)state;

    synth_options_init(&o);
    assert_int_equal(synth_options_check(&o, NULL), 0);
    o.persons = 0;
    assert_int_equal(synth_new(&s, &o, &e), ERR_USAGE);
    assert_null(s);
    assert_non_null(strstr(e.msg, "--persons"));
    synth_options_init(&o);
    o.year_from = 2024;
    o.year_to = 2020;
    assert_int_equal(synth_options_check(&o, &e), ERR_USAGE);
    synth_options_init(&o);
    o.invalid_rate = 1.5;
    assert_int_equal(synth_options_check(&o, &e), ERR_USAGE);
    assert_int_equal(synth_noise_parse("high", &n), 0);
    assert_int_equal(n, SYNTH_NOISE_HIGH);
    assert_int_equal(synth_noise_parse("LOW", &n), 0);
    assert_int_equal(n, SYNTH_NOISE_LOW);
    assert_int_equal(synth_noise_parse("loud", &n), ERR_INVALID);
}

static void test_calendar(void **state)
{
    int32_t d;
    int y, m, dd;
    (void)state;

    assert_int_equal(synth__days(1970, 1, 1), 0);
    assert_int_equal(synth__days(2000, 3, 1) - synth__days(2000, 2, 28), 2);
    for (d = synth__days(1899, 12, 25); d < synth__days(2101, 1, 7); d += 13) {
        synth__civil(d, &y, &m, &dd);
        assert_int_equal(synth__days(y, m, dd), d);
    }
    assert_int_equal(synth__age(synth__days(2000, 2, 29), synth__days(2018, 2, 28)), 17);
    assert_int_equal(synth__age(synth__days(2000, 2, 29), synth__days(2018, 3, 1)), 18);
    assert_int_equal(synth__age(synth__days(2001, 5, 5), synth__days(2001, 5, 5)), 0);
}

static void test_typo_keeps_utf8(void **state)
{
    static const char *const names[] = {"Oleksandr", "Юлия", "محمد",     "สมชาย",
                                        "Nguyễn",    "秀英", "Mary Ann", "Ab"};
    struct synth_rng r;
    char buf[SYNTH_NAME_MAX];
    size_t i, k;
    int changed = 0;
    (void)state;

    synth__rng_seed(&r, 42, 99, 0);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        for (k = 0; k < 200; k++) {
            size_t before = strlen(names[i]);
            snprintf(buf, sizeof(buf), "%s", names[i]);
            synth__typo(buf, &r);
            assert_true(valid_utf8_line(buf));
            assert_true(buf[0] != '\0' && buf[0] != ' ' && buf[strlen(buf) - 1] != ' ');
            assert_true(strlen(buf) + 4 >= before && strlen(buf) <= before + 4);
            if (strcmp(buf, names[i]) != 0)
                changed++;
        }
    }
    /* Names of three or more letters (6 of 8 here) nearly always change; "Ab" and "秀英"
     * are too short to be touched. */
    assert_true(changed > 1000 && changed <= 1200);
}

static void test_deterministic(void **state)
{
    struct synth_options o;
    struct synth_summary s1, s2;
    char *d1 = make_dir(), *d2 = make_dir();
    size_t i;
    (void)state;

    synth_options_init(&o);
    o.seed = 12345;
    o.persons = 1500;
    o.agencies = 9;
    o.noise = SYNTH_NOISE_HIGH;
    o.invalid_rate = 0.05;
    generate(&o, d1, &s1);
    generate(&o, d2, &s2);
    assert_memory_equal(&s1, &s2, sizeof(s1));
    assert_int_equal(s1.files, 9 + 2);
    for (i = 0; i <= 10; i++) {
        char p1[512], p2[512];
        const char *name = i < 9 ? NULL : (i == 9 ? "truth" : "invalid");
        char *a, *b;
        size_t la = 0, lb = 0;
        struct synth *s = NULL;
        struct err e;
        if (name == NULL) {
            assert_int_equal(synth_new(&s, &o, &e), 0);
            snprintf(p1, sizeof(p1), "%s/%s.csv", d1, synth_agency_name(s, i));
            snprintf(p2, sizeof(p2), "%s/%s.csv", d2, synth_agency_name(s, i));
            synth_free(s);
        } else {
            snprintf(p1, sizeof(p1), "%s/%s.csv", d1, name);
            snprintf(p2, sizeof(p2), "%s/%s.csv", d2, name);
        }
        a = read_file(p1, &la);
        b = read_file(p2, &lb);
        assert_non_null(a);
        assert_non_null(b);
        assert_true(la > 30);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        free(a);
        free(b);
    }
    /* Another seed gives other data. */
    o.seed = 12346;
    generate(&o, d2, &s2);
    {
        char p1[512], p2[512];
        char *a, *b;
        size_t la = 0, lb = 0;
        snprintf(p1, sizeof(p1), "%s/truth.csv", d1);
        snprintf(p2, sizeof(p2), "%s/truth.csv", d2);
        a = read_file(p1, &la);
        b = read_file(p2, &lb);
        assert_true(la != lb || memcmp(a, b, la) != 0);
        free(a);
        free(b);
    }
    remove_dir(d1);
    remove_dir(d2);
}

/* Rows, truth and invalid rows agree; every row passes check_row(). */
static void test_rows_truth_and_validity(void **state)
{
    struct synth_options o;
    struct synth_summary sum;
    struct synth *s = NULL;
    struct table truth, inv;
    char *dir = make_dir();
    size_t i, j, rows = 0, invalid_rows = 0;
    unsigned *agencies_of = NULL; /* bit per agency, per person */
    struct err e;
    (void)state;

    synth_options_init(&o);
    o.seed = 7;
    o.persons = 3000;
    o.agencies = 10;
    o.noise = SYNTH_NOISE_HIGH;
    o.invalid_rate = 0.03;
    assert_int_equal(synth_new(&s, &o, &e), 0);
    assert_int_equal(synth_write(s, dir, &sum, &e), 0);
    assert_int_equal(sum.persons, 3000);
    assert_int_equal(sum.agencies, 10);
    assert_int_equal(sum.records, synth_nrecords(s));
    assert_true(sum.invalid > 0);

    assert_true(load_csv(dir, "truth", &truth));
    assert_true(load_csv(dir, "invalid", &inv));
    assert_string_equal(truth.rows[0][0], "agency");
    assert_string_equal(truth.rows[0][1], "case_ref");
    assert_string_equal(truth.rows[0][2], "person_id");
    assert_int_equal(truth.nrows - 1, sum.records);
    assert_int_equal(inv.nrows - 1, sum.invalid);
    CALLOC_ARRAY(agencies_of, o.persons + 1);
    for (i = 1; i < truth.nrows; i++) {
        long pid = strtol(truth.rows[i][2], NULL, 10);
        int ag = -1;
        assert_true(pid >= 1 && pid <= (long)o.persons);
        for (j = 0; j < o.agencies; j++) {
            if (strcmp(truth.rows[i][0], synth_agency_name(s, j)) == 0)
                ag = (int)j;
        }
        assert_true(ag >= 0);
        agencies_of[pid] |= 1u << ag;
    }
    for (i = 1; i <= o.persons; i++) {
        int n = __builtin_popcount(agencies_of[i]);
        struct synth_person_info info;
        synth_person_info(s, i - 1, &info);
        assert_true(n >= 1 && n <= 4);
        assert_int_equal((unsigned)n, info.nagencies);
    }

    for (j = 0; j < o.agencies; j++) {
        struct table t;
        const char *name = synth_agency_name(s, j);
        size_t ncols;
        const char *const *cols = synth_columns(&ncols);

        assert_true(load_csv(dir, name, &t));
        assert_int_equal(t.ncols[0], ncols);
        for (i = 0; i < ncols; i++)
            assert_string_equal(t.rows[0][i], cols[i]);
        for (i = 1; i < t.nrows; i++) {
            size_t k;
            bool is_invalid = false, in_truth = false;
            const char *why;
            for (k = 1; k < inv.nrows && !is_invalid; k++)
                is_invalid =
                    strcmp(inv.rows[k][0], name) == 0 && strcmp(inv.rows[k][1], t.rows[i][0]) == 0;
            for (k = 1; k < truth.nrows && !in_truth; k++)
                in_truth = strcmp(truth.rows[k][0], name) == 0 &&
                           strcmp(truth.rows[k][1], t.rows[i][0]) == 0;
            assert_true(is_invalid != in_truth);
            why = check_row(&t, i, name);
            if (is_invalid) {
                invalid_rows++;
                /* The checks here do not cover every defect (e.g. an unknown country
                 * code that looks like one), but the rest must fail them. */
            } else {
                if (why != NULL)
                    fail_msg("%s row %zu: %s", name, i, why);
                rows++;
            }
        }
        free_table(&t);
    }
    assert_int_equal(rows, sum.records);
    assert_int_equal(invalid_rows, sum.invalid);
    free(agencies_of);
    free_table(&truth);
    free_table(&inv);
    synth_free(s);
    remove_dir(dir);
}

/* Deliberately invalid rows break the rule their reason names. */
static void test_invalid_rows_are_invalid(void **state)
{
    struct synth_options o;
    struct synth_summary sum;
    struct synth *s = NULL;
    struct table inv;
    char *dir = make_dir();
    size_t i, j, checked = 0;
    struct err e;
    (void)state;

    synth_options_init(&o);
    o.seed = 3;
    o.persons = 2000;
    o.agencies = 4;
    o.invalid_rate = 0.2;
    assert_int_equal(synth_new(&s, &o, &e), 0);
    assert_int_equal(synth_write(s, dir, &sum, &e), 0);
    assert_true(load_csv(dir, "invalid", &inv));
    for (j = 0; j < o.agencies; j++) {
        struct table t;
        const char *name = synth_agency_name(s, j);
        int g = -1, c = -1;
        assert_true(load_csv(dir, name, &t));
        g = col_index(&t, "prs_Gender");
        c = col_index(&t, "prs_Citizenship");
        for (i = 1; i < t.nrows; i++) {
            size_t k;
            const char *reason = NULL;
            for (k = 1; k < inv.nrows; k++) {
                if (strcmp(inv.rows[k][0], name) == 0 && strcmp(inv.rows[k][1], t.rows[i][0]) == 0)
                    reason = inv.rows[k][2];
            }
            if (reason == NULL)
                continue;
            checked++;
            if (strcmp(reason, "unknown-gender") == 0)
                assert_false(in_list(t.rows[i][g], genders));
            else if (strcmp(reason, "unknown-country") == 0)
                assert_string_equal(t.rows[i][c], "ZZZ");
            else
                assert_non_null(check_row(&t, i, name));
        }
        free_table(&t);
    }
    assert_int_equal(checked, sum.invalid);
    assert_true(checked > 100);
    free_table(&inv);
    synth_free(s);
    remove_dir(dir);
}

/* Group and form shares on 20,000 persons are those of the Global Report 2024. */
static void test_global_report_shares(void **state)
{
    struct synth_options o;
    struct synth *s = NULL;
    struct err e;
    size_t i, group[4] = {0}, form[SYNTH_NFORMS] = {0}, agencies[5] = {0};
    size_t n;
    (void)state;

    synth_options_init(&o);
    o.seed = 2024;
    o.persons = 20000;
    o.agencies = 8;
    assert_int_equal(synth_new(&s, &o, &e), 0);
    n = synth_npersons(s);
    assert_int_equal(n, 20000);
    for (i = 0; i < n; i++) {
        struct synth_person_info p;
        synth_person_info(s, i, &p);
        group[p.group]++;
        form[p.form]++;
        assert_true(p.nagencies >= 1 && p.nagencies <= 4);
        agencies[p.nagencies]++;
        if (p.group == SYNTH_GIRL || p.group == SYNTH_BOY)
            assert_true(p.age < 18);
        else
            assert_true(p.age >= 18);
    }
    /* Targets 39/22/23/16 %; the binomial standard error is under 0.4 points. */
    assert_true(labs((long)group[SYNTH_WOMAN] - 7800) < 300);
    assert_true(labs((long)group[SYNTH_GIRL] - 4400) < 300);
    assert_true(labs((long)group[SYNTH_MAN] - 4600) < 300);
    assert_true(labs((long)group[SYNTH_BOY] - 3200) < 300);
    /* Forms: sexual exploitation 38 %, forced labour 42 %, forced criminality 8 %. */
    assert_true(labs((long)form[SYNTH_FORM_SEXUAL] - 7600) < 400);
    assert_true(labs((long)form[SYNTH_FORM_LABOUR] - 8400) < 400);
    assert_true(labs((long)form[SYNTH_FORM_CRIMINALITY] - 1600) < 250);
    /* Agencies per person 60/25/10/5 % (with 8 agencies nothing caps it). */
    assert_true(labs((long)agencies[1] - 12000) < 500);
    assert_true(labs((long)agencies[2] - 5000) < 400);
    assert_true(labs((long)agencies[4] - 1000) < 250);
    synth_free(s);
}

/* Names appear in Cyrillic, Arabic and Thai, and one person under two romanisations. */
static bool has_script(const char *v, unsigned char lead_lo, unsigned char lead_hi, int second)
{
    const unsigned char *p = (const unsigned char *)v;

    for (; p[0] != '\0'; p++) {
        if (p[0] >= lead_lo && p[0] <= lead_hi && (second < 0 || p[1] == second))
            return true;
    }
    return false;
}

static void test_scripts_and_romanisations(void **state)
{
    struct synth_options o;
    struct synth_summary sum;
    struct synth *s = NULL;
    struct table truth;
    char *dir = make_dir();
    size_t i, j, cyr = 0, arab = 0, thai = 0, mixed = 0, romanised = 0;
    char **first_of = NULL; /* a Latin first name seen per person */
    bool *native_of = NULL, *latin_of = NULL;
    struct err e;
    (void)state;

    synth_options_init(&o);
    o.seed = 11;
    o.persons = 4000;
    o.agencies = 16; /* Germany, Thailand, the United States, the Emirates */
    o.noise = SYNTH_NOISE_LOW;
    assert_int_equal(synth_new(&s, &o, &e), 0);
    assert_int_equal(synth_write(s, dir, &sum, &e), 0);
    assert_true(load_csv(dir, "truth", &truth));
    CALLOC_ARRAY(first_of, o.persons + 1);
    CALLOC_ARRAY(native_of, o.persons + 1);
    CALLOC_ARRAY(latin_of, o.persons + 1);
    for (j = 0; j < o.agencies; j++) {
        struct table t;
        const char *name = synth_agency_name(s, j);
        int fc;
        size_t k = 1;
        assert_true(load_csv(dir, name, &t));
        fc = col_index(&t, "prs_FirstName");
        for (i = 1; i < t.nrows; i++) {
            const char *v = t.rows[i][fc];
            long pid = 0;
            bool native = false;
            if (has_script(v, 0xD0, 0xD1, -1))
                cyr++, native = true;
            if (has_script(v, 0xD8, 0xDB, -1))
                arab++, native = true;
            if (has_script(v, 0xE0, 0xE0, 0xB8) || has_script(v, 0xE0, 0xE0, 0xB9))
                thai++, native = true;
            /* truth rows of this agency are in file order */
            for (; k < truth.nrows; k++) {
                if (strcmp(truth.rows[k][0], name) == 0 &&
                    strcmp(truth.rows[k][1], t.rows[i][0]) == 0) {
                    pid = strtol(truth.rows[k][2], NULL, 10);
                    break;
                }
            }
            assert_true(pid > 0);
            if (native) {
                native_of[pid] = true;
            } else if (v[0] != '\0') {
                latin_of[pid] = true;
                if (first_of[pid] == NULL)
                    first_of[pid] = xstrdup(v);
                else if (strcasecmp(first_of[pid], v) != 0)
                    romanised++;
            }
        }
        free_table(&t);
    }
    for (i = 1; i <= o.persons; i++) {
        if (native_of[i] && latin_of[i])
            mixed++;
        free(first_of[i]);
    }
    assert_true(cyr > 20);
    assert_true(arab > 20);
    assert_true(thai > 20);
    /* The same person written in the original script by one agency, in Latin by another. */
    assert_true(mixed > 20);
    /* Two Latin spellings of one person's first name (romanisation or typo). */
    assert_true(romanised > 20);
    free(first_of);
    free(native_of);
    free(latin_of);
    free_table(&truth);
    synth_free(s);
    remove_dir(dir);
}

/* The romanisation variants of one Cyrillic name are all used for the same person. */
static void test_variants_of_one_name(void **state)
{
    struct synth_options o;
    struct synth *s = NULL;
    struct err e;
    struct synth_rng r;
    const struct synth_table *ru = NULL;
    struct synth_agency police, shelter;
    struct synth_person p;
    char first[SYNTH_NAME_MAX], middle[SYNTH_NAME_MAX], second[SYNTH_NAME_MAX];
    bool seen_icao = false, seen_bgn = false, seen_popular = false, seen_native = false;
    size_t i;
    int k;
    (void)state;

    synth_options_init(&o);
    o.persons = 1;
    assert_int_equal(synth_new(&s, &o, &e), 0);
    for (i = 0; i < s->ntables; i++) {
        if (strcmp(s->tables[i].key, "ru") == 0)
            ru = &s->tables[i];
    }
    assert_non_null(ru);
    /* Юлия: ICAO 9303 "Iuliia", BGN/PCGN "Yuliya", popular "Julia". */
    memset(&p, 0, sizeof(p));
    p.table = (uint8_t)(ru - s->tables);
    p.sex = SYNTH_F;
    p.middle = SYNTH_NONE;
    p.surname2 = SYNTH_NONE;
    for (i = 0; i < ru->given[SYNTH_F].n; i++) {
        if (strcmp(ru->given[SYNTH_F].items[i].native[SYNTH_F], "Юлия") == 0)
            p.given = (uint16_t)i;
    }
    assert_string_equal(ru->given[SYNTH_F].items[p.given].native[SYNTH_F], "Юлия");
    p.citizenship = 0; /* not the agencies' country */
    for (i = 0; i < s->ncountries; i++) {
        if (strcmp(s->countries[i].a3, "RUS") == 0)
            p.citizenship = (uint16_t)i;
    }
    police = s->agencies[0];
    shelter = s->agencies[1];
    assert_int_equal(police.kind, SYNTH_AG_POLICE);
    assert_int_equal(shelter.kind, SYNTH_AG_SHELTER);
    assert_true((shelter.scripts & (1u << SYNTH_SCRIPT_CYRILLIC)) != 0);
    synth__rng_seed(&r, 1, 77, 0);
    for (k = 0; k < 400; k++) {
        const struct synth_noise_rates *nz = synth__noise_rates(SYNTH_NOISE_LOW);
        synth__render_names(s, &p, k % 2 ? &police : &shelter, &r, nz, first, middle, second);
        seen_icao |= strcmp(first, "Iuliia") == 0;
        seen_bgn |= strcmp(first, "Yuliya") == 0;
        seen_popular |= strcmp(first, "Julia") == 0;
        seen_native |= strcmp(first, "Юлия") == 0;
    }
    assert_true(seen_icao && seen_bgn && seen_popular && seen_native);
    /* Feminine surnames: Иванова / Ivanova. */
    for (i = 0; i < ru->surname[SYNTH_F].n; i++) {
        if (strcmp(ru->surname[SYNTH_F].items[i].native[SYNTH_M], "Иванов") == 0) {
            assert_string_equal(ru->surname[SYNTH_F].items[i].native[SYNTH_F], "Иванова");
            assert_string_equal(ru->surname[SYNTH_F].items[i].latin[SYNTH_F][0], "Ivanova");
        }
    }
    synth_free(s);
}

/* Every embedded name table loads and has names for both sexes. */
static void test_tables_load(void **state)
{
    struct synth_options o;
    struct synth *s = NULL;
    struct err e;
    size_t i;
    (void)state;

    synth_options_init(&o);
    o.persons = 1;
    assert_int_equal(synth_new(&s, &o, &e), 0);
    assert_true(s->ntables >= 19);
    assert_true(s->ndetects >= 8);
    for (i = 0; i < s->ntables; i++) {
        const struct synth_table *t = &s->tables[i];
        assert_true(t->given[SYNTH_F].n >= 20);
        assert_true(t->given[SYNTH_M].n >= 20);
        if (t->surname_src == SYNTH_SRC_OWN)
            assert_true(t->surname[SYNTH_F].n >= 20 && t->surname[SYNTH_M].n >= 20);
    }
    synth_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_typo_keeps_utf8),
        cmocka_unit_test(test_tables_load),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_rows_truth_and_validity),
        cmocka_unit_test(test_invalid_rows_are_invalid),
        cmocka_unit_test(test_global_report_shares),
        cmocka_unit_test(test_scripts_and_romanisations),
        cmocka_unit_test(test_variants_of_one_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
