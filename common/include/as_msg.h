/*  as_msg: safe decoding of untrusted msgpack bytes, and reading the result.

    as_msg_decode runs, in order:
      1. frame size cap (max_frame, 0 = AS_MSG_MAX_FRAME);
      2. a pre-scan of the raw bytes that rejects nesting deeper than
         AS_MSG_MAX_DEPTH and any declared array/map/str/bin/ext length that
         cannot fit in the bytes that remain (msgpack-c allocates from the
         declared count before reading, so this must come first); every
         array element needs >= 1 byte, every map pair >= 2 bytes;
      3. msgpack_unpack_next over the whole buffer; trailing bytes are an error;
    Any failure: NULL and err = invalid_argument with a one-line reason.
    Never asserts on input.                                                   */
#ifndef AS_MSG_H
#define AS_MSG_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "as_error.h"

#define AS_MSG_MAX_FRAME   (1024 * 1024)    //  bytes in one frame
#define AS_MSG_MAX_DEPTH   16               //  nested arrays/maps
#define AS_MSG_MAX_ITEMS   10000            //  elements of one array/map

typedef struct _as_msg_t as_msg_t;

//  Decode bytes (copied; the caller keeps its buffer). max_frame 0 = default.
as_msg_t *as_msg_decode (const void *bytes, size_t size, size_t max_frame, as_error_t *err);
void as_msg_destroy (as_msg_t **self_p);
//  The decoded root object; valid until as_msg_destroy.
const msgpack_object *as_msg_root (as_msg_t *self);

//  The pre-scan alone (step 2 above). 0 when acceptable, -1 with err set.
int as_msg_prescan (const void *bytes, size_t size, int max_depth, as_error_t *err);

//  --- Reading maps (all accept a NULL or non-map object and return absent) ---
//  Value of key in a map with string keys, or NULL if absent. A nil value
//  counts as present (returns the nil object).
const msgpack_object *as_obj_get (const msgpack_object *map, const char *key);
//  True and *text/*size set when key is present and a string (not terminated).
bool as_obj_str (const msgpack_object *map, const char *key, const char **text, size_t *size);
//  Fresh NUL-terminated copy of a string field; NULL if absent or not a string.
char *as_obj_strdup (const msgpack_object *map, const char *key);
//  Copy a string field into buf (NUL-terminated); false if absent, not a
//  string, or it does not fit.
bool as_obj_strcpy (const msgpack_object *map, const char *key, char *buf, size_t bufsize);
//  Bytes a buffer needs for a text of `chars` characters and its NUL: the
//  catalogue's max_len (and PostgreSQL's length()) counts characters, and
//  UTF-8 takes up to 4 bytes a character (3 for Chinese).
#define AS_TEXT_SIZE(chars) (4 * (chars) + 1)
//  A text field into buf (size bytes with the NUL). Absent or nil: buf
//  empty, 0. Copied: 0. Not a string, or longer than buf holds: -1 with
//  err (invalid_argument, naming where.key, or key when where is NULL):
//  a buffer that disagrees with the catalogue's limit is told, never kept
//  as an empty or cut text.
int as_obj_text (const msgpack_object *map, const char *where, const char *key, char *buf, size_t size,
                 as_error_t *err);
//  The same, with `fallback` in buf when the field is absent, nil or empty.
int as_obj_text_or (const msgpack_object *map, const char *where, const char *key, char *buf, size_t size,
                    const char *fallback, as_error_t *err);
//  Integer field (positive or negative fixint/int/uint that fits int64).
bool as_obj_int (const msgpack_object *map, const char *key, int64_t *value);
bool as_obj_bool (const msgpack_object *map, const char *key, bool *value);
//  True when the object is a string equal to text.
bool as_obj_streq (const msgpack_object *obj, const char *text);

//  --- Packing helpers (msgpack-c's packer is used directly otherwise) ---
void as_pack_str (msgpack_packer *pk, const char *text);          //  NULL packs nil
void as_pack_strn (msgpack_packer *pk, const char *text, size_t size);
//  Pack "key": value pairs (the caller has opened the map with the count).
void as_pack_kv_str (msgpack_packer *pk, const char *key, const char *value);
void as_pack_kv_int (msgpack_packer *pk, const char *key, int64_t value);
void as_pack_kv_bool (msgpack_packer *pk, const char *key, bool value);
void as_pack_kv_nil (msgpack_packer *pk, const char *key);
void as_pack_kv_bin (msgpack_packer *pk, const char *key, const void *bytes, size_t size);
//  Re-pack a decoded object as-is (canonical encoding, see proto/ENVELOPE.md).
void as_pack_object (msgpack_packer *pk, const msgpack_object *obj);

//  --- JSON bridge (cJSON) for CLIs, config and test vectors ---
//  msgpack object -> newly allocated JSON text (caller frees). bin is base64.
char *as_obj_to_json (const msgpack_object *obj, bool pretty);
//  JSON text -> packed msgpack bytes appended to sbuf. Integers without a
//  fraction or exponent pack as ints, others as float64. -1 + err on bad JSON.
int as_json_to_msgpack (const char *json, msgpack_sbuffer *sbuf, as_error_t *err);

void as_msg_test (bool verbose);

#endif
