/*  as_vrp_route: one vehicle's route with forward and backward segment
    summaries, so that inserting or exchanging visits is checked in O(1).  */
#include "as_vrp_internal.h"
#include <stdlib.h>
#include <string.h>

void
as_vrp_route_reserve (as_vrp_route_t *route, int len)
{
    if (len <= route->max)
        return;
    int max = route->max? route->max: 8;
    while (max < len)
        max *= 2;
    int *node = realloc (route->node, (size_t) max * sizeof *node);
    as_vrp_seg_t *fwd = realloc (route->fwd, (size_t) max * sizeof *fwd);
    as_vrp_seg_t *bwd = realloc (route->bwd, (size_t) max * sizeof *bwd);
    //  Out of memory on a few kilobytes: nothing sensible is left to do.
    if (!node || !fwd || !bwd)
        abort ();
    route->node = node;
    route->fwd = fwd;
    route->bwd = bwd;
    route->max = max;
}

//  A node's own summary; a fixed visit is pinned to the route holding it.
static inline as_vrp_seg_t
s_node_seg (const as_vrp_solution_t *s, int r, int node)
{
    as_vrp_seg_t seg = s->problem->node_seg [node];
    if (node < s->n && s->fixed [node]) {
        seg.pin = as_vrp_pin_join (seg.pin, r);
        seg.fixed = 1;
    }
    return seg;
}

void
as_vrp_route_refresh (as_vrp_solution_t *s, int r)
{
    const as_vrp_problem_t *p = s->problem;
    as_vrp_route_t *route = &s->route [r];
    int len = route->len;
    route->fwd [0] = s_node_seg (s, r, route->node [0]);
    for (int i = 1; i < len; i++) {
        as_vrp_seg_t one = s_node_seg (s, r, route->node [i]);
        route->fwd [i] = as_vrp_seg_join (&route->fwd [i - 1], &one,
                                          as_vrp_tt (p, route->node [i - 1], route->node [i]));
    }
    route->bwd [len - 1] = s_node_seg (s, r, route->node [len - 1]);
    for (int i = len - 2; i >= 0; i--) {
        as_vrp_seg_t one = s_node_seg (s, r, route->node [i]);
        route->bwd [i] = as_vrp_seg_join (&one, &route->bwd [i + 1],
                                          as_vrp_tt (p, route->node [i], route->node [i + 1]));
    }
    for (int i = 1; i < len - 1; i++) {
        s->route_of [route->node [i]] = r;
        s->pos_of [route->node [i]] = i;
    }
    s->dirty [r] = true;
}

as_vrp_seg_t
as_vrp_route_range (const as_vrp_solution_t *s, int r, int i, int j)
{
    const as_vrp_route_t *route = &s->route [r];
    if (i == 0)
        return route->fwd [j];
    if (j == route->len - 1)
        return route->bwd [i];
    as_vrp_seg_t seg = s_node_seg (s, r, route->node [i]);
    for (int k = i + 1; k <= j; k++) {
        as_vrp_seg_t one = s_node_seg (s, r, route->node [k]);
        seg = as_vrp_seg_join (&seg, &one, as_vrp_tt (s->problem, route->node [k - 1],
                                                        route->node [k]));
    }
    return seg;
}

double
as_vrp_route_travel (const as_vrp_solution_t *s, int r)
{
    const as_vrp_route_t *route = &s->route [r];
    return route->len > 2? route->fwd [route->len - 1].travel: 0;
}

//  Windows only: skills, pin and capacity are the caller's.
static inline bool
s_fits (const as_vrp_solution_t *s, const as_vrp_route_t *route, const as_vrp_seg_t *one,
        int u, int pos)
{
    const as_vrp_problem_t *p = s->problem;
    as_vrp_seg_t head = as_vrp_seg_join (&route->fwd [pos], one,
                                         as_vrp_tt (p, route->node [pos], u));
    if (head.warp > AS_VRP_EPS)
        return false;
    as_vrp_seg_t all = as_vrp_seg_join (&head, &route->bwd [pos + 1],
                                        as_vrp_tt (p, u, route->node [pos + 1]));
    return all.warp <= AS_VRP_EPS;
}

double
as_vrp_route_insert_cost (const as_vrp_solution_t *s, int r, int u, int pos)
{
    const as_vrp_problem_t *p = s->problem;
    const as_vrp_route_t *route = &s->route [r];
    const as_vrp_seg_t *one = &p->node_seg [u];
    if (!as_vrp_seg_allowed (p, one, r)
    ||  route->fwd [route->len - 1].load + one->load > p->vehicle [r].capacity
    ||  !s_fits (s, route, one, u, pos))
        return HUGE_VAL;
    int a = route->node [pos], b = route->node [pos + 1];
    return as_vrp_tt (p, a, u) + as_vrp_tt (p, u, b) - as_vrp_tt (p, a, b);
}

//  Best position of u in route r, skipping each with chance `blink` (SISR's
//  blinks keep the greedy insertion from always making the same choice).
static int
s_best_position (const as_vrp_solution_t *s, int r, int u, double blink,
                 as_vrp_rng_t *rng, double *cost)
{
    const as_vrp_problem_t *p = s->problem;
    const as_vrp_route_t *route = &s->route [r];
    const as_vrp_seg_t *one = &p->node_seg [u];
    int best = -1;
    for (int pos = 0; pos < route->len - 1; pos++) {
        //  Earliest departures never decrease along a feasible route:
        //  once we cannot reach u in its window, no later spot can.
        const as_vrp_seg_t *head = &route->fwd [pos];
        if (head->early + head->dur > one->late + AS_VRP_EPS)
            break;
        if (blink > 0 && as_vrp_rng_unit (rng) < blink)
            continue;
        int a = route->node [pos], b = route->node [pos + 1];
        double delta = as_vrp_tt (p, a, u) + as_vrp_tt (p, u, b) - as_vrp_tt (p, a, b);
        if (delta < *cost && s_fits (s, route, one, u, pos)) {
            *cost = delta;
            best = pos;
        }
    }
    return best;
}

static bool
s_same_vehicle (const as_vrp_vehicle_t *a, const as_vrp_vehicle_t *b)
{
    return a->start_site == b->start_site && a->end_site == b->end_site
        && a->shift_start == b->shift_start && a->shift_end == b->shift_end
        && a->capacity == b->capacity && a->skills == b->skills;
}

int
as_vrp_solution_best_insertion (const as_vrp_solution_t *s, int u, bool open_new,
                                double blink, as_vrp_rng_t *rng,
                                int *route_out, int *pos_out, double *cost_out)
{
    const as_vrp_problem_t *p = s->problem;
    const as_vrp_seg_t *one = &p->node_seg [u];
    double cost = HUGE_VAL;
    int best_route = -1, best_pos = -1, last_empty = -1;
    for (int r = 0; r < s->m; r++) {
        const as_vrp_route_t *route = &s->route [r];
        if (route->len == 2) {
            //  Identical empty vehicles give identical routes: try one.
            if (!open_new || (last_empty >= 0
                && s_same_vehicle (&p->vehicle [last_empty], &p->vehicle [r])))
                continue;
            last_empty = r;
        }
        if (!as_vrp_seg_allowed (p, one, r)
        ||  route->fwd [route->len - 1].load + one->load > p->vehicle [r].capacity)
            continue;
        int pos = s_best_position (s, r, u, blink, rng, &cost);
        if (pos >= 0) {
            best_route = r;
            best_pos = pos;
        }
    }
    *route_out = best_route;
    *pos_out = best_pos;
    *cost_out = cost;
    return best_route >= 0? 0: -1;
}

void
as_vrp_route_insert (as_vrp_solution_t *s, int r, int u, int pos)
{
    as_vrp_route_t *route = &s->route [r];
    as_vrp_route_reserve (route, route->len + 1);
    memmove (route->node + pos + 2, route->node + pos + 1,
             (size_t) (route->len - pos - 1) * sizeof (int));
    route->node [pos + 1] = u;
    route->len++;
    as_vrp_solution_pool_take (s, u);
    as_vrp_route_refresh (s, r);
}

void
as_vrp_route_remove (as_vrp_solution_t *s, int r, const int *positions, int count)
{
    as_vrp_route_t *route = &s->route [r];
    for (int i = 0; i < count; i++) {
        int u = route->node [positions [i]];
        as_vrp_solution_pool_add (s, u);
        route->node [positions [i]] = -1;
    }
    int kept = 0;
    for (int i = 0; i < route->len; i++)
        if (route->node [i] >= 0)
            route->node [kept++] = route->node [i];
    route->len = kept;
    as_vrp_route_refresh (s, r);
}

void
as_vrp_route_assign (as_vrp_solution_t *s, int r, const int *nodes, int count)
{
    as_vrp_route_t *route = &s->route [r];
    as_vrp_route_reserve (route, count + 2);
    route->node [0] = s->n + r;
    if (count > 0)
        memcpy (route->node + 1, nodes, (size_t) count * sizeof (int));
    route->node [count + 1] = s->n + s->m + r;
    route->len = count + 2;
    as_vrp_route_refresh (s, r);
}
