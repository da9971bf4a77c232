/*
 * norm_unicode.c: the Unicode steps of the normaliser (see norm_int.h): UTF-8
 * validation, NFKC with case folding, and accent stripping, with utf8proc.
 *
 * Both steps decompose into a per-thread buffer of code points, work on it, and
 * encode the result into the caller's struct buf. Scripts come from ICU's uscript,
 * because utf8proc has no script property.
 */
#include "norm_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uscript.h>
#include <utf8proc.h>

#include "xalloc.h"

#include "banned.h"

/* The calling thread's code point buffer, grown as needed, freed by release. */
static _Thread_local utf8proc_int32_t *cps;
static _Thread_local size_t cps_alloc;

void norm__unicode_release(void)
{
    free(cps);
    cps = NULL;
    cps_alloc = 0;
}

bool norm__utf8_valid(const char *in, size_t len)
{
    size_t i = 0;

    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n;

        if ((unsigned char)in[i] < 0x80) {
            i++;
            continue;
        }
        n = utf8proc_iterate((const utf8proc_uint8_t *)in + i, (utf8proc_ssize_t)(len - i), &c);
        if (n <= 0)
            return false;
        i += (size_t)n;
    }
    return true;
}

/*
 * Decompose in[0..len) with options into cps; returns the number of code points
 * or a negative ERR_*.
 */
static long decompose(const char *in, size_t len, utf8proc_option_t options)
{
    for (;;) {
        utf8proc_ssize_t n;

        n = utf8proc_decompose((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len, cps,
                               (utf8proc_ssize_t)cps_alloc, options);
        if (n < 0)
            return ERR_INVALID;
        if ((size_t)n <= cps_alloc)
            return (long)n;
        if ((size_t)n > NORM__SCRATCH_MAX)
            return ERR_TOOBIG;
        cps_alloc = (size_t)n + 64;
        REALLOC_ARRAY(cps, cps_alloc);
    }
}

/* Append the code points cps[0..n) to out as UTF-8. */
static int encode(const utf8proc_int32_t *cp, long n, struct buf *out)
{
    long i;
    int rc;

    rc = buf_grow(out, (size_t)n * 4);
    if (rc < 0)
        return rc;
    for (i = 0; i < n; i++) {
        utf8proc_uint8_t tmp[4];
        utf8proc_ssize_t k = utf8proc_encode_char(cp[i], tmp);

        rc = buf_append(out, tmp, (size_t)k);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int norm__nfkc_casefold(const char *in, size_t len, struct buf *out)
{
    const utf8proc_option_t opt =
        UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE;
    long n;

    n = decompose(in, len, opt);
    if (n < 0)
        return (int)n;
    n = (long)utf8proc_normalize_utf32(cps, (utf8proc_ssize_t)n, opt);
    if (n < 0)
        return ERR_INVALID;
    return encode(cps, n, out);
}

/* Latin letters with a stroke or bar have no decomposition; map them by hand. */
static utf8proc_int32_t unstroke(utf8proc_int32_t c)
{
    switch (c) {
    case 0x00D8: /* Ø */
        return 'O';
    case 0x00F8: /* ø */
        return 'o';
    case 0x0141: /* Ł */
        return 'L';
    case 0x0142: /* ł */
        return 'l';
    case 0x0110: /* Đ */
        return 'D';
    case 0x0111: /* đ */
        return 'd';
    case 0x0126: /* Ħ */
        return 'H';
    case 0x0127: /* ħ */
        return 'h';
    case 0x0131: /* ı */
        return 'i';
    case 0x0166: /* Ŧ */
        return 'T';
    case 0x0167: /* ŧ */
        return 't';
    default:
        return c;
    }
}

/* Should the mark m, following a letter of script base, be removed? */
static bool mark_is_accent(UScriptCode base, utf8proc_int32_t m)
{
    switch (base) {
    case USCRIPT_LATIN:
    case USCRIPT_GREEK:
    case USCRIPT_HEBREW:
    case USCRIPT_COMMON:
    case USCRIPT_INHERITED:
        return true;
    case USCRIPT_CYRILLIC:
        /* й ў (breve) and ё ї (diaeresis) are letters, not accented letters. */
        return m != 0x0306 && m != 0x0308;
    case USCRIPT_ARABIC:
        /* Vowel signs, shadda, sukun, dagger alif; the hamza and madda marks stay. */
        return (m >= 0x064B && m <= 0x0652) || (m >= 0x0656 && m <= 0x065F) || m == 0x0670;
    default:
        return false;
    }
}

int norm__strip_accents(const char *in, size_t len, struct buf *out)
{
    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
    UScriptCode base = USCRIPT_COMMON;
    long n, i, k = 0;

    n = decompose(in, len, opt);
    if (n < 0)
        return (int)n;
    for (i = 0; i < n; i++) {
        utf8proc_int32_t c = cps[i];
        utf8proc_category_t cat = utf8proc_category(c);

        if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME) {
            if (mark_is_accent(base, c))
                continue;
        } else {
            UErrorCode status = U_ZERO_ERROR;

            c = unstroke(c);
            base = uscript_getScript(c, &status);
            if (U_FAILURE(status))
                base = USCRIPT_COMMON;
        }
        cps[k++] = c;
    }
    n = (long)utf8proc_normalize_utf32(cps, (utf8proc_ssize_t)k,
                                       UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        return ERR_INVALID;
    return encode(cps, n, out);
}
