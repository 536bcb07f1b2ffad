/*  billingctl against a real billingd: the three examples exactly
    as written, loading files, a counter-sale invoice and its payment.     */
#include "as_harness.h"
#include <stdlib.h>
#include <string.h>

//  Every option a command takes is in its help line.
static void
s_help (as_harness_t *harness)
{
    char *help = as_harness_output (harness, "billingctl --help", 0);
    static const char *documented [] = {
        "policy load --file POLICY.json | --content JSON [--path ",
        "fees load --file FEES.json|FEES.csv | --content TEXT [--path ", "[--format json|csv]",
        "[--reference R] [--case CASE_ID]", "--method cash|card|wechat|alipay|bank_transfer\n         [--reference R]",
        "[--amount FEN] [--note TEXT]",
    };
    for (size_t index = 0; index < sizeof documented / sizeof documented [0]; index++) {
        if (!strstr (help, documented [index]))
            fprintf (stderr, "billingctl --help does not say: %s\n", documented [index]);
        AS_CHECK (strstr (help, documented [index]));
    }
    free (help);
}

//  Chinese text up to each field's max_len (characters, 3 bytes each) is
//  stored whole: an owner's name of 100 characters, a payer's reference of
//  100, a credit note's note of 500, who accepted a quote (billing.path
//  accepts one; here the refusal of a registration's too long name).
static void
s_chinese (as_harness_t *harness, int64_t invoice)
{
    char command [2600];
    char *name = as_harness_repeat ("\xe6\x9d\x8e", 100);            //  李
    char *reference = as_harness_repeat ("\xe5\x8d\x95", 100);       //  单
    char *note = as_harness_repeat ("\xe9\x80\x80", 500);            //  退
    snprintf (command, sizeof command, "billingctl registration add --serial SN-CN-1 --model KFR-35GW"
              " --category air_conditioner --owner-ref sales/9 --owner-name '%s' --json", name);
    as_harness_expect (harness, command, 0, name, true);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.ownership WHERE owner_name IS NOT NULL"
                                          " AND length(owner_name) = 100") == 1);
    snprintf (command, sizeof command, "billingctl payment record --invoice %lld --amount 100 --method cash"
              " --reference '%s' --json", (long long) invoice, reference);
    as_harness_expect (harness, command, 0, "\"balance_fen\": 7020", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.payments WHERE length(reference) = 100") == 1);
    snprintf (command, sizeof command, "billingctl credit-note issue --invoice %lld --reason correction --amount 20"
              " --note '%s' --json", (long long) invoice, note);
    as_harness_expect (harness, command, 0, "CN-", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.credit_notes WHERE length(note) = 500") == 1);
    //  101 characters break the catalogue's limit: refused, never cut.
    free (name);
    name = as_harness_repeat ("\xe6\x9d\x8e", 101);
    snprintf (command, sizeof command, "billingctl registration add --serial SN-CN-2 --model KFR-35GW"
              " --category air_conditioner --owner-name '%s' 2>&1", name);
    as_harness_expect (harness, command, 2, "invalid_argument", true);
    free (name);
    free (reference);
    free (note);
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

    as_harness_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2026-03-01"
              " --on 2026-11-20 --proof invoice --cause quality --json", 0, "\"service_type\": \"free\"", true);
    as_harness_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2025-03-01"
              " --on 2026-11-20 --proof invoice --cause quality --json", 0, "\"service_type\": \"paid\"", true);
    as_harness_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2025-03-01"
              " --on 2026-11-20 --proof invoice --cause quality --json", 0, "warranty of the whole unit ended on 2026-02-28", true);
    as_harness_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2026-03-01"
              " --on 2026-11-20 --proof invoice --cause misuse --json", 0, "\"service_type\": \"paid\"", true);
    as_harness_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2026-03-01"
              " --on 2026-11-20 --proof invoice --cause misuse --json", 0, "caused by misuse", true);
    //  Human output, and a bad date refused with a reason (invalid_argument is bad usage: exit 2).
    as_harness_expect (harness, "billingctl entitlement check --category air_conditioner --purchased 2025-03-01"
              " --on 2026-11-20 --proof invoice --component compressor", 0, "compressor has its own 36-month", true);
    as_harness_expect (harness, "billingctl entitlement check --category fan --purchased 2026-02-30 --on 2026-11-20 2>&1",
              2, "invalid_argument", true);

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
    as_harness_expect (harness, "billingctl policy load --file /tmp/billing_cli_policy.json --json", 0, "\"loaded\": true", true);
    as_harness_expect (harness, "billingctl policy load --file /tmp/billing_cli_policy.json --json", 0, "\"loaded\": false", true);
    as_harness_expect (harness, "billingctl entitlement check --category fan --purchased 2026-03-01 --on 2027-11-20"
              " --proof receipt --cause quality --json", 0, "\"policy_version\": \"2027\"", true);
    as_harness_expect (harness, "billingctl entitlement check --category fan --purchased 2026-03-01 --on 2027-11-20"
              " --proof receipt --cause quality --json", 0, "\"service_type\": \"free\"", true);
    as_harness_expect (harness, "billingctl policy show --on 2026-06-01 --json", 0, "\"version\": \"2027\"", true);
    //  Fees from the shipped CSV under a new version name.
    snprintf (command, sizeof command, "sed 's/^version,2026-01/version,csv-1/' %s/services/billing/data/fees.csv"
              " > /tmp/billing_cli_fees.csv", AS_SOURCE_DIR);
    AS_CHECK (system (command) == 0);
    as_harness_expect (harness, "billingctl fees load --file /tmp/billing_cli_fees.csv --json", 0, "\"items\": 12", true);
    as_harness_expect (harness, "billingctl fees show --version csv-1 --json", 0, "\"visit_fee_fen\": 5000", true);

    //  Registration and ownership change.
    as_harness_expect (harness, "billingctl registration add --serial SN-CLI-1 --model KFR-35GW --category air_conditioner"
              " --purchased 2026-03-01 --proof invoice --owner-ref sales/1 --json", 0, "\"purchase_date\": \"2026-03-01\"", true);
    as_harness_expect (harness, "billingctl registration add --serial SN-CLI-1 --model KFR-35GW --category air_conditioner"
              " --owner-ref sales/2 --json", 0, "\"owner_ref\": \"sales/2\"", true);
    as_harness_expect (harness, "billingctl registration show --serial SN-CLI-1 --json", 0, "\"purchase_date\": \"2026-03-01\"", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.ownership") == 2);

    //  An invoice without lines is refused before it takes a number: the
    //  series is gap-free, so the next invoice is still the year's first.
    as_harness_expect (harness, "billingctl invoice issue --lines '[]' 2>&1", 2,
                       "invalid_argument: lines: an invoice needs at least one line", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoices") == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.number_counters") == 0);
    //  A counter sale: 2 x FM-35 at 120.00 + 13% tax = 271.20; paid in two parts.
    as_harness_expect (harness, "billingctl invoice issue --lines '[{\"kind\":\"part\",\"code\":\"FM-35\",\"quantity\":2}]' 2>&1",
              0, "271.20", true);
    int64_t invoice = as_harness_scalar (harness, "SELECT max(id) FROM billing.invoices");
    AS_CHECK (as_harness_scalar (harness, "SELECT total_fen FROM billing.invoices") == 27120);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoices WHERE number LIKE 'INV-____-000001'") == 1);
    snprintf (command, sizeof command, "billingctl payment record --invoice %lld --amount 20000 --method wechat --json",
              (long long) invoice);
    as_harness_expect (harness, command, 0, "\"balance_fen\": 7120", true);
    snprintf (command, sizeof command, "billingctl payment record --invoice %lld --amount 9000 --method cash 2>&1",
              (long long) invoice);
    as_harness_expect (harness, command, 1, "failed_precondition", true);
    snprintf (command, sizeof command, "billingctl invoice show %lld", (long long) invoice);
    as_harness_expect (harness, command, 0, "still to pay 71.20", true);
    as_harness_expect (harness, "billingctl invoice list", 0, "INV-", true);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.event_log WHERE type IN"
                                         " ('invoice.issued', 'payment.received')", 2, 5000) == 2);
    as_harness_expect (harness, "billingctl frobnicate 2>&1", 2, "unknown command", true);
    s_help (harness);
    s_chinese (harness, invoice);
    as_harness_destroy (&harness);
    printf ("billing cli: OK\n");
    return 0;
}
