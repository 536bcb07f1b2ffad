/*  as_consumer: exactly-once, in-order application of a producer's events. */
#include "as_consumer.h"
#include "as_log.h"
#include "as_curve.h"
#include "as_rpcmsg.h"
#include "as_test.h"
#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_FETCH_LIMIT   500
#define S_FETCH_TIMEOUT 3000    //  ms before a fetch without answer is given up

struct _as_consumer_t {
    char *producer;
    char *endpoint;
    zsock_t *socket;            //  DEALER to the producer, for events.fetch
    uint64_t fetch_count;
    char fetch_id [32];         //  request under way, "" when none
    int64_t fetch_sent;
    bool caught_up;
    as_consumer_fn *apply;
    void *arg;
    zlistx_t *types;            //  wanted event types (strings)
    uint64_t cursor;            //  last applied or skipped, in this process
    uint64_t stored;            //  what our last commit left in cursors
    bool synced;                //  `stored` is known (a transaction has run)
    bool cursor_row;            //  its row in cursors is known to exist
    bool careful;               //  queued writes failed: flush after every event
    as_consumer_commit_fn *commit;
    void *commit_arg;
    int64_t applied;            //  events applied, in committed transactions
    int64_t dead;               //  dead letters, likewise
    int64_t try_applied;        //  the same in the transaction under way
    int64_t try_dead;
};

static const as_stmt_t s_cursor_init = { "as_cursor_init",
    "INSERT INTO cursors (producer) VALUES ($1) ON CONFLICT (producer) DO NOTHING" };
//  The batch's commit need not wait for the disk (s_apply_transaction says
//  why): the cursor's read sets that too, a statement fewer per batch.
static const as_stmt_t s_cursor_lock = { "as_cursor_lock",
    "SELECT last_sequence, set_config('synchronous_commit', 'off', true) FROM cursors"
    " WHERE producer = $1 FOR UPDATE" };
static const as_stmt_t s_cursor_save = { "as_cursor_save",
    "UPDATE cursors SET last_sequence = $2, updated_at = now() WHERE producer = $1" };
static const as_stmt_t s_dead_letter_insert = { "as_dead_letter",
    "INSERT INTO dead_letters (producer, sequence, type, error_code, error, envelope)"
    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING" };

as_consumer_t *
as_consumer_new (const char *producer, const char *endpoint, as_consumer_fn *apply, void *arg)
{
    as_consumer_t *self = calloc (1, sizeof *self);
    self->producer = strdup (producer);
    self->endpoint = strdup (endpoint);
    self->socket = zsock_new (ZMQ_DEALER);
    zsock_set_linger (self->socket, 0);
    zsock_set_maxmsgsize (self->socket, AS_MSG_MAX_FRAME);
    //  Nothing queues for a producer that is down: a send fails at once
    //  and the next poll tries again.
    zsock_set_immediate (self->socket, 1);
    zsock_set_sndhwm (self->socket, 4);
    if (as_curve_client (self->socket, endpoint) == 0)
        zsock_connect (self->socket, "%s", endpoint);
    self->apply = apply;
    self->arg = arg;
    self->types = zlistx_new ();
    zlistx_set_destructor (self->types, (czmq_destructor *) zstr_free);
    zlistx_set_comparator (self->types, (czmq_comparator *) strcmp);
    return self;
}

void
as_consumer_destroy (as_consumer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    as_consumer_t *self = *self_p;
    zsock_destroy (&self->socket);
    free (self->endpoint);
    zlistx_destroy (&self->types);
    free (self->producer);
    free (self);
    *self_p = NULL;
}

void
as_consumer_want (as_consumer_t *self, const char *type)
{
    if (!as_consumer_wants (self, type))
        zlistx_add_end (self->types, strdup (type));
}

bool
as_consumer_wants (as_consumer_t *self, const char *type)
{
    return zlistx_find (self->types, (void *) type) != NULL;
}

void
as_consumer_set_commit (as_consumer_t *self, as_consumer_commit_fn *commit, void *arg)
{
    self->commit = commit;
    self->commit_arg = arg;
}

const char *as_consumer_producer (as_consumer_t *self) { return self->producer; }
uint64_t as_consumer_cursor (as_consumer_t *self) { return self->cursor; }
int64_t as_consumer_applied (as_consumer_t *self) { return self->applied; }
int64_t as_consumer_dead (as_consumer_t *self) { return self->dead; }

static int
s_dead_letter (as_consumer_t *self, as_pg_t *pg, const as_event_t *event,
               const as_error_t *failure, as_error_t *err)
{
    as_error ("event %s #%llu from %s refused: %s (%s); kept in dead_letters",
              event->type, (unsigned long long) event->sequence, self->producer,
              failure->message, as_code_name (failure->code));
    msgpack_sbuffer envelope;
    msgpack_sbuffer_init (&envelope);
    as_event_encode (event, &envelope);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, self->producer);
    as_pgp_int (&params, (int64_t) event->sequence);
    as_pgp_str (&params, event->type);
    as_pgp_str (&params, as_code_name (failure->code));
    as_pgp_str (&params, failure->message);
    as_pgp_bin (&params, envelope.data, envelope.size);
    int64_t rows = as_pg_do (pg, &s_dead_letter_insert, &params, err);
    msgpack_sbuffer_destroy (&envelope);
    self->try_dead++;
    return rows < 0 ? -1 : 0;
}

//  Apply one wanted event. Careful: under a savepoint, so that a permanent
//  failure is undone alone and recorded; the savepoint and the handler's
//  deferred writes ride on its next round trip, and with `flush` they are
//  sent before the next event's, so a failure among them is this event's.
//  1 (err set): a transient failure of the handler, its savepoint still
//  there to undo it; -1: the transaction is lost. Not careful (the first
//  try of every batch): no savepoint, nothing flushed, and any failure
//  returns 2: the whole batch is to be tried again carefully.
static int
s_apply_one (as_consumer_t *self, as_pg_t *pg, const as_event_t *event, bool careful, bool *fresh_savepoint,
             bool flush, as_error_t *err)
{
    if (!as_consumer_wants (self, event->type))
        return 0;
    as_error_t failure;
    as_error_clear (&failure);
    as_msg_t *data = as_event_data (event, &failure);
    if (!data && !careful)
        return 2;
    if (!data) {
        *fresh_savepoint = false;       //  the dead letter is work a later rollback must keep
        return s_dead_letter (self, pg, event, &failure, err);
    }
    //  The batch opens with a savepoint; nothing has happened since it
    //  until the first wanted event uses it.
    if (careful && !*fresh_savepoint && as_pg_defer_sql (pg, "SAVEPOINT as_event", err)) {
        as_msg_destroy (&data);
        return -1;
    }
    *fresh_savepoint = false;
    as_log_set_trace (event->traceparent);
    int rc = self->apply (self->arg, pg, event, as_msg_root (data), &failure);
    if (rc == 0 && careful && flush)
        rc = as_pg_flush (pg, &failure);
    as_msg_destroy (&data);
    if (rc == 0) {
        self->try_applied++;
        return 0;
    }
    if (!careful)
        return 2;
    if (as_pg_error_is_transient (&failure)) {
        *err = failure;
        return 1;
    }
    if (as_pg_rollback_to (pg, "as_event", err))
        return -1;
    return s_dead_letter (self, pg, event, &failure, err);
}

//  The batch's last statements and COMMIT, through the owner's hook when
//  it set one.
static int
s_commit (as_consumer_t *self, as_pg_t *pg, as_pg_step_t *before, int count, as_error_t *err)
{
    if (self->commit)
        return self->commit (self->commit_arg, pg, before, count, err);
    as_pg_step_t steps [2] = { { NULL, NULL, NULL, NULL }, { NULL, "COMMIT", NULL, NULL } };
    assert (count <= 1);
    if (count)
        steps [0] = before [0];
    int rc = as_pg_pipeline (pg, count ? steps : steps + 1, count + 1, err);
    PQclear (steps [0].result);
    PQclear (steps [1].result);
    return rc;
}

//  Events this consumer does not want only move the cursor: no
//  transaction for them. The cursor moves in memory, ahead of the stored
//  one, until the next transaction saves it (or the distance reaches
//  S_LAZY_MAX, when a transaction of its own saves it). Should the stored
//  cursor be found elsewhere than where we left it (another instance moved
//  it, or PostgreSQL lost a commit that did not wait for the disk), the
//  stored one wins and what follows it is fetched again. Returns the events
//  skipped, or -1 when a transaction is needed.
#define S_LAZY_MAX 256

static int
s_skip_unwanted (as_consumer_t *self, as_event_t **events, size_t count, bool *gap)
{
    if (!self->synced || self->cursor - self->stored >= S_LAZY_MAX)
        return -1;
    uint64_t cursor = self->cursor;
    for (size_t index = 0; index < count; index++) {
        const as_event_t *event = events [index];
        if (event->sequence <= cursor)
            continue;
        if (event->sequence != cursor + 1) {
            *gap = true;
            break;
        }
        if (as_consumer_wants (self, event->type))
            return -1;
        cursor = event->sequence;
    }
    int skipped = (int) (cursor - self->cursor);
    self->cursor = cursor;
    return skipped;
}

//  Apply events (sorted by sequence) that continue the cursor, in one
//  transaction, carefully or not (s_apply_one). *gap is set when an event
//  is beyond cursor + 1. Returns the events that moved the cursor, -1 with
//  err, or -2 when a try that was not careful failed: nothing done, try
//  again carefully.
static int
s_apply_transaction (as_consumer_t *self, as_pg_t *pg, as_event_t **events, size_t count, bool careful,
                     bool *gap, as_error_t *err)
{
    *gap = false;
    self->try_applied = self->try_dead = 0;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, self->producer);
    if (!self->cursor_row && as_pg_do (pg, &s_cursor_init, &params, err) < 0)
        return -1;
    self->cursor_row = true;            //  rows of cursors are never deleted
    //  One round trip opens the batch. The cursor moves with the effects,
    //  so a commit lost in a crash of PostgreSQL is applied again from the
    //  producer's log: the commit need not wait for the disk. What others
    //  see of this work (events it emitted) is sealed into the log by a
    //  commit that waits for the disk (s_commit's hook), which so flushes
    //  this one first (docs/decisions/003 and 004).
    as_pg_step_t open [] = { { NULL, "BEGIN", NULL, NULL },
                             { &s_cursor_lock, NULL, &params, NULL },
                             { NULL, "SAVEPOINT as_event", NULL, NULL } };
    int opened = as_pg_pipeline (pg, open, careful ? 3 : 2, err);
    bool locked = opened == 0 && PQntuples (open [1].result) == 1;
    uint64_t stored = locked ? (uint64_t) as_pg_get_int (open [1].result, 0, 0) : 0;
    //  Where we left it: go on from what we skipped since; else from there.
    uint64_t cursor = self->synced && stored == self->stored && self->cursor > stored ? self->cursor : stored;
    for (int step = 0; step < 3; step++)
        PQclear (open [step].result);
    if (!locked) {
        as_pg_rollback (pg);
        return opened ? -1 : as_error_set (err, AS_INTERNAL, "no cursor row for %s", self->producer);
    }
    bool fresh_savepoint = true;
    int applied = 0;
    bool stalled = false;               //  an event must wait: keep what came before it
    as_error_t why;
    for (size_t index = 0; index < count && !stalled; index++) {
        const as_event_t *event = events [index];
        if (event->sequence <= cursor)
            continue;           //  already applied: at-least-once on the wire
        if (event->sequence != cursor + 1) {
            *gap = true;
            break;
        }
        bool flush = self->careful || index + 1 < count;
        int rc = s_apply_one (self, pg, event, careful, &fresh_savepoint, flush, &why);
        if (rc == 2) {
            as_pg_rollback (pg);
            return -2;
        }
        if (rc == 1 && applied > 0 && as_pg_rollback_to (pg, "as_event", err) == 0)
            stalled = true;
        else
        if (rc != 0) {
            *err = why;
            as_pg_rollback (pg);
            return -1;
        }
        else {
            cursor = event->sequence;
            applied++;
        }
    }
    //  One round trip closes it: the deferred writes not sent yet, the
    //  cursor (when it moved) and COMMIT. Should the writes fail there, the
    //  batch is tried again carefully, flushing after each event, so that
    //  the failure is pinned on its event.
    as_pgp_int (&params, (int64_t) cursor);
    as_pg_step_t close [] = { { &s_cursor_save, NULL, &params, NULL } };
    if (s_commit (self, pg, close, cursor != stored ? 1 : 0, err)) {
        bool deferred = as_pg_failed_in_deferred (pg);
        self->careful = self->careful || deferred;
        as_pg_rollback (pg);
        return deferred && !careful ? -2 : -1;
    }
    PQclear (close [0].result);
    //  Counted once committed: a try that failed ran handlers too.
    self->applied += self->try_applied;
    self->dead += self->try_dead;
    self->careful = false;
    self->cursor = cursor;
    self->stored = cursor;
    self->synced = true;
    if (stalled)                        //  tried again later, not at once
        *err = why;
    return stalled ? -1 : applied;
}

//  Unwanted events alone need no transaction; otherwise the batch is
//  tried without savepoints first (the common case: every handler
//  succeeds), and again carefully, event by event under savepoints, when
//  anything failed in that try.
static int
s_apply_batch (as_consumer_t *self, as_pg_t *pg, as_event_t **events, size_t count,
               bool *gap, as_error_t *err)
{
    *gap = false;
    int skipped = count ? s_skip_unwanted (self, events, count, gap) : -1;
    if (skipped >= 0)
        return skipped;
    int rc = self->careful ? -2 : s_apply_transaction (self, pg, events, count, false, gap, err);
    if (rc == -2) {
        self->careful = true;
        rc = s_apply_transaction (self, pg, events, count, true, gap, err);
    }
    return rc;
}

int
as_consumer_store (as_consumer_t *self, as_pg_t *pg, as_error_t *err)
{
    if (!self->synced || self->cursor == self->stored)
        return 0;
    bool gap = false;
    return s_apply_batch (self, pg, NULL, 0, &gap, err) < 0 ? -1 : 0;
}

zsock_t *
as_consumer_socket (as_consumer_t *self)
{
    return self->socket;
}

bool
as_consumer_caught_up (as_consumer_t *self)
{
    return self->caught_up;
}

void
as_consumer_poll (as_consumer_t *self)
{
    if (self->fetch_id [0] && zclock_mono () - self->fetch_sent < S_FETCH_TIMEOUT)
        return;                 //  the last one may still be answered
    snprintf (self->fetch_id, sizeof self->fetch_id, "fetch-%llu", (unsigned long long) ++self->fetch_count);
    msgpack_sbuffer params;
    msgpack_sbuffer_init (&params);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &params, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 2);
    as_pack_kv_int (&packer, "after", (int64_t) self->cursor);
    as_pack_kv_int (&packer, "limit", S_FETCH_LIMIT);
    msgpack_sbuffer request;
    msgpack_sbuffer_init (&request);
    as_rpc_request_encode (&request, self->fetch_id, "events.fetch", as_now_ms () + S_FETCH_TIMEOUT,
                           NULL, NULL, NULL, params.data, params.size);
    zframe_t *frame = zframe_new (request.data, request.size);
    if (zframe_send (&frame, self->socket, ZFRAME_DONTWAIT))
        self->fetch_id [0] = 0;     //  producer unreachable: next poll
    zframe_destroy (&frame);
    self->fetch_sent = zclock_mono ();
    msgpack_sbuffer_destroy (&request);
    msgpack_sbuffer_destroy (&params);
}

//  Decode the page of a fetch reply into events (caller frees each and the
//  array). Returns the count, or -1 when the reply is an error.
static int
s_page (const as_rpc_reply_t *reply, as_event_t ***events_p, uint64_t *last, as_error_t *err)
{
    if (!reply->ok) {
        *err = reply->error;
        return -1;
    }
    const msgpack_object *list = as_obj_get (reply->result, "events");
    int64_t last_sequence = 0;
    as_obj_int (reply->result, "last_sequence", &last_sequence);
    *last = (uint64_t) last_sequence;
    size_t count = list && list->type == MSGPACK_OBJECT_ARRAY ? list->via.array.size : 0;
    as_event_t **events = calloc (count + 1, sizeof *events);
    int decoded = 0;
    for (size_t index = 0; index < count; index++) {
        const msgpack_object *item = &list->via.array.ptr [index];
        //  Data is checked when applied: a bad payload is a dead letter,
        //  not a reason to stop reading the log.
        as_event_t *event = item->type == MSGPACK_OBJECT_BIN
            ? as_event_decode (item->via.bin.ptr, item->via.bin.size, false, err) : NULL;
        if (!event)
            break;
        events [decoded++] = event;
    }
    *events_p = events;
    return decoded;
}

static void
s_free_events (as_event_t **events, int count)
{
    for (int index = 0; index < count; index++)
        as_event_destroy (&events [index]);
    free (events);
}

int
as_consumer_on_reply (as_consumer_t *self, as_pg_t *pg, as_error_t *err)
{
    zframe_t *frame = zframe_recv (self->socket);
    if (!frame)
        return 0;
    as_rpc_reply_t reply;
    int rc = as_rpc_reply_decode (zframe_data (frame), zframe_size (frame), &reply, err);
    zframe_destroy (&frame);
    if (rc)
        return -1;
    if (strcmp (reply.id, self->fetch_id) != 0) {
        as_rpc_reply_release (&reply);
        return 0;               //  the answer to a request given up on
    }
    self->fetch_id [0] = 0;
    as_event_t **events = NULL;
    uint64_t last = 0;
    int count = s_page (&reply, &events, &last, err);
    as_rpc_reply_release (&reply);
    if (count < 0)
        return -1;
    bool gap = false;
    int applied = count ? s_apply_batch (self, pg, events, (size_t) count, &gap, err) : 0;
    s_free_events (events, count);
    if (applied < 0)
        return -1;
    if (gap) {
        //  The producer's log itself has a hole (trimmed by retention).
        as_error ("log of %s has no event %llu: trimmed before it was applied",
                  self->producer, (unsigned long long) self->cursor + 1);
        return as_error_set (err, AS_FAILED_PRECONDITION, "gap in the log of %s", self->producer);
    }
    self->caught_up = self->cursor >= last;
    if (!self->caught_up && count > 0)
        as_consumer_poll (self);
    return applied;
}

static int
s_by_sequence (const void *left, const void *right)
{
    uint64_t a = (*(as_event_t *const *) left)->sequence, b = (*(as_event_t *const *) right)->sequence;
    return a < b ? -1 : a > b;
}

int
as_consumer_receive_many (as_consumer_t *self, as_pg_t *pg, as_event_t **events, size_t count, as_error_t *err)
{
    //  The relay publishes in log order, but a burst may straddle a
    //  restart of busd or of the producer: order it before judging gaps.
    qsort (events, count, sizeof *events, s_by_sequence);
    size_t first = 0;
    while (first < count && events [first]->sequence <= self->cursor)
        first++;                        //  already applied: at-least-once on the wire
    if (first == count)
        return 0;
    bool gap = false;
    int applied = s_apply_batch (self, pg, events + first, count - first, &gap, err);
    if (applied < 0)
        return -1;
    if (gap) {
        as_debug ("gap before #%llu from %s: fetching", (unsigned long long) self->cursor + 1, self->producer);
        self->caught_up = false;
        as_consumer_poll (self);
    }
    return applied;
}

//  --------------------------------------------------------------------------
//  Self-test: bursts as the bus delivers them, on a schema of its own.

typedef struct {
    uint64_t refuse;            //  this sequence fails for good
    uint64_t wait;              //  this one fails for now (a fact it needs is missing)
    uint64_t bad_write;         //  this one's deferred write fails
} s_test_log_t;

static const as_stmt_t s_test_applied = { "as_consumer_test_applied",
    "INSERT INTO applied (sequence) VALUES ($1)" };

static int
s_test_apply (void *arg, as_pg_t *pg, const as_event_t *event, const msgpack_object *data, as_error_t *err)
{
    (void) data;
    s_test_log_t *log = arg;
    if (event->sequence == log->refuse)
        return as_error_set (err, AS_INVALID_ARGUMENT, "refused for the test");
    if (event->sequence == log->wait)
        return as_error_set (err, AS_UNAVAILABLE, "not yet, for the test");
    //  Every applied event leaves a deferred write; a bad one fails only
    //  when it is sent (division by zero: a permanent failure).
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, (int64_t) event->sequence);
    if (as_pg_defer (pg, &s_test_applied, &params, err)
    ||  (event->sequence == log->bad_write && as_pg_defer_sql (pg, "SELECT 1 / 0", err)))
        return -1;
    return 0;
}

//  Receive a burst of (type, sequence) pairs; returns what receive_many does.
static int
s_test_burst (as_consumer_t *consumer, as_pg_t *pg, const char *types, const uint64_t *sequences, size_t count)
{
    as_event_t *events [16];
    for (size_t index = 0; index < count; index++) {
        msgpack_sbuffer data;
        msgpack_sbuffer_init (&data);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &data, msgpack_sbuffer_write);
        msgpack_pack_map (&packer, 1);
        as_pack_kv_int (&packer, "case_id", 1);
        if (types [index] == 'g')       //  not msgpack at all: undecodable data
            data.data [0] = (char) 0xc1;
        events [index] = as_event_new ("intake", types [index] == 't' ? "case.triaged" : "case.reported",
                                       "case/1", data.data, data.size, NULL);
        events [index]->sequence = sequences [index];
        msgpack_sbuffer_destroy (&data);
    }
    as_error_t err;
    int rc = as_consumer_receive_many (consumer, pg, events, count, &err);
    for (size_t index = 0; index < count; index++)
        as_event_destroy (&events [index]);
    return rc;
}

//  The sequences whose effects are committed, as "1,3,4".
static bool
s_test_effects (as_pg_t *pg, const char *expected)
{
    PGresult *result = PQexec (as_pg_conn (pg), "SELECT coalesce(string_agg(sequence::text, ',' ORDER BY sequence), '')"
                                                " FROM applied");
    AS_CHECK (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1);
    bool same = strcmp (PQgetvalue (result, 0, 0), expected) == 0;
    if (!same)
        fprintf (stderr, "applied %s, expected %s\n", PQgetvalue (result, 0, 0), expected);
    PQclear (result);
    return same;
}

static int64_t
s_test_scalar (as_pg_t *pg, const char *sql)
{
    PGresult *result = PQexec (as_pg_conn (pg), sql);
    AS_CHECK (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1);
    int64_t value = as_pg_get_int (result, 0, 0);
    PQclear (result);
    return value;
}

void
as_consumer_test (bool verbose)
{
    (void) verbose;
    const char *conninfo = getenv ("AFTERSALES_TEST_PG");
    AS_CHECK (conninfo);
    char schema [64], sql [256];
    snprintf (schema, sizeof schema, "as_consumer_test_%d", (int) getpid ());
    as_error_t err;
    as_pg_t *pg = as_pg_connect (conninfo, NULL, NULL, 3, &err);
    AS_CHECK (pg);
    snprintf (sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; SET search_path = %s",
              schema, schema, schema);
    AS_CHECK (as_pg_exec_script (pg, sql, &err) == 0);
    AS_CHECK (as_pg_migrate (pg, schema, "common", as_common_migrations, as_common_migrations_count, &err) == 1);
    AS_CHECK (as_pg_exec_script (pg, "CREATE TABLE applied (sequence bigint PRIMARY KEY)", &err) == 0);
    s_test_log_t log = { .refuse = 5 };
    //  Nobody listens there: a fetch for a gap goes nowhere, which is fine.
    as_consumer_t *consumer = as_consumer_new ("intake", "tcp://127.0.0.1:1", s_test_apply, &log);
    as_consumer_want (consumer, "case.reported");

    //  Out of order, one told twice, one of a type not wanted: all three
    //  move the cursor in one transaction, the wanted two are applied.
    AS_CHECK (s_test_burst (consumer, pg, "rtrt", (uint64_t []) { 3, 2, 1, 2 }, 4) == 3);
    AS_CHECK (s_test_effects (pg, "1,3"));
    AS_CHECK (as_consumer_cursor (consumer) == 3);
    AS_CHECK (s_test_scalar (pg, "SELECT last_sequence FROM cursors WHERE producer = 'intake'") == 3);
    //  Old ones change nothing.
    AS_CHECK (s_test_burst (consumer, pg, "rr", (uint64_t []) { 2, 3 }, 2) == 0 && s_test_effects (pg, "1,3"));
    //  A gap: 4 is applied, 6 and 7 wait for 5 (a fetch is asked for).
    AS_CHECK (s_test_burst (consumer, pg, "rrr", (uint64_t []) { 4, 6, 7 }, 3) == 1);
    AS_CHECK (as_consumer_cursor (consumer) == 4 && !as_consumer_caught_up (consumer));
    //  5 is refused for good: a dead letter, and the stream goes on.
    AS_CHECK (s_test_burst (consumer, pg, "rrr", (uint64_t []) { 5, 6, 7 }, 3) == 3);
    AS_CHECK (s_test_effects (pg, "1,3,4,6,7"));
    AS_CHECK (as_consumer_dead (consumer) == 1);
    AS_CHECK (s_test_scalar (pg, "SELECT count(*) FROM dead_letters WHERE sequence = 5") == 1);
    AS_CHECK (s_test_scalar (pg, "SELECT last_sequence FROM cursors WHERE producer = 'intake'") == 7);
    //  9 must wait: 8 is kept, 9 and 10 come again later (as a fetch would).
    log.wait = 9;
    AS_CHECK (s_test_burst (consumer, pg, "rrr", (uint64_t []) { 8, 9, 10 }, 3) == -1);
    AS_CHECK (as_consumer_cursor (consumer) == 8 && s_test_effects (pg, "1,3,4,6,7,8"));
    AS_CHECK (s_test_scalar (pg, "SELECT last_sequence FROM cursors WHERE producer = 'intake'") == 8);
    //  Waiting first in its burst: nothing to keep, nothing moves.
    AS_CHECK (s_test_burst (consumer, pg, "rr", (uint64_t []) { 9, 10 }, 2) == -1);
    AS_CHECK (as_consumer_cursor (consumer) == 8 && s_test_effects (pg, "1,3,4,6,7,8"));
    log.wait = 0;
    AS_CHECK (s_test_burst (consumer, pg, "rr", (uint64_t []) { 9, 10 }, 2) == 2);
    AS_CHECK (as_consumer_cursor (consumer) == 10 && s_test_effects (pg, "1,3,4,6,7,8,9,10"));
    AS_CHECK (s_test_scalar (pg, "SELECT count(*) FROM dead_letters") == 1);
    //  Undecodable 11, refused 12: two dead letters, neither undoes the other.
    log.refuse = 12;
    AS_CHECK (s_test_burst (consumer, pg, "gr", (uint64_t []) { 11, 12 }, 2) == 2);
    AS_CHECK (s_test_scalar (pg, "SELECT count(*) FROM dead_letters WHERE sequence IN (11, 12)") == 2);
    //  Undecodable 13, then 14 must wait: 13's dead letter is kept, 14 comes again.
    log.wait = 14;
    AS_CHECK (s_test_burst (consumer, pg, "gr", (uint64_t []) { 13, 14 }, 2) == -1);
    AS_CHECK (as_consumer_cursor (consumer) == 13);
    AS_CHECK (s_test_scalar (pg, "SELECT count(*) FROM dead_letters WHERE sequence = 13") == 1);
    //  Deferred writes: 15's fails where it is sent, with the commit (a
    //  first try has no savepoints and flushes nothing): the try fails
    //  whole, and the batch is tried again at once carefully, each event's
    //  writes sent before the next event's: 15 is a dead letter alone.
    log.wait = 0;
    log.bad_write = 15;
    AS_CHECK (s_test_burst (consumer, pg, "rr", (uint64_t []) { 14, 15 }, 2) == 2);
    AS_CHECK (as_consumer_cursor (consumer) == 15);
    AS_CHECK (s_test_scalar (pg, "SELECT count(*) FROM dead_letters WHERE sequence = 15") == 1);
    AS_CHECK (s_test_effects (pg, "1,3,4,6,7,8,9,10,14"));
    //  In the middle of a burst the same: a dead letter, the events around
    //  it applied, in one transaction.
    log.bad_write = 17;
    AS_CHECK (s_test_burst (consumer, pg, "rrr", (uint64_t []) { 16, 17, 18 }, 3) == 3);
    AS_CHECK (as_consumer_cursor (consumer) == 18);
    AS_CHECK (s_test_scalar (pg, "SELECT count(*) FROM dead_letters WHERE sequence = 17") == 1);
    AS_CHECK (s_test_effects (pg, "1,3,4,6,7,8,9,10,14,16,18"));
    //  The count of applied events is of committed ones: the tries that
    //  failed ran handlers too.
    AS_CHECK (as_consumer_applied (consumer) == s_test_scalar (pg, "SELECT count(*) FROM applied"));
    AS_CHECK (as_consumer_dead (consumer) == s_test_scalar (pg, "SELECT count(*) FROM dead_letters"));
    //  Unwanted events alone take no transaction: the cursor moves in
    //  memory only, and is stored with the next wanted event.
    log.bad_write = 0;
    AS_CHECK (s_test_burst (consumer, pg, "tt", (uint64_t []) { 19, 20 }, 2) == 2);
    AS_CHECK (as_consumer_cursor (consumer) == 20);
    AS_CHECK (s_test_scalar (pg, "SELECT last_sequence FROM cursors WHERE producer = 'intake'") == 18);
    AS_CHECK (as_consumer_store (consumer, pg, &err) == 0);        //  the owner's timer does this
    AS_CHECK (s_test_scalar (pg, "SELECT last_sequence FROM cursors WHERE producer = 'intake'") == 20);
    AS_CHECK (s_test_burst (consumer, pg, "r", (uint64_t []) { 21 }, 1) == 1);
    AS_CHECK (s_test_scalar (pg, "SELECT last_sequence FROM cursors WHERE producer = 'intake'") == 21);
    //  The stored cursor is not where we left it (as if PostgreSQL lost the
    //  commit of 20 and 21, which did not wait for the disk): it wins, and
    //  what follows it is applied again when fetched.
    AS_CHECK (as_pg_exec_script (pg, "DELETE FROM applied WHERE sequence = 21;"
                                     " UPDATE cursors SET last_sequence = 19 WHERE producer = 'intake'", &err) == 0);
    AS_CHECK (s_test_burst (consumer, pg, "t", (uint64_t []) { 22 }, 1) == 1);     //  skipped in memory
    AS_CHECK (s_test_burst (consumer, pg, "r", (uint64_t []) { 23 }, 1) == 0);     //  a gap: 20 to 22 again
    AS_CHECK (as_consumer_cursor (consumer) == 19);
    AS_CHECK (s_test_burst (consumer, pg, "trtr", (uint64_t []) { 20, 21, 22, 23 }, 4) == 4);
    AS_CHECK (s_test_scalar (pg, "SELECT last_sequence FROM cursors WHERE producer = 'intake'") == 23);
    AS_CHECK (s_test_scalar (pg, "SELECT count(*) FROM applied WHERE sequence IN (21, 23)") == 2);

    as_consumer_destroy (&consumer);
    snprintf (sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    AS_CHECK (as_pg_exec_script (pg, sql, &err) == 0);
    as_pg_destroy (&pg);
}
