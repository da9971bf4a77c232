/*
 * link_scale.c (bench_link_scale): linkage of a million records from four agencies,
 * end to end on this machine: wall time and peak memory, beside a baseline from the
 * same run.
 *
 * usage: bench_link_scale [RECORDS]     (default 1000000; BENCH_SMOKE=1: 20000)
 * env:   LINK_SCALE_LSH=0 skips the LSH run; LINK_SCALE_BLOCKING (default "lsh");
 *        LINK_SCALE_SEED (default 3); LINK_SCALE_THRESHOLD (T and T2, default the
 *        CLI's) and LINK_SCALE_SUPPORT (percent) to see how persons move with them
 *
 * 1. Records: `tiphub synth` persons (4 agencies, MEDIUM noise) drawn in memory and
 *    written to a scratch directory, each row read back, canonicalised as import
 *    does (rec_set) and encoded with the default schema (data/linkage/
 *    htcds-default.json) on every CPU, as `encode --db` does. So the CLKs are real
 *    encodings of synthetic names, not random bits. Encoding is timed (records/s).
 * 2. Linking, exact: the candidate search (every pair, popcount filter, SIMD, all
 *    CPUs) and the grouping solver, with the default thresholds: wall time, pairs,
 *    persons (against the truth).
 * 3. Linking with LSH blocking (default bands and bits): wall time, and the pairs
 *    and persons lost against the exact search.
 * 4. Baseline: the brute force anyone would write first - for every pair, AND the
 *    words and count bits with POPCNT, one thread, no popcount filter - timed on the
 *    first BASE_ROWS records against all others and extrapolated to every pair.
 *
 * Peak memory is getrusage()'s ru_maxrss after everything (so it covers the
 * largest phase). Targets: exact linking of 1,000,000 records under 10 minutes and
 * under 2 GiB.
 */
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clk.h"
#include "csv.h"
#include "embedded.h"
#include "err.h"
#include "link.h"
#include "norm.h"
#include "progress.h"
#include "rec.h"
#include "strutil.h"
#include "synth.h"
#include "xalloc.h"

#include "scratch.h"

#include "banned.h"

#define SECRET    "tiphub-bench-link-scale-secret"
#define BASE_ROWS 100
#define MAX_FEAT  32

static void die(const char *what, const struct err *e)
{
    fprintf(stderr, "bench_link_scale: %s: %s\n", what, e != NULL ? e->msg : "failed");
    exit(3);
}

static double now_s(void)
{
    return (double)clock_ns() / 1e9;
}

/* ==== Reading and encoding the agency files ==== */

/* The rows of one agency: the canonical values of the schema's features, flat. */
struct agency_rows {
    char **val; /* n * nfeat strings (NULL: missing) */
    size_t n, alloc;
};

struct job {
    const struct clk_schema *schema;
    const struct agency_rows *rows;
    size_t nfeat;
    size_t from, to;
    struct dice_clks *out;
    int failed;
};

static void *encode_part(void *arg)
{
    struct job *j = arg;
    struct clk_encoder *enc = NULL;
    struct clk_value vals[MAX_FEAT];
    struct err e;
    uint8_t *clk;
    size_t i, f;

    err_init(&e);
    if (clk_encoder_new(j->schema, SECRET, strlen(SECRET), 0, &enc, &e) < 0) {
        j->failed = 1;
        return NULL;
    }
    clk = xcalloc(j->out->nbits / 8 + 8, 1);
    for (i = j->from; i < j->to; i++) {
        for (f = 0; f < j->nfeat; f++) {
            const char *v = j->rows->val[i * j->nfeat + f];
            vals[f].data = v != NULL ? v : "";
            vals[f].len = v != NULL ? strlen(v) : 0;
        }
        memset(clk, 0, j->out->nbits / 8);
        if (clk_encode(enc, vals, j->nfeat, clk, NULL, &e) < 0) {
            j->failed = 1;
            break;
        }
        dice_clks_set_bytes(j->out, i, clk);
    }
    free(clk);
    clk_encoder_free(enc);
    norm_thread_release();
    return NULL;
}

static void read_agency(const char *path, const struct clk_schema *schema, struct agency_rows *out)
{
    struct csv_reader *r = NULL;
    struct csv_record rec;
    struct rec rr;
    struct err e;
    size_t nf = clk_schema_nfeatures(schema), i, c, col[MAX_FEAT];
    int field[MAX_FEAT];
    FILE *f = fopen(path, "rb");
    int header = 1;

    if (f == NULL || nf > MAX_FEAT || csv_open_file(&r, f, NULL) < 0)
        die(path, NULL);
    memset(out, 0, sizeof(*out));
    rec_init(&rr);
    err_init(&e);
    for (;;) {
        int rc = csv_next(r, &rec, &e);
        if (rc == 0)
            break;
        if (rc < 0)
            die(path, &e);
        if (header) {
            header = 0;
            for (i = 0; i < nf; i++) {
                const char *id = clk_schema_identifier(schema, i);
                field[i] = clk_schema_ignored(schema, i) ? -1 : rec_field_find(id, strlen(id));
                col[i] = SIZE_MAX;
                for (c = 0; c < rec.nfields; c++)
                    if (rec.fields[c].len == strlen(id) &&
                        memcmp(rec.fields[c].data, id, rec.fields[c].len) == 0)
                        col[i] = c;
            }
            continue;
        }
        rec_clear(&rr);
        for (i = 0; i < nf; i++)
            if (field[i] >= 0 && col[i] < rec.nfields)
                (void)rec_set(&rr, field[i], rec.fields[col[i]].data, rec.fields[col[i]].len,
                              col[i] + 1, NULL);
        if (out->n == out->alloc) {
            out->alloc = out->alloc ? out->alloc * 2 : 1 << 14;
            out->val = xrealloc(out->val, st_mult(out->alloc, nf * sizeof(char *)));
        }
        for (i = 0; i < nf; i++) {
            const char *v = field[i] >= 0 ? rr.val[field[i]] : NULL;
            out->val[out->n * nf + i] = v != NULL ? xstrdup(v) : NULL;
        }
        out->n++;
    }
    rec_release(&rr);
    csv_close(r);
    fclose(f);
}

/* ==== Baseline: the plain brute force ==== */

__attribute__((target("popcnt"))) static uint64_t plain_loop(const struct dice_clks *src,
                                                             size_t nsrc, size_t rows,
                                                             const struct dice_threshold *t,
                                                             uint64_t *compared)
{
    double thr = (double)t->p / (double)t->q;
    uint64_t found = 0;
    size_t r, s, j, w, words = src[0].words;

    *compared = 0;
    for (r = 0; r < rows && r < src[0].n; r++) {
        const uint64_t *a = src[0].bits + r * words;
        uint32_t pa = 0;
        for (w = 0; w < words; w++)
            pa += (uint32_t)__builtin_popcountll(a[w]);
        for (s = 0; s < nsrc; s++) {
            for (j = s == 0 ? r + 1 : 0; j < src[s].n; j++) {
                const uint64_t *b = src[s].bits + j * words;
                uint32_t c = 0, pb = 0;
                for (w = 0; w < words; w++) {
                    c += (uint32_t)__builtin_popcountll(a[w] & b[w]);
                    pb += (uint32_t)__builtin_popcountll(b[w]);
                }
                if (pa + pb > 0 && 2.0 * c / (pa + pb) >= thr)
                    found++;
                (*compared)++;
            }
        }
    }
    return found;
}

/* ==== Main ==== */

static size_t count_lost(const struct dice_pairs *exact, const struct dice_pairs *lsh)
{
    size_t i, j = 0, lost = 0;

    for (i = 0; i < exact->n; i++) {
        const struct dice_pair *p = &exact->v[i];
        while (j < lsh->n && (lsh->v[j].a < p->a || (lsh->v[j].a == p->a && lsh->v[j].b < p->b)))
            j++;
        if (j >= lsh->n || lsh->v[j].a != p->a || lsh->v[j].b != p->b)
            lost++;
    }
    return lost;
}

/* CPU seconds of the process, all threads. */
static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/*
 * Reset the high-water mark of resident memory (Linux: "5" to /proc/self/clear_refs),
 * so that hwm_mib() reports the peak of the linking alone. Returns 0 if unsupported.
 */
static int hwm_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int ok;

    if (f == NULL)
        return 0;
    ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* VmHWM of /proc/self/status in MiB, or -1. */
static long hwm_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            const char *p = line + 6;
            kb = 0;
            while (*p == ' ' || *p == '\t')
                p++;
            while (*p >= '0' && *p <= '9')
                kb = kb * 10 + (*p++ - '0');
        }
    }
    fclose(f);
    return kb < 0 ? -1 : kb / 1024;
}

static long peak_mib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

int main(int argc, char **argv)
{
    const char *smoke = getenv("BENCH_SMOKE");
    const char *lsh_env = getenv("LINK_SCALE_LSH");
    const char *seed_env = getenv("LINK_SCALE_SEED");
    const struct embedded_file *ef = embedded_find("linkage/htcds-default.json");
    size_t records = smoke != NULL && smoke[0] == '1' ? 20000 : 1000000;
    struct synth_options so;
    struct synth *sy = NULL;
    struct synth_summary sum;
    struct clk_schema *schema = NULL;
    struct agency_rows rows[4];
    struct dice_clks src[4];
    struct link_opts lo;
    struct dice_pairs exact, lsh;
    struct dice_threshold within;
    struct link_stats st_exact, st_lsh;
    struct link_result res_exact, res_lsh;
    struct err e;
    char dir[] = "/tmp/tiphub-bench-link-scale.XXXXXX";
    char path[4096];
    size_t a, i, n = 0, nf;
    uint64_t v, base_cmp = 0, brute = 0, base_found;
    long nthreads = sysconf(_SC_NPROCESSORS_ONLN);
    double t0, c0, t_synth, t_read, t_encode, t_exact, t_lsh = 0, t_base, true_persons;
    double cpu_exact, cpu_lsh = 0;
    long peak_exact;
    int hwm_ok;

    if (argc > 1 && str_to_u64(argv[1], strlen(argv[1]), 100000000, &v) == 0 && v >= 100)
        records = (size_t)v;
    setvbuf(stdout, NULL, _IOLBF, 0);
    progress_enable(false);
    err_init(&e);
    if (ef == NULL || clk_schema_parse((const char *)ef->data, ef->len, &schema, &e) < 0)
        die("default schema", &e);
    nf = clk_schema_nfeatures(schema);
    if (nthreads < 1)
        nthreads = 1;
    printf("# bench_link_scale: %zu records wanted, 4 agencies, default schema, %ld CPUs\n",
           records, nthreads);

    /* 1. synthetic agency files, read back and encoded */
    t0 = now_s();
    synth_options_init(&so);
    so.seed = 3;
    if (seed_env != NULL && str_to_u64(seed_env, strlen(seed_env), UINT64_MAX, &v) == 0)
        so.seed = v;
    so.persons = records * 100 / 164 + 1;
    so.agencies = 4;
    so.noise = SYNTH_NOISE_MEDIUM;
    if (mkdtemp(dir) == NULL)
        die("mkdtemp", NULL);
    if (synth_new(&sy, &so, &e) < 0 || synth_write(sy, dir, &sum, &e) < 0)
        die("synth", &e);
    t_synth = now_s() - t0;
    t0 = now_s();
    for (a = 0; a < 4; a++) {
        snprintf(path, sizeof(path), "%s/%s.csv", dir, synth_agency_name(sy, a));
        read_agency(path, schema, &rows[a]);
        n += rows[a].n;
    }
    true_persons = (double)synth_npersons(sy);
    synth_free(sy);
    scratch_remove(dir);
    t_read = now_s() - t0;

    t0 = now_s();
    n = 0;
    for (a = 0; a < 4; a++) {
        pthread_t th[64];
        struct job jobs[64];
        long k, nth = nthreads < 64 ? nthreads : 64;
        if (dice_clks_init(&src[a], clk_schema_l(schema), rows[a].n) < 0)
            die("dice_clks_init", NULL);
        for (k = 0; k < nth; k++) {
            jobs[k].schema = schema;
            jobs[k].rows = &rows[a];
            jobs[k].nfeat = nf;
            jobs[k].from = rows[a].n * (size_t)k / (size_t)nth;
            jobs[k].to = rows[a].n * (size_t)(k + 1) / (size_t)nth;
            jobs[k].out = &src[a];
            jobs[k].failed = 0;
            if (pthread_create(&th[k], NULL, encode_part, &jobs[k]) != 0)
                die("pthread_create", NULL);
        }
        for (k = 0; k < nth; k++) {
            pthread_join(th[k], NULL);
            if (jobs[k].failed)
                die("encoding", NULL);
        }
        n += rows[a].n;
        for (i = 0; i < rows[a].n * nf; i++)
            free(rows[a].val[i]);
        free(rows[a].val);
    }
    t_encode = now_s() - t0;
    printf("records: %zu (%.0f persons) in 4 agencies: %zu / %zu / %zu / %zu\n", n, true_persons,
           src[0].n, src[1].n, src[2].n, src[3].n);
    printf("make data: synth %.1f s, read + canonicalise %.1f s, encode %.1f s on %ld threads = "
           "%.0f records/s (%.0f per thread)\n",
           t_synth, t_read, t_encode, nthreads, (double)n / t_encode,
           (double)n / t_encode / (double)nthreads);

    /* 2. exact linkage: candidates + solve, timed as link_run does them */
    link_opts_init(&lo);
    lo.method = LINK_GROUP;
    if (getenv("LINK_SCALE_THRESHOLD") != NULL) {
        if (dice_threshold_parse(getenv("LINK_SCALE_THRESHOLD"), &lo.threshold, &e) < 0)
            die("LINK_SCALE_THRESHOLD", &e);
        lo.agency_threshold = lo.threshold;
    }
    if (getenv("LINK_SCALE_SUPPORT") != NULL)
        lo.support = (unsigned)strtoul(getenv("LINK_SCALE_SUPPORT"), NULL, 10);
    printf("thresholds: T %s, T2 %s, support %u%%\n",
           getenv("LINK_SCALE_THRESHOLD") != NULL ? getenv("LINK_SCALE_THRESHOLD") : "default",
           getenv("LINK_SCALE_THRESHOLD") != NULL ? getenv("LINK_SCALE_THRESHOLD") : "default",
           lo.support);
    within = lo.threshold;
    if ((uint64_t)lo.agency_threshold.p * lo.threshold.q >
        (uint64_t)lo.threshold.p * lo.agency_threshold.q)
        within = lo.agency_threshold;
    dice_pairs_init(&exact);
    hwm_ok = hwm_reset();
    t0 = now_s();
    c0 = cpu_s();
    if (link_candidates(src, 4, &lo, &lo.threshold, &within, &exact, &st_exact, &e) < 0)
        die("exact search", &e);
    if (link_solve(src, 4, &lo, &exact, &res_exact, &e) < 0)
        die("solve", &e);
    t_exact = now_s() - t0;
    cpu_exact = cpu_s() - c0;
    peak_exact = hwm_ok ? hwm_mib() : peak_mib();
    dice_pairs_sort(&exact); /* back to (a, b) order, to compare with LSH (not timed) */
    brute = (uint64_t)n * (n - 1) / 2;
    printf("link exact: %.1f s wall (search %.1f s, solve %.1f s), %.1f CPU s, %" PRIu64
           " comparisons (%.1f%% of all pairs after the popcount filter), %zu candidate pairs, "
           "kernel %s, %u threads; peak memory while linking %ld MiB\n",
           t_exact, st_exact.seconds_search, res_exact.stats.seconds_solve, cpu_exact,
           st_exact.comparisons, 100.0 * (double)st_exact.comparisons / (double)brute, exact.n,
           dice_kernel_name(st_exact.kernel), st_exact.nthreads, peak_exact);
    {
        uint32_t *size = xcalloc(res_exact.npersons + 1, sizeof(uint32_t));
        uint32_t largest = 0;
        for (i = 0; i < res_exact.n; i++)
            if (++size[res_exact.person[i]] > largest)
                largest = size[res_exact.person[i]];
        free(size);
        printf("  persons found %zu, true %.0f: error %+.2f%%; largest person: %u records\n",
               res_exact.npersons, true_persons,
               100.0 * ((double)res_exact.npersons - true_persons) / true_persons, largest);
    }

    /* 3. LSH blocking */
    if (lsh_env == NULL || lsh_env[0] != '0') {
        char name[64];
        size_t lost;
        const char *spec = getenv("LINK_SCALE_BLOCKING");
        if (link_blocking_parse(spec != NULL ? spec : "lsh", &lo, &e) < 0)
            die("lsh", &e);
        link_blocking_name(&lo, name, sizeof(name));
        dice_pairs_init(&lsh);
        t0 = now_s();
        c0 = cpu_s();
        if (link_candidates(src, 4, &lo, &lo.threshold, &within, &lsh, &st_lsh, &e) < 0 ||
            link_solve(src, 4, &lo, &lsh, &res_lsh, &e) < 0)
            die("lsh", &e);
        t_lsh = now_s() - t0;
        cpu_lsh = cpu_s() - c0;
        dice_pairs_sort(&lsh); /* link_solve reordered them by score */
        lost = count_lost(&exact, &lsh);
        printf("link %s: %.1f s wall, %.1f CPU s (%.2fx less CPU than exact), %" PRIu64
               " comparisons; pairs lost against exact: %zu of %zu (pair recall %.5f); persons "
               "%zu (exact %zu, %+.3f%%)\n",
               name, t_lsh, cpu_lsh, cpu_exact / cpu_lsh, st_lsh.comparisons, lost, exact.n,
               exact.n > 0 ? 1.0 - (double)lost / (double)exact.n : 1.0, res_lsh.npersons,
               res_exact.npersons,
               100.0 * ((double)res_lsh.npersons - (double)res_exact.npersons) /
                   (double)res_exact.npersons);
        link_result_release(&res_lsh);
        dice_pairs_release(&lsh);
    }

    /* 4. baseline: the plain brute force on BASE_ROWS rows, extrapolated */
    t0 = now_s();
    base_found = plain_loop(src, 4, BASE_ROWS, &lo.threshold, &base_cmp);
    t_base = now_s() - t0;
    printf("baseline: plain loop (POPCNT, double score, no filter, 1 thread) on %d rows x all: "
           "%" PRIu64 " pairs (%" PRIu64 " pass) in %.2f s = %.3g pairs/s; extrapolated to all "
           "%" PRIu64 " pairs: %.0f s\n",
           BASE_ROWS, base_cmp, base_found, t_base, (double)base_cmp / t_base, brute,
           (double)brute / ((double)base_cmp / t_base));
    printf("ratio: exact linkage took %.1fx less CPU than the extrapolated baseline (%.1fx less "
           "wall time)\n",
           (double)brute / ((double)base_cmp / t_base) / cpu_exact,
           (double)brute / ((double)base_cmp / t_base) / t_exact);
    printf("end to end: %.1f s (make data %.1f s + link exact %.1f s%s); peak memory %ld MiB "
           "(while linking exactly: %ld MiB)\n",
           t_synth + t_read + t_encode + t_exact + t_lsh, t_synth + t_read + t_encode, t_exact,
           t_lsh > 0 ? " + link LSH" : "", peak_mib(), peak_exact);
    printf("targets (1,000,000 records): exact link under 600 s wall: %s (%.0f s; %.0f CPU s, "
           "%.0f s on %ld idle CPUs); peak under 2048 MiB: %s\n",
           t_exact < 600 ? "met" : "NOT MET", t_exact, cpu_exact, cpu_exact / (double)nthreads,
           nthreads, peak_exact < 2048 ? "met" : "NOT MET");

    link_result_release(&res_exact);
    dice_pairs_release(&exact);
    for (a = 0; a < 4; a++)
        dice_clks_release(&src[a]);
    clk_schema_free(schema);
    return 0;
}
