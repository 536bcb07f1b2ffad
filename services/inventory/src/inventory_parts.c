/*  inventory_parts: the parts catalogue (by hand or CSV) and locations.  */
#include "inventory.h"
#include "as_msg.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The catalogue's limits (characters) for what a part says.
#define S_NAME_CHARS       200
#define S_SUPPLIER_CHARS   100
#define S_MODEL_CHARS      64
#define S_MODELS_MAX       200

typedef struct {
    char part_no [INVENTORY_PART_NO_SIZE], name [AS_TEXT_SIZE (S_NAME_CHARS)];
    char supplier [AS_TEXT_SIZE (S_SUPPLIER_CHARS)], kind [16];
    char *models;                   //  PostgreSQL array literal (s_models_literal's)
    int64_t unit_cost_fen, lead_time_days;
} s_part_t;

//  Characters of UTF-8 text (bytes that do not continue a character).
static size_t
s_characters (const char *text, size_t size)
{
    size_t count = 0;
    for (size_t index = 0; index < size; index++)
        count += ((unsigned char) text [index] & 0xc0) != 0x80;
    return count;
}

//  Compatible models become a text[] literal with each element quoted, so
//  a model name cannot break out of it. A model is 1 to 64 characters, at
//  most 200 of them: more is refused, never cut. The caller frees it.
static char *
s_models_literal (const char *const *models, const size_t *sizes, int count, as_error_t *err)
{
    if (count > S_MODELS_MAX) {
        as_error_set (err, AS_INVALID_ARGUMENT, "more than %d compatible models", S_MODELS_MAX);
        return NULL;
    }
    size_t room = 3;
    for (int index = 0; index < count; index++) {
        size_t characters = s_characters (models [index], sizes [index]);
        if (characters < 1 || characters > S_MODEL_CHARS) {
            as_error_set (err, AS_INVALID_ARGUMENT, "compatible model %d: 1 to %d characters", index + 1,
                          S_MODEL_CHARS);
            return NULL;
        }
        room += 2 * sizes [index] + 3;
    }
    char *out = malloc (room);
    if (!out) {
        as_error_set (err, AS_INTERNAL, "out of memory");
        return NULL;
    }
    size_t used = 0;
    out [used++] = '{';
    for (int index = 0; index < count; index++) {
        if (index)
            out [used++] = ',';
        out [used++] = '"';
        for (size_t at = 0; at < sizes [index]; at++) {
            if (models [index][at] == '"' || models [index][at] == '\\')
                out [used++] = '\\';
            out [used++] = models [index][at];
        }
        out [used++] = '"';
    }
    out [used++] = '}';
    out [used] = 0;
    return out;
}

static const as_stmt_t s_upsert_part = { "inventory_upsert_part",
    "INSERT INTO parts (part_no, name, compatible_models, unit_cost_fen, kind, supplier, lead_time_days)"
    " VALUES ($1, $2, $3::text[], $4, $5, $6, $7)"
    " ON CONFLICT (part_no) DO UPDATE SET name = EXCLUDED.name,"
    "  compatible_models = EXCLUDED.compatible_models, unit_cost_fen = EXCLUDED.unit_cost_fen,"
    "  kind = EXCLUDED.kind, supplier = EXCLUDED.supplier, lead_time_days = EXCLUDED.lead_time_days,"
    "  updated_at = now()"
    " RETURNING (xmax = 0)" };

//  Insert or update; *created tells which.
static int
s_store_part (as_pg_t *pg, const s_part_t *part, bool *created, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, part->part_no);
    as_pgp_str (&params, part->name);
    as_pgp_str (&params, part->models);
    as_pgp_int (&params, part->unit_cost_fen);
    as_pgp_str (&params, part->kind);
    as_pgp_str (&params, part->supplier);
    as_pgp_int (&params, part->lead_time_days);
    PGresult *result = as_pg_run (pg, &s_upsert_part, &params, err);
    if (!result)
        return -1;
    *created = as_pg_get_bool (result, 0, 0);
    PQclear (result);
    return 0;
}

static const as_stmt_t s_get_part = { "inventory_get_part",
    "SELECT part_no, name, array_to_json(compatible_models)::text, unit_cost_fen, kind, supplier,"
    " lead_time_days FROM parts WHERE ($1::text IS NULL OR part_no = $1) ORDER BY part_no LIMIT 10000" };

static void
s_pack_part (msgpack_packer *pk, const PGresult *result, int row)
{
    msgpack_pack_map (pk, 7);
    as_pack_kv_str (pk, "part_no", as_pg_get_str (result, row, 0));
    as_pack_kv_str (pk, "name", as_pg_get_str (result, row, 1));
    as_pack_str (pk, "compatible_models");
    //  PostgreSQL gives the array as JSON text; as msgpack it goes in as is.
    msgpack_sbuffer models;
    msgpack_sbuffer_init (&models);
    as_error_t err;
    if (as_json_to_msgpack (as_pg_get_str (result, row, 2), &models, &err) == 0 && models.size)
        pk->callback (pk->data, models.data, models.size);
    else
        msgpack_pack_array (pk, 0);
    msgpack_sbuffer_destroy (&models);
    as_pack_kv_int (pk, "unit_cost_fen", as_pg_get_int (result, row, 3));
    as_pack_kv_str (pk, "kind", as_pg_get_str (result, row, 4));
    as_pack_kv_str (pk, "supplier", as_pg_get_str (result, row, 5));
    as_pack_kv_int (pk, "lead_time_days", as_pg_get_int (result, row, 6));
}

static int
s_reply_part (as_call_t *call, const char *part_no, bool with_stock);

int
inventory_part_add (as_call_t *call)
{
    s_part_t part;
    memset (&part, 0, sizeof part);
    if (as_obj_text (call->params, NULL, "part_no", part.part_no, sizeof part.part_no, call->err)
    ||  as_obj_text (call->params, NULL, "name", part.name, sizeof part.name, call->err)
    ||  as_obj_text (call->params, NULL, "kind", part.kind, sizeof part.kind, call->err)
    ||  as_obj_text (call->params, NULL, "supplier", part.supplier, sizeof part.supplier, call->err))
        return -1;
    as_obj_int (call->params, "unit_cost_fen", &part.unit_cost_fen);
    as_obj_int (call->params, "lead_time_days", &part.lead_time_days);
    const msgpack_object *models = as_obj_get (call->params, "compatible_models");
    uint32_t count = models && models->type == MSGPACK_OBJECT_ARRAY ? models->via.array.size : 0;
    const char **names = calloc (count + 1, sizeof *names);
    size_t *sizes = calloc (count + 1, sizeof *sizes);
    int rc = names && sizes ? 0 : as_error_set (call->err, AS_INTERNAL, "out of memory");
    for (uint32_t index = 0; rc == 0 && index < count; index++) {
        const msgpack_object *model = &models->via.array.ptr [index];
        if (model->type != MSGPACK_OBJECT_STR)
            rc = as_error_set (call->err, AS_INVALID_ARGUMENT, "compatible_models: expected strings");
        else {
            names [index] = model->via.str.ptr;
            sizes [index] = model->via.str.size;
        }
    }
    bool created;
    if (rc == 0 && !(part.models = s_models_literal (names, sizes, (int) count, call->err)))
        rc = -1;
    if (rc == 0)
        rc = s_store_part (call->pg, &part, &created, call->err);
    free (part.models);
    free (names);
    free (sizes);
    return rc ? -1 : s_reply_part (call, part.part_no, false);
}

//  --- CSV import ---------------------------------------------------------------------

int
inventory_csv_split (char *line, char **fields, int max)
{
    int count = 0;
    char *read = line, *write = line;
    while (true) {
        if (count == max)
            return -1;
        fields [count++] = write;
        if (*read == '"') {
            read++;
            while (true) {
                if (!*read)
                    return -1;              //  unterminated quote
                if (*read == '"' && read [1] == '"')
                    read++;
                else
                if (*read == '"') {
                    read++;
                    break;
                }
                *write++ = *read++;
            }
            if (*read && *read != ',')
                return -1;
        }
        else
            while (*read && *read != ',')
                *write++ = *read++;
        bool more = *read == ',';
        *write++ = 0;
        if (!more)
            return count;
        read++;
    }
}

static const char *s_csv_columns [] = { "part_no", "name", "compatible_models", "unit_cost_fen",
                                        "kind", "supplier", "lead_time_days" };

static bool
s_whole_number (const char *text, int64_t max, int64_t *value)
{
    char *end = NULL;
    if (!*text || !isdigit ((unsigned char) *text))
        return false;
    long long parsed = strtoll (text, &end, 10);
    *value = parsed;
    return *end == 0 && parsed >= 0 && parsed <= max;
}

//  1 to max characters (the CSV is checked as a whole, not field by field).
static bool
s_csv_text_ok (const char *text, size_t max)
{
    size_t characters = s_characters (text, strlen (text));
    return characters >= 1 && characters <= max;
}

//  One data row of the CSV into a part; err names the line and column.
static int
s_csv_part (char **fields, int line_no, s_part_t *part, as_error_t *err)
{
    memset (part, 0, sizeof *part);
    if (!s_csv_text_ok (fields [0], 32) || !s_csv_text_ok (fields [1], S_NAME_CHARS)
    ||  !s_csv_text_ok (fields [5], S_SUPPLIER_CHARS))
        return as_error_set (err, AS_INVALID_ARGUMENT, "line %d: part_no (1-32), name (1-200) and supplier (1-100"
                             " characters) are required", line_no);
    snprintf (part->part_no, sizeof part->part_no, "%s", fields [0]);
    snprintf (part->name, sizeof part->name, "%s", fields [1]);
    snprintf (part->supplier, sizeof part->supplier, "%s", fields [5]);
    if (strcmp (fields [4], "regular") && strcmp (fields [4], "special"))
        return as_error_set (err, AS_INVALID_ARGUMENT, "line %d: kind must be regular or special", line_no);
    snprintf (part->kind, sizeof part->kind, "%s", fields [4]);
    //  Money is integer fen: "12.50" is refused rather than guessed at.
    if (!s_whole_number (fields [3], 1000000000000LL, &part->unit_cost_fen))
        return as_error_set (err, AS_INVALID_ARGUMENT, "line %d: unit_cost_fen '%s' is not a whole number of fen",
                             line_no, fields [3]);
    if (!s_whole_number (fields [6], 365, &part->lead_time_days))
        return as_error_set (err, AS_INVALID_ARGUMENT, "line %d: lead_time_days '%s' is not 0..365", line_no, fields [6]);
    //  One more than allowed is enough for s_models_literal to refuse.
    const char *models [S_MODELS_MAX + 1];
    size_t sizes [S_MODELS_MAX + 1];
    int count = 0;
    for (char *model = strtok (fields [2], "|"); model && count <= S_MODELS_MAX; model = strtok (NULL, "|")) {
        sizes [count] = strlen (model);
        models [count++] = model;
    }
    if (!(part->models = s_models_literal (models, sizes, count, err))) {
        //  Not err->message itself: it is the buffer being written.
        char reason [AS_ERROR_MESSAGE_MAX];
        snprintf (reason, sizeof reason, "%s", err->message);
        return as_error_set (err, AS_INVALID_ARGUMENT, "line %d: %s", line_no, reason);
    }
    return 0;
}

static int
s_check_header (char *line, as_error_t *err)
{
    char *fields [8];
    int count = inventory_csv_split (line, fields, 8);
    bool ok = count == 7;
    for (int index = 0; ok && index < 7; index++)
        ok = strcmp (fields [index], s_csv_columns [index]) == 0;
    return ok ? 0 : as_error_set (err, AS_INVALID_ARGUMENT,
        "line 1: the header must be part_no,name,compatible_models,unit_cost_fen,kind,supplier,lead_time_days");
}

//  The whole file in one transaction: a bad line refuses all of it, so an
//  operator fixes the file and imports again rather than untangling half.
int
inventory_part_import (as_call_t *call)
{
    char *csv = as_obj_strdup (call->params, "csv");
    int64_t created = 0, updated = 0;
    int line_no = 0, rc = 0;
    char *save = NULL;
    for (char *line = strtok_r (csv, "\n", &save); line && rc == 0; line = strtok_r (NULL, "\n", &save)) {
        line_no++;
        size_t length = strlen (line);
        if (length && line [length - 1] == '\r')
            line [length - 1] = 0;
        if (line_no == 1) {
            rc = s_check_header (line, call->err);
            continue;
        }
        if (!*line)
            continue;
        char *fields [8];
        s_part_t part = { .models = NULL };
        bool fresh = false;
        if (inventory_csv_split (line, fields, 8) != 7)
            rc = as_error_set (call->err, AS_INVALID_ARGUMENT, "line %d: expected 7 fields", line_no);
        else
            rc = s_csv_part (fields, line_no, &part, call->err) || s_store_part (call->pg, &part, &fresh, call->err)
               ? -1 : 0;
        free (part.models);
        created += rc == 0 && fresh;
        updated += rc == 0 && !fresh;
    }
    free (csv);
    if (rc)
        return -1;
    if (created + updated == 0)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "the CSV has no parts");
    msgpack_pack_map (call->result, 3);
    as_pack_kv_int (call->result, "imported", created + updated);
    as_pack_kv_int (call->result, "created", created);
    as_pack_kv_int (call->result, "updated", updated);
    return 0;
}

//  --- Reading the catalogue --------------------------------------------------------------

static int
s_reply_part (as_call_t *call, const char *part_no, bool with_stock)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, part_no);
    PGresult *result = as_pg_run (call->pg, &s_get_part, &params, call->err);
    if (!result)
        return -1;
    if (PQntuples (result) == 0) {
        PQclear (result);
        return as_error_set (call->err, AS_NOT_FOUND, "part %s is not in the catalogue", part_no);
    }
    msgpack_pack_map (call->result, with_stock ? 2 : 1);
    as_pack_str (call->result, "part");
    s_pack_part (call->result, result, 0);
    PQclear (result);
    //  Its stock as stock.show gives it: each row names the part too.
    return with_stock ? inventory_pack_stock_list (call->pg, part_no, 0, call->result, call->err) : 0;
}

int
inventory_part_get (as_call_t *call)
{
    char part_no [INVENTORY_PART_NO_SIZE];
    if (as_obj_text (call->params, NULL, "part_no", part_no, sizeof part_no, call->err))
        return -1;
    return s_reply_part (call, part_no, true);
}

int
inventory_part_list (as_call_t *call)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_null (&params);
    PGresult *result = as_pg_run (call->pg, &s_get_part, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "parts");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++)
        s_pack_part (call->result, result, row);
    PQclear (result);
    return 0;
}

//  --- Locations ----------------------------------------------------------------------------

//  A location that is already there (its code, the station's store, the
//  engineer's van: each is unique) inserts nothing and is told apart by
//  s_location_taken, so the transaction goes on and the error is in words.
static const as_stmt_t s_insert_location = { "inventory_insert_location",
    "INSERT INTO locations (code, kind, name, station_id, engineer_id) VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT DO NOTHING RETURNING id" };
static const as_stmt_t s_location_taken = { "inventory_location_taken",
    "SELECT code, kind, code = $1 FROM locations"
    " WHERE code = $1 OR (kind = 'station' AND $2 = 'station' AND station_id = $3)"
    "  OR (kind = 'van' AND $2 = 'van' AND engineer_id = $4)"
    " ORDER BY code = $1 DESC LIMIT 1" };
static const as_stmt_t s_list_locations = { "inventory_list_locations",
    "SELECT id, code, kind, name, station_id, engineer_id FROM locations"
    " WHERE ($1::bigint IS NULL OR id = $1) ORDER BY id LIMIT 10000" };
static const as_stmt_t s_central = { "inventory_central_location",
    "SELECT id FROM locations WHERE kind = 'central' ORDER BY id LIMIT 1" };

static void
s_pack_location (msgpack_packer *pk, const PGresult *result, int row)
{
    msgpack_pack_map (pk, 6);
    as_pack_kv_int (pk, "location_id", as_pg_get_int (result, row, 0));
    as_pack_kv_str (pk, "code", as_pg_get_str (result, row, 1));
    as_pack_kv_str (pk, "kind", as_pg_get_str (result, row, 2));
    as_pack_kv_str (pk, "name", as_pg_get_str (result, row, 3));
    for (int column = 4; column < 6; column++) {
        const char *key = column == 4 ? "station_id" : "engineer_id";
        if (PQgetisnull (result, row, column))
            as_pack_kv_nil (pk, key);
        else
            as_pack_kv_int (pk, key, as_pg_get_int (result, row, column));
    }
}

static int
s_location_rule (const char *kind, int64_t station_id, int64_t engineer_id, as_error_t *err)
{
    if (!strcmp (kind, "central") && (station_id || engineer_id))
        return as_error_set (err, AS_INVALID_ARGUMENT, "the central warehouse has no station_id or engineer_id");
    if (!strcmp (kind, "station") && (!station_id || engineer_id))
        return as_error_set (err, AS_INVALID_ARGUMENT, "a station store needs station_id and no engineer_id");
    if (!strcmp (kind, "van") && (!station_id || !engineer_id))
        return as_error_set (err, AS_INVALID_ARGUMENT, "a van needs engineer_id and station_id");
    return 0;
}

//  Which unique rule a location that was not inserted broke, in words.
static int
s_location_exists (as_call_t *call, const char *code, const char *kind, int64_t station_id, int64_t engineer_id)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, code);
    as_pgp_str (&params, kind);
    as_pgp_int (&params, station_id);
    as_pgp_int (&params, engineer_id);
    PGresult *taken = as_pg_run (call->pg, &s_location_taken, &params, call->err);
    if (!taken)
        return -1;
    if (PQntuples (taken) == 0 || as_pg_get_bool (taken, 0, 2))
        as_error_set (call->err, AS_ALREADY_EXISTS, "location %s already exists", code);
    else
    if (strcmp (kind, "station") == 0)
        as_error_set (call->err, AS_ALREADY_EXISTS, "station %lld already has a store: location %s",
                      (long long) station_id, as_pg_get_str (taken, 0, 0));
    else
        as_error_set (call->err, AS_ALREADY_EXISTS, "engineer %lld already has a van: location %s",
                      (long long) engineer_id, as_pg_get_str (taken, 0, 0));
    PQclear (taken);
    return -1;
}

int
inventory_location_add (as_call_t *call)
{
    char code [AS_TEXT_SIZE (32)], kind [16], name [AS_TEXT_SIZE (100)];
    int64_t station_id = 0, engineer_id = 0;
    if (as_obj_text (call->params, NULL, "code", code, sizeof code, call->err)
    ||  as_obj_text (call->params, NULL, "kind", kind, sizeof kind, call->err)
    ||  as_obj_text (call->params, NULL, "name", name, sizeof name, call->err))
        return -1;
    as_obj_int (call->params, "station_id", &station_id);
    as_obj_int (call->params, "engineer_id", &engineer_id);
    if (s_location_rule (kind, station_id, engineer_id, call->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, code);
    as_pgp_str (&params, kind);
    as_pgp_str (&params, name);
    if (station_id) as_pgp_int (&params, station_id); else as_pgp_null (&params);
    if (engineer_id) as_pgp_int (&params, engineer_id); else as_pgp_null (&params);
    PGresult *inserted = as_pg_run (call->pg, &s_insert_location, &params, call->err);
    if (!inserted)
        return -1;
    if (PQntuples (inserted) == 0) {
        PQclear (inserted);
        return s_location_exists (call, code, kind, station_id, engineer_id);
    }
    as_pgp_reset (&params);
    as_pgp_int (&params, as_pg_get_int (inserted, 0, 0));
    PQclear (inserted);
    PGresult *result = as_pg_run (call->pg, &s_list_locations, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "location");
    s_pack_location (call->result, result, 0);
    PQclear (result);
    return 0;
}

int
inventory_location_list (as_call_t *call)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_null (&params);
    PGresult *result = as_pg_run (call->pg, &s_list_locations, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "locations");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++)
        s_pack_location (call->result, result, row);
    PQclear (result);
    return 0;
}

int64_t
inventory_central_location (as_pg_t *pg, as_error_t *err)
{
    PGresult *result = as_pg_run (pg, &s_central, NULL, err);
    if (!result)
        return -1;
    int64_t id = PQntuples (result) ? as_pg_get_int (result, 0, 0) : 0;
    PQclear (result);
    return id;
}
