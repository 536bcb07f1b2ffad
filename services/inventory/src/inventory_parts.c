/*  inventory_parts: the parts catalogue (by hand or CSV) and locations.  */
#include "inventory.h"
#include "as_msg.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char part_no [33], name [201], supplier [101], kind [16];
    char models [4096];             //  PostgreSQL array literal
    int64_t unit_cost_fen, lead_time_days;
} s_part_t;

//  Models separated by '|' (CSV) become a text[] literal with each element
//  quoted, so a model name cannot break out of the literal.
static int
s_models_literal (const char *const *models, int count, char *out, size_t size, as_error_t *err)
{
    size_t used = 0;
    out [used++] = '{';
    for (int index = 0; index < count; index++) {
        if (used + 2 >= size)
            return as_error_set (err, AS_INVALID_ARGUMENT, "compatible models too long");
        if (index)
            out [used++] = ',';
        out [used++] = '"';
        for (const char *cursor = models [index]; *cursor; cursor++) {
            if (used + 4 >= size)
                return as_error_set (err, AS_INVALID_ARGUMENT, "compatible models too long");
            if (*cursor == '"' || *cursor == '\\')
                out [used++] = '\\';
            out [used++] = *cursor;
        }
        out [used++] = '"';
    }
    if (used + 2 > size)
        return as_error_set (err, AS_INVALID_ARGUMENT, "compatible models too long");
    out [used++] = '}';
    out [used] = 0;
    return 0;
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
    as_obj_strcpy (call->params, "part_no", part.part_no, sizeof part.part_no);
    as_obj_strcpy (call->params, "name", part.name, sizeof part.name);
    as_obj_strcpy (call->params, "kind", part.kind, sizeof part.kind);
    as_obj_strcpy (call->params, "supplier", part.supplier, sizeof part.supplier);
    as_obj_int (call->params, "unit_cost_fen", &part.unit_cost_fen);
    as_obj_int (call->params, "lead_time_days", &part.lead_time_days);
    const msgpack_object *models = as_obj_get (call->params, "compatible_models");
    char names [200][65];
    const char *pointers [200];
    int count = 0;
    for (uint32_t index = 0; models && models->type == MSGPACK_OBJECT_ARRAY
                             && index < models->via.array.size && count < 200; index++) {
        const msgpack_object *model = &models->via.array.ptr [index];
        snprintf (names [count], sizeof names [count], "%.*s", (int) model->via.str.size, model->via.str.ptr);
        pointers [count] = names [count];
        count++;
    }
    bool created;
    if (s_models_literal (pointers, count, part.models, sizeof part.models, call->err)
    ||  s_store_part (call->pg, &part, &created, call->err))
        return -1;
    return s_reply_part (call, part.part_no, false);
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

//  One data row of the CSV into a part; err names the line and column.
static int
s_csv_part (char **fields, int line_no, s_part_t *part, as_error_t *err)
{
    memset (part, 0, sizeof *part);
    if (!*fields [0] || strlen (fields [0]) > 32 || !*fields [1] || strlen (fields [1]) > 200
    ||  !*fields [5] || strlen (fields [5]) > 100)
        return as_error_set (err, AS_INVALID_ARGUMENT,
                             "line %d: part_no (1-32), name (1-200) and supplier (1-100) are required", line_no);
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
    const char *models [200];
    int count = 0;
    for (char *model = strtok (fields [2], "|"); model && count < 200; model = strtok (NULL, "|"))
        models [count++] = model;
    if (s_models_literal (models, count, part->models, sizeof part->models, err)) {
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
        s_part_t part;
        bool fresh = false;
        if (inventory_csv_split (line, fields, 8) != 7)
            rc = as_error_set (call->err, AS_INVALID_ARGUMENT, "line %d: expected 7 fields", line_no);
        else
            rc = s_csv_part (fields, line_no, &part, call->err) || s_store_part (call->pg, &part, &fresh, call->err)
               ? -1 : 0;
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

static const as_stmt_t s_part_stock = { "inventory_part_stock",
    "SELECT s.location_id, l.code, l.kind, s.available, s.reserved, s.quarantine, s.defective"
    " FROM stock s JOIN locations l ON l.id = s.location_id WHERE s.part_no = $1 ORDER BY s.location_id" };

static int
s_pack_part_stock (as_call_t *call, const char *part_no)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, part_no);
    PGresult *result = as_pg_run (call->pg, &s_part_stock, &params, call->err);
    if (!result)
        return -1;
    static const char *keys [] = { "location_id", "location_code", "location_kind", "available",
                                   "reserved", "quarantine", "defective" };
    as_pack_str (call->result, "stock");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++) {
        msgpack_pack_map (call->result, 7);
        for (int column = 0; column < 7; column++)
            if (column == 1 || column == 2)
                as_pack_kv_str (call->result, keys [column], as_pg_get_str (result, row, column));
            else
                as_pack_kv_int (call->result, keys [column], as_pg_get_int (result, row, column));
    }
    PQclear (result);
    return 0;
}

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
    return with_stock ? s_pack_part_stock (call, part_no) : 0;
}

int
inventory_part_get (as_call_t *call)
{
    char part_no [33] = "";
    as_obj_strcpy (call->params, "part_no", part_no, sizeof part_no);
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

static const as_stmt_t s_insert_location = { "inventory_insert_location",
    "INSERT INTO locations (code, kind, name, station_id, engineer_id) VALUES ($1, $2, $3, $4, $5)"
    " RETURNING id" };
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

int
inventory_location_add (as_call_t *call)
{
    char code [33] = "", kind [16] = "", name [101] = "";
    int64_t station_id = 0, engineer_id = 0;
    as_obj_strcpy (call->params, "code", code, sizeof code);
    as_obj_strcpy (call->params, "kind", kind, sizeof kind);
    as_obj_strcpy (call->params, "name", name, sizeof name);
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
