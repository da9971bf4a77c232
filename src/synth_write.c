/*
 * synth_write.c: rendering the drawn records as HTCDS rows and writing the files:
 * one CSV per agency (rows shuffled), truth.csv (agency,case_ref,person_id) and,
 * with --invalid-rate, invalid.csv (agency,case_ref,reason) for the deliberately bad
 * rows, which truth.csv leaves out.
 *
 * Each row is a pure function of (seed, record number): its own PRNG stream decides
 * the names as the agency writes them, the date formats, the gaps and the picklist
 * values. Rows are built in a struct buf and written in blocks of a few MiB.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "csv.h"
#include "rec.h"
#include "synth_int.h"
#include "xalloc.h"

#include "banned.h"

#define FLUSH_AT  ((size_t)4 << 20)
#define BUF_LIMIT ((size_t)1 << 30)

/* ==== columns ==== */

static const char *const field_names[REC_NFIELDS] = {
#define REC_FIELD(id, name, type, pii, flags) name,
#include "rec_fields.h"
#undef REC_FIELD
};

/* The fields the generator fills, in rec_fields.h order. */
enum col {
    C_CASE_REF,
    C_ORG_NAME,
    C_ORG_TYPE,
    C_ORG_COUNTRY,
    C_CASE_OPENED,
    C_EXPLOIT_COUNTRY,
    C_AGE_AT_ID,
    C_FIRST_NAME,
    C_MIDDLE_NAME,
    C_SECOND_NAME,
    C_BIRTHDATE,
    C_GENDER,
    C_LANGUAGE,
    C_CITIZENSHIP,
    C_STATUS,
    C_DECISION_ORG,
    C_RELATIONSHIP,
    C_RECRUITMENT,
    C_CONTROL,
    C_EXPLOIT_TYPE,
    C_INDUSTRY,
    C_SEX_TYPE,
    C_CASE_STATUS,
    C_CONSENT,
    NCOLS
};

static const int col_field[NCOLS] = {
    REC_F_CASE_REF,           REC_F_ORG_NAME,
    REC_F_ORG_TYPE,           REC_F_ORG_COUNTRY,
    REC_F_CASE_OPENED,        REC_F_EXPLOIT_COUNTRY,
    REC_F_AGE_AT_ID,          REC_F_FIRST_NAME,
    REC_F_MIDDLE_NAME,        REC_F_SECOND_NAME,
    REC_F_BIRTHDATE,          REC_F_GENDER,
    REC_F_PRIMARY_LANGUAGE,   REC_F_CITIZENSHIP,
    REC_F_TRAFFICKING_STATUS, REC_F_STATUS_DECISION_ORG,
    REC_F_RELATIONSHIP,       REC_F_RECRUITMENT_METHOD,
    REC_F_METHODS_OF_CONTROL, REC_F_EXPLOITATION_TYPE,
    REC_F_LABOUR_INDUSTRY,    REC_F_SEX_EXPLOITATION_TYPE,
    REC_F_CASE_STATUS,        REC_F_CONSENT,
};

const char *const *synth_columns(size_t *n)
{
    static const char *cols[NCOLS];
    size_t i;

    for (i = 0; i < NCOLS; i++)
        cols[i] = field_names[col_field[i]];
    *n = NCOLS;
    return cols;
}

/* ==== HTCDS values ==== */

static const char *const org_types[SYNTH_NAGENCY_KINDS] = {"LawEnforcement",
                                                           "NGO",
                                                           "ImmigrationService",
                                                           "CentralGovernmentOrganisation",
                                                           "LocalGovernmentOrganisation",
                                                           "NGO",
                                                           "LegalService",
                                                           "HealthServiceOrganisation"};

static const char *const months[12] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

/* Forced labour industries (ISIC sections) by sex, with weights (assumption). */
struct weighted {
    const char *value;
    uint32_t weight;
};

static const struct weighted industry_f[] = {{"T_ActivitiesOfHouseholdsAsEmployers", 35},
                                             {"I_AccommodationAndFoodServiceActivities", 20},
                                             {"C_Manufacturing", 15},
                                             {"A_AgricultureForestryAndFishing", 20},
                                             {"S_OtherServiceActivities", 10}};
static const struct weighted industry_m[] = {{"A_AgricultureForestryAndFishing", 30},
                                             {"F_Construction", 25},
                                             {"C_Manufacturing", 15},
                                             {"B_MiningAndQuarrying", 5},
                                             {"I_AccommodationAndFoodServiceActivities", 8},
                                             {"H_TransportationAndStorage", 5},
                                             {"T_ActivitiesOfHouseholdsAsEmployers", 7},
                                             {"G_WholesaleAndRetailTradeRepairOfMotorVehicles", 5}};
static const struct weighted sex_types[] = {{"Prostitution", 70},
                                            {"Pornography", 10},
                                            {"RemoteInteractiveServices", 10},
                                            {"PrivateSexualServices", 10}};

/* Pick by a stored byte (0..255) so that every record of a person agrees. */
static const char *by_byte(const struct weighted *w, size_t n, unsigned byte)
{
    uint32_t total = 0, x;
    size_t i;

    for (i = 0; i < n; i++)
        total += w[i].weight;
    x = (uint32_t)byte * total / 256;
    for (i = 0; i < n; i++) {
        if (x < w[i].weight)
            return w[i].value;
        x -= w[i].weight;
    }
    return w[n - 1].value;
}

/* vic_MethodsOfControl in HTCDS order, with inclusion chances by form (assumption). */
static const char *const control_values[] = {"PhysicalThreats",
                                             "ThreatsLawEnforcement",
                                             "ThreatensChildrenFamily",
                                             "DebtBondage",
                                             "FalsePromises",
                                             "PhysicalAbuse",
                                             "SexualAbuse",
                                             "TakesEarnings",
                                             "RestrictsFinancialAccess",
                                             "RestrictsMedicalCare",
                                             "WithholdsNecessities",
                                             "PsychologicalAbuse",
                                             "PsychoactiveSubstance",
                                             "ExcessiveWorkingHours",
                                             "WithholdsDocuments",
                                             "Other"};
#define NCONTROL (sizeof(control_values) / sizeof(control_values[0]))
static const unsigned char control_sexual[NCONTROL] = {30, 15, 20, 35, 40, 30, 30, 40,
                                                       10, 5,  5,  40, 15, 5,  30, 3};
static const unsigned char control_labour[NCONTROL] = {20, 20, 10, 45, 45, 10, 2,  35,
                                                       20, 10, 15, 20, 2,  45, 50, 3};
static const unsigned char control_other[NCONTROL] = {35, 15, 20, 25, 35, 25, 5,  30,
                                                      10, 5,  15, 35, 10, 20, 25, 5};

static const char *const recruit_values[] = {"AtAPlaceOfBusiness",
                                             "AtAnEducationalInstitution",
                                             "AtWork",
                                             "ThroughOnlineSocialNetworks",
                                             "ThroughAnOnlineAdvertisement",
                                             "ThroughATelevisionAdvert",
                                             "ThroughANewspaperAdvert",
                                             "ThroughFamilyOrFamilyEvents",
                                             "ThroughFriendsOrSocialEvents",
                                             "Other"};
static const uint32_t recruit_w[] = {5, 3, 5, 25, 15, 1, 1, 15, 25, 5};

/* ==== dates ==== */

static void format_date(int32_t day, enum synth_date_style style, char *out, size_t size)
{
    int y, m, d;

    synth__civil(day, &y, &m, &d);
    switch (style) {
    case SYNTH_DATE_DOT:
        if (d > 12 || d == m) {
            snprintf(out, size, "%02d.%02d.%04d", d, m, y);
            return;
        }
        break;
    case SYNTH_DATE_LONG:
        snprintf(out, size, "%d %s %04d", d, months[m - 1], y);
        return;
    case SYNTH_DATE_COMPACT:
        snprintf(out, size, "%04d%02d%02d", y, m, d);
        return;
    case SYNTH_DATE_SLASH:
        snprintf(out, size, "%04d/%02d/%02d", y, m, d);
        return;
    case SYNTH_DATE_ISO:
        break;
    }
    snprintf(out, size, "%04d-%02d-%02d", y, m, d);
}

/* The birth date as recorded: off by a day or a month, or day and month swapped. */
static int32_t noisy_birth(int32_t birth, int32_t opened, struct synth_rng *r,
                           const struct synth_noise_rates *nz)
{
    int y, m, d;
    int32_t b = birth;

    synth__civil(birth, &y, &m, &d);
    if (synth__rng_chance(r, nz->date_shift)) {
        if (synth__rng_chance(r, 0.5)) {
            b = birth + (synth__rng_chance(r, 0.5) ? 1 : -1);
        } else {
            int nm = m + (synth__rng_chance(r, 0.5) ? 1 : -1);
            if (nm >= 1 && nm <= 12) {
                int dim = synth__days_in_month(y, nm);
                b = synth__days(y, nm, d > dim ? dim : d);
            }
        }
    } else if (d <= 12 && d != m && synth__rng_chance(r, nz->date_swap)) {
        b = synth__days(y, d, m);
    }
    return b <= opened ? b : birth;
}

/* ==== one row ==== */

enum invalid_kind {
    INV_NONE,
    INV_BAD_DATE,
    INV_AMBIGUOUS_DATE,
    INV_BIRTH_AFTER_CASE,
    INV_AGE_MISMATCH,
    INV_BAD_GENDER,
    INV_BAD_COUNTRY,
    INV_MISSING_ORG,
    INV_BAD_CONSENT,
    NINV
};

static const char *const invalid_reasons[NINV] = {
    "",
    "invalid-birthdate",
    "ambiguous-birthdate",
    "birthdate-after-case-opened",
    "age-mismatch",
    "unknown-gender",
    "unknown-country",
    "missing-org-name",
    "invalid-consent",
};

struct row {
    const char *f[NCOLS];
    char case_ref[48];
    char opened[32];
    char birth[32];
    char age[16];
    char first[SYNTH_NAME_MAX];
    char middle[SYNTH_NAME_MAX];
    char second[SYNTH_NAME_MAX];
    char control[512];
    char recruit[128];
    char etype[128];
};

static const char *country_code(const struct synth *s, int c, const struct synth_agency *a,
                                struct synth_rng *r)
{
    bool a2 = a->alpha2 ? !synth__rng_chance(r, 0.1) : synth__rng_chance(r, 0.05);

    return a2 ? s->countries[c].a2 : s->countries[c].a3;
}

static void join(char *dst, size_t size, const char *const *values, size_t n,
                 const unsigned char *chance_pct, struct synth_rng *r)
{
    size_t i, o = 0;

    dst[0] = '\0';
    for (i = 0; i < n; i++) {
        size_t l = strlen(values[i]);
        if (!synth__rng_chance(r, chance_pct[i] / 100.0))
            continue;
        if (o + l + 2 >= size)
            break;
        if (o > 0)
            dst[o++] = ';';
        memcpy(dst + o, values[i], l);
        o += l;
        dst[o] = '\0';
    }
    if (o == 0)
        snprintf(dst, size, "%s", values[synth__rng_below(r, (uint32_t)n)]);
}

static const char *exploitation_type(const struct synth_person *p, struct synth_rng *r,
                                     bool *labour, bool *sexual)
{
    bool child = p->group == SYNTH_GIRL || p->group == SYNTH_BOY;
    bool vary = synth__rng_chance(r, 0.08);
    const char *v = "Other";

    switch ((enum synth_form)p->form) {
    case SYNTH_FORM_SEXUAL:
        v = vary ? "ForcedLabour;SexualExploitation" : "SexualExploitation";
        break;
    case SYNTH_FORM_LABOUR:
        v = vary ? "ForcedLabour;Servitude"
                 : (child && synth__rng_chance(r, 0.4) ? "ForcedLabour;ChildLabour"
                                                       : "ForcedLabour");
        break;
    case SYNTH_FORM_CRIMINALITY:
        /* tiphub's extension value (data/codes/htcds_extensions.csv): HTCDS 2.0 has none. */
        v = vary ? "ForcedLabour;ForcedCriminality" : "ForcedCriminality";
        break;
    case SYNTH_FORM_BEGGING:
        v = vary ? "ForcedLabour;ForcedBegging" : "ForcedBegging";
        break;
    case SYNTH_FORM_MARRIAGE:
        v = vary ? "SexualExploitation;ForcedMarriage" : "ForcedMarriage";
        break;
    case SYNTH_FORM_MIXED:
        v = vary ? "SexualExploitation" : "ForcedLabour;SexualExploitation";
        break;
    case SYNTH_FORM_ORGAN:
        v = vary ? "Other" : "OrganRemoval";
        break;
    case SYNTH_FORM_OTHER:
    case SYNTH_NFORMS:
        v = vary ? "ForcedLabour" : "Other";
        break;
    }
    *labour = strncmp(v, "ForcedLabour", 12) == 0;
    *sexual = strstr(v, "SexualExploitation") != NULL;
    return v;
}

static void render_row(const struct synth *s, uint32_t rec_idx, enum invalid_kind inv,
                       struct row *row)
{
    const struct synth_record *rec = &s->records[rec_idx];
    const struct synth_person *p = &s->persons[rec->person];
    const struct synth_agency *a = &s->agencies[rec->agency];
    const struct synth_noise_rates *nz = synth__noise_rates(s->opt.noise);
    const struct synth_country *cit = &s->countries[p->citizenship];
    struct synth_rng r;
    enum synth_date_style ds;
    bool labour = false, sexual = false, have_birth;
    int32_t birth;
    int status;
    const char **f = row->f;
    double miss = nz->miss_field;

    synth__rng_seed(&r, s->opt.seed, SYNTH_STREAM_RECORD, rec_idx);
    memset(f, 0, sizeof(row->f));
    ds = synth__rng_chance(&r, nz->date_style) ? a->date_style : SYNTH_DATE_ISO;

    f[C_CASE_REF] = row->case_ref;
    f[C_ORG_NAME] = a->name;
    f[C_ORG_TYPE] = org_types[a->kind];
    f[C_ORG_COUNTRY] = a->alpha2 ? s->countries[a->country].a2 : s->countries[a->country].a3;
    format_date(rec->day, ds, row->opened, sizeof(row->opened));
    f[C_CASE_OPENED] = row->opened;
    if (!synth__rng_chance(&r, miss))
        f[C_EXPLOIT_COUNTRY] = country_code(s, p->exploit, a, &r);

    /* Birth date and age at identification, always consistent with each other. */
    have_birth = !synth__rng_chance(&r, nz->miss_birth);
    birth = noisy_birth(p->birth, rec->day, &r, nz);
    if (have_birth) {
        format_date(birth, ds, row->birth, sizeof(row->birth));
        f[C_BIRTHDATE] = row->birth;
        if (synth__rng_chance(&r, 0.5)) {
            snprintf(row->age, sizeof(row->age), "%d", synth__age(birth, rec->day));
            f[C_AGE_AT_ID] = row->age;
        }
    } else if (synth__rng_chance(&r, 0.8)) {
        /* No birth date: the caseworker estimates the age. */
        int age = synth__age(p->birth, rec->day);
        int err = synth__rng_chance(&r, 0.6) ? 0 : (int)synth__rng_below(&r, 5) - 2;
        snprintf(row->age, sizeof(row->age), "%d", age + err < 0 ? 0 : age + err);
        f[C_AGE_AT_ID] = row->age;
    }

    synth__render_names(s, p, a, &r, nz, row->first, row->middle, row->second);
    f[C_FIRST_NAME] = row->first;
    f[C_MIDDLE_NAME] = row->middle;
    f[C_SECOND_NAME] = row->second;
    if (!synth__rng_chance(&r, miss / 2))
        f[C_GENDER] = p->sex == SYNTH_F ? "Feminine" : "Masculine";
    if (cit->lang[0] != '\0' && synth__rng_chance(&r, 0.6))
        f[C_LANGUAGE] = cit->lang;
    if (!synth__rng_chance(&r, miss))
        f[C_CITIZENSHIP] = country_code(s, p->citizenship, a, &r);

    /* Trafficking status and who decided it. */
    {
        static const char *const st[3] = {"PossibleVictimOfTrafficking",
                                          "ActualVictimOfTrafficking", "NotAVictimOfTrafficking"};
        static const uint32_t w_police[3] = {47, 50, 3}, w_ngo[3] = {70, 27, 3},
                              w_other[3] = {75, 20, 5};
        const uint32_t *w = a->kind == SYNTH_AG_POLICE ? w_police
                            : (a->kind == SYNTH_AG_SHELTER || a->kind == SYNTH_AG_HOTLINE)
                                ? w_ngo
                                : w_other;
        status = (int)synth__rng_pick(&r, w, 3);
        if (!synth__rng_chance(&r, miss))
            f[C_STATUS] = st[status];
        if (f[C_STATUS] != NULL && status != 0 && synth__rng_chance(&r, 0.7)) {
            if (status == 1 && synth__rng_chance(&r, 0.1))
                f[C_DECISION_ORG] = "CourtOrProsecution";
            else if (a->kind == SYNTH_AG_POLICE)
                f[C_DECISION_ORG] = "Police";
            else if (a->kind == SYNTH_AG_SHELTER || a->kind == SYNTH_AG_HOTLINE)
                f[C_DECISION_ORG] = "NGO";
            else
                f[C_DECISION_ORG] = "NonPoliceGovernmentalOrganization";
        }
    }
    if (synth__rng_chance(&r, 0.5)) {
        bool child = p->group == SYNTH_GIRL || p->group == SYNTH_BOY;
        uint32_t w[3] = {child ? 35u : 10u, 45, child ? 20u : 45u};
        static const char *const rel[3] = {"Familial", "Acquainted", "Unaquainted"};
        f[C_RELATIONSHIP] = rel[synth__rng_pick(&r, w, 3)];
    }
    if (synth__rng_chance(&r, 0.5)) {
        size_t n = sizeof(recruit_values) / sizeof(recruit_values[0]);
        size_t i1 = synth__rng_pick(&r, recruit_w, n), i2 = synth__rng_pick(&r, recruit_w, n);
        if (i1 != i2 && synth__rng_chance(&r, 0.15))
            snprintf(row->recruit, sizeof(row->recruit), "%s;%s", recruit_values[i1 < i2 ? i1 : i2],
                     recruit_values[i1 < i2 ? i2 : i1]);
        else
            snprintf(row->recruit, sizeof(row->recruit), "%s", recruit_values[i1]);
        f[C_RECRUITMENT] = row->recruit;
    }
    if (!synth__rng_chance(&r, miss / 2)) {
        const char *v = exploitation_type(p, &r, &labour, &sexual);
        snprintf(row->etype, sizeof(row->etype), "%s", v);
        f[C_EXPLOIT_TYPE] = row->etype;
    } else {
        labour = p->form == SYNTH_FORM_LABOUR || p->form == SYNTH_FORM_MIXED;
        sexual = p->form == SYNTH_FORM_SEXUAL || p->form == SYNTH_FORM_MIXED;
    }
    if (synth__rng_chance(&r, 0.7)) {
        const unsigned char *pct = sexual   ? control_sexual
                                   : labour ? control_labour
                                            : control_other;
        join(row->control, sizeof(row->control), control_values, NCONTROL, pct, &r);
        f[C_CONTROL] = row->control;
    }
    if (labour && synth__rng_chance(&r, 0.8)) {
        f[C_INDUSTRY] =
            p->sex == SYNTH_F
                ? by_byte(industry_f, sizeof(industry_f) / sizeof(industry_f[0]), p->industry)
                : by_byte(industry_m, sizeof(industry_m) / sizeof(industry_m[0]), p->industry);
    }
    if (sexual && synth__rng_chance(&r, 0.7))
        f[C_SEX_TYPE] = by_byte(sex_types, 4, p->sexform);
    {
        static const char *const cs[4] = {"Active", "FollowUp", "Closed", "ClosedReferred"};
        static const uint32_t cw[4] = {35, 20, 30, 15};
        f[C_CASE_STATUS] = cs[synth__rng_pick(&r, cw, 4)];
    }
    if (!synth__rng_chance(&r, miss)) {
        static const char *const yes[3] = {"true", "yes", "1"}, *const no[3] = {"false", "no", "0"};
        f[C_CONSENT] = synth__rng_chance(&r, 0.85) ? yes[a->consent_style] : no[a->consent_style];
    }

    /* A deliberately invalid row: one defect the importer must catch. */
    switch (inv) {
    case INV_BAD_DATE: {
        int y, m, d;
        synth__civil(p->birth, &y, &m, &d);
        snprintf(row->birth, sizeof(row->birth), "%04d-02-30", y);
        f[C_BIRTHDATE] = row->birth;
        break;
    }
    case INV_AMBIGUOUS_DATE: {
        int y, m, d;
        int dd = 1 + (int)synth__rng_below(&r, 12);
        int mm = 1 + (int)synth__rng_below(&r, 11);
        synth__civil(p->birth, &y, &m, &d);
        if (mm >= dd)
            mm++;
        snprintf(row->birth, sizeof(row->birth), "%02d/%02d/%04d", dd, mm, y);
        f[C_BIRTHDATE] = row->birth;
        f[C_AGE_AT_ID] = NULL;
        break;
    }
    case INV_BIRTH_AFTER_CASE:
        format_date(rec->day + 1 + (int32_t)synth__rng_below(&r, 300), SYNTH_DATE_ISO, row->birth,
                    sizeof(row->birth));
        f[C_BIRTHDATE] = row->birth;
        f[C_AGE_AT_ID] = NULL;
        break;
    case INV_AGE_MISMATCH:
        format_date(p->birth, SYNTH_DATE_ISO, row->birth, sizeof(row->birth));
        f[C_BIRTHDATE] = row->birth;
        snprintf(row->age, sizeof(row->age), "%d", synth__age(p->birth, rec->day) + 3);
        f[C_AGE_AT_ID] = row->age;
        break;
    case INV_BAD_GENDER:
        f[C_GENDER] = p->sex == SYNTH_F ? "Female" : "Male";
        break;
    case INV_BAD_COUNTRY:
        f[C_CITIZENSHIP] = "ZZZ";
        break;
    case INV_MISSING_ORG:
        f[C_ORG_NAME] = NULL;
        break;
    case INV_BAD_CONSENT:
        f[C_CONSENT] = "maybe";
        break;
    case INV_NONE:
    case NINV:
        break;
    }
}

/* ==== files ==== */

struct out_file {
    FILE *fp;
    struct buf b;
    char path[4096];
};

static int out_open(struct out_file *o, const char *dir, const char *name, struct err *e)
{
    int n = snprintf(o->path, sizeof(o->path), "%s/%s.csv", dir, name);

    buf_init(&o->b, BUF_LIMIT);
    o->fp = NULL;
    if (n < 0 || (size_t)n >= sizeof(o->path))
        return err_set(e, ERR_INVALID, "output path for '%s' is too long", name);
    o->fp = fopen(o->path, "wb");
    if (o->fp == NULL)
        return err_set(e, err_from_errno(errno), "cannot create '%s': %s", o->path,
                       strerror(errno));
    return 0;
}

static int out_flush(struct out_file *o, struct err *e)
{
    if (o->b.len > 0 && fwrite(o->b.data, 1, o->b.len, o->fp) != o->b.len)
        return err_set(e, ERR_IO, "cannot write '%s': %s", o->path, strerror(errno));
    buf_reset(&o->b);
    return 0;
}

static int out_maybe_flush(struct out_file *o, struct err *e)
{
    return o->b.len >= FLUSH_AT ? out_flush(o, e) : 0;
}

static int out_close(struct out_file *o, struct err *e)
{
    int rc = 0;

    if (o->fp != NULL) {
        rc = out_flush(o, e);
        if (fclose(o->fp) != 0 && rc == 0)
            rc = err_set(e, ERR_IO, "cannot write '%s': %s", o->path, strerror(errno));
        o->fp = NULL;
    }
    buf_release(&o->b);
    return rc;
}

struct entry {
    uint32_t rec;
    uint32_t invalid; /* enum invalid_kind */
};

static int write_agency(const struct synth *s, size_t ag, struct entry *list, size_t n,
                        const char *dir, struct out_file *truth, struct out_file *inv,
                        struct synth_summary *sum, struct err *e)
{
    struct out_file of = {0};
    struct synth_rng r;
    struct row *row = xmalloc(sizeof(*row));
    const struct synth_agency *a = &s->agencies[ag];
    const char *const *cols;
    size_t ncols, i;
    int rc;

    /* Shuffle the rows of this agency (Fisher-Yates). */
    synth__rng_seed(&r, s->opt.seed, SYNTH_STREAM_SHUFFLE, ag);
    for (i = n; i > 1; i--) {
        size_t j = synth__rng_below(&r, (uint32_t)i);
        struct entry t = list[i - 1];
        list[i - 1] = list[j];
        list[j] = t;
    }
    rc = out_open(&of, dir, a->name, e);
    cols = synth_columns(&ncols);
    if (rc == 0)
        rc = csv_append_row(&of.b, cols, ncols);
    for (i = 0; rc == 0 && i < n; i++) {
        const struct synth_record *rec = &s->records[list[i].rec];
        int y, m, d;

        synth__civil(rec->day, &y, &m, &d);
        snprintf(row->case_ref, sizeof(row->case_ref), "%s-%04d-%06zu", a->ref_prefix, y, i + 1);
        render_row(s, list[i].rec, (enum invalid_kind)list[i].invalid, row);
        rc = csv_append_row(&of.b, row->f, ncols);
        if (rc == 0 && list[i].invalid == INV_NONE) {
            rc = buf_printf(&truth->b, "%s,%s,%u\n", a->name, row->case_ref, rec->person + 1);
            sum->records++;
        } else if (rc == 0) {
            rc = buf_printf(&inv->b, "%s,%s,%s\n", a->name, row->case_ref,
                            invalid_reasons[list[i].invalid]);
            sum->invalid++;
        }
        if (rc < 0)
            rc = err_set(e, rc, "row too large for agency '%s'", a->name);
        if (rc == 0)
            rc = out_maybe_flush(&of, e);
        if (rc == 0)
            rc = out_maybe_flush(truth, e);
        if (rc == 0 && inv->fp != NULL)
            rc = out_maybe_flush(inv, e);
    }
    if (of.fp != NULL) {
        int rc2 = out_close(&of, rc == 0 ? e : NULL);
        if (rc == 0)
            rc = rc2;
    } else {
        buf_release(&of.b);
    }
    free(row);
    return rc;
}

int synth_write(const struct synth *s, const char *dir, struct synth_summary *out, struct err *e)
{
    struct synth_summary sum;
    struct out_file truth = {0}, inv = {0};
    struct entry *entries = NULL;
    size_t *start = NULL, *fill = NULL;
    size_t i;
    int rc = 0;
    bool with_invalid = s->opt.invalid_rate > 0;

    memset(&sum, 0, sizeof(sum));
    memset(&truth, 0, sizeof(truth));
    memset(&inv, 0, sizeof(inv));
    buf_init(&truth.b, BUF_LIMIT);
    buf_init(&inv.b, BUF_LIMIT);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = err_set(e, err_from_errno(errno), "cannot create directory '%s': %s", dir,
                     strerror(errno));
        goto out;
    }

    /* Bucket the records by agency, with the invalid copies beside them. */
    CALLOC_ARRAY(start, s->nagencies + 1);
    CALLOC_ARRAY(fill, s->nagencies);
    ALLOC_ARRAY(entries, st_add(s->nrecords, with_invalid ? s->nrecords : 0));
    for (i = 0; i < s->nrecords; i++) {
        start[s->records[i].agency + 1]++;
        if (with_invalid) {
            struct synth_rng r;
            synth__rng_seed(&r, s->opt.seed, SYNTH_STREAM_INVALID, i);
            if (synth__rng_chance(&r, s->opt.invalid_rate)) {
                start[s->records[i].agency + 1]++;
            }
        }
    }
    for (i = 0; i < s->nagencies; i++)
        start[i + 1] += start[i];
    for (i = 0; i < s->nrecords; i++) {
        size_t ag = s->records[i].agency;
        entries[start[ag] + fill[ag]].rec = (uint32_t)i;
        entries[start[ag] + fill[ag]].invalid = INV_NONE;
        fill[ag]++;
        if (with_invalid) {
            struct synth_rng r;
            synth__rng_seed(&r, s->opt.seed, SYNTH_STREAM_INVALID, i);
            if (synth__rng_chance(&r, s->opt.invalid_rate)) {
                entries[start[ag] + fill[ag]].rec = (uint32_t)i;
                entries[start[ag] + fill[ag]].invalid = 1 + synth__rng_below(&r, NINV - 1);
                fill[ag]++;
            }
        }
    }

    buf_release(&truth.b);
    rc = out_open(&truth, dir, "truth", e);
    if (rc == 0)
        rc = buf_puts(&truth.b, "agency,case_ref,person_id\n");
    if (rc == 0 && with_invalid) {
        buf_release(&inv.b);
        rc = out_open(&inv, dir, "invalid", e);
        if (rc == 0)
            rc = buf_puts(&inv.b, "agency,case_ref,reason\n");
    }
    for (i = 0; rc == 0 && i < s->nagencies; i++) {
        rc = write_agency(s, i, entries + start[i], start[i + 1] - start[i], dir, &truth, &inv,
                          &sum, e);
        sum.agencies++;
        sum.files++;
    }
out : {
    int rc2 = out_close(&truth, rc == 0 ? e : NULL);
    if (rc == 0)
        rc = rc2;
    if (rc == 0)
        sum.files++;
    rc2 = out_close(&inv, rc == 0 ? e : NULL);
    if (rc == 0)
        rc = rc2;
    if (rc == 0 && with_invalid)
        sum.files++;
}
    free(entries);
    free(start);
    free(fill);
    sum.persons = s->npersons;
    if (out != NULL)
        *out = sum;
    return rc;
}
