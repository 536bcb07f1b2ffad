/*  dispatch_events: what dispatch learns from other services. Intake's case
    events give the cases (product, place, priority); a case triaged and
    with billing's entitlement decided becomes a visit waiting for its
    appointment; inventory's parts arriving book a parts visit.            */
#include "dispatch.h"
#include "as_log.h"
#include "as_msg.h"
#include <stdio.h>
#include <string.h>

static double
s_obj_float (const msgpack_object *map, const char *key, bool *present)
{
    const msgpack_object *value = as_obj_get (map, key);
    *present = value && value->type != MSGPACK_OBJECT_NIL;
    if (!*present)
        return 0;
    if (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32)
        return value->via.f64;
    return value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? (double) value->via.i64 : (double) value->via.u64;
}

static const as_stmt_t s_insert_case = { "dispatch_insert_case",
    "INSERT INTO cases (id, category, model, serial, priority, fault_code, lat, lon, reported_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::float8, $8::float8, $9::timestamptz) ON CONFLICT (id) DO NOTHING" };

int
dispatch_on_case_reported (as_delivery_t *delivery)
{
    const msgpack_object *data = delivery->data;
    const msgpack_object *product = as_obj_get (data, "product");
    const msgpack_object *location = as_obj_get (as_obj_get (data, "customer"), "location");
    int64_t case_id = 0;
    as_obj_int (data, "case_id", &case_id);
    char category [32] = "", model [AS_TEXT_SIZE (64)] = "", serial [AS_TEXT_SIZE (64)] = "",
         priority [16], fault [AS_TEXT_SIZE (32)] = "", reported [40] = "", lat [32] = "",
         lon [32] = "";
    if (as_obj_text (product, NULL, "category", category, sizeof category, delivery->err) < 0
    ||  as_obj_text (product, NULL, "model", model, sizeof model, delivery->err) < 0
    ||  as_obj_text (product, NULL, "serial", serial, sizeof serial, delivery->err) < 0
    ||  as_obj_text_or (data, NULL, "priority", priority, sizeof priority, "normal", delivery->err) < 0
    ||  as_obj_text (data, NULL, "fault_code", fault, sizeof fault, delivery->err) < 0
    ||  as_obj_text (data, NULL, "reported_at", reported, sizeof reported, delivery->err) < 0)
        return -1;
    bool has_lat = false, has_lon = false;
    double lat_value = s_obj_float (location, "lat", &has_lat), lon_value = s_obj_float (location, "lon", &has_lon);
    if (has_lat && has_lon) {
        snprintf (lat, sizeof lat, "%.7f", lat_value);
        snprintf (lon, sizeof lon, "%.7f", lon_value);
    }
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, category);
    as_pgp_str (&params, model);
    as_pgp_str (&params, serial);
    as_pgp_str (&params, priority);
    as_pgp_str (&params, *fault ? fault : NULL);
    as_pgp_str (&params, *lat ? lat : NULL);
    as_pgp_str (&params, *lon ? lon : NULL);
    as_pgp_str (&params, reported);
    return as_pg_defer (delivery->pg, &s_insert_case, &params, delivery->err);
}

//  What a fact's update (below) returns: the case's state after it (the
//  update locks the row, as FOR UPDATE would).
#define S_CASE_STATE \
    " RETURNING triaged, entitlement IS NOT NULL, closed, EXISTS (SELECT 1 FROM visits v WHERE v.case_id = c.id)"
//  The visit and the first line of its history, in one statement.
static const as_stmt_t s_new_visit = { "dispatch_new_visit",
    "WITH v AS (INSERT INTO visits (case_id, skill, minutes, priority)"
    " SELECT c.id, c.category, coalesce("
    "  (SELECT d.minutes FROM service_durations d WHERE d.category = c.category AND d.fault_code = c.fault_code),"
    "  (SELECT d.minutes FROM service_durations d WHERE d.category = c.category AND d.fault_code = ''), 60),"
    " c.priority FROM cases c WHERE c.id = $1 RETURNING id)"
    " INSERT INTO visit_history (visit_id, from_status, to_status, actor, note)"
    " SELECT id, NULL, 'unscheduled', $2, $3 FROM v" };

//  A case that is triaged and entitled (or triaged only, when billing's
//  decision is not awaited) and has never had a visit gets one. `stmt`
//  records the fact and returns the state (S_CASE_STATE).
static int
s_maybe_ready (as_delivery_t *delivery, const as_stmt_t *stmt, as_pg_params_t *params, int64_t case_id)
{
    PGresult *state = as_pg_run (delivery->pg, stmt, params, delivery->err);
    if (!state)
        return -1;
    bool known = PQntuples (state) == 1;
    bool ready = known && as_pg_get_bool (state, 0, 0) && !as_pg_get_bool (state, 0, 2) && !as_pg_get_bool (state, 0, 3)
              && (as_pg_get_bool (state, 0, 1) || dispatch_config (delivery->service)->ready_on_triage);
    PQclear (state);
    //  Billing decides as soon as it sees case.reported, so its decision can
    //  overtake intake's event on the way here. The report is already in
    //  intake's log and will be applied: a transient error makes the
    //  consumer try this event again shortly, instead of losing it.
    if (!known)
        return as_error_set (delivery->err, AS_UNAVAILABLE, "case %lld is not known here yet (its report is on "
                             "the way from intake): retrying", (long long) case_id);
    if (!ready)
        return 0;
    //  The case row is locked and has no visit: the insert cannot conflict.
    as_pg_params_t visit;
    as_pgp_reset (&visit);
    as_pgp_int (&visit, case_id);
    as_pgp_str (&visit, delivery->publisher);
    as_pgp_str (&visit, "case ready: waiting for an appointment");
    return as_pg_defer (delivery->pg, &s_new_visit, &visit, delivery->err);
}

static const as_stmt_t s_triaged = { "dispatch_case_triaged",
    "UPDATE cases c SET triaged = true, priority = $2, updated_at = now() WHERE c.id = $1" S_CASE_STATE };

static const as_stmt_t s_entitled = { "dispatch_case_entitled",
    "UPDATE cases c SET entitlement = $2, updated_at = now() WHERE c.id = $1" S_CASE_STATE };

//  Record one fact of a case (the event's key into the statement's $2),
//  then see whether the case is now ready for a visit.
static int
s_case_fact (as_delivery_t *delivery, const as_stmt_t *stmt, const char *key, const char *absent)
{
    int64_t case_id = 0;
    as_obj_int (delivery->data, "case_id", &case_id);
    char value [16];
    if (as_obj_text_or (delivery->data, NULL, key, value, sizeof value, absent, delivery->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, value);
    return s_maybe_ready (delivery, stmt, &params, case_id);
}

int
dispatch_on_case_triaged (as_delivery_t *delivery)
{
    return s_case_fact (delivery, &s_triaged, "priority", "normal");
}

int
dispatch_on_entitlement (as_delivery_t *delivery)
{
    return s_case_fact (delivery, &s_entitled, "service_type", "");
}

static const as_stmt_t s_close_case = { "dispatch_close_case",
    "UPDATE cases SET closed = true, updated_at = now() WHERE id = $1" };
static const as_stmt_t s_open_visits = { "dispatch_open_visits",
    "SELECT id, status FROM visits WHERE case_id = $1"
    " AND status IN ('unscheduled', 'scheduled', 'dispatched', 'confirmed') FOR UPDATE" };
static const as_stmt_t s_cancel_visit = { "dispatch_events_cancel_visit",
    "UPDATE visits SET status = 'cancelled', engineer_id = NULL, station_id = NULL, plan_date = NULL,"
    " seq = NULL, eta = NULL, pinned = false, end_reason = $2, updated_at = now() WHERE id = $1" };
static const as_stmt_t s_cancel_history = { "dispatch_events_cancel_history",
    "INSERT INTO visit_history (visit_id, from_status, to_status, actor, note) VALUES ($1, $2, 'cancelled', $3, $4)" };

//  A case cancelled or solved remotely: its visits not yet under way end.
int
dispatch_on_case_closed (as_delivery_t *delivery)
{
    int64_t case_id = 0;
    as_obj_int (delivery->data, "case_id", &case_id);
    char reason [AS_TEXT_SIZE (500)], note [AS_TEXT_SIZE (500) + 16];
    if (as_obj_text_or (delivery->data, NULL, "reason", reason, sizeof reason, "solved remotely", delivery->err))
        return -1;
    snprintf (note, sizeof note, "case closed: %s", reason);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    if (as_pg_do (delivery->pg, &s_close_case, &params, delivery->err) < 0)
        return -1;
    PGresult *visits = as_pg_run (delivery->pg, &s_open_visits, &params, delivery->err);
    if (!visits)
        return -1;
    int rc = 0;
    for (int row = 0; row < PQntuples (visits) && rc == 0; row++) {
        int64_t visit_id = as_pg_get_int (visits, row, 0);
        as_pgp_reset (&params);
        as_pgp_int (&params, visit_id);
        as_pgp_str (&params, note);
        rc = dispatch_plan_lock_visit_day (delivery->pg, visit_id, delivery->err) == 0
          && as_pg_do (delivery->pg, &s_cancel_visit, &params, delivery->err) == 1 ? 0 : -1;
        as_pgp_reset (&params);
        as_pgp_int (&params, visit_id);
        as_pgp_str (&params, as_pg_get_str (visits, row, 1));
        as_pgp_str (&params, delivery->publisher);
        as_pgp_str (&params, note);
        if (rc == 0 && as_pg_do (delivery->pg, &s_cancel_history, &params, delivery->err) != 1)
            rc = -1;
        if (rc == 0)
            rc = dispatch_emit_scheduled (delivery->service, delivery->pg, visit_id, "visit.cancelled", note,
                                          NULL, delivery->err);
    }
    PQclear (visits);
    return rc;
}

//  --- Parts for a follow-up visit --------------------------------------------------------------

static const as_stmt_t s_part_arrived_stmt = { "dispatch_part_arrived",
    "UPDATE visits SET waiting_parts = waiting_parts - 1, updated_at = now()"
    " WHERE id = (SELECT id FROM visits WHERE case_id = $1 AND kind = 'parts' AND status = 'unscheduled'"
    "  AND waiting_parts > 0 ORDER BY id DESC LIMIT 1 FOR UPDATE)"
    " RETURNING id, waiting_parts" };
static const as_stmt_t s_parts_note_stmt = { "dispatch_parts_note",
    "INSERT INTO visit_history (visit_id, from_status, to_status, actor, note)"
    " SELECT id, status, status, $2, $3 FROM visits WHERE case_id = $1 AND kind = 'parts'"
    " AND status = 'unscheduled' ORDER BY id DESC LIMIT 1" };

static int
s_parts_note (as_delivery_t *delivery, int64_t case_id, const char *note)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, delivery->publisher);
    as_pgp_str (&params, note);
    return as_pg_do (delivery->pg, &s_parts_note_stmt, &params, delivery->err) < 0 ? -1 : 0;
}

//  One part line of a waiting parts visit is on its way: when the last one
//  is, the visit is booked into the earliest window that can be served.
static int
s_part_arrived (as_delivery_t *delivery, int64_t case_id, const char *part_no)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    PGresult *visit = as_pg_run (delivery->pg, &s_part_arrived_stmt, &params, delivery->err);
    if (!visit)
        return -1;
    bool last = PQntuples (visit) == 1 && as_pg_get_int (visit, 0, 1) == 0;
    int64_t visit_id = PQntuples (visit) ? as_pg_get_int (visit, 0, 0) : 0;
    PQclear (visit);
    char note [AS_TEXT_SIZE (32) + 32];
    snprintf (note, sizeof note, "part %s on its way", part_no);
    if (!visit_id || s_parts_note (delivery, case_id, note))
        return visit_id ? -1 : 0;
    if (!last)
        return 0;
    int booked = dispatch_plan_book_earliest (delivery->service, delivery->pg, visit_id, delivery->publisher,
                                              delivery->err);
    if (booked == 1)
        as_warn ("visit %lld has its parts but no window in two weeks can serve it", (long long) visit_id);
    return booked < 0 ? -1 : 0;
}

//  The case and part of a parts event.
static int
s_part_event_arrived (as_delivery_t *delivery)
{
    int64_t case_id = 0;
    as_obj_int (delivery->data, "case_id", &case_id);
    char part_no [AS_TEXT_SIZE (32)] = "";
    if (as_obj_text (delivery->data, NULL, "part_no", part_no, sizeof part_no, delivery->err) < 0)
        return -1;
    return s_part_arrived (delivery, case_id, part_no);
}

int
dispatch_on_part_shipped (as_delivery_t *delivery)
{
    return s_part_event_arrived (delivery);
}

//  A reservation without a shipment: the part is already in the van or the
//  station's store, as good as arrived.
int
dispatch_on_part_reserved (as_delivery_t *delivery)
{
    const msgpack_object *shipment = as_obj_get (delivery->data, "shipment_id");
    if (!shipment || shipment->type != MSGPACK_OBJECT_NIL)
        return 0;
    return s_part_event_arrived (delivery);
}

int
dispatch_on_part_backordered (as_delivery_t *delivery)
{
    int64_t case_id = 0;
    as_obj_int (delivery->data, "case_id", &case_id);
    char part_no [AS_TEXT_SIZE (32)] = "", expected [11] = "", note [AS_TEXT_SIZE (32) + 64];
    if (as_obj_text (delivery->data, NULL, "part_no", part_no, sizeof part_no, delivery->err) < 0
    ||  as_obj_text (delivery->data, NULL, "expected_on", expected, sizeof expected, delivery->err) < 0)
        return -1;
    snprintf (note, sizeof note, "part %s back-ordered, expected on %s", part_no, expected);
    return s_parts_note (delivery, case_id, note);
}
