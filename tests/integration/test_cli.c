/*  The operator's command lines against running daemons: the README's
    example works, tables mask phone numbers, errors give one line and a
    non-zero status, --help explains, bad settings stop a daemon at start. */
#include "as_harness.h"
#include <string.h>

int
main (void)
{
    as_harness_t *harness = as_harness_new ("cli");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);

    as_harness_expect (harness, "intakectl report --name \"Li Wei\" --phone 13800138000"
              " --address \"88 Jianguo Rd, Chaoyang, Beijing\" --category air_conditioner --model KFR-35GW"
              " --serial SN123456 --purchased 2026-03-01 --symptom \"no cooling\" --channel phone --json",
              0, "\"case_id\"", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases c JOIN intake.products p"
                                          " ON p.id = c.product_id WHERE p.serial = 'SN123456'") == 1);
    int64_t case_id = as_harness_scalar (harness, "SELECT max(id) FROM intake.cases");
    //  Tables mask the phone; --json is for scripts and carries it whole.
    as_harness_expect (harness, "intakectl list", 0, "138****8000", true);
    as_harness_expect (harness, "intakectl list", 0, "13800138000", false);
    as_harness_expect (harness, "intakectl list --json", 0, "13800138000", true);
    char command [256];
    snprintf (command, sizeof command, "intakectl show %lld", (long long) case_id);
    as_harness_expect (harness, command, 0, "KFR-35GW", true);
    snprintf (command, sizeof command, "intakectl triage %lld --outcome solved_remotely --note 'reset the remote'",
              (long long) case_id);
    as_harness_expect (harness, command, 0, "resolved_remotely", true);
    snprintf (command, sizeof command, "intakectl history %lld", (long long) case_id);
    as_harness_expect (harness, command, 0, "resolved_remotely", true);
    snprintf (command, sizeof command, "intakectl cancel %lld --reason 'too late' 2>&1", (long long) case_id);
    as_harness_expect (harness, command, 1, "failed_precondition", true);

    as_harness_expect (harness, "intakectl report --name 'Zhou Min' --phone 010-88886666 --address 'West Lake Rd 9'"
              " --category washing_machine --model XQG-80 --serial SN-CLI-2 --symptom 'drum will not spin'"
              " --channel station", 0, "reported", true);
    int64_t second = as_harness_scalar (harness, "SELECT max(id) FROM intake.cases");
    snprintf (command, sizeof command, "intakectl escalate %lld --reason 'needs the head office' --to other_department",
              (long long) second);
    as_harness_expect (harness, command, 0, "other_department", true);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases WHERE status = 'escalated'"
                                          " AND escalated_to = 'other_department'") == 1);

    //  Usage mistakes: status 2 and a one-line reason.
    as_harness_expect (harness, "intakectl report --name X 2>&1", 2, "--phone is required", true);
    as_harness_expect (harness, "intakectl show abc 2>&1", 2, "needs an id", true);
    as_harness_expect (harness, "intakectl frobnicate 2>&1", 2, "unknown command", true);
    as_harness_expect (harness, "intakectl triage 1 --outcome maybe 2>&1", 1, "invalid_argument", true);
    //  --help everywhere.
    as_harness_expect (harness, "intakectl --help", 0, "report --name", true);
    as_harness_expect (harness, "intakectl report --help", 0, "--symptom", true);
    as_harness_expect (harness, "intakectl history --help", 0, "every status change", true);
    as_harness_expect (harness, "intakectl history --help", 0, "--symptom", false);
    as_harness_expect (harness, "busctl --help", 0, "publish --type", true);
    as_harness_expect (harness, "intaked --help", 0, "INTAKE_FIRST_CONTACT_MINUTES", true);
    as_harness_expect (harness, "intaked --help", 0, "AFTERSALES_PG", true);
    as_harness_expect (harness, "busd --help", 0, "ingress", true);
    //  A bad setting stops a daemon before it does anything.
    as_harness_expect (harness, "AFTERSALES_POLL_MS=often intaked 2>&1", 2, "AFTERSALES_POLL_MS", true);
    as_harness_expect (harness, "INTAKE_FIRST_CONTACT_MINUTES=0 intaked 2>&1", 2, "outside", true);
    as_harness_expect (harness, "intaked --bogus 2>&1", 2, "unknown argument", true);
    //  The generic RPC tool.
    as_harness_expect (harness, "busctl call intake health", 0, "\"ok\"", true);
    as_harness_expect (harness, "busctl call intake case.get '{\"case_id\":999999}' 2>&1", 1, "not_found", true);
    as_harness_expect (harness, "busctl call bus health", 0, "\"bus\"", true);

    as_harness_destroy (&harness);
    printf ("cli: OK\n");
    return 0;
}
