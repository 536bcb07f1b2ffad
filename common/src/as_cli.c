/*  as_cli: option tables to RPC params, the call, and the printing.        */
#include "as_cli.h"
#include "as_catalog.h"
#include "as_config.h"
#include "as_file.h"
#include "as_msg.h"
#include "as_rpc.h"
#include "as_test.h"
#include <cjson/cJSON.h>
#include <ctype.h>
#include <czmq.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int
s_usage (const as_cli_t *cli, FILE *out, int status)
{
    char upper [64];
    size_t length = 0;
    for (; cli->service [length] && length + 1 < sizeof upper; length++)
        upper [length] = (char) toupper ((unsigned char) cli->service [length]);
    upper [length] = 0;
    fprintf (out, "%s: %s\n\nusage: %s [--json] [--timeout MS] [--key IDEMPOTENCY-KEY] COMMAND ...\n\ncommands:\n",
             cli->program, cli->summary, cli->program);
    for (const as_cli_command_t *command = cli->commands; command->name; command++)
        fprintf (out, "  %s %s\n      %s\n", command->name, command->usage, command->help);
    fprintf (out, "\n  --json     print the service's answer as JSON (for scripts)\n"
                  "  --key K    idempotency key: a retried command with the same key changes\n"
                  "             nothing twice (one is made up when not given)\n"
                  "  --timeout  ms to wait for each attempt (default 3000, two retries)\n\n"
                  "The service is reached at %s (AFTERSALES_PORT_BASE or\n"
                  "AFTERSALES_%s_ENDPOINT). Phone numbers are masked in tables.\n"
                  "Exit status: 0 success, 1 refused or no answer, 2 bad usage.\n",
             as_endpoint (cli->service), upper);
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
    cJSON_DeleteItemFromObjectCaseSensitive (node, part);
    cJSON_AddItemToObject (node, part, value);
}

//  The value at a dotted path, or NULL.
static cJSON *
s_get_path (cJSON *root, const char *path)
{
    char buffer [128];
    snprintf (buffer, sizeof buffer, "%s", path);
    cJSON *node = root;
    for (char *save = NULL, *part = strtok_r (buffer, ".", &save); node && part; part = strtok_r (NULL, ".", &save))
        node = cJSON_GetObjectItemCaseSensitive (node, part);
    return node;
}

//  The first option from this one on that has this flag, or NULL.
static const as_cli_option_t *
s_option (const as_cli_option_t *option, const char *flag)
{
    while (option && option->flag && (!*option->flag || strcmp (option->flag, flag) != 0))
        option++;
    return option && option->flag ? option : NULL;
}

#define S_FILE_MAX (8 * 1024 * 1024)

//  A file's text as a JSON string; NULL when it cannot be read.
static cJSON *
s_file_text (const char *path)
{
    char *text = as_file_read (path, S_FILE_MAX, NULL);
    cJSON *value = text ? cJSON_CreateString (text) : NULL;
    free (text);
    return value;
}

//  One value as JSON, or NULL when it does not fit its kind.
static cJSON *
s_value (as_cli_kind_t kind, const char *text)
{
    char *end = NULL;
    switch (kind) {
        case AS_CLI_NUMBER: {
            double number = strtod (text, &end);
            return end && end != text && !*end ? cJSON_CreateNumber (number) : NULL;
        }
        case AS_CLI_BOOL:
            if (!strcasecmp (text, "true") || !strcasecmp (text, "yes") || !strcmp (text, "1"))
                return cJSON_CreateTrue ();
            if (!strcasecmp (text, "false") || !strcasecmp (text, "no") || !strcmp (text, "0"))
                return cJSON_CreateFalse ();
            return NULL;
        case AS_CLI_JSON:
            return cJSON_Parse (text);
        case AS_CLI_FILE:
            return s_file_text (text);
        case AS_CLI_FLAG:
            return cJSON_CreateTrue ();
        default:
            return cJSON_CreateString (text);
    }
}

static cJSON *
s_fail (cJSON *params, char *why, size_t why_size, const char *format, const char *a, const char *b)
{
    snprintf (why, why_size, format, a, b);
    cJSON_Delete (params);
    return NULL;
}

//  Build the params from the command's arguments; NULL + why on bad usage.
static cJSON *
s_params (const as_cli_command_t *command, int argc, char *argv [], char *why, size_t why_size)
{
    cJSON *params = cJSON_CreateObject ();
    int arg = 0;
    if (command->id_param) {
        char *end = NULL;
        long long id = argc > 0 ? strtoll (argv [0], &end, 10) : 0;
        if (argc == 0 || !end || *end || id <= 0)
            return s_fail (params, why, why_size, "%s needs an id (a positive number)%s", command->name, "");
        cJSON_AddNumberToObject (params, command->id_param, (double) id);
        arg = 1;
    }
    const as_cli_option_t *positional = command->options;
    while (positional && positional->flag && *positional->flag)
        positional++;
    if (!command->id_param && positional && positional->flag && argc > 0 && argv [0][0] != '-') {
        cJSON *value = s_value (positional->kind, argv [0]);
        if (!value)
            return s_fail (params, why, why_size, "%s: '%s' cannot be used (no such file, or not valid)",
                           command->name, argv [0]);
        s_set_path (params, positional->path, value);
        arg = 1;
    }
    while (arg < argc) {
        const as_cli_option_t *option = s_option (command->options, argv [arg]);
        if (!option)
            return s_fail (params, why, why_size, "unknown option %s for %s", argv [arg], command->name);
        //  A flag may be given an explicit true/false ("--late no").
        bool flag = option->kind == AS_CLI_FLAG;
        cJSON *stated = flag && arg + 1 < argc ? s_value (AS_CLI_BOOL, argv [arg + 1]) : NULL;
        if (!flag && arg + 1 >= argc)
            return s_fail (params, why, why_size, "%s needs a value%s", option->flag, "");
        //  A flag listed twice fills each of its places (a file's text and its name).
        for (; option; option = s_option (option + 1, argv [arg])) {
            cJSON *value = stated ? cJSON_Duplicate (stated, false)
                         : s_value (option->kind, flag ? "" : argv [arg + 1]);
            if (!value)
                return s_fail (params, why, why_size, "%s: '%s' is not valid here (or cannot be read)",
                               option->flag, argv [arg + 1]);
            s_set_path (params, option->path, value);
        }
        arg += flag && !stated ? 1 : 2;
        cJSON_Delete (stated);
    }
    //  Required means the place has a value, whichever option gave it.
    for (const as_cli_option_t *option = command->options; option && option->flag; option++)
        if (option->required && !s_get_path (params, option->path))
            return s_fail (params, why, why_size, "%s is required for %s",
                           *option->flag ? option->flag : option->path, command->name);
    return params;
}

void
as_cli_mask_phone (const char *phone, char *out, size_t size)
{
    size_t length = strlen (phone);
    if (length < 7)
        snprintf (out, size, "****");
    else
        snprintf (out, size, "%.3s****%s", phone, phone + length - 4);
}

const char *
as_cli_text (const msgpack_object *map, const char *key, char *buffer, size_t size)
{
    const msgpack_object *value = as_obj_get (map, key);
    if (!value || value->type == MSGPACK_OBJECT_NIL)
        snprintf (buffer, size, "-");
    else
    if (value->type == MSGPACK_OBJECT_STR)
        snprintf (buffer, size, "%.*s", (int) value->via.str.size, value->via.str.ptr);
    else
    if (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        snprintf (buffer, size, "%llu", (unsigned long long) value->via.u64);
    else
    if (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        snprintf (buffer, size, "%lld", (long long) value->via.i64);
    else
    if (value->type == MSGPACK_OBJECT_BOOLEAN)
        snprintf (buffer, size, "%s", value->via.boolean ? "yes" : "no");
    else
    if (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32)
        snprintf (buffer, size, "%g", value->via.f64);
    else {
        char *json = as_obj_to_json (value, false);
        snprintf (buffer, size, "%s", json ? json : "?");
        free (json);
    }
    return buffer;
}

typedef struct {
    bool json;
    const char *key;
    int timeout;
} s_globals_t;

//  Take the global options out of argv wherever they stand; the rest (in
//  order) is the command and its arguments. Returns the count; *help tells
//  whether --help was among them.
static int
s_split (int argc, char *argv [], s_globals_t *globals, char **rest, int rest_max, bool *help)
{
    int count = 0;
    *help = false;
    for (int arg = 1; arg < argc; arg++) {
        if (!strcmp (argv [arg], "--json"))
            globals->json = true;
        else
        if (!strcmp (argv [arg], "--key") && arg + 1 < argc)
            globals->key = argv [++arg];
        else
        if (!strcmp (argv [arg], "--timeout") && arg + 1 < argc)
            globals->timeout = atoi (argv [++arg]);
        else
        if (!strcmp (argv [arg], "--help") || !strcmp (argv [arg], "-h"))
            *help = true;
        else
        if (count < rest_max)
            rest [count++] = argv [arg];
    }
    return count;
}

static int
s_call (const as_cli_t *cli, const as_cli_command_t *command, const char *params, const s_globals_t *globals)
{
    as_rpc_client_t *client = as_rpc_client_new (as_endpoint (cli->service));
    as_rpc_client_set_timeout (client, globals->timeout > 0 ? globals->timeout : 3000, 2);
    as_rpc_client_set_principal (client, getenv ("USER") ? getenv ("USER") : cli->program);
    as_rpc_reply_t reply;
    as_error_t err;
    int status = 1;
    if (as_rpc_client_call_json (client, command->method, params, globals->key, &reply, &err))
        fprintf (stderr, "%s: %s\n", cli->program, err.message);
    else {
        if (!reply.ok)
            fprintf (stderr, "%s: %s: %s%s%s\n", cli->program, as_code_name (reply.error.code),
                     reply.error.message, reply.error.detail [0] ? " - " : "", reply.error.detail);
        else
        if (globals->json || !command->print) {
            char *text = as_obj_to_json (reply.result, true);
            printf ("%s\n", text ? text : "null");
            free (text);
        }
        else
            command->print (reply.result);
        status = reply.ok ? 0 : 1;
        as_rpc_reply_release (&reply);
    }
    as_rpc_client_destroy (&client);
    return status;
}

int
as_cli_main (const as_cli_t *cli, int argc, char *argv [])
{
    return as_cli_main_prepare (cli, NULL, argc, argv);
}

int
as_cli_main_prepare (const as_cli_t *cli, as_cli_prepare_fn *prepare, int argc, char *argv [])
{
    s_globals_t globals = { false, NULL, 3000 };
    char *rest [256];
    bool help = false;
    int count = s_split (argc, argv, &globals, rest, 256, &help);
    if (count == 0)
        return s_usage (cli, help ? stdout : stderr, help ? 0 : 2);
    //  A command is one word ("report") or two ("part add").
    char two [128] = "";
    if (count > 1)
        snprintf (two, sizeof two, "%s %s", rest [0], rest [1]);
    const as_cli_command_t *command = cli->commands;
    while (command->name && strcmp (command->name, rest [0]) != 0 && strcmp (command->name, two) != 0)
        command++;
    int words = command->name && strchr (command->name, ' ') && strcmp (command->name, rest [0]) != 0 ? 2 : 1;
    if (!command->name) {
        if (help)
            return s_usage (cli, stdout, 0);
        //  "station fly": name both words when the first begins commands.
        size_t length = strlen (rest [0]);
        bool group = false;
        for (command = cli->commands; command->name && count > 1; command++)
            group |= strncmp (command->name, rest [0], length) == 0 && command->name [length] == ' ';
        fprintf (stderr, "%s: unknown command '%s' (try --help)\n", cli->program, group ? two : rest [0]);
        return 2;
    }
    if (help) {
        printf ("usage: %s %s %s\n  %s\n", cli->program, command->name, command->usage, command->help);
        return 0;
    }
    char why [256];
    cJSON *params = s_params (command, count - words, rest + words, why, sizeof why);
    if (params && prepare && prepare (command, params, why, sizeof why)) {
        cJSON_Delete (params);
        params = NULL;
    }
    if (!params) {
        fprintf (stderr, "%s: %s\n", cli->program, why);
        return 2;
    }
    char *params_json = cJSON_PrintUnformatted (params);
    cJSON_Delete (params);
    zsys_init ();
    int status = as_catalog_load () ? 1 : s_call (cli, command, params_json, &globals);
    free (params_json);
    return status;
}

static int s_test_prepared = 0;

static int
s_test_refuse (const as_cli_command_t *command, cJSON *params, char *why, size_t size)
{
    s_test_prepared += strcmp (command->name, "part show") == 0 && s_get_path (params, "part_no");
    snprintf (why, size, "refused by prepare");
    return -1;
}

void
as_cli_test (bool verbose)
{
    (void) verbose;
    static const as_cli_option_t options [] = {
        { "--name", "customer.name", AS_CLI_STR, true },
        { "--lat", "customer.location.lat", AS_CLI_NUMBER, false },
        { "--paid", "paid", AS_CLI_BOOL, false },
        { "--lines", "lines", AS_CLI_JSON, false },
        { NULL, NULL, AS_CLI_STR, false }
    };
    as_cli_command_t command = { "report", "case.report", "", "", "case_id", options, NULL };
    char why [256];
    char *args [] = { "12", "--name", "Li", "--lat", "39.5", "--paid", "yes", "--lines", "[{\"code\":\"A\"}]" };
    cJSON *params = s_params (&command, 9, args, why, sizeof why);
    AS_CHECK (params);
    char *text = cJSON_PrintUnformatted (params);
    AS_CHECK (strcmp (text, "{\"case_id\":12,\"customer\":{\"name\":\"Li\",\"location\":{\"lat\":39.5}},"
                            "\"paid\":true,\"lines\":[{\"code\":\"A\"}]}") == 0);
    free (text);
    cJSON_Delete (params);
    char *missing [] = { "12", "--lat", "1" };
    AS_CHECK (!s_params (&command, 3, missing, why, sizeof why) && strstr (why, "--name is required"));
    char *bad_number [] = { "12", "--name", "x", "--lat", "north" };
    AS_CHECK (!s_params (&command, 5, bad_number, why, sizeof why) && strstr (why, "--lat"));
    char *bad_id [] = { "twelve" };
    AS_CHECK (!s_params (&command, 1, bad_id, why, sizeof why) && strstr (why, "id"));
    char *unknown [] = { "12", "--colour", "red" };
    AS_CHECK (!s_params (&command, 3, unknown, why, sizeof why) && strstr (why, "unknown option --colour"));
    //  Flags take no value; a positional file sends its text.
    static const as_cli_option_t flags [] = {
        { "", "csv", AS_CLI_FILE, true },
        { "--late", "late", AS_CLI_FLAG, false },
        { "--station", "station_id", AS_CLI_NUMBER, false },
        { NULL, NULL, AS_CLI_STR, false }
    };
    char path [] = "/tmp/as_cli_testXXXXXX";
    int fd = mkstemp (path);
    AS_CHECK (fd >= 0 && write (fd, "part_no,name\nFM-35,fan motor\n", 29) == 29);
    close (fd);
    as_cli_command_t import = { "part import", "part.import", "", "", NULL, flags, NULL };
    char *import_args [] = { path, "--late", "--station", "4" };
    params = s_params (&import, 4, import_args, why, sizeof why);
    AS_CHECK (params);
    text = cJSON_PrintUnformatted (params);
    AS_CHECK (strcmp (text, "{\"csv\":\"part_no,name\\nFM-35,fan motor\\n\",\"late\":true,\"station_id\":4}") == 0);
    free (text);
    cJSON_Delete (params);
    unlink (path);
    char *no_file [] = { "/nonexistent/file.csv" };
    AS_CHECK (!s_params (&import, 1, no_file, why, sizeof why) && strstr (why, "cannot be used"));
    char *no_arg [] = { "--late" };
    AS_CHECK (!s_params (&import, 1, no_arg, why, sizeof why) && strstr (why, "csv is required"));

    //  Two ways to one place: a positional or a flag; a flag filling two places.
    static const as_cli_option_t either [] = {
        { "--part", "part_no", AS_CLI_STR, true },
        { "", "part_no", AS_CLI_STR, false },
        { "--file", "content", AS_CLI_STR, false },
        { "--file", "path", AS_CLI_STR, false },
        { "--late", "late", AS_CLI_FLAG, false },
        { NULL, NULL, AS_CLI_STR, false }
    };
    as_cli_command_t show = { "part show", "part.get", "", "", NULL, either, NULL };
    char *by_position [] = { "FM-35", "--file", "a.csv", "--late", "no" };
    params = s_params (&show, 5, by_position, why, sizeof why);
    text = params ? cJSON_PrintUnformatted (params) : NULL;
    AS_CHECK (text && strcmp (text, "{\"part_no\":\"FM-35\",\"content\":\"a.csv\",\"path\":\"a.csv\",\"late\":false}") == 0);
    free (text);
    cJSON_Delete (params);
    char *by_flag [] = { "--late", "--part", "FM-35" };
    params = s_params (&show, 3, by_flag, why, sizeof why);
    text = params ? cJSON_PrintUnformatted (params) : NULL;
    AS_CHECK (text && strcmp (text, "{\"late\":true,\"part_no\":\"FM-35\"}") == 0);
    free (text);
    cJSON_Delete (params);
    char *neither [] = { "--late" };
    AS_CHECK (!s_params (&show, 1, neither, why, sizeof why) && strstr (why, "--part is required"));

    //  A prepare step that refuses is bad usage: no call is made.
    static const as_cli_command_t commands [] = {
        { "part show", "part.get", "", "", NULL, either, NULL },
        { NULL, NULL, NULL, NULL, NULL, NULL, NULL }
    };
    as_cli_t cli = { "testctl", "test", "", commands };
    char *argv [] = { "testctl", "part", "show", "FM-35" };
    AS_CHECK (as_cli_main_prepare (&cli, s_test_refuse, 4, argv) == 2);
    AS_CHECK (s_test_prepared == 1);
    char *unknown_command [] = { "testctl", "part", "fly" };
    AS_CHECK (as_cli_main (&cli, 3, unknown_command) == 2);

    char masked [32];
    as_cli_mask_phone ("13800138000", masked, sizeof masked);
    AS_CHECK (strcmp (masked, "138****8000") == 0);
    as_cli_mask_phone ("123", masked, sizeof masked);
    AS_CHECK (strcmp (masked, "****") == 0);
}
