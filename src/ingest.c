/*
 * ingest.c: importing one case file into an agency store.
 *
 * The steps, for one file:
 *   1. Hash the file (SHA-256, kept in the imports log) and measure it for the
 *      progress bar.
 *   2. Read the header (CSV) and plan where each column goes; refuse the file as a
 *      whole only when no row could be stored anyway: no header, no case_ref
 *      column, no agency.
 *   3. In one transaction: for each row, build a record and validate it. A good
 *      row is stored (insert, update with the old revision kept, or unchanged); a
 *      bad one is quarantined whole with every reason. A malformed record (a stray
 *      quote, a row over the size limit) is quarantined too. A case_ref that
 *      repeats within the file is quarantined: which of the two is right is for a
 *      person to say.
 *   4. Commit. The counts obey read == stored + quarantined, which is checked
 *      before the commit; a mismatch is a bug and rolls everything back.
 *
 * One transaction per file is the kill-safety: SQLite's WAL makes a transaction
 * that did not commit vanish when the store is next opened.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "csv.h"
#include "date.h"
#include "hmap.h"
#include "ingest_int.h"
#include "jsonl.h"
#include "log.h"
#include "progress.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

#define HASH_CHUNK (1u << 20)

int ingest__hash_file(const char *path, char hex[65], uint64_t *size, struct err *e)
{
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *ctx = NULL;
    unsigned char md[32];
    unsigned char *chunk = NULL;
    unsigned int mdlen = 0;
    size_t n;
    int rc = 0;
    size_t i;

    *size = 0;
    if (f == NULL)
        return err_set(e, err_from_errno(errno), "cannot open '%s': %s", path, strerror(errno));
    ctx = EVP_MD_CTX_new();
    chunk = xmalloc(HASH_CHUNK);
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rc = err_set(e, ERR_INVALID, "cannot start SHA-256");
        goto out;
    }
    for (;;) {
        n = fread(chunk, 1, HASH_CHUNK, f);
        if (n > 0) {
            EVP_DigestUpdate(ctx, chunk, n);
            *size += n;
        }
        if (n < HASH_CHUNK)
            break;
    }
    if (ferror(f)) {
        rc = err_set(e, ERR_IO, "cannot read '%s'", path);
        goto out;
    }
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
    EVP_MD_CTX_free(ctx);
    free(chunk);
    fclose(f);
    return rc;
}

static enum ingest_format detect_format(const char *path, FILE *f)
{
    size_t n = strlen(path);
    int c;

    if (n >= 4 && strcmp(path + n - 4, ".csv") == 0)
        return INGEST_CSV;
    if ((n >= 6 && strcmp(path + n - 6, ".jsonl") == 0) ||
        (n >= 7 && strcmp(path + n - 7, ".ndjson") == 0))
        return INGEST_JSONL;
    /* Sniff: JSON Lines start with '{' after optional blanks. */
    for (;;) {
        c = fgetc(f);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
    }
    rewind(f);
    return c == '{' ? INGEST_JSONL : INGEST_CSV;
}

static void warn(struct ingest_importer *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(struct ingest_importer *im, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (im->opt->on_warning != NULL)
        im->opt->on_warning(im->path, msg, im->opt->cb_arg);
}

/* Set a row aside: store it in quarantine and report it. */
static int quarantine(struct ingest_importer *im, uint64_t line, const char *raw, size_t raw_len,
                      bool truncated, uint64_t total, const struct rec_issues *issues,
                      const char *const *names, size_t ncols, const char *agency, struct err *e)
{
    struct store_quarantine_row q;
    char *reasons = ingest__reasons_json(issues, line);
    bool added = false;
    int rc;

    if (im->retry_id != 0) {
        /* A corrected row that still fails: the entry keeps the new attempt. */
        rc = store_quarantine_update(im->store, im->retry_id, raw, raw_len, reasons, e);
        free(reasons);
        if (rc < 0)
            return rc;
        im->counts.quarantined++;
        goto report;
    }
    memset(&q, 0, sizeof(q));
    q.import_id = im->import_id;
    q.agency = agency;
    q.source = im->path;
    q.format = im->format_name;
    q.line = line;
    q.raw = raw;
    q.raw_len = raw_len;
    q.raw_truncated = truncated;
    q.raw_total = total;
    q.reasons = reasons;
    rc = store_quarantine_add(im->store, &q, &added, e);
    free(reasons);
    if (rc < 0)
        return rc;
    im->counts.quarantined++;
report:
    if (im->opt->on_reject != NULL) {
        struct ingest_rejection rj;
        rj.source = im->path;
        rj.line = line;
        rj.issues = issues;
        rj.column_names = names;
        rj.ncolumns = ncols;
        im->opt->on_reject(&rj, im->opt->cb_arg);
    }
    return 0;
}

static int agency_id(struct ingest_importer *im, const struct rec *r, int64_t *id, struct err *e)
{
    const char *name = r->val[REC_F_ORG_NAME];
    const char *type = r->val[REC_F_ORG_TYPE];
    const char *country = r->val[REC_F_ORG_COUNTRY];
    struct buf key;
    uint64_t v;
    int rc = 0;

    /* Rows repeat their agency's name, type and country: record each triple once. */
    buf_init(&key, 4 * (size_t)REC_TEXT_MAX);
    buf_puts(&key, name);
    buf_putc(&key, '\0');
    buf_puts(&key, type != NULL ? type : "");
    buf_putc(&key, '\0');
    buf_puts(&key, country != NULL ? country : "");
    if (hmap_get(&im->agencies, key.data, key.len, &v)) {
        *id = (int64_t)v;
    } else {
        rc = store_agency_ensure(im->store, name, type, country, id, e);
        if (rc == 0)
            hmap_put(&im->agencies, key.data, key.len, (uint64_t)*id, NULL);
    }
    buf_release(&key);
    return rc;
}

/*
 * A validated row: store it, unless its case_ref repeats an earlier row of this
 * file. The store tells a repeat of a row this import inserted or updated
 * (STORE_PUT_REPEATED); a repeat of a row that was unchanged (a re-import) is
 * caught by im->seen, which holds only those, so a first import pays nothing.
 */
static int store_row(struct ingest_importer *im, const struct rec *r, struct rec_issues *is,
                     uint64_t line, const char *raw, size_t raw_len, bool truncated, uint64_t total,
                     const char *const *names, size_t ncols, struct err *e)
{
    struct buf key;
    enum store_put_result put = STORE_PUT_REPEATED;
    int64_t aid = 0;
    int64_t case_id = 0;
    int rc;

    buf_init(&key, 4 * (size_t)REC_TEXT_MAX);
    buf_puts(&key, r->val[REC_F_ORG_NAME]);
    buf_putc(&key, '\0');
    buf_puts(&key, r->val[REC_F_CASE_REF]);
    rc = agency_id(im, r, &aid, e);
    if (rc == 0 && !hmap_get(&im->seen, key.data, key.len, NULL))
        rc = store_case_put(im->store, im->import_id, aid, r, &put, &case_id, e);
    if (rc == 0 && put == STORE_PUT_UNCHANGED)
        hmap_put(&im->seen, key.data, key.len, line, NULL);
    buf_release(&key);
    if (rc < 0)
        return rc;
    if (put == STORE_PUT_REPEATED) {
        rec_issues_add(is, REC_F_CASE_REF, 0, "case_ref repeats an earlier row of this file");
        return quarantine(im, line, raw, raw_len, truncated, total, is, names, ncols,
                          r->val[REC_F_ORG_NAME], e);
    }
    if (im->retry_id != 0) {
        rc = store_quarantine_resolve(im->store, im->retry_id, case_id, e);
        if (rc < 0)
            return rc;
    }
    im->counts.stored++;
    if (put == STORE_PUT_INSERTED)
        im->counts.inserted++;
    else if (put == STORE_PUT_UPDATED)
        im->counts.updated++;
    else
        im->counts.unchanged++;
    return 0;
}

/* Check and store or quarantine the row now in im->row. */
int ingest__take_checked(struct ingest_importer *im, const struct rec *r, struct rec_issues *is,
                         uint64_t line, const char *raw, size_t raw_len, bool truncated,
                         uint64_t total, const char *const *names, size_t ncols, struct err *e)
{
    im->counts.read++;
    if (is->n > 0) {
        const char *agency = r->val[REC_F_ORG_NAME];
        return quarantine(im, line, raw, raw_len, truncated, total, is, names, ncols,
                          agency != NULL ? agency : im->opt->agency, e);
    }
    return store_row(im, r, is, line, raw, raw_len, truncated, total, names, ncols, e);
}

int ingest__take_row(struct ingest_importer *im, uint64_t line, const char *raw, size_t raw_len,
                     bool truncated, uint64_t total, const char *const *names, size_t ncols,
                     struct err *e)
{
    rec_check(&im->row.rec, im->today, &im->row.issues);
    return ingest__take_checked(im, &im->row.rec, &im->row.issues, line, raw, raw_len, truncated,
                                total, names, ncols, e);
}

/* A record the parser could not read: quarantined with the parser's reason. */
int ingest__take_malformed(struct ingest_importer *im, uint64_t line, size_t column,
                           const char *raw, size_t raw_len, bool truncated, uint64_t total,
                           const char *why, const char *const *names, size_t ncols, struct err *e)
{
    im->counts.read++;
    rec_issues_reset(&im->row.issues);
    rec_issues_add(&im->row.issues, -1, column, "%s", why);
    if (truncated)
        rec_issues_add(&im->row.issues, -1, 0,
                       "only the first %zu of %llu bytes are kept in quarantine", raw_len,
                       (unsigned long long)total);
    return quarantine(im, line, raw, raw_len, truncated, total, &im->row.issues, names, ncols,
                      im->opt->agency, e);
}

/* ---- CSV ---- */

static int check_header(struct ingest_importer *im, const struct csv_record *hdr,
                        const struct ingest_plan *plan, struct err *e)
{
    size_t i;
    bool has_org = false;

    for (i = 0; i < hdr->nfields; i++) {
        if (memchr(hdr->fields[i].data, '\0', hdr->fields[i].len) != NULL)
            return err_set(e, ERR_INVALID, "'%s': the header has a NUL byte in column %zu",
                           im->path, i + 1);
    }
    if (plan->nsources[REC_F_CASE_REF] == 0)
        return err_set(e, ERR_INVALID,
                       "'%s' has no case_ref column (the agency's case reference, required); "
                       "columns are HTCDS names matched ignoring case, or use --map",
                       im->path);
    has_org = plan->nsources[REC_F_ORG_NAME] > 0;
    if (!has_org && im->opt->agency == NULL)
        return err_set(e, ERR_USAGE,
                       "'%s' has no org_Name column; say whose cases these are with --agency NAME",
                       im->path);
    return 0;
}

static void warn_about_columns(struct ingest_importer *im, const struct ingest_plan *plan)
{
    struct buf unknown;
    size_t i, j;

    buf_init(&unknown, 4096);
    for (i = 0; i < plan->ncols; i++) {
        const struct ingest_column *c = &plan->cols[i];
        if (c->field < 0 && c->rule == NULL)
            buf_printf(&unknown, "%s'%s'", unknown.len ? ", " : "", c->name);
        if (c->field >= 0 && (rec_fields[c->field].flags & REC_DEPRECATED))
            warn(im, "column %zu '%s' is deprecated in HTCDS 2.0", i + 1, c->name);
        for (j = 0; j < i; j++) {
            if (c->field >= 0 && plan->cols[j].field == c->field && c->rule == NULL)
                warn(im, "columns %zu and %zu both name %s; their values must agree", j + 1, i + 1,
                     rec_fields[c->field].name);
        }
    }
    if (unknown.len > 0)
        warn(im, "unknown columns kept with each case as extra data: %s", unknown.data);
    buf_release(&unknown);
}

static int import_csv(struct ingest_importer *im, FILE *f, struct ingest_file_result *res,
                      struct err *e)
{
    struct csv_options copt = {0};
    struct csv_reader *r = NULL;
    struct csv_record cr;
    struct ingest_plan plan;
    uint64_t n = 0;
    int rc;

    ingest__plan_init(&plan);
    copt.trim = true;
    copt.max_record = im->opt->max_record;
    rc = csv_open_file(&r, f, &copt);
    if (rc < 0) {
        err_set(e, rc, "cannot read '%s'", im->path);
        goto out;
    }
    rc = csv_next(r, &cr, e);
    if (rc == 0) {
        warn(im, "the file is empty");
        rc = store_import_start(im->store, im->path, "csv", im->sha256, NULL, 0, &im->import_id, e);
        goto out;
    }
    if (rc < 0) {
        if (rc != ERR_IO) {
            err_prefix(e, "'%s': cannot read the header", im->path);
            res->refused = true;
            rc = ERR_INVALID;
        }
        goto out;
    }
    for (size_t i = 0; i < cr.nfields; i++)
        ingest__plan_add(&plan, cr.fields[i].data, cr.fields[i].len, im->opt->map);
    ingest__plan_done(&plan, im->opt->map);
    rc = check_header(im, &cr, &plan, e);
    if (rc < 0) {
        res->refused = true;
        goto out;
    }
    warn_about_columns(im, &plan);
    rc = store_import_start(im->store, im->path, "csv", im->sha256, cr.raw, cr.raw_len,
                            &im->import_id, e);
    if (rc < 0)
        goto out;

    rc = ingest__pipe_csv(im, r, &plan, &n, e);
    if (rc < 0)
        goto out;
    if (n == 0)
        warn(im, "the file has a header but no rows");
    rc = 0;
out:
    csv_close(r);
    ingest__plan_release(&plan);
    return rc;
}

/* ---- JSON Lines ---- */

static int import_jsonl(struct ingest_importer *im, FILE *f, struct err *e)
{
    struct jsonl_reader *r = NULL;
    struct jsonl_record jr;
    struct ingest_plan plan;
    struct err rowerr;
    uint64_t n = 0;
    int rc;

    ingest__plan_init(&plan);
    rc = jsonl_open_file(&r, f, im->opt->max_record);
    if (rc < 0) {
        err_set(e, rc, "cannot read '%s'", im->path);
        goto out;
    }
    rc = store_import_start(im->store, im->path, "jsonl", im->sha256, NULL, 0, &im->import_id, e);
    if (rc < 0)
        goto out;
    for (;;) {
        err_init(&rowerr);
        rc = jsonl_next(r, &jr, &rowerr);
        if (rc == 0)
            break;
        if (rc == ERR_IO) {
            err_set(e, ERR_IO, "'%s': %s", im->path, rowerr.msg);
            goto out;
        }
        if (rc < 0) {
            rc = ingest__take_malformed(im, jr.line, jr.column, jr.raw, jr.raw_len,
                                        jr.raw_truncated, jr.raw_total, rowerr.msg, NULL, 0, e);
        } else {
            ingest__row_from_json(&im->row, jr.obj, im->opt->map, jr.line, im->opt->agency, &plan);
            if (im->opt->agency == NULL && im->row.rec.val[REC_F_ORG_NAME] == NULL)
                rec_issues_add(&im->row.issues, REC_F_ORG_NAME, 0,
                               "no org_Name, and no --agency was given");
            rc = ingest__take_row(im, jr.line, jr.raw, jr.raw_len, jr.raw_truncated, jr.raw_total,
                                  plan.names, plan.ncols, e);
        }
        if (rc < 0)
            goto out;
        if ((++n & 4095) == 0)
            progress_update(&im->progress, jsonl_bytes_read(r));
    }
    if (n == 0)
        warn(im, "the file is empty");
    rc = 0;
out:
    jsonl_close(r);
    ingest__plan_release(&plan);
    return rc;
}

/* ---- one file ---- */

static void today_text(const struct ingest_options *opt, char out[11]);

void ingest__importer_init(struct ingest_importer *im, struct store *s, const char *path,
                           const struct ingest_options *opt)
{
    memset(im, 0, sizeof(*im));
    im->store = s;
    im->opt = opt;
    im->path = path;
    ingest__row_init(&im->row);
    hmap_init(&im->seen);
    hmap_init(&im->agencies);
    today_text(opt, im->today);
}

void ingest__importer_release(struct ingest_importer *im)
{
    ingest__row_release(&im->row);
    hmap_release(&im->seen);
    hmap_release(&im->agencies);
}

static void today_text(const struct ingest_options *opt, char out[11])
{
    struct date d;

    if (opt->today != NULL) {
        str_copy(out, opt->today, 11);
        return;
    }
    date_today(&d);
    date_format(&d, out);
}

int ingest_file(struct store *s, const char *path, const struct ingest_options *opt,
                struct ingest_file_result *res, struct err *e)
{
    struct ingest_importer im;
    FILE *f = NULL;
    enum ingest_format format;
    int rc;

    memset(res, 0, sizeof(*res));
    ingest__importer_init(&im, s, path, opt);

    rc = ingest__hash_file(path, im.sha256, &im.size, e);
    if (rc < 0)
        goto out;
    f = fopen(path, "rb");
    if (f == NULL) {
        rc = err_set(e, err_from_errno(errno), "cannot open '%s': %s", path, strerror(errno));
        goto out;
    }
    format = opt->format != INGEST_AUTO ? opt->format : detect_format(path, f);
    im.format_name = format == INGEST_JSONL ? "jsonl" : "csv";
    if (opt->progress)
        progress_start(&im.progress, path, im.size);

    rc = store_begin(s, e);
    if (rc < 0)
        goto out;
    if (format == INGEST_JSONL)
        rc = import_jsonl(&im, f, e);
    else
        rc = import_csv(&im, f, res, e);
    if (rc == 0 && im.counts.read != im.counts.stored + im.counts.quarantined)
        rc = err_set(e, ERR_CORRUPT,
                     "BUG: '%s': %llu rows read but %llu stored and %llu quarantined; nothing "
                     "was imported",
                     path, (unsigned long long)im.counts.read, (unsigned long long)im.counts.stored,
                     (unsigned long long)im.counts.quarantined);
    if (rc == 0 && im.import_id != 0)
        rc = store_import_finish(s, im.import_id, &im.counts, e);
    if (rc == 0)
        rc = store_commit(s, e);
    if (rc < 0) {
        store_rollback(s);
        memset(&im.counts, 0, sizeof(im.counts));
    }
    progress_finish(&im.progress);
    res->counts = im.counts;
    res->import_id = im.import_id;
out:
    if (f != NULL)
        fclose(f);
    ingest__importer_release(&im);
    return rc;
}
