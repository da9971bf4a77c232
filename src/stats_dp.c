/*
 * stats_dp.c: differentially private releases, made as batch jobs, stored with
 * their cost in the store's ledger, and served from storage.
 *
 * A release measures a fixed list of tables over fixed public category lists
 * (every sex, age group, form, ICCS code, flow class, every country of the ISO
 * list, every year of a public range): every cell gets noise, zeros included, so
 * nothing about which categories occur leaks. Each measured table t has an L1
 * sensitivity D_t (the most one person changes it: 1, or the form cap for the
 * multi-form tables, the record cap for the count of records). epsilon is split
 * equally over the n measured tables (sequential composition):
 *
 *   discrete Laplace:  scale t = D_t / (epsilon / n), pure (epsilon/n)-DP per table,
 *                      epsilon-DP in all;
 *   discrete Gaussian: the release is calibrated to rho-zCDP with rho chosen so that
 *                      it implies (epsilon, delta)-DP for delta = STATS_DP_GAUSS_DELTA
 *                      (rho = (sqrt(ln(1/delta) + epsilon) - sqrt(ln(1/delta)))^2),
 *                      rho/n per table, sigma_t^2 = D_t^2 / (2 rho / n), rounded up.
 *
 * The region tables and the margins of every table are post-processing of the
 * noisy cells (sums), so they cost nothing more and add up.
 *
 * The job runs in one write transaction: look for a release of the same query
 * (then it is returned, no noise is drawn and nothing charged), check the budget,
 * compute, draw all noise, store the release and debit the ledger, commit. The
 * answer is then read back from the store: what is served is what was stored.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codes.h"
#include "dp.h"
#include "stats_int.h"
#include "xalloc.h"

#include "banned.h"

int (*stats_dp_test_hook)(void) = NULL;

#define NANO 1000000000LL

/* The tables a release measures, with their sensitivity, in this order. */
static const char *const measured[] = {
    "total",       "year",      "sex_age",         "form",       "form_all",           "iccs",
    "citizenship", "detection", "flows_subregion", "flow_class", "agencies_per_person"};
#define NMEASURED 11
/* plus the count of records (capped per person) */
#define NMEASURE 12
_Static_assert(sizeof(measured) / sizeof(measured[0]) == NMEASURED, "the list of measurements");

int stats_epsilon_parse(const char *s, int64_t *nano, struct err *e)
{
    int64_t whole = 0, frac = 0;
    int digits = 0, fdigits = 0;
    const char *p = s;

    if (s == NULL)
        return err_set(e, ERR_INVALID, "no epsilon given");
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (*p - '0');
        if (++digits > 6)
            return err_set(e, ERR_INVALID, "epsilon '%s' is too large", s);
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (++fdigits > 9)
                return err_set(e, ERR_INVALID,
                               "epsilon '%s' has more than 9 digits after the point", s);
            frac = frac * 10 + (*p - '0');
        }
        if (fdigits == 0)
            return err_set(e, ERR_INVALID, "epsilon '%s' is not a decimal number", s);
    }
    if (*p != '\0' || (digits == 0 && fdigits == 0))
        return err_set(e, ERR_INVALID, "epsilon '%s' is not a decimal number like 0.5", s);
    while (fdigits < 9) {
        frac *= 10;
        fdigits++;
    }
    *nano = whole * NANO + frac;
    if (*nano <= 0)
        return err_set(e, ERR_INVALID, "epsilon must be above 0");
    return 0;
}

void stats_epsilon_format(int64_t nano, char out[32])
{
    int n = snprintf(out, 32, "%lld.%09lld", (long long)(nano / NANO), (long long)(nano % NANO));
    /* drop trailing zeros and a trailing point */
    while (n > 1 && out[n - 1] == '0')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.')
        out[--n] = '\0';
}

void stats_release_free(struct stats_release *r)
{
    if (r == NULL)
        return;
    free(r->dataset);
    free(r->query_key);
    free(r->mode);
    free(r->epsilon);
    free(r->payload);
    free(r->created_at);
    free(r);
}

static int resolve_run(struct store *s, int64_t run_id, int64_t *out, struct err *e)
{
    struct store_link_run run;
    int rc =
        run_id > 0 ? store_link_run_get(s, run_id, &run, e) : store_link_run_latest(s, &run, e);
    if (rc == 0)
        *out = run.id;
    return rc;
}

static void dp_years(const struct stats_options *o, int *from, int *to)
{
    if (o->year_from > 0 && o->year_to >= o->year_from) {
        *from = o->year_from;
        *to = o->year_to;
    } else if (o->year > 0) {
        *from = *to = o->year;
    } else {
        *from = 2000;
        *to = 2030;
    }
}

int stats_dp_query_key(struct store *s, const struct stats_dp_query *q, char *out, size_t size,
                       struct err *e)
{
    int64_t nano = 0, run = 0;
    char eps[32];
    int from, to, rc;

    rc = stats_epsilon_parse(q->epsilon, &nano, e);
    if (rc == 0)
        rc = resolve_run(s, q->opt.run_id, &run, e);
    if (rc < 0)
        return rc;
    stats_epsilon_format(nano, eps);
    dp_years(&q->opt, &from, &to);
    if ((size_t)snprintf(out, size,
                         "tiphub-dp/1;run=%lld;year=%d;years=%d-%d;mechanism=%s;epsilon=%s;"
                         "form_cap=%d;record_cap=%d;delta=%s;tables=total,records,year,sex_age,"
                         "form,form_all,iccs,citizenship,detection,flows_subregion,flow_class,"
                         "agencies_per_person",
                         (long long)run, q->opt.year, from, to,
                         q->mechanism == STATS_GAUSSIAN ? "gaussian" : "laplace", eps,
                         STATS_FORM_CAP, STATS_DP_RECORD_CAP,
                         q->mechanism == STATS_GAUSSIAN ? "1e-10" : "0") >= size)
        return err_set(e, ERR_TOOBIG, "query key too long");
    return 0;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The noise of one measurement. */
struct noise {
    enum stats_mechanism mech;
    uint64_t num, den; /* Laplace scale t, or Gaussian sigma^2, as num/den */
};

/*
 * Bring num/den within the samplers' range (DP_PARAM_MAX) by halving both, the
 * numerator rounded up and the denominator down: the value only grows, so the
 * noise is a little larger than asked, never smaller (more privacy, not less).
 */
static void fit_range(uint64_t *num, uint64_t *den)
{
    while ((*num > DP_PARAM_MAX || *den > DP_PARAM_MAX) && *den > 1) {
        *num = *num / 2 + (*num & 1);
        *den /= 2;
    }
}

static void noise_for(const struct stats_dp_query *q, int64_t eps_nano, unsigned sensitivity,
                      struct noise *n)
{
    n->mech = q->mechanism;
    if (q->mechanism == STATS_LAPLACE) {
        /* t = D / (eps / n) = D * n * 1e9 / eps_nano */
        uint64_t num = (uint64_t)sensitivity * NMEASURE * (uint64_t)NANO;
        uint64_t den = (uint64_t)eps_nano, g = gcd64(num, den);
        n->num = num / g;
        n->den = den / g;
        fit_range(&n->num, &n->den);
    } else {
        double eps = (double)eps_nano / (double)NANO;
        double l = log(1.0 / STATS_DP_GAUSS_DELTA);
        double rho = pow(sqrt(l + eps) - sqrt(l), 2.0);
        double rho_t = rho / (double)NMEASURE;
        double sigma2 = (double)sensitivity * (double)sensitivity / (2.0 * rho_t);
        /* rounded up to a multiple of 1e-6: a little more noise, never less */
        n->num = (uint64_t)ceil(sigma2 * 1e6);
        n->den = 1000000;
        fit_range(&n->num, &n->den);
    }
}

static int draw(struct dp_rng *rng, const struct noise *n, int64_t *x)
{
    if (n->mech == STATS_LAPLACE)
        return dp_discrete_laplace(rng, n->num, n->den, x);
    return dp_discrete_gaussian(rng, n->num, n->den, x);
}

/* Add noise to every cell of t and recompute its margins. */
static int noise_table(struct dp_rng *rng, struct stats_table *t, const struct noise *n)
{
    size_t i, j;
    for (i = 0; i < t->nrows; i++) {
        for (j = 0; j < t->ncols; j++) {
            int64_t x = 0;
            int rc = draw(rng, n, &x);
            if (rc < 0)
                return rc;
            t->v[stats_at(t, i, j)] += x;
        }
    }
    stats__table_margins(t);
    return 0;
}

/* Region category row of table rt for country code a3 ("unknown" row when none). */
static size_t region_row(const struct stats_table *rt, const char *a3, const char *kind)
{
    const struct codes_country *c = codes_country_by_alpha3(a3);
    char code[16] = "unknown";
    size_t i;

    if (c != NULL) {
        if (strcmp(kind, "glotip_region") == 0)
            snprintf(code, sizeof(code), "%s", c->glotip_region);
        else if (strcmp(kind, "glotip_subregion") == 0)
            snprintf(code, sizeof(code), "%s", c->glotip_subregion);
        else if (strcmp(kind, "m49_region") == 0 && c->region_code != 0)
            snprintf(code, sizeof(code), "%03d", c->region_code);
        else if (strcmp(kind, "m49_subregion") == 0 && c->subregion_code != 0)
            snprintf(code, sizeof(code), "%03d", c->subregion_code);
    }
    for (i = 0; i < rt->nrows; i++) {
        if (strcmp(rt->rows[i].code, code) == 0)
            return i;
    }
    return rt->nrows - 1; /* unknown */
}

/* The region tables as sums of the noisy country cells. */
static void derive_regions(struct stats_result *r)
{
    static const char *const kinds[] = {"glotip_region", "glotip_subregion", "m49_region",
                                        "m49_subregion"};
    size_t j, k, i;
    for (j = 0; j < 2; j++) {
        const char *base = j == 0 ? "citizenship" : "detection";
        const struct stats_table *ct = stats_find(r, base);
        for (k = 0; k < 4; k++) {
            char name[64];
            struct stats_table *rt;
            snprintf(name, sizeof(name), "%s_%s", base, kinds[k]);
            rt = stats_find(r, name);
            if (rt == NULL || ct == NULL)
                continue;
            for (i = 0; i < rt->nrows; i++)
                rt->v[stats_at(rt, i, 0)] = 0;
            for (i = 0; i < ct->nrows; i++)
                rt->v[stats_at(rt, region_row(rt, ct->rows[i].code, kinds[k]), 0)] +=
                    ct->v[stats_at(ct, i, 0)];
            stats__table_margins(rt);
        }
    }
}

/* The groups of sex and age as sums of the noisy sex x age cells. */
static void derive_groups(struct stats_result *r)
{
    const struct stats_table *sa = stats_find(r, "sex_age");
    struct stats_table *g = stats_find(r, "sex_age_groups");
    if (sa == NULL || g == NULL)
        return;
    stats_groups_from_sex_age(sa, g);
    stats__table_margins(g);
}

/* Is t a table a release derives from the measured ones (post-processing)? */
static bool derived(const struct stats_table *t)
{
    static const char *const names[] = {"sex_age_groups",
                                        "citizenship_glotip_region",
                                        "citizenship_glotip_subregion",
                                        "citizenship_m49_region",
                                        "citizenship_m49_subregion",
                                        "detection_glotip_region",
                                        "detection_glotip_subregion",
                                        "detection_m49_region",
                                        "detection_m49_subregion"};
    size_t i;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i], t->name) == 0)
            return true;
    return false;
}

/* Capped records: sum over the persons kept of min(records, cap), from the exact result. */
static int64_t capped_records(const struct stats_result *r, int year)
{
    int64_t sum = 0;
    size_t i;
    for (i = 0; i < r->nperson_list; i++) {
        const struct stats_person *p = &r->person_list[i];
        if (year == 0 || p->year == year)
            sum += p->nrecords < STATS_DP_RECORD_CAP ? p->nrecords : STATS_DP_RECORD_CAP;
    }
    return sum;
}

static int copy_release(const struct store_release *r, void *arg)
{
    struct stats_release *out = arg;
    char eps[32];
    stats_epsilon_format(r->epsilon_nano, eps);
    out->id = r->id;
    out->dataset = xstrdup(r->dataset);
    out->query_key = xstrdup(r->query_key);
    out->mode = xstrdup(r->mode);
    out->epsilon = xstrdup(eps);
    out->payload = xstrdup(r->payload);
    out->created_at = xstrdup(r->created_at);
    return 0;
}

int stats_release_get(struct store *s, int64_t id, struct stats_release **out, struct err *e)
{
    struct stats_release *r = xcalloc(1, sizeof(*r));
    int rc = store_release_get(s, id, copy_release, r, e);
    if (rc < 0) {
        stats_release_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

static void fmt_rational(char *out, size_t size, uint64_t num, uint64_t den)
{
    if (den == 1)
        snprintf(out, size, "%llu", (unsigned long long)num);
    else
        snprintf(out, size, "%llu/%llu", (unsigned long long)num, (unsigned long long)den);
}

/* Compute, noise and serialise the release of q (inside the caller's transaction). */
static int make_payload(struct store *s, const struct stats_dp_query *q, int64_t run_id,
                        int64_t eps_nano, const char *key, const unsigned char *seed,
                        char **payload, struct err *e)
{
    struct stats_result res;
    struct stats_options o = q->opt;
    struct dp_rng rng;
    json_t *root = NULL, *dp = NULL, *scales = NULL;
    struct noise nz;
    int64_t records = 0, x = 0;
    char eps[32], per[64], buf[64];
    size_t i;
    int rc;

    o.run_id = run_id;
    dp_years(&q->opt, &o.year_from, &o.year_to);
    o.records = false;
    o.keep_persons = true;
    if (seed != NULL)
        dp_rng_init_seeded(&rng, seed);
    else
        dp_rng_init_system(&rng);
    rc = stats_compute(s, &o, true, &res, e);
    if (rc < 0) {
        dp_rng_release(&rng);
        return rc;
    }
    records = capped_records(&res, o.year);
    free(res.person_list); /* exact: not wanted any further */
    res.person_list = NULL;
    res.nperson_list = 0;

    /*
     * Noise every measured table. The others are derived from noisy cells below, or
     * dropped: nothing exact may reach the payload.
     */
    {
        size_t w = 0;
        for (i = 0; i < res.ntables; i++) {
            size_t m;
            for (m = 0; m < NMEASURED && strcmp(measured[m], res.tables[i].name) != 0; m++)
                ;
            if (m < NMEASURED || derived(&res.tables[i]))
                res.tables[w++] = res.tables[i];
            else
                stats__table_release(&res.tables[i]);
        }
        res.ntables = w;
    }
    scales = json_object();
    for (i = 0; i < res.ntables; i++) {
        struct stats_table *t = &res.tables[i];
        if (derived(t))
            continue;
        noise_for(q, eps_nano, t->sensitivity, &nz);
        rc = noise_table(&rng, t, &nz);
        if (rc < 0) {
            err_set(e, rc, "cannot draw noise (epsilon too small for the samplers' range?)");
            goto out;
        }
        fmt_rational(buf, sizeof(buf), nz.num, nz.den);
        json_object_set_new(scales, t->name,
                            json_pack("{s:i,s:s}", "sensitivity", (int)t->sensitivity,
                                      q->mechanism == STATS_LAPLACE ? "scale" : "sigma2", buf));
    }
    derive_regions(&res);
    derive_groups(&res);
    noise_for(q, eps_nano, STATS_DP_RECORD_CAP, &nz);
    rc = draw(&rng, &nz, &x);
    if (rc < 0) {
        err_set(e, rc, "cannot draw noise");
        goto out;
    }
    records += x;
    fmt_rational(buf, sizeof(buf), nz.num, nz.den);
    json_object_set_new(scales, "records",
                        json_pack("{s:i,s:s}", "sensitivity", STATS_DP_RECORD_CAP,
                                  q->mechanism == STATS_LAPLACE ? "scale" : "sigma2", buf));
    res.protection = STATS_DP;
    {
        const struct stats_table *tt = stats_find(&res, "total");
        const struct stats_table *ag = stats_find(&res, "agencies_per_person");
        int64_t n = tt->v[stats_at(tt, 1, 0)], single = ag->v[stats_at(ag, 0, 0)];
        res.persons = (uint64_t)(n > 0 ? n : 0);
        res.persons_multi = (uint64_t)(n - single > 0 ? n - single : 0);
        res.records = (uint64_t)(records > 0 ? records : 0);
        res.npairs = 0;
    }
    root = stats_to_json(&res);
    {
        /* the noisy counts themselves, unclamped, so that they stay unbiased */
        const struct stats_table *tt = stats_find(&res, "total");
        json_object_set_new(root, "persons", json_integer((json_int_t)tt->v[stats_at(tt, 1, 0)]));
        json_object_set_new(root, "records", json_integer((json_int_t)records));
    }
    stats_epsilon_format(eps_nano, eps);
    {
        /* epsilon per measurement, exactly: eps / n */
        uint64_t g = gcd64((uint64_t)eps_nano, (uint64_t)NMEASURE * NANO);
        fmt_rational(per, sizeof(per), (uint64_t)eps_nano / g, (uint64_t)NMEASURE * NANO / g);
    }
    dp = json_pack("{s:s,s:s,s:s,s:i,s:s,s:o}", "dataset", q->dataset, "mechanism",
                   q->mechanism == STATS_LAPLACE ? "discrete-laplace" : "discrete-gaussian",
                   "epsilon", eps, "measurements", (int)NMEASURE, "epsilon_per_measurement", per,
                   "noise", scales);
    scales = NULL;
    if (q->mechanism == STATS_GAUSSIAN) {
        double l = log(1.0 / STATS_DP_GAUSS_DELTA), ev = (double)eps_nano / (double)NANO;
        json_object_set_new(dp, "delta", json_real(STATS_DP_GAUSS_DELTA));
        json_object_set_new(dp, "rho", json_real(pow(sqrt(l + ev) - sqrt(l), 2.0)));
    }
    json_object_set_new(dp, "query_key", json_string(key));
    json_object_set_new(
        dp, "derived",
        json_string("margins, region tables and sex_age_groups are sums of noisy cells"));
    json_object_set_new(root, "dp", dp);
    *payload = json_dumps(root, JSON_COMPACT);
out:
    dp_rng_release(&rng);
    json_decref(root);
    json_decref(scales);
    stats_result_release(&res);
    return rc;
}

int stats_dp_release(struct store *s, const struct stats_dp_query *q, const unsigned char *seed,
                     struct stats_release **out, struct err *e)
{
    struct stats_release *rel = NULL;
    struct store_release sr;
    char key[1024], eps[32];
    char *payload = NULL;
    int64_t eps_nano = 0, run_id = 0, total = 0, spent = 0, default_total = 0, id = 0;
    bool exists = false;
    int rc;

    *out = NULL;
    rc = stats_epsilon_parse(q->epsilon, &eps_nano, e);
    if (rc == 0)
        rc = stats_epsilon_parse(STATS_DP_DEFAULT_BUDGET, &default_total, e);
    if (rc < 0)
        return rc;
    if (q->dataset == NULL || q->dataset[0] == '\0')
        return err_set(e, ERR_USAGE, "a DP release needs a dataset name");
    rc = store_begin(s, e);
    if (rc < 0)
        return rc;
    rc = resolve_run(s, q->opt.run_id, &run_id, e);
    if (rc == 0)
        rc = stats_dp_query_key(s, q, key, sizeof(key), e);
    if (rc < 0)
        goto fail;

    /* the same query again: the stored release, never fresh noise */
    rel = xcalloc(1, sizeof(*rel));
    rc = store_release_find(s, q->dataset, key, copy_release, rel, e);
    if (rc < 0)
        goto fail;
    if (rc == 1) {
        store_rollback(s);
        rel->reused = true;
        *out = rel;
        return 0;
    }
    stats_release_free(rel);
    rel = NULL;

    rc = store_budget_get(s, q->dataset, default_total, &total, &spent, NULL, &exists, e);
    if (rc < 0)
        goto fail;
    if (eps_nano > total - spent) {
        char left[32], tot[32];
        stats_epsilon_format(total - spent, left);
        stats_epsilon_format(total, tot);
        stats_epsilon_format(eps_nano, eps);
        rc = err_set(e, ERR_REFUSED,
                     "over budget: dataset '%s' has epsilon %s left of %s; this query needs %s",
                     q->dataset, left, tot, eps);
        goto fail;
    }

    rc = make_payload(s, q, run_id, eps_nano, key, seed, &payload, e);
    if (rc < 0)
        goto fail;
    memset(&sr, 0, sizeof(sr));
    sr.dataset = q->dataset;
    sr.query_key = key;
    sr.mode = q->mechanism == STATS_LAPLACE ? "dp-laplace" : "dp-gaussian";
    sr.epsilon_nano = eps_nano;
    sr.delta = q->mechanism == STATS_GAUSSIAN ? STATS_DP_GAUSS_DELTA : 0.0;
    sr.payload = payload;
    rc = store_release_add(s, &sr, default_total, &id, e);
    if (rc == 0 && stats_dp_test_hook != NULL) {
        rc = stats_dp_test_hook();
        if (rc != 0)
            rc = err_set(e, rc < 0 ? rc : ERR_INTERRUPTED,
                         "the release was stopped before its commit");
    }
    if (rc == 0)
        rc = store_commit(s, e);
    if (rc < 0)
        goto fail;
    free(payload);
    /* serve from storage */
    return stats_release_get(s, id, out, e);
fail:
    store_rollback(s);
    free(payload);
    stats_release_free(rel);
    return rc;
}
