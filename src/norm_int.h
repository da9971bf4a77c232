/*
 * norm_int.h: private to the norm module (norm*.c), its unit test and
 * bench/normeval.c. The module's interface is include/norm.h.
 *
 * Each step of the pipeline is one function that reads a UTF-8 byte range and
 * appends its result to a buffer; norm.c chains them with two scratch buffers.
 */
#ifndef TIPHUB_NORM_INT_H
#define TIPHUB_NORM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Most bytes a step may produce from one value (NFKC and transliteration grow text). */
#define NORM__SCRATCH_MAX ((size_t)1 << 18)

/* ---- norm_unicode.c: utf8proc steps ---- */

/* Is in[0..len) valid UTF-8 (no surrogates, no overlongs)? */
bool norm__utf8_valid(const char *in, size_t len);
/* NFKC with full case folding and default-ignorables removed. 0, ERR_INVALID, ERR_TOOBIG. */
int norm__nfkc_casefold(const char *in, size_t len, struct buf *out);
/*
 * Remove accents: decompose, drop the combining marks of Latin, Greek, Cyrillic
 * (except the breve and diaeresis that make й, ў, ё, ї letters of their own),
 * Arabic (the vowel signs, not the hamza) and Hebrew letters, map the few Latin
 * letters with a stroke (ø ł đ ħ ı ŧ) to their base, and recompose. Marks of
 * other scripts (Thai vowels, Devanagari signs) are parts of letters: kept.
 */
int norm__strip_accents(const char *in, size_t len, struct buf *out);
/* Release the calling thread's code point buffer. */
void norm__unicode_release(void);

/* ---- norm_translit.c: ICU ---- */

/*
 * Transliterate every run of a non-Latin script to ASCII Latin with the rules for
 * that script (docs/internals/norm.md), and non-ASCII Latin with Latin-ASCII.
 * ASCII input is copied. 0, ERR_INVALID (ICU failed; e says so), ERR_TOOBIG.
 */
int norm__translit(const char *in, size_t len, struct buf *out, struct err *e);
/* Close the calling thread's transliterators and empty its result cache. */
void norm__translit_release(void);
/* Forget the calling thread's cached results, keeping the transliterators (bench). */
void norm__translit_cache_clear(void);
/* Hits and misses of the calling thread's transliteration cache (for the bench). */
void norm__translit_cache_stats(unsigned long *hits, unsigned long *misses);

/* The scripts the transliterator treats apart (for tests and the documentation). */
enum norm__script {
    NORM__SCRIPT_LATIN,      /* Latin and Common: Latin-ASCII only */
    NORM__SCRIPT_RUSSIAN,    /* Cyrillic without Ukrainian or Belarusian letters */
    NORM__SCRIPT_UKRAINIAN,  /* Cyrillic run with і ї є ґ */
    NORM__SCRIPT_BELARUSIAN, /* Cyrillic run with ў */
    NORM__SCRIPT_GREEK,
    NORM__SCRIPT_ARABIC,
    NORM__SCRIPT_THAI,
    NORM__SCRIPT_HAN,
    NORM__SCRIPT_OTHER, /* anything else ICU knows: Any-Latin */
    NORM__SCRIPT_COUNT
};

/* ---- norm_phonetic.c ---- */

/*
 * Fold romanisation variants: each run of ASCII letters (apostrophes inside it are
 * dropped) becomes its key; other bytes are copied. Never fails except ERR_TOOBIG.
 */
int norm__phonetic(const char *in, size_t len, struct buf *out);
/* The key of one word of ASCII letters, appended to out (for tests). */
int norm__phonetic_word(const char *word, size_t len, struct buf *out);

/* ---- norm.c: spaces and punctuation ---- */

/* NORM_FOLD_SPACE (drop == false) or NORM_DROP_SPACE (drop == true). */
int norm__fold_space(const char *in, size_t len, bool drop, struct buf *out);

/* ---- norm_date.c ---- */

/*
 * NORM_DATE: parse in[0..len) as a date (date.h) and append it written as fmt.
 * ERR_INVALID with e saying why (never quoting the value).
 */
int norm__date(const char *in, size_t len, const char *fmt, struct buf *out, struct err *e);
/* Is fmt a date format norm__date() can write (only %Y %m %d %% and printable ASCII)? */
bool norm__date_format_valid(const char *fmt, const char **why);
/* Append year-month-day written as fmt (already checked valid). 0 or ERR_TOOBIG. */
int norm__date_write(int year, int month, int day, const char *fmt, struct buf *out);

/* ---- norm_eval.c: measuring the normaliser (bench/normeval, tests) ---- */

/*
 * Dice coefficient of the sets of character bigrams of a and b, each padded with
 * one space at both ends (so "ab" has " a", "ab", "b "): the tokens a CLK encodes.
 * Bytes, not code points; two empty strings score 1.
 */
double norm__dice_bigram(const char *a, size_t alen, const char *b, size_t blen);

struct norm__pair {
    char *a;      /* first name form (UTF-8) */
    char *b;      /* second form */
    char *script; /* the script column, e.g. "cyrillic" */
};

struct norm__pairs {
    struct norm__pair *items;
    size_t n;
    size_t alloc;
};

/*
 * Read a pair file: a header line, then lines "a,b,script,source" (no quoting; no
 * field holds a comma). Lines starting with '#' are comments. Returns 0, ERR_IO
 * or ERR_INVALID with e naming the file and line.
 */
int norm__pairs_load(const char *path, struct norm__pairs *out, struct err *e);
void norm__pairs_release(struct norm__pairs *pairs);

/* How a pair counts as matched after normalisation. */
struct norm__rates {
    size_t n;        /* pairs measured */
    size_t exact;    /* normalised forms equal */
    size_t dice;     /* bigram Dice >= threshold */
    double sum_dice; /* for the mean */
};

/*
 * Normalise both sides of every pair (of one script, or all when script is NULL)
 * with steps and count matches. Returns 0 or the first norm_apply() error.
 */
int norm__pairs_rate(const struct norm__pairs *pairs, const char *script, unsigned steps,
                     double threshold, struct norm__rates *out, struct err *e);

#endif
