/*
 * test_report.c: unit tests for the HTML report (report*.c): its structure (every
 * chapter with its heading, every chart with a title, a description and a data
 * table in its figure, balanced tags, no script and nothing loaded from elsewhere),
 * escaping of hostile agency names from a hub store, suppressed counts never
 * printed as numbers, the protection of sums across tables (countries within
 * subregions), DP reports from the ledger, the exact report's stamp, the text
 * helpers and the reader of stored DP releases.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "codes.h"
#include "report.h"
#include "report_int.h"
#include "stats.h"
#include "stats_fixture.h"

static const unsigned char SEED[32] = {7, 7, 7};

/* ---- helpers ---- */

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    const char *p = hay;
    for (;;) {
        p = strstr(p, needle);
        if (p == NULL)
            break;
        n++;
        p += strlen(needle);
    }
    return n;
}

static bool icontains(const char *hay, const char *needle)
{
    size_t n = strlen(needle), i;
    for (; *hay; hay++) {
        for (i = 0;
             i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]);
             i++)
            ;
        if (i == n)
            return true;
    }
    return false;
}

static const char *const void_tags[] = {"meta", "br", "hr", "img", "input", "link", NULL};

/*
 * A simple well-formedness check: every tag that opens is closed in order (void
 * elements and <.../> excepted); attribute values in quotes may hold '>'. Returns
 * NULL, or a static message.
 */
static const char *tag_balance(const char *html)
{
    static char msg[256];
    char stack[256][32];
    size_t depth = 0;
    const char *p = html;

    while ((p = strchr(p, '<')) != NULL) {
        const char *q = p + 1;
        char name[32];
        size_t n = 0;
        bool closing = false, self = false;
        char quote = 0;

        if (strncmp(p, "<!--", 4) == 0) {
            p = strstr(p, "-->");
            if (p == NULL)
                return "unclosed comment";
            continue;
        }
        if (p[1] == '!') { /* DOCTYPE */
            p = strchr(p, '>');
            continue;
        }
        if (*q == '/') {
            closing = true;
            q++;
        }
        while ((isalnum((unsigned char)*q) || *q == '-') && n + 1 < sizeof(name))
            name[n++] = (char)tolower((unsigned char)*q++);
        name[n] = '\0';
        if (n == 0)
            return "a '<' that opens no tag (unescaped text?)";
        for (; *q; q++) {
            if (quote) {
                if (*q == quote)
                    quote = 0;
                continue;
            }
            if (*q == '"' || *q == '\'') {
                quote = *q;
                continue;
            }
            if (*q == '>')
                break;
            /* an event handler attribute (onload=, onerror=...): never in a report */
            if (isspace((unsigned char)q[-1]) && tolower((unsigned char)q[0]) == 'o' &&
                tolower((unsigned char)q[1]) == 'n') {
                const char *a = q + 2;
                while (isalpha((unsigned char)*a))
                    a++;
                if (*a == '=')
                    return "an event handler attribute";
            }
        }
        if (*q != '>')
            return "unterminated tag";
        self = q[-1] == '/';
        p = q + 1;
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0) {
                snprintf(msg, sizeof(msg), "</%s> closes <%s>", name,
                         depth > 0 ? stack[depth - 1] : "(nothing)");
                return msg;
            }
            depth--;
            continue;
        }
        if (!self) {
            size_t i;
            bool is_void = false;
            for (i = 0; void_tags[i] != NULL; i++)
                is_void = is_void || strcmp(void_tags[i], name) == 0;
            if (is_void)
                continue;
            if (depth == 256)
                return "nesting too deep";
            snprintf(stack[depth++], sizeof(stack[0]), "%s", name);
            if (strcmp(name, "style") == 0) {
                /* CSS: no tags inside; skip to </style> */
                p = strstr(p, "</style>");
                if (p == NULL)
                    return "unclosed style";
            }
        }
    }
    if (depth != 0) {
        snprintf(msg, sizeof(msg), "<%s> is never closed", stack[depth - 1]);
        return msg;
    }
    return NULL;
}

/* The text between start (inclusive) and the next end after it, as a new string. */
static char *section(const char *from, const char *end)
{
    const char *e = strstr(from, end);
    size_t n = e != NULL ? (size_t)(e - from) + strlen(end) : strlen(from);
    char *s = malloc(n + 1);
    memcpy(s, from, n);
    s[n] = '\0';
    return s;
}

/* Every structural promise of a report. */
static void check_structure(const char *html, const struct report_summary *sum)
{
    static const char *const chapters[] = {"headline", "sex-age", "forms",        "trends",
                                           "flows",    "regions", "coordination", "methods"};
    const char *p = NULL, *msg = NULL;
    size_t i, ncharts = 0, nfig = 0;
    char needle[128];

    msg = tag_balance(html);
    if (msg != NULL)
        fail_msg("tags: %s", msg);
    assert_false(icontains(html, "<script"));
    assert_false(icontains(html, "javascript:"));
    assert_null(strstr(html, "https://"));
    /* the only http:// is the SVG namespace */
    assert_int_equal(count(html, "http://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(html, "Content-Security-Policy"));
    for (i = 0; i < sizeof(chapters) / sizeof(chapters[0]); i++) {
        const char *s = NULL;
        snprintf(needle, sizeof(needle), "<section class=\"chapter\" id=\"%s\"", chapters[i]);
        s = strstr(html, needle);
        if (s == NULL)
            fail_msg("chapter %s is missing", chapters[i]);
        snprintf(needle, sizeof(needle), "<h2 id=\"%s-h\">", chapters[i]);
        assert_non_null(strstr(s, needle));
    }
    assert_int_equal(count(html, "<section class=\"chapter\""), 8);
    assert_int_equal(sum->chapters, 8);
    /* every chart: a title and a description it is labelled by, inside a figure with a table */
    for (p = html; (p = strstr(p, "<figure")) != NULL; p++) {
        char *fig = section(p, "</figure>");
        size_t charts = count(fig, "<svg class=\"chart");
        nfig++;
        ncharts += charts;
        assert_true(charts <= 1);
        if (charts == 1) {
            const char *svg = strstr(fig, "<svg class=\"chart");
            char *one = section(svg, "</svg>");
            assert_non_null(strstr(one, "role=\"img\""));
            assert_non_null(strstr(one, "aria-labelledby=\""));
            assert_non_null(strstr(one, "<title id=\""));
            assert_non_null(strstr(one, "<desc id=\""));
            assert_non_null(strstr(one, "viewBox=\""));
            free(one);
        }
        if (strstr(fig, "<table") == NULL || strstr(fig, "<caption>") == NULL)
            fail_msg("a figure has no data table: %.200s", fig);
        assert_non_null(strstr(fig, "<figcaption>"));
        free(fig);
    }
    assert_true(nfig >= 10);
    assert_int_equal(ncharts, sum->charts);
    assert_int_equal(count(html, "<svg class=\"chart"), sum->charts);
    assert_int_equal(count(html, "<table class=\"data\">"), sum->tables);
}

/*
 * Under suppression with threshold k, every count the report prints (table cells,
 * chart value labels, heat map cells) is 0 or at least k: a number from 1 to k-1 on
 * the page is a suppressed count shown.
 */
static void check_no_small_numbers(const char *html, unsigned k)
{
    static const char *const starts[] = {"<td class=\"n\">",
                                         "class=\"val\">",
                                         "class=\"hv\">",
                                         "class=\"hv light\">",
                                         "class=\"hv zero\">",
                                         "class=\"big\">",
                                         NULL};
    size_t s, checked = 0;
    for (s = 0; starts[s] != NULL; s++) {
        const char *p = html;
        for (;;) {
            const char *v = NULL, *e = NULL;
            long x = 0;
            p = strstr(p, starts[s]);
            if (p == NULL)
                break;
            v = p + strlen(starts[s]);
            e = v;
            while (isdigit((unsigned char)*e))
                e++;
            p = v;
            /* a whole count: digits then '<' or a space before a unit ("persons") */
            if (e == v || (*e != '<' && *e != ' ') || e - v > 6)
                continue;
            if (*e == ' ' && e[1] == '%')
                continue; /* a share */
            x = strtol(v, NULL, 10);
            checked++;
            if (x >= 1 && x < (long)k)
                fail_msg("a count of %ld is printed (%.60s)", x, p - strlen(starts[s]));
        }
    }
    assert_true(checked > 20);
}

/* ---- fixtures ---- */

struct state {
    struct hubfx fx;
    struct fx_synth fs;
};

static int setup_synth(void **state)
{
    struct state *st = calloc(1, sizeof(*st));
    if (hubfx_open(&st->fx, "report") < 0 ||
        fx_from_synth(&st->fx, &st->fs, 1500, 12, 20261128) < 0 || hubfx_commit(&st->fx) < 0)
        return -1;
    *state = st;
    return 0;
}

static int teardown_synth(void **state)
{
    struct state *st = *state;
    fx_synth_release(&st->fs);
    hubfx_close(&st->fx);
    free(st);
    return 0;
}

static char *build(struct store *s, struct report_options *o, struct report_summary *sum)
{
    struct buf b;
    struct err e;
    int rc;
    buf_init(&b, REPORT_MAX_BYTES);
    err_init(&e);
    if (o->date == NULL)
        o->date = "2026-11-28";
    rc = report_build(s, o, &b, sum, &e);
    if (rc != 0)
        fail_msg("report_build: %d %s", rc, e.msg);
    return buf_detach(&b, NULL);
}

/* ---- structure ---- */

static void test_structure_sdc(void **state)
{
    struct state *st = *state;
    struct report_options o;
    struct report_summary sum;
    char *html = NULL;

    report_options_init(&o);
    html = build(st->fx.s, &o, &sum);
    check_structure(html, &sum);
    check_no_small_numbers(html, STATS_SDC_K_DEFAULT);
    assert_int_equal(sum.protection, STATS_SDC);
    assert_true(sum.persons > 0);
    assert_true(sum.primary > 0); /* 1500 persons over 12 agencies: some small counts */
    assert_int_equal(sum.suppressed, sum.primary + sum.secondary);
    /* the suppressed mark is used and explained */
    assert_non_null(strstr(html, "<span class=\"x\""));
    assert_non_null(strstr(html, "x = suppressed"));
    assert_non_null(strstr(html, "Entries suppressed in the tables of this report"));
    assert_null(strstr(html, "NOT FOR CIRCULATION"));
    assert_null(strstr(html, "@top-center"));
    assert_non_null(strstr(html, "<pattern id=\"hatch\""));
    /* a world map with shapes */
    assert_non_null(strstr(html, "<svg class=\"chart map\""));
    assert_true(count(html, "<path fill=") > 150);
    free(html);

    /* a larger K suppresses more, and the promise holds for it too */
    report_options_init(&o);
    o.k = 50;
    html = build(st->fx.s, &o, &sum);
    check_structure(html, &sum);
    check_no_small_numbers(html, 50);
    free(html);
}

static void test_exact_stamped(void **state)
{
    struct state *st = *state;
    struct report_options o;
    struct report_summary sum;
    char *html = NULL;
    const char *p = NULL;

    report_options_init(&o);
    o.protection = STATS_EXACT;
    html = build(st->fx.s, &o, &sum);
    check_structure(html, &sum);
    /* the title, the fixed banner of every printed page, the cover, every chapter, the footer */
    assert_non_null(strstr(html, "(NOT FOR CIRCULATION)</title>"));
    assert_non_null(strstr(html, "<div class=\"stamp-fixed\""));
    assert_non_null(strstr(html, ".stamp-fixed{position:fixed"));
    assert_non_null(strstr(html, "@page{@top-center{content:\"NOT FOR CIRCULATION\""));
    for (p = html; (p = strstr(p, "<section class=\"chapter\"")) != NULL; p++) {
        char *sec = section(p, "</section>");
        assert_non_null(strstr(sec, "NOT FOR CIRCULATION"));
        free(sec);
    }
    assert_int_equal(sum.suppressed, 0);
    assert_null(strstr(html, "<span class=\"x\""));
    free(html);
}

static void test_dp_from_ledger(void **state)
{
    struct state *st = *state;
    struct report_options o;
    struct report_summary a, b;
    char *html = NULL, *again = NULL;

    report_options_init(&o);
    o.protection = STATS_DP;
    o.epsilon = "0.5";
    o.dataset = "report-test";
    o.dp_seed = SEED;
    html = build(st->fx.s, &o, &a);
    check_structure(html, &a);
    assert_false(a.release_reused);
    assert_string_equal(a.epsilon_left, "0.5");
    assert_non_null(strstr(html, "Differential privacy"));
    assert_true(count(html, "(noisy counts)") >= 5);
    assert_non_null(strstr(html, "Noisy counts (differential privacy)"));
    assert_non_null(strstr(html, "report-test"));
    assert_null(strstr(html, "<span class=\"x\""));
    /* asked again: the stored release, nothing spent, the same numbers */
    again = build(st->fx.s, &o, &b);
    assert_true(b.release_reused);
    assert_int_equal(b.release_id, a.release_id);
    assert_string_equal(b.epsilon_left, "0.5");
    assert_int_equal(b.persons, a.persons);
    assert_non_null(strstr(again, "reused the stored release"));
    free(again);
    free(html);

    /* over budget: refused, nothing written */
    {
        struct buf out;
        struct err e;
        o.epsilon = "0.75";
        buf_init(&out, REPORT_MAX_BYTES);
        err_init(&e);
        assert_int_equal(report_build(st->fx.s, &o, &out, NULL, &e), ERR_REFUSED);
        assert_int_equal(out.len, 0);
        buf_release(&out);
    }
}

/* ---- the SDC of what the report shows, across tables ---- */

static void test_protection_consistent(void **state)
{
    struct state *st = *state;
    struct report_options o;
    struct report__data d;
    struct err e;
    size_t i;

    report_options_init(&o);
    err_init(&e);
    assert_int_equal(report__data_load(st->fx.s, &o, &d, &e), 0);
    /* every table, the report's own too, passes the exact audit */
    for (i = 0; i < d.res.ntables; i++)
        assert_int_equal(stats_audit_table(&d.res.tables[i], 1), 0);
    for (i = 0; i < d.own.ntables; i++) {
        const struct stats_table *t = &d.own.tables[i];
        size_t n = (t->nrows + 1) * (t->ncols + 1), x;
        assert_int_equal(stats_audit_table(t, 1), 0);
        for (x = 0; x < n; x++)
            if (t->status[x] == STATS_SHOWN && t->v[x] >= 1)
                assert_true(t->v[x] >= (int64_t)d.k);
    }
    /* the profiles' margins have the statuses of the tables they equal */
    {
        const struct stats_table *ps = report__table(&d, "profile_sex_age");
        const struct stats_table *reg = report__table(&d, "detection_glotip_region");
        const struct stats_table *sa = report__table(&d, "sex_age");
        assert_non_null(ps);
        for (i = 0; i < ps->nrows; i++)
            assert_int_equal(ps->status[stats_at(ps, i, ps->ncols)] == STATS_SHOWN,
                             reg->status[stats_at(reg, i, 0)] == STATS_SHOWN);
        /* women, men, girls and boys are each one cell of sex_age */
        for (i = 0; i < REPORT_NSEXAGE; i++) {
            size_t g = report__sexage_group(i / STATS_NAGE, i % STATS_NAGE);
            if (g == REPORT_OTHER_SEXAGE)
                continue;
            assert_int_equal(ps->status[stats_at(ps, ps->nrows, g)] == STATS_SHOWN,
                             sa->status[stats_at(sa, i / STATS_NAGE, i % STATS_NAGE)] ==
                                 STATS_SHOWN);
        }
    }
    report__data_release(&d);
}

/*
 * A hub where one country of a subregion is small and the others are not: the
 * subregion's total in the flow matrix minus the published countries would give the
 * small one away. The report must suppress enough that it cannot.
 */
static void test_sum_across_tables(void **state)
{
    struct hubfx fx;
    struct report_options o;
    struct report__data d;
    struct err e;
    int64_t sub, id;
    int p = 0, i;
    (void)state;

    assert_int_equal(hubfx_open(&fx, "report-sum"), 0);
    sub = hubfx_submission(&fx, "police-1");
    assert_int_equal(hubfx_run(&fx, 100), 0);
    /* Western and Southern Europe: Germany 40, France 4, Italy 30; and Ukraine 26 */
    for (i = 0; i < 100; i++) {
        const char *cit = i < 40 ? "DEU" : i < 44 ? "FRA" : i < 74 ? "ITA" : "UKR";
        id = hubfx_record(&fx, sub, i % 2 ? 'F' : 'M', 'A', cit, "DEU", "DEU", 1u << CODES_FORM_FL,
                          2022);
        assert_true(id > 0);
        assert_int_equal(hubfx_member(&fx, id, ++p), 0);
    }
    assert_int_equal(hubfx_commit(&fx), 0);
    report_options_init(&o);
    err_init(&e);
    assert_int_equal(report__data_load(fx.s, &o, &d, &e), 0);
    {
        const struct stats_table *cit = report__table(&d, "citizenship");
        const struct stats_table *h = report__table(&d, "hier_citizenship");
        size_t fra = SIZE_MAX, j;
        int64_t lo = 0, hi = 0;
        for (j = 0; j < cit->nrows; j++)
            if (strcmp(cit->rows[j].code, "FRA") == 0)
                fra = j;
        assert_true(fra != SIZE_MAX);
        assert_int_not_equal(cit->status[stats_at(cit, fra, 0)], STATS_SHOWN);
        /* France's column margin in the hierarchy is the same entry: not determined */
        assert_non_null(h);
        assert_int_not_equal(h->status[stats_at(h, h->nrows, fra)], STATS_SHOWN);
        stats_audit_entry(h, stats_at(h, h->nrows, fra), 1, &lo, &hi);
        assert_true(lo < hi);
        /* and something else went with it: the subregion total or another country */
        assert_true(d.secondary > 0);
    }
    report__data_release(&d);
    hubfx_close(&fx);
}

/* ---- escaping of data ---- */

static void test_hostile_agency(void **state)
{
    static const char *const hostile[] = {"<img src=x onerror=alert(1)>",
                                          "\"><script>alert('x')</script>", "Shelter & Co 'Hope'"};
    struct hubfx fx;
    struct report_options o;
    struct report_summary sum;
    int64_t sub[3], id;
    char *html = NULL;
    int p, k;
    size_t m;
    (void)state;

    assert_int_equal(hubfx_open(&fx, "report-hostile"), 0);
    for (k = 0; k < 3; k++)
        sub[k] = hubfx_submission(&fx, hostile[k]);
    assert_int_equal(hubfx_run(&fx, 60), 0);
    /* 60 persons, each met by two of the three agencies: every pair shares 20 */
    for (p = 1; p <= 60; p++) {
        for (k = 0; k < 2; k++) {
            id = hubfx_record(&fx, sub[(p + k) % 3], 'F', 'A', "UKR", "POL", NULL,
                              1u << CODES_FORM_SEX, 2023);
            assert_true(id > 0);
            assert_int_equal(hubfx_member(&fx, id, p), 0);
        }
    }
    assert_int_equal(hubfx_commit(&fx), 0);
    for (m = 0; m < 2; m++) {
        report_options_init(&o);
        o.protection = m == 0 ? STATS_SDC : STATS_EXACT;
        o.title = "Report <b>\"hostile\"</b> & co";
        html = build(fx.s, &o, &sum);
        check_structure(html, &sum);
        assert_null(strstr(html, "<img"));
        assert_null(strstr(html, "<script"));
        assert_null(strstr(html, "<b>\"hostile"));
        assert_non_null(strstr(html, "&lt;img src=x onerror=alert(1)&gt;"));
        assert_non_null(strstr(html, "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert_non_null(strstr(html, "Shelter &amp; Co &#39;Hope&#39;"));
        assert_non_null(strstr(html, "Report &lt;b&gt;&quot;hostile&quot;&lt;/b&gt; &amp; co"));
        free(html);
    }
    hubfx_close(&fx);
}

/* ---- a small hub: suppressed entries are marks, never numbers ---- */

static void test_suppressed_marks(void **state)
{
    struct hubfx fx;
    struct report_options o;
    struct report_summary sum;
    int64_t sub, id;
    char *html = NULL;
    int p;
    (void)state;

    /* 53 persons: 40 Ukrainian women, 7 Nigerian men, 6 Thai girls (counts under 11) */
    assert_int_equal(hubfx_open(&fx, "report-small"), 0);
    sub = hubfx_submission(&fx, "police-1");
    assert_int_equal(hubfx_run(&fx, 53), 0);
    for (p = 1; p <= 53; p++) {
        bool ukr = p <= 40, nga = p > 40 && p <= 47;
        id = hubfx_record(&fx, sub, ukr || !nga ? 'F' : 'M', ukr || nga ? 'A' : 'C',
                          ukr   ? "UKR"
                          : nga ? "NGA"
                                : "THA",
                          "DEU", "DEU", 1u << (ukr ? CODES_FORM_SEX : CODES_FORM_FL), 2022);
        assert_true(id > 0);
        assert_int_equal(hubfx_member(&fx, id, p), 0);
    }
    assert_int_equal(hubfx_commit(&fx), 0);
    report_options_init(&o);
    html = build(fx.s, &o, &sum);
    check_structure(html, &sum);
    check_no_small_numbers(html, STATS_SDC_K_DEFAULT);
    /* the rows of the small countries say x; their tooltips say suppressed */
    assert_non_null(
        strstr(html, "<th scope=\"row\">Nigeria</th><td class=\"n\"><span class=\"x\""));
    assert_non_null(
        strstr(html, "<th scope=\"row\">Thailand</th><td class=\"n\"><span class=\"x\""));
    assert_non_null(strstr(html, "<title>Nigeria: suppressed</title>"));
    assert_null(strstr(html, "Nigeria: 7"));
    assert_null(strstr(html, "Thailand: 6"));
    /* a suppressed value never gets a bar: hatched marks of one fixed size in bar charts */
    {
        const char *q = html;
        size_t marks = 0;
        while ((q = strstr(q, "<rect class=\"sup\"")) != NULL) {
            const char *w = strstr(q, "width=\"");
            double width = strtod(w + 7, NULL);
            /* hbar 12, columns 14, heat map cells and the hatched rest of a 100 % bar vary */
            if (width != 12 && width != 14)
                assert_non_null(strstr(q, "suppressed counts together") != NULL ||
                                        strstr(q, " to ") != NULL
                                    ? q
                                    : NULL);
            marks++;
            q++;
        }
        assert_true(marks > 0);
    }
    free(html);
    hubfx_close(&fx);
}

/* ---- no run ---- */

static void test_no_run(void **state)
{
    struct hubfx fx;
    struct report_options o;
    struct buf b;
    struct err e;
    (void)state;

    assert_int_equal(hubfx_open(&fx, "report-norun"), 0);
    assert_int_equal(hubfx_commit(&fx), 0);
    report_options_init(&o);
    buf_init(&b, REPORT_MAX_BYTES);
    err_init(&e);
    assert_int_equal(report_build(fx.s, &o, &b, NULL, &e), ERR_NOTFOUND);
    buf_release(&b);
    hubfx_close(&fx);
}

/* ---- text helpers ---- */

static void test_escape_and_text(void **state)
{
    struct buf b;
    char out[64];
    (void)state;

    buf_init(&b, 1024);
    assert_int_equal(report_escape(&b, "<a href=\"x\">'&'</a>\x01"), 0);
    assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    buf_release(&b);
    buf_init(&b, 8);
    assert_int_equal(report_escape(&b, "<<<<<<<<"), ERR_TOOBIG);
    assert_int_equal(b.len, 0);
    buf_release(&b);

    report__num_str(0, out);
    assert_string_equal(out, "0");
    report__num_str(1234, out);
    assert_string_equal(out, "1234");
    report__num_str(12345, out);
    assert_string_equal(out, "12\xE2\x80\xAF"
                             "345");
    report__num_str(-1234567, out);
    assert_string_equal(out, "-1\xE2\x80\xAF"
                             "234\xE2\x80\xAF"
                             "567");

    /* widths: wider text is wider, and DejaVu's 'W' is about an em */
    assert_true(report__text_width("WWWW", 10) > report__text_width("iiii", 10));
    assert_true(report__text_width("W", 1000) > 980 && report__text_width("W", 1000) < 1020);
    /* fit: a short text is kept; a long one is cut with an ellipsis that fits */
    assert_false(report__fit("Germany", 13, 200, out, sizeof(out)));
    assert_string_equal(out, "Germany");
    assert_true(report__fit("Trafficking for forced criminal activity", 13, 100, out, sizeof(out)));
    assert_true(report__text_width(out, 13) <= 100);
    assert_non_null(strstr(out, "\xE2\x80\xA6"));
    /* cut at a character boundary, never inside a UTF-8 sequence */
    assert_true(report__fit("\xC3\x85land \xC3\x85land \xC3\x85land", 13, 40, out, sizeof(out)));
    assert_true((unsigned char)out[strlen(out) - 4] < 0x80 ||
                ((unsigned char)out[strlen(out) - 4] & 0xC0) != 0x80);

    /* nice axis maxima */
    {
        double step = 0;
        assert_true(report__nice_max(1257, 5, &step) == 1500 && step == 500);
        assert_true(report__nice_max(600, 5, &step) == 600 && step == 200);
        assert_true(report__nice_max(7, 5, &step) >= 7 && step >= 1);
    }
}

/* ---- the reader of stored releases ---- */

static void test_release_parse(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"tables\": []}",
        "{\"dp\": {}, \"tables\": [{\"name\": \"t\"}]}",
        "{\"dp\": {}, \"tables\": [{\"name\": \"t\", \"rows\": [{\"code\": \"a\"}], \"values\": "
        "[1.5], \"total\": 1}]}",
        "{\"dp\": {}, \"tables\": [{\"name\": \"t\", \"rows\": [{\"code\": \"a\"}], \"values\": "
        "[1, 2], \"total\": 3}]}",
        "{\"dp\": {}, \"tables\": [{\"name\": \"t\", \"rows\": [{\"code\": \"a\"}], \"cols\": "
        "[{\"code\": \"b\"}], \"values\": [[1]], \"row_totals\": [1], \"total\": 1}]}",
        "{\"dp\": {}, \"dp\": {}, \"tables\": []}",
    };
    const char *good =
        "{\"persons\": 5, \"records\": -3, \"dp\": {\"mechanism\": \"discrete-laplace\", "
        "\"noise\": {\"t\": {\"sensitivity\": 1, \"scale\": \"24\"}}}, \"tables\": [{\"name\": "
        "\"t\", \"rows\": [{\"code\": \"a\", \"label\": \"A\"}, {\"code\": \"b\"}], \"values\": "
        "[7, -2], \"total\": 5}, {\"name\": \"m\", \"rows\": [{\"code\": \"r\"}], \"cols\": "
        "[{\"code\": \"c\"}, {\"code\": \"d\"}], \"values\": [[1, null]], \"row_totals\": [3], "
        "\"col_totals\": [1, 2], \"total\": 3}]}";
    struct stats_result r;
    struct json_t *dp = NULL;
    struct err e;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        stats_result_init(&r);
        err_init(&e);
        assert_int_equal(report__release_parse(bad[i], strlen(bad[i]), &r, &dp, &e), ERR_INVALID);
        assert_null(dp);
        stats_result_release(&r);
    }
    stats_result_init(&r);
    assert_int_equal(report__release_parse(good, strlen(good), &r, &dp, &e), 0);
    assert_int_equal(r.ntables, 2);
    assert_int_equal(r.persons, 5);
    assert_int_equal(r.records, 0); /* a negative noisy count is not a count of records */
    assert_int_equal(r.tables[0].v[stats_at(&r.tables[0], 1, 0)], -2);
    assert_string_equal(r.tables[0].rows[1].label, "b");
    assert_int_equal(r.tables[1].status[stats_at(&r.tables[1], 0, 1)], STATS_PRIMARY);
    assert_int_equal(r.tables[1].v[stats_at(&r.tables[1], 1, 1)], 2);
    assert_int_equal(r.tables[1].v[stats_at(&r.tables[1], 1, 2)], 3);
    {
        struct report__data d;
        memset(&d, 0, sizeof(d));
        d.dp = dp;
        /* Laplace scale 24: standard deviation 24 sqrt(2) */
        assert_true(report__noise_sd(&d, "t") > 33.9 && report__noise_sd(&d, "t") < 34.0);
        assert_true(report__noise_sd(&d, "none") == 0);
    }
    json_decref(dp);
    stats_result_release(&r);
}

int main(void)
{
    const struct CMUnitTest synth_tests[] = {
        cmocka_unit_test(test_structure_sdc),
        cmocka_unit_test(test_exact_stamped),
        cmocka_unit_test(test_protection_consistent),
        cmocka_unit_test(test_dp_from_ledger),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sum_across_tables), cmocka_unit_test(test_hostile_agency),
        cmocka_unit_test(test_suppressed_marks),  cmocka_unit_test(test_no_run),
        cmocka_unit_test(test_escape_and_text),   cmocka_unit_test(test_release_parse),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests(synth_tests, setup_synth, teardown_synth);
}
