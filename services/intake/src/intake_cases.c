/*  intake_cases: reports, triage, cancel, escalate, history of repair cases.*/
#include "intake_cases.h"
#include "as_date.h"
#include "as_log.h"
#include "as_msg.h"
#include "as_test.h"
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  A report as taken from case.report or from a device event. Each text
//  holds its field's max_len in the catalogue (characters, see
//  AS_TEXT_SIZE); enumerations and dates hold their longest value.
typedef struct {
    char name [AS_TEXT_SIZE (100)], phone [AS_TEXT_SIZE (32)], email [AS_TEXT_SIZE (254)],
         address [AS_TEXT_SIZE (300)];
    bool located;
    double lat, lon;
    char category [32], model [AS_TEXT_SIZE (64)], serial [AS_TEXT_SIZE (64)], purchase_date [11];
    char proof_kind [16], proof_reference [AS_TEXT_SIZE (64)], retailer [AS_TEXT_SIZE (100)];
    char symptom [AS_TEXT_SIZE (2000)], channel [16], priority [16], fault_code [AS_TEXT_SIZE (32)],
         external_ref [AS_TEXT_SIZE (128)];
} s_report_t;

//  States a case can be in, and the moves between them. Later services
//  move a case forward through their events; anything else is refused.
static const struct {
    const char *from;
    const char *to;
} s_transitions [] = {
    { "reported", "triaged" }, { "reported", "cancelled" }, { "reported", "escalated" },
    { "triaged", "resolved_remotely" }, { "triaged", "awaiting_visit" },
    { "triaged", "cancelled" }, { "triaged", "escalated" },
    { "awaiting_visit", "cancelled" }, { "awaiting_visit", "escalated" }, { "awaiting_visit", "closed" },
    { "escalated", "triaged" }, { "escalated", "cancelled" }, { "escalated", "closed" },
    { "resolved_remotely", "closed" },
};

bool
intake_transition_allowed (const char *from, const char *to)
{
    for (size_t index = 0; index < sizeof s_transitions / sizeof s_transitions [0]; index++)
        if (!strcmp (s_transitions [index].from, from) && !strcmp (s_transitions [index].to, to))
            return true;
    return false;
}

//  --- Validation ---------------------------------------------------------------

//  Mainland mobile (1[3-9] + 9 digits) or landline (0 + area code + number),
//  optionally written with +86 and spaces or dashes.
bool
intake_phone_valid (const char *phone)
{
    char digits [33];
    size_t count = 0;
    const char *cursor = phone;
    if (strncmp (cursor, "+86", 3) == 0)
        cursor += 3;
    for (; *cursor; cursor++) {
        if (isdigit ((unsigned char) *cursor)) {
            if (count + 1 >= sizeof digits)
                return false;
            digits [count++] = *cursor;
        }
        else
        if (*cursor != ' ' && *cursor != '-')
            return false;
    }
    digits [count] = 0;
    if (count == 11 && digits [0] == '1' && digits [1] >= '3' && digits [1] <= '9')
        return true;
    return count >= 10 && count <= 12 && digits [0] == '0';
}

bool
intake_purchase_date_valid (const char *date, time_t now, char *why, size_t why_size)
{
    int64_t day = 0;
    bool shaped = strlen (date) == 10;
    for (int index = 0; shaped && index < 10; index++)
        shaped = index == 4 || index == 7 ? date [index] == '-' : isdigit ((unsigned char) date [index]) != 0;
    if (!shaped) {
        snprintf (why, why_size, "'%s' is not YYYY-MM-DD", date);
        return false;
    }
    if (!as_date_parse (date, &day)) {
        snprintf (why, why_size, "'%s' does not exist", date);
        return false;
    }
    //  Today where the date is furthest ahead: UTC+14 (Line Islands). The
    //  report's statement then holds it to today in INTAKE_TIME_ZONE, the
    //  business date billing judges the warranty on.
    int64_t today_ahead = ((int64_t) now + 14 * 3600) / 86400;
    if (day > today_ahead) {
        snprintf (why, why_size, "%s is in the future", date);
        return false;
    }
    if (day < as_date_from_civil (1990, 1, 1)) {
        snprintf (why, why_size, "%s is before 1990", date);
        return false;
    }
    return true;
}

bool
intake_email_valid (const char *email)
{
    const char *at = strchr (email, '@');
    if (!at || at == email || strchr (at + 1, '@'))
        return false;
    for (const char *cursor = email; *cursor; cursor++)
        if (isspace ((unsigned char) *cursor))
            return false;
    const char *domain = at + 1;
    size_t length = strlen (domain);
    const char *dot = strchr (domain, '.');
    return dot && domain [0] != '.' && domain [length - 1] != '.';
}

static bool
s_blank (const char *text)
{
    for (; *text; text++)
        if (!isspace ((unsigned char) *text))
            return false;
    return true;
}

static int
s_validate (const s_report_t *report, as_error_t *err)
{
    char why [128];
    if (s_blank (report->name))
        return as_error_set (err, AS_INVALID_ARGUMENT, "customer.name is blank");
    if (s_blank (report->address))
        return as_error_set (err, AS_INVALID_ARGUMENT, "customer.address is blank");
    if (s_blank (report->symptom))
        return as_error_set (err, AS_INVALID_ARGUMENT, "symptom is blank");
    if (!intake_phone_valid (report->phone))
        return as_error_set (err, AS_INVALID_ARGUMENT,
                             "customer.phone is not a phone number (mobile 1XXXXXXXXXX or landline 0XX-XXXXXXXX)");
    if (report->email [0] && !intake_email_valid (report->email))
        return as_error_set (err, AS_INVALID_ARGUMENT,
                             "customer.email is not an e-mail address (name@domain.tld)");
    if (report->purchase_date [0]
    &&  !intake_purchase_date_valid (report->purchase_date, time (NULL), why, sizeof why))
        return as_error_set (err, AS_INVALID_ARGUMENT, "product.purchase_date: %s", why);
    return 0;
}

//  --- Reading a report ---------------------------------------------------------

static void
s_read_location (const msgpack_object *customer, s_report_t *report)
{
    const msgpack_object *location = as_obj_get (customer, "location");
    const msgpack_object *lat = as_obj_get (location, "lat");
    const msgpack_object *lon = as_obj_get (location, "lon");
    if (!lat || !lon)
        return;
    report->located = true;
    report->lat = lat->type == MSGPACK_OBJECT_FLOAT64 || lat->type == MSGPACK_OBJECT_FLOAT32
                ? lat->via.f64 : (double) lat->via.i64;
    report->lon = lon->type == MSGPACK_OBJECT_FLOAT64 || lon->type == MSGPACK_OBJECT_FLOAT32
                ? lon->via.f64 : (double) lon->via.i64;
}


//  The texts of a map into their buffers, in order; -1 at the first that
//  does not fit.
typedef struct {
    const char *key;
    char *buf;
    size_t size;
} s_text_t;

static int
s_read_texts (const msgpack_object *map, const char *where, const s_text_t *texts, int count, as_error_t *err)
{
    for (int index = 0; index < count; index++)
        if (as_obj_text (map, where, texts [index].key, texts [index].buf, texts [index].size, err) < 0)
            return -1;
    return 0;
}

#define S_TEXT(key, field) { key, report->field, sizeof report->field }

static int
s_read_person (const msgpack_object *person, const char *where, s_report_t *report, as_error_t *err)
{
    const s_text_t texts [] = { S_TEXT ("name", name), S_TEXT ("phone", phone), S_TEXT ("email", email),
                                S_TEXT ("address", address) };
    if (s_read_texts (person, where, texts, 4, err))
        return -1;
    s_read_location (person, report);
    return 0;
}

static int
s_read_report (const msgpack_object *params, s_report_t *report, as_error_t *err)
{
    memset (report, 0, sizeof *report);
    const msgpack_object *product = as_obj_get (params, "product");
    const s_text_t product_texts [] = { S_TEXT ("category", category), S_TEXT ("model", model),
        S_TEXT ("serial", serial), S_TEXT ("purchase_date", purchase_date), S_TEXT ("retailer", retailer) };
    const s_text_t proof_texts [] = { S_TEXT ("kind", proof_kind), S_TEXT ("reference", proof_reference) };
    const s_text_t case_texts [] = { S_TEXT ("symptom", symptom), S_TEXT ("channel", channel),
        S_TEXT ("priority", priority), S_TEXT ("fault_code", fault_code), S_TEXT ("external_ref", external_ref) };
    if (s_read_person (as_obj_get (params, "customer"), "customer", report, err)
    ||  s_read_texts (product, "product", product_texts, 5, err)
    ||  s_read_texts (as_obj_get (product, "proof"), "product.proof", proof_texts, 2, err)
    ||  s_read_texts (params, NULL, case_texts, 5, err))
        return -1;
    if (!*report->priority)
        strcpy (report->priority, "normal");
    return 0;
}

//  A device event's fields into a report (channel device, priority normal).
static int
s_read_device_report (const msgpack_object *data, s_report_t *report, as_error_t *err)
{
    memset (report, 0, sizeof *report);
    const s_text_t texts [] = { S_TEXT ("category", category), S_TEXT ("model", model), S_TEXT ("serial", serial),
        S_TEXT ("purchase_date", purchase_date), S_TEXT ("fault_code", fault_code),
        S_TEXT ("device_id", external_ref), S_TEXT ("description", symptom) };
    if (s_read_person (as_obj_get (data, "owner"), "owner", report, err)
    ||  s_read_texts (data, NULL, texts, 7, err))
        return -1;
    if (!*report->symptom)
        snprintf (report->symptom, sizeof report->symptom, "device reported fault code %s", report->fault_code);
    strcpy (report->channel, "device");
    strcpy (report->priority, "normal");
    return 0;
}

//  --- Recording a report -------------------------------------------------------------

//  A report in one statement (one round trip): the customer (the same
//  phone is the same customer; details given later win), the product (a
//  serial is one product, and it follows its new owner after a second-hand
//  sale), a new case unless the product has an open one, and that case's
//  first history entry. Columns: customer id, product id, category, model,
//  purchase date, proof kind, proof reference, retailer, then the new
//  case's id and report time (NULL when the product already had an open case).
static const as_stmt_t s_record = { "intake_record_report",
    "WITH customer AS ("
    "  INSERT INTO customers (name, phone, email, address, lat, lon) SELECT $1, $2, $3, $4, $5, $6"
    "  WHERE $10::date IS NULL OR $10::date <= (now() AT TIME ZONE $21)::date"
    "  ON CONFLICT (phone) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,"
    "   email = coalesce(EXCLUDED.email, customers.email), lat = coalesce(EXCLUDED.lat, customers.lat),"
    "   lon = coalesce(EXCLUDED.lon, customers.lon), updated_at = now()"
    "  RETURNING id),"
    " product AS ("
    "  INSERT INTO products (serial, category, model, purchase_date, proof_kind, proof_reference,"
    "   retailer, customer_id)"
    "  SELECT $7, $8, $9, $10::date, $11, $12, $13, customer.id FROM customer"
    "  ON CONFLICT (serial) DO UPDATE SET customer_id = EXCLUDED.customer_id,"
    "   purchase_date = coalesce(EXCLUDED.purchase_date, products.purchase_date),"
    "   proof_kind = coalesce(EXCLUDED.proof_kind, products.proof_kind),"
    "   proof_reference = coalesce(EXCLUDED.proof_reference, products.proof_reference),"
    "   retailer = coalesce(EXCLUDED.retailer, products.retailer)"
    "  RETURNING id, category, model, purchase_date::text AS purchase_date, proof_kind, proof_reference, retailer),"
    " opened AS ("
    "  INSERT INTO cases (customer_id, product_id, channel, symptom, fault_code, external_ref,"
    "   priority, first_contact_due)"
    "  SELECT customer.id, product.id, $14, $15, $16, $17, $18,"
    "   open_hours_due(now(), $19::int, $21, $22::time, $23::time)"
    "  FROM customer, product"
    "  ON CONFLICT (product_id) WHERE status NOT IN ('resolved_remotely', 'cancelled', 'closed')"
    "  DO NOTHING RETURNING id, reported_at, first_contact_due),"
    " history AS ("
    "  INSERT INTO case_history (case_id, from_status, to_status, actor, note)"
    "  SELECT opened.id, NULL, 'reported', $20, $14 FROM opened)"
    " SELECT customer.id, product.id, product.category, product.model, product.purchase_date,"
    "  product.proof_kind, product.proof_reference, product.retailer, opened.id, rfc3339(opened.reported_at),"
    "  rfc3339(opened.first_contact_due)"
    " FROM customer CROSS JOIN product LEFT JOIN opened ON true" };

static const as_stmt_t s_link_case = { "intake_link_case",
    "UPDATE cases SET linked_reports = linked_reports + 1, updated_at = now()"
    " WHERE product_id = $1 AND status NOT IN ('resolved_remotely', 'cancelled', 'closed')"
    " RETURNING id, status" };

static const as_stmt_t s_insert_history = { "intake_insert_history",
    "INSERT INTO case_history (case_id, from_status, to_status, actor, note)"
    " VALUES ($1, $2, $3, $4, $5)" };

int
intake_history (as_pg_t *pg, int64_t case_id, const char *from, const char *to,
                const char *actor, const char *note, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, from);
    as_pgp_str (&params, to);
    as_pgp_str (&params, actor);
    as_pgp_str (&params, note && *note ? note : NULL);
    //  Nothing the caller sends can make it fail (the case exists, the
    //  actor is set): it rides on the transaction's next round trip.
    return as_pg_defer (pg, &s_insert_history, &params, err);
}

static const char *
s_opt (const char *text)
{
    return text && *text ? text : NULL;
}

//  Pack a string field only when it has a value.
static int
s_count_present (const char *const *values, int count)
{
    int present = 0;
    for (int index = 0; index < count; index++)
        present += values [index] != NULL;
    return present;
}

static void
s_pack_optional (msgpack_packer *pk, const char *const *keys, const char *const *values, int count)
{
    for (int index = 0; index < count; index++)
        if (values [index])
            as_pack_kv_str (pk, keys [index], values [index]);
}

static void
s_pack_reported (msgpack_packer *pk, const s_report_t *report, const PGresult *recorded)
{
    const char *customer_keys [] = { "email" };
    const char *customer_values [] = { s_opt (report->email) };
    const char *product_keys [] = { "purchase_date", "proof_kind", "proof_reference", "retailer" };
    const char *product_values [] = { as_pg_get_str (recorded, 0, 4), as_pg_get_str (recorded, 0, 5),
                                      as_pg_get_str (recorded, 0, 6), as_pg_get_str (recorded, 0, 7) };
    const char *case_keys [] = { "fault_code" };
    const char *case_values [] = { s_opt (report->fault_code) };

    msgpack_pack_map (pk, 8 + s_count_present (case_values, 1));
    as_pack_kv_int (pk, "case_id", as_pg_get_int (recorded, 0, 8));
    as_pack_str (pk, "customer");
    msgpack_pack_map (pk, 4 + s_count_present (customer_values, 1) + report->located);
    as_pack_kv_int (pk, "customer_id", as_pg_get_int (recorded, 0, 0));
    as_pack_kv_str (pk, "name", report->name);
    as_pack_kv_str (pk, "phone", report->phone);
    as_pack_kv_str (pk, "address", report->address);
    s_pack_optional (pk, customer_keys, customer_values, 1);
    if (report->located) {
        as_pack_str (pk, "location");
        msgpack_pack_map (pk, 2);
        as_pack_str (pk, "lat");
        msgpack_pack_double (pk, report->lat);
        as_pack_str (pk, "lon");
        msgpack_pack_double (pk, report->lon);
    }
    as_pack_str (pk, "product");
    msgpack_pack_map (pk, 4 + s_count_present (product_values, 4));
    as_pack_kv_int (pk, "product_id", as_pg_get_int (recorded, 0, 1));
    as_pack_kv_str (pk, "category", as_pg_get_str (recorded, 0, 2));
    as_pack_kv_str (pk, "model", as_pg_get_str (recorded, 0, 3));
    as_pack_kv_str (pk, "serial", report->serial);
    s_pack_optional (pk, product_keys, product_values, 4);
    as_pack_kv_str (pk, "symptom", report->symptom);
    as_pack_kv_str (pk, "channel", report->channel);
    as_pack_kv_str (pk, "priority", report->priority);
    s_pack_optional (pk, case_keys, case_values, 1);
    as_pack_kv_str (pk, "reported_at", as_pg_get_str (recorded, 0, 9));
    as_pack_kv_str (pk, "first_contact_due", as_pg_get_str (recorded, 0, 10));
}

static void
s_pack_report_result (msgpack_packer *pk, int64_t case_id, const char *status, bool linked,
                      int64_t customer_id, int64_t product_id)
{
    msgpack_pack_map (pk, 5);
    as_pack_kv_int (pk, "case_id", case_id);
    as_pack_kv_str (pk, "status", status);
    as_pack_kv_bool (pk, "linked", linked);
    as_pack_kv_int (pk, "customer_id", customer_id);
    as_pack_kv_int (pk, "product_id", product_id);
}

static int
s_emit (as_service_t *service, const char *type, int64_t case_id, msgpack_sbuffer *data, as_error_t *err)
{
    char subject [32];
    snprintf (subject, sizeof subject, "case/%lld", (long long) case_id);
    return as_service_emit (service, type, subject, data->data, data->size, err);
}

//  A repeat report of a product with an open case: the open case takes it.
static int
s_link_report (as_service_t *service, as_pg_t *pg, const s_report_t *report, int64_t product_id,
               const char *actor, int64_t *case_id, char *status, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, product_id);
    PGresult *linked = as_pg_run (pg, &s_link_case, &params, err);
    if (!linked)
        return -1;
    if (PQntuples (linked) != 1) {
        PQclear (linked);
        return as_error_set (err, AS_ABORTED, "the open case of this product changed meanwhile, retry");
    }
    *case_id = as_pg_get_int (linked, 0, 0);
    snprintf (status, 32, "%s", as_pg_get_str (linked, 0, 1));
    PQclear (linked);
    char note [160];
    snprintf (note, sizeof note, "repeat report by %s linked to this case", report->channel);
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 3);
    as_pack_kv_int (&pk, "case_id", *case_id);
    as_pack_kv_str (&pk, "channel", report->channel);
    as_pack_kv_str (&pk, "symptom", report->symptom);
    int rc = intake_history (pg, *case_id, status, status, actor, note, err) == 0
          && s_emit (service, "case.linked", *case_id, &data, err) == 0 ? 0 : -1;
    msgpack_sbuffer_destroy (&data);
    return rc;
}

static PGresult *
s_record_rows (as_service_t *service, as_pg_t *pg, const s_report_t *report, const char *actor,
               as_error_t *err)
{
    char lat [32], lon [32];
    snprintf (lat, sizeof lat, "%.7f", report->lat);
    snprintf (lon, sizeof lon, "%.7f", report->lon);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, report->name);
    as_pgp_str (&params, report->phone);
    as_pgp_str (&params, s_opt (report->email));
    as_pgp_str (&params, report->address);
    as_pgp_str (&params, report->located ? lat : NULL);
    as_pgp_str (&params, report->located ? lon : NULL);
    as_pgp_str (&params, report->serial);
    as_pgp_str (&params, report->category);
    as_pgp_str (&params, report->model);
    as_pgp_str (&params, s_opt (report->purchase_date));
    as_pgp_str (&params, s_opt (report->proof_kind));
    as_pgp_str (&params, s_opt (report->proof_reference));
    as_pgp_str (&params, s_opt (report->retailer));
    as_pgp_str (&params, report->channel);
    as_pgp_str (&params, report->symptom);
    as_pgp_str (&params, s_opt (report->fault_code));
    as_pgp_str (&params, s_opt (report->external_ref));
    as_pgp_str (&params, report->priority);
    as_pgp_int (&params, as_service_setting_int (service, "INTAKE_FIRST_CONTACT_MINUTES"));
    as_pgp_str (&params, actor);
    as_pgp_str (&params, as_service_setting (service, "INTAKE_TIME_ZONE"));
    as_pgp_str (&params, as_service_setting (service, "INTAKE_OPENS"));
    as_pgp_str (&params, as_service_setting (service, "INTAKE_CLOSES"));
    return as_pg_run (pg, &s_record, &params, err);
}

static const as_stmt_t s_hours_check = { "intake_hours_check",
    "SELECT now() AT TIME ZONE $1" };

int
intake_hours_check (as_pg_t *pg, const char *zone, const char *opens, const char *closes, as_error_t *err)
{
    int open = as_clock_parse (opens), close = as_clock_parse (closes);
    if (open < 0 || close < 0 || close <= open)
        return as_error_set (err, AS_INVALID_ARGUMENT, "INTAKE_OPENS/INTAKE_CLOSES: need HH:MM with the opening"
                             " before the closing, not %s-%s", opens, closes);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_str (&params, zone);
    PGresult *result = as_pg_run (pg, &s_hours_check, &params, err);
    if (!result && err && strcmp (err->sqlstate, "22023") == 0)     //  invalid_parameter_value
        return as_error_set (err, AS_INVALID_ARGUMENT, "INTAKE_TIME_ZONE: PostgreSQL does not know the zone '%s'",
                             zone);
    if (!result)
        return -1;
    PQclear (result);
    return 0;
}

//  Record a report in the caller's transaction: customer, product, then a
//  new case (case.reported) or the open case of that product (case.linked).
static int
s_record_report (as_service_t *service, as_pg_t *pg, const s_report_t *report, const char *actor,
                 msgpack_packer *result, as_error_t *err)
{
    if (s_validate (report, err))
        return -1;
    PGresult *recorded = s_record_rows (service, pg, report, actor, err);
    if (!recorded)
        return -1;
    if (PQntuples (recorded) == 0) {
        //  The purchase date is after today in the business zone: nothing
        //  was written (billing would refuse to judge it).
        PQclear (recorded);
        return as_error_set (err, AS_INVALID_ARGUMENT, "product.purchase_date: %s is after today in %s",
                             report->purchase_date, as_service_setting (service, "INTAKE_TIME_ZONE"));
    }
    int64_t customer_id = as_pg_get_int (recorded, 0, 0);
    int64_t product_id = as_pg_get_int (recorded, 0, 1);
    bool linked = PQgetisnull (recorded, 0, 8);
    int64_t case_id = 0;
    char status [32] = "reported";
    int rc = -1;
    if (!linked) {
        case_id = as_pg_get_int (recorded, 0, 8);
        msgpack_sbuffer data;
        msgpack_sbuffer_init (&data);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
        s_pack_reported (&pk, report, recorded);
        rc = s_emit (service, "case.reported", case_id, &data, err);
        msgpack_sbuffer_destroy (&data);
        if (rc == 0)
            as_service_count (service, "cases_reported", 1);
    }
    else {
        rc = s_link_report (service, pg, report, product_id, actor, &case_id, status, err);
        if (rc == 0)
            as_service_count (service, "reports_linked", 1);
    }
    if (rc == 0 && result)
        s_pack_report_result (result, case_id, status, linked, customer_id, product_id);
    PQclear (recorded);
    return rc;
}

int
intake_case_report (as_call_t *call)
{
    s_report_t report;
    if (s_read_report (call->params, &report, call->err))
        return -1;
    return s_record_report (call->service, call->pg, &report, call->actor, call->result, call->err);
}

//  A smart-home platform's fault report opens a case on channel "device";
//  the ingress inbox makes a retried delivery a no-op.
int
intake_device_fault (as_delivery_t *delivery)
{
    s_report_t report;
    if (s_read_device_report (delivery->data, &report, delivery->err))
        return -1;
    char actor [160];
    snprintf (actor, sizeof actor, "device:%.140s", delivery->publisher);
    return s_record_report (delivery->service, delivery->pg, &report, actor, NULL, delivery->err);
}

//  --- Reading cases --------------------------------------------------------------------

#define S_CASE_COLUMNS \
    "c.id, c.status, c.channel, c.priority, c.symptom, c.fault_code, c.external_ref," \
    " rfc3339(c.reported_at), rfc3339(c.updated_at), rfc3339(c.first_contact_due)," \
    " c.linked_reports, c.cancel_reason, c.escalation_reason, c.escalated_to," \
    " cu.id, cu.name, cu.phone, cu.email, cu.address," \
    " p.id, p.category, p.model, p.serial, p.purchase_date::text, p.proof_kind, p.retailer," \
    " rfc3339(c.closed_at), c.close_outcome, c.close_reason, c.closed_by_visit"

static const as_stmt_t s_get_case = { "intake_get_case",
    "SELECT " S_CASE_COLUMNS " FROM cases c JOIN customers cu ON cu.id = c.customer_id"
    " JOIN products p ON p.id = c.product_id WHERE c.id = $1" };

#define S_LIST_CASES \
    "SELECT " S_CASE_COLUMNS " FROM cases c JOIN customers cu ON cu.id = c.customer_id" \
    " JOIN products p ON p.id = c.product_id" \
    " WHERE c.id > $1 AND ($2::text IS NULL OR c.status = $2) AND ($3::text IS NULL OR c.channel = $3)" \
    "  AND ($4::text IS NULL OR p.category = $4)"
static const as_stmt_t s_list_cases = { "intake_list_cases",
    S_LIST_CASES " AND ($5::text IS NULL OR p.serial = $5) ORDER BY c.id LIMIT $6" };
//  By serial: a plain equality lets the plan start from the product (a
//  generic plan of "$5 IS NULL OR ..." walks every case by id).
static const as_stmt_t s_list_cases_of_serial = { "intake_list_cases_of_serial",
    S_LIST_CASES " AND p.serial = $5 ORDER BY c.id LIMIT $6" };

static int
s_present_columns (const PGresult *result, int row, int first, int count)
{
    int present = 0;
    for (int index = 0; index < count; index++)
        present += !PQgetisnull (result, row, first + index);
    return present;
}

//  Pack columns [first, first + count) as key: value pairs, skipping NULLs.
static void
s_pack_columns (msgpack_packer *pk, const PGresult *result, int row, const char *const *keys,
                int first, int count, const bool *numeric)
{
    for (int index = 0; index < count; index++) {
        if (PQgetisnull (result, row, first + index))
            continue;
        if (numeric [index])
            as_pack_kv_int (pk, keys [index], as_pg_get_int (result, row, first + index));
        else
            as_pack_kv_str (pk, keys [index], as_pg_get_str (result, row, first + index));
    }
}

//  The case's own columns, with its customer and product as nested maps.
static void
s_pack_case (msgpack_packer *pk, const PGresult *result, int row)
{
    static const char *case_keys [] = { "case_id", "status", "channel", "priority", "symptom",
        "fault_code", "external_ref", "reported_at", "updated_at", "first_contact_due",
        "linked_reports", "cancel_reason", "escalation_reason", "escalated_to" };
    static const bool case_numeric [] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
    static const char *customer_keys [] = { "customer_id", "name", "phone", "email", "address" };
    static const bool customer_numeric [] = { 1, 0, 0, 0, 0 };
    static const char *product_keys [] = { "product_id", "category", "model", "serial",
        "purchase_date", "proof_kind", "retailer" };
    static const bool product_numeric [] = { 1, 0, 0, 0, 0, 0, 0 };
    static const char *closing_keys [] = { "closed_at", "close_outcome", "close_reason", "closed_by_visit" };
    static const bool closing_numeric [] = { 0, 0, 0, 1 };

    msgpack_pack_map (pk, (size_t) (s_present_columns (result, row, 0, 14) + s_present_columns (result, row, 26, 4)) + 2);
    s_pack_columns (pk, result, row, case_keys, 0, 14, case_numeric);
    s_pack_columns (pk, result, row, closing_keys, 26, 4, closing_numeric);
    as_pack_str (pk, "customer");
    msgpack_pack_map (pk, (size_t) s_present_columns (result, row, 14, 5));
    s_pack_columns (pk, result, row, customer_keys, 14, 5, customer_numeric);
    as_pack_str (pk, "product");
    msgpack_pack_map (pk, (size_t) s_present_columns (result, row, 19, 7));
    s_pack_columns (pk, result, row, product_keys, 19, 7, product_numeric);
}

static PGresult *
s_load_case (as_pg_t *pg, int64_t case_id, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    PGresult *result = as_pg_run (pg, &s_get_case, &params, err);
    if (result && PQntuples (result) == 0) {
        PQclear (result);
        as_error_set (err, AS_NOT_FOUND, "case %lld not found", (long long) case_id);
        return NULL;
    }
    return result;
}

//  Reply {case: {...}} from the case's row as s_load_case read it.
static void
s_reply_loaded (as_call_t *call, const PGresult *loaded)
{
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "case");
    s_pack_case (call->result, loaded, 0);
}

//  Reply {case: {...}} for the case as it is now.
int
intake_reply_case (as_call_t *call, int64_t case_id)
{
    PGresult *result = s_load_case (call->pg, case_id, call->err);
    if (!result)
        return -1;
    s_reply_loaded (call, result);
    PQclear (result);
    return 0;
}

int
intake_case_get (as_call_t *call)
{
    int64_t case_id = 0;
    as_obj_int (call->params, "case_id", &case_id);
    return intake_reply_case (call, case_id);
}

int
intake_case_list (as_call_t *call)
{
    int64_t after = 0, limit = 50;
    as_obj_int (call->params, "after_id", &after);
    as_obj_int (call->params, "limit", &limit);
    char *filters [4] = {
        as_obj_strdup (call->params, "status"), as_obj_strdup (call->params, "channel"),
        as_obj_strdup (call->params, "category"), as_obj_strdup (call->params, "serial") };
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, after);
    for (int index = 0; index < 4; index++)
        as_pgp_str (&params, filters [index]);
    as_pgp_int (&params, limit);
    PGresult *result = as_pg_run (call->pg, filters [3] ? &s_list_cases_of_serial : &s_list_cases, &params,
                                  call->err);
    for (int index = 0; index < 4; index++)
        free (filters [index]);
    if (!result)
        return -1;
    int rows = PQntuples (result);
    msgpack_pack_map (call->result, 2);
    as_pack_str (call->result, "cases");
    msgpack_pack_array (call->result, (size_t) rows);
    for (int row = 0; row < rows; row++)
        s_pack_case (call->result, result, row);
    //  A full page may have more behind it.
    if (rows == limit && rows > 0)
        as_pack_kv_int (call->result, "next_after_id", as_pg_get_int (result, rows - 1, 0));
    else
        as_pack_kv_nil (call->result, "next_after_id");
    PQclear (result);
    return 0;
}

//  --- Moving a case ------------------------------------------------------------------------

static const as_stmt_t s_lock_case = { "intake_lock_case",
    "SELECT status FROM cases WHERE id = $1 FOR UPDATE" };
static const as_stmt_t s_set_status = { "intake_set_status",
    "UPDATE cases SET status = $2, updated_at = now(),"
    " priority = coalesce($3, priority), cancel_reason = coalesce($4, cancel_reason),"
    " escalation_reason = coalesce($5, escalation_reason), escalated_to = coalesce($6, escalated_to)"
    " WHERE id = $1" };

//  Two steps of one move (triage: triaged, then awaiting_visit or
//  resolved_remotely), recorded by one statement.
static const as_stmt_t s_insert_history_two = { "intake_insert_history_two",
    "INSERT INTO case_history (case_id, from_status, to_status, actor, note)"
    " VALUES ($1, $2, $3, $5, $6), ($1, $3, $4, $5, $6)" };

typedef struct {
    const char *priority, *cancel_reason, *escalation_reason, *escalated_to;
} s_change_t;

//  The history of a move from `from` through `steps` (checked already).
static int
s_record_steps (as_pg_t *pg, int64_t case_id, const char *from, const char *const *steps, int step_count,
                const char *actor, const char *note, as_error_t *err)
{
    if (step_count != 2) {
        for (int step = 0; step < step_count; step++)
            if (intake_history (pg, case_id, step ? steps [step - 1] : from, steps [step], actor, note, err))
                return -1;
        return 0;
    }
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    as_pgp_str (&params, from);
    as_pgp_str (&params, steps [0]);
    as_pgp_str (&params, steps [1]);
    as_pgp_str (&params, actor);
    as_pgp_str (&params, note && *note ? note : NULL);
    //  As intake_history: nothing here can fail, it rides on the next round trip.
    return as_pg_defer (pg, &s_insert_history_two, &params, err);
}

//  Move a case through the given states (each one step of the life cycle),
//  recording each step. The case row is locked for the whole move.
static int
s_move (as_pg_t *pg, int64_t case_id, const char *const *steps, int step_count,
        const s_change_t *change, const char *actor, const char *note, as_error_t *err)
{
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    PGresult *locked = as_pg_run (pg, &s_lock_case, &params, err);
    if (!locked)
        return -1;
    if (PQntuples (locked) == 0) {
        PQclear (locked);
        return as_error_set (err, AS_NOT_FOUND, "case %lld not found", (long long) case_id);
    }
    char status [32], from [32];
    snprintf (status, sizeof status, "%s", as_pg_get_str (locked, 0, 0));
    snprintf (from, sizeof from, "%s", status);
    PQclear (locked);
    for (int step = 0; step < step_count; step++) {
        if (!intake_transition_allowed (status, steps [step]))
            return as_error_set (err, AS_FAILED_PRECONDITION, "case %lld is %s: it cannot become %s",
                                 (long long) case_id, status, steps [step]);
        snprintf (status, sizeof status, "%s", steps [step]);
    }
    if (s_record_steps (pg, case_id, from, steps, step_count, actor, note, err))
        return -1;
    as_pgp_str (&params, status);
    as_pgp_str (&params, change->priority);
    as_pgp_str (&params, change->cancel_reason);
    as_pgp_str (&params, change->escalation_reason);
    as_pgp_str (&params, change->escalated_to);
    //  The row is locked, the move is allowed and the catalogue bounds
    //  what the caller changes: the update rides on the next round trip.
    return as_pg_defer (pg, &s_set_status, &params, err);
}

//  After a move: emit the event (data packed by the caller) and reply with
//  the case as it now stands.
static int
s_finish_move (as_call_t *call, int64_t case_id, const char *type, msgpack_sbuffer *data)
{
    int rc = s_emit (call->service, type, case_id, data, call->err);
    msgpack_sbuffer_destroy (data);
    return rc ? -1 : intake_reply_case (call, case_id);
}

//  Triage confirms the fault (the case waits for a visit: case.triaged) or
//  records that the agent solved it remotely (case.resolved_remotely); the
//  history shows both passing through "triaged".
int
intake_case_triage (as_call_t *call)
{
    int64_t case_id = 0;
    as_obj_int (call->params, "case_id", &case_id);
    char outcome [32] = "", priority [16] = "", note [AS_TEXT_SIZE (2000)] = "",
         actor [AS_TEXT_SIZE (100)] = "";
    const s_text_t texts [] = { { "outcome", outcome, sizeof outcome }, { "priority", priority, sizeof priority },
                                { "note", note, sizeof note }, { "actor", actor, sizeof actor } };
    if (s_read_texts (call->params, NULL, texts, 4, call->err))
        return -1;
    bool remote = strcmp (outcome, "solved_remotely") == 0;
    const char *steps [] = { "triaged", remote ? "resolved_remotely" : "awaiting_visit" };
    s_change_t change = { s_opt (priority), NULL, NULL, NULL };
    if (s_move (call->pg, case_id, steps, 2, &change, *actor ? actor : call->actor, note, call->err))
        return -1;
    //  One read of the moved case (the move's deferred writes ride on it)
    //  serves the event (the priority the case now has) and the reply.
    PGresult *current = s_load_case (call->pg, case_id, call->err);
    if (!current)
        return -1;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, (remote ? 1 : 3) + (*note != 0));
    as_pack_kv_int (&pk, "case_id", case_id);
    if (!remote) {
        as_pack_kv_str (&pk, "outcome", outcome);
        as_pack_kv_str (&pk, "priority", as_pg_get_str (current, 0, 3));
    }
    if (*note)
        as_pack_kv_str (&pk, "note", note);
    int rc = s_emit (call->service, remote ? "case.resolved_remotely" : "case.triaged", case_id, &data,
                     call->err);
    msgpack_sbuffer_destroy (&data);
    if (rc == 0)
        s_reply_loaded (call, current);
    PQclear (current);
    return rc;
}

//  Cancel and escalate: one step with a reason, and an event carrying it
//  (and, for an escalation, where it went: `to`).
static int
s_move_for_reason (as_call_t *call, const char *step, const char *type, const char *to)
{
    int64_t case_id = 0;
    as_obj_int (call->params, "case_id", &case_id);
    char reason [AS_TEXT_SIZE (500)] = "", actor [AS_TEXT_SIZE (100)] = "";
    const s_text_t texts [] = { { "reason", reason, sizeof reason }, { "actor", actor, sizeof actor } };
    if (s_read_texts (call->params, NULL, texts, 2, call->err))
        return -1;
    s_change_t change = { NULL, to ? NULL : reason, to ? reason : NULL, to };
    if (s_move (call->pg, case_id, &step, 1, &change, *actor ? actor : call->actor, reason, call->err))
        return -1;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2 + (to != NULL));
    as_pack_kv_int (&pk, "case_id", case_id);
    as_pack_kv_str (&pk, "reason", reason);
    if (to)
        as_pack_kv_str (&pk, "to", to);
    return s_finish_move (call, case_id, type, &data);
}

int
intake_case_cancel (as_call_t *call)
{
    return s_move_for_reason (call, "cancelled", "case.cancelled", NULL);
}

int
intake_case_escalate (as_call_t *call)
{
    char to [32];
    if (as_obj_text_or (call->params, NULL, "to", to, sizeof to, "head_office", call->err))
        return -1;
    return s_move_for_reason (call, "escalated", "case.escalated", to);
}

static const as_stmt_t s_case_history = { "intake_case_history",
    "SELECT rfc3339(at), from_status, to_status, actor, note FROM case_history"
    " WHERE case_id = $1 ORDER BY id" };

int
intake_case_history (as_call_t *call)
{
    int64_t case_id = 0;
    as_obj_int (call->params, "case_id", &case_id);
    as_pg_params_t params;
    as_pgp_reset (&params);
    as_pgp_int (&params, case_id);
    //  The case (not_found when unknown) and its history in one round trip.
    as_pg_step_t steps [] = { { &s_get_case, NULL, &params, NULL }, { &s_case_history, NULL, &params, NULL } };
    int rc = as_pg_pipeline (call->pg, steps, 2, call->err);
    if (rc == 0 && PQntuples (steps [0].result) == 0)
        rc = as_error_set (call->err, AS_NOT_FOUND, "case %lld not found", (long long) case_id);
    PQclear (steps [0].result);
    PGresult *result = steps [1].result;
    if (rc) {
        PQclear (result);
        return -1;
    }
    static const char *keys [] = { "at", "from_status", "to_status", "actor", "note" };
    msgpack_pack_map (call->result, 1);
    as_pack_str (call->result, "entries");
    msgpack_pack_array (call->result, (size_t) PQntuples (result));
    for (int row = 0; row < PQntuples (result); row++) {
        //  from_status and note are nullable: always present, nil when NULL.
        msgpack_pack_map (call->result, 5);
        for (int column = 0; column < 5; column++) {
            if (PQgetisnull (result, row, column))
                as_pack_kv_nil (call->result, keys [column]);
            else
                as_pack_kv_str (call->result, keys [column], as_pg_get_str (result, row, column));
        }
    }
    PQclear (result);
    return 0;
}

//  --- Self-test -----------------------------------------------------------------------

//  `count` copies of `unit` (caller frees).
static char *
s_test_repeat (const char *unit, int count)
{
    size_t size = strlen (unit);
    char *text = malloc (size * (size_t) count + 1);
    assert (text);
    for (int index = 0; index < count; index++)
        memcpy (text + size * (size_t) index, unit, size);
    text [size * (size_t) count] = 0;
    return text;
}

//  A decoded message from JSON (caller destroys).
static as_msg_t *
s_test_message (const char *json)
{
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    as_error_t err;
    AS_CHECK (as_json_to_msgpack (json, &packed, &err) == 0);
    as_msg_t *msg = as_msg_decode (packed.data, packed.size, 0, &err);
    msgpack_sbuffer_destroy (&packed);
    AS_CHECK (msg);
    return msg;
}

//  Every text field of a report at the catalogue's max_len in Chinese
//  characters (3 bytes each) is read whole; a text that does not fit its
//  buffer is an error naming the field, never an empty field.
static void
s_test_read_texts (void)
{
    char *name = s_test_repeat ("张", 100), *address = s_test_repeat ("路", 300);
    char *symptom = s_test_repeat ("坏", 2000), *model = s_test_repeat ("型", 64);
    char *retailer = s_test_repeat ("店", 100), *code = s_test_repeat ("码", 32);
    char *reference = s_test_repeat ("外", 128), *emoji = s_test_repeat ("\xF0\x9F\x98\x80", 101);
    size_t size = strlen (symptom) + 8192;
    char *json = malloc (size);
    assert (json);
    snprintf (json, size, "{\"customer\":{\"name\":\"%s\",\"phone\":\"13800138000\",\"address\":\"%s\"},"
              "\"product\":{\"category\":\"fan\",\"model\":\"%s\",\"serial\":\"%s\",\"retailer\":\"%s\","
              "\"purchase_date\":\"2026-03-01\",\"proof\":{\"kind\":\"receipt\",\"reference\":\"%s\"}},"
              "\"symptom\":\"%s\",\"channel\":\"phone\",\"fault_code\":\"%s\",\"external_ref\":\"%s\"}",
              name, address, model, model, retailer, model, symptom, code, reference);
    as_msg_t *msg = s_test_message (json);
    s_report_t report;
    as_error_t err;
    AS_CHECK (s_read_report (as_msg_root (msg), &report, &err) == 0);
    AS_CHECK (!strcmp (report.name, name) && !strcmp (report.address, address));
    AS_CHECK (!strcmp (report.symptom, symptom) && !strcmp (report.model, model) && !strcmp (report.serial, model));
    AS_CHECK (!strcmp (report.retailer, retailer) && !strcmp (report.proof_reference, model));
    AS_CHECK (!strcmp (report.fault_code, code) && !strcmp (report.external_ref, reference));
    AS_CHECK (!strcmp (report.priority, "normal"));
    AS_CHECK (s_validate (&report, &err) == 0);
    as_msg_destroy (&msg);

    snprintf (json, size, "{\"device_id\":\"AC-1\",\"serial\":\"SN-1\",\"model\":\"%s\",\"category\":\"fan\","
              "\"fault_code\":\"E4\",\"description\":\"%s\",\"owner\":{\"name\":\"%s\",\"phone\":\"13800138000\","
              "\"address\":\"%s\"}}", model, symptom, name, address);
    msg = s_test_message (json);
    AS_CHECK (s_read_device_report (as_msg_root (msg), &report, &err) == 0);
    AS_CHECK (!strcmp (report.name, name) && !strcmp (report.symptom, symptom) && !strcmp (report.channel, "device"));
    as_msg_destroy (&msg);

    //  101 characters of 4 bytes: more than the buffer holds.
    snprintf (json, size, "{\"customer\":{\"name\":\"%s\",\"phone\":\"13800138000\",\"address\":\"x\"}}", emoji);
    msg = s_test_message (json);
    AS_CHECK (s_read_report (as_msg_root (msg), &report, &err) == -1);
    AS_CHECK (err.code == AS_INVALID_ARGUMENT && strstr (err.message, "customer.name:"));
    as_msg_destroy (&msg);
    free (json);
    free (name);
    free (address);
    free (symptom);
    free (model);
    free (retailer);
    free (code);
    free (reference);
    free (emoji);
}

void
intake_cases_test (bool verbose)
{
    (void) verbose;
    s_test_read_texts ();
    AS_CHECK (intake_phone_valid ("13800138000"));
    AS_CHECK (intake_phone_valid ("+86 138-0013-8000"));
    AS_CHECK (intake_phone_valid ("010-88886666"));
    AS_CHECK (!intake_phone_valid ("12800138000"));
    AS_CHECK (!intake_phone_valid ("1380013800"));
    AS_CHECK (!intake_phone_valid ("13800138000x"));
    AS_CHECK (!intake_phone_valid (""));
    char why [128];
    time_t now = time (NULL);
    AS_CHECK (intake_purchase_date_valid ("2026-03-01", now, why, sizeof why));
    AS_CHECK (!intake_purchase_date_valid ("2026-02-30", now, why, sizeof why));
    AS_CHECK (strstr (why, "does not exist"));
    AS_CHECK (!intake_purchase_date_valid ("2999-01-01", now, why, sizeof why));
    AS_CHECK (strstr (why, "future"));
    AS_CHECK (!intake_purchase_date_valid ("1989-12-31", now, why, sizeof why));
    AS_CHECK (!intake_purchase_date_valid ("01/03/2026", now, why, sizeof why));
    AS_CHECK (strstr (why, "not YYYY-MM-DD"));
    AS_CHECK (!intake_purchase_date_valid ("2026-1-015", now, why, sizeof why));
    //  A date is in the future only once it is tomorrow everywhere. At
    //  2026-11-22T23:30Z it is 07:30 on the 23rd in Beijing (a purchase of
    //  that day is reported) and 13:30 on the 23rd at UTC+14.
    time_t beijing_morning = (time_t) (as_date_from_civil (2026, 11, 22) * 86400 + 23 * 3600 + 30 * 60);
    AS_CHECK (intake_purchase_date_valid ("2026-11-23", beijing_morning, why, sizeof why));
    AS_CHECK (!intake_purchase_date_valid ("2026-11-24", beijing_morning, why, sizeof why));
    AS_CHECK (strstr (why, "future"));
    //  The 24th begins at UTC+14 at 10:00Z on the 23rd.
    time_t last_second = (time_t) (as_date_from_civil (2026, 11, 23) * 86400 + 10 * 3600 - 1);
    AS_CHECK (!intake_purchase_date_valid ("2026-11-24", last_second, why, sizeof why));
    AS_CHECK (intake_purchase_date_valid ("2026-11-24", last_second + 1, why, sizeof why));
    //  And now: today at UTC+14 is accepted, the day after it refused.
    char ahead [AS_DATE_SIZE], after [AS_DATE_SIZE];
    time_t shifted = now + 14 * 3600;
    strftime (ahead, sizeof ahead, "%Y-%m-%d", gmtime (&shifted));
    shifted += 86400;
    strftime (after, sizeof after, "%Y-%m-%d", gmtime (&shifted));
    AS_CHECK (intake_purchase_date_valid (ahead, now, why, sizeof why));
    AS_CHECK (!intake_purchase_date_valid (after, now, why, sizeof why));

    AS_CHECK (intake_email_valid ("li.wei@example.com.cn"));
    AS_CHECK (intake_email_valid ("wang+repair@163.com"));
    AS_CHECK (!intake_email_valid ("notanemail"));
    AS_CHECK (!intake_email_valid ("@example.com"));
    AS_CHECK (!intake_email_valid ("li@"));
    AS_CHECK (!intake_email_valid ("li@localhost"));
    AS_CHECK (!intake_email_valid ("li@@example.com"));
    AS_CHECK (!intake_email_valid ("li@wei@example.com"));
    AS_CHECK (!intake_email_valid ("li@.example.com"));
    AS_CHECK (!intake_email_valid ("li@example.com."));
    AS_CHECK (!intake_email_valid ("li wei@example.com"));
    AS_CHECK (intake_transition_allowed ("reported", "triaged"));
    AS_CHECK (!intake_transition_allowed ("cancelled", "triaged"));
    AS_CHECK (!intake_transition_allowed ("closed", "reported"));
}
