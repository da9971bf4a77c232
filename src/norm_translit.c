/*
 * norm_translit.c: NORM_TRANSLIT, any script to ASCII Latin with ICU.
 *
 * The value is cut into runs of one script (spaces, digits and marks belong to the
 * run they are in) and each run goes through the ICU rules for its script, below.
 * ICU's generic "Any-Latin" is not enough for names: for Cyrillic it follows ISO 9,
 * which after Latin-ASCII loses ж/з, ш/с and ю/у ("Юлия" becomes "Ulia"), so
 * Cyrillic uses the BGN/PCGN rules of the language the letters point to; Greek
 * uses UNGEGN (ELOT 743, as on Greek passports); Arabic and Thai get extra rules
 * before and after ICU's own so that its output looks like the spellings people
 * write (docs/internals/norm.md explains each rule).
 *
 * ICU transliterators may not be used by two threads at once, and opening one
 * compiles its rules (a millisecond or more), so each thread opens the ones it
 * needs on first use and keeps them in thread-local storage until
 * norm__translit_release(). ASCII input never reaches ICU.
 */
#include "norm_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>
#include <utf8proc.h>

#include "xalloc.h"

#include "banned.h"

/* ==== Rules per script ==== */

/*
 * ICU transform rules (UTF-8; converted to UTF-16 when opened). A "::" line runs
 * a built-in transliterator; the rules between them form anonymous ones.
 */

/* Latin with accents or ligatures, and Common characters (dashes, quotes). */
static const char rules_latin[] = ":: Latin-ASCII ;";

/*
 * Russian: BGN/PCGN 1947. The soft and hard signs are dropped first, as ICAO
 * 9303 does, so "Наталья" gives "Natalya" and not "Natal'ya".
 */
static const char rules_russian[] = ":: NFC ;"
                                    "[ьЬъЪ] > ;"
                                    ":: Russian-Latin/BGN ;"
                                    ":: Latin-ASCII ;";

/* Ukrainian: BGN/PCGN 1965 (г is h, и is y); the apostrophe is dropped too. */
static const char rules_ukrainian[] = ":: NFC ;"
                                      "[ьЬъЪʼ’'] > ;"
                                      ":: Ukrainian-Latin/BGN ;"
                                      ":: Latin-ASCII ;";

static const char rules_belarusian[] = ":: NFC ;"
                                       "[ьЬʼ’'] > ;"
                                       ":: Belarusian-Latin/BGN ;"
                                       ":: Latin-ASCII ;";

/* Greek: UNGEGN 1987 / ELOT 743, the form on Greek passports. */
static const char rules_greek[] = ":: Greek-Latin/UNGEGN ;"
                                  ":: Latin-ASCII ;";

/*
 * Arabic: ICU's Arabic-Latin writes consonants and the long vowels alif, waw, ya
 * as a, w, y. Before it: vowel signs and the tatweel go; ta marbuta and alif
 * maqsura are the final -a people write (Fatima, Mustafa); alif with hamza below
 * is i (Ibrahim), other hamza seats are their vowel; ain is dropped except at the
 * start of a word, where Latin spellings show a vowel (Ali, Omar; ain and ya
 * there are i, as in Isa); waw and ya
 * between consonants, or after one at the end, are the long vowels u and i; the
 * name of God is written out (Abdullah). After it: its ain and hamza letters
 * (U+02BF, U+02BE) left by anything else are dropped.
 */
static const char rules_arabic[] = ":: NFC ;"
                                   "$cons = [[:Arabic:] & [:L:] - [اويىآأإؤئءةٱیۍې]] ;"
                                   "$nl = [^[:L:][:M:]] ;" /* also matches at either end */
                                   "[\\u064B-\\u0652\\u0656-\\u065F\\u0640] > ;"
                                   "\\u0670 > a ;"
                                   "الله > allah ;"
                                   "ى } $nl > a ;"
                                   "ة > a ;"
                                   "إ > i ;"
                                   "[أآٱ] > a ;"
                                   "ؤ > u ;"
                                   "ئ > i ;"
                                   "ء > ;"
                                   "$nl { ع [يی] > i ;"
                                   "$nl { ع > a ;"
                                   "ع > ;"
                                   "$cons { و } $cons > u ;"
                                   "$cons { و } $nl > u ;"
                                   "$cons { [يی] } $cons > i ;"
                                   "$cons { [يی] } $nl > i ;"
                                   ":: Arabic-Latin ;"
                                   "[ʿʾ] > ;"
                                   ":: Latin-ASCII ;";

/*
 * Thai: ICU's Thai-Latin follows ISO 11940 (a transliteration: อ is x, จ is c,
 * implicit vowels are not written) and breaks words with spaces. Before it:
 * spaces of the value are kept apart as '|', sara am (ำ), which NFKC splits in
 * two, is put together again, letters silenced by the
 * thanthakhat (์) are removed, as RTGS does. After it: ไ and ใ are ai, ำ is am,
 * ญ is n, จ is ch, อ is o, its word-break spaces go (they fall inside names:
 * "s̄ur chạy" for สุรชัย), and a consonant at the end of a word takes its RTGS
 * final value (r, l -> n; d, s, ch, th -> t; b, ph -> p).
 */
static const char rules_thai[] = ":: NFC ;"
                                 "' ' > '|' ;"
                                 "\\u0E4D\\u0E32 > \\u0E33 ;" /* NFKC splits sara am */
                                 "ทร์ > ;"
                                 "[ก-ฮ] [ิุ]? ์ > ;"
                                 ":: Thai-Latin ;"
                                 ":: NFC ;"
                                 "[ịı] > ai ;"
                                 "ả > am ;"
                                 "[ʹ'] > ;"
                                 "ỵ > n ;"
                                 ":: Latin-ASCII ;"
                                 "$end = [^a-z\\u0020] ;" /* a real end, not an ICU word break */
                                 "ch } $end > t ;"
                                 "ch > ch ;"
                                 "c } $end > t ;"
                                 "c > ch ;"
                                 "th } $end > t ;"
                                 "ph } $end > p ;"
                                 "[rl] } $end > n ;"
                                 "[ds] } $end > t ;"
                                 "b } $end > p ;"
                                 "x > o ;"
                                 "' ' > ;"
                                 "'|' > ' ' ;";

/* Chinese characters: pinyin with the readings used for surnames. */
static const char rules_han[] = ":: Han-Latin/Names ;"
                                ":: Latin-ASCII ;";

static const char rules_other[] = ":: Any-Latin ;"
                                  ":: Latin-ASCII ;";

static const char *const script_rules[NORM__SCRIPT_COUNT] = {
    [NORM__SCRIPT_LATIN] = rules_latin,         [NORM__SCRIPT_RUSSIAN] = rules_russian,
    [NORM__SCRIPT_UKRAINIAN] = rules_ukrainian, [NORM__SCRIPT_BELARUSIAN] = rules_belarusian,
    [NORM__SCRIPT_GREEK] = rules_greek,         [NORM__SCRIPT_ARABIC] = rules_arabic,
    [NORM__SCRIPT_THAI] = rules_thai,           [NORM__SCRIPT_HAN] = rules_han,
    [NORM__SCRIPT_OTHER] = rules_other,
};

static const char *const script_names[NORM__SCRIPT_COUNT] = {
    [NORM__SCRIPT_LATIN] = "latin",         [NORM__SCRIPT_RUSSIAN] = "russian",
    [NORM__SCRIPT_UKRAINIAN] = "ukrainian", [NORM__SCRIPT_BELARUSIAN] = "belarusian",
    [NORM__SCRIPT_GREEK] = "greek",         [NORM__SCRIPT_ARABIC] = "arabic",
    [NORM__SCRIPT_THAI] = "thai",           [NORM__SCRIPT_HAN] = "han",
    [NORM__SCRIPT_OTHER] = "other",
};

/* ==== Per-thread state ==== */

/*
 * ICU takes 10 to 50 microseconds for one short name, while the same names come
 * back again and again in a million records. Each thread keeps the results for
 * recent runs in a direct-mapped cache: a run of at most CACHE_KEY_MAX bytes whose
 * result fits CACHE_VAL_MAX bytes is looked up by hash before calling ICU.
 */
#define CACHE_SLOTS   1024 /* a power of two */
#define CACHE_KEY_MAX 62
#define CACHE_VAL_MAX 126

struct cache_slot {
    uint32_t hash;
    unsigned char kind; /* enum norm__script */
    unsigned char key_len;
    unsigned char val_len;
    bool used;
    char key[CACHE_KEY_MAX];
    char val[CACHE_VAL_MAX];
};

static _Thread_local UTransliterator *trans[NORM__SCRIPT_COUNT];
static _Thread_local UChar *ubuf; /* UTF-16 text being transliterated */
static _Thread_local int32_t ubuf_alloc;
static _Thread_local struct cache_slot *cache; /* CACHE_SLOTS slots, made on first use */
static _Thread_local unsigned long cache_hits, cache_misses;

void norm__translit_release(void)
{
    int i;

    for (i = 0; i < NORM__SCRIPT_COUNT; i++) {
        if (trans[i] != NULL)
            utrans_close(trans[i]);
        trans[i] = NULL;
    }
    free(ubuf);
    ubuf = NULL;
    ubuf_alloc = 0;
    free(cache);
    cache = NULL;
}

void norm__translit_cache_clear(void)
{
    if (cache != NULL)
        memset(cache, 0, sizeof(*cache) * CACHE_SLOTS);
}

void norm__translit_cache_stats(unsigned long *hits, unsigned long *misses)
{
    *hits = cache_hits;
    *misses = cache_misses;
}

/* FNV-1a over the kind and the bytes. */
static uint32_t run_hash(enum norm__script kind, const char *run, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)kind;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)run[i];
        h *= 16777619u;
    }
    return h;
}

static struct cache_slot *cache_slot(uint32_t hash)
{
    if (cache == NULL)
        CALLOC_ARRAY(cache, CACHE_SLOTS);
    return &cache[hash & (CACHE_SLOTS - 1)];
}

/* The transliterator for script s, opened on first use in this thread. */
static UTransliterator *get_trans(enum norm__script s, struct err *e)
{
    UErrorCode status = U_ZERO_ERROR;
    UParseError perr = {0};
    UChar id[32];
    UChar *rules = NULL;
    int32_t rules_len = 0;
    size_t src_len;

    if (trans[s] != NULL)
        return trans[s];
    src_len = strlen(script_rules[s]);
    ALLOC_ARRAY(rules, src_len + 1);
    u_strFromUTF8(rules, (int32_t)src_len + 1, &rules_len, script_rules[s], (int32_t)src_len,
                  &status);
    if (U_SUCCESS(status)) {
        u_uastrncpy(id, "tiphub-norm", 31);
        id[31] = 0;
        trans[s] = utrans_openU(id, -1, UTRANS_FORWARD, rules, rules_len, &perr, &status);
    }
    free(rules);
    if (U_FAILURE(status) || trans[s] == NULL) {
        trans[s] = NULL;
        err_set(e, ERR_INVALID, "cannot open the %s transliterator: %s (rule line %d)",
                script_names[s], u_errorName(status), (int)perr.line);
        return NULL;
    }
    return trans[s];
}

/* ==== Script runs ==== */

/* The transliteration a strong (non-Common) script calls for. */
static enum norm__script kind_of(UScriptCode sc)
{
    switch (sc) {
    case USCRIPT_LATIN:
        return NORM__SCRIPT_LATIN;
    case USCRIPT_CYRILLIC:
        return NORM__SCRIPT_RUSSIAN;
    case USCRIPT_GREEK:
        return NORM__SCRIPT_GREEK;
    case USCRIPT_ARABIC:
        return NORM__SCRIPT_ARABIC;
    case USCRIPT_THAI:
        return NORM__SCRIPT_THAI;
    case USCRIPT_HAN:
        return NORM__SCRIPT_HAN;
    default:
        return NORM__SCRIPT_OTHER;
    }
}

static bool is_weak(UScriptCode sc)
{
    return sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED || sc == USCRIPT_INVALID_CODE;
}

/* Does the word w[0..len) end in "енко", the Ukrainian surname ending? */
static bool ends_in_enko(const char *w, size_t len)
{
    static const char lower[] = "енко", upper[] = "ЕНКО";
    const size_t n = sizeof(lower) - 1;

    return len >= n && (memcmp(w + len - n, lower, n) == 0 || memcmp(w + len - n, upper, n) == 0);
}

/*
 * Ukrainian or Russian rules for a Cyrillic word: Ukrainian when it has a letter
 * that Russian lacks (і ї є ґ) or a surname in -енко (Шевченко, Гончаренко: г is
 * h in Ukrainian). Belarusian when it has ў.
 */
static enum norm__script cyrillic_language(const char *run, size_t len)
{
    enum norm__script kind = NORM__SCRIPT_RUSSIAN;
    size_t i = 0;

    if (ends_in_enko(run, len))
        kind = NORM__SCRIPT_UKRAINIAN;

    while (i < len) {
        utf8proc_int32_t c = 0;
        utf8proc_ssize_t n;

        n = utf8proc_iterate((const utf8proc_uint8_t *)run + i, (utf8proc_ssize_t)(len - i), &c);
        if (n <= 0)
            break;
        i += (size_t)n;
        if (c == 0x045E || c == 0x040E)
            return NORM__SCRIPT_BELARUSIAN;
        if (c == 0x0456 || c == 0x0406 || c == 0x0457 || c == 0x0407 || c == 0x0454 ||
            c == 0x0404 || c == 0x0491 || c == 0x0490)
            kind = NORM__SCRIPT_UKRAINIAN;
    }
    return kind;
}

static bool all_ascii(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return false;
    }
    return true;
}

/* Transliterate one run with kind's rules and append it to out. */
static int translit_run(enum norm__script kind, const char *run, size_t len, struct buf *out,
                        struct err *e)
{
    UTransliterator *t;
    UErrorCode status = U_ZERO_ERROR;
    int32_t ulen = 0, limit, need, cap;
    int rc;

    struct cache_slot *slot = NULL;
    uint32_t hash = 0;
    size_t start = out->len;

    if (kind == NORM__SCRIPT_LATIN && all_ascii(run, len))
        return buf_append(out, run, len);
    if (len <= CACHE_KEY_MAX) {
        hash = run_hash(kind, run, len);
        slot = cache_slot(hash);
        if (slot->used && slot->hash == hash && slot->kind == (unsigned char)kind &&
            slot->key_len == len && memcmp(slot->key, run, len) == 0) {
            cache_hits++;
            return buf_append(out, slot->val, slot->val_len);
        }
        cache_misses++;
    }
    t = get_trans(kind, e);
    if (t == NULL)
        return ERR_INVALID;
    /* Transliteration rarely more than triples the length; retry if it does. */
    cap = (int32_t)len * 4 + 16;
    for (;;) {
        if (cap > ubuf_alloc) {
            ubuf_alloc = cap;
            REALLOC_ARRAY(ubuf, (size_t)ubuf_alloc);
        }
        status = U_ZERO_ERROR;
        u_strFromUTF8(ubuf, ubuf_alloc, &ulen, run, (int32_t)len, &status);
        if (U_FAILURE(status))
            return err_set(e, ERR_INVALID, "invalid UTF-8 in the value");
        limit = ulen;
        utrans_transUChars(t, ubuf, &ulen, ubuf_alloc, 0, &limit, &status);
        if (status == U_BUFFER_OVERFLOW_ERROR) {
            if ((size_t)ubuf_alloc * 2 > NORM__SCRATCH_MAX)
                return err_set(e, ERR_TOOBIG, "value too long after transliteration");
            cap = ubuf_alloc * 2;
            continue;
        }
        if (U_FAILURE(status))
            return err_set(e, ERR_INVALID, "%s transliteration failed: %s", script_names[kind],
                           u_errorName(status));
        break;
    }
    status = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &need, ubuf, ulen, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
        return err_set(e, ERR_INVALID, "%s transliteration failed: %s", script_names[kind],
                       u_errorName(status));
    rc = buf_grow(out, (size_t)need);
    if (rc < 0)
        return err_set(e, rc, "value too long after transliteration");
    status = U_ZERO_ERROR;
    u_strToUTF8(out->data + out->len, (int32_t)(out->cap - out->len), &need, ubuf, ulen, &status);
    if (U_FAILURE(status))
        return err_set(e, ERR_INVALID, "%s transliteration failed: %s", script_names[kind],
                       u_errorName(status));
    out->len += (size_t)need;
    out->data[out->len] = '\0';
    if (slot != NULL && out->len - start <= CACHE_VAL_MAX) {
        slot->used = true;
        slot->hash = hash;
        slot->kind = (unsigned char)kind;
        slot->key_len = (unsigned char)len;
        memcpy(slot->key, run, len);
        slot->val_len = (unsigned char)(out->len - start);
        memcpy(slot->val, out->data + start, out->len - start);
    }
    return 0;
}

/*
 * A Cyrillic run: the language is decided word by word (a Russian given name may
 * stand beside a Ukrainian surname), and neighbouring words of one language go
 * to ICU together.
 */
static int translit_cyrillic(const char *run, size_t len, struct buf *out, struct err *e)
{
    size_t i = 0, group = 0;
    enum norm__script group_kind = NORM__SCRIPT_RUSSIAN;
    bool have_group = false;
    int rc;

    while (i < len) {
        size_t w = i, wend;
        enum norm__script k;

        /* A word is a stretch of non-ASCII bytes; ASCII spaces and marks part them. */
        while (w < len && (unsigned char)run[w] < 0x80)
            w++;
        if (w == len)
            break;
        wend = w;
        while (wend < len && (unsigned char)run[wend] >= 0x80)
            wend++;
        k = cyrillic_language(run + w, wend - w);
        if (have_group && k != group_kind) {
            rc = translit_run(group_kind, run + group, w - group, out, e);
            if (rc < 0)
                return rc;
            group = w;
        }
        group_kind = k;
        have_group = true;
        i = wend;
    }
    return translit_run(group_kind, run + group, len - group, out, e);
}

static int translit_any(enum norm__script kind, const char *run, size_t len, struct buf *out,
                        struct err *e)
{
    if (kind == NORM__SCRIPT_RUSSIAN)
        return translit_cyrillic(run, len, out, e);
    return translit_run(kind, run, len, out, e);
}

int norm__translit(const char *in, size_t len, struct buf *out, struct err *e)
{
    size_t i = 0, run_start = 0;
    bool have_kind = false;
    enum norm__script kind = NORM__SCRIPT_LATIN;
    int rc;

    if (all_ascii(in, len))
        return buf_append(out, in, len);
    while (i < len) {
        utf8proc_int32_t c = 0;
        utf8proc_ssize_t n;
        UErrorCode status = U_ZERO_ERROR;
        UScriptCode sc;
        enum norm__script k;

        n = utf8proc_iterate((const utf8proc_uint8_t *)in + i, (utf8proc_ssize_t)(len - i), &c);
        if (n <= 0)
            return err_set(e, ERR_INVALID, "invalid UTF-8 in the value");
        sc = uscript_getScript(c, &status);
        if (U_FAILURE(status) || is_weak(sc)) {
            i += (size_t)n;
            continue;
        }
        k = kind_of(sc);
        if (!have_kind) {
            kind = k;
            have_kind = true;
        } else if (k != kind) {
            /* A new script starts at i: the run so far (with weak characters) ends. */
            rc = translit_any(kind, in + run_start, i - run_start, out, e);
            if (rc < 0)
                return rc;
            run_start = i;
            kind = k;
        }
        i += (size_t)n;
    }
    return translit_any(kind, in + run_start, len - run_start, out, e);
}
