/*  as_vrp_construct: Solomon's I1 sequential insertion (Solomon 1987).

    One route at a time: seed it with the hardest remaining visit (farthest
    from the depot, or the earliest due), then keep adding the visit that is
    most worth serving now rather than later (c2 = lambda x depot distance -
    c1, where c1 mixes the detour and the delay pushed onto the next visit).
    Cheap (well under a millisecond for 100 visits) and good on clustered
    and tight-window instances; we run a few parameter sets and keep the
    best, then the metaheuristic takes over.                               */
#include "as_vrp_internal.h"
#include <stdlib.h>

typedef struct {
    double alpha;               //  weight of detour vs. delay in c1
    double lambda;              //  weight of the depot distance in c2
    bool by_due;                //  seed with the earliest due, else farthest
} s_rule_t;

//  Earliest start of service at position i of route r.
static double
s_start (const as_vrp_solution_t *s, int r, int i)
{
    const as_vrp_route_t *route = &s->route [r];
    const as_vrp_seg_t *head = &route->fwd [i];
    return head->early + head->dur - s->problem->node_seg [route->node [i]].dur;
}

//  c1 of the best position of u in route r, or HUGE_VAL; sets *best_pos.
static double
s_c1 (const as_vrp_solution_t *s, int r, int u, const s_rule_t *rule, int *best_pos)
{
    const as_vrp_problem_t *p = s->problem;
    const as_vrp_route_t *route = &s->route [r];
    double best = HUGE_VAL;
    for (int pos = 0; pos < route->len - 1; pos++) {
        double detour = as_vrp_route_insert_cost (s, r, u, pos);
        if (detour == HUGE_VAL)
            continue;
        int a = route->node [pos], b = route->node [pos + 1];
        const as_vrp_seg_t *one = &p->node_seg [u];
        as_vrp_seg_t head = as_vrp_seg_join (&route->fwd [pos], one, as_vrp_tt (p, a, u));
        double arrive = head.early + head.dur + as_vrp_tt (p, u, b);
        double delay = fmax (arrive, p->node_seg [b].early) - s_start (s, r, pos + 1);
        double c1 = rule->alpha * detour + (1 - rule->alpha) * delay;
        if (c1 < best) {
            best = c1;
            *best_pos = pos;
        }
    }
    return best;
}

//  The pool visit that best seeds empty route r, or -1.
static int
s_seed (const as_vrp_solution_t *s, int r, const s_rule_t *rule)
{
    const as_vrp_problem_t *p = s->problem;
    int best = -1;
    double best_key = -HUGE_VAL;
    for (int i = 0; i < s->pool_size; i++) {
        int u = s->pool [i];
        if (as_vrp_route_insert_cost (s, r, u, 0) == HUGE_VAL)
            continue;
        double key = rule->by_due? -p->node_seg [u].late: as_vrp_tt (p, s->n + r, u);
        key += 1e9 * p->visit [u].priority;
        if (key > best_key) {
            best_key = key;
            best = u;
        }
    }
    return best;
}

//  Fill route r until no pool visit fits.
static void
s_fill (as_vrp_solution_t *s, int r, const s_rule_t *rule)
{
    const as_vrp_problem_t *p = s->problem;
    if (s->route [r].len == 2) {
        int seed = s_seed (s, r, rule);
        if (seed < 0)
            return;
        as_vrp_route_insert (s, r, seed, 0);
    }
    while (s->pool_size > 0) {
        int best_u = -1, best_pos = -1, best_priority = 0;
        double best_c2 = -HUGE_VAL;
        for (int i = 0; i < s->pool_size; i++) {
            int u = s->pool [i], pos = -1;
            double c1 = s_c1 (s, r, u, rule, &pos);
            if (c1 == HUGE_VAL)
                continue;
            double c2 = rule->lambda * as_vrp_tt (p, s->n + r, u) - c1;
            int priority = p->visit [u].priority;
            if (priority > best_priority || (priority == best_priority && c2 > best_c2)) {
                best_priority = priority;
                best_c2 = c2;
                best_u = u;
                best_pos = pos;
            }
        }
        if (best_u < 0)
            return;
        as_vrp_route_insert (s, r, best_u, best_pos);
    }
}

//  Is a better than b under the objective?
static bool
s_better (const as_vrp_solution_t *a, const as_vrp_solution_t *b, as_vrp_objective_t objective)
{
    double pa = as_vrp_solution_penalty (a), pb = as_vrp_solution_penalty (b);
    if (pa != pb)
        return pa < pb;
    if (objective == AS_VRP_MIN_VEHICLES) {
        int va = as_vrp_solution_used (a), vb = as_vrp_solution_used (b);
        if (va != vb)
            return va < vb;
    }
    return as_vrp_solution_travel (a) < as_vrp_solution_travel (b);
}

void
as_vrp_construct (as_vrp_solution_t *s, as_vrp_objective_t objective)
{
    static const s_rule_t rules [] = {
        { 1, 1, false }, { 1, 2, false }, { 0.5, 1, false }, { 0, 1, false },
        { 1, 1, true },  { 0.5, 2, true }, { 1, 0, false },  { 0.5, 0, true }
    };
    as_vrp_solution_t *work = as_vrp_solution_dup (s);
    as_vrp_solution_t *best = as_vrp_solution_dup (s);
    if (!work || !best)
        abort ();
    for (size_t i = 0; i < sizeof rules / sizeof rules [0]; i++) {
        as_vrp_solution_copy (work, s);
        //  Routes already holding visits (fixed ones) are topped up first.
        for (int r = 0; r < s->m; r++)
            if (work->route [r].len > 2)
                s_fill (work, r, &rules [i]);
        for (int r = 0; r < s->m && work->pool_size > 0; r++)
            if (work->route [r].len == 2)
                s_fill (work, r, &rules [i]);
        if (i == 0 || s_better (work, best, objective))
            as_vrp_solution_copy (best, work);
    }
    as_vrp_solution_copy (s, best);
    for (int r = 0; r < s->m; r++)
        s->dirty [r] = true;
    as_vrp_solution_destroy (&work);
    as_vrp_solution_destroy (&best);
}
