/*
 * cli_init.c: `tiphub init`, create a store (or bring an existing one up to date).
 */
#include <stdio.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli.h"
#include "cli_int.h"
#include "store.h"

#include "banned.h"

static const char usage[] =
    "usage: tiphub init [--db PATH] [--json]\n\n"
    "Create an empty tiphub store, a single SQLite file. Running it on an existing\n"
    "store is safe: it only applies missing schema migrations.\n\n"
    "options:\n"
    "  --db PATH   the store (default: $TIPHUB_DB, else ./tiphub.db)\n"
    "  --json      print {\"db\": ..., \"schema_version\": ..., \"created\": ...}\n";

int cli__run_init(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_common common = {0};
    struct store *s = NULL;
    struct err e;
    struct stat st;
    const char *path;
    bool existed;
    int rc;

    for (;;) {
        int opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL);
        if (opt == -1)
            break;
        if (!cli_common_option(opt, optarg, &common))
            return cli_bad_option("init", argv);
    }
    if (common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (optind < argc)
        return cli_usage_error("init", "unexpected argument '%s'", argv[optind]);
    path = cli_db_path(&common);
    existed = stat(path, &st) == 0;
    err_init(&e);
    rc = store_open(path, STORE_CREATE, &s, &e);
    if (rc < 0)
        return cli_fail(&common, &e);
    if (common.json)
        cli_print_json(json_pack("{s:s,s:i,s:b}", "db", path, "schema_version",
                                 store_schema_version(s), "created", !existed));
    else if (!common.quiet)
        printf("%s store '%s' (schema version %d)\n", existed ? "checked" : "created", path,
               store_schema_version(s));
    store_close(s);
    return EXIT_OK;
}
