/*
 * embedded.h: data files compiled into the binary.
 *
 * The build runs tools/embed.c over the files under data/ (code lists, column maps,
 * the default linkage schema, synthetic-name tables) and links the result, so the
 * tiphub binary needs no data directory at run time. Names are paths relative to
 * data/, e.g. "codes/iso3166_m49_all.csv".
 */
#ifndef TIPHUB_EMBEDDED_H
#define TIPHUB_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name;          /* path under data/ */
    const unsigned char *data; /* contents, followed by a NUL not counted in len */
    size_t len;                /* length in bytes */
};

/* The file called name, or NULL if no such file was embedded. */
const struct embedded_file *embedded_find(const char *name);

/* All embedded files, ending with an entry whose name is NULL. */
extern const struct embedded_file embedded_files[];

#endif
