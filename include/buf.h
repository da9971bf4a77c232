/*
 * buf.h: a growable byte buffer with a maximum size.
 *
 * The promises are git's strbuf's: `data` is never NULL and the bytes always end in
 * a NUL, while `len` holds the real length (which may include NUL bytes from input).
 * Like curl's dynbuf, every buffer has a maximum (`max`): an append that would grow
 * past it fails with ERR_TOOBIG and leaves the buffer as it was.
 *
 *     struct buf b;
 *     buf_init(&b, 1 << 20);
 *     if (buf_printf(&b, "%d rows", n) < 0) ...
 *     use(b.data, b.len);
 *     buf_release(&b);
 */
#ifndef TIPHUB_BUF_H
#define TIPHUB_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data; /* never NULL; data[len] == '\0' */
    size_t len; /* bytes in use, not counting the final NUL */
    size_t cap; /* bytes allocated (0 while data points at a shared empty string) */
    size_t max; /* most bytes (not counting the NUL) this buffer may hold */
};

/* A sensible limit for buffers that hold one line or one message. */
#define BUF_MAX_LINE ((size_t)1 << 20)

void buf_init(struct buf *b, size_t max);
/* Free what b holds and leave it as after buf_init() with the same max. */
void buf_release(struct buf *b);
/* Forget the contents (len = 0) but keep the memory. */
void buf_reset(struct buf *b);

/* Make room for at least extra more bytes. Returns 0 or ERR_TOOBIG. */
int buf_grow(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Shorten to len bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);

/*
 * Hand the memory to the caller, who frees it; *len (if not NULL) gets the length.
 * The buffer is left empty and reusable.
 */
char *buf_detach(struct buf *b, size_t *len);

#endif
