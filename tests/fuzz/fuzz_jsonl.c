/*
 * fuzz_jsonl.c: fuzz target for the streaming JSON Lines reader (jsonl.h).
 *
 * Each input is read with the default line limit and with a small one, each time
 * from memory and from a FILE read a few bytes at a time, and the two readings must
 * agree line by line. Every object is walked and dumped and read back, and the
 * invariants jsonl.h promises are checked with abort(): raw_len <= max_line, line
 * numbers increasing, an object exactly when the result is 1, messages that never
 * repeat jansson's "near '...'" text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonl.h"

#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct config {
    size_t max_line;
    size_t read_size;
};

static const struct config configs[] = {{0, 3}, {16, 1}};

static volatile unsigned sink;

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* Touch every key and string byte of v. */
static void walk(json_t *v)
{
    const char *key = NULL;
    json_t *item = NULL;
    size_t i;

    if (json_is_object(v)) {
        json_object_foreach(v, key, item)
        {
            for (i = 0; key[i] != '\0'; i++)
                sink += (unsigned char)key[i];
            walk(item);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            walk(item);
        }
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        for (i = 0; i < json_string_length(v); i++)
            sink += (unsigned char)s[i];
    }
}

static void check_record(const struct jsonl_record *rec, int rc, const struct err *e, size_t max,
                         const uint8_t *data, size_t size)
{
    size_t i;

    check(rc == 1 || rc == ERR_INVALID || rc == ERR_TOOBIG);
    check(rec->raw_len <= max);
    check(rec->raw_truncated == (rec->raw_total > max));
    check(rec->raw_len == (rec->raw_truncated ? max : rec->raw_total));
    check(rec->raw >= (const char *)data && rec->raw + rec->raw_len <= (const char *)data + size);
    check(memchr(rec->raw, '\n', rec->raw_len) == NULL);
    for (i = 0; i < rec->raw_len; i++)
        sink += (unsigned char)rec->raw[i];
    if (rc < 0) {
        check(rec->obj == NULL);
        check(e->code == rc && e->msg[0] != '\0');
        check(strstr(e->msg, "near") == NULL);
        check(rc != ERR_TOOBIG || rec->raw_truncated);
        return;
    }
    check(rec->obj != NULL && json_is_object(rec->obj));
    check(rec->column == 0);
    walk(rec->obj);
    {
        /* What jansson writes, jansson reads back as the same object. */
        char *text = json_dumps(rec->obj, JSON_COMPACT);
        json_error_t jerr;
        json_t *again = NULL;
        check(text != NULL);
        again = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
        check(again != NULL && json_equal(again, rec->obj));
        json_decref(again);
        free(text);
    }
}

static void run_config(const struct config *c, const uint8_t *data, size_t size)
{
    size_t max = c->max_line != 0 ? c->max_line : JSONL_DEFAULT_MAX_LINE;
    struct jsonl_reader *mem = NULL;
    struct jsonl_reader *file = NULL;
    FILE *f = NULL;
    uint64_t last_line = 0;

    check(jsonl_open_mem(&mem, data, size, c->max_line) == 0);
    if (size > 0) {
        f = fmemopen((void *)(uintptr_t)data, size, "r");
        check(f != NULL);
        check(jsonl_open_file(&file, f, c->max_line) == 0);
        jsonl_set_read_size(file, c->read_size);
    }
    for (;;) {
        struct jsonl_record a, b;
        struct err ea, eb;
        int rc = jsonl_next(mem, &a, &ea);

        if (rc == 0) {
            check(jsonl_bytes_read(mem) == size);
            if (file != NULL)
                check(jsonl_next(file, &b, &eb) == 0);
            break;
        }
        check_record(&a, rc, &ea, max, data, size);
        check(a.line > last_line);
        last_line = a.line;
        if (file != NULL) {
            check(jsonl_next(file, &b, &eb) == rc);
            check(b.line == a.line && b.column == a.column);
            check(b.raw_len == a.raw_len && memcmp(a.raw, b.raw, a.raw_len) == 0);
            check(b.raw_total == a.raw_total && b.raw_truncated == a.raw_truncated);
            check(rc == 1 ? json_equal(a.obj, b.obj) : strcmp(ea.msg, eb.msg) == 0);
            check(jsonl_bytes_read(file) == jsonl_bytes_read(mem));
        }
    }
    jsonl_close(mem);
    jsonl_close(file);
    if (f != NULL)
        fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i;

    for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
        run_config(&configs[i], data, size);
    return 0;
}
