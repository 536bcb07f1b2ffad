/*  as_pg: PostgreSQL connection, named statements, transactions, migrations.*/
#include "as_pg.h"
#include "as_log.h"
#include "as_test.h"
#include <czmq.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  A statement queued by as_pg_defer (or trusted SQL, stmt NULL), its
//  parameter values copied into `blob`.
typedef struct {
    const as_stmt_t *stmt;
    char *sql;
    as_pg_params_t params;
    char *blob;
} s_deferred_t;

#define S_DEFER_MAX 64
#define S_STEPS_MAX 128         //  a caller's pipeline behind deferred statements

struct _as_pg_t {
    PGconn *conn;
    char *conninfo;
    char *role;
    char *schema;
    zhashx_t *prepared;         //  statement names prepared on this connection
    bool in_transaction;
    s_deferred_t deferred [S_DEFER_MAX];    //  sent with the next round trip
    int deferred_count;
    bool deferred_failed;       //  the last round trip failed in the queued part
    uint64_t round_trips;
};

static void s_drop_deferred (as_pg_t *self);

//  --- Parameters ---------------------------------------------------------------

void
as_pgp_reset (as_pg_params_t *params)
{
    params->count = 0;
}

static int
s_next (as_pg_params_t *params)
{
    assert (params->count < AS_PG_MAX_PARAMS);
    int index = params->count++;
    params->lengths [index] = 0;
    params->formats [index] = 0;
    return index;
}

void
as_pgp_str (as_pg_params_t *params, const char *text)
{
    params->values [s_next (params)] = text;
}

void
as_pgp_strn (as_pg_params_t *params, const char *text, size_t size)
{
    //  Text parameters are NUL-terminated for libpq; strn is for bytes that
    //  are known to be text but not terminated: send as binary text.
    int index = s_next (params);
    params->values [index] = text;
    params->lengths [index] = (int) size;
    params->formats [index] = 1;
}

void
as_pgp_int (as_pg_params_t *params, int64_t value)
{
    int index = s_next (params);
    snprintf (params->numbers [index], sizeof params->numbers [index], "%lld", (long long) value);
    params->values [index] = params->numbers [index];
}

void
as_pgp_bool (as_pg_params_t *params, bool value)
{
    params->values [s_next (params)] = value ? "t" : "f";
}

void
as_pgp_bin (as_pg_params_t *params, const void *bytes, size_t size)
{
    int index = s_next (params);
    params->values [index] = bytes ? (const char *) bytes : "";
    params->lengths [index] = (int) size;
    params->formats [index] = 1;
}

void
as_pgp_null (as_pg_params_t *params)
{
    params->values [s_next (params)] = NULL;
}

//  --- Errors -------------------------------------------------------------------

as_code_t
as_pg_code_for_sqlstate (const char *sqlstate)
{
    if (!sqlstate || strlen (sqlstate) != 5)
        return AS_UNAVAILABLE;          //  no SQLSTATE: the connection failed
    if (strcmp (sqlstate, "23505") == 0)
        return AS_ALREADY_EXISTS;
    if (strcmp (sqlstate, "23503") == 0 || strcmp (sqlstate, "23P01") == 0)
        return AS_FAILED_PRECONDITION;
    if (strncmp (sqlstate, "23", 2) == 0 || strncmp (sqlstate, "22", 2) == 0)
        return AS_INVALID_ARGUMENT;
    if (strcmp (sqlstate, "40001") == 0 || strcmp (sqlstate, "40P01") == 0)
        return AS_ABORTED;
    if (strncmp (sqlstate, "08", 2) == 0 || strncmp (sqlstate, "57P", 3) == 0)
        return AS_UNAVAILABLE;
    if (strcmp (sqlstate, "57014") == 0)
        return AS_DEADLINE_EXCEEDED;
    if (strncmp (sqlstate, "53", 2) == 0)
        return AS_RESOURCE_EXHAUSTED;
    if (strcmp (sqlstate, "42501") == 0)
        return AS_PERMISSION_DENIED;
    if (strcmp (sqlstate, "P0001") == 0)
        return AS_FAILED_PRECONDITION;  //  RAISE EXCEPTION in our own SQL
    return AS_INTERNAL;
}

bool
as_pg_error_is_transient (const as_error_t *err)
{
    return err->code == AS_UNAVAILABLE || err->code == AS_ABORTED
        || err->code == AS_RESOURCE_EXHAUSTED || err->code == AS_DEADLINE_EXCEEDED;
}

static int
s_result_error (as_pg_t *self, PGresult *result, const char *what, as_error_t *err)
{
    const char *sqlstate = result ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = result ? PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!primary)
        primary = PQerrorMessage (self->conn);
    as_error_set (err, as_pg_code_for_sqlstate (sqlstate), "%s: %s", what, primary);
    if (err && sqlstate)
        snprintf (err->sqlstate, sizeof err->sqlstate, "%s", sqlstate);
    //  A NOT NULL or CHECK violation's detail is the whole failing row
    //  ("Failing row contains (...)"): a customer's phone and address
    //  would go to the caller and into logs. The message names the
    //  constraint, which is what a caller needs.
    const char *detail = result ? PQresultErrorField (result, PG_DIAG_MESSAGE_DETAIL) : NULL;
    bool row_detail = sqlstate && (strcmp (sqlstate, "23502") == 0 || strcmp (sqlstate, "23514") == 0);
    if (detail && !row_detail)
        as_error_detail (err, "%s", detail);
    //  Strip libpq's trailing newline from connection-level messages.
    if (err) {
        size_t length = strlen (err->message);
        while (length && err->message [length - 1] == '\n')
            err->message [--length] = 0;
    }
    PQclear (result);
    return -1;
}

//  --- Connection ---------------------------------------------------------------

//  Server notices ("relation already exists, skipping") are not ours to
//  print on stderr: they go to the debug log.
static void
s_notice (void *arg, const char *message)
{
    (void) arg;
    as_debug ("database notice: %.200s", message);
}

static int
s_open (as_pg_t *self, as_error_t *err)
{
    if (self->conn)
        PQfinish (self->conn);
    zhashx_purge (self->prepared);
    self->in_transaction = false;
    s_drop_deferred (self);
    //  expand_dbname: conninfo may be a whole connection string; the role
    //  given after it overrides its user.
    const char *keywords [] = { "dbname", self->role ? "user" : NULL, NULL };
    const char *values [] = { self->conninfo, self->role, NULL };
    self->conn = PQconnectdbParams (keywords, values, 1);
    if (PQstatus (self->conn) != CONNECTION_OK) {
        as_error_set (err, AS_UNAVAILABLE, "database connection failed: %s", PQerrorMessage (self->conn));
        size_t length = strlen (err ? err->message : "");
        while (err && length && err->message [length - 1] == '\n')
            err->message [--length] = 0;
        return -1;
    }
    PQsetNoticeProcessor (self->conn, s_notice, NULL);
    if (self->schema) {
        //  The schema name comes from the daemon's own configuration, but
        //  still goes through a parameter.
        const char *values [1] = { self->schema };
        PGresult *result = PQexecParams (self->conn,
            "SELECT set_config('search_path', $1, false)", 1, NULL, values, NULL, NULL, 0);
        if (PQresultStatus (result) != PGRES_TUPLES_OK)
            return s_result_error (self, result, "set search_path", err);
        PQclear (result);
    }
    return 0;
}

as_pg_t *
as_pg_connect (const char *conninfo, const char *role, const char *schema,
               int attempts, as_error_t *err)
{
    as_pg_t *self = calloc (1, sizeof *self);
    self->conninfo = strdup (conninfo ? conninfo : "");
    self->role = role && *role ? strdup (role) : NULL;
    self->schema = schema ? strdup (schema) : NULL;
    self->prepared = zhashx_new ();
    int delay_ms = 100;
    for (int attempt = 1; ; attempt++) {
        if (s_open (self, err) == 0)
            return self;
        if ((attempts > 0 && attempt >= attempts) || zsys_interrupted)
            break;
        as_warn ("database not reachable (attempt %d), retrying in %d ms", attempt, delay_ms);
        zclock_sleep (delay_ms);
        delay_ms = delay_ms * 2 > 5000 ? 5000 : delay_ms * 2;
    }
    as_pg_destroy (&self);
    return NULL;
}

void
as_pg_destroy (as_pg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    as_pg_t *self = *self_p;
    s_drop_deferred (self);
    if (self->conn)
        PQfinish (self->conn);
    zhashx_destroy (&self->prepared);
    free (self->conninfo);
    free (self->role);
    free (self->schema);
    free (self);
    *self_p = NULL;
}

PGconn *
as_pg_conn (as_pg_t *self)
{
    return self->conn;
}

bool
as_pg_in_transaction (as_pg_t *self)
{
    return self->in_transaction;
}

//  Outside a transaction, a broken connection is re-opened once before the
//  statement runs, so a database restart costs one failed call at most.
static int
s_ensure_connection (as_pg_t *self, as_error_t *err)
{
    if (PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    if (self->in_transaction)
        return as_error_set (err, AS_UNAVAILABLE, "database connection lost in a transaction");
    as_warn ("database connection lost, reconnecting");
    return s_open (self, err);
}

static int
s_prepare (as_pg_t *self, const as_stmt_t *stmt, int nparams, as_error_t *err)
{
    const as_stmt_t *known = zhashx_lookup (self->prepared, stmt->name);
    if (known) {
        //  Two statements of one name would run each other's SQL: a
        //  programming error, caught by the first test that uses both.
        assert (known == stmt || strcmp (known->sql, stmt->sql) == 0);
        return 0;
    }
    self->round_trips++;
    PGresult *result = PQprepare (self->conn, stmt->name, stmt->sql, nparams, NULL);
    if (PQresultStatus (result) != PGRES_COMMAND_OK)
        return s_result_error (self, result, stmt->name, err);
    PQclear (result);
    zhashx_insert (self->prepared, stmt->name, (void *) stmt);
    return 0;
}

PGresult *
as_pg_run (as_pg_t *self, const as_stmt_t *stmt, const as_pg_params_t *params, as_error_t *err)
{
    if (self->deferred_count) {
        as_pg_step_t step = { stmt, NULL, params, NULL };
        return as_pg_pipeline (self, &step, 1, err) ? NULL : step.result;
    }
    int count = params ? params->count : 0;
    if (s_ensure_connection (self, err) || s_prepare (self, stmt, count, err)) {
        if (PQstatus (self->conn) != CONNECTION_OK && err)
            err->code = AS_UNAVAILABLE;
        return NULL;
    }
    self->round_trips++;
    self->deferred_failed = false;
    PGresult *result = PQexecPrepared (self->conn, stmt->name, count,
                                       count ? params->values : NULL,
                                       count ? params->lengths : NULL,
                                       count ? params->formats : NULL, 0);
    ExecStatusType status = PQresultStatus (result);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
        return result;
    s_result_error (self, result, stmt->name, err);
    if (PQstatus (self->conn) != CONNECTION_OK && err)
        err->code = AS_UNAVAILABLE;
    return NULL;
}

int64_t
as_pg_do (as_pg_t *self, const as_stmt_t *stmt, const as_pg_params_t *params, as_error_t *err)
{
    PGresult *result = as_pg_run (self, stmt, params, err);
    if (!result)
        return -1;
    const char *tuples = PQcmdTuples (result);
    int64_t rows = tuples && *tuples ? strtoll (tuples, NULL, 10) : 0;
    PQclear (result);
    return rows;
}

int
as_pg_exec_script (as_pg_t *self, const char *sql, as_error_t *err)
{
    if (self->deferred_count) {         //  one statement, then (BEGIN, SAVEPOINT x)
        as_pg_step_t step = { NULL, sql, NULL, NULL };
        int rc = as_pg_pipeline (self, &step, 1, err);
        PQclear (step.result);
        return rc;
    }
    if (s_ensure_connection (self, err))
        return -1;
    self->round_trips++;
    self->deferred_failed = false;
    PGresult *result = PQexec (self->conn, sql);
    ExecStatusType status = PQresultStatus (result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        return s_result_error (self, result, "script", err);
    PQclear (result);
    return 0;
}

static int
s_send_step (as_pg_t *self, const as_pg_step_t *step)
{
    if (!step->stmt)
        return PQsendQueryParams (self->conn, step->sql, 0, NULL, NULL, NULL, NULL, 0);
    int count = step->params ? step->params->count : 0;
    return PQsendQueryPrepared (self->conn, step->stmt->name, count,
                                count ? step->params->values : NULL,
                                count ? step->params->lengths : NULL,
                                count ? step->params->formats : NULL, 0);
}

//  Read one step's result and the NULL that ends it. 0, or -1 with err.
static int
s_read_step (as_pg_t *self, as_pg_step_t *step, as_error_t *err)
{
    PGresult *result = PQgetResult (self->conn);
    while (PQgetResult (self->conn))
        ;                       //  the NULL that ends this step's results
    ExecStatusType status = PQresultStatus (result);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        if (step->sql && !strcmp (step->sql, "COMMIT") && strcmp (PQcmdStatus (result), "COMMIT") != 0) {
            PQclear (result);
            return as_error_set (err, AS_ABORTED, "transaction was rolled back");
        }
        step->result = result;
        return 0;
    }
    if (status == PGRES_PIPELINE_ABORTED) {
        PQclear (result);
        return -1;              //  a step before it failed and said why
    }
    return s_result_error (self, result, step->stmt ? step->stmt->name : step->sql, err);
}

//  The steps in one round trip; *failed_at gets the first failed step's
//  index (count when none failed before the sync).
static int
s_pipeline (as_pg_t *self, as_pg_step_t *steps, int count, int *failed_at, as_error_t *err)
{
    *failed_at = count;
    if (s_ensure_connection (self, err))
        return -1;
    for (int index = 0; index < count; index++) {
        steps [index].result = NULL;
        int nparams = steps [index].params ? steps [index].params->count : 0;
        if (steps [index].stmt && s_prepare (self, steps [index].stmt, nparams, err))
            return -1;
    }
    bool sent = PQenterPipelineMode (self->conn) == 1;
    for (int index = 0; sent && index < count; index++)
        sent = s_send_step (self, &steps [index]) == 1;
    sent = sent && PQpipelineSync (self->conn) == 1;
    self->round_trips++;
    int rc = sent ? 0 : as_error_set (err, AS_UNAVAILABLE, "pipeline: %s", PQerrorMessage (self->conn));
    for (int index = 0; sent && index < count; index++)
        if (s_read_step (self, &steps [index], err) && rc == 0) {
            rc = -1;
            *failed_at = index;
        }
    if (sent) {
        PGresult *sync = PQgetResult (self->conn);     //  PGRES_PIPELINE_SYNC
        PQclear (sync);
    }
    PQexitPipelineMode (self->conn);
    PGTransactionStatusType state = PQtransactionStatus (self->conn);
    self->in_transaction = state == PQTRANS_INTRANS || state == PQTRANS_INERROR;
    if (PQstatus (self->conn) != CONNECTION_OK && err)
        err->code = AS_UNAVAILABLE;
    return rc;
}

//  --- Deferred statements ---------------------------------------------------------

//  Drop the queued statements from `first` on.
static void
s_drop_deferred_from (as_pg_t *self, int first)
{
    while (self->deferred_count > first) {
        s_deferred_t *last = &self->deferred [--self->deferred_count];
        free (last->blob);
        free (last->sql);
    }
}

static void
s_drop_deferred (as_pg_t *self)
{
    s_drop_deferred_from (self, 0);
}

//  Copy parameter values into one block the queue owns.
static void
s_params_copy (as_pg_params_t *to, const as_pg_params_t *from, char **blob)
{
    size_t total = 0;
    int count = from ? from->count : 0;
    for (int index = 0; index < count; index++)
        if (from->values [index])
            total += from->formats [index] ? (size_t) from->lengths [index] : strlen (from->values [index]) + 1;
    *blob = malloc (total + 1);
    assert (*blob);
    as_pgp_reset (to);
    size_t at = 0;
    for (int index = 0; index < count; index++) {
        to->lengths [index] = from->lengths [index];
        to->formats [index] = from->formats [index];
        to->values [index] = NULL;
        if (from->values [index]) {
            size_t size = from->formats [index] ? (size_t) from->lengths [index] : strlen (from->values [index]) + 1;
            memcpy (*blob + at, from->values [index], size);
            to->values [index] = *blob + at;
            at += size;
        }
    }
    to->count = count;
}

static int
s_defer (as_pg_t *self, const as_stmt_t *stmt, const char *sql, const as_pg_params_t *params, as_error_t *err)
{
    if (self->deferred_count == S_DEFER_MAX && as_pg_flush (self, err))
        return -1;
    s_deferred_t *entry = &self->deferred [self->deferred_count++];
    entry->stmt = stmt;
    entry->sql = sql ? strdup (sql) : NULL;
    s_params_copy (&entry->params, params, &entry->blob);
    return 0;
}

int
as_pg_defer (as_pg_t *self, const as_stmt_t *stmt, const as_pg_params_t *params, as_error_t *err)
{
    if (!self->in_transaction) {
        int64_t rows = as_pg_do (self, stmt, params, err);
        return rows < 0 ? -1 : 0;
    }
    return s_defer (self, stmt, NULL, params, err);
}

int
as_pg_defer_sql (as_pg_t *self, const char *sql, as_error_t *err)
{
    if (!self->in_transaction)
        return as_pg_exec_script (self, sql, err);
    return s_defer (self, NULL, sql, NULL, err);
}

int
as_pg_flush (as_pg_t *self, as_error_t *err)
{
    return self->deferred_count ? as_pg_pipeline (self, NULL, 0, err) : 0;
}

bool
as_pg_failed_in_deferred (as_pg_t *self)
{
    return self->deferred_failed;
}

uint64_t
as_pg_round_trips (as_pg_t *self)
{
    return self->round_trips;
}

//  The queue goes first, in the same round trip; its results are only
//  checked. A failure there fails the whole pipeline (the caller's steps
//  are skipped by the server) and says so (as_pg_failed_in_deferred).
int
as_pg_pipeline (as_pg_t *self, as_pg_step_t *steps, int count, as_error_t *err)
{
    self->deferred_failed = false;
    int queued = self->deferred_count, failed_at;
    if (queued <= 0)
        return s_pipeline (self, steps, count, &failed_at, err);
    as_pg_step_t joined [S_DEFER_MAX + S_STEPS_MAX];
    if (count < 0 || count > S_STEPS_MAX || queued > S_DEFER_MAX)
        return as_error_set (err, AS_INTERNAL, "a pipeline of %d steps after %d deferred", count, queued);
    for (int index = 0; index < queued; index++)
        joined [index] = (as_pg_step_t) { self->deferred [index].stmt, self->deferred [index].sql,
                                          &self->deferred [index].params, NULL };
    for (int index = 0; index < count; index++)
        joined [queued + index] = steps [index];
    int rc = s_pipeline (self, joined, queued + count, &failed_at, err);
    self->deferred_failed = rc != 0 && failed_at < queued;
    for (int index = 0; index < queued; index++)
        PQclear (joined [index].result);
    for (int index = 0; index < count; index++)
        steps [index].result = joined [queued + index].result;
    s_drop_deferred (self);
    return rc;
}

int
as_pg_begin (as_pg_t *self, as_error_t *err)
{
    assert (!self->in_transaction);
    if (as_pg_exec_script (self, "BEGIN", err))
        return -1;
    self->in_transaction = true;
    return 0;
}

int
as_pg_commit (as_pg_t *self, as_error_t *err)
{
    assert (self->in_transaction);
    if (self->deferred_count) {
        as_pg_step_t step = { NULL, "COMMIT", NULL, NULL };
        int rc = as_pg_pipeline (self, &step, 1, err);
        PQclear (step.result);
        if (rc)                         //  as a failed COMMIT: rolled back
            as_pg_rollback (self);
        return rc;
    }
    self->round_trips++;
    self->deferred_failed = false;
    PGresult *result = PQexec (self->conn, "COMMIT");
    self->in_transaction = false;
    //  COMMIT of a failed transaction answers ROLLBACK: that is a failure.
    if (PQresultStatus (result) != PGRES_COMMAND_OK
    ||  strcmp (PQcmdStatus (result), "COMMIT") != 0) {
        if (PQresultStatus (result) == PGRES_COMMAND_OK) {
            PQclear (result);
            return as_error_set (err, AS_ABORTED, "transaction was rolled back");
        }
        return s_result_error (self, result, "commit", err);
    }
    PQclear (result);
    return 0;
}

void
as_pg_rollback (as_pg_t *self)
{
    s_drop_deferred (self);
    if (!self->in_transaction)
        return;
    self->in_transaction = false;
    self->round_trips++;
    if (PQstatus (self->conn) == CONNECTION_OK)
        PQclear (PQexec (self->conn, "ROLLBACK"));
}

int
as_pg_savepoint (as_pg_t *self, const char *name, as_error_t *err)
{
    char sql [96];
    snprintf (sql, sizeof sql, "SAVEPOINT %s", name);
    return as_pg_exec_script (self, sql, err);
}

int
as_pg_rollback_to (as_pg_t *self, const char *name, as_error_t *err)
{
    char sql [96];
    //  A savepoint still in the queue: rolling back to it drops what was
    //  queued after it, and nothing need be sent.
    snprintf (sql, sizeof sql, "SAVEPOINT %s", name);
    for (int index = self->deferred_count - 1; index >= 0; index--)
        if (self->deferred [index].sql && strcmp (self->deferred [index].sql, sql) == 0) {
            s_drop_deferred_from (self, index + 1);
            return 0;
        }
    s_drop_deferred (self);             //  queued after the savepoint: undone with it
    snprintf (sql, sizeof sql, "ROLLBACK TO SAVEPOINT %s", name);
    return as_pg_exec_script (self, sql, err);
}

//  --- Result cells -------------------------------------------------------------

int64_t
as_pg_get_int (const PGresult *result, int row, int column)
{
    if (PQgetisnull (result, row, column))
        return 0;
    return strtoll (PQgetvalue (result, row, column), NULL, 10);
}

bool
as_pg_get_bool (const PGresult *result, int row, int column)
{
    return !PQgetisnull (result, row, column) && PQgetvalue (result, row, column) [0] == 't';
}

const char *
as_pg_get_str (const PGresult *result, int row, int column)
{
    if (PQgetisnull (result, row, column))
        return NULL;
    return PQgetvalue (result, row, column);
}

uint8_t *
as_pg_get_bytea (const PGresult *result, int row, int column, size_t *size)
{
    *size = 0;
    if (PQgetisnull (result, row, column))
        return NULL;
    size_t length = 0;
    unsigned char *bytes = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, row, column), &length);
    if (!bytes)
        return NULL;
    uint8_t *copy = malloc (length ? length : 1);
    memcpy (copy, bytes, length);
    PQfreemem (bytes);
    *size = length;
    return copy;
}

//  --- Migrations ---------------------------------------------------------------

static const as_stmt_t s_applied = { "as_migrations_applied",
    "SELECT version FROM migrations WHERE track = $1 ORDER BY version" };
static const as_stmt_t s_record = { "as_migrations_record",
    "INSERT INTO migrations (track, version, name) VALUES ($1, $2, $3)" };
static const as_stmt_t s_lock = { "as_migrations_lock",
    "SELECT pg_advisory_lock(hashtext('aftersales.migrate.' || $1))" };
static const as_stmt_t s_unlock = { "as_migrations_unlock",
    "SELECT pg_advisory_unlock(hashtext('aftersales.migrate.' || $1))" };

static int
s_migrate_locked (as_pg_t *self, const char *track, const as_migration_t *migrations,
                  size_t count, as_error_t *err)
{
    if (as_pg_exec_script (self,
            "CREATE TABLE IF NOT EXISTS migrations ("
            " track text NOT NULL, version integer NOT NULL, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (track, version))", err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, track);
    PGresult *result = as_pg_run (self, &s_applied, &params, err);
    if (!result)
        return -1;
    zlistx_t *done = zlistx_new ();
    for (int row = 0; row < PQntuples (result); row++)
        zlistx_add_end (done, (void *) (intptr_t) as_pg_get_int (result, row, 0));
    PQclear (result);

    int applied = 0;
    for (size_t index = 0; index < count; index++) {
        const as_migration_t *migration = &migrations [index];
        if (zlistx_find (done, (void *) (intptr_t) migration->version))
            continue;
        if (as_pg_begin (self, err))
            break;
        as_pg_params_t record;
        as_pgp_reset (&record);
        as_pgp_str (&record, track);
        as_pgp_int (&record, migration->version);
        as_pgp_str (&record, migration->name);
        if (as_pg_exec_script (self, migration->sql, err)
        ||  as_pg_do (self, &s_record, &record, err) < 0
        ||  as_pg_commit (self, err)) {
            as_pg_rollback (self);
            as_error_detail (err, "migration %s %03d_%s", track, migration->version, migration->name);
            applied = -1;
            break;
        }
        as_info ("applied migration %s %03d_%s", track, migration->version, migration->name);
        applied++;
    }
    zlistx_destroy (&done);
    return applied;
}

int
as_pg_migrate (as_pg_t *self, const char *schema, const char *track,
               const as_migration_t *migrations, size_t count, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, schema);
    //  The lock is per schema, so two instances of one service queue up
    //  while different services migrate side by side.
    if (as_pg_do (self, &s_lock, &params, err) < 0)
        return -1;
    int applied = s_migrate_locked (self, track, migrations, count, err);
    as_error_t unlock_err;
    as_pg_do (self, &s_unlock, &params, &unlock_err);
    return applied;
}

//  --- Self-test ----------------------------------------------------------------

static const as_stmt_t s_test_insert = { "as_pg_test_insert",
    "INSERT INTO widgets (name, blob) VALUES ($1, $2) RETURNING id" };
static const as_stmt_t s_test_select = { "as_pg_test_select",
    "SELECT name, blob, id FROM widgets WHERE id = $1" };

static const as_migration_t s_test_migrations [] = {
    { 1, "widgets", "CREATE TABLE widgets (id bigserial PRIMARY KEY, name text UNIQUE, blob bytea)" },
    { 2, "widgets_check", "ALTER TABLE widgets ADD CHECK (length(name) < 20)" },
};

void
as_pg_test (bool verbose)
{
    (void) verbose;
    const char *conninfo = getenv ("AFTERSALES_TEST_PG");
    if (!conninfo) {
        fprintf (stderr, "AFTERSALES_TEST_PG is not set: run through scripts/test\n");
        AS_CHECK (conninfo);
    }
    as_error_t err;
    char schema [64];
    snprintf (schema, sizeof schema, "as_pg_test_%d", (int) getpid ());
    as_pg_t *admin = as_pg_connect (conninfo, NULL, NULL, 3, &err);
    AS_CHECK (admin);
    char sql [256];
    snprintf (sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    AS_CHECK (as_pg_exec_script (admin, sql, &err) == 0);

    as_pg_t *pg = as_pg_connect (conninfo, NULL, schema, 3, &err);
    AS_CHECK (pg);
    AS_CHECK (as_pg_migrate (pg, schema, "test", s_test_migrations, 2, &err) == 2);
    AS_CHECK (as_pg_migrate (pg, schema, "test", s_test_migrations, 2, &err) == 0);
    AS_CHECK (as_pg_migrate (pg, schema, "common", as_common_migrations,
                             as_common_migrations_count, &err) >= 1);

    //  Parameters, bytea with NUL bytes, and reading back.
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, "it's; DROP TABLE widgets");
    const uint8_t blob [] = { 0, 1, 2, 0xff, 0 };
    as_pgp_bin (&params, blob, sizeof blob);
    AS_CHECK (as_pg_do (pg, &s_test_insert, &params, &err) == -1);    //  check: too long
    AS_CHECK (err.code == AS_INVALID_ARGUMENT && strcmp (err.sqlstate, "23514") == 0);
    as_pgp_reset (&params);
    as_pgp_str (&params, "o'brien");
    as_pgp_bin (&params, blob, sizeof blob);
    PGresult *result = as_pg_run (pg, &s_test_insert, &params, &err);
    AS_CHECK (result);
    int64_t id = as_pg_get_int (result, 0, 0);
    PQclear (result);
    as_pgp_reset (&params);
    as_pgp_int (&params, id);
    result = as_pg_run (pg, &s_test_select, &params, &err);
    AS_CHECK (result && PQntuples (result) == 1);
    AS_CHECK (strcmp (as_pg_get_str (result, 0, 0), "o'brien") == 0);
    size_t size;
    uint8_t *copy = as_pg_get_bytea (result, 0, 1, &size);
    AS_CHECK (size == sizeof blob && memcmp (copy, blob, size) == 0);
    free (copy);
    PQclear (result);

    //  Unique violation maps to already_exists; a rolled-back insert is gone.
    as_pgp_reset (&params);
    as_pgp_str (&params, "o'brien");
    as_pgp_null (&params);
    AS_CHECK (as_pg_do (pg, &s_test_insert, &params, &err) == -1);
    AS_CHECK (err.code == AS_ALREADY_EXISTS);
    AS_CHECK (as_pg_begin (pg, &err) == 0);
    as_pgp_reset (&params);
    as_pgp_str (&params, "ghost");
    as_pgp_null (&params);
    AS_CHECK (as_pg_do (pg, &s_test_insert, &params, &err) == 1);
    as_pg_rollback (pg);
    AS_CHECK (as_pg_exec_script (pg, "DO $$ BEGIN IF EXISTS (SELECT 1 FROM widgets WHERE name = 'ghost')"
                                     " THEN RAISE EXCEPTION 'ghost survived'; END IF; END $$", &err) == 0);
    //  A failed statement inside a transaction makes COMMIT fail.
    AS_CHECK (as_pg_begin (pg, &err) == 0);
    AS_CHECK (as_pg_exec_script (pg, "SELECT 1/0", &err) == -1);
    AS_CHECK (err.code == AS_INVALID_ARGUMENT);
    AS_CHECK (as_pg_commit (pg, &err) == -1);

    //  A pipeline: one round trip, results in order; a failure skips the rest
    //  and leaves the transaction for the caller to roll back.
    as_pg_params_t first, second;
    as_pgp_reset (&first);
    as_pgp_str (&first, "piped");
    as_pgp_null (&first);
    as_pgp_reset (&second);
    as_pgp_str (&second, "piped too");
    as_pgp_null (&second);
    as_pg_step_t good [] = { { NULL, "BEGIN", NULL, NULL }, { &s_test_insert, NULL, &first, NULL },
                             { &s_test_insert, NULL, &second, NULL }, { NULL, "COMMIT", NULL, NULL } };
    AS_CHECK (as_pg_pipeline (pg, good, 4, &err) == 0);
    AS_CHECK (!as_pg_in_transaction (pg));
    AS_CHECK (PQntuples (good [1].result) == 1 && PQntuples (good [2].result) == 1);
    for (int index = 0; index < 4; index++)
        PQclear (good [index].result);
    as_pgp_reset (&second);
    as_pgp_str (&second, "after the duplicate");
    as_pgp_null (&second);
    as_pg_step_t bad [] = { { NULL, "BEGIN", NULL, NULL }, { &s_test_insert, NULL, &first, NULL },
                            { &s_test_insert, NULL, &second, NULL }, { NULL, "COMMIT", NULL, NULL } };
    AS_CHECK (as_pg_pipeline (pg, bad, 4, &err) == -1);
    AS_CHECK (err.code == AS_ALREADY_EXISTS && bad [1].result == NULL && bad [2].result == NULL);
    AS_CHECK (as_pg_in_transaction (pg));
    PQclear (bad [0].result);
    as_pg_rollback (pg);
    AS_CHECK (as_pg_exec_script (pg, "DO $$ BEGIN IF EXISTS (SELECT 1 FROM widgets WHERE name = 'after the duplicate')"
                                     " THEN RAISE EXCEPTION 'skipped step ran'; END IF; END $$", &err) == 0);

    //  Deferred statements ride on the next round trip: a read after them
    //  sees them, a COMMIT carries them, a failure among them fails the
    //  round trip that carried them, a rollback drops them.
    static const as_stmt_t s_test_count = { "as_pg_test_count",
        "SELECT count(*) FROM widgets WHERE name LIKE $1" };
    as_pgp_reset (&params);
    as_pgp_str (&params, "deferred%");
    result = as_pg_run (pg, &s_test_count, &params, &err);      //  prepared: a round trip of its own
    AS_CHECK (result && as_pg_get_int (result, 0, 0) == 0);
    PQclear (result);
    AS_CHECK (as_pg_begin (pg, &err) == 0);
    uint64_t trips = as_pg_round_trips (pg);
    char name [32];
    for (int index = 0; index < 3; index++) {
        snprintf (name, sizeof name, "deferred %d", index);
        as_pg_params_t insert;
        as_pgp_reset (&insert);
        as_pgp_str (&insert, name);         //  overwritten next time: must have been copied
        as_pgp_null (&insert);
        AS_CHECK (as_pg_defer (pg, &s_test_insert, &insert, &err) == 0);
    }
    AS_CHECK (as_pg_round_trips (pg) == trips);
    result = as_pg_run (pg, &s_test_count, &params, &err);
    AS_CHECK (result && as_pg_get_int (result, 0, 0) == 3 && as_pg_round_trips (pg) == trips + 1);
    PQclear (result);
    AS_CHECK (as_pg_defer_sql (pg, "SAVEPOINT as_pg_test", &err) == 0);
    as_pg_params_t extra;
    as_pgp_reset (&extra);
    as_pgp_str (&extra, "deferred undone");
    as_pgp_null (&extra);
    AS_CHECK (as_pg_defer (pg, &s_test_insert, &extra, &err) == 0);
    AS_CHECK (as_pg_flush (pg, &err) == 0 && as_pg_round_trips (pg) == trips + 2);
    AS_CHECK (as_pg_flush (pg, &err) == 0 && as_pg_round_trips (pg) == trips + 2);
    AS_CHECK (as_pg_rollback_to (pg, "as_pg_test", &err) == 0);
    as_pgp_reset (&extra);
    as_pgp_str (&extra, "deferred never sent");
    as_pgp_null (&extra);
    AS_CHECK (as_pg_defer (pg, &s_test_insert, &extra, &err) == 0);
    AS_CHECK (as_pg_rollback_to (pg, "as_pg_test", &err) == 0);
    //  Back to a savepoint still queued: what followed it is dropped, what
    //  came before it stays.
    AS_CHECK (as_pg_defer_sql (pg, "SAVEPOINT as_pg_test", &err) == 0);
    AS_CHECK (as_pg_defer (pg, &s_test_insert, &extra, &err) == 0);
    trips = as_pg_round_trips (pg);
    AS_CHECK (as_pg_rollback_to (pg, "as_pg_test", &err) == 0 && as_pg_round_trips (pg) == trips);
    as_pgp_reset (&extra);
    as_pgp_str (&extra, "deferred 3");
    as_pgp_null (&extra);
    AS_CHECK (as_pg_defer (pg, &s_test_insert, &extra, &err) == 0);
    AS_CHECK (as_pg_commit (pg, &err) == 0 && !as_pg_in_transaction (pg));
    result = as_pg_run (pg, &s_test_count, &params, &err);
    AS_CHECK (result && as_pg_get_int (result, 0, 0) == 4);
    PQclear (result);
    //  A duplicate among the queued fails the read that carried it.
    AS_CHECK (as_pg_begin (pg, &err) == 0);
    AS_CHECK (as_pg_defer (pg, &s_test_insert, &extra, &err) == 0);
    AS_CHECK (as_pg_run (pg, &s_test_count, &params, &err) == NULL);
    AS_CHECK (err.code == AS_ALREADY_EXISTS && as_pg_failed_in_deferred (pg));
    as_pg_rollback (pg);
    AS_CHECK (as_pg_exec_script (pg, "SELECT 1", &err) == 0 && !as_pg_failed_in_deferred (pg));
    //  ... and a COMMIT that carried it: rolled back, the transaction over.
    AS_CHECK (as_pg_begin (pg, &err) == 0);
    as_pg_params_t fresh;
    as_pgp_reset (&fresh);
    as_pgp_str (&fresh, "deferred lost");
    as_pgp_null (&fresh);
    AS_CHECK (as_pg_defer (pg, &s_test_insert, &fresh, &err) == 0);
    AS_CHECK (as_pg_defer (pg, &s_test_insert, &extra, &err) == 0);
    AS_CHECK (as_pg_commit (pg, &err) == -1 && err.code == AS_ALREADY_EXISTS && !as_pg_in_transaction (pg));
    result = as_pg_run (pg, &s_test_count, &params, &err);
    AS_CHECK (result && as_pg_get_int (result, 0, 0) == 4);
    PQclear (result);
    //  Outside a transaction a deferred statement runs at once.
    trips = as_pg_round_trips (pg);
    AS_CHECK (as_pg_defer (pg, &s_test_insert, &fresh, &err) == 0 && as_pg_round_trips (pg) == trips + 1);
    result = as_pg_run (pg, &s_test_count, &params, &err);
    AS_CHECK (result && as_pg_get_int (result, 0, 0) == 5);
    PQclear (result);

    //  The connection is re-opened after the server drops it.
    PGresult *pid = PQexec (as_pg_conn (pg), "SELECT pg_backend_pid()");
    snprintf (sql, sizeof sql, "SELECT pg_terminate_backend(%s)", PQgetvalue (pid, 0, 0));
    PQclear (pid);
    AS_CHECK (as_pg_exec_script (admin, sql, &err) == 0);
    zclock_sleep (100);
    as_pgp_reset (&params);
    as_pgp_int (&params, id);
    result = as_pg_run (pg, &s_test_select, &params, &err);
    if (!result)    //  the first call may notice the loss; the next reconnects
        result = as_pg_run (pg, &s_test_select, &params, &err);
    AS_CHECK (result && PQntuples (result) == 1);
    PQclear (result);

    AS_CHECK (as_pg_code_for_sqlstate ("40001") == AS_ABORTED);
    AS_CHECK (as_pg_code_for_sqlstate ("08006") == AS_UNAVAILABLE);
    AS_CHECK (as_pg_code_for_sqlstate ("42P01") == AS_INTERNAL);
    as_pg_destroy (&pg);
    snprintf (sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    AS_CHECK (as_pg_exec_script (admin, sql, &err) == 0);
    as_pg_destroy (&admin);
    AS_CHECK (admin == NULL);
    as_pg_destroy (&admin);     //  safe twice
}
