/*  What operators type into dispatchctl, and what intake sends, reaches
    dispatch whole or is refused with a message that says what is wrong:
    names and reasons in Chinese up to the catalogue's max_len (which counts
    characters) are kept, not emptied; a station that exists, a station
    that does not, a shift that is not a time of day and an absence that
    ends before it starts are named as such (no PostgreSQL text); an
    unknown visit status is refused; a window past the offer horizon is
    refused; a bad line of an engineers' file imports nothing and names the
    line; --work-days is documented.                                       */
#include "dispatch_testlib.h"
#include <stdlib.h>

//  The status of a refusal with invalid_argument: 1 (refused) or 2 (bad
//  usage), as as_cli decides.
#define S_INVALID (-1)

//  A command that must fail with `status` (S_INVALID: 1 or 2) and say
//  `text`, and no PostgreSQL text.
static void
s_says (as_harness_t *harness, const char *command, int status, const char *text)
{
    char line [1024];
    snprintf (line, sizeof line, "%s 2>&1", command);
    int got = -1;
    char *output = as_harness_run (harness, line, &got);
    bool status_ok = status == S_INVALID ? got == 1 || got == 2 : got == status;
    if (!status_ok || !strstr (output, text) || strstr (output, "constraint"))
        fprintf (stderr, "'%s' exited %d (expected %d) saying:\n%s(expected '%s')\n", command, got, status, output,
                 text);
    AS_CHECK (status_ok && strstr (output, text) && !strstr (output, "constraint"));
    free (output);
}

//  A file of the test's temporary directory with this text; its path in `path`.
static void
s_file (const char *name, const char *text, char *path, size_t size)
{
    const char *tmp = getenv ("AFTERSALES_TEST_TMP");
    snprintf (path, size, "%s/%s", tmp ? tmp : "/tmp", name);
    FILE *file = fopen (path, "w");
    AS_CHECK (file);
    fputs (text, file);
    fclose (file);
}

static void
s_fleet_messages (as_harness_t *harness, as_rpc_client_t *dispatch)
{
    as_harness_expect (harness, "dispatchctl station add --code BJ-CY --name Chaoyang --region north"
                       " --tier service_centre --lat 39.92 --lon 116.44 --radius-km 25", 0, "BJ-CY", true);
    s_says (harness, "dispatchctl station add --code BJ-CY --name Chaoyang --region north --tier service_centre"
            " --lat 39.92 --lon 116.44 --radius-km 25", 1, "already_exists: station BJ-CY already exists");
    s_says (harness, "dispatchctl engineer add --code E-X --name X --station 999", 1, "not_found: no station 999");
    s_says (harness, "dispatchctl engineer add --code E-X --name X --station-code NOPE", 1,
            "not_found: no station with code NOPE");
    s_says (harness, "dispatchctl engineer add --code E-X --name X --station 1 --shift-start 25:00", S_INVALID,
            "shift start 25:00 is not a time of day (HH:MM)");
    s_says (harness, "dispatchctl engineer add --code E-X --name X --station 1 --shift-start 19:00", S_INVALID,
            "shift ends at 18:00, not after it starts at 19:00");
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineers WHERE code = 'E-X'") == 0);

    //  Names at their max_len in Chinese characters are kept whole.
    char *name = as_harness_repeat ("张", 60), command [2048];
    snprintf (command, sizeof command, "dispatchctl engineer add --code E-CN --name '%s' --station 1 --skills fan", name);
    as_harness_expect (harness, command, 0, "E-CN", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT length(name) FROM dispatch.engineers WHERE code = 'E-CN'") == 60);
    free (name);
    name = as_harness_repeat ("站", 100);
    char *region = as_harness_repeat ("北", 64);
    as_rpc_reply_t reply;
    t_okf (dispatch, "station.add", &reply, "{\"code\":\"BJ-HD\",\"name\":\"%s\",\"region\":\"%s\","
           "\"tier\":\"service_centre\",\"lat\":39.96,\"lon\":116.30,\"radius_km\":20}", name, region);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_scalar (harness, "SELECT length(name) + length(region) FROM dispatch.stations"
                                          " WHERE code = 'BJ-HD'") == 164);
    free (name);
    free (region);

    //  Absences: in order, of an engineer who exists.
    char *reason = as_harness_repeat ("病", 500);
    s_says (harness, "dispatchctl engineer absence 1 --from 2030-01-02T18:00:00+08:00 --to 2030-01-02T09:00:00+08:00"
            " --reason sick", S_INVALID, "absence ends before it starts");
    s_says (harness, "dispatchctl engineer absence 999 --from 2030-01-02T09:00:00+08:00 --to 2030-01-02T18:00:00+08:00"
            " --reason sick", 1, "engineer 999 not found");
    snprintf (command, sizeof command, "dispatchctl engineer absence 1 --from 2030-01-02T09:00:00+08:00"
              " --to 2030-01-02T18:00:00+08:00 --reason '%s'", reason);
    as_harness_expect (harness, command, 0, "absence_id", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT length(reason) FROM dispatch.absences") == 500);
    free (reason);

    s_says (harness, "dispatchctl visit list --status nope", S_INVALID, "invalid_argument: params.status");
    as_harness_expect (harness, "dispatchctl visit list --status cancelled", 0, "VISIT", true);
    as_harness_expect (harness, "dispatchctl engineer add --help", 0, "--work-days", true);
}

//  A bad line anywhere imports nothing, names the line, exits 2; empty
//  fields keep their columns.
static void
s_import (as_harness_t *harness)
{
    char path [512], command [640];
    int64_t before = as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineers");
    const char *bad [][2] = {
        { "code,name,station_code,max_visits,shift_start,shift_end,skills,work_days\n"
          "E-201,Zhao Lei,BJ-CY,8,09:00,18:00,fan:2\n"
          "E-202,Qian Li,BJ-CY,lots,09:00,18:00,fan\n", "line 3: max_visits 'lots' is not a whole number" },
        { "E-201,Zhao Lei,BJ-CY,8,09:00,18:00,fan:high\n", "line 1: skill 'fan:high'" },
        { "E-201,Zhao Lei,BJ-CY,8,09:00,18:00,fan:2\nE-202,Qian Li\n", "line 2: 2 fields" },
        { "E-201,Zhao Lei,BJ-CY,8,25:00,18:00,fan:2\n", "line 1: shift start 25:00" },
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        s_file ("engineers-bad.csv", bad [index][0], path, sizeof path);
        snprintf (command, sizeof command, "dispatchctl engineer import %s", path);
        s_says (harness, command, 2, bad [index][1]);
    }
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineers") == before);

    //  A blank max_visits takes the default; the shift stays in its columns.
    s_file ("engineers-good.csv", "code,name,station_code,max_visits,shift_start,shift_end,skills,work_days\n"
            "E-201,Zhao Lei,BJ-CY,,08:30,17:30,fan:2;vacuum_cleaner,12345\n"
            "E-202,\"Qian, Li\",BJ-CY,6,,,,\n", path, sizeof path);
    snprintf (command, sizeof command, "dispatchctl engineer import %s", path);
    as_harness_expect (harness, command, 0, "\"imported\": 2", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineers WHERE code = 'E-201'"
                                          " AND max_visits = 8 AND shift_start = '08:30' AND shift_end = '17:30'"
                                          " AND work_days = '12345'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineers WHERE code = 'E-202'"
                                          " AND name = 'Qian, Li' AND max_visits = 6 AND shift_start = '09:00'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineer_skills s JOIN dispatch.engineers e"
                                          " ON e.id = s.engineer_id WHERE e.code = 'E-201'") == 2);
}

//  Windows are offered and booked up to the horizon (31 days, today the
//  first), never past it.
static void
s_horizon (as_harness_t *harness, as_rpc_client_t *intake, as_rpc_client_t *dispatch)
{
    int64_t station = t_station (dispatch, "BJ-H", 39.9042, 116.4074, 30);
    t_engineer (dispatch, "E-H", station, "air_conditioner", 8);
    int64_t case_id = t_case (intake, "SN-HORIZON-1", "air_conditioner", 39.91, 116.42);
    int64_t visit_id = t_await_visit (harness, case_id);
    char last [11], past [11], params [256], command [256];
    t_date (harness, 30, last);
    t_date (harness, 31, past);

    as_rpc_reply_t reply;
    t_okf (dispatch, "slots.offer", &reply, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":2}", (long long) case_id, last);
    const msgpack_object *slots = as_obj_get (reply.result, "slots");
    AS_CHECK (slots && slots->via.array.size > 0);
    for (uint32_t index = 0; index < slots->via.array.size; index++) {
        char date [11];
        t_str (&slots->via.array.ptr [index], NULL, "date", date, sizeof date);
        AS_CHECK (!strcmp (date, last));
    }
    as_rpc_reply_release (&reply);
    t_okf (dispatch, "slots.offer", &reply, "{\"case_id\":%lld,\"from_date\":\"2030-01-01\",\"days\":3}",
           (long long) case_id);
    AS_CHECK (as_obj_get (reply.result, "slots")->via.array.size == 0);
    as_rpc_reply_release (&reply);

    //  09:00 in Beijing is 01:00Z: a window of every day.
    snprintf (params, sizeof params, "{\"case_id\":%lld,\"window_start\":\"%sT01:00:00Z\"}", (long long) case_id, past);
    t_refused (dispatch, "visit.book", params, AS_INVALID_ARGUMENT);
    snprintf (command, sizeof command, "dispatchctl book %lld --window 2030-01-01T01:00:00Z", (long long) case_id);
    s_says (harness, command, S_INVALID, "offered and booked up to 30 days ahead");
    snprintf (command, sizeof command, "SELECT count(*) FROM dispatch.visits WHERE id = %lld AND status = 'unscheduled'",
              (long long) visit_id);
    AS_CHECK (as_harness_scalar (harness, command) == 1);
    t_okf (dispatch, "visit.book", &reply, "{\"case_id\":%lld,\"window_start\":\"%sT01:00:00Z\"}", (long long) case_id,
           last);
    as_rpc_reply_release (&reply);

    //  A reason at its max_len in Chinese reaches the event whole.
    char *reason = as_harness_repeat ("因", 500);
    t_okf (dispatch, "visit.cancel", &reply, "{\"visit_id\":%lld,\"reason\":\"%s\"}", (long long) visit_id, reason);
    as_rpc_reply_release (&reply);
    snprintf (command, sizeof command, "SELECT count(*) FROM dispatch.visit_history WHERE visit_id = %lld"
              " AND to_status = 'cancelled' AND length(note) = 500", (long long) visit_id);
    AS_CHECK (as_harness_scalar (harness, command) == 1);
    free (reason);
}

//  What intake tells of a case, in Chinese at its max_len, is kept whole.
static void
s_case_texts (as_harness_t *harness, as_rpc_client_t *intake)
{
    char *model = as_harness_repeat ("型", 64), *serial = as_harness_repeat ("号", 64);
    as_rpc_reply_t reply;
    t_okf (intake, "case.report", &reply,
           "{\"customer\":{\"name\":\"王芳\",\"phone\":\"13900139001\",\"address\":\"北京市东城区1号\"},"
           "\"product\":{\"category\":\"fan\",\"model\":\"%s\",\"serial\":\"%s\"},\"symptom\":\"不转\","
           "\"channel\":\"phone\"}", model, serial);
    int64_t case_id = t_int (reply.result, NULL, "case_id");
    as_rpc_reply_release (&reply);
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT length(model) + length(serial) FROM dispatch.cases WHERE id = %lld",
              (long long) case_id);
    AS_CHECK (as_harness_await (harness, sql, 128, 15000) == 128);
    free (model);
    free (serial);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("dispatch_input");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_harness_start (harness, "dispatchd", t_dispatchd_env);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");

    s_fleet_messages (harness, dispatch);
    s_import (harness);
    s_horizon (harness, intake, dispatch);
    s_case_texts (harness, intake);

    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("dispatch input: OK\n");
    return 0;
}
