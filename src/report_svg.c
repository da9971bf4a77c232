/*
 * report_svg.c: the drawing primitives of the report's charts, and text.
 *
 * Charts are inline SVG written as text: a frame with its title and description
 * (read by screen readers), text that is measured and cut to fit, rectangles,
 * hatched rectangles for suppressed entries, value axes with "nice" ticks, and
 * legends. Everything written passes through report__esc(): labels come from data.
 * No script, no external reference: the hatch pattern is defined once per document
 * (report.c) and used by id.
 *
 * Text widths are estimated, not measured (there is no font engine here): each
 * character has the wider of its advance widths in DejaVu Sans (the sans-serif of
 * most Linux systems) and Helvetica (Arial, Liberation Sans); bold text is 10 %
 * wider. Narrower faces (Segoe UI, San Francisco) only leave more room. Labels that
 * would not fit are cut with an ellipsis and keep their full text in a <title>.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_int.h"

#include "banned.h"

/* ---- text ---- */

void report__esc_n(struct buf *b, const char *s, size_t n)
{
    size_t i, start = 0;
    for (i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            /* control characters other than tab and newline are not allowed in XML 1.0 */
            if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n')
                rep = "";
            break;
        }
        if (rep == NULL)
            continue;
        buf_append(b, s + start, i - start);
        buf_puts(b, rep);
        start = i + 1;
    }
    buf_append(b, s + start, n - start);
}

void report__esc(struct buf *b, const char *s)
{
    if (s != NULL)
        report__esc_n(b, s, strlen(s));
}

int report_escape(struct buf *b, const char *s)
{
    struct buf probe;
    size_t before = b->len;
    int rc = 0;

    if (s == NULL)
        return 0;
    /* the length it takes, measured without a limit, to tell a full buffer from a short text */
    buf_init(&probe, (size_t)-1 / 2);
    report__esc(&probe, s);
    report__esc(b, s);
    if (b->len - before != probe.len) {
        buf_truncate(b, before);
        rc = ERR_TOOBIG;
    }
    buf_release(&probe);
    return rc;
}

/* U+202F NARROW NO-BREAK SPACE: the thousands separator (SI / ISO 80000 style). */
#define THOUSANDS "\xE2\x80\xAF"

void report__num_str(int64_t v, char out[32])
{
    char digits[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n, i, o = 0;

    n = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)u);
    if (v < 0)
        out[o++] = '-';
    for (i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0 && n > 4) {
            memcpy(out + o, THOUSANDS, 3);
            o += 3;
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

void report__num(struct buf *b, int64_t v)
{
    char s[32];
    report__num_str(v, s);
    buf_puts(b, s);
}

/*
 * Advance widths in 1/1000 em of ASCII 32..126: for each character the wider of
 * DejaVu Sans (measured in Chromium) and Helvetica (whose metrics Arial and
 * Liberation Sans share), so that an estimate holds in either.
 */
static const unsigned short widths[95] = {
    318,  401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, /* sp../ */
    636,  636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 556, /* 0..? */
    1015, 684, 686, 722, 770, 667, 611, 778, 752, 295, 500, 667, 557, 863, 748, 787, /* @..O */
    667,  787, 722, 667, 611, 732, 684, 989, 685, 667, 685, 390, 337, 390, 838, 556, /* P.._ */
    500,  613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, /* `..o */
    635,  635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,      /* p..~ */
};

/* The width of the UTF-8 character at s (length *len) in 1/1000 em. */
static unsigned char_width(const unsigned char *s, size_t *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0] >= 32 && s[0] < 127 ? widths[s[0] - 32] : 0;
    }
    *len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
    /* a continuation byte cut short: count what is there */
    {
        size_t i;
        for (i = 1; i < *len; i++) {
            if ((s[i] & 0xC0) != 0x80) {
                *len = i;
                break;
            }
        }
    }
    if (*len == 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] == 0xAF)
        return 200; /* narrow no-break space */
    if (*len == 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] == 0xA6)
        return 1000; /* ellipsis */
    /* accented Latin letters are as wide as their base; CJK is wider: err wide */
    return *len >= 3 ? 1000 : 600;
}

static double width_f(const char *s, double px, double factor)
{
    const unsigned char *p = (const unsigned char *)s;
    double w = 0;
    while (p != NULL && *p != '\0') {
        size_t len = 1;
        w += char_width(p, &len);
        p += len;
    }
    return w / 1000.0 * px * factor;
}

double report__text_width(const char *s, double px)
{
    return width_f(s, px, 1.0);
}

/* report__fit() for text in a face factor times as wide as the regular one (bold: 1.1). */
static bool fit_f(const char *s, double px, double factor, double width, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    double ell = px * factor, w = 0;
    size_t n = 0;

    if (width_f(s, px, factor) <= width && strlen(s) < size) {
        snprintf(out, size, "%s", s);
        return false;
    }
    /* keep characters while they and an ellipsis fit */
    while (p[n] != '\0') {
        size_t len = 1;
        double cw = char_width(p + n, &len) / 1000.0 * px * factor;
        if (w + cw + ell > width || n + len + 4 > size)
            break;
        w += cw;
        n += len;
    }
    /* no lone space before the ellipsis */
    while (n > 0 && p[n - 1] == ' ')
        n--;
    snprintf(out, size, "%.*s\xE2\x80\xA6", (int)n, s);
    return true;
}

bool report__fit(const char *s, double px, double width, char *out, size_t size)
{
    return fit_f(s, px, 1.0, width, out, size);
}

/* ---- the frame ---- */

double report__svg_open(struct report__svg *g, struct buf *b, const char *id, double w, double h,
                        const char *title, const char *desc)
{
    memset(g, 0, sizeof(*g));
    g->b = b;
    g->w = w;
    g->h = h;
    snprintf(g->id, sizeof(g->id), "%s", id);
    buf_printf(
        b,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
        "width=\"%.0f\" height=\"%.0f\" font-size=\"%.0f\" role=\"img\" "
        "aria-labelledby=\"%s-t %s-d\" preserveAspectRatio=\"xMinYMin meet\">",
        w, h, w, h, REPORT_FONT, g->id, g->id);
    buf_printf(b, "<title id=\"%s-t\">", g->id);
    report__esc(b, title);
    buf_printf(b, "</title><desc id=\"%s-d\">", g->id);
    report__esc(b, desc);
    buf_puts(b, "</desc>");
    report__svg_text(g, 0, 18, REPORT_FONT_TITLE, REPORT_START, "ct", title, w);
    return 34;
}

void report__svg_close(struct report__svg *g)
{
    buf_puts(g->b, "</svg>");
}

static const char *anchor_name(enum report__anchor a)
{
    return a == REPORT_MIDDLE ? "middle" : a == REPORT_END ? "end" : "start";
}

static void text_common(struct report__svg *g, double px, enum report__anchor anchor,
                        const char *cls, const char *text, double max_width)
{
    char cut[512];
    bool was_cut = false;

    /* the chart title (class "ct") is bold */
    if (max_width > 0)
        was_cut = fit_f(text, px, cls != NULL && strcmp(cls, "ct") == 0 ? 1.1 : 1.0, max_width, cut,
                        sizeof(cut));
    if (px != REPORT_FONT)
        buf_printf(g->b, " font-size=\"%.1f\"", px);
    if (anchor != REPORT_START)
        buf_printf(g->b, " text-anchor=\"%s\"", anchor_name(anchor));
    if (cls != NULL)
        buf_printf(g->b, " class=\"%s\"", cls);
    buf_putc(g->b, '>');
    if (was_cut) {
        buf_puts(g->b, "<title>");
        report__esc(g->b, text);
        buf_puts(g->b, "</title>");
        report__esc(g->b, cut);
    } else {
        report__esc(g->b, text);
    }
    buf_puts(g->b, "</text>");
}

void report__svg_text(struct report__svg *g, double x, double y, double px,
                      enum report__anchor anchor, const char *cls, const char *text,
                      double max_width)
{
    buf_printf(g->b, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
    text_common(g, px, anchor, cls, text, max_width);
}

void report__svg_text_rot(struct report__svg *g, double x, double y, double px, double angle,
                          enum report__anchor anchor, const char *cls, const char *text,
                          double max_width)
{
    buf_printf(g->b, "<text x=\"%.1f\" y=\"%.1f\" transform=\"rotate(%.0f %.1f %.1f)\"", x, y,
               angle, x, y);
    text_common(g, px, anchor, cls, text, max_width);
}

void report__svg_rect(struct report__svg *g, double x, double y, double w, double h,
                      const char *fill, const char *title)
{
    buf_printf(g->b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"", x, y,
               w > 0 ? w : 0, h > 0 ? h : 0, fill);
    if (title == NULL) {
        buf_puts(g->b, "/>");
        return;
    }
    buf_puts(g->b, "><title>");
    report__esc(g->b, title);
    buf_puts(g->b, "</title></rect>");
}

void report__svg_hatch(struct report__svg *g, double x, double y, double w, double h,
                       const char *title)
{
    buf_printf(g->b,
               "<rect class=\"sup\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
               "fill=\"" REPORT_HATCH "\" stroke=\"#555\" stroke-width=\"0.8\"",
               x, y, w > 0 ? w : 0, h > 0 ? h : 0);
    if (title == NULL) {
        buf_puts(g->b, "/>");
        return;
    }
    buf_puts(g->b, "><title>");
    report__esc(g->b, title);
    buf_puts(g->b, "</title></rect>");
}

void report__svg_line(struct report__svg *g, double x1, double y1, double x2, double y2,
                      const char *cls)
{
    buf_printf(g->b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>", x1, y1,
               x2, y2, cls != NULL ? cls : "ax");
}

/* ---- axes ---- */

double report__nice_max(double v, int n, double *step)
{
    static const double mult[] = {1, 2, 2.5, 5, 10};
    double raw, p10, s = 1;
    size_t i;

    if (v <= 0 || n < 1) {
        *step = 1;
        return n > 0 ? (double)n : 1;
    }
    raw = v / n;
    p10 = pow(10, floor(log10(raw)));
    for (i = 0; i < sizeof(mult) / sizeof(mult[0]); i++) {
        s = mult[i] * p10;
        if (s >= raw)
            break;
    }
    if (s < 1)
        s = 1; /* counts are whole numbers */
    *step = s;
    return ceil(v / s) * s;
}

static void tick_label(double v, char out[32])
{
    report__num_str((int64_t)llround(v), out);
}

void report__axis_x(struct report__svg *g, double x0, double x1, double y, double y_top,
                    double vmax, double step, const char *label)
{
    char s[32];
    long k, nticks = step > 0 ? lround(vmax / step) : 0;

    for (k = 0; k <= nticks; k++) {
        double v = (double)k * step, x = x0 + (x1 - x0) * v / vmax;
        if (v > 0)
            report__svg_line(g, x, y_top, x, y, "grid");
        tick_label(v, s);
        report__svg_text(g, x, y + 15, REPORT_FONT_SMALL, REPORT_MIDDLE, "tick", s, 0);
    }
    report__svg_line(g, x0, y, x1, y, "ax");
    if (label != NULL)
        report__svg_text(g, (x0 + x1) / 2, y + 33, REPORT_FONT_SMALL, REPORT_MIDDLE, "axl", label,
                         x1 - x0);
}

void report__axis_y(struct report__svg *g, double y0, double y1, double x, double x_right,
                    double vmax, double step, const char *label)
{
    char s[32];
    long k, nticks = step > 0 ? lround(vmax / step) : 0;

    for (k = 0; k <= nticks; k++) {
        double v = (double)k * step, y = y0 - (y0 - y1) * v / vmax;
        if (v > 0)
            report__svg_line(g, x, y, x_right, y, "grid");
        tick_label(v, s);
        report__svg_text(g, x - 6, y + 4, REPORT_FONT_SMALL, REPORT_END, "tick", s, 0);
    }
    report__svg_line(g, x, y0, x_right, y0, "ax");
    if (label != NULL)
        report__svg_text_rot(g, 14, (y0 + y1) / 2, REPORT_FONT_SMALL, -90, REPORT_MIDDLE, "axl",
                             label, y0 - y1);
}

/* ---- legend ---- */

static double item_width(const struct report__legend_item *it)
{
    return 18 + report__text_width(it->label, REPORT_FONT_SMALL) + 16;
}

double report__legend_height(double width, const struct report__legend_item *items, size_t n)
{
    double cx = 0, rows = n > 0 ? 1 : 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double w = item_width(&items[i]);
        if (cx > 0 && cx + w > width) {
            cx = 0;
            rows++;
        }
        cx += w;
    }
    return rows * 20;
}

double report__legend(struct report__svg *g, double x, double y, double width,
                      const struct report__legend_item *items, size_t n)
{
    double cx = x, cy = y;
    size_t i;

    for (i = 0; i < n; i++) {
        double w = item_width(&items[i]);
        if (cx > x && cx + w > x + width) {
            cx = x;
            cy += 20;
        }
        if (strcmp(items[i].fill, REPORT_HATCH) == 0)
            report__svg_hatch(g, cx, cy - 10, 12, 12, NULL);
        else
            report__svg_rect(g, cx, cy - 10, 12, 12, items[i].fill, NULL);
        report__svg_text(g, cx + 17, cy, REPORT_FONT_SMALL, REPORT_START, "lg", items[i].label,
                         width - 17);
        cx += w;
    }
    return cy + 14;
}
