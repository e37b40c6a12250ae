/*
 * html.c - the HTML page with inline SVG charts (see html.h).
 *
 * Drawn here from the counts: a stacked bar per day (one segment per
 * class), a ring for the hard/soft share (circles whose dash length is the
 * share), and horizontal bars for the top domains and providers.
 */
#include "html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY 86400

static const char *const palette[] = {"#c0392b", "#2980b9", "#e67e22", "#27ae60", "#8e44ad",
                                      "#f1c40f", "#16a085", "#d35400", "#2c3e50", "#7f8c8d"};
#define NPALETTE (sizeof palette / sizeof palette[0])

int html_add(html_data *d, const event *ev)
{
    char day[32], key[160], prov[256];
    summary_key(ev, SUM_DAY, day, sizeof day);
    const char *cls = summary_key(ev, SUM_CLASS, NULL, 0), *sev = ev->f[EV_SEVERITY];
    snprintf(key, sizeof key, "%s %s", day, cls);
    if (summary_add(&d->daily, key, sev) < 0 || summary_add(&d->classes, cls, sev) < 0 ||
        summary_add(&d->domains, summary_key(ev, SUM_DOMAIN, NULL, 0), sev) < 0 ||
        summary_add(&d->providers, summary_key(ev, SUM_PROVIDER, prov, sizeof prov), sev) < 0)
        return -1;
    d->hard += strcmp(sev, "hard") == 0;
    d->soft += strcmp(sev, "soft") == 0;
    d->other += strcmp(sev, "hard") != 0 && strcmp(sev, "soft") != 0;
    if (d->first == 0 || ev->time < d->first)
        d->first = ev->time;
    if (ev->time > d->last)
        d->last = ev->time;
    return 0;
}

static long daily_count(const html_data *d, const char *day, const char *cls)
{
    char key[160];
    snprintf(key, sizeof key, "%s %s", day, cls);
    for (size_t i = 0; i < d->daily.n; i++)
        if (strcmp(d->daily.rows[i].key, key) == 0)
            return d->daily.rows[i].events;
    return 0;
}

static void day_of(int64_t t, char buf[32])
{
    event_format_time(t, buf);
    buf[10] = '\0';
}

static void empty_chart(sbuf *o, const char *id, const char *title)
{
    sbuf_printf(o,
                "<svg id=\"%s\" role=\"img\" width=\"400\" height=\"60\" viewBox=\"0 0 400 60\">"
                "<title>%s</title><text x=\"10\" y=\"35\">no events</text></svg>\n",
                id, title);
}

/* The daily chart's geometry: plot area, bar width, days shown. */
struct daily {
    int64_t first;
    int ndays, bw, every;
    long max;
};
enum { D_H = 200, D_TOP = 20, D_LEFT = 40, D_GAP = 4, D_PLOT = 600 };

/* One day's stacked bar, its classes in the legend's order. */
static void day_bar(sbuf *o, const html_data *d, const struct daily *g, int i)
{
    char day[32];
    day_of(g->first + (int64_t)i * DAY, day);
    int x = D_LEFT + D_GAP + i * (g->bw + D_GAP);
    double y = D_TOP + D_H;
    long total = 0;
    sbuf_printf(o, "<g class=\"day\" data-key=\"%s\">", day);
    for (size_t c = 0; c < d->classes.n; c++) {
        const char *cls = d->classes.rows[c].key;
        long n = daily_count(d, day, cls);
        if (n == 0)
            continue;
        double h = (double)D_H * (double)n / (double)g->max;
        y -= h;
        total += n;
        sbuf_printf(o, "<rect class=\"bar\" data-key=\"%s\" data-class=\"", day);
        sbuf_html(o, cls);
        sbuf_printf(o,
                    "\" data-count=\"%ld\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
                    "fill=\"%s\"><title>%s ",
                    n, x, y, g->bw, h, palette[c % NPALETTE], day);
        sbuf_html(o, cls);
        sbuf_printf(o, ": %ld</title></rect>", n);
    }
    sbuf_printf(o, "<title>%s: %ld</title></g>\n", day, total);
    if (i % g->every == 0)
        sbuf_printf(o, "<text x=\"%d\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">%s</text>",
                    x + g->bw / 2, D_TOP + D_H + 14, day + 5);
}

static void legend(sbuf *o, const html_data *d)
{
    for (size_t c = 0; c < d->classes.n; c++) {
        int lx = D_LEFT + (int)(c % 4) * 150, ly = D_TOP + D_H + 30 + (int)(c / 4) * 20;
        sbuf_printf(o, "<g class=\"legend\" data-key=\"");
        sbuf_html(o, d->classes.rows[c].key);
        sbuf_printf(o,
                    "\" data-count=\"%ld\"><rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
                    "fill=\"%s\"/><text x=\"%d\" y=\"%d\">",
                    d->classes.rows[c].events, lx, ly, palette[c % NPALETTE], lx + 16, ly + 11);
        sbuf_html(o, d->classes.rows[c].key);
        sbuf_printf(o, " (%ld)</text></g>\n", d->classes.rows[c].events);
    }
}

static void daily_chart(sbuf *o, const html_data *d)
{
    if (d->classes.n == 0) {
        empty_chart(o, "chart-daily", "Bounces per day by class");
        return;
    }
    struct daily g = {.first = d->first - d->first % DAY, .max = 1};
    int64_t last = d->last - d->last % DAY;
    if ((last - g.first) / DAY >= HTML_MAX_DAYS)
        g.first = last - (HTML_MAX_DAYS - 1) * (int64_t)DAY;
    g.ndays = (int)((last - g.first) / DAY) + 1;
    for (int i = 0; i < g.ndays; i++) {
        char day[32];
        day_of(g.first + (int64_t)i * DAY, day);
        long total = 0;
        for (size_t c = 0; c < d->classes.n; c++)
            total += daily_count(d, day, d->classes.rows[c].key);
        g.max = total > g.max ? total : g.max;
    }
    g.bw = D_PLOT / g.ndays - D_GAP;
    g.bw = g.bw > 40 ? 40 : g.bw < 3 ? 3 : g.bw;
    g.every = (40 + g.bw + D_GAP - 1) / (g.bw + D_GAP); /* a date label every 40 px at most */
    int width = D_LEFT + g.ndays * (g.bw + D_GAP) + 20;
    width = width < D_LEFT + D_PLOT ? D_LEFT + D_PLOT : width;
    int height = D_TOP + D_H + 30 + 20 * (int)((d->classes.n + 3) / 4);
    sbuf_printf(o,
                "<svg id=\"chart-daily\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 "
                "%d %d\"><title>Bounces per day by class</title>\n"
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
                "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"axis\">%ld</text>"
                "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"axis\">0</text>\n",
                width, height, width, height, D_LEFT, D_TOP + D_H, width - 10, D_TOP + D_H,
                D_LEFT - 4, D_TOP + 10, g.max, D_LEFT - 4, D_TOP + D_H);
    for (int i = 0; i < g.ndays; i++)
        day_bar(o, d, &g, i);
    legend(o, d);
    sbuf_puts(o, "</svg>\n");
}

static void severity_chart(sbuf *o, const html_data *d)
{
    long total = d->hard + d->soft + d->other;
    if (total == 0) {
        empty_chart(o, "chart-severity", "Hard and soft bounces");
        return;
    }
    const double r = 70, cx = 100, cy = 100, circ = 2 * M_PI * r;
    sbuf_puts(o, "<svg id=\"chart-severity\" role=\"img\" width=\"420\" height=\"200\" "
                 "viewBox=\"0 0 420 200\"><title>Hard and soft bounces</title>\n");
    const char *names[3] = {"hard", "soft", "other"},
               *colors[3] = {"#c0392b", "#e67e22", "#95a5a6"};
    long counts[3] = {d->hard, d->soft, d->other};
    double off = 0;
    for (int i = 0; i < 3; i++) {
        double len = circ * (double)counts[i] / (double)total;
        if (counts[i])
            sbuf_printf(o,
                        "<circle class=\"share\" data-key=\"%s\" data-count=\"%ld\" cx=\"%.0f\" "
                        "cy=\"%.0f\" r=\"%.0f\" fill=\"none\" stroke=\"%s\" stroke-width=\"36\" "
                        "stroke-dasharray=\"%.2f %.2f\" stroke-dashoffset=\"%.2f\" "
                        "transform=\"rotate(-90 %.0f %.0f)\"><title>%s: %ld</title></circle>\n",
                        names[i], counts[i], cx, cy, r, colors[i], len, circ - len, -off, cx, cy,
                        names[i], counts[i]);
        off += len;
        sbuf_printf(o,
                    "<rect x=\"220\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    "<text x=\"238\" y=\"%d\">%s %ld (%.0f%%)</text>\n",
                    60 + 30 * i, colors[i], 71 + 30 * i, names[i], counts[i],
                    100.0 * (double)counts[i] / (double)total);
    }
    sbuf_puts(o, "</svg>\n");
}

static void top_chart(sbuf *o, const char *id, const char *title, summary *s)
{
    if (s->n == 0) {
        empty_chart(o, id, title);
        return;
    }
    summary_sort(s, 1);
    size_t n = s->n < HTML_TOP ? s->n : HTML_TOP;
    long max = s->rows[0].events;
    int height = 10 + 24 * (int)n;
    sbuf_printf(o,
                "<svg id=\"%s\" role=\"img\" width=\"620\" height=\"%d\" viewBox=\"0 0 620 %d\">"
                "<title>%s</title>\n",
                id, height, height, title);
    for (size_t i = 0; i < n; i++) {
        const sum_row *r = &s->rows[i];
        int y = 6 + 24 * (int)i;
        /* Grey for all, orange over it for hard + soft, red for hard. */
        double w = 300.0 * (double)r->events / (double)max,
               whs = 300.0 * (double)(r->hard + r->soft) / (double)max,
               wh = 300.0 * (double)r->hard / (double)max;
        sbuf_puts(o, "<g class=\"row\" data-key=\"");
        sbuf_html(o, r->key);
        sbuf_printf(o, "\" data-count=\"%ld\" data-hard=\"%ld\"><title>", r->events, r->hard);
        sbuf_html(o, r->key);
        sbuf_printf(o,
                    ": %ld (hard %ld, soft %ld)</title><text x=\"240\" y=\"%d\" "
                    "text-anchor=\"end\">",
                    r->events, r->hard, r->soft, y + 13);
        sbuf_html(o, r->key);
        sbuf_printf(
            o,
            "</text><rect x=\"250\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#95a5a6\"/>"
            "<rect x=\"250\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#e67e22\"/>"
            "<rect x=\"250\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#c0392b\"/>"
            "<text x=\"%.1f\" y=\"%d\">%ld</text></g>\n",
            y, w, y, whs, y, wh, 256 + w, y + 13, r->events);
    }
    sbuf_puts(o, "</svg>\n");
}

void html_write(sbuf *o, html_data *d, int64_t generated)
{
    char first[32], last[32], gen[32];
    day_of(d->first, first);
    day_of(d->last, last);
    event_format_time(generated, gen);
    summary_sort(&d->classes, 1);
    long total = d->hard + d->soft + d->other;
    sbuf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<title>Bounce report</title>\n<style>\n"
                 "body{font-family:sans-serif;margin:2em;color:#222;background:#fff}\n"
                 "section{margin-bottom:2em}svg{max-width:100%;height:auto}\n"
                 "svg text{font-size:12px;fill:#222}.axis{fill:#666}\n"
                 "</style></head><body>\n<h1>Bounce report</h1>\n");
    if (total)
        sbuf_printf(o,
                    "<p id=\"totals\">%ld events from %s to %s: %ld hard, %ld soft, %ld other. "
                    "Generated %s by bounce-report.</p>\n",
                    total, first, last, d->hard, d->soft, d->other, gen);
    else
        sbuf_printf(o, "<p id=\"totals\">No events. Generated %s by bounce-report.</p>\n", gen);
    sbuf_puts(o, "<section><h2>Bounces per day by class</h2>\n");
    daily_chart(o, d);
    sbuf_puts(o, "</section>\n<section><h2>Hard and soft</h2>\n");
    severity_chart(o, d);
    sbuf_puts(o, "</section>\n<section><h2>Top failing domains</h2>\n");
    top_chart(o, "chart-domains", "Top failing domains", &d->domains);
    sbuf_puts(o, "</section>\n<section><h2>Top providers</h2>\n");
    top_chart(o, "chart-providers", "Top providers", &d->providers);
    sbuf_puts(o, "</section>\n</body></html>\n");
}

void html_data_free(html_data *d)
{
    summary_free(&d->daily);
    summary_free(&d->classes);
    summary_free(&d->domains);
    summary_free(&d->providers);
    *d = (html_data){0};
}
