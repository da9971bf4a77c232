/*
 * store_stats.c: the hub's statistics releases and its privacy budget ledger
 * (schema version 3), and the lookup of a link run by id.
 *
 * The ledger's invariant: for every dataset, budgets.spent_nano is the sum of the
 * epsilon of its stored releases, and never above total_nano. store_release_add()
 * keeps it by debiting and inserting in the caller's transaction (a CHECK
 * constraint backs the comparison up). Concurrent callers are serialised by
 * SQLite's write lock: the caller opens the transaction with store_begin() (BEGIN
 * IMMEDIATE) before it looks for an earlier release, so two processes asking the
 * same query cannot both miss it and both pay.
 *
 * Also the statistics scan (store_run_read): a link run's members and the coarse
 * attributes of their records, read in two sequential scans of covering indexes,
 * on two connections and two threads when the run is large.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#include "banned.h"

static int budget_read(struct store *s, const char *dataset, int64_t *total, int64_t *spent,
                       double *delta, bool *exists, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    *exists = false;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT total_nano, spent_nano, delta_spent FROM budgets WHERE dataset "
                           "= ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read the budget");
    sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *exists = true;
        *total = sqlite3_column_int64(st, 0);
        *spent = sqlite3_column_int64(st, 1);
        if (delta != NULL)
            *delta = sqlite3_column_double(st, 2);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = store__db_err(s, e, "cannot read the budget");
    }
    sqlite3_finalize(st);
    return rc;
}

int store_budget_get(struct store *s, const char *dataset, int64_t default_total_nano,
                     int64_t *total_nano, int64_t *spent_nano, double *delta_spent, bool *exists,
                     struct err *e)
{
    int rc = budget_read(s, dataset, total_nano, spent_nano, delta_spent, exists, e);
    if (rc == 0 && !*exists) {
        *total_nano = default_total_nano;
        *spent_nano = 0;
        if (delta_spent != NULL)
            *delta_spent = 0;
    }
    return rc;
}

/* Create dataset's budget row with total if it has none. */
static int budget_ensure(struct store *s, const char *dataset, int64_t total, struct err *e)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc = 0;

    store__now(now);
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO budgets(dataset, total_nano, spent_nano, "
                           "updated_at) VALUES (?1, ?2, 0, ?3)",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot write the budget");
    sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, total);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store__db_err(s, e, "cannot write the budget");
    sqlite3_finalize(st);
    return rc;
}

int store_budget_set(struct store *s, const char *dataset, int64_t total_nano, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int64_t total = 0, spent = 0;
    bool exists = false;
    char now[32];
    int rc;

    if (total_nano < 0)
        return err_set(e, ERR_INVALID, "a budget cannot be negative");
    rc = store_begin(s, e);
    if (rc < 0)
        return rc;
    rc = budget_read(s, dataset, &total, &spent, NULL, &exists, e);
    if (rc == 0 && exists && spent > total_nano)
        rc = err_set(e, ERR_REFUSED,
                     "dataset '%s' has spent more than that already; a budget cannot be set "
                     "below what is spent",
                     dataset);
    if (rc == 0)
        rc = budget_ensure(s, dataset, total_nano, e);
    if (rc == 0) {
        store__now(now);
        if (sqlite3_prepare_v2(s->db,
                               "UPDATE budgets SET total_nano = ?2, updated_at = ?3 WHERE dataset "
                               "= ?1",
                               -1, &st, NULL) != SQLITE_OK) {
            rc = store__db_err(s, e, "cannot write the budget");
        } else {
            sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, total_nano);
            sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = store__db_err(s, e, "cannot write the budget");
            sqlite3_finalize(st);
        }
    }
    if (rc == 0)
        rc = store_commit(s, e);
    if (rc < 0)
        store_rollback(s);
    return rc;
}

static const char release_columns[] =
    "SELECT id, dataset, query_key, mode, epsilon_nano, delta, payload, created_at FROM releases ";

/* Step st and call fn for each row; returns the number of rows seen or an error. */
static int release_rows(struct store *s, sqlite3_stmt *st,
                        int (*fn)(const struct store_release *r, void *arg), void *arg,
                        struct err *e)
{
    int n = 0;
    for (;;) {
        struct store_release r;
        int step = sqlite3_step(st);
        int rc;
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW)
            return store__db_err(s, e, "cannot read releases");
        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(st, 0);
        r.dataset = (const char *)sqlite3_column_text(st, 1);
        r.query_key = (const char *)sqlite3_column_text(st, 2);
        r.mode = (const char *)sqlite3_column_text(st, 3);
        r.epsilon_nano = sqlite3_column_int64(st, 4);
        r.delta = sqlite3_column_double(st, 5);
        r.payload = (const char *)sqlite3_column_text(st, 6);
        r.created_at = (const char *)sqlite3_column_text(st, 7);
        n++;
        rc = fn(&r, arg);
        if (rc < 0)
            return rc;
    }
    return n;
}

int store_release_find(struct store *s, const char *dataset, const char *query_key,
                       int (*fn)(const struct store_release *r, void *arg), void *arg,
                       struct err *e)
{
    sqlite3_stmt *st = NULL;
    char sql[256];
    int rc;

    snprintf(sql, sizeof(sql), "%sWHERE dataset = ?1 AND query_key = ?2", release_columns);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read releases");
    sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, query_key, -1, SQLITE_STATIC);
    rc = release_rows(s, st, fn, arg, e);
    sqlite3_finalize(st);
    return rc < 0 ? rc : (rc > 0 ? 1 : 0);
}

int store_release_get(struct store *s, int64_t id,
                      int (*fn)(const struct store_release *r, void *arg), void *arg, struct err *e)
{
    sqlite3_stmt *st = NULL;
    char sql[256];
    int rc;

    snprintf(sql, sizeof(sql), "%sWHERE id = ?1", release_columns);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read releases");
    sqlite3_bind_int64(st, 1, id);
    rc = release_rows(s, st, fn, arg, e);
    sqlite3_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_NOTFOUND, "there is no release %lld", (long long)id);
    return rc < 0 ? rc : 0;
}

int store_release_each(struct store *s, const char *dataset,
                       int (*fn)(const struct store_release *r, void *arg), void *arg,
                       struct err *e)
{
    sqlite3_stmt *st = NULL;
    char sql[256];
    int rc;

    snprintf(sql, sizeof(sql), "%sWHERE ?1 IS NULL OR dataset = ?1 ORDER BY id", release_columns);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read releases");
    if (dataset != NULL)
        sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    rc = release_rows(s, st, fn, arg, e);
    sqlite3_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_release_add(struct store *s, const struct store_release *r, int64_t default_total_nano,
                      int64_t *id, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int64_t total = 0, spent = 0;
    bool exists = false;
    char now[32];
    int rc;

    if (!s->in_tx)
        return err_set(e, ERR_INVALID, "a release must be stored inside a transaction");
    if (r->epsilon_nano < 0)
        return err_set(e, ERR_INVALID, "a release cannot cost a negative epsilon");
    rc = budget_ensure(s, r->dataset, default_total_nano, e);
    if (rc == 0)
        rc = budget_read(s, r->dataset, &total, &spent, NULL, &exists, e);
    if (rc < 0)
        return rc;
    if (r->epsilon_nano > total - spent)
        return err_set(e, ERR_REFUSED,
                       "over budget: dataset '%s' has %lld.%09lld of epsilon %lld.%09lld left, "
                       "the query needs %lld.%09lld",
                       r->dataset, (long long)((total - spent) / 1000000000),
                       (long long)((total - spent) % 1000000000), (long long)(total / 1000000000),
                       (long long)(total % 1000000000), (long long)(r->epsilon_nano / 1000000000),
                       (long long)(r->epsilon_nano % 1000000000));

    store__now(now);
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE budgets SET spent_nano = spent_nano + ?2, delta_spent = "
                           "delta_spent + ?3, updated_at = ?4 WHERE dataset = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot debit the budget");
    sqlite3_bind_text(st, 1, r->dataset, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, r->epsilon_nano);
    sqlite3_bind_double(st, 3, r->delta);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store__db_err(s, e, "cannot debit the budget");
    sqlite3_finalize(st);
    st = NULL;
    if (rc < 0)
        return rc;

    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO releases(dataset, query_key, mode, epsilon_nano, delta, "
                           "payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot store the release");
    sqlite3_bind_text(st, 1, r->dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->query_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->mode, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->epsilon_nano);
    sqlite3_bind_double(st, 5, r->delta);
    sqlite3_bind_text(st, 6, r->payload, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        *id = sqlite3_last_insert_rowid(s->db);
        rc = 0;
    } else if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT) {
        rc = err_set(e, ERR_EXISTS, "dataset '%s' has a release of this query already", r->dataset);
    } else {
        rc = store__db_err(s, e, "cannot store the release");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- the statistics scan ---- */

/* One reader of store_run_read(): a connection and its share of the work. */
struct run_reader {
    struct store *s;
    const struct store_run_reader *cb;
    int64_t run_id;
    int64_t from, to; /* record ids from..to (none when from > to) */
    bool members;     /* read the members first */
    unsigned part;
    struct err e;
    int rc;
};

static int read_members(struct store *s, int64_t run_id, const struct store_run_reader *cb,
                        struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    /* the covering index person_members_by_person: one sequential scan, in person order */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT person, record_id FROM person_members WHERE run_id = ?1 "
                           "ORDER BY person, record_id",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read persons");
    sqlite3_bind_int64(st, 1, run_id);
    for (;;) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read persons");
            break;
        }
        rc = cb->member(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), cb->arg);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

static int read_records(struct store *s, int64_t from, int64_t to, unsigned part,
                        const struct store_run_reader *cb, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    /*
     * The covering index hub_records_stats in id order. Only a lower bound: SQLite
     * seeks to it, and the loop stops past the upper one, which spares a comparison
     * per row (a quarter of the scan's time with BETWEEN).
     */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, submission_id, sex, age, year, forms, detected_in, "
                           "citizenship FROM hub_records INDEXED BY hub_records_stats WHERE id >= "
                           "?1 ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read hub records");
    sqlite3_bind_int64(st, 1, from);
    for (;;) {
        struct store_hub_record r;
        const unsigned char *sex, *age;
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read hub records");
            break;
        }
        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(st, 0);
        if (r.id > to)
            break;
        r.submission_id = sqlite3_column_int64(st, 1);
        sex = sqlite3_column_text(st, 2);
        age = sqlite3_column_text(st, 3);
        r.sex = sex != NULL ? (char)sex[0] : 'U';
        r.age = age != NULL ? (char)age[0] : 'U';
        r.year = sqlite3_column_int(st, 4);
        r.forms = (unsigned)sqlite3_column_int64(st, 5);
        r.detected_in = (const char *)sqlite3_column_text(st, 6);
        r.citizenship = (const char *)sqlite3_column_text(st, 7);
        rc = cb->record(&r, part, cb->arg);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

static void *run_reader_main(void *arg)
{
    struct run_reader *r = arg;
    r->rc = 0;
    if (r->members)
        r->rc = read_members(r->s, r->run_id, r->cb, &r->e);
    if (r->rc == 0 && r->from <= r->to)
        r->rc = read_records(r->s, r->from, r->to, r->part, r->cb, &r->e);
    return NULL;
}

/* One bound of the run's record ids by query sql: 1, 0 when the run has no member, or ERR_DB. */
static int run_bound(struct store *s, int64_t run_id, const char *sql, int64_t *out, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read persons");
    sqlite3_bind_int64(st, 1, run_id);
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = store__db_err(s, e, "cannot read persons");
    else if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *out = sqlite3_column_int64(st, 0);
        rc = 1;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Runs with fewer records than this are read on one thread (a second connection costs ms). */
#define RUN_READ_PARALLEL_MIN 50000

int store_run_read(struct store *s, int64_t run_id, const struct store_run_reader *cb,
                   struct err *e)
{
    sqlite3_stmt *st = NULL;
    struct store *s2 = NULL;
    struct run_reader a, b;
    pthread_t thread;
    int64_t lo = 0, hi = -1;
    int rc = 0;

    /*
     * Read the file through a memory map: a million-person scan then neither copies
     * every page into SQLite's cache nor allocates one (it halves the time).
     */
    store__exec(s, "PRAGMA mmap_size = 4294967296", NULL);
    /*
     * The range of record ids of the run: two queries, each a seek in the primary
     * key (SQLite optimises a lone min() or max(), not both in one query, which
     * would scan every member).
     */
    rc =
        run_bound(s, run_id, "SELECT min(record_id) FROM person_members WHERE run_id = ?1", &lo, e);
    if (rc == 1)
        rc = run_bound(s, run_id, "SELECT max(record_id) FROM person_members WHERE run_id = ?1",
                       &hi, e);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        lo = 0;
        hi = -1;
    }
    rc = 0;

    /* the agency of every submission */
    if (sqlite3_prepare_v2(s->db, "SELECT id, agency FROM submissions ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read submissions");
    for (;;) {
        int step = sqlite3_step(st);
        const char *name = NULL;
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read submissions");
            break;
        }
        name = (const char *)sqlite3_column_text(st, 1);
        rc = cb->submission(sqlite3_column_int64(st, 0), name != NULL ? name : "", cb->arg);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    if (rc == 0)
        rc = cb->begin(lo, hi, cb->arg);
    if (rc != 0 || hi < lo)
        return rc;

    memset(&a, 0, sizeof(a));
    a.s = s;
    a.cb = cb;
    a.run_id = run_id;
    a.from = lo;
    a.to = hi;
    a.members = true;
    err_init(&a.e);
    b = a;
    /*
     * Two connections on two threads when the run is large and this connection has
     * no transaction open (a second connection would not see what it wrote): one
     * reads the first two thirds of the records, the other the members (a third of
     * the cost of a record each) and the rest. Runs and their records are never
     * changed once written, so both see the same run.
     */
    if (!s->in_tx && hi - lo + 1 >= RUN_READ_PARALLEL_MIN && getenv("NOPAR") == NULL &&
        store_open(s->path, STORE_READONLY, &s2, &b.e) == 0) {
        int64_t mid = lo + (hi - lo + 1) / 3 * 2;
        store__exec(s2, "PRAGMA mmap_size = 4294967296", NULL);
        a.members = false;
        a.to = mid - 1;
        b.s = s2;
        b.from = mid;
        b.part = 1;
        if (pthread_create(&thread, NULL, run_reader_main, &b) == 0) {
            run_reader_main(&a);
            pthread_join(thread, NULL);
            rc = a.rc != 0 ? a.rc : b.rc;
            if (rc < 0)
                err_set(e, rc, "%s", a.rc != 0 ? a.e.msg : b.e.msg);
            store_close(s2);
            return rc;
        }
        store_close(s2);
        a.members = true;
        a.to = hi;
    }
    run_reader_main(&a);
    if (a.rc < 0)
        err_set(e, a.rc, "%s", a.e.msg);
    return a.rc;
}
