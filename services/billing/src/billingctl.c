/*  billingctl: warranty and billing from the command line. as_cli does the
    parsing, calling and exit codes; this file is the command table, the
    printers, and the one thing the table cannot say: a file named *.csv is
    loaded as CSV (--file sends the file's content, never a path for the
    daemon to read).                                                      */
#include "as_cli.h"
#include "as_msg.h"
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_END { NULL, NULL, AS_CLI_STR, false }

static const as_cli_option_t s_check_options [] = {
    { "--category", "category", AS_CLI_STR, true }, { "--model", "model", AS_CLI_STR, false },
    { "--purchased", "purchase_date", AS_CLI_STR, false }, { "--proof", "proof_kind", AS_CLI_STR, false },
    { "--cause", "cause", AS_CLI_STR, false }, { "--component", "component", AS_CLI_STR, false },
    { "--on", "on", AS_CLI_STR, false }, { "--serial", "serial", AS_CLI_STR, false },
    { "--last-repair", "last_repair_on", AS_CLI_STR, false }, S_END
};
static const as_cli_option_t s_registration_options [] = {
    { "--serial", "serial", AS_CLI_STR, true }, { "--model", "model", AS_CLI_STR, true },
    { "--category", "category", AS_CLI_STR, true }, { "--purchased", "purchase_date", AS_CLI_STR, false },
    { "--proof", "proof_kind", AS_CLI_STR, false }, { "--proof-ref", "proof_reference", AS_CLI_STR, false },
    { "--retailer", "retailer", AS_CLI_STR, false }, { "--owner-ref", "owner.ref", AS_CLI_STR, false },
    { "--owner-name", "owner.name", AS_CLI_STR, false }, S_END
};
static const as_cli_option_t s_serial_options [] = { { "--serial", "serial", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_load_options [] = {
    { "--file", "content", AS_CLI_FILE, true }, { "--file", "path", AS_CLI_STR, false },
    { "--content", "content", AS_CLI_STR, false }, { "--path", "path", AS_CLI_STR, false },
    { "--format", "format", AS_CLI_STR, false }, S_END
};
static const as_cli_option_t s_version_options [] = {
    { "--version", "version", AS_CLI_STR, false }, { "--on", "on", AS_CLI_STR, false }, S_END
};
static const as_cli_option_t s_quote_show_options [] = { { "--case", "case_id", AS_CLI_NUMBER, true }, S_END };
static const as_cli_option_t s_by_options [] = { { "--by", "by", AS_CLI_STR, false }, S_END };
static const as_cli_option_t s_no_options [] = { S_END };
static const as_cli_option_t s_invoice_find_options [] = { { "--number", "number", AS_CLI_STR, true }, S_END };
static const as_cli_option_t s_invoice_list_options [] = {
    { "--case", "case_id", AS_CLI_NUMBER, false }, { "--year", "year", AS_CLI_NUMBER, false },
    { "--limit", "limit", AS_CLI_NUMBER, false }, { "--after", "after_id", AS_CLI_NUMBER, false }, S_END
};
static const as_cli_option_t s_invoice_issue_options [] = {
    { "--lines", "lines", AS_CLI_JSON, true }, { "--reference", "reference", AS_CLI_STR, false },
    { "--case", "case_id", AS_CLI_NUMBER, false }, S_END
};
static const as_cli_option_t s_payment_options [] = {
    { "--invoice", "invoice_id", AS_CLI_NUMBER, true }, { "--amount", "amount_fen", AS_CLI_NUMBER, true },
    { "--method", "method", AS_CLI_STR, true }, { "--reference", "reference", AS_CLI_STR, false }, S_END
};
static const as_cli_option_t s_credit_options [] = {
    { "--invoice", "invoice_id", AS_CLI_NUMBER, true }, { "--reason", "reason", AS_CLI_STR, true },
    { "--amount", "amount_fen", AS_CLI_NUMBER, false }, { "--note", "note", AS_CLI_STR, false }, S_END
};

static void
s_yuan (const msgpack_object *map, const char *key, char *out, size_t size)
{
    int64_t fen = 0;
    as_obj_int (map, key, &fen);
    int64_t magnitude = fen < 0 ? -fen : fen;
    snprintf (out, size, "%s%lld.%02lld", fen < 0 ? "-" : "", (long long) (magnitude / 100),
              (long long) (magnitude % 100));
}

static void
s_print_entitlement (const msgpack_object *result)
{
    char text [512], until [16], months [16], covered [8];
    printf ("service type  %s\n", as_cli_text (result, "service_type", text, sizeof text));
    printf ("parts %s, labour %s", as_cli_text (result, "parts", text, sizeof text),
            as_cli_text (result, "labour", until, sizeof until));
    printf (", visit fee %s\n", as_cli_text (result, "visit_fee", text, sizeof text));
    const msgpack_object *coverage = as_obj_get (result, "coverage");
    for (uint32_t index = 0; coverage && index < coverage->via.array.size; index++) {
        const msgpack_object *row = &coverage->via.array.ptr [index];
        printf ("  %-14s %3s months, until %s, covered %s\n", as_cli_text (row, "component", text, sizeof text),
                as_cli_text (row, "months", months, sizeof months), as_cli_text (row, "covered_until", until, sizeof until),
                as_cli_text (row, "covered", covered, sizeof covered));
    }
    const msgpack_object *reasons = as_obj_get (result, "reasons");
    for (uint32_t index = 0; reasons && index < reasons->via.array.size; index++)
        printf ("- %s\n", as_cli_text (&reasons->via.array.ptr [index], "text", text, sizeof text));
}

static void
s_print_lines (const msgpack_object *document)
{
    const msgpack_object *lines = as_obj_get (document, "lines");
    printf ("  %-3s %-7s %-10s %-34s %5s %10s %10s\n", "#", "KIND", "CODE", "DESCRIPTION", "QTY", "UNIT", "AMOUNT");
    for (uint32_t index = 0; lines && index < lines->via.array.size; index++) {
        const msgpack_object *line = &lines->via.array.ptr [index];
        char number [8], kind [8], code [40], description [256], quantity [16], unit [32], amount [32];
        s_yuan (line, "unit_fen", unit, sizeof unit);
        s_yuan (line, "amount_fen", amount, sizeof amount);
        printf ("  %-3s %-7s %-10s %-34.34s %5s %10s %10s\n", as_cli_text (line, "line_no", number, sizeof number),
                as_cli_text (line, "kind", kind, sizeof kind), as_cli_text (line, "code", code, sizeof code),
                as_cli_text (line, "description", description, sizeof description),
                as_cli_text (line, "quantity", quantity, sizeof quantity), unit, amount);
    }
    char subtotal [32], tax [32], total [32], rate [16];
    s_yuan (document, "subtotal_fen", subtotal, sizeof subtotal);
    s_yuan (document, "tax_fen", tax, sizeof tax);
    s_yuan (document, "total_fen", total, sizeof total);
    printf ("  %70s %10s\n", "subtotal", subtotal);
    printf ("  %62s (bp %s) %10s\n", "tax", as_cli_text (document, "tax_rate_bp", rate, sizeof rate), tax);
    printf ("  %70s %10s CNY\n", "total", total);
}

static void
s_print_invoice (const msgpack_object *result)
{
    const msgpack_object *invoice = as_obj_get (result, "invoice");
    char number [40], issued [16], case_id [24], paid [32], balance [32];
    printf ("INVOICE %s   issued %s   case %s\n", as_cli_text (invoice, "number", number, sizeof number),
            as_cli_text (invoice, "issued_on", issued, sizeof issued), as_cli_text (invoice, "case_id", case_id, sizeof case_id));
    s_print_lines (invoice);
    s_yuan (invoice, "paid_fen", paid, sizeof paid);
    s_yuan (invoice, "balance_fen", balance, sizeof balance);
    printf ("  paid %s, still to pay %s\n", paid, balance);
}

static void
s_print_quote (const msgpack_object *result)
{
    const msgpack_object *quote = as_obj_get (result, "quote");
    char id [24], status [16], type [16], until [16], case_id [24];
    //  The status and the service type both have a "paid": each is labelled.
    printf ("QUOTE %s   case %s   status %s   service type %s   valid until %s\n",
            as_cli_text (quote, "quote_id", id, sizeof id),
            as_cli_text (quote, "case_id", case_id, sizeof case_id), as_cli_text (quote, "status", status, sizeof status),
            as_cli_text (quote, "service_type", type, sizeof type), as_cli_text (quote, "valid_until", until, sizeof until));
    s_print_lines (quote);
}

static void
s_print_invoice_list (const msgpack_object *result)
{
    const msgpack_object *invoices = as_obj_get (result, "invoices");
    printf ("%-8s %-16s %-10s %-8s %12s %12s\n", "ID", "NUMBER", "ISSUED", "CASE", "TOTAL", "TO PAY");
    for (uint32_t index = 0; invoices && index < invoices->via.array.size; index++) {
        const msgpack_object *invoice = &invoices->via.array.ptr [index];
        char id [24], number [40], issued [16], case_id [24], total [32], balance [32];
        s_yuan (invoice, "total_fen", total, sizeof total);
        s_yuan (invoice, "balance_fen", balance, sizeof balance);
        printf ("%-8s %-16s %-10s %-8s %12s %12s\n", as_cli_text (invoice, "invoice_id", id, sizeof id),
                as_cli_text (invoice, "number", number, sizeof number), as_cli_text (invoice, "issued_on", issued, sizeof issued),
                as_cli_text (invoice, "case_id", case_id, sizeof case_id), total, balance);
    }
}

static const as_cli_command_t s_commands [] = {
    { "entitlement check", "entitlement.check",
      "--category C [--model M] [--purchased YYYY-MM-DD] [--proof invoice|receipt|none]\n"
      "         [--cause quality|misuse|poor_maintenance|force_majeure|abnormal_voltage|unauthorised_repair|no_fault]\n"
      "         [--component C] [--on YYYY-MM-DD] [--serial S] [--last-repair YYYY-MM-DD]",
      "what-if warranty decision without a case: free, contract, paid or other, with the reasons",
      NULL, s_check_options, s_print_entitlement },
    { "registration add", "registration.add",
      "--serial S --model M --category C [--purchased D] [--proof K] [--proof-ref R] [--retailer R]\n"
      "         [--owner-ref R] [--owner-name N]",
      "register a product, or record its new owner (the coverage follows the product)", NULL,
      s_registration_options, NULL },
    { "registration show", "registration.show", "--serial S", "a product's registration, owners, contracts, repairs",
      NULL, s_serial_options, NULL },
    { "policy load", "policy.load", "--file POLICY.json | --content JSON [--path WHERE-IT-CAME-FROM]",
      "publish a warranty policy version (--file sends the file's content and its name as the path)", NULL,
      s_load_options, NULL },
    { "policy show", "policy.show", "[--version V] [--on YYYY-MM-DD]", "the policy in effect", NULL, s_version_options,
      NULL },
    { "fees load", "fees.load", "--file FEES.json|FEES.csv | --content TEXT [--path WHERE-IT-CAME-FROM]\n"
      "         [--format json|csv]",
      "publish a fee schedule version (format: csv for a *.csv file, else json unless --format says)", NULL,
      s_load_options, NULL },
    { "fees show", "fees.show", "[--version V] [--on YYYY-MM-DD]", "the fee schedule as published", NULL,
      s_version_options, NULL },
    { "quote show", "quote.get", "QUOTE_ID", "a quote with its lines", "quote_id", s_no_options, s_print_quote },
    { "quote case", "quote.get", "--case CASE_ID", "the latest quote of a case", NULL, s_quote_show_options,
      s_print_quote },
    { "quote accept", "quote.accept", "QUOTE_ID [--by NAME]", "the customer agrees to the charges", "quote_id",
      s_by_options, s_print_quote },
    { "quote decline", "quote.decline", "QUOTE_ID [--by NAME]", "the customer refuses the charges", "quote_id",
      s_by_options, s_print_quote },
    { "invoice show", "invoice.get", "INVOICE_ID", "a readable invoice", "invoice_id", s_no_options, s_print_invoice },
    { "invoice find", "invoice.get", "--number INV-YYYY-NNNNNN", "an invoice by its number", NULL,
      s_invoice_find_options, s_print_invoice },
    { "invoice list", "invoice.list", "[--case ID] [--year Y] [--limit N] [--after ID]", "invoices, oldest first",
      NULL, s_invoice_list_options, s_print_invoice_list },
    { "invoice issue", "invoice.issue", "--lines '[{\"kind\":\"part\",\"code\":\"FM-35\",\"quantity\":1}]'"
      " [--reference R] [--case CASE_ID]",
      "invoice a counter sale priced from the fee schedule (at least one line; kind part or labour)", NULL,
      s_invoice_issue_options, s_print_invoice },
    { "payment record", "payment.record", "--invoice ID --amount FEN --method cash|card|wechat|alipay|bank_transfer\n"
      "         [--reference R]", "record money received (--reference: the payment's own reference)", NULL,
      s_payment_options, NULL },
    { "credit-note issue", "credit_note.issue", "--invoice ID --reason return|exchange|correction [--amount FEN]"
      " [--note TEXT]", "credit an invoice (default amount: all not yet credited)", NULL, s_credit_options, NULL },
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static const as_cli_t s_cli = { "billingctl", "billing", "warranty entitlement, fees, quotes, invoices, payments",
                                s_commands };

//  The service reads fees as JSON unless told "csv"; a .csv file says so.
static int
s_format_from_name (const as_cli_command_t *command, cJSON *params, char *why, size_t size)
{
    (void) command, (void) why, (void) size;
    const char *path = cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (params, "path"));
    size_t length = path ? strlen (path) : 0;
    if (length > 4 && strcmp (path + length - 4, ".csv") == 0 && !cJSON_HasObjectItem (params, "format"))
        cJSON_AddStringToObject (params, "format", "csv");
    return 0;
}

int
main (int argc, char *argv [])
{
    return as_cli_main_prepare (&s_cli, s_format_from_name, argc, argv);
}
