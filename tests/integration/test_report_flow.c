/*  A case reported through intaked: the row, its history, case.reported in
    the event log, and a consumer (testsinkd) applying it; then triage and
    cancel move it through its life cycle, and a wrong move is refused.   */
#include "as_harness.h"
#include "as_msg.h"
#include <signal.h>
#include <string.h>

static void
s_expect_status (as_rpc_reply_t *reply, const char *status)
{
    if (!reply->ok)
        fprintf (stderr, "refused: %s\n", reply->error.message);
    AS_CHECK (reply->ok);
    const msgpack_object *item = as_obj_get (reply->result, "case");
    AS_CHECK (as_obj_streq (as_obj_get (item, "status"), status));
    as_rpc_reply_release (reply);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("report_flow");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_harness_start (harness, "testsinkd", NULL);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");

    int64_t case_id = as_harness_report (intake, "SN-FLOW-1", "flow-1");
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases WHERE status = 'reported'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.case_history") == 1);
    //  The relay logs it just after the reply.
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM intake.event_log WHERE sequence = 1"
                                         " AND type = 'case.reported'", 1, 5000) == 1);
    //  The consumer gets it, live or by polling, as sequence 1.
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.received"
                                         " WHERE type = 'case.reported' AND sequence = 1", 1, 10000) == 1);
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM testsink.received WHERE subject = 'case/%lld'",
              (long long) case_id);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);

    //  What case.get tells an agent.
    char params [256];
    snprintf (params, sizeof params, "{\"case_id\":%lld}", (long long) case_id);
    as_rpc_reply_t reply;
    as_harness_call (intake, "case.get", params, NULL, &reply);
    AS_CHECK (reply.ok);
    const msgpack_object *item = as_obj_get (reply.result, "case");
    AS_CHECK (as_obj_streq (as_obj_get (as_obj_get (item, "product"), "serial"), "SN-FLOW-1"));
    AS_CHECK (as_obj_streq (as_obj_get (as_obj_get (item, "customer"), "phone"), "13800138000"));
    AS_CHECK (as_obj_get (item, "first_contact_due") != NULL);
    as_rpc_reply_release (&reply);

    //  Triage confirms the fault: reported -> triaged -> awaiting_visit.
    snprintf (params, sizeof params, "{\"case_id\":%lld,\"outcome\":\"fault_confirmed\",\"priority\":\"high\"}",
              (long long) case_id);
    as_harness_call (intake, "case.triage", params, NULL, &reply);
    s_expect_status (&reply, "awaiting_visit");
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.case_history") == 3);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.received", 2, 10000) == 2);

    snprintf (params, sizeof params, "{\"status\":\"awaiting_visit\"}");
    as_harness_call (intake, "case.list", params, NULL, &reply);
    AS_CHECK (reply.ok && as_obj_get (reply.result, "cases")->via.array.size == 1);
    as_rpc_reply_release (&reply);
    //  By serial (its own statement, planned from the product), with and
    //  without the other filters.
    as_harness_call (intake, "case.list", "{\"serial\":\"SN-FLOW-1\"}", NULL, &reply);
    AS_CHECK (reply.ok && as_obj_get (reply.result, "cases")->via.array.size == 1);
    as_rpc_reply_release (&reply);
    as_harness_call (intake, "case.list", "{\"serial\":\"SN-FLOW-1\",\"status\":\"cancelled\"}", NULL, &reply);
    AS_CHECK (reply.ok && as_obj_get (reply.result, "cases")->via.array.size == 0);
    as_rpc_reply_release (&reply);
    snprintf (params, sizeof params, "{\"serial\":\"SN-FLOW-1\",\"after_id\":%lld}", (long long) case_id);
    as_harness_call (intake, "case.list", params, NULL, &reply);
    AS_CHECK (reply.ok && as_obj_get (reply.result, "cases")->via.array.size == 0);
    as_rpc_reply_release (&reply);
    as_harness_call (intake, "case.list", "{\"serial\":\"SN-NONE\"}", NULL, &reply);
    AS_CHECK (reply.ok && as_obj_get (reply.result, "cases")->via.array.size == 0);
    as_rpc_reply_release (&reply);

    snprintf (params, sizeof params, "{\"case_id\":%lld,\"reason\":\"customer fixed it\"}", (long long) case_id);
    as_harness_call (intake, "case.cancel", params, NULL, &reply);
    s_expect_status (&reply, "cancelled");
    //  A cancelled case cannot be triaged.
    snprintf (params, sizeof params, "{\"case_id\":%lld,\"outcome\":\"fault_confirmed\"}", (long long) case_id);
    as_harness_call (intake, "case.triage", params, NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_FAILED_PRECONDITION);
    AS_CHECK (strstr (reply.error.message, "cancelled"));
    as_rpc_reply_release (&reply);

    snprintf (params, sizeof params, "{\"case_id\":%lld}", (long long) case_id);
    as_harness_call (intake, "case.history", params, NULL, &reply);
    AS_CHECK (reply.ok && as_obj_get (reply.result, "entries")->via.array.size == 4);
    as_rpc_reply_release (&reply);
    //  The log holds reported, triaged, cancelled in order; the consumer too.
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.received", 3, 10000) == 3);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM (SELECT type, row_number() OVER (ORDER BY id) AS n"
                                          " FROM testsink.received) r WHERE (n = 1 AND type = 'case.reported')"
                                          " OR (n = 2 AND type = 'case.triaged') OR (n = 3 AND type = 'case.cancelled')") == 3);

    //  A new report of the same product opens a new case once the old one is closed.
    int64_t second = as_harness_report (intake, "SN-FLOW-1", "flow-2");
    AS_CHECK (second != case_id);

    as_harness_call (intake, "health", NULL, NULL, &reply);
    AS_CHECK (reply.ok && as_obj_streq (as_obj_get (reply.result, "db"), "ok"));
    as_rpc_reply_release (&reply);
    as_harness_call (intake, "metrics", NULL, NULL, &reply);
    int64_t reported = 0;
    AS_CHECK (reply.ok && as_obj_int (as_obj_get (reply.result, "counters"), "cases_reported", &reported));
    AS_CHECK (reported == 2);
    as_rpc_reply_release (&reply);

    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("report_flow: OK\n");
    return 0;
}
