/*
 * rec.h: the case record, its validation, and the attributes derived from it.
 *
 * A record is one case of one agency: HTCDS 2.0 fields (rec_fields.h) held as
 * canonical text. Import fills a record with rec_set() from the raw text of each
 * column, which checks and canonicalises the value (dates become YYYY-MM-DD,
 * countries ISO 3166 alpha-3, picklist values their HTCDS value name, multi-value
 * fields a ';'-separated list in code-list order), and then calls rec_check() for
 * the checks across fields (required fields, birth date against age and dates).
 *
 * Problems are collected as issues (field, input column, reason), so that one bad
 * row is reported with every reason at once. A reason never repeats the value it
 * rejects: it names the field and the rule, and may suggest a code-list value
 * ("did you mean 'Feminine'?"), which is never personal data.
 *
 * Export writes the canonical text back; importing it again gives the same record
 * (the round trip is lossless).
 */
#ifndef TIPHUB_REC_H
#define TIPHUB_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a field's text is checked and written. */
enum rec_type {
    REC_T_TEXT,      /* one line of UTF-8, at most REC_TEXT_MAX bytes */
    REC_T_LONGTEXT,  /* UTF-8 that may span lines, at most REC_LONGTEXT_MAX bytes */
    REC_T_DATE,      /* a calendar date, canonical YYYY-MM-DD */
    REC_T_NUMBER,    /* a whole number within the field's range */
    REC_T_CHECKBOX,  /* true/false, yes/no, 1/0; canonical "true" or "false" */
    REC_T_PICK,      /* one value of the field's HTCDS code list */
    REC_T_MULTIPICK, /* several values of the field's code list, ';'-separated */
    REC_T_COUNTRY,   /* ISO 3166 alpha-2, alpha-3 or English short name; canonical alpha-3 */
    REC_T_COUNTRIES, /* several countries, ';'-separated, canonical alpha-3 */
    REC_T_LANGUAGE,  /* ISO 639 code: two or three letters, canonical lowercase */
    REC_T_EMAIL,     /* local@domain, no spaces */
    REC_T_PHONE,     /* digits with an optional leading '+', spaces, dashes, dots, brackets */
    REC_T_LONGITUDE, /* decimal degrees in [-180, 180] */
    REC_T_LATITUDE,  /* decimal degrees in [-90, 90] */
};

/* The project's PII annotation of each field (htcds_fields_annotated.csv). */
enum rec_pii {
    REC_PII_NONE,      /* about the organisation, not the person */
    REC_PII_LOW,       /* case administration (status, reasons picked from a list) */
    REC_PII_QUASI,     /* identifying in combination (gender, citizenship, city, dates) */
    REC_PII_SENSITIVE, /* special-category but not identifying alone (forms of exploitation) */
    REC_PII_FREETEXT,  /* free text that may contain anything */
    REC_PII_DIRECT,    /* identifies a person (names, birth date, contacts) */
};

enum {
    REC_REQUIRED = 1u << 0,   /* a row without it is rejected */
    REC_EXT = 1u << 1,        /* a tiphub extension, not an HTCDS 2.0 field */
    REC_CORE = 1u << 2,       /* HTCDS marks it Core */
    REC_DEPRECATED = 1u << 3, /* HTCDS 2.0 marks it deprecated; accepted, warned about */
};

#define REC_TEXT_MAX     1000
#define REC_LONGTEXT_MAX 32000

enum rec_field_id {
#define REC_FIELD(id, name, type, pii, flags) REC_F_##id,
#include "rec_fields.h"
#undef REC_FIELD
    REC_NFIELDS
};

struct rec_field_info {
    const char *name; /* column name, e.g. "prs_Gender" */
    enum rec_type type;
    enum rec_pii pii;
    unsigned flags; /* REC_REQUIRED | REC_EXT | REC_CORE | REC_DEPRECATED */
};

extern const struct rec_field_info rec_fields[REC_NFIELDS];

/* The field whose name equals name[0..len) ignoring ASCII case, or -1. */
int rec_field_find(const char *name, size_t len);

/* True if values of this field may appear in logs and error messages. */
bool rec_field_loggable(int field);

struct rec_chunk;

struct rec {
    char *val[REC_NFIELDS];   /* canonical text, NULL when missing; owned by the record */
    char *extra;              /* compact JSON object of columns tiphub does not know, or NULL */
    struct rec_chunk *chunks; /* private: the memory the values live in */
};

void rec_init(struct rec *r);
/* Free every value and leave r as after rec_init(). */
void rec_release(struct rec *r);
/*
 * Forget every value but keep the memory for the next record: import reuses one
 * record for a million rows, and allocating each value separately was a tenth of
 * its time.
 */
void rec_clear(struct rec *r);
/* Set a field to an already canonical value (copied; NULL clears it). No checks. */
void rec_put(struct rec *r, int field, const char *canonical);

struct rec_issue {
    int field;        /* REC_F_* the issue is about, or -1 for the whole row */
    size_t column;    /* 1-based input column, 0 when not tied to one column */
    char reason[256]; /* e.g. "not a valid date (expected YYYY-MM-DD)"; never holds the value */
};

struct rec_issues {
    struct rec_issue *items;
    size_t n;
    size_t alloc;
};

void rec_issues_init(struct rec_issues *is);
void rec_issues_release(struct rec_issues *is);
void rec_issues_reset(struct rec_issues *is);
void rec_issues_add(struct rec_issues *is, int field, size_t column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Check value[0..len) for field and store its canonical form in r. Surrounding
 * spaces and tabs are ignored; an empty value leaves the field missing (and is
 * fine). column is the 1-based input column, for the issue. Returns 0, or
 * ERR_INVALID after adding an issue to issues (which may be NULL); on error the
 * field keeps its previous value.
 *
 * Every type rejects a NUL byte, invalid UTF-8 (overlong forms, surrogates) and
 * control characters, giving the 1-based byte offset in the value as passed; only
 * LONGTEXT allows tab, LF and CR. Per type (canonical form in brackets):
 *   TEXT       at most REC_TEXT_MAX bytes, one line [as given]
 *   LONGTEXT   at most REC_LONGTEXT_MAX bytes [CRLF and lone CR become LF]
 *   DATE       the forms of date.h [YYYY-MM-DD]
 *   NUMBER     whole number, "12.0" accepted; ages 0..120, prs_NumberOfChildren 0..30
 *              [no sign, no leading zeros]
 *   CHECKBOX   true/false, yes/no, y/n, t/f, on/off, 1/0, any case ["true", "false"]
 *   PICK       value name, label or alias of the field's code list, matched ignoring
 *              case, spaces and punctuation; near misses get "did you mean" [value name]
 *   MULTIPICK  several such values separated by ';' or '|' [deduplicated, in code-list
 *              order, ';'-separated]
 *   COUNTRY    ISO 3166 alpha-2, alpha-3, numeric or English name (codes.h) [alpha-3]
 *   COUNTRIES  up to 32 countries separated by ';' or '|' [alpha-3, deduplicated,
 *              sorted, ';'-separated]
 *   LANGUAGE   two or three ASCII letters (the code itself is not looked up) [lowercase]
 *   EMAIL      local@domain with a dotted domain [domain lowercased]
 *   PHONE      3 to 20 digits, optional leading '+', spaces, dashes, dots, slashes,
 *              brackets ["+" if given, then the digits; "+44 (0)20" drops the "(0)"]
 *   LONGITUDE, LATITUDE  decimal degrees, no exponent [no '+', no leading or trailing
 *              zeros; checked as text, so no digit is lost]
 * rec_set(canonical) gives the same canonical text back.
 */
int rec_set(struct rec *r, int field, const char *value, size_t len, size_t column,
            struct rec_issues *issues);

/*
 * The checks across fields, after every rec_set(): required fields present; the
 * birth date not after today or after any case date; no case date (case_opened,
 * incoming and outgoing referral) after today; age_at_identification equal to the
 * age computed from the birth date and case_opened when all three are given;
 * vic_AgeWhenTrafficked not above the age at identification
 * (rec_age_at_identification()); outgoing referral not before incoming. today is
 * "YYYY-MM-DD" (passed in so tests are deterministic; the checks against today are
 * skipped when it is NULL). Returns 0, or ERR_INVALID after adding issues (one per
 * broken rule, with column 0).
 */
int rec_check(const struct rec *r, const char *today, struct rec_issues *issues);

/*
 * A 16-byte digest of every value and extra, to tell unchanged rows from updates:
 * BLAKE2b (libsodium crypto_generichash) over each present field's column name and
 * value, length-prefixed, so no two different records share a serialisation.
 * Missing fields add nothing: adding a field to rec_fields.h keeps old digests.
 */
void rec_digest(const struct rec *r, unsigned char out[16]);

/* ---- attributes derived for linkage and statistics ---- */

enum rec_sex { REC_SEX_UNKNOWN = 0, REC_SEX_FEMALE, REC_SEX_MALE, REC_SEX_OTHER };
enum rec_age_group { REC_AGE_UNKNOWN = 0, REC_AGE_CHILD, REC_AGE_ADULT };

/* Sex from prs_Gender: Feminine and TransgenderFeminine female, Masculine and
 * TransgenderMasculine male, NonConforming other, NonSpecifiedUnknown or missing unknown. */
enum rec_sex rec_sex(const struct rec *r);
/*
 * Age in whole years at identification: age_at_identification if given, else the
 * age computed from prs_Birthdate on the date of identification (case_opened, else
 * cas_IncomingReferralDate). -1 when unknown.
 */
int rec_age_at_identification(const struct rec *r);
/* Child (under 18) or adult at identification (rec_age_at_identification()). */
enum rec_age_group rec_age_group(const struct rec *r);
/* Year of identification: the year of case_opened, else of the incoming referral; 0 if unknown. */
int rec_year(const struct rec *r);

/*
 * ICCS codes of the record's forms of exploitation (vic_TypeOfExploitation): a set of
 * bits 1u << CODES_ICCS_* (codes.h); 0 when the field is missing.
 */
unsigned rec_iccs(const struct rec *r);
/*
 * Global Report forms of the record's forms of exploitation: bits 1u << CODES_FORM_*
 * (codes.h); 0 when missing. Never FORM_MIXED, which is a form of a person, not of
 * one record: see codes_forms_person() and codes_form_primary().
 */
unsigned rec_forms(const struct rec *r);

/*
 * The coarse attributes of a record, all that an agency sends to the hub beside the
 * encoding (submission.h). The strings are borrowed from r.
 */
struct rec_coarse {
    char sex;                 /* 'F' female, 'M' male, 'X' other, 'U' unknown (rec_sex) */
    char age;                 /* 'C' child, 'A' adult, 'U' unknown (rec_age_group) */
    const char *citizenship;  /* prs_Citizenship: alpha-3 codes, ';'-separated, or NULL */
    const char *detected_in;  /* the country of detection: the agency's org_ShippingCountry */
    const char *exploited_in; /* exploitation_country, or NULL */
    unsigned forms;           /* rec_forms() */
    int year;                 /* rec_year(), 0 when unknown */
};

void rec_coarse(const struct rec *r, struct rec_coarse *out);

#endif
