/*
 * stats_sdc.c: statistical disclosure control by cell suppression.
 *
 * Primary suppression: every entry of a table, cells and margins alike, that
 * counts 1..K-1 persons is withheld (K = 11 by default, as CTDC does). Zero is
 * published: in a fixed public category list a zero says nothing about anyone,
 * and publishing zeros keeps tables readable. The price is that an attacker knows
 * every suppressed entry is at least 1, and the audit takes that into account.
 *
 * Secondary suppression: withholding a cell is useless if it can be worked out
 * from the rest of its row and the row total. After primary suppression the table
 * is audited exactly (stats_audit.c); while some suppressed entry is determined,
 * the cheapest cycle of non-zero entries through it is found (Dijkstra over the
 * table's network, already suppressed entries free, published cells at their
 * value, margins dearer than any cell) and its published entries are suppressed
 * too; when that adds nothing (the cycle is blocked by entries at their lower
 * bound), the cheapest published non-zero entry next to the exposed one is. Each
 * round suppresses at least one more entry, so the loop ends; if every non-zero
 * entry is suppressed and something is still determined, the whole table is
 * withheld. The result is audited: no suppressed entry is determined.
 *
 * Linked tables: the cells of "citizenship" and "detection" are the margins of
 * "flows", and every person table has the same grand total; such shared entries are
 * given the same status in every table, repeating until nothing changes.
 */
#include <stdlib.h>
#include <string.h>

#include "stats_int.h"
#include "xalloc.h"

#include "banned.h"

static bool is_margin(const struct stats_table *t, size_t idx)
{
    size_t i = idx / (t->ncols + 1), j = idx % (t->ncols + 1);
    return i == t->nrows || (!stats_is_1d(t) && j == t->ncols);
}

static int64_t entry_cost(const struct stats_table *t, size_t idx, int64_t big)
{
    size_t i = idx / (t->ncols + 1), j = idx % (t->ncols + 1);
    if (t->status[idx] != STATS_SHOWN)
        return 0;
    if (i == t->nrows && (stats_is_1d(t) || j == t->ncols))
        return t->v[idx] + 4 * big; /* the grand total */
    if (is_margin(t, idx))
        return t->v[idx] + 2 * big;
    return t->v[idx] + 1;
}

/*
 * The cheapest path from node a to node b over edges other than skip whose value
 * is non-zero (undirected). Marks the published edges of the path for suppression
 * in *add (entry indexes); returns how many, or -1 when there is no path.
 */
static long cheapest_cycle(const struct stats_table *t, const struct stats__net *n, size_t skip,
                           uint32_t a, uint32_t b, size_t *add)
{
    int64_t *dist = xmalloc(n->nnodes * sizeof(int64_t));
    size_t *via = xmalloc(n->nnodes * sizeof(size_t));
    bool *done = xcalloc(n->nnodes, sizeof(bool));
    int64_t big = t->v[stats_at(t, t->nrows, stats_is_1d(t) ? 0 : t->ncols)] + 1;
    long nadd = -1;
    size_t i, k;

    for (i = 0; i < n->nnodes; i++) {
        dist[i] = INT64_MAX;
        via[i] = SIZE_MAX;
    }
    dist[a] = 0;
    for (;;) {
        uint32_t u = UINT32_MAX;
        for (i = 0; i < n->nnodes; i++) {
            if (!done[i] && dist[i] != INT64_MAX && (u == UINT32_MAX || dist[i] < dist[u]))
                u = (uint32_t)i;
        }
        if (u == UINT32_MAX || u == b)
            break;
        done[u] = true;
        for (k = 0; k < n->nedges; k++) {
            const struct stats__edge *ed = &n->edges[k];
            uint32_t w;
            int64_t c;
            if (k == skip || t->v[ed->entry] <= 0 || (ed->u != u && ed->v != u))
                continue;
            w = ed->u == u ? ed->v : ed->u;
            c = dist[u] + entry_cost(t, ed->entry, big);
            if (!done[w] && c < dist[w]) {
                dist[w] = c;
                via[w] = k;
            }
        }
    }
    if (dist[b] != INT64_MAX) {
        uint32_t x = b;
        nadd = 0;
        while (x != a) {
            const struct stats__edge *ed = &n->edges[via[x]];
            if (t->status[ed->entry] == STATS_SHOWN)
                add[nadd++] = ed->entry;
            x = ed->u == x ? ed->v : ed->u;
        }
    }
    free(dist);
    free(via);
    free(done);
    return nadd;
}

/* The cheapest published non-zero entry on a node of edge e (other than e), or SIZE_MAX. */
static size_t cheapest_neighbour(const struct stats_table *t, const struct stats__net *n, size_t e)
{
    const struct stats__edge *x = &n->edges[e];
    int64_t big = t->v[stats_at(t, t->nrows, stats_is_1d(t) ? 0 : t->ncols)] + 1;
    size_t best = SIZE_MAX, k;
    int64_t best_cost = INT64_MAX;

    for (k = 0; k < n->nedges; k++) {
        const struct stats__edge *ed = &n->edges[k];
        int64_t c;
        if (k == e || t->status[ed->entry] != STATS_SHOWN || t->v[ed->entry] <= 0)
            continue;
        if (ed->u != x->u && ed->u != x->v && ed->v != x->u && ed->v != x->v)
            continue;
        c = entry_cost(t, ed->entry, big);
        if (c < best_cost) {
            best_cost = c;
            best = ed->entry;
        }
    }
    if (best != SIZE_MAX)
        return best;
    /* none next to it: the cheapest anywhere */
    for (k = 0; k < n->nedges; k++) {
        const struct stats__edge *ed = &n->edges[k];
        int64_t c;
        if (k == e || t->status[ed->entry] != STATS_SHOWN || t->v[ed->entry] <= 0)
            continue;
        c = entry_cost(t, ed->entry, big);
        if (c < best_cost) {
            best_cost = c;
            best = ed->entry;
        }
    }
    return best;
}

static void withhold(struct stats_table *t)
{
    memset(t->status, STATS_WITHHELD, (t->nrows + 1) * (t->ncols + 1));
}

size_t stats_sdc_table(struct stats_table *t, unsigned k)
{
    struct stats__net n;
    size_t *add = NULL, count = 0, e, i;

    stats__net_build(t, &n);
    if (t->status[0] == STATS_WITHHELD)
        goto out;
    /* primary */
    for (e = 0; e < n.nedges; e++) {
        size_t idx = n.edges[e].entry;
        if (t->status[idx] == STATS_SHOWN && t->v[idx] >= 1 && t->v[idx] < (int64_t)k)
            t->status[idx] = STATS_PRIMARY;
    }
    /* secondary, until the audit finds nothing determined */
    add = xmalloc((n.nedges + 1) * sizeof(size_t));
    for (;;) {
        long nadd;
        size_t x = stats__audit_first_exposed(t, &n, 1);
        if (x == SIZE_MAX)
            break;
        nadd = cheapest_cycle(t, &n, x, n.edges[x].v, n.edges[x].u, add);
        if (nadd <= 0) {
            size_t y = cheapest_neighbour(t, &n, x);
            if (y == SIZE_MAX) {
                withhold(t);
                break;
            }
            add[0] = y;
            nadd = 1;
        }
        for (i = 0; i < (size_t)nadd; i++)
            t->status[add[i]] = STATS_SECONDARY;
    }
out:
    for (e = 0; e < n.nedges; e++)
        count += t->status[n.edges[e].entry] != STATS_SHOWN;
    free(add);
    stats__net_release(&n);
    return count;
}

/* ---- the whole result ---- */

static size_t grand(const struct stats_table *t)
{
    return stats_at(t, t->nrows, stats_is_1d(t) ? 0 : t->ncols);
}

/* Give entry a of ta and entry b of tb the same status; true if one changed. */
static bool link(struct stats_table *ta, size_t a, struct stats_table *tb, size_t b)
{
    if (ta->status[a] != STATS_SHOWN && tb->status[b] == STATS_SHOWN) {
        tb->status[b] = STATS_SECONDARY;
        return true;
    }
    if (tb->status[b] != STATS_SHOWN && ta->status[a] == STATS_SHOWN) {
        ta->status[a] = STATS_SECONDARY;
        return true;
    }
    return false;
}

/* Link the 1-D table c's cells with the margins of flows (rows when by_row). */
static bool link_margins(struct stats_table *flows, struct stats_table *c, bool by_row)
{
    size_t i, j, n = by_row ? flows->nrows : flows->ncols;
    bool changed = false;
    for (i = 0; i < n; i++) {
        const char *code = by_row ? flows->rows[i].code : flows->cols[i].code;
        size_t fidx = by_row ? stats_at(flows, i, flows->ncols) : stats_at(flows, flows->nrows, i);
        for (j = 0; j < c->nrows; j++) {
            if (strcmp(c->rows[j].code, code) == 0) {
                changed = link(flows, fidx, c, stats_at(c, j, 0)) || changed;
                break;
            }
        }
    }
    return changed;
}

int stats_sdc_apply(struct stats_result *r, unsigned k)
{
    size_t i, w = 0;
    bool changed;

    /* record-level tables are not person-level: not published under disclosure control */
    for (i = 0; i < r->ntables; i++) {
        if (strncmp(r->tables[i].name, "records_", 8) == 0)
            stats__table_release(&r->tables[i]);
        else
            r->tables[w++] = r->tables[i];
    }
    r->ntables = w;
    r->protection = STATS_SDC;
    r->k = k;
    do {
        struct stats_table *flows = stats_find(r, "flows");
        struct stats_table *cit = stats_find(r, "citizenship");
        struct stats_table *det = stats_find(r, "detection");
        struct stats_table *first = NULL;

        for (i = 0; i < r->ntables; i++)
            stats_sdc_table(&r->tables[i], k);
        changed = false;
        if (flows != NULL && cit != NULL)
            changed = link_margins(flows, cit, true) || changed;
        if (flows != NULL && det != NULL)
            changed = link_margins(flows, det, false) || changed;
        /* the grand total of persons */
        for (i = 0; i < r->ntables; i++) {
            struct stats_table *t = &r->tables[i];
            if (strcmp(t->unit, "persons") != 0)
                continue;
            if (first == NULL)
                first = t;
            else
                changed = link(first, grand(first), t, grand(t)) || changed;
        }
        for (i = 0; first != NULL && i < r->ntables; i++) {
            struct stats_table *t = &r->tables[i];
            if (strcmp(t->unit, "persons") == 0)
                changed = link(first, grand(first), t, grand(t)) || changed;
        }
    } while (changed); /* each round only adds suppressions: it ends */
    for (i = 0; i < r->npairs; i++)
        r->pairs[i].status = r->pairs[i].persons < (int64_t)k ? STATS_PRIMARY : STATS_SHOWN;
    return 0;
}
