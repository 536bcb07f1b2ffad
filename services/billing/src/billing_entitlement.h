/*  billing_entitlement: who pays for a repair, as a pure function.

    From the product (category, model, purchase date, proof), the fault
    (cause, component), the business date of the check, the warranty policy
    in effect, an active service contract and the last completed repair of
    the same fault, decide the service type:

      other     no fault found: advice and usage guidance, nothing to pay;
      paid      an exclusion (misuse, poor maintenance, force majeure,
                abnormal voltage, unauthorised repair), no valid proof of
                purchase, or past the period, and no contract;
      free      the same fault again within the post-repair warranty
                (flagged as a repeat repair), or in period from the
                purchase date on a valid proof (a component with its own
                period decides that component);
      contract  out of the manufacturer's warranty, with an active service
                contract: parts at cost, no labour, no visit fee.

    The rules apply in that order: an exclusion is never free, a repeat
    repair is the repairer's fault whatever the period. Return and exchange
    are offered as options for a quality fault within their windows. Every
    decision carries its reasons in words a customer understands. Dates are
    as_date's day numbers: an N-month period follows as_date's month rule
    (through the day before the anniversary); a window of N days from day D
    covers D up to D + N (the day of the purchase or repair is day 0, as in
    the national return/exchange rules: "within 7 days after the sale"). No I/O:
    the daemon reads the data and calls this; the unit tests call it with
    one row per rule.                                                       */
#ifndef BILLING_ENTITLEMENT_H
#define BILLING_ENTITLEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "as_date.h"
#include "as_msg.h"            //  AS_TEXT_SIZE


#define BILLING_MAX_TERMS       64
#define BILLING_MAX_COMPONENTS  8
#define BILLING_MAX_REASONS     8
#define BILLING_MAX_COVERAGE    (BILLING_MAX_COMPONENTS * 2 + 1)

typedef struct {
    char component [AS_TEXT_SIZE (64)];
    int months;
} billing_component_term_t;

//  Warranty term of a category (model "") or of one special model.
typedef struct {
    char category [32];
    char model [AS_TEXT_SIZE (64)];
    int months;                         //  whole unit
    char note [AS_TEXT_SIZE (200)];
    int component_count;
    billing_component_term_t components [BILLING_MAX_COMPONENTS];
} billing_term_t;

typedef struct {
    char version [AS_TEXT_SIZE (64)];
    char effective_from [AS_DATE_SIZE];
    int return_days;                    //  default 7
    int exchange_days;                  //  default 15
    int repair_warranty_days;           //  default 90
    int term_count;
    billing_term_t terms [BILLING_MAX_TERMS];
} billing_policy_t;

typedef struct {
    char contract_no [AS_TEXT_SIZE (64)];
    char starts_on [AS_DATE_SIZE];
    char ends_on [AS_DATE_SIZE];
} billing_contract_t;

typedef struct {
    const char *category;
    const char *model;
    const char *purchase_date;          //  NULL or "" when unknown
    const char *proof_kind;             //  invoice | receipt | none | NULL
    const char *cause;                  //  NULL before the diagnosis
    const char *component;              //  NULL or "": the whole unit
    const char *on;                     //  business date of the check
    const billing_policy_t *policy;
    const billing_contract_t *contract; //  NULL, or one covering the product
    const char *last_repair_on;         //  last completed repair of the same fault, or NULL
} billing_entitlement_input_t;

typedef struct {
    char code [32];                     //  machine: in_warranty, period_ended, misuse ...
    char text [AS_TEXT_SIZE (255)];    //  customer words
} billing_reason_t;

typedef struct {
    char component [AS_TEXT_SIZE (64)];    //  "whole_unit" or the component
    int months;
    char covered_until [AS_DATE_SIZE];     //  "" when no purchase date
    bool covered;                       //  on the check date, given a valid proof
} billing_coverage_t;

typedef struct {
    char service_type [16];             //  free | contract | paid | other
    char parts [16];                    //  free | at_cost | charged | none
    char labour [16];                   //  free | charged | none
    bool visit_fee;                     //  charged
    bool repeat_repair;
    bool diagnosed;                     //  a cause was given
    bool return_offered, exchange_offered;
    char return_until [AS_DATE_SIZE];
    char exchange_until [AS_DATE_SIZE];
    char policy_version [AS_TEXT_SIZE (64)];
    char contract_no [AS_TEXT_SIZE (64)];
    int coverage_count;
    billing_coverage_t coverage [BILLING_MAX_COVERAGE];
    int reason_count;
    billing_reason_t reasons [BILLING_MAX_REASONS];
} billing_entitlement_t;

//  0 with the decision, or -1 with why (bad dates, no term for the
//  category, unknown cause or proof kind): an input error, not a decision.
int billing_entitlement_decide (const billing_entitlement_input_t *input, billing_entitlement_t *decision,
                                char *why, size_t why_size);

//  The default policy of DOMAIN.md, for tests and as a fallback shape.
void billing_policy_defaults (billing_policy_t *policy);
//  The term for a model of a category: the model's own, else the category's.
const billing_term_t *billing_policy_term (const billing_policy_t *policy, const char *category,
                                           const char *model);

//  The categories of DOMAIN.md, NULL-terminated.
extern const char *const billing_categories [];

void billing_entitlement_test (bool verbose);

#endif
