/*
 * jsonl.c: the streaming JSON Lines reader of jsonl.h.
 *
 * Lines are found with memchr in the bytes of the input layer (input.h: blocks read
 * from the file, or the caller's memory) and each is handed whole to jansson's
 * json_loadb(). A line over max_line bytes is not held: the input layer keeps its
 * first max_line bytes for rec->raw and lets the rest go while line_scan() looks for
 * the LF, as it does for csv.c's long records.
 *
 * jansson's error text quotes the input ("invalid token near 'xyz'"), which may be
 * a name or a birth date, so messages are built here from json_error_code() and the
 * byte position instead, and jansson's text is never shown.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "jsonl.h"
#include "xalloc.h"

#include "banned.h"

struct jsonl_reader {
    /* Input: in.base[in.head..in.tail) are bytes read and not yet consumed, and
     * in.max_record is max_line. */
    struct input in;
    uint64_t line; /* line number at in.base[in.head] */

    json_t *obj; /* the object last returned, released on the next call */
};

/* ==== Opening and closing ==== */

static int reader_new(struct jsonl_reader **out, size_t max_line)
{
    struct jsonl_reader *r = NULL;

    *out = NULL;
    if (max_line > INPUT_MAX_RECORD_LIMIT)
        return ERR_INVALID;
    CALLOC_ARRAY(r, 1);
    r->line = 1;
    *out = r;
    return 0;
}

static size_t line_limit(size_t max_line)
{
    return max_line > 0 ? max_line : JSONL_DEFAULT_MAX_LINE;
}

int jsonl_open_file(struct jsonl_reader **out, FILE *f, size_t max_line)
{
    int rc = reader_new(out, max_line);

    if (rc < 0)
        return rc;
    input_init_file(&(*out)->in, f, line_limit(max_line));
    return 0;
}

int jsonl_open_mem(struct jsonl_reader **out, const void *data, size_t len, size_t max_line)
{
    int rc = reader_new(out, max_line);

    if (rc < 0)
        return rc;
    input_init_mem(&(*out)->in, data, len, line_limit(max_line));
    return 0;
}

void jsonl_set_read_size(struct jsonl_reader *r, size_t n)
{
    input_set_read_size(&r->in, n);
}

void jsonl_close(struct jsonl_reader *r)
{
    if (r == NULL)
        return;
    json_decref(r->obj);
    input_release(&r->in);
    free(r);
}

uint64_t jsonl_bytes_read(const struct jsonl_reader *r)
{
    return r->in.offset;
}

/* ==== Finding lines ==== */

/*
 * The input_scan_fn of this reader: look for the LF that ends the line in
 * base[head + scan .. head + lim).
 */
static bool line_scan(struct input *in, size_t lim, size_t *end, void *ctx)
{
    const char *b = in->base + in->head;
    const char *nl = memchr(b + in->scan, '\n', lim - in->scan);

    (void)ctx;
    if (nl != NULL) {
        *end = (size_t)(nl - b);
        return true;
    }
    in->scan = lim;
    return false;
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
    rc = input_ready(&r->in, e);
    if (rc < 0)
        return rc;
    for (;;) {
        rc = input_frame(&r->in, line_scan, NULL, &end, &at_lf, e);
        if (rc <= 0)
            return rc;
        b = r->in.base + r->in.head;
        raw_end = end;
        if (raw_end > 0 && b[raw_end - 1] == '\r')
            raw_end--;
        /* A line over max_line is never blank: its bytes were not all kept to look at. */
        if (r->in.dropped + raw_end > r->in.max_record || !is_blank(b, raw_end))
            break;
        input_skip(&r->in, end + at_lf);
        r->line += at_lf;
    }

    rec->line = r->line;
    rec->raw = b;
    rec->raw_total = r->in.dropped + raw_end;
    rec->raw_truncated = rec->raw_total > r->in.max_record;
    rec->raw_len = rec->raw_truncated ? r->in.max_record : raw_end;

    /* Consume the line now: its bytes stay put until the next call reads more. */
    input_consume(&r->in, end, at_lf);
    r->line += at_lf;

    if (rec->raw_truncated)
        return err_set(e, ERR_TOOBIG, "line too long (%" PRIu64 " bytes, limit %zu)",
                       rec->raw_total, r->in.max_record);
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
