/*  survey_followups: periodic check-ins with customers (DOMAIN.md,
    follow-up visits and check-ins). A check-in SURVEY_FOLLOWUP_REPAIR_DAYS
    after a repairing visit, and one on each anniversary of the product's
    purchase (case.reported's purchase date). States scheduled -> done |
    cancelled. The timer asks the messaging system to contact the customer
    (notification.requested, purpose follow_up) and schedules the next
    anniversary; it cancels an after-repair check-in whose product was
    reported again since the repair (the customer is already in touch).
    The business keys (a repairing visit; a product and anniversary) are
    unique, so facts told twice or replayed schedule nothing new.          */
#include "survey.h"
#include "as_msg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const as_stmt_t s_insert_repair = { "survey_followup_repair",
    "INSERT INTO followups (kind, case_id, visit_id, serial, due_at)"
    " VALUES ('after_repair', $1, $2, (SELECT serial FROM cases WHERE case_id = $1), $3::timestamptz)"
    " ON CONFLICT (visit_id) WHERE kind = 'after_repair' DO NOTHING" };
static const as_stmt_t s_insert_anniversary = { "survey_followup_anniversary",
    "INSERT INTO followups (kind, case_id, serial, anniversary, due_at)"
    " VALUES ('anniversary', $1, $2, $3::date, $4::timestamptz)"
    " ON CONFLICT (serial, anniversary) WHERE kind = 'anniversary' DO NOTHING" };

int
survey_followup_after_repair (as_service_t *service, as_pg_t *pg, int64_t visit_id, int64_t case_id,
                              const char *completed_at, as_error_t *err)
{
    const survey_config_t *config = survey_config (service);
    int64_t completed;
    if (config->followup_repair_days == 0)
        return 0;
    if (!survey_time_parse (completed_at, &completed))
        return as_error_set (err, AS_INVALID_ARGUMENT, "completed_at '%s' is not a time", completed_at);
    char due [32];
    survey_time_format (survey_due_at (config->zone, completed, config->followup_repair_days, config->send_minute),
                        due);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_int (&params, visit_id);
    as_pgp_str (&params, due);
    return as_pg_do (pg, &s_insert_repair, &params, err) < 0 ? -1 : 0;
}

//  The check-in on the first anniversary after local day `after`.
static int
s_schedule_anniversary (as_service_t *service, as_pg_t *pg, int64_t case_id, const char *serial, int64_t purchase,
                        int64_t after, as_error_t *err)
{
    const survey_config_t *config = survey_config (service);
    int64_t day = survey_next_anniversary (purchase, after);
    char date [11], due [32];
    survey_date_format (day, date);
    survey_time_format (survey_instant (config->zone, day, config->send_minute * 60), due);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, serial);
    as_pgp_str (&params, date);
    as_pgp_str (&params, due);
    return as_pg_do (pg, &s_insert_anniversary, &params, err) < 0 ? -1 : 0;
}

//  From the later of the report and today, so a report replayed from long
//  ago does not schedule anniversaries already past.
int
survey_followup_purchase (as_service_t *service, as_pg_t *pg, int64_t case_id, const char *serial,
                          const char *purchase_date, const char *reported_at, as_error_t *err)
{
    const survey_config_t *config = survey_config (service);
    int64_t purchase, reported, report_day, today;
    int second;
    if (!config->followup_yearly || !purchase_date || !*purchase_date || !serial || !*serial)
        return 0;
    if (!survey_date_parse (purchase_date, &purchase) || !survey_time_parse (reported_at, &reported))
        return as_error_set (err, AS_INVALID_ARGUMENT, "purchase_date '%s' or reported_at is invalid", purchase_date);
    survey_local (config->zone, reported, &report_day, &second);
    survey_local (config->zone, (int64_t) time (NULL), &today, &second);
    return s_schedule_anniversary (service, pg, case_id, serial, purchase, report_day > today ? report_day : today,
                                   err);
}

//  --- The timer ----------------------------------------------------------------------

static const as_stmt_t s_cancel_reported_again = { "survey_followup_cancel",
    "UPDATE followups f SET state = 'cancelled', cancelled_at = now(),"
    " cancel_reason = 'the product was reported again after the repair (case ' || again.case_id || ')'"
    " FROM (SELECT x.followup_id, min(r.case_id) case_id FROM followups x"
    "  JOIN visits v ON v.visit_id = x.visit_id JOIN cases c ON c.case_id = x.case_id"
    "  JOIN cases r ON r.serial = c.serial AND r.case_id <> c.case_id AND r.reported_at > v.completed_at"
    "  WHERE x.kind = 'after_repair' AND x.state = 'scheduled' AND x.due_at <= now() GROUP BY x.followup_id) again"
    " WHERE f.followup_id = again.followup_id" };
//  Due check-ins of customers whose contact is known.
static const as_stmt_t s_send = { "survey_followup_send",
    "UPDATE followups f SET state = 'done', done_at = now(),"
    "  channel = CASE WHEN c.email IS NOT NULL AND ($1 OR c.phone IS NULL) THEN 'email' ELSE 'sms' END"
    " FROM cases c WHERE c.case_id = f.case_id AND (c.phone IS NOT NULL OR c.email IS NOT NULL)"
    " AND f.followup_id IN (SELECT followup_id FROM followups WHERE state = 'scheduled' AND due_at <= now()"
    "  ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED)"
    " RETURNING f.followup_id, f.case_id, c.customer_id, f.channel,"
    "  CASE WHEN f.channel = 'email' THEN c.email ELSE c.phone END, f.kind, f.serial, c.purchase_date::text,"
    "  f.anniversary::text" };

static int
s_notify (as_service_t *service, const PGresult *rows, int row, as_error_t *err)
{
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    survey_pack_notification (&pk, "follow_up", 2, rows, row);
    as_pack_kv_int (&pk, "followup_id", as_pg_get_int (rows, row, 0));
    as_pack_kv_str (&pk, "kind", as_pg_get_str (rows, row, 5));
    return survey_emit_packed (service, "notification.requested", "followup", as_pg_get_int (rows, row, 0), &data,
                               err);
}

//  A yearly check-in done: the next one, a year on.
static int
s_next_year (as_service_t *service, as_pg_t *pg, const PGresult *rows, int row, as_error_t *err)
{
    int64_t purchase, anniversary;
    if (strcmp (as_pg_get_str (rows, row, 5), "anniversary")
    ||  !survey_date_parse (as_pg_get_str (rows, row, 7), &purchase)
    ||  !survey_date_parse (as_pg_get_str (rows, row, 8), &anniversary))
        return 0;
    return s_schedule_anniversary (service, pg, as_pg_get_int (rows, row, 1), as_pg_get_str (rows, row, 6),
                                   purchase, anniversary, err);
}

//  One due check-in: the customer asked, and a yearly one's next year.
static int
s_send_one (as_service_t *service, as_pg_t *pg, const PGresult *rows, int row, as_error_t *err)
{
    return s_notify (service, rows, row, err) ? -1 : s_next_year (service, pg, rows, row, err);
}

int
survey_followups_due (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err)
{
    return survey_send_each (service, pg, &s_cancel_reported_again, &s_send, s_send_one, count, err) < 0 ? -1 : 0;
}

//  --- followup.list ---------------------------------------------------------------------

//  A check-in as s_pack_followup reads it.
#define S_FOLLOWUP_SELECT \
    "SELECT f.followup_id, f.kind, f.case_id, c.customer_id, f.visit_id, f.serial, f.anniversary::text," \
    " rfc3339(f.due_at), f.state, f.channel, rfc3339(f.done_at), rfc3339(f.cancelled_at), f.cancel_reason" \
    " FROM followups f LEFT JOIN cases c ON c.case_id = f.case_id"
static const as_stmt_t s_list = { "survey_followup_list",
    S_FOLLOWUP_SELECT " WHERE ($1::text IS NULL OR f.state = $1) AND ($2::bigint IS NULL OR f.case_id = $2)"
    " AND ($3::bigint IS NULL OR c.customer_id = $3) ORDER BY f.due_at, f.followup_id LIMIT $4" };

static void
s_pack_followup (msgpack_packer *pk, const PGresult *rows, int row)
{
    static const char *keys [] = { "followup_id", "kind", "case_id", "customer_id", "visit_id", "serial",
        "anniversary", "due_at", "state", "channel", "done_at", "cancelled_at", "cancel_reason" };
    msgpack_pack_map (pk, 13);
    for (int column = 0; column < 13; column++) {
        as_pack_str (pk, keys [column]);
        bool integer = column == 0 || column == 2 || column == 3 || column == 4;
        if (PQgetisnull (rows, row, column))
            msgpack_pack_nil (pk);
        else
        if (integer)
            msgpack_pack_int64 (pk, as_pg_get_int (rows, row, column));
        else
            as_pack_str (pk, as_pg_get_str (rows, row, column));
    }
}

static void
s_pgp_id (as_pg_params_t *params, int64_t id)
{
    if (id)
        as_pgp_int (params, id);
    else
        as_pgp_null (params);
}

int
survey_followup_list (as_call_t *call)
{
    char state [16];
    int64_t case_id = 0, customer_id = 0, limit = 100;
    if (as_obj_text (call->params, NULL, "state", state, sizeof state, call->err))
        return -1;
    as_obj_int (call->params, "case_id", &case_id);
    as_obj_int (call->params, "customer_id", &customer_id);
    as_obj_int (call->params, "limit", &limit);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, state [0] ? state : NULL);
    s_pgp_id (&params, case_id);
    s_pgp_id (&params, customer_id);
    as_pgp_int (&params, limit);
    PGresult *rows = as_pg_run (call->pg, &s_list, &params, call->err);
    if (!rows)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "followups");
    msgpack_pack_array (call->result, (size_t) PQntuples (rows));
    for (int row = 0; row < PQntuples (rows); row++)
        s_pack_followup (call->result, rows, row);
    PQclear (rows);
    return 0;
}

//  --- followup.cancel / followup.reschedule (an agent's decision) -------------------------

static const as_stmt_t s_cancel = { "survey_followup_cancel_by_agent",
    "UPDATE followups SET state = 'cancelled', cancelled_at = now(), cancel_reason = $2"
    " WHERE followup_id = $1 AND state = 'scheduled' RETURNING followup_id" };
static const as_stmt_t s_reschedule = { "survey_followup_reschedule",
    "UPDATE followups SET due_at = $2::timestamptz WHERE followup_id = $1 AND state = 'scheduled'"
    " RETURNING followup_id" };
static const as_stmt_t s_one = { "survey_followup_one", S_FOLLOWUP_SELECT " WHERE f.followup_id = $1" };

//  Change a scheduled check-in with stmt ($1 its id, $2 value), then reply
//  with it; an unknown one is not_found, a done or cancelled one stays so.
static int
s_change (as_call_t *call, const as_stmt_t *stmt, const char *value, const char *what)
{
    int64_t followup_id = 0;
    as_obj_int (call->params, "followup_id", &followup_id);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, followup_id);
    as_pgp_str (&params, value);
    int64_t changed = as_pg_do (call->pg, stmt, &params, call->err);
    if (changed < 0)
        return -1;
    as_pgp_reset (&params);
    as_pgp_int (&params, followup_id);
    PGresult *row = as_pg_run (call->pg, &s_one, &params, call->err);
    if (!row)
        return -1;
    int rc = 0;
    if (PQntuples (row) == 0)
        rc = as_error_set (call->err, AS_NOT_FOUND, "no follow-up %lld", (long long) followup_id);
    else
    if (changed == 0)
        rc = as_error_set (call->err, AS_FAILED_PRECONDITION, "follow-up %lld is %s: cannot %s it",
                           (long long) followup_id, as_pg_get_str (row, 0, 8), what);
    else {
        msgpack_pack_map (call->result, 1);
        as_pack_str (call->result, "followup");
        s_pack_followup (call->result, row, 0);
    }
    PQclear (row);
    return rc;
}

int
survey_followup_cancel (as_call_t *call)
{
    char *reason = as_obj_strdup (call->params, "reason");
    int rc = s_change (call, &s_cancel, reason, "cancel");
    free (reason);
    return rc;
}

int
survey_followup_reschedule (as_call_t *call)
{
    char due [SURVEY_TIME_SIZE];
    int64_t at;
    if (as_obj_text (call->params, NULL, "due_at", due, sizeof due, call->err))
        return -1;
    if (!survey_time_parse (due, &at) || at <= (int64_t) time (NULL))
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "due_at must be a time in the future");
    return s_change (call, &s_reschedule, due, "reschedule");
}
