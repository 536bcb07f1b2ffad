/*  Re-planning: re-optimisation keeps pinned visits with their engineer
    and never makes the plan worse; an operator's assignment sticks; an
    engineer's absence moves their visits to a colleague or back to
    unscheduled, each announced with visit.rescheduled.                   */
#include "dispatch_testlib.h"

static int64_t
s_engineer_of (as_harness_t *harness, int64_t visit_id)
{
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT coalesce(engineer_id, 0) FROM dispatch.visits WHERE id = %lld", (long long) visit_id);
    return as_harness_scalar (harness, sql);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("dispatch_replan");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_harness_start (harness, "dispatchd", t_dispatchd_env);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");
    int64_t station = t_station (dispatch, "BJ-1", 39.9042, 116.4074, 40);
    int64_t first = t_engineer (dispatch, "E-A", station, "television", 4);
    int64_t second = t_engineer (dispatch, "E-B", station, "television", 4);
    char date [11];
    t_date (harness, 3, date);

    //  Six visits, each into the first window offered.
    int64_t visits [6];
    for (int index = 0; index < 6; index++) {
        char serial [32];
        snprintf (serial, sizeof serial, "SN-RE-%d", index);
        int64_t case_id = t_case (intake, serial, "television", 39.85 + 0.02 * index, 116.35 + 0.015 * (index % 3));
        visits [index] = t_await_visit (harness, case_id);
        as_rpc_reply_t reply;
        t_okf (dispatch, "slots.offer", &reply, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":1}", (long long) case_id, date);
        char start [40];
        t_str (&as_obj_get (reply.result, "slots")->via.array.ptr [index % 3], NULL, "window_start", start, sizeof start);
        as_rpc_reply_release (&reply);
        t_okf (dispatch, "visit.book", &reply, "{\"visit_id\":%lld,\"window_start\":\"%s\"}", (long long) visits [index], start);
        as_rpc_reply_release (&reply);
    }
    //  An operator puts visit 0 on E-B: pinned there.
    as_rpc_reply_t reply;
    t_okf (dispatch, "visit.assign", &reply, "{\"visit_id\":%lld,\"engineer_id\":%lld}", (long long) visits [0], (long long) second);
    AS_CHECK (t_int (reply.result, "visit", "engineer_id") == second);
    as_rpc_reply_release (&reply);
    //  Pin one of E-A's visits (E-A has at least one: E-B holds four at most).
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT min(id) FROM dispatch.visits WHERE engineer_id = %lld", (long long) first);
    int64_t pinned = as_harness_scalar (harness, sql);
    AS_CHECK (pinned > 0);
    t_okf (dispatch, "visit.pin", &reply, "{\"visit_id\":%lld,\"pinned\":true}", (long long) pinned);
    as_rpc_reply_release (&reply);

    t_okf (dispatch, "plan.optimize", &reply, "{\"date\":\"%s\",\"station_id\":%lld}", date, (long long) station);
    const msgpack_object *run = &as_obj_get (reply.result, "stations")->via.array.ptr [0];
    AS_CHECK (t_int (run, NULL, "travel_after_s") <= t_int (run, NULL, "travel_before_s"));
    AS_CHECK (t_int (run, NULL, "assigned") == 6 && t_int (run, NULL, "unassigned") == 0);
    as_rpc_reply_release (&reply);
    AS_CHECK (s_engineer_of (harness, visits [0]) == second);
    AS_CHECK (s_engineer_of (harness, pinned) == first);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.plan_runs") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.visits WHERE status = 'scheduled'"
                                          " AND eta BETWEEN window_start AND window_end") == 6);

    //  E-A is off sick that whole day: nothing stays with them.
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits WHERE engineer_id = %lld", (long long) first);
    int64_t had = as_harness_scalar (harness, sql);
    int64_t before = as_harness_scalar (harness, "SELECT count(*) FROM dispatch.outbox WHERE type = 'visit.rescheduled'")
                   + as_harness_scalar (harness, "SELECT count(*) FROM dispatch.event_log WHERE type = 'visit.rescheduled'");
    t_okf (dispatch, "engineer.absence", &reply, "{\"engineer_id\":%lld,\"starts_at\":\"%sT00:00:00+08:00\","
           "\"ends_at\":\"%sT23:59:00+08:00\",\"reason\":\"sick\"}", (long long) first, date, date);
    int64_t moved = t_int (reply.result, NULL, "moved"), unassigned = t_int (reply.result, NULL, "unassigned");
    as_rpc_reply_release (&reply);
    AS_CHECK (moved + unassigned == had && had > 0);
    AS_CHECK (as_harness_scalar (harness, sql) == 0);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits WHERE engineer_id = %lld AND status = 'scheduled'",
              (long long) second);
    AS_CHECK (as_harness_scalar (harness, sql) <= 4);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.visits WHERE status = 'unscheduled'") == unassigned);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.event_log WHERE type = 'visit.rescheduled'");
    AS_CHECK (as_harness_await (harness, sql, before + had, 10000) == before + had);
    //  The board shows E-A absent with no stops.
    t_okf (dispatch, "plan.board", &reply, "{\"date\":\"%s\"}", date);
    const msgpack_object *engineers = as_obj_get (reply.result, "engineers");
    AS_CHECK (engineers->via.array.size == 2);
    bool absent = false;
    as_obj_bool (&engineers->via.array.ptr [0], "absent", &absent);
    AS_CHECK (absent && as_obj_get (&engineers->via.array.ptr [0], "stops")->via.array.size == 0);
    as_rpc_reply_release (&reply);

    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("dispatch replan: OK\n");
    return 0;
}
