#!/usr/bin/env python3
"""Writes proto/catalogue.d/billing.json: billing's events and methods.
Shared shapes (a decision, a line) are written once here."""
import json, os

CATEGORIES = ["air_conditioner", "refrigerator", "washing_machine", "television", "water_heater",
              "range_hood", "gas_stove", "fan", "hair_dryer", "vacuum_cleaner", "smart_home"]
CAUSES = ["quality", "misuse", "poor_maintenance", "force_majeure", "abnormal_voltage",
          "unauthorised_repair", "no_fault"]
PROOFS = ["invoice", "receipt", "none"]
TYPES = ["free", "contract", "paid", "other"]

def s(req=False, mn=None, mx=None, enum=None, nullable=False, desc=None):
    d = {"type": "str"}
    if req: d["required"] = True
    if mn is not None: d["min_len"] = mn
    if mx is not None: d["max_len"] = mx
    if enum: d["enum"] = enum
    if nullable: d["nullable"] = True
    if desc: d["description"] = desc
    return d
def t(typ, req=False, nullable=False, desc=None, **kw):
    d = {"type": typ}
    if req: d["required"] = True
    if nullable: d["nullable"] = True
    if desc: d["description"] = desc
    d.update(kw)
    return d
def m(fields, req=False, additional=False, desc=None):
    d = {"type": "map", "fields": fields}
    if req: d["required"] = True
    if additional: d["additional"] = True
    if desc: d["description"] = desc
    return d
def a(items, req=False, max_items=None, desc=None):
    d = {"type": "array", "items": items}
    if req: d["required"] = True
    if max_items: d["max_items"] = max_items
    if desc: d["description"] = desc
    return d
def fen(req=True, desc=None):
    return t("int", req, desc=desc or "amount in fen (1/100 yuan)", min=0)
def any_map(req=True):
    return m({}, req, additional=True)

DECISION = {
    "service_type": s(True, enum=TYPES, desc="free, contract (parts at cost, no labour), paid, or other (advice)"),
    "parts": s(True, enum=["free", "at_cost", "charged", "none"]),
    "labour": s(True, enum=["free", "charged", "none"]),
    "visit_fee": t("bool", True, desc="the visit fee is charged"),
    "repeat_repair": t("bool", True, desc="the same fault again within the post-repair warranty"),
    "diagnosed": t("bool", True, desc="decided on the engineer's cause (else on the report)"),
    "return_until": t("date", desc="a quality fault may be returned for a refund until this day"),
    "exchange_until": t("date", desc="a quality fault may be exchanged until this day"),
    "policy_version": s(True, 1, 64),
    "contract_no": s(False, 1, 64),
    "decided_on": t("date", True, desc="business date coverage is judged on (BILLING_TIME_ZONE): the report's for a case, also when a diagnosis revises it; `on` (default today) for entitlement.check"),
    "coverage": a(m({"component": s(True, 1, 64, desc="whole_unit or a component with its own period"),
                     "months": t("uint", True), "covered_until": t("date"),
                     "covered": t("bool", True)}), True, 32),
    "reasons": a(m({"code": s(True, 1, 32), "text": s(True, 1, 255, desc="in the customer's words")}), True, 16),
}
CASE_DECISION = dict(DECISION)
CASE_DECISION.update({
    "case_id": t("uint", True), "serial": s(True, 1, 64), "cause": s(False, enum=CAUSES),
    "component": s(False, 1, 64)})
LINE = m({"kind": s(True, enum=["visit", "labour", "part"]), "code": s(True, 1, 32),
          "description": s(True, 0, 200), "quantity": t("uint", True, min=1),
          "unit_fen": fen(), "amount_fen": fen()})
OWNER = m({"ref": s(False, 1, 64, desc="the owner's id in the selling system"), "name": s(False, 1, 100)})

events = {
    "entitlement.decided": {"owner": "billing", "ingress": False, "version": 1,
        "description": "First warranty decision of a case, at report time, from the product and the reported fault.",
        "data": m(CASE_DECISION)},
    "entitlement.changed": {"owner": "billing", "ingress": False, "version": 1,
        "description": "The decision revised by the engineer's diagnosis (the cause and component).",
        "data": m(dict(CASE_DECISION, previous_service_type=s(True, enum=TYPES)))},
    "quote.issued": {"owner": "billing", "ingress": False, "version": 1,
        "description": "Charges quoted for a contract or paid repair; no chargeable work before it is accepted.",
        "data": m({"quote_id": t("uint", True), "case_id": t("uint", True), "visit_id": t("uint", True),
                   "service_type": s(True, enum=TYPES), "fee_version": s(True, 1, 64),
                   "lines": a(LINE, True, 120), "subtotal_fen": fen(), "tax_rate_bp": t("uint", True),
                   "tax_fen": fen(), "total_fen": fen(), "valid_until": t("date", True)})},
    "quote.accepted": {"owner": "billing", "ingress": False, "version": 1,
        "description": "The customer agreed to the quoted charges: the work may go ahead.",
        "data": m({"quote_id": t("uint", True), "case_id": t("uint", True), "total_fen": fen(), "by": s(True, 1, 100)})},
    "quote.declined": {"owner": "billing", "ingress": False, "version": 1,
        "description": "The customer refused the quoted charges: no chargeable work.",
        "data": m({"quote_id": t("uint", True), "case_id": t("uint", True), "total_fen": fen(), "by": s(True, 1, 100)})},
    "quote.expired": {"owner": "billing", "ingress": False, "version": 1,
        "description": "An issued quote was neither accepted nor declined by valid_until (business zone): it"
        " lapsed and can no longer be accepted; no chargeable work.",
        "data": m({"quote_id": t("uint", True), "case_id": t("uint", True), "total_fen": fen(),
                   "valid_until": t("date", True, desc="the last day it could have been accepted")})},
    "invoice.issued": {"owner": "billing", "ingress": False, "version": 1,
        "description": "A formal invoice with a gap-free number of its year.",
        "data": m({"invoice_id": t("uint", True), "number": s(True, 1, 32), "case_id": t("uint", nullable=True),
                   "issued_on": t("date", True), "subtotal_fen": fen(), "tax_fen": fen(), "total_fen": fen()})},
    "payment.received": {"owner": "billing", "ingress": False, "version": 1,
        "description": "Money received against an invoice.",
        "data": m({"payment_id": t("uint", True), "invoice_id": t("uint", True), "number": s(True, 1, 32),
                   "amount_fen": fen(), "method": s(True, 1, 16), "balance_fen": fen(desc="still to pay")})},
    "credit_note.issued": {"owner": "billing", "ingress": False, "version": 1,
        "description": "A credit note against an invoice (return, exchange or correction), numbered per year.",
        "data": m({"credit_note_id": t("uint", True), "number": s(True, 1, 32), "invoice_id": t("uint", True),
                   "reason": s(True, enum=["return", "exchange", "correction"]), "amount_fen": fen()})},
    "sale.recorded": {"owner": "billing", "ingress": True, "version": 1,
        "description": "The sales system sold a product (ingress): it is registered and its warranty starts.",
        "data": m({"serial": s(True, 1, 64), "model": s(True, 1, 64), "category": s(True, enum=CATEGORIES),
                   "purchase_date": t("date", True), "proof_kind": s(True, enum=PROOFS),
                   "proof_reference": s(False, 0, 64), "retailer": s(False, 0, 100), "owner": OWNER})},
    "contract.sold": {"owner": "billing", "ingress": True, "version": 1,
        "description": "An extended service contract was sold for a product (ingress).",
        "data": m({"contract_no": s(True, 1, 64), "serial": s(True, 1, 64), "starts_on": t("date", True),
                   "ends_on": t("date", True), "price_fen": t("uint")})},
}

def method(mutates, desc, params, result):
    return {"service": "billing", "mutates": mutates, "description": desc, "params": params, "result": result}

CHECK_PARAMS = m({"category": s(True, enum=CATEGORIES), "model": s(False, 1, 64),
                  "purchase_date": t("date"), "proof_kind": s(False, enum=PROOFS),
                  "cause": s(False, enum=CAUSES, desc="absent: as at report time, before the diagnosis"),
                  "component": s(False, 1, 64), "on": t("date", desc="business date of the check (default today)"),
                  "serial": s(False, 1, 64, desc="use this product's contract and last repairs"),
                  "last_repair_on": t("date", desc="what if the same fault was repaired on this day")})
LOAD = {"content": s(True, 1, 1000000, desc="the file's content (the CLI reads the file; the daemon never reads paths)"),
        "path": s(False, 0, 1000, desc="where the content came from, kept for the record")}
methods = {
    "entitlement.check": method(False, "What-if warranty decision without a case.", CHECK_PARAMS, m(DECISION)),
    "policy.load": method(True, "Publish a warranty policy version (JSON content). The same version again with the"
        " same content is a no-op; with other content it is refused.", m(LOAD),
        m({"version": s(True), "effective_from": t("date", True), "terms": t("uint", True), "loaded": t("bool", True)})),
    "policy.show": method(False, "The policy in effect on a day (default today), or a named version.",
        m({"version": s(False, 1, 64), "on": t("date")}), m({"policy": any_map()})),
    "fees.load": method(True, "Publish a fee schedule version (JSON or CSV content).",
        m(dict(LOAD, format=s(False, enum=["json", "csv"], desc="default json"))),
        m({"version": s(True), "effective_from": t("date", True), "items": t("uint", True), "parts": t("uint", True),
           "loaded": t("bool", True)})),
    "fees.show": method(False, "The fee schedule in effect on a day (default today), as published.",
        m({"version": s(False, 1, 64), "on": t("date")}), m({"fees": any_map()})),
    "registration.add": method(True, "Register a product (an agent's entry); a known serial changes owner, keeping"
        " its purchase date and proof (the coverage follows the product).",
        m({"serial": s(True, 1, 64), "model": s(True, 1, 64), "category": s(True, enum=CATEGORIES),
           "purchase_date": t("date"), "proof_kind": s(False, enum=PROOFS), "proof_reference": s(False, 0, 64),
           "retailer": s(False, 0, 100), "owner": OWNER}), m({"registration": any_map()})),
    "registration.show": method(False, "A product's registration, owners, contracts and repairs.",
        m({"serial": s(True, 1, 64)}), m({"registration": any_map()})),
    "quote.get": method(False, "A quote with its lines (by id, or the live quote of a case).",
        m({"quote_id": t("uint"), "case_id": t("uint")}), m({"quote": any_map()})),
    "quote.accept": method(True, "The customer agrees to the quote.", m({"quote_id": t("uint", True), "by": s(False, 1, 100)}),
        m({"quote": any_map()})),
    "quote.decline": method(True, "The customer refuses the quote.", m({"quote_id": t("uint", True), "by": s(False, 1, 100)}),
        m({"quote": any_map()})),
    "invoice.get": method(False, "One invoice with lines, payments and credit notes.",
        m({"invoice_id": t("uint"), "number": s(False, 1, 32)}), m({"invoice": any_map()})),
    "invoice.list": method(False, "Invoices, oldest first, a page at a time.",
        m({"case_id": t("uint"), "year": t("uint"), "after_id": t("uint"), "limit": t("uint", min=1, max=500)}),
        m({"invoices": a(any_map(False), True), "next_after_id": t("uint", True, nullable=True)})),
    "invoice.issue": method(True, "Invoice a counter sale (parts or labour by code, priced from the fee schedule"
        " in effect); repairs are invoiced from visit.completed after an accepted quote.",
        m({"lines": a(m({"kind": s(True, enum=["labour", "part"]), "code": s(True, 1, 32),
                         "quantity": t("uint", True, min=1, max=1000)}), True, 100,
                      desc="at least one line: an empty list is refused (invalid_argument) before a number is taken"),
           "reference": s(False, 0, 100), "case_id": t("uint")}), m({"invoice": any_map()})),
    "payment.record": method(True, "Record money received against an invoice.",
        m({"invoice_id": t("uint", True), "amount_fen": t("uint", True, min=1),
           "method": s(True, enum=["cash", "card", "wechat", "alipay", "bank_transfer"]), "reference": s(False, 0, 100)}),
        m({"payment_id": t("uint", True), "invoice_id": t("uint", True), "paid_fen": fen(), "balance_fen": fen()})),
    "credit_note.issue": method(True, "Credit an invoice for a return, an exchange or a correction (default: what"
        " is not yet credited).",
        m({"invoice_id": t("uint", True), "reason": s(True, enum=["return", "exchange", "correction"]),
           "amount_fen": t("uint", min=1), "note": s(False, 0, 500)}), m({"credit_note": any_map()})),
}

root = os.path.join(os.path.dirname(__file__), "..", "..", "..")
with open(os.path.join(root, "proto", "catalogue.d", "billing.json"), "w") as out:
    json.dump({"events": events, "methods": methods}, out, indent=2)
    out.write("\n")
