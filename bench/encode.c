/*
 * encode.c (bench_encode): CLK encoding speed with the default linkage schema,
 * beside the cost of the BLAKE2b calls alone, measured in the same run.
 *
 * usage: bench_encode [RECORDS]       (default 200000; BENCH_SMOKE=1 for 2000)
 *
 * Times are CPU seconds of this process (records/s per core).
 *
 * Records are synthetic (seeded syllable names, birth dates, gender, citizenship).
 * The schema is data/linkage/htcds-default.json with its normalisation keys
 * removed (clkhash-compatible encoding), and then, on a third line, as it is
 * (normalisation included).
 *
 * Baseline: the same tokens, made beforehand, hashed with one-shot keyed, salted
 * crypto_generichash_blake2b_salt_personal() calls, one per token per round of 32
 * indices, which is the least work clkhash's blakeHash allows. The ratio
 * encode/baseline says how close encoding (validation, formatting, tokenising,
 * hashing, folding) comes to bare hashing; > 1 is possible since the encoder
 * reuses precomputed keyed states. Also prints the mean fill (popcount / l).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "clk.h"
#include "embedded.h"
#include "norm.h"
#include "xalloc.h"

#include "banned.h"

#define NFIELDS 5

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static void make_name(char *out, size_t size)
{
    static const char *const syl[] = {"ma", "ri", "an", "na", "el", "jo", "se", "li", "ka", "to",
                                      "vi", "ra", "mi", "ol", "ya", "de", "su", "ha", "no", "ek"};
    size_t n = 2 + rnd(3), i, used = 0;

    out[0] = '\0';
    for (i = 0; i < n; i++) {
        int w = snprintf(out + used, size - used, "%s", syl[rnd(20)]);
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
    }
}

/*
 * CPU time of this process: the target is records per second per core, and on a
 * machine shared with other jobs wall time mostly measures the neighbours.
 */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static const char *const genders[] = {"Feminine", "Masculine", "NonSpecifiedUnknown"};
    static const char *const countries[] = {"NG", "VN", "RO", "UA", "PH", "TH", "BR", "ET"};
    const struct embedded_file *ef = embedded_find("linkage/htcds-default.json");
    size_t nrec = 200000, i, j, bytes;
    const char *smoke = getenv("BENCH_SMOKE");
    char *records = NULL, *text = NULL;
    struct clk_schema *schema = NULL, *full = NULL;
    struct clk_encoder *enc = NULL, *enc_full = NULL;
    struct clk_value *vals = NULL;
    size_t nfeat = 0, *field_of = NULL;
    uint8_t *out = NULL, key[64], salt[16] = {'0'}, h[64];
    struct err e;
    json_t *root = NULL, *features;
    json_error_t jerr;
    double t0, t_enc, t_base, t_full, fill = 0;
    unsigned long long tokens = 0, calls = 0;
    volatile uint8_t sink = 0;
    int rc = 1;

    err_init(&e);
    if (argc > 1)
        nrec = (size_t)strtoul(argv[1], NULL, 10);
    else if (smoke != NULL && smoke[0] == '1')
        nrec = 2000;
    if (ef == NULL || sodium_init() < 0) {
        fprintf(stderr, "bench_encode: default schema not embedded\n");
        return 1;
    }
    /* Drop the normalisation keys: measure clkhash-compatible encoding. */
    root = json_loadb((const char *)ef->data, ef->len, 0, &jerr);
    features = json_object_get(root, "features");
    for (i = 0; i < json_array_size(features); i++)
        json_object_del(json_array_get(features, i), CLK_NORM_KEY);
    text = json_dumps(root, JSON_COMPACT);
    if (clk_schema_parse(text, strlen(text), &schema, &e) < 0 ||
        clk_encoder_new(schema, "bench secret", 12, 0, &enc, &e) < 0) {
        fprintf(stderr, "bench_encode: %s\n", e.msg);
        goto out;
    }
    bytes = clk_encoder_bytes(enc);
    out = xmalloc(bytes);

    /* records: 5 fields of at most 32 bytes each */
    nfeat = clk_schema_nfeatures(schema);
    field_of = xcalloc(nfeat + 1, sizeof(size_t));
    for (j = 0; j < nfeat; j++) {
        static const char *const names[NFIELDS] = {
            "prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_Gender", "prs_Citizenship"};
        size_t k;
        for (k = 0; k < NFIELDS && strcmp(names[k], clk_schema_identifier(schema, j)) != 0; k++)
            ;
        if (k == NFIELDS) {
            fprintf(stderr, "bench_encode: unexpected feature '%s'\n",
                    clk_schema_identifier(schema, j));
            goto out;
        }
        field_of[j] = k;
    }
    records = xcalloc(nrec, NFIELDS * 32);
    ALLOC_ARRAY(vals, nrec * nfeat);
    for (i = 0; i < nrec; i++) {
        char *r = records + i * NFIELDS * 32;
        make_name(r, 32);
        make_name(r + 32, 32);
        snprintf(r + 64, 32, "%04u-%02u-%02u", 1950 + rnd(60), 1 + rnd(12), 1 + rnd(28));
        snprintf(r + 96, 32, "%s", genders[rnd(3)]);
        snprintf(r + 128, 32, "%s", countries[rnd(8)]);
        /* the schema's features in its order (one field may feed several features) */
        for (j = 0; j < nfeat; j++) {
            vals[i * nfeat + j].data = r + field_of[j] * 32;
            vals[i * nfeat + j].len = strlen(r + field_of[j] * 32);
        }
    }

    t0 = now();
    for (i = 0; i < nrec; i++) {
        unsigned pc = 0;
        if (clk_encode(enc, vals + i * nfeat, nfeat, out, &pc, &e) < 0) {
            fprintf(stderr, "bench_encode: record %zu: %s\n", i, e.msg);
            goto out;
        }
        fill += (double)pc / (double)clk_schema_l(schema);
        sink ^= out[0];
    }
    t_enc = now() - t0;

    /*
     * Baseline: the BLAKE2b calls alone. Tokens as the schema makes them: bigrams
     * of both names (with padding), four exact tokens of the birth date (whole
     * date, year, month, day: 7 rounds of 32 indices in all) and the two exact
     * tokens of gender and citizenship (one round each).
     */
    memset(key, 7, sizeof(key));
    t0 = now();
    for (i = 0; i < nrec; i++) {
        for (j = 0; j < NFIELDS; j++) {
            struct clk_value field = {records + i * NFIELDS * 32 + j * 32, 0};
            const struct clk_value *v = &field;
            field.len = strlen(field.data);
            char tok[40];
            size_t t, ntok;
            if (j < 2) {
                /* bigrams of " value " */
                ntok = v->len + 1;
                for (t = 0; t < ntok; t++) {
                    tok[0] = t == 0 ? ' ' : v->data[t - 1];
                    tok[1] = t == v->len ? ' ' : v->data[t];
                    crypto_generichash_blake2b_salt_personal(h, 64, (const uint8_t *)tok, 2, key,
                                                             64, salt, NULL);
                    sink ^= h[0];
                    calls++;
                }
                tokens += ntok;
            } else if (j == 2) {
                /* four exact tokens: the date (90 bits: 3 rounds of 32 indices), the
                   year (36: 2 rounds), the month and the day (27: 1 round each) */
                static const size_t part_len[4] = {10, 4, 2, 2}, part_off[4] = {0, 0, 5, 8};
                static const unsigned rounds[4] = {3, 2, 1, 1};
                for (t = 0; t < 4; t++) {
                    unsigned r;
                    for (r = 0; r < rounds[t]; r++) {
                        salt[0] = (uint8_t)('0' + r);
                        crypto_generichash_blake2b_salt_personal(
                            h, 64, (const uint8_t *)v->data + part_off[t], part_len[t], key, 64,
                            salt, NULL);
                        sink ^= h[0];
                        calls++;
                    }
                }
                salt[0] = '0';
                tokens += 4;
            } else {
                crypto_generichash_blake2b_salt_personal(h, 64, (const uint8_t *)v->data, v->len,
                                                         key, 64, salt, NULL);
                sink ^= h[0];
                calls++;
                tokens++;
            }
        }
    }
    t_base = now() - t0;

    /* the default schema as it is: normalisation, then encoding */
    if (clk_schema_parse((const char *)ef->data, ef->len, &full, &e) < 0 ||
        clk_encoder_new(full, "bench secret", 12, 0, &enc_full, &e) < 0) {
        fprintf(stderr, "bench_encode: %s\n", e.msg);
        goto out;
    }
    t0 = now();
    for (i = 0; i < nrec; i++) {
        if (clk_encode(enc_full, vals + i * nfeat, nfeat, out, NULL, &e) < 0) {
            fprintf(stderr, "bench_encode: record %zu: %s\n", i, e.msg);
            goto out;
        }
        sink ^= out[0];
    }
    t_full = now() - t0;

    printf("bench_encode: %zu records, default schema (l=%llu), mean fill %.3f\n", nrec,
           (unsigned long long)clk_schema_l(schema), fill / (double)nrec);
    printf("  encode (clk_encode)      %10.0f records/s per core  (%.2f us/record)\n",
           (double)nrec / t_enc, t_enc * 1e6 / (double)nrec);
    printf(
        "  baseline (BLAKE2b only)  %10.0f records/s per core  (%llu calls, %.1f tokens/record)\n",
        (double)nrec / t_base, calls, (double)tokens / (double)nrec);
    printf("  ratio encode/baseline    %10.2f\n", t_base / t_enc);
    printf("  normalise + encode       %10.0f records/s per core  (%.2f us/record)\n",
           (double)nrec / t_full, t_full * 1e6 / (double)nrec);
    (void)sink;
    rc = 0;
out:
    free(out);
    free(records);
    free(vals);
    free(field_of);
    free(text);
    json_decref(root);
    clk_encoder_free(enc);
    clk_encoder_free(enc_full);
    clk_schema_free(schema);
    clk_schema_free(full);
    norm_thread_release();
    return rc;
}
