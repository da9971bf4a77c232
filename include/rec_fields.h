/*
 * rec_fields.h: the fields of a case record, in export column order.
 *
 * One line per field: REC_FIELD(id, "column name", type, pii class, flags).
 * The names are IOM's HTCDS 2.0 field names (data/htcds/htcds_fields_annotated.csv),
 * plus a few tiphub extensions (flag REC_EXT) that HTCDS 2.0 lacks but statistics and
 * linkage need: the agency's case reference, the date the case was opened, the
 * country of exploitation and the age at identification. The PII class is the
 * project's annotation in that file; it decides what may ever be logged (nothing
 * but REC_PII_NONE and REC_PII_LOW values) and what an agency may send to the hub.
 *
 * This list is the store's column list: changing it needs a schema migration
 * (store_schema.c) and a test checks that the two agree.
 */
/* clang-format off */
/*        id                        column name                                 type              pii                  flags */
REC_FIELD(CASE_REF,                 "case_ref",                                 REC_T_TEXT,       REC_PII_LOW,         REC_REQUIRED | REC_EXT)
REC_FIELD(ORG_NAME,                 "org_Name",                                 REC_T_TEXT,       REC_PII_NONE,        REC_REQUIRED)
REC_FIELD(ORG_TYPE,                 "org_Type",                                 REC_T_PICK,       REC_PII_NONE,        0)
REC_FIELD(ORG_COUNTRY,              "org_ShippingCountry",                      REC_T_COUNTRY,    REC_PII_NONE,        0)
REC_FIELD(CASE_OPENED,              "case_opened",                              REC_T_DATE,       REC_PII_QUASI,       REC_EXT)
REC_FIELD(EXPLOIT_COUNTRY,          "exploitation_country",                     REC_T_COUNTRY,    REC_PII_QUASI,       REC_EXT)
REC_FIELD(AGE_AT_ID,                "age_at_identification",                    REC_T_NUMBER,     REC_PII_QUASI,       REC_EXT)
REC_FIELD(SALUTATION,               "prs_Salutation",                           REC_T_TEXT,       REC_PII_DIRECT,      REC_CORE)
REC_FIELD(FIRST_NAME,               "prs_FirstName",                            REC_T_TEXT,       REC_PII_DIRECT,      REC_CORE)
REC_FIELD(MIDDLE_NAME,              "prs_MiddleName",                           REC_T_TEXT,       REC_PII_DIRECT,      0)
REC_FIELD(SECOND_NAME,              "prs_SecondName",                           REC_T_TEXT,       REC_PII_DIRECT,      REC_CORE)
REC_FIELD(BIRTHDATE,                "prs_Birthdate",                            REC_T_DATE,       REC_PII_DIRECT,      REC_CORE)
REC_FIELD(GENDER,                   "prs_Gender",                               REC_T_PICK,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(DECEASED,                 "prs_Deceased",                             REC_T_CHECKBOX,   REC_PII_QUASI,       0)
REC_FIELD(MARITAL_STATUS,           "prs_MaritalStatus",                        REC_T_PICK,       REC_PII_QUASI,       0)
REC_FIELD(NUMBER_OF_CHILDREN,       "prs_NumberOfChildren",                     REC_T_NUMBER,     REC_PII_QUASI,       0)
REC_FIELD(PRIMARY_LANGUAGE,         "prs_PrimaryLanguage",                      REC_T_LANGUAGE,   REC_PII_QUASI,       0)
REC_FIELD(SECONDARY_LANGUAGE,       "prs_SecondaryLanguage",                    REC_T_LANGUAGE,   REC_PII_QUASI,       0)
REC_FIELD(EDUCATION,                "prs_HighestLevelOfEducation",              REC_T_PICK,       REC_PII_QUASI,       0)
REC_FIELD(CITIZENSHIP,              "prs_Citizenship",                          REC_T_COUNTRIES,  REC_PII_QUASI,       REC_CORE)
REC_FIELD(IDENTITY_NUMBER,          "prs_IdentityNumber",                       REC_T_TEXT,       REC_PII_DIRECT,      0)
REC_FIELD(TITLE,                    "prs_Title",                                REC_T_TEXT,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(EMAIL,                    "prs_Email",                                REC_T_EMAIL,      REC_PII_DIRECT,      REC_CORE)
REC_FIELD(HOME_PHONE,               "prs_HomePhone",                            REC_T_PHONE,      REC_PII_DIRECT,      REC_CORE)
REC_FIELD(MOBILE_PHONE,             "prs_MobilePhone",                          REC_T_PHONE,      REC_PII_DIRECT,      REC_CORE)
REC_FIELD(MAILING_CITY,             "prs_MailingCity",                          REC_T_TEXT,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(MAILING_COUNTRY,          "prs_MailingCountry",                       REC_T_COUNTRY,    REC_PII_QUASI,       REC_CORE)
REC_FIELD(MAILING_STATE,            "prs_MailingState",                         REC_T_TEXT,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(MAILING_STREET,           "prs_MailingStreet",                        REC_T_TEXT,       REC_PII_DIRECT,      REC_CORE)
REC_FIELD(MAILING_POSTCODE,         "prs_MailingPostalCode",                    REC_T_TEXT,       REC_PII_DIRECT,      REC_CORE)
REC_FIELD(MAILING_LONGITUDE,        "prs_MailingLongitude",                     REC_T_LONGITUDE,  REC_PII_DIRECT,      0)
REC_FIELD(MAILING_LATITUDE,         "prs_MailingLatitude",                      REC_T_LATITUDE,   REC_PII_DIRECT,      0)
REC_FIELD(TRAFFICKING_STATUS,       "vic_TraffickingStatus",                    REC_T_PICK,       REC_PII_SENSITIVE,   REC_CORE)
REC_FIELD(STATUS_DECISION_ORG,      "vic_TraffickingStatusDecisionMakingOrg",   REC_T_PICK,       REC_PII_SENSITIVE,   REC_CORE)
REC_FIELD(RELATIONSHIP,             "vic_RelationshipToTrafficker",             REC_T_PICK,       REC_PII_QUASI,       0)
REC_FIELD(AGE_WHEN_TRAFFICKED,      "vic_AgeWhenTrafficked",                    REC_T_NUMBER,     REC_PII_QUASI,       0)
REC_FIELD(RECRUITMENT_SITES,        "vic_RecruitmentWebsitesAndApps",           REC_T_MULTIPICK,  REC_PII_SENSITIVE,   0)
REC_FIELD(RECRUITMENT_METHOD,       "vic_MethodOfRecruitment",                  REC_T_MULTIPICK,  REC_PII_SENSITIVE,   REC_CORE)
REC_FIELD(RECRUITMENT_LOCATION,     "vic_LocationOfRecruitment",                REC_T_TEXT,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(METHODS_OF_CONTROL,       "vic_MethodsOfControl",                     REC_T_MULTIPICK,  REC_PII_SENSITIVE,   REC_CORE)
REC_FIELD(EXPLOITATION_TYPE,        "vic_TypeOfExploitation",                   REC_T_MULTIPICK,  REC_PII_SENSITIVE,   REC_CORE)
REC_FIELD(LABOUR_INDUSTRY,          "vic_ForcedLabourIndustry",                 REC_T_PICK,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(SEX_EXPLOITATION_TYPE,    "vic_TypeOfSexExploitation",                REC_T_MULTIPICK,  REC_PII_SENSITIVE,   REC_CORE)
REC_FIELD(EXPLOITATION_LOCATION,    "vic_LocationOfExploitation",               REC_T_TEXT,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(EXPLOITATION_SITES,       "vic_ExploitationWebsitesAndApps",          REC_T_MULTIPICK,  REC_PII_SENSITIVE,   0)
REC_FIELD(AGREEMENT_PERSONAL_DATA,  "vic_AgreementToManagePersonalData",        REC_T_CHECKBOX,   REC_PII_SENSITIVE,   REC_DEPRECATED)
REC_FIELD(VULNERABILITIES,          "vic_Vulnerabilities",                      REC_T_MULTIPICK,  REC_PII_SENSITIVE,   REC_DEPRECATED)
REC_FIELD(VULNERABILITY_DETAILS,    "vic_DetailsOfVulnerabilities",             REC_T_LONGTEXT,   REC_PII_FREETEXT,    REC_DEPRECATED)
REC_FIELD(CASE_STATUS,              "cas_Status",                               REC_T_PICK,       REC_PII_LOW,         REC_CORE)
REC_FIELD(CLOSURE_REASON,           "cas_ReasonForCaseClosure",                 REC_T_LONGTEXT,   REC_PII_FREETEXT,    REC_CORE)
REC_FIELD(CASE_OWNER,               "cas_CaseOwner",                            REC_T_TEXT,       REC_PII_DIRECT,      REC_CORE)
REC_FIELD(REFERRING_ORG,            "cas_ReferringOrganisation",                REC_T_TEXT,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(INCOMING_REFERRAL_DATE,   "cas_IncomingReferralDate",                 REC_T_DATE,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(REFERRING_CASE_WORKER,    "cas_ReferringPrimaryCaseWorker",           REC_T_TEXT,       REC_PII_DIRECT,      REC_CORE)
REC_FIELD(INCOMING_REFERRAL_REASON, "cas_ReasonForIncomingReferral",            REC_T_PICK,       REC_PII_LOW,         REC_CORE)
REC_FIELD(INCOMING_REFERRAL_DETAILS,"cas_IncomingReferralDetails",              REC_T_LONGTEXT,   REC_PII_FREETEXT,    REC_CORE)
REC_FIELD(REFERRED_ORG,             "cas_ReferredOrganisation",                 REC_T_TEXT,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(REFERRED_CASE_WORKER,     "cas_ReferredPrimaryCaseWorker",            REC_T_TEXT,       REC_PII_DIRECT,      REC_CORE)
REC_FIELD(OUTGOING_REFERRAL_REASON, "cas_ReasonForOutgoingReferral",            REC_T_PICK,       REC_PII_LOW,         REC_CORE)
REC_FIELD(OUTGOING_REFERRAL_DATE,   "cas_OutgoingReferralDate",                 REC_T_DATE,       REC_PII_QUASI,       REC_CORE)
REC_FIELD(OUTGOING_REFERRAL_DETAILS,"cas_OutgoingReferralDetails",              REC_T_LONGTEXT,   REC_PII_FREETEXT,    REC_CORE)
REC_FIELD(CONSENT,                  "con_Consent",                              REC_T_CHECKBOX,   REC_PII_SENSITIVE,   REC_CORE)
/* clang-format on */
