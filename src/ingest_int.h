/*
 * ingest_int.h: private to the ingest module (ingest*.c): column maps, the plan
 * that says where each input column goes, and turning one row into a record.
 */
#ifndef TIPHUB_INGEST_INT_H
#define TIPHUB_INGEST_INT_H

#include <jansson.h>

#include "buf.h"
#include "csv.h"
#include "hmap.h"
#include "ingest.h"
#include "progress.h"

/* One value translation of a map rule: source value -> target value ("" = none). */
struct ingest_map_value {
    char *from;
    char *to;
};

/* What a map says about one source column. */
struct ingest_map_rule {
    char *source;                    /* column name, or "@row" for the row number */
    int field;                       /* target REC_F_*, or -1 to keep it in extra */
    struct ingest_map_value *values; /* translations; none means values pass through */
    size_t nvalues;
    size_t alloc;
};

struct ingest_map {
    struct ingest_map_rule *rules;
    size_t nrules;
    size_t alloc;
};

/* The map's rule for column name[0..len), or NULL. */
const struct ingest_map_rule *ingest__map_find(const struct ingest_map *m, const char *name,
                                               size_t len);

struct ingest_column {
    char *name;                         /* header name as written (trimmed) */
    int field;                          /* REC_F_* or -1 (kept in extra) */
    const struct ingest_map_rule *rule; /* value translation, or NULL */
};

/* Where every column of a file goes. Built once per CSV file, once per JSONL row. */
struct ingest_plan {
    struct ingest_column *cols;
    size_t ncols;
    size_t alloc;
    int row_field;                       /* field filled with "row-<line>" ("@row" map), or -1 */
    unsigned char nsources[REC_NFIELDS]; /* columns feeding each field (capped at 255) */
    const char **names;                  /* names[1..ncols], for messages (index 0 unused) */
};

void ingest__plan_init(struct ingest_plan *p);
void ingest__plan_release(struct ingest_plan *p);
/* Add a column named name[0..len) (mapped through map when given). */
void ingest__plan_add(struct ingest_plan *p, const char *name, size_t len,
                      const struct ingest_map *map);
/* Finish after the last column: counts sources, fills names. */
void ingest__plan_done(struct ingest_plan *p, const struct ingest_map *map);

/* Reusable scratch space for turning rows into records. */
struct ingest_row {
    struct rec rec;
    struct rec_issues issues;
    struct buf acc[REC_NFIELDS]; /* values of multi-value fields fed by several columns */
    size_t acc_col[REC_NFIELDS]; /* first column that fed each field fed by several */
    struct buf translated;       /* a value made by a map's "{}" template */
    json_t *extra;               /* unknown columns of the current row */
};

void ingest__row_init(struct ingest_row *row);
void ingest__row_release(struct ingest_row *row);

/*
 * Fill row->rec from one CSV record laid out by plan; problems go to row->issues.
 * line is the record's first line (for "@row"). agency is --agency or NULL.
 */
void ingest__row_from_csv(struct ingest_row *row, const struct ingest_plan *plan,
                          const struct csv_record *cr, const char *agency);

/* Same for one JSON object (keys mapped through map when given). */
void ingest__row_from_json(struct ingest_row *row, json_t *obj, const struct ingest_map *map,
                           uint64_t line, const char *agency, struct ingest_plan *plan);

/* Render issues as the JSON array kept in quarantine.reasons (caller frees). */
char *ingest__reasons_json(const struct rec_issues *is, uint64_t line);

/* State of one file's import (ingest.c); also used to retry quarantined rows. */
struct ingest_importer {
    struct store *store;
    const struct ingest_options *opt;
    const char *path;
    const char *format_name;
    int64_t import_id;
    struct store_import_counts counts;
    struct ingest_row row;
    struct hmap seen;     /* "agency\0case_ref" of rows found unchanged, for repeats */
    struct hmap agencies; /* "name\0type\0country" -> agency id */
    char today[11];
    char sha256[65];
    struct progress progress;
    uint64_t size;
    int64_t retry_id; /* retrying this quarantine entry (0: a normal import) */
};

/* SHA-256 of the file at path, in hex, and its size. */
int ingest__hash_file(const char *path, char hex[65], uint64_t *size, struct err *e);

void ingest__importer_init(struct ingest_importer *im, struct store *s, const char *path,
                           const struct ingest_options *opt);
void ingest__importer_release(struct ingest_importer *im);

/*
 * Check the row in im->row and store it, or quarantine it (in a retry: update the
 * entry im->retry_id, or resolve it once stored). raw is the row as in the file;
 * names/ncols name the columns for reports.
 */
int ingest__take_row(struct ingest_importer *im, uint64_t line, const char *raw, size_t raw_len,
                     bool truncated, uint64_t total, const char *const *names, size_t ncols,
                     struct err *e);
/*
 * Read the rows of r (after its header) in a reader thread while this thread stores
 * or quarantines them in order (ingest_pipe.c). *nrows gets the rows read.
 */
int ingest__pipe_csv(struct ingest_importer *im, struct csv_reader *r,
                     const struct ingest_plan *plan, uint64_t *nrows, struct err *e);

/* The same for a record r already checked (rec_check), with its issues is. */
int ingest__take_checked(struct ingest_importer *im, const struct rec *r, struct rec_issues *is,
                         uint64_t line, const char *raw, size_t raw_len, bool truncated,
                         uint64_t total, const char *const *names, size_t ncols, struct err *e);
/* A record the parser could not read: quarantine it with the parser's reason why. */
int ingest__take_malformed(struct ingest_importer *im, uint64_t line, size_t column,
                           const char *raw, size_t raw_len, bool truncated, uint64_t total,
                           const char *why, const char *const *names, size_t ncols, struct err *e);

#endif
