/*
 * clk_norm.c: the bridge between a feature's normalisation extension key
 * ("x-tiphub-norm", see clk.h) and the norm module (norm.h).
 *
 * clkhash ignores the key; tiphub applies the rules to a value before clkhash's
 * own steps (missing-value check aside: the sentinel is compared with the raw
 * value, so "N/A" stays a sentinel whatever the rules do to case).
 *
 * The norm module is being written concurrently. Until src/norm.c is on main,
 * this file is a stub that refuses schemas carrying the key, so that no CLK is
 * ever made with rules silently skipped. When norm lands, the two functions
 * below call norm_rules_parse() and norm_apply().
 */
#include "clk_int.h"

#include "banned.h"

int clk__norm_parse(struct clk__feature *f, const void *value, const char *path, struct err *e)
{
    (void)f;
    (void)value;
    return err_set(e, ERR_UNSUPPORTED,
                   "%s: normalisation rules need the norm module, which this build lacks", path);
}

int clk__norm_apply(const struct clk__feature *f, const char *v, size_t len,
                    struct clk__scratch *sc, struct err *e)
{
    (void)v;
    (void)len;
    (void)sc;
    return err_set(e, ERR_UNSUPPORTED, "column '%s': normalisation is not available",
                   f->identifier);
}
