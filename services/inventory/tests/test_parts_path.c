/*  A case's parts path with real daemons: busd, intaked (the case and its
    cancellation), inventoryd, standind playing dispatch. One case is
    diagnosed, its part reserved and shipped to the van, the visit
    completes and the part is issued against the case; another case is
    diagnosed and then cancelled at intake, which frees its parts.       */
#include "inventory_testlib.h"
#include <stdlib.h>

int
main (void)
{
    as_harness_t *harness = as_harness_new ("inventory_parts_path");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "intaked", NULL);
    const char *standin [] = { "STANDIN_SERVICE=dispatch", NULL };
    as_harness_start (harness, "standind", standin);
    as_harness_start (harness, "inventoryd", NULL);
    as_rpc_client_t *intake = as_harness_client (harness, "intake");
    as_rpc_client_t *inventory = as_harness_client (harness, "inventory");
    as_rpc_client_t *dispatch = as_harness_client (harness, "dispatch");
    t_network_t net;
    t_network (inventory, &net);
    t_part (inventory, "FM-35", "regular", 3);
    t_stock (inventory, "FM-35", net.central, 2);
    char now [40];
    t_time (now, sizeof now, 0);

    //  Repaired: reserved centrally, shipped to the van, issued on completion.
    int64_t repaired = as_harness_report (intake, "SN-PATH-1", NULL);
    t_diagnosed (dispatch, 1, repaired, 3, "[{\"part_no\":\"FM-35\",\"quantity\":1}]", now);
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.shipments WHERE case_id = %lld AND status = 'pending'",
              (long long) repaired);
    AS_CHECK (as_harness_await (harness, sql, 1, 10000) == 1);
    snprintf (sql, sizeof sql, "SELECT id FROM inventory.shipments WHERE case_id = %lld", (long long) repaired);
    int status = 0;
    char command [128];
    snprintf (command, sizeof command, "inventoryctl ship %lld", (long long) as_harness_scalar (harness, sql));
    free (as_harness_run (harness, command, &status));
    AS_CHECK (status == 0);
    AS_CHECK (t_bucket (harness, "FM-35", net.van3, "reserved") == 1);
    t_completed (dispatch, 1, repaired, 3, "[{\"part_no\":\"FM-35\",\"quantity\":1}]");
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.movements WHERE reason = 'issue' AND case_id = %lld"
              " AND location_id = %lld", (long long) repaired, (long long) net.van3);
    AS_CHECK (as_harness_await (harness, sql, 1, 10000) == 1);
    AS_CHECK (t_bucket (harness, "FM-35", net.van3, "reserved") == 0);

    //  Cancelled at intake: the reserved part is available again.
    int64_t cancelled = as_harness_report (intake, "SN-PATH-2", NULL);
    t_diagnosed (dispatch, 2, cancelled, 4, "[{\"part_no\":\"FM-35\",\"quantity\":1}]", now);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.reservations WHERE case_id = %lld AND status = 'reserved'",
              (long long) cancelled);
    AS_CHECK (as_harness_await (harness, sql, 1, 10000) == 1);
    AS_CHECK (t_bucket (harness, "FM-35", net.central, "available") == 0);
    snprintf (command, sizeof command, "intakectl cancel %lld --reason \"customer bought a new one\"", (long long) cancelled);
    free (as_harness_run (harness, command, &status));
    AS_CHECK (status == 0);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.reservations WHERE case_id = %lld AND status = 'released'",
              (long long) cancelled);
    AS_CHECK (as_harness_await (harness, sql, 1, 10000) == 1);
    AS_CHECK (t_bucket (harness, "FM-35", net.central, "available") == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.shipments WHERE status = 'cancelled'") == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'part.released'", 1, 5000) == 1);
    AS_CHECK (t_ledger_ok (inventory));

    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&inventory);
    as_rpc_client_destroy (&intake);
    as_harness_destroy (&harness);
    printf ("inventory parts path: OK\n");
    return 0;
}
