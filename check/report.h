/* SPDX-License-Identifier: MIT */
/* What report.c, html.c and svg.c share. */
#ifndef CHK_REPORT_H
#define CHK_REPORT_H
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

struct bm_file;
/* DIR/NAME as a bm_file (common/out.h: never over an existing file,
 * written whole at bm_file_close or not at all); NULL, message printed. */
struct bm_file *chk_create(const char *dir, const char *name);
/* A string member ("" if absent), a number member (0). */
const char *chk_js(json_t *o, const char *k);
double	    chk_jn(json_t *o, const char *k);
/* Predicted tok/s of (mode, transport, source "measured" | "built-in"),
 * the reference report's measured tok/s; NAN when there is none. */
double	    chk_pred(json_t *rep, const char *mode, const char *tr,
		     const char *source);
double	    chk_ref(json_t *rep, const char *mode, const char *tr);
/* The prediction table's cells, modes in order (single, pp, tp, ep), each
 * over both transports (single: none), where sim gave a figure. */
struct chk_pred_cell {
	const char *mode, *tr;	/* tr "none" for a single node */
	double	    measured, builtin, ref;	/* tok/s, NAN: none */
};
int	    chk_pred_cells(json_t *rep, struct chk_pred_cell *c, int max);
/* Rank r's host name, "host/r" where ranks share a host. */
void	    chk_node_name(json_t *nodes, int r, char *buf, size_t len);
/* k > 2 nodes: rep.pairs {transport, npairs, median_us, median_gbps,
 * cells [{a, b, host_a, host_b, lat_us, bw_gbps, outlier}], outliers}. */
void	    chk_pairs_matrix(json_t *rep);

/* ---- svg.c: small plots as inline SVG ---------------------------------- */

#define CHK_PLOT_MAX_SERIES 8
#define CHK_PLOT_MAX_POINTS 64

struct chk_series {
	const char *name;
	const char *color;	/* CSS colour */
	bool	    dashed;
	int	    n;
	double	    x[CHK_PLOT_MAX_POINTS], y[CHK_PLOT_MAX_POINTS];
};

struct chk_plot {
	const char	 *id;		/* the <svg id> */
	const char	 *title;
	const char	 *xlabel, *ylabel;
	bool		  logx, logy;
	bool		  xbytes;	/* x ticks as sizes (2 B, 4 KiB) */
	int		  nseries;
	struct chk_series s[CHK_PLOT_MAX_SERIES];
};

/* A line plot (points joined, each marked). Nothing drawn but the frame
 * and "no data" when no series has a point. */
void chk_svg_lines(FILE *f, const struct chk_plot *p);

struct chk_bars {
	const char *id, *title, *ylabel;
	int	    ngroups;		/* x groups (modes) */
	const char *group[8];
	int	    nbars;		/* bars per group */
	const char *bar[8];		/* legend names */
	const char *color[8];
	double	    v[8][8];		/* [group][bar], NAN: none */
};
void chk_svg_bars(FILE *f, const struct chk_bars *b);

/* Text with &, <, >, " escaped. */
void chk_html_esc(FILE *f, const char *s);

#endif
