/*  PostgreSQL's errors as a caller sees them: a CHECK or NOT NULL
    violation names its constraint but never carries the failing row (a
    customer's phone and address would reach the caller and the logs); a
    duplicate key keeps its detail, which names the key.                  */
#include "as_harness.h"
#include "as_pg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const as_stmt_t s_insert = { "test_pg_errors_insert",
    "INSERT INTO pg_errors_customers (phone, address, name) VALUES ($1, $2, $3)" };

static void
s_insert_customer (as_pg_t *pg, const char *phone, const char *address, const char *name, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, phone);
    as_pgp_str (&params, address);
    as_pgp_str (&params, name);
    AS_CHECK (as_pg_do (pg, &s_insert, &params, err) == -1);
    printf ("  %s | %s\n", err->message, err->detail);
}

int
main (void)
{
    as_harness_t *harness = as_harness_new ("pg_errors");
    as_error_t err;
    as_pg_t *pg = as_pg_connect (getenv ("AFTERSALES_PG"), "aftersales_intake", "intake", 3, &err);
    AS_CHECK (pg);
    AS_CHECK (as_pg_exec_script (pg,
        "CREATE TABLE pg_errors_customers (phone text PRIMARY KEY,"
        " address text NOT NULL CHECK (length(address) > 5), name text NOT NULL)", &err) == 0);

    //  CHECK: the constraint named, no row.
    s_insert_customer (pg, "13800138000", "Rd 1", "Li Wei", &err);
    AS_CHECK (strstr (err.message, "pg_errors_customers_address_check"));
    AS_CHECK (!strstr (err.message, "13800138000") && !strstr (err.detail, "13800138000"));
    AS_CHECK (err.detail [0] == 0);

    //  NOT NULL: the column named, no row.
    s_insert_customer (pg, "13800138001", "88 Jianguo Rd", NULL, &err);
    AS_CHECK (strstr (err.message, "\"name\""));
    AS_CHECK (!strstr (err.detail, "13800138001") && !strstr (err.detail, "Jianguo"));

    //  A duplicate key: the detail names the key, as before.
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, "13800138002");
    as_pgp_str (&params, "88 Jianguo Rd");
    as_pgp_str (&params, "Li Wei");
    AS_CHECK (as_pg_do (pg, &s_insert, &params, &err) == 1);
    s_insert_customer (pg, "13800138002", "88 Jianguo Rd", "Li Wei", &err);
    AS_CHECK (err.code == AS_ALREADY_EXISTS && strstr (err.detail, "Key (phone)"));

    as_pg_destroy (&pg);
    as_harness_destroy (&harness);
    printf ("pg errors: OK\n");
    return 0;
}
