/*
 * link_clks.c: reading clkhash CLK files for `tiphub link --clks`.
 *
 * The format is what clkhash's `clkutil hash` (and `tiphub encode --csv`) write:
 * one JSON object whose "clks" member is an array of standard base64 strings (with
 * padding), one per record, in row order. Other members are ignored. Each CLK is
 * decoded into a struct dice_clks row, padded with zero bits to a multiple of 64.
 * Messages name the file and the index of the CLK, never its text. Fuzzed by
 * tests/fuzz/fuzz_link_clks.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "err.h"
#include "link.h"
#include "xalloc.h"

#include "banned.h"

int link_clks_parse(const char *data, size_t len, const char *name, size_t *clk_bytes,
                    struct dice_clks *out, struct err *e)
{
    json_t *root = NULL, *clks;
    json_error_t jerr;
    uint8_t *row = NULL;
    size_t n, i, want = *clk_bytes, nbits, bytes;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (sodium_init() < 0)
        return err_set(e, ERR_INVALID, "libsodium failed to start");
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return err_set(e, ERR_INVALID, "'%s' is not valid JSON (line %d, column %d)", name,
                       jerr.line, jerr.column);
    clks = json_object_get(root, "clks");
    if (!json_is_object(root) || !json_is_array(clks)) {
        rc =
            err_set(e, ERR_INVALID, "'%s' has no \"clks\" list (expected {\"clks\": [...]})", name);
        goto out;
    }
    n = json_array_size(clks);
    if (n > DICE_MAX_RECORDS - 1) {
        rc = err_set(e, ERR_TOOBIG, "'%s' holds too many CLKs", name);
        goto out;
    }
    /* the length: from the caller, else from the first CLK */
    if (want == 0 && n > 0) {
        const char *s = json_string_value(json_array_get(clks, 0));
        size_t slen = s != NULL ? json_string_length(json_array_get(clks, 0)) : 0;
        if (s == NULL || slen == 0 || slen % 4 != 0) {
            rc = err_set(e, ERR_INVALID, "'%s': clks[0] is not a base64 string", name);
            goto out;
        }
        want = slen / 4 * 3;
        if (s[slen - 1] == '=')
            want--;
        if (s[slen - 2] == '=')
            want--;
        if (want == 0 || want > DICE_MAX_BITS / 8) {
            rc = err_set(e, ERR_INVALID, "'%s': clks[0] has %zu bytes (1 to %d allowed)", name,
                         want, DICE_MAX_BITS / 8);
            goto out;
        }
    }
    if (want == 0)
        want = DICE_DEFAULT_BITS / 8;
    nbits = (want * 8 + 63) / 64 * 64;
    rc = dice_clks_init(out, nbits, n);
    if (rc < 0) {
        rc = err_set(e, rc, "'%s': cannot hold %zu CLKs of %zu bits", name, n, nbits);
        goto out;
    }
    row = xcalloc(nbits / 8 + 1, 1);
    for (i = 0; i < n; i++) {
        json_t *v = json_array_get(clks, i);
        const char *s = json_string_value(v);
        if (s == NULL) {
            rc = err_set(e, ERR_INVALID, "'%s': clks[%zu] is not a string", name, i);
            goto out;
        }
        memset(row, 0, nbits / 8);
        if (sodium_base642bin(row, want + 1, s, json_string_length(v), NULL, &bytes, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            bytes != want) {
            rc = err_set(e, ERR_INVALID,
                         "'%s': clks[%zu] is not standard base64 of %zu bytes like the others",
                         name, i, want);
            goto out;
        }
        dice_clks_set_bytes(out, i, row);
    }
    *clk_bytes = want;
out:
    if (rc < 0)
        dice_clks_release(out);
    free(row);
    json_decref(root);
    return rc;
}

int link_clks_load(const char *path, size_t *clk_bytes, struct dice_clks *out, struct err *e)
{
    FILE *f = NULL;
    char *data = NULL;
    size_t len = 0, alloc = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return err_set(e, err_from_errno(errno), "cannot open '%s': %s", path, strerror(errno));
    for (;;) {
        size_t got;
        if (len == alloc) {
            if (alloc >= LINK_CLKS_MAX_FILE) {
                rc = err_set(e, ERR_TOOBIG, "'%s' is over %zu bytes", path, LINK_CLKS_MAX_FILE);
                goto out;
            }
            alloc = alloc == 0 ? 1 << 16 : st_mult(alloc, 2);
            data = xrealloc(data, alloc);
        }
        got = fread(data + len, 1, alloc - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = err_set(e, ERR_IO, "cannot read '%s'", path);
        goto out;
    }
    rc = link_clks_parse(data, len, path, clk_bytes, out, e);
out:
    if (f != stdin)
        fclose(f);
    free(data);
    return rc;
}
