/*  dispatchctl against a real dispatchd: two-word commands, the engineers'
    CSV import (the shipped example file), tables and --json, the board,
    and the exit codes (0 done, 1 refused, 2 bad usage).                  */
#include "dispatch_testlib.h"
#include <stdlib.h>

int
main (void)
{
    as_harness_t *harness = as_harness_new ("dispatch_cli");
    as_harness_start (harness, "dispatchd", t_dispatchd_env);
    free (as_harness_output (harness, "dispatchctl station add --code BJ-CY --name Chaoyang --region north --tier service_centre"
                          " --lat 39.92 --lon 116.44 --radius-km 25", 0));
    char command [512];
    snprintf (command, sizeof command, "dispatchctl engineer import %s/data/engineers.example.csv", AS_DISPATCH_DIR);
    char *output = as_harness_output (harness, command, 0);
    AS_CHECK (strstr (output, "\"imported\""));
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineers") == 4);
    free (output);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineer_skills") == 12);
    //  The optional rota column: given for two, every day for the others.
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineers WHERE (code, work_days) IN"
                                          " (('E-901', '1234567'), ('E-902', '12345'), ('E-903', '1234567'),"
                                          " ('E-904', '34567'))") == 4);
    AS_CHECK (as_harness_scalar (harness, "SELECT level FROM dispatch.engineer_skills s JOIN dispatch.engineers e"
                                          " ON e.id = s.engineer_id WHERE e.code = 'E-901' AND category = 'air_conditioner'") == 3);
    output = as_harness_output (harness, "dispatchctl engineer list", 0);
    AS_CHECK (strstr (output, "Zhang Wei") && strstr (output, "air_conditioner:3") && strstr (output, "08:30-17:30"));
    free (output);
    output = as_harness_output (harness, "dispatchctl --json engineer skills 2 --skills fan:2,vacuum_cleaner", 0);
    AS_CHECK (strstr (output, "\"fan\"") && strstr (output, "\"vacuum_cleaner\""));
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM dispatch.engineer_skills WHERE engineer_id = 2") == 2);
    free (output);
    output = as_harness_output (harness, "dispatchctl board --date 2030-01-02", 0);
    AS_CHECK (strstr (output, "E-904 Chen Jing") && strstr (output, "(no visits)"));
    free (output);
    free (as_harness_output (harness, "dispatchctl visit enroute 99", 1));
    free (as_harness_output (harness, "dispatchctl engineer absence 1 --from 2030-01-02T00:00:00Z", 2));
    free (as_harness_output (harness, "dispatchctl station fly", 2));
    output = as_harness_output (harness, "dispatchctl optimize --date 2030-01-02", 0);
    AS_CHECK (strstr (output, "TRAVEL BEFORE"));
    free (output);
    as_harness_destroy (&harness);
    printf ("dispatch cli: OK\n");
    return 0;
}
