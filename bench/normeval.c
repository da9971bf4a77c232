/*
 * normeval.c: bench_normeval, how well and how fast the name normaliser works.
 *
 * usage: bench_normeval [--iterations N] [--show] DATA_DIR
 *
 * DATA_DIR holds variant_pairs.csv (two spellings of one name) and
 * near_misses.csv (names of two different people that look alike), see
 * tests/data/romanization/PROVENANCE.md. For several sets of steps, from the
 * baseline (NFKC and case folding only) to the full name rules, it prints the
 * share of variant pairs that match (higher is better) and of near misses that
 * match (lower is better) under two criteria: the normalised forms are equal,
 * and their bigram Dice coefficient is at least 0.8 (what a CLK comparison sees).
 * Then it times norm_apply() on typical names, beside the baseline.
 *
 * --show prints every pair that the full rules fail on (variants that do not
 * match exactly, near misses that do). Synthetic test names only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "norm.h"
#include "norm_int.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

#define DICE_THRESHOLD 0.8

static const char *const scripts[] = {"cyrillic", "arabic", "greek", "thai"};
#define NSCRIPTS (sizeof(scripts) / sizeof(scripts[0]))

struct config {
    const char *label;
    unsigned steps;
};

static double pct(size_t k, size_t n)
{
    return n == 0 ? 0.0 : 100.0 * (double)k / (double)n;
}

static int print_row(const char *label, unsigned steps, const struct norm__pairs *var,
                     const struct norm__pairs *near)
{
    struct norm__rates rv, rn;
    struct err e;

    if (norm__pairs_rate(var, NULL, steps, DICE_THRESHOLD, &rv, &e) < 0 ||
        norm__pairs_rate(near, NULL, steps, DICE_THRESHOLD, &rn, &e) < 0) {
        fprintf(stderr, "bench_normeval: %s\n", e.msg);
        return -1;
    }
    printf("  %-34s %6.1f%% %6.1f%%   %6.1f%% %6.1f%%\n", label, pct(rv.exact, rv.n),
           pct(rv.dice, rv.n), pct(rn.exact, rn.n), pct(rn.dice, rn.n));
    return 0;
}

static int per_script(const struct norm__pairs *var, const struct norm__pairs *near)
{
    size_t s;
    struct err e;

    printf("\nfull name rules, by script       variants (n) exact   dice    near misses (n) exact "
           "  dice\n");
    for (s = 0; s < NSCRIPTS; s++) {
        struct norm__rates rv, rn, bv, bn;

        if (norm__pairs_rate(var, scripts[s], NORM_NAME_STEPS, DICE_THRESHOLD, &rv, &e) < 0 ||
            norm__pairs_rate(near, scripts[s], NORM_NAME_STEPS, DICE_THRESHOLD, &rn, &e) < 0 ||
            norm__pairs_rate(var, scripts[s], NORM_NFKC_CASEFOLD, DICE_THRESHOLD, &bv, &e) < 0 ||
            norm__pairs_rate(near, scripts[s], NORM_NFKC_CASEFOLD, DICE_THRESHOLD, &bn, &e) < 0) {
            fprintf(stderr, "bench_normeval: %s\n", e.msg);
            return -1;
        }
        printf("  %-30s %5zu %6.1f%% %6.1f%%   %5zu %6.1f%% %6.1f%%   (baseline exact %.1f%% / "
               "%.1f%%)\n",
               scripts[s], rv.n, pct(rv.exact, rv.n), pct(rv.dice, rv.n), rn.n, pct(rn.exact, rn.n),
               pct(rn.dice, rn.n), pct(bv.exact, bv.n), pct(bn.exact, bn.n));
    }
    return 0;
}

/* Print the pairs the full rules get wrong. */
static void show(const struct norm__pairs *pairs, bool want_equal)
{
    struct norm_rules rules;
    struct buf a, b;
    struct err e;
    size_t i;

    norm_rules_init(&rules);
    rules.steps = NORM_NAME_STEPS;
    buf_init(&a, BUF_MAX_LINE);
    buf_init(&b, BUF_MAX_LINE);
    for (i = 0; i < pairs->n; i++) {
        const struct norm__pair *p = &pairs->items[i];
        bool equal;

        buf_reset(&a);
        buf_reset(&b);
        if (norm_apply(&rules, p->a, strlen(p->a), &a, &e) < 0 ||
            norm_apply(&rules, p->b, strlen(p->b), &b, &e) < 0)
            continue;
        equal = a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
        if (equal != want_equal)
            printf("  %-9s %-22s %-22s -> %-16s %-16s dice %.2f\n", p->script, p->a, p->b, a.data,
                   b.data, norm__dice_bigram(a.data, a.len, b.data, b.len));
    }
    buf_release(&a);
    buf_release(&b);
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Mean nanoseconds per norm_apply() of s with steps, over iterations calls. */
static double time_apply(const char *s, unsigned steps, long iterations)
{
    struct norm_rules rules;
    struct buf out;
    struct err e;
    size_t len = strlen(s);
    long i;
    double t0, t1;
    volatile size_t sink = 0;

    norm_rules_init(&rules);
    rules.steps = steps;
    buf_init(&out, BUF_MAX_LINE);
    /* Warm up: opens the transliterators and grows the scratch buffers. */
    for (i = 0; i < 100; i++) {
        buf_reset(&out);
        norm_apply(&rules, s, len, &out, &e);
    }
    t0 = now_ns();
    for (i = 0; i < iterations; i++) {
        buf_reset(&out);
        norm_apply(&rules, s, len, &out, &e);
        sink += out.len;
    }
    t1 = now_ns();
    buf_release(&out);
    (void)sink;
    return (t1 - t0) / (double)iterations;
}

static bool is_ascii(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s >= 0x80)
            return false;
    }
    return true;
}

/* Mean nanoseconds per norm_apply() over names[0..n), passes times. */
static double time_list(char **names, size_t n, unsigned steps, long passes)
{
    struct norm_rules rules;
    struct buf out;
    struct err e;
    size_t i;
    long p;
    double t0;
    volatile size_t sink = 0;

    norm_rules_init(&rules);
    rules.steps = steps;
    buf_init(&out, BUF_MAX_LINE);
    t0 = now_ns();
    for (p = 0; p < passes; p++) {
        for (i = 0; i < n; i++) {
            buf_reset(&out);
            norm_apply(&rules, names[i], strlen(names[i]), &out, &e);
            sink += out.len;
        }
    }
    buf_release(&out);
    (void)sink;
    return (now_ns() - t0) / (double)((size_t)passes * n);
}

static void timing(const struct norm__pairs *var, const struct norm__pairs *near, long iterations)
{
    static const struct {
        const char *label;
        const char *name;
    } inputs[] = {
        {"ASCII", "Maria Ivanova"},         {"Latin with accents", "José Müller"},
        {"Cyrillic", "Мария Иванова"},      {"Arabic", "محمد عبد الله"},
        {"Greek", "Γεώργιος Παπαδόπουλος"}, {"Thai", "สมชาย ใจดี"},
    };
    char **ascii = NULL, **other = NULL;
    size_t nascii = 0, nother = 0, i, k;
    const struct norm__pairs *sets[2] = {var, near};
    long passes;
    double cold, warm, base;
    unsigned long hits, misses;

    printf("\nnorm_apply() time per call (baseline: nfkc_casefold only, same input, same run)\n");
    printf("  %-34s %12s %12s %8s\n", "input", "full rules", "baseline", "ratio");
    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        double full = time_apply(inputs[i].name, NORM_NAME_STEPS, iterations);
        double b = time_apply(inputs[i].name, NORM_NFKC_CASEFOLD, iterations);

        printf("  %-34s %9.0f ns %9.0f ns %7.1fx\n", inputs[i].label, full, b, full / b);
    }
    printf("  (one name repeated %ld times: non-ASCII names hit the transliteration cache)\n",
           iterations);

    for (k = 0; k < 2; k++) {
        for (i = 0; i < sets[k]->n; i++) {
            char *forms[2] = {sets[k]->items[i].a, sets[k]->items[i].b};
            size_t j;
            for (j = 0; j < 2; j++) {
                if (is_ascii(forms[j])) {
                    REALLOC_ARRAY(ascii, nascii + 1);
                    ascii[nascii++] = forms[j];
                } else {
                    REALLOC_ARRAY(other, nother + 1);
                    other[nother++] = forms[j];
                }
            }
        }
    }
    passes = iterations / (long)(nascii + 1) + 1;
    base = time_list(ascii, nascii, NORM_NFKC_CASEFOLD, passes);
    warm = time_list(ascii, nascii, NORM_NAME_STEPS, passes);
    printf("  %-34s %9.0f ns %9.0f ns %7.1fx\n", "all ASCII names of the pair files", warm, base,
           warm / base);
    /* Open every transliterator first, so that the cold pass times ICU, not opening. */
    time_list(other, nother, NORM_NAME_STEPS, 1);
    norm__translit_cache_clear();
    cold = time_list(other, nother, NORM_NAME_STEPS, 1);
    passes = iterations / (long)(nother + 1) + 1;
    warm = time_list(other, nother, NORM_NAME_STEPS, passes);
    base = time_list(other, nother, NORM_NFKC_CASEFOLD, passes);
    printf("  %-34s %9.0f ns %9.0f ns %7.1fx\n", "non-ASCII names, ICU (cache cold)", cold, base,
           cold / base);
    printf("  %-34s %9.0f ns %9.0f ns %7.1fx\n", "non-ASCII names, cache warm", warm, base,
           warm / base);
    norm__translit_cache_stats(&hits, &misses);
    printf("  (%zu ASCII and %zu non-ASCII names; transliteration cache %lu hits, %lu misses)\n",
           nascii, nother, hits, misses);
    free(ascii);
    free(other);
}

int main(int argc, char **argv)
{
    static const struct config configs[] = {
        {"baseline: nfkc_casefold", NORM_NFKC_CASEFOLD},
        {"+ strip_accents", NORM_NFKC_CASEFOLD | NORM_STRIP_ACCENTS},
        {"+ translit", NORM_NFKC_CASEFOLD | NORM_STRIP_ACCENTS | NORM_TRANSLIT},
        {"+ phonetic", NORM_NFKC_CASEFOLD | NORM_STRIP_ACCENTS | NORM_TRANSLIT | NORM_PHONETIC},
        {"+ fold_space (full name rules)", NORM_NAME_STEPS},
        {"full - strip_accents", NORM_NAME_STEPS & ~(unsigned)NORM_STRIP_ACCENTS},
        {"full - translit", NORM_NAME_STEPS & ~(unsigned)NORM_TRANSLIT},
        {"full - phonetic", NORM_NAME_STEPS & ~(unsigned)NORM_PHONETIC},
        {"full - nfkc_casefold", NORM_NAME_STEPS & ~(unsigned)NORM_NFKC_CASEFOLD},
        {"full, drop_space for fold_space",
         (NORM_NAME_STEPS & ~(unsigned)NORM_FOLD_SPACE) | NORM_DROP_SPACE},
    };
    const char *dir = NULL;
    long iterations = 200000;
    bool want_show = false;
    char path[4096];
    struct norm__pairs var, near;
    struct err e;
    size_t i;
    int status = 0;

    for (i = 1; i < (size_t)argc; i++) {
        if (strcmp(argv[i], "--iterations") == 0 && i + 1 < (size_t)argc) {
            int64_t v;
            if (str_to_i64(argv[i + 1], strlen(argv[i + 1]), 1, 100000000, &v) < 0) {
                fprintf(stderr, "bench_normeval: bad --iterations\n");
                return 2;
            }
            iterations = (long)v;
            i++;
        } else if (strcmp(argv[i], "--show") == 0) {
            want_show = true;
        } else if (dir == NULL && argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "usage: bench_normeval [--iterations N] [--show] DATA_DIR\n");
            return 2;
        }
    }
    if (dir == NULL) {
        fprintf(stderr, "usage: bench_normeval [--iterations N] [--show] DATA_DIR\n");
        return 2;
    }
    snprintf(path, sizeof(path), "%s/variant_pairs.csv", dir);
    if (norm__pairs_load(path, &var, &e) < 0) {
        fprintf(stderr, "bench_normeval: %s\n", e.msg);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/near_misses.csv", dir);
    if (norm__pairs_load(path, &near, &e) < 0) {
        fprintf(stderr, "bench_normeval: %s\n", e.msg);
        norm__pairs_release(&var);
        return 1;
    }

    printf("normeval: %zu variant pairs, %zu near-miss pairs\n", var.n, near.n);
    printf("a pair matches when the normalised forms are equal (exact), or when their bigram\n"
           "Dice coefficient is >= %.2f (dice). Variants should match, near misses should not.\n\n",
           DICE_THRESHOLD);
    printf("  %-34s %15s   %17s\n", "steps", "variants", "near misses");
    printf("  %-34s %7s %7s   %7s %7s\n", "", "exact", "dice", "exact", "dice");
    for (i = 0; i < sizeof(configs) / sizeof(configs[0]) && status == 0; i++)
        status = print_row(configs[i].label, configs[i].steps, &var, &near);
    if (status == 0)
        status = per_script(&var, &near);
    if (status == 0 && want_show) {
        printf("\nvariant pairs that the full rules do not make equal:\n");
        show(&var, true);
        printf("\nnear misses that the full rules make equal:\n");
        show(&near, false);
    }
    if (status == 0)
        timing(&var, &near, iterations);
    norm__pairs_release(&var);
    norm__pairs_release(&near);
    norm_thread_release();
    return status == 0 ? 0 : 1;
}
