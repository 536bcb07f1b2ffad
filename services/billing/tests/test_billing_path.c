/*  The full path with real daemons: intaked takes a report, billingd
    decides (paid: the 12 months ended), dispatch (standind) diagnoses,
    the customer accepts the quote with billingctl, the visit completes,
    the invoice is issued and reads well.                                  */
#include "as_harness.h"
#include <string.h>
#include <time.h>

static void
s_now (char *out, size_t size)
{
    time_t now = time (NULL);
    struct tm utc;
    gmtime_r (&now, &utc);
    strftime (out, size, "%Y-%m-%dT%H:%M:%S.000Z", &utc);
}

static void
s_emit (as_rpc_client_t *dispatch, const char *type, const char *data)
{
    as_harness_emit (dispatch, type, "visit/1", data, NULL);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("billing_path");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_harness_start (harness, "billingd", NULL);
    const char *play_dispatch [] = { "STANDIN_SERVICE=dispatch", NULL };
    as_harness_start (harness, "standind", play_dispatch);
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");

    free (as_harness_output (harness, "intakectl report --name 'Li Wei' --phone 13800138000 --address '88 Jianguo Rd'"
                          " --category air_conditioner --model KFR-35GW --serial SN-PATH-1 --purchased 2024-01-10"
                          " --proof invoice --symptom 'no cooling' --channel phone --json", 0));
    int64_t case_id = as_harness_scalar (harness, "SELECT max(id) FROM intake.cases");
    AS_CHECK (case_id > 0);
    char sql [512];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM billing.cases WHERE case_id = %lld AND service_type = 'paid'",
              (long long) case_id);
    AS_CHECK (as_harness_await (harness, sql, 1, 15000) == 1);
    //  The relay logs the event just after the commit that made the row.
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'entitlement.decided'",
                                1, 5000) == 1);

    char now [40], data [2048];
    s_now (now, sizeof now);
    snprintf (data, sizeof data, "{\"visit_id\":1,\"case_id\":%lld,\"engineer_id\":3,\"station_id\":1,"
              "\"category\":\"air_conditioner\",\"model\":\"KFR-35GW\",\"serial\":\"SN-PATH-1\",\"cause\":\"quality\","
              "\"component\":\"fan_motor\",\"repair_items\":[{\"code\":\"R-FAN\",\"quantity\":1}],"
              "\"parts_needed\":[{\"part_no\":\"FM-35\",\"quantity\":1}],\"resolution\":\"on_site\",\"diagnosed_at\":\"%s\"}",
              (long long) case_id, now);
    s_emit (dispatch, "visit.diagnosed", data);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM billing.quotes WHERE case_id = %lld AND status = 'issued'",
              (long long) case_id);
    AS_CHECK (as_harness_await (harness, sql, 1, 15000) == 1);
    int64_t quote = as_harness_scalar (harness, "SELECT max(id) FROM billing.quotes");

    //  No invoice before the customer agrees.
    char command [256];
    snprintf (command, sizeof command, "billingctl quote show %lld", (long long) quote);
    char *output = as_harness_output (harness, command, 0);
    AS_CHECK (strstr (output, "282.50"));
    //  The quote's status and the service type are labelled: "paid" is one of
    //  the service types, not a payment status.
    if (!strstr (output, "status issued   service type paid"))
        fprintf (stderr, "quote show: %s\n", output);
    AS_CHECK (strstr (output, "status issued   service type paid"));
    free (output);
    //  Who agreed, in Chinese and longer than 100 bytes (40 characters of
    //  the catalogue's 100), is recorded as given, not replaced by the actor.
    char by [121] = "";
    for (int index = 0; index < 40; index++)
        strcat (by, "\xe4\xbc\x9f");                 //  伟
    snprintf (command, sizeof command, "billingctl quote accept %lld --by '%s'", (long long) quote, by);
    free (as_harness_output (harness, command, 0));
    snprintf (sql, sizeof sql, "SELECT count(*) FROM billing.quotes WHERE id = %lld AND decided_by = '%s'",
              (long long) quote, by);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);

    s_now (now, sizeof now);
    snprintf (data, sizeof data, "{\"visit_id\":1,\"case_id\":%lld,\"engineer_id\":3,\"station_id\":1,"
              "\"outcome\":\"repaired\",\"work_done\":\"replaced the fan motor\","
              "\"repair_items\":[{\"code\":\"R-FAN\",\"quantity\":1}],\"parts_used\":[{\"part_no\":\"FM-35\",\"quantity\":1}],"
              "\"labour_minutes\":40,\"customer_accepted\":true,\"completed_at\":\"%s\"}", (long long) case_id, now);
    s_emit (dispatch, "visit.completed", data);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'invoice.issued'",
                                1, 15000) == 1);
    int64_t invoice = as_harness_scalar (harness, "SELECT max(id) FROM billing.invoices");
    AS_CHECK (as_harness_scalar (harness, "SELECT total_fen FROM billing.invoices") == 28250);
    snprintf (command, sizeof command, "billingctl invoice show %lld", (long long) invoice);
    output = as_harness_output (harness, command, 0);
    AS_CHECK (strstr (output, "INVOICE INV-") && strstr (output, "replace fan motor") && strstr (output, "282.50"));
    free (output);
    snprintf (command, sizeof command, "billingctl payment record --invoice %lld --amount 28250 --method alipay --json",
              (long long) invoice);
    output = as_harness_output (harness, command, 0);
    AS_CHECK (strstr (output, "\"balance_fen\": 0"));
    free (output);
    as_rpc_client_destroy (&dispatch);
    as_harness_destroy (&harness);
    printf ("billing path: OK\n");
    return 0;
}
