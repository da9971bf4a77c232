/*
 * cli_encode.c: `tiphub encode`, in two forms.
 *
 * --db: an agency's stored cases become a submission for the hub (the work is in
 * submission_encode.c): opaque references, CLKs and coarse attributes, shuffled.
 *
 * --csv: CLKs from a plain CSV file, the way clkhash's `clkutil hash` makes them.
 *
 * Reads a CSV whose first row is the header (the schema's feature identifiers, in
 * order, checked as clkhash's validate_header() does), encodes every row with the
 * linkage schema and the shared secret, and writes {"clks": [...]} exactly as
 * clkhash's CLI does (json.dump: ", " and ": " separators, no final newline), in
 * input order. Like clkhash, any invalid row fails the whole run and no output is
 * written (a file is written under a temporary name and renamed at the end;
 * standard output is held in memory, up to STDOUT_MAX bytes, until the end).
 *
 * The secret is never an argument (argv is visible to every user of the machine):
 * it comes from --secret-file (one trailing newline is dropped) or $TIPHUB_SECRET,
 * and its bytes are used as they are (clkhash encodes its secret string as UTF-8).
 *
 * Messages name rows, columns and features, never values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli.h"
#include "cli_int.h"
#include "clk.h"
#include "csv.h"
#include "embedded.h"
#include "log.h"
#include "norm.h"
#include "progress.h"
#include "store.h"
#include "submission.h"
#include "xalloc.h"

#include "banned.h"

#define DEFAULT_SCHEMA "linkage/htcds-default.json"
#define SECRET_MAX     4096
#define FILL_WARN      0.55
#define STDOUT_MAX     ((size_t)1 << 30)

static const char usage[] =
    "usage: tiphub encode --db AGENCYDB [--agency NAME] [--schema FILE] [--secret-file FILE]\n"
    "                     -o SUBMISSION [--skip-invalid] [--json] [--quiet]\n"
    "       tiphub encode --csv FILE [--schema FILE] [--secret-file FILE]\n"
    "                     [--format clkhash] [-o FILE] [--no-header] [--ignore-header]\n"
    "                     [--no-validate] [--json] [--quiet]\n\n"
    "Encode identifiers as CLKs (keyed Bloom filters) for privacy-preserving linkage.\n\n"
    "With --db, encode the agency's stored cases into a submission for the hub: per\n"
    "case a fresh random reference, the CLK and coarse attributes (sex, child or adult,\n"
    "citizenship, countries, forms, year), in random order; no names, no dates but the\n"
    "year. The store remembers which case each reference stands for; the hub never can.\n\n"
    "With --csv, encode the rows of a CSV file byte for byte as clkhash's\n"
    "'clkutil hash' does. The first row is a header holding the schema's feature\n"
    "identifiers in order. Any invalid row fails the whole run, as in clkhash, and\n"
    "then no output is written.\n\n"
    "options:\n"
    "  --db AGENCYDB       the agency's store; writes a submission to -o\n"
    "  --agency NAME       with --db: whose cases (needed if the store holds several)\n"
    "  --skip-invalid      with --db: leave out a case the schema refuses (listed),\n"
    "                      instead of failing\n"
    "  --csv FILE          the input ('-' for standard input)\n"
    "  --schema FILE       a clkhash linkage schema, version 3 (default: the built-in\n"
    "                      HTCDS schema data/linkage/htcds-default.json)\n"
    "  --secret-file FILE  the shared secret, one trailing newline dropped; without it\n"
    "                      $TIPHUB_SECRET is used. There is no --secret option: a secret\n"
    "                      on the command line is visible to other users\n"
    "  --format clkhash    the output format: {\"clks\": [base64, ...]} (the only one)\n"
    "  -o, --output FILE   where to write (default '-', standard output)\n"
    "  --no-header         the first row is data (clkhash's --no-header)\n"
    "  --ignore-header     skip the first row unchecked (clkhash's --check-header false)\n"
    "  --no-validate       do not validate values (clkhash's --validate false)\n"
    "  --json              print a summary object on standard output: records,\n"
    "                      mean_fill, warnings (needs -o FILE)\n"
    "  -q, --quiet         print only errors\n\n"
    "exit status: 0 done, 2 usage error, 3 bad schema, secret, input row or I/O\n";

enum {
    OPT_CSV = CLI_OPT_FIRST_FREE,
    OPT_SCHEMA,
    OPT_SECRET_FILE,
    OPT_SECRET,
    OPT_FORMAT,
    OPT_NO_HEADER,
    OPT_IGNORE_HEADER,
    OPT_NO_VALIDATE,
    OPT_AGENCY,
    OPT_SKIP_INVALID,
};

struct encode_opts {
    const char *csv;
    const char *schema;
    const char *secret_file;
    const char *format;
    const char *output;
    bool no_header;
    bool ignore_header;
    bool no_validate;
    const char *agency;
    bool skip_invalid;
};

/* Read the secret into a sodium-guarded buffer; *len gets its length. */
static int read_secret(const struct encode_opts *o, uint8_t **out, size_t *len, struct err *e)
{
    uint8_t *s = NULL;
    size_t n = 0;

    if (sodium_init() < 0)
        return err_set(e, ERR_INVALID, "libsodium failed to start");
    s = sodium_malloc(SECRET_MAX + 1);
    if (s == NULL)
        abort();
    if (o->secret_file != NULL) {
        FILE *f = fopen(o->secret_file, "rb");
        if (f == NULL) {
            int rc = err_set(e, err_from_errno(errno), "cannot open secret file '%s': %s",
                             o->secret_file, strerror(errno));
            sodium_free(s);
            return rc;
        }
        n = fread(s, 1, SECRET_MAX + 1, f);
        fclose(f);
        if (n > SECRET_MAX) {
            sodium_free(s);
            return err_set(e, ERR_TOOBIG, "secret file '%s' is over %d bytes", o->secret_file,
                           SECRET_MAX);
        }
        /* drop one trailing newline (LF or CRLF), as a text editor leaves it */
        if (n > 0 && s[n - 1] == '\n') {
            n--;
            if (n > 0 && s[n - 1] == '\r')
                n--;
        }
    } else {
        const char *env = getenv("TIPHUB_SECRET");
        if (env == NULL) {
            sodium_free(s);
            return err_set(e, ERR_USAGE,
                           "no secret: give --secret-file FILE or set "
                           "$TIPHUB_SECRET");
        }
        n = strlen(env);
        if (n > SECRET_MAX) {
            sodium_free(s);
            return err_set(e, ERR_TOOBIG, "$TIPHUB_SECRET is over %d bytes", SECRET_MAX);
        }
        memcpy(s, env, n);
    }
    if (n == 0) {
        sodium_free(s);
        return err_set(e, ERR_INVALID, "the secret is empty");
    }
    *out = s;
    *len = n;
    return 0;
}

/* Load the schema (--schema FILE or the built-in one) and the hash that names it. */
static int load_schema(const struct encode_opts *o, struct clk_schema **s, char hash[65],
                       struct err *e)
{
    const struct embedded_file *ef;
    struct buf text;
    FILE *f;
    int rc;

    if (o->schema == NULL) {
        ef = embedded_find(DEFAULT_SCHEMA);
        if (ef == NULL)
            return err_set(e, ERR_NOTFOUND, "the built-in schema '%s' is missing", DEFAULT_SCHEMA);
        rc = clk_schema_parse((const char *)ef->data, ef->len, s, e);
        if (rc == 0)
            rc = submission_schema_hash((const char *)ef->data, ef->len, hash, e);
        if (rc < 0)
            err_prefix(e, "built-in schema '%s'", DEFAULT_SCHEMA);
        return rc;
    }
    rc = clk_schema_load_file(o->schema, s, e);
    if (rc < 0)
        return rc;
    f = fopen(o->schema, "rb");
    if (f == NULL)
        return err_set(e, ERR_IO, "cannot read schema '%s'", o->schema);
    buf_init(&text, (size_t)1 << 24);
    for (;;) {
        char chunk[8192];
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n > 0 && buf_append(&text, chunk, n) < 0) {
            rc = err_set(e, ERR_TOOBIG, "schema '%s' is too big", o->schema);
            break;
        }
        if (n < sizeof(chunk))
            break;
    }
    fclose(f);
    if (rc == 0)
        rc = submission_schema_hash(text.data, text.len, hash, e);
    buf_release(&text);
    return rc;
}

/* clkhash's validate_header(): as many columns as features, each its identifier. */
static int check_header(const struct clk_schema *s, const struct csv_record *rec, struct err *e)
{
    size_t n = clk_schema_nfeatures(s), i;

    if (rec->nfields != n)
        return err_set(e, ERR_INVALID, "header has %zu columns when %zu are expected", rec->nfields,
                       n);
    for (i = 0; i < n; i++) {
        const char *id = clk_schema_identifier(s, i);
        if (rec->fields[i].len != strlen(id) || memcmp(rec->fields[i].data, id, strlen(id)) != 0)
            return err_set(e, ERR_INVALID, "header column %zu is '%.*s' when '%s' is expected",
                           i + 1, (int)(rec->fields[i].len > 80 ? 80 : rec->fields[i].len),
                           rec->fields[i].data, id);
    }
    return 0;
}

struct encode_stats {
    uint64_t records;
    double fill_sum;
};

static int run(const struct cli_common *c, const struct encode_opts *o, struct clk_schema *s,
               struct encode_stats *st, struct err *e)
{
    struct clk_encoder *enc = NULL;
    struct csv_reader *rd = NULL;
    struct csv_record rec;
    struct clk_value *vals = NULL;
    struct progress prog;
    struct buf line, all;
    uint8_t *secret = NULL, *clk = NULL;
    size_t secret_len = 0, nfeat = clk_schema_nfeatures(s), i;
    FILE *in = NULL, *out = NULL;
    char *tmp_path = NULL;
    bool first_row = true, to_stdout = strcmp(o->output, "-") == 0;
    uint64_t prev_line_end = 0;
    int rc;

    buf_init(&line, BUF_MAX_LINE);
    buf_init(&all, STDOUT_MAX);
    rc = read_secret(o, &secret, &secret_len, e);
    if (rc < 0)
        goto out;
    rc = clk_encoder_new(s, secret, secret_len, o->no_validate ? CLK_NO_VALIDATE : 0, &enc, e);
    sodium_free(secret);
    if (rc < 0)
        goto out;
    clk = xmalloc(clk_encoder_bytes(enc));
    CALLOC_ARRAY(vals, nfeat + 1);

    if (strcmp(o->csv, "-") == 0) {
        in = stdin;
    } else {
        in = fopen(o->csv, "rb");
        if (in == NULL) {
            rc = err_set(e, err_from_errno(errno), "cannot open '%s': %s", o->csv, strerror(errno));
            goto out;
        }
    }
    rc = csv_open_file(&rd, in, NULL);
    if (rc < 0) {
        rc = err_set(e, rc, "cannot read '%s'", o->csv);
        goto out;
    }
    if (!to_stdout) {
        size_t n = strlen(o->output) + 16;
        tmp_path = xmalloc(n);
        snprintf(tmp_path, n, "%s.tmp%ld", o->output, (long)getpid());
        out = fopen(tmp_path, "wb");
        if (out == NULL) {
            rc = err_set(e, err_from_errno(errno), "cannot create '%s': %s", tmp_path,
                         strerror(errno));
            goto out;
        }
    }
    progress_start(&prog, "encoding", 0);
    /* standard output gets everything at the end, so a failed run prints nothing */
    if (to_stdout) {
        if (buf_puts(&all, "{\"clks\": [") < 0) {
            rc = err_set(e, ERR_TOOBIG, "output over %zu bytes: use -o FILE", STDOUT_MAX);
            goto out_progress;
        }
    } else {
        fputs("{\"clks\": [", out);
    }
    for (;;) {
        unsigned pc = 0;
        rc = csv_next(rd, &rec, e);
        if (rc == 0)
            break;
        if (rc < 0) {
            err_prefix(e, "%s:%llu", o->csv, (unsigned long long)rec.line);
            goto out_progress;
        }
        /* Python's csv module returns an empty row for a blank line; clkhash then fails. */
        if (prev_line_end > 0 && rec.line > prev_line_end + 1) {
            rc = err_set(e, ERR_INVALID,
                         "%s:%llu: blank line (clkhash rejects rows with no entries)", o->csv,
                         (unsigned long long)prev_line_end + 1);
            goto out_progress;
        }
        prev_line_end = rec.line_end;
        if (first_row && !o->no_header) {
            first_row = false;
            if (!o->ignore_header) {
                rc = check_header(s, &rec, e);
                if (rc < 0) {
                    err_prefix(e, "%s:%llu", o->csv, (unsigned long long)rec.line);
                    goto out_progress;
                }
            }
            continue;
        }
        first_row = false;
        if (rec.nfields != nfeat) {
            rc = err_set(e, ERR_INVALID, "%s:%llu: row has %zu entries when %zu are expected",
                         o->csv, (unsigned long long)rec.line, rec.nfields, nfeat);
            goto out_progress;
        }
        for (i = 0; i < nfeat; i++) {
            vals[i].data = rec.fields[i].data;
            vals[i].len = rec.fields[i].len;
        }
        rc = clk_encode(enc, vals, nfeat, clk, &pc, e);
        if (rc < 0) {
            err_prefix(e, "%s:%llu", o->csv, (unsigned long long)rec.line);
            goto out_progress;
        }
        buf_reset(&line);
        if (st->records > 0)
            buf_puts(&line, ", ");
        buf_putc(&line, '"');
        clk_base64(clk, clk_encoder_bytes(enc), &line);
        buf_putc(&line, '"');
        if (to_stdout) {
            if (buf_append(&all, line.data, line.len) < 0) {
                rc = err_set(e, ERR_TOOBIG, "output over %zu bytes: use -o FILE", STDOUT_MAX);
                goto out_progress;
            }
        } else {
            fwrite(line.data, 1, line.len, out);
        }
        st->records++;
        st->fill_sum += (double)pc / (double)clk_schema_l(s);
        progress_update(&prog, csv_bytes_read(rd));
    }
    if (to_stdout) {
        out = stdout;
        if (buf_puts(&all, "]}") < 0) {
            rc = err_set(e, ERR_TOOBIG, "output over %zu bytes: use -o FILE", STDOUT_MAX);
            goto out_progress;
        }
        fwrite(all.data, 1, all.len, out);
    } else {
        fputs("]}", out);
    }
    if (fflush(out) != 0 || ferror(out)) {
        rc = err_set(e, ERR_IO, "cannot write '%s'", o->output);
        goto out_progress;
    }
    if (!to_stdout) {
        if (fclose(out) != 0) {
            out = NULL;
            rc = err_set(e, ERR_IO, "cannot write '%s'", o->output);
            goto out_progress;
        }
        out = NULL;
        if (rename(tmp_path, o->output) != 0) {
            rc = err_set(e, err_from_errno(errno), "cannot rename '%s' to '%s': %s", tmp_path,
                         o->output, strerror(errno));
            goto out_progress;
        }
    }
    rc = 0;
out_progress:
    progress_finish(&prog);
out:
    (void)c;
    if (out != NULL && !to_stdout)
        fclose(out);
    if (rc < 0 && tmp_path != NULL)
        unlink(tmp_path);
    free(tmp_path);
    csv_close(rd);
    if (in != NULL && in != stdin)
        fclose(in);
    free(vals);
    free(clk);
    clk_encoder_free(enc);
    buf_release(&line);
    buf_release(&all);
    return rc;
}

/* ---- --db: an agency's cases into a submission ---- */

static void report_skip(const char *case_ref, const char *why, void *arg)
{
    const struct cli_common *c = arg;
    if (!c->quiet)
        fprintf(stderr, "tiphub: warning: case '%s' left out: %s\n", case_ref, why);
}

static int run_db(const struct cli_common *c, const struct encode_opts *o,
                  const struct clk_schema *schema, const char *hash,
                  struct submission_encode_result *res, struct err *e)
{
    struct submission_encode_opts eo;
    struct clk_encoder *enc = NULL;
    struct store *st = NULL;
    struct buf tmp;
    uint8_t *secret = NULL;
    size_t secret_len = 0;
    FILE *out = NULL;
    int rc;

    memset(res, 0, sizeof(*res));
    buf_init(&tmp, 8192);
    rc = read_secret(o, &secret, &secret_len, e);
    if (rc < 0)
        goto out;
    rc = clk_encoder_new(schema, secret, secret_len, 0, &enc, e);
    sodium_free(secret);
    if (rc < 0)
        goto out;
    rc = store_open(cli_db_path(c), 0, &st, e);
    if (rc < 0)
        goto out;
    buf_printf(&tmp, "%s.tmp.%ld", o->output, (long)getpid());
    out = fopen(tmp.data, "wb");
    if (out == NULL) {
        rc = err_set(e, ERR_IO, "cannot write '%s': %s", tmp.data, strerror(errno));
        goto out;
    }
    memset(&eo, 0, sizeof(eo));
    eo.agency = o->agency;
    eo.skip_invalid = o->skip_invalid;
    eo.progress = !c->quiet && !c->json;
    eo.on_skip = report_skip;
    eo.arg = (void *)c;
    rc = submission_encode_store(st, schema, enc, hash, &eo, out, o->output, res, e);
    if (fclose(out) != 0 && rc == 0)
        rc = err_set(e, ERR_IO, "cannot write '%s'", tmp.data);
    out = NULL;
    if (rc == 0 && rename(tmp.data, o->output) != 0)
        rc = err_set(e, ERR_IO, "cannot rename to '%s': %s", o->output, strerror(errno));
    if (rc < 0)
        unlink(tmp.data);
out:
    clk_encoder_free(enc);
    store_close(st);
    buf_release(&tmp);
    return rc;
}

static int finish_db(const struct cli_common *c, const struct encode_opts *o,
                     const struct clk_schema *s, const char *hash,
                     const struct submission_encode_result *res)
{
    const struct submission_header *h = &res->header;

    if (h->fill > FILL_WARN)
        log_warn("mean fill %.3f is over %.2f: such full CLKs link poorly; lower the bits per "
                 "feature or raise l",
                 h->fill, FILL_WARN);
    if (c->json) {
        cli_print_json(json_pack("{s:s,s:I,s:I,s:f,s:I,s:s,s:s,s:I}", "agency", h->agency,
                                 "records", (json_int_t)h->records, "skipped",
                                 (json_int_t)res->skipped, "mean_fill", h->fill, "l",
                                 (json_int_t)clk_schema_l(s), "schema_hash", hash, "output",
                                 o->output, "encoding", (json_int_t)res->encoding_id));
    } else if (!c->quiet) {
        fprintf(stderr,
                "tiphub: encoded %llu cases of '%s' into '%s' (mean fill %.3f%s); send it to "
                "the hub\n",
                (unsigned long long)h->records, h->agency, o->output, h->fill,
                res->skipped > 0 ? ", some cases left out" : "");
    }
    return res->skipped > 0 ? EXIT_REJECTED : EXIT_OK;
}

int cli__run_encode(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"csv", required_argument, NULL, OPT_CSV},
        {"schema", required_argument, NULL, OPT_SCHEMA},
        {"secret-file", required_argument, NULL, OPT_SECRET_FILE},
        {"secret", required_argument, NULL, OPT_SECRET},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {"no-header", no_argument, NULL, OPT_NO_HEADER},
        {"ignore-header", no_argument, NULL, OPT_IGNORE_HEADER},
        {"no-validate", no_argument, NULL, OPT_NO_VALIDATE},
        {"agency", required_argument, NULL, OPT_AGENCY},
        {"skip-invalid", no_argument, NULL, OPT_SKIP_INVALID},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    struct encode_opts o = {0};
    struct clk_schema *s = NULL;
    struct encode_stats st = {0};
    struct err e;
    double mean = 0;
    char warn[200];
    size_t i;
    int rc;

    err_init(&e);
    o.output = "-";
    o.format = "clkhash";
    for (;;) {
        int opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL);
        if (opt == -1)
            break;
        if (cli_common_option(opt, optarg, &common))
            continue;
        switch (opt) {
        case OPT_CSV:
            o.csv = optarg;
            break;
        case OPT_SCHEMA:
            o.schema = optarg;
            break;
        case OPT_SECRET_FILE:
            o.secret_file = optarg;
            break;
        case OPT_SECRET:
            return cli_usage_error("encode", "there is no --secret option: a secret on the "
                                             "command line is visible to other users; use "
                                             "--secret-file FILE or $TIPHUB_SECRET");
        case OPT_FORMAT:
            o.format = optarg;
            break;
        case 'o':
            o.output = optarg;
            break;
        case OPT_NO_HEADER:
            o.no_header = true;
            break;
        case OPT_IGNORE_HEADER:
            o.ignore_header = true;
            break;
        case OPT_NO_VALIDATE:
            o.no_validate = true;
            break;
        case OPT_AGENCY:
            o.agency = optarg;
            break;
        case OPT_SKIP_INVALID:
            o.skip_invalid = true;
            break;
        default:
            return cli_bad_option("encode", argv);
        }
    }
    if (common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (optind < argc)
        return cli_usage_error("encode", "unexpected argument '%s'", argv[optind]);
    if (common.db != NULL && o.csv != NULL)
        return cli_usage_error("encode", "give --db or --csv, not both");
    if (common.db != NULL) {
        struct submission_encode_result res;
        char hash[65];
        if (o.output == NULL || strcmp(o.output, "-") == 0)
            return cli_usage_error("encode", "--db needs -o SUBMISSION (the file for the hub)");
        rc = load_schema(&o, &s, hash, &e);
        if (rc == 0) {
            for (i = 0; i < clk_schema_nwarnings(s); i++)
                log_warn("%s", clk_schema_warning(s, i));
            rc = run_db(&common, &o, s, hash, &res, &e);
        }
        norm_thread_release();
        if (rc == 0)
            rc = finish_db(&common, &o, s, hash, &res);
        else
            rc = cli_fail(&common, &e);
        clk_schema_free(s);
        return rc;
    }
    if (o.csv == NULL)
        return cli_usage_error("encode", "give --db AGENCYDB or --csv FILE");
    if (strcmp(o.format, "clkhash") != 0)
        return cli_usage_error("encode", "unknown --format '%s' (only clkhash)", o.format);
    if (common.json && strcmp(o.output, "-") == 0)
        return cli_usage_error("encode", "--json needs -o FILE (standard output holds the "
                                         "summary)");

    {
        char hash[65];
        rc = load_schema(&o, &s, hash, &e);
    }
    if (rc < 0)
        return cli_fail(&common, &e);
    for (i = 0; i < clk_schema_nwarnings(s); i++)
        log_warn("%s", clk_schema_warning(s, i));
    rc = run(&common, &o, s, &st, &e);
    norm_thread_release(); /* normalisation keeps ICU state per thread */
    if (rc < 0) {
        clk_schema_free(s);
        return cli_fail(&common, &e);
    }
    mean = st.records > 0 ? st.fill_sum / (double)st.records : 0;
    warn[0] = '\0';
    if (mean > FILL_WARN) {
        snprintf(warn, sizeof(warn),
                 "mean fill %.3f is over %.2f: such full CLKs link poorly; lower the bits per "
                 "feature or raise l",
                 mean, FILL_WARN);
        log_warn("%s", warn);
    }
    if (common.json) {
        json_t *w = json_array();
        for (i = 0; i < clk_schema_nwarnings(s); i++)
            json_array_append_new(w, json_string(clk_schema_warning(s, i)));
        if (warn[0] != '\0')
            json_array_append_new(w, json_string(warn));
        json_t *obj =
            json_pack("{s:I,s:f,s:I,s:o,s:s}", "records", (json_int_t)st.records, "mean_fill", mean,
                      "l", (json_int_t)clk_schema_l(s), "warnings", w, "output", o.output);
        json_dumpf(obj, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(obj);
    } else if (!common.quiet && strcmp(o.output, "-") != 0) {
        fprintf(stderr, "tiphub: encoded %llu records into '%s' (mean fill %.3f)\n",
                (unsigned long long)st.records, o.output, mean);
    }
    clk_schema_free(s);
    return EXIT_OK;
}
