/*
 * jsonl.c: the streaming JSON Lines reader of jsonl.h.
 *
 * Lines are found with memchr in blocks read from the file (or in the caller's
 * memory) and each is handed whole to jansson's json_loadb(). A line over max_line
 * bytes is not held: its first max_line bytes are kept for rec->raw and the rest is
 * scanned for the LF and let go, as csv.c does with long records (see the notes
 * there; this reader is the same without quotes).
 *
 * jansson's error text quotes the input ("invalid token near 'xyz'"), which may be
 * a name or a birth date, so messages are built here from json_error_code() and the
 * byte position instead, and jansson's text is never shown.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "xalloc.h"

#include "banned.h"

#define JSONL_READ_SIZE ((size_t)256 << 10)
/* Largest max_line accepted, so that max_line + 2 and buffer sizes cannot overflow. */
#define JSONL_MAX_LINE_LIMIT (SIZE_MAX / 4)

struct jsonl_reader {
    /* Input. base[head..tail) are bytes read and not yet consumed. */
    FILE *f;          /* NULL when reading memory */
    const char *base; /* r->buf when reading a file, the caller's bytes otherwise */
    char *buf;        /* file mode: the read buffer */
    size_t cap;       /* bytes allocated for buf */
    size_t read_size; /* file mode: least room to offer fread */
    size_t head;      /* start of the line being read */
    size_t tail;      /* end of the bytes read */
    bool eof;         /* no more bytes will come */
    bool started;     /* the byte-order mark has been looked for */
    int io_errno;     /* errno of a failed read (then every call fails), else 0 */
    uint64_t offset;  /* input offset of base[head] */
    uint64_t line;    /* line number at base[head] */
    size_t max_line;

    /* The line being read; offsets count from base[head]. */
    size_t scan;         /* bytes searched for the LF so far */
    bool holding_prefix; /* over max_line: only the first max_line bytes are kept */
    uint64_t dropped;    /* bytes of the line scanned and let go */

    json_t *obj; /* the object last returned, released on the next call */
};

/* ==== Opening and closing ==== */

static int reader_new(struct jsonl_reader **out, size_t max_line)
{
    struct jsonl_reader *r = NULL;

    *out = NULL;
    if (max_line > JSONL_MAX_LINE_LIMIT)
        return ERR_INVALID;
    CALLOC_ARRAY(r, 1);
    r->max_line = max_line > 0 ? max_line : JSONL_DEFAULT_MAX_LINE;
    r->read_size = JSONL_READ_SIZE;
    r->line = 1;
    r->base = "";
    *out = r;
    return 0;
}

int jsonl_open_file(struct jsonl_reader **out, FILE *f, size_t max_line)
{
    int rc = reader_new(out, max_line);

    if (rc < 0)
        return rc;
    (*out)->f = f;
    return 0;
}

int jsonl_open_mem(struct jsonl_reader **out, const void *data, size_t len, size_t max_line)
{
    int rc = reader_new(out, max_line);

    if (rc < 0)
        return rc;
    if (len > 0)
        (*out)->base = data;
    (*out)->tail = len;
    (*out)->eof = true;
    return 0;
}

void jsonl_set_read_size(struct jsonl_reader *r, size_t n)
{
    if (n > 0 && r->buf == NULL)
        r->read_size = n;
}

void jsonl_close(struct jsonl_reader *r)
{
    if (r == NULL)
        return;
    json_decref(r->obj);
    free(r->buf);
    free(r);
}

uint64_t jsonl_bytes_read(const struct jsonl_reader *r)
{
    return r->offset;
}

/* ==== Reading blocks ==== */

/*
 * Read more bytes after base[tail], first moving the line at head to the front of
 * the buffer (and letting go of what has been scanned past max_line, when the line
 * is that long). Sets eof when the input is done. Returns 0 or ERR_IO.
 */
static int refill(struct jsonl_reader *r, struct err *e)
{
    size_t want;
    size_t n;

    if (r->f == NULL) {
        r->eof = true;
        return 0;
    }
    if (r->holding_prefix) {
        /* All of base[head..tail) is scanned, and more than max_line + 1 of it. */
        size_t keep = r->head + r->max_line;
        size_t last = r->head + r->scan - 1;
        if (last > keep) {
            r->buf[keep] = r->buf[last]; /* so a CR before the LF is still seen */
            r->dropped += last - keep;
            r->scan -= last - keep;
            r->tail = keep + 1;
        }
    }
    if (r->head > 0) {
        memmove(r->buf, r->buf + r->head, r->tail - r->head);
        r->tail -= r->head;
        r->head = 0;
    }
    if (r->cap - r->tail < r->read_size) {
        size_t cap = r->cap * 2;
        if (cap < r->tail + r->read_size)
            cap = st_add(r->tail, r->read_size);
        r->buf = xrealloc(r->buf, cap);
        r->cap = cap;
        r->base = r->buf;
    }
    want = r->cap - r->tail;
    if (want > r->read_size)
        want = r->read_size;
    n = fread(r->buf + r->tail, 1, want, r->f);
    r->tail += n;
    if (n < want) {
        if (ferror(r->f)) {
            r->io_errno = errno != 0 ? errno : EIO;
            return err_set(e, ERR_IO, "cannot read input: %s", strerror(r->io_errno));
        }
        r->eof = true;
    }
    return 0;
}

/* Skip a UTF-8 byte-order mark at the very start of the input. */
static int skip_bom(struct jsonl_reader *r, struct err *e)
{
    int rc;

    r->started = true;
    while (r->tail - r->head < 3 && !r->eof) {
        rc = refill(r, e);
        if (rc < 0)
            return rc;
    }
    if (r->tail - r->head >= 3 && memcmp(r->base + r->head, "\xEF\xBB\xBF", 3) == 0) {
        r->head += 3;
        r->offset += 3;
    }
    return 0;
}

/*
 * Find the end of the line at head, reading more input as needed. Returns 1 with
 * *end the offset of its end (its LF when *at_lf, else the end of the input), 0 when
 * the input is done, or ERR_IO.
 */
static int find_line(struct jsonl_reader *r, size_t *end, bool *at_lf, struct err *e)
{
    const size_t max = r->max_line;
    int rc;

    r->scan = 0;
    r->holding_prefix = false;
    r->dropped = 0;
    for (;;) {
        const char *b = r->base + r->head;
        size_t avail = r->tail - r->head;
        size_t lim = avail;
        const char *nl = NULL;

        if (avail == 0 && r->eof)
            return 0;
        /* Look at max_line + 2 bytes before letting go: room for a CRLF. */
        if (!r->holding_prefix && lim > max + 2)
            lim = max + 2;
        nl = memchr(b + r->scan, '\n', lim - r->scan);
        if (nl != NULL) {
            *end = (size_t)(nl - b);
            *at_lf = true;
            return 1;
        }
        r->scan = lim;
        if (!r->holding_prefix && r->scan >= max + 2) {
            r->holding_prefix = true;
            continue;
        }
        if (r->eof) {
            *end = avail;
            *at_lf = false;
            return 1;
        }
        rc = refill(r, e);
        if (rc < 0)
            return rc;
    }
}

/* ==== Lines ==== */

/* True if p[0..len) is only JSON white space (a blank line). */
static bool is_blank(const char *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    }
    return true;
}

/* What went wrong, in words that quote nothing from the input. */
static const char *json_problem(enum json_error_code code)
{
    switch (code) {
    case json_error_out_of_memory:
        return "out of memory";
    case json_error_stack_overflow:
        return "arrays or objects nested too deeply";
    case json_error_invalid_utf8:
        return "invalid UTF-8";
    case json_error_premature_end_of_input:
        return "the line ends before the JSON value does";
    case json_error_end_of_input_expected:
        return "text after the JSON value";
    case json_error_invalid_syntax:
        return "syntax error";
    case json_error_null_character:
        return "\\u0000 in a string";
    case json_error_null_byte_in_key:
        return "NUL byte in an object key";
    case json_error_duplicate_key:
        return "duplicate object key";
    case json_error_numeric_overflow:
        return "number out of range";
    default:
        return "cannot parse";
    }
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    default:
        return "an object";
    }
}

int jsonl_next(struct jsonl_reader *r, struct jsonl_record *rec, struct err *e)
{
    json_error_t jerr;
    json_t *v = NULL;
    size_t end = 0;
    size_t raw_end = 0;
    bool at_lf = false;
    const char *b = NULL;
    int rc;

    memset(rec, 0, sizeof(*rec));
    json_decref(r->obj);
    r->obj = NULL;
    if (r->io_errno != 0)
        return err_set(e, ERR_IO, "cannot read input: %s", strerror(r->io_errno));
    if (!r->started) {
        rc = skip_bom(r, e);
        if (rc < 0)
            return rc;
    }
    for (;;) {
        rc = find_line(r, &end, &at_lf, e);
        if (rc <= 0)
            return rc;
        b = r->base + r->head;
        raw_end = end;
        if (raw_end > 0 && b[raw_end - 1] == '\r')
            raw_end--;
        /* A line over max_line is never blank: its bytes were not all kept to look at. */
        if (r->dropped + raw_end > r->max_line || !is_blank(b, raw_end))
            break;
        r->head += end + at_lf;
        r->offset += end + at_lf;
        r->line += at_lf;
    }

    rec->line = r->line;
    rec->raw = b;
    rec->raw_total = r->dropped + raw_end;
    rec->raw_truncated = rec->raw_total > r->max_line;
    rec->raw_len = rec->raw_truncated ? r->max_line : raw_end;

    /* Consume the line now: its bytes stay put until the next call reads more. */
    r->head += end + at_lf;
    r->offset += r->dropped + end + at_lf;
    r->line += at_lf;

    if (rec->raw_truncated)
        return err_set(e, ERR_TOOBIG, "line too long (%" PRIu64 " bytes, limit %zu)",
                       rec->raw_total, r->max_line);
    v = json_loadb(b, raw_end, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (v == NULL) {
        enum json_error_code code = json_error_code(&jerr);
        rec->column = jerr.position > 0 ? (size_t)jerr.position : 1;
        if (code == json_error_out_of_memory)
            return err_set(e, ERR_NOMEM, "out of memory parsing JSON");
        return err_set(e, ERR_INVALID, "invalid JSON at byte %zu: %s", rec->column,
                       json_problem(code));
    }
    if (!json_is_object(v)) {
        rc = err_set(e, ERR_INVALID, "expected a JSON object, found %s", json_type_name(v));
        json_decref(v);
        return rc;
    }
    r->obj = v;
    rec->obj = v;
    return 1;
}
