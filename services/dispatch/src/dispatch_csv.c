/*  dispatch_csv: skills and the engineers' CSV file as the records
    dispatchd takes, every line checked first (see the header).           */
#include "dispatch_csv.h"
#include "dispatch_shift.h"
#include "as_catalog.h"
#include "as_msg.h"
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_COLUMNS 8
static const char *s_keys [S_COLUMNS] = { "code", "name", "station_code", "max_visits", "shift_start",
                                          "shift_end", "skills", "work_days" };
#define S_MAX_VISITS 3
#define S_SKILLS 6

//  Text without the spaces and tabs around it (in place).
static char *
s_trim (char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    size_t length = strlen (text);
    while (length && (text [length - 1] == ' ' || text [length - 1] == '\t'))
        text [--length] = 0;
    return text;
}

//  A whole number and nothing else.
static bool
s_whole_number (const char *text, long *value)
{
    char *end = NULL;
    errno = 0;
    long number = strtol (text, &end, 10);
    if (!*text || end == text || *end || errno)
        return false;
    *value = number;
    return true;
}

cJSON *
dispatch_skills_list (const char *text, char *why, size_t size)
{
    cJSON *skills = cJSON_CreateArray ();
    char *copy = strdup (text);
    assert (skills && copy);
    for (char *cursor = copy; cursor;) {
        char *item = cursor;
        cursor = strpbrk (cursor, ",;");
        if (cursor)
            *cursor++ = 0;
        item = s_trim (item);
        if (!*item)
            continue;                   //  nothing between two separators
        char *colon = strchr (item, ':');
        long level = 1;
        if (colon) {
            *colon = 0;
            char *given = s_trim (colon + 1);
            if (!s_whole_number (given, &level)) {
                snprintf (why, size, "skill '%s:%s': the level is not a whole number", s_trim (item), given);
                cJSON_Delete (skills);
                free (copy);
                return NULL;
            }
        }
        cJSON *skill = cJSON_CreateObject ();
        cJSON_AddStringToObject (skill, "category", s_trim (item));
        cJSON_AddNumberToObject (skill, "level", (double) level);
        cJSON_AddItemToArray (skills, skill);
    }
    free (copy);
    return skills;
}

//  Split a line into fields in place, RFC 4180 quoting within the line;
//  returns the count, or -1 with why.
static int
s_fields (char *line, char **fields, int max, char *why, size_t size)
{
    int count = 0;
    char *read = line;
    for (;;) {
        if (count == max) {
            snprintf (why, size, "more than %d fields (%s)", max, DISPATCH_CSV_COLUMNS);
            return -1;
        }
        while (*read == ' ' || *read == '\t')
            read++;
        char *field = read, *write = read;
        if (*read == '"') {
            for (read++; *read != '"' || read [1] == '"'; read++) {
                if (!*read) {
                    snprintf (why, size, "field %d has no closing quote", count + 1);
                    return -1;
                }
                read += *read == '"';   //  "" is one quote
                *write++ = *read;
            }
            for (read++; *read == ' ' || *read == '\t'; read++)
                ;
            if (*read && *read != ',') {
                snprintf (why, size, "field %d has text after its closing quote", count + 1);
                return -1;
            }
        }
        else {
            while (*read && *read != ',')
                read++;
            for (write = read; write > field && (write [-1] == ' ' || write [-1] == '\t'); write--)
                ;
        }
        char separator = *read;
        *write = 0;
        fields [count++] = field;
        if (!separator)
            return count;
        read++;
    }
}

//  The value at a catalogue error's path inside a record ("skills[1].level").
static const cJSON *
s_at_path (const cJSON *item, const char *path)
{
    char copy [128];
    snprintf (copy, sizeof copy, "%s", path);
    for (char *save = NULL, *part = strtok_r (copy, ".", &save); part && item; part = strtok_r (NULL, ".", &save)) {
        char *bracket = strchr (part, '[');
        if (bracket)
            *bracket = 0;
        item = cJSON_GetObjectItemCaseSensitive (item, part);
        if (bracket && item)
            item = cJSON_GetArrayItem (item, atoi (bracket + 1));
    }
    return item;
}

//  The catalogue's rules for engineer.import, applied to one record: a
//  message like "max_visits 0: less than 1", or 0.
static int
s_check_record (cJSON *engineer, char *problem, size_t size)
{
    cJSON *params = cJSON_CreateObject ();
    cJSON *list = cJSON_AddArrayToObject (params, "engineers");
    cJSON_AddItemReferenceToArray (list, engineer);
    char *json = cJSON_PrintUnformatted (params);
    cJSON_Delete (params);
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    as_error_t err;
    as_error_clear (&err);
    as_msg_t *msg = json && as_json_to_msgpack (json, &packed, &err) == 0
                  ? as_msg_decode (packed.data, packed.size, 0, &err) : NULL;
    int rc = msg && as_catalog_check_params ("engineer.import", as_msg_root (msg), &err) == 0 ? 0 : -1;
    if (rc) {
        static const char prefix [] = "params.engineers[0].";
        const char *path = strncmp (err.message, prefix, strlen (prefix)) ? err.message : err.message + strlen (prefix);
        const char *colon = strstr (path, ": ");
        char field [128];
        snprintf (field, sizeof field, "%.*s", colon ? (int) (colon - path) : 0, path);
        const cJSON *value = colon ? s_at_path (engineer, field) : NULL;
        if (cJSON_IsString (value) && strlen (value->valuestring) <= 60 && !strstr (colon, value->valuestring))
            snprintf (problem, size, "%s '%s'%s", field, value->valuestring, colon);
        else
        if (cJSON_IsNumber (value))
            snprintf (problem, size, "%s %g%s", field, value->valuedouble, colon);
        else
            snprintf (problem, size, "%.200s", path);
    }
    as_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&packed);
    free (json);
    return rc;
}

//  One non-empty field into the record: numbers and skills as JSON, the
//  rest as text; -1 with problem filled.
static int
s_add_field (cJSON *engineer, int index, const char *field, char *problem, size_t size)
{
    if (index == S_MAX_VISITS) {
        long number = 0;
        if (!s_whole_number (field, &number)) {
            snprintf (problem, size, "max_visits '%s' is not a whole number", field);
            return -1;
        }
        cJSON_AddNumberToObject (engineer, s_keys [index], (double) number);
    }
    else
    if (index == S_SKILLS) {
        cJSON *skills = dispatch_skills_list (field, problem, size);
        if (!skills)
            return -1;
        cJSON_AddItemToObject (engineer, s_keys [index], skills);
    }
    else
        cJSON_AddStringToObject (engineer, s_keys [index], field);
    return 0;
}

//  One line's fields as a record; NULL with problem filled.
static cJSON *
s_engineer (char **fields, int count, char *problem, size_t size)
{
    if (count < 3) {
        snprintf (problem, size, "%d field%s: needs at least code,name,station_code", count, count == 1 ? "" : "s");
        return NULL;
    }
    for (int index = 0; index < 3; index++)
        if (!*fields [index]) {
            snprintf (problem, size, "%s is empty", s_keys [index]);
            return NULL;
        }
    if (dispatch_shift_check (count > 4 ? fields [4] : "", count > 5 ? fields [5] : "", count > 7 ? fields [7] : "",
                              problem, size))
        return NULL;
    cJSON *engineer = cJSON_CreateObject ();
    for (int index = 0; index < count; index++)
        //  An empty field is left out: dispatchd's default applies.
        if (*fields [index] && s_add_field (engineer, index, fields [index], problem, size)) {
            cJSON_Delete (engineer);
            return NULL;
        }
    if (s_check_record (engineer, problem, size)) {
        cJSON_Delete (engineer);
        return NULL;
    }
    return engineer;
}

cJSON *
dispatch_engineers_from_csv (const char *csv, char *why, size_t size)
{
    if (as_catalog_load ()) {
        snprintf (why, size, "the catalogue cannot be read");
        return NULL;
    }
    cJSON *engineers = cJSON_CreateArray ();
    char *text = strdup (csv);
    assert (engineers && text);
    char *cursor = text, *fields [S_COLUMNS];
    bool data = false;
    for (int number = 1; *cursor; number++) {
        char *line = cursor, *end = strchr (cursor, '\n');
        cursor = end ? end + 1 : cursor + strlen (cursor);
        if (end)
            *end = 0;
        size_t length = strlen (line);
        if (length && line [length - 1] == '\r')
            line [length - 1] = 0;
        if (line [0] == '#' || !*s_trim (line))
            continue;
        char problem [AS_ERROR_MESSAGE_MAX];
        int count = s_fields (line, fields, S_COLUMNS, problem, sizeof problem);
        //  The header, as spreadsheets write it too: any case, and a byte
        //  order mark before it (Excel's "CSV UTF-8").
        const char *first = count > 0 ? fields [0] : "";
        if (!strncmp (first, "\xEF\xBB\xBF", 3))
            first += 3;
        if (!data && count > 0 && !strcasecmp (first, "code"))
            continue;
        data = true;
        cJSON *engineer = count < 0 ? NULL : s_engineer (fields, count, problem, sizeof problem);
        if (!engineer) {
            snprintf (why, size, "line %d: %s", number, problem);
            cJSON_Delete (engineers);
            free (text);
            return NULL;
        }
        cJSON_AddItemToArray (engineers, engineer);
    }
    free (text);
    if (cJSON_GetArraySize (engineers) == 0) {
        snprintf (why, size, "no engineer in the file (%s)", DISPATCH_CSV_COLUMNS);
        cJSON_Delete (engineers);
        return NULL;
    }
    return engineers;
}
