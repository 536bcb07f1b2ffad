/*  busctl: the operator's tool for the bus and for any service's RPC.

    busctl tail [TYPE-PREFIX]          print live events as JSON lines
    busctl publish --type T --data JSON [--subject S] [--source S] [--id UUID]
                                       publish through the ingress as an
                                       outside system would; waits for the ack
    busctl call SERVICE METHOD [JSON]  call any RPC method, print the result
    busctl keygen NAME DIR             make a CurveZMQ certificate pair     */
#include "as_catalog.h"
#include "as_config.h"
#include "as_curve.h"
#include "as_event.h"
#include "as_msg.h"
#include "as_rpc.h"
#include <czmq.h>
#include <string.h>

static int
s_usage (FILE *out, int status)
{
    fprintf (out,
        "usage: busctl COMMAND ...\n\n"
        "  tail [TYPE-PREFIX] [--count N]\n"
        "        print live events from the bus as JSON lines (all types when no\n"
        "        prefix; stop after N events)\n"
        "  publish --type TYPE --data JSON [--subject S] [--source S] [--id UUID]\n"
        "          [--publisher NAME] [--timeout MS]\n"
        "        publish an event through the ingress as another company system\n"
        "        would; prints the owner's acknowledgement; the same --id twice is\n"
        "        acknowledged twice and applied once\n"
        "  call SERVICE METHOD [PARAMS-JSON] [--key IDEMPOTENCY-KEY] [--timeout MS]\n"
        "        call an RPC method of a service (intake, dispatch, inventory,\n"
        "        billing, survey, or bus for the ingress) and print the result\n"
        "  keygen NAME DIR\n"
        "        write a CurveZMQ certificate DIR/NAME.cert (public) and\n"
        "        DIR/NAME.cert_secret\n\n"
        "Endpoints follow AFTERSALES_PORT_BASE / AFTERSALES_<NAME>_ENDPOINT as for\n"
        "the daemons. Exit status: 0 success, 1 the service refused or did not\n"
        "answer, 2 bad usage.\n");
    return status;
}

static const char *
s_option (int argc, char *argv [], const char *name)
{
    for (int arg = 0; arg + 1 < argc; arg++)
        if (strcmp (argv [arg], name) == 0)
            return argv [arg + 1];
    return NULL;
}

//  Print a reply: the result as JSON on stdout, or the error on stderr.
static int
s_print_reply (const as_rpc_reply_t *reply)
{
    if (reply->ok) {
        char *json = as_obj_to_json (reply->result, true);
        printf ("%s\n", json ? json : "null");
        free (json);
        return 0;
    }
    fprintf (stderr, "busctl: %s: %s%s%s\n", as_code_name (reply->error.code), reply->error.message,
             reply->error.detail [0] ? " - " : "", reply->error.detail);
    return 1;
}

static int
s_call (int argc, char *argv [])
{
    if (argc < 2)
        return s_usage (stderr, 2);
    const char *service = argv [0];
    const char *endpoint = as_endpoint (strcmp (service, "bus") == 0 ? "bus_ingress" : service);
    if (!endpoint) {
        fprintf (stderr, "busctl: unknown service '%s'\n", service);
        return 2;
    }
    const char *params = argc > 2 && argv [2][0] != '-' ? argv [2] : "{}";
    const char *timeout = s_option (argc, argv, "--timeout");
    as_rpc_client_t *client = as_rpc_client_new (endpoint);
    as_rpc_client_set_timeout (client, timeout ? atoi (timeout) : 3000, 1);
    as_rpc_reply_t reply;
    as_error_t err;
    int status = 1;
    if (as_rpc_client_call_json (client, argv [1], params, s_option (argc, argv, "--key"), &reply, &err) == 0) {
        status = s_print_reply (&reply);
        as_rpc_reply_release (&reply);
    }
    else
        fprintf (stderr, "busctl: %s\n", err.message);
    as_rpc_client_destroy (&client);
    return status;
}

static int
s_publish (int argc, char *argv [])
{
    const char *type = s_option (argc, argv, "--type");
    const char *data_json = s_option (argc, argv, "--data");
    if (!type || !data_json) {
        fprintf (stderr, "busctl publish: --type and --data are required\n");
        return 2;
    }
    as_error_t err;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    if (as_json_to_msgpack (data_json, &data, &err)) {
        fprintf (stderr, "busctl publish: --data: %s\n", err.message);
        msgpack_sbuffer_destroy (&data);
        return 2;
    }
    const char *source = s_option (argc, argv, "--source");
    const char *subject = s_option (argc, argv, "--subject");
    as_event_t *event = as_event_new (source ? source : "busctl", type, subject ? subject : type,
                                      data.data, data.size, NULL);
    msgpack_sbuffer_destroy (&data);
    const char *id = s_option (argc, argv, "--id");
    if (id) {
        if (!as_uuid_valid (id)) {
            fprintf (stderr, "busctl publish: --id must be a UUID\n");
            as_event_destroy (&event);
            return 2;
        }
        snprintf (event->id, sizeof event->id, "%s", id);
    }
    msgpack_sbuffer envelope;
    msgpack_sbuffer_init (&envelope);
    as_event_encode (event, &envelope);
    msgpack_sbuffer params;
    msgpack_sbuffer_init (&params);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &params, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    as_pack_kv_bin (&packer, "event", envelope.data, envelope.size);

    const char *timeout = s_option (argc, argv, "--timeout");
    as_rpc_client_t *client = as_rpc_client_new (as_endpoint ("bus_ingress"));
    as_rpc_client_set_timeout (client, timeout ? atoi (timeout) : 3000, 3);
    as_rpc_client_set_principal (client, s_option (argc, argv, "--publisher"));
    as_rpc_reply_t reply;
    int status = 1;
    //  A retry carries the same event id, which the owner's inbox knows.
    if (as_rpc_client_call (client, "events.publish", params.data, params.size, NULL, &reply, &err) == 0) {
        status = s_print_reply (&reply);
        as_rpc_reply_release (&reply);
    }
    else
        fprintf (stderr, "busctl publish: %s\n", err.message);
    as_rpc_client_destroy (&client);
    msgpack_sbuffer_destroy (&params);
    msgpack_sbuffer_destroy (&envelope);
    as_event_destroy (&event);
    return status;
}

static int
s_tail (int argc, char *argv [])
{
    const char *prefix = argc > 0 && argv [0][0] != '-' ? argv [0] : "";
    const char *count_text = s_option (argc, argv, "--count");
    long count = count_text ? atol (count_text) : -1;
    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_maxmsgsize (sub, AS_MSG_MAX_FRAME);
    if (as_curve_client (sub, as_endpoint ("bus_sub")) || zsock_connect (sub, "%s", as_endpoint ("bus_sub"))) {
        fprintf (stderr, "busctl tail: cannot connect to %s\n", as_endpoint ("bus_sub"));
        zsock_destroy (&sub);
        return 1;
    }
    zsock_set_subscribe (sub, prefix);
    while (count != 0 && !zsys_interrupted) {
        zmsg_t *msg = zmsg_recv (sub);
        if (!msg)
            break;
        zframe_t *payload = zmsg_last (msg);
        as_error_t err;
        as_event_t *event = payload ? as_event_decode (zframe_data (payload), zframe_size (payload), false, &err) : NULL;
        as_msg_t *data = event ? as_event_data (event, &err) : NULL;
        if (data) {
            char *json = as_obj_to_json (as_msg_root (data), false);
            printf ("{\"type\":\"%s\",\"source\":\"%s\",\"sequence\":%llu,\"subject\":\"%s\",\"time\":\"%s\",\"id\":\"%s\",\"data\":%s}\n",
                    event->type, event->source, (unsigned long long) event->sequence, event->subject,
                    event->time, event->id, json ? json : "null");
            fflush (stdout);
            free (json);
            count--;
        }
        else
            fprintf (stderr, "busctl tail: skipped a malformed event\n");
        as_msg_destroy (&data);
        as_event_destroy (&event);
        zmsg_destroy (&msg);
    }
    zsock_destroy (&sub);
    return 0;
}

static int
s_keygen (int argc, char *argv [])
{
    if (argc < 2)
        return s_usage (stderr, 2);
    zcert_t *cert = zcert_new ();
    zcert_set_meta (cert, "name", "%s", argv [0]);
    char path [1024];
    snprintf (path, sizeof path, "%s/%s.cert", argv [1], argv [0]);
    int rc = zcert_save (cert, path);
    zcert_destroy (&cert);
    if (rc) {
        fprintf (stderr, "busctl keygen: cannot write %s\n", path);
        return 1;
    }
    printf ("%s\n%s_secret\n", path, path);
    return 0;
}

int
main (int argc, char *argv [])
{
    if (argc < 2 || !strcmp (argv [1], "--help") || !strcmp (argv [1], "-h") || !strcmp (argv [1], "help"))
        return s_usage (argc < 2 ? stderr : stdout, argc < 2 ? 2 : 0);
    for (int arg = 2; arg < argc; arg++)
        if (!strcmp (argv [arg], "--help"))
            return s_usage (stdout, 0);
    zsys_init ();
    zsys_set_logstream (NULL);
    if (as_catalog_load ()) {
        fprintf (stderr, "busctl: the embedded catalogue does not parse\n");
        return 1;
    }
    const char *command = argv [1];
    if (!strcmp (command, "call"))
        return s_call (argc - 2, argv + 2);
    if (!strcmp (command, "publish"))
        return s_publish (argc - 2, argv + 2);
    if (!strcmp (command, "tail"))
        return s_tail (argc - 2, argv + 2);
    if (!strcmp (command, "keygen"))
        return s_keygen (argc - 2, argv + 2);
    fprintf (stderr, "busctl: unknown command '%s' (try --help)\n", command);
    return 2;
}
