/*  surveyctl's own arguments against a real surveyd: the report's request
    is built as JSON (quotes in a value are the value's), its options are
    refused one by one with what is allowed, the service's invalid_argument
    is bad usage (status 2), and a long Chinese text is shown whole, never
    cut inside a character.                                                */
#include "as_harness.h"
#include <string.h>

static void
s_report_arguments (as_harness_t *harness)
{
    //  A quote in the period reaches the service as part of the value.
    as_harness_expect (harness, "surveyctl report --period '2026-11\"x' 2>&1", 2, "params.period: string longer", true);
    as_harness_expect (harness, "surveyctl report --period '2026-11\"x' 2>&1", 2, "bad JSON", false);
    as_harness_expect (harness, "surveyctl report --period '2026\"1x' 2>&1", 2,
                       "period '2026\"1x' is not a month YYYY-MM", true);
    as_harness_expect (harness, "surveyctl report --period 2026-10 --by planet 2>&1", 2,
                       "params.by: 'planet' is not one of engineer, station, region, category, all", true);
    //  Each mistake named on its own, with what is allowed.
    as_harness_expect (harness, "surveyctl report 2>&1", 2, "surveyctl: report needs --period YYYY-MM", true);
    as_harness_expect (harness, "surveyctl report --period 2026-10 --format xml 2>&1", 2,
                       "surveyctl: report: --format 'xml' is not one of table, csv, json", true);
    as_harness_expect (harness, "surveyctl report --period 2026-10 --kpi speed 2>&1", 2,
                       "surveyctl: report: --kpi 'speed' is not one of visits_completed, cases_completed,", true);
    as_harness_expect (harness, "surveyctl report --period 2026-10 --kpi speed 2>&1", 2, "promises_breached\n", true);
    as_harness_expect (harness, "surveyctl report --period 2026-10 --kpi speed 2>&1", 2, "--format", false);
    as_harness_expect (harness, "surveyctl report --period 2026-10 --timeout abc 2>&1", 2,
                       "--timeout: 'abc' is not a whole number", true);
    as_harness_expect (harness, "surveyctl report --period 2026-10 --colour red 2>&1", 2, "--colour is not an option", true);
    as_harness_expect (harness, "surveyctl report --period 2026-10 --format csv --timeout 5000", 0, "period,by,group", true);
    //  help as a command, and the report's worst-case wait.
    as_harness_expect (harness, "surveyctl help", 0, "report --period YYYY-MM", true);
    as_harness_expect (harness, "surveyctl help report", 0, "30 s in all at worst", true);
    as_harness_expect (harness, "surveyctl kpi --period 2026-10 --by planet 2>&1", 2, "'planet' is not one of", true);
    as_harness_expect (harness, "surveyctl complaint show 1.5 2>&1", 2, "complaint show needs an id: '1.5' is not a whole", true);
}

//  700 characters of 3 bytes: 2,100 bytes, more than a table cell took.
static void
s_long_description (as_harness_t *harness, int64_t case_id)
{
    char description [2200] = "";
    for (int index = 0; index < 700; index++)
        strcat (description, "\xe4\xb8\xad");
    char command [3000];
    snprintf (command, sizeof command, "surveyctl complaint open --case %lld --category quality --severity high"
              " --description '%s' --json", (long long) case_id, description);
    free (as_harness_output (harness, command, 0));
    int64_t complaint_id = as_harness_scalar (harness, "SELECT max(complaint_id) FROM survey.complaints");
    snprintf (command, sizeof command, "surveyctl complaint show %lld", (long long) complaint_id);
    char *shown = as_harness_output (harness, command, 0);
    char line [2300];
    snprintf (line, sizeof line, "description      %s\n", description);
    if (!strstr (shown, line))
        fprintf (stderr, "the description is not shown whole:\n%s\n", shown);
    AS_CHECK (strstr (shown, line));
    free (shown);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("survey_cli");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    as_harness_start (harness, "surveyd", NULL);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    int64_t case_id = as_harness_report (intake, "SN-SURVEY-CLI-1", NULL);
    char known [128];
    snprintf (known, sizeof known, "SELECT count(*) FROM survey.cases WHERE case_id = %lld", (long long) case_id);
    AS_CHECK (as_harness_await (harness, known, 1, 10000) == 1);

    s_report_arguments (harness);
    s_long_description (harness, case_id);

    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("survey cli: OK\n");
    return 0;
}
