/*
 * hmap.c: byte-string hash map with an arena for keys (see hmap.h).
 */
#include "hmap.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

void hmap_init(struct hmap *m)
{
    memset(m, 0, sizeof(*m));
}

void hmap_release(struct hmap *m)
{
    free(m->slots);
    free(m->arena);
    hmap_init(m);
}

uint64_t hmap_hash(const void *key, size_t len)
{
    /* FNV-1a over the bytes, then a final avalanche (splitmix64's mixer). */
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325u;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    h ^= h >> 31;
    return h == 0 ? 1 : h;
}

static struct hmap_slot *find_slot(const struct hmap *m, uint64_t h, const void *key, size_t len)
{
    size_t mask = m->nslots - 1;
    size_t i = (size_t)h & mask;

    for (;;) {
        struct hmap_slot *s = &m->slots[i];
        if (s->hash == 0)
            return s;
        if (s->hash == h && s->key_len == len && memcmp(m->arena + s->key_off, key, len) == 0)
            return s;
        i = (i + 1) & mask;
    }
}

static void grow(struct hmap *m)
{
    struct hmap_slot *old = m->slots;
    size_t nold = m->nslots;
    size_t i;

    m->nslots = nold ? st_mult(nold, 2) : 64;
    m->slots = xcalloc(m->nslots, sizeof(*m->slots));
    for (i = 0; i < nold; i++) {
        if (old[i].hash != 0) {
            struct hmap_slot *s =
                find_slot(m, old[i].hash, m->arena + old[i].key_off, old[i].key_len);
            *s = old[i];
        }
    }
    free(old);
}

bool hmap_get(const struct hmap *m, const void *key, size_t len, uint64_t *value)
{
    struct hmap_slot *s;

    if (m->nslots == 0)
        return false;
    s = find_slot(m, hmap_hash(key, len), key, len);
    if (s->hash == 0)
        return false;
    if (value != NULL)
        *value = s->value;
    return true;
}

bool hmap_put(struct hmap *m, const void *key, size_t len, uint64_t value, uint64_t *existing)
{
    uint64_t h = hmap_hash(key, len);
    struct hmap_slot *s;

    /* Keep the load under 1/2 so probes stay short. */
    if (st_mult(m->count + 1, 2) > m->nslots)
        grow(m);
    s = find_slot(m, h, key, len);
    if (s->hash != 0) {
        if (existing != NULL)
            *existing = s->value;
        return false;
    }
    if (st_add(m->arena_len, len) > m->arena_cap) {
        m->arena_cap = st_add(st_mult(m->arena_cap, 2), len + 4096);
        m->arena = xrealloc(m->arena, m->arena_cap);
    }
    if (len > 0)
        memcpy(m->arena + m->arena_len, key, len);
    s->hash = h;
    s->key_off = m->arena_len;
    s->key_len = len;
    s->value = value;
    m->arena_len += len;
    m->count++;
    return true;
}
