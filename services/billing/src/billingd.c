/*  billingd: product registrations, warranty entitlement, service
    contracts, fee schedules, quotes, invoices, payments, credit notes.    */
#include "billing.h"
#include "as_log.h"

extern const as_migration_t billing_migrations [];
extern const size_t billing_migrations_count;

static as_setting_t s_settings [] = {
    { "BILLING_TIME_ZONE", AS_CFG_STR, "Asia/Shanghai", 0, 0,
      "zone of business dates (warranty days, quote validity, invoice year)", "", 0 },
    { "BILLING_TAX_RATE_BP", AS_CFG_INT, "1300", 0, 10000,
      "tax on quotes and invoices in basis points (1300 = 13%), rounded half up on the fen", "", 0 },
    { "BILLING_QUOTE_VALID_DAYS", AS_CFG_INT, "7", 1, 365, "a quote can be accepted this many days", "", 0 },
    { "BILLING_QUOTE_SWEEP_MS", AS_CFG_INT, "60000", 0, 86400000,
      "period of the sweep that marks issued quotes past valid_until expired (0: no sweep)", "", 0 },
    { "BILLING_POLICY_FILE", AS_CFG_STR, AS_SOURCE_DIR "/services/billing/data/policy.json", 0, 0,
      "warranty policy loaded at start when none is loaded yet", "", 0 },
    { "BILLING_FEES_FILE", AS_CFG_STR, AS_SOURCE_DIR "/services/billing/data/fees.json", 0, 0,
      "fee schedule (.json or .csv) loaded at start when none is loaded yet", "", 0 },
    { NULL, 0, NULL, 0, 0, NULL, "", 0 }
};

static const as_method_t s_methods [] = {
    { "entitlement.check", billing_entitlement_check },
    { "policy.load", billing_policy_load },
    { "policy.show", billing_policy_show },
    { "fees.load", billing_fees_load },
    { "fees.show", billing_fees_show },
    { "registration.add", billing_registration_add },
    { "registration.show", billing_registration_show },
    { "quote.get", billing_quote_get },
    { "quote.accept", billing_quote_accept },
    { "quote.decline", billing_quote_decline },
    { "invoice.get", billing_invoice_get },
    { "invoice.list", billing_invoice_list },
    { "invoice.issue", billing_invoice_issue },
    { "payment.record", billing_payment_record },
    { "credit_note.issue", billing_credit_note_issue },
    { NULL, NULL }
};

static const as_ingress_t s_ingress [] = {
    { "sale.recorded", billing_sale_recorded },
    { "contract.sold", billing_contract_sold },
    { NULL, NULL }
};

static const as_subscription_t s_subscriptions [] = {
    { "intake", "case.reported", billing_case_reported },
    { "intake", "case.cancelled", billing_case_cancelled },
    { "dispatch", "visit.diagnosed", billing_visit_diagnosed },
    { "dispatch", "visit.completed", billing_visit_completed },
    { NULL, NULL, NULL }
};

//  The expiry sweep: its quote.expired events commit with it.
static int
s_on_quote_sweep (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    as_service_timer_work (arg, "quotes_expired", billing_quotes_expire);
    return 0;
}

static int
s_start (as_service_t *service, as_error_t *err)
{
    int64_t sweep_ms = as_service_setting_int (service, "BILLING_QUOTE_SWEEP_MS");
    if (sweep_ms > 0)
        zloop_timer (as_service_loop (service), (size_t) sweep_ms, 0, s_on_quote_sweep, service);
    return billing_load_defaults (service, err);
}

static const as_service_def_t s_billing = {
    .name = "billing",
    .version = "0.1.0",
    .summary = "warranty entitlement, contracts, fee schedule, quotes, invoices, payments",
    .settings = s_settings,
    .migrations = billing_migrations,
    .migration_count = &billing_migrations_count,
    .methods = s_methods,
    .ingress = s_ingress,
    .subscriptions = s_subscriptions,
    //  Events wait 25 ms to be applied together (docs/decisions/003).
    .consume_linger_ms = 25,
    .start = s_start,
};

int
main (int argc, char *argv [])
{
    return as_service_main (&s_billing, argc, argv);
}
