/*
 * ingest.h: import of case files into an agency store, export back out, and the
 * retry of quarantined rows.
 *
 * Import reads CSV or JSON Lines whose columns (keys) are HTCDS field names,
 * matched ignoring case, or other names mapped to them by a column map (--map).
 * Every row is validated (rec.h) and either stored or set aside in quarantine with
 * its raw bytes and every reason, so that for each file
 *
 *     rows read == rows stored + rows quarantined
 *
 * always holds. Each file is imported in one transaction: killed at any moment,
 * the store holds all of the file's rows or none of them (docs/IMPORT.md).
 * Re-importing a file changes nothing; a changed row (same agency and case_ref) is
 * an update and the previous revision is kept.
 *
 * Export writes every case as CSV or JSON Lines in canonical form; importing an
 * export into a new store and exporting again gives identical bytes.
 */
#ifndef TIPHUB_INGEST_H
#define TIPHUB_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "rec.h"
#include "store.h"

enum ingest_format {
    INGEST_AUTO = 0, /* by extension (.csv, .jsonl, .ndjson), else by the first byte */
    INGEST_CSV,
    INGEST_JSONL,
};

struct ingest_map; /* a column map (ingest_map.c) */

/* One rejected row, passed to the report callback (valid during the call). */
struct ingest_rejection {
    const char *source;              /* the file as given */
    uint64_t line;                   /* 1-based line where the row starts */
    const struct rec_issues *issues; /* every reason (at least one) */
    const char *const *column_names; /* header names by 1-based column (index 0 unused), or NULL */
    size_t ncolumns;
};

struct ingest_options {
    const char *agency;           /* --agency: the agency of rows without org_Name */
    enum ingest_format format;    /* INGEST_AUTO unless --format */
    const struct ingest_map *map; /* --map, or NULL */
    size_t max_record;            /* bytes per row; 0 means 1 MiB */
    const char *today;            /* "YYYY-MM-DD" for date checks; NULL means today */
    bool progress;                /* show a progress bar (if stderr is a terminal) */
    /* Called for every rejected row, and for file-level warnings (issues NULL). */
    void (*on_reject)(const struct ingest_rejection *rj, void *arg);
    void (*on_warning)(const char *source, const char *message, void *arg);
    void *cb_arg;
};

struct ingest_file_result {
    struct store_import_counts counts;
    int64_t import_id;
    bool refused; /* the file as a whole was refused (see error) */
};

/*
 * Import one file into s. Returns 0 when the file was read to the end (rows may
 * have been quarantined: see counts), ERR_INVALID when the file as a whole was
 * refused before any row was stored (no header, no case_ref column; res->refused
 * set, e says why), or another ERR_* for an I/O or store failure (nothing of the
 * file is stored).
 */
int ingest_file(struct store *s, const char *path, const struct ingest_options *opt,
                struct ingest_file_result *res, struct err *e);

/* ---- column maps (--map FILE) ---- */

/*
 * Load a column map: a CSV with the header source,target,source_value,target_value
 * (docs/IMPORT.md). name is either a file path or "ctdc" for the shipped map of
 * the CTDC variable names (data/maps/ctdc.csv).
 */
int ingest_map_load(const char *name, struct ingest_map **out, struct err *e);
/* The same from map text data[0..len) (name is used in messages). */
int ingest_map_parse(const char *name, const void *data, size_t len, struct ingest_map **out,
                     struct err *e);
void ingest_map_free(struct ingest_map *m);

/* ---- export ---- */

enum ingest_export_format {
    INGEST_EXPORT_CSV,
    INGEST_EXPORT_JSONL,
};

/* Write every case (of agency, or all when NULL) to out. *ncases gets the count. */
int ingest_export(struct store *s, const char *agency, enum ingest_export_format format, FILE *out,
                  uint64_t *ncases, struct err *e);

/* ---- quarantine ---- */

/*
 * Write the open quarantine entries selected by f to out as CSV: the column
 * quarantine_id, the import's original header columns, then quarantine_reasons.
 * All selected entries must come from CSV imports with the same header (else
 * ERR_INVALID asks for --import). A person corrects the rows and runs retry.
 */
int ingest_quarantine_export(struct store *s, const struct store_quarantine_filter *f, FILE *out,
                             uint64_t *nrows, struct err *e);

/*
 * Retry quarantined rows. With path, read the corrected file written by
 * ingest_quarantine_export (rows keyed by quarantine_id); without, re-validate
 * the selected open entries as they are (after a code list or map change). Rows
 * that now pass are stored and their entries resolved; the others keep their
 * entries with the new reasons. counts->read == stored + quarantined.
 */
int ingest_quarantine_retry(struct store *s, const char *path,
                            const struct store_quarantine_filter *f,
                            const struct ingest_options *opt, struct store_import_counts *counts,
                            struct err *e);

#endif
