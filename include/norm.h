/*
 * norm.h: normalisation of identifiers before they are encoded for linkage.
 *
 * Two agencies can only link a person if they write her identifiers the same way.
 * The steps below bring variants together: Unicode NFKC with case folding
 * (utf8proc), accents stripped, other scripts transliterated to Latin (ICU), a
 * phonetic folding that merges romanisation variants ("Iuliia", "Yuliya", "Julia"),
 * spaces and punctuation folded, and dates made canonical.
 *
 * The steps are part of the linkage schema: each feature may carry an extension key
 * (see docs/internals/norm.md for its JSON form) that clkhash ignores, so both sides
 * apply the same rules and a plain clkhash schema keeps clkhash's behaviour.
 *
 * Threads: norm_apply() may run in many threads at once. Each thread opens its own
 * ICU transliterators the first time it needs them and keeps them until it exits
 * (or calls norm_thread_release()), because one ICU transliterator must not be used
 * by two threads at the same time.
 */
#ifndef TIPHUB_NORM_H
#define TIPHUB_NORM_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct json_t; /* jansson's object type, for norm_rules_from_json() */

enum {
    NORM_NFKC_CASEFOLD = 1u << 0, /* Unicode NFKC and full case folding */
    NORM_STRIP_ACCENTS = 1u << 1, /* remove accents: combining marks after decomposition */
    NORM_TRANSLIT = 1u << 2,      /* any script to ASCII Latin (ICU, rules per script) */
    NORM_PHONETIC = 1u << 3,      /* fold romanisation variants (after NORM_TRANSLIT) */
    NORM_FOLD_SPACE = 1u << 4,    /* punctuation to space, runs of space to one, trimmed */
    NORM_DROP_SPACE = 1u << 5,    /* remove all spaces and punctuation */
    NORM_DATE = 1u << 6,          /* parse a date (date.h) and write it as date_format */
};

/* Every step, for checking a steps mask. */
#define NORM_ALL_STEPS 0x7Fu

/* The steps for a person's name: what "tiphub encode" uses when a schema says nothing. */
#define NORM_NAME_STEPS                                                                            \
    (NORM_NFKC_CASEFOLD | NORM_STRIP_ACCENTS | NORM_TRANSLIT | NORM_PHONETIC | NORM_FOLD_SPACE)

/* Longest input norm_apply() accepts, in bytes; identifiers are short. */
#define NORM_MAX_INPUT 4096

struct norm_rules {
    unsigned steps;       /* NORM_* flags, applied in the order listed above */
    char date_format[32]; /* output form for NORM_DATE: %Y %m %d %% and literal ASCII */
};

/* Rules that do nothing (steps 0) with the date format "%Y-%m-%d". */
void norm_rules_init(struct norm_rules *rules);

/*
 * Parse the rules from the extension key's JSON text, for example
 *   {"steps": ["nfkc_casefold", "strip_accents", "translit", "phonetic", "fold_space"]}
 *   {"steps": ["date"], "date_format": "%Y%m%d"}
 * Strict: unknown keys, unknown or repeated step names, steps out of the order of
 * the NORM_* list, fold_space with drop_space, date_format without the date step or
 * with a conversion other than %Y %m %d %% are errors. e names the JSON path
 * ("$.steps[2]") and the problem. Returns 0 or ERR_INVALID.
 */
int norm_rules_parse(const char *json_text, size_t len, struct norm_rules *out, struct err *e);

/*
 * The same from a parsed JSON value (a jansson json_t *), for the schema reader
 * that holds the whole schema already. path names the value in messages, for
 * example "$.features[3].x-tiphub-norm"; NULL means "$".
 */
int norm_rules_from_json(const struct json_t *value, const char *path, struct norm_rules *out,
                         struct err *e);

/*
 * Append the rules' canonical JSON text to out (steps in order, date_format only
 * with the date step), which norm_rules_parse() reads back to the same rules.
 * Returns 0 or ERR_TOOBIG.
 */
int norm_rules_format(const struct norm_rules *rules, struct buf *out);

/* The JSON name of one NORM_* flag ("translit"), or NULL if step is not one flag. */
const char *norm_step_name(unsigned step);

/*
 * Apply rules to in[0..len) (UTF-8) and append the result to out. Returns 0, or
 * ERR_INVALID (invalid UTF-8, a date that does not parse), ERR_TOOBIG (input over
 * NORM_MAX_INPUT, or out full) with e naming the rule that failed, never the value.
 * On error out is left as it was.
 */
int norm_apply(const struct norm_rules *rules, const char *in, size_t len, struct buf *out,
               struct err *e);

/*
 * Close the ICU transliterators and free the scratch space of the calling thread.
 * Threads that exit release theirs by themselves; call this from the main thread
 * before exit (and in tests) so that leak checkers see nothing. The next
 * norm_apply() in this thread opens them again.
 */
void norm_thread_release(void);

#endif
