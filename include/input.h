/*
 * input.h: the block-buffered input under the streaming readers (csv.c, jsonl.c).
 *
 * A reader takes its bytes from a FILE, read in blocks of read_size (256 KiB), or
 * from the caller's memory, which is all there at once. Either way the bytes not yet
 * consumed are base[head..tail), and the record being read always starts at head.
 * When a block runs out in the middle of a record, the record is moved to the front
 * of the buffer and the next block appended (inside input_frame()); a UTF-8
 * byte-order mark at the very start is skipped (input_ready()).
 *
 * Records over max_record bytes are not held. Each reader frames a record with
 * input_frame(), giving it the function that finds where a record ends (an LF outside
 * quotes, say). Once framing has scanned past max_record + 2 bytes (the +2 leaves room
 * for a CRLF after a record of exactly max_record bytes), the first max_record bytes
 * are kept for the reader's raw copy of the record, and the rest is scanned and let
 * go (dropped counts it), keeping only the last byte scanned so that a CR before the
 * final LF can still be recognised. Memory is thus bounded by about
 * 2 * (max_record + read_size).
 *
 * What a record is, its line numbers and its fields are the readers' business; this
 * module only holds bytes. The struct is public so that a reader's hot path reads
 * base, head and tail directly.
 */
#ifndef TIPHUB_INPUT_H
#define TIPHUB_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

#define INPUT_READ_SIZE ((size_t)256 << 10)
/* Largest max_record a reader accepts, so that max_record + 2 and buffer sizes cannot
 * overflow. */
#define INPUT_MAX_RECORD_LIMIT (SIZE_MAX / 4)

struct input {
    /* Bytes. base[head..tail) are bytes read and not yet consumed. */
    FILE *f;          /* NULL when reading memory */
    const char *base; /* buf when reading a file, the caller's bytes otherwise */
    char *buf;        /* file mode: the read buffer */
    size_t cap;       /* bytes allocated for buf */
    size_t read_size; /* file mode: least room to offer fread */
    size_t head;      /* start of the record being read */
    size_t tail;      /* end of the bytes read */
    bool eof;         /* no more bytes will come */
    bool started;     /* the byte-order mark has been looked for */
    bool bom;         /* the input began with a UTF-8 byte-order mark */
    int io_errno;     /* errno of a failed read (then every call fails), else 0 */
    uint64_t offset;  /* input offset of base[head] */

    /* Framing of the record at head (input_frame); offsets count from base[head]. */
    size_t max_record;   /* most bytes of one record kept */
    size_t scan;         /* bytes framed so far */
    bool holding_prefix; /* over max_record: only the first max_record bytes are kept */
    uint64_t dropped;    /* bytes of the record scanned and let go */
};

/* Read from f, which stays open and belongs to the caller. max_record must be > 0. */
void input_init_file(struct input *in, FILE *f, size_t max_record);
/* Read from data[0..len), which must outlive the input. max_record must be > 0. */
void input_init_mem(struct input *in, const void *data, size_t len, size_t max_record);
/* Free the buffer (the FILE, if any, is left open). */
void input_release(struct input *in);
/* Read the file n bytes at a time instead of INPUT_READ_SIZE (tests and fuzzing).
 * No effect once reading has begun, or when n is 0. */
void input_set_read_size(struct input *in, size_t n);

/* Not for callers: the slow half of input_ready(). */
int input__start(struct input *in, struct err *e);

/*
 * Call before each record: returns ERR_IO if an earlier read failed, and on the first
 * call skips a UTF-8 byte-order mark (reading as needed). Returns 0 or ERR_IO.
 */
static inline int input_ready(struct input *in, struct err *e)
{
    if (in->io_errno != 0 || !in->started)
        return input__start(in, e);
    return 0;
}

/*
 * A reader's framing step: look at base[head + in->scan .. head + lim) for the end of
 * the record. Return true with *end the offset (from head) of the LF that ends it, or
 * false with in->scan set to lim when there is none there. ctx is the reader's.
 */
typedef bool input_scan_fn(struct input *in, size_t lim, size_t *end, void *ctx);

/*
 * Find the end of the record at head, scanning with scan and reading more input as
 * needed; scan is offered max_record bytes first, then max_record + 2, then the rest,
 * so it can note where the record passed the limit. Resets scan, holding_prefix and
 * dropped first. Returns 1 with *end the offset of the record's end (its LF when
 * *at_lf, else the end of the input), 0 when the input is done, or ERR_IO.
 */
int input_frame(struct input *in, input_scan_fn *scan, void *ctx, size_t *end, bool *at_lf,
                struct err *e);

/*
 * Consume the record framed by input_frame() that ends at offset end (and its LF when
 * at_lf): head moves past the bytes kept, offset past all of them, dropped included.
 * Its bytes stay where they are until the next input_frame() reads more.
 */
static inline void input_consume(struct input *in, size_t end, bool at_lf)
{
    in->head += end + at_lf;
    in->offset += in->dropped + end + at_lf;
}

/* Consume n bytes at head that were all kept (a record found without input_frame()). */
static inline void input_skip(struct input *in, size_t n)
{
    in->head += n;
    in->offset += n;
}

/* LF bytes in p[0..len), found with memchr: how the readers count lines (a lone CR is
 * data, so line numbers are the file's physical lines). */
static inline uint64_t input_count_lf(const char *p, size_t len)
{
    const char *end = p + len;
    uint64_t n = 0;

    for (;;) {
        const char *q = memchr(p, '\n', (size_t)(end - p));
        if (q == NULL)
            break;
        n++;
        p = q + 1;
    }
    return n;
}

#endif
