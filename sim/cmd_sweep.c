// SPDX-License-Identifier: MIT
/*
 * sim sweep: what-ifs. With --out DIR, one wide CSV per sweep, and gnuplot
 * scripts + SVGs for the first two:
 *   ctx.csv        tok/s against context (0..128K) per mode and transport
 *   latency.csv    tok/s against the all-reduce latency (TP, EP, PP)
 *   bandwidth.csv  tok/s against memory bandwidth
 *   nodes.csv      2/4/8 nodes per mode and transport
 *   transport.csv  socket / RoCE / one-shot RoCE all-reduce per mode
 * Every point is also a row of the document (-J, --csv): the prediction
 * (cli.h sim_row) after "sweep" (which of the five), with mem_bw_gbs (the
 * memory bandwidth it assumed) and allreduce_us (its all-reduce latency of
 * one hidden vector, 2 x hidden bytes, at its node count; null on one node).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot.h"

enum { K_OUT = SIM_K_CMD, K_NO_PLOT };

const struct bm_opt sim_sweep_opts[] = {
	SIM_OPT_MODEL,
	{ "out", K_OUT, "DIR", "folder for the wide CSVs, gnuplot scripts and SVGs (new files only)" },
	{ "no-plot", K_NO_PLOT, NULL, "CSV only, do not run gnuplot" },
	SIM_OPT_HW,
	SIM_OPT_QUANT,
	SIM_OPTS_OUT,
	BM_OPT_END,
};

struct sweep {
	struct sim_ctx *c;
	struct sim_out *so;
	const char     *dir;	/* --out; NULL: rows only */
	bool		no_plot;
	const char     *name;	/* the sweep being run */
	size_t		points;	/* rows written */
	json_t	       *per;	/* { sweep: rows } */
};

static int own_opt(int key, const char *arg, void *priv)
{
	struct sweep *s = priv;

	if (key == K_OUT)
		s->dir = arg;
	else if (key == K_NO_PLOT)
		s->no_plot = true;
	else
		return -EINVAL;
	return 0;
}

static const enum sim_mode modes4[] = { SIM_SINGLE, SIM_PP, SIM_TP, SIM_EP };

/* Start sweep name: its rows carry the name; its wide CSV name.csv in --out
 * gets the header. NULL without --out (then *ret_p stays 0) or when the
 * file exists (*ret_p = -EEXIST). */
static FILE *begin(struct sweep *s, const char *name, const char *header,
		   int *ret_p)
{
	char file[64];
	FILE *f;

	s->name = name;
	*ret_p = 0;
	if (!s->dir)
		return NULL;
	snprintf(file, sizeof(file), "%s.csv", name);
	f = sim_plot_create(s->dir, file);
	if (!f)
		*ret_p = -EEXIST;
	else
		fputs(header, f);
	return f;
}

static void __attribute__((format(printf, 2, 3)))
put(FILE *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
}

/* The wide CSV written when the sweep went through (ok), else given up:
 * never a half-swept file. */
static int wide_close(FILE *f, bool ok)
{
	return sim_plot_close(f, ok);
}

/* One prediction on the network already in c->net (or none for single):
 * its row goes to the document, tok/s to *tok_p (0 for EP of a dense
 * model, which has no experts to split). */
static int point_here(struct sweep *s, enum sim_mode mode, int nodes,
		      const char *transport, double ctx, int spec,
		      double *tok_p)
{
	struct sim_query q = { .mode = mode, .nodes = mode == SIM_SINGLE ? 1 :
			       nodes, .ctx = ctx, .length = SIM_LEN_LONG,
			       .accept = -1, .spec_tokens = spec };
	const struct sim_ctx *c = s->c;
	struct sim_result r;
	json_t *row, *pred;
	int ret;

	*tok_p = 0;
	if (mode == SIM_EP && !sim_is_moe(&c->model))
		return 0;
	ret = sim_predict(c, &q, &r);
	if (ret)
		return ret;
	*tok_p = r.tok_s;
	row = json_pack("{s:s}", "sweep", s->name);	/* first column */
	pred = sim_row(c, &q, &r, mode == SIM_SINGLE ? "none" : transport);
	json_object_update(row, pred);
	json_decref(pred);
	json_object_set_new(row, "mem_bw_gbs", json_real(c->hw.mem_bw_gbs));
	json_object_set_new(row, "allreduce_us", mode == SIM_SINGLE ?
		json_null() : json_real(round(sim_net_us(&c->net,
			SIM_OP_ALLREDUCE, 2.0 * c->model.hidden, q.nodes,
			c->hw.kernel_us) * 1e3) / 1e3));
	json_object_set_new(row, "link_one_way_us", mode == SIM_SINGLE ||
		!c->net.has_link ? json_null() :
		json_real(c->net.link.one_way_us.v));
	s->points++;
	json_object_set_new(s->per, s->name, json_integer(1 +
		json_integer_value(json_object_get(s->per, s->name))));
	return bm_out_row(s->so->out, row);
}

/* The same on a built-in profile loaded first. */
static int point(struct sweep *s, enum sim_mode mode, int nodes,
		 const char *transport, double ctx, int spec, double *tok_p)
{
	char used[256];
	int ret;

	ret = sim_ctx_net(s->c, mode == SIM_SINGLE ? "none" : transport, NULL,
			  0, true, NULL, used, sizeof(used));
	return ret ? ret : point_here(s, mode, nodes, transport, ctx, spec,
				      tok_p);
}

/* ---- context --------------------------------------------------------- */

static const double ctxs[] = { 0, 512, 1024, 2048, 4096, 8192, 16384, 32768,
			       65536, 131072 };
#define NCTX (sizeof(ctxs) / sizeof(ctxs[0]))

static int plot_ctx(const struct sweep *s)
{
	static const char *const lab[] = { "PP=2", "TP=2", "EP=2" };
	static const char *const col[] = { "#1f77b4", "#d62728", "#2ca02c" };
	char title[400];
	FILE *f;
	int n = 0, m, t;

	snprintf(title, sizeof(title), "%s: predicted decode tok/s against "
		 "context (batch 1, 2 x %s)", s->c->model.name, s->c->hw.name);
	f = sim_plot_begin(s->dir, "ctx", 900, 520, title,
			   "context tokens in the KV cache (log scale; 0 at "
			   "the left)", "tok/s");
	if (!f)
		return -EEXIST;
	/* a margin on both sides, so no tick sits on the border (gnuplot
	 * drops the label of a tick at the very end of a log axis) */
	fprintf(f, "set logscale x 2\nset xrange [%.0f:%.0f]\n"
		   "set yrange [0:*]\n", 256 / 1.25, ctxs[NCTX - 1] * 1.25);
	sim_plot_token_tics(f, ctxs, NCTX, 256);
	sim_plot_curve(f, &n, "'ctx.csv' every ::1 using ($1<256?256:$1):2 "
		       "w lp lw 2 pt 1 lc rgb '#222222' t 'single node'");
	for (t = 0; t < 2; t++)
		for (m = 0; m < 3; m++)
			sim_plot_curve(f, &n, "'' every ::1 using "
				       "($1<256?256:$1):%d w lp %s pt %d lc "
				       "rgb '%s' t '%s %s'", 3 + 3 * t + m,
				       t ? "dt 2 lw 1" : "lw 2",
				       t ? 6 + 2 * m : 5 + 2 * m, col[m],
				       lab[m], t ? "socket" : "RoCE");
	return sim_plot_end(f);
}

static int sweep_ctx(struct sweep *s)
{
	static const char *const trs[] = { "roce", "socket" };
	int ret = 0, rc;
	size_t i, m, t;
	FILE *f;
	double v;

	f = begin(s, "ctx", "ctx,single,pp_roce,tp_roce,ep_roce,pp_socket,"
		  "tp_socket,ep_socket\n", &ret);
	if (ret)
		return ret;
	for (i = 0; i < NCTX && !ret; i++) {
		put(f, "%.0f", ctxs[i]);
		ret = point(s, SIM_SINGLE, 1, "none", ctxs[i], 0, &v);
		put(f, ",%.2f", v);
		for (t = 0; t < 2; t++)
			for (m = 1; m < 4 && !ret; m++) {
				ret = point(s, modes4[m], 2, trs[t], ctxs[i], 0,
					    &v);
				put(f, ",%.2f", v);
			}
		put(f, "\n");
	}
	rc = wide_close(f, !ret);
	ret = ret ? ret : rc;
	return !ret && s->dir ? plot_ctx(s) : ret;
}

/* ---- latency ----------------------------------------------------------- */

/* the link's one-way latency (what ib_lat measures), 1 to 500 us */
static const double lats[] = { 1, 1.5, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70,
			       100, 150, 200, 300, 500 };
#define NLAT (sizeof(lats) / sizeof(lats[0]))

/* The one-way latency of a built-in link profile. */
static int builtin_one_way(struct sim_ctx *c, const char *transport,
			   double *us_p)
{
	char used[256];
	int ret;

	ret = sim_ctx_net(c, transport, NULL, 0, true, NULL, used,
			  sizeof(used));
	if (!ret && !c->net.has_link) {
		BM_ERR("profile %s has no link-level facts", transport);
		ret = -EINVAL;
	}
	if (!ret)
		*us_p = c->net.link.one_way_us.v;
	return ret;
}

static int plot_latency(const struct sweep *s, const char *transport,
			double cross)
{
	static const char *const trs[] = { "roce", "socket" };
	static const char *const lab[] = { "built-in RoCE", "built-in socket" };
	char title[400], xlabel[400];
	double us, d;
	FILE *f;
	int n = 0, i, ret;

	snprintf(title, sizeof(title), "%s: decode tok/s against the link's "
		 "one-way latency (%s transport's per-step costs)",
		 s->c->model.name, transport);
	snprintf(xlabel, sizeof(xlabel), "one-way link latency (ib_lat), µs, "
		 "log scale");
	f = sim_plot_begin(s->dir, "latency", 900, 520, title, xlabel,
			   "tok/s");
	if (!f)
		return -EEXIST;
	fprintf(f, "set logscale x\nset xrange [%.2f:%.0f]\nset yrange [0:*]\n"
		   "set xtics (", lats[0] / 1.25, lats[NLAT - 1] * 1.25);
	for (d = 1, i = 0; d <= lats[NLAT - 1] * 1.25; d *= 10) {
		static const double m125[] = { 1, 2, 5 };
		int k;

		for (k = 0; k < 3; k++)
			if (m125[k] * d >= lats[0] / 1.25 &&
			    m125[k] * d <= lats[NLAT - 1] * 1.25)
				fprintf(f, "%s%.0f", i++ ? ", " : "",
					m125[k] * d);
	}
	fprintf(f, ")\n");
	fprintf(f, "set style textbox opaque noborder\n");
	for (i = 0; i < 2; i++) {
		ret = builtin_one_way(s->c, trs[i], &us);
		if (ret) {
			sim_plot_close(f, false);
			return ret;
		}
		fprintf(f, "set arrow from %.2f, graph 0 to %.2f, graph 1 "
			   "nohead dt 3 lc rgb '#777777'\n"
			   "set label \"%s\\n%.1f µs\" at %.2f, graph 0.07 "
			   "center font 'sans,11' tc rgb '#333333' boxed front\n",
			us, us, lab[i], us, us);
	}
	if (cross > 0)
		fprintf(f, "set label \"TP=2 = one node\\nat %.0f µs\" at "
			   "%.2f, graph 0.93 center font 'sans,11' tc rgb "
			   "'#d62728' boxed front\n", cross, cross);
	sim_plot_curve(f, &n, "'latency.csv' every ::1 using 1:5 w l lw 2 lc "
		       "rgb '#222222' t 'single node'");
	sim_plot_curve(f, &n, "'' every ::1 using 1:2 w lp lw 2 pt 5 lc rgb "
		       "'#1f77b4' t 'PP=2'");
	sim_plot_curve(f, &n, "'' every ::1 using 1:3 w lp lw 2 pt 7 lc rgb "
		       "'#d62728' t 'TP=2'");
	sim_plot_curve(f, &n, "'' every ::1 using 1:4 w lp lw 2 pt 9 lc rgb "
		       "'#2ca02c' t 'EP=2'");
	return sim_plot_end(f);
}

/* tok/s against the link's one-way latency, on the RoCE link's per-step
 * costs; where TP=2 stops beating one node goes to the summary. */
static int sweep_latency(struct sweep *s)
{
	struct sim_ctx *c = s->c;
	double v[4], prev_tp = 0, prev_l = 0, cross = -1, single = 0;
	int ret = 0, rc;
	size_t i, m;
	FILE *f;

	f = begin(s, "latency", "one_way_us,pp,tp,ep,single\n", &ret);
	if (ret)
		return ret;
	ret = point(s, SIM_SINGLE, 1, "none", 0, 0, &single);
	for (i = 0; i < NLAT && !ret; i++) {
		put(f, "%g", lats[i]);
		for (m = 1; m < 4 && !ret; m++) {
			ret = sim_ctx_net(c, "roce", NULL, 0, true, NULL, NULL,
					  0);
			if (ret)
				break;
			sim_netprof_set_one_way(&c->net, lats[i]);
			ret = point_here(s, modes4[m], 2, "roce", 0, 0, &v[m]);
			put(f, ",%.2f", v[m]);
		}
		put(f, ",%.2f\n", single);
		/* linear in log(latency) between the two points around it */
		if (!ret && cross < 0 && i && prev_tp >= single &&
		    v[2] < single)
			cross = exp(log(prev_l) + (log(lats[i]) - log(prev_l)) *
				    (prev_tp - single) / (prev_tp - v[2]));
		prev_tp = v[2];
		prev_l = lats[i];
	}
	rc = wide_close(f, !ret);
	ret = ret ? ret : rc;
	if (!ret)
		bm_out_summary(s->so->out, "tp2_beats_single_below_one_way_us",
			       cross > 0 ? json_real(round(cross * 10) / 10) :
			       json_null());
	return !ret && s->dir ? plot_latency(s, "roce", cross) : ret;
}

/* ---- bandwidth, nodes, transport ---------------------------------------- */

static int sweep_bandwidth(struct sweep *s)
{
	static const double bw[] = { 117, 175, 234, 273, 350, 468, 546, 819 };
	struct sim_hw keep = s->c->hw;
	int ret = 0, rc;
	size_t i, m;
	double v;
	FILE *f;

	f = begin(s, "bandwidth", "mem_bw_gbs,single,pp_roce,tp_roce,ep_roce,"
		  "tp_socket\n", &ret);
	if (ret)
		return ret;
	for (i = 0; i < sizeof(bw) / sizeof(bw[0]) && !ret; i++) {
		s->c->hw.mem_bw_gbs = bw[i];
		s->c->hw.attn.kv_bw_gbs = keep.attn.kv_bw_gbs * bw[i] /
					  keep.mem_bw_gbs;
		put(f, "%.0f", bw[i]);
		for (m = 0; m < 4 && !ret; m++) {
			ret = point(s, modes4[m], 2, "roce", 0, 0, &v);
			put(f, ",%.2f", v);
		}
		if (!ret)
			ret = point(s, SIM_TP, 2, "socket", 0, 0, &v);
		put(f, ",%.2f\n", v);
	}
	s->c->hw = keep;
	rc = wide_close(f, !ret);
	return ret ? ret : rc;
}

static int sweep_nodes(struct sweep *s)
{
	static const int nodes[] = { 2, 4, 8 };
	static const char *const trs[] = { "roce", "socket", "roce-oneshot" };
	int ret = 0, rc;
	size_t i, m, t;
	double v;
	FILE *f;

	f = begin(s, "nodes", "mode,transport,nodes,tok_s\n", &ret);
	if (ret)
		return ret;
	for (m = 1; m < 4 && !ret; m++)
		for (t = 0; t < 3 && !ret; t++)
			for (i = 0; i < 3 && !ret; i++) {
				ret = point(s, modes4[m], nodes[i], trs[t], 0,
					    0, &v);
				put(f, "%s,%s,%d,%.2f\n",
				    sim_mode_name(modes4[m]), trs[t], nodes[i],
				    v);
			}
	rc = wide_close(f, !ret);
	return ret ? ret : rc;
}

static int sweep_transport(struct sweep *s)
{
	static const char *const trs[] = { "socket", "roce", "roce-oneshot" };
	int ret = 0, rc;
	size_t m, t;
	double v;
	FILE *f;

	f = begin(s, "transport", "mode,spec,socket,roce,roce_oneshot,single\n",
		  &ret);
	if (ret)
		return ret;
	for (m = 1; m < 5 && !ret; m++) {	/* pp, tp, ep, tp+eagle3 */
		enum sim_mode mode = m == 4 ? SIM_TP : modes4[m];
		int spec = m == 4;

		put(f, "%s,%s", sim_mode_name(mode), spec ? "eagle3" : "none");
		for (t = 0; t < 3 && !ret; t++) {
			ret = point(s, mode, 2, trs[t], 0, spec, &v);
			put(f, ",%.2f", v);
		}
		if (!ret)
			ret = point(s, SIM_SINGLE, 1, "none", 0, spec, &v);
		put(f, ",%.2f\n", v);
	}
	rc = wide_close(f, !ret);
	return ret ? ret : rc;
}

int sim_sweep_main(int argc, char **argv, const struct sim_cmd *cmd)
{
	struct sim_opts o = { .accept = -1 };
	struct sim_out so = { 0 };
	struct sweep s = { .so = &so };
	int ret;

	ret = sim_parse(argc, argv, cmd, &o, own_opt, &s);
	if (ret)
		return ret > 0 ? BM_EXIT_OK : BM_EXIT_USAGE;
	if (!s.dir && !o.json_path && !o.csv_path) {
		BM_ERR("--out DIR (wide CSVs + SVGs), -J FILE or --csv FILE "
		       "is required");
		return BM_EXIT_USAGE;
	}
	if (!o.model)
		o.model = "qwen3-coder-30b-a3b";
	s.c = calloc(1, sizeof(*s.c));
	s.per = json_object();
	ret = s.c ? sim_out_open(&o, cmd, argc, argv, &so) : -ENOMEM;
	if (!ret)
		ret = sim_ctx_init(s.c, o.hw);
	if (!ret)
		ret = sim_ctx_model(s.c, o.model, o.quant);
	if (!ret && s.dir)
		ret = sim_mkdir(s.dir);
	if (ret)
		goto out;
	sim_out_params(&so, s.c, &o);
	bm_out_param(so.out, "out_dir", s.dir ? json_string(s.dir) : NULL);
	BM_INFO("sweep %s%s%s: context", s.c->model.name, s.dir ? " -> " : "",
		s.dir ? s.dir : "");
	ret = sweep_ctx(&s);
	if (!ret) {
		BM_INFO("sweep: latency, bandwidth, nodes, transport");
		ret = sweep_latency(&s);
	}
	if (!ret)
		ret = sweep_bandwidth(&s);
	if (!ret)
		ret = sweep_nodes(&s);
	if (!ret)
		ret = sweep_transport(&s);
	bm_out_summary(so.out, "points", json_integer((json_int_t)s.points));
	bm_out_summary(so.out, "points_by_sweep", json_incref(s.per));
	if (!ret && s.dir && !s.no_plot) {
		sim_gnuplot(s.dir, "ctx.gp");
		sim_gnuplot(s.dir, "latency.gp");
	}
	if (!ret && so.table && s.dir)
		fprintf(so.table, "# sim sweep: %s -> %s/{ctx,latency,"
			"bandwidth,nodes,transport}.csv%s\n", s.c->model.name,
			s.dir, s.no_plot ? "" : " + ctx.svg, latency.svg");
	else if (!ret && so.table)
		fprintf(so.table, "# sim sweep: %s: %zu points (ctx, latency, "
			"bandwidth, nodes, transport) in the document\n",
			s.c->model.name, s.points);
out:
	json_decref(s.per);
	free(s.c);
	return sim_out_close(&so, ret);
}
