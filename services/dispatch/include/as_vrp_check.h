/*  as_vrp_check: an independent feasibility checker for as_vrp solutions.

    It shares no code with the solver's route arithmetic: it walks each route
    visit by visit from the raw model (coordinates or the caller's matrix or
    callback, not the solver's cached table), recomputes arrival times, loads
    and travel, and checks every rule: each visit at most once (exactly once
    when require_all), start of service inside the window, return by the end
    of shift, capacity, skills and pinned vehicles. Times use AS_VRP_EPS.    */
#ifndef AS_VRP_CHECK_H
#define AS_VRP_CHECK_H

#include "as_vrp.h"

typedef struct {
    bool feasible;
    int vehicles_used;
    int assigned, unassigned;
    double travel;              //  recomputed total travel
    char error [256];           //  first rule broken, "" if feasible
} as_vrp_check_t;

//  routes[k] lists the visits of vehicle k in order, sizes[k] their count.
//  Returns 0 if feasible, -1 otherwise (report says why).
int as_vrp_check_routes (as_vrp_problem_t *problem, const int *const *routes,
                         const int *sizes, bool require_all, as_vrp_check_t *report);
//  Same, on the routes of a solution.
int as_vrp_check_solution (as_vrp_problem_t *problem, const as_vrp_solution_t *solution,
                           bool require_all, as_vrp_check_t *report);

#endif
