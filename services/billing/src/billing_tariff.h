/*  billing_tariff: warranty policies and fee schedules read from the files
    an operator publishes (JSON; fees also CSV), and the money arithmetic.
    Pure: text in, structs out, no I/O.

    Money is integer fen (int64) everywhere. Rounding, the one rule: a
    fraction of a fen is rounded half up (0.5 fen -> 1 fen), applied once
    per line to the parts mark-up and once per document to the tax.        */
#ifndef BILLING_TARIFF_H
#define BILLING_TARIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "billing_entitlement.h"

#define BILLING_MAX_FEES 256

typedef struct {
    char code [AS_TEXT_SIZE (32)];
    char description [AS_TEXT_SIZE (200)];
    int64_t fen;                        //  labour price, or a part's cost
} billing_fee_t;

typedef struct {
    char version [AS_TEXT_SIZE (64)];
    char effective_from [AS_DATE_SIZE];
    int64_t visit_fee_fen;
    int64_t parts_markup_bp;            //  paid parts: cost + mark-up (basis points)
    int item_count;
    billing_fee_t items [BILLING_MAX_FEES];     //  labour per repair item code
    int part_count;
    billing_fee_t parts [BILLING_MAX_FEES];     //  parts by part number, at cost
} billing_fees_t;

//  Parse a policy document (see data/policy.json). 0, or -1 with why.
int billing_policy_parse (const char *json, billing_policy_t *policy, char *why, size_t why_size);
//  Parse a fee schedule, format "json" or "csv" (see data/fees.*).
int billing_fees_parse (const char *text, const char *format, billing_fees_t *fees, char *why, size_t why_size);
const billing_fee_t *billing_fees_item (const billing_fees_t *fees, const char *code);
const billing_fee_t *billing_fees_part (const billing_fees_t *fees, const char *part_no);

//  amount * basis_points / 10000 rounded half away from zero on the fen
//  (0.5 -> 1, -0.5 -> -1); |amount * basis_points| must fit in int64.
int64_t billing_money_share (int64_t amount, int64_t basis_points);
//  "123.45" for 12345 fen (out >= 32 bytes).
void billing_money_format (int64_t fen, char *out, size_t size);

#endif
