/*  standind: plays a producer that does not exist yet (or is not under
    test) so a consumer can be tested against real event logs: it is an
    ordinary as_service named by STANDIN_SERVICE ("dispatch", "billing" ...)
    whose one method, test.emit, emits the given event through the real
    outbox, relay and event log of that service's schema.                   */
#include "as_catalog.h"
#include "as_msg.h"
#include "as_service.h"
#include <stdlib.h>
#include <string.h>

//  A test may date its event in the past (the time its fact happened):
//  the row just added to the outbox, still in this transaction, is
//  re-dated before the commit seals it into the log.
static const as_stmt_t s_backdate = { "standin_backdate",
    "UPDATE outbox SET time = $1 WHERE id = (SELECT max(id) FROM outbox)" };

static int
s_emit (as_call_t *call)
{
    char type [65], subject [129];
    as_obj_strcpy (call->params, "type", type, sizeof type);
    as_obj_strcpy (call->params, "subject", subject, sizeof subject);
    const char *owner = as_catalog_event_owner (type);
    if (!owner || strcmp (owner, as_service_name (call->service)) != 0)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "%s is not an event of %s", type,
                             as_service_name (call->service));
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &data, msgpack_sbuffer_write);
    as_pack_object (&packer, as_obj_get (call->params, "data"));
    int rc = as_service_emit (call->service, type, subject, data.data, data.size, call->err);
    msgpack_sbuffer_destroy (&data);
    char time [40] = "";
    if (rc == 0 && as_obj_strcpy (call->params, "time", time, sizeof time)) {
        as_pg_params_t params;
        as_pgp_reset (&params);
        as_pgp_str (&params, time);
        rc = as_pg_do (call->pg, &s_backdate, &params, call->err) == 1 ? 0 : -1;
    }
    if (rc == 0) {
        msgpack_pack_map (call->result, 1);
        as_pack_kv_bool (call->result, "emitted", true);
    }
    return rc;
}

static const as_method_t s_methods [] = { { "test.emit", s_emit }, { NULL, NULL } };
static const size_t s_no_migrations = 0;

int
main (int argc, char *argv [])
{
    const char *service = getenv ("STANDIN_SERVICE");
    if (!service || !*service) {
        fprintf (stderr, "standind: set STANDIN_SERVICE to the service to play (e.g. dispatch)\n");
        return 2;
    }
    as_service_def_t def = {
        .name = service,
        .version = "test",
        .summary = "test stand-in producer",
        .migration_count = &s_no_migrations,
        .methods = s_methods,
    };
    return as_service_main (&def, argc, argv);
}
