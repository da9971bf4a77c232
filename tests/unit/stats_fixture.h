/*
 * stats_fixture.h: hub stores for the statistics tests, built directly through the
 * store API (submissions, hub records, a link run and its persons), by hand or from
 * `tiphub synth` output grouped into persons by its truth file. Included by
 * test_stats.c and test_stats_ledger.c.
 */
#ifndef TIPHUB_TEST_STATS_FIXTURE_H
#define TIPHUB_TEST_STATS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hmap.h"
#include "ingest.h"
#include "rec.h"
#include "store.h"
#include "synth.h"

#define FX_UNUSED __attribute__((unused))

struct hubfx {
    char dir[64];
    char path[128];
    struct store *s;
    int64_t nrecords; /* ids are given in insertion order: 1, 2, ... */
    int64_t run;
    int nsub;
};

FX_UNUSED static int hubfx_open(struct hubfx *fx, const char *name)
{
    struct err e;
    memset(fx, 0, sizeof(*fx));
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/tiphub-test-%s.XXXXXX", name);
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/hub.db", fx->dir);
    if (store_open(fx->path, STORE_CREATE, &fx->s, &e) < 0)
        return -1;
    return store_begin(fx->s, &e);
}

FX_UNUSED static int64_t hubfx_submission(struct hubfx *fx, const char *agency)
{
    struct store_submission su;
    struct err e;
    char sha[65];
    int64_t id = 0, replaced = 0;

    snprintf(sha, sizeof(sha), "%064d", ++fx->nsub);
    memset(&su, 0, sizeof(su));
    su.agency = agency;
    su.schema_hash = "test";
    su.clk_bits = 64;
    su.encoder = "test";
    su.created_at = "2026-01-01T00:00:00Z";
    su.sha256 = sha;
    su.header = "{}";
    if (store_submission_add(fx->s, &su, &id, &replaced, &e) < 0)
        return -1;
    return id;
}

/* Add a record; returns its id. */
FX_UNUSED static int64_t hubfx_record(struct hubfx *fx, int64_t sub, char sex, char age,
                                      const char *cit, const char *det, const char *expl,
                                      unsigned forms, int year)
{
    static const unsigned char clk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct store_hub_record r;
    struct err e;
    char ref[40];

    memset(&r, 0, sizeof(r));
    snprintf(ref, sizeof(ref), "%032llx", (unsigned long long)fx->nrecords + 1);
    r.ref = ref;
    r.clk = clk;
    r.clk_len = sizeof(clk);
    r.sex = sex;
    r.age = age;
    r.citizenship = cit;
    r.detected_in = det;
    r.exploited_in = expl;
    r.forms = forms;
    r.year = year;
    if (store_hub_record_add(fx->s, sub, &r, &e) < 0)
        return -1;
    return ++fx->nrecords;
}

FX_UNUSED static int hubfx_run(struct hubfx *fx, uint64_t npersons)
{
    struct store_link_run lr;
    struct err e;
    memset(&lr, 0, sizeof(lr));
    lr.threshold = "0.8";
    lr.method = "truth";
    lr.nrecords = (uint64_t)fx->nrecords;
    lr.npersons = npersons;
    return store_link_run_add(fx->s, &lr, &fx->run, &e);
}

FX_UNUSED static int hubfx_member(struct hubfx *fx, int64_t record, int64_t person)
{
    struct err e;
    return store_person_member_add(fx->s, fx->run, record, person, &e);
}

FX_UNUSED static int hubfx_commit(struct hubfx *fx)
{
    struct err e;
    return store_commit(fx->s, &e);
}

FX_UNUSED static void hubfx_close(struct hubfx *fx)
{
    char cmd[256];
    store_close(fx->s);
    fx->s = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", fx->dir);
}

/* ---- from synth output ---- */

/* What the test knows of each synth person from their records (person_id - 1). */
struct fx_person {
    bool knows_sex;
    bool knows_cit;
    bool knows_age;
    int year_min;
    unsigned nrecords;
};

struct fx_synth {
    struct synth *synth;
    struct fx_person *persons;
    size_t npersons;
    struct hmap truth; /* "agency\x1fcase_ref" -> person_id */
    struct hubfx *fx;
    int64_t sub;
    int failed;
};

FX_UNUSED static int fx_on_case(const struct rec *r, int64_t case_id, void *arg)
{
    struct fx_synth *fs = arg;
    struct rec_coarse c;
    char key[512];
    uint64_t pid = 0;
    int64_t id;
    struct fx_person *p;

    (void)case_id;
    snprintf(key, sizeof(key), "%s\x1f%s", r->val[REC_F_ORG_NAME], r->val[REC_F_CASE_REF]);
    if (!hmap_get(&fs->truth, key, strlen(key), &pid) || pid == 0 || pid > fs->npersons) {
        fs->failed++;
        return 0;
    }
    rec_coarse(r, &c);
    id = hubfx_record(fs->fx, fs->sub, c.sex, c.age, c.citizenship, c.detected_in, c.exploited_in,
                      c.forms, c.year);
    if (id < 0 || hubfx_member(fs->fx, id, (int64_t)pid) < 0) {
        fs->failed++;
        return 0;
    }
    p = &fs->persons[pid - 1];
    p->knows_sex = p->knows_sex || c.sex != 'U';
    p->knows_cit = p->knows_cit || (c.citizenship != NULL && c.citizenship[0] != '\0');
    p->knows_age = p->knows_age || c.age != 'U';
    if (c.year > 0 && (p->year_min == 0 || c.year < p->year_min))
        p->year_min = c.year;
    p->nrecords++;
    return 0;
}

/*
 * Draw synth data (persons, agencies, seed), write it under fx->dir, import every
 * agency file into an agency store, and fill the hub (fx, opened) with each case's
 * coarse attributes grouped into persons by truth.csv. Returns 0.
 */
FX_UNUSED static int fx_from_synth(struct hubfx *fx, struct fx_synth *fs, size_t persons,
                                   size_t agencies, uint64_t seed)
{
    struct synth_options o;
    struct err e;
    char sdir[160], path[256], line[512];
    struct store *agency_store = NULL;
    FILE *f = NULL;
    size_t i;

    memset(fs, 0, sizeof(*fs));
    fs->fx = fx;
    synth_options_init(&o);
    o.persons = persons;
    o.agencies = agencies;
    o.seed = seed;
    if (synth_new(&fs->synth, &o, &e) < 0)
        return -1;
    fs->npersons = synth_npersons(fs->synth);
    fs->persons = calloc(fs->npersons, sizeof(*fs->persons));
    snprintf(sdir, sizeof(sdir), "%s/synth", fx->dir);
    if (synth_write(fs->synth, sdir, NULL, &e) < 0)
        return -1;
    hmap_init(&fs->truth);
    snprintf(path, sizeof(path), "%s/truth.csv", sdir);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *c1 = strchr(line, ','), *c2;
        uint64_t pid;
        if (c1 == NULL)
            continue;
        c2 = strchr(c1 + 1, ',');
        if (c2 == NULL)
            continue;
        pid = strtoull(c2 + 1, NULL, 10);
        if (pid == 0)
            continue; /* the header */
        *c1 = '\x1f';
        hmap_put(&fs->truth, line, (size_t)(c2 - line), pid, NULL);
    }
    fclose(f);

    snprintf(path, sizeof(path), "%s/agency.db", fx->dir);
    if (store_open(path, STORE_CREATE, &agency_store, &e) < 0)
        return -1;
    for (i = 0; i < synth_nagencies(fs->synth); i++) {
        struct ingest_options io;
        struct ingest_file_result res;
        memset(&io, 0, sizeof(io));
        io.today = "2026-06-30";
        snprintf(path, sizeof(path), "%s/%s.csv", sdir, synth_agency_name(fs->synth, i));
        if (ingest_file(agency_store, path, &io, &res, &e) < 0 || res.counts.quarantined != 0) {
            fprintf(stderr, "import of %s: %s\n", path, e.msg);
            store_close(agency_store);
            return -1;
        }
    }
    for (i = 0; i < synth_nagencies(fs->synth); i++) {
        fs->sub = hubfx_submission(fx, synth_agency_name(fs->synth, i));
        if (fs->sub < 0 || (i == 0 && hubfx_run(fx, fs->npersons) < 0))
            return -1;
        if (store_case_each(agency_store, synth_agency_name(fs->synth, i), fx_on_case, fs, &e) < 0)
            return -1;
    }
    store_close(agency_store);
    return fs->failed == 0 ? 0 : -1;
}

FX_UNUSED static void fx_synth_release(struct fx_synth *fs)
{
    synth_free(fs->synth);
    free(fs->persons);
    hmap_release(&fs->truth);
}

#endif
