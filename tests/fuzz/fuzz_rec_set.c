/*
 * fuzz_rec_set.c: fuzz target for the record validator (rec_set(), rec.h). The
 * first byte picks the field, the rest is the value. Checks that a value is
 * either accepted with a canonical form that rec_set() gives back unchanged, or
 * rejected with issues whose reasons do not contain the value. Suggestions
 * ("; did you mean 'ForcedLabour'?", "(expected one of: ...)") are code-list values
 * and may contain the input ("orce" is in "Force..."), so they are cut off first;
 * and only values of twelve or more bytes are checked, so that a short value that
 * happens to be a word of a rule ("not a") is not a false alarm.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rec r;
    struct rec_issues is;
    const char *value = (const char *)data + 1;
    size_t len = size - 1;
    int field, rc;

    if (size < 1)
        return 0;
    field = data[0] % REC_NFIELDS;
    rec_init(&r);
    rec_issues_init(&is);
    rc = rec_set(&r, field, value, len, 1, &is);
    if (rc == 0) {
        char *canon = r.val[field] != NULL ? strdup(r.val[field]) : NULL;
        if (is.n != 0)
            abort();
        if (canon != NULL) {
            if (rec_set(&r, field, canon, strlen(canon), 1, &is) != 0 ||
                strcmp(r.val[field], canon) != 0)
                abort();
        }
        free(canon);
    } else {
        if (rc != ERR_INVALID || is.n == 0 || r.val[field] != NULL)
            abort();
        if (len >= 12 && memchr(value, '\0', len) == NULL) {
            char *copy = strndup(value, len);
            size_t i;
            for (i = 0; i < is.n; i++) {
                char *reason = is.items[i].reason, *cut = NULL;
                cut = strstr(reason, "; did you mean");
                if (cut != NULL)
                    *cut = '\0';
                cut = strstr(reason, " (expected one of");
                if (cut != NULL)
                    *cut = '\0';
                if (strstr(reason, copy) != NULL)
                    abort();
            }
            free(copy);
        }
    }
    rec_issues_release(&is);
    rec_release(&r);
    return 0;
}
