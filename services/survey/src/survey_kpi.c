/*  survey_kpi: the quality KPIs of a month from the read model, by
    engineer, station, product category or all, optionally per local week.
    Every KPI is defined in services/survey/README.md; the SQL below is
    that definition, one CTE per family, each with its anchor time.        */
#include "survey.h"
#include "as_msg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const as_stmt_t s_kpis = { "survey_kpis", "SELECT * FROM kpi_report($1, $2, $3, $4, $5, $6)" };

//  Columns packed as integers; "group" and "week" as text; the rest floats.
static bool
s_integer_column (const char *name)
{
    static const char *names [] = { "visits_completed", "cases_completed", "surveys_answered", "complaints", "free",
                                    "contract", "paid", "other", "avg_invoice_fen", "promises_breached", NULL };
    for (const char **each = names; *each; each++)
        if (!strcmp (*each, name))
            return true;
    return false;
}

static void
s_pack_rows (msgpack_packer *pk, const PGresult *rows, bool weekly)
{
    int count = 0;
    for (int row = 0; row < PQntuples (rows); row++)
        count += PQgetisnull (rows, row, 1) != weekly;
    msgpack_pack_array (pk, (size_t) count);
    for (int row = 0; row < PQntuples (rows); row++) {
        if (PQgetisnull (rows, row, 1) == weekly)
            continue;
        msgpack_pack_map (pk, (size_t) PQnfields (rows) - !weekly);
        for (int column = 0; column < PQnfields (rows); column++) {
            const char *name = PQfname (rows, column);
            if (column == 1 && !weekly)
                continue;
            as_pack_str (pk, name);
            if (PQgetisnull (rows, row, column))
                msgpack_pack_nil (pk);
            else
            if (column <= 1)
                as_pack_str (pk, as_pg_get_str (rows, row, column));
            else
            if (s_integer_column (name))
                msgpack_pack_int64 (pk, as_pg_get_int (rows, row, column));
            else
                msgpack_pack_double (pk, strtod (as_pg_get_str (rows, row, column), NULL));
        }
    }
}

static PGresult *
s_query (as_call_t *call, const char *period, const char *by, bool weekly)
{
    const survey_config_t *config = survey_config (call->service);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, period);
    as_pgp_str (&params, by);
    as_pgp_str (&params, config->zone);
    as_pgp_bool (&params, weekly);
    as_pgp_int (&params, config->first_contact_minutes);
    as_pgp_int (&params, config->first_fix_days);
    return as_pg_run (call->pg, &s_kpis, &params, call->err);
}

int
survey_kpi_query (as_call_t *call)
{
    char period [AS_TEXT_SIZE (7)], by [16];
    bool weekly = false;
    if (as_obj_text (call->params, NULL, "period", period, sizeof period, call->err)
    ||  as_obj_text_or (call->params, NULL, "by", by, sizeof by, "all", call->err))
        return -1;
    as_obj_bool (call->params, "weekly", &weekly);
    int64_t day;
    char first [16];
    snprintf (first, sizeof first, "%.7s-01", period);
    if (!survey_date_parse (first, &day))
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "period '%s' is not a month YYYY-MM", period);
    PGresult *totals = s_query (call, period, by, false);
    if (!totals)
        return -1;
    PGresult *weeks = weekly ? s_query (call, period, by, true) : NULL;
    if (weekly && !weeks) {
        PQclear (totals);
        return -1;
    }
    msgpack_pack_map (call->result, 4 + weekly);
    as_pack_kv_str (call->result, "period", period);
    as_pack_kv_str (call->result, "by", by);
    as_pack_kv_str (call->result, "zone", survey_config (call->service)->zone);
    as_pack_str (call->result, "groups");
    s_pack_rows (call->result, totals, false);
    if (weekly) {
        as_pack_str (call->result, "weeks");
        s_pack_rows (call->result, weeks, true);
    }
    PQclear (totals);
    PQclear (weeks);
    return 0;
}

//  --- Promises --------------------------------------------------------------------

static const as_stmt_t s_promises = { "survey_promises",
    "SELECT case_id, visit_id, promise, rfc3339(anchor_at), rfc3339(due_at), rfc3339(met_at), state"
    " FROM case_promises($1::int, $2) WHERE ($3::bigint IS NULL OR case_id = $3)"
    " AND ($4::text IS NULL OR state = $4) AND ($5::text IS NULL OR promise = $5)"
    " ORDER BY due_at, case_id, promise, visit_id LIMIT $6" };

int
survey_promise_list (as_call_t *call)
{
    const survey_config_t *config = survey_config (call->service);
    int64_t case_id = 0, limit = 100;
    char state [16], promise [32];
    if (as_obj_text (call->params, NULL, "state", state, sizeof state, call->err)
    ||  as_obj_text (call->params, NULL, "promise", promise, sizeof promise, call->err))
        return -1;
    as_obj_int (call->params, "limit", &limit);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, config->first_contact_minutes);
    as_pgp_str (&params, config->zone);
    if (as_obj_int (call->params, "case_id", &case_id))
        as_pgp_int (&params, case_id);
    else
        as_pgp_null (&params);
    as_pgp_str (&params, *state ? state : NULL);
    as_pgp_str (&params, *promise ? promise : NULL);
    as_pgp_int (&params, limit);
    PGresult *rows = as_pg_run (call->pg, &s_promises, &params, call->err);
    if (!rows)
        return -1;
    static const char *keys [] = { "case_id", "visit_id", "promise", "anchor_at", "due_at", "met_at", "state" };
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "promises");
    msgpack_pack_array (call->result, (size_t) PQntuples (rows));
    for (int row = 0; row < PQntuples (rows); row++) {
        int fields = 0;
        for (int column = 0; column < 7; column++)
            fields += !PQgetisnull (rows, row, column);
        msgpack_pack_map (call->result, (size_t) fields);
        for (int column = 0; column < 7; column++) {
            if (PQgetisnull (rows, row, column))
                continue;
            if (column < 2)
                as_pack_kv_int (call->result, keys [column], as_pg_get_int (rows, row, column));
            else
                as_pack_kv_str (call->result, keys [column], as_pg_get_str (rows, row, column));
        }
    }
    PQclear (rows);
    return 0;
}
