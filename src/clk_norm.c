/*
 * clk_norm.c: the bridge between a feature's normalisation extension key
 * ("x-tiphub-norm", see clk.h) and the norm module (norm.h).
 *
 * clkhash ignores the key; tiphub applies the rules to a value before clkhash's
 * own steps. The missing-value sentinel is compared with the raw value first, so a
 * sentinel such as "N/A" stays a sentinel whatever the rules do to case.
 */
#include "clk_int.h"

#include <jansson.h>

#include "banned.h"

int clk__norm_parse(struct clk__feature *f, const void *value, const char *path, struct err *e)
{
    return norm_rules_from_json((const json_t *)value, path, &f->norm, e);
}

int clk__norm_apply(const struct clk__feature *f, const char *v, size_t len,
                    struct clk__scratch *sc, struct err *e)
{
    int rc;

    buf_reset(&sc->norm);
    rc = norm_apply(&f->norm, v, len, &sc->norm, e);
    if (rc < 0)
        err_prefix(e, "column '%s'", f->identifier);
    return rc;
}
