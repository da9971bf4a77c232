/*
 * submission_encode.c: from an agency's store to a submission for the hub
 * (`tiphub encode --db`).
 *
 * For every case of the agency: the values of the schema's features (each
 * feature's identifier names a field of the case record) are encoded into a CLK,
 * the coarse attributes are derived (rec_coarse), and the record gets a fresh
 * random reference. The references are remembered in the agency's store, in the
 * same transaction, committed only once the submission is written: so the agency
 * can always tell which case a reference stands for, and the hub never can.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "clk.h"
#include "progress.h"
#include "rec.h"
#include "submission.h"
#include "xalloc.h"

#include "banned.h"

struct encode_ctx {
    struct store *store;
    struct clk_encoder *enc;
    const struct submission_encode_opts *opt;
    struct submission_builder *builder;
    int *field_of; /* feature -> REC_F_*, or -1 for an ignored feature */
    size_t nfeatures;
    struct clk_value *values;
    uint8_t *clk;
    int64_t encoding_id;
    uint64_t records;
    uint64_t skipped;
    struct progress progress;
    struct err *e;
};

static int encode_case(const struct rec *r, int64_t case_id, void *arg)
{
    struct encode_ctx *c = arg;
    struct store_hub_record hr;
    struct rec_coarse coarse;
    struct err why;
    char ref[SUBMISSION_REF_LEN + 1];
    unsigned popcount = 0;
    size_t i;
    int rc;

    for (i = 0; i < c->nfeatures; i++) {
        const char *v = c->field_of[i] >= 0 ? r->val[c->field_of[i]] : NULL;
        c->values[i].data = v != NULL ? v : "";
        c->values[i].len = v != NULL ? strlen(v) : 0;
    }
    err_init(&why);
    rc = clk_encode(c->enc, c->values, c->nfeatures, c->clk, &popcount, &why);
    if (rc < 0) {
        if (!c->opt->skip_invalid)
            return err_set(c->e, rc, "case '%s': %s (use --skip-invalid to leave it out)",
                           r->val[REC_F_CASE_REF], why.msg);
        c->skipped++;
        if (c->opt->on_skip != NULL)
            c->opt->on_skip(r->val[REC_F_CASE_REF], why.msg, c->opt->arg);
        return 0;
    }
    rec_coarse(r, &coarse);
    memset(&hr, 0, sizeof(hr));
    hr.clk = c->clk;
    hr.clk_len = clk_encoder_bytes(c->enc);
    hr.popcount = popcount;
    hr.sex = coarse.sex;
    hr.age = coarse.age;
    hr.citizenship = coarse.citizenship;
    hr.detected_in = coarse.detected_in;
    hr.exploited_in = coarse.exploited_in;
    hr.forms = coarse.forms;
    hr.year = coarse.year;
    submission_builder_add(c->builder, &hr, ref);
    c->records++;
    if ((c->records & 1023) == 0)
        progress_update(&c->progress, c->records + c->skipped);
    return store_encoding_ref_add(c->store, c->encoding_id, ref, case_id, c->e);
}

/* The only agency of the store, for when none is named. */
static int only_agency(const char *name, const char *type, const char *country, uint64_t ncases,
                       void *arg)
{
    char **out = arg;
    (void)type;
    (void)country;
    (void)ncases;
    if (*out != NULL) {
        free(*out);
        *out = NULL;
        return 1; /* more than one */
    }
    *out = xstrdup(name);
    return 0;
}

static int map_features(const struct clk_schema *schema, int *field_of, struct err *e)
{
    size_t i;

    for (i = 0; i < clk_schema_nfeatures(schema); i++) {
        const char *id = clk_schema_identifier(schema, i);
        field_of[i] = -1;
        if (clk_schema_ignored(schema, i))
            continue;
        field_of[i] = rec_field_find(id, strlen(id));
        if (field_of[i] < 0)
            return err_set(e, ERR_INVALID,
                           "schema feature '%s' is not a field of the case record (see "
                           "include/rec_fields.h); encode --db reads fields by name",
                           id);
    }
    return 0;
}

int submission_encode_store(struct store *s, const struct clk_schema *schema,
                            struct clk_encoder *enc, const char *schema_hash,
                            const struct submission_encode_opts *opt, FILE *out,
                            const char *out_name, struct submission_encode_result *res,
                            struct err *e)
{
    struct encode_ctx c;
    char *agency = NULL;
    int rc;

    memset(res, 0, sizeof(*res));
    memset(&c, 0, sizeof(c));
    c.store = s;
    c.enc = enc;
    c.opt = opt;
    c.e = e;
    c.nfeatures = clk_schema_nfeatures(schema);
    CALLOC_ARRAY(c.field_of, c.nfeatures);
    CALLOC_ARRAY(c.values, c.nfeatures);
    c.clk = xmalloc(clk_encoder_bytes(enc));

    if (opt->agency != NULL) {
        agency = xstrdup(opt->agency);
    } else {
        rc = store_agency_each(s, only_agency, &agency, e);
        if (rc != 0 || agency == NULL) {
            rc = err_set(e, ERR_USAGE,
                         rc != 0 ? "the store holds several agencies: say which with --agency NAME"
                                 : "the store holds no agency (import its cases first)");
            goto out;
        }
    }
    rc = map_features(schema, c.field_of, e);
    if (rc < 0)
        goto out;
    c.builder = submission_builder_new(agency, schema_hash, (unsigned)clk_schema_l(schema),
                                       "tiphub " TIPHUB_VERSION_STRING);
    if (opt->progress) {
        uint64_t ncases = 0;
        if (store_case_count(s, agency, &ncases, NULL, e) == 0)
            progress_start(&c.progress, "encoding", ncases);
    }
    rc = store_begin(s, e);
    if (rc < 0)
        goto out;
    rc = store_encoding_add(s, agency, schema_hash, (unsigned)clk_schema_l(schema), 0, out_name,
                            &c.encoding_id, e);
    if (rc == 0)
        rc = store_case_each(s, agency, encode_case, &c, e);
    if (rc == 0 && c.records == 0 && c.skipped == 0)
        rc = err_set(e, ERR_NOTFOUND, "agency '%s' has no cases in this store", agency);
    if (rc == 0)
        rc = store_encoding_finish(s, c.encoding_id, c.records, e);
    if (rc == 0)
        rc = submission_builder_write(c.builder, out, e);
    if (rc == 0)
        rc = store_commit(s, e);
    if (rc != 0) {
        store_rollback(s);
        if (rc > 0)
            rc = ERR_INVALID;
        goto out;
    }
    progress_finish(&c.progress);
    submission_builder_header(c.builder, &res->header);
    res->skipped = c.skipped;
    res->encoding_id = c.encoding_id;
out:
    submission_builder_free(c.builder);
    free(agency);
    free(c.field_of);
    free(c.values);
    free(c.clk);
    return rc;
}

int submission_schema_hash(const char *json, size_t len, char hex[65], struct err *e)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    unsigned char md[32];
    unsigned int mdlen = 0;
    char *canonical;
    size_t i;

    if (root == NULL)
        return err_set(e, ERR_INVALID, "the schema is not JSON (line %d)", jerr.line);
    canonical = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(root);
    if (canonical == NULL)
        return err_set(e, ERR_INVALID, "cannot serialise the schema");
    EVP_Digest(canonical, strlen(canonical), md, &mdlen, EVP_sha256(), NULL);
    free(canonical);
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}
