/*  as_vrp_problem: the model (sites, travel, vehicles, visits) and its
    compiled form (travel table, node summaries, neighbour lists).        */
#include "as_vrp_internal.h"
#include <stdlib.h>
#include <string.h>

as_vrp_problem_t *
as_vrp_problem_new (void)
{
    as_vrp_problem_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->mode = AS_VRP_TRAVEL_EUCLID;
    self->road_factor = 1;
    self->speed = 1;
    return self;
}

static void
s_drop_compiled (as_vrp_problem_t *self)
{
    free (self->table);
    free (self->node_site);
    free (self->node_seg);
    free (self->penalty);
    free (self->near);
    self->table = NULL;
    self->node_site = NULL;
    self->node_seg = NULL;
    self->penalty = NULL;
    self->near = NULL;
    self->compiled = false;
}

void
as_vrp_problem_destroy (as_vrp_problem_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    as_vrp_problem_t *self = *self_p;
    s_drop_compiled (self);
    free (self->x);
    free (self->y);
    free (self->vehicle);
    free (self->visit);
    free (self->matrix);
    free (self);
    *self_p = NULL;
}

//  Grow an array of `size`-byte items to hold one more; false on no memory.
static bool
s_grow (void **items, int *max, int count, size_t size)
{
    if (count < *max)
        return true;
    int new_max = *max? *max * 2: 16;
    void *grown = realloc (*items, (size_t) new_max * size);
    if (!grown)
        return false;
    *items = grown;
    *max = new_max;
    return true;
}

int
as_vrp_problem_add_site (as_vrp_problem_t *self, double x, double y)
{
    int max_x = self->site_max, max_y = self->site_max;
    if (!s_grow ((void **) &self->x, &max_x, self->site_count, sizeof (double))
    ||  !s_grow ((void **) &self->y, &max_y, self->site_count, sizeof (double)))
        return -1;
    self->site_max = max_x < max_y? max_x: max_y;
    self->x [self->site_count] = x;
    self->y [self->site_count] = y;
    s_drop_compiled (self);
    return self->site_count++;
}

void
as_vrp_problem_set_euclidean (as_vrp_problem_t *self, double road_factor, double speed)
{
    self->mode = AS_VRP_TRAVEL_EUCLID;
    self->road_factor = road_factor;
    self->speed = speed;
    s_drop_compiled (self);
}

void
as_vrp_problem_set_great_circle (as_vrp_problem_t *self, double road_factor, double speed)
{
    self->mode = AS_VRP_TRAVEL_SPHERE;
    self->road_factor = road_factor;
    self->speed = speed;
    s_drop_compiled (self);
}

int
as_vrp_problem_set_matrix (as_vrp_problem_t *self, const double *times, int site_count)
{
    if (site_count != self->site_count || site_count <= 0)
        return -1;
    size_t bytes = (size_t) site_count * (size_t) site_count * sizeof (double);
    double *copy = malloc (bytes);
    if (!copy)
        return -1;
    memcpy (copy, times, bytes);
    free (self->matrix);
    self->matrix = copy;
    self->mode = AS_VRP_TRAVEL_MATRIX;
    s_drop_compiled (self);
    return 0;
}

void
as_vrp_problem_set_callback (as_vrp_problem_t *self, as_vrp_travel_fn *fn, void *arg)
{
    self->mode = AS_VRP_TRAVEL_CALLBACK;
    self->callback = fn;
    self->callback_arg = arg;
    s_drop_compiled (self);
}

int
as_vrp_problem_add_vehicle (as_vrp_problem_t *self, const as_vrp_vehicle_t *vehicle)
{
    if (vehicle->start_site < 0 || vehicle->start_site >= self->site_count
    ||  vehicle->end_site < 0 || vehicle->end_site >= self->site_count
    ||  !(vehicle->shift_start <= vehicle->shift_end))
        return -1;
    if (!s_grow ((void **) &self->vehicle, &self->vehicle_max, self->vehicle_count,
                 sizeof *vehicle))
        return -1;
    self->vehicle [self->vehicle_count] = *vehicle;
    s_drop_compiled (self);
    return self->vehicle_count++;
}

int
as_vrp_problem_add_visit (as_vrp_problem_t *self, const as_vrp_visit_t *visit)
{
    if (visit->site < 0 || visit->site >= self->site_count
    ||  !(visit->ready <= visit->due) || visit->service < 0)
        return -1;
    if (!s_grow ((void **) &self->visit, &self->visit_max, self->visit_count,
                 sizeof *visit))
        return -1;
    self->visit [self->visit_count] = *visit;
    if (self->visit [self->visit_count].priority < 1)
        self->visit [self->visit_count].priority = 1;
    s_drop_compiled (self);
    return self->visit_count++;
}

as_vrp_visit_t
as_vrp_visit_default (int site, double ready, double due, double service)
{
    as_vrp_visit_t visit = { .site = site, .ready = ready, .due = due,
                             .service = service, .priority = 1,
                             .pinned_vehicle = -1 };
    return visit;
}

int as_vrp_problem_sites (const as_vrp_problem_t *self) { return self->site_count; }
int as_vrp_problem_vehicles (const as_vrp_problem_t *self) { return self->vehicle_count; }
int as_vrp_problem_visits (const as_vrp_problem_t *self) { return self->visit_count; }

const as_vrp_vehicle_t *
as_vrp_problem_vehicle (const as_vrp_problem_t *self, int vehicle)
{
    return vehicle >= 0 && vehicle < self->vehicle_count? &self->vehicle [vehicle]: NULL;
}

const as_vrp_visit_t *
as_vrp_problem_visit (const as_vrp_problem_t *self, int visit)
{
    return visit >= 0 && visit < self->visit_count? &self->visit [visit]: NULL;
}

//  Travel straight from the model, never from the table: the checker uses
//  this so that a bug in compiling the table cannot hide from it.
double
as_vrp_problem_travel (as_vrp_problem_t *self, int from, int to)
{
    if (self->mode == AS_VRP_TRAVEL_MATRIX)
        return self->matrix [(size_t) from * (size_t) self->site_count + (size_t) to];
    if (self->mode == AS_VRP_TRAVEL_CALLBACK)
        return self->callback (self->callback_arg, from, to);
    if (self->mode == AS_VRP_TRAVEL_EUCLID) {
        double dx = self->x [from] - self->x [to], dy = self->y [from] - self->y [to];
        return sqrt (dx * dx + dy * dy) * self->road_factor / self->speed;
    }
    //  Haversine on a 6371 km sphere; x is longitude, y latitude, in degrees.
    double rad = M_PI / 180;
    double dlat = (self->y [to] - self->y [from]) * rad;
    double dlon = (self->x [to] - self->x [from]) * rad;
    double a = sin (dlat / 2) * sin (dlat / 2)
             + cos (self->y [from] * rad) * cos (self->y [to] * rad)
             * sin (dlon / 2) * sin (dlon / 2);
    double metres = 2 * 6371000.0 * atan2 (sqrt (a), sqrt (1 - a));
    return metres * self->road_factor / self->speed;
}

static void
s_compile_nodes (as_vrp_problem_t *self)
{
    int n = self->n, m = self->m;
    for (int u = 0; u < n; u++) {
        const as_vrp_visit_t *v = &self->visit [u];
        self->node_site [u] = v->site;
        self->node_seg [u] = (as_vrp_seg_t) {
            .dur = v->service, .early = v->ready, .late = v->due,
            .load = v->demand, .pin = v->pinned_vehicle >= 0? v->pinned_vehicle: AS_VRP_PIN_NONE,
            .skills = v->skills };
        self->penalty [u] = v->penalty > 0? v->penalty: AS_VRP_PENALTY_UNIT * v->priority;
    }
    for (int k = 0; k < m; k++) {
        const as_vrp_vehicle_t *vh = &self->vehicle [k];
        as_vrp_seg_t depot = { .early = vh->shift_start, .late = vh->shift_end,
                               .pin = AS_VRP_PIN_NONE };
        self->node_site [n + k] = vh->start_site;
        self->node_site [n + m + k] = vh->end_site;
        self->node_seg [n + k] = depot;
        self->node_seg [n + m + k] = depot;
    }
}

//  Order of the neighbour lists: by `key` (qsort_r's argument, so that
//  problems may be compiled in several threads at once).
static int
s_by_key (const void *a, const void *b, void *arg)
{
    const double *key = arg;
    double ka = key [*(const int *) a], kb = key [*(const int *) b];
    if (ka != kb)
        return ka < kb? -1: 1;
    return *(const int *) a - *(const int *) b;
}

//  near[u] lists every visit, u first, then by symmetric travel.
static int
s_compile_neighbours (as_vrp_problem_t *self)
{
    int n = self->n;
    self->near = malloc (((size_t) n * (size_t) n + 1) * sizeof (int));
    double *key = malloc ((size_t) (n? n: 1) * sizeof *key);
    if (!self->near || !key) {
        free (key);
        free (self->near);
        self->near = NULL;
        return -1;
    }
    for (int u = 0; u < n; u++) {
        int *row = self->near + (size_t) u * (size_t) n;
        for (int v = 0; v < n; v++) {
            row [v] = v;
            key [v] = v == u? -1: as_vrp_tt (self, u, v) + as_vrp_tt (self, v, u);
        }
        qsort_r (row, (size_t) n, sizeof *row, s_by_key, key);
    }
    free (key);
    return 0;
}

int
as_vrp_problem_compile (as_vrp_problem_t *self)
{
    if (self->compiled)
        return 0;
    size_t sites = (size_t) self->site_count;
    self->n = self->visit_count;
    self->m = self->vehicle_count;
    size_t nodes = (size_t) (self->n + 2 * self->m) + 1;
    self->table = malloc ((sites? sites * sites: 1) * sizeof (double));
    self->node_site = malloc (nodes * sizeof (int));
    self->node_seg = malloc (nodes * sizeof (as_vrp_seg_t));
    self->penalty = malloc (((size_t) self->n + 1) * sizeof (double));
    if (!self->table || !self->node_site || !self->node_seg || !self->penalty) {
        s_drop_compiled (self);
        return -1;
    }
    for (size_t a = 0; a < sites; a++)
        for (size_t b = 0; b < sites; b++)
            self->table [a * sites + b] = as_vrp_problem_travel (self, (int) a, (int) b);
    s_compile_nodes (self);
    self->compiled = true;
    return 0;
}

//  The neighbour lists are made on first use: only the search (local
//  search, ruin) reads them, while a booking or an offer compiles a problem
//  for every day it tries and only inserts (n^2 log n of sorting each).
const int *
as_vrp_problem_near (as_vrp_problem_t *self, int u)
{
    if (!self->near && s_compile_neighbours (self))
        abort ();               //  out of memory, as the search's own buffers
    return self->near + (size_t) u * (size_t) self->n;
}
