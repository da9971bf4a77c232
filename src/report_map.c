/*
 * report_map.c: the world map of the report, a choropleth of countries.
 *
 * The shapes are data/world/countries.tsv (embedded): Natural Earth's 1:110m
 * countries in the Equal Earth projection as SVG paths, and a dot for each country
 * too small for that scale (tools/world-map/convert.mjs made the file; see
 * data/world/PROVENANCE.md). Lines are "alpha3 TAB kind TAB data" with kind
 * "shape" (a path) or "dot" ("x y"), and one "#size TAB box TAB viewBox" line.
 *
 * Colour classes are drawn from published values only: a suppressed country is
 * hatched, whatever its count; a country with no detected victim is light grey; the
 * classes of the others have limits rounded to 1, 2 or 5 times a power of ten.
 * Under DP, a noisy count below the noise floor is "not distinguishable from noise".
 * Countries that the map cannot show (too small even for a dot, or with no shape)
 * are listed under it with their values.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "embedded.h"
#include "report_int.h"
#include "strutil.h"
#include "xalloc.h"

#include "banned.h"

#define MAP_FILE "world/countries.tsv"
#define NCLASS   5
/* The map is drawn below the chart title. */
#define MAP_TOP 36
/* Width of the map's coordinate system, the same as the other charts' (font sizes match). */
#define MAP_W 760.0

static const char *const oranges[NCLASS] = {"#FDD9A8", "#FDAE6B", "#F16913", "#C44103", "#7F2704"};
#define C_ZERO  "#ECECEC"
#define C_NOISE "#F7F7F7"

struct shape {
    char a3[4];
    bool dot;
    const char *d; /* into the embedded file */
    size_t len;
};

struct country_val {
    struct report__val v;
    bool present; /* a row of the table */
    bool mark;    /* a country of detection */
    bool drawn;
};

/* The number of the form 1, 2 or 5 times a power of ten nearest to x (x >= 1), in log scale. */
static int64_t nice_near(double x)
{
    static const double mult[] = {1, 2, 5, 10};
    double p = pow(10, floor(log10(x))), best = p;
    size_t i;
    for (i = 0; i < sizeof(mult) / sizeof(mult[0]); i++)
        if (fabs(log(mult[i] * p) - log(x)) < fabs(log(best) - log(x)))
            best = mult[i] * p;
    return (int64_t)best;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Lower limits of the classes: the first is low (the smallest count that can be
 * published: 1, K under suppression, the noise floor under DP); the others are the
 * quintiles of the published values at or above it, each moved to the nearest 1, 2
 * or 5 times a power of ten, kept when above the one before. Returns how many
 * (1..NCLASS).
 */
static size_t class_limits(const int64_t *vals, size_t n, int64_t low, int64_t lim[NCLASS])
{
    int64_t *s = NULL;
    size_t i, m = 0, k = 0;

    ALLOC_ARRAY(s, n + 1);
    for (i = 0; i < n; i++)
        if (vals[i] >= low && vals[i] > 0)
            s[m++] = vals[i];
    lim[k++] = low > 1 ? low : 1;
    if (m > 0) {
        qsort(s, m, sizeof(*s), cmp_i64);
        for (i = 1; i < NCLASS; i++) {
            int64_t q = nice_near((double)s[(size_t)(m * i / NCLASS)]);
            if (q > lim[k - 1] && q <= s[m - 1])
                lim[k++] = q;
        }
    }
    free(s);
    return k;
}

static size_t class_of(int64_t v, const int64_t *lim, size_t nlim)
{
    size_t k = 0;
    while (k + 1 < nlim && v >= lim[k + 1])
        k++;
    return k;
}

static size_t parse_shapes(struct shape **out, char box[64])
{
    const struct embedded_file *f = embedded_find(MAP_FILE);
    struct shape *s = NULL;
    size_t n = 0, cap = 0;
    const char *p, *end;

    *out = NULL;
    snprintf(box, 64, "0 0 1000 433");
    if (f == NULL)
        return 0;
    p = (const char *)f->data;
    end = p + f->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl != NULL ? nl : end;
        const char *t1 = memchr(p, '\t', (size_t)(line_end - p));
        const char *t2 = t1 != NULL ? memchr(t1 + 1, '\t', (size_t)(line_end - t1 - 1)) : NULL;
        if (t1 != NULL && t2 != NULL) {
            size_t kl = (size_t)(t2 - t1 - 1);
            if ((size_t)(t1 - p) == 5 && memcmp(p, "#size", 5) == 0) {
                snprintf(box, 64, "%.*s", (int)(line_end - t2 - 1), t2 + 1);
            } else if ((size_t)(t1 - p) == 3 && ((kl == 5 && memcmp(t1 + 1, "shape", 5) == 0) ||
                                                 (kl == 3 && memcmp(t1 + 1, "dot", 3) == 0))) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 256;
                    REALLOC_ARRAY(s, cap);
                }
                memcpy(s[n].a3, p, 3);
                s[n].a3[3] = '\0';
                s[n].dot = kl == 3;
                s[n].d = t2 + 1;
                s[n].len = (size_t)(line_end - t2 - 1);
                n++;
            }
        }
        p = line_end + 1;
    }
    *out = s;
    return n;
}

static const char *fill_of(const struct country_val *cv, const int64_t *lim, size_t nlim,
                           double noise_floor)
{
    if (!cv->present)
        return noise_floor > 0 ? C_NOISE : C_ZERO;
    if (cv->v.st != STATS_SHOWN)
        return REPORT_HATCH;
    if (noise_floor > 0 && (double)cv->v.v < noise_floor)
        return C_NOISE;
    if (cv->v.v <= 0)
        return C_ZERO;
    return oranges[class_of(cv->v.v, lim, nlim) + (NCLASS - nlim)];
}

static void tip(struct buf *b, const char *name, const struct country_val *cv, double noise_floor)
{
    char num[32];
    buf_puts(b, "<title>");
    report__esc(b, name);
    buf_puts(b, ": ");
    if (!cv->present)
        buf_puts(b, noise_floor > 0 ? "not in the release" : "0");
    else if (cv->v.st != STATS_SHOWN)
        buf_puts(b, "suppressed");
    else {
        report__num_str(cv->v.v, num);
        buf_puts(b, num);
        if (noise_floor > 0)
            buf_puts(b, " (noisy)");
    }
    if (cv->mark)
        buf_puts(b, "; country of detection");
    buf_puts(b, "</title>");
}

void report__chart_map(struct report__chart_ctx *c, const char *id, const char *title,
                       const char *desc, const struct stats_table *t,
                       const struct stats_table *mark, double noise_floor)
{
    size_t ncountries = codes_country_count(), nshapes, i, k, nlim;
    struct country_val *cv = NULL;
    struct shape *shapes = NULL;
    int64_t *vals = NULL, lim[NCLASS];
    size_t nvals = 0;
    char box[64];
    double bw = 1000, bh = 433;
    bool sup = false;
    struct buf *b = c->b;
    double sc = 1;

    CALLOC_ARRAY(cv, ncountries);
    ALLOC_ARRAY(vals, t->nrows + 1);
    for (i = 0; i < t->nrows; i++) {
        const struct codes_country *cc = codes_country_by_alpha3(t->rows[i].code);
        if (cc == NULL)
            continue;
        k = codes_country_index(cc);
        cv[k].present = true;
        cv[k].v = report__val_at(t, stats_at(t, i, 0));
        if (cv[k].v.st == STATS_SHOWN)
            vals[nvals++] = cv[k].v.v;
        else
            sup = true;
    }
    for (i = 0; mark != NULL && i < mark->nrows; i++) {
        const struct codes_country *cc = codes_country_by_alpha3(mark->rows[i].code);
        struct report__val v = report__val_at(mark, stats_at(mark, i, 0));
        /* only countries with published detected victims (a noisy count above the floor) */
        if (cc != NULL &&
            (v.st != STATS_SHOWN || (double)v.v > (noise_floor > 0 ? noise_floor : 0)))
            cv[codes_country_index(cc)].mark = true;
    }
    nlim = class_limits(vals, nvals,
                        noise_floor > 0 ? (int64_t)ceil(noise_floor)
                        : c->k > 1      ? (int64_t)c->k
                                        : 1,
                        lim);
    nshapes = parse_shapes(&shapes, box);
    {
        /* "0 0 W H" */
        const char *sp = strrchr(box, ' ');
        double w = 0, h = 0;
        char part[32];
        if (sp != NULL && str_to_double(sp + 1, &h) == 0) {
            const char *sp2 = NULL;
            snprintf(part, sizeof(part), "%.*s", (int)(sp - box), box);
            sp2 = strrchr(part, ' ');
            if (sp2 != NULL && str_to_double(sp2 + 1, &w) == 0 && w > 0 && h > 0) {
                bw = w;
                bh = h;
            }
        }
        sc = MAP_W / bw;
    }

    buf_printf(b,
               "<svg class=\"chart map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f "
               "%.0f\" width=\"%.0f\" height=\"%.0f\" font-size=\"%.0f\" role=\"img\" "
               "aria-labelledby=\"%s-t %s-d\">",
               MAP_W, sc * bh + 110 + MAP_TOP, MAP_W, sc * bh + 110 + MAP_TOP, REPORT_FONT, id, id);
    buf_printf(b, "<title id=\"%s-t\">", id);
    report__esc(b, title);
    buf_printf(b, "</title><desc id=\"%s-d\">", id);
    report__esc(b, desc);
    buf_puts(b, "</desc>");
    {
        struct report__svg g;
        memset(&g, 0, sizeof(g));
        g.b = b;
        g.w = MAP_W;
        report__svg_text(&g, 0, 18, REPORT_FONT_TITLE, REPORT_START, "ct", title, MAP_W);
    }
    buf_printf(b, "<g class=\"land\" transform=\"translate(0 %d) scale(%.4f)\">", MAP_TOP, sc);
    for (i = 0; i < nshapes; i++) {
        const struct codes_country *cc = codes_country_by_alpha3(shapes[i].a3);
        struct country_val *x = NULL;
        if (cc == NULL)
            continue;
        x = &cv[codes_country_index(cc)];
        x->drawn = true;
        if (shapes[i].dot) {
            buf_printf(b, "<circle r=\"3\" class=\"dot\" fill=\"%s\" transform=\"translate(",
                       fill_of(x, lim, nlim, noise_floor));
            buf_append(b, shapes[i].d, shapes[i].len);
            buf_puts(b, ")\">");
        } else {
            buf_printf(b, "<path fill=\"%s\" d=\"", fill_of(x, lim, nlim, noise_floor));
            buf_append(b, shapes[i].d, shapes[i].len);
            buf_puts(b, "\">");
        }
        tip(b, cc->name, x, noise_floor);
        buf_puts(b, shapes[i].dot ? "</circle>" : "</path>");
    }
    buf_printf(b, "</g><g class=\"mark\" transform=\"translate(0 %d) scale(%.4f)\">", MAP_TOP, sc);
    for (i = 0; i < nshapes; i++) {
        const struct codes_country *cc = codes_country_by_alpha3(shapes[i].a3);
        if (cc == NULL || !cv[codes_country_index(cc)].mark)
            continue;
        if (shapes[i].dot) {
            buf_puts(b, "<circle r=\"5\" transform=\"translate(");
            buf_append(b, shapes[i].d, shapes[i].len);
            buf_puts(b, ")\"/>");
        } else {
            buf_puts(b, "<path d=\"");
            buf_append(b, shapes[i].d, shapes[i].len);
            buf_puts(b, "\"/>");
        }
    }
    buf_puts(b, "</g>");
    {
        struct report__svg g;
        struct report__legend_item items[NCLASS + 4];
        char labels[NCLASS][80];
        size_t n = 0;
        double y = sc * bh + 24 + MAP_TOP;

        memset(&g, 0, sizeof(g));
        g.b = b;
        g.w = MAP_W;
        g.h = sc * bh + 110 + MAP_TOP;
        for (k = 0; k < nlim; k++) {
            char lo[32], hi[32];
            report__num_str(lim[k], lo);
            if (k + 1 < nlim) {
                report__num_str(lim[k + 1] - 1, hi);
                snprintf(labels[k], sizeof(labels[k]), "%s to %s", lo, hi);
            } else {
                snprintf(labels[k], sizeof(labels[k]), "%s or more", lo);
            }
            items[n].label = labels[k];
            items[n].fill = oranges[k + (NCLASS - nlim)];
            n++;
        }
        items[n].label = noise_floor > 0 ? "not distinguishable from noise" : "none detected";
        items[n].fill = noise_floor > 0 ? C_NOISE : C_ZERO;
        n++;
        if (sup) {
            items[n].label = "suppressed";
            items[n].fill = REPORT_HATCH;
            n++;
        }
        report__svg_text(&g, 0, y - 2, REPORT_FONT_SMALL, REPORT_START, "axl",
                         c->noisy ? "Detected victims (noisy counts) by country of citizenship:"
                                  : "Detected victims by country of citizenship:",
                         MAP_W);
        y = report__legend(&g, 0, y + 18, MAP_W, items, n);
        buf_printf(b,
                   "<rect x=\"0\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"none\" "
                   "class=\"markkey\"/>",
                   y - 6);
        report__svg_text(&g, 20, y + 3, REPORT_FONT_SMALL, REPORT_START, "lg",
                         "outlined: a country of detection (where the agencies are)", MAP_W - 20);
        report__svg_text(&g, 0, y + 24, REPORT_FONT_SMALL, REPORT_START, "sn",
                         "Country shapes: Natural Earth 1:110m (public domain), Equal Earth "
                         "projection; countries too small for that scale are dots.",
                         MAP_W);
        report__svg_text(&g, 0, y + 41, REPORT_FONT_SMALL, REPORT_START, "sn",
                         "The boundaries and names shown on this map do not imply official "
                         "endorsement or acceptance.",
                         MAP_W);
    }
    buf_puts(b, "</svg>");
    c->ncharts++;

    /* countries with victims that the map could not draw */
    {
        size_t nmiss = 0;
        for (i = 0; i < t->nrows; i++) {
            const struct codes_country *cc = codes_country_by_alpha3(t->rows[i].code);
            struct report__val v = report__val_at(t, stats_at(t, i, 0));
            char num[32];
            if (cc == NULL || cv[codes_country_index(cc)].drawn)
                continue;
            if (v.st == STATS_SHOWN && (v.v <= 0 || (noise_floor > 0 && (double)v.v < noise_floor)))
                continue;
            buf_puts(b, nmiss == 0 ? "<p class=\"mapnote\">Not drawn at this scale: " : "; ");
            report__esc(b, cc->name);
            buf_puts(b, " (");
            if (v.st == STATS_SHOWN) {
                report__num_str(v.v, num);
                buf_puts(b, num);
            } else {
                buf_puts(b, "x");
            }
            buf_puts(b, ")");
            nmiss++;
        }
        if (nmiss > 0)
            buf_puts(b, ". All values are in the table below.</p>");
    }
    free(shapes);
    free(vals);
    free(cv);
}
