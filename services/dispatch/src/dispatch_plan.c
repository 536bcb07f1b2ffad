/*  dispatch_plan: a station's day as a routing problem for as_vrp, and what
    is asked of it: which appointment windows can really be served (slots),
    booking one by cheapest feasible insertion, an operator's assignment to
    one engineer, re-optimisation around fixed visits, and the board.

    Times inside a day problem are seconds from the plan date's local
    midnight (small numbers keep the solver's time tolerance meaningful);
    the database keeps UTC timestamps and does the zone arithmetic.        */
#include "dispatch.h"
#include "as_vrp.h"
#include "as_log.h"
#include "as_msg.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_ENGINEERS 64
#define S_MAX_WINDOWS   48
#define S_MAX_STATIONS  64

//  One stop of the day: a planned visit, or a probe (a visit being booked,
//  or a window being tried for slots.offer, id 0).
typedef struct {
    int64_t id;                 //  visit id, 0 for a slot probe
    int64_t engineer_id;        //  engineer as loaded, 0 when not planned here
    int vehicle;                //  vehicle as loaded, -1 when none
    bool fixed;                 //  confirmed, started or pinned: keeps its engineer
    bool started;               //  en route or on site: nobody else can take it
    double window_start, window_end;    //  epoch seconds
    double offset;              //  seconds from the modelled site to the customer
    int seq;                    //  place in the route as loaded, 0 when none
    double eta;                 //  epoch as loaded, -1 when none
} s_stop_t;

typedef struct {
    const dispatch_config_t *config;
    int64_t station_id;
    double lat, lon;
    char date [11];
    double origin;              //  epoch of the plan date's local midnight
    as_vrp_problem_t *problem;
    int vehicles;
    int64_t engineers [S_MAX_ENGINEERS];
    s_stop_t *stops;            //  stops [i] is the solver's visit i
    int stop_count, stop_max;
    //  The visit being booked, whose move to scheduled is written with its
    //  place (s_place_booked); id 0 when none moves.
    struct {
        int64_t id;
        const char *from, *actor, *note;
    } booked;
} s_day_t;

//  A plan date, YYYY-MM-DD.
typedef char s_date_t [11];

//  What a visit needs from a plan.
typedef struct {
    int64_t id, case_id, engineer_id, station_id;
    char status [24], skill [32], priority [16], plan_date [11];
    int minutes;
    bool located;
    double lat, lon;
    int64_t fleet_version;      //  fleet_version when the need was read
} s_need_t;

//  Days are loaded in bulk: every candidate station over every date of an
//  offer in one round trip (a pipeline of the five statements below),
//  instead of five statements per station and date. $1 stations, $2 dates
//  (array literals), $3 zone; rows come ordered by station and date.
static const as_stmt_t s_bulk_origins = { "dispatch_plan_bulk_origins",
    "SELECT d.day::text, extract(epoch FROM (d.day::timestamp AT TIME ZONE $2))::float8"
    " FROM unnest($1::date[]) WITH ORDINALITY AS d(day, n) ORDER BY d.n" };
static const as_stmt_t s_bulk_stations = { "dispatch_plan_bulk_stations",
    "SELECT id, lat, lon FROM stations WHERE id = ANY($1::bigint[])" };
static const as_stmt_t s_bulk_engineers = { "dispatch_plan_bulk_engineers",
    "WITH e AS (SELECT e.id, e.station_id, e.max_visits, e.shift_start, e.shift_end, e.work_days,"
    "  coalesce((SELECT string_agg(s.category, ',') FROM engineer_skills s WHERE s.engineer_id = e.id), '') AS skills"
    "  FROM engineers e WHERE e.station_id = ANY($1::bigint[]) AND e.active)"
    " SELECT e.id, e.max_visits,"
    " extract(epoch FROM (d.day + e.shift_start) AT TIME ZONE $3)::float8,"
    " extract(epoch FROM (d.day + e.shift_end) AT TIME ZONE $3)::float8,"
    " e.skills, e.station_id, d.day::text"
    " FROM e CROSS JOIN unnest($2::date[]) AS d(day)"
    " WHERE strpos(e.work_days, extract(isodow FROM d.day)::int::text) > 0"     //  the rota
    " ORDER BY e.station_id, d.day, e.id" };
//  Absences that touch any of the dates; s_clip_shift ignores those that
//  miss a given day's shift.
static const as_stmt_t s_bulk_absences = { "dispatch_plan_bulk_absences",
    "SELECT a.engineer_id, extract(epoch FROM a.starts_at)::float8, extract(epoch FROM a.ends_at)::float8"
    " FROM absences a JOIN engineers e ON e.id = a.engineer_id"
    " WHERE e.station_id = ANY($1::bigint[])"
    "  AND a.starts_at < (((SELECT max(d) FROM unnest($2::date[]) d) + 1)::timestamp AT TIME ZONE $3)"
    "  AND a.ends_at > ((SELECT min(d) FROM unnest($2::date[]) d)::timestamp AT TIME ZONE $3)" };
//  The planned visits of the days (station $1 [i] on date $2 [i]) whose
//  version is not $3 [i], the one dispatchd holds (-1: none), each day
//  with its version (0: never written) and one row per visit, or one row
//  without a visit for an empty day. Each day's visits are read by their
//  own index scan (the LATERAL with OFFSET 0 keeps any plan from joining
//  all visits at once). (date_part: a double at once; extract gives a
//  numeric, slower to make and to cast, on every row of every load.)
static const as_stmt_t s_bulk_visits = { "dispatch_plan_bulk_visits",
    "WITH d AS (SELECT r.station_id, r.plan_date, coalesce(dv.version, 0) AS version"
    "  FROM unnest($1::bigint[], $2::date[], $3::bigint[]) AS r(station_id, plan_date, known)"
    "  LEFT JOIN day_versions dv ON dv.station_id = r.station_id AND dv.plan_date = r.plan_date"
    "  WHERE coalesce(dv.version, 0) <> r.known)"
    " SELECT d.station_id, d.plan_date::text, d.version, p.id, p.engineer_id, p.window_start, p.window_end,"
    "  p.minutes, p.skill, p.priority, p.lat, p.lon, p.fixed, p.started, p.seq, p.eta"
    " FROM d LEFT JOIN LATERAL (SELECT v.id, v.engineer_id, date_part('epoch', v.window_start) AS window_start,"
    "   date_part('epoch', v.window_end) AS window_end, v.minutes, v.skill, v.priority, c.lat, c.lon,"
    "   v.pinned OR v.status IN ('confirmed', 'en_route', 'on_site') AS fixed,"
    "   v.status IN ('en_route', 'on_site') AS started, coalesce(v.seq, 0) AS seq,"
    "   coalesce(date_part('epoch', v.eta), -1) AS eta"
    "  FROM visits v JOIN cases c ON c.id = v.case_id"
    "  WHERE v.station_id = d.station_id AND v.plan_date = d.plan_date"
    "   AND v.status IN ('scheduled', 'dispatched', 'confirmed', 'en_route', 'on_site') OFFSET 0) p ON true"
    " ORDER BY d.station_id, d.plan_date, p.engineer_id, p.seq, p.id" };

//  enable_seqscan and plan_cache_mode for the rest of the transaction
//  (s_bulk_load says why).
static const as_stmt_t s_seqscan = { "dispatch_plan_seqscan",
    "SELECT set_config('enable_seqscan', $1, true), set_config('plan_cache_mode', $2, true)" };

static double
s_float (const PGresult *result, int row, int column)
{
    const char *text = as_pg_get_str (result, row, column);
    return text ? strtod (text, NULL) : 0;
}

static int
s_priority_level (const char *priority)
{
    static const char *levels [] = { "low", "normal", "high", "urgent" };
    for (int index = 0; index < 4; index++)
        if (!strcmp (priority, levels [index]))
            return index + 1;
    return 2;
}

static uint64_t
s_skill_bits (const char *list)
{
    uint64_t bits = 0;
    char buffer [512];
    snprintf (buffer, sizeof buffer, "%s", list);
    for (char *save = NULL, *token = strtok_r (buffer, ",", &save); token; token = strtok_r (NULL, ",", &save)) {
        int index = dispatch_category_index (token);
        if (index >= 0)
            bits |= 1ull << index;
    }
    return bits;
}

static void
s_epoch_text (double epoch, char out [32])
{
    time_t seconds = (time_t) llround (epoch);
    struct tm utc;
    gmtime_r (&seconds, &utc);
    strftime (out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &utc);
}

//  --- Loading a station's day ----------------------------------------------------

static void
s_day_destroy (s_day_t **self_p)
{
    if (*self_p) {
        as_vrp_problem_destroy (&(*self_p)->problem);
        free ((*self_p)->stops);
        free (*self_p);
        *self_p = NULL;
    }
}

//  Shift of an engineer after their absences that day: the longest piece
//  left. Returns false when nothing is left.
static bool
s_clip_shift (const PGresult *absences, int64_t engineer_id, double *start, double *end)
{
    for (int row = 0; row < PQntuples (absences); row++) {
        if (as_pg_get_int (absences, row, 0) != engineer_id)
            continue;
        double from = s_float (absences, row, 1), to = s_float (absences, row, 2);
        if (to <= *start || from >= *end)
            continue;
        double before = from - *start, after = *end - to;
        if (before >= after)
            *end = from;
        else
            *start = to;
        if (*end - *start < 60)
            return false;
    }
    return true;
}

static int
s_vehicle_of (const s_day_t *day, int64_t engineer_id)
{
    for (int index = 0; index < day->vehicles; index++)
        if (day->engineers [index] == engineer_id)
            return index;
    return -1;
}

//  Add a stop at the customer's place (or, unknown, at the station with the
//  default travel each way folded into the window and the time on site).
static int
s_day_add_stop (s_day_t *day, const s_stop_t *stop, bool located, double lat, double lon,
                const char *skill, int minutes, const char *priority, int pinned_vehicle)
{
    if (day->stop_count == day->stop_max) {
        day->stop_max = day->stop_max ? day->stop_max * 2 : 32;
        day->stops = realloc (day->stops, (size_t) day->stop_max * sizeof *day->stops);
        assert (day->stops);
    }
    s_stop_t *added = &day->stops [day->stop_count];
    *added = *stop;
    double travel = located ? 0 : day->config->default_travel * 60.0;
    added->offset = travel;
    int site = located ? as_vrp_problem_add_site (day->problem, lon, lat) : 0;
    as_vrp_visit_t visit = as_vrp_visit_default (site, stop->window_start - day->origin - travel,
                                                 stop->window_end - day->origin - travel, minutes * 60.0 + 2 * travel);
    visit.demand = 1;
    int category = dispatch_category_index (skill);
    visit.skills = category >= 0 ? 1ull << category : 0;
    visit.priority = s_priority_level (priority);
    visit.pinned_vehicle = pinned_vehicle;
    int index = as_vrp_problem_add_visit (day->problem, &visit);
    if (index < 0)
        return -1;
    assert (index == day->stop_count);
    day->stop_count++;
    return index;
}

//  --- Loading days in bulk ----------------------------------------------------------

//  What one round trip brought back for some stations over some dates.
//  Stations, shifts and absences are in the fleet cache (`cached`) or the
//  load's own; s_fleet says which.
typedef struct {
    PGresult *origins, *stations, *engineers, *absences;
} s_fleet_t;

//  One planned visit of a day, as loaded.
typedef struct {
    s_stop_t stop;
    bool located;
    double lat, lon;
    int minutes;
    char skill [32], priority [16];
} s_planned_t;

//  The planned visits of a station on a date (as PostgreSQL writes it), as
//  of `version`: the day's row of day_versions (0 = none yet).
typedef struct {
    int64_t station_id;
    char date [11];
    int64_t version;
    s_planned_t *visits;
    int count;
} s_plan_t;

typedef struct {
    s_fleet_t *cached;
    s_fleet_t own;
    s_plan_t *plans;            //  a copy of each day's plan (the cache's may go)
    int plan_count;
    int64_t exclude;            //  a visit being moved: not part of its day
} s_bulk_t;

static const s_fleet_t *
s_fleet (const s_bulk_t *bulk)
{
    return bulk->cached ? bulk->cached : &bulk->own;
}

static void
s_fleet_clear (s_fleet_t *fleet)
{
    PQclear (fleet->origins);
    PQclear (fleet->stations);
    PQclear (fleet->engineers);
    PQclear (fleet->absences);
    memset (fleet, 0, sizeof *fleet);
}

static void
s_bulk_clear (s_bulk_t *bulk)
{
    s_fleet_clear (&bulk->own);
    for (int index = 0; index < bulk->plan_count; index++)
        free (bulk->plans [index].visits);
    free (bulk->plans);
    memset (bulk, 0, sizeof *bulk);
}

//  The fleet cache: what bulk loads brought back of stations, engineers'
//  shifts and absences, by (stations, dates), while fleet_version (moved
//  by triggers on those tables, whoever changes them: migration 003) stays
//  where it was when they were loaded. Offers and bookings read the
//  version with their need; other loads (re-plans, the board) go without
//  the cache. Each thread of dispatchd (the loop, the read worker) has its
//  own caches (__thread), and frees them with dispatch_plan_cache_free.
static __thread zhashx_t *s_fleet_cache;
static __thread int64_t s_fleet_cache_version;

#define S_FLEET_CACHE_MAX 512

static void
s_fleet_destroy (void **item)
{
    s_fleet_t *fleet = *item;
    s_fleet_clear (fleet);
    free (fleet);
    *item = NULL;
}

//  The cached fleet for a key at this version, or NULL (the cache is
//  emptied when the version moved).
static s_fleet_t *
s_fleet_cached (const char *key, int64_t version)
{
    if (!s_fleet_cache) {
        s_fleet_cache = zhashx_new ();
        zhashx_set_destructor (s_fleet_cache, s_fleet_destroy);
    }
    if (version != s_fleet_cache_version || zhashx_size (s_fleet_cache) >= S_FLEET_CACHE_MAX) {
        zhashx_purge (s_fleet_cache);
        s_fleet_cache_version = version;
    }
    return zhashx_lookup (s_fleet_cache, key);
}

//  The plan cache: the planned visits of each day loaded, with the day's
//  version (day_versions, moved by triggers on visits and on cases' places
//  whoever writes them: migration 007). A load sends the versions it
//  holds and gets back only the days that moved. Versions come from a
//  sequence, so a copy taken inside a transaction that was rolled back
//  (or undone to a savepoint) never matches again.
static __thread zhashx_t *s_plans;

#define S_PLAN_CACHE_MAX 4096

static void
s_plan_destroy (void **item)
{
    s_plan_t *plan = *item;
    free (plan->visits);
    free (plan);
    *item = NULL;
}

//  A day's key in the plan cache.
static void
s_plan_key (int64_t station_id, const char *date, char key [48])
{
    snprintf (key, 48, "%lld|%s", (long long) station_id, date);
}

static s_plan_t *
s_plan_cached (int64_t station_id, const char *date)
{
    char key [48];
    s_plan_key (station_id, date, key);
    return s_plans ? zhashx_lookup (s_plans, key) : NULL;
}

static __thread PGresult *s_skills;

void
dispatch_plan_cache_free (void)
{
    zhashx_destroy (&s_fleet_cache);
    zhashx_destroy (&s_plans);
    PQclear (s_skills);
    s_skills = NULL;
}

//  Keep a load's fleet in the cache; the bulk now uses it from there.
static void
s_fleet_keep (s_bulk_t *bulk, const char *key)
{
    s_fleet_t *kept = malloc (sizeof *kept);
    assert (kept);
    *kept = bulk->own;
    memset (&bulk->own, 0, sizeof bulk->own);
    zhashx_insert (s_fleet_cache, key, kept);
    bulk->cached = kept;
}

//  "{a,b,c}" of ids or of dates (YYYY-MM-DD, no quoting needed).
static char *
s_array_ids (const int64_t *ids, int count)
{
    char *text = malloc ((size_t) count * 22 + 3);
    assert (text);
    size_t at = 0;
    text [at++] = '{';
    for (int index = 0; index < count; index++)
        at += (size_t) sprintf (text + at, "%s%lld", index ? "," : "", (long long) ids [index]);
    strcpy (text + at, "}");
    return text;
}

static char *
s_array_dates (s_date_t *dates, int count)
{
    char *text = malloc ((size_t) count * 12 + 3);
    assert (text);
    size_t at = 0;
    text [at++] = '{';
    for (int index = 0; index < count; index++)
        at += (size_t) sprintf (text + at, "%s%s", index ? "," : "", dates [index]);
    strcpy (text + at, "}");
    return text;
}

//  Days a transaction will change are locked first, so that two dispatchd
//  processes (or two workers) never plan the same engineers' day from the
//  same stale load: one transaction-scoped advisory lock per (station, local
//  date), keys (station id, days since 2000-01-01), always taken in
//  (date, station) order in one statement, and before the day is loaded.
//  $1 stations x $2 dates, plus ($3, $4) when both are given.
static const as_stmt_t s_lock_days = { "dispatch_plan_lock_days",
    "SELECT pg_advisory_xact_lock(d.station_id::int, d.day - date '2000-01-01')"
    " FROM (SELECT s.station_id, t.day FROM unnest($1::bigint[]) AS s(station_id), unnest($2::date[]) AS t(day)"
    " UNION SELECT $3::bigint, $4::date WHERE $3::bigint IS NOT NULL AND $4::date IS NOT NULL"
    " ORDER BY 2, 1 OFFSET 0) d" };

static const as_stmt_t s_lock_visit_day = { "dispatch_plan_lock_visit_day",
    "SELECT pg_advisory_xact_lock(station_id::int, plan_date - date '2000-01-01') FROM visits"
    " WHERE id = $1 AND station_id IS NOT NULL AND plan_date IS NOT NULL" };

int
dispatch_plan_lock_visit_day (as_pg_t *pg, int64_t visit_id, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    PGresult *result = as_pg_run (pg, &s_lock_visit_day, &params, err);
    PQclear (result);
    return result ? 0 : -1;
}

//  What s_bulk_load locks before it loads (NULL: a read, nothing).
typedef struct {
    int64_t station_id;         //  one more day to lock, 0 = none
    const char *date;
} s_lock_t;

static void
s_lock_params (as_pg_params_t *params, const char *station_list, const char *date_list, const s_lock_t *also)
{
    as_pgp_reset (params);
    as_pgp_str (params, station_list);
    as_pgp_str (params, date_list);
    if (also->station_id && also->date && *also->date) {
        as_pgp_int (params, also->station_id);
        as_pgp_str (params, also->date);
    }
    else {
        as_pgp_null (params);
        as_pgp_null (params);
    }
}

//  The arrays of s_bulk_visits for every station on every date, each day
//  once, with the version the plan cache holds of it (-1: none). The
//  caller frees the three texts.
static void
s_plan_request (const int64_t *stations, int station_count, s_date_t *dates, int date_count,
                as_pg_params_t *params, char *texts [3])
{
    size_t days = (size_t) station_count * (size_t) date_count;
    for (int index = 0; index < 3; index++) {
        texts [index] = malloc (days * 22 + 3);
        assert (texts [index]);
        strcpy (texts [index], "{");
    }
    size_t at [3] = { 1, 1, 1 };
    int count = 0;
    for (int station = 0; station < station_count; station++)
        for (int date = 0; date < date_count; date++) {
            bool again = false;         //  a day asked for twice goes once
            for (int before = 0; before < station && !again; before++)
                again = stations [before] == stations [station];
            for (int before = 0; before < date && !again; before++)
                again = strcmp (dates [before], dates [date]) == 0;
            if (again)
                continue;
            const s_plan_t *held = s_plan_cached (stations [station], dates [date]);
            const char *comma = count++ ? "," : "";
            at [0] += (size_t) sprintf (texts [0] + at [0], "%s%lld", comma, (long long) stations [station]);
            at [1] += (size_t) sprintf (texts [1] + at [1], "%s%s", comma, dates [date]);
            at [2] += (size_t) sprintf (texts [2] + at [2], "%s%lld", comma, held ? (long long) held->version : -1LL);
        }
    as_pgp_reset (params);
    for (int index = 0; index < 3; index++) {
        strcpy (texts [index] + at [index], "}");
        as_pgp_str (params, texts [index]);
    }
}

//  Keep the days a load brought back (rows of s_bulk_visits) in the plan
//  cache, in place of what it held of them.
static void
s_plans_keep (const PGresult *result)
{
    if (!s_plans) {
        s_plans = zhashx_new ();
        zhashx_set_destructor (s_plans, s_plan_destroy);
    }
    int rows = PQntuples (result);
    for (int row = 0; row < rows;) {
        s_plan_t *plan = calloc (1, sizeof *plan);
        assert (plan);
        plan->station_id = as_pg_get_int (result, row, 0);
        snprintf (plan->date, sizeof plan->date, "%s", as_pg_get_str (result, row, 1));
        plan->version = as_pg_get_int (result, row, 2);
        int end = row;
        while (end < rows && as_pg_get_int (result, end, 0) == plan->station_id
               && strcmp (as_pg_get_str (result, end, 1), plan->date) == 0)
            end++;
        plan->visits = calloc ((size_t) (end - row), sizeof *plan->visits);
        assert (plan->visits);
        for (; row < end; row++) {
            if (PQgetisnull (result, row, 3))
                continue;               //  the day has no visit
            s_planned_t *visit = &plan->visits [plan->count++];
            visit->stop = (s_stop_t) { as_pg_get_int (result, row, 3), as_pg_get_int (result, row, 4), -1,
                                       as_pg_get_bool (result, row, 12), as_pg_get_bool (result, row, 13),
                                       s_float (result, row, 5), s_float (result, row, 6), 0,
                                       (int) as_pg_get_int (result, row, 14), s_float (result, row, 15) };
            visit->located = !PQgetisnull (result, row, 10);
            visit->lat = s_float (result, row, 10);
            visit->lon = s_float (result, row, 11);
            visit->minutes = (int) as_pg_get_int (result, row, 7);
            snprintf (visit->skill, sizeof visit->skill, "%s", as_pg_get_str (result, row, 8));
            snprintf (visit->priority, sizeof visit->priority, "%s", as_pg_get_str (result, row, 9));
        }
        char key [48];
        s_plan_key (plan->station_id, plan->date, key);
        zhashx_delete (s_plans, key);
        zhashx_insert (s_plans, key, plan);
    }
}

//  The bulk's own copy of each day's plan, by the dates as PostgreSQL
//  writes them (the origins); every day is in the cache after a load.
static int
s_plans_copy (s_bulk_t *bulk, const int64_t *stations, int station_count, as_error_t *err)
{
    const PGresult *origins = s_fleet (bulk)->origins;
    int days = PQntuples (origins);
    bulk->plans = calloc ((size_t) station_count * (size_t) days + 1, sizeof *bulk->plans);
    assert (bulk->plans);
    for (int station = 0; station < station_count; station++)
        for (int date = 0; date < days; date++) {
            const s_plan_t *plan = s_plan_cached (stations [station], as_pg_get_str (origins, date, 0));
            if (!plan)
                return as_error_set (err, AS_INTERNAL, "the plan of station %lld on %s was not loaded",
                                     (long long) stations [station], as_pg_get_str (origins, date, 0));
            s_plan_t *copy = &bulk->plans [bulk->plan_count++];
            *copy = *plan;
            copy->visits = malloc ((size_t) plan->count * sizeof *plan->visits + 1);
            assert (copy->visits);
            memcpy (copy->visits, plan->visits, (size_t) plan->count * sizeof *plan->visits);
        }
    return 0;
}

//  Engineers, absences and planned visits (except `exclude`) of `stations`
//  on `dates`, with each date's origin and each station's place. With
//  `lock`, those days (and lock's extra day) are locked first, in the same
//  round trip. With `fleet_version` (> 0, read in this request) all but the
//  visits may come from the fleet cache.
static int
s_bulk_load (as_pg_t *pg, const dispatch_config_t *config, const int64_t *stations, int station_count,
             s_date_t *dates, int date_count, int64_t exclude, const s_lock_t *lock, int64_t fleet_version,
             s_bulk_t *bulk, as_error_t *err)
{
    memset (bulk, 0, sizeof *bulk);
    bulk->exclude = exclude;
    if (s_plans && zhashx_size (s_plans) >= S_PLAN_CACHE_MAX)
        zhashx_purge (s_plans);
    char *station_list = s_array_ids (stations, station_count), *date_list = s_array_dates (dates, date_count);
    char *key = NULL;
    if (fleet_version > 0) {
        key = malloc (strlen (station_list) + strlen (date_list) + 2);
        assert (key);
        sprintf (key, "%s|%s", station_list, date_list);
        bulk->cached = s_fleet_cached (key, fleet_version);
    }
    as_pg_params_t origin_params, station_params, params;
    as_pgp_reset (&origin_params);
    as_pgp_str (&origin_params, date_list);
    as_pgp_str (&origin_params, config->zone);
    as_pgp_reset (&station_params);
    as_pgp_str (&station_params, station_list);
    as_pgp_reset (&params);
    as_pgp_str (&params, station_list);
    as_pgp_str (&params, date_list);
    as_pgp_str (&params, config->zone);
    as_pg_params_t visit_params;
    char *visit_texts [3];
    s_plan_request (stations, station_count, dates, date_count, &visit_params, visit_texts);
    as_pg_params_t lock_params;
    as_pg_step_t steps [8];
    int count = 0, first_fleet = -1;
    if (lock) {
        s_lock_params (&lock_params, station_list, date_list, lock);
        steps [count++] = (as_pg_step_t) { &s_lock_days, NULL, &lock_params, NULL };
    }
    if (!bulk->cached) {
        first_fleet = count;
        steps [count++] = (as_pg_step_t) { &s_bulk_origins, NULL, &origin_params, NULL };
        steps [count++] = (as_pg_step_t) { &s_bulk_stations, NULL, &station_params, NULL };
        steps [count++] = (as_pg_step_t) { &s_bulk_engineers, NULL, &params, NULL };
        steps [count++] = (as_pg_step_t) { &s_bulk_absences, NULL, &params, NULL };
    }
    //  The visits of the days that moved since the plan cache got them,
    //  each day through an index. While the table holds only the few days
    //  planned so far, its statistics make a scan of every visit look as
    //  cheap, and PostgreSQL takes it: about a thousand rows read for
    //  thirty at every load in bench flow. Its plan is made once (planning
    //  it for every load cost more than running it). Outside a transaction
    //  of ours (an offer) the pipeline is its own transaction and the
    //  settings end with it; inside one they are set back.
    as_pg_params_t off, on;
    as_pgp_reset (&off);
    as_pgp_str (&off, "off");
    as_pgp_str (&off, "force_generic_plan");
    as_pgp_reset (&on);
    as_pgp_str (&on, "on");
    as_pgp_str (&on, "auto");
    steps [count++] = (as_pg_step_t) { &s_seqscan, NULL, &off, NULL };
    int visits_step = count;
    steps [count++] = (as_pg_step_t) { &s_bulk_visits, NULL, &visit_params, NULL };
    if (as_pg_in_transaction (pg))
        steps [count++] = (as_pg_step_t) { &s_seqscan, NULL, &on, NULL };
    int rc = as_pg_pipeline (pg, steps, count, err);
    if (first_fleet >= 0) {
        bulk->own = (s_fleet_t) { steps [first_fleet].result, steps [first_fleet + 1].result,
                                  steps [first_fleet + 2].result, steps [first_fleet + 3].result };
    }
    for (int index = 0; first_fleet >= 0 && index < 4; index++)
        steps [first_fleet + index].result = NULL;      //  now the bulk's own
    if (rc == 0) {
        s_plans_keep (steps [visits_step].result);
        rc = s_plans_copy (bulk, stations, station_count, err);
    }
    for (int index = 0; index < count; index++)
        PQclear (steps [index].result);
    free (station_list);
    free (date_list);
    for (int index = 0; index < 3; index++)
        free (visit_texts [index]);
    if (rc)
        s_bulk_clear (bulk);
    else
    if (key && !bulk->cached)
        s_fleet_keep (bulk, key);
    free (key);
    return rc;
}

static void
s_day_add_engineers (s_day_t *day, const s_bulk_t *bulk)
{
    const PGresult *engineers = s_fleet (bulk)->engineers;
    for (int row = 0; row < PQntuples (engineers) && day->vehicles < S_MAX_ENGINEERS; row++) {
        if (as_pg_get_int (engineers, row, 5) != day->station_id || strcmp (as_pg_get_str (engineers, row, 6), day->date))
            continue;
        int64_t id = as_pg_get_int (engineers, row, 0);
        double start = s_float (engineers, row, 2), end = s_float (engineers, row, 3);
        if (!s_clip_shift (s_fleet (bulk)->absences, id, &start, &end))
            continue;
        as_vrp_vehicle_t vehicle = { 0, 0, start - day->origin, end - day->origin,
            (int) as_pg_get_int (engineers, row, 1), s_skill_bits (as_pg_get_str (engineers, row, 4)) };
        if (as_vrp_problem_add_vehicle (day->problem, &vehicle) >= 0)
            day->engineers [day->vehicles++] = id;
    }
}

static void
s_day_add_visits (s_day_t *day, const s_bulk_t *bulk)
{
    for (int index = 0; index < bulk->plan_count; index++) {
        const s_plan_t *plan = &bulk->plans [index];
        if (plan->station_id != day->station_id || strcmp (plan->date, day->date) != 0)
            continue;
        for (int at = 0; at < plan->count; at++) {
            const s_planned_t *visit = &plan->visits [at];
            if (visit->stop.id == bulk->exclude)
                continue;
            s_stop_t stop = visit->stop;
            stop.vehicle = s_vehicle_of (day, stop.engineer_id);
            if (s_day_add_stop (day, &stop, visit->located, visit->lat, visit->lon, visit->skill,
                                visit->minutes, visit->priority, -1) < 0)
                as_warn ("visit %lld has an empty window, left out of the plan", (long long) stop.id);
        }
    }
}

//  The day of one station on the bulk load's date number `date` (its
//  order in the load) as a problem: its engineers (shifts after absences)
//  and the visits planned there. The date as PostgreSQL writes it is the
//  day's, so rows match however the caller spelled it.
static s_day_t *
s_day_build (const s_bulk_t *bulk, const dispatch_config_t *config, int64_t station_id, int date,
             as_error_t *err)
{
    int station = -1, origin = date < PQntuples (s_fleet (bulk)->origins) ? date : -1;
    for (int row = 0; row < PQntuples (s_fleet (bulk)->stations); row++)
        if (as_pg_get_int (s_fleet (bulk)->stations, row, 0) == station_id)
            station = row;
    if (station < 0 || origin < 0) {
        as_error_set (err, AS_NOT_FOUND, "station %lld not found", (long long) station_id);
        return NULL;
    }
    s_day_t *day = calloc (1, sizeof *day);
    assert (day);
    day->config = config;
    day->station_id = station_id;
    snprintf (day->date, sizeof day->date, "%s", as_pg_get_str (s_fleet (bulk)->origins, origin, 0));
    day->problem = as_vrp_problem_new ();
    as_vrp_problem_set_great_circle (day->problem, config->road_factor, config->speed);
    day->lat = s_float (s_fleet (bulk)->stations, station, 1);
    day->lon = s_float (s_fleet (bulk)->stations, station, 2);
    day->origin = s_float (s_fleet (bulk)->origins, origin, 1);
    as_vrp_problem_add_site (day->problem, day->lon, day->lat);
    s_day_add_engineers (day, bulk);
    s_day_add_visits (day, bulk);
    return day;
}

//  The day of a station as a problem: its engineers (shifts after absences)
//  and the visits planned there, except `exclude` (a visit being moved).
//  With `lock` the day (and lock's extra one) is locked before the load.
static s_day_t *
s_day_load (as_pg_t *pg, const dispatch_config_t *config, int64_t station_id, const char *date,
            int64_t exclude, const s_lock_t *lock, as_error_t *err)
{
    s_date_t dates [1];
    snprintf (dates [0], sizeof dates [0], "%s", date);
    s_bulk_t bulk;
    if (s_bulk_load (pg, config, &station_id, 1, dates, 1, exclude, lock, 0, &bulk, err))
        return NULL;
    s_day_t *day = s_day_build (&bulk, config, station_id, 0, err);
    s_bulk_clear (&bulk);
    return day;
}

//  A solution holding the routes as they are planned, fixed visits marked.
static as_vrp_solution_t *
s_day_solution (s_day_t *day)
{
    as_vrp_solution_t *solution = as_vrp_solution_new (day->problem);
    int *route = malloc ((size_t) (day->stop_count + 1) * sizeof *route);
    assert (route);
    for (int vehicle = 0; vehicle < day->vehicles; vehicle++) {
        int count = 0;
        for (int index = 0; index < day->stop_count; index++)
            if (day->stops [index].vehicle == vehicle)
                route [count++] = index;
        if (count)
            as_vrp_solution_set_route (solution, vehicle, route, count);
    }
    for (int index = 0; index < day->stop_count; index++)
        if (day->stops [index].fixed && day->stops [index].vehicle >= 0)
            as_vrp_solution_fix (solution, index, true);
    free (route);
    return solution;
}

//  --- Writing a plan back --------------------------------------------------------

#define S_PLACE_SET \
    "UPDATE visits SET engineer_id = $2, station_id = $3, plan_date = $4::date, seq = $5," \
    " eta = to_timestamp($6::float8), window_start = to_timestamp($7::float8)," \
    " window_end = to_timestamp($8::float8), updated_at = now()"
static const as_stmt_t s_place = { "dispatch_plan_place", S_PLACE_SET " WHERE id = $1" };
//  A visit being booked: its place, its status as dispatch_visit_move_from
//  writes "scheduled", and the move in its history ($9 from, $10 actor,
//  $11 note), one statement (the move was checked by the caller).
static const as_stmt_t s_place_booked = { "dispatch_plan_place_booked",
    "WITH placed AS (" S_PLACE_SET ", status = 'scheduled', late_at = NULL WHERE id = $1 RETURNING id)"
    " INSERT INTO visit_history (visit_id, from_status, to_status, actor, note)"
    " SELECT id, $9, 'scheduled', $10, $11 FROM placed" };
static const as_stmt_t s_unplace = { "dispatch_plan_unplace",
    "UPDATE visits SET engineer_id = NULL, station_id = NULL, plan_date = NULL, seq = NULL,"
    " eta = NULL, pinned = false, updated_at = now() WHERE id = $1" };

static int
s_place_stop (as_pg_t *pg, const s_day_t *day, const as_vrp_solution_t *solution, int index,
              int vehicle, int seq, as_error_t *err)
{
    const s_stop_t *stop = &day->stops [index];
    double arrival = day->origin + as_vrp_solution_start_time (solution, index) + stop->offset;
    bool booked = stop->id == day->booked.id;
    //  A stop where it was loaded (engineer, place, ETA to the second) is
    //  left alone: a booking rewrites only the stops it moved, not the day.
    if (!booked && stop->engineer_id == day->engineers [vehicle] && stop->seq == seq && stop->eta >= 0
    &&  llround (stop->eta) == llround (arrival))
        return 0;
    char eta [32], start [32], end [32];
    snprintf (eta, sizeof eta, "%.0f", arrival);
    snprintf (start, sizeof start, "%.0f", stop->window_start);
    snprintf (end, sizeof end, "%.0f", stop->window_end);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, stop->id);
    as_pgp_int (&params, day->engineers [vehicle]);
    as_pgp_int (&params, day->station_id);
    as_pgp_str (&params, day->date);
    as_pgp_int (&params, seq);
    as_pgp_str (&params, eta);
    as_pgp_str (&params, start);
    as_pgp_str (&params, end);
    if (booked) {
        as_pgp_str (&params, day->booked.from);
        as_pgp_str (&params, day->booked.actor);
        as_pgp_str (&params, day->booked.note);
    }
    //  The visit's day is locked and the visit is in it: nothing to check.
    return as_pg_defer (pg, booked ? &s_place_booked : &s_place, &params, err);
}

//  A planned visit that no engineer of the day can take any more goes back
//  to unscheduled; the customer must be given a new appointment.
static int
s_unplace_stop (as_service_t *service, as_pg_t *pg, int64_t visit_id, const char *actor,
                const char *reason, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    if (dispatch_visit_move (pg, visit_id, "unscheduled", actor, reason, err)
    ||  as_pg_defer (pg, &s_unplace, &params, err))     //  locked by the move
        return -1;
    return dispatch_emit_scheduled (service, pg, visit_id, "visit.rescheduled", reason, NULL, err);
}

//  Store every route of the solution (order, engineer, ETA). Visits that
//  changed engineer are announced (visit.rescheduled); planned visits left
//  out are unscheduled. Probes being booked are placed; their status and
//  event are the caller's. Sets *moved when given.
static int
s_day_save (as_service_t *service, as_pg_t *pg, const s_day_t *day, const as_vrp_solution_t *solution,
            const char *actor, const char *reason, int *moved, as_error_t *err)
{
    int changed = 0;
    for (int vehicle = 0; vehicle < day->vehicles; vehicle++) {
        int count = 0;
        const int *route = as_vrp_solution_route (solution, vehicle, &count);
        for (int seq = 0; seq < count; seq++) {
            const s_stop_t *stop = &day->stops [route [seq]];
            if (stop->id == 0)
                continue;
            if (s_place_stop (pg, day, solution, route [seq], vehicle, seq + 1, err))
                return -1;
            if (stop->engineer_id && stop->engineer_id != day->engineers [vehicle]) {
                changed++;
                if (dispatch_emit_scheduled (service, pg, stop->id, "visit.rescheduled", reason, NULL, err))
                    return -1;
            }
        }
    }
    for (int index = 0; index < day->stop_count; index++) {
        const s_stop_t *stop = &day->stops [index];
        if (stop->id && stop->engineer_id && as_vrp_solution_vehicle_of (solution, index) < 0) {
            changed++;
            if (s_unplace_stop (service, pg, stop->id, actor, "no engineer can keep this appointment", err))
                return -1;
        }
    }
    if (moved)
        *moved = changed;
    return 0;
}

//  --- Windows, candidate stations, probes ---------------------------------------

//  $1 the visit, or 0 and $2 the case (its latest open visit). Written
//  as one case's visits (visits_case) so that its plan is an index scan
//  whether PostgreSQL plans it for the values or once for all (an OR of
//  the two would make the generic plan a scan of every visit).
#define S_NEED_WHERE \
    " WHERE v.case_id = (CASE WHEN $1::bigint = 0 THEN $2::bigint" \
    "                    ELSE (SELECT w.case_id FROM visits w WHERE w.id = $1) END)" \
    "  AND ($1 = 0 OR v.id = $1)" \
    "  AND v.status IN ('unscheduled', 'scheduled', 'dispatched', 'confirmed')" \
    " ORDER BY v.id DESC LIMIT 1"
#define S_NEED_SQL \
    "SELECT v.id, v.case_id, coalesce(v.engineer_id, 0), coalesce(v.station_id, 0), v.status, v.skill," \
    " v.priority, coalesce(v.plan_date::text, ''), v.minutes, c.lat, c.lon," \
    " (SELECT version FROM fleet_version)" \
    " FROM visits v JOIN cases c ON c.id = v.case_id" S_NEED_WHERE
static const as_stmt_t s_need = { "dispatch_plan_need", S_NEED_SQL " FOR UPDATE OF v" };
//  slots.offer only reads: a row lock there would make its own transaction
//  and a commit that waits for the disk.
static const as_stmt_t s_need_read = { "dispatch_plan_need_read", S_NEED_SQL };
//  Each station with each skill some active engineer of it holds, by
//  station: the candidates of every visit, kept in dispatchd while
//  fleet_version stands still (s_station_skills).
static const as_stmt_t s_skills_stmt = { "dispatch_plan_station_skills",
    "SELECT DISTINCT s.id, s.lat, s.lon, s.radius_km, k.category FROM stations s"
    " JOIN engineers e ON e.station_id = s.id AND e.active JOIN engineer_skills k ON k.engineer_id = e.id"
    " ORDER BY s.id, k.category" };
//  $3 dates from $1 (NULL: today, local), those before the horizon $4
//  days from today only (NULL: all).
static const as_stmt_t s_dates = { "dispatch_plan_dates",
    "SELECT to_char(d, 'YYYY-MM-DD') FROM (SELECT coalesce($1::date, (now() AT TIME ZONE $2)::date) + i AS d"
    "  FROM generate_series(0, $3::int - 1) i) dates"
    " WHERE $4::int IS NULL OR d < (now() AT TIME ZONE $2)::date + $4::int ORDER BY d" };
//  A time's local date, its epoch and how many days after today's that date is.
static const as_stmt_t s_local_date = { "dispatch_plan_local_date",
    "SELECT (($1::timestamptz AT TIME ZONE $2)::date)::text, extract(epoch FROM $1::timestamptz)::float8,"
    " ($1::timestamptz AT TIME ZONE $2)::date - (now() AT TIME ZONE $2)::date" };

static const as_stmt_t s_fleet_version = { "dispatch_plan_fleet_version",
    "SELECT version FROM fleet_version" };

//  The rows of s_station_skills as of fleet_version `version` (read in
//  this request; 0 = unknown): from dispatchd's copy when it was loaded at
//  that version, else loaded again. The version is read before the rows:
//  were the fleet to change in between, the copy is older than its rows
//  and the next request loads them again, never the other way round.
static __thread int64_t s_skills_version;

static const PGresult *
s_station_skills (as_pg_t *pg, int64_t version, as_error_t *err)
{
    if (s_skills && version > 0 && version == s_skills_version)
        return s_skills;
    as_pg_step_t steps [] = { { &s_fleet_version, NULL, NULL, NULL }, { &s_skills_stmt, NULL, NULL, NULL } };
    int rc = as_pg_pipeline (pg, steps, 2, err);
    PQclear (s_skills);
    s_skills = NULL;
    if (rc == 0) {
        s_skills_version = PQntuples (steps [0].result) ? as_pg_get_int (steps [0].result, 0, 0) : 0;
        s_skills = steps [1].result;
        steps [1].result = NULL;
    }
    PQclear (steps [0].result);
    PQclear (steps [1].result);
    return s_skills;
}

//  The open visit of a case (or the visit) that can still take an
//  appointment, its row locked when it is about to be booked, and the
//  fleet's version (for the fleet caches); with `also`, one more statement
//  of the caller's (its result set there). All in one round trip.
static int
s_need_load (as_pg_t *pg, int64_t visit_id, int64_t case_id, bool lock, as_pg_step_t *also, s_need_t *need,
             as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_int (&params, case_id);
    as_pg_step_t steps [2] = { { lock ? &s_need : &s_need_read, NULL, &params, NULL } };
    int count = 1, also_step = -1;
    if (also) {
        also_step = count;
        steps [count++] = *also;
    }
    int rc = as_pg_pipeline (pg, steps, count, err);
    PGresult *result = steps [0].result;
    if (rc == 0 && PQntuples (result) == 0) {
        rc = visit_id ? as_error_set (err, AS_FAILED_PRECONDITION,
                                      "visit %lld does not exist or can no longer take an appointment",
                                      (long long) visit_id)
                      : as_error_set (err, AS_FAILED_PRECONDITION,
                                      "case %lld has no visit waiting for an appointment (unknown, not triaged,"
                                      " entitlement not decided, or already under way)", (long long) case_id);
    }
    if (rc == 0) {
        memset (need, 0, sizeof *need);
        need->id = as_pg_get_int (result, 0, 0);
        need->case_id = as_pg_get_int (result, 0, 1);
        need->engineer_id = as_pg_get_int (result, 0, 2);
        need->station_id = as_pg_get_int (result, 0, 3);
        snprintf (need->status, sizeof need->status, "%s", as_pg_get_str (result, 0, 4));
        snprintf (need->skill, sizeof need->skill, "%s", as_pg_get_str (result, 0, 5));
        snprintf (need->priority, sizeof need->priority, "%s", as_pg_get_str (result, 0, 6));
        snprintf (need->plan_date, sizeof need->plan_date, "%s", as_pg_get_str (result, 0, 7));
        need->minutes = (int) as_pg_get_int (result, 0, 8);
        need->located = !PQgetisnull (result, 0, 9);
        need->lat = s_float (result, 0, 9);
        need->lon = s_float (result, 0, 10);
        need->fleet_version = PQgetisnull (result, 0, 11) ? 0 : as_pg_get_int (result, 0, 11);
        //  The caller's result goes to the caller; the rest is cleared below.
        if (also) {
            also->result = steps [also_step].result;
            steps [also_step].result = NULL;
        }
    }
    for (int step = 0; step < count; step++)
        PQclear (steps [step].result);
    return rc;
}

//  Of the stations with the visit's skill (rows of s_station_skills), those
//  whose radius covers the customer, nearest first. A customer without a
//  location: every such station (the README says why).
static int
s_candidate_stations (const PGresult *result, const s_need_t *need, int64_t *stations)
{
    double distances [S_MAX_STATIONS];
    int count = 0;
    for (int row = 0; row < PQntuples (result) && count < S_MAX_STATIONS; row++) {
        if (strcmp (as_pg_get_str (result, row, 4), need->skill) != 0)
            continue;
        double distance = need->located ? dispatch_distance (need->lat, need->lon, s_float (result, row, 1),
                                                             s_float (result, row, 2)) : 0;
        if (distance > as_pg_get_int (result, row, 3) * 1000.0)
            continue;
        int at = count++;
        while (at > 0 && distances [at - 1] > distance) {
            distances [at] = distances [at - 1];
            stations [at] = stations [at - 1];
            at--;
        }
        distances [at] = distance;
        stations [at] = as_pg_get_int (result, row, 0);
    }
    return count;
}

//  The appointment windows of a day, as epoch seconds.
static int
s_windows (const dispatch_config_t *config, double origin, double *starts, double *ends)
{
    int count = 0;
    for (int minute = config->day_start; minute < config->day_end && count < S_MAX_WINDOWS;
         minute += config->window) {
        starts [count] = origin + minute * 60.0;
        int end = minute + config->window < config->day_end ? minute + config->window : config->day_end;
        ends [count++] = origin + end * 60.0;
    }
    return count;
}

//  What probing a day found for each of its windows.
typedef struct {
    int count;
    double starts [S_MAX_WINDOWS], ends [S_MAX_WINDOWS];
    int64_t station [S_MAX_WINDOWS];    //  best station, 0 = none can serve it
    double added [S_MAX_WINDOWS];       //  extra travel there, seconds
} s_probe_t;

static void
s_probe_station (s_day_t *day, const s_need_t *need, s_probe_t *probe, time_t earliest)
{
    //  Every window gets a probe (indices stay aligned); those starting too
    //  soon are never tried.
    int first = day->stop_count;
    for (int window = 0; window < probe->count; window++) {
        s_stop_t stop = { 0, 0, -1, false, false, probe->starts [window], probe->ends [window], 0, 0, -1 };
        s_day_add_stop (day, &stop, need->located, need->lat, need->lon, need->skill, need->minutes,
                        need->priority, -1);
    }
    as_vrp_solution_t *solution = s_day_solution (day);
    for (int window = 0; window < probe->count; window++) {
        if (probe->starts [window] < (double) earliest)
            continue;
        as_vrp_solution_t *trial = as_vrp_solution_dup (solution);
        double added = 0;
        if (as_vrp_solution_insert (trial, first + window, &added) == 0
        &&  (!probe->station [window] || added < probe->added [window])) {
            probe->station [window] = day->station_id;
            probe->added [window] = added;
        }
        as_vrp_solution_destroy (&trial);
    }
    as_vrp_solution_destroy (&solution);
}

//  Try every window of each date at every candidate station: the same
//  check as booking (cheapest feasible insertion into the day as it
//  stands). All the days come from one bulk load; probes [i] is dates [i].
static int
s_probe_dates (as_pg_t *pg, const dispatch_config_t *config, const s_need_t *need, s_date_t *dates,
               int date_count, s_probe_t *probes, s_bulk_t *keep, as_error_t *err)
{
    memset (probes, 0, (size_t) date_count * sizeof *probes);
    if (keep)
        memset (keep, 0, sizeof *keep);
    const PGresult *skilled = s_station_skills (pg, need->fleet_version, err);
    if (!skilled)
        return -1;
    int64_t stations [S_MAX_STATIONS];
    int station_count = s_candidate_stations (skilled, need, stations);
    if (station_count == 0 || date_count == 0)
        return 0;
    //  A booking (keep) decides on these days: lock them, and the day the
    //  visit may leave, before they are loaded. Offers read without locks.
    s_lock_t lock = { need->station_id, need->plan_date };
    s_bulk_t bulk;
    if (s_bulk_load (pg, config, stations, station_count, dates, date_count, need->id, keep ? &lock : NULL,
                     need->fleet_version, &bulk, err))
        return -1;
    time_t earliest = time (NULL) + config->lead * 60;
    int rc = 0;
    for (int date = 0; date < date_count && rc == 0; date++)
        for (int index = 0; index < station_count && rc == 0; index++) {
            s_day_t *day = s_day_build (&bulk, config, stations [index], date, err);
            if (!day) {
                rc = -1;
                break;
            }
            s_probe_t *probe = &probes [date];
            if (probe->count == 0)
                probe->count = s_windows (config, day->origin, probe->starts, probe->ends);
            s_probe_station (day, need, probe, earliest);
            s_day_destroy (&day);
        }
    //  The caller may book from the same days (same transaction, nothing
    //  written since) instead of loading them again.
    if (keep && rc == 0)
        *keep = bulk;
    else
        s_bulk_clear (&bulk);
    return rc;
}

//  --- Booking ----------------------------------------------------------------------

typedef struct {
    const char *date;
    double start, end;
    int64_t station_id;
    int64_t engineer_id;        //  an operator's choice, or 0 = any
    const char *actor;
    const s_bulk_t *loaded;     //  the probe's days (excluding the visit), or NULL = load
    int loaded_date;            //  the booking's date in `loaded`
    PGresult **reply;           //  where the visit's row for the reply goes, or NULL
} s_booking_t;

static const as_stmt_t s_set_pinned = { "dispatch_plan_set_pinned",
    "UPDATE visits SET pinned = $2, updated_at = now() WHERE id = $1" };

//  Recompute the order and ETAs of a day a visit has left.
static int
s_resave_day (as_service_t *service, as_pg_t *pg, const dispatch_config_t *config, int64_t station_id,
              const char *date, const char *actor, as_error_t *err)
{
    s_lock_t lock = { 0, NULL };     //  held already (the booking's); re-entrant
    s_day_t *day = s_day_load (pg, config, station_id, date, 0, &lock, err);
    if (!day)
        return -1;
    as_vrp_solution_t *solution = s_day_solution (day);
    int rc = s_day_save (service, pg, day, solution, actor, "the day plan changed", NULL, err);
    as_vrp_solution_destroy (&solution);
    s_day_destroy (&day);
    return rc;
}

//  The life-cycle step and event of a visit that got (another) appointment.
static int
s_announce_booking (as_service_t *service, as_pg_t *pg, const s_need_t *need, const s_booking_t *booking,
                    as_error_t *err)
{
    bool first = strcmp (need->status, "unscheduled") == 0;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, need->id);
    as_pgp_bool (&params, booking->engineer_id != 0);
    if (booking->engineer_id && as_pg_defer (pg, &s_set_pinned, &params, err))
        return -1;
    return dispatch_emit_scheduled (service, pg, need->id, first ? "visit.scheduled" : "visit.rescheduled",
                                    first ? NULL : "appointment moved", booking->reply, err);
}

//  Insert the visit into the station's day at the window, cheapest
//  feasible position (only the chosen engineer's routes when one is given),
//  store the day, and announce it.
static int
s_book (as_service_t *service, as_pg_t *pg, const dispatch_config_t *config, const s_need_t *need,
        const s_booking_t *booking, as_error_t *err)
{
    //  A booking from the probe's days found them locked (s_probe_dates);
    //  otherwise the day and the one the visit leaves are locked here.
    s_lock_t lock = { need->station_id, need->plan_date };
    s_day_t *day = booking->loaded
                 ? s_day_build (booking->loaded, config, booking->station_id, booking->loaded_date, err)
                 : s_day_load (pg, config, booking->station_id, booking->date, need->id, &lock, err);
    if (!day)
        return -1;
    int pinned = booking->engineer_id ? s_vehicle_of (day, booking->engineer_id) : -1;
    s_stop_t stop = { need->id, 0, -1, false, false, booking->start, booking->end, 0, 0, -1 };
    int index = booking->engineer_id && pinned < 0 ? -1
              : s_day_add_stop (day, &stop, need->located, need->lat, need->lon, need->skill, need->minutes,
                                need->priority, pinned);
    as_vrp_solution_t *solution = s_day_solution (day);
    double added = 0;
    int rc = index >= 0 && as_vrp_solution_insert (solution, index, &added) == 0 ? 0
           : as_error_set (err, AS_FAILED_PRECONDITION, "the window %s can no longer be served%s",
                           booking->date, booking->engineer_id ? " by that engineer (absent, skill, shift,"
                           " window or day full)" : "");
    //  The visit becomes scheduled in the statement that places it, with
    //  its history (one write of its row instead of two). The need was
    //  read with its row locked: its status is the one to move from.
    if (strcmp (need->status, "scheduled") != 0) {
        if (rc == 0)
            rc = dispatch_visit_check_move (need->id, need->status, "scheduled", err);
        bool first = strcmp (need->status, "unscheduled") == 0;
        day->booked.id = need->id;
        day->booked.from = need->status;
        day->booked.actor = booking->actor;
        day->booked.note = first ? "appointment booked" : "appointment moved";
    }
    if (rc == 0)
        rc = s_day_save (service, pg, day, solution, booking->actor, "the day plan changed", NULL, err);
    as_vrp_solution_destroy (&solution);
    s_day_destroy (&day);
    if (rc == 0 && need->station_id && (need->station_id != booking->station_id
                                        || strcmp (need->plan_date, booking->date) != 0))
        rc = s_resave_day (service, pg, config, need->station_id, need->plan_date, booking->actor, err);
    return rc ? -1 : s_announce_booking (service, pg, need, booking, err);
}

//  The statement giving the local date, epoch and days from today of an
//  RFC 3339 time (for s_need_load's `also`), and reading its answer.
static void
s_locate_step (const dispatch_config_t *config, const char *time_text, as_pg_params_t *params, as_pg_step_t *step)
{
    as_pgp_reset (params);
    as_pgp_str (params, time_text);
    as_pgp_str (params, config->zone);
    *step = (as_pg_step_t) { &s_local_date, NULL, params, NULL };
}

static void
s_located (as_pg_step_t *step, char date [11], double *epoch, int64_t *days_ahead)
{
    snprintf (date, 11, "%s", as_pg_get_str (step->result, 0, 0));
    *epoch = s_float (step->result, 0, 1);
    *days_ahead = as_pg_get_int (step->result, 0, 2);
    PQclear (step->result);
    step->result = NULL;
}

static int
s_window_of (const s_probe_t *probe, double epoch)
{
    for (int window = 0; window < probe->count; window++)
        if (fabs (probe->starts [window] - epoch) < 0.5)
            return window;
    return -1;
}

int
dispatch_visit_book (as_call_t *call)
{
    dispatch_config_t *config = dispatch_config (call->service);
    int64_t case_id = 0, visit_id = 0;
    as_obj_int (call->params, "case_id", &case_id);
    as_obj_int (call->params, "visit_id", &visit_id);
    char window_start [40] = "", date [11];
    if (as_obj_text (call->params, NULL, "window_start", window_start, sizeof window_start, call->err) < 0)
        return -1;
    if (!case_id && !visit_id)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "give case_id or visit_id");
    s_need_t need;
    double epoch = 0;
    int64_t days_ahead = 0;
    s_probe_t probe;
    s_bulk_t days;
    as_pg_params_t locate_params;
    as_pg_step_t locate;
    s_locate_step (config, window_start, &locate_params, &locate);
    if (s_need_load (call->pg, visit_id, case_id, true, &locate, &need, call->err))
        return -1;
    s_located (&locate, date, &epoch, &days_ahead);
    //  Offers stop at the horizon; a window past it was never offered.
    if (days_ahead >= config->horizon_days)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "%s is %lld days ahead: appointment windows are"
                             " offered and booked up to %d days ahead (ask slots.offer)", window_start,
                             (long long) days_ahead, config->horizon_days - 1);
    if (s_probe_dates (call->pg, config, &need, &date, 1, &probe, &days, call->err))
        return -1;
    int window = s_window_of (&probe, epoch);
    int rc = window < 0 || !probe.station [window]
           ? as_error_set (call->err, AS_FAILED_PRECONDITION, "%s is not an appointment window that can be"
                           " served (ask slots.offer)", window_start) : 0;
    PGresult *reply = NULL;
    if (rc == 0) {
        s_booking_t booking = { date, probe.starts [window], probe.ends [window], probe.station [window], 0,
                                call->actor, &days, 0, &reply };
        rc = s_book (call->service, call->pg, config, &need, &booking, call->err);
    }
    s_bulk_clear (&days);
    if (rc) {
        PQclear (reply);
        return -1;
    }
    return dispatch_reply_visit_row (call, need.id, reply);
}

//  The statement listing dates from `from` (NULL = today, local) for `days`
//  days; with `horizon` (0: none), only those before today + horizon.
static void
s_dates_step (const dispatch_config_t *config, const char *from, int64_t days, int horizon,
              as_pg_params_t *params, as_pg_step_t *step)
{
    as_pgp_reset (params);
    as_pgp_str (params, from);
    as_pgp_str (params, config->zone);
    as_pgp_int (params, days);
    if (horizon)
        as_pgp_int (params, horizon);
    else
        as_pgp_null (params);
    *step = (as_pg_step_t) { &s_dates, NULL, params, NULL };
}

static PGresult *
s_date_list (as_pg_t *pg, const dispatch_config_t *config, const char *from, int64_t days, as_error_t *err)
{
    as_pg_params_t params;
    as_pg_step_t step;
    s_dates_step (config, from, days, 0, &params, &step);
    return as_pg_run (pg, step.stmt, step.params, err);
}

//  Rows [first, first + count) of a date list as an array (caller frees).
static s_date_t *
s_dates_copy (const PGresult *dates, int first, int count)
{
    s_date_t *days = calloc ((size_t) count + 1, sizeof *days);
    assert (days);
    for (int index = 0; index < count; index++)
        snprintf (days [index], sizeof days [index], "%s", as_pg_get_str (dates, first + index, 0));
    return days;
}

static void
s_pack_slot (msgpack_packer *pk, const char *date, const s_probe_t *probe, int window)
{
    char start [32], end [32];
    s_epoch_text (probe->starts [window], start);
    s_epoch_text (probe->ends [window], end);
    msgpack_pack_map (pk, 4);
    as_pack_kv_str (pk, "date", date);
    as_pack_kv_str (pk, "window_start", start);
    as_pack_kv_str (pk, "window_end", end);
    as_pack_kv_int (pk, "station_id", probe->station [window]);
}

int
dispatch_slots_offer (as_call_t *call)
{
    dispatch_config_t *config = dispatch_config (call->service);
    int64_t case_id = 0, days = config->slot_days;
    as_obj_int (call->params, "case_id", &case_id);
    as_obj_int (call->params, "days", &days);
    char from [11] = "";
    if (as_obj_text (call->params, NULL, "from_date", from, sizeof from, call->err) < 0)
        return -1;
    s_need_t need;
    as_pg_params_t date_params;
    as_pg_step_t listed;
    s_dates_step (config, *from ? from : NULL, days, config->horizon_days, &date_params, &listed);
    if (s_need_load (call->pg, 0, case_id, false, &listed, &need, call->err))
        return -1;
    PGresult *dates = listed.result;
    int rows = PQntuples (dates);
    s_date_t *list = s_dates_copy (dates, 0, rows);
    s_probe_t *probes = calloc ((size_t) rows + 1, sizeof *probes);
    assert (probes);
    size_t offered = 0;
    int rc = s_probe_dates (call->pg, config, &need, list, rows, probes, NULL, call->err);
    free (list);
    for (int row = 0; row < rows && rc == 0; row++)
        for (int window = 0; window < probes [row].count; window++)
            offered += probes [row].station [window] != 0;
    if (rc == 0) {
        msgpack_pack_map (call->result, 3);
        as_pack_kv_int (call->result, "case_id", need.case_id);
        as_pack_kv_int (call->result, "visit_id", need.id);
        as_pack_str (call->result, "slots");
        msgpack_pack_array (call->result, offered);
        for (int row = 0; row < rows; row++)
            for (int window = 0; window < probes [row].count; window++)
                if (probes [row].station [window])
                    s_pack_slot (call->result, as_pg_get_str (dates, row, 0), &probes [row], window);
    }
    free (probes);
    PQclear (dates);
    return rc;
}

static const as_stmt_t s_engineer_station = { "dispatch_plan_engineer_station",
    "SELECT station_id FROM engineers WHERE id = $1" };
static const as_stmt_t s_visit_window = { "dispatch_plan_visit_window",
    "SELECT rfc3339(window_start) FROM visits WHERE id = $1 AND window_start IS NOT NULL" };

static int64_t
s_lookup_int (as_pg_t *pg, const as_stmt_t *stmt, int64_t key, char *text, size_t size, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, key);
    PGresult *result = as_pg_run (pg, stmt, &params, err);
    if (!result)
        return -1;
    int64_t value = PQntuples (result) ? as_pg_get_int (result, 0, 0) : 0;
    if (text && PQntuples (result))
        snprintf (text, size, "%s", as_pg_get_str (result, 0, 0));
    PQclear (result);
    return value;
}

//  An operator puts a visit on one engineer (at its window, or a new one);
//  it stays with them through re-optimisation (pinned).
int
dispatch_visit_assign (as_call_t *call)
{
    dispatch_config_t *config = dispatch_config (call->service);
    int64_t visit_id = 0, engineer_id = 0;
    as_obj_int (call->params, "visit_id", &visit_id);
    as_obj_int (call->params, "engineer_id", &engineer_id);
    char window_start [40] = "", date [11];
    if (as_obj_text (call->params, NULL, "window_start", window_start, sizeof window_start, call->err) < 0)
        return -1;
    int64_t station_id = s_lookup_int (call->pg, &s_engineer_station, engineer_id, NULL, 0, call->err);
    if (station_id <= 0)
        return station_id < 0 ? -1 : as_error_set (call->err, AS_NOT_FOUND, "engineer %lld not found",
                                                   (long long) engineer_id);
    if (!*window_start && s_lookup_int (call->pg, &s_visit_window, visit_id, window_start, sizeof window_start,
                                        call->err) < 0)
        return -1;
    if (!*window_start)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "visit %lld has no window yet: give window_start",
                             (long long) visit_id);
    s_need_t need;
    double epoch = 0, starts [S_MAX_WINDOWS], ends [S_MAX_WINDOWS];
    int64_t days_ahead = 0;
    as_pg_params_t locate_params;
    as_pg_step_t locate;
    s_locate_step (config, window_start, &locate_params, &locate);
    if (s_need_load (call->pg, visit_id, 0, true, &locate, &need, call->err))
        return -1;
    //  An operator may place a visit past the offer horizon (days_ahead).
    s_located (&locate, date, &epoch, &days_ahead);
    s_day_t *day = s_day_load (call->pg, config, station_id, date, need.id, NULL, call->err);
    if (!day)
        return -1;
    s_probe_t windows = { .count = s_windows (config, day->origin, starts, ends) };
    memcpy (windows.starts, starts, sizeof starts);
    memcpy (windows.ends, ends, sizeof ends);
    s_day_destroy (&day);
    int window = s_window_of (&windows, epoch);
    if (window < 0)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "%s is not an appointment window", window_start);
    PGresult *reply = NULL;
    s_booking_t booking = { date, starts [window], ends [window], station_id, engineer_id, call->actor, NULL, 0,
                            &reply };
    if (s_book (call->service, call->pg, config, &need, &booking, call->err)) {
        PQclear (reply);
        return -1;
    }
    return dispatch_reply_visit_row (call, need.id, reply);
}

//  A visit whose parts have arrived: the earliest window that can be served
//  from tomorrow on, within two weeks.
int
dispatch_plan_book_earliest (as_service_t *service, as_pg_t *pg, int64_t visit_id, const char *actor,
                             as_error_t *err)
{
    dispatch_config_t *config = dispatch_config (service);
    s_need_t need;
    as_pg_params_t date_params;
    as_pg_step_t listed;
    s_dates_step (config, NULL, 15, config->horizon_days, &date_params, &listed);
    if (s_need_load (pg, visit_id, 0, true, &listed, &need, err))
        return -1;
    PGresult *dates = listed.result;
    //  From tomorrow (row 1) on.
    int count = PQntuples (dates) > 1 ? PQntuples (dates) - 1 : 0;
    s_date_t *days = s_dates_copy (dates, 1, count);
    s_probe_t *probes = calloc ((size_t) count + 1, sizeof *probes);
    assert (probes);
    s_bulk_t loaded;
    int rc = s_probe_dates (pg, config, &need, days, count, probes, &loaded, err) ? -1 : 1;
    for (int date = 0; date < count && rc == 1; date++)
        for (int window = 0; window < probes [date].count && rc == 1; window++)
            if (probes [date].station [window]) {
                s_booking_t booking = { days [date], probes [date].starts [window], probes [date].ends [window],
                                        probes [date].station [window], 0, actor, &loaded, date, NULL };
                rc = s_book (service, pg, config, &need, &booking, err) ? -1 : 0;
            }
    s_bulk_clear (&loaded);
    free (probes);
    free (days);
    PQclear (dates);
    return rc;
}

//  --- Absences ----------------------------------------------------------------------

static const as_stmt_t s_absence_days = { "dispatch_plan_absence_days",
    "SELECT DISTINCT station_id, plan_date::text FROM visits WHERE engineer_id = $1"
    " AND status IN ('scheduled', 'dispatched', 'confirmed')"
    " AND plan_date BETWEEN ($2::timestamptz AT TIME ZONE $4)::date AND ($3::timestamptz AT TIME ZONE $4)::date"
    " ORDER BY 2, 1" };

//  The engineer's station on every date the absence touches, locked before
//  the days with their visits are listed: a booking that put a visit on
//  them meanwhile has committed (and is listed) or waits.
static const as_stmt_t s_lock_absence = { "dispatch_plan_lock_absence",
    "SELECT pg_advisory_xact_lock(d.station_id::int, d.day - date '2000-01-01')"
    " FROM (SELECT e.station_id, t.day::date AS day FROM engineers e,"
    " generate_series(($2::timestamptz AT TIME ZONE $4)::date, ($3::timestamptz AT TIME ZONE $4)::date,"
    " interval '1 day') AS t(day) WHERE e.id = $1 ORDER BY 2 OFFSET 0) d" };

//  One day of an absent engineer: their visits not yet started leave the
//  route and are inserted again wherever they fit best (back with them if
//  what is left of their shift allows); the rest become unscheduled.
static int
s_replan_absent_day (as_service_t *service, as_pg_t *pg, int64_t engineer_id, int64_t station_id,
                     const char *date, int *moved, int *unassigned, as_error_t *err)
{
    s_lock_t lock = { 0, NULL };     //  days come in (date, station) order
    s_day_t *day = s_day_load (pg, dispatch_config (service), station_id, date, 0, &lock, err);
    if (!day)
        return -1;
    for (int index = 0; index < day->stop_count; index++) {
        s_stop_t *stop = &day->stops [index];
        if (stop->engineer_id == engineer_id && !stop->started) {
            stop->vehicle = -1;
            stop->fixed = false;
        }
    }
    as_vrp_solution_t *solution = s_day_solution (day);
    for (int index = 0; index < day->stop_count; index++) {
        const s_stop_t *stop = &day->stops [index];
        if (stop->engineer_id != engineer_id || stop->started)
            continue;
        double added = 0;
        if (as_vrp_solution_insert (solution, index, &added) < 0)
            (*unassigned)++;
        else
        if (day->engineers [as_vrp_solution_vehicle_of (solution, index)] != engineer_id)
            (*moved)++;
    }
    int rc = s_day_save (service, pg, day, solution, "dispatch", "engineer absent", NULL, err);
    as_vrp_solution_destroy (&solution);
    s_day_destroy (&day);
    return rc;
}

//  Re-plan each (station, date) row of `days` (NULL: the query failed)
//  without the engineer; frees days.
static int
s_replan_days (as_service_t *service, as_pg_t *pg, int64_t engineer_id, PGresult *days, int *moved,
               int *unassigned, as_error_t *err)
{
    if (!days)
        return -1;
    *moved = *unassigned = 0;
    int rc = 0;
    for (int row = 0; row < PQntuples (days) && rc == 0; row++)
        rc = s_replan_absent_day (service, pg, engineer_id, as_pg_get_int (days, row, 0),
                                  as_pg_get_str (days, row, 1), moved, unassigned, err);
    PQclear (days);
    return rc;
}

int
dispatch_plan_absence (as_service_t *service, as_pg_t *pg, int64_t engineer_id, const char *starts_at,
                       const char *ends_at, int *moved, int *unassigned, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, engineer_id);
    as_pgp_str (&params, starts_at);
    as_pgp_str (&params, ends_at);
    as_pgp_str (&params, dispatch_config (service)->zone);
    PGresult *locked = as_pg_run (pg, &s_lock_absence, &params, err);
    if (!locked)
        return -1;
    PQclear (locked);
    return s_replan_days (service, pg, engineer_id, as_pg_run (pg, &s_absence_days, &params, err), moved,
                          unassigned, err);
}

//  Days from today on where an engineer has visits although the rota now
//  says they are off.
static const as_stmt_t s_rota_days = { "dispatch_plan_rota_days",
    "SELECT DISTINCT v.station_id, v.plan_date::text FROM visits v JOIN engineers e ON e.id = v.engineer_id"
    " WHERE v.engineer_id = $1 AND v.status IN ('scheduled', 'dispatched', 'confirmed')"
    " AND v.plan_date >= (now() AT TIME ZONE $2)::date"
    " AND strpos(e.work_days, extract(isodow FROM v.plan_date)::int::text) = 0 ORDER BY 2, 1" };

int
dispatch_plan_rota (as_service_t *service, as_pg_t *pg, int64_t engineer_id, int *moved, int *unassigned,
                    as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, engineer_id);
    as_pgp_str (&params, dispatch_config (service)->zone);
    return s_replan_days (service, pg, engineer_id, as_pg_run (pg, &s_rota_days, &params, err), moved,
                          unassigned, err);
}

//  --- Re-optimisation -----------------------------------------------------------------

static const as_stmt_t s_all_stations = { "dispatch_plan_all_stations",
    "SELECT id FROM stations WHERE $1::bigint IS NULL OR id = $1 ORDER BY id" };
static const as_stmt_t s_insert_run = { "dispatch_plan_insert_run",
    "INSERT INTO plan_runs (station_id, plan_date, trigger, travel_before, travel_after, assigned, moved)"
    " VALUES ($1, $2::date, $3, $4, $5, $6, $7)" };

typedef struct {
    int64_t station_id;
    as_vrp_stats_t before, after;
    bool accepted;
    int moved;
} s_run_t;

static bool
s_better (const as_vrp_stats_t *after, const as_vrp_stats_t *before)
{
    if (after->penalty < before->penalty - 0.5)
        return true;
    return after->penalty < before->penalty + 0.5 && after->travel < before->travel - 0.5;
}

//  Re-optimise one station's day around its fixed visits; keep the result
//  only when it is better, and record the run either way.
static int
s_optimize_station (as_service_t *service, as_pg_t *pg, int64_t station_id, const char *date,
                    const char *trigger, s_run_t *run, as_error_t *err)
{
    const dispatch_config_t *config = dispatch_config (service);
    s_lock_t lock = { 0, NULL };     //  callers go in (date, station) order
    s_day_t *day = s_day_load (pg, config, station_id, date, 0, &lock, err);
    if (!day)
        return -1;
    memset (run, 0, sizeof *run);
    run->station_id = station_id;
    as_vrp_solution_t *initial = s_day_solution (day);
    run->before = as_vrp_solution_stats (initial);
    run->after = run->before;
    as_vrp_solution_t *best = NULL;
    if (day->stop_count > 0 && day->vehicles > 0) {
        as_vrp_params_t params;
        as_vrp_params_default (&params);
        params.objective = AS_VRP_MAX_ASSIGNED;
        params.max_iterations = config->iterations;
        params.seed = 1;
        best = as_vrp_solve (day->problem, &params, initial);
        run->after = as_vrp_solution_stats (best);
        run->accepted = as_vrp_solution_feasible (best) && s_better (&run->after, &run->before);
    }
    int rc = run->accepted ? s_day_save (service, pg, day, best, "dispatch", "re-optimised", &run->moved, err) : 0;
    if (!run->accepted)
        run->after = run->before;
    char travel_before [24], travel_after [24];
    snprintf (travel_before, sizeof travel_before, "%.0f", run->before.travel);
    snprintf (travel_after, sizeof travel_after, "%.0f", run->after.travel);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, station_id);
    as_pgp_str (&params, date);
    as_pgp_str (&params, trigger);
    as_pgp_str (&params, travel_before);
    as_pgp_str (&params, travel_after);
    as_pgp_int (&params, run->after.assigned);
    as_pgp_int (&params, run->moved);
    if (rc == 0 && day->stop_count > 0 && as_pg_do (pg, &s_insert_run, &params, err) != 1)
        rc = -1;
    as_vrp_solution_destroy (&best);
    as_vrp_solution_destroy (&initial);
    s_day_destroy (&day);
    return rc;
}

static void
s_pack_run (msgpack_packer *pk, const s_run_t *run)
{
    msgpack_pack_map (pk, 7);
    as_pack_kv_int (pk, "station_id", run->station_id);
    as_pack_kv_int (pk, "travel_before_s", llround (run->before.travel));
    as_pack_kv_int (pk, "travel_after_s", llround (run->after.travel));
    as_pack_kv_int (pk, "assigned", run->after.assigned);
    as_pack_kv_int (pk, "unassigned", run->after.unassigned);
    as_pack_kv_int (pk, "moved", run->moved);
    as_pack_kv_bool (pk, "accepted", run->accepted);
}

int
dispatch_plan_optimize (as_call_t *call)
{
    int64_t station_id = 0;
    bool one = as_obj_int (call->params, "station_id", &station_id);
    char date [11] = "";
    if (as_obj_text (call->params, NULL, "date", date, sizeof date, call->err) < 0)
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    if (one)
        as_pgp_int (&params, station_id);
    else
        as_pgp_null (&params);
    PGresult *stations = as_pg_run (call->pg, &s_all_stations, &params, call->err);
    if (!stations)
        return -1;
    int rows = PQntuples (stations);
    s_run_t *runs = calloc ((size_t) rows + 1, sizeof *runs);
    assert (runs);
    int rc = one && rows == 0 ? as_error_set (call->err, AS_NOT_FOUND, "station %lld not found", (long long) station_id) : 0;
    for (int row = 0; row < rows && rc == 0; row++)
        rc = s_optimize_station (call->service, call->pg, as_pg_get_int (stations, row, 0), date, "on demand",
                                 &runs [row], call->err);
    if (rc == 0) {
        msgpack_pack_map (call->result, 2);
        as_pack_kv_str (call->result, "date", date);
        as_pack_str (call->result, "stations");
        msgpack_pack_array (call->result, (size_t) rows);
        for (int row = 0; row < rows; row++)
            s_pack_run (call->result, &runs [row]);
    }
    free (runs);
    PQclear (stations);
    return rc;
}

//  Background re-optimisation of today's and tomorrow's plans of every
//  station; runs in its own transaction from the daemon's timer.
int
dispatch_plan_optimize_all (as_service_t *service, as_pg_t *pg, as_error_t *err)
{
    dispatch_config_t *config = dispatch_config (service);
    PGresult *dates = s_date_list (pg, config, NULL, 2, err);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_null (&params);
    PGresult *stations = dates ? as_pg_run (pg, &s_all_stations, &params, err) : NULL;
    int rc = stations ? 0 : -1;
    for (int day = 0; rc == 0 && day < PQntuples (dates); day++)
        for (int row = 0; rc == 0 && row < PQntuples (stations); row++) {
            s_run_t run;
            rc = s_optimize_station (service, pg, as_pg_get_int (stations, row, 0), as_pg_get_str (dates, day, 0),
                                     "background", &run, err);
        }
    PQclear (dates);
    PQclear (stations);
    return rc;
}

//  --- The board: each engineer's day --------------------------------------------------

static const as_stmt_t s_board = { "dispatch_plan_board",
    "SELECT e.id, e.code, e.name, e.station_id, to_char(e.shift_start, 'HH24:MI'), to_char(e.shift_end, 'HH24:MI'),"
    " (strpos(e.work_days, extract(isodow FROM $1::date)::int::text) = 0"      //  off by the rota
    "  OR EXISTS (SELECT 1 FROM absences a WHERE a.engineer_id = e.id"
    "  AND a.starts_at < (($1::date + 1)::timestamp AT TIME ZONE $3)"
    "  AND a.ends_at > ($1::date::timestamp AT TIME ZONE $3))),"
    " v.id, v.case_id, v.status, v.seq, rfc3339(v.eta), rfc3339(v.window_start), rfc3339(v.window_end),"
    " v.pinned, v.minutes, to_char(v.eta AT TIME ZONE $3, 'HH24:MI'),"
    " to_char(v.window_start AT TIME ZONE $3, 'HH24:MI') || '-' || to_char(v.window_end AT TIME ZONE $3, 'HH24:MI')"
    " FROM engineers e LEFT JOIN visits v ON v.engineer_id = e.id AND v.plan_date = $1::date"
    "  AND v.status IN ('scheduled', 'dispatched', 'confirmed', 'en_route', 'on_site')"
    " WHERE e.active AND ($2::bigint IS NULL OR e.station_id = $2)"
    " ORDER BY e.station_id, e.id, v.seq" };

static void
s_pack_stop (msgpack_packer *pk, const PGresult *result, int row)
{
    msgpack_pack_map (pk, 10);
    as_pack_kv_int (pk, "visit_id", as_pg_get_int (result, row, 7));
    as_pack_kv_int (pk, "case_id", as_pg_get_int (result, row, 8));
    as_pack_kv_str (pk, "status", as_pg_get_str (result, row, 9));
    as_pack_kv_int (pk, "seq", as_pg_get_int (result, row, 10));
    as_pack_kv_str (pk, "eta", as_pg_get_str (result, row, 11));
    as_pack_kv_str (pk, "window_start", as_pg_get_str (result, row, 12));
    as_pack_kv_str (pk, "window_end", as_pg_get_str (result, row, 13));
    as_pack_kv_bool (pk, "pinned", as_pg_get_bool (result, row, 14));
    as_pack_kv_int (pk, "minutes", as_pg_get_int (result, row, 15));
    char local [40];
    snprintf (local, sizeof local, "%s %s", as_pg_get_str (result, row, 16), as_pg_get_str (result, row, 17));
    as_pack_kv_str (pk, "local", local);
}

//  Rows [row, end) are one engineer: their map with the stops.
static void
s_pack_engineer_day (msgpack_packer *pk, const PGresult *result, int row, int end)
{
    msgpack_pack_map (pk, 8);
    as_pack_kv_int (pk, "engineer_id", as_pg_get_int (result, row, 0));
    as_pack_kv_str (pk, "code", as_pg_get_str (result, row, 1));
    as_pack_kv_str (pk, "name", as_pg_get_str (result, row, 2));
    as_pack_kv_int (pk, "station_id", as_pg_get_int (result, row, 3));
    as_pack_kv_str (pk, "shift_start", as_pg_get_str (result, row, 4));
    as_pack_kv_str (pk, "shift_end", as_pg_get_str (result, row, 5));
    as_pack_kv_bool (pk, "absent", as_pg_get_bool (result, row, 6));
    as_pack_str (pk, "stops");
    bool none = PQgetisnull (result, row, 7);
    msgpack_pack_array (pk, none ? 0 : (size_t) (end - row));
    for (int stop = row; !none && stop < end; stop++)
        s_pack_stop (pk, result, stop);
}

int
dispatch_plan_board (as_call_t *call)
{
    char date [11] = "";
    int64_t station_id = 0;
    if (as_obj_text (call->params, NULL, "date", date, sizeof date, call->err) < 0)
        return -1;
    bool one = as_obj_int (call->params, "station_id", &station_id);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, date);
    if (one)
        as_pgp_int (&params, station_id);
    else
        as_pgp_null (&params);
    as_pgp_str (&params, dispatch_config (call->service)->zone);
    PGresult *result = as_pg_run (call->pg, &s_board, &params, call->err);
    if (!result)
        return -1;
    int rows = PQntuples (result), engineers = 0;
    for (int row = 0; row < rows; row++)
        engineers += row == 0 || as_pg_get_int (result, row, 0) != as_pg_get_int (result, row - 1, 0);
    msgpack_pack_map (call->result, 2);
    as_pack_kv_str (call->result, "date", date);
    as_pack_str (call->result, "engineers");
    msgpack_pack_array (call->result, (size_t) engineers);
    for (int row = 0, end = 0; row < rows; row = end) {
        for (end = row + 1; end < rows && as_pg_get_int (result, end, 0) == as_pg_get_int (result, row, 0); end++)
            ;
        s_pack_engineer_day (call->result, result, row, end);
    }
    PQclear (result);
    return 0;
}
