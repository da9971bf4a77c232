/*
 * fuzz_norm.c: fuzz target for the normaliser: the JSON rules parser and
 * norm_apply() on arbitrary bytes.
 *
 * The first byte picks what the rest is: '0' (and every third byte value) the
 * text of a rules object, which must then format and parse back to the same
 * rules; '1' a steps mask (the second byte) and a value; '2' a value for the full
 * name rules. A value that was valid UTF-8 must come out valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "norm.h"
#include "norm_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rules(const char *text, size_t len)
{
    struct norm_rules rules, back;
    struct buf b;
    struct err e;

    if (norm_rules_parse(text, len, &rules, &e) != 0)
        return;
    buf_init(&b, 4096);
    if (norm_rules_format(&rules, &b) != 0)
        abort();
    if (norm_rules_parse(b.data, b.len, &back, &e) != 0)
        abort();
    if (back.steps != rules.steps || strcmp(back.date_format, rules.date_format) != 0)
        abort();
    buf_release(&b);
}

static void check_apply(unsigned steps, const char *value, size_t len)
{
    struct norm_rules rules;
    struct buf out;
    struct err e;
    bool valid = norm__utf8_valid(value, len);
    int rc;

    norm_rules_init(&rules);
    rules.steps = steps & NORM_ALL_STEPS;
    buf_init(&out, 1 << 20);
    rc = norm_apply(&rules, value, len, &out, &e);
    if (rc == 0 && valid && !norm__utf8_valid(out.data, out.len))
        abort();
    if (rc != 0 && e.code != rc)
        abort();
    buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int registered;
    char *copy = NULL;

    if (!registered) {
        /* Free this thread's ICU state at exit so that leak checkers stay quiet. */
        atexit(norm_thread_release);
        registered = 1;
    }
    if (size < 1)
        return 0;
    /* An exact-size copy, so that reads past the end are caught. */
    copy = malloc(size);
    if (copy == NULL)
        abort();
    memcpy(copy, data, size);
    switch (data[0] % 3) {
    case 0:
        check_rules(copy + 1, size - 1);
        break;
    case 1:
        if (size >= 2)
            check_apply(data[1], copy + 2, size - 2);
        break;
    default:
        check_apply(NORM_NAME_STEPS, copy + 1, size - 1);
        break;
    }
    free(copy);
    return 0;
}
