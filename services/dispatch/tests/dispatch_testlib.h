/*  dispatch_testlib: what the dispatch integration tests share: calls that
    must succeed, a station with engineers, located reports that become
    visits, dates in the business zone. Header-only (static functions).   */
#ifndef DISPATCH_TESTLIB_H
#define DISPATCH_TESTLIB_H

#include "as_harness.h"
#include "as_msg.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define T_MAYBE_UNUSED __attribute__ ((unused))

//  The call must succeed; returns the reply (caller releases).
T_MAYBE_UNUSED static void
t_ok (as_rpc_client_t *client, const char *method, const char *params, as_rpc_reply_t *reply)
{
    as_harness_call (client, method, params, NULL, reply);
    if (!reply->ok)
        fprintf (stderr, "%s %s refused: %s: %s\n", method, params, as_code_name (reply->error.code),
                 reply->error.message);
    AS_CHECK (reply->ok);
}

//  The call must be refused with this code.
T_MAYBE_UNUSED static void
t_refused (as_rpc_client_t *client, const char *method, const char *params, as_code_t code)
{
    as_rpc_reply_t reply;
    as_harness_call (client, method, params, NULL, &reply);
    if (reply.ok || reply.error.code != code)
        fprintf (stderr, "%s %s: expected %s, got %s %s\n", method, params, as_code_name (code),
                 reply.ok ? "ok" : as_code_name (reply.error.code), reply.ok ? "" : reply.error.message);
    AS_CHECK (!reply.ok && reply.error.code == code);
    as_rpc_reply_release (&reply);
}

//  Integer at a path of one nested map ("visit", "engineer_id").
T_MAYBE_UNUSED static int64_t
t_int (const msgpack_object *map, const char *outer, const char *key)
{
    int64_t value = -1;
    as_obj_int (outer ? as_obj_get (map, outer) : map, key, &value);
    return value;
}

T_MAYBE_UNUSED static void
t_str (const msgpack_object *map, const char *outer, const char *key, char *out, size_t size)
{
    out [0] = 0;
    as_obj_strcpy (outer ? as_obj_get (map, outer) : map, key, out, size);
}

//  Call with printf-formatted params; must succeed.
T_MAYBE_UNUSED static void
t_okf (as_rpc_client_t *client, const char *method, as_rpc_reply_t *reply, const char *format, ...)
{
    char params [4096];
    va_list args;
    va_start (args, format);
    vsnprintf (params, sizeof params, format, args);
    va_end (args);
    t_ok (client, method, params, reply);
}

T_MAYBE_UNUSED static int64_t
t_station (as_rpc_client_t *dispatch, const char *code, double lat, double lon, int radius_km)
{
    as_rpc_reply_t reply;
    t_okf (dispatch, "station.add", &reply, "{\"code\":\"%s\",\"name\":\"Station %s\",\"region\":\"north\","
           "\"tier\":\"service_centre\",\"lat\":%.6f,\"lon\":%.6f,\"radius_km\":%d}", code, code, lat, lon, radius_km);
    int64_t id = t_int (reply.result, "station", "station_id");
    as_rpc_reply_release (&reply);
    return id;
}

T_MAYBE_UNUSED static int64_t
t_engineer (as_rpc_client_t *dispatch, const char *code, int64_t station_id, const char *category, int max_visits)
{
    as_rpc_reply_t reply;
    t_okf (dispatch, "engineer.add", &reply, "{\"code\":\"%s\",\"name\":\"Engineer %s\",\"station_id\":%lld,"
           "\"max_visits\":%d,\"shift_start\":\"09:00\",\"shift_end\":\"18:00\","
           "\"skills\":[{\"category\":\"%s\",\"level\":2}]}", code, code, (long long) station_id, max_visits, category);
    int64_t id = t_int (reply.result, "engineer", "engineer_id");
    as_rpc_reply_release (&reply);
    return id;
}

//  Report a located fault and confirm it (the case waits for a visit).
T_MAYBE_UNUSED static int64_t
t_case (as_rpc_client_t *intake, const char *serial, const char *category, double lat, double lon)
{
    as_rpc_reply_t reply;
    t_okf (intake, "case.report", &reply,
           "{\"customer\":{\"name\":\"Wang Fang\",\"phone\":\"13900139000\",\"address\":\"1 Dongcheng Rd, Beijing\","
           "\"location\":{\"lat\":%.6f,\"lon\":%.6f}},\"product\":{\"category\":\"%s\",\"model\":\"M-1\","
           "\"serial\":\"%s\",\"purchase_date\":\"2026-01-05\"},\"symptom\":\"does not start\",\"channel\":\"phone\"}",
           lat, lon, category, serial);
    int64_t case_id = t_int (reply.result, NULL, "case_id");
    as_rpc_reply_release (&reply);
    t_okf (intake, "case.triage", &reply, "{\"case_id\":%lld,\"outcome\":\"fault_confirmed\"}", (long long) case_id);
    as_rpc_reply_release (&reply);
    return case_id;
}

//  The waiting visit of a case, once dispatch has applied intake's events.
T_MAYBE_UNUSED static int64_t
t_await_visit (as_harness_t *harness, int64_t case_id)
{
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM dispatch.visits WHERE case_id = %lld", (long long) case_id);
    AS_CHECK (as_harness_await (harness, sql, 1, 15000) == 1);
    snprintf (sql, sizeof sql, "SELECT max(id) FROM dispatch.visits WHERE case_id = %lld", (long long) case_id);
    return as_harness_scalar (harness, sql);
}

//  A date in the business zone, `days` from today, as YYYY-MM-DD.
T_MAYBE_UNUSED static void
t_date (as_harness_t *harness, int days, char out [11])
{
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date + %d, 'YYYY-MM-DD')", days);
    PGresult *result = PQexec (as_harness_db (harness), sql);
    AS_CHECK (PQresultStatus (result) == PGRES_TUPLES_OK);
    snprintf (out, 11, "%s", PQgetvalue (result, 0, 0));
    PQclear (result);
}

T_MAYBE_UNUSED static const char *t_dispatchd_env [] = {
    "DISPATCH_READY_ON=triage", "DISPATCH_LATE_CHECK_MS=0", "DISPATCH_OPTIMIZE_MS=0", NULL
};

#endif
