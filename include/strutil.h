/*
 * strutil.h: small string helpers: strict number parsing, bounded copies,
 * case-insensitive comparison of byte ranges.
 *
 * Numbers are parsed as Redis's string2ll() and curl's curlx_str_number() do:
 * decimal digits only, overflow checked at every step, no trailing bytes, and a
 * caller-given maximum.
 */
#ifndef TIPHUB_STRUTIL_H
#define TIPHUB_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse s[0..len) as an unsigned decimal number not larger than max.
 * Returns 0, ERR_INVALID (empty, sign, non-digit) or ERR_TOOBIG (over max).
 */
int str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
/* Same for a signed number with an optional leading '-' within [min, max]. */
int str_to_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);
/* Parse a NUL-terminated decimal like "0.85" or "1e-3" into a double; strict. */
int str_to_double(const char *s, double *out);

/*
 * Copy src into dst[size], always NUL-terminated (libuv's uv__strscpy).
 * Returns the length copied, or ERR_TOOBIG if src was cut short.
 */
long str_copy(char *dst, const char *src, size_t size);

/* ASCII case-insensitive equality of a byte range and a NUL-terminated string. */
bool str_ieq(const char *s, size_t len, const char *lit);
bool str_has_prefix(const char *s, const char *prefix);

/* Trim ASCII spaces and tabs at both ends of s[0..*len); returns the new start. */
const char *str_trim(const char *s, size_t *len);

#endif
