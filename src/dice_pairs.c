/*
 * dice_pairs.c: the growable array of pairs a search returns (struct dice_pairs).
 */
#include "dice.h"

#include <stdlib.h>

#include "xalloc.h"

#include "banned.h"

void dice_pairs_init(struct dice_pairs *ps)
{
    ps->v = NULL;
    ps->n = 0;
    ps->alloc = 0;
}

void dice_pairs_release(struct dice_pairs *ps)
{
    if (ps == NULL)
        return;
    free(ps->v);
    dice_pairs_init(ps);
}

void dice_pairs_push(struct dice_pairs *ps, const struct dice_pair *p)
{
    ALLOC_GROW(ps->v, ps->n + 1, ps->alloc);
    ps->v[ps->n++] = *p;
}

static int pair_cmp(const void *x, const void *y)
{
    const struct dice_pair *a = x, *b = y;

    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    return 0;
}

void dice_pairs_sort(struct dice_pairs *ps)
{
    if (ps->n > 1)
        qsort(ps->v, ps->n, sizeof(ps->v[0]), pair_cmp);
}
