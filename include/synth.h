/*
 * synth.h: seeded synthetic multi-agency trafficking case data with ground truth.
 *
 * `tiphub synth` and every test, demo and benchmark that needs case records use this
 * module. It draws a population of persons (sex and age group, form of exploitation,
 * citizenship and country of exploitation following the UNODC Global Report shares and
 * plausible flows), lets each person be met by one to four agencies, and writes one
 * HTCDS CSV file per agency plus truth.csv, which says which rows are the same person.
 * Names come from the tables in data/synth/ (compiled into the binary); agencies write
 * them in the original script or in one of several romanisations, with the typos,
 * swaps, gaps and date formats that real files have. Every row is valid for import;
 * see docs/SYNTH.md for every figure used and its source.
 *
 * Output is a pure function of the options: the same options give byte-identical
 * files on every machine (own PRNG, xoshiro256** seeded through splitmix64; no clock).
 */
#ifndef TIPHUB_SYNTH_H
#define TIPHUB_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum synth_noise {
    SYNTH_NOISE_LOW = 0,
    SYNTH_NOISE_MEDIUM = 1,
    SYNTH_NOISE_HIGH = 2,
};

#define SYNTH_MAX_PERSONS  50000000u /* 50 million persons */
#define SYNTH_MAX_AGENCIES 1000u
#define SYNTH_YEAR_MIN     1990
#define SYNTH_YEAR_MAX     2100

struct synth_options {
    uint64_t seed;          /* any value; the same seed gives the same files */
    size_t persons;         /* number of persons, 1..SYNTH_MAX_PERSONS */
    size_t agencies;        /* number of agencies, 1..SYNTH_MAX_AGENCIES */
    enum synth_noise noise; /* how dirty the records are */
    int year_from;          /* first year of case_opened */
    int year_to;            /* last year of case_opened (>= year_from) */
    double invalid_rate;    /* 0..1: share of extra, deliberately invalid rows; 0 = none */
};

/* Defaults: seed 1, 1000 persons, 4 agencies, MEDIUM noise, years 2019-2023, no invalid rows. */
void synth_options_init(struct synth_options *o);

/* Parse "LOW", "MEDIUM" or "HIGH" (any case). Returns 0 or ERR_INVALID. */
int synth_noise_parse(const char *s, enum synth_noise *out);

/* Check the options; e names the first wrong one. Returns 0 or ERR_USAGE. */
int synth_options_check(const struct synth_options *o, struct err *e);

/* The four groups of the Global Report: adult women and men, girls and boys (under 18). */
enum synth_group {
    SYNTH_WOMAN = 0,
    SYNTH_GIRL = 1,
    SYNTH_MAN = 2,
    SYNTH_BOY = 3,
};

/* Forms of exploitation as the Global Report counts them (mapped to HTCDS on output). */
enum synth_form {
    SYNTH_FORM_SEXUAL = 0,      /* SexualExploitation */
    SYNTH_FORM_LABOUR = 1,      /* ForcedLabour (children: also ChildLabour at times) */
    SYNTH_FORM_CRIMINALITY = 2, /* forced criminality: HTCDS has no value, written Other */
    SYNTH_FORM_BEGGING = 3,     /* ForcedBegging */
    SYNTH_FORM_MARRIAGE = 4,    /* ForcedMarriage */
    SYNTH_FORM_MIXED = 5,       /* ForcedLabour;SexualExploitation */
    SYNTH_FORM_ORGAN = 6,       /* OrganRemoval */
    SYNTH_FORM_OTHER = 7,       /* Other */
    SYNTH_NFORMS = 8,
};

/* The truth about one person, for tests and benchmarks (never written to agency files). */
struct synth_person_info {
    enum synth_group group;   /* at first identification */
    enum synth_form form;     /* main form of exploitation */
    int age;                  /* age in whole years at first identification */
    const char *citizenship;  /* ISO 3166 alpha-3 */
    const char *exploitation; /* ISO 3166 alpha-3 country of exploitation */
    const char *names_table;  /* key of the name table, e.g. "ru" */
    unsigned nagencies;       /* distinct agencies that met the person (1..4) */
    unsigned nrecords;        /* rows of the person, re-registrations included */
};

struct synth_summary {
    uint64_t persons;  /* persons generated */
    uint64_t records;  /* valid rows written (= rows of truth.csv) */
    uint64_t agencies; /* agency files written */
    uint64_t files;    /* files written: agency files, truth.csv and invalid.csv if any */
    uint64_t invalid;  /* deliberately invalid rows (listed in invalid.csv) */
};

struct synth;

/*
 * Draw the population and its records (in memory, compact) for options o.
 * Returns 0, ERR_USAGE for bad options, or ERR_CORRUPT if an embedded table is
 * broken (a build problem); e says which.
 */
int synth_new(struct synth **out, const struct synth_options *o, struct err *e);
/* Free s (NULL is fine). */
void synth_free(struct synth *s);

size_t synth_npersons(const struct synth *s);
/* Valid records drawn (re-registrations included, invalid rows not). */
size_t synth_nrecords(const struct synth *s);
size_t synth_nagencies(const struct synth *s);
/* The file name stem of agency i, e.g. "police-1". */
const char *synth_agency_name(const struct synth *s, size_t i);
/* The truth about person i (0-based; person_id i + 1 in truth.csv). */
void synth_person_info(const struct synth *s, size_t i, struct synth_person_info *out);

/*
 * Write DIR/<agency>.csv for every agency, DIR/truth.csv (agency,case_ref,person_id)
 * and, when invalid_rate > 0, DIR/invalid.csv (agency,case_ref,reason). DIR is created
 * if missing (one level). Returns 0 or ERR_IO; out (may be NULL) gets the counts.
 */
int synth_write(const struct synth *s, const char *dir, struct synth_summary *out, struct err *e);

/* The column names written to agency files, in order; *n gets their count. */
const char *const *synth_columns(size_t *n);

#endif
