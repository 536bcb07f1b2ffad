/*  billingctl against a real billingd: the three examples exactly
    as written, loading files, a counter-sale invoice and its payment.     */
#include "as_harness.h"
#include <string.h>

static char *
s_run (as_harness_t *harness, const char *command, int expected_status)
{
    int status = -1;
    char *output = as_harness_run (harness, command, &status);
    if (status != expected_status)
        fprintf (stderr, "'%s' exited %d, expected %d; output:\n%s\n", command, status, expected_status, output);
    AS_CHECK (status == expected_status);
    //  cJSON pretty-prints "key":<TAB>value; compare as "key": value.
    for (char *tab = strchr (output, '\t'); tab; tab = strchr (tab, '\t'))
        *tab = ' ';
    return output;
}

static void
s_expect (as_harness_t *harness, const char *command, int status, const char *text)
{
    char *output = s_run (harness, command, status);
    if (!strstr (output, text))
        fprintf (stderr, "'%s': expected '%s' in:\n%s\n", command, text, output);
    AS_CHECK (strstr (output, text));
    free (output);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("billing_cli");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "billingd", NULL);
    //  The shipped policy and fees were loaded at the first start.
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.policies") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.fee_schedules") == 1);

    s_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2026-03-01"
              " --on 2026-11-20 --proof invoice --cause quality --json", 0, "\"service_type\": \"free\"");
    s_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2025-03-01"
              " --on 2026-11-20 --proof invoice --cause quality --json", 0, "\"service_type\": \"paid\"");
    s_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2025-03-01"
              " --on 2026-11-20 --proof invoice --cause quality --json", 0, "warranty of the whole unit ended on 2026-02-28");
    s_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2026-03-01"
              " --on 2026-11-20 --proof invoice --cause misuse --json", 0, "\"service_type\": \"paid\"");
    s_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2026-03-01"
              " --on 2026-11-20 --proof invoice --cause misuse --json", 0, "caused by misuse");
    //  Human output, and a bad date refused with a reason.
    s_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2025-03-01"
              " --on 2026-11-20 --proof invoice --component compressor", 0, "compressor has its own 36-month");
    s_expect (harness, "billingctl entitlement check --category fan --purchased 2026-02-30 --on 2026-11-20 2>&1",
              1, "invalid_argument");

    //  A new policy version: the same file twice is a no-op, the new version decides.
    char command [1024];
    FILE *file = fopen ("/tmp/billing_cli_policy.json", "w");
    AS_CHECK (file);
    fprintf (file, "{\"version\":\"2027\",\"effective_from\":\"2026-01-01\",\"categories\":{");
    const char *categories [] = { "air_conditioner", "refrigerator", "washing_machine", "television", "water_heater",
        "range_hood", "gas_stove", "fan", "hair_dryer", "vacuum_cleaner", "smart_home" };
    for (int index = 0; index < 11; index++)
        fprintf (file, "%s\"%s\":{\"months\":%d}", index ? "," : "", categories [index], index == 7 ? 24 : 12);
    fprintf (file, "}}");
    fclose (file);
    s_expect (harness, "billingctl policy load --file /tmp/billing_cli_policy.json --json", 0, "\"loaded\": true");
    s_expect (harness, "billingctl policy load --file /tmp/billing_cli_policy.json --json", 0, "\"loaded\": false");
    s_expect (harness, "billingctl entitlement check --category fan --purchased 2026-03-01 --on 2027-11-20"
              " --proof receipt --cause quality --json", 0, "\"policy_version\": \"2027\"");
    s_expect (harness, "billingctl entitlement check --category fan --purchased 2026-03-01 --on 2027-11-20"
              " --proof receipt --cause quality --json", 0, "\"service_type\": \"free\"");
    s_expect (harness, "billingctl policy show --on 2026-06-01 --json", 0, "\"version\": \"2027\"");
    //  Fees from the shipped CSV under a new version name.
    snprintf (command, sizeof command, "sed 's/^version,2026-01/version,csv-1/' %s/services/billing/data/fees.csv"
              " > /tmp/billing_cli_fees.csv", AS_SOURCE_DIR);
    AS_CHECK (system (command) == 0);
    s_expect (harness, "billingctl fees load --file /tmp/billing_cli_fees.csv --json", 0, "\"items\": 12");
    s_expect (harness, "billingctl fees show --version csv-1 --json", 0, "\"visit_fee_fen\": 5000");

    //  Registration and ownership change.
    s_expect (harness, "billingctl registration add --serial SN-CLI-1 --model KFR-35GW --category air_conditioner"
              " --purchased 2026-03-01 --proof invoice --owner-ref sales/1 --json", 0, "\"purchase_date\": \"2026-03-01\"");
    s_expect (harness, "billingctl registration add --serial SN-CLI-1 --model KFR-35GW --category air_conditioner"
              " --owner-ref sales/2 --json", 0, "\"owner_ref\": \"sales/2\"");
    s_expect (harness, "billingctl registration show --serial SN-CLI-1 --json", 0, "\"purchase_date\": \"2026-03-01\"");
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.ownership") == 2);

    //  A counter sale: 2 x FM-35 at 120.00 + 13% tax = 271.20; paid in two parts.
    s_expect (harness, "billingctl invoice issue --lines '[{\"kind\":\"part\",\"code\":\"FM-35\",\"quantity\":2}]' 2>&1",
              0, "271.20");
    int64_t invoice = as_harness_scalar (harness, "SELECT max(id) FROM billing.invoices");
    AS_CHECK (as_harness_scalar (harness, "SELECT total_fen FROM billing.invoices") == 27120);
    snprintf (command, sizeof command, "billingctl payment record --invoice %lld --amount 20000 --method wechat --json",
              (long long) invoice);
    s_expect (harness, command, 0, "\"balance_fen\": 7120");
    snprintf (command, sizeof command, "billingctl payment record --invoice %lld --amount 9000 --method cash 2>&1",
              (long long) invoice);
    s_expect (harness, command, 1, "failed_precondition");
    snprintf (command, sizeof command, "billingctl invoice show %lld", (long long) invoice);
    s_expect (harness, command, 0, "still to pay 71.20");
    s_expect (harness, "billingctl invoice list", 0, "INV-");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.event_log WHERE type IN"
                                         " ('invoice.issued', 'payment.received')", 2, 5000) == 2);
    s_expect (harness, "billingctl frobnicate 2>&1", 2, "unknown command");
    as_harness_destroy (&harness);
    printf ("billing cli: OK\n");
    return 0;
}
