/*
 * stats_audit.c: what an attacker can learn about a suppressed entry of a table
 * from everything published beside it: the exact interval [lo, hi] of values the
 * entry can take in any table of non-negative integers that agrees with every
 * published cell and margin.
 *
 * A table with its margins is a circulation on a small network (stats_int.h):
 * every entry is an edge, every row, column and total a node where flow is
 * conserved. Published entries are fixed; a suppressed entry can carry any flow of
 * at least lb (1 here: zeros are always published, so a suppressed entry is known
 * to be at least 1). Starting from the true table f, every other table the attacker
 * must consider is f plus a circulation in the residual network (forward arcs of
 * unbounded capacity, backward arcs of capacity f - lb on suppressed edges). So
 *
 *     hi = f_e + maxflow(v_e -> u_e)   (without e's own arcs; unbounded if infinite)
 *     lo = f_e - min(f_e - lb, maxflow(u_e -> v_e))
 *
 * The constraint matrix of a network is totally unimodular, so these bounds are
 * attained by integer tables: the integer and the real intervals are the same.
 * tests/unit/test_stats_sdc.c checks the method against brute-force enumeration.
 */
#include <stdlib.h>
#include <string.h>

#include "stats_int.h"
#include "xalloc.h"

#include "banned.h"

#define INF ((int64_t)1 << 60)

void stats__net_add(struct stats__net *n, uint32_t u, uint32_t v, int64_t *val,
                    unsigned char *status, unsigned char kind)
{
    if (n->nedges == n->alloc) {
        n->alloc = n->alloc ? n->alloc * 2 : 64;
        n->edges = xrealloc(n->edges, n->alloc * sizeof(*n->edges));
    }
    n->edges[n->nedges++] = (struct stats__edge){u, v, val, status, kind};
    if (u >= n->nnodes)
        n->nnodes = u + 1;
    if (v >= n->nnodes)
        n->nnodes = v + 1;
}

void stats__net_build(struct stats_table *t, struct stats__net *n)
{
    size_t R = t->nrows, C = t->ncols, i, j;
    uint32_t tr = (uint32_t)R, tc = (uint32_t)(R + C + 1);

    memset(n, 0, sizeof(*n));
    if (stats_is_1d(t)) {
        for (i = 0; i < R; i++)
            stats__net_add(n, 0, 1, &t->v[stats_at(t, i, 0)], &t->status[stats_at(t, i, 0)],
                           STATS__CELL);
        stats__net_add(n, 1, 0, &t->v[stats_at(t, R, 0)], &t->status[stats_at(t, R, 0)],
                       STATS__GRAND);
        return;
    }
    for (i = 0; i < R; i++) {
        for (j = 0; j < C; j++)
            stats__net_add(n, (uint32_t)i, (uint32_t)(R + 1 + j), &t->v[stats_at(t, i, j)],
                           &t->status[stats_at(t, i, j)], STATS__CELL);
        stats__net_add(n, tc, (uint32_t)i, &t->v[stats_at(t, i, C)], &t->status[stats_at(t, i, C)],
                       STATS__MARGIN);
    }
    for (j = 0; j < C; j++)
        stats__net_add(n, (uint32_t)(R + 1 + j), tr, &t->v[stats_at(t, R, j)],
                       &t->status[stats_at(t, R, j)], STATS__MARGIN);
    stats__net_add(n, tr, tc, &t->v[stats_at(t, R, C)], &t->status[stats_at(t, R, C)],
                   STATS__GRAND);
}

void stats__net_release(struct stats__net *n)
{
    free(n->edges);
    memset(n, 0, sizeof(*n));
}

/* ---- max-flow (Edmonds-Karp) on a residual graph of arc pairs ---- */

struct flowgraph {
    size_t nnodes, narcs;
    int *head; /* first arc of a node, -1 none */
    int *next; /* next arc of the same tail */
    uint32_t *to;
    int64_t *cap;
    int *prev_arc; /* BFS */
    uint32_t *queue;
};

static void fg_init(struct flowgraph *g, size_t nnodes, size_t max_arcs)
{
    g->nnodes = nnodes;
    g->narcs = 0;
    g->head = xmalloc(nnodes * sizeof(int));
    g->next = xmalloc(max_arcs * sizeof(int));
    g->to = xmalloc(max_arcs * sizeof(uint32_t));
    g->cap = xmalloc(max_arcs * sizeof(int64_t));
    g->prev_arc = xmalloc(nnodes * sizeof(int));
    g->queue = xmalloc(nnodes * sizeof(uint32_t));
    memset(g->head, -1, nnodes * sizeof(int));
}

static void fg_release(struct flowgraph *g)
{
    free(g->head);
    free(g->next);
    free(g->to);
    free(g->cap);
    free(g->prev_arc);
    free(g->queue);
}

/* An arc u -> v of capacity c and its reverse v -> u of capacity rc. */
static void fg_pair(struct flowgraph *g, uint32_t u, uint32_t v, int64_t c, int64_t rc)
{
    size_t a = g->narcs;
    g->to[a] = v;
    g->cap[a] = c;
    g->next[a] = g->head[u];
    g->head[u] = (int)a;
    g->to[a + 1] = u;
    g->cap[a + 1] = rc;
    g->next[a + 1] = g->head[v];
    g->head[v] = (int)(a + 1);
    g->narcs += 2;
}

/*
 * Max flow from s to t, or any value of at least limit once it gets there (INF:
 * unbounded). Capacities change.
 */
static int64_t fg_maxflow(struct flowgraph *g, uint32_t s, uint32_t t, int64_t limit)
{
    int64_t total = 0;

    if (s == t)
        return INF;
    for (;;) {
        size_t qh = 0, qt = 0, i;
        int64_t push = INF;
        uint32_t x;
        for (i = 0; i < g->nnodes; i++)
            g->prev_arc[i] = -2;
        g->prev_arc[s] = -1;
        g->queue[qt++] = s;
        while (qh < qt && g->prev_arc[t] == -2) {
            uint32_t u = g->queue[qh++];
            int a;
            for (a = g->head[u]; a >= 0; a = g->next[a]) {
                if (g->cap[a] > 0 && g->prev_arc[g->to[a]] == -2) {
                    g->prev_arc[g->to[a]] = a;
                    g->queue[qt++] = g->to[a];
                }
            }
        }
        if (g->prev_arc[t] == -2)
            break;
        for (x = t; x != s; x = g->to[g->prev_arc[x] ^ 1]) {
            int64_t c = g->cap[g->prev_arc[x]];
            if (c < push)
                push = c;
        }
        for (x = t; x != s; x = g->to[g->prev_arc[x] ^ 1]) {
            g->cap[g->prev_arc[x]] -= push;
            g->cap[g->prev_arc[x] ^ 1] += push;
        }
        total += push;
        if (total >= INF)
            return INF;
        if (total >= limit)
            return total;
    }
    return total;
}

/* Build the residual graph of the suppressed edges of n other than skip. */
static void residual(const struct stats__net *n, size_t skip, int64_t lb, struct flowgraph *g)
{
    size_t k;
    fg_init(g, n->nnodes, 2 * n->nedges + 2);
    for (k = 0; k < n->nedges; k++) {
        const struct stats__edge *ed = &n->edges[k];
        int64_t back;
        if (k == skip || *ed->status == STATS_SHOWN)
            continue;
        back = *ed->val - lb;
        fg_pair(g, ed->u, ed->v, INF, back > 0 ? back : 0);
    }
}

void stats__audit_edge(const struct stats__net *n, size_t k, int64_t lb, int64_t *lo, int64_t *hi)
{
    const struct stats__edge *ed = &n->edges[k];
    int64_t f = *ed->val, up, down;
    struct flowgraph g;

    residual(n, k, lb, &g);
    up = fg_maxflow(&g, ed->v, ed->u, INF);
    fg_release(&g);
    residual(n, k, lb, &g);
    down = f - lb > 0 ? fg_maxflow(&g, ed->u, ed->v, f - lb) : 0;
    fg_release(&g);
    *hi = up >= INF ? INT64_MAX : f + up;
    if (down > f - lb)
        down = f - lb;
    *lo = f - (down > 0 ? down : 0);
}

void stats_audit_entry(const struct stats_table *t, size_t idx, int64_t lb, int64_t *lo,
                       int64_t *hi)
{
    struct stats__net n;
    size_t k;

    *lo = *hi = t->v[idx];
    /* the network only reads the table */
    stats__net_build((struct stats_table *)t, &n);
    for (k = 0; k < n.nedges; k++) {
        if (n.edges[k].val == &t->v[idx]) {
            stats__audit_edge(&n, k, lb, lo, hi);
            break;
        }
    }
    stats__net_release(&n);
}

size_t stats_audit_table(const struct stats_table *t, int64_t lb)
{
    struct stats__net n;
    size_t k, exposed = 0;

    stats__net_build((struct stats_table *)t, &n);
    for (k = 0; k < n.nedges; k++) {
        int64_t lo, hi;
        if (*n.edges[k].status == STATS_SHOWN)
            continue;
        stats__audit_edge(&n, k, lb, &lo, &hi);
        if (lo == hi)
            exposed++;
    }
    stats__net_release(&n);
    return exposed;
}

bool stats__audit_exposed(const struct stats__net *n, size_t k, int64_t lb)
{
    const struct stats__edge *ed = &n->edges[k];
    struct flowgraph g;
    int64_t up, down = 0;

    /* determined iff it can move neither up nor down by one: two path searches */
    residual(n, k, lb, &g);
    up = fg_maxflow(&g, ed->v, ed->u, 1);
    fg_release(&g);
    if (up > 0)
        return false;
    if (*ed->val - lb > 0) {
        residual(n, k, lb, &g);
        down = fg_maxflow(&g, ed->u, ed->v, 1);
        fg_release(&g);
    }
    return down == 0;
}
