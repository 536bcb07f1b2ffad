/*  as_eventlog: outbox, relay to a gap-free log, live publish, fetch.       */
#include "as_eventlog.h"
#include "as_catalog.h"
#include "as_log.h"
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

static const as_stmt_t s_relay_move = { "as_relay_move",
    "WITH moved AS ("
    "  DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT $1)"
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
    return as_pg_do (pg, &s_outbox_insert, &params, err) == 1 ? 0 : -1;
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

static void
s_publish (zsock_t *pub, const PGresult *result, const char *source)
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
        s_publish (pub, moved, source);
    PQclear (moved);
    return count;
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
