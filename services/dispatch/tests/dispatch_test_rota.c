/*  The weekly rota: an engineer who works Monday to Friday gets no visit at
    the weekend, one who works the weekend gets no weekday visit. Offers and
    bookings follow the rota, a full weekend offers nothing although the
    weekday engineer has room, the board shows the weekday engineer off on
    Saturday, and a rota that is not ISO weekday digits is refused. When
    the weekday engineer stops working Mondays, their Monday visits move to
    a colleague who does, and so does the next Monday booking. A skill no
    station had is offered as soon as an engineer gains it, and a day freed
    by an operator's SQL is offered again at once.                         */
#include "dispatch_testlib.h"

//  The first local date from today + 2 on that is ISO weekday `isodow`.
static void
s_weekday (as_harness_t *harness, int isodow, char out [11])
{
    char sql [320];
    snprintf (sql, sizeof sql, "SELECT to_char(d, 'YYYY-MM-DD') FROM generate_series((now() AT TIME ZONE"
              " 'Asia/Shanghai')::date + 2, (now() AT TIME ZONE 'Asia/Shanghai')::date + 8, interval '1 day') AS d"
              " WHERE extract(isodow FROM d) = %d LIMIT 1", isodow);
    PGresult *result = PQexec (as_harness_db (harness), sql);
    AS_CHECK (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1);
    snprintf (out, 11, "%s", PQgetvalue (result, 0, 0));
    PQclear (result);
}

static int64_t
s_engineer (as_rpc_client_t *dispatch, const char *code, int64_t station_id, int max_visits, const char *days)
{
    as_rpc_reply_t reply;
    t_okf (dispatch, "engineer.add", &reply, "{\"code\":\"%s\",\"name\":\"Engineer %s\",\"station_id\":%lld,"
           "\"max_visits\":%d,\"work_days\":\"%s\",\"skills\":[{\"category\":\"air_conditioner\",\"level\":2}]}",
           code, code, (long long) station_id, max_visits, days);
    char stored [8];
    t_str (reply.result, "engineer", "work_days", stored, sizeof stored);
    AS_CHECK (!strcmp (stored, days));
    int64_t id = t_int (reply.result, "engineer", "engineer_id");
    as_rpc_reply_release (&reply);
    return id;
}

//  Slots offered for a case on one date.
static int
s_offered (as_rpc_client_t *dispatch, int64_t case_id, const char *date, char *first, size_t size)
{
    as_rpc_reply_t offer;
    t_okf (dispatch, "slots.offer", &offer, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":1}", (long long) case_id, date);
    const msgpack_object *slots = as_obj_get (offer.result, "slots");
    AS_CHECK (slots && slots->type == MSGPACK_OBJECT_ARRAY);
    int count = (int) slots->via.array.size;
    if (first && count)
        t_str (&slots->via.array.ptr [0], NULL, "window_start", first, size);
    as_rpc_reply_release (&offer);
    return count;
}

//  Book the first slot of the date; returns the engineer.
static int64_t
s_book_first (as_rpc_client_t *dispatch, int64_t case_id, const char *date)
{
    char start [40] = "";
    AS_CHECK (s_offered (dispatch, case_id, date, start, sizeof start) > 0);
    as_rpc_reply_t booked;
    t_okf (dispatch, "visit.book", &booked, "{\"case_id\":%lld,\"window_start\":\"%s\"}", (long long) case_id, start);
    int64_t engineer = t_int (booked.result, "visit", "engineer_id");
    as_rpc_reply_release (&booked);
    return engineer;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("dispatch_rota");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    //  Reads answered inline by the loop (the other tests use the read
    //  worker): the caches must be right both ways.
    const char *env [] = { "DISPATCH_READY_ON=triage", "DISPATCH_LATE_CHECK_MS=0", "DISPATCH_OPTIMIZE_MS=0",
                           "AFTERSALES_READ_WORKERS=0", NULL };
    as_harness_start (harness, "dispatchd", env);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");

    int64_t station = t_station (dispatch, "BJ-R", 39.9042, 116.4074, 30);
    int64_t weekdays = s_engineer (dispatch, "E-WD", station, 3, "12345");
    int64_t weekend = s_engineer (dispatch, "E-WE", station, 1, "67");
    t_refused (dispatch, "engineer.add", "{\"code\":\"E-BAD\",\"name\":\"Bad rota\",\"station_id\":1,\"work_days\":\"8\"}",
               AS_INVALID_ARGUMENT);
    char saturday [11], monday [11];
    s_weekday (harness, 6, saturday);
    s_weekday (harness, 1, monday);

    int64_t cases [4];
    for (int index = 0; index < 4; index++) {
        char serial [32];
        snprintf (serial, sizeof serial, "SN-ROTA-%d", index);
        cases [index] = t_case (intake, serial, "air_conditioner", 39.90 + 0.005 * index, 116.40);
        t_await_visit (harness, cases [index]);
    }
    //  Saturday: only the weekend engineer, who holds one visit.
    AS_CHECK (s_book_first (dispatch, cases [0], saturday) == weekend);
    AS_CHECK (s_offered (dispatch, cases [1], saturday, NULL, 0) == 0);
    //  dispatchd keeps the planned visits of the days it loaded, and sees
    //  whoever changes them: an operator's SQL frees the weekend engineer's
    //  one Saturday visit, and Saturday is offered again.
    char sql [320];
    snprintf (sql, sizeof sql, "UPDATE dispatch.visits SET status = 'cancelled' WHERE case_id = %lld",
              (long long) cases [0]);
    PQclear (PQexec (as_harness_db (harness), sql));
    AS_CHECK (s_offered (dispatch, cases [1], saturday, NULL, 0) > 0);
    //  Monday: only the weekday engineer.
    AS_CHECK (s_book_first (dispatch, cases [1], monday) == weekdays);
    AS_CHECK (s_book_first (dispatch, cases [2], monday) == weekdays);

    //  The board: the weekday engineer is off on Saturday, on on Monday.
    as_rpc_reply_t reply;
    const char *dates [2] = { saturday, monday };
    for (int day = 0; day < 2; day++) {
        t_okf (dispatch, "plan.board", &reply, "{\"date\":\"%s\",\"station_id\":%lld}", dates [day], (long long) station);
        const msgpack_object *engineers = as_obj_get (reply.result, "engineers");
        AS_CHECK (engineers && engineers->via.array.size == 2);
        for (uint32_t index = 0; index < engineers->via.array.size; index++) {
            bool absent = false;
            as_obj_bool (&engineers->via.array.ptr [index], "absent", &absent);
            bool is_weekday = t_int (&engineers->via.array.ptr [index], NULL, "engineer_id") == weekdays;
            AS_CHECK (absent == (day == 0 ? is_weekday : !is_weekday));
        }
        as_rpc_reply_release (&reply);
    }
    //  The weekday engineer stops working Mondays: their two Monday visits
    //  go to a colleague who works every day.
    int64_t everyday = s_engineer (dispatch, "E-ALL", station, 3, "1234567");
    s_engineer (dispatch, "E-WD", station, 3, "2345");
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits WHERE plan_date = '%s' AND engineer_id = %lld"
              " AND status = 'scheduled' AND case_id IN (%lld, %lld)", monday, (long long) everyday,
              (long long) cases [1], (long long) cases [2]);
    AS_CHECK (as_harness_scalar (harness, sql) == 2);
    //  Offers and bookings of Monday see the new rota at once, although
    //  dispatchd keeps the shifts it loaded for that day (its fleet cache,
    //  which the change invalidates): the next Monday visit goes to the
    //  colleague too.
    AS_CHECK (s_book_first (dispatch, cases [3], monday) == everyday);
    //  Nothing planned against the rota.
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits v JOIN dispatch.engineers e ON e.id = v.engineer_id"
              " WHERE strpos(e.work_days, extract(isodow FROM v.plan_date)::int::text) = 0");
    AS_CHECK (as_harness_scalar (harness, sql) == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.visits WHERE plan_date IS NOT NULL") == 4);

    //  The stations' skills are kept in dispatchd too: a washing machine
    //  finds no station until an engineer of the station learns it, and
    //  then at once.
    int64_t washer = t_case (intake, "SN-ROTA-WASHER", "washing_machine", 39.91, 116.40);
    t_await_visit (harness, washer);
    AS_CHECK (s_offered (dispatch, washer, monday, NULL, 0) == 0);
    t_engineer (dispatch, "E-WM", station, "washing_machine", 4);
    AS_CHECK (s_offered (dispatch, washer, monday, NULL, 0) > 0);

    as_rpc_reply_t metrics;
    t_ok (dispatch, "metrics", "{}", &metrics);
    const msgpack_object *counters = as_obj_get (metrics.result, "counters");
    AS_CHECK (counters && !as_obj_get (counters, "rpc_read_workers"));
    as_rpc_reply_release (&metrics);

    as_rpc_client_destroy (&intake);
    as_rpc_client_destroy (&dispatch);
    as_harness_destroy (&harness);
    return 0;
}
