/*  Slot offers match what can be served: for each case, every offered
    window is booked in turn (none fails), then the last one is kept. Two
    engineers of three visits a day fill up, after which that day offers
    nothing and a window that is not offered is refused. Customers outside
    the station's radius get no offer.                                    */
#include "dispatch_testlib.h"

static int
s_book_every_offer (as_harness_t *harness, as_rpc_client_t *dispatch, int64_t case_id, const char *date)
{
    as_rpc_reply_t offer;
    t_okf (dispatch, "slots.offer", &offer, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":1}", (long long) case_id, date);
    const msgpack_object *slots = as_obj_get (offer.result, "slots");
    AS_CHECK (slots && slots->type == MSGPACK_OBJECT_ARRAY);
    int count = (int) slots->via.array.size;
    for (int index = 0; index < count; index++) {
        char start [40], sql [256];
        t_str (&slots->via.array.ptr [index], NULL, "window_start", start, sizeof start);
        //  Windows are the default two hours within 09:00-18:00 local.
        snprintf (sql, sizeof sql, "SELECT extract(hour FROM '%s'::timestamptz AT TIME ZONE 'Asia/Shanghai')::int", start);
        int64_t hour = as_harness_scalar (harness, sql);
        AS_CHECK (hour == 9 || hour == 11 || hour == 13 || hour == 15 || hour == 17);
        as_rpc_reply_t booked;
        t_okf (dispatch, "visit.book", &booked, "{\"case_id\":%lld,\"window_start\":\"%s\"}", (long long) case_id, start);
        char status [24];
        t_str (booked.result, "visit", "status", status, sizeof status);
        AS_CHECK (!strcmp (status, "scheduled"));
        AS_CHECK (t_int (booked.result, "visit", "engineer_id") > 0);
        int64_t visit_id = t_int (booked.result, "visit", "visit_id");
        as_rpc_reply_release (&booked);
        if (index + 1 < count) {
            as_rpc_reply_t freed;
            t_okf (dispatch, "visit.unassign", &freed, "{\"visit_id\":%lld,\"reason\":\"trying the next window\"}",
                   (long long) visit_id);
            as_rpc_reply_release (&freed);
        }
    }
    as_rpc_reply_release (&offer);
    return count;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("dispatch_slots");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_harness_start (harness, "dispatchd", t_dispatchd_env);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");

    int64_t station = t_station (dispatch, "BJ-1", 39.9042, 116.4074, 30);
    t_engineer (dispatch, "E-1", station, "air_conditioner", 3);
    t_engineer (dispatch, "E-2", station, "air_conditioner", 3);
    t_engineer (dispatch, "E-3", station, "refrigerator", 3);      //  wrong skill: never used
    char date [11];
    t_date (harness, 2, date);

    //  Eight customers within 10 km; the day holds six.
    int offered [8], booked = 0;
    for (int index = 0; index < 8; index++) {
        char serial [32];
        snprintf (serial, sizeof serial, "SN-SLOT-%d", index);
        int64_t case_id = t_case (intake, serial, "air_conditioner", 39.90 + 0.01 * (index % 4) - 0.02,
                                  116.40 + 0.012 * (index / 2) - 0.03);
        t_await_visit (harness, case_id);
        offered [index] = s_book_every_offer (harness, dispatch, case_id, date);
        booked += offered [index] > 0;
        if (offered [index] == 0) {
            char params [160];
            snprintf (params, sizeof params, "{\"case_id\":%lld,\"window_start\":\"%sT01:00:00Z\"}", (long long) case_id, date);
            t_refused (dispatch, "visit.book", params, AS_FAILED_PRECONDITION);
        }
    }
    for (int index = 0; index < 6; index++)
        AS_CHECK (offered [index] > 0);
    AS_CHECK (booked == 6);
    AS_CHECK (offered [6] == 0 && offered [7] == 0);
    //  An empty day: the 17:00-18:00 window cannot hold a 90-minute repair
    //  before the 18:00 end of shift, the four others can.
    AS_CHECK (offered [0] == 4);
    //  Capacity and skills held: nobody above three, the fridge engineer idle.
    AS_CHECK (as_harness_scalar (harness, "SELECT max(n) FROM (SELECT count(*) n FROM dispatch.visits"
                                          " WHERE status = 'scheduled' GROUP BY engineer_id) x") == 3);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.visits v JOIN dispatch.engineers e"
                                          " ON e.id = v.engineer_id WHERE e.code = 'E-3'") == 0);
    //  Every booked visit starts within its window and the plan is ordered.
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.visits WHERE status = 'scheduled'"
                                          " AND eta BETWEEN window_start AND window_end") == 6);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM dispatch.event_log WHERE type = 'visit.scheduled'",
                                6, 10000) >= 6);

    //  Outside every radius: no offer at all.
    int64_t far = t_case (intake, "SN-SLOT-FAR", "air_conditioner", 31.2304, 121.4737);
    t_await_visit (harness, far);
    as_rpc_reply_t offer;
    t_okf (dispatch, "slots.offer", &offer, "{\"case_id\":%lld,\"days\":3}", (long long) far);
    AS_CHECK (as_obj_get (offer.result, "slots")->via.array.size == 0);
    as_rpc_reply_release (&offer);
    t_refused (dispatch, "slots.offer", "{\"case_id\":999999}", AS_FAILED_PRECONDITION);

    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("dispatch slots: OK\n");
    return 0;
}
