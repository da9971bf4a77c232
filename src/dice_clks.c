/*
 * dice_clks.c: sets of CLKs with their popcounts (struct dice_clks in dice.h).
 *
 * A set is the caller's: row-major, in the caller's order. The search never writes
 * to it; it makes a sorted, interleaved copy (dice_search.c).
 */
#include "dice.h"

#include <stdlib.h>
#include <string.h>

#include "dice_int.h"
#include "err.h"
#include "xalloc.h"

#include "banned.h"

/*
 * Popcount of a AND b (b NULL: of a alone). One inline body compiled twice, with
 * POPCNT and portable, as in dice_kernel_scalar.c.
 */
static inline __attribute__((always_inline)) uint32_t count_body(const uint64_t *a,
                                                                 const uint64_t *b, size_t words)
{
    uint64_t c = 0;
    size_t i;

    for (i = 0; i < words; i++)
        c += (uint64_t)__builtin_popcountll(b != NULL ? a[i] & b[i] : a[i]);
    return (uint32_t)c;
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("popcnt"))) static uint32_t count_popcnt(const uint64_t *a, const uint64_t *b,
                                                               size_t words)
{
    return count_body(a, b, words);
}
#endif

static uint32_t count_portable(const uint64_t *a, const uint64_t *b, size_t words)
{
    return count_body(a, b, words);
}

static uint32_t count(const uint64_t *a, const uint64_t *b, size_t words)
{
#if defined(__x86_64__) || defined(__i386__)
    if (dice__cpu_popcnt())
        return count_popcnt(a, b, words);
#endif
    return count_portable(a, b, words);
}

uint32_t dice__popcount(const uint64_t *w, size_t words)
{
    return count(w, NULL, words);
}

uint32_t dice_common(const uint64_t *a, const uint64_t *b, size_t words)
{
    return count(a, b, words);
}

int dice_clks_init(struct dice_clks *s, size_t nbits, size_t n)
{
    memset(s, 0, sizeof(*s));
    if (nbits == 0 || nbits % 64 != 0 || nbits > DICE_MAX_BITS)
        return ERR_INVALID;
    if (n > DICE_MAX_RECORDS)
        return ERR_TOOBIG;
    s->nbits = nbits;
    s->words = nbits / 64;
    if (n == 0)
        return 0;
    s->n = n;
    s->bits = xcalloc(st_mult(n, s->words), sizeof(uint64_t));
    s->pop = xcalloc(n, sizeof(uint32_t));
    return 0;
}

void dice_clks_release(struct dice_clks *s)
{
    if (s == NULL)
        return;
    free(s->bits);
    free(s->pop);
    s->bits = NULL;
    s->pop = NULL;
    s->n = 0;
}

void dice_clks_set_words(struct dice_clks *s, size_t i, const uint64_t *words)
{
    uint64_t *row = s->bits + i * s->words;

    memcpy(row, words, s->words * sizeof(uint64_t));
    s->pop[i] = dice__popcount(row, s->words);
}

void dice_clks_set_bytes(struct dice_clks *s, size_t i, const uint8_t *bytes)
{
    uint64_t *row = s->bits + i * s->words;
    size_t w, k;

    for (w = 0; w < s->words; w++) {
        uint64_t v = 0;
        for (k = 0; k < 8; k++)
            v |= (uint64_t)bytes[w * 8 + k] << (8 * k);
        row[w] = v;
    }
    s->pop[i] = dice__popcount(row, s->words);
}

void dice_clks_recount(struct dice_clks *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        s->pop[i] = dice__popcount(s->bits + i * s->words, s->words);
}
