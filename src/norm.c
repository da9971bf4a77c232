/*
 * norm.c: the normalisation pipeline (norm_apply), space and punctuation
 * folding, and the per-thread scratch space (see norm.h).
 *
 * norm_apply() runs the steps in the order of the NORM_* flags, each reading the
 * previous result and writing into one of two per-thread scratch buffers, and
 * appends the last result to the caller's buffer only when every step succeeded.
 * ASCII input takes a fast path: NFKC and case folding are then a lower-casing,
 * and accent stripping and transliteration have nothing to do, so neither
 * utf8proc nor ICU is called.
 *
 * The scratch buffers and the ICU transliterators of a thread are released by a
 * pthread key destructor when the thread exits, or by norm_thread_release().
 */
#include "norm.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <utf8proc.h>

#include "norm_int.h"

#include "banned.h"

/* ==== Per-thread scratch ==== */

static _Thread_local struct buf scratch[2];
static _Thread_local bool scratch_ready;

static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *unused)
{
    (void)unused;
    norm_thread_release();
}

static void make_key(void)
{
    if (pthread_key_create(&thread_key, thread_exit) != 0)
        thread_key = 0; /* no destructor: threads must call norm_thread_release() */
}

static void scratch_init(void)
{
    if (scratch_ready)
        return;
    buf_init(&scratch[0], NORM__SCRATCH_MAX);
    buf_init(&scratch[1], NORM__SCRATCH_MAX);
    scratch_ready = true;
    /* Any non-NULL value makes the destructor run when the thread exits. */
    pthread_once(&thread_key_once, make_key);
    pthread_setspecific(thread_key, &scratch_ready);
}

void norm_thread_release(void)
{
    if (scratch_ready) {
        buf_release(&scratch[0]);
        buf_release(&scratch[1]);
        scratch_ready = false;
    }
    norm__translit_release();
    norm__unicode_release();
}

/* ==== Spaces and punctuation ==== */

/* Apostrophes join the parts of a name (O'Neil, Mu'ammar): removed, not spaced. */
static bool is_apostrophe(utf8proc_int32_t c)
{
    return c == '\'' || c == '`' || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == 0x02B9 ||
           c == 0x02BF || c == 0x02BE || c == 0x00B4;
}

/* Letters, marks and digits are kept; everything else separates words. */
static bool is_word_char(utf8proc_int32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

int norm__fold_space(const char *in, size_t len, bool drop, struct buf *out)
{
    size_t i = 0;
    bool pending_space = false, any = false;
    int rc;

    /* The result is never longer than the input: grow once, then write directly. */
    rc = buf_grow(out, len);
    if (rc < 0)
        return rc;
    while (i < len) {
        utf8proc_int32_t c = (unsigned char)in[i];
        utf8proc_ssize_t n = 1;

        if (c >= 0x80) {
            n = utf8proc_iterate((const utf8proc_uint8_t *)in + i, (utf8proc_ssize_t)(len - i), &c);
            if (n <= 0)
                return ERR_INVALID;
        }
        if (is_apostrophe(c)) {
            i += (size_t)n;
            continue;
        }
        if (!is_word_char(c)) {
            pending_space = any;
            i += (size_t)n;
            continue;
        }
        if (pending_space && !drop)
            out->data[out->len++] = ' ';
        pending_space = false;
        any = true;
        memcpy(out->data + out->len, in + i, (size_t)n);
        out->len += (size_t)n;
        i += (size_t)n;
    }
    out->data[out->len] = '\0';
    return 0;
}

/* ==== The pipeline ==== */

static bool is_ascii(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return false;
    }
    return true;
}

static int ascii_lower(const char *in, size_t len, struct buf *out)
{
    size_t i;
    int rc = buf_grow(out, len);

    if (rc < 0)
        return rc;
    for (i = 0; i < len; i++) {
        char c = in[i];
        out->data[out->len + i] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
    }
    out->len += len;
    out->data[out->len] = '\0';
    return 0;
}

const char *norm_step_name(unsigned step)
{
    switch (step) {
    case NORM_NFKC_CASEFOLD:
        return "nfkc_casefold";
    case NORM_STRIP_ACCENTS:
        return "strip_accents";
    case NORM_TRANSLIT:
        return "translit";
    case NORM_PHONETIC:
        return "phonetic";
    case NORM_FOLD_SPACE:
        return "fold_space";
    case NORM_DROP_SPACE:
        return "drop_space";
    case NORM_DATE:
        return "date";
    default:
        return NULL;
    }
}

/* A step failed: fill e (if the step did not) and return rc. */
static int step_failed(struct err *e, int rc, unsigned step)
{
    if (e != NULL && e->code != 0) {
        err_prefix(e, "normalisation step '%s'", norm_step_name(step));
        return rc;
    }
    if (rc == ERR_TOOBIG)
        return err_set(e, rc, "normalisation step '%s': value too long", norm_step_name(step));
    return err_set(e, rc, "normalisation step '%s' failed on the value", norm_step_name(step));
}

int norm_apply(const struct norm_rules *rules, const char *in, size_t len, struct buf *out,
               struct err *e)
{
    static const unsigned order[] = {NORM_NFKC_CASEFOLD, NORM_STRIP_ACCENTS, NORM_TRANSLIT,
                                     NORM_PHONETIC,      NORM_FOLD_SPACE,    NORM_DROP_SPACE,
                                     NORM_DATE};
    const char *cur = in;
    size_t cur_len = len, k;
    int which = 0, rc = 0;
    bool ascii;
    unsigned steps = rules->steps;

    err_init(e);
    if (len > NORM_MAX_INPUT)
        return err_set(e, ERR_TOOBIG, "value longer than %d bytes", NORM_MAX_INPUT);
    ascii = is_ascii(in, len);
    if (!ascii && !norm__utf8_valid(in, len))
        return err_set(e, ERR_INVALID, "value is not valid UTF-8");
    if (steps == 0)
        return buf_append(out, in, len) < 0 ? err_set(e, ERR_TOOBIG, "output full") : 0;
    /* fold_space and drop_space together: dropping wins. */
    if (steps & NORM_DROP_SPACE)
        steps &= ~(unsigned)NORM_FOLD_SPACE;
    scratch_init();

    for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        unsigned step = order[k];
        struct buf *dst = &scratch[which];

        if (!(steps & step))
            continue;
        if (ascii && (step == NORM_STRIP_ACCENTS || step == NORM_TRANSLIT))
            continue;
        buf_reset(dst);
        switch (step) {
        case NORM_NFKC_CASEFOLD:
            rc = ascii ? ascii_lower(cur, cur_len, dst) : norm__nfkc_casefold(cur, cur_len, dst);
            break;
        case NORM_STRIP_ACCENTS:
            rc = norm__strip_accents(cur, cur_len, dst);
            break;
        case NORM_TRANSLIT:
            rc = norm__translit(cur, cur_len, dst, e);
            break;
        case NORM_PHONETIC:
            rc = norm__phonetic(cur, cur_len, dst);
            break;
        case NORM_FOLD_SPACE:
        case NORM_DROP_SPACE:
            rc = norm__fold_space(cur, cur_len, step == NORM_DROP_SPACE, dst);
            break;
        case NORM_DATE:
            rc = norm__date(cur, cur_len, rules->date_format, dst, e);
            break;
        default:
            break;
        }
        if (rc < 0)
            return step_failed(e, rc, step);
        cur = dst->data;
        cur_len = dst->len;
        which ^= 1;
        /* A step may have made ASCII text of non-ASCII (transliteration does). */
        if (!ascii && (step == NORM_TRANSLIT || step == NORM_STRIP_ACCENTS))
            ascii = is_ascii(cur, cur_len);
    }
    if (buf_append(out, cur, cur_len) < 0)
        return err_set(e, ERR_TOOBIG, "normalised value does not fit the output");
    return 0;
}
