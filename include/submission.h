/*
 * submission.h: the file an agency sends to the hub.
 *
 * A submission is JSON Lines. The first line is a header:
 *
 *   {"tiphub_submission": 1, "agency": "police-1", "created_at": "2026-11-28T10:00:00Z",
 *    "schema_hash": "<sha256 hex>", "clk_bits": 1024, "encoder": "tiphub 0.1.0",
 *    "records": 2, "popcount": {"mean": 381.5, "sd": 30.2, "min": 300, "max": 450},
 *    "fill": 0.3726}
 *
 * then one line per record, in random order:
 *
 *   {"ref": "<32 hex digits>", "clk": "<base64>", "sex": "F", "age": "C",
 *    "citizenship": ["NGA"], "detected_in": "DEU", "exploited_in": "DEU",
 *    "forms": ["FORM_SEX"], "year": 2022}
 *
 * ref is random, chosen per encoding run; the agency keeps which case it stands for.
 * sex is F, M, X (other) or U; age is C (child), A (adult) or U. There are no names,
 * no dates but the year, no case references: the reader refuses any key it does not
 * know, so nothing else can ride along to the hub by mistake.
 */
#ifndef TIPHUB_SUBMISSION_H
#define TIPHUB_SUBMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "store.h"

#define SUBMISSION_VERSION 1
#define SUBMISSION_REF_LEN 32 /* hex digits of a random 128-bit reference */

struct submission_header {
    char agency[256];
    char created_at[32];
    char schema_hash[65];
    unsigned clk_bits;
    char encoder[64];
    uint64_t records;
    double popcount_mean;
    double popcount_sd;
    unsigned popcount_min;
    unsigned popcount_max;
    double fill; /* popcount_mean / clk_bits */
};

/* ---- writing ---- */

struct submission_builder;

/* Start a submission of agency's records encoded under schema_hash with l = clk_bits. */
struct submission_builder *submission_builder_new(const char *agency, const char *schema_hash,
                                                  unsigned clk_bits, const char *encoder);
void submission_builder_free(struct submission_builder *b);

/*
 * Add a record (r->ref is ignored: a fresh random reference is made and copied to
 * ref_out, SUBMISSION_REF_LEN + 1 bytes, for the agency's own mapping).
 */
void submission_builder_add(struct submission_builder *b, const struct store_hub_record *r,
                            char *ref_out);

/* The header the builder will write (statistics over the records added so far). */
void submission_builder_header(const struct submission_builder *b, struct submission_header *h);

/* Shuffle the records and write the submission to out. */
int submission_builder_write(struct submission_builder *b, FILE *out, struct err *e);

/* ---- encoding an agency's store (tiphub encode --db) ---- */

struct clk_schema;
struct clk_encoder;

struct submission_encode_opts {
    const char *agency; /* whose cases; NULL when the store holds one agency only */
    bool skip_invalid;  /* leave out a case whose values the schema refuses, instead of failing */
    bool progress;      /* show a progress bar (on a terminal) */
    /* Called for each case left out (case_ref and the schema's reason, never a value). */
    void (*on_skip)(const char *case_ref, const char *why, void *arg);
    void *arg;
};

struct submission_encode_result {
    struct submission_header header; /* as written */
    uint64_t skipped;                /* cases left out (with skip_invalid) */
    int64_t encoding_id;             /* the run in the agency store's log */
};

/*
 * Encode every case of one agency in store s with enc (made from schema) into a
 * submission written to out, and log the run with every reference it gave in the
 * agency's store (one transaction, committed only once out is written; out_name is
 * what the log records). Each feature's identifier must name a field of the case
 * record (rec_fields.h).
 */
int submission_encode_store(struct store *s, const struct clk_schema *schema,
                            struct clk_encoder *enc, const char *schema_hash,
                            const struct submission_encode_opts *opt, FILE *out,
                            const char *out_name, struct submission_encode_result *res,
                            struct err *e);

/*
 * The hash that names a linkage schema: SHA-256 (hex) of its JSON with keys sorted and
 * no spaces, so that the same schema written differently has the same hash.
 */
int submission_schema_hash(const char *json, size_t len, char hex[65], struct err *e);

/* ---- reading ---- */

struct submission_reader;

/* Open a submission from f (which stays the caller's) and read its header. */
int submission_reader_open(FILE *f, struct submission_reader **out, struct err *e);
/* The same from memory (data must outlive the reader). */
int submission_reader_open_mem(const void *data, size_t len, struct submission_reader **out,
                               struct err *e);
const struct submission_header *submission_reader_header(const struct submission_reader *r);

/*
 * The next record, valid until the next call. Returns 1, 0 at the end, or ERR_INVALID
 * with e naming the line and key that is wrong (never a value).
 */
int submission_reader_next(struct submission_reader *r, struct store_hub_record *rec,
                           struct err *e);
void submission_reader_close(struct submission_reader *r);

#endif
