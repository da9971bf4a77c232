/*
 * store_quarantine.c: rows set aside by import, kept whole with their reasons.
 *
 * An entry holds the row's raw bytes exactly as they were in the file (cut at the
 * record size limit only, and then marked), the reasons as a JSON array, and a
 * link to its import (whose header lets the row be exported and corrected). An
 * entry is open until a corrected row is stored (`tiphub quarantine retry`), then
 * resolved, pointing at the case it became. Re-importing the same file adds no
 * second open entry for the same raw bytes of the same agency.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "store_int.h"
#include "xalloc.h"

#include "banned.h"

static int agency_id_of(struct store *s, const char *agency, int64_t *id, struct err *e)
{
    *id = 0;
    if (agency == NULL)
        return 0;
    return store_agency_ensure(s, agency, NULL, NULL, id, e);
}

int store_quarantine_add(struct store *s, const struct store_quarantine_row *q, bool *added,
                         struct err *e)
{
    sqlite3_stmt *st = NULL;
    unsigned char digest[16];
    char now[32];
    int64_t agency_id;
    int rc;

    *added = false;
    rc = agency_id_of(s, q->agency, &agency_id, e);
    if (rc < 0)
        return rc;
    crypto_generichash(digest, sizeof(digest), q->raw, q->raw_len, NULL, 0);

    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM quarantine WHERE ifnull(agency_id, 0) = ?1 AND digest = "
                           "?2 AND status = 'open'",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read the quarantine");
    sqlite3_bind_int64(st, 1, agency_id);
    sqlite3_bind_blob(st, 2, digest, sizeof(digest), SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return store__db_err(s, e, "cannot read the quarantine");

    store__now(now);
    if (sqlite3_prepare_v2(
            s->db,
            "INSERT INTO quarantine(import_id, agency_id, source, format, line, raw, "
            "raw_truncated, raw_total, digest, reasons, created_at) VALUES (?1, "
            "nullif(?2, 0), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot quarantine a row");
    sqlite3_bind_int64(st, 1, q->import_id);
    sqlite3_bind_int64(st, 2, agency_id);
    sqlite3_bind_text(st, 3, q->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, q->format, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)q->line);
    sqlite3_bind_blob64(st, 6, q->raw_len > 0 ? q->raw : "", q->raw_len, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, q->raw_truncated ? 1 : 0);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)q->raw_total);
    sqlite3_bind_blob(st, 9, digest, sizeof(digest), SQLITE_STATIC);
    sqlite3_bind_text(st, 10, q->reasons, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store__db_err(s, e, "cannot quarantine a row");
    *added = true;
    return 0;
}

int store_quarantine_each(struct store *s, const struct store_quarantine_filter *f,
                          int (*fn)(const struct store_quarantine_row *q, void *arg), void *arg,
                          struct err *e)
{
    struct buf sql;
    sqlite3_stmt *st = NULL;
    size_t i;
    int rc = 0;

    buf_init(&sql, 1 << 16);
    buf_puts(&sql, "SELECT q.id, q.import_id, a.name, q.source, q.format, q.line, q.raw, "
                   "q.raw_truncated, q.raw_total, q.reasons, q.status, q.created_at, i.header "
                   "FROM quarantine q JOIN imports i ON i.id = q.import_id "
                   "LEFT JOIN agencies a ON a.id = q.agency_id WHERE 1");
    if (f->agency != NULL)
        buf_puts(&sql, " AND a.name = ?1");
    if (f->import_id != 0)
        buf_puts(&sql, " AND q.import_id = ?2");
    if (!f->include_resolved)
        buf_puts(&sql, " AND q.status = 'open'");
    if (f->ids != NULL && f->nids > 0) {
        buf_puts(&sql, " AND q.id IN (");
        for (i = 0; i < f->nids; i++)
            buf_printf(&sql, "%s?%zu", i ? ", " : "", i + 3);
        buf_puts(&sql, ")");
    }
    buf_puts(&sql, " ORDER BY q.id");
    if (sqlite3_prepare_v2(s->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        buf_release(&sql);
        return store__db_err(s, e, "cannot read the quarantine");
    }
    buf_release(&sql);
    if (f->agency != NULL)
        sqlite3_bind_text(st, 1, f->agency, -1, SQLITE_STATIC);
    if (f->import_id != 0)
        sqlite3_bind_int64(st, 2, f->import_id);
    for (i = 0; f->ids != NULL && i < f->nids; i++)
        sqlite3_bind_int64(st, (int)(i + 3), f->ids[i]);

    for (;;) {
        struct store_quarantine_row q;
        int step = sqlite3_step(st);

        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read the quarantine");
            break;
        }
        memset(&q, 0, sizeof(q));
        q.id = sqlite3_column_int64(st, 0);
        q.import_id = sqlite3_column_int64(st, 1);
        q.agency = (const char *)sqlite3_column_text(st, 2);
        q.source = (const char *)sqlite3_column_text(st, 3);
        q.format = (const char *)sqlite3_column_text(st, 4);
        q.line = (uint64_t)sqlite3_column_int64(st, 5);
        q.raw = sqlite3_column_blob(st, 6);
        q.raw_len = (size_t)sqlite3_column_bytes(st, 6);
        q.raw_truncated = sqlite3_column_int(st, 7) != 0;
        q.raw_total = (uint64_t)sqlite3_column_int64(st, 8);
        q.reasons = (const char *)sqlite3_column_text(st, 9);
        q.status = (const char *)sqlite3_column_text(st, 10);
        q.created_at = (const char *)sqlite3_column_text(st, 11);
        q.header = sqlite3_column_blob(st, 12);
        q.header_len = (size_t)sqlite3_column_bytes(st, 12);
        rc = fn(&q, arg);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_quarantine_resolve(struct store *s, int64_t id, int64_t case_id, struct err *e)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc = 0;

    store__now(now);
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE quarantine SET status = 'resolved', resolved_at = ?2, "
                           "resolved_case_id = ?3 WHERE id = ?1 AND status = 'open'",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot update the quarantine");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, case_id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store__db_err(s, e, "cannot update the quarantine");
    else if (sqlite3_changes(s->db) != 1)
        rc = err_set(e, ERR_NOTFOUND, "quarantine entry %lld is not open", (long long)id);
    sqlite3_finalize(st);
    return rc;
}

int store_quarantine_update(struct store *s, int64_t id, const void *raw, size_t raw_len,
                            const char *reasons, struct err *e)
{
    sqlite3_stmt *st = NULL;
    unsigned char digest[16];
    int rc = 0;

    crypto_generichash(digest, sizeof(digest), raw, raw_len, NULL, 0);
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE quarantine SET raw = ?2, raw_truncated = 0, raw_total = ?3, "
                           "digest = ?4, reasons = ?5 WHERE id = ?1 AND status = 'open'",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot update the quarantine");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob64(st, 2, raw_len > 0 ? raw : "", raw_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)raw_len);
    sqlite3_bind_blob(st, 4, digest, sizeof(digest), SQLITE_STATIC);
    sqlite3_bind_text(st, 5, reasons, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store__db_err(s, e, "cannot update the quarantine");
    else if (sqlite3_changes(s->db) != 1)
        rc = err_set(e, ERR_NOTFOUND, "quarantine entry %lld is not open", (long long)id);
    sqlite3_finalize(st);
    return rc;
}

int store_quarantine_count(struct store *s, const char *agency, uint64_t *open, uint64_t *resolved,
                           struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FILTER (WHERE q.status = 'open'), count(*) FILTER "
                           "(WHERE q.status = 'resolved') FROM quarantine q LEFT JOIN agencies a "
                           "ON a.id = q.agency_id WHERE ?1 IS NULL OR a.name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot count the quarantine");
    sqlite3_bind_text(st, 1, agency, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *open = (uint64_t)sqlite3_column_int64(st, 0);
        *resolved = (uint64_t)sqlite3_column_int64(st, 1);
    } else {
        rc = store__db_err(s, e, "cannot count the quarantine");
    }
    sqlite3_finalize(st);
    return rc;
}
