/*  as_vrp_internal: data shared by the solver's source files. Private to the
    as_vrp library: callers use as_vrp.h.

    Nodes: visits are nodes 0..n-1; vehicle k's start is node n+k and its end
    node n+m+k, so one travel lookup serves visits and depots alike.

    Segments: every feasibility test is a concatenation of route segments
    (Kindervater & Savelsbergh; Vidal et al. 2013). A segment summarises a
    run of nodes by its minimal duration, the earliest and latest time its
    first service can start, its time warp (> 0 means infeasible), its load,
    travel, the skills it needs and the vehicle it is pinned to. Joining two
    summaries is O(1), so a move is checked from cached prefix and suffix
    summaries of each route without walking the route.                      */
#ifndef AS_VRP_INTERNAL_H
#define AS_VRP_INTERNAL_H

#include "as_vrp.h"
#include <math.h>
#include <stddef.h>

#define AS_VRP_PIN_NONE (-1)
#define AS_VRP_PIN_CLASH (-2)

typedef struct {
    double dur;                 //  service + travel + unavoidable waiting
    double early, late;         //  window on the start of the first service
    double warp;                //  time warp: > AS_VRP_EPS means infeasible
    double travel;
    int load;
    int pin;                    //  AS_VRP_PIN_NONE, a vehicle, or PIN_CLASH
    int fixed;                  //  how many fixed visits it holds
    uint64_t skills;
} as_vrp_seg_t;

typedef enum { AS_VRP_TRAVEL_EUCLID, AS_VRP_TRAVEL_SPHERE,
               AS_VRP_TRAVEL_MATRIX, AS_VRP_TRAVEL_CALLBACK } as_vrp_travel_mode_t;

struct _as_vrp_problem_t {
    //  The model as the caller gave it
    double *x, *y;
    int site_count, site_max;
    as_vrp_vehicle_t *vehicle;
    int vehicle_count, vehicle_max;
    as_vrp_visit_t *visit;
    int visit_count, visit_max;
    as_vrp_travel_mode_t mode;
    double road_factor, speed;
    double *matrix;             //  the caller's matrix, copied
    as_vrp_travel_fn *callback;
    void *callback_arg;
    //  Compiled on first use, dropped when the model changes
    bool compiled;
    double *table;              //  site x site travel
    int n, m;                   //  visits, vehicles
    int *node_site;             //  per node
    as_vrp_seg_t *node_seg;     //  per node, as a one-node segment
    double *penalty;            //  per visit
    int *near;                  //  per visit, all other visits nearest first
                                //  (made on first use: as_vrp_problem_near)
};

typedef struct {
    int *node;                  //  node[0] start depot ... node[len-1] end depot
    int len, max;
    as_vrp_seg_t *fwd;          //  fwd[i] summarises node[0..i]
    as_vrp_seg_t *bwd;          //  bwd[i] summarises node[i..len-1]
} as_vrp_route_t;

struct _as_vrp_solution_t {
    as_vrp_problem_t *problem;
    int n, m;
    as_vrp_route_t *route;      //  one per vehicle
    int *route_of, *pos_of;     //  per visit; route_of -1 when unassigned
    bool *fixed;                //  per visit
    bool *dirty;                //  per route: changed since the last sync
    int *pool;                  //  unassigned visits
    int pool_size;
    long iterations;
    double best_at;
};

//  ------------------------------------------------------------------- rng
//  splitmix64: tiny, fast and the same on every platform, for determinism.
typedef struct { uint64_t state; } as_vrp_rng_t;

static inline uint64_t
as_vrp_rng_next (as_vrp_rng_t *rng)
{
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline double
as_vrp_rng_unit (as_vrp_rng_t *rng)
{
    return (double) (as_vrp_rng_next (rng) >> 11) * 0x1.0p-53;
}

static inline int
as_vrp_rng_below (as_vrp_rng_t *rng, int bound)
{
    return bound > 0? (int) (as_vrp_rng_next (rng) % (uint64_t) bound): 0;
}

//  --------------------------------------------------------------- problem
int as_vrp_problem_compile (as_vrp_problem_t *self);
//  Visit u's neighbour list (u first, then nearest first); compiled problem.
const int *as_vrp_problem_near (as_vrp_problem_t *self, int u);

static inline double
as_vrp_tt (const as_vrp_problem_t *p, int from, int to)
{
    return p->table [(size_t) p->node_site [from] * (size_t) p->site_count
                     + (size_t) p->node_site [to]];
}

static inline bool
as_vrp_is_visit (const as_vrp_problem_t *p, int node)
{
    return node < p->n;
}

//  ---------------------------------------------------------------- segment
static inline int
as_vrp_pin_join (int a, int b)
{
    if (a == AS_VRP_PIN_NONE)
        return b;
    if (b == AS_VRP_PIN_NONE || a == b)
        return a;
    return AS_VRP_PIN_CLASH;
}

//  a then b, with t the travel from a's last node to b's first.
static inline as_vrp_seg_t
as_vrp_seg_join (const as_vrp_seg_t *a, const as_vrp_seg_t *b, double t)
{
    as_vrp_seg_t r;
    double delta = a->dur - a->warp + t;
    double wait = fmax (b->early - delta - a->late, 0);
    double warp = fmax (a->early + delta - b->late, 0);
    r.dur = a->dur + b->dur + t + wait;
    r.warp = a->warp + b->warp + warp;
    r.early = fmax (b->early - delta, a->early) - wait;
    r.late = fmin (b->late - delta, a->late) + warp;
    r.travel = a->travel + b->travel + t;
    r.load = a->load + b->load;
    r.pin = as_vrp_pin_join (a->pin, b->pin);
    r.fixed = a->fixed + b->fixed;
    r.skills = a->skills | b->skills;
    return r;
}

//  May vehicle k serve every visit of the segment?
static inline bool
as_vrp_seg_allowed (const as_vrp_problem_t *p, const as_vrp_seg_t *s, int k)
{
    return (s->skills & ~p->vehicle [k].skills) == 0
        && (s->pin == AS_VRP_PIN_NONE || s->pin == k);
}

//  A whole route (depot to depot) summarised in s: feasible for vehicle k?
static inline bool
as_vrp_seg_feasible (const as_vrp_problem_t *p, const as_vrp_seg_t *s, int k)
{
    return s->warp <= AS_VRP_EPS && s->load <= p->vehicle [k].capacity;
}

//  ----------------------------------------------------------------- route
//  Recompute the summaries, positions and dirty mark of route r.
void as_vrp_route_refresh (as_vrp_solution_t *s, int r);
//  Summary of node[i..j] of route r (i <= j): O(1) for a prefix or suffix,
//  O(j - i) otherwise.
as_vrp_seg_t as_vrp_route_range (const as_vrp_solution_t *s, int r, int i, int j);
void as_vrp_route_reserve (as_vrp_route_t *route, int len);
//  Visits on the route (len - 2).
static inline int
as_vrp_route_size (const as_vrp_route_t *route)
{
    return route->len - 2;
}
//  Extra travel of visit u between positions pos and pos+1 of route r if
//  feasible, else HUGE_VAL. Checks skills, pin, capacity and windows.
double as_vrp_route_insert_cost (const as_vrp_solution_t *s, int r, int u, int pos);
//  Put visit u after position pos (takes it out of the pool) and refresh.
void as_vrp_route_insert (as_vrp_solution_t *s, int r, int u, int pos);
//  Take the visits at the given positions out of route r into the pool.
void as_vrp_route_remove (as_vrp_solution_t *s, int r, const int *positions, int count);
//  Replace route r's visits by nodes[0..count-1] and refresh.
void as_vrp_route_assign (as_vrp_solution_t *s, int r, const int *nodes, int count);
double as_vrp_route_travel (const as_vrp_solution_t *s, int r);

//  -------------------------------------------------------------- solution
double as_vrp_solution_travel (const as_vrp_solution_t *s);
double as_vrp_solution_penalty (const as_vrp_solution_t *s);
double as_vrp_solution_cost (const as_vrp_solution_t *s);
int as_vrp_solution_used (const as_vrp_solution_t *s);
void as_vrp_solution_pool_add (as_vrp_solution_t *s, int u);
void as_vrp_solution_pool_take (as_vrp_solution_t *s, int u);
//  Make dst equal to src, copying only routes marked dirty in either.
void as_vrp_solution_sync (as_vrp_solution_t *dst, as_vrp_solution_t *src);
void as_vrp_solution_copy (as_vrp_solution_t *dst, const as_vrp_solution_t *src);
//  Best insertion of u over all allowed routes; -1 if none. open_new allows
//  empty routes (only the first empty vehicle of each kind is tried).
int as_vrp_solution_best_insertion (const as_vrp_solution_t *s, int u, bool open_new,
                                    double blink, as_vrp_rng_t *rng,
                                    int *route_out, int *pos_out, double *cost_out);

//  ------------------------------------------------------------ algorithms
//  Solomon I1 sequential insertion under a few parameter sets, best kept.
void as_vrp_construct (as_vrp_solution_t *s, as_vrp_objective_t objective);
//  Granular first-improvement local search: relocate, swap, or-opt,
//  cross-exchange and 2-opt*. Returns the travel saved.
double as_vrp_local_search (as_vrp_solution_t *s, int neighbours, as_vrp_rng_t *rng);

typedef struct {
    double mean_removed;        //  SISR c-bar
    int max_string;             //  SISR L-max
    double blink;               //  chance to skip a position when inserting
    const long *absence;        //  fleet minimisation: per-visit absence counts
} as_vrp_ruin_params_t;

//  SISR: remove strings of visits from routes near a seed visit, then put
//  the pool back by greedy insertion with blinks in a random order.
void as_vrp_ruin (as_vrp_solution_t *s, const as_vrp_ruin_params_t *params, as_vrp_rng_t *rng);
void as_vrp_recreate (as_vrp_solution_t *s, const as_vrp_ruin_params_t *params,
                      bool open_new, as_vrp_rng_t *rng);

#endif
