/*  as_msg: safe decoding of untrusted msgpack bytes, readers, packers and
    the JSON bridge. See as_msg.h for the decoding steps and proto/ENVELOPE.md
    for the canonical encoding rules.                                         */
#include "as_msg.h"
#include "as_test.h"
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

struct _as_msg_t {
    char *bytes;                //  our copy: decoded strings point into it
    size_t size;
    msgpack_unpacked unpacked;
};

//  --------------------------------------------------------------------------
//  Pre-scan. msgpack-c sizes its allocations from declared counts before it
//  has read the elements, so a 5-byte array32 header could make it allocate
//  gigabytes. We walk the raw bytes first and refuse anything whose declared
//  sizes cannot be honest.

typedef struct {
    const uint8_t *bytes;
    size_t size;
    size_t pos;
    int max_depth;
    as_error_t *err;
} s_scan_t;

static uint64_t
s_load_be (const uint8_t *p, int width)
{
    uint64_t value = 0;
    for (int i = 0; i < width; i++)
        value = (value << 8) | p [i];
    return value;
}

//  Reads a big-endian length of width bytes at pos; -1 if truncated.
static int
s_scan_length (s_scan_t *self, int width, const char *what, size_t at, uint64_t *length)
{
    if (self->size - self->pos < (size_t) width)
        return as_error_set (self->err, AS_INVALID_ARGUMENT,
                             "truncated %s header at offset %zu", what, at);
    *length = s_load_be (self->bytes + self->pos, width);
    self->pos += width;
    return 0;
}

//  Skips a body of length bytes (str, bin, ext, fixed-size scalars).
static int
s_scan_skip (s_scan_t *self, uint64_t length, const char *what, size_t at)
{
    if (length > self->size - self->pos)
        return as_error_set (self->err, AS_INVALID_ARGUMENT,
                             "truncated %s at offset %zu", what, at);
    self->pos += (size_t) length;
    return 0;
}

static int s_scan_value (s_scan_t *self, int depth);

//  Array (pairs=1) or map (pairs=2) of count entries.
static int
s_scan_container (s_scan_t *self, uint64_t count, int per_entry, int depth, size_t at)
{
    const char *what = per_entry == 1? "array": "map";
    if (depth + 1 > self->max_depth)
        return as_error_set (self->err, AS_INVALID_ARGUMENT,
                             "nesting deeper than %d", self->max_depth);
    if (count > AS_MSG_MAX_ITEMS)
        return as_error_set (self->err, AS_INVALID_ARGUMENT,
                             "%s of %" PRIu64 " entries at offset %zu exceeds %d",
                             what, count, at, AS_MSG_MAX_ITEMS);
    //  Every element takes at least one byte, so a count that cannot fit
    //  in what remains is a lie we can see without reading further.
    if (count * per_entry > self->size - self->pos)
        return as_error_set (self->err, AS_INVALID_ARGUMENT,
                             "truncated %s at offset %zu", what, at);
    for (uint64_t item = 0; item < count * per_entry; item++)
        if (s_scan_value (self, depth + 1))
            return -1;
    return 0;
}

//  Variable-length formats: str/bin/ext with a 1/2/4-byte length, arrays
//  and maps with a 2/4-byte count.
static int
s_scan_sized (s_scan_t *self, uint8_t byte, int depth, size_t at)
{
    uint64_t length;
    if (byte >= 0xc4 && byte <= 0xc6) {             //  bin 8/16/32
        if (s_scan_length (self, 1 << (byte - 0xc4), "bin", at, &length))
            return -1;
        return s_scan_skip (self, length, "bin", at);
    }
    if (byte >= 0xc7 && byte <= 0xc9) {             //  ext 8/16/32
        if (s_scan_length (self, 1 << (byte - 0xc7), "ext", at, &length))
            return -1;
        return s_scan_skip (self, length + 1, "ext", at);
    }
    if (byte >= 0xd9 && byte <= 0xdb) {             //  str 8/16/32
        if (s_scan_length (self, 1 << (byte - 0xd9), "str", at, &length))
            return -1;
        return s_scan_skip (self, length, "str", at);
    }
    if (byte == 0xdc || byte == 0xdd) {             //  array 16/32
        if (s_scan_length (self, byte == 0xdc? 2: 4, "array", at, &length))
            return -1;
        return s_scan_container (self, length, 1, depth, at);
    }
    //  map 16/32
    assert (byte == 0xde || byte == 0xdf);
    if (s_scan_length (self, byte == 0xde? 2: 4, "map", at, &length))
        return -1;
    return s_scan_container (self, length, 2, depth, at);
}

static int
s_scan_value (s_scan_t *self, int depth)
{
    size_t at = self->pos;
    if (self->pos >= self->size)
        return as_error_set (self->err, AS_INVALID_ARGUMENT,
                             "truncated message at offset %zu", at);
    uint8_t byte = self->bytes [self->pos++];
    if (byte <= 0x7f || byte >= 0xe0 || byte == 0xc0 || byte == 0xc2 || byte == 0xc3)
        return 0;                                   //  fixint, nil, bool
    if (byte >= 0xa0 && byte <= 0xbf)
        return s_scan_skip (self, byte & 0x1f, "str", at);
    if (byte >= 0x90 && byte <= 0x9f)
        return s_scan_container (self, byte & 0x0f, 1, depth, at);
    if (byte >= 0x80 && byte <= 0x8f)
        return s_scan_container (self, byte & 0x0f, 2, depth, at);
    if (byte == 0xc1)
        return as_error_set (self->err, AS_INVALID_ARGUMENT,
                             "reserved byte 0xc1 at offset %zu", at);
    if (byte == 0xca || byte == 0xcb)               //  float 32/64
        return s_scan_skip (self, byte == 0xca? 4: 8, "float", at);
    if (byte >= 0xcc && byte <= 0xd3)               //  uint/int 8..64
        return s_scan_skip (self, 1 << ((byte - 0xcc) & 3), "integer", at);
    if (byte >= 0xd4 && byte <= 0xd8)               //  fixext 1..16
        return s_scan_skip (self, 1 + (1 << (byte - 0xd4)), "ext", at);
    return s_scan_sized (self, byte, depth, at);
}

int
as_msg_prescan (const void *bytes, size_t size, int max_depth, as_error_t *err)
{
    s_scan_t scan = { bytes, size, 0, max_depth > 0? max_depth: AS_MSG_MAX_DEPTH, err };
    if (!bytes || size == 0)
        return as_error_set (err, AS_INVALID_ARGUMENT, "empty message");
    if (s_scan_value (&scan, 0))
        return -1;
    if (scan.pos != size)
        return as_error_set (err, AS_INVALID_ARGUMENT,
                             "trailing bytes after offset %zu", scan.pos);
    return 0;
}

//  --------------------------------------------------------------------------
//  Decoding

as_msg_t *
as_msg_decode (const void *bytes, size_t size, size_t max_frame, as_error_t *err)
{
    if (max_frame == 0)
        max_frame = AS_MSG_MAX_FRAME;
    if (size > max_frame) {
        as_error_set (err, AS_INVALID_ARGUMENT,
                      "frame of %zu bytes exceeds %zu", size, max_frame);
        return NULL;
    }
    if (as_msg_prescan (bytes, size, AS_MSG_MAX_DEPTH, err))
        return NULL;

    as_msg_t *self = calloc (1, sizeof *self);
    assert (self);
    self->bytes = malloc (size);
    assert (self->bytes);
    memcpy (self->bytes, bytes, size);
    self->size = size;
    msgpack_unpacked_init (&self->unpacked);
    size_t offset = 0;
    msgpack_unpack_return rc = msgpack_unpack_next (&self->unpacked, self->bytes, size, &offset);
    if (rc != MSGPACK_UNPACK_SUCCESS || offset != size) {
        //  The pre-scan should have caught this; keep the check anyway.
        as_error_set (err, AS_INVALID_ARGUMENT, "malformed msgpack (unpack %d at offset %zu)",
                      (int) rc, offset);
        as_msg_destroy (&self);
    }
    return self;
}

void
as_msg_destroy (as_msg_t **self_p)
{
    assert (self_p);
    as_msg_t *self = *self_p;
    if (!self)
        return;
    msgpack_unpacked_destroy (&self->unpacked);
    free (self->bytes);
    free (self);
    *self_p = NULL;
}

const msgpack_object *
as_msg_root (as_msg_t *self)
{
    assert (self);
    return &self->unpacked.data;
}

//  --------------------------------------------------------------------------
//  Reading maps

bool
as_obj_streq (const msgpack_object *obj, const char *text)
{
    if (!obj || !text || obj->type != MSGPACK_OBJECT_STR)
        return false;
    size_t length = strlen (text);
    return obj->via.str.size == length && memcmp (obj->via.str.ptr, text, length) == 0;
}

const msgpack_object *
as_obj_get (const msgpack_object *map, const char *key)
{
    if (!map || !key || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t index = 0; index < map->via.map.size; index++) {
        const msgpack_object_kv *kv = &map->via.map.ptr [index];
        if (as_obj_streq (&kv->key, key))
            return &kv->val;
    }
    return NULL;
}

bool
as_obj_str (const msgpack_object *map, const char *key, const char **text, size_t *size)
{
    const msgpack_object *value = as_obj_get (map, key);
    if (!value || value->type != MSGPACK_OBJECT_STR)
        return false;
    if (text)
        *text = value->via.str.ptr;
    if (size)
        *size = value->via.str.size;
    return true;
}

char *
as_obj_strdup (const msgpack_object *map, const char *key)
{
    const char *text;
    size_t size;
    if (!as_obj_str (map, key, &text, &size))
        return NULL;
    char *copy = malloc (size + 1);
    assert (copy);
    memcpy (copy, text, size);
    copy [size] = 0;
    return copy;
}

bool
as_obj_strcpy (const msgpack_object *map, const char *key, char *buf, size_t bufsize)
{
    const char *text;
    size_t size;
    if (!buf || bufsize == 0 || !as_obj_str (map, key, &text, &size) || size >= bufsize)
        return false;
    memcpy (buf, text, size);
    buf [size] = 0;
    return true;
}

int
as_obj_text (const msgpack_object *map, const char *where, const char *key, char *buf, size_t size,
             as_error_t *err)
{
    buf [0] = 0;
    const msgpack_object *value = as_obj_get (map, key);
    if (!value || value->type == MSGPACK_OBJECT_NIL)
        return 0;
    const char *dot = where ? "." : "";
    if (where == NULL)
        where = "";
    if (value->type != MSGPACK_OBJECT_STR)
        return as_error_set (err, AS_INVALID_ARGUMENT, "%s%s%s: expected a string", where, dot, key);
    size_t length = value->via.str.size;
    if (length >= size)
        return as_error_set (err, AS_INVALID_ARGUMENT, "%s%s%s: %zu bytes of text, longer than the %zu this field holds",
                             where, dot, key, length, size - 1);
    memcpy (buf, value->via.str.ptr, length);
    buf [length] = 0;
    return 0;
}

int
as_obj_text_or (const msgpack_object *map, const char *where, const char *key, char *buf, size_t size,
                const char *fallback, as_error_t *err)
{
    if (as_obj_text (map, where, key, buf, size, err) < 0)
        return -1;
    if (!*buf)
        snprintf (buf, size, "%s", fallback);
    return 0;
}

bool
as_obj_int (const msgpack_object *map, const char *key, int64_t *value)
{
    const msgpack_object *obj = as_obj_get (map, key);
    if (!obj)
        return false;
    if (obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER && obj->via.u64 <= INT64_MAX) {
        if (value)
            *value = (int64_t) obj->via.u64;
        return true;
    }
    if (obj->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        if (value)
            *value = obj->via.i64;
        return true;
    }
    return false;
}

bool
as_obj_bool (const msgpack_object *map, const char *key, bool *value)
{
    const msgpack_object *obj = as_obj_get (map, key);
    if (!obj || obj->type != MSGPACK_OBJECT_BOOLEAN)
        return false;
    if (value)
        *value = obj->via.boolean;
    return true;
}

//  --------------------------------------------------------------------------
//  Packing

void
as_pack_strn (msgpack_packer *pk, const char *text, size_t size)
{
    msgpack_pack_str (pk, size);
    msgpack_pack_str_body (pk, text, size);
}

void
as_pack_str (msgpack_packer *pk, const char *text)
{
    if (text)
        as_pack_strn (pk, text, strlen (text));
    else
        msgpack_pack_nil (pk);
}

void
as_pack_kv_str (msgpack_packer *pk, const char *key, const char *value)
{
    as_pack_str (pk, key);
    as_pack_str (pk, value);
}

void
as_pack_kv_int (msgpack_packer *pk, const char *key, int64_t value)
{
    as_pack_str (pk, key);
    //  msgpack-c picks the smallest form, and a positive value always gets
    //  a positive fixint or uint format: the canonical rule.
    msgpack_pack_int64 (pk, value);
}

void
as_pack_kv_bool (msgpack_packer *pk, const char *key, bool value)
{
    as_pack_str (pk, key);
    if (value)
        msgpack_pack_true (pk);
    else
        msgpack_pack_false (pk);
}

void
as_pack_kv_nil (msgpack_packer *pk, const char *key)
{
    as_pack_str (pk, key);
    msgpack_pack_nil (pk);
}

void
as_pack_kv_bin (msgpack_packer *pk, const char *key, const void *bytes, size_t size)
{
    as_pack_str (pk, key);
    msgpack_pack_bin (pk, size);
    msgpack_pack_bin_body (pk, bytes, size);
}

void
as_pack_object (msgpack_packer *pk, const msgpack_object *obj)
{
    //  msgpack_pack_object keeps map order, float32 vs float64, and packs
    //  integers, str and bin in their smallest forms: exactly our canonical
    //  rules (proto/ENVELOPE.md), so canonical input re-packs byte for byte.
    msgpack_pack_object (pk, *obj);
}

//  --------------------------------------------------------------------------
//  Base64 (RFC 4648, with padding) for bin values in JSON

static const char s_b64 [] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *
s_base64_encode (const uint8_t *data, size_t size)
{
    char *text = malloc (4 * ((size + 2) / 3) + 1);
    assert (text);
    char *out = text;
    for (size_t i = 0; i < size; i += 3) {
        uint32_t chunk = (uint32_t) data [i] << 16;
        if (i + 1 < size) chunk |= (uint32_t) data [i + 1] << 8;
        if (i + 2 < size) chunk |= data [i + 2];
        *out++ = s_b64 [(chunk >> 18) & 63];
        *out++ = s_b64 [(chunk >> 12) & 63];
        *out++ = i + 1 < size? s_b64 [(chunk >> 6) & 63]: '=';
        *out++ = i + 2 < size? s_b64 [chunk & 63]: '=';
    }
    *out = 0;
    return text;
}

static int
s_base64_value (char c)
{
    const char *hit = c? strchr (s_b64, c): NULL;
    return hit? (int) (hit - s_b64): -1;
}

//  Decodes into a fresh buffer; returns -1 on bad text.
static int
s_base64_decode (const char *text, size_t length, uint8_t **data, size_t *size)
{
    if (length % 4)
        return -1;
    uint8_t *out = malloc (length / 4 * 3 + 1);
    assert (out);
    size_t count = 0;
    for (size_t i = 0; i < length; i += 4) {
        int v [4];
        for (int j = 0; j < 4; j++) {
            bool pad = text [i + j] == '=' && i + 4 == length && j >= 2
                    && (j == 3 || text [i + 3] == '=');
            v [j] = pad? 0: s_base64_value (text [i + j]);
            if (v [j] < 0) {
                free (out);
                return -1;
            }
        }
        uint32_t chunk = (uint32_t) (v [0] << 18 | v [1] << 12 | v [2] << 6 | v [3]);
        out [count++] = (uint8_t) (chunk >> 16);
        if (text [i + 2] != '=') out [count++] = (uint8_t) (chunk >> 8);
        if (text [i + 3] != '=') out [count++] = (uint8_t) chunk;
    }
    *data = out;
    *size = count;
    return 0;
}

//  --------------------------------------------------------------------------
//  msgpack -> JSON. Integers and floats go out as raw number text so that
//  uint64 values keep every digit and a float always shows a '.' or 'e'
//  (and so reads back as a float). bin -> {"$bin": base64}, ext ->
//  {"$ext": type, "$bin": base64}.

static cJSON *s_to_json (const msgpack_object *obj);

static cJSON *
s_number_json (const msgpack_object *obj)
{
    char text [40];
    if (obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        snprintf (text, sizeof text, "%" PRIu64, obj->via.u64);
    else
    if (obj->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        snprintf (text, sizeof text, "%" PRId64, obj->via.i64);
    else {
        double value = obj->via.f64;
        if (!isfinite (value))
            return cJSON_CreateNull ();     //  JSON has no NaN or infinity
        snprintf (text, sizeof text, "%.17g", value);
        if (!strpbrk (text, ".e"))
            strcat (text, ".0");
    }
    return cJSON_CreateRaw (text);
}

static char *
s_strndup (const char *text, size_t size)
{
    char *copy = malloc (size + 1);
    assert (copy);
    memcpy (copy, text, size);
    copy [size] = 0;
    return copy;
}

static cJSON *
s_bytes_json (const msgpack_object *obj)
{
    cJSON *json = cJSON_CreateObject ();
    const char *ptr = obj->type == MSGPACK_OBJECT_BIN? obj->via.bin.ptr: obj->via.ext.ptr;
    uint32_t size = obj->type == MSGPACK_OBJECT_BIN? obj->via.bin.size: obj->via.ext.size;
    if (obj->type == MSGPACK_OBJECT_EXT)
        cJSON_AddNumberToObject (json, "$ext", obj->via.ext.type);
    char *text = s_base64_encode ((const uint8_t *) ptr, size);
    cJSON_AddStringToObject (json, "$bin", text);
    free (text);
    return json;
}

static cJSON *
s_map_json (const msgpack_object *obj)
{
    cJSON *json = cJSON_CreateObject ();
    for (uint32_t index = 0; index < obj->via.map.size; index++) {
        const msgpack_object_kv *kv = &obj->via.map.ptr [index];
        char *key;
        if (kv->key.type == MSGPACK_OBJECT_STR)
            key = s_strndup (kv->key.via.str.ptr, kv->key.via.str.size);
        else
            key = as_obj_to_json (&kv->key, false);     //  JSON keys are text
        cJSON_AddItemToObject (json, key, s_to_json (&kv->val));
        free (key);
    }
    return json;
}

static cJSON *
s_to_json (const msgpack_object *obj)
{
    switch (obj->type) {
        case MSGPACK_OBJECT_NIL:
            return cJSON_CreateNull ();
        case MSGPACK_OBJECT_BOOLEAN:
            return cJSON_CreateBool (obj->via.boolean);
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            return s_number_json (obj);
        case MSGPACK_OBJECT_STR: {
            char *text = s_strndup (obj->via.str.ptr, obj->via.str.size);
            cJSON *json = cJSON_CreateString (text);
            free (text);
            return json;
        }
        case MSGPACK_OBJECT_BIN:
        case MSGPACK_OBJECT_EXT:
            return s_bytes_json (obj);
        case MSGPACK_OBJECT_ARRAY: {
            cJSON *json = cJSON_CreateArray ();
            for (uint32_t index = 0; index < obj->via.array.size; index++)
                cJSON_AddItemToArray (json, s_to_json (&obj->via.array.ptr [index]));
            return json;
        }
        case MSGPACK_OBJECT_MAP:
            return s_map_json (obj);
    }
    return cJSON_CreateNull ();
}

char *
as_obj_to_json (const msgpack_object *obj, bool pretty)
{
    if (!obj)
        return NULL;
    cJSON *json = s_to_json (obj);
    char *text = pretty? cJSON_Print (json): cJSON_PrintUnformatted (json);
    cJSON_Delete (json);
    return text;
}

//  --------------------------------------------------------------------------
//  JSON -> msgpack. A small parser of our own rather than cJSON: cJSON
//  turns every number into a double, which would lose uint64 digits and the
//  difference between 1 and 1.0 that decides int vs float.

#define S_JSON_MAX_DEPTH 64

typedef struct {
    const char *pos;
    const char *start;
    int depth;
    as_error_t *err;
} s_json_t;

static int s_json_value (s_json_t *self, msgpack_sbuffer *sbuf);

static int
s_json_fail (s_json_t *self, const char *what)
{
    return as_error_set (self->err, AS_INVALID_ARGUMENT, "bad JSON: %s at offset %zu",
                         what, (size_t) (self->pos - self->start));
}

static void
s_json_space (s_json_t *self)
{
    while (*self->pos == ' ' || *self->pos == '\t' || *self->pos == '\n' || *self->pos == '\r')
        self->pos++;
}

static void
s_utf8_put (msgpack_sbuffer *out, uint32_t code)
{
    char bytes [4];
    size_t count;
    if (code < 0x80)         { bytes [0] = (char) code; count = 1; }
    else if (code < 0x800)   { bytes [0] = (char) (0xc0 | code >> 6); count = 2; }
    else if (code < 0x10000) { bytes [0] = (char) (0xe0 | code >> 12); count = 3; }
    else                     { bytes [0] = (char) (0xf0 | code >> 18); count = 4; }
    for (size_t i = 1; i < count; i++)
        bytes [i] = (char) (0x80 | ((code >> (6 * (count - 1 - i))) & 0x3f));
    msgpack_sbuffer_write (out, bytes, count);
}

static int
s_json_hex4 (s_json_t *self, uint32_t *code)
{
    *code = 0;
    for (int i = 0; i < 4; i++) {
        char c = *self->pos++;
        int digit = c >= '0' && c <= '9'? c - '0'
                  : c >= 'a' && c <= 'f'? c - 'a' + 10
                  : c >= 'A' && c <= 'F'? c - 'A' + 10: -1;
        if (digit < 0)
            return s_json_fail (self, "bad \\u escape");
        *code = *code << 4 | (uint32_t) digit;
    }
    return 0;
}

static int
s_json_escape (s_json_t *self, msgpack_sbuffer *out)
{
    char c = *self->pos++;
    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
    const char *hit = c? strchr (from, c): NULL;
    if (hit) {
        msgpack_sbuffer_write (out, to + (hit - from), 1);
        return 0;
    }
    uint32_t code, low;
    if (c != 'u' || s_json_hex4 (self, &code))
        return s_json_fail (self, "bad escape");
    if (code >= 0xd800 && code <= 0xdbff) {         //  surrogate pair
        if (self->pos [0] != '\\' || self->pos [1] != 'u')
            return s_json_fail (self, "lone surrogate");
        self->pos += 2;
        if (s_json_hex4 (self, &low) || low < 0xdc00 || low > 0xdfff)
            return s_json_fail (self, "bad surrogate pair");
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
    }
    else
    if (code >= 0xdc00 && code <= 0xdfff)
        return s_json_fail (self, "lone surrogate");
    s_utf8_put (out, code);
    return 0;
}

//  Reads a JSON string into out (not packed).
static int
s_json_string (s_json_t *self, msgpack_sbuffer *out)
{
    self->pos++;                                    //  opening quote
    while (*self->pos != '"') {
        unsigned char c = (unsigned char) *self->pos;
        if (c == 0)
            return s_json_fail (self, "unterminated string");
        if (c < 0x20)
            return s_json_fail (self, "control character in string");
        if (c == '\\') {
            self->pos++;
            if (s_json_escape (self, out))
                return -1;
        }
        else
            msgpack_sbuffer_write (out, self->pos++, 1);
    }
    self->pos++;
    return 0;
}

static void
s_sbuffer_pack_str (msgpack_sbuffer *sbuf, const char *text, size_t size)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
    as_pack_strn (&pk, text, size);
}

static int
s_json_number (s_json_t *self, msgpack_sbuffer *sbuf)
{
    const char *start = self->pos;
    bool real = false;
    if (*self->pos == '-')
        self->pos++;
    if (*self->pos < '0' || *self->pos > '9')
        return s_json_fail (self, "bad number");
    while (strchr ("0123456789.eE+-", *self->pos) && *self->pos) {
        if (strchr (".eE", *self->pos))
            real = true;
        self->pos++;
    }
    char text [64];
    size_t length = (size_t) (self->pos - start);
    if (length >= sizeof text)
        return s_json_fail (self, "number too long");
    memcpy (text, start, length);
    text [length] = 0;
    msgpack_packer pk;
    msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
    char *end;
    errno = 0;
    if (real) {
        double value = strtod (text, &end);
        if (*end || errno)
            return s_json_fail (self, "bad number");
        msgpack_pack_double (&pk, value);
    }
    else
    if (text [0] == '-') {
        long long value = strtoll (text, &end, 10);
        if (*end || errno)
            return s_json_fail (self, "integer out of range");
        msgpack_pack_int64 (&pk, value);
    }
    else {
        unsigned long long value = strtoull (text, &end, 10);
        if (*end || errno)
            return s_json_fail (self, "integer out of range");
        msgpack_pack_uint64 (&pk, value);
    }
    return 0;
}

//  {"$bin": "<base64>"} -> bin. Called after the key "$bin" was read.
static int
s_json_bin (s_json_t *self, msgpack_sbuffer *sbuf)
{
    s_json_space (self);
    msgpack_sbuffer text;
    msgpack_sbuffer_init (&text);
    int rc = *self->pos == '"'? s_json_string (self, &text): s_json_fail (self, "$bin needs a string");
    uint8_t *data = NULL;
    size_t size = 0;
    if (rc == 0 && s_base64_decode (text.data? text.data: "", text.size, &data, &size))
        rc = s_json_fail (self, "bad base64 in $bin");
    s_json_space (self);
    if (rc == 0 && *self->pos++ != '}')
        rc = s_json_fail (self, "$bin object must have one key");
    if (rc == 0) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
        msgpack_pack_bin (&pk, size);
        msgpack_pack_bin_body (&pk, data, size);
    }
    free (data);
    msgpack_sbuffer_destroy (&text);
    return rc;
}

//  Array (close ']') or object (close '}'): the entries go to a side
//  buffer first because msgpack needs the count before them.
static int
s_json_container (s_json_t *self, msgpack_sbuffer *sbuf, char close)
{
    if (++self->depth > S_JSON_MAX_DEPTH)
        return s_json_fail (self, "nesting too deep");
    self->pos++;
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    uint32_t count = 0;
    int rc = 0;
    s_json_space (self);
    if (*self->pos == close)
        self->pos++;
    else
    while (rc == 0) {
        s_json_space (self);
        if (close == '}') {
            if (*self->pos != '"') { rc = s_json_fail (self, "expected a key"); break; }
            msgpack_sbuffer key;
            msgpack_sbuffer_init (&key);
            rc = s_json_string (self, &key);
            bool is_bin = rc == 0 && key.size == 4 && memcmp (key.data, "$bin", 4) == 0;
            if (is_bin && count > 0)
                rc = s_json_fail (self, "$bin object must have one key");
            if (rc == 0)
                s_sbuffer_pack_str (&body, key.data, key.size);
            msgpack_sbuffer_destroy (&key);
            s_json_space (self);
            if (rc == 0 && *self->pos++ != ':')
                rc = s_json_fail (self, "expected ':'");
            if (rc == 0 && is_bin) {
                msgpack_sbuffer_destroy (&body);
                self->depth--;
                return s_json_bin (self, sbuf);
            }
        }
        if (rc == 0)
            rc = s_json_value (self, &body);
        count++;
        s_json_space (self);
        if (rc == 0 && *self->pos == ',')
            self->pos++;
        else
        if (rc == 0 && *self->pos == close) {
            self->pos++;
            break;
        }
        else
        if (rc == 0)
            rc = s_json_fail (self, "expected ',' or a closing bracket");
    }
    if (rc == 0) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
        if (close == '}')
            msgpack_pack_map (&pk, count);
        else
            msgpack_pack_array (&pk, count);
        if (body.size)
            msgpack_sbuffer_write (sbuf, body.data, body.size);
    }
    msgpack_sbuffer_destroy (&body);
    self->depth--;
    return rc;
}

static int
s_json_literal (s_json_t *self, msgpack_sbuffer *sbuf)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
    if (strncmp (self->pos, "true", 4) == 0)
        msgpack_pack_true (&pk);
    else
    if (strncmp (self->pos, "false", 5) == 0)
        msgpack_pack_false (&pk);
    else
    if (strncmp (self->pos, "null", 4) == 0)
        msgpack_pack_nil (&pk);
    else
        return s_json_fail (self, "unexpected character");
    self->pos += *self->pos == 'f'? 5: 4;
    return 0;
}

static int
s_json_value (s_json_t *self, msgpack_sbuffer *sbuf)
{
    s_json_space (self);
    char c = *self->pos;
    if (c == '{')
        return s_json_container (self, sbuf, '}');
    if (c == '[')
        return s_json_container (self, sbuf, ']');
    if (c == '"') {
        msgpack_sbuffer text;
        msgpack_sbuffer_init (&text);
        int rc = s_json_string (self, &text);
        if (rc == 0)
            s_sbuffer_pack_str (sbuf, text.data, text.size);
        msgpack_sbuffer_destroy (&text);
        return rc;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return s_json_number (self, sbuf);
    return s_json_literal (self, sbuf);
}

int
as_json_to_msgpack (const char *json, msgpack_sbuffer *sbuf, as_error_t *err)
{
    if (!json)
        return as_error_set (err, AS_INVALID_ARGUMENT, "bad JSON: no text");
    s_json_t parser = { json, json, 0, err };
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    int rc = s_json_value (&parser, &out);
    s_json_space (&parser);
    if (rc == 0 && *parser.pos)
        rc = s_json_fail (&parser, "trailing text");
    if (rc == 0 && out.size)
        msgpack_sbuffer_write (sbuf, out.data, out.size);
    msgpack_sbuffer_destroy (&out);
    return rc;
}

//  --------------------------------------------------------------------------
//  Self-test

//  Decodes size bytes written as hex; expects rejection with a message
//  containing `expect` (or success when expect is NULL).
static void
s_expect (const char *hex, const char *expect, bool verbose)
{
    uint8_t bytes [256];
    size_t size = 0;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ')
            continue;
        unsigned value;
        sscanf (p++, "%2x", &value);
        assert (size < sizeof bytes);
        bytes [size++] = (uint8_t) value;
    }
    as_error_t err;
    as_error_clear (&err);
    as_msg_t *msg = as_msg_decode (bytes, size, 0, &err);
    if (verbose)
        printf ("\n    %s -> %s", hex, msg? "ok": err.message);
    if (expect) {
        if (msg || !strstr (err.message, expect))
            fprintf (stderr, "%s: wanted '%s', got '%s'\n", hex, expect, msg? "ok": err.message);
        AS_CHECK (msg == NULL);
        AS_CHECK (err.code == AS_INVALID_ARGUMENT);
        AS_CHECK (strstr (err.message, expect));
    }
    else
        AS_CHECK (msg);
    as_msg_destroy (&msg);
}

//  A message using most formats, for prefix and mutation tests.
static void
s_sample (msgpack_sbuffer *sbuf)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 7);
    as_pack_kv_str (&pk, "name", "a string longer than thirty-one bytes");
    as_pack_kv_int (&pk, "big", 70000);
    as_pack_kv_int (&pk, "neg", -129);
    as_pack_str (&pk, "list");
    msgpack_pack_array (&pk, 3);
    msgpack_pack_double (&pk, 1.5);
    msgpack_pack_float (&pk, 2.5f);
    msgpack_pack_nil (&pk);
    as_pack_str (&pk, "bin");
    msgpack_pack_bin (&pk, 3);
    msgpack_pack_bin_body (&pk, "\x01\x02\x03", 3);
    as_pack_str (&pk, "ext");
    msgpack_pack_ext (&pk, 2, 5);
    msgpack_pack_ext_body (&pk, "\x01\x02", 2);
    as_pack_kv_bool (&pk, "ok", true);
}

static void
s_test_hostile (bool verbose)
{
    s_expect ("80", NULL, verbose);
    s_expect ("93 01 cc80 d0df", NULL, verbose);
    //  Lying counts and lengths, at every width.
    s_expect ("dd ffffffff 00 00 00 00 00", "exceeds 10000", verbose);
    s_expect ("dd 00000005 00 00 00 00", "truncated array at offset 0", verbose);
    s_expect ("df ffffffff 00 00", "exceeds 10000", verbose);
    s_expect ("de 0004 a161 01 a162 02", "truncated map at offset 0", verbose);
    s_expect ("de 0003 a161 01 a162 02", "truncated message at offset 9", verbose);
    s_expect ("db ffffffff 61 62", "truncated str at offset 0", verbose);
    s_expect ("91 da 0010 61", "truncated str at offset 1", verbose);
    s_expect ("a5 6162", "truncated str", verbose);
    s_expect ("c6 7fffffff 00", "truncated bin", verbose);
    s_expect ("c4", "truncated bin header", verbose);
    s_expect ("c9 00000010 01 00", "truncated ext", verbose);
    s_expect ("d8 01 0000", "truncated ext", verbose);
    s_expect ("cb 0000", "truncated float", verbose);
    s_expect ("cf 00000000", "truncated integer", verbose);
    s_expect ("92 01", "truncated array", verbose);
    s_expect ("c1", "reserved byte 0xc1 at offset 0", verbose);
    s_expect ("92 01 c1", "reserved byte 0xc1 at offset 2", verbose);
    s_expect ("c0 c0", "trailing bytes after offset 1", verbose);
    s_expect ("", "empty message", verbose);

    //  Nesting: 16 levels pass, 17 and 1000 do not.
    uint8_t deep [1000];
    memset (deep, 0x91, sizeof deep);
    as_error_t err;
    deep [15] = 0x90;
    as_msg_t *msg = as_msg_decode (deep, 16, 0, &err);
    AS_CHECK (msg);
    as_msg_destroy (&msg);
    deep [15] = 0x91;
    deep [16] = 0x90;
    AS_CHECK (!as_msg_decode (deep, 17, 0, &err));
    AS_CHECK (strcmp (err.message, "nesting deeper than 16") == 0);
    deep [16] = 0x91;
    deep [999] = 0xc0;
    AS_CHECK (!as_msg_decode (deep, sizeof deep, 0, &err));
    AS_CHECK (strstr (err.message, "nesting deeper than 16"));

    //  Frame cap.
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    s_sample (&sbuf);
    AS_CHECK (!as_msg_decode (sbuf.data, sbuf.size, 16, &err));
    AS_CHECK (strstr (err.message, "exceeds 16"));

    //  Every strict prefix of a valid message is refused.
    msg = as_msg_decode (sbuf.data, sbuf.size, 0, &err);
    AS_CHECK (msg);
    as_msg_destroy (&msg);
    for (size_t size = 0; size < sbuf.size; size++) {
        as_error_clear (&err);
        AS_CHECK (!as_msg_decode (sbuf.data, size, 0, &err));
        AS_CHECK (err.code == AS_INVALID_ARGUMENT);
    }

    //  Fuzz: random buffers and mutated samples must decode or be refused,
    //  never crash (run under ASan). Fixed seed keeps failures repeatable.
    uint32_t seed = 20261122;
    uint8_t buffer [128];
    size_t accepted = 0;
    for (int round = 0; round < 20000; round++) {
        size_t size = 0;
        if (round % 2) {
            size = 1 + (seed = seed * 1103515245 + 12345) % sizeof buffer;
            for (size_t i = 0; i < size; i++)
                buffer [i] = (uint8_t) ((seed = seed * 1103515245 + 12345) >> 16);
        }
        else {
            size = sbuf.size < sizeof buffer? sbuf.size: sizeof buffer;
            memcpy (buffer, sbuf.data, size);
            for (int flips = 0; flips < 3; flips++) {
                seed = seed * 1103515245 + 12345;
                buffer [(seed >> 8) % size] = (uint8_t) (seed >> 20);
            }
        }
        msg = as_msg_decode (buffer, size, 0, &err);
        if (msg) {
            char *json = as_obj_to_json (as_msg_root (msg), false);
            AS_CHECK (json);
            free (json);
            accepted++;
        }
        else
            AS_CHECK (err.code == AS_INVALID_ARGUMENT && err.message [0]);
        as_msg_destroy (&msg);
    }
    if (verbose)
        printf ("\n    fuzz: %zu of 20000 accepted\n", accepted);
    msgpack_sbuffer_destroy (&sbuf);
}

//  Canonical forms: what msgpack-c packs, checked against the spec.
static void
s_test_canonical (bool verbose)
{
    (void) verbose;
    static const struct { int64_t value; const char *hex; } ints [] = {
        { 0, "00" }, { 127, "7f" }, { 128, "cc80" }, { 255, "ccff" }, { 256, "cd0100" },
        { 65535, "cdffff" }, { 65536, "ce00010000" }, { 4294967296LL, "cf0000000100000000" },
        { -1, "ff" }, { -32, "e0" }, { -33, "d0df" }, { -128, "d080" }, { -129, "d1ff7f" },
        { -32769, "d2ffff7fff" }, { INT64_MIN, "d38000000000000000" },
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints [0]; i++) {
        msgpack_sbuffer sbuf;
        msgpack_sbuffer_init (&sbuf);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
        msgpack_pack_int64 (&pk, ints [i].value);
        char hex [32] = "";
        for (size_t b = 0; b < sbuf.size; b++)
            sprintf (hex + 2 * b, "%02x", (uint8_t) sbuf.data [b]);
        AS_CHECK (strcmp (hex, ints [i].hex) == 0);
        msgpack_sbuffer_destroy (&sbuf);
    }
    //  str: fixstr up to 31 bytes, then str8 (not str16, as old msgpack did).
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    as_pack_str (&pk, "0123456789012345678901234567890");
    AS_CHECK ((uint8_t) sbuf.data [0] == 0xbf);
    sbuf.size = 0;
    as_pack_str (&pk, "01234567890123456789012345678901");
    AS_CHECK ((uint8_t) sbuf.data [0] == 0xd9 && sbuf.data [1] == 32);
    sbuf.size = 0;
    as_pack_str (&pk, NULL);
    AS_CHECK (sbuf.size == 1 && (uint8_t) sbuf.data [0] == 0xc0);

    //  Decode then re-pack gives the same bytes.
    sbuf.size = 0;
    s_sample (&sbuf);
    as_error_t err;
    as_msg_t *msg = as_msg_decode (sbuf.data, sbuf.size, 0, &err);
    AS_CHECK (msg);
    msgpack_sbuffer again;
    msgpack_sbuffer_init (&again);
    msgpack_packer pk2;
    msgpack_packer_init (&pk2, &again, msgpack_sbuffer_write);
    as_pack_object (&pk2, as_msg_root (msg));
    AS_CHECK (again.size == sbuf.size && memcmp (again.data, sbuf.data, sbuf.size) == 0);

    //  Readers.
    const msgpack_object *root = as_msg_root (msg);
    char small [8], *copy = as_obj_strdup (root, "name");
    AS_CHECK (copy && strcmp (copy, "a string longer than thirty-one bytes") == 0);
    free (copy);
    AS_CHECK (!as_obj_strcpy (root, "name", small, sizeof small));
    AS_CHECK (!as_obj_strdup (root, "big"));
    int64_t value;
    AS_CHECK (as_obj_int (root, "big", &value) && value == 70000);
    AS_CHECK (as_obj_int (root, "neg", &value) && value == -129);
    AS_CHECK (!as_obj_int (root, "name", &value));
    bool flag = false;
    AS_CHECK (as_obj_bool (root, "ok", &flag) && flag);
    AS_CHECK (!as_obj_get (root, "missing"));
    AS_CHECK (!as_obj_get (NULL, "name"));
    AS_CHECK (!as_obj_get (as_obj_get (root, "list"), "name"));
    msgpack_sbuffer_destroy (&again);
    msgpack_sbuffer_destroy (&sbuf);
    as_msg_destroy (&msg);
    as_msg_destroy (&msg);
}

static void
s_test_json (bool verbose)
{
    (void) verbose;
    const char *text = "{\"name\":\"\\u5f20\\u4e09 \\ud83d\\ude00\",\"n\":-33,\"u\":18446744073709551615,"
                       "\"f\":1.5,\"g\":2.0,\"b\":{\"$bin\":\"AAEC/w==\"},\"a\":[true,false,null],\"e\":{}}";
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack (text, &sbuf, &err) == 0);
    as_msg_t *msg = as_msg_decode (sbuf.data, sbuf.size, 0, &err);
    AS_CHECK (msg);
    const msgpack_object *root = as_msg_root (msg);
    AS_CHECK (as_obj_streq (as_obj_get (root, "name"), "\xe5\xbc\xa0\xe4\xb8\x89 \xf0\x9f\x98\x80"));
    int64_t n;
    AS_CHECK (as_obj_int (root, "n", &n) && n == -33);
    AS_CHECK (!as_obj_int (root, "u", &n));            //  does not fit int64
    AS_CHECK (as_obj_get (root, "u")->via.u64 == UINT64_MAX);
    AS_CHECK (as_obj_get (root, "g")->type == MSGPACK_OBJECT_FLOAT64);
    AS_CHECK (as_obj_get (root, "b")->type == MSGPACK_OBJECT_BIN);
    AS_CHECK (as_obj_get (root, "b")->via.bin.size == 4);
    //  Back to JSON and in again: the same bytes.
    char *json = as_obj_to_json (root, false);
    msgpack_sbuffer again;
    msgpack_sbuffer_init (&again);
    AS_CHECK (as_json_to_msgpack (json, &again, &err) == 0);
    AS_CHECK (again.size == sbuf.size && memcmp (again.data, sbuf.data, sbuf.size) == 0);
    free (json);
    msgpack_sbuffer_destroy (&again);
    as_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&sbuf);

    const char *bad [] = { "", "{", "{\"a\":}", "[1,]", "\"\\ud800\"", "01x", "[1] 2",
                           "{\"$bin\":\"!!\"}", "{\"$bin\":\"AA==\",\"x\":1}", "tru",
                           "{\"x\":1,\"$bin\":\"AA==\"}",
                           "99999999999999999999", "\"a\nb\"", NULL };
    for (int i = 0; bad [i]; i++) {
        msgpack_sbuffer_init (&sbuf);
        as_error_clear (&err);
        AS_CHECK (as_json_to_msgpack (bad [i], &sbuf, &err) == -1);
        AS_CHECK (err.code == AS_INVALID_ARGUMENT);
        msgpack_sbuffer_destroy (&sbuf);
    }
}

void
as_msg_test (bool verbose)
{
    s_test_hostile (verbose);
    s_test_canonical (verbose);
    s_test_json (verbose);
}
