/*
 * store_int.h: private to the store module (store*.c). The open database and the
 * statements it keeps prepared for the hot paths.
 */
#ifndef TIPHUB_STORE_INT_H
#define TIPHUB_STORE_INT_H

#include <sqlite3.h>

#include "err.h"
#include "store.h"

struct store {
    sqlite3 *db;
    char *path;
    bool in_tx;
    /* Prepared once, on first use, finalised by store_close(). */
    sqlite3_stmt *case_insert;
    sqlite3_stmt *case_lookup;
    sqlite3_stmt *case_update;
    sqlite3_stmt *case_keep_revision;
    sqlite3_stmt *hub_record_insert;
    sqlite3_stmt *encoding_ref_insert;
    sqlite3_stmt *person_member_insert;
    /* Text of the run store_link_run_latest() returned. */
    char run_created_at[32];
    char run_threshold[32];
    char run_agency_threshold[32];
    char run_method[64];
};

/* Copy sqlite3_errmsg() into e at once (the next call overwrites it); returns ERR_DB. */
int store__db_err(struct store *s, struct err *e, const char *what);

/* Prepare sql (once) into *stmt; reset and clear bindings when already prepared. */
int store__prepare(struct store *s, sqlite3_stmt **stmt, const char *sql, struct err *e);

/* Run sql that returns no rows. */
int store__exec(struct store *s, const char *sql, struct err *e);

/* The current time, UTC, as "YYYY-MM-DDTHH:MM:SSZ". */
void store__now(char out[32]);

/* Bring the schema from its version up to the latest (store_schema.c). */
int store__migrate(struct store *s, struct err *e);

/* Is field stored in the cases table (the org_* fields live in agencies)? */
bool store__case_column(int field);

#endif
