/*  billing_entitlement: the warranty rules of DOMAIN.md as one function.   */
#include "billing_entitlement.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const billing_categories [] = {
    "air_conditioner", "refrigerator", "washing_machine", "television", "water_heater", "range_hood",
    "gas_stove", "fan", "hair_dryer", "vacuum_cleaner", "smart_home", NULL
};

//  Causes that void the warranty, each with its own words.
static const struct {
    const char *cause;
    const char *text;
} s_exclusions [] = {
    { "misuse", "Not covered: the fault was caused by misuse of the product." },
    { "poor_maintenance", "Not covered: the fault was caused by poor maintenance or storage." },
    { "force_majeure", "Not covered: the damage was caused by force majeure (a natural disaster or an accident)." },
    { "abnormal_voltage", "Not covered: the fault was caused by an abnormal supply voltage." },
    { "unauthorised_repair", "Not covered: the product was taken apart, repaired or modified by someone not authorised." },
};
#define S_EXCLUSION_COUNT (sizeof s_exclusions / sizeof s_exclusions [0])

static bool
s_is (const char *text, const char *value)
{
    return text && strcmp (text, value) == 0;
}

static bool
s_given (const char *text)
{
    return text && *text;
}

static void
s_reason (billing_entitlement_t *decision, const char *code, const char *format, ...)
{
    if (decision->reason_count >= BILLING_MAX_REASONS)
        return;
    billing_reason_t *reason = &decision->reasons [decision->reason_count++];
    snprintf (reason->code, sizeof reason->code, "%s", code);
    va_list args;
    va_start (args, format);
    vsnprintf (reason->text, sizeof reason->text, format, args);
    va_end (args);
}

static void
s_set_type (billing_entitlement_t *decision, const char *type, const char *parts, const char *labour,
            bool visit_fee)
{
    snprintf (decision->service_type, sizeof decision->service_type, "%s", type);
    snprintf (decision->parts, sizeof decision->parts, "%s", parts);
    snprintf (decision->labour, sizeof decision->labour, "%s", labour);
    decision->visit_fee = visit_fee;
}

void
billing_policy_defaults (billing_policy_t *policy)
{
    memset (policy, 0, sizeof *policy);
    snprintf (policy->version, sizeof policy->version, "builtin");
    snprintf (policy->effective_from, sizeof policy->effective_from, "2000-01-01");
    policy->return_days = 7;
    policy->exchange_days = 15;
    policy->repair_warranty_days = 90;
    for (int index = 0; billing_categories [index]; index++) {
        billing_term_t *term = &policy->terms [policy->term_count++];
        snprintf (term->category, sizeof term->category, "%s", billing_categories [index]);
        term->months = 12;
        if (s_is (term->category, "air_conditioner") || s_is (term->category, "refrigerator")) {
            snprintf (term->components [0].component, sizeof term->components [0].component, "compressor");
            term->components [0].months = 36;
            term->component_count = 1;
        }
    }
}

const billing_term_t *
billing_policy_term (const billing_policy_t *policy, const char *category, const char *model)
{
    const billing_term_t *found = NULL;
    for (int index = 0; index < policy->term_count; index++) {
        const billing_term_t *term = &policy->terms [index];
        if (!s_is (term->category, category))
            continue;
        if (s_given (model) && s_is (term->model, model))
            return term;
        if (!term->model [0])
            found = term;
    }
    return found;
}

//  Months of a component: the model's own term, else its category's, else
//  the whole unit's. 0 when the component has no period of its own.
static int
s_component_months (const billing_policy_t *policy, const billing_term_t *term, const char *component)
{
    for (int index = 0; index < term->component_count; index++)
        if (s_is (term->components [index].component, component))
            return term->components [index].months;
    const billing_term_t *general = billing_policy_term (policy, term->category, NULL);
    for (int index = 0; general && general != term && index < general->component_count; index++)
        if (s_is (general->components [index].component, component))
            return general->components [index].months;
    return 0;
}

static void
s_add_coverage (billing_entitlement_t *decision, const char *component, int months, bool dated,
                int64_t purchase, int64_t on, bool proof_valid)
{
    for (int index = 0; index < decision->coverage_count; index++)
        if (s_is (decision->coverage [index].component, component))
            return;
    if (decision->coverage_count >= BILLING_MAX_COVERAGE)
        return;
    billing_coverage_t *coverage = &decision->coverage [decision->coverage_count++];
    snprintf (coverage->component, sizeof coverage->component, "%s", component);
    coverage->months = months;
    if (dated) {
        int64_t until = as_date_period_end (purchase, months);
        as_date_format (until, coverage->covered_until);
        coverage->covered = proof_valid && on >= purchase && on <= until;
    }
}

//  Whole unit first, then every component with its own period.
static void
s_coverage (const billing_policy_t *policy, const billing_term_t *term, billing_entitlement_t *decision,
            bool dated, int64_t purchase, int64_t on, bool proof_valid)
{
    s_add_coverage (decision, "whole_unit", term->months, dated, purchase, on, proof_valid);
    for (int index = 0; index < term->component_count; index++)
        s_add_coverage (decision, term->components [index].component, term->components [index].months,
                        dated, purchase, on, proof_valid);
    const billing_term_t *general = billing_policy_term (policy, term->category, NULL);
    for (int index = 0; general && general != term && index < general->component_count; index++)
        s_add_coverage (decision, general->components [index].component,
                        s_component_months (policy, term, general->components [index].component),
                        dated, purchase, on, proof_valid);
}

static int
s_fail (char *why, size_t why_size, const char *format, const char *value)
{
    snprintf (why, why_size, format, value ? value : "");
    return -1;
}

static bool
s_known_cause (const char *cause)
{
    if (!cause || s_is (cause, "quality") || s_is (cause, "no_fault"))
        return true;
    for (size_t index = 0; index < S_EXCLUSION_COUNT; index++)
        if (s_is (cause, s_exclusions [index].cause))
            return true;
    return false;
}

//  Input errors: dates that do not exist, unknown words, no term.
static int
s_check_input (const billing_entitlement_input_t *input, int64_t *on, int64_t *purchase, bool *dated,
               char *why, size_t why_size)
{
    if (!as_date_parse (input->on, on))
        return s_fail (why, why_size, "the date of the check '%s' is not a valid YYYY-MM-DD", input->on);
    *dated = s_given (input->purchase_date);
    if (*dated && !as_date_parse (input->purchase_date, purchase))
        return s_fail (why, why_size, "purchase date '%s' is not a valid YYYY-MM-DD", input->purchase_date);
    if (*dated && *purchase > *on)
        return s_fail (why, why_size, "purchase date %s is after the date of the check", input->purchase_date);
    if (s_given (input->proof_kind) && !s_is (input->proof_kind, "invoice")
    &&  !s_is (input->proof_kind, "receipt") && !s_is (input->proof_kind, "none"))
        return s_fail (why, why_size, "proof '%s' is not invoice, receipt or none", input->proof_kind);
    if (!s_known_cause (input->cause))
        return s_fail (why, why_size, "cause '%s' is not known", input->cause);
    int64_t repaired;
    if (s_given (input->last_repair_on) && !as_date_parse (input->last_repair_on, &repaired))
        return s_fail (why, why_size, "last repair date '%s' is not valid", input->last_repair_on);
    if (!input->policy || !billing_policy_term (input->policy, input->category, input->model))
        return s_fail (why, why_size, "no warranty term for category '%s' in the policy", input->category);
    return 0;
}

static const char *
s_exclusion_text (const char *cause)
{
    for (size_t index = 0; index < S_EXCLUSION_COUNT; index++)
        if (s_is (cause, s_exclusions [index].cause))
            return s_exclusions [index].text;
    return NULL;
}

//  The same fault repaired within the repair warranty: our work failed.
static bool
s_repeat_repair (const billing_entitlement_input_t *input, int64_t on, billing_entitlement_t *decision)
{
    int64_t repaired;
    if (!s_given (input->last_repair_on) || !as_date_parse (input->last_repair_on, &repaired))
        return false;
    int64_t until = repaired + input->policy->repair_warranty_days;
    if (on < repaired || on > until)
        return false;
    char until_text [AS_DATE_SIZE];
    as_date_format (until, until_text);
    s_set_type (decision, "free", "free", "free", false);
    decision->repeat_repair = true;
    s_reason (decision, "repeat_repair", "Repeat repair: the same fault was repaired on %s, within the %d-day"
              " repair warranty (until %s), so this repair is free.", input->last_repair_on,
              input->policy->repair_warranty_days, until_text);
    return true;
}

//  Out of the manufacturer's warranty: why, in the customer's words.
static void
s_not_in_warranty (bool dated, bool proof_valid, const billing_coverage_t *period, billing_entitlement_t *decision)
{
    if (!dated)
        s_reason (decision, "no_purchase_date", "Not covered: the purchase date is not known, so the"
                  " warranty cannot start from it.");
    else
    if (!proof_valid)
        s_reason (decision, "no_proof", "Not covered: no valid proof of purchase (an invoice or a receipt)"
                  " was given.");
    else
        s_reason (decision, "period_ended", "Out of warranty: the %d-month warranty of the %s ended on %s.",
                  period->months, s_is (period->component, "whole_unit") ? "whole unit" : period->component,
                  period->covered_until);
}

static bool
s_contract_active (const billing_entitlement_input_t *input, int64_t on)
{
    int64_t starts, ends;
    return input->contract && as_date_parse (input->contract->starts_on, &starts)
        && as_date_parse (input->contract->ends_on, &ends) && on >= starts && on <= ends;
}

//  Quality faults in the first days may be returned or exchanged instead.
static void
s_offer_options (const billing_entitlement_input_t *input, int64_t purchase, int64_t on,
                 billing_entitlement_t *decision)
{
    const billing_policy_t *policy = input->policy;
    if (on - purchase <= policy->return_days) {
        decision->return_offered = true;
        as_date_format (purchase + policy->return_days, decision->return_until);
        s_reason (decision, "return_window", "You may return the product for a refund until %s (%d days"
                  " after the purchase).", decision->return_until, policy->return_days);
    }
    if (on - purchase <= policy->exchange_days) {
        decision->exchange_offered = true;
        as_date_format (purchase + policy->exchange_days, decision->exchange_until);
        s_reason (decision, "exchange_window", "You may exchange the product for a new one until %s (%d days"
                  " after the purchase).", decision->exchange_until, policy->exchange_days);
    }
}

//  The coverage row that decides: the component's when it has its own
//  period, else the whole unit's.
static const billing_coverage_t *
s_deciding_period (const billing_entitlement_input_t *input, const billing_entitlement_t *decision)
{
    for (int index = 1; s_given (input->component) && index < decision->coverage_count; index++)
        if (s_is (decision->coverage [index].component, input->component))
            return &decision->coverage [index];
    return &decision->coverage [0];
}

static void
s_in_warranty (const billing_entitlement_input_t *input, const billing_coverage_t *period,
               billing_entitlement_t *decision)
{
    s_set_type (decision, "free", "free", "free", false);
    if (s_is (period->component, "whole_unit"))
        s_reason (decision, "in_warranty", "In warranty: bought on %s with a valid %s; the whole unit is"
                  " covered for %d months, until %s. No charge for parts, labour or the visit.",
                  input->purchase_date, input->proof_kind, period->months, period->covered_until);
    else
        s_reason (decision, "component_period", "In warranty: the %s has its own %d-month warranty from the"
                  " purchase on %s, until %s. No charge for parts, labour or the visit.", period->component,
                  period->months, input->purchase_date, period->covered_until);
}

//  Before the diagnosis, a component still in its own period may yet
//  make the repair free: say so.
static void
s_components_still_covered (const billing_entitlement_input_t *input, billing_entitlement_t *decision)
{
    if (s_given (input->component) || !decision->coverage [0].covered_until [0])
        return;
    for (int index = 1; index < decision->coverage_count; index++)
        if (decision->coverage [index].covered && !decision->coverage [0].covered)
            s_reason (decision, "component_still_covered", "The %s is still covered until %s: if the fault"
                      " is there, its repair is free.", decision->coverage [index].component,
                      decision->coverage [index].covered_until);
}

int
billing_entitlement_decide (const billing_entitlement_input_t *input, billing_entitlement_t *decision,
                            char *why, size_t why_size)
{
    memset (decision, 0, sizeof *decision);
    int64_t on = 0, purchase = 0;
    bool dated = false;
    if (s_check_input (input, &on, &purchase, &dated, why, why_size))
        return -1;
    const billing_term_t *term = billing_policy_term (input->policy, input->category, input->model);
    snprintf (decision->policy_version, sizeof decision->policy_version, "%s", input->policy->version);
    bool proof_valid = dated && (s_is (input->proof_kind, "invoice") || s_is (input->proof_kind, "receipt"));
    s_coverage (input->policy, term, decision, dated, purchase, on, proof_valid);
    decision->diagnosed = input->cause != NULL;
    const billing_coverage_t *period = s_deciding_period (input, decision);
    const char *exclusion = s_exclusion_text (input->cause);

    if (s_is (input->cause, "no_fault")) {
        s_set_type (decision, "other", "none", "none", false);
        s_reason (decision, "no_fault", "No fault was found: advice and guidance on use, nothing to pay.");
        return 0;
    }
    if (exclusion) {
        s_set_type (decision, "paid", "charged", "charged", true);
        s_reason (decision, input->cause, "%s", exclusion);
    }
    else
    if (s_repeat_repair (input, on, decision))
        ;
    else
    if (period->covered)
        s_in_warranty (input, period, decision);
    else {
        s_not_in_warranty (dated, proof_valid, period, decision);
        if (s_contract_active (input, on)) {
            s_set_type (decision, "contract", "at_cost", "free", false);
            snprintf (decision->contract_no, sizeof decision->contract_no, "%s", input->contract->contract_no);
            s_reason (decision, "contract", "Covered by service contract %s until %s: parts at cost, no labour"
                      " charge and no visit fee.", input->contract->contract_no, input->contract->ends_on);
        }
        else {
            s_set_type (decision, "paid", "charged", "charged", true);
            s_components_still_covered (input, decision);
        }
    }
    if (s_is (decision->service_type, "paid"))
        s_reason (decision, "paid", "You pay the published fees (visit fee, labour per repair item, parts);"
                  " the price is quoted and agreed before any work.");
    if (proof_valid && !exclusion && !decision->repeat_repair)
        s_offer_options (input, purchase, on, decision);
    if (!decision->diagnosed)
        s_reason (decision, "pending_diagnosis", "Decided on the reported fault; the engineer's diagnosis of"
                  " the cause confirms it.");
    return 0;
}
