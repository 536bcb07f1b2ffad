/*  inventory_ledger: every quantity change is a movement row written in the
    same transaction as the balance it changes; ledger.verify re-sums.     */
#include "inventory.h"
#include "as_msg.h"
#include <stdio.h>
#include <string.h>

//  The bucket is a parameter, not a column name in SQL text: each column
//  adds the quantity only when it is the bucket named.
#define S_BUCKET_ADD(column) \
    column " = stock." column " + CASE WHEN $3 = '" column "' THEN $4::int ELSE 0 END"

//  A decrease happens only when the bucket stays >= 0: two racing takers of
//  the last unit both run this, the second re-reads the row after the
//  first commits and finds nothing to take (READ COMMITTED re-check).
static const as_stmt_t s_decrease = { "inventory_stock_decrease",
    "UPDATE stock SET " S_BUCKET_ADD ("available") ", " S_BUCKET_ADD ("reserved") ", "
    S_BUCKET_ADD ("quarantine") ", " S_BUCKET_ADD ("defective") ", updated_at = now()"
    " WHERE part_no = $1 AND location_id = $2"
    "  AND CASE $3 WHEN 'available' THEN available WHEN 'reserved' THEN reserved"
    "      WHEN 'quarantine' THEN quarantine ELSE defective END + $4::int >= 0" };

static const as_stmt_t s_increase = { "inventory_stock_increase",
    "INSERT INTO stock AS stock (part_no, location_id, available, reserved, quarantine, defective)"
    " VALUES ($1, $2, CASE WHEN $3 = 'available' THEN $4::int ELSE 0 END,"
    "  CASE WHEN $3 = 'reserved' THEN $4::int ELSE 0 END, CASE WHEN $3 = 'quarantine' THEN $4::int ELSE 0 END,"
    "  CASE WHEN $3 = 'defective' THEN $4::int ELSE 0 END)"
    " ON CONFLICT (part_no, location_id) DO UPDATE SET " S_BUCKET_ADD ("available") ", "
    S_BUCKET_ADD ("reserved") ", " S_BUCKET_ADD ("quarantine") ", " S_BUCKET_ADD ("defective")
    ", updated_at = now()" };

static const as_stmt_t s_insert_movement = { "inventory_insert_movement",
    "INSERT INTO movements (reason, part_no, location_id, bucket, quantity, reservation_id,"
    "  shipment_id, case_id, actor, note)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)" };

static const as_stmt_t s_lock_rows = { "inventory_lock_stock_rows",
    "SELECT location_id FROM stock WHERE part_no = $1 AND location_id IN ($2, $3)"
    " ORDER BY location_id FOR UPDATE" };

static void
s_pgp_ref (as_pg_params_t *params, int64_t id)
{
    if (id > 0)
        as_pgp_int (params, id);
    else
        as_pgp_null (params);
}

//  The balance first: its row count says whether the movement happened.
//  The ledger row then rides on the connection's next round trip: once the
//  balance of that part and place changed it cannot fail (reason and bucket
//  are ours or checked by the catalogue), save for a quantity of 0, which
//  its CHECK refuses, so such a row keeps reporting its own error.
//  `row_held`: this transaction already holds the stock row (it changed or
//  locked it), so an increase only updates it and cannot fail either.
static int
s_move (as_pg_t *pg, const inventory_movement_t *movement, bool row_held, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, movement->part_no);
    as_pgp_int (&params, movement->location_id);
    as_pgp_str (&params, movement->bucket);
    as_pgp_int (&params, movement->quantity);
    if (movement->quantity > 0 && row_held) {
        if (as_pg_defer (pg, &s_increase, &params, err))
            return -1;
    }
    else {
        int64_t changed = as_pg_do (pg, movement->quantity < 0 ? &s_decrease : &s_increase, &params, err);
        if (changed <= 0)
            return (int) changed;
    }
    as_pgp_reset (&params);
    as_pgp_str (&params, movement->reason);
    as_pgp_str (&params, movement->part_no);
    as_pgp_int (&params, movement->location_id);
    as_pgp_str (&params, movement->bucket);
    as_pgp_int (&params, movement->quantity);
    s_pgp_ref (&params, movement->reservation_id);
    s_pgp_ref (&params, movement->shipment_id);
    s_pgp_ref (&params, movement->case_id);
    as_pgp_str (&params, movement->actor);
    as_pgp_str (&params, movement->note);
    if (movement->quantity == 0)
        return inventory_do_one (pg, &s_insert_movement, &params, err) ? -1 : 1;
    return as_pg_defer (pg, &s_insert_movement, &params, err) ? -1 : 1;
}

int
inventory_move (as_pg_t *pg, const inventory_movement_t *movement, as_error_t *err)
{
    return s_move (pg, movement, false, err);
}

int
inventory_shift (as_pg_t *pg, const inventory_movement_t *from, int64_t to_location_id,
                 const char *to_bucket, as_error_t *err)
{
    //  The destination's row is held once the source's is taken from (one
    //  row), or when the lock found it (two rows).
    bool to_held = to_location_id == from->location_id;
    if (!to_held) {
        as_pg_params_t params;
        as_pgp_reset (&params);
        as_pgp_str (&params, from->part_no);
        as_pgp_int (&params, from->location_id);
        as_pgp_int (&params, to_location_id);
        PGresult *locked = as_pg_run (pg, &s_lock_rows, &params, err);
        if (!locked)
            return -1;
        for (int row = 0; row < PQntuples (locked); row++)
            to_held = to_held || as_pg_get_int (locked, row, 0) == to_location_id;
        PQclear (locked);
    }
    inventory_movement_t take = *from;
    take.quantity = -from->quantity;
    int taken = s_move (pg, &take, false, err);
    if (taken != 1)
        return taken;
    inventory_movement_t put = *from;
    put.location_id = to_location_id;
    put.bucket = to_bucket;
    int put_rc = s_move (pg, &put, to_held, err);
    //  An increase is never refused; only a negative quantity (a caller's
    //  mistake) could make this half a refused decrease.
    if (put_rc == 0)
        return as_error_set (err, AS_INTERNAL, "%s of %s at location %lld refused the second half of a shift",
                             to_bucket, from->part_no, (long long) to_location_id);
    return put_rc;
}

int
inventory_do_one (as_pg_t *pg, const as_stmt_t *stmt, const as_pg_params_t *params, as_error_t *err)
{
    int64_t rows = as_pg_do (pg, stmt, params, err);
    if (rows < 0)
        return -1;
    if (rows != 1)
        return as_error_set (err, AS_INTERNAL, "%s changed %lld rows, not one", stmt->name, (long long) rows);
    return 0;
}

int64_t
inventory_first_int (const PGresult *result)
{
    return PQntuples (result) && !PQgetisnull (result, 0, 0) ? as_pg_get_int (result, 0, 0) : 0;
}

int64_t
inventory_scalar (as_pg_t *pg, const as_stmt_t *stmt, const as_pg_params_t *params, as_error_t *err)
{
    PGresult *result = as_pg_run (pg, stmt, params, err);
    if (!result)
        return -1;
    int64_t value = inventory_first_int (result);
    PQclear (result);
    return value;
}

static const as_stmt_t s_stock_row = { "inventory_stock_row",
    "SELECT available, reserved, quarantine, defective FROM stock WHERE part_no = $1 AND location_id = $2" };

int
inventory_pack_stock (as_pg_t *pg, const char *part_no, int64_t location_id, msgpack_packer *pk,
                      as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, part_no);
    as_pgp_int (&params, location_id);
    PGresult *row = as_pg_run (pg, &s_stock_row, &params, err);
    if (!row)
        return -1;
    static const char *buckets [] = { "available", "reserved", "quarantine", "defective" };
    msgpack_pack_map (pk, 6);
    as_pack_kv_str (pk, "part_no", part_no);
    as_pack_kv_int (pk, "location_id", location_id);
    for (int column = 0; column < 4; column++)
        as_pack_kv_int (pk, buckets [column], PQntuples (row) ? as_pg_get_int (row, 0, column) : 0);
    PQclear (row);
    return 0;
}

int
inventory_emit (as_service_t *service, const char *type, const char *subject_kind, int64_t subject_id,
                msgpack_sbuffer *data, as_error_t *err)
{
    char subject [64];
    snprintf (subject, sizeof subject, "%s/%lld", subject_kind, (long long) subject_id);
    int rc = as_service_emit (service, type, subject, data->data, data->size, err);
    msgpack_sbuffer_destroy (data);
    return rc;
}

//  --- Reading balances -----------------------------------------------------------

static const as_stmt_t s_stock_show = { "inventory_stock_show",
    "SELECT s.part_no, s.location_id, l.code, l.kind, s.available, s.reserved, s.quarantine, s.defective"
    " FROM stock s JOIN locations l ON l.id = s.location_id"
    " WHERE ($1::text IS NULL OR s.part_no = $1) AND ($2::bigint IS NULL OR s.location_id = $2)"
    " ORDER BY s.part_no, s.location_id LIMIT 10000" };

int
inventory_pack_stock_list (as_pg_t *pg, const char *part_no, int64_t location_id, msgpack_packer *pk,
                           as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, part_no && *part_no ? part_no : NULL);
    s_pgp_ref (&params, location_id);
    PGresult *result = as_pg_run (pg, &s_stock_show, &params, err);
    if (!result)
        return -1;
    static const char *keys [] = { "part_no", "location_id", "location_code", "location_kind",
                                   "available", "reserved", "quarantine", "defective" };
    as_pack_str (pk, "stock");
    msgpack_pack_array (pk, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++)
        inventory_pack_row (pk, result, row, keys, "sissiiii");
    PQclear (result);
    return 0;
}

int
inventory_stock_show (as_call_t *call)
{
    char part_no [INVENTORY_PART_NO_SIZE];
    int64_t location_id = 0;
    if (as_obj_text (call->params, NULL, "part_no", part_no, sizeof part_no, call->err))
        return -1;
    as_obj_int (call->params, "location_id", &location_id);
    msgpack_pack_map (call->result, 1);
    return inventory_pack_stock_list (call->pg, part_no, location_id, call->result, call->err);
}

//  Every (part, location) whose balance differs from the sum of its
//  movements, bucket by bucket; a row missing on either side counts as 0.
static const as_stmt_t s_verify = { "inventory_ledger_verify",
    "WITH ledger AS ("
    "  SELECT part_no, location_id,"
    "   sum(quantity) FILTER (WHERE bucket = 'available') AS available,"
    "   sum(quantity) FILTER (WHERE bucket = 'reserved') AS reserved,"
    "   sum(quantity) FILTER (WHERE bucket = 'quarantine') AS quarantine,"
    "   sum(quantity) FILTER (WHERE bucket = 'defective') AS defective"
    "  FROM movements GROUP BY part_no, location_id),"
    " joined AS ("
    "  SELECT coalesce(s.part_no, l.part_no) AS part_no, coalesce(s.location_id, l.location_id) AS location_id,"
    "   ARRAY[coalesce(s.available, 0), coalesce(s.reserved, 0), coalesce(s.quarantine, 0), coalesce(s.defective, 0)] AS balance,"
    "   ARRAY[coalesce(l.available, 0), coalesce(l.reserved, 0), coalesce(l.quarantine, 0), coalesce(l.defective, 0)]::bigint[] AS summed"
    "  FROM stock s FULL JOIN ledger l ON l.part_no = s.part_no AND l.location_id = s.location_id)"
    " SELECT part_no, location_id, b.bucket, balance [b.i], summed [b.i],"
    "  (SELECT count(*) FROM joined), (SELECT count(*) FROM movements)"
    " FROM joined CROSS JOIN (VALUES (1, 'available'), (2, 'reserved'), (3, 'quarantine'), (4, 'defective')) AS b (i, bucket)"
    " WHERE balance [b.i] <> summed [b.i]"
    " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, (SELECT count(*) FROM joined), (SELECT count(*) FROM movements)"
    " ORDER BY 1 NULLS LAST, 2, 3 LIMIT 1001" };

int
inventory_ledger_verify (as_call_t *call)
{
    PGresult *result = as_pg_run (call->pg, &s_verify, NULL, call->err);
    if (!result)
        return -1;
    //  The last row is the totals line, never a difference.
    int differences = PQntuples (result) - 1;
    msgpack_pack_map (call->result, 4);
    as_pack_kv_bool (call->result, "ok", differences == 0);
    as_pack_kv_int (call->result, "balances", as_pg_get_int (result, differences, 5));
    as_pack_kv_int (call->result, "movements", as_pg_get_int (result, differences, 6));
    as_pack_str (call->result, "differences");
    msgpack_pack_array (call->result, (size_t) differences);
    for (int row = 0; row < differences; row++) {
        msgpack_pack_map (call->result, 5);
        as_pack_kv_str (call->result, "part_no", as_pg_get_str (result, row, 0));
        as_pack_kv_int (call->result, "location_id", as_pg_get_int (result, row, 1));
        as_pack_kv_str (call->result, "bucket", as_pg_get_str (result, row, 2));
        as_pack_kv_int (call->result, "balance", as_pg_get_int (result, row, 3));
        as_pack_kv_int (call->result, "ledger", as_pg_get_int (result, row, 4));
    }
    PQclear (result);
    return 0;
}


void
inventory_pack_row (msgpack_packer *pk, const PGresult *result, int row,
                    const char *const *keys, const char *types)
{
    size_t count = strlen (types);
    msgpack_pack_map (pk, count);
    for (size_t column = 0; column < count; column++) {
        if (PQgetisnull (result, row, (int) column))
            as_pack_kv_nil (pk, keys [column]);
        else
        if (types [column] == 'i')
            as_pack_kv_int (pk, keys [column], as_pg_get_int (result, row, (int) column));
        else
        if (types [column] == 'b')
            as_pack_kv_bool (pk, keys [column], as_pg_get_bool (result, row, (int) column));
        else
            as_pack_kv_str (pk, keys [column], as_pg_get_str (result, row, (int) column));
    }
}
