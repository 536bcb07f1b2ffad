/*  intake_cases: the repair case life cycle of intaked (see README.md).     */
#ifndef INTAKE_CASES_H
#define INTAKE_CASES_H

#include "as_service.h"

//  RPC methods.
int intake_case_report (as_call_t *call);
int intake_case_get (as_call_t *call);
int intake_case_list (as_call_t *call);
int intake_case_triage (as_call_t *call);
int intake_case_cancel (as_call_t *call);
int intake_case_escalate (as_call_t *call);
int intake_case_history (as_call_t *call);
//  Ingress: a smart-home platform reports a device fault.
int intake_device_fault (as_delivery_t *delivery);

//  Domain checks, exposed for the self-test.
bool intake_phone_valid (const char *phone);
//  YYYY-MM-DD, a real date, not after today (UTC) and not before 1990.
bool intake_purchase_date_valid (const char *date, char *why, size_t why_size);

void intake_cases_test (bool verbose);

#endif
