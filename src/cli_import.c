/*
 * cli_import.c: `tiphub import`, load case files into an agency store.
 *
 * Prints, for a person, one line per rejected row in the form
 * "file:line:column: field: reason" (as compilers do, so editors can jump to it),
 * and a summary per file; with --json, one object with the totals, the files and
 * the rejected rows. Values from the rows are never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_int.h"
#include "ingest.h"
#include "log.h"
#include "strutil.h"

#include "banned.h"

/* Rejected rows printed per file before "... and N more" (all are in quarantine). */
#define PRINT_LIMIT 50
/* Rejected rows listed in --json output. */
#define JSON_LIMIT 1000

static const char usage[] =
    "usage: tiphub import [--db PATH] [--agency NAME] [--map FILE|ctdc] [--format csv|jsonl]\n"
    "                     [--max-record BYTES] [--json] [--quiet] FILE...\n\n"
    "Import case files (CSV or JSON Lines) into the store. Columns are HTCDS 2.0 field\n"
    "names, matched ignoring case, plus case_ref (the agency's case reference, required).\n"
    "Every row is validated: a good row is stored, a bad row is set aside in quarantine\n"
    "with its reasons ('tiphub quarantine'), so rows read = stored + quarantined.\n"
    "Each file is imported in one transaction: interrupted, it leaves none of its rows.\n"
    "Importing the same file again changes nothing; a changed row is an update and the\n"
    "previous revision is kept.\n\n"
    "options:\n"
    "  --db PATH           the store (default: $TIPHUB_DB, else ./tiphub.db)\n"
    "  --agency NAME       whose cases these are (needed unless rows have org_Name)\n"
    "  --map FILE|ctdc     a column map for files with other column names; 'ctdc' is the\n"
    "                      built-in map of the CTDC variable names (docs/IMPORT.md)\n"
    "  --format FMT        csv or jsonl (default: from the file name, else its content)\n"
    "  --max-record BYTES  longest row accepted (default 1048576); longer rows are\n"
    "                      quarantined\n"
    "  --json              print one JSON object: read, stored, inserted, updated,\n"
    "                      unchanged, quarantined, files, rejected\n"
    "  -q, --quiet         print only errors\n\n"
    "exit status: 0 all rows stored, 1 some rows quarantined or a file refused,\n"
    "2 usage error, 3 a file could not be read, 4 the store failed\n";

struct import_report {
    const struct cli_common *common;
    json_t *rejected;
    json_t *warnings;
    uint64_t rejected_total;
    uint64_t printed_this_file;
    uint64_t rejected_this_file;
};

static void on_reject(const struct ingest_rejection *rj, void *arg)
{
    struct import_report *rep = arg;
    size_t i;

    rep->rejected_total++;
    rep->rejected_this_file++;
    for (i = 0; i < rj->issues->n; i++) {
        const struct rec_issue *it = &rj->issues->items[i];
        const char *field = it->field >= 0 ? rec_fields[it->field].name : "";
        if (rep->common->json) {
            if (json_array_size(rep->rejected) < JSON_LIMIT)
                json_array_append_new(
                    rep->rejected, json_pack("{s:s,s:I,s:I,s:s,s:s}", "file", rj->source, "line",
                                             (json_int_t)rj->line, "column", (json_int_t)it->column,
                                             "field", field, "reason", it->reason));
            continue;
        }
        if (rep->common->quiet || rep->printed_this_file >= PRINT_LIMIT)
            continue;
        /* Column names come from the file's header, which holds no personal data. */
        if (it->column > 0)
            fprintf(stderr, "%s:%llu:%zu: %s%s%s\n", rj->source, (unsigned long long)rj->line,
                    it->column, field[0] ? field : "", field[0] ? ": " : "", it->reason);
        else
            fprintf(stderr, "%s:%llu: %s%s%s\n", rj->source, (unsigned long long)rj->line,
                    field[0] ? field : "", field[0] ? ": " : "", it->reason);
    }
    if (!rep->common->json && !rep->common->quiet)
        rep->printed_this_file++;
}

static void on_warning(const char *source, const char *message, void *arg)
{
    struct import_report *rep = arg;

    if (rep->common->json)
        json_array_append_new(rep->warnings,
                              json_pack("{s:s,s:s}", "file", source, "message", message));
    else if (!rep->common->quiet)
        fprintf(stderr, "tiphub: warning: %s: %s\n", source, message);
}

static json_t *counts_json(const struct store_import_counts *c)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "read", (json_int_t)c->read, "stored",
                     (json_int_t)c->stored, "inserted", (json_int_t)c->inserted, "updated",
                     (json_int_t)c->updated, "unchanged", (json_int_t)c->unchanged, "quarantined",
                     (json_int_t)c->quarantined);
}

static void add_counts(struct store_import_counts *t, const struct store_import_counts *c)
{
    t->read += c->read;
    t->stored += c->stored;
    t->inserted += c->inserted;
    t->updated += c->updated;
    t->unchanged += c->unchanged;
    t->quarantined += c->quarantined;
}

static void print_file_summary(const char *path, const struct store_import_counts *c,
                               uint64_t not_printed)
{
    if (not_printed > 0)
        fprintf(stderr, "%s: ... and %llu more rejected rows; see 'tiphub quarantine list'\n", path,
                (unsigned long long)not_printed);
    printf("%s: %llu rows read, %llu stored (%llu new, %llu updated, %llu unchanged), %llu "
           "quarantined\n",
           path, (unsigned long long)c->read, (unsigned long long)c->stored,
           (unsigned long long)c->inserted, (unsigned long long)c->updated,
           (unsigned long long)c->unchanged, (unsigned long long)c->quarantined);
}

static int parse_format(const char *arg, enum ingest_format *out)
{
    if (strcmp(arg, "csv") == 0)
        *out = INGEST_CSV;
    else if (strcmp(arg, "jsonl") == 0)
        *out = INGEST_JSONL;
    else
        return -1;
    return 0;
}

int cli__run_import(int argc, char **argv)
{
    enum { OPT_AGENCY = CLI_OPT_FIRST_FREE, OPT_MAP, OPT_FORMAT, OPT_MAX_RECORD };
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"agency", required_argument, NULL, OPT_AGENCY},
        {"map", required_argument, NULL, OPT_MAP},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"max-record", required_argument, NULL, OPT_MAX_RECORD},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    struct ingest_options opt;
    struct ingest_map *map = NULL;
    struct import_report rep;
    struct store_import_counts total;
    struct store *s = NULL;
    struct err e;
    json_t *files = NULL;
    const char *map_name = NULL;
    bool any_refused = false;
    int exit_code = EXIT_OK;
    int rc;
    int i;

    memset(&opt, 0, sizeof(opt));
    memset(&rep, 0, sizeof(rep));
    memset(&total, 0, sizeof(total));
    for (;;) {
        int o = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL);
        uint64_t n;
        if (o == -1)
            break;
        if (cli_common_option(o, optarg, &common))
            continue;
        switch (o) {
        case OPT_AGENCY:
            if (optarg[0] == '\0')
                return cli_usage_error("import", "--agency needs a name");
            opt.agency = optarg;
            break;
        case OPT_MAP:
            map_name = optarg;
            break;
        case OPT_FORMAT:
            if (parse_format(optarg, &opt.format) < 0)
                return cli_usage_error("import", "--format must be csv or jsonl");
            break;
        case OPT_MAX_RECORD:
            if (str_to_u64(optarg, strlen(optarg), (uint64_t)1 << 30, &n) < 0 || n < 1024)
                return cli_usage_error("import",
                                       "--max-record must be a number of bytes from 1024 to "
                                       "1073741824");
            opt.max_record = (size_t)n;
            break;
        default:
            return cli_bad_option("import", argv);
        }
    }
    if (common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (optind >= argc)
        return cli_usage_error("import", "no file to import");

    err_init(&e);
    if (map_name != NULL && ingest_map_load(map_name, &map, &e) < 0)
        return cli_fail(&common, &e);
    rc = store_open(cli_db_path(&common), 0, &s, &e);
    if (rc < 0) {
        ingest_map_free(map);
        return cli_fail(&common, &e);
    }
    rep.common = &common;
    rep.rejected = json_array();
    rep.warnings = json_array();
    files = json_array();
    opt.map = map;
    opt.progress = !common.quiet && !common.json;
    opt.on_reject = on_reject;
    opt.on_warning = on_warning;
    opt.cb_arg = &rep;

    for (i = optind; i < argc; i++) {
        struct ingest_file_result res;
        json_t *fj;

        rep.printed_this_file = 0;
        rep.rejected_this_file = 0;
        err_init(&e);
        rc = ingest_file(s, argv[i], &opt, &res, &e);
        fj = counts_json(&res.counts);
        json_object_set_new(fj, "file", json_string(argv[i]));
        if (rc < 0) {
            json_object_set_new(fj, "status", json_string(res.refused ? "refused" : "failed"));
            json_object_set_new(fj, "error", json_string(e.msg));
            json_array_append_new(files, fj);
            if (res.refused && rc != ERR_USAGE) {
                any_refused = true;
                if (!common.json)
                    fprintf(stderr, "tiphub: error: %s\n", e.msg);
                continue;
            }
            /* A runtime failure stops the run; earlier files stay imported. */
            if (!common.json)
                fprintf(stderr, "tiphub: error: %s\n", e.msg);
            exit_code = rc == ERR_USAGE ? EXIT_USAGE : cli_exit_for(rc);
            break;
        }
        json_object_set_new(fj, "status", json_string("ok"));
        json_array_append_new(files, fj);
        add_counts(&total, &res.counts);
        if (!common.json && !common.quiet)
            print_file_summary(argv[i], &res.counts,
                               rep.rejected_this_file > rep.printed_this_file
                                   ? rep.rejected_this_file - rep.printed_this_file
                                   : 0);
    }
    if (exit_code == EXIT_OK && (total.quarantined > 0 || any_refused))
        exit_code = EXIT_REJECTED;
    if (common.json) {
        json_t *out = counts_json(&total);
        json_object_set_new(out, "files", files);
        json_object_set_new(out, "rejected", rep.rejected);
        json_object_set_new(out, "rejected_listed",
                            json_integer((json_int_t)json_array_size(rep.rejected)));
        json_object_set_new(out, "warnings", rep.warnings);
        cli_print_json(out);
    } else {
        json_decref(files);
        json_decref(rep.rejected);
        json_decref(rep.warnings);
        if (total.quarantined > 0 && !common.quiet)
            fprintf(stderr,
                    "tiphub: %llu %s quarantined; list with 'tiphub quarantine list', correct "
                    "with 'tiphub quarantine export' and 'retry'\n",
                    (unsigned long long)total.quarantined, total.quarantined == 1 ? "row" : "rows");
    }
    store_close(s);
    ingest_map_free(map);
    return exit_code;
}
