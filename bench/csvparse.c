/*
 * csvparse.c: benchmark of the CSV reader (csv.h), which import runs over every
 * byte of every file.
 *
 * usage: bench_csvparse [MB]       (default 100)
 * Builds about MB megabytes (10^6 bytes) of synthetic case-like CSV in memory, twice:
 * "mixed" (a quarter of the rows quote a field holding commas, some with "" escapes
 * or a newline) and "all quoted" (every field in quotes, as some spreadsheet exports
 * write). Times csv_next() over each, from memory and from a FILE (fmemopen, so the
 * reader's block reads and copies are included). The baseline, run in the same
 * process over the same bytes, is the least any line-based reader must do: count
 * the lines with memchr (input_count_lf(), which the CSV reader uses for newlines
 * inside quotes). Each figure is the best of 3 runs. Prints MB/s of each and
 * the ratio parser/baseline.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "err.h"
#include "input.h"
#include "progress.h"
#include "strutil.h"

#include "banned.h"

#define RUNS 3

struct totals {
    uint64_t records;
    uint64_t fields;
    uint64_t bytes; /* sum of field lengths, so the work cannot be skipped */
};

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rng(void)
{
    /* xorshift64*: fixed seed, so every run times the same bytes. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Du) >> 32);
}

static const char *const AGENCIES[] = {"NGO-North", "Police-East", "LabourInsp", "Shelter-3"};
static const char *const SEXES[] = {"F", "M", "X", ""};
static const char *const COUNTRIES[] = {"UKR", "MDA", "ROU", "VNM", "NGA", "PHL", "BGR"};
static const char *const TYPES[] = {"sexual", "labour", "forced_criminality", "domestic",
                                    "begging"};
static const char *const NOTES[] = {
    "referred to shelter, follow-up in two weeks",
    "met at the \"\"agency\"\" office, documents withheld",
    "interviewed twice\nwith an interpreter",
    "no further action, case closed",
};

/* Append one row of 8 fields; every field quoted when all_quoted. */
static void add_row(struct buf *b, uint64_t id, bool all_quoted)
{
    uint32_t r = rng();
    const char *agency = AGENCIES[r % 4];
    const char *sex = SEXES[(r >> 2) % 4];
    const char *country = COUNTRIES[(r >> 4) % 7];
    const char *type = TYPES[(r >> 8) % 5];
    unsigned age = 12 + (r >> 12) % 50;
    unsigned year = 2015 + (r >> 18) % 10, month = 1 + (r >> 22) % 12, day = 1 + (r >> 26) % 28;
    const char *note = (r >> 30) == 0 ? NOTES[rng() % 4] : NULL;
    int rc;

    if (all_quoted)
        rc = buf_printf(b,
                        "\"C-%08llu\",\"%s\",\"%s\",\"%u\",\"%s\",\"%04u-%02u-%02u\",\"%s\","
                        "\"%s\"\n",
                        (unsigned long long)id, agency, sex, age, country, year, month, day, type,
                        note != NULL ? note : "");
    else if (note != NULL)
        rc =
            buf_printf(b, "C-%08llu,%s,%s,%u,%s,%04u-%02u-%02u,%s,\"%s\"\n", (unsigned long long)id,
                       agency, sex, age, country, year, month, day, type, note);
    else
        rc = buf_printf(b, "C-%08llu,%s,%s,%u,%s,%04u-%02u-%02u,%s,\n", (unsigned long long)id,
                        agency, sex, age, country, year, month, day, type);
    if (rc < 0) {
        fprintf(stderr, "bench_csvparse: buffer full\n");
        exit(1);
    }
}

static void make_csv(struct buf *b, size_t size, bool all_quoted, uint64_t *rows)
{
    uint64_t id = 0;

    buf_init(b, size + 4096);
    if (buf_grow(b, size + 1024) < 0)
        exit(1);
    if (buf_puts(b, "case_id,agency,sex,age,citizenship,identified,type,notes\n") < 0)
        exit(1);
    while (b->len < size)
        add_row(b, ++id, all_quoted);
    *rows = id + 1; /* with the header */
}

static int parse_all(struct csv_reader *r, struct totals *t)
{
    struct csv_record rec;
    struct err e;
    size_t i;
    int rc;

    memset(t, 0, sizeof(*t));
    for (;;) {
        rc = csv_next(r, &rec, &e);
        if (rc == 0)
            return 0;
        if (rc < 0) {
            fprintf(stderr, "bench_csvparse: line %llu: %s\n", (unsigned long long)rec.line, e.msg);
            return rc;
        }
        t->records++;
        t->fields += rec.nfields;
        for (i = 0; i < rec.nfields; i++)
            t->bytes += rec.fields[i].len;
    }
}

/* Best time in ns of RUNS runs of one way of reading b; *t gets the totals. */
static uint64_t time_parse(const struct buf *b, bool from_file, struct totals *t)
{
    uint64_t best = UINT64_MAX;
    int run;

    for (run = 0; run < RUNS; run++) {
        struct csv_reader *r = NULL;
        FILE *f = NULL;
        uint64_t t0, dt;

        t0 = clock_ns();
        if (from_file) {
            f = fmemopen(b->data, b->len, "r");
            if (f == NULL || csv_open_file(&r, f, NULL) < 0)
                exit(1);
        } else if (csv_open_mem(&r, b->data, b->len, NULL) < 0) {
            exit(1);
        }
        if (parse_all(r, t) < 0)
            exit(1);
        csv_close(r);
        if (f != NULL)
            fclose(f);
        dt = clock_ns() - t0;
        if (dt < best)
            best = dt;
    }
    return best;
}

static uint64_t time_baseline(const struct buf *b, uint64_t *lines)
{
    uint64_t best = UINT64_MAX;
    int run;

    for (run = 0; run < RUNS; run++) {
        uint64_t t0 = clock_ns(), dt;
        *lines = input_count_lf(b->data, b->len);
        dt = clock_ns() - t0;
        if (dt < best)
            best = dt;
    }
    return best;
}

static double mb_per_s(size_t bytes, uint64_t ns)
{
    return ns > 0 ? (double)bytes / 1e6 / ((double)ns / 1e9) : 0.0;
}

static int bench(const char *name, size_t size, bool all_quoted)
{
    struct buf b;
    struct totals mem, file;
    uint64_t rows = 0, lines = 0;
    uint64_t base_ns, mem_ns, file_ns;
    double base_mbs, mem_mbs, file_mbs;

    make_csv(&b, size, all_quoted, &rows);
    base_ns = time_baseline(&b, &lines);
    mem_ns = time_parse(&b, false, &mem);
    file_ns = time_parse(&b, true, &file);
    base_mbs = mb_per_s(b.len, base_ns);
    mem_mbs = mb_per_s(b.len, mem_ns);
    file_mbs = mb_per_s(b.len, file_ns);
    printf("bench_csvparse: %s: %zu bytes, %llu records of %llu fields, %llu lines\n", name, b.len,
           (unsigned long long)mem.records, (unsigned long long)mem.fields,
           (unsigned long long)lines);
    printf("  memchr line count (baseline)  %9.1f MB/s\n", base_mbs);
    printf("  csv_next from memory          %9.1f MB/s  ratio %.3f  (%.0f records/s)\n", mem_mbs,
           mem_mbs / base_mbs, (double)mem.records / ((double)mem_ns / 1e9));
    printf("  csv_next from a FILE          %9.1f MB/s  ratio %.3f\n", file_mbs,
           file_mbs / base_mbs);
    buf_release(&b);
    if (mem.records != rows || file.records != rows || mem.fields != rows * 8 ||
        mem.bytes != file.bytes) {
        fprintf(stderr, "bench_csvparse: %s: read %llu records, wrote %llu\n", name,
                (unsigned long long)mem.records, (unsigned long long)rows);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t mb = 100;

    if (argc > 1 && str_to_u64(argv[1], strlen(argv[1]), 100000, &mb) < 0) {
        fprintf(stderr, "usage: bench_csvparse [MB]\n");
        return 2;
    }
    if (mb == 0)
        mb = 1;
    if (bench("mixed", (size_t)mb * 1000000, false) != 0)
        return 1;
    if (bench("all quoted", (size_t)mb * 1000000, true) != 0)
        return 1;
    return 0;
}
