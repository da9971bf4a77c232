/*
 * truth_link.c: a test helper of the report-e2e case and the browser test. It records
 * a link run in a hub whose persons are the ground truth of `tiphub synth`, so that
 * statistics and the report can be checked exactly, whatever the quality of
 * `tiphub link`: every hub record is traced back to its agency case
 * (the agency stores remember which case each reference of `tiphub encode --db`
 * stands for) and grouped by truth.csv's person_id.
 *
 * usage: truth_link HUB TRUTH_CSV AGENCY_DB...
 *
 * The agency stores are read with SQLite directly (the store API has no reader of
 * the references, which only agencies ever need); the hub is written through the
 * store API (store_link_run_add, store_person_member_add) in one transaction.
 * Test code: inputs are synthetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "hmap.h"
#include "store.h"

#define LINE_MAX_LEN 1024

struct ctx {
    struct hmap ref_case; /* ref -> index into keys */
    struct hmap truth;    /* "agency\x1fcase_ref" -> person_id */
    char **keys;          /* "agency\x1fcase_ref" of each ref */
    size_t nkeys, cap;
    int64_t *rec_ids, *persons;
    size_t nrec, reccap;
    size_t unmatched;
};

static void add_key(struct ctx *c, const char *ref, const char *agency, const char *case_ref)
{
    size_t n = strlen(agency) + strlen(case_ref) + 2;
    char *k = malloc(n);
    if (k == NULL)
        abort();
    snprintf(k, n, "%s\x1f%s", agency, case_ref);
    if (c->nkeys == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->keys = realloc(c->keys, c->cap * sizeof(*c->keys));
        if (c->keys == NULL)
            abort();
    }
    c->keys[c->nkeys] = k;
    hmap_put(&c->ref_case, ref, strlen(ref), c->nkeys, NULL);
    c->nkeys++;
}

static int read_agency(struct ctx *c, const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "truth_link: cannot open '%s'\n", path);
        sqlite3_close(db);
        return -1;
    }
    rc =
        sqlite3_prepare_v2(db,
                           "SELECT r.ref, a.name, c.case_ref FROM encoding_refs r "
                           "JOIN cases c ON c.id = r.case_id JOIN agencies a ON a.id = c.agency_id",
                           -1, &st, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "truth_link: '%s': %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    for (;;) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        add_key(c, (const char *)sqlite3_column_text(st, 0),
                (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int read_truth(struct ctx *c, const char *path)
{
    char line[LINE_MAX_LEN];
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        fprintf(stderr, "truth_link: cannot open '%s'\n", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *c1 = strchr(line, ','), *c2 = NULL;
        unsigned long long pid;
        if (c1 == NULL)
            continue;
        c2 = strchr(c1 + 1, ',');
        if (c2 == NULL)
            continue;
        pid = strtoull(c2 + 1, NULL, 10);
        if (pid == 0)
            continue; /* the header */
        *c1 = '\x1f';
        hmap_put(&c->truth, line, (size_t)(c2 - line), pid, NULL);
    }
    fclose(f);
    return 0;
}

static int on_record(const struct store_hub_record *r, void *arg)
{
    struct ctx *c = arg;
    uint64_t idx = 0, pid = 0;

    if (!hmap_get(&c->ref_case, r->ref, strlen(r->ref), &idx) ||
        !hmap_get(&c->truth, c->keys[idx], strlen(c->keys[idx]), &pid)) {
        c->unmatched++;
        return 0;
    }
    if (c->nrec == c->reccap) {
        c->reccap = c->reccap ? c->reccap * 2 : 1024;
        c->rec_ids = realloc(c->rec_ids, c->reccap * sizeof(*c->rec_ids));
        c->persons = realloc(c->persons, c->reccap * sizeof(*c->persons));
        if (c->rec_ids == NULL || c->persons == NULL)
            abort();
    }
    c->rec_ids[c->nrec] = r->id;
    c->persons[c->nrec] = (int64_t)pid;
    c->nrec++;
    return 0;
}

int main(int argc, char **argv)
{
    struct ctx c;
    struct store *s = NULL;
    struct store_link_run run;
    struct err e;
    int64_t run_id = 0, maxp = 0;
    unsigned char *seen = NULL;
    uint64_t npersons = 0;
    size_t i;
    int rc = 1;

    if (argc < 4) {
        fprintf(stderr, "usage: truth_link HUB TRUTH_CSV AGENCY_DB...\n");
        return 2;
    }
    memset(&c, 0, sizeof(c));
    hmap_init(&c.ref_case);
    hmap_init(&c.truth);
    if (read_truth(&c, argv[2]) < 0)
        goto out;
    for (i = 3; i < (size_t)argc; i++)
        if (read_agency(&c, argv[i]) < 0)
            goto out;
    err_init(&e);
    if (store_open(argv[1], 0, &s, &e) < 0 || store_hub_record_each(s, on_record, &c, &e) < 0) {
        fprintf(stderr, "truth_link: %s\n", e.msg);
        goto out;
    }
    if (c.unmatched > 0) {
        fprintf(stderr, "truth_link: %zu hub records have no known case\n", c.unmatched);
        goto out;
    }
    for (i = 0; i < c.nrec; i++)
        if (c.persons[i] > maxp)
            maxp = c.persons[i];
    seen = calloc((size_t)maxp + 1, 1);
    for (i = 0; i < c.nrec; i++) {
        if (!seen[c.persons[i]])
            npersons++;
        seen[c.persons[i]] = 1;
    }
    memset(&run, 0, sizeof(run));
    run.threshold = "1";
    run.method = "truth";
    run.nrecords = c.nrec;
    run.npersons = npersons;
    if (store_begin(s, &e) < 0 || store_link_run_add(s, &run, &run_id, &e) < 0)
        goto fail;
    for (i = 0; i < c.nrec; i++)
        if (store_person_member_add(s, run_id, c.rec_ids[i], c.persons[i], &e) < 0)
            goto fail;
    if (store_commit(s, &e) < 0)
        goto fail;
    printf("link run %lld: %zu records, %llu persons (from the ground truth)\n", (long long)run_id,
           c.nrec, (unsigned long long)npersons);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "truth_link: %s\n", e.msg);
out:
    store_close(s);
    for (i = 0; i < c.nkeys; i++)
        free(c.keys[i]);
    free(c.keys);
    free(c.rec_ids);
    free(c.persons);
    free(seen);
    hmap_release(&c.ref_case);
    hmap_release(&c.truth);
    return rc;
}
