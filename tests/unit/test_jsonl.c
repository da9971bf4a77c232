/*
 * test_jsonl.c: unit tests for the streaming JSON Lines reader (jsonl.h,
 * src/jsonl.c). Every input is read from memory and from a FILE in small blocks,
 * and both must agree. Data is synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "jsonl.h"
#include "xalloc.h"

/* ==== Helpers ==== */

struct got {
    int rc;
    json_t *obj; /* our own reference */
    uint64_t line;
    char *raw;
    size_t raw_len;
    bool raw_truncated;
    uint64_t raw_total;
    size_t column;
    char msg[ERR_MSG_MAX];
};

struct run {
    struct got *recs;
    size_t n;
    uint64_t bytes_read;
};

static void run_free(struct run *run)
{
    size_t i;

    for (i = 0; i < run->n; i++) {
        json_decref(run->recs[i].obj);
        free(run->recs[i].raw);
    }
    free(run->recs);
    memset(run, 0, sizeof(*run));
}

static void drain(struct jsonl_reader *r, struct run *run)
{
    size_t alloc = 0;

    memset(run, 0, sizeof(*run));
    for (;;) {
        struct jsonl_record rec;
        struct err e;
        struct got *g = NULL;
        int rc;

        err_init(&e);
        rc = jsonl_next(r, &rec, &e);
        if (rc == 0)
            break;
        ALLOC_GROW(run->recs, run->n + 1, alloc);
        g = &run->recs[run->n++];
        memset(g, 0, sizeof(*g));
        g->rc = rc;
        g->obj = json_incref(rec.obj);
        g->line = rec.line;
        g->raw = xmemdup(rec.raw != NULL ? rec.raw : "", rec.raw_len);
        g->raw_len = rec.raw_len;
        g->raw_truncated = rec.raw_truncated;
        g->raw_total = rec.raw_total;
        g->column = rec.column;
        memcpy(g->msg, e.msg, sizeof(g->msg));
        assert_true(rc == 1 ? rec.obj != NULL && json_is_object(rec.obj) : rec.obj == NULL);
        if (rc == ERR_IO)
            break;
    }
    run->bytes_read = jsonl_bytes_read(r);
}

static void read_mem(const char *data, size_t len, size_t max_line, struct run *run)
{
    struct jsonl_reader *r = NULL;

    assert_int_equal(jsonl_open_mem(&r, data, len, max_line), 0);
    drain(r, run);
    jsonl_close(r);
}

static void read_file(const char *data, size_t len, size_t max_line, size_t read_size,
                      struct run *run)
{
    struct jsonl_reader *r = NULL;
    FILE *f = tmpfile();

    assert_non_null(f);
    if (len > 0)
        assert_int_equal(fwrite(data, 1, len, f), len);
    rewind(f);
    assert_int_equal(jsonl_open_file(&r, f, max_line), 0);
    jsonl_set_read_size(r, read_size);
    drain(r, run);
    jsonl_close(r);
    fclose(f);
}

static void assert_same_run(const struct run *a, const struct run *b)
{
    size_t i;

    assert_int_equal(a->n, b->n);
    assert_int_equal(a->bytes_read, b->bytes_read);
    for (i = 0; i < a->n; i++) {
        const struct got *x = &a->recs[i], *y = &b->recs[i];
        assert_int_equal(x->rc, y->rc);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->raw_len, y->raw_len);
        assert_memory_equal(x->raw, y->raw, x->raw_len);
        assert_int_equal(x->raw_truncated, y->raw_truncated);
        assert_int_equal(x->raw_total, y->raw_total);
        assert_int_equal(x->column, y->column);
        assert_string_equal(x->msg, y->msg);
        assert_true(x->obj == NULL ? y->obj == NULL : json_equal(x->obj, y->obj));
    }
}

/* Read from memory, and check a FILE read in blocks of 1, 3, 8 and 256 KiB agrees. */
static void read_all(const char *data, size_t len, size_t max_line, struct run *run)
{
    static const size_t sizes[] = {1, 3, 8, 0};
    size_t i;

    read_mem(data, len, max_line, run);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct run other;
        read_file(data, len, max_line, sizes[i], &other);
        assert_same_run(run, &other);
        run_free(&other);
    }
}

static void read_str(const char *s, struct run *run)
{
    read_all(s, strlen(s), 0, run);
}

static const char *get_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* ==== Tests ==== */

static void test_objects_and_lines(void **state)
{
    struct run run;
    (void)state;
    read_str("{\"id\":\"c1\",\"age\":30}\n{\"id\":\"c2\",\"tags\":[1,{\"a\":null}]}\n", &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, 1);
    assert_string_equal(get_str(run.recs[0].obj, "id"), "c1");
    assert_int_equal(json_integer_value(json_object_get(run.recs[0].obj, "age")), 30);
    assert_int_equal(run.recs[0].line, 1);
    assert_int_equal(run.recs[1].line, 2);
    assert_string_equal(get_str(run.recs[1].obj, "id"), "c2");
    assert_int_equal(run.recs[1].column, 0);
    assert_int_equal(run.bytes_read, 55);
    run_free(&run);
}

static void test_crlf_blank_lines_and_last_line(void **state)
{
    struct run run;
    (void)state;
    read_str("\r\n{\"a\":1}\r\n\n  \t\r\n{\"a\":2}", &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].line, 2);
    assert_int_equal(run.recs[0].raw_len, 7);
    assert_int_equal(run.recs[1].line, 5);
    assert_int_equal(run.recs[1].rc, 1);
    assert_int_equal(json_integer_value(json_object_get(run.recs[1].obj, "a")), 2);
    run_free(&run);
}

static void test_empty_input_and_bom(void **state)
{
    struct run run;
    (void)state;
    read_all("", 0, 0, &run);
    assert_int_equal(run.n, 0);
    run_free(&run);

    read_str("\n\n", &run);
    assert_int_equal(run.n, 0);
    assert_int_equal(run.bytes_read, 2);
    run_free(&run);

    read_str("\xEF\xBB\xBF{\"a\":1}\n", &run);
    assert_int_equal(run.n, 1);
    assert_int_equal(run.recs[0].rc, 1);
    run_free(&run);
}

static void test_duplicate_keys(void **state)
{
    struct run run;
    (void)state;
    read_str("{\"SECRETKEY\":1,\"SECRETKEY\":2}\n{\"ok\":true}\n", &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, ERR_INVALID);
    assert_null(run.recs[0].obj);
    assert_non_null(strstr(run.recs[0].msg, "duplicate object key"));
    assert_null(strstr(run.recs[0].msg, "SECRET"));
    assert_true(run.recs[0].column > 0);
    assert_int_equal(run.recs[0].raw_len, 29);
    assert_int_equal(run.recs[1].rc, 1);
    assert_int_equal(run.recs[1].line, 2);
    run_free(&run);
}

static void test_non_object_lines(void **state)
{
    struct run run;
    (void)state;
    read_str("[1,2]\n\"SECRET\"\n42\nnull\ntrue\n{}\n", &run);
    assert_int_equal(run.n, 6);
    assert_int_equal(run.recs[0].rc, ERR_INVALID);
    assert_string_equal(run.recs[0].msg, "expected a JSON object, found an array");
    assert_int_equal(run.recs[1].rc, ERR_INVALID);
    assert_string_equal(run.recs[1].msg, "expected a JSON object, found a string");
    assert_int_equal(run.recs[2].rc, ERR_INVALID);
    assert_string_equal(run.recs[2].msg, "expected a JSON object, found a number");
    assert_string_equal(run.recs[3].msg, "expected a JSON object, found null");
    assert_string_equal(run.recs[4].msg, "expected a JSON object, found a boolean");
    assert_int_equal(run.recs[5].rc, 1);
    assert_int_equal(run.recs[5].line, 6);
    assert_int_equal(json_object_size(run.recs[5].obj), 0);
    run_free(&run);
}

static void test_nul_rejected(void **state)
{
    static const char in[] = "{\"a\":\"x\\u0000y\"}\n{\"a\":\"x\0y\"}\n{\"a\\u0000\":1}\n{}\n";
    struct run run;
    (void)state;
    read_all(in, sizeof(in) - 1, 0, &run);
    assert_int_equal(run.n, 4);
    assert_int_equal(run.recs[0].rc, ERR_INVALID);
    assert_non_null(strstr(run.recs[0].msg, "\\u0000"));
    assert_int_equal(run.recs[1].rc, ERR_INVALID);
    assert_int_equal(run.recs[1].raw_len, 11);
    assert_int_equal(run.recs[2].rc, ERR_INVALID);
    assert_int_equal(run.recs[3].rc, 1);
    assert_int_equal(run.recs[3].line, 4);
    run_free(&run);
}

static void test_invalid_utf8_rejected(void **state)
{
    struct run run;
    (void)state;
    read_str("{\"a\":\"\xff\"}\n{\"a\":\"\xc3\xa9\"}\n", &run);
    assert_int_equal(run.recs[0].rc, ERR_INVALID);
    assert_non_null(strstr(run.recs[0].msg, "invalid UTF-8"));
    assert_int_equal(run.recs[1].rc, 1);
    assert_string_equal(get_str(run.recs[1].obj, "a"), "\xc3\xa9");
    run_free(&run);
}

static void test_syntax_errors_quote_nothing(void **state)
{
    struct run run;
    (void)state;
    read_str("{\"name\": SECRET}\n{\"name\": \"x\"} SECRET\n{\"name\": \"SECRET\"\n"
             "{\"n\": 123456789012345678901234567890}\n",
             &run);
    assert_int_equal(run.n, 4);
    assert_int_equal(run.recs[0].rc, ERR_INVALID);
    assert_string_equal(run.recs[0].msg, "invalid JSON at byte 15: syntax error");
    assert_int_equal(run.recs[0].column, 15);
    assert_int_equal(run.recs[1].rc, ERR_INVALID);
    assert_non_null(strstr(run.recs[1].msg, "text after the JSON value"));
    assert_int_equal(run.recs[2].rc, ERR_INVALID);
    assert_non_null(strstr(run.recs[2].msg, "line ends before"));
    assert_int_equal(run.recs[3].rc, ERR_INVALID);
    assert_non_null(strstr(run.recs[3].msg, "number out of range"));
    for (size_t i = 0; i < run.n; i++) {
        assert_null(strstr(run.recs[i].msg, "SECRET"));
        assert_null(strstr(run.recs[i].msg, "near"));
        assert_int_equal(run.recs[i].line, i + 1);
    }
    run_free(&run);
}

static void test_deep_nesting(void **state)
{
    struct buf b;
    struct run run;
    size_t i;
    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_puts(&b, "{\"a\":"), 0);
    for (i = 0; i < 100000; i++)
        assert_int_equal(buf_putc(&b, '['), 0);
    assert_int_equal(buf_puts(&b, "\n{}\n"), 0);
    read_mem(b.data, b.len, 0, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, ERR_INVALID);
    assert_non_null(strstr(run.recs[0].msg, "nested too deeply"));
    assert_int_equal(run.recs[1].rc, 1);
    run_free(&run);
    buf_release(&b);
}

/* A 3 MB line with max_line 1 MiB, then a good line. */
static void test_huge_line_skipped(void **state)
{
    const size_t big = 3u << 20;
    char *in = xmalloc(big + 64);
    size_t len = 0;
    struct run run;
    struct run other;
    (void)state;

    memcpy(in, "{\"a\":\"", 6);
    memset(in + 6, 'x', big - 8);
    memcpy(in + big - 2, "\"}", 2);
    len = big;
    memcpy(in + len, "\r\n{\"b\":1}\n", 10);
    len += 10;
    read_mem(in, len, 1u << 20, &run);
    read_file(in, len, 1u << 20, 0, &other);
    assert_same_run(&run, &other);
    run_free(&other);
    read_file(in, len, 1u << 20, 77777, &other);
    assert_same_run(&run, &other);
    run_free(&other);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, ERR_TOOBIG);
    assert_non_null(strstr(run.recs[0].msg, "line too long"));
    assert_true(run.recs[0].raw_truncated);
    assert_int_equal(run.recs[0].raw_len, 1u << 20);
    assert_int_equal(run.recs[0].raw_total, big);
    assert_memory_equal(run.recs[0].raw, in, 1u << 20);
    assert_int_equal(run.recs[1].rc, 1);
    assert_int_equal(run.recs[1].line, 2);
    assert_int_equal(run.bytes_read, len);
    run_free(&run);

    /* The same line fits under a larger limit. */
    read_mem(in, len, 4u << 20, &run);
    assert_int_equal(run.recs[0].rc, 1);
    assert_int_equal(json_string_length(json_object_get(run.recs[0].obj, "a")), big - 8);
    run_free(&run);
    free(in);
}

static void test_line_limit_edges(void **state)
{
    struct run run;
    (void)state;
    /* Exactly max_line bytes (8) is fine; 9 is too long, with or without CR. */
    read_all("{\"a\":1}\n{\"a\":12}\r\n{\"a\":1}\r\n{\"a\":123}\n{\"a\":12}", 45, 8, &run);
    assert_int_equal(run.n, 5);
    assert_int_equal(run.recs[0].rc, 1);
    assert_int_equal(run.recs[1].rc, 1);
    assert_int_equal(run.recs[2].rc, 1);
    assert_int_equal(run.recs[3].rc, ERR_TOOBIG);
    assert_int_equal(run.recs[3].raw_total, 9);
    assert_int_equal(run.recs[3].raw_len, 8);
    assert_int_equal(run.recs[4].rc, 1);
    assert_int_equal(run.recs[4].line, 5);
    run_free(&run);
}

/* Found by fuzzing: a blank line over max_line was skipped from memory, not from a file. */
static void test_long_blank_line_is_too_long(void **state)
{
    struct run run;
    (void)state;
    read_all("{}\n                    \t\t\n{}", 28, 16, &run);
    assert_int_equal(run.n, 3);
    assert_int_equal(run.recs[1].rc, ERR_TOOBIG);
    assert_int_equal(run.recs[1].line, 2);
    assert_int_equal(run.recs[1].raw_total, 22);
    assert_int_equal(run.recs[2].rc, 1);
    run_free(&run);

    read_all("{}\n          \t\t\n{}", 18, 16, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[1].line, 3);
    run_free(&run);
}

static void test_read_error(void **state)
{
    struct jsonl_reader *r = NULL;
    struct jsonl_record rec;
    struct err e;
    FILE *f = fopen(".", "r");
    (void)state;

    assert_non_null(f);
    assert_int_equal(jsonl_open_file(&r, f, 0), 0);
    err_init(&e);
    assert_int_equal(jsonl_next(r, &rec, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "cannot read"));
    assert_int_equal(jsonl_next(r, &rec, &e), ERR_IO);
    jsonl_close(r);
    fclose(f);
}

static void test_many_lines_in_blocks(void **state)
{
    struct buf b;
    struct run mem, file;
    size_t i;
    (void)state;
    buf_init(&b, 1 << 22);
    for (i = 0; i < 20000; i++) {
        if (i % 7 == 3)
            assert_int_equal(buf_printf(&b, "{\"id\":%zu,\"id\":0}\r\n", i), 0);
        else if (i % 7 == 5)
            assert_int_equal(buf_printf(&b, "\n[%zu]\n", i), 0);
        else if (i % 7 == 6)
            assert_int_equal(buf_printf(&b, "{\"pad\":\"%0*d\"}\n", (int)(i % 90), 0), 0);
        else
            assert_int_equal(buf_printf(&b, "{\"id\":%zu,\"s\":\"x\\ny\"}\n", i), 0);
    }
    read_mem(b.data, b.len, 64, &mem);
    assert_int_equal(mem.n, 20000);
    assert_int_equal(mem.bytes_read, b.len);
    read_file(b.data, b.len, 64, 1, &file);
    assert_same_run(&mem, &file);
    run_free(&file);
    read_file(b.data, b.len, 64, 4099, &file);
    assert_same_run(&mem, &file);
    run_free(&file);
    run_free(&mem);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_objects_and_lines),
        cmocka_unit_test(test_crlf_blank_lines_and_last_line),
        cmocka_unit_test(test_empty_input_and_bom),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_non_object_lines),
        cmocka_unit_test(test_nul_rejected),
        cmocka_unit_test(test_invalid_utf8_rejected),
        cmocka_unit_test(test_syntax_errors_quote_nothing),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_huge_line_skipped),
        cmocka_unit_test(test_line_limit_edges),
        cmocka_unit_test(test_long_blank_line_is_too_long),
        cmocka_unit_test(test_read_error),
        cmocka_unit_test(test_many_lines_in_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
