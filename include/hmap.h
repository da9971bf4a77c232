/*
 * hmap.h: a hash map from byte-string keys to 64-bit values.
 *
 * Open addressing with linear probing; keys are copied into an arena owned by the
 * map, so inserting a million short keys costs a handful of large allocations.
 * Used where a module must remember what it has seen: the case references of a
 * file being imported, the records of a submission, the persons of a table.
 */
#ifndef TIPHUB_HMAP_H
#define TIPHUB_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
    uint64_t hash;  /* 0 marks an empty slot (real hashes are never 0) */
    size_t key_off; /* offset of the key in the arena */
    size_t key_len;
    uint64_t value;
};

struct hmap {
    struct hmap_slot *slots;
    size_t nslots; /* a power of two */
    size_t count;  /* keys stored */
    char *arena;   /* keys, back to back */
    size_t arena_len;
    size_t arena_cap;
};

void hmap_init(struct hmap *m);
void hmap_release(struct hmap *m);

/* 64-bit hash of a byte string (never 0). */
uint64_t hmap_hash(const void *key, size_t len);

/* Find key; true and *value set if present. value may be NULL. */
bool hmap_get(const struct hmap *m, const void *key, size_t len, uint64_t *value);

/*
 * Insert key with value if absent and return true; if present, leave it, set
 * *existing (may be NULL) to its value and return false.
 */
bool hmap_put(struct hmap *m, const void *key, size_t len, uint64_t value, uint64_t *existing);

#endif
