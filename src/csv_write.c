/*
 * csv_write.c: the CSV writer half of csv.h (quoting fields, writing rows).
 * The reader is in csv.c.
 */
#include <string.h>

#include "csv.h"

#include "banned.h"

static bool needs_quotes(const char *s, size_t len)
{
    size_t i;

    if (len == 0)
        return false;
    if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t')
        return true;
    for (i = 0; i < len; i++) {
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return true;
    }
    return false;
}

int csv_append_field(struct buf *b, const char *s, size_t len)
{
    size_t i;
    int rc;

    if (!needs_quotes(s, len))
        return buf_append(b, s, len);
    rc = buf_putc(b, '"');
    for (i = 0; rc == 0 && i < len; i++) {
        if (s[i] == '"')
            rc = buf_putc(b, '"');
        if (rc == 0)
            rc = buf_putc(b, s[i]);
    }
    if (rc == 0)
        rc = buf_putc(b, '"');
    return rc;
}

int csv_append_row(struct buf *b, const char *const *fields, size_t n)
{
    size_t i;
    int rc = 0;

    for (i = 0; rc == 0 && i < n; i++) {
        if (i > 0)
            rc = buf_putc(b, ',');
        if (rc == 0 && fields[i] != NULL)
            rc = csv_append_field(b, fields[i], strlen(fields[i]));
    }
    if (rc == 0)
        rc = buf_putc(b, '\n');
    return rc;
}
