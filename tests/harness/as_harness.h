/*  as_harness: what an integration test needs around it.

    Each test gets its own database (with the service roles and schemas, as
    scripts/up makes them) on the throwaway cluster of scripts/test
    (AFTERSALES_TEST_PG), its own block of free ports, and starts the real
    daemons from AFTERSALES_TEST_BIN as child processes.                    */
#ifndef AS_HARNESS_H
#define AS_HARNESS_H

#include <czmq.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "as_config.h"
#include "as_rpc.h"
#include "as_test.h"

typedef struct _as_harness_t as_harness_t;

//  New database and port block for a test; sets AFTERSALES_PORT_BASE and
//  AFTERSALES_PG in this process so clients reach the test's daemons.
as_harness_t *as_harness_new (const char *name);
//  Stops every daemon still running (SIGTERM), drops the database.
void as_harness_destroy (as_harness_t **self_p);

//  Start a daemon ("busd", "intaked", "testsinkd") with extra NAME=value
//  environment entries (NULL-terminated, may be NULL); waits until it
//  answers health. Returns its pid.
pid_t as_harness_start (as_harness_t *self, const char *daemon, const char *const *env);
//  Send a signal and wait for the exit. Returns the wait status.
int as_harness_stop (as_harness_t *self, pid_t pid, int signal);
//  Wait for a child to exit by itself (up to timeout_ms). Returns the wait
//  status, or -1 on time-out.
int as_harness_wait_exit (as_harness_t *self, pid_t pid, int timeout_ms);

//  A client for a service of the test ("intake", "bus" for the ingress).
as_rpc_client_t *as_harness_client (as_harness_t *self, const char *service);
//  Call with JSON params; expects an answer (ok or error). Returns the
//  reply (caller releases) and fails the test when there is no answer.
void as_harness_call (as_rpc_client_t *client, const char *method, const char *params_json,
                      const char *key, as_rpc_reply_t *reply);

//  Run SQL on the test database as superuser; returns the first column of
//  the first row as an integer (0 when no row).
int64_t as_harness_scalar (as_harness_t *self, const char *sql);
//  Poll until scalar(sql) == expected or timeout_ms passes; returns the last value.
int64_t as_harness_await (as_harness_t *self, const char *sql, int64_t expected, int timeout_ms);
//  The connection for richer queries.
PGconn *as_harness_db (as_harness_t *self);

//  Path of the build's binaries (AFTERSALES_TEST_BIN).
const char *as_harness_bin (void);
//  Run a shell command line with the test's environment, capture stdout
//  (caller frees) and the exit status.
char *as_harness_run (as_harness_t *self, const char *command, int *status);
//  Run a command that must exit with `status` (the test fails, showing the
//  output, if not); returns its output with tabs (cJSON's pretty print)
//  turned into spaces, for the caller to check and free.
char *as_harness_output (as_harness_t *self, const char *command, int status);
//  Run a command that must exit with `status`, and whose output must
//  contain `text` (present) or must not (absent).
void as_harness_expect (as_harness_t *self, const char *command, int status, const char *text, bool present);


//  A stand-in producer (standind) logs and publishes an event of `type`
//  about `subject` with data `data_json`, dated `time` (RFC 3339; NULL:
//  now). The call must succeed.
void as_harness_emit (as_rpc_client_t *producer, const char *type, const char *subject, const char *data_json,
                      const char *time);
//  `count` copies of `unit` (a long Chinese text: one character is 3
//  bytes), freshly allocated (the caller frees).
char *as_harness_repeat (const char *unit, int count);
//  case.report params for a valid phone report of product `serial`.
void as_harness_report_json (char *buffer, size_t size, const char *serial);
//  Send a request (params as JSON) on a raw DEALER, without waiting for
//  the reply: for tests that need requests in flight together.
void as_harness_send_raw (zsock_t *dealer, const char *id, const char *method, const char *key,
                          const char *params_json);
//  Report and return the case id (fails the test on an error reply).
int64_t as_harness_report (as_rpc_client_t *client, const char *serial, const char *key);
#endif
