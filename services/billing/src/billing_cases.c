/*  billing_cases: entitlement wired to data. The what-if check, the first
    decision at report time, the revision at diagnosis.                    */
#include "billing.h"
#include "as_log.h"
#include "as_msg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  What a decision is made from, as read from params, events and rows.
typedef struct {
    char category [32], model [AS_TEXT_SIZE (64)], serial [AS_TEXT_SIZE (64)];
    char purchase_date [16], proof_kind [16], cause [32], component [AS_TEXT_SIZE (64)];
    char on [AS_DATE_SIZE];
    char last_repair_on [16];           //  a what-if; else looked up
    int64_t case_id;                    //  its own repairs do not count as earlier ones
    int64_t visit_id;                   //  the diagnosing visit, or 0
} s_facts_t;

static const char *
s_opt (const char *text)
{
    return text && *text ? text : NULL;
}

//  The product's purchase data and the policy of its purchase day (given,
//  else registered, else the day decided on) in one statement, so both see
//  the same registration.
static const as_stmt_t s_product_policy = { "billing_product_policy",
    "SELECT r.purchase_date::text, r.proof_kind, p.document"
    " FROM (SELECT $2::text AS serial) AS product LEFT JOIN registrations r ON r.serial = product.serial"
    " LEFT JOIN LATERAL (SELECT document FROM policies"
    BILLING_IN_EFFECT_ON ("coalesce($1::date, r.purchase_date, $3::date)") ") AS p ON true" };
static const as_stmt_t s_active_contract = { "billing_active_contract",
    "SELECT contract_no, starts_on::text, ends_on::text FROM contracts"
    " WHERE serial = $1 AND starts_on <= $2::date AND ends_on >= $2::date ORDER BY ends_on DESC LIMIT 1" };
//  The same fault: the same component (any, before the diagnosis names one).
static const as_stmt_t s_last_repair = { "billing_last_repair",
    "SELECT max(completed_on)::text FROM repairs WHERE serial = $1 AND case_id <> $2"
    " AND ($3::text IS NULL OR component = $3) AND completed_on <= $4::date" };

//  The reads a decision needs, as the steps of one round trip.
typedef struct {
    as_pg_params_t product, contract, repair;
    as_pg_step_t steps [4];
    int count, product_at, contract_at, repair_at;     //  -1: not read
} s_reads_t;

//  `first`, when given, goes ahead of them (a write of the caller's).
static void
s_reads_prepare (s_reads_t *self, const s_facts_t *facts, const as_pg_step_t *first)
{
    self->count = 0;
    self->contract_at = self->repair_at = -1;
    if (first)
        self->steps [self->count++] = *first;
    as_pgp_reset (&self->product);
    as_pgp_str (&self->product, s_opt (facts->purchase_date));
    as_pgp_str (&self->product, facts->serial);
    as_pgp_str (&self->product, facts->on);
    self->product_at = self->count;
    self->steps [self->count++] = (as_pg_step_t) { &s_product_policy, NULL, &self->product, NULL };
    if (!facts->serial [0])
        return;
    as_pgp_reset (&self->contract);
    as_pgp_str (&self->contract, facts->serial);
    as_pgp_str (&self->contract, facts->on);
    self->contract_at = self->count;
    self->steps [self->count++] = (as_pg_step_t) { &s_active_contract, NULL, &self->contract, NULL };
    if (facts->last_repair_on [0])
        return;
    as_pgp_reset (&self->repair);
    as_pgp_str (&self->repair, facts->serial);
    as_pgp_int (&self->repair, facts->case_id);
    as_pgp_str (&self->repair, s_opt (facts->component));
    as_pgp_str (&self->repair, facts->on);
    self->repair_at = self->count;
    self->steps [self->count++] = (as_pg_step_t) { &s_last_repair, NULL, &self->repair, NULL };
}

//  Purchase data the caller did not give comes from the registration; the
//  policy is the one of the purchase day, else of the day decided on.
static int
s_reads_product (const s_reads_t *self, s_facts_t *facts, billing_policy_t *policy, as_error_t *err)
{
    const PGresult *row = self->steps [self->product_at].result;
    if (!facts->purchase_date [0] && as_pg_get_str (row, 0, 0))
        snprintf (facts->purchase_date, sizeof facts->purchase_date, "%s", as_pg_get_str (row, 0, 0));
    if (!facts->proof_kind [0] && as_pg_get_str (row, 0, 1))
        snprintf (facts->proof_kind, sizeof facts->proof_kind, "%s", as_pg_get_str (row, 0, 1));
    const char *day = facts->purchase_date [0] ? facts->purchase_date : facts->on;
    return billing_policy_stored (as_pg_get_str (row, 0, 2), day, policy, err);
}

//  The active contract (false when none) and the last repair of the product.
static bool
s_reads_history (const s_reads_t *self, s_facts_t *facts, billing_contract_t *contract)
{
    if (self->repair_at >= 0) {
        const char *last = as_pg_get_str (self->steps [self->repair_at].result, 0, 0);
        if (last)
            snprintf (facts->last_repair_on, sizeof facts->last_repair_on, "%s", last);
    }
    const PGresult *row = self->contract_at >= 0 ? self->steps [self->contract_at].result : NULL;
    if (!row || PQntuples (row) != 1)
        return false;
    snprintf (contract->contract_no, sizeof contract->contract_no, "%s", as_pg_get_str (row, 0, 0));
    snprintf (contract->starts_on, sizeof contract->starts_on, "%s", as_pg_get_str (row, 0, 1));
    snprintf (contract->ends_on, sizeof contract->ends_on, "%s", as_pg_get_str (row, 0, 2));
    return true;
}

//  Read the product's data, the policy of its purchase day, its contract
//  and last repair in one round trip, behind `first` when given (whose
//  result the caller gets back and clears), then ask the rules.
static int
s_decide (as_pg_t *pg, s_facts_t *facts, as_pg_step_t *first, billing_entitlement_t *decision, as_error_t *err)
{
    s_reads_t reads;
    s_reads_prepare (&reads, facts, first);
    billing_contract_t contract;
    bool has_contract = false;
    billing_policy_t *policy = calloc (1, sizeof *policy);
    int rc = as_pg_pipeline (pg, reads.steps, reads.count, err) || s_reads_product (&reads, facts, policy, err)
           ? -1 : 0;
    if (rc == 0) {
        has_contract = s_reads_history (&reads, facts, &contract);
        billing_entitlement_input_t input = { facts->category, s_opt (facts->model), s_opt (facts->purchase_date),
            s_opt (facts->proof_kind), s_opt (facts->cause), s_opt (facts->component), facts->on, policy,
            has_contract ? &contract : NULL, s_opt (facts->last_repair_on) };
        char why [256];
        if (billing_entitlement_decide (&input, decision, why, sizeof why))
            rc = as_error_set (err, AS_INVALID_ARGUMENT, "%s", why);
    }
    if (first)
        first->result = reads.steps [0].result;
    for (int index = first ? 1 : 0; index < reads.count; index++)
        PQclear (reads.steps [index].result);
    free (policy);
    return rc;
}

//  The decision's fields; the caller adds `extra` more pairs after.
static void
s_pack_decision (msgpack_packer *pk, const billing_entitlement_t *decision, const char *on, int extra)
{
    bool returns = decision->return_offered, exchanges = decision->exchange_offered;
    bool contract = decision->contract_no [0] != 0;
    msgpack_pack_map (pk, (size_t) (10 + returns + exchanges + contract + extra));
    as_pack_kv_str (pk, "service_type", decision->service_type);
    as_pack_kv_str (pk, "parts", decision->parts);
    as_pack_kv_str (pk, "labour", decision->labour);
    as_pack_kv_bool (pk, "visit_fee", decision->visit_fee);
    as_pack_kv_bool (pk, "repeat_repair", decision->repeat_repair);
    as_pack_kv_bool (pk, "diagnosed", decision->diagnosed);
    if (returns)
        as_pack_kv_str (pk, "return_until", decision->return_until);
    if (exchanges)
        as_pack_kv_str (pk, "exchange_until", decision->exchange_until);
    as_pack_kv_str (pk, "policy_version", decision->policy_version);
    if (contract)
        as_pack_kv_str (pk, "contract_no", decision->contract_no);
    as_pack_kv_str (pk, "decided_on", on);
    as_pack_str (pk, "coverage");
    msgpack_pack_array (pk, (size_t) decision->coverage_count);
    for (int index = 0; index < decision->coverage_count; index++) {
        const billing_coverage_t *coverage = &decision->coverage [index];
        msgpack_pack_map (pk, 3 + (coverage->covered_until [0] != 0));
        as_pack_kv_str (pk, "component", coverage->component);
        as_pack_kv_int (pk, "months", coverage->months);
        if (coverage->covered_until [0])
            as_pack_kv_str (pk, "covered_until", coverage->covered_until);
        as_pack_kv_bool (pk, "covered", coverage->covered);
    }
    as_pack_str (pk, "reasons");
    msgpack_pack_array (pk, (size_t) decision->reason_count);
    for (int index = 0; index < decision->reason_count; index++) {
        msgpack_pack_map (pk, 2);
        as_pack_kv_str (pk, "code", decision->reasons [index].code);
        as_pack_kv_str (pk, "text", decision->reasons [index].text);
    }
}

int
billing_entitlement_check (as_call_t *call)
{
    s_facts_t facts;
    memset (&facts, 0, sizeof facts);
    const msgpack_object *params = call->params;
    if (as_obj_text (params, NULL, "category", facts.category, sizeof facts.category, call->err)
    ||  as_obj_text (params, NULL, "model", facts.model, sizeof facts.model, call->err)
    ||  as_obj_text (params, NULL, "serial", facts.serial, sizeof facts.serial, call->err)
    ||  as_obj_text (params, NULL, "purchase_date", facts.purchase_date, sizeof facts.purchase_date, call->err)
    ||  as_obj_text (params, NULL, "proof_kind", facts.proof_kind, sizeof facts.proof_kind, call->err)
    ||  as_obj_text (params, NULL, "cause", facts.cause, sizeof facts.cause, call->err)
    ||  as_obj_text (params, NULL, "component", facts.component, sizeof facts.component, call->err)
    ||  as_obj_text (params, NULL, "last_repair_on", facts.last_repair_on, sizeof facts.last_repair_on, call->err)
    ||  as_obj_text (params, NULL, "on", facts.on, sizeof facts.on, call->err))
        return -1;
    if (!facts.on [0] && billing_business_date (call->service, call->pg, NULL, facts.on, call->err))
        return -1;
    billing_entitlement_t decision;
    if (s_decide (call->pg, &facts, NULL, &decision, call->err))
        return -1;
    s_pack_decision (call->result, &decision, facts.on, 0);
    return 0;
}

//  --- A case's decisions --------------------------------------------------------------

static const as_stmt_t s_case_exists = { "billing_case_exists",
    "SELECT service_type, status, reported_on::text FROM cases WHERE case_id = $1 FOR UPDATE" };
static const as_stmt_t s_case_insert = { "billing_case_insert",
    "INSERT INTO cases (case_id, serial, category, model, service_type, repeat_repair, decision, reported_on)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date)" };
static const as_stmt_t s_case_update = { "billing_case_update",
    "UPDATE cases SET cause = $2, component = $3, service_type = $4, repeat_repair = $5, decision = $6,"
    " updated_at = now() WHERE case_id = $1" };
static const as_stmt_t s_decision_insert = { "billing_decision_insert",
    "INSERT INTO decisions (case_id, kind, service_type, decision, visit_id) VALUES ($1, $2, $3, $4, $5)" };
static const as_stmt_t s_visit_seen = { "billing_visit_seen",
    "SELECT count(*) FROM decisions WHERE visit_id = $1" };

//  The decision event's data: the decision, then the case's own fields.
static void
s_pack_case_decision (msgpack_sbuffer *data, const billing_entitlement_t *decision, const s_facts_t *facts,
                      const char *previous)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, data, msgpack_sbuffer_write);
    int extra = 2 + (facts->cause [0] != 0) + (facts->component [0] != 0) + (previous != NULL);
    s_pack_decision (&pk, decision, facts->on, extra);
    as_pack_kv_int (&pk, "case_id", facts->case_id);
    as_pack_kv_str (&pk, "serial", facts->serial);
    if (facts->cause [0])
        as_pack_kv_str (&pk, "cause", facts->cause);
    if (facts->component [0])
        as_pack_kv_str (&pk, "component", facts->component);
    if (previous)
        as_pack_kv_str (&pk, "previous_service_type", previous);
}

//  Record the decision (history row) and emit it; the JSON kept is the event's data.
//  Both writes ride on the next round trip: the case row was found absent
//  under the consumer's cursor lock (the insert cannot conflict) or is
//  locked (the update is of that row), and the history row's visit was
//  found unapplied; the values are the rules' and the report's own.
static int
s_record_decision (as_service_t *service, as_pg_t *pg, const char *kind, const billing_entitlement_t *decision,
                   const s_facts_t *facts, const char *previous, const as_stmt_t *write, as_error_t *err)
{
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    s_pack_case_decision (&data, decision, facts, previous);
    as_msg_t *msg = as_msg_decode (data.data, data.size, 0, err);
    char *json = msg ? as_obj_to_json (as_msg_root (msg), false) : NULL;
    as_msg_destroy (&msg);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, facts->case_id);
    if (write == &s_case_insert) {
        as_pgp_str (&params, facts->serial);
        as_pgp_str (&params, facts->category);
        as_pgp_str (&params, facts->model);
        as_pgp_str (&params, decision->service_type);
        as_pgp_bool (&params, decision->repeat_repair);
        as_pgp_str (&params, json);
        as_pgp_str (&params, facts->on);
    }
    else {
        as_pgp_str (&params, s_opt (facts->cause));
        as_pgp_str (&params, s_opt (facts->component));
        as_pgp_str (&params, decision->service_type);
        as_pgp_bool (&params, decision->repeat_repair);
        as_pgp_str (&params, json);
    }
    as_pg_params_t history;
    as_pgp_reset (&history);
    as_pgp_int (&history, facts->case_id);
    as_pgp_str (&history, kind);
    as_pgp_str (&history, decision->service_type);
    as_pgp_str (&history, json);
    if (facts->visit_id)
        as_pgp_int (&history, facts->visit_id);
    else
        as_pgp_null (&history);
    char subject [32], type [32];
    snprintf (subject, sizeof subject, "case/%lld", (long long) facts->case_id);
    snprintf (type, sizeof type, "entitlement.%s", kind);
    int rc = json && as_pg_defer (pg, write, &params, err) == 0
          && as_pg_defer (pg, &s_decision_insert, &history, err) == 0
          && as_service_emit (service, type, subject, data.data, data.size, err) == 0 ? 0 : -1;
    free (json);
    msgpack_sbuffer_destroy (&data);
    return rc;
}

//  Where a case stands before a decision, read in one round trip with the
//  business date of the fact (`instant`) into facts->on: for a diagnosis,
//  whether its visit was applied already; the case row, locked.
typedef struct {
    bool visit_seen;
    bool exists;
    char service_type [16], status [16];
    char reported_on [11];          //  the business date of the report
} s_case_t;

static int
s_case_read (as_delivery_t *delivery, s_facts_t *facts, bool diagnosis, const char *instant, s_case_t *kase)
{
    memset (kase, 0, sizeof *kase);
    as_pg_params_t visit, lock, zone;
    as_pgp_reset (&visit);
    as_pgp_int (&visit, facts->visit_id);
    as_pgp_reset (&lock);
    as_pgp_int (&lock, facts->case_id);
    as_pg_step_t steps [3] = { { &s_visit_seen, NULL, &visit, NULL }, { &s_case_exists, NULL, &lock, NULL },
                               billing_business_date_step (delivery->service, instant, &zone) };
    int rc = diagnosis ? as_pg_pipeline (delivery->pg, steps, 3, delivery->err)
                       : as_pg_pipeline (delivery->pg, steps + 1, 2, delivery->err);
    if (rc == 0) {
        kase->visit_seen = diagnosis && as_pg_get_int (steps [0].result, 0, 0) > 0;
        kase->exists = PQntuples (steps [1].result) == 1;
        if (kase->exists) {
            snprintf (kase->service_type, sizeof kase->service_type, "%s", as_pg_get_str (steps [1].result, 0, 0));
            snprintf (kase->status, sizeof kase->status, "%s", as_pg_get_str (steps [1].result, 0, 1));
            const char *reported_on = as_pg_get_str (steps [1].result, 0, 2);
            snprintf (kase->reported_on, sizeof kase->reported_on, "%s", reported_on ? reported_on : "");
        }
        rc = billing_business_date_read (steps [2].result, instant, facts->on, delivery->err);
    }
    for (int index = 0; index < 3; index++)
        PQclear (steps [index].result);
    return rc;
}

//  A new case: register the product from the report's purchase data, then
//  the first decision on the reported fault (no cause yet).
int
billing_case_reported (as_delivery_t *delivery)
{
    const msgpack_object *data = delivery->data;
    s_facts_t facts;
    memset (&facts, 0, sizeof facts);
    as_obj_int (data, "case_id", &facts.case_id);
    char reported_at [64], owner_ref [24], owner_name [AS_TEXT_SIZE (100)];
    if (as_obj_text (data, NULL, "reported_at", reported_at, sizeof reported_at, delivery->err))
        return -1;
    s_case_t kase;
    if (s_case_read (delivery, &facts, false, reported_at, &kase))
        return -1;
    if (kase.exists)
        return 0;                           //  already decided: a repeated report changes nothing
    const msgpack_object *product = as_obj_get (data, "product");
    const msgpack_object *customer = as_obj_get (data, "customer");
    int64_t customer_id = 0;
    as_obj_int (customer, "customer_id", &customer_id);
    snprintf (owner_ref, sizeof owner_ref, "customer/%lld", (long long) customer_id);
    //  The registration goes first in the round trip of the decision's reads.
    billing_registration_t registration;
    as_pg_step_t registered;
    if (as_obj_text (customer, NULL, "name", owner_name, sizeof owner_name, delivery->err)
    ||  as_obj_text (product, NULL, "serial", facts.serial, sizeof facts.serial, delivery->err)
    ||  as_obj_text (product, NULL, "category", facts.category, sizeof facts.category, delivery->err)
    ||  as_obj_text (product, NULL, "model", facts.model, sizeof facts.model, delivery->err)
    ||  billing_registration_step (&registration, product, "case", owner_ref, owner_name, &registered,
                                   delivery->err))
        return -1;
    billing_entitlement_t decision;
    int rc = s_decide (delivery->pg, &facts, &registered, &decision, delivery->err);
    PQclear (registered.result);
    if (rc)
        return -1;
    as_service_count (delivery->service, "entitlements_decided", 1);
    return s_record_decision (delivery->service, delivery->pg, "decided", &decision, &facts, NULL, &s_case_insert,
                              delivery->err);
}

static const as_stmt_t s_case_cancel = { "billing_case_cancel",
    "UPDATE cases SET status = 'cancelled', updated_at = now() WHERE case_id = $1 AND status = 'open'" };
static const as_stmt_t s_quotes_void = { "billing_quotes_void",
    "UPDATE quotes SET status = 'superseded', decided_at = now(), decided_by = 'case cancelled'"
    " WHERE case_id = $1 AND status = 'issued'" };

//  A cancelled case: nothing more to charge; its open quote lapses.
int
billing_case_cancelled (as_delivery_t *delivery)
{
    int64_t case_id = 0;
    as_obj_int (delivery->data, "case_id", &case_id);
    //  Neither count is used and neither update can break a constraint:
    //  both ride on the next round trip.
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    return as_pg_defer (delivery->pg, &s_case_cancel, &params, delivery->err)
        || as_pg_defer (delivery->pg, &s_quotes_void, &params, delivery->err) ? -1 : 0;
}

//  The engineer's cause (and component) revises the decision; a contract
//  or paid repair gets its quote. Coverage is judged on the date the
//  customer reported the fault (a request made within the period is
//  covered however late the visit), the quote's prices on the diagnosis's.
int
billing_visit_diagnosed (as_delivery_t *delivery)
{
    const msgpack_object *data = delivery->data;
    s_facts_t facts;
    memset (&facts, 0, sizeof facts);
    as_obj_int (data, "case_id", &facts.case_id);
    as_obj_int (data, "visit_id", &facts.visit_id);
    char diagnosed_at [64];
    if (as_obj_text (data, NULL, "diagnosed_at", diagnosed_at, sizeof diagnosed_at, delivery->err))
        return -1;
    s_case_t kase;
    if (s_case_read (delivery, &facts, true, diagnosed_at, &kase))
        return -1;
    if (kase.visit_seen)
        return 0;                           //  this visit's diagnosis was applied already
    if (!kase.exists)
        return as_error_set (delivery->err, AS_FAILED_PRECONDITION, "case %lld was never reported to billing",
                             (long long) facts.case_id);
    if (strcmp (kase.status, "open") != 0)
        return as_error_set (delivery->err, AS_FAILED_PRECONDITION, "case %lld is %s",
                             (long long) facts.case_id, kase.status);
    if (as_obj_text (data, NULL, "serial", facts.serial, sizeof facts.serial, delivery->err)
    ||  as_obj_text (data, NULL, "category", facts.category, sizeof facts.category, delivery->err)
    ||  as_obj_text (data, NULL, "model", facts.model, sizeof facts.model, delivery->err)
    ||  as_obj_text (data, NULL, "cause", facts.cause, sizeof facts.cause, delivery->err)
    ||  as_obj_text (data, NULL, "component", facts.component, sizeof facts.component, delivery->err))
        return -1;
    char diagnosed_on [sizeof facts.on];
    snprintf (diagnosed_on, sizeof diagnosed_on, "%s", facts.on);
    if (kase.reported_on [0])           //  NOT NULL in the table: always, unless edited by hand
        snprintf (facts.on, sizeof facts.on, "%s", kase.reported_on);
    billing_entitlement_t decision;
    if (s_decide (delivery->pg, &facts, NULL, &decision, delivery->err)
    ||  s_record_decision (delivery->service, delivery->pg, "changed", &decision, &facts, kase.service_type,
                           &s_case_update, delivery->err))
        return -1;
    as_service_count (delivery->service, "entitlements_changed", 1);
    return billing_quote_for_diagnosis (delivery->service, delivery->pg, data, &decision, diagnosed_on, delivery->err);
}
