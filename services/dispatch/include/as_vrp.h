/*  as_vrp: the dispatch route optimiser, a vehicle routing solver with time
    windows (VRPTW) as a library with no I/O.

    The model
    - Sites are places with coordinates. Travel time between two sites comes
      from a matrix, a callback, or straight-line distance (Euclidean, or
      great-circle for longitude/latitude) times a road factor over a speed.
      The solver reads the travel function once per problem into a dense
      site-by-site table; cost is travel time.
    - Vehicles (field engineers) leave their start site no earlier than
      shift_start and must be back at their end site by shift_end. They carry
      a capacity (parts volume, or 100 customers' demand in Solomon terms) and
      a skills bitmask.
    - Visits (homes) sit at a site, must START service inside [ready, due],
      take `service` time, use `demand` capacity, need every skill bit in
      `skills`, may be pinned to one vehicle, and may be left unassigned at
      `penalty` (or 1e7 x priority when penalty is 0).
    Feasibility is exact with a tolerance of AS_VRP_EPS on times.

    Objectives (as_vrp_params_t.objective)
    - AS_VRP_MIN_VEHICLES: the Solomon benchmark's hierarchical objective:
      every visit assigned, fewest vehicles, then least travel.
    - AS_VRP_MAX_ASSIGNED: the dispatch service's: a fixed set of engineers,
      assign as much priority as possible (minimise the penalties of
      unassigned visits), then least travel time.

    Life cycle: build the problem (sites, travel, vehicles, visits), then make
    solutions from it. A solution is sized for the problem as it was when the
    solution was created: add every visit first. One problem may back many
    solutions; neither is thread-safe, neither does any I/O.

    Incremental use (the daemon): load today's routes with
    as_vrp_solution_set_route, mark confirmed or in-progress visits with
    as_vrp_solution_fix, then either as_vrp_solution_insert (cheapest feasible
    insertion of one new visit, microseconds) or as_vrp_solve with the loaded
    solution as the starting point (re-optimise around the fixed visits).   */
#ifndef AS_VRP_H
#define AS_VRP_H

#include <stdbool.h>
#include <stdint.h>

//  Tolerance on every time comparison, shared by solver and checker.
#define AS_VRP_EPS 1e-9
//  Default cost of an unassigned visit, per priority level: above any day's
//  total travel in seconds, so assignment always wins over travel.
#define AS_VRP_PENALTY_UNIT 1e7

typedef struct _as_vrp_problem_t as_vrp_problem_t;
typedef struct _as_vrp_solution_t as_vrp_solution_t;

//  Travel time from one site to another; must be >= 0 and pure (the solver
//  calls it site_count^2 times when the problem is first used).
typedef double (as_vrp_travel_fn) (void *arg, int from_site, int to_site);

typedef struct {
    int start_site, end_site;
    double shift_start, shift_end;
    int capacity;               //  INT32_MAX-ish for "no capacity"
    uint64_t skills;            //  bit i set = holds skill i
} as_vrp_vehicle_t;

typedef struct {
    int site;
    double ready, due;          //  window on the start of service
    double service;             //  time spent on site
    int demand;
    uint64_t skills;            //  every bit needed by the visit
    int priority;               //  >= 1, higher matters more
    double penalty;             //  cost if unassigned; 0 = PENALTY_UNIT x priority
    int pinned_vehicle;         //  -1 = any vehicle with the skills
} as_vrp_visit_t;

typedef enum {
    AS_VRP_MIN_VEHICLES = 1,
    AS_VRP_MAX_ASSIGNED = 2
} as_vrp_objective_t;

typedef struct {
    as_vrp_objective_t objective;
    double time_limit;          //  wall-clock seconds; 0 = none
    long max_iterations;        //  ruin-and-recreate iterations; 0 = none
                                //  (both limits 0: 10 000 iterations)
    uint64_t seed;
    //  Share of the budget the route-count reduction may use (MIN_VEHICLES).
    double fleet_share;
    //  Simulated-annealing temperatures, relative to the mean travel of an
    //  arc in the starting solution.
    double temp_start, temp_end;
    int neighbours;             //  granular neighbourhood size for local search
} as_vrp_params_t;

//  Summary of a solution, for callers and logs.
typedef struct {
    int vehicles_used;
    int assigned, unassigned;
    double travel;              //  total travel time (= distance in Solomon)
    double penalty;             //  total penalty of unassigned visits
    long iterations;            //  ruin-and-recreate iterations done by solve
    double best_at;             //  seconds into the solve the best was found
} as_vrp_stats_t;

//  ---------------------------------------------------------------- problem
as_vrp_problem_t *as_vrp_problem_new (void);
void as_vrp_problem_destroy (as_vrp_problem_t **self_p);

//  Add a site; returns its index (0, 1, ...).
int as_vrp_problem_add_site (as_vrp_problem_t *self, double x, double y);
//  Travel = Euclidean distance x road_factor / speed. Solomon: (1, 1).
void as_vrp_problem_set_euclidean (as_vrp_problem_t *self, double road_factor, double speed);
//  Sites are (longitude, latitude) in degrees; travel = haversine metres x
//  road_factor / speed (metres per time unit).
void as_vrp_problem_set_great_circle (as_vrp_problem_t *self, double road_factor, double speed);
//  Row-major site_count x site_count matrix, copied. Returns -1 if the size
//  does not match the sites added.
int as_vrp_problem_set_matrix (as_vrp_problem_t *self, const double *times, int site_count);
void as_vrp_problem_set_callback (as_vrp_problem_t *self, as_vrp_travel_fn *fn, void *arg);

//  Returns the vehicle / visit index, or -1 if a site index is out of range
//  or a window is empty.
int as_vrp_problem_add_vehicle (as_vrp_problem_t *self, const as_vrp_vehicle_t *vehicle);
int as_vrp_problem_add_visit (as_vrp_problem_t *self, const as_vrp_visit_t *visit);
//  A visit with defaults: any vehicle, priority 1, no skills, no demand.
as_vrp_visit_t as_vrp_visit_default (int site, double ready, double due, double service);

int as_vrp_problem_sites (const as_vrp_problem_t *self);
int as_vrp_problem_vehicles (const as_vrp_problem_t *self);
int as_vrp_problem_visits (const as_vrp_problem_t *self);
const as_vrp_vehicle_t *as_vrp_problem_vehicle (const as_vrp_problem_t *self, int vehicle);
const as_vrp_visit_t *as_vrp_problem_visit (const as_vrp_problem_t *self, int visit);
//  Travel time between sites as the solver sees it.
double as_vrp_problem_travel (as_vrp_problem_t *self, int from_site, int to_site);

//  --------------------------------------------------------------- solution
//  An empty solution: every visit unassigned.
as_vrp_solution_t *as_vrp_solution_new (as_vrp_problem_t *problem);
void as_vrp_solution_destroy (as_vrp_solution_t **self_p);
as_vrp_solution_t *as_vrp_solution_dup (const as_vrp_solution_t *self);

//  Replace a vehicle's route by these visits in this order (they leave any
//  other route). Returns 0, or -1 if an index is bad or a visit repeats; an
//  infeasible route is loaded anyway and reported by as_vrp_solution_feasible.
int as_vrp_solution_set_route (as_vrp_solution_t *self, int vehicle,
                               const int *visits, int count);
//  Visits of a vehicle in order (owned by the solution); *count set.
const int *as_vrp_solution_route (const as_vrp_solution_t *self, int vehicle, int *count);
//  Vehicle serving a visit, or -1 if unassigned.
int as_vrp_solution_vehicle_of (const as_vrp_solution_t *self, int visit);
//  Planned start of service of an assigned visit (earliest feasible), or -1.
double as_vrp_solution_start_time (const as_vrp_solution_t *self, int visit);
//  Fixed visits keep their vehicle and their order among the fixed visits
//  of that vehicle through as_vrp_solve; others may move around them.
void as_vrp_solution_fix (as_vrp_solution_t *self, int visit, bool fixed);
as_vrp_stats_t as_vrp_solution_stats (const as_vrp_solution_t *self);
//  True if every route meets windows, shifts, capacity, skills and pins.
bool as_vrp_solution_feasible (const as_vrp_solution_t *self);

//  Cheapest feasible insertion of an unassigned visit into any route (an
//  empty vehicle included). Returns 0 and sets *added (extra travel) or -1
//  if no vehicle can take it; the solution is unchanged then.
int as_vrp_solution_insert (as_vrp_solution_t *self, int visit, double *added);

//  ----------------------------------------------------------------- solver
void as_vrp_params_default (as_vrp_params_t *params);
//  Solve from scratch (initial NULL) or improve `initial` (its fixed marks
//  are kept). Stops at the time limit or iteration budget, whichever first,
//  and returns the best solution found (the caller owns it). Deterministic
//  for a given seed and iteration budget; with only a time limit the result
//  depends on how many iterations fit.
as_vrp_solution_t *as_vrp_solve (as_vrp_problem_t *problem, const as_vrp_params_t *params,
                                 const as_vrp_solution_t *initial);

#endif
