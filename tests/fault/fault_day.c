/*  fault-day: the two halves of the fault test (run-fault.sh), so that the
    killer loop runs during the day and stops before the checks.

    fault-day day TAG CASES SEED SPREAD
                                      drive a simulated day (run tag TAG),
                                      its reports spread over at least SPREAD
                                      seconds; exit 0 when every case
                                      reached an end
    fault-day check TAG CASES         the consistency checks of flow_check.c
                                      plus "nothing lost, nothing twice":
                                      one case per report of the run, one
                                      first history row per case

    Reaches the daemons like every client (AFTERSALES_PORT_BASE); the checks
    read the database through AFTERSALES_CHECK_PG (a superuser conninfo). */
#include "flow.h"
#include "as_catalog.h"
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_day (const char *tag, int cases, unsigned seed, int spread)
{
    flow_config_t config;
    flow_config_default (&config, cases, seed);
    config.spread_seconds = spread;
    snprintf (config.tag, sizeof config.tag, "%s", tag);
    //  A call may wait out a daemon's restart and PostgreSQL's; a case
    //  may wait out several.
    config.call_limit_ms = 120000;
    config.case_limit_ms = 240000;
    flow_result_t result;
    int rc = flow_day_run (&config, &result);
    flow_summary_print (&config, &result);
    printf ("fault: %lld reports made, %lld stuck, %lld open\n", (long long) result.reported,
            (long long) result.outcomes [FLOW_STUCK], (long long) result.outcomes [FLOW_OPEN]);
    bool ok = rc == 0 && result.reported == cases;
    flow_result_free (&result);
    return ok ? 0 : 1;
}

//  Rows of a query that must return the expected count.
static int
s_count (PGconn *db, const char *name, const char *rule, const char *sql, long long expected)
{
    PGresult *result = PQexec (db, sql);
    long long value = -1;
    if (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1)
        value = atoll (PQgetvalue (result, 0, 0));
    else
        printf ("     %s: %s", name, PQerrorMessage (db));
    PQclear (result);
    printf ("%s %-38s %s (%lld, expected %lld)\n", value == expected ? "ok  " : "FAIL", name, rule, value, expected);
    return value == expected ? 0 : 1;
}

static int
s_check (const char *tag, int cases)
{
    const char *conninfo = getenv ("AFTERSALES_CHECK_PG");
    PGconn *db = PQconnectdb (conninfo ? conninfo : "");
    if (PQstatus (db) != CONNECTION_OK) {
        fprintf (stderr, "fault-day: cannot connect (AFTERSALES_CHECK_PG): %s", PQerrorMessage (db));
        PQfinish (db);
        return 1;
    }
    printf ("\n== consistency after the faults ==\n");
    int failed = flow_checks (db, true, false);
    char sql [512];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.cases c JOIN intake.products p ON p.id = c.product_id"
              " WHERE p.serial LIKE 'SN-%s-%%'", tag);
    failed += s_count (db, "intake.one_case_per_report", "each report of the run is one case, none lost, none twice",
                       sql, cases);
    failed += s_count (db, "intake.one_opening_per_case", "cases whose opening history row is not exactly one",
                       "SELECT count(*) FROM (SELECT c.id FROM intake.cases c LEFT JOIN intake.case_history h"
                       " ON h.case_id = c.id AND h.from_status IS NULL GROUP BY c.id HAVING count(h.case_id) <> 1) x", 0);
    PQfinish (db);
    printf ("%d check%s failed\n", failed, failed == 1 ? "" : "s");
    return failed ? 1 : 0;
}

int
main (int argc, char *argv [])
{
    bool day = argc == 6 && !strcmp (argv [1], "day");
    bool check = argc == 4 && !strcmp (argv [1], "check");
    int cases = argc >= 4 ? atoi (argv [3]) : 0;
    if ((!day && !check) || cases < 1 || strlen (argv [2]) >= 20 || (day && atoi (argv [5]) < 0)) {
        fprintf (stderr, "usage: fault-day day TAG CASES SEED SPREAD | fault-day check TAG CASES\n");
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    setvbuf (stdout, NULL, _IOLBF, 0);
    if (as_catalog_load ()) {
        fprintf (stderr, "fault-day: cannot load the catalogue\n");
        return 1;
    }
    return day ? s_day (argv [2], cases, (unsigned) atoi (argv [4]), atoi (argv [5])) : s_check (argv [2], cases);
}
