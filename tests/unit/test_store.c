/*
 * test_store.c: unit tests for the store (store*.c): opening and migrating,
 * the cases table against the field list, insert/update/unchanged with kept
 * revisions, quarantine, and transactions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_int.h"

struct fixture {
    char dir[64];
    char path[128];
    struct store *s;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct err e;

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/tiphub-test-store.XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
    if (store_open(fx->path, STORE_CREATE, &fx->s, &e) < 0)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[256];

    store_close(fx->s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static char *pragma_text(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;

    assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

static void test_open_sets_up_store(void **state)
{
    struct fixture *fx = *state;
    char *mode = pragma_text(fx->s, "PRAGMA journal_mode");
    char *fk = pragma_text(fx->s, "PRAGMA foreign_keys");
    char *sync = pragma_text(fx->s, "PRAGMA synchronous");

    assert_string_equal(mode, "wal");
    assert_string_equal(fk, "1");
    assert_string_equal(sync, "2"); /* FULL */
    assert_int_equal(store_schema_version(fx->s), store_schema_latest());
    assert_true(store_schema_latest() >= 1);
    free(mode);
    free(fk);
    free(sync);
}

static void test_cases_columns_match_fields(void **state)
{
    struct fixture *fx = *state;
    sqlite3_stmt *st = NULL;
    int f = 0;
    int skipped = 0;

    assert_int_equal(
        sqlite3_prepare_v2(fx->s->db,
                           "SELECT name FROM pragma_table_info('cases') WHERE cid >= 5 "
                           "ORDER BY cid",
                           -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(st, 0);
        while (f < REC_NFIELDS && !store__case_column(f)) {
            f++;
            skipped++;
        }
        assert_true(f < REC_NFIELDS);
        assert_string_equal(col, rec_fields[f].name);
        f++;
    }
    sqlite3_finalize(st);
    while (f < REC_NFIELDS && !store__case_column(f))
        f++;
    assert_int_equal(f, REC_NFIELDS);
    assert_int_equal(skipped, 3); /* org_Name, org_Type, org_ShippingCountry */
}

static void make_rec(struct rec *r, const char *ref, const char *gender)
{
    rec_init(r);
    rec_put(r, REC_F_CASE_REF, ref);
    rec_put(r, REC_F_ORG_NAME, "police-1");
    rec_put(r, REC_F_GENDER, gender);
    rec_put(r, REC_F_AGE_AT_ID, "17");
}

struct collected {
    int n;
    char gender[64];
    char age[16];
    char org[64];
};

static int collect(const struct rec *r, int64_t id, void *arg)
{
    struct collected *c = arg;
    (void)id;
    c->n++;
    snprintf(c->gender, sizeof(c->gender), "%s", r->val[REC_F_GENDER]);
    snprintf(c->age, sizeof(c->age), "%s", r->val[REC_F_AGE_AT_ID]);
    snprintf(c->org, sizeof(c->org), "%s", r->val[REC_F_ORG_NAME]);
    return 0;
}

static void test_put_insert_unchanged_update(void **state)
{
    struct fixture *fx = *state;
    struct rec r;
    struct err e;
    enum store_put_result res;
    int64_t agency = 0, import = 0, import2 = 0, id1 = 0, id2 = 0;
    uint64_t ncases = 0, nrev = 0;
    struct collected c = {0};

    assert_int_equal(store_begin(fx->s, &e), 0);
    assert_int_equal(store_agency_ensure(fx->s, "police-1", "LawEnforcement", "NGA", &agency, &e),
                     0);
    assert_int_equal(store_import_start(fx->s, "a.csv", "csv", "00", NULL, 0, &import, &e), 0);
    make_rec(&r, "C-1", "Feminine");
    assert_int_equal(store_case_put(fx->s, import, agency, &r, &res, &id1, &e), 0);
    assert_int_equal(res, STORE_PUT_INSERTED);
    /* The same import writing the same case_ref again: a repeat within one file. */
    assert_int_equal(store_case_put(fx->s, import, agency, &r, &res, &id2, &e), 0);
    assert_int_equal(res, STORE_PUT_REPEATED);
    assert_int_equal(id1, id2);
    /* A later import of the same row: unchanged; of a changed row: an update. */
    assert_int_equal(store_import_start(fx->s, "a.csv", "csv", "00", NULL, 0, &import2, &e), 0);
    assert_int_equal(store_case_put(fx->s, import2, agency, &r, &res, &id2, &e), 0);
    assert_int_equal(res, STORE_PUT_UNCHANGED);
    assert_int_equal(id1, id2);
    rec_put(&r, REC_F_GENDER, "Masculine");
    assert_int_equal(store_case_put(fx->s, import2, agency, &r, &res, &id2, &e), 0);
    assert_int_equal(res, STORE_PUT_UPDATED);
    assert_int_equal(id1, id2);
    /* After the update, this import wrote it: another row with it is a repeat. */
    assert_int_equal(store_case_put(fx->s, import2, agency, &r, &res, &id2, &e), 0);
    assert_int_equal(res, STORE_PUT_REPEATED);
    assert_int_equal(store_commit(fx->s, &e), 0);
    rec_release(&r);

    assert_int_equal(store_case_count(fx->s, NULL, &ncases, &nrev, &e), 0);
    assert_int_equal(ncases, 1);
    assert_int_equal(nrev, 1);
    assert_int_equal(store_case_each(fx->s, "police-1", collect, &c, &e), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.gender, "Masculine");
    assert_string_equal(c.age, "17");
    assert_string_equal(c.org, "police-1");
    assert_int_equal(store_check(fx->s, &e), 0);
}

static void test_rollback_leaves_nothing(void **state)
{
    struct fixture *fx = *state;
    struct rec r;
    struct err e;
    enum store_put_result res;
    int64_t agency = 0, import = 0;
    uint64_t n = 99;

    assert_int_equal(store_begin(fx->s, &e), 0);
    assert_int_equal(store_agency_ensure(fx->s, "ngo-1", NULL, NULL, &agency, &e), 0);
    assert_int_equal(store_import_start(fx->s, "b.csv", "csv", "00", NULL, 0, &import, &e), 0);
    make_rec(&r, "C-9", "Feminine");
    assert_int_equal(store_case_put(fx->s, import, agency, &r, &res, NULL, &e), 0);
    rec_release(&r);
    store_rollback(fx->s);
    assert_int_equal(store_case_count(fx->s, NULL, &n, NULL, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_import_count(fx->s, &n, &e), 0);
    assert_int_equal(n, 0);
}

static int count_entries(const struct store_quarantine_row *q, void *arg)
{
    int *n = arg;
    assert_non_null(q->reasons);
    assert_string_equal(q->source, "bad.csv");
    assert_memory_equal(q->header, "h1,h2", 5);
    (*n)++;
    return 0;
}

static void test_quarantine_dedup_and_resolve(void **state)
{
    struct fixture *fx = *state;
    struct store_quarantine_row q;
    struct store_quarantine_filter f;
    struct err e;
    int64_t import = 0, agency = 0, case_id = 0;
    uint64_t open = 0, resolved = 0;
    bool added = false;
    int n = 0;
    struct rec r;
    enum store_put_result res;

    assert_int_equal(store_begin(fx->s, &e), 0);
    assert_int_equal(store_import_start(fx->s, "bad.csv", "csv", "00", "h1,h2", 5, &import, &e), 0);
    memset(&q, 0, sizeof(q));
    q.import_id = import;
    q.agency = "police-1";
    q.source = "bad.csv";
    q.format = "csv";
    q.line = 7;
    q.raw = "x,\0y";
    q.raw_len = 4;
    q.raw_total = 4;
    q.reasons = "[{\"line\":7,\"column\":2,\"field\":\"\",\"reason\":\"contains a NUL byte\"}]";
    assert_int_equal(store_quarantine_add(fx->s, &q, &added, &e), 0);
    assert_true(added);
    assert_int_equal(store_quarantine_add(fx->s, &q, &added, &e), 0);
    assert_false(added); /* the same raw bytes of the same agency: once */
    memset(&f, 0, sizeof(f));
    assert_int_equal(store_quarantine_each(fx->s, &f, count_entries, &n, &e), 0);
    assert_int_equal(n, 1);

    assert_int_equal(store_agency_ensure(fx->s, "police-1", NULL, NULL, &agency, &e), 0);
    make_rec(&r, "C-7", "Feminine");
    assert_int_equal(store_case_put(fx->s, import, agency, &r, &res, &case_id, &e), 0);
    rec_release(&r);
    assert_int_equal(store_quarantine_resolve(fx->s, 1, case_id, &e), 0);
    assert_int_equal(store_quarantine_resolve(fx->s, 1, case_id, &e), ERR_NOTFOUND);
    assert_int_equal(store_commit(fx->s, &e), 0);
    assert_int_equal(store_quarantine_count(fx->s, NULL, &open, &resolved, &e), 0);
    assert_int_equal(open, 0);
    assert_int_equal(resolved, 1);
    assert_int_equal(store_check(fx->s, &e), 0);
}

static void test_refuses_foreign_files(void **state)
{
    struct fixture *fx = *state;
    char path[160];
    struct store *s = NULL;
    struct err e;
    FILE *f;
    sqlite3 *db = NULL;

    snprintf(path, sizeof(path), "%s/missing.db", fx->dir);
    assert_int_equal(store_open(path, 0, &s, &e), ERR_NOTFOUND);
    assert_null(s);

    snprintf(path, sizeof(path), "%s/text.db", fx->dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not a database, but long enough to look like a header of one\n", f);
    fclose(f);
    assert_int_equal(store_open(path, 0, &s, &e), ERR_CORRUPT);

    snprintf(path, sizeof(path), "%s/other.db", fx->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(path, 0, &s, &e), ERR_CORRUPT);
    assert_non_null(strstr(e.msg, "not a tiphub store"));
}

static void test_reopen_keeps_data(void **state)
{
    struct fixture *fx = *state;
    struct err e;
    int64_t agency = 0;
    uint64_t n = 0;

    assert_int_equal(store_agency_ensure(fx->s, "hotline", "NGO", NULL, &agency, &e), 0);
    store_close(fx->s);
    fx->s = NULL;
    assert_int_equal(store_open(fx->path, STORE_READONLY, &fx->s, &e), 0);
    assert_int_equal(store_schema_version(fx->s), store_schema_latest());
    assert_int_equal(store_case_count(fx->s, "hotline", &n, NULL, &e), 0);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_sets_up_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cases_columns_match_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_insert_unchanged_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quarantine_dedup_and_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_foreign_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
