/*  as_vrp_solution: routes for every vehicle, the pool of unassigned visits,
    fixed marks; copying, costs and the public accessors.                 */
#include "as_vrp_internal.h"
#include <stdlib.h>
#include <string.h>

as_vrp_solution_t *
as_vrp_solution_new (as_vrp_problem_t *problem)
{
    if (as_vrp_problem_compile (problem))
        return NULL;
    as_vrp_solution_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    int n = problem->n, m = problem->m;
    self->problem = problem;
    self->n = n;
    self->m = m;
    self->route = calloc ((size_t) m + 1, sizeof *self->route);
    self->route_of = calloc ((size_t) n + 1, sizeof (int));
    self->pos_of = calloc ((size_t) n + 1, sizeof (int));
    self->fixed = calloc ((size_t) n + 1, sizeof (bool));
    self->dirty = calloc ((size_t) m + 1, sizeof (bool));
    self->pool = calloc ((size_t) n + 1, sizeof (int));
    if (!self->route || !self->route_of || !self->pos_of || !self->fixed
    ||  !self->dirty || !self->pool) {
        as_vrp_solution_destroy (&self);
        return NULL;
    }
    for (int r = 0; r < m; r++)
        as_vrp_route_assign (self, r, NULL, 0);
    for (int u = 0; u < n; u++)
        as_vrp_solution_pool_add (self, u);
    return self;
}

void
as_vrp_solution_destroy (as_vrp_solution_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    as_vrp_solution_t *self = *self_p;
    if (self->route)
        for (int r = 0; r < self->m; r++) {
            free (self->route [r].node);
            free (self->route [r].fwd);
            free (self->route [r].bwd);
        }
    free (self->route);
    free (self->route_of);
    free (self->pos_of);
    free (self->fixed);
    free (self->dirty);
    free (self->pool);
    free (self);
    *self_p = NULL;
}

static void
s_copy_route (as_vrp_route_t *dst, const as_vrp_route_t *src)
{
    as_vrp_route_reserve (dst, src->len);
    dst->len = src->len;
    memcpy (dst->node, src->node, (size_t) src->len * sizeof *dst->node);
    memcpy (dst->fwd, src->fwd, (size_t) src->len * sizeof *dst->fwd);
    memcpy (dst->bwd, src->bwd, (size_t) src->len * sizeof *dst->bwd);
}

static void
s_copy_visits (as_vrp_solution_t *dst, const as_vrp_solution_t *src)
{
    size_t n = (size_t) src->n;
    memcpy (dst->route_of, src->route_of, n * sizeof (int));
    memcpy (dst->pos_of, src->pos_of, n * sizeof (int));
    memcpy (dst->pool, src->pool, (size_t) src->pool_size * sizeof (int));
    dst->pool_size = src->pool_size;
}

void
as_vrp_solution_copy (as_vrp_solution_t *dst, const as_vrp_solution_t *src)
{
    for (int r = 0; r < src->m; r++) {
        s_copy_route (&dst->route [r], &src->route [r]);
        dst->dirty [r] = false;
    }
    s_copy_visits (dst, src);
    memcpy (dst->fixed, src->fixed, (size_t) src->n * sizeof (bool));
    dst->iterations = src->iterations;
    dst->best_at = src->best_at;
}

void
as_vrp_solution_sync (as_vrp_solution_t *dst, as_vrp_solution_t *src)
{
    for (int r = 0; r < src->m; r++) {
        if (src->dirty [r] || dst->dirty [r])
            s_copy_route (&dst->route [r], &src->route [r]);
        src->dirty [r] = dst->dirty [r] = false;
    }
    s_copy_visits (dst, src);
}

as_vrp_solution_t *
as_vrp_solution_dup (const as_vrp_solution_t *self)
{
    as_vrp_solution_t *copy = as_vrp_solution_new (self->problem);
    if (copy)
        as_vrp_solution_copy (copy, self);
    return copy;
}

void
as_vrp_solution_pool_add (as_vrp_solution_t *s, int u)
{
    s->route_of [u] = -1;
    s->pos_of [u] = -1;
    s->pool [s->pool_size++] = u;
}

void
as_vrp_solution_pool_take (as_vrp_solution_t *s, int u)
{
    for (int i = 0; i < s->pool_size; i++)
        if (s->pool [i] == u) {
            memmove (s->pool + i, s->pool + i + 1,
                     (size_t) (s->pool_size - i - 1) * sizeof (int));
            s->pool_size--;
            return;
        }
}

double
as_vrp_solution_travel (const as_vrp_solution_t *s)
{
    double travel = 0;
    for (int r = 0; r < s->m; r++)
        travel += as_vrp_route_travel (s, r);
    return travel;
}

double
as_vrp_solution_penalty (const as_vrp_solution_t *s)
{
    double penalty = 0;
    for (int i = 0; i < s->pool_size; i++)
        penalty += s->problem->penalty [s->pool [i]];
    return penalty;
}

double
as_vrp_solution_cost (const as_vrp_solution_t *s)
{
    return as_vrp_solution_travel (s) + as_vrp_solution_penalty (s);
}

int
as_vrp_solution_used (const as_vrp_solution_t *s)
{
    int used = 0;
    for (int r = 0; r < s->m; r++)
        used += s->route [r].len > 2;
    return used;
}

int
as_vrp_solution_set_route (as_vrp_solution_t *self, int vehicle, const int *visits, int count)
{
    if (vehicle < 0 || vehicle >= self->m || count < 0)
        return -1;
    for (int i = 0; i < count; i++) {
        if (visits [i] < 0 || visits [i] >= self->n)
            return -1;
        for (int j = 0; j < i; j++)
            if (visits [j] == visits [i])
                return -1;
    }
    //  Empty this vehicle, then pull the visits from wherever they are.
    as_vrp_route_t *route = &self->route [vehicle];
    for (int i = 1; i < route->len - 1; i++)
        as_vrp_solution_pool_add (self, route->node [i]);
    as_vrp_route_assign (self, vehicle, NULL, 0);
    for (int i = 0; i < count; i++) {
        int u = visits [i], r = self->route_of [u];
        if (r >= 0) {
            int pos = self->pos_of [u];
            as_vrp_route_remove (self, r, &pos, 1);
        }
        as_vrp_solution_pool_take (self, u);
    }
    as_vrp_route_assign (self, vehicle, visits, count);
    return 0;
}

const int *
as_vrp_solution_route (const as_vrp_solution_t *self, int vehicle, int *count)
{
    if (vehicle < 0 || vehicle >= self->m) {
        *count = 0;
        return NULL;
    }
    *count = self->route [vehicle].len - 2;
    return self->route [vehicle].node + 1;
}

int
as_vrp_solution_vehicle_of (const as_vrp_solution_t *self, int visit)
{
    return visit >= 0 && visit < self->n? self->route_of [visit]: -1;
}

double
as_vrp_solution_start_time (const as_vrp_solution_t *self, int visit)
{
    int r = as_vrp_solution_vehicle_of (self, visit);
    if (r < 0)
        return -1;
    const as_vrp_seg_t *head = &self->route [r].fwd [self->pos_of [visit]];
    //  head summarises the route up to and including this visit: its
    //  earliest finish, less the visit's service, is its earliest start.
    return head->early + head->dur - self->problem->visit [visit].service;
}

void
as_vrp_solution_fix (as_vrp_solution_t *self, int visit, bool fixed)
{
    if (visit < 0 || visit >= self->n)
        return;
    self->fixed [visit] = fixed;
    if (self->route_of [visit] >= 0)
        as_vrp_route_refresh (self, self->route_of [visit]);
}

as_vrp_stats_t
as_vrp_solution_stats (const as_vrp_solution_t *self)
{
    as_vrp_stats_t stats = {
        .vehicles_used = as_vrp_solution_used (self),
        .assigned = self->n - self->pool_size,
        .unassigned = self->pool_size,
        .travel = as_vrp_solution_travel (self),
        .penalty = as_vrp_solution_penalty (self),
        .iterations = self->iterations,
        .best_at = self->best_at
    };
    return stats;
}

bool
as_vrp_solution_feasible (const as_vrp_solution_t *self)
{
    const as_vrp_problem_t *p = self->problem;
    for (int r = 0; r < self->m; r++) {
        const as_vrp_route_t *route = &self->route [r];
        const as_vrp_seg_t *all = &route->fwd [route->len - 1];
        if (!as_vrp_seg_feasible (p, all, r) || !as_vrp_seg_allowed (p, all, r))
            return false;
    }
    return true;
}

int
as_vrp_solution_insert (as_vrp_solution_t *self, int visit, double *added)
{
    if (visit < 0 || visit >= self->n || self->route_of [visit] >= 0)
        return -1;
    int r, pos;
    double cost;
    if (as_vrp_solution_best_insertion (self, visit, true, 0, NULL, &r, &pos, &cost))
        return -1;
    as_vrp_route_insert (self, r, visit, pos);
    if (added)
        *added = cost;
    return 0;
}
