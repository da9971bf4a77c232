/*
 * test_submission.c: the submission file: a written submission reads back the
 * same, shuffled; the reader refuses anything but encodings and coarse attributes;
 * and the hub store keeps the newest submission of each agency.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codes.h"
#include "store.h"
#include "submission.h"

#define HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void make_record(struct store_hub_record *r, unsigned char *clk, int i)
{
    int b;

    memset(r, 0, sizeof(*r));
    memset(clk, 0, 16);
    for (b = 0; b <= i % 100; b++)
        clk[b % 16] |= (unsigned char)(1u << (b % 8));
    r->clk = clk;
    r->clk_len = 16;
    r->popcount = 0;
    for (b = 0; b < 16; b++)
        r->popcount += (unsigned)__builtin_popcount(clk[b]);
    r->sex = "FMXU"[i % 4];
    r->age = "CAU"[i % 3];
    r->citizenship = i % 2 ? "NGA;GHA" : "UKR";
    r->detected_in = "DEU";
    r->exploited_in = i % 5 ? "DEU" : NULL;
    r->forms = (1u << CODES_FORM_SEX) | (i % 2 ? 1u << CODES_FORM_CRIM : 0);
    r->year = 2019 + i % 4;
}

static char *write_submission(int n, size_t *len, char refs[][SUBMISSION_REF_LEN + 1])
{
    struct submission_builder *b = submission_builder_new("police-1", HASH, 128, "test");
    struct store_hub_record r;
    unsigned char clk[16];
    struct err e;
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    int i;

    for (i = 0; i < n; i++) {
        make_record(&r, clk, i);
        submission_builder_add(b, &r, refs != NULL ? refs[i] : NULL);
    }
    assert_int_equal(submission_builder_write(b, f, &e), 0);
    fclose(f);
    submission_builder_free(b);
    return text;
}

static void test_round_trip_and_shuffle(void **state)
{
    char refs[50][SUBMISSION_REF_LEN + 1];
    size_t len = 0;
    char *text = write_submission(50, &len, refs);
    struct submission_reader *r = NULL;
    struct store_hub_record rec;
    struct err e;
    int seen[50] = {0};
    int n = 0, in_order = 0, rc;
    (void)state;

    assert_int_equal(submission_reader_open_mem(text, len, &r, &e), 0);
    assert_string_equal(submission_reader_header(r)->agency, "police-1");
    assert_int_equal(submission_reader_header(r)->clk_bits, 128);
    assert_int_equal(submission_reader_header(r)->records, 50);
    for (;;) {
        int i;
        rc = submission_reader_next(r, &rec, &e);
        if (rc != 1)
            break;
        for (i = 0; i < 50; i++) {
            if (strcmp(rec.ref, refs[i]) == 0)
                break;
        }
        assert_true(i < 50);
        assert_int_equal(seen[i], 0);
        seen[i] = 1;
        {
            struct store_hub_record want;
            unsigned char clk[16];
            make_record(&want, clk, i);
            assert_memory_equal(rec.clk, clk, 16);
            assert_int_equal(rec.popcount, want.popcount);
            assert_int_equal(rec.sex, want.sex);
            assert_int_equal(rec.age, want.age);
            assert_string_equal(rec.citizenship, want.citizenship);
            assert_int_equal(rec.forms, want.forms);
            assert_int_equal(rec.year, want.year);
            assert_string_equal(rec.exploited_in, want.exploited_in ? want.exploited_in : "");
        }
        if (i == n)
            in_order++;
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 50);
    /* Shuffled: the chance that 45 of 50 stay in place is nil. */
    assert_true(in_order < 45);
    submission_reader_close(r);
    free(text);
}

/* Replace the first occurrence of what in text by with; returns a new string. */
static char *edit(const char *text, const char *what, const char *with)
{
    const char *at = strstr(text, what);
    size_t n = strlen(text) - strlen(what) + strlen(with) + 1;
    char *out = malloc(n);

    assert_non_null(at);
    memcpy(out, text, (size_t)(at - text));
    snprintf(out + (at - text), n - (size_t)(at - text), "%s%s", with, at + strlen(what));
    return out;
}

static int read_all(const char *text, struct err *e)
{
    struct submission_reader *r = NULL;
    struct store_hub_record rec;
    int rc = submission_reader_open_mem(text, strlen(text), &r, e);

    while (rc == 0) {
        rc = submission_reader_next(r, &rec, e);
        if (rc == 1)
            rc = 0;
        else
            break;
    }
    submission_reader_close(r);
    return rc;
}

static void test_reader_refuses(void **state)
{
    size_t len = 0;
    char *text = write_submission(3, &len, NULL);
    struct err e;
    char *bad;
    (void)state;

    assert_int_equal(read_all(text, &e), 0);

    bad = edit(text, "\"sex\":", "\"name\":\"x\",\"sex\":");
    assert_int_equal(read_all(bad, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "unknown key 'name'"));
    assert_null(strstr(e.msg, "\"x\""));
    free(bad);

    bad = edit(text, "\"clk\":\"", "\"clk\":\"AAAA");
    assert_int_equal(read_all(bad, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "'clk'"));
    free(bad);

    bad = edit(text, "\"sex\":\"", "\"sex\":\"Q");
    assert_int_equal(read_all(bad, &e), ERR_INVALID);
    free(bad);

    bad = edit(text, "FORM_SEX", "FORM_MIXED");
    assert_int_equal(read_all(bad, &e), ERR_INVALID);
    free(bad);

    bad = edit(text, "\"DEU\"", "\"XXX\"");
    assert_int_equal(read_all(bad, &e), ERR_INVALID);
    free(bad);

    bad = edit(text, "\"records\":3", "\"records\":4");
    assert_int_equal(read_all(bad, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "truncated"));
    free(bad);

    bad = edit(text, "\"tiphub_submission\":1", "\"tiphub_submission\":2");
    assert_int_equal(read_all(bad, &e), ERR_INVALID);
    free(bad);

    assert_int_equal(read_all("", &e), ERR_INVALID);
    free(text);
}

static void test_hub_keeps_newest_submission(void **state)
{
    char dir[] = "/tmp/tiphub-test-sub.XXXXXX";
    char path[128];
    struct store *s = NULL;
    struct store_submission sub;
    struct store_hub_record r;
    unsigned char clk[16];
    struct err e;
    uint64_t nsub = 0, nrec = 0;
    int64_t id1 = 0, id2 = 0, replaced = 0;
    char cmd[160];
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/hub.db", dir);
    assert_int_equal(store_open(path, STORE_CREATE, &s, &e), 0);
    memset(&sub, 0, sizeof(sub));
    sub.agency = "ngo-1";
    sub.schema_hash = HASH;
    sub.clk_bits = 128;
    sub.sha256 = "aa";
    sub.header = "{}";
    assert_int_equal(store_submission_add(s, &sub, &id1, &replaced, &e), 0);
    assert_int_equal(replaced, 0);
    make_record(&r, clk, 1);
    r.ref = "00000000000000000000000000000001";
    assert_int_equal(store_hub_record_add(s, id1, &r, &e), 0);
    assert_int_equal(store_hub_record_add(s, id1, &r, &e), ERR_INVALID); /* same ref twice */
    assert_int_equal(store_submission_finish(s, id1, 1, &e), 0);
    assert_int_equal(store_submission_add(s, &sub, &id2, &replaced, &e), ERR_EXISTS);
    sub.sha256 = "bb";
    assert_int_equal(store_submission_add(s, &sub, &id2, &replaced, &e), 0);
    assert_int_equal(replaced, id1);
    assert_int_equal(store_submission_finish(s, id2, 0, &e), 0);
    assert_int_equal(store_hub_count(s, &nsub, &nrec, &e), 0);
    assert_int_equal(nsub, 1);
    assert_int_equal(nrec, 0);
    assert_int_equal(store_check(s, &e), 0);
    store_close(s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_shuffle),
        cmocka_unit_test(test_reader_refuses),
        cmocka_unit_test(test_hub_keeps_newest_submission),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
