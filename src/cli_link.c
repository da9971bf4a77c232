/*
 * cli_link.c: `tiphub link`, record linkage of CLKs into persons, in three forms.
 *
 * --db HUB: link every record of the hub's active submissions (each agency a
 * source), after checking that all were encoded under one linkage schema and CLK
 * length; record the run and which person each record belongs to in the hub.
 *
 * --clks FILE...: link plain clkhash files ({"clks": [...]}), each file a source,
 * and write file,row,person for every record (CSV), the way anonlink users work.
 *
 * --diagnose: instead of linking, show how scores fall and how many persons each
 * threshold would give, to choose the threshold (link_diag.c).
 *
 * The linkage itself is link_run() (link.h). Nothing here prints the score of a
 * pair or of a record: only persons, counts and aggregate histograms. Messages
 * name files, rows, agencies and submissions, never values.
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
#include "link.h"
#include "log.h"
#include "progress.h"
#include "store.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

/*
 * Above this many records, linking at the default threshold gets a warning: it was
 * chosen on a few thousand records, and different people who look alike grow with
 * the square of the size (docs/LINKAGE.md, "Large hubs": -28 % persons at 100,000
 * synthetic records, -59 % at a million).
 */
#define LARGE_HUB_RECORDS 50000

/* Most candidate pairs kept by default (16 bytes each): a runaway low threshold
 * stops with a message instead of filling the memory. */
#define DEFAULT_MAX_PAIRS ((size_t)100000000)
#define DEFAULT_FLOOR     "0.5"

static const char usage[] =
    "usage: tiphub link [--db HUB] [options]                 link the hub's records\n"
    "       tiphub link --clks FILE... [-o OUT.csv] [options] link clkhash CLK files\n"
    "       tiphub link --diagnose [--db HUB | --clks FILE...] [--floor F]\n"
    "                   [--csv FILE] [--svg FILE]            help choose the threshold\n\n"
    "Find the records that belong to the same person by the Dice similarity of their\n"
    "CLKs (keyed Bloom filters). Scores never leave the hub: only persons do.\n\n"
    "With --db (the default), link every record of the hub's active submissions, each\n"
    "agency a source; all must share one linkage schema and CLK length. The run and\n"
    "the person of each record are stored in the hub; the command prints how many\n"
    "persons were found among how many records.\n\n"
    "With --clks, link clkhash files ({\"clks\": [...]}) as written by 'clkutil hash'\n"
    "or 'tiphub encode --csv', each file a source, and write CSV with the header\n"
    "file,row,person: one line per input record, in input order; file and row count\n"
    "from 0 in the order given; person numbers count from 0 in order of first\n"
    "appearance (a record found in no pair is a person of its own). Two files are\n"
    "matched 1-1 (each record at most once); one file is deduplicated; three or more\n"
    "are grouped, each file treated as an agency.\n\n"
    "How records are joined: candidate pairs (score at or above the threshold) are\n"
    "taken from the highest score down. Greedy 1-1 accepts a pair if neither record\n"
    "is matched yet. Grouping joins the two records' groups if enough of their\n"
    "records resemble each other (--support), and two records of one agency only if\n"
    "they reach --agency-threshold (a re-registration).\n\n"
    "options:\n"
    "  --threshold T         Dice threshold for two records of different sources\n"
    "                        (default " LINK_DEFAULT_THRESHOLD ", measured on a few thousand\n"
    "                        records; on a large hub choose it with --diagnose)\n"
    "  --agency-threshold T2 threshold for two records of the same source; the larger of\n"
    "                        T and T2 applies (default " LINK_DEFAULT_AGENCY_THRESHOLD ")\n"
    "  --support P           grouping: percent of the couples of records of two groups\n"
    "                        that must reach their threshold to join them (default 50;\n"
    "                        100 is complete linkage)\n"
    "  --blocking B          'exact' (default: every pair, nothing missed), 'lsh' or\n"
    "                        'lsh:BANDS,BITS' (Hamming LSH: much faster on millions of\n"
    "                        records, may miss a few pairs; see docs/LINKAGE.md)\n"
    "  --threads N           threads for the search (default: every CPU)\n"
    "  --max-pairs N         stop if more candidate pairs than this (default 100000000)\n"
    "  -o, --output FILE     with --clks: where to write the CSV (default '-', stdout)\n"
    "  --json                print a summary (or the diagnostics) as JSON on stdout\n"
    "  -q, --quiet           print only errors\n\n"
    "diagnostics (--diagnose):\n"
    "  --floor F             look at pairs scoring F or more (default " DEFAULT_FLOOR ")\n"
    "  --csv FILE            write the histograms and the persons per threshold as CSV\n"
    "  --svg FILE            draw them as an SVG picture\n"
    "  Choosing a threshold: records of people met more than once have a best score\n"
    "  near 1, records of people met once score lower. Put the threshold in the\n"
    "  valley between those two piles of best scores, where the number of persons\n"
    "  hardly changes as the threshold moves (the knee of the persons curve). Too\n"
    "  high and true matches are missed (too many persons); too low and different\n"
    "  people are joined (persons fall quickly again).\n\n"
    "exit status: 0 done, 2 usage error, 3 bad input file or mixed schemas, 4 store\n";

enum {
    OPT_CLKS = CLI_OPT_FIRST_FREE,
    OPT_THRESHOLD,
    OPT_AGENCY_THRESHOLD,
    OPT_SUPPORT,
    OPT_BLOCKING,
    OPT_THREADS,
    OPT_MAX_PAIRS,
    OPT_DIAGNOSE,
    OPT_FLOOR,
    OPT_CSV,
    OPT_SVG,
};

struct link_cli {
    struct cli_common common;
    bool clks;
    bool diagnose;
    const char *threshold;
    bool threshold_given; /* --threshold was on the command line */
    const char *agency_threshold;
    const char *floor;
    const char *output;
    const char *csv;
    const char *svg;
    struct link_opts lo;
};

/* The sources being linked, with names for messages and the summary. */
struct sources {
    struct dice_clks *set; /* nsources sets */
    char **name;           /* file or agency */
    size_t n;
    int64_t **record_id; /* --db: the hub record id of each row, per source */
    char schema_hash[65];
    unsigned clk_bits;
};

static void sources_release(struct sources *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        dice_clks_release(&s->set[i]);
        free(s->name[i]);
        if (s->record_id != NULL)
            free(s->record_id[i]);
    }
    free(s->set);
    free(s->name);
    free(s->record_id);
    memset(s, 0, sizeof(*s));
}

static size_t sources_total(const struct sources *s)
{
    size_t i, n = 0;

    for (i = 0; i < s->n; i++)
        n += s->set[i].n;
    return n;
}

/* ==== Progress ==== */

static int on_progress(uint64_t done, uint64_t total, void *arg)
{
    struct progress *p = arg;

    if (p->total != total)
        p->total = total;
    progress_update(p, done);
    return 0;
}

/* ==== Loading: clkhash files ==== */

static int load_clk_files(char **files, size_t nfiles, struct sources *s, struct err *e)
{
    size_t i, bytes = 0;
    int rc;

    s->set = xcalloc(nfiles, sizeof(*s->set));
    s->name = xcalloc(nfiles, sizeof(char *));
    for (i = 0; i < nfiles; i++) {
        rc = link_clks_load(files[i], &bytes, &s->set[i], e);
        if (rc < 0)
            return rc;
        s->name[i] = xstrdup(files[i]);
        s->n++;
    }
    /* a file with no CLK got the default length: give it the others' */
    for (i = 0; i < s->n; i++) {
        if (s->set[i].n == 0 && s->set[i].nbits != (bytes * 8 + 63) / 64 * 64) {
            dice_clks_release(&s->set[i]);
            if (dice_clks_init(&s->set[i], (bytes * 8 + 63) / 64 * 64, 0) < 0)
                return err_set(e, ERR_INVALID, "'%s': cannot hold its CLKs", files[i]);
        }
    }
    s->clk_bits = (unsigned)(bytes * 8);
    return 0;
}

/* ==== Loading: the hub ==== */

struct sub_check {
    struct sources *s;
    char first_agency[256];
    int64_t first_id;
    uint64_t nsub;
    struct err *e;
};

static int check_submission(int64_t id, const struct store_submission *sub, uint64_t nrecords,
                            void *arg)
{
    struct sub_check *c = arg;
    size_t i;

    (void)nrecords;
    if (c->nsub == 0) {
        str_copy(c->s->schema_hash, sub->schema_hash, sizeof(c->s->schema_hash));
        c->s->clk_bits = sub->clk_bits;
        str_copy(c->first_agency, sub->agency, sizeof(c->first_agency));
        c->first_id = id;
    } else if (strcmp(sub->schema_hash, c->s->schema_hash) != 0) {
        return err_set(c->e, ERR_INVALID,
                       "submissions were encoded under different linkage schemas: '%s' "
                       "(submission %lld) used schema %.12s..., '%s' (submission %lld) used "
                       "%.12s...; every agency must encode with the same schema and secret",
                       c->first_agency, (long long)c->first_id, c->s->schema_hash, sub->agency,
                       (long long)id, sub->schema_hash);
    } else if (sub->clk_bits != c->s->clk_bits) {
        return err_set(c->e, ERR_INVALID,
                       "submissions hold CLKs of different lengths: '%s' (submission %lld) %u "
                       "bits, '%s' (submission %lld) %u bits",
                       c->first_agency, (long long)c->first_id, c->s->clk_bits, sub->agency,
                       (long long)id, sub->clk_bits);
    }
    if (sub->clk_bits == 0 || sub->clk_bits > DICE_MAX_BITS || sub->clk_bits % 8 != 0)
        return err_set(c->e, ERR_INVALID, "submission %lld has CLKs of %u bits", (long long)id,
                       sub->clk_bits);
    /* one source per agency (an agency has one active submission) */
    for (i = 0; i < c->s->n; i++) {
        if (strcmp(c->s->name[i], sub->agency) == 0)
            break;
    }
    if (i == c->s->n) {
        c->s->name = xrealloc(c->s->name, (c->s->n + 1) * sizeof(char *));
        c->s->name[c->s->n++] = xstrdup(sub->agency);
    }
    c->nsub++;
    return 0;
}

/* Records of one agency while they are read. */
struct growing {
    uint8_t *clk;
    int64_t *id;
    size_t n, alloc;
};

struct rec_load {
    struct sources *s;
    struct growing *g;
    size_t bytes;
    struct err *e;
};

static int load_record(const struct store_hub_record *r, void *arg)
{
    struct rec_load *l = arg;
    struct growing *g;
    size_t i;

    for (i = 0; i < l->s->n; i++) {
        if (strcmp(l->s->name[i], r->agency) == 0)
            break;
    }
    if (i == l->s->n)
        return err_set(l->e, ERR_CORRUPT, "hub record %lld belongs to no active submission",
                       (long long)r->id);
    if (r->clk_len != l->bytes)
        return err_set(l->e, ERR_CORRUPT,
                       "hub record %lld of '%s' has a CLK of %zu bytes, its submission says %zu",
                       (long long)r->id, r->agency, r->clk_len, l->bytes);
    g = &l->g[i];
    if (g->n == g->alloc) {
        g->alloc = g->alloc == 0 ? 1024 : st_mult(g->alloc, 2);
        g->clk = xrealloc(g->clk, st_mult(g->alloc, l->bytes));
        g->id = xrealloc(g->id, st_mult(g->alloc, sizeof(int64_t)));
    }
    memcpy(g->clk + g->n * l->bytes, r->clk, l->bytes);
    g->id[g->n] = r->id;
    g->n++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_hub(struct store *st, struct sources *s, struct err *e)
{
    struct sub_check c;
    struct rec_load l;
    uint8_t *row = NULL;
    size_t i, j, nbits;
    int rc;

    memset(&c, 0, sizeof(c));
    c.s = s;
    c.e = e;
    rc = store_submission_each(st, check_submission, &c, e);
    if (rc != 0)
        return rc < 0 ? rc : ERR_INVALID;
    if (c.nsub == 0)
        return err_set(e, ERR_NOTFOUND,
                       "the hub holds no submission to link (add them with 'tiphub hub add')");
    qsort(s->name, s->n, sizeof(char *), cmp_names); /* sources in agency-name order */
    memset(&l, 0, sizeof(l));
    l.s = s;
    l.bytes = s->clk_bits / 8;
    l.e = e;
    l.g = xcalloc(s->n, sizeof(*l.g));
    rc = store_hub_record_each(st, load_record, &l, e);
    if (rc > 0)
        rc = ERR_INVALID;
    nbits = (l.bytes * 8 + 63) / 64 * 64;
    s->set = xcalloc(s->n, sizeof(*s->set));
    s->record_id = xcalloc(s->n, sizeof(int64_t *));
    row = xcalloc(nbits / 8 + 1, 1);
    for (i = 0; i < s->n && rc == 0; i++) {
        rc = dice_clks_init(&s->set[i], nbits, l.g[i].n);
        if (rc < 0) {
            rc = err_set(e, rc, "agency '%s' has too many records", s->name[i]);
            break;
        }
        for (j = 0; j < l.g[i].n; j++) {
            memcpy(row, l.g[i].clk + j * l.bytes, l.bytes);
            dice_clks_set_bytes(&s->set[i], j, row);
        }
        s->record_id[i] = l.g[i].id;
        l.g[i].id = NULL;
    }
    for (i = 0; i < s->n; i++) {
        free(l.g[i].clk);
        free(l.g[i].id);
    }
    free(l.g);
    free(row);
    return rc;
}

/* ==== Linking ==== */

static int run_link(const struct link_cli *o, const struct sources *s, struct link_result *res,
                    struct err *e)
{
    struct progress prog;
    struct link_opts lo = o->lo;
    int rc;

    progress_start(&prog, "linking", 0);
    lo.progress = on_progress;
    lo.progress_arg = &prog;
    rc = link_run(s->set, s->n, &lo, res, e);
    progress_finish(&prog);
    if (rc == ERR_TOOBIG)
        rc = err_set(e, ERR_TOOBIG,
                     "more than %zu pairs score %s or more: raise --threshold (see 'tiphub link "
                     "--diagnose') or --max-pairs",
                     o->lo.max_pairs, o->threshold);
    return rc;
}

static json_t *summary_json(const struct link_cli *o, const struct sources *s,
                            const struct link_result *res)
{
    char blocking[64];
    json_t *src = json_array();
    size_t i;

    link_blocking_name(&o->lo, blocking, sizeof(blocking));
    for (i = 0; i < s->n; i++)
        json_array_append_new(
            src, json_pack("{s:s,s:I}", "name", s->name[i], "records", (json_int_t)s->set[i].n));
    return json_pack(
        "{s:I,s:I,s:o,s:s,s:s,s:s,s:i,s:s,s:I,s:I,s:I,s:f,s:f}", "records", (json_int_t)res->n,
        "persons", (json_int_t)res->npersons, "sources", src, "method",
        link_method_name(link_method_resolve(o->lo.method, s->n)), "threshold", o->threshold,
        "agency_threshold", o->agency_threshold, "support", (int)o->lo.support, "blocking",
        blocking, "comparisons", (json_int_t)res->stats.comparisons, "candidates",
        (json_int_t)res->stats.candidates, "accepted", (json_int_t)res->stats.accepted,
        "seconds_search", res->stats.seconds_search, "seconds_solve", res->stats.seconds_solve);
}

/* The summary for a person: to stdout after --db, to stderr after --clks (whose
 * stdout may be the CSV). */
static void print_summary(const struct link_cli *o, const struct sources *s,
                          const struct link_result *res, int64_t run_id, FILE *out)
{
    char blocking[64];

    if (o->common.quiet)
        return;
    link_blocking_name(&o->lo, blocking, sizeof(blocking));
    fprintf(out, "%zu persons found among %zu records from %zu %s", res->npersons, res->n, s->n,
            o->clks ? (s->n == 1 ? "file" : "files") : (s->n == 1 ? "agency" : "agencies"));
    if (run_id > 0)
        fprintf(out, " (link run %lld)", (long long)run_id);
    fprintf(out,
            "\n%s, threshold %s, agency threshold %s, support %u%%; %s search: %llu "
            "comparisons, %llu candidate pairs, %.2f s\n",
            link_method_name(link_method_resolve(o->lo.method, s->n)), o->threshold,
            o->agency_threshold, o->lo.support, blocking,
            (unsigned long long)res->stats.comparisons, (unsigned long long)res->stats.candidates,
            res->stats.seconds_search + res->stats.seconds_solve);
}

/* Write file,row,person for every record, to path ("-": stdout) via a temporary file. */
static int write_csv(const char *path, const struct sources *s, const struct link_result *res,
                     struct err *e)
{
    FILE *out = stdout;
    char *tmp = NULL;
    size_t f, r, g = 0;
    int rc = 0;

    if (strcmp(path, "-") != 0) {
        size_t n = strlen(path) + 32;
        tmp = xmalloc(n);
        snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
        out = fopen(tmp, "wb");
        if (out == NULL) {
            rc = err_set(e, err_from_errno(errno), "cannot create '%s': %s", tmp, strerror(errno));
            free(tmp);
            return rc;
        }
    }
    fputs("file,row,person\n", out);
    for (f = 0; f < s->n; f++) {
        for (r = 0; r < s->set[f].n; r++, g++)
            fprintf(out, "%zu,%zu,%u\n", f, r, res->person[g]);
    }
    if (fflush(out) != 0 || ferror(out))
        rc = err_set(e, ERR_IO, "cannot write '%s'", path);
    if (tmp != NULL) {
        if (fclose(out) != 0 && rc == 0)
            rc = err_set(e, ERR_IO, "cannot write '%s'", path);
        if (rc == 0 && rename(tmp, path) != 0)
            rc = err_set(e, err_from_errno(errno), "cannot rename '%s' to '%s': %s", tmp, path,
                         strerror(errno));
        if (rc < 0)
            unlink(tmp);
        free(tmp);
    }
    return rc;
}

/* Record the run and every record's person in the hub, in one transaction. */
static int store_run(struct store *st, const struct link_cli *o, const struct sources *s,
                     const struct link_result *res, int64_t *run_id, struct err *e)
{
    struct store_link_run run;
    char method[96], blocking[64];
    size_t i, j, g = 0;
    int rc;

    link_blocking_name(&o->lo, blocking, sizeof(blocking));
    snprintf(method, sizeof(method), "%s-%s-support%u", blocking,
             link_method_name(link_method_resolve(o->lo.method, s->n)), o->lo.support);
    memset(&run, 0, sizeof(run));
    run.threshold = o->threshold;
    run.agency_threshold = o->agency_threshold;
    run.method = method;
    run.nrecords = res->n;
    run.npersons = res->npersons;
    run.ncomparisons = res->stats.comparisons;
    run.npairs = res->stats.candidates;
    run.seconds = res->stats.seconds_search + res->stats.seconds_solve;
    rc = store_begin(st, e);
    if (rc < 0)
        return rc;
    rc = store_link_run_add(st, &run, run_id, e);
    for (i = 0; i < s->n && rc == 0; i++) {
        for (j = 0; j < s->set[i].n && rc == 0; j++, g++)
            rc = store_person_member_add(st, *run_id, s->record_id[i][j],
                                         (int64_t)res->person[g] + 1, e);
    }
    if (rc == 0)
        rc = store_commit(st, e);
    if (rc < 0)
        store_rollback(st);
    return rc;
}

/* ==== Diagnostics ==== */

static json_t *diag_json(const struct link_diag *d)
{
    json_t *bins = json_array();
    unsigned k;
    char label[16];

    for (k = d->first_bin; k < LINK_DIAG_BINS; k++) {
        snprintf(label, sizeof(label), "%u.%02u", k / 100, k % 100);
        json_array_append_new(
            bins, json_pack("{s:s,s:I,s:I,s:I,s:I}", "threshold", label, "pairs",
                            (json_int_t)d->pairs[k], "within", (json_int_t)d->within[k], "best",
                            (json_int_t)d->best[k], "persons", (json_int_t)d->persons[k]));
    }
    return json_pack("{s:I,s:I,s:s,s:I,s:I,s:[IIIIIII],s:I,s:o}", "records", (json_int_t)d->records,
                     "sources", (json_int_t)d->sources, "method", link_method_name(d->method),
                     "no_candidate", (json_int_t)d->no_candidate, "comparisons",
                     (json_int_t)d->stats.comparisons, "candidates_per_record",
                     (json_int_t)d->cand[0], (json_int_t)d->cand[1], (json_int_t)d->cand[2],
                     (json_int_t)d->cand[3], (json_int_t)d->cand[4], (json_int_t)d->cand[5],
                     (json_int_t)d->cand[6], "candidates_max", (json_int_t)d->cand_max, "bins",
                     bins);
}

static int write_to(const char *path, int (*fn)(const struct link_diag *, FILE *),
                    const struct link_diag *d, struct err *e)
{
    FILE *f = fopen(path, "wb");
    int rc;

    if (f == NULL)
        return err_set(e, err_from_errno(errno), "cannot create '%s': %s", path, strerror(errno));
    rc = fn(d, f);
    if (fclose(f) != 0 || rc < 0)
        return err_set(e, ERR_IO, "cannot write '%s'", path);
    return 0;
}

static int run_diagnose(const struct link_cli *o, const struct sources *s, struct err *e)
{
    struct link_diag *d = xcalloc(1, sizeof(*d));
    struct dice_threshold floor;
    struct progress prog;
    struct link_opts lo = o->lo;
    int rc;

    rc = dice_threshold_parse(o->floor, &floor, e);
    if (rc < 0) {
        err_prefix(e, "--floor");
        goto out;
    }
    progress_start(&prog, "scoring", 0);
    lo.progress = on_progress;
    lo.progress_arg = &prog;
    rc = link_diagnose(s->set, s->n, &lo, &floor, d, e);
    progress_finish(&prog);
    if (rc == ERR_TOOBIG)
        err_set(e, ERR_TOOBIG,
                "more than %zu pairs score %s or more: raise --floor (0.7 suits a hub of "
                "hundreds of thousands of records) or --max-pairs",
                o->lo.max_pairs, o->floor);
    if (rc < 0)
        goto out;
    if (o->csv != NULL)
        rc = write_to(o->csv, link_diag_write_csv, d, e);
    if (rc == 0 && o->svg != NULL)
        rc = write_to(o->svg, link_diag_write_svg, d, e);
    if (rc < 0)
        goto out;
    if (o->common.json)
        cli_print_json(diag_json(d));
    else if (!o->common.quiet && link_diag_write_text(d, stdout) < 0)
        rc = err_set(e, ERR_IO, "cannot write to standard output");
out:
    free(d);
    return rc;
}

/* ==== Options ==== */

static int parse_options(int argc, char **argv, struct link_cli *o)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"clks", no_argument, NULL, OPT_CLKS},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"agency-threshold", required_argument, NULL, OPT_AGENCY_THRESHOLD},
        {"support", required_argument, NULL, OPT_SUPPORT},
        {"blocking", required_argument, NULL, OPT_BLOCKING},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"max-pairs", required_argument, NULL, OPT_MAX_PAIRS},
        {"diagnose", no_argument, NULL, OPT_DIAGNOSE},
        {"floor", required_argument, NULL, OPT_FLOOR},
        {"csv", required_argument, NULL, OPT_CSV},
        {"svg", required_argument, NULL, OPT_SVG},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    struct err e;
    uint64_t v;

    err_init(&e);
    for (;;) {
        int c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL);
        if (c == -1)
            break;
        if (cli_common_option(c, optarg, &o->common))
            continue;
        switch (c) {
        case OPT_CLKS:
            o->clks = true;
            break;
        case OPT_THRESHOLD:
            o->threshold = optarg;
            o->threshold_given = true;
            break;
        case OPT_AGENCY_THRESHOLD:
            o->agency_threshold = optarg;
            break;
        case OPT_SUPPORT:
            if (str_to_u64(optarg, strlen(optarg), 100, &v) < 0)
                return cli_usage_error("link", "--support takes a percentage, 0 to 100");
            o->lo.support = (unsigned)v;
            break;
        case OPT_BLOCKING:
            if (link_blocking_parse(optarg, &o->lo, &e) < 0)
                return cli_usage_error("link", "%s", e.msg);
            break;
        case OPT_THREADS:
            if (str_to_u64(optarg, strlen(optarg), 1024, &v) < 0 || v == 0)
                return cli_usage_error("link", "--threads takes a number from 1 to 1024");
            o->lo.nthreads = (unsigned)v;
            break;
        case OPT_MAX_PAIRS:
            if (str_to_u64(optarg, strlen(optarg), SIZE_MAX / 32, &v) < 0 || v == 0)
                return cli_usage_error("link", "--max-pairs takes a positive number");
            o->lo.max_pairs = (size_t)v;
            break;
        case OPT_DIAGNOSE:
            o->diagnose = true;
            break;
        case OPT_FLOOR:
            o->floor = optarg;
            break;
        case OPT_CSV:
            o->csv = optarg;
            break;
        case OPT_SVG:
            o->svg = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        default:
            return cli_bad_option("link", argv);
        }
    }
    if (dice_threshold_parse(o->threshold, &o->lo.threshold, &e) < 0)
        return cli_usage_error("link", "--threshold: %s", e.msg);
    if (dice_threshold_parse(o->agency_threshold, &o->lo.agency_threshold, &e) < 0)
        return cli_usage_error("link", "--agency-threshold: %s", e.msg);
    if (o->lo.threshold.p == 0)
        return cli_usage_error("link", "--threshold 0 would join every record: give a threshold "
                                       "above 0");
    return -1; /* parsed; go on */
}

int cli__run_link(int argc, char **argv)
{
    struct link_cli o;
    struct sources s;
    struct link_result res;
    struct store *st = NULL;
    struct err e;
    int64_t run_id = 0;
    int rc, code;

    memset(&o, 0, sizeof(o));
    memset(&s, 0, sizeof(s));
    link_result_init(&res);
    link_opts_init(&o.lo);
    o.lo.max_pairs = DEFAULT_MAX_PAIRS;
    o.threshold = LINK_DEFAULT_THRESHOLD;
    o.agency_threshold = LINK_DEFAULT_AGENCY_THRESHOLD;
    o.floor = DEFAULT_FLOOR;
    o.output = "-";
    code = parse_options(argc, argv, &o);
    if (code >= 0)
        return code;
    if (o.common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (o.clks && o.common.db != NULL)
        return cli_usage_error("link", "give --db or --clks, not both");
    if (o.clks && optind >= argc)
        return cli_usage_error("link", "--clks needs at least one CLK file");
    if (!o.clks && optind < argc)
        return cli_usage_error("link", "unexpected argument '%s' (CLK files need --clks)",
                               argv[optind]);
    if (!o.clks && strcmp(o.output, "-") != 0)
        return cli_usage_error("link", "-o is for --clks; with --db the persons go to the hub");
    if (!o.diagnose && (o.csv != NULL || o.svg != NULL))
        return cli_usage_error("link", "--csv and --svg are for --diagnose");
    if (o.clks && !o.diagnose && o.common.json && strcmp(o.output, "-") == 0)
        return cli_usage_error("link", "--json prints a summary on stdout: write the CSV "
                                       "elsewhere with -o FILE");
    if ((size_t)(argc - optind) > LINK_MAX_SOURCES)
        return cli_usage_error("link", "at most %u files", LINK_MAX_SOURCES);

    err_init(&e);
    if (o.clks) {
        rc = load_clk_files(argv + optind, (size_t)(argc - optind), &s, &e);
        if (rc == 0 && o.lo.method == LINK_AUTO && s.n != 2)
            o.lo.method = LINK_GROUP;
    } else {
        rc = store_open(cli_db_path(&o.common), 0, &st, &e);
        if (rc == 0)
            rc = load_hub(st, &s, &e);
        o.lo.method = LINK_GROUP; /* agencies re-register people: always grouping */
    }
    if (rc < 0)
        goto fail;
    log_info("linking %zu records from %zu sources", sources_total(&s), s.n);
    if (!o.diagnose && sources_total(&s) > LARGE_HUB_RECORDS && !o.threshold_given)
        log_warn("%zu records at the default threshold %s, which was chosen on a few thousand: "
                 "on a large hub it joins different people who look alike. Choose the "
                 "threshold with 'tiphub link --diagnose' (docs/LINKAGE.md, 'Large hubs')",
                 sources_total(&s), LINK_DEFAULT_THRESHOLD);
    if (o.diagnose) {
        rc = run_diagnose(&o, &s, &e);
        if (rc < 0)
            goto fail;
        code = EXIT_OK;
        goto out;
    }
    rc = run_link(&o, &s, &res, &e);
    if (rc == 0 && o.clks)
        rc = write_csv(o.output, &s, &res, &e);
    if (rc == 0 && !o.clks)
        rc = store_run(st, &o, &s, &res, &run_id, &e);
    if (rc < 0)
        goto fail;
    if (o.common.json) {
        json_t *j = summary_json(&o, &s, &res);
        if (!o.clks)
            json_object_set_new(j, "run", json_integer(run_id));
        else
            json_object_set_new(j, "output", json_string(o.output));
        cli_print_json(j);
    } else {
        print_summary(&o, &s, &res, run_id, o.clks ? stderr : stdout);
    }
    code = EXIT_OK;
    goto out;
fail:
    code = cli_fail(&o.common, &e);
out:
    link_result_release(&res);
    sources_release(&s);
    store_close(st);
    return code;
}
