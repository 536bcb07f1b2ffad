/*  AFTERSALES_CURVE=1: every TCP socket is CurveZMQ and zauth admits only
    clients whose public key is in the allowed directory. An allowed
    publisher's event is applied and recorded under its key; the ingress
    ACL limits each key to its event types; an unknown key or a plain
    client gets nothing at all.                                            */
#include "as_harness.h"
#include "as_event.h"
#include "as_msg.h"
#include <string.h>
#include <sys/stat.h>

static void
s_cert (const char *dir, const char *name, bool allowed, char *public_key)
{
    zcert_t *cert = zcert_new ();
    char path [512];
    snprintf (path, sizeof path, "%s/%s.cert", dir, name);
    AS_CHECK (zcert_save (cert, path) == 0);
    if (allowed) {
        snprintf (path, sizeof path, "%s/allowed/%s.cert", dir, name);
        AS_CHECK (zcert_save_public (cert, path) == 0);
    }
    if (public_key)
        snprintf (public_key, 41, "%s", zcert_public_txt (cert));
    zcert_destroy (&cert);
}

//  1 accepted, -1 no answer.
static int
s_publish (const char *serial, const char *event_id)
{
    char data [512];
    snprintf (data, sizeof data,
              "{\"device_id\":\"D-%s\",\"serial\":\"%s\",\"model\":\"BCD-200\",\"category\":\"refrigerator\","
              "\"fault_code\":\"F1\",\"owner\":{\"name\":\"Zhao Lei\",\"phone\":\"13700137000\",\"address\":\"2 Beijing Rd\"}}",
              serial, serial);
    msgpack_sbuffer packed, envelope, params;
    msgpack_sbuffer_init (&packed);
    msgpack_sbuffer_init (&envelope);
    msgpack_sbuffer_init (&params);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack (data, &packed, &err) == 0);
    as_event_t *event = as_event_new ("iot", "device.fault_reported", "device/1", packed.data, packed.size, NULL);
    snprintf (event->id, sizeof event->id, "%s", event_id);
    as_event_encode (event, &envelope);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &params, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    as_pack_kv_bin (&pk, "event", envelope.data, envelope.size);
    as_rpc_client_t *bus = as_rpc_client_new (as_endpoint ("bus_ingress"));
    as_rpc_client_set_timeout (bus, 1500, 0);
    as_rpc_reply_t reply;
    int rc = as_rpc_client_call (bus, "events.publish", params.data, params.size, NULL, &reply, &err);
    int outcome = -1;
    if (rc == 0) {
        outcome = reply.ok ? 1 : 0;
        as_rpc_reply_release (&reply);
    }
    as_rpc_client_destroy (&bus);
    as_event_destroy (&event);
    msgpack_sbuffer_destroy (&packed);
    msgpack_sbuffer_destroy (&envelope);
    msgpack_sbuffer_destroy (&params);
    return outcome;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("curve");
    char dir [512], allowed [600], path [600];
    snprintf (dir, sizeof dir, "%s/certs_%d", getenv ("AFTERSALES_TEST_TMP"), (int) getpid ());
    snprintf (allowed, sizeof allowed, "%s/allowed", dir);
    mkdir (dir, 0700);
    mkdir (allowed, 0700);
    char suite_key [41], publisher_key [41];
    s_cert (dir, "server", false, NULL);
    s_cert (dir, "suite", true, suite_key);             //  the daemons as clients of each other
    s_cert (dir, "sales", true, publisher_key);         //  an allowed outside publisher
    s_cert (dir, "intruder", false, NULL);              //  a key nobody allowed

    setenv ("AFTERSALES_CURVE", "1", 1);
    snprintf (path, sizeof path, "%s/server.cert_secret", dir);
    setenv ("AFTERSALES_CURVE_SERVER_CERT", path, 1);
    snprintf (path, sizeof path, "%s/server.cert", dir);
    setenv ("AFTERSALES_CURVE_SERVER_KEY", path, 1);
    snprintf (path, sizeof path, "%s/suite.cert_secret", dir);
    setenv ("AFTERSALES_CURVE_CLIENT_CERT", path, 1);
    setenv ("AFTERSALES_CURVE_ALLOWED", allowed, 1);
    //  Which publisher may publish what: sales device faults, the suite's
    //  own key nothing of the ingress types it could reach.
    char acl [700], acl_env [720];
    snprintf (acl, sizeof acl, "%s/acl.json", dir);
    FILE *file = fopen (acl, "w");
    fprintf (file, "{\"publishers\": {\"%s\": [\"device.\"], \"%s\": [\"sale.\"]}}", publisher_key, suite_key);
    fclose (file);
    snprintf (acl_env, sizeof acl_env, "BUS_INGRESS_ACL=%s", acl);
    const char *bus_env [] = { acl_env, NULL };
    as_harness_start (harness, "busd", bus_env);
    //  Which client may call which of intake's methods: the suite anything,
    //  the sales system only reads.
    char rpc_acl [700], rpc_acl_env [720];
    snprintf (rpc_acl, sizeof rpc_acl, "%s/rpc_acl.json", dir);
    file = fopen (rpc_acl, "w");
    fprintf (file, "{\"clients\": {\"%s\": [\"*\"], \"%s\": [\"case.get\", \"case.list\"]}}", suite_key,
             publisher_key);
    fclose (file);
    snprintf (rpc_acl_env, sizeof rpc_acl_env, "AFTERSALES_RPC_ACL=%s", rpc_acl);
    const char *intake_env [] = { rpc_acl_env, NULL };
    as_harness_start (harness, "intaked", intake_env);

    //  The allowed publisher: applied, and recorded under its public key.
    snprintf (path, sizeof path, "%s/sales.cert_secret", dir);
    setenv ("AFTERSALES_CURVE_CLIENT_CERT", path, 1);
    AS_CHECK (s_publish ("SN-CURVE-1", "7d444840-9dc0-11d1-b245-5ffdce74fad2") == 1);
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.inbox WHERE publisher = '%s'", publisher_key);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);

    //  Its key may read cases but not change them; health is anyone's.
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_reply_t reply;
    as_harness_call (intake, "case.list", "{}", NULL, &reply);
    AS_CHECK (reply.ok && as_obj_get (reply.result, "cases")->via.array.size == 1);
    as_rpc_reply_release (&reply);
    as_harness_call (intake, "case.cancel", "{\"case_id\":1,\"reason\":\"not mine to cancel\"}", NULL, &reply);
    AS_CHECK (!reply.ok && reply.error.code == AS_PERMISSION_DENIED);
    AS_CHECK (strstr (reply.error.message, publisher_key) && strstr (reply.error.message, "case.cancel"));
    as_rpc_reply_release (&reply);
    as_harness_call (intake, "health", "{}", NULL, &reply);
    AS_CHECK (reply.ok);
    as_rpc_reply_release (&reply);
    as_rpc_client_destroy (&intake);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases WHERE status = 'cancelled'") == 0);
    //  A daemon whose ACL cannot be read does not start (no silent "allow all").
    as_harness_expect (harness, "AFTERSALES_RPC_ACL=/nonexistent/acl.json intaked 2>&1", 2, "AFTERSALES_RPC_ACL",
                       true);

    //  An admitted key that the ACL does not allow this type: refused.
    snprintf (path, sizeof path, "%s/suite.cert_secret", dir);
    setenv ("AFTERSALES_CURVE_CLIENT_CERT", path, 1);
    AS_CHECK (s_publish ("SN-CURVE-4", "7d444840-9dc0-11d1-b245-5ffdce74fad5") == 0);

    //  An unknown key, and a client without CURVE: no answer, nothing applied.
    snprintf (path, sizeof path, "%s/intruder.cert_secret", dir);
    setenv ("AFTERSALES_CURVE_CLIENT_CERT", path, 1);
    AS_CHECK (s_publish ("SN-CURVE-2", "7d444840-9dc0-11d1-b245-5ffdce74fad3") == -1);
    setenv ("AFTERSALES_CURVE", "0", 1);
    AS_CHECK (s_publish ("SN-CURVE-3", "7d444840-9dc0-11d1-b245-5ffdce74fad4") == -1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM intake.cases") == 1);

    //  The suite's own clients still work (the harness stops daemons via
    //  signals, but health proves the CLI path too).
    setenv ("AFTERSALES_CURVE", "1", 1);
    snprintf (path, sizeof path, "%s/suite.cert_secret", dir);
    setenv ("AFTERSALES_CURVE_CLIENT_CERT", path, 1);
    int status = 0;
    char *output = as_harness_run (harness, "intakectl list", &status);
    AS_CHECK (status == 0 && strstr (output, "SN-CURVE-1"));
    free (output);
    as_harness_destroy (&harness);
    printf ("curve: OK\n");
    return 0;
}
