/*  inventoryd consuming dispatch (standind plays it) and the supplier
    ingress: a diagnosis reserves nearest-first and creates the shipment
    with its ship-by from the diagnosis time; the timer reports it late
    once; a restart applies nothing twice; an unknown part goes to dead
    letters and the stream goes on; completion issues what was used and
    releases the rest; a supplier delivery goes to quarantine, once.     */
#include "inventory_testlib.h"
#include <signal.h>
#include <stdlib.h>

static const char *s_delivery =
    "busctl publish --type supplier.shipment_received --publisher erp --id 7d1e2f3a-1111-4222-8333-944455556666"
    " --data '{\"supplier\":\"Midea Parts\",\"delivery_ref\":\"DN-2026-118\","
    "\"lines\":[{\"part_no\":\"FM-35\",\"quantity\":3},{\"part_no\":\"CAP-2\",\"quantity\":4}]}'";

static void
s_supplier (as_harness_t *harness, const t_network_t *net)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int status = 0;
        char *output = as_harness_run (harness, s_delivery, &status);
        AS_CHECK (status == 0 && strstr (output, "\"accepted\""));
        AS_CHECK (attempt == 0 || strstr (output, "\"duplicate\":\ttrue"));
        free (output);
    }
    AS_CHECK (t_bucket (harness, "FM-35", net->central, "quarantine") == 3);
    AS_CHECK (t_bucket (harness, "CAP-2", net->central, "quarantine") == 4);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.receipts WHERE delivery_ref = 'DN-2026-118'") == 2);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("inventory_consume");
    const char *settings [] = { "INVENTORY_SWEEP_MS=300", NULL };
    as_rpc_client_t *inventory, *dispatch;
    t_network_t net;
    pid_t inventoryd = t_start_with_dispatch (harness, settings, &inventory, &dispatch, &net);
    t_part (inventory, "FM-35", "regular", 3);
    t_part (inventory, "CAP-2", "regular", 5);
    t_stock (inventory, "FM-35", net.van3, 1);
    t_stock (inventory, "CAP-2", net.central, 5);

    //  Diagnosed two days ago: the central part's 24 h are long gone.
    char two_days_ago [40];
    t_time (two_days_ago, sizeof two_days_ago, -48);
    t_diagnosed (dispatch, 1, 7, 3, "[{\"part_no\":\"FM-35\",\"quantity\":1},{\"part_no\":\"CAP-2\",\"quantity\":2}]",
                 two_days_ago);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = 7"
                                         " AND status = 'reserved'", 2, 10000) == 2);
    AS_CHECK (t_bucket (harness, "FM-35", net.van3, "reserved") == 1);
    AS_CHECK (t_bucket (harness, "CAP-2", net.central, "reserved") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.shipments WHERE case_id = 7") == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'shipment.late'", 1, 10000) == 1);
    zclock_sleep (1000);                    //  three more sweeps: still once
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'shipment.late'") == 1);

    //  A restart re-reads dispatch's log from the cursor: nothing twice.
    as_harness_stop (harness, inventoryd, SIGTERM);
    inventoryd = as_harness_start (harness, "inventoryd", settings);
    zclock_sleep (1000);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.reservations") == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT last_sequence FROM inventory.cursors WHERE producer = 'dispatch'") == 1);

    //  An unknown part: dead letter, and the next event still applies.
    t_diagnosed (dispatch, 2, 8, 3, "[{\"part_no\":\"NOPE-1\",\"quantity\":1}]", two_days_ago);
    t_completed (dispatch, 1, 7, 3, "[{\"part_no\":\"FM-35\",\"quantity\":1},{\"part_no\":\"CAP-2\",\"quantity\":1}]");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.dead_letters WHERE producer = 'dispatch'", 1, 10000) == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = 7"
                                         " AND status = 'issued'", 2, 10000) == 2);
    AS_CHECK (t_bucket (harness, "FM-35", net.van3, "reserved") == 0);
    AS_CHECK (t_bucket (harness, "FM-35", net.van3, "available") == 0);
    AS_CHECK (t_bucket (harness, "CAP-2", net.central, "reserved") == 0);
    AS_CHECK (t_bucket (harness, "CAP-2", net.central, "available") == 4);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.shipments WHERE status = 'cancelled'") == 1);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'part.issued'", 2, 5000) == 2);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'part.released'", 1, 5000) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT -sum(quantity) FROM inventory.movements WHERE reason = 'issue'"
                                          " AND case_id = 7") == 2);

    s_supplier (harness, &net);
    AS_CHECK (t_ledger_ok (inventory));
    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&inventory);
    as_harness_destroy (&harness);
    printf ("inventory consume: OK\n");
    return 0;
}
