/*  billingd consuming intake's and dispatch's events, played by standind:
    the first decision at report time, the revision at diagnosis with its
    quote, the invoice after an accepted quote, the post-repair warranty,
    the business time zone, cancellation, dead letters, the ingress, and
    every consumed fact applied once even when it arrives twice.          */
#include "as_harness.h"
#include "as_event.h"
#include "as_msg.h"
#include <string.h>
#include <time.h>

static void
s_report (as_rpc_client_t *intake, int case_id, const char *category, const char *serial, const char *purchased,
          const char *reported_at)
{
    char data [2048], subject [32];
    snprintf (data, sizeof data, "{\"case_id\":%d,\"customer\":{\"customer_id\":%d,\"name\":\"Li Wei\","
              "\"phone\":\"13800138000\",\"address\":\"88 Jianguo Rd\"},\"product\":{\"product_id\":%d,"
              "\"category\":\"%s\",\"model\":\"M-1\",\"serial\":\"%s\",\"purchase_date\":\"%s\",\"proof_kind\":\"invoice\"},"
              "\"symptom\":\"no cooling\",\"channel\":\"phone\",\"priority\":\"normal\",\"reported_at\":\"%s\"}",
              case_id, case_id, case_id, category, serial, purchased, reported_at);
    snprintf (subject, sizeof subject, "case/%d", case_id);
    as_harness_emit (intake, "case.reported", subject, data, NULL);
}

static void
s_diagnose (as_rpc_client_t *dispatch, int visit_id, int case_id, const char *serial, const char *cause,
            const char *component, const char *at)
{
    char data [2048], subject [32];
    snprintf (data, sizeof data, "{\"visit_id\":%d,\"case_id\":%d,\"engineer_id\":3,\"station_id\":1,"
              "\"category\":\"air_conditioner\",\"model\":\"M-1\",\"serial\":\"%s\",\"cause\":\"%s\",\"component\":\"%s\","
              "\"repair_items\":[{\"code\":\"R-FAN\",\"quantity\":1}],\"parts_needed\":[{\"part_no\":\"FM-35\",\"quantity\":1}],"
              "\"resolution\":\"on_site\",\"diagnosed_at\":\"%s\"}", visit_id, case_id, serial, cause, component, at);
    snprintf (subject, sizeof subject, "visit/%d", visit_id);
    as_harness_emit (dispatch, "visit.diagnosed", subject, data, NULL);
}

static void
s_complete (as_rpc_client_t *dispatch, int visit_id, int case_id, const char *at)
{
    char data [2048], subject [32];
    snprintf (data, sizeof data, "{\"visit_id\":%d,\"case_id\":%d,\"engineer_id\":3,\"station_id\":1,"
              "\"outcome\":\"repaired\",\"work_done\":\"replaced the fan motor\","
              "\"repair_items\":[{\"code\":\"R-FAN\",\"quantity\":1},{\"code\":\"R-CLEAN\",\"quantity\":1}],"
              "\"parts_used\":[{\"part_no\":\"FM-35\",\"quantity\":2}],\"labour_minutes\":45,"
              "\"customer_accepted\":true,\"completed_at\":\"%s\"}", visit_id, case_id, at);
    snprintf (subject, sizeof subject, "visit/%d", visit_id);
    as_harness_emit (dispatch, "visit.completed", subject, data, NULL);
}

static void
s_publish (as_rpc_client_t *bus, const char *type, const char *data_json)
{
    msgpack_sbuffer data, envelope, params;
    msgpack_sbuffer_init (&data);
    msgpack_sbuffer_init (&envelope);
    msgpack_sbuffer_init (&params);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack (data_json, &data, &err) == 0);
    as_event_t *event = as_event_new ("sales", type, "product/SN-SOLD", data.data, data.size, NULL);
    as_event_encode (event, &envelope);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &params, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    as_pack_kv_bin (&packer, "event", envelope.data, envelope.size);
    as_rpc_reply_t reply;
    AS_CHECK (as_rpc_client_call (bus, "events.publish", params.data, params.size, NULL, &reply, &err) == 0);
    if (!reply.ok)
        fprintf (stderr, "publish %s: %s\n", type, reply.error.message);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    as_event_destroy (&event);
    msgpack_sbuffer_destroy (&data);
    msgpack_sbuffer_destroy (&envelope);
    msgpack_sbuffer_destroy (&params);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("billing_events");
    as_harness_start (harness, "busd", NULL);
    const char *play_intake [] = { "STANDIN_SERVICE=intake", NULL };
    const char *play_dispatch [] = { "STANDIN_SERVICE=dispatch", NULL };
    as_harness_start (harness, "standind", play_intake);
    as_harness_start (harness, "standind", play_dispatch);
    //  No expiry sweep here: case 4's quote is long past its date on purpose.
    const char *no_sweep [] = { "BILLING_QUOTE_SWEEP_MS=0", NULL };
    as_harness_start (harness, "billingd", no_sweep);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");
    as_rpc_client_t *billing = as_harness_client (harness, "billing");
    as_rpc_client_t *bus = as_harness_client (harness, "bus");

    //  Out of the 12 months: paid at report time; the same report twice is one decision.
    s_report (intake, 1, "air_conditioner", "SN-1", "2025-03-01", "2026-11-20T02:00:00.000Z");
    s_report (intake, 1, "air_conditioner", "SN-1", "2025-03-01", "2026-11-20T02:00:00.000Z");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.cursors WHERE producer = 'intake'"
                                         " AND last_sequence = 2", 1, 10000) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.decisions WHERE case_id = 1") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.cases WHERE case_id = 1"
                                          " AND service_type = 'paid'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.registrations WHERE serial = 'SN-1'"
                                          " AND source = 'case' AND purchase_date = '2025-03-01'") == 1);

    //  Diagnosis: quality fault of the fan motor, still paid; a quote of
    //  50.00 visit + 80.00 labour + 120.00 part = 250.00 + 13% = 282.50.
    //  Diagnosed now, so the quote (valid 7 days from the diagnosis) can be accepted whenever this runs.
    char now [40];
    time_t clock = time (NULL);
    struct tm utc;
    gmtime_r (&clock, &utc);
    strftime (now, sizeof now, "%Y-%m-%dT%H:%M:%S.000Z", &utc);
    s_diagnose (dispatch, 11, 1, "SN-1", "quality", "fan_motor", now);
    s_diagnose (dispatch, 11, 1, "SN-1", "quality", "fan_motor", now);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.quotes WHERE case_id = 1", 1, 10000) == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.cursors WHERE producer = 'dispatch'"
                                         " AND last_sequence = 2", 1, 10000) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.quotes WHERE case_id = 1") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT total_fen FROM billing.quotes WHERE case_id = 1") == 28250);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.decisions WHERE case_id = 1"
                                          " AND kind = 'changed'") == 1);
    int64_t quote = as_harness_scalar (harness, "SELECT id FROM billing.quotes WHERE case_id = 1");
    char params [256];
    snprintf (params, sizeof params, "{\"quote_id\":%lld,\"by\":\"Li Wei\"}", (long long) quote);
    as_rpc_reply_t reply;
    as_harness_call (billing, "quote.accept", params, NULL, &reply);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    as_harness_call (billing, "quote.decline", params, NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_FAILED_PRECONDITION);
    as_rpc_reply_release (&reply);

    //  Completed: only what was agreed and done is invoiced (the extra
    //  cleaning and second motor were never quoted); the repeat is ignored.
    s_complete (dispatch, 11, 1, "2026-11-20T08:00:00.000Z");
    s_complete (dispatch, 11, 1, "2026-11-20T08:00:00.000Z");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.cursors WHERE producer = 'dispatch'"
                                         " AND last_sequence = 4", 1, 10000) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoices WHERE case_id = 1") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.invoices WHERE case_id = 1"
                                          " AND total_fen = 28250 AND number = 'INV-2026-000001'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.repairs WHERE serial = 'SN-1'"
                                          " AND completed_on = '2026-11-20'") == 1);

    //  The same product again within 90 days: free, a repeat repair.
    s_report (intake, 2, "air_conditioner", "SN-1", "2025-03-01", "2026-12-01T02:00:00.000Z");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.cases WHERE case_id = 2 AND repeat_repair"
                                         " AND service_type = 'free'", 1, 10000) == 1);

    //  16:30 UTC on the last day is already the next day in Shanghai: ended.
    s_report (intake, 3, "television", "SN-3", "2026-03-01", "2027-02-28T16:30:00.000Z");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.cases WHERE case_id = 3"
                                         " AND service_type = 'paid' AND reported_on = '2027-03-01'", 1, 10000) == 1);

    //  Misuse gets a quote; cancelling the case lets it lapse.
    s_report (intake, 4, "air_conditioner", "SN-4", "2026-03-01", "2026-06-01T02:00:00.000Z");
    s_diagnose (dispatch, 41, 4, "SN-4", "misuse", "fan_motor", "2026-06-02T02:00:00.000Z");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.quotes WHERE case_id = 4 AND status = 'issued'",
                                1, 10000) == 1);
    as_harness_emit (intake, "case.cancelled", "case/4", "{\"case_id\":4,\"reason\":\"customer bought a new one\"}", NULL);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.quotes WHERE case_id = 4"
                                         " AND status = 'superseded'", 1, 10000) == 1);

    //  A diagnosis of a case billing never heard of: a dead letter, and the stream goes on.
    s_diagnose (dispatch, 99, 999, "SN-X", "quality", "fan_motor", "2026-06-02T02:00:00.000Z");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.dead_letters WHERE producer = 'dispatch'",
                                1, 10000) == 1);
    //  The operator sees it, and applies it again once the case is known:
    //  refused while it is not (the letter stays), applied after (it goes).
    as_harness_call (billing, "dead_letters.list", "{}", NULL, &reply);
    AS_CHECK (reply.ok);
    const msgpack_object *letters = as_obj_get (reply.result, "dead_letters");
    AS_CHECK (letters && letters->type == MSGPACK_OBJECT_ARRAY && letters->via.array.size == 1);
    char type [64] = "", error [256] = "";
    as_obj_strcpy (&letters->via.array.ptr [0], "type", type, sizeof type);
    as_obj_strcpy (&letters->via.array.ptr [0], "error", error, sizeof error);
    AS_CHECK (strcmp (type, "visit.diagnosed") == 0 && strstr (error, "case 999 was never reported to billing"));
    as_rpc_reply_release (&reply);
    char retry [128];
    snprintf (retry, sizeof retry, "{\"producer\":\"dispatch\",\"sequence\":%lld}",
              (long long) as_harness_scalar (harness, "SELECT sequence FROM billing.dead_letters"));
    as_harness_call (billing, "dead_letters.retry", retry, NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_FAILED_PRECONDITION);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.dead_letters") == 1);
    s_report (intake, 999, "air_conditioner", "SN-X", "2026-03-01", "2026-06-01T02:00:00.000Z");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.cases WHERE case_id = 999", 1, 10000) == 1);
    as_harness_call (billing, "dead_letters.retry", retry, NULL, &reply);
    if (!reply.ok)
        fprintf (stderr, "dead_letters.retry: %s\n", reply.error.message);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.dead_letters") == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.decisions WHERE case_id = 999"
                                          " AND kind = 'changed' AND visit_id = 99") == 1);

    //  The sales system sells a product and a contract (ingress); a case
    //  out of the 12 months is then covered by the contract.
    s_publish (bus, "sale.recorded", "{\"serial\":\"SN-SOLD\",\"model\":\"M-1\",\"category\":\"air_conditioner\","
               "\"purchase_date\":\"2024-01-10\",\"proof_kind\":\"receipt\",\"owner\":{\"ref\":\"sales/77\"}}");
    s_publish (bus, "contract.sold", "{\"contract_no\":\"SC-77\",\"serial\":\"SN-SOLD\",\"starts_on\":\"2026-01-01\","
               "\"ends_on\":\"2027-12-31\",\"price_fen\":29900}");
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.registrations WHERE serial = 'SN-SOLD'"
                                          " AND source = 'sale'") == 1);
    s_report (intake, 5, "air_conditioner", "SN-SOLD", "2024-01-10", "2026-11-20T02:00:00.000Z");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.cases WHERE case_id = 5"
                                         " AND service_type = 'contract'", 1, 10000) == 1);

    //  Reported on the last day of the 12 months (10:00 in Shanghai), the
    //  visit two days later: coverage is judged on the report's date, so
    //  the quality fault stays free and nothing is quoted.
    s_report (intake, 6, "television", "SN-6", "2026-03-01", "2027-02-28T02:00:00.000Z");
    s_diagnose (dispatch, 61, 6, "SN-6", "quality", "main_board", "2027-03-02T02:00:00.000Z");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.decisions WHERE case_id = 6"
                                         " AND kind = 'changed'", 1, 10000) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.cases WHERE case_id = 6"
                                          " AND service_type = 'free' AND decision::jsonb ->> 'decided_on' = '2027-02-28'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.quotes WHERE case_id = 6") == 0);

    //  What went out: one decision per case, one revision per diagnosed visit.
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'entitlement.decided'",
                                7, 10000) == 7);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'entitlement.changed'") == 4);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'quote.issued'") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'quote.accepted'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM billing.event_log WHERE type = 'invoice.issued'") == 1);

    as_rpc_client_destroy (&bus);
    as_rpc_client_destroy (&billing);
    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("billing events: OK\n");
    return 0;
}
