// SPDX-License-Identifier: MIT
/*
 * Inline SVG plots for report.html, written by hand so the page needs
 * nothing else (no script, no font or file from the network): a line plot
 * with log or linear axes and a grouped bar chart. Fixed size (640 x 360
 * user units, scaled by the viewBox), axes with "nice" ticks (1-2-5 per
 * decade on a log axis), a legend above the frame.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

#define W  640.0
#define H  360.0
#define ML 70.0		/* margins: left, right, top, bottom */
#define MR 20.0
#define MT 66.0
#define MB 48.0

void chk_html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

struct axis {
	double lo, hi;		/* data range (log10 values on a log axis) */
	bool   log;
	double p0, p1;		/* pixel range */
};

static double tr(const struct axis *a, double v)
{
	double t = a->log ? log10(v) : v;

	return a->p0 + (t - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

static void range(struct axis *a, double mn, double mx, bool bytes)
{
	if (a->log && bytes) {	/* powers of two around the sizes */
		a->lo = floor(log2(mn)) * log10(2);
		a->hi = ceil(log2(mx)) * log10(2);
		if (a->hi <= a->lo)
			a->hi = a->lo + log10(2);
		return;
	}
	if (a->log) {
		a->lo = floor(log10(mn));
		a->hi = ceil(log10(mx));
		if (a->hi <= a->lo)
			a->hi = a->lo + 1;
		return;
	}
	a->lo = mn < 0 ? mn : 0;
	a->hi = mx > a->lo ? mx * 1.1 : a->lo + 1;
}

static void fmt_size(double v, char *buf, size_t len)
{
	if (v >= 1048576)
		snprintf(buf, len, "%g MiB", v / 1048576);
	else if (v >= 1024)
		snprintf(buf, len, "%g KiB", v / 1024);
	else
		snprintf(buf, len, "%g B", v);
}

static void text(FILE *f, double x, double y, const char *anchor,
		 const char *extra, const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y,
		anchor, extra ? extra : "");
	chk_html_esc(f, s);
	fputs("</text>\n", f);
}

/* A grid line at pixel p across the plot, and its label (NULL: none). */
static void tick(FILE *f, bool xaxis, double p, const char *cls,
		 const char *lab)
{
	if (xaxis)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" class=\"%s\"/>\n", p, MT, p, H - MB, cls);
	else
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" class=\"%s\"/>\n", ML, p, W - MR, p, cls);
	if (lab && xaxis)
		text(f, p, H - MB + 16, "middle", NULL, lab);
	else if (lab)
		text(f, ML - 6, p + 4, "end", NULL, lab);
}

static void ticks(FILE *f, const struct axis *a, bool xaxis, bool bytes)
{
	char lab[32];
	double v, step;
	int d, m, k;

	if (a->log && bytes) {	/* 2^k, every step-th power */
		int k0 = (int)lround(a->lo / log10(2));
		int k1 = (int)lround(a->hi / log10(2));
		int st = (k1 - k0 + 7) / 8;

		for (k = k0; k <= k1; k += st > 0 ? st : 1) {
			fmt_size(pow(2, k), lab, sizeof(lab));
			tick(f, xaxis, tr(a, pow(2, k)), "grid", lab);
		}
		return;
	}
	if (a->log) {	/* 1..9 per decade, labels at the decades */
		for (d = (int)a->lo; d <= (int)a->hi; d++) {
			for (m = 1; m < 10; m++) {
				double t = m * pow(10, d);

				if (log10(t) > a->hi + 1e-9)
					break;
				snprintf(lab, sizeof(lab), "%g", t);
				tick(f, xaxis, tr(a, t), m == 1 ? "grid" : "grid2",
				     m == 1 ? lab : NULL);
			}
		}
		return;
	}
	step = pow(10, floor(log10((a->hi - a->lo) / 5)));
	if ((a->hi - a->lo) / step > 10)
		step *= 2;
	for (v = ceil(a->lo / step) * step; v <= a->hi + 1e-9; v += step) {
		snprintf(lab, sizeof(lab), "%g", v);
		tick(f, xaxis, tr(a, v), "grid", lab);
	}
}

static void open_svg(FILE *f, const char *id, const char *title,
		     const char *xl, const char *yl)
{
	fprintf(f, "<svg id=\"%s\" class=\"plot\" xmlns=\"http://www.w3.org/"
		"2000/svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n<title>", id,
		W, H);
	chk_html_esc(f, title);
	fputs("</title>\n", f);
	text(f, W / 2, 18, "middle", " class=\"ptitle\"", title);
	if (xl)
		text(f, (ML + W - MR) / 2, H - 10, "middle", NULL, xl);
	fprintf(f, "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 16 %.1f)\">", (MT + H - MB) / 2,
		(MT + H - MB) / 2);
	chk_html_esc(f, yl);
	fputs("</text>\n", f);
}

static void legend(FILE *f, int n, const char *const *names,
		   const char *const *colors, const bool *dashed)
{
	double x = ML, y = 34, w;
	int i;

	for (i = 0; i < n; i++) {
		w = 30 + 6.5 * (double)strlen(names[i]);
		if (x + w > W - MR && x > ML) {	/* a second row */
			x = ML;
			y += 16;
		}
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"%s/>\n", x,
			y, x + 18, y, colors[i], dashed ? "3" : "8", dashed &&
			dashed[i] ? " stroke-dasharray=\"4 3\"" : "");
		text(f, x + 22, y + 4, "start", NULL, names[i]);
		x += w;
	}
}

void chk_svg_lines(FILE *f, const struct chk_plot *p)
{
	struct axis ax = { .log = p->logx, .p0 = ML, .p1 = W - MR };
	struct axis ay = { .log = p->logy, .p0 = H - MB, .p1 = MT };
	double xmn = INFINITY, xmx = -INFINITY, ymn = INFINITY, ymx = -INFINITY;
	const char *names[CHK_PLOT_MAX_SERIES], *colors[CHK_PLOT_MAX_SERIES];
	bool dashed[CHK_PLOT_MAX_SERIES];
	int i, k, any = 0;

	for (i = 0; i < p->nseries; i++) {
		for (k = 0; k < p->s[i].n; k++) {
			double x = p->s[i].x[k], y = p->s[i].y[k];

			if (!(x > 0) || !(y > 0))
				continue;
			xmn = fmin(xmn, x);
			xmx = fmax(xmx, x);
			ymn = fmin(ymn, y);
			ymx = fmax(ymx, y);
			any++;
		}
		names[i] = p->s[i].name;
		colors[i] = p->s[i].color;
		dashed[i] = p->s[i].dashed;
	}
	open_svg(f, p->id, p->title, p->xlabel, p->ylabel);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
		"class=\"frame\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
	if (!any) {
		text(f, W / 2, H / 2, "middle", NULL, "no data: the steps "
		     "behind this plot did not run");
		fputs("</svg>\n", f);
		return;
	}
	range(&ax, xmn, xmx, p->xbytes);
	range(&ay, ymn, ymx, false);
	ticks(f, &ax, true, p->xbytes);
	ticks(f, &ay, false, false);
	legend(f, p->nseries, names, colors, dashed);
	for (i = 0; i < p->nseries; i++) {
		const struct chk_series *s = &p->s[i];

		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"2\"%s points=\"", s->color,
			s->dashed ? " stroke-dasharray=\"4 3\"" : "");
		for (k = 0; k < s->n; k++)
			if (s->x[k] > 0 && s->y[k] > 0)
				fprintf(f, "%.1f,%.1f ", tr(&ax, s->x[k]),
					tr(&ay, s->y[k]));
		fputs("\"/>\n", f);
		for (k = 0; k < s->n; k++) {
			if (!(s->x[k] > 0 && s->y[k] > 0))
				continue;
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
				"fill=\"%s\"><title>", tr(&ax, s->x[k]),
				tr(&ay, s->y[k]), s->color);
			chk_html_esc(f, s->name);
			fprintf(f, ": %g at %g</title></circle>\n", s->y[k],
				s->x[k]);
		}
	}
	fputs("</svg>\n", f);
}

void chk_svg_bars(FILE *f, const struct chk_bars *b)
{
	struct axis ay = { .log = false, .p0 = H - MB, .p1 = MT };
	double mx = 0, gw, bw;
	int g, k;

	for (g = 0; g < b->ngroups; g++)
		for (k = 0; k < b->nbars; k++)
			if (!isnan(b->v[g][k]))
				mx = fmax(mx, b->v[g][k]);
	open_svg(f, b->id, b->title, NULL, b->ylabel);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
		"class=\"frame\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
	if (mx <= 0 || !b->ngroups) {
		text(f, W / 2, H / 2, "middle", NULL, "no prediction: sim did "
		     "not run");
		fputs("</svg>\n", f);
		return;
	}
	range(&ay, 0, mx, false);
	ticks(f, &ay, false, false);
	legend(f, b->nbars, b->bar, b->color, NULL);
	gw = (W - ML - MR) / b->ngroups;
	bw = gw * 0.8 / b->nbars;
	for (g = 0; g < b->ngroups; g++) {
		double x0 = ML + g * gw + gw * 0.1;

		text(f, ML + (g + 0.5) * gw, H - MB + 16, "middle", NULL,
		     b->group[g]);
		for (k = 0; k < b->nbars; k++) {
			double v = b->v[g][k], y;

			if (isnan(v))
				continue;
			y = tr(&ay, v);
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"%s\"><title>", x0 + k * bw,
				y, bw * 0.92, H - MB - y, b->color[k]);
			chk_html_esc(f, b->bar[k]);
			fprintf(f, ", %s: %.1f tok/s</title></rect>\n",
				b->group[g], v);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor="
				"\"middle\" class=\"val\">%.0f</text>\n",
				x0 + (k + 0.46) * bw,
				y - 3, v);
		}
	}
	fputs("</svg>\n", f);
}
