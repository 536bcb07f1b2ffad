/*  inventoryd on its own, through its RPC and CLI: catalogue import,
    quarantine and inspection with return to vendor, nearest-location
    reservation order (van, station, warehouse, back-order), shipments and
    the once-only late report, release, the times of a reservation as its
    replies give them, the ledger proof and that it catches a balance
    changed behind its back.                                              */
#include "inventory_testlib.h"
#include <stdlib.h>
#include <unistd.h>

static const char *s_csv =
    "part_no,name,compatible_models,unit_cost_fen,kind,supplier,lead_time_days\r\n"
    "FM-35,\"Fan motor, 35 W\",KFR-35GW|KFR-26GW,12850,regular,Midea Parts,3\r\n"
    "CMP-1,Compressor,KFR-35GW,98000,special,GMCC,0\r\n"
    "CAP-2,Capacitor 2uF,,850,regular,Jianghai,5\r\n";

static void
s_import (as_harness_t *harness, as_rpc_client_t *inventory)
{
    char path [256];
    snprintf (path, sizeof path, "/tmp/inventory-flow-%d.csv", (int) getpid ());
    FILE *file = fopen (path, "w");
    AS_CHECK (file);
    fputs (s_csv, file);
    fclose (file);
    char command [512];
    int status = 0;
    snprintf (command, sizeof command, "inventoryctl part import %s --json", path);
    char *output = as_harness_run (harness, command, &status);
    if (status != 0 || !strstr (output, "\"created\":\t3"))
        fprintf (stderr, "part import: status %d, output: %s\n", status, output);
    AS_CHECK (status == 0 && strstr (output, "\"created\":\t3"));
    free (output);
    //  Money is whole fen: a decimal cost refuses the whole file.
    file = fopen (path, "w");
    fputs ("part_no,name,compatible_models,unit_cost_fen,kind,supplier,lead_time_days\n"
           "FM-35,Fan motor,,99,regular,Midea Parts,3\nX-1,Bad,,12.50,regular,S,1\n", file);
    fclose (file);
    output = as_harness_run (harness, command, &status);
    AS_CHECK (status == 2);                 //  invalid_argument: bad usage (as_cli)
    free (output);
    unlink (path);
    AS_CHECK (as_harness_scalar (harness, "SELECT unit_cost_fen FROM inventory.parts WHERE part_no = 'FM-35'") == 12850);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.parts") == 3);
    char name [64];
    t_str (inventory, "part.get", "part.name", name, sizeof name, "{\"part_no\":\"FM-35\"}");
    AS_CHECK (strcmp (name, "Fan motor, 35 W") == 0);
}

//  Goods in: quarantine; pass -> available; fail -> defective + return.
static void
s_quarantine (as_harness_t *harness, as_rpc_client_t *inventory, const t_network_t *net)
{
    t_int (inventory, "stock.receive", NULL, "{\"part_no\":\"FM-35\",\"quantity\":6}");
    AS_CHECK (t_bucket (harness, "FM-35", net->central, "quarantine") == 6);
    AS_CHECK (t_bucket (harness, "FM-35", net->central, "available") == 0);
    t_refused (inventory, "inspection.record", AS_FAILED_PRECONDITION,
               "{\"part_no\":\"FM-35\",\"location_id\":%lld,\"quantity\":7,\"result\":\"pass\"}", (long long) net->central);
    t_int (inventory, "inspection.record", NULL,
           "{\"part_no\":\"FM-35\",\"location_id\":%lld,\"quantity\":5,\"result\":\"pass\"}", (long long) net->central);
    int64_t return_id = t_int (inventory, "inspection.record", "return_id",
        "{\"part_no\":\"FM-35\",\"location_id\":%lld,\"quantity\":1,\"result\":\"fail\",\"note\":\"cracked housing\"}",
        (long long) net->central);
    AS_CHECK (t_bucket (harness, "FM-35", net->central, "available") == 5);
    AS_CHECK (t_bucket (harness, "FM-35", net->central, "quarantine") == 0);
    AS_CHECK (t_bucket (harness, "FM-35", net->central, "defective") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.vendor_returns WHERE status = 'open'"
                                          " AND supplier = 'Midea Parts'") == 1);
    t_int (inventory, "return.ship", NULL, "{\"return_id\":%lld}", (long long) return_id);
    t_refused (inventory, "return.ship", AS_FAILED_PRECONDITION, "{\"return_id\":%lld}", (long long) return_id);
    AS_CHECK (t_bucket (harness, "FM-35", net->central, "defective") == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.movements WHERE reason = 'return_to_vendor'") == 1);
}

static int64_t
s_reserve (as_rpc_client_t *inventory, int case_id, const char *part_no, const char *path)
{
    return t_int (inventory, "reservation.create", path,
                  "{\"case_id\":%d,\"part_no\":\"%s\",\"quantity\":1,\"engineer_id\":3,\"station_id\":1}",
                  case_id, part_no);
}

//  One unit at the van, one at the station, the rest central: the order.
static void
s_nearest (as_harness_t *harness, as_rpc_client_t *inventory, const t_network_t *net)
{
    t_int (inventory, "stock.transfer", NULL, "{\"part_no\":\"FM-35\",\"from_location_id\":%lld,"
           "\"to_location_id\":%lld,\"quantity\":1}", (long long) net->central, (long long) net->van3);
    t_int (inventory, "stock.transfer", NULL, "{\"part_no\":\"FM-35\",\"from_location_id\":%lld,"
           "\"to_location_id\":%lld,\"quantity\":1}", (long long) net->central, (long long) net->station);
    AS_CHECK (s_reserve (inventory, 10, "FM-35", "reservation.location_id") == net->van3);
    AS_CHECK (s_reserve (inventory, 11, "FM-35", "reservation.location_id") == net->station);
    AS_CHECK (s_reserve (inventory, 12, "FM-35", "reservation.location_id") == net->central);
    //  Engineer 4's van is never taken from for engineer 3.
    t_int (inventory, "stock.transfer", NULL, "{\"part_no\":\"FM-35\",\"from_location_id\":%lld,"
           "\"to_location_id\":%lld,\"quantity\":2}", (long long) net->central, (long long) net->van4);
    AS_CHECK (t_bucket (harness, "FM-35", net->central, "available") == 0);
    int64_t backorder = s_reserve (inventory, 13, "FM-35", "reservation.reservation_id");
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.reservations WHERE status = 'backordered'") == 1);
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.purchase_requests WHERE reason = 'backorder'"
              " AND case_id = 13 AND location_id = %lld", (long long) net->station);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);
    //  The van needs no shipment; the station and the warehouse ship to the van.
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.shipments WHERE to_location_id = %lld", (long long) net->van3);
    AS_CHECK (as_harness_scalar (harness, sql) == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.shipments WHERE case_id = 10") == 0);
    //  Regular parts: ship-by 24 hours after the demand.
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.shipments WHERE case_id = 12"
              " AND ship_by BETWEEN now() + interval '23 hours 58 minutes' AND now() + interval '24 hours'") == 1);
    //  Releasing a back-order frees nothing; releasing the van's frees it.
    t_int (inventory, "reservation.release", NULL, "{\"reservation_id\":%lld}", (long long) backorder);
    t_refused (inventory, "reservation.release", AS_FAILED_PRECONDITION, "{\"reservation_id\":%lld}", (long long) backorder);
    AS_CHECK (t_bucket (harness, "FM-35", net->van3, "reserved") == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'part.reserved'", 3, 5000) == 3);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'part.backordered'", 1, 5000) == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'part.released'", 1, 5000) == 1);
}

//  A special part with lead time 0 is due at once: late at the sweep,
//  reported once, and shipping it says it was late.
static void
s_late (as_harness_t *harness, as_rpc_client_t *inventory, const t_network_t *net)
{
    t_stock (inventory, "CMP-1", net->central, 1);
    int64_t reservation = s_reserve (inventory, 20, "CMP-1", "reservation.reservation_id");
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT id FROM inventory.shipments WHERE reservation_id = %lld", (long long) reservation);
    int64_t shipment = as_harness_scalar (harness, sql);
    AS_CHECK (shipment > 0);
    zclock_sleep (20);
    AS_CHECK (t_int (inventory, "shipment.sweep", "late", "{}") >= 1);
    AS_CHECK (t_int (inventory, "shipment.sweep", "late", "{}") == 0);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'shipment.late'", 1, 5000) == 1);
    int status = 0;
    char *output = as_harness_run (harness, "inventoryctl shipments --late", &status);
    AS_CHECK (status == 0 && strstr (output, "CMP-1"));
    free (output);
    t_int (inventory, "shipment.ship", NULL, "{\"shipment_id\":%lld}", (long long) shipment);
    t_refused (inventory, "shipment.ship", AS_FAILED_PRECONDITION, "{\"shipment_id\":%lld}", (long long) shipment);
    AS_CHECK (t_bucket (harness, "CMP-1", net->central, "reserved") == 0);
    AS_CHECK (t_bucket (harness, "CMP-1", net->van3, "reserved") == 1);
    snprintf (sql, sizeof sql, "SELECT location_id FROM inventory.reservations WHERE id = %lld", (long long) reservation);
    AS_CHECK (as_harness_scalar (harness, sql) == net->van3);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'part.shipped'", 1, 5000) == 1);
    output = as_harness_run (harness, "inventoryctl shipments --late --json", &status);
    AS_CHECK (status == 0 && !strstr (output, "CMP-1"));
    free (output);
}

//  A back-order waits for goods: the inspection that makes them available
//  gives them to the oldest waiting reservation, with a shipment.
static void
s_backorder_fulfilled (as_harness_t *harness, as_rpc_client_t *inventory, const t_network_t *net)
{
    int64_t waiting = s_reserve (inventory, 30, "CAP-2", "reservation.reservation_id");
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = 30"
                                          " AND status = 'backordered'") == 1);
    //  The case is told the supplier's date: 5 days of lead time.
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = 30"
                                          " AND ship_by::date = (demand_at + interval '5 days')::date") == 1);
    t_int (inventory, "stock.receive", NULL, "{\"part_no\":\"CAP-2\",\"quantity\":3}");
    AS_CHECK (t_int (inventory, "inspection.record", "fulfilled",
                     "{\"part_no\":\"CAP-2\",\"location_id\":%lld,\"quantity\":3,\"result\":\"pass\"}",
                     (long long) net->central) == 1);
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.reservations WHERE id = %lld AND status = 'reserved'"
              " AND location_id = %lld", (long long) waiting, (long long) net->central);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);
    AS_CHECK (t_bucket (harness, "CAP-2", net->central, "available") == 2);
    AS_CHECK (t_bucket (harness, "CAP-2", net->central, "reserved") == 1);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.shipments WHERE reservation_id = %lld", (long long) waiting);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);
}

//  A retried command with the same idempotency key changes nothing twice.
static void
s_retry (as_harness_t *harness)
{
    const char *command = "inventoryctl --key flow-retry-1 reserve --case 40 --part FM-35 --quantity 1"
                          " --engineer 3 --station 1 --json";
    int status = 0;
    char *first = as_harness_run (harness, command, &status);
    AS_CHECK (status == 0 && strstr (first, "\"case_id\":\t40"));
    char *second = as_harness_run (harness, command, &status);
    AS_CHECK (status == 0 && strcmp (first, second) == 0);
    free (first);
    free (second);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = 40") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.purchase_requests WHERE case_id = 40") == 1);
}

//  A time in a reply is RFC 3339 UTC text with milliseconds, the row's
//  own: the column `key` of reservation `id`.
static void
s_check_time (as_harness_t *harness, const msgpack_object *reservation, const char *key, int64_t id)
{
    const msgpack_object *value = as_obj_get (reservation, key);
    if (!value || value->type != MSGPACK_OBJECT_STR)
        fprintf (stderr, "reservation.%s is not a string (msgpack type %d)\n", key, value ? (int) value->type : -1);
    AS_CHECK (value && value->type == MSGPACK_OBJECT_STR && value->via.str.size == 24);
    char text [25];
    snprintf (text, sizeof text, "%.*s", (int) value->via.str.size, value->via.str.ptr);
    const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (int index = 0; index < 24; index++)
        AS_CHECK (shape [index] == 'd' ? (text [index] >= '0' && text [index] <= '9') : text [index] == shape [index]);
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.reservations WHERE id = %lld"
              " AND inventory.rfc3339(%s) = '%s'", (long long) id, key, text);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);
}

//  created_at and ship_by in reservation.create, .list and .release.
static void
s_reply_times (as_harness_t *harness, as_rpc_client_t *inventory)
{
    as_rpc_reply_t reply;
    t_call (inventory, "reservation.create", &reply,
            "{\"case_id\":50,\"part_no\":\"CAP-2\",\"quantity\":1,\"engineer_id\":3,\"station_id\":1}");
    AS_CHECK (reply.ok);
    int64_t id = 0;
    AS_CHECK (as_obj_int (t_path (reply.result, "reservation"), "reservation_id", &id) && id > 0);
    s_check_time (harness, t_path (reply.result, "reservation"), "created_at", id);
    s_check_time (harness, t_path (reply.result, "reservation"), "ship_by", id);
    as_rpc_reply_release (&reply);

    t_call (inventory, "reservation.list", &reply, "{\"case_id\":50}");
    AS_CHECK (reply.ok);
    const msgpack_object *listed = t_path (reply.result, "reservations");
    AS_CHECK (listed && listed->type == MSGPACK_OBJECT_ARRAY && listed->via.array.size == 1);
    s_check_time (harness, &listed->via.array.ptr [0], "created_at", id);
    as_rpc_reply_release (&reply);

    t_call (inventory, "reservation.release", &reply, "{\"reservation_id\":%lld}", (long long) id);
    AS_CHECK (reply.ok);
    s_check_time (harness, t_path (reply.result, "reservation"), "created_at", id);
    as_rpc_reply_release (&reply);
}

//  Locations through the CLI: a new one is printed as a row of the table;
//  one already there is refused in words (its code, the station's store,
//  the engineer's van), not with PostgreSQL's message.
static void
s_locations (as_harness_t *harness, as_rpc_client_t *inventory)
{
    int status = 0;
    char *output = as_harness_run (harness, "inventoryctl location add --code ST-9 --kind station"
                                            " --name 'store 9' --station 9", &status);
    //  The header, then the row.
    char *row = strchr (output, '\n');
    if (status != 0 || !row || !strstr (row, "ST-9"))
        fprintf (stderr, "location add: status %d, output:\n%s\n", status, output);
    AS_CHECK (status == 0 && row && strstr (row, "ST-9") && strstr (row, "store 9"));
    free (output);
    output = as_harness_run (harness, "inventoryctl location add --code WH --kind central --name again 2>&1", &status);
    if (status != 1 || !strstr (output, "already_exists: location WH already exists"))
        fprintf (stderr, "duplicate location: status %d, output: %s\n", status, output);
    AS_CHECK (status == 1 && strstr (output, "already_exists: location WH already exists")
              && !strstr (output, "duplicate key"));
    free (output);
    t_refused (inventory, "location.add", AS_ALREADY_EXISTS,
               "{\"code\":\"ST-1B\",\"kind\":\"station\",\"name\":\"second store\",\"station_id\":1}");
    t_refused (inventory, "location.add", AS_ALREADY_EXISTS,
               "{\"code\":\"VAN-3B\",\"kind\":\"van\",\"name\":\"second van\",\"station_id\":1,\"engineer_id\":3}");
    as_rpc_reply_t reply;
    t_call (inventory, "location.add", &reply,
            "{\"code\":\"ST-1B\",\"kind\":\"station\",\"name\":\"second store\",\"station_id\":1}");
    AS_CHECK (!reply.ok && strstr (reply.error.message, "station 1 already has a store: location ST-1"));
    as_rpc_reply_release (&reply);
    //  The refusals left the transaction usable: the next add works.
    t_int (inventory, "location.add", "location.location_id",
           "{\"code\":\"VAN-5\",\"kind\":\"van\",\"name\":\"van 5\",\"station_id\":1,\"engineer_id\":5}");
}

//  part show: the stock table names the part on every row.
static void
s_part_show (as_harness_t *harness)
{
    int status = 0;
    char *output = as_harness_run (harness, "inventoryctl part show FM-35", &status);
    AS_CHECK (status == 0);
    char *table = strstr (output, "\npart_no ");
    AS_CHECK (table);
    int rows = 0;
    for (char *line = strchr (table + 1, '\n'); line && line [1]; line = strchr (line + 1, '\n')) {
        if (strncmp (line + 1, "FM-35 ", 6) != 0)
            fprintf (stderr, "part show: a stock row without its part: %.60s\n", line + 1);
        AS_CHECK (strncmp (line + 1, "FM-35 ", 6) == 0);
        rows++;
    }
    AS_CHECK (rows >= 3);
    free (output);
}

//  Chinese text up to each field's max_len (characters, 3 bytes each) is
//  stored whole: a part's name (200), supplier (100) and a compatible model
//  (64), a location's name (100), an inspection's note and a release's
//  reason (500); the CSV import counts characters too.
static void
s_chinese (as_harness_t *harness, as_rpc_client_t *inventory)
{
    char *name = as_harness_repeat ("\xe6\x89\x87", 200);              //  扇
    char *supplier = as_harness_repeat ("\xe7\xbe\x8e", 100);          //  美
    char *model = as_harness_repeat ("\xe5\x9e\x8b", 64);              //  型
    char *note = as_harness_repeat ("\xe8\xa3\x82", 500);              //  裂
    char *location = as_harness_repeat ("\xe4\xbb\x93", 100);          //  仓
    t_int (inventory, "part.add", NULL, "{\"part_no\":\"\xe7\x94\xb5\xe6\x9c\xba-35\",\"name\":\"%s\",\"unit_cost_fen\":100,"
           "\"kind\":\"regular\",\"supplier\":\"%s\",\"lead_time_days\":2,\"compatible_models\":[\"%s\"]}",
           name, supplier, model);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.parts WHERE part_no = '\xe7\x94\xb5\xe6\x9c\xba-35'"
              " AND length(name) = 200 AND length(supplier) = 100 AND length(compatible_models [1]) = 64") == 1);
    char text [700];
    t_str (inventory, "part.get", "part.name", text, sizeof text, "{\"part_no\":\"\xe7\x94\xb5\xe6\x9c\xba-35\"}");
    AS_CHECK (strcmp (text, name) == 0);
    int64_t store = t_int (inventory, "location.add", "location.location_id",
                           "{\"code\":\"\xe4\xbb\x93-7\",\"kind\":\"station\",\"name\":\"%s\",\"station_id\":7}", location);
    AS_CHECK (store > 0 && as_harness_scalar (harness, "SELECT count(*) FROM inventory.locations WHERE length(name) = 100") == 1);
    t_int (inventory, "stock.receive", NULL, "{\"part_no\":\"\xe7\x94\xb5\xe6\x9c\xba-35\",\"quantity\":2,\"location_id\":%lld,"
           "\"supplier\":\"%s\"}", (long long) store, supplier);
    t_int (inventory, "inspection.record", NULL, "{\"part_no\":\"\xe7\x94\xb5\xe6\x9c\xba-35\",\"quantity\":1,"
           "\"location_id\":%lld,\"result\":\"fail\",\"note\":\"%s\"}", (long long) store, note);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.vendor_returns WHERE length(note) = 500") == 1);
    t_int (inventory, "inspection.record", NULL, "{\"part_no\":\"\xe7\x94\xb5\xe6\x9c\xba-35\",\"quantity\":1,"
           "\"location_id\":%lld,\"result\":\"pass\"}", (long long) store);
    int64_t reservation = t_int (inventory, "reservation.create", "reservation.reservation_id",
        "{\"case_id\":60,\"part_no\":\"\xe7\x94\xb5\xe6\x9c\xba-35\",\"quantity\":1,\"location_id\":%lld}",
        (long long) store);
    t_int (inventory, "reservation.release", NULL, "{\"reservation_id\":%lld,\"reason\":\"%s\"}",
           (long long) reservation, note);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.movements WHERE reason = 'release'"
                                          " AND length(note) = 500") >= 1);
    //  The CSV: a name of 100 Chinese characters (300 bytes) is within 200.
    char path [256], csv [1024];
    snprintf (path, sizeof path, "/tmp/inventory-flow-cn-%d.csv", (int) getpid ());
    snprintf (csv, sizeof csv, "part_no,name,compatible_models,unit_cost_fen,kind,supplier,lead_time_days\n"
              "CN-1,%.300s,%s,500,regular,%.90s,1\n", name, model, supplier);
    FILE *file = fopen (path, "w");
    AS_CHECK (file);
    fputs (csv, file);
    fclose (file);
    char command [512];
    snprintf (command, sizeof command, "inventoryctl part import %s --json", path);
    int status = 0;
    char *output = as_harness_run (harness, command, &status);
    if (status != 0)
        fprintf (stderr, "Chinese CSV: status %d, output: %s\n", status, output);
    AS_CHECK (status == 0 && strstr (output, "\"created\":\t1"));
    free (output);
    unlink (path);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.parts WHERE part_no = 'CN-1'"
                                          " AND length(name) = 100 AND length(supplier) = 30") == 1);
    free (name);
    free (supplier);
    free (model);
    free (note);
    free (location);
}

//  The proof: the ledger sums to every balance, until someone edits one.
static void
s_ledger (as_harness_t *harness, as_rpc_client_t *inventory, const t_network_t *net)
{
    AS_CHECK (t_ledger_ok (inventory));
    int status = 0;
    char *output = as_harness_run (harness, "inventoryctl ledger verify", &status);
    AS_CHECK (status == 0 && strstr (output, "agree"));
    free (output);
    PGresult *result = PQexec (as_harness_db (harness), "UPDATE inventory.movements SET quantity = 99");
    AS_CHECK (PQresultStatus (result) == PGRES_FATAL_ERROR);    //  append-only
    PQclear (result);
    char sql [256];
    snprintf (sql, sizeof sql, "WITH x AS (UPDATE inventory.stock SET available = available + 2"
              " WHERE part_no = 'FM-35' AND location_id = %lld RETURNING 1) SELECT count(*) FROM x", (long long) net->van4);
    AS_CHECK (as_harness_scalar (harness, sql) == 1);
    AS_CHECK (!t_ledger_ok (inventory));
    output = as_harness_run (harness, "inventoryctl ledger verify", &status);
    AS_CHECK (status == 0 && strstr (output, "DIFFERENCES") && strstr (output, "FM-35"));
    free (output);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("inventory_flow");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "inventoryd", NULL);
    as_rpc_client_t *inventory = as_harness_client (harness, "inventory");
    t_network_t net;
    t_network (inventory, &net);
    t_refused (inventory, "location.add", AS_INVALID_ARGUMENT,
               "{\"code\":\"VAN-X\",\"kind\":\"van\",\"name\":\"van without engineer\",\"station_id\":1}");
    s_import (harness, inventory);
    s_quarantine (harness, inventory, &net);
    s_nearest (harness, inventory, &net);
    s_late (harness, inventory, &net);
    s_backorder_fulfilled (harness, inventory, &net);
    s_retry (harness);
    s_reply_times (harness, inventory);
    int status = 0;
    char *output = as_harness_run (harness, "inventoryctl stock show --part FM-35", &status);
    AS_CHECK (status == 0 && strstr (output, "VAN-3") && strstr (output, "ST-1"));
    free (output);
    s_locations (harness, inventory);
    s_part_show (harness);
    s_chinese (harness, inventory);
    s_ledger (harness, inventory, &net);
    as_rpc_client_destroy (&inventory);
    as_harness_destroy (&harness);
    printf ("inventory flow: OK\n");
    return 0;
}
