/*  intakectl: the call-centre agent's command line for repair cases.
    Human tables by default (phone numbers masked), --json for scripts.
    Exit status: 0 success, 1 refused or no answer, 2 bad usage.           */
#include "as_catalog.h"
#include "as_config.h"
#include "as_msg.h"
#include "as_rpc.h"
#include <cjson/cJSON.h>
#include <czmq.h>
#include <string.h>

typedef struct {
    const char *flag;           //  "--name"
    const char *path;           //  where it goes in params: "customer.name"
    bool number;                //  integer or float in JSON
    bool required;
} s_option_t;

typedef struct {
    const char *name;
    const char *method;
    const char *usage;
    const char *help;
    const char *id_param;       //  positional case id goes here, or NULL
    const s_option_t *options;
} s_command_t;

static const s_option_t s_report_options [] = {
    { "--name", "customer.name", false, true }, { "--phone", "customer.phone", false, true },
    { "--address", "customer.address", false, true }, { "--email", "customer.email", false, false },
    { "--lat", "customer.location.lat", true, false }, { "--lon", "customer.location.lon", true, false },
    { "--category", "product.category", false, true }, { "--model", "product.model", false, true },
    { "--serial", "product.serial", false, true }, { "--purchased", "product.purchase_date", false, false },
    { "--proof", "product.proof.kind", false, false }, { "--proof-ref", "product.proof.reference", false, false },
    { "--retailer", "product.retailer", false, false }, { "--symptom", "symptom", false, true },
    { "--channel", "channel", false, true }, { "--priority", "priority", false, false },
    { "--fault-code", "fault_code", false, false }, { "--external-ref", "external_ref", false, false },
    { NULL, NULL, false, false }
};
static const s_option_t s_list_options [] = {
    { "--status", "status", false, false }, { "--channel", "channel", false, false },
    { "--category", "category", false, false }, { "--serial", "serial", false, false },
    { "--limit", "limit", true, false }, { "--after", "after_id", true, false },
    { NULL, NULL, false, false }
};
static const s_option_t s_triage_options [] = {
    { "--outcome", "outcome", false, true }, { "--note", "note", false, false },
    { "--priority", "priority", false, false }, { "--actor", "actor", false, false },
    { NULL, NULL, false, false }
};
static const s_option_t s_cancel_options [] = {
    { "--reason", "reason", false, true }, { "--actor", "actor", false, false },
    { NULL, NULL, false, false }
};
static const s_option_t s_escalate_options [] = {
    { "--reason", "reason", false, true }, { "--to", "to", false, false },
    { "--actor", "actor", false, false }, { NULL, NULL, false, false }
};
static const s_option_t s_no_options [] = { { NULL, NULL, false, false } };

static const s_command_t s_commands [] = {
    { "report", "case.report",
      "report --name N --phone P --address A --category C --model M --serial S\n"
      "         --symptom TEXT --channel phone|web|app|station|device\n"
      "         [--purchased YYYY-MM-DD] [--proof invoice|receipt|none] [--proof-ref R]\n"
      "         [--retailer R] [--email E] [--lat X --lon Y] [--priority low|normal|high|urgent]\n"
      "         [--fault-code F] [--external-ref R]",
      "record a fault report; a product with an open case gets it linked instead",
      NULL, s_report_options },
    { "show", "case.get", "show CASE_ID", "one case with its customer and product", "case_id", s_no_options },
    { "list", "case.list",
      "list [--status S] [--channel C] [--category C] [--serial S] [--limit N] [--after ID]",
      "cases, oldest first, a page at a time", NULL, s_list_options },
    { "triage", "case.triage",
      "triage CASE_ID --outcome fault_confirmed|solved_remotely [--note T] [--priority P]",
      "confirm the fault (the case waits for a visit) or close it as solved remotely",
      "case_id", s_triage_options },
    { "cancel", "case.cancel", "cancel CASE_ID --reason TEXT", "cancel an open case", "case_id", s_cancel_options },
    { "escalate", "case.escalate", "escalate CASE_ID --reason TEXT [--to head_office|other_department]",
      "hand a case up", "case_id", s_escalate_options },
    { "history", "case.history", "history CASE_ID", "every status change with actor and time",
      "case_id", s_no_options },
    { NULL, NULL, NULL, NULL, NULL, NULL }
};

static int
s_usage (FILE *out, int status)
{
    fprintf (out, "usage: intakectl [--json] [--timeout MS] [--key IDEMPOTENCY-KEY] COMMAND ...\n\ncommands:\n");
    for (const s_command_t *command = s_commands; command->name; command++)
        fprintf (out, "  %s\n      %s\n", command->usage, command->help);
    fprintf (out, "\n  --json     print the service's answer as JSON\n"
                  "  --key K    idempotency key (a retried command with the same key changes\n"
                  "             nothing twice; one is made up when not given)\n"
                  "intaked is reached at %s (AFTERSALES_PORT_BASE or\n"
                  "AFTERSALES_INTAKE_ENDPOINT). Phone numbers are masked in tables.\n"
                  "Exit status: 0 success, 1 refused or no answer, 2 bad usage.\n",
             as_endpoint ("intake"));
    return status;
}

//  Set a dotted path ("customer.location.lat") in a JSON object.
static void
s_set_path (cJSON *root, const char *path, cJSON *value)
{
    char buffer [128];
    snprintf (buffer, sizeof buffer, "%s", path);
    cJSON *node = root;
    char *part = buffer;
    for (char *dot = strchr (part, '.'); dot; part = dot + 1, dot = strchr (part, '.')) {
        *dot = 0;
        cJSON *child = cJSON_GetObjectItemCaseSensitive (node, part);
        if (!child)
            child = cJSON_AddObjectToObject (node, part);
        node = child;
    }
    cJSON_AddItemToObject (node, part, value);
}

//  Build the params from the command line. NULL + message on bad usage.
static cJSON *
s_params (const s_command_t *command, int argc, char *argv [], char *why, size_t why_size)
{
    cJSON *params = cJSON_CreateObject ();
    int arg = 0;
    if (command->id_param) {
        char *end = NULL;
        long long id = argc > 0 ? strtoll (argv [0], &end, 10) : 0;
        if (argc == 0 || !end || *end || id <= 0) {
            snprintf (why, why_size, "%s needs a case id (a positive number)", command->name);
            cJSON_Delete (params);
            return NULL;
        }
        cJSON_AddNumberToObject (params, command->id_param, (double) id);
        arg = 1;
    }
    for (; arg < argc; arg += 2) {
        const s_option_t *option = command->options;
        while (option->flag && strcmp (option->flag, argv [arg]) != 0)
            option++;
        if (!option->flag || arg + 1 >= argc) {
            snprintf (why, why_size, option->flag ? "%s needs a value" : "unknown option %s for %s",
                      argv [arg], command->name);
            cJSON_Delete (params);
            return NULL;
        }
        char *end = NULL;
        double number = option->number ? strtod (argv [arg + 1], &end) : 0;
        if (option->number && (!end || *end)) {
            snprintf (why, why_size, "%s must be a number", option->flag);
            cJSON_Delete (params);
            return NULL;
        }
        s_set_path (params, option->path, option->number ? cJSON_CreateNumber (number)
                                                           : cJSON_CreateString (argv [arg + 1]));
    }
    for (const s_option_t *option = command->options; option->flag; option++) {
        bool given = false;
        for (int index = 0; index < argc; index++)
            given |= strcmp (argv [index], option->flag) == 0;
        if (option->required && !given) {
            snprintf (why, why_size, "%s is required for %s", option->flag, command->name);
            cJSON_Delete (params);
            return NULL;
        }
    }
    return params;
}

//  138****8000: enough to recognise, not enough to call.
static void
s_mask_phone (const char *phone, char *out, size_t size)
{
    size_t length = strlen (phone);
    if (length < 7) {
        snprintf (out, size, "****");
        return;
    }
    snprintf (out, size, "%.3s****%s", phone, phone + length - 4);
}

static const char *
s_text (const msgpack_object *map, const char *key, char *buffer, size_t size)
{
    const msgpack_object *value = as_obj_get (map, key);
    buffer [0] = 0;
    if (value && value->type == MSGPACK_OBJECT_STR)
        snprintf (buffer, size, "%.*s", (int) value->via.str.size, value->via.str.ptr);
    else
    if (value && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        snprintf (buffer, size, "%llu", (unsigned long long) value->via.u64);
    else
        snprintf (buffer, size, "-");
    return buffer;
}

static void
s_print_case (const msgpack_object *item)
{
    static const char *fields [] = { "case_id", "status", "channel", "priority", "symptom", "fault_code",
        "reported_at", "updated_at", "first_contact_due", "linked_reports", "cancel_reason",
        "escalation_reason", "escalated_to", NULL };
    char value [2048], masked [40];
    for (const char **field = fields; *field; field++)
        if (as_obj_get (item, *field))
            printf ("%-18s %s\n", *field, s_text (item, *field, value, sizeof value));
    const msgpack_object *customer = as_obj_get (item, "customer");
    s_mask_phone (s_text (customer, "phone", value, sizeof value), masked, sizeof masked);
    printf ("%-18s %s, %s\n", "customer", s_text (customer, "customer_id", value, sizeof value), masked);
    const msgpack_object *product = as_obj_get (item, "product");
    char category [64], model [80], serial [80], purchased [16];
    printf ("%-18s %s %s serial %s, purchased %s\n", "product",
            s_text (product, "category", category, sizeof category), s_text (product, "model", model, sizeof model),
            s_text (product, "serial", serial, sizeof serial),
            s_text (product, "purchase_date", purchased, sizeof purchased));
}

static void
s_print_list (const msgpack_object *result)
{
    const msgpack_object *cases = as_obj_get (result, "cases");
    printf ("%-8s %-18s %-8s %-8s %-16s %-12s %-14s %-12s %s\n", "CASE", "STATUS", "CHANNEL", "PRIORITY",
            "CATEGORY", "MODEL", "SERIAL", "PHONE", "REPORTED");
    for (uint32_t index = 0; cases && index < cases->via.array.size; index++) {
        const msgpack_object *item = &cases->via.array.ptr [index];
        const msgpack_object *customer = as_obj_get (item, "customer");
        const msgpack_object *product = as_obj_get (item, "product");
        char id [24], status [32], channel [16], priority [16], category [40], model [80], serial [80],
             phone [40], masked [40], reported [40];
        s_mask_phone (s_text (customer, "phone", phone, sizeof phone), masked, sizeof masked);
        printf ("%-8s %-18s %-8s %-8s %-16s %-12s %-14s %-12s %s\n", s_text (item, "case_id", id, sizeof id),
                s_text (item, "status", status, sizeof status), s_text (item, "channel", channel, sizeof channel),
                s_text (item, "priority", priority, sizeof priority),
                s_text (product, "category", category, sizeof category), s_text (product, "model", model, sizeof model),
                s_text (product, "serial", serial, sizeof serial), masked,
                s_text (item, "reported_at", reported, sizeof reported));
    }
    char next [24];
    if (as_obj_get (result, "next_after_id") && as_obj_get (result, "next_after_id")->type != MSGPACK_OBJECT_NIL)
        printf ("more: intakectl list --after %s\n", s_text (result, "next_after_id", next, sizeof next));
}

static void
s_print_history (const msgpack_object *result)
{
    const msgpack_object *entries = as_obj_get (result, "entries");
    printf ("%-25s %-18s %-18s %-20s %s\n", "AT", "FROM", "TO", "ACTOR", "NOTE");
    for (uint32_t index = 0; entries && index < entries->via.array.size; index++) {
        const msgpack_object *entry = &entries->via.array.ptr [index];
        char at [40], from [32], to [32], actor [128], note [2048];
        printf ("%-25s %-18s %-18s %-20s %s\n", s_text (entry, "at", at, sizeof at),
                s_text (entry, "from_status", from, sizeof from), s_text (entry, "to_status", to, sizeof to),
                s_text (entry, "actor", actor, sizeof actor), s_text (entry, "note", note, sizeof note));
    }
}

static void
s_print_human (const s_command_t *command, const msgpack_object *result)
{
    char id [24], status [32], customer [24], product [24];
    if (!strcmp (command->name, "report")) {
        bool linked = false;
        as_obj_bool (result, "linked", &linked);
        if (linked)
            printf ("case %s: report linked to this open case (status %s)\n",
                    s_text (result, "case_id", id, sizeof id), s_text (result, "status", status, sizeof status));
        else
            printf ("case %s: %s (customer %s, product %s)\n", s_text (result, "case_id", id, sizeof id),
                    s_text (result, "status", status, sizeof status),
                    s_text (result, "customer_id", customer, sizeof customer),
                    s_text (result, "product_id", product, sizeof product));
    }
    else
    if (!strcmp (command->name, "list"))
        s_print_list (result);
    else
    if (!strcmp (command->name, "history"))
        s_print_history (result);
    else
        s_print_case (as_obj_get (result, "case"));
}

int
main (int argc, char *argv [])
{
    bool json = false;
    const char *key = NULL;
    int timeout = 3000, arg = 1;
    for (; arg < argc && argv [arg][0] == '-'; arg++) {
        if (!strcmp (argv [arg], "--json"))
            json = true;
        else
        if (!strcmp (argv [arg], "--help") || !strcmp (argv [arg], "-h"))
            return s_usage (stdout, 0);
        else
        if (!strcmp (argv [arg], "--key") && arg + 1 < argc)
            key = argv [++arg];
        else
        if (!strcmp (argv [arg], "--timeout") && arg + 1 < argc)
            timeout = atoi (argv [++arg]);
        else
            break;
    }
    if (arg >= argc)
        return s_usage (stderr, 2);
    const s_command_t *command = s_commands;
    while (command->name && strcmp (command->name, argv [arg]) != 0)
        command++;
    if (!command->name) {
        fprintf (stderr, "intakectl: unknown command '%s' (try --help)\n", argv [arg]);
        return 2;
    }
    //  Options may also follow the command: pull the global ones out.
    char *rest [256];
    int rest_count = 0;
    for (int index = arg + 1; index < argc && rest_count < 256; index++) {
        if (!strcmp (argv [index], "--help") || !strcmp (argv [index], "-h")) {
            printf ("usage: intakectl %s\n  %s\n", command->usage, command->help);
            return 0;
        }
        if (!strcmp (argv [index], "--json"))
            json = true;
        else
        if (!strcmp (argv [index], "--key") && index + 1 < argc)
            key = argv [++index];
        else
        if (!strcmp (argv [index], "--timeout") && index + 1 < argc)
            timeout = atoi (argv [++index]);
        else
            rest [rest_count++] = argv [index];
    }
    char why [256];
    cJSON *params = s_params (command, rest_count, rest, why, sizeof why);
    if (!params) {
        fprintf (stderr, "intakectl: %s\n", why);
        return 2;
    }
    char *params_json = cJSON_PrintUnformatted (params);
    cJSON_Delete (params);
    zsys_init ();
    as_catalog_load ();
    as_rpc_client_t *client = as_rpc_client_new (as_endpoint ("intake"));
    as_rpc_client_set_timeout (client, timeout > 0 ? timeout : 3000, 2);
    as_rpc_client_set_principal (client, getenv ("USER") ? getenv ("USER") : "intakectl");
    as_rpc_reply_t reply;
    as_error_t err;
    int status = 1;
    if (as_rpc_client_call_json (client, command->method, params_json, key, &reply, &err)) {
        fprintf (stderr, "intakectl: %s\n", err.message);
    }
    else {
        if (!reply.ok)
            fprintf (stderr, "intakectl: %s: %s\n", as_code_name (reply.error.code), reply.error.message);
        else
        if (json) {
            char *text = as_obj_to_json (reply.result, true);
            printf ("%s\n", text);
            free (text);
        }
        else
            s_print_human (command, reply.result);
        status = reply.ok ? 0 : 1;
        as_rpc_reply_release (&reply);
    }
    free (params_json);
    as_rpc_client_destroy (&client);
    return status;
}
