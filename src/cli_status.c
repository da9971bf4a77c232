/*
 * cli_status.c: `tiphub status`, what a store holds, and optionally a full
 * integrity check (used by the kill-safety test).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_int.h"
#include "store.h"

#include "banned.h"

static const char usage[] =
    "usage: tiphub status [--db PATH] [--check] [--json]\n\n"
    "Show the store's schema version, agencies, cases, kept revisions, quarantine and\n"
    "imports. Counts only: no record is shown.\n\n"
    "options:\n"
    "  --db PATH   the store (default: $TIPHUB_DB, else ./tiphub.db)\n"
    "  --check     also run SQLite's integrity and foreign key checks (slow on big stores);\n"
    "              exit 4 if they fail\n"
    "  --json      machine-readable output\n";

static int add_agency(const char *name, const char *type, const char *country, uint64_t ncases,
                      void *arg)
{
    json_t *arr = arg;
    json_array_append_new(arr, json_pack("{s:s,s:s?,s:s?,s:I}", "name", name, "type", type,
                                         "country", country, "cases", (json_int_t)ncases));
    return 0;
}

int cli__run_status(int argc, char **argv)
{
    enum { OPT_CHECK = CLI_OPT_FIRST_FREE };
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"check", no_argument, NULL, OPT_CHECK},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    struct store *s = NULL;
    struct err e;
    json_t *agencies = NULL;
    json_t *out = NULL;
    uint64_t cases = 0, revisions = 0, qopen = 0, qresolved = 0, imports = 0;
    bool check = false;
    const char *integrity = "not checked";
    int rc;
    size_t i;

    for (;;) {
        int o = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL);
        if (o == -1)
            break;
        if (cli_common_option(o, optarg, &common))
            continue;
        if (o == OPT_CHECK)
            check = true;
        else
            return cli_bad_option("status", argv);
    }
    if (common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (optind < argc)
        return cli_usage_error("status", "unexpected argument '%s'", argv[optind]);
    err_init(&e);
    rc = store_open(cli_db_path(&common), 0, &s, &e);
    if (rc < 0)
        return cli_fail(&common, &e);
    agencies = json_array();
    rc = store_agency_each(s, add_agency, agencies, &e);
    if (rc == 0)
        rc = store_case_count(s, NULL, &cases, &revisions, &e);
    if (rc == 0)
        rc = store_quarantine_count(s, NULL, &qopen, &qresolved, &e);
    if (rc == 0)
        rc = store_import_count(s, &imports, &e);
    if (rc == 0 && check) {
        rc = store_check(s, &e);
        integrity = rc == 0 ? "ok" : "failed";
    }
    if (rc < 0 && !(check && rc == ERR_CORRUPT))
        goto fail;
    out = json_pack("{s:s,s:i,s:o,s:I,s:I,s:{s:I,s:I},s:I,s:s}", "db", cli_db_path(&common),
                    "schema_version", store_schema_version(s), "agencies", agencies, "cases",
                    (json_int_t)cases, "revisions", (json_int_t)revisions, "quarantine", "open",
                    (json_int_t)qopen, "resolved", (json_int_t)qresolved, "imports",
                    (json_int_t)imports, "integrity", integrity);
    agencies = NULL;
    if (common.json) {
        cli_print_json(out);
    } else {
        json_t *ag = json_object_get(out, "agencies");
        printf("store      %s (schema version %d)\n", cli_db_path(&common),
               store_schema_version(s));
        printf("cases      %llu (%llu earlier revisions kept)\n", (unsigned long long)cases,
               (unsigned long long)revisions);
        printf("quarantine %llu open, %llu resolved\n", (unsigned long long)qopen,
               (unsigned long long)qresolved);
        printf("imports    %llu\n", (unsigned long long)imports);
        printf("integrity  %s\n", integrity);
        for (i = 0; i < json_array_size(ag); i++) {
            json_t *a = json_array_get(ag, i);
            printf("agency     %s: %lld cases\n", json_string_value(json_object_get(a, "name")),
                   (long long)json_integer_value(json_object_get(a, "cases")));
        }
        json_decref(out);
    }
    store_close(s);
    return rc < 0 ? cli_exit_for(rc) : EXIT_OK;
fail:
    json_decref(agencies);
    store_close(s);
    return cli_fail(&common, &e);
}
