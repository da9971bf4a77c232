/*
 * test_date.c: unit tests for calendar dates (date.h): the accepted forms, the
 * ambiguous ones that are refused, the calendar (leap years), ages and today.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "date.h"
#include "err.h"

/* Parse s and return its canonical form, or "ERR" with *why set. */
static const char *canon(const char *s, const char **why)
{
    static char out[11];
    struct date d;
    const char *w = NULL;
    if (date_parse(s, strlen(s), &d, &w) < 0) {
        if (why != NULL)
            *why = w;
        assert_non_null(w);
        return "ERR";
    }
    date_format(&d, out);
    return out;
}

static void test_date_accepted_forms(void **state)
{
    static const char *const cases[][2] = {
        {"2024-03-05", "2024-03-05"},
        {"20240305", "2024-03-05"},
        {"2024/03/05", "2024-03-05"},
        {"2024.03.05", "2024-03-05"},
        {"2024-3-5", "2024-03-05"},
        {"2024-03-05T10:00:00Z", "2024-03-05"},
        {"2024-03-05T10:00:00.123+02:00", "2024-03-05"},
        {"2024-03-05 10:00", "2024-03-05"},
        {"20240305T1000", "2024-03-05"},
        {"5 March 2024", "2024-03-05"},
        {"05 march 2024", "2024-03-05"},
        {"March 5 2024", "2024-03-05"},
        {"March 5, 2024", "2024-03-05"},
        {"5 Mar 2024", "2024-03-05"},
        {"5 Mar. 2024", "2024-03-05"},
        {"05-Mar-2024", "2024-03-05"},
        {"5-MAR-2024", "2024-03-05"},
        {"17 Sept 2024", "2024-09-17"},
        {"  2024-03-05\t", "2024-03-05"},
        {"25/03/2024", "2024-03-25"}, /* day over 12: day first */
        {"03/25/2024", "2024-03-25"}, /* second over 12: month first */
        {"25.03.2024", "2024-03-25"},
        {"25-03-2024", "2024-03-25"},
        {"05/05/2024", "2024-05-05"}, /* day equals month */
        {"5.5.2024", "2024-05-05"},
        {"1880-01-01", "1880-01-01"},
        {"2200-12-31", "2200-12-31"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("%s\n", cases[i][0]);
        assert_string_equal(canon(cases[i][0], NULL), cases[i][1]);
    }
}

static void test_date_ambiguous_refused(void **state)
{
    const char *why = NULL;
    (void)state;
    assert_string_equal(canon("05/03/2024", &why), "ERR");
    assert_non_null(strstr(why, "ambiguous"));
    assert_string_equal(canon("05.03.2024", &why), "ERR");
    assert_non_null(strstr(why, "ambiguous"));
    assert_string_equal(canon("1-2-2024", &why), "ERR");
    assert_non_null(strstr(why, "ambiguous"));
    /* Both numbers over 12 cannot be a date at all. */
    assert_string_equal(canon("13/14/2024", &why), "ERR");
    assert_null(strstr(why, "ambiguous"));
}

static void test_date_rejected_forms(void **state)
{
    static const char *const bad[] = {
        "",
        "   ",
        "2024",
        "2024-03",
        "2024-03-05-01",
        "24-03-05",
        "05/03/24",
        "5 March 24",
        "March 2024",
        "5 Marc 2024",
        "5 Mars 2024",
        "2024-03-05x",
        "2024-03-05T",
        "abc",
        "2024-03/05",
        "25/03.2024",
        "2024--03-05",
        "5March2024",
        "0x7E8-01-01",
        "2024-003-05",
        "-2024-03-05",
        "2024-03-05 extra",
        "25 03 2024",
        "1e3-01-01",
        "12345678901234567890123456789012345678901234567890123456789012345",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("'%s'\n", bad[i]);
        assert_string_equal(canon(bad[i], NULL), "ERR");
    }
}

static void test_date_calendar(void **state)
{
    const char *why = NULL;
    (void)state;
    assert_string_equal(canon("2024-02-29", NULL), "2024-02-29"); /* divisible by 4 */
    assert_string_equal(canon("2000-02-29", NULL), "2000-02-29"); /* divisible by 400 */
    assert_string_equal(canon("1900-02-29", &why), "ERR");        /* by 100, not 400 */
    assert_string_equal(why, "not a calendar date");
    assert_string_equal(canon("2023-02-29", NULL), "ERR");
    assert_string_equal(canon("2024-04-31", NULL), "ERR");
    assert_string_equal(canon("2024-13-01", NULL), "ERR");
    assert_string_equal(canon("2024-00-10", NULL), "ERR");
    assert_string_equal(canon("2024-01-00", NULL), "ERR");
    assert_string_equal(canon("31 April 2024", NULL), "ERR");
    assert_string_equal(canon("1879-12-31", &why), "ERR");
    assert_non_null(strstr(why, "year"));
    assert_string_equal(canon("2201-01-01", &why), "ERR");
    assert_non_null(strstr(why, "year"));
    assert_true(date_valid(2024, 2, 29));
    assert_false(date_valid(2100, 2, 29));
    assert_true(date_valid(2096, 2, 29));
    assert_false(date_valid(2400, 2, 29)); /* a leap year, but past 2200 */
    assert_false(date_valid(2024, 6, 31));
    assert_true(date_valid(2024, 12, 31));
}

static void test_date_why_never_quotes_input(void **state)
{
    const char *why = NULL;
    struct date d;
    (void)state;
    assert_int_equal(date_parse("Jane 1999", 9, &d, &why), ERR_INVALID);
    assert_null(strstr(why, "Jane"));
    assert_int_equal(date_parse("1999-99-99", 10, &d, NULL), ERR_INVALID); /* why may be NULL */
}

static void test_date_cmp_and_age(void **state)
{
    struct date a = {2000, 2, 29}, b = {2000, 3, 1}, at;
    (void)state;
    assert_int_equal(date_cmp(&a, &b), -1);
    assert_int_equal(date_cmp(&b, &a), 1);
    assert_int_equal(date_cmp(&a, &a), 0);

    at = (struct date){2018, 2, 28};
    assert_int_equal(date_age_years(&a, &at), 17); /* leap-day birthday not yet reached */
    at = (struct date){2018, 3, 1};
    assert_int_equal(date_age_years(&a, &at), 18);
    at = (struct date){2024, 2, 29};
    assert_int_equal(date_age_years(&a, &at), 24);
    at = (struct date){2024, 2, 28};
    assert_int_equal(date_age_years(&a, &at), 23);
    at = (struct date){1999, 1, 1};
    assert_true(date_age_years(&a, &at) < 0);
    at = (struct date){2000, 2, 29};
    assert_int_equal(date_age_years(&a, &at), 0);
}

static void test_date_today_env(void **state)
{
    struct date d;
    (void)state;
    setenv("TIPHUB_TODAY", "2031-07-04", 1);
    date_today(&d);
    assert_int_equal(d.year, 2031);
    assert_int_equal(d.month, 7);
    assert_int_equal(d.day, 4);
    /* Not in the strict form: ignored, the real date is used. */
    setenv("TIPHUB_TODAY", "4 July 2031", 1);
    date_today(&d);
    assert_true(date_valid(d.year, d.month, d.day));
    assert_true(d.year >= 2024);
    unsetenv("TIPHUB_TODAY");
    date_today(&d);
    assert_true(date_valid(d.year, d.month, d.day));
    assert_true(d.year >= 2024);
}

static void test_date_format_round_trip(void **state)
{
    struct date d, back;
    char out[11];
    int y, m;
    (void)state;
    for (y = 1880; y <= 2200; y += 7) {
        for (m = 1; m <= 12; m++) {
            d = (struct date){y, m, m == 2 ? 28 : 30};
            date_format(&d, out);
            assert_int_equal(strlen(out), 10);
            assert_int_equal(date_parse(out, 10, &back, NULL), 0);
            assert_int_equal(date_cmp(&d, &back), 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_accepted_forms),
        cmocka_unit_test(test_date_ambiguous_refused),
        cmocka_unit_test(test_date_rejected_forms),
        cmocka_unit_test(test_date_calendar),
        cmocka_unit_test(test_date_why_never_quotes_input),
        cmocka_unit_test(test_date_cmp_and_age),
        cmocka_unit_test(test_date_today_env),
        cmocka_unit_test(test_date_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
