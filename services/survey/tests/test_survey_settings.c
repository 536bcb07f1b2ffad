/*  surveyd with the files it ships (services/survey/data): the KPI
    thresholds of DOMAIN.md (warranty requests answered in 24 h: 70 %;
    progress told in 3 working days: 85 %) judge a stream played by
    standind; the working-day calendar's reach is the metric
    calendar_days_left and, when it ends within SURVEY_CALENDAR_WARN_DAYS,
    a warning naming its last day and what to load. A calendar of 2020
    (no covered_through: the end of its last year) warns; one reaching far
    ahead does not. And text of the events surveyd reads, in Chinese up
    to its limit, is kept whole.                                           */
#include "as_harness.h"
#include "as_msg.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
s_emit_at (as_rpc_client_t *producer, const char *type, const char *subject, const char *data, time_t at)
{
    char when [32];
    struct tm utc;
    gmtime_r (&at, &utc);
    strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    as_harness_emit (producer, type, subject, data, when);
}

//  A case of region north reported at `reported`: billing answers the
//  warranty request `decided` seconds later, dispatch tells the
//  appointment `told` seconds later.
static void
s_case (as_rpc_client_t *intake, as_rpc_client_t *dispatch, as_rpc_client_t *billing, int case_id, time_t reported,
        int decided, int told)
{
    char data [1024], subject [32], at [32];
    struct tm utc;
    gmtime_r (&reported, &utc);
    strftime (at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &utc);
    snprintf (subject, sizeof subject, "case/%d", case_id);
    snprintf (data, sizeof data, "{\"case_id\":%d,\"customer\":{\"customer_id\":%d,\"name\":\"Customer\","
              "\"phone\":\"13800138000\",\"address\":\"1 Road\"},\"product\":{\"product_id\":%d,"
              "\"category\":\"air_conditioner\",\"model\":\"M-1\",\"serial\":\"SN-%d\"},\"symptom\":\"broken\","
              "\"channel\":\"phone\",\"priority\":\"normal\",\"reported_at\":\"%s\"}", case_id, case_id, case_id,
              case_id, at);
    s_emit_at (intake, "case.reported", subject, data, reported);
    snprintf (data, sizeof data, "{\"service_type\":\"free\",\"parts\":\"free\",\"labour\":\"free\",\"visit_fee\":false,"
              "\"repeat_repair\":false,\"diagnosed\":false,\"policy_version\":\"P1\",\"decided_on\":\"2026-10-01\","
              "\"coverage\":[],\"reasons\":[],\"case_id\":%d,\"serial\":\"SN-%d\"}", case_id, case_id);
    s_emit_at (billing, "entitlement.decided", subject, data, reported + decided);
    time_t from = reported + told + 86400;
    char start [32], end [32];
    gmtime_r (&from, &utc);
    strftime (start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", &utc);
    from += 7200;
    gmtime_r (&from, &utc);
    strftime (end, sizeof end, "%Y-%m-%dT%H:%M:%SZ", &utc);
    snprintf (subject, sizeof subject, "visit/%d", case_id);
    snprintf (data, sizeof data, "{\"visit_id\":%d,\"case_id\":%d,\"engineer_id\":7,\"station_id\":1,"
              "\"window_start\":\"%s\",\"window_end\":\"%s\",\"region\":\"north\"}", case_id, case_id, start, end);
    s_emit_at (dispatch, "visit.scheduled", subject, data, reported + told);
}

//  The shipped thresholds: 2 of 3 requests answered in time is below 70,
//  2 of 3 told of progress in time below 85; the breaches carry the bounds.
static void
s_shipped_thresholds (as_harness_t *harness, as_rpc_client_t *intake, as_rpc_client_t *dispatch,
                      as_rpc_client_t *billing)
{
    time_t reported = time (NULL) - 40 * 86400;
    s_case (intake, dispatch, billing, 1, reported, 3600, 3600);
    s_case (intake, dispatch, billing, 2, reported, 3600, 3600);
    s_case (intake, dispatch, billing, 3, reported, 30 * 3600, 20 * 86400);
    const char *count = "SELECT count(*) FROM survey.event_log WHERE type = 'kpi.threshold_breached'";
    AS_CHECK (as_harness_await (harness, count, 2, 15000) == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM survey.kpi_breaches WHERE breached AND by_what = 'region'"
                                          " AND grp = 'north' AND kpi = 'warranty_response_pct' AND threshold = 70"
                                          " AND direction = 'below'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM survey.kpi_breaches WHERE breached AND by_what = 'region'"
                                          " AND grp = 'north' AND kpi = 'progress_notice_pct' AND threshold = 85"
                                          " AND direction = 'below'") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM survey.kpi_breaches") == 2);
}

//  The counter calendar_days_left of surveyd's metrics.
static int64_t
s_days_left (as_rpc_client_t *survey)
{
    as_rpc_reply_t reply;
    as_harness_call (survey, "metrics", "{}", NULL, &reply);
    AS_CHECK (reply.ok);
    int64_t left = 0;
    AS_CHECK (as_obj_int (as_obj_get (reply.result, "counters"), "calendar_days_left", &left));
    as_rpc_reply_release (&reply);
    return left;
}

//  Today in Asia/Shanghai (surveyd's default zone), as days since 1970.
static int64_t
s_today (void)
{
    return (int64_t) ((time (NULL) + 8 * 3600) / 86400);
}

//  How often surveyd's log has warned about the calendar so far.
static int
s_warnings (const char *log, const char *text)
{
    FILE *file = fopen (log, "r");
    AS_CHECK (file);
    char line [4096];
    int count = 0;
    while (fgets (line, sizeof line, file))
        count += strstr (line, "working-day calendar") && strstr (line, text);
    fclose (file);
    return count;
}

static pid_t
s_restart (as_harness_t *harness, pid_t surveyd, const char *holidays)
{
    as_harness_stop (harness, surveyd, SIGTERM);
    static char setting [512];
    snprintf (setting, sizeof setting, "SURVEY_HOLIDAYS_FILE=%s", holidays);
    const char *settings [] = { setting, NULL };
    return as_harness_start (harness, "surveyd", settings);
}

static void
s_calendar (as_harness_t *harness, as_rpc_client_t *survey, pid_t surveyd)
{
    char log [512];
    snprintf (log, sizeof log, "%s/t_survey_settings_%d/surveyd.log", getenv ("AFTERSALES_TEST_TMP"), (int) getpid ());
    //  The shipped calendar ends on 2026-12-31 (day 20818).
    int64_t left = 20818 - s_today ();
    AS_CHECK (s_days_left (survey) == left);
    AS_CHECK (s_warnings (log, "lists holidays through 2026-12-31") == (left < 60 ? 1 : 0));
    if (left < 60)
        AS_CHECK (s_warnings (log, "from 2027-01-01 every Monday to Friday counts as a working day") == 1
                  && s_warnings (log, "Load the calendar of 2027") == 1);

    //  A calendar of 2020 alone: it reaches 2020-12-31 (day 18627).
    char path [512];
    snprintf (path, sizeof path, "%s/t_survey_settings_%d/holidays-2020.json", getenv ("AFTERSALES_TEST_TMP"),
              (int) getpid ());
    FILE *file = fopen (path, "w");
    AS_CHECK (file);
    fputs ("{\"holidays\": [\"2020-01-01\", \"2020-10-01\"], \"workdays\": [\"2020-09-27\"]}", file);
    fclose (file);
    surveyd = s_restart (harness, surveyd, path);
    AS_CHECK (s_days_left (survey) == 18627 - s_today ());
    AS_CHECK (s_warnings (log, "lists holidays through 2020-12-31") == 1);
    AS_CHECK (s_warnings (log, "Load the calendar of 2021") == 1);

    //  One that reaches far ahead: no warning.
    int before = s_warnings (log, "lists holidays through");
    file = fopen (path, "w");
    AS_CHECK (file);
    fputs ("{\"holidays\": [\"2026-10-01\"], \"covered_through\": \"2099-12-31\"}", file);
    fclose (file);
    surveyd = s_restart (harness, surveyd, path);
    AS_CHECK (s_days_left (survey) == 47481 - s_today ());          //  2099-12-31
    AS_CHECK (s_warnings (log, "lists holidays through") == before);
    unlink (path);
}

//  Text of other services' events up to its limit in characters, 3 bytes
//  each in Chinese, is kept whole: a serial of 64 characters, a region of
//  64 (dispatch's limit for a station's region), an e-mail of 254.
static void
s_chinese (as_harness_t *harness, as_rpc_client_t *intake, as_rpc_client_t *dispatch)
{
    char serial [193] = "", region [193] = "", email [763] = "", data [2048];
    for (int index = 0; index < 64; index++) {
        strcat (serial, "\xe5\x8f\xb7");           //  号
        strcat (region, "\xe5\x8c\x97");           //  北
    }
    for (int index = 0; index < 250; index++)
        strcat (email, "\xe9\x82\xae");            //  邮
    strcat (email, "@a.b");
    time_t now = time (NULL);
    char at [32];
    struct tm utc;
    gmtime_r (&now, &utc);
    strftime (at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &utc);
    snprintf (data, sizeof data, "{\"case_id\":9,\"customer\":{\"customer_id\":9,\"name\":\"Customer\","
              "\"phone\":\"13800138000\",\"email\":\"%s\",\"address\":\"1 Road\"},\"product\":{\"product_id\":9,"
              "\"category\":\"air_conditioner\",\"model\":\"M-1\",\"serial\":\"%s\"},\"symptom\":\"broken\","
              "\"channel\":\"phone\",\"priority\":\"normal\",\"reported_at\":\"%s\"}", email, serial, at);
    s_emit_at (intake, "case.reported", "case/9", data, now);
    snprintf (data, sizeof data, "{\"visit_id\":9,\"case_id\":9,\"engineer_id\":7,\"station_id\":1,"
              "\"window_start\":\"%s\",\"window_end\":\"%s\",\"region\":\"%s\"}", at, at, region);
    s_emit_at (dispatch, "visit.scheduled", "visit/9", data, now);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM survey.visits WHERE visit_id = 9"
                                         " AND length(region) = 64", 1, 10000) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM survey.cases WHERE case_id = 9"
                                          " AND length(serial) = 64 AND length(email) = 254") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM survey.dead_letters") == 0);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("survey_settings");
    as_harness_start (harness, "busd", NULL);
    const char *play_intake [] = { "STANDIN_SERVICE=intake", NULL };
    const char *play_dispatch [] = { "STANDIN_SERVICE=dispatch", NULL };
    const char *play_billing [] = { "STANDIN_SERVICE=billing", NULL };
    as_harness_start (harness, "standind", play_intake);
    as_harness_start (harness, "standind", play_dispatch);
    as_harness_start (harness, "standind", play_billing);
    //  The shipped SURVEY_THRESHOLDS_FILE and SURVEY_HOLIDAYS_FILE (defaults).
    const char *settings [] = { "SURVEY_THRESHOLD_CHECK_MS=300", "SURVEY_THRESHOLD_MONTHS=3", NULL };
    pid_t surveyd = as_harness_start (harness, "surveyd", settings);
    as_rpc_client_t *survey = as_harness_client (harness, "survey");
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");
    as_rpc_client_t *billing = as_harness_client (harness, "billing");
    s_shipped_thresholds (harness, intake, dispatch, billing);
    s_calendar (harness, survey, surveyd);
    s_chinese (harness, intake, dispatch);
    as_rpc_client_destroy (&survey);
    as_rpc_client_destroy (&intake);
    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&billing);
    as_harness_destroy (&harness);
    printf ("survey settings: OK\n");
    return 0;
}
