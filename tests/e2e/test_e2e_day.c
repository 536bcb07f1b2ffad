/*  e2e.day: every daemon up on its own database, the reference set loaded
    through the CLIs (deploy/reference/load), a simulated day of
    AS_E2E_CASES cases (default 120) driven as customers, agents, engineers
    and outside systems would, then the consistency checks of flow_check.c:
    each is a rule the services must agree on.                            */
#include "as_harness.h"
#include "flow.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *s_dispatch_env [] = { "DISPATCH_OPTIMIZE_MS=0", "DISPATCH_LATE_CHECK_MS=0", NULL };
static const char *s_survey_env [] = { "SURVEY_SEND_DAYS_AFTER=0", "SURVEY_TICK_MS=500", NULL };

//  Start every daemon of the suite that this build has.
void flow_start_suite (as_harness_t *harness, pid_t pids [6], bool *survey);
void
flow_start_suite (as_harness_t *harness, pid_t pids [6], bool *survey)
{
    static const char *daemons [] = { "busd", "intaked", "dispatchd", "inventoryd", "billingd", "surveyd" };
    for (int index = 0; index < 6; index++) {
        char path [512];
        snprintf (path, sizeof path, "%s/%s", as_harness_bin (), daemons [index]);
        pids [index] = 0;
        if (index == 5 && access (path, X_OK) != 0) {
            printf ("e2e: %s is not built: survey checks skipped\n", daemons [index]);
            continue;
        }
        pids [index] = as_harness_start (harness, daemons [index],
                                         index == 2 ? s_dispatch_env : index == 5 ? s_survey_env : NULL);
    }
    *survey = pids [5] != 0;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("e2e_day");
    pid_t pids [6];
    bool survey;
    flow_start_suite (harness, pids, &survey);
    char command [1024];
    snprintf (command, sizeof command, "%s/deploy/reference/load %s", AS_SOURCE_DIR, as_harness_bin ());
    free (as_harness_output (harness, command, 0));
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineers") == 48);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.locations") == 1 + 6 + 48);
    //  Loading again changes nothing.
    free (as_harness_output (harness, command, 0));
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.stations") == 6);

    const char *size = getenv ("AS_E2E_CASES");
    flow_config_t config;
    flow_config_default (&config, size ? atoi (size) : 60, 8);
    config.case_limit_ms = 90000;
    flow_result_t result;
    int rc = flow_day_run (&config, &result);
    flow_summary_print (&config, &result);
    AS_CHECK (rc == 0);
    AS_CHECK (result.outcomes [FLOW_STUCK] == 0);
    //  Every report the driver made is one case at intake, none more.
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.cases c JOIN intake.products p ON p.id = c.product_id"
              " WHERE p.serial LIKE 'SN-%s-%%'", config.tag);
    int64_t cases = as_harness_scalar (harness, sql);
    printf ("e2e: %lld reports, %lld cases at intake\n", (long long) result.reported, (long long) cases);
    AS_CHECK (cases == result.reported && cases == config.cases);
    printf ("\n== consistency ==\n");
    int failed = flow_checks (as_harness_db (harness), survey && result.survey_up, false);
    AS_CHECK (failed == 0);
    flow_result_free (&result);
    as_harness_destroy (&harness);
    printf ("e2e day: OK\n");
    return 0;
}
