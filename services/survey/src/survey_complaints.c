/*  survey_complaints: complaints about a case with working-day deadlines
    (first reply, solution), escalation, and the customers at risk.
    States: open -> replied -> resolved -> closed; open or replied ->
    escalated -> resolved. A reply to an escalated complaint keeps it
    escalated.                                                             */
#include "survey.h"
#include "as_log.h"
#include "as_msg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_COMPLAINT_COLUMNS \
    " complaint_id, case_id, customer_id, category, severity, description, state, rfc3339(opened_at)," \
    " rfc3339(reply_due), rfc3339(resolve_due), rfc3339(replied_at), reply, rfc3339(escalated_at), escalated_to," \
    " rfc3339(resolved_at), resolution, rfc3339(closed_at)," \
    " coalesce(replied_at, now()) > reply_due, coalesce(resolved_at, now()) > resolve_due FROM complaints"

static const as_stmt_t s_get = { "survey_complaint_get", "SELECT" S_COMPLAINT_COLUMNS " WHERE complaint_id = $1" };
static const as_stmt_t s_list = { "survey_complaint_list",
    "SELECT" S_COMPLAINT_COLUMNS " WHERE ($1::text IS NULL OR state = $1)"
    " AND (NOT $2 OR (state NOT IN ('resolved', 'closed') AND (coalesce(replied_at, now()) > reply_due"
    "  OR now() > resolve_due)))"
    " ORDER BY complaint_id LIMIT $3" };

static void
s_pack_complaint (msgpack_packer *pk, const PGresult *rows, int row)
{
    static const char *keys [] = { "complaint_id", "case_id", "customer_id", "category", "severity", "description",
        "state", "opened_at", "reply_due", "resolve_due", "replied_at", "reply", "escalated_at", "escalated_to",
        "resolved_at", "resolution", "closed_at", "reply_overdue", "resolve_overdue" };
    msgpack_pack_map (pk, 19);
    for (int column = 0; column < 19; column++) {
        as_pack_str (pk, keys [column]);
        if (column < 3)
            msgpack_pack_int64 (pk, as_pg_get_int (rows, row, column));
        else
        if (column >= 17)
            as_pg_get_bool (rows, row, column) ? msgpack_pack_true (pk) : msgpack_pack_false (pk);
        else
            as_pack_str (pk, as_pg_get_str (rows, row, column));
    }
}

static int
s_reply_complaint (as_call_t *call, int64_t complaint_id)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, complaint_id);
    PGresult *rows = as_pg_run (call->pg, &s_get, &params, call->err);
    if (!rows)
        return -1;
    if (PQntuples (rows) != 1) {
        PQclear (rows);
        return as_error_set (call->err, AS_NOT_FOUND, "no complaint %lld", (long long) complaint_id);
    }
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "complaint");
    s_pack_complaint (call->result, rows, 0);
    PQclear (rows);
    return 0;
}

int
survey_complaint_get (as_call_t *call)
{
    int64_t complaint_id = 0;
    as_obj_int (call->params, "complaint_id", &complaint_id);
    return s_reply_complaint (call, complaint_id);
}

int
survey_complaint_list (as_call_t *call)
{
    char state [16];
    bool overdue = false;
    int64_t limit = 100;
    if (as_obj_text (call->params, NULL, "state", state, sizeof state, call->err))
        return -1;
    as_obj_bool (call->params, "overdue", &overdue);
    as_obj_int (call->params, "limit", &limit);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, state [0] ? state : NULL);
    as_pgp_bool (&params, overdue);
    as_pgp_int (&params, limit);
    PGresult *rows = as_pg_run (call->pg, &s_list, &params, call->err);
    if (!rows)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "complaints");
    msgpack_pack_array (call->result, (size_t) PQntuples (rows));
    for (int row = 0; row < PQntuples (rows); row++)
        s_pack_complaint (call->result, rows, row);
    PQclear (rows);
    return 0;
}

//  --- Opening ------------------------------------------------------------------------

static const as_stmt_t s_case_customer = { "survey_case_customer",
    "SELECT customer_id FROM cases WHERE case_id = $1 AND customer_id IS NOT NULL" };
static const as_stmt_t s_insert = { "survey_complaint_insert",
    "INSERT INTO complaints (case_id, customer_id, category, severity, description, opened_at, reply_due, resolve_due)"
    " VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8::timestamptz) RETURNING complaint_id" };

static int
s_case_customer_of (as_call_t *call, int64_t case_id, int64_t *customer_id)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    PGresult *row = as_pg_run (call->pg, &s_case_customer, &params, call->err);
    if (!row)
        return -1;
    int rc = PQntuples (row) == 1 ? 0
           : as_error_set (call->err, AS_FAILED_PRECONDITION, "case %lld is not known here (no case.reported received)",
                           (long long) case_id);
    if (rc == 0)
        *customer_id = as_pg_get_int (row, 0, 0);
    PQclear (row);
    return rc;
}

static int
s_emit_opened (as_call_t *call, int64_t complaint_id, int64_t case_id, int64_t customer_id, const char *category,
               const char *severity, const char *const times [3])
{
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 8);
    as_pack_kv_int (&pk, "complaint_id", complaint_id);
    as_pack_kv_int (&pk, "case_id", case_id);
    as_pack_kv_int (&pk, "customer_id", customer_id);
    as_pack_kv_str (&pk, "category", category);
    as_pack_kv_str (&pk, "severity", severity);
    as_pack_kv_str (&pk, "opened_at", times [0]);
    as_pack_kv_str (&pk, "reply_due", times [1]);
    as_pack_kv_str (&pk, "resolve_due", times [2]);
    return survey_emit_packed (call->service, "complaint.opened", "complaint", complaint_id, &data, call->err);
}

int
survey_complaint_open (as_call_t *call)
{
    const survey_config_t *config = survey_config (call->service);
    int64_t case_id = 0, customer_id = 0, opened = (int64_t) time (NULL);
    char category [32], severity [16], received [SURVEY_TIME_SIZE];
    as_obj_int (call->params, "case_id", &case_id);
    if (as_obj_text (call->params, NULL, "category", category, sizeof category, call->err)
    ||  as_obj_text (call->params, NULL, "severity", severity, sizeof severity, call->err)
    ||  as_obj_text (call->params, NULL, "received_at", received, sizeof received, call->err))
        return -1;
    if (*received) {
        int64_t at;
        if (!survey_time_parse (received, &at) || at > opened + 60)
            return as_error_set (call->err, AS_INVALID_ARGUMENT, "received_at must be a time not in the future");
        opened = at;
    }
    if (s_case_customer_of (call, case_id, &customer_id))
        return -1;
    char opened_at [32], reply_due [32], resolve_due [32];
    survey_time_format (opened, opened_at);
    survey_time_format (survey_add_working_days (&config->calendar, config->zone, opened, config->reply_days), reply_due);
    survey_time_format (survey_add_working_days (&config->calendar, config->zone, opened, config->resolve_days),
                        resolve_due);
    char *description = as_obj_strdup (call->params, "description");
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_int (&params, customer_id);
    as_pgp_str (&params, category);
    as_pgp_str (&params, severity);
    as_pgp_str (&params, description);
    as_pgp_str (&params, opened_at);
    as_pgp_str (&params, reply_due);
    as_pgp_str (&params, resolve_due);
    PGresult *row = as_pg_run (call->pg, &s_insert, &params, call->err);
    free (description);
    if (!row)
        return -1;
    int64_t complaint_id = as_pg_get_int (row, 0, 0);
    PQclear (row);
    const char *times [3] = { opened_at, reply_due, resolve_due };
    if (s_emit_opened (call, complaint_id, case_id, customer_id, category, severity, times))
        return -1;
    return s_reply_complaint (call, complaint_id);
}

//  --- Moving -------------------------------------------------------------------------

static const as_stmt_t s_state = { "survey_complaint_state",
    "SELECT state, replied_at IS NOT NULL FROM complaints WHERE complaint_id = $1" };

//  Why a move matched no row: no such complaint, or not in a state for it.
static int
s_refuse (as_call_t *call, int64_t complaint_id, const char *verb)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, complaint_id);
    PGresult *row = as_pg_run (call->pg, &s_state, &params, call->err);
    if (!row)
        return -1;
    if (PQntuples (row) != 1)
        as_error_set (call->err, AS_NOT_FOUND, "no complaint %lld", (long long) complaint_id);
    else
    if (!strcmp (verb, "reply") && as_pg_get_bool (row, 0, 1))
        as_error_set (call->err, AS_FAILED_PRECONDITION, "complaint %lld already has its first reply",
                      (long long) complaint_id);
    else
        as_error_set (call->err, AS_FAILED_PRECONDITION, "complaint %lld is %s: cannot %s it",
                      (long long) complaint_id, as_pg_get_str (row, 0, 0), verb);
    PQclear (row);
    return -1;
}

//  Run a move (complaint id, text) returning (case_id, at, on_time);
//  then emit `type` with the fields named (NULL: no event).
static int
s_move (as_call_t *call, const as_stmt_t *stmt, const char *verb, const char *text_key, const char *type,
        const char *at_key)
{
    int64_t complaint_id = 0;
    as_obj_int (call->params, "complaint_id", &complaint_id);
    char to [32];
    if (as_obj_text (call->params, NULL, "to", to, sizeof to, call->err))
        return -1;
    char *text = text_key ? as_obj_strdup (call->params, text_key) : NULL;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, complaint_id);
    if (text_key)
        as_pgp_str (&params, text);
    if (to [0])
        as_pgp_str (&params, to);
    PGresult *row = as_pg_run (call->pg, stmt, &params, call->err);
    int rc = row ? 0 : -1;
    if (row && PQntuples (row) == 0)
        rc = s_refuse (call, complaint_id, verb);
    else
    if (row && type) {
        bool escalation = !strcmp (verb, "escalate");
        msgpack_sbuffer data;
        msgpack_sbuffer_init (&data);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
        msgpack_pack_map (&pk, escalation ? 5 : 4);
        as_pack_kv_int (&pk, "complaint_id", complaint_id);
        as_pack_kv_int (&pk, "case_id", as_pg_get_int (row, 0, 0));
        as_pack_kv_str (&pk, at_key, as_pg_get_str (row, 0, 1));
        if (escalation) {
            as_pack_kv_str (&pk, "to", to);
            as_pack_kv_str (&pk, "reason", text);
        }
        else
            as_pack_kv_bool (&pk, "on_time", as_pg_get_bool (row, 0, 2));
        rc = survey_emit_packed (call->service, type, "complaint", complaint_id, &data, call->err);
    }
    PQclear (row);
    free (text);
    return rc ? -1 : s_reply_complaint (call, complaint_id);
}

static const as_stmt_t s_reply = { "survey_complaint_reply",
    "UPDATE complaints SET state = CASE WHEN state = 'open' THEN 'replied' ELSE state END, replied_at = now(),"
    " reply = $2 WHERE complaint_id = $1 AND replied_at IS NULL AND state IN ('open', 'escalated')"
    " RETURNING case_id, rfc3339(replied_at), replied_at <= reply_due" };
static const as_stmt_t s_escalate = { "survey_complaint_escalate",
    "UPDATE complaints SET state = 'escalated', escalated_at = now(), escalation_reason = $2, escalated_to = $3"
    " WHERE complaint_id = $1 AND state IN ('open', 'replied')"
    " RETURNING case_id, rfc3339(escalated_at), true" };
static const as_stmt_t s_resolve = { "survey_complaint_resolve",
    "UPDATE complaints SET state = 'resolved', resolved_at = now(), resolution = $2"
    " WHERE complaint_id = $1 AND state IN ('open', 'replied', 'escalated')"
    " RETURNING case_id, rfc3339(resolved_at), resolved_at <= resolve_due" };
static const as_stmt_t s_close = { "survey_complaint_close",
    "UPDATE complaints SET state = 'closed', closed_at = now()"
    " WHERE complaint_id = $1 AND state = 'resolved'"
    " RETURNING case_id, rfc3339(closed_at), true" };

int
survey_complaint_reply (as_call_t *call)
{
    return s_move (call, &s_reply, "reply", "reply", "complaint.replied", "replied_at");
}

int
survey_complaint_escalate (as_call_t *call)
{
    return s_move (call, &s_escalate, "escalate", "reason", "complaint.escalated", "escalated_at");
}

int
survey_complaint_resolve (as_call_t *call)
{
    return s_move (call, &s_resolve, "resolve", "resolution", "complaint.resolved", "resolved_at");
}

int
survey_complaint_close (as_call_t *call)
{
    return s_move (call, &s_close, "close", NULL, NULL, NULL);
}

//  --- Customers at risk ----------------------------------------------------------------

static const as_stmt_t s_flag = { "survey_flag_risk",
    "INSERT INTO at_risk (customer_id, reason, detail) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING RETURNING rfc3339(since)" };

int
survey_flag_risk (as_service_t *service, as_pg_t *pg, int64_t customer_id, const char *reason,
                  const char *detail, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, customer_id);
    as_pgp_str (&params, reason);
    as_pgp_str (&params, detail);
    PGresult *row = as_pg_run (pg, &s_flag, &params, err);
    if (!row)
        return -1;
    if (PQntuples (row) == 0) {
        PQclear (row);
        return 0;
    }
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 4);
    as_pack_kv_int (&pk, "customer_id", customer_id);
    as_pack_kv_str (&pk, "reason", reason);
    as_pack_kv_str (&pk, "detail", detail);
    as_pack_kv_str (&pk, "since", as_pg_get_str (row, 0, 0));
    PQclear (row);
    as_service_count (service, "customers_at_risk", 1);
    return survey_emit_packed (service, "customer.at_risk", "customer", customer_id, &data, err);
}

static const as_stmt_t s_overdue = { "survey_complaints_overdue",
    "UPDATE complaints SET overdue_flagged = true WHERE complaint_id IN (SELECT complaint_id FROM complaints"
    "  WHERE NOT overdue_flagged AND state NOT IN ('resolved', 'closed')"
    "  AND ((replied_at IS NULL AND reply_due < now()) OR resolve_due < now())"
    "  ORDER BY complaint_id LIMIT 500 FOR UPDATE SKIP LOCKED)"
    " RETURNING complaint_id, customer_id, CASE WHEN replied_at IS NULL AND reply_due < now()"
    "  THEN 'first reply' ELSE 'solution' END, rfc3339(CASE WHEN replied_at IS NULL AND reply_due < now()"
    "  THEN reply_due ELSE resolve_due END)" };

int
survey_complaints_overdue (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err)
{
    PGresult *rows = as_pg_run (pg, &s_overdue, NULL, err);
    if (!rows)
        return -1;
    int rc = 0;
    for (int row = 0; row < PQntuples (rows) && rc == 0; row++) {
        char detail [160];
        snprintf (detail, sizeof detail, "complaint %s: %s was due at %s", as_pg_get_str (rows, row, 0),
                  as_pg_get_str (rows, row, 2), as_pg_get_str (rows, row, 3));
        rc = survey_flag_risk (service, pg, as_pg_get_int (rows, row, 1), "complaint_overdue", detail, err);
    }
    *count = PQntuples (rows);
    PQclear (rows);
    return rc;
}

static const as_stmt_t s_risk_list = { "survey_risk_list",
    "SELECT customer_id, reason, detail, rfc3339(since) FROM at_risk ORDER BY since, customer_id, reason LIMIT $1" };

int
survey_risk_list (as_call_t *call)
{
    int64_t limit = 100;
    as_obj_int (call->params, "limit", &limit);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, limit);
    PGresult *rows = as_pg_run (call->pg, &s_risk_list, &params, call->err);
    if (!rows)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "customers");
    msgpack_pack_array (call->result, (size_t) PQntuples (rows));
    for (int row = 0; row < PQntuples (rows); row++) {
        msgpack_pack_map (call->result, 4);
        as_pack_kv_int (call->result, "customer_id", as_pg_get_int (rows, row, 0));
        as_pack_kv_str (call->result, "reason", as_pg_get_str (rows, row, 1));
        as_pack_kv_str (call->result, "detail", as_pg_get_str (rows, row, 2));
        as_pack_kv_str (call->result, "since", as_pg_get_str (rows, row, 3));
    }
    PQclear (rows);
    return 0;
}
