/*
 * ingest_pipe.c: the rows of a CSV import in two threads.
 *
 * Reading and checking a row (CSV parsing, rec_set for every field, rec_check) and
 * storing it (SQLite) take comparable time, so they overlap: a reader thread fills
 * batches of checked rows while the calling thread, the only one that touches the
 * store, stores or quarantines them in file order. On two cores a large import
 * takes about as long as its slower half instead of the sum of both.
 *
 * NOTES ON THE DESIGN
 *
 * - A ring of PIPE_NBATCH batches of PIPE_BATCH slots. The reader fills the batch at
 *   `tail` and publishes it; the store side drains the batch at `head` and gives it
 *   back. `full` counts published batches. One mutex, two condition variables.
 * - A slot owns a record (with its arena), its issues and a copy of the raw bytes.
 *   The reader builds each row in its own struct ingest_row and swaps the record and
 *   issues into the slot (no copy of values); the slot's previous record, already
 *   stored, becomes the reader's scratch for the next row.
 * - Everything the reader touches is its own (the CSV reader, its row) or read-only
 *   (the plan, the options). The store, the counts, the quarantine and the report
 *   callbacks belong to the calling thread alone.
 * - Stopping: when storing fails, the caller sets `stop` and the reader finishes its
 *   current batch and exits; when reading fails (ERR_IO), the reader records the
 *   error and ends as if at end of input, and the caller reports it after the rows
 *   before it. The caller always joins the reader before returning.
 * - Order and counts are exactly those of the one-thread loop: rows are taken in
 *   file order, every record read is either stored or quarantined.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"
#include "xalloc.h"

#include "banned.h"

#define PIPE_BATCH  256
#define PIPE_NBATCH 4

struct pipe_slot {
    struct rec rec;
    struct rec_issues issues;
    struct buf raw;
    uint64_t line;
    uint64_t total;
    bool truncated;
    bool malformed; /* the parser could not read it: why and bad_field say why */
    size_t bad_field;
    char why[ERR_MSG_MAX];
};

struct pipe_batch {
    struct pipe_slot slots[PIPE_BATCH];
    size_t n;
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t can_fill;  /* a batch is free */
    pthread_cond_t can_drain; /* a batch is full, or the reader is done */
    struct pipe_batch *batches;
    size_t head, tail, full;
    bool done;           /* the reader has published its last batch */
    bool stop;           /* the store side failed: the reader should stop */
    int read_rc;         /* 0, or ERR_IO from the reader */
    struct err read_err; /* its message */
    /* The reader's own state. */
    struct csv_reader *r;
    const struct ingest_plan *plan;
    const char *agency;
    const char *today;
    atomic_uint_fast64_t bytes; /* consumed from the input, for the progress bar */
};

static void slot_init(struct pipe_slot *s)
{
    rec_init(&s->rec);
    rec_issues_init(&s->issues);
    buf_init(&s->raw, (size_t)1 << 31);
}

static void slot_release(struct pipe_slot *s)
{
    rec_release(&s->rec);
    rec_issues_release(&s->issues);
    buf_release(&s->raw);
}

/* Fill slot s from the next record; false at the end of the input (or on ERR_IO). */
static bool read_one(struct pipe *p, struct ingest_row *row, struct pipe_slot *s)
{
    struct csv_record cr;
    struct err rowerr;
    struct rec tmp_rec;
    struct rec_issues tmp_is;
    int rc;

    err_init(&rowerr);
    rc = csv_next(p->r, &cr, &rowerr);
    if (rc == 0)
        return false;
    if (rc == ERR_IO) {
        p->read_rc = ERR_IO;
        p->read_err = rowerr;
        return false;
    }
    buf_reset(&s->raw);
    buf_append(&s->raw, cr.raw, cr.raw_len);
    s->line = cr.line;
    s->total = cr.raw_total;
    s->truncated = cr.raw_truncated;
    s->malformed = rc < 0;
    if (s->malformed) {
        s->bad_field = cr.bad_field;
        memcpy(s->why, rowerr.msg, sizeof(s->why));
        return true;
    }
    ingest__row_from_csv(row, p->plan, &cr, p->agency);
    rec_check(&row->rec, p->today, &row->issues);
    /* Hand the record and its issues to the slot; take the slot's old ones back. */
    tmp_rec = s->rec;
    s->rec = row->rec;
    row->rec = tmp_rec;
    tmp_is = s->issues;
    s->issues = row->issues;
    row->issues = tmp_is;
    return true;
}

static void *reader_main(void *arg)
{
    struct pipe *p = arg;
    struct ingest_row row;
    bool more = true;

    ingest__row_init(&row);
    while (more) {
        struct pipe_batch *b;

        pthread_mutex_lock(&p->mu);
        while (p->full == PIPE_NBATCH && !p->stop)
            pthread_cond_wait(&p->can_fill, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        b = &p->batches[p->tail];
        pthread_mutex_unlock(&p->mu);

        for (b->n = 0; b->n < PIPE_BATCH; b->n++) {
            more = read_one(p, &row, &b->slots[b->n]);
            if (!more)
                break;
        }
        atomic_store(&p->bytes, csv_bytes_read(p->r));

        pthread_mutex_lock(&p->mu);
        p->tail = (p->tail + 1) % PIPE_NBATCH;
        p->full++;
        pthread_cond_signal(&p->can_drain);
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_lock(&p->mu);
    p->done = true;
    pthread_cond_signal(&p->can_drain);
    pthread_mutex_unlock(&p->mu);
    ingest__row_release(&row);
    return NULL;
}

/* Store or quarantine every slot of b, in order. */
static int drain(struct ingest_importer *im, const struct ingest_plan *plan, struct pipe_batch *b,
                 struct err *e)
{
    size_t i;
    int rc = 0;

    for (i = 0; rc == 0 && i < b->n; i++) {
        struct pipe_slot *s = &b->slots[i];
        if (s->malformed)
            rc =
                ingest__take_malformed(im, s->line, s->bad_field, s->raw.data, s->raw.len,
                                       s->truncated, s->total, s->why, plan->names, plan->ncols, e);
        else
            rc = ingest__take_checked(im, &s->rec, &s->issues, s->line, s->raw.data, s->raw.len,
                                      s->truncated, s->total, plan->names, plan->ncols, e);
    }
    return rc;
}

int ingest__pipe_csv(struct ingest_importer *im, struct csv_reader *r,
                     const struct ingest_plan *plan, uint64_t *nrows, struct err *e)
{
    struct pipe p;
    pthread_t reader;
    size_t i, j;
    int rc = 0;

    memset(&p, 0, sizeof(p));
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.can_fill, NULL);
    pthread_cond_init(&p.can_drain, NULL);
    CALLOC_ARRAY(p.batches, PIPE_NBATCH);
    for (i = 0; i < PIPE_NBATCH; i++)
        for (j = 0; j < PIPE_BATCH; j++)
            slot_init(&p.batches[i].slots[j]);
    p.r = r;
    p.plan = plan;
    p.agency = im->opt->agency;
    p.today = im->today;
    *nrows = 0;
    if (pthread_create(&reader, NULL, reader_main, &p) != 0) {
        rc = err_set(e, ERR_NOMEM, "cannot start the reader thread");
        goto out;
    }
    for (;;) {
        struct pipe_batch *b;

        pthread_mutex_lock(&p.mu);
        while (p.full == 0 && !p.done)
            pthread_cond_wait(&p.can_drain, &p.mu);
        if (p.full == 0) {
            pthread_mutex_unlock(&p.mu);
            break;
        }
        b = &p.batches[p.head];
        pthread_mutex_unlock(&p.mu);

        if (rc == 0) {
            rc = drain(im, plan, b, e);
            *nrows += b->n;
            progress_update(&im->progress, atomic_load(&p.bytes));
        }

        pthread_mutex_lock(&p.mu);
        p.head = (p.head + 1) % PIPE_NBATCH;
        p.full--;
        if (rc < 0)
            p.stop = true;
        pthread_cond_signal(&p.can_fill);
        pthread_mutex_unlock(&p.mu);
    }
    pthread_join(reader, NULL);
    if (rc == 0 && p.read_rc < 0)
        rc = err_set(e, ERR_IO, "'%s': %s", im->path, p.read_err.msg);
out:
    for (i = 0; i < PIPE_NBATCH; i++)
        for (j = 0; j < PIPE_BATCH; j++)
            slot_release(&p.batches[i].slots[j]);
    free(p.batches);
    pthread_cond_destroy(&p.can_fill);
    pthread_cond_destroy(&p.can_drain);
    pthread_mutex_destroy(&p.mu);
    return rc;
}
