/*
 * store_schema.c: the store's schema and its forward migrations.
 *
 * Each migration is frozen SQL text: once released it never changes, and a change
 * to the schema is a new migration appended to the list. PRAGMA user_version holds
 * the number of migrations applied. store__migrate() runs the missing ones, each in
 * its own transaction, when a store is opened read-write.
 *
 * Version 1: the agency side (version 2, the hub side, is described below). The columns of `cases`
 * are the fields of include/rec_fields.h except org_* (kept once per agency in `agencies`); a unit
 * test (test_store.c) checks that the two lists agree.
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

#include "banned.h"

static const char migration_1[] =
    "CREATE TABLE meta(\n"
    "    key TEXT PRIMARY KEY,\n"
    "    value TEXT NOT NULL\n"
    ");\n"
    "INSERT INTO meta(key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));\n"
    "CREATE TABLE agencies(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    type TEXT,\n"
    "    country TEXT,\n"
    "    created_at TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE imports(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    source TEXT NOT NULL,\n"
    "    format TEXT NOT NULL,\n"
    "    sha256 TEXT NOT NULL,\n"
    "    header BLOB,\n"
    "    started_at TEXT NOT NULL,\n"
    "    finished_at TEXT,\n"
    "    rows_read INTEGER,\n"
    "    rows_stored INTEGER,\n"
    "    rows_inserted INTEGER,\n"
    "    rows_updated INTEGER,\n"
    "    rows_unchanged INTEGER,\n"
    "    rows_quarantined INTEGER\n"
    ");\n"
    "CREATE TABLE cases(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    agency_id INTEGER NOT NULL REFERENCES agencies(id),\n"
    "    revision INTEGER NOT NULL DEFAULT 1,\n"
    "    import_id INTEGER REFERENCES imports(id),\n"
    "    extra TEXT,\n"
    "    case_ref TEXT NOT NULL,\n"
    "    case_opened TEXT,\n"
    "    exploitation_country TEXT,\n"
    "    age_at_identification INTEGER,\n"
    "    prs_Salutation TEXT,\n"
    "    prs_FirstName TEXT,\n"
    "    prs_MiddleName TEXT,\n"
    "    prs_SecondName TEXT,\n"
    "    prs_Birthdate TEXT,\n"
    "    prs_Gender TEXT,\n"
    "    prs_Deceased TEXT,\n"
    "    prs_MaritalStatus TEXT,\n"
    "    prs_NumberOfChildren INTEGER,\n"
    "    prs_PrimaryLanguage TEXT,\n"
    "    prs_SecondaryLanguage TEXT,\n"
    "    prs_HighestLevelOfEducation TEXT,\n"
    "    prs_Citizenship TEXT,\n"
    "    prs_IdentityNumber TEXT,\n"
    "    prs_Title TEXT,\n"
    "    prs_Email TEXT,\n"
    "    prs_HomePhone TEXT,\n"
    "    prs_MobilePhone TEXT,\n"
    "    prs_MailingCity TEXT,\n"
    "    prs_MailingCountry TEXT,\n"
    "    prs_MailingState TEXT,\n"
    "    prs_MailingStreet TEXT,\n"
    "    prs_MailingPostalCode TEXT,\n"
    "    prs_MailingLongitude TEXT,\n"
    "    prs_MailingLatitude TEXT,\n"
    "    vic_TraffickingStatus TEXT,\n"
    "    vic_TraffickingStatusDecisionMakingOrg TEXT,\n"
    "    vic_RelationshipToTrafficker TEXT,\n"
    "    vic_AgeWhenTrafficked INTEGER,\n"
    "    vic_RecruitmentWebsitesAndApps TEXT,\n"
    "    vic_MethodOfRecruitment TEXT,\n"
    "    vic_LocationOfRecruitment TEXT,\n"
    "    vic_MethodsOfControl TEXT,\n"
    "    vic_TypeOfExploitation TEXT,\n"
    "    vic_ForcedLabourIndustry TEXT,\n"
    "    vic_TypeOfSexExploitation TEXT,\n"
    "    vic_LocationOfExploitation TEXT,\n"
    "    vic_ExploitationWebsitesAndApps TEXT,\n"
    "    vic_AgreementToManagePersonalData TEXT,\n"
    "    vic_Vulnerabilities TEXT,\n"
    "    vic_DetailsOfVulnerabilities TEXT,\n"
    "    cas_Status TEXT,\n"
    "    cas_ReasonForCaseClosure TEXT,\n"
    "    cas_CaseOwner TEXT,\n"
    "    cas_ReferringOrganisation TEXT,\n"
    "    cas_IncomingReferralDate TEXT,\n"
    "    cas_ReferringPrimaryCaseWorker TEXT,\n"
    "    cas_ReasonForIncomingReferral TEXT,\n"
    "    cas_IncomingReferralDetails TEXT,\n"
    "    cas_ReferredOrganisation TEXT,\n"
    "    cas_ReferredPrimaryCaseWorker TEXT,\n"
    "    cas_ReasonForOutgoingReferral TEXT,\n"
    "    cas_OutgoingReferralDate TEXT,\n"
    "    cas_OutgoingReferralDetails TEXT,\n"
    "    con_Consent TEXT,\n"
    "    UNIQUE(agency_id, case_ref)\n"
    ");\n"
    "CREATE TABLE case_revisions(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    case_id INTEGER NOT NULL REFERENCES cases(id),\n"
    "    revision INTEGER NOT NULL,\n"
    "    import_id INTEGER REFERENCES imports(id),\n"
    "    replaced_at TEXT NOT NULL,\n"
    "    record TEXT NOT NULL,\n"
    "    UNIQUE(case_id, revision)\n"
    ");\n"
    "CREATE TABLE quarantine(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    import_id INTEGER NOT NULL REFERENCES imports(id),\n"
    "    agency_id INTEGER REFERENCES agencies(id),\n"
    "    source TEXT NOT NULL,\n"
    "    format TEXT NOT NULL,\n"
    "    line INTEGER NOT NULL,\n"
    "    raw BLOB NOT NULL,\n"
    "    raw_truncated INTEGER NOT NULL DEFAULT 0,\n"
    "    raw_total INTEGER NOT NULL,\n"
    "    digest BLOB NOT NULL,\n"
    "    reasons TEXT NOT NULL,\n"
    "    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),\n"
    "    created_at TEXT NOT NULL,\n"
    "    resolved_at TEXT,\n"
    "    resolved_case_id INTEGER REFERENCES cases(id)\n"
    ");\n"
    "CREATE INDEX quarantine_by_status ON quarantine(status, agency_id);\n"
    "CREATE UNIQUE INDEX quarantine_open_once ON quarantine(ifnull(agency_id, 0), digest)\n"
    "    WHERE status = 'open';\n";

/*
 * Version 2: the hub side. A submission is one agency's file of encodings; a new
 * submission of the same agency supersedes its earlier one (whose records then
 * take no part in linkage or statistics). hub_records hold, per record, only the
 * opaque reference, the CLK and the coarse attributes statistics need. A link run
 * groups the active records into persons (person_members).
 */
static const char migration_2[] =
    "CREATE TABLE submissions(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    agency TEXT NOT NULL,\n"
    "    schema_hash TEXT NOT NULL,\n"
    "    clk_bits INTEGER NOT NULL CHECK (clk_bits > 0 AND clk_bits % 8 = 0),\n"
    "    encoder TEXT,\n"
    "    created_at TEXT,\n"
    "    added_at TEXT NOT NULL,\n"
    "    sha256 TEXT NOT NULL UNIQUE,\n"
    "    nrecords INTEGER NOT NULL DEFAULT 0,\n"
    "    header TEXT NOT NULL,\n"
    "    superseded_by INTEGER REFERENCES submissions(id)\n"
    ");\n"
    "CREATE INDEX submissions_active ON submissions(agency) WHERE superseded_by IS NULL;\n"
    "CREATE TABLE hub_records(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    submission_id INTEGER NOT NULL REFERENCES submissions(id),\n"
    "    ref TEXT NOT NULL,\n"
    "    clk BLOB NOT NULL,\n"
    "    popcount INTEGER NOT NULL,\n"
    "    sex TEXT NOT NULL CHECK (sex IN ('F', 'M', 'X', 'U')),\n"
    "    age TEXT NOT NULL CHECK (age IN ('C', 'A', 'U')),\n"
    "    citizenship TEXT,\n"
    "    detected_in TEXT,\n"
    "    exploited_in TEXT,\n"
    "    forms INTEGER NOT NULL DEFAULT 0,\n"
    "    year INTEGER,\n"
    "    UNIQUE(submission_id, ref)\n"
    ");\n"
    "CREATE TABLE link_runs(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    created_at TEXT NOT NULL,\n"
    "    threshold TEXT NOT NULL,\n"
    "    agency_threshold TEXT,\n"
    "    method TEXT NOT NULL,\n"
    "    nrecords INTEGER NOT NULL,\n"
    "    npersons INTEGER NOT NULL,\n"
    "    ncomparisons INTEGER,\n"
    "    npairs INTEGER,\n"
    "    seconds REAL\n"
    ");\n"
    "CREATE TABLE person_members(\n"
    "    run_id INTEGER NOT NULL REFERENCES link_runs(id),\n"
    "    record_id INTEGER NOT NULL REFERENCES hub_records(id),\n"
    "    person INTEGER NOT NULL,\n"
    "    PRIMARY KEY (run_id, record_id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX person_members_by_person ON person_members(run_id, person);\n";

/*
 * Version 3: the agency side of encoding. Each `tiphub encode --db` run is logged
 * with the random reference it gave every case, so that the agency (and only the
 * agency) can tell which of its cases a reference in the hub's results stands for.
 */
static const char migration_3[] = "CREATE TABLE encodings(\n"
                                  "    id INTEGER PRIMARY KEY,\n"
                                  "    agency_id INTEGER NOT NULL REFERENCES agencies(id),\n"
                                  "    created_at TEXT NOT NULL,\n"
                                  "    schema_hash TEXT NOT NULL,\n"
                                  "    clk_bits INTEGER NOT NULL,\n"
                                  "    nrecords INTEGER NOT NULL,\n"
                                  "    output TEXT\n"
                                  ");\n"
                                  "CREATE TABLE encoding_refs(\n"
                                  "    encoding_id INTEGER NOT NULL REFERENCES encodings(id),\n"
                                  "    ref TEXT NOT NULL,\n"
                                  "    case_id INTEGER NOT NULL REFERENCES cases(id),\n"
                                  "    PRIMARY KEY (encoding_id, ref)\n"
                                  ") WITHOUT ROWID;\n";

/*
 * Version 4: statistics releases and the privacy budget ledger. A release is
 * stored with what it cost; budgets.spent is debited in the same transaction that
 * inserts the release (store_release_add), so a release never exists without its
 * debit nor a debit without its release. Amounts are whole nano-epsilon. The index
 * hub_records_stats covers every column statistics read, in id order, so that they
 * scan it instead of the records with their CLKs (store_run_scan).
 */
static const char migration_4[] =
    "CREATE TABLE budgets(\n"
    "    dataset TEXT PRIMARY KEY,\n"
    "    total_nano INTEGER NOT NULL CHECK (total_nano >= 0),\n"
    "    spent_nano INTEGER NOT NULL DEFAULT 0 CHECK (spent_nano >= 0),\n"
    "    delta_spent REAL NOT NULL DEFAULT 0,\n"
    "    updated_at TEXT NOT NULL,\n"
    "    CHECK (spent_nano <= total_nano)\n"
    ");\n"
    "CREATE TABLE releases(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    dataset TEXT NOT NULL REFERENCES budgets(dataset),\n"
    "    query_key TEXT NOT NULL,\n"
    "    mode TEXT NOT NULL,\n"
    "    epsilon_nano INTEGER NOT NULL CHECK (epsilon_nano >= 0),\n"
    "    delta REAL NOT NULL DEFAULT 0,\n"
    "    payload TEXT NOT NULL,\n"
    "    created_at TEXT NOT NULL,\n"
    "    UNIQUE(dataset, query_key)\n"
    ");\n"
    "CREATE INDEX hub_records_stats ON hub_records(id, submission_id, sex, age, year, forms,\n"
    "    detected_in, exploited_in, citizenship);\n";

static const char *const migrations[] = {
    migration_1,
    migration_2,
    migration_3,
    migration_4,
};

static const int nmigrations = (int)(sizeof(migrations) / sizeof(migrations[0]));

int store_schema_latest(void)
{
    return nmigrations;
}

int store__migrate(struct store *s, struct err *e)
{
    int version = store_schema_version(s);
    int rc = 0;

    if (version < 0)
        return store__db_err(s, e, "cannot read the schema version");
    if (version > nmigrations)
        return err_set(e, ERR_CORRUPT,
                       "store '%s' has schema version %d, newer than this tiphub (%d); "
                       "upgrade tiphub",
                       s->path, version, nmigrations);
    while (version < nmigrations) {
        char pragma[64];
        rc = store_begin(s, e);
        if (rc < 0)
            return rc;
        rc = store__exec(s, migrations[version], e);
        if (rc == 0) {
            snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version + 1);
            rc = store__exec(s, pragma, e);
        }
        if (rc == 0)
            rc = store_commit(s, e);
        if (rc < 0) {
            store_rollback(s);
            err_prefix(e, "migration to schema version %d failed", version + 1);
            return rc;
        }
        version++;
    }
    return 0;
}
