/*  billing_tariff_rpc: policies and fee schedules as published versions,
    registrations and contracts, business dates.                           */
#include "billing.h"
#include "as_file.h"
#include "as_log.h"
#include "as_msg.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The zone's offset at the instant comes from PostgreSQL's tz database;
//  the date arithmetic is as_date's (integers).
static const as_stmt_t s_zone_offset = { "billing_zone_offset",
    "SELECT extract(epoch FROM (t AT TIME ZONE $2) - (t AT TIME ZONE 'UTC'))::bigint, rfc3339(t)"
    " FROM (SELECT coalesce($1::timestamptz, now()) AS t) AS instant" };

as_pg_step_t
billing_business_date_step (as_service_t *service, const char *instant, as_pg_params_t *params)
{
    as_pgp_reset (params);
    as_pgp_str (params, instant);
    as_pgp_str (params, as_service_setting (service, "BILLING_TIME_ZONE"));
    return (as_pg_step_t) { &s_zone_offset, NULL, params, NULL };
}

int
billing_business_date_read (const PGresult *result, const char *instant, char *date, as_error_t *err)
{
    int64_t days;
    if (!as_date_of_instant (as_pg_get_str (result, 0, 1), as_pg_get_int (result, 0, 0), &days))
        return as_error_set (err, AS_INVALID_ARGUMENT, "'%s' is not an RFC 3339 time", instant ? instant : "now");
    as_date_format (days, date);
    return 0;
}

int
billing_business_date (as_service_t *service, as_pg_t *pg, const char *instant, char *date, as_error_t *err)
{
    as_pg_params_t params;
    as_pg_step_t step = billing_business_date_step (service, instant, &params);
    PGresult *result = as_pg_run (pg, step.stmt, step.params, err);
    int rc = result ? billing_business_date_read (result, instant, date, err) : -1;
    PQclear (result);
    return rc;
}

static const as_stmt_t s_policy_for = { "billing_policy_for",
    "SELECT document FROM policies" BILLING_IN_EFFECT_ON ("$1::date") };
static const as_stmt_t s_policy_named = { "billing_policy_named",
    "SELECT document FROM policies WHERE version = $1" };
static const as_stmt_t s_fees_for = { "billing_fees_for",
    "SELECT document, format FROM fee_schedules" BILLING_IN_EFFECT_ON ("$1::date") };
static const as_stmt_t s_fees_named = { "billing_fees_named",
    "SELECT document, format FROM fee_schedules WHERE version = $1" };

static PGresult *
s_one_row (as_pg_t *pg, const as_stmt_t *stmt, const char *value, const char *what, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, value);
    PGresult *result = as_pg_run (pg, stmt, &params, err);
    if (result && PQntuples (result) == 0) {
        PQclear (result);
        as_error_set (err, AS_FAILED_PRECONDITION, "no %s is loaded%s%s", what, value ? " for " : "", value ? value : "");
        return NULL;
    }
    return result;
}

int
billing_policy_stored (const char *document, const char *day, billing_policy_t *policy, as_error_t *err)
{
    if (!document)
        return as_error_set (err, AS_FAILED_PRECONDITION, "no warranty policy is loaded for %s", day);
    char why [512];
    if (billing_policy_parse (document, policy, why, sizeof why))
        return as_error_set (err, AS_INTERNAL, "stored policy does not parse: %s", why);
    return 0;
}

//  A row s_one_row found (its document is never NULL).
static int
s_policy_from_row (PGresult *result, billing_policy_t *policy, as_error_t *err)
{
    if (!result)
        return -1;
    int rc = billing_policy_stored (as_pg_get_str (result, 0, 0), "", policy, err);
    PQclear (result);
    return rc;
}

int
billing_policy_for (as_pg_t *pg, const char *on, billing_policy_t *policy, as_error_t *err)
{
    return s_policy_from_row (s_one_row (pg, &s_policy_for, on, "warranty policy", err), policy, err);
}

static int
s_fees_from_row (PGresult *result, billing_fees_t **fees, as_error_t *err)
{
    if (!result)
        return -1;
    char why [512];
    *fees = calloc (1, sizeof **fees);
    int rc = billing_fees_parse (as_pg_get_str (result, 0, 0), as_pg_get_str (result, 0, 1), *fees, why, sizeof why);
    PQclear (result);
    if (rc) {
        free (*fees);
        *fees = NULL;
        return as_error_set (err, AS_INTERNAL, "stored fee schedule does not parse: %s", why);
    }
    return 0;
}

int
billing_fees_for (as_pg_t *pg, const char *on, billing_fees_t **fees, as_error_t *err)
{
    return s_fees_from_row (s_one_row (pg, &s_fees_for, on, "fee schedule", err), fees, err);
}

//  --- Loading versions ------------------------------------------------------------

static const as_stmt_t s_policy_insert = { "billing_policy_insert",
    "INSERT INTO policies (version, effective_from, document, loaded_by) VALUES ($1, $2::date, $3, $4)"
    " ON CONFLICT (version) DO NOTHING RETURNING id" };
static const as_stmt_t s_policy_existing = { "billing_policy_existing",
    "SELECT document = $2 FROM policies WHERE version = $1" };
static const as_stmt_t s_fees_insert = { "billing_fees_insert",
    "INSERT INTO fee_schedules (version, effective_from, format, document, loaded_by)"
    " VALUES ($1, $2::date, $3, $4, $5) ON CONFLICT (version) DO NOTHING RETURNING id" };
static const as_stmt_t s_fees_existing = { "billing_fees_existing",
    "SELECT document = $2 FROM fee_schedules WHERE version = $1" };

//  A version is published once: the same content again is a no-op (loaded
//  false), other content under a published version is refused.
static int
s_publish (as_pg_t *pg, const as_stmt_t *insert, const as_stmt_t *existing, as_pg_params_t *params,
           const char *version, const char *document, bool *loaded, as_error_t *err)
{
    PGresult *inserted = as_pg_run (pg, insert, params, err);
    if (!inserted)
        return -1;
    *loaded = PQntuples (inserted) == 1;
    PQclear (inserted);
    if (*loaded)
        return 0;
    as_pg_params_t check;
    as_pgp_reset (&check);
    as_pgp_str (&check, version);
    as_pgp_str (&check, document);
    PGresult *same = as_pg_run (pg, existing, &check, err);
    if (!same)
        return -1;
    bool identical = PQntuples (same) == 1 && as_pg_get_bool (same, 0, 0);
    PQclear (same);
    return identical ? 0 : as_error_set (err, AS_ALREADY_EXISTS,
                                         "version %s is already published with other content: give it a new version",
                                         version);
}

static int
s_load_policy (as_pg_t *pg, const char *content, const char *actor, msgpack_packer *result, as_error_t *err)
{
    billing_policy_t *policy = calloc (1, sizeof *policy);
    char why [512];
    if (!policy || billing_policy_parse (content, policy, why, sizeof why)) {
        free (policy);
        return as_error_set (err, AS_INVALID_ARGUMENT, "policy: %s", policy ? why : "out of memory");
    }
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, policy->version);
    as_pgp_str (&params, policy->effective_from);
    as_pgp_str (&params, content);
    as_pgp_str (&params, actor);
    bool loaded = false;
    int rc = s_publish (pg, &s_policy_insert, &s_policy_existing, &params, policy->version, content, &loaded, err);
    if (rc == 0 && result) {
        msgpack_pack_map (result, 4);
        as_pack_kv_str (result, "version", policy->version);
        as_pack_kv_str (result, "effective_from", policy->effective_from);
        as_pack_kv_int (result, "terms", policy->term_count);
        as_pack_kv_bool (result, "loaded", loaded);
    }
    free (policy);
    return rc;
}

static int
s_load_fees (as_pg_t *pg, const char *content, const char *format, const char *actor, msgpack_packer *result,
             as_error_t *err)
{
    billing_fees_t *fees = calloc (1, sizeof *fees);
    char why [512];
    int rc = -1;
    bool loaded = false;
    if (billing_fees_parse (content, format, fees, why, sizeof why))
        as_error_set (err, AS_INVALID_ARGUMENT, "fee schedule: %s", why);
    else {
        as_pg_params_t params;
        as_pgp_reset (&params);
        as_pgp_str (&params, fees->version);
        as_pgp_str (&params, fees->effective_from);
        as_pgp_str (&params, format);
        as_pgp_str (&params, content);
        as_pgp_str (&params, actor);
        rc = s_publish (pg, &s_fees_insert, &s_fees_existing, &params, fees->version, content, &loaded, err);
    }
    if (rc == 0 && result) {
        msgpack_pack_map (result, 5);
        as_pack_kv_str (result, "version", fees->version);
        as_pack_kv_str (result, "effective_from", fees->effective_from);
        as_pack_kv_int (result, "items", fees->item_count);
        as_pack_kv_int (result, "parts", fees->part_count);
        as_pack_kv_bool (result, "loaded", loaded);
    }
    free (fees);
    return rc;
}

int
billing_policy_load (as_call_t *call)
{
    char *content = as_obj_strdup (call->params, "content");
    int rc = s_load_policy (call->pg, content, call->actor, call->result, call->err);
    free (content);
    return rc;
}

int
billing_fees_load (as_call_t *call)
{
    char *content = as_obj_strdup (call->params, "content");
    char format [8];
    int rc = as_obj_text (call->params, NULL, "format", format, sizeof format, call->err)
          || s_load_fees (call->pg, content, *format ? format : "json", call->actor, call->result, call->err)
           ? -1 : 0;
    free (content);
    return rc;
}

//  --- Shipped defaults ---------------------------------------------------------------

//  Larger than any real policy or fee schedule: a longer file is refused
//  rather than loaded cut short.
#define S_DEFAULTS_MAX (1024 * 1024)

static const as_stmt_t s_count_versions = { "billing_count_versions",
    "SELECT (SELECT count(*) FROM policies), (SELECT count(*) FROM fee_schedules)" };

//  So the examples work right after scripts/up: an empty table gets the
//  file its setting names. A missing file is logged, not fatal: an
//  operator may load versions with billingctl instead.
int
billing_load_defaults (as_service_t *service, as_error_t *err)
{
    as_pg_t *pg = as_service_pg (service);
    if (as_pg_begin (pg, err))
        return -1;
    PGresult *counts = as_pg_run (pg, &s_count_versions, NULL, err);
    if (!counts) {
        as_pg_rollback (pg);
        return -1;
    }
    bool no_policy = as_pg_get_int (counts, 0, 0) == 0, no_fees = as_pg_get_int (counts, 0, 1) == 0;
    PQclear (counts);
    const char *policy_path = as_service_setting (service, "BILLING_POLICY_FILE");
    const char *fees_path = as_service_setting (service, "BILLING_FEES_FILE");
    char *policy = no_policy ? as_file_read (policy_path, S_DEFAULTS_MAX, NULL) : NULL;
    if (no_policy && !policy)
        as_warn ("no warranty policy loaded and %s cannot be read: %s", policy_path, strerror (errno));
    char *fees = no_fees ? as_file_read (fees_path, S_DEFAULTS_MAX, NULL) : NULL;
    if (no_fees && !fees)
        as_warn ("no fee schedule loaded and %s cannot be read: %s", fees_path, strerror (errno));
    size_t length = strlen (fees_path);
    const char *format = length > 4 && strcmp (fees_path + length - 4, ".csv") == 0 ? "csv" : "json";
    int rc = (policy && s_load_policy (pg, policy, "billingd (shipped default)", NULL, err))
          || (fees && s_load_fees (pg, fees, format, "billingd (shipped default)", NULL, err))
          || as_pg_commit (pg, err) ? -1 : 0;
    if (rc)
        as_pg_rollback (pg);
    else
    if (policy || fees)
        as_info ("loaded the shipped%s%s", policy ? " policy" : "", fees ? " fee schedule" : "");
    free (policy);
    free (fees);
    return rc;
}

//  --- Showing versions -----------------------------------------------------------------

static void
s_pack_term (msgpack_packer *pk, const billing_term_t *term)
{
    msgpack_pack_map (pk, 5);
    as_pack_kv_str (pk, "category", term->category);
    as_pack_kv_str (pk, "model", term->model [0] ? term->model : NULL);
    as_pack_kv_int (pk, "months", term->months);
    as_pack_kv_str (pk, "note", term->note [0] ? term->note : NULL);
    as_pack_str (pk, "components");
    msgpack_pack_map (pk, (size_t) term->component_count);
    for (int index = 0; index < term->component_count; index++)
        as_pack_kv_int (pk, term->components [index].component, term->components [index].months);
}

//  The day asked for, or today in the business zone.
static int
s_day (as_call_t *call, char *on, as_error_t *err)
{
    if (as_obj_text (call->params, NULL, "on", on, AS_DATE_SIZE, err))
        return -1;
    return *on ? 0 : billing_business_date (call->service, call->pg, NULL, on, err);
}

int
billing_policy_show (as_call_t *call)
{
    char version [AS_TEXT_SIZE (64)], on [AS_DATE_SIZE];
    billing_policy_t *policy = calloc (1, sizeof *policy);
    int rc = as_obj_text (call->params, NULL, "version", version, sizeof version, call->err);
    if (rc == 0)
        rc = *version
           ? s_policy_from_row (s_one_row (call->pg, &s_policy_named, version, "policy", call->err), policy, call->err)
           : s_day (call, on, call->err) || billing_policy_for (call->pg, on, policy, call->err);
    if (rc == 0) {
        msgpack_packer *pk = call->result;
        msgpack_pack_map (pk, 1);
        as_pack_str (pk, "policy");
        msgpack_pack_map (pk, 6);
        as_pack_kv_str (pk, "version", policy->version);
        as_pack_kv_str (pk, "effective_from", policy->effective_from);
        as_pack_kv_int (pk, "return_days", policy->return_days);
        as_pack_kv_int (pk, "exchange_days", policy->exchange_days);
        as_pack_kv_int (pk, "repair_warranty_days", policy->repair_warranty_days);
        as_pack_str (pk, "terms");
        msgpack_pack_array (pk, (size_t) policy->term_count);
        for (int index = 0; index < policy->term_count; index++)
            s_pack_term (pk, &policy->terms [index]);
    }
    free (policy);
    return rc ? -1 : 0;
}

static void
s_pack_fee_list (msgpack_packer *pk, const char *key, const char *code_key, const char *fen_key,
                 const billing_fee_t *list, int count)
{
    as_pack_str (pk, key);
    msgpack_pack_array (pk, (size_t) count);
    for (int index = 0; index < count; index++) {
        msgpack_pack_map (pk, 3);
        as_pack_kv_str (pk, code_key, list [index].code);
        as_pack_kv_str (pk, "description", list [index].description);
        as_pack_kv_int (pk, fen_key, list [index].fen);
    }
}

int
billing_fees_show (as_call_t *call)
{
    char version [AS_TEXT_SIZE (64)], on [AS_DATE_SIZE];
    billing_fees_t *fees = NULL;
    int rc = as_obj_text (call->params, NULL, "version", version, sizeof version, call->err);
    if (rc == 0)
        rc = *version
           ? s_fees_from_row (s_one_row (call->pg, &s_fees_named, version, "fee schedule", call->err), &fees, call->err)
           : s_day (call, on, call->err) || billing_fees_for (call->pg, on, &fees, call->err);
    if (rc == 0) {
        msgpack_packer *pk = call->result;
        msgpack_pack_map (pk, 1);
        as_pack_str (pk, "fees");
        msgpack_pack_map (pk, 6);
        as_pack_kv_str (pk, "version", fees->version);
        as_pack_kv_str (pk, "effective_from", fees->effective_from);
        as_pack_kv_int (pk, "visit_fee_fen", fees->visit_fee_fen);
        as_pack_kv_int (pk, "parts_markup_bp", fees->parts_markup_bp);
        s_pack_fee_list (pk, "items", "code", "labour_fen", fees->items, fees->item_count);
        s_pack_fee_list (pk, "parts", "part_no", "cost_fen", fees->parts, fees->part_count);
    }
    free (fees);
    return rc ? -1 : 0;
}

//  --- Registrations and contracts ------------------------------------------------------

//  The first known purchase date and valid proof stay with the product;
//  the owner is whoever the latest source says, and joins the product's
//  owners when it is not the last one there (same statement: nothing the
//  caller sends can make that part fail).
static const as_stmt_t s_register = { "billing_register",
    "WITH registered AS ("
    " INSERT INTO registrations (serial, category, model, purchase_date, proof_kind, proof_reference, retailer,"
    "  owner_ref, owner_name, source)"
    " VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8, $9, $10)"
    " ON CONFLICT (serial) DO UPDATE SET"
    "  purchase_date = coalesce(registrations.purchase_date, EXCLUDED.purchase_date),"
    "  proof_kind = CASE WHEN registrations.proof_kind IN ('invoice', 'receipt') THEN registrations.proof_kind"
    "               ELSE coalesce(EXCLUDED.proof_kind, registrations.proof_kind) END,"
    "  proof_reference = coalesce(registrations.proof_reference, EXCLUDED.proof_reference),"
    "  retailer = coalesce(registrations.retailer, EXCLUDED.retailer),"
    "  owner_ref = coalesce(EXCLUDED.owner_ref, registrations.owner_ref),"
    "  owner_name = coalesce(EXCLUDED.owner_name, registrations.owner_name), updated_at = now()"
    " RETURNING id),"
    " owner AS ("
    " INSERT INTO ownership (registration_id, owner_ref, owner_name, source)"
    " SELECT id, $8, $9, $10 FROM registered WHERE $8::text IS NOT NULL AND $8::text IS DISTINCT FROM"
    "  (SELECT o.owner_ref FROM ownership o WHERE o.registration_id = registered.id ORDER BY o.id DESC LIMIT 1))"
    " SELECT id FROM registered" };

static const char *
s_opt (const char *text)
{
    return *text ? text : NULL;
}

//  The upsert reports its own error (the product's data can break a check);
//  the caller runs it, alone or in a pipeline of its own.
int
billing_registration_step (billing_registration_t *self, const msgpack_object *product, const char *source,
                           const char *owner_ref, const char *owner_name, as_pg_step_t *step, as_error_t *err)
{
    if (as_obj_text (product, NULL, "serial", self->serial, sizeof self->serial, err)
    ||  as_obj_text (product, NULL, "category", self->category, sizeof self->category, err)
    ||  as_obj_text (product, NULL, "model", self->model, sizeof self->model, err)
    ||  as_obj_text (product, NULL, "purchase_date", self->purchased, sizeof self->purchased, err)
    ||  as_obj_text (product, NULL, "proof_kind", self->proof, sizeof self->proof, err)
    ||  as_obj_text (product, NULL, "proof_reference", self->reference, sizeof self->reference, err)
    ||  as_obj_text (product, NULL, "retailer", self->retailer, sizeof self->retailer, err))
        return -1;
    as_pg_params_t *params = &self->params;
    as_pgp_reset (params);
    as_pgp_str (params, s_opt (self->serial));
    as_pgp_str (params, s_opt (self->category));
    as_pgp_str (params, s_opt (self->model));
    as_pgp_str (params, s_opt (self->purchased));
    as_pgp_str (params, s_opt (self->proof));
    as_pgp_str (params, s_opt (self->reference));
    as_pgp_str (params, s_opt (self->retailer));
    as_pgp_str (params, owner_ref);
    as_pgp_str (params, owner_name);
    as_pgp_str (params, source);
    *step = (as_pg_step_t) { &s_register, NULL, params, NULL };
    return 0;
}

int
billing_register (as_pg_t *pg, const msgpack_object *product, const char *source, const char *owner_ref,
                  const char *owner_name, as_error_t *err)
{
    billing_registration_t registration;
    as_pg_step_t step;
    if (billing_registration_step (&registration, product, source, owner_ref, owner_name, &step, err))
        return -1;
    PGresult *row = as_pg_run (pg, step.stmt, step.params, err);
    PQclear (row);
    return row ? 0 : -1;
}

static const as_stmt_t s_registration_json = { "billing_registration_json",
    "SELECT json_build_object('serial', r.serial, 'category', r.category, 'model', r.model,"
    "  'purchase_date', r.purchase_date::text, 'proof_kind', r.proof_kind, 'proof_reference', r.proof_reference,"
    "  'retailer', r.retailer, 'owner_ref', r.owner_ref, 'owner_name', r.owner_name, 'source', r.source,"
    "  'owners', (SELECT coalesce(json_agg(json_build_object('owner_ref', o.owner_ref, 'owner_name', o.owner_name,"
    "     'source', o.source, 'at', rfc3339(o.at)) ORDER BY o.id), '[]') FROM ownership o WHERE o.registration_id = r.id),"
    "  'contracts', (SELECT coalesce(json_agg(json_build_object('contract_no', c.contract_no,"
    "     'starts_on', c.starts_on::text, 'ends_on', c.ends_on::text) ORDER BY c.starts_on), '[]')"
    "     FROM contracts c WHERE c.serial = r.serial),"
    "  'repairs', (SELECT coalesce(json_agg(json_build_object('case_id', p.case_id, 'visit_id', p.visit_id,"
    "     'component', p.component, 'completed_on', p.completed_on::text) ORDER BY p.completed_on), '[]')"
    "     FROM repairs p WHERE p.serial = r.serial))::text"
    " FROM registrations r WHERE r.serial = $1" };

static int
s_reply_registration (as_call_t *call, const char *serial)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, serial);
    PGresult *result = as_pg_run (call->pg, &s_registration_json, &params, call->err);
    if (!result)
        return -1;
    int rc = PQntuples (result) == 1 ? billing_reply_json (call, "registration", as_pg_get_str (result, 0, 0))
           : as_error_set (call->err, AS_NOT_FOUND, "product %s is not registered", serial);
    PQclear (result);
    return rc;
}

int
billing_registration_add (as_call_t *call)
{
    char serial [AS_TEXT_SIZE (64)], owner_ref [AS_TEXT_SIZE (64)], owner_name [AS_TEXT_SIZE (100)];
    const msgpack_object *owner = as_obj_get (call->params, "owner");
    if (as_obj_text (call->params, NULL, "serial", serial, sizeof serial, call->err)
    ||  as_obj_text (owner, NULL, "ref", owner_ref, sizeof owner_ref, call->err)
    ||  as_obj_text (owner, NULL, "name", owner_name, sizeof owner_name, call->err)
    ||  billing_register (call->pg, call->params, "agent", s_opt (owner_ref), s_opt (owner_name), call->err))
        return -1;
    return s_reply_registration (call, serial);
}

int
billing_registration_show (as_call_t *call)
{
    char serial [AS_TEXT_SIZE (64)];
    if (as_obj_text (call->params, NULL, "serial", serial, sizeof serial, call->err))
        return -1;
    return s_reply_registration (call, serial);
}

int
billing_sale_recorded (as_delivery_t *delivery)
{
    char owner_ref [AS_TEXT_SIZE (64)], owner_name [AS_TEXT_SIZE (100)];
    const msgpack_object *owner = as_obj_get (delivery->data, "owner");
    return as_obj_text (owner, NULL, "ref", owner_ref, sizeof owner_ref, delivery->err)
        || as_obj_text (owner, NULL, "name", owner_name, sizeof owner_name, delivery->err)
        || billing_register (delivery->pg, delivery->data, "sale", s_opt (owner_ref), s_opt (owner_name),
                             delivery->err) ? -1 : 0;
}

static const as_stmt_t s_contract_insert = { "billing_contract_insert",
    "INSERT INTO contracts (contract_no, serial, starts_on, ends_on, price_fen)"
    " VALUES ($1, $2, $3::date, $4::date, $5) ON CONFLICT (contract_no) DO NOTHING" };

int
billing_contract_sold (as_delivery_t *delivery)
{
    char number [AS_TEXT_SIZE (64)], serial [AS_TEXT_SIZE (64)], starts [16], ends [16];
    int64_t price = 0;
    if (as_obj_text (delivery->data, NULL, "contract_no", number, sizeof number, delivery->err)
    ||  as_obj_text (delivery->data, NULL, "serial", serial, sizeof serial, delivery->err)
    ||  as_obj_text (delivery->data, NULL, "starts_on", starts, sizeof starts, delivery->err)
    ||  as_obj_text (delivery->data, NULL, "ends_on", ends, sizeof ends, delivery->err))
        return -1;
    as_obj_int (delivery->data, "price_fen", &price);
    if (strcmp (ends, starts) < 0)
        return as_error_set (delivery->err, AS_INVALID_ARGUMENT, "contract %s ends before it starts", number);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, number);
    as_pgp_str (&params, serial);
    as_pgp_str (&params, starts);
    as_pgp_str (&params, ends);
    as_pgp_int (&params, price);
    return as_pg_do (delivery->pg, &s_contract_insert, &params, delivery->err) < 0 ? -1 : 0;
}

int
billing_reply_json (as_call_t *call, const char *key, const char *json)
{
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    as_msg_t *msg = NULL;
    int rc = as_json_to_msgpack (json, &packed, call->err);
    if (rc == 0 && !(msg = as_msg_decode (packed.data, packed.size, 0, call->err)))
        rc = -1;
    if (rc == 0) {
        msgpack_pack_map (call->result, 1);
        as_pack_str (call->result, key);
        as_pack_object (call->result, as_msg_root (msg));
    }
    as_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&packed);
    return rc;
}

