/*
 * date.h: calendar dates: parsing the forms people write, the canonical
 * YYYY-MM-DD form, and ages.
 *
 * Accepted input (all checked against the calendar, years 1880 to 2200):
 *   2024-03-05, 20240305, 2024/03/05, 2024-03-05T10:00:00Z (the time is dropped),
 *   5 March 2024, March 5 2024, 5 Mar 2024, 05-Mar-2024,
 *   05/03/2024 and 05.03.2024 only where unambiguous: when the day is over 12, or the
 *   day equals the month. 05/03/2024 (5 March or 3 May?) is rejected as ambiguous.
 * Used by the record validator (rec.c) and the linkage normaliser (norm.c).
 */
#ifndef TIPHUB_DATE_H
#define TIPHUB_DATE_H

#include <stdbool.h>
#include <stddef.h>

struct date {
    int year;  /* 1880..2200 */
    int month; /* 1..12 */
    int day;   /* 1..31, valid for the month */
};

/*
 * Parse s[0..len). Returns 0, or ERR_INVALID with *why set to a fixed reason such
 * as "ambiguous day and month" or "not a calendar date" (never quoting s).
 */
int date_parse(const char *s, size_t len, struct date *out, const char **why);
/* Write d as "YYYY-MM-DD" into out[11]. */
void date_format(const struct date *d, char out[11]);
bool date_valid(int year, int month, int day);
/* -1, 0 or 1 as a is before, equal to or after b. */
int date_cmp(const struct date *a, const struct date *b);
/* Whole years from birth to at (negative if at is before birth). */
int date_age_years(const struct date *birth, const struct date *at);
/* Today's date (UTC), or $TIPHUB_TODAY (YYYY-MM-DD) when set, for reproducible tests. */
void date_today(struct date *out);

#endif
