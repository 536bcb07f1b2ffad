/*  dispatch_csv: what dispatchctl reshapes before it calls dispatchd:
    skills written "category:level,..." and the engineers' CSV file of
    `engineer import`, as the JSON records engineer.add, engineer.skills and
    engineer.import take. A file is checked whole before anything is sent:
    the first bad line is named with its number and value, and nothing is
    imported.                                                               */
#ifndef DISPATCH_CSV_H
#define DISPATCH_CSV_H

#include <cjson/cJSON.h>
#include <stddef.h>

//  The columns of an engineers' CSV file, in order; the last (the rota) is
//  optional. A first line starting with "code" is the header.
#define DISPATCH_CSV_COLUMNS "code,name,station_code,max_visits,shift_start,shift_end,skills[,work_days]"

//  "air_conditioner:2,fan" (',' or ';' between skills; level 1 when not
//  given) as [{"category": .., "level": ..}]; NULL with why filled when a
//  level is not a whole number. The caller owns the array.
cJSON *dispatch_skills_list (const char *text, char *why, size_t size);

//  The engineers of a CSV text as an array of engineer.import records.
//  Fields follow RFC 4180 within a line (empty fields kept, "quoted, with
//  commas" and "" for a quote); empty optional fields are left out, so
//  dispatchd's defaults apply. Every line is checked (columns, numbers,
//  shift and rota, and the catalogue's rules for engineer.import); at the
//  first bad one: NULL with why naming the line and the value.
cJSON *dispatch_engineers_from_csv (const char *csv, char *why, size_t size);

#endif
