/*
 * cli_quarantine.c: `tiphub quarantine list|export|retry`, the rows import set
 * aside, and getting them corrected.
 *
 * list shows where each row was and why it was refused, never its contents;
 * export writes the rows themselves (personal data, for the agency's own staff) to
 * a file for correction; retry stores the corrected rows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_int.h"
#include "ingest.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

static const char usage[] =
    "usage: tiphub quarantine list   [--db PATH] [--agency NAME] [--import N] [--all] [--json]\n"
    "       tiphub quarantine export [--db PATH] [--agency NAME] [--import N] [--id N]... "
    "[-o FILE]\n"
    "       tiphub quarantine retry  [--db PATH] [--id N]... [--map FILE] [--json] [FILE]\n\n"
    "Rows that import could not store are kept whole, with every reason, in quarantine.\n"
    "  list     where each open row came from (file, line) and why it was refused;\n"
    "           --all includes rows already resolved. Row contents are not shown.\n"
    "  export   write the open rows to correct, as CSV (quarantine_id, quarantine_reasons,\n"
    "           then the original columns) or JSON Lines for rows from JSONL files. The\n"
    "           rows hold personal data: keep the file inside the agency.\n"
    "  retry    store corrected rows: with FILE, read an export you corrected; without,\n"
    "           re-check the open rows as they are (after a code list or map change).\n"
    "           Rows that pass are stored and resolved; the others stay, with new reasons.\n\n"
    "options:\n"
    "  --db PATH       the store (default: $TIPHUB_DB, else ./tiphub.db)\n"
    "  --agency NAME   only this agency's rows\n"
    "  --import N      only rows of import N (see list)\n"
    "  --id N          only entry N (repeatable)\n"
    "  --map FILE      retry with a column map (see 'tiphub import --help')\n"
    "  -o FILE         export to FILE instead of standard output\n"
    "  --json          machine-readable output (list, retry)\n\n"
    "exit status (retry): 0 all rows stored, 1 some rows still refused\n";

struct qopts {
    struct cli_common common;
    struct store_quarantine_filter filter;
    int64_t *ids;
    size_t nids;
    size_t alloc;
    const char *out_path;
    const char *map;
};

static int list_entry(const struct store_quarantine_row *q, void *arg)
{
    json_t *arr = arg;
    json_t *reasons = json_loads(q->reasons, 0, NULL);

    json_array_append_new(arr, json_pack("{s:I,s:I,s:s?,s:s,s:I,s:s,s:o,s:I,s:b,s:s}", "id",
                                         (json_int_t)q->id, "import", (json_int_t)q->import_id,
                                         "agency", q->agency, "file", q->source, "line",
                                         (json_int_t)q->line, "status", q->status, "reasons",
                                         reasons != NULL ? reasons : json_array(), "raw_bytes",
                                         (json_int_t)q->raw_total, "raw_truncated",
                                         q->raw_truncated, "created_at", q->created_at));
    return 0;
}

static void print_entry(json_t *o)
{
    json_t *reasons = json_object_get(o, "reasons");
    size_t i;

    printf("#%lld  %s:%lld  agency %s  import %lld%s\n",
           (long long)json_integer_value(json_object_get(o, "id")),
           json_string_value(json_object_get(o, "file")),
           (long long)json_integer_value(json_object_get(o, "line")),
           json_is_string(json_object_get(o, "agency"))
               ? json_string_value(json_object_get(o, "agency"))
               : "(unknown)",
           (long long)json_integer_value(json_object_get(o, "import")),
           strcmp(json_string_value(json_object_get(o, "status")), "open") == 0 ? ""
                                                                                : "  (resolved)");
    for (i = 0; i < json_array_size(reasons); i++) {
        json_t *r = json_array_get(reasons, i);
        const char *field = json_string_value(json_object_get(r, "field"));
        json_int_t col = json_integer_value(json_object_get(r, "column"));
        printf("    ");
        if (col > 0)
            printf("column %lld ", (long long)col);
        if (field != NULL && field[0] != '\0')
            printf("%s: ", field);
        printf("%s\n", json_string_value(json_object_get(r, "reason")));
    }
}

static int run_list(struct store *s, struct qopts *q, struct err *e)
{
    json_t *arr = json_array();
    uint64_t open = 0, resolved = 0;
    size_t i;
    int rc = store_quarantine_each(s, &q->filter, list_entry, arr, e);

    if (rc == 0)
        rc = store_quarantine_count(s, q->filter.agency, &open, &resolved, e);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    if (q->common.json) {
        cli_print_json(json_pack("{s:o,s:I,s:I}", "entries", arr, "open", (json_int_t)open,
                                 "resolved", (json_int_t)resolved));
        return 0;
    }
    for (i = 0; i < json_array_size(arr); i++)
        print_entry(json_array_get(arr, i));
    if (!q->common.quiet)
        printf("%llu open, %llu resolved\n", (unsigned long long)open,
               (unsigned long long)resolved);
    json_decref(arr);
    return 0;
}

static int run_export(struct store *s, struct qopts *q, struct err *e)
{
    FILE *out = stdout;
    uint64_t n = 0;
    int rc;

    if (q->out_path != NULL) {
        out = fopen(q->out_path, "wb");
        if (out == NULL)
            return err_set(e, ERR_IO, "cannot write '%s': %s", q->out_path, strerror(errno));
    }
    rc = ingest_quarantine_export(s, &q->filter, out, &n, e);
    if (out != stdout && fclose(out) != 0 && rc == 0)
        rc = err_set(e, ERR_IO, "cannot write '%s'", q->out_path);
    if (rc == 0 && !q->common.quiet && q->out_path != NULL)
        fprintf(stderr,
                "exported %llu quarantined rows to '%s'; correct them, then run "
                "'tiphub quarantine retry %s'\n",
                (unsigned long long)n, q->out_path, q->out_path);
    return rc;
}

static int run_retry(struct store *s, struct qopts *q, const char *path, int *exit_code,
                     struct err *e)
{
    struct ingest_options opt;
    struct ingest_map *map = NULL;
    struct store_import_counts c;
    int rc;

    memset(&opt, 0, sizeof(opt));
    if (q->map != NULL) {
        rc = ingest_map_load(q->map, &map, e);
        if (rc < 0)
            return rc;
        opt.map = map;
    }
    rc = ingest_quarantine_retry(s, path, &q->filter, &opt, &c, e);
    ingest_map_free(map);
    if (rc < 0)
        return rc;
    if (q->common.json)
        cli_print_json(json_pack(
            "{s:I,s:I,s:I,s:I,s:I,s:I}", "read", (json_int_t)c.read, "stored", (json_int_t)c.stored,
            "inserted", (json_int_t)c.inserted, "updated", (json_int_t)c.updated, "unchanged",
            (json_int_t)c.unchanged, "quarantined", (json_int_t)c.quarantined));
    else if (!q->common.quiet)
        printf("retried %llu rows: %llu stored, %llu still quarantined\n",
               (unsigned long long)c.read, (unsigned long long)c.stored,
               (unsigned long long)c.quarantined);
    *exit_code = c.quarantined > 0 ? EXIT_REJECTED : EXIT_OK;
    return 0;
}

int cli__run_quarantine(int argc, char **argv)
{
    enum { OPT_AGENCY = CLI_OPT_FIRST_FREE, OPT_IMPORT, OPT_ID, OPT_ALL, OPT_MAP };
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"agency", required_argument, NULL, OPT_AGENCY},
        {"import", required_argument, NULL, OPT_IMPORT},
        {"id", required_argument, NULL, OPT_ID},
        {"all", no_argument, NULL, OPT_ALL},
        {"map", required_argument, NULL, OPT_MAP},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    struct qopts q;
    struct store *s = NULL;
    struct err e;
    const char *action;
    int exit_code = EXIT_OK;
    int rc;

    memset(&q, 0, sizeof(q));
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc < 2 || argv[1][0] == '-')
        return cli_usage_error("quarantine", "say what to do: list, export or retry");
    action = argv[1];
    if (strcmp(action, "list") != 0 && strcmp(action, "export") != 0 &&
        strcmp(action, "retry") != 0)
        return cli_usage_error("quarantine", "unknown action '%s' (list, export or retry)", action);
    argc--;
    argv++;
    for (;;) {
        int o = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL);
        uint64_t n;
        if (o == -1)
            break;
        if (cli_common_option(o, optarg, &q.common))
            continue;
        switch (o) {
        case OPT_AGENCY:
            q.filter.agency = optarg;
            break;
        case OPT_IMPORT:
        case OPT_ID:
            if (str_to_u64(optarg, strlen(optarg), INT64_MAX, &n) < 0 || n == 0) {
                free(q.ids);
                return cli_usage_error("quarantine", "%s needs a positive number",
                                       o == OPT_ID ? "--id" : "--import");
            }
            if (o == OPT_IMPORT) {
                q.filter.import_id = (int64_t)n;
            } else {
                ALLOC_GROW(q.ids, q.nids + 1, q.alloc);
                q.ids[q.nids++] = (int64_t)n;
            }
            break;
        case OPT_ALL:
            q.filter.include_resolved = true;
            break;
        case OPT_MAP:
            q.map = optarg;
            break;
        case 'o':
            q.out_path = optarg;
            break;
        default:
            free(q.ids);
            return cli_bad_option("quarantine", argv);
        }
    }
    q.filter.ids = q.ids;
    q.filter.nids = q.nids;
    if (q.common.help) {
        free(q.ids);
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (optind < argc && (strcmp(action, "retry") != 0 || optind + 1 < argc)) {
        free(q.ids);
        return cli_usage_error("quarantine", "unexpected argument '%s'", argv[optind]);
    }
    err_init(&e);
    rc = store_open(cli_db_path(&q.common), 0, &s, &e);
    if (rc == 0) {
        if (strcmp(action, "list") == 0)
            rc = run_list(s, &q, &e);
        else if (strcmp(action, "export") == 0)
            rc = run_export(s, &q, &e);
        else
            rc = run_retry(s, &q, optind < argc ? argv[optind] : NULL, &exit_code, &e);
    }
    store_close(s);
    free(q.ids);
    if (rc < 0)
        return cli_fail(&q.common, &e);
    return exit_code;
}
