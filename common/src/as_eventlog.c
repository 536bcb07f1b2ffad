/*  as_eventlog: outbox, relay to a gap-free log, live publish, fetch.       */
#include "as_eventlog.h"
#include "as_catalog.h"
#include "as_log.h"
#include "as_test.h"
#include <assert.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const as_stmt_t s_outbox_insert = { "as_outbox_insert",
    "INSERT INTO outbox (event_id, type, subject, time, traceparent, data)"
    " VALUES ($1, $2, $3, $4, $5, $6)" };

//  Only one relay per schema at a time: positions must be handed out by a
//  single writer, in its commit order, or a reader could skip a row forever.
static const as_stmt_t s_relay_lock = { "as_relay_lock",
    "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.relay'))" };

//  A commit that seals events into the log waits for the disk (they are
//  published right after it), whatever the transaction set before (a
//  consumer's batch commits without waiting: as_consumer.c).
static const as_stmt_t s_seal_lock = { "as_seal_lock",
    "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.relay')),"
    " set_config('synchronous_commit', 'on', true)" };

//  The oldest ids are taken first, as an array, and deleted by the primary
//  key: as a semi-join (id IN (...)) PostgreSQL scanned the whole outbox,
//  which is mostly the dead rows of events moved since the last vacuum.
static const as_stmt_t s_relay_move = { "as_relay_move",
    "WITH moved AS ("
    "  DELETE FROM outbox WHERE id = ANY (ARRAY (SELECT id FROM outbox ORDER BY id LIMIT $1))"
    "  RETURNING id, event_id, type, subject, time, traceparent, data),"
    " base AS (SELECT coalesce(max(sequence), 0) AS last FROM event_log),"
    " logged AS ("
    "  INSERT INTO event_log (sequence, event_id, type, subject, time, traceparent, data)"
    "  SELECT base.last + row_number() OVER (ORDER BY moved.id), moved.event_id, moved.type,"
    "         moved.subject, moved.time, moved.traceparent, moved.data FROM moved, base"
    "  RETURNING sequence, event_id, type, subject, time, traceparent, data)"
    " SELECT sequence, event_id, type, subject, time, traceparent, data FROM logged ORDER BY sequence" };

static const as_stmt_t s_fetch = { "as_eventlog_fetch",
    "SELECT sequence, event_id, type, subject, time, traceparent, data"
    " FROM event_log WHERE sequence > $1 ORDER BY sequence LIMIT $2" };
static const as_stmt_t s_last = { "as_eventlog_last",
    "SELECT coalesce(max(sequence), 0) FROM event_log" };

static const as_stmt_t s_trim_log = { "as_eventlog_trim",
    "DELETE FROM event_log WHERE logged_at < now() - make_interval(days => $1::int)"
    " AND sequence < (SELECT max(sequence) FROM event_log)" };
static const as_stmt_t s_trim_idempotency = { "as_idempotency_trim",
    "DELETE FROM idempotency WHERE created_at < now() - make_interval(days => $1::int)" };

int
as_outbox_add (as_pg_t *pg, const char *type, const char *subject,
               const void *data, size_t size, const char *traceparent, as_error_t *err)
{
    assert (as_pg_in_transaction (pg));
    //  Our own payloads are checked too: a producer must never log an event
    //  its consumers would refuse.
    as_msg_t *msg = as_msg_decode (data, size, 0, err);
    if (!msg)
        return -1;
    int rc = as_catalog_check_event (type, as_msg_root (msg), err);
    as_msg_destroy (&msg);
    if (rc) {
        err->code = AS_INTERNAL;
        return -1;
    }
    char event_id [37];
    char time [32];
    as_uuid_v4 (event_id);
    as_time_now_rfc3339 (time);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, event_id);
    as_pgp_str (&params, type);
    as_pgp_str (&params, subject);
    as_pgp_str (&params, time);
    as_pgp_str (&params, traceparent && *traceparent ? traceparent : NULL);
    as_pgp_bin (&params, data, size);
    //  Sent with the transaction's next round trip (often its COMMIT).
    return as_pg_defer (pg, &s_outbox_insert, &params, err);
}

void
as_eventlog_row_encode (const PGresult *result, int row, const char *source, msgpack_sbuffer *sbuf)
{
    as_event_t event;
    memset (&event, 0, sizeof event);
    snprintf (event.id, sizeof event.id, "%s", as_pg_get_str (result, row, 1));
    event.source = (char *) source;
    event.type = (char *) as_pg_get_str (result, row, 2);
    event.subject = (char *) as_pg_get_str (result, row, 3);
    snprintf (event.time, sizeof event.time, "%s", as_pg_get_str (result, row, 4));
    event.traceparent = (char *) as_pg_get_str (result, row, 5);
    event.sequence = (uint64_t) as_pg_get_int (result, row, 0);
    event.data = as_pg_get_bytea (result, row, 6, &event.data_size);
    as_event_encode (&event, sbuf);
    free (event.data);
}

void
as_eventlog_publish (zsock_t *pub, const PGresult *result, const char *source)
{
    for (int row = 0; row < PQntuples (result); row++) {
        msgpack_sbuffer sbuf;
        msgpack_sbuffer_init (&sbuf);
        as_eventlog_row_encode (result, row, source, &sbuf);
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, as_pg_get_str (result, row, 2));
        zmsg_addmem (msg, sbuf.data, sbuf.size);
        msgpack_sbuffer_destroy (&sbuf);
        //  PUB never blocks: past the high-water mark ZeroMQ drops, and the
        //  consumers' catch-up covers it.
        zmsg_send (&msg, pub);
    }
}

static int
s_relay_once (as_pg_t *pg, const char *source, zsock_t *pub, const char *fault, as_error_t *err)
{
    if (as_pg_begin (pg, err))
        return -1;
    PGresult *locked = as_pg_run (pg, &s_relay_lock, NULL, err);
    if (!locked) {
        as_pg_rollback (pg);
        return -1;
    }
    bool ours = as_pg_get_bool (locked, 0, 0);
    PQclear (locked);
    if (!ours) {            //  another instance is relaying right now
        as_pg_rollback (pg);
        return 0;
    }
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, AS_RELAY_BATCH);
    PGresult *moved = as_pg_run (pg, &s_relay_move, &params, err);
    if (!moved) {
        as_pg_rollback (pg);
        return -1;
    }
    int count = PQntuples (moved);
    if (as_pg_commit (pg, err)) {
        PQclear (moved);
        return -1;
    }
    if (count > 0 && fault && strcmp (fault, "before_publish") == 0)
        kill (getpid (), SIGKILL);
    if (pub)
        as_eventlog_publish (pub, moved, source);
    PQclear (moved);
    return count;
}

#define S_COMMIT_STEPS_MAX 80

int
as_eventlog_commit (as_pg_t *pg, as_pg_step_t *before, int count, bool seal,
                    PGresult **moved, as_error_t *err)
{
    assert (as_pg_in_transaction (pg) && count >= 0 && count + 3 <= S_COMMIT_STEPS_MAX);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, 100000);
    as_pg_step_t steps [S_COMMIT_STEPS_MAX];
    int total = 0;
    for (int index = 0; index < count; index++)
        steps [total++] = before [index];
    int move = -1;
    if (seal) {
        steps [total++] = (as_pg_step_t) { &s_seal_lock, NULL, NULL, NULL };
        move = total;
        steps [total++] = (as_pg_step_t) { &s_relay_move, NULL, &params, NULL };
    }
    steps [total++] = (as_pg_step_t) { NULL, "COMMIT", NULL, NULL };
    int rc = as_pg_pipeline (pg, steps, total, err);
    *moved = NULL;
    for (int index = 0; index < total; index++)
        if (index == move && rc == 0)
            *moved = steps [index].result;
        else
            PQclear (steps [index].result);
    return rc;
}

int
as_eventlog_relay (as_pg_t *pg, const char *source, zsock_t *pub, const char *fault, as_error_t *err)
{
    int total = 0;
    while (true) {
        int moved = s_relay_once (pg, source, pub, fault, err);
        if (moved < 0)
            return -1;
        total += moved;
        if (moved < AS_RELAY_BATCH)
            return total;
    }
}

int
as_eventlog_fetch (as_pg_t *pg, const char *source, uint64_t after, int limit,
                   msgpack_packer *pk, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, (int64_t) after);
    as_pgp_int (&params, limit);
    PGresult *rows = as_pg_run (pg, &s_fetch, &params, err);
    if (!rows)
        return -1;
    PGresult *last = as_pg_run (pg, &s_last, NULL, err);
    if (!last) {
        PQclear (rows);
        return -1;
    }
    msgpack_pack_map (pk, 2);
    as_pack_str (pk, "events");
    msgpack_pack_array (pk, (size_t) PQntuples (rows));
    for (int row = 0; row < PQntuples (rows); row++) {
        msgpack_sbuffer sbuf;
        msgpack_sbuffer_init (&sbuf);
        as_eventlog_row_encode (rows, row, source, &sbuf);
        msgpack_pack_bin (pk, sbuf.size);
        msgpack_pack_bin_body (pk, sbuf.data, sbuf.size);
        msgpack_sbuffer_destroy (&sbuf);
    }
    as_pack_kv_int (pk, "last_sequence", as_pg_get_int (last, 0, 0));
    PQclear (rows);
    PQclear (last);
    return 0;
}

int
as_eventlog_trim (as_pg_t *pg, int retention_days, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, retention_days);
    int64_t logged = as_pg_do (pg, &s_trim_log, &params, err);
    if (logged < 0)
        return -1;
    int64_t replies = as_pg_do (pg, &s_trim_idempotency, &params, err);
    if (replies < 0)
        return -1;
    if (logged || replies)
        as_info ("retention: removed %lld log rows and %lld stored replies older than %d days",
                 (long long) logged, (long long) replies, retention_days);
    return 0;
}

//  --- Self-test -------------------------------------------------------------------

static void
s_test_add (as_pg_t *pg, int case_id)
{
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    as_pack_kv_int (&pk, "case_id", case_id);
    as_pack_kv_str (&pk, "reason", "test");
    as_error_t err;
    AS_CHECK (as_outbox_add (pg, "case.cancelled", "case/1", data.data, data.size, NULL, &err) == 0);
    msgpack_sbuffer_destroy (&data);
}

//  Sequences 1..count, each once, in event_log.
static bool
s_test_gap_free (as_pg_t *pg, int count)
{
    PGresult *result = PQexec (as_pg_conn (pg),
        "SELECT count(*) = max(sequence) AND min(sequence) = 1, count(*) FROM event_log");
    bool ok = PQresultStatus (result) == PGRES_TUPLES_OK && as_pg_get_bool (result, 0, 0)
           && as_pg_get_int (result, 0, 1) == count;
    PQclear (result);
    return ok;
}

void
as_eventlog_test (bool verbose)
{
    (void) verbose;
    const char *conninfo = getenv ("AFTERSALES_TEST_PG");
    AS_CHECK (conninfo && as_catalog_load () == 0);
    char schema [64], sql [256];
    snprintf (schema, sizeof schema, "as_eventlog_test_%d", (int) getpid ());
    as_error_t err;
    as_pg_t *admin = as_pg_connect (conninfo, NULL, NULL, 3, &err);
    AS_CHECK (admin);
    snprintf (sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    AS_CHECK (as_pg_exec_script (admin, sql, &err) == 0);
    as_pg_t *first = as_pg_connect (conninfo, NULL, schema, 3, &err);
    as_pg_t *second = as_pg_connect (conninfo, NULL, schema, 3, &err);
    AS_CHECK (first && second);
    AS_CHECK (as_pg_migrate (first, schema, "common", as_common_migrations, as_common_migrations_count, &err) == 1);

    //  Outbox ids are handed out in one order and committed in another: the
    //  row with the lower id commits last. The relay must still number what
    //  it sees without a gap, and the late row after it.
    AS_CHECK (as_pg_begin (first, &err) == 0);
    s_test_add (first, 1);                  //  lower id, commits late
    AS_CHECK (as_pg_begin (second, &err) == 0);
    s_test_add (second, 2);
    AS_CHECK (as_pg_commit (second, &err) == 0);
    as_pg_t *relay = as_pg_connect (conninfo, NULL, schema, 3, &err);
    AS_CHECK (as_eventlog_relay (relay, "test", NULL, NULL, &err) == 1);
    AS_CHECK (s_test_gap_free (relay, 1));
    AS_CHECK (as_pg_commit (first, &err) == 0);
    AS_CHECK (as_eventlog_relay (relay, "test", NULL, NULL, &err) == 1);
    AS_CHECK (s_test_gap_free (relay, 2));
    //  More than one relay batch at once.
    AS_CHECK (as_pg_begin (first, &err) == 0);
    for (int index = 0; index < AS_RELAY_BATCH + 7; index++)
        s_test_add (first, 10 + index);
    AS_CHECK (as_pg_commit (first, &err) == 0);
    AS_CHECK (as_eventlog_relay (relay, "test", NULL, NULL, &err) == AS_RELAY_BATCH + 7);
    AS_CHECK (s_test_gap_free (relay, AS_RELAY_BATCH + 9));
    AS_CHECK (as_eventlog_relay (relay, "test", NULL, NULL, &err) == 0);

    //  While another relay holds the lock, this one moves nothing.
    AS_CHECK (as_pg_begin (second, &err) == 0);
    PGresult *locked = PQexec (as_pg_conn (second),
        "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.relay'))");
    AS_CHECK (as_pg_get_bool (locked, 0, 0));
    PQclear (locked);
    AS_CHECK (as_pg_begin (first, &err) == 0);
    s_test_add (first, 99);
    AS_CHECK (as_pg_commit (first, &err) == 0);
    AS_CHECK (as_eventlog_relay (relay, "test", NULL, NULL, &err) == 0);
    as_pg_rollback (second);
    AS_CHECK (as_eventlog_relay (relay, "test", NULL, NULL, &err) == 1);

    //  Fetch: a page after a position, envelopes that decode, the last position.
    msgpack_sbuffer page;
    msgpack_sbuffer_init (&page);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &page, msgpack_sbuffer_write);
    AS_CHECK (as_eventlog_fetch (relay, "test", 1, 3, &pk, &err) == 0);
    as_msg_t *msg = as_msg_decode (page.data, page.size, 0, &err);
    AS_CHECK (msg);
    const msgpack_object *events = as_obj_get (as_msg_root (msg), "events");
    AS_CHECK (events && events->via.array.size == 3);
    as_event_t *event = as_event_decode (events->via.array.ptr [0].via.bin.ptr,
                                         events->via.array.ptr [0].via.bin.size, true, &err);
    AS_CHECK (event && event->sequence == 2 && strcmp (event->source, "test") == 0);
    as_event_destroy (&event);
    int64_t last = 0;
    AS_CHECK (as_obj_int (as_msg_root (msg), "last_sequence", &last) && last == AS_RELAY_BATCH + 10);
    as_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&page);

    //  Retention drops old rows but always keeps the newest position.
    AS_CHECK (as_pg_exec_script (relay, "UPDATE event_log SET logged_at = now() - interval '100 days'", &err) == 0);
    AS_CHECK (as_eventlog_trim (relay, 90, &err) == 0);
    PGresult *left = PQexec (as_pg_conn (relay), "SELECT count(*), max(sequence) FROM event_log");
    AS_CHECK (as_pg_get_int (left, 0, 0) == 1 && as_pg_get_int (left, 0, 1) == AS_RELAY_BATCH + 10);
    PQclear (left);
    //  and numbering goes on from it.
    AS_CHECK (as_pg_begin (first, &err) == 0);
    s_test_add (first, 100);
    AS_CHECK (as_pg_commit (first, &err) == 0);
    AS_CHECK (as_eventlog_relay (relay, "test", NULL, NULL, &err) == 1);
    left = PQexec (as_pg_conn (relay), "SELECT max(sequence) FROM event_log");
    AS_CHECK (as_pg_get_int (left, 0, 0) == AS_RELAY_BATCH + 11);
    PQclear (left);
    as_pg_destroy (&relay);
    as_pg_destroy (&first);
    as_pg_destroy (&second);
    snprintf (sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    AS_CHECK (as_pg_exec_script (admin, sql, &err) == 0);
    as_pg_destroy (&admin);
}
