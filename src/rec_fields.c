/*
 * rec_fields.c: the table of record fields (rec_fields[]) built from the X-macro
 * list in rec_fields.h, lookup of a field by column name, and the per-field facts
 * that rec_set() needs: code lists and number ranges.
 */
#include "rec.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "rec_int.h"
#include "strutil.h"

#include "banned.h"

const struct rec_field_info rec_fields[REC_NFIELDS] = {
#define REC_FIELD(id, name, type, pii, flags) {name, type, pii, flags},
#include "rec_fields.h"
#undef REC_FIELD
};

int rec_field_find(const char *name, size_t len)
{
    int f;
    for (f = 0; f < REC_NFIELDS; f++) {
        if (str_ieq(name, len, rec_fields[f].name))
            return f;
    }
    return -1;
}

bool rec_field_loggable(int field)
{
    if (field < 0 || field >= REC_NFIELDS)
        return false;
    return rec_fields[field].pii == REC_PII_NONE || rec_fields[field].pii == REC_PII_LOW;
}

/* ==== per-field code lists, looked up once ==== */

static const struct codes_list *field_lists[REC_NFIELDS];
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

static void lists_init(void)
{
    int f;
    for (f = 0; f < REC_NFIELDS; f++) {
        if (rec_fields[f].type == REC_T_PICK || rec_fields[f].type == REC_T_MULTIPICK)
            field_lists[f] = codes_list_for(rec_fields[f].name);
    }
}

void rec__init(void)
{
    pthread_once(&lists_once, lists_init);
}

const struct codes_list *rec__list(int field)
{
    rec__init();
    return field_lists[field];
}

void rec__number_range(int field, int *min, int *max)
{
    *min = 0;
    switch (field) {
    case REC_F_AGE_AT_ID:
    case REC_F_AGE_WHEN_TRAFFICKED:
        *max = 120;
        break;
    case REC_F_NUMBER_OF_CHILDREN:
        *max = 30;
        break;
    default:
        *max = 1000000000;
        break;
    }
}
