/*
 * report_int.h: private to the report module (report*.c): the numbers a report
 * shows (report_data.c, report_release.c), the chart primitives (report_svg.c), the
 * charts (report_charts.c, report_map.c) and the document (report.c).
 */
#ifndef TIPHUB_REPORT_INT_H
#define TIPHUB_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "report.h"
#include "stats.h"

struct json_t;

/* ---- the numbers (report_data.c) ---- */

/* Cells of the sex_age table: sex x age. */
#define REPORT_NSEXAGE (STATS_NSEX * STATS_NAGE)

/* The Global Report's groups of sex and age: the columns of the regional profile. */
enum {
    REPORT_WOMEN = 0,    /* female, adult */
    REPORT_MEN,          /* male, adult */
    REPORT_GIRLS,        /* female, child */
    REPORT_BOYS,         /* male, child */
    REPORT_OTHER_SEXAGE, /* other sex, or sex or age not recorded */
    REPORT_NSEXAGE_GROUPS
};
/* The group of sex s (enum stats_sex) and age a (enum stats_age). */
size_t report__sexage_group(size_t s, size_t a);

/* Groups of forms: the columns of the regional profile of forms. */
enum {
    REPORT_F_SEX = 0, /* sexual exploitation */
    REPORT_F_FL,      /* forced labour */
    REPORT_F_CRIM,    /* forced criminal activity */
    REPORT_F_MIXED,   /* sexual exploitation with forced labour */
    REPORT_F_OTHER,   /* begging, marriage, organ removal, adoption, armed conflict, other */
    REPORT_F_UNKNOWN, /* not recorded */
    REPORT_NFORM_GROUPS
};
/* The group of row i of the form table (CODES_NFORMS is its row of unknown). */
size_t report__form_group(size_t i);

struct report__data {
    struct stats_result res; /* stats' tables: exact, protected, or parsed from a DP release */
    struct stats_result own; /* the report's tables: profile_sex_age, profile_form, and (SDC)
                                the hierarchies hier_* that tie sums to their parts */
    enum stats_protection protection;
    unsigned k;
    int year; /* --year, 0 for all */
    const char *title;
    char date[32];
    /* the link run */
    int64_t run_id;
    char run_created_at[32];
    char run_method[64];
    char run_threshold[32];
    char run_agency_threshold[32];
    uint64_t run_nrecords, run_npersons;
    /* protection counts over the tables shown (SDC) */
    size_t primary, secondary, withheld;
    /* DP */
    char epsilon[32];
    char dataset[128];
    char mechanism[32]; /* "discrete-laplace", "discrete-gaussian" */
    char release_created_at[32];
    int64_t release_id;
    bool reused;
    char budget_total[32], budget_spent[32], budget_left[32];
    struct json_t *dp; /* the release's "dp" object (noise per table); owned */
};

/* Gather the numbers of a report into d (zeroed first). */
int report__data_load(struct store *s, const struct report_options *o, struct report__data *d,
                      struct err *e);
void report__data_release(struct report__data *d);

/* The table called name in d (stats' first, then the report's own), or NULL. */
const struct stats_table *report__table(const struct report__data *d, const char *name);

/*
 * Append an empty table to r (nrows x ncols cells, ncols 0 for 1-D), allocated as
 * stats.h's tables are, so that stats_result_release() frees it.
 */
struct stats_table *report__table_add(struct stats_result *r, const char *name, const char *title,
                                      const char *unit, const char *row_dim, const char *col_dim,
                                      size_t nrows, size_t ncols);
void report__cat_set(struct stats_cat *c, const char *code, const char *label);
/* Fill the margins of t from its cells. */
void report__table_margins(struct stats_table *t);

/*
 * The noise of table name in a DP release: its scale (Laplace) or standard deviation
 * (Gaussian) as a number, for the labels "noisy, +/- about N"; 0 if unknown.
 */
double report__noise_sd(const struct report__data *d, const char *name);
/*
 * The floor below which a noisy count of table name, one of n categories, is "not
 * distinguishable from noise": the level that n categories of true zero pass, by
 * noise alone, about half a time in all (so that a list of the categories above it
 * holds less than one false entry on average). 0 if the noise is unknown.
 */
double report__noise_floor(const struct report__data *d, const char *name, size_t n);

/* ---- a DP release (report_release.c) ---- */

/*
 * Parse the JSON payload of a stored DP release (the object stats_to_json() wrote,
 * with "dp") into r (initialised by the caller): every table with its values and
 * margins, persons, records, the coordination counts. Strict: a payload whose
 * shape differs is ERR_INVALID. *dp gets a new reference to the "dp" object.
 */
int report__release_parse(const char *payload, size_t len, struct stats_result *r,
                          struct json_t **dp, struct err *e);

/* ---- text and numbers (report_svg.c) ---- */

/* Escape s into b (as report_escape()); n bytes of s. */
void report__esc_n(struct buf *b, const char *s, size_t n);
void report__esc(struct buf *b, const char *s);
/* A count with thin-space thousands separators: "12 345", "-17". */
void report__num(struct buf *b, int64_t v);
/* The same into out[32]. */
void report__num_str(int64_t v, char out[32]);

/*
 * The width of text s at font size px in the report's sans-serif font, estimated
 * from per-character widths of common sans-serif faces (Liberation Sans, Arial,
 * DejaVu Sans differ by a few per cent; estimates err wide).
 */
double report__text_width(const char *s, double px);
/*
 * Copy s into out[size], cut at a UTF-8 boundary with an ellipsis so that it fits
 * in width at px. Returns true if it was cut.
 */
bool report__fit(const char *s, double px, double width, char *out, size_t size);

/* ---- chart primitives (report_svg.c) ---- */

/* Okabe-Ito colours, safe for the common kinds of colour blindness. */
#define REPORT_C_ORANGE    "#E69F00"
#define REPORT_C_SKY       "#56B4E9"
#define REPORT_C_GREEN     "#009E73"
#define REPORT_C_YELLOW    "#F0E442"
#define REPORT_C_BLUE      "#0072B2"
#define REPORT_C_VERMILION "#D55E00"
#define REPORT_C_PURPLE    "#CC79A7"
#define REPORT_C_GREY      "#8C8C8C"
/* The fill of a suppressed entry: a hatch pattern defined once in the document. */
#define REPORT_HATCH "url(#hatch)"

/* Font sizes of the charts (SVG user units: one unit is one CSS pixel at 100 %). */
#define REPORT_FONT       13.0
#define REPORT_FONT_SMALL 11.5
#define REPORT_FONT_TITLE 15.0

struct report__svg {
    struct buf *b;
    double w, h; /* the viewBox */
    char id[24]; /* unique in the document, e.g. "fig-3" */
};

/*
 * Open a chart: <svg> with viewBox 0 0 w h, role="img", aria-labelledby its <title>
 * and <desc>. The title is drawn at the top as well. Returns the y where the plot can
 * start.
 */
double report__svg_open(struct report__svg *g, struct buf *b, const char *id, double w, double h,
                        const char *title, const char *desc);
void report__svg_close(struct report__svg *g);

enum report__anchor { REPORT_START, REPORT_MIDDLE, REPORT_END };

/*
 * Text at (x, y) (baseline), cut to max_width when that is > 0: a cut text keeps
 * its full form in a <title> child, which browsers show on hover and screen readers
 * read. cls is a CSS class or NULL.
 */
void report__svg_text(struct report__svg *g, double x, double y, double px,
                      enum report__anchor anchor, const char *cls, const char *text,
                      double max_width);
/* The same rotated by angle degrees about (x, y). */
void report__svg_text_rot(struct report__svg *g, double x, double y, double px, double angle,
                          enum report__anchor anchor, const char *cls, const char *text,
                          double max_width);
/* A rectangle; title (may be NULL) becomes its tooltip. */
void report__svg_rect(struct report__svg *g, double x, double y, double w, double h,
                      const char *fill, const char *title);
/* A hatched rectangle with a thin outline: the mark of a suppressed entry. */
void report__svg_hatch(struct report__svg *g, double x, double y, double w, double h,
                       const char *title);
void report__svg_line(struct report__svg *g, double x1, double y1, double x2, double y2,
                      const char *cls);

/* A "nice" axis maximum (1, 2, 2.5 or 5 times a power of ten) at or above v; *step
 * gets the tick step for about n ticks. */
double report__nice_max(double v, int n, double *step);

/*
 * A value axis along x from x0 to x1 (value 0 to vmax, ticks every step), drawn at
 * y (tick labels below it), with gridlines up to y_top. label is the axis title (may
 * be NULL), written below the tick labels.
 */
void report__axis_x(struct report__svg *g, double x0, double x1, double y, double y_top,
                    double vmax, double step, const char *label);
/* The same along y, from y0 (value 0) up to y1 (vmax), at x, gridlines to x_right. */
void report__axis_y(struct report__svg *g, double y0, double y1, double x, double x_right,
                    double vmax, double step, const char *label);

struct report__legend_item {
    const char *label;
    const char *fill; /* a colour, or REPORT_HATCH */
};
/*
 * A legend from (x, y), items in a row, wrapping at x + width. Returns the y below
 * the legend.
 */
double report__legend(struct report__svg *g, double x, double y, double width,
                      const struct report__legend_item *items, size_t n);
/* The height a legend of these items takes in width (20 per row). */
double report__legend_height(double width, const struct report__legend_item *items, size_t n);

/* ---- charts (report_charts.c) ---- */

/* One value of a chart: a count and its status (STATS_SHOWN, STATS_PRIMARY, ...). */
struct report__val {
    int64_t v;
    unsigned char st;
};

/* A bar of a horizontal bar chart. */
struct report__bar {
    const char *label;
    struct report__val val;
};

struct report__fig; /* the chart being written, with its figure number */

/*
 * Every chart below writes one <figure> with its number, an <svg> and a caption,
 * into b. Suppressed values are drawn as a hatched mark of fixed size labelled "x",
 * never as a length; noisy (DP) values are labelled so. Negative noisy values are
 * drawn as zero-length bars with their value written.
 */
struct report__chart_ctx {
    struct buf *b;
    int nfig;         /* figures so far (numbering) */
    size_t ncharts;   /* svg charts so far */
    bool noisy;       /* DP: values are noisy */
    unsigned k;       /* SDC threshold (for the legends) */
    const char *unit; /* "persons" */
};

/* Horizontal bars, in the order given. */
void report__chart_hbar(struct report__chart_ctx *c, const char *id, const char *title,
                        const char *desc, const struct report__bar *bars, size_t n,
                        const char *colour, const char *axis_label);

/* Vertical columns (years), in the order given. */
void report__chart_columns(struct report__chart_ctx *c, const char *id, const char *title,
                           const char *desc, const struct report__bar *bars, size_t n,
                           const char *colour, const char *axis_label);

/* One segment kind of 100 % bars. */
struct report__seg {
    const char *label;
    const char *colour;
};

/* One 100 % bar: its label, its total and one value per segment kind. */
struct report__stack {
    const char *label;
    struct report__val total;
    const struct report__val *vals; /* nsegs values */
};

/*
 * 100 % stacked horizontal bars (the Global Report's style for sex and age). A bar is
 * drawn only when its total is published; its suppressed values are drawn together as
 * one hatched segment whose length is the total minus the published values (which the
 * table shows anyway), so that no single suppressed value has a length.
 */
void report__chart_stack100(struct report__chart_ctx *c, const char *id, const char *title,
                            const char *desc, const struct report__seg *segs, size_t nsegs,
                            const struct report__stack *stacks, size_t nstacks);

/* A heat map of table t (2-D), rows and columns keep[] (NULL: all). */
void report__chart_heatmap(struct report__chart_ctx *c, const char *id, const char *title,
                           const char *desc, const struct stats_table *t, const bool *row_keep,
                           const bool *col_keep, const char *row_axis, const char *col_axis);

/* ---- the world map (report_map.c) ---- */

/*
 * A choropleth of countries by the 1-D country table t (alpha-3 row codes), with
 * the countries of table mark (may be NULL) outlined (countries of detection).
 * noise_floor > 0 (DP): values below it are drawn as "not distinguishable from
 * noise". Countries too small to draw are listed under the map.
 */
void report__chart_map(struct report__chart_ctx *c, const char *id, const char *title,
                       const char *desc, const struct stats_table *t,
                       const struct stats_table *mark, double noise_floor);

/* ---- data tables (report.c) ---- */

/* The status and value of entry idx of t. */
static inline struct report__val report__val_at(const struct stats_table *t, size_t idx)
{
    struct report__val v;
    v.v = t->v[idx];
    v.st = t->status[idx];
    return v;
}

/* Write a value cell's content: the number, or the suppressed mark. */
void report__val_html(struct buf *b, struct report__val v, bool noisy);

#endif
