/*  A consumer stopped while 1,000 cases are reported catches up, in the
    producer's order, each event applied once.                            */
#include "as_harness.h"
#include <signal.h>
#include <sys/wait.h>

#define S_CASES 1000

int
main (void)
{
    as_harness_t *harness = as_harness_new ("catch_up");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    pid_t sink = as_harness_start (harness, "testsinkd", NULL);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");

    as_harness_report (intake, "SN-CATCH-0", NULL);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.received", 1, 10000) == 1);
    int status = as_harness_stop (harness, sink, SIGTERM);
    AS_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);

    for (int index = 1; index <= S_CASES; index++) {
        char serial [32];
        snprintf (serial, sizeof serial, "SN-CATCH-%d", index);
        as_harness_report (intake, serial, NULL);
    }
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM intake.event_log", S_CASES + 1, 10000) == S_CASES + 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM testsink.received") == 1);
    printf ("reported %d cases while the consumer was down\n", S_CASES);

    as_harness_start (harness, "testsinkd", NULL);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.received", S_CASES + 1, 60000) == S_CASES + 1);
    //  In order: each applied event is the one after the previous.
    AS_CHECK (as_harness_scalar (harness,
        "SELECT count(*) FROM (SELECT sequence, lag(sequence) OVER (ORDER BY id) AS previous"
        " FROM testsink.received) r WHERE previous IS NOT NULL AND sequence <> previous + 1") == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(DISTINCT sequence) FROM testsink.received") == S_CASES + 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(DISTINCT event_id) FROM testsink.received") == S_CASES + 1);
    AS_CHECK (as_harness_scalar (harness,
        "SELECT count(*) FROM testsink.received r JOIN intake.event_log l"
        " ON l.sequence = r.sequence AND l.event_id = r.event_id") == S_CASES + 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT last_sequence FROM testsink.cursors") == S_CASES + 1);
    //  Live events after the catch-up still arrive.
    as_harness_report (intake, "SN-CATCH-LIVE", NULL);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM testsink.received", S_CASES + 2, 10000) == S_CASES + 2);

    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("catch_up: OK\n");
    return 0;
}
