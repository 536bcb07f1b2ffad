/*  survey_svg: see the header. The y-axis runs over "nice" ticks (1, 2 or
    5 times a power of ten) that cover every value; a missing value breaks
    the line rather than dropping it to zero.                              */
#include "survey_svg.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_WIDTH   1000
#define S_HEIGHT  520
#define S_LEFT    80
#define S_RIGHT   240
#define S_TOP     70
#define S_BOTTOM  70

typedef struct {
    char *text;
    size_t size, used;
} s_buffer_t;

static void
s_add (s_buffer_t *buffer, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int needed = vsnprintf (NULL, 0, format, args);
    va_end (args);
    if (needed < 0 || !buffer->text)
        return;
    if (buffer->used + (size_t) needed + 1 > buffer->size) {
        size_t size = (buffer->size + (size_t) needed + 1) * 2;
        char *text = realloc (buffer->text, size);
        if (!text) {
            free (buffer->text);
            buffer->text = NULL;
            return;
        }
        buffer->text = text;
        buffer->size = size;
    }
    va_start (args, format);
    vsnprintf (buffer->text + buffer->used, buffer->size - buffer->used, format, args);
    va_end (args);
    buffer->used += (size_t) needed;
}

//  Text content and attribute values: &, <, >, " escaped.
static void
s_add_escaped (s_buffer_t *buffer, const char *text)
{
    for (; text && *text; text++)
        switch (*text) {
            case '&': s_add (buffer, "&amp;"); break;
            case '<': s_add (buffer, "&lt;"); break;
            case '>': s_add (buffer, "&gt;"); break;
            case '"': s_add (buffer, "&quot;"); break;
            default: s_add (buffer, "%c", *text);
        }
}

static double
s_nice_step (double range)
{
    double raw = range / 5, power = pow (10, floor (log10 (raw)));
    double fraction = raw / power;
    return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

static void
s_y_range (const survey_chart_t *chart, double *low, double *high, double *step)
{
    bool any = false;
    *low = 0;
    *high = 1;
    for (int group = 0; group < chart->group_count; group++)
        for (int week = 0; week < chart->week_count; week++)
            if (chart->present [group][week]) {
                double value = chart->values [group][week];
                *low = any && *low < value ? *low : value;
                *high = any && *high > value ? *high : value;
                any = true;
            }
    if (*high - *low < 1e-9) {
        *low -= 1;
        *high += 1;
    }
    //  A margin so no point sits on the x-axis, then whole ticks, within
    //  the KPI's own range.
    double margin = (*high - *low) * 0.08;
    *step = s_nice_step (*high - *low + 2 * margin);
    *low = floor ((*low - margin) / *step) * *step;
    *high = ceil ((*high + margin) / *step) * *step;
    if (chart->bounded) {
        *low = *low < chart->bound_low ? chart->bound_low : *low;
        *high = *high > chart->bound_high ? chart->bound_high : *high;
    }
}

static const char *s_palette [] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                    "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939" };

static double
s_x (const survey_chart_t *chart, int week)
{
    //  Inset so the first and last points stay off the axes.
    double inset = 40, plot = S_WIDTH - S_LEFT - S_RIGHT - 2 * inset;
    return chart->week_count <= 1 ? S_LEFT + inset + plot / 2
         : S_LEFT + inset + plot * week / (chart->week_count - 1);
}

static double
s_y (double value, double low, double high)
{
    double plot = S_HEIGHT - S_TOP - S_BOTTOM;
    return S_TOP + plot * (high - value) / (high - low);
}

static void
s_axes (s_buffer_t *out, const survey_chart_t *chart, double low, double high, double step)
{
    int bottom = S_HEIGHT - S_BOTTOM, right = S_WIDTH - S_RIGHT;
    for (double tick = low; tick <= high + step / 2; tick += step) {
        double y = s_y (tick, low, high);
        s_add (out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n", S_LEFT, y, right, y);
        s_add (out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">%g</text>\n", S_LEFT - 8, y + 4,
               fabs (tick) < step / 1e6 ? 0.0 : tick);
    }
    s_add (out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", S_LEFT, S_TOP, S_LEFT, bottom);
    s_add (out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", S_LEFT, bottom, right, bottom);
    for (int week = 0; week < chart->week_count; week++) {
        double x = s_x (chart, week);
        s_add (out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n", x, bottom, x, bottom + 5);
        s_add (out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">", x, bottom + 20);
        s_add_escaped (out, chart->weeks [week]);
        s_add (out, "</text>\n");
    }
    s_add (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">week (starting Monday)</text>\n",
           (S_LEFT + right) / 2, bottom + 45);
    s_add (out, "<text x=\"20\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 20 %d)\">",
           (S_TOP + bottom) / 2, (S_TOP + bottom) / 2);
    s_add_escaped (out, chart->y_label);
    s_add (out, "</text>\n");
}

static void
s_line (s_buffer_t *out, const survey_chart_t *chart, int group, double low, double high)
{
    const char *colour = s_palette [group % 12];
    bool open = false;
    for (int week = 0; week < chart->week_count; week++) {
        if (!chart->present [group][week]) {
            if (open)
                s_add (out, "\"/>\n");
            open = false;
            continue;
        }
        double x = s_x (chart, week), y = s_y (chart->values [group][week], low, high);
        if (!open)
            s_add (out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" points=\"", colour);
        s_add (out, "%.1f,%.1f ", x, y);
        open = true;
    }
    if (open)
        s_add (out, "\"/>\n");
    //  Few lines: each point says its value.
    for (int week = 0; week < chart->week_count; week++)
        if (chart->present [group][week]) {
            double x = s_x (chart, week), y = s_y (chart->values [group][week], low, high);
            s_add (out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%g</title></circle>\n",
                   x, y, colour, chart->values [group][week]);
            if (chart->group_count <= 4)
                s_add (out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" fill=\"%s\">%.4g</text>\n",
                       x, y - 9, colour, chart->values [group][week]);
        }
    int legend_y = S_TOP + 10 + group * 22;
    s_add (out, "<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"4\" fill=\"%s\"/>\n", S_WIDTH - S_RIGHT + 24,
           legend_y - 4, colour);
    bool any = false;
    for (int week = 0; week < chart->week_count; week++)
        any |= chart->present [group][week];
    s_add (out, "<text x=\"%d\" y=\"%d\" font-size=\"13\"%s>", S_WIDTH - S_RIGHT + 48, legend_y + 1,
           any ? "" : " fill=\"#999\"");
    s_add_escaped (out, chart->group_prefix);
    s_add_escaped (out, chart->groups [group]);
    s_add (out, any ? "</text>\n" : " (no data)</text>\n");
}

char *
survey_svg_chart (const survey_chart_t *chart)
{
    s_buffer_t out = { malloc (4096), 4096, 0 };
    if (!out.text)
        return NULL;
    out.text [0] = 0;
    double low, high, step;
    s_y_range (chart, &low, &high, &step);
    s_add (&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                 " font-family=\"Helvetica, Arial, sans-serif\">\n", S_WIDTH, S_HEIGHT, S_WIDTH, S_HEIGHT);
    s_add (&out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    s_add (&out, "<text x=\"%d\" y=\"32\" font-size=\"18\" font-weight=\"bold\">", S_LEFT);
    s_add_escaped (&out, chart->title);
    s_add (&out, "</text>\n");
    if (chart->subtitle) {
        s_add (&out, "<text x=\"%d\" y=\"50\" font-size=\"12\" fill=\"#666\">", S_LEFT);
        s_add_escaped (&out, chart->subtitle);
        s_add (&out, "</text>\n");
    }
    s_axes (&out, chart, low, high, step);
    for (int group = 0; group < chart->group_count; group++)
        s_line (&out, chart, group, low, high);
    if (chart->group_count == 0 || chart->week_count == 0)
        s_add (&out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"16\" fill=\"#888\">no data"
                     " in this period</text>\n", (S_WIDTH - S_RIGHT + S_LEFT) / 2, S_HEIGHT / 2);
    s_add (&out, "</svg>\n");
    return out.text;
}
