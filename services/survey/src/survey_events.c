/*  survey_events: the KPI read model, fed by intake, dispatch, billing and
    inventory. Each handler runs in the consumer's transaction with the
    cursor, so a fact is applied once; handlers are also written so that
    the same fact told twice (two events about one visit) changes nothing
    the second time.                                                       */
#include "survey.h"
#include "as_log.h"
#include "as_msg.h"
#include <stdio.h>
#include <string.h>

//  A station's region: dispatch keeps it to 64 characters (its catalogue
//  entry for visit.scheduled names no max_len).
#define S_REGION_SIZE AS_TEXT_SIZE (64)

static const char *
s_opt (const char *text)
{
    return text && *text ? text : NULL;
}

//  The time N working days after an RFC 3339 start (survey_calendar's
//  rule), into out; false when start is not a time.
static bool
s_working_deadline (as_service_t *service, const char *start, int days, char out [32])
{
    const survey_config_t *config = survey_config (service);
    int64_t instant;
    if (!survey_time_parse (start, &instant))
        return false;
    survey_time_format (survey_add_working_days (&config->calendar, config->zone, instant, days), out);
    return true;
}

//  --- intake ---------------------------------------------------------------------

//  Returns the case only the first time its report is applied. The
//  first-contact due time is intake's (business hours); NULL when intake
//  did not send it (case_promises then counts SURVEY_FIRST_CONTACT_MINUTES).
static const as_stmt_t s_case_reported = { "survey_case_reported",
    "INSERT INTO cases (case_id, customer_id, phone, email, category, serial, channel, reported_at, purchase_date,"
    "  response_due, progress_due, first_contact_due)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9::date,"
    "  $8::timestamptz + make_interval(hours => $10::int), $11::timestamptz, $12::timestamptz)"
    " ON CONFLICT (case_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, phone = EXCLUDED.phone,"
    "  email = EXCLUDED.email, category = EXCLUDED.category, serial = EXCLUDED.serial,"
    "  channel = EXCLUDED.channel, reported_at = EXCLUDED.reported_at, purchase_date = EXCLUDED.purchase_date,"
    "  response_due = EXCLUDED.response_due, progress_due = EXCLUDED.progress_due,"
    "  first_contact_due = EXCLUDED.first_contact_due"
    " WHERE cases.reported_at IS NULL RETURNING case_id" };
//  The customer's reports in the window that ends with this one.
static const as_stmt_t s_recent_faults = { "survey_recent_faults",
    "SELECT count(*), string_agg(case_id::text, ', ' ORDER BY case_id) FROM cases"
    " WHERE customer_id = $1 AND reported_at <= $2::timestamptz"
    " AND reported_at > $2::timestamptz - make_interval(days => $3::int)" };

static int
s_check_repeated_faults (as_delivery_t *delivery, int64_t customer_id, const char *reported_at)
{
    const survey_config_t *config = survey_config (delivery->service);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, customer_id);
    as_pgp_str (&params, reported_at);
    as_pgp_int (&params, config->fault_window_days);
    PGresult *row = as_pg_run (delivery->pg, &s_recent_faults, &params, delivery->err);
    if (!row)
        return -1;
    int64_t faults = as_pg_get_int (row, 0, 0);
    char detail [512];
    snprintf (detail, sizeof detail, "%lld faults within %d days (cases %s)", (long long) faults,
              config->fault_window_days, as_pg_get_str (row, 0, 1) ? as_pg_get_str (row, 0, 1) : "");
    PQclear (row);
    if (faults < config->fault_count)
        return 0;
    return survey_flag_risk (delivery->service, delivery->pg, customer_id, "repeated_faults", detail, delivery->err);
}

int
survey_on_case_reported (as_delivery_t *delivery)
{
    const msgpack_object *data = delivery->data;
    const msgpack_object *customer = as_obj_get (data, "customer");
    const msgpack_object *product = as_obj_get (data, "product");
    int64_t case_id = 0, customer_id = 0;
    char phone [AS_TEXT_SIZE (32)], email [AS_TEXT_SIZE (254)], category [32], serial [AS_TEXT_SIZE (64)],
         channel [16], reported_at [SURVEY_TIME_SIZE], purchase_date [11], first_contact_due [SURVEY_TIME_SIZE];
    as_obj_int (data, "case_id", &case_id);
    as_obj_int (customer, "customer_id", &customer_id);
    if (as_obj_text (customer, NULL, "phone", phone, sizeof phone, delivery->err)
    ||  as_obj_text (customer, NULL, "email", email, sizeof email, delivery->err)
    ||  as_obj_text (product, NULL, "category", category, sizeof category, delivery->err)
    ||  as_obj_text (product, NULL, "serial", serial, sizeof serial, delivery->err)
    ||  as_obj_text (product, NULL, "purchase_date", purchase_date, sizeof purchase_date, delivery->err)
    ||  as_obj_text (data, NULL, "channel", channel, sizeof channel, delivery->err)
    ||  as_obj_text (data, NULL, "reported_at", reported_at, sizeof reported_at, delivery->err)
    ||  as_obj_text (data, NULL, "first_contact_due", first_contact_due, sizeof first_contact_due, delivery->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_int (&params, customer_id);
    as_pgp_str (&params, s_opt (phone));
    as_pgp_str (&params, s_opt (email));
    as_pgp_str (&params, category);
    as_pgp_str (&params, serial);
    as_pgp_str (&params, channel);
    as_pgp_str (&params, reported_at);
    as_pgp_str (&params, s_opt (purchase_date));
    as_pgp_int (&params, survey_config (delivery->service)->response_hours);
    char progress_due [32];
    bool dated = s_working_deadline (delivery->service, reported_at, survey_config (delivery->service)->progress_days,
                                     progress_due);
    as_pgp_str (&params, dated ? progress_due : NULL);
    as_pgp_str (&params, s_opt (first_contact_due));
    int64_t applied = as_pg_do (delivery->pg, &s_case_reported, &params, delivery->err);
    if (applied <= 0)
        return (int) applied;
    if (survey_followup_purchase (delivery->service, delivery->pg, case_id, serial, s_opt (purchase_date),
                                  reported_at, delivery->err))
        return -1;
    return s_check_repeated_faults (delivery, customer_id, reported_at);
}

//  case.triaged and case.resolved_remotely: an agent has spoken to the
//  customer. Neither carries a time, so the event's own time is used. A
//  remote solution also answers the warranty request and tells progress.
static const as_stmt_t s_case_contacted = { "survey_case_contacted",
    "INSERT INTO cases (case_id, first_contact_at, responded_at, progress_at)"
    " VALUES ($1, $2::timestamptz, CASE WHEN $3::boolean THEN $2::timestamptz END,"
    "  CASE WHEN $3::boolean THEN $2::timestamptz END)"
    " ON CONFLICT (case_id) DO UPDATE SET first_contact_at = coalesce(cases.first_contact_at, EXCLUDED.first_contact_at),"
    "  responded_at = least(cases.responded_at, EXCLUDED.responded_at),"
    "  progress_at = least(cases.progress_at, EXCLUDED.progress_at)" };

int
survey_on_case_contacted (as_delivery_t *delivery)
{
    int64_t case_id = 0;
    as_obj_int (delivery->data, "case_id", &case_id);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, delivery->event->time);
    as_pgp_bool (&params, !strcmp (delivery->event->type, "case.resolved_remotely"));
    return as_pg_do (delivery->pg, &s_case_contacted, &params, delivery->err) < 0 ? -1 : 0;
}

//  --- dispatch -------------------------------------------------------------------

//  An appointment told to the customer is a progress notice (the event's
//  own time: dispatch books and tells in one step). $case, $at.
#define S_CASE_PROGRESS(case_param, at_param) \
    "INSERT INTO cases (case_id, progress_at) VALUES (" case_param ", " at_param "::timestamptz)" \
    " ON CONFLICT (case_id) DO UPDATE SET progress_at = least(cases.progress_at, EXCLUDED.progress_at)"
static const as_stmt_t s_case_progress = { "survey_case_progress", S_CASE_PROGRESS ("$1", "$2") };
//  The visit and its case's progress notice in one statement.
static const as_stmt_t s_visit_scheduled = { "survey_visit_scheduled",
    "WITH visit AS (INSERT INTO visits (visit_id, case_id, engineer_id, station_id, window_start, window_end,"
    "  follow_up_of, region, scheduled_at)"
    " VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8, $9::timestamptz)"
    " ON CONFLICT (visit_id) DO UPDATE SET engineer_id = EXCLUDED.engineer_id, station_id = EXCLUDED.station_id,"
    "  window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end, region = EXCLUDED.region,"
    "  scheduled_at = coalesce(visits.scheduled_at, EXCLUDED.scheduled_at))"
    " " S_CASE_PROGRESS ("$2", "$9") };

static int
s_case_progress_told (as_delivery_t *delivery, int64_t case_id)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, delivery->event->time);
    return as_pg_do (delivery->pg, &s_case_progress, &params, delivery->err) < 0 ? -1 : 0;
}

int
survey_on_visit_scheduled (as_delivery_t *delivery)
{
    const msgpack_object *data = delivery->data;
    int64_t visit_id = 0, case_id = 0, engineer_id = 0, station_id = 0, follow_up_of = 0;
    char start [SURVEY_TIME_SIZE], end [SURVEY_TIME_SIZE], region [S_REGION_SIZE];
    as_obj_int (data, "visit_id", &visit_id);
    as_obj_int (data, "case_id", &case_id);
    as_obj_int (data, "engineer_id", &engineer_id);
    as_obj_int (data, "station_id", &station_id);
    as_obj_int (data, "follow_up_of", &follow_up_of);
    if (as_obj_text (data, NULL, "window_start", start, sizeof start, delivery->err)
    ||  as_obj_text (data, NULL, "window_end", end, sizeof end, delivery->err)
    ||  as_obj_text (data, NULL, "region", region, sizeof region, delivery->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_int (&params, case_id);
    as_pgp_int (&params, engineer_id);
    as_pgp_int (&params, station_id);
    as_pgp_str (&params, start);
    as_pgp_str (&params, end);
    if (follow_up_of)
        as_pgp_int (&params, follow_up_of);
    else
        as_pgp_null (&params);
    as_pgp_str (&params, s_opt (region));
    as_pgp_str (&params, delivery->event->time);
    return as_pg_do (delivery->pg, &s_visit_scheduled, &params, delivery->err) < 0 ? -1 : 0;
}

static const as_stmt_t s_visit_rescheduled = { "survey_visit_rescheduled",
    "UPDATE visits SET engineer_id = coalesce($2, engineer_id), station_id = coalesce($3, station_id),"
    " window_start = coalesce($4::timestamptz, window_start), window_end = coalesce($5::timestamptz, window_end),"
    " region = coalesce($6, region) WHERE visit_id = $1" };

static void
s_pgp_opt_int (as_pg_params_t *params, const msgpack_object *data, const char *key)
{
    int64_t value;
    if (as_obj_int (data, key, &value))
        as_pgp_int (params, value);
    else
        as_pgp_null (params);
}

int
survey_on_visit_rescheduled (as_delivery_t *delivery)
{
    const msgpack_object *data = delivery->data;
    char start [SURVEY_TIME_SIZE], end [SURVEY_TIME_SIZE], region [S_REGION_SIZE];
    if (as_obj_text (data, NULL, "window_start", start, sizeof start, delivery->err)
    ||  as_obj_text (data, NULL, "window_end", end, sizeof end, delivery->err)
    ||  as_obj_text (data, NULL, "region", region, sizeof region, delivery->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    s_pgp_opt_int (&params, data, "visit_id");
    s_pgp_opt_int (&params, data, "engineer_id");
    s_pgp_opt_int (&params, data, "station_id");
    as_pgp_str (&params, s_opt (start));
    as_pgp_str (&params, s_opt (end));
    as_pgp_str (&params, s_opt (region));
    if (as_pg_do (delivery->pg, &s_visit_rescheduled, &params, delivery->err) < 0)
        return -1;
    int64_t case_id = 0;                //  a new window is told to the customer
    return *start && as_obj_int (data, "case_id", &case_id) ? s_case_progress_told (delivery, case_id) : 0;
}

//  Arrival starts the clock of the on-site repair promise.
static const as_stmt_t s_visit_arrived = { "survey_visit_arrived",
    "UPDATE visits SET arrived_at = coalesce(arrived_at, $2::timestamptz),"
    " onsite_due = coalesce(onsite_due, $2::timestamptz + make_interval(mins => $3::int)) WHERE visit_id = $1" };

int
survey_on_visit_started (as_delivery_t *delivery)
{
    if (!as_obj_streq (as_obj_get (delivery->data, "stage"), "on_site"))
        return 0;
    char at [SURVEY_TIME_SIZE];
    if (as_obj_text (delivery->data, NULL, "at", at, sizeof at, delivery->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    s_pgp_opt_int (&params, delivery->data, "visit_id");
    as_pgp_str (&params, at);
    as_pgp_int (&params, survey_config (delivery->service)->onsite_minutes);
    return as_pg_do (delivery->pg, &s_visit_arrived, &params, delivery->err) < 0 ? -1 : 0;
}

//  A fault taken to the workshop starts the workshop promise at diagnosis
//  (the visit is known: dispatch told its booking first).
static const as_stmt_t s_visit_workshop = { "survey_visit_workshop",
    "UPDATE visits SET diagnosed_at = coalesce(diagnosed_at, $2::timestamptz),"
    " workshop_due = coalesce(workshop_due, $3::timestamptz) WHERE visit_id = $1" };

int
survey_on_visit_diagnosed (as_delivery_t *delivery)
{
    if (!as_obj_streq (as_obj_get (delivery->data, "resolution"), "workshop"))
        return 0;
    char at [SURVEY_TIME_SIZE], due [32];
    if (as_obj_text_or (delivery->data, NULL, "diagnosed_at", at, sizeof at, delivery->event->time, delivery->err))
        return -1;
    if (!s_working_deadline (delivery->service, at, survey_config (delivery->service)->workshop_days, due))
        return 0;
    as_pg_params_t params;
    as_pgp_reset (&params);
    s_pgp_opt_int (&params, delivery->data, "visit_id");
    as_pgp_str (&params, at);
    as_pgp_str (&params, due);
    return as_pg_do (delivery->pg, &s_visit_workshop, &params, delivery->err) < 0 ? -1 : 0;
}

static const as_stmt_t s_visit_late = { "survey_visit_late",
    "UPDATE visits SET late_notified = true WHERE visit_id = $1" };
static const as_stmt_t s_visit_cancelled = { "survey_visit_cancelled",
    "UPDATE visits SET cancelled = true WHERE visit_id = $1" };

static int
s_visit_flag (as_delivery_t *delivery, const as_stmt_t *stmt)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    s_pgp_opt_int (&params, delivery->data, "visit_id");
    return as_pg_do (delivery->pg, stmt, &params, delivery->err) < 0 ? -1 : 0;
}

int
survey_on_visit_late (as_delivery_t *delivery)
{
    return s_visit_flag (delivery, &s_visit_late);
}

int
survey_on_visit_cancelled (as_delivery_t *delivery)
{
    return s_visit_flag (delivery, &s_visit_cancelled);
}

//  The first completion of a visit is recorded (and schedules its survey);
//  a repeat of it changes nothing.
static const as_stmt_t s_visit_completed = { "survey_visit_completed",
    "INSERT INTO visits (visit_id, case_id, engineer_id, station_id, follow_up_of, completed_at, outcome)"
    " VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7)"
    " ON CONFLICT (visit_id) DO UPDATE SET engineer_id = EXCLUDED.engineer_id, station_id = EXCLUDED.station_id,"
    "  follow_up_of = coalesce(visits.follow_up_of, EXCLUDED.follow_up_of),"
    "  completed_at = EXCLUDED.completed_at, outcome = EXCLUDED.outcome"
    " WHERE visits.completed_at IS NULL RETURNING visit_id" };

int
survey_on_visit_completed (as_delivery_t *delivery)
{
    const msgpack_object *data = delivery->data;
    int64_t visit_id = 0, case_id = 0;
    char completed_at [SURVEY_TIME_SIZE], outcome [20];
    as_obj_int (data, "visit_id", &visit_id);
    as_obj_int (data, "case_id", &case_id);
    if (as_obj_text (data, NULL, "completed_at", completed_at, sizeof completed_at, delivery->err)
    ||  as_obj_text (data, NULL, "outcome", outcome, sizeof outcome, delivery->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_int (&params, case_id);
    s_pgp_opt_int (&params, data, "engineer_id");
    s_pgp_opt_int (&params, data, "station_id");
    s_pgp_opt_int (&params, data, "follow_up_of");
    as_pgp_str (&params, completed_at);
    as_pgp_str (&params, outcome);
    int64_t applied = as_pg_do (delivery->pg, &s_visit_completed, &params, delivery->err);
    if (applied < 0)
        return -1;
    if (applied == 0)
        return 0;
    if (!strcmp (outcome, "repaired")
    &&  survey_followup_after_repair (delivery->service, delivery->pg, visit_id, case_id, completed_at, delivery->err))
        return -1;
    return survey_schedule (delivery->service, delivery->pg, visit_id, case_id, completed_at, delivery->err);
}

//  --- billing --------------------------------------------------------------------

//  The first decision answers the customer's warranty request.
static const as_stmt_t s_entitlement = { "survey_entitlement",
    "INSERT INTO cases (case_id, service_type, repeat_repair, responded_at)"
    " VALUES ($1, $2, $3, CASE WHEN $4::boolean THEN $5::timestamptz END)"
    " ON CONFLICT (case_id) DO UPDATE SET service_type = EXCLUDED.service_type,"
    "  repeat_repair = EXCLUDED.repeat_repair, responded_at = least(cases.responded_at, EXCLUDED.responded_at)" };

int
survey_on_entitlement (as_delivery_t *delivery)
{
    char service_type [16];
    bool repeat = false;
    if (as_obj_text (delivery->data, NULL, "service_type", service_type, sizeof service_type, delivery->err))
        return -1;
    as_obj_bool (delivery->data, "repeat_repair", &repeat);
    as_pg_params_t params;
    as_pgp_reset (&params);
    s_pgp_opt_int (&params, delivery->data, "case_id");
    as_pgp_str (&params, service_type);
    as_pgp_bool (&params, repeat);
    as_pgp_bool (&params, !strcmp (delivery->event->type, "entitlement.decided"));
    as_pgp_str (&params, delivery->event->time);
    return as_pg_do (delivery->pg, &s_entitlement, &params, delivery->err) < 0 ? -1 : 0;
}

static const as_stmt_t s_invoice = { "survey_invoice",
    "INSERT INTO invoices (invoice_id, case_id, total_fen) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING" };

int
survey_on_invoice_issued (as_delivery_t *delivery)
{
    int64_t case_id = 0, total = 0;
    if (!as_obj_int (delivery->data, "case_id", &case_id))
        return 0;                       //  a sale not tied to a repair
    as_obj_int (delivery->data, "total_fen", &total);
    as_pg_params_t params;
    as_pgp_reset (&params);
    s_pgp_opt_int (&params, delivery->data, "invoice_id");
    as_pgp_int (&params, case_id);
    as_pgp_int (&params, total);
    return as_pg_do (delivery->pg, &s_invoice, &params, delivery->err) < 0 ? -1 : 0;
}

//  --- inventory ------------------------------------------------------------------

static const as_stmt_t s_shipment = { "survey_shipment",
    "INSERT INTO shipments (shipment_id, case_id, ship_by, shipped_at, late)"
    " VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5) ON CONFLICT DO NOTHING" };

int
survey_on_part_shipped (as_delivery_t *delivery)
{
    char ship_by [SURVEY_TIME_SIZE], shipped_at [SURVEY_TIME_SIZE];
    bool late = false;
    if (as_obj_text (delivery->data, NULL, "ship_by", ship_by, sizeof ship_by, delivery->err)
    ||  as_obj_text (delivery->data, NULL, "shipped_at", shipped_at, sizeof shipped_at, delivery->err))
        return -1;
    as_obj_bool (delivery->data, "late", &late);
    as_pg_params_t params;
    as_pgp_reset (&params);
    s_pgp_opt_int (&params, delivery->data, "shipment_id");
    s_pgp_opt_int (&params, delivery->data, "case_id");
    as_pgp_str (&params, ship_by);
    as_pgp_str (&params, shipped_at);
    as_pgp_bool (&params, late);
    return as_pg_do (delivery->pg, &s_shipment, &params, delivery->err) < 0 ? -1 : 0;
}
