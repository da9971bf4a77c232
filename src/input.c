/*
 * input.c: the block-buffered input of input.h, shared by the CSV and JSON Lines
 * readers (csv.c, jsonl.c): reading blocks, moving the record at head to the front,
 * skipping a byte-order mark, and framing a record without holding more than
 * max_record of its bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "xalloc.h"

#include "banned.h"

static void input_init(struct input *in, size_t max_record)
{
    memset(in, 0, sizeof(*in));
    in->base = "";
    in->read_size = INPUT_READ_SIZE;
    in->max_record = max_record;
}

void input_init_file(struct input *in, FILE *f, size_t max_record)
{
    input_init(in, max_record);
    in->f = f;
}

void input_init_mem(struct input *in, const void *data, size_t len, size_t max_record)
{
    input_init(in, max_record);
    if (len > 0)
        in->base = data;
    in->tail = len;
    in->eof = true;
}

void input_release(struct input *in)
{
    free(in->buf);
    in->buf = NULL;
    in->cap = 0;
}

void input_set_read_size(struct input *in, size_t n)
{
    if (n > 0 && in->buf == NULL)
        in->read_size = n;
}

/*
 * Read more bytes after base[tail], first moving the record at head to the front of
 * the buffer (and letting go of what framing has scanned past max_record, when the
 * record is that long). Sets eof when the input is done; reading memory only sets
 * eof. Returns 0, or ERR_IO (and every later input_ready() fails).
 */
static int refill(struct input *in, struct err *e)
{
    size_t want;
    size_t n;

    if (in->f == NULL) {
        in->eof = true;
        return 0;
    }
    if (in->holding_prefix) {
        /* Framing has scanned all of base[head..tail), and more than max_record + 1 of it. */
        size_t keep = in->head + in->max_record;
        size_t last = in->head + in->scan - 1;
        if (last > keep) {
            in->buf[keep] = in->buf[last]; /* so a CR before the LF is still seen */
            in->dropped += last - keep;
            in->scan -= last - keep;
            in->tail = keep + 1;
        }
    }
    if (in->head > 0) {
        memmove(in->buf, in->buf + in->head, in->tail - in->head);
        in->tail -= in->head;
        in->head = 0;
    }
    if (in->cap - in->tail < in->read_size) {
        size_t cap = in->cap * 2;
        if (cap < in->tail + in->read_size)
            cap = st_add(in->tail, in->read_size);
        in->buf = xrealloc(in->buf, cap);
        in->cap = cap;
        in->base = in->buf;
    }
    want = in->cap - in->tail;
    if (want > in->read_size)
        want = in->read_size;
    n = fread(in->buf + in->tail, 1, want, in->f);
    in->tail += n;
    if (n < want) {
        if (ferror(in->f)) {
            in->io_errno = errno != 0 ? errno : EIO;
            return err_set(e, ERR_IO, "cannot read input: %s", strerror(in->io_errno));
        }
        in->eof = true;
    }
    return 0;
}

int input__start(struct input *in, struct err *e)
{
    int rc;

    if (in->io_errno != 0)
        return err_set(e, ERR_IO, "cannot read input: %s", strerror(in->io_errno));
    if (in->started)
        return 0;
    /* Skip a UTF-8 byte-order mark at the very start of the input. */
    in->started = true;
    while (in->tail - in->head < 3 && !in->eof) {
        rc = refill(in, e);
        if (rc < 0)
            return rc;
    }
    if (in->tail - in->head >= 3 && memcmp(in->base + in->head, "\xEF\xBB\xBF", 3) == 0) {
        in->head += 3;
        in->offset += 3;
        in->bom = true;
    }
    return 0;
}

int input_frame(struct input *in, input_scan_fn *scan, void *ctx, size_t *end, bool *at_lf,
                struct err *e)
{
    const size_t max = in->max_record;
    int rc;

    in->scan = 0;
    in->holding_prefix = false;
    in->dropped = 0;
    for (;;) {
        size_t avail = in->tail - in->head;
        size_t lim;

        if (avail == 0 && in->eof)
            return 0;
        /* Stop once at max_record (the reader may note where the record passed it), then
         * at max_record + 2, where the bytes after the first max_record are let go. */
        if (in->holding_prefix)
            lim = avail;
        else
            lim = in->scan < max ? max : max + 2;
        if (lim > avail)
            lim = avail;
        if (scan(in, lim, end, ctx)) {
            *at_lf = true;
            return 1;
        }
        if (!in->holding_prefix && in->scan >= max + 2) {
            in->holding_prefix = true;
            continue;
        }
        if (in->scan < avail)
            continue;
        if (in->eof) {
            *end = avail;
            *at_lf = false;
            return 1;
        }
        rc = refill(in, e);
        if (rc < 0)
            return rc;
    }
}
