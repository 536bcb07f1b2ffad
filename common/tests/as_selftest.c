/*  as_selftest: runs the self-test of one class (or all) by name.
    ctest calls it once per class so one crash cannot hide the others.       */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "as_acl.h"
#include "as_catalog.h"
#include "as_cli.h"
#include "as_config.h"
#include "as_consumer.h"
#include "as_date.h"
#include "as_log.h"
#include "as_pg.h"
#include "as_error.h"
#include "as_event.h"
#include "as_eventlog.h"
#include "as_file.h"
#include "as_msg.h"
#include "as_rpcmsg.h"

typedef void (as_selftest_fn) (bool verbose);

static const struct {
    const char *name;
    as_selftest_fn *fn;
} s_tests [] = {
    { "error",    as_error_test },
    { "msg",      as_msg_test },
    { "catalog",  as_catalog_test },
    { "event",    as_event_test },
    { "date",     as_date_test },
    { "rpcmsg",   as_rpcmsg_test },
    { "log",      as_log_test },
    { "config",   as_config_test },
    { "pg",       as_pg_test },
    { "cli",      as_cli_test },
    { "eventlog", as_eventlog_test },
    { "consumer", as_consumer_test },
    { "acl",      as_acl_test },
    { "file",     as_file_test },
};

int
main (int argc, char *argv [])
{
    bool verbose = false;
    const char *only = NULL;
    for (int arg = 1; arg < argc; arg++) {
        if (strcmp (argv [arg], "-v") == 0)
            verbose = true;
        else
        if (strcmp (argv [arg], "--help") == 0 || strcmp (argv [arg], "-h") == 0) {
            printf ("usage: as_selftest [-v] [NAME]\nclasses:");
            for (size_t i = 0; i < sizeof s_tests / sizeof s_tests [0]; i++)
                printf (" %s", s_tests [i].name);
            printf ("\n");
            return 0;
        }
        else
            only = argv [arg];
    }
    int ran = 0;
    for (size_t i = 0; i < sizeof s_tests / sizeof s_tests [0]; i++) {
        if (only && strcmp (only, s_tests [i].name) != 0)
            continue;
        printf (" * %s: ", s_tests [i].name);
        fflush (stdout);
        s_tests [i].fn (verbose);
        printf ("OK\n");
        ran++;
    }
    if (ran == 0) {
        fprintf (stderr, "as_selftest: no test named '%s'\n", only ? only : "");
        return 2;
    }
    return 0;
}
