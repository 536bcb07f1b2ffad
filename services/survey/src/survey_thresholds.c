/*  survey_thresholds: KPI thresholds (SURVEY_THRESHOLDS_FILE) checked by
    the timer over the KPI read model. Each threshold names a KPI column of
    kpi_report, a grouping and a bound; it judges the unrounded value
    (kpi_values: 69.95 % is below 70 though the report shows 70.0). Every
    (kpi, group, period) of the recent months (SURVEY_THRESHOLD_MONTHS,
    current month included) that crosses it emits kpi.threshold_breached
    once; a group back within its threshold is re-armed, so a later
    crossing is announced again.                                           */
#include "survey.h"
#include "as_msg.h"
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  kpi_report's value columns (the SQL reads the one named by parameter).
static const char *s_kpis [] = { "visits_completed", "cases_completed", "surveys_answered", "attitude",
    "technical", "punctuality", "transparency", "cost_fairness", "overall", "nps", "first_time_fix_pct",
    "repeat_repair_pct", "first_contact_median_min", "first_contact_p90_min", "report_to_visit_median_min",
    "report_to_visit_p90_min", "first_contact_on_time_pct", "on_time_arrival_pct", "parts_24h_pct",
    "survey_sent_on_time_pct", "complaints", "complaint_rate_pct", "complaint_reply_on_time_pct", "free",
    "contract", "paid", "other", "avg_invoice_fen", "warranty_response_pct", "progress_notice_pct",
    "onsite_repair_pct", "workshop_repair_pct", "promises_kept_pct", "promises_breached", NULL };

static bool
s_known (const char *const *names, const char *name)
{
    for (; *names; names++)
        if (!strcmp (*names, name))
            return true;
    return false;
}

static int
s_parse_one (const cJSON *item, survey_threshold_t *threshold, char *why, size_t size)
{
    static const char *groupings [] = { "engineer", "station", "region", "category", "all", NULL };
    const cJSON *kpi = cJSON_GetObjectItemCaseSensitive (item, "kpi");
    const cJSON *by = cJSON_GetObjectItemCaseSensitive (item, "by");
    const cJSON *below = cJSON_GetObjectItemCaseSensitive (item, "below");
    const cJSON *above = cJSON_GetObjectItemCaseSensitive (item, "above");
    static const char *counts [] = { "visits_completed", "cases_completed", "surveys_answered", "complaints", NULL };
    const cJSON *sample = cJSON_GetObjectItemCaseSensitive (item, "sample");
    const cJSON *min_sample = cJSON_GetObjectItemCaseSensitive (item, "min_sample");
    const char *problem = !cJSON_IsString (kpi) || !s_known (s_kpis, kpi->valuestring) ? "kpi must name a KPI column"
                        : !cJSON_IsString (by) || !s_known (groupings, by->valuestring)
                        ? "by must be engineer, station, region, category or all"
                        : cJSON_IsNumber (below) == cJSON_IsNumber (above) ? "give one number: below or above"
                        : (sample || min_sample) && !(cJSON_IsNumber (min_sample) && min_sample->valuedouble >= 1
                                                      && cJSON_IsString (sample) && s_known (counts, sample->valuestring))
                        ? "min_sample (a number >= 1) goes with sample: visits_completed, cases_completed, "
                          "surveys_answered or complaints" : NULL;
    if (problem) {
        snprintf (why, size, "%s", problem);
        return -1;
    }
    snprintf (threshold->kpi, sizeof threshold->kpi, "%s", kpi->valuestring);
    snprintf (threshold->by, sizeof threshold->by, "%s", by->valuestring);
    threshold->above = cJSON_IsNumber (above);
    threshold->bound = threshold->above ? above->valuedouble : below->valuedouble;
    snprintf (threshold->sample, sizeof threshold->sample, "%s", sample ? sample->valuestring : "");
    threshold->min_sample = min_sample ? min_sample->valuedouble : 0;
    return 0;
}

int
survey_thresholds_parse (survey_config_t *config, const char *json, char *why, size_t size)
{
    cJSON *root = cJSON_Parse (json);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive (root, "thresholds");
    config->threshold_count = 0;
    int rc = 0, index = 0;
    if (!cJSON_IsArray (list)) {
        snprintf (why, size, "need {\"thresholds\": [...]}");
        rc = -1;
    }
    for (const cJSON *item = rc ? NULL : list->child; item && rc == 0; item = item->next, index++) {
        char what [128];
        if (index == SURVEY_THRESHOLDS_MAX) {
            snprintf (why, size, "more than %d thresholds", SURVEY_THRESHOLDS_MAX);
            rc = -1;
        }
        else
        if (s_parse_one (item, &config->thresholds [index], what, sizeof what)) {
            snprintf (why, size, "thresholds[%d]: %s", index, what);
            rc = -1;
        }
    }
    config->threshold_count = rc ? 0 : index;
    cJSON_Delete (root);
    return rc;
}

//  The months checked: the recent ones (current included) that have facts.
static const as_stmt_t s_periods = { "survey_threshold_periods",
    "SELECT DISTINCT to_char(t AT TIME ZONE $1, 'YYYY-MM') FROM"
    " (SELECT completed_at t FROM visits UNION ALL SELECT reported_at FROM cases"
    "  UNION ALL SELECT opened_at FROM complaints) facts"
    " WHERE t >= (date_trunc('month', now() AT TIME ZONE $1) - make_interval(months => $2::int - 1)) AT TIME ZONE $1"
    " ORDER BY 1" };
//  One KPI of one month: a group back within bounds is re-armed, a group
//  newly past it is returned. The 'unknown' group (facts of no engineer
//  or station yet) is nobody's; a group whose sample ($9, a count column)
//  is under $10 is not judged either way. The report is materialised once: inlined
//  into the statement, the planner repeats it.
static const as_stmt_t s_check = { "survey_threshold_check",
    "WITH report AS MATERIALIZED (SELECT * FROM kpi_values($8, $1, $2, false, $3::int, $4::int)),"
    " vals AS (SELECT r.\"group\" grp, (to_jsonb(r) ->> $5)::float8 val FROM report r WHERE r.\"group\" <> 'unknown'"
    "  AND ($9::text IS NULL OR (to_jsonb(r) ->> $9)::float8 >= $10::float8)),"
    " judged AS (SELECT grp, val, CASE WHEN $6 = 'below' THEN val < $7::float8 ELSE val > $7::float8 END past"
    "  FROM vals WHERE val IS NOT NULL),"
    " rearmed AS (UPDATE kpi_breaches b SET breached = false, value = j.val FROM judged j"
    "  WHERE b.kpi = $5 AND b.direction = $6 AND b.by_what = $1 AND b.grp = j.grp AND b.period = $8"
    "  AND b.breached AND NOT j.past RETURNING 1)"
    " INSERT INTO kpi_breaches (kpi, direction, by_what, grp, period, threshold, value, breached)"
    " SELECT $5, $6, $1, grp, $8, $7::float8, val, true FROM judged WHERE past"
    " ON CONFLICT (kpi, direction, by_what, grp, period) DO UPDATE SET breached = true, value = EXCLUDED.value,"
    "  threshold = EXCLUDED.threshold, since = now(), crossings = kpi_breaches.crossings + 1"
    "  WHERE NOT kpi_breaches.breached"
    " RETURNING grp, period, value, rfc3339(since), crossings" };

static int
s_emit_breach (as_service_t *service, const survey_threshold_t *threshold, const PGresult *rows, int row,
               as_error_t *err)
{
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 8);
    as_pack_kv_str (&pk, "kpi", threshold->kpi);
    as_pack_kv_str (&pk, "by", threshold->by);
    as_pack_kv_str (&pk, "group", as_pg_get_str (rows, row, 0));
    as_pack_kv_str (&pk, "period", as_pg_get_str (rows, row, 1));
    as_pack_kv_str (&pk, "direction", threshold->above ? "above" : "below");
    as_pack_str (&pk, "threshold");
    msgpack_pack_double (&pk, threshold->bound);
    as_pack_str (&pk, "value");
    msgpack_pack_double (&pk, strtod (as_pg_get_str (rows, row, 2), NULL));
    as_pack_kv_str (&pk, "since", as_pg_get_str (rows, row, 3));
    char subject [160];
    snprintf (subject, sizeof subject, "kpi/%s", threshold->kpi);
    int rc = as_service_emit (service, "kpi.threshold_breached", subject, data.data, data.size, err);
    msgpack_sbuffer_destroy (&data);
    return rc;
}

static int
s_check_one (as_service_t *service, as_pg_t *pg, const survey_threshold_t *threshold, const char *period, int *count,
             as_error_t *err)
{
    const survey_config_t *config = survey_config (service);
    char bound [40];
    snprintf (bound, sizeof bound, "%.17g", threshold->bound);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, threshold->by);
    as_pgp_str (&params, config->zone);
    as_pgp_int (&params, config->first_contact_minutes);
    as_pgp_int (&params, config->first_fix_days);
    as_pgp_str (&params, threshold->kpi);
    as_pgp_str (&params, threshold->above ? "above" : "below");
    as_pgp_str (&params, bound);
    as_pgp_str (&params, period);
    char min_sample [40];
    snprintf (min_sample, sizeof min_sample, "%.17g", threshold->min_sample);
    as_pgp_str (&params, *threshold->sample ? threshold->sample : NULL);
    as_pgp_str (&params, min_sample);
    PGresult *rows = as_pg_run (pg, &s_check, &params, err);
    if (!rows)
        return -1;
    int rc = 0;
    for (int row = 0; row < PQntuples (rows) && rc == 0; row++)
        rc = s_emit_breach (service, threshold, rows, row, err);
    *count += PQntuples (rows);
    PQclear (rows);
    return rc;
}

int
survey_thresholds_check (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err)
{
    const survey_config_t *config = survey_config (service);
    *count = 0;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, config->zone);
    as_pgp_int (&params, config->threshold_months);
    PGresult *periods = as_pg_run (pg, &s_periods, &params, err);
    if (!periods)
        return -1;
    int rc = 0;
    for (int row = 0; row < PQntuples (periods) && rc == 0; row++)
        for (int index = 0; index < config->threshold_count && rc == 0; index++)
            rc = s_check_one (service, pg, &config->thresholds [index], as_pg_get_str (periods, row, 0), count, err);
    PQclear (periods);
    return rc;
}
