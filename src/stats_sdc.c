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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "stats_int.h"
#include "xalloc.h"

#include "banned.h"

static int64_t edge_cost(const struct stats__edge *ed, int64_t big)
{
    if (*ed->status != STATS_SHOWN)
        return 0;
    if (ed->kind == STATS__GRAND)
        return *ed->val + 4 * big;
    if (ed->kind == STATS__MARGIN)
        return *ed->val + 2 * big;
    return *ed->val + 1;
}

/* The largest value of the network, plus 1: margins cost more than any cell. */
static int64_t net_big(const struct stats__net *n)
{
    int64_t big = 0;
    size_t k;
    for (k = 0; k < n->nedges; k++)
        if (*n->edges[k].val > big)
            big = *n->edges[k].val;
    return big + 1;
}

/*
 * The cheapest path from node a to node b over edges other than skip whose value
 * is non-zero (undirected). Puts the published edges of the path in add; returns
 * how many, or -1 when there is no path.
 */
static long cheapest_cycle(const struct stats__net *n, size_t skip, uint32_t a, uint32_t b,
                           size_t *add)
{
    int64_t *dist = xmalloc(n->nnodes * sizeof(int64_t));
    size_t *via = xmalloc(n->nnodes * sizeof(size_t));
    bool *done = xcalloc(n->nnodes, sizeof(bool));
    int64_t big = net_big(n);
    long nadd = -1;
    size_t i, k;
    /* adjacency of the usable (non-zero) edges, both directions, as CSR */
    size_t *first = xcalloc(n->nnodes + 1, sizeof(size_t));
    size_t *adj = xmalloc((2 * n->nedges + 1) * sizeof(size_t));

    for (k = 0; k < n->nedges; k++) {
        if (k == skip || *n->edges[k].val <= 0)
            continue;
        first[n->edges[k].u + 1]++;
        first[n->edges[k].v + 1]++;
    }
    for (i = 0; i < n->nnodes; i++)
        first[i + 1] += first[i];
    for (k = 0; k < n->nedges; k++) {
        if (k == skip || *n->edges[k].val <= 0)
            continue;
        adj[first[n->edges[k].u]++] = k;
        adj[first[n->edges[k].v]++] = k;
    }
    for (i = n->nnodes; i > 0; i--)
        first[i] = first[i - 1];
    first[0] = 0;
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
        for (i = first[u]; i < first[u + 1]; i++) {
            const struct stats__edge *ed;
            uint32_t w;
            int64_t c;
            k = adj[i];
            ed = &n->edges[k];
            w = ed->u == u ? ed->v : ed->u;
            c = dist[u] + edge_cost(ed, big);
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
            if (*ed->status == STATS_SHOWN)
                add[nadd++] = via[x];
            x = ed->u == x ? ed->v : ed->u;
        }
    }
    free(dist);
    free(via);
    free(done);
    free(first);
    free(adj);
    return nadd;
}

/* The cheapest published non-zero edge sharing a node with edge e, else anywhere; or SIZE_MAX. */
static size_t cheapest_neighbour(const struct stats__net *n, size_t e)
{
    const struct stats__edge *x = &n->edges[e];
    int64_t big = net_big(n), best_cost = INT64_MAX;
    size_t best = SIZE_MAX, k;
    int pass;

    for (pass = 0; pass < 2 && best == SIZE_MAX; pass++) {
        for (k = 0; k < n->nedges; k++) {
            const struct stats__edge *ed = &n->edges[k];
            int64_t c;
            if (k == e || *ed->status != STATS_SHOWN || *ed->val <= 0)
                continue;
            if (pass == 0 && ed->u != x->u && ed->u != x->v && ed->v != x->u && ed->v != x->v)
                continue;
            c = edge_cost(ed, big);
            if (c < best_cost) {
                best_cost = c;
                best = k;
            }
        }
    }
    return best;
}

bool stats__sdc_net(struct stats__net *n, unsigned k)
{
    size_t *add = xmalloc((n->nedges + 1) * sizeof(size_t)), e, i, nq = 0;
    size_t *queue = xmalloc((n->nedges + 1) * sizeof(size_t)); /* each edge enters once */
    bool ok = true;

    for (e = 0; e < n->nedges; e++) {
        if (*n->edges[e].status == STATS_WITHHELD)
            ok = false;
    }
    /* primary */
    for (e = 0; ok && e < n->nedges; e++) {
        struct stats__edge *ed = &n->edges[e];
        if (*ed->status == STATS_SHOWN && *ed->val >= 1 && *ed->val < (int64_t)k)
            *ed->status = STATS_PRIMARY;
    }
    /*
     * Secondary, until no suppressed entry is determined. Suppressing more only
     * removes constraints, so an entry found protected stays protected: each entry
     * is audited until it is, once, and entries suppressed on the way join the queue.
     */
    for (e = 0; ok && e < n->nedges; e++) {
        if (*n->edges[e].status != STATS_SHOWN)
            queue[nq++] = e;
    }
    while (ok && nq > 0) {
        size_t x = queue[--nq];
        for (;;) {
            long nadd;
            if (!stats__audit_exposed(n, x, 1))
                break;
            nadd = cheapest_cycle(n, x, n->edges[x].v, n->edges[x].u, add);
            if (nadd <= 0) {
                size_t y = cheapest_neighbour(n, x);
                if (y == SIZE_MAX) {
                    ok = false;
                    break;
                }
                add[0] = y;
                nadd = 1;
            }
            for (i = 0; i < (size_t)nadd; i++) {
                *n->edges[add[i]].status = STATS_SECONDARY;
                queue[nq++] = add[i];
            }
        }
    }
    if (!ok) {
        for (e = 0; e < n->nedges; e++)
            *n->edges[e].status = STATS_WITHHELD;
    }
    free(add);
    free(queue);
    return ok;
}

static void withhold(struct stats_table *t)
{
    memset(t->status, STATS_WITHHELD, (t->nrows + 1) * (t->ncols + 1));
}

size_t stats_sdc_table(struct stats_table *t, unsigned k)
{
    struct stats__net n;
    size_t count = 0, e;

    stats__net_build(t, &n);
    if (!stats__sdc_net(&n, k))
        withhold(t);
    for (e = 0; e < n.nedges; e++)
        count += *n.edges[e].status != STATS_SHOWN;
    stats__net_release(&n);
    return count;
}

/* ---- the whole result ---- */

static size_t grand(const struct stats_table *t)
{
    return stats_at(t, t->nrows, stats_is_1d(t) ? 0 : t->ncols);
}

static size_t row_of(const struct stats_table *t, const char *code)
{
    size_t i;
    for (i = 0; i < t->nrows; i++) {
        if (strcmp(t->rows[i].code, code) == 0)
            return i;
    }
    return t->nrows - 1; /* "unknown", always last */
}

/* The tables of one geography: countries and the four region tables that add them up. */
struct geo {
    struct stats_table *c, *gr, *gs, *mr, *ms;
};

static bool geo_find(struct stats_result *r, const char *base, struct geo *g)
{
    char name[64];
    g->c = stats_find(r, base);
    snprintf(name, sizeof(name), "%s_glotip_region", base);
    g->gr = stats_find(r, name);
    snprintf(name, sizeof(name), "%s_glotip_subregion", base);
    g->gs = stats_find(r, name);
    snprintf(name, sizeof(name), "%s_m49_region", base);
    g->mr = stats_find(r, name);
    snprintf(name, sizeof(name), "%s_m49_subregion", base);
    g->ms = stats_find(r, name);
    return g->c && g->gr && g->gs && g->mr && g->ms;
}

/* The M49 region row (of mr) of M49 subregion code sub ("039"). */
static size_t m49_parent(const struct stats_table *mr, const char *sub)
{
    size_t i, n = codes_country_count();
    char code[16];
    for (i = 0; i < n; i++) {
        const struct codes_country *c = codes_country_at(i);
        snprintf(code, sizeof(code), "%03d", c->subregion_code);
        if (c->subregion_code != 0 && strcmp(code, sub) == 0) {
            snprintf(code, sizeof(code), "%03d", c->region_code);
            return row_of(mr, code);
        }
    }
    return mr->nrows - 1;
}

/*
 * The network of a geography: the Global Report hierarchy (region, subregion) on
 * one side of the countries and the M49 one (subregion, region) on the other.
 * Every person flows S -> GR region -> GR subregion -> country -> M49 subregion ->
 * M49 region -> T, and back T -> S as the total; conservation at every node is
 * exactly "each region adds up its subregions, each subregion its countries". The
 * two hierarchies are trees over the same countries, so this is still a network:
 * the audit stays exact over all five tables together.
 */
static void geo_net(const struct geo *g, struct stats__net *n)
{
    uint32_t S = 0, T = 1, R0 = 2, G0 = (uint32_t)(R0 + g->gr->nrows),
             M0 = (uint32_t)(G0 + g->gs->nrows), Q0 = (uint32_t)(M0 + g->ms->nrows);
    size_t i;

    memset(n, 0, sizeof(*n));
    stats__net_add(n, T, S, &g->c->v[grand(g->c)], &g->c->status[grand(g->c)], STATS__GRAND);
    for (i = 0; i < g->gr->nrows; i++)
        stats__net_add(n, S, R0 + (uint32_t)i, &g->gr->v[stats_at(g->gr, i, 0)],
                       &g->gr->status[stats_at(g->gr, i, 0)], STATS__MARGIN);
    for (i = 0; i < g->gs->nrows; i++) {
        const char *parent = codes_glotip_parent(g->gs->rows[i].code);
        size_t pr = parent != NULL ? row_of(g->gr, parent) : g->gr->nrows - 1;
        stats__net_add(n, R0 + (uint32_t)pr, G0 + (uint32_t)i, &g->gs->v[stats_at(g->gs, i, 0)],
                       &g->gs->status[stats_at(g->gs, i, 0)], STATS__MARGIN);
    }
    for (i = 0; i < g->c->nrows; i++) {
        const struct codes_country *c = codes_country_by_alpha3(g->c->rows[i].code);
        size_t gi = g->gs->nrows - 1, mi = g->ms->nrows - 1;
        if (c != NULL && c->glotip_subregion[0] != '\0')
            gi = row_of(g->gs, c->glotip_subregion);
        if (c != NULL && c->subregion_code != 0) {
            char code[16];
            snprintf(code, sizeof(code), "%03d", c->subregion_code);
            mi = row_of(g->ms, code);
        }
        stats__net_add(n, G0 + (uint32_t)gi, M0 + (uint32_t)mi, &g->c->v[stats_at(g->c, i, 0)],
                       &g->c->status[stats_at(g->c, i, 0)], STATS__CELL);
    }
    for (i = 0; i < g->ms->nrows; i++) {
        size_t q = i + 1 < g->ms->nrows ? m49_parent(g->mr, g->ms->rows[i].code) : g->mr->nrows - 1;
        stats__net_add(n, M0 + (uint32_t)i, Q0 + (uint32_t)q, &g->ms->v[stats_at(g->ms, i, 0)],
                       &g->ms->status[stats_at(g->ms, i, 0)], STATS__MARGIN);
    }
    for (i = 0; i < g->mr->nrows; i++)
        stats__net_add(n, Q0 + (uint32_t)i, T, &g->mr->v[stats_at(g->mr, i, 0)],
                       &g->mr->status[stats_at(g->mr, i, 0)], STATS__MARGIN);
}

/* The region tables' totals are the country table's total: one status. */
static void geo_totals(const struct geo *g)
{
    unsigned char st = g->c->status[grand(g->c)];
    g->gr->status[grand(g->gr)] = st;
    g->gs->status[grand(g->gs)] = st;
    g->mr->status[grand(g->mr)] = st;
    g->ms->status[grand(g->ms)] = st;
}

static bool in_geo(const struct stats_table *t, const struct geo *g, size_t ng)
{
    size_t i;
    for (i = 0; i < ng; i++) {
        if (t == g[i].c || t == g[i].gr || t == g[i].gs || t == g[i].mr || t == g[i].ms)
            return true;
    }
    return false;
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

/* The networks a protected result is made of: every table alone, or a geography. */
static size_t result_nets(struct stats_result *r, struct stats__net **nets)
{
    struct geo g[2];
    size_t ng = 0, n = 0, i;

    if (geo_find(r, "citizenship", &g[ng]))
        ng++;
    if (geo_find(r, "detection", &g[ng]))
        ng++;
    *nets = xcalloc(r->ntables + ng, sizeof(struct stats__net));
    for (i = 0; i < ng; i++)
        geo_net(&g[i], &(*nets)[n++]);
    for (i = 0; i < r->ntables; i++) {
        if (!in_geo(&r->tables[i], g, ng))
            stats__net_build(&r->tables[i], &(*nets)[n++]);
    }
    return n;
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
        struct stats__net *nets = NULL;
        struct geo g;
        size_t nn = result_nets(r, &nets);

        for (i = 0; i < nn; i++) {
            stats__sdc_net(&nets[i], k);
            stats__net_release(&nets[i]);
        }
        free(nets);
        if (geo_find(r, "citizenship", &g))
            geo_totals(&g);
        if (geo_find(r, "detection", &g))
            geo_totals(&g);
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

size_t stats_sdc_audit(struct stats_result *r)
{
    struct stats__net *nets = NULL;
    size_t nn = result_nets(r, &nets), i, e, exposed = 0;

    for (i = 0; i < nn; i++) {
        for (e = 0; e < nets[i].nedges; e++) {
            unsigned char st = *nets[i].edges[e].status;
            if (st == STATS_SHOWN || st == STATS_WITHHELD)
                continue;
            exposed += stats__audit_exposed(&nets[i], e, 1);
        }
        stats__net_release(&nets[i]);
    }
    free(nets);
    return exposed;
}
