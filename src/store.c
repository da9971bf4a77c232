/*
 * store.c: opening and closing the store, transactions, integrity checks.
 *
 * The only files that include sqlite3.h are store*.c. This one sets up the
 * connection (WAL, synchronous=FULL, foreign keys, a busy timeout so that a second
 * process waits instead of failing) and runs the migrations in store_schema.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store_int.h"
#include "xalloc.h"

#include "banned.h"

int store__db_err(struct store *s, struct err *e, const char *what)
{
    const char *msg = s != NULL && s->db != NULL ? sqlite3_errmsg(s->db) : "no database";
    return err_set(e, ERR_DB, "%s: %s", what, msg);
}

void store__now(char out[32])
{
    /* Import asks once per row: format only when the second changes. */
    static _Thread_local time_t last = -1;
    static _Thread_local char text[32];
    time_t t = time(NULL);

    if (t != last) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
        last = t;
    }
    memcpy(out, text, sizeof(text));
}

int store__prepare(struct store *s, sqlite3_stmt **stmt, const char *sql, struct err *e)
{
    if (*stmt != NULL) {
        sqlite3_reset(*stmt);
        sqlite3_clear_bindings(*stmt);
        return 0;
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return store__db_err(s, e, "cannot prepare a statement");
    }
    return 0;
}

int store__exec(struct store *s, const char *sql, struct err *e)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK) {
        err_set(e, ERR_DB, "store: %s", msg != NULL ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return ERR_DB;
    }
    return 0;
}

static int configure(struct store *s, bool readonly, struct err *e)
{
    int rc;

    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 1);
    rc = store__exec(s,
                     "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"
                     " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
                     e);
    if (rc < 0 || readonly)
        return rc;
    return store__exec(s, "PRAGMA journal_mode = WAL;", e);
}

static int is_tiphub_or_empty(struct store *s, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc;
    int ntables = 0;
    bool has_meta = false;

    rc = sqlite3_prepare_v2(s->db, "SELECT name FROM sqlite_schema WHERE type = 'table'", -1, &st,
                            NULL);
    if (rc != SQLITE_OK) {
        /* "file is not a database" arrives here. */
        err_set(e, ERR_CORRUPT, "'%s' is not a tiphub store: %s", s->path, sqlite3_errmsg(s->db));
        return ERR_CORRUPT;
    }
    for (;;) {
        const unsigned char *name;
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        name = sqlite3_column_text(st, 0);
        ntables++;
        if (name != NULL && strcmp((const char *)name, "meta") == 0)
            has_meta = true;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        err_set(e, ERR_CORRUPT, "'%s' is not a tiphub store: %s", s->path, sqlite3_errstr(rc));
        return ERR_CORRUPT;
    }
    if (ntables > 0 && !has_meta)
        return err_set(e, ERR_CORRUPT,
                       "'%s' is an SQLite database but not a tiphub store (no 'meta' table)",
                       s->path);
    return 0;
}

int store_open(const char *path, unsigned flags, struct store **out, struct err *e)
{
    struct store *s = NULL;
    struct stat st;
    int oflags;
    int rc;
    bool readonly = (flags & STORE_READONLY) != 0;

    *out = NULL;
    if (stat(path, &st) != 0) {
        if (!(flags & STORE_CREATE))
            return err_set(e, ERR_NOTFOUND,
                           "no store at '%s' (create one with 'tiphub init --db %s')", path, path);
    } else if (!S_ISREG(st.st_mode)) {
        return err_set(e, ERR_INVALID, "'%s' is not a regular file", path);
    }
    s = xcalloc(1, sizeof(*s));
    s->path = xstrdup(path);
    oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags & STORE_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = err_set(e, ERR_DB, "cannot open store '%s': %s", path,
                     s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto fail;
    }
    rc = is_tiphub_or_empty(s, e);
    if (rc < 0)
        goto fail;
    rc = configure(s, readonly, e);
    if (rc < 0)
        goto fail;
    if (readonly) {
        if (store_schema_version(s) != store_schema_latest()) {
            rc = err_set(e, ERR_CORRUPT,
                         "store '%s' has schema version %d, this tiphub reads %d; open it once "
                         "read-write to migrate it",
                         path, store_schema_version(s), store_schema_latest());
            goto fail;
        }
    } else {
        rc = store__migrate(s, e);
        if (rc < 0)
            goto fail;
    }
    *out = s;
    return 0;
fail:
    store_close(s);
    return rc;
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    if (s->in_tx)
        store_rollback(s);
    sqlite3_finalize(s->case_insert);
    sqlite3_finalize(s->case_lookup);
    sqlite3_finalize(s->case_update);
    sqlite3_finalize(s->case_keep_revision);
    sqlite3_finalize(s->hub_record_insert);
    sqlite3_finalize(s->encoding_ref_insert);
    sqlite3_finalize(s->person_member_insert);
    sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}

int store_schema_version(struct store *s)
{
    sqlite3_stmt *st = NULL;
    int v = -1;

    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int store_begin(struct store *s, struct err *e)
{
    int rc;

    if (s->in_tx)
        return err_set(e, ERR_DB, "BUG: nested transaction");
    rc = store__exec(s, "BEGIN IMMEDIATE", e);
    if (rc == 0)
        s->in_tx = true;
    return rc;
}

int store_commit(struct store *s, struct err *e)
{
    int rc = store__exec(s, "COMMIT", e);
    if (rc == 0)
        s->in_tx = false;
    return rc;
}

void store_rollback(struct store *s)
{
    if (!s->in_tx)
        return;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = false;
}

static int check_pragma(struct store *s, const char *sql, bool want_ok, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc;
    int result = 0;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot check the store");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (want_ok && (t == NULL || strcmp((const char *)t, "ok") != 0))
            result = err_set(e, ERR_CORRUPT, "integrity check failed: %s",
                             t != NULL ? (const char *)t : "(null)");
        else if (!want_ok)
            result = err_set(e, ERR_CORRUPT, "foreign key check failed in table '%s'",
                             t != NULL ? (const char *)t : "?");
    } else if (rc != SQLITE_DONE) {
        result = store__db_err(s, e, "cannot check the store");
    }
    sqlite3_finalize(st);
    return result;
}

int store_check(struct store *s, struct err *e)
{
    int rc = check_pragma(s, "PRAGMA integrity_check", true, e);
    if (rc < 0)
        return rc;
    return check_pragma(s, "PRAGMA foreign_key_check", false, e);
}
