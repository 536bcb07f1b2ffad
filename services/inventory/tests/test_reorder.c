/*  Reorder from demand end to end: an issue history of the last 8 days
    (0 4 0 0 2 0 3 0, oldest first, the series worked by hand in
    inventory_selftest.c: SBA 1.0 a day, reorder point 9 over a 4-day lead
    time at 95 %) is written to the ledger; the daemon must find the same
    point through its SQL day buckets, emit stock.low and a purchase
    request once per crossing, and report overstock.                       */
#include "inventory_testlib.h"
#include <stdlib.h>

//  A past issue, balanced by a count of the same day so that the balances
//  (which these inserts bypass) still equal the ledger.
static void
s_history (as_harness_t *harness, int64_t location_id, int days_ago, int quantity)
{
    char sql [768];
    snprintf (sql, sizeof sql,
              "WITH x AS (INSERT INTO inventory.movements (at, reason, part_no, location_id, bucket, quantity, actor)"
              " VALUES (now() - make_interval(days => %d), 'count_adjustment', 'RP-1', %lld, 'available', %d, 'test'),"
              " (now() - make_interval(days => %d), 'issue', 'RP-1', %lld, 'available', %d, 'test') RETURNING 1)"
              " SELECT count(*) FROM x", days_ago, (long long) location_id, quantity, days_ago, (long long) location_id,
              -quantity);
    AS_CHECK (as_harness_scalar (harness, sql) == 2);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("inventory_reorder");
    as_harness_start (harness, "busd", NULL);
    const char *env [] = { "INVENTORY_SMOOTHING_PERCENT=50", "INVENTORY_HISTORY_DAYS=8",
                           "INVENTORY_SERVICE_LEVEL_PERMILLE=950", "INVENTORY_ORDER_COVER_DAYS=10",
                           "INVENTORY_SWEEP_MS=86400000", NULL };
    as_harness_start (harness, "inventoryd", env);
    as_rpc_client_t *inventory = as_harness_client (harness, "inventory");
    t_network_t net;
    t_network (inventory, &net);
    t_part (inventory, "RP-1", "regular", 4);
    t_part (inventory, "OV-1", "regular", 4);
    t_stock (inventory, "RP-1", net.central, 5);
    t_stock (inventory, "OV-1", net.central, 100);
    s_history (harness, net.central, 6, 4);
    s_history (harness, net.central, 3, 2);
    s_history (harness, net.central, 1, 3);
    AS_CHECK (t_ledger_ok (inventory));

    int status = 0;
    char *output = as_harness_run (harness, "inventoryctl reorder report --part RP-1 --json", &status);
    AS_CHECK (status == 0 && strstr (output, "\"reorder_point\":\t9,") && strstr (output, "\"daily_demand\":\t1.0,")
              && strstr (output, "\"safety_stock\":\t4.448")
              && strstr (output, "\"below\":\ttrue") && strstr (output, "\"overstock\":\tfalse"));
    free (output);
    output = as_harness_run (harness, "inventoryctl reorder report --part OV-1 --json", &status);
    AS_CHECK (status == 0 && strstr (output, "\"overstock\":\ttrue") && strstr (output, "\"reorder_point\":\t0,"));
    free (output);

    //  Below the point: one stock.low and one purchase up to 9 + 10 days of 1.0, less the 5 held.
    AS_CHECK (t_int (inventory, "reorder.run", "low", "{}") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT quantity FROM inventory.purchase_requests"
                                          " WHERE reason = 'reorder' AND part_no = 'RP-1'") == 14);
    //  Not again on the next sweep: the crossing was reported.
    AS_CHECK (t_int (inventory, "reorder.run", "low", "{}") == 0);
    AS_CHECK (t_int (inventory, "reorder.run", "requested", "{}") == 0);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'stock.low'", 1, 5000) == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'purchase.requested'", 1, 5000) == 1);

    //  The goods arrive (settling the request) and then stock is used up: a new crossing.
    t_int (inventory, "stock.receive", NULL, "{\"part_no\":\"RP-1\",\"quantity\":14}");
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.purchase_requests WHERE status = 'open'") == 0);
    AS_CHECK (t_int (inventory, "reorder.run", "low", "{}") == 0);
    t_int (inventory, "stock.adjust", NULL, "{\"part_no\":\"RP-1\",\"location_id\":%lld,\"quantity\":-14,"
           "\"bucket\":\"quarantine\",\"reason\":\"lost in transit\"}", (long long) net.central);
    t_int (inventory, "stock.adjust", NULL, "{\"part_no\":\"RP-1\",\"location_id\":%lld,\"quantity\":-5,"
           "\"reason\":\"count\"}", (long long) net.central);
    AS_CHECK (t_int (inventory, "reorder.run", "low", "{}") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT quantity FROM inventory.purchase_requests"
                                          " WHERE reason = 'reorder' AND status = 'open'") == 19);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'stock.low'", 2, 5000) == 2);
    AS_CHECK (t_ledger_ok (inventory));
    as_rpc_client_destroy (&inventory);
    as_harness_destroy (&harness);
    printf ("inventory reorder: OK\n");
    return 0;
}
