/*  dispatch_visits: the visit life cycle, what the engineer reports, the
    promises around it, and the cases dispatch learns of from intake,
    billing and inventory.                                                  */
#include "dispatch.h"
#include "as_log.h"
#include "as_msg.h"
#include <stdio.h>
#include <string.h>

//  The moves of a visit; anything else is refused (failed_precondition).
static const struct {
    const char *from;
    const char *to;
} s_transitions [] = {
    { "unscheduled", "scheduled" }, { "unscheduled", "cancelled" },
    { "scheduled", "dispatched" }, { "scheduled", "unscheduled" }, { "scheduled", "cancelled" },
    { "dispatched", "confirmed" }, { "dispatched", "scheduled" }, { "dispatched", "unscheduled" },
    { "dispatched", "cancelled" },
    { "confirmed", "en_route" }, { "confirmed", "scheduled" }, { "confirmed", "unscheduled" },
    { "confirmed", "cancelled" },
    { "en_route", "on_site" }, { "en_route", "cannot_complete" },
    { "on_site", "completed" }, { "on_site", "needs_parts" }, { "on_site", "taken_to_workshop" },
    { "on_site", "cannot_complete" },
};

bool
dispatch_transition_allowed (const char *from, const char *to)
{
    for (size_t index = 0; index < sizeof s_transitions / sizeof s_transitions [0]; index++)
        if (!strcmp (s_transitions [index].from, from) && !strcmp (s_transitions [index].to, to))
            return true;
    return false;
}

static const as_stmt_t s_lock_visit = { "dispatch_lock_visit",
    "SELECT status FROM visits WHERE id = $1 FOR UPDATE" };
static const as_stmt_t s_set_status = { "dispatch_set_status",
    "UPDATE visits SET status = $2, updated_at = now(),"
    " dispatched_at = CASE WHEN $2 = 'dispatched' THEN now() ELSE dispatched_at END,"
    " confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END,"
    " started_at = CASE WHEN $2 = 'en_route' THEN now() ELSE started_at END,"
    " arrived_at = CASE WHEN $2 = 'on_site' THEN now() ELSE arrived_at END,"
    " late_at = CASE WHEN $2 IN ('scheduled', 'unscheduled') THEN NULL ELSE late_at END"
    " WHERE id = $1" };
static const as_stmt_t s_insert_history = { "dispatch_insert_history",
    "INSERT INTO visit_history (visit_id, from_status, to_status, actor, note) VALUES ($1, $2, $3, $4, $5)" };

int
dispatch_visit_move (as_pg_t *pg, int64_t visit_id, const char *to, const char *actor, const char *note,
                     as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    PGresult *locked = as_pg_run (pg, &s_lock_visit, &params, err);
    if (!locked)
        return -1;
    if (PQntuples (locked) == 0) {
        PQclear (locked);
        return as_error_set (err, AS_NOT_FOUND, "visit %lld not found", (long long) visit_id);
    }
    char from [24];
    snprintf (from, sizeof from, "%s", as_pg_get_str (locked, 0, 0));
    PQclear (locked);
    return dispatch_visit_move_from (pg, visit_id, from, to, actor, note, err);
}

int
dispatch_visit_check_move (int64_t visit_id, const char *from, const char *to, as_error_t *err)
{
    if (dispatch_transition_allowed (from, to))
        return 0;
    return as_error_set (err, AS_FAILED_PRECONDITION, "visit %lld is %s: it cannot become %s",
                         (long long) visit_id, from, to);
}

int
dispatch_visit_move_from (as_pg_t *pg, int64_t visit_id, const char *from, const char *to, const char *actor,
                          const char *note, as_error_t *err)
{
    if (dispatch_visit_check_move (visit_id, from, to, err))
        return -1;
    //  The row is locked: the status and its history go with the next round trip.
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_str (&params, to);
    if (as_pg_defer (pg, &s_set_status, &params, err))
        return -1;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_str (&params, from);
    as_pgp_str (&params, to);
    as_pgp_str (&params, actor);
    as_pgp_str (&params, note && *note ? note : NULL);
    return as_pg_defer (pg, &s_insert_history, &params, err);
}

//  --- Reading visits -------------------------------------------------------------------------

#define S_VISIT_COLUMNS \
    "v.id, v.case_id, v.follow_up_of, v.engineer_id, v.station_id, v.seq, v.minutes, v.waiting_parts," \
    " v.status, v.kind, v.skill, v.priority, rfc3339(v.window_start), rfc3339(v.window_end)," \
    " v.plan_date::text, rfc3339(v.eta), rfc3339(v.confirm_due), rfc3339(v.late_at), v.end_reason," \
    " rfc3339(v.updated_at), c.category, c.model, c.serial, v.pinned"

static const char *s_visit_keys [] = { "visit_id", "case_id", "follow_up_of", "engineer_id", "station_id",
    "seq", "minutes", "waiting_parts", "status", "kind", "skill", "priority", "window_start", "window_end",
    "plan_date", "eta", "confirm_due", "late_at", "end_reason", "updated_at", "category", "model", "serial" };
#define S_VISIT_INTS 8
#define S_VISIT_TEXTS 23

static const as_stmt_t s_get_visit = { "dispatch_get_visit",
    "SELECT " S_VISIT_COLUMNS " FROM visits v JOIN cases c ON c.id = v.case_id WHERE v.id = $1" };
static const as_stmt_t s_list_visits = { "dispatch_list_visits",
    "SELECT " S_VISIT_COLUMNS " FROM visits v JOIN cases c ON c.id = v.case_id"
    " WHERE ($1::bigint IS NULL OR v.case_id = $1) AND ($2::text IS NULL OR v.status = $2)"
    "  AND ($3::date IS NULL OR v.plan_date = $3) AND ($4::bigint IS NULL OR v.engineer_id = $4)"
    " ORDER BY v.id LIMIT 500" };

static void
s_pack_visit (msgpack_packer *pk, const PGresult *result, int row)
{
    int present = 1;
    for (int column = 0; column < S_VISIT_TEXTS; column++)
        present += !PQgetisnull (result, row, column);
    msgpack_pack_map (pk, (size_t) present);
    for (int column = 0; column < S_VISIT_TEXTS; column++) {
        if (PQgetisnull (result, row, column))
            continue;
        if (column < S_VISIT_INTS)
            as_pack_kv_int (pk, s_visit_keys [column], as_pg_get_int (result, row, column));
        else
            as_pack_kv_str (pk, s_visit_keys [column], as_pg_get_str (result, row, column));
    }
    as_pack_kv_bool (pk, "pinned", as_pg_get_bool (result, row, S_VISIT_TEXTS));
}

//  The row of s_get_visit for a visit, or NULL (err set).
static PGresult *
s_visit_found (PGresult *result, int64_t visit_id, as_error_t *err)
{
    if (result && PQntuples (result) == 0) {
        PQclear (result);
        as_error_set (err, AS_NOT_FOUND, "visit %lld not found", (long long) visit_id);
        return NULL;
    }
    return result;
}

static PGresult *
s_load_visit (as_pg_t *pg, int64_t visit_id, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    return s_visit_found (as_pg_run (pg, &s_get_visit, &params, err), visit_id, err);
}

int
dispatch_reply_visit_row (as_call_t *call, int64_t visit_id, PGresult *row)
{
    PGresult *result = s_visit_found (row, visit_id, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "visit");
    s_pack_visit (call->result, result, 0);
    PQclear (result);
    return 0;
}

int
dispatch_reply_visit (as_call_t *call, int64_t visit_id)
{
    PGresult *result = s_load_visit (call->pg, visit_id, call->err);
    return result ? dispatch_reply_visit_row (call, visit_id, result) : -1;
}

int
dispatch_visit_get (as_call_t *call)
{
    int64_t visit_id = 0;
    as_obj_int (call->params, "visit_id", &visit_id);
    return dispatch_reply_visit (call, visit_id);
}

static void
s_pgp_opt_int (as_pg_params_t *params, const msgpack_object *map, const char *key)
{
    int64_t value = 0;
    if (as_obj_int (map, key, &value))
        as_pgp_int (params, value);
    else
        as_pgp_null (params);
}

int
dispatch_visit_list (as_call_t *call)
{
    char *status = as_obj_strdup (call->params, "status"), *date = as_obj_strdup (call->params, "date");
    as_pg_params_t params;
    as_pgp_reset (&params);
    s_pgp_opt_int (&params, call->params, "case_id");
    as_pgp_str (&params, status);
    as_pgp_str (&params, date);
    s_pgp_opt_int (&params, call->params, "engineer_id");
    PGresult *result = as_pg_run (call->pg, &s_list_visits, &params, call->err);
    free (status);
    free (date);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "visits");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++)
        s_pack_visit (call->result, result, row);
    PQclear (result);
    return 0;
}

//  --- Events ---------------------------------------------------------------------------------

static const as_stmt_t s_event_row = { "dispatch_event_row",
    "SELECT v.id, v.case_id, v.engineer_id, v.station_id, v.follow_up_of, rfc3339(v.window_start),"
    " rfc3339(v.window_end), rfc3339(v.eta), rfc3339(v.confirm_due), s.region"
    " FROM visits v LEFT JOIN stations s ON s.id = v.station_id WHERE v.id = $1" };
static const char *s_event_keys [] = { "visit_id", "case_id", "engineer_id", "station_id", "follow_up_of",
    "window_start", "window_end", "eta", "confirm_due", "region" };
#define S_EVENT_INTS 5
#define S_EVENT_COLUMNS 10

//  Which columns each event carries (bit = column of s_event_row).
static const struct {
    const char *type;
    unsigned columns;
} s_event_columns [] = {
    { "visit.scheduled", 0x2FF }, { "visit.rescheduled", 0x2EF }, { "visit.dispatched", 0x1EF },
    { "visit.confirmed", 0xE7 }, { "visit.started", 0x0F }, { "visit.cancelled", 0x03 },
    { "visit.late", 0xC7 },
};

//  Emit a visit event: its columns as they now stand, plus up to two
//  string fields (key, value, key, value; NULL value = left out). With
//  `reply`, the visit's row for a reply (s_get_visit) is read in the same
//  round trip and handed over there (caller clears).
static int
s_emit_visit (as_service_t *service, as_pg_t *pg, int64_t visit_id, const char *type,
              const char *key1, const char *value1, const char *key2, const char *value2, PGresult **reply,
              as_error_t *err)
{
    unsigned columns = 0;
    for (size_t index = 0; index < sizeof s_event_columns / sizeof s_event_columns [0]; index++)
        if (!strcmp (s_event_columns [index].type, type))
            columns = s_event_columns [index].columns;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pg_step_t steps [2] = { { &s_event_row, NULL, &params, NULL }, { &s_get_visit, NULL, &params, NULL } };
    if (as_pg_pipeline (pg, steps, reply ? 2 : 1, err)) {
        PQclear (steps [0].result);
        PQclear (steps [1].result);
        return -1;
    }
    PGresult *row = steps [0].result;
    if (reply)
        *reply = steps [1].result;
    bool unassigned = PQgetisnull (row, 0, 2);
    bool rescheduled = !strcmp (type, "visit.rescheduled");
    int count = (value1 != NULL) + (value2 != NULL) + rescheduled;
    for (int column = 0; column < S_EVENT_COLUMNS; column++)
        count += (columns >> column & 1) && !PQgetisnull (row, 0, column);
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, (size_t) count);
    for (int column = 0; column < S_EVENT_COLUMNS; column++) {
        if (!(columns >> column & 1) || PQgetisnull (row, 0, column))
            continue;
        if (column < S_EVENT_INTS)
            as_pack_kv_int (&pk, s_event_keys [column], as_pg_get_int (row, 0, column));
        else
            as_pack_kv_str (&pk, s_event_keys [column], as_pg_get_str (row, 0, column));
    }
    if (value1)
        as_pack_kv_str (&pk, key1, value1);
    if (value2)
        as_pack_kv_str (&pk, key2, value2);
    if (rescheduled)
        as_pack_kv_bool (&pk, "unassigned", unassigned);
    PQclear (row);
    char subject [32];
    snprintf (subject, sizeof subject, "visit/%lld", (long long) visit_id);
    int rc = as_service_emit (service, type, subject, data.data, data.size, err);
    msgpack_sbuffer_destroy (&data);
    return rc;
}

int
dispatch_emit_scheduled (as_service_t *service, as_pg_t *pg, int64_t visit_id, const char *type,
                         const char *reason, PGresult **reply, as_error_t *err)
{
    bool with_reason = !strcmp (type, "visit.rescheduled") || !strcmp (type, "visit.cancelled");
    return s_emit_visit (service, pg, visit_id, type, "reason",
                         with_reason ? (reason ? reason : "re-planned") : NULL, NULL, NULL, reply, err);
}

//  --- Operator moves -------------------------------------------------------------------------

static const as_stmt_t s_pin = { "dispatch_pin",
    "UPDATE visits SET pinned = $2, updated_at = now() WHERE id = $1"
    " AND status IN ('scheduled', 'dispatched', 'confirmed', 'en_route', 'on_site')" };
static const as_stmt_t s_unplace = { "dispatch_unplace",
    "UPDATE visits SET engineer_id = NULL, station_id = NULL, plan_date = NULL, seq = NULL, eta = NULL,"
    " pinned = false, updated_at = now() WHERE id = $1" };

int
dispatch_visit_pin (as_call_t *call)
{
    int64_t visit_id = 0;
    bool pinned = true;
    as_obj_int (call->params, "visit_id", &visit_id);
    as_obj_bool (call->params, "pinned", &pinned);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_bool (&params, pinned);
    int64_t updated = as_pg_do (call->pg, &s_pin, &params, call->err);
    if (updated < 0)
        return -1;
    if (updated == 0)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "visit %lld is not in a day plan",
                             (long long) visit_id);
    return dispatch_reply_visit (call, visit_id);
}

static int
s_unplace_visit (as_pg_t *pg, int64_t visit_id, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    if (dispatch_plan_lock_visit_day (pg, visit_id, err))
        return -1;
    return as_pg_do (pg, &s_unplace, &params, err) == 1 ? 0 : -1;
}

int
dispatch_visit_unassign (as_call_t *call)
{
    int64_t visit_id = 0;
    as_obj_int (call->params, "visit_id", &visit_id);
    char reason [AS_TEXT_SIZE (500)];
    if (as_obj_text_or (call->params, NULL, "reason", reason, sizeof reason, "unassigned by an operator", call->err))
        return -1;
    if (dispatch_visit_move (call->pg, visit_id, "unscheduled", call->actor, reason, call->err)
    ||  s_unplace_visit (call->pg, visit_id, call->err)
    ||  dispatch_emit_scheduled (call->service, call->pg, visit_id, "visit.rescheduled", reason, NULL, call->err))
        return -1;
    return dispatch_reply_visit (call, visit_id);
}

static int
s_cancel (as_service_t *service, as_pg_t *pg, int64_t visit_id, const char *actor, const char *reason,
          as_error_t *err)
{
    if (dispatch_visit_move (pg, visit_id, "cancelled", actor, reason, err))
        return -1;
    if (s_emit_visit (service, pg, visit_id, "visit.cancelled", "reason", reason, NULL, NULL, NULL, err))
        return -1;
    return s_unplace_visit (pg, visit_id, err);
}

int
dispatch_visit_cancel (as_call_t *call)
{
    int64_t visit_id = 0;
    as_obj_int (call->params, "visit_id", &visit_id);
    char reason [AS_TEXT_SIZE (500)] = "";
    if (as_obj_text (call->params, NULL, "reason", reason, sizeof reason, call->err) < 0)
        return -1;
    return s_cancel (call->service, call->pg, visit_id, call->actor, reason, call->err)
         ? -1 : dispatch_reply_visit (call, visit_id);
}

//  --- Dispatch and confirmation ------------------------------------------------------------------

static const as_stmt_t s_to_dispatch = { "dispatch_to_dispatch",
    "SELECT id FROM visits WHERE plan_date = $1::date AND status = 'scheduled'"
    " AND ($2::bigint IS NULL OR station_id = $2) ORDER BY engineer_id, seq FOR UPDATE" };
static const as_stmt_t s_confirm_due = { "dispatch_confirm_due",
    "UPDATE visits SET confirm_due = now() + make_interval(mins => $2::int) WHERE id = $1" };

//  The day's plan goes to the engineers: every scheduled visit of the date
//  is dispatched, and the promise to tell the customer the time starts.
int
dispatch_plan_dispatch (as_call_t *call)
{
    char date [11] = "";
    if (as_obj_text (call->params, NULL, "date", date, sizeof date, call->err) < 0)
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, date);
    s_pgp_opt_int (&params, call->params, "station_id");
    PGresult *visits = as_pg_run (call->pg, &s_to_dispatch, &params, call->err);
    if (!visits)
        return -1;
    int rows = PQntuples (visits), rc = 0;
    for (int row = 0; row < rows && rc == 0; row++) {
        int64_t visit_id = as_pg_get_int (visits, row, 0);
        as_pgp_reset (&params);
        as_pgp_int (&params, visit_id);
        as_pgp_int (&params, dispatch_config (call->service)->confirm_minutes);
        rc = dispatch_visit_move (call->pg, visit_id, "dispatched", call->actor, NULL, call->err)
          || as_pg_do (call->pg, &s_confirm_due, &params, call->err) != 1
          || s_emit_visit (call->service, call->pg, visit_id, "visit.dispatched", NULL, NULL, NULL, NULL, NULL, call->err)
           ? -1 : 0;
    }
    if (rc == 0) {
        msgpack_pack_map (call->result, 2);
        as_pack_kv_str (call->result, "date", date);
        as_pack_str (call->result, "visit_ids");
        msgpack_pack_array (call->result, (size_t) rows);
        for (int row = 0; row < rows; row++)
            msgpack_pack_int64 (call->result, as_pg_get_int (visits, row, 0));
    }
    PQclear (visits);
    return rc;
}

//  One step of the life cycle and its event, then the visit as it stands.
static int
s_step (as_call_t *call, const char *to, const char *type, const char *key, const char *value)
{
    int64_t visit_id = 0;
    as_obj_int (call->params, "visit_id", &visit_id);
    char note [AS_TEXT_SIZE (500)] = "";
    if (as_obj_text (call->params, NULL, "note", note, sizeof note, call->err) < 0)
        return -1;
    char now [32];
    as_time_now_rfc3339 (now);
    PGresult *reply = NULL;
    if (dispatch_visit_move (call->pg, visit_id, to, call->actor, note, call->err)
    ||  s_emit_visit (call->service, call->pg, visit_id, type, key, value, key ? "at" : NULL,
                      key ? now : NULL, &reply, call->err)) {
        PQclear (reply);
        return -1;
    }
    return dispatch_reply_visit_row (call, visit_id, reply);
}

int
dispatch_visit_confirm (as_call_t *call)
{
    return s_step (call, "confirmed", "visit.confirmed", NULL, NULL);
}

int
dispatch_visit_enroute (as_call_t *call)
{
    return s_step (call, "en_route", "visit.started", "stage", "en_route");
}

int
dispatch_visit_arrive (as_call_t *call)
{
    return s_step (call, "on_site", "visit.started", "stage", "on_site");
}

//  --- What the engineer reports on site -------------------------------------------------------------

static const as_stmt_t s_report_row = { "dispatch_report_row",
    "SELECT v.case_id, v.engineer_id, v.station_id, v.follow_up_of, c.category, c.model, c.serial"
    " FROM visits v JOIN cases c ON c.id = v.case_id WHERE v.id = $1" };
static const as_stmt_t s_store_report = { "dispatch_store_report",
    "UPDATE visits SET diagnosis = coalesce($2::jsonb, diagnosis), completion = coalesce($3::jsonb, completion),"
    " end_reason = coalesce($4, end_reason), updated_at = now() WHERE id = $1" };
static const as_stmt_t s_follow_up = { "dispatch_follow_up",
    "INSERT INTO visits (case_id, follow_up_of, kind, skill, minutes, priority, waiting_parts)"
    " SELECT case_id, id, $2, skill, minutes, priority, $3 FROM visits WHERE id = $1 RETURNING id" };

static int
s_store_report_json (as_pg_t *pg, int64_t visit_id, const msgpack_object *diagnosis,
                     const msgpack_object *completion, const char *end_reason, as_error_t *err)
{
    char *diagnosis_json = diagnosis ? as_obj_to_json (diagnosis, false) : NULL;
    char *completion_json = completion ? as_obj_to_json (completion, false) : NULL;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_str (&params, diagnosis_json);
    as_pgp_str (&params, completion_json);
    as_pgp_str (&params, end_reason);
    int rc = as_pg_do (pg, &s_store_report, &params, err) == 1 ? 0 : -1;
    free (diagnosis_json);
    free (completion_json);
    return rc;
}

static PGresult *
s_report_row_load (as_pg_t *pg, int64_t visit_id, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    return as_pg_run (pg, &s_report_row, &params, err);
}

static void
s_pack_copy (msgpack_packer *pk, const msgpack_object *params, const char *key)
{
    as_pack_str (pk, key);
    as_pack_object (pk, as_obj_get (params, key));
}

//  A report event's map of `size` keys opens with the ids of the visit,
//  its case, engineer and station (s_report_row columns 0..2).
static void
s_pack_report_ids (msgpack_packer *pk, size_t size, int64_t visit_id, const PGresult *row)
{
    msgpack_pack_map (pk, size);
    as_pack_kv_int (pk, "visit_id", visit_id);
    as_pack_kv_int (pk, "case_id", as_pg_get_int (row, 0, 0));
    as_pack_kv_int (pk, "engineer_id", as_pg_get_int (row, 0, 1));
    as_pack_kv_int (pk, "station_id", as_pg_get_int (row, 0, 2));
}

//  Emit a report event on visit/<id> (data then freed).
static int
s_emit_report (as_service_t *service, const char *type, int64_t visit_id, msgpack_sbuffer *data, as_error_t *err)
{
    char subject [32];
    snprintf (subject, sizeof subject, "visit/%lld", (long long) visit_id);
    int rc = as_service_emit (service, type, subject, data->data, data->size, err);
    msgpack_sbuffer_destroy (data);
    return rc;
}

static int
s_emit_diagnosed (as_service_t *service, as_pg_t *pg, int64_t visit_id, const msgpack_object *params,
                  as_error_t *err)
{
    PGresult *row = s_report_row_load (pg, visit_id, err);
    if (!row)
        return -1;
    static const char *optional [] = { "component", "promised_date", "note" };
    int present = 0;
    for (int index = 0; index < 3; index++)
        present += as_obj_get (params, optional [index]) != NULL;
    char now [32];
    as_time_now_rfc3339 (now);
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    s_pack_report_ids (&pk, (size_t) (12 + present), visit_id, row);
    as_pack_kv_str (&pk, "category", as_pg_get_str (row, 0, 4));
    as_pack_kv_str (&pk, "model", as_pg_get_str (row, 0, 5));
    as_pack_kv_str (&pk, "serial", as_pg_get_str (row, 0, 6));
    s_pack_copy (&pk, params, "cause");
    s_pack_copy (&pk, params, "repair_items");
    s_pack_copy (&pk, params, "parts_needed");
    s_pack_copy (&pk, params, "resolution");
    for (int index = 0; index < 3; index++)
        if (as_obj_get (params, optional [index]))
            s_pack_copy (&pk, params, optional [index]);
    as_pack_kv_str (&pk, "diagnosed_at", now);
    PQclear (row);
    return s_emit_report (service, "visit.diagnosed", visit_id, &data, err);
}

//  The visit ends here when the unit goes to the workshop or parts are
//  missing; a follow-up visit (linked to this one) takes over.
static int64_t
s_end_for_follow_up (as_call_t *call, int64_t visit_id, const char *status, const char *kind, int64_t waiting)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_str (&params, kind);
    as_pgp_int (&params, waiting);
    if (dispatch_visit_move (call->pg, visit_id, status, call->actor, NULL, call->err))
        return -1;
    PGresult *result = as_pg_run (call->pg, &s_follow_up, &params, call->err);
    if (!result)
        return -1;
    int64_t follow_up = as_pg_get_int (result, 0, 0);
    PQclear (result);
    return follow_up;
}

int
dispatch_visit_diagnose (as_call_t *call)
{
    int64_t visit_id = 0;
    as_obj_int (call->params, "visit_id", &visit_id);
    char resolution [16] = "";
    bool parts_on_hand = false;
    if (as_obj_text (call->params, NULL, "resolution", resolution, sizeof resolution, call->err) < 0)
        return -1;
    as_obj_bool (call->params, "parts_on_hand", &parts_on_hand);
    const msgpack_object *parts = as_obj_get (call->params, "parts_needed");
    uint32_t part_lines = parts && parts->type == MSGPACK_OBJECT_ARRAY ? parts->via.array.size : 0;
    PGresult *visit = s_load_visit (call->pg, visit_id, call->err);
    if (!visit)
        return -1;
    bool on_site = !strcmp (as_pg_get_str (visit, 0, 8), "on_site");
    PQclear (visit);
    if (!on_site)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "visit %lld: diagnose on site only",
                             (long long) visit_id);
    if (s_store_report_json (call->pg, visit_id, call->params, NULL, NULL, call->err)
    ||  s_emit_diagnosed (call->service, call->pg, visit_id, call->params, call->err))
        return -1;
    int64_t follow_up = 0;
    if (!strcmp (resolution, "workshop"))
        follow_up = s_end_for_follow_up (call, visit_id, "taken_to_workshop", "workshop_return", 0);
    else
    if (part_lines > 0 && !parts_on_hand)
        follow_up = s_end_for_follow_up (call, visit_id, "needs_parts", "parts", part_lines);
    if (follow_up < 0)
        return -1;
    PGresult *result = s_load_visit (call->pg, visit_id, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1 + (follow_up > 0));
    as_pack_str (call->result, "visit");
    s_pack_visit (call->result, result, 0);
    if (follow_up > 0)
        as_pack_kv_int (call->result, "follow_up_visit_id", follow_up);
    PQclear (result);
    return 0;
}

//  visit.completed for a visit that ended on site, repaired or not.
static int
s_emit_completed (as_service_t *service, as_pg_t *pg, int64_t visit_id, const msgpack_object *params,
                  const char *end_status, as_error_t *err)
{
    PGresult *row = s_report_row_load (pg, visit_id, err);
    if (!row)
        return -1;
    bool repaired = !strcmp (end_status, "completed");
    bool follow_up = !PQgetisnull (row, 0, 3);
    char now [32];
    as_time_now_rfc3339 (now);
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    s_pack_report_ids (&pk, (size_t) (12 + follow_up), visit_id, row);
    as_pack_kv_str (&pk, "outcome", repaired ? "repaired" : "not_repaired");
    if (repaired) {
        s_pack_copy (&pk, params, "work_done");
        s_pack_copy (&pk, params, "repair_items");
        s_pack_copy (&pk, params, "parts_used");
        s_pack_copy (&pk, params, "labour_minutes");
        s_pack_copy (&pk, params, "customer_accepted");
    }
    else {
        //  The reason was read whole by the caller: its copy cannot fail here.
        char reason [AS_TEXT_SIZE (500)] = "";
        as_obj_text (params, NULL, "reason", reason, sizeof reason, NULL);
        as_pack_kv_str (&pk, "work_done", reason);
        as_pack_str (&pk, "repair_items");
        msgpack_pack_array (&pk, 0);
        as_pack_str (&pk, "parts_used");
        msgpack_pack_array (&pk, 0);
        as_pack_kv_int (&pk, "labour_minutes", 0);
        as_pack_kv_bool (&pk, "customer_accepted", false);
    }
    if (follow_up)
        as_pack_kv_int (&pk, "follow_up_of", as_pg_get_int (row, 0, 3));
    as_pack_kv_str (&pk, "end_status", end_status);
    as_pack_kv_str (&pk, "completed_at", now);
    PQclear (row);
    return s_emit_report (service, "visit.completed", visit_id, &data, err);
}

int
dispatch_visit_complete (as_call_t *call)
{
    int64_t visit_id = 0;
    as_obj_int (call->params, "visit_id", &visit_id);
    if (dispatch_visit_move (call->pg, visit_id, "completed", call->actor, NULL, call->err)
    ||  s_store_report_json (call->pg, visit_id, NULL, call->params, NULL, call->err)
    ||  s_emit_completed (call->service, call->pg, visit_id, call->params, "completed", call->err))
        return -1;
    return dispatch_reply_visit (call, visit_id);
}

int
dispatch_visit_cannot_complete (as_call_t *call)
{
    int64_t visit_id = 0;
    as_obj_int (call->params, "visit_id", &visit_id);
    char reason [AS_TEXT_SIZE (500)] = "";
    if (as_obj_text (call->params, NULL, "reason", reason, sizeof reason, call->err) < 0)
        return -1;
    if (dispatch_visit_move (call->pg, visit_id, "cannot_complete", call->actor, reason, call->err)
    ||  s_store_report_json (call->pg, visit_id, NULL, NULL, reason, call->err)
    ||  s_emit_completed (call->service, call->pg, visit_id, call->params, "cannot_complete", call->err))
        return -1;
    return dispatch_reply_visit (call, visit_id);
}

//  --- Promises -------------------------------------------------------------------------------

static const as_stmt_t s_at_risk = { "dispatch_at_risk",
    "SELECT " S_VISIT_COLUMNS ", CASE"
    "  WHEN v.status = 'dispatched' AND v.confirm_due < now() THEN 'customer not told the time'"
    "  WHEN v.window_end < now() THEN 'window missed'"
    "  WHEN v.late_at IS NOT NULL THEN 'engineer running late'"
    "  ELSE 'window ends soon' END"
    " FROM visits v JOIN cases c ON c.id = v.case_id"
    " WHERE v.status IN ('scheduled', 'dispatched', 'confirmed', 'en_route')"
    "  AND ((v.status = 'dispatched' AND v.confirm_due < now()) OR v.late_at IS NOT NULL"
    "       OR v.window_end < now() + make_interval(mins => $1::int))"
    " ORDER BY v.window_end" };

int
dispatch_visits_at_risk (as_call_t *call)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, dispatch_config (call->service)->late_margin);
    PGresult *result = as_pg_run (call->pg, &s_at_risk, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "visits");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++) {
        msgpack_pack_map (call->result, 2);
        as_pack_kv_str (call->result, "risk", as_pg_get_str (result, row, S_VISIT_TEXTS + 1));
        as_pack_str (call->result, "visit");
        s_pack_visit (call->result, result, row);
    }
    PQclear (result);
    return 0;
}

static const as_stmt_t s_mark_late = { "dispatch_mark_late",
    "UPDATE visits SET late_at = now() WHERE late_at IS NULL"
    " AND status IN ('scheduled', 'dispatched', 'confirmed', 'en_route')"
    " AND window_end <= now() + make_interval(mins => $1::int) RETURNING id" };

//  An engineer not on site by the margin before the window ends is late:
//  visit.late once, so the customer can be told before the window passes.
int
dispatch_check_late (as_service_t *service, as_pg_t *pg, int *raised, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, dispatch_config (service)->late_margin);
    PGresult *late = as_pg_run (pg, &s_mark_late, &params, err);
    if (!late)
        return -1;
    int rc = 0;
    *raised = PQntuples (late);
    for (int row = 0; row < *raised && rc == 0; row++)
        rc = s_emit_visit (service, pg, as_pg_get_int (late, row, 0), "visit.late", "reason",
                           "not on site yet and the window ends soon", NULL, NULL, NULL, err);
    PQclear (late);
    return rc;
}
