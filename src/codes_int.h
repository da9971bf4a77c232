/*
 * codes_int.h: private to the codes module (src/codes*.c): the tables that
 * codes_load.c fills once from the embedded CSV files and that the lookup files
 * (codes_country.c, codes_list.c, codes_forms.c) read.
 *
 * Invariants after codes__load():
 * - every table below is filled and never changes again, so readers need no lock;
 * - every key in a codes__map is a codes_key() of some text and maps to one index;
 *   a key that would map to two different indices is a data error that stops the
 *   program at load (the embedded files are part of the build, a unit test runs it).
 */
#ifndef TIPHUB_CODES_INT_H
#define TIPHUB_CODES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codes.h"

/* ---- a small open-addressing hash map from key text to an int ---- */

struct codes__slot {
    const char *key; /* NULL when the slot is empty; owned by the map */
    size_t key_len;
    int value;
};

struct codes__map {
    struct codes__slot *slots;
    size_t mask; /* number of slots - 1 (a power of two) */
    size_t n;    /* keys stored */
};

void codes__map_init(struct codes__map *m, size_t expected);
/*
 * Store key -> value. Returns 0, 1 when the key was there already with the same
 * value, or -1 when it was there with another value (which is kept).
 */
int codes__map_put(struct codes__map *m, const char *key, size_t key_len, int value);
/* The value of key, or -1. */
int codes__map_get(const struct codes__map *m, const char *key, size_t key_len);

/* FNV-1a of key[0..len). */
uint64_t codes__hash(const char *key, size_t len);

/*
 * "Did you mean" (codes_country_suggest, codes_list_suggest): the value whose key in m
 * is nearest to the key of s[0..len) in optimal string alignment distance (Levenshtein
 * plus adjacent transpositions), within a limit that grows with the key's length (0 up
 * to 3 characters, 1 up to 5, 2 up to 12, else 3); on a tie the lowest value, so the
 * answer does not depend on the order of the slots. Returns that value, or -1 when no
 * key is near enough. If prefix_of is not NULL, it gets the value of the keys that the
 * key of s is a proper prefix of, when that key has four or more characters and all
 * those keys belong to one value; else -1.
 */
int codes__map_suggest(const struct codes__map *m, const char *s, size_t len, int *prefix_of);

/* ---- the loaded tables ---- */

#define CODES__MAX_LISTS  32
#define CODES__MAX_VALUES 64 /* per list; rec.c keeps a 64-bit set of values */

struct codes_list {
    const char *field;
    size_t n;
    const char *names[CODES__MAX_VALUES];
    const char *labels[CODES__MAX_VALUES];
    bool ext[CODES__MAX_VALUES];
    struct codes__map map;   /* keys of names, labels and aliases -> value index */
    struct codes__map exact; /* value names exactly as written -> index (the fast path) */
};

struct codes__glotip {
    const char *code;   /* "EECA" */
    const char *parent; /* "EUR_CA" for a subregion, "" for a region */
    const char *label;
};

struct codes__tables {
    struct codes_country *countries;
    size_t ncountries;
    int16_t by_alpha2[26 * 26];      /* index + 1, 0 when none */
    int16_t by_alpha3[26 * 26 * 26]; /* index + 1, 0 when none */
    int16_t by_numeric[1000];        /* index + 1, 0 when none */
    struct codes__map country_names; /* keys of names and aliases -> country index */

    struct codes_list lists[CODES__MAX_LISTS];
    size_t nlists;

    struct codes__glotip glotip[16];
    size_t nglotip;

    const char *iccs_label[CODES_NICCS];
    const char *form_label[CODES_NFORMS];
    /* per value of the vic_TypeOfExploitation list: */
    const struct codes_list *exploitation;
    int8_t expl_iccs[CODES__MAX_VALUES];
    int8_t expl_form[CODES__MAX_VALUES];
};

/* The tables, loaded at the first call (thread-safe). Never NULL. */
const struct codes__tables *codes__get(void);

/* The index of alpha3 (three upper-case ASCII letters) in by_alpha3. */
int codes__alpha3_slot(const char *a3);

#endif
