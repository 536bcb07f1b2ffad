/*  inventoryctl: the parts desk's command line. The parsing, calling and
    exit codes are as_cli's; this file is the command table and the
    printers. "part import FILE" sends the file's content; "part show P"
    and "inspect pass|fail" take their first word as --part and --result.  */
#include "as_cli.h"
#include "as_msg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_END { NULL, NULL, AS_CLI_STR, false }

static const as_cli_option_t s_part_add [] = {
    { "--part", "part_no", AS_CLI_STR, true }, { "--name", "name", AS_CLI_STR, true },
    { "--models", "compatible_models", AS_CLI_JSON, false }, { "--cost-fen", "unit_cost_fen", AS_CLI_NUMBER, true },
    { "--kind", "kind", AS_CLI_STR, true }, { "--supplier", "supplier", AS_CLI_STR, true },
    { "--lead-days", "lead_time_days", AS_CLI_NUMBER, true }, S_END };
static const as_cli_option_t s_part_import [] = {
    { "--csv", "csv", AS_CLI_STR, true }, { "", "csv", AS_CLI_FILE, false }, S_END };
static const as_cli_option_t s_part_show [] = {
    { "--part", "part_no", AS_CLI_STR, true }, { "", "part_no", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_location_add [] = {
    { "--code", "code", AS_CLI_STR, true }, { "--kind", "kind", AS_CLI_STR, true },
    { "--name", "name", AS_CLI_STR, true }, { "--station", "station_id", AS_CLI_NUMBER, false },
    { "--engineer", "engineer_id", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_stock_show [] = {
    { "--part", "part_no", AS_CLI_STR, false }, { "--location", "location_id", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_receive [] = {
    { "--part", "part_no", AS_CLI_STR, true }, { "--quantity", "quantity", AS_CLI_NUMBER, true },
    { "--location", "location_id", AS_CLI_NUMBER, false }, { "--supplier", "supplier", AS_CLI_STR, false },
    { "--delivery-ref", "delivery_ref", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_inspect [] = {
    { "--result", "result", AS_CLI_STR, true }, { "", "result", AS_CLI_STR, false }, { "--part", "part_no", AS_CLI_STR, true },
    { "--location", "location_id", AS_CLI_NUMBER, true }, { "--quantity", "quantity", AS_CLI_NUMBER, true },
    { "--note", "note", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_transfer [] = {
    { "--part", "part_no", AS_CLI_STR, true }, { "--from", "from_location_id", AS_CLI_NUMBER, true },
    { "--to", "to_location_id", AS_CLI_NUMBER, true }, { "--quantity", "quantity", AS_CLI_NUMBER, true }, S_END };
static const as_cli_option_t s_adjust [] = {
    { "--part", "part_no", AS_CLI_STR, true }, { "--location", "location_id", AS_CLI_NUMBER, true },
    { "--quantity", "quantity", AS_CLI_NUMBER, true }, { "--reason", "reason", AS_CLI_STR, true },
    { "--bucket", "bucket", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_defective [] = {
    { "--part", "part_no", AS_CLI_STR, true }, { "--location", "location_id", AS_CLI_NUMBER, true },
    { "--quantity", "quantity", AS_CLI_NUMBER, true }, { "--case", "case_id", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_reserve [] = {
    { "--case", "case_id", AS_CLI_NUMBER, true }, { "--part", "part_no", AS_CLI_STR, true },
    { "--quantity", "quantity", AS_CLI_NUMBER, true }, { "--visit", "visit_id", AS_CLI_NUMBER, false },
    { "--engineer", "engineer_id", AS_CLI_NUMBER, false }, { "--station", "station_id", AS_CLI_NUMBER, false },
    { "--location", "location_id", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_release [] = { { "--reason", "reason", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_reservations [] = {
    { "--case", "case_id", AS_CLI_NUMBER, false }, { "--status", "status", AS_CLI_STR, false },
    { "--limit", "limit", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_shipments [] = {
    { "--late", "late", AS_CLI_FLAG, false }, { "--status", "status", AS_CLI_STR, false },
    { "--limit", "limit", AS_CLI_NUMBER, false }, S_END };
static const as_cli_option_t s_status_only [] = { { "--status", "status", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_no_options [] = { S_END };

static void
s_table_header (const char *const *keys, const int *widths)
{
    for (int column = 0; keys [column]; column++)
        printf ("%-*s ", widths [column], keys [column]);
    printf ("\n");
}

static void
s_table_row (const msgpack_object *row, const char *const *keys, const int *widths)
{
    char value [256];
    for (int column = 0; keys [column]; column++)
        printf ("%-*s ", widths [column], as_cli_text (row, keys [column], value, sizeof value));
    printf ("\n");
}

//  A table of the maps in result[array]: one column per key.
static void
s_table (const msgpack_object *result, const char *array, const char *const *keys, const int *widths)
{
    s_table_header (keys, widths);
    const msgpack_object *rows = as_obj_get (result, array);
    for (uint32_t index = 0; rows && rows->type == MSGPACK_OBJECT_ARRAY && index < rows->via.array.size; index++)
        s_table_row (&rows->via.array.ptr [index], keys, widths);
}

static void
s_print_stock (const msgpack_object *result)
{
    static const char *keys [] = { "part_no", "location_id", "location_code", "location_kind", "available",
                                   "reserved", "quarantine", "defective", NULL };
    static const int widths [] = { 14, 11, 14, 13, 9, 8, 10, 9 };
    s_table (result, "stock", keys, widths);
}

static void
s_print_part (const msgpack_object *result)
{
    static const char *fields [] = { "part_no", "name", "kind", "unit_cost_fen", "supplier", "lead_time_days",
                                     "compatible_models", NULL };
    const msgpack_object *part = as_obj_get (result, "part");
    char value [1024];
    for (const char **field = fields; *field; field++)
        printf ("%-18s %s\n", *field, as_cli_text (part, *field, value, sizeof value));
    if (as_obj_get (result, "stock")) {
        printf ("\n");
        s_print_stock (result);
    }
}

static void
s_print_parts (const msgpack_object *result)
{
    static const char *keys [] = { "part_no", "name", "kind", "unit_cost_fen", "supplier", "lead_time_days", NULL };
    static const int widths [] = { 14, 30, 8, 13, 20, 14 };
    s_table (result, "parts", keys, widths);
}

static const char *s_location_keys [] = { "location_id", "code", "kind", "name", "station_id", "engineer_id", NULL };
static const int s_location_widths [] = { 11, 14, 8, 30, 10, 11 };

static void
s_print_locations (const msgpack_object *result)
{
    s_table (result, "locations", s_location_keys, s_location_widths);
}

//  location.add answers the one location it added: the same table, one row.
static void
s_print_location (const msgpack_object *result)
{
    s_table_header (s_location_keys, s_location_widths);
    const msgpack_object *location = as_obj_get (result, "location");
    if (location && location->type == MSGPACK_OBJECT_MAP)
        s_table_row (location, s_location_keys, s_location_widths);
}

static const char *s_reservation_keys [] = { "reservation_id", "case_id", "visit_id", "part_no", "quantity",
    "issued_quantity", "location_id", "status", "ship_by", "shipment_id", NULL };
static const int s_reservation_widths [] = { 14, 8, 8, 12, 8, 15, 11, 11, 24, 11 };

static void
s_print_reservations (const msgpack_object *result)
{
    s_table (result, "reservations", s_reservation_keys, s_reservation_widths);
}

static void
s_print_reservation (const msgpack_object *result)
{
    char value [256];
    const msgpack_object *reservation = as_obj_get (result, "reservation");
    for (int field = 0; s_reservation_keys [field]; field++)
        printf ("%-16s %s\n", s_reservation_keys [field],
                as_cli_text (reservation, s_reservation_keys [field], value, sizeof value));
}

static void
s_print_shipments (const msgpack_object *result)
{
    static const char *keys [] = { "shipment_id", "case_id", "part_no", "quantity", "from_location_id",
                                   "to_location_id", "status", "ship_by", "late", NULL };
    static const int widths [] = { 11, 8, 12, 8, 16, 14, 9, 24, 4 };
    s_table (result, "shipments", keys, widths);
}

static void
s_print_reorder (const msgpack_object *result)
{
    static const char *keys [] = { "part_no", "location_id", "available", "position", "daily_demand",
                                   "safety_stock", "reorder_point", "days_of_cover", "below", "overstock", NULL };
    static const int widths [] = { 12, 11, 9, 8, 12, 12, 13, 13, 5, 9 };
    s_table (result, "lines", keys, widths);
}

static void
s_print_verify (const msgpack_object *result)
{
    char value [64], count [32];
    bool ok = false;
    as_obj_bool (result, "ok", &ok);
    printf ("%s: %s balances, %s movements\n", ok ? "ledger and balances agree" : "DIFFERENCES FOUND",
            as_cli_text (result, "balances", value, sizeof value), as_cli_text (result, "movements", count, sizeof count));
    if (!ok) {
        static const char *keys [] = { "part_no", "location_id", "bucket", "balance", "ledger", NULL };
        static const int widths [] = { 14, 11, 10, 8, 8 };
        s_table (result, "differences", keys, widths);
    }
}

static const as_cli_command_t s_commands [] = {
    { "part add", "part.add", "--part P --name N --cost-fen F --kind regular|special --supplier S --lead-days D"
      " [--models '[\"KFR-35GW\"]']", "add or update a catalogue part (unit cost in fen)", NULL, s_part_add, s_print_part },
    { "part import", "part.import", "FILE.csv", "import parts from CSV (header part_no,name,compatible_models,"
      "unit_cost_fen,kind,supplier,lead_time_days); all rows or none", NULL, s_part_import, NULL },
    { "part show", "part.get", "PART_NO", "a part and its stock everywhere", NULL, s_part_show, s_print_part },
    { "part list", "part.list", "", "the catalogue", NULL, s_no_options, s_print_parts },
    { "location add", "location.add", "--code C --kind central|station|van --name N [--station ID] [--engineer ID]",
      "add a warehouse, station store or van", NULL, s_location_add, s_print_location },
    { "location list", "location.list", "", "every location", NULL, s_no_options, s_print_locations },
    { "stock show", "stock.show", "[--part P] [--location L]", "balances per part and location", NULL,
      s_stock_show, s_print_stock },
    { "receive", "stock.receive", "--part P --quantity Q [--location L] [--supplier S] [--delivery-ref R]",
      "goods in: to quarantine until inspected", NULL, s_receive, NULL },
    { "inspect", "inspection.record", "pass|fail --part P --location L --quantity Q [--note T]",
      "incoming inspection: pass -> available, fail -> defective and a return to vendor", NULL, s_inspect, NULL },
    { "transfer", "stock.transfer", "--part P --from L --to L --quantity Q", "move available parts", NULL,
      s_transfer, NULL },
    { "adjust", "stock.adjust", "--part P --location L --quantity +-Q --reason TEXT [--bucket B]",
      "count adjustment", NULL, s_adjust, NULL },
    { "defective-return", "stock.defective_return", "--part P --location L --quantity Q [--case C]",
      "a defective part taken out on a repair comes back", NULL, s_defective, NULL },
    { "reserve", "reservation.create", "--case C --part P --quantity Q [--visit V] [--engineer E] [--station S]"
      " [--location L]", "reserve from the nearest location (or back-order)", NULL, s_reserve, s_print_reservation },
    { "release", "reservation.release", "RESERVATION_ID [--reason T]", "release a reservation", "reservation_id",
      s_release, s_print_reservation },
    { "reservations", "reservation.list", "[--case C] [--status S] [--limit N]", "reservations, newest first",
      NULL, s_reservations, s_print_reservations },
    { "shipments", "shipment.list", "[--late] [--status S] [--limit N]", "shipments by ship-by time", NULL,
      s_shipments, s_print_shipments },
    { "ship", "shipment.ship", "SHIPMENT_ID", "a shipment left", "shipment_id", s_no_options, NULL },
    { "sweep", "shipment.sweep", "", "report late shipments now (also on a timer)", NULL, s_no_options, NULL },
    { "return list", "return.list", "[--status open|shipped]", "returns to vendor", NULL, s_status_only, NULL },
    { "return ship", "return.ship", "RETURN_ID", "a return to vendor left", "return_id", s_no_options, NULL },
    { "purchases", "purchase.list", "[--status open|received]", "purchase requests", NULL, s_status_only, NULL },
    { "reorder report", "reorder.report", "[--part P] [--location L]",
      "demand (SBA), safety stock, reorder point, cover, overstock", NULL, s_stock_show, s_print_reorder },
    { "reorder run", "reorder.run", "", "stock.low and purchase requests now (also on a timer)", NULL,
      s_no_options, NULL },
    { "ledger verify", "ledger.verify", "", "re-sum the movement ledger and compare with every balance", NULL,
      s_no_options, s_print_verify },
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static const as_cli_t s_cli = { "inventoryctl", "inventory",
                                "spare parts: stock, reservations, shipments, inspection, reorder", s_commands };

int
main (int argc, char *argv [])
{
    return as_cli_main (&s_cli, argc, argv);
}
