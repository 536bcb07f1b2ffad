/*  inventory_goods: goods in from suppliers (quarantine), incoming
    inspection, transfers, count adjustments, defective parts and returns
    to vendor, purchase requests.                                          */
#include "inventory.h"
#include "as_msg.h"
#include <stdio.h>
#include <string.h>

static const as_stmt_t s_insert_receipt = { "inventory_insert_receipt",
    "INSERT INTO receipts (supplier, delivery_ref, part_no, location_id, quantity)"
    " SELECT coalesce($1, p.supplier), coalesce($2, 'manual'), p.part_no, $4, $5 FROM parts p"
    " WHERE p.part_no = $3 RETURNING id" };
//  Goods of a part arriving settle its oldest open purchase requests there.
static const as_stmt_t s_settle_requests = { "inventory_settle_requests",
    "UPDATE purchase_requests SET status = 'received'"
    " WHERE id IN (SELECT id FROM purchase_requests WHERE part_no = $1"
    "   AND (location_id = $2 OR location_id IS NULL) AND status = 'open'"
    "   AND (SELECT coalesce(sum(quantity), 0) FROM purchase_requests q WHERE q.part_no = $1"
    "        AND q.status = 'open' AND q.id < purchase_requests.id) < $3)" };
static const as_stmt_t s_location_exists = { "inventory_location_exists",
    "SELECT id FROM locations WHERE id = $1" };

//  The location given, or the central warehouse when none; 0 + err when
//  it does not exist.
static int64_t
s_receiving_location (as_pg_t *pg, int64_t location_id, as_error_t *err)
{
    if (location_id <= 0) {
        int64_t central = inventory_central_location (pg, err);
        if (central == 0)
            as_error_set (err, AS_FAILED_PRECONDITION, "no central warehouse to receive into: add one first");
        return central;
    }
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, location_id);
    int64_t found = inventory_scalar (pg, &s_location_exists, &params, err);
    if (found == 0)
        as_error_set (err, AS_NOT_FOUND, "location %lld not found", (long long) location_id);
    return found;
}

//  One line of goods in: a receipt row and a quarantine movement.
static int64_t
s_receive (as_pg_t *pg, const char *supplier, const char *delivery_ref, const char *part_no,
           int64_t location_id, int64_t quantity, const char *actor, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, supplier);
    as_pgp_str (&params, delivery_ref);
    as_pgp_str (&params, part_no);
    as_pgp_int (&params, location_id);
    as_pgp_int (&params, quantity);
    int64_t receipt = inventory_scalar (pg, &s_insert_receipt, &params, err);
    if (receipt == 0)
        return as_error_set (err, AS_FAILED_PRECONDITION, "part %s is not in the catalogue", part_no);
    inventory_movement_t movement = { "receipt", part_no, location_id, "quarantine", quantity, 0, 0, 0,
                                      actor, delivery_ref };
    as_pgp_reset (&params);
    as_pgp_str (&params, part_no);
    as_pgp_int (&params, location_id);
    as_pgp_int (&params, quantity);
    //  Settling requests is an update whose count nobody reads: deferred.
    if (receipt < 0 || inventory_move (pg, &movement, err) != 1 || as_pg_defer (pg, &s_settle_requests, &params, err))
        return -1;
    return receipt;
}

int
inventory_stock_receive (as_call_t *call)
{
    char part_no [INVENTORY_PART_NO_SIZE], supplier [AS_TEXT_SIZE (100)], delivery_ref [AS_TEXT_SIZE (64)];
    int64_t location_id = 0, quantity = 0;
    if (as_obj_text (call->params, NULL, "part_no", part_no, sizeof part_no, call->err)
    ||  as_obj_text (call->params, NULL, "supplier", supplier, sizeof supplier, call->err)
    ||  as_obj_text (call->params, NULL, "delivery_ref", delivery_ref, sizeof delivery_ref, call->err))
        return -1;
    as_obj_int (call->params, "location_id", &location_id);
    as_obj_int (call->params, "quantity", &quantity);
    location_id = s_receiving_location (call->pg, location_id, call->err);
    if (location_id <= 0)
        return -1;
    int64_t receipt = s_receive (call->pg, *supplier ? supplier : NULL, *delivery_ref ? delivery_ref : NULL,
                                 part_no, location_id, quantity, call->actor, call->err);
    if (receipt < 0)
        return -1;
    msgpack_pack_map (call->result, 2);
    as_pack_kv_int (call->result, "receipt_id", receipt);
    as_pack_str (call->result, "stock");
    return inventory_pack_stock (call->pg, part_no, location_id, call->result, call->err);
}

//  supplier.shipment_received through the ingress: every line to quarantine.
int
inventory_on_supplier_shipment (as_delivery_t *delivery)
{
    char supplier [AS_TEXT_SIZE (100)], delivery_ref [AS_TEXT_SIZE (64)], actor [160];
    int64_t location_id = 0;
    if (as_obj_text (delivery->data, NULL, "supplier", supplier, sizeof supplier, delivery->err)
    ||  as_obj_text (delivery->data, NULL, "delivery_ref", delivery_ref, sizeof delivery_ref, delivery->err))
        return -1;
    as_obj_int (delivery->data, "location_id", &location_id);
    snprintf (actor, sizeof actor, "supplier:%.140s", delivery->publisher);
    location_id = s_receiving_location (delivery->pg, location_id, delivery->err);
    if (location_id <= 0)
        return -1;
    const msgpack_object *lines = as_obj_get (delivery->data, "lines");
    for (uint32_t index = 0; lines && index < lines->via.array.size; index++) {
        char part_no [INVENTORY_PART_NO_SIZE];
        int64_t quantity = 0;
        if (as_obj_text (&lines->via.array.ptr [index], NULL, "part_no", part_no, sizeof part_no, delivery->err))
            return -1;
        as_obj_int (&lines->via.array.ptr [index], "quantity", &quantity);
        if (s_receive (delivery->pg, supplier, delivery_ref, part_no, location_id, quantity, actor, delivery->err) < 0)
            return -1;
    }
    return 0;
}

//  --- Inspection and returns to vendor ---------------------------------------------------

static const as_stmt_t s_open_return = { "inventory_open_return",
    "INSERT INTO vendor_returns (part_no, location_id, supplier, quantity, note)"
    " SELECT part_no, $2, supplier, $3, $4 FROM parts WHERE part_no = $1 RETURNING id" };

//  Defective parts go back to the supplier unconditionally (DOMAIN.md).
static int64_t
s_return_to_vendor (as_pg_t *pg, const char *part_no, int64_t location_id, int64_t quantity,
                    const char *note, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, part_no);
    as_pgp_int (&params, location_id);
    as_pgp_int (&params, quantity);
    as_pgp_str (&params, note && *note ? note : NULL);
    return inventory_scalar (pg, &s_open_return, &params, err);
}

int
inventory_inspection_record (as_call_t *call)
{
    char part_no [INVENTORY_PART_NO_SIZE], result [8], note [AS_TEXT_SIZE (500)];
    int64_t location_id = 0, quantity = 0;
    if (as_obj_text (call->params, NULL, "part_no", part_no, sizeof part_no, call->err)
    ||  as_obj_text (call->params, NULL, "result", result, sizeof result, call->err)
    ||  as_obj_text (call->params, NULL, "note", note, sizeof note, call->err))
        return -1;
    as_obj_int (call->params, "location_id", &location_id);
    as_obj_int (call->params, "quantity", &quantity);
    bool pass = strcmp (result, "pass") == 0;
    inventory_movement_t movement = { pass ? "inspection_pass" : "inspection_fail", part_no, location_id,
                                      "quarantine", quantity, 0, 0, 0, call->actor, *note ? note : NULL };
    int moved = inventory_shift (call->pg, &movement, location_id, pass ? "available" : "defective", call->err);
    if (moved == 0)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "fewer than %lld of %s are in quarantine at %lld",
                             (long long) quantity, part_no, (long long) location_id);
    int64_t return_id = moved < 0 ? -1
                      : pass ? 0 : s_return_to_vendor (call->pg, part_no, location_id, quantity, note, call->err);
    int64_t fulfilled = return_id < 0 ? -1
                      : pass ? inventory_fulfil_backorders (call->service, call->pg, part_no, location_id,
                                                            call->actor, call->err) : 0;
    if (fulfilled < 0)
        return -1;
    msgpack_pack_map (call->result, 3);
    if (return_id > 0)
        as_pack_kv_int (call->result, "return_id", return_id);
    else
        as_pack_kv_nil (call->result, "return_id");
    as_pack_kv_int (call->result, "fulfilled", fulfilled);
    as_pack_str (call->result, "stock");
    return inventory_pack_stock (call->pg, part_no, location_id, call->result, call->err);
}

int
inventory_defective_return (as_call_t *call)
{
    char part_no [INVENTORY_PART_NO_SIZE];
    int64_t location_id = 0, quantity = 0, case_id = 0;
    if (as_obj_text (call->params, NULL, "part_no", part_no, sizeof part_no, call->err))
        return -1;
    as_obj_int (call->params, "location_id", &location_id);
    as_obj_int (call->params, "quantity", &quantity);
    as_obj_int (call->params, "case_id", &case_id);
    inventory_movement_t movement = { "defective_return", part_no, location_id, "defective", quantity, 0, 0,
                                      case_id, call->actor, NULL };
    if (inventory_move (call->pg, &movement, call->err) != 1)
        return -1;
    int64_t return_id = s_return_to_vendor (call->pg, part_no, location_id, quantity, "taken out on a repair",
                                            call->err);
    if (return_id == 0)
        return as_error_set (call->err, AS_NOT_FOUND, "part %s is not in the catalogue", part_no);
    if (return_id < 0)
        return -1;
    msgpack_pack_map (call->result, 2);
    as_pack_kv_int (call->result, "return_id", return_id);
    as_pack_str (call->result, "stock");
    return inventory_pack_stock (call->pg, part_no, location_id, call->result, call->err);
}

static const as_stmt_t s_lock_return = { "inventory_lock_return",
    "SELECT part_no, location_id, quantity, status FROM vendor_returns WHERE id = $1 FOR UPDATE" };
static const as_stmt_t s_ship_return = { "inventory_ship_return",
    "UPDATE vendor_returns SET status = 'shipped', shipped_at = now() WHERE id = $1" };
static const as_stmt_t s_list_returns = { "inventory_list_returns",
    "SELECT id, part_no, location_id, supplier, quantity, status, note, rfc3339(created_at), rfc3339(shipped_at)"
    " FROM vendor_returns WHERE ($1::bigint IS NULL OR id = $1) AND ($2::text IS NULL OR status = $2)"
    " ORDER BY id LIMIT 1000" };
static const char *s_return_keys [] = { "return_id", "part_no", "location_id", "supplier", "quantity",
                                        "status", "note", "created_at", "shipped_at" };

static int
s_ship_vendor_return (as_call_t *call, int64_t return_id)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, return_id);
    PGresult *row = as_pg_run (call->pg, &s_lock_return, &params, call->err);
    if (!row)
        return -1;
    int rc = 0;
    if (PQntuples (row) == 0)
        rc = as_error_set (call->err, AS_NOT_FOUND, "return %lld not found", (long long) return_id);
    else
    if (strcmp (as_pg_get_str (row, 0, 3), "open"))
        rc = as_error_set (call->err, AS_FAILED_PRECONDITION, "return %lld was already shipped", (long long) return_id);
    else {
        inventory_movement_t movement = { "return_to_vendor", as_pg_get_str (row, 0, 0), as_pg_get_int (row, 0, 1),
            "defective", -as_pg_get_int (row, 0, 2), 0, 0, 0, call->actor, NULL };
        int moved = inventory_move (call->pg, &movement, call->err);
        if (moved == 0)
            rc = as_error_set (call->err, AS_FAILED_PRECONDITION, "the defective parts are no longer there");
        else
            rc = moved < 0 || inventory_do_one (call->pg, &s_ship_return, &params, call->err) ? -1 : 0;
    }
    PQclear (row);
    return rc;
}

int
inventory_return_ship (as_call_t *call)
{
    int64_t return_id = 0;
    as_obj_int (call->params, "return_id", &return_id);
    if (s_ship_vendor_return (call, return_id))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, return_id);
    as_pgp_null (&params);
    PGresult *result = as_pg_run (call->pg, &s_list_returns, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "vendor_return");
    inventory_pack_row (call->result, result, 0, s_return_keys, "isisissss");
    PQclear (result);
    return 0;
}

int
inventory_return_list (as_call_t *call)
{
    char status [16];
    if (as_obj_text (call->params, NULL, "status", status, sizeof status, call->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_null (&params);
    as_pgp_str (&params, *status ? status : NULL);
    PGresult *result = as_pg_run (call->pg, &s_list_returns, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "returns");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++)
        inventory_pack_row (call->result, result, row, s_return_keys, "isisissss");
    PQclear (result);
    return 0;
}

//  --- Transfers and count adjustments ----------------------------------------------------

int
inventory_stock_transfer (as_call_t *call)
{
    char part_no [INVENTORY_PART_NO_SIZE];
    int64_t from = 0, to = 0, quantity = 0;
    if (as_obj_text (call->params, NULL, "part_no", part_no, sizeof part_no, call->err))
        return -1;
    as_obj_int (call->params, "from_location_id", &from);
    as_obj_int (call->params, "to_location_id", &to);
    as_obj_int (call->params, "quantity", &quantity);
    if (from == to)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "from and to are the same location");
    inventory_movement_t movement = { "transfer", part_no, from, "available", quantity, 0, 0, 0, call->actor, NULL };
    int moved = inventory_shift (call->pg, &movement, to, "available", call->err);
    if (moved == 0)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "fewer than %lld of %s are available at %lld",
                             (long long) quantity, part_no, (long long) from);
    if (moved < 0)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_kv_int (call->result, "moved", quantity);
    return 0;
}

int
inventory_stock_adjust (as_call_t *call)
{
    char part_no [INVENTORY_PART_NO_SIZE], bucket [16], reason [AS_TEXT_SIZE (500)];
    int64_t location_id = 0, quantity = 0;
    if (as_obj_text (call->params, NULL, "part_no", part_no, sizeof part_no, call->err)
    ||  as_obj_text_or (call->params, NULL, "bucket", bucket, sizeof bucket, "available", call->err)
    ||  as_obj_text (call->params, NULL, "reason", reason, sizeof reason, call->err))
        return -1;
    as_obj_int (call->params, "location_id", &location_id);
    as_obj_int (call->params, "quantity", &quantity);
    if (quantity == 0)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "quantity must not be 0");
    //  Reserved stock belongs to reservations: counts change it through them.
    if (strcmp (bucket, "reserved") == 0)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "reserved stock is changed by releasing reservations");
    inventory_movement_t movement = { "count_adjustment", part_no, location_id, bucket, quantity, 0, 0, 0,
                                      call->actor, reason };
    int moved = inventory_move (call->pg, &movement, call->err);
    if (moved == 0)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "%s of %s at %lld would go below zero",
                             bucket, part_no, (long long) location_id);
    if (moved < 0)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "stock");
    return inventory_pack_stock (call->pg, part_no, location_id, call->result, call->err);
}

//  --- Purchase requests ---------------------------------------------------------------------

static const as_stmt_t s_insert_request = { "inventory_insert_request",
    "INSERT INTO purchase_requests (part_no, location_id, quantity, supplier, reason, case_id, expected_on)"
    " SELECT part_no, $2, $3, supplier, $4, $5, (now() + make_interval(days => lead_time_days))::date"
    " FROM parts WHERE part_no = $1 RETURNING id, supplier, expected_on::text" };

int64_t
inventory_purchase_request (as_service_t *service, as_pg_t *pg, const char *part_no, int64_t location_id,
                            int64_t quantity, const char *reason, int64_t case_id, char *expected_on,
                            as_error_t *err)
{
    if (location_id <= 0 && (location_id = inventory_central_location (pg, err)) < 0)
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, part_no);
    if (location_id > 0) as_pgp_int (&params, location_id); else as_pgp_null (&params);
    as_pgp_int (&params, quantity);
    as_pgp_str (&params, reason);
    if (case_id > 0) as_pgp_int (&params, case_id); else as_pgp_null (&params);
    PGresult *row = as_pg_run (pg, &s_insert_request, &params, err);
    if (!row)
        return -1;
    if (PQntuples (row) == 0) {
        PQclear (row);
        return as_error_set (err, AS_NOT_FOUND, "part %s is not in the catalogue", part_no);
    }
    int64_t request = as_pg_get_int (row, 0, 0);
    snprintf (expected_on, 16, "%s", as_pg_get_str (row, 0, 2));
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 7 + (case_id > 0));
    as_pack_kv_int (&pk, "request_id", request);
    as_pack_kv_str (&pk, "part_no", part_no);
    if (location_id > 0)
        as_pack_kv_int (&pk, "location_id", location_id);
    else
        as_pack_kv_nil (&pk, "location_id");
    as_pack_kv_int (&pk, "quantity", quantity);
    as_pack_kv_str (&pk, "supplier", as_pg_get_str (row, 0, 1));
    as_pack_kv_str (&pk, "reason", reason);
    if (case_id > 0)
        as_pack_kv_int (&pk, "case_id", case_id);
    as_pack_kv_str (&pk, "expected_on", expected_on);
    PQclear (row);
    return inventory_emit (service, "purchase.requested", "purchase", request, &data, err) ? -1 : request;
}

static const as_stmt_t s_list_requests = { "inventory_list_requests",
    "SELECT id, part_no, location_id, quantity, supplier, reason, case_id, status, expected_on::text,"
    " rfc3339(created_at) FROM purchase_requests WHERE ($1::text IS NULL OR status = $1) ORDER BY id LIMIT 1000" };

int
inventory_purchase_list (as_call_t *call)
{
    char status [16];
    if (as_obj_text (call->params, NULL, "status", status, sizeof status, call->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, *status ? status : NULL);
    PGresult *result = as_pg_run (call->pg, &s_list_requests, &params, call->err);
    if (!result)
        return -1;
    static const char *keys [] = { "request_id", "part_no", "location_id", "quantity", "supplier", "reason",
                                   "case_id", "status", "expected_on", "created_at" };
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "requests");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++)
        inventory_pack_row (call->result, result, row, keys, "isiisssiss");
    PQclear (result);
    return 0;
}
