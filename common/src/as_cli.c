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
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define S_TIMEOUT_MS 3000       //  the first attempt; each retry waits twice as long
#define S_RETRIES    2

static int
s_usage (const as_cli_t *cli, FILE *out, int status)
{
    char upper [64];
    size_t length = 0;
    for (; cli->service [length] && length + 1 < sizeof upper; length++)
        upper [length] = (char) toupper ((unsigned char) cli->service [length]);
    upper [length] = 0;
    fprintf (out, "%s: %s\n\nusage: %s [--json] [--timeout MS] [--key IDEMPOTENCY-KEY] COMMAND ...\n"
                  "       %s help [COMMAND]\n\ncommands:\n",
             cli->program, cli->summary, cli->program, cli->program);
    for (const as_cli_command_t *command = cli->commands; command->name; command++)
        fprintf (out, "  %s %s\n      %s\n", command->name, command->usage, command->help);
    fprintf (out, "\n  --json     print the service's answer as JSON (for scripts)\n"
                  "  --key K    idempotency key: a retried command with the same key changes\n"
                  "             nothing twice (one is made up when not given)\n"
                  "  --timeout  ms to wait for the first attempt (default %d, 1..%d); each of\n"
                  "             the %d retries waits twice as long as the attempt before: %lld s\n"
                  "             in all at worst by default, %lld x MS with --timeout MS\n\n"
                  "The service is reached at %s (AFTERSALES_PORT_BASE or\n"
                  "AFTERSALES_%s_ENDPOINT). Phone numbers are masked in tables.\n"
                  "Exit status: 0 success; 1 the service refused or did not answer; 2 bad usage,\n"
                  "also when the service refuses the arguments (invalid_argument).\n",
             S_TIMEOUT_MS, AS_CLI_TIMEOUT_MAX, S_RETRIES, (long long) as_rpc_worst_case_ms (S_TIMEOUT_MS, S_RETRIES) / 1000,
             (long long) as_rpc_worst_case_ms (1, S_RETRIES), as_endpoint (cli->service), upper);
    return status;
}

int
as_cli_parse_int (const char *name, const char *text, long long min, long long max, long long *value,
                  char *why, size_t size)
{
    //  Decimal digits only: strtoll alone would take " 7", "+7" and, read
    //  as far as it goes, the 0 of "0x10" or the 1 of "1.5".
    const char *digits = text [0] == '-' ? text + 1 : text;
    bool decimal = *digits != 0;
    for (const char *cursor = digits; *cursor; cursor++)
        decimal &= *cursor >= '0' && *cursor <= '9';
    if (!decimal) {
        snprintf (why, size, "%s: '%s' is not a whole number", name, text);
        return -1;
    }
    errno = 0;
    long long number = strtoll (text, NULL, 10);
    if (errno == ERANGE || number < min || number > max) {
        snprintf (why, size, "%s: '%s' is out of range (%lld..%lld)", name, text, min, max);
        return -1;
    }
    *value = number;
    return 0;
}

int
as_cli_parse_timeout (const char *text, int *timeout_ms, char *why, size_t size)
{
    long long value;
    if (as_cli_parse_int ("--timeout", text, 1, AS_CLI_TIMEOUT_MAX, &value, why, size))
        return -1;
    *timeout_ms = (int) value;
    return 0;
}

const char *
as_cli_endpoint (const char *name, char *why, size_t size)
{
    //  as_endpoint falls back to the default base on a bad value; a CLI
    //  must not quietly call another suite's ports, so it checks first,
    //  against the bounds the daemons use.
    const char *base = getenv ("AFTERSALES_PORT_BASE");
    for (const as_setting_t *setting = as_config_suite_settings; base && setting->name; setting++) {
        long long value;
        if (strcmp (setting->name, "AFTERSALES_PORT_BASE") == 0
        &&  as_cli_parse_int ("AFTERSALES_PORT_BASE (environment)", base, setting->min, setting->max,
                              &value, why, size))
            return NULL;
    }
    const char *endpoint = as_endpoint (name);
    if (!endpoint)
        snprintf (why, size, "unknown service '%s'", name);
    return endpoint;
}

as_rpc_client_t *
as_cli_client (const char *program, const char *name, int timeout_ms, int retries, int *status)
{
    char why [256];
    const char *endpoint = as_cli_endpoint (name, why, sizeof why);
    if (!endpoint) {
        fprintf (stderr, "%s: %s\n", program, why);
        *status = 2;
        return NULL;
    }
    as_error_t err;
    as_rpc_client_t *client = as_rpc_client_open (endpoint, &err);
    if (!client) {
        fprintf (stderr, "%s: %s\n", program, err.message);
        *status = 1;
        return NULL;
    }
    as_rpc_client_set_timeout (client, timeout_ms, retries);
    return client;
}

int
as_cli_refusal (const char *program, const as_rpc_reply_t *reply)
{
    if (reply->ok)
        return 0;
    fprintf (stderr, "%s: %s: %s%s%s\n", program, as_code_name (reply->error.code),
             reply->error.message, reply->error.detail [0] ? " - " : "", reply->error.detail);
    return reply->error.code == AS_INVALID_ARGUMENT ? 2 : 1;
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

//  A file's text as a JSON string; NULL + why when it cannot be read.
static cJSON *
s_file_text (const char *name, const char *path, char *why, size_t size)
{
    char *text = as_file_read (path, S_FILE_MAX, NULL);
    if (!text)
        snprintf (why, size, "%s: cannot read '%s': %s", name, path,
                  errno == EFBIG ? "larger than 8 MiB" : strerror (errno));
    cJSON *value = text ? cJSON_CreateString (text) : NULL;
    free (text);
    return value;
}

//  A number: decimal digits, no hex, exponent or inf. A whole number goes
//  out as written (cJSON's double would round ids above 2^53); a fraction
//  only where the catalogue's field is not an integer.
static cJSON *
s_number (const char *name, const char *text, const char *type, char *why, size_t size)
{
    bool integral = type && (strcmp (type, "int") == 0 || strcmp (type, "uint") == 0);
    const char *digits = text [0] == '-' ? text + 1 : text;
    const char *point = strchr (digits, '.');
    bool decimal = *digits != 0 && (!point || (point > digits && point [1] != 0));
    for (const char *cursor = digits; *cursor; cursor++)
        decimal &= (*cursor >= '0' && *cursor <= '9') || cursor == point;
    if (!decimal || (point && integral)) {
        snprintf (why, size, "%s: '%s' is not a %snumber", name, text, integral ? "whole " : "");
        return NULL;
    }
    if (!point) {
        long long value;
        if (as_cli_parse_int (name, text, LLONG_MIN, LLONG_MAX, &value, why, size))
            return NULL;
        char canonical [24];
        snprintf (canonical, sizeof canonical, "%lld", value);
        return cJSON_CreateRaw (canonical);
    }
    return cJSON_CreateNumber (strtod (text, NULL));
}

//  "true", "no" ... as JSON, or NULL when the text is not a boolean.
static cJSON *
s_bool (const char *text)
{
    if (!strcasecmp (text, "true") || !strcasecmp (text, "yes") || !strcmp (text, "1"))
        return cJSON_CreateTrue ();
    if (!strcasecmp (text, "false") || !strcasecmp (text, "no") || !strcmp (text, "0"))
        return cJSON_CreateFalse ();
    return NULL;
}

//  One value as JSON for the option's place, or NULL + why when it does not
//  fit its kind. name is the flag, or the command for its positional.
static cJSON *
s_value (const as_cli_command_t *command, const as_cli_option_t *option, const char *name, const char *text,
         char *why, size_t size)
{
    switch (option->kind) {
        case AS_CLI_NUMBER:
            return s_number (name, text, as_catalog_param_type (command->method, option->path), why, size);
        case AS_CLI_BOOL: {
            cJSON *value = s_bool (text);
            if (!value)
                snprintf (why, size, "%s: '%s' is not one of true, false, yes, no, 1, 0", name, text);
            return value;
        }
        case AS_CLI_JSON: {
            cJSON *value = cJSON_Parse (text);
            if (!value)
                snprintf (why, size, "%s: not valid JSON", name);
            return value;
        }
        case AS_CLI_FILE:
            return s_file_text (name, text, why, size);
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
        long long id;
        char name [96];
        snprintf (name, sizeof name, "%s needs an id", command->name);
        if (argc == 0)
            return s_fail (params, why, why_size, "%s needs an id (a positive whole number)%s", command->name, "");
        if (as_cli_parse_int (name, argv [0], 1, LLONG_MAX, &id, why, why_size)) {
            cJSON_Delete (params);
            return NULL;
        }
        char digits [24];
        snprintf (digits, sizeof digits, "%lld", id);
        cJSON_AddRawToObject (params, command->id_param, digits);
        arg = 1;
    }
    const as_cli_option_t *positional = command->options;
    while (positional && positional->flag && *positional->flag)
        positional++;
    if (!command->id_param && positional && positional->flag && argc > 0 && argv [0][0] != '-') {
        cJSON *value = s_value (command, positional, command->name, argv [0], why, why_size);
        if (!value) {
            cJSON_Delete (params);
            return NULL;
        }
        s_set_path (params, positional->path, value);
        arg = 1;
    }
    while (arg < argc) {
        const as_cli_option_t *option = s_option (command->options, argv [arg]);
        if (!option)
            return s_fail (params, why, why_size, "unknown option %s for %s", argv [arg], command->name);
        //  A flag may be given an explicit true/false ("--late no").
        bool flag = option->kind == AS_CLI_FLAG;
        cJSON *stated = flag && arg + 1 < argc ? s_bool (argv [arg + 1]) : NULL;
        if (!flag && arg + 1 >= argc)
            return s_fail (params, why, why_size, "%s needs a value%s", option->flag, "");
        //  A flag listed twice fills each of its places (a file's text and its name).
        for (; option; option = s_option (option + 1, argv [arg])) {
            cJSON *value = stated ? cJSON_Duplicate (stated, false)
                         : s_value (command, option, option->flag, flag ? "" : argv [arg + 1], why, why_size);
            if (!value) {
                cJSON_Delete (stated);
                cJSON_Delete (params);
                return NULL;
            }
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

//  Text into a buffer; what does not fit is cut between two UTF-8
//  characters, never inside one, and marked "...".
static void
s_copy_text (char *buffer, size_t size, const char *text, size_t length)
{
    if (size == 0)
        return;
    const char *mark = "";
    if (length >= size) {
        mark = size > 4 ? "..." : "";
        length = size - 1 - strlen (mark);
        while (length > 0 && ((unsigned char) text [length] & 0xc0) == 0x80)
            length--;
    }
    memcpy (buffer, text, length);
    snprintf (buffer + length, size - length, "%s", mark);
}

const char *
as_cli_text (const msgpack_object *map, const char *key, char *buffer, size_t size)
{
    const msgpack_object *value = as_obj_get (map, key);
    if (!value || value->type == MSGPACK_OBJECT_NIL)
        snprintf (buffer, size, "-");
    else
    if (value->type == MSGPACK_OBJECT_STR)
        s_copy_text (buffer, size, value->via.str.ptr, value->via.str.size);
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
        s_copy_text (buffer, size, json ? json : "?", json ? strlen (json) : 1);
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
//  order) is the command and its arguments. Returns the count, or -1 + why
//  on a bad global option; *help tells whether --help was among them.
static int
s_split (int argc, char *argv [], s_globals_t *globals, char **rest, int rest_max, bool *help,
         char *why, size_t size)
{
    int count = 0;
    *help = false;
    for (int arg = 1; arg < argc; arg++) {
        bool valued = !strcmp (argv [arg], "--key") || !strcmp (argv [arg], "--timeout");
        if (valued && arg + 1 >= argc) {
            snprintf (why, size, "%s needs a value", argv [arg]);
            return -1;
        }
        if (!strcmp (argv [arg], "--json"))
            globals->json = true;
        else
        if (!strcmp (argv [arg], "--key"))
            globals->key = argv [++arg];
        else
        if (!strcmp (argv [arg], "--timeout")) {
            if (as_cli_parse_timeout (argv [++arg], &globals->timeout, why, size))
                return -1;
        }
        else
        if (!strcmp (argv [arg], "--help") || !strcmp (argv [arg], "-h"))
            *help = true;
        else
        if (count < rest_max)
            rest [count++] = argv [arg];
        else {
            snprintf (why, size, "more than %d arguments", rest_max);
            return -1;
        }
    }
    return count;
}

static int
s_call (const as_cli_t *cli, const as_cli_command_t *command, const char *params, const s_globals_t *globals)
{
    int status = 1;
    as_rpc_client_t *client = as_cli_client (cli->program, cli->service, globals->timeout, S_RETRIES, &status);
    if (!client)
        return status;
    as_rpc_client_set_principal (client, getenv ("USER") ? getenv ("USER") : cli->program);
    as_rpc_reply_t reply;
    as_error_t err;
    if (as_rpc_client_call_json (client, command->method, params, globals->key, &reply, &err))
        fprintf (stderr, "%s: %s\n", cli->program, err.message);
    else {
        status = as_cli_refusal (cli->program, &reply);
        if (reply.ok && (globals->json || !command->print)) {
            char *text = as_obj_to_json (reply.result, true);
            printf ("%s\n", text ? text : "null");
            free (text);
        }
        else
        if (reply.ok)
            command->print (reply.result);
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

//  The command named by the first word or two ("report", "part add"), or NULL.
static const as_cli_command_t *
s_command (const as_cli_t *cli, char **words, int count, int *taken)
{
    char two [128] = "";
    if (count > 1)
        snprintf (two, sizeof two, "%s %s", words [0], words [1]);
    for (const as_cli_command_t *command = cli->commands; command->name; command++) {
        if (strcmp (command->name, words [0]) == 0 || strcmp (command->name, two) == 0) {
            *taken = strchr (command->name, ' ') && strcmp (command->name, words [0]) != 0 ? 2 : 1;
            return command;
        }
    }
    return NULL;
}

int
as_cli_main_prepare (const as_cli_t *cli, as_cli_prepare_fn *prepare, int argc, char *argv [])
{
    s_globals_t globals = { false, NULL, S_TIMEOUT_MS };
    char *rest [256];
    char **words = rest;
    bool help = false;
    char why [256];
    int count = s_split (argc, argv, &globals, rest, 256, &help, why, sizeof why);
    if (count < 0) {
        fprintf (stderr, "%s: %s\n", cli->program, why);
        return 2;
    }
    //  "help" and "help COMMAND" are --help and COMMAND --help.
    int taken = 0;
    if (count > 0 && strcmp (words [0], "help") == 0 && !s_command (cli, words, count, &taken)) {
        help = true;
        words++;
        count--;
    }
    if (count == 0)
        return s_usage (cli, help ? stdout : stderr, help ? 0 : 2);
    const as_cli_command_t *command = s_command (cli, words, count, &taken);
    if (!command) {
        if (help)
            return s_usage (cli, stdout, 0);
        //  "station fly": name both words when the first begins commands.
        size_t length = strlen (words [0]);
        bool group = false;
        for (command = cli->commands; command->name && count > 1; command++)
            group |= strncmp (command->name, words [0], length) == 0 && command->name [length] == ' ';
        fprintf (stderr, "%s: unknown command '%s%s%s' (try --help)\n", cli->program, words [0],
                 group ? " " : "", group ? words [1] : "");
        return 2;
    }
    if (help) {
        printf ("usage: %s %s %s\n  %s\n", cli->program, command->name, command->usage, command->help);
        return 0;
    }
    if (as_catalog_load ())
        return 1;
    cJSON *params = s_params (command, count - taken, words + taken, why, sizeof why);
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
    int status = s_call (cli, command, params_json, &globals);
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

//  params as JSON text for these arguments, or NULL with why filled.
static char *
s_params_text (const as_cli_command_t *command, int argc, char *argv [], char *why, size_t size)
{
    cJSON *params = s_params (command, argc, argv, why, size);
    char *text = params ? cJSON_PrintUnformatted (params) : NULL;
    cJSON_Delete (params);
    return text;
}

//  Whole numbers in decimal only, exact past 2^53; fractions only where
//  the catalogue's field is a float.
static void
s_test_numbers (void)
{
    static const as_cli_option_t options [] = {
        { "--after", "after", AS_CLI_NUMBER, false }, { "--limit", "limit", AS_CLI_NUMBER, false },
        { "--weight", "weight", AS_CLI_NUMBER, false }, { NULL, NULL, AS_CLI_STR, false }
    };
    as_cli_command_t fetch = { "fetch", "events.fetch", "", "", NULL, options, NULL };
    as_cli_command_t show = { "show", "case.get", "", "", "case_id", options, NULL };
    char why [256];
    char *big [] = { "--after", "9007199254740993", "--limit", "-0012", "--weight", "2.5" };
    char *text = s_params_text (&fetch, 6, big, why, sizeof why);
    AS_CHECK (text && strcmp (text, "{\"after\":9007199254740993,\"limit\":-12,\"weight\":2.5}") == 0);
    free (text);
    char *id [] = { "9223372036854775807" };
    text = s_params_text (&show, 1, id, why, sizeof why);
    AS_CHECK (text && strcmp (text, "{\"case_id\":9223372036854775807}") == 0);
    free (text);
    struct { const char *value, *why; } refused [] = {
        { "0x10", "--limit: '0x10' is not a whole number" }, { "1.5", "--limit: '1.5' is not a whole number" },
        { "1e3", "--limit: '1e3' is not a whole number" }, { " 7", "is not a whole number" },
        { "+7", "is not a whole number" }, { "", "is not a whole number" },
        { "99999999999999999999", "--limit: '99999999999999999999' is out of range" }
    };
    for (size_t index = 0; index < sizeof refused / sizeof refused [0]; index++) {
        char *args [] = { "--limit", (char *) refused [index].value };
        AS_CHECK (!s_params (&fetch, 2, args, why, sizeof why) && strstr (why, refused [index].why));
    }
    const char *not_numbers [] = { "1.", ".5", "inf", "nan", "0x1p3", "2.5e3", "1.2.3", "north", "-" };
    for (size_t index = 0; index < sizeof not_numbers / sizeof not_numbers [0]; index++) {
        char *args [] = { "--weight", (char *) not_numbers [index] };
        AS_CHECK (!s_params (&fetch, 2, args, why, sizeof why) && strstr (why, "is not a number"));
    }
    const char *bad_ids [] = { "0", "-3", "0x10", "1.0", "99999999999999999999999" };
    for (size_t index = 0; index < sizeof bad_ids / sizeof bad_ids [0]; index++) {
        char *args [] = { (char *) bad_ids [index] };
        AS_CHECK (!s_params (&show, 1, args, why, sizeof why) && strstr (why, "show needs an id: '"));
    }
    long long value = 0;
    AS_CHECK (as_cli_parse_int ("--count", "12", 1, 100, &value, why, sizeof why) == 0 && value == 12);
    AS_CHECK (as_cli_parse_int ("--count", "0", 1, 100, &value, why, sizeof why) == -1
           && strcmp (why, "--count: '0' is out of range (1..100)") == 0);
    int timeout = 0;
    AS_CHECK (as_cli_parse_timeout ("250", &timeout, why, sizeof why) == 0 && timeout == 250);
    AS_CHECK (as_cli_parse_timeout ("abc", &timeout, why, sizeof why) == -1 && strstr (why, "--timeout"));
    AS_CHECK (as_rpc_worst_case_ms (3000, 2) == 21000 && as_rpc_worst_case_ms (1000, 3) == 15000);

    //  Text cut to fit is cut between characters, never inside one.
    char buffer [8];
    s_copy_text (buffer, sizeof buffer, "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad", 9);
    AS_CHECK (strcmp (buffer, "\xe4\xb8\xad...") == 0);
    s_copy_text (buffer, sizeof buffer, "abcdefg", 7);
    AS_CHECK (strcmp (buffer, "abcdefg") == 0);
}

//  The whole command line: help, bad global options, a bad environment and
//  an endpoint that cannot be connected to (no crash, one line, a status).
static void
s_test_main (void)
{
    static const as_cli_option_t options [] = { { "", "part_no", AS_CLI_STR, true }, { NULL, NULL, AS_CLI_STR, false } };
    static const as_cli_command_t commands [] = {
        { "part show", "part.get", "PART", "one part", NULL, options, NULL },
        { NULL, NULL, NULL, NULL, NULL, NULL, NULL }
    };
    as_cli_t cli = { "testctl", "inventory", "parts", commands };
    char *help [] = { "testctl", "help" };
    AS_CHECK (as_cli_main (&cli, 2, help) == 0);
    char *help_command [] = { "testctl", "help", "part", "show" };
    AS_CHECK (as_cli_main (&cli, 4, help_command) == 0);
    char *bad_timeout [] = { "testctl", "--timeout", "abc", "part", "show", "FM-35" };
    AS_CHECK (as_cli_main (&cli, 6, bad_timeout) == 2);
    char *no_timeout [] = { "testctl", "part", "show", "FM-35", "--timeout" };
    AS_CHECK (as_cli_main (&cli, 5, no_timeout) == 2);
    char *show [] = { "testctl", "part", "show", "FM-35", "--timeout", "50" };
    setenv ("AFTERSALES_PORT_BASE", "abc", 1);
    AS_CHECK (as_cli_main (&cli, 6, show) == 2);
    char why [256];
    AS_CHECK (!as_cli_endpoint ("inventory", why, sizeof why)
           && strcmp (why, "AFTERSALES_PORT_BASE (environment): 'abc' is not a whole number") == 0);
    setenv ("AFTERSALES_PORT_BASE", "80", 1);
    AS_CHECK (!as_cli_endpoint ("inventory", why, sizeof why) && strstr (why, "is out of range (1024..65000)"));
    unsetenv ("AFTERSALES_PORT_BASE");
    AS_CHECK (!as_cli_endpoint ("nowhere", why, sizeof why) && strcmp (why, "unknown service 'nowhere'") == 0);
    setenv ("AFTERSALES_INVENTORY_ENDPOINT", "garbage", 1);
    AS_CHECK (as_cli_main (&cli, 6, show) == 1);
    as_error_t err;
    AS_CHECK (!as_rpc_client_open ("garbage", &err) && strstr (err.message, "cannot connect to garbage: "));
    unsetenv ("AFTERSALES_INVENTORY_ENDPOINT");
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
    AS_CHECK (!s_params (&import, 1, no_file, why, sizeof why)
           && strstr (why, "cannot read '/nonexistent/file.csv': No such file"));
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

    s_test_numbers ();
    s_test_main ();

    char masked [32];
    as_cli_mask_phone ("13800138000", masked, sizeof masked);
    AS_CHECK (strcmp (masked, "138****8000") == 0);
    as_cli_mask_phone ("123", masked, sizeof masked);
    AS_CHECK (strcmp (masked, "****") == 0);
}
