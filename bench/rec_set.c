/*
 * rec_set.c: benchmark of the record validator (rec_set(), rec.h), which import
 * calls once per field of every row.
 *
 * usage: bench_rec_set ROWS
 * Builds ROWS synthetic rows (every field of rec_fields.h, in the mixed spellings
 * that agencies send) and times rec_set() over all of them. The baseline, run in
 * the same process over the same values, is the least any import must do: trim and
 * copy each value into the record (rec_put), clearing the record per row as import does. Prints
 * both and the ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rec.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

/* Sample values per field type, cycled through by row number. */
static const char *const TEXTS[] = {"Ana Maria", "Zoë", "O'Brien", "Łukasz", "李"};
static const char *const LONGTEXTS[] = {"Referred to shelter.\nFollow-up in two weeks.",
                                        "No further action"};
static const char *const DATES[] = {"2024-03-05", "5 March 2024", "25/03/2024", "20240305",
                                    "1999-12-31"};
static const char *const NUMBERS[] = {"17", "3", "25", "12.0"};
static const char *const CHECKBOXES[] = {"yes", "true", "0", "FALSE"};
static const char *const COUNTRIES[] = {"UA", "Moldova", "ROU", "642", "Viet Nam"};
static const char *const COUNTRY_LISTS[] = {"UA", "MDA;ROU", "Nigeria", "ukr|rus"};
static const char *const LANGUAGES[] = {"en", "UKR", "ro"};
static const char *const EMAILS[] = {"a.person@example.org", "Someone@Mail.Example.COM"};
static const char *const PHONES[] = {"+380 44 123 4567", "(020) 7946 0958"};
static const char *const LONGITUDES[] = {"30.5234", "-73.985428", "+012.50"};
static const char *const LATITUDES[] = {"50.4501", "-33.9", "0"};

/* A value of the field's code list, by label or name. */
static const char *pick_value(int field, size_t row)
{
    switch (field) {
    case REC_F_ORG_TYPE:
        return row % 2 ? "NGO" : "Law Enforcement";
    case REC_F_GENDER:
        return row % 3 ? "Feminine" : "masculine";
    case REC_F_MARITAL_STATUS:
        return "Single";
    case REC_F_EDUCATION:
        return "Primary Education";
    case REC_F_TRAFFICKING_STATUS:
        return "Actual victim of trafficking";
    case REC_F_STATUS_DECISION_ORG:
        return "Police";
    case REC_F_RELATIONSHIP:
        return "Acquainted";
    case REC_F_RECRUITMENT_SITES:
    case REC_F_EXPLOITATION_SITES:
        return row % 2 ? "Facebook;Telegram" : "TikTok";
    case REC_F_RECRUITMENT_METHOD:
        return "Through an online advertisement";
    case REC_F_METHODS_OF_CONTROL:
        return row % 2 ? "Debt bondage; Withholds documents" : "FalsePromises";
    case REC_F_EXPLOITATION_TYPE:
        return row % 4 ? "Forced labour" : "SexualExploitation;ForcedLabour";
    case REC_F_LABOUR_INDUSTRY:
        return row % 2 ? "A" : "Construction";
    case REC_F_SEX_EXPLOITATION_TYPE:
        return "Prostitution";
    case REC_F_VULNERABILITIES:
        return "Poverty;Migration";
    case REC_F_CASE_STATUS:
        return "Active";
    case REC_F_INCOMING_REFERRAL_REASON:
    case REC_F_OUTGOING_REFERRAL_REASON:
        return "Other";
    default:
        return "Other";
    }
}

#define CYCLE(a, row) ((a)[(row) % (sizeof(a) / sizeof((a)[0]))])

static const char *value_for(int field, size_t row)
{
    switch (rec_fields[field].type) {
    case REC_T_TEXT:
        return CYCLE(TEXTS, row);
    case REC_T_LONGTEXT:
        return CYCLE(LONGTEXTS, row);
    case REC_T_DATE:
        return CYCLE(DATES, row);
    case REC_T_NUMBER:
        return CYCLE(NUMBERS, row);
    case REC_T_CHECKBOX:
        return CYCLE(CHECKBOXES, row);
    case REC_T_PICK:
    case REC_T_MULTIPICK:
        return pick_value(field, row);
    case REC_T_COUNTRY:
        return CYCLE(COUNTRIES, row);
    case REC_T_COUNTRIES:
        return CYCLE(COUNTRY_LISTS, row);
    case REC_T_LANGUAGE:
        return CYCLE(LANGUAGES, row);
    case REC_T_EMAIL:
        return CYCLE(EMAILS, row);
    case REC_T_PHONE:
        return CYCLE(PHONES, row);
    case REC_T_LONGITUDE:
        return CYCLE(LONGITUDES, row);
    case REC_T_LATITUDE:
        return CYCLE(LATITUDES, row);
    }
    return "";
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    uint64_t rows = 0;
    size_t row;
    int f;
    double t0, t_base, t_rec;
    struct rec r;
    char scratch[4096];
    struct rec_issues is;
    size_t failures = 0, values = 0;
    const char *vals[REC_NFIELDS];
    size_t lens[REC_NFIELDS];

    if (argc != 2 || str_to_u64(argv[1], strlen(argv[1]), 100000000, &rows) < 0 || rows == 0) {
        fprintf(stderr, "usage: bench_rec_set ROWS\n");
        return 2;
    }
    rec_init(&r);
    rec_issues_init(&is);
    /* warm up: load the code lists */
    (void)rec_set(&r, REC_F_GENDER, "Feminine", 8, 1, &is);
    rec_release(&r);

    /* baseline: trim and copy every value into the record, as any import must */
    t0 = now_seconds();
    for (row = 0; row < rows; row++) {
        for (f = 0; f < REC_NFIELDS; f++) {
            size_t len;
            const char *v = value_for(f, row);
            len = strlen(v);
            v = str_trim(v, &len);
            memcpy(scratch, v, len);
            scratch[len] = '\0';
            rec_put(&r, f, scratch);
        }
        rec_clear(&r);
    }
    t_base = now_seconds() - t0;

    t0 = now_seconds();
    for (row = 0; row < rows; row++) {
        for (f = 0; f < REC_NFIELDS; f++) {
            vals[f] = value_for(f, row);
            lens[f] = strlen(vals[f]);
        }
        for (f = 0; f < REC_NFIELDS; f++) {
            if (rec_set(&r, f, vals[f], lens[f], (size_t)f + 1, &is) != 0)
                failures++;
            values++;
        }
        rec_clear(&r);
        rec_issues_reset(&is);
    }
    t_rec = now_seconds() - t0;
    rec_issues_release(&is);
    rec_release(&r);

    printf("rec_set: %llu rows x %d fields = %zu values, %zu rejected\n", (unsigned long long)rows,
           REC_NFIELDS, values, failures);
    printf("rec_set             %8.3f s  %7.1f ns/value  %8.0f rows/s\n", t_rec,
           t_rec * 1e9 / (double)values, (double)rows / t_rec);
    printf("baseline trim+copy  %8.3f s  %7.1f ns/value  %8.0f rows/s\n", t_base,
           t_base * 1e9 / (double)values, (double)rows / t_base);
    printf("ratio rec_set/baseline %.2f\n", t_rec / t_base);
    return failures == 0 ? 0 : 1;
}
