/*  busctl: the operator's tool for the bus and for any service's RPC.

    busctl tail [TYPE-PREFIX]          print live events as JSON lines
    busctl publish --type T --data JSON [--subject S] [--source S] [--id UUID]
                                       publish through the ingress as an
                                       outside system would; waits for the ack
    busctl call SERVICE METHOD [JSON]  call any RPC method, print the result
    busctl keygen NAME DIR             make a CurveZMQ certificate pair

    Arguments are checked as as_cli checks the services' CLIs: unknown
    options, missing arguments and values that are not what they say are
    bad usage (exit 2), and so is a service's invalid_argument.          */
#include "as_catalog.h"
#include "as_cli.h"
#include "as_config.h"
#include "as_curve.h"
#include "as_event.h"
#include "as_msg.h"
#include "as_rpc.h"
#include <czmq.h>
#include <limits.h>
#include <string.h>

#define S_TIMEOUT_MS       3000     //  the first attempt; each retry waits twice as long
#define S_CALL_RETRIES     1
#define S_PUBLISH_RETRIES  3        //  safe: a retry carries the same event id

static int
s_usage (FILE *out, int status)
{
    fprintf (out,
        "usage: busctl COMMAND ...\n"
        "       busctl help\n\n"
        "  tail [TYPE-PREFIX] [--count N]\n"
        "        print live events from the bus as JSON lines (all types when no\n"
        "        prefix; stop after N events, N a whole number from 1)\n"
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
        "  --timeout MS  ms to wait for the first attempt (default %d, 1..%d); each\n"
        "        retry waits twice as long as the attempt before: call retries once\n"
        "        (%lld s in all at worst by default), publish three times (%lld s)\n\n"
        "Endpoints follow AFTERSALES_PORT_BASE / AFTERSALES_<NAME>_ENDPOINT as for\n"
        "the daemons. Exit status: 0 success; 1 the service refused or did not\n"
        "answer; 2 bad usage, also when the service refuses the arguments\n"
        "(invalid_argument).\n",
        S_TIMEOUT_MS, AS_CLI_TIMEOUT_MAX, (long long) as_rpc_worst_case_ms (S_TIMEOUT_MS, S_CALL_RETRIES) / 1000,
        (long long) as_rpc_worst_case_ms (S_TIMEOUT_MS, S_PUBLISH_RETRIES) / 1000);
    return status;
}

//  A command's arguments: its positionals in order, and its options.
#define S_ARGS_MAX 16
typedef struct {
    const char *positional [S_ARGS_MAX];
    int positionals;
    const char *flag [S_ARGS_MAX];
    const char *value [S_ARGS_MAX];
    int options;
} s_args_t;

//  Sort the arguments of `command` into positionals (at most
//  positional_max) and the options in flags (each takes a value); anything
//  else is refused in one line. 0, or -1 for bad usage.
static int
s_parse (const char *command, int argc, char *argv [], const char *const *flags, int positional_max, s_args_t *args)
{
    memset (args, 0, sizeof *args);
    for (int arg = 0; arg < argc; arg++) {
        const char *word = argv [arg];
        if (word [0] == '-' && word [1]) {
            const char *const *flag = flags;
            while (*flag && strcmp (*flag, word))
                flag++;
            if (!*flag) {
                fprintf (stderr, "busctl %s: unknown option %s (try --help)\n", command, word);
                return -1;
            }
            if (arg + 1 >= argc) {
                fprintf (stderr, "busctl %s: %s needs a value\n", command, word);
                return -1;
            }
            if (args->options == S_ARGS_MAX) {
                fprintf (stderr, "busctl %s: too many options\n", command);
                return -1;
            }
            args->flag [args->options] = word;
            args->value [args->options++] = argv [++arg];
        }
        else
        if (args->positionals < positional_max)
            args->positional [args->positionals++] = word;
        else {
            fprintf (stderr, "busctl %s: unexpected argument '%s' (try --help)\n", command, word);
            return -1;
        }
    }
    return 0;
}

//  The value of an option (the last one given), or NULL.
static const char *
s_value (const s_args_t *args, const char *flag)
{
    for (int index = args->options - 1; index >= 0; index--)
        if (strcmp (args->flag [index], flag) == 0)
            return args->value [index];
    return NULL;
}

//  --timeout MS, or the default; -1 after saying why.
static int
s_timeout (const char *command, const s_args_t *args)
{
    const char *text = s_value (args, "--timeout");
    int timeout = S_TIMEOUT_MS;
    char why [256];
    if (text && as_cli_parse_timeout (text, &timeout, why, sizeof why)) {
        fprintf (stderr, "busctl %s: %s\n", command, why);
        return -1;
    }
    return timeout;
}

//  Print a reply: the result as JSON on stdout, or the refusal on stderr.
static int
s_print_reply (const as_rpc_reply_t *reply)
{
    if (reply->ok) {
        char *json = as_obj_to_json (reply->result, true);
        printf ("%s\n", json ? json : "null");
        free (json);
    }
    return as_cli_refusal ("busctl", reply);
}

static int
s_call (int argc, char *argv [])
{
    static const char *const flags [] = { "--key", "--timeout", NULL };
    s_args_t args;
    if (s_parse ("call", argc, argv, flags, 3, &args))
        return 2;
    if (args.positionals < 2) {
        fprintf (stderr, "busctl call: %s is missing (e.g. busctl call intake health)\n",
                 args.positionals ? "METHOD" : "SERVICE METHOD");
        return 2;
    }
    int timeout = s_timeout ("call", &args);
    if (timeout < 0)
        return 2;
    const char *service = args.positional [0], *method = args.positional [1];
    as_error_t err;
    msgpack_sbuffer params;
    msgpack_sbuffer_init (&params);
    if (as_json_to_msgpack (args.positionals > 2 ? args.positional [2] : "{}", &params, &err)) {
        fprintf (stderr, "busctl call: PARAMS-JSON: %s\n", err.message);
        msgpack_sbuffer_destroy (&params);
        return 2;
    }
    int status = 1;
    as_rpc_client_t *client = as_cli_client ("busctl", strcmp (service, "bus") == 0 ? "bus_ingress" : service,
                                             timeout, S_CALL_RETRIES, &status);
    as_rpc_reply_t reply;
    if (client
    &&  as_rpc_client_call (client, method, params.data, params.size, s_value (&args, "--key"), &reply, &err) == 0) {
        status = s_print_reply (&reply);
        as_rpc_reply_release (&reply);
    }
    else
    if (client)
        fprintf (stderr, "busctl: %s\n", err.message);
    as_rpc_client_destroy (&client);
    msgpack_sbuffer_destroy (&params);
    return status;
}

//  The event the publish options describe, or NULL after saying why.
static as_event_t *
s_publish_event (const s_args_t *args)
{
    const char *type = s_value (args, "--type"), *data_json = s_value (args, "--data");
    if (!type || !data_json) {
        fprintf (stderr, "busctl publish: --type and --data are required\n");
        return NULL;
    }
    const char *id = s_value (args, "--id");
    if (id && !as_uuid_valid (id)) {
        fprintf (stderr, "busctl publish: --id must be a UUID\n");
        return NULL;
    }
    as_error_t err;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    if (as_json_to_msgpack (data_json, &data, &err)) {
        fprintf (stderr, "busctl publish: --data: %s\n", err.message);
        msgpack_sbuffer_destroy (&data);
        return NULL;
    }
    const char *source = s_value (args, "--source"), *subject = s_value (args, "--subject");
    as_event_t *event = as_event_new (source ? source : "busctl", type, subject ? subject : type,
                                      data.data, data.size, NULL);
    msgpack_sbuffer_destroy (&data);
    if (id)
        snprintf (event->id, sizeof event->id, "%s", id);
    return event;
}

static int
s_publish (int argc, char *argv [])
{
    static const char *const flags [] = { "--type", "--data", "--subject", "--source", "--id", "--publisher",
                                          "--timeout", NULL };
    s_args_t args;
    if (s_parse ("publish", argc, argv, flags, 0, &args))
        return 2;
    int timeout = s_timeout ("publish", &args);
    as_event_t *event = timeout > 0 ? s_publish_event (&args) : NULL;
    if (!event)
        return 2;
    msgpack_sbuffer envelope;
    msgpack_sbuffer_init (&envelope);
    as_event_encode (event, &envelope);
    msgpack_sbuffer params;
    msgpack_sbuffer_init (&params);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &params, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    as_pack_kv_bin (&packer, "event", envelope.data, envelope.size);

    int status = 1;
    as_rpc_client_t *client = as_cli_client ("busctl", "bus_ingress", timeout, S_PUBLISH_RETRIES, &status);
    if (client)
        as_rpc_client_set_principal (client, s_value (&args, "--publisher"));
    as_rpc_reply_t reply;
    as_error_t err;
    //  A retry carries the same event id, which the owner's inbox knows.
    if (client
    &&  as_rpc_client_call (client, "events.publish", params.data, params.size, NULL, &reply, &err) == 0) {
        status = s_print_reply (&reply);
        as_rpc_reply_release (&reply);
    }
    else
    if (client)
        fprintf (stderr, "busctl publish: %s\n", err.message);
    as_rpc_client_destroy (&client);
    msgpack_sbuffer_destroy (&params);
    msgpack_sbuffer_destroy (&envelope);
    as_event_destroy (&event);
    return status;
}

//  One live event as a JSON line on stdout; false when it is malformed.
static bool
s_print_event (zmsg_t *msg)
{
    zframe_t *payload = zmsg_last (msg);
    as_error_t err;
    as_event_t *event = payload ? as_event_decode (zframe_data (payload), zframe_size (payload), false, &err) : NULL;
    as_msg_t *data = event ? as_event_data (event, &err) : NULL;
    bool printed = data != NULL;
    if (data) {
        char *json = as_obj_to_json (as_msg_root (data), false);
        printf ("{\"type\":\"%s\",\"source\":\"%s\",\"sequence\":%llu,\"subject\":\"%s\",\"time\":\"%s\",\"id\":\"%s\",\"data\":%s}\n",
                event->type, event->source, (unsigned long long) event->sequence, event->subject,
                event->time, event->id, json ? json : "null");
        fflush (stdout);
        free (json);
    }
    as_msg_destroy (&data);
    as_event_destroy (&event);
    return printed;
}

static int
s_tail (int argc, char *argv [])
{
    static const char *const flags [] = { "--count", NULL };
    s_args_t args;
    if (s_parse ("tail", argc, argv, flags, 1, &args))
        return 2;
    const char *prefix = args.positionals ? args.positional [0] : "";
    const char *count_text = s_value (&args, "--count");
    long long count = -1;
    char why [256];
    if (count_text && as_cli_parse_int ("--count", count_text, 1, LLONG_MAX, &count, why, sizeof why)) {
        fprintf (stderr, "busctl tail: %s\n", why);
        return 2;
    }
    const char *endpoint = as_cli_endpoint ("bus_sub", why, sizeof why);
    if (!endpoint) {
        fprintf (stderr, "busctl tail: %s\n", why);
        return 2;
    }
    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_maxmsgsize (sub, AS_MSG_MAX_FRAME);
    const char *failure = as_curve_client (sub, endpoint) ? "no CurveZMQ client keys"
                        : zsock_connect (sub, "%s", endpoint) ? zmq_strerror (zmq_errno ()) : NULL;
    if (failure) {
        fprintf (stderr, "busctl tail: cannot connect to %s: %s\n", endpoint, failure);
        zsock_destroy (&sub);
        return 1;
    }
    zsock_set_subscribe (sub, prefix);
    while (count != 0 && !zsys_interrupted) {
        zmsg_t *msg = zmsg_recv (sub);
        if (!msg)
            break;
        if (s_print_event (msg))
            count--;
        else
            fprintf (stderr, "busctl tail: skipped a malformed event\n");
        zmsg_destroy (&msg);
    }
    zsock_destroy (&sub);
    return 0;
}

static int
s_keygen (int argc, char *argv [])
{
    static const char *const flags [] = { NULL };
    s_args_t args;
    if (s_parse ("keygen", argc, argv, flags, 2, &args))
        return 2;
    if (args.positionals < 2) {
        fprintf (stderr, "busctl keygen: %s is missing\n", args.positionals ? "DIR" : "NAME DIR");
        return 2;
    }
    zcert_t *cert = zcert_new ();
    zcert_set_meta (cert, "name", "%s", args.positional [0]);
    char path [1024];
    snprintf (path, sizeof path, "%s/%s.cert", args.positional [1], args.positional [0]);
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
        if (!strcmp (argv [arg], "--help") || !strcmp (argv [arg], "-h"))
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
