/*
 * stats.c: benchmark of the statistics (stats.h): every Global Report table over
 * the persons of a link run, beside the same tables computed by SQLite GROUP BY
 * queries over the same store in the same run.
 *
 * usage: bench_stats PERSONS [DB]   (an existing DB is reused as it is)
 * Builds a hub store (DB, or a temporary file) with the store API in one
 * transaction: 8 agencies' submissions written one after another, about 1.6
 * records per person (each from a different agency) with coarse attributes drawn
 * from a fixed-seed generator, and a link run grouping them into PERSONS persons
 * numbered 1..PERSONS in an order unrelated to the records' (a random permutation). Then times
 * stats_compute() (every person table: resolution of each person by the rule of docs/STATISTICS.md,
 * then counting) and, as the baseline, SQLite: one GROUP BY person query that resolves persons into
 * a temporary table (earliest year, child/adult, most frequent sex by counts, min citizenship,
 * first detection country, OR of forms, distinct agencies), then one GROUP BY per table. Prints
 * both times and the ratio; target: tiphub under 1 s at 1,000,000 persons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "codes.h"
#include "stats.h"
#include "store.h"

#include "banned.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: steadier than wall time on a shared machine. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static const char *const cit[] = {"UKR", "MDA", "ROU", "NGA", "THA", "VNM", "PHL", "MEX",
                                  "DEU", "GBR", "USA", "ARE", "IND", "CHN", "BRA", "SYR",
                                  "AFG", "ETH", "KEN", "COL", "HND", "GTM", "BGR", "ALB"};
static const char *const det[] = {"DEU", "THA", "USA", "ARE", "GBR", "MDA", "PHL", "MEX"};

/* One record to write: its person and attributes, drawn before writing. */
struct draft {
    uint32_t person;
    char sex, age;
    unsigned char cit, det;
    uint16_t forms;
    int16_t year;
};

/*
 * Draw every person's records, then write them agency by agency, as submissions
 * arrive at a real hub: a person's records end up far apart in the store, and the
 * link run's person numbers do not follow the record ids.
 */
static int build(const char *path, size_t persons, struct err *e)
{
    struct store *s = NULL;
    int64_t sub[8], run = 0, id = 0;
    struct draft *d[8];
    uint32_t *perm = NULL;
    size_t nd[8] = {0}, cap[8], p, k, a;
    int rc;
    unsigned char clk[16] = {0};

    for (a = 0; a < 8; a++) {
        cap[a] = persons / 4 + 16;
        d[a] = malloc(cap[a] * sizeof(struct draft));
    }
    for (p = 0; p < persons; p++) {
        /* 1 record (55 %), 2 (30 %), 3 (15 %): about 1.6 per person, each by another agency */
        unsigned u = below(100), n = u < 55 ? 1 : u < 85 ? 2 : 3;
        unsigned g = below(100), first = below(8);
        char sex = g < 61 ? 'F' : g < 97 ? 'M' : 'U';
        char age = below(100) < 38 ? 'C' : 'A';
        unsigned c = below(sizeof(cit) / sizeof(cit[0]));
        unsigned fm = 1u << below(9);
        int year = 2019 + (int)below(5);
        for (k = 0; k < n; k++) {
            struct draft *x;
            a = (first + k * 3) % 8;
            if (nd[a] == cap[a]) {
                cap[a] *= 2;
                d[a] = realloc(d[a], cap[a] * sizeof(struct draft));
            }
            x = &d[a][nd[a]++];
            x->person = (uint32_t)p;
            x->sex = below(10) == 0 ? 'U' : sex;
            x->age = below(10) == 0 ? 'U' : age;
            x->cit = below(20) == 0 ? 255 : (unsigned char)c;
            x->det = (unsigned char)below(8);
            x->forms = (uint16_t)(below(8) == 0 ? fm | (1u << below(9)) : fm);
            x->year = (int16_t)(year + (int)k);
        }
    }
    /* person numbers as a linker might give them: 1..PERSONS, not in record order */
    perm = malloc(persons * sizeof(uint32_t));
    for (p = 0; p < persons; p++)
        perm[p] = (uint32_t)p;
    for (p = persons; p > 1; p--) {
        size_t j = (size_t)(rnd() % p);
        uint32_t t = perm[p - 1];
        perm[p - 1] = perm[j];
        perm[j] = t;
    }
    rc = store_open(path, STORE_CREATE, &s, e);
    if (rc < 0)
        return rc;
    rc = store_begin(s, e);
    for (k = 0; k < 8 && rc == 0; k++) {
        struct store_submission su;
        char name[32], sha[65];
        int64_t replaced = 0;
        snprintf(name, sizeof(name), "agency-%zu", k + 1);
        snprintf(sha, sizeof(sha), "%064zu", k + 1);
        memset(&su, 0, sizeof(su));
        su.agency = name;
        su.schema_hash = "bench";
        su.clk_bits = 128;
        su.encoder = "bench";
        su.created_at = "2026-01-01T00:00:00Z";
        su.sha256 = sha;
        su.header = "{}";
        rc = store_submission_add(s, &su, &sub[k], &replaced, e);
    }
    if (rc == 0) {
        struct store_link_run lr;
        memset(&lr, 0, sizeof(lr));
        lr.threshold = "0.8";
        lr.method = "bench";
        lr.nrecords = nd[0] + nd[1] + nd[2] + nd[3] + nd[4] + nd[5] + nd[6] + nd[7];
        lr.npersons = persons;
        rc = store_link_run_add(s, &lr, &run, e);
    }
    for (a = 0; a < 8 && rc == 0; a++) {
        for (k = 0; k < nd[a] && rc == 0; k++) {
            const struct draft *x = &d[a][k];
            struct store_hub_record r;
            char ref[40];
            memset(&r, 0, sizeof(r));
            snprintf(ref, sizeof(ref), "%032llx", (unsigned long long)id + 1);
            r.ref = ref;
            r.clk = clk;
            r.clk_len = sizeof(clk);
            r.sex = x->sex;
            r.age = x->age;
            r.citizenship = x->cit == 255 ? NULL : cit[x->cit];
            r.detected_in = det[x->det];
            r.exploited_in = r.detected_in;
            r.forms = x->forms;
            r.year = x->year;
            rc = store_hub_record_add(s, sub[a], &r, e);
            id++;
            if (rc == 0)
                rc = store_person_member_add(s, run, id, (int64_t)perm[x->person] + 1, e);
        }
    }
    if (rc == 0)
        rc = store_commit(s, e);
    store_close(s);
    for (a = 0; a < 8; a++)
        free(d[a]);
    free(perm);
    return rc;
}

static const char *const baseline_sql[] = {
    "CREATE TEMP TABLE p AS SELECT m.person AS person, min(r.year) AS year, "
    "max(r.age = 'C') AS child, max(r.age = 'A') AS adult, sum(r.sex = 'F') AS nf, "
    "sum(r.sex = 'M') AS nm, sum(r.sex = 'X') AS nx, min(r.citizenship) AS cit, "
    "min(r.detected_in) AS det, "
    "max(r.forms & 1) | max(r.forms & 2) | max(r.forms & 4) | max(r.forms & 8) | "
    "max(r.forms & 16) | max(r.forms & 32) | max(r.forms & 64) | max(r.forms & 128) | "
    "max(r.forms & 256) AS forms, count(DISTINCT r.submission_id) AS nag, count(*) AS nrec "
    "FROM person_members m JOIN hub_records r ON r.id = m.record_id WHERE m.run_id = 1 "
    "GROUP BY m.person",
    "SELECT year, count(*) FROM p GROUP BY year",
    "SELECT CASE WHEN nf + nm + nx = 0 THEN 'U' WHEN nf >= nm AND nf >= nx THEN 'F' WHEN nm >= "
    "nx THEN 'M' ELSE 'X' END AS sex, CASE WHEN child THEN 'C' WHEN adult THEN 'A' ELSE 'U' END "
    "AS age, count(*) FROM p GROUP BY sex, age",
    "SELECT forms, count(*) FROM p GROUP BY forms",
    "SELECT cit, count(*) FROM p GROUP BY cit",
    "SELECT det, count(*) FROM p GROUP BY det",
    "SELECT cit, det, count(*) FROM p GROUP BY cit, det",
    "SELECT CASE WHEN cit = det THEN 'D' ELSE 'O' END, count(*) FROM p GROUP BY 1",
    "SELECT min(nag, 5), count(*) FROM p GROUP BY 1",
    "SELECT count(*), sum(nrec) FROM p",
};

static int baseline(const char *path, double *secs, double *cpu_secs)
{
    sqlite3 *db = NULL;
    size_t i;
    double t0, c0;
    long long rows = 0;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return -1;
    sqlite3_exec(db, "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
    t0 = now();
    c0 = cpu();
    for (i = 0; i < sizeof(baseline_sql) / sizeof(baseline_sql[0]); i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, baseline_sql[i], -1, &st, NULL) != SQLITE_OK) {
            fprintf(stderr, "bench_stats: %s\n", sqlite3_errmsg(db));
            sqlite3_close(db);
            return -1;
        }
        while (sqlite3_step(st) == SQLITE_ROW)
            rows++;
        sqlite3_finalize(st);
    }
    *secs = now() - t0;
    *cpu_secs = cpu() - c0;
    sqlite3_close(db);
    return rows > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    char tmpl[] = "/tmp/tiphub-bench-stats.XXXXXX";
    char path[512];
    size_t persons = 0;
    struct store *s = NULL;
    struct stats_result res;
    struct stats_options o;
    struct err e;
    double t0, c0, t_build, t_stats, c_stats, t_sdc, t_sql = 0, c_sql = 0;
    bool tmp = argc < 3;
    int rc = 0;

    if (argc < 2 || (persons = (size_t)strtoull(argv[1], NULL, 10)) == 0) {
        fprintf(stderr, "usage: bench_stats PERSONS [DB]\n");
        return 2;
    }
    if (tmp) {
        if (mkdtemp(tmpl) == NULL)
            return 3;
        snprintf(path, sizeof(path), "%s/hub.db", tmpl);
    } else {
        snprintf(path, sizeof(path), "%s", argv[2]);
    }
    err_init(&e);
    codes_country_count(); /* load the code lists before timing */
    t0 = now();
    if (!tmp && access(path, F_OK) == 0) {
        printf("reusing the hub in %s\n", path); /* built by an earlier run */
    } else if (build(path, persons, &e) < 0) {
        fprintf(stderr, "bench_stats: %s\n", e.msg);
        return 3;
    }
    t_build = now() - t0;

    if (store_open(path, STORE_READONLY, &s, &e) < 0) {
        fprintf(stderr, "bench_stats: %s\n", e.msg);
        return 3;
    }
    stats_options_init(&o);
    t0 = now();
    c0 = cpu();
    rc = stats_compute(s, &o, false, &res, &e);
    t_stats = now() - t0;
    c_stats = cpu() - c0;
    if (rc < 0) {
        fprintf(stderr, "bench_stats: %s\n", e.msg);
        return 3;
    }
    t0 = now();
    stats_sdc_apply(&res, STATS_SDC_K_DEFAULT);
    t_sdc = now() - t0;
    printf("persons %llu, records %llu, tables %zu (hub built in %.2f s)\n",
           (unsigned long long)res.persons, (unsigned long long)res.records, res.ntables, t_build);
    stats_result_release(&res);
    store_close(s);

    if (baseline(path, &t_sql, &c_sql) < 0) {
        fprintf(stderr, "bench_stats: baseline failed\n");
        return 3;
    }
    printf("tiphub stats (all tables): %.3f s wall, %.3f s cpu\n", t_stats, c_stats);
    printf("sqlite GROUP BY baseline:  %.3f s wall, %.3f s cpu\n", t_sql, c_sql);
    printf("ratio tiphub/sqlite:       %.2f wall, %.2f cpu\n", t_stats / t_sql, c_stats / c_sql);
    printf("suppression (K=11, audited): %.3f s\n", t_sdc);
    if (tmp) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
        if (system(cmd) != 0)
            return 3;
    }
    return 0;
}
