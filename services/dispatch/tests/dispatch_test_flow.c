/*  A case from report to completed visit with real daemons (intaked,
    dispatchd) and stand-ins for billing and inventory: no visit before the
    entitlement is decided; the first visit needs parts and ends; the parts
    arriving (one shipped, one already in stock) book the follow-up visit,
    which is completed and linked to the first.                           */
#include "dispatch_testlib.h"

static void
s_emit (as_rpc_client_t *standin, const char *type, const char *subject, const char *data)
{
    char params [2048];
    snprintf (params, sizeof params, "{\"type\":\"%s\",\"subject\":\"%s\",\"data\":%s}", type, subject, data);
    as_rpc_reply_t reply;
    t_ok (standin, "test.emit", params, &reply);
    as_rpc_reply_release (&reply);
}

static void
s_walk (as_rpc_client_t *dispatch, int64_t visit_id, const char *date)
{
    as_rpc_reply_t reply;
    t_okf (dispatch, "plan.dispatch", &reply, "{\"date\":\"%s\"}", date);
    as_rpc_reply_release (&reply);
    const char *steps [] = { "visit.confirm", "visit.enroute", "visit.arrive", NULL };
    for (const char **step = steps; *step; step++) {
        t_okf (dispatch, *step, &reply, "{\"visit_id\":%lld}", (long long) visit_id);
        as_rpc_reply_release (&reply);
    }
}

static void
s_plan_date (as_harness_t *harness, int64_t visit_id, char date [11])
{
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT plan_date::text FROM dispatch.visits WHERE id = %lld", (long long) visit_id);
    PGresult *result = PQexec (as_harness_db (harness), sql);
    AS_CHECK (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1 && !PQgetisnull (result, 0, 0));
    snprintf (date, 11, "%s", PQgetvalue (result, 0, 0));
    PQclear (result);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("dispatch_flow");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    const char *billing_env [] = { "STANDIN_SERVICE=billing", NULL };
    const char *inventory_env [] = { "STANDIN_SERVICE=inventory", NULL };
    as_harness_start (harness, "standind", billing_env);
    as_harness_start (harness, "standind", inventory_env);
    const char *env [] = { "DISPATCH_LATE_CHECK_MS=0", "DISPATCH_OPTIMIZE_MS=0", "AFTERSALES_POLL_MS=200", NULL };
    as_harness_start (harness, "dispatchd", env);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");
    as_rpc_client_t *billing = as_harness_client (harness, "billing");
    as_rpc_client_t *inventory = as_harness_client (harness, "inventory");
    int64_t station = t_station (dispatch, "BJ-1", 39.9042, 116.4074, 30);
    t_engineer (dispatch, "E-1", station, "air_conditioner", 6);

    int64_t case_id = t_case (intake, "SN-FLOW-1", "air_conditioner", 39.93, 116.45);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM dispatch.cases WHERE triaged", 1, 10000) == 1);
    zclock_sleep (500);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.visits") == 0);
    char data [1024], subject [32], date [11];
    t_date (harness, 0, date);
    snprintf (subject, sizeof subject, "case/%lld", (long long) case_id);
    snprintf (data, sizeof data, "{\"case_id\":%lld,\"serial\":\"SN-FLOW-1\",\"service_type\":\"free\",\"parts\":\"free\","
              "\"labour\":\"free\",\"visit_fee\":false,\"repeat_repair\":false,\"diagnosed\":false,"
              "\"policy_version\":\"p1\",\"decided_on\":\"%s\",\"coverage\":[],\"reasons\":[]}", (long long) case_id, date);
    s_emit (billing, "entitlement.decided", subject, data);
    int64_t first = t_await_visit (harness, case_id);

    as_rpc_reply_t reply;
    t_date (harness, 1, date);
    t_okf (dispatch, "slots.offer", &reply, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":1}", (long long) case_id, date);
    char start [40];
    t_str (&as_obj_get (reply.result, "slots")->via.array.ptr [0], NULL, "window_start", start, sizeof start);
    as_rpc_reply_release (&reply);
    t_okf (dispatch, "visit.book", &reply, "{\"case_id\":%lld,\"window_start\":\"%s\"}", (long long) case_id, start);
    as_rpc_reply_release (&reply);
    s_walk (dispatch, first, date);
    t_okf (dispatch, "visit.diagnose", &reply, "{\"visit_id\":%lld,\"cause\":\"quality\",\"component\":\"compressor\","
           "\"repair_items\":[{\"code\":\"R-COMP\",\"quantity\":1}],\"parts_needed\":[{\"part_no\":\"P-1\",\"quantity\":1},"
           "{\"part_no\":\"P-2\",\"quantity\":2}],\"resolution\":\"on_site\"}", (long long) first);
    char status [24];
    t_str (reply.result, "visit", "status", status, sizeof status);
    AS_CHECK (!strcmp (status, "needs_parts"));
    int64_t follow_up = t_int (reply.result, NULL, "follow_up_visit_id");
    AS_CHECK (follow_up > first);
    as_rpc_reply_release (&reply);

    //  Parts: one shipped, then one found in the station's store.
    snprintf (data, sizeof data, "{\"shipment_id\":1,\"reservation_id\":1,\"case_id\":%lld,\"part_no\":\"P-1\","
              "\"quantity\":1,\"from_location_id\":1,\"to_location_id\":2,\"ship_by\":\"%sT08:00:00Z\","
              "\"shipped_at\":\"%sT07:00:00Z\",\"late\":false}", (long long) case_id, date, date);
    s_emit (inventory, "part.shipped", subject, data);
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT waiting_parts FROM dispatch.visits WHERE id = %lld", (long long) follow_up);
    AS_CHECK (as_harness_await (harness, sql, 1, 10000) == 1);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits WHERE id = %lld AND status = 'unscheduled'",
              (long long) follow_up);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);
    snprintf (data, sizeof data, "{\"reservation_id\":2,\"case_id\":%lld,\"part_no\":\"P-2\",\"quantity\":2,"
              "\"location_id\":2,\"location_kind\":\"station\",\"ship_by\":\"%sT08:00:00Z\",\"shipment_id\":null}",
              (long long) case_id, date);
    s_emit (inventory, "part.reserved", subject, data);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits WHERE id = %lld AND status = 'scheduled'"
              " AND follow_up_of = %lld AND kind = 'parts' AND engineer_id IS NOT NULL", (long long) follow_up, (long long) first);
    AS_CHECK (as_harness_await (harness, sql, 1, 15000) == 1);

    s_plan_date (harness, follow_up, date);
    s_walk (dispatch, follow_up, date);
    t_okf (dispatch, "visit.complete", &reply, "{\"visit_id\":%lld,\"work_done\":\"replaced compressor and valve\","
           "\"repair_items\":[{\"code\":\"R-COMP\",\"quantity\":1}],\"parts_used\":[{\"part_no\":\"P-1\",\"quantity\":1},"
           "{\"part_no\":\"P-2\",\"quantity\":2}],\"labour_minutes\":80,\"customer_accepted\":true}", (long long) follow_up);
    t_str (reply.result, "visit", "status", status, sizeof status);
    AS_CHECK (!strcmp (status, "completed"));
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM dispatch.event_log WHERE type = 'visit.completed'", 1, 10000) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.event_log WHERE type = 'visit.scheduled'") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.event_log WHERE type = 'visit.diagnosed'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.dead_letters") == 0);

    as_rpc_client_destroy (&inventory);
    as_rpc_client_destroy (&billing);
    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("dispatch flow: OK\n");
    return 0;
}
