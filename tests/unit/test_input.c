/*
 * test_input.c: unit tests for the block-buffered input under the readers (input.h,
 * src/input.c), driven by a plain LF scanner: records framed from memory and from a
 * FILE read a byte at a time, the byte-order mark, records over max_record (the
 * prefix kept, the bytes let go, the last byte kept for a CR), the limits offered to
 * the scanner, and a failed read. The CSV and JSON Lines tests cover it again through
 * the readers. Data is synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "input.h"

/* ==== Helpers ==== */

/* What the scanner was offered: each lim, in order. */
struct offers {
    size_t lims[64];
    size_t n;
};

/* An input_scan_fn that ends a record at the first LF, noting each lim (ctx: offers). */
static bool lf_scan(struct input *in, size_t lim, size_t *end, void *ctx)
{
    struct offers *o = ctx;
    const char *b = in->base + in->head;
    size_t i;

    if (o != NULL && o->n < sizeof(o->lims) / sizeof(o->lims[0]))
        o->lims[o->n++] = lim;
    for (i = in->scan; i < lim; i++) {
        if (b[i] == '\n') {
            *end = i;
            return true;
        }
    }
    in->scan = lim;
    return false;
}

struct framed {
    int rc;
    char kept[64]; /* the bytes of the record kept at head, up to its end */
    size_t end;
    bool at_lf;
    uint64_t dropped;
    uint64_t offset_after;
};

/* Frame and consume the next record of in. */
static void next_record(struct input *in, struct framed *out)
{
    struct err e;

    memset(out, 0, sizeof(*out));
    err_init(&e);
    out->rc = input_ready(in, &e);
    if (out->rc < 0)
        return;
    out->rc = input_frame(in, lf_scan, NULL, &out->end, &out->at_lf, &e);
    if (out->rc <= 0)
        return;
    assert_true(out->end < sizeof(out->kept));
    memcpy(out->kept, in->base + in->head, out->end);
    out->dropped = in->dropped;
    input_consume(in, out->end, out->at_lf);
    out->offset_after = in->offset;
}

/* Set in to read the bytes of text from a FILE (returned, for fclose), read_size at a time. */
static FILE *init_file(struct input *in, const char *text, size_t max_record, size_t read_size)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");

    assert_non_null(f);
    input_init_file(in, f, max_record);
    input_set_read_size(in, read_size);
    return f;
}

/* ==== Tests ==== */

static void test_records_from_memory(void **state)
{
    static const char data[] = "\xEF\xBB\xBF"
                               "ab\ncd\n\nlast";
    struct input in;
    struct framed r;
    (void)state;

    input_init_mem(&in, data, sizeof(data) - 1, 100);
    next_record(&in, &r);
    assert_true(in.bom);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.kept, "ab");
    assert_true(r.at_lf);
    assert_int_equal(r.offset_after, 6); /* BOM + "ab\n" */
    next_record(&in, &r);
    assert_string_equal(r.kept, "cd");
    next_record(&in, &r);
    assert_int_equal(r.rc, 1);
    assert_int_equal(r.end, 0); /* an empty record: the input layer does not skip it */
    next_record(&in, &r);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.kept, "last");
    assert_false(r.at_lf);
    assert_int_equal(r.offset_after, sizeof(data) - 1);
    next_record(&in, &r);
    assert_int_equal(r.rc, 0);
    input_release(&in);
}

static void test_bom_only_at_start(void **state)
{
    static const char data[] = "x\n\xEF\xBB\xBFy\n";
    struct input in;
    struct framed r;
    (void)state;

    input_init_mem(&in, data, sizeof(data) - 1, 100);
    next_record(&in, &r);
    assert_false(in.bom);
    assert_string_equal(r.kept, "x");
    next_record(&in, &r);
    assert_int_equal(r.end, 4);
    assert_memory_equal(r.kept, "\xEF\xBB\xBFy", 4);
    input_release(&in);
}

/* A record over max_record from a FILE read a byte at a time: only a prefix is held. */
static void test_long_record_from_file(void **state)
{
    static const char data[] = "0123456789abcdef\r\nok\n";
    struct input in;
    struct framed r;
    FILE *f = init_file(&in, data, 4, 1);
    (void)state;

    next_record(&in, &r);
    assert_int_equal(r.rc, 1);
    assert_true(r.at_lf);
    /* Kept: the first 4 bytes, then the last byte scanned before the LF (the CR). */
    assert_int_equal(r.end, 5);
    assert_memory_equal(r.kept, "0123\r", 5);
    assert_int_equal(r.dropped, 12); /* "456789abcdef" */
    assert_int_equal(r.offset_after, 18);
    next_record(&in, &r);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.kept, "ok");
    assert_int_equal(r.dropped, 0);
    assert_int_equal(r.offset_after, sizeof(data) - 1);
    next_record(&in, &r);
    assert_int_equal(r.rc, 0);
    input_release(&in);
    fclose(f);
}

/* max_record bytes and a CRLF are all held: the +2 leaves room for the line end. */
static void test_record_of_max_bytes_is_held(void **state)
{
    struct input in;
    struct framed r;
    FILE *f = init_file(&in, "abcd\r\nabcde\r\n", 4, 1);
    (void)state;

    next_record(&in, &r);
    assert_int_equal(r.end, 5);
    assert_int_equal(r.dropped, 0);
    assert_memory_equal(r.kept, "abcd\r", 5);
    next_record(&in, &r);
    assert_int_equal(r.end, 5);
    assert_int_equal(r.dropped, 1);
    assert_memory_equal(r.kept, "abcd\r", 5);
    input_release(&in);
    fclose(f);
}

/* The scanner is offered max_record bytes, then max_record + 2, then the rest. */
static void test_limits_offered(void **state)
{
    static const char data[] = "0123456789\n";
    struct offers o = {{0}, 0};
    struct input in;
    struct err e;
    size_t end = 0;
    bool at_lf = false;
    (void)state;

    input_init_mem(&in, data, sizeof(data) - 1, 4);
    err_init(&e);
    assert_int_equal(input_ready(&in, &e), 0);
    assert_int_equal(input_frame(&in, lf_scan, &o, &end, &at_lf, &e), 1);
    assert_int_equal(end, 10);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.lims[0], 4);
    assert_int_equal(o.lims[1], 6);
    assert_int_equal(o.lims[2], 11);
    assert_true(in.holding_prefix);
    assert_int_equal(in.dropped, 0); /* memory is all there: nothing is let go */
    input_release(&in);
}

static void test_read_size_fixed_once_reading(void **state)
{
    struct input in;
    struct framed r;
    FILE *f = init_file(&in, "abc\n", 100, 0);
    (void)state;

    assert_int_equal(in.read_size, INPUT_READ_SIZE);
    input_set_read_size(&in, 2);
    next_record(&in, &r);
    assert_string_equal(r.kept, "abc");
    input_set_read_size(&in, 7);
    assert_int_equal(in.read_size, 2);
    input_release(&in);
    fclose(f);
}

static void test_read_error_sticks(void **state)
{
    FILE *f = fopen(".", "r");
    struct input in;
    struct err e;
    (void)state;

    assert_non_null(f);
    input_init_file(&in, f, 100);
    err_init(&e);
    assert_int_equal(input_ready(&in, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "cannot read input"));
    assert_int_not_equal(in.io_errno, 0);
    err_init(&e);
    assert_int_equal(input_ready(&in, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "cannot read input"));
    input_release(&in);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_from_memory),
        cmocka_unit_test(test_bom_only_at_start),
        cmocka_unit_test(test_long_record_from_file),
        cmocka_unit_test(test_record_of_max_bytes_is_held),
        cmocka_unit_test(test_limits_offered),
        cmocka_unit_test(test_read_size_fixed_once_reading),
        cmocka_unit_test(test_read_error_sticks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
