/*
 * cli_export.c: `tiphub export`, write the store's cases as CSV or JSON Lines.
 *
 * With -o the export is written to a temporary file beside the target and renamed
 * into place when complete, so a reader never sees half an export.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "cli.h"
#include "cli_int.h"
#include "ingest.h"

#include "banned.h"

static const char usage[] =
    "usage: tiphub export [--db PATH] [--format csv|jsonl] [--agency NAME] [-o FILE]\n\n"
    "Write every case in the store, in canonical form: dates YYYY-MM-DD, countries\n"
    "ISO 3166 alpha-3, code-list values as HTCDS value names. Importing an export into\n"
    "a new store and exporting again gives identical output. Writes to standard output\n"
    "unless -o is given. The export holds personal data: keep it inside the agency.\n\n"
    "options:\n"
    "  --db PATH       the store (default: $TIPHUB_DB, else ./tiphub.db)\n"
    "  --format FMT    csv (default) or jsonl\n"
    "  --agency NAME   only this agency's cases\n"
    "  -o FILE         write to FILE (atomically) instead of standard output\n"
    "  --json          with -o: print {\"cases\": N, \"file\": ...} when done\n";

int cli__run_export(int argc, char **argv)
{
    enum { OPT_FORMAT = CLI_OPT_FIRST_FREE, OPT_AGENCY };
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {"agency", required_argument, NULL, OPT_AGENCY},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    enum ingest_export_format format = INGEST_EXPORT_CSV;
    const char *agency = NULL;
    const char *out_path = NULL;
    struct store *s = NULL;
    struct buf tmp;
    struct err e;
    FILE *out = stdout;
    uint64_t n = 0;
    int rc;

    for (;;) {
        int o = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL);
        if (o == -1)
            break;
        if (cli_common_option(o, optarg, &common))
            continue;
        switch (o) {
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                format = INGEST_EXPORT_CSV;
            else if (strcmp(optarg, "jsonl") == 0)
                format = INGEST_EXPORT_JSONL;
            else
                return cli_usage_error("export", "--format must be csv or jsonl");
            break;
        case OPT_AGENCY:
            agency = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        default:
            return cli_bad_option("export", argv);
        }
    }
    if (common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (optind < argc)
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    if (common.json && out_path == NULL)
        return cli_usage_error("export", "--json needs -o FILE (standard output holds the data)");

    err_init(&e);
    rc = store_open(cli_db_path(&common), STORE_READONLY, &s, &e);
    if (rc < 0)
        return cli_fail(&common, &e);
    buf_init(&tmp, 8192);
    if (out_path != NULL) {
        buf_printf(&tmp, "%s.tmp.%ld", out_path, (long)getpid());
        out = fopen(tmp.data, "wb");
        if (out == NULL) {
            err_set(&e, ERR_IO, "cannot write '%s': %s", tmp.data, strerror(errno));
            rc = ERR_IO;
            goto out;
        }
    }
    rc = ingest_export(s, agency, format, out, &n, &e);
    if (out_path != NULL) {
        if (fclose(out) != 0 && rc == 0)
            rc = err_set(&e, ERR_IO, "cannot write '%s'", tmp.data);
        out = NULL;
        if (rc == 0 && rename(tmp.data, out_path) != 0)
            rc = err_set(&e, ERR_IO, "cannot rename to '%s': %s", out_path, strerror(errno));
        if (rc < 0)
            remove(tmp.data);
    }
out:
    buf_release(&tmp);
    store_close(s);
    if (rc < 0)
        return cli_fail(&common, &e);
    if (common.json)
        cli_print_json(json_pack("{s:I,s:s}", "cases", (json_int_t)n, "file", out_path));
    else if (!common.quiet && out_path != NULL)
        fprintf(stderr, "exported %llu cases to '%s'\n", (unsigned long long)n, out_path);
    return EXIT_OK;
}
