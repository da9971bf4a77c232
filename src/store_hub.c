/*
 * store_hub.c: the hub side of the store: submissions of encodings, their
 * records, link runs and the persons they found.
 *
 * A hub record holds no identifier of a person: an opaque reference chosen at
 * random by the agency, the CLK, and coarse attributes (sex, child or adult,
 * citizenship, countries, forms of exploitation, year). An agency's newest
 * submission supersedes its earlier ones, so a re-encoded agency is never counted
 * twice. Statistics read persons through store_person_each(), which never returns
 * the CLKs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "strutil.h"

#include "banned.h"

int store_submission_add(struct store *s, const struct store_submission *sub, int64_t *id,
                         int64_t *replaced, struct err *e)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc = 0;

    *replaced = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM submissions WHERE sha256 = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return store__db_err(s, e, "cannot read submissions");
    sqlite3_bind_text(st, 1, sub->sha256, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        long long old = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return err_set(e, ERR_EXISTS, "this submission was added before (submission %lld)", old);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE)
        return store__db_err(s, e, "cannot read submissions");

    if (sqlite3_prepare_v2(s->db,
                           "SELECT id FROM submissions WHERE agency = ?1 AND superseded_by IS NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read submissions");
    sqlite3_bind_text(st, 1, sub->agency, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *replaced = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;

    store__now(now);
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO submissions(agency, schema_hash, clk_bits, encoder, "
                           "created_at, added_at, sha256, header) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                           "?7, ?8)",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot add the submission");
    sqlite3_bind_text(st, 1, sub->agency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sub->schema_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)sub->clk_bits);
    sqlite3_bind_text(st, 4, sub->encoder, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, sub->created_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, sub->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, sub->header, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = store__db_err(s, e, "cannot add the submission");
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);
    st = NULL;
    *id = sqlite3_last_insert_rowid(s->db);
    if (*replaced == 0)
        return 0;
    if (sqlite3_prepare_v2(s->db, "UPDATE submissions SET superseded_by = ?1 WHERE id = ?2", -1,
                           &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot supersede a submission");
    sqlite3_bind_int64(st, 1, *id);
    sqlite3_bind_int64(st, 2, *replaced);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store__db_err(s, e, "cannot supersede");
    sqlite3_finalize(st);
    return rc;
}

static void bind_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v != NULL && v[0] != '\0')
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int store_hub_record_add(struct store *s, int64_t submission_id, const struct store_hub_record *r,
                         struct err *e)
{
    char sex[2] = {r->sex, '\0'};
    char age[2] = {r->age, '\0'};
    int rc = store__prepare(s, &s->hub_record_insert,
                            "INSERT INTO hub_records(submission_id, ref, clk, popcount, sex, age, "
                            "citizenship, detected_in, exploited_in, forms, year) VALUES (?1, ?2, "
                            "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                            e);
    sqlite3_stmt *st = s->hub_record_insert;

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, submission_id);
    sqlite3_bind_text(st, 2, r->ref, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 3, r->clk, r->clk_len, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)r->popcount);
    sqlite3_bind_text(st, 5, sex, 1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, age, 1, SQLITE_TRANSIENT);
    bind_or_null(st, 7, r->citizenship);
    bind_or_null(st, 8, r->detected_in);
    bind_or_null(st, 9, r->exploited_in);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)r->forms);
    if (r->year > 0)
        sqlite3_bind_int(st, 11, r->year);
    else
        sqlite3_bind_null(st, 11);
    rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return err_set(e, ERR_INVALID, "reference '%s' appears twice in the submission", r->ref);
    if (rc != SQLITE_DONE)
        return store__db_err(s, e, "cannot add a hub record");
    return 0;
}

int store_submission_finish(struct store *s, int64_t submission_id, uint64_t nrecords,
                            struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db, "UPDATE submissions SET nrecords = ?2 WHERE id = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot update the submission");
    sqlite3_bind_int64(st, 1, submission_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)nrecords);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store__db_err(s, e, "cannot update the submission");
    sqlite3_finalize(st);
    return rc;
}

/* Fill r from columns first.. of st: id, submission, agency, ref, clk, popcount, sex,
 * age, citizenship, detected_in, exploited_in, forms, year. */
static void read_record(sqlite3_stmt *st, struct store_hub_record *r)
{
    const unsigned char *sex = sqlite3_column_text(st, 6);
    const unsigned char *age = sqlite3_column_text(st, 7);

    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    r->submission_id = sqlite3_column_int64(st, 1);
    r->agency = (const char *)sqlite3_column_text(st, 2);
    r->ref = (const char *)sqlite3_column_text(st, 3);
    r->clk = sqlite3_column_blob(st, 4);
    r->clk_len = (size_t)sqlite3_column_bytes(st, 4);
    r->popcount = (unsigned)sqlite3_column_int(st, 5);
    r->sex = sex != NULL ? (char)sex[0] : 'U';
    r->age = age != NULL ? (char)age[0] : 'U';
    r->citizenship = (const char *)sqlite3_column_text(st, 8);
    r->detected_in = (const char *)sqlite3_column_text(st, 9);
    r->exploited_in = (const char *)sqlite3_column_text(st, 10);
    r->forms = (unsigned)sqlite3_column_int64(st, 11);
    r->year = sqlite3_column_int(st, 12);
}

int store_hub_record_each(struct store *s, int (*fn)(const struct store_hub_record *r, void *arg),
                          void *arg, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT r.id, r.submission_id, s.agency, r.ref, r.clk, r.popcount, "
                           "r.sex, r.age, r.citizenship, r.detected_in, r.exploited_in, r.forms, "
                           "r.year FROM hub_records r JOIN submissions s ON s.id = "
                           "r.submission_id WHERE s.superseded_by IS NULL ORDER BY r.id",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read hub records");
    for (;;) {
        struct store_hub_record r;
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read hub records");
            break;
        }
        read_record(st, &r);
        rc = fn(&r, arg);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_submission_each(struct store *s,
                          int (*fn)(int64_t id, const struct store_submission *sub,
                                    uint64_t nrecords, void *arg),
                          void *arg, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, agency, schema_hash, clk_bits, encoder, created_at, "
                           "nrecords FROM submissions WHERE superseded_by IS NULL ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read submissions");
    for (;;) {
        struct store_submission sub;
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read submissions");
            break;
        }
        memset(&sub, 0, sizeof(sub));
        sub.agency = (const char *)sqlite3_column_text(st, 1);
        sub.schema_hash = (const char *)sqlite3_column_text(st, 2);
        sub.clk_bits = (unsigned)sqlite3_column_int(st, 3);
        sub.encoder = (const char *)sqlite3_column_text(st, 4);
        sub.created_at = (const char *)sqlite3_column_text(st, 5);
        rc = fn(sqlite3_column_int64(st, 0), &sub, (uint64_t)sqlite3_column_int64(st, 6), arg);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_hub_count(struct store *s, uint64_t *nsubmissions, uint64_t *nrecords, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*), ifnull(sum(nrecords), 0) FROM submissions WHERE "
                           "superseded_by IS NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot count submissions");
    if (sqlite3_step(st) == SQLITE_ROW) {
        *nsubmissions = (uint64_t)sqlite3_column_int64(st, 0);
        *nrecords = (uint64_t)sqlite3_column_int64(st, 1);
    } else {
        rc = store__db_err(s, e, "cannot count submissions");
    }
    sqlite3_finalize(st);
    return rc;
}

int store_link_run_add(struct store *s, const struct store_link_run *run, int64_t *run_id,
                       struct err *e)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc = 0;

    store__now(now);
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO link_runs(created_at, threshold, agency_threshold, method, "
                           "nrecords, npersons, ncomparisons, npairs, seconds) VALUES (?1, ?2, ?3, "
                           "?4, ?5, ?6, ?7, ?8, ?9)",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot record the link run");
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run->threshold, -1, SQLITE_STATIC);
    bind_or_null(st, 3, run->agency_threshold);
    sqlite3_bind_text(st, 4, run->method, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)run->nrecords);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)run->npersons);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)run->ncomparisons);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)run->npairs);
    sqlite3_bind_double(st, 9, run->seconds);
    if (sqlite3_step(st) == SQLITE_DONE)
        *run_id = sqlite3_last_insert_rowid(s->db);
    else
        rc = store__db_err(s, e, "cannot record the link run");
    sqlite3_finalize(st);
    return rc;
}

int store_person_member_add(struct store *s, int64_t run_id, int64_t record_id, int64_t person,
                            struct err *e)
{
    int rc = store__prepare(s, &s->person_member_insert,
                            "INSERT INTO person_members(run_id, record_id, person) VALUES (?1, ?2, "
                            "?3)",
                            e);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(s->person_member_insert, 1, run_id);
    sqlite3_bind_int64(s->person_member_insert, 2, record_id);
    sqlite3_bind_int64(s->person_member_insert, 3, person);
    if (sqlite3_step(s->person_member_insert) != SQLITE_DONE)
        return store__db_err(s, e, "cannot record a person");
    return 0;
}

static void copy_text(char *dst, size_t size, const unsigned char *src)
{
    str_copy(dst, src != NULL ? (const char *)src : "", size);
}

/* Read the run of id run_id into *run (strings kept in s). ERR_NOTFOUND if none. */
int store_link_run_get(struct store *s, int64_t run_id, struct store_link_run *run, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, created_at, threshold, agency_threshold, method, nrecords, "
                           "npersons, ncomparisons, npairs, seconds FROM link_runs WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read link runs");
    sqlite3_bind_int64(st, 1, run_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(run, 0, sizeof(*run));
        run->id = sqlite3_column_int64(st, 0);
        copy_text(s->run_created_at, sizeof(s->run_created_at), sqlite3_column_text(st, 1));
        copy_text(s->run_threshold, sizeof(s->run_threshold), sqlite3_column_text(st, 2));
        copy_text(s->run_agency_threshold, sizeof(s->run_agency_threshold),
                  sqlite3_column_text(st, 3));
        copy_text(s->run_method, sizeof(s->run_method), sqlite3_column_text(st, 4));
        run->created_at = s->run_created_at;
        run->threshold = s->run_threshold;
        run->agency_threshold = s->run_agency_threshold[0] ? s->run_agency_threshold : NULL;
        run->method = s->run_method;
        run->nrecords = (uint64_t)sqlite3_column_int64(st, 5);
        run->npersons = (uint64_t)sqlite3_column_int64(st, 6);
        run->ncomparisons = (uint64_t)sqlite3_column_int64(st, 7);
        run->npairs = (uint64_t)sqlite3_column_int64(st, 8);
        run->seconds = sqlite3_column_double(st, 9);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = err_set(e, ERR_NOTFOUND, "there is no link run %lld", (long long)run_id);
    } else {
        rc = store__db_err(s, e, "cannot read link runs");
    }
    sqlite3_finalize(st);
    return rc;
}

int store_link_run_latest(struct store *s, struct store_link_run *run, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int64_t id = 0;
    int rc;

    if (sqlite3_prepare_v2(s->db, "SELECT max(id) FROM link_runs", -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read link runs");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return store__db_err(s, e, "cannot read link runs");
    if (id == 0)
        return err_set(e, ERR_NOTFOUND, "the hub has no link run yet (run 'tiphub link')");
    return store_link_run_get(s, id, run, e);
}

int store_person_each(struct store *s, int64_t run_id,
                      int (*fn)(int64_t person, const struct store_hub_record *r, void *arg),
                      void *arg, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT r.id, r.submission_id, s.agency, r.ref, NULL, r.popcount, "
                           "r.sex, r.age, r.citizenship, r.detected_in, r.exploited_in, r.forms, "
                           "r.year, m.person FROM person_members m JOIN hub_records r ON r.id = "
                           "m.record_id JOIN submissions s ON s.id = r.submission_id WHERE "
                           "m.run_id = ?1 ORDER BY m.person, r.id",
                           -1, &st, NULL) != SQLITE_OK)
        return store__db_err(s, e, "cannot read persons");
    sqlite3_bind_int64(st, 1, run_id);
    for (;;) {
        struct store_hub_record r;
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = store__db_err(s, e, "cannot read persons");
            break;
        }
        read_record(st, &r);
        rc = fn(sqlite3_column_int64(st, 13), &r, arg);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    return rc;
}
