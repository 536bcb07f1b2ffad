/*  The last unit: two daemons on one database each take a reservation for
    the same single unit at the same instant (threads released together by
    a barrier). Exactly one wins, the other is back-ordered, stock never
    goes below zero; twenty rounds, each a fresh part.                     */
#include "inventory_testlib.h"
#include <pthread.h>

#define S_ROUNDS 20

typedef struct {
    const char *endpoint;
    pthread_barrier_t *barrier;
    int round, side;
    char status [320];
} s_racer_t;

static void *
s_race (void *arg)
{
    s_racer_t *racer = arg;
    as_rpc_client_t *client = as_rpc_client_new (racer->endpoint);
    //  Connect before the start so the race is between transactions.
    as_rpc_reply_t reply;
    as_harness_call (client, "health", NULL, NULL, &reply);
    as_rpc_reply_release (&reply);
    pthread_barrier_wait (racer->barrier);
    char params [256];
    snprintf (params, sizeof params, "{\"case_id\":%d,\"part_no\":\"LAST-%d\",\"quantity\":1,"
              "\"engineer_id\":%d,\"station_id\":1}", 1000 + racer->round * 2 + racer->side, racer->round,
              3 + racer->side);
    as_harness_call (client, "reservation.create", params, NULL, &reply);
    if (reply.ok) {
        const msgpack_object *status = t_path (reply.result, "reservation.status");
        snprintf (racer->status, sizeof racer->status, "%.*s", (int) status->via.str.size, status->via.str.ptr);
    }
    else
        snprintf (racer->status, sizeof racer->status, "error %d: %s", (int) reply.error.code, reply.error.message);
    as_rpc_reply_release (&reply);
    as_rpc_client_destroy (&client);
    return NULL;
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("inventory_race");
    as_harness_start (harness, "busd", NULL);
    as_harness_start (harness, "inventoryd", NULL);
    char second [128];
    t_second_daemon (harness, second, sizeof second);
    as_rpc_client_t *inventory = as_harness_client (harness, "inventory");
    t_network_t net;
    t_network (inventory, &net);
    int wins = 0, backorders = 0;
    for (int round = 0; round < S_ROUNDS; round++) {
        char part_no [32];
        snprintf (part_no, sizeof part_no, "LAST-%d", round);
        t_part (inventory, part_no, "regular", 2);
        t_stock (inventory, part_no, net.central, 1);
        pthread_barrier_t barrier;
        pthread_barrier_init (&barrier, NULL, 2);
        s_racer_t racers [2] = {
            { as_endpoint ("inventory"), &barrier, round, 0, "" },
            { second, &barrier, round, 1, "" } };
        pthread_t threads [2];
        for (int side = 0; side < 2; side++)
            AS_CHECK (pthread_create (&threads [side], NULL, s_race, &racers [side]) == 0);
        for (int side = 0; side < 2; side++)
            pthread_join (threads [side], NULL);
        pthread_barrier_destroy (&barrier);
        int won = 0, waiting = 0;
        for (int side = 0; side < 2; side++) {
            won += strcmp (racers [side].status, "reserved") == 0;
            waiting += strcmp (racers [side].status, "backordered") == 0;
        }
        if (won != 1 || waiting != 1)
            fprintf (stderr, "round %d: %s / %s\n", round, racers [0].status, racers [1].status);
        AS_CHECK (won == 1 && waiting == 1);
        AS_CHECK (t_bucket (harness, part_no, net.central, "available") == 0);
        AS_CHECK (t_bucket (harness, part_no, net.central, "reserved") == 1);
        wins += won;
        backorders += waiting;
    }
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.stock WHERE available < 0 OR reserved < 0") == 0);
    AS_CHECK (as_harness_scalar (harness, "SELECT count(*) FROM inventory.purchase_requests WHERE reason = 'backorder'")
              == S_ROUNDS);
    AS_CHECK (t_ledger_ok (inventory));
    printf ("race: %d rounds, %d won, %d back-ordered\n", S_ROUNDS, wins, backorders);
    as_rpc_client_destroy (&inventory);
    as_harness_destroy (&harness);
    printf ("inventory race: OK\n");
    return 0;
}
