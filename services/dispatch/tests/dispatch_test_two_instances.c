/*  Two dispatchd processes on one database never overbook a day. Several
    client threads, half of them talking to each instance, book the first
    offered window for customers of one station, all at once, one day after
    the other, until the day offers nothing. Then, in SQL: no engineer has
    more visits than max_visits a day, no two of an engineer's visits
    overlap in time or share a place in the route, every booking that
    succeeded is still in the plan.                                      */
#include "dispatch_testlib.h"
#include <pthread.h>
#include <stdlib.h>

#define S_THREADS 8
#define S_CASES 40
#define S_DAYS 3

typedef struct {
    const char *endpoint;
    const char *date;
    int64_t cases [S_CASES];
    bool done [S_CASES];        //  booked on an earlier day
    int case_count;
    int64_t booked [S_CASES];   //  visit ids of successful bookings
    int booked_count, refused, aborted;
} s_worker_t;

//  Offer, then book the first slot; again when someone took it meanwhile.
static void
s_book_case (as_rpc_client_t *client, s_worker_t *worker, int64_t case_id)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        char params [256], start [40] = "";
        as_rpc_reply_t offer;
        snprintf (params, sizeof params, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":1}",
                  (long long) case_id, worker->date);
        t_ok (client, "slots.offer", params, &offer);
        const msgpack_object *slots = as_obj_get (offer.result, "slots");
        AS_CHECK (slots && slots->type == MSGPACK_OBJECT_ARRAY);
        if (slots->via.array.size > 0)
            t_str (&slots->via.array.ptr [0], NULL, "window_start", start, sizeof start);
        as_rpc_reply_release (&offer);
        if (!*start)
            return;             //  the day is full for this customer
        as_rpc_reply_t booked;
        snprintf (params, sizeof params, "{\"case_id\":%lld,\"window_start\":\"%s\"}", (long long) case_id, start);
        as_harness_call (client, "visit.book", params, NULL, &booked);
        if (booked.ok) {
            worker->booked [worker->booked_count++] = t_int (booked.result, "visit", "visit_id");
            as_rpc_reply_release (&booked);
            return;
        }
        //  Taken by another booking (or a lock conflict to retry): ask again.
        AS_CHECK (booked.error.code == AS_FAILED_PRECONDITION || booked.error.code == AS_ABORTED
               || booked.error.code == AS_UNAVAILABLE);
        worker->refused++;
        worker->aborted += booked.error.code != AS_FAILED_PRECONDITION;
        as_rpc_reply_release (&booked);
    }
}

static void *
s_worker (void *args)
{
    s_worker_t *worker = args;
    as_rpc_client_t *client = as_rpc_client_new (worker->endpoint);
    for (int index = 0; index < worker->case_count; index++)
        if (!worker->done [index]) {
            int before = worker->booked_count;
            s_book_case (client, worker, worker->cases [index]);
            worker->done [index] = worker->booked_count > before;
        }
    as_rpc_client_destroy (&client);
    return NULL;
}

//  The second instance: same database and bus, its RPC on another port.
static void
s_start_second (as_harness_t *harness, char *endpoint, size_t size)
{
    snprintf (endpoint, size, "tcp://127.0.0.1:%d", atoi (getenv ("AFTERSALES_PORT_BASE")) + 97);
    static char variable [128];
    snprintf (variable, sizeof variable, "AFTERSALES_DISPATCH_ENDPOINT=%s", endpoint);
    static const char *env [5];
    env [0] = variable;
    for (int index = 0; t_dispatchd_env [index]; index++)
        env [index + 1] = t_dispatchd_env [index];
    as_harness_start (harness, "dispatchd", env);
    as_rpc_client_t *client = as_rpc_client_new (endpoint);
    as_rpc_reply_t reply;
    t_ok (client, "health", NULL, &reply);
    as_rpc_reply_release (&reply);
    as_rpc_client_destroy (&client);
}

static void
s_check_plan (as_harness_t *harness, s_worker_t *workers)
{
    char sql [1024];
    //  No engineer above max_visits on any day.
    snprintf (sql, sizeof sql, "SELECT count(*) FROM (SELECT v.engineer_id FROM dispatch.visits v"
              " JOIN dispatch.engineers e ON e.id = v.engineer_id WHERE v.plan_date IS NOT NULL"
              " GROUP BY v.engineer_id, v.plan_date, e.max_visits HAVING count(*) > e.max_visits) x");
    int64_t over = as_harness_scalar (harness, sql);
    //  No two visits of an engineer overlap in time or share a route place.
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits a JOIN dispatch.visits b"
              " ON a.engineer_id = b.engineer_id AND a.plan_date = b.plan_date AND a.id < b.id"
              " WHERE a.seq = b.seq OR (a.eta < b.eta + make_interval(mins => b.minutes)"
              " AND b.eta < a.eta + make_interval(mins => a.minutes))");
    int64_t overlaps = as_harness_scalar (harness, sql);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits WHERE plan_date IS NOT NULL");
    int64_t planned = as_harness_scalar (harness, sql);
    int booked = 0, refused = 0, aborted = 0, lost = 0;
    for (int thread = 0; thread < S_THREADS; thread++) {
        refused += workers [thread].refused;
        aborted += workers [thread].aborted;
        for (int index = 0; index < workers [thread].booked_count; index++, booked++) {
            snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits WHERE id = %lld AND status = 'scheduled'"
                      " AND engineer_id IS NOT NULL AND plan_date IS NOT NULL",
                      (long long) workers [thread].booked [index]);
            lost += as_harness_scalar (harness, sql) != 1;
        }
    }
    printf ("two_instances: %d booked, %d refused and retried (%d aborted or unavailable), %lld planned, %lld engineers over max_visits,"
            " %lld overlapping pairs, %d bookings lost\n", booked, refused, aborted, (long long) planned, (long long) over,
            (long long) overlaps, lost);
    AS_CHECK (over == 0);
    AS_CHECK (overlaps == 0);
    AS_CHECK (lost == 0);
    AS_CHECK (planned == booked);
    //  Every day was offered until full: at least one visit a day.
    AS_CHECK (booked >= S_DAYS);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("dispatch_two_instances");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_harness_start (harness, "dispatchd", t_dispatchd_env);
    char second [64];
    s_start_second (harness, second, sizeof second);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");

    int64_t station = t_station (dispatch, "BJ-2I", 39.9042, 116.4074, 30);
    t_engineer (dispatch, "E-2I-1", station, "air_conditioner", 4);
    t_engineer (dispatch, "E-2I-2", station, "air_conditioner", 4);
    t_engineer (dispatch, "E-2I-3", station, "air_conditioner", 4);

    s_worker_t workers [S_THREADS];
    memset (workers, 0, sizeof workers);
    for (int index = 0; index < S_CASES; index++) {
        char serial [32];
        snprintf (serial, sizeof serial, "SN-2I-%d", index);
        int64_t case_id = t_case (intake, serial, "air_conditioner", 39.89 + 0.003 * (index % 7),
                                  116.39 + 0.003 * (index / 7));
        s_worker_t *worker = &workers [index % S_THREADS];
        worker->cases [worker->case_count++] = case_id;
    }
    for (int thread = 0; thread < S_THREADS; thread++)
        for (int index = 0; index < workers [thread].case_count; index++)
            t_await_visit (harness, workers [thread].cases [index]);

    char first [64];
    snprintf (first, sizeof first, "%s", as_endpoint ("dispatch"));
    for (int round = 0; round < S_DAYS; round++) {
        char date [11];
        t_date (harness, 2 + round, date);
        pthread_t threads [S_THREADS];
        for (int thread = 0; thread < S_THREADS; thread++) {
            workers [thread].endpoint = thread % 2 ? second : first;
            workers [thread].date = date;
            AS_CHECK (pthread_create (&threads [thread], NULL, s_worker, &workers [thread]) == 0);
        }
        for (int thread = 0; thread < S_THREADS; thread++)
            pthread_join (threads [thread], NULL);
    }
    s_check_plan (harness, workers);

    as_rpc_client_destroy (&intake);
    as_rpc_client_destroy (&dispatch);
    as_harness_destroy (&harness);
    return 0;
}
