/*
 * store.h: the tiphub store, one SQLite file. The only module that includes
 * sqlite3.h; everything else reaches the database through these functions.
 *
 * An agency's store holds its case records (with names: it never leaves the
 * agency), their earlier revisions, the rows set aside in quarantine, and a log of
 * imports. A hub's store (later migrations) holds submissions of encodings, the
 * persons found by linkage and the statistics released. One schema serves both;
 * each side simply leaves the other's tables empty.
 *
 * The file is opened in WAL mode with synchronous=FULL and foreign keys on. The
 * schema has a version (PRAGMA user_version) and forward migrations run when the
 * file is opened (store_schema.c). A bulk write runs inside store_begin() /
 * store_commit(): killed at any moment, the store holds either all of it or none
 * of it.
 */
#ifndef TIPHUB_STORE_H
#define TIPHUB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rec.h"

struct store;

enum {
    STORE_CREATE = 1u << 0,   /* create the file if it does not exist */
    STORE_READONLY = 1u << 1, /* open for reading only (no migration) */
};

/*
 * Open (and with STORE_CREATE create) the store at path and bring its schema up to
 * date. Fails with ERR_NOTFOUND if it does not exist and STORE_CREATE is not set,
 * ERR_CORRUPT if the file is not a tiphub store or is newer than this program.
 */
int store_open(const char *path, unsigned flags, struct store **out, struct err *e);
/* Close; rolls back an open transaction. NULL is a no-op. */
void store_close(struct store *s);

/* The schema version of the open store, and the one this program writes. */
int store_schema_version(struct store *s);
int store_schema_latest(void);

/* Begin an immediate (write) transaction; commit it; roll it back (never fails). */
int store_begin(struct store *s, struct err *e);
int store_commit(struct store *s, struct err *e);
void store_rollback(struct store *s);

/* PRAGMA integrity_check and foreign_key_check: 0 if both are clean, else ERR_CORRUPT. */
int store_check(struct store *s, struct err *e);

/* ---- agencies ---- */

/*
 * The id of the agency called name, created if new. type (an HTCDS org_Type) and
 * country (alpha-3) may be NULL; when given they update the agency.
 */
int store_agency_ensure(struct store *s, const char *name, const char *type, const char *country,
                        int64_t *id, struct err *e);

/* Call fn for every agency, by name, with its number of cases. */
int store_agency_each(struct store *s,
                      int (*fn)(const char *name, const char *type, const char *country,
                                uint64_t ncases, void *arg),
                      void *arg, struct err *e);

/* ---- imports ---- */

struct store_import_counts {
    uint64_t read;        /* rows read from the file */
    uint64_t stored;      /* rows now in the store: inserted + updated + unchanged */
    uint64_t inserted;    /* new cases */
    uint64_t updated;     /* changed cases (the previous revision is kept) */
    uint64_t unchanged;   /* rows identical to the stored case */
    uint64_t quarantined; /* rows set aside, with reasons */
};

/*
 * Record the start of an import of source (a path as given) in format ("csv" or
 * "jsonl"), with the file's SHA-256 in hex and its header line (raw bytes, may be
 * NULL for JSONL). Call inside the import's transaction.
 */
int store_import_start(struct store *s, const char *source, const char *format,
                       const char *sha256_hex, const void *header, size_t header_len,
                       int64_t *import_id, struct err *e);
int store_import_finish(struct store *s, int64_t import_id, const struct store_import_counts *c,
                        struct err *e);

/* ---- cases ---- */

enum store_put_result {
    STORE_PUT_INSERTED,
    STORE_PUT_UPDATED,
    STORE_PUT_UNCHANGED,
    STORE_PUT_REPEATED, /* this import already wrote the case: nothing was done */
};

/*
 * Store record r (already validated) for agency_id: insert it, or if the agency
 * has a case with the same case_ref, update it when it differs (keeping the old
 * values as a revision) or leave it when it is the same. If the case was inserted
 * or updated by this same import_id (its case_ref repeats within one file), nothing
 * is done and the result is STORE_PUT_REPEATED. *case_id (may be NULL) gets the
 * case's id.
 */
int store_case_put(struct store *s, int64_t import_id, int64_t agency_id, const struct rec *r,
                   enum store_put_result *result, int64_t *case_id, struct err *e);

/*
 * Call fn for every case (of the agency called agency, or all when NULL), in id
 * order, with the record filled with its current values (org_* fields from the
 * agency). fn returns 0 to go on; any other value stops and is returned.
 */
int store_case_each(struct store *s, const char *agency,
                    int (*fn)(const struct rec *r, int64_t case_id, void *arg), void *arg,
                    struct err *e);

/*
 * Call fn with each distinct key of the cases' extra data (columns tiphub does not
 * know, kept from the input), in sorted order.
 */
int store_case_extra_keys(struct store *s, const char *agency,
                          int (*fn)(const char *key, void *arg), void *arg, struct err *e);

/* Number of cases and of kept revisions (of one agency or all when agency is NULL). */
int store_case_count(struct store *s, const char *agency, uint64_t *cases, uint64_t *revisions,
                     struct err *e);

/* How many imports the store has logged. */
int store_import_count(struct store *s, uint64_t *n, struct err *e);

/* ---- quarantine ---- */

struct store_quarantine_row {
    int64_t id; /* set by the store */
    int64_t import_id;
    const char *agency; /* NULL if the row's agency could not be told */
    const char *source; /* file as given to import */
    const char *format; /* "csv" or "jsonl" */
    uint64_t line;      /* 1-based line where the row starts */
    const void *raw;    /* the row's bytes as in the file */
    size_t raw_len;
    bool raw_truncated;     /* raw was cut at the record size limit */
    uint64_t raw_total;     /* full length of the row */
    const char *reasons;    /* JSON array of {line, column, field, reason} */
    const char *status;     /* "open" or "resolved" (set by the store) */
    const char *created_at; /* set by the store */
    const void *header;     /* the import's header line (CSV), may be NULL */
    size_t header_len;
};

/*
 * Set a row aside. If the same agency has an open entry with the same raw bytes
 * (a re-import of the same file), nothing is added and *added is false.
 */
int store_quarantine_add(struct store *s, const struct store_quarantine_row *q, bool *added,
                         struct err *e);

struct store_quarantine_filter {
    const char *agency; /* NULL for all */
    int64_t import_id;  /* 0 for all */
    const int64_t *ids; /* only these ids, or NULL */
    size_t nids;
    bool include_resolved;
};

/* Call fn for each matching entry in id order (fields valid during the call). */
int store_quarantine_each(struct store *s, const struct store_quarantine_filter *f,
                          int (*fn)(const struct store_quarantine_row *q, void *arg), void *arg,
                          struct err *e);

/* Mark entry id resolved by case case_id. ERR_NOTFOUND if it is not open. */
int store_quarantine_resolve(struct store *s, int64_t id, int64_t case_id, struct err *e);
/* Replace an open entry's raw bytes and reasons after a failed retry. */
int store_quarantine_update(struct store *s, int64_t id, const void *raw, size_t raw_len,
                            const char *reasons, struct err *e);
/* Open and resolved entries (of one agency or all). */
int store_quarantine_count(struct store *s, const char *agency, uint64_t *open, uint64_t *resolved,
                           struct err *e);

/* ---- agency: encoding runs and the references they gave ---- */

/* Log an encoding run of agency's cases; *id gets its id. */
int store_encoding_add(struct store *s, const char *agency, const char *schema_hash,
                       unsigned clk_bits, uint64_t nrecords, const char *output, int64_t *id,
                       struct err *e);
/* Set the number of records the encoding run gave references to. */
int store_encoding_finish(struct store *s, int64_t encoding_id, uint64_t nrecords, struct err *e);
/* Remember that reference ref of encoding encoding_id stands for case case_id. */
int store_encoding_ref_add(struct store *s, int64_t encoding_id, const char *ref, int64_t case_id,
                           struct err *e);

/* ---- hub: submissions of encodings ---- */

struct store_submission {
    const char *agency;      /* who submitted */
    const char *schema_hash; /* hex SHA-256 of the canonical linkage schema */
    unsigned clk_bits;       /* l, the length of every CLK in bits (a multiple of 8) */
    const char *encoder;     /* e.g. "tiphub 0.1.0" */
    const char *created_at;  /* as the agency wrote it */
    const char *sha256;      /* of the submission file: the same file is added only once */
    const char *header;      /* the header object, as JSON text */
};

struct store_hub_record {
    int64_t id;               /* reading: set by the store */
    const char *ref;          /* the agency's opaque random reference */
    const unsigned char *clk; /* clk_len bytes */
    size_t clk_len;
    unsigned popcount;        /* bits set in clk */
    char sex;                 /* 'F' female, 'M' male, 'X' other, 'U' unknown */
    char age;                 /* 'C' child (under 18), 'A' adult, 'U' unknown */
    const char *citizenship;  /* ISO alpha-3 list, ';'-separated, or NULL */
    const char *detected_in;  /* alpha-3 of the country of detection (the agency's), or NULL */
    const char *exploited_in; /* alpha-3 of the country of exploitation, or NULL */
    unsigned forms;           /* bits 1u << CODES_FORM_* (never CODES_FORM_MIXED) */
    int year;                 /* year of identification, 0 when unknown */
    int64_t submission_id;    /* reading: set by the store */
    const char *agency;       /* reading: set by the store */
};

/*
 * Add a submission's header. The agency's earlier active submission, if any, is
 * superseded by it (*replaced gets its id, else 0). ERR_EXISTS if a file with the
 * same sha256 was added before.
 */
int store_submission_add(struct store *s, const struct store_submission *sub, int64_t *id,
                         int64_t *replaced, struct err *e);
/* Add one record of submission submission_id; then count it. */
int store_hub_record_add(struct store *s, int64_t submission_id, const struct store_hub_record *r,
                         struct err *e);
/* Set the submission's record count once its records are added. */
int store_submission_finish(struct store *s, int64_t submission_id, uint64_t nrecords,
                            struct err *e);

/*
 * Call fn for every active submission, in id order, with its id and record count
 * (sub->sha256 and sub->header are NULL: linkage checks schema_hash and clk_bits).
 */
int store_submission_each(struct store *s,
                          int (*fn)(int64_t id, const struct store_submission *sub,
                                    uint64_t nrecords, void *arg),
                          void *arg, struct err *e);

/* Call fn for every record of the active submissions, in id order. */
int store_hub_record_each(struct store *s, int (*fn)(const struct store_hub_record *r, void *arg),
                          void *arg, struct err *e);
/* Active submissions and their records. */
int store_hub_count(struct store *s, uint64_t *nsubmissions, uint64_t *nrecords, struct err *e);

/* ---- hub: link runs and the persons they found ---- */

struct store_link_run {
    int64_t id;                   /* reading: set by the store */
    const char *created_at;       /* reading: set by the store */
    const char *threshold;        /* Dice threshold as given, e.g. "0.8" */
    const char *agency_threshold; /* the stricter one within an agency, or NULL */
    const char *method;           /* e.g. "exact-greedy" */
    uint64_t nrecords;
    uint64_t npersons;
    uint64_t ncomparisons;
    uint64_t npairs; /* candidate pairs at or above the threshold */
    double seconds;
};

/* Record a run; then add its members with store_person_member_add(). */
int store_link_run_add(struct store *s, const struct store_link_run *run, int64_t *run_id,
                       struct err *e);
/* Record that hub record record_id belongs to person (a number unique within the run). */
int store_person_member_add(struct store *s, int64_t run_id, int64_t record_id, int64_t person,
                            struct err *e);
/* The latest run (ERR_NOTFOUND when there is none): fills *run (strings valid until close). */
int store_link_run_latest(struct store *s, struct store_link_run *run, struct err *e);

/*
 * Call fn for every member of run run_id, ordered by person and then record id, with
 * the record's attributes (r->clk is NULL: statistics never need it).
 */
int store_person_each(struct store *s, int64_t run_id,
                      int (*fn)(int64_t person, const struct store_hub_record *r, void *arg),
                      void *arg, struct err *e);

/* ---- hub: statistics releases and the privacy budget ledger (store_stats.c) ---- */

/*
 * A differentially private release as stored. Amounts of epsilon are held as
 * whole nano-epsilon (1e-9) so that the ledger adds them exactly.
 */
struct store_release {
    int64_t id;             /* set by the store */
    const char *dataset;    /* the ledger's dataset */
    const char *query_key;  /* canonical text of every parameter, run id included */
    const char *mode;       /* "dp-laplace", "dp-gaussian" */
    int64_t epsilon_nano;   /* the epsilon charged */
    double delta;           /* the delta charged (0 for pure DP) */
    const char *payload;    /* the release as JSON text */
    const char *created_at; /* set by the store */
};

/*
 * The budget of dataset: *total_nano and *spent_nano, and *delta_spent (may be
 * NULL). A dataset the ledger has not seen has total default_total_nano and spent
 * 0 (*exists false); it is not written.
 */
int store_budget_get(struct store *s, const char *dataset, int64_t default_total_nano,
                     int64_t *total_nano, int64_t *spent_nano, double *delta_spent, bool *exists,
                     struct err *e);
/* Set the total budget of dataset (created if new). ERR_REFUSED if below what is spent. */
int store_budget_set(struct store *s, const char *dataset, int64_t total_nano, struct err *e);

/*
 * Find the release of dataset with query_key; calls fn with it (strings valid
 * during the call) and returns 1, or returns 0 when there is none.
 */
int store_release_find(struct store *s, const char *dataset, const char *query_key,
                       int (*fn)(const struct store_release *r, void *arg), void *arg,
                       struct err *e);
/* The same by id; ERR_NOTFOUND when there is none. */
int store_release_get(struct store *s, int64_t id,
                      int (*fn)(const struct store_release *r, void *arg), void *arg,
                      struct err *e);
/*
 * Inside the caller's transaction: debit r->epsilon_nano (and r->delta) from
 * r->dataset's budget (created with default_total_nano if new) and store r.
 * ERR_REFUSED, with nothing written, when the debit would exceed the total.
 * *id gets the release's id.
 */
int store_release_add(struct store *s, const struct store_release *r, int64_t default_total_nano,
                      int64_t *id, struct err *e);
/* Every release of dataset (all when NULL), by id: fn gets each (payload included). */
int store_release_each(struct store *s, const char *dataset,
                       int (*fn)(const struct store_release *r, void *arg), void *arg,
                       struct err *e);

/*
 * The statistics scan of a link run: its members and the coarse attributes of their
 * records, in sequential scans of covering indexes (no join, no sort). The callbacks
 * of store_run_read(), called in this order:
 *
 *   submission  every submission (id order) with its agency;
 *   begin       once, with the range lo..hi of the record ids of the run's members
 *               (lo > hi when the run has none: then nothing more is called);
 *   record      every hub record with an id in lo..hi, in id order within a part,
 *               with id, submission_id, sex, age, year, forms, detected_in and
 *               citizenship set (no ref, CLK, agency or country of exploitation:
 *               no table uses them); strings valid during the call;
 *   member      every member of the run, ordered by person, then record id.
 *
 * On a large run, when s has no transaction open, the work is split over two
 * connections to the same file on two threads: record() is then called from both
 * at once (part 0 and part 1, on disjoint ranges of ids), and member() from the
 * thread of part 1. The callbacks must keep their parts apart. A callback returns
 * 0 to go on; anything else stops the scan and is returned.
 */
struct store_run_reader {
    int (*submission)(int64_t id, const char *agency, void *arg);
    int (*begin)(int64_t lo, int64_t hi, void *arg);
    int (*record)(const struct store_hub_record *r, unsigned part, void *arg);
    int (*member)(int64_t person, int64_t record_id, void *arg);
    void *arg;
};

/* Read run run_id through the callbacks of cb. Returns 0, ERR_DB, or a callback's code. */
int store_run_read(struct store *s, int64_t run_id, const struct store_run_reader *cb,
                   struct err *e);

/* The run with this id (as store_link_run_latest); ERR_NOTFOUND when there is none. */
int store_link_run_get(struct store *s, int64_t run_id, struct store_link_run *run, struct err *e);

#endif
