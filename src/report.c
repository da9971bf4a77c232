/*
 * report.c: the report as a document: its chapters, the data table under every
 * chart, the methods and privacy note, the style sheet, and writing the file.
 *
 * The chapters follow the UNODC Global Report on Trafficking in Persons:
 *   1. headline numbers          5. flows (matrix, classes, world map, citizenships)
 *   2. victims by sex and age    6. regional profiles
 *   3. forms of exploitation     7. the coordination indicator
 *   4. trends by year            8. methods and privacy
 * Each chart is a <figure> holding the SVG (report_charts.c), its caption and a
 * <table> of the numbers it draws, so that a reader without sight of the chart, or
 * a printed copy, has every value. Under suppression a value is "x", never 0; under
 * DP every number is labelled noisy. Chart orders (largest first) use published
 * values only: suppressed entries come after, by label, so that a position never
 * hints at a hidden count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codes.h"
#include "report_int.h"
#include "xalloc.h"

#include "banned.h"

struct doc {
    struct buf *b;
    const struct report__data *d;
    struct report__chart_ctx cc;
    size_t chapters, tables;
    bool noisy, exact;
    double floor;      /* DP: a country's count below this is not told apart from noise */
    double year_floor; /* DP: the same for a year */
};

/* ---- small writers ---- */

static void put(struct doc *x, const char *s)
{
    buf_puts(x->b, s);
}

static void esc(struct doc *x, const char *s)
{
    report__esc(x->b, s);
}

static bool shown(struct report__val v)
{
    return v.st == STATS_SHOWN;
}

void report__val_html(struct buf *b, struct report__val v, bool noisy)
{
    if (v.st == STATS_WITHHELD) {
        buf_puts(b, "<span class=\"x\" title=\"withheld: the table could not be protected\">"
                    "withheld</span>");
        return;
    }
    if (v.st != STATS_SHOWN) {
        buf_puts(b, "<span class=\"x\" title=\"suppressed: a small count, or one hidden so that a "
                    "small count cannot be worked out\">x</span>");
        return;
    }
    report__num(b, v.v);
    (void)noisy;
}

/* "12 %" of part in whole, or "" when it cannot be told. */
static void share_str(struct report__val part, struct report__val whole, char out[16])
{
    out[0] = '\0';
    if (!shown(part) || !shown(whole) || whole.v <= 0 || part.v < 0)
        return;
    if (part.v == 0) {
        snprintf(out, 16, "0 %%");
        return;
    }
    if (part.v > 0 && part.v * 1000 < whole.v)
        snprintf(out, 16, "&lt;0.1 %%");
    else
        snprintf(out, 16, "%.*f %%", part.v * 10 < whole.v ? 1 : 0,
                 100.0 * (double)part.v / (double)whole.v);
}

static struct report__val at(const struct stats_table *t, size_t i, size_t j)
{
    return report__val_at(t, stats_at(t, i, j));
}

static struct report__val total_of(const struct stats_table *t)
{
    return at(t, t->nrows, stats_is_1d(t) ? 0 : t->ncols);
}

static bool is_unknown(const struct stats_cat *c)
{
    return strcmp(c->code, "unknown") == 0;
}

/* ---- ordering by published value ---- */

struct ord {
    const struct stats_table *t;
};

static const struct stats_table *sort_table;

/* Rank of a value in a chart's order: published non-zero, then suppressed (at least 1),
 * then published zeros (and negative noisy counts). */
static int rank(struct report__val v)
{
    return !shown(v) ? 1 : v.v > 0 ? 0 : 2;
}

static int by_value(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    struct report__val va = at(sort_table, a, 0), vb = at(sort_table, b, 0);
    bool ua = is_unknown(&sort_table->rows[a]), ub = is_unknown(&sort_table->rows[b]);
    if (ua != ub)
        return ua ? 1 : -1;
    if (rank(va) != rank(vb))
        return rank(va) < rank(vb) ? -1 : 1;
    if (shown(va) && va.v != vb.v)
        return va.v > vb.v ? -1 : 1;
    return strcmp(sort_table->rows[a].label, sort_table->rows[b].label);
}

/* Rows of the 1-D table t: published values largest first, then suppressed ones by
 * label, then zeros, unknown last. Returns a new array of nrows indices. */
static size_t *order_rows(const struct stats_table *t)
{
    size_t *idx = NULL, i;
    ALLOC_ARRAY(idx, t->nrows + 1);
    for (i = 0; i < t->nrows; i++)
        idx[i] = i;
    sort_table = t;
    qsort(idx, t->nrows, sizeof(*idx), by_value);
    sort_table = NULL;
    return idx;
}

/* ---- document parts ---- */

static void chapter_open(struct doc *x, const char *id, int num, const char *title)
{
    buf_printf(x->b, "<section class=\"chapter\" id=\"%s\" aria-labelledby=\"%s-h\">", id, id);
    if (x->exact)
        put(x, "<p class=\"stamp\">NOT FOR CIRCULATION: exact counts, no disclosure control</p>");
    buf_printf(x->b, "<h2 id=\"%s-h\"><span class=\"num\">%d</span> ", id, num);
    esc(x, title);
    put(x, "</h2>");
    x->chapters++;
}

static void chapter_close(struct doc *x)
{
    put(x, "</section>\n");
}

/* Open a figure; writes its id into id[24]. */
static void fig_open(struct doc *x, char id[24], const char *caption)
{
    x->cc.nfig++;
    snprintf(id, 24, "fig-%d", x->cc.nfig);
    buf_printf(x->b, "<figure class=\"fig\" id=\"%s-f\"><figcaption><b>Figure %d.</b> ", id,
               x->cc.nfig);
    esc(x, caption);
    put(x, "</figcaption>");
}

static void fig_close(struct doc *x)
{
    put(x, "</figure>\n");
}

static void table_open(struct doc *x, const char *caption)
{
    x->tables++;
    put(x, "<div class=\"tw\"><table class=\"data\"><caption>");
    esc(x, caption);
    if (x->noisy)
        put(x, " <span class=\"noisy\">(noisy counts)</span>");
    put(x, "</caption>");
}

static void table_close(struct doc *x)
{
    put(x, "</table></div>");
}

static void td_val(struct doc *x, struct report__val v)
{
    put(x, "<td class=\"n\">");
    report__val_html(x->b, v, x->noisy);
    put(x, "</td>");
}

/*
 * A 1-D table: the rows order[0..n) of t, a share column (not under DP), and the
 * total. unit is the column heading ("Persons").
 */
static void table_1d(struct doc *x, const struct stats_table *t, const char *caption,
                     const size_t *order, size_t n, const char *dim, const char *unit,
                     bool with_total)
{
    struct report__val tot = total_of(t);
    bool share = !x->noisy;
    size_t i;

    table_open(x, caption);
    put(x, "<thead><tr><th scope=\"col\">");
    esc(x, dim);
    put(x, "</th><th scope=\"col\" class=\"n\">");
    esc(x, unit);
    put(x, "</th>");
    if (share)
        put(x, "<th scope=\"col\" class=\"n\">Share</th>");
    put(x, "</tr></thead><tbody>");
    for (i = 0; i < n; i++) {
        size_t r = order != NULL ? order[i] : i;
        struct report__val v = at(t, r, 0);
        char s[16];
        put(x, "<tr><th scope=\"row\">");
        esc(x, t->rows[r].label);
        put(x, "</th>");
        td_val(x, v);
        if (share) {
            share_str(v, tot, s);
            buf_printf(x->b, "<td class=\"n\">%s</td>", s);
        }
        put(x, "</tr>");
    }
    put(x, "</tbody>");
    if (with_total) {
        /* under DP the total is the sum of every noisy cell, shown or not */
        put(x, x->noisy && n < t->nrows
                   ? "<tfoot><tr><th scope=\"row\">Total (every category of the release)</th>"
                   : "<tfoot><tr><th scope=\"row\">Total</th>");
        td_val(x, tot);
        if (share)
            put(x, "<td class=\"n\">100 %</td>");
        put(x, "</tr></tfoot>");
    }
    table_close(x);
}

/* A 2-D table with its margins; rows and columns keep[] (NULL: all). */
static void table_2d(struct doc *x, const struct stats_table *t, const char *caption,
                     const bool *row_keep, const bool *col_keep, const char *corner)
{
    size_t i, j;

    table_open(x, caption);
    put(x, "<thead><tr><th scope=\"col\">");
    esc(x, corner);
    put(x, "</th>");
    for (j = 0; j < t->ncols; j++) {
        if (col_keep != NULL && !col_keep[j])
            continue;
        put(x, "<th scope=\"col\" class=\"n\">");
        esc(x, t->cols[j].label);
        put(x, "</th>");
    }
    put(x, "<th scope=\"col\" class=\"n\">Total</th></tr></thead><tbody>");
    for (i = 0; i <= t->nrows; i++) {
        if (i < t->nrows && row_keep != NULL && !row_keep[i])
            continue;
        if (i == t->nrows)
            put(x, "</tbody><tfoot>");
        put(x, "<tr><th scope=\"row\">");
        esc(x, i < t->nrows ? t->rows[i].label : "Total");
        put(x, "</th>");
        for (j = 0; j <= t->ncols; j++) {
            if (j < t->ncols && col_keep != NULL && !col_keep[j])
                continue;
            td_val(x, at(t, i, j));
        }
        put(x, "</tr>");
    }
    put(x, "</tfoot>");
    table_close(x);
}

/* Keep the rows (by_row) or columns of t whose margin is not a published zero. */
static bool *keep_nonzero(const struct doc *x, const struct stats_table *t, bool by_row)
{
    size_t n = by_row ? t->nrows : t->ncols, i;
    bool *keep = NULL;
    CALLOC_ARRAY(keep, n + 1);
    for (i = 0; i < n; i++) {
        struct report__val v = by_row ? at(t, i, t->ncols) : at(t, t->nrows, i);
        keep[i] = x->noisy || !shown(v) || v.v != 0; /* DP: every noisy row is shown */
    }
    return keep;
}

/* ---- the chapters ---- */

static void p_noise_note(struct doc *x, const char *table)
{
    char sd[32];
    if (!x->noisy)
        return;
    report__num_str((int64_t)llround(report__noise_sd(x->d, table)), sd);
    buf_printf(x->b,
               "<p class=\"note\">Noisy counts: each has random noise with a standard deviation of "
               "about %s persons. Small counts and differences smaller than that are not "
               "meaningful.</p>",
               sd);
}

static void cover(struct doc *x)
{
    const struct report__data *d = x->d;
    char k[16];

    put(x, "<header class=\"cover\">");
    if (x->exact)
        put(x, "<p class=\"stamp big\">NOT FOR CIRCULATION: exact counts without disclosure "
               "control, for the hub's own staff only</p>");
    put(x, "<p class=\"kicker\">tiphub report &middot; Global Report statistics from linked hub "
           "data</p><h1>");
    esc(x, d->title);
    put(x, "</h1><p class=\"sub\">Persons detected as victims of trafficking");
    if (d->year != 0)
        buf_printf(x->b, ", first identified in %d", d->year);
    buf_printf(x->b, " &middot; link run %lld of ", (long long)d->run_id);
    esc(x, d->run_created_at);
    put(x, " &middot; report of ");
    esc(x, d->date);
    put(x, "</p>");
    snprintf(k, sizeof(k), "%u", d->k);
    if (d->protection == STATS_SDC)
        buf_printf(x->b,
                   "<p class=\"badge sdc\">Disclosure control: counts from 1 to %u are suppressed "
                   "(shown as x) and so is whatever would reveal them</p>",
                   d->k - 1);
    else if (d->protection == STATS_DP) {
        put(x, "<p class=\"badge dp\">Differential privacy: every count is noisy (epsilon ");
        esc(x, d->epsilon);
        put(x, ")</p>");
    } else
        put(x, "<p class=\"badge exact\">Exact counts: no disclosure control</p>");
    put(x, "</header>\n<nav class=\"toc\" aria-label=\"Contents\"><h2>Contents</h2><ol>"
           "<li><a href=\"#headline\">Headline numbers</a></li>"
           "<li><a href=\"#sex-age\">Victims by sex and age</a></li>"
           "<li><a href=\"#forms\">Forms of exploitation</a></li>"
           "<li><a href=\"#trends\">Trends by year</a></li>"
           "<li><a href=\"#flows\">Flows</a></li>"
           "<li><a href=\"#regions\">Regional profiles</a></li>"
           "<li><a href=\"#coordination\">Coordination between agencies</a></li>"
           "<li><a href=\"#methods\">Methods and privacy</a></li></ol></nav>\n");
}

static void card(struct doc *x, const char *label, const char *value, const char *note)
{
    put(x, "<div class=\"card\"><dt>");
    esc(x, label);
    put(x, "</dt><dd>");
    put(x, value); /* built here from numbers, already safe */
    put(x, "</dd>");
    if (note != NULL) {
        put(x, "<dd class=\"cn\">");
        esc(x, note);
        put(x, "</dd>");
    }
    put(x, "</div>");
}

/* A value as HTML into out: the number or the suppressed mark. */
static void val_str(struct doc *x, struct report__val v, char *out, size_t size)
{
    struct buf b;
    buf_init(&b, 512);
    report__val_html(&b, v, x->noisy);
    snprintf(out, size, "%s", b.data);
    buf_release(&b);
}

/* Years (rows other than unknown) of the year table with a count: first and last. */
static bool years_span(const struct doc *x, const struct stats_table *t, const char **first,
                       const char **last)
{
    size_t i;
    *first = *last = NULL;
    for (i = 0; i < t->nrows; i++) {
        struct report__val v = at(t, i, 0);
        bool has = !shown(v) || (x->noisy ? (double)v.v >= x->year_floor : v.v > 0);
        if (is_unknown(&t->rows[i]) || !has)
            continue;
        if (*first == NULL)
            *first = t->rows[i].label;
        *last = t->rows[i].label;
    }
    return *first != NULL;
}

static void ch_headline(struct doc *x)
{
    const struct report__data *d = x->d;
    const struct stats_table *total = report__table(d, "total");
    const struct stats_table *ag = report__table(d, "agencies_per_person");
    const struct stats_table *cit = report__table(d, "citizenship");
    const struct stats_table *year = report__table(d, "year");
    struct report__val persons = total != NULL ? total_of(total) : (struct report__val){0, 1};
    char v[256], share[64];
    size_t i, ncountries = 0;
    const char *y0 = NULL, *y1 = NULL;

    chapter_open(x, "headline", 1, "Headline numbers");
    put(x, "<dl class=\"cards\">");
    val_str(x, persons, v, sizeof(v));
    card(x, x->noisy ? "Persons detected (noisy)" : "Persons detected", v,
         "unique persons after linking the agencies' records");
    {
        struct report__val rec;
        rec.v = (int64_t)d->res.records;
        rec.st = STATS_SHOWN;
        if (d->protection == STATS_SDC && (!shown(persons) || d->res.records < d->k))
            rec.st = STATS_PRIMARY;
        val_str(x, rec, v, sizeof(v));
        card(x, x->noisy ? "Records (noisy)" : "Records", v,
             "case records the agencies sent, before linking");
    }
    share[0] = '\0';
    if (ag != NULL) {
        struct report__val one = at(ag, 0, 0), all = total_of(ag);
        if (x->noisy) {
            double multi = 0, sum = 0;
            for (i = 0; i < ag->nrows; i++) {
                double w = ag->v[stats_at(ag, i, 0)] > 0 ? (double)ag->v[stats_at(ag, i, 0)] : 0;
                sum += w;
                if (i > 0)
                    multi += w;
            }
            if (sum > 0)
                snprintf(share, sizeof(share), "about %.0f %%", 100 * multi / sum);
        } else if (shown(one) && shown(all) && all.v > 0) {
            snprintf(share, sizeof(share), "%.0f %%",
                     100.0 * (double)(all.v - one.v) / (double)all.v);
        }
    }
    card(x, "Met by more than one agency",
         share[0] != '\0' ? share : "<span class=\"x\" title=\"suppressed\">x</span>",
         "share of persons recorded by two or more agencies");
    if (cit != NULL) {
        for (i = 0; i < cit->nrows; i++) {
            struct report__val c = at(cit, i, 0);
            if (is_unknown(&cit->rows[i]))
                continue;
            if (!shown(c) || (x->noisy ? (double)c.v >= x->floor : c.v > 0))
                ncountries++;
        }
    }
    snprintf(v, sizeof(v), "%s%zu", x->noisy ? "about " : "", ncountries);
    card(x, "Countries of citizenship", v,
         x->noisy ? "countries whose noisy count is above the noise" : "of the persons detected");
    if (year != NULL && years_span(x, year, &y0, &y1)) {
        struct buf b;
        buf_init(&b, 256);
        report__esc(&b, y0);
        if (strcmp(y0, y1) != 0) {
            buf_puts(&b, "&ndash;");
            report__esc(&b, y1);
        }
        snprintf(v, sizeof(v), "%s", b.data);
        buf_release(&b);
    } else {
        snprintf(v, sizeof(v), "none");
    }
    card(x, "Years covered", v, "of first identification");
    put(x, "</dl>");
    buf_printf(x->b,
               "<p>The hub received records from %zu agencies. Linking them without sharing names "
               "(privacy-preserving record linkage of keyed Bloom-filter encodings) found the "
               "persons that several agencies met; each person counts once in every table of "
               "this report.",
               d->res.nagencies);
    if (x->noisy)
        put(x, " All numbers are <strong>noisy</strong>: random noise protects each person "
               "(differential privacy; see <a href=\"#methods\">Methods</a>).");
    else if (d->protection == STATS_SDC)
        put(x, " Small counts are <strong>suppressed</strong> and shown as <span class=\"x\">x"
               "</span> (see <a href=\"#methods\">Methods</a>); a 0 is a true zero.");
    put(x, "</p>");
    chapter_close(x);
}

/* The groups of sex_age_groups (enum stats_group), as segments of the national 100 % bar. */
static const struct report__seg group_segs[STATS_NGROUPS] = {
    {"Women", REPORT_C_VERMILION},
    {"Men", REPORT_C_BLUE},
    {"Girls", REPORT_C_ORANGE},
    {"Boys", REPORT_C_SKY},
    {"Other sex", REPORT_C_PURPLE},
    {"Sex not recorded", REPORT_C_GREY},
    {"Age not recorded", REPORT_C_LIGHTGREY},
};
/* The five groups of the regional profiles, as segments of their 100 % bars. */
#define NSEG REPORT_NSEXAGE_GROUPS
static const struct report__seg segs[NSEG] = {
    {"Women", REPORT_C_VERMILION},
    {"Men", REPORT_C_BLUE},
    {"Girls", REPORT_C_ORANGE},
    {"Boys", REPORT_C_SKY},
    {"Other or unknown sex or age", REPORT_C_GREY},
};

static void ch_sex_age(struct doc *x)
{
    const struct stats_table *g = report__table(x->d, "sex_age_groups");
    const struct stats_table *t = report__table(x->d, "sex_age"); /* exact and DP only */
    struct report__val sv[STATS_NGROUPS];
    struct report__stack st;
    struct report__bar bars[STATS_NGROUPS];
    size_t i;
    char id[24];

    chapter_open(x, "sex-age", 2, "Victims by sex and age");
    if (g == NULL || g->nrows != STATS_NGROUPS) {
        put(x, "<p>No table of sex and age.</p>");
        chapter_close(x);
        return;
    }
    put(x, "<p>The Global Report describes detected victims as women, men, girls and boys "
           "(under 18). A person's age group is that at the first identification: a child if any "
           "agency recorded them as a child; sex is the value most of their records give. Persons "
           "of another sex, or whose sex or age no agency recorded, are counted apart.");
    if (x->d->protection == STATS_SDC)
        put(x, " Under suppression the report publishes these seven groups and not the whole "
               "table of sex by age group, in which a small cell such as &lsquo;male, age not "
               "recorded&rsquo; would take the boys or the men down with it.");
    put(x, "</p>");
    for (i = 0; i < STATS_NGROUPS; i++) {
        sv[i] = at(g, i, 0);
        bars[i].label = group_segs[i].label;
        bars[i].val = sv[i];
    }
    st.label = "All detected victims";
    st.total = total_of(g);
    st.vals = sv;
    fig_open(x, id,
             "Shares of women, men, girls and boys among the persons detected, then the others.");
    report__chart_stack100(
        &x->cc, id, "Detected victims by sex and age group",
        "A bar of 100 per cent split into women, men, girls, boys, persons of other sex, "
        "persons whose sex was not recorded and persons whose age was not recorded; the table "
        "below has every count.",
        group_segs, STATS_NGROUPS, &st, 1);
    table_1d(x, g, "Detected victims by group of sex and age", NULL, g->nrows, "Group", "Persons",
             true);
    fig_close(x);

    fig_open(x, id, "Numbers of persons in each group.");
    report__chart_hbar(&x->cc, id, "Detected victims by sex and age group (persons)",
                       "Horizontal bars: persons in each group of sex and age.", bars,
                       STATS_NGROUPS, REPORT_C_BLUE, x->noisy ? "persons (noisy)" : "persons");
    if (t != NULL && t->nrows == STATS_NSEX && t->ncols == STATS_NAGE) {
        table_2d(x, t, "Detected victims by sex (rows) and age group (columns)", NULL, NULL, "Sex");
    } else {
        table_open(x, "Persons in each group of sex and age");
        put(x, "<thead><tr><th scope=\"col\">Group</th><th scope=\"col\" class=\"n\">Persons</th>"
               "</tr></thead><tbody>");
        for (i = 0; i < STATS_NGROUPS; i++) {
            put(x, "<tr><th scope=\"row\">");
            esc(x, g->rows[i].label);
            put(x, "</th>");
            td_val(x, sv[i]);
            put(x, "</tr>");
        }
        put(x, "</tbody>");
        table_close(x);
    }
    fig_close(x);
    p_noise_note(x, "sex_age");
    if (x->noisy)
        put(x, "<p class=\"note\">The release measures the table of sex by age group; each group "
               "is a sum of its cells (other sex and sex not recorded: three cells each, age not "
               "recorded: two), whose noise adds up: about 1.7 and 1.4 times as much.</p>");
    chapter_close(x);
}

/*
 * The label of a form or an ICCS code in a chart, where "Trafficking for" says
 * nothing: "Forced labour", "02042 Forced labour or services". Written into out.
 */
static const char *short_label(const struct stats_cat *c, char *out, size_t size)
{
    static const char *const prefixes[] = {"Trafficking in persons for ", "Trafficking for "};
    size_t i, n;
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        n = strlen(prefixes[i]);
        if (strncmp(c->label, prefixes[i], n) == 0 && c->label[n] >= 'a' && c->label[n] <= 'z') {
            bool iccs = strncmp(c->code, "0204", 4) == 0;
            snprintf(out, size, "%s%s%c%s", iccs ? c->code : "", iccs ? " " : "",
                     c->label[n] - 'a' + 'A', c->label + n + 1);
            return out;
        }
    }
    return c->label;
}

/* Bars of the rows order[0..n) of the 1-D table t. */
static struct report__bar *bars_of(const struct stats_table *t, const size_t *order, size_t n)
{
    struct report__bar *bars = NULL;
    size_t i;
    CALLOC_ARRAY(bars, n + 1);
    for (i = 0; i < n; i++) {
        size_t r = order != NULL ? order[i] : i;
        bars[i].label = t->rows[r].label;
        bars[i].val = at(t, r, 0);
    }
    return bars;
}

static void ch_forms(struct doc *x)
{
    const struct stats_table *f = report__table(x->d, "form");
    const struct stats_table *ic = report__table(x->d, "iccs");
    char id[24];

    chapter_open(x, "forms", 3, "Forms of exploitation");
    put(x, "<p>Each person counts once, under one form: <em>mixed</em> when their records show "
           "both sexual exploitation and forced labour, otherwise the first of sexual "
           "exploitation, forced labour, forced criminal activity, forced begging, forced "
           "marriage, organ removal, illegal adoption, armed conflict and other purposes. "
           "Forced criminal activity (such as forced online scams) is reported apart, as in the "
           "Global Report since 2022.</p>");
    if (f != NULL) {
        size_t *order = order_rows(f), i;
        struct report__bar *bars = bars_of(f, order, f->nrows);
        char(*labels)[128] = NULL;
        CALLOC_ARRAY(labels, f->nrows + 1);
        for (i = 0; i < f->nrows; i++)
            bars[i].label = short_label(&f->rows[order[i]], labels[i], sizeof(labels[i]));
        fig_open(x, id, "Detected victims by form of exploitation (one form per person).");
        report__chart_hbar(&x->cc, id, "Detected victims by form of exploitation",
                           "Horizontal bars, largest first: persons by the Global Report's forms "
                           "of exploitation.",
                           bars, f->nrows, REPORT_C_VERMILION,
                           x->noisy ? "persons (noisy)" : "persons");
        table_1d(x, f, "Detected victims by form of exploitation", order, f->nrows, "Form",
                 "Persons", true);
        fig_close(x);
        free(labels);
        free(bars);
        free(order);
    }
    if (ic != NULL) {
        struct report__bar *bars = bars_of(ic, NULL, ic->nrows);
        char(*labels)[128] = NULL;
        size_t i;
        CALLOC_ARRAY(labels, ic->nrows + 1);
        for (i = 0; i < ic->nrows; i++)
            bars[i].label = short_label(&ic->rows[i], labels[i], sizeof(labels[i]));
        fig_open(x, id,
                 "Detected victims by ICCS code (0204, trafficking in persons). A person counts "
                 "under each code of their forms (at most three), so the codes add up to more "
                 "than the persons.");
        report__chart_hbar(&x->cc, id, "Detected victims by ICCS code",
                           "Horizontal bars: persons under each ICCS code 02041 to 02044.", bars,
                           ic->nrows, REPORT_C_PURPLE,
                           x->noisy ? "person-forms (noisy)" : "person-forms");
        table_1d(x, ic, "Detected victims by ICCS code (person-forms)", NULL, ic->nrows,
                 "ICCS code", "Person-forms", true);
        fig_close(x);
        free(labels);
        free(bars);
    }
    p_noise_note(x, "form");
    chapter_close(x);
}

static void ch_trends(struct doc *x)
{
    const struct stats_table *t = report__table(x->d, "year");
    struct report__bar *bars = NULL;
    size_t i, n = 0, first = SIZE_MAX, last = 0, unknown = SIZE_MAX;
    char id[24];

    chapter_open(x, "trends", 4, "Trends by year");
    if (t == NULL) {
        chapter_close(x);
        return;
    }
    /* the years with a count (published non-zero, suppressed, or noisy above the floor) */
    for (i = 0; i < t->nrows; i++) {
        struct report__val v = at(t, i, 0);
        if (is_unknown(&t->rows[i])) {
            unknown = i;
            continue;
        }
        if (!shown(v) || (x->noisy ? (double)v.v >= x->year_floor : v.v != 0)) {
            if (first == SIZE_MAX)
                first = i;
            last = i;
        }
    }
    put(x, "<p>Persons by the year they were first identified by any agency. A person met "
           "again in a later year is not counted again.</p>");
    if (first == SIZE_MAX) {
        put(x, "<p>No year of identification is recorded.</p>");
        chapter_close(x);
        return;
    }
    CALLOC_ARRAY(bars, last - first + 2);
    for (i = first; i <= last; i++) {
        bars[n].label = t->rows[i].label;
        bars[n].val = at(t, i, 0);
        n++;
    }
    fig_open(x, id, "Detected victims by year of first identification.");
    report__chart_columns(&x->cc, id, "Detected victims by year of first identification",
                          "Columns, one per year: persons first identified in that year.", bars, n,
                          REPORT_C_BLUE, x->noisy ? "persons (noisy)" : "persons");
    {
        size_t *order = NULL, m = 0;
        ALLOC_ARRAY(order, n + 2);
        for (i = first; i <= last; i++)
            order[m++] = i;
        if (unknown != SIZE_MAX)
            order[m++] = unknown;
        table_1d(x, t, "Detected victims by year of first identification", order, m, "Year",
                 "Persons", true);
        free(order);
    }
    fig_close(x);
    if (x->noisy && (first > 0 || last + 2 < t->nrows))
        put(x, "<p class=\"note\">The release also has noisy counts for the other years of its "
               "range; they are below the noise and not shown.</p>");
    p_noise_note(x, "year");
    free(bars);
    chapter_close(x);
}

static void ch_flows(struct doc *x)
{
    const struct report__data *d = x->d;
    const struct stats_table *fc = report__table(d, "flow_class");
    const struct stats_table *fs = report__table(d, "flows_subregion");
    const struct stats_table *cit = report__table(d, "citizenship");
    const struct stats_table *det = report__table(d, "detection");
    char id[24];

    chapter_open(x, "flows", 5, "Flows");
    put(x, "<p>A flow goes from a person's country of citizenship to the country where an agency "
           "detected them. It is <em>domestic</em> when the two are the same, "
           "<em>intra-regional</em> when both are in the same Global Report region (Europe and "
           "Central Asia; the Americas; South Asia, East Asia and the Pacific; Africa and the "
           "Middle East) and <em>trans-regional</em> otherwise.</p>");
    if (fc != NULL && fc->nrows == STATS_NFLOW) {
        static const struct report__seg fsegs[STATS_NFLOW] = {
            {"Domestic", REPORT_C_GREEN},
            {"Intra-regional", REPORT_C_SKY},
            {"Trans-regional", REPORT_C_VERMILION},
            {"Unknown", REPORT_C_GREY},
        };
        struct report__val vals[STATS_NFLOW];
        struct report__stack st;
        size_t i;
        for (i = 0; i < STATS_NFLOW; i++)
            vals[i] = at(fc, i, 0);
        st.label = "All detected victims";
        st.total = total_of(fc);
        st.vals = vals;
        fig_open(x, id, "Domestic, intra-regional and trans-regional flows.");
        report__chart_stack100(&x->cc, id, "Detected victims by kind of flow",
                               "A bar of 100 per cent split into domestic, intra-regional, "
                               "trans-regional and unknown flows.",
                               fsegs, STATS_NFLOW, &st, 1);
        table_1d(x, fc, "Detected victims by kind of flow", NULL, fc->nrows, "Flow", "Persons",
                 true);
        fig_close(x);
    }
    if (fs != NULL && !stats_is_1d(fs)) {
        bool *rk = keep_nonzero(x, fs, true), *ck = keep_nonzero(x, fs, false);
        fig_open(x, id,
                 "Origin and destination: Global Report subregion of citizenship (rows) and of "
                 "detection (columns). Rows and columns without any person are left out.");
        report__chart_heatmap(&x->cc, id, "Flows between subregions",
                              "A matrix of origin subregions (rows) by destination subregions "
                              "(columns); darker cells hold more persons.",
                              fs, rk, ck, "Citizenship (rows)", "Detection (columns)");
        table_2d(x, fs,
                 "Detected victims by subregion of citizenship (rows) and of detection "
                 "(columns)",
                 rk, ck, "Citizenship \\ detection");
        fig_close(x);
        free(rk);
        free(ck);
    }
    if (cit != NULL) {
        size_t *order = order_rows(cit), *top = NULL, n = 0, i, ntop = 0;
        struct report__bar *bars = NULL;

        ALLOC_ARRAY(top, cit->nrows + 1);
        /* the top citizenships: published values only, largest first */
        for (i = 0; i < cit->nrows && ntop < 15; i++) {
            struct report__val v = at(cit, order[i], 0);
            if (is_unknown(&cit->rows[order[i]]) || !shown(v) ||
                (x->noisy ? (double)v.v < x->floor : v.v <= 0))
                continue;
            top[ntop++] = order[i];
        }
        /* the table of the map: every country with a count (DP: above the floor), unknown */
        for (i = 0; i < cit->nrows; i++) {
            struct report__val v = at(cit, order[i], 0);
            if (x->noisy && !is_unknown(&cit->rows[order[i]]) && (double)v.v < x->floor)
                continue;
            if (!x->noisy && shown(v) && v.v == 0)
                continue;
            order[n++] = order[i];
        }
        fig_open(x, id,
                 "Countries of citizenship of the persons detected; outlined: the countries "
                 "of detection.");
        report__chart_map(&x->cc, id, "Detected victims by country of citizenship",
                          "A world map shaded by the number of persons of each citizenship; "
                          "darker is more. Hatched countries are suppressed.",
                          cit, det, x->noisy ? x->floor : 0);
        table_1d(x, cit, "Detected victims by country of citizenship", order, n,
                 "Country of citizenship", "Persons", true);
        if (x->noisy)
            put(x, "<p class=\"note\">Countries whose noisy count is below the noise are left "
                   "out of this table; the release has them all.</p>");
        fig_close(x);
        if (ntop > 0) {
            bars = bars_of(cit, top, ntop);
            fig_open(x, id,
                     "The countries of citizenship with the most persons detected "
                     "(published counts only; suppressed countries are in the table of "
                     "the map).");
            report__chart_hbar(&x->cc, id, "Main countries of citizenship",
                               "Horizontal bars, largest first: persons by country of "
                               "citizenship, at most 15 countries.",
                               bars, ntop, REPORT_C_ORANGE,
                               x->noisy ? "persons (noisy)" : "persons");
            table_1d(x, cit, "Main countries of citizenship", top, ntop, "Country of citizenship",
                     "Persons", false);
            fig_close(x);
            free(bars);
        }
        free(top);
        free(order);
    }
    if (det != NULL) {
        size_t *order = order_rows(det), n = 0, i;
        struct report__bar *bars = NULL;
        for (i = 0; i < det->nrows; i++) {
            struct report__val v = at(det, order[i], 0);
            if (x->noisy ? (double)v.v < x->floor && !is_unknown(&det->rows[order[i]])
                         : (shown(v) && v.v == 0))
                continue;
            order[n++] = order[i];
        }
        bars = bars_of(det, order, n);
        fig_open(x, id, "Countries where the agencies detected the persons.");
        report__chart_hbar(&x->cc, id, "Detected victims by country of detection",
                           "Horizontal bars: persons by the country of the agency that detected "
                           "them first.",
                           bars, n, REPORT_C_GREEN, x->noisy ? "persons (noisy)" : "persons");
        table_1d(x, det, "Detected victims by country of detection", order, n,
                 "Country of detection", "Persons", true);
        fig_close(x);
        free(bars);
        free(order);
    }
    p_noise_note(x, "citizenship");
    chapter_close(x);
}

static void ch_regions(struct doc *x)
{
    const struct report__data *d = x->d;
    const struct stats_table *reg = report__table(d, "detection_glotip_region");
    const struct stats_table *ps = report__table(d, "profile_sex_age");
    const struct stats_table *pf = report__table(d, "profile_form");
    char id[24];
    size_t i, j;

    chapter_open(x, "regions", 6, "Regional profiles");
    put(x, "<p>Persons by the Global Report region where they were detected (the region of the "
           "country of the first agency that detected them).</p>");
    if (reg == NULL) {
        chapter_close(x);
        return;
    }
    if (ps == NULL || pf == NULL) {
        size_t *order = order_rows(reg);
        struct report__bar *bars = bars_of(reg, order, reg->nrows);
        fig_open(x, id, "Detected victims by Global Report region of detection.");
        report__chart_hbar(&x->cc, id, "Detected victims by region of detection",
                           "Horizontal bars: persons by Global Report region of detection.", bars,
                           reg->nrows, REPORT_C_BLUE, x->noisy ? "persons (noisy)" : "persons");
        table_1d(x, reg, "Detected victims by Global Report region of detection", order, reg->nrows,
                 "Region", "Persons", true);
        fig_close(x);
        free(bars);
        free(order);
        if (x->noisy)
            put(x, "<p class=\"note\">A differentially private release measures no table of "
                   "regions by sex, age or form, so the profiles stop at the number of persons. "
                   "The national split by sex and age and by form is in chapters 2 and 3.</p>");
        chapter_close(x);
        return;
    }
    {
        struct report__stack *stacks = NULL;
        struct report__val(*sv)[NSEG] = NULL;
        bool *keep = NULL;
        size_t n = 0;
        CALLOC_ARRAY(stacks, ps->nrows + 1);
        CALLOC_ARRAY(sv, ps->nrows + 1);
        CALLOC_ARRAY(keep, ps->nrows + 1);
        for (i = 0; i < ps->nrows; i++) {
            struct report__val tot = at(ps, i, ps->ncols);
            if (shown(tot) && tot.v == 0)
                continue;
            keep[i] = true;
            for (j = 0; j < NSEG && j < ps->ncols; j++)
                sv[n][j] = at(ps, i, j);
            stacks[n].label = ps->rows[i].label;
            stacks[n].total = tot;
            stacks[n].vals = sv[n];
            n++;
        }
        fig_open(x, id, "Women, men, girls and boys among the persons detected in each region.");
        report__chart_stack100(&x->cc, id, "Detected victims by region of detection, sex and age",
                               "One bar of 100 per cent per region of detection, split into "
                               "women, men, girls, boys and other or unknown.",
                               segs, NSEG, stacks, n);
        table_2d(x, ps,
                 "Detected victims by region of detection (rows) and group of sex and age "
                 "(columns)",
                 keep, NULL, "Region");
        fig_close(x);

        /* one card per region: persons and the main forms */
        put(x, "<div class=\"regions\">");
        for (i = 0; i < pf->nrows; i++) {
            struct report__val tot = at(pf, i, pf->ncols);
            size_t best[3], nb = 0, k;
            char v[256], s[16];
            if (!keep[i])
                continue;
            put(x, "<div class=\"region\"><h3>");
            esc(x, pf->rows[i].label);
            put(x, "</h3><p class=\"big\">");
            val_str(x, tot, v, sizeof(v));
            put(x, v);
            put(x, " <span class=\"unit\">persons</span>");
            share_str(tot, at(pf, pf->nrows, pf->ncols), s);
            if (s[0] != '\0')
                buf_printf(x->b, " <span class=\"unit\">(%s of all)</span>", s);
            put(x, "</p>");
            /* the three largest published forms (unknown left out) */
            for (k = 0; k < 3; k++) {
                size_t bj = SIZE_MAX;
                for (j = 0; j < pf->ncols; j++) {
                    struct report__val fv = at(pf, i, j);
                    size_t m;
                    bool taken = false;
                    for (m = 0; m < nb; m++)
                        taken = taken || best[m] == j;
                    if (taken || !shown(fv) || fv.v <= 0 ||
                        strcmp(pf->cols[j].code, "unknown") == 0)
                        continue;
                    if (bj == SIZE_MAX || fv.v > pf->v[stats_at(pf, i, bj)])
                        bj = j;
                }
                if (bj == SIZE_MAX)
                    break;
                best[nb++] = bj;
            }
            if (nb == 0) {
                put(x, "<p>Main forms: none published.</p>");
            } else {
                put(x, "<p>Main forms:</p><ol class=\"forms\">");
                for (k = 0; k < nb; k++) {
                    char lab[128];
                    put(x, "<li>");
                    esc(x, short_label(&pf->cols[best[k]], lab, sizeof(lab)));
                    share_str(at(pf, i, best[k]), tot, s);
                    put(x, " <span class=\"unit\">");
                    report__num(x->b, pf->v[stats_at(pf, i, best[k])]);
                    if (s[0] != '\0')
                        buf_printf(x->b, " (%s)", s);
                    put(x, "</span></li>");
                }
                put(x, "</ol>");
            }
            put(x, "</div>");
        }
        put(x, "</div><p class=\"note\">Other forms: forced begging, forced marriage, organ "
               "removal, illegal adoption, exploitation in armed conflict and other purposes "
               "(chapter 3 has each).</p>");
        {
            bool *ck = keep_nonzero(x, pf, false);
            table_2d(x, pf,
                     "Detected victims by region of detection (rows) and form of "
                     "exploitation (columns)",
                     keep, ck, "Region \\ form");
            free(ck);
        }
        free(keep);
        free(sv);
        free(stacks);
    }
    chapter_close(x);
}

static void ch_coordination(struct doc *x)
{
    const struct report__data *d = x->d;
    const struct stats_table *ag = report__table(d, "agencies_per_person");
    char id[24];
    size_t i, n = 0;

    chapter_open(x, "coordination", 7, "Coordination between agencies");
    put(x, "<p>How many agencies met the same person: a person recorded by the police, a "
           "shelter and a labour inspectorate is one person met by three agencies. The share met "
           "by two or more is the coordination indicator: how often agencies share a case, "
           "whether they know it or not.</p>");
    if (ag != NULL) {
        struct report__bar *bars = bars_of(ag, NULL, ag->nrows);
        fig_open(x, id, "Persons by the number of agencies that recorded them.");
        report__chart_hbar(&x->cc, id, "Detected victims by number of agencies",
                           "Horizontal bars: persons met by one, two, three, four, or five or more "
                           "agencies.",
                           bars, ag->nrows, REPORT_C_GREEN,
                           x->noisy ? "persons (noisy)" : "persons");
        table_1d(x, ag, "Detected victims by number of agencies that recorded them", NULL,
                 ag->nrows, "Agencies", "Persons", true);
        fig_close(x);
        free(bars);
    }
    for (i = 0; i < d->res.npairs; i++)
        n += d->res.pairs[i].status == STATS_SHOWN;
    if (x->noisy) {
        put(x, "<p class=\"note\">Agency pairs are not part of a differentially private release: "
               "they name agencies, and a pair's count cannot be made noisy without a budget of "
               "its own.</p>");
    } else if (n == 0) {
        buf_printf(x->b, "<p>No pair of agencies shares %s persons or more%s.</p>",
                   d->protection == STATS_SDC ? "" : "any", "");
        if (d->protection == STATS_SDC)
            buf_printf(x->b,
                       "<p class=\"note\">Pairs sharing fewer than %u persons are not "
                       "listed.</p>",
                       d->k);
    } else {
        struct report__bar *bars = NULL;
        char(*labels)[600] = NULL;
        size_t m = 0;
        CALLOC_ARRAY(bars, n);
        CALLOC_ARRAY(labels, n);
        for (i = 0; i < d->res.npairs; i++) {
            if (d->res.pairs[i].status != STATS_SHOWN)
                continue;
            snprintf(labels[m], sizeof(labels[m]), "%s + %s", d->res.pairs[i].a, d->res.pairs[i].b);
            bars[m].label = labels[m];
            bars[m].val.v = d->res.pairs[i].persons;
            bars[m].val.st = STATS_SHOWN;
            m++;
        }
        fig_open(x, id, "The pairs of agencies that share the most persons.");
        report__chart_hbar(&x->cc, id, "Agency pairs sharing the most persons",
                           "Horizontal bars: persons recorded by both agencies of each pair.", bars,
                           m, REPORT_C_PURPLE, "persons recorded by both");
        table_open(x, "Agency pairs sharing the most persons");
        put(x, "<thead><tr><th scope=\"col\">Agency</th><th scope=\"col\">and agency</th>"
               "<th scope=\"col\" class=\"n\">Persons recorded by both</th></tr></thead><tbody>");
        for (i = 0; i < d->res.npairs; i++) {
            const struct stats_pair *p = &d->res.pairs[i];
            struct report__val v;
            if (p->status != STATS_SHOWN)
                continue;
            v.v = p->persons;
            v.st = STATS_SHOWN;
            put(x, "<tr><td>");
            esc(x, p->a);
            put(x, "</td><td>");
            esc(x, p->b);
            put(x, "</td>");
            td_val(x, v);
            put(x, "</tr>");
        }
        put(x, "</tbody>");
        table_close(x);
        fig_close(x);
        if (d->protection == STATS_SDC)
            buf_printf(x->b,
                       "<p class=\"note\">Pairs sharing fewer than %u persons are not "
                       "listed.</p>",
                       d->k);
        free(bars);
        free(labels);
    }
    chapter_close(x);
}

static void dl_row(struct doc *x, const char *term, const char *value_html)
{
    put(x, "<dt>");
    esc(x, term);
    put(x, "</dt><dd>");
    put(x, value_html);
    put(x, "</dd>");
}

static void ch_methods(struct doc *x)
{
    const struct report__data *d = x->d;
    struct buf v;
    char num[32], num2[32];

    buf_init(&v, 4096);
    chapter_open(x, "methods", 8, "Methods and privacy");
    put(x, "<h3>Protection</h3>");
    if (d->protection == STATS_SDC) {
        buf_printf(x->b,
                   "<p>Threshold suppression with secondary suppression, threshold K = %u: every "
                   "count from 1 to %u (cells and totals alike) is suppressed, and so is every "
                   "further count from which a suppressed one could be worked out. Suppressed "
                   "counts are shown as <span class=\"x\">x</span> in tables and as hatched marks "
                   "in charts, never as zero and never with a length; a 0 is a true zero. All "
                   "suppressed counts look the same, whatever the reason, since telling them apart "
                   "would narrow them down.</p>",
                   d->k, d->k - 1);
        report__num_str((int64_t)d->suppressed, num);
        buf_printf(x->b,
                   "<dl class=\"facts\"><dt>Entries suppressed in the tables of this report</dt>"
                   "<dd>%s (how many of them are under the threshold is not told: that, too, "
                   "would narrow them down)</dd>",
                   num);
        if (d->withheld > 0)
            buf_printf(x->b, "<dt>Tables withheld whole</dt><dd>%zu</dd>", d->withheld);
        put(x, "</dl>");
        put(x, "<p>The same count has the same status wherever it appears, and the sums that the "
               "report shows across tables (countries within subregions, subregions within "
               "regions, the regional profiles within the national tables) were protected "
               "together: no suppressed count can be worked out by subtracting published ones. "
               "Not covered: relations that are not such sums, such as the kinds of flow "
               "(which need the country of each person) against the flow matrix, and the ICCS "
               "codes against the forms (a person counts under several codes). Each table "
               "passes an exact audit: for every suppressed count, the range of values it can "
               "take given everything published has more than one value.</p>");
    } else if (d->protection == STATS_DP) {
        put(x, "<p>Differential privacy: every count in this report comes from a release in the "
               "hub's privacy ledger, with random noise (exact discrete ");
        put(x, strstr(d->mechanism, "gaussian") != NULL ? "Gaussian" : "Laplace");
        put(x, " noise) added to every cell, zeros included, over fixed public lists of "
               "categories; totals are sums of noisy cells. The release was made once and is "
               "served from storage: asking again returns the same numbers, never fresh "
               "noise.</p><dl class=\"facts\">");
        buf_printf(&v, "%lld, dataset &lsquo;", (long long)d->release_id);
        report__esc(&v, d->dataset);
        buf_puts(&v, "&rsquo;, made ");
        report__esc(&v, d->release_created_at);
        dl_row(x, "Release", v.data);
        buf_reset(&v);
        report__esc(&v, d->epsilon);
        buf_puts(&v, d->reused ? " (the same query was asked before: this report reused the "
                                 "stored release and spent nothing now)"
                               : " (spent by the release made for this report)");
        dl_row(x, "Epsilon of the release", v.data);
        buf_reset(&v);
        report__esc(&v, d->budget_left);
        buf_puts(&v, " left of ");
        report__esc(&v, d->budget_total);
        buf_puts(&v, " (spent: ");
        report__esc(&v, d->budget_spent);
        buf_puts(&v, ")");
        dl_row(x, "The dataset's privacy budget", v.data);
        buf_reset(&v);
        report__num_str((int64_t)llround(report__noise_sd(d, "total")), num);
        report__num_str((int64_t)llround(x->floor), num2);
        buf_printf(&v,
                   "about %s persons per count (standard deviation). A country whose noisy "
                   "count is below %s is shown as not distinguishable from noise: at that "
                   "floor, fewer than one of all the countries with no detected victim is "
                   "expected to pass it by noise alone (years: the same rule over the years)",
                   num, num2);
        dl_row(x, "Noise", v.data);
        put(x, "</dl>");
    } else {
        put(x, "<p class=\"stamp\">Exact counts: this report has no disclosure control. Small "
               "counts can identify persons. It is for the hub's own staff and must not "
               "circulate. Use the default (suppression) or <code>--dp</code> for a report "
               "that may.</p>");
    }
    buf_reset(&v);

    put(x, "<h3>One person, one value</h3><p>The hub links records, not people: agencies send "
           "keyed Bloom-filter encodings of their identifiers (no names), and the hub groups "
           "records whose encodings are similar enough into persons. Each person counts once "
           "in every table. When their records disagree:</p><ul>"
           "<li><b>year</b>: the earliest year of identification;</li>"
           "<li><b>age group</b>: a child if any record says child (age only grows), else an "
           "adult if any says adult;</li>"
           "<li><b>sex</b>: the most frequent known value, a tie going to the earliest "
           "record;</li>"
           "<li><b>citizenship</b>: the most frequent country over the records; <b>country of "
           "detection</b>: that of the earliest record that has one;</li>"
           "<li><b>forms</b>: the union over the records, sexual exploitation with forced labour "
           "counting as mixed; at most three forms per person in the ICCS table.</li></ul>");

    put(x, "<h3>The link run and this report</h3><dl class=\"facts\">");
    buf_printf(&v, "%lld, ", (long long)d->run_id);
    report__esc(&v, d->run_method);
    buf_puts(&v, ", made ");
    report__esc(&v, d->run_created_at);
    dl_row(x, "Link run", v.data);
    buf_reset(&v);
    if (d->run_threshold[0] != '\0') {
        report__esc(&v, d->run_threshold);
        if (d->run_agency_threshold[0] != '\0') {
            buf_puts(&v, " (within one agency: ");
            report__esc(&v, d->run_agency_threshold);
            buf_puts(&v, ")");
        }
        dl_row(x, "Dice similarity threshold", v.data);
        buf_reset(&v);
    }
    if (d->protection == STATS_EXACT) {
        report__num_str((int64_t)d->run_nrecords, num);
        report__num_str((int64_t)d->run_npersons, num2);
        buf_printf(&v, "%s records into %s persons", num, num2);
    } else {
        buf_puts(&v, "see the headline numbers (exact run totals are not published)");
    }
    dl_row(x, "Records and persons of the run", v.data);
    buf_reset(&v);
    if (d->year != 0) {
        buf_printf(&v, "persons first identified in %d", d->year);
        dl_row(x, "Filter", v.data);
        buf_reset(&v);
    }
    report__esc(&v, d->date);
    buf_puts(&v, ", by tiphub " TIPHUB_VERSION_STRING);
    dl_row(x, "Report made", v.data);
    put(x, "</dl>");

    put(x, "<h3>Data sources and licences</h3><ul class=\"sources\">"
           "<li>Case records: the agencies' own, in IOM's Human Trafficking Case Data Standard "
           "(HTCDS 2.0, CC BY 4.0).</li>"
           "<li>Forms of exploitation: UNODC's International Classification of Crime for "
           "Statistical Purposes (ICCS 1.0, codes 02041 to 02044) and the categories of the UNODC "
           "Global Report on Trafficking in Persons.</li>"
           "<li>Countries and regions: ISO 3166-1 with UN M49 regions, from "
           "&ldquo;ISO-3166 Country and Dependent Territories Lists with UN Regional Codes&rdquo; "
           "by Luke Duncalfe (CC BY-SA 4.0); the Global Report's regions and subregions.</li>"
           "<li>Map: Natural Earth 1:110m and 1:50m Admin 0 countries, version 4.1.0 (public "
           "domain), through the world-atlas package (ISC licence); Equal Earth projection. The "
           "boundaries and names shown and the designations used on the map do not imply "
           "official endorsement or acceptance.</li></ul>");
    put(x, "<p class=\"note\">The statistics' rules are in tiphub's docs/STATISTICS.md, this "
           "report's in docs/REPORT.md.</p>");
    chapter_close(x);
    buf_release(&v);
}

/* ---- style ---- */

static const char *const css[] = {
    ":root{--ink:#1b1f24;--muted:#5b6570;--line:#d5dae0;--accent:#1f4e79;--bg:#fff;"
    "--soft:#f3f6f9}"
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%}"
    "body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.55 system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,\"Liberation Sans\",\"DejaVu Sans\",sans-serif}"
    "main,.cover,.toc,footer{max-width:900px;margin:0 auto;padding:0 24px}"
    ".cover{padding-top:48px;padding-bottom:28px;border-bottom:4px solid var(--accent)}"
    ".kicker{text-transform:uppercase;letter-spacing:.08em;font-size:13px;color:var(--muted);"
    "margin:0 0 8px}"
    "h1{font-size:34px;line-height:1.15;margin:0 0 10px;color:var(--accent)}"
    ".sub{color:var(--muted);margin:0 0 16px}"
    ".badge{display:inline-block;margin:0;padding:6px 12px;border-radius:4px;font-size:14px;"
    "font-weight:600}"
    ".badge.sdc{background:#e8f1f8;color:#1f4e79}.badge.dp{background:#eaf6ef;color:#1d5e3a}"
    ".badge.exact{background:#fde8e8;color:#8a1414}"
    ".stamp{color:#8a1414;border:2px solid #8a1414;padding:4px 10px;font-weight:700;"
    "letter-spacing:.05em;display:inline-block;margin:8px 0;font-size:13px}"
    ".stamp.big{font-size:16px}"
    ".stamp-fixed{position:fixed;top:0;left:0;right:0;text-align:center;background:#8a1414;"
    "color:#fff;font-weight:700;letter-spacing:.1em;padding:3px;font-size:12px;z-index:9}"
    ".toc{padding-top:18px;padding-bottom:8px}.toc h2{font-size:16px;margin:0 0 6px}"
    ".toc ol{columns:2;margin:0;padding-left:22px}.toc a{color:var(--accent)}"
    "h2{font-size:25px;color:var(--accent);margin:44px 0 12px;padding-top:10px;"
    "border-top:1px solid var(--line)}"
    "h2 .num{display:inline-block;min-width:1.6em;color:#fff;background:var(--accent);"
    "border-radius:4px;text-align:center;margin-right:10px;font-size:20px;padding:0 6px}"
    "h3{font-size:18px;margin:22px 0 8px}"
    "a{color:var(--accent)}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;"
    "margin:16px 0}"
    ".card{background:var(--soft);border-left:4px solid var(--accent);padding:12px 14px;"
    "border-radius:3px}"
    ".card dt{font-size:13px;color:var(--muted);font-weight:600}"
    ".card dd{margin:2px 0 0;font-size:28px;font-weight:700;line-height:1.2}"
    ".card dd.cn{font-size:12.5px;font-weight:400;color:var(--muted)}"
    "figure.fig{margin:22px 0 28px;padding:14px 16px 10px;border:1px solid var(--line);"
    "border-radius:4px;background:#fff}",
    "figcaption{font-size:14px;color:var(--muted);margin-bottom:8px}"
    "figcaption b{color:var(--ink)}"
    "svg.chart{display:block;width:100%;height:auto;max-width:100%;overflow:visible;"
    "font-family:inherit}"
    "svg.chart text{fill:var(--ink)}"
    "svg.chart .ct{font-weight:700}"
    "svg.chart .tick,svg.chart .axl,svg.chart .sn{fill:var(--muted)}"
    "svg.chart .val{font-variant-numeric:tabular-nums}"
    "svg.chart .inl{fill:#fff;font-weight:600}svg.chart .inl.dark{fill:#1b1f24}"
    "svg.chart .hv{fill:#1b1f24}svg.chart .hv.light{fill:#fff}svg.chart .hv.zero{fill:#9aa3ad}"
    "svg.chart .ax{stroke:#6b7580;stroke-width:1}"
    "svg.chart .grid{stroke:#e3e7eb;stroke-width:1}"
    "svg.map .land path,svg.map .land circle{stroke:#fff;stroke-width:.5}"
    "svg.map .mark path,svg.map .mark circle,svg.map .markkey{fill:none;stroke:#1b1f24;"
    "stroke-width:1.6}"
    ".mapnote{font-size:13px;color:var(--muted)}"
    ".tw{overflow-x:auto;margin-top:12px}"
    "table.data{border-collapse:collapse;font-size:13.5px;min-width:60%}"
    "table.data caption{text-align:left;font-weight:600;font-size:13.5px;padding:4px 0;"
    "caption-side:top}"
    "table.data th,table.data td{padding:3px 10px;border-bottom:1px solid var(--line);"
    "text-align:left;vertical-align:top}"
    "table.data thead th{border-bottom:2px solid #8f9aa5;font-size:12.5px;color:var(--muted);"
    "max-width:10em}"
    "table.data tbody th,table.data tfoot th{min-width:11em}"
    "table.data tfoot th,table.data tfoot td{font-weight:700;border-top:2px solid #8f9aa5}"
    "table.data .n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "table.data thead th.n{white-space:normal}"
    ".x{color:#7a4b00;font-style:italic;font-weight:600;cursor:help}"
    ".noisy{font-weight:400;color:#1d5e3a}"
    "p.note{font-size:13.5px;color:var(--muted)}"
    ".regions{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:12px;"
    "margin:16px 0}"
    ".region{border:1px solid var(--line);border-top:4px solid var(--accent);padding:10px 14px;"
    "border-radius:3px}"
    ".region h3{margin:0 0 4px;font-size:16px}.region .big{font-size:24px;font-weight:700;"
    "margin:0}"
    ".region .unit{font-size:13px;font-weight:400;color:var(--muted)}"
    ".region p{margin:4px 0}.region ol{margin:0;padding-left:20px;font-size:14px}"
    "dl.facts{display:grid;grid-template-columns:minmax(160px,30%) 1fr;gap:4px 16px;"
    "font-size:14.5px}"
    "dl.facts dt{font-weight:600}dl.facts dd{margin:0}"
    "footer{margin:40px auto 30px;padding-top:12px;border-top:1px solid var(--line);",
    "font-size:13px;color:var(--muted)}"
    "code{font-size:90%}"
    "@page{size:A4;margin:14mm 12mm}"
    "@media print{body{font-size:11pt}"
    "main,.cover,.toc,footer{max-width:none;padding:0}"
    ".toc{break-after:page}"
    ".chapter{break-before:page}"
    "h2{margin-top:0;border-top:none}"
    "svg.chart,figcaption,.card,.region,tr{break-inside:avoid}"
    "figcaption{break-after:avoid}"
    "thead{display:table-header-group}"
    ".tw{overflow:visible}"
    "a{color:inherit;text-decoration:none}"
    ".stamp-fixed{display:none}}",
};

/* ---- the document ---- */

static int render(const struct report__data *d, struct buf *b, struct report_summary *sum,
                  struct err *e)
{
    struct doc x;
    const struct stats_table *total = report__table(d, "total");
    size_t i;

    memset(&x, 0, sizeof(x));
    x.b = b;
    x.d = d;
    x.noisy = d->protection == STATS_DP;
    x.exact = d->protection == STATS_EXACT;
    x.cc.b = b;
    x.cc.noisy = x.noisy;
    x.cc.k = d->k;
    x.cc.unit = "persons";
    if (x.noisy) {
        const struct stats_table *cit = report__table(d, "citizenship");
        const struct stats_table *year = report__table(d, "year");
        x.floor = report__noise_floor(d, "citizenship", cit != NULL ? cit->nrows : 2);
        x.year_floor = report__noise_floor(d, "year", year != NULL ? year->nrows : 2);
    }

    put(&x, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"
            "<meta name=\"generator\" content=\"tiphub " TIPHUB_VERSION_STRING "\"><title>");
    esc(&x, d->title);
    if (x.exact)
        put(&x, " (NOT FOR CIRCULATION)");
    put(&x, "</title><style>");
    for (i = 0; i < sizeof(css) / sizeof(css[0]); i++)
        put(&x, css[i]);
    if (x.exact)
        /* the stamp in the top margin of every printed page (CSS page margin boxes) */
        put(&x, "@page{@top-center{content:\"NOT FOR CIRCULATION\";color:#8a1414;"
                "font:700 10pt sans-serif;letter-spacing:.1em}}");
    put(&x, "</style></head>\n<body>");
    if (x.exact)
        put(&x, "<div class=\"stamp-fixed\" role=\"note\">NOT FOR CIRCULATION</div>");
    /* the hatch of suppressed entries, used by every chart */
    put(&x, "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\" focusable=\"false\">"
            "<defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" "
            "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9c8458\" stroke-width=\"1.6\"/>"
            "</pattern></defs></svg>\n");
    cover(&x);
    put(&x, "<main>\n");
    ch_headline(&x);
    ch_sex_age(&x);
    ch_forms(&x);
    ch_trends(&x);
    ch_flows(&x);
    ch_regions(&x);
    ch_coordination(&x);
    ch_methods(&x);
    put(&x, "</main>\n<footer>");
    if (x.exact)
        put(&x, "<p class=\"stamp\">NOT FOR CIRCULATION</p>");
    put(&x, "<p>Made with tiphub " TIPHUB_VERSION_STRING " on ");
    esc(&x, d->date);
    put(&x, ". A self-contained file: no script, font or image is loaded from anywhere.</p>"
            "</footer>\n</body></html>\n");

    /* a buffer at its maximum drops appends: a report that reached it is cut short */
    if (b->len + 64 >= b->max)
        return err_set(e, ERR_TOOBIG, "the report is larger than %zu bytes", b->max);
    if (sum != NULL) {
        memset(sum, 0, sizeof(*sum));
        sum->protection = d->protection;
        if (total != NULL && total_of(total).st == STATS_SHOWN && total_of(total).v > 0)
            sum->persons = (uint64_t)total_of(total).v;
        sum->chapters = x.chapters;
        sum->charts = x.cc.ncharts;
        sum->tables = x.tables;
        sum->suppressed = d->suppressed;
        sum->withheld = d->withheld;
        sum->release_id = d->release_id;
        sum->release_reused = d->reused;
        snprintf(sum->epsilon_left, sizeof(sum->epsilon_left), "%s", d->budget_left);
        sum->bytes = b->len;
    }
    return 0;
}

void report_options_init(struct report_options *o)
{
    memset(o, 0, sizeof(*o));
    o->protection = STATS_SDC;
    o->k = STATS_SDC_K_DEFAULT;
    stats_options_init(&o->opt);
}

int report_build(struct store *s, const struct report_options *o, struct buf *html,
                 struct report_summary *sum, struct err *e)
{
    struct report__data d;
    int rc;

    if (o->protection == STATS_DP && o->epsilon == NULL)
        return err_set(e, ERR_INVALID, "a DP report needs an epsilon");
    rc = report__data_load(s, o, &d, e);
    if (rc == 0)
        rc = render(&d, html, sum, e);
    report__data_release(&d);
    return rc;
}

int report_write(struct store *s, const struct report_options *o, const char *path,
                 struct report_summary *sum, struct err *e)
{
    struct buf html, tmp;
    FILE *f = NULL;
    int rc;

    buf_init(&html, REPORT_MAX_BYTES);
    buf_init(&tmp, 4096);
    rc = report_build(s, o, &html, sum, e);
    if (rc < 0)
        goto out;
    buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    f = fopen(tmp.data, "wb");
    if (f == NULL) {
        rc = err_set(e, ERR_IO, "cannot write '%s'", path);
        goto out;
    }
    if (fwrite(html.data, 1, html.len, f) != html.len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        remove(tmp.data);
        rc = err_set(e, ERR_IO, "cannot write '%s'", path);
        goto out;
    }
    if (fclose(f) != 0 || rename(tmp.data, path) != 0) {
        remove(tmp.data);
        rc = err_set(e, ERR_IO, "cannot write '%s'", path);
        goto out;
    }
out:
    buf_release(&html);
    buf_release(&tmp);
    return rc;
}
