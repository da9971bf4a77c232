/*
 * codes_country.c: country lookups (codes.h): by alpha-2, alpha-3 or numeric code
 * through direct tables, by name or alias through the hash map of matching keys,
 * suggestions by edit distance, and the Global Report region labels.
 */
#include "codes.h"

#include <string.h>

#include "codes_int.h"
#include "strutil.h"

#include "banned.h"

size_t codes_country_count(void)
{
    return codes__get()->ncountries;
}

const struct codes_country *codes_country_at(size_t i)
{
    const struct codes__tables *t = codes__get();
    return i < t->ncountries ? &t->countries[i] : NULL;
}

size_t codes_country_index(const struct codes_country *c)
{
    return (size_t)(c - codes__get()->countries);
}

static int upper_letter(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    return -1;
}

const struct codes_country *codes_country_find(const char *s, size_t len)
{
    const struct codes__tables *t = codes__get();
    char key[CODES_KEY_MAX];
    int klen, i;

    s = str_trim(s, &len);
    if (len == 2) {
        int a = upper_letter(s[0]), b = upper_letter(s[1]);
        if (a >= 0 && b >= 0 && t->by_alpha2[a * 26 + b] != 0)
            return &t->countries[t->by_alpha2[a * 26 + b] - 1];
    } else if (len == 3) {
        int a = upper_letter(s[0]), b = upper_letter(s[1]), c = upper_letter(s[2]);
        if (a >= 0 && b >= 0 && c >= 0 && t->by_alpha3[(a * 26 + b) * 26 + c] != 0)
            return &t->countries[t->by_alpha3[(a * 26 + b) * 26 + c] - 1];
    }
    if (len >= 1 && len <= 3 && s[0] >= '0' && s[0] <= '9') {
        uint64_t v = 0;
        if (str_to_u64(s, len, 999, &v) == 0 && t->by_numeric[v] != 0)
            return &t->countries[t->by_numeric[v] - 1];
        return NULL;
    }
    klen = codes_key(s, len, key);
    if (klen <= 0)
        return NULL;
    i = codes__map_get(&t->country_names, key, (size_t)klen);
    return i >= 0 ? &t->countries[i] : NULL;
}

const struct codes_country *codes_country_by_alpha3(const char *alpha3)
{
    const struct codes__tables *t = codes__get();
    int slot;
    if (alpha3 == NULL || strlen(alpha3) != 3)
        return NULL;
    slot = codes__alpha3_slot(alpha3);
    if (slot < 0 || t->by_alpha3[slot] == 0)
        return NULL;
    return &t->countries[t->by_alpha3[slot] - 1];
}

const struct codes_country *codes_country_suggest(const char *s, size_t len)
{
    const struct codes__tables *t = codes__get();
    int best = codes__map_suggest(&t->country_names, s, len, NULL);

    return best >= 0 ? &t->countries[best] : NULL;
}

const char *codes_glotip_label(const char *code)
{
    const struct codes__tables *t = codes__get();
    size_t i;
    for (i = 0; i < t->nglotip; i++) {
        if (strcmp(t->glotip[i].code, code) == 0)
            return t->glotip[i].label;
    }
    return NULL;
}

const char *codes_glotip_parent(const char *subregion)
{
    const struct codes__tables *t = codes__get();
    size_t i;
    for (i = 0; i < t->nglotip; i++) {
        if (strcmp(t->glotip[i].code, subregion) == 0 && t->glotip[i].parent[0] != '\0')
            return t->glotip[i].parent;
    }
    return NULL;
}
