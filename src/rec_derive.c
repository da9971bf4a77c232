/*
 * rec_derive.c: the coarse attributes of a record that linkage and statistics use
 * (rec.h): sex, child or adult, year of identification, and the ICCS codes and
 * Global Report forms of its forms of exploitation.
 */
#include "rec.h"

#include <string.h>

#include "codes.h"
#include "date.h"
#include "rec_int.h"

#include "banned.h"

enum rec_sex rec_sex(const struct rec *r)
{
    const char *g = r->val[REC_F_GENDER];
    if (g == NULL)
        return REC_SEX_UNKNOWN;
    if (strcmp(g, "Feminine") == 0 || strcmp(g, "TransgenderFeminine") == 0)
        return REC_SEX_FEMALE;
    if (strcmp(g, "Masculine") == 0 || strcmp(g, "TransgenderMasculine") == 0)
        return REC_SEX_MALE;
    if (strcmp(g, "NonConforming") == 0)
        return REC_SEX_OTHER;
    return REC_SEX_UNKNOWN;
}

/* The date of identification: case_opened, else the incoming referral date. */
static bool identification_date(const struct rec *r, struct date *d)
{
    return rec__date(r, REC_F_CASE_OPENED, d) || rec__date(r, REC_F_INCOMING_REFERRAL_DATE, d);
}

int rec_age_at_identification(const struct rec *r)
{
    struct date birth, id;
    int age = 0;

    if (rec__number(r, REC_F_AGE_AT_ID, &age))
        return age;
    if (rec__date(r, REC_F_BIRTHDATE, &birth) && identification_date(r, &id)) {
        age = date_age_years(&birth, &id);
        return age >= 0 ? age : -1;
    }
    return -1;
}

enum rec_age_group rec_age_group(const struct rec *r)
{
    int age = rec_age_at_identification(r);
    if (age < 0)
        return REC_AGE_UNKNOWN;
    return age < 18 ? REC_AGE_CHILD : REC_AGE_ADULT;
}

int rec_year(const struct rec *r)
{
    struct date d;
    return identification_date(r, &d) ? d.year : 0;
}

/* Call fn for each value of the canonical vic_TypeOfExploitation list. */
static void each_exploitation(const struct rec *r, unsigned *iccs_mask, unsigned *form_mask)
{
    const char *v = r->val[REC_F_EXPLOITATION_TYPE];
    char name[64];

    *iccs_mask = 0;
    *form_mask = 0;
    while (v != NULL && *v != '\0') {
        const char *end = strchr(v, ';');
        size_t n = end != NULL ? (size_t)(end - v) : strlen(v);
        enum codes_iccs iccs;
        enum codes_form form;
        if (n < sizeof(name)) {
            memcpy(name, v, n);
            name[n] = '\0';
            if (codes_exploitation(name, &iccs, &form) == 0) {
                *iccs_mask |= 1u << iccs;
                *form_mask |= 1u << form;
            }
        }
        v = end != NULL ? end + 1 : NULL;
    }
}

unsigned rec_iccs(const struct rec *r)
{
    unsigned iccs, forms;
    each_exploitation(r, &iccs, &forms);
    return iccs;
}

unsigned rec_forms(const struct rec *r)
{
    unsigned iccs, forms;
    each_exploitation(r, &iccs, &forms);
    return forms;
}

void rec_coarse(const struct rec *r, struct rec_coarse *out)
{
    static const char sex_code[] = {'U', 'F', 'M', 'X'};
    static const char age_code[] = {'U', 'C', 'A'};

    out->sex = sex_code[rec_sex(r)];
    out->age = age_code[rec_age_group(r)];
    out->citizenship = r->val[REC_F_CITIZENSHIP];
    out->detected_in = r->val[REC_F_ORG_COUNTRY];
    out->exploited_in = r->val[REC_F_EXPLOIT_COUNTRY];
    out->forms = rec_forms(r);
    out->year = rec_year(r);
}
