/*  inventoryd: spare parts stock, reservations, shipments, inspection,
    returns to vendor and reorder from demand.                              */
#include "as_log.h"
#include "inventory.h"

extern const as_migration_t inventory_migrations [];
extern const size_t inventory_migrations_count;

static as_setting_t s_settings [] = {
    { "INVENTORY_SHIP_REGULAR_HOURS", AS_CFG_INT, "24", 1, 720,
      "promise: a regular part is shipped within this many hours of the demand", "", 0 },
    { "INVENTORY_SWEEP_MS", AS_CFG_INT, "60000", 100, 86400000,
      "how often late shipments and reorder points are checked", "", 0 },
    { "INVENTORY_SERVICE_LEVEL_PERMILLE", AS_CFG_INT, "950", 500, 999,
      "service level of the safety stock, in thousandths (950 = 95 % of lead times without a stock-out)", "", 0 },
    { "INVENTORY_SMOOTHING_PERCENT", AS_CFG_INT, "10", 1, 100,
      "Croston/SBA smoothing constant alpha, in percent", "", 0 },
    { "INVENTORY_HISTORY_DAYS", AS_CFG_INT, "180", 7, 730,
      "days of issue history the demand estimate uses", "", 0 },
    { "INVENTORY_OVERSTOCK_DAYS", AS_CFG_INT, "90", 1, 3650,
      "more days of cover than this is reported as overstock", "", 0 },
    { "INVENTORY_ORDER_COVER_DAYS", AS_CFG_INT, "30", 0, 365,
      "a reorder buys up to the reorder point plus this many days of demand", "", 0 },
    { NULL, 0, NULL, 0, 0, NULL, "", 0 }
};

static const as_method_t s_methods [] = {
    { "part.add", inventory_part_add },
    { "part.import", inventory_part_import },
    { "part.get", inventory_part_get },
    { "part.list", inventory_part_list },
    { "location.add", inventory_location_add },
    { "location.list", inventory_location_list },
    { "stock.show", inventory_stock_show },
    { "stock.receive", inventory_stock_receive },
    { "inspection.record", inventory_inspection_record },
    { "stock.transfer", inventory_stock_transfer },
    { "stock.adjust", inventory_stock_adjust },
    { "stock.defective_return", inventory_defective_return },
    { "reservation.create", inventory_reservation_create },
    { "reservation.release", inventory_reservation_release },
    { "reservation.list", inventory_reservation_list },
    { "shipment.list", inventory_shipment_list },
    { "shipment.ship", inventory_shipment_ship },
    { "shipment.sweep", inventory_shipment_sweep },
    { "return.list", inventory_return_list },
    { "return.ship", inventory_return_ship },
    { "purchase.list", inventory_purchase_list },
    { "reorder.report", inventory_reorder_report },
    { "reorder.run", inventory_reorder_run },
    { "ledger.verify", inventory_ledger_verify },
    { NULL, NULL }
};

static const as_ingress_t s_ingress [] = {
    { "supplier.shipment_received", inventory_on_supplier_shipment },
    { NULL, NULL }
};

static const as_subscription_t s_subscriptions [] = {
    { "dispatch", "visit.diagnosed", inventory_on_diagnosed },
    { "dispatch", "visit.completed", inventory_on_completed },
    { "intake", "case.cancelled", inventory_on_case_cancelled },
    { NULL, NULL, NULL }
};

//  The timer's unit of work: late shipments and reorder points in one
//  transaction of its own, committed with its events.
static int
s_sweep_work (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err)
{
    (void) count;
    int64_t low, requested;
    return inventory_sweep_late (service, pg, err) < 0
        || inventory_reorder_pass (service, pg, &low, &requested, err) ? -1 : 0;
}

static int
s_on_sweep (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    as_service_timer_work (arg, "inventory sweep", s_sweep_work);
    return 0;
}

static int
s_start (as_service_t *service, as_error_t *err)
{
    (void) err;
    zloop_timer (as_service_loop (service), (size_t) as_service_setting_int (service, "INVENTORY_SWEEP_MS"), 0,
                 s_on_sweep, service);
    return 0;
}

static const as_service_def_t s_inventory = {
    .name = "inventory",
    .version = "0.1.0",
    .summary = "spare parts: stock per location, reservations, shipments, inspection, returns, reorder",
    .settings = s_settings,
    .migrations = inventory_migrations,
    .migration_count = &inventory_migrations_count,
    .methods = s_methods,
    .ingress = s_ingress,
    .subscriptions = s_subscriptions,
    .start = s_start,
};

int
main (int argc, char *argv [])
{
    return as_service_main (&s_inventory, argc, argv);
}
