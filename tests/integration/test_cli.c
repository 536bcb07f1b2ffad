/*  The operator's command lines against running daemons: the README's
    example works, tables mask phone numbers, errors give one line and a
    non-zero status (2 for bad usage, the service's invalid_argument
    included), --help and help explain, bad settings stop a daemon at start. */
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
    //  Arguments the service refuses are bad usage too: status 2, one line
    //  that says what is allowed.
    as_harness_expect (harness, "intakectl triage 1 --outcome maybe 2>&1", 2, "invalid_argument", true);
    as_harness_expect (harness, "intakectl list --limit -1 2>&1", 2, "params.limit: expected uint", true);
    as_harness_expect (harness, "intakectl list --channel fax 2>&1", 2,
                       "params.channel: 'fax' is not one of phone, web, app, station, device", true);
    as_harness_expect (harness, "intakectl report --name X --phone 1 --address A --category fan --model M --serial S"
                       " --purchased 2026-13-45 --symptom S --channel phone 2>&1", 2, "not a valid date", true);
    as_harness_expect (harness, "busctl call intake case.get '{\"case_id\":-1}' 2>&1", 2, "invalid_argument", true);
    //  Numbers are whole numbers in decimal, in range, or refused here.
    as_harness_expect (harness, "intakectl show 99999999999999999999999 2>&1", 2, "is out of range", true);
    as_harness_expect (harness, "intakectl list --limit 0x10 2>&1", 2, "--limit: '0x10' is not a whole number", true);
    as_harness_expect (harness, "intakectl list --limit 1.5 2>&1", 2, "--limit: '1.5' is not a whole number", true);
    as_harness_expect (harness, "intakectl list --timeout abc 2>&1", 2, "--timeout: 'abc' is not a whole number", true);
    as_harness_expect (harness, "AFTERSALES_PORT_BASE=abc intakectl list 2>&1", 2,
                       "AFTERSALES_PORT_BASE (environment): 'abc' is not a whole number", true);
    as_harness_expect (harness, "AFTERSALES_PORT_BASE=abc busctl call intake health 2>&1", 2, "AFTERSALES_PORT_BASE", true);
    as_harness_expect (harness, "AFTERSALES_PORT_BASE=99999 busctl tail 2>&1", 2, "is out of range (1024..65000)", true);
    //  An endpoint that cannot be connected to: one line, status 1, no crash.
    as_harness_expect (harness, "AFTERSALES_INTAKE_ENDPOINT=garbage intakectl show 1 2>&1", 1,
                       "intakectl: cannot connect to garbage: ", true);
    as_harness_expect (harness, "AFTERSALES_INTAKE_ENDPOINT=garbage busctl call intake health 2>&1", 1,
                       "busctl: cannot connect to garbage: ", true);
    as_harness_expect (harness, "AFTERSALES_BUS_INGRESS_ENDPOINT=garbage busctl publish --type device.fault_reported"
                       " --data '{}' 2>&1", 1, "busctl: cannot connect to garbage: ", true);
    as_harness_expect (harness, "AFTERSALES_SURVEY_ENDPOINT=garbage surveyctl report --period 2026-10 2>&1", 1,
                       "surveyctl: cannot connect to garbage: ", true);
    as_harness_expect (harness, "AFTERSALES_BUS_SUB_ENDPOINT=garbage busctl tail 2>&1", 1,
                       "busctl tail: cannot connect to garbage: ", true);
    //  --help everywhere.
    as_harness_expect (harness, "intakectl --help", 0, "report --name", true);
    as_harness_expect (harness, "intakectl report --help", 0, "--symptom", true);
    as_harness_expect (harness, "intakectl history --help", 0, "every status change", true);
    as_harness_expect (harness, "intakectl history --help", 0, "--symptom", false);
    as_harness_expect (harness, "intakectl help", 0, "report --name", true);
    as_harness_expect (harness, "intakectl help history", 0, "every status change", true);
    //  The help says how long a call may really wait: each retry doubles.
    as_harness_expect (harness, "intakectl --help", 0, "21 s\n             in all at worst", true);
    as_harness_expect (harness, "intakectl --help", 0, "2 bad usage,\nalso when the service refuses the arguments", true);
    as_harness_expect (harness, "busctl --help", 0, "publish --type", true);
    as_harness_expect (harness, "busctl --help", 0, "(9 s in all at worst by default), publish three times (45 s)", true);
    as_harness_expect (harness, "busctl help", 0, "publish --type", true);
    as_harness_expect (harness, "intaked --help", 0, "INTAKE_FIRST_CONTACT_MINUTES", true);
    as_harness_expect (harness, "intaked --help", 0, "AFTERSALES_PG", true);
    as_harness_expect (harness, "busd --help", 0, "ingress", true);
    //  A bad setting stops a daemon before it does anything.
    as_harness_expect (harness, "AFTERSALES_POLL_MS=often intaked 2>&1", 2, "AFTERSALES_POLL_MS", true);
    as_harness_expect (harness, "INTAKE_FIRST_CONTACT_MINUTES=0 intaked 2>&1", 2, "outside", true);
    as_harness_expect (harness, "intaked --bogus 2>&1", 2, "unknown argument", true);
    as_harness_expect (harness, "intaked --config 2>&1", 2, "intaked: --config needs a FILE", true);
    as_harness_expect (harness, "busd --config 2>&1", 2, "busd: --config needs a FILE", true);
    as_harness_expect (harness, "busd --version", 0, "busd 0.1.0", true);
    as_harness_expect (harness, "intaked --version", 0, "intaked 0.1.0", true);
    //  The generic RPC tool.
    as_harness_expect (harness, "busctl call intake health", 0, "\"ok\"", true);
    as_harness_expect (harness, "busctl call intake case.get '{\"case_id\":999999}' 2>&1", 1, "not_found", true);
    as_harness_expect (harness, "busctl call bus health", 0, "\"bus\"", true);
    as_harness_expect (harness, "busctl call intake health --timeout 5000 --key k-1", 0, "\"ok\"", true);
    //  busctl's usage mistakes: status 2 and one line naming the mistake.
    as_harness_expect (harness, "busctl call intake 2>&1", 2, "busctl call: METHOD is missing", true);
    as_harness_expect (harness, "busctl call intake 2>&1", 2, "usage", false);
    as_harness_expect (harness, "busctl call 2>&1", 2, "busctl call: SERVICE METHOD is missing", true);
    as_harness_expect (harness, "busctl call intake health --bogus 1 2>&1", 2, "unknown option --bogus", true);
    as_harness_expect (harness, "busctl call intake health --key 2>&1", 2, "--key needs a value", true);
    as_harness_expect (harness, "busctl call intake health '{}' extra 2>&1", 2, "unexpected argument 'extra'", true);
    as_harness_expect (harness, "busctl call intake health '{bad' 2>&1", 2, "PARAMS-JSON: bad JSON", true);
    as_harness_expect (harness, "busctl call intake health --timeout abc 2>&1", 2, "--timeout: 'abc' is not a whole", true);
    as_harness_expect (harness, "busctl call intake health --timeout 0 2>&1", 2, "--timeout: '0' is out of range", true);
    as_harness_expect (harness, "busctl call nowhere health 2>&1", 2, "unknown service 'nowhere'", true);
    as_harness_expect (harness, "busctl publish --type device.fault_reported --data '{}' --timeout 1e3 2>&1", 2,
                       "--timeout: '1e3' is not a whole number", true);
    as_harness_expect (harness, "busctl publish --type device.fault_reported --data '{}' --colour red 2>&1", 2,
                       "unknown option --colour", true);
    as_harness_expect (harness, "busctl tail --count abc 2>&1", 2, "--count: 'abc' is not a whole number", true);
    as_harness_expect (harness, "busctl tail --count 0 2>&1", 2, "--count: '0' is out of range", true);
    as_harness_expect (harness, "busctl tail case. more 2>&1", 2, "unexpected argument 'more'", true);
    as_harness_expect (harness, "busctl keygen only-a-name 2>&1", 2, "busctl keygen: DIR is missing", true);

    as_harness_destroy (&harness);
    printf ("cli: OK\n");
    return 0;
}
