/*  as_eventlog: the producer side of "events are never lost".

    outbox   rows written in the business transaction (as_outbox_add);
    relay    one at a time per schema (transaction advisory lock): moves
             committed outbox rows to event_log with the next gap-free
             sequence numbers, commits, then publishes them live on PUB
             (topic frame = type, then the envelope): the live push is only
             a fast path, consumers fill gaps from the log;
    fetch    events.fetch: the log after a sequence, as encoded envelopes.  */
#ifndef AS_EVENTLOG_H
#define AS_EVENTLOG_H

#include <czmq.h>
#include <msgpack.h>
#include "as_error.h"
#include "as_event.h"
#include "as_pg.h"

#define AS_RELAY_BATCH 500

//  Write an event to the outbox (the caller's transaction). data must be
//  a packed map valid for the type in the catalogue.
int as_outbox_add (as_pg_t *pg, const char *type, const char *subject,
                   const void *data, size_t size, const char *traceparent, as_error_t *err);

//  Move and publish everything committed in the outbox. pub may be NULL.
//  Returns the number of events moved, or -1. When fault is "before_publish"
//  the process kills itself after the commit and before the publish (tests).
int as_eventlog_relay (as_pg_t *pg, const char *source, zsock_t *pub,
                       const char *fault, as_error_t *err);

//  Commit the caller's transaction in one round trip: the caller's last
//  statements (`before`, may be none), then, when `seal` is set, wait for
//  the relay lock and move the transaction's outbox rows (and any committed
//  leftovers) into the log, then COMMIT. The change and its log positions
//  commit together, with one commit to disk; the lock is held until that
//  commit, so positions still commit in order. *moved gets the moved rows,
//  to publish with as_eventlog_publish after the commit (caller PQclear's).
//  -1 + err: nothing committed, the transaction is left for the caller to
//  roll back.
int as_eventlog_commit (as_pg_t *pg, as_pg_step_t *before, int count, bool seal,
                        PGresult **moved, as_error_t *err);
//  Publish moved log rows live (topic = type), after their commit.
void as_eventlog_publish (zsock_t *pub, const PGresult *moved, const char *source);

//  Pack {events: [bin envelope...], last_sequence} for events after `after`.
int as_eventlog_fetch (as_pg_t *pg, const char *source, uint64_t after, int limit,
                       msgpack_packer *pk, as_error_t *err);

//  Delete log rows older than retention_days, always keeping the newest row
//  (so positions continue), and idempotency replies older than that too.
int as_eventlog_trim (as_pg_t *pg, int retention_days, as_error_t *err);

//  Encode a log row (columns: sequence, event_id, type, subject, time,
//  traceparent, data) as an envelope from source.
void as_eventlog_row_encode (const PGresult *result, int row, const char *source,
                             msgpack_sbuffer *sbuf);

void as_eventlog_test (bool verbose);

#endif
