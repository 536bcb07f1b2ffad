/*  intaked: repair cases from every channel, and their life cycle.          */
#include "as_service.h"
#include "intake_cases.h"

extern const as_migration_t intake_migrations [];
extern const size_t intake_migrations_count;

static as_setting_t s_settings [] = {
    { "INTAKE_FIRST_CONTACT_MINUTES", AS_CFG_INT, "60", 1, 10080,
      "promise: first contact with the customer within this many minutes of business hours after the report", "", 0 },
    { "INTAKE_TIME_ZONE", AS_CFG_STR, "Asia/Shanghai", 0, 0, "business time zone of the opening hours", "", 0 },
    { "INTAKE_OPENS", AS_CFG_STR, "09:00", 0, 0, "business hours (every day) start, HH:MM local", "", 0 },
    { "INTAKE_CLOSES", AS_CFG_STR, "18:00", 0, 0, "business hours end, HH:MM local", "", 0 },
    { NULL, 0, NULL, 0, 0, NULL, "", 0 }
};

static const as_method_t s_methods [] = {
    { "case.report", intake_case_report },
    { "case.get", intake_case_get },
    { "case.list", intake_case_list },
    { "case.triage", intake_case_triage },
    { "case.cancel", intake_case_cancel },
    { "case.escalate", intake_case_escalate },
    { "case.history", intake_case_history },
    { "case.close", intake_case_close },
    { NULL, NULL }
};

static const as_ingress_t s_ingress [] = {
    { "device.fault_reported", intake_device_fault },
    { NULL, NULL }
};

//  What became of the visits of each case: a case closes when its work is
//  done (intake_closing.c).
static const as_subscription_t s_subscriptions [] = {
    { "dispatch", "visit.scheduled", intake_on_visit_planned },
    { "dispatch", "visit.rescheduled", intake_on_visit_planned },
    { "dispatch", "visit.diagnosed", intake_on_visit_diagnosed },
    { "dispatch", "visit.completed", intake_on_visit_completed },
    { "dispatch", "visit.cancelled", intake_on_visit_cancelled },
    { NULL, NULL, NULL }
};

//  The business hours must make sense before the first report: a time
//  zone PostgreSQL knows, and HH:MM with the opening before the closing.
static int
s_start (as_service_t *service, as_error_t *err)
{
    return intake_hours_check (as_service_pg (service), as_service_setting (service, "INTAKE_TIME_ZONE"),
                               as_service_setting (service, "INTAKE_OPENS"),
                               as_service_setting (service, "INTAKE_CLOSES"), err);
}

static const as_service_def_t s_intake = {
    .name = "intake",
    .version = "0.1.0",
    .summary = "repair cases: reports from every channel, triage, life cycle to closing, history",
    .settings = s_settings,
    .migrations = intake_migrations,
    .migration_count = &intake_migrations_count,
    .methods = s_methods,
    .ingress = s_ingress,
    .subscriptions = s_subscriptions,
    .consume_linger_ms = 200,           //  visit events only close cases: gather bursts
    .start = s_start,
};

int
main (int argc, char *argv [])
{
    return as_service_main (&s_intake, argc, argv);
}
