/*  as_acl: per-caller permissions from a JSON file (see as_acl.h).       */
#include "as_acl.h"
#include "as_curve.h"
#include "as_file.h"
#include "as_test.h"
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct _as_acl_t {
    cJSON *root;
    const cJSON *section;       //  inside root: WHO -> [names]
};

as_acl_t *
as_acl_load (const char *path, const char *section, as_error_t *err)
{
    char *text = as_file_read (path, 1 << 20, NULL);
    cJSON *root = text ? cJSON_Parse (text) : NULL;
    free (text);
    const cJSON *map = cJSON_GetObjectItemCaseSensitive (root, section);
    bool valid = cJSON_IsObject (map);
    const cJSON *list, *entry;
    cJSON_ArrayForEach (list, map) {
        valid = valid && cJSON_IsArray (list);
        cJSON_ArrayForEach (entry, list)
            valid = valid && cJSON_IsString (entry);
    }
    if (!valid) {
        cJSON_Delete (root);
        as_error_set (err, AS_INVALID_ARGUMENT, "%s: not readable, or not {\"%s\": {KEY-OR-NAME: [NAMES]}}",
                      path, section);
        return NULL;
    }
    as_acl_t *self = calloc (1, sizeof *self);
    self->root = root;
    self->section = map;
    return self;
}

void
as_acl_destroy (as_acl_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cJSON_Delete ((*self_p)->root);
    free (*self_p);
    *self_p = NULL;
}

bool
as_acl_allows (const as_acl_t *self, const char *who, const char *name)
{
    if (!self)
        return true;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, cJSON_GetObjectItemCaseSensitive (self->section, who)) {
        const char *allowed = cJSON_GetStringValue (entry);
        size_t length = strlen (allowed);
        if (strcmp (allowed, "*") == 0 || strcmp (allowed, name) == 0
        ||  (length && allowed [length - 1] == '.' && strncmp (allowed, name, length) == 0))
            return true;
    }
    return false;
}

void
as_acl_caller (zframe_t *frame, const char *claimed, char *out, size_t size)
{
    const char *key = as_curve_enabled () && frame ? zframe_meta (frame, "User-Id") : NULL;
    if (key && *key)
        snprintf (out, size, "%s", key);
    else
        snprintf (out, size, "%s", claimed && *claimed ? claimed : "anonymous");
}

//  --------------------------------------------------------------------------
//  Self-test

static as_acl_t *
s_test_load (const char *json, const char *section, as_error_t *err)
{
    char path [64];
    snprintf (path, sizeof path, "/tmp/as_acl_test_%d.json", (int) getpid ());
    FILE *file = fopen (path, "w");
    AS_CHECK (file);
    fputs (json, file);
    fclose (file);
    as_acl_t *acl = as_acl_load (path, section, err);
    unlink (path);
    return acl;
}

void
as_acl_test (bool verbose)
{
    (void) verbose;
    as_error_t err;
    as_acl_t *acl = s_test_load ("{\"clients\": {\"agent\": [\"case.\", \"kpi.query\"], \"ops\": [\"*\"],"
                                 " \"none\": []}}", "clients", &err);
    AS_CHECK (acl);
    AS_CHECK (as_acl_allows (acl, "agent", "case.report") && as_acl_allows (acl, "agent", "kpi.query"));
    AS_CHECK (!as_acl_allows (acl, "agent", "kpi.query2") && !as_acl_allows (acl, "agent", "casex.report"));
    AS_CHECK (!as_acl_allows (acl, "agent", "case") && !as_acl_allows (acl, "agent", "visit.book"));
    AS_CHECK (as_acl_allows (acl, "ops", "anything.at.all"));
    AS_CHECK (!as_acl_allows (acl, "none", "case.report") && !as_acl_allows (acl, "stranger", "case.report"));
    AS_CHECK (as_acl_allows (NULL, "stranger", "case.report"));
    as_acl_destroy (&acl);
    AS_CHECK (acl == NULL);
    //  Wrong shapes are refused, naming the file's expected form.
    AS_CHECK (!s_test_load ("{\"clients\": {\"agent\": \"case.\"}}", "clients", &err));
    AS_CHECK (err.code == AS_INVALID_ARGUMENT && strstr (err.message, "KEY-OR-NAME"));
    AS_CHECK (!s_test_load ("{\"clients\": {\"agent\": [1]}}", "clients", &err));
    AS_CHECK (!s_test_load ("{\"publishers\": {}}", "clients", &err));
    AS_CHECK (!s_test_load ("not json", "clients", &err));
    AS_CHECK (!as_acl_load ("/nonexistent/acl.json", "clients", &err));
    char who [64];
    as_acl_caller (NULL, "sales-system", who, sizeof who);
    AS_CHECK (strcmp (who, "sales-system") == 0);
    as_acl_caller (NULL, "", who, sizeof who);
    AS_CHECK (strcmp (who, "anonymous") == 0);
}
