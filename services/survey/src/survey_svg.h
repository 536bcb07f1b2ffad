/*  survey_svg: a line chart as SVG text, written by hand (no library):
    weeks on the x-axis, one line per group, axes with ticks and labels,
    a title and a legend. Pure: no I/O.                                    */
#ifndef SURVEY_SVG_H
#define SURVEY_SVG_H

#include <stdbool.h>

#define SURVEY_SVG_MAX_WEEKS  8
#define SURVEY_SVG_MAX_GROUPS 12

typedef struct {
    const char *title;                          //  "Overall satisfaction by station, 2026-10"
    const char *y_label;                        //  "mean score (1-5)"
    const char *subtitle;                       //  a line under the title, or NULL
    const char *group_prefix;                   //  legend: "station " + group, or NULL
    bool bounded;                               //  the KPI's own range (1-5, 0-100):
    double bound_low, bound_high;               //  the y-axis never goes past it
    int week_count;
    const char *weeks [SURVEY_SVG_MAX_WEEKS];   //  "2026-10-05" (Mondays)
    int group_count;
    const char *groups [SURVEY_SVG_MAX_GROUPS];
    double values [SURVEY_SVG_MAX_GROUPS][SURVEY_SVG_MAX_WEEKS];
    bool present [SURVEY_SVG_MAX_GROUPS][SURVEY_SVG_MAX_WEEKS];
} survey_chart_t;

//  The SVG document (caller frees), or NULL when out of memory.
char *survey_svg_chart (const survey_chart_t *chart);

#endif
