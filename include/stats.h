/*
 * stats.h: Global Report statistics over the persons a link run found, with
 * disclosure control.
 *
 * The hub groups agencies' records into persons (a link run). This module reads
 * the persons of a run, gives each person one value per attribute by a fixed rule
 * (stats_person.c; docs/STATISTICS.md), and counts them into the tables of the
 * UNODC Global Report: detected victims by year, by sex and age group, by form of
 * exploitation (Global Report forms and ICCS 0204x codes), by citizenship and
 * country of detection and their UN M49 and Global Report regions, the flows from
 * citizenship to country of detection, and the coordination indicator (persons met
 * by more than one agency, agencies per person, agency pairs).
 *
 * A table is protected in one of three ways before it leaves the hub:
 *   - exact: for the hub's own staff only (tiphub stats without --sdc or --dp);
 *   - STATS_SDC: threshold suppression (cells 1..K-1) with secondary suppression so
 *     that no suppressed cell can be recovered from what is published
 *     (stats_sdc.c, checked by the exact audit of stats_audit.c);
 *   - STATS_DP: differential privacy with exact discrete noise (dp.h), computed as
 *     a batch job, stored with its privacy cost in the store's ledger and served
 *     from storage (stats_dp.c).
 *
 * The unit of privacy is the person: each person counts once in every table (the
 * multi-form tables count a person under at most STATS_FORM_CAP forms).
 *
 * Used by `tiphub stats` (cli_stats.c) and the HTML report.
 */
#ifndef TIPHUB_STATS_H
#define TIPHUB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "store.h"

struct json_t;

/* Forms a person counts under, at most, in the multi-form tables (form_all, iccs). */
#define STATS_FORM_CAP 3
/* Records a person adds to the DP count of records, at most. */
#define STATS_DP_RECORD_CAP 4
/* The CTDC threshold: counts 1..K-1 are suppressed. */
#define STATS_SDC_K_DEFAULT 11
/* The budget of a dataset the ledger has not seen before: epsilon 1. */
#define STATS_DP_DEFAULT_BUDGET "1"
/* delta of each Gaussian release (see docs/STATISTICS.md, "Gaussian noise"). */
#define STATS_DP_GAUSS_DELTA 1e-10
/* Agencies per person: categories 1, 2, ..., STATS_AGENCIES_MAX - 1 and "STATS_AGENCIES_MAX or
 * more". */
#define STATS_AGENCIES_MAX 5
/* The agency pairs listed (those sharing the most persons). */
#define STATS_TOP_PAIRS 20

/* ---- the attributes of a person ---- */

enum stats_sex {
    STATS_SEX_FEMALE = 0,
    STATS_SEX_MALE,
    STATS_SEX_OTHER,
    STATS_SEX_UNKNOWN,
    STATS_NSEX
};
enum stats_age { STATS_AGE_CHILD = 0, STATS_AGE_ADULT, STATS_AGE_UNKNOWN, STATS_NAGE };

/*
 * The groups of sex and age of the table sex_age_groups: the Global Report's
 * headline groups (women, men, girls, boys) first, then every other person in
 * exactly one of three groups. Under --sdc this 1-D table is published instead of
 * the 2-D sex x age table (docs/STATISTICS.md, "Women, men, girls and boys").
 */
enum stats_group {
    STATS_GROUP_WOMEN = 0,   /* female, adult */
    STATS_GROUP_MEN,         /* male, adult */
    STATS_GROUP_GIRLS,       /* female, child */
    STATS_GROUP_BOYS,        /* male, child */
    STATS_GROUP_OTHER_SEX,   /* other sex, any age */
    STATS_GROUP_SEX_UNKNOWN, /* sex not recorded, any age */
    STATS_GROUP_AGE_UNKNOWN, /* female or male, age not recorded */
    STATS_NGROUPS
};
/* The groups 0..STATS_GROUP_HEADLINE-1 are the headline groups. */
#define STATS_GROUP_HEADLINE 4

/* The group of a person of sex s (enum stats_sex) and age group a (enum stats_age). */
enum stats_group stats_group_of(unsigned s, unsigned a);

/* The code ("WOMEN", ...) and the label of group g, as the table sex_age_groups lists them. */
const char *stats_group_code(enum stats_group g);
const char *stats_group_label(enum stats_group g);

/* Flows from citizenship to country of detection, as the Global Report classes them. */
enum stats_flow {
    STATS_FLOW_DOMESTIC = 0, /* detected in the country of citizenship */
    STATS_FLOW_INTRA,        /* another country of the same Global Report region */
    STATS_FLOW_TRANS,        /* a country of another Global Report region */
    STATS_FLOW_UNKNOWN,      /* citizenship or country of detection unknown, or no region */
    STATS_NFLOW
};

/* One person, resolved from their records (stats_person.c). */
struct stats_person {
    int16_t year;          /* year of first identification, 0 unknown */
    uint8_t sex;           /* enum stats_sex */
    uint8_t age;           /* enum stats_age */
    uint16_t citizenship;  /* country index + 1 (codes_country_at), 0 unknown */
    uint16_t detection;    /* country of detection, the same way */
    uint16_t exploitation; /* country of exploitation, the same way */
    uint16_t forms;        /* codes_forms_person() of the union, capped at STATS_FORM_CAP */
    int8_t form;           /* codes_form_primary() of the union, -1 when none */
    uint8_t nagencies;     /* distinct agencies that recorded the person */
    uint16_t nrecords;     /* records of the person (saturates at 65535) */
};

/* ---- tables ---- */

enum stats_protection {
    STATS_EXACT = 0, /* exact counts, unprotected */
    STATS_SDC,       /* threshold and secondary suppression */
    STATS_DP,        /* differential privacy */
};

/* A category of a table's rows or columns; strings are owned by the table. */
struct stats_cat {
    char *code;  /* stable code: "F", "DEU", "FORM_SEX", "02041", "2022", "unknown" */
    char *label; /* for people: "Female", "Germany", ... (from codes_*_label) */
};

/* Status of a published entry (cell or margin). */
enum {
    STATS_SHOWN = 0,     /* published */
    STATS_PRIMARY = 1,   /* suppressed: 1 <= count < K */
    STATS_SECONDARY = 2, /* suppressed so that no primary one can be recovered */
    STATS_WITHHELD = 3,  /* the whole table could not be protected: nothing published */
};

/*
 * A table of counts: 1-D (ncols == 1, no column dimension) or 2-D, with its margins.
 * Entries are addressed on the extended grid of (nrows + 1) x (ncols + 1) values:
 * cell (i, j), row total (i, ncols), column total (nrows, j), grand total
 * (nrows, ncols). A 1-D table has only cells (i, 0) and the total (nrows, 0).
 */
struct stats_table {
    char *name;           /* "sex_age", "citizenship", "records_year", ... */
    char *title;          /* "Detected victims by sex and age group" */
    char *unit;           /* "persons", "records", or "person-forms" (multi-valued) */
    char *row_dim;        /* "sex", "country of citizenship", ... */
    char *col_dim;        /* NULL for a 1-D table */
    unsigned sensitivity; /* the most one person changes the table (L1) */
    size_t nrows, ncols;
    struct stats_cat *rows;
    struct stats_cat *cols; /* NULL for 1-D */
    int64_t *v;             /* (nrows + 1) * (ncols + 1) values, row-major on the extended grid */
    unsigned char *status;  /* the same shape: STATS_SHOWN, ... */
    /*
     * 1-D only: rows 0..headline-1 are headline categories (women, men, girls, boys)
     * that secondary suppression takes only when no other cell will do. 0: none.
     */
    size_t headline;
};

/* Index of entry (i, j) on the extended grid. */
static inline size_t stats_at(const struct stats_table *t, size_t i, size_t j)
{
    return i * (t->ncols + 1) + j;
}
static inline bool stats_is_1d(const struct stats_table *t)
{
    return t->cols == NULL;
}

/*
 * Set the cells of groups (the 1-D table sex_age_groups, rows in enum stats_group
 * order) to the sums of the cells of sex_age (STATS_NSEX x STATS_NAGE) by
 * stats_group_of(); margins are left to the caller.
 */
void stats_groups_from_sex_age(const struct stats_table *sex_age, struct stats_table *groups);

/* An agency pair and the persons both recorded. */
struct stats_pair {
    char *a, *b; /* agency names, a < b */
    int64_t persons;
    unsigned char status; /* STATS_SHOWN, or STATS_PRIMARY when under K (not listed) */
};

/* Options of a computation. */
struct stats_options {
    int64_t run_id; /* the link run; 0 for the latest */
    int year;       /* only persons first identified in this year; 0 for all */
    int year_from;  /* fixed year categories year_from..year_to (DP); 0 for the data's */
    int year_to;
    bool records;      /* also the record-level tables (exact only) */
    bool keep_persons; /* also every resolved person (stats_result.person_list) */
};

void stats_options_init(struct stats_options *o);

/* Everything computed for one run. */
struct stats_result {
    int64_t run_id;
    char run_created_at[32];
    char run_method[64];
    enum stats_protection protection;
    unsigned k;             /* SDC threshold */
    uint64_t persons;       /* persons of the run (after the year filter) */
    uint64_t records;       /* their records */
    uint64_t persons_multi; /* persons recorded by more than one agency */
    struct stats_table *tables;
    size_t ntables;
    struct stats_pair *pairs; /* the STATS_TOP_PAIRS pairs sharing the most persons */
    size_t npairs;
    size_t nagencies;    /* agencies with at least one record in the run */
    bool dp_fixed_lists; /* categories are the full public lists (DP) */
    /*
     * With stats_options.keep_persons: every person of the run as resolved, before
     * the year filter, in the order of their person numbers (exploitation is 0: the
     * tables do not read it). Exact values: for the hub's own computations (the
     * report's profiles, a DP release's count of records), never published as is.
     */
    struct stats_person *person_list;
    size_t nperson_list;
};

void stats_result_init(struct stats_result *r);
void stats_result_release(struct stats_result *r);

/* The table called name, or NULL. */
struct stats_table *stats_find(const struct stats_result *r, const char *name);

/*
 * Read the persons of run o->run_id (the latest when 0) and compute every table,
 * exact. With dp_lists, categories are the full public lists (every country,
 * every year of o->year_from..year_to) and the tables are those a DP release
 * measures; otherwise countries and years are those present. Returns 0,
 * ERR_NOTFOUND when there is no such run, or ERR_DB.
 */
int stats_compute(struct store *s, const struct stats_options *o, bool dp_lists,
                  struct stats_result *out, struct err *e);

/* ---- persons (stats_person.c) ---- */

/*
 * Resolve one person from its n records (any order): the rule of
 * docs/STATISTICS.md. agency ids are the records' agencies as small integers
 * (agency[i] for record i), used to count distinct agencies.
 */
void stats_person_resolve(const struct store_hub_record *const *recs, const unsigned *agency,
                          size_t n, struct stats_person *out);

/* The flow class of a person (citizenship to country of detection). */
enum stats_flow stats_flow_class(const struct stats_person *p);

/* ---- disclosure control (stats_sdc.c, stats_audit.c) ---- */

/*
 * Apply threshold suppression with threshold k (cells and margins 1..k-1) and
 * secondary suppression to every table of r, and drop agency pairs under k. Zero
 * counts are published. Record-level tables are removed (they are not protected:
 * their unit is not the person), and so is the 2-D table sex_age: sex_age_groups
 * publishes its groups, and the two together would not be one network that the
 * audit can check. Returns 0.
 */
int stats_sdc_apply(struct stats_result *r, unsigned k);

/*
 * The audit of a whole protected result: the number of suppressed entries whose
 * value an attacker can determine from everything the result publishes, taking
 * each table alone and the country tables together with the region tables that
 * add them up (one network per geography). 0 after stats_sdc_apply().
 */
size_t stats_sdc_audit(struct stats_result *r);

/*
 * Protect one table in place: suppress entries 1..k-1, then add secondary
 * suppressions until stats_audit_table() finds no suppressed entry whose value is
 * determined. Entries whose status is already non-zero are kept suppressed.
 * Returns the number of entries suppressed.
 */
size_t stats_sdc_table(struct stats_table *t, unsigned k);

/*
 * The exact interval an attacker can compute for entry idx of t (suppressed):
 * the least and greatest values it can take over all non-negative integer tables
 * that agree with every published entry of t, where every suppressed entry is at
 * least lb (1 when zeros are published, as here) and every row, column and total
 * adds up. *hi is INT64_MAX when unbounded. Exact (max-flow on the table's
 * network; integer and real intervals agree, the constraint matrix being totally
 * unimodular).
 */
void stats_audit_entry(const struct stats_table *t, size_t idx, int64_t lb, int64_t *lo,
                       int64_t *hi);
/* The number of suppressed entries of t whose interval is a single value. */
size_t stats_audit_table(const struct stats_table *t, int64_t lb);

/* ---- differential privacy (stats_dp.c) ---- */

enum stats_mechanism { STATS_LAPLACE = 0, STATS_GAUSSIAN };

struct stats_dp_query {
    const char *dataset; /* the ledger's dataset name */
    const char *epsilon; /* decimal, at most 9 digits after the point, > 0 */
    enum stats_mechanism mechanism;
    struct stats_options opt; /* run, year, year range */
};

/* A stored release (strings owned; stats_release_free()). */
struct stats_release {
    int64_t id;
    char *dataset;
    char *query_key;
    char *mode;    /* "dp-laplace" or "dp-gaussian" */
    char *epsilon; /* as charged, decimal */
    char *payload; /* the JSON of the release, as served */
    char *created_at;
    bool reused; /* the same query was asked before: this is the stored release */
};

void stats_release_free(struct stats_release *r);

/*
 * The canonical query key of q: every parameter, run id included, in a fixed
 * order. Two queries with the same key get the same stored release. Writes into
 * out[size]; returns 0 or ERR_INVALID (bad epsilon) / ERR_NOTFOUND (no run).
 */
int stats_dp_query_key(struct store *s, const struct stats_dp_query *q, char *out, size_t size,
                       struct err *e);

/*
 * Make (or find) the DP release of q. In one write transaction: if the dataset
 * has a release with the same query key it is returned (reused = true, no noise
 * drawn, nothing charged); otherwise every table is computed, noise is drawn for
 * every cell, the release is stored and the ledger debited, and the transaction
 * commits. A query that would take the dataset over its budget is refused with
 * ERR_REFUSED and nothing is stored or charged. seed, when not NULL, makes the
 * noise reproducible (tests only); NULL draws from the system.
 */
int stats_dp_release(struct store *s, const struct stats_dp_query *q, const unsigned char *seed,
                     struct stats_release **out, struct err *e);

/* The stored release id (ERR_NOTFOUND if none). */
int stats_release_get(struct store *s, int64_t id, struct stats_release **out, struct err *e);

/*
 * Test hook: when set, stats_dp_release() calls it after the noise is drawn and
 * the release written, before the commit; a non-zero return makes the release
 * fail (rolled back) with that code. Tests use it to check that nothing is spent
 * when a release dies before its commit.
 */
extern int (*stats_dp_test_hook)(void);

/* Parse an epsilon ("0.5", "1", "0.000000001") into nano-epsilon. 0 or ERR_INVALID. */
int stats_epsilon_parse(const char *s, int64_t *nano, struct err *e);
/* Write nano-epsilon as a decimal ("0.5") into out[32]. */
void stats_epsilon_format(int64_t nano, char out[32]);

/* ---- output (stats_json.c) ---- */

/* The whole result as a JSON object ("persons", "records", "tables", ...); new reference. */
struct json_t *stats_to_json(const struct stats_result *r);
/* One table as JSON; new reference. */
struct json_t *stats_table_json(const struct stats_table *t);
/*
 * Every table as CSV, one after another in long form:
 * table,row_code,row_label,col_code,col_label,value,status
 * where margins have col_code (or row_code) "total" and suppressed values are empty.
 */
int stats_write_csv(const struct stats_result *r, FILE *out, struct err *e);

#endif
