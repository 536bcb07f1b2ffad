/*  Helpers shared by inventory's integration tests: calls with JSON params
    built printf-style, results read by dotted path, setup of a small
    network (central warehouse, a station store, two vans) and parts.     */
#ifndef INVENTORY_TESTLIB_H
#define INVENTORY_TESTLIB_H

#include "as_harness.h"
#include "as_msg.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

//  The value at a dotted path ("reservation.status") of a result map.
static inline const msgpack_object *
t_path (const msgpack_object *map, const char *path)
{
    char buffer [128];
    snprintf (buffer, sizeof buffer, "%s", path);
    const msgpack_object *node = map;
    for (char *part = strtok (buffer, "."); part && node; part = strtok (NULL, "."))
        node = as_obj_get (node, part);
    return node;
}

//  Call (params printf-style); the reply is the caller's to release.
static inline void
t_callv (as_rpc_client_t *client, const char *method, as_rpc_reply_t *reply, const char *format, va_list args)
{
    char params [8192];
    vsnprintf (params, sizeof params, format, args);
    as_harness_call (client, method, params, NULL, reply);
}

static inline void
t_call (as_rpc_client_t *client, const char *method, as_rpc_reply_t *reply, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    t_callv (client, method, reply, format, args);
    va_end (args);
}

//  Call that must succeed; returns the integer at path (0 when path is NULL).
static inline int64_t
t_int (as_rpc_client_t *client, const char *method, const char *path, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    as_rpc_reply_t reply;
    t_callv (client, method, &reply, format, args);
    va_end (args);
    if (!reply.ok)
        fprintf (stderr, "%s refused: %s\n", method, reply.error.message);
    AS_CHECK (reply.ok);
    int64_t value = 0;
    if (path) {
        const msgpack_object *node = t_path (reply.result, path);
        AS_CHECK (node && (node->type == MSGPACK_OBJECT_POSITIVE_INTEGER || node->type == MSGPACK_OBJECT_NEGATIVE_INTEGER));
        value = node->via.i64;
    }
    as_rpc_reply_release (&reply);
    return value;
}

//  Call that must succeed; copies the string at path into out.
static inline void
t_str (as_rpc_client_t *client, const char *method, const char *path, char *out, size_t size,
       const char *format, ...)
{
    va_list args;
    va_start (args, format);
    as_rpc_reply_t reply;
    t_callv (client, method, &reply, format, args);
    va_end (args);
    if (!reply.ok)
        fprintf (stderr, "%s refused: %s\n", method, reply.error.message);
    AS_CHECK (reply.ok);
    const msgpack_object *node = t_path (reply.result, path);
    AS_CHECK (node && node->type == MSGPACK_OBJECT_STR);
    snprintf (out, size, "%.*s", (int) node->via.str.size, node->via.str.ptr);
    as_rpc_reply_release (&reply);
}

//  Call that must be refused with code.
static inline void
t_refused (as_rpc_client_t *client, const char *method, int code, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    as_rpc_reply_t reply;
    t_callv (client, method, &reply, format, args);
    va_end (args);
    if (reply.ok || (int) reply.error.code != code)
        fprintf (stderr, "%s: expected code %d, got ok=%d code %d\n", method, code, reply.ok, (int) reply.error.code);
    AS_CHECK (!reply.ok && (int) reply.error.code == code);
    as_rpc_reply_release (&reply);
}

//  A part of `kind` with a lead time, in the catalogue.
static inline void
t_part (as_rpc_client_t *inventory, const char *part_no, const char *kind, int lead_days)
{
    t_int (inventory, "part.add", NULL,
           "{\"part_no\":\"%s\",\"name\":\"part %s\",\"unit_cost_fen\":12850,\"kind\":\"%s\","
           "\"supplier\":\"Midea Parts\",\"lead_time_days\":%d,\"compatible_models\":[\"KFR-35GW\"]}",
           part_no, part_no, kind, lead_days);
}

//  Locations: central (returned ids in order) central, station 1's store,
//  engineer 3's van (station 1), engineer 4's van (station 1).
typedef struct {
    int64_t central, station, van3, van4;
} t_network_t;

static inline void
t_network (as_rpc_client_t *inventory, t_network_t *net)
{
    net->central = t_int (inventory, "location.add", "location.location_id",
                          "{\"code\":\"WH\",\"kind\":\"central\",\"name\":\"central warehouse\"}");
    net->station = t_int (inventory, "location.add", "location.location_id",
                          "{\"code\":\"ST-1\",\"kind\":\"station\",\"name\":\"Chaoyang station\",\"station_id\":1}");
    net->van3 = t_int (inventory, "location.add", "location.location_id",
                       "{\"code\":\"VAN-3\",\"kind\":\"van\",\"name\":\"van of engineer 3\",\"station_id\":1,\"engineer_id\":3}");
    net->van4 = t_int (inventory, "location.add", "location.location_id",
                       "{\"code\":\"VAN-4\",\"kind\":\"van\",\"name\":\"van of engineer 4\",\"station_id\":1,\"engineer_id\":4}");
}

//  Put `quantity` of a part into available stock at a location the way
//  goods really arrive: received into quarantine, then inspected.
static inline void
t_stock (as_rpc_client_t *inventory, const char *part_no, int64_t location_id, int quantity)
{
    t_int (inventory, "stock.receive", NULL, "{\"part_no\":\"%s\",\"quantity\":%d,\"location_id\":%lld}",
           part_no, quantity, (long long) location_id);
    t_int (inventory, "inspection.record", NULL,
           "{\"part_no\":\"%s\",\"quantity\":%d,\"location_id\":%lld,\"result\":\"pass\"}",
           part_no, quantity, (long long) location_id);
}

//  A bucket of a stock row, read from the database.
static inline int64_t
t_bucket (as_harness_t *harness, const char *part_no, int64_t location_id, const char *bucket)
{
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT %s FROM inventory.stock WHERE part_no = '%s' AND location_id = %lld",
              bucket, part_no, (long long) location_id);
    return as_harness_scalar (harness, sql);
}

static inline bool
t_ledger_ok (as_rpc_client_t *inventory)
{
    as_rpc_reply_t reply;
    t_call (inventory, "ledger.verify", &reply, "{}");
    AS_CHECK (reply.ok);
    bool ok = false;
    AS_CHECK (as_obj_bool (reply.result, "ok", &ok));
    as_rpc_reply_release (&reply);
    return ok;
}

#endif

//  A second inventoryd on the same database at its own endpoint,
//  so two single-threaded daemons really run transactions at once.
static inline pid_t
t_second_daemon (as_harness_t *harness, char *endpoint, size_t size)
{
    //  A port the kernel says is free now (the harness only checks its own block).
    int probe = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    AS_CHECK (probe >= 0 && bind (probe, (struct sockaddr *) &address, sizeof address) == 0
              && getsockname (probe, (struct sockaddr *) &address, &length) == 0);
    close (probe);
    snprintf (endpoint, size, "tcp://127.0.0.1:%d", ntohs (address.sin_port));
    static char variable [160];
    snprintf (variable, sizeof variable, "AFTERSALES_INVENTORY_ENDPOINT=%s", endpoint);
    const char *env [] = { variable, NULL };
    //  The harness waits for health at as_endpoint("inventory"): this one's.
    setenv ("AFTERSALES_INVENTORY_ENDPOINT", endpoint, 1);
    pid_t pid = as_harness_start (harness, "inventoryd", env);
    unsetenv ("AFTERSALES_INVENTORY_ENDPOINT");
    return pid;
}

//  busd, standind playing dispatch, then inventoryd with `settings`
//  (NAME=value entries, NULL-terminated, may be NULL); clients of both
//  (the caller destroys them) and the network. Returns inventoryd's pid.
static inline pid_t
t_start_with_dispatch (as_harness_t *harness, const char *const *settings, as_rpc_client_t **inventory,
                       as_rpc_client_t **dispatch, t_network_t *net)
{
    as_harness_start (harness, "busd", NULL);
    const char *standin [] = { "STANDIN_SERVICE=dispatch", NULL };
    as_harness_start (harness, "standind", standin);
    pid_t pid = as_harness_start (harness, "inventoryd", settings);
    *inventory = as_harness_client (harness, "inventory");
    *dispatch = as_harness_client (harness, "dispatch");
    t_network (*inventory, net);
    return pid;
}

//  visit.diagnosed of a case, emitted through standind playing dispatch.
//  parts: JSON array of {part_no, quantity}; diagnosed_at RFC 3339.
static inline void
t_diagnosed (as_rpc_client_t *dispatch, int visit_id, int64_t case_id, int engineer_id, const char *parts,
             const char *diagnosed_at)
{
    t_int (dispatch, "test.emit", NULL,
           "{\"type\":\"visit.diagnosed\",\"subject\":\"visit/%d\",\"data\":{\"visit_id\":%d,\"case_id\":%lld,"
           "\"engineer_id\":%d,\"station_id\":1,\"category\":\"air_conditioner\",\"model\":\"KFR-35GW\","
           "\"serial\":\"SN-%lld\",\"cause\":\"quality\",\"repair_items\":[{\"code\":\"R-FAN\",\"quantity\":1}],"
           "\"parts_needed\":%s,\"resolution\":\"on_site\",\"diagnosed_at\":\"%s\"}}",
           visit_id, visit_id, (long long) case_id, engineer_id, (long long) case_id, parts, diagnosed_at);
}

static inline void
t_completed (as_rpc_client_t *dispatch, int visit_id, int64_t case_id, int engineer_id, const char *parts)
{
    t_int (dispatch, "test.emit", NULL,
           "{\"type\":\"visit.completed\",\"subject\":\"visit/%d\",\"data\":{\"visit_id\":%d,\"case_id\":%lld,"
           "\"engineer_id\":%d,\"station_id\":1,\"outcome\":\"repaired\",\"work_done\":\"replaced parts\","
           "\"repair_items\":[{\"code\":\"R-FAN\",\"quantity\":1}],\"parts_used\":%s,\"labour_minutes\":45,"
           "\"customer_accepted\":true,\"completed_at\":\"2026-11-22T10:00:00.000Z\"}}",
           visit_id, visit_id, (long long) case_id, engineer_id, parts);
}

//  An RFC 3339 time `hours` from now (negative: in the past).
static inline void
t_time (char *out, size_t size, int hours)
{
    time_t at = time (NULL) + (time_t) hours * 3600;
    struct tm parts;
    gmtime_r (&at, &parts);
    strftime (out, size, "%Y-%m-%dT%H:%M:%S.000Z", &parts);
}
