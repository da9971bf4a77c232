/*
 * jsonl.h: streaming JSON Lines reader.
 *
 * One JSON object per line (LF or CRLF), parsed with jansson, strictly: duplicate
 * keys, invalid UTF-8, \u0000 escapes and values that are not an object are errors
 * for that line only, and reading goes on with the next line. A line over
 * max_line bytes is an error (ERR_TOOBIG) for that line and is skipped to its end
 * without being held in memory. Blank lines (empty, or only spaces, tabs and a CR)
 * are skipped and are not records; a line of spaces over max_line is still too
 * long. A UTF-8 byte-order mark at the very start is skipped. Line numbers count
 * LF bytes, so they are the file's physical lines.
 *
 * jansson's own error text quotes the input, so it is never shown: messages are
 * built from json_error_code() and the byte position instead.
 *
 * Used by import (ingest.c) and the submission reader. Fuzzed by
 * tests/fuzz/fuzz_jsonl.c.
 */
#ifndef TIPHUB_JSONL_H
#define TIPHUB_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "err.h"

#define JSONL_DEFAULT_MAX_LINE ((size_t)1 << 20) /* 1 MiB */

struct jsonl_record {
    json_t *obj;        /* the parsed object (borrowed: valid until the next jsonl_next() or
                           jsonl_close(); json_incref() it to keep it), or NULL on error */
    uint64_t line;      /* 1-based line number */
    const char *raw;    /* the line's bytes without its line end; valid until the next call */
    size_t raw_len;     /* length of raw (at most max_line) */
    bool raw_truncated; /* raw was cut at max_line bytes */
    uint64_t raw_total; /* the line's full length */
    size_t column;      /* on a syntax error: 1-based byte position jansson stopped at (the
                           end of the offending token), else 0 */
};

struct jsonl_reader;

/*
 * Read from f, which stays open and belongs to the caller. max_line 0 means the
 * default. The file is read in blocks of 256 KiB. Returns 0 (or ERR_INVALID for an
 * absurd max_line).
 */
int jsonl_open_file(struct jsonl_reader **out, FILE *f, size_t max_line);
/* Read from data[0..len), which must outlive the reader. */
int jsonl_open_mem(struct jsonl_reader **out, const void *data, size_t len, size_t max_line);
/* Free the reader and the last object it returned (NULL is fine). f stays open. */
void jsonl_close(struct jsonl_reader *r);
/*
 * For tests and fuzzing: read the file n bytes at a time instead of 256 KiB, so
 * lines cross block boundaries. Call before the first jsonl_next().
 */
void jsonl_set_read_size(struct jsonl_reader *r, size_t n);

/*
 * Read the next line. Returns 1 with rec->obj set, 0 at the end, ERR_INVALID or
 * ERR_TOOBIG for a bad line (rec->obj NULL, rec->raw and rec->line describe it;
 * reading can go on), or ERR_IO when reading failed. e's message names the line's
 * problem (e.g. "invalid JSON at byte 12: duplicate object key", "expected a JSON
 * object, found an array", "line too long (...)") without quoting its contents.
 */
int jsonl_next(struct jsonl_reader *r, struct jsonl_record *rec, struct err *e);

/* Bytes of the input consumed so far (for progress bars). */
uint64_t jsonl_bytes_read(const struct jsonl_reader *r);

#endif
