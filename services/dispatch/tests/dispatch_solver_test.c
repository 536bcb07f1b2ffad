/*  dispatch_solver_test: tests of the as_vrp route optimiser.

    dispatch_solver_test CASE SOLOMON_DIR

    Cases: checker, exhaustive, service, insert, fixed, travel, solomon.
    Every solution a case produces goes through the independent checker
    (as_vrp_check); small random instances are compared with exhaustive
    search. Checks abort in every build type.                              */
#include "as_vrp.h"
#include "as_vrp_check.h"
#include "as_vrp_solomon.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "%s:%d: check failed: %s\n",                      \
                     __FILE__, __LINE__, #cond);                               \
            abort ();                                                          \
        }                                                                      \
    } while (0)

#define MAX_SMALL 8             //  visits in exhaustively searched instances

static const char *s_solomon_dir;

//  ------------------------------------------------------------- helpers
//  A small deterministic generator, independent of the solver's.
static uint64_t s_lcg = 12345;

static double
s_rand (void)
{
    s_lcg = s_lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double) (s_lcg >> 11) * 0x1.0p-53;
}

static int
s_rand_int (int lo, int hi)
{
    return lo + (int) (s_rand () * (hi - lo + 1));
}

//  Run the independent checker and return its report; abort if infeasible.
static as_vrp_check_t
s_checked (as_vrp_problem_t *problem, const as_vrp_solution_t *solution, bool require_all)
{
    as_vrp_check_t check;
    int rc = as_vrp_check_solution (problem, solution, require_all, &check);
    if (rc != 0)
        fprintf (stderr, "infeasible: %s\n", check.error);
    CHECK (rc == 0 && check.feasible);
    as_vrp_stats_t stats = as_vrp_solution_stats (solution);
    CHECK (fabs (stats.travel - check.travel) < 1e-6 * (1 + check.travel));
    CHECK (stats.vehicles_used == check.vehicles_used);
    CHECK (stats.unassigned == check.unassigned);
    return check;
}

static as_vrp_params_t
s_params (as_vrp_objective_t objective, long iterations, uint64_t seed)
{
    as_vrp_params_t params;
    as_vrp_params_default (&params);
    params.objective = objective;
    params.time_limit = 0;
    params.max_iterations = iterations;
    params.seed = seed;
    return params;
}

//  Travel of visiting `seq` with vehicle k, or -1 if infeasible; written
//  from the rules, not from the library.
static double
s_route_travel (as_vrp_problem_t *p, int k, const int *seq, int len)
{
    const as_vrp_vehicle_t *vh = as_vrp_problem_vehicle (p, k);
    double clock = vh->shift_start, travel = 0;
    int site = vh->start_site, load = 0;
    for (int i = 0; i < len; i++) {
        const as_vrp_visit_t *v = as_vrp_problem_visit (p, seq [i]);
        double leg = as_vrp_problem_travel (p, site, v->site);
        clock = fmax (clock + leg, v->ready);
        if (clock > v->due + AS_VRP_EPS || (v->skills & ~vh->skills)
        ||  (v->pinned_vehicle >= 0 && v->pinned_vehicle != k))
            return -1;
        clock += v->service;
        travel += leg;
        load += v->demand;
        site = v->site;
    }
    double leg = as_vrp_problem_travel (p, site, vh->end_site);
    if (len > 0 && clock + leg > vh->shift_end + AS_VRP_EPS)
        return -1;
    return load > vh->capacity? -1: len > 0? travel + leg: 0;
}

//  best[mask]: least travel of one route of vehicle k serving exactly mask
//  (HUGE_VAL if none), by depth-first enumeration of every order.
static void
s_enumerate (as_vrp_problem_t *p, int k, int *seq, int len, int mask, double *best)
{
    double travel = s_route_travel (p, k, seq, len);
    if (travel < 0)
        return;
    if (travel < best [mask])
        best [mask] = travel;
    for (int u = 0; u < as_vrp_problem_visits (p); u++)
        if (!(mask & (1 << u))) {
            seq [len] = u;
            s_enumerate (p, k, seq, len + 1, mask | (1 << u), best);
        }
}

static double *
s_route_table (as_vrp_problem_t *p, int k)
{
    int n = as_vrp_problem_visits (p), seq [MAX_SMALL];
    double *best = malloc (sizeof (double) << n);
    CHECK (best);
    for (int mask = 0; mask < (1 << n); mask++)
        best [mask] = HUGE_VAL;
    s_enumerate (p, k, seq, 0, 0, best);
    return best;
}

//  ----------------------------------------------------------------- cases
//  A hand-made instance: depot at site 0, three visits on a line 10 apart,
//  vehicle 0 with skill 1, vehicle 1 with skills 1 and 2.
typedef struct {
    double due0;                //  due of visit 0
    uint64_t skills0;
    int pin0;
    double shift_end;
    int capacity;
} s_line_t;

static as_vrp_problem_t *
s_line_problem (s_line_t line)
{
    as_vrp_problem_t *p = as_vrp_problem_new ();
    for (int i = 0; i < 4; i++)
        as_vrp_problem_add_site (p, i * 10, 0);
    as_vrp_vehicle_t vh = { 0, 0, 0, line.shift_end, line.capacity, 1 };
    as_vrp_problem_add_vehicle (p, &vh);
    vh.skills = 3;
    as_vrp_problem_add_vehicle (p, &vh);
    for (int i = 1; i < 4; i++) {
        as_vrp_visit_t v = as_vrp_visit_default (i, 0, i == 1? line.due0: 40, 5);
        v.demand = 4;
        if (i == 1) {
            v.skills = line.skills0;
            v.pinned_vehicle = line.pin0;
        }
        as_vrp_problem_add_visit (p, &v);
    }
    return p;
}

static void
s_expect (s_line_t line, const int *r0, int n0, const int *r1, int n1,
          bool all, bool feasible, double travel, const char *what)
{
    as_vrp_problem_t *p = s_line_problem (line);
    const int *routes [2] = { r0, r1 };
    int sizes [2] = { n0, n1 };
    as_vrp_check_t check;
    int rc = as_vrp_check_routes (p, routes, sizes, all, &check);
    CHECK ((rc == 0) == feasible && check.feasible == feasible);
    if (feasible)
        CHECK (fabs (check.travel - travel) < 1e-9);
    printf ("  checker: %-30s -> %s%s%s\n", what, feasible? "feasible": "rejected",
            feasible? "": ": ", check.error);
    as_vrp_problem_destroy (&p);
}

static void
s_test_checker (void)
{
    s_line_t ok = { 40, 0, -1, 100, 10 };
    int a [] = { 0, 1 }, b [] = { 2 }, twice [] = { 0, 0 }, far [] = { 2 };
    s_expect (ok, a, 2, b, 1, true, true, 40 + 60, "two routes, all served");
    s_expect (ok, a, 2, NULL, 0, false, true, 40, "one route, partial allowed");
    s_expect (ok, a, 2, NULL, 0, true, false, 0, "visit missing");
    s_expect (ok, twice, 2, b, 1, false, false, 0, "visit served twice");
    s_line_t line = ok;
    line.capacity = 7;
    s_expect (line, a, 2, NULL, 0, false, false, 0, "load 8 over capacity 7");
    line = ok;
    line.due0 = 5;
    s_expect (line, a, 1, NULL, 0, false, false, 0, "window missed");
    line = ok;
    line.skills0 = 2;
    s_expect (line, a, 1, NULL, 0, false, false, 0, "skill missing");
    s_expect (line, NULL, 0, a, 1, false, true, 20, "skill held");
    line = ok;
    line.pin0 = 1;
    s_expect (line, a, 1, NULL, 0, false, false, 0, "pinned elsewhere");
    s_expect (line, NULL, 0, a, 1, false, true, 20, "pinned here");
    line = ok;
    line.shift_end = 64;
    s_expect (line, far, 1, NULL, 0, false, false, 0, "back at 65 after shift end 64");
    line.shift_end = 65;
    s_expect (line, far, 1, NULL, 0, false, true, 60, "back at 65 by shift end 65");
    printf ("checker: every rule is detected\n");
}

//  Random VRPTW on a 50 x 50 square; every visit reachable on its own.
static as_vrp_problem_t *
s_random_vrptw (int n, int vehicles, int capacity)
{
    as_vrp_problem_t *p = as_vrp_problem_new ();
    as_vrp_problem_add_site (p, 25, 25);
    for (int u = 0; u < n; u++)
        as_vrp_problem_add_site (p, s_rand () * 50, s_rand () * 50);
    as_vrp_vehicle_t vh = { 0, 0, 0, 200, capacity, 0 };
    for (int k = 0; k < vehicles; k++)
        as_vrp_problem_add_vehicle (p, &vh);
    for (int u = 0; u < n; u++) {
        double out = as_vrp_problem_travel (p, 0, u + 1);
        double ready = s_rand () * 120, width = 10 + s_rand () * 50;
        as_vrp_visit_t v = as_vrp_visit_default (u + 1, ready, fmax (ready + width, out), 5);
        v.demand = s_rand_int (1, 10);
        as_vrp_problem_add_visit (p, &v);
    }
    return p;
}

//  Optimum under MIN_VEHICLES: fewest routes, then least travel.
static void
s_optimum_min_vehicles (as_vrp_problem_t *p, int *vehicles, double *travel)
{
    int n = as_vrp_problem_visits (p), full = (1 << n) - 1;
    double *route = s_route_table (p, 0);
    int *veh = malloc (sizeof (int) << n);
    double *dist = malloc (sizeof (double) << n);
    CHECK (veh && dist);
    veh [0] = 0;
    dist [0] = 0;
    for (int mask = 1; mask <= full; mask++) {
        veh [mask] = 1 << 20;
        dist [mask] = HUGE_VAL;
        int low = mask & -mask;
        //  Submasks holding the lowest visit: each partition counted once.
        for (int sub = mask; sub; sub = (sub - 1) & mask) {
            if (!(sub & low) || route [sub] == HUGE_VAL || veh [mask ^ sub] >= 1 << 20)
                continue;
            int v = veh [mask ^ sub] + 1;
            double d = dist [mask ^ sub] + route [sub];
            if (v < veh [mask] || (v == veh [mask] && d < dist [mask])) {
                veh [mask] = v;
                dist [mask] = d;
            }
        }
    }
    *vehicles = veh [full];
    *travel = dist [full];
    free (route);
    free (veh);
    free (dist);
}

static void
s_test_exhaustive (void)
{
    int cases = 25;
    for (int c = 0; c < cases; c++) {
        int n = 5 + c % 3;
        as_vrp_problem_t *p = s_random_vrptw (n, n, 25);
        int best_vehicles;
        double best_travel;
        s_optimum_min_vehicles (p, &best_vehicles, &best_travel);
        as_vrp_params_t params = s_params (AS_VRP_MIN_VEHICLES, 2000, c + 1);
        as_vrp_solution_t *s = as_vrp_solve (p, &params, NULL);
        as_vrp_check_t check = s_checked (p, s, true);
        printf ("  case %2d: %d visits: optimum %d vehicles %.4f, solver %d vehicles %.4f\n",
                c, n, best_vehicles, best_travel, check.vehicles_used, check.travel);
        CHECK (check.vehicles_used == best_vehicles);
        CHECK (fabs (check.travel - best_travel) < 1e-6);
        as_vrp_solution_destroy (&s);
        as_vrp_problem_destroy (&p);
    }
    printf ("exhaustive: solver matched the optimum on %d random instances\n", cases);
}

//  Three engineers with their own bases, shifts and skills; visits need
//  skills, some are pinned, priorities differ, not all can be served.
static as_vrp_problem_t *
s_random_service (int n)
{
    as_vrp_problem_t *p = as_vrp_problem_new ();
    for (int i = 0; i < n + 3; i++)
        as_vrp_problem_add_site (p, s_rand () * 40, s_rand () * 40);
    for (int k = 0; k < 3; k++) {
        double start = s_rand () * 30;
        as_vrp_vehicle_t vh = { k, (k + 1) % 3, start, start + 70 + s_rand () * 40,
                                s_rand_int (10, 25), (uint64_t) 1 << k | 8 };
        as_vrp_problem_add_vehicle (p, &vh);
    }
    for (int u = 0; u < n; u++) {
        double ready = s_rand () * 80;
        as_vrp_visit_t v = as_vrp_visit_default (u + 3, ready, ready + 10 + s_rand () * 40, 5);
        v.demand = s_rand_int (1, 8);
        v.priority = s_rand_int (1, 3);
        double pick = s_rand ();
        v.skills = pick < 0.5? 0: pick < 0.9? (uint64_t) 1 << s_rand_int (0, 2): 8;
        v.pinned_vehicle = s_rand () < 0.15? s_rand_int (0, 2): -1;
        as_vrp_problem_add_visit (p, &v);
    }
    return p;
}

//  Optimum under MAX_ASSIGNED: least penalty of unassigned plus travel.
static double
s_optimum_service (as_vrp_problem_t *p)
{
    int n = as_vrp_problem_visits (p), m = as_vrp_problem_vehicles (p), full = (1 << n) - 1;
    double *f = malloc (sizeof (double) << n), *g = malloc (sizeof (double) << n);
    CHECK (f && g);
    for (int mask = 0; mask <= full; mask++)
        f [mask] = mask? HUGE_VAL: 0;
    for (int k = 0; k < m; k++) {
        double *route = s_route_table (p, k);
        route [0] = 0;
        for (int mask = 0; mask <= full; mask++) {
            g [mask] = f [mask];
            for (int sub = mask; sub; sub = (sub - 1) & mask)
                if (route [sub] < HUGE_VAL && f [mask ^ sub] + route [sub] < g [mask])
                    g [mask] = f [mask ^ sub] + route [sub];
        }
        memcpy (f, g, sizeof (double) << n);
        free (route);
    }
    double best = HUGE_VAL;
    for (int mask = 0; mask <= full; mask++) {
        double penalty = 0;
        for (int u = 0; u < n; u++)
            if (!(mask & (1 << u)))
                penalty += AS_VRP_PENALTY_UNIT * as_vrp_problem_visit (p, u)->priority;
        best = fmin (best, f [mask] + penalty);
    }
    free (f);
    free (g);
    return best;
}

static void
s_test_service (void)
{
    int cases = 25;
    for (int c = 0; c < cases; c++) {
        int n = 6 + c % 3;
        as_vrp_problem_t *p = s_random_service (n);
        double optimum = s_optimum_service (p);
        as_vrp_params_t params = s_params (AS_VRP_MAX_ASSIGNED, 20000, c + 7);
        as_vrp_solution_t *s = as_vrp_solve (p, &params, NULL);
        s_checked (p, s, false);
        as_vrp_stats_t stats = as_vrp_solution_stats (s);
        double cost = stats.travel + stats.penalty;
        printf ("  case %2d: %d visits, 3 engineers: optimum %.4f, solver %.4f (%d unassigned)\n",
                c, n, optimum, cost, stats.unassigned);
        CHECK (fabs (cost - optimum) < 1e-6);
        as_vrp_solution_destroy (&s);
        as_vrp_problem_destroy (&p);
    }
    printf ("service: skills, pins, shifts, priorities: optimum matched on %d instances\n",
            cases);
}

//  Least extra travel over every vehicle and position, by brute force.
static double
s_cheapest_by_hand (as_vrp_problem_t *p, const as_vrp_solution_t *s, int visit)
{
    double best = HUGE_VAL;
    int seq [512];
    for (int k = 0; k < as_vrp_problem_vehicles (p); k++) {
        int count;
        const int *route = as_vrp_solution_route (s, k, &count);
        double before = s_route_travel (p, k, route, count);
        for (int pos = 0; pos <= count; pos++) {
            memcpy (seq, route, (size_t) pos * sizeof (int));
            seq [pos] = visit;
            memcpy (seq + pos + 1, route + pos, (size_t) (count - pos) * sizeof (int));
            double after = s_route_travel (p, k, seq, count + 1);
            if (after >= 0)
                best = fmin (best, after - before);
        }
    }
    return best;
}

static void
s_test_insert (void)
{
    as_vrp_problem_t *p = s_random_vrptw (60, 12, 60);
    as_vrp_params_t params = s_params (AS_VRP_MIN_VEHICLES, 1500, 3);
    as_vrp_solution_t *s = as_vrp_solve (p, &params, NULL);
    s_checked (p, s, true);
    int inserted = 0;
    for (int visit = 0; visit < 60; visit += 7) {
        //  Take the visit out of its route, then insert it back.
        int k = as_vrp_solution_vehicle_of (s, visit), count, rest [512], kept = 0;
        const int *route = as_vrp_solution_route (s, k, &count);
        for (int i = 0; i < count; i++)
            if (route [i] != visit)
                rest [kept++] = route [i];
        CHECK (as_vrp_solution_set_route (s, k, rest, kept) == 0);
        CHECK (as_vrp_solution_vehicle_of (s, visit) == -1);
        double expected = s_cheapest_by_hand (p, s, visit), added = -1;
        CHECK (as_vrp_solution_insert (s, visit, &added) == 0);
        CHECK (fabs (added - expected) < 1e-9);
        CHECK (as_vrp_solution_vehicle_of (s, visit) >= 0);
        double start = as_vrp_solution_start_time (s, visit);
        const as_vrp_visit_t *v = as_vrp_problem_visit (p, visit);
        CHECK (start >= v->ready - AS_VRP_EPS && start <= v->due + AS_VRP_EPS);
        s_checked (p, s, true);
        inserted++;
    }
    CHECK (as_vrp_solution_insert (s, 0, NULL) == -1);      //  already assigned
    printf ("insert: %d visits re-inserted at the brute-force cheapest spot\n", inserted);
    as_vrp_solution_destroy (&s);
    as_vrp_problem_destroy (&p);
}

static void
s_test_fixed (void)
{
    as_vrp_problem_t *p = s_random_service (40);
    as_vrp_params_t params = s_params (AS_VRP_MAX_ASSIGNED, 1500, 5);
    as_vrp_solution_t *first = as_vrp_solve (p, &params, NULL);
    s_checked (p, first, false);
    //  Fix every third assigned visit; remember vehicle and order.
    int vehicle_of [40], order_of [40], fixed = 0;
    for (int k = 0; k < 3; k++) {
        int count;
        const int *route = as_vrp_solution_route (first, k, &count);
        for (int i = 0; i < count; i++)
            if (route [i] % 3 == 0) {
                as_vrp_solution_fix (first, route [i], true);
                vehicle_of [route [i]] = k;
                order_of [route [i]] = fixed++;
            }
    }
    as_vrp_stats_t before = as_vrp_solution_stats (first);
    params.seed = 99;
    as_vrp_solution_t *again = as_vrp_solve (p, &params, first);
    s_checked (p, again, false);
    as_vrp_stats_t after = as_vrp_solution_stats (again);
    for (int k = 0; k < 3; k++) {
        int count, last = -1;
        const int *route = as_vrp_solution_route (again, k, &count);
        for (int i = 0; i < count; i++)
            if (route [i] % 3 == 0 && as_vrp_solution_vehicle_of (first, route [i]) == k) {
                CHECK (vehicle_of [route [i]] == k);
                CHECK (order_of [route [i]] > last);
                last = order_of [route [i]];
            }
    }
    for (int u = 0; u < 40; u++)
        if (u % 3 == 0 && as_vrp_solution_vehicle_of (first, u) >= 0)
            CHECK (as_vrp_solution_vehicle_of (again, u) == vehicle_of [u]);
    CHECK (after.travel + after.penalty <= before.travel + before.penalty + 1e-9);
    printf ("fixed: %d fixed visits kept vehicle and order; cost %.2f -> %.2f\n",
            fixed, before.travel + before.penalty, after.travel + after.penalty);
    as_vrp_solution_destroy (&first);
    as_vrp_solution_destroy (&again);
    as_vrp_problem_destroy (&p);
}

static double
s_manhattan (void *arg, int from, int to)
{
    const double *xy = arg;
    return fabs (xy [2 * from] - xy [2 * to]) + fabs (xy [2 * from + 1] - xy [2 * to + 1]);
}

static void
s_test_travel (void)
{
    //  Great circle: Beijing (116.4074, 39.9042) to Shanghai (121.4737,
    //  31.2304) is about 1067 km; road factor 1.3 at 10 m/s.
    as_vrp_problem_t *p = as_vrp_problem_new ();
    as_vrp_problem_add_site (p, 116.4074, 39.9042);
    as_vrp_problem_add_site (p, 121.4737, 31.2304);
    as_vrp_problem_set_great_circle (p, 1.3, 10);
    double t = as_vrp_problem_travel (p, 0, 1);
    CHECK (fabs (t - 1067000 * 1.3 / 10) < 0.01 * t);
    printf ("travel: great circle Beijing-Shanghai %.0f s at 10 m/s x 1.3\n", t);
    as_vrp_problem_destroy (&p);
    //  Matrix and callback give the same solution on the same times.
    double xy [12];
    for (int i = 0; i < 12; i++)
        xy [i] = s_rand () * 20;
    double matrix [36];
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++)
            matrix [a * 6 + b] = s_manhattan (xy, a, b);
    double travel [2];
    for (int mode = 0; mode < 2; mode++) {
        p = as_vrp_problem_new ();
        for (int i = 0; i < 6; i++)
            as_vrp_problem_add_site (p, xy [2 * i], xy [2 * i + 1]);
        if (mode == 0)
            CHECK (as_vrp_problem_set_matrix (p, matrix, 6) == 0);
        else
            as_vrp_problem_set_callback (p, s_manhattan, xy);
        as_vrp_vehicle_t vh = { 0, 0, 0, 1000, 100, 0 };
        as_vrp_problem_add_vehicle (p, &vh);
        as_vrp_problem_add_vehicle (p, &vh);
        for (int i = 1; i < 6; i++) {
            as_vrp_visit_t v = as_vrp_visit_default (i, 0, 1000, 1);
            CHECK (as_vrp_problem_add_visit (p, &v) == i - 1);
        }
        as_vrp_params_t params = s_params (AS_VRP_MIN_VEHICLES, 500, 1);
        as_vrp_solution_t *s = as_vrp_solve (p, &params, NULL);
        travel [mode] = s_checked (p, s, true).travel;
        as_vrp_solution_destroy (&s);
        as_vrp_problem_destroy (&p);
    }
    CHECK (fabs (travel [0] - travel [1]) < 1e-9);
    printf ("travel: matrix and callback agree (%.4f)\n", travel [0]);
}

static char *
s_slurp (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    fseek (file, 0, SEEK_END);
    long size = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *text = malloc ((size_t) size + 1);
    CHECK (text && fread (text, 1, (size_t) size, file) == (size_t) size);
    text [size] = 0;
    fclose (file);
    return text;
}

static void
s_test_solomon (void)
{
    static const struct { const char *name; int vehicles; double distance; } known [] = {
        { "C101", 10, 828.9369 }, { "R101", 19, 1650.7992 }, { "RC201", 4, 1406.9401 }
    };
    for (size_t i = 0; i < sizeof known / sizeof known [0]; i++) {
        char path [4096];
        snprintf (path, sizeof path, "%s/%s.txt", s_solomon_dir, known [i].name);
        char *text = s_slurp (path);
        if (!text) {
            fprintf (stderr, "FATAL: Solomon instance %s missing: is ../shared/bench/solomon "
                             "beside the repository?\n", path);
            abort ();
        }
        as_vrp_solomon_t info;
        char error [256];
        as_vrp_problem_t *p = as_vrp_solomon_parse (text, &info, error, sizeof error);
        free (text);
        CHECK (p && info.customers == 100 && info.vehicles == 25);
        CHECK (strcmp (info.name, known [i].name) == 0);
        as_vrp_params_t params = s_params (AS_VRP_MIN_VEHICLES, 0, 1);
        params.time_limit = 2;
        as_vrp_solution_t *s = as_vrp_solve (p, &params, NULL);
        as_vrp_check_t check = s_checked (p, s, true);
        double gap = 100 * (check.travel - known [i].distance) / known [i].distance;
        printf ("solomon: %s %d vehicles (best known %d), distance %.2f gap %.2f%%\n",
                info.name, check.vehicles_used, known [i].vehicles, check.travel, gap);
        //  Loose bounds: this is a smoke test of quality, not the benchmark.
        CHECK (check.vehicles_used <= known [i].vehicles + 1);
        CHECK (gap < 10);
        as_vrp_solution_destroy (&s);
        as_vrp_problem_destroy (&p);
    }
}

int
main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: dispatch_solver_test CASE [SOLOMON_DIR]\n");
        return 2;
    }
    setvbuf (stdout, NULL, _IOLBF, 0);     //  keep output in order with aborts
    s_solomon_dir = argc > 2? argv [2]: "../shared/bench/solomon";
    const char *name = argv [1];
    if (strcmp (name, "checker") == 0)
        s_test_checker ();
    else if (strcmp (name, "exhaustive") == 0)
        s_test_exhaustive ();
    else if (strcmp (name, "service") == 0)
        s_test_service ();
    else if (strcmp (name, "insert") == 0)
        s_test_insert ();
    else if (strcmp (name, "fixed") == 0)
        s_test_fixed ();
    else if (strcmp (name, "travel") == 0)
        s_test_travel ();
    else if (strcmp (name, "solomon") == 0)
        s_test_solomon ();
    else {
        fprintf (stderr, "unknown case %s\n", name);
        return 2;
    }
    printf ("dispatch.solver.%s: OK\n", name);
    return 0;
}
