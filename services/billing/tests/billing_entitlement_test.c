/*  The warranty rules, one table row per rule, with the exact last days.  */
#include "billing_entitlement.h"
#include "as_test.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *category, *model, *purchased, *proof, *cause, *component, *on;
    const char *contract_from, *contract_to;    //  NULL: no contract
    const char *last_repair;
    const char *type;                           //  expected service type
    const char *reason;                         //  a reason code that must be there
    bool repeat, return_offered, exchange_offered;
} s_row_t;

static const s_row_t s_rows [] = {
    //  The three examples of the issue.
    { "issue: in period", "air_conditioner", "KFR-35GW", "2026-03-01", "invoice", "quality", NULL, "2026-11-20",
      NULL, NULL, NULL, "free", "in_warranty", false, false, false },
    { "issue: period ended", "air_conditioner", "KFR-35GW", "2025-03-01", "invoice", "quality", NULL, "2026-11-20",
      NULL, NULL, NULL, "paid", "period_ended", false, false, false },
    { "issue: misuse", "air_conditioner", "KFR-35GW", "2026-03-01", "invoice", "misuse", NULL, "2026-11-20",
      NULL, NULL, NULL, "paid", "misuse", false, false, false },
    //  Exact last day of the 12 months, and the day after.
    { "last day", "television", "TV-55", "2026-03-01", "receipt", "quality", NULL, "2027-02-28",
      NULL, NULL, NULL, "free", "in_warranty", false, false, false },
    { "day after", "television", "TV-55", "2026-03-01", "receipt", "quality", NULL, "2027-03-01",
      NULL, NULL, NULL, "paid", "period_ended", false, false, false },
    { "leap day purchase: last day", "fan", "F-1", "2024-02-29", "invoice", "quality", NULL, "2025-02-28",
      NULL, NULL, NULL, "free", "in_warranty", false, false, false },
    { "leap day purchase: day after", "fan", "F-1", "2024-02-29", "invoice", "quality", NULL, "2025-03-01",
      NULL, NULL, NULL, "paid", "period_ended", false, false, false },
    { "on the purchase day", "fan", "F-1", "2026-05-31", "invoice", "quality", NULL, "2026-05-31",
      NULL, NULL, NULL, "free", "return_window", false, true, true },
    //  Each exclusion, even in period.
    { "poor maintenance", "washing_machine", "W-8", "2026-03-01", "invoice", "poor_maintenance", NULL, "2026-04-20",
      NULL, NULL, NULL, "paid", "poor_maintenance", false, false, false },
    { "force majeure", "water_heater", "WH-60", "2026-03-01", "invoice", "force_majeure", NULL, "2026-04-20",
      NULL, NULL, NULL, "paid", "force_majeure", false, false, false },
    { "abnormal voltage", "refrigerator", "BCD-500", "2026-03-01", "invoice", "abnormal_voltage", NULL, "2026-04-20",
      NULL, NULL, NULL, "paid", "abnormal_voltage", false, false, false },
    { "unauthorised repair", "range_hood", "RH-9", "2026-03-01", "invoice", "unauthorised_repair", NULL, "2026-04-20",
      NULL, NULL, NULL, "paid", "unauthorised_repair", false, false, false },
    { "misuse with a contract", "gas_stove", "GS-2", "2024-03-01", "invoice", "misuse", NULL, "2026-04-20",
      "2025-03-01", "2027-02-28", NULL, "paid", "misuse", false, false, false },
    //  Proof of purchase.
    { "no proof", "hair_dryer", "HD-1", "2026-03-01", "none", "quality", NULL, "2026-04-20",
      NULL, NULL, NULL, "paid", "no_proof", false, false, false },
    { "proof not given", "hair_dryer", "HD-1", "2026-03-01", NULL, "quality", NULL, "2026-04-20",
      NULL, NULL, NULL, "paid", "no_proof", false, false, false },
    { "no purchase date", "vacuum_cleaner", "V-3", NULL, "invoice", "quality", NULL, "2026-04-20",
      NULL, NULL, NULL, "paid", "no_purchase_date", false, false, false },
    //  Service contract: parts at cost, no labour; its own last day.
    { "contract", "air_conditioner", "KFR-35GW", "2025-03-01", "invoice", "quality", NULL, "2026-11-20",
      "2026-03-01", "2027-02-28", NULL, "contract", "contract", false, false, false },
    { "contract last day", "smart_home", "SH-1", "2024-03-01", "invoice", "quality", NULL, "2027-02-28",
      "2026-03-01", "2027-02-28", NULL, "contract", "contract", false, false, false },
    { "contract ended", "smart_home", "SH-1", "2024-03-01", "invoice", "quality", NULL, "2027-03-01",
      "2026-03-01", "2027-02-28", NULL, "paid", "period_ended", false, false, false },
    { "contract without proof", "smart_home", "SH-1", "2024-03-01", "none", "quality", NULL, "2026-11-20",
      "2026-03-01", "2027-02-28", NULL, "contract", "no_proof", false, false, false },
    //  A component with its own period decides that component.
    { "compressor in its 36 months", "air_conditioner", "KFR-35GW", "2024-03-01", "invoice", "quality", "compressor",
      "2027-02-28", NULL, NULL, NULL, "free", "component_period", false, false, false },
    { "compressor after 36 months", "air_conditioner", "KFR-35GW", "2024-03-01", "invoice", "quality", "compressor",
      "2027-03-01", NULL, NULL, NULL, "paid", "period_ended", false, false, false },
    { "fridge compressor", "refrigerator", "BCD-500", "2025-01-10", "receipt", "quality", "compressor",
      "2026-11-20", NULL, NULL, NULL, "free", "component_period", false, false, false },
    { "other component follows the unit", "air_conditioner", "KFR-35GW", "2025-03-01", "invoice", "quality",
      "fan_motor", "2026-11-20", NULL, NULL, NULL, "paid", "period_ended", false, false, false },
    { "before diagnosis: compressor still covered", "air_conditioner", "KFR-35GW", "2025-03-01", "invoice", NULL,
      NULL, "2026-11-20", NULL, NULL, NULL, "paid", "component_still_covered", false, false, false },
    { "before diagnosis: pending", "air_conditioner", "KFR-35GW", "2026-03-01", "invoice", NULL,
      NULL, "2026-11-20", NULL, NULL, NULL, "free", "pending_diagnosis", false, false, false },
    //  A special model's own term.
    { "special model", "air_conditioner", "KFR-72-PRO", "2025-03-01", "invoice", "quality", NULL, "2027-02-28",
      NULL, NULL, NULL, "free", "in_warranty", false, false, false },
    { "special model ended", "air_conditioner", "KFR-72-PRO", "2025-03-01", "invoice", "quality", NULL, "2027-03-01",
      NULL, NULL, NULL, "paid", "period_ended", false, false, false },
    { "special model keeps category compressor", "air_conditioner", "KFR-72-PRO", "2025-03-01", "invoice", "quality",
      "compressor", "2028-02-29", NULL, NULL, NULL, "free", "component_period", false, false, false },
    //  Post-repair warranty: 90 days after the completed repair, the last day included.
    { "repeat repair last day", "washing_machine", "W-8", "2023-01-01", "invoice", "quality", NULL, "2026-11-20",
      NULL, NULL, "2026-08-22", "free", "repeat_repair", true, false, false },
    { "repeat repair too late", "washing_machine", "W-8", "2023-01-01", "invoice", "quality", NULL, "2026-11-21",
      NULL, NULL, "2026-08-22", "paid", "period_ended", false, false, false },
    { "repeat repair without proof", "washing_machine", "W-8", NULL, NULL, "quality", NULL, "2026-09-01",
      NULL, NULL, "2026-08-22", "free", "repeat_repair", true, false, false },
    { "repeat but misuse", "washing_machine", "W-8", "2023-01-01", "invoice", "misuse", NULL, "2026-09-01",
      NULL, NULL, "2026-08-22", "paid", "misuse", false, false, false },
    //  Return within 7 days, exchange within 15 (the day of purchase is day 0).
    { "return last day", "television", "TV-55", "2026-03-01", "invoice", "quality", NULL, "2026-03-08",
      NULL, NULL, NULL, "free", "return_window", false, true, true },
    { "exchange only", "television", "TV-55", "2026-03-01", "invoice", "quality", NULL, "2026-03-09",
      NULL, NULL, NULL, "free", "exchange_window", false, false, true },
    { "exchange last day", "television", "TV-55", "2026-03-01", "invoice", "quality", NULL, "2026-03-16",
      NULL, NULL, NULL, "free", "exchange_window", false, false, true },
    { "no more exchange", "television", "TV-55", "2026-03-01", "invoice", "quality", NULL, "2026-03-17",
      NULL, NULL, NULL, "free", "in_warranty", false, false, false },
    { "no return without proof", "television", "TV-55", "2026-03-01", "none", "quality", NULL, "2026-03-03",
      NULL, NULL, NULL, "paid", "no_proof", false, false, false },
    { "no return for misuse", "television", "TV-55", "2026-03-01", "invoice", "misuse", NULL, "2026-03-03",
      NULL, NULL, NULL, "paid", "misuse", false, false, false },
    //  Advice only.
    { "no fault", "fan", "F-1", "2020-01-01", "none", "no_fault", NULL, "2026-04-20",
      NULL, NULL, NULL, "other", "no_fault", false, false, false },
};

static bool
s_has_reason (const billing_entitlement_t *decision, const char *code)
{
    for (int index = 0; index < decision->reason_count; index++)
        if (strcmp (decision->reasons [index].code, code) == 0)
            return true;
    return false;
}

static void
s_policy (billing_policy_t *policy)
{
    billing_policy_defaults (policy);
    billing_term_t *special = &policy->terms [policy->term_count++];
    snprintf (special->category, sizeof special->category, "air_conditioner");
    snprintf (special->model, sizeof special->model, "KFR-72-PRO");
    special->months = 24;
}

static void
s_run_row (const billing_policy_t *policy, const s_row_t *row, bool verbose)
{
    billing_contract_t contract = { "SC-1", "", "" };
    if (row->contract_from) {
        snprintf (contract.starts_on, sizeof contract.starts_on, "%s", row->contract_from);
        snprintf (contract.ends_on, sizeof contract.ends_on, "%s", row->contract_to);
    }
    billing_entitlement_input_t input = { row->category, row->model, row->purchased, row->proof, row->cause,
        row->component, row->on, policy, row->contract_from ? &contract : NULL, row->last_repair };
    billing_entitlement_t decision;
    char why [256] = "";
    int rc = billing_entitlement_decide (&input, &decision, why, sizeof why);
    bool ok = rc == 0 && strcmp (decision.service_type, row->type) == 0 && s_has_reason (&decision, row->reason)
           && decision.repeat_repair == row->repeat && decision.return_offered == row->return_offered
           && decision.exchange_offered == row->exchange_offered;
    if (!ok || verbose) {
        fprintf (stderr, "%-45s -> %s (%s)\n", row->name, rc ? why : decision.service_type, ok ? "ok" : "WRONG");
        for (int index = 0; rc == 0 && index < decision.reason_count; index++)
            fprintf (stderr, "    %s: %s\n", decision.reasons [index].code, decision.reasons [index].text);
    }
    AS_CHECK (ok);
}

//  What each type means for parts, labour and the visit fee.
static void
s_check_coverage_words (const billing_policy_t *policy)
{
    billing_entitlement_input_t input = { "air_conditioner", "KFR-35GW", "2025-03-01", "invoice", "quality",
        NULL, "2026-11-20", policy, NULL, NULL };
    billing_entitlement_t decision;
    char why [256];
    AS_CHECK (billing_entitlement_decide (&input, &decision, why, sizeof why) == 0);
    AS_CHECK (!strcmp (decision.parts, "charged") && !strcmp (decision.labour, "charged") && decision.visit_fee);
    AS_CHECK (decision.coverage_count == 2);
    AS_CHECK (!strcmp (decision.coverage [0].component, "whole_unit"));
    AS_CHECK (!strcmp (decision.coverage [0].covered_until, "2026-02-28") && !decision.coverage [0].covered);
    AS_CHECK (!strcmp (decision.coverage [1].component, "compressor"));
    AS_CHECK (!strcmp (decision.coverage [1].covered_until, "2028-02-29") && decision.coverage [1].covered);
    billing_contract_t contract = { "SC-9", "2026-01-01", "2026-12-31" };
    input.contract = &contract;
    AS_CHECK (billing_entitlement_decide (&input, &decision, why, sizeof why) == 0);
    AS_CHECK (!strcmp (decision.parts, "at_cost") && !strcmp (decision.labour, "free") && !decision.visit_fee);
    AS_CHECK (!strcmp (decision.contract_no, "SC-9"));
}

static void
s_check_bad_input (const billing_policy_t *policy)
{
    const char *bad [][4] = {
        { "air_conditioner", "2026-02-30", "2026-11-20", "quality" },       //  no such day
        { "air_conditioner", "2026-03-01", "20261120", "quality" },
        { "air_conditioner", "2026-12-01", "2026-11-20", "quality" },       //  bought after the check
        { "spaceship", "2026-03-01", "2026-11-20", "quality" },
        { "air_conditioner", "2026-03-01", "2026-11-20", "bad_luck" },
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        billing_entitlement_input_t input = { bad [index][0], "M", bad [index][1], "invoice", bad [index][3],
            NULL, bad [index][2], policy, NULL, NULL };
        billing_entitlement_t decision;
        char why [256] = "";
        AS_CHECK (billing_entitlement_decide (&input, &decision, why, sizeof why) == -1 && why [0]);
    }
}

//  Business dates in the zone: an instant late on the last day in UTC is
//  already the next day in Shanghai (UTC+8), and the warranty has ended.
//  (as_date's self-test covers the arithmetic itself.)
static void
s_check_zones (const billing_policy_t *policy)
{
    int64_t days;
    //  The same instant, two zones, two decisions.
    const char *zones [] = { "free", "paid" };
    int offsets [] = { 0, 8 * 3600 };
    for (int index = 0; index < 2; index++) {
        char on [AS_DATE_SIZE];
        AS_CHECK (as_date_of_instant ("2027-02-28T16:30:00.000Z", offsets [index], &days));
        as_date_format (days, on);
        billing_entitlement_input_t input = { "television", "TV", "2026-03-01", "invoice", "quality", NULL, on,
            policy, NULL, NULL };
        billing_entitlement_t decision;
        char why [256];
        AS_CHECK (billing_entitlement_decide (&input, &decision, why, sizeof why) == 0);
        AS_CHECK (strcmp (decision.service_type, zones [index]) == 0);
    }
}

int
main (int argc, char *argv [])
{
    bool verbose = argc > 1 && strcmp (argv [1], "-v") == 0;
    billing_policy_t policy;
    s_policy (&policy);
    //  Every category of DOMAIN.md has 12 months by default: in on the last day, out the day after.
    for (int index = 0; billing_categories [index]; index++) {
        s_row_t in = { billing_categories [index], billing_categories [index], "M-1", "2025-06-30", "invoice",
            "quality", NULL, "2026-06-29", NULL, NULL, NULL, "free", "in_warranty", false, false, false };
        s_row_t out = in;
        out.on = "2026-06-30";
        out.type = "paid";
        out.reason = "period_ended";
        s_run_row (&policy, &in, verbose);
        s_run_row (&policy, &out, verbose);
    }
    for (size_t index = 0; index < sizeof s_rows / sizeof s_rows [0]; index++)
        s_run_row (&policy, &s_rows [index], verbose);
    s_check_coverage_words (&policy);
    s_check_bad_input (&policy);
    s_check_zones (&policy);

    printf ("billing entitlement: %zu rules + %d categories OK\n", sizeof s_rows / sizeof s_rows [0], 11);
    return 0;
}
