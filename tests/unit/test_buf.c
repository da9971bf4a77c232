/*
 * test_buf.c: unit tests for the bounded buffer (buf.h) and the string helpers
 * (strutil.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "strutil.h"

static void test_buf_starts_empty(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 100);
    assert_non_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_release(&b);
}

static void test_buf_append_and_printf(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 1000);
    assert_int_equal(buf_puts(&b, "rows="), 0);
    assert_int_equal(buf_printf(&b, "%d", 42), 0);
    assert_string_equal(b.data, "rows=42");
    assert_int_equal(b.len, 7);
    buf_release(&b);
}

static void test_buf_respects_max(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "12345678"), 0);
    assert_int_equal(buf_putc(&b, '9'), ERR_TOOBIG);
    /* A failed append leaves the buffer as it was. */
    assert_string_equal(b.data, "12345678");
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%s", "too long for it"), ERR_TOOBIG);
    assert_int_equal(b.len, 0);
    buf_release(&b);
}

static void test_buf_printf_grows(void **state)
{
    struct buf b;
    int i;
    (void)state;
    buf_init(&b, 1 << 20);
    for (i = 0; i < 1000; i++)
        assert_int_equal(buf_printf(&b, "%04d", i), 0);
    assert_int_equal(b.len, 4000);
    assert_memory_equal(b.data + 3996, "0999", 4);
    buf_release(&b);
}

static void test_buf_keeps_nul_bytes(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 100);
    assert_int_equal(buf_append(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_int_equal(b.data[3], '\0');
    buf_release(&b);
}

static void test_str_to_u64(void **state)
{
    uint64_t v = 0;
    (void)state;
    assert_int_equal(str_to_u64("123", 3, 1000, &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(str_to_u64("1001", 4, 1000, &v), ERR_TOOBIG);
    assert_int_equal(str_to_u64("", 0, 1000, &v), ERR_INVALID);
    assert_int_equal(str_to_u64("12a", 3, 1000, &v), ERR_INVALID);
    assert_int_equal(str_to_u64("-1", 2, 1000, &v), ERR_INVALID);
    assert_int_equal(str_to_u64("18446744073709551615", 20, UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(str_to_u64("18446744073709551616", 20, UINT64_MAX, &v), ERR_TOOBIG);
}

static void test_str_to_i64(void **state)
{
    int64_t v = 0;
    (void)state;
    assert_int_equal(str_to_i64("-5", 2, -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(str_to_i64("-11", 3, -10, 10, &v), ERR_TOOBIG);
    assert_int_equal(str_to_i64("-9223372036854775808", 20, INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(str_to_i64("5", 1, 6, 10, &v), ERR_TOOBIG);
}

static void test_str_copy_reports_truncation(void **state)
{
    char small[4];
    (void)state;
    assert_int_equal(str_copy(small, "abc", sizeof(small)), 3);
    assert_int_equal(str_copy(small, "abcd", sizeof(small)), ERR_TOOBIG);
    assert_string_equal(small, "abc");
}

static void test_str_ieq_and_trim(void **state)
{
    const char *s = "  Gender\t";
    size_t len = strlen(s);
    const char *t;
    (void)state;
    t = str_trim(s, &len);
    assert_int_equal(len, 6);
    assert_true(str_ieq(t, len, "gender"));
    assert_false(str_ieq(t, len, "genders"));
    assert_false(str_ieq(t, len - 1, "gender"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_starts_empty),
        cmocka_unit_test(test_buf_append_and_printf),
        cmocka_unit_test(test_buf_respects_max),
        cmocka_unit_test(test_buf_printf_grows),
        cmocka_unit_test(test_buf_keeps_nul_bytes),
        cmocka_unit_test(test_str_to_u64),
        cmocka_unit_test(test_str_to_i64),
        cmocka_unit_test(test_str_copy_reports_truncation),
        cmocka_unit_test(test_str_ieq_and_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
