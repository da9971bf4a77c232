/*
 * test_csv.c: unit tests for the streaming CSV reader (csv.h, src/csv.c).
 *
 * Every input is read twice or more: from memory, and from a FILE read a few bytes
 * at a time (csv_set_read_size), so records cross block boundaries; the results
 * must be the same. Data is synthetic.
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
#include "csv.h"
#include "err.h"
#include "xalloc.h"

/* ==== Helpers: read a whole input into a list of results ==== */

struct got_field {
    char *data;
    size_t len;
    uint64_t line;
    bool quoted;
};

struct got {
    int rc;
    uint64_t line, line_end;
    char *raw;
    size_t raw_len;
    bool raw_truncated;
    uint64_t raw_total;
    size_t bad_field;
    char msg[ERR_MSG_MAX];
    struct got_field *fields;
    size_t nfields;
};

struct run {
    struct got *recs;
    size_t n;
    bool bom;
    uint64_t bytes_read;
};

static void got_fill(struct got *g, int rc, const struct csv_record *rec, const struct err *e)
{
    size_t i;

    memset(g, 0, sizeof(*g));
    g->rc = rc;
    g->line = rec->line;
    g->line_end = rec->line_end;
    g->raw = xmemdup(rec->raw != NULL ? rec->raw : "", rec->raw_len);
    g->raw_len = rec->raw_len;
    g->raw_truncated = rec->raw_truncated;
    g->raw_total = rec->raw_total;
    g->bad_field = rec->bad_field;
    if (rc < 0)
        memcpy(g->msg, e->msg, sizeof(g->msg));
    g->nfields = rec->nfields;
    CALLOC_ARRAY(g->fields, rec->nfields + 1);
    for (i = 0; i < rec->nfields; i++) {
        g->fields[i].data = xstrndup(rec->fields[i].data, rec->fields[i].len);
        g->fields[i].len = rec->fields[i].len;
        g->fields[i].line = rec->fields[i].line;
        g->fields[i].quoted = rec->fields[i].quoted;
    }
}

static void run_free(struct run *run)
{
    size_t i, j;

    for (i = 0; i < run->n; i++) {
        for (j = 0; j < run->recs[i].nfields; j++)
            free(run->recs[i].fields[j].data);
        free(run->recs[i].fields);
        free(run->recs[i].raw);
    }
    free(run->recs);
    memset(run, 0, sizeof(*run));
}

/* Read everything from r until 0 (or ERR_IO) into run. */
static void drain(struct csv_reader *r, struct run *run)
{
    size_t alloc = 0;

    memset(run, 0, sizeof(*run));
    for (;;) {
        struct csv_record rec;
        struct err e;
        int rc;

        err_init(&e);
        rc = csv_next(r, &rec, &e);
        if (rc == 0)
            break;
        ALLOC_GROW(run->recs, run->n + 1, alloc);
        got_fill(&run->recs[run->n++], rc, &rec, &e);
        if (rc == ERR_IO)
            break;
    }
    run->bom = csv_had_bom(r);
    run->bytes_read = csv_bytes_read(r);
}

static void read_mem(const char *data, size_t len, const struct csv_options *opt, struct run *run)
{
    struct csv_reader *r = NULL;

    assert_int_equal(csv_open_mem(&r, data, len, opt), 0);
    drain(r, run);
    csv_close(r);
}

static void read_file(const char *data, size_t len, const struct csv_options *opt, size_t read_size,
                      struct run *run)
{
    struct csv_reader *r = NULL;
    FILE *f = tmpfile();

    assert_non_null(f);
    if (len > 0)
        assert_int_equal(fwrite(data, 1, len, f), len);
    rewind(f);
    assert_int_equal(csv_open_file(&r, f, opt), 0);
    csv_set_read_size(r, read_size);
    drain(r, run);
    csv_close(r);
    fclose(f);
}

static void assert_same_run(const struct run *a, const struct run *b)
{
    size_t i, j;

    assert_int_equal(a->n, b->n);
    assert_int_equal(a->bom, b->bom);
    assert_int_equal(a->bytes_read, b->bytes_read);
    for (i = 0; i < a->n; i++) {
        const struct got *x = &a->recs[i], *y = &b->recs[i];
        assert_int_equal(x->rc, y->rc);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->line_end, y->line_end);
        assert_int_equal(x->raw_len, y->raw_len);
        assert_memory_equal(x->raw, y->raw, x->raw_len);
        assert_int_equal(x->raw_truncated, y->raw_truncated);
        assert_int_equal(x->raw_total, y->raw_total);
        assert_int_equal(x->bad_field, y->bad_field);
        assert_string_equal(x->msg, y->msg);
        assert_int_equal(x->nfields, y->nfields);
        for (j = 0; j < x->nfields; j++) {
            assert_int_equal(x->fields[j].len, y->fields[j].len);
            assert_memory_equal(x->fields[j].data, y->fields[j].data, x->fields[j].len);
            assert_int_equal(x->fields[j].line, y->fields[j].line);
            assert_int_equal(x->fields[j].quoted, y->fields[j].quoted);
        }
    }
}

/*
 * Read data from memory into *run, and check that reading it from a file in blocks
 * of 1, 2, 3, 7, 64 bytes and the default gives the same.
 */
static void read_all(const char *data, size_t len, const struct csv_options *opt, struct run *run)
{
    static const size_t sizes[] = {1, 2, 3, 7, 64, 0};
    size_t i;

    read_mem(data, len, opt, run);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct run other;
        read_file(data, len, opt, sizes[i], &other);
        assert_same_run(run, &other);
        run_free(&other);
    }
}

static void read_str(const char *s, const struct csv_options *opt, struct run *run)
{
    read_all(s, strlen(s), opt, run);
}

static void assert_field(const struct got *g, size_t i, const char *want, size_t want_len)
{
    assert_true(i < g->nfields);
    assert_int_equal(g->fields[i].len, want_len);
    assert_memory_equal(g->fields[i].data, want, want_len);
}

#define assert_field_str(g, i, s) assert_field((g), (i), (s), strlen(s))

/* ==== Good input ==== */

static void test_simple_records(void **state)
{
    struct run run;
    (void)state;
    read_str("id,name,city\n1,x,y\n2,,z\n", NULL, &run);
    assert_int_equal(run.n, 3);
    assert_int_equal(run.recs[0].rc, 1);
    assert_int_equal(run.recs[0].nfields, 3);
    assert_field_str(&run.recs[0], 2, "city");
    assert_int_equal(run.recs[1].line, 2);
    assert_field_str(&run.recs[2], 1, "");
    assert_field_str(&run.recs[2], 2, "z");
    assert_int_equal(run.recs[2].line, 3);
    assert_int_equal(run.recs[2].line_end, 3);
    assert_int_equal(run.recs[2].bad_field, 0);
    assert_false(run.recs[2].fields[2].quoted);
    assert_false(run.bom);
    assert_int_equal(run.bytes_read, 24);
    run_free(&run);
}

static void test_quoted_fields(void **state)
{
    struct run run;
    (void)state;
    read_str("1,\"a,b\",\"say \"\"hi\"\"\",\"\"\n2,\"\"\"\",\"x\"\"\"\"y\"\n", NULL, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, 1);
    assert_int_equal(run.recs[0].nfields, 4);
    assert_field_str(&run.recs[0], 1, "a,b");
    assert_true(run.recs[0].fields[1].quoted);
    assert_field_str(&run.recs[0], 2, "say \"hi\"");
    assert_field_str(&run.recs[0], 3, "");
    assert_true(run.recs[0].fields[3].quoted);
    assert_field_str(&run.recs[1], 1, "\"");
    assert_field_str(&run.recs[1], 2, "x\"\"y");
    /* raw is the record as written, quotes and all. */
    assert_int_equal(run.recs[1].raw_len, strlen("2,\"\"\"\",\"x\"\"\"\"y\""));
    assert_memory_equal(run.recs[1].raw, "2,\"\"\"\",", 7);
    run_free(&run);
}

static void test_quoted_newline_line_numbers(void **state)
{
    struct run run;
    (void)state;
    read_str("id,note\n1,\"first\nsecond\nthird\",x,\"a\nb\"\n2,plain\n\n3,\"\n\"\n4,end\n", NULL,
             &run);
    assert_int_equal(run.n, 5);
    /* Record 2 starts on line 2 and ends on line 5. */
    assert_int_equal(run.recs[1].line, 2);
    assert_int_equal(run.recs[1].line_end, 5);
    assert_field_str(&run.recs[1], 1, "first\nsecond\nthird");
    assert_int_equal(run.recs[1].fields[0].line, 2);
    assert_int_equal(run.recs[1].fields[1].line, 2);
    assert_int_equal(run.recs[1].fields[2].line, 4);
    assert_int_equal(run.recs[1].fields[3].line, 4);
    assert_field_str(&run.recs[1], 3, "a\nb");
    assert_int_equal(run.recs[2].line, 6);
    /* A blank line 7 is skipped; record 4 spans lines 8 and 9. */
    assert_int_equal(run.recs[3].line, 8);
    assert_int_equal(run.recs[3].line_end, 9);
    assert_field_str(&run.recs[3], 1, "\n");
    assert_int_equal(run.recs[4].line, 10);
    assert_field_str(&run.recs[4], 1, "end");
    run_free(&run);
}

static void test_crlf(void **state)
{
    struct run run;
    (void)state;
    read_str("a,b\r\n\"x\r\ny\",\"z\"\r\n\r\nc,d\r\n", NULL, &run);
    assert_int_equal(run.n, 3);
    assert_field_str(&run.recs[0], 1, "b");
    assert_int_equal(run.recs[0].raw_len, 3);
    /* CRLF inside quotes is data and counts as a line. */
    assert_field_str(&run.recs[1], 0, "x\r\ny");
    assert_field_str(&run.recs[1], 1, "z");
    assert_int_equal(run.recs[1].line, 2);
    assert_int_equal(run.recs[1].line_end, 3);
    assert_int_equal(run.recs[2].line, 5);
    assert_field_str(&run.recs[2], 1, "d");
    run_free(&run);

    /* A final CR with no LF is a line end too; a lone CR elsewhere is data. */
    read_str("a\rb,c\r", NULL, &run);
    assert_int_equal(run.n, 1);
    assert_field_str(&run.recs[0], 0, "a\rb");
    assert_field_str(&run.recs[0], 1, "c");
    run_free(&run);
}

static void test_bom(void **state)
{
    struct run run;
    (void)state;
    read_str("\xEF\xBB\xBFid,name\n1,\xEF\xBB\xBFx\n", NULL, &run);
    assert_true(run.bom);
    assert_int_equal(run.n, 2);
    assert_field_str(&run.recs[0], 0, "id");
    assert_int_equal(run.recs[0].raw_len, 7);
    /* Only a mark at the very start is skipped. */
    assert_field_str(&run.recs[1], 1, "\xEF\xBB\xBFx");
    run_free(&run);

    read_str("\xEF\xBB\xBF", NULL, &run);
    assert_true(run.bom);
    assert_int_equal(run.n, 0);
    run_free(&run);

    read_str("\xEF\xBBx\n", NULL, &run);
    assert_false(run.bom);
    assert_field_str(&run.recs[0], 0, "\xEF\xBBx");
    run_free(&run);
}

static void test_trim(void **state)
{
    struct csv_options opt = {.trim = true};
    struct run run;
    (void)state;
    read_str("a, \"b c\" ,d\n  x  ,\ty\t, \" q \"\n \t \n", &opt, &run);
    assert_int_equal(run.n, 3);
    assert_int_equal(run.recs[0].rc, 1);
    assert_field_str(&run.recs[0], 0, "a");
    assert_field_str(&run.recs[0], 1, "b c");
    assert_true(run.recs[0].fields[1].quoted);
    assert_field_str(&run.recs[0], 2, "d");
    assert_field_str(&run.recs[1], 0, "x");
    assert_field_str(&run.recs[1], 1, "y");
    assert_field_str(&run.recs[1], 2, " q ");
    /* A line of spaces is a record of one empty field, not a blank line. */
    assert_int_equal(run.recs[2].nfields, 1);
    assert_field_str(&run.recs[2], 0, "");
    run_free(&run);
}

static void test_no_trim_keeps_spaces(void **state)
{
    struct run run;
    (void)state;
    read_str("a , b\t,c \n", NULL, &run);
    assert_int_equal(run.recs[0].rc, 1);
    assert_field_str(&run.recs[0], 0, "a ");
    assert_field_str(&run.recs[0], 1, " b\t");
    assert_field_str(&run.recs[0], 2, "c ");
    run_free(&run);

    /* Without trimming, a space before a quote makes the quote a stray one. */
    read_str("a, \"b\"\nok\n", NULL, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, ERR_INVALID);
    assert_int_equal(run.recs[0].bad_field, 2);
    assert_int_equal(run.recs[1].rc, 1);
    run_free(&run);
}

static void test_other_delimiters(void **state)
{
    struct csv_options semi = {.delimiter = ';'};
    struct csv_options tab = {.delimiter = '\t', .trim = true};
    struct csv_options bad = {.delimiter = '"'};
    struct csv_reader *r = NULL;
    struct run run;
    (void)state;
    read_str("a;\"b;c\";d,e\n", &semi, &run);
    assert_int_equal(run.recs[0].nfields, 3);
    assert_field_str(&run.recs[0], 1, "b;c");
    assert_field_str(&run.recs[0], 2, "d,e");
    run_free(&run);

    /* Trimming never eats a tab delimiter. */
    read_str("a\t b \t\tc\n", &tab, &run);
    assert_int_equal(run.recs[0].nfields, 4);
    assert_field_str(&run.recs[0], 0, "a");
    assert_field_str(&run.recs[0], 1, "b");
    assert_field_str(&run.recs[0], 2, "");
    assert_field_str(&run.recs[0], 3, "c");
    run_free(&run);

    assert_int_equal(csv_open_mem(&r, "", 0, &bad), ERR_INVALID);
    assert_null(r);
}

static void test_empty_and_blank_input(void **state)
{
    struct run run;
    (void)state;
    read_all("", 0, NULL, &run);
    assert_int_equal(run.n, 0);
    assert_int_equal(run.bytes_read, 0);
    run_free(&run);

    read_str("\n\r\n\n", NULL, &run);
    assert_int_equal(run.n, 0);
    assert_int_equal(run.bytes_read, 4);
    run_free(&run);
}

static void test_header_only(void **state)
{
    struct run run;
    (void)state;
    read_str("case_id,sex,age\n", NULL, &run);
    assert_int_equal(run.n, 1);
    assert_int_equal(run.recs[0].nfields, 3);
    run_free(&run);

    read_str("case_id,sex,age", NULL, &run);
    assert_int_equal(run.n, 1);
    assert_int_equal(run.recs[0].nfields, 3);
    assert_field_str(&run.recs[0], 2, "age");
    run_free(&run);
}

static void test_last_line_without_newline(void **state)
{
    struct run run;
    (void)state;
    read_str("a,b\nc,\"d\"", NULL, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[1].rc, 1);
    assert_field_str(&run.recs[1], 1, "d");
    assert_int_equal(run.bytes_read, 9);
    run_free(&run);
}

static void test_blank_lines_skipped(void **state)
{
    struct run run;
    (void)state;
    read_str("\n\na\n\n\r\nb\n\n", NULL, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].line, 3);
    assert_int_equal(run.recs[1].line, 6);
    run_free(&run);
}

static void test_empty_fields(void **state)
{
    struct run run;
    (void)state;
    read_str(",\na,\n\"\"\n", NULL, &run);
    assert_int_equal(run.n, 3);
    assert_int_equal(run.recs[0].nfields, 2);
    assert_int_equal(run.recs[1].nfields, 2);
    assert_field_str(&run.recs[1], 1, "");
    assert_int_equal(run.recs[2].nfields, 1);
    assert_true(run.recs[2].fields[0].quoted);
    run_free(&run);
}

static void test_nul_bytes_pass_through(void **state)
{
    static const char in[] = "a\0b,\"c\0\"\"\"\nz\n";
    struct run run;
    (void)state;
    read_all(in, sizeof(in) - 1, NULL, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, 1);
    assert_field(&run.recs[0], 0, "a\0b", 3);
    assert_field(&run.recs[0], 1, "c\0\"", 3);
    run_free(&run);
}

static void test_invalid_utf8_passes_through(void **state)
{
    struct run run;
    (void)state;
    read_str("\xff\xfe,\xc3\x28,\"\xed\xa0\x80\"\n", NULL, &run);
    assert_int_equal(run.recs[0].rc, 1);
    assert_field_str(&run.recs[0], 0, "\xff\xfe");
    assert_field_str(&run.recs[0], 1, "\xc3\x28");
    assert_field_str(&run.recs[0], 2, "\xed\xa0\x80");
    run_free(&run);
}

/* ==== Malformed records ==== */

static void test_stray_quote(void **state)
{
    struct run run;
    (void)state;
    read_str("1,SECRET\"NAME,x\n2,ok\n", NULL, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, ERR_INVALID);
    assert_int_equal(run.recs[0].bad_field, 2);
    assert_int_equal(run.recs[0].nfields, 0);
    assert_non_null(strstr(run.recs[0].msg, "stray quote"));
    assert_non_null(strstr(run.recs[0].msg, "field 2"));
    assert_null(strstr(run.recs[0].msg, "SECRET"));
    assert_int_equal(run.recs[0].raw_len, 15);
    assert_memory_equal(run.recs[0].raw, "1,SECRET\"NAME,x", 15);
    /* The stray quote opens nothing: the next line is the next record. */
    assert_int_equal(run.recs[1].rc, 1);
    assert_int_equal(run.recs[1].line, 2);
    assert_field_str(&run.recs[1], 1, "ok");
    run_free(&run);
}

static void test_text_after_closing_quote(void **state)
{
    struct run run;
    (void)state;
    read_str("\"a\",\"SECRET\"NAME,\"x\ny\"\n3,ok\n", NULL, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, ERR_INVALID);
    assert_int_equal(run.recs[0].bad_field, 2);
    assert_non_null(strstr(run.recs[0].msg, "after the closing quote"));
    assert_null(strstr(run.recs[0].msg, "SECRET"));
    /* The third field's quoted newline still belongs to the bad record. */
    assert_int_equal(run.recs[0].line_end, 2);
    assert_int_equal(run.recs[1].line, 3);
    assert_int_equal(run.recs[1].rc, 1);
    run_free(&run);
}

static void test_truncated_inside_quote(void **state)
{
    struct run run;
    (void)state;
    read_str("id,note\n1,\"SECRET\nline two\nline", NULL, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, 1);
    assert_int_equal(run.recs[1].rc, ERR_INVALID);
    assert_int_equal(run.recs[1].bad_field, 2);
    assert_int_equal(run.recs[1].line, 2);
    assert_int_equal(run.recs[1].line_end, 4);
    assert_non_null(strstr(run.recs[1].msg, "unterminated quoted field 2"));
    assert_null(strstr(run.recs[1].msg, "SECRET"));
    assert_int_equal(run.recs[1].raw_len, strlen("1,\"SECRET\nline two\nline"));
    assert_false(run.recs[1].raw_truncated);
    run_free(&run);
}

static void test_unterminated_beats_too_long(void **state)
{
    struct csv_options opt = {.max_record = 16};
    struct run run;
    (void)state;
    read_str("a,b\nx,\"0123456789\n0123456789\n0123456789", &opt, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[1].rc, ERR_INVALID);
    assert_true(run.recs[1].raw_truncated);
    assert_int_equal(run.recs[1].raw_len, 16);
    assert_int_equal(run.recs[1].raw_total, 35);
    assert_int_equal(run.recs[1].bad_field, 2);
    assert_int_equal(run.recs[1].line_end, 4);
    run_free(&run);
}

static void test_record_limit_edges(void **state)
{
    struct csv_options opt = {.max_record = 8};
    struct run run;
    (void)state;
    /* Exactly max_record bytes is fine, with LF, CRLF or nothing after it. */
    read_str("12345678\n1234,678\r\n\"2\"\"567\"", &opt, &run);
    assert_int_equal(run.n, 3);
    assert_int_equal(run.recs[0].rc, 1);
    assert_int_equal(run.recs[1].rc, 1);
    assert_int_equal(run.recs[1].raw_len, 8);
    assert_int_equal(run.recs[2].rc, 1);
    assert_field_str(&run.recs[2], 0, "2\"567");
    run_free(&run);

    /* One more byte is too long, with LF, CRLF or nothing after it. */
    read_str("123456789\n1234,6789\r\n\"2\"\"5678\"", &opt, &run);
    assert_int_equal(run.n, 3);
    assert_int_equal(run.recs[0].rc, ERR_TOOBIG);
    assert_int_equal(run.recs[0].raw_len, 8);
    assert_int_equal(run.recs[0].raw_total, 9);
    assert_true(run.recs[0].raw_truncated);
    assert_int_equal(run.recs[0].bad_field, 1);
    assert_int_equal(run.recs[1].rc, ERR_TOOBIG);
    assert_int_equal(run.recs[1].raw_total, 9);
    assert_int_equal(run.recs[1].bad_field, 2);
    assert_int_equal(run.recs[1].line, 2);
    assert_int_equal(run.recs[2].rc, ERR_TOOBIG);
    assert_int_equal(run.recs[2].raw_total, 9);
    assert_int_equal(run.recs[2].bad_field, 1);
    assert_int_equal(run.recs[2].line, 3);
    assert_int_equal(run.bytes_read, 30);
    run_free(&run);
}

/* A 3 MB line with max_record 1 MiB, then a good record: ERR_TOOBIG, then the record. */
static void test_huge_line_then_good_record(void **state)
{
    const size_t big = 3u << 20;
    struct csv_options opt = {.max_record = 1u << 20};
    char *in = xmalloc(big + 128);
    size_t len = 0;
    struct run run;
    size_t i;
    (void)state;

    for (i = 0; i < big; i++)
        in[len++] = (char)('a' + i % 26);
    in[100] = ',';
    len += (size_t)snprintf(in + len, 64, "\r\nnext,1\n");
    read_mem(in, len, &opt, &run);
    {
        /* From a file in default blocks and in odd ones. */
        struct run other;
        read_file(in, len, &opt, 0, &other);
        assert_same_run(&run, &other);
        run_free(&other);
        read_file(in, len, &opt, 100000, &other);
        assert_same_run(&run, &other);
        run_free(&other);
    }
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, ERR_TOOBIG);
    assert_true(run.recs[0].raw_truncated);
    assert_int_equal(run.recs[0].raw_len, 1u << 20);
    assert_int_equal(run.recs[0].raw_total, big);
    assert_memory_equal(run.recs[0].raw, in, 1u << 20);
    assert_int_equal(run.recs[0].bad_field, 2);
    assert_int_equal(run.recs[0].nfields, 0);
    assert_int_equal(run.recs[1].rc, 1);
    assert_int_equal(run.recs[1].line, 2);
    assert_field_str(&run.recs[1], 0, "next");
    assert_int_equal(run.bytes_read, len);
    run_free(&run);

    /* The same in quotes holding newlines: line numbers stay right after it. */
    len = 0;
    in[len++] = '"';
    for (i = 0; i < big; i++)
        in[len++] = i % 1000 == 999 ? '\n' : 'q';
    len += (size_t)snprintf(in + len, 64, "\",z\nnext,1\n");
    read_mem(in, len, &opt, &run);
    {
        struct run other;
        read_file(in, len, &opt, 0, &other);
        assert_same_run(&run, &other);
        run_free(&other);
    }
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, ERR_TOOBIG);
    assert_int_equal(run.recs[0].raw_total, big + 4);
    assert_int_equal(run.recs[0].line_end, 1 + big / 1000);
    assert_int_equal(run.recs[1].line, 2 + big / 1000);
    assert_int_equal(run.recs[1].rc, 1);
    run_free(&run);
    free(in);
}

static void test_too_many_fields(void **state)
{
    struct csv_options opt = {.max_fields = 3};
    struct run run;
    (void)state;
    read_str("a,b,c\na,b,c,d\n\"x\ny\",b,c\n", &opt, &run);
    assert_int_equal(run.n, 3);
    assert_int_equal(run.recs[0].rc, 1);
    assert_int_equal(run.recs[1].rc, ERR_TOOBIG);
    assert_int_equal(run.recs[1].bad_field, 4);
    assert_non_null(strstr(run.recs[1].msg, "too many fields"));
    assert_int_equal(run.recs[2].rc, 1);
    assert_int_equal(run.recs[2].line, 3);
    run_free(&run);
}

static void test_many_fields_default(void **state)
{
    struct buf b;
    struct run run;
    size_t i;
    (void)state;
    /* More fields than the array first holds: it grows and the fields stay right. */
    buf_init(&b, 1 << 20);
    for (i = 0; i < 4096; i++)
        assert_int_equal(buf_printf(&b, i == 0 ? "%zu" : ",\"%zu\"\"\"", i), 0);
    assert_int_equal(buf_puts(&b, "\n"), 0);
    read_mem(b.data, b.len, NULL, &run);
    assert_int_equal(run.recs[0].rc, 1);
    assert_int_equal(run.recs[0].nfields, 4096);
    assert_field_str(&run.recs[0], 4095, "4095\"");
    run_free(&run);
    /* One field more is too many. */
    buf_truncate(&b, b.len - 1);
    assert_int_equal(buf_puts(&b, ",x\nok\n"), 0);
    read_mem(b.data, b.len, NULL, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[0].rc, ERR_TOOBIG);
    assert_int_equal(run.recs[0].bad_field, 4097);
    assert_int_equal(run.recs[1].rc, 1);
    run_free(&run);
    buf_release(&b);
}

static void test_read_error(void **state)
{
    struct csv_reader *r = NULL;
    struct csv_record rec;
    struct err e;
    FILE *f = fopen(".", "r"); /* reading a directory fails with EISDIR */
    (void)state;

    assert_non_null(f);
    assert_int_equal(csv_open_file(&r, f, NULL), 0);
    err_init(&e);
    assert_int_equal(csv_next(r, &rec, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "cannot read"));
    assert_int_equal(csv_next(r, &rec, &e), ERR_IO);
    csv_close(r);
    fclose(f);
}

static void test_bytes_read_progress(void **state)
{
    static const char in[] = "\xEF\xBB\xBF"
                             "a,b\n\n\"c\nd\",e\r\nf";
    struct csv_reader *r = NULL;
    struct csv_record rec;
    struct err e;
    (void)state;

    assert_int_equal(csv_open_mem(&r, in, sizeof(in) - 1, NULL), 0);
    assert_int_equal(csv_bytes_read(r), 0);
    assert_int_equal(csv_next(r, &rec, &e), 1);
    assert_int_equal(csv_bytes_read(r), 7);
    assert_int_equal(csv_next(r, &rec, &e), 1);
    assert_int_equal(csv_bytes_read(r), 17);
    assert_int_equal(csv_next(r, &rec, &e), 1);
    assert_int_equal(csv_bytes_read(r), sizeof(in) - 1);
    assert_int_equal(csv_next(r, &rec, &e), 0);
    assert_int_equal(csv_next(r, &rec, &e), 0);
    csv_close(r);
}

/* A mixed input of a few hundred KB read in many block sizes gives the same records. */
static void test_file_blocks_match_memory(void **state)
{
    struct csv_options opts[] = {{0}, {.trim = true, .max_record = 40, .max_fields = 5}};
    struct buf b;
    size_t i, k;
    (void)state;

    buf_init(&b, 1 << 22);
    assert_int_equal(buf_puts(&b, "\xEF\xBB\xBFid,a,b\r\n"), 0);
    for (i = 0; i < 20000; i++) {
        switch (i % 9) {
        case 0:
            assert_int_equal(buf_printf(&b, "%zu,plain,field\n", i), 0);
            break;
        case 1:
            assert_int_equal(buf_printf(&b, "%zu, \"q,\"\"x\"\" \" ,y\r\n", i), 0);
            break;
        case 2:
            assert_int_equal(buf_printf(&b, "%zu,\"multi\r\nline\nfield\",z\n\n", i), 0);
            break;
        case 3:
            assert_int_equal(buf_printf(&b, "%zu,bad\"quote,z\n", i), 0);
            break;
        case 4:
            assert_int_equal(buf_printf(&b, "%zu,\"closed\"junk,z\n", i), 0);
            break;
        case 5:
            assert_int_equal(buf_printf(&b, "%zu,%.*s\n", i, (int)(i % 97),
                                        "0123456789012345678901234567890123456789"
                                        "0123456789012345678901234567890123456789"
                                        "01234567890123456"),
                             0);
            break;
        case 6:
            assert_int_equal(buf_printf(&b, "%zu,a,b,c,d,e,f\n", i), 0);
            break;
        case 7:
            assert_int_equal(buf_printf(&b, "%zu,\"%.*s\"\n", i, (int)(i % 61),
                                        "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
                                        "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
                                        "\n\n\n\n\n\n\n\n\n\n\n"),
                             0);
            break;
        default:
            assert_int_equal(buf_printf(&b, "  \t\n"), 0);
            break;
        }
    }
    assert_int_equal(buf_puts(&b, "last,\"open"), 0);
    for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
        static const size_t sizes[] = {1, 5, 4093, 65536, 0};
        struct run mem, file;
        size_t s;

        read_mem(b.data, b.len, &opts[k], &mem);
        assert_true(mem.n > 17000);
        assert_int_equal(mem.bytes_read, b.len);
        assert_int_equal(mem.recs[mem.n - 1].rc, ERR_INVALID);
        for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            read_file(b.data, b.len, &opts[k], sizes[s], &file);
            assert_same_run(&mem, &file);
            run_free(&file);
        }
        run_free(&mem);
    }
    buf_release(&b);
}

/* The writer's output reads back as the same fields. */
static void test_writer_round_trip(void **state)
{
    static const char *const fields[] = {"plain", " lead", "trail\t", "a,b", "q\"q", "x\r\ny", ""};
    const size_t n = sizeof(fields) / sizeof(fields[0]);
    struct csv_options opt = {.trim = true};
    struct buf b;
    struct run run;
    size_t i;
    (void)state;

    buf_init(&b, 4096);
    assert_int_equal(csv_append_row(&b, fields, n), 0);
    assert_int_equal(csv_append_row(&b, fields, n), 0);
    read_str(b.data, &opt, &run);
    assert_int_equal(run.n, 2);
    assert_int_equal(run.recs[1].rc, 1);
    assert_int_equal(run.recs[1].nfields, n);
    for (i = 0; i < n; i++)
        assert_field_str(&run.recs[1], i, fields[i]);
    assert_int_equal(run.recs[1].line, 3);
    run_free(&run);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_records),
        cmocka_unit_test(test_quoted_fields),
        cmocka_unit_test(test_quoted_newline_line_numbers),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_no_trim_keeps_spaces),
        cmocka_unit_test(test_other_delimiters),
        cmocka_unit_test(test_empty_and_blank_input),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_blank_lines_skipped),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_nul_bytes_pass_through),
        cmocka_unit_test(test_invalid_utf8_passes_through),
        cmocka_unit_test(test_stray_quote),
        cmocka_unit_test(test_text_after_closing_quote),
        cmocka_unit_test(test_truncated_inside_quote),
        cmocka_unit_test(test_unterminated_beats_too_long),
        cmocka_unit_test(test_record_limit_edges),
        cmocka_unit_test(test_huge_line_then_good_record),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_many_fields_default),
        cmocka_unit_test(test_read_error),
        cmocka_unit_test(test_bytes_read_progress),
        cmocka_unit_test(test_file_blocks_match_memory),
        cmocka_unit_test(test_writer_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
