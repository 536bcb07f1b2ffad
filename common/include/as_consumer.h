/*  as_consumer: applies one producer's events exactly once, in its order.

    The cursor (last sequence applied) lives in <schema>.cursors and moves in
    the same transaction as the effects. An event whose sequence is not
    cursor + 1 is not applied: the consumer fetches the missing range from
    the producer (events.fetch) and applies that first. Every event of the
    producer advances the cursor; only declared types reach the callback,
    and a burst of undeclared ones alone moves it in memory only, stored
    with the next transaction or by as_consumer_store.
    A callback that fails for good (not a transient error) sends the event to
    dead_letters in the same transaction, so one bad event cannot stall the
    stream; a transient failure rolls back and the batch is retried later. */
#ifndef AS_CONSUMER_H
#define AS_CONSUMER_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "as_error.h"
#include "as_event.h"
#include "as_pg.h"

typedef struct _as_consumer_t as_consumer_t;

//  Apply one event inside the caller's transaction. 0, or -1 with err.
typedef int (as_consumer_fn) (void *arg, as_pg_t *pg, const as_event_t *event,
                              const msgpack_object *data, as_error_t *err);

//  Consumer of producer's log, fetched from endpoint (its RPC address).
as_consumer_t *as_consumer_new (const char *producer, const char *endpoint,
                                as_consumer_fn *apply, void *arg);
void as_consumer_destroy (as_consumer_t **self_p);
//  How a batch's transaction ends: run `before` (the cursor's move; may be
//  none) and COMMIT in one round trip, 0; or -1 with err, the transaction
//  left for the consumer to roll back. Default: exactly that. A service
//  sets its own to seal the events the batch emitted into its log in the
//  same commit (as_eventlog_commit).
typedef int (as_consumer_commit_fn) (void *arg, as_pg_t *pg, as_pg_step_t *before, int count,
                                     as_error_t *err);
void as_consumer_set_commit (as_consumer_t *self, as_consumer_commit_fn *commit, void *arg);
//  Declare an event type this consumer applies (others just move the cursor).
void as_consumer_want (as_consumer_t *self, const char *type);
bool as_consumer_wants (as_consumer_t *self, const char *type);
const char *as_consumer_producer (as_consumer_t *self);

//  The consumer never blocks its loop on the producer: catch-up is an
//  asynchronous events.fetch on this DEALER socket, whose replies the owner
//  passes to as_consumer_on_reply (register it as a zloop reader).
zsock_t *as_consumer_socket (as_consumer_t *self);

//  Live events of this producer from the bus (one, or a burst that was
//  waiting on the socket): applied in ONE transaction as far as they
//  continue the cursor (ordered by sequence first; old ones ignored); a
//  gap asks the producer for the missing range. Returns events that moved
//  the cursor, or -1 (nothing applied: a later fetch brings them again).
int as_consumer_receive_many (as_consumer_t *self, as_pg_t *pg, as_event_t **events, size_t count,
                              as_error_t *err);
//  Ask the producer for what follows the cursor, unless a request is
//  already under way (one that got no answer in time is given up).
void as_consumer_poll (as_consumer_t *self);
//  A reply arrived on the socket: apply the page, and ask for the next one
//  while the producer has more. Returns events applied, or -1.
int as_consumer_on_reply (as_consumer_t *self, as_pg_t *pg, as_error_t *err);
//  True when the last answer from the producer showed nothing left.
bool as_consumer_caught_up (as_consumer_t *self);
//  Events the consumer does not want move its cursor without a
//  transaction (in memory); this stores such a cursor (a transaction of
//  its own, none when there is nothing to store). Call it now and then.
int as_consumer_store (as_consumer_t *self, as_pg_t *pg, as_error_t *err);
//  Last sequence applied or skipped by this process.
uint64_t as_consumer_cursor (as_consumer_t *self);
//  Totals for metrics: events applied in a committed transaction.
int64_t as_consumer_applied (as_consumer_t *self);
int64_t as_consumer_dead (as_consumer_t *self);
//  Self-test (needs AFTERSALES_TEST_PG).
void as_consumer_test (bool verbose);

#endif
