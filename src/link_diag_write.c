/*
 * link_diag_write.c: the threshold diagnostics of link_diag.c written out: as text
 * for a terminal (one table with ASCII bars and advice on reading it), as CSV for
 * a spreadsheet, and as an SVG picture (three charts) for a report.
 *
 * Everything written is a count over many pairs or records; nothing names a
 * record or gives its score.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "link.h"

#include "banned.h"

#define BAR 24

/* k/100 as text: "0.85". */
static void bin_label(unsigned k, char out[16])
{
    snprintf(out, 16, "%u.%02u", k / 100, k % 100);
}

/* Is bin k at or above threshold t (i.e. does score k/100 pass t)? */
static int bin_passes(unsigned k, const struct dice_threshold *t)
{
    return (uint64_t)k * t->q >= (uint64_t)100 * t->p;
}

static void threshold_text(const struct dice_threshold *t, char *out, size_t size)
{
    snprintf(out, size, "%.4g", (double)t->p / (double)t->q);
}

/*
 * Otsu's split of the best-score histogram: the bin that best separates the
 * records into two piles (the largest between-class variance). 0 when there are
 * fewer than two non-empty bins.
 */
static unsigned otsu(const struct link_diag *d)
{
    double total = 0, sum = 0, wb = 0, sb = 0, bestv = -1;
    unsigned k, split = 0, nonempty = 0;

    for (k = d->first_bin; k < LINK_DIAG_BINS; k++) {
        total += (double)d->best[k];
        sum += (double)k * (double)d->best[k];
        nonempty += d->best[k] > 0;
    }
    if (nonempty < 2)
        return 0;
    for (k = d->first_bin; k + 1 < LINK_DIAG_BINS; k++) {
        double wf, mb, mf, v;
        wb += (double)d->best[k];
        sb += (double)k * (double)d->best[k];
        wf = total - wb;
        if (wb == 0 || wf == 0)
            continue;
        mb = sb / wb;
        mf = (sum - sb) / wf;
        v = wb * wf * (mb - mf) * (mb - mf);
        if (v > bestv) {
            bestv = v;
            split = k + 1; /* the threshold: scores >= split go above */
        }
    }
    return split;
}

static void bar(FILE *out, unsigned len)
{
    unsigned i;

    for (i = 0; i < BAR; i++)
        fputc(i < len ? '#' : ' ', out);
}

int link_diag_write_text(const struct link_diag *d, FILE *out)
{
    uint64_t max_best = 0, max_pairs = 0, total_pairs = 0;
    unsigned k, split;
    char label[16], tt[32], ft[32];

    threshold_text(&d->threshold, tt, sizeof(tt));
    threshold_text(&d->floor, ft, sizeof(ft));
    for (k = d->first_bin; k < LINK_DIAG_BINS; k++) {
        if (d->best[k] > max_best)
            max_best = d->best[k];
        if (d->pairs[k] > max_pairs)
            max_pairs = d->pairs[k];
        total_pairs += d->pairs[k];
    }
    fprintf(out, "Threshold diagnostics: %llu records from %llu source%s, solver %s\n",
            (unsigned long long)d->records, (unsigned long long)d->sources,
            d->sources == 1 ? "" : "s", link_method_name(d->method));
    fprintf(out, "%llu candidate pairs scored %s or more (%llu pairs compared)\n\n",
            (unsigned long long)total_pairs, ft, (unsigned long long)d->stats.comparisons);
    fprintf(out, "score  %-*s %8s   %-*s %8s  persons\n", BAR, "best score of each record",
            "records", BAR, "candidate pairs (log)", "pairs");
    for (k = LINK_DIAG_BINS; k-- > d->first_bin;) {
        unsigned lb = 0, lp = 0;
        if (max_best > 0)
            lb = (unsigned)((d->best[k] * BAR + max_best - 1) / max_best);
        if (max_pairs > 0 && d->pairs[k] > 0)
            lp = (unsigned)ceil(BAR * log10(1.0 + (double)d->pairs[k]) /
                                log10(1.0 + (double)max_pairs));
        bin_label(k, label);
        fprintf(out, "%s   ", label);
        bar(out, lb);
        fprintf(out, " %8llu   ", (unsigned long long)d->best[k]);
        bar(out, lp);
        fprintf(out, " %8llu  %7llu", (unsigned long long)d->pairs[k],
                (unsigned long long)d->persons[k]);
        if (bin_passes(k, &d->threshold) && (k == 0 || !bin_passes(k - 1, &d->threshold)))
            fprintf(out, "  <- threshold %s", tt);
        fputc('\n', out);
    }
    fprintf(out, "(no pair at %s or more: %llu records)\n\n", ft,
            (unsigned long long)d->no_candidate);
    fprintf(out,
            "Candidates per record at threshold %s: 0: %llu, 1: %llu, 2: %llu, 3: %llu, 4: %llu, "
            "5-9: %llu, 10+: %llu (most: %llu)\n",
            tt, (unsigned long long)d->cand[0], (unsigned long long)d->cand[1],
            (unsigned long long)d->cand[2], (unsigned long long)d->cand[3],
            (unsigned long long)d->cand[4], (unsigned long long)d->cand[5],
            (unsigned long long)d->cand[6], (unsigned long long)d->cand_max);
    split = otsu(d);
    if (split > 0) {
        bin_label(split, label);
        fprintf(out, "The best scores split into two piles best at %s (Otsu's method).\n", label);
    }
    fputs("\nReading it: a row is a score s. 'best score' counts records whose closest other\n"
          "record scores s; 'pairs' counts all pairs scoring s; 'persons' is how many persons\n"
          "linking at threshold s would find. Records of people met more than once pile up\n"
          "near 1; records of people met once pile up lower. Choose the threshold in the\n"
          "valley between the two piles of best scores, where the persons column is nearly\n"
          "flat (the knee): above it true matches are missed and persons run high, below it\n"
          "different people are joined and persons fall fast again. If there is no valley,\n"
          "the encodings do not separate matches well: check the schema and the\n"
          "normalisation before the threshold.\n",
          out);
    return ferror(out) ? ERR_IO : 0;
}

int link_diag_write_csv(const struct link_diag *d, FILE *out)
{
    uint64_t above = 0;
    unsigned k;
    char label[16];

    fputs("threshold,pairs,within,pairs_at_or_above,best,persons\n", out);
    for (k = LINK_DIAG_BINS; k-- > d->first_bin;)
        above += d->pairs[k];
    for (k = d->first_bin; k < LINK_DIAG_BINS; k++) {
        bin_label(k, label);
        fprintf(out, "%s,%llu,%llu,%llu,%llu,%llu\n", label, (unsigned long long)d->pairs[k],
                (unsigned long long)d->within[k], (unsigned long long)above,
                (unsigned long long)d->best[k], (unsigned long long)d->persons[k]);
        above -= d->pairs[k];
    }
    return ferror(out) ? ERR_IO : 0;
}

/* ==== SVG ==== */

#define SVG_W     720
#define SVG_PANEL 200
#define SVG_LEFT  70
#define SVG_RIGHT 20
#define SVG_TOP   30
#define SVG_GAP   60

/* x of score bin k (its left edge) in a panel. */
static double svg_x(const struct link_diag *d, double k)
{
    double span = (double)(LINK_DIAG_BINS - d->first_bin);
    return SVG_LEFT + (k - d->first_bin) * (SVG_W - SVG_LEFT - SVG_RIGHT) / span;
}

static void svg_axes(const struct link_diag *d, FILE *out, double y0, const char *title,
                     const char *ylabel, const char *ymin_text, const char *ymax_text)
{
    unsigned k;
    double tx;
    char label[16], tt[32];

    fprintf(out, "<text x=\"%d\" y=\"%.1f\" font-weight=\"bold\">%s</text>\n", SVG_LEFT, y0 - 10,
            title);
    fprintf(out,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\"/>\n"
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\"/>\n",
            SVG_LEFT, y0, SVG_LEFT, y0 + SVG_PANEL, SVG_LEFT, y0 + SVG_PANEL, SVG_W - SVG_RIGHT,
            y0 + SVG_PANEL);
    fprintf(out,
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>\n"
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>\n"
            "<text x=\"12\" y=\"%.1f\" font-size=\"11\" transform=\"rotate(-90 12 %.1f)\" "
            "text-anchor=\"middle\">%s</text>\n",
            SVG_LEFT - 4, y0 + 10, ymax_text, SVG_LEFT - 4, y0 + SVG_PANEL, ymin_text,
            y0 + SVG_PANEL / 2.0, y0 + SVG_PANEL / 2.0, ylabel);
    for (k = d->first_bin; k <= 100; k++) {
        if (k % 10 != 0 && !(k == d->first_bin && k % 10 > 5))
            continue;
        bin_label(k, label);
        fprintf(out,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%s"
                "</text>\n",
                svg_x(d, k), y0 + SVG_PANEL + 14, label);
    }
    tx = svg_x(d, 100.0 * d->threshold.p / d->threshold.q);
    threshold_text(&d->threshold, tt, sizeof(tt));
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" "
            "stroke-dasharray=\"4 3\"/>\n"
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#c00\">T = %s</text>\n",
            tx, y0, tx, y0 + SVG_PANEL, tx + 3, y0 + 12, tt);
}

static void svg_hist(const struct link_diag *d, FILE *out, double y0, const uint64_t *h, int logy,
                     const char *colour)
{
    double maxv = 0, w = svg_x(d, d->first_bin + 1) - svg_x(d, d->first_bin);
    unsigned k;

    for (k = d->first_bin; k < LINK_DIAG_BINS; k++) {
        double v = logy ? log10(1.0 + (double)h[k]) : (double)h[k];
        if (v > maxv)
            maxv = v;
    }
    if (maxv <= 0)
        return;
    for (k = d->first_bin; k < LINK_DIAG_BINS; k++) {
        double v = logy ? log10(1.0 + (double)h[k]) : (double)h[k];
        double hgt = v / maxv * SVG_PANEL;
        if (h[k] == 0)
            continue;
        fprintf(out,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                "<title>%u.%02u: %llu</title></rect>\n",
                svg_x(d, k) + 0.5, y0 + SVG_PANEL - hgt, w - 1 > 1 ? w - 1 : 1, hgt, colour,
                k / 100, k % 100, (unsigned long long)h[k]);
    }
}

int link_diag_write_svg(const struct link_diag *d, FILE *out)
{
    uint64_t maxb = 0, maxp = 0, minper = UINT64_MAX, maxper = 0;
    double y0, lo, height = SVG_TOP + 3 * SVG_PANEL + 3 * SVG_GAP;
    unsigned k;
    char text[64];
    int first = 1;

    for (k = d->first_bin; k < LINK_DIAG_BINS; k++) {
        if (d->best[k] > maxb)
            maxb = d->best[k];
        if (d->pairs[k] > maxp)
            maxp = d->pairs[k];
        if (d->persons[k] < minper)
            minper = d->persons[k];
        if (d->persons[k] > maxper)
            maxper = d->persons[k];
    }
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
            "viewBox=\"0 0 %d %.0f\" font-family=\"sans-serif\" font-size=\"13\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            SVG_W, height, SVG_W, height);

    y0 = SVG_TOP;
    snprintf(text, sizeof(text), "%llu", (unsigned long long)maxb);
    svg_axes(d, out, y0, "Best score of each record", "records", "0", text);
    svg_hist(d, out, y0, d->best, 0, "#3a6ea5");

    y0 += SVG_PANEL + SVG_GAP;
    snprintf(text, sizeof(text), "%llu", (unsigned long long)maxp);
    svg_axes(d, out, y0, "All candidate pairs by score (log scale)", "pairs", "0", text);
    svg_hist(d, out, y0, d->pairs, 1, "#888");

    y0 += SVG_PANEL + SVG_GAP;
    {
        char lo_text[32];
        lo = floor((double)(minper == UINT64_MAX ? 0 : minper) * 0.98);
        snprintf(text, sizeof(text), "%llu", (unsigned long long)maxper);
        snprintf(lo_text, sizeof(lo_text), "%.0f", lo);
        svg_axes(d, out, y0, "Persons found at each threshold", "persons", lo_text, text);
    }
    if (maxper > 0) {
        double span = (double)maxper - lo;
        fprintf(out, "<polyline fill=\"none\" stroke=\"#2a7f3f\" stroke-width=\"2\" points=\"");
        for (k = d->first_bin; k < LINK_DIAG_BINS; k++) {
            double y =
                y0 + SVG_PANEL - ((double)d->persons[k] - lo) / (span > 0 ? span : 1) * SVG_PANEL;
            fprintf(out, "%s%.1f,%.1f", first ? "" : " ", svg_x(d, k + 0.5), y);
            first = 0;
        }
        fprintf(out, "\"/>\n");
    }
    fprintf(out, "</svg>\n");
    return ferror(out) ? ERR_IO : 0;
}
