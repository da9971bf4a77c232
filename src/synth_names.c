/*
 * synth_names.c: a person's names as one agency writes them.
 *
 * The agency chooses the form: the original script (an agency in the person's own
 * country, or a caseworker who reads and writes that script) or one romanisation
 * (police and immigration copy the passport form, others write the name as they hear
 * it). Then come the slips of real files, each with a probability set by --noise:
 * a typo (substitution, deletion, transposition, insertion), first and second name
 * swapped, the middle or second name left out, the surname in capitals as printed in
 * a passport. Typos work on whole UTF-8 characters so every name stays valid UTF-8.
 */
#include <string.h>

#include "strutil.h"
#include "synth_int.h"

#include "banned.h"

/* ==== noise levels (docs/SYNTH.md, "Noise") ==== */

static const struct synth_noise_rates rates[3] = {
    /* typo  swap   mid   second s2    birth  style  shift  dmswap field  upper */
    {0.01, 0.005, 0.20, 0.005, 0.10, 0.05, 0.50, 0.005, 0.002, 0.05, 0.10}, /* LOW */
    {0.04, 0.02, 0.40, 0.02, 0.25, 0.12, 0.80, 0.02, 0.01, 0.10, 0.20},     /* MEDIUM */
    {0.10, 0.05, 0.60, 0.05, 0.40, 0.25, 0.95, 0.05, 0.02, 0.20, 0.30},     /* HIGH */
};

const struct synth_noise_rates *synth__noise_rates(enum synth_noise n)
{
    return &rates[(unsigned)n <= SYNTH_NOISE_HIGH ? (unsigned)n : SYNTH_NOISE_MEDIUM];
}

/* ==== typos on UTF-8 text ==== */

static size_t utf8_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    if (c >= 0xC0)
        return 2;
    return 1;
}

static bool is_letter(const char *s, size_t len)
{
    unsigned char c = (unsigned char)s[0];

    if (len > 1)
        return true;
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Letters next to each letter on a QWERTY keyboard. */
static const char *const qwerty[26] = {
    "qwsz",   "vghn",  "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko",
    "huikmn", "jiolm", "kop",  "njk",    "bhjm", "iklp",   "ol",     "wa",     "edft",
    "awedxz", "rfgy",  "yhji", "cfgb",   "qase", "zsdc",   "tghu",   "asx"};

static char neighbour(char c, struct synth_rng *r)
{
    bool upper = c >= 'A' && c <= 'Z';
    const char *n = qwerty[(upper ? c - 'A' : c - 'a')];
    char x = n[synth__rng_below(r, (uint32_t)strlen(n))];

    return upper ? (char)(x - 'a' + 'A') : x;
}

void synth__typo(char *buf, struct synth_rng *r)
{
    size_t start[SYNTH_NAME_MAX], slen[SYNTH_NAME_MAX], letters[SYNTH_NAME_MAX];
    char out[SYNTH_NAME_MAX];
    size_t len = strlen(buf), n = 0, nl = 0, i, k, o = 0, pick;
    int op = (int)synth__rng_below(r, 4);

    for (i = 0; i < len && n < SYNTH_NAME_MAX; n++) {
        size_t l = utf8_len((unsigned char)buf[i]);
        if (i + l > len)
            l = len - i;
        start[n] = i;
        slen[n] = l;
        if (is_letter(buf + i, l))
            letters[nl++] = n;
        i += l;
    }
    if (nl < 3 || len + 5 >= SYNTH_NAME_MAX)
        return;
    k = letters[synth__rng_below(r, (uint32_t)nl)];
    if (op == 2 && (k + 1 >= n || !is_letter(buf + start[k + 1], slen[k + 1])))
        op = 0; /* no letter to swap with: substitute instead */
    if (op == 1 && (k == 0 || !is_letter(buf + start[k - 1], slen[k - 1])) &&
        (k + 1 >= n || !is_letter(buf + start[k + 1], slen[k + 1])))
        op = 3; /* a one-letter word: deleting it would leave two spaces */
    for (i = 0; i < n; i++) {
        const char *src = buf + start[i];
        size_t l = slen[i];

        if (i != k) {
            memcpy(out + o, src, l);
            o += l;
            continue;
        }
        switch (op) {
        case 0: /* substitution */
            if (l == 1) {
                out[o++] = neighbour(src[0], r);
            } else {
                pick = letters[synth__rng_below(r, (uint32_t)nl)];
                memcpy(out + o, buf + start[pick], slen[pick]);
                o += slen[pick];
            }
            break;
        case 1: /* deletion */
            break;
        case 2: /* transposition with the next character */
            memcpy(out + o, buf + start[i + 1], slen[i + 1]);
            o += slen[i + 1];
            memcpy(out + o, src, l);
            o += l;
            i++;
            break;
        default: /* insertion: a doubled letter or a neighbouring key */
            memcpy(out + o, src, l);
            o += l;
            if (l == 1 && synth__rng_chance(r, 0.5)) {
                out[o++] = neighbour(src[0], r);
            } else {
                memcpy(out + o, src, l);
                o += l;
            }
            break;
        }
    }
    out[o] = '\0';
    if (o > 0)
        memcpy(buf, out, o + 1);
}

/* ==== names ==== */

static const struct synth_name *pick(const struct synth_name_list *l, unsigned idx)
{
    return idx < l->n ? &l->items[idx] : NULL;
}

static const struct synth_name *middle_name(const struct synth_table *t,
                                            const struct synth_person *p)
{
    if (p->middle == SYNTH_NONE)
        return NULL;
    switch (t->middle_src) {
    case SYNTH_SRC_OWN:
        return pick(&t->middle[p->sex], p->middle);
    case SYNTH_SRC_GIVEN:
        return pick(&t->given[p->sex], p->middle);
    case SYNTH_SRC_MALE:
        return pick(&t->given[SYNTH_M], p->middle);
    case SYNTH_SRC_SURNAME:
        return pick(&t->surname[p->sex], p->middle);
    case SYNTH_SRC_NONE:
        break;
    }
    return NULL;
}

struct writing {
    bool native; /* original script (or original spelling) */
    unsigned variant;
};

static const char *form_of(const struct synth_name *nm, int form, const struct writing *w)
{
    if (nm == NULL)
        return "";
    if (w->native || nm->nlatin == 0)
        return nm->native[form];
    return nm->latin[form][w->variant < nm->nlatin ? w->variant : 0];
}

static void put(char *dst, const char *a, const char *b)
{
    long n = str_copy(dst, a, SYNTH_NAME_MAX);

    if (b != NULL && b[0] != '\0' && n >= 0 && (size_t)n + 1 + strlen(b) < SYNTH_NAME_MAX) {
        dst[n] = ' ';
        str_copy(dst + n + 1, b, SYNTH_NAME_MAX - (size_t)n - 1);
    }
}

static void ascii_upper(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
    }
}

void synth__render_names(const struct synth *s, const struct synth_person *p,
                         const struct synth_agency *a, struct synth_rng *r,
                         const struct synth_noise_rates *nz, char *first, char *middle,
                         char *second)
{
    const struct synth_table *t = &s->tables[p->table];
    const struct synth_name *g = pick(&t->given[p->sex], p->given);
    const struct synth_name *sn, *mid, *s2 = NULL;
    struct writing w;
    bool home = a->country == (int)p->citizenship;
    int sform = p->sex;

    if (t->surname_src == SYNTH_SRC_MALE) {
        sn = pick(&t->given[SYNTH_M], p->surname);
        sform = SYNTH_M;
    } else {
        sn = pick(&t->surname[p->sex], p->surname);
    }
    if (p->surname2 != SYNTH_NONE)
        s2 = pick(&t->surname[p->sex], p->surname2);
    mid = middle_name(t, p);

    if (t->script != SYNTH_SCRIPT_LATIN)
        w.native = (a->scripts & (1u << t->script)) != 0 && synth__rng_chance(r, home ? 0.9 : 0.75);
    else
        w.native = synth__rng_chance(r, home ? 0.95 : 0.5);
    if (synth__rng_chance(r, 0.7))
        w.variant = (unsigned)a->romanisation;
    else
        w.variant = synth__rng_below(r, SYNTH_MAX_VARIANTS);

    put(first, form_of(g, SYNTH_M, &w), NULL);
    put(middle, form_of(mid, t->middle_src == SYNTH_SRC_MALE ? SYNTH_M : p->sex, &w), NULL);
    if (s2 != NULL && !synth__rng_chance(r, nz->miss_surname2))
        put(second, form_of(sn, sform, &w), form_of(s2, sform, &w));
    else
        put(second, form_of(sn, sform, &w), NULL);

    if (!w.native && (a->kind == SYNTH_AG_POLICE || a->kind == SYNTH_AG_IMMIGRATION) &&
        synth__rng_chance(r, nz->upper))
        ascii_upper(second);
    if (middle[0] != '\0' && synth__rng_chance(r, nz->miss_middle))
        middle[0] = '\0';
    if (synth__rng_chance(r, nz->typo))
        synth__typo(first, r);
    if (middle[0] != '\0' && synth__rng_chance(r, nz->typo))
        synth__typo(middle, r);
    if (synth__rng_chance(r, nz->typo))
        synth__typo(second, r);
    if (synth__rng_chance(r, t->family_first ? 3 * nz->swap : nz->swap)) {
        char tmp[SYNTH_NAME_MAX];
        memcpy(tmp, first, SYNTH_NAME_MAX);
        memcpy(first, second, SYNTH_NAME_MAX);
        memcpy(second, tmp, SYNTH_NAME_MAX);
    }
    if (synth__rng_chance(r, nz->miss_second))
        second[0] = '\0';
}
