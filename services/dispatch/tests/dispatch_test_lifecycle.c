/*  The visit life cycle: every report out of order is refused with
    failed_precondition, the way through in order emits each event once,
    every step is in the history; a visit about to miss its window raises
    visit.late once and shows as at risk.                                 */
#include "dispatch_testlib.h"

static void
s_refused (as_rpc_client_t *dispatch, const char *method, int64_t visit_id)
{
    char params [256];
    snprintf (params, sizeof params, "{\"visit_id\":%lld}", (long long) visit_id);
    t_refused (dispatch, method, params, AS_FAILED_PRECONDITION);
}

static void
s_step (as_rpc_client_t *dispatch, const char *method, int64_t visit_id, const char *expected)
{
    as_rpc_reply_t reply;
    t_okf (dispatch, method, &reply, "{\"visit_id\":%lld}", (long long) visit_id);
    char status [24];
    t_str (reply.result, "visit", "status", status, sizeof status);
    AS_CHECK (!strcmp (status, expected));
    as_rpc_reply_release (&reply);
}

static int64_t
s_events (as_harness_t *harness, const char *type, int64_t expected)
{
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.event_log WHERE type = '%s'", type);
    return as_harness_await (harness, sql, expected, 10000);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("dispatch_lifecycle");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    const char *env [] = { "DISPATCH_READY_ON=triage", "DISPATCH_OPTIMIZE_MS=0", "DISPATCH_LATE_CHECK_MS=300",
                           "DISPATCH_LATE_MARGIN_MINUTES=10080", "AFTERSALES_POLL_MS=200", NULL };
    as_harness_start (harness, "dispatchd", env);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");
    int64_t station = t_station (dispatch, "BJ-1", 39.9042, 116.4074, 30);
    t_engineer (dispatch, "E-1", station, "washing_machine", 6);
    char date [11];
    t_date (harness, 1, date);
    int64_t case_id = t_case (intake, "SN-LIFE-1", "washing_machine", 39.91, 116.42);
    int64_t visit_id = t_await_visit (harness, case_id);

    //  Nothing before an appointment.
    const char *early [] = { "visit.confirm", "visit.enroute", "visit.arrive", NULL };
    for (const char **method = early; *method; method++)
        s_refused (dispatch, *method, visit_id);
    as_rpc_reply_t reply;
    t_okf (dispatch, "slots.offer", &reply, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":1}", (long long) case_id, date);
    char start [40];
    t_str (&as_obj_get (reply.result, "slots")->via.array.ptr [0], NULL, "window_start", start, sizeof start);
    as_rpc_reply_release (&reply);
    t_okf (dispatch, "visit.book", &reply, "{\"case_id\":%lld,\"window_start\":\"%s\"}", (long long) case_id, start);
    as_rpc_reply_release (&reply);
    s_refused (dispatch, "visit.enroute", visit_id);
    s_refused (dispatch, "visit.confirm", visit_id);

    t_okf (dispatch, "plan.dispatch", &reply, "{\"date\":\"%s\"}", date);
    AS_CHECK (as_obj_get (reply.result, "visit_ids")->via.array.size == 1);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.visits WHERE status = 'dispatched'"
                                          " AND confirm_due > now()") == 1);
    s_refused (dispatch, "visit.arrive", visit_id);
    s_step (dispatch, "visit.confirm", visit_id, "confirmed");
    s_refused (dispatch, "visit.confirm", visit_id);
    s_step (dispatch, "visit.enroute", visit_id, "en_route");
    char params [1024];
    snprintf (params, sizeof params, "{\"visit_id\":%lld,\"reason\":\"customer changed mind\"}", (long long) visit_id);
    t_refused (dispatch, "visit.cancel", params, AS_FAILED_PRECONDITION);
    snprintf (params, sizeof params, "{\"visit_id\":%lld,\"work_done\":\"x\",\"repair_items\":[],\"parts_used\":[],"
              "\"labour_minutes\":10,\"customer_accepted\":true}", (long long) visit_id);
    t_refused (dispatch, "visit.complete", params, AS_FAILED_PRECONDITION);
    s_step (dispatch, "visit.arrive", visit_id, "on_site");
    t_okf (dispatch, "visit.diagnose", &reply, "{\"visit_id\":%lld,\"cause\":\"quality\",\"repair_items\":"
           "[{\"code\":\"R-PUMP\",\"quantity\":1}],\"parts_needed\":[{\"part_no\":\"P-7\",\"quantity\":1}],"
           "\"resolution\":\"on_site\",\"parts_on_hand\":true}", (long long) visit_id);
    AS_CHECK (!as_obj_get (reply.result, "follow_up_visit_id"));
    as_rpc_reply_release (&reply);
    t_okf (dispatch, "visit.complete", &reply, "%s", params);
    as_rpc_reply_release (&reply);
    t_refused (dispatch, "visit.complete", params, AS_FAILED_PRECONDITION);
    s_refused (dispatch, "visit.enroute", visit_id);

    const char *types [] = { "visit.scheduled", "visit.dispatched", "visit.confirmed", "visit.diagnosed",
                             "visit.completed", NULL };
    for (const char **type = types; *type; type++)
        AS_CHECK (s_events (harness, *type, 1) == 1);
    AS_CHECK (s_events (harness, "visit.started", 2) == 2);
    snprintf (params, sizeof params, "SELECT (string_agg(to_status, ',' ORDER BY id) = 'unscheduled,scheduled,"
              "dispatched,confirmed,en_route,on_site,completed')::int FROM dispatch.visit_history WHERE visit_id = %lld",
              (long long) visit_id);
    AS_CHECK (as_harness_scalar (harness, params) == 1);

    //  A second visit, booked and left waiting: it is late (the margin is a
    //  week here), once, and at risk.
    int64_t second = t_case (intake, "SN-LIFE-2", "washing_machine", 39.92, 116.41);
    int64_t second_visit = t_await_visit (harness, second);
    t_okf (dispatch, "slots.offer", &reply, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":1}", (long long) second, date);
    t_str (&as_obj_get (reply.result, "slots")->via.array.ptr [0], NULL, "window_start", start, sizeof start);
    as_rpc_reply_release (&reply);
    t_okf (dispatch, "visit.book", &reply, "{\"case_id\":%lld,\"window_start\":\"%s\"}", (long long) second, start);
    as_rpc_reply_release (&reply);
    snprintf (params, sizeof params, "SELECT count(*) FROM dispatch.event_log WHERE type = 'visit.late'"
              " AND subject = 'visit/%lld'", (long long) second_visit);
    AS_CHECK (as_harness_await (harness, params, 1, 10000) == 1);
    zclock_sleep (1000);
    AS_CHECK (as_harness_scalar (harness, params) == 1);
    t_ok (dispatch, "visits.at_risk", "{}", &reply);
    AS_CHECK (as_obj_get (reply.result, "visits")->via.array.size == 1);
    as_rpc_reply_release (&reply);

    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("dispatch lifecycle: OK\n");
    return 0;
}
