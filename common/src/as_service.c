/*  as_service: the daemon skeleton shared by every service.                 */
#include "as_service.h"
#include "as_acl.h"
#include "as_catalog.h"
#include "as_consumer.h"
#include "as_curve.h"
#include "as_eventlog.h"
#include "as_log.h"
#include "as_msg.h"
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <assert.h>

#define S_SETTINGS_MAX 64

struct _as_service_t {
    const as_service_def_t *def;
    as_setting_t settings [S_SETTINGS_MAX];
    as_pg_t *pg;
    zloop_t *loop;
    zsock_t *router;                //  RPC requests
    zsock_t *pub;                   //  live events to busd
    zsock_t *sub;                   //  live events from busd
    zlistx_t *consumers;            //  as_consumer_t, one per producer
    zhashx_t *counters;             //  name -> int64_t *
    as_acl_t *acl;                  //  who may call which method, or NULL
    int64_t started_ms;
    int emitted;                    //  events written in this unit of work
    bool relay_armed;               //  a relay is due on the timer
    int linger_ms;                  //  live events wait this long to gather
    const char *fault;              //  fault injection for tests
    char traceparent [AS_RPC_TRACE_MAX + 1];
    void *state;
    char role [64];                 //  the database role
    struct _s_reader_t *readers;    //  read workers, or NULL
    int reader_count;
};

//  A read worker as the loop sees it (see Read workers below). The actor
//  uses only `service` and `pg`, which stay as they are while it runs.
typedef struct _s_reader_t {
    as_service_t *service;
    as_pg_t *pg;                    //  the worker's connection
    zactor_t *actor;
    int busy;                       //  reads handed over, not answered yet
    int64_t round_trips;            //  its connection's, as it last told
} s_reader_t;

//  The settings every daemon has besides the suite's (as_config); the
//  service's own follow them.
static const as_setting_t s_daemon_settings [] = {
    { "AFTERSALES_PG", AS_CFG_STR, "dbname=aftersales", 0, 0,
      "libpq connection string (key=value or URI) of the PostgreSQL database", "", 0 },
    { "AFTERSALES_PG_ROLE", AS_CFG_STR, "", 0, 0,
      "role to connect as (default aftersales_<service>; the role has rights on its schema only)", "", 0 },
    { "AFTERSALES_POLL_MS", AS_CFG_INT, "1000", 10, 600000,
      "how often consumers poll producers' logs and the relay sweeps the outbox", "", 0 },
    { "AFTERSALES_RELAY_DELAY_MS", AS_CFG_INT, "2", 0, 1000,
      "the relay runs this long after a commit with events, batching back-to-back requests (0: at once)", "", 0 },
    { "AFTERSALES_RETENTION_DAYS", AS_CFG_INT, "90", 1, 3650,
      "event log rows and stored RPC replies are kept this long", "", 0 },
    { "AFTERSALES_READ_WORKERS", AS_CFG_INT, "-1", -1, 8,
      "threads that answer the service's reads, each with its own database connection, beside the "
      "loop that serves changes and events (-1: the service's own default; 0: reads inline); "
      "only for services whose reads may run in threads (dispatch)", "", 0 },
    { "AFTERSALES_CONSUME_LINGER_MS", AS_CFG_INT, "-1", -1, 10000,
      "live events from the bus wait this long to be applied together (-1: the service's own default)", "", 0 },
    { "AFTERSALES_RPC_ACL", AS_CFG_STR, "", 0, 0,
      "JSON file {\"clients\": {KEY-OR-NAME: [method, prefix., *]}}: which caller may call which "
      "method (health always); empty: any admitted caller may call any", "", 0 },
    { "AFTERSALES_FAULT", AS_CFG_STR, "", 0, 0,
      "tests only: after_commit or before_publish makes the daemon kill itself there; "
      "deferred_failure gives requests whose idempotency key says deferred-failure a deferred write that fails",
      "", 0 },
    { NULL, 0, NULL, 0, 0, NULL, "", 0 }
};

//  --- Small accessors ----------------------------------------------------------

zloop_t *as_service_loop (as_service_t *self) { return self->loop; }
as_pg_t *as_service_pg (as_service_t *self) { return self->pg; }
const char *as_service_name (as_service_t *self) { return self->def->name; }
void as_service_set_state (as_service_t *self, void *state) { self->state = state; }
void *as_service_state (as_service_t *self) { return self->state; }

const char *
as_service_setting (as_service_t *self, const char *name)
{
    return as_config_str (self->settings, name);
}

int64_t
as_service_setting_int (as_service_t *self, const char *name)
{
    return as_config_int (self->settings, name);
}

void
as_service_count (as_service_t *self, const char *counter, int64_t n)
{
    int64_t *value = zhashx_lookup (self->counters, counter);
    if (!value) {
        value = calloc (1, sizeof *value);
        zhashx_insert (self->counters, counter, value);
    }
    *value += n;
}

int
as_service_emit (as_service_t *self, const char *type, const char *subject,
                 const void *data, size_t size, as_error_t *err)
{
    const char *owner = as_catalog_event_owner (type);
    assert (owner && strcmp (owner, self->def->name) == 0);
    if (as_outbox_add (self->pg, type, subject, data, size, self->traceparent, err))
        return -1;
    self->emitted++;
    return 0;
}

static void
s_random_hex (char *out, size_t bytes)
{
    uint8_t random [32];
    assert (bytes <= sizeof random);
    if (getrandom (random, bytes, 0) != (ssize_t) bytes)
        for (size_t index = 0; index < bytes; index++)
            random [index] = (uint8_t) rand ();
    for (size_t index = 0; index < bytes; index++)
        sprintf (out + 2 * index, "%02x", random [index]);
}

//  Carry the caller's W3C traceparent, or start a trace when none came;
//  logs carry it from here on (in this thread).
static void
s_trace_make (const char *traceparent, char out [AS_RPC_TRACE_MAX + 1])
{
    if (traceparent && strlen (traceparent) == 55)
        snprintf (out, AS_RPC_TRACE_MAX + 1, "%s", traceparent);
    else {
        char trace [33], span [17];
        s_random_hex (trace, 16);
        s_random_hex (span, 8);
        snprintf (out, AS_RPC_TRACE_MAX + 1, "00-%s-%s-01", trace, span);
    }
    as_log_set_trace (out);
}

//  The same for the loop's unit of work: events it emits carry it.
static void
s_trace_start (as_service_t *self, const char *traceparent)
{
    s_trace_make (traceparent, self->traceparent);
}

//  --- Relay ----------------------------------------------------------------------

static void
s_relay (as_service_t *self)
{
    as_error_t err;
    int moved = as_eventlog_relay (self->pg, self->def->name, self->pub, self->fault, &err);
    if (moved < 0)
        as_warn ("relay failed, will retry: %s", err.message);
    else
    if (moved > 0)
        as_service_count (self, "events_relayed", moved);
}

static int
s_on_relay_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    as_service_t *self = arg;
    self->relay_armed = false;
    s_relay (self);
    return 0;
}

//  The end of every unit of work that committed events. The relay runs a
//  moment later rather than at once, so that requests arriving back to back
//  share one relay transaction (one commit to disk instead of one each).
static void
s_after_commit (as_service_t *self)
{
    if (self->emitted == 0)
        return;
    if (self->fault && strcmp (self->fault, "after_commit") == 0)
        kill (getpid (), SIGKILL);
    self->emitted = 0;
    int64_t delay = as_config_int (self->settings, "AFTERSALES_RELAY_DELAY_MS");
    if (delay == 0)
        s_relay (self);
    else
    if (!self->relay_armed) {
        zloop_timer (self->loop, (size_t) delay, 1, s_on_relay_timer, self);
        self->relay_armed = true;
    }
}

//  Commit the open transaction of requests: their last statements
//  (`before`: the stored replies), their events sealed into the log, COMMIT,
//  all in one round trip and one commit to disk; then publish the events.
static int
s_commit (as_service_t *self, as_pg_step_t *before, int count, as_error_t *err)
{
    PGresult *moved = NULL;
    if (as_eventlog_commit (self->pg, before, count, self->emitted > 0, &moved, err))
        return -1;
    if (moved && self->fault && (strcmp (self->fault, "after_commit") == 0 || strcmp (self->fault, "before_publish") == 0))
        kill (getpid (), SIGKILL);      //  either crash point: committed, not published
    self->emitted = 0;
    if (moved) {
        as_eventlog_publish (self->pub, moved, self->def->name);
        as_service_count (self, "events_relayed", PQntuples (moved));
    }
    PQclear (moved);
    return 0;
}

int
as_service_commit (as_service_t *self, as_error_t *err)
{
    if (s_commit (self, NULL, 0, err) == 0)
        return 0;
    as_pg_rollback (self->pg);
    self->emitted = 0;
    return -1;
}

void
as_service_timer_work (as_service_t *self, const char *what, as_service_work_fn *work)
{
    as_error_t err;
    int count = 0;
    if (as_pg_begin (self->pg, &err) == 0 && work (self, self->pg, &count, &err) == 0
    &&  as_service_commit (self, &err) == 0) {
        if (count)
            as_service_count (self, what, count);
        return;
    }
    as_pg_rollback (self->pg);
    as_warn ("%s failed, will retry: %s", what, err.message);
}

//  --- Built-in methods -------------------------------------------------------------

static const as_stmt_t s_db_ping = { "as_db_ping", "SELECT 1" };

static int
s_health (as_call_t *call)
{
    as_service_t *self = call->service;
    as_error_t db_err;
    PGresult *result = as_pg_run (self->pg, &s_db_ping, NULL, &db_err);
    bool db_ok = result != NULL;
    PQclear (result);
    msgpack_pack_map (call->result, 5);
    as_pack_kv_str (call->result, "service", self->def->name);
    as_pack_kv_str (call->result, "status", db_ok ? "ok" : "degraded");
    as_pack_kv_str (call->result, "version", self->def->version);
    as_pack_kv_int (call->result, "uptime_s", (zclock_mono () - self->started_ms) / 1000);
    as_pack_kv_str (call->result, "db", db_ok ? "ok" : "down");
    return 0;
}

static int
s_metrics (as_call_t *call)
{
    as_service_t *self = call->service;
    //  Consumer totals are read live rather than mirrored into counters.
    for (as_consumer_t *consumer = zlistx_first (self->consumers); consumer;
         consumer = zlistx_next (self->consumers)) {
        char name [96];
        snprintf (name, sizeof name, "cursor.%s", as_consumer_producer (consumer));
        int64_t *value = zhashx_lookup (self->counters, name);
        as_service_count (self, name, (int64_t) as_consumer_cursor (consumer) - (value ? *value : 0));
    }
    int64_t *trips = zhashx_lookup (self->counters, "pg_round_trips");
    int64_t total = (int64_t) as_pg_round_trips (self->pg);
    for (int index = 0; index < self->reader_count; index++)
        total += self->readers [index].round_trips;
    as_service_count (self, "pg_round_trips", total - (trips ? *trips : 0));
    msgpack_pack_map (call->result, 2);
    as_pack_kv_str (call->result, "service", self->def->name);
    as_pack_str (call->result, "counters");
    msgpack_pack_map (call->result, zhashx_size (self->counters));
    for (int64_t *value = zhashx_first (self->counters); value; value = zhashx_next (self->counters))
        as_pack_kv_int (call->result, (const char *) zhashx_cursor (self->counters), *value);
    return 0;
}

static int
s_events_fetch (as_call_t *call)
{
    int64_t after = 0, limit = 100;
    as_obj_int (call->params, "after", &after);
    as_obj_int (call->params, "limit", &limit);
    return as_eventlog_fetch (call->pg, call->service->def->name, (uint64_t) after,
                              (int) limit, call->result, call->err);
}

static const as_stmt_t s_inbox_insert = { "as_inbox_insert",
    "INSERT INTO inbox (publisher, event_id, type) VALUES ($1, $2, $3)"
    " ON CONFLICT (publisher, event_id) DO NOTHING" };

static as_event_fn *
s_ingress_handler (as_service_t *self, const char *type)
{
    for (const as_ingress_t *entry = self->def->ingress; entry && entry->type; entry++)
        if (strcmp (entry->type, type) == 0)
            return entry->handler;
    return NULL;
}

//  An event from another company system, relayed by busd. Recorded in the
//  inbox with its effects in one transaction of its own (the inbox row is
//  its idempotency record), so a retried delivery is acknowledged, not redone.
static int
s_events_ingest (as_call_t *call)
{
    as_service_t *self = call->service;
    char publisher [129];
    as_obj_strcpy (call->params, "publisher", publisher, sizeof publisher);
    const msgpack_object *bytes = as_obj_get (call->params, "event");
    as_event_t *event = as_event_decode (bytes->via.bin.ptr, bytes->via.bin.size, true, call->err);
    if (!event)
        return -1;
    int rc = -1;
    as_event_fn *handler = s_ingress_handler (self, event->type);
    as_msg_t *data = NULL;
    if (!handler)
        as_error_set (call->err, AS_INVALID_ARGUMENT, "%s does not take %s events", self->def->name, event->type);
    else
    if ((data = as_event_data (event, call->err))) {
        //  BEGIN and the inbox's claim of the event id in one round trip.
        as_pg_params_t params;
        as_pgp_reset (&params);
        as_pgp_str (&params, publisher);
        as_pgp_str (&params, event->id);
        as_pgp_str (&params, event->type);
        as_pg_step_t steps [] = { { NULL, "BEGIN", NULL, NULL }, { &s_inbox_insert, NULL, &params, NULL } };
        int64_t fresh = as_pg_pipeline (call->pg, steps, 2, call->err) ? -1
                      : strtoll (PQcmdTuples (steps [1].result), NULL, 10);
        PQclear (steps [0].result);
        PQclear (steps [1].result);
        as_delivery_t delivery = { self, call->pg, event, as_msg_root (data), publisher, call->err };
        if (fresh == 1)
            rc = handler (&delivery);
        else
        if (fresh == 0)
            rc = 0;
        if (rc == 0)
            rc = s_commit (self, NULL, 0, call->err);
        if (rc) {                       //  the handler or the commit failed
            as_pg_rollback (call->pg);
            self->emitted = 0;
        }
        if (rc == 0) {
            as_service_count (self, fresh ? "ingress_accepted" : "ingress_duplicates", 1);
            msgpack_pack_map (call->result, 2);
            as_pack_kv_bool (call->result, "accepted", true);
            as_pack_kv_bool (call->result, "duplicate", fresh == 0);
        }
    }
    as_msg_destroy (&data);
    as_event_destroy (&event);
    return rc;
}

//  --- Dead letters: what consumers refused, for an operator ------------------------

static const as_stmt_t s_dead_letters = { "as_dead_letters_list",
    "SELECT producer, sequence, type, error_code, error,"
    " to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM dead_letters"
    " WHERE $1::text IS NULL OR producer = $1 ORDER BY recorded_at, producer, sequence LIMIT $2" };
static const as_stmt_t s_dead_letter_take = { "as_dead_letter_take",
    "SELECT envelope FROM dead_letters WHERE producer = $1 AND sequence = $2 FOR UPDATE" };
static const as_stmt_t s_dead_letter_drop = { "as_dead_letter_drop",
    "DELETE FROM dead_letters WHERE producer = $1 AND sequence = $2" };

//  The statements' parameters: the producer (NULL when not given) and the
//  integer field `number` (`fallback` when not given).
static int
s_dead_letter_params (as_call_t *call, const char *number, int64_t fallback, char *producer, size_t size,
                      as_pg_params_t *params)
{
    int64_t value = fallback;
    if (as_obj_text (call->params, NULL, "producer", producer, size, call->err) < 0)
        return -1;
    as_obj_int (call->params, number, &value);
    as_pgp_reset (params);
    as_pgp_str (params, *producer ? producer : NULL);
    as_pgp_int (params, value);
    return 0;
}

static int
s_dead_letters_list (as_call_t *call)
{
    char producer [65];
    as_pg_params_t params;
    if (s_dead_letter_params (call, "limit", 100, producer, sizeof producer, &params))
        return -1;
    PGresult *rows = as_pg_run (call->pg, &s_dead_letters, &params, call->err);
    if (!rows)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "dead_letters");
    msgpack_pack_array (call->result, (size_t) PQntuples (rows));
    for (int row = 0; row < PQntuples (rows); row++) {
        msgpack_pack_map (call->result, 6);
        as_pack_kv_str (call->result, "producer", as_pg_get_str (rows, row, 0));
        as_pack_kv_int (call->result, "sequence", as_pg_get_int (rows, row, 1));
        as_pack_kv_str (call->result, "type", as_pg_get_str (rows, row, 2));
        as_pack_kv_str (call->result, "error_code", as_pg_get_str (rows, row, 3));
        as_pack_kv_str (call->result, "error", as_pg_get_str (rows, row, 4));
        as_pack_kv_str (call->result, "recorded_at", as_pg_get_str (rows, row, 5));
    }
    PQclear (rows);
    return 0;
}

static int s_apply_subscribed (void *arg, as_pg_t *pg, const as_event_t *event, const msgpack_object *data,
                               as_error_t *err);

//  Apply a dead letter again, now that what made its handler refuse it
//  may have changed (a fee schedule loaded, the case reported): in this
//  request's transaction, the handler as the consumer would run it; the
//  letter goes with its success. Refused again, nothing changes and the
//  caller gets the handler's error.
static int
s_dead_letters_retry (as_call_t *call)
{
    char producer [65];
    int64_t sequence = 0;
    as_pg_params_t key;
    if (s_dead_letter_params (call, "sequence", 0, producer, sizeof producer, &key))
        return -1;
    as_obj_int (call->params, "sequence", &sequence);
    PGresult *letter = as_pg_run (call->pg, &s_dead_letter_take, &key, call->err);
    if (!letter)
        return -1;
    if (PQntuples (letter) == 0) {
        PQclear (letter);
        return as_error_set (call->err, AS_NOT_FOUND, "no dead letter %s #%lld", producer, (long long) sequence);
    }
    size_t size = 0;
    uint8_t *bytes = as_pg_get_bytea (letter, 0, 0, &size);
    PQclear (letter);
    as_event_t *event = bytes ? as_event_decode (bytes, size, true, call->err) : NULL;
    free (bytes);
    as_msg_t *data = event ? as_event_data (event, call->err) : NULL;
    int rc = data ? s_apply_subscribed (call->service, call->pg, event, as_msg_root (data), call->err) : -1;
    if (rc == 0 && as_pg_do (call->pg, &s_dead_letter_drop, &key, call->err) < 0)
        rc = -1;
    if (rc == 0) {
        as_service_count (call->service, "dead_letters_applied", 1);
        msgpack_pack_map (call->result, 3);
        as_pack_kv_str (call->result, "producer", producer);
        as_pack_kv_int (call->result, "sequence", sequence);
        as_pack_kv_str (call->result, "type", event->type);
    }
    as_msg_destroy (&data);
    as_event_destroy (&event);
    return rc;
}

static const as_method_t s_builtin_methods [] = {
    { "health", s_health },
    { "metrics", s_metrics },
    { "events.fetch", s_events_fetch },
    { "events.ingest", s_events_ingest },
    { "dead_letters.list", s_dead_letters_list },
    { "dead_letters.retry", s_dead_letters_retry },
    { NULL, NULL }
};

static bool
s_builtin (const char *name)
{
    for (const as_method_t *method = s_builtin_methods; method->name; method++)
        if (strcmp (method->name, name) == 0)
            return true;
    return false;
}

static as_method_fn *
s_find_method (as_service_t *self, const char *name)
{
    for (const as_method_t *method = s_builtin_methods; method->name; method++)
        if (strcmp (method->name, name) == 0)
            return method->handler;
    for (const as_method_t *method = self->def->methods; method && method->name; method++)
        if (strcmp (method->name, name) == 0)
            return method->handler;
    return NULL;
}

//  --- Serving one request ----------------------------------------------------------

static const as_stmt_t s_idempotency_claim = { "as_idempotency_claim",
    "INSERT INTO idempotency (key, method) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING" };
static const as_stmt_t s_idempotency_get = { "as_idempotency_get",
    "SELECT method, reply FROM idempotency WHERE key = $1" };
static const as_stmt_t s_idempotency_store = { "as_idempotency_store",
    "UPDATE idempotency SET reply = $2 WHERE key = $1" };

//  The stored result of an earlier call with this key. 1 = replayed into
//  result, 0 = none stored, -1 = error (key reused for another method).
static int
s_replay (as_service_t *self, const as_rpc_request_t *request, msgpack_sbuffer *result, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, request->idempotency_key);
    PGresult *stored = as_pg_run (self->pg, &s_idempotency_get, &params, err);
    if (!stored)
        return -1;
    int rc = 0;
    if (PQntuples (stored) == 1 && strcmp (as_pg_get_str (stored, 0, 0), request->method) != 0)
        rc = as_error_set (err, AS_INVALID_ARGUMENT, "idempotency key was used for %s, not %s",
                           as_pg_get_str (stored, 0, 0), request->method);
    else
    if (PQntuples (stored) == 1 && !PQgetisnull (stored, 0, 1)) {
        size_t size;
        uint8_t *bytes = as_pg_get_bytea (stored, 0, 1, &size);
        msgpack_sbuffer_write (result, (const char *) bytes, size);
        free (bytes);
        rc = 1;
    }
    PQclear (stored);
    return rc;
}

//  A result that breaks the contract is our bug: refuse to send (and, for a
//  change, to commit) it rather than let a client trip over it.
static int
s_check_result (const char *method, const msgpack_sbuffer *result, as_error_t *err)
{
    as_error_t check;
    as_msg_t *msg = as_msg_decode (result->data, result->size, 0, &check);
    int rc = msg ? as_catalog_check_result (method, as_msg_root (msg), &check) : -1;
    as_msg_destroy (&msg);
    if (rc) {
        as_error ("result of %s breaks the catalogue: %s", method, check.message);
        return as_error_set (err, AS_INTERNAL, "result of %s breaks the catalogue: %s", method, check.message);
    }
    return 0;
}

//  The body of a state-changing call: open (BEGIN, or a SAVEPOINT inside the
//  batch's transaction), claim the key, run the handler, check its result,
//  and prepare `store`, the statement that keeps it with the key at the
//  commit. Its deferred writes are left queued: they go with the next
//  request's opening, or the commit. Returns 0 done, 1 answered from an
//  earlier call's stored reply, -1 failed (the caller undoes whatever it
//  did), -2 not started: the opening's round trip failed in the previous
//  request's deferred writes (err says how).
static int
s_mutate (as_service_t *self, as_call_t *call, as_method_fn *handler, msgpack_sbuffer *result,
          const char *opening, as_pg_params_t *store)
{
    as_error_t *err = call->err;
    const as_rpc_request_t *request = call->request;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, request->idempotency_key);
    as_pgp_str (&params, request->method);
    //  BEGIN (or SAVEPOINT) and the claim of the key in one round trip.
    as_pg_step_t steps [] = { { NULL, opening, NULL, NULL }, { &s_idempotency_claim, NULL, &params, NULL } };
    int64_t claimed = as_pg_pipeline (self->pg, steps, 2, err) ? -1 : strtoll (PQcmdTuples (steps [1].result), NULL, 10);
    PQclear (steps [0].result);
    PQclear (steps [1].result);
    if (claimed < 0 && as_pg_failed_in_deferred (self->pg))
        return -2;                      //  the previous request's deferred writes failed
    if (claimed == 0) {
        int replayed = s_replay (self, request, result, err);
        if (replayed == 1)
            as_service_count (self, "rpc_replayed", 1);
        if (replayed == 0)          //  claimed, but no reply kept yet
            return as_error_set (err, AS_ABORTED, "a call with this idempotency key is in progress, retry");
        return replayed;
    }
    if (claimed < 0 || handler (call) || s_check_result (request->method, result, err))
        return -1;
    //  Tests: a deferred write that fails where it is sent, for the keys
    //  that ask for it (AFTERSALES_FAULT=deferred_failure).
    if (self->fault && strcmp (self->fault, "deferred_failure") == 0
    &&  strstr (request->idempotency_key, "deferred-failure")
    &&  as_pg_defer_sql (self->pg, "SELECT 1 / 0", err))
        return -1;
    //  The reply is stored with the key by the commit's round trip.
    as_pgp_reset (store);
    as_pgp_str (store, request->idempotency_key);
    as_pgp_bin (store, result->data, result->size);
    return 0;
}

//  --- Serving requests ------------------------------------------------------------

#define S_BATCH_MAX 64

//  One request of a batch, from its arrival to its reply.
typedef struct {
    zframe_t *identity;
    as_rpc_request_t request;
    as_method_fn *handler;
    bool mutates;
    msgpack_sbuffer result;
    msgpack_packer packer;
    as_pg_params_t store;       //  the reply kept with the key, at the commit
    as_error_t err;
    int rc;                     //  0 ok, -1 error in err
    bool to_reader;             //  a read for a read worker
    _Atomic int owner;          //  handed over with release, taken with acquire
} s_entry_t;

//  The call a handler sees for a request, on connection `pg`.
static as_call_t
s_call_on (as_service_t *self, as_pg_t *pg, s_entry_t *entry)
{
    as_call_t call = { self, pg, &entry->request, entry->request.params, &entry->packer,
                       &entry->err, entry->request.principal [0] ? entry->request.principal : "system" };
    return call;
}

//  The same on the loop's connection, its trace the loop's.
static as_call_t
s_call_for (as_service_t *self, s_entry_t *entry)
{
    s_trace_start (self, entry->request.traceparent);
    return s_call_on (self, self->pg, entry);
}

//  A read: the handler, then its result against the catalogue.
static int
s_read (s_entry_t *entry, as_call_t *call)
{
    return entry->handler (call) || s_check_result (entry->request.method, &entry->result, &entry->err) ? -1 : 0;
}

//  Decode and route one request; requests that need no transaction of
//  ours (reads, refusals) are answered here, or by a read worker; the
//  others wait for the batch.
static void
s_prepare (as_service_t *self, zmsg_t *msg, s_entry_t *entry)
{
    memset (entry, 0, sizeof *entry);
    msgpack_sbuffer_init (&entry->result);
    msgpack_packer_init (&entry->packer, &entry->result, msgpack_sbuffer_write);
    entry->identity = zmsg_pop (msg);
    entry->rc = -1;
    zframe_t *payload = zmsg_last (msg);
    if (!payload) {
        as_error_set (&entry->err, AS_INVALID_ARGUMENT, "empty request");
        return;
    }
    if (as_rpc_request_decode (zframe_data (payload), zframe_size (payload), &entry->request, &entry->err))
        return;
    const as_rpc_request_t *request = &entry->request;
    const char *server = as_catalog_method_service (request->method);
    entry->handler = s_find_method (self, request->method);
    char caller [64];
    as_acl_caller (payload, request->principal, caller, sizeof caller);
    if (strcmp (request->method, "health") != 0 && !as_acl_allows (self->acl, caller, request->method))
        as_error_set (&entry->err, AS_PERMISSION_DENIED, "%s may not call %s (AFTERSALES_RPC_ACL)", caller,
                      request->method);
    else
    if (request->deadline_ms > 0 && as_now_ms () > request->deadline_ms)
        as_error_set (&entry->err, AS_DEADLINE_EXCEEDED, "deadline passed before %s started", request->method);
    else
    if (!entry->handler)
        as_error_set (&entry->err, AS_UNIMPLEMENTED, "%s is served by %s, not %s", request->method,
                      server ? server : "no service", self->def->name);
    else
    if (as_catalog_method_mutates (request->method))
        entry->mutates = true;
    else
    if (self->reader_count > 0 && !s_builtin (request->method))
        entry->to_reader = true;
    else {
        as_call_t call = s_call_for (self, entry);
        entry->rc = s_read (entry, &call);
    }
}

//  The requests of a batch that change state.
static size_t
s_pending (const s_entry_t *entries, size_t count)
{
    size_t pending = 0;
    for (size_t index = 0; index < count; index++)
        pending += entries [index].mutates;
    return pending;
}

//  Run the state-changing requests of a batch in one transaction, each
//  under a savepoint so one failure undoes only itself; one commit makes
//  them all durable. If that commit fails, none of them happened.
static void
s_fail_batch (as_service_t *self, s_entry_t *entries, size_t count, const as_error_t *err)
{
    as_pg_rollback (self->pg);
    self->emitted = 0;
    size_t pending = s_pending (entries, count);
    for (size_t index = 0; index < count; index++)
        if (entries [index].mutates && entries [index].rc == 0) {
            entries [index].rc = -1;
            //  A request alone whose deferred writes failed at the commit
            //  gets that failure as it is (retrying would fail again).
            bool own = pending == 1 && !as_pg_error_is_transient (err);
            as_error_set (&entries [index].err, own ? err->code : AS_UNAVAILABLE, "%s%s",
                          own ? "" : "the transaction failed, retry: ", err->message);
        }
}

//  The last request that succeeded in the batch failed after all (its
//  deferred writes did): back to its savepoint, its reply not kept.
static void
s_undo_last (as_service_t *self, s_entry_t *entries, int last, const as_error_t *why, int *store_count,
             bool *open)
{
    s_entry_t *failed = &entries [last];
    as_service_count (self, "rpc_undone_at_flush", 1);
    failed->rc = -1;
    failed->err = *why;
    (*store_count)--;                   //  its stored reply was the last one added
    as_error_t err;
    if (as_pg_rollback_to (self->pg, "as_request", &err))
        *open = false;
}

static void
s_run_transaction (as_service_t *self, s_entry_t *entries, size_t count)
{
    size_t pending = s_pending (entries, count);
    if (pending == 0)
        return;
    if (pending > 1)
        as_service_count (self, "rpc_shared_commits", 1);
    //  Alone, a request needs no savepoint: BEGIN is its opening.
    bool open = pending == 1;
    as_error_t err;
    as_error_clear (&err);
    if (!open && as_pg_begin (self->pg, &err) == 0)
        open = true;
    as_pg_step_t stores [S_BATCH_MAX];
    int store_count = 0, last = -1;     //  the last request that succeeded
    for (size_t index = 0; index < count; index++) {
        s_entry_t *entry = &entries [index];
        if (!entry->mutates)
            continue;
        if (!open) {
            as_error_set (&entry->err, AS_UNAVAILABLE, "the transaction failed, retry");
            continue;
        }
        as_call_t call = s_call_for (self, entry);
        int done = s_mutate (self, &call, entry->handler, &entry->result,
                             pending == 1 ? "BEGIN" : "SAVEPOINT as_request", &entry->store);
        if (done == -2 && last >= 0) {
            //  The request before failed where its writes were sent: it is
            //  undone alone (back to its savepoint) and this one starts again.
            s_undo_last (self, entries, last, &entry->err, &store_count, &open);
            last = -1;
            as_error_clear (&entry->err);
            msgpack_sbuffer_clear (&entry->result);
            call = s_call_for (self, entry);
            done = open ? s_mutate (self, &call, entry->handler, &entry->result, "SAVEPOINT as_request",
                                    &entry->store) : -1;
            if (!open)
                as_error_set (&entry->err, AS_UNAVAILABLE, "the transaction failed, retry");
        }
        entry->rc = done < 0 ? -1 : 0;
        if (done == 0) {
            stores [store_count++] = (as_pg_step_t) { &s_idempotency_store, NULL, &entry->store, NULL };
            last = (int) index;
        }
        else
        if (done < 0 && pending > 1 && open && as_pg_rollback_to (self->pg, "as_request", &err))
            open = false;
    }
    //  Several requests: the last one's deferred writes go now, so that a
    //  failure among them is its own and not the whole batch's.
    if (open && pending > 1 && last >= 0 && as_pg_flush (self->pg, &err))
        s_undo_last (self, entries, last, &err, &store_count, &open);
    //  Every new change has a reply to store: none means only replays and
    //  failures, and nothing to keep.
    if (store_count == 0) {
        as_pg_rollback (self->pg);
        self->emitted = 0;
        return;
    }
    if (!open || s_commit (self, stores, store_count, &err))
        s_fail_batch (self, entries, count, &err);
}

//  A key already used earlier in this batch: that call's reply is kept
//  only at the commit, so this one waits for the next transaction.
static bool
s_key_taken (s_entry_t *entries, size_t index)
{
    for (size_t earlier = 0; earlier < index; earlier++)
        if (entries [earlier].mutates
        &&  strcmp (entries [earlier].request.idempotency_key, entries [index].request.idempotency_key) == 0)
            return true;
    return false;
}

static void
s_run_batch (as_service_t *self, s_entry_t *entries, size_t count)
{
    bool deferred [S_BATCH_MAX] = { false };
    bool any_deferred = false;
    for (size_t index = 0; index < count; index++)
        if (entries [index].mutates && s_key_taken (entries, index)) {
            entries [index].mutates = false;
            deferred [index] = any_deferred = true;
        }
    s_run_transaction (self, entries, count);
    if (!any_deferred)
        return;
    for (size_t index = 0; index < count; index++)
        entries [index].mutates = deferred [index];
    s_run_batch (self, entries, count);
}

static void
s_answer (as_service_t *self, zsock_t *router, s_entry_t *entry)
{
    msgpack_sbuffer reply;
    msgpack_sbuffer_init (&reply);
    if (entry->rc == 0)
        as_rpc_reply_encode_ok (&reply, entry->request.id, entry->result.data, entry->result.size);
    else {
        as_service_count (self, "rpc_errors", 1);
        if (entry->err.code == AS_INTERNAL || entry->err.code == AS_UNAVAILABLE)
            as_warn ("%s failed: %s", entry->request.method, entry->err.message);
        as_rpc_reply_encode_error (&reply, entry->request.id, &entry->err);
    }
    zmsg_t *answer = zmsg_new ();
    zmsg_append (answer, &entry->identity);
    zmsg_addmem (answer, reply.data, reply.size);
    zmsg_send (&answer, router);
    msgpack_sbuffer_destroy (&reply);
    msgpack_sbuffer_destroy (&entry->result);
    as_rpc_request_release (&entry->request);
}

//  --- Read workers ---------------------------------------------------------------------

//  The read workers answer reads while the loop serves changes and events.
//  Each is a zactor with its own connection and its own (per-thread)
//  caches; a read sees what is committed, as from another process. The
//  loop hands a request it has checked (ACL, deadline, method) to the
//  least busy one as "READ" + the entry; the entry comes back answered,
//  with the worker's round trips so far, and the loop sends the answer.
static void
s_reader_actor (zsock_t *pipe, void *arg)
{
    s_reader_t *reader = arg;           //  its service and connection only
    as_service_t *self = reader->service;
    zsock_signal (pipe, 0);
    while (true) {
        char *command = NULL;
        s_entry_t *entry = NULL;
        if (zsock_recv (pipe, "sp", &command, &entry) < 0) {
            if (zmq_errno () == ETERM)
                break;
            continue;                   //  a signal: the loop says when to stop
        }
        bool read = command && streq (command, "READ") && entry;
        zstr_free (&command);
        if (!read)
            break;                      //  $TERM: the loop is stopping
        //  The socket orders the hand-over; the atomic says so to tools
        //  that cannot see into libzmq (ThreadSanitizer).
        (void) atomic_load_explicit (&entry->owner, memory_order_acquire);
        char trace [AS_RPC_TRACE_MAX + 1];
        s_trace_make (entry->request.traceparent, trace);
        as_call_t call = s_call_on (self, reader->pg, entry);
        entry->rc = s_read (entry, &call);
        as_log_set_trace (NULL);
        atomic_store_explicit (&entry->owner, 0, memory_order_release);
        zsock_send (pipe, "p8", entry, (uint64_t) as_pg_round_trips (reader->pg));
    }
    if (self->def->worker_stop)
        self->def->worker_stop ();
}

//  The entry moves to the heap (its packer points into it) and goes to the
//  least busy read worker.
static void
s_hand_to_reader (as_service_t *self, s_entry_t *entry)
{
    s_reader_t *reader = &self->readers [0];
    for (int index = 1; index < self->reader_count; index++)
        if (self->readers [index].busy < reader->busy)
            reader = &self->readers [index];
    s_entry_t *moved = malloc (sizeof *moved);
    assert (moved);
    *moved = *entry;
    msgpack_packer_init (&moved->packer, &moved->result, msgpack_sbuffer_write);
    as_service_count (self, "rpc_read_workers", 1);
    reader->busy++;
    atomic_store_explicit (&moved->owner, 1, memory_order_release);
    zsock_send (reader->actor, "sp", "READ", moved);
}

static int
s_on_answered (zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void) loop;
    s_reader_t *reader = arg;
    s_entry_t *entry = NULL;
    uint64_t round_trips = 0;
    if (zsock_recv (pipe, "p8", &entry, &round_trips) == 0 && entry) {
        (void) atomic_load_explicit (&entry->owner, memory_order_acquire);
        reader->busy--;
        reader->round_trips = (int64_t) round_trips;
        s_answer (reader->service, reader->service->router, entry);
        free (entry);
    }
    return 0;
}

static as_pg_t *s_connect (as_service_t *self, as_error_t *err);

static int
s_start_readers (as_service_t *self, as_error_t *err)
{
    //  Only a service that declares read workers has reads safe to run
    //  in threads: the setting changes how many, never whether.
    int64_t configured = as_config_int (self->settings, "AFTERSALES_READ_WORKERS");
    int count = self->def->read_workers <= 0 ? 0 : configured >= 0 ? (int) configured : self->def->read_workers;
    if (count <= 0)
        return 0;
    self->readers = calloc ((size_t) count, sizeof *self->readers);
    assert (self->readers);
    for (int index = 0; index < count; index++) {
        s_reader_t *reader = &self->readers [index];
        reader->service = self;
        reader->pg = s_connect (self, err);
        if (!reader->pg)
            return -1;
        reader->actor = zactor_new (s_reader_actor, reader);
        self->reader_count++;
        zloop_reader (self->loop, zactor_sock (reader->actor), s_on_answered, reader);
    }
    return 0;
}

//  Each worker finishes the read it holds and stops; answers not sent yet
//  are dropped (the callers retry, reads change nothing).
static void
s_stop_readers (as_service_t *self)
{
    for (int index = 0; index < self->reader_count; index++) {
        zactor_destroy (&self->readers [index].actor);
        as_pg_destroy (&self->readers [index].pg);
    }
    free (self->readers);
    self->readers = NULL;
    self->reader_count = 0;
}

//  Everything waiting on the socket is taken at once: under load, many
//  callers' changes share one commit (group commit), which is what lets
//  throughput grow with the number of clients.
static int
s_on_request (zloop_t *loop, zsock_t *router, void *arg)
{
    (void) loop;
    as_service_t *self = arg;
    s_entry_t entries [S_BATCH_MAX];
    size_t count = 0;
    while (count < S_BATCH_MAX && (count == 0 || (zsock_events (router) & ZMQ_POLLIN))) {
        zmsg_t *msg = zmsg_recv (router);
        if (!msg)
            break;
        s_prepare (self, msg, &entries [count++]);
        zmsg_destroy (&msg);
    }
    if (count == 0)
        return zsys_interrupted ? -1 : 0;
    as_service_count (self, "rpc_requests", (int64_t) count);
    s_run_batch (self, entries, count);
    for (size_t index = 0; index < count; index++)
        if (entries [index].to_reader)
            s_hand_to_reader (self, &entries [index]);
        else
            s_answer (self, router, &entries [index]);
    //  Relay after answering: the callers are not kept waiting for the push.
    s_after_commit (self);
    as_log_set_trace (NULL);
    return 0;
}

//  --- Consuming other services' events -----------------------------------------------

static int
s_apply_subscribed (void *arg, as_pg_t *pg, const as_event_t *event,
                    const msgpack_object *data, as_error_t *err)
{
    as_service_t *self = arg;
    for (const as_subscription_t *entry = self->def->subscriptions; entry && entry->producer; entry++)
        if (strcmp (entry->producer, event->source) == 0 && strcmp (entry->type, event->type) == 0) {
            s_trace_start (self, event->traceparent);
            as_delivery_t delivery = { self, pg, event, data, event->source, err };
            return entry->handler (&delivery);
        }
    return 0;
}

//  A consumer batch's commit. When its handlers emitted events, they are
//  sealed into our log by this same commit, which then waits for the disk
//  (the seal sets synchronous_commit back on: they are published live
//  right after it, docs/decisions/003); a batch that emitted nothing
//  commits without waiting.
static int
s_consumer_commit (void *arg, as_pg_t *pg, as_pg_step_t *before, int count, as_error_t *err)
{
    as_service_t *self = arg;
    assert (pg == self->pg);
    return s_commit (self, before, count, err);
}

static as_consumer_t *
s_consumer_for (as_service_t *self, const char *producer)
{
    for (as_consumer_t *consumer = zlistx_first (self->consumers); consumer;
         consumer = zlistx_next (self->consumers))
        if (strcmp (as_consumer_producer (consumer), producer) == 0)
            return consumer;
    return NULL;
}

static void
s_report_consumer (as_service_t *self, as_consumer_t *consumer, int rc, const as_error_t *err)
{
    if (rc < 0)
        as_warn ("consuming %s: %s (will retry)", as_consumer_producer (consumer), err->message);
    else
    if (rc > 0)
        as_service_count (self, "events_applied", rc);
    s_after_commit (self);
    as_log_set_trace (NULL);
}

//  Live events waiting together are read at once (up to S_EVENT_BURST)
//  and each producer's share is applied in one transaction: one commit
//  for a burst instead of one per event. Each event has its savepoint;
//  past 64 subtransactions PostgreSQL's snapshots overflow to pg_subtrans,
//  hence the bound.
#define S_EVENT_BURST 48

static as_event_t *
s_read_event (zsock_t *sub)
{
    zmsg_t *msg = zmsg_recv (sub);
    if (!msg)
        return NULL;
    zframe_t *payload = zmsg_last (msg);
    as_error_t err;
    as_event_t *event = payload && zmsg_size (msg) == 2
                      ? as_event_decode (zframe_data (payload), zframe_size (payload), false, &err) : NULL;
    if (!event)
        as_warn ("dropped a malformed live event");
    zmsg_destroy (&msg);
    return event;
}

//  One burst off the SUB socket, each producer's share in one transaction.
//  Returns -1 when interrupted, 1 when the socket has more, 0 when empty.
static int
s_apply_burst (as_service_t *self, zsock_t *sub)
{
    as_event_t *burst [S_EVENT_BURST], *share [S_EVENT_BURST];
    size_t count = 0;
    bool stop = false;
    do {
        as_event_t *event = s_read_event (sub);
        if (event)
            burst [count++] = event;
        else
            stop = zsys_interrupted;
    } while (!stop && count < S_EVENT_BURST && (zsock_events (sub) & ZMQ_POLLIN));
    for (as_consumer_t *consumer = zlistx_first (self->consumers); consumer;
         consumer = zlistx_next (self->consumers)) {
        size_t shared = 0;
        for (size_t index = 0; index < count; index++)
            if (strcmp (burst [index]->source, as_consumer_producer (consumer)) == 0)
                share [shared++] = burst [index];
        as_error_t err;
        if (shared)
            s_report_consumer (self, consumer, as_consumer_receive_many (consumer, self->pg, share, shared, &err),
                               &err);
    }
    for (size_t index = 0; index < count; index++)
        as_event_destroy (&burst [index]);
    return stop ? -1 : (zsock_events (sub) & ZMQ_POLLIN) ? 1 : 0;
}

static int s_on_event (zloop_t *loop, zsock_t *sub, void *arg);

//  The linger is over: apply everything that came meanwhile, listen again.
static int
s_on_linger (zloop_t *loop, int timer_id, void *arg)
{
    (void) timer_id;
    as_service_t *self = arg;
    int rc;
    while ((rc = s_apply_burst (self, self->sub)) == 1)
        ;
    if (rc < 0)
        return -1;
    return zloop_reader (loop, self->sub, s_on_event, self);
}

static int
s_on_event (zloop_t *loop, zsock_t *sub, void *arg)
{
    as_service_t *self = arg;
    if (self->linger_ms > 0) {
        zloop_reader_end (loop, sub);
        zloop_timer (loop, (size_t) self->linger_ms, 1, s_on_linger, self);
        return 0;
    }
    return s_apply_burst (self, sub) < 0 ? -1 : 0;
}

//  A page of a producer's log, asked for by as_consumer_poll.
static int
s_on_fetched (zloop_t *loop, zsock_t *socket, void *arg)
{
    (void) loop;
    as_service_t *self = arg;
    for (as_consumer_t *consumer = zlistx_first (self->consumers); consumer;
         consumer = zlistx_next (self->consumers))
        if (as_consumer_socket (consumer) == socket) {
            as_error_t err;
            s_report_consumer (self, consumer, as_consumer_on_reply (consumer, self->pg, &err), &err);
        }
    return 0;
}

static int
s_on_poll (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    as_service_t *self = arg;
    for (as_consumer_t *consumer = zlistx_first (self->consumers); consumer;
         consumer = zlistx_next (self->consumers)) {
        as_consumer_poll (consumer);
        //  The cursor moved past unwanted events is stored within a poll.
        as_error_t err;
        if (as_consumer_store (consumer, self->pg, &err))
            as_warn ("storing the cursor of %s: %s (will retry)", as_consumer_producer (consumer), err.message);
    }
    //  Sweep what a crash or another instance left in the outbox.
    s_relay (self);
    return 0;
}

static int
s_on_retention (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    as_service_t *self = arg;
    as_error_t err;
    if (as_eventlog_trim (self->pg, (int) as_service_setting_int (self, "AFTERSALES_RETENTION_DAYS"), &err))
        as_warn ("retention sweep failed: %s", err.message);
    return 0;
}

static void
s_subscribe_producer (const char *type, const char *owner, bool ingress, void *arg)
{
    (void) ingress;
    void **pair = arg;
    if (strcmp (owner, (const char *) pair [1]) == 0)
        zsock_set_subscribe ((zsock_t *) pair [0], type);
}

//  One consumer per producer; the SUB socket takes all of that producer's
//  types, since every event moves its cursor.
static int
s_start_consumers (as_service_t *self)
{
    if (!self->def->subscriptions || !self->def->subscriptions->producer)
        return 0;
    self->sub = zsock_new (ZMQ_SUB);
    zsock_set_maxmsgsize (self->sub, AS_MSG_MAX_FRAME);
    zsock_set_rcvhwm (self->sub, 100000);
    if (as_curve_client (self->sub, as_endpoint ("bus_sub"))
    ||  zsock_connect (self->sub, "%s", as_endpoint ("bus_sub")))
        return -1;
    for (const as_subscription_t *entry = self->def->subscriptions; entry->producer; entry++) {
        as_consumer_t *consumer = s_consumer_for (self, entry->producer);
        if (!consumer) {
            consumer = as_consumer_new (entry->producer, as_endpoint (entry->producer),
                                        s_apply_subscribed, self);
            as_consumer_set_commit (consumer, s_consumer_commit, self);
            zlistx_add_end (self->consumers, consumer);
            zloop_reader (self->loop, as_consumer_socket (consumer), s_on_fetched, self);
            void *pair [2] = { self->sub, (void *) entry->producer };
            as_catalog_each_event (s_subscribe_producer, pair);
        }
        as_consumer_want (consumer, entry->type);
    }
    int64_t linger = as_config_int (self->settings, "AFTERSALES_CONSUME_LINGER_MS");
    self->linger_ms = linger >= 0 ? (int) linger : self->def->consume_linger_ms;
    return zloop_reader (self->loop, self->sub, s_on_event, self);
}

//  --- Start-up and shut-down ----------------------------------------------------------

static void
s_usage (const as_service_def_t *def, as_setting_t *settings, FILE *out)
{
    fprintf (out, "%sd %s: %s\n\n", def->name, def->version, def->summary);
    fprintf (out, "usage: %sd [--config FILE] [--migrate-only] [--help] [--version]\n\n"
                  "  --config FILE    read settings from a JSON object of NAME: value\n"
                  "  --migrate-only   apply the database migrations and exit\n"
                  "  --help           this text\n\n", def->name);
    as_config_print_help (settings, out);
    fprintf (out, "\nIt answers RPC on %s (msgpack over ZeroMQ, see proto/RPC.md)\n"
                  "and stops cleanly on SIGTERM.\n", as_endpoint (def->name));
}

static int
s_build_settings (as_service_t *self)
{
    size_t count = 0;
    const as_setting_t *parts [] = { as_config_suite_settings, s_daemon_settings, self->def->settings };
    for (size_t part = 0; part < 3; part++)
        for (const as_setting_t *setting = parts [part]; setting && setting->name; setting++) {
            if (count + 1 >= S_SETTINGS_MAX)
                return -1;
            self->settings [count++] = *setting;
        }
    self->settings [count].name = NULL;
    return 0;
}

static as_pg_t *
s_connect (as_service_t *self, as_error_t *err)
{
    return as_pg_connect (as_config_str (self->settings, "AFTERSALES_PG"), self->role, self->def->name, 0, err);
}

static int
s_open_database (as_service_t *self, as_error_t *err)
{
    const char *configured = as_config_str (self->settings, "AFTERSALES_PG_ROLE");
    snprintf (self->role, sizeof self->role, "%s", *configured ? configured : "");
    if (!*self->role)
        snprintf (self->role, sizeof self->role, "aftersales_%s", self->def->name);
    self->pg = s_connect (self, err);
    if (!self->pg)
        return -1;
    if (as_pg_migrate (self->pg, self->def->name, "common", as_common_migrations,
                       as_common_migrations_count, err) < 0)
        return -1;
    size_t count = self->def->migration_count ? *self->def->migration_count : 0;
    if (as_pg_migrate (self->pg, self->def->name, self->def->name, self->def->migrations, count, err) < 0)
        return -1;
    return 0;
}

static int
s_open_sockets (as_service_t *self)
{
    const char *bind = as_endpoint_bind (self->def->name);
    if (as_curve_start ())
        return -1;
    self->router = zsock_new (ZMQ_ROUTER);
    zsock_set_maxmsgsize (self->router, AS_MSG_MAX_FRAME);
    zsock_set_linger (self->router, 0);
    if (as_curve_server (self->router, bind) || zsock_bind (self->router, "%s", bind) < 0) {
        as_error ("cannot bind %s: %s", bind, zmq_strerror (zmq_errno ()));
        return -1;
    }
    self->pub = zsock_new (ZMQ_PUB);
    zsock_set_sndhwm (self->pub, 100000);
    zsock_set_linger (self->pub, 1000);     //  let a SIGTERM flush live events
    if (as_curve_client (self->pub, as_endpoint ("bus_pub"))
    ||  zsock_connect (self->pub, "%s", as_endpoint ("bus_pub")))
        return -1;
    if (s_start_consumers (self))
        return -1;
    zloop_reader (self->loop, self->router, s_on_request, self);
    zloop_timer (self->loop, (size_t) as_config_int (self->settings, "AFTERSALES_POLL_MS"), 0, s_on_poll, self);
    zloop_timer (self->loop, 3600 * 1000, 0, s_on_retention, self);
    return 0;
}

static void
s_destroy (as_service_t *self)
{
    s_stop_readers (self);
    zloop_destroy (&self->loop);
    zlistx_destroy (&self->consumers);
    zsock_destroy (&self->sub);
    zsock_destroy (&self->pub);
    zsock_destroy (&self->router);
    as_pg_destroy (&self->pg);
    zhashx_destroy (&self->counters);
    as_acl_destroy (&self->acl);
    as_curve_stop ();
}

//  Parse the command line; returns -1 to exit 0 (help shown), 1 for an error.
static int
s_parse_args (as_service_t *self, int argc, char *argv [], const char **config, bool *migrate_only)
{
    for (int arg = 1; arg < argc; arg++) {
        if (!strcmp (argv [arg], "--help") || !strcmp (argv [arg], "-h")) {
            s_usage (self->def, self->settings, stdout);
            return -1;
        }
        else
        if (!strcmp (argv [arg], "--version")) {
            printf ("%sd %s\n", self->def->name, self->def->version);
            return -1;
        }
        else
        if (!strcmp (argv [arg], "--migrate-only"))
            *migrate_only = true;
        else
        if (!strcmp (argv [arg], "--config") && arg + 1 >= argc) {
            fprintf (stderr, "%sd: --config needs a FILE\n", self->def->name);
            return 1;
        }
        else
        if (!strcmp (argv [arg], "--config"))
            *config = argv [++arg];
        else {
            fprintf (stderr, "%sd: unknown argument '%s' (try --help)\n", self->def->name, argv [arg]);
            return 1;
        }
    }
    return 0;
}

int
as_service_main (const as_service_def_t *def, int argc, char *argv [])
{
    as_service_t service;
    memset (&service, 0, sizeof service);
    as_service_t *self = &service;
    self->def = def;
    if (s_build_settings (self)) {
        fprintf (stderr, "%sd: too many settings\n", def->name);
        return 2;
    }
    const char *config = NULL;
    bool migrate_only = false;
    int parsed = s_parse_args (self, argc, argv, &config, &migrate_only);
    if (parsed)
        return parsed < 0 ? 0 : 2;
    as_error_t err;
    as_error_clear (&err);
    if (as_config_load (self->settings, config, &err)) {
        fprintf (stderr, "%sd: %s\n", def->name, err.message);
        return 2;
    }
    if (as_log_init (def->name, as_config_str (self->settings, "AFTERSALES_LOG_LEVEL"))) {
        fprintf (stderr, "%sd: AFTERSALES_LOG_LEVEL must be debug, info, warn or error\n", def->name);
        return 2;
    }
    as_config_export (self->settings);
    if (as_catalog_load ()) {
        as_error ("the embedded message catalogue does not parse");
        return 1;
    }
    const char *acl = as_config_str (self->settings, "AFTERSALES_RPC_ACL");
    if (*acl && !(self->acl = as_acl_load (acl, "clients", &err))) {
        as_error ("AFTERSALES_RPC_ACL %s", err.message);
        return 2;
    }
    zsys_init ();
    const char *fault = as_config_str (self->settings, "AFTERSALES_FAULT");
    self->fault = *fault ? fault : NULL;
    self->counters = zhashx_new ();
    zhashx_set_destructor (self->counters, (zhashx_destructor_fn *) zstr_free);
    self->consumers = zlistx_new ();
    zlistx_set_destructor (self->consumers, (czmq_destructor *) as_consumer_destroy);
    self->loop = zloop_new ();
    self->started_ms = zclock_mono ();

    int status = 0;
    if (s_open_database (self, &err)) {
        as_error ("database: %s%s%s", err.message, err.detail [0] ? " - " : "", err.detail);
        status = 1;
    }
    else
    if (!migrate_only && (s_open_sockets (self) || s_start_readers (self, &err)
                          || (def->start && def->start (self, &err)))) {
        as_error ("start-up failed: %s", err.message);
        status = 1;
    }
    else
    if (!migrate_only) {
        as_info ("%sd %s serving on %s", def->name, def->version, as_endpoint (def->name));
        s_on_poll (self->loop, 0, self);        //  relay leftovers, start catching up
        zloop_start (self->loop);
        if (self->relay_armed)
            s_relay (self);                     //  publish what is due before going
        as_info ("%sd stopping", def->name);
    }
    if (def->stop)
        def->stop (self);
    s_destroy (self);
    return status;
}
