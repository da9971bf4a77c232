/*
 * cli_stats.c: `tiphub stats`, the Global Report tables of a hub's persons, and
 * `tiphub stats budget|releases`, the privacy budget ledger. A thin layer over
 * stats.h: parse options, call the library, print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_int.h"
#include "stats.h"
#include "store.h"
#include "strutil.h"

#include "banned.h"

static const char usage[] =
    "usage: tiphub stats [--db HUB] [--json | --csv] [--run N] [--year Y] [--records]\n"
    "                    [--sdc [--k K]]\n"
    "                    [--dp EPSILON [--dataset NAME] [--mechanism laplace|gaussian]\n"
    "                     [--years FROM:TO]]\n"
    "       tiphub stats --release ID [--db HUB]\n"
    "       tiphub stats budget [--db HUB] [--json] [--dataset NAME] [--set EPSILON]\n"
    "       tiphub stats releases [--db HUB] [--json] [--dataset NAME]\n\n"
    "Global Report tables over the persons of the latest link run (or --run N): detected\n"
    "victims by year, sex and age group, form of exploitation (Global Report forms and\n"
    "ICCS), citizenship, country of detection, their regions, flows, and how many\n"
    "agencies met each person. Each person counts once (docs/STATISTICS.md).\n\n"
    "protection:\n"
    "  (none)          exact counts, for the hub's own staff; --records adds record-level\n"
    "                  tables (named records_*, counting records, not persons)\n"
    "  --sdc [--k K]   suppress counts 1..K-1 (default K 11) and what would reveal them\n"
    "  --dp EPSILON    differential privacy: a release is computed once, stored with its\n"
    "                  cost in the ledger, and served from storage; asking the same query\n"
    "                  again returns the stored release. Refused (exit 5) over budget.\n"
    "  --dataset NAME  the ledger's dataset (default 'hub')\n"
    "  --mechanism M   laplace (pure epsilon-DP, default) or gaussian (zCDP, delta 1e-10)\n"
    "  --years A:B     the public year categories of a DP release (default 2000:2030)\n"
    "  --release ID    print a stored release\n\n"
    "options:\n"
    "  --db HUB   the hub's store (default: $TIPHUB_DB, else ./tiphub.db)\n"
    "  --json     JSON (an object with \"persons\", \"records\", \"tables\", ...)\n"
    "  --csv      CSV: every table in long form, one after another\n"
    "  --run N    the link run (default: the latest)\n"
    "  --year Y   only persons first identified in year Y\n\n"
    "budget: show a dataset's privacy budget (total, spent, left); --set changes the total\n"
    "(default total 1). releases: list the stored releases.\n";

enum {
    OPT_CSV = CLI_OPT_FIRST_FREE,
    OPT_YEAR,
    OPT_RUN,
    OPT_SDC,
    OPT_K,
    OPT_DP,
    OPT_DATASET,
    OPT_MECHANISM,
    OPT_RELEASE,
    OPT_SET,
    OPT_RECORDS,
    OPT_YEARS,
};

struct args {
    struct cli_common common;
    bool csv, sdc, records;
    unsigned k;
    const char *dp;
    const char *dataset;
    const char *mechanism;
    const char *set;
    int64_t release;
    struct stats_options opt;
};

static int parse_int(const char *what, const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (str_to_i64(s, strlen(s), min, max, out) < 0)
        return cli_usage_error("stats", "%s must be a whole number from %lld to %lld", what,
                               (long long)min, (long long)max);
    return 0;
}

static int parse_years(const char *s, struct stats_options *o)
{
    const char *colon = strchr(s, ':');
    int64_t a = 0, b = 0;
    if (colon == NULL || str_to_i64(s, (size_t)(colon - s), 1900, 2199, &a) < 0 ||
        str_to_i64(colon + 1, strlen(colon + 1), 1900, 2199, &b) < 0 || b < a || b - a > 200)
        return cli_usage_error("stats", "--years must be FROM:TO, e.g. 2019:2023");
    o->year_from = (int)a;
    o->year_to = (int)b;
    return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"csv", no_argument, NULL, OPT_CSV},
                                             {"year", required_argument, NULL, OPT_YEAR},
                                             {"run", required_argument, NULL, OPT_RUN},
                                             {"sdc", no_argument, NULL, OPT_SDC},
                                             {"k", required_argument, NULL, OPT_K},
                                             {"dp", required_argument, NULL, OPT_DP},
                                             {"dataset", required_argument, NULL, OPT_DATASET},
                                             {"mechanism", required_argument, NULL, OPT_MECHANISM},
                                             {"release", required_argument, NULL, OPT_RELEASE},
                                             {"set", required_argument, NULL, OPT_SET},
                                             {"records", no_argument, NULL, OPT_RECORDS},
                                             {"years", required_argument, NULL, OPT_YEARS},
                                             {NULL, 0, NULL, 0}};
    int64_t v = 0;

    for (;;) {
        int o = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL);
        if (o == -1)
            break;
        if (cli_common_option(o, optarg, &a->common))
            continue;
        switch (o) {
        case OPT_CSV:
            a->csv = true;
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
        case OPT_MECHANISM:
            a->mechanism = optarg;
            break;
        case OPT_RELEASE:
            if (parse_int("--release", optarg, 1, INT64_MAX, &v) != 0)
                return EXIT_USAGE;
            a->release = v;
            break;
        case OPT_SET:
            a->set = optarg;
            break;
        case OPT_RECORDS:
            a->records = true;
            break;
        case OPT_YEARS:
            if (parse_years(optarg, &a->opt) != 0)
                return EXIT_USAGE;
            break;
        default:
            return cli_bad_option("stats", argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);
    return 0;
}

/* ---- plain text ---- */

static void print_value(const struct stats_table *t, size_t idx, int width)
{
    if (t->status[idx] == STATS_SHOWN)
        printf(" %*lld", width, (long long)t->v[idx]);
    else
        printf(" %*s", width, "x");
}

static void print_text(const struct stats_result *r)
{
    size_t k, i, j;

    printf("link run %lld (%s, %s)\n", (long long)r->run_id, r->run_method, r->run_created_at);
    printf("persons %llu, records %llu, recorded by more than one agency %llu\n",
           (unsigned long long)r->persons, (unsigned long long)r->records,
           (unsigned long long)r->persons_multi);
    if (r->protection == STATS_SDC)
        printf("disclosure control: counts 1..%u and what would reveal them are shown as x\n",
               r->k - 1);
    for (k = 0; k < r->ntables; k++) {
        const struct stats_table *t = &r->tables[k];
        printf("\n%s [%s, unit: %s]\n", t->title, t->name, t->unit);
        if (stats_is_1d(t)) {
            for (i = 0; i < t->nrows; i++) {
                printf("  %-48.48s", t->rows[i].label);
                print_value(t, stats_at(t, i, 0), 9);
                printf("\n");
            }
            printf("  %-48s", "Total");
            print_value(t, stats_at(t, t->nrows, 0), 9);
            printf("\n");
            continue;
        }
        printf("  %-24s", "");
        for (j = 0; j < t->ncols; j++)
            printf(" %9.9s", t->cols[j].code);
        printf(" %9s\n", "total");
        for (i = 0; i <= t->nrows; i++) {
            printf("  %-24.24s", i < t->nrows ? t->rows[i].label : "Total");
            for (j = 0; j <= t->ncols; j++)
                print_value(t, stats_at(t, i, j), 9);
            printf("\n");
        }
    }
    if (r->npairs > 0) {
        printf("\nAgency pairs sharing the most persons\n");
        for (i = 0; i < r->npairs; i++) {
            if (r->pairs[i].status == STATS_SHOWN)
                printf("  %s + %s %lld\n", r->pairs[i].a, r->pairs[i].b,
                       (long long)r->pairs[i].persons);
        }
    }
}

/* ---- the commands ---- */

static int print_release(const struct cli_common *c, const struct stats_release *rel)
{
    json_error_t jerr;
    json_t *o = json_loads(rel->payload, 0, &jerr);

    if (o == NULL) {
        fprintf(stderr, "tiphub: error: release %lld is not valid JSON\n", (long long)rel->id);
        return EXIT_STORE;
    }
    json_object_set_new(o, "release",
                        json_pack("{s:I,s:s,s:s,s:s,s:b}", "id", (json_int_t)rel->id, "dataset",
                                  rel->dataset, "epsilon", rel->epsilon, "created_at",
                                  rel->created_at, "reused", rel->reused));
    if (!c->quiet && !c->json)
        fprintf(stderr, "tiphub: release %lld of dataset '%s' (epsilon %s)%s\n", (long long)rel->id,
                rel->dataset, rel->epsilon,
                rel->reused ? ": the same query was asked before, this is the stored release" : "");
    if (c->json) {
        cli_print_json(o);
    } else {
        json_dumpf(o, stdout, JSON_INDENT(1));
        fputc('\n', stdout);
        json_decref(o);
    }
    return EXIT_OK;
}

static int run_budget(struct store *s, const struct args *a)
{
    const char *dataset = a->dataset != NULL ? a->dataset : "hub";
    int64_t total = 0, spent = 0, def = 0, set = 0;
    double delta = 0;
    bool exists = false;
    char t[32], sp[32], left[32];
    struct err e;

    err_init(&e);
    if (stats_epsilon_parse(STATS_DP_DEFAULT_BUDGET, &def, &e) < 0)
        return cli_fail(&a->common, &e);
    if (a->set != NULL) {
        if (stats_epsilon_parse(a->set, &set, &e) < 0)
            return cli_usage_error("stats", "%s", e.msg);
        if (store_budget_set(s, dataset, set, &e) < 0)
            return cli_fail(&a->common, &e);
    }
    if (store_budget_get(s, dataset, def, &total, &spent, &delta, &exists, &e) < 0)
        return cli_fail(&a->common, &e);
    stats_epsilon_format(total, t);
    stats_epsilon_format(spent, sp);
    stats_epsilon_format(total - spent, left);
    if (spent == 0)
        snprintf(sp, sizeof(sp), "0");
    if (total - spent == 0)
        snprintf(left, sizeof(left), "0");
    if (a->common.json)
        cli_print_json(json_pack("{s:s,s:s,s:s,s:s,s:f,s:b}", "dataset", dataset, "total", t,
                                 "spent", sp, "left", left, "delta_spent", delta, "default",
                                 !exists));
    else
        printf("dataset '%s': epsilon %s spent of %s, %s left%s\n", dataset, sp, t, left,
               exists ? "" : " (default budget: nothing spent yet)");
    return EXIT_OK;
}

static int list_one(const struct store_release *r, void *arg)
{
    json_t *list = arg;
    char eps[32];
    stats_epsilon_format(r->epsilon_nano, eps);
    json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)r->id,
                                          "dataset", r->dataset, "mode", r->mode, "epsilon", eps,
                                          "query_key", r->query_key, "created_at", r->created_at));
    return 0;
}

static int run_releases(struct store *s, const struct args *a)
{
    json_t *list = json_array();
    struct err e;
    size_t i;

    err_init(&e);
    if (store_release_each(s, a->dataset, list_one, list, &e) < 0) {
        json_decref(list);
        return cli_fail(&a->common, &e);
    }
    if (a->common.json) {
        cli_print_json(json_pack("{s:o}", "releases", list));
        return EXIT_OK;
    }
    for (i = 0; i < json_array_size(list); i++) {
        json_t *r = json_array_get(list, i);
        printf("%lld  %s  %s  epsilon %s  %s\n",
               (long long)json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "dataset")),
               json_string_value(json_object_get(r, "mode")),
               json_string_value(json_object_get(r, "epsilon")),
               json_string_value(json_object_get(r, "created_at")));
    }
    json_decref(list);
    return EXIT_OK;
}

static int run_tables(struct store *s, const struct args *a)
{
    struct stats_result res;
    struct err e;
    int rc;

    err_init(&e);
    if (a->dp != NULL) {
        struct stats_dp_query q;
        struct stats_release *rel = NULL;
        memset(&q, 0, sizeof(q));
        q.dataset = a->dataset != NULL ? a->dataset : "hub";
        q.epsilon = a->dp;
        q.mechanism = a->mechanism != NULL && strcmp(a->mechanism, "gaussian") == 0 ? STATS_GAUSSIAN
                                                                                    : STATS_LAPLACE;
        q.opt = a->opt;
        rc = stats_dp_release(s, &q, NULL, &rel, &e);
        if (rc < 0)
            return cli_fail(&a->common, &e);
        rc = print_release(&a->common, rel);
        stats_release_free(rel);
        return rc;
    }
    rc = stats_compute(s, &a->opt, false, &res, &e);
    if (rc < 0)
        return cli_fail(&a->common, &e);
    if (a->sdc) {
        stats_sdc_apply(&res, a->k != 0 ? a->k : STATS_SDC_K_DEFAULT);
        /* the exact audit, once more, before anything is printed */
        if (stats_sdc_audit(&res) != 0) {
            stats_result_release(&res);
            err_set(&e, ERR_REFUSED, "disclosure control left a suppressed count recoverable");
            return cli_fail(&a->common, &e);
        }
    }
    if (a->common.json) {
        cli_print_json(stats_to_json(&res));
    } else if (a->csv) {
        rc = stats_write_csv(&res, stdout, &e);
        if (rc < 0) {
            stats_result_release(&res);
            return cli_fail(&a->common, &e);
        }
    } else {
        print_text(&res);
    }
    stats_result_release(&res);
    return EXIT_OK;
}

int cli__run_stats(int argc, char **argv)
{
    struct args a;
    struct store *s = NULL;
    struct err e;
    const char *action = NULL;
    int rc;

    memset(&a, 0, sizeof(a));
    stats_options_init(&a.opt);
    if (argc >= 2 && (strcmp(argv[1], "budget") == 0 || strcmp(argv[1], "releases") == 0)) {
        action = argv[1];
        argc--;
        argv++;
    }
    rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;
    if (a.common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (a.sdc && a.dp != NULL)
        return cli_usage_error("stats", "choose --sdc or --dp, not both");
    if (a.k != 0 && !a.sdc)
        return cli_usage_error("stats", "--k goes with --sdc");
    if (a.csv && a.common.json)
        return cli_usage_error("stats", "choose --json or --csv, not both");
    if ((a.mechanism != NULL || a.opt.year_from != 0) && a.dp == NULL)
        return cli_usage_error("stats", "--mechanism and --years go with --dp");
    if (a.mechanism != NULL && strcmp(a.mechanism, "laplace") != 0 &&
        strcmp(a.mechanism, "gaussian") != 0)
        return cli_usage_error("stats", "--mechanism must be laplace or gaussian");
    if (a.set != NULL && (action == NULL || strcmp(action, "budget") != 0))
        return cli_usage_error("stats", "--set goes with 'tiphub stats budget'");
    if (a.records && (a.sdc || a.dp != NULL))
        return cli_usage_error("stats", "record-level tables are for exact output only");
    a.opt.records = a.records;
    err_init(&e);
    rc = store_open(cli_db_path(&a.common), 0, &s, &e);
    if (rc < 0)
        return cli_fail(&a.common, &e);
    if (action != NULL && strcmp(action, "budget") == 0) {
        rc = run_budget(s, &a);
    } else if (action != NULL) {
        rc = run_releases(s, &a);
    } else if (a.release > 0) {
        struct stats_release *rel = NULL;
        if (stats_release_get(s, a.release, &rel, &e) < 0) {
            rc = cli_fail(&a.common, &e);
        } else {
            rc = print_release(&a.common, rel);
            stats_release_free(rel);
        }
    } else {
        rc = run_tables(s, &a);
    }
    store_close(s);
    return rc;
}
