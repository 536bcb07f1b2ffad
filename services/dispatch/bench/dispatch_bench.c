/*  dispatch-bench: solve Solomon VRPTW instances and compare with the
    best-known solutions (bks.csv beside the instance files).

    dispatch-bench [--time-limit S] [--seed N] [--routes DIR] FILE...

    One line per instance, then a summary. Every solution is verified by the
    independent checker; feasible=no is a bug, and makes the exit status 1. */
#include "as_vrp.h"
#include "as_vrp_check.h"
#include "as_vrp_solomon.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    double time_limit;
    uint64_t seed;
    const char *routes_dir;
    //  Totals for the summary
    int instances, with_bks, matched, feasible;
    int vehicles, bks_vehicles;
    double gap_sum, seconds;
} s_bench_t;

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

//  Whole file into a NUL-terminated buffer, or NULL.
static char *
s_slurp (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    char *text = NULL;
    size_t size = 0, used = 0;
    for (;;) {
        if (used + 4096 + 1 > size) {
            size = size? size * 2: 65536;
            char *grown = realloc (text, size);
            if (!grown) {
                free (text);
                fclose (file);
                return NULL;
            }
            text = grown;
        }
        size_t got = fread (text + used, 1, size - used - 1, file);
        used += got;
        if (got == 0)
            break;
    }
    fclose (file);
    text [used] = 0;
    return text;
}

//  Best-known vehicles and distance of `name` from bks.csv in the
//  instance's directory; false if there is no such row.
static bool
s_find_bks (const char *instance_path, const char *name, int *vehicles, double *distance)
{
    char path [4096];
    const char *slash = strrchr (instance_path, '/');
    int dir_len = slash? (int) (slash - instance_path): 1;
    snprintf (path, sizeof path, "%.*s/bks.csv", dir_len, slash? instance_path: ".");
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    char line [256];
    bool found = false;
    while (!found && fgets (line, sizeof line, file)) {
        char row_name [64];
        if (sscanf (line, "%63[^,],%d,%lf", row_name, vehicles, distance) == 3
        &&  strcmp (row_name, name) == 0)
            found = true;
    }
    fclose (file);
    return found;
}

static int
s_write_routes (const s_bench_t *bench, const char *name, as_vrp_problem_t *problem,
                const as_vrp_solution_t *solution, double distance)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/%s.sol", bench->routes_dir, name);
    FILE *file = fopen (path, "w");
    if (!file) {
        fprintf (stderr, "dispatch-bench: cannot write %s: %s\n", path, strerror (errno));
        return -1;
    }
    int number = 0;
    for (int k = 0; k < as_vrp_problem_vehicles (problem); k++) {
        int count;
        const int *route = as_vrp_solution_route (solution, k, &count);
        if (count == 0)
            continue;
        fprintf (file, "Route %d :", ++number);
        for (int i = 0; i < count; i++)
            fprintf (file, " %d", route [i] + 1);     //  visit i is customer i+1
        fprintf (file, "\n");
    }
    fprintf (file, "Cost %.4f\n", distance);
    fclose (file);
    return 0;
}

static int
s_run_one (s_bench_t *bench, const char *path)
{
    char *text = s_slurp (path);
    if (!text) {
        fprintf (stderr, "dispatch-bench: cannot read %s: %s\n", path, strerror (errno));
        return -1;
    }
    as_vrp_solomon_t info;
    char error [256];
    as_vrp_problem_t *problem = as_vrp_solomon_parse (text, &info, error, sizeof error);
    free (text);
    if (!problem) {
        fprintf (stderr, "dispatch-bench: %s: %s\n", path, error);
        return -1;
    }
    as_vrp_params_t params;
    as_vrp_params_default (&params);
    params.time_limit = bench->time_limit;
    params.seed = bench->seed;
    double started = s_now ();
    as_vrp_solution_t *solution = as_vrp_solve (problem, &params, NULL);
    double seconds = s_now () - started;
    if (!solution) {
        fprintf (stderr, "dispatch-bench: %s: out of memory\n", path);
        as_vrp_problem_destroy (&problem);
        return -1;
    }
    as_vrp_stats_t stats = as_vrp_solution_stats (solution);
    as_vrp_check_t check;
    bool feasible = as_vrp_check_solution (problem, solution, true, &check) == 0;
    int bks_vehicles = 0;
    double bks_distance = 0;
    bool have_bks = s_find_bks (path, info.name, &bks_vehicles, &bks_distance);
    printf ("%s vehicles=%d distance=%.2f", info.name, check.vehicles_used, check.travel);
    if (have_bks) {
        double gap = 100 * (check.travel - bks_distance) / bks_distance;
        if (fabs (gap) < 0.005)
            gap = 0;            //  print 0.00%, not -0.00%, for a match
        printf (" bks_vehicles=%d bks_distance=%.2f gap=%.2f%%", bks_vehicles, bks_distance, gap);
        bench->with_bks++;
        bench->matched += check.vehicles_used <= bks_vehicles;
        bench->bks_vehicles += bks_vehicles;
        bench->gap_sum += gap;
    }
    printf (" time=%.1fs feasible=%s", seconds, feasible? "yes": "no");
    if (!feasible)
        printf (" error=\"%s\"", check.error);
    printf (" best_at=%.1fs iterations=%ld\n", stats.best_at, stats.iterations);
    fflush (stdout);
    bench->instances++;
    bench->feasible += feasible;
    bench->vehicles += check.vehicles_used;
    bench->seconds += seconds;
    int rc = feasible? 0: -1;
    if (bench->routes_dir && s_write_routes (bench, info.name, problem, solution, check.travel))
        rc = -1;
    as_vrp_solution_destroy (&solution);
    as_vrp_problem_destroy (&problem);
    return rc;
}

static void
s_usage (void)
{
    fprintf (stderr, "usage: dispatch-bench [--time-limit S] [--seed N] [--routes DIR] FILE...\n"
                     "  Solves Solomon VRPTW files (bks.csv beside them gives best-known results).\n");
}

int
main (int argc, char **argv)
{
    s_bench_t bench = { .time_limit = 10, .seed = 1 };
    int first = 1;
    for (; first < argc && strncmp (argv [first], "--", 2) == 0; first++) {
        const char *opt = argv [first];
        const char *value = first + 1 < argc? argv [first + 1]: NULL;
        if (strcmp (opt, "--help") == 0) {
            s_usage ();
            return 0;
        }
        if (!value) {
            s_usage ();
            return 2;
        }
        char *end;
        if (strcmp (opt, "--time-limit") == 0) {
            bench.time_limit = strtod (value, &end);
            if (*end || !(bench.time_limit > 0)) {
                fprintf (stderr, "dispatch-bench: --time-limit wants seconds > 0\n");
                return 2;
            }
        }
        else if (strcmp (opt, "--seed") == 0)
            bench.seed = strtoull (value, &end, 10);
        else if (strcmp (opt, "--routes") == 0)
            bench.routes_dir = value;
        else {
            s_usage ();
            return 2;
        }
        first++;
    }
    if (first >= argc) {
        s_usage ();
        return 2;
    }
    int failures = 0;
    for (int i = first; i < argc; i++)
        failures += s_run_one (&bench, argv [i]) != 0;
    printf ("SUMMARY instances=%d feasible=%d/%d bks_vehicles_matched=%d/%d "
            "vehicles=%d bks_vehicles=%d mean_gap=%.2f%% time=%.0fs\n",
            bench.instances, bench.feasible, bench.instances, bench.matched, bench.with_bks,
            bench.vehicles, bench.bks_vehicles,
            bench.with_bks? bench.gap_sum / bench.with_bks: 0.0, bench.seconds);
    return failures? 1: 0;
}
