/*
 * codes_forms.c: forms of exploitation (codes.h): the ICCS code and Global Report
 * form of each vic_TypeOfExploitation value, and the person-level forms
 * (FORM_MIXED for sexual exploitation together with forced labour).
 */
#include "codes.h"

#include "codes_int.h"
#include "err.h"

#include "banned.h"

const char *codes_iccs_label(enum codes_iccs c)
{
    return (unsigned)c < CODES_NICCS ? codes__get()->iccs_label[c] : "";
}

const char *codes_form_label(enum codes_form f)
{
    return (unsigned)f < CODES_NFORMS ? codes__get()->form_label[f] : "";
}

int codes_exploitation(const char *value_name, enum codes_iccs *iccs, enum codes_form *form)
{
    const struct codes__tables *t = codes__get();
    int i = codes_list_index(t->exploitation, value_name);
    if (i < 0)
        return ERR_NOTFOUND;
    *iccs = (enum codes_iccs)t->expl_iccs[i];
    *form = (enum codes_form)t->expl_form[i];
    return 0;
}

unsigned codes_forms_person(unsigned form_mask)
{
    const unsigned sex = 1u << CODES_FORM_SEX, fl = 1u << CODES_FORM_FL;
    if ((form_mask & sex) && (form_mask & fl))
        return (form_mask & ~(sex | fl)) | (1u << CODES_FORM_MIXED);
    return form_mask;
}

int codes_form_primary(unsigned form_mask)
{
    static const enum codes_form order[] = {
        CODES_FORM_MIXED, CODES_FORM_SEX,   CODES_FORM_FL,    CODES_FORM_CRIM,  CODES_FORM_BEG,
        CODES_FORM_MARR,  CODES_FORM_ORGAN, CODES_FORM_ADOPT, CODES_FORM_ARMED, CODES_FORM_OTHER};
    unsigned m = codes_forms_person(form_mask);
    size_t i;
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (m & (1u << order[i]))
            return (int)order[i];
    }
    return -1;
}
