/*  Offers over several days and stations (loaded in one round trip) agree
    with offers of one day at a time, while the days fill up: two stations
    whose radius both cover the customers, an engineer absent on one of
    the days. The first slot offered is booked each time; every booking
    succeeds, nobody goes over max_visits on any day, the absent engineer
    gets nothing that day, and once the days are full nothing is offered.
    The offers go to dispatchd's read worker, the bookings to its loop.    */
#include "dispatch_testlib.h"

#define T_DAYS 3

//  The slots of an offer as "date window_start station" lines.
static void
s_offer_lines (as_rpc_client_t *dispatch, int64_t case_id, const char *from, int days, char *out, size_t size,
               int *count)
{
    as_rpc_reply_t offer;
    t_okf (dispatch, "slots.offer", &offer, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":%d}",
           (long long) case_id, from, days);
    const msgpack_object *slots = as_obj_get (offer.result, "slots");
    AS_CHECK (slots && slots->type == MSGPACK_OBJECT_ARRAY);
    size_t at = strlen (out);
    for (uint32_t index = 0; index < slots->via.array.size; index++) {
        char date [11], start [40];
        t_str (&slots->via.array.ptr [index], NULL, "date", date, sizeof date);
        t_str (&slots->via.array.ptr [index], NULL, "window_start", start, sizeof start);
        int64_t station = t_int (&slots->via.array.ptr [index], NULL, "station_id");
        AS_CHECK (station > 0);
        at += (size_t) snprintf (out + at, size - at, "%s %s %lld\n", date, start, (long long) station);
        AS_CHECK (at < size);
    }
    *count += (int) slots->via.array.size;
    as_rpc_reply_release (&offer);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("dispatch_offers");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_harness_start (harness, "dispatchd", t_dispatchd_env);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");

    int64_t north = t_station (dispatch, "BJ-N", 39.95, 116.40, 30);
    int64_t south = t_station (dispatch, "BJ-S", 39.86, 116.40, 30);
    t_engineer (dispatch, "N-1", north, "air_conditioner", 2);
    int64_t absent = t_engineer (dispatch, "N-2", north, "air_conditioner", 2);
    t_engineer (dispatch, "S-1", south, "air_conditioner", 2);
    t_engineer (dispatch, "S-2", south, "refrigerator", 2);        //  wrong skill: never used
    char dates [T_DAYS][11];
    for (int day = 0; day < T_DAYS; day++)
        t_date (harness, day + 1, dates [day]);
    as_rpc_reply_t reply;
    t_okf (dispatch, "engineer.absence", &reply, "{\"engineer_id\":%lld,\"starts_at\":\"%sT00:00:00+08:00\","
           "\"ends_at\":\"%sT23:59:00+08:00\",\"reason\":\"training\"}", (long long) absent, dates [1], dates [1]);
    as_rpc_reply_release (&reply);

    //  Capacity: 3 engineers x 2 on the first and last day, 2 x 2 on the
    //  second; two 90-minute repairs fit in any shift.
    int booked = 0, cases = 0;
    while (cases < 20) {
        char serial [32];
        snprintf (serial, sizeof serial, "SN-OFFER-%d", cases);
        int64_t case_id = t_case (intake, serial, "air_conditioner", 39.90 + 0.005 * (cases % 5),
                                  116.39 + 0.004 * (cases % 7));
        cases++;
        t_await_visit (harness, case_id);
        char together [4096] = "", apart [4096] = "";
        int offered = 0, offered_apart = 0;
        s_offer_lines (dispatch, case_id, dates [0], T_DAYS, together, sizeof together, &offered);
        for (int day = 0; day < T_DAYS; day++)
            s_offer_lines (dispatch, case_id, dates [day], 1, apart, sizeof apart, &offered_apart);
        if (strcmp (together, apart))
            fprintf (stderr, "offer of %d days:\n%sone day at a time:\n%s", T_DAYS, together, apart);
        AS_CHECK (!strcmp (together, apart));
        if (offered == 0)
            break;
        //  The first slot offered books.
        char start [40];
        sscanf (together, "%*s %39s", start);
        t_okf (dispatch, "visit.book", &reply, "{\"case_id\":%lld,\"window_start\":\"%s\"}", (long long) case_id, start);
        char status [24];
        t_str (reply.result, "visit", "status", status, sizeof status);
        AS_CHECK (!strcmp (status, "scheduled"));
        as_rpc_reply_release (&reply);
        booked++;
    }
    AS_CHECK (booked == 16);
    //  Nobody over max_visits on any day, the absent engineer idle that
    //  day, the fridge engineer never used, every ETA in its window, and
    //  each day's stops numbered 1..n per engineer.
    AS_CHECK (as_harness_scalar (harness, "SELECT max(n) FROM (SELECT count(*) n FROM dispatch.visits"
                                          " WHERE status = 'scheduled' GROUP BY engineer_id, plan_date) x") == 2);
    char sql [320];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits WHERE engineer_id = %lld AND plan_date = '%s'",
              (long long) absent, dates [1]);
    AS_CHECK (as_harness_scalar (harness, sql) == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.visits v JOIN dispatch.engineers e"
                                          " ON e.id = v.engineer_id WHERE e.code = 'S-2'") == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.visits WHERE status = 'scheduled'"
                                          " AND eta BETWEEN window_start AND window_end") == 16);
    const char *numbered = "SELECT count(*) FROM (SELECT min(seq) lo, max(seq) hi, count(*) n, count(DISTINCT seq) d"
                           " FROM dispatch.visits WHERE status = 'scheduled' GROUP BY engineer_id, plan_date) x"
                           " WHERE lo <> 1 OR hi <> n OR d <> n";
    if (as_harness_scalar (harness, numbered) != 0) {
        PGresult *rows = PQexec (as_harness_db (harness), "SELECT engineer_id, plan_date, seq, eta, window_start"
                                 " FROM dispatch.visits ORDER BY 1, 2, 3");
        for (int row = 0; row < PQntuples (rows); row++)
            fprintf (stderr, "%s %s %s %s %s\n", PQgetvalue (rows, row, 0), PQgetvalue (rows, row, 1),
                     PQgetvalue (rows, row, 2), PQgetvalue (rows, row, 3), PQgetvalue (rows, row, 4));
        PQclear (rows);
    }
    AS_CHECK (as_harness_scalar (harness, numbered) == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(DISTINCT station_id) FROM dispatch.visits") == 2);
    //  The offers were answered by dispatchd's read worker (its own
    //  connection and caches), beside the loop that booked.
    as_rpc_reply_t metrics;
    t_ok (dispatch, "metrics", "{}", &metrics);
    AS_CHECK (t_int (metrics.result, "counters", "rpc_read_workers") >= 16);
    as_rpc_reply_release (&metrics);

    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("dispatch offers: OK\n");
    return 0;
}
