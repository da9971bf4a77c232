/*
 * norm_rules.c: the JSON form of the normalisation rules (norm_rules_parse,
 * norm_rules_from_json, norm_rules_format), read with jansson.
 *
 *   {"steps": ["nfkc_casefold", "strip_accents", "translit", "phonetic", "fold_space"]}
 *   {"steps": ["nfkc_casefold", "date"], "date_format": "%Y%m%d"}
 *
 * The reader is strict, because both agencies must apply the very same rules: a
 * typo must stop the encoding, not silently skip a step. Every message names the
 * JSON path of the fault ("$.steps[2]: unknown step 'translit2'").
 */
#include "norm.h"

#include <string.h>

#include <jansson.h>

#include "norm_int.h"
#include "strutil.h"

#include "banned.h"

/* Steps in the order they run, which is the order the JSON must list them in. */
static const unsigned step_order[] = {NORM_NFKC_CASEFOLD, NORM_STRIP_ACCENTS, NORM_TRANSLIT,
                                      NORM_PHONETIC,      NORM_FOLD_SPACE,    NORM_DROP_SPACE,
                                      NORM_DATE};
#define NSTEPS (sizeof(step_order) / sizeof(step_order[0]))

void norm_rules_init(struct norm_rules *rules)
{
    memset(rules, 0, sizeof(*rules));
    str_copy(rules->date_format, "%Y-%m-%d", sizeof(rules->date_format));
}

/* Index of name in step_order, or -1. */
static int step_index(const char *name)
{
    size_t i;

    for (i = 0; i < NSTEPS; i++) {
        if (strcmp(name, norm_step_name(step_order[i])) == 0)
            return (int)i;
    }
    return -1;
}

static int parse_steps(const json_t *steps, const char *path, struct norm_rules *out, struct err *e)
{
    size_t i;
    int last = -1;

    if (!json_is_array(steps))
        return err_set(e, ERR_INVALID, "%s.steps: expected an array of step names", path);
    for (i = 0; i < json_array_size(steps); i++) {
        const json_t *item = json_array_get(steps, i);
        const char *name;
        int idx;

        if (!json_is_string(item))
            return err_set(e, ERR_INVALID, "%s.steps[%zu]: expected a step name (a string)", path,
                           i);
        name = json_string_value(item);
        if (strlen(name) != json_string_length(item))
            return err_set(e, ERR_INVALID, "%s.steps[%zu]: step name contains a NUL byte", path, i);
        idx = step_index(name);
        if (idx < 0)
            return err_set(e, ERR_INVALID,
                           "%s.steps[%zu]: unknown step '%.40s' (known: nfkc_casefold, "
                           "strip_accents, translit, phonetic, fold_space, drop_space, date)",
                           path, i, name);
        if (out->steps & step_order[idx])
            return err_set(e, ERR_INVALID, "%s.steps[%zu]: step '%s' is listed twice", path, i,
                           name);
        if (idx < last)
            return err_set(e, ERR_INVALID,
                           "%s.steps[%zu]: step '%s' must come before '%s' (steps run in a "
                           "fixed order)",
                           path, i, name, norm_step_name(step_order[last]));
        last = idx;
        out->steps |= step_order[idx];
    }
    if ((out->steps & NORM_FOLD_SPACE) && (out->steps & NORM_DROP_SPACE))
        return err_set(e, ERR_INVALID, "%s.steps: use fold_space or drop_space, not both", path);
    if ((out->steps & NORM_DATE) && (out->steps & ~(unsigned)(NORM_DATE | NORM_NFKC_CASEFOLD)))
        return err_set(e, ERR_INVALID,
                       "%s.steps: the date step goes alone (or after nfkc_casefold)", path);
    return 0;
}

int norm_rules_from_json(const struct json_t *value, const char *path, struct norm_rules *out,
                         struct err *e)
{
    const json_t *obj = (const json_t *)value;
    const json_t *steps = NULL, *date_format = NULL;
    const char *key;
    json_t *member;
    struct norm_rules r;
    int rc;

    err_init(e);
    if (path == NULL)
        path = "$";
    norm_rules_init(&r);
    if (!json_is_object(obj))
        return err_set(e, ERR_INVALID, "%s: expected an object with \"steps\"", path);
    json_object_foreach((json_t *)obj, key, member)
    {
        if (strcmp(key, "steps") == 0)
            steps = member;
        else if (strcmp(key, "date_format") == 0)
            date_format = member;
        else
            return err_set(e, ERR_INVALID,
                           "%s.%.40s: unknown key (known: \"steps\", \"date_format\")", path, key);
    }
    if (steps == NULL)
        return err_set(e, ERR_INVALID, "%s: missing \"steps\"", path);
    rc = parse_steps(steps, path, &r, e);
    if (rc < 0)
        return rc;
    if (date_format != NULL) {
        const char *fmt, *why = NULL;

        if (!(r.steps & NORM_DATE))
            return err_set(e, ERR_INVALID, "%s.date_format: only allowed with the date step", path);
        if (!json_is_string(date_format))
            return err_set(e, ERR_INVALID, "%s.date_format: expected a string", path);
        fmt = json_string_value(date_format);
        if (strlen(fmt) != json_string_length(date_format))
            return err_set(e, ERR_INVALID, "%s.date_format: contains a NUL byte", path);
        if (!norm__date_format_valid(fmt, &why))
            return err_set(e, ERR_INVALID, "%s.date_format: %s", path, why);
        if (str_copy(r.date_format, fmt, sizeof(r.date_format)) < 0)
            return err_set(e, ERR_INVALID, "%s.date_format: longer than %zu characters", path,
                           sizeof(r.date_format) - 1);
    }
    *out = r;
    return 0;
}

int norm_rules_parse(const char *json_text, size_t len, struct norm_rules *out, struct err *e)
{
    json_error_t jerr;
    json_t *root = NULL;
    int rc;

    err_init(e);
    root = json_loadb(json_text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return err_set(e, ERR_INVALID, "normalisation rules: invalid JSON at line %d column %d: %s",
                       jerr.line, jerr.column, jerr.text);
    rc = norm_rules_from_json(root, "$", out, e);
    json_decref(root);
    return rc;
}

int norm_rules_format(const struct norm_rules *rules, struct buf *out)
{
    size_t i, start = out->len;
    const char *sep = "";
    int rc;

    rc = buf_puts(out, "{\"steps\": [");
    for (i = 0; i < NSTEPS && rc == 0; i++) {
        if (rules->steps & step_order[i]) {
            rc = buf_printf(out, "%s\"%s\"", sep, norm_step_name(step_order[i]));
            sep = ", ";
        }
    }
    if (rc == 0)
        rc = buf_puts(out, "]");
    if (rc == 0 && (rules->steps & NORM_DATE)) {
        const char *p;

        rc = buf_puts(out, ", \"date_format\": \"");
        for (p = rules->date_format; *p != '\0' && rc == 0; p++) {
            if (*p == '"' || *p == '\\')
                rc = buf_putc(out, '\\');
            if (rc == 0)
                rc = buf_putc(out, *p);
        }
        if (rc == 0)
            rc = buf_puts(out, "\"");
    }
    if (rc == 0)
        rc = buf_puts(out, "}");
    if (rc < 0)
        buf_truncate(out, start);
    return rc;
}
