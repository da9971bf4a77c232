/*
 * rec_int.h: private to the rec module (src/rec*.c): the per-field code lists and
 * number ranges that rec_set() uses, and small helpers shared by the checks and the
 * derived attributes.
 */
#ifndef TIPHUB_REC_INT_H
#define TIPHUB_REC_INT_H

#include <stdbool.h>

#include "codes.h"
#include "date.h"
#include "rec.h"

/* Look up the code lists and initialise libsodium, once (thread-safe). */
void rec__init(void);

/* The code list of a PICK or MULTIPICK field (NULL for other fields). Thread-safe; the
 * lists are looked up once. */
const struct codes_list *rec__list(int field);

/* The date held by a DATE field of r; false when the field is missing. */
bool rec__date(const struct rec *r, int field, struct date *out);
/* The number held by a NUMBER field of r; false when the field is missing. */
bool rec__number(const struct rec *r, int field, int *out);

/* Smallest and largest value of a NUMBER field. */
void rec__number_range(int field, int *min, int *max);

/* n bytes from the record's own memory (freed by rec_clear / rec_release). */
char *rec__alloc(struct rec *r, size_t n);
/* A NUL-terminated copy of s[0..n) in the record's own memory. */
char *rec__strndup(struct rec *r, const char *s, size_t n);

#endif
