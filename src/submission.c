/*
 * submission.c: writing and reading the file an agency sends to the hub (see
 * submission.h for the format).
 *
 * The builder keeps every record in memory until write, because the header carries
 * statistics over all of them and the order must be shuffled (Fisher-Yates with
 * libsodium's randombytes_uniform) so that the hub cannot learn anything from the
 * order in which an agency stores its cases. The reader is strict: unknown keys,
 * wrong types, CLKs of the wrong length and unknown codes are errors naming the
 * line and key. It is fuzzed by tests/fuzz/fuzz_submission.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "codes.h"
#include "jsonl.h"
#include "strutil.h"
#include "submission.h"
#include "xalloc.h"

#include "banned.h"

/* ---- writing ---- */

struct built_record {
    char ref[SUBMISSION_REF_LEN + 1];
    unsigned char *clk;
    unsigned popcount;
    char sex;
    char age;
    char *citizenship;
    char *detected_in;
    char *exploited_in;
    unsigned forms;
    int year;
};

struct submission_builder {
    char agency[256];
    char schema_hash[65];
    char encoder[64];
    unsigned clk_bits;
    struct built_record *v;
    size_t n;
    size_t alloc;
};

struct submission_builder *submission_builder_new(const char *agency, const char *schema_hash,
                                                  unsigned clk_bits, const char *encoder)
{
    struct submission_builder *b = xcalloc(1, sizeof(*b));

    str_copy(b->agency, agency, sizeof(b->agency));
    str_copy(b->schema_hash, schema_hash, sizeof(b->schema_hash));
    str_copy(b->encoder, encoder, sizeof(b->encoder));
    b->clk_bits = clk_bits;
    return b;
}

void submission_builder_free(struct submission_builder *b)
{
    size_t i;

    if (b == NULL)
        return;
    for (i = 0; i < b->n; i++) {
        free(b->v[i].clk);
        free(b->v[i].citizenship);
        free(b->v[i].detected_in);
        free(b->v[i].exploited_in);
    }
    free(b->v);
    free(b);
}

static char *dup_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? xstrdup(s) : NULL;
}

void submission_builder_add(struct submission_builder *b, const struct store_hub_record *r,
                            char *ref_out)
{
    struct built_record *br;
    unsigned char raw[SUBMISSION_REF_LEN / 2];

    ALLOC_GROW(b->v, b->n + 1, b->alloc);
    br = &b->v[b->n++];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(br->ref, sizeof(br->ref), raw, sizeof(raw));
    br->clk = xmemdup(r->clk, b->clk_bits / 8);
    br->popcount = r->popcount;
    br->sex = r->sex;
    br->age = r->age;
    br->citizenship = dup_or_null(r->citizenship);
    br->detected_in = dup_or_null(r->detected_in);
    br->exploited_in = dup_or_null(r->exploited_in);
    br->forms = r->forms;
    br->year = r->year;
    if (ref_out != NULL)
        memcpy(ref_out, br->ref, sizeof(br->ref));
}

void submission_builder_header(const struct submission_builder *b, struct submission_header *h)
{
    double sum = 0, sumsq = 0;
    size_t i;

    memset(h, 0, sizeof(*h));
    str_copy(h->agency, b->agency, sizeof(h->agency));
    str_copy(h->schema_hash, b->schema_hash, sizeof(h->schema_hash));
    str_copy(h->encoder, b->encoder, sizeof(h->encoder));
    h->clk_bits = b->clk_bits;
    h->records = b->n;
    h->popcount_min = b->n > 0 ? b->clk_bits : 0;
    for (i = 0; i < b->n; i++) {
        unsigned p = b->v[i].popcount;
        sum += p;
        sumsq += (double)p * p;
        if (p < h->popcount_min)
            h->popcount_min = p;
        if (p > h->popcount_max)
            h->popcount_max = p;
    }
    if (b->n > 0) {
        double var;
        h->popcount_mean = sum / (double)b->n;
        var = sumsq / (double)b->n - h->popcount_mean * h->popcount_mean;
        h->popcount_sd = var > 0 ? sqrt(var) : 0;
        h->fill = h->popcount_mean / b->clk_bits;
    }
}

static json_t *list_json(const char *semi)
{
    json_t *arr = json_array();
    const char *p = semi;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ';');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        json_array_append_new(arr, json_stringn(p, len));
        p = end != NULL ? end + 1 : NULL;
    }
    return arr;
}

static json_t *forms_json(unsigned forms)
{
    json_t *arr = json_array();
    int f;

    for (f = 0; f < CODES_NFORMS; f++) {
        if (f != CODES_FORM_MIXED && (forms & (1u << f)))
            json_array_append_new(arr, json_string(codes_form_code((enum codes_form)f)));
    }
    return arr;
}

static int write_line(FILE *out, json_t *o)
{
    int rc = json_dumpf(o, out, JSON_COMPACT);
    json_decref(o);
    if (rc != 0 || fputc('\n', out) == EOF)
        return ERR_IO;
    return 0;
}

int submission_builder_write(struct submission_builder *b, FILE *out, struct err *e)
{
    struct submission_header h;
    size_t clk_bytes = b->clk_bits / 8;
    size_t b64_size = sodium_base64_encoded_len(clk_bytes, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(b64_size);
    char created[32];
    size_t i;
    int rc;
    time_t now = time(NULL);
    struct tm tm;

    /* Shuffle: the order of the file must say nothing about the agency's records. */
    for (i = b->n; i > 1; i--) {
        size_t j = randombytes_uniform((uint32_t)i);
        struct built_record tmp = b->v[i - 1];
        b->v[i - 1] = b->v[j];
        b->v[j] = tmp;
    }
    submission_builder_header(b, &h);
    gmtime_r(&now, &tm);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    rc = write_line(out, json_pack("{s:i,s:s,s:s,s:s,s:i,s:s,s:I,s:{s:f,s:f,s:i,s:i},s:f}",
                                   "tiphub_submission", SUBMISSION_VERSION, "agency", h.agency,
                                   "created_at", created, "schema_hash", h.schema_hash, "clk_bits",
                                   (int)h.clk_bits, "encoder", h.encoder, "records",
                                   (json_int_t)h.records, "popcount", "mean", h.popcount_mean, "sd",
                                   h.popcount_sd, "min", (int)h.popcount_min, "max",
                                   (int)h.popcount_max, "fill", h.fill));
    for (i = 0; rc == 0 && i < b->n; i++) {
        const struct built_record *br = &b->v[i];
        char sex[2] = {br->sex, '\0'};
        char age[2] = {br->age, '\0'};
        json_t *o;

        sodium_bin2base64(b64, b64_size, br->clk, clk_bytes, sodium_base64_VARIANT_ORIGINAL);
        o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s?,s:s?,s:o}", "ref", br->ref, "clk", b64, "sex", sex,
                      "age", age, "citizenship", list_json(br->citizenship), "detected_in",
                      br->detected_in, "exploited_in", br->exploited_in, "forms",
                      forms_json(br->forms));
        json_object_set_new(o, "year", br->year > 0 ? json_integer(br->year) : json_null());
        rc = write_line(out, o);
    }
    free(b64);
    if (rc == 0 && fflush(out) != 0)
        rc = ERR_IO;
    if (rc < 0)
        return err_set(e, ERR_IO, "cannot write the submission");
    return 0;
}

/* ---- reading ---- */

struct submission_reader {
    struct jsonl_reader *lines;
    struct submission_header header;
    unsigned char *clk; /* the current record's CLK */
    char ref[SUBMISSION_REF_LEN + 1];
    char citizenship[4 * 32]; /* up to 32 alpha-3 codes, ';'-separated */
    char detected_in[4];
    char exploited_in[4];
    uint64_t seen;
};

static int header_string(json_t *o, const char *key, char *out, size_t size, bool required,
                         struct err *e)
{
    json_t *v = json_object_get(o, key);

    if (v == NULL && !required) {
        out[0] = '\0';
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= size)
        return err_set(e, ERR_INVALID, "submission header: '%s' must be a string of 1 to %zu bytes",
                       key, size - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static bool is_hex(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static int read_header(struct submission_reader *r, struct err *e)
{
    static const char *const known[] = {"tiphub_submission", "agency",   "created_at",
                                        "schema_hash",       "clk_bits", "encoder",
                                        "records",           "popcount", "fill"};
    struct submission_header *h = &r->header;
    struct jsonl_record jr;
    const char *key;
    json_t *v;
    json_t *pc;
    int rc = jsonl_next(r->lines, &jr, e);

    if (rc == 0)
        return err_set(e, ERR_INVALID, "the submission is empty (no header line)");
    if (rc < 0) {
        err_prefix(e, "submission header (line %llu)", (unsigned long long)jr.line);
        return ERR_INVALID;
    }
    json_object_foreach(jr.obj, key, v)
    {
        size_t i;
        bool ok = false;
        for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok)
            return err_set(e, ERR_INVALID, "submission header: unknown key '%s'", key);
    }
    v = json_object_get(jr.obj, "tiphub_submission");
    if (!json_is_integer(v) || json_integer_value(v) != SUBMISSION_VERSION)
        return err_set(e, ERR_INVALID,
                       "not a tiphub submission of version %d (no \"tiphub_submission\": %d)",
                       SUBMISSION_VERSION, SUBMISSION_VERSION);
    rc = header_string(jr.obj, "agency", h->agency, sizeof(h->agency), true, e);
    if (rc == 0)
        rc = header_string(jr.obj, "created_at", h->created_at, sizeof(h->created_at), false, e);
    if (rc == 0)
        rc = header_string(jr.obj, "schema_hash", h->schema_hash, sizeof(h->schema_hash), true, e);
    if (rc == 0)
        rc = header_string(jr.obj, "encoder", h->encoder, sizeof(h->encoder), false, e);
    if (rc < 0)
        return rc;
    if (strlen(h->schema_hash) != 64 || !is_hex(h->schema_hash, 64))
        return err_set(e, ERR_INVALID, "submission header: 'schema_hash' must be 64 hex digits");
    v = json_object_get(jr.obj, "clk_bits");
    if (!json_is_integer(v) || json_integer_value(v) < 8 || json_integer_value(v) > 65536 ||
        json_integer_value(v) % 8 != 0)
        return err_set(e, ERR_INVALID,
                       "submission header: 'clk_bits' must be a multiple of 8 from 8 to 65536");
    h->clk_bits = (unsigned)json_integer_value(v);
    v = json_object_get(jr.obj, "records");
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return err_set(e, ERR_INVALID, "submission header: 'records' must be a count");
    h->records = (uint64_t)json_integer_value(v);
    pc = json_object_get(jr.obj, "popcount");
    if (pc != NULL) {
        if (!json_is_object(pc))
            return err_set(e, ERR_INVALID, "submission header: 'popcount' must be an object");
        h->popcount_mean = json_number_value(json_object_get(pc, "mean"));
        h->popcount_sd = json_number_value(json_object_get(pc, "sd"));
        h->popcount_min = (unsigned)json_integer_value(json_object_get(pc, "min"));
        h->popcount_max = (unsigned)json_integer_value(json_object_get(pc, "max"));
    }
    h->fill = json_number_value(json_object_get(jr.obj, "fill"));
    r->clk = xmalloc(h->clk_bits / 8);
    return 0;
}

static int open_common(struct submission_reader *r, struct submission_reader **out, struct err *e)
{
    int rc = read_header(r, e);

    if (rc < 0) {
        submission_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

int submission_reader_open(FILE *f, struct submission_reader **out, struct err *e)
{
    struct submission_reader *r = xcalloc(1, sizeof(*r));

    *out = NULL;
    if (jsonl_open_file(&r->lines, f, 0) < 0) {
        free(r);
        return err_set(e, ERR_IO, "cannot read the submission");
    }
    return open_common(r, out, e);
}

int submission_reader_open_mem(const void *data, size_t len, struct submission_reader **out,
                               struct err *e)
{
    struct submission_reader *r = xcalloc(1, sizeof(*r));

    *out = NULL;
    if (jsonl_open_mem(&r->lines, data, len, 0) < 0) {
        free(r);
        return err_set(e, ERR_IO, "cannot read the submission");
    }
    return open_common(r, out, e);
}

const struct submission_header *submission_reader_header(const struct submission_reader *r)
{
    return &r->header;
}

/* One country code: a known ISO alpha-3, copied into out[4]. */
static bool country_ok(json_t *v, char out[4])
{
    const struct codes_country *c;

    if (!json_is_string(v) || json_string_length(v) != 3)
        return false;
    c = codes_country_by_alpha3(json_string_value(v));
    if (c == NULL)
        return false;
    memcpy(out, json_string_value(v), 4);
    return true;
}

static int optional_country(json_t *o, const char *key, char out[4], uint64_t line, struct err *e)
{
    json_t *v = json_object_get(o, key);

    out[0] = '\0';
    if (v == NULL || json_is_null(v))
        return 0;
    if (!country_ok(v, out))
        return err_set(e, ERR_INVALID, "submission line %llu: '%s' must be an ISO alpha-3 code",
                       (unsigned long long)line, key);
    return 0;
}

static int read_record(struct submission_reader *r, json_t *o, uint64_t line,
                       struct store_hub_record *rec, struct err *e)
{
    static const char *const known[] = {
        "ref", "clk", "sex", "age", "citizenship", "detected_in", "exploited_in", "forms", "year"};
    const struct submission_header *h = &r->header;
    const char *key;
    json_t *v;
    size_t i, n;
    size_t bin_len = 0;
    const char *b64_end = NULL;
    size_t pos = 0;

    memset(rec, 0, sizeof(*rec));
    json_object_foreach(o, key, v)
    {
        bool ok = false;
        for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok)
            return err_set(e, ERR_INVALID,
                           "submission line %llu: unknown key '%s' (a submission carries only "
                           "encodings and coarse attributes)",
                           (unsigned long long)line, key);
    }
    v = json_object_get(o, "ref");
    if (!json_is_string(v) || json_string_length(v) != SUBMISSION_REF_LEN ||
        !is_hex(json_string_value(v), SUBMISSION_REF_LEN))
        return err_set(e, ERR_INVALID, "submission line %llu: 'ref' must be %d hex digits",
                       (unsigned long long)line, SUBMISSION_REF_LEN);
    memcpy(r->ref, json_string_value(v), SUBMISSION_REF_LEN + 1);
    rec->ref = r->ref;

    v = json_object_get(o, "clk");
    if (!json_is_string(v) ||
        sodium_base642bin(r->clk, h->clk_bits / 8, json_string_value(v), json_string_length(v),
                          NULL, &bin_len, &b64_end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        b64_end != json_string_value(v) + json_string_length(v) || bin_len != h->clk_bits / 8)
        return err_set(e, ERR_INVALID,
                       "submission line %llu: 'clk' must be base64 of exactly %u bytes",
                       (unsigned long long)line, h->clk_bits / 8);
    rec->clk = r->clk;
    rec->clk_len = bin_len;
    for (i = 0; i < bin_len; i++)
        rec->popcount += (unsigned)__builtin_popcount(r->clk[i]);

    v = json_object_get(o, "sex");
    if (!json_is_string(v) || json_string_length(v) != 1 ||
        strchr("FMXU", json_string_value(v)[0]) == NULL)
        return err_set(e, ERR_INVALID, "submission line %llu: 'sex' must be F, M, X or U",
                       (unsigned long long)line);
    rec->sex = json_string_value(v)[0];
    v = json_object_get(o, "age");
    if (!json_is_string(v) || json_string_length(v) != 1 ||
        strchr("CAU", json_string_value(v)[0]) == NULL)
        return err_set(e, ERR_INVALID, "submission line %llu: 'age' must be C, A or U",
                       (unsigned long long)line);
    rec->age = json_string_value(v)[0];

    v = json_object_get(o, "citizenship");
    r->citizenship[0] = '\0';
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_array(v) || json_array_size(v) > 32)
            return err_set(e, ERR_INVALID,
                           "submission line %llu: 'citizenship' must be a list of at most 32 "
                           "codes",
                           (unsigned long long)line);
        n = json_array_size(v);
        for (i = 0; i < n; i++) {
            char code[4];
            if (!country_ok(json_array_get(v, i), code))
                return err_set(e, ERR_INVALID,
                               "submission line %llu: 'citizenship' must hold ISO alpha-3 codes",
                               (unsigned long long)line);
            if (i > 0)
                r->citizenship[pos++] = ';';
            memcpy(r->citizenship + pos, code, 3);
            pos += 3;
        }
        r->citizenship[pos] = '\0';
    }
    rec->citizenship = r->citizenship;
    if (optional_country(o, "detected_in", r->detected_in, line, e) < 0 ||
        optional_country(o, "exploited_in", r->exploited_in, line, e) < 0)
        return ERR_INVALID;
    rec->detected_in = r->detected_in;
    rec->exploited_in = r->exploited_in;

    v = json_object_get(o, "forms");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_array(v))
            return err_set(e, ERR_INVALID, "submission line %llu: 'forms' must be a list",
                           (unsigned long long)line);
        for (i = 0; i < json_array_size(v); i++) {
            json_t *f = json_array_get(v, i);
            int form = json_is_string(f) ? codes_form_from_code(json_string_value(f)) : -1;
            if (form < 0 || form == CODES_FORM_MIXED)
                return err_set(e, ERR_INVALID,
                               "submission line %llu: 'forms' must hold Global Report form codes",
                               (unsigned long long)line);
            rec->forms |= 1u << form;
        }
    }
    v = json_object_get(o, "year");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1900 || json_integer_value(v) > 2200)
            return err_set(e, ERR_INVALID, "submission line %llu: 'year' must be a year",
                           (unsigned long long)line);
        rec->year = (int)json_integer_value(v);
    }
    return 0;
}

int submission_reader_next(struct submission_reader *r, struct store_hub_record *rec, struct err *e)
{
    struct jsonl_record jr;
    int rc = jsonl_next(r->lines, &jr, e);

    if (rc == 0) {
        if (r->seen != r->header.records)
            return err_set(e, ERR_INVALID,
                           "the submission has %llu records but its header says %llu (is it "
                           "truncated?)",
                           (unsigned long long)r->seen, (unsigned long long)r->header.records);
        return 0;
    }
    if (rc < 0) {
        err_prefix(e, "submission line %llu", (unsigned long long)jr.line);
        return ERR_INVALID;
    }
    rc = read_record(r, jr.obj, jr.line, rec, e);
    if (rc < 0)
        return rc;
    r->seen++;
    return 1;
}

void submission_reader_close(struct submission_reader *r)
{
    if (r == NULL)
        return;
    jsonl_close(r->lines);
    free(r->clk);
    free(r);
}
