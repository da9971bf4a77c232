/*
 * norm_date.c: NORM_DATE, a date written the way the schema asks ("%Y%m%d").
 *
 * Parsing belongs to date.h (date_parse: 2024-03-05, 5 March 2024, 05.03.2024
 * when unambiguous, ...); this file checks the output format and writes it, so
 * that "5 Mar 1990" and "1990-03-05" encode alike.
 */
#include "norm_int.h"

#include <string.h>

#include "date.h"

#include "banned.h"

bool norm__date_format_valid(const char *fmt, const char **why)
{
    size_t i;
    bool any = false;

    for (i = 0; fmt[i] != '\0'; i++) {
        unsigned char c = (unsigned char)fmt[i];

        if (c == '%') {
            char d = fmt[i + 1];
            if (d != 'Y' && d != 'm' && d != 'd' && d != '%') {
                *why = "only %Y, %m, %d and %% are allowed";
                return false;
            }
            if (d != '%')
                any = true;
            i++;
            continue;
        }
        if (c < 0x20 || c > 0x7E) {
            *why = "only printable ASCII is allowed";
            return false;
        }
    }
    if (!any) {
        *why = "no %Y, %m or %d in it";
        return false;
    }
    return true;
}

int norm__date_write(int year, int month, int day, const char *fmt, struct buf *out)
{
    size_t i;
    int rc = 0;

    for (i = 0; fmt[i] != '\0' && rc == 0; i++) {
        if (fmt[i] != '%') {
            rc = buf_putc(out, fmt[i]);
            continue;
        }
        i++;
        switch (fmt[i]) {
        case 'Y':
            rc = buf_printf(out, "%04d", year);
            break;
        case 'm':
            rc = buf_printf(out, "%02d", month);
            break;
        case 'd':
            rc = buf_printf(out, "%02d", day);
            break;
        default:
            rc = buf_putc(out, '%');
            break;
        }
    }
    return rc;
}

int norm__date(const char *in, size_t len, const char *fmt, struct buf *out, struct err *e)
{
    struct date d;
    const char *why = NULL;
    int rc;

    rc = date_parse(in, len, &d, &why);
    if (rc < 0)
        return err_set(e, ERR_INVALID, "the value is not a date: %s",
                       why != NULL ? why : "unknown form");
    rc = norm__date_write(d.year, d.month, d.day, fmt, out);
    if (rc < 0)
        return err_set(e, rc, "the date does not fit the output");
    return 0;
}
