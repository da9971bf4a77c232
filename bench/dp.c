/*
 * dp.c: benchmark of the exact noise samplers (dp.h), which the stats module calls
 * once per published cell.
 *
 * usage: bench_dp N
 * Draws N samples from each sampler with the system source (libsodium) and prints
 * nanoseconds per sample, samples per second and 32-bit random words per sample.
 * The baseline, timed in the same process, is N exact uniform integers in
 * [0, 1000) from the same buffered system source (dp_uniform()): one random word,
 * the least any noise sample costs. The ratio column is each time over the
 * baseline's. For reference, N plain randombytes_uniform(1000) calls are timed too:
 * with libsodium's "sysrandom" backend each is a getrandom() system call, which is
 * why struct dp_rng fetches DP_RNG_BLOCK bytes at a time.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp.h"
#include "strutil.h"

#include "banned.h"

enum kind { UNIFORM, BERNOULLI, LAPLACE, GAUSSIAN, SEEDED_WORD };

struct row {
    const char *name;
    enum kind kind;
    uint64_t num, den;
};

static const struct row BASELINE = {"baseline dp_uniform 1000", UNIFORM, 1000, 0};

static const struct row ROWS[] = {
    {"bernoulli_exp 1/2", BERNOULLI, 1, 2},
    {"bernoulli_exp 5", BERNOULLI, 5, 1},
    {"laplace t=1", LAPLACE, 1, 1},
    {"laplace t=10", LAPLACE, 10, 1},
    {"laplace t=1000", LAPLACE, 1000, 1},
    {"gaussian s2=1", GAUSSIAN, 1, 1},
    {"gaussian s2=30", GAUSSIAN, 30, 1},
    {"gaussian s2=10^6", GAUSSIAN, 1000000, 1},
    {"gaussian s2=4294967291/..79", GAUSSIAN, 4294967291u, 4294967279u},
    {"seeded source, one word", SEEDED_WORD, 0, 0},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile int64_t sink;

/* Time n draws of row; sets *words to the random words they used. */
static double run(const struct row *row, uint64_t n, uint64_t *words)
{
    struct dp_rng r;
    unsigned char seed[32] = {1};
    double t0;
    uint64_t i;
    int64_t acc = 0;

    if (row->kind == SEEDED_WORD)
        dp_rng_init_seeded(&r, seed);
    else
        dp_rng_init_system(&r);
    t0 = now();
    for (i = 0; i < n; i++) {
        int64_t x = 0;
        bool b = false;
        int rc = 0;
        uint64_t u = 0;
        switch (row->kind) {
        case UNIFORM:
            rc = dp_uniform(&r, row->num, &u);
            x = (int64_t)u;
            break;
        case BERNOULLI:
            rc = dp_bernoulli_exp(&r, row->num, row->den, &b);
            x = b;
            break;
        case LAPLACE:
            rc = dp_discrete_laplace(&r, row->num, row->den, &x);
            break;
        case GAUSSIAN:
            rc = dp_discrete_gaussian(&r, row->num, row->den, &x);
            break;
        case SEEDED_WORD:
            x = dp_rng_u32(&r);
            break;
        }
        if (rc != 0) {
            fprintf(stderr, "bench_dp: %s failed (%d)\n", row->name, rc);
            exit(1);
        }
        acc += x;
    }
    sink = acc;
    *words = r.nwords;
    dp_rng_release(&r);
    return now() - t0;
}

int main(int argc, char **argv)
{
    uint64_t n = 0, i, acc = 0, words = 0;
    double t0, t_base, t_sodium;
    size_t k;

    if (argc != 2 || str_to_u64(argv[1], strlen(argv[1]), 1000000000, &n) != 0 || n == 0) {
        fprintf(stderr, "usage: bench_dp N\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;

    t0 = now();
    for (i = 0; i < n; i++)
        acc += randombytes_uniform(1000);
    t_sodium = now() - t0;
    sink = (int64_t)acc;
    t_base = run(&BASELINE, n, &words);

    printf("dp samplers: %llu samples each, system source (libsodium %s, %s)\n",
           (unsigned long long)n, sodium_version_string(), randombytes_implementation_name());
    printf("%-30s %9s %13s %11s %7s\n", "sampler", "ns/sample", "samples/s", "words/samp", "ratio");
    printf("%-30s %9.1f %13.0f %11.2f %7.2f\n", BASELINE.name, t_base / n * 1e9, n / t_base,
           (double)words / n, 1.0);
    printf("%-30s %9.1f %13.0f %11s %7.2f\n", "randombytes_uniform 1000", t_sodium / n * 1e9,
           n / t_sodium, "-", t_sodium / t_base);
    for (k = 0; k < sizeof(ROWS) / sizeof(ROWS[0]); k++) {
        double t = run(&ROWS[k], n, &words);
        printf("%-30s %9.1f %13.0f %11.2f %7.2f\n", ROWS[k].name, t / n * 1e9, n / t,
               (double)words / n, t / t_base);
    }
    return 0;
}
