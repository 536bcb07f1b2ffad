/*  The full path with real daemons: a report taken by intaked, triaged
    (the first contact), a visit completed (dispatch played by standind)
    -> surveyd schedules the survey for the next day 10:00 local, the timer
    sends it (notification.requested), the customer's answers come in
    through surveyctl, and the month's KPIs change.                        */
#include "as_harness.h"
#include "as_msg.h"
#include <math.h>
#include <string.h>
#include <time.h>

static void
s_time (time_t at, char out [32])
{
    struct tm utc;
    gmtime_r (&at, &utc);
    strftime (out, 32, "%Y-%m-%dT%H:%M:%SZ", &utc);
}

static char *
s_text (as_harness_t *harness, const char *sql)
{
    PGresult *result = PQexec (as_harness_db (harness), sql);
    AS_CHECK (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1);
    char *text = strdup (PQgetvalue (result, 0, 0));
    PQclear (result);
    return text;
}

//  A KPI of engineer 5 in the period; NAN when it has no value.
static double
s_kpi (as_rpc_client_t *survey, const char *period, const char *key)
{
    char params [128];
    snprintf (params, sizeof params, "{\"period\":\"%s\",\"by\":\"engineer\"}", period);
    as_rpc_reply_t reply;
    as_harness_call (survey, "kpi.query", params, NULL, &reply);
    AS_CHECK (reply.ok);
    const msgpack_object *groups = as_obj_get (reply.result, "groups");
    double value = NAN;
    for (uint32_t index = 0; groups && index < groups->via.array.size; index++) {
        const msgpack_object *row = &groups->via.array.ptr [index];
        const msgpack_object *cell = as_obj_get (row, key);
        if (!as_obj_streq (as_obj_get (row, "group"), "5") || !cell)
            continue;
        if (cell->type == MSGPACK_OBJECT_FLOAT64)
            value = cell->via.f64;
        else
        if (cell->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            value = (double) cell->via.u64;
    }
    as_rpc_reply_release (&reply);
    return value;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("survey_path");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    const char *play_dispatch [] = { "STANDIN_SERVICE=dispatch", NULL };
    as_harness_start (harness, "standind", play_dispatch);
    const char *settings [] = { "SURVEY_TICK_MS=200", NULL };
    as_harness_start (harness, "surveyd", settings);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");
    as_rpc_client_t *survey = as_harness_client (harness, "survey");

    int64_t case_id = as_harness_report (intake, "SN-PATH-1", NULL);
    char params [512];
    snprintf (params, sizeof params, "{\"case_id\":%lld,\"outcome\":\"fault_confirmed\"}", (long long) case_id);
    as_rpc_reply_t reply;
    as_harness_call (intake, "case.triage", params, NULL, &reply);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM survey.cases WHERE first_contact_at IS NOT NULL"
                                         " AND phone = '13800138000'", 1, 10000) == 1);

    //  The visit ended two days ago: its survey is already due.
    time_t completed = time (NULL) - 2 * 86400;
    char start [32], end [32], arrived [32], done [32], data [1024], subject [32];
    s_time (completed - 3 * 3600, start);
    s_time (completed - 1 * 3600, end);
    s_time (completed - 2 * 3600, arrived);
    s_time (completed, done);
    snprintf (subject, sizeof subject, "visit/%d", 31);
    snprintf (data, sizeof data, "{\"visit_id\":31,\"case_id\":%lld,\"engineer_id\":5,\"station_id\":2,"
              "\"window_start\":\"%s\",\"window_end\":\"%s\"}", (long long) case_id, start, end);
    as_harness_emit (dispatch, "visit.scheduled", subject, data, NULL);
    snprintf (data, sizeof data, "{\"visit_id\":31,\"case_id\":%lld,\"engineer_id\":5,\"station_id\":2,"
              "\"stage\":\"on_site\",\"at\":\"%s\"}", (long long) case_id, arrived);
    as_harness_emit (dispatch, "visit.started", subject, data, NULL);
    snprintf (data, sizeof data, "{\"visit_id\":31,\"case_id\":%lld,\"engineer_id\":5,\"station_id\":2,"
              "\"outcome\":\"repaired\",\"work_done\":\"cleaned the coil\",\"repair_items\":[],\"parts_used\":[],"
              "\"labour_minutes\":40,\"customer_accepted\":true,\"completed_at\":\"%s\"}", (long long) case_id, done);
    as_harness_emit (dispatch, "visit.completed", subject, data, NULL);

    //  Scheduled for 10:00 Beijing time the day after, sent by the timer.
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM survey.surveys s JOIN survey.visits v USING (visit_id)"
                                         " WHERE s.visit_id = 31 AND s.state = 'sent' AND s.channel = 'sms'"
                                         " AND (s.due_at AT TIME ZONE 'Asia/Shanghai')::time = '10:00'"
                                         " AND (s.due_at AT TIME ZONE 'Asia/Shanghai')::date"
                                         "  = (v.completed_at AT TIME ZONE 'Asia/Shanghai')::date + 1", 1, 10000) == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM survey.event_log WHERE type IN"
                                         " ('survey.scheduled', 'notification.requested')", 2, 10000) == 2);

    char *period = s_text (harness, "SELECT to_char(completed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
                                    " FROM survey.visits WHERE visit_id = 31");
    AS_CHECK (s_kpi (survey, period, "visits_completed") == 1);
    AS_CHECK (s_kpi (survey, period, "surveys_answered") == 0);
    AS_CHECK (isnan (s_kpi (survey, period, "overall")));
    AS_CHECK (s_kpi (survey, period, "first_contact_on_time_pct") == 100.0);
    AS_CHECK (s_kpi (survey, period, "on_time_arrival_pct") == 100.0);

    //  The customer answers (an agent types it in from the phone call).
    char *token = s_text (harness, "SELECT token FROM survey.surveys WHERE visit_id = 31");
    AS_CHECK (strlen (token) == 64);
    char command [1024];
    snprintf (command, sizeof command, "surveyctl survey answer --token %s --attitude 5 --technical 4"
              " --punctuality 3 --transparency 4 --cost-fairness 4 --overall 4 --nps 9 --suggestion 'on time please'",
              token);
    int status;
    char *out = as_harness_run (harness, command, &status);
    AS_CHECK (status == 0 && strstr (out, "answered"));
    free (out);
    out = as_harness_run (harness, strcat (command, " 2>&1"), &status);
    AS_CHECK (status == 1 && strstr (out, "failed_precondition") && strstr (out, "already answered"));
    free (out);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM survey.event_log WHERE type = 'survey.answered'") == 1);

    //  The month's KPIs of engineer 5 now include the answer.
    AS_CHECK (s_kpi (survey, period, "surveys_answered") == 1);
    AS_CHECK (s_kpi (survey, period, "overall") == 4.0);
    AS_CHECK (s_kpi (survey, period, "punctuality") == 3.0);
    AS_CHECK (s_kpi (survey, period, "nps") == 100.0);
    snprintf (command, sizeof command, "surveyctl kpi --period %s --by engineer", period);
    out = as_harness_run (harness, command, &status);
    AS_CHECK (status == 0 && strstr (out, "\n5 ") && strstr (out, "4.00"));
    AS_CHECK (strstr (out, " by engineer (Asia/Shanghai)\n"));      //  the heading names the grouping and zone
    free (out);
    out = as_harness_run (harness, "surveyctl survey list --state answered --json", &status);
    AS_CHECK (status == 0 && strstr (out, "\"state\":") && strstr (out, "answered") && !strstr (out, token));
    free (out);

    //  The repair's check-in, 30 days on: an agent moves it, then cancels it;
    //  a cancelled one stays so, an unknown one is not found, the past refused.
    int64_t followup = as_harness_scalar (harness, "SELECT followup_id FROM survey.followups WHERE visit_id = 31"
                                                   " AND state = 'scheduled'");
    AS_CHECK (followup > 0);
    char later [32];
    s_time (time (NULL) + 40 * 86400, later);
    snprintf (command, sizeof command, "surveyctl followup reschedule %lld --due-at %s", (long long) followup, later);
    out = as_harness_run (harness, command, &status);
    AS_CHECK (status == 0 && strstr (out, "scheduled"));
    free (out);
    snprintf (command, sizeof command, "SELECT count(*) FROM survey.followups WHERE followup_id = %lld"
              " AND due_at = '%s'", (long long) followup, later);
    AS_CHECK (as_harness_scalar (harness, command) == 1);
    snprintf (command, sizeof command, "surveyctl followup reschedule %lld --due-at 2020-01-01T00:00:00Z 2>&1",
              (long long) followup);
    as_harness_expect (harness, command, 2, "in the future", true);     //  invalid_argument: bad usage
    snprintf (command, sizeof command, "surveyctl followup cancel %lld --reason 'customer moved abroad' --json",
              (long long) followup);
    out = as_harness_run (harness, command, &status);
    AS_CHECK (status == 0 && strstr (out, "cancelled") && strstr (out, "customer moved abroad"));
    free (out);
    snprintf (command, sizeof command, "surveyctl followup cancel %lld --reason again 2>&1", (long long) followup);
    as_harness_expect (harness, command, 1, "is cancelled: cannot cancel it", true);
    as_harness_expect (harness, "surveyctl followup cancel 99999 --reason x 2>&1", 1, "not_found", true);

    free (token);
    free (period);
    as_rpc_client_destroy (&intake);
    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&survey);
    as_harness_destroy (&harness);
    return 0;
}
