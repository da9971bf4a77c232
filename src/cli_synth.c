/*
 * cli_synth.c: `tiphub synth`, seeded synthetic multi-agency case files with ground
 * truth (see synth.h and docs/SYNTH.md).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_int.h"
#include "log.h"
#include "progress.h"
#include "strutil.h"
#include "synth.h"

#include "banned.h"

static const char usage[] =
    "usage: tiphub synth --seed S --persons N --agencies M --out DIR [options]\n\n"
    "Write synthetic HTCDS case files: DIR/<agency>.csv for each agency and\n"
    "DIR/truth.csv (agency,case_ref,person_id) saying which rows are the same person.\n"
    "The same options always give byte-identical files.\n\n"
    "options:\n"
    "  --seed S             random seed (default 1)\n"
    "  --persons N          number of persons (default 1000)\n"
    "  --agencies M         number of agencies, 1..1000 (default 4)\n"
    "  --out DIR            output directory (created if missing)\n"
    "  --noise LEVEL        LOW, MEDIUM (default) or HIGH: typos, swaps, gaps, formats\n"
    "  --year-from Y        first year of case_opened (default 2019)\n"
    "  --year-to Y          last year of case_opened (default 2023)\n"
    "  --invalid-rate R     also write invalid rows at rate R (0..1), listed in\n"
    "                       DIR/invalid.csv and left out of truth.csv (default 0)\n"
    "  --json               print a summary object\n"
    "  -q, --quiet          print nothing but errors\n"
    "  -h, --help           show this help\n";

enum {
    OPT_SEED = CLI_OPT_FIRST_FREE,
    OPT_PERSONS,
    OPT_AGENCIES,
    OPT_OUT,
    OPT_NOISE,
    OPT_YEAR_FROM,
    OPT_YEAR_TO,
    OPT_INVALID_RATE,
};

static int parse_u64(const char *name, const char *arg, uint64_t max, uint64_t *out)
{
    if (str_to_u64(arg, strlen(arg), max, out) != 0)
        return cli_usage_error("synth", "%s needs a whole number up to %llu", name,
                               (unsigned long long)max);
    return 0;
}

int cli__run_synth(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"seed", required_argument, NULL, OPT_SEED},
        {"persons", required_argument, NULL, OPT_PERSONS},
        {"agencies", required_argument, NULL, OPT_AGENCIES},
        {"out", required_argument, NULL, OPT_OUT},
        {"noise", required_argument, NULL, OPT_NOISE},
        {"year-from", required_argument, NULL, OPT_YEAR_FROM},
        {"year-to", required_argument, NULL, OPT_YEAR_TO},
        {"invalid-rate", required_argument, NULL, OPT_INVALID_RATE},
        {NULL, 0, NULL, 0}};
    struct cli_common common = {0};
    struct synth_options o;
    struct synth_summary sum = {0};
    struct synth *s = NULL;
    struct err e;
    const char *out_dir = NULL;
    uint64_t v;
    uint64_t t0;
    int rc;

    synth_options_init(&o);
    err_init(&e);
    for (;;) {
        int opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL);
        if (opt == -1)
            break;
        if (cli_common_option(opt, optarg, &common))
            continue;
        switch (opt) {
        case OPT_SEED:
            if (parse_u64("--seed", optarg, UINT64_MAX, &o.seed) != 0)
                return EXIT_USAGE;
            break;
        case OPT_PERSONS:
            if (parse_u64("--persons", optarg, SYNTH_MAX_PERSONS, &v) != 0)
                return EXIT_USAGE;
            o.persons = (size_t)v;
            break;
        case OPT_AGENCIES:
            if (parse_u64("--agencies", optarg, SYNTH_MAX_AGENCIES, &v) != 0)
                return EXIT_USAGE;
            o.agencies = (size_t)v;
            break;
        case OPT_OUT:
            out_dir = optarg;
            break;
        case OPT_NOISE:
            if (synth_noise_parse(optarg, &o.noise) != 0)
                return cli_usage_error("synth", "--noise must be LOW, MEDIUM or HIGH");
            break;
        case OPT_YEAR_FROM:
            if (parse_u64("--year-from", optarg, SYNTH_YEAR_MAX, &v) != 0)
                return EXIT_USAGE;
            o.year_from = (int)v;
            break;
        case OPT_YEAR_TO:
            if (parse_u64("--year-to", optarg, SYNTH_YEAR_MAX, &v) != 0)
                return EXIT_USAGE;
            o.year_to = (int)v;
            break;
        case OPT_INVALID_RATE:
            if (str_to_double(optarg, &o.invalid_rate) != 0)
                return cli_usage_error("synth", "--invalid-rate needs a number from 0 to 1");
            break;
        default:
            return cli_bad_option("synth", argv);
        }
    }
    if (common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (optind < argc)
        return cli_usage_error("synth", "unexpected argument '%s'", argv[optind]);
    if (out_dir == NULL || out_dir[0] == '\0')
        return cli_usage_error("synth", "--out DIR is required");
    rc = synth_options_check(&o, &e);
    if (rc < 0)
        return cli_usage_error("synth", "%s", e.msg);

    t0 = clock_ms();
    rc = synth_new(&s, &o, &e);
    if (rc == 0)
        rc = synth_write(s, out_dir, &sum, &e);
    synth_free(s);
    if (rc < 0)
        return cli_fail(&common, &e);
    log_info("synth: %llu records of %llu persons in %llu ms", (unsigned long long)sum.records,
             (unsigned long long)sum.persons, (unsigned long long)(clock_ms() - t0));
    if (common.json) {
        json_t *obj = json_pack("{s:I,s:I,s:I,s:I}", "persons", (json_int_t)sum.persons, "records",
                                (json_int_t)sum.records, "agencies", (json_int_t)sum.agencies,
                                "files", (json_int_t)sum.files);
        if (obj != NULL && o.invalid_rate > 0)
            json_object_set_new(obj, "invalid", json_integer((json_int_t)sum.invalid));
        if (obj != NULL) {
            json_dumpf(obj, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(obj);
        }
    } else if (!common.quiet) {
        printf("wrote %llu records of %llu persons to %llu agency files in '%s'",
               (unsigned long long)sum.records, (unsigned long long)sum.persons,
               (unsigned long long)sum.agencies, out_dir);
        if (o.invalid_rate > 0)
            printf(" (and %llu invalid rows)", (unsigned long long)sum.invalid);
        printf("\n");
    }
    return EXIT_OK;
}
