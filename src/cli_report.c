/*
 * cli_report.c: `tiphub report`, the HTML report of a hub's statistics. A thin
 * layer over report.h: parse options, choose the protection, write the file, say
 * what it holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_int.h"
#include "report.h"
#include "store.h"
#include "strutil.h"

#include "banned.h"

static const char usage[] =
    "usage: tiphub report [--db HUB] -o REPORT.html [--sdc [--k K] | --dp EPSILON\n"
    "                     [--dataset NAME] | --exact] [--year Y] [--run N] [--title TEXT]\n"
    "                     [--json] [--quiet]\n\n"
    "Write the Global Report statistics of the hub's persons (the latest link run, or\n"
    "--run N) as one self-contained HTML file: headline numbers, victims by sex and age,\n"
    "forms of exploitation, trends, flows with a world map, regional profiles, the\n"
    "coordination between agencies, and a methods and privacy note. Inline SVG charts,\n"
    "each with a table of its numbers; no script, font or image from elsewhere; prints\n"
    "with a page per chapter (docs/REPORT.md).\n\n"
    "protection (a report is meant to circulate, so it is protected by default):\n"
    "  --sdc [--k K]   suppress counts 1..K-1 and whatever would reveal them (default,\n"
    "                  K 11); suppressed counts are shown as x or hatched, never as 0\n"
    "  --dp EPSILON    differential privacy: the numbers of a release in the hub's\n"
    "                  ledger, made now (spending EPSILON) or, for the same query, the\n"
    "                  stored one (spending nothing). Refused (exit 5) over budget\n"
    "  --dataset NAME  the ledger's dataset of --dp (default 'hub')\n"
    "  --exact         exact counts, without protection: prints a warning and stamps\n"
    "                  every page NOT FOR CIRCULATION. For the hub's own staff only\n\n"
    "options:\n"
    "  -o, --output FILE  the report (written whole or not at all)\n"
    "  --db HUB           the hub's store (default: $TIPHUB_DB, else ./tiphub.db)\n"
    "  --year Y           only persons first identified in year Y\n"
    "  --run N            the link run (default: the latest)\n"
    "  --title TEXT       the report's title\n"
    "  --json             print a summary object instead of a line\n";

enum {
    OPT_SDC = CLI_OPT_FIRST_FREE,
    OPT_K,
    OPT_DP,
    OPT_DATASET,
    OPT_EXACT,
    OPT_YEAR,
    OPT_RUN,
    OPT_TITLE,
};

struct args {
    struct cli_common common;
    const char *output;
    bool sdc, exact;
    const char *dp;
    const char *dataset;
    const char *title;
    unsigned k;
    struct stats_options opt;
};

static int parse_int(const char *what, const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (str_to_i64(s, strlen(s), min, max, out) < 0)
        return cli_usage_error("report", "%s must be a whole number from %lld to %lld", what,
                               (long long)min, (long long)max);
    return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"output", required_argument, NULL, 'o'},
                                             {"sdc", no_argument, NULL, OPT_SDC},
                                             {"k", required_argument, NULL, OPT_K},
                                             {"dp", required_argument, NULL, OPT_DP},
                                             {"dataset", required_argument, NULL, OPT_DATASET},
                                             {"exact", no_argument, NULL, OPT_EXACT},
                                             {"year", required_argument, NULL, OPT_YEAR},
                                             {"run", required_argument, NULL, OPT_RUN},
                                             {"title", required_argument, NULL, OPT_TITLE},
                                             {NULL, 0, NULL, 0}};
    int64_t v = 0;

    for (;;) {
        int o = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL);
        if (o == -1)
            break;
        if (cli_common_option(o, optarg, &a->common))
            continue;
        switch (o) {
        case 'o':
            a->output = optarg;
            break;
        case OPT_SDC:
            a->sdc = true;
            break;
        case OPT_K:
            if (parse_int("--k", optarg, 2, 1000, &v) != 0)
                return EXIT_USAGE;
            a->k = (unsigned)v;
            break;
        case OPT_DP:
            a->dp = optarg;
            break;
        case OPT_DATASET:
            a->dataset = optarg;
            break;
        case OPT_EXACT:
            a->exact = true;
            break;
        case OPT_YEAR:
            if (parse_int("--year", optarg, 1900, 2199, &v) != 0)
                return EXIT_USAGE;
            a->opt.year = (int)v;
            break;
        case OPT_RUN:
            if (parse_int("--run", optarg, 1, INT64_MAX, &v) != 0)
                return EXIT_USAGE;
            a->opt.run_id = v;
            break;
        case OPT_TITLE:
            a->title = optarg;
            break;
        default:
            return cli_bad_option("report", argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
    return 0;
}

static const char *mode_name(enum stats_protection p)
{
    return p == STATS_DP ? "dp" : p == STATS_EXACT ? "exact" : "sdc";
}

int cli__run_report(int argc, char **argv)
{
    struct args a;
    struct report_options o;
    struct report_summary sum;
    struct store *s = NULL;
    struct err e;
    int rc;

    memset(&a, 0, sizeof(a));
    stats_options_init(&a.opt);
    rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;
    if (a.common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if ((a.sdc ? 1 : 0) + (a.dp != NULL ? 1 : 0) + (a.exact ? 1 : 0) > 1)
        return cli_usage_error("report", "choose one of --sdc, --dp and --exact");
    if (a.k != 0 && (a.dp != NULL || a.exact))
        return cli_usage_error("report", "--k goes with --sdc");
    if (a.dataset != NULL && a.dp == NULL)
        return cli_usage_error("report", "--dataset goes with --dp");
    if (a.output == NULL)
        return cli_usage_error("report", "say where to write the report: -o FILE");
    if (a.title != NULL && strlen(a.title) > 300)
        return cli_usage_error("report", "--title is longer than 300 bytes");

    report_options_init(&o);
    o.protection = a.dp != NULL ? STATS_DP : a.exact ? STATS_EXACT : STATS_SDC;
    if (a.k != 0)
        o.k = a.k;
    o.epsilon = a.dp;
    o.dataset = a.dataset;
    o.title = a.title;
    o.opt = a.opt;
    if (a.exact)
        fprintf(stderr, "tiphub: warning: --exact: the report has exact counts without disclosure "
                        "control; every page is stamped NOT FOR CIRCULATION and it must stay with "
                        "the hub's own staff\n");

    err_init(&e);
    rc = store_open(cli_db_path(&a.common), 0, &s, &e);
    if (rc < 0)
        return cli_fail(&a.common, &e);
    rc = report_write(s, &o, a.output, &sum, &e);
    store_close(s);
    if (rc < 0)
        return cli_fail(&a.common, &e);

    if (a.common.json) {
        json_t *j = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "report", a.output, "protection",
                              mode_name(sum.protection), "chapters", (json_int_t)sum.chapters,
                              "charts", (json_int_t)sum.charts, "tables", (json_int_t)sum.tables,
                              "bytes", (json_int_t)sum.bytes, "persons", (json_int_t)sum.persons);
        if (sum.protection == STATS_SDC)
            json_object_set_new(j, "suppressed",
                                json_pack("{s:I,s:I,s:I,s:I}", "k", (json_int_t)o.k, "primary",
                                          (json_int_t)sum.primary, "secondary",
                                          (json_int_t)sum.secondary, "withheld_tables",
                                          (json_int_t)sum.withheld));
        if (sum.protection == STATS_DP)
            json_object_set_new(j, "dp",
                                json_pack("{s:I,s:b,s:s}", "release", (json_int_t)sum.release_id,
                                          "reused", sum.release_reused, "epsilon_left",
                                          sum.epsilon_left));
        cli_print_json(j);
        return EXIT_OK;
    }
    if (a.common.quiet)
        return EXIT_OK;
    printf("report: %s\n", a.output);
    printf("  %zu chapters, %zu charts, %zu tables, %zu bytes\n", sum.chapters, sum.charts,
           sum.tables, sum.bytes);
    if (sum.protection == STATS_SDC)
        printf("  disclosure control, K = %u: %zu counts suppressed (%zu under K, %zu to protect "
               "them)\n",
               o.k, sum.suppressed, sum.primary, sum.secondary);
    else if (sum.protection == STATS_DP)
        printf(
            "  differential privacy: release %lld%s; budget left %s\n", (long long)sum.release_id,
            sum.release_reused ? " (asked before: reused, nothing spent)" : "", sum.epsilon_left);
    else
        printf("  EXACT counts: NOT FOR CIRCULATION\n");
    return EXIT_OK;
}
