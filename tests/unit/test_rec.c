/*
 * test_rec.c: unit tests for the case record (rec.h): the field table against the
 * HTCDS field list, rec_set() per type (valid, invalid, canonical round trip,
 * reasons that never repeat the value), the checks across fields, the digest and
 * the derived attributes. All data is synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codes.h"
#include "csv.h"
#include "embedded.h"
#include "err.h"
#include "rec.h"

struct fixture {
    struct rec r;
    struct rec_issues is;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    rec_init(&fx->r);
    rec_issues_init(&fx->is);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    rec_release(&fx->r);
    rec_issues_release(&fx->is);
    free(fx);
    return 0;
}

/* Set field to s; on success check the canonical round trip and return the value. */
static const char *ok(struct fixture *fx, int field, const char *s, size_t len)
{
    char *first = NULL;
    int rc;

    rec_issues_reset(&fx->is);
    rc = rec_set(&fx->r, field, s, len, 7, &fx->is);
    if (rc != 0)
        print_message("field %s: unexpected issue: %s\n", rec_fields[field].name,
                      fx->is.items[0].reason);
    assert_int_equal(rc, 0);
    assert_int_equal(fx->is.n, 0);
    if (fx->r.val[field] == NULL)
        return NULL;
    first = strdup(fx->r.val[field]);
    /* rec_set(canonical) gives the same canonical text. */
    assert_int_equal(rec_set(&fx->r, field, first, strlen(first), 7, &fx->is), 0);
    assert_string_equal(fx->r.val[field], first);
    free(first);
    return fx->r.val[field];
}

#define OK(field, s) ok(fx, (field), (s), strlen(s))
#define EXPECT(field, in, want)                                                                    \
    do {                                                                                           \
        const char *got_ = OK((field), (in));                                                      \
        assert_non_null(got_);                                                                     \
        assert_string_equal(got_, (want));                                                         \
    } while (0)

/* Set field to bad, expect one issue naming the field and column whose reason
 * contains want and never the value itself. Returns the reason. */
static const char *bad(struct fixture *fx, int field, const char *s, size_t len, const char *want)
{
    char *before = fx->r.val[field] != NULL ? strdup(fx->r.val[field]) : NULL;
    const char *reason = NULL;

    rec_issues_reset(&fx->is);
    assert_int_equal(rec_set(&fx->r, field, s, len, 7, &fx->is), ERR_INVALID);
    assert_true(fx->is.n >= 1);
    reason = fx->is.items[0].reason;
    print_message("field %s: %s\n", rec_fields[field].name, reason);
    assert_int_equal(fx->is.items[0].field, field);
    assert_int_equal(fx->is.items[0].column, 7);
    assert_non_null(strstr(reason, want));
    if (len >= 3 && memchr(s, '\0', len) == NULL) {
        char *copy = strndup(s, len);
        assert_null(strstr(reason, copy));
        free(copy);
    }
    /* The field keeps its previous value. */
    if (before != NULL)
        assert_string_equal(fx->r.val[field], before);
    else
        assert_null(fx->r.val[field]);
    free(before);
    return reason;
}

#define BAD(field, s, want) bad(fx, (field), (s), strlen(s), (want))

/* ==== the field table ==== */

static bool type_compatible(enum rec_type t, const char *htcds)
{
    switch (t) {
    case REC_T_TEXT:
        return strcmp(htcds, "Text") == 0 || strncmp(htcds, "Lookup", 6) == 0;
    case REC_T_LONGTEXT:
        return strcmp(htcds, "Long Text") == 0;
    case REC_T_DATE:
        return strcmp(htcds, "Date") == 0;
    case REC_T_NUMBER:
        return strcmp(htcds, "Number") == 0;
    case REC_T_CHECKBOX:
        return strcmp(htcds, "Checkbox") == 0;
    case REC_T_PICK:
    case REC_T_LANGUAGE:
        return strcmp(htcds, "Picklist") == 0;
    case REC_T_MULTIPICK:
    case REC_T_COUNTRIES:
        return strcmp(htcds, "Multiselect Picklist") == 0;
    case REC_T_COUNTRY:
        return strcmp(htcds, "Picklist or Text") == 0 || strcmp(htcds, "Text") == 0;
    case REC_T_EMAIL:
    case REC_T_PHONE:
        return strcmp(htcds, "Text") == 0;
    case REC_T_LONGITUDE:
    case REC_T_LATITUDE:
        return strcmp(htcds, "Number") == 0 || strcmp(htcds, "Geolocation") == 0;
    }
    return false;
}

static enum rec_pii pii_of(const char *annotation)
{
    static const struct {
        const char *prefix;
        enum rec_pii pii;
    } map[] = {{"none", REC_PII_NONE},          {"low", REC_PII_LOW},
               {"quasi", REC_PII_QUASI},        {"sensitive", REC_PII_SENSITIVE},
               {"free-text", REC_PII_FREETEXT}, {"direct", REC_PII_DIRECT}};
    size_t i;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strncmp(annotation, map[i].prefix, strlen(map[i].prefix)) == 0)
            return map[i].pii;
    }
    fail_msg("unknown PII annotation");
    return REC_PII_DIRECT;
}

static char *field_str(const struct csv_record *rec, size_t i)
{
    return strndup(rec->fields[i].data, rec->fields[i].len);
}

static void test_rec_fields_match_htcds(void **state)
{
    const struct embedded_file *f = embedded_find("htcds/htcds_fields_annotated.csv");
    struct csv_reader *rd = NULL;
    struct csv_record rec;
    struct err e;
    bool found[REC_NFIELDS] = {false};
    int field;
    (void)state;

    assert_non_null(f);
    assert_int_equal(csv_open_mem(&rd, f->data, f->len, NULL), 0);
    err_init(&e);
    assert_int_equal(csv_next(rd, &rec, &e), 1);
    /* section,status,core,field,label,type,value_names,value_labels,pii_class_annotation,note */
    assert_true(rec.nfields >= 9);
    assert_memory_equal(rec.fields[3].data, "field", 5);
    assert_memory_equal(rec.fields[5].data, "type", 4);
    for (;;) {
        char *name = NULL, *type = NULL, *status = NULL, *core = NULL, *pii = NULL;
        int rc = csv_next(rd, &rec, &e);
        if (rc == 0)
            break;
        assert_int_equal(rc, 1);
        name = field_str(&rec, 3);
        field = rec_field_find(name, strlen(name));
        if (field >= 0) {
            const struct rec_field_info *fi = &rec_fields[field];
            type = field_str(&rec, 5);
            status = field_str(&rec, 1);
            core = field_str(&rec, 2);
            pii = field_str(&rec, 8);
            print_message("%s: %s\n", name, type);
            assert_string_equal(fi->name, name); /* same spelling, not just same letters */
            assert_false(fi->flags & REC_EXT);
            assert_true(type_compatible(fi->type, type));
            assert_int_equal(fi->pii, pii_of(pii));
            assert_int_equal(!!(fi->flags & REC_DEPRECATED), strcmp(status, "DEPRECATED") == 0);
            /* Core as in HTCDS, except that a deprecated field need not be kept Core. */
            if (!(fi->flags & REC_DEPRECATED))
                assert_int_equal(!!(fi->flags & REC_CORE), strcmp(core, "Core") == 0);
            found[field] = true;
        }
        free(name);
        free(type);
        free(status);
        free(core);
        free(pii);
    }
    csv_close(rd);
    for (field = 0; field < REC_NFIELDS; field++) {
        print_message("%s\n", rec_fields[field].name);
        assert_int_equal(found[field], !(rec_fields[field].flags & REC_EXT));
    }
}

static void test_rec_every_pick_field_has_a_code_list(void **state)
{
    struct fixture *fx = *state;
    int f;
    size_t i;
    for (f = 0; f < REC_NFIELDS; f++) {
        const struct codes_list *l = NULL;
        if (rec_fields[f].type != REC_T_PICK && rec_fields[f].type != REC_T_MULTIPICK)
            continue;
        l = codes_list_for(rec_fields[f].name);
        print_message("%s\n", rec_fields[f].name);
        assert_non_null(l);
        /* every value of it, by name and by label, goes through rec_set */
        for (i = 0; i < codes_list_count(l); i++) {
            EXPECT(f, codes_list_name(l, i), codes_list_name(l, i));
            EXPECT(f, codes_list_label(l, i), codes_list_name(l, i));
        }
    }
}

static void test_rec_field_find(void **state)
{
    int f;
    (void)state;
    for (f = 0; f < REC_NFIELDS; f++) {
        int g;
        assert_int_equal(rec_field_find(rec_fields[f].name, strlen(rec_fields[f].name)), f);
        for (g = f + 1; g < REC_NFIELDS; g++)
            assert_true(strcasecmp(rec_fields[f].name, rec_fields[g].name) != 0);
    }
    assert_int_equal(rec_field_find("PRS_GENDER", 10), REC_F_GENDER);
    assert_int_equal(rec_field_find("prs_Gender_x", 10), REC_F_GENDER); /* only len bytes */
    assert_int_equal(rec_field_find("prs_Gende", 9), -1);
    assert_int_equal(rec_field_find("", 0), -1);
    assert_int_equal(rec_field_find("nope", 4), -1);
    assert_true(rec_field_loggable(REC_F_ORG_NAME));
    assert_true(rec_field_loggable(REC_F_CASE_STATUS));
    assert_false(rec_field_loggable(REC_F_FIRST_NAME));
    assert_false(rec_field_loggable(REC_F_GENDER));
    assert_false(rec_field_loggable(REC_F_CLOSURE_REASON));
    assert_false(rec_field_loggable(-1));
    assert_false(rec_field_loggable(REC_NFIELDS));
}

/* ==== rec_set per type ==== */

static void test_rec_set_empty_and_spaces(void **state)
{
    struct fixture *fx = *state;
    EXPECT(REC_F_FIRST_NAME, "  Ana Maria \t", "Ana Maria");
    /* an empty value clears the field */
    assert_null(OK(REC_F_FIRST_NAME, "   "));
    assert_null(fx->r.val[REC_F_FIRST_NAME]);
    assert_null(OK(REC_F_BIRTHDATE, ""));
    assert_null(OK(REC_F_EXPLOITATION_TYPE, " ; | ;"));
    assert_int_equal(rec_set(&fx->r, -1, "x", 1, 1, &fx->is), ERR_INVALID);
    assert_int_equal(rec_set(&fx->r, REC_NFIELDS, "x", 1, 1, NULL), ERR_INVALID);
    /* issues may be NULL */
    assert_int_equal(rec_set(&fx->r, REC_F_BIRTHDATE, "nope", 4, 1, NULL), ERR_INVALID);
}

static void test_rec_set_text(void **state)
{
    struct fixture *fx = *state;
    char *big = NULL;
    EXPECT(REC_F_FIRST_NAME, "Zoë", "Zoë");
    EXPECT(REC_F_SECOND_NAME, "O'Brien-Łukasz 李", "O'Brien-Łukasz 李");
    BAD(REC_F_FIRST_NAME, "Ana\nMaria", "control character (at byte 4)");
    BAD(REC_F_FIRST_NAME, "Ana\tMaria", "line breaks and tabs");
    BAD(REC_F_FIRST_NAME, "Ana\x7fMaria", "control character");
    BAD(REC_F_FIRST_NAME, "Ana\xc2\x85Maria", "control character");     /* C1 NEL */
    BAD(REC_F_FIRST_NAME, "Ana\xe2\x80\xa8Maria", "control character"); /* U+2028 */
    bad(fx, REC_F_FIRST_NAME, "Ana\0Maria", 9, "NUL byte (at byte 4)");
    bad(fx, REC_F_FIRST_NAME, "  Ana\0", 6, "NUL byte (at byte 6)"); /* offset as given */
    BAD(REC_F_FIRST_NAME, "Ana\xffMaria", "not valid UTF-8 (at byte 4)");
    BAD(REC_F_FIRST_NAME, "Ana\xc3", "not valid UTF-8 (at byte 4)");          /* cut short */
    BAD(REC_F_FIRST_NAME, "Ana\xc0\xafx", "not valid UTF-8");                 /* overlong */
    BAD(REC_F_FIRST_NAME, "Ana\xe0\x80\xafx", "not valid UTF-8");             /* overlong */
    BAD(REC_F_FIRST_NAME, "Ana\xed\xa0\x80x", "not valid UTF-8");             /* surrogate */
    BAD(REC_F_FIRST_NAME, "Ana\xf4\x90\x80\x80x", "not valid UTF-8");         /* > U+10FFFF */
    BAD(REC_F_FIRST_NAME, "Ana\xf0\x9f\x98", "not valid UTF-8");              /* cut short */
    EXPECT(REC_F_FIRST_NAME, "Ana \xf0\x9f\x98\x80", "Ana \xf0\x9f\x98\x80"); /* emoji */

    big = malloc(REC_TEXT_MAX + 2);
    memset(big, 'a', REC_TEXT_MAX + 1);
    big[REC_TEXT_MAX + 1] = '\0';
    BAD(REC_F_MAILING_CITY, big, "too long (1001 bytes, at most 1000)");
    big[REC_TEXT_MAX] = '\0';
    assert_non_null(OK(REC_F_MAILING_CITY, big));
    free(big);
}

static void test_rec_set_longtext(void **state)
{
    struct fixture *fx = *state;
    char *big = NULL;
    EXPECT(REC_F_CLOSURE_REASON, "line one\nline two\tend", "line one\nline two\tend");
    EXPECT(REC_F_CLOSURE_REASON, "a\r\nb\rc\r\n",
           "a\nb\nc\n"); /* only spaces and tabs are trimmed */
    BAD(REC_F_CLOSURE_REASON, "bell\x07here", "control character (at byte 5)");
    bad(fx, REC_F_CLOSURE_REASON, "nul\0here", 8, "NUL byte");
    BAD(REC_F_CLOSURE_REASON, "bad \xfe utf8", "not valid UTF-8 (at byte 5)");
    big = malloc(REC_LONGTEXT_MAX + 2);
    memset(big, 'b', REC_LONGTEXT_MAX + 1);
    big[REC_LONGTEXT_MAX + 1] = '\0';
    BAD(REC_F_CLOSURE_REASON, big, "too long");
    big[REC_LONGTEXT_MAX] = '\0';
    assert_non_null(OK(REC_F_CLOSURE_REASON, big));
    free(big);
}

static void test_rec_set_date(void **state)
{
    struct fixture *fx = *state;
    EXPECT(REC_F_BIRTHDATE, "1990-07-14", "1990-07-14");
    EXPECT(REC_F_BIRTHDATE, "14 July 1990", "1990-07-14");
    EXPECT(REC_F_BIRTHDATE, "14/07/1990", "1990-07-14");
    EXPECT(REC_F_CASE_OPENED, "2024-02-29T08:00:00Z", "2024-02-29");
    BAD(REC_F_BIRTHDATE, "05/03/1990", "ambiguous day and month");
    BAD(REC_F_BIRTHDATE, "1990-02-29", "not a calendar date");
    BAD(REC_F_BIRTHDATE, "yesterday", "not a recognised date (expected YYYY-MM-DD)");
    BAD(REC_F_CASE_OPENED, "1700-01-01", "year out of range");
}

static void test_rec_set_number(void **state)
{
    struct fixture *fx = *state;
    EXPECT(REC_F_AGE_AT_ID, "17", "17");
    EXPECT(REC_F_AGE_AT_ID, "007", "7");
    EXPECT(REC_F_AGE_AT_ID, "0", "0");
    EXPECT(REC_F_AGE_AT_ID, "+12", "12");
    EXPECT(REC_F_AGE_AT_ID, "12.0", "12");
    EXPECT(REC_F_AGE_AT_ID, "120", "120");
    EXPECT(REC_F_AGE_WHEN_TRAFFICKED, "15.00", "15");
    EXPECT(REC_F_NUMBER_OF_CHILDREN, "30", "30");
    BAD(REC_F_AGE_AT_ID, "121", "out of range (0 to 120)");
    BAD(REC_F_AGE_AT_ID, "-1", "out of range (0 to 120)");
    BAD(REC_F_AGE_AT_ID, "99999999999999999999999", "out of range");
    BAD(REC_F_NUMBER_OF_CHILDREN, "31", "out of range (0 to 30)");
    BAD(REC_F_AGE_AT_ID, "12.5", "not a whole number");
    BAD(REC_F_AGE_AT_ID, ".0", "not a whole number");
    BAD(REC_F_AGE_AT_ID, "twelve", "not a whole number");
    BAD(REC_F_AGE_AT_ID, "1 2", "not a whole number");
    BAD(REC_F_AGE_AT_ID, "0x10", "not a whole number");
    BAD(REC_F_AGE_AT_ID, "+", "not a whole number");
    BAD(REC_F_AGE_AT_ID, "1e2", "not a whole number");
}

static void test_rec_set_checkbox(void **state)
{
    struct fixture *fx = *state;
    static const char *const yes[] = {"true", "TRUE", "Yes", "y", "1", "T", "on"};
    static const char *const no[] = {"false", "False", "NO", "n", "0", "f", "Off"};
    size_t i;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        EXPECT(REC_F_CONSENT, yes[i], "true");
        EXPECT(REC_F_DECEASED, no[i], "false");
    }
    BAD(REC_F_CONSENT, "maybe", "not a yes/no value");
    BAD(REC_F_CONSENT, "2", "not a yes/no value");
    BAD(REC_F_CONSENT, "yess", "not a yes/no value");
}

static void test_rec_set_pick(void **state)
{
    struct fixture *fx = *state;
    const char *reason = NULL;
    EXPECT(REC_F_GENDER, "Feminine", "Feminine");
    EXPECT(REC_F_GENDER, "transgender masculine", "TransgenderMasculine");
    EXPECT(REC_F_GENDER, "Not Specified/Unknown", "NonSpecifiedUnknown");
    EXPECT(REC_F_GENDER, "female", "Feminine");
    EXPECT(REC_F_CASE_STATUS, "follow up", "FollowUp");
    EXPECT(REC_F_CASE_STATUS, "CLOSED_REFERRED", "ClosedReferred");
    EXPECT(REC_F_LABOUR_INDUSTRY, "F", "F_Construction");
    EXPECT(REC_F_LABOUR_INDUSTRY, "Construction", "F_Construction");
    reason = BAD(REC_F_GENDER, "Femenine", "did you mean 'Feminine'?");
    assert_non_null(strstr(reason, "not a value of its code list"));
    /* no near value: short lists are spelled out */
    reason = BAD(REC_F_CASE_STATUS, "Pending", "expected one of: Active, FollowUp, Closed");
    /* long lists are not */
    reason = BAD(REC_F_LABOUR_INDUSTRY, "Spaceflight", "not a value of its code list");
    assert_null(strstr(reason, "expected one of"));
    BAD(REC_F_GENDER, "Feminine;Masculine", "takes one value, not a list");
    /* a value of another field's list is not accepted */
    BAD(REC_F_GENDER, "Married", "not a value of its code list");
}

static void test_rec_set_multipick(void **state)
{
    struct fixture *fx = *state;
    const char *reason = NULL;
    EXPECT(REC_F_EXPLOITATION_TYPE, "ForcedLabour", "ForcedLabour");
    /* code-list order, whatever the input order; deduplicated; both separators */
    EXPECT(REC_F_EXPLOITATION_TYPE, "Sexual exploitation; Forced labour",
           "ForcedLabour;SexualExploitation");
    EXPECT(REC_F_EXPLOITATION_TYPE, "Other|forced labour|ForcedLabour;;", "ForcedLabour;Other");
    EXPECT(REC_F_EXPLOITATION_TYPE, "forced criminality; sexual exploitation",
           "SexualExploitation;ForcedCriminality");
    EXPECT(REC_F_METHODS_OF_CONTROL, "Debt bondage;Withholds documents;Physical threats",
           "PhysicalThreats;DebtBondage;WithholdsDocuments");
    EXPECT(REC_F_RECRUITMENT_SITES, "4Sale;TikTok;facebook messenger",
           "FacebookMessenger;4Sale;TikTok");
    reason = BAD(REC_F_EXPLOITATION_TYPE, "Forced labour;Sexual exploitaton",
                 "value 2 of 2 is not in its code list; did you mean 'SexualExploitation'?");
    (void)reason;
    /* every bad value is reported */
    rec_issues_reset(&fx->is);
    assert_int_equal(
        rec_set(&fx->r, REC_F_EXPLOITATION_TYPE, "Bogus;Other;Nonsense", 20, 3, &fx->is),
        ERR_INVALID);
    assert_int_equal(fx->is.n, 2);
    assert_non_null(strstr(fx->is.items[0].reason, "value 1 of 3"));
    assert_non_null(strstr(fx->is.items[1].reason, "value 3 of 3"));
    assert_string_equal(fx->r.val[REC_F_EXPLOITATION_TYPE],
                        "SexualExploitation;ForcedCriminality"); /* unchanged */
}

static void test_rec_set_countries(void **state)
{
    struct fixture *fx = *state;
    EXPECT(REC_F_EXPLOIT_COUNTRY, "de", "DEU");
    EXPECT(REC_F_EXPLOIT_COUNTRY, "Germany", "DEU");
    EXPECT(REC_F_EXPLOIT_COUNTRY, "276", "DEU");
    EXPECT(REC_F_ORG_COUNTRY, "Viet Nam", "VNM");
    EXPECT(REC_F_MAILING_COUNTRY, "Kosovo", "XKX");
    BAD(REC_F_EXPLOIT_COUNTRY, "Gernamy", "did you mean 'DEU' (Germany)?");
    BAD(REC_F_EXPLOIT_COUNTRY, "Atlantis", "not an ISO 3166 country code or name");
    BAD(REC_F_EXPLOIT_COUNTRY, "DE;FR", "takes one country, not a list");

    EXPECT(REC_F_CITIZENSHIP, "UA", "UKR");
    EXPECT(REC_F_CITIZENSHIP, "ukr; Russia | UKR;ro", "ROU;RUS;UKR");
    EXPECT(REC_F_CITIZENSHIP, "Korea, Republic of;Nigeria", "KOR;NGA");
    BAD(REC_F_CITIZENSHIP, "UKR;Narnia", "value 2 of 2 is not an ISO 3166 country");
    BAD(REC_F_CITIZENSHIP,
        "AF;AL;DZ;AD;AO;AR;AM;AU;AT;AZ;BS;BH;BD;BB;BY;BE;BZ;BJ;BT;BO;BA;BW;BR;BN;BG;BF;BI;CV;KH;"
        "CM;CA;CF;TD",
        "too many countries (33, at most 32)");
}

static void test_rec_set_language_email_phone(void **state)
{
    struct fixture *fx = *state;
    EXPECT(REC_F_PRIMARY_LANGUAGE, "EN", "en");
    EXPECT(REC_F_SECONDARY_LANGUAGE, "Ukr", "ukr");
    BAD(REC_F_PRIMARY_LANGUAGE, "English", "not an ISO 639 language code");
    BAD(REC_F_PRIMARY_LANGUAGE, "e1", "not an ISO 639 language code");
    BAD(REC_F_PRIMARY_LANGUAGE, "e", "not an ISO 639 language code");

    EXPECT(REC_F_EMAIL, "Ana.Example@Example.ORG", "Ana.Example@example.org");
    EXPECT(REC_F_EMAIL, "a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk");
    EXPECT(REC_F_EMAIL, "zoë@exämple.de", "zoë@exämple.de");
    BAD(REC_F_EMAIL, "no-at-sign.example.org", "not an email address");
    BAD(REC_F_EMAIL, "two@@example.org", "not an email address");
    BAD(REC_F_EMAIL, "a b@example.org", "not an email address");
    BAD(REC_F_EMAIL, "ab@localhost", "not an email address");
    BAD(REC_F_EMAIL, "ab@example..org", "not an email address");
    BAD(REC_F_EMAIL, "ab@-example.org", "not an email address");
    BAD(REC_F_EMAIL, "ab@example-.org", "not an email address");
    BAD(REC_F_EMAIL, ".ab@example.org", "not an email address");
    BAD(REC_F_EMAIL, "a..b@example.org", "not an email address");
    BAD(REC_F_EMAIL, "@example.org", "not an email address");
    BAD(REC_F_EMAIL, "ab@", "not an email address");
    BAD(REC_F_EMAIL, "ab@10.0.0.1", "not an email address");

    EXPECT(REC_F_MOBILE_PHONE, "+380 (44) 123-45-67", "+380441234567");
    EXPECT(REC_F_MOBILE_PHONE, "+44 (0)20 7946 0958", "+442079460958");
    EXPECT(REC_F_HOME_PHONE, "020.7946.0958", "02079460958");
    EXPECT(REC_F_HOME_PHONE, "(020) 7946/0958", "02079460958");
    BAD(REC_F_HOME_PHONE, "call me", "not a phone number");
    BAD(REC_F_HOME_PHONE, "12", "too few digits");
    BAD(REC_F_HOME_PHONE, "123456789012345678901", "too many digits");
    BAD(REC_F_HOME_PHONE, "(020 7946", "unbalanced brackets");
    BAD(REC_F_HOME_PHONE, "020) 7946", "unbalanced brackets");
    BAD(REC_F_HOME_PHONE, "020 + 7946", "not a phone number");
    BAD(REC_F_HOME_PHONE, "555-0199 ext 4", "not a phone number");
}

static void test_rec_set_degrees(void **state)
{
    struct fixture *fx = *state;
    EXPECT(REC_F_MAILING_LONGITUDE, "12.5", "12.5");
    EXPECT(REC_F_MAILING_LONGITUDE, "+012.500", "12.5");
    EXPECT(REC_F_MAILING_LONGITUDE, "-0.000", "0");
    EXPECT(REC_F_MAILING_LONGITUDE, "-180", "-180");
    EXPECT(REC_F_MAILING_LONGITUDE, "180.000", "180");
    EXPECT(REC_F_MAILING_LONGITUDE, "-73.985428123456789", "-73.985428123456789");
    EXPECT(REC_F_MAILING_LATITUDE, "-90", "-90");
    EXPECT(REC_F_MAILING_LATITUDE, "0.0000001", "0.0000001");
    BAD(REC_F_MAILING_LONGITUDE, "180.0001", "out of range (decimal degrees from -180 to 180)");
    BAD(REC_F_MAILING_LONGITUDE, "-181", "out of range");
    BAD(REC_F_MAILING_LATITUDE, "90.5", "out of range (decimal degrees from -90 to 90)");
    BAD(REC_F_MAILING_LATITUDE, "1e1", "not a latitude");
    BAD(REC_F_MAILING_LATITUDE, "12.", "not a latitude");
    BAD(REC_F_MAILING_LATITUDE, ".5", "not a latitude");
    BAD(REC_F_MAILING_LATITUDE, "12,5", "not a latitude");
    BAD(REC_F_MAILING_LATITUDE, "N 12", "not a latitude");
    BAD(REC_F_MAILING_LATITUDE, "--1", "not a latitude");
    BAD(REC_F_MAILING_LATITUDE, "nan", "not a latitude");
    BAD(REC_F_MAILING_LATITUDE, "1.12345678901234567", "not a latitude");
}

/* ==== checks across fields ==== */

static void put(struct fixture *fx, int field, const char *v)
{
    rec_put(&fx->r, field, v);
}

static bool has_issue(const struct rec_issues *is, int field, const char *text)
{
    size_t i;
    for (i = 0; i < is->n; i++) {
        if (is->items[i].field == field && strstr(is->items[i].reason, text) != NULL)
            return true;
    }
    return false;
}

static void valid_case(struct fixture *fx)
{
    rec_release(&fx->r);
    put(fx, REC_F_CASE_REF, "C-1");
    put(fx, REC_F_ORG_NAME, "Shelter One");
    put(fx, REC_F_BIRTHDATE, "2006-05-20");
    put(fx, REC_F_CASE_OPENED, "2024-05-19");
    put(fx, REC_F_AGE_AT_ID, "17");
    put(fx, REC_F_AGE_WHEN_TRAFFICKED, "16");
    put(fx, REC_F_INCOMING_REFERRAL_DATE, "2024-05-01");
    put(fx, REC_F_OUTGOING_REFERRAL_DATE, "2024-06-01");
}

static void test_rec_check(void **state)
{
    struct fixture *fx = *state;

    valid_case(fx);
    rec_issues_reset(&fx->is);
    assert_int_equal(rec_check(&fx->r, "2024-12-31", &fx->is), 0);
    assert_int_equal(fx->is.n, 0);

    /* required fields */
    put(fx, REC_F_CASE_REF, NULL);
    put(fx, REC_F_ORG_NAME, NULL);
    assert_int_equal(rec_check(&fx->r, "2024-12-31", &fx->is), ERR_INVALID);
    assert_true(has_issue(&fx->is, REC_F_CASE_REF, "required"));
    assert_true(has_issue(&fx->is, REC_F_ORG_NAME, "required"));
    assert_int_equal(fx->is.n, 2);
    assert_int_equal(fx->is.items[0].column, 0);

    /* birth date after today and after the case dates */
    valid_case(fx);
    rec_issues_reset(&fx->is);
    put(fx, REC_F_BIRTHDATE, "2024-05-25");
    put(fx, REC_F_AGE_AT_ID, NULL);
    put(fx, REC_F_AGE_WHEN_TRAFFICKED, NULL);
    assert_int_equal(rec_check(&fx->r, "2024-05-24", &fx->is), ERR_INVALID);
    assert_true(has_issue(&fx->is, REC_F_BIRTHDATE, "after today"));
    assert_true(has_issue(&fx->is, REC_F_BIRTHDATE, "after case_opened"));
    assert_true(has_issue(&fx->is, REC_F_BIRTHDATE, "after cas_IncomingReferralDate"));
    assert_true(has_issue(&fx->is, REC_F_OUTGOING_REFERRAL_DATE, "after today"));

    /* age at identification must agree with the birth date (one day short of 18) */
    valid_case(fx);
    rec_issues_reset(&fx->is);
    put(fx, REC_F_AGE_AT_ID, "18");
    assert_int_equal(rec_check(&fx->r, "2024-12-31", &fx->is), ERR_INVALID);
    assert_true(has_issue(&fx->is, REC_F_AGE_AT_ID, "does not match"));
    assert_int_equal(fx->is.n, 1);
    /* ... on the birthday it is 18 */
    put(fx, REC_F_CASE_OPENED, "2024-05-20");
    rec_issues_reset(&fx->is);
    assert_int_equal(rec_check(&fx->r, "2024-12-31", &fx->is), 0);

    /* age when trafficked above the age at identification */
    valid_case(fx);
    rec_issues_reset(&fx->is);
    put(fx, REC_F_AGE_WHEN_TRAFFICKED, "18");
    assert_int_equal(rec_check(&fx->r, "2024-12-31", &fx->is), ERR_INVALID);
    assert_true(has_issue(&fx->is, REC_F_AGE_WHEN_TRAFFICKED, "above the age"));
    /* ... also when the age at identification comes from the birth date alone */
    put(fx, REC_F_AGE_AT_ID, NULL);
    rec_issues_reset(&fx->is);
    assert_int_equal(rec_check(&fx->r, "2024-12-31", &fx->is), ERR_INVALID);
    assert_true(has_issue(&fx->is, REC_F_AGE_WHEN_TRAFFICKED, "above the age"));

    /* outgoing referral before incoming */
    valid_case(fx);
    rec_issues_reset(&fx->is);
    put(fx, REC_F_OUTGOING_REFERRAL_DATE, "2024-04-30");
    assert_int_equal(rec_check(&fx->r, "2024-12-31", &fx->is), ERR_INVALID);
    assert_true(has_issue(&fx->is, REC_F_OUTGOING_REFERRAL_DATE, "before"));
    assert_int_equal(fx->is.n, 1);

    /* without today the checks against today are skipped */
    valid_case(fx);
    rec_issues_reset(&fx->is);
    assert_int_equal(rec_check(&fx->r, "2020-01-01", &fx->is), ERR_INVALID);
    rec_issues_reset(&fx->is);
    assert_int_equal(rec_check(&fx->r, NULL, &fx->is), 0);

    /* a minimal record passes */
    rec_release(&fx->r);
    put(fx, REC_F_CASE_REF, "C-2");
    put(fx, REC_F_ORG_NAME, "Org");
    rec_issues_reset(&fx->is);
    assert_int_equal(rec_check(&fx->r, "2024-12-31", &fx->is), 0);
}

/* ==== equality of records (for the round trip below) ==== */

static bool same_values(const struct rec *a, const struct rec *b)
{
    int f;
    for (f = 0; f < REC_NFIELDS; f++) {
        if ((a->val[f] == NULL) != (b->val[f] == NULL))
            return false;
        if (a->val[f] != NULL && strcmp(a->val[f], b->val[f]) != 0)
            return false;
    }
    return true;
}

/* ==== derived attributes ==== */

static void test_rec_derived(void **state)
{
    struct fixture *fx = *state;

    rec_release(&fx->r);
    assert_int_equal(rec_sex(&fx->r), REC_SEX_UNKNOWN);
    assert_int_equal(rec_age_group(&fx->r), REC_AGE_UNKNOWN);
    assert_int_equal(rec_age_at_identification(&fx->r), -1);
    assert_int_equal(rec_year(&fx->r), 0);
    assert_int_equal(rec_iccs(&fx->r), 0);
    assert_int_equal(rec_forms(&fx->r), 0);

    put(fx, REC_F_GENDER, "Feminine");
    assert_int_equal(rec_sex(&fx->r), REC_SEX_FEMALE);
    put(fx, REC_F_GENDER, "TransgenderFeminine");
    assert_int_equal(rec_sex(&fx->r), REC_SEX_FEMALE);
    put(fx, REC_F_GENDER, "Masculine");
    assert_int_equal(rec_sex(&fx->r), REC_SEX_MALE);
    put(fx, REC_F_GENDER, "TransgenderMasculine");
    assert_int_equal(rec_sex(&fx->r), REC_SEX_MALE);
    put(fx, REC_F_GENDER, "NonConforming");
    assert_int_equal(rec_sex(&fx->r), REC_SEX_OTHER);
    put(fx, REC_F_GENDER, "NonSpecifiedUnknown");
    assert_int_equal(rec_sex(&fx->r), REC_SEX_UNKNOWN);

    /* age from the birth date on case_opened: one day before the 18th birthday */
    put(fx, REC_F_BIRTHDATE, "2006-05-20");
    assert_int_equal(rec_age_group(&fx->r), REC_AGE_UNKNOWN); /* no identification date */
    put(fx, REC_F_INCOMING_REFERRAL_DATE, "2025-01-10");
    assert_int_equal(rec_year(&fx->r), 2025);
    assert_int_equal(rec_age_group(&fx->r), REC_AGE_ADULT);
    put(fx, REC_F_CASE_OPENED, "2024-05-19");
    assert_int_equal(rec_year(&fx->r), 2024);
    assert_int_equal(rec_age_at_identification(&fx->r), 17);
    assert_int_equal(rec_age_group(&fx->r), REC_AGE_CHILD);
    put(fx, REC_F_CASE_OPENED, "2024-05-20");
    assert_int_equal(rec_age_group(&fx->r), REC_AGE_ADULT);
    /* the stated age wins */
    put(fx, REC_F_AGE_AT_ID, "16");
    assert_int_equal(rec_age_group(&fx->r), REC_AGE_CHILD);
    put(fx, REC_F_AGE_AT_ID, "18");
    assert_int_equal(rec_age_group(&fx->r), REC_AGE_ADULT);

    put(fx, REC_F_EXPLOITATION_TYPE, "ForcedLabour;SexualExploitation;ForcedBegging");
    assert_int_equal(rec_iccs(&fx->r), (1u << CODES_ICCS_SEX) | (1u << CODES_ICCS_LABOUR));
    assert_int_equal(rec_forms(&fx->r),
                     (1u << CODES_FORM_SEX) | (1u << CODES_FORM_FL) | (1u << CODES_FORM_BEG));
    assert_int_equal(codes_form_primary(rec_forms(&fx->r)), CODES_FORM_MIXED);
    put(fx, REC_F_EXPLOITATION_TYPE, "OrganRemoval;Surrogacy;ForcedCriminality");
    assert_int_equal(rec_iccs(&fx->r), (1u << CODES_ICCS_ORGAN) | (1u << CODES_ICCS_OTHER) |
                                           (1u << CODES_ICCS_LABOUR));
    assert_int_equal(rec_forms(&fx->r),
                     (1u << CODES_FORM_ORGAN) | (1u << CODES_FORM_OTHER) | (1u << CODES_FORM_CRIM));
}

/* The coarse attributes sent to the hub: only these, from the documented fields. */
static void test_rec_coarse(void **state)
{
    struct fixture *fx = *state;
    struct rec_coarse c;

    rec_release(&fx->r);
    rec_coarse(&fx->r, &c);
    assert_int_equal(c.sex, 'U');
    assert_int_equal(c.age, 'U');
    assert_null(c.citizenship);
    assert_null(c.detected_in);
    assert_int_equal(c.forms, 0);
    assert_int_equal(c.year, 0);

    put(fx, REC_F_GENDER, "TransgenderMasculine");
    put(fx, REC_F_AGE_AT_ID, "15");
    put(fx, REC_F_CITIZENSHIP, "MDA;UKR");
    put(fx, REC_F_ORG_COUNTRY, "DEU");
    put(fx, REC_F_EXPLOIT_COUNTRY, "POL");
    put(fx, REC_F_CASE_OPENED, "2021-03-04");
    put(fx, REC_F_EXPLOITATION_TYPE, "ForcedCriminality");
    rec_coarse(&fx->r, &c);
    assert_int_equal(c.sex, 'M');
    assert_int_equal(c.age, 'C');
    assert_string_equal(c.citizenship, "MDA;UKR");
    assert_string_equal(c.detected_in, "DEU");
    assert_string_equal(c.exploited_in, "POL");
    assert_int_equal(c.forms, 1u << CODES_FORM_CRIM);
    assert_int_equal(c.year, 2021);
    put(fx, REC_F_GENDER, "NonConforming");
    put(fx, REC_F_AGE_AT_ID, "30");
    rec_coarse(&fx->r, &c);
    assert_int_equal(c.sex, 'X');
    assert_int_equal(c.age, 'A');
}

/* A whole synthetic row through rec_set and rec_check. */
static void test_rec_row_round_trip(void **state)
{
    struct fixture *fx = *state;
    static const char *const row[][2] = {
        {"case_ref", "AG1-000042"},
        {"org_Name", "Example Shelter"},
        {"org_Type", "NGO"},
        {"org_ShippingCountry", "md"},
        {"case_opened", "3 March 2024"},
        {"exploitation_country", "Poland"},
        {"prs_FirstName", "Elena"},
        {"prs_Birthdate", "1999-12-31"},
        {"prs_Gender", "feminine"},
        {"prs_Citizenship", "MDA|ROU"},
        {"vic_TypeOfExploitation", "forced labour"},
        {"vic_ForcedLabourIndustry", "A"},
        {"cas_Status", "Active"},
        {"con_Consent", "yes"},
    };
    struct rec copy;
    size_t i;
    int f;

    rec_release(&fx->r);
    rec_issues_reset(&fx->is);
    for (i = 0; i < sizeof(row) / sizeof(row[0]); i++) {
        f = rec_field_find(row[i][0], strlen(row[i][0]));
        assert_true(f >= 0);
        assert_int_equal(rec_set(&fx->r, f, row[i][1], strlen(row[i][1]), i + 1, &fx->is), 0);
    }
    assert_int_equal(rec_check(&fx->r, "2024-12-31", &fx->is), 0);
    assert_string_equal(fx->r.val[REC_F_ORG_COUNTRY], "MDA");
    assert_string_equal(fx->r.val[REC_F_CITIZENSHIP], "MDA;ROU");
    assert_string_equal(fx->r.val[REC_F_CASE_OPENED], "2024-03-03");
    assert_string_equal(fx->r.val[REC_F_LABOUR_INDUSTRY], "A_AgricultureForestryAndFishing");

    /* export and import again: the same values */
    rec_init(&copy);
    for (f = 0; f < REC_NFIELDS; f++) {
        const char *v = fx->r.val[f];
        if (v != NULL)
            assert_int_equal(rec_set(&copy, f, v, strlen(v), 1, &fx->is), 0);
    }
    assert_true(same_values(&fx->r, &copy));
    assert_int_equal(fx->is.n, 0);
    rec_release(&copy);
}

static void test_rec_issues(void **state)
{
    struct rec_issues is;
    int i;
    (void)state;
    rec_issues_init(&is);
    for (i = 0; i < 100; i++)
        rec_issues_add(&is, i % REC_NFIELDS, (size_t)i, "issue %d", i);
    assert_int_equal(is.n, 100);
    assert_string_equal(is.items[99].reason, "issue 99");
    assert_int_equal(is.items[42].column, 42);
    rec_issues_reset(&is);
    assert_int_equal(is.n, 0);
    rec_issues_add(&is, -1, 0, "%s", "row");
    assert_int_equal(is.items[0].field, -1);
    rec_issues_release(&is);
    assert_null(is.items);
    rec_issues_add(NULL, 1, 1, "ignored");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_rec_fields_match_htcds),
        T(test_rec_every_pick_field_has_a_code_list),
        T(test_rec_field_find),
        T(test_rec_set_empty_and_spaces),
        T(test_rec_set_text),
        T(test_rec_set_longtext),
        T(test_rec_set_date),
        T(test_rec_set_number),
        T(test_rec_set_checkbox),
        T(test_rec_set_pick),
        T(test_rec_set_multipick),
        T(test_rec_set_countries),
        T(test_rec_set_language_email_phone),
        T(test_rec_set_degrees),
        T(test_rec_check),
        T(test_rec_derived),
        T(test_rec_coarse),
        T(test_rec_row_round_trip),
        T(test_rec_issues),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
