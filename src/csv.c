/*
 * csv.c: the streaming CSV reader of csv.h (the writer half is in csv_write.c).
 *
 * NOTES ON THE DESIGN
 *
 * Nearly every record takes the fast path (fast_record): split_fields() cuts fields
 * straight out of the bytes at head, up to the first LF outside quotes. It finds
 * delimiters, quotes and LFs with a 16-byte mask of their positions (SSE2 compares
 * where the compiler has them) that serves several short fields in a row. Fields
 * point into the input bytes, except quoted fields holding "" escapes, which are
 * copied once without the doubled quotes into r->unesc (sized for the whole record
 * before the first copy, so pointers into it stay valid for the record).
 *
 * The fast path gives up on a malformed record (any error), a record that may be
 * over max_record, and a record not all read yet (no LF before the end of the
 * bytes at hand). Then the slow path first frames the record (frame_record,
 * frame_scan): it finds where the record ends with the state machine below, which
 * can stop at the end of the bytes read so far and go on after the next read, and
 * which follows quotes past max_record without holding the bytes. Then it splits
 * the framed record with the same split_fields(), or reports why it cannot.
 *
 *        FIELD_START --'"'--> QUOTED --'"'--> QUOTE --'"'--> QUOTED   ("" is a quote)
 *          |  ^  (spaces when trimming)         |
 *          |  '---------- delimiter ----------. '--other byte--> UNQUOTED
 *          '--other byte--> UNQUOTED ---------'            (LF here ends the record)
 *
 * A quote opens quoting only at the start of a field (after spaces when trimming);
 * anywhere else it is a literal byte for framing, and an error for splitting. This
 * is also how a malformed record is framed, so the next record starts where a
 * person reading the file would expect: a stray quote does not swallow the file.
 * For a well-formed record, framing and splitting agree on where it ends by
 * construction (csv_next() checks, and the fuzz target compares both paths).
 *
 * Reading a file: the input layer (input.h) reads blocks of 256 KiB, keeps the
 * record being read at r->in.head, and does not hold a record over max_record bytes:
 * past max_record + 2 bytes it keeps the first max_record for rec->raw and lets the
 * rest go (r->in.dropped counts it) while frame_scan() goes on looking for the end.
 * Reading memory needs none of this: base is the caller's bytes, all there at once.
 *
 * Line numbers count LF bytes only (a lone CR is data), so they are the physical
 * lines of the file whatever the record holds.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv.h"
#include "input.h"
#include "xalloc.h"

#include "banned.h"

enum frame_state {
    FR_FIELD_START, /* at the start of a field (or after spaces there, when trimming) */
    FR_UNQUOTED,    /* in an unquoted field, or after the closing quote of a field */
    FR_QUOTED,      /* inside quotes */
    FR_QUOTE,       /* just after a quote inside quotes: a "" escape or the closing quote */
};

struct csv_reader {
    /* Input: in.base[in.head..in.tail) are bytes read and not yet consumed, and
     * in.max_record is the max_record option. */
    struct input in;
    uint64_t line; /* line number at in.base[in.head] */

    /* Options. */
    size_t max_fields;
    char delim;
    bool trim;

    /* Framing of the record being read, beside in.scan (the bytes framed so far); offsets
     * count from in.base[in.head]. */
    enum frame_state st; /* state after the bytes framed */
    uint64_t newlines;   /* LF bytes inside quotes so far */
    size_t field;        /* 1-based field being framed */
    size_t quote_field;  /* the field whose quote was opened last */
    size_t limit_field;  /* the field where the record passed max_record bytes */

    /* Output, reused from record to record. */
    struct csv_field *fields;
    size_t fields_alloc;
    char *unesc; /* unescaped copies of quoted fields that held "" */
    size_t unesc_cap;
};

/* ==== Small scanning helpers ==== */

static bool is_trim_byte(const struct csv_reader *r, char c)
{
    return r->trim && (c == ' ' || c == '\t') && c != r->delim;
}

/*
 * First byte in [p, end) that is a or b, or end if none is. Loads of 16 bytes may
 * look at bytes up to safe (>= end), which must be readable; the result never passes
 * end.
 */
static inline __attribute__((always_inline)) const char *find2(const char *p, const char *end,
                                                               const char *safe, char a, char b)
{
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8(a);
    const __m128i vb = _mm_set1_epi8(b);

    while (p < end && safe - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)));
        if (m != 0) {
            const char *q = p + __builtin_ctz((unsigned)m);
            return q < end ? q : end;
        }
        p += 16;
    }
    if (p > end)
        return end;
#else
    (void)safe;
#endif
    while (p < end && *p != a && *p != b)
        p++;
    return p;
}

/* ==== Opening and closing ==== */

/* A reader with the options of opt; *max_record gets the record limit for its input. */
static int reader_new(struct csv_reader **out, const struct csv_options *opt, size_t *max_record)
{
    struct csv_reader *r = NULL;
    char delim = ',';

    *out = NULL;
    if (opt != NULL && opt->delimiter != 0)
        delim = opt->delimiter;
    if (delim == '"' || delim == '\r' || delim == '\n')
        return ERR_INVALID;
    if (opt != NULL && opt->max_record > INPUT_MAX_RECORD_LIMIT)
        return ERR_INVALID;
    CALLOC_ARRAY(r, 1);
    r->delim = delim;
    r->trim = opt != NULL && opt->trim;
    *max_record = opt != NULL && opt->max_record > 0 ? opt->max_record : CSV_DEFAULT_MAX_RECORD;
    r->max_fields = opt != NULL && opt->max_fields > 0 ? opt->max_fields : CSV_DEFAULT_MAX_FIELDS;
    r->line = 1;
    *out = r;
    return 0;
}

int csv_open_file(struct csv_reader **out, FILE *f, const struct csv_options *opt)
{
    size_t max_record = 0;
    int rc = reader_new(out, opt, &max_record);

    if (rc < 0)
        return rc;
    input_init_file(&(*out)->in, f, max_record);
    return 0;
}

int csv_open_mem(struct csv_reader **out, const void *data, size_t len,
                 const struct csv_options *opt)
{
    size_t max_record = 0;
    int rc = reader_new(out, opt, &max_record);

    if (rc < 0)
        return rc;
    input_init_mem(&(*out)->in, data, len, max_record);
    return 0;
}

void csv_set_read_size(struct csv_reader *r, size_t n)
{
    input_set_read_size(&r->in, n);
}

void csv_close(struct csv_reader *r)
{
    if (r == NULL)
        return;
    input_release(&r->in);
    free(r->fields);
    free(r->unesc);
    free(r);
}

uint64_t csv_bytes_read(const struct csv_reader *r)
{
    return r->in.offset;
}

bool csv_had_bom(const struct csv_reader *r)
{
    return r->in.bom;
}

/* ==== Framing ==== */

/*
 * The input_scan_fn of the reader ctx: run the framing state machine over
 * base[head + scan .. head + lim). Returns true with *end the offset of the LF that
 * ends the record, or false when the bytes ran out first (the state is kept in the
 * reader, to go on after the next read; the field where the record passed
 * max_record bytes is noted on the way).
 */
static bool frame_scan(struct input *in, size_t lim, size_t *end, void *ctx)
{
    struct csv_reader *r = ctx;
    const char *b = in->base + in->head;
    const char *safe = in->base + in->tail;
    size_t i = in->scan;
    enum frame_state st = r->st;
    bool found = false;

    while (i < lim) {
        if (st == FR_QUOTED) {
            const char *q = memchr(b + i, '"', lim - i);
            size_t stop = q != NULL ? (size_t)(q - b) : lim;
            r->newlines += input_count_lf(b + i, stop - i);
            if (q == NULL) {
                i = lim;
                break;
            }
            i = stop + 1;
            st = FR_QUOTE;
        } else if (st == FR_QUOTE) {
            if (b[i] == '"') {
                i++;
                st = FR_QUOTED;
            } else {
                st = FR_UNQUOTED; /* the quote closed the field; look at b[i] again */
            }
        } else if (st == FR_FIELD_START) {
            if (b[i] == '"') {
                r->quote_field = r->field;
                st = FR_QUOTED;
                i++;
            } else if (is_trim_byte(r, b[i])) {
                i++;
            } else {
                st = FR_UNQUOTED;
            }
        } else {
            const char *q = find2(b + i, b + lim, safe, r->delim, '\n');
            if (q == b + lim) {
                i = lim;
            } else if (*q == '\n') {
                i = (size_t)(q - b);
                found = true;
                break;
            } else {
                r->field++;
                i = (size_t)(q - b) + 1;
                st = FR_FIELD_START;
            }
        }
    }
    in->scan = i;
    r->st = st;
    if (found) {
        *end = i;
        return true;
    }
    if (!in->holding_prefix && in->scan == in->max_record && r->limit_field == 0)
        r->limit_field = st == FR_QUOTED || st == FR_QUOTE ? r->quote_field : r->field;
    return false;
}

/*
 * Find the end of the record at head, reading more input as needed. Returns 1 with
 * *end the offset of its end (its LF when *at_lf, else the end of the input), 0 when
 * the input is done, or ERR_IO.
 */
static int frame_record(struct csv_reader *r, size_t *end, bool *at_lf, struct err *e)
{
    r->st = FR_FIELD_START;
    r->newlines = 0;
    r->field = 1;
    r->quote_field = 0;
    r->limit_field = 0;
    return input_frame(&r->in, frame_scan, r, end, at_lf, e);
}

/* ==== Splitting ==== */

/*
 * A scanner finds the next delimiter, quote or LF. It keeps a bit mask of where
 * those bytes are in one 16-byte block, so the short fields of a typical record are
 * found without loading their bytes again or calling anything.
 */
struct scanner {
    const char *blk;  /* start of the block described by mask */
    unsigned mask;    /* bit i set: blk[i] is the delimiter, a quote or LF */
    const char *safe; /* end of the bytes that may be read */
    char delim;
};

static inline __attribute__((always_inline)) void scanner_load(struct scanner *s, const char *p)
{
    s->blk = p;
#if defined(__SSE2__)
    if (s->safe - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(s->delim)),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                              _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))));
        s->mask = (unsigned)_mm_movemask_epi8(m);
        return;
    }
#endif
    {
        size_t n = (size_t)(s->safe - p) < 16 ? (size_t)(s->safe - p) : 16;
        size_t i;

        s->mask = 0;
        for (i = 0; i < n; i++) {
            if (p[i] == s->delim || p[i] == '"' || p[i] == '\n')
                s->mask |= 1u << i;
        }
    }
}

/* First delimiter, quote or LF in [p, end), or end. p must not go backwards. */
static inline __attribute__((always_inline)) const char *
scanner_next(struct scanner *s, const char *p, const char *end)
{
    for (;;) {
        size_t off = (size_t)(p - s->blk);
        if (off < 16) {
            unsigned m = s->mask >> off;
            if (m != 0) {
                const char *q = p + __builtin_ctz(m);
                return q < end ? q : end;
            }
            p = s->blk + 16;
        }
        if (p >= end)
            return end;
        scanner_load(s, p);
    }
}

/* Where to copy the unescaped fields of a record of at most len bytes. */
static char *unesc_start(struct csv_reader *r, size_t len)
{
    if (r->unesc_cap < len) {
        size_t cap = len < 4096 ? 4096 : len;
        free(r->unesc);
        r->unesc = xmalloc(cap);
        r->unesc_cap = cap;
    }
    return r->unesc;
}

/*
 * Cut the record starting at p into rec->fields, stopping at the first LF outside
 * quotes or at end, whichever comes first (*stop gets which: the LF, or end).
 * rec->line must be set; rec->line_end is set here when it succeeds. A CR just before the LF is
 * left out of the last field. A quoted field still open at end is reported as unterminated. Returns
 * 1, or ERR_INVALID or ERR_TOOBIG with rec->bad_field set (and e, which may be NULL, filled).
 */
static int split_fields(struct csv_reader *r, const char *p, const char *end,
                        struct csv_record *rec, const char **stop, struct err *e)
{
    struct scanner s = {.blk = p, .safe = r->in.base + r->in.tail, .delim = r->delim};
    const char delim = r->delim;
    const bool trim = r->trim;
    const size_t max_fields = r->max_fields;
    struct csv_field *fields = r->fields;
    size_t alloc = r->fields_alloc;
    uint64_t line = rec->line;
    char *out = NULL; /* next free byte in r->unesc */
    size_t n = 0;
    int rc = 1;

    scanner_load(&s, p);
    for (;;) {
        struct csv_field *f = NULL;
        const char *q = NULL;

        if (n == max_fields) {
            rec->bad_field = n + 1;
            rc = err_set(e, ERR_TOOBIG, "too many fields (more than %zu)", max_fields);
            break;
        }
        if (n == alloc) {
            ALLOC_GROW(r->fields, n + 1, r->fields_alloc);
            fields = r->fields;
            alloc = r->fields_alloc;
        }
        f = &fields[n++];
        f->line = line;
        while (trim && p < end && (*p == ' ' || *p == '\t') && *p != delim)
            p++;
        if (p < end && *p == '"') {
            const char *seg = ++p;
            char *dst = NULL;

            f->quoted = true;
            for (;;) {
                q = scanner_next(&s, p, end);
                if (q == end) {
                    rec->bad_field = n;
                    rc = err_set(e, ERR_INVALID, "unterminated quoted field %zu", n);
                    goto out;
                }
                if (*q == '"') {
                    if (q + 1 == end || q[1] != '"')
                        break;
                    /* A "" escape: copy up to and including the first quote. */
                    if (dst == NULL) {
                        if (out == NULL)
                            out = unesc_start(r, (size_t)(end - rec->raw));
                        dst = out;
                    }
                    memcpy(dst, seg, (size_t)(q + 1 - seg));
                    dst += q + 1 - seg;
                    p = q + 2;
                    seg = p;
                    continue;
                }
                if (*q == '\n')
                    line++;
                p = q + 1;
            }
            if (dst == NULL) {
                f->data = seg;
                f->len = (size_t)(q - seg);
            } else {
                memcpy(dst, seg, (size_t)(q - seg));
                dst += q - seg;
                f->data = out;
                f->len = (size_t)(dst - out);
                out = dst;
            }
            p = q + 1;
            while (trim && p < end && (*p == ' ' || *p == '\t') && *p != delim)
                p++;
            if (p == end || *p == '\n')
                break;
            if (*p == delim) {
                p++;
                continue;
            }
            if (*p == '\r' && p + 1 < end && p[1] == '\n') {
                p++;
                break;
            }
            rec->bad_field = n;
            rc = err_set(e, ERR_INVALID, "text after the closing quote of field %zu", n);
            break;
        } else {
            q = scanner_next(&s, p, end);
            if (q < end && *q == '"') {
                rec->bad_field = n;
                rc = err_set(e, ERR_INVALID, "stray quote in unquoted field %zu", n);
                break;
            }
            f->data = p;
            f->len = (size_t)(q - p);
            f->quoted = false;
            if (q < end && *q == '\n' && f->len > 0 && p[f->len - 1] == '\r')
                f->len--;
            while (trim && f->len > 0 && (p[f->len - 1] == ' ' || p[f->len - 1] == '\t') &&
                   p[f->len - 1] != delim)
                f->len--;
            p = q;
            if (q == end || *q == '\n')
                break;
            p++;
        }
    }
out:
    rec->fields = r->fields;
    rec->nfields = rc == 1 ? n : 0;
    if (rc == 1)
        rec->line_end = line;
    *stop = p;
    return rc;
}

/* ==== Records ==== */

enum fast_result { FAST_RECORD, FAST_BLANK, FAST_NO };

/*
 * The fast path, taken by nearly every record: split the bytes at head as a record
 * that ends at the first LF outside quotes, which is right unless the record is
 * malformed, too long, or not all read yet. In those cases the caller frames the
 * record first (and splits it again). Returns FAST_RECORD with *rec filled and the
 * record consumed, FAST_BLANK when a blank line was consumed, or FAST_NO.
 */
static enum fast_result fast_record(struct csv_reader *r, struct csv_record *rec)
{
    const char *b = r->in.base + r->in.head;
    size_t avail = r->in.tail - r->in.head;
    const char *stop = NULL;
    size_t end, raw_end;

    /* An LF at offset max_record at the latest leaves at most max_record bytes. */
    if (avail > r->in.max_record)
        avail = r->in.max_record + 1;
    if (avail == 0)
        return FAST_NO;
    if (b[0] == '\n' || (b[0] == '\r' && avail > 1 && b[1] == '\n')) {
        end = b[0] == '\n' ? 0 : 1;
        input_skip(&r->in, end + 1);
        r->line++;
        return FAST_BLANK;
    }
    rec->line = r->line;
    rec->raw = b;
    if (split_fields(r, b, b + avail, rec, &stop, NULL) < 0 || stop == b + avail)
        return FAST_NO;
    end = (size_t)(stop - b);
    raw_end = end > 0 && b[end - 1] == '\r' ? end - 1 : end;
    rec->raw_len = raw_end;
    rec->raw_total = raw_end;
    input_skip(&r->in, end + 1);
    r->line = rec->line_end + 1;
    return FAST_RECORD;
}

int csv_next(struct csv_reader *r, struct csv_record *rec, struct err *e)
{
    size_t end = 0;
    size_t raw_end = 0;
    bool at_lf = false;
    bool unterminated = false;
    const char *b = NULL;
    const char *stop = NULL;
    int rc;

    memset(rec, 0, sizeof(*rec));
    rec->fields = r->fields;
    rc = input_ready(&r->in, e);
    if (rc < 0)
        return rc;
    for (;;) {
        enum fast_result fast = fast_record(r, rec);
        if (fast == FAST_RECORD)
            return 1;
        if (fast == FAST_NO)
            break;
    }
    memset(rec, 0, sizeof(*rec));
    rec->fields = r->fields;
    for (;;) {
        rc = frame_record(r, &end, &at_lf, e);
        if (rc <= 0)
            return rc;
        b = r->in.base + r->in.head;
        unterminated = !at_lf && r->st == FR_QUOTED;
        raw_end = end;
        if (raw_end > 0 && b[raw_end - 1] == '\r' && !unterminated)
            raw_end--;
        if (raw_end > 0 || r->in.dropped > 0)
            break;
        /* A blank line: not a record. */
        input_skip(&r->in, end + at_lf);
        r->line += at_lf;
    }

    rec->line = r->line;
    rec->line_end = r->line + r->newlines;
    rec->raw = b;
    rec->raw_total = r->in.dropped + raw_end;
    rec->raw_truncated = rec->raw_total > r->in.max_record;
    rec->raw_len = rec->raw_truncated ? r->in.max_record : raw_end;

    /* Consume the record now: its bytes stay put until the next call reads more. */
    input_consume(&r->in, end, at_lf);
    r->line = rec->line_end + at_lf;

    if (unterminated) {
        rec->bad_field = r->quote_field;
        return err_set(e, ERR_INVALID,
                       "unterminated quoted field %zu (the input ends inside its quotes)",
                       r->quote_field);
    }
    if (rec->raw_truncated) {
        rec->bad_field = r->limit_field;
        return err_set(e, ERR_TOOBIG,
                       "record too long (%" PRIu64 " bytes, limit %zu, passed in field %zu)",
                       rec->raw_total, r->in.max_record, r->limit_field);
    }
    rc = split_fields(r, b, b + raw_end, rec, &stop, e);
    if (rc == 1 && (stop != b + raw_end || rec->line_end != r->line - at_lf)) {
        /* Framing and splitting disagree on where the record ends: a bug here. */
        fprintf(stderr, "csv: framing and splitting disagree at line %" PRIu64 "\n", rec->line);
        abort();
    }
    return rc;
}
