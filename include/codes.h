/*
 * codes.h: the code lists compiled into tiphub: countries (ISO 3166 with UN M49
 * regions and the UNODC Global Report regions), the HTCDS 2.0 picklists with
 * tiphub's extensions, and the mapping of forms of exploitation to ICCS codes and
 * Global Report forms.
 *
 * The lists come from the CSV files under data/codes and data/htcds (see their
 * PROVENANCE.md), embedded in the binary. They are parsed once, at first use, by
 * whichever thread gets there first (pthread_once); after that every function here
 * only reads shared tables and is safe to call from any thread. Lookups do not
 * allocate: countries by code use direct tables, names and picklist values use hash
 * tables of a matching key.
 *
 * The matching key of a text (codes_key()) keeps only its letters and digits,
 * lowercased, with diacritics removed: "Non-Conforming", "non conforming" and
 * "NON_CONFORMING" all match the value NonConforming, and "Cote d'Ivoire" matches
 * "Côte d'Ivoire". Used by the record validator (rec.c), statistics (region and
 * form tables) and reports (labels).
 */
#ifndef TIPHUB_CODES_H
#define TIPHUB_CODES_H

#include <stdbool.h>
#include <stddef.h>

/* ---- countries ---- */

struct codes_country {
    const char *name;             /* English short name as in ISO 3166, e.g. "Viet Nam" */
    char alpha2[3];               /* "VN" */
    char alpha3[4];               /* "VNM" */
    int numeric;                  /* ISO 3166 numeric = M49 code (704); 0 for extensions */
    const char *region;           /* M49 region name ("Asia"); "" when none (Antarctica) */
    int region_code;              /* M49 region code (142); 0 when none */
    const char *subregion;        /* M49 sub-region name ("South-eastern Asia"); "" when none */
    int subregion_code;           /* M49 sub-region code (35); 0 when none */
    const char *intermediate;     /* M49 intermediate region ("Caribbean"); "" when none */
    int intermediate_code;        /* its code; 0 when none */
    const char *glotip_region;    /* Global Report region ("SEAP"); "" when none */
    const char *glotip_subregion; /* Global Report subregion ("EAP"); "" when none */
    bool extension;               /* not in ISO 3166-1 (Kosovo, XK/XKX) */
};

/* Number of countries: the ISO 3166-1 list plus tiphub's extensions. */
size_t codes_country_count(void);
/* Country i, 0 <= i < codes_country_count(), in the ISO file's order (by English name). */
const struct codes_country *codes_country_at(size_t i);

/*
 * The country that s[0..len) names, or NULL: an alpha-2 or alpha-3 code (any case),
 * a numeric code ("4", "004"), the English short name or a common alias
 * (data/codes/country_aliases.csv), matched by codes_key(). Surrounding spaces are
 * ignored. Does not allocate.
 */
const struct codes_country *codes_country_find(const char *s, size_t len);
/* The country with this alpha-3 code (exact, upper case as stored), or NULL. */
const struct codes_country *codes_country_by_alpha3(const char *alpha3);
/*
 * For a near miss ("Gernamy"): the country whose name or alias is closest by edit
 * distance, or NULL when none is close enough. For messages ("did you mean ...").
 */
const struct codes_country *codes_country_suggest(const char *s, size_t len);
/* Index of c in the codes_country_at() order. */
size_t codes_country_index(const struct codes_country *c);

/* ---- Global Report regions ---- */

/* Label of a Global Report region or subregion code ("EECA" -> "Eastern Europe and
 * Central Asia"), from iccs_tip.csv, or NULL for an unknown code. */
const char *codes_glotip_label(const char *code);
/* The region a subregion belongs to ("EECA" -> "EUR_CA"), or NULL. */
const char *codes_glotip_parent(const char *subregion);

/* ---- HTCDS picklists ---- */

struct codes_list; /* the values of one field, in the standard's order then extensions */

/* The code list of an HTCDS field ("prs_Gender"), exact name, or NULL if it has none. */
const struct codes_list *codes_list_for(const char *field);
/* Field name of the list. */
const char *codes_list_field(const struct codes_list *l);
/* Number of values. */
size_t codes_list_count(const struct codes_list *l);
/* Value name of value i ("TransgenderFeminine"): the canonical form stored in records. */
const char *codes_list_name(const struct codes_list *l, size_t i);
/* Label of value i ("Transgender Feminine"), for reports. */
const char *codes_list_label(const struct codes_list *l, size_t i);
/* True if value i is a tiphub extension (data/codes/htcds_extensions.csv). */
bool codes_list_is_ext(const struct codes_list *l, size_t i);

/*
 * Index of the value that s[0..len) names, or -1: its value name, its label, or an
 * alias (data/codes/value_aliases.csv), matched by codes_key(). Does not allocate.
 */
int codes_list_match(const struct codes_list *l, const char *s, size_t len);
/* Index of the value whose canonical name is exactly name, or -1 (ordinal position). */
int codes_list_index(const struct codes_list *l, const char *name);
/*
 * For a near miss: the value name closest to s[0..len) by edit distance over names,
 * labels and aliases, or NULL when none is close enough ("Femenine" -> "Feminine").
 */
const char *codes_list_suggest(const struct codes_list *l, const char *s, size_t len);

/* Number of fields with a code list, and field i's list, to iterate them all. */
size_t codes_list_nlists(void);
const struct codes_list *codes_list_at(size_t i);

/* ---- forms of exploitation: ICCS codes and Global Report forms ---- */

/* ICCS level-3 codes under 0204, trafficking in persons. */
enum codes_iccs {
    CODES_ICCS_SEX = 0,    /* 02041 for sexual exploitation */
    CODES_ICCS_LABOUR = 1, /* 02042 for forced labour or services */
    CODES_ICCS_ORGAN = 2,  /* 02043 for organ removal */
    CODES_ICCS_OTHER = 3,  /* 02044 for other purposes */
    CODES_NICCS
};

/* Forms of exploitation as the UNODC Global Report counts them. */
enum codes_form {
    CODES_FORM_SEX = 0, /* FORM_SEX, sexual exploitation */
    CODES_FORM_FL,      /* FORM_FL, forced labour */
    CODES_FORM_CRIM,    /* FORM_CRIM, forced criminal activity (incl. online scams) */
    CODES_FORM_BEG,     /* FORM_BEG, forced begging */
    CODES_FORM_MARR,    /* FORM_MARR, forced marriage */
    CODES_FORM_ORGAN,   /* FORM_ORGAN, organ removal */
    CODES_FORM_ADOPT,   /* FORM_ADOPT, illegal adoption */
    CODES_FORM_ARMED,   /* FORM_ARMED, exploitation in armed conflict */
    CODES_FORM_OTHER,   /* FORM_OTHER, other purposes */
    CODES_FORM_MIXED,   /* FORM_MIXED, a person with both sexual exploitation and forced labour */
    CODES_NFORMS
};

/* "02041" ... "02044". */
const char *codes_iccs_code(enum codes_iccs c);
/* "Trafficking in persons for sexual exploitation", from iccs_tip.csv. */
const char *codes_iccs_label(enum codes_iccs c);
/* "FORM_SEX" ... "FORM_MIXED". */
const char *codes_form_code(enum codes_form f);
/* "Trafficking for sexual exploitation", from iccs_tip.csv. */
const char *codes_form_label(enum codes_form f);
/* The form whose code is s ("FORM_CRIM"), or -1. */
int codes_form_from_code(const char *s);

/*
 * The ICCS code and Global Report form of a value of vic_TypeOfExploitation,
 * by canonical value name ("ForcedBegging": CODES_ICCS_LABOUR, CODES_FORM_BEG).
 * Returns 0, or ERR_NOTFOUND for a name that is not in the list.
 */
int codes_exploitation(const char *value_name, enum codes_iccs *iccs, enum codes_form *form);

/*
 * A person's forms: given the union of the form bits (1u << CODES_FORM_*) of all of a
 * person's records, replace FORM_SEX and FORM_FL by FORM_MIXED when both are present.
 */
unsigned codes_forms_person(unsigned form_mask);
/*
 * One form for a person, for tables where each victim counts once: FORM_MIXED when
 * sexual exploitation and forced labour are both present, otherwise the first present
 * in the order SEX, FL, CRIM, BEG, MARR, ORGAN, ADOPT, ARMED, OTHER (a specific form
 * before "other"). -1 when the mask is empty.
 */
int codes_form_primary(unsigned form_mask);

/* ---- matching keys ---- */

#define CODES_KEY_MAX 256

/*
 * Write the matching key of s[0..len) into out[CODES_KEY_MAX]: letters and digits
 * only, lowercased, diacritics removed (NFKD, marks dropped), other characters
 * skipped. Returns the key length, or -1 if s is not valid UTF-8 or the key would
 * not fit. Does not allocate.
 */
int codes_key(const char *s, size_t len, char out[CODES_KEY_MAX]);

#endif
