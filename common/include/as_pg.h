/*  as_pg: PostgreSQL access for a service.

    One connection per daemon (a daemon is one zloop thread). Statements are
    named and prepared on first use, parameters always passed separately,
    never concatenated into SQL. Errors map SQLSTATE to the suite's codes.
    The connection is re-opened (with back-off) when it breaks outside a
    transaction; inside one the caller gets `unavailable` and retries.      */
#ifndef AS_PG_H
#define AS_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "as_error.h"

typedef struct _as_pg_t as_pg_t;

//  A named statement: declare once as a static and pass by pointer.
typedef struct {
    const char *name;
    const char *sql;
} as_stmt_t;

#define AS_PG_MAX_PARAMS 32

//  Parameters for one execution. Text values are not copied: they must live
//  until the statement has run. Integers are formatted into the struct.
typedef struct {
    int count;
    const char *values [AS_PG_MAX_PARAMS];
    int lengths [AS_PG_MAX_PARAMS];
    int formats [AS_PG_MAX_PARAMS];
    char numbers [AS_PG_MAX_PARAMS][24];
} as_pg_params_t;

void as_pgp_reset (as_pg_params_t *params);
void as_pgp_str (as_pg_params_t *params, const char *text);     //  NULL -> SQL NULL
void as_pgp_strn (as_pg_params_t *params, const char *text, size_t size);
void as_pgp_int (as_pg_params_t *params, int64_t value);
void as_pgp_bool (as_pg_params_t *params, bool value);
void as_pgp_bin (as_pg_params_t *params, const void *bytes, size_t size);   //  bytea
void as_pgp_null (as_pg_params_t *params);

//  Connect to conninfo (key=value or URI) as role (NULL or "" = the
//  conninfo's own user), set search_path to schema (may be NULL), retrying up
//  to `attempts` times with back-off (0 = forever until interrupted).
as_pg_t *as_pg_connect (const char *conninfo, const char *role, const char *schema,
                        int attempts, as_error_t *err);
void as_pg_destroy (as_pg_t **self_p);
PGconn *as_pg_conn (as_pg_t *self);
bool as_pg_in_transaction (as_pg_t *self);

//  Run a named statement. Returns the result (PGRES_TUPLES_OK or
//  PGRES_COMMAND_OK; caller PQclear's it) or NULL with err set.
PGresult *as_pg_run (as_pg_t *self, const as_stmt_t *stmt, const as_pg_params_t *params,
                     as_error_t *err);
//  Same, discarding the result; returns affected rows or -1.
int64_t as_pg_do (as_pg_t *self, const as_stmt_t *stmt, const as_pg_params_t *params,
                  as_error_t *err);
//  Run trusted SQL text without parameters (migrations, BEGIN/COMMIT).
int as_pg_exec_script (as_pg_t *self, const char *sql, as_error_t *err);

//  Several statements in one round trip (libpq pipeline mode): each step is
//  a named statement with its parameters, or trusted SQL without any
//  ("BEGIN", "COMMIT", "SAVEPOINT x"). Results come back in order; after a
//  failure the server skips the rest. Returns 0 when every step succeeded
//  (each step's result is set; the caller PQclear's them), else -1 with
//  err of the first failure (results of the steps before it are set).
//  A COMMIT that rolled back counts as a failure (aborted).
typedef struct {
    const as_stmt_t *stmt;
    const char *sql;
    const as_pg_params_t *params;
    PGresult *result;
} as_pg_step_t;
int as_pg_pipeline (as_pg_t *self, as_pg_step_t *steps, int count, as_error_t *err);

//  Deferred statements: a write whose result the caller does not need is
//  queued and sent with this connection's next round trip, ahead of that
//  round trip's own statements (which so see its effects), instead of
//  costing a round trip of its own. Only for statements that fail for no
//  business reason (a bug, a lost connection, a serialization failure):
//  the failure fails the round trip that carried it, whatever that was,
//  and as_pg_failed_in_deferred says so. Outside a transaction the
//  statement runs at once. ROLLBACK (or ROLLBACK TO SAVEPOINT) drops the
//  queue. Parameter values are copied. as_pg_defer_sql queues trusted SQL
//  ("SAVEPOINT x"). as_pg_flush sends the queue now (no round trip when
//  it is empty).
int as_pg_defer (as_pg_t *self, const as_stmt_t *stmt, const as_pg_params_t *params, as_error_t *err);
int as_pg_defer_sql (as_pg_t *self, const char *sql, as_error_t *err);
int as_pg_flush (as_pg_t *self, as_error_t *err);
//  The last round trip failed in statements queued before it.
bool as_pg_failed_in_deferred (as_pg_t *self);
//  Round trips to the server on this connection so far (statistics).
uint64_t as_pg_round_trips (as_pg_t *self);

int as_pg_begin (as_pg_t *self, as_error_t *err);
int as_pg_commit (as_pg_t *self, as_error_t *err);
//  Always safe to call; ignores errors (the connection may be gone).
void as_pg_rollback (as_pg_t *self);
int as_pg_savepoint (as_pg_t *self, const char *name, as_error_t *err);
int as_pg_rollback_to (as_pg_t *self, const char *name, as_error_t *err);

//  Map a SQLSTATE to a suite code.
as_code_t as_pg_code_for_sqlstate (const char *sqlstate);
//  True when the error means "try again later" (connection, serialization).
bool as_pg_error_is_transient (const as_error_t *err);

//  Helpers to read a result cell.
int64_t as_pg_get_int (const PGresult *result, int row, int column);
bool as_pg_get_bool (const PGresult *result, int row, int column);
//  NULL when the cell is SQL NULL.
const char *as_pg_get_str (const PGresult *result, int row, int column);
//  Decode a bytea cell in text (hex) form into a fresh buffer; caller frees.
uint8_t *as_pg_get_bytea (const PGresult *result, int row, int column, size_t *size);

//  --- Migrations -------------------------------------------------------------
typedef struct {
    int version;
    const char *name;
    const char *sql;
} as_migration_t;

//  Apply, in version order, the migrations not yet in <schema>.migrations
//  for a track ("common" or the service name), each in its own transaction,
//  under an advisory lock so two instances never migrate at once.
//  Returns the number applied, or -1 with err set.
int as_pg_migrate (as_pg_t *self, const char *schema, const char *track,
                   const as_migration_t *migrations, size_t count, as_error_t *err);

//  The common tables every service schema has (outbox, event log, cursors,
//  inbox, idempotency, dead letters), as migrations of the "common" track.
extern const as_migration_t as_common_migrations [];
extern const size_t as_common_migrations_count;

void as_pg_test (bool verbose);

#endif
