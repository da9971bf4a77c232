/*
 * norm_phonetic.c: NORM_PHONETIC, folding romanisation variants of a name into
 * one key ("Iuliia", "Yuliya", "Julia", "Юлия" all become "ylya").
 *
 * It runs after transliteration, on each word of ASCII letters, and keeps what
 * the romanisation systems agree on: a consonant skeleton with the first and the
 * last vowel. Arabic script writes no short vowels, so the inner vowels cannot
 * count; Russian surnames differ by their last vowel (Ivanov, Ivanova), so it
 * must count.
 *
 *   1. Spellings become units, longest first: sh sch shch ch tch tsch tsh -> x;
 *      zh -> z; kh -> h; ph f p -> f; th -> t; dh -> d; gh -> g; bh -> b;
 *      ck q, and c not before e i y -> k; c before e i y -> s; x -> ks;
 *      j dj dzh -> a glide y that is never dropped; gg -> ng; gi before a vowel
 *      -> glide y (Greek gamma); ou oo uu -> u, but ou before a vowel -> v
 *      (French Oualid); ee ii iy ij -> i; aa -> a. ch before r or l is the Greek
 *      chi: h (Christos, Khristos, Hristos).
 *   2. w is v at the start of a word or next to a vowel, else the vowel u
 *      (Arabic "ywsf" is Yusuf). y is the glide before a vowel or at the start,
 *      else the vowel i; i is the glide before a vowel (Maria, Iuliia). After a
 *      vowel, i and y make a diphthong, which is the vowel i (Hussein, Husayn and
 *      Arabic "hsin" meet). A glide before e is dropped (Yelena/Elena,
 *      Andreyev/Andreev, Vasilyev/Vasilev), and so is a y between a consonant
 *      and o (Fyodor/Fedor, Alyona/Alena).
 *   3. The key: a first vowel is kept as a (for a o u), e or i; a last vowel is
 *      kept as it is (Ivanov/Ivanova stay apart) and a last glide is i
 *      (Sergey/Sergei/Sergii); other vowels are dropped; a final "ah" is a
 *      (Fatimah/Fatima); r between a or o and a final t, n or d is dropped (Thai
 *      Siriporn/Siriphon, Amnart/Amnat); doubled letters are one
 *      (Muhammad/Mohamed), but the same letter on both sides of a dropped vowel
 *      stays twice (Papadopoulos is ffdfls).
 *
 * Words that Arabic joins to the next (al, el, abd, abdul, abu...) are keyed with
 * the next word. docs/internals/norm.md gives examples, the measured rates and the
 * near misses this merges (Hasan and Husayn among them).
 */
#include "norm_int.h"

#include <string.h>

#include "banned.h"

/* Unit kinds. */
enum {
    K_CONS,   /* consonant; sym is its class letter */
    K_VOWEL,  /* vowel a e i o u */
    K_GLIDE,  /* the y glide of y and i (written y); may be dropped */
    K_JGLIDE, /* the glide of j, dj, dzh: written y, never dropped */
    K_RAW_Y,  /* the letter y, resolved in pass 2 */
    K_RAW_W,  /* the letter w, resolved in pass 2 */
};

struct unit {
    char kind;
    char sym;
    char src; /* the letter it came from, for y and i: 'y' or 'i' */
};

/* Longest word keyed; longer runs of letters are copied in lower case. */
#define WORD_MAX 255

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static bool is_vowel_letter(int c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static void put(struct unit *u, size_t *n, char kind, char sym)
{
    u[*n].kind = kind;
    u[*n].sym = sym;
    u[*n].src = sym;
    (*n)++;
}

/* put() one unit for a spelling of used letters; returns used. */
static size_t put_n(struct unit *u, size_t *n, char kind, char sym, size_t used)
{
    put(u, n, kind, sym);
    return used;
}

/*
 * Pass 1: spellings to units, longest spelling first. w[0..len) is lower-case
 * ASCII letters followed by four NULs (so w[i + 3] may be read). Returns the
 * number of units written to u (room for 2 * len).
 */
static size_t tokenise(const char *w, size_t len, struct unit *u)
{
    size_t i = 0, n = 0;

    while (i < len) {
        char c = w[i], c1 = w[i + 1], c2 = c1 != 0 ? w[i + 2] : 0;
        char c3 = c2 != 0 ? w[i + 3] : 0;
        size_t used;

        switch (c) {
        case 's':
            if (c1 == 'h' && c2 == 'c' && c3 == 'h')
                used = put_n(u, &n, K_CONS, 'x', 4); /* shch */
            else if (c1 == 'c' && c2 == 'h')
                used = put_n(u, &n, K_CONS, 'x', 3); /* sch */
            else
                used = put_n(u, &n, K_CONS, c1 == 'h' ? 'x' : 's', c1 == 'h' ? 2 : 1);
            break;
        case 't':
            if (c1 == 's' && c2 == 'c' && c3 == 'h')
                used = put_n(u, &n, K_CONS, 'x', 4); /* tsch */
            else if ((c1 == 'c' || c1 == 's') && c2 == 'h')
                used = put_n(u, &n, K_CONS, 'x', 3); /* tch, tsh */
            else
                used = put_n(u, &n, K_CONS, 't', c1 == 'h' ? 2 : 1); /* th, t */
            break;
        case 'd':
            if (c1 == 'z' && c2 == 'h')
                used = put_n(u, &n, K_JGLIDE, 'y', 3); /* dzh */
            else if (c1 == 'j')
                used = put_n(u, &n, K_JGLIDE, 'y', 2); /* dj */
            else
                used = put_n(u, &n, K_CONS, 'd', c1 == 'h' ? 2 : 1); /* dh, d */
            break;
        case 'c':
            if (c1 == 'h') /* chi before r or l (Christos, Chloe) is h; other ch is x */
                used = put_n(u, &n, K_CONS, (c2 == 'r' || c2 == 'l') ? 'h' : 'x', 2);
            else if (c1 == 'k')
                used = put_n(u, &n, K_CONS, 'k', 2);
            else
                used = put_n(u, &n, K_CONS, (c1 == 'e' || c1 == 'i' || c1 == 'y') ? 's' : 'k', 1);
            break;
        case 'z':
            used = put_n(u, &n, K_CONS, 'z', c1 == 'h' ? 2 : 1); /* zh, z */
            break;
        case 'k':
            used = put_n(u, &n, K_CONS, c1 == 'h' ? 'h' : 'k', c1 == 'h' ? 2 : 1); /* kh, k */
            break;
        case 'p':
            used = put_n(u, &n, K_CONS, 'f', c1 == 'h' ? 2 : 1); /* ph, p */
            break;
        case 'b':
            used = put_n(u, &n, K_CONS, 'b', c1 == 'h' ? 2 : 1); /* bh, b */
            break;
        case 'g':
            if (c1 == 'g') { /* Greek double gamma is ng (Aggeliki, Angeliki) */
                put(u, &n, K_CONS, 'n');
                used = put_n(u, &n, K_CONS, 'g', 2);
            } else if (c1 == 'i' && is_vowel_letter(c2)) {
                /* Greek gamma before i and a vowel is y (Panagiotis, Panayiotis). */
                used = put_n(u, &n, K_GLIDE, 'y', 2);
            } else {
                used = put_n(u, &n, K_CONS, 'g', c1 == 'h' ? 2 : 1); /* gh, g */
            }
            break;
        case 'o':
            if (c1 == 'u' && is_vowel_letter(c2))
                used = put_n(u, &n, K_CONS, 'v', 2); /* French ou before a vowel (Oualid) */
            else if (c1 == 'u' || c1 == 'o')
                used = put_n(u, &n, K_VOWEL, 'u', 2); /* ou, oo */
            else
                used = put_n(u, &n, K_VOWEL, 'o', 1);
            break;
        case 'u':
            used = put_n(u, &n, K_VOWEL, 'u', c1 == 'u' ? 2 : 1);
            break;
        case 'e':
            used = put_n(u, &n, K_VOWEL, c1 == 'e' ? 'i' : 'e', c1 == 'e' ? 2 : 1); /* ee, e */
            break;
        case 'i':
            used = put_n(u, &n, K_VOWEL, 'i', (c1 == 'i' || c1 == 'y' || c1 == 'j') ? 2 : 1);
            break;
        case 'a':
            used = put_n(u, &n, K_VOWEL, 'a', c1 == 'a' ? 2 : 1);
            break;
        case 'y':
            used = put_n(u, &n, K_RAW_Y, 'y', 1);
            break;
        case 'w':
            used = put_n(u, &n, K_RAW_W, 'w', 1);
            break;
        case 'j':
            used = put_n(u, &n, K_JGLIDE, 'y', 1);
            break;
        case 'q':
            used = put_n(u, &n, K_CONS, 'k', 1);
            break;
        case 'x':
            put(u, &n, K_CONS, 'k');
            used = put_n(u, &n, K_CONS, 's', 1);
            break;
        default:
            used = put_n(u, &n, K_CONS, c, 1);
            break;
        }
        i += used;
    }
    return n;
}

static bool vowel_at(const struct unit *u, size_t n, size_t i)
{
    return i < n && u[i].kind == K_VOWEL;
}

/* Pass 2: resolve w, y and i into consonant, vowel or glide; drop the lost glides. */
static size_t resolve(struct unit *u, size_t n)
{
    size_t i, k;

    /* w first, so that y before a vowel-w is a glide (Arabic "ywsf" is Yusuf). */
    for (i = 0; i < n; i++) {
        bool prev_v = i > 0 && u[i - 1].kind == K_VOWEL;
        bool next_v = vowel_at(u, n, i + 1);

        if (u[i].kind == K_RAW_W) {
            bool cons = i == 0 || prev_v || next_v;
            u[i].kind = cons ? K_CONS : K_VOWEL;
            u[i].sym = cons ? 'v' : 'u';
        }
    }
    /*
     * y before a vowel, or starting a word, is the glide; after a vowel it ends a
     * diphthong, which is the vowel i (Husayn, Layla); elsewhere it is i.
     */
    for (i = 0; i < n; i++) {
        if (u[i].kind == K_RAW_Y) {
            bool glide = i == 0 || vowel_at(u, n, i + 1);
            u[i].kind = glide ? K_GLIDE : K_VOWEL;
            u[i].sym = glide ? 'y' : 'i';
        }
    }
    /* i before a vowel is the glide (Maria, Iuliia); after one it stays i (Hussein). */
    for (i = 0; i < n; i++) {
        if (u[i].kind == K_VOWEL && u[i].sym == 'i' && vowel_at(u, n, i + 1)) {
            u[i].kind = K_GLIDE;
            u[i].sym = 'y';
        }
    }
    k = 0;
    for (i = 0; i < n; i++) {
        if (u[i].kind == K_GLIDE) {
            bool next_e = i + 1 < n && u[i + 1].kind == K_VOWEL && u[i + 1].sym == 'e';
            bool next_o = i + 1 < n && u[i + 1].kind == K_VOWEL && u[i + 1].sym == 'o';
            bool prev_c = k > 0 && u[k - 1].kind == K_CONS;

            /* Yelena/Elena, Andreyev/Andreev; Fyodor/Fedor (y only: Georgios keeps it). */
            if (next_e || (next_o && prev_c && u[i].src == 'y'))
                continue;
            /* Two glides in a row (Chaiyaphum: ai + y, Yiannis) are one. */
            if (k > 0 && (u[k - 1].kind == K_GLIDE || u[k - 1].kind == K_JGLIDE))
                continue;
        }
        u[k++] = u[i];
    }
    return k;
}

/* Pass 3: the key. */
static int emit(const struct unit *u, size_t n, struct buf *out)
{
    char key[2 * WORD_MAX + 2];
    size_t i, k = 0;
    char prev = 0; /* what the previous unit wrote, 0 if it wrote nothing */

    for (i = 0; i < n; i++) {
        char c = 0;
        bool last = i + 1 == n;

        /*
         * r after a or o before a final t, n or d marks a long vowel in Thai
         * spellings (Siriporn for Siriphon, Amnart for Amnat): dropped.
         */
        if (n >= 3 && i == n - 2 && i >= 1 && u[i].kind == K_CONS && u[i].sym == 'r' &&
            u[n - 1].kind == K_CONS &&
            (u[n - 1].sym == 't' || u[n - 1].sym == 'n' || u[n - 1].sym == 'd') &&
            u[i - 1].kind == K_VOWEL && (u[i - 1].sym == 'a' || u[i - 1].sym == 'o'))
            continue;
        switch (u[i].kind) {
        case K_VOWEL:
            if (i == 0)
                c = (u[i].sym == 'e' || u[i].sym == 'i') ? u[i].sym : 'a';
            else if (last)
                c = u[i].sym;
            else if (i + 2 == n && u[i].sym == 'a' && u[i + 1].kind == K_CONS &&
                     u[i + 1].sym == 'h')
                c = 'a';
            break;
        case K_GLIDE:
        case K_JGLIDE:
            c = last ? 'i' : 'y';
            break;
        default:
            /* A final h after a kept a ("ah") was written as that a. */
            if (last && u[i].sym == 'h' && i > 0 && u[i - 1].kind == K_VOWEL && u[i - 1].sym == 'a')
                c = 0;
            else
                c = u[i].sym;
            break;
        }
        /* Doubled letters (ss, mm) are one; letters apart (p-a-p) stay two. */
        if (c != 0 && c != prev)
            key[k++] = c;
        prev = c;
    }
    return buf_append(out, key, k);
}

int norm__phonetic_word(const char *word, size_t len, struct buf *out)
{
    char w[WORD_MAX + 4]; /* the word and NULs, so tokenise() may look 3 ahead */
    struct unit u[2 * WORD_MAX];
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        int c = lower((unsigned char)word[i]);

        if (c == '\'' || c == '`')
            continue;
        if (n == WORD_MAX) {
            /* Too long to be a name: copy it as it is, in lower case. */
            size_t j;
            int rc = 0;
            for (j = 0; j < len && rc == 0; j++)
                rc = buf_putc(out, lower((unsigned char)word[j]));
            return rc;
        }
        w[n++] = (char)c;
    }
    if (n == 0)
        return 0;
    memset(w + n, 0, 4);
    n = tokenise(w, n, u);
    n = resolve(u, n);
    return emit(u, n, out);
}

static bool is_word_byte(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'' || c == '`';
}

/*
 * Words that Arabic writes joined to the next one and Latin spellings write
 * apart or joined ("al-Hassan", "Alhassan"; "Abd Allah", "Abdullah"; "Abu Bakr").
 */
static bool is_prefix_word(const char *w, size_t len)
{
    static const char *const prefixes[] = {"al",    "el",     "abd", "abdul", "abdel",
                                           "abdal", "abdoul", "abu", "abou"};
    size_t i, j;

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (strlen(prefixes[i]) != len)
            continue;
        for (j = 0; j < len && lower((unsigned char)w[j]) == prefixes[i][j]; j++)
            ;
        if (j == len)
            return true;
    }
    return false;
}

int norm__phonetic(const char *in, size_t len, struct buf *out)
{
    size_t i = 0;
    int rc = 0;

    while (i < len && rc == 0) {
        size_t start = i, end;

        if (!is_word_byte((unsigned char)in[i])) {
            rc = buf_putc(out, in[i]);
            i++;
            continue;
        }
        while (i < len && is_word_byte((unsigned char)in[i]))
            i++;
        end = i;
        /* A prefix word written apart is keyed with the word after it. */
        if (is_prefix_word(in + start, end - start) && i + 1 < len &&
            (in[i] == '-' || in[i] == ' ') && is_word_byte((unsigned char)in[i + 1])) {
            char joined[WORD_MAX];
            size_t j, k = i + 1;

            memcpy(joined, in + start, end - start);
            j = end - start;
            if (j == 2 && (joined[0] == 'e' || joined[0] == 'E'))
                joined[0] = 'a'; /* El Hassan is al-Hassan */
            while (k < len && is_word_byte((unsigned char)in[k]) && j < WORD_MAX)
                joined[j++] = in[k++];
            if (k == len || !is_word_byte((unsigned char)in[k])) {
                rc = norm__phonetic_word(joined, j, out);
                i = k;
                continue;
            }
        }
        rc = norm__phonetic_word(in + start, end - start, out);
    }
    return rc;
}
