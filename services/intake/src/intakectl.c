/*  intakectl: the call-centre agent's command line for repair cases.
    The parsing, calling and exit codes are as_cli's; this file is the
    command table and how each answer reads as a table.                    */
#include "as_cli.h"
#include "as_msg.h"
#include <stdio.h>
#include <string.h>

//  Room for a text of the catalogue's max_len characters (up to 4 bytes of
//  UTF-8 each): a shorter buffer would cut a character in two.
#define S_TEXT_SIZE(chars) (4 * (chars) + 1)

static const as_cli_option_t s_report_options [] = {
    { "--name", "customer.name", AS_CLI_STR, true }, { "--phone", "customer.phone", AS_CLI_STR, true },
    { "--address", "customer.address", AS_CLI_STR, true }, { "--email", "customer.email", AS_CLI_STR, false },
    { "--lat", "customer.location.lat", AS_CLI_NUMBER, false }, { "--lon", "customer.location.lon", AS_CLI_NUMBER, false },
    { "--category", "product.category", AS_CLI_STR, true }, { "--model", "product.model", AS_CLI_STR, true },
    { "--serial", "product.serial", AS_CLI_STR, true }, { "--purchased", "product.purchase_date", AS_CLI_STR, false },
    { "--proof", "product.proof.kind", AS_CLI_STR, false }, { "--proof-ref", "product.proof.reference", AS_CLI_STR, false },
    { "--retailer", "product.retailer", AS_CLI_STR, false }, { "--symptom", "symptom", AS_CLI_STR, true },
    { "--channel", "channel", AS_CLI_STR, true }, { "--priority", "priority", AS_CLI_STR, false },
    { "--fault-code", "fault_code", AS_CLI_STR, false }, { "--external-ref", "external_ref", AS_CLI_STR, false },
    { NULL, NULL, AS_CLI_STR, false }
};
static const as_cli_option_t s_list_options [] = {
    { "--status", "status", AS_CLI_STR, false }, { "--channel", "channel", AS_CLI_STR, false },
    { "--category", "category", AS_CLI_STR, false }, { "--serial", "serial", AS_CLI_STR, false },
    { "--limit", "limit", AS_CLI_NUMBER, false }, { "--after", "after_id", AS_CLI_NUMBER, false },
    { NULL, NULL, AS_CLI_STR, false }
};
static const as_cli_option_t s_triage_options [] = {
    { "--outcome", "outcome", AS_CLI_STR, true }, { "--note", "note", AS_CLI_STR, false },
    { "--priority", "priority", AS_CLI_STR, false }, { "--actor", "actor", AS_CLI_STR, false },
    { NULL, NULL, AS_CLI_STR, false }
};
static const as_cli_option_t s_cancel_options [] = {
    { "--reason", "reason", AS_CLI_STR, true }, { "--actor", "actor", AS_CLI_STR, false },
    { NULL, NULL, AS_CLI_STR, false }
};
static const as_cli_option_t s_escalate_options [] = {
    { "--reason", "reason", AS_CLI_STR, true }, { "--to", "to", AS_CLI_STR, false },
    { "--actor", "actor", AS_CLI_STR, false }, { NULL, NULL, AS_CLI_STR, false }
};
static const as_cli_option_t s_no_options [] = { { NULL, NULL, AS_CLI_STR, false } };

static void
s_print_case (const msgpack_object *item)
{
    static const char *fields [] = { "case_id", "status", "channel", "priority", "symptom", "fault_code",
        "reported_at", "updated_at", "first_contact_due", "linked_reports", "cancel_reason",
        "escalation_reason", "escalated_to", "closed_at", "close_outcome", "close_reason", "closed_by_visit", NULL };
    char value [S_TEXT_SIZE (2000)], masked [40];
    for (const char **field = fields; *field; field++)
        if (as_obj_get (item, *field))
            printf ("%-18s %s\n", *field, as_cli_text (item, *field, value, sizeof value));
    const msgpack_object *customer = as_obj_get (item, "customer");
    as_cli_mask_phone (as_cli_text (customer, "phone", value, sizeof value), masked, sizeof masked);
    printf ("%-18s %s, %s\n", "customer", as_cli_text (customer, "customer_id", value, sizeof value), masked);
    const msgpack_object *product = as_obj_get (item, "product");
    char category [64], model [S_TEXT_SIZE (64)], serial [S_TEXT_SIZE (64)], purchased [16];
    printf ("%-18s %s %s serial %s, purchased %s\n", "product",
            as_cli_text (product, "category", category, sizeof category), as_cli_text (product, "model", model, sizeof model),
            as_cli_text (product, "serial", serial, sizeof serial),
            as_cli_text (product, "purchase_date", purchased, sizeof purchased));
}

static void
s_print_list (const msgpack_object *result)
{
    const msgpack_object *cases = as_obj_get (result, "cases");
    printf ("%-8s %-18s %-8s %-8s %-16s %-12s %-14s %-12s %s\n", "CASE", "STATUS", "CHANNEL", "PRIORITY",
            "CATEGORY", "MODEL", "SERIAL", "PHONE", "REPORTED");
    for (uint32_t index = 0; cases && index < cases->via.array.size; index++) {
        const msgpack_object *item = &cases->via.array.ptr [index];
        const msgpack_object *customer = as_obj_get (item, "customer");
        const msgpack_object *product = as_obj_get (item, "product");
        char id [24], status [32], channel [16], priority [16], category [40], model [S_TEXT_SIZE (64)],
             serial [S_TEXT_SIZE (64)], phone [S_TEXT_SIZE (32)], masked [40], reported [40];
        as_cli_mask_phone (as_cli_text (customer, "phone", phone, sizeof phone), masked, sizeof masked);
        printf ("%-8s %-18s %-8s %-8s %-16s %-12s %-14s %-12s %s\n", as_cli_text (item, "case_id", id, sizeof id),
                as_cli_text (item, "status", status, sizeof status), as_cli_text (item, "channel", channel, sizeof channel),
                as_cli_text (item, "priority", priority, sizeof priority),
                as_cli_text (product, "category", category, sizeof category), as_cli_text (product, "model", model, sizeof model),
                as_cli_text (product, "serial", serial, sizeof serial), masked,
                as_cli_text (item, "reported_at", reported, sizeof reported));
    }
    char next [24];
    if (as_obj_get (result, "next_after_id") && as_obj_get (result, "next_after_id")->type != MSGPACK_OBJECT_NIL)
        printf ("more: intakectl list --after %s\n", as_cli_text (result, "next_after_id", next, sizeof next));
}

static void
s_print_history (const msgpack_object *result)
{
    const msgpack_object *entries = as_obj_get (result, "entries");
    printf ("%-25s %-18s %-18s %-20s %s\n", "AT", "FROM", "TO", "ACTOR", "NOTE");
    for (uint32_t index = 0; entries && index < entries->via.array.size; index++) {
        const msgpack_object *entry = &entries->via.array.ptr [index];
        char at [40], from [32], to [32], actor [S_TEXT_SIZE (160)], note [S_TEXT_SIZE (2000)];
        printf ("%-25s %-18s %-18s %-20s %s\n", as_cli_text (entry, "at", at, sizeof at),
                as_cli_text (entry, "from_status", from, sizeof from), as_cli_text (entry, "to_status", to, sizeof to),
                as_cli_text (entry, "actor", actor, sizeof actor), as_cli_text (entry, "note", note, sizeof note));
    }
}

static void
s_print_report (const msgpack_object *result)
{
    char id [24], status [32], customer [24], product [24];
    bool linked = false;
    as_obj_bool (result, "linked", &linked);
    if (linked)
        printf ("case %s: report linked to this open case (status %s)\n",
                as_cli_text (result, "case_id", id, sizeof id), as_cli_text (result, "status", status, sizeof status));
    else
        printf ("case %s: %s (customer %s, product %s)\n", as_cli_text (result, "case_id", id, sizeof id),
                as_cli_text (result, "status", status, sizeof status),
                as_cli_text (result, "customer_id", customer, sizeof customer),
                as_cli_text (result, "product_id", product, sizeof product));
}

static void
s_print_one_case (const msgpack_object *result)
{
    s_print_case (as_obj_get (result, "case"));
}

static const as_cli_command_t s_commands [] = {
    { "report", "case.report",
      "--name N --phone P --address A --category C --model M --serial S\n"
      "         --symptom TEXT --channel phone|web|app|station|device\n"
      "         [--purchased YYYY-MM-DD] [--proof invoice|receipt|none] [--proof-ref R]\n"
      "         [--retailer R] [--email NAME@DOMAIN.TLD] [--lat X --lon Y] [--priority low|normal|high|urgent]\n"
      "         [--fault-code F] [--external-ref R]",
      "record a fault report; a product with an open case gets it linked instead",
      NULL, s_report_options, s_print_report },
    { "show", "case.get", "CASE_ID", "one case with its customer and product", "case_id", s_no_options,
      s_print_one_case },
    { "list", "case.list", "[--status S] [--channel C] [--category C] [--serial S] [--limit N] [--after ID]",
      "cases, oldest first, a page at a time", NULL, s_list_options, s_print_list },
    { "triage", "case.triage", "CASE_ID --outcome fault_confirmed|solved_remotely [--note T] [--priority P] [--actor A]",
      "confirm the fault (the case waits for a visit) or close it as solved remotely",
      "case_id", s_triage_options, s_print_one_case },
    { "cancel", "case.cancel", "CASE_ID --reason TEXT [--actor A]", "cancel an open case", "case_id", s_cancel_options,
      s_print_one_case },
    { "close", "case.close", "CASE_ID --reason TEXT [--actor A]",
      "close a case that ended outside the suite (cases whose visits end close by themselves)",
      "case_id", s_cancel_options, s_print_one_case },
    { "case close", "case.close", "CASE_ID --reason TEXT [--actor A]", "the same as close",
      "case_id", s_cancel_options, s_print_one_case },
    { "escalate", "case.escalate", "CASE_ID --reason TEXT [--to head_office|other_department] [--actor A]",
      "hand a case up", "case_id", s_escalate_options, s_print_one_case },
    { "history", "case.history", "CASE_ID", "every status change with actor and time", "case_id", s_no_options,
      s_print_history },
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static const as_cli_t s_cli = { "intakectl", "intake", "repair cases: report, follow and move them", s_commands };

int
main (int argc, char *argv [])
{
    return as_cli_main (&s_cli, argc, argv);
}
