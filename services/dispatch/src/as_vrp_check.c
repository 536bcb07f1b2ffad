/*  as_vrp_check: the independent checker. It walks routes visit by visit
    from the raw model and shares nothing with the segment arithmetic.   */
#include "as_vrp_check.h"
#include "as_vrp_internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_fail (as_vrp_check_t *report, const char *format, ...)
{
    if (report->feasible) {
        va_list args;
        va_start (args, format);
        vsnprintf (report->error, sizeof report->error, format, args);
        va_end (args);
    }
    report->feasible = false;
    return -1;
}

//  One vehicle's route: times, capacity, skills, pins; adds its travel.
static int
s_check_route (as_vrp_problem_t *p, int k, const int *route, int size,
               as_vrp_check_t *report)
{
    const as_vrp_vehicle_t *vehicle = &p->vehicle [k];
    double clock = vehicle->shift_start, travel = 0;
    int site = vehicle->start_site, load = 0;
    for (int i = 0; i < size; i++) {
        const as_vrp_visit_t *visit = &p->visit [route [i]];
        double leg = as_vrp_problem_travel (p, site, visit->site);
        travel += leg;
        double start = clock + leg;
        if (start < visit->ready)
            start = visit->ready;
        if (start > visit->due + AS_VRP_EPS)
            return s_fail (report, "vehicle %d: visit %d starts at %.6f after its due %.6f",
                           k, route [i], start, visit->due);
        if ((visit->skills & ~vehicle->skills) != 0)
            return s_fail (report, "vehicle %d lacks skills of visit %d", k, route [i]);
        if (visit->pinned_vehicle >= 0 && visit->pinned_vehicle != k)
            return s_fail (report, "visit %d is pinned to vehicle %d, not %d",
                           route [i], visit->pinned_vehicle, k);
        load += visit->demand;
        clock = start + visit->service;
        site = visit->site;
    }
    double leg = as_vrp_problem_travel (p, site, vehicle->end_site);
    travel += leg;
    if (size > 0 && clock + leg > vehicle->shift_end + AS_VRP_EPS)
        return s_fail (report, "vehicle %d is back at %.6f after its shift end %.6f",
                       k, clock + leg, vehicle->shift_end);
    if (load > vehicle->capacity)
        return s_fail (report, "vehicle %d carries %d over its capacity %d",
                       k, load, vehicle->capacity);
    if (size > 0) {
        report->travel += travel;
        report->vehicles_used++;
    }
    return 0;
}

int
as_vrp_check_routes (as_vrp_problem_t *p, const int *const *routes, const int *sizes,
                     bool require_all, as_vrp_check_t *report)
{
    memset (report, 0, sizeof *report);
    report->feasible = true;
    int n = p->visit_count;
    int *seen = calloc ((size_t) n + 1, sizeof (int));
    if (!seen)
        return s_fail (report, "out of memory");
    for (int k = 0; k < p->vehicle_count; k++) {
        for (int i = 0; i < sizes [k]; i++) {
            int u = routes [k][i];
            if (u < 0 || u >= n)
                s_fail (report, "vehicle %d: no visit %d", k, u);
            else if (seen [u]++)
                s_fail (report, "visit %d is served twice", u);
        }
        if (report->feasible)
            s_check_route (p, k, routes [k], sizes [k], report);
    }
    for (int u = 0; u < n; u++) {
        if (seen [u])
            report->assigned++;
        else if (require_all)
            s_fail (report, "visit %d is not served", u);
    }
    report->unassigned = n - report->assigned;
    free (seen);
    return report->feasible? 0: -1;
}

int
as_vrp_check_solution (as_vrp_problem_t *p, const as_vrp_solution_t *solution,
                       bool require_all, as_vrp_check_t *report)
{
    int m = p->vehicle_count;
    const int **routes = calloc ((size_t) m + 1, sizeof *routes);
    int *sizes = calloc ((size_t) m + 1, sizeof *sizes);
    int rc = -1;
    if (routes && sizes) {
        for (int k = 0; k < m; k++)
            routes [k] = as_vrp_solution_route (solution, k, &sizes [k]);
        rc = as_vrp_check_routes (p, routes, sizes, require_all, report);
    }
    else {
        memset (report, 0, sizeof *report);
        report->feasible = true;
        s_fail (report, "out of memory");
    }
    free (routes);
    free (sizes);
    return rc;
}
