// SPDX-License-Identifier: MIT
/*
 * report.html: one self-contained page (inline CSS and SVG, no script, no
 * request to anything) with the verdict, the prediction and three plots:
 * one-way latency against size (RDMA write against TCP), bandwidth
 * against size, predicted tok/s per mode over RoCE and sockets beside the
 * reference report's measured figures.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report.h"

#define E(f, s) chk_html_esc(f, s)

static const char css[] =
	"body{font-family:sans-serif;margin:1.5em auto;max-width:70em;"
	"color:#222;line-height:1.35}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;"
	"font-size:.9em}th{background:#f0f0f0;text-align:left}"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}"
	".PASS{background:#d8f0d8}.WARN{background:#fbe9b7}"
	".FAIL{background:#f6c6c6}.SKIP{background:#e8e8e8}"
	".st{font-weight:bold;text-align:center}"
	".fix{color:#5a3b00}.det{color:#555;font-size:.85em}"
	".plots{display:grid;grid-template-columns:repeat(auto-fit,"
	"minmax(24em,1fr));gap:.5em 1.5em;margin:1em 0}"
	"svg.plot{width:100%;height:auto;display:block;font-size:11px;"
	"font-family:sans-serif}"
	"svg .frame{fill:none;stroke:#888}svg .grid{stroke:#ccc}"
	"svg .grid2{stroke:#eee}svg .ptitle{font-size:14px;font-weight:bold}"
	"svg .val{font-size:9px}"
	"code,pre{font-size:.85em}pre{background:#f6f6f6;padding:.5em;"
	"overflow-x:auto}";

static void td(FILE *f, const char *cls, const char *s)
{
	fprintf(f, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "",
		cls ? "\"" : "");
	E(f, s);
	fputs("</td>", f);
}

static void td_num(FILE *f, double v)
{
	if (isnan(v))
		fputs("<td class=\"num\">-</td>", f);
	else
		fprintf(f, "<td class=\"num\">%.1f</td>", v);
}

static void verdict(FILE *f, json_t *rep)
{
	json_t *v = json_object_get(rep, "verdict"), *c, *d;
	size_t i, k;

	fprintf(f, "<h2>Verdict</h2>\n<p>%lld PASS, %lld WARN, %lld FAIL, %lld "
		"SKIP; exit status %lld.</p>\n<table><tr><th>status</th>"
		"<th>check</th><th>figure</th><th>fix</th></tr>\n",
		json_integer_value(json_object_get(v, "pass")),
		json_integer_value(json_object_get(v, "warn")),
		json_integer_value(json_object_get(v, "fail")),
		json_integer_value(json_object_get(v, "skip")),
		json_integer_value(json_object_get(v, "exit")));
	json_array_foreach(json_object_get(rep, "checks"), i, c) {
		char cls[16];

		snprintf(cls, sizeof(cls), "st %s", chk_js(c, "status"));
		fputs("<tr>", f);
		td(f, cls, chk_js(c, "status"));
		td(f, NULL, chk_js(c, "title"));
		fputs("<td>", f);
		E(f, chk_js(c, "figure"));
		if (json_array_size(json_object_get(c, "details"))) {
			fputs("<ul class=\"det\">", f);
			json_array_foreach(json_object_get(c, "details"), k, d) {
				fputs("<li>", f);
				E(f, json_string_value(d));
				fputs("</li>", f);
			}
			fputs("</ul>", f);
		}
		fputs("</td>", f);
		td(f, "fix", chk_js(c, "fix"));
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void prediction(FILE *f, json_t *rep)
{
	json_t *p = json_object_get(rep, "prediction");
	struct chk_bars b = {
		.id = "plot-prediction", .ylabel = "tok/s (batch 1)",
		.nbars = 6,
		.bar = { "measured link, RoCE", "measured link, socket",
			 "built-in, RoCE", "built-in, socket", "reference, RoCE",
			 "reference, socket" },
		.color = { "#1f5fa8", "#c0392b", "#7fa7d6", "#e6a09a",
			   "#0b2f57", "#6b1d15" },
	};
	struct chk_pred_cell cells[8];
	char title[256];
	int g = 0, k, m, i, n;

	for (m = 0; m < 8; m++)
		for (k = 0; k < 8; k++)
			b.v[m][k] = NAN;
	fputs("<h2>Prediction</h2>\n", f);
	if (!p || json_is_null(p)) {
		fputs("<p>Not run.</p>\n<div class=\"plots\">\n", f);
		b.title = "Predicted tok/s per mode";
		chk_svg_bars(f, &b);	/* empty: says why */
		return;
	}
	fputs("<p>Model <code>", f);
	E(f, chk_js(p, "model"));
	fprintf(f, "</code>, context %lld, batch 1: <code>sim predict</code> per "
		"mode with this check's measured link (<code>--net</code>: the "
		"ib_lat documents) and with sim's built-in profiles, beside the "
		"reference report's measured tok/s.", json_integer_value(
		json_object_get(p, "ctx")));
	if (chk_js(p, "why")[0]) {
		fputs(" ", f);
		E(f, chk_js(p, "why"));
	}
	fputs("</p>\n<table><tr><th>mode</th><th>transport</th><th>measured "
	      "link</th><th>built-in profile</th><th>reference report</th>"
	      "</tr>\n", f);
	n = chk_pred_cells(rep, cells, 8);
	for (i = 0; i < n; i++) {
		bool single = !strcmp(cells[i].tr, "none");
		int t = !strcmp(cells[i].tr, "socket");

		fputs("<tr>", f);
		td(f, NULL, cells[i].mode);
		td(f, NULL, single ? "-" : cells[i].tr);
		td_num(f, cells[i].measured);
		td_num(f, cells[i].builtin);
		td_num(f, cells[i].ref);
		fputs("</tr>\n", f);
		/* a bar group per mode; one node has no transport */
		if (!g || strcmp(b.group[g - 1], cells[i].mode))
			b.group[g++] = cells[i].mode;
		b.v[g - 1][t] = cells[i].measured;
		b.v[g - 1][2 + t] = cells[i].builtin;
		b.v[g - 1][4 + t] = cells[i].ref;
	}
	fputs("</table>\n", f);
	b.ngroups = g;
	snprintf(title, sizeof(title), "Predicted tok/s per mode: %s, context "
		 "%lld", chk_js(p, "model"), json_integer_value(json_object_get(
		 p, "ctx")));
	b.title = title;
	fputs("<div class=\"plots\">\n", f);	/* closed after the link's */
	chk_svg_bars(f, &b);
}

/* Points (size, key) of every row with op of the steps of kinds. */
static void points(json_t *rep, const char *const *kinds, const char *op,
		   const char *key, struct chk_series *s)
{
	json_t *st, *r;
	size_t i, k;
	int j, m;

	json_array_foreach(json_object_get(rep, "steps"), i, st) {
		bool ours = false;

		for (j = 0; kinds[j]; j++)
			ours |= !strcmp(chk_js(st, "kind"), kinds[j]);
		if (!ours)
			continue;
		json_array_foreach(json_object_get(json_object_get(st, "doc"),
						   "results"), k, r) {
			double x = chk_jn(r, "size"), y = chk_jn(r, key);
			bool dup = false;

			if (strcmp(chk_js(r, "op"), op) || !(y > 0))
				continue;
			for (m = 0; m < s->n; m++)
				dup |= s->x[m] == x;
			if (dup || s->n >= CHK_PLOT_MAX_POINTS)
				continue;
			for (m = s->n; m > 0 && s->x[m - 1] > x; m--) {
				s->x[m] = s->x[m - 1];
				s->y[m] = s->y[m - 1];
			}
			s->x[m] = x;
			s->y[m] = y;
			s->n++;
		}
	}
}

static void plots(FILE *f, json_t *rep)
{
	static const char *const rl[] = { "rdma_lat", "rdma_dec", "rdma_probe",
					  NULL };
	static const char *const tl[] = { "tcp_lat", "tcp_dec", "tcp_probe",
					  NULL };
	static const char *const rb[] = { "rdma_bw", NULL };
	static const char *const tb[] = { "tcp_bw", NULL };
	struct chk_plot lat = {
		.id = "plot-latency", .title = "One-way latency against size "
		"(p50)", .xlabel = "message size", .ylabel = "one-way latency, us",
		.logx = true, .logy = true, .xbytes = true, .nseries = 2,
		.s = { { .name = "RDMA write (ib_lat)", .color = "#1f5fa8" },
		       { .name = "TCP, busy-poll (ib_lat -t tcp)",
			 .color = "#c0392b", .dashed = true } },
	};
	struct chk_plot bw = {
		.id = "plot-bandwidth", .title = "Bandwidth against size",
		.xlabel = "message size", .ylabel = "GB/s", .logx = true,
		.logy = true, .xbytes = true, .nseries = 2,
		.s = { { .name = "RDMA write (ib_lat --bw)", .color = "#1f5fa8" },
		       { .name = "TCP (ib_lat -t tcp --bw)", .color = "#c0392b",
			 .dashed = true } },
	};

	points(rep, rl, "lat", "lat_us_p50", &lat.s[0]);
	points(rep, tl, "lat", "lat_us_p50", &lat.s[1]);
	chk_svg_lines(f, &lat);
	points(rep, rb, "bw", "bw_gbps", &bw.s[0]);
	points(rep, tb, "bw", "bw_gbps", &bw.s[1]);
	chk_svg_lines(f, &bw);
	fputs("</div>\n<p>", f);
	E(f, chk_js(json_object_get(rep, "meta"), "tcp_latency"));
	fputs(".</p>\n", f);
}

static void pairs(FILE *f, json_t *rep)
{
	json_t *pm = json_object_get(rep, "pairs"), *c;
	size_t i;

	if (!pm)
		return;
	fputs("<h2>Pairs</h2>\n<table><tr><th>node</th><th>node</th><th>one-way "
	      "p50, us</th><th>GB/s</th><th></th></tr>\n", f);
	json_array_foreach(json_object_get(pm, "cells"), i, c) {
		bool out = json_is_true(json_object_get(c, "outlier"));

		fprintf(f, "<tr%s>", out ? " class=\"WARN\"" : "");
		td(f, NULL, chk_js(c, "host_a"));
		td(f, NULL, chk_js(c, "host_b"));
		td_num(f, chk_jn(c, "lat_us"));
		fprintf(f, "<td class=\"num\">%.3f</td>", chk_jn(c, "bw_gbps"));
		td(f, NULL, out ? "outlier" : "");
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void steps(FILE *f, json_t *rep)
{
	json_t *s;
	size_t i;

	fputs("<h2>Steps</h2>\n<table><tr><th>#</th><th>step</th><th>client "
	      "&rarr; server</th><th>status</th><th>s</th></tr>\n", f);
	json_array_foreach(json_object_get(rep, "steps"), i, s) {
		const char *st = chk_js(s, "status");
		json_t *h = json_object_get(s, "hosts");

		fprintf(f, "<tr><td class=\"num\">%lld</td>", json_integer_value(
			json_object_get(s, "id")));
		td(f, NULL, chk_js(s, "title"));
		fputs("<td>", f);
		E(f, json_string_value(json_array_get(h, 1)));
		fputs(" &rarr; ", f);
		E(f, json_string_value(json_array_get(h, 0)));
		fprintf(f, "</td><td class=\"%s\">", !strcmp(st, "ok") ? "PASS" :
			!strcmp(st, "failed") ? "FAIL" : "SKIP");
		E(f, st);
		if (chk_js(s, "why")[0]) {
			fputs(": ", f);
			E(f, chk_js(s, "why"));
		}
		fprintf(f, "</td><td class=\"num\">%.1f</td></tr>\n",
			chk_jn(s, "secs"));
	}
	fputs("</table>\n", f);
}

static void nodes(FILE *f, json_t *rep)
{
	json_t *n, *x, *v;
	const char *k;
	size_t i, j;

	fputs("<h2>Nodes</h2>\n", f);
	json_array_foreach(json_object_get(rep, "nodes"), i, n) {
		fprintf(f, "<h3>");
		E(f, chk_js(n, "name"));
		fputs("</h3>\n<ul>", f);
		json_array_foreach(json_object_get(n, "usable"), j, x) {
			fputs("<li>RDMA device ", f);
			E(f, chk_js(x, "device"));
			fprintf(f, " port %lld, GID %lld over ", json_integer_value(
				json_object_get(x, "port")), json_integer_value(
				json_object_get(x, "gid")));
			E(f, chk_js(x, "netdev"));
			fputs(" (", f);
			E(f, chk_js(x, "ipv4"));
			fputs("), ", f);
			E(f, chk_js(x, "rate"));
			fputs("</li>", f);
		}
		json_array_foreach(json_object_get(n, "findings"), j, x) {
			fprintf(f, "<li><span class=\"%s\">",
				chk_js(x, "severity"));
			E(f, chk_js(x, "severity"));
			fputs("</span> ", f);
			E(f, chk_js(x, "message"));
			fputs("</li>", f);
		}
		fputs("<li>versions:", f);
		json_object_foreach(json_object_get(json_object_get(n, "node"),
						    "versions"), k, v) {
			fputs(" ", f);
			E(f, k);
			fputs(" ", f);
			E(f, json_string_value(v)[0] ? json_string_value(v) : "-");
		}
		fputs("</li><li>NCCL environment recommended: <code>", f);
		json_object_foreach(json_object_get(n, "recommended"), k, v) {
			char val[32];

			E(f, k);
			fputs("=", f);
			if (json_is_string(v)) {
				E(f, json_string_value(v));
			} else {
				snprintf(val, sizeof(val), "%lld",
					 json_integer_value(v));
				E(f, val);
			}
			fputs(" ", f);
		}
		fputs("</code></li></ul>\n", f);
	}
}

int chk_report_html(json_t *rep, FILE *f)
{
	json_t *n;
	size_t i;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8"
	      "\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<title>netroof check</title>\n<style>", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<h1>netroof check: ", f);
	json_array_foreach(json_object_get(rep, "nodes"), i, n) {
		if (i)
			fputs(" &ndash; ", f);
		E(f, chk_js(n, "name"));
	}
	fputs("</h1>\n<p>", f);
	E(f, chk_js(json_object_get(rep, "meta"), "time_utc"));
	fputs(", netroof ", f);
	E(f, chk_js(json_object_get(rep, "meta"), "version"));
	fputs(" (", f);
	E(f, chk_js(json_object_get(rep, "meta"), "git_revision"));
	fputs(").</p>\n", f);
	if (json_is_string(json_object_get(rep, "error"))) {
		fputs("<p class=\"FAIL\">", f);
		E(f, chk_js(rep, "error"));
		fputs("</p>\n", f);
	}
	verdict(f, rep);
	prediction(f, rep);
	plots(f, rep);
	pairs(f, rep);
	steps(f, rep);
	nodes(f, rep);
	fputs("<p>Every tool's own JSON document is in report.json.</p>\n"
	      "</body>\n</html>\n", f);
	return ferror(f) ? -EIO : 0;
}
