/*  billing_tariff: policy and fee files to structs; money in fen.          */
#include "billing_tariff.h"
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_why (char *why, size_t why_size, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (why, why_size, format, args);
    va_end (args);
    return -1;
}

static bool
s_known_category (const char *category)
{
    for (int index = 0; billing_categories [index]; index++)
        if (strcmp (billing_categories [index], category) == 0)
            return true;
    return false;
}

//  An integer member within bounds; a float (1.5) is refused: no fractions in money or days.
static int
s_int (const cJSON *object, const char *key, int64_t min, int64_t max, int64_t fallback, bool required,
       int64_t *value, char *why, size_t why_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    if (!item) {
        *value = fallback;
        return required ? s_why (why, why_size, "%s is missing", key) : 0;
    }
    if (!cJSON_IsNumber (item) || item->valuedouble != (double) (int64_t) item->valuedouble)
        return s_why (why, why_size, "%s must be a whole number", key);
    *value = (int64_t) item->valuedouble;
    if (*value < min || *value > max)
        return s_why (why, why_size, "%s must be between %lld and %lld", key, (long long) min, (long long) max);
    return 0;
}

//  A text of at most max_chars characters that fits in size bytes (the
//  catalogue's limits count characters: a Chinese one is 3 bytes).
static bool
s_fits (const char *text, size_t max_chars, size_t size)
{
    size_t characters = 0, bytes = 0;
    for (; text [bytes]; bytes++)
        characters += ((unsigned char) text [bytes] & 0xc0) != 0x80;
    return characters <= max_chars && bytes < size;
}

static int
s_str (const cJSON *object, const char *key, char *out, size_t size, size_t max_chars, bool required,
       char *why, size_t why_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    if (!item)
        return required ? s_why (why, why_size, "%s is missing", key) : 0;
    if (!cJSON_IsString (item) || !s_fits (item->valuestring, max_chars, size) || (required && !*item->valuestring))
        return s_why (why, why_size, "%s must be a string of 1 to %zu characters", key, max_chars);
    snprintf (out, size, "%s", item->valuestring);
    return 0;
}

#define S_VERSION_CHARS 64              //  the catalogue's policy_version and fee_version

static int
s_version (const cJSON *root, char *version, size_t version_size, char *effective, char *why, size_t why_size)
{
    int64_t days;
    if (s_str (root, "version", version, version_size, S_VERSION_CHARS, true, why, why_size)
    ||  s_str (root, "effective_from", effective, AS_DATE_SIZE, AS_DATE_SIZE - 1, true, why, why_size))
        return -1;
    if (!as_date_parse (effective, &days))
        return s_why (why, why_size, "effective_from '%s' is not a valid YYYY-MM-DD", effective);
    return 0;
}

//  {"months": 12, "components": {"compressor": 36}, "note": "..."}
static int
s_term (const cJSON *object, billing_term_t *term, char *why, size_t why_size)
{
    int64_t months;
    if (!cJSON_IsObject (object))
        return s_why (why, why_size, "the term of %s %s is not an object", term->category, term->model);
    if (s_int (object, "months", 0, 240, 0, true, &months, why, why_size)
    ||  s_str (object, "note", term->note, sizeof term->note, 200, false, why, why_size))
        return -1;
    term->months = (int) months;
    const cJSON *component;
    cJSON_ArrayForEach (component, cJSON_GetObjectItemCaseSensitive (object, "components")) {
        if (term->component_count >= BILLING_MAX_COMPONENTS)
            return s_why (why, why_size, "more than %d components for %s", BILLING_MAX_COMPONENTS, term->category);
        if (!cJSON_IsNumber (component) || component->valueint < 0 || component->valueint > 240
        ||  !s_fits (component->string, 64, sizeof term->components [0].component) || !*component->string)
            return s_why (why, why_size, "component %s of %s: a name of 1 to 64 characters, months 0 to 240",
                          component->string, term->category);
        billing_component_term_t *entry = &term->components [term->component_count++];
        snprintf (entry->component, sizeof entry->component, "%s", component->string);
        entry->months = component->valueint;
    }
    return 0;
}

static int
s_terms (const cJSON *root, billing_policy_t *policy, char *why, size_t why_size)
{
    const cJSON *entry;
    cJSON_ArrayForEach (entry, cJSON_GetObjectItemCaseSensitive (root, "categories")) {
        if (!s_known_category (entry->string))
            return s_why (why, why_size, "category '%s' is not one of DOMAIN.md's", entry->string);
        if (policy->term_count >= BILLING_MAX_TERMS)
            return s_why (why, why_size, "more than %d terms", BILLING_MAX_TERMS);
        billing_term_t *term = &policy->terms [policy->term_count++];
        snprintf (term->category, sizeof term->category, "%s", entry->string);
        if (s_term (entry, term, why, why_size))
            return -1;
    }
    cJSON_ArrayForEach (entry, cJSON_GetObjectItemCaseSensitive (root, "models")) {
        if (policy->term_count >= BILLING_MAX_TERMS || !s_fits (entry->string, 64, sizeof policy->terms [0].model))
            return s_why (why, why_size, "too many models, or model name '%s' longer than 64 characters",
                          entry->string);
        billing_term_t *term = &policy->terms [policy->term_count++];
        snprintf (term->model, sizeof term->model, "%s", entry->string);
        if (s_str (entry, "category", term->category, sizeof term->category, sizeof term->category - 1, true,
                   why, why_size))
            return -1;
        if (!s_known_category (term->category))
            return s_why (why, why_size, "model %s: category '%s' is not known", term->model, term->category);
        if (s_term (entry, term, why, why_size))
            return -1;
    }
    return 0;
}

int
billing_policy_parse (const char *json, billing_policy_t *policy, char *why, size_t why_size)
{
    memset (policy, 0, sizeof *policy);
    cJSON *root = cJSON_Parse (json);
    if (!cJSON_IsObject (root)) {
        cJSON_Delete (root);
        return s_why (why, why_size, "the policy is not a JSON object");
    }
    int64_t returns = 0, exchanges = 0, repairs = 0;
    int rc = s_version (root, policy->version, sizeof policy->version, policy->effective_from, why, why_size)
          || s_int (root, "return_days", 0, 365, 7, false, &returns, why, why_size)
          || s_int (root, "exchange_days", 0, 365, 15, false, &exchanges, why, why_size)
          || s_int (root, "repair_warranty_days", 0, 3650, 90, false, &repairs, why, why_size)
          || s_terms (root, policy, why, why_size) ? -1 : 0;
    policy->return_days = (int) returns;
    policy->exchange_days = (int) exchanges;
    policy->repair_warranty_days = (int) repairs;
    if (rc == 0 && !cJSON_GetObjectItemCaseSensitive (root, "categories"))
        rc = s_why (why, why_size, "categories is missing");
    for (int index = 0; rc == 0 && billing_categories [index]; index++)
        if (!billing_policy_term (policy, billing_categories [index], NULL))
            rc = s_why (why, why_size, "no term for category %s", billing_categories [index]);
    cJSON_Delete (root);
    return rc;
}

//  --- Fee schedules ------------------------------------------------------------

static int
s_add_fee (billing_fee_t *list, int *count, const char *code, const char *description, int64_t fen,
           const char *what, char *why, size_t why_size)
{
    if (*count >= BILLING_MAX_FEES)
        return s_why (why, why_size, "more than %d %s", BILLING_MAX_FEES, what);
    if (!*code || !s_fits (code, 32, sizeof list [0].code))
        return s_why (why, why_size, "%s code '%s' is empty or longer than 32 characters", what, code);
    if (!s_fits (description, 200, sizeof list [0].description))
        return s_why (why, why_size, "%s %s: the description is longer than 200 characters", what, code);
    if (fen < 0 || fen > 100000000)
        return s_why (why, why_size, "%s %s: price must be 0 to 100000000 fen", what, code);
    for (int index = 0; index < *count; index++)
        if (strcmp (list [index].code, code) == 0)
            return s_why (why, why_size, "%s %s appears twice", what, code);
    billing_fee_t *fee = &list [(*count)++];
    snprintf (fee->code, sizeof fee->code, "%s", code);
    snprintf (fee->description, sizeof fee->description, "%s", description);
    fee->fen = fen;
    return 0;
}

static int
s_fee_list (const cJSON *root, const char *key, const char *code_key, const char *fen_key, billing_fee_t *list,
            int *count, char *why, size_t why_size)
{
    const cJSON *entry;
    cJSON_ArrayForEach (entry, cJSON_GetObjectItemCaseSensitive (root, key)) {
        char code [sizeof list [0].code] = "", description [sizeof list [0].description] = "";
        int64_t fen;
        if (s_str (entry, code_key, code, sizeof code, 32, true, why, why_size)
        ||  s_str (entry, "description", description, sizeof description, 200, false, why, why_size)
        ||  s_int (entry, fen_key, 0, 100000000, 0, true, &fen, why, why_size)
        ||  s_add_fee (list, count, code, description, fen, key, why, why_size))
            return -1;
    }
    return 0;
}

static int
s_fees_json (const char *text, billing_fees_t *fees, char *why, size_t why_size)
{
    cJSON *root = cJSON_Parse (text);
    if (!cJSON_IsObject (root)) {
        cJSON_Delete (root);
        return s_why (why, why_size, "the fee schedule is not a JSON object");
    }
    int rc = s_version (root, fees->version, sizeof fees->version, fees->effective_from, why, why_size)
          || s_int (root, "visit_fee_fen", 0, 100000000, 0, true, &fees->visit_fee_fen, why, why_size)
          || s_int (root, "parts_markup_bp", 0, 100000, 0, false, &fees->parts_markup_bp, why, why_size)
          || s_fee_list (root, "items", "code", "labour_fen", fees->items, &fees->item_count, why, why_size)
          || s_fee_list (root, "parts", "part_no", "cost_fen", fees->parts, &fees->part_count, why, why_size)
           ? -1 : 0;
    cJSON_Delete (root);
    return rc;
}

//  Split one CSV line into at most `max` fields; double quotes may wrap a
//  field with commas ("" is a quote). Modifies line in place.
static int
s_csv_fields (char *line, char **fields, int max)
{
    int count = 0;
    char *cursor = line;
    while (count < max) {
        char *out = cursor;
        fields [count++] = out;
        bool quoted = *cursor == '"';
        cursor += quoted;
        for (; *cursor && (quoted || *cursor != ','); cursor++) {
            if (quoted && *cursor == '"' && cursor [1] == '"')
                *out++ = *cursor++;
            else
            if (quoted && *cursor == '"')
                quoted = false;
            else
                *out++ = *cursor;
        }
        bool more = *cursor == ',';
        *out = 0;
        if (!more)
            break;
        cursor++;
    }
    return count;
}

static bool
s_fen (const char *text, int64_t *fen)
{
    char *end = NULL;
    long long value = strtoll (text, &end, 10);
    *fen = value;
    return *text && end && *end == 0;
}

//  kind,code,description,fen  with kinds version, effective_from,
//  visit_fee, parts_markup_bp, labour, part (see data/fees.csv).
static int
s_fees_csv_row (char **fields, int count, int line_no, billing_fees_t *fees, char *why, size_t why_size)
{
    const char *kind = fields [0];
    int64_t fen = 0;
    if (count < 4 || ((!strcmp (kind, "visit_fee") || !strcmp (kind, "parts_markup_bp") || !strcmp (kind, "labour")
                       || !strcmp (kind, "part")) && !s_fen (fields [3], &fen)))
        return s_why (why, why_size, "line %d: expected kind,code,description,fen with a whole number of fen", line_no);
    if (!strcmp (kind, "version") && !s_fits (fields [1], S_VERSION_CHARS, sizeof fees->version))
        return s_why (why, why_size, "line %d: the version is longer than %d characters", line_no, S_VERSION_CHARS);
    if (!strcmp (kind, "version"))
        snprintf (fees->version, sizeof fees->version, "%s", fields [1]);
    else
    if (!strcmp (kind, "effective_from") && !s_fits (fields [1], AS_DATE_SIZE - 1, AS_DATE_SIZE))
        return s_why (why, why_size, "line %d: effective_from must be YYYY-MM-DD", line_no);
    else
    if (!strcmp (kind, "effective_from"))
        snprintf (fees->effective_from, sizeof fees->effective_from, "%s", fields [1]);
    else
    if (!strcmp (kind, "visit_fee") && fen >= 0)
        fees->visit_fee_fen = fen;
    else
    if (!strcmp (kind, "parts_markup_bp") && fen >= 0)
        fees->parts_markup_bp = fen;
    else
    if (!strcmp (kind, "labour"))
        return s_add_fee (fees->items, &fees->item_count, fields [1], fields [2], fen, "items", why, why_size);
    else
    if (!strcmp (kind, "part"))
        return s_add_fee (fees->parts, &fees->part_count, fields [1], fields [2], fen, "parts", why, why_size);
    else
        return s_why (why, why_size, "line %d: unknown kind '%s' or negative amount", line_no, kind);
    return 0;
}

static int
s_fees_csv (const char *text, billing_fees_t *fees, char *why, size_t why_size)
{
    char *copy = strdup (text);
    int rc = 0, line_no = 0;
    char *save = NULL;
    for (char *line = strtok_r (copy, "\n", &save); line && rc == 0; line = strtok_r (NULL, "\n", &save)) {
        line_no++;
        size_t length = strlen (line);
        if (length && line [length - 1] == '\r')
            line [length - 1] = 0;
        char *fields [4] = { "", "", "", "" };
        if (!*line || *line == '#' || (line_no == 1 && strncmp (line, "kind,", 5) == 0))
            continue;
        int count = s_csv_fields (line, fields, 4);
        rc = s_fees_csv_row (fields, count, line_no, fees, why, why_size);
    }
    free (copy);
    int64_t days;
    if (rc == 0 && (!fees->version [0] || !as_date_parse (fees->effective_from, &days)))
        rc = s_why (why, why_size, "the CSV needs a version row and an effective_from row with YYYY-MM-DD");
    return rc;
}

int
billing_fees_parse (const char *text, const char *format, billing_fees_t *fees, char *why, size_t why_size)
{
    memset (fees, 0, sizeof *fees);
    if (format && strcmp (format, "csv") == 0)
        return s_fees_csv (text, fees, why, why_size);
    if (!format || strcmp (format, "json") == 0)
        return s_fees_json (text, fees, why, why_size);
    return s_why (why, why_size, "format must be json or csv");
}

static const billing_fee_t *
s_find (const billing_fee_t *list, int count, const char *code)
{
    for (int index = 0; index < count; index++)
        if (strcmp (list [index].code, code) == 0)
            return &list [index];
    return NULL;
}

const billing_fee_t *
billing_fees_item (const billing_fees_t *fees, const char *code)
{
    return s_find (fees->items, fees->item_count, code);
}

const billing_fee_t *
billing_fees_part (const billing_fees_t *fees, const char *part_no)
{
    return s_find (fees->parts, fees->part_count, part_no);
}

//  C division truncates toward zero and the remainder keeps the sign of
//  the product, so rounding the magnitude's half away from zero is the
//  same rule for a refund (negative) as for a charge: -0.5 fen is -1.
int64_t
billing_money_share (int64_t amount, int64_t basis_points)
{
    int64_t product = amount * basis_points;
    int64_t share = product / 10000, rest = product % 10000;
    if (rest >= 5000)
        share++;
    else
    if (rest <= -5000)
        share--;
    return share;
}

void
billing_money_format (int64_t fen, char *out, size_t size)
{
    int64_t magnitude = fen < 0 ? -fen : fen;
    snprintf (out, size, "%s%lld.%02lld", fen < 0 ? "-" : "", (long long) (magnitude / 100),
              (long long) (magnitude % 100));
}
