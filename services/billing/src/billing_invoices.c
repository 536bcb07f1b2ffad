/*  billing_invoices: quotes before chargeable work, invoices with gap-free
    numbers per year, payments, credit notes. Money in fen; the tax is the
    subtotal times BILLING_TAX_RATE_BP / 10000, rounded half up once per
    document (billing_money_share).                                        */
#include "billing.h"
#include "as_log.h"
#include "as_msg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_line (billing_line_t *lines, int *count, const char *kind, const char *code, const char *description,
        int64_t quantity, int64_t unit_fen)
{
    if (*count >= BILLING_MAX_LINES)
        return;
    billing_line_t *line = &lines [(*count)++];
    snprintf (line->kind, sizeof line->kind, "%s", kind);
    snprintf (line->code, sizeof line->code, "%s", code);
    snprintf (line->description, sizeof line->description, "%s", description);
    line->quantity = quantity;
    line->unit_fen = unit_fen;
}

static int64_t
s_subtotal (const billing_line_t *lines, int count)
{
    int64_t subtotal = 0;
    for (int index = 0; index < count; index++)
        subtotal += lines [index].quantity * lines [index].unit_fen;
    return subtotal;
}

//  Price diagnosed work by the decision: the visit fee and labour only when
//  charged, parts at cost (contract) or cost plus mark-up (paid).
static int
s_price_work (const billing_fees_t *fees, const billing_entitlement_t *decision, const msgpack_object *items,
              const msgpack_object *parts, billing_line_t *lines, int *count, as_error_t *err)
{
    char code [AS_TEXT_SIZE (32)];
    int64_t quantity;
    if (decision->visit_fee)
        s_line (lines, count, "visit", "VISIT", "visit fee", 1, fees->visit_fee_fen);
    for (uint32_t index = 0; items && strcmp (decision->labour, "charged") == 0 && index < items->via.array.size; index++) {
        if (as_obj_text (&items->via.array.ptr [index], NULL, "code", code, sizeof code, err))
            return -1;
        as_obj_int (&items->via.array.ptr [index], "quantity", &quantity);
        const billing_fee_t *fee = billing_fees_item (fees, code);
        if (!fee)
            return as_error_set (err, AS_FAILED_PRECONDITION, "repair item %s is not in fee schedule %s", code,
                                 fees->version);
        s_line (lines, count, "labour", code, fee->description, quantity, fee->fen);
    }
    bool at_cost = strcmp (decision->parts, "at_cost") == 0, charged = strcmp (decision->parts, "charged") == 0;
    for (uint32_t index = 0; parts && (at_cost || charged) && index < parts->via.array.size; index++) {
        if (as_obj_text (&parts->via.array.ptr [index], NULL, "part_no", code, sizeof code, err))
            return -1;
        as_obj_int (&parts->via.array.ptr [index], "quantity", &quantity);
        const billing_fee_t *part = billing_fees_part (fees, code);
        if (!part)
            return as_error_set (err, AS_FAILED_PRECONDITION, "part %s is not in fee schedule %s", code, fees->version);
        int64_t unit = part->fen + (charged ? billing_money_share (part->fen, fees->parts_markup_bp) : 0);
        s_line (lines, count, "part", code, part->description, quantity, unit);
    }
    return 0;
}

static const as_stmt_t s_quote_line = { "billing_quote_line",
    "INSERT INTO quote_lines (quote_id, line_no, kind, code, description, quantity, unit_fen, amount_fen)"
    " VALUES ($1, $2, $3, $4, $5, $6::int, $7::bigint, $6::int * $7::bigint)" };
static const as_stmt_t s_invoice_line = { "billing_invoice_line",
    "INSERT INTO invoice_lines (invoice_id, line_no, kind, code, description, quantity, unit_fen, amount_fen)"
    " VALUES ($1, $2, $3, $4, $5, $6::int, $7::bigint, $6::int * $7::bigint)" };

//  The lines of a document just inserted ride on the next round trip: the
//  catalogue bounds every quantity (1..1000), prices come from the fee
//  schedule or the quote, so no line can break a check of its table.
static int
s_store_lines (as_pg_t *pg, const as_stmt_t *stmt, int64_t owner, const billing_line_t *lines, int count,
               as_error_t *err)
{
    for (int index = 0; index < count; index++) {
        as_pg_params_t params;
        as_pgp_reset (&params);
        as_pgp_int (&params, owner);
        as_pgp_int (&params, index + 1);
        as_pgp_str (&params, lines [index].kind);
        as_pgp_str (&params, lines [index].code);
        as_pgp_str (&params, lines [index].description);
        as_pgp_int (&params, lines [index].quantity);
        as_pgp_int (&params, lines [index].unit_fen);
        if (as_pg_defer (pg, stmt, &params, err))
            return -1;
    }
    return 0;
}

static void
s_pack_lines (msgpack_packer *pk, const billing_line_t *lines, int count)
{
    as_pack_str (pk, "lines");
    msgpack_pack_array (pk, (size_t) count);
    for (int index = 0; index < count; index++) {
        msgpack_pack_map (pk, 6);
        as_pack_kv_str (pk, "kind", lines [index].kind);
        as_pack_kv_str (pk, "code", lines [index].code);
        as_pack_kv_str (pk, "description", lines [index].description);
        as_pack_kv_int (pk, "quantity", lines [index].quantity);
        as_pack_kv_int (pk, "unit_fen", lines [index].unit_fen);
        as_pack_kv_int (pk, "amount_fen", lines [index].quantity * lines [index].unit_fen);
    }
}

static int
s_emit (as_service_t *service, const char *type, const char *subject_kind, int64_t id, msgpack_sbuffer *data,
        as_error_t *err)
{
    char subject [48];
    snprintf (subject, sizeof subject, "%s/%lld", subject_kind, (long long) id);
    int rc = as_service_emit (service, type, subject, data->data, data->size, err);
    msgpack_sbuffer_destroy (data);
    return rc;
}

//  --- Quotes -------------------------------------------------------------------------------

static const as_stmt_t s_quote_supersede = { "billing_quote_supersede",
    "UPDATE quotes SET status = 'superseded', decided_at = now(), decided_by = 'new diagnosis'"
    " WHERE case_id = $1 AND status IN ('issued', 'accepted')" };
static const as_stmt_t s_quote_insert = { "billing_quote_insert",
    "INSERT INTO quotes (case_id, visit_id, service_type, fee_version, subtotal_fen, tax_rate_bp, tax_fen,"
    "  total_fen, valid_until)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $5::bigint + $7::bigint, $8::date + $9::int)"
    " RETURNING id, valid_until::text" };

static int
s_insert_quote (as_service_t *service, as_pg_t *pg, int64_t case_id, int64_t visit_id, const char *service_type,
                const char *fee_version, const billing_line_t *lines, int count, const char *on, as_error_t *err)
{
    int64_t subtotal = s_subtotal (lines, count);
    int64_t rate = as_service_setting_int (service, "BILLING_TAX_RATE_BP");
    int64_t tax = billing_money_share (subtotal, rate);
    //  The earlier quote makes way (count unused) in the insert's round trip.
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    if (as_pg_defer (pg, &s_quote_supersede, &params, err))
        return -1;
    as_pgp_int (&params, visit_id);
    as_pgp_str (&params, service_type);
    as_pgp_str (&params, fee_version);
    as_pgp_int (&params, subtotal);
    as_pgp_int (&params, rate);
    as_pgp_int (&params, tax);
    as_pgp_str (&params, on);
    as_pgp_int (&params, as_service_setting_int (service, "BILLING_QUOTE_VALID_DAYS"));
    PGresult *row = as_pg_run (pg, &s_quote_insert, &params, err);
    if (!row)
        return -1;
    int64_t quote_id = as_pg_get_int (row, 0, 0);
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 11);
    as_pack_kv_int (&pk, "quote_id", quote_id);
    as_pack_kv_int (&pk, "case_id", case_id);
    as_pack_kv_int (&pk, "visit_id", visit_id);
    as_pack_kv_str (&pk, "service_type", service_type);
    as_pack_kv_str (&pk, "fee_version", fee_version);
    s_pack_lines (&pk, lines, count);
    as_pack_kv_int (&pk, "subtotal_fen", subtotal);
    as_pack_kv_int (&pk, "tax_rate_bp", rate);
    as_pack_kv_int (&pk, "tax_fen", tax);
    as_pack_kv_int (&pk, "total_fen", subtotal + tax);
    as_pack_kv_str (&pk, "valid_until", as_pg_get_str (row, 0, 1));
    PQclear (row);
    if (s_store_lines (pg, &s_quote_line, quote_id, lines, count, err)) {
        msgpack_sbuffer_destroy (&data);
        return -1;
    }
    as_service_count (service, "quotes_issued", 1);
    return s_emit (service, "quote.issued", "quote", quote_id, &data, err);
}

int
billing_quote_for_diagnosis (as_service_t *service, as_pg_t *pg, const msgpack_object *diagnosis,
                             const billing_entitlement_t *decision, const char *on, as_error_t *err)
{
    if (strcmp (decision->service_type, "paid") != 0 && strcmp (decision->service_type, "contract") != 0)
        return 0;
    billing_fees_t *fees = NULL;
    billing_line_t *lines = calloc (BILLING_MAX_LINES, sizeof *lines);
    int count = 0;
    int64_t case_id = 0, visit_id = 0;
    as_obj_int (diagnosis, "case_id", &case_id);
    as_obj_int (diagnosis, "visit_id", &visit_id);
    int rc = billing_fees_for (pg, on, &fees, err)
          || s_price_work (fees, decision, as_obj_get (diagnosis, "repair_items"), as_obj_get (diagnosis, "parts_needed"),
                           lines, &count, err) ? -1 : 0;
    if (rc == 0 && s_subtotal (lines, count) > 0)
        rc = s_insert_quote (service, pg, case_id, visit_id, decision->service_type, fees->version, lines, count, on, err);
    free (fees);
    free (lines);
    return rc;
}

static const as_stmt_t s_quote_json = { "billing_quote_json",
    "SELECT json_build_object('quote_id', q.id, 'case_id', q.case_id, 'visit_id', q.visit_id, 'status', q.status,"
    "  'service_type', q.service_type, 'fee_version', q.fee_version, 'subtotal_fen', q.subtotal_fen,"
    "  'tax_rate_bp', q.tax_rate_bp, 'tax_fen', q.tax_fen, 'total_fen', q.total_fen,"
    "  'valid_until', q.valid_until::text, 'issued_at', rfc3339(q.issued_at), 'decided_by', q.decided_by,"
    "  'lines', (SELECT coalesce(json_agg(json_build_object('line_no', l.line_no, 'kind', l.kind, 'code', l.code,"
    "     'description', l.description, 'quantity', l.quantity, 'unit_fen', l.unit_fen, 'amount_fen', l.amount_fen)"
    "     ORDER BY l.line_no), '[]') FROM quote_lines l WHERE l.quote_id = q.id))::text"
    " FROM quotes q WHERE q.id = $1 OR (q.case_id = $2 AND $1 = 0) ORDER BY q.id DESC LIMIT 1" };

static int
s_reply_quote (as_call_t *call, int64_t quote_id, int64_t case_id)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, quote_id);
    as_pgp_int (&params, case_id);
    PGresult *row = as_pg_run (call->pg, &s_quote_json, &params, call->err);
    if (!row)
        return -1;
    int rc = PQntuples (row) == 1 ? billing_reply_json (call, "quote", as_pg_get_str (row, 0, 0))
           : as_error_set (call->err, AS_NOT_FOUND, "no such quote");
    PQclear (row);
    return rc;
}

int
billing_quote_get (as_call_t *call)
{
    int64_t quote_id = 0, case_id = 0;
    as_obj_int (call->params, "quote_id", &quote_id);
    as_obj_int (call->params, "case_id", &case_id);
    if (!quote_id && !case_id)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "give quote_id or case_id");
    return s_reply_quote (call, quote_id, case_id);
}

static const as_stmt_t s_quote_lock = { "billing_quote_lock",
    "SELECT status, case_id, total_fen, valid_until::text, valid_until < $2::date FROM quotes WHERE id = $1 FOR UPDATE" };
static const as_stmt_t s_quote_decide = { "billing_quote_decide",
    "UPDATE quotes SET status = $2, decided_at = now(), decided_by = $3 WHERE id = $1" };

//  Only an issued quote still valid today can be accepted or declined.
static int
s_quote_answer (as_call_t *call, const char *status, const char *event)
{
    int64_t quote_id = 0;
    as_obj_int (call->params, "quote_id", &quote_id);
    char by [AS_TEXT_SIZE (100)], today [AS_DATE_SIZE];
    if (as_obj_text_or (call->params, NULL, "by", by, sizeof by, call->actor, call->err))
        return -1;
    if (billing_business_date (call->service, call->pg, NULL, today, call->err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, quote_id);
    as_pgp_str (&params, today);
    PGresult *row = as_pg_run (call->pg, &s_quote_lock, &params, call->err);
    if (!row)
        return -1;
    int rc = 0;
    if (PQntuples (row) == 0)
        rc = as_error_set (call->err, AS_NOT_FOUND, "quote %lld not found", (long long) quote_id);
    else
    if (strcmp (as_pg_get_str (row, 0, 0), "issued") != 0)
        rc = as_error_set (call->err, AS_FAILED_PRECONDITION, "quote %lld is %s", (long long) quote_id,
                           as_pg_get_str (row, 0, 0));
    else
    if (as_pg_get_bool (row, 0, 4))
        rc = as_error_set (call->err, AS_FAILED_PRECONDITION, "quote %lld expired on %s", (long long) quote_id,
                           as_pg_get_str (row, 0, 3));
    int64_t case_id = rc ? 0 : as_pg_get_int (row, 0, 1), total = rc ? 0 : as_pg_get_int (row, 0, 2);
    PQclear (row);
    if (rc)
        return -1;
    as_pgp_reset (&params);
    as_pgp_int (&params, quote_id);
    as_pgp_str (&params, status);
    as_pgp_str (&params, by);
    //  The quote is locked above: the update is of that row, and rides on
    //  the reply's read.
    if (as_pg_defer (call->pg, &s_quote_decide, &params, call->err))
        return -1;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 4);
    as_pack_kv_int (&pk, "quote_id", quote_id);
    as_pack_kv_int (&pk, "case_id", case_id);
    as_pack_kv_int (&pk, "total_fen", total);
    as_pack_kv_str (&pk, "by", by);
    return s_emit (call->service, event, "quote", quote_id, &data, call->err) ? -1 : s_reply_quote (call, quote_id, 0);
}

int
billing_quote_accept (as_call_t *call)
{
    return s_quote_answer (call, "accepted", "quote.accepted");
}

int
billing_quote_decline (as_call_t *call)
{
    return s_quote_answer (call, "declined", "quote.declined");
}

static const as_stmt_t s_quote_expire = { "billing_quote_expire",
    "UPDATE quotes SET status = 'expired', decided_at = now(), decided_by = 'expiry'"
    " WHERE id IN (SELECT id FROM quotes WHERE status = 'issued' AND valid_until < $1::date"
    "  ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED)"
    " RETURNING id, case_id, total_fen, valid_until::text" };

//  Issued quotes past valid_until (valid through that business day) lapse:
//  each one 'expired' with its event, in the caller's transaction. A
//  quote being accepted right now is locked and waits for the next sweep.
int
billing_quotes_expire (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err)
{
    char today [AS_DATE_SIZE];
    if (billing_business_date (service, pg, NULL, today, err))
        return -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, today);
    PGresult *rows = as_pg_run (pg, &s_quote_expire, &params, err);
    if (!rows)
        return -1;
    int rc = 0;
    *count = PQntuples (rows);
    for (int row = 0; rc == 0 && row < *count; row++) {
        msgpack_sbuffer data;
        msgpack_sbuffer_init (&data);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
        msgpack_pack_map (&pk, 4);
        as_pack_kv_int (&pk, "quote_id", as_pg_get_int (rows, row, 0));
        as_pack_kv_int (&pk, "case_id", as_pg_get_int (rows, row, 1));
        as_pack_kv_int (&pk, "total_fen", as_pg_get_int (rows, row, 2));
        as_pack_kv_str (&pk, "valid_until", as_pg_get_str (rows, row, 3));
        rc = s_emit (service, "quote.expired", "quote", as_pg_get_int (rows, row, 0), &data, err);
    }
    PQclear (rows);
    return rc;
}

//  --- Invoices ------------------------------------------------------------------------------

//  Gap-free: the year's counter row is moved in the issuing transaction,
//  so a rolled-back issue gives its number back and concurrent issuers
//  queue on the row lock. Never a sequence.
static const as_stmt_t s_counter_move = { "billing_counter_move",
    "INSERT INTO number_counters (series, year, next) VALUES ($1, $2, 2)"
    " ON CONFLICT (series, year) DO UPDATE SET next = number_counters.next + 1 RETURNING next - 1" };
static const as_stmt_t s_invoice_insert = { "billing_invoice_insert",
    "INSERT INTO invoices (number, year, seq, case_id, quote_id, visit_id, reference, issued_on, subtotal_fen,"
    "  tax_rate_bp, tax_fen, total_fen)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9, $10, $11, $9::bigint + $11::bigint) RETURNING id" };

static int64_t
s_next_number (as_pg_t *pg, const char *series, int year, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, series);
    as_pgp_int (&params, year);
    PGresult *row = as_pg_run (pg, &s_counter_move, &params, err);
    if (!row)
        return -1;
    int64_t next = as_pg_get_int (row, 0, 0);
    PQclear (row);
    return next;
}

typedef struct {
    int64_t case_id, quote_id, visit_id;    //  0 when none
    const char *reference;
    const char *on;                         //  business date of issue
} s_invoice_t;

static void
s_pgp_id (as_pg_params_t *params, int64_t id)
{
    if (id)
        as_pgp_int (params, id);
    else
        as_pgp_null (params);
}

static int64_t
s_issue_invoice (as_service_t *service, as_pg_t *pg, const s_invoice_t *invoice, const billing_line_t *lines,
                 int count, as_error_t *err)
{
    int year = atoi (invoice->on);
    int64_t seq = s_next_number (pg, "invoice", year, err);
    if (seq < 0)
        return -1;
    char number [32];
    snprintf (number, sizeof number, "INV-%04d-%06lld", year, (long long) seq);
    int64_t subtotal = s_subtotal (lines, count);
    int64_t rate = as_service_setting_int (service, "BILLING_TAX_RATE_BP");
    int64_t tax = billing_money_share (subtotal, rate);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, number);
    as_pgp_int (&params, year);
    as_pgp_int (&params, seq);
    s_pgp_id (&params, invoice->case_id);
    s_pgp_id (&params, invoice->quote_id);
    s_pgp_id (&params, invoice->visit_id);
    as_pgp_str (&params, invoice->reference);
    as_pgp_str (&params, invoice->on);
    as_pgp_int (&params, subtotal);
    as_pgp_int (&params, rate);
    as_pgp_int (&params, tax);
    PGresult *row = as_pg_run (pg, &s_invoice_insert, &params, err);
    if (!row)
        return -1;
    int64_t invoice_id = as_pg_get_int (row, 0, 0);
    PQclear (row);
    if (s_store_lines (pg, &s_invoice_line, invoice_id, lines, count, err))
        return -1;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 7);
    as_pack_kv_int (&pk, "invoice_id", invoice_id);
    as_pack_kv_str (&pk, "number", number);
    if (invoice->case_id)
        as_pack_kv_int (&pk, "case_id", invoice->case_id);
    else
        as_pack_kv_nil (&pk, "case_id");
    as_pack_kv_str (&pk, "issued_on", invoice->on);
    as_pack_kv_int (&pk, "subtotal_fen", subtotal);
    as_pack_kv_int (&pk, "tax_fen", tax);
    as_pack_kv_int (&pk, "total_fen", subtotal + tax);
    as_service_count (service, "invoices_issued", 1);
    return s_emit (service, "invoice.issued", "invoice", invoice_id, &data, err) ? -1 : invoice_id;
}

static const as_stmt_t s_completed_case = { "billing_completed_case",
    "SELECT serial, coalesce(component, ''), status FROM cases WHERE case_id = $1 FOR UPDATE" };
static const as_stmt_t s_visit_billed = { "billing_visit_billed",
    "SELECT (SELECT count(*) FROM repairs WHERE visit_id = $1) + (SELECT count(*) FROM invoices WHERE visit_id = $1)" };
static const as_stmt_t s_repair_insert = { "billing_repair_insert",
    "INSERT INTO repairs (visit_id, case_id, serial, component, completed_on) VALUES ($1, $2, $3, $4, $5::date)"
    " ON CONFLICT (visit_id) DO NOTHING" };
static const as_stmt_t s_case_complete = { "billing_case_complete",
    "UPDATE cases SET status = 'completed', updated_at = now() WHERE case_id = $1" };
static const as_stmt_t s_accepted_lines = { "billing_accepted_lines",
    "SELECT q.id, l.kind, l.code, l.description, l.quantity - l.invoiced_quantity, l.unit_fen, l.line_no"
    " FROM quotes q JOIN quote_lines l ON l.quote_id = q.id WHERE q.case_id = $1 AND q.status = 'accepted'"
    " ORDER BY l.line_no FOR UPDATE OF q" };
static const as_stmt_t s_line_invoiced = { "billing_line_invoiced",
    "UPDATE quote_lines SET invoiced_quantity = invoiced_quantity + $3::int WHERE quote_id = $1 AND line_no = $2" };
static const as_stmt_t s_quote_invoiced = { "billing_quote_invoiced",
    "UPDATE quotes SET status = 'invoiced', invoiced_at = now() WHERE id = $1 AND status = 'accepted'" };

//  How many of `code` the engineer actually did (repair items or parts).
static int64_t
s_done (const msgpack_object *list, const char *key, const char *code)
{
    int64_t done = 0, quantity;
    for (uint32_t index = 0; list && index < list->via.array.size; index++) {
        const msgpack_object *entry = &list->via.array.ptr [index];
        if (as_obj_streq (as_obj_get (entry, key), code) && as_obj_int (entry, "quantity", &quantity))
            done += quantity;
    }
    return done;
}

//  How many of kind/code the lines so far already charge.
static int64_t
s_taken (const billing_line_t *lines, int count, const char *kind, const char *code)
{
    int64_t taken = 0;
    for (int index = 0; index < count; index++)
        if (strcmp (lines [index].kind, kind) == 0 && strcmp (lines [index].code, code) == 0)
            taken += lines [index].quantity;
    return taken;
}

//  Charge what was both agreed (the accepted quote, less what an earlier
//  completion invoiced of it) and done, never more: the customer agreed to
//  charges in advance (DOMAIN.md). Not repaired: only the agreed visit fee.
//  quote_line [i] is the quote line that lines [i] invoices.
static void
s_agreed_and_done (const PGresult *quote, const msgpack_object *data, bool repaired, billing_line_t *lines,
                   int *quote_line, int *count)
{
    for (int row = 0; row < PQntuples (quote); row++) {
        const char *kind = as_pg_get_str (quote, row, 1), *code = as_pg_get_str (quote, row, 2);
        int64_t left = as_pg_get_int (quote, row, 4), quantity = left;
        if (strcmp (kind, "labour") == 0)
            quantity = s_done (as_obj_get (data, "repair_items"), "code", code) - s_taken (lines, *count, kind, code);
        else
        if (strcmp (kind, "part") == 0)
            quantity = s_done (as_obj_get (data, "parts_used"), "part_no", code) - s_taken (lines, *count, kind, code);
        if (strcmp (kind, "visit") != 0 && !repaired)
            quantity = 0;
        if (quantity > left)
            quantity = left;
        if (quantity > 0 && *count < BILLING_MAX_LINES) {
            quote_line [*count] = (int) as_pg_get_int (quote, row, 6);
            s_line (lines, count, kind, code, as_pg_get_str (quote, row, 3), quantity, as_pg_get_int (quote, row, 5));
        }
    }
}

//  What this completion invoiced is spent from the quote; a repair the
//  customer accepted uses the quote up ('invoiced'), so a later completion
//  under the same quote charges nothing more. The quote is locked and was
//  read 'accepted' with these lines, and no quantity exceeds what is left
//  of its line: the updates ride on the next round trip.
static int
s_spend_quote (as_pg_t *pg, int64_t quote_id, const billing_line_t *lines, const int *quote_line, int count,
               bool used_up, as_error_t *err)
{
    as_pg_params_t params;
    for (int index = 0; index < count; index++) {
        as_pgp_reset (&params);
        as_pgp_int (&params, quote_id);
        as_pgp_int (&params, quote_line [index]);
        as_pgp_int (&params, lines [index].quantity);
        if (as_pg_defer (pg, &s_line_invoiced, &params, err))
            return -1;
    }
    as_pgp_reset (&params);
    as_pgp_int (&params, quote_id);
    return used_up && as_pg_defer (pg, &s_quote_invoiced, &params, err) ? -1 : 0;
}

//  The repair (a visit found unbilled; a repeat does nothing) and the
//  locked case row: neither count is used, both ride on the next round trip.
static int
s_record_repair (as_pg_t *pg, int64_t visit_id, int64_t case_id, const PGresult *kase, const char *on, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, visit_id);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, as_pg_get_str (kase, 0, 0));
    as_pgp_str (&params, as_pg_get_str (kase, 0, 1));
    as_pgp_str (&params, on);
    if (as_pg_defer (pg, &s_repair_insert, &params, err))
        return -1;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    return as_pg_defer (pg, &s_case_complete, &params, err);
}

//  Where a completion stands, in one round trip: whether its visit was
//  applied already, the case row locked, and the business date of the
//  completion (into `on`); then a repair is recorded. 1: applied already.
static int
s_completion_start (as_delivery_t *delivery, int64_t visit_id, int64_t case_id, bool repaired,
                    const char *completed_at, char *on)
{
    as_pg_params_t visit, kase, zone;
    as_pgp_reset (&visit);
    as_pgp_int (&visit, visit_id);
    as_pgp_reset (&kase);
    as_pgp_int (&kase, case_id);
    as_pg_step_t steps [3] = { { &s_visit_billed, NULL, &visit, NULL }, { &s_completed_case, NULL, &kase, NULL },
                               billing_business_date_step (delivery->service, completed_at, &zone) };
    int rc = as_pg_pipeline (delivery->pg, steps, 3, delivery->err);
    if (rc == 0 && as_pg_get_int (steps [0].result, 0, 0))
        rc = 1;                             //  this visit's completion was applied already
    else
    if (rc == 0 && PQntuples (steps [1].result) != 1)
        rc = as_error_set (delivery->err, AS_FAILED_PRECONDITION, "case %lld was never reported to billing",
                           (long long) case_id);
    else
    if (rc == 0)
        rc = billing_business_date_read (steps [2].result, completed_at, on, delivery->err)
          || (repaired && s_record_repair (delivery->pg, visit_id, case_id, steps [1].result, on, delivery->err))
           ? -1 : 0;
    for (int index = 0; index < 3; index++)
        PQclear (steps [index].result);
    return rc;
}

//  A completed repair starts its post-repair warranty; chargeable work is
//  invoiced only when its quote was accepted and the customer accepted the work.
int
billing_visit_completed (as_delivery_t *delivery)
{
    const msgpack_object *data = delivery->data;
    int64_t case_id = 0, visit_id = 0;
    as_obj_int (data, "case_id", &case_id);
    as_obj_int (data, "visit_id", &visit_id);
    bool repaired = as_obj_streq (as_obj_get (data, "outcome"), "repaired"), accepted = false;
    as_obj_bool (data, "customer_accepted", &accepted);
    char completed_at [64], on [AS_DATE_SIZE];
    if (as_obj_text (data, NULL, "completed_at", completed_at, sizeof completed_at, delivery->err))
        return -1;
    int rc = s_completion_start (delivery, visit_id, case_id, repaired, completed_at, on);
    if (rc)
        return rc > 0 ? 0 : -1;
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    PGresult *quote = as_pg_run (delivery->pg, &s_accepted_lines, &params, delivery->err);
    if (!quote)
        return -1;
    billing_line_t *lines = calloc (BILLING_MAX_LINES, sizeof *lines);
    int *quote_line = calloc (BILLING_MAX_LINES, sizeof *quote_line);
    int count = 0;
    if (accepted)
        s_agreed_and_done (quote, data, repaired, lines, quote_line, &count);
    else
        as_service_count (delivery->service, "work_not_accepted", 1);
    s_invoice_t invoice = { case_id, PQntuples (quote) ? as_pg_get_int (quote, 0, 0) : 0, visit_id, NULL, on };
    if (count > 0 && s_subtotal (lines, count) > 0)
        rc = s_issue_invoice (delivery->service, delivery->pg, &invoice, lines, count, delivery->err) < 0 ? -1 : 0;
    if (rc == 0 && invoice.quote_id && accepted)
        rc = s_spend_quote (delivery->pg, invoice.quote_id, lines, quote_line, count, repaired, delivery->err);
    PQclear (quote);
    free (quote_line);
    free (lines);
    return rc;
}

#define S_INVOICE_JSON \
    "json_build_object('invoice_id', i.id, 'number', i.number, 'case_id', i.case_id, 'quote_id', i.quote_id," \
    " 'visit_id', i.visit_id, 'reference', i.reference, 'issued_on', i.issued_on::text," \
    " 'subtotal_fen', i.subtotal_fen, 'tax_rate_bp', i.tax_rate_bp, 'tax_fen', i.tax_fen, 'total_fen', i.total_fen," \
    " 'paid_fen', i.paid_fen, 'credited_fen', i.credited_fen," \
    " 'balance_fen', greatest(i.total_fen - i.paid_fen - i.credited_fen, 0), 'issued_at', rfc3339(i.issued_at)," \
    " 'lines', (SELECT coalesce(json_agg(json_build_object('line_no', l.line_no, 'kind', l.kind, 'code', l.code," \
    "    'description', l.description, 'quantity', l.quantity, 'unit_fen', l.unit_fen, 'amount_fen', l.amount_fen)" \
    "    ORDER BY l.line_no), '[]') FROM invoice_lines l WHERE l.invoice_id = i.id)," \
    " 'payments', (SELECT coalesce(json_agg(json_build_object('payment_id', p.id, 'amount_fen', p.amount_fen," \
    "    'method', p.method, 'reference', p.reference, 'received_at', rfc3339(p.received_at)) ORDER BY p.id), '[]')" \
    "    FROM payments p WHERE p.invoice_id = i.id)," \
    " 'credit_notes', (SELECT coalesce(json_agg(json_build_object('credit_note_id', c.id, 'number', c.number," \
    "    'reason', c.reason, 'amount_fen', c.amount_fen, 'issued_at', rfc3339(c.issued_at)) ORDER BY c.id), '[]')" \
    "    FROM credit_notes c WHERE c.invoice_id = i.id))::text"

static const as_stmt_t s_invoice_json = { "billing_invoice_json",
    "SELECT " S_INVOICE_JSON " FROM invoices i WHERE i.id = $1 OR i.number = $2" };
static const as_stmt_t s_invoice_list = { "billing_invoice_list",
    "SELECT " S_INVOICE_JSON ", i.id FROM invoices i WHERE i.id > $1 AND ($2::bigint IS NULL OR i.case_id = $2)"
    " AND ($3::int IS NULL OR i.year = $3) ORDER BY i.id LIMIT $4" };

static int
s_reply_invoice (as_call_t *call, int64_t invoice_id, const char *number)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, invoice_id);
    as_pgp_str (&params, number);
    PGresult *row = as_pg_run (call->pg, &s_invoice_json, &params, call->err);
    if (!row)
        return -1;
    int rc = PQntuples (row) == 1 ? billing_reply_json (call, "invoice", as_pg_get_str (row, 0, 0))
           : as_error_set (call->err, AS_NOT_FOUND, "no such invoice");
    PQclear (row);
    return rc;
}

int
billing_invoice_get (as_call_t *call)
{
    int64_t invoice_id = 0;
    char number [AS_TEXT_SIZE (32)];
    as_obj_int (call->params, "invoice_id", &invoice_id);
    if (as_obj_text (call->params, NULL, "number", number, sizeof number, call->err))
        return -1;
    return s_reply_invoice (call, invoice_id, number);
}

static int
s_pack_json (msgpack_packer *pk, const char *json, as_error_t *err)
{
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    as_msg_t *msg = as_json_to_msgpack (json, &packed, err) ? NULL : as_msg_decode (packed.data, packed.size, 0, err);
    if (msg)
        as_pack_object (pk, as_msg_root (msg));
    else
        msgpack_pack_nil (pk);
    int rc = msg ? 0 : -1;
    as_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&packed);
    return rc;
}

int
billing_invoice_list (as_call_t *call)
{
    int64_t after = 0, limit = 50, case_id = 0, year = 0;
    as_obj_int (call->params, "after_id", &after);
    as_obj_int (call->params, "limit", &limit);
    as_obj_int (call->params, "case_id", &case_id);
    as_obj_int (call->params, "year", &year);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, after);
    s_pgp_id (&params, case_id);
    s_pgp_id (&params, year);
    as_pgp_int (&params, limit);
    PGresult *result = as_pg_run (call->pg, &s_invoice_list, &params, call->err);
    if (!result)
        return -1;
    int rows = PQntuples (result), rc = 0;
    msgpack_pack_map (call->result, 2);
    as_pack_str (call->result, "invoices");
    msgpack_pack_array (call->result, (size_t) rows);
    for (int row = 0; row < rows; row++)
        rc |= s_pack_json (call->result, as_pg_get_str (result, row, 0), call->err);
    if (rows == limit && rows > 0)
        as_pack_kv_int (call->result, "next_after_id", as_pg_get_int (result, rows - 1, 1));
    else
        as_pack_kv_nil (call->result, "next_after_id");
    PQclear (result);
    return rc ? -1 : 0;
}

//  A counter sale: parts or labour by code, priced from today's schedule.
//  An invoice without a line is refused before it takes a number: the
//  series is gap-free, so a number spent on nothing stays in the books.
int
billing_invoice_issue (as_call_t *call)
{
    const msgpack_object *items = as_obj_get (call->params, "lines");
    if (!items || items->type != MSGPACK_OBJECT_ARRAY || items->via.array.size == 0)
        return as_error_set (call->err, AS_INVALID_ARGUMENT,
                             "lines: an invoice needs at least one line (kind, code, quantity)");
    if (items->via.array.size > BILLING_MAX_LINES)
        return as_error_set (call->err, AS_INVALID_ARGUMENT, "lines: more than %d", BILLING_MAX_LINES);
    char today [AS_DATE_SIZE], reference [AS_TEXT_SIZE (100)];
    if (as_obj_text (call->params, NULL, "reference", reference, sizeof reference, call->err))
        return -1;
    billing_fees_t *fees = NULL;
    if (billing_business_date (call->service, call->pg, NULL, today, call->err)
    ||  billing_fees_for (call->pg, today, &fees, call->err))
        return -1;
    billing_line_t *lines = calloc (BILLING_MAX_LINES, sizeof *lines);
    int count = 0, rc = lines ? 0 : as_error_set (call->err, AS_INTERNAL, "out of memory");
    for (uint32_t index = 0; rc == 0 && index < items->via.array.size; index++) {
        char kind [8], code [AS_TEXT_SIZE (32)];
        int64_t quantity = 0;
        if (as_obj_text (&items->via.array.ptr [index], NULL, "kind", kind, sizeof kind, call->err)
        ||  as_obj_text (&items->via.array.ptr [index], NULL, "code", code, sizeof code, call->err)) {
            rc = -1;
            break;
        }
        as_obj_int (&items->via.array.ptr [index], "quantity", &quantity);
        bool part = strcmp (kind, "part") == 0;
        const billing_fee_t *fee = part ? billing_fees_part (fees, code) : billing_fees_item (fees, code);
        if (!fee)
            rc = as_error_set (call->err, AS_INVALID_ARGUMENT, "%s %s is not in fee schedule %s", kind, code,
                               fees->version);
        else
            s_line (lines, &count, kind, code, fee->description, quantity,
                    fee->fen + (part ? billing_money_share (fee->fen, fees->parts_markup_bp) : 0));
    }
    int64_t case_id = 0;
    as_obj_int (call->params, "case_id", &case_id);
    s_invoice_t invoice = { case_id, 0, 0, reference [0] ? reference : NULL, today };
    int64_t invoice_id = rc ? -1 : s_issue_invoice (call->service, call->pg, &invoice, lines, count, call->err);
    free (lines);
    free (fees);
    return invoice_id < 0 ? -1 : s_reply_invoice (call, invoice_id, NULL);
}

//  --- Payments and credit notes ------------------------------------------------------------

static const as_stmt_t s_invoice_lock = { "billing_invoice_lock",
    "SELECT number, total_fen, paid_fen, credited_fen FROM invoices WHERE id = $1 FOR UPDATE" };
static const as_stmt_t s_payment_insert = { "billing_payment_insert",
    "INSERT INTO payments (invoice_id, amount_fen, method, reference) VALUES ($1, $2, $3, $4) RETURNING id" };
static const as_stmt_t s_invoice_paid = { "billing_invoice_paid",
    "UPDATE invoices SET paid_fen = paid_fen + $2 WHERE id = $1 RETURNING paid_fen, total_fen - paid_fen - credited_fen" };

static PGresult *
s_lock_invoice (as_pg_t *pg, int64_t invoice_id, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, invoice_id);
    PGresult *row = as_pg_run (pg, &s_invoice_lock, &params, err);
    if (row && PQntuples (row) == 0) {
        PQclear (row);
        as_error_set (err, AS_NOT_FOUND, "invoice %lld not found", (long long) invoice_id);
        return NULL;
    }
    return row;
}

int
billing_payment_record (as_call_t *call)
{
    int64_t invoice_id = 0, amount = 0;
    char method [16], reference [AS_TEXT_SIZE (100)], number [33];
    as_obj_int (call->params, "invoice_id", &invoice_id);
    as_obj_int (call->params, "amount_fen", &amount);
    if (as_obj_text (call->params, NULL, "method", method, sizeof method, call->err)
    ||  as_obj_text (call->params, NULL, "reference", reference, sizeof reference, call->err))
        return -1;
    PGresult *invoice = s_lock_invoice (call->pg, invoice_id, call->err);
    if (!invoice)
        return -1;
    int64_t balance = as_pg_get_int (invoice, 0, 1) - as_pg_get_int (invoice, 0, 2) - as_pg_get_int (invoice, 0, 3);
    snprintf (number, sizeof number, "%s", as_pg_get_str (invoice, 0, 0));
    PQclear (invoice);
    if (amount > balance)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "invoice %s has %lld fen to pay, not %lld", number,
                             (long long) balance, (long long) amount);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, invoice_id);
    as_pgp_int (&params, amount);
    as_pgp_str (&params, method);
    as_pgp_str (&params, reference [0] ? reference : NULL);
    PGresult *payment = as_pg_run (call->pg, &s_payment_insert, &params, call->err);
    if (!payment)
        return -1;
    int64_t payment_id = as_pg_get_int (payment, 0, 0);
    PQclear (payment);
    params.count = 2;
    PGresult *paid = as_pg_run (call->pg, &s_invoice_paid, &params, call->err);
    if (!paid)
        return -1;
    int64_t paid_fen = as_pg_get_int (paid, 0, 0), left = as_pg_get_int (paid, 0, 1);
    PQclear (paid);
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 6);
    as_pack_kv_int (&pk, "payment_id", payment_id);
    as_pack_kv_int (&pk, "invoice_id", invoice_id);
    as_pack_kv_str (&pk, "number", number);
    as_pack_kv_int (&pk, "amount_fen", amount);
    as_pack_kv_str (&pk, "method", method);
    as_pack_kv_int (&pk, "balance_fen", left);
    if (s_emit (call->service, "payment.received", "invoice", invoice_id, &data, call->err))
        return -1;
    msgpack_pack_map (call->result, 4);
    as_pack_kv_int (call->result, "payment_id", payment_id);
    as_pack_kv_int (call->result, "invoice_id", invoice_id);
    as_pack_kv_int (call->result, "paid_fen", paid_fen);
    as_pack_kv_int (call->result, "balance_fen", left);
    return 0;
}

static const as_stmt_t s_credit_insert = { "billing_credit_insert",
    "INSERT INTO credit_notes (number, year, seq, invoice_id, reason, amount_fen, note)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id" };
static const as_stmt_t s_invoice_credited = { "billing_invoice_credited",
    "UPDATE invoices SET credited_fen = credited_fen + $2 WHERE id = $1" };

//  A return or exchange credits the invoice (by default all not yet
//  credited); the credit note has its own gap-free series per year.
int
billing_credit_note_issue (as_call_t *call)
{
    int64_t invoice_id = 0, amount = 0;
    char reason [16], note [AS_TEXT_SIZE (500)], today [AS_DATE_SIZE], number [32];
    as_obj_int (call->params, "invoice_id", &invoice_id);
    if (as_obj_text (call->params, NULL, "reason", reason, sizeof reason, call->err)
    ||  as_obj_text (call->params, NULL, "note", note, sizeof note, call->err))
        return -1;
    PGresult *invoice = s_lock_invoice (call->pg, invoice_id, call->err);
    if (!invoice)
        return -1;
    int64_t open = as_pg_get_int (invoice, 0, 1) - as_pg_get_int (invoice, 0, 3);
    PQclear (invoice);
    if (!as_obj_int (call->params, "amount_fen", &amount))
        amount = open;
    if (amount <= 0 || amount > open)
        return as_error_set (call->err, AS_FAILED_PRECONDITION, "invoice %lld can be credited %lld fen at most",
                             (long long) invoice_id, (long long) open);
    if (billing_business_date (call->service, call->pg, NULL, today, call->err))
        return -1;
    int year = atoi (today);
    int64_t seq = s_next_number (call->pg, "credit_note", year, call->err);
    if (seq < 0)
        return -1;
    snprintf (number, sizeof number, "CN-%04d-%06lld", year, (long long) seq);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, number);
    as_pgp_int (&params, year);
    as_pgp_int (&params, seq);
    as_pgp_int (&params, invoice_id);
    as_pgp_str (&params, reason);
    as_pgp_int (&params, amount);
    as_pgp_str (&params, note [0] ? note : NULL);
    PGresult *row = as_pg_run (call->pg, &s_credit_insert, &params, call->err);
    if (!row)
        return -1;
    int64_t credit_id = as_pg_get_int (row, 0, 0);
    PQclear (row);
    as_pgp_reset (&params);
    as_pgp_int (&params, invoice_id);
    as_pgp_int (&params, amount);
    //  The invoice is locked above and the amount checked against what is
    //  left to credit: the update rides on the commit.
    if (as_pg_defer (call->pg, &s_invoice_credited, &params, call->err))
        return -1;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 5);
    as_pack_kv_int (&pk, "credit_note_id", credit_id);
    as_pack_kv_str (&pk, "number", number);
    as_pack_kv_int (&pk, "invoice_id", invoice_id);
    as_pack_kv_str (&pk, "reason", reason);
    as_pack_kv_int (&pk, "amount_fen", amount);
    if (s_emit (call->service, "credit_note.issued", "invoice", invoice_id, &data, call->err))
        return -1;
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "credit_note");
    msgpack_pack_map (call->result, 4);
    as_pack_kv_int (call->result, "credit_note_id", credit_id);
    as_pack_kv_str (call->result, "number", number);
    as_pack_kv_int (call->result, "invoice_id", invoice_id);
    as_pack_kv_int (call->result, "amount_fen", amount);
    return 0;
}
