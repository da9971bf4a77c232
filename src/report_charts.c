/*
 * report_charts.c: the charts of the report, drawn with the primitives of
 * report_svg.c: horizontal bars, columns (years), 100 % stacked bars (sex and age,
 * flows) and the heat map of flows.
 *
 * The rules every chart keeps:
 *   - a suppressed value never has a length, a height or a colour of its own: it is
 *     a hatched mark of fixed size labelled "x"; in 100 % bars the suppressed values
 *     of a bar are one hatched segment whose length is the bar's published total
 *     minus its published values (which the data table lets anyone compute), and a
 *     bar whose total is suppressed is not drawn;
 *   - no order depends on a suppressed value (callers sort by published values and
 *     put suppressed entries last, in the order of their labels);
 *   - noisy (DP) values are drawn as they are; a negative one has no length and is
 *     written with its sign;
 *   - every chart has a title, a description, axis titles and value labels; long
 *     labels are cut to fit, with their full text in a <title>.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_int.h"

#include "banned.h"

#define WIDTH 760.0

static bool shown(struct report__val v)
{
    return v.st == STATS_SHOWN;
}

static void val_label(struct report__val v, char out[64])
{
    if (v.st == STATS_WITHHELD)
        snprintf(out, 64, "withheld");
    else if (v.st != STATS_SHOWN)
        snprintf(out, 64, "x");
    else
        report__num_str(v.v, out);
}

static const char *suppressed_tip(void)
{
    return "suppressed: a small count, or one hidden so that a small count cannot be worked out";
}

static double label_column(const struct report__bar *bars, size_t n, double cap)
{
    double w = 40;
    size_t i;
    for (i = 0; i < n; i++) {
        double x = report__text_width(bars[i].label, REPORT_FONT);
        if (x > w)
            w = x;
    }
    return w < cap ? w : cap;
}

static int64_t published_max(const struct report__bar *bars, size_t n)
{
    int64_t m = 0;
    size_t i;
    for (i = 0; i < n; i++)
        if (shown(bars[i].val) && bars[i].val.v > m)
            m = bars[i].val.v;
    return m;
}

static bool any_suppressed(const struct report__bar *bars, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!shown(bars[i].val))
            return true;
    return false;
}

/* The legend line under a chart: suppressed marks and noise. Returns the y below. */
static double notes(struct report__chart_ctx *c, struct report__svg *g, double y, bool suppressed)
{
    struct report__legend_item items[2];
    size_t n = 0;
    char sup[96];

    if (suppressed) {
        snprintf(sup, sizeof(sup), "x = suppressed (hidden count, at least 1)");
        items[n].label = sup;
        items[n].fill = REPORT_HATCH;
        n++;
    }
    if (n > 0)
        y = report__legend(g, 0, y, g->w, items, n);
    if (c->noisy) {
        report__svg_text(g, 0, y + 4, REPORT_FONT_SMALL, REPORT_START, "sn",
                         "Noisy counts (differential privacy): each value has random noise added.",
                         g->w);
        y += 18;
    }
    return y;
}

/* ---- horizontal bars ---- */

void report__chart_hbar(struct report__chart_ctx *c, const char *id, const char *title,
                        const char *desc, const struct report__bar *bars, size_t n,
                        const char *colour, const char *axis_label)
{
    const double row = 24, bar = 16;
    struct report__svg g;
    double lw = label_column(bars, n, 320), x0 = lw + 14, x1 = WIDTH - 70, y0, step, vmax, h;
    bool sup = any_suppressed(bars, n);
    size_t i;

    h = 34 + (double)n * row + 48 + (sup ? 22 : 0) + (c->noisy ? 20 : 0) + 6;
    y0 = report__svg_open(&g, c->b, id, WIDTH, h, title, desc);
    vmax = report__nice_max((double)published_max(bars, n), 5, &step);
    report__axis_x(&g, x0, x1, y0 + (double)n * row + 4, y0, vmax, step, axis_label);
    for (i = 0; i < n; i++) {
        double y = y0 + (double)i * row + (row - bar) / 2;
        char lab[64], tip[600];
        report__svg_text(&g, x0 - 8, y + bar - 3, REPORT_FONT, REPORT_END, "lb", bars[i].label, lw);
        val_label(bars[i].val, lab);
        if (shown(bars[i].val)) {
            double len = bars[i].val.v > 0 ? (x1 - x0) * (double)bars[i].val.v / vmax : 0;
            snprintf(tip, sizeof(tip), "%s: %s", bars[i].label, lab);
            report__svg_rect(&g, x0, y, len, bar, colour, tip);
            report__svg_text(&g, x0 + len + 5, y + bar - 3, REPORT_FONT_SMALL, REPORT_START, "val",
                             lab, 0);
        } else {
            snprintf(tip, sizeof(tip), "%s: %s", bars[i].label,
                     bars[i].val.st == STATS_WITHHELD ? "withheld" : suppressed_tip());
            report__svg_hatch(&g, x0, y + 2, 12, bar - 4, tip);
            report__svg_text(&g, x0 + 17, y + bar - 3, REPORT_FONT_SMALL, REPORT_START, "val", lab,
                             0);
        }
    }
    notes(c, &g, y0 + (double)n * row + 56, sup);
    report__svg_close(&g);
    c->ncharts++;
}

/* ---- columns ---- */

void report__chart_columns(struct report__chart_ctx *c, const char *id, const char *title,
                           const char *desc, const struct report__bar *bars, size_t n,
                           const char *colour, const char *axis_label)
{
    const double plot_h = 220, left = 70, right = WIDTH - 10;
    struct report__svg g;
    double y_top, y_base, step, vmax, slot, cw, h;
    bool sup = any_suppressed(bars, n), rotate = false;
    size_t i;

    slot = n > 0 ? (right - left) / (double)n : right - left;
    cw = slot * 0.62;
    for (i = 0; i < n; i++)
        if (report__text_width(bars[i].label, REPORT_FONT_SMALL) > slot - 4)
            rotate = true;
    h = 34 + 18 + plot_h + (rotate ? 60 : 24) + 22 + (sup ? 22 : 0) + (c->noisy ? 20 : 0) + 6;
    y_top = report__svg_open(&g, c->b, id, WIDTH, h, title, desc) + 18;
    y_base = y_top + plot_h;
    vmax = report__nice_max((double)published_max(bars, n), 5, &step);
    report__axis_y(&g, y_base, y_top, left, right, vmax, step, axis_label);
    for (i = 0; i < n; i++) {
        double x = left + slot * (double)i + (slot - cw) / 2, xm = x + cw / 2;
        char lab[64], tip[600];
        val_label(bars[i].val, lab);
        if (shown(bars[i].val)) {
            double hh = bars[i].val.v > 0 ? plot_h * (double)bars[i].val.v / vmax : 0;
            snprintf(tip, sizeof(tip), "%s: %s", bars[i].label, lab);
            report__svg_rect(&g, x, y_base - hh, cw, hh, colour, tip);
            report__svg_text(&g, xm, y_base - hh - 5, REPORT_FONT_SMALL, REPORT_MIDDLE, "val", lab,
                             slot);
        } else {
            snprintf(tip, sizeof(tip), "%s: %s", bars[i].label, suppressed_tip());
            report__svg_hatch(&g, xm - 7, y_base - 14, 14, 14, tip);
            report__svg_text(&g, xm, y_base - 19, REPORT_FONT_SMALL, REPORT_MIDDLE, "val", lab,
                             slot);
        }
        if (rotate)
            report__svg_text_rot(&g, xm + 4, y_base + 12, REPORT_FONT_SMALL, -45, REPORT_END,
                                 "tick", bars[i].label, 70);
        else
            report__svg_text(&g, xm, y_base + 16, REPORT_FONT_SMALL, REPORT_MIDDLE, "tick",
                             bars[i].label, slot);
    }
    notes(c, &g, y_base + (rotate ? 60 : 24) + 22, sup);
    report__svg_close(&g);
    c->ncharts++;
}

/* ---- 100 % stacked bars ---- */

void report__chart_stack100(struct report__chart_ctx *c, const char *id, const char *title,
                            const char *desc, const struct report__seg *segs, size_t nsegs,
                            const struct report__stack *stacks, size_t nstacks)
{
    const double row = 34, bar = 24;
    struct report__svg g;
    struct report__legend_item items[16];
    double lw = 60, x0, x1 = WIDTH - 24, y0, y, h;
    bool sup = false;
    size_t i, j, nitems = 0;

    for (i = 0; i < nstacks; i++) {
        double w = report__text_width(stacks[i].label, REPORT_FONT);
        if (w > lw)
            lw = w;
        for (j = 0; j < nsegs; j++)
            if (!shown(stacks[i].vals[j]))
                sup = true;
    }
    lw = lw < 300 ? lw : 300;
    x0 = lw + 14;
    for (j = 0; j < nsegs && nitems < 15; j++) {
        items[nitems].label = segs[j].label;
        items[nitems].fill = segs[j].colour;
        nitems++;
    }
    if (sup) {
        items[nitems].label = "suppressed counts, together";
        items[nitems].fill = REPORT_HATCH;
        nitems++;
    }
    h = 34 + (double)nstacks * row + 40 + report__legend_height(WIDTH, items, nitems) +
        (c->noisy ? 20 : 0) + 4;
    y0 = report__svg_open(&g, c->b, id, WIDTH, h, title, desc);
    for (i = 0; i <= 4; i++) {
        double x = x0 + (x1 - x0) * (double)i / 4;
        char t[8];
        snprintf(t, sizeof(t), "%zu %%", i * 25);
        if (i > 0)
            report__svg_line(&g, x, y0, x, y0 + (double)nstacks * row, "grid");
        report__svg_text(&g, x, y0 + (double)nstacks * row + 15, REPORT_FONT_SMALL, REPORT_MIDDLE,
                         "tick", t, 0);
    }
    for (i = 0; i < nstacks; i++) {
        const struct report__stack *s = &stacks[i];
        double by = y0 + (double)i * row + (row - bar) / 2, x = x0, denom = 0, rest = 0;
        char tip[600];

        report__svg_text(&g, x0 - 8, by + bar - 7, REPORT_FONT, REPORT_END, "lb", s->label, lw);
        /* the denominator: the published total (SDC, exact); under DP, the sum of the
         * non-negative noisy parts, so that the bar is 100 % wide */
        if (c->noisy) {
            for (j = 0; j < nsegs; j++)
                denom += s->vals[j].v > 0 ? (double)s->vals[j].v : 0;
        } else if (shown(s->total)) {
            denom = (double)s->total.v;
            rest = denom;
        }
        if (denom <= 0) {
            report__svg_text(&g, x0 + 4, by + bar - 7, REPORT_FONT_SMALL, REPORT_START, "sn",
                             shown(s->total) || c->noisy ? "no persons"
                                                         : "total suppressed: not drawn",
                             x1 - x0);
            continue;
        }
        for (j = 0; j < nsegs; j++) {
            struct report__val v = s->vals[j];
            double w;
            char pct[16], num[32];
            if (!shown(v) || v.v <= 0)
                continue;
            rest -= (double)v.v;
            w = (x1 - x0) * (double)v.v / denom;
            report__num_str(v.v, num);
            snprintf(pct, sizeof(pct), "%.0f %%", 100.0 * (double)v.v / denom);
            snprintf(tip, sizeof(tip), "%s, %s: %s (%s)", s->label, segs[j].label, num, pct);
            report__svg_rect(&g, x, by, w, bar, segs[j].colour, tip);
            if (w >= report__text_width(pct, REPORT_FONT_SMALL) + 6)
                report__svg_text(&g, x + w / 2, by + bar - 8, REPORT_FONT_SMALL, REPORT_MIDDLE,
                                 strcmp(segs[j].colour, REPORT_C_YELLOW) == 0 ||
                                         strcmp(segs[j].colour, REPORT_C_SKY) == 0 ||
                                         strcmp(segs[j].colour, REPORT_C_ORANGE) == 0
                                     ? "inl dark"
                                     : "inl",
                                 pct, 0);
            x += w;
        }
        if (!c->noisy && rest > 0) {
            double w = (x1 - x0) * rest / denom;
            snprintf(tip, sizeof(tip),
                     "%s: suppressed counts together (the total minus the "
                     "published counts)",
                     s->label);
            report__svg_hatch(&g, x, by, w, bar, tip);
        }
    }
    y = y0 + (double)nstacks * row + 40;
    y = report__legend(&g, 0, y, WIDTH, items, nitems);
    if (c->noisy)
        report__svg_text(&g, 0, y + 4, REPORT_FONT_SMALL, REPORT_START, "sn",
                         "Noisy counts (differential privacy): shares of the non-negative noisy "
                         "counts.",
                         WIDTH);
    report__svg_close(&g);
    c->ncharts++;
}

/* ---- heat map ---- */

/* A sequential blue scale, light to dark (luminance carries the value). */
static const char *const blues[6] = {"#DEEBF7", "#B3D3E8", "#7FB2D5",
                                     "#4A90C2", "#2166AC", "#0B3C7D"};

static size_t blue_step(int64_t v, int64_t vmax)
{
    double t;
    size_t k;
    if (v <= 0 || vmax <= 0)
        return 0;
    t = sqrt((double)v / (double)vmax); /* sqrt: flows are skewed */
    k = (size_t)(t * 6);
    return k > 5 ? 5 : k;
}

/*
 * Split label into two lines of at most width each, at the space nearest its middle.
 * Returns false when it does not fit in two lines.
 */
static bool two_lines(const char *label, double px, double width, char *l1, char *l2, size_t size)
{
    size_t n = strlen(label), i, best = SIZE_MAX;
    for (i = 1; i + 1 < n; i++) {
        if (label[i] != ' ')
            continue;
        if (best == SIZE_MAX ||
            (i > n / 2 ? i - n / 2 : n / 2 - i) < (best > n / 2 ? best - n / 2 : n / 2 - best))
            best = i;
    }
    if (best == SIZE_MAX || best >= size || n - best >= size)
        return false;
    snprintf(l1, size, "%.*s", (int)best, label);
    snprintf(l2, size, "%s", label + best + 1);
    return report__text_width(l1, px) <= width && report__text_width(l2, px) <= width;
}

void report__chart_heatmap(struct report__chart_ctx *c, const char *id, const char *title,
                           const char *desc, const struct stats_table *t, const bool *row_keep,
                           const bool *col_keep, const char *row_axis, const char *col_axis)
{
    struct report__svg g;
    size_t i, j, nr = 0, nc = 0, ri, cj;
    double lw = 60, top, left, cw, rh = 28, h, colh = 0, rot = 0;
    int64_t vmax = 0;
    bool sup = false, horizontal = true;
    char l1[256], l2[256];

    for (i = 0; i < t->nrows; i++) {
        if (row_keep != NULL && !row_keep[i])
            continue;
        nr++;
        if (report__text_width(t->rows[i].label, REPORT_FONT_SMALL) > lw)
            lw = report__text_width(t->rows[i].label, REPORT_FONT_SMALL);
        for (j = 0; j < t->ncols; j++) {
            struct report__val v;
            if (col_keep != NULL && !col_keep[j])
                continue;
            v = report__val_at(t, stats_at(t, i, j));
            if (shown(v) && v.v > vmax)
                vmax = v.v;
            sup = sup || !shown(v);
        }
    }
    if (report__text_width(row_axis, REPORT_FONT_SMALL) > lw)
        lw = report__text_width(row_axis, REPORT_FONT_SMALL);
    lw = lw < 250 ? lw : 250;
    left = lw + 12;
    for (j = 0; j < t->ncols; j++)
        nc += col_keep == NULL || col_keep[j];
    cw = nc > 0 ? (WIDTH - left - 10) / (double)nc : 60;
    if (cw > 120)
        cw = 120;
    /* column headings: one or two horizontal lines if every heading fits, else at -45 degrees */
    for (j = 0; j < t->ncols; j++) {
        double w;
        if (col_keep != NULL && !col_keep[j])
            continue;
        w = report__text_width(t->cols[j].label, REPORT_FONT_SMALL);
        if (w > cw - 6 &&
            !two_lines(t->cols[j].label, REPORT_FONT_SMALL, cw - 6, l1, l2, sizeof(l1)))
            horizontal = false;
        if (w > rot)
            rot = w;
    }
    rot = rot < 200 ? rot : 200;
    /* at -45 degrees a heading rises and runs right by 0.7 of its length: leave room */
    colh = horizontal ? 34 : rot * 0.72 + 14;
    if (!horizontal && nc > 0)
        cw = (WIDTH - left - 10 - rot * 0.72) / (double)nc;
    if (cw > 120)
        cw = 120;
    h = 34 + 18 + colh + (double)nr * rh + 60 + (c->noisy ? 20 : 0);
    top = report__svg_open(&g, c->b, id, WIDTH, h, title, desc);
    report__svg_text(&g, left, top + 4, REPORT_FONT_SMALL, REPORT_START, "axl", col_axis,
                     WIDTH - left);
    top += 14 + colh;
    report__svg_text(&g, left - 6, top - 6, REPORT_FONT_SMALL, REPORT_END, "axl", row_axis, lw);
    cj = 0;
    for (j = 0; j < t->ncols; j++) {
        double xm;
        if (col_keep != NULL && !col_keep[j])
            continue;
        xm = left + cw * (double)cj + cw / 2;
        if (!horizontal)
            report__svg_text_rot(&g, xm - 4, top - 6, REPORT_FONT_SMALL, -45, REPORT_START, "tick",
                                 t->cols[j].label, 200);
        else if (report__text_width(t->cols[j].label, REPORT_FONT_SMALL) <= cw - 6)
            report__svg_text(&g, xm, top - 6, REPORT_FONT_SMALL, REPORT_MIDDLE, "tick",
                             t->cols[j].label, 0);
        else if (two_lines(t->cols[j].label, REPORT_FONT_SMALL, cw - 6, l1, l2, sizeof(l1))) {
            report__svg_text(&g, xm, top - 21, REPORT_FONT_SMALL, REPORT_MIDDLE, "tick", l1, 0);
            report__svg_text(&g, xm, top - 6, REPORT_FONT_SMALL, REPORT_MIDDLE, "tick", l2, 0);
        }
        cj++;
    }
    ri = 0;
    for (i = 0; i < t->nrows; i++) {
        double y;
        if (row_keep != NULL && !row_keep[i])
            continue;
        y = top + rh * (double)ri;
        report__svg_text(&g, left - 6, y + rh / 2 + 4, REPORT_FONT_SMALL, REPORT_END, "lb",
                         t->rows[i].label, lw);
        cj = 0;
        for (j = 0; j < t->ncols; j++) {
            struct report__val v;
            double x;
            char lab[64], tip[700];
            if (col_keep != NULL && !col_keep[j])
                continue;
            x = left + cw * (double)cj;
            v = report__val_at(t, stats_at(t, i, j));
            val_label(v, lab);
            if (!shown(v)) {
                snprintf(tip, sizeof(tip), "%s to %s: %s", t->rows[i].label, t->cols[j].label,
                         suppressed_tip());
                report__svg_hatch(&g, x + 1, y + 1, cw - 2, rh - 2, tip);
                report__svg_rect(&g, x + cw / 2 - 7, y + rh / 2 - 8, 14, 15, "#FFFFFF", NULL);
                report__svg_text(&g, x + cw / 2, y + rh / 2 + 4, REPORT_FONT_SMALL, REPORT_MIDDLE,
                                 "hv", lab, 0);
            } else {
                size_t k = blue_step(v.v, vmax);
                snprintf(tip, sizeof(tip), "%s to %s: %s", t->rows[i].label, t->cols[j].label, lab);
                report__svg_rect(&g, x + 1, y + 1, cw - 2, rh - 2, v.v <= 0 ? "#F7F9FB" : blues[k],
                                 tip);
                if (report__text_width(lab, REPORT_FONT_SMALL) < cw - 4)
                    report__svg_text(&g, x + cw / 2, y + rh / 2 + 4, REPORT_FONT_SMALL,
                                     REPORT_MIDDLE,
                                     k >= 3     ? "hv light"
                                     : v.v <= 0 ? "hv zero"
                                                : "hv",
                                     lab, 0);
            }
            cj++;
        }
        ri++;
    }
    {
        struct report__legend_item items[8];
        char ranges[6][80];
        int64_t lo[7];
        size_t n = 0, k;
        /* step k holds v with (k / 6)^2 <= v / vmax < ((k + 1) / 6)^2 (blue_step) */
        /* the least value of each step, found with blue_step() itself so that they agree */
        for (k = 0; k < 6 && vmax > 0; k++) {
            int64_t a = 1, b = vmax + 1;
            while (a < b) {
                int64_t m = a + (b - a) / 2;
                if (blue_step(m, vmax) >= k)
                    b = m;
                else
                    a = m + 1;
            }
            lo[k] = a;
        }
        lo[6] = vmax + 1;
        for (k = 0; k < 6 && vmax > 0; k++) {
            char a[32], b[32];
            if (lo[k + 1] - 1 < lo[k])
                continue; /* an empty step */
            report__num_str(lo[k], a);
            report__num_str(lo[k + 1] - 1, b);
            if (lo[k + 1] - 1 == lo[k])
                snprintf(ranges[k], sizeof(ranges[k]), "%s", a);
            else
                snprintf(ranges[k], sizeof(ranges[k]), "%s\xE2\x80\x93%s", a, b);
            items[n].label = ranges[k];
            items[n].fill = blues[k];
            n++;
        }
        if (sup) {
            items[n].label = "x = suppressed";
            items[n].fill = REPORT_HATCH;
            n++;
        }
        report__legend(&g, left, top + rh * (double)nr + 26, WIDTH - left, items, n);
        if (c->noisy)
            report__svg_text(&g, left, top + rh * (double)nr + 62, REPORT_FONT_SMALL, REPORT_START,
                             "sn", "Noisy counts (differential privacy).", WIDTH - left);
    }
    report__svg_close(&g);
    c->ncharts++;
}
