/*
 * codes_list.c: HTCDS picklist lookups (codes.h): the list of a field, values by
 * index, matching input text to a value through the hash map of matching keys, and
 * "did you mean" suggestions. The list functions work on a list pointer, which only
 * codes_list_for() and codes_list_at() hand out, after the tables are loaded.
 */
#include "codes.h"

#include <string.h>

#include "codes_int.h"

#include "banned.h"

const struct codes_list *codes_list_for(const char *field)
{
    const struct codes__tables *t = codes__get();
    size_t i;
    for (i = 0; i < t->nlists; i++) {
        if (strcmp(t->lists[i].field, field) == 0)
            return &t->lists[i];
    }
    return NULL;
}

size_t codes_list_nlists(void)
{
    return codes__get()->nlists;
}

const struct codes_list *codes_list_at(size_t i)
{
    const struct codes__tables *t = codes__get();
    return i < t->nlists ? &t->lists[i] : NULL;
}

const char *codes_list_field(const struct codes_list *l)
{
    return l->field;
}

size_t codes_list_count(const struct codes_list *l)
{
    return l->n;
}

const char *codes_list_name(const struct codes_list *l, size_t i)
{
    return i < l->n ? l->names[i] : NULL;
}

const char *codes_list_label(const struct codes_list *l, size_t i)
{
    return i < l->n ? l->labels[i] : NULL;
}

bool codes_list_is_ext(const struct codes_list *l, size_t i)
{
    return i < l->n && l->ext[i];
}

int codes_list_match(const struct codes_list *l, const char *s, size_t len)
{
    char key[CODES_KEY_MAX];
    int klen;
    /* Most input is already canonical: try the value names as written first. */
    int exact = codes__map_get(&l->exact, s, len);

    if (exact >= 0)
        return exact;
    klen = codes_key(s, len, key);
    if (klen <= 0)
        return -1;
    return codes__map_get(&l->map, key, (size_t)klen);
}

int codes_list_index(const struct codes_list *l, const char *name)
{
    int i = codes_list_match(l, name, strlen(name));
    if (i < 0 || strcmp(l->names[i], name) != 0)
        return -1;
    return i;
}

const char *codes_list_suggest(const struct codes_list *l, const char *s, size_t len)
{
    int prefix_of = -1;
    int best = codes__map_suggest(&l->map, s, len, &prefix_of);

    if (best >= 0)
        return l->names[best];
    if (prefix_of >= 0)
        return l->names[prefix_of];
    return NULL;
}
