/*  as_vrp_ruin: SISR, slack induction by string removals (Christiaens &
    Vanden Berghe, Transportation Science 2020).

    Ruin removes a few strings (runs of consecutive visits) from routes that
    are close to a random seed visit, so the freed slack sits where nearby
    visits can use it; recreate puts the pool back one visit at a time at its
    cheapest feasible spot, skipping spots at random ("blinks"), in one of a
    few orders. The same pair drives both distance minimisation (with
    simulated annealing) and fleet minimisation (with absence counters).  */
#include "as_vrp_internal.h"
#include <stdlib.h>
#include <string.h>

#define S_MAX_STRINGS 64

//  Remove `count` positions from `first` on, leaving fixed visits in place.
static void
s_remove_run (as_vrp_solution_t *s, int r, int first, int count, int keep_at, int keep)
{
    int positions [128], removed = 0;
    const as_vrp_route_t *route = &s->route [r];
    for (int i = 0; i < count + keep && removed < 128; i++) {
        int pos = first + i;
        if (i >= keep_at && i < keep_at + keep)
            continue;
        if (!s->fixed [route->node [pos]])
            positions [removed++] = pos;
    }
    if (removed > 0)
        as_vrp_route_remove (s, r, positions, removed);
}

//  A string of `len` visits of route r holding visit c; with `split`, the
//  string is longer and a middle run of visits survives (split-string).
static void
s_remove_string (as_vrp_solution_t *s, int r, int c, int len, bool split, as_vrp_rng_t *rng)
{
    int size = as_vrp_route_size (&s->route [r]);
    int keep = 0;
    if (split && len < size) {
        keep = 1;
        while (len + keep < size && as_vrp_rng_unit (rng) < 0.5)
            keep++;
    }
    int span = len + keep, pc = s->pos_of [c];
    int lo = pc - span + 1 > 1? pc - span + 1: 1;
    int hi = pc < size - span + 1? pc: size - span + 1;
    int first = lo + as_vrp_rng_below (rng, hi - lo + 1);
    int keep_at = keep? 1 + as_vrp_rng_below (rng, len - 1 > 0? len - 1: 1): 0;
    s_remove_run (s, r, first, len, keep_at, keep);
}

void
as_vrp_ruin (as_vrp_solution_t *s, const as_vrp_ruin_params_t *params, as_vrp_rng_t *rng)
{
    int n = s->n, assigned = n - s->pool_size, used = as_vrp_solution_used (s);
    if (assigned == 0 || used == 0)
        return;
    double avg = (double) assigned / used;
    double string_max = fmin (params->max_string, avg);
    double strings_max = 4 * params->mean_removed / (1 + string_max) - 1;
    int strings = 1 + (int) (as_vrp_rng_unit (rng) * strings_max);
    if (strings > S_MAX_STRINGS)
        strings = S_MAX_STRINGS;
    //  While visits wait in the pool (fleet minimisation, or more work than
    //  engineers), half the time make the hole around one of them.
    int seed = as_vrp_rng_below (rng, n);
    if (s->pool_size > 0 && as_vrp_rng_unit (rng) < 0.5)
        seed = s->pool [as_vrp_rng_below (rng, s->pool_size)];
    const int *near = as_vrp_problem_near (s->problem, seed);
    int ruined [S_MAX_STRINGS], ruined_count = 0;
    for (int i = 0; i < n && ruined_count < strings; i++) {
        int c = near [i], r = s->route_of [c];
        if (r < 0 || s->fixed [c])
            continue;
        bool seen = false;
        for (int j = 0; j < ruined_count; j++)
            seen |= ruined [j] == r;
        if (seen)
            continue;
        int size = as_vrp_route_size (&s->route [r]);
        double len_max = fmin (size, string_max);
        int len = 1 + (int) (as_vrp_rng_unit (rng) * len_max);
        if (len > size)
            len = size;
        s_remove_string (s, r, c, len, as_vrp_rng_unit (rng) < 0.5, rng);
        ruined [ruined_count++] = r;
    }
}

//  Order the pool for insertion. SISR's orders: random, largest demand,
//  farthest from the depot, closest; we add tightest window first, which
//  helps on tight-window instances, and in fleet minimisation, half the
//  time, the visits left out most often first. Priority always comes first.
static void
s_order (const as_vrp_solution_t *s, const as_vrp_ruin_params_t *params,
         int *order, double *key, int count, as_vrp_rng_t *rng)
{
    const as_vrp_problem_t *p = s->problem;
    int rule = as_vrp_rng_below (rng, params->absence? 26: 13);
    for (int i = count - 1; i > 0; i--) {
        int j = as_vrp_rng_below (rng, i + 1), t = order [i];
        order [i] = order [j];
        order [j] = t;
    }
    for (int i = 0; i < count; i++) {
        int u = order [i];
        const as_vrp_seg_t *seg = &p->node_seg [u];
        double depot = as_vrp_tt (p, s->n, u);
        key [i] = rule < 4? 0
                : rule < 8? -seg->load
                : rule < 10? -depot
                : rule < 11? depot
                : rule < 13? seg->late - seg->early
                : -(double) params->absence [u];
        key [i] -= 1e12 * p->visit [u].priority;
    }
    //  Insertion sort: the pool is small and the shuffle gives random ties.
    for (int i = 1; i < count; i++) {
        int u = order [i];
        double k = key [i];
        int j = i - 1;
        for (; j >= 0 && key [j] > k; j--) {
            order [j + 1] = order [j];
            key [j + 1] = key [j];
        }
        order [j + 1] = u;
        key [j + 1] = k;
    }
}

void
as_vrp_recreate (as_vrp_solution_t *s, const as_vrp_ruin_params_t *params, bool open_new,
                 as_vrp_rng_t *rng)
{
    int count = s->pool_size;
    if (count == 0)
        return;
    int *order = malloc ((size_t) count * sizeof *order);
    double *key = malloc ((size_t) count * sizeof *key);
    if (!order || !key)
        abort ();
    memcpy (order, s->pool, (size_t) count * sizeof *order);
    s_order (s, params, order, key, count, rng);
    for (int i = 0; i < count; i++) {
        int r, pos;
        double cost;
        if (as_vrp_solution_best_insertion (s, order [i], open_new, params->blink, rng,
                                            &r, &pos, &cost) == 0)
            as_vrp_route_insert (s, r, order [i], pos);
    }
    free (order);
    free (key);
}
