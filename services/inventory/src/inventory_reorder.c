/*  inventory_reorder: reorder points from the issue history.

    Demand for spare parts is intermittent: most days a station issues none
    of a part, then one or two. Plain exponential smoothing of the daily
    series chases the zeros and spikes; Croston's method smooths the size of
    the non-zero demands (z) and the interval between them (p) separately
    and forecasts z / p per day. Croston's estimate is biased high; the
    Syntetos-Boylan approximation (SBA) multiplies it by (1 - alpha / 2).
    The spread is the root mean square of the one-step-ahead errors of that
    forecast on the daily series; over a lead time of L days (independent
    days) it grows with sqrt(L). Then, for service level s:

        safety stock  = z_s * sigma * sqrt(L)
        reorder point = ceil(rate * L + safety stock)

    These are quantities of parts, not money, so double is fine here.     */
#include "inventory.h"
#include "as_log.h"
#include "as_msg.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double
inventory_normal_quantile (double p)
{
    static const double a [] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                  1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
    static const double b [] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                  6.680131188771972e+01, -1.328068155288572e+01 };
    static const double c [] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
    static const double d [] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00 };
    if (p <= 0 || p >= 1)
        return 0;
    double low = 0.02425;
    if (p < low || p > 1 - low) {
        double q = sqrt (-2 * log (p < low ? p : 1 - p));
        double x = (((((c [0] * q + c [1]) * q + c [2]) * q + c [3]) * q + c [4]) * q + c [5])
                 / ((((d [0] * q + d [1]) * q + d [2]) * q + d [3]) * q + 1);
        return p < low ? x : -x;
    }
    double q = p - 0.5, r = q * q;
    return (((((a [0] * r + a [1]) * r + a [2]) * r + a [3]) * r + a [4]) * r + a [5]) * q
         / (((((b [0] * r + b [1]) * r + b [2]) * r + b [3]) * r + b [4]) * r + 1);
}

void
inventory_reorder_compute (const int64_t *daily, int days, double alpha, double service_level,
                           int lead_time_days, inventory_reorder_t *out)
{
    double size = 0, interval = 0, forecast = 0, squares = 0;
    int since = 0, errors = 0;
    bool seen = false;
    for (int day = 0; day < days; day++) {
        double demand = (double) daily [day];
        since++;
        if (seen) {
            squares += (demand - forecast) * (demand - forecast);
            errors++;
        }
        if (demand > 0) {
            if (!seen) {
                //  The first demand starts both estimates.
                size = demand;
                interval = since;
                seen = true;
            }
            else {
                size += alpha * (demand - size);
                interval += alpha * (since - interval);
            }
            since = 0;
            forecast = (1 - alpha / 2) * size / interval;
        }
    }
    int lead = lead_time_days > 0 ? lead_time_days : 1;
    out->daily_demand = seen ? forecast : 0;
    out->sigma_daily = errors ? sqrt (squares / errors) : 0;
    out->safety_stock = inventory_normal_quantile (service_level) * out->sigma_daily * sqrt ((double) lead);
    if (out->safety_stock < 0)
        out->safety_stock = 0;
    double point = out->daily_demand * lead + out->safety_stock;
    //  A hair under an integer is that integer (floating sums), not one more.
    out->reorder_point = seen ? (int64_t) ceil (point - 1e-9) : 0;
}

//  Per part and location: balances, what is on order, the lead time and
//  the daily issue series of the history window (oldest first, UTC days).
static const as_stmt_t s_positions = { "inventory_reorder_positions",
    "SELECT s.part_no, s.location_id, s.available, s.quarantine,"
    " (SELECT coalesce(sum(quantity), 0) FROM purchase_requests r WHERE r.part_no = s.part_no"
    "   AND r.location_id = s.location_id AND r.status = 'open'),"
    " p.lead_time_days,"
    " (SELECT array_agg(coalesce(d.issued, 0) ORDER BY g.i)::text"
    "   FROM generate_series(0, $1::int - 1) AS g (i)"
    "   LEFT JOIN (SELECT (m.at AT TIME ZONE 'UTC')::date AS day, -sum(m.quantity) AS issued FROM movements m"
    "     WHERE m.reason = 'issue' AND m.part_no = s.part_no AND m.location_id = s.location_id"
    "       AND m.at >= now() - make_interval(days => $1::int + 1) GROUP BY 1) d"
    "   ON d.day = (now() AT TIME ZONE 'UTC')::date - ($1::int - 1) + g.i),"
    " coalesce((SELECT below FROM reorder_state x WHERE x.part_no = s.part_no AND x.location_id = s.location_id), false)"
    " FROM stock s JOIN parts p ON p.part_no = s.part_no"
    " WHERE ($2::text IS NULL OR s.part_no = $2) AND ($3::bigint IS NULL OR s.location_id = $3)"
    " ORDER BY s.part_no, s.location_id LIMIT 10000" };

typedef struct {
    int history_days;
    double alpha, service_level;
    int64_t overstock_days, order_cover_days;
} s_policy_t;

static void
s_policy (as_service_t *service, s_policy_t *policy)
{
    policy->history_days = (int) as_service_setting_int (service, "INVENTORY_HISTORY_DAYS");
    policy->alpha = (double) as_service_setting_int (service, "INVENTORY_SMOOTHING_PERCENT") / 100.0;
    policy->service_level = (double) as_service_setting_int (service, "INVENTORY_SERVICE_LEVEL_PERMILLE") / 1000.0;
    policy->overstock_days = as_service_setting_int (service, "INVENTORY_OVERSTOCK_DAYS");
    policy->order_cover_days = as_service_setting_int (service, "INVENTORY_ORDER_COVER_DAYS");
}

//  "{0,2,0}" into daily (at most max values); the count.
static int
s_parse_series (const char *text, int64_t *daily, int max)
{
    int count = 0;
    const char *cursor = text ? text : "";
    while (*cursor && count < max) {
        char *end = NULL;
        if (*cursor == '{' || *cursor == ',') {
            cursor++;
            continue;
        }
        long long value = strtoll (cursor, &end, 10);
        if (end == cursor)
            break;
        daily [count++] = value;
        cursor = end;
    }
    return count;
}

static PGresult *
s_load_positions (as_pg_t *pg, const s_policy_t *policy, const char *part_no, int64_t location_id,
                  as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, policy->history_days);
    as_pgp_str (&params, part_no);
    if (location_id > 0) as_pgp_int (&params, location_id); else as_pgp_null (&params);
    return as_pg_run (pg, &s_positions, &params, err);
}

static void
s_compute_row (const PGresult *result, int row, const s_policy_t *policy, inventory_reorder_t *out,
               int64_t *position)
{
    int64_t *daily = calloc ((size_t) policy->history_days, sizeof *daily);
    int days = s_parse_series (as_pg_get_str (result, row, 6), daily, policy->history_days);
    inventory_reorder_compute (daily, days, policy->alpha, policy->service_level,
                               (int) as_pg_get_int (result, row, 5), out);
    free (daily);
    *position = as_pg_get_int (result, row, 2) + as_pg_get_int (result, row, 3) + as_pg_get_int (result, row, 4);
}

static void
s_pack_line (msgpack_packer *pk, const PGresult *result, int row, const s_policy_t *policy)
{
    inventory_reorder_t estimate;
    int64_t position;
    s_compute_row (result, row, policy, &estimate, &position);
    int64_t available = as_pg_get_int (result, row, 2);
    double cover = estimate.daily_demand > 0 ? (double) available / estimate.daily_demand : -1;
    msgpack_pack_map (pk, 12);
    as_pack_kv_str (pk, "part_no", as_pg_get_str (result, row, 0));
    as_pack_kv_int (pk, "location_id", as_pg_get_int (result, row, 1));
    as_pack_kv_int (pk, "available", available);
    as_pack_kv_int (pk, "position", position);
    as_pack_kv_int (pk, "lead_time_days", as_pg_get_int (result, row, 5));
    as_pack_str (pk, "daily_demand");
    msgpack_pack_double (pk, estimate.daily_demand);
    as_pack_str (pk, "safety_stock");
    msgpack_pack_double (pk, estimate.safety_stock);
    as_pack_kv_int (pk, "reorder_point", estimate.reorder_point);
    as_pack_str (pk, "days_of_cover");
    if (cover >= 0)
        msgpack_pack_double (pk, cover);
    else
        msgpack_pack_nil (pk);
    as_pack_kv_bool (pk, "below", position < estimate.reorder_point);
    //  No demand at all and stock on the shelf is overstock too.
    as_pack_kv_bool (pk, "overstock", available > 0 && (cover < 0 || cover > (double) policy->overstock_days));
    as_pack_kv_bool (pk, "low_reported", as_pg_get_bool (result, row, 7));
}

int
inventory_reorder_report (as_call_t *call)
{
    s_policy_t policy;
    s_policy (call->service, &policy);
    char part_no [INVENTORY_PART_NO_SIZE];
    int64_t location_id = 0;
    if (as_obj_text (call->params, NULL, "part_no", part_no, sizeof part_no, call->err))
        return -1;
    as_obj_int (call->params, "location_id", &location_id);
    PGresult *result = s_load_positions (call->pg, &policy, *part_no ? part_no : NULL, location_id, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "lines");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++)
        s_pack_line (call->result, result, row, &policy);
    PQclear (result);
    return 0;
}

//  The crossing is recorded so stock.low is said once, not every sweep;
//  the row lock makes two instances agree on who says it.
static const as_stmt_t s_mark_below = { "inventory_mark_below",
    "INSERT INTO reorder_state (part_no, location_id, below) VALUES ($1, $2, true)"
    " ON CONFLICT (part_no, location_id) DO UPDATE SET below = true, changed_at = now()"
    " WHERE reorder_state.below = false RETURNING 1" };
static const as_stmt_t s_mark_above = { "inventory_mark_above",
    "UPDATE reorder_state SET below = false, changed_at = now() WHERE part_no = $1 AND location_id = $2 AND below" };

static int
s_emit_low (as_service_t *service, const char *part_no, int64_t location_id, int64_t position,
            const inventory_reorder_t *estimate, as_error_t *err)
{
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 6);
    as_pack_kv_str (&pk, "part_no", part_no);
    as_pack_kv_int (&pk, "location_id", location_id);
    as_pack_kv_int (&pk, "position", position);
    as_pack_kv_int (&pk, "reorder_point", estimate->reorder_point);
    as_pack_kv_int (&pk, "safety_stock", (int64_t) ceil (estimate->safety_stock - 1e-9));
    as_pack_str (&pk, "daily_demand");
    msgpack_pack_double (&pk, estimate->daily_demand);
    char subject [64];
    snprintf (subject, sizeof subject, "part/%s", part_no);
    int rc = as_service_emit (service, "stock.low", subject, data.data, data.size, err);
    msgpack_sbuffer_destroy (&data);
    return rc;
}

//  One part at one location: below its point and newly so -> stock.low and
//  a purchase up to the point plus the order cover's demand.
static int
s_review (as_service_t *service, as_pg_t *pg, const PGresult *result, int row, const s_policy_t *policy,
          int64_t *low, int64_t *requested, as_error_t *err)
{
    inventory_reorder_t estimate;
    int64_t position;
    s_compute_row (result, row, policy, &estimate, &position);
    const char *part_no = as_pg_get_str (result, row, 0);
    int64_t location_id = as_pg_get_int (result, row, 1);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, part_no);
    as_pgp_int (&params, location_id);
    //  Back above: nothing depends on whether a row changed, so the update
    //  rides on the pass's next round trip.
    if (position >= estimate.reorder_point)
        return as_pg_defer (pg, &s_mark_above, &params, err);
    PGresult *crossed = as_pg_run (pg, &s_mark_below, &params, err);
    if (!crossed)
        return -1;
    bool fresh = PQntuples (crossed) == 1;
    PQclear (crossed);
    if (!fresh)
        return 0;
    int64_t target = (int64_t) ceil ((double) estimate.reorder_point
                                     + estimate.daily_demand * (double) policy->order_cover_days - 1e-9);
    int64_t quantity = target - position > 0 ? target - position : 1;
    char expected_on [16];
    if (s_emit_low (service, part_no, location_id, position, &estimate, err)
    ||  inventory_purchase_request (service, pg, part_no, location_id, quantity, "reorder", 0, expected_on, err) < 0)
        return -1;
    (*low)++;
    (*requested)++;
    return 0;
}

int
inventory_reorder_pass (as_service_t *service, as_pg_t *pg, int64_t *low, int64_t *requested, as_error_t *err)
{
    s_policy_t policy;
    s_policy (service, &policy);
    *low = *requested = 0;
    PGresult *result = s_load_positions (pg, &policy, NULL, 0, err);
    if (!result)
        return -1;
    int rc = 0;
    for (int row = 0; row < PQntuples (result) && rc == 0; row++)
        rc = s_review (service, pg, result, row, &policy, low, requested, err);
    PQclear (result);
    return rc;
}

int
inventory_reorder_run (as_call_t *call)
{
    int64_t low, requested;
    if (inventory_reorder_pass (call->service, call->pg, &low, &requested, call->err))
        return -1;
    msgpack_pack_map (call->result, 2);
    as_pack_kv_int (call->result, "low", low);
    as_pack_kv_int (call->result, "requested", requested);
    return 0;
}
