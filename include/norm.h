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
 */
#ifndef TIPHUB_NORM_H
#define TIPHUB_NORM_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

enum {
    NORM_NFKC_CASEFOLD = 1u << 0, /* Unicode NFKC and full case folding */
    NORM_STRIP_ACCENTS = 1u << 1, /* remove combining marks after decomposition */
    NORM_TRANSLIT = 1u << 2,      /* any script to Latin (ICU "Any-Latin; Latin-ASCII") */
    NORM_PHONETIC = 1u << 3,      /* fold romanisation variants (after NORM_TRANSLIT) */
    NORM_FOLD_SPACE = 1u << 4,    /* punctuation to space, runs of space to one, trimmed */
    NORM_DROP_SPACE = 1u << 5,    /* remove all spaces and punctuation */
    NORM_DATE = 1u << 6,          /* parse a date (date.h) and write it as date_format */
};

struct norm_rules {
    unsigned steps;        /* NORM_* flags, applied in the order listed above */
    char date_format[32];  /* strftime-like output for NORM_DATE, e.g. "%Y%m%d" */
};

/* Parse the rules from the extension key's JSON text. */
int norm_rules_parse(const char *json_text, size_t len, struct norm_rules *out, struct err *e);

/*
 * Apply rules to in[0..len) (UTF-8) and append the result to out. Returns 0, or
 * ERR_INVALID (invalid UTF-8, a date that does not parse) with e naming the rule
 * that failed, never the value.
 */
int norm_apply(const struct norm_rules *rules, const char *in, size_t len, struct buf *out,
               struct err *e);

#endif
