/*  dispatch_fleet: service stations and their field engineers: skills by
    product category, shifts, the visits a day they can take, absences.  */
#include "dispatch.h"
#include "as_date.h"
#include "as_msg.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The catalogue's product categories; the index is the skill bit.
static const char *s_categories [] = {
    "air_conditioner", "refrigerator", "washing_machine", "television", "water_heater", "range_hood",
    "gas_stove", "fan", "hair_dryer", "vacuum_cleaner", "smart_home", NULL
};

int
dispatch_category_index (const char *category)
{
    for (int index = 0; category && s_categories [index]; index++)
        if (!strcmp (s_categories [index], category))
            return index;
    return -1;
}

double
dispatch_distance (double lat1, double lon1, double lat2, double lon2)
{
    const double radians = M_PI / 180, earth = 6371008.8;
    double dlat = (lat2 - lat1) * radians, dlon = (lon2 - lon1) * radians;
    double a = sin (dlat / 2) * sin (dlat / 2)
             + cos (lat1 * radians) * cos (lat2 * radians) * sin (dlon / 2) * sin (dlon / 2);
    return 2 * earth * asin (fmin (1, sqrt (a)));
}


static double
s_obj_float (const msgpack_object *map, const char *key)
{
    const msgpack_object *value = as_obj_get (map, key);
    if (!value)
        return 0;
    if (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32)
        return value->via.f64;
    if (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return (double) value->via.i64;
    return value->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double) value->via.u64 : 0;
}

//  --- Stations ---------------------------------------------------------------------------

#define S_STATION_COLUMNS "s.id, s.code, s.name, s.region, s.tier, s.lat, s.lon, s.radius_km," \
    " (SELECT count(*) FROM engineers e WHERE e.station_id = s.id AND e.active)"

//  No row back: a station has that code already.
static const as_stmt_t s_insert_station = { "dispatch_insert_station",
    "INSERT INTO stations (code, name, region, tier, lat, lon, radius_km)"
    " VALUES ($1, $2, $3, $4, $5::float8, $6::float8, $7) ON CONFLICT (code) DO NOTHING RETURNING id" };
static const as_stmt_t s_list_stations = { "dispatch_list_stations",
    "SELECT " S_STATION_COLUMNS " FROM stations s WHERE $1::bigint IS NULL OR s.id = $1 ORDER BY s.id" };

static void
s_pack_station (msgpack_packer *pk, const PGresult *result, int row)
{
    static const char *keys [] = { "code", "name", "region", "tier" };
    msgpack_pack_map (pk, 9);
    as_pack_kv_int (pk, "station_id", as_pg_get_int (result, row, 0));
    for (int index = 0; index < 4; index++)
        as_pack_kv_str (pk, keys [index], as_pg_get_str (result, row, 1 + index));
    as_pack_str (pk, "lat");
    msgpack_pack_double (pk, strtod (as_pg_get_str (result, row, 5), NULL));
    as_pack_str (pk, "lon");
    msgpack_pack_double (pk, strtod (as_pg_get_str (result, row, 6), NULL));
    as_pack_kv_int (pk, "radius_km", as_pg_get_int (result, row, 7));
    as_pack_kv_int (pk, "engineers", as_pg_get_int (result, row, 8));
}

static int
s_reply_stations (as_call_t *call, int64_t station_id, const char *key)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    if (station_id)
        as_pgp_int (&params, station_id);
    else
        as_pgp_null (&params);
    PGresult *result = as_pg_run (call->pg, &s_list_stations, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, key);
    if (station_id)
        s_pack_station (call->result, result, 0);
    else {
        msgpack_pack_array (call->result, (size_t) PQntuples (result));
        for (int row = 0; row < PQntuples (result); row++)
            s_pack_station (call->result, result, row);
    }
    PQclear (result);
    return 0;
}

int
dispatch_station_add (as_call_t *call)
{
    char code [AS_TEXT_SIZE (32)] = "", name [AS_TEXT_SIZE (100)] = "",
         region [AS_TEXT_SIZE (64)] = "", tier [32] = "", lat [32], lon [32];
    if (as_obj_text (call->params, NULL, "code", code, sizeof code, call->err) < 0
    ||  as_obj_text (call->params, NULL, "name", name, sizeof name, call->err) < 0
    ||  as_obj_text (call->params, NULL, "region", region, sizeof region, call->err) < 0
    ||  as_obj_text (call->params, NULL, "tier", tier, sizeof tier, call->err) < 0)
        return -1;
    snprintf (lat, sizeof lat, "%.7f", s_obj_float (call->params, "lat"));
    snprintf (lon, sizeof lon, "%.7f", s_obj_float (call->params, "lon"));
    int64_t radius = 0;
    as_obj_int (call->params, "radius_km", &radius);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, code);
    as_pgp_str (&params, name);
    as_pgp_str (&params, region);
    as_pgp_str (&params, tier);
    as_pgp_str (&params, lat);
    as_pgp_str (&params, lon);
    as_pgp_int (&params, radius);
    PGresult *result = as_pg_run (call->pg, &s_insert_station, &params, call->err);
    if (!result)
        return -1;
    int64_t station_id = PQntuples (result) ? as_pg_get_int (result, 0, 0) : 0;
    PQclear (result);
    if (!station_id)
        return as_error_set (call->err, AS_ALREADY_EXISTS, "station %s already exists", code);
    return s_reply_stations (call, station_id, "station");
}

int
dispatch_station_list (as_call_t *call)
{
    return s_reply_stations (call, 0, "stations");
}

//  --- Engineers ---------------------------------------------------------------------------

//  No row back: the station (by id $3, else by code $4) does not exist.
static const as_stmt_t s_upsert_engineer = { "dispatch_upsert_engineer",
    "INSERT INTO engineers (code, name, station_id, van, max_visits, shift_start, shift_end, work_days)"
    " SELECT $1, $2, s.id, $5, coalesce($6::int, 8), coalesce($7::time, '09:00'), coalesce($8::time, '18:00'),"
    "  coalesce($9, '1234567')"
    " FROM stations s WHERE s.id = coalesce($3::bigint, (SELECT id FROM stations WHERE code = $4))"
    " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, station_id = EXCLUDED.station_id,"
    "  van = EXCLUDED.van, max_visits = EXCLUDED.max_visits, shift_start = EXCLUDED.shift_start,"
    "  shift_end = EXCLUDED.shift_end, work_days = EXCLUDED.work_days, active = true"
    " RETURNING id" };
static const as_stmt_t s_clear_skills = { "dispatch_clear_skills",
    "DELETE FROM engineer_skills WHERE engineer_id = $1" };
static const as_stmt_t s_add_skill = { "dispatch_add_skill",
    "INSERT INTO engineer_skills (engineer_id, category, level) VALUES ($1, $2, $3)"
    " ON CONFLICT (engineer_id, category) DO UPDATE SET level = EXCLUDED.level" };
static const as_stmt_t s_list_engineers = { "dispatch_list_engineers",
    "SELECT e.id, e.code, e.name, e.station_id, e.van, e.max_visits, to_char(e.shift_start, 'HH24:MI'),"
    " to_char(e.shift_end, 'HH24:MI'), e.active,"
    " coalesce((SELECT string_agg(k.category || ':' || k.level, ',' ORDER BY k.category)"
    "  FROM engineer_skills k WHERE k.engineer_id = e.id), ''), e.work_days"
    " FROM engineers e WHERE ($1::bigint IS NULL OR e.id = $1) AND ($2::bigint IS NULL OR e.station_id = $2)"
    " ORDER BY e.id" };

static int
s_set_skills (as_pg_t *pg, int64_t engineer_id, const msgpack_object *skills, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, engineer_id);
    if (as_pg_do (pg, &s_clear_skills, &params, err) < 0)
        return -1;
    for (uint32_t index = 0; skills && skills->type == MSGPACK_OBJECT_ARRAY && index < skills->via.array.size;
         index++) {
        const msgpack_object *skill = &skills->via.array.ptr [index];
        char category [32] = "";
        int64_t level = 1;
        if (as_obj_text (skill, NULL, "category", category, sizeof category, err) < 0)
            return -1;
        as_obj_int (skill, "level", &level);
        as_pgp_reset (&params);
        as_pgp_int (&params, engineer_id);
        as_pgp_str (&params, category);
        as_pgp_int (&params, level);
        if (as_pg_do (pg, &s_add_skill, &params, err) != 1)
            return -1;
    }
    return 0;
}

//  One engineer of engineer.add or engineer.import, as given.
typedef struct {
    char code [AS_TEXT_SIZE (32)], name [AS_TEXT_SIZE (100)], station_code [AS_TEXT_SIZE (32)],
         van [AS_TEXT_SIZE (32)], start [AS_TEXT_SIZE (5)], end [AS_TEXT_SIZE (5)],
         work_days [AS_TEXT_SIZE (7)];
    int64_t station_id, max_visits;
    bool has_station, has_max;
} s_engineer_t;

static int
s_read_engineer (const msgpack_object *engineer, s_engineer_t *given, as_error_t *err)
{
    memset (given, 0, sizeof *given);
    if (as_obj_text (engineer, NULL, "code", given->code, sizeof given->code, err) < 0
    ||  as_obj_text (engineer, NULL, "name", given->name, sizeof given->name, err) < 0
    ||  as_obj_text (engineer, NULL, "station_code", given->station_code, sizeof given->station_code, err) < 0
    ||  as_obj_text (engineer, NULL, "van", given->van, sizeof given->van, err) < 0
    ||  as_obj_text (engineer, NULL, "shift_start", given->start, sizeof given->start, err) < 0
    ||  as_obj_text (engineer, NULL, "shift_end", given->end, sizeof given->end, err) < 0
    ||  as_obj_text (engineer, NULL, "work_days", given->work_days, sizeof given->work_days, err) < 0)
        return -1;
    given->has_station = as_obj_int (engineer, "station_id", &given->station_id);
    given->has_max = as_obj_int (engineer, "max_visits", &given->max_visits);
    if (!given->has_station && !*given->station_code)
        return as_error_set (err, AS_INVALID_ARGUMENT, "engineer %s: give station_id or station_code", given->code);
    char why [160];
    if (dispatch_shift_check (given->start, given->end, given->work_days, why, sizeof why))
        return as_error_set (err, AS_INVALID_ARGUMENT, "%s", why);
    return 0;
}

//  Add or update one engineer (by code) with their skills; returns the id.
static int64_t
s_upsert_engineer_row (as_service_t *service, as_pg_t *pg, const msgpack_object *engineer, as_error_t *err)
{
    s_engineer_t given;
    if (s_read_engineer (engineer, &given, err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, given.code);
    as_pgp_str (&params, given.name);
    if (given.has_station)
        as_pgp_int (&params, given.station_id);
    else
        as_pgp_null (&params);
    as_pgp_str (&params, *given.station_code ? given.station_code : NULL);
    as_pgp_str (&params, *given.van ? given.van : NULL);
    if (given.has_max)
        as_pgp_int (&params, given.max_visits);
    else
        as_pgp_null (&params);
    as_pgp_str (&params, *given.start ? given.start : NULL);
    as_pgp_str (&params, *given.end ? given.end : NULL);
    as_pgp_str (&params, *given.work_days ? given.work_days : NULL);
    PGresult *result = as_pg_run (pg, &s_upsert_engineer, &params, err);
    if (!result)
        return -1;
    int64_t engineer_id = PQntuples (result) ? as_pg_get_int (result, 0, 0) : 0;
    PQclear (result);
    if (!engineer_id && given.has_station)
        return as_error_set (err, AS_NOT_FOUND, "no station %lld", (long long) given.station_id);
    if (!engineer_id)
        return as_error_set (err, AS_NOT_FOUND, "no station with code %s", given.station_code);
    //  A new rota may take days away that already hold their visits.
    int moved = 0, unassigned = 0;
    if (s_set_skills (pg, engineer_id, as_obj_get (engineer, "skills"), err)
    ||  dispatch_plan_rota (service, pg, engineer_id, &moved, &unassigned, err))
        return -1;
    return engineer_id;
}

static void
s_pack_engineer (msgpack_packer *pk, const PGresult *result, int row)
{
    msgpack_pack_map (pk, 11);
    as_pack_kv_int (pk, "engineer_id", as_pg_get_int (result, row, 0));
    as_pack_kv_str (pk, "code", as_pg_get_str (result, row, 1));
    as_pack_kv_str (pk, "name", as_pg_get_str (result, row, 2));
    as_pack_kv_int (pk, "station_id", as_pg_get_int (result, row, 3));
    as_pack_kv_str (pk, "van", as_pg_get_str (result, row, 4));
    as_pack_kv_int (pk, "max_visits", as_pg_get_int (result, row, 5));
    as_pack_kv_str (pk, "shift_start", as_pg_get_str (result, row, 6));
    as_pack_kv_str (pk, "shift_end", as_pg_get_str (result, row, 7));
    as_pack_kv_bool (pk, "active", as_pg_get_bool (result, row, 8));
    as_pack_kv_str (pk, "work_days", as_pg_get_str (result, row, 10));
    //  "category:level,..." as [{category, level}].
    char list [1024];
    snprintf (list, sizeof list, "%s", as_pg_get_str (result, row, 9));
    int count = 0;
    for (char *cursor = list; *cursor; cursor++)
        count += *cursor == ':';
    as_pack_str (pk, "skills");
    msgpack_pack_array (pk, (size_t) count);
    for (char *save = NULL, *item = strtok_r (list, ",", &save); item; item = strtok_r (NULL, ",", &save)) {
        char *colon = strchr (item, ':');
        if (!colon)
            continue;
        *colon = 0;
        msgpack_pack_map (pk, 2);
        as_pack_kv_str (pk, "category", item);
        as_pack_kv_int (pk, "level", atoi (colon + 1));
    }
}

static int
s_reply_engineers (as_call_t *call, int64_t engineer_id, int64_t station_id, const char *key)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    if (engineer_id)
        as_pgp_int (&params, engineer_id);
    else
        as_pgp_null (&params);
    if (station_id)
        as_pgp_int (&params, station_id);
    else
        as_pgp_null (&params);
    PGresult *result = as_pg_run (call->pg, &s_list_engineers, &params, call->err);
    if (!result)
        return -1;
    if (engineer_id && PQntuples (result) == 0) {
        PQclear (result);
        return as_error_set (call->err, AS_NOT_FOUND, "engineer %lld not found", (long long) engineer_id);
    }
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, key);
    if (engineer_id)
        s_pack_engineer (call->result, result, 0);
    else {
        msgpack_pack_array (call->result, (size_t) PQntuples (result));
        for (int row = 0; row < PQntuples (result); row++)
            s_pack_engineer (call->result, result, row);
    }
    PQclear (result);
    return 0;
}

int
dispatch_engineer_add (as_call_t *call)
{
    int64_t engineer_id = s_upsert_engineer_row (call->service, call->pg, call->params, call->err);
    return engineer_id < 0 ? -1 : s_reply_engineers (call, engineer_id, 0, "engineer");
}

int
dispatch_engineer_import (as_call_t *call)
{
    const msgpack_object *engineers = as_obj_get (call->params, "engineers");
    uint32_t count = engineers && engineers->type == MSGPACK_OBJECT_ARRAY ? engineers->via.array.size : 0;
    for (uint32_t index = 0; index < count; index++)
        if (s_upsert_engineer_row (call->service, call->pg, &engineers->via.array.ptr [index], call->err) < 0) {
            as_error_detail (call->err, "engineer %u of the import", index + 1);
            return -1;
        }
    msgpack_pack_map (call->result, 1);
    as_pack_kv_int (call->result, "imported", count);
    return 0;
}

int
dispatch_engineer_list (as_call_t *call)
{
    int64_t station_id = 0;
    as_obj_int (call->params, "station_id", &station_id);
    return s_reply_engineers (call, 0, station_id, "engineers");
}

static const as_stmt_t s_lock_engineer = { "dispatch_lock_engineer",
    "SELECT id FROM engineers WHERE id = $1 FOR UPDATE" };

int
dispatch_engineer_skills (as_call_t *call)
{
    int64_t engineer_id = 0;
    as_obj_int (call->params, "engineer_id", &engineer_id);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, engineer_id);
    int64_t found = as_pg_do (call->pg, &s_lock_engineer, &params, call->err);
    if (found <= 0)
        return found < 0 ? -1 : as_error_set (call->err, AS_NOT_FOUND, "engineer %lld not found",
                                              (long long) engineer_id);
    if (s_set_skills (call->pg, engineer_id, as_obj_get (call->params, "skills"), call->err))
        return -1;
    return s_reply_engineers (call, engineer_id, 0, "engineer");
}

//  --- Absences --------------------------------------------------------------------------

//  No row back: no such engineer.
static const as_stmt_t s_insert_absence = { "dispatch_insert_absence",
    "INSERT INTO absences (engineer_id, starts_at, ends_at, reason)"
    " SELECT id, $2, $3, $4 FROM engineers WHERE id = $1 RETURNING id" };

//  Record an absence and re-plan the days it touches at once.
int
dispatch_engineer_absence (as_call_t *call)
{
    int64_t engineer_id = 0;
    as_obj_int (call->params, "engineer_id", &engineer_id);
    char starts_at [40] = "", ends_at [40] = "", reason [AS_TEXT_SIZE (500)] = "";
    if (as_obj_text (call->params, NULL, "starts_at", starts_at, sizeof starts_at, call->err) < 0
    ||  as_obj_text (call->params, NULL, "ends_at", ends_at, sizeof ends_at, call->err) < 0
    ||  as_obj_text (call->params, NULL, "reason", reason, sizeof reason, call->err) < 0)
        return -1;
    //  In whole seconds (fractions dropped): the table's CHECK (starts_at <
    //  ends_at) cannot fail after this.
    int64_t starts = 0, ends = 0;
    if (!as_date_instant_parse (starts_at, &starts) || !as_date_instant_parse (ends_at, &ends))
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "an absence runs between two RFC 3339 times");
    if (ends <= starts)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "absence ends %s it starts (%s to %s)",
                             ends < starts ? "before" : "as", starts_at, ends_at);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, engineer_id);
    as_pgp_str (&params, starts_at);
    as_pgp_str (&params, ends_at);
    as_pgp_str (&params, reason);
    PGresult *result = as_pg_run (call->pg, &s_insert_absence, &params, call->err);
    if (!result)
        return -1;
    int64_t absence_id = PQntuples (result) ? as_pg_get_int (result, 0, 0) : 0;
    PQclear (result);
    if (!absence_id)
        return as_error_set (call->err, AS_NOT_FOUND, "engineer %lld not found", (long long) engineer_id);
    int moved = 0, unassigned = 0;
    if (dispatch_plan_absence (call->service, call->pg, engineer_id, starts_at, ends_at, &moved, &unassigned,
                               call->err))
        return -1;
    msgpack_pack_map (call->result, 3);
    as_pack_kv_int (call->result, "absence_id", absence_id);
    as_pack_kv_int (call->result, "moved", moved);
    as_pack_kv_int (call->result, "unassigned", unassigned);
    return 0;
}
