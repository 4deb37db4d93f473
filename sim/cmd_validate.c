// SPDX-License-Identifier: MIT
/*
 * sim validate: every measured row predicted (a netroof CSV, the JSON of
 * vLLM's benchmarks or llama-benchy, or a directory of them: import.h);
 * error per row, MAPE per mode and overall, socket->RoCE speedups, worst
 * cells.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm.h"
#include "cli.h"
#include "import.h"
#include "plot.h"

/* One measured row (m, in validation.set) with its prediction. */
struct vrow {
	double		predicted;
	double		err_pct;
	double		pred_fitted;	/* with the fitted what-if network */
	const struct sim_mrow *m;	/* in validation.set */
};

/* "long", or the output tokens of an imported row */
static const char *vlen(const struct vrow *r)
{
	return r->m->length_txt;
}

struct speedup {
	const struct vrow *sock, *roce;
	double meas, pred, diff, pred_fitted;
};

#define SPEEDUP_MAX 64

/* Everything one validation computes. */
struct validation {
	const char     *measured;	/* --measured */
	struct sim_mset set;		/* the rows as read (import.h) */
	double		max_mape, max_cell, max_speedup;
	struct vrow    *rows;
	int		n;
	double		mape, maxe, worst_sp;
	double		msum[SIM_MODE_NR];
	int		mcnt[SIM_MODE_NR];
	struct speedup	sp[SPEEDUP_MAX];
	int		nsp;
	int		worst[3];	/* row indexes, -1: none */
	bool		pass;
	/* the same with the curves fitted on the reference report (a
	 * labelled what-if: roce-fitted, socket-fitted) */
	double		mape_fitted, maxe_fitted, worst_sp_fitted;
	/* parameters of the hardware profile fitted on this very table */
	int		n_fitted_here, n_fitted, n_params;
	char		fitted_names[512];
};

enum { K_MEASURED = SIM_K_CMD, K_MAX_MAPE, K_MAX_CELL, K_MAX_SPEEDUP };

const struct bm_opt sim_validate_opts[] = {
	{ "measured", K_MEASURED, "FILE|DIR", "netroof CSV (model,mode,nodes,transport,spec,length,ctx,tok_s), vllm bench latency/serve JSON, llama-benchy JSON, or a directory of them (sim import --help)" },
	SIM_OPT_DEPLOY,
	{ "net", SIM_K_NET, "FILE", "your link measured (ib_lat, nccl_coll JSON): each sets the rows of its transport (repeatable)" },
	{ "plot", SIM_K_PLOT, "DIR", "write predicted-vs-measured CSV, gnuplot script and SVG to DIR" },
	{ "max-mape", K_MAX_MAPE, "PCT", "fail (exit 1) above this overall MAPE (default 8)" },
	{ "max-cell", K_MAX_CELL, "PCT", "fail above this error on any cell (default 15)" },
	{ "max-speedup", K_MAX_SPEEDUP, "PTS", "fail when a socket->RoCE speedup is off by more (default 15)" },
	SIM_OPT_HW,
	SIM_OPTS_OUT,
	BM_OPT_END,
};

static int own_opt(int key, const char *arg, void *priv)
{
	struct validation *v = priv;

	switch (key) {
	case K_MEASURED:
		v->measured = arg;
		return 0;
	case K_MAX_MAPE:
		return sim_parse_nonneg("--max-mape", arg, &v->max_mape);
	case K_MAX_CELL:
		return sim_parse_nonneg("--max-cell", arg, &v->max_cell);
	case K_MAX_SPEEDUP:
		return sim_parse_nonneg("--max-speedup", arg, &v->max_speedup);
	}
	return -EINVAL;
}

/* The fitted what-if network of a transport ("roce" -> "roce-fitted"). */
static const char *fitted_net(const char *transport, char *buf, size_t len)
{
	if (!strcmp(transport, "none"))
		return transport;
	snprintf(buf, len, "%s-fitted", transport);
	return buf;
}

/* Predict every row: with the link-level built-ins (r->predicted), or with
 * the fitted what-if curves (fitted: r->pred_fitted, no statistics). */
static int predict_rows(struct sim_ctx *c, struct validation *v,
			const struct sim_opts *o, bool fitted)
{
	struct sim_loaded ld = { "", "" };
	char fname[64];
	double sum = 0, tok;
	int i, ret;

	for (i = 0; i < v->n; i++) {
		struct vrow *r = &v->rows[i];

		ret = sim_mrow_predict(c, r->m, fitted ?
				       fitted_net(r->m->transport, fname,
						  sizeof(fname)) : NULL,
				       fitted ? NULL : o->net,
				       fitted ? 0 : o->n_net, &ld, &tok);
		if (ret)
			return ret;
		if (fitted) {
			double e = 100 * fabs(tok - r->m->tok_s) / r->m->tok_s;

			r->pred_fitted = tok;
			sum += e;
			v->maxe_fitted = fmax(v->maxe_fitted, e);
			continue;
		}
		r->predicted = tok;
		r->err_pct = 100 * (r->predicted - r->m->tok_s) / r->m->tok_s;
		sum += fabs(r->err_pct);
		v->msum[r->m->mode] += fabs(r->err_pct);
		v->mcnt[r->m->mode]++;
		if (fabs(r->err_pct) > v->maxe)
			v->maxe = fabs(r->err_pct);
	}
	if (fitted)
		v->mape_fitted = sum / v->n;
	else
		v->mape = sum / v->n;
	return 0;
}

/* The file name of a path without folder and row ("a/b.csv:3" ->
 * "b.csv"). */
static void stem_of(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	char *end;

	snprintf(out, len, "%.*s", (int)(len - 1), base ? base + 1 : path);
	end = out + strcspn(out, ":#");
	*end = '\0';
}

/* Was parameter p fitted on one of the tables these rows come from? */
static bool fitted_here(const struct sim_prov *p, const struct validation *v)
{
	char stem[SIM_SRC_MAX];
	int i;

	stem_of(v->measured, stem, sizeof(stem));
	if (*stem && strstr(p->cells, stem))
		return true;
	for (i = 0; i < v->set.n; i++) {
		stem_of(v->set.rows[i].source, stem, sizeof(stem));
		if (*stem && strstr(p->cells, stem))
			return true;
	}
	return false;
}

static void count_fitted(const struct sim_ctx *c, struct validation *v)
{
	size_t off = 0;
	int i;

	v->n_params = c->hw.nprov;
	for (i = 0; i < c->hw.nprov; i++) {
		const struct sim_prov *p = &c->hw.prov[i];

		if (p->kind != SIM_KIND_FITTED)
			continue;
		v->n_fitted++;
		if (!fitted_here(p, v))
			continue;
		v->n_fitted_here++;
		if (off < sizeof(v->fitted_names))
			off += snprintf(v->fitted_names + off,
					sizeof(v->fitted_names) - off, "%s%s",
					off ? ", " : "", p->key);
	}
}

/* socket -> RoCE speedups of matching rows, and the three worst cells */
static void compare(struct validation *v)
{
	const struct vrow *rows = v->rows;
	int i, j;

	for (i = 0; i < v->n && v->nsp < SPEEDUP_MAX; i++) {
		if (strcmp(rows[i].m->transport, "socket"))
			continue;
		for (j = 0; j < v->n; j++) {
			const struct vrow *a = &rows[i], *b = &rows[j];
			const struct sim_mrow *x = a->m, *y = b->m;
			struct speedup *s = &v->sp[v->nsp];

			if (strcmp(y->transport, "roce") || x->mode != y->mode ||
			    x->nodes != y->nodes ||
			    x->spec_tokens != y->spec_tokens ||
			    x->length != y->length || x->ctx != y->ctx ||
			    x->out_tokens != y->out_tokens ||
			    strcmp(x->model, y->model))
				continue;
			s->sock = a;
			s->roce = b;
			s->meas = 100 * (y->tok_s / x->tok_s - 1);
			s->pred = 100 * (b->predicted / a->predicted - 1);
			s->diff = s->pred - s->meas;
			s->pred_fitted = 100 * (b->pred_fitted /
						a->pred_fitted - 1);
			if (fabs(s->diff) > v->worst_sp)
				v->worst_sp = fabs(s->diff);
			v->worst_sp_fitted = fmax(v->worst_sp_fitted,
						  fabs(s->pred_fitted - s->meas));
			v->nsp++;
			break;
		}
	}
	for (j = 0; j < 3; j++) {
		v->worst[j] = -1;
		for (i = 0; i < v->n; i++) {
			if ((j > 0 && i == v->worst[0]) ||
			    (j > 1 && i == v->worst[1]))
				continue;
			if (v->worst[j] < 0 || fabs(rows[i].err_pct) >
			    fabs(rows[v->worst[j]].err_pct))
				v->worst[j] = i;
		}
	}
	v->pass = v->mape <= v->max_mape && v->maxe <= v->max_cell &&
		  v->worst_sp <= v->max_speedup;
}

static void print_human(FILE *f, const struct validation *v)
{
	const struct vrow *rows = v->rows, *w;
	int i, j;

	fprintf(f, "# sim validate: %s (%d rows; predictions use no "
		   "measured value)\n", v->measured, v->n);
	fprintf(f, "%-20s %-6s %5s %-9s %-6s %-6s %6s %9s %9s %8s\n", "model",
		"mode", "nodes", "transport", "spec", "length", "ctx",
		"measured", "predicted", "error");
	for (i = 0; i < v->n; i++)
		fprintf(f, "%-20s %-6s %5d %-9s %-6s %-6s %6.0f %9.1f %9.1f "
			   "%+7.1f%%\n", rows[i].m->model,
			sim_mode_name(rows[i].m->mode), rows[i].m->nodes,
			rows[i].m->transport,
			rows[i].m->spec_tokens ? "eagle3" : "none",
			vlen(&rows[i]), rows[i].m->ctx,
			rows[i].m->tok_s, rows[i].predicted, rows[i].err_pct);
	fprintf(f, "\nMAPE by mode:");
	for (i = 0; i < SIM_MODE_NR; i++)
		if (v->mcnt[i])
			fprintf(f, "  %s %.1f%% (%d)", sim_mode_name(i),
				v->msum[i] / v->mcnt[i], v->mcnt[i]);
	fprintf(f, "\nMAPE overall: %.2f%% over %d rows; worst cell %.1f%%\n",
		v->mape, v->n, v->maxe);
	fprintf(f, "network: link-level built-ins (roce, socket: link facts, "
		   "nothing fitted on this table)\n"
		   "   what-if: with the curves fitted on the reference report "
		   "(roce-fitted, socket-fitted): MAPE %.2f%%, worst cell "
		   "%.1f%%, worst speedup off by %.1f pts\n", v->mape_fitted,
		v->maxe_fitted, v->worst_sp_fitted);
	fprintf(f, "parameters fitted on this table: %d of the hardware "
		   "profile's %d%s%s (%d fitted in all)\n", v->n_fitted_here,
		v->n_params, v->n_fitted_here ? ": " : "", v->fitted_names,
		v->n_fitted);
	if (v->nsp) {
		fprintf(f, "\nsocket -> RoCE speedup   measured  predicted  "
			   "diff   fitted what-if\n");
		for (i = 0; i < v->nsp; i++)
			fprintf(f, "%-6s %-6s %-6s ctx %-5.0f %+7.0f%%  "
				   "%+8.0f%%  %+5.1f pts  %+6.0f%%\n",
				sim_mode_name(v->sp[i].sock->m->mode),
				v->sp[i].sock->m->spec_tokens ? "eagle3" :
								"none",
				vlen(v->sp[i].sock),
				v->sp[i].sock->m->ctx, v->sp[i].meas,
				v->sp[i].pred, v->sp[i].diff,
				v->sp[i].pred_fitted);
	}
	fprintf(f, "\nworst cells:");
	for (j = 0; j < 3; j++) {
		if (v->worst[j] < 0)
			continue;
		w = &rows[v->worst[j]];
		fprintf(f, "  %s %s %s %s ctx %.0f (%+.1f%%)",
			sim_mode_name(w->m->mode), w->m->transport,
			w->m->spec_tokens ? "eagle3" : "", vlen(w),
			w->m->ctx, w->err_pct);
	}
	fprintf(f, "\n=> %s: MAPE %.1f%% (limit %.0f%%), worst cell %.1f%% "
		   "(limit %.0f%%), worst speedup off by %.1f pts (limit "
		   "%.0f)\n", v->pass ? "PASS" : "FAIL", v->mape, v->max_mape,
		v->maxe, v->max_cell, v->worst_sp, v->max_speedup);
}

static json_t *row_json(const struct vrow *r)
{
	json_t *o = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:I,s:f,s:f,s:f,s:i}",
			 "model", r->m->model, "mode", sim_mode_name(r->m->mode),
			 "nodes", r->m->nodes, "transport", r->m->transport,
			 "spec", r->m->spec_tokens ? "eagle3" : "none",
			 "length", vlen(r),
			 "ctx", (json_int_t)r->m->ctx, "measured", r->m->tok_s,
			 "predicted", round(r->predicted * 100) / 100,
			 "error_pct", round(r->err_pct * 100) / 100,
			 "line", r->m->line);

	if (o && r->m->how[0]) {	/* imported: where from, and how */
		json_object_set_new(o, "source", json_string(r->m->source));
		json_object_set_new(o, "tok_s_from", json_string(r->m->how));
	}
	return o;
}

static json_t *row_json_full(const struct vrow *r)
{
	json_t *o = row_json(r);

	json_object_set_new(o, "predicted_fitted_net",
			    json_real(round(r->pred_fitted * 100) / 100));
	return o;
}

static void write_doc(struct sim_out *so, const struct sim_ctx *c,
		      const struct sim_opts *o, const struct validation *v)
{
	json_t *bym = json_object(), *jsp = json_array(), *jw = json_array();
	int i;

	sim_out_params(so, c, o);
	bm_out_param(so->out, "measured_file", json_string(v->measured));
	bm_out_param(so->out, "max_mape_pct", json_real(v->max_mape));
	bm_out_param(so->out, "max_cell_pct", json_real(v->max_cell));
	bm_out_param(so->out, "max_speedup_pts", json_real(v->max_speedup));
	for (i = 0; i < v->n; i++)
		bm_out_row(so->out, row_json_full(&v->rows[i]));
	for (i = 0; i < SIM_MODE_NR; i++)
		if (v->mcnt[i])
			json_object_set_new(bym, sim_mode_name(i),
				json_real(round(v->msum[i] / v->mcnt[i] * 100) /
					  100));
	for (i = 0; i < v->nsp; i++)
		json_array_append_new(jsp, json_pack(
			"{s:s,s:s,s:s,s:I,s:f,s:f,s:f,s:f}",
			"mode", sim_mode_name(v->sp[i].sock->m->mode),
			"spec", v->sp[i].sock->m->spec_tokens ? "eagle3" :
							       "none",
			"length", vlen(v->sp[i].sock),
			"ctx", (json_int_t)v->sp[i].sock->m->ctx,
			"measured_pct", round(v->sp[i].meas * 10) / 10,
			"predicted_pct", round(v->sp[i].pred * 10) / 10,
			"diff_pts", round(v->sp[i].diff * 10) / 10,
			"predicted_fitted_net_pct",
			round(v->sp[i].pred_fitted * 10) / 10));
	for (i = 0; i < 3; i++)
		if (v->worst[i] >= 0)
			json_array_append_new(jw,
					      row_json(&v->rows[v->worst[i]]));
	bm_out_summary(so->out, "rows", json_integer(v->n));
	bm_out_summary(so->out, "mape_pct",
		       json_real(round(v->mape * 100) / 100));
	bm_out_summary(so->out, "mape_by_mode", bym);
	bm_out_summary(so->out, "max_abs_error_pct",
		       json_real(round(v->maxe * 100) / 100));
	bm_out_summary(so->out, "speedups", jsp);
	bm_out_summary(so->out, "max_speedup_diff_pts",
		       json_real(round(v->worst_sp * 10) / 10));
	bm_out_summary(so->out, "worst", jw);
	bm_out_summary(so->out, "pass", json_boolean(v->pass));
	bm_out_summary(so->out, "network", json_string("link-level built-ins "
		       "(roce, socket); nothing fitted on this table"));
	bm_out_summary(so->out, "fitted_net_whatif", json_pack(
		"{s:f,s:f,s:f,s:s}", "mape_pct", round(v->mape_fitted * 100) / 100,
		"max_abs_error_pct", round(v->maxe_fitted * 100) / 100,
		"max_speedup_diff_pts", round(v->worst_sp_fitted * 10) / 10,
		"profiles", "roce-fitted, socket-fitted"));
	bm_out_summary(so->out, "params_fitted_on_this_table",
		       json_integer(v->n_fitted_here));
	bm_out_summary(so->out, "params_fitted_names",
		       json_string(v->fitted_names));
	bm_out_summary(so->out, "params_fitted", json_integer(v->n_fitted));
	bm_out_summary(so->out, "params", json_integer(v->n_params));
}

/* Axis range of the plot: every measured and predicted value, with room. */
static void plot_range(const struct validation *v, double *lo_p, double *hi_p)
{
	double lo = 1e300, hi = 0;
	int i;

	for (i = 0; i < v->n; i++) {
		lo = fmin(lo, fmin(v->rows[i].m->tok_s, v->rows[i].predicted));
		hi = fmax(hi, fmax(v->rows[i].m->tok_s, v->rows[i].predicted));
	}
	*lo_p = fmax(0, floor(lo * 0.85 / 10) * 10);
	*hi_p = ceil(hi * 1.1 / 10) * 10;
}

static int write_plot(const char *dir, const struct validation *v)
{
	static const char *const col[] = { "#222222", "#1f77b4", "#d62728",
					   "#2ca02c" };
	static const int pt[] = { 5, 7, 9, 11 };
	const char *base = strrchr(v->measured, '/');
	char title[160], xlabel[300];
	double lo, hi;
	FILE *f;
	int i, m, n = 0, ret;

	ret = sim_mkdir(dir);
	if (ret)
		return ret;
	f = sim_plot_create(dir, "validate.csv");
	if (!f)
		return -EEXIST;
	fprintf(f, "model,mode,nodes,transport,spec,length,ctx,measured,"
		   "predicted,error_pct\n");
	for (i = 0; i < v->n; i++)
		fprintf(f, "%s,%s,%d,%s,%s,%s,%.0f,%.2f,%.2f,%.2f\n",
			v->rows[i].m->model, sim_mode_name(v->rows[i].m->mode),
			v->rows[i].m->nodes, v->rows[i].m->transport,
			v->rows[i].m->spec_tokens ? "eagle3" : "none",
			vlen(&v->rows[i]), v->rows[i].m->ctx,
			v->rows[i].m->tok_s, v->rows[i].predicted,
			v->rows[i].err_pct);
	ret = sim_plot_close(f, true);
	if (ret)
		return ret;
	snprintf(title, sizeof(title), "sim: predicted vs measured decode "
		 "tok/s, %d cells (MAPE %.1f%%)", v->n, v->mape);
	snprintf(xlabel, sizeof(xlabel), "measured tok/s (%s)",
		 base ? base + 1 : v->measured);
	f = sim_plot_begin(dir, "validate", 860, 640, title, xlabel,
			   "predicted tok/s (sim)");
	if (!f)
		return -EEXIST;
	plot_range(v, &lo, &hi);
	fprintf(f, "set size ratio -1\nset xrange [%.0f:%.0f]\n"
		   "set yrange [%.0f:%.0f]\n", lo, hi, lo, hi);
	sim_plot_curve(f, &n, "x title 'exact' lc rgb '#888888' dt 2");
	sim_plot_curve(f, &n, "x*1.15 title '±15%%' lc rgb '#999999' dt 3");
	sim_plot_curve(f, &n, "x*0.85 notitle lc rgb '#999999' dt 3");
	for (m = 0; m < SIM_MODE_NR; m++) {
		sim_plot_curve(f, &n, "'validate.csv' every ::1 using "
			       "(strcol(2) eq '%s' && strcol(4) ne 'socket' ? "
			       "$8 : 1/0):9 title '%s%s' with points pt %d "
			       "ps 1.2 lc rgb '%s'", sim_mode_name(m),
			       sim_mode_name(m), m == SIM_SINGLE ? " node" :
			       " RoCE", pt[m], col[m]);
		if (m != SIM_SINGLE)
			sim_plot_curve(f, &n, "'validate.csv' every ::1 using "
				       "(strcol(2) eq '%s' && strcol(4) eq "
				       "'socket' ? $8 : 1/0):9 title '%s "
				       "socket' with points pt %d ps 1.4 lc "
				       "rgb '%s'", sim_mode_name(m),
				       sim_mode_name(m), pt[m] - 1, col[m]);
	}
	ret = sim_plot_end(f);
	return ret ? ret : sim_gnuplot(dir, "validate.gp");
}

/* The measured rows (import.h: a netroof CSV, a benchmark's JSON, or a
 * directory of them) with what --deploy adds. */
static int load_rows(struct validation *v, const struct sim_opts *o,
		     struct sim_out *so)
{
	struct sim_deploy dep;
	int i, ret = 0;

	if (o->deploy) {
		ret = sim_deploy_parse(o->deploy, &dep);
		bm_out_param(so->out, "deploy", json_string(o->deploy));
	}
	if (!ret)
		ret = sim_import_path(v->measured, o->deploy ? &dep : NULL,
				      &v->set);
	if (ret)
		return ret;
	v->rows = calloc((size_t)v->set.n, sizeof(*v->rows));
	if (!v->rows)
		return -ENOMEM;
	for (i = 0; i < v->set.n; i++)
		v->rows[i].m = &v->set.rows[i];
	v->n = v->set.n;
	return 0;
}

/* How each imported row's tok/s was derived (a CSV typed by hand has
 * nothing to add). */
static void print_sources(FILE *f, const struct validation *v)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (v->rows[i].m->how[0])
			fprintf(f, "# row %d: %s: %s\n", i + 1,
				v->rows[i].m->source, v->rows[i].m->how);
}

int sim_validate_main(int argc, char **argv, const struct sim_cmd *cmd)
{
	struct validation v = { .max_mape = 8, .max_cell = 15,
				.max_speedup = 15 };
	struct sim_opts o = { .accept = -1, .epilogue = sim_import_help() };
	struct sim_out so = { 0 };
	struct sim_ctx *c = NULL;
	int ret;

	ret = sim_parse(argc, argv, cmd, &o, own_opt, &v);
	if (ret)
		return ret > 0 ? BM_EXIT_OK : BM_EXIT_USAGE;
	if (!v.measured) {
		BM_ERR("--measured FILE|DIR is required");
		return BM_EXIT_USAGE;
	}
	c = calloc(1, sizeof(*c));
	ret = c ? sim_out_open(&o, cmd, argc, argv, &so) : -ENOMEM;
	if (!ret)
		ret = load_rows(&v, &o, &so);
	if (!ret)
		ret = sim_ctx_init(c, o.hw);
	if (!ret)
		ret = predict_rows(c, &v, &o, true);
	if (!ret)
		ret = predict_rows(c, &v, &o, false);
	if (ret)
		goto out;
	count_fitted(c, &v);
	compare(&v);
	if (so.table) {
		print_sources(so.table, &v);
		print_human(so.table, &v);
	}
	write_doc(&so, c, &o, &v);
	if (o.plot)
		ret = write_plot(o.plot, &v);
	if (!ret && !v.pass)
		ret = BM_EXIT_FAIL;	/* a data check, not an error */
out:
	free(v.rows);
	sim_mset_free(&v.set);
	free(c);
	return sim_out_close(&so, ret);
}
