/*  as_vrp_solver: the driver.

    1. Construction: I1 sequential insertion, then local search.
    2. Fleet minimisation (MIN_VEHICLES only; Christiaens & Vanden Berghe's
       absence-based scheme): take the best solution, empty one route into
       the pool and ruin-and-recreate without opening routes. A candidate is
       accepted if it leaves fewer visits out, or if the visits it leaves out
       have been left out less often so far (absence counters): the search
       learns which visits are hard and makes room for them first. When the
       pool empties, the route is gone for good; repeat.
    3. Distance minimisation: ruin-and-recreate under simulated annealing
       with a geometric temperature over the remaining budget; every new
       best is polished by local search.
    The budget is time or iterations, whichever ends first; "progress" in
    [0, 1] is the larger of the two fractions used, so the schedule is the
    same whether a run is stopped by the clock or by the iteration count. */
#include "as_vrp_internal.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Under MIN_VEHICLES, each vehicle costs more than any plausible distance
//  and less than an unassigned visit: assignment, then vehicles, then travel.
#define S_VEHICLE_COST 1e5
#define S_DEFAULT_ITERATIONS 10000

typedef struct {
    as_vrp_problem_t *p;
    const as_vrp_params_t *params;
    as_vrp_rng_t rng;
    as_vrp_ruin_params_t ruin;
    double started;
    long iterations;
    double best_at;
} s_run_t;

void
as_vrp_params_default (as_vrp_params_t *params)
{
    *params = (as_vrp_params_t) {
        .objective = AS_VRP_MIN_VEHICLES,
        .time_limit = 10,
        .seed = 1,
        .fleet_share = 0.6,
        .temp_start = 1.0,
        .temp_end = 0.01,
        .neighbours = 20
    };
}

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static double
s_elapsed (const s_run_t *run)
{
    return s_now () - run->started;
}

static double
s_progress (const s_run_t *run)
{
    double by_time = 0, by_count = 0;
    if (run->params->time_limit > 0)
        by_time = s_elapsed (run) / run->params->time_limit;
    long budget = run->params->max_iterations;
    if (budget <= 0 && run->params->time_limit <= 0)
        budget = S_DEFAULT_ITERATIONS;
    if (budget > 0)
        by_count = (double) run->iterations / (double) budget;
    return by_time > by_count? by_time: by_count;
}

static double
s_cost (const as_vrp_solution_t *s, as_vrp_objective_t objective)
{
    double cost = as_vrp_solution_cost (s);
    if (objective == AS_VRP_MIN_VEHICLES)
        cost += S_VEHICLE_COST * as_vrp_solution_used (s);
    return cost;
}

static void
s_new_best (s_run_t *run, as_vrp_solution_t *best, const as_vrp_solution_t *s)
{
    as_vrp_solution_copy (best, s);
    run->best_at = s_elapsed (run);
}

//  Fewest vehicles any assignment of the total demand could use.
static int
s_vehicle_bound (const as_vrp_problem_t *p)
{
    long demand = 0;
    for (int u = 0; u < p->n; u++)
        demand += p->visit [u].demand;
    int *caps = malloc ((size_t) p->m * sizeof *caps + 1);
    if (!caps)
        return 1;
    for (int k = 0; k < p->m; k++)
        caps [k] = p->vehicle [k].capacity;
    int used = 0;
    //  Largest capacities first (selection; m is small).
    while (demand > 0 && used < p->m) {
        int top = used;
        for (int k = used + 1; k < p->m; k++)
            if (caps [k] > caps [top])
                top = k;
        int t = caps [used];
        caps [used] = caps [top];
        caps [top] = t;
        demand -= caps [used++];
    }
    free (caps);
    return used > 0? used: 1;
}

//  Empty a random route holding no fixed visit into the pool; -1 if none.
static int
s_drop_route (s_run_t *run, as_vrp_solution_t *s)
{
    int choices [s->m > 0? s->m: 1], count = 0;
    for (int r = 0; r < s->m; r++) {
        const as_vrp_route_t *route = &s->route [r];
        if (route->len > 2 && !route->fwd [route->len - 1].fixed)
            choices [count++] = r;
    }
    if (count == 0)
        return -1;
    int r = choices [as_vrp_rng_below (&run->rng, count)];
    int size = as_vrp_route_size (&s->route [r]), positions [size];
    for (int i = 0; i < size; i++)
        positions [i] = i + 1;
    as_vrp_route_remove (s, r, positions, size);
    return r;
}

static long
s_absence_sum (const as_vrp_solution_t *s, const long *absence)
{
    long sum = 0;
    for (int i = 0; i < s->pool_size; i++)
        sum += absence [s->pool [i]];
    return sum;
}

//  One attempt to serve everyone with one route fewer than best.
static bool
s_fleet_attempt (s_run_t *run, as_vrp_solution_t *cur, as_vrp_solution_t *cand, long *absence)
{
    while (s_progress (run) < run->params->fleet_share) {
        run->iterations++;
        as_vrp_ruin (cand, &run->ruin, &run->rng);
        as_vrp_recreate (cand, &run->ruin, false, &run->rng);
        for (int i = 0; i < cand->pool_size; i++)
            absence [cand->pool [i]]++;
        if (cand->pool_size < cur->pool_size
        ||  s_absence_sum (cand, absence) < s_absence_sum (cur, absence))
            as_vrp_solution_sync (cur, cand);
        else
            as_vrp_solution_sync (cand, cur);
        if (cur->pool_size == 0)
            return true;
    }
    return false;
}

static void
s_fleet_minimise (s_run_t *run, as_vrp_solution_t *best)
{
    int bound = s_vehicle_bound (run->p);
    long *absence = calloc ((size_t) run->p->n + 1, sizeof *absence);
    as_vrp_solution_t *cur = as_vrp_solution_dup (best);
    as_vrp_solution_t *cand = as_vrp_solution_dup (best);
    if (!absence || !cur || !cand)
        abort ();
    run->ruin.absence = absence;
    while (best->pool_size == 0 && as_vrp_solution_used (best) > bound
           && s_progress (run) < run->params->fleet_share) {
        as_vrp_solution_copy (cur, best);
        if (s_drop_route (run, cur) < 0)
            break;
        as_vrp_solution_copy (cand, cur);
        if (!s_fleet_attempt (run, cur, cand, absence))
            break;
        as_vrp_local_search (cur, run->params->neighbours, &run->rng);
        s_new_best (run, best, cur);
    }
    run->ruin.absence = NULL;
    free (absence);
    as_vrp_solution_destroy (&cur);
    as_vrp_solution_destroy (&cand);
}

static void
s_anneal (s_run_t *run, as_vrp_solution_t *best)
{
    as_vrp_objective_t objective = run->params->objective;
    as_vrp_solution_t *cur = as_vrp_solution_dup (best);
    as_vrp_solution_t *cand = as_vrp_solution_dup (best);
    if (!cur || !cand)
        abort ();
    int arcs = run->p->n - best->pool_size + as_vrp_solution_used (best);
    double arc = as_vrp_solution_travel (best) / (arcs > 0? arcs: 1);
    double hot = run->params->temp_start * arc, cold = run->params->temp_end * arc;
    double start = s_progress (run), progress;
    double cur_cost = s_cost (cur, objective), best_cost = cur_cost;
    bool open_new = objective == AS_VRP_MAX_ASSIGNED || best->pool_size > 0;
    while ((progress = s_progress (run)) < 1) {
        run->iterations++;
        double share = start < 1? (progress - start) / (1 - start): 1;
        double temp = hot * pow (cold / hot, share);
        as_vrp_ruin (cand, &run->ruin, &run->rng);
        as_vrp_recreate (cand, &run->ruin, open_new, &run->rng);
        double cost = s_cost (cand, objective);
        //  SISR's acceptance: a threshold drawn per iteration.
        if (cost < cur_cost - temp * log (as_vrp_rng_unit (&run->rng) + 1e-300)) {
            as_vrp_solution_sync (cur, cand);
            cur_cost = cost;
            if (cost < best_cost - 1e-9) {
                as_vrp_local_search (cur, run->params->neighbours, &run->rng);
                as_vrp_solution_sync (cand, cur);
                cur_cost = best_cost = s_cost (cur, objective);
                s_new_best (run, best, cur);
            }
        }
        else
            as_vrp_solution_sync (cand, cur);
    }
    as_vrp_solution_destroy (&cur);
    as_vrp_solution_destroy (&cand);
}

as_vrp_solution_t *
as_vrp_solve (as_vrp_problem_t *problem, const as_vrp_params_t *params,
              const as_vrp_solution_t *initial)
{
    if (as_vrp_problem_compile (problem))
        return NULL;
    s_run_t run = { .p = problem, .params = params,
                    .rng = { params->seed * 0x2545F4914F6CDD1Dull + 1 },
                    .ruin = { .mean_removed = 10, .max_string = 10, .blink = 0.01 },
                    .started = s_now () };
    as_vrp_solution_t *best = initial? as_vrp_solution_dup (initial)
                                     : as_vrp_solution_new (problem);
    if (!best)
        return NULL;
    as_vrp_construct (best, params->objective);
    as_vrp_local_search (best, params->neighbours, &run.rng);
    if (params->objective == AS_VRP_MIN_VEHICLES)
        s_fleet_minimise (&run, best);
    s_anneal (&run, best);
    best->iterations = run.iterations;
    best->best_at = run.best_at;
    for (int r = 0; r < best->m; r++)
        best->dirty [r] = false;
    return best;
}
