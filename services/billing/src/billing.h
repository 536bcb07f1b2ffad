/*  billingd's modules: what they share.

    billing_tariff_rpc.c  policies and fee schedules in the database, their
                          RPCs, loading the shipped files at first start,
                          registrations and contracts, business dates;
    billing_cases.c       entitlement: the what-if check and the decisions
                          of a case from intake's and dispatch's events;
    billing_invoices.c    quotes, invoices (gap-free numbers), payments,
                          credit notes.                                      */
#ifndef BILLING_H
#define BILLING_H

#include "as_service.h"
#include "billing_entitlement.h"
#include "billing_tariff.h"

//  One priced line of a quote or an invoice.
typedef struct {
    char kind [8];                      //  visit | labour | part
    char code [AS_TEXT_SIZE (32)];
    char description [AS_TEXT_SIZE (200)];
    int64_t quantity;
    int64_t unit_fen;
} billing_line_t;

#define BILLING_MAX_LINES 120

//  Of the versions in a table (policies, fee schedules), the one in effect
//  on `day` (an SQL date expression): the latest effective_from on or
//  before it (the latest loaded on a tie); before every version, the earliest.
#define BILLING_IN_EFFECT_ON(day) \
    " ORDER BY effective_from <= " day " DESC," \
    " CASE WHEN effective_from <= " day " THEN effective_from END DESC NULLS LAST, effective_from, id DESC LIMIT 1"

//  --- billing_tariff_rpc.c ---
//  Business date (BILLING_TIME_ZONE) of an RFC 3339 instant, or of now when NULL.
int billing_business_date (as_service_t *service, as_pg_t *pg, const char *instant, char *date, as_error_t *err);
//  The same in two halves, so that it rides in a pipeline of the caller's:
//  the step (its parameters kept in *params), then the date from its result.
as_pg_step_t billing_business_date_step (as_service_t *service, const char *instant, as_pg_params_t *params);
int billing_business_date_read (const PGresult *result, const char *instant, char *date, as_error_t *err);
//  The policy in effect on a day (the earliest one if the day precedes all).
int billing_policy_for (as_pg_t *pg, const char *on, billing_policy_t *policy, as_error_t *err);
//  A stored policy document parsed; NULL when none is in effect on `day`.
int billing_policy_stored (const char *document, const char *day, billing_policy_t *policy, as_error_t *err);
//  The fee schedule in effect on a day (caller frees *fees).
int billing_fees_for (as_pg_t *pg, const char *on, billing_fees_t **fees, as_error_t *err);
//  Load the shipped policy and fees when none are loaded yet (start-up).
int billing_load_defaults (as_service_t *service, as_error_t *err);
int billing_policy_load (as_call_t *call);
int billing_policy_show (as_call_t *call);
int billing_fees_load (as_call_t *call);
int billing_fees_show (as_call_t *call);
int billing_registration_add (as_call_t *call);
int billing_registration_show (as_call_t *call);
int billing_sale_recorded (as_delivery_t *delivery);
int billing_contract_sold (as_delivery_t *delivery);
//  Record purchase data of a product (source sale | case | agent); the
//  first known purchase date and proof stay with the product.
int billing_register (as_pg_t *pg, const msgpack_object *product, const char *source, const char *owner_ref,
                      const char *owner_name, as_error_t *err);
//  The same as a step, so that it rides in a pipeline of the caller's (its
//  values kept in *self; owner_ref, owner_name and source must live until
//  the pipeline has run). Its result is the registration's id.
typedef struct {
    char serial [AS_TEXT_SIZE (64)], category [32], model [AS_TEXT_SIZE (64)], purchased [16],
         proof [16], reference [AS_TEXT_SIZE (64)], retailer [AS_TEXT_SIZE (100)];
    as_pg_params_t params;
} billing_registration_t;
//  0 with *step, or -1 with err set when a field does not fit (see as_obj_text).
int billing_registration_step (billing_registration_t *self, const msgpack_object *product, const char *source,
                               const char *owner_ref, const char *owner_name, as_pg_step_t *step, as_error_t *err);

//  --- billing_cases.c ---
int billing_entitlement_check (as_call_t *call);
int billing_case_reported (as_delivery_t *delivery);
int billing_case_cancelled (as_delivery_t *delivery);
int billing_visit_diagnosed (as_delivery_t *delivery);

//  --- billing_invoices.c ---
//  Price the diagnosed work and issue a quote (no-op when nothing is chargeable).
int billing_quote_for_diagnosis (as_service_t *service, as_pg_t *pg, const msgpack_object *diagnosis,
                                 const billing_entitlement_t *decision, const char *on, as_error_t *err);
int billing_visit_completed (as_delivery_t *delivery);
//  Mark issued quotes past valid_until expired (quote.expired each); *count of them.
int billing_quotes_expire (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err);
int billing_quote_get (as_call_t *call);
int billing_quote_accept (as_call_t *call);
int billing_quote_decline (as_call_t *call);
int billing_invoice_get (as_call_t *call);
int billing_invoice_list (as_call_t *call);
int billing_invoice_issue (as_call_t *call);
int billing_payment_record (as_call_t *call);
int billing_credit_note_issue (as_call_t *call);

//  Pack a finished map (JSON text of a row from SQL) as the one-key result {key: {...}}.
int billing_reply_json (as_call_t *call, const char *key, const char *json);

#endif
