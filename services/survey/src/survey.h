/*  surveyd's modules: the consumed events (survey_events), surveys
    (survey_surveys), complaints and customers at risk (survey_complaints),
    the KPI queries (survey_kpi). The settings live in one struct.        */
#ifndef SURVEY_H
#define SURVEY_H

#include "as_service.h"
#include "survey_calendar.h"

#define SURVEY_THRESHOLDS_MAX 32

//  A KPI bound: kpi (a kpi_report column) by a grouping, below or above.
typedef struct {
    char kpi [40];
    char by [16];
    bool above;
    double bound;
    char sample [40];                   //  a count column judging the sample, or ""
    double min_sample;                  //  groups with fewer are not judged
} survey_threshold_t;

typedef struct {
    char zone [64];                     //  business zone (local dates, clocks)
    int send_minute;                    //  survey due at this local minute of the day
    int send_days_after;                //  ... this many days after completion
    int expire_days;                    //  unanswered surveys expire after
    bool prefer_email;                  //  e-mail when the customer gave one
    int first_contact_minutes;          //  promises measured by the KPIs: first contact
                                        //  (when intake sends no due time),
    int response_hours;                 //  warranty response,
    int progress_days;                  //  progress notice (working days),
    int onsite_minutes;                 //  repair on site once arrived,
    int workshop_days;                  //  workshop repair (working days)
    int reply_days, resolve_days;       //  complaint deadlines, working days
    int fault_window_days, fault_count; //  repeated faults: this many in that window
    int low_score;                      //  a score at or below this is a warning
    int first_fix_days;                 //  first-time fix: no repeat within this
    int followup_repair_days;           //  check-in after a repair (0: none)
    bool followup_yearly;               //  check-in on each purchase anniversary
    int threshold_months;               //  periods checked: this many, current included
    survey_threshold_t thresholds [SURVEY_THRESHOLDS_MAX];
    int threshold_count;
    survey_calendar_t calendar;
    int calendar_warn_days;             //  warn when the calendar ends sooner than this
} survey_config_t;

const survey_config_t *survey_config (as_service_t *service);

//  A buffer for an RFC 3339 time (the catalogue's syntax check takes < 64 bytes).
#define SURVEY_TIME_SIZE 64

//  Consumers (producer order, exactly once).
as_event_fn survey_on_case_reported, survey_on_case_contacted, survey_on_visit_scheduled,
    survey_on_visit_rescheduled, survey_on_visit_started, survey_on_visit_late, survey_on_visit_completed,
    survey_on_visit_cancelled, survey_on_visit_diagnosed, survey_on_entitlement, survey_on_invoice_issued, survey_on_part_shipped;

//  Surveys.
int survey_schedule (as_service_t *service, as_pg_t *pg, int64_t visit_id, int64_t case_id,
                     const char *completed_at, as_error_t *err);
as_method_fn survey_answer, survey_get, survey_list;
//  Timer work: send the due surveys, expire the old ones.
int survey_send_due (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err);

//  Complaints and customers at risk.
as_method_fn survey_complaint_open, survey_complaint_reply, survey_complaint_escalate,
    survey_complaint_resolve, survey_complaint_close, survey_complaint_get, survey_complaint_list,
    survey_risk_list;
int survey_complaints_overdue (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err);
//  Flag a customer at risk for a reason; emits customer.at_risk only the
//  first time for that reason.
int survey_flag_risk (as_service_t *service, as_pg_t *pg, int64_t customer_id, const char *reason,
                      const char *detail, as_error_t *err);

//  Follow-ups: scheduled from the consumed events, sent by the timer.
int survey_followup_after_repair (as_service_t *service, as_pg_t *pg, int64_t visit_id, int64_t case_id,
                                  const char *completed_at, as_error_t *err);
int survey_followup_purchase (as_service_t *service, as_pg_t *pg, int64_t case_id, const char *serial,
                              const char *purchase_date, const char *reported_at, as_error_t *err);
int survey_followups_due (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err);
as_method_fn survey_followup_list, survey_followup_cancel, survey_followup_reschedule;

//  KPIs, and every promise of a case with its state.
as_method_fn survey_kpi_query, survey_promise_list;
//  KPI thresholds: parse {"thresholds": [...]} into config (0, or -1 with
//  why); the timer's check emits kpi.threshold_breached once per crossing.
int survey_thresholds_parse (survey_config_t *config, const char *json, char *why, size_t size);
int survey_thresholds_check (as_service_t *service, as_pg_t *pg, int *count, as_error_t *err);

//  Helpers shared by the modules.
//  Open a notification.requested map of 5 + extra pairs with the fields
//  every notification has, read from a row whose columns 1..4 are case id,
//  customer id, channel, recipient.
void survey_pack_notification (msgpack_packer *pk, const char *purpose, size_t extra,
                               const PGresult *rows, int row);
int survey_emit_packed (as_service_t *service, const char *type, const char *subject_kind, int64_t id,
                        msgpack_sbuffer *data, as_error_t *err);
//  Timer work shared by surveys and follow-ups: run `before` (expire or
//  cancel what is no longer due; no parameters), then `send` ($1: prefer
//  e-mail) and `each` of its rows; *count is both rows' counts. Returns
//  the rows sent (>= 0) or -1.
typedef int (survey_row_fn) (as_service_t *service, as_pg_t *pg, const PGresult *rows, int row, as_error_t *err);
int survey_send_each (as_service_t *service, as_pg_t *pg, const as_stmt_t *before, const as_stmt_t *send,
                      survey_row_fn *each, int *count, as_error_t *err);
//  Pack a result column as text, or nil when SQL NULL.
void survey_pack_kv_col (msgpack_packer *pk, const char *key, const PGresult *row, int column);

#endif
