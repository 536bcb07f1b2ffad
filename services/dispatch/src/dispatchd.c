/*  dispatchd: stations, engineers, appointment slots, assignment with the
    route optimiser (as_vrp), and the visit life cycle.                     */
#include "dispatch.h"
#include "as_log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const as_migration_t dispatch_migrations [];
extern const size_t dispatch_migrations_count;

static as_setting_t s_settings [] = {
    { "DISPATCH_TIME_ZONE", AS_CFG_STR, "Asia/Shanghai", 0, 0,
      "business time zone: appointment windows, shifts and the board are local to it", "", 0 },
    { "DISPATCH_DAY_START", AS_CFG_STR, "09:00", 0, 0, "first appointment window starts (HH:MM local)", "", 0 },
    { "DISPATCH_DAY_END", AS_CFG_STR, "18:00", 0, 0, "last appointment window ends (HH:MM local)", "", 0 },
    { "DISPATCH_WINDOW_MINUTES", AS_CFG_INT, "120", 15, 600, "length of an appointment window", "", 0 },
    { "DISPATCH_LEAD_MINUTES", AS_CFG_INT, "60", 0, 10080, "a window offered or booked starts at least this far ahead", "", 0 },
    { "DISPATCH_DEFAULT_TRAVEL_MINUTES", AS_CFG_INT, "30", 0, 600,
      "travel each way assumed for a customer whose location is unknown", "", 0 },
    { "DISPATCH_ROAD_FACTOR_PCT", AS_CFG_INT, "140", 100, 500, "road distance as a percentage of great-circle distance", "", 0 },
    { "DISPATCH_SPEED_KMH", AS_CFG_INT, "30", 1, 200, "average travel speed of an engineer", "", 0 },
    { "DISPATCH_CONFIRM_MINUTES", AS_CFG_INT, "60", 1, 10080,
      "promise: the customer is told the visit time within this after dispatch", "", 0 },
    { "DISPATCH_LATE_MARGIN_MINUTES", AS_CFG_INT, "30", 0, 10080,
      "visit.late when the engineer is not on site this long before the window ends", "", 0 },
    { "DISPATCH_SLOT_DAYS", AS_CFG_INT, "3", 1, 31, "days slots.offer looks at by default", "", 0 },
    { "DISPATCH_HORIZON_DAYS", AS_CFG_INT, "31", 1, 366,
      "windows are offered and booked on local dates from today up to this many days (today is the first)", "", 0 },
    { "DISPATCH_OPTIMIZE_ITERATIONS", AS_CFG_INT, "2000", 0, 1000000, "ruin-and-recreate budget of one re-optimisation", "", 0 },
    { "DISPATCH_OPTIMIZE_MS", AS_CFG_INT, "600000", 0, 86400000,
      "background re-optimisation of today's and tomorrow's plans every this many ms (0 = off)", "", 0 },
    { "DISPATCH_LATE_CHECK_MS", AS_CFG_INT, "60000", 0, 3600000, "how often late visits are looked for (0 = off)", "", 0 },
    { "DISPATCH_READY_ON", AS_CFG_STR, "entitlement", 0, 0,
      "a case becomes a visit when triaged and 'entitlement' decided by billing, or at 'triage'", "", 0 },
    { NULL, 0, NULL, 0, 0, NULL, "", 0 }
};

static const as_method_t s_methods [] = {
    { "station.add", dispatch_station_add },
    { "station.list", dispatch_station_list },
    { "engineer.add", dispatch_engineer_add },
    { "engineer.import", dispatch_engineer_import },
    { "engineer.list", dispatch_engineer_list },
    { "engineer.skills", dispatch_engineer_skills },
    { "engineer.absence", dispatch_engineer_absence },
    { "slots.offer", dispatch_slots_offer },
    { "visit.book", dispatch_visit_book },
    { "visit.get", dispatch_visit_get },
    { "visit.list", dispatch_visit_list },
    { "visit.assign", dispatch_visit_assign },
    { "visit.pin", dispatch_visit_pin },
    { "visit.unassign", dispatch_visit_unassign },
    { "visit.cancel", dispatch_visit_cancel },
    { "visit.confirm", dispatch_visit_confirm },
    { "visit.enroute", dispatch_visit_enroute },
    { "visit.arrive", dispatch_visit_arrive },
    { "visit.diagnose", dispatch_visit_diagnose },
    { "visit.complete", dispatch_visit_complete },
    { "visit.cannot_complete", dispatch_visit_cannot_complete },
    { "visits.at_risk", dispatch_visits_at_risk },
    { "plan.dispatch", dispatch_plan_dispatch },
    { "plan.optimize", dispatch_plan_optimize },
    { "plan.board", dispatch_plan_board },
    { NULL, NULL }
};

static const as_subscription_t s_subscriptions [] = {
    { "intake", "case.reported", dispatch_on_case_reported },
    { "intake", "case.triaged", dispatch_on_case_triaged },
    { "intake", "case.cancelled", dispatch_on_case_closed },
    { "intake", "case.resolved_remotely", dispatch_on_case_closed },
    { "billing", "entitlement.decided", dispatch_on_entitlement },
    { "inventory", "part.reserved", dispatch_on_part_reserved },
    { "inventory", "part.shipped", dispatch_on_part_shipped },
    { "inventory", "part.backordered", dispatch_on_part_backordered },
    { NULL, NULL, NULL }
};

static dispatch_config_t s_config;

dispatch_config_t *
dispatch_config (as_service_t *service)
{
    (void) service;
    return &s_config;
}

static int
s_load_config (as_service_t *service, as_error_t *err)
{
    dispatch_config_t *config = &s_config;
    snprintf (config->zone, sizeof config->zone, "%s", as_service_setting (service, "DISPATCH_TIME_ZONE"));
    config->day_start = dispatch_clock_minutes (as_service_setting (service, "DISPATCH_DAY_START"));
    config->day_end = dispatch_clock_minutes (as_service_setting (service, "DISPATCH_DAY_END"));
    if (config->day_start < 0 || config->day_end <= config->day_start)
        return as_error_set (err, AS_INVALID_ARGUMENT, "DISPATCH_DAY_START/END: need HH:MM with start < end");
    const char *ready = as_service_setting (service, "DISPATCH_READY_ON");
    if (strcmp (ready, "entitlement") && strcmp (ready, "triage"))
        return as_error_set (err, AS_INVALID_ARGUMENT, "DISPATCH_READY_ON: 'entitlement' or 'triage'");
    config->ready_on_triage = !strcmp (ready, "triage");
    config->window = (int) as_service_setting_int (service, "DISPATCH_WINDOW_MINUTES");
    config->lead = (int) as_service_setting_int (service, "DISPATCH_LEAD_MINUTES");
    config->default_travel = (int) as_service_setting_int (service, "DISPATCH_DEFAULT_TRAVEL_MINUTES");
    config->road_factor = as_service_setting_int (service, "DISPATCH_ROAD_FACTOR_PCT") / 100.0;
    config->speed = as_service_setting_int (service, "DISPATCH_SPEED_KMH") / 3.6;
    config->confirm_minutes = (int) as_service_setting_int (service, "DISPATCH_CONFIRM_MINUTES");
    config->late_margin = (int) as_service_setting_int (service, "DISPATCH_LATE_MARGIN_MINUTES");
    config->slot_days = (int) as_service_setting_int (service, "DISPATCH_SLOT_DAYS");
    config->horizon_days = (int) as_service_setting_int (service, "DISPATCH_HORIZON_DAYS");
    config->iterations = (long) as_service_setting_int (service, "DISPATCH_OPTIMIZE_ITERATIONS");
    return 0;
}

static int
s_optimize_work (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err)
{
    *count = 1;
    return dispatch_plan_optimize_all (service, pg, err);
}

static int
s_on_late_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    as_service_timer_work (arg, "visits_late", dispatch_check_late);
    return 0;
}

static int
s_on_optimize_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    as_service_timer_work (arg, "background_optimisations", s_optimize_work);
    return 0;
}

static int
s_start (as_service_t *service, as_error_t *err)
{
    if (s_load_config (service, err))
        return -1;
    int64_t late_ms = as_service_setting_int (service, "DISPATCH_LATE_CHECK_MS");
    int64_t optimize_ms = as_service_setting_int (service, "DISPATCH_OPTIMIZE_MS");
    if (late_ms > 0)
        zloop_timer (as_service_loop (service), (size_t) late_ms, 0, s_on_late_timer, service);
    if (optimize_ms > 0)
        zloop_timer (as_service_loop (service), (size_t) optimize_ms, 0, s_on_optimize_timer, service);
    return 0;
}

static const as_service_def_t s_dispatch = {
    .name = "dispatch",
    .version = "0.1.0",
    .summary = "stations, engineers, appointment slots, assignment with the route optimiser, visits",
    .settings = s_settings,
    .migrations = dispatch_migrations,
    .migration_count = &dispatch_migrations_count,
    .methods = s_methods,
    .subscriptions = s_subscriptions,
    //  Offers (and the other reads) in a thread of their own, beside the
    //  bookings and events: the caches are per thread.
    .read_workers = 1,
    //  Events wait 25 ms to be applied together: a case's events (reported,
    //  triaged, entitlement) come within milliseconds of each other, and
    //  one transaction takes them and other cases' (docs/decisions/003).
    .consume_linger_ms = 25,
    .worker_stop = dispatch_plan_cache_free,
    .start = s_start,
};

int
main (int argc, char *argv [])
{
    int status = as_service_main (&s_dispatch, argc, argv);
    dispatch_plan_cache_free ();
    return status;
}
