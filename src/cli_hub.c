/*
 * cli_hub.c: `tiphub hub add|list`, loading agencies' submissions into the hub.
 *
 * Each submission is added in one transaction, and only whole: a submission with
 * one bad line is refused entirely (the agency must re-encode), because a hub
 * holding part of an agency's records would count part of its persons.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_int.h"
#include "ingest_int.h"
#include "store.h"
#include "submission.h"

#include "banned.h"

static const char usage[] =
    "usage: tiphub hub add  [--db HUB] [--json] SUBMISSION...\n"
    "       tiphub hub list [--db HUB] [--json]\n\n"
    "The hub holds what agencies submit: for each record an opaque reference, its\n"
    "encoding (CLK) and coarse attributes; never names. ('tiphub encode --db' writes a\n"
    "submission at the agency.)\n"
    "  add    add submissions; an agency's new submission replaces its earlier one.\n"
    "         A submission is added whole or not at all.\n"
    "  list   the active submissions: agency, records, schema, when added.\n\n"
    "options:\n"
    "  --db HUB   the hub's store (default: $TIPHUB_DB, else ./tiphub.db)\n"
    "  --json     machine-readable output\n";

static int add_one(struct store *s, const char *path, json_t *out, struct err *e)
{
    struct submission_reader *r = NULL;
    struct store_submission sub;
    const struct submission_header *h;
    struct store_hub_record rec;
    char sha[65];
    char *header_text = NULL;
    uint64_t size = 0, n = 0;
    int64_t id = 0, replaced = 0;
    FILE *f = NULL;
    int rc;

    rc = ingest__hash_file(path, sha, &size, e);
    if (rc < 0)
        return rc;
    f = fopen(path, "rb");
    if (f == NULL)
        return err_set(e, err_from_errno(errno), "cannot open '%s': %s", path, strerror(errno));
    rc = submission_reader_open(f, &r, e);
    if (rc < 0)
        goto out;
    h = submission_reader_header(r);
    {
        json_t *hj = json_pack("{s:s,s:s,s:i,s:s,s:I,s:f}", "agency", h->agency, "schema_hash",
                               h->schema_hash, "clk_bits", (int)h->clk_bits, "encoder", h->encoder,
                               "records", (json_int_t)h->records, "fill", h->fill);
        header_text = json_dumps(hj, JSON_COMPACT);
        json_decref(hj);
    }
    memset(&sub, 0, sizeof(sub));
    sub.agency = h->agency;
    sub.schema_hash = h->schema_hash;
    sub.clk_bits = h->clk_bits;
    sub.encoder = h->encoder;
    sub.created_at = h->created_at;
    sub.sha256 = sha;
    sub.header = header_text;
    rc = store_begin(s, e);
    if (rc < 0)
        goto out;
    rc = store_submission_add(s, &sub, &id, &replaced, e);
    for (;;) {
        if (rc < 0)
            break;
        rc = submission_reader_next(r, &rec, e);
        if (rc <= 0)
            break;
        rc = store_hub_record_add(s, id, &rec, e);
        n++;
    }
    if (rc == 0)
        rc = store_submission_finish(s, id, n, e);
    if (rc == 0)
        rc = store_commit(s, e);
    if (rc < 0) {
        store_rollback(s);
        err_prefix(e, "'%s' was not added", path);
        goto out;
    }
    json_array_append_new(out,
                          json_pack("{s:s,s:s,s:I,s:I,s:I,s:f}", "file", path, "agency", h->agency,
                                    "submission", (json_int_t)id, "records", (json_int_t)n,
                                    "replaced", (json_int_t)replaced, "fill", h->fill));
out:
    free(header_text);
    submission_reader_close(r);
    fclose(f);
    return rc;
}

static int run_add(struct store *s, const struct cli_common *c, int argc, char **argv)
{
    json_t *added = json_array();
    struct err e;
    int exit_code = EXIT_OK;
    int i;

    for (i = 0; i < argc; i++) {
        err_init(&e);
        if (add_one(s, argv[i], added, &e) < 0) {
            fprintf(stderr, "tiphub: error: %s\n", e.msg);
            exit_code = e.code == ERR_INVALID || e.code == ERR_EXISTS ? EXIT_REJECTED
                                                                      : cli_exit_for(e.code);
            if (exit_code != EXIT_REJECTED)
                break;
        }
    }
    if (c->json) {
        cli_print_json(json_pack("{s:o}", "added", added));
        return exit_code;
    }
    for (size_t k = 0; k < json_array_size(added); k++) {
        json_t *a = json_array_get(added, k);
        json_int_t replaced = json_integer_value(json_object_get(a, "replaced"));
        printf("%s: %lld records of '%s' added as submission %lld",
               json_string_value(json_object_get(a, "file")),
               (long long)json_integer_value(json_object_get(a, "records")),
               json_string_value(json_object_get(a, "agency")),
               (long long)json_integer_value(json_object_get(a, "submission")));
        if (replaced > 0)
            printf(" (replaces submission %lld)", (long long)replaced);
        printf("\n");
    }
    json_decref(added);
    return exit_code;
}

static int run_list(struct store *s, const struct cli_common *c)
{
    uint64_t nsub = 0, nrec = 0;
    struct err e;

    err_init(&e);
    if (store_hub_count(s, &nsub, &nrec, &e) < 0)
        return cli_fail(c, &e);
    if (c->json)
        cli_print_json(
            json_pack("{s:I,s:I}", "submissions", (json_int_t)nsub, "records", (json_int_t)nrec));
    else
        printf("%llu active submissions, %llu records\n", (unsigned long long)nsub,
               (unsigned long long)nrec);
    return EXIT_OK;
}

int cli__run_hub(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_common common = {0};
    struct store *s = NULL;
    struct err e;
    const char *action;
    int rc;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc < 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0))
        return cli_usage_error("hub", "say what to do: add or list");
    action = argv[1];
    argc--;
    argv++;
    for (;;) {
        int o = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL);
        if (o == -1)
            break;
        if (!cli_common_option(o, optarg, &common))
            return cli_bad_option("hub", argv);
    }
    if (common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(action, "add") == 0 && optind >= argc)
        return cli_usage_error("hub", "no submission to add");
    if (strcmp(action, "list") == 0 && optind < argc)
        return cli_usage_error("hub", "unexpected argument '%s'", argv[optind]);
    err_init(&e);
    rc = store_open(cli_db_path(&common), 0, &s, &e);
    if (rc < 0)
        return cli_fail(&common, &e);
    if (strcmp(action, "add") == 0)
        rc = run_add(s, &common, argc - optind, argv + optind);
    else
        rc = run_list(s, &common);
    store_close(s);
    return rc;
}
