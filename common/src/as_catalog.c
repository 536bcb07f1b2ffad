/*  as_catalog: proto/catalogue.json, embedded at build time, parsed once,
    and the schema checker that every event payload and RPC params/result
    goes through. The catalogue format is described in proto/README.md.

    We keep the cJSON tree and walk it while checking: the catalogue is
    small, and a second in-memory representation would be one more thing
    that could disagree with proto/.                                          */
#include "as_catalog.h"
#include "as_event.h"
#include "as_msg.h"
#include "as_test.h"
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

extern const char as_catalog_json [];
extern const unsigned long as_catalog_json_size;

#define S_DEFAULT_MAX_LEN  4096     //  characters of a str field
#define S_PATH_MAX         256

static cJSON *s_catalog;
static const cJSON *s_services;
static const cJSON *s_events;
static const cJSON *s_methods;

static const char *s_types [] = {
    "str", "int", "uint", "bool", "float", "map", "array", "bin", "nil", "any",
    "date", "time", "uuid", NULL
};

//  --------------------------------------------------------------------------
//  Loading: the catalogue is a build input, so a broken one is a build
//  mistake. We still check its shape here so that a typo in proto/ fails
//  the self-test at once instead of silently accepting everything.

static bool
s_schema_valid (const cJSON *schema, const char *where)
{
    const char *type = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (schema, "type"));
    bool known = false;
    for (int i = 0; type && s_types [i]; i++)
        known |= strcmp (type, s_types [i]) == 0;
    if (!cJSON_IsObject (schema) || !known) {
        fprintf (stderr, "as_catalog: %s: missing or unknown type\n", where);
        return false;
    }
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive (schema, "fields");
    const cJSON *field;
    cJSON_ArrayForEach (field, fields)
        if (!s_schema_valid (field, field->string))
            return false;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive (schema, "items");
    if (items && !s_schema_valid (items, where))
        return false;
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive (schema, "enum");
    if (choices && !cJSON_IsArray (choices)) {
        fprintf (stderr, "as_catalog: %s: enum must be an array\n", where);
        return false;
    }
    return true;
}

static bool
s_service_valid (const char *service, bool star_ok)
{
    if (!service)
        return false;
    if (star_ok && strcmp (service, "*") == 0)
        return true;
    return cJSON_GetObjectItemCaseSensitive (s_services, service) != NULL;
}

static bool
s_catalog_valid (void)
{
    if (!cJSON_IsObject (s_services) || !cJSON_IsObject (s_events) || !cJSON_IsObject (s_methods))
        return false;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, s_events) {
        const char *owner = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (entry, "owner"));
        if (!s_service_valid (owner, false)
        || !cJSON_IsBool (cJSON_GetObjectItemCaseSensitive (entry, "ingress"))
        || !s_schema_valid (cJSON_GetObjectItemCaseSensitive (entry, "data"), entry->string)) {
            fprintf (stderr, "as_catalog: event %s: unknown owner, no ingress flag or bad data\n", entry->string);
            return false;
        }
    }
    cJSON_ArrayForEach (entry, s_methods) {
        const char *service = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (entry, "service"));
        if (!s_service_valid (service, true)
        || !cJSON_IsBool (cJSON_GetObjectItemCaseSensitive (entry, "mutates"))
        || !s_schema_valid (cJSON_GetObjectItemCaseSensitive (entry, "params"), entry->string)
        || !s_schema_valid (cJSON_GetObjectItemCaseSensitive (entry, "result"), entry->string)) {
            fprintf (stderr, "as_catalog: method %s: unknown service, no mutates flag or bad schema\n", entry->string);
            return false;
        }
    }
    return true;
}

//  Move every member of section `name` of a fragment into the root's; a
//  name defined twice is a build mistake.
static bool
s_merge_section (cJSON *root, cJSON *fragment, const char *name)
{
    cJSON *from = cJSON_GetObjectItemCaseSensitive (fragment, name);
    if (!from)
        return true;
    cJSON *into = cJSON_GetObjectItemCaseSensitive (root, name);
    if (!into)
        into = cJSON_AddObjectToObject (root, name);
    while (from->child) {
        cJSON *item = cJSON_DetachItemViaPointer (from, from->child);
        if (cJSON_GetObjectItemCaseSensitive (into, item->string)) {
            fprintf (stderr, "as_catalog: %s '%s' is defined twice\n", name, item->string);
            cJSON_Delete (item);
            return false;
        }
        cJSON_AddItemToObject (into, item->string, item);
    }
    return true;
}

//  The embedded text is an array: proto/catalogue.json, then each fragment
//  of proto/catalogue.d/ (one per service, so services grow apart).
static cJSON *
s_merge (cJSON *parts)
{
    if (!cJSON_IsArray (parts) || !cJSON_IsObject (cJSON_GetArrayItem (parts, 0))) {
        cJSON_Delete (parts);
        return NULL;
    }
    cJSON *root = cJSON_DetachItemFromArray (parts, 0);
    bool ok = true;
    cJSON *fragment;
    cJSON_ArrayForEach (fragment, parts)
        ok = ok && s_merge_section (root, fragment, "services")
                && s_merge_section (root, fragment, "events")
                && s_merge_section (root, fragment, "methods");
    cJSON_Delete (parts);
    if (!ok) {
        cJSON_Delete (root);
        return NULL;
    }
    return root;
}

int
as_catalog_load (void)
{
    if (s_catalog)
        return 0;
    cJSON *catalog = s_merge (cJSON_ParseWithLength (as_catalog_json, as_catalog_json_size));
    s_services = cJSON_GetObjectItemCaseSensitive (catalog, "services");
    s_events = cJSON_GetObjectItemCaseSensitive (catalog, "events");
    s_methods = cJSON_GetObjectItemCaseSensitive (catalog, "methods");
    if (!catalog || !s_catalog_valid ()) {
        fprintf (stderr, "as_catalog: proto/catalogue.json or proto/catalogue.d is broken\n");
        cJSON_Delete (catalog);
        s_services = s_events = s_methods = NULL;
        return -1;
    }
    s_catalog = catalog;
    return 0;
}

//  --------------------------------------------------------------------------
//  Lookups

static const cJSON *
s_event (const char *type)
{
    if (!type || as_catalog_load ())
        return NULL;
    return cJSON_GetObjectItemCaseSensitive (s_events, type);
}

static const cJSON *
s_method (const char *method)
{
    if (!method || as_catalog_load ())
        return NULL;
    return cJSON_GetObjectItemCaseSensitive (s_methods, method);
}

bool
as_catalog_has_event (const char *type)
{
    return s_event (type) != NULL;
}

bool
as_catalog_has_method (const char *method)
{
    return s_method (method) != NULL;
}

const char *
as_catalog_event_owner (const char *type)
{
    return cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (s_event (type), "owner"));
}

bool
as_catalog_event_is_ingress (const char *type)
{
    return cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (s_event (type), "ingress"));
}

const char *
as_catalog_method_service (const char *method)
{
    return cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (s_method (method), "service"));
}

bool
as_catalog_method_mutates (const char *method)
{
    return cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (s_method (method), "mutates"));
}

const char *
as_catalog_param_type (const char *method, const char *path)
{
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive (s_method (method), "params");
    char name [64];
    while (schema && path && *path) {
        size_t length = strcspn (path, ".");
        if (length >= sizeof name)
            return NULL;
        memcpy (name, path, length);
        name [length] = 0;
        schema = cJSON_GetObjectItemCaseSensitive (cJSON_GetObjectItemCaseSensitive (schema, "fields"), name);
        path += length + (path [length] == '.');
    }
    return cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (schema, "type"));
}

void
as_catalog_each_event (as_catalog_event_fn *fn, void *arg)
{
    if (as_catalog_load ())
        return;
    const cJSON *entry;
    cJSON_ArrayForEach (entry, s_events)
        fn (entry->string, as_catalog_event_owner (entry->string),
            as_catalog_event_is_ingress (entry->string), arg);
}

//  --------------------------------------------------------------------------
//  Checking. path holds the field path ("params.customer.phone"); each
//  level appends to it and cuts it back on return.

static int s_check (const cJSON *schema, const msgpack_object *obj, char *path, as_error_t *err);

static int
s_fail (as_error_t *err, const char *path, const char *problem)
{
    return as_error_set (err, AS_INVALID_ARGUMENT, "%s: %s", path, problem);
}

static double
s_number (const cJSON *schema, const char *name, double fallback)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (schema, name);
    return cJSON_IsNumber (item)? item->valuedouble: fallback;
}

//  Code points in a UTF-8 string, or -1 when it is not valid UTF-8
//  (overlong forms, surrogates and values past U+10FFFF included).
static long
s_utf8_length (const uint8_t *text, size_t size)
{
    static const uint32_t smallest [] = { 0, 0x80, 0x800, 0x10000 };
    long count = 0;
    size_t i = 0;
    while (i < size) {
        uint8_t byte = text [i];
        size_t extra = byte < 0x80? 0: (byte & 0xe0) == 0xc0? 1
                     : (byte & 0xf0) == 0xe0? 2: (byte & 0xf8) == 0xf0? 3: 4;
        if (extra == 4 || size - i <= extra)
            return -1;
        uint32_t code = extra == 0? byte: byte & (0x3f >> extra);
        for (size_t j = 1; j <= extra; j++) {
            if ((text [i + j] & 0xc0) != 0x80)
                return -1;
            code = code << 6 | (text [i + j] & 0x3f);
        }
        if (code < smallest [extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            return -1;
        i += extra + 1;
        count++;
    }
    return count;
}

static bool
s_in_enum (const cJSON *choices, const msgpack_object *obj)
{
    const cJSON *choice;
    cJSON_ArrayForEach (choice, choices)
        if (cJSON_IsString (choice) && as_obj_streq (obj, choice->valuestring))
            return true;
    return false;
}

//  "'fax' is not one of phone, web, ..." in one line that fits the error
//  message: the refused value (valid UTF-8, checked before) cut after 40
//  bytes on a character boundary, control characters shown as '?'; the
//  list ends in "..." where it would not fit.
static void
s_enum_problem (const cJSON *choices, const msgpack_object *obj, char *out, size_t size)
{
    size_t cut = obj->via.str.size;
    if (cut > 40) {
        cut = 40;
        while (cut > 0 && ((uint8_t) obj->via.str.ptr [cut] & 0xc0) == 0x80)
            cut--;
    }
    size_t length = (size_t) snprintf (out, size, "'");
    for (size_t i = 0; i < cut && length + 1 < size; i++) {
        uint8_t byte = (uint8_t) obj->via.str.ptr [i];
        out [length++] = (char) (byte < 0x20 || byte == 0x7f? '?': byte);
    }
    out [length] = 0;
    length += (size_t) snprintf (out + length, size - length, "%s' is not one of ",
                                 cut < obj->via.str.size? "...": "");
    if (length >= size)
        return;
    const char *separator = "";
    const cJSON *choice;
    cJSON_ArrayForEach (choice, choices) {
        const char *text = cJSON_GetStringValue (choice);
        if (!text)
            continue;
        //  Room for this one and, should more follow, ", ...".
        if (length + strlen (separator) + strlen (text) + (choice->next? 6: 1) > size) {
            snprintf (out + length, size - length, "%s...", separator);
            return;
        }
        length += (size_t) snprintf (out + length, size - length, "%s%s", separator, text);
        separator = ", ";
    }
}

//  date, time and uuid are strings with a syntax.
static bool
s_syntax_ok (const char *type, const msgpack_object *obj)
{
    char text [64];
    if (obj->via.str.size >= sizeof text)
        return false;
    memcpy (text, obj->via.str.ptr, obj->via.str.size);
    text [obj->via.str.size] = 0;
    if (strcmp (type, "date") == 0)
        return as_date_valid (text);
    if (strcmp (type, "time") == 0)
        return as_time_rfc3339_valid (text);
    return as_uuid_valid (text);
}

static int
s_check_str (const cJSON *schema, const char *type, const msgpack_object *obj,
             const char *path, as_error_t *err)
{
    char problem [64];
    if (obj->type != MSGPACK_OBJECT_STR) {
        snprintf (problem, sizeof problem, "expected %s (a string)", type);
        return s_fail (err, path, problem);
    }
    long length = s_utf8_length ((const uint8_t *) obj->via.str.ptr, obj->via.str.size);
    if (length < 0)
        return s_fail (err, path, "invalid UTF-8");
    double max_len = s_number (schema, "max_len", S_DEFAULT_MAX_LEN);
    double min_len = s_number (schema, "min_len", 0);
    if (length > max_len) {
        snprintf (problem, sizeof problem, "string longer than %.0f", max_len);
        return s_fail (err, path, problem);
    }
    if (length < min_len)
        return s_fail (err, path, min_len == 1? "must not be empty": "string too short");
    if (strcmp (type, "str") != 0 && !s_syntax_ok (type, obj)) {
        snprintf (problem, sizeof problem, "not a valid %s", type);
        return s_fail (err, path, problem);
    }
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive (schema, "enum");
    if (choices && !s_in_enum (choices, obj)) {
        //  What fits in an error message beside the path.
        char choices_problem [AS_ERROR_MESSAGE_MAX];
        size_t used = strlen (path) + 2;
        size_t room = used + 64 < sizeof choices_problem? sizeof choices_problem - used: 64;
        s_enum_problem (choices, obj, choices_problem, room);
        return s_fail (err, path, choices_problem);
    }
    return 0;
}

static int
s_check_bounds (const cJSON *schema, double value, const char *path, as_error_t *err)
{
    char problem [64];
    const cJSON *min = cJSON_GetObjectItemCaseSensitive (schema, "min");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive (schema, "max");
    if (cJSON_IsNumber (min) && value < min->valuedouble) {
        snprintf (problem, sizeof problem, "less than %g", min->valuedouble);
        return s_fail (err, path, problem);
    }
    if (cJSON_IsNumber (max) && value > max->valuedouble) {
        snprintf (problem, sizeof problem, "greater than %g", max->valuedouble);
        return s_fail (err, path, problem);
    }
    return 0;
}

static int
s_check_number (const cJSON *schema, const char *type, const msgpack_object *obj,
                const char *path, as_error_t *err)
{
    bool positive = obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
    bool negative = obj->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
    bool real = obj->type == MSGPACK_OBJECT_FLOAT32 || obj->type == MSGPACK_OBJECT_FLOAT64;
    double value;
    if (strcmp (type, "uint") == 0) {
        if (!positive)
            return s_fail (err, path, "expected uint");
        value = (double) obj->via.u64;
    }
    else
    if (strcmp (type, "int") == 0) {
        if (!negative && !(positive && obj->via.u64 <= INT64_MAX))
            return s_fail (err, path, "expected int");
        value = positive? (double) obj->via.u64: (double) obj->via.i64;
    }
    else {
        //  A JSON client cannot tell 31 from 31.0, so ints pass as floats.
        if (!real && !positive && !negative)
            return s_fail (err, path, "expected float");
        value = real? obj->via.f64: positive? (double) obj->via.u64: (double) obj->via.i64;
        if (!isfinite (value))
            return s_fail (err, path, "not a finite number");
    }
    return s_check_bounds (schema, value, path, err);
}

static int
s_check_count (const cJSON *schema, uint32_t count, const char *path, as_error_t *err)
{
    double max_items = s_number (schema, "max_items", AS_MSG_MAX_ITEMS);
    char problem [64];
    if (count > max_items) {
        snprintf (problem, sizeof problem, "more than %.0f items", max_items);
        return s_fail (err, path, problem);
    }
    return 0;
}

//  Appends ".name" or "[index]" to path; returns the old length to cut back.
static size_t
s_path_push (char *path, const char *name, uint32_t index)
{
    size_t length = strlen (path);
    if (name)
        snprintf (path + length, S_PATH_MAX - length, ".%s", name);
    else
        snprintf (path + length, S_PATH_MAX - length, "[%u]", index);
    return length;
}

static int
s_check_array (const cJSON *schema, const msgpack_object *obj, char *path, as_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_ARRAY)
        return s_fail (err, path, "expected array");
    if (s_check_count (schema, obj->via.array.size, path, err))
        return -1;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive (schema, "items");
    for (uint32_t index = 0; items && index < obj->via.array.size; index++) {
        size_t length = s_path_push (path, NULL, index);
        if (s_check (items, &obj->via.array.ptr [index], path, err))
            return -1;
        path [length] = 0;
    }
    return 0;
}

//  Untrusted key text goes into error messages: printable ASCII only.
static void
s_key_text (const msgpack_object *key, char *out, size_t size)
{
    size_t count = 0;
    for (uint32_t i = 0; i < key->via.str.size && count + 1 < size; i++) {
        char c = key->via.str.ptr [i];
        out [count++] = c >= 0x20 && c < 0x7f? c: '?';
    }
    out [count] = 0;
}

static bool
s_key_repeated (const msgpack_object *map, uint32_t index)
{
    const msgpack_object *key = &map->via.map.ptr [index].key;
    for (uint32_t earlier = 0; earlier < index; earlier++) {
        const msgpack_object *other = &map->via.map.ptr [earlier].key;
        if (other->type == MSGPACK_OBJECT_STR && other->via.str.size == key->via.str.size
        &&  memcmp (other->via.str.ptr, key->via.str.ptr, key->via.str.size) == 0)
            return true;
    }
    return false;
}

//  One map entry: known field (checked, once), or unknown (refused unless
//  the map allows additional fields).
static int
s_check_entry (const cJSON *schema, const msgpack_object *map, uint32_t index,
               char *path, as_error_t *err)
{
    const msgpack_object_kv *kv = &map->via.map.ptr [index];
    if (kv->key.type != MSGPACK_OBJECT_STR)
        return s_fail (err, path, "map key is not a string");
    char name [65], problem [100];
    s_key_text (&kv->key, name, sizeof name);
    const cJSON *field = kv->key.via.str.size < sizeof name
        ? cJSON_GetObjectItemCaseSensitive (cJSON_GetObjectItemCaseSensitive (schema, "fields"), name)
        : NULL;
    if (!field) {
        if (cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (schema, "additional")))
            return 0;
        snprintf (problem, sizeof problem, "unknown field %s", name);
        return s_fail (err, path, problem);
    }
    if (s_key_repeated (map, index)) {
        snprintf (problem, sizeof problem, "field %s given twice", name);
        return s_fail (err, path, problem);
    }
    size_t length = s_path_push (path, field->string, 0);
    int rc = s_check (field, &kv->val, path, err);
    path [length] = 0;
    return rc;
}

static int
s_check_map (const cJSON *schema, const msgpack_object *obj, char *path, as_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_MAP)
        return s_fail (err, path, "expected map");
    if (s_check_count (schema, obj->via.map.size, path, err))
        return -1;
    for (uint32_t index = 0; index < obj->via.map.size; index++)
        if (s_check_entry (schema, obj, index, path, err))
            return -1;
    const cJSON *field;
    cJSON_ArrayForEach (field, cJSON_GetObjectItemCaseSensitive (schema, "fields")) {
        if (cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (field, "required"))
        && !as_obj_get (obj, field->string)) {
            size_t length = s_path_push (path, field->string, 0);
            s_fail (err, path, "missing required field");
            path [length] = 0;
            return -1;
        }
    }
    return 0;
}

static int
s_check (const cJSON *schema, const msgpack_object *obj, char *path, as_error_t *err)
{
    const char *type = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (schema, "type"));
    if (!type || strcmp (type, "any") == 0)
        return 0;
    if (obj->type == MSGPACK_OBJECT_NIL) {
        if (strcmp (type, "nil") == 0
        ||  cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (schema, "nullable")))
            return 0;
        return s_fail (err, path, "must not be null");
    }
    if (strcmp (type, "map") == 0)
        return s_check_map (schema, obj, path, err);
    if (strcmp (type, "array") == 0)
        return s_check_array (schema, obj, path, err);
    if (strcmp (type, "str") == 0 || strcmp (type, "date") == 0
    ||  strcmp (type, "time") == 0 || strcmp (type, "uuid") == 0)
        return s_check_str (schema, type, obj, path, err);
    if (strcmp (type, "int") == 0 || strcmp (type, "uint") == 0 || strcmp (type, "float") == 0)
        return s_check_number (schema, type, obj, path, err);
    if (strcmp (type, "bool") == 0)
        return obj->type == MSGPACK_OBJECT_BOOLEAN? 0: s_fail (err, path, "expected bool");
    if (strcmp (type, "bin") == 0) {
        if (obj->type != MSGPACK_OBJECT_BIN)
            return s_fail (err, path, "expected bin");
        return obj->via.bin.size > s_number (schema, "max_len", AS_MSG_MAX_FRAME)
            ? s_fail (err, path, "bin too long"): 0;
    }
    return s_fail (err, path, "expected null");     //  type nil, value not nil
}

static int
s_check_root (const cJSON *schema, const char *root, const msgpack_object *obj, as_error_t *err)
{
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s", root);
    if (!obj)
        return s_fail (err, path, "missing");
    return s_check (schema, obj, path, err);
}

int
as_catalog_check_event (const char *type, const msgpack_object *data, as_error_t *err)
{
    const cJSON *event = s_event (type);
    if (!event)
        return as_error_set (err, AS_INVALID_ARGUMENT, "unknown event type %s",
                             type? type: "(null)");
    return s_check_root (cJSON_GetObjectItemCaseSensitive (event, "data"), "data", data, err);
}

static int
s_check_method (const char *method, const char *part, const msgpack_object *obj, as_error_t *err)
{
    const cJSON *entry = s_method (method);
    if (!entry)
        return as_error_set (err, AS_UNIMPLEMENTED, "unknown method %s", method? method: "(null)");
    return s_check_root (cJSON_GetObjectItemCaseSensitive (entry, part), part, obj, err);
}

int
as_catalog_check_params (const char *method, const msgpack_object *params, as_error_t *err)
{
    return s_check_method (method, "params", params, err);
}

int
as_catalog_check_result (const char *method, const msgpack_object *result, as_error_t *err)
{
    return s_check_method (method, "result", result, err);
}

//  --------------------------------------------------------------------------
//  Self-test

//  JSON text -> check as params of method; expect message fragment or OK.
static void
s_expect_params (const char *method, const char *json, const char *expect, bool verbose)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    as_error_t err;
    as_error_clear (&err);
    AS_CHECK (as_json_to_msgpack (json, &sbuf, &err) == 0);
    as_msg_t *msg = as_msg_decode (sbuf.data, sbuf.size, 0, &err);
    AS_CHECK (msg);
    int rc = as_catalog_check_params (method, as_msg_root (msg), &err);
    if (verbose)
        printf ("\n    %s %s -> %s", method, json, rc? err.message: "ok");
    if (expect) {
        AS_CHECK (rc == -1);
        AS_CHECK (strstr (err.message, expect));
    }
    else
        AS_CHECK (rc == 0);
    as_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&sbuf);
}

static void
s_count_event (const char *type, const char *owner, bool ingress, void *arg)
{
    AS_CHECK (type && owner);
    (void) ingress;
    (*(int *) arg)++;
}

#define S_CUSTOMER "\"customer\":{\"name\":\"\xe5\xbc\xa0\xe4\xb8\x89\",\"phone\":\"13800000000\"," \
                   "\"address\":\"Beijing\"}"
#define S_PRODUCT  "\"product\":{\"category\":\"refrigerator\",\"model\":\"BCD-470\",\"serial\":\"SN1\"}"

static void
s_test_report (bool verbose)
{
    const char *base = "{" S_CUSTOMER "," S_PRODUCT ",\"symptom\":\"not cold\",\"channel\":\"phone\"";
    char json [1024];
    snprintf (json, sizeof json, "%s}", base);
    s_expect_params ("case.report", json, NULL, verbose);
    snprintf (json, sizeof json, "%s,\"priority\":\"soon\"}", base);
    s_expect_params ("case.report", json, "params.priority: 'soon' is not one of ", verbose);
    snprintf (json, sizeof json, "%s,\"nick\":1}", base);
    s_expect_params ("case.report", json, "params: unknown field nick", verbose);
    snprintf (json, sizeof json, "%s,\"channel\":\"web\"}", base);
    s_expect_params ("case.report", json, "field channel given twice", verbose);
    s_expect_params ("case.report", "{" S_PRODUCT ",\"symptom\":\"x\",\"channel\":\"web\"}",
                     "params.customer: missing required field", verbose);
    s_expect_params ("case.report", "{\"customer\":{\"name\":\"a\",\"phone\":\"123456789012345678901234567890123\","
                     "\"address\":\"b\"}," S_PRODUCT ",\"symptom\":\"x\",\"channel\":\"web\"}",
                     "params.customer.phone: string longer than 32", verbose);
    s_expect_params ("case.report", "{\"customer\":{\"name\":\"\",\"phone\":\"1\",\"address\":\"b\"},"
                     S_PRODUCT ",\"symptom\":\"x\",\"channel\":\"web\"}",
                     "params.customer.name: must not be empty", verbose);
    snprintf (json, sizeof json, "%s,\"product\":{\"category\":\"fan\",\"model\":\"m\",\"serial\":\"s\","
              "\"purchase_date\":\"2025-02-30\"}}", "{" S_CUSTOMER ",\"symptom\":\"x\",\"channel\":\"web\"");
    s_expect_params ("case.report", json, "params.product.purchase_date: not a valid date", verbose);
    snprintf (json, sizeof json, "%s,\"product\":{\"category\":\"fan\",\"model\":\"m\",\"serial\":\"s\","
              "\"purchase_date\":\"2024-02-29\",\"proof\":{\"kind\":\"invoice\"}}}",
              "{" S_CUSTOMER ",\"symptom\":\"x\",\"channel\":\"web\"");
    s_expect_params ("case.report", json, NULL, verbose);
    s_expect_params ("case.report", "{\"customer\":{\"name\":\"a\",\"phone\":\"1\",\"address\":\"b\","
                     "\"location\":{\"lat\":39,\"lon\":116.4}}," S_PRODUCT ",\"symptom\":\"x\",\"channel\":\"web\"}",
                     NULL, verbose);
    s_expect_params ("case.report", "{\"customer\":{\"name\":\"a\",\"phone\":\"1\",\"address\":\"b\","
                     "\"location\":{\"lat\":\"north\",\"lon\":116.4}}," S_PRODUCT ",\"symptom\":\"x\",\"channel\":\"web\"}",
                     "params.customer.location.lat: expected float", verbose);
}

//  An enum's refusal names the value and the allowed ones, on one line.
static void
s_test_enum (bool verbose)
{
    const char *base = "{" S_CUSTOMER "," S_PRODUCT ",\"symptom\":\"not cold\"";
    char json [1024];
    snprintf (json, sizeof json, "%s,\"channel\":\"fax\"}", base);
    s_expect_params ("case.report", json, "params.channel: 'fax' is not one of phone, web, app, station, device",
                     verbose);
    //  A long value is cut on a character boundary (after 12 of these
    //  3-byte characters: 40 bytes would split the 13th), a newline shown as '?'.
    char value [64] = "a\\n", shown [128] = "params.channel: 'a?";
    for (int i = 0; i < 15; i++)
        strcat (value, "\xe4\xb8\xad");
    for (int i = 0; i < 12; i++)
        strcat (shown, "\xe4\xb8\xad");
    strcat (shown, "...' is not one of phone, web,");
    snprintf (json, sizeof json, "%s,\"channel\":\"%s\"}", base, value);
    s_expect_params ("case.report", json, shown, verbose);
    //  A list that does not fit ends in "...".
    cJSON *choices = cJSON_Parse ("[\"phone\",\"web\",\"app\",\"station\",\"device\"]");
    msgpack_object fax = { .type = MSGPACK_OBJECT_STR, .via.str = { 3, "fax" } };
    char problem [40];
    s_enum_problem (choices, &fax, problem, sizeof problem);
    AS_CHECK (strcmp (problem, "'fax' is not one of phone, web, ...") == 0);
    cJSON_Delete (choices);
}

static void
s_test_small (bool verbose)
{
    s_expect_params ("case.get", "{\"case_id\":7}", NULL, verbose);
    s_expect_params ("case.get", "{\"case_id\":-7}", "params.case_id: expected uint", verbose);
    s_expect_params ("case.get", "{\"case_id\":\"7\"}", "params.case_id: expected uint", verbose);
    s_expect_params ("case.get", "{\"case_id\":null}", "params.case_id: must not be null", verbose);
    s_expect_params ("case.get", "[]", "params: expected map", verbose);
    s_expect_params ("events.fetch", "{\"after\":0,\"limit\":1001}", "params.limit: greater than 1000", verbose);
    s_expect_params ("events.fetch", "{\"after\":0,\"limit\":0}", "params.limit: less than 1", verbose);
    s_expect_params ("events.fetch", "{\"after\":0}", NULL, verbose);
    s_expect_params ("events.ingest", "{\"publisher\":\"iot\",\"event\":\"text\"}",
                     "params.event: expected bin", verbose);
    s_expect_params ("events.ingest", "{\"publisher\":\"iot\",\"event\":{\"$bin\":\"gA==\"}}", NULL, verbose);
    s_expect_params ("case.cancel", "{\"case_id\":1,\"reason\":\"\xff\xfe\"}",
                     "params.reason: invalid UTF-8", verbose);
    s_expect_params ("case.cancel", "{\"case_id\":1,\"reason\":\"\xed\xa0\x80\"}",
                     "params.reason: invalid UTF-8", verbose);
    //  500 Chinese characters are 1500 bytes but within max_len 500.
    char json [2000] = "{\"case_id\":1,\"reason\":\"";
    for (int i = 0; i < 500; i++)
        strcat (json, "\xe4\xb8\xad");
    strcat (json, "\"}");
    s_expect_params ("case.cancel", json, NULL, verbose);
    s_expect_params ("no.such", "{}", "unknown method no.such", verbose);
}

static void
s_test_results (void)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack ("{\"entries\":[{\"at\":\"2026-01-02T03:04:05Z\",\"from_status\":null,"
              "\"to_status\":\"reported\",\"actor\":\"web\",\"note\":null},{\"at\":\"bad\"}]}", &sbuf, &err) == 0);
    as_msg_t *msg = as_msg_decode (sbuf.data, sbuf.size, 0, &err);
    AS_CHECK (as_catalog_check_result ("case.history", as_msg_root (msg), &err) == -1);
    AS_CHECK (strcmp (err.message, "result.entries[1].at: not a valid time") == 0);
    as_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&sbuf);
}

void
as_catalog_test (bool verbose)
{
    AS_CHECK (as_catalog_load () == 0);
    AS_CHECK (as_catalog_load () == 0);
    AS_CHECK (as_catalog_has_event ("case.reported"));
    AS_CHECK (!as_catalog_has_event ("case.eaten"));
    AS_CHECK (strcmp (as_catalog_event_owner ("device.fault_reported"), "intake") == 0);
    AS_CHECK (as_catalog_event_is_ingress ("device.fault_reported"));
    AS_CHECK (!as_catalog_event_is_ingress ("case.reported"));
    AS_CHECK (as_catalog_event_owner ("nope") == NULL);
    AS_CHECK (strcmp (as_catalog_method_service ("health"), "*") == 0);
    AS_CHECK (strcmp (as_catalog_method_service ("case.report"), "intake") == 0);
    AS_CHECK (as_catalog_method_mutates ("case.report"));
    //  The inbox, not a key, makes a repeated ingest harmless.
    AS_CHECK (!as_catalog_method_mutates ("events.ingest"));
    AS_CHECK (!as_catalog_method_mutates ("case.get"));
    AS_CHECK (as_catalog_has_method ("events.publish"));
    AS_CHECK (strcmp (as_catalog_param_type ("case.get", "case_id"), "uint") == 0);
    AS_CHECK (strcmp (as_catalog_param_type ("case.report", "customer.location.lat"), "float") == 0);
    AS_CHECK (as_catalog_param_type ("case.report", "customer.shoe_size") == NULL);
    AS_CHECK (as_catalog_param_type ("no.such", "case_id") == NULL);
    int events = 0;
    as_catalog_each_event (s_count_event, &events);
    AS_CHECK (events >= 7);
    s_test_report (verbose);
    s_test_enum (verbose);
    s_test_small (verbose);
    s_test_results ();

    as_error_t err;
    AS_CHECK (as_catalog_check_event ("case.eaten", NULL, &err) == -1);
    AS_CHECK (err.code == AS_INVALID_ARGUMENT);
    AS_CHECK (as_catalog_check_params ("case.eaten", NULL, &err) == -1);
    AS_CHECK (err.code == AS_UNIMPLEMENTED);
    AS_CHECK (as_catalog_check_params ("case.get", NULL, &err) == -1);
    AS_CHECK (strcmp (err.message, "params: missing") == 0);
}
