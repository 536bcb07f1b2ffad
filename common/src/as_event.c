/*  as_event: the event envelope. Canonical order and attribute rules are in
    proto/ENVELOPE.md; decoding accepts any key order but refuses unknown,
    repeated or malformed attributes.                                         */
#include "as_event.h"
#include "as_catalog.h"
#include "as_test.h"
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define S_SPECVERSION   "1.0"
#define S_CONTENT_TYPE  "application/msgpack"
#define S_SOURCE_MAX    64
#define S_TYPE_MAX      64
#define S_SUBJECT_MAX   128

//  Canonical key order, and the attributes a decoder accepts.
static const char *s_attributes [] = {
    "specversion", "id", "source", "type", "time", "subject",
    "datacontenttype", "sequence", "traceparent", "data", NULL
};

//  --------------------------------------------------------------------------
//  Ids, times and trace context

static void
s_random_bytes (uint8_t *bytes, size_t size)
{
    size_t filled = 0;
    while (filled < size) {
        ssize_t rc = getrandom (bytes + filled, size - filled, 0);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            break;
        filled += (size_t) rc;
    }
    if (filled < size) {
        //  Old kernels without getrandom: the device gives the same bytes.
        int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
        assert (fd >= 0);
        ssize_t rc = read (fd, bytes + filled, size - filled);
        assert (rc == (ssize_t) (size - filled));
        close (fd);
    }
}

void
as_uuid_v4 (char out [37])
{
    uint8_t bytes [16];
    s_random_bytes (bytes, sizeof bytes);
    bytes [6] = (bytes [6] & 0x0f) | 0x40;          //  version 4
    bytes [8] = (bytes [8] & 0x3f) | 0x80;          //  RFC 4122 variant
    char *cursor = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *cursor++ = '-';
        cursor += sprintf (cursor, "%02x", bytes [i]);
    }
}

static bool
s_hex (const char *text, size_t count, bool lower_only)
{
    for (size_t i = 0; i < count; i++) {
        char c = text [i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
        ||    (!lower_only && c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

bool
as_uuid_valid (const char *text)
{
    if (!text || strlen (text) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash? text [i] != '-': !s_hex (text + i, 1, false))
            return false;
    }
    return true;
}

void
as_time_now_rfc3339 (char out [32])
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    struct tm utc;
    gmtime_r (&now.tv_sec, &utc);
    size_t length = strftime (out, 32, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf (out + length, 32 - length, ".%03ldZ", now.tv_nsec / 1000000);
}

//  Reads count digits into *value; false if any is not a digit.
static bool
s_digits (const char *text, int count, int *value)
{
    *value = 0;
    for (int i = 0; i < count; i++) {
        if (text [i] < '0' || text [i] > '9')
            return false;
        *value = *value * 10 + (text [i] - '0');
    }
    return true;
}

static bool
s_date_prefix_valid (const char *text)
{
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int year, month, day;
    if (!s_digits (text, 4, &year) || text [4] != '-' || !s_digits (text + 5, 2, &month)
    ||  text [7] != '-' || !s_digits (text + 8, 2, &day) || month < 1 || month > 12 || day < 1)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days [month - 1] + (month == 2 && leap);
}

bool
as_date_valid (const char *text)
{
    return text && strlen (text) == 10 && s_date_prefix_valid (text);
}

bool
as_time_rfc3339_valid (const char *text)
{
    int hour, minute, second, zone_hour, zone_minute;
    if (!text || strlen (text) < 20 || !s_date_prefix_valid (text) || text [10] != 'T'
    ||  !s_digits (text + 11, 2, &hour) || text [13] != ':' || !s_digits (text + 14, 2, &minute)
    ||  text [16] != ':' || !s_digits (text + 17, 2, &second)
    ||  hour > 23 || minute > 59 || second > 60)    //  60: a leap second
        return false;
    const char *rest = text + 19;
    if (*rest == '.') {
        size_t digits = strspn (rest + 1, "0123456789");
        if (digits < 1 || digits > 9)
            return false;
        rest += 1 + digits;
    }
    if (strcmp (rest, "Z") == 0)
        return true;
    return (rest [0] == '+' || rest [0] == '-') && strlen (rest) == 6
        && s_digits (rest + 1, 2, &zone_hour) && rest [3] == ':'
        && s_digits (rest + 4, 2, &zone_minute) && zone_hour <= 23 && zone_minute <= 59;
}

bool
as_traceparent_valid (const char *text)
{
    if (!text || strlen (text) != 55 || strncmp (text, "00-", 3) != 0
    ||  !s_hex (text + 3, 32, true) || text [35] != '-'
    ||  !s_hex (text + 36, 16, true) || text [52] != '-' || !s_hex (text + 53, 2, true))
        return false;
    return strncmp (text + 3, "00000000000000000000000000000000", 32) != 0
        && strncmp (text + 36, "0000000000000000", 16) != 0;
}

//  Event types: dot-separated lowercase words, at least two.
static bool
s_type_valid (const char *type)
{
    int words = 0;
    const char *cursor = type;
    while (true) {
        if (*cursor < 'a' || *cursor > 'z')
            return false;
        cursor += strspn (cursor, "abcdefghijklmnopqrstuvwxyz0123456789_");
        words++;
        if (*cursor == 0)
            return words >= 2;
        if (*cursor++ != '.')
            return false;
    }
}

//  Sources: a lowercase name, digits, '_' and '-' ("intake", "iot-platform").
static bool
s_source_valid (const char *source)
{
    return source [0] >= 'a' && source [0] <= 'z'
        && source [strspn (source, "abcdefghijklmnopqrstuvwxyz0123456789_-")] == 0;
}

//  --------------------------------------------------------------------------
//  Life cycle and encoding

static char *
s_strdup (const char *text)
{
    char *copy = text? strdup (text): NULL;
    assert (!text || copy);
    return copy;
}

as_event_t *
as_event_new (const char *source, const char *type, const char *subject,
              const void *data, size_t data_size, const char *traceparent)
{
    assert (source && type && subject);
    as_event_t *self = calloc (1, sizeof *self);
    assert (self);
    as_uuid_v4 (self->id);
    as_time_now_rfc3339 (self->time);
    self->source = s_strdup (source);
    self->type = s_strdup (type);
    self->subject = s_strdup (subject);
    if (traceparent && *traceparent)
        self->traceparent = s_strdup (traceparent);
    if (!data || data_size == 0) {
        data = "\x80";                              //  empty map
        data_size = 1;
    }
    self->data = malloc (data_size);
    assert (self->data);
    memcpy (self->data, data, data_size);
    self->data_size = data_size;
    return self;
}

void
as_event_destroy (as_event_t **self_p)
{
    assert (self_p);
    as_event_t *self = *self_p;
    if (!self)
        return;
    free (self->source);
    free (self->type);
    free (self->subject);
    free (self->traceparent);
    free (self->data);
    free (self);
    *self_p = NULL;
}

void
as_event_encode (const as_event_t *self, msgpack_sbuffer *sbuf)
{
    assert (self && sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
    bool traced = self->traceparent && *self->traceparent;
    msgpack_pack_map (&pk, traced? 10: 9);
    as_pack_kv_str (&pk, "specversion", S_SPECVERSION);
    as_pack_kv_str (&pk, "id", self->id);
    as_pack_kv_str (&pk, "source", self->source);
    as_pack_kv_str (&pk, "type", self->type);
    as_pack_kv_str (&pk, "time", self->time);
    as_pack_kv_str (&pk, "subject", self->subject);
    as_pack_kv_str (&pk, "datacontenttype", S_CONTENT_TYPE);
    as_pack_str (&pk, "sequence");
    msgpack_pack_uint64 (&pk, self->sequence);
    if (traced)
        as_pack_kv_str (&pk, "traceparent", self->traceparent);
    as_pack_str (&pk, "data");
    if (self->data && self->data_size)
        msgpack_sbuffer_write (sbuf, (const char *) self->data, self->data_size);
    else
        msgpack_pack_map (&pk, 0);
}

//  --------------------------------------------------------------------------
//  Decoding

//  Every key a known attribute, none twice.
static int
s_check_keys (const msgpack_object *root, as_error_t *err)
{
    if (root->type != MSGPACK_OBJECT_MAP)
        return as_error_set (err, AS_INVALID_ARGUMENT, "envelope: expected map");
    unsigned seen = 0;
    for (uint32_t index = 0; index < root->via.map.size; index++) {
        const msgpack_object *key = &root->via.map.ptr [index].key;
        int attribute = 0;
        while (s_attributes [attribute] && !as_obj_streq (key, s_attributes [attribute]))
            attribute++;
        if (!s_attributes [attribute]) {
            int length = key->type == MSGPACK_OBJECT_STR && key->via.str.size < 32? (int) key->via.str.size: 0;
            bool printable = true;
            for (int i = 0; i < length; i++)
                printable &= key->via.str.ptr [i] >= 0x20 && key->via.str.ptr [i] < 0x7f;
            return as_error_set (err, AS_INVALID_ARGUMENT, "envelope: unknown attribute %.*s",
                                 printable? length: 0, length? key->via.str.ptr: "");
        }
        if (seen & (1u << attribute))
            return as_error_set (err, AS_INVALID_ARGUMENT, "envelope: %s given twice",
                                 s_attributes [attribute]);
        seen |= 1u << attribute;
    }
    return 0;
}

//  A required string attribute of 1..max bytes, copied to a fresh string.
static char *
s_text (const msgpack_object *root, const char *name, size_t max, as_error_t *err)
{
    const msgpack_object *value = as_obj_get (root, name);
    if (!value) {
        as_error_set (err, AS_INVALID_ARGUMENT, "%s: missing", name);
        return NULL;
    }
    if (value->type != MSGPACK_OBJECT_STR || value->via.str.size == 0
    ||  value->via.str.size > max || memchr (value->via.str.ptr, 0, value->via.str.size)) {
        as_error_set (err, AS_INVALID_ARGUMENT, "%s: expected a string of 1 to %zu bytes", name, max);
        return NULL;
    }
    return as_obj_strdup (root, name);
}

//  A string attribute that must be valid by check (NULL check: any text).
static int
s_attribute (const msgpack_object *root, const char *name, size_t max,
             bool (*check) (const char *), char **out, as_error_t *err)
{
    *out = s_text (root, name, max, err);
    if (!*out)
        return -1;
    if (check && !check (*out))
        return as_error_set (err, AS_INVALID_ARGUMENT, "%s: malformed", name);
    return 0;
}

static bool s_is_specversion (const char *text) { return strcmp (text, S_SPECVERSION) == 0; }
static bool s_is_content_type (const char *text) { return strcmp (text, S_CONTENT_TYPE) == 0; }
static bool
s_is_utc_time (const char *text)
{
    return as_time_rfc3339_valid (text) && text [strlen (text) - 1] == 'Z' && strlen (text) < 32;
}

//  A checked attribute copied into buf (NULL: only checked).
static int
s_attribute_into (const msgpack_object *root, const char *name, size_t max,
                  bool (*check) (const char *), char *buf, as_error_t *err)
{
    char *text = NULL;
    int rc = s_attribute (root, name, max, check, &text, err);
    if (rc == 0 && buf)
        strcpy (buf, text);
    free (text);
    return rc;
}

//  The fixed-value and syntax-checked attributes.
static int
s_decode_attributes (as_event_t *self, const msgpack_object *root, as_error_t *err)
{
    if (s_attribute_into (root, "specversion", 8, s_is_specversion, NULL, err)
    ||  s_attribute_into (root, "id", 36, as_uuid_valid, self->id, err)
    ||  s_attribute_into (root, "time", 31, s_is_utc_time, self->time, err)
    ||  s_attribute_into (root, "datacontenttype", 32, s_is_content_type, NULL, err)
    ||  s_attribute (root, "source", S_SOURCE_MAX, s_source_valid, &self->source, err)
    ||  s_attribute (root, "type", S_TYPE_MAX, s_type_valid, &self->type, err)
    ||  s_attribute (root, "subject", S_SUBJECT_MAX, NULL, &self->subject, err))
        return -1;
    if (as_obj_get (root, "traceparent"))
        return s_attribute (root, "traceparent", 55, as_traceparent_valid, &self->traceparent, err);
    return 0;
}

static int
s_decode_rest (as_event_t *self, const msgpack_object *root, bool check_data, as_error_t *err)
{
    const msgpack_object *sequence = as_obj_get (root, "sequence");
    if (!sequence || sequence->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return as_error_set (err, AS_INVALID_ARGUMENT, "sequence: %s", sequence? "expected uint": "missing");
    self->sequence = sequence->via.u64;
    const msgpack_object *data = as_obj_get (root, "data");
    if (!data || data->type != MSGPACK_OBJECT_MAP)
        return as_error_set (err, AS_INVALID_ARGUMENT, "data: %s", data? "expected map": "missing");
    if (check_data && as_catalog_check_event (self->type, data, err))
        return -1;
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    as_pack_object (&pk, data);
    self->data_size = sbuf.size;
    self->data = (uint8_t *) msgpack_sbuffer_release (&sbuf);
    return 0;
}

as_event_t *
as_event_decode (const void *bytes, size_t size, bool check_data, as_error_t *err)
{
    as_msg_t *msg = as_msg_decode (bytes, size, 0, err);
    if (!msg)
        return NULL;
    const msgpack_object *root = as_msg_root (msg);
    as_event_t *self = calloc (1, sizeof *self);
    assert (self);
    if (s_check_keys (root, err)
    ||  s_decode_attributes (self, root, err)
    ||  s_decode_rest (self, root, check_data, err))
        as_event_destroy (&self);
    as_msg_destroy (&msg);
    return self;
}

as_msg_t *
as_event_data (const as_event_t *self, as_error_t *err)
{
    assert (self);
    return as_msg_decode (self->data, self->data_size, 0, err);
}

//  --------------------------------------------------------------------------
//  Self-test

static void
s_test_helpers (void)
{
    char id [37], other [37];
    as_uuid_v4 (id);
    as_uuid_v4 (other);
    AS_CHECK (as_uuid_valid (id) && strcmp (id, other) != 0);
    AS_CHECK (id [14] == '4' && strchr ("89ab", id [19]));
    AS_CHECK (!as_uuid_valid ("not-a-uuid"));
    AS_CHECK (!as_uuid_valid ("0123456789abcdef0123456789abcdef0123"));
    char now [32];
    as_time_now_rfc3339 (now);
    AS_CHECK (strlen (now) == 24 && now [19] == '.' && now [23] == 'Z');
    AS_CHECK (as_time_rfc3339_valid (now));
    AS_CHECK (as_time_rfc3339_valid ("2026-11-22T10:00:00+08:00"));
    AS_CHECK (as_time_rfc3339_valid ("2024-02-29T23:59:60.123456789Z"));
    AS_CHECK (!as_time_rfc3339_valid ("2025-02-29T10:00:00Z"));
    AS_CHECK (!as_time_rfc3339_valid ("2026-11-22 10:00:00Z"));
    AS_CHECK (!as_time_rfc3339_valid ("2026-11-22T24:00:00Z"));
    AS_CHECK (!as_time_rfc3339_valid ("2026-11-22T10:00:00"));
    AS_CHECK (!as_time_rfc3339_valid ("2026-11-22T10:00:00.Z"));
    AS_CHECK (as_date_valid ("2000-02-29") && !as_date_valid ("1900-02-29"));
    AS_CHECK (!as_date_valid ("2026-13-01") && !as_date_valid ("2026-1-01"));
    AS_CHECK (as_traceparent_valid ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    AS_CHECK (!as_traceparent_valid ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
    AS_CHECK (!as_traceparent_valid ("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
    AS_CHECK (s_type_valid ("case.reported") && s_type_valid ("device.fault_reported"));
    AS_CHECK (!s_type_valid ("case") && !s_type_valid ("Case.x") && !s_type_valid ("case..x")
           && !s_type_valid ("case.") && !s_type_valid ("case.1x"));
}

//  Builds an envelope from JSON and expects decode to fail with `expect`.
static void
s_expect_json (const char *json, const char *expect, bool verbose)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    as_error_t err;
    as_error_clear (&err);
    AS_CHECK (as_json_to_msgpack (json, &sbuf, &err) == 0);
    as_event_t *event = as_event_decode (sbuf.data, sbuf.size, true, &err);
    if (verbose)
        printf ("\n    -> %s", event? "ok": err.message);
    if (expect) {
        AS_CHECK (!event && err.code == AS_INVALID_ARGUMENT);
        AS_CHECK (strstr (err.message, expect));
    }
    else
        AS_CHECK (event);
    as_event_destroy (&event);
    msgpack_sbuffer_destroy (&sbuf);
}

#define S_HEAD "{\"specversion\":\"1.0\",\"id\":\"6f1c2b1e-8a5d-4c1e-9d3a-0b1e2c3d4e5f\"," \
               "\"source\":\"intake\",\"type\":\"case.cancelled\",\"time\":\"2026-11-22T10:00:00.123Z\"," \
               "\"subject\":\"case/42\",\"datacontenttype\":\"application/msgpack\",\"sequence\":7,"

static void
s_test_hostile (bool verbose)
{
    s_expect_json (S_HEAD "\"data\":{\"case_id\":42,\"reason\":\"duplicate\"}}", NULL, verbose);
    s_expect_json (S_HEAD "\"data\":{\"case_id\":42}}", "data.reason: missing required field", verbose);
    s_expect_json (S_HEAD "\"data\":{\"case_id\":\"42\",\"reason\":\"x\"}}", "data.case_id: expected uint", verbose);
    s_expect_json (S_HEAD "\"data\":[]}", "data: expected map", verbose);
    s_expect_json (S_HEAD "\"data\":{},\"extra\":1}", "unknown attribute", verbose);
    s_expect_json (S_HEAD "\"sequence\":8,\"data\":{}}", "sequence given twice", verbose);
    s_expect_json (S_HEAD "\"traceparent\":\"00-xyz\",\"data\":{\"case_id\":1,\"reason\":\"x\"}}",
                   "traceparent: malformed", verbose);
    s_expect_json ("{\"specversion\":\"0.3\"}", "specversion: malformed", verbose);
    s_expect_json ("{\"specversion\":\"1.0\",\"id\":\"6f1c2b1e\"}", "id: malformed", verbose);
    s_expect_json ("{\"specversion\":\"1.0\",\"id\":\"6f1c2b1e-8a5d-4c1e-9d3a-0b1e2c3d4eXX\"}",
                   "id: malformed", verbose);
    s_expect_json ("{\"specversion\":\"1.0\",\"id\":\"6f1c2b1e-8a5d-4c1e-9d3a-0b1e2c3d4e5f\","
                   "\"time\":\"2026-11-22T10:00:00+08:00\"}", "time: malformed", verbose);
    s_expect_json ("{\"specversion\":\"1.0\",\"id\":\"6f1c2b1e-8a5d-4c1e-9d3a-0b1e2c3d4e5f\"}",
                   "time: missing", verbose);
    s_expect_json ("[1,2]", "envelope: expected map", verbose);
    s_expect_json ("{\"specversion\":\"1.0\",\"id\":\"6f1c2b1e-8a5d-4c1e-9d3a-0b1e2c3d4e5f\","
                   "\"source\":\"intake\",\"type\":\"Case\",\"time\":\"2026-11-22T10:00:00Z\","
                   "\"datacontenttype\":\"application/msgpack\"}", "type: malformed", verbose);
}

static void
s_test_roundtrip (void)
{
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack ("{\"case_id\":42,\"reason\":\"\xe9\x87\x8d\xe5\xa4\x8d\"}", &data, &err) == 0);
    as_event_t *event = as_event_new ("intake", "case.cancelled", "case/42", data.data, data.size,
                                      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    event->sequence = 300;
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    as_event_encode (event, &sbuf);
    as_event_t *copy = as_event_decode (sbuf.data, sbuf.size, true, &err);
    AS_CHECK (copy);
    AS_CHECK (strcmp (copy->id, event->id) == 0 && strcmp (copy->time, event->time) == 0);
    AS_CHECK (strcmp (copy->type, "case.cancelled") == 0 && copy->sequence == 300);
    AS_CHECK (strcmp (copy->traceparent, event->traceparent) == 0);
    AS_CHECK (copy->data_size == data.size && memcmp (copy->data, data.data, data.size) == 0);
    as_msg_t *msg = as_event_data (copy, &err);
    int64_t case_id;
    AS_CHECK (msg && as_obj_int (as_msg_root (msg), "case_id", &case_id) && case_id == 42);
    as_msg_destroy (&msg);
    //  Re-encoding the decoded event gives the same bytes.
    msgpack_sbuffer again;
    msgpack_sbuffer_init (&again);
    as_event_encode (copy, &again);
    AS_CHECK (again.size == sbuf.size && memcmp (again.data, sbuf.data, sbuf.size) == 0);
    //  Every truncation is refused cleanly.
    for (size_t size = 0; size < sbuf.size; size++)
        AS_CHECK (!as_event_decode (sbuf.data, size, true, &err) && err.code == AS_INVALID_ARGUMENT);
    msgpack_sbuffer_destroy (&again);
    msgpack_sbuffer_destroy (&sbuf);
    msgpack_sbuffer_destroy (&data);
    as_event_destroy (&copy);
    as_event_destroy (&event);
    as_event_destroy (&event);

    //  No data and no trace: an empty map, no traceparent key.
    event = as_event_new ("intake", "case.linked", "case/1", NULL, 0, "");
    msgpack_sbuffer_init (&sbuf);
    as_event_encode (event, &sbuf);
    copy = as_event_decode (sbuf.data, sbuf.size, false, &err);
    AS_CHECK (copy && !copy->traceparent && copy->data_size == 1);
    AS_CHECK (!as_event_decode (sbuf.data, sbuf.size, true, &err));
    AS_CHECK (strstr (err.message, "data.case_id: missing"));
    as_event_destroy (&copy);
    as_event_destroy (&event);
    msgpack_sbuffer_destroy (&sbuf);
}

void
as_event_test (bool verbose)
{
    s_test_helpers ();
    s_test_hostile (verbose);
    s_test_roundtrip ();
}
