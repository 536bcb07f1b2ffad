/*  inventory: spare parts. The catalogue and locations (inventory_parts),
    the movement ledger and the balances it sums to (inventory_ledger),
    reservations and shipments for cases (inventory_reserve), goods in,
    inspection, transfers, adjustments and returns to vendor
    (inventory_goods), and reorder from demand (inventory_reorder).         */
#ifndef INVENTORY_H
#define INVENTORY_H

#include "as_service.h"
#include <stdbool.h>
#include <stdint.h>

//  A part number's buffer (the catalogue's 32 characters; as_msg.h).
#define INVENTORY_PART_NO_SIZE AS_TEXT_SIZE (32)

//  --- The ledger -------------------------------------------------------------
//  One change of one bucket of one stock row, with why and for what.
typedef struct {
    const char *reason;             //  receipt, reserve, issue ... (movements.reason)
    const char *part_no;
    int64_t location_id;
    const char *bucket;             //  available, reserved, quarantine, defective
    int64_t quantity;               //  signed
    int64_t reservation_id;         //  0 = none
    int64_t shipment_id;
    int64_t case_id;
    const char *actor;
    const char *note;
} inventory_movement_t;

//  Apply a movement: the balance and its ledger row, in the caller's
//  transaction. 1 = applied; 0 = refused because the bucket would go below
//  zero (nothing changed; only a decrease can be refused); -1 = error (err
//  set). The ledger row is deferred (as_pg_defer): it is written by the
//  connection's next round trip.
int inventory_move (as_pg_t *pg, const inventory_movement_t *movement, as_error_t *err);

//  Move quantity from one bucket/location to another as two movements
//  (the same reason, references and actor). Rows of two locations are
//  locked in location order first, so two opposite shifts cannot deadlock.
//  1 = done; 0 = the source had too little (nothing changed); -1 = error.
//  Only the source's decrease costs a round trip when the destination's
//  row exists: its increase and both ledger rows are deferred.
int inventory_shift (as_pg_t *pg, const inventory_movement_t *from, int64_t to_location_id,
                     const char *to_bucket, as_error_t *err);
//  Run a statement that must change exactly one row (a row the caller
//  holds): 0, or -1 with err set, also when it changed another number.
int inventory_do_one (as_pg_t *pg, const as_stmt_t *stmt, const as_pg_params_t *params, as_error_t *err);
//  The integer in the first column of the first row of a statement's
//  result: 0 when there is no row or it is NULL, -1 on error.
int64_t inventory_scalar (as_pg_t *pg, const as_stmt_t *stmt, const as_pg_params_t *params, as_error_t *err);
//  The same of a result at hand (a pipeline step's): 0 when no row or NULL.
int64_t inventory_first_int (const PGresult *result);
//  Pack "stock": the balances of every location holding a part (part_no),
//  or of every part at a location (location_id > 0), or of all (neither),
//  each with its part and location: what stock.show and part.get reply.
int inventory_pack_stock_list (as_pg_t *pg, const char *part_no, int64_t location_id,
                               msgpack_packer *pk, as_error_t *err);
//  Pack the stock row of part/location as a map ({} values 0 when none).
int inventory_pack_stock (as_pg_t *pg, const char *part_no, int64_t location_id,
                          msgpack_packer *pk, as_error_t *err);
//  Pack a result row as a map: keys [i] with types [i] 'i' (integer), 's'
//  (text) or 'b' (bool); a NULL cell packs nil.
void inventory_pack_row (msgpack_packer *pk, const PGresult *result, int row,
                         const char *const *keys, const char *types);
//  Emit an event whose data the caller packed into sbuffer (then freed).
int inventory_emit (as_service_t *service, const char *type, const char *subject_kind,
                    int64_t subject_id, msgpack_sbuffer *data, as_error_t *err);

int inventory_stock_show (as_call_t *call);
int inventory_ledger_verify (as_call_t *call);

//  --- Catalogue and locations --------------------------------------------------
int inventory_part_add (as_call_t *call);
int inventory_part_import (as_call_t *call);
int inventory_part_get (as_call_t *call);
int inventory_part_list (as_call_t *call);
int inventory_location_add (as_call_t *call);
int inventory_location_list (as_call_t *call);
//  The central warehouse's id (the lowest one), 0 when there is none.
int64_t inventory_central_location (as_pg_t *pg, as_error_t *err);

//  Parse one CSV line into at most max fields (RFC 4180 quotes). Returns the
//  field count, -1 when malformed. Fields point into line, which is modified.
int inventory_csv_split (char *line, char **fields, int max);

//  --- Reservations and shipments ----------------------------------------------
int inventory_reservation_create (as_call_t *call);
int inventory_reservation_release (as_call_t *call);
int inventory_reservation_list (as_call_t *call);
int inventory_shipment_list (as_call_t *call);
int inventory_shipment_ship (as_call_t *call);
int inventory_shipment_sweep (as_call_t *call);
//  Emit shipment.late for every late shipment not yet reported; the count.
int64_t inventory_sweep_late (as_service_t *service, as_pg_t *pg, as_error_t *err);
//  Give back-ordered reservations of a part the stock now available at a
//  location (oldest first). Returns how many were fulfilled, -1 on error.
int64_t inventory_fulfil_backorders (as_service_t *service, as_pg_t *pg, const char *part_no,
                                     int64_t location_id, const char *actor, as_error_t *err);

int inventory_on_diagnosed (as_delivery_t *delivery);
int inventory_on_completed (as_delivery_t *delivery);
int inventory_on_case_cancelled (as_delivery_t *delivery);

//  --- Goods in and out -----------------------------------------------------------
int inventory_stock_receive (as_call_t *call);
int inventory_inspection_record (as_call_t *call);
int inventory_stock_transfer (as_call_t *call);
int inventory_stock_adjust (as_call_t *call);
int inventory_defective_return (as_call_t *call);
int inventory_return_list (as_call_t *call);
int inventory_return_ship (as_call_t *call);
int inventory_purchase_list (as_call_t *call);
int inventory_on_supplier_shipment (as_delivery_t *delivery);
//  Record a purchase request and emit purchase.requested; its id or -1.
int64_t inventory_purchase_request (as_service_t *service, as_pg_t *pg, const char *part_no,
                                    int64_t location_id, int64_t quantity, const char *reason,
                                    int64_t case_id, char *expected_on, as_error_t *err);

//  --- Reorder from demand ------------------------------------------------------------
typedef struct {
    double daily_demand;            //  SBA estimate, units per day
    double sigma_daily;             //  RMS of one-step-ahead errors, units per day
    double safety_stock;            //  z * sigma * sqrt(lead time)
    int64_t reorder_point;          //  ceil(demand over lead time + safety stock)
} inventory_reorder_t;

//  The standard normal quantile (Acklam's rational approximation, |error|
//  < 1.2e-9 on (0, 1)); p outside (0, 1) gives 0.
double inventory_normal_quantile (double p);
//  Croston / SBA over a daily demand series (oldest first), smoothing alpha,
//  service level (e.g. 0.95), lead time in days.
void inventory_reorder_compute (const int64_t *daily, int days, double alpha, double service_level,
                                int lead_time_days, inventory_reorder_t *out);
int inventory_reorder_report (as_call_t *call);
int inventory_reorder_run (as_call_t *call);
//  One reorder pass (the timer's and reorder.run's): counts of stock.low
//  and purchase.requested emitted.
int inventory_reorder_pass (as_service_t *service, as_pg_t *pg, int64_t *low, int64_t *requested,
                            as_error_t *err);

void inventory_test (bool verbose);

#endif
