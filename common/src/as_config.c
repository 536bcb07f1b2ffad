/*  as_config: validated settings from defaults, a JSON file, the environment.*/
#include "as_config.h"
#include "as_file.h"
#include "as_test.h"
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <assert.h>

static const char *s_type_names [] = { "string", "integer", "boolean" };

static int
s_parse_bool (const char *text, int64_t *value)
{
    if (!strcmp (text, "1") || !strcasecmp (text, "true") || !strcasecmp (text, "yes") || !strcasecmp (text, "on"))
        *value = 1;
    else
    if (!strcmp (text, "0") || !strcasecmp (text, "false") || !strcasecmp (text, "no") || !strcasecmp (text, "off"))
        *value = 0;
    else
        return -1;
    return 0;
}

//  Validate text for the setting and store it.
static int
s_assign (as_setting_t *setting, const char *text, const char *origin, as_error_t *err)
{
    if (strlen (text) >= AS_CFG_STR_MAX)
        return as_error_set (err, AS_INVALID_ARGUMENT, "%s (%s): value longer than %d characters",
                             setting->name, origin, AS_CFG_STR_MAX - 1);
    if (setting->type == AS_CFG_INT) {
        errno = 0;
        char *end = NULL;
        long long number = strtoll (text, &end, 10);
        if (errno || end == text || *end)
            return as_error_set (err, AS_INVALID_ARGUMENT, "%s (%s): '%s' is not an integer",
                                 setting->name, origin, text);
        if (number < setting->min || number > setting->max)
            return as_error_set (err, AS_INVALID_ARGUMENT,
                                 "%s (%s): %lld is outside %lld..%lld", setting->name, origin,
                                 number, (long long) setting->min, (long long) setting->max);
        setting->number = number;
    }
    else
    if (setting->type == AS_CFG_BOOL) {
        if (s_parse_bool (text, &setting->number))
            return as_error_set (err, AS_INVALID_ARGUMENT, "%s (%s): '%s' is not a boolean (1/0, true/false)",
                                 setting->name, origin, text);
    }
    snprintf (setting->text, sizeof setting->text, "%s", text);
    return 0;
}

static int
s_load_file (as_setting_t *table, const char *file, as_error_t *err)
{
    size_t size;
    char *text = as_file_read (file, 1024 * 1024, &size);
    if (!text && errno == EFBIG)
        return as_error_set (err, AS_INVALID_ARGUMENT, "config file %s: larger than 1 MiB", file);
    if (!text)
        return as_error_set (err, AS_INVALID_ARGUMENT, "config file %s: %s", file, strerror (errno));
    cJSON *root = cJSON_ParseWithLength (text, size);
    free (text);
    if (!cJSON_IsObject (root)) {
        cJSON_Delete (root);
        return as_error_set (err, AS_INVALID_ARGUMENT, "config file %s: not a JSON object", file);
    }
    int rc = 0;
    cJSON *item;
    cJSON_ArrayForEach (item, root) {
        as_setting_t *setting = as_config_find (table, item->string);
        char number [32];
        const char *value = NULL;
        if (!setting)
            rc = as_error_set (err, AS_INVALID_ARGUMENT, "config file %s: unknown setting '%s'", file, item->string);
        else
        if (cJSON_IsString (item))
            value = item->valuestring;
        else
        if (cJSON_IsBool (item))
            value = cJSON_IsTrue (item) ? "1" : "0";
        else
        if (cJSON_IsNumber (item)) {
            snprintf (number, sizeof number, "%.0f", item->valuedouble);
            value = number;
        }
        else
            rc = as_error_set (err, AS_INVALID_ARGUMENT, "config file %s: '%s' must be a string, number or boolean",
                               file, item->string);
        if (rc == 0 && value)
            rc = s_assign (setting, value, file, err);
        if (rc)
            break;
    }
    cJSON_Delete (root);
    return rc;
}

int
as_config_load (as_setting_t *table, const char *file, as_error_t *err)
{
    for (as_setting_t *setting = table; setting->name; setting++)
        if (s_assign (setting, setting->fallback, "default", err))
            return -1;
    if (!file || !*file)
        file = getenv ("AFTERSALES_CONFIG");
    if (file && *file && s_load_file (table, file, err))
        return -1;
    for (as_setting_t *setting = table; setting->name; setting++) {
        const char *value = getenv (setting->name);
        if (value && s_assign (setting, value, "environment", err))
            return -1;
    }
    return 0;
}

as_setting_t *
as_config_find (as_setting_t *table, const char *name)
{
    for (as_setting_t *setting = table; setting->name; setting++)
        if (strcmp (setting->name, name) == 0)
            return setting;
    return NULL;
}

const char *
as_config_str (as_setting_t *table, const char *name)
{
    as_setting_t *setting = as_config_find (table, name);
    assert (setting);
    return setting->text;
}

int64_t
as_config_int (as_setting_t *table, const char *name)
{
    as_setting_t *setting = as_config_find (table, name);
    assert (setting && setting->type != AS_CFG_STR);
    return setting->number;
}

void
as_config_print_help (as_setting_t *table, FILE *out)
{
    fprintf (out, "Settings (environment variables; also keys of the JSON file given by\n"
                  "--config FILE or AFTERSALES_CONFIG; the environment wins):\n\n");
    for (as_setting_t *setting = table; setting->name; setting++) {
        fprintf (out, "  %-32s %s, default \"%s\"", setting->name,
                 s_type_names [setting->type], setting->fallback);
        if (setting->type == AS_CFG_INT)
            fprintf (out, ", %lld..%lld", (long long) setting->min, (long long) setting->max);
        fprintf (out, "\n      %s\n", setting->help);
    }
}

//  --- The suite's shared settings ----------------------------------------------

const as_setting_t as_config_suite_settings [] = {
    { "AFTERSALES_LOG_LEVEL", AS_CFG_STR, "info", 0, 0, "debug, info, warn or error", "", 0 },
    { "AFTERSALES_PORT_BASE", AS_CFG_INT, "7700", 1024, 65000,
      "endpoints are tcp://AFTERSALES_HOST:(base+offset) unless AFTERSALES_<NAME>_ENDPOINT is set", "", 0 },
    { "AFTERSALES_HOST", AS_CFG_STR, "127.0.0.1", 0, 0, "host of the suite's endpoints", "", 0 },
    { "AFTERSALES_BIND_ALL", AS_CFG_BOOL, "0", 0, 1, "bind on all interfaces (containers)", "", 0 },
    { "AFTERSALES_CURVE", AS_CFG_BOOL, "0", 0, 1,
      "CurveZMQ on every TCP socket (see AFTERSALES_CURVE_* and docs/decisions/001-curve-keys.md)", "", 0 },
    { "AFTERSALES_CURVE_SERVER_CERT", AS_CFG_STR, "", 0, 0, "servers' certificate with its secret", "", 0 },
    { "AFTERSALES_CURVE_SERVER_KEY", AS_CFG_STR, "", 0, 0, "servers' public certificate, for clients", "", 0 },
    { "AFTERSALES_CURVE_CLIENT_CERT", AS_CFG_STR, "", 0, 0, "this process's client certificate", "", 0 },
    { "AFTERSALES_CURVE_ALLOWED", AS_CFG_STR, "", 0, 0,
      "directory of allowed client public certificates (servers)", "", 0 },
    { NULL, 0, NULL, 0, 0, NULL, "", 0 }
};

void
as_config_export (as_setting_t *table)
{
    for (as_setting_t *setting = table; setting->name; setting++)
        if (strcmp (setting->name, "AFTERSALES_LOG_LEVEL") != 0
        &&  as_config_find ((as_setting_t *) as_config_suite_settings, setting->name))
            setenv (setting->name, setting->text, 1);
}

//  --- Endpoints ------------------------------------------------------------

static const struct {
    const char *name;
    int offset;
} s_endpoints [] = {
    { "bus_pub", 1 }, { "bus_sub", 2 }, { "bus_ingress", 3 },
    { "intake", 11 }, { "dispatch", 12 }, { "inventory", 13 },
    { "billing", 14 }, { "survey", 15 }, { "gateway", 80 },
    { "testsink", 90 },         //  the integration tests' consumer
};
#define S_ENDPOINT_COUNT (sizeof s_endpoints / sizeof s_endpoints [0])
static char s_connect [S_ENDPOINT_COUNT][256];
static char s_bind [S_ENDPOINT_COUNT][256];

static int
s_endpoint_index (const char *name)
{
    for (size_t index = 0; index < S_ENDPOINT_COUNT; index++)
        if (strcmp (s_endpoints [index].name, name) == 0)
            return (int) index;
    return -1;
}

const char *
as_endpoint (const char *name)
{
    int index = s_endpoint_index (name);
    if (index < 0)
        return NULL;
    char variable [64];
    snprintf (variable, sizeof variable, "AFTERSALES_%s_ENDPOINT", name);
    for (char *cursor = variable; *cursor; cursor++)
        *cursor = (char) toupper ((unsigned char) *cursor);
    const char *explicit_value = getenv (variable);
    if (explicit_value && *explicit_value)
        snprintf (s_connect [index], sizeof s_connect [index], "%s", explicit_value);
    else {
        const char *host = getenv ("AFTERSALES_HOST");
        const char *base_text = getenv ("AFTERSALES_PORT_BASE");
        long base = base_text ? strtol (base_text, NULL, 10) : 7700;
        if (base <= 0 || base > 65000)
            base = 7700;
        snprintf (s_connect [index], sizeof s_connect [index], "tcp://%s:%ld",
                  host && *host ? host : "127.0.0.1", base + s_endpoints [index].offset);
    }
    return s_connect [index];
}

const char *
as_endpoint_bind (const char *name)
{
    const char *endpoint = as_endpoint (name);
    if (!endpoint)
        return NULL;
    int index = s_endpoint_index (name);
    const char *bind_all = getenv ("AFTERSALES_BIND_ALL");
    const char *port = strrchr (endpoint, ':');
    if (bind_all && strcmp (bind_all, "1") == 0 && strncmp (endpoint, "tcp://", 6) == 0 && port)
        snprintf (s_bind [index], sizeof s_bind [index], "tcp://*%s", port);
    else
        snprintf (s_bind [index], sizeof s_bind [index], "%s", endpoint);
    return s_bind [index];
}

void
as_config_test (bool verbose)
{
    (void) verbose;
    as_setting_t table [] = {
        { "AS_TEST_NAME", AS_CFG_STR, "intake", 0, 0, "a name", "", 0 },
        { "AS_TEST_COUNT", AS_CFG_INT, "5", 1, 10, "a count", "", 0 },
        { "AS_TEST_FLAG", AS_CFG_BOOL, "false", 0, 1, "a flag", "", 0 },
        { NULL, 0, NULL, 0, 0, NULL, "", 0 }
    };
    as_error_t err;
    unsetenv ("AFTERSALES_CONFIG");
    setenv ("AS_TEST_COUNT", "7", 1);
    AS_CHECK (as_config_load (table, NULL, &err) == 0);
    AS_CHECK (as_config_int (table, "AS_TEST_COUNT") == 7);
    AS_CHECK (strcmp (as_config_str (table, "AS_TEST_NAME"), "intake") == 0);
    AS_CHECK (as_config_int (table, "AS_TEST_FLAG") == 0);

    setenv ("AS_TEST_COUNT", "11", 1);
    AS_CHECK (as_config_load (table, NULL, &err) == -1);
    AS_CHECK (err.code == AS_INVALID_ARGUMENT && strstr (err.message, "outside 1..10"));
    setenv ("AS_TEST_COUNT", "7x", 1);
    AS_CHECK (as_config_load (table, NULL, &err) == -1);
    unsetenv ("AS_TEST_COUNT");

    //  A JSON file, then the environment over it.
    char path [] = "/tmp/as_config_testXXXXXX";
    int fd = mkstemp (path);
    AS_CHECK (fd >= 0);
    FILE *file = fdopen (fd, "w");
    fprintf (file, "{\"AS_TEST_NAME\":\"billing\",\"AS_TEST_COUNT\":3,\"AS_TEST_FLAG\":true}");
    fclose (file);
    AS_CHECK (as_config_load (table, path, &err) == 0);
    AS_CHECK (strcmp (as_config_str (table, "AS_TEST_NAME"), "billing") == 0);
    AS_CHECK (as_config_int (table, "AS_TEST_COUNT") == 3);
    AS_CHECK (as_config_int (table, "AS_TEST_FLAG") == 1);
    setenv ("AS_TEST_NAME", "survey", 1);
    AS_CHECK (as_config_load (table, path, &err) == 0);
    AS_CHECK (strcmp (as_config_str (table, "AS_TEST_NAME"), "survey") == 0);
    unsetenv ("AS_TEST_NAME");
    file = fopen (path, "w");
    fprintf (file, "{\"AS_TEST_UNKNOWN\":1}");
    fclose (file);
    AS_CHECK (as_config_load (table, path, &err) == -1);
    AS_CHECK (strstr (err.message, "unknown setting"));
    file = fopen (path, "w");
    fprintf (file, "[1,2");
    fclose (file);
    AS_CHECK (as_config_load (table, path, &err) == -1);
    unlink (path);

    //  Endpoints follow the port base unless overridden.
    setenv ("AFTERSALES_PORT_BASE", "9000", 1);
    unsetenv ("AFTERSALES_INTAKE_ENDPOINT");
    AS_CHECK (strcmp (as_endpoint ("intake"), "tcp://127.0.0.1:9011") == 0);
    setenv ("AFTERSALES_INTAKE_ENDPOINT", "ipc:///tmp/intake", 1);
    AS_CHECK (strcmp (as_endpoint ("intake"), "ipc:///tmp/intake") == 0);
    unsetenv ("AFTERSALES_INTAKE_ENDPOINT");
    setenv ("AFTERSALES_BIND_ALL", "1", 1);
    AS_CHECK (strcmp (as_endpoint_bind ("billing"), "tcp://*:9014") == 0);
    unsetenv ("AFTERSALES_BIND_ALL");
    unsetenv ("AFTERSALES_PORT_BASE");
    AS_CHECK (as_endpoint ("nonsense") == NULL);
}
