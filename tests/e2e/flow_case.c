/*  flow_case: one repair case from the customer's first call to the survey,
    as a state machine advanced one call at a time, so that one thread can
    keep many cases in flight while the services do their part between
    steps (events relayed, consumers applied).                            */
#include "flow_world.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  What breaks, and what fixes it (parts and items exist in the reference
//  parts catalogue and fee schedule under deploy/reference/).
static const struct {
    const char *category, *model, *item, *part, *component;
} s_kinds [] = {
    { "air_conditioner", "KFR-35GW", "R-FAN", "FM-35", "fan_motor" },
    { "air_conditioner", "KFR-26GW", "R-GAS", "GAS-R32", "refrigerant" },
    { "refrigerator", "BCD-470", "R-COMP", "CP-35", "compressor" },
    { "washing_machine", "XQG80", "R-SEAL", "SEAL-W", "door_seal" },
    { "washing_machine", "XQG80", "R-BEAR", "BRG-6204", "bearing" },
    { "water_heater", "ES60H", "R-HEAT", "HE-2000", "heating_element" },
    { "gas_stove", "JZT-Q230", "R-IGN", "IGN-1", "igniter" },
    { "television", "55E3F", "R-PANEL", "PNL-55", "panel" },
    { "range_hood", "CXW-200", "R-CLEAN", NULL, NULL },
    { "fan", "FS-40", "R-MOTOR", NULL, NULL },
    { "hair_dryer", "HD-2000", "R-MOTOR", NULL, NULL },
    { "vacuum_cleaner", "VC-800", "R-MOTOR", NULL, NULL },
    { "smart_home", "SH-HUB", "R-DIAG", NULL, NULL },
};
#define S_KINDS ((int) (sizeof s_kinds / sizeof s_kinds [0]))
#define S_KINDS_WITH_PARTS 8

//  Customers live around the reference stations.
static const struct {
    const char *city, *street;
    double lat, lon;
} s_cities [] = {
    { "Beijing", "Jianguo Rd, Chaoyang", 39.9219, 116.4436 },
    { "Beijing", "Zhongguancun St, Haidian", 39.9593, 116.2981 },
    { "Shanghai", "Century Ave, Pudong", 31.2215, 121.5440 },
    { "Shanghai", "Hengshan Rd, Xuhui", 31.1885, 121.4365 },
    { "Guangzhou", "Tianhe Rd, Tianhe", 23.1247, 113.3612 },
    { "Chengdu", "Chunxi Rd, Jinjiang", 30.6570, 104.0830 },
};
static const char *s_channels [] = { "phone", "web", "app", "station", "device" };
static const char *s_surnames [] = { "Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang" };
static const char *s_given [] = { "Wei", "Fang", "Min", "Jing", "Lei", "Qiang", "Yan", "Hui" };

static unsigned
s_rand (flow_worker_t *w, unsigned n)
{
    w->rng = w->rng * 1103515245u + 12345u;
    return (w->rng >> 8) % n;
}

static bool
s_chance (flow_worker_t *w, int percent)
{
    return (int) s_rand (w, 100) < percent;
}

//  A business date (Asia/Shanghai, UTC+8 all year) `days` from today.
static void
s_date (int days, char out [11])
{
    time_t t = time (NULL) + 8 * 3600 + (time_t) days * 86400;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (out, 11, "%Y-%m-%d", &tm);
}

//  The highest case id any worker has seen. A device's report becomes a
//  case after its event is published, so its id is above every id known
//  when the case began here: case.list looks only beyond that (after_id),
//  not through every case of the day.
static _Atomic int64_t s_known_case_id;

static void
s_case_known (int64_t case_id)
{
    int64_t known = atomic_load (&s_known_case_id);
    while (case_id > known && !atomic_compare_exchange_weak (&s_known_case_id, &known, case_id))
        ;
}

void
flow_case_init (flow_worker_t *w, flow_case_t *c, int index)
{
    memset (c, 0, sizeof *c);
    c->index = index;
    c->started_ms = flow_now_ms ();
    c->find_after = atomic_load (&s_known_case_id);
    c->category = w->config->bench ? (int) s_rand (w, S_KINDS_WITH_PARTS) : (int) s_rand (w, S_KINDS);
    c->city = (int) s_rand (w, 6);
    unsigned roll = s_rand (w, 100);
    c->channel = roll < 35 ? 0 : roll < 55 ? 1 : roll < 70 ? 2 : roll < 80 ? 3 : 4;
    roll = s_rand (w, 100);
    c->plan = roll < 5 ? END_REMOTE : roll < 8 ? END_CANCEL_EARLY : roll < 11 ? END_CANCEL_BOOKED
            : roll < 14 ? END_NO_FAULT : roll < 44 ? END_PARTS : roll < 59 ? END_ON_HAND : END_REPAIR;
    if (w->config->bench)
        c->plan = END_REPAIR;
    if (!s_kinds [c->category].part && (c->plan == END_PARTS || c->plan == END_ON_HAND))
        c->plan = END_REPAIR;
    //  PNL-55 is the special part only the warehouse holds (4 in the
    //  reference set): no engineer has one on hand; it is ordered. (When
    //  the 4 were gone, an "on hand" use had nothing to be issued from.)
    if (c->plan == END_ON_HAND && !strcmp (s_kinds [c->category].part, "PNL-55"))
        c->plan = END_PARTS;
    c->out_of_warranty = s_chance (w, 22);
    c->sale_first = s_chance (w, 15) || (c->out_of_warranty && s_chance (w, 25));
    c->contract = c->out_of_warranty && c->sale_first && s_chance (w, 30);
    c->misuse = !c->out_of_warranty && c->plan != END_NO_FAULT && s_chance (w, 6);
    c->accept_quote = s_chance (w, 70);
    c->answer_survey = s_chance (w, 85);
    c->complain = s_chance (w, 3);
    //  Out of warranty: past every period, the 36-month compressor's too.
    s_date (c->out_of_warranty ? -(int) (1300 + s_rand (w, 500)) : -(int) (20 + s_rand (w, 300)), c->purchased);
    snprintf (c->serial, sizeof c->serial, "SN-%s-%06d", w->config->tag, index);
    c->state = c->sale_first ? ST_SALE : ST_REPORT;
    c->outcome = FLOW_OPEN;
}

static void
s_key (flow_worker_t *w, flow_case_t *c, const char *step, int64_t n, char out [96])
{
    snprintf (out, 96, "%s-%d-%s-%lld", w->config->tag, c->index, step, (long long) n);
}

static void
s_customer (flow_worker_t *w, flow_case_t *c, char *out, size_t size, bool location)
{
    char place [96] = "";
    if (location)
        snprintf (place, sizeof place, ",\"location\":{\"lat\":%.5f,\"lon\":%.5f}",
                  s_cities [c->city].lat + ((int) s_rand (w, 1600) - 800) / 10000.0,
                  s_cities [c->city].lon + ((int) s_rand (w, 1600) - 800) / 10000.0);
    snprintf (out, size, "{\"name\":\"%s %s\",\"phone\":\"13%09d\",\"address\":\"%d %s, %s\"%s}",
              s_surnames [c->index % 8], s_given [(c->index / 8) % 8], (c->index * 7919) % 1000000000,
              1 + c->index % 300, s_cities [c->city].street, s_cities [c->city].city, place);
}

static bool
s_sale (flow_worker_t *w, flow_case_t *c)
{
    char data [1024], id [37];
    snprintf (data, sizeof data, "{\"serial\":\"%s\",\"model\":\"%s\",\"category\":\"%s\",\"purchase_date\":\"%s\","
              "\"proof_kind\":\"invoice\",\"proof_reference\":\"FP-%d\",\"retailer\":\"Suning\","
              "\"owner\":{\"ref\":\"CRM-%d\"}}", c->serial, s_kinds [c->category].model,
              s_kinds [c->category].category, c->purchased, c->index, c->index);
    flow_uuid (w->config->tag, 1, c->index, id);
    if (flow_publish (w, "sale.recorded", "sale", id, data))
        return false;
    w->result->sales++;
    if (c->contract) {
        char from [11], to [11];
        s_date (-200, from);
        s_date (165, to);
        snprintf (data, sizeof data, "{\"contract_no\":\"EXT-%s-%d\",\"serial\":\"%s\",\"starts_on\":\"%s\","
                  "\"ends_on\":\"%s\",\"price_fen\":29900}", w->config->tag, c->index, c->serial, from, to);
        flow_uuid (w->config->tag, 2, c->index, id);
        if (flow_publish (w, "contract.sold", "contract", id, data))
            return false;
        w->result->contracts++;
    }
    c->state = ST_REPORT;
    return true;
}

static bool
s_report_device (flow_worker_t *w, flow_case_t *c)
{

    char owner [512], data [2048], id [37];
    s_customer (w, c, owner, sizeof owner, false);
    snprintf (data, sizeof data, "{\"device_id\":\"DEV-%s-%d\",\"serial\":\"%s\",\"model\":\"%s\",\"category\":\"%s\","
              "\"fault_code\":\"E%d\",\"description\":\"device reported a fault\",\"owner\":%s,\"purchase_date\":\"%s\"}",
              w->config->tag, c->index, c->serial, s_kinds [c->category].model, s_kinds [c->category].category,
              1 + c->category, owner, c->purchased);
    flow_uuid (w->config->tag, 3, c->index, id);
    if (flow_publish (w, "device.fault_reported", "device", id, data))
        return false;
    w->result->reported++;
    w->result->by_channel [4]++;
    c->state = ST_FIND;
    return true;
}

static bool
s_report (flow_worker_t *w, flow_case_t *c)
{
    if (c->channel == 4)
        return s_report_device (w, c);
    char customer [512], key [96];
    s_customer (w, c, customer, sizeof customer, true);
    s_key (w, c, "report", 0, key);
    as_rpc_reply_t reply;
    if (flow_call (w, w->intake, "case.report", key, &reply,
                   "{\"customer\":%s,\"product\":{\"category\":\"%s\",\"model\":\"%s\",\"serial\":\"%s\","
                   "\"purchase_date\":\"%s\",\"proof\":{\"kind\":\"invoice\",\"reference\":\"FP-%d\"}},"
                   "\"symptom\":\"%s does not work\",\"channel\":\"%s\"}", customer, s_kinds [c->category].category,
                   s_kinds [c->category].model, c->serial, c->purchased, c->index, s_kinds [c->category].category,
                   s_channels [c->channel]))
        return false;
    if (reply.ok) {
        c->case_id = flow_int (reply.result, NULL, "case_id");
        s_case_known (c->case_id);
        c->state = ST_TRIAGE;
        w->result->reported++;
        w->result->by_channel [c->channel]++;
    }
    else
        fprintf (stderr, "flow: case %d: report refused: %s\n", c->index, reply.error.message);
    as_rpc_reply_release (&reply);
    return c->case_id > 0;
}

static bool
s_find (flow_worker_t *w, flow_case_t *c)
{
    as_rpc_reply_t reply;
    if (flow_call (w, w->intake, "case.list", NULL, &reply, "{\"serial\":\"%s\",\"channel\":\"device\",\"after_id\":%lld}",
                   c->serial, (long long) c->find_after))
        return false;
    const msgpack_object *cases = reply.ok ? as_obj_get (reply.result, "cases") : NULL;
    if (cases && cases->type == MSGPACK_OBJECT_ARRAY && cases->via.array.size > 0) {
        c->case_id = flow_int (&cases->via.array.ptr [0], NULL, "case_id");
        s_case_known (c->case_id);
        c->state = ST_TRIAGE;
    }
    as_rpc_reply_release (&reply);
    return c->state == ST_TRIAGE;
}

static bool
s_cancel (flow_worker_t *w, flow_case_t *c, const char *reason, flow_outcome_t outcome)
{
    char key [96];
    s_key (w, c, "cancel", 0, key);
    as_rpc_reply_t reply;
    if (flow_call (w, w->intake, "case.cancel", key, &reply, "{\"case_id\":%lld,\"reason\":\"%s\"}",
                   (long long) c->case_id, reason))
        return false;
    if (!reply.ok)
        fprintf (stderr, "flow: case %lld: cancel refused: %s\n", (long long) c->case_id, reply.error.message);
    as_rpc_reply_release (&reply);
    c->outcome = outcome;
    c->state = ST_DONE;
    return true;
}

static bool
s_triage (flow_worker_t *w, flow_case_t *c)
{
    if (c->plan == END_CANCEL_EARLY)
        return s_cancel (w, c, "the customer bought a new one", FLOW_CANCELLED_EARLY);
    bool remote = c->plan == END_REMOTE;
    char key [96];
    s_key (w, c, "triage", 0, key);
    as_rpc_reply_t reply;
    if (flow_call (w, w->intake, "case.triage", key, &reply, "{\"case_id\":%lld,\"outcome\":\"%s\",\"actor\":\"agent-%d\"}",
                   (long long) c->case_id, remote ? "solved_remotely" : "fault_confirmed", w->id))
        return false;
    bool ok = reply.ok;
    if (!ok)
        fprintf (stderr, "flow: case %lld: triage refused: %s\n", (long long) c->case_id, reply.error.message);
    as_rpc_reply_release (&reply);
    if (!ok)
        return false;
    c->state = remote ? ST_DONE : ST_BOOK;
    if (remote)
        c->outcome = FLOW_REMOTE;
    return true;
}

//  Bench: the first day (from today) that still had a free window when
//  last asked. Customers take one of the first windows offered, so the
//  days fill up in order; under sustained load a call centre asks from the
//  first day with room, not from tomorrow every time (which would ask,
//  and make dispatch search, days that are long full).
static atomic_int s_first_free_day = 1;
#define S_MAX_DAY 365

//  After an offer from day `asked` for `days` days: move the shared first
//  day on to the first offered date, or past the asked days when nothing
//  was offered (a visit that exists but found no room).
static void
s_first_free_move (int asked, int days, const char *first_date)
{
    int day = asked + days;
    for (int offset = asked; first_date && offset < asked + days; offset++) {
        char date [11];
        s_date (offset, date);
        if (!strcmp (date, first_date)) {
            day = offset;
            break;
        }
    }
    int seen = atomic_load (&s_first_free_day);
    while (day > seen && day <= S_MAX_DAY && !atomic_compare_exchange_weak (&s_first_free_day, &seen, day))
        ;
}

//  The customer takes one of the first windows offered.
static bool
s_book (flow_worker_t *w, flow_case_t *c)
{
    as_rpc_reply_t reply;
    int first_day = w->config->bench ? atomic_load (&s_first_free_day) : 1;
    char from [11];
    if (w->config->bench)
        s_date (first_day, from);
    else
        snprintf (from, sizeof from, "%s", w->tomorrow);
    if (flow_call (w, w->dispatch, "slots.offer", NULL, &reply, "{\"case_id\":%lld,\"from_date\":\"%s\",\"days\":%d}",
                   (long long) c->case_id, from, w->config->slot_days))
        return false;
    const msgpack_object *slots = reply.ok ? as_obj_get (reply.result, "slots") : NULL;
    snprintf (c->why, sizeof c->why, "slots.offer: %.120s", reply.ok ? "no slot" : reply.error.message);
    bool none = !slots || slots->type != MSGPACK_OBJECT_ARRAY || slots->via.array.size == 0;
    if (w->config->bench && reply.ok) {
        char first_date [11] = "";
        if (!none)
            flow_str (&slots->via.array.ptr [0], NULL, "date", first_date, sizeof first_date);
        s_first_free_move (first_day, w->config->slot_days, none ? NULL : first_date);
    }
    if (none) {
        as_rpc_reply_release (&reply);      //  no visit yet (events on their way), or full
        return false;
    }
    uint32_t pick = s_rand (w, slots->via.array.size < 3 ? slots->via.array.size : 3);
    char start [40], key [96];
    flow_str (&slots->via.array.ptr [pick], NULL, "window_start", start, sizeof start);
    int64_t visit_id = flow_int (reply.result, NULL, "visit_id");
    as_rpc_reply_release (&reply);
    s_key (w, c, "book", visit_id * 1000 + (c->survey_tries++ % 1000), key);
    if (flow_call (w, w->dispatch, "visit.book", key, &reply, "{\"case_id\":%lld,\"window_start\":\"%s\"}",
                   (long long) c->case_id, start))
        return false;
    bool ok = reply.ok;
    if (!ok)
        snprintf (c->why, sizeof c->why, "visit.book: %.120s", reply.error.message);
    if (ok) {
        c->visit_id = flow_int (reply.result, "visit", "visit_id");
        c->engineer_id = flow_int (reply.result, "visit", "engineer_id");
        c->station_id = flow_int (reply.result, "visit", "station_id");
        flow_str (reply.result, "visit", "plan_date", c->plan_date, sizeof c->plan_date);
        c->state = w->config->bench ? ST_RESERVE : ST_WALK;
        c->survey_tries = 0;
    }
    as_rpc_reply_release (&reply);
    if (ok && c->plan == END_CANCEL_BOOKED)
        return s_cancel (w, c, "the customer repaired it themselves", FLOW_CANCELLED_BOOKED);
    return ok;
}

//  Bench: the part the fault code needs is reserved for the booked visit.
static bool
s_reserve (flow_worker_t *w, flow_case_t *c)
{
    char key [96];
    s_key (w, c, "reserve", 0, key);
    as_rpc_reply_t reply;
    if (flow_call (w, w->inventory, "reservation.create", key, &reply,
                   "{\"case_id\":%lld,\"visit_id\":%lld,\"part_no\":\"%s\",\"quantity\":1,\"engineer_id\":%lld,"
                   "\"station_id\":%lld}", (long long) c->case_id, (long long) c->visit_id,
                   s_kinds [c->category].part, (long long) c->engineer_id, (long long) c->station_id))
        return false;
    bool ok = reply.ok;
    if (!ok)
        fprintf (stderr, "flow: case %lld: reservation refused: %s\n", (long long) c->case_id, reply.error.message);
    as_rpc_reply_release (&reply);
    c->ready_ms = flow_now_ms ();
    c->outcome = ok ? FLOW_BENCH_READY : FLOW_STUCK;
    c->state = ST_DONE;
    return true;
}

//  The engineer's day: dispatched, the customer told, on the way, there.
static bool
s_walk (flow_worker_t *w, flow_case_t *c)
{
    as_rpc_reply_t reply;
    if (flow_call (w, w->dispatch, "visit.get", NULL, &reply, "{\"visit_id\":%lld}", (long long) c->visit_id))
        return false;
    char status [24] = "", date [11] = "", key [96];
    if (reply.ok) {
        flow_str (reply.result, "visit", "status", status, sizeof status);
        flow_str (reply.result, "visit", "plan_date", date, sizeof date);
        c->station_id = flow_int (reply.result, "visit", "station_id");
    }
    as_rpc_reply_release (&reply);
    const char *method = NULL;
    if (!strcmp (status, "on_site")) {
        c->state = c->follow_up_id == c->visit_id ? ST_COMPLETE : ST_DIAGNOSE;
        return true;
    }
    if (!strcmp (status, "unscheduled")) {
        c->state = ST_BOOK;                 //  lost its place: a new appointment
        return true;
    }
    if (!strcmp (status, "scheduled")) {
        s_key (w, c, "dispatch", c->visit_id, key);
        if (flow_call (w, w->dispatch, "plan.dispatch", key, &reply, "{\"date\":\"%s\",\"station_id\":%lld}",
                       date, (long long) c->station_id))
            return false;
        as_rpc_reply_release (&reply);
        return true;
    }
    method = !strcmp (status, "dispatched") ? "visit.confirm" : !strcmp (status, "confirmed") ? "visit.enroute"
           : !strcmp (status, "en_route") ? "visit.arrive" : NULL;
    if (!method) {
        fprintf (stderr, "flow: case %lld: visit %lld is %s\n", (long long) c->case_id, (long long) c->visit_id, status);
        c->outcome = FLOW_STUCK;
        c->state = ST_DONE;
        return true;
    }
    s_key (w, c, method, c->visit_id, key);
    if (flow_call (w, w->dispatch, method, key, &reply, "{\"visit_id\":%lld}", (long long) c->visit_id))
        return false;
    as_rpc_reply_release (&reply);
    return true;
}

static bool
s_chargeable (const flow_case_t *c)
{
    return c->misuse || (c->out_of_warranty && c->plan != END_NO_FAULT);
}

static bool
s_diagnose (flow_worker_t *w, flow_case_t *c)
{
    const char *part = s_kinds [c->category].part;
    bool parts = part && (c->plan == END_PARTS || c->plan == END_ON_HAND);
    char items [128] = "[]", needed [128] = "[]", key [96];
    if (c->plan != END_NO_FAULT)
        snprintf (items, sizeof items, "[{\"code\":\"%s\",\"quantity\":1}]", s_kinds [c->category].item);
    if (parts)
        snprintf (needed, sizeof needed, "[{\"part_no\":\"%s\",\"quantity\":1}]", part);
    s_key (w, c, "diagnose", c->visit_id, key);
    as_rpc_reply_t reply;
    if (flow_call (w, w->dispatch, "visit.diagnose", key, &reply,
                   "{\"visit_id\":%lld,\"cause\":\"%s\",\"component\":\"%s\",\"repair_items\":%s,\"parts_needed\":%s,"
                   "\"resolution\":\"on_site\",\"parts_on_hand\":%s}", (long long) c->visit_id,
                   c->plan == END_NO_FAULT ? "no_fault" : c->misuse ? "misuse" : "quality",
                   s_kinds [c->category].component ? s_kinds [c->category].component : "whole_unit",
                   items, needed, c->plan == END_ON_HAND ? "true" : "false"))
        return false;
    bool ok = reply.ok;
    if (ok) {
        c->follow_up_id = flow_int (reply.result, NULL, "follow_up_visit_id");
        if (c->follow_up_id)
            w->result->follow_ups++;
        if (c->plan == END_ON_HAND)
            w->result->parts_on_hand++;
    }
    else
        fprintf (stderr, "flow: case %lld: diagnosis refused: %s\n", (long long) c->case_id, reply.error.message);
    as_rpc_reply_release (&reply);
    if (!ok)
        return false;
    c->state = s_chargeable (c) ? ST_QUOTE : c->follow_up_id ? ST_WAIT_FOLLOW_UP : ST_COMPLETE;
    if (s_chargeable (c))
        w->result->paid_or_contract++;
    return true;
}

//  The customer hears the quote before any chargeable work.
static bool
s_quote (flow_worker_t *w, flow_case_t *c)
{
    as_rpc_reply_t reply;
    if (flow_call (w, w->billing, "quote.get", NULL, &reply, "{\"case_id\":%lld}", (long long) c->case_id))
        return false;
    int64_t quote_id = reply.ok ? flow_int (reply.result, "quote", "quote_id") : 0;
    char status [16] = "";
    if (reply.ok)
        flow_str (reply.result, "quote", "status", status, sizeof status);
    as_rpc_reply_release (&reply);
    if (!quote_id || strcmp (status, "issued")) {
        if (++c->survey_tries < 80)
            return false;                   //  billing has not priced it yet
        c->survey_tries = 0;                //  nothing to charge after all
        c->state = c->follow_up_id ? ST_WAIT_FOLLOW_UP : ST_COMPLETE;
        return true;
    }
    c->survey_tries = 0;
    char key [96];
    s_key (w, c, c->accept_quote ? "accept" : "decline", quote_id, key);
    if (flow_call (w, w->billing, c->accept_quote ? "quote.accept" : "quote.decline", key, &reply,
                   "{\"quote_id\":%lld,\"by\":\"customer %d\"}", (long long) quote_id, c->index))
        return false;
    as_rpc_reply_release (&reply);
    if (c->accept_quote) {
        w->result->quotes_accepted++;
        c->state = c->follow_up_id ? ST_WAIT_FOLLOW_UP : ST_COMPLETE;
        return true;
    }
    w->result->quotes_declined++;
    if (c->follow_up_id)
        return s_cancel (w, c, "the customer declined the quote", FLOW_DECLINED);
    s_key (w, c, "cannot", c->visit_id, key);
    if (flow_call (w, w->dispatch, "visit.cannot_complete", key, &reply,
                   "{\"visit_id\":%lld,\"reason\":\"the customer declined the quote\"}", (long long) c->visit_id))
        return false;
    as_rpc_reply_release (&reply);
    c->outcome = FLOW_DECLINED;
    c->state = ST_DONE;
    return true;
}

//  The follow-up visit is booked by dispatch once the parts are on their way.
static bool
s_wait_follow_up (flow_worker_t *w, flow_case_t *c)
{
    as_rpc_reply_t reply;
    if (flow_call (w, w->dispatch, "visit.get", NULL, &reply, "{\"visit_id\":%lld}", (long long) c->follow_up_id))
        return false;
    char status [24] = "";
    if (reply.ok)
        flow_str (reply.result, "visit", "status", status, sizeof status);
    snprintf (c->why, sizeof c->why, "follow-up visit %lld: %.60s waiting_parts %lld", (long long) c->follow_up_id,
              reply.ok ? status : reply.error.message, (long long) (reply.ok ? flow_int (reply.result, "visit", "waiting_parts") : -1));
    as_rpc_reply_release (&reply);
    if (!strcmp (status, "unscheduled") || !*status)
        return false;
    c->visit_id = c->follow_up_id;
    c->state = ST_WALK;
    return true;
}

static bool
s_complete (flow_worker_t *w, flow_case_t *c)
{
    const char *part = s_kinds [c->category].part;
    bool parts = part && (c->plan == END_PARTS || c->plan == END_ON_HAND);
    char items [128] = "[]", used [128] = "[]", key [96];
    if (c->plan != END_NO_FAULT)
        snprintf (items, sizeof items, "[{\"code\":\"%s\",\"quantity\":1}]", s_kinds [c->category].item);
    if (parts)
        snprintf (used, sizeof used, "[{\"part_no\":\"%s\",\"quantity\":1}]", part);
    s_key (w, c, "complete", c->visit_id, key);
    as_rpc_reply_t reply;
    if (flow_call (w, w->dispatch, "visit.complete", key, &reply,
                   "{\"visit_id\":%lld,\"work_done\":\"%s\",\"repair_items\":%s,\"parts_used\":%s,"
                   "\"labour_minutes\":%d,\"customer_accepted\":true}", (long long) c->visit_id,
                   c->plan == END_NO_FAULT ? "explained how to use it" : "repaired and tested", items, used,
                   20 + (int) s_rand (w, 60)))
        return false;
    bool ok = reply.ok;
    if (!ok)
        fprintf (stderr, "flow: case %lld: completion refused: %s\n", (long long) c->case_id, reply.error.message);
    as_rpc_reply_release (&reply);
    if (!ok)
        return false;
    c->outcome = c->plan == END_NO_FAULT ? FLOW_NO_FAULT : c->follow_up_id ? FLOW_REPAIRED_TWO_VISITS : FLOW_REPAIRED;
    c->state = w->survey_up ? ST_SURVEY : ST_DONE;
    return true;
}

static bool
s_answer (flow_worker_t *w, flow_case_t *c, int64_t survey_id)
{
    as_rpc_reply_t reply;
    if (flow_call (w, w->survey, "survey.get", NULL, &reply, "{\"survey_id\":%lld}", (long long) survey_id))
        return false;
    char token [72] = "", key [96];
    if (reply.ok)
        flow_str (reply.result, "survey", "token", token, sizeof token);
    as_rpc_reply_release (&reply);
    int base = s_chance (w, 10) ? 1 : 3;
    s_key (w, c, "answer", survey_id, key);
    if (!*token || flow_call (w, w->survey, "survey.answer", key, &reply,
                   "{\"token\":\"%s\",\"attitude\":%d,\"technical\":%d,\"punctuality\":%d,\"transparency\":%d,"
                   "\"cost_fairness\":%d,\"overall\":%d,\"nps\":%d}", token, base + (int) s_rand (w, 3),
                   base + (int) s_rand (w, 3), base + (int) s_rand (w, 3), base + (int) s_rand (w, 3),
                   base + (int) s_rand (w, 3), base + (int) s_rand (w, 3), base * 2 + (int) s_rand (w, 5)))
        return false;
    if (reply.ok)
        w->result->surveys_answered++;
    as_rpc_reply_release (&reply);
    return true;
}

static bool
s_survey (flow_worker_t *w, flow_case_t *c)
{
    as_rpc_reply_t reply;
    if (flow_call (w, w->survey, "survey.list", NULL, &reply, "{\"case_id\":%lld}", (long long) c->case_id))
        return false;
    const msgpack_object *list = reply.ok ? as_obj_get (reply.result, "surveys") : NULL;
    int64_t survey_id = list && list->type == MSGPACK_OBJECT_ARRAY && list->via.array.size
                      ? flow_int (&list->via.array.ptr [0], NULL, "survey_id") : 0;
    as_rpc_reply_release (&reply);
    if (!survey_id) {
        if (++c->survey_tries < 100)
            return false;
        w->result->surveys_missing++;
        c->state = ST_DONE;
        return true;
    }
    if (c->answer_survey && !s_answer (w, c, survey_id))
        return false;
    if (c->complain) {
        char key [96];
        s_key (w, c, "complaint", 0, key);
        if (flow_call (w, w->survey, "complaint.open", key, &reply,
                       "{\"case_id\":%lld,\"category\":\"delay\",\"severity\":\"medium\","
                       "\"description\":\"the engineer came late and did not call\"}", (long long) c->case_id))
            return false;
        if (reply.ok)
            w->result->complaints++;
        as_rpc_reply_release (&reply);
    }
    c->state = ST_DONE;
    return true;
}

bool
flow_case_step (flow_worker_t *w, flow_case_t *c)
{
    switch (c->state) {
        case ST_SALE: return s_sale (w, c);
        case ST_REPORT: return s_report (w, c);
        case ST_FIND: return s_find (w, c);
        case ST_TRIAGE: return s_triage (w, c);
        case ST_BOOK: return s_book (w, c);
        case ST_RESERVE: return s_reserve (w, c);
        case ST_WALK: return s_walk (w, c);
        case ST_DIAGNOSE: return s_diagnose (w, c);
        case ST_QUOTE: return s_quote (w, c);
        case ST_WAIT_FOLLOW_UP: return s_wait_follow_up (w, c);
        case ST_COMPLETE: return s_complete (w, c);
        case ST_SURVEY: return s_survey (w, c);
        case ST_DONE: return false;
    }
    return false;
}
