/*
 * rec_check.c: the checks across the fields of one record (rec_check(), rec.h),
 * run after every rec_set() of a row: required fields, dates in order, ages that
 * agree with the birth date. Reasons name the fields involved, never their values.
 */
#include "rec.h"

#include <string.h>

#include "date.h"
#include "err.h"
#include "rec_int.h"
#include "strutil.h"

#include "banned.h"

bool rec__date(const struct rec *r, int field, struct date *out)
{
    const char *v = r->val[field];
    if (v == NULL)
        return false;
    return date_parse(v, strlen(v), out, NULL) == 0;
}

bool rec__number(const struct rec *r, int field, int *out)
{
    const char *v = r->val[field];
    int64_t n = 0;
    if (v == NULL || str_to_i64(v, strlen(v), -1000000000, 1000000000, &n) < 0)
        return false;
    *out = (int)n;
    return true;
}

int rec_check(const struct rec *r, const char *today, struct rec_issues *issues)
{
    static const int case_dates[] = {REC_F_CASE_OPENED, REC_F_INCOMING_REFERRAL_DATE,
                                     REC_F_OUTGOING_REFERRAL_DATE};
    struct date now, birth, d, in, out;
    bool have_now, have_birth;
    size_t before = issues != NULL ? issues->n : 0;
    int bad = 0;
    int f, age_id = 0, age_trafficked = 0;
    size_t i;

    for (f = 0; f < REC_NFIELDS; f++) {
        if ((rec_fields[f].flags & REC_REQUIRED) && r->val[f] == NULL) {
            rec_issues_add(issues, f, 0, "required field is missing");
            bad++;
        }
    }

    have_now = today != NULL && date_parse(today, strlen(today), &now, NULL) == 0;
    have_birth = rec__date(r, REC_F_BIRTHDATE, &birth);
    if (have_now && have_birth && date_cmp(&birth, &now) > 0) {
        rec_issues_add(issues, REC_F_BIRTHDATE, 0, "after today");
        bad++;
    }
    for (i = 0; i < sizeof(case_dates) / sizeof(case_dates[0]); i++) {
        f = case_dates[i];
        if (!rec__date(r, f, &d))
            continue;
        if (have_now && date_cmp(&d, &now) > 0) {
            rec_issues_add(issues, f, 0, "after today");
            bad++;
        }
        if (have_birth && date_cmp(&birth, &d) > 0) {
            rec_issues_add(issues, REC_F_BIRTHDATE, 0, "after %s", rec_fields[f].name);
            bad++;
        }
    }

    if (rec__number(r, REC_F_AGE_AT_ID, &age_id) && have_birth &&
        rec__date(r, REC_F_CASE_OPENED, &d) && date_cmp(&birth, &d) <= 0 &&
        date_age_years(&birth, &d) != age_id) {
        rec_issues_add(issues, REC_F_AGE_AT_ID, 0,
                       "does not match the age computed from prs_Birthdate and case_opened");
        bad++;
    }
    if (rec__number(r, REC_F_AGE_WHEN_TRAFFICKED, &age_trafficked)) {
        int age = rec_age_at_identification(r);
        if (age >= 0 && age_trafficked > age) {
            rec_issues_add(issues, REC_F_AGE_WHEN_TRAFFICKED, 0, "above the age at identification");
            bad++;
        }
    }

    if (rec__date(r, REC_F_INCOMING_REFERRAL_DATE, &in) &&
        rec__date(r, REC_F_OUTGOING_REFERRAL_DATE, &out) && date_cmp(&out, &in) < 0) {
        rec_issues_add(issues, REC_F_OUTGOING_REFERRAL_DATE, 0, "before cas_IncomingReferralDate");
        bad++;
    }
    (void)before;
    return bad > 0 ? ERR_INVALID : 0;
}
