/*
 * stats_int.h: private to the stats module (stats*.c): the compact record the
 * person rule works on, table building, and the network form of a table that
 * suppression and its audit share.
 */
#ifndef TIPHUB_STATS_INT_H
#define TIPHUB_STATS_INT_H

#include <stdint.h>

#include "stats.h"

/* Citizenships kept per record: the first 4 of its (alphabetical) list. */
#define STATS__MAX_CIT 4

/* One record, reduced to what the person rule needs. */
struct stats__rec {
    int64_t id;                   /* hub record id: the order among records of the same year */
    int16_t year;                 /* 0 unknown */
    char sex;                     /* 'F', 'M', 'X', 'U' */
    char age;                     /* 'C', 'A', 'U' */
    uint16_t cit[STATS__MAX_CIT]; /* country index + 1 */
    uint8_t ncit;
    uint16_t det; /* country index + 1, 0 unknown */
    uint16_t expl;
    uint16_t forms;  /* bits 1u << CODES_FORM_* */
    uint32_t agency; /* small agency number */
};

/* Country index + 1 of an alpha-3 code (exact), 0 when NULL or unknown. */
uint16_t stats__country(const char *alpha3);
/* Fill rec from a hub record (agency given as a small number). */
void stats__rec_from_hub(const struct store_hub_record *h, uint32_t agency, struct stats__rec *rec);
/* The person rule over recs[0..n) (reordered in place: earliest first). */
void stats__resolve(struct stats__rec *recs, size_t n, struct stats_person *out);
/* The distinct agencies of recs[0..n) into out (sorted); returns how many. */
size_t stats__agencies(const struct stats__rec *recs, size_t n, uint32_t *out, size_t max);

/* ---- building tables (stats_tables.c) ---- */

/* Append a new table to r with nrows x ncols cells (ncols 0 for 1-D); all zero. */
struct stats_table *stats__table_add(struct stats_result *r, const char *name, const char *title,
                                     const char *unit, const char *row_dim, const char *col_dim,
                                     size_t nrows, size_t ncols, unsigned sensitivity);
void stats__cat_set(struct stats_cat *c, const char *code, const char *label);
/* Compute the margins of t from its cells. */
void stats__table_margins(struct stats_table *t);
void stats__table_release(struct stats_table *t);

/* ---- the network of a table (stats_audit.c) ---- */

/*
 * A table as a circulation: every entry (cell or margin) is an edge u -> v
 * carrying its value, and every row, column and total adds up exactly when the
 * flow is conserved at every node. 2-D: nodes 0..R-1 rows, R the total row,
 * R+1..R+C columns, R+C+1 the total column; cell (i,j): row i -> column j; row
 * total i: total column -> row i; column total j: column j -> total row; grand
 * total: total row -> total column. 1-D: node 0 and 1; cells 0 -> 1, total 1 -> 0.
 * A network may also join several tables (stats_sdc.c: a country table with the
 * region tables that add it up): edges point at the entries they stand for.
 */
enum { STATS__CELL = 0, STATS__MARGIN = 1, STATS__GRAND = 2 };

struct stats__edge {
    uint32_t u, v;
    int64_t *val;          /* the entry's value */
    unsigned char *status; /* the entry's status */
    unsigned char kind;    /* STATS__CELL, STATS__MARGIN, STATS__GRAND: the cost of suppressing */
};

struct stats__net {
    size_t nnodes;
    size_t nedges, alloc;
    struct stats__edge *edges;
};

void stats__net_build(struct stats_table *t, struct stats__net *n);
/* Add an edge (grows the network). */
void stats__net_add(struct stats__net *n, uint32_t u, uint32_t v, int64_t *val,
                    unsigned char *status, unsigned char kind);
void stats__net_release(struct stats__net *n);
/* Is suppressed edge k of n determined (its interval a single value)? Cheaper than the interval. */
bool stats__audit_exposed(const struct stats__net *n, size_t k, int64_t lb);
/* The interval of edge k of n (suppressed) as stats_audit_entry(). */
void stats__audit_edge(const struct stats__net *n, size_t k, int64_t lb, int64_t *lo, int64_t *hi);
/* Primary and secondary suppression over a network; returns false if it had to withhold. */
bool stats__sdc_net(struct stats__net *n, unsigned k);

#endif
