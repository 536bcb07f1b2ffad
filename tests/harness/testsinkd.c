/*  testsinkd: a test consumer of intake's events. It is an ordinary service
    built from as_service: it only declares what it consumes. Each applied
    event becomes a row of testsink.received, in the same transaction as
    the cursor, so tests can prove order and exactly-once in effect.       */
#include "as_service.h"
#include <stdlib.h>
#include <string.h>

extern const as_migration_t testsink_migrations [];
extern const size_t testsink_migrations_count;

static const as_stmt_t s_record = { "testsink_record",
    "INSERT INTO received (producer, sequence, type, subject, event_id) VALUES ($1, $2, $3, $4, $5)" };

//  TESTSINK_REFUSE_SUBJECT names a subject this consumer refuses for good,
//  to prove that one bad event goes to dead_letters and the stream goes on.
static int
s_record_event (as_delivery_t *delivery)
{
    const as_event_t *event = delivery->event;
    const char *refuse = getenv ("TESTSINK_REFUSE_SUBJECT");
    if (refuse && strcmp (refuse, event->subject) == 0)
        return as_error_set (delivery->err, AS_FAILED_PRECONDITION, "refused by request of the test");
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, event->source);
    as_pgp_int (&params, (int64_t) event->sequence);
    as_pgp_str (&params, event->type);
    as_pgp_str (&params, event->subject);
    as_pgp_str (&params, event->id);
    return as_pg_do (delivery->pg, &s_record, &params, delivery->err) == 1 ? 0 : -1;
}

static const as_subscription_t s_subscriptions [] = {
    { "intake", "case.reported", s_record_event },
    { "intake", "case.linked", s_record_event },
    { "intake", "case.triaged", s_record_event },
    { "intake", "case.cancelled", s_record_event },
    { "dispatch", "visit.completed", s_record_event },
    { NULL, NULL, NULL }
};

static const as_method_t s_methods [] = { { NULL, NULL } };

static const as_service_def_t s_testsink = {
    .name = "testsink",
    .version = "0.1.0",
    .summary = "test consumer of intake's events",
    .migrations = testsink_migrations,
    .migration_count = &testsink_migrations_count,
    .methods = s_methods,
    .subscriptions = s_subscriptions,
};

int
main (int argc, char *argv [])
{
    return as_service_main (&s_testsink, argc, argv);
}
