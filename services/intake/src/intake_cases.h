/*  intake_cases: the repair case life cycle of intaked (see README.md).     */
#ifndef INTAKE_CASES_H
#define INTAKE_CASES_H

#include "as_msg.h"
#include "as_service.h"
#include <time.h>


//  RPC methods.
int intake_case_report (as_call_t *call);
int intake_case_get (as_call_t *call);
int intake_case_list (as_call_t *call);
int intake_case_triage (as_call_t *call);
int intake_case_cancel (as_call_t *call);
int intake_case_escalate (as_call_t *call);
int intake_case_history (as_call_t *call);
int intake_case_close (as_call_t *call);
//  Ingress: a smart-home platform reports a device fault.
int intake_device_fault (as_delivery_t *delivery);
//  Dispatch's visit events: what became of each visit of a case, and the
//  case closes when its work is done (intake_closing.c).
int intake_on_visit_planned (as_delivery_t *delivery);
int intake_on_visit_diagnosed (as_delivery_t *delivery);
int intake_on_visit_completed (as_delivery_t *delivery);
int intake_on_visit_cancelled (as_delivery_t *delivery);

//  Shared by intake_cases.c and intake_closing.c.
bool intake_transition_allowed (const char *from, const char *to);
//  One line of a case's history, in the caller's transaction: deferred
//  (as_pg_defer), it is sent with the transaction's next round trip.
int intake_history (as_pg_t *pg, int64_t case_id, const char *from, const char *to,
                    const char *actor, const char *note, as_error_t *err);
//  Reply {case: {...}} for the case as it is now.
int intake_reply_case (as_call_t *call, int64_t case_id);

//  Domain checks, exposed for the self-test.
bool intake_phone_valid (const char *phone);
//  YYYY-MM-DD, a real date, not before 1990 and not after today anywhere on
//  Earth at `now`: today at UTC+14, the zone that starts each date first,
//  so a purchase made today in any zone (Beijing before 08:00 too) is
//  accepted and tomorrow everywhere is refused.
bool intake_purchase_date_valid (const char *date, time_t now, char *why, size_t why_size);
//  name@domain.tld: exactly one '@' with text before it, a domain holding a
//  '.' that neither starts nor ends it, and no spaces.
bool intake_email_valid (const char *email);
//  The business hours of the first-contact promise: a zone PostgreSQL knows
//  (asked on pg), HH:MM opening before HH:MM closing. 0, or -1 with err.
int intake_hours_check (as_pg_t *pg, const char *zone, const char *opens, const char *closes, as_error_t *err);

void intake_cases_test (bool verbose);
void intake_closing_test (bool verbose);

#endif
