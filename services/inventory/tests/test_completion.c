/*  visit.completed whose parts_used names a part on more than one line
    (standind plays dispatch): the lines are one use of their sum, issued
    once from the case's reservations and then from the van, never more
    than the engineer reported; a shortfall is the sum's, as one line of
    it would be. A completion that meets reserved stock gone missing
    lands in dead letters with the reason, not with an empty error.      */
#include "inventory_testlib.h"

static int64_t
s_scalar (as_harness_t *harness, const char *format, ...)
{
    char sql [512];
    va_list args;
    va_start (args, format);
    vsnprintf (sql, sizeof sql, format, args);
    va_end (args);
    return as_harness_scalar (harness, sql);
}

//  The case's completion has been applied (no reservation of it is left
//  open, nothing refused): its one reservation issued `reserved` units,
//  `total` were issued in all.
static void
s_check_issued (as_harness_t *harness, int64_t case_id, int64_t reserved, int64_t total)
{
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM inventory.reservations WHERE case_id = %lld"
              " AND status IN ('reserved', 'backordered')", (long long) case_id);
    AS_CHECK (as_harness_await (harness, sql, 0, 10000) == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.dead_letters") == 0);
    AS_CHECK (s_scalar (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = %lld"
                                 " AND status = 'issued' AND issued_quantity = %lld",
                        (long long) case_id, (long long) reserved) == 1);
    AS_CHECK (s_scalar (harness, "SELECT coalesce(-sum(quantity), 0) FROM inventory.movements WHERE reason = 'issue'"
                                 " AND case_id = %lld AND reservation_id IS NOT NULL", (long long) case_id) == reserved);
    AS_CHECK (s_scalar (harness, "SELECT coalesce(-sum(quantity), 0) FROM inventory.movements WHERE reason = 'issue'"
                                 " AND case_id = %lld", (long long) case_id) == total);
}

//  Reserved 2 in the van; used 2 + 1 of it. The reservation gives its 2
//  once, the van's own stock the third.
static void
s_repeated_part (as_harness_t *harness, as_rpc_client_t *dispatch, const t_network_t *net, const char *at)
{
    t_diagnosed (dispatch, 1, 21, 3, "[{\"part_no\":\"FM-35\",\"quantity\":2}]", at);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = 21"
                                         " AND status = 'reserved'", 1, 10000) == 1);
    AS_CHECK (t_bucket (harness, "FM-35", net->van3, "reserved") == 2);
    AS_CHECK (t_bucket (harness, "FM-35", net->van3, "available") == 3);

    t_completed (dispatch, 1, 21, 3, "[{\"part_no\":\"FM-35\",\"quantity\":2},{\"part_no\":\"FM-35\",\"quantity\":1}]");
    s_check_issued (harness, 21, 2, 3);
    AS_CHECK (t_bucket (harness, "FM-35", net->van3, "reserved") == 0);
    AS_CHECK (t_bucket (harness, "FM-35", net->van3, "available") == 2);
    //  One part.issued for the reservation's 2, one for the van's 1.
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'part.issued'"
                                         " AND subject = 'case/21'", 2, 5000) == 2);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.event_log WHERE type = 'part.released'"
                                          " AND subject = 'case/21'") == 0);
}

//  Reserved 1 at the warehouse; used 1 + 2, the van holding 1 of its own.
//  The sum's shortfall of 2 is more than the van holds: the van's unit is
//  not booked as used, the use beyond the reservation is logged as
//  without stock, and only the reservation's unit is issued.
static void
s_shortfall (as_harness_t *harness, as_rpc_client_t *inventory, as_rpc_client_t *dispatch, const t_network_t *net,
             const char *at)
{
    t_stock (inventory, "CAP-2", net->central, 1);
    t_diagnosed (dispatch, 2, 22, 4, "[{\"part_no\":\"CAP-2\",\"quantity\":1}]", at);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = 22"
                                         " AND status = 'reserved'", 1, 10000) == 1);
    AS_CHECK (t_bucket (harness, "CAP-2", net->central, "reserved") == 1);
    t_stock (inventory, "CAP-2", net->van4, 1);

    t_completed (dispatch, 2, 22, 4, "[{\"part_no\":\"CAP-2\",\"quantity\":1},{\"part_no\":\"CAP-2\",\"quantity\":2}]");
    s_check_issued (harness, 22, 1, 1);
    AS_CHECK (t_bucket (harness, "CAP-2", net->central, "reserved") == 0);
    AS_CHECK (t_bucket (harness, "CAP-2", net->van4, "available") == 1);
    AS_CHECK (t_int (inventory, "metrics", "counters.issues_without_stock", "{}") == 1);
}

//  The reservation's stock changed behind the daemon's back: the
//  completion cannot issue it and is refused with the reason.
static void
s_missing_stock (as_harness_t *harness, as_rpc_client_t *dispatch, const t_network_t *net, const char *at)
{
    t_diagnosed (dispatch, 3, 23, 3, "[{\"part_no\":\"FM-35\",\"quantity\":1}]", at);
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = 23"
                                         " AND status = 'reserved'", 1, 10000) == 1);
    int64_t reservation = as_harness_scalar (harness, "SELECT id FROM inventory.reservations WHERE case_id = 23");
    AS_CHECK (s_scalar (harness, "WITH x AS (UPDATE inventory.stock SET reserved = reserved - 1"
                                 " WHERE part_no = 'FM-35' AND location_id = %lld RETURNING 1) SELECT count(*) FROM x",
                        (long long) net->van3) == 1);
    t_completed (dispatch, 3, 23, 3, "[{\"part_no\":\"FM-35\",\"quantity\":1}]");
    AS_CHECK (as_harness_await (harness, "SELECT count(*) FROM inventory.dead_letters", 1, 10000) == 1);
    AS_CHECK (s_scalar (harness, "SELECT count(*) FROM inventory.dead_letters WHERE type = 'visit.completed'"
                                 " AND error_code = 'internal' AND error = 'reserved stock of reservation %lld is missing'",
                        (long long) reservation) == 1);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.reservations WHERE case_id = 23"
                                          " AND status = 'reserved'") == 1);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("inventory_completion");
    as_rpc_client_t *inventory, *dispatch;
    t_network_t net;
    t_start_with_dispatch (harness, NULL, &inventory, &dispatch, &net);
    t_part (inventory, "FM-35", "regular", 3);
    t_part (inventory, "CAP-2", "regular", 5);
    t_stock (inventory, "FM-35", net.van3, 5);
    char now [40];
    t_time (now, sizeof now, 0);

    s_repeated_part (harness, dispatch, &net, now);
    s_shortfall (harness, inventory, dispatch, &net, now);
    AS_CHECK (t_ledger_ok (inventory));
    s_missing_stock (harness, dispatch, &net, now);

    as_rpc_client_destroy (&dispatch);
    as_rpc_client_destroy (&inventory);
    as_harness_destroy (&harness);
    printf ("inventory completion: OK\n");
    return 0;
}
