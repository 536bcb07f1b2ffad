/*  Quotes over time, with billingd and standind as intake and dispatch:
    the expiry sweep (short validity, short sweep period) lapses an issued
    quote past valid_until once, with one quote.expired, and leaves a
    current or an accepted quote alone; an accepted quote is invoiced at
    most once however many repaired completions come under it, and a
    not-repaired visit before the repair charges the visit fee only once. */
#include "as_harness.h"
#include <string.h>
#include <time.h>
#include <unistd.h>

//  RFC 3339 instant `days` days before now.
static void
s_days_ago (int days, char *out, size_t size)
{
    time_t at = time (NULL) - (time_t) days * 86400;
    struct tm utc;
    gmtime_r (&at, &utc);
    strftime (out, size, "%Y-%m-%dT%H:%M:%S.000Z", &utc);
}

//  A case out of warranty (bought 2020) reported and diagnosed `days` ago:
//  paid, so the diagnosis gets a quote.
static void
s_case (as_rpc_client_t *intake, as_rpc_client_t *dispatch, int case_id, int visit_id, int days)
{
    char at [40], data [2048], subject [32];
    s_days_ago (days, at, sizeof at);
    snprintf (data, sizeof data, "{\"case_id\":%d,\"customer\":{\"customer_id\":%d,\"name\":\"Li Wei\","
              "\"phone\":\"13800138000\",\"address\":\"88 Jianguo Rd\"},\"product\":{\"product_id\":%d,"
              "\"category\":\"air_conditioner\",\"model\":\"M-1\",\"serial\":\"SN-Q%d\",\"purchase_date\":\"2020-01-01\","
              "\"proof_kind\":\"invoice\"},\"symptom\":\"no cooling\",\"channel\":\"phone\",\"priority\":\"normal\","
              "\"reported_at\":\"%s\"}", case_id, case_id, case_id, case_id, at);
    snprintf (subject, sizeof subject, "case/%d", case_id);
    as_harness_emit (intake, "case.reported", subject, data, NULL);
    snprintf (data, sizeof data, "{\"visit_id\":%d,\"case_id\":%d,\"engineer_id\":3,\"station_id\":1,"
              "\"category\":\"air_conditioner\",\"model\":\"M-1\",\"serial\":\"SN-Q%d\",\"cause\":\"quality\","
              "\"component\":\"fan_motor\",\"repair_items\":[{\"code\":\"R-FAN\",\"quantity\":1}],"
              "\"parts_needed\":[{\"part_no\":\"FM-35\",\"quantity\":1}],\"resolution\":\"on_site\","
              "\"diagnosed_at\":\"%s\"}", visit_id, case_id, case_id, at);
    snprintf (subject, sizeof subject, "visit/%d", visit_id);
    as_harness_emit (dispatch, "visit.diagnosed", subject, data, NULL);
}

static void
s_complete (as_rpc_client_t *dispatch, int visit_id, int case_id, const char *outcome)
{
    char at [40], data [2048], subject [32];
    s_days_ago (0, at, sizeof at);
    snprintf (data, sizeof data, "{\"visit_id\":%d,\"case_id\":%d,\"engineer_id\":3,\"station_id\":1,"
              "\"outcome\":\"%s\",\"work_done\":\"fan motor\",\"repair_items\":[{\"code\":\"R-FAN\",\"quantity\":1}],"
              "\"parts_used\":[{\"part_no\":\"FM-35\",\"quantity\":1}],\"labour_minutes\":45,"
              "\"customer_accepted\":true,\"completed_at\":\"%s\"}", visit_id, case_id, outcome, at);
    snprintf (subject, sizeof subject, "visit/%d", visit_id);
    as_harness_emit (dispatch, "visit.completed", subject, data, NULL);
}

static int64_t
s_scalar (as_harness_t *harness, const char *format, int64_t value)
{
    char sql [512];
    snprintf (sql, sizeof sql, format, (long long) value);
    return as_harness_scalar (harness, sql);
}

//  Accept a quote; returns the reply's error code (0: accepted).
static int
s_accept (as_rpc_client_t *billing, int64_t quote_id)
{
    char params [128];
    snprintf (params, sizeof params, "{\"quote_id\":%lld,\"by\":\"Li Wei\"}", (long long) quote_id);
    as_rpc_reply_t reply;
    as_harness_call (billing, "quote.accept", params, NULL, &reply);
    int code = reply.ok ? 0 : (int) reply.error.code;
    if (!reply.ok)
        fprintf (stderr, "quote.accept %lld: %s\n", (long long) quote_id, reply.error.message);
    as_rpc_reply_release (&reply);
    return code;
}

static void
s_await_dispatch (as_harness_t *harness, int64_t sequence)
{
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM billing.cursors WHERE producer = 'dispatch'"
              " AND last_sequence = %lld", (long long) sequence);
    AS_CHECK (as_harness_await (harness, sql, 1, 10000) == 1);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("billing_quotes");
    as_harness_start (harness, "busd", NULL);
    const char *play_intake [] = { "STANDIN_SERVICE=intake", NULL };
    const char *play_dispatch [] = { "STANDIN_SERVICE=dispatch", NULL };
    const char *billing_env [] = { "BILLING_QUOTE_VALID_DAYS=1", "BILLING_QUOTE_SWEEP_MS=200", NULL };
    as_harness_start (harness, "standind", play_intake);
    as_harness_start (harness, "standind", play_dispatch);
    as_harness_start (harness, "billingd", billing_env);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");
    as_rpc_client_t *billing = as_harness_client (harness, "billing");

    //  Diagnosed 10 days ago, valid 1 day: the sweep lapses it.
    s_case (intake, dispatch, 1, 11, 10);
    //  Diagnosed now: valid through tomorrow, the sweep must leave it issued.
    s_case (intake, dispatch, 2, 21, 0);
    s_case (intake, dispatch, 3, 31, 0);
    s_await_dispatch (harness, 3);
    int64_t lapsed = as_harness_scalar (harness, "SELECT id FROM billing.quotes WHERE case_id = 1");
    AS_CHECK (lapsed > 0);
    AS_CHECK (s_scalar (harness, "SELECT count(*) FROM billing.quotes WHERE id = %lld"
                                 " AND valid_until < current_date", lapsed) == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.quotes WHERE case_id = 1 AND status = 'expired'",
                                1, 10000) == 1);
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM billing.event_log WHERE type = 'quote.expired'"
              " AND subject = 'quote/%lld'", (long long) lapsed);
    AS_CHECK (as_harness_await (harness, sql, 1, 5000) == 1);
    usleep (1000 * 1000);                   //  five more sweeps: nothing new
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'quote.expired'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.quotes WHERE case_id IN (2, 3)"
                                          " AND status = 'issued'") == 2);
    AS_CHECK (s_accept (billing, lapsed) == AS_FAILED_PRECONDITION);

    //  Case 2: accepted, then its validity passes: an accepted quote does not expire.
    int64_t quote = as_harness_scalar (harness, "SELECT id FROM billing.quotes WHERE case_id = 2");
    AS_CHECK (s_accept (billing, quote) == 0);
    AS_CHECK (s_scalar (harness, "WITH u AS (UPDATE billing.quotes SET valid_until = valid_until - 5"
                                 " WHERE id = %lld RETURNING 1) SELECT count(*) FROM u", quote) == 1);
    usleep (600 * 1000);
    AS_CHECK (s_scalar (harness, "SELECT count(*) FROM billing.quotes WHERE id = %lld AND status = 'accepted'",
                        quote) == 1);

    //  Two repaired completions under one accepted quote: one invoice.
    s_complete (dispatch, 21, 2, "repaired");
    s_complete (dispatch, 22, 2, "repaired");
    s_await_dispatch (harness, 5);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoices WHERE case_id = 2") == 1);
    AS_CHECK (s_scalar (harness, "SELECT count(*) FROM billing.invoices i JOIN billing.quotes q ON q.id = i.quote_id"
                                 " WHERE q.id = %lld AND i.visit_id = 21 AND i.subtotal_fen = q.subtotal_fen", quote) == 1);
    AS_CHECK (s_scalar (harness, "SELECT count(*) FROM billing.quotes WHERE id = %lld AND status = 'invoiced'",
                        quote) == 1);
    AS_CHECK (s_scalar (harness, "SELECT count(*) FROM billing.quote_lines WHERE quote_id = %lld"
                                 " AND invoiced_quantity <> quantity", quote) == 0);

    //  Case 3: not repaired first (the visit fee only), then repaired (the
    //  rest, no second visit fee), then repaired again (nothing).
    quote = as_harness_scalar (harness, "SELECT id FROM billing.quotes WHERE case_id = 3");
    AS_CHECK (s_accept (billing, quote) == 0);
    s_complete (dispatch, 31, 3, "not_repaired");
    s_await_dispatch (harness, 6);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoice_lines l JOIN billing.invoices i"
                                          " ON i.id = l.invoice_id WHERE i.visit_id = 31 AND l.kind <> 'visit'") == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoice_lines l JOIN billing.invoices i"
                                          " ON i.id = l.invoice_id WHERE i.visit_id = 31 AND l.kind = 'visit'") == 1);
    AS_CHECK (s_scalar (harness, "SELECT count(*) FROM billing.quotes WHERE id = %lld AND status = 'accepted'",
                        quote) == 1);
    s_complete (dispatch, 32, 3, "repaired");
    s_complete (dispatch, 33, 3, "repaired");
    s_await_dispatch (harness, 8);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoices WHERE case_id = 3") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoices WHERE visit_id = 33") == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoice_lines l JOIN billing.invoices i"
                                          " ON i.id = l.invoice_id WHERE i.case_id = 3 AND l.kind = 'visit'") == 1);
    AS_CHECK (s_scalar (harness, "SELECT (SELECT sum(subtotal_fen) FROM billing.invoices WHERE case_id = 3)"
                                 " - subtotal_fen FROM billing.quotes WHERE id = %lld", quote) == 0);
    AS_CHECK (s_scalar (harness, "SELECT count(*) FROM billing.quotes WHERE id = %lld AND status = 'invoiced'",
                        quote) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.dead_letters") == 0);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'invoice.issued'",
                                3, 5000) == 3);

    as_rpc_client_destroy (&billing);
    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("billing quotes: OK\n");
    return 0;
}
