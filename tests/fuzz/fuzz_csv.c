/*
 * fuzz_csv.c: fuzz target for the streaming CSV reader (csv.h).
 *
 * Each input is read under four sets of options (delimiters, trimming, small
 * limits), each time from memory and from a FILE read a few bytes at a time, and the
 * two readings must agree record by record. Every field byte is touched, and the
 * invariants csv.h promises are checked with abort(): raw_len <= max_record, line
 * numbers increasing, fields inside their record's lines, unquoted fields free of
 * delimiters and quotes, each good record's raw bytes reading back as the same
 * fields, and the writer's output for them reading back too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "err.h"

#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct config {
    struct csv_options opt;
    size_t read_size;
};

static const struct config configs[] = {
    {{0}, 3},
    {{.trim = true, .max_record = 32, .max_fields = 4}, 1},
    {{.delimiter = '\t', .trim = true, .max_record = 64}, 5},
    {{.delimiter = ';', .max_record = 7, .max_fields = 2}, 2},
};

static volatile unsigned sink;

static void check(bool ok)
{
    if (!ok)
        abort();
}

static size_t count_lf(const char *p, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++)
        n += p[i] == '\n';
    return n;
}

static bool is_trim_byte(const struct csv_options *opt, char c)
{
    char delim = opt->delimiter != 0 ? opt->delimiter : ',';
    return opt->trim && (c == ' ' || c == '\t') && c != delim;
}

static bool same_record(const struct csv_record *a, const struct csv_record *b)
{
    size_t i;

    if (a->nfields != b->nfields)
        return false;
    for (i = 0; i < a->nfields; i++) {
        if (a->fields[i].len != b->fields[i].len || a->fields[i].quoted != b->fields[i].quoted ||
            a->fields[i].line - a->line != b->fields[i].line - b->line)
            return false;
        if (a->fields[i].len > 0 &&
            memcmp(a->fields[i].data, b->fields[i].data, a->fields[i].len) != 0)
            return false;
    }
    return true;
}

/* A good record's raw bytes, read alone, give the same record. */
static void check_reread_raw(const struct csv_record *rec, const struct csv_options *opt)
{
    struct csv_reader *r = NULL;
    struct csv_record again;
    struct err e;

    /* Skip what the start or end of an input would treat differently. */
    if (rec->raw_len >= 3 && memcmp(rec->raw, "\xEF\xBB\xBF", 3) == 0)
        return;
    if (rec->raw[rec->raw_len - 1] == '\r')
        return;
    check(csv_open_mem(&r, rec->raw, rec->raw_len, opt) == 0);
    check(csv_next(r, &again, &e) == 1);
    check(same_record(rec, &again));
    check(again.raw_len == rec->raw_len);
    check(csv_next(r, &again, &e) == 0);
    csv_close(r);
}

/* Fields written by the writer read back unchanged. */
static void check_writer_round_trip(const struct csv_record *rec, const struct csv_options *opt)
{
    struct csv_options ropt = {.trim = opt->trim};
    struct csv_reader *r = NULL;
    struct csv_record again;
    struct err e;
    struct buf b;
    size_t i;

    if (opt->delimiter != 0 && opt->delimiter != ',')
        return;
    /* One empty field is written as a blank line, which is no record. */
    if (rec->nfields == 1 && rec->fields[0].len == 0)
        return;
    if (rec->fields[0].len >= 3 && memcmp(rec->fields[0].data, "\xEF\xBB\xBF", 3) == 0)
        return;
    buf_init(&b, (size_t)1 << 24);
    for (i = 0; i < rec->nfields; i++) {
        if (i > 0)
            check(buf_putc(&b, ',') == 0);
        check(csv_append_field(&b, rec->fields[i].data, rec->fields[i].len) == 0);
    }
    check(buf_putc(&b, '\n') == 0);
    check(csv_open_mem(&r, b.data, b.len, &ropt) == 0);
    check(csv_next(r, &again, &e) == 1);
    check(again.nfields == rec->nfields);
    for (i = 0; i < rec->nfields; i++) {
        check(again.fields[i].len == rec->fields[i].len);
        check(rec->fields[i].len == 0 ||
              memcmp(again.fields[i].data, rec->fields[i].data, rec->fields[i].len) == 0);
    }
    check(csv_next(r, &again, &e) == 0);
    csv_close(r);
    buf_release(&b);
}

static void check_record(const struct csv_record *rec, int rc, const struct err *e,
                         const struct csv_options *opt, const uint8_t *data, size_t size)
{
    size_t max = opt->max_record != 0 ? opt->max_record : CSV_DEFAULT_MAX_RECORD;
    size_t max_fields = opt->max_fields != 0 ? opt->max_fields : CSV_DEFAULT_MAX_FIELDS;
    char delim = opt->delimiter != 0 ? opt->delimiter : ',';
    const char *raw_end = rec->raw + rec->raw_len;
    uint64_t line = rec->line;
    size_t i, j;

    check(rc == 1 || rc == ERR_INVALID || rc == ERR_TOOBIG);
    check(rec->raw_len <= max);
    check(rec->raw_len > 0);
    check(rec->raw_truncated == (rec->raw_total > max));
    check(rec->raw_len == (rec->raw_truncated ? max : rec->raw_total));
    check(rec->raw >= (const char *)data && raw_end <= (const char *)data + size);
    check(rec->line_end >= rec->line);
    if (!rec->raw_truncated)
        check(count_lf(rec->raw, rec->raw_len) == rec->line_end - rec->line);
    for (i = 0; i < rec->raw_len; i++)
        sink += (unsigned char)rec->raw[i];
    if (rc < 0) {
        check(rec->nfields == 0);
        check(rec->bad_field >= 1);
        check(e->code == rc && e->msg[0] != '\0');
        return;
    }
    check(rec->bad_field == 0);
    check(rec->nfields >= 1 && rec->nfields <= max_fields);
    for (i = 0; i < rec->nfields; i++) {
        const struct csv_field *f = &rec->fields[i];
        check(f->line >= line && f->line <= rec->line_end);
        line = f->line;
        for (j = 0; j < f->len; j++)
            sink += (unsigned char)f->data[j];
        if (!f->quoted) {
            check(f->data >= rec->raw && f->data + f->len <= raw_end);
            check(memchr(f->data, delim, f->len) == NULL);
            check(memchr(f->data, '"', f->len) == NULL);
            check(memchr(f->data, '\n', f->len) == NULL);
            if (f->len > 0) {
                check(!is_trim_byte(opt, f->data[0]));
                check(!is_trim_byte(opt, f->data[f->len - 1]));
            }
        }
    }
    check_reread_raw(rec, opt);
    check_writer_round_trip(rec, opt);
}

static void run_config(const struct config *c, const uint8_t *data, size_t size)
{
    struct csv_reader *mem = NULL;
    struct csv_reader *file = NULL;
    FILE *f = NULL;
    uint64_t last_line_end = 0;
    uint64_t last_bytes = 0;

    check(csv_open_mem(&mem, data, size, &c->opt) == 0);
    if (size > 0) {
        f = fmemopen((void *)(uintptr_t)data, size, "r");
        check(f != NULL);
        check(csv_open_file(&file, f, &c->opt) == 0);
        csv_set_read_size(file, c->read_size);
    }
    for (;;) {
        struct csv_record a, b;
        struct err ea, eb;
        int rc = csv_next(mem, &a, &ea);

        if (rc == 0) {
            check(csv_bytes_read(mem) == size);
            check(csv_next(mem, &a, &ea) == 0);
            if (file != NULL)
                check(csv_next(file, &b, &eb) == 0);
            break;
        }
        check_record(&a, rc, &ea, &c->opt, data, size);
        check(a.line > last_line_end);
        last_line_end = a.line_end;
        check(csv_bytes_read(mem) > last_bytes && csv_bytes_read(mem) <= size);
        last_bytes = csv_bytes_read(mem);
        if (file != NULL) {
            check(csv_next(file, &b, &eb) == rc);
            check(b.line == a.line && b.line_end == a.line_end);
            check(b.raw_len == a.raw_len && memcmp(a.raw, b.raw, a.raw_len) == 0);
            check(b.raw_total == a.raw_total && b.raw_truncated == a.raw_truncated);
            check(b.bad_field == a.bad_field);
            check(same_record(&a, &b));
            check(rc == 1 || strcmp(ea.msg, eb.msg) == 0);
            check(csv_bytes_read(file) == csv_bytes_read(mem));
            check(csv_had_bom(file) == csv_had_bom(mem));
        }
    }
    csv_close(mem);
    csv_close(file);
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
