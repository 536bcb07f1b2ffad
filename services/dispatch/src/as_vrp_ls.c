/*  as_vrp_ls: granular local search (Toth & Vigo 2003) over relocate,
    swap, or-opt, cross-exchange and 2-opt*.

    Every move is written as the new visit sequence of each route it
    touches, as a list of pieces (runs of an existing route). Travel of a
    piece comes from prefix sums, so a move's gain costs O(pieces); only a
    gaining move is checked for feasibility by joining piece summaries:
    O(1) for prefixes and suffixes, O(length) for the short middle pieces
    (at most three visits between routes). Moves are tried only between a
    visit and its nearest neighbours, first improvement, until no move
    gains.                                                                  */
#include "as_vrp_internal.h"
#include <stdlib.h>

#define S_SEG_MAX 3             //  longest segment moved by or-opt / cross
#define S_GAIN_MIN 1e-7         //  smaller gains are noise; avoids cycling

//  Visits node[i..j] of route r; empty when j < i. Positions 1..len-2.
typedef struct { int r, i, j; } s_piece_t;

typedef struct {
    as_vrp_solution_t *s;
    int *buf_a, *buf_b;
    double gain;
} s_ls_t;

static inline s_piece_t
s_piece (int r, int i, int j)
{
    return (s_piece_t) { r, i, j };
}

static double
s_travel (const as_vrp_solution_t *s, int veh, const s_piece_t *pc, int np)
{
    const as_vrp_problem_t *p = s->problem;
    double travel = 0;
    int last = s->n + veh;
    bool any = false;
    for (int k = 0; k < np; k++) {
        if (pc [k].j < pc [k].i)
            continue;
        const as_vrp_route_t *route = &s->route [pc [k].r];
        travel += as_vrp_tt (p, last, route->node [pc [k].i])
                + route->fwd [pc [k].j].travel - route->fwd [pc [k].i].travel;
        last = route->node [pc [k].j];
        any = true;
    }
    return any? travel + as_vrp_tt (p, last, s->n + s->m + veh): 0;
}

//  A suffix of route r may keep its cached summary (which ends at r's end
//  depot) in vehicle veh's route only if both end depots are the same.
static bool
s_same_end (const as_vrp_problem_t *p, int r, int veh)
{
    const as_vrp_vehicle_t *a = &p->vehicle [r], *b = &p->vehicle [veh];
    return r == veh || (a->end_site == b->end_site && a->shift_end == b->shift_end
                        && a->shift_start == b->shift_start);
}

static int
s_load (const as_vrp_solution_t *s, const s_piece_t *pc, int np)
{
    int load = 0;
    for (int k = 0; k < np; k++)
        if (pc [k].j >= pc [k].i) {
            const as_vrp_route_t *route = &s->route [pc [k].r];
            load += route->fwd [pc [k].j].load - route->fwd [pc [k].i - 1].load;
        }
    return load;
}

static bool
s_feasible (const as_vrp_solution_t *s, int veh, const s_piece_t *pc, int np)
{
    const as_vrp_problem_t *p = s->problem;
    if (s_load (s, pc, np) > p->vehicle [veh].capacity)
        return false;
    const as_vrp_route_t *own = &s->route [veh];
    as_vrp_seg_t acc = own->fwd [0];
    int last = s->n + veh, left = 0;
    for (int k = 0; k < np; k++)
        left += pc [k].j >= pc [k].i;
    for (int k = 0; k < np; k++) {
        if (pc [k].j < pc [k].i)
            continue;
        const as_vrp_route_t *route = &s->route [pc [k].r];
        int i = pc [k].i, j = pc [k].j, r = pc [k].r;
        left--;
        if (r == veh && i == 1 && last == s->n + veh) {
            acc = route->fwd [j];
            last = route->node [j];
            continue;
        }
        bool tail = left == 0 && j == route->len - 2 && s_same_end (p, r, veh);
        as_vrp_seg_t seg = tail? route->bwd [i]: as_vrp_route_range (s, r, i, j);
        if (r != veh && !as_vrp_seg_allowed (p, &seg, veh))
            return false;
        acc = as_vrp_seg_join (&acc, &seg, as_vrp_tt (p, last, route->node [i]));
        if (acc.warp > AS_VRP_EPS)
            return false;
        if (tail)
            return true;
        last = route->node [j];
    }
    const as_vrp_seg_t *end = &own->bwd [own->len - 1];
    acc = as_vrp_seg_join (&acc, end, as_vrp_tt (p, last, s->n + s->m + veh));
    return acc.warp <= AS_VRP_EPS;
}

static int
s_collect (const as_vrp_solution_t *s, const s_piece_t *pc, int np, int *buf)
{
    int count = 0;
    for (int k = 0; k < np; k++)
        for (int i = pc [k].i; i <= pc [k].j; i++)
            buf [count++] = s->route [pc [k].r].node [i];
    return count;
}

//  Apply the move if it gains and is feasible. rb < 0: one route only.
static bool
s_try (s_ls_t *ls, int ra, const s_piece_t *pa, int na, int rb, const s_piece_t *pb, int nb)
{
    as_vrp_solution_t *s = ls->s;
    double before = as_vrp_route_travel (s, ra) + (rb >= 0? as_vrp_route_travel (s, rb): 0);
    double after = s_travel (s, ra, pa, na) + (rb >= 0? s_travel (s, rb, pb, nb): 0);
    if (after > before - S_GAIN_MIN)
        return false;
    if (!s_feasible (s, ra, pa, na) || (rb >= 0 && !s_feasible (s, rb, pb, nb)))
        return false;
    int count_a = s_collect (s, pa, na, ls->buf_a);
    int count_b = rb >= 0? s_collect (s, pb, nb, ls->buf_b): 0;
    as_vrp_route_assign (s, ra, ls->buf_a, count_a);
    if (rb >= 0)
        as_vrp_route_assign (s, rb, ls->buf_b, count_b);
    ls->gain += before - after;
    return true;
}

//  Any fixed visit in node[i..j] of route r?
static bool
s_has_fixed (const as_vrp_solution_t *s, int r, int i, int j)
{
    for (int k = i; k <= j; k++)
        if (s->fixed [s->route [r].node [k]])
            return true;
    return false;
}

//  Or-opt within a route: move node[pu..pu+a-1] to just after position t.
static bool
s_intra_move (s_ls_t *ls, int r, int pu, int a, int t)
{
    int size = as_vrp_route_size (&ls->s->route [r]);
    if (pu + a - 1 > size || (t >= pu - 1 && t <= pu + a - 1)
    ||  s_has_fixed (ls->s, r, pu, pu + a - 1))
        return false;
    s_piece_t pc [4];
    if (t < pu) {
        pc [0] = s_piece (r, 1, t);
        pc [1] = s_piece (r, pu, pu + a - 1);
        pc [2] = s_piece (r, t + 1, pu - 1);
    }
    else {
        pc [0] = s_piece (r, 1, pu - 1);
        pc [1] = s_piece (r, pu + a, t);
        pc [2] = s_piece (r, pu, pu + a - 1);
    }
    pc [3] = s_piece (r, t < pu? pu + a: t + 1, size);
    return s_try (ls, r, pc, 4, -1, NULL, 0);
}

static bool
s_intra_swap (s_ls_t *ls, int r, int p, int q)
{
    if (p > q) {
        int t = p;
        p = q;
        q = t;
    }
    int size = as_vrp_route_size (&ls->s->route [r]);
    if (p == q || ls->s->fixed [ls->s->route [r].node [p]]
    ||  ls->s->fixed [ls->s->route [r].node [q]])
        return false;
    s_piece_t pc [5] = { s_piece (r, 1, p - 1), s_piece (r, q, q), s_piece (r, p + 1, q - 1),
                         s_piece (r, p, p), s_piece (r, q + 1, size) };
    return s_try (ls, r, pc, 5, -1, NULL, 0);
}

static bool
s_intra (s_ls_t *ls, int r, int pu, int pv)
{
    for (int a = 1; a <= S_SEG_MAX; a++)
        if (s_intra_move (ls, r, pu, a, pv) || s_intra_move (ls, r, pu, a, pv - 1))
            return true;
    return s_intra_swap (ls, r, pu, pv);
}

//  Exchange node[ia..ia+a-1] of ra (a may be 0) with node[ib..ib+b-1] of rb.
static bool
s_exchange (s_ls_t *ls, int ra, int ia, int a, int rb, int ib, int b)
{
    int sa = as_vrp_route_size (&ls->s->route [ra]), sb = as_vrp_route_size (&ls->s->route [rb]);
    if (ia < 1 || ib < 1 || ia + a - 1 > sa || ib + b - 1 > sb || (a == 0 && b == 0))
        return false;
    s_piece_t pa [3] = { s_piece (ra, 1, ia - 1), s_piece (rb, ib, ib + b - 1),
                         s_piece (ra, ia + a, sa) };
    s_piece_t pb [3] = { s_piece (rb, 1, ib - 1), s_piece (ra, ia, ia + a - 1),
                         s_piece (rb, ib + b, sb) };
    return s_try (ls, ra, pa, 3, rb, pb, 3);
}

//  2-opt*: ra keeps node[..ka] then takes rb's tail from kb+1, and back.
static bool
s_two_opt_star (s_ls_t *ls, int ra, int ka, int rb, int kb)
{
    int sa = as_vrp_route_size (&ls->s->route [ra]), sb = as_vrp_route_size (&ls->s->route [rb]);
    if (kb < 0)
        return false;
    s_piece_t pa [2] = { s_piece (ra, 1, ka), s_piece (rb, kb + 1, sb) };
    s_piece_t pb [2] = { s_piece (rb, 1, kb), s_piece (ra, ka + 1, sa) };
    return s_try (ls, ra, pa, 2, rb, pb, 2);
}

static bool
s_inter (s_ls_t *ls, int ru, int pu, int rv, int pv)
{
    if (s_two_opt_star (ls, ru, pu, rv, pv) || s_two_opt_star (ls, ru, pu, rv, pv - 1))
        return true;
    for (int a = 1; a <= S_SEG_MAX; a++)
        for (int b = 0; b <= S_SEG_MAX; b++) {
            //  u's segment goes right after v / right before v / in v's place
            if (s_exchange (ls, ru, pu, a, rv, pv + 1, b)
            ||  s_exchange (ls, ru, pu - a + 1, a, rv, pv - b, b)
            ||  (b > 0 && s_exchange (ls, ru, pu, a, rv, pv, b)))
                return true;
        }
    return false;
}

double
as_vrp_local_search (as_vrp_solution_t *s, int neighbours, as_vrp_rng_t *rng)
{
    int n = s->n;
    s_ls_t ls = { .s = s };
    int *order = malloc ((size_t) (n + 1) * sizeof *order);
    ls.buf_a = malloc ((size_t) (n + 1) * sizeof (int));
    ls.buf_b = malloc ((size_t) (n + 1) * sizeof (int));
    if (!order || !ls.buf_a || !ls.buf_b)
        abort ();
    for (int u = 0; u < n; u++)
        order [u] = u;
    for (int i = n - 1; i > 0; i--) {
        int j = as_vrp_rng_below (rng, i + 1), t = order [i];
        order [i] = order [j];
        order [j] = t;
    }
    int k_max = neighbours < n - 1? neighbours: n - 1;
    for (bool improved = true; improved; ) {
        improved = false;
        for (int i = 0; i < n; i++) {
            int u = order [i];
            const int *near = as_vrp_problem_near (s->problem, u);
            for (int k = 1; k <= k_max && s->route_of [u] >= 0; k++) {
                int v = near [k], ru = s->route_of [u], rv = s->route_of [v];
                if (rv < 0)
                    continue;
                bool moved = ru == rv? s_intra (&ls, ru, s->pos_of [u], s->pos_of [v])
                                     : s_inter (&ls, ru, s->pos_of [u], rv, s->pos_of [v]);
                improved |= moved;
            }
        }
    }
    free (order);
    free (ls.buf_a);
    free (ls.buf_b);
    return ls.gain;
}
