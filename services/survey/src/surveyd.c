/*  surveyd: satisfaction surveys, complaints with working-day deadlines,
    customers at risk, and the quality KPIs read from every service's
    events.                                                               */
#include "survey.h"
#include "as_date.h"
#include "as_log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const as_migration_t survey_migrations [];
extern const size_t survey_migrations_count;

static as_setting_t s_settings [] = {
    { "SURVEY_TIME_ZONE", AS_CFG_STR, "Asia/Shanghai", 0, 0,
      "business zone: survey send time, working days, KPI periods and weeks", "", 0 },
    { "SURVEY_SEND_AT", AS_CFG_STR, "10:00", 0, 0, "local time (HH:MM) a survey is sent", "", 0 },
    { "SURVEY_SEND_DAYS_AFTER", AS_CFG_INT, "1", 0, 30, "a survey is sent this many days after the visit", "", 0 },
    { "SURVEY_EXPIRE_DAYS", AS_CFG_INT, "14", 1, 365, "an unanswered survey expires this many days after it is due", "", 0 },
    { "SURVEY_PREFER_EMAIL", AS_CFG_BOOL, "0", 0, 1, "send by e-mail when the customer gave an address (else SMS)", "", 0 },
    { "SURVEY_TICK_MS", AS_CFG_INT, "60000", 50, 3600000, "how often due surveys are sent and deadlines checked", "", 0 },
    { "SURVEY_FIRST_CONTACT_MINUTES", AS_CFG_INT, "60", 1, 10080, "promise: first contact within, when case.reported has no first_contact_due (intake's, in business hours)", "", 0 },
    { "SURVEY_RESPONSE_HOURS", AS_CFG_INT, "24", 1, 720, "promise: a warranty request answered (entitlement decided or solved remotely) within", "", 0 },
    { "SURVEY_PROGRESS_DAYS", AS_CFG_INT, "3", 1, 30, "promise: the customer told of progress (appointment, remote solution) within, working days", "", 0 },
    { "SURVEY_ONSITE_REPAIR_MINUTES", AS_CFG_INT, "60", 1, 1440, "promise: a general fault repaired within this long of the engineer's arrival", "", 0 },
    { "SURVEY_WORKSHOP_DAYS", AS_CFG_INT, "3", 1, 60, "promise: a fault taken to the workshop repaired within, working days", "", 0 },
    { "SURVEY_COMPLAINT_REPLY_DAYS", AS_CFG_INT, "1", 1, 30, "complaint first reply due within, working days", "", 0 },
    { "SURVEY_COMPLAINT_RESOLVE_DAYS", AS_CFG_INT, "5", 1, 90, "complaint solution due within, working days", "", 0 },
    { "SURVEY_HOLIDAYS_FILE", AS_CFG_STR, AS_SOURCE_DIR "/services/survey/data/holidays.json", 0, 0,
      "public holidays and make-up working days (JSON)", "", 0 },
    { "SURVEY_CALENDAR_WARN_DAYS", AS_CFG_INT, "60", 1, 366,
      "warn (log, metric calendar_days_left) when the holidays file ends sooner than this many days ahead", "", 0 },
    { "SURVEY_RISK_FAULTS", AS_CFG_INT, "2", 2, 100, "at risk: this many faults ...", "", 0 },
    { "SURVEY_RISK_FAULT_DAYS", AS_CFG_INT, "90", 1, 3650, "... within this many days", "", 0 },
    { "SURVEY_RISK_LOW_SCORE", AS_CFG_INT, "2", 1, 4, "at risk: any score at or below", "", 0 },
    { "SURVEY_FIRST_FIX_DAYS", AS_CFG_INT, "30", 1, 365, "first-time fix: no new report of the product within", "", 0 },
    { "SURVEY_FOLLOWUP_REPAIR_DAYS", AS_CFG_INT, "30", 0, 365, "check-in with the customer this many days after a repair (0: none)", "", 0 },
    { "SURVEY_FOLLOWUP_YEARLY", AS_CFG_BOOL, "1", 0, 1, "check-in on each anniversary of the product's purchase", "", 0 },
    { "SURVEY_THRESHOLDS_FILE", AS_CFG_STR, AS_SOURCE_DIR "/services/survey/data/thresholds.json", 0, 0,
      "KPI thresholds that emit kpi.threshold_breached (JSON)", "", 0 },
    { "SURVEY_THRESHOLD_CHECK_MS", AS_CFG_INT, "300000", 100, 86400000, "how often KPI thresholds are checked", "", 0 },
    { "SURVEY_THRESHOLD_MONTHS", AS_CFG_INT, "2", 1, 240, "thresholds are checked on this many months, the current included", "", 0 },
    { NULL, 0, NULL, 0, 0, NULL, "", 0 }
};

static const as_method_t s_methods [] = {
    { "survey.answer", survey_answer },
    { "survey.get", survey_get },
    { "survey.list", survey_list },
    { "complaint.open", survey_complaint_open },
    { "complaint.reply", survey_complaint_reply },
    { "complaint.escalate", survey_complaint_escalate },
    { "complaint.resolve", survey_complaint_resolve },
    { "complaint.close", survey_complaint_close },
    { "complaint.get", survey_complaint_get },
    { "complaint.list", survey_complaint_list },
    { "kpi.query", survey_kpi_query },
    { "risk.list", survey_risk_list },
    { "followup.list", survey_followup_list },
    { "followup.cancel", survey_followup_cancel },
    { "followup.reschedule", survey_followup_reschedule },
    { "promise.list", survey_promise_list },
    { NULL, NULL }
};

static const as_subscription_t s_subscriptions [] = {
    { "intake", "case.reported", survey_on_case_reported },
    { "intake", "case.triaged", survey_on_case_contacted },
    { "intake", "case.resolved_remotely", survey_on_case_contacted },
    { "dispatch", "visit.scheduled", survey_on_visit_scheduled },
    { "dispatch", "visit.rescheduled", survey_on_visit_rescheduled },
    { "dispatch", "visit.started", survey_on_visit_started },
    { "dispatch", "visit.late", survey_on_visit_late },
    { "dispatch", "visit.completed", survey_on_visit_completed },
    { "dispatch", "visit.cancelled", survey_on_visit_cancelled },
    { "dispatch", "visit.diagnosed", survey_on_visit_diagnosed },
    { "billing", "entitlement.decided", survey_on_entitlement },
    { "billing", "entitlement.changed", survey_on_entitlement },
    { "billing", "invoice.issued", survey_on_invoice_issued },
    { "inventory", "part.shipped", survey_on_part_shipped },
    { NULL, NULL, NULL }
};

static survey_config_t s_config;

//  What the metric calendar_days_left says now (counters only add).
static struct {
    bool reported;
    int64_t days_left;
} s_calendar_watch;

const survey_config_t *
survey_config (as_service_t *service)
{
    return (const survey_config_t *) as_service_state (service);
}


//  A settings file's text (up to 1 MiB; the caller frees it), or NULL.
static char *
s_read_file (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    char *text = calloc (1, 1 << 20);
    size_t size = fread (text, 1, (1 << 20) - 1, file);
    fclose (file);
    text [size] = 0;
    return text;
}

static int
s_load_calendar (const char *path, survey_calendar_t *calendar, as_error_t *err)
{
    char *text = s_read_file (path);
    if (!text)
        return as_error_set (err, AS_INVALID_ARGUMENT, "SURVEY_HOLIDAYS_FILE: cannot open %s", path);
    char why [160];
    int rc = survey_calendar_parse (calendar, text, why, sizeof why);
    free (text);
    return rc ? as_error_set (err, AS_INVALID_ARGUMENT, "SURVEY_HOLIDAYS_FILE %s: %s", path, why) : 0;
}

static int
s_load_thresholds (const char *path, survey_config_t *config, as_error_t *err)
{
    char *text = s_read_file (path);
    if (!text)
        return as_error_set (err, AS_INVALID_ARGUMENT, "SURVEY_THRESHOLDS_FILE: cannot open %s", path);
    char why [200];
    int rc = survey_thresholds_parse (config, text, why, sizeof why);
    free (text);
    return rc ? as_error_set (err, AS_INVALID_ARGUMENT, "SURVEY_THRESHOLDS_FILE %s: %s", path, why) : 0;
}

static int
s_load_config (as_service_t *service, survey_config_t *config, as_error_t *err)
{
    snprintf (config->zone, sizeof config->zone, "%s", as_service_setting (service, "SURVEY_TIME_ZONE"));
    int64_t day;
    int second;
    if (!survey_local (config->zone, 0, &day, &second))
        return as_error_set (err, AS_INVALID_ARGUMENT, "SURVEY_TIME_ZONE: '%s' is not a zone name", config->zone);
    config->send_minute = as_clock_parse (as_service_setting (service, "SURVEY_SEND_AT"));
    if (config->send_minute < 0)
        return as_error_set (err, AS_INVALID_ARGUMENT, "SURVEY_SEND_AT: need HH:MM");
    config->send_days_after = (int) as_service_setting_int (service, "SURVEY_SEND_DAYS_AFTER");
    config->expire_days = (int) as_service_setting_int (service, "SURVEY_EXPIRE_DAYS");
    config->prefer_email = as_service_setting_int (service, "SURVEY_PREFER_EMAIL") != 0;
    config->first_contact_minutes = (int) as_service_setting_int (service, "SURVEY_FIRST_CONTACT_MINUTES");
    config->response_hours = (int) as_service_setting_int (service, "SURVEY_RESPONSE_HOURS");
    config->progress_days = (int) as_service_setting_int (service, "SURVEY_PROGRESS_DAYS");
    config->onsite_minutes = (int) as_service_setting_int (service, "SURVEY_ONSITE_REPAIR_MINUTES");
    config->workshop_days = (int) as_service_setting_int (service, "SURVEY_WORKSHOP_DAYS");
    config->reply_days = (int) as_service_setting_int (service, "SURVEY_COMPLAINT_REPLY_DAYS");
    config->resolve_days = (int) as_service_setting_int (service, "SURVEY_COMPLAINT_RESOLVE_DAYS");
    config->fault_count = (int) as_service_setting_int (service, "SURVEY_RISK_FAULTS");
    config->fault_window_days = (int) as_service_setting_int (service, "SURVEY_RISK_FAULT_DAYS");
    config->low_score = (int) as_service_setting_int (service, "SURVEY_RISK_LOW_SCORE");
    config->first_fix_days = (int) as_service_setting_int (service, "SURVEY_FIRST_FIX_DAYS");
    config->followup_repair_days = (int) as_service_setting_int (service, "SURVEY_FOLLOWUP_REPAIR_DAYS");
    config->followup_yearly = as_service_setting_int (service, "SURVEY_FOLLOWUP_YEARLY") != 0;
    config->threshold_months = (int) as_service_setting_int (service, "SURVEY_THRESHOLD_MONTHS");
    config->calendar_warn_days = (int) as_service_setting_int (service, "SURVEY_CALENDAR_WARN_DAYS");
    if (s_load_thresholds (as_service_setting (service, "SURVEY_THRESHOLDS_FILE"), config, err))
        return -1;
    return s_load_calendar (as_service_setting (service, "SURVEY_HOLIDAYS_FILE"), &config->calendar, err);
}

//  Past the calendar's last day every Monday..Friday counts as a working
//  day, holidays included, and make-up days are not known: deadlines go
//  wrong silently. Days left to it are the metric calendar_days_left (-1:
//  the file lists no day); when fewer than SURVEY_CALENDAR_WARN_DAYS, a
//  warning at start and once a day after says what to load.
static void
s_watch_calendar (as_service_t *service)
{
    const survey_config_t *config = survey_config (service);
    int64_t today;
    int second;
    if (!survey_local (config->zone, (int64_t) time (NULL), &today, &second))
        return;
    const survey_calendar_t *calendar = &config->calendar;
    bool empty = calendar->covered_through == SURVEY_CALENDAR_EMPTY;
    int64_t left = empty ? -1 : calendar->covered_through - today;
    if (s_calendar_watch.reported && left == s_calendar_watch.days_left)
        return;
    as_service_count (service, "calendar_days_left", left - s_calendar_watch.days_left);
    s_calendar_watch.reported = true;
    s_calendar_watch.days_left = left;
    if (survey_calendar_covers (calendar, today + config->calendar_warn_days))
        return;
    char through [11] = "no day", next [11] = "today", year [16] = "this year";
    if (!empty) {
        survey_date_format (calendar->covered_through, through);
        survey_date_format (calendar->covered_through + 1, next);
        snprintf (year, sizeof year, "%.4s", next);
    }
    as_warn ("working-day calendar %s lists holidays through %s, fewer than SURVEY_CALENDAR_WARN_DAYS (%d) days"
             " ahead: from %s every Monday to Friday counts as a working day, public holidays included, and"
             " make-up working days are unknown. Load the calendar of %s: add its public holidays and make-up"
             " working days (the State Council's notice) to the file, set covered_through to its last day, and"
             " restart surveyd", as_service_setting (service, "SURVEY_HOLIDAYS_FILE"), through,
             config->calendar_warn_days, next, year);
}

static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_watch_calendar (arg);
    as_service_timer_work (arg, "surveys_sent_or_expired", survey_send_due);
    as_service_timer_work (arg, "complaints_overdue", survey_complaints_overdue);
    as_service_timer_work (arg, "followups_sent_or_cancelled", survey_followups_due);
    return 0;
}

//  Thresholds read the whole KPI report of each recent month: on a slower
//  timer of their own, so that the loop keeps serving requests.
static int
s_on_threshold_tick (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    as_service_timer_work (arg, "kpi_thresholds_breached", survey_thresholds_check);
    return 0;
}

static int
s_start (as_service_t *service, as_error_t *err)
{
    if (s_load_config (service, &s_config, err))
        return -1;
    as_service_set_state (service, &s_config);
    s_watch_calendar (service);
    zloop_timer (as_service_loop (service), (size_t) as_service_setting_int (service, "SURVEY_TICK_MS"), 0,
                 s_on_tick, service);
    if (s_config.threshold_count)
        zloop_timer (as_service_loop (service), (size_t) as_service_setting_int (service, "SURVEY_THRESHOLD_CHECK_MS"),
                     0, s_on_threshold_tick, service);
    return 0;
}

static const as_service_def_t s_survey = {
    .name = "survey",
    .version = "0.1.0",
    .summary = "satisfaction surveys, complaints, customers at risk, quality KPIs",
    .settings = s_settings,
    .migrations = survey_migrations,
    .migration_count = &survey_migrations_count,
    .methods = s_methods,
    .subscriptions = s_subscriptions,
    .consume_linger_ms = 200,           //  off the request path: gather bursts
    .start = s_start,
};

int
main (int argc, char *argv [])
{
    return as_service_main (&s_survey, argc, argv);
}
