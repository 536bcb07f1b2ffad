/*  as_harness: databases, ports and daemons for integration tests.        */
#include "as_harness.h"
#include "as_catalog.h"
#include "as_config.h"
#include "as_msg.h"
#include "as_rpcmsg.h"
#include <arpa/inet.h>
#include <czmq.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_MAX_CHILDREN 32

struct _as_harness_t {
    char name [64];
    char database [96];
    char log_dir [256];
    PGconn *db;
    pid_t children [S_MAX_CHILDREN];
    int child_count;
};

//  The harness of this test process, so a failed check (abort) can stop
//  the daemons it started instead of leaving them running.
static as_harness_t *s_current;

static void
s_on_abort (int signal_number)
{
    for (int index = 0; s_current && index < s_current->child_count; index++)
        kill (s_current->children [index], SIGKILL);
    signal (signal_number, SIG_DFL);
    raise (signal_number);
}

static const char *s_services [] = { "intake", "dispatch", "inventory", "billing", "survey", "testsink", NULL };

static const char *
s_env (const char *name)
{
    const char *value = getenv (name);
    if (!value || !*value) {
        fprintf (stderr, "%s is not set: run the tests through scripts/test\n", name);
        exit (1);
    }
    return value;
}

const char *
as_harness_bin (void)
{
    return s_env ("AFTERSALES_TEST_BIN");
}

static bool
s_port_free (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    int one = 1;
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool free_port = bind (fd, (struct sockaddr *) &address, sizeof address) == 0;
    close (fd);
    return free_port;
}

//  A block of 100 ports whose suite offsets are free, below the kernel's
//  ephemeral range (32768 and up by default): a port there can be taken by
//  any outgoing connection (another test's) between the check and the bind.
static int
s_free_port_base (void)
{
    static const int offsets [] = { 1, 2, 3, 11, 12, 13, 14, 15, 90, 97 };
    srand ((unsigned) (getpid () ^ time (NULL)));
    while (true) {
        int base = (10000 + rand () % 22600) / 100 * 100;
        bool ok = true;
        for (size_t index = 0; ok && index < sizeof offsets / sizeof offsets [0]; index++)
            ok = s_port_free (base + offsets [index]);
        if (ok)
            return base;
    }
}

static void
s_exec (PGconn *conn, const char *sql)
{
    PGresult *result = PQexec (conn, sql);
    if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK) {
        fprintf (stderr, "harness SQL failed: %s\n%s\n", sql, PQerrorMessage (conn));
        exit (1);
    }
    PQclear (result);
}

static void
s_quiet (void *arg, const char *message)
{
    (void) arg;
    (void) message;
}

static PGconn *
s_connect (const char *database)
{
    char conninfo [1024];
    snprintf (conninfo, sizeof conninfo, "%s user=%s dbname=%s", s_env ("AFTERSALES_TEST_PG_HOST"),
              s_env ("AFTERSALES_TEST_PG_SUPERUSER"), database);
    PGconn *conn = PQconnectdb (conninfo);
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "harness: cannot connect: %s\n", PQerrorMessage (conn));
        exit (1);
    }
    PQsetNoticeProcessor (conn, s_quiet, NULL);
    return conn;
}

//  The roles, database and schemas of scripts/lib.sh's as_db_setup.
static void
s_create_database (as_harness_t *self)
{
    PGconn *admin = s_connect ("postgres");
    char sql [512];
    for (const char **service = s_services; *service; service++) {
        snprintf (sql, sizeof sql,
                  "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aftersales_%s')"
                  " THEN CREATE ROLE aftersales_%s LOGIN; END IF; END $$", *service, *service);
        PGresult *result = PQexec (admin, sql);      //  two tests may race: either wins
        PQclear (result);
    }
    snprintf (sql, sizeof sql, "DROP DATABASE IF EXISTS %s", self->database);
    s_exec (admin, sql);
    snprintf (sql, sizeof sql, "CREATE DATABASE %s", self->database);
    s_exec (admin, sql);
    PQfinish (admin);
    self->db = s_connect (self->database);
    s_exec (self->db, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    for (const char **service = s_services; *service; service++) {
        snprintf (sql, sizeof sql,
                  "GRANT CONNECT ON DATABASE %s TO aftersales_%s;"
                  " CREATE SCHEMA %s AUTHORIZATION aftersales_%s; REVOKE ALL ON SCHEMA %s FROM PUBLIC",
                  self->database, *service, *service, *service, *service);
        s_exec (self->db, sql);
    }
}

as_harness_t *
as_harness_new (const char *name)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    as_harness_t *self = calloc (1, sizeof *self);
    snprintf (self->name, sizeof self->name, "%s", name);
    snprintf (self->database, sizeof self->database, "t_%s_%d", name, (int) getpid ());
    snprintf (self->log_dir, sizeof self->log_dir, "%s/%s", s_env ("AFTERSALES_TEST_TMP"), self->database);
    mkdir (self->log_dir, 0755);
    s_create_database (self);
    char text [1024];
    snprintf (text, sizeof text, "%d", s_free_port_base ());
    setenv ("AFTERSALES_PORT_BASE", text, 1);
    snprintf (text, sizeof text, "%s dbname=%s", s_env ("AFTERSALES_TEST_PG_HOST"), self->database);
    setenv ("AFTERSALES_PG", text, 1);
    setenv ("AFTERSALES_POLL_MS", "300", 1);
    zsys_init ();
    zsys_set_logstream (NULL);
    AS_CHECK (as_catalog_load () == 0);
    s_current = self;
    signal (SIGABRT, s_on_abort);
    printf ("harness: database %s, ports from %s, logs in %s\n", self->database,
            getenv ("AFTERSALES_PORT_BASE"), self->log_dir);
    return self;
}

static const char *
s_health_target (const char *daemon, char *name, size_t size)
{
    snprintf (name, size, "%s", daemon);
    size_t length = strlen (name);
    if (length && name [length - 1] == 'd')
        name [length - 1] = 0;
    return strcmp (name, "bus") == 0 ? as_endpoint ("bus_ingress") : as_endpoint (name);
}

pid_t
as_harness_start (as_harness_t *self, const char *daemon, const char *const *env)
{
    AS_CHECK (self->child_count < S_MAX_CHILDREN);
    char path [512], log [512];
    snprintf (path, sizeof path, "%s/%s", as_harness_bin (), daemon);
    snprintf (log, sizeof log, "%s/%s.log", self->log_dir, daemon);
    pid_t pid = fork ();
    AS_CHECK (pid >= 0);
    if (pid == 0) {
        for (const char *const *entry = env; entry && *entry; entry++)
            putenv ((char *) *entry);
        int fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2 (fd, STDERR_FILENO);
        dup2 (fd, STDOUT_FILENO);
        execl (path, daemon, (char *) NULL);
        fprintf (stderr, "cannot run %s\n", path);
        _exit (127);
    }
    self->children [self->child_count++] = pid;
    //  Up when it answers health (a pure read, so retries are harmless).
    char name [64];
    const char *target = s_health_target (daemon, name, sizeof name);
    //  A stand-in answers as the service it plays.
    for (const char *const *entry = env; entry && *entry; entry++)
        if (strncmp (*entry, "STANDIN_SERVICE=", 16) == 0)
            target = as_endpoint (*entry + 16);
    AS_CHECK (target);
    as_rpc_client_t *client = as_rpc_client_new (target);
    as_rpc_client_set_timeout (client, 200, 0);
    for (int attempt = 0; attempt < 100; attempt++) {
        as_rpc_reply_t reply;
        as_error_t err;
        if (as_rpc_client_call (client, "health", NULL, 0, NULL, &reply, &err) == 0) {
            as_rpc_reply_release (&reply);
            as_rpc_client_destroy (&client);
            return pid;
        }
        int status;
        if (waitpid (pid, &status, WNOHANG) == pid) {
            fprintf (stderr, "%s exited during start-up (status %d): see %s\n", daemon, status, log);
            AS_CHECK (!"daemon failed to start");
        }
    }
    fprintf (stderr, "%s did not answer health in 20 s: see %s\n", daemon, log);
    AS_CHECK (!"daemon did not come up");
    return -1;
}

static void
s_forget (as_harness_t *self, pid_t pid)
{
    for (int index = 0; index < self->child_count; index++)
        if (self->children [index] == pid)
            self->children [index] = self->children [--self->child_count];
}

int
as_harness_wait_exit (as_harness_t *self, pid_t pid, int timeout_ms)
{
    int status = 0;
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        if (waitpid (pid, &status, WNOHANG) == pid) {
            s_forget (self, pid);
            return status;
        }
        zclock_sleep (20);
    }
    return -1;
}

int
as_harness_stop (as_harness_t *self, pid_t pid, int signal)
{
    kill (pid, signal);
    int status = as_harness_wait_exit (self, pid, 15000);
    if (status == -1) {
        kill (pid, SIGKILL);
        status = as_harness_wait_exit (self, pid, 5000);
    }
    return status;
}

as_rpc_client_t *
as_harness_client (as_harness_t *self, const char *service)
{
    (void) self;
    const char *endpoint = strcmp (service, "bus") == 0 ? as_endpoint ("bus_ingress") : as_endpoint (service);
    AS_CHECK (endpoint);
    return as_rpc_client_new (endpoint);
}

void
as_harness_call (as_rpc_client_t *client, const char *method, const char *params_json,
                 const char *key, as_rpc_reply_t *reply)
{
    as_error_t err;
    if (as_rpc_client_call_json (client, method, params_json, key, reply, &err)) {
        fprintf (stderr, "%s got no answer: %s\n", method, err.message);
        AS_CHECK (!"no answer");
    }
}

PGconn *
as_harness_db (as_harness_t *self)
{
    return self->db;
}

int64_t
as_harness_scalar (as_harness_t *self, const char *sql)
{
    PGresult *result = PQexec (self->db, sql);
    if (PQresultStatus (result) != PGRES_TUPLES_OK) {
        fprintf (stderr, "query failed: %s\n%s", sql, PQerrorMessage (self->db));
        AS_CHECK (!"query failed");
    }
    int64_t value = PQntuples (result) && !PQgetisnull (result, 0, 0)
                  ? strtoll (PQgetvalue (result, 0, 0), NULL, 10) : 0;
    PQclear (result);
    return value;
}

int64_t
as_harness_await (as_harness_t *self, const char *sql, int64_t expected, int timeout_ms)
{
    int64_t value = as_harness_scalar (self, sql);
    for (int waited = 0; value != expected && waited < timeout_ms; waited += 50) {
        zclock_sleep (50);
        value = as_harness_scalar (self, sql);
    }
    return value;
}

char *
as_harness_run (as_harness_t *self, const char *command, int *status)
{
    (void) self;
    char line [4096];
    snprintf (line, sizeof line, "PATH=\"%s:$PATH\" %s", as_harness_bin (), command);
    FILE *pipe = popen (line, "r");
    AS_CHECK (pipe);
    size_t size = 0, capacity = 4096;
    char *output = malloc (capacity);
    size_t got;
    while ((got = fread (output + size, 1, capacity - size - 1, pipe)) > 0) {
        size += got;
        if (capacity - size < 1024)
            output = realloc (output, capacity *= 2);
    }
    output [size] = 0;
    int rc = pclose (pipe);
    *status = WIFEXITED (rc) ? WEXITSTATUS (rc) : 128;
    return output;
}

char *
as_harness_output (as_harness_t *self, const char *command, int expected_status)
{
    int status = -1;
    char *output = as_harness_run (self, command, &status);
    if (status != expected_status)
        fprintf (stderr, "'%s' exited %d, expected %d; output:\n%s\n", command, status, expected_status, output);
    AS_CHECK (status == expected_status);
    for (char *tab = strchr (output, '\t'); tab; tab = strchr (tab, '\t'))
        *tab = ' ';
    return output;
}

void
as_harness_expect (as_harness_t *self, const char *command, int status, const char *text, bool present)
{
    char *output = as_harness_output (self, command, status);
    if ((strstr (output, text) != NULL) != present)
        fprintf (stderr, "'%s': expected '%s' to be %s in:\n%s\n", command, text,
                 present ? "present" : "absent", output);
    AS_CHECK ((strstr (output, text) != NULL) == present);
    free (output);
}

void
as_harness_destroy (as_harness_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    as_harness_t *self = *self_p;
    while (self->child_count > 0) {
        pid_t pid = self->children [0];
        int status = as_harness_stop (self, pid, SIGTERM);
        //  A clean stop on SIGTERM is part of every daemon's contract.
        if (!(WIFEXITED (status) && WEXITSTATUS (status) == 0)) {
            fprintf (stderr, "a daemon (pid %d) did not stop cleanly on SIGTERM: status %d\n", (int) pid, status);
            AS_CHECK (!"unclean stop");
        }
    }
    PQfinish (self->db);
    PGconn *admin = s_connect ("postgres");
    char sql [160];
    snprintf (sql, sizeof sql, "DROP DATABASE IF EXISTS %s", self->database);
    s_exec (admin, sql);
    PQfinish (admin);
    if (s_current == self)
        s_current = NULL;
    free (self);
    *self_p = NULL;
}

void
as_harness_emit (as_rpc_client_t *producer, const char *type, const char *subject, const char *data_json,
                 const char *time)
{
    size_t size = strlen (type) + strlen (subject) + strlen (data_json) + (time ? strlen (time) : 0) + 64;
    char *params = malloc (size);
    AS_CHECK (params);
    snprintf (params, size, "{\"type\":\"%s\",\"subject\":\"%s\",\"data\":%s%s%s%s}", type, subject, data_json,
              time ? ",\"time\":\"" : "", time ? time : "", time ? "\"" : "");
    as_rpc_reply_t reply;
    as_harness_call (producer, "test.emit", params, NULL, &reply);
    if (!reply.ok)
        fprintf (stderr, "test.emit %s: %s\n", type, reply.error.message);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    free (params);
}

char *
as_harness_repeat (const char *unit, int count)
{
    size_t size = strlen (unit);
    char *text = malloc (size * (size_t) count + 1);
    AS_CHECK (text);
    for (int index = 0; index < count; index++)
        memcpy (text + size * (size_t) index, unit, size);
    text [size * (size_t) count] = 0;
    return text;
}

void
as_harness_report_json (char *buffer, size_t size, const char *serial)
{
    snprintf (buffer, size,
        "{\"customer\":{\"name\":\"Li Wei\",\"phone\":\"13800138000\","
        "\"address\":\"88 Jianguo Rd, Chaoyang, Beijing\"},"
        "\"product\":{\"category\":\"air_conditioner\",\"model\":\"KFR-35GW\",\"serial\":\"%s\","
        "\"purchase_date\":\"2026-03-01\",\"proof\":{\"kind\":\"invoice\",\"reference\":\"INV-1\"}},"
        "\"symptom\":\"no cooling\",\"channel\":\"phone\"}", serial);
}

void
as_harness_send_raw (zsock_t *dealer, const char *id, const char *method, const char *key,
                     const char *params_json)
{
    msgpack_sbuffer params, request;
    msgpack_sbuffer_init (&params);
    msgpack_sbuffer_init (&request);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack (params_json, &params, &err) == 0);
    as_rpc_request_encode (&request, id, method, as_now_ms () + 30000, key, NULL, NULL, params.data, params.size);
    AS_CHECK (zsock_send (dealer, "b", request.data, request.size) == 0);
    msgpack_sbuffer_destroy (&params);
    msgpack_sbuffer_destroy (&request);
}

int64_t
as_harness_report (as_rpc_client_t *client, const char *serial, const char *key)
{
    char params [1024];
    as_harness_report_json (params, sizeof params, serial);
    as_rpc_reply_t reply;
    as_harness_call (client, "case.report", params, key, &reply);
    if (!reply.ok)
        fprintf (stderr, "case.report refused: %s\n", reply.error.message);
    AS_CHECK (reply.ok);
    int64_t case_id = 0;
    AS_CHECK (as_obj_int (reply.result, "case_id", &case_id) && case_id > 0);
    as_rpc_reply_release (&reply);
    return case_id;
}
