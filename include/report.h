/*
 * report.h: the HTML report of a hub's statistics, a self-contained file that a
 * national rapporteur can circulate.
 *
 * The report follows the chapters of the UNODC Global Report on Trafficking in
 * Persons: headline numbers, victims by sex and age, forms of exploitation, trends,
 * flows (with a world map), regional profiles, the coordination indicator, and a
 * methods and privacy note. Every number comes from the stats module (stats.h) over
 * the persons of a link run, protected before it is written:
 *
 *   - STATS_SDC (the default): threshold suppression with secondary suppression.
 *     The report adds tables of its own (regional profiles) and the sums that tie
 *     its tables together (countries within regions); all of them are protected in
 *     one pass, so that no suppressed count can be worked out from any combination
 *     of the tables the report shows (report_data.c).
 *   - STATS_DP: a differentially private release from the store's ledger (made, or
 *     reused when the same query was asked before); noisy counts are labelled so.
 *   - STATS_EXACT: exact counts, stamped "NOT FOR CIRCULATION" on every page.
 *
 * The HTML has inline CSS and inline SVG charts, no script, font, image or link to
 * anything outside the file, and a Content-Security-Policy that forbids them. Every
 * string that comes from data (agency names, labels) is escaped.
 *
 * The work is split: report_data.c gathers and protects the numbers, report.c lays
 * out the document, report_charts.c draws the charts with the primitives of
 * report_svg.c, report_map.c draws the world map. Used by `tiphub report`
 * (cli_report.c); docs/REPORT.md describes what a reader sees.
 */
#ifndef TIPHUB_REPORT_H
#define TIPHUB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "stats.h"
#include "store.h"

/* The largest report written (bytes). A hub with every country is about 0.5 MB. */
#define REPORT_MAX_BYTES ((size_t)64 << 20)
/* Default title. */
#define REPORT_DEFAULT_TITLE "Detected victims of trafficking in persons"

struct report_options {
    enum stats_protection protection; /* STATS_SDC (default), STATS_DP or STATS_EXACT */
    unsigned k;                       /* SDC threshold; 0 for STATS_SDC_K_DEFAULT */
    const char *epsilon;              /* DP: epsilon of the release, decimal */
    const char *dataset;              /* DP: the ledger's dataset; NULL for "hub" */
    struct stats_options opt;         /* the link run and the year filter */
    const char *title;                /* NULL for REPORT_DEFAULT_TITLE */
    const char *date;                 /* the report's date, "2026-11-28"; NULL for today (UTC) */
    const unsigned char *dp_seed;     /* tests only: reproducible DP noise (32 bytes); NULL */
};

void report_options_init(struct report_options *o);

/* What a report holds, for the command's summary line and for tests. */
struct report_summary {
    enum stats_protection protection;
    uint64_t persons;      /* as published (noisy under DP; 0 when suppressed) */
    size_t chapters;       /* <section class="chapter"> written */
    size_t charts;         /* <svg> charts written */
    size_t tables;         /* data <table>s written */
    size_t suppressed;     /* entries suppressed in the tables shown (SDC) */
    size_t primary;        /* of which counts 1..K-1 */
    size_t secondary;      /* of which suppressed so that those cannot be worked out */
    size_t withheld;       /* tables withheld whole */
    int64_t release_id;    /* DP: the release used */
    bool release_reused;   /* DP: the release had been made before (nothing spent now) */
    char epsilon_left[32]; /* DP: the dataset's budget left after the release */
    size_t bytes;          /* size of the HTML */
};

/*
 * Compute, protect and lay out the report of store s into html (appended; html's
 * maximum should be at least REPORT_MAX_BYTES). A DP report makes its release in
 * the ledger, or reuses the stored one (that is the only write). Returns 0,
 * ERR_NOTFOUND (no link run), ERR_REFUSED (over the DP budget), ERR_INVALID (bad
 * epsilon), ERR_TOOBIG, or ERR_DB. sum may be NULL.
 */
int report_build(struct store *s, const struct report_options *o, struct buf *html,
                 struct report_summary *sum, struct err *e);

/*
 * report_build() into the file at path, written under a temporary name and renamed
 * when complete, so that a failed run leaves no half report. Returns as
 * report_build(), or ERR_IO.
 */
int report_write(struct store *s, const struct report_options *o, const char *path,
                 struct report_summary *sum, struct err *e);

/* Append s to b with &, <, >, " and ' escaped: safe in HTML and SVG text and attributes. */
int report_escape(struct buf *b, const char *s);

#endif
