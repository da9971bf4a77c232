/*
 * synth_int.h: private to the synth module (synth*.c). The generator's tables,
 * population and records, the PRNG, and the helpers the files share.
 *
 * Layout of the module:
 *   synth.c        options, PRNG, calendar helpers, drawing persons and records
 *   synth_data.c   loading the embedded tables of data/synth/ (countries, flows, names)
 *   synth_names.c  writing a person's names as one agency would (script, romanisation,
 *                  typos, swaps, gaps)
 *   synth_write.c  rendering rows and writing the agency files, truth.csv, invalid.csv
 *
 * Everything random is drawn from a xoshiro256** generator seeded by splitmix64 from
 * (seed, stream, index), so a person's or a record's values do not depend on the order
 * in which others were drawn.
 */
#ifndef TIPHUB_SYNTH_INT_H
#define TIPHUB_SYNTH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "synth.h"

/* ==== PRNG ==== */

struct synth_rng {
    uint64_t s[4];
};

/* Independent streams of random numbers. */
enum {
    SYNTH_STREAM_PERSON = 1,
    SYNTH_STREAM_RECORD = 2,
    SYNTH_STREAM_SHUFFLE = 3,
    SYNTH_STREAM_INVALID = 4,
};

void synth__rng_seed(struct synth_rng *r, uint64_t seed, uint64_t stream, uint64_t index);
uint64_t synth__rng_next(struct synth_rng *r);
/* Uniform in [0, n); n > 0 and below 2^32. */
uint32_t synth__rng_below(struct synth_rng *r, uint32_t n);
/* True with probability p. */
bool synth__rng_chance(struct synth_rng *r, double p);
/* Index i with probability weights[i] / sum(weights). */
size_t synth__rng_pick(struct synth_rng *r, const uint32_t *weights, size_t n);

/* ==== calendar (days since 1970-01-01, proleptic Gregorian) ==== */

int32_t synth__days(int year, int month, int day);
void synth__civil(int32_t days, int *year, int *month, int *day);
/* Whole years from birth to at (both day numbers). */
int synth__age(int32_t birth, int32_t at);
int synth__days_in_month(int year, int month);

/* ==== tables ==== */

enum synth_script {
    SYNTH_SCRIPT_LATIN,
    SYNTH_SCRIPT_CYRILLIC,
    SYNTH_SCRIPT_ARABIC,
    SYNTH_SCRIPT_THAI,
    SYNTH_SCRIPT_HAN,
    SYNTH_NSCRIPTS
};

enum synth_style {
    SYNTH_STYLE_WESTERN,      /* given [middle] surname; middle from mm/mf rows or given names */
    SYNTH_STYLE_FILIPINO,     /* middle name is the mother's maiden surname */
    SYNTH_STYLE_SPANISH,      /* two surnames in prs_SecondName; middle is a second given name */
    SYNTH_STYLE_VIETNAMESE,   /* family name first; middle from mm/mf rows (Thi, Van...) */
    SYNTH_STYLE_FAMILY_FIRST, /* family name first, no middle (Chinese, Khmer) */
    SYNTH_STYLE_NOMIDDLE,     /* given and surname only (Thai, Burmese) */
    SYNTH_STYLE_PATRONYMIC,   /* second name is the father's given name (Ethiopia, Eritrea) */
    SYNTH_STYLE_SLAVIC,       /* gendered surnames; middle is a patronymic */
    SYNTH_STYLE_ARABIC,       /* middle is the father's given name */
};

enum { SYNTH_F = 0, SYNTH_M = 1 }; /* sex index: form [0] feminine, [1] masculine */

#define SYNTH_MAX_VARIANTS 6

/* One name with its feminine and masculine forms (the same unless the language inflects). */
struct synth_name {
    const char *native[2];                    /* as written in the person's own script */
    const char *latin[2][SYNTH_MAX_VARIANTS]; /* romanisations; [0] the passport form */
    uint8_t nlatin;                           /* number of romanisations (0: native only) */
};

struct synth_name_list {
    struct synth_name *items;
    size_t n;
    size_t alloc;
};

enum synth_source {
    SYNTH_SRC_NONE,
    SYNTH_SRC_OWN,
    SYNTH_SRC_GIVEN,
    SYNTH_SRC_MALE,
    SYNTH_SRC_SURNAME
};

struct synth_table {
    char key[16]; /* "ru", "ar", ... (file names_<key>.csv) */
    enum synth_script script;
    enum synth_style style;
    struct synth_name_list given[2];   /* given names by sex */
    struct synth_name_list surname[2]; /* surnames usable for women [0] and men [1] */
    struct synth_name_list middle[2];  /* own middle names (patronymics, Thi/Van, Md./Mst.) */
    enum synth_source middle_src;      /* where a middle name comes from */
    enum synth_source surname_src;     /* SYNTH_SRC_OWN, or SYNTH_SRC_MALE for patronymic */
    double middle_rate;                /* share of persons who have a middle name */
    bool family_first;                 /* family name written first at home */
};

struct synth_country {
    char a3[4];
    char a2[3];
    char lang[4]; /* ISO 639-1 code for prs_PrimaryLanguage, "" if none */
    int table[4]; /* name tables (indices), up to 4 */
    uint32_t table_w[4];
    int ntables;     /* 0 for countries that are only countries of exploitation */
    int detect_rank; /* 1.. for countries where agencies sit, 0 otherwise */
};

struct synth_flow {
    uint16_t origin;  /* citizenship (country index) */
    uint16_t exploit; /* country of exploitation (country index) */
};

struct synth_detect {
    int country; /* country index */
    struct synth_flow *flows;
    uint32_t *weights;
    size_t nflows;
    size_t alloc;
};

struct synth_arena {
    char **chunks;
    size_t nchunks;
    size_t alloc;
    size_t used; /* bytes used in the last chunk */
    size_t cap;  /* size of the last chunk */
};

/* Copy s[0..len) with a NUL into the arena. */
const char *synth__arena_strndup(struct synth_arena *a, const char *s, size_t len);
void synth__arena_release(struct synth_arena *a);

/* ==== agencies, persons, records ==== */

enum synth_agency_kind {
    SYNTH_AG_POLICE,
    SYNTH_AG_SHELTER,
    SYNTH_AG_IMMIGRATION,
    SYNTH_AG_LABOUR,
    SYNTH_AG_SOCIAL,
    SYNTH_AG_HOTLINE,
    SYNTH_AG_LEGAL,
    SYNTH_AG_HEALTH,
    SYNTH_NAGENCY_KINDS
};

enum synth_date_style {
    SYNTH_DATE_ISO,     /* 2001-03-05 */
    SYNTH_DATE_DOT,     /* 05.03.2001 (only when unambiguous, else ISO) */
    SYNTH_DATE_LONG,    /* 5 March 2001 */
    SYNTH_DATE_COMPACT, /* 20010305 */
    SYNTH_DATE_SLASH,   /* 2001/03/05 */
};

struct synth_agency {
    char name[32];       /* file stem, e.g. "police-1" */
    char ref_prefix[16]; /* case reference prefix, e.g. "POL1" */
    enum synth_agency_kind kind;
    int country; /* country index */
    enum synth_date_style date_style;
    bool alpha2;       /* writes countries as ISO alpha-2 */
    int consent_style; /* 0 true/false, 1 yes/no, 2 1/0 */
    unsigned scripts;  /* bit per enum synth_script its caseworkers write natively */
    int romanisation;  /* preferred romanisation index */
};

struct synth_person {
    int32_t birth;     /* true birth date, day number */
    int32_t first_day; /* day of first identification */
    uint16_t citizenship;
    uint16_t exploit;
    uint16_t detect; /* index into synth.detects */
    uint16_t given;
    uint16_t middle; /* index in the middle source, SYNTH_NONE if none */
    uint16_t surname;
    uint16_t surname2; /* second surname (Spanish style), SYNTH_NONE if none */
    uint8_t table;
    uint8_t sex;      /* SYNTH_F or SYNTH_M */
    uint8_t group;    /* enum synth_group */
    uint8_t form;     /* enum synth_form */
    uint8_t age;      /* age at first identification */
    uint8_t industry; /* index into the industry list, for forced labour */
    uint8_t sexform;  /* index into the sexual exploitation types */
    uint8_t nagencies;
    uint8_t nrecords;
};

#define SYNTH_NONE 0xFFFFu

struct synth_record {
    uint32_t person;
    uint16_t agency;
    uint8_t rereg; /* 1 for a second case_ref of the same person in the same agency */
    uint8_t pad;
    int32_t day; /* case_opened, day number */
};

struct synth {
    struct synth_options opt;
    struct synth_arena arena;
    struct synth_table *tables;
    size_t ntables;
    struct synth_country *countries;
    size_t ncountries;
    struct synth_detect *detects;
    size_t ndetects;
    struct synth_agency *agencies;
    size_t nagencies;
    struct synth_person *persons;
    size_t npersons;
    struct synth_record *records;
    size_t nrecords;
    size_t records_alloc;
};

/* Load every table of data/synth/ into s. Returns 0 or ERR_CORRUPT (e says where). */
int synth__load(struct synth *s, struct err *e);
/* Free what synth__load allocated. */
void synth__unload(struct synth *s);

/* Draw given/middle/surname indices for a person of table t and sex. */
void synth__draw_name(const struct synth_table *t, int sex, struct synth_rng *r,
                      struct synth_person *p);

/* Noise probabilities for one --noise level (docs/SYNTH.md lists them). */
struct synth_noise_rates {
    double typo;          /* per name field */
    double swap;          /* first and second name swapped */
    double miss_middle;   /* middle name left out although the person has one */
    double miss_second;   /* second name missing */
    double miss_surname2; /* second surname (Spanish style) left out */
    double miss_birth;    /* birth date missing */
    double date_style;    /* a row uses the agency's own date format instead of ISO */
    double date_shift;    /* birth day or month off by one */
    double date_swap;     /* birth day and month swapped */
    double miss_field;    /* any other optional field missing */
    double upper;         /* surname in capitals (copied from a passport) */
};

const struct synth_noise_rates *synth__noise_rates(enum synth_noise n);

#define SYNTH_NAME_MAX 256

/*
 * Write the names of person p as agency a records them: first, middle and second name,
 * each NUL-terminated in a buffer of SYNTH_NAME_MAX bytes ("" when missing).
 */
void synth__render_names(const struct synth *s, const struct synth_person *p,
                         const struct synth_agency *a, struct synth_rng *r,
                         const struct synth_noise_rates *nz, char *first, char *middle,
                         char *second);

/* Apply one random typo to the UTF-8 text buf (NUL-terminated, size SYNTH_NAME_MAX). */
void synth__typo(char *buf, struct synth_rng *r);

#endif
