/*
 * store_cases.c: agencies, imports and case records in the store.
 *
 * Import calls store_case_put() once per valid row inside one transaction. The
 * common case, a new case, costs one INSERT: the statement is
 * INSERT ... ON CONFLICT(agency_id, case_ref) DO NOTHING, and only when it changes
 * nothing do we read the stored case, compare its values with the new ones, and
 * when they differ keep the old values as a revision (a JSON object in
 * case_revisions) before updating. (A digest per row would make that comparison
 * cheaper, but it cost every first import more than re-imports would save.)
 *
 * The SQL names the columns of include/rec_fields.h; it is built once from that
 * table (the names are our own identifiers, never input) and values are always
 * bound, never formatted into the text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store_int.h"
#include "xalloc.h"

#include "banned.h"

bool store__case_column(int field)
{
    return field != REC_F_ORG_NAME && field != REC_F_ORG_TYPE && field != REC_F_ORG_COUNTRY;
}

/* ---- agencies ---- */

int store_agency_ensure(struct store *s, const char *name, const char *type, const char *country,
                        int64_t *id, struct err *e)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc = 0;

    store__now(now);
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO agencies(name, type, country, created_at) VALUES (?1, ?2, "
                           "?3, ?4) ON CONFLICT(name) DO UPDATE SET type = ifnull(?2, type), "
                           "country = ifnull(?3, country) RETURNING id",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot record agency");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, country, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        rc = store__db_err(s, e, "cannot record agency");
    sqlite3_finalize(st);
    return rc;
}

int store_agency_each(struct store *s,
                      int (*fn)(const char *name, const char *type, const char *country,
                                uint64_t ncases, void *arg),
                      void *arg, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT a.name, a.type, a.country, (SELECT count(*) FROM cases c WHERE "
                           "c.agency_id = a.id) FROM agencies a ORDER BY a.name",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read agencies");
    for (;;) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read agencies");
            break;
        }
        rc = fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                (const char *)sqlite3_column_text(st, 2), (uint64_t)sqlite3_column_int64(st, 3),
                arg);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- imports ---- */

int store_import_start(struct store *s, const char *source, const char *format,
                       const char *sha256_hex, const void *header, size_t header_len,
                       int64_t *import_id, struct err *e)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc = 0;

    store__now(now);
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO imports(source, format, sha256, header, started_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot record the import");
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, format, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sha256_hex, -1, SQLITE_STATIC);
    if (header != NULL)
        sqlite3_bind_blob64(st, 4, header, header_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        *import_id = sqlite3_last_insert_rowid(s->db);
    else
        rc = store__db_err(s, e, "cannot record the import");
    sqlite3_finalize(st);
    return rc;
}

int store_import_finish(struct store *s, int64_t import_id, const struct store_import_counts *c,
                        struct err *e)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc = 0;

    store__now(now);
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE imports SET finished_at = ?2, rows_read = ?3, rows_stored = ?4, "
                           "rows_inserted = ?5, rows_updated = ?6, rows_unchanged = ?7, "
                           "rows_quarantined = ?8 WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot record the import");
    sqlite3_bind_int64(st, 1, import_id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)c->read);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)c->stored);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)c->inserted);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)c->updated);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)c->unchanged);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)c->quarantined);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store__db_err(s, e, "cannot record the import");
    sqlite3_finalize(st);
    return rc;
}

int store_import_count(struct store *s, uint64_t *n, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM imports", -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot count imports");
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = store__db_err(s, e, "cannot count imports");
    sqlite3_finalize(st);
    return rc;
}

/* ---- SQL built from the field table ---- */

/* Append `"a", "b", ...` for every case column, each preceded by prefix. */
static void append_columns(struct buf *b, const char *prefix)
{
    int f;
    bool first = true;

    for (f = 0; f < REC_NFIELDS; f++) {
        if (!store__case_column(f))
            continue;
        buf_printf(b, "%s%s\"%s\"", first ? "" : ", ", prefix, rec_fields[f].name);
        first = false;
    }
}

static char *insert_sql(void)
{
    struct buf b;
    int f;
    int param = 4;

    buf_init(&b, 1 << 16);
    buf_puts(&b, "INSERT INTO cases(agency_id, import_id, extra, ");
    append_columns(&b, "");
    buf_puts(&b, ") VALUES (?1, ?2, ?3");
    for (f = 0; f < REC_NFIELDS; f++) {
        if (store__case_column(f))
            buf_printf(&b, ", ?%d", param++);
    }
    buf_puts(&b, ") ON CONFLICT(agency_id, case_ref) DO NOTHING");
    return buf_detach(&b, NULL);
}

static char *update_sql(void)
{
    struct buf b;
    int f;
    int param = 4;

    buf_init(&b, 1 << 16);
    buf_puts(&b, "UPDATE cases SET revision = revision + 1, import_id = ?2, extra = ?3");
    for (f = 0; f < REC_NFIELDS; f++) {
        if (store__case_column(f))
            buf_printf(&b, ", \"%s\" = ?%d", rec_fields[f].name, param++);
    }
    buf_puts(&b, " WHERE id = ?1");
    return buf_detach(&b, NULL);
}

static char *lookup_sql(void)
{
    struct buf b;

    buf_init(&b, 1 << 16);
    buf_puts(&b, "SELECT id, import_id, extra, ");
    append_columns(&b, "");
    buf_puts(&b, " FROM cases WHERE agency_id = ?1 AND case_ref = ?2");
    return buf_detach(&b, NULL);
}

static char *keep_revision_sql(void)
{
    struct buf b;
    int f;

    buf_init(&b, 1 << 16);
    buf_puts(&b, "INSERT INTO case_revisions(case_id, revision, import_id, replaced_at, record) "
                 "SELECT id, revision, import_id, ?2, json_object('extra', json(extra)");
    for (f = 0; f < REC_NFIELDS; f++) {
        if (store__case_column(f))
            buf_printf(&b, ", '%s', \"%s\"", rec_fields[f].name, rec_fields[f].name);
    }
    buf_puts(&b, ") FROM cases WHERE id = ?1");
    return buf_detach(&b, NULL);
}

static int prepare_generated(struct store *s, sqlite3_stmt **st, char *(*build)(void),
                             struct err *e)
{
    char *sql;
    int rc;

    if (*st != NULL)
        return store__prepare(s, st, NULL, e);
    sql = build();
    rc = store__prepare(s, st, sql, e);
    free(sql);
    return rc;
}

/* Bind the record's values from parameter first on, in column order. */
static void bind_values(sqlite3_stmt *st, int first, const struct rec *r)
{
    int f;
    int param = first;

    for (f = 0; f < REC_NFIELDS; f++) {
        if (!store__case_column(f))
            continue;
        if (r->val[f] != NULL)
            sqlite3_bind_text(st, param, r->val[f], -1, SQLITE_STATIC);
        param++;
    }
}

static void bind_common(sqlite3_stmt *st, int64_t import_id, const struct rec *r)
{
    sqlite3_bind_int64(st, 2, import_id);
    if (r->extra != NULL)
        sqlite3_bind_text(st, 3, r->extra, -1, SQLITE_STATIC);
    bind_values(st, 4, r);
}

/* Column col of st holds the text v (both may be NULL)? */
static bool column_is(sqlite3_stmt *st, int col, const char *v)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    if (t == NULL || v == NULL)
        return t == NULL && v == NULL;
    return strcmp((const char *)t, v) == 0;
}

/* Does the looked-up row (id, import_id, extra, columns...) hold exactly r's values? */
static bool same_as_stored(sqlite3_stmt *st, const struct rec *r)
{
    int f;
    int col = 3;

    if (!column_is(st, 2, r->extra))
        return false;
    for (f = 0; f < REC_NFIELDS; f++) {
        if (!store__case_column(f))
            continue;
        if (!column_is(st, col, r->val[f]))
            return false;
        col++;
    }
    return true;
}

static int update_case(struct store *s, int64_t id, int64_t import_id, const char *now,
                       const struct rec *r, struct err *e)
{
    int rc = prepare_generated(s, &s->case_keep_revision, keep_revision_sql, e);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(s->case_keep_revision, 1, id);
    sqlite3_bind_text(s->case_keep_revision, 2, now, -1, SQLITE_STATIC);
    if (sqlite3_step(s->case_keep_revision) != SQLITE_DONE)
        return store__db_err(s, e, "cannot keep the previous revision");
    rc = prepare_generated(s, &s->case_update, update_sql, e);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(s->case_update, 1, id);
    bind_common(s->case_update, import_id, r);
    if (sqlite3_step(s->case_update) != SQLITE_DONE)
        return store__db_err(s, e, "cannot update a case");
    return 0;
}

int store_case_put(struct store *s, int64_t import_id, int64_t agency_id, const struct rec *r,
                   enum store_put_result *result, int64_t *case_id, struct err *e)
{
    sqlite3_stmt *st;
    char now[32];
    int64_t id;
    bool same;
    int rc;

    if (r->val[REC_F_CASE_REF] == NULL)
        return err_set(e, ERR_INVALID, "BUG: a record without case_ref reached the store");

    rc = prepare_generated(s, &s->case_insert, insert_sql, e);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(s->case_insert, 1, agency_id);
    bind_common(s->case_insert, import_id, r);
    if (sqlite3_step(s->case_insert) != SQLITE_DONE)
        return store__db_err(s, e, "cannot store a case");
    if (sqlite3_changes(s->db) == 1) {
        *result = STORE_PUT_INSERTED;
        if (case_id != NULL)
            *case_id = sqlite3_last_insert_rowid(s->db);
        return 0;
    }

    /* The agency has this case_ref already: a repeat, unchanged, or an update. */
    rc = prepare_generated(s, &s->case_lookup, lookup_sql, e);
    if (rc < 0)
        return rc;
    st = s->case_lookup;
    sqlite3_bind_int64(st, 1, agency_id);
    sqlite3_bind_text(st, 2, r->val[REC_F_CASE_REF], -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        return store__db_err(s, e, "cannot look up a case");
    id = sqlite3_column_int64(st, 0);
    if (case_id != NULL)
        *case_id = id;
    if (sqlite3_column_int64(st, 1) == import_id) {
        sqlite3_reset(st);
        *result = STORE_PUT_REPEATED;
        return 0;
    }
    same = same_as_stored(st, r);
    sqlite3_reset(st);
    if (same) {
        *result = STORE_PUT_UNCHANGED;
        return 0;
    }
    store__now(now);
    rc = update_case(s, id, import_id, now, r, e);
    if (rc == 0)
        *result = STORE_PUT_UPDATED;
    return rc;
}

/* ---- reading cases back ---- */

int store_case_each(struct store *s, const char *agency,
                    int (*fn)(const struct rec *r, int64_t case_id, void *arg), void *arg,
                    struct err *e)
{
    struct buf sql;
    sqlite3_stmt *st = NULL;
    struct rec r;
    int rc = 0;

    buf_init(&sql, 1 << 16);
    buf_puts(&sql, "SELECT c.id, a.name, a.type, a.country, c.extra, ");
    append_columns(&sql, "c.");
    buf_puts(&sql, " FROM cases c JOIN agencies a ON a.id = c.agency_id");
    if (agency != NULL)
        buf_puts(&sql, " WHERE a.name = ?1");
    buf_puts(&sql, " ORDER BY c.id");
    if (sqlite3_prepare_v2(s->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        buf_release(&sql);
        return store__db_err(s, e, "cannot read cases");
    }
    buf_release(&sql);
    if (agency != NULL)
        sqlite3_bind_text(st, 1, agency, -1, SQLITE_STATIC);

    rec_init(&r);
    for (;;) {
        int step = sqlite3_step(st);
        int col = 5;
        int f;

        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read cases");
            break;
        }
        rec_clear(&r);
        rec_put(&r, REC_F_ORG_NAME, (const char *)sqlite3_column_text(st, 1));
        rec_put(&r, REC_F_ORG_TYPE, (const char *)sqlite3_column_text(st, 2));
        rec_put(&r, REC_F_ORG_COUNTRY, (const char *)sqlite3_column_text(st, 3));
        if (sqlite3_column_type(st, 4) != SQLITE_NULL)
            r.extra = xstrdup((const char *)sqlite3_column_text(st, 4));
        for (f = 0; f < REC_NFIELDS; f++) {
            if (!store__case_column(f))
                continue;
            rec_put(&r, f, (const char *)sqlite3_column_text(st, col));
            col++;
        }
        rc = fn(&r, sqlite3_column_int64(st, 0), arg);
        if (rc != 0)
            break;
    }
    rec_release(&r);
    sqlite3_finalize(st);
    return rc;
}

int store_case_extra_keys(struct store *s, const char *agency,
                          int (*fn)(const char *key, void *arg), void *arg, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT DISTINCT j.key FROM cases c JOIN agencies a ON a.id = "
                           "c.agency_id, json_each(c.extra) j WHERE c.extra IS NOT NULL AND (?1 "
                           "IS NULL OR a.name = ?1) ORDER BY j.key",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read extra columns");
    sqlite3_bind_text(st, 1, agency, -1, SQLITE_STATIC);
    for (;;) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read extra columns");
            break;
        }
        rc = fn((const char *)sqlite3_column_text(st, 0), arg);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

static int count_query(struct store *s, const char *sql, const char *agency, uint64_t *n,
                       struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot count");
    sqlite3_bind_text(st, 1, agency, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = store__db_err(s, e, "cannot count");
    sqlite3_finalize(st);
    return rc;
}

int store_case_count(struct store *s, const char *agency, uint64_t *cases, uint64_t *revisions,
                     struct err *e)
{
    int rc = count_query(s,
                         "SELECT count(*) FROM cases c JOIN agencies a ON a.id = c.agency_id "
                         "WHERE ?1 IS NULL OR a.name = ?1",
                         agency, cases, e);
    if (rc < 0 || revisions == NULL)
        return rc;
    return count_query(s,
                       "SELECT count(*) FROM case_revisions r JOIN cases c ON c.id = r.case_id "
                       "JOIN agencies a ON a.id = c.agency_id WHERE ?1 IS NULL OR a.name = ?1",
                       agency, revisions, e);
}

/* ---- encoding runs ---- */

int store_encoding_add(struct store *s, const char *agency, const char *schema_hash,
                       unsigned clk_bits, uint64_t nrecords, const char *output, int64_t *id,
                       struct err *e)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int64_t agency_id = 0;
    int rc = store_agency_ensure(s, agency, NULL, NULL, &agency_id, e);

    if (rc < 0)
        return rc;
    store__now(now);
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO encodings(agency_id, created_at, schema_hash, clk_bits, "
                           "nrecords, output) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot log the encoding");
    sqlite3_bind_int64(st, 1, agency_id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, schema_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)clk_bits);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)nrecords);
    sqlite3_bind_text(st, 6, output, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        *id = sqlite3_last_insert_rowid(s->db);
    else
        rc = store__db_err(s, e, "cannot log the encoding");
    sqlite3_finalize(st);
    return rc;
}

int store_encoding_ref_add(struct store *s, int64_t encoding_id, const char *ref, int64_t case_id,
                           struct err *e)
{
    int rc = store__prepare(s, &s->encoding_ref_insert,
                            "INSERT INTO encoding_refs(encoding_id, ref, case_id) VALUES (?1, ?2, "
                            "?3)",
                            e);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(s->encoding_ref_insert, 1, encoding_id);
    sqlite3_bind_text(s->encoding_ref_insert, 2, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->encoding_ref_insert, 3, case_id);
    if (sqlite3_step(s->encoding_ref_insert) != SQLITE_DONE)
        return store__db_err(s, e, "cannot remember a reference");
    return 0;
}

int store_encoding_finish(struct store *s, int64_t encoding_id, uint64_t nrecords, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db, "UPDATE encodings SET nrecords = ?2 WHERE id = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot log the encoding");
    sqlite3_bind_int64(st, 1, encoding_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)nrecords);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store__db_err(s, e, "cannot log the encoding");
    sqlite3_finalize(st);
    return rc;
}
