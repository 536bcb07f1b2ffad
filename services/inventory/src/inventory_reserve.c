/*  inventory_reserve: parts reserved for cases from the nearest location,
    back-orders, shipments with their ship-by promise, issue and release.  */
#include "inventory.h"
#include "as_log.h"
#include "as_msg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  One demand for parts, from a diagnosis or an operator.
typedef struct {
    int64_t case_id, visit_id;
    char part_no [INVENTORY_PART_NO_SIZE];
    int64_t quantity;
    int64_t engineer_id, station_id;
    int64_t location_id;            //  operator's choice; 0 = nearest
    const char *demand_at;          //  RFC 3339, NULL = now
    const char *actor;
} s_demand_t;

#define S_REGULAR_HOURS "INVENTORY_SHIP_REGULAR_HOURS"

//  Created back-ordered; becomes reserved when a location gives the parts.
//  Ship-by: regular parts within the setting's hours of the demand,
//  special parts by the supplier's lead time.
static const as_stmt_t s_insert_reservation = { "inventory_insert_reservation",
    "INSERT INTO reservations (case_id, visit_id, part_no, quantity, engineer_id, station_id, status,"
    "  demand_at, ship_by)"
    " SELECT $1, $2, p.part_no, $4, $5, $6, 'backordered', d.at,"
    "  d.at + CASE WHEN p.kind = 'regular' THEN make_interval(hours => $8::int)"
    "         ELSE make_interval(days => p.lead_time_days) END"
    " FROM parts p, (SELECT coalesce($7::timestamptz, now()) AS at) d WHERE p.part_no = $3"
    " RETURNING id" };

//  Where to look, nearest first: the engineer's van, the engineer's
//  station, the central warehouse. The available filter only skips rows
//  that are plainly short; the conditional update decides.
static const as_stmt_t s_candidates = { "inventory_candidates",
    "SELECT l.id, l.kind FROM locations l"
    " JOIN stock s ON s.location_id = l.id AND s.part_no = $1 AND s.available >= $2"
    " WHERE CASE WHEN $5::bigint IS NOT NULL THEN l.id = $5"
    "  ELSE (l.kind = 'van' AND l.engineer_id = $3) OR (l.kind = 'station' AND l.station_id = $4)"
    "    OR l.kind = 'central' END"
    " ORDER BY CASE l.kind WHEN 'van' THEN 0 WHEN 'station' THEN 1 ELSE 2 END, l.id" };

//  Where a back-order is bought for: the store of the engineer's station
//  (one per station at most).
static const as_stmt_t s_station_store = { "inventory_station_store",
    "SELECT id FROM locations WHERE kind = 'station' AND station_id = $1" };

//  Reservations as the replies show them (reservation.create, .release
//  and .list).
#define S_RESERVATION_COLUMNS \
    "SELECT r.id, r.case_id, r.visit_id, r.part_no, r.quantity, r.issued_quantity, r.location_id," \
    " r.status, rfc3339(r.ship_by), rfc3339(r.created_at)," \
    " (SELECT max(id) FROM shipments WHERE reservation_id = r.id)" \
    " FROM reservations r"
static const as_stmt_t s_list_reservations = { "inventory_list_reservations",
    S_RESERVATION_COLUMNS " WHERE ($1::bigint IS NULL OR r.id = $1) AND ($2::bigint IS NULL OR r.case_id = $2)"
    "  AND ($3::text IS NULL OR r.status = $3) ORDER BY r.id DESC LIMIT $4" };
//  One reservation: a statement of its own, whose plan is the primary key
//  whatever PostgreSQL's plan cache decides (the list's optional filters
//  make its generic plan a scan of every reservation).
static const as_stmt_t s_get_reservation = { "inventory_get_reservation",
    S_RESERVATION_COLUMNS " WHERE r.id = $1" };
static const char *s_reservation_keys [] = { "reservation_id", "case_id", "visit_id", "part_no", "quantity",
    "issued_quantity", "location_id", "status", "ship_by", "created_at", "shipment_id" };
//  ship_by and created_at are timestamptz columns, sent as RFC 3339 text.
#define S_RESERVATION_TYPES "iiisiiisssi"

//  The parameters of s_get_reservation.
static void
s_one_reservation (as_pg_params_t *params, int64_t reservation_id)
{
    as_pgp_reset (params);
    as_pgp_int (params, reservation_id);
}

//  The reservation holds the parts at $2; when that is not where the
//  engineer works from (the van, else the station's store), a shipment
//  with the reservation's ship-by takes them there. One statement, so one
//  round trip, whatever the outcome.
static const as_stmt_t s_set_reserved = { "inventory_set_reserved_and_ship",
    "WITH r AS ("
    "  UPDATE reservations SET status = 'reserved', location_id = $2, updated_at = now(),"
    "   ship_by = CASE WHEN $3 THEN now() + make_interval(hours => $4::int) ELSE ship_by END"
    "  WHERE id = $1"
    "  RETURNING id, case_id, visit_id, part_no, quantity, engineer_id, station_id, location_id, ship_by),"
    " destination AS ("
    "  SELECT l.id FROM locations l, r"
    "  WHERE (l.kind = 'van' AND l.engineer_id = r.engineer_id) OR (l.kind = 'station' AND l.station_id = r.station_id)"
    "  ORDER BY CASE l.kind WHEN 'van' THEN 0 ELSE 1 END LIMIT 1),"
    " shipment AS ("
    "  INSERT INTO shipments (reservation_id, case_id, part_no, quantity, from_location_id, to_location_id, ship_by)"
    "  SELECT r.id, r.case_id, r.part_no, r.quantity, r.location_id, d.id, r.ship_by"
    "  FROM r, destination d WHERE d.id <> r.location_id RETURNING id)"
    " SELECT case_id, visit_id, part_no, quantity, rfc3339(ship_by), (SELECT id FROM shipment) FROM r" };

//  The reservation now holds parts at location: its row, the shipment, the
//  event part.reserved. refresh_ship_by: a fulfilled back-order of a
//  regular part gets a fresh 24 h promise from now. `reply` (may be NULL)
//  gets the reservation as the replies show it, read in the same round trip.
static int
s_commit_reserved (as_service_t *service, as_pg_t *pg, int64_t reservation_id, int64_t location_id,
                   const char *location_kind, bool refresh_ship_by, PGresult **reply, as_error_t *err)
{
    as_pg_params_t params, read;
    as_pgp_reset (&params);
    as_pgp_int (&params, reservation_id);
    as_pgp_int (&params, location_id);
    as_pgp_bool (&params, refresh_ship_by);
    as_pgp_int (&params, as_service_setting_int (service, S_REGULAR_HOURS));
    s_one_reservation (&read, reservation_id);
    as_pg_step_t steps [2] = { { &s_set_reserved, NULL, &params, NULL },
                               { &s_get_reservation, NULL, &read, NULL } };
    if (as_pg_pipeline (pg, steps, reply ? 2 : 1, err)) {
        PQclear (steps [0].result);
        return -1;
    }
    PGresult *row = steps [0].result;
    if (reply)
        *reply = steps [1].result;
    int64_t shipment_id = as_pg_get_int (row, 0, 5);
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    bool visit = !PQgetisnull (row, 0, 1);
    msgpack_pack_map (&pk, 8 + visit);
    as_pack_kv_int (&pk, "reservation_id", reservation_id);
    as_pack_kv_int (&pk, "case_id", as_pg_get_int (row, 0, 0));
    if (visit)
        as_pack_kv_int (&pk, "visit_id", as_pg_get_int (row, 0, 1));
    as_pack_kv_str (&pk, "part_no", as_pg_get_str (row, 0, 2));
    as_pack_kv_int (&pk, "quantity", as_pg_get_int (row, 0, 3));
    as_pack_kv_int (&pk, "location_id", location_id);
    as_pack_kv_str (&pk, "location_kind", location_kind);
    as_pack_kv_str (&pk, "ship_by", as_pg_get_str (row, 0, 4));
    if (shipment_id > 0)
        as_pack_kv_int (&pk, "shipment_id", shipment_id);
    else
        as_pack_kv_nil (&pk, "shipment_id");
    int64_t case_id = as_pg_get_int (row, 0, 0);
    PQclear (row);
    as_service_count (service, "reservations", 1);
    return inventory_emit (service, "part.reserved", "case", case_id, &data, err);
}

static const as_stmt_t s_set_backordered = { "inventory_set_backordered",
    "UPDATE reservations r SET ship_by = r.demand_at + make_interval(days => p.lead_time_days)"
    " FROM parts p WHERE r.id = $1 AND p.part_no = r.part_no" };

//  Nobody has the parts: the reservation waits for a purchase (for `store`,
//  the station the engineer works from; 0: the warehouse) and the case is
//  told the date the supplier's lead time gives.
static int
s_backorder (as_service_t *service, as_pg_t *pg, int64_t reservation_id, int64_t store,
             const s_demand_t *demand, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, reservation_id);
    //  The row this transaction just inserted: its new ship-by rides on the
    //  purchase request's round trip.
    if (as_pg_defer (pg, &s_set_backordered, &params, err))
        return -1;
    char expected_on [16] = "";
    int64_t request = inventory_purchase_request (service, pg, demand->part_no, store, demand->quantity,
                                                  "backorder", demand->case_id, expected_on, err);
    if (request < 0)
        return -1;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 6 + (demand->visit_id > 0));
    as_pack_kv_int (&pk, "reservation_id", reservation_id);
    as_pack_kv_int (&pk, "case_id", demand->case_id);
    if (demand->visit_id > 0)
        as_pack_kv_int (&pk, "visit_id", demand->visit_id);
    as_pack_kv_str (&pk, "part_no", demand->part_no);
    as_pack_kv_int (&pk, "quantity", demand->quantity);
    as_pack_kv_str (&pk, "expected_on", expected_on);
    as_pack_kv_int (&pk, "purchase_request_id", request);
    return inventory_emit (service, "part.backordered", "case", demand->case_id, &data, err);
}

//  Take the demand from the first candidate location that still has it.
//  1 = reserved there (*location_id, kind), 0 = none had it, -1 = error.
static int
s_take_nearest (as_pg_t *pg, const s_demand_t *demand, int64_t reservation_id, const PGresult *candidates,
                int64_t *location_id, char *kind, size_t kind_size, as_error_t *err)
{
    inventory_movement_t movement = { "reserve", demand->part_no, 0, "available", demand->quantity,
                                      reservation_id, 0, demand->case_id, demand->actor, NULL };
    int got = 0;
    for (int row = 0; row < PQntuples (candidates) && got == 0; row++) {
        movement.location_id = as_pg_get_int (candidates, row, 0);
        got = inventory_shift (pg, &movement, movement.location_id, "reserved", err);
        if (got == 1) {
            *location_id = movement.location_id;
            snprintf (kind, kind_size, "%s", as_pg_get_str (candidates, row, 1));
        }
    }
    return got;
}

//  Reserve one demand. Returns the reservation id or -1. A forced
//  location that is short is refused; the nearest search back-orders.
//  `reply` (may be NULL) gets the reservation as s_get_reservation
//  shows it, read with the last of its changes.
static int64_t
s_reserve (as_service_t *service, as_pg_t *pg, const s_demand_t *demand, PGresult **reply, as_error_t *err)
{
    as_pg_params_t insert, nearest, store;
    as_pgp_reset (&insert);
    as_pgp_int (&insert, demand->case_id);
    if (demand->visit_id > 0) as_pgp_int (&insert, demand->visit_id); else as_pgp_null (&insert);
    as_pgp_str (&insert, demand->part_no);
    as_pgp_int (&insert, demand->quantity);
    if (demand->engineer_id > 0) as_pgp_int (&insert, demand->engineer_id); else as_pgp_null (&insert);
    if (demand->station_id > 0) as_pgp_int (&insert, demand->station_id); else as_pgp_null (&insert);
    as_pgp_str (&insert, demand->demand_at);
    as_pgp_int (&insert, as_service_setting_int (service, S_REGULAR_HOURS));
    as_pgp_reset (&nearest);
    as_pgp_str (&nearest, demand->part_no);
    as_pgp_int (&nearest, demand->quantity);
    as_pgp_int (&nearest, demand->engineer_id);
    as_pgp_int (&nearest, demand->station_id);
    if (demand->location_id > 0) as_pgp_int (&nearest, demand->location_id); else as_pgp_null (&nearest);
    as_pgp_reset (&store);
    as_pgp_int (&store, demand->station_id);
    //  The reads need nothing from the insert: all three in one round trip.
    as_pg_step_t steps [3] = { { &s_insert_reservation, NULL, &insert, NULL },
                               { &s_candidates, NULL, &nearest, NULL },
                               { &s_station_store, NULL, &store, NULL } };
    int rc = as_pg_pipeline (pg, steps, 3, err);
    int64_t reservation_id = rc == 0 ? inventory_first_int (steps [0].result) : 0;
    int64_t store_id = rc == 0 ? inventory_first_int (steps [2].result) : 0;
    int64_t location_id = 0;
    char kind [16] = "";
    int got = -1;
    if (rc == 0 && reservation_id <= 0)
        as_error_set (err, AS_FAILED_PRECONDITION, "part %s is not in the catalogue", demand->part_no);
    else
    if (rc == 0)
        got = s_take_nearest (pg, demand, reservation_id, steps [1].result, &location_id, kind, sizeof kind, err);
    for (int step = 0; step < 3; step++)
        PQclear (steps [step].result);
    if (got < 0)
        return -1;
    if (got == 1)
        return s_commit_reserved (service, pg, reservation_id, location_id, kind, false, reply, err)
             ? -1 : reservation_id;
    if (demand->location_id > 0)
        return as_error_set (err, AS_FAILED_PRECONDITION, "location %lld has fewer than %lld of %s available",
                             (long long) demand->location_id, (long long) demand->quantity, demand->part_no);
    as_service_count (service, "backorders", 1);
    if (s_backorder (service, pg, reservation_id, store_id, demand, err))
        return -1;
    if (reply) {
        as_pg_params_t read;
        s_one_reservation (&read, reservation_id);
        if (!(*reply = as_pg_run (pg, &s_get_reservation, &read, err)))
            return -1;
    }
    return reservation_id;
}

//  --- Reading reservations and shipments -------------------------------------------

//  Reply with one reservation: `result` is its s_get_reservation row
//  (cleared here), NULL when reading it failed (err set).
static int
s_reply_reservation (as_call_t *call, int64_t reservation_id, PGresult *result)
{
    if (!result)
        return -1;
    if (PQntuples (result) == 0) {
        PQclear (result);
        return as_error_set (call->err, AS_NOT_FOUND, "reservation %lld not found", (long long) reservation_id);
    }
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "reservation");
    inventory_pack_row (call->result, result, 0, s_reservation_keys, S_RESERVATION_TYPES);
    PQclear (result);
    return 0;
}

int
inventory_reservation_create (as_call_t *call)
{
    s_demand_t demand;
    memset (&demand, 0, sizeof demand);
    as_obj_int (call->params, "case_id", &demand.case_id);
    as_obj_int (call->params, "visit_id", &demand.visit_id);
    if (as_obj_text (call->params, NULL, "part_no", demand.part_no, sizeof demand.part_no, call->err))
        return -1;
    as_obj_int (call->params, "quantity", &demand.quantity);
    as_obj_int (call->params, "engineer_id", &demand.engineer_id);
    as_obj_int (call->params, "station_id", &demand.station_id);
    as_obj_int (call->params, "location_id", &demand.location_id);
    demand.actor = call->actor;
    PGresult *reply = NULL;
    int64_t reservation_id = s_reserve (call->service, call->pg, &demand, &reply, call->err);
    if (reservation_id < 0) {
        PQclear (reply);
        return -1;
    }
    return s_reply_reservation (call, reservation_id, reply);
}

int
inventory_reservation_list (as_call_t *call)
{
    int64_t case_id = 0, limit = 100;
    char status [16];
    as_obj_int (call->params, "case_id", &case_id);
    as_obj_int (call->params, "limit", &limit);
    if (as_obj_text (call->params, NULL, "status", status, sizeof status, call->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_null (&params);
    if (case_id) as_pgp_int (&params, case_id); else as_pgp_null (&params);
    as_pgp_str (&params, *status ? status : NULL);
    as_pgp_int (&params, limit);
    PGresult *result = as_pg_run (call->pg, &s_list_reservations, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "reservations");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++)
        inventory_pack_row (call->result, result, row, s_reservation_keys, S_RESERVATION_TYPES);
    PQclear (result);
    return 0;
}

static const as_stmt_t s_list_shipments = { "inventory_list_shipments",
    "SELECT id, reservation_id, case_id, part_no, quantity, from_location_id, to_location_id, status,"
    " rfc3339(ship_by), rfc3339(shipped_at), status = 'pending' AND ship_by < now(),"
    " late_notified_at IS NOT NULL"
    " FROM shipments WHERE ($1::bigint IS NULL OR id = $1) AND ($2::text IS NULL OR status = $2)"
    "  AND (NOT $3 OR (status = 'pending' AND ship_by < now()))"
    " ORDER BY ship_by, id LIMIT $4" };
static const char *s_shipment_keys [] = { "shipment_id", "reservation_id", "case_id", "part_no", "quantity",
    "from_location_id", "to_location_id", "status", "ship_by", "shipped_at", "late", "late_reported" };
#define S_SHIPMENT_TYPES "iiisiiisssbb"

int
inventory_shipment_list (as_call_t *call)
{
    int64_t limit = 100;
    bool late = false;
    char status [16];
    as_obj_int (call->params, "limit", &limit);
    as_obj_bool (call->params, "late", &late);
    if (as_obj_text (call->params, NULL, "status", status, sizeof status, call->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_null (&params);
    as_pgp_str (&params, *status ? status : NULL);
    as_pgp_bool (&params, late);
    as_pgp_int (&params, limit);
    PGresult *result = as_pg_run (call->pg, &s_list_shipments, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "shipments");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++)
        inventory_pack_row (call->result, result, row, s_shipment_keys, S_SHIPMENT_TYPES);
    PQclear (result);
    return 0;
}

//  --- Shipping -----------------------------------------------------------------------

static const as_stmt_t s_lock_shipment = { "inventory_lock_shipment",
    "SELECT reservation_id, case_id, part_no, quantity, from_location_id, to_location_id, status"
    " FROM shipments WHERE id = $1 FOR UPDATE" };
static const as_stmt_t s_mark_shipped = { "inventory_mark_shipped",
    "UPDATE shipments SET status = 'shipped', shipped_at = now() WHERE id = $1"
    " RETURNING rfc3339(ship_by), rfc3339(shipped_at), shipped_at > ship_by" };
static const as_stmt_t s_move_reservation = { "inventory_move_reservation",
    "UPDATE reservations SET location_id = $2, updated_at = now() WHERE id = $1 AND status = 'reserved'" };

static int
s_emit_shipped (as_service_t *service, int64_t shipment_id, const PGresult *shipment,
                const PGresult *marked, as_error_t *err)
{
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 10);
    as_pack_kv_int (&pk, "shipment_id", shipment_id);
    as_pack_kv_int (&pk, "reservation_id", as_pg_get_int (shipment, 0, 0));
    as_pack_kv_int (&pk, "case_id", as_pg_get_int (shipment, 0, 1));
    as_pack_kv_str (&pk, "part_no", as_pg_get_str (shipment, 0, 2));
    as_pack_kv_int (&pk, "quantity", as_pg_get_int (shipment, 0, 3));
    as_pack_kv_int (&pk, "from_location_id", as_pg_get_int (shipment, 0, 4));
    as_pack_kv_int (&pk, "to_location_id", as_pg_get_int (shipment, 0, 5));
    as_pack_kv_str (&pk, "ship_by", as_pg_get_str (marked, 0, 0));
    as_pack_kv_str (&pk, "shipped_at", as_pg_get_str (marked, 0, 1));
    as_pack_kv_bool (&pk, "late", as_pg_get_bool (marked, 0, 2));
    return inventory_emit (service, "part.shipped", "case", as_pg_get_int (shipment, 0, 1), &data, err);
}

//  The reserved parts leave the source and are reserved at the destination.
static int
s_ship (as_call_t *call, int64_t shipment_id, const PGresult *shipment)
{
    inventory_movement_t movement = { "ship", as_pg_get_str (shipment, 0, 2), as_pg_get_int (shipment, 0, 4),
        "reserved", as_pg_get_int (shipment, 0, 3), as_pg_get_int (shipment, 0, 0), shipment_id,
        as_pg_get_int (shipment, 0, 1), call->actor, NULL };
    int64_t to = as_pg_get_int (shipment, 0, 5);
    int moved = inventory_shift (call->pg, &movement, to, "reserved", call->err);
    if (moved == 0)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "the reserved parts are no longer at the source");
    if (moved < 0)
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, movement.reservation_id);
    as_pgp_int (&params, to);
    int64_t reservations = as_pg_do (call->pg, &s_move_reservation, &params, call->err);
    if (reservations == 0)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "reservation %lld of shipment %lld is no longer reserved",
                             (long long) movement.reservation_id, (long long) shipment_id);
    if (reservations < 0)
        return -1;
    as_pgp_reset (&params);
    as_pgp_int (&params, shipment_id);
    PGresult *marked = as_pg_run (call->pg, &s_mark_shipped, &params, call->err);
    if (!marked)
        return -1;
    int rc = s_emit_shipped (call->service, shipment_id, shipment, marked, call->err);
    PQclear (marked);
    return rc;
}

int
inventory_shipment_ship (as_call_t *call)
{
    int64_t shipment_id = 0;
    as_obj_int (call->params, "shipment_id", &shipment_id);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, shipment_id);
    PGresult *shipment = as_pg_run (call->pg, &s_lock_shipment, &params, call->err);
    if (!shipment)
        return -1;
    int rc = 0;
    if (PQntuples (shipment) == 0)
        rc = as_error_set (call->err, AS_NOT_FOUND, "shipment %lld not found", (long long) shipment_id);
    else
    if (strcmp (as_pg_get_str (shipment, 0, 6), "pending"))
        rc = as_error_set (call->err, AS_FAILED_PRECONDITION, "shipment %lld is %s", (long long) shipment_id,
                           as_pg_get_str (shipment, 0, 6));
    else
        rc = s_ship (call, shipment_id, shipment);
    PQclear (shipment);
    if (rc)
        return -1;
    as_pgp_reset (&params);
    as_pgp_int (&params, shipment_id);
    as_pgp_null (&params);
    as_pgp_bool (&params, false);
    as_pgp_int (&params, 1);
    PGresult *result = as_pg_run (call->pg, &s_list_shipments, &params, call->err);
    if (!result)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "shipment");
    inventory_pack_row (call->result, result, 0, s_shipment_keys, S_SHIPMENT_TYPES);
    PQclear (result);
    return 0;
}

//  Claim late shipments not yet reported; SKIP LOCKED and the re-check of
//  late_notified_at let two instances sweep at once without a double.
static const as_stmt_t s_claim_late = { "inventory_claim_late",
    "UPDATE shipments SET late_notified_at = now()"
    " WHERE id IN (SELECT id FROM shipments WHERE status = 'pending' AND ship_by < now()"
    "   AND late_notified_at IS NULL ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED)"
    "  AND late_notified_at IS NULL"
    " RETURNING id, reservation_id, case_id, part_no, quantity, from_location_id, rfc3339(ship_by)" };

int64_t
inventory_sweep_late (as_service_t *service, as_pg_t *pg, as_error_t *err)
{
    PGresult *late = as_pg_run (pg, &s_claim_late, NULL, err);
    if (!late)
        return -1;
    static const char *keys [] = { "shipment_id", "reservation_id", "case_id", "part_no", "quantity",
                                   "from_location_id", "ship_by" };
    int rows = PQntuples (late);
    for (int row = 0; row < rows; row++) {
        msgpack_sbuffer data;
        msgpack_sbuffer_init (&data);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
        inventory_pack_row (&pk, late, row, keys, "iiisiis");
        if (inventory_emit (service, "shipment.late", "case", as_pg_get_int (late, row, 2), &data, err)) {
            PQclear (late);
            return -1;
        }
    }
    PQclear (late);
    if (rows)
        as_service_count (service, "shipments_late", rows);
    return rows;
}

int
inventory_shipment_sweep (as_call_t *call)
{
    int64_t late = inventory_sweep_late (call->service, call->pg, call->err);
    if (late < 0)
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_kv_int (call->result, "late", late);
    return 0;
}

//  --- Issue and release ------------------------------------------------------------------

//  Open reservations of a case (or one reservation), locked, in part and
//  location order so that two transactions take stock rows in one order.
static const as_stmt_t s_lock_open = { "inventory_lock_open_reservations",
    "SELECT id, case_id, part_no, quantity - issued_quantity, location_id, status, visit_id"
    " FROM reservations WHERE (case_id = $1 OR id = $2) AND status IN ('reserved', 'backordered')"
    " ORDER BY part_no, location_id NULLS LAST, id FOR UPDATE" };
static const as_stmt_t s_end_reservation = { "inventory_end_reservation",
    "UPDATE reservations SET status = CASE WHEN issued_quantity > 0 THEN 'issued' ELSE 'released' END,"
    " updated_at = now() WHERE id = $1" };
static const as_stmt_t s_cancel_shipments = { "inventory_cancel_shipments",
    "UPDATE shipments SET status = 'cancelled' WHERE reservation_id = $1 AND status = 'pending'" };
static const as_stmt_t s_add_issued = { "inventory_add_issued",
    "UPDATE reservations SET issued_quantity = issued_quantity + $2, updated_at = now() WHERE id = $1" };
static const as_stmt_t s_unit_cost = { "inventory_unit_cost",
    "SELECT unit_cost_fen FROM parts WHERE part_no = $1" };
static const as_stmt_t s_van_of = { "inventory_van_of",
    "SELECT id FROM locations WHERE kind = 'van' AND engineer_id = $1" };

//  The parameters of s_lock_open: a case's reservations (case_id), or one.
static void
s_lock_params (as_pg_params_t *params, int64_t case_id, int64_t reservation_id)
{
    as_pgp_reset (params);
    as_pgp_int (params, case_id);
    as_pgp_int (params, reservation_id);
}

//  End one locked open reservation (row of s_lock_open): what is still
//  reserved becomes available again; part.released tells who waited.
static int
s_release (as_service_t *service, as_pg_t *pg, const PGresult *open, int row, const char *reason,
           const char *actor, as_error_t *err)
{
    int64_t reservation_id = as_pg_get_int (open, row, 0);
    int64_t remaining = as_pg_get_int (open, row, 3);
    bool held = strcmp (as_pg_get_str (open, row, 5), "reserved") == 0;
    inventory_movement_t movement = { "release", as_pg_get_str (open, row, 2),
        held ? as_pg_get_int (open, row, 4) : 0, "reserved", remaining, reservation_id, 0,
        as_pg_get_int (open, row, 1), actor, reason };
    int moved = held && remaining > 0
              ? inventory_shift (pg, &movement, movement.location_id, "available", err) : 1;
    if (moved == 0)
        return as_error_set (err, AS_INTERNAL, "reserved stock of reservation %lld is missing",
                             (long long) reservation_id);
    if (moved < 0)
        return -1;
    //  The row is locked (s_lock_open): ending it and its shipments cannot
    //  fail, and rides on the next round trip.
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, reservation_id);
    if (as_pg_defer (pg, &s_end_reservation, &params, err) || as_pg_defer (pg, &s_cancel_shipments, &params, err))
        return -1;
    if (remaining <= 0)
        return 0;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 6);
    as_pack_kv_int (&pk, "reservation_id", reservation_id);
    as_pack_kv_int (&pk, "case_id", movement.case_id);
    as_pack_kv_str (&pk, "part_no", movement.part_no);
    as_pack_kv_int (&pk, "quantity", remaining);
    if (held)
        as_pack_kv_int (&pk, "location_id", movement.location_id);
    else
        as_pack_kv_nil (&pk, "location_id");
    as_pack_kv_str (&pk, "reason", reason);
    return inventory_emit (service, "part.released", "case", movement.case_id, &data, err);
}

//  Release every open reservation of a case (case_id) or just one.
static int
s_release_all (as_service_t *service, as_pg_t *pg, int64_t case_id, int64_t reservation_id,
               const char *reason, const char *actor, as_error_t *err)
{
    as_pg_params_t params;
    s_lock_params (&params, case_id, reservation_id);
    PGresult *open = as_pg_run (pg, &s_lock_open, &params, err);
    if (!open)
        return -1;
    int rc = 0;
    for (int row = 0; row < PQntuples (open) && rc == 0; row++)
        rc = s_release (service, pg, open, row, reason, actor, err);
    PQclear (open);
    return rc;
}

static const as_stmt_t s_reservation_status = { "inventory_reservation_status",
    "SELECT status FROM reservations WHERE id = $1" };

int
inventory_reservation_release (as_call_t *call)
{
    int64_t reservation_id = 0;
    char reason [AS_TEXT_SIZE (500)];
    as_obj_int (call->params, "reservation_id", &reservation_id);
    if (as_obj_text_or (call->params, NULL, "reason", reason, sizeof reason, "released by an operator", call->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, reservation_id);
    PGresult *found = as_pg_run (call->pg, &s_reservation_status, &params, call->err);
    if (!found)
        return -1;
    int rc = 0;
    if (PQntuples (found) == 0)
        rc = as_error_set (call->err, AS_NOT_FOUND, "reservation %lld not found", (long long) reservation_id);
    else
    if (strcmp (as_pg_get_str (found, 0, 0), "reserved") && strcmp (as_pg_get_str (found, 0, 0), "backordered"))
        rc = as_error_set (call->err, AS_FAILED_PRECONDITION, "reservation %lld is already %s",
                           (long long) reservation_id, as_pg_get_str (found, 0, 0));
    PQclear (found);
    if (rc || s_release_all (call->service, call->pg, -1, reservation_id, reason, call->actor, call->err))
        return -1;
    s_one_reservation (&params, reservation_id);
    return s_reply_reservation (call, reservation_id, as_pg_run (call->pg, &s_get_reservation, &params, call->err));
}

static int
s_emit_issued (as_service_t *service, int64_t case_id, int64_t visit_id, const char *part_no,
               int64_t quantity, int64_t location_id, int64_t unit_cost, int64_t reservation_id,
               as_error_t *err)
{
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 6 + (visit_id > 0));
    as_pack_kv_int (&pk, "case_id", case_id);
    if (visit_id > 0)
        as_pack_kv_int (&pk, "visit_id", visit_id);
    as_pack_kv_str (&pk, "part_no", part_no);
    as_pack_kv_int (&pk, "quantity", quantity);
    as_pack_kv_int (&pk, "location_id", location_id);
    as_pack_kv_int (&pk, "unit_cost_fen", unit_cost);
    if (reservation_id > 0)
        as_pack_kv_int (&pk, "reservation_id", reservation_id);
    else
        as_pack_kv_nil (&pk, "reservation_id");
    return inventory_emit (service, "part.issued", "case", case_id, &data, err);
}

typedef struct {
    as_service_t *service;
    as_pg_t *pg;
    int64_t case_id, visit_id, engineer_id;
    int64_t van;                    //  the engineer's van, 0 when none
    const char *actor;
    as_error_t *err;
} s_completion_t;

//  Issue `used` of a part: first from the case's reservations of it, then
//  (parts the engineer took without a reservation) from the van's stock.
//  Once per part and completion: `open` is read before any issue, so a
//  second call for the same part would take the same remainders again.
static int
s_issue_part (s_completion_t *done, const PGresult *open, const char *part_no, int64_t used, int64_t unit_cost)
{
    as_pg_params_t params;
    for (int row = 0; row < PQntuples (open) && used > 0; row++) {
        if (strcmp (as_pg_get_str (open, row, 2), part_no) || strcmp (as_pg_get_str (open, row, 5), "reserved"))
            continue;
        int64_t take = as_pg_get_int (open, row, 3) < used ? as_pg_get_int (open, row, 3) : used;
        int64_t reservation_id = as_pg_get_int (open, row, 0), location_id = as_pg_get_int (open, row, 4);
        inventory_movement_t movement = { "issue", part_no, location_id, "reserved", -take, reservation_id, 0,
                                          done->case_id, done->actor, NULL };
        as_pgp_reset (&params);
        as_pgp_int (&params, reservation_id);
        as_pgp_int (&params, take);
        if (take <= 0)
            continue;
        int moved = inventory_move (done->pg, &movement, done->err);
        if (moved == 0)
            return as_error_set (done->err, AS_INTERNAL, "reserved stock of reservation %lld is missing",
                                 (long long) reservation_id);
        if (moved < 0 || inventory_do_one (done->pg, &s_add_issued, &params, done->err)
        ||  s_emit_issued (done->service, done->case_id, done->visit_id, part_no, take, location_id, unit_cost,
                           reservation_id, done->err))
            return -1;
        used -= take;
    }
    if (used <= 0)
        return 0;
    inventory_movement_t movement = { "issue", part_no, done->van, "available", -used, 0, 0, done->case_id,
                                      done->actor, "used without a reservation" };
    int issued = done->van > 0 ? inventory_move (done->pg, &movement, done->err) : 0;
    if (issued < 0)
        return -1;
    if (issued == 0) {
        //  Stock cannot go negative: the use is logged for a count, not booked.
        as_warn ("case %lld used %lld of %s that no stock here held", (long long) done->case_id,
                 (long long) used, part_no);
        as_service_count (done->service, "issues_without_stock", 1);
        return 0;
    }
    return s_emit_issued (done->service, done->case_id, done->visit_id, part_no, used, done->van, unit_cost, 0,
                          done->err);
}

static int
s_compare_lines (const void *a, const void *b)
{
    const s_demand_t *left = a, *right = b;
    return strcmp (left->part_no, right->part_no);
}

//  Lines sorted by part: those naming the same part become one line with
//  their quantities summed (the engineer used that many in all; a shortfall
//  is the sum's). Returns the number of lines left.
static uint32_t
s_sum_lines (s_demand_t *lines, uint32_t count)
{
    uint32_t kept = 0;
    for (uint32_t index = 0; index < count; index++)
        if (kept > 0 && strcmp (lines [kept - 1].part_no, lines [index].part_no) == 0)
            lines [kept - 1].quantity += lines [index].quantity;
        else
            lines [kept++] = lines [index];
    return kept;
}

//  visit.completed: the parts used are issued, the rest of the case's
//  reservations released.
int
inventory_on_completed (as_delivery_t *delivery)
{
    s_completion_t done = { delivery->service, delivery->pg, 0, 0, 0, 0, NULL, delivery->err };
    as_obj_int (delivery->data, "case_id", &done.case_id);
    as_obj_int (delivery->data, "visit_id", &done.visit_id);
    as_obj_int (delivery->data, "engineer_id", &done.engineer_id);
    char actor [64];
    snprintf (actor, sizeof actor, "dispatch:visit/%lld", (long long) done.visit_id);
    done.actor = actor;
    //  In part order, like every other multi-row change (lock order).
    const msgpack_object *used = as_obj_get (delivery->data, "parts_used");
    uint32_t count = used ? used->via.array.size : 0;
    s_demand_t *lines = calloc (count + 1, sizeof *lines);
    if (!lines)
        return as_error_set (delivery->err, AS_INTERNAL, "out of memory");
    for (uint32_t index = 0; index < count; index++) {
        if (as_obj_text (&used->via.array.ptr [index], NULL, "part_no", lines [index].part_no,
                            sizeof lines [index].part_no, delivery->err)) {
            free (lines);
            return -1;
        }
        as_obj_int (&used->via.array.ptr [index], "quantity", &lines [index].quantity);
    }
    qsort (lines, count, sizeof *lines, s_compare_lines);
    count = s_sum_lines (lines, count);
    //  One round trip: the case's open reservations (locked), then the
    //  engineer's van and the unit cost of each part used.
    as_pg_params_t *params = calloc (count + 2, sizeof *params);
    as_pg_step_t *steps = calloc (count + 2, sizeof *steps);
    s_lock_params (&params [0], done.case_id, -1);
    steps [0] = (as_pg_step_t) { &s_lock_open, NULL, &params [0], NULL };
    as_pgp_reset (&params [1]);
    as_pgp_int (&params [1], done.engineer_id);
    steps [1] = (as_pg_step_t) { &s_van_of, NULL, &params [1], NULL };
    for (uint32_t index = 0; index < count; index++) {
        as_pgp_reset (&params [index + 2]);
        as_pgp_str (&params [index + 2], lines [index].part_no);
        steps [index + 2] = (as_pg_step_t) { &s_unit_cost, NULL, &params [index + 2], NULL };
    }
    int rc = as_pg_pipeline (delivery->pg, steps, (int) count + 2, delivery->err);
    done.van = rc == 0 ? inventory_first_int (steps [1].result) : 0;
    for (uint32_t index = 0; index < count && rc == 0; index++)
        rc = s_issue_part (&done, steps [0].result, lines [index].part_no, lines [index].quantity,
                           inventory_first_int (steps [index + 2].result));
    for (uint32_t step = 0; step < count + 2; step++)
        PQclear (steps [step].result);
    free (steps);
    free (params);
    free (lines);
    return rc ? -1 : s_release_all (delivery->service, delivery->pg, done.case_id, -1,
                                    "visit completed without using them", actor, delivery->err);
}

int
inventory_on_case_cancelled (as_delivery_t *delivery)
{
    int64_t case_id = 0;
    as_obj_int (delivery->data, "case_id", &case_id);
    return s_release_all (delivery->service, delivery->pg, case_id, -1, "case cancelled", "intake", delivery->err);
}

//  visit.diagnosed: reserve every part needed, nearest location first.
//  Lines are taken in part order so concurrent diagnoses lock stock rows
//  in one order. A part not in the catalogue refuses the whole event (it
//  goes to dead letters where an operator sees it) rather than dropping it.
int
inventory_on_diagnosed (as_delivery_t *delivery)
{
    const msgpack_object *needed = as_obj_get (delivery->data, "parts_needed");
    uint32_t count = needed ? needed->via.array.size : 0;
    if (count == 0)
        return 0;
    s_demand_t *lines = calloc (count, sizeof *lines);
    char demand_at [64], actor [64];
    if (!lines)
        return as_error_set (delivery->err, AS_INTERNAL, "out of memory");
    if (as_obj_text (delivery->data, NULL, "diagnosed_at", demand_at, sizeof demand_at, delivery->err)) {
        free (lines);
        return -1;
    }
    for (uint32_t index = 0; index < count; index++) {
        s_demand_t *line = &lines [index];
        as_obj_int (delivery->data, "case_id", &line->case_id);
        as_obj_int (delivery->data, "visit_id", &line->visit_id);
        as_obj_int (delivery->data, "engineer_id", &line->engineer_id);
        as_obj_int (delivery->data, "station_id", &line->station_id);
        if (as_obj_text (&needed->via.array.ptr [index], NULL, "part_no", line->part_no, sizeof line->part_no,
                            delivery->err)) {
            free (lines);
            return -1;
        }
        as_obj_int (&needed->via.array.ptr [index], "quantity", &line->quantity);
        line->demand_at = demand_at;
        line->actor = actor;
    }
    snprintf (actor, sizeof actor, "dispatch:visit/%lld", (long long) lines [0].visit_id);
    qsort (lines, count, sizeof *lines, s_compare_lines);
    int rc = 0;
    for (uint32_t index = 0; index < count && rc == 0; index++)
        rc = s_reserve (delivery->service, delivery->pg, &lines [index], NULL, delivery->err) < 0 ? -1 : 0;
    free (lines);
    return rc;
}

//  --- Back-orders meet new stock -------------------------------------------------------

static const as_stmt_t s_waiting = { "inventory_waiting_backorders",
    "SELECT r.id, r.case_id, r.quantity, p.kind = 'regular', (SELECT kind FROM locations WHERE id = $2)"
    " FROM reservations r JOIN parts p USING (part_no)"
    " WHERE r.part_no = $1 AND r.status = 'backordered' ORDER BY r.id LIMIT 100 FOR UPDATE OF r SKIP LOCKED" };

int64_t
inventory_fulfil_backorders (as_service_t *service, as_pg_t *pg, const char *part_no, int64_t location_id,
                             const char *actor, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, part_no);
    as_pgp_int (&params, location_id);
    PGresult *waiting = as_pg_run (pg, &s_waiting, &params, err);
    if (!waiting)
        return -1;
    int64_t fulfilled = 0;
    int got = 1;
    for (int row = 0; row < PQntuples (waiting) && got == 1; row++) {
        inventory_movement_t movement = { "reserve", part_no, location_id, "available",
            as_pg_get_int (waiting, row, 2), as_pg_get_int (waiting, row, 0), 0,
            as_pg_get_int (waiting, row, 1), actor, "back-order fulfilled" };
        got = inventory_shift (pg, &movement, location_id, "reserved", err);
        if (got == 1 && s_commit_reserved (service, pg, movement.reservation_id, location_id,
                                           as_pg_get_str (waiting, row, 4),
                                           as_pg_get_bool (waiting, row, 3), NULL, err))
            got = -1;
        fulfilled += got == 1;
    }
    PQclear (waiting);
    return got < 0 ? -1 : fulfilled;
}
