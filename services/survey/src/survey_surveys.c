/*  survey_surveys: one satisfaction survey per completed visit. States
    scheduled -> sent -> answered | expired. The timer sends the due ones
    (a notification.requested event for the company's messaging system)
    and expires those nobody answered in time.                            */
#include "survey.h"
#include "as_log.h"
#include "as_msg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_scores [] = { "attitude", "technical", "punctuality", "transparency", "cost_fairness",
                                   "overall" };
#define S_SCORES 6

int
survey_emit_packed (as_service_t *service, const char *type, const char *subject_kind, int64_t id,
                    msgpack_sbuffer *data, as_error_t *err)
{
    char subject [64];
    snprintf (subject, sizeof subject, "%s/%lld", subject_kind, (long long) id);
    int rc = as_service_emit (service, type, subject, data->data, data->size, err);
    msgpack_sbuffer_destroy (data);
    return rc;
}

void
survey_pack_kv_col (msgpack_packer *pk, const char *key, const PGresult *row, int column)
{
    as_pack_str (pk, key);
    as_pack_str (pk, as_pg_get_str (row, 0, column));
}

//  --- Scheduling ------------------------------------------------------------------

static const as_stmt_t s_case_contact = { "survey_case_contact",
    "SELECT phone IS NOT NULL, email IS NOT NULL FROM cases WHERE case_id = $1" };
//  The token: 244 random bits from two version-4 UUIDs (a CSPRNG in PostgreSQL).
static const as_stmt_t s_insert = { "survey_insert",
    "INSERT INTO surveys (visit_id, case_id, token, channel, due_at, expires_at)"
    " VALUES ($1, $2, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), $3,"
    "  $4::timestamptz, $5::timestamptz)"
    " ON CONFLICT (visit_id) DO NOTHING RETURNING survey_id" };

static const char *
s_channel (bool has_phone, bool has_email, bool prefer_email)
{
    if (has_email && (prefer_email || !has_phone))
        return "email";
    return has_phone ? "sms" : "phone_call";
}

int
survey_schedule (as_service_t *service, as_pg_t *pg, int64_t visit_id, int64_t case_id,
                 const char *completed_at, as_error_t *err)
{
    const survey_config_t *config = survey_config (service);
    int64_t completed;
    if (!survey_time_parse (completed_at, &completed))
        return as_error_set (err, AS_INVALID_ARGUMENT, "completed_at '%s' is not a time", completed_at);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    PGresult *row = as_pg_run (pg, &s_case_contact, &params, err);
    if (!row)
        return -1;
    bool known = PQntuples (row) == 1;
    const char *channel = s_channel (known && as_pg_get_bool (row, 0, 0), known && as_pg_get_bool (row, 0, 1),
                                     config->prefer_email);
    PQclear (row);
    char due [32], expires [32];
    int64_t due_at = survey_due_at (config->zone, completed, config->send_days_after, config->send_minute);
    survey_time_format (due_at, due);
    survey_time_format (due_at + (int64_t) config->expire_days * 86400, expires);
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, channel);
    as_pgp_str (&params, due);
    as_pgp_str (&params, expires);
    row = as_pg_run (pg, &s_insert, &params, err);
    if (!row)
        return -1;
    int64_t survey_id = PQntuples (row) == 1 ? as_pg_get_int (row, 0, 0) : 0;
    PQclear (row);
    if (!survey_id)
        return 0;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 6);
    as_pack_kv_int (&pk, "survey_id", survey_id);
    as_pack_kv_int (&pk, "visit_id", visit_id);
    as_pack_kv_int (&pk, "case_id", case_id);
    as_pack_kv_str (&pk, "channel", channel);
    as_pack_kv_str (&pk, "due_at", due);
    as_pack_kv_str (&pk, "expires_at", expires);
    as_service_count (service, "surveys_scheduled", 1);
    return survey_emit_packed (service, "survey.scheduled", "survey", survey_id, &data, err);
}

//  --- Reading surveys --------------------------------------------------------------

#define S_SURVEY_COLUMNS \
    " s.survey_id, s.visit_id, s.case_id, s.state, s.channel, v.engineer_id, v.station_id," \
    " rfc3339(s.due_at), rfc3339(s.expires_at), rfc3339(s.sent_at), rfc3339(s.answered_at), s.token," \
    " s.attitude, s.technical, s.punctuality, s.transparency, s.cost_fairness, s.overall, s.nps, s.suggestion" \
    " FROM surveys s LEFT JOIN visits v ON v.visit_id = s.visit_id"

static const as_stmt_t s_get = { "survey_get", "SELECT" S_SURVEY_COLUMNS " WHERE s.survey_id = $1" };
static const as_stmt_t s_list = { "survey_list",
    "SELECT" S_SURVEY_COLUMNS " WHERE ($1::text IS NULL OR s.state = $1) AND ($2::bigint IS NULL OR s.case_id = $2)"
    " ORDER BY s.survey_id DESC LIMIT $3" };

static void
s_pack_int_or_nil (msgpack_packer *pk, const PGresult *rows, int row, int column)
{
    if (PQgetisnull (rows, row, column))
        msgpack_pack_nil (pk);
    else
        msgpack_pack_int64 (pk, as_pg_get_int (rows, row, column));
}

static void
s_pack_survey (msgpack_packer *pk, const PGresult *rows, int row, bool with_token)
{
    static const char *keys [] = { "survey_id", "visit_id", "case_id", "state", "channel", "engineer_id",
        "station_id", "due_at", "expires_at", "sent_at", "answered_at" };
    msgpack_pack_map (pk, 14 + with_token);
    for (int column = 0; column < 11; column++) {
        as_pack_str (pk, keys [column]);
        if (column < 3 || column == 5 || column == 6)
            s_pack_int_or_nil (pk, rows, row, column);
        else
            as_pack_str (pk, as_pg_get_str (rows, row, column));
    }
    if (with_token)
        as_pack_kv_str (pk, "token", as_pg_get_str (rows, row, 11));
    as_pack_str (pk, "scores");
    if (PQgetisnull (rows, row, 12))
        msgpack_pack_nil (pk);
    else {
        msgpack_pack_map (pk, S_SCORES);
        for (int index = 0; index < S_SCORES; index++)
            as_pack_kv_int (pk, s_scores [index], as_pg_get_int (rows, row, 12 + index));
    }
    as_pack_str (pk, "nps");
    s_pack_int_or_nil (pk, rows, row, 18);
    as_pack_str (pk, "suggestion");
    as_pack_str (pk, as_pg_get_str (rows, row, 19));
}

static int
s_reply_survey (as_call_t *call, int64_t survey_id)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, survey_id);
    PGresult *rows = as_pg_run (call->pg, &s_get, &params, call->err);
    if (!rows)
        return -1;
    if (PQntuples (rows) != 1) {
        PQclear (rows);
        return as_error_set (call->err, AS_NOT_FOUND, "no survey %lld", (long long) survey_id);
    }
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "survey");
    s_pack_survey (call->result, rows, 0, true);
    PQclear (rows);
    return 0;
}

int
survey_get (as_call_t *call)
{
    int64_t survey_id = 0;
    as_obj_int (call->params, "survey_id", &survey_id);
    return s_reply_survey (call, survey_id);
}

int
survey_list (as_call_t *call)
{
    char state [16];
    int64_t case_id = 0, limit = 50;
    if (as_obj_text (call->params, NULL, "state", state, sizeof state, call->err))
        return -1;
    as_obj_int (call->params, "case_id", &case_id);
    as_obj_int (call->params, "limit", &limit);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, state [0] ? state : NULL);
    if (case_id)
        as_pgp_int (&params, case_id);
    else
        as_pgp_null (&params);
    as_pgp_int (&params, limit);
    PGresult *rows = as_pg_run (call->pg, &s_list, &params, call->err);
    if (!rows)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "surveys");
    msgpack_pack_array (call->result, (size_t) PQntuples (rows));
    for (int row = 0; row < PQntuples (rows); row++)
        s_pack_survey (call->result, rows, row, false);
    PQclear (rows);
    return 0;
}

//  --- Answers ------------------------------------------------------------------------

static const as_stmt_t s_by_token = { "survey_by_token",
    "SELECT s.survey_id, s.state, rfc3339(s.expires_at), s.expires_at <= now(), rfc3339(s.answered_at), c.customer_id"
    " FROM surveys s LEFT JOIN cases c ON c.case_id = s.case_id WHERE s.token = $1 FOR UPDATE OF s" };
static const as_stmt_t s_record = { "survey_record_answer",
    "UPDATE surveys s SET state = 'answered', answered_at = now(), attitude = $2, technical = $3, punctuality = $4,"
    " transparency = $5, cost_fairness = $6, overall = $7, nps = $8, suggestion = $9"
    " WHERE s.survey_id = $1 RETURNING s.visit_id, s.case_id,"
    " (SELECT engineer_id FROM visits v WHERE v.visit_id = s.visit_id),"
    " (SELECT station_id FROM visits v WHERE v.visit_id = s.visit_id), rfc3339(s.answered_at)" };

//  Which survey the token opens, refusing used and expired ones.
static int
s_open_token (as_call_t *call, const char *token, int64_t *survey_id, int64_t *customer_id)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, token);
    PGresult *row = as_pg_run (call->pg, &s_by_token, &params, call->err);
    if (!row)
        return -1;
    int rc = 0;
    if (PQntuples (row) != 1)
        rc = as_error_set (call->err, AS_NOT_FOUND, "no survey has this token");
    else
    if (!strcmp (as_pg_get_str (row, 0, 1), "answered"))
        rc = as_error_set (call->err, AS_FAILED_PRECONDITION, "this survey was already answered at %s",
                           as_pg_get_str (row, 0, 4));
    else
    if (!strcmp (as_pg_get_str (row, 0, 1), "expired") || as_pg_get_bool (row, 0, 3))
        rc = as_error_set (call->err, AS_FAILED_PRECONDITION, "this survey expired at %s", as_pg_get_str (row, 0, 2));
    else {
        *survey_id = as_pg_get_int (row, 0, 0);
        *customer_id = PQgetisnull (row, 0, 5) ? 0 : as_pg_get_int (row, 0, 5);
    }
    PQclear (row);
    return rc;
}

static void
s_pack_answered (msgpack_sbuffer *data, int64_t survey_id, const PGresult *row, const int64_t *scores, int64_t nps)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 8);
    as_pack_kv_int (&pk, "survey_id", survey_id);
    as_pack_kv_int (&pk, "visit_id", as_pg_get_int (row, 0, 0));
    as_pack_kv_int (&pk, "case_id", as_pg_get_int (row, 0, 1));
    as_pack_str (&pk, "engineer_id");
    s_pack_int_or_nil (&pk, row, 0, 2);
    as_pack_str (&pk, "station_id");
    s_pack_int_or_nil (&pk, row, 0, 3);
    as_pack_str (&pk, "scores");
    msgpack_pack_map (&pk, S_SCORES);
    for (int index = 0; index < S_SCORES; index++)
        as_pack_kv_int (&pk, s_scores [index], scores [index]);
    as_pack_kv_int (&pk, "nps", nps);
    as_pack_kv_str (&pk, "answered_at", as_pg_get_str (row, 0, 4));
}

//  A low score puts the customer at risk, once.
static int
s_check_low_score (as_call_t *call, int64_t customer_id, const int64_t *scores)
{
    int low = survey_config (call->service)->low_score;
    for (int index = 0; customer_id && index < S_SCORES; index++)
        if (scores [index] <= low) {
            char detail [128];
            snprintf (detail, sizeof detail, "scored %s %lld of 5 in a survey", s_scores [index],
                      (long long) scores [index]);
            return survey_flag_risk (call->service, call->pg, customer_id, "low_score", detail, call->err);
        }
    return 0;
}

int
survey_answer (as_call_t *call)
{
    char token [AS_TEXT_SIZE (64)];
    int64_t scores [S_SCORES], nps = -1, survey_id = 0, customer_id = 0;
    if (as_obj_text (call->params, NULL, "token", token, sizeof token, call->err))
        return -1;
    for (int index = 0; index < S_SCORES; index++)
        if (!as_obj_int (call->params, s_scores [index], &scores [index]) || scores [index] < 1 || scores [index] > 5)
            return as_error_set (call->err, AS_INVALID_ARGUMENT, "%s must be a score from 1 to 5", s_scores [index]);
    if (!as_obj_int (call->params, "nps", &nps) || nps < 0 || nps > 10)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "nps must be from 0 to 10");
    if (s_open_token (call, token, &survey_id, &customer_id))
        return -1;
    char *suggestion = as_obj_strdup (call->params, "suggestion");
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, survey_id);
    for (int index = 0; index < S_SCORES; index++)
        as_pgp_int (&params, scores [index]);
    as_pgp_int (&params, nps);
    as_pgp_str (&params, suggestion);
    PGresult *row = as_pg_run (call->pg, &s_record, &params, call->err);
    free (suggestion);
    if (!row)
        return -1;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    s_pack_answered (&data, survey_id, row, scores, nps);
    PQclear (row);
    if (survey_emit_packed (call->service, "survey.answered", "survey", survey_id, &data, call->err)
    ||  s_check_low_score (call, customer_id, scores))
        return -1;
    return s_reply_survey (call, survey_id);
}

//  --- The timer -------------------------------------------------------------------------

static const as_stmt_t s_expire = { "survey_expire",
    "UPDATE surveys SET state = 'expired', expired_at = now()"
    " WHERE state IN ('scheduled', 'sent') AND expires_at <= now()" };
//  Due surveys of cases whose contact is known; the channel is chosen now,
//  with the newest contact data.
static const as_stmt_t s_send = { "survey_send",
    "UPDATE surveys s SET state = 'sent', sent_at = now(),"
    "  channel = CASE WHEN c.email IS NOT NULL AND ($1 OR c.phone IS NULL) THEN 'email' ELSE 'sms' END"
    " FROM cases c WHERE c.case_id = s.case_id AND (c.phone IS NOT NULL OR c.email IS NOT NULL)"
    " AND s.survey_id IN (SELECT survey_id FROM surveys WHERE state = 'scheduled' AND due_at <= now()"
    "  ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED)"
    " RETURNING s.survey_id, s.case_id, c.customer_id, s.channel, CASE WHEN s.channel = 'email' THEN c.email"
    "  ELSE c.phone END, s.token, rfc3339(s.expires_at)" };

void
survey_pack_notification (msgpack_packer *pk, const char *purpose, size_t extra,
                          const PGresult *rows, int row)
{
    msgpack_pack_map (pk, 5 + extra);
    as_pack_kv_str (pk, "purpose", purpose);
    as_pack_kv_str (pk, "channel", as_pg_get_str (rows, row, 3));
    as_pack_kv_str (pk, "recipient", as_pg_get_str (rows, row, 4));
    as_pack_kv_int (pk, "customer_id", PQgetisnull (rows, row, 2) ? 0 : as_pg_get_int (rows, row, 2));
    as_pack_kv_int (pk, "case_id", as_pg_get_int (rows, row, 1));
}

static int
s_notify (as_service_t *service, as_pg_t *pg, const PGresult *rows, int row, as_error_t *err)
{
    (void) pg;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    survey_pack_notification (&pk, "survey", 3, rows, row);
    as_pack_kv_int (&pk, "survey_id", as_pg_get_int (rows, row, 0));
    as_pack_kv_str (&pk, "token", as_pg_get_str (rows, row, 5));
    as_pack_kv_str (&pk, "expires_at", as_pg_get_str (rows, row, 6));
    return survey_emit_packed (service, "notification.requested", "survey", as_pg_get_int (rows, row, 0), &data, err);
}

int
survey_send_each (as_service_t *service, as_pg_t *pg, const as_stmt_t *before, const as_stmt_t *send,
                  survey_row_fn *each, int *count, as_error_t *err)
{
    int64_t done_before = as_pg_do (pg, before, NULL, err);
    if (done_before < 0)
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_bool (&params, survey_config (service)->prefer_email);
    PGresult *rows = as_pg_run (pg, send, &params, err);
    if (!rows)
        return -1;
    int rc = 0, sent = PQntuples (rows);
    for (int row = 0; row < sent && rc == 0; row++)
        rc = each (service, pg, rows, row, err);
    *count = (int) done_before + sent;
    PQclear (rows);
    return rc ? -1 : sent;
}

int
survey_send_due (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err)
{
    int sent = survey_send_each (service, pg, &s_expire, &s_send, s_notify, count, err);
    if (sent > 0)
        as_service_count (service, "surveys_sent", sent);
    return sent < 0 ? -1 : 0;
}
