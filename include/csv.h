/*
 * csv.h: streaming CSV (RFC 4180) reader and writer.
 *
 * The reader turns a file (or memory) into records, one at a time, without ever
 * holding more than one record: quoted fields with embedded delimiters, quotes and
 * newlines; CRLF or LF line ends; a UTF-8 byte-order mark at the start; spaces
 * around fields (trimmed when csv_options.trim is set, never inside quotes).
 * Bytes are passed through as they are: NUL bytes and invalid UTF-8 are the record
 * validator's business (rec.h), not the parser's.
 *
 * A malformed record (a stray quote, text after a closing quote, a quote left open
 * at the end of the input, a record over max_record bytes, more than max_fields
 * fields) is returned as an error for that record only: the reader keeps its place
 * and the next csv_next() continues with the following record. The raw bytes of
 * every record, good or bad, are available so that a bad row can be quarantined
 * whole. Blank lines between records are skipped and are not records (a line of
 * spaces is not blank: it is a record of one field).
 *
 * Where a malformed record ends: a quote opens quoting only at the start of a field
 * (after spaces and tabs when trimming); anywhere else it counts as an ordinary byte
 * for finding the end of the record, so a stray quote does not swallow the lines
 * after it. A record ends at the first LF outside quotes (a CR just before it is
 * part of the line end) or at the end of the input. Line numbers count LF bytes, so
 * they are physical lines; a lone CR is data.
 *
 * Used by import (ingest.c), encode --csv, the code lists (codes.c) and the
 * synthetic data tests. Fuzzed by tests/fuzz/fuzz_csv.c.
 */
#ifndef TIPHUB_CSV_H
#define TIPHUB_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"

#define CSV_DEFAULT_MAX_RECORD ((size_t)1 << 20) /* 1 MiB */
#define CSV_DEFAULT_MAX_FIELDS 4096

struct csv_options {
    size_t max_record; /* most raw bytes in one record; 0 means CSV_DEFAULT_MAX_RECORD */
    size_t max_fields; /* most fields in one record; 0 means CSV_DEFAULT_MAX_FIELDS */
    char delimiter;    /* 0 means ','; must not be '"', CR or LF */
    bool trim;         /* trim spaces and tabs around fields (outside quotes; never the
                          delimiter itself, so a tab delimiter still works) */
};

struct csv_field {
    const char *data; /* the field's bytes with quoting undone; not NUL-terminated */
    size_t len;       /* length of data */
    uint64_t line;    /* 1-based line on which the field starts */
    bool quoted;      /* the field was written in quotes */
};

struct csv_record {
    struct csv_field *fields; /* fields[0..nfields), valid until the next csv_next() */
    size_t nfields;           /* 0 when csv_next() returned an error */
    uint64_t line;            /* 1-based line on which the record starts */
    uint64_t line_end;        /* line on which it ends (differs when fields hold newlines) */
    const char *raw;          /* the record's bytes as in the input, without its line end;
                                 valid until the next csv_next() */
    size_t raw_len;           /* length of raw (at most max_record) */
    bool raw_truncated;       /* raw was cut at max_record bytes */
    uint64_t raw_total;       /* the record's full length in bytes, even when truncated */
    size_t bad_field;         /* on a malformed record: 1-based field where the problem is
                                 (for a record too long, the field where it passed the limit;
                                 for an unterminated quote, the field that opened it), else 0 */
};

struct csv_reader;

/*
 * Read from f, which stays open and belongs to the caller. opt may be NULL.
 * Returns 0, or ERR_INVALID for a bad option (a quote or line end as delimiter).
 * The file is read in blocks of 256 KiB; memory use stays near
 * 2 * (max_record + 256 KiB) however long the file or its records.
 */
int csv_open_file(struct csv_reader **out, FILE *f, const struct csv_options *opt);
/* Read from data[0..len), which must outlive the reader. opt may be NULL. */
int csv_open_mem(struct csv_reader **out, const void *data, size_t len,
                 const struct csv_options *opt);
/* Free the reader (NULL is fine). The FILE, if any, is left open. */
void csv_close(struct csv_reader *r);
/*
 * For tests and fuzzing: read the file n bytes at a time instead of 256 KiB, so
 * records cross block boundaries. Call before the first csv_next(); no effect on
 * a reader of memory.
 */
void csv_set_read_size(struct csv_reader *r, size_t n);

/*
 * Read the next record into *rec.
 * Returns 1 when a record was read, 0 at the end of the input, ERR_INVALID or
 * ERR_TOOBIG for a malformed record (rec->raw, rec->line and rec->bad_field
 * describe it and reading can go on), or ERR_IO when reading failed (stop).
 * e gets a message such as "unterminated quoted field 3" that names the problem and
 * the field, never a value. A record with several problems reports an unterminated
 * quote first, then a record too long, then the first problem in field order.
 */
int csv_next(struct csv_reader *r, struct csv_record *rec, struct err *e);

/*
 * Bytes of the input consumed so far (for progress bars): the end of the last record
 * returned, with its line end and any blank lines and byte-order mark before it.
 */
uint64_t csv_bytes_read(const struct csv_reader *r);
/* True if the input began with a UTF-8 byte-order mark (skipped); known after the
 * first csv_next(). */
bool csv_had_bom(const struct csv_reader *r);

/*
 * Writer: append one field to b, quoted if it holds the delimiter ',', a quote,
 * CR, LF, or leading or trailing spaces (so a reader that trims gives it back
 * unchanged). Returns 0 or ERR_TOOBIG from buf.
 */
int csv_append_field(struct buf *b, const char *s, size_t len);
/* Append fields[0..n) separated by commas and a final "\n". NULL fields are empty. */
int csv_append_row(struct buf *b, const char *const *fields, size_t n);

#endif
