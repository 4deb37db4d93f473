// SPDX-License-Identifier: MIT
/*
 * sim explain: socket against RoCE for every mode: tok/s, speedup, the
 * terms that account for it, and what this run's numbers say about it.
 *
 * Every sentence of the text is computed from the predictions of this run
 * (model, context, length, --net file, profiles): which terms depend on the
 * transport and what they cost on each, how many collectives cross the
 * network per step, which terms take back what RoCE saves, where the time
 * goes, and which mode is best on each transport against one node.
 *
 * Output: results hold one prediction row (cli.h sim_row) for the single
 * node and two (socket, roce) per mode; summary: single_tok_s, modes (per
 * mode: both tok/s, speedup_pct, delta_ms_per_token, delta_terms), best,
 * best_roce, best_socket, findings (the sentences).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct bm_opt sim_explain_opts[] = {
	SIM_OPT_MODEL,
	SIM_OPT_NODES,
	SIM_OPT_CTX,
	SIM_OPT_LENGTH,
	{ "net", SIM_K_NET, "FILE", "measured ib_lat/nccl_coll/moe_alltoall JSON; each sets the side of its transport (repeatable)" },
	SIM_OPT_HW,
	SIM_OPT_QUANT,
	SIM_OPTS_OUT,
	BM_OPT_END,
};

struct explain_case {
	const char   *label;
	enum sim_mode mode;
	int	      spec;
};

static const struct explain_case cases[] = {
	{ "PP", SIM_PP, 0 },
	{ "TP", SIM_TP, 0 },
	{ "EP", SIM_EP, 0 },
	{ "TP+EAGLE3", SIM_TP, 1 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* a difference below this (ms/token) is not reported */
#define DELTA_MIN 0.005

struct pair {
	bool		  run;		/* false: EP of a dense model */
	struct sim_query  q;
	struct sim_result s, r;		/* socket, roce */
};

struct explain {
	struct sim_opts	  o;
	struct sim_ctx	 *c;
	struct sim_result single;
	struct pair	  p[NCASES];
	json_t		 *findings;	/* array of strings */
};

/* ---- text ------------------------------------------------------------ */

struct sbuf {
	char   s[1024];
	size_t n;
};

static void __attribute__((format(printf, 2, 3)))
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->n >= sizeof(b->s) - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		b->n += (size_t)k;
	if (b->n >= sizeof(b->s))
		b->n = sizeof(b->s) - 1;
}

/* Print s word-wrapped at 78 columns, first line after lead, the rest
 * indented by indent spaces. */
static void wrap(FILE *f, const char *lead, int indent, const char *s)
{
	int col = fprintf(f, "%s", lead), start = col;

	while (*s) {
		int w;

		while (*s == ' ')
			s++;
		w = (int)strcspn(s, " ");
		if (!w)
			break;
		if (col > start && col + 1 + w > 78) {
			fprintf(f, "\n%*s", indent, "");
			col = start = indent;
		} else if (col > start) {
			col += fprintf(f, " ");
		}
		col += fprintf(f, "%.*s", w, s);
		s += w;
	}
	fputc('\n', f);
}

static void finding(struct explain *x, FILE *table, const char *lead,
		    const char *s)
{
	json_array_append_new(x->findings, json_string(s));
	if (table)
		wrap(table, lead, 2, s);
}

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "97 all-reduces, 1 all-gather and 1 stage hop cross" (per step). */
static void counts(struct sbuf *b, const struct sim_result *r)
{
	static const char *const name[3][2] = {
		{ "all-reduce", "all-reduces" },
		{ "all-gather", "all-gathers" },
		{ "stage hop", "stage hops" },
	};
	int n[3] = { r->n_allreduce, r->n_allgather, r->n_p2p };
	int i, k = 0, total = 0, sum = 0;

	for (i = 0; i < 3; i++) {
		total += n[i] > 0;
		sum += n[i];
	}
	for (i = 0; i < 3; i++) {
		if (!n[i])
			continue;
		sb_add(b, "%s%d %s", !k ? "" : k == total - 1 ? " and " : ", ",
		       n[i], plural(n[i], name[i][0], name[i][1]));
		k++;
	}
	sb_add(b, " %s", plural(sum, "crosses", "cross"));
}

/* Term indexes sorted by descending value of v. */
static void order_by(const double *v, int n, int *idx)
{
	int i, j, t;

	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[idx[j]] > v[idx[j - 1]]; j--) {
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
}

/* The collective that weighs most over sockets, and what one of it costs
 * on each link, term by term (the link-level cause of the speedup). */
static void link_cause(struct sbuf *b, const struct sim_result *s,
		       const struct sim_result *r)
{
	char ts[320], tr[320];
	double w, best = 0;
	int i, k = -1, total = 0;

	for (i = 0; i < s->n_net && i < r->n_net; i++) {
		w = s->net[i].count * (s->net[i].cost.us - r->net[i].cost.us);
		total += s->net[i].count;
		if (w > best) {
			best = w;
			k = i;
		}
	}
	if (k < 0 || best < DELTA_MIN * 1000)
		return;
	sim_cost_text(ts, sizeof(ts), &s->net[k].cost);
	sim_cost_text(tr, sizeof(tr), &r->net[k].cost);
	sb_add(b, " The largest part: %d x %s of %.0f B (%s) of the %d "
	       "collectives a step sends; over sockets each is %s, over RoCE "
	       "%s.", s->net[k].count, sim_op_name(s->net[k].op),
	       s->net[k].bytes, s->net[k].what, total, ts, tr);
}

/* The sentences about one mode, from its two predictions. */
static void mode_findings(struct explain *x, FILE *table,
			  const struct explain_case *e, const struct pair *p)
{
	const struct sim_result *s = &p->s, *r = &p->r;
	double d[SIM_TERMS_MAX] = { 0 }, share[SIM_TERMS_MAX] = { 0 };
	double net_s = 0, net_r = 0, gain = 0, back = 0;
	int idx[SIM_TERMS_MAX], n = r->n_terms, i, nt = 0, worst = -1;
	struct sbuf b = { .n = 0 }, names = { .n = 0 }, gains = { .n = 0 };

	for (i = 0; i < n; i++) {
		d[i] = s->term[i].ms - r->term[i].ms;
		share[i] = r->term[i].ms;
		if (fabs(d[i]) < DELTA_MIN)
			continue;
		sb_add(&names, "%s%s", nt++ ? ", " : "", r->term[i].name);
		net_s += s->term[i].ms;
		net_r += r->term[i].ms;
		if (d[i] > 0) {
			gain += d[i];
			sb_add(&gains, "%s%s", gains.n ? ", " : "",
			       r->term[i].name);
		} else {
			back -= d[i];
			if (worst < 0 || d[i] < d[worst])
				worst = i;
		}
	}
	sb_add(&b, "%s: %.1f tok/s over sockets, %.1f over RoCE (%+.0f%%).",
	       e->label, s->tok_s, r->tok_s,
	       100.0 * (r->tok_s / s->tok_s - 1));
	if (!nt) {
		sb_add(&b, " No term depends on the transport.");
	} else {
		if (r->n_allreduce + r->n_allgather + r->n_p2p) {
			sb_add(&b, " Per step ");
			counts(&b, r);
			sb_add(&b, " the network");
			if (r->tokens_per_step > 1.0001)
				sb_add(&b, " (a step yields %.2f tokens)",
				       r->tokens_per_step);
			sb_add(&b, ";");
		}
		sb_add(&b, " %s %s that depend on the transport (%s) cost "
		       "%.2f ms/token over sockets (%.0f%% of the time) "
		       "against %.2f ms over RoCE (%.0f%%).",
		       b.s[b.n - 1] == ';' ? "the" : "The",
		       plural(nt, "term", "terms"), names.s, net_s,
		       100 * net_s / s->ms_per_token, net_r,
		       100 * net_r / r->ms_per_token);
	}
	link_cause(&b, s, r);
	if (worst >= 0 && gain > 0)
		sb_add(&b, " Of the %.2f ms RoCE saves on %s, %.2f ms (%.0f%%) "
		       "come back as %s (%s).", gain, gains.s, back,
		       100 * back / gain, r->term[worst].name,
		       r->term[worst].what);
	order_by(share, n, idx);
	sb_add(&b, " Over RoCE its largest terms are");
	for (i = 0; i < 3 && i < n && share[idx[i]] >= DELTA_MIN; i++)
		sb_add(&b, "%s %s %.2f ms (%.0f%%)", i ? "," : "",
		       r->term[idx[i]].name, share[idx[i]],
		       100 * share[idx[i]] / r->ms_per_token);
	sb_add(&b, ".");
	finding(x, table, "- ", b.s);
}

/* Best mode per transport against one node. */
static void best_findings(struct explain *x, FILE *table)
{
	static const char *const tr[2] = { "RoCE", "sockets" };
	double one = x->single.tok_s;
	size_t k;
	int t;

	for (t = 0; t < 2; t++) {
		struct sbuf b = { .n = 0 }, beat = { .n = 0 };
		const char *best = NULL;
		double v, bv = 0;
		int nb = 0, nrun = 0;

		for (k = 0; k < NCASES; k++) {
			if (!x->p[k].run)
				continue;
			nrun++;
			v = t ? x->p[k].s.tok_s : x->p[k].r.tok_s;
			if (v > one) {
				sb_add(&beat, "%s%s", nb ? ", " : "",
				       cases[k].label);
				nb++;
			}
			if (!best || v > bv) {
				best = cases[k].label;
				bv = v;
			}
		}
		if (!best)
			return;
		sb_add(&b, "Over %s the best is %s at %.1f tok/s, %+.0f%% "
		       "against one node (%.1f); ", tr[t], best, bv,
		       100 * (bv / one - 1), one);
		if (nb)
			sb_add(&b, "%d of %d modes beat one node (%s).", nb,
			       nrun, beat.s);
		else
			sb_add(&b, "no mode beats one node.");
		finding(x, table, "=> ", b.s);
	}
}

/* ---- tables ------------------------------------------------------------ */

static void print_modes(FILE *f, const struct explain *x)
{
	size_t k;
	int i, j;

	fprintf(f, "%-10s %9s %9s %9s   %s\n", "mode", "socket", "roce",
		"speedup", "terms that account for the difference "
		"(socket - roce, ms/token)");
	for (k = 0; k < NCASES; k++) {
		const struct pair *p = &x->p[k];
		double d[SIM_TERMS_MAX], total;
		int idx[SIM_TERMS_MAX], n = p->r.n_terms;
		struct sbuf line = { .n = 0 };

		if (!p->run)
			continue;
		total = p->s.ms_per_token - p->r.ms_per_token;
		for (i = 0; i < n; i++)
			d[i] = fabs(p->s.term[i].ms - p->r.term[i].ms);
		order_by(d, n, idx);
		for (j = 0; j < n && j < 4; j++) {
			i = idx[j];
			if (d[i] < DELTA_MIN)
				break;
			sb_add(&line, "%s%s %+.2f", j ? ", " : "",
			       p->r.term[i].name,
			       p->s.term[i].ms - p->r.term[i].ms);
			if (fabs(total) >= 0.05)
				sb_add(&line, " (%.0f%%)", 100 *
				       (p->s.term[i].ms - p->r.term[i].ms) /
				       total);
		}
		fprintf(f, "%-10s %9.1f %9.1f %+8.0f%%   %.2f ms: %s\n",
			cases[k].label, p->s.tok_s, p->r.tok_s,
			100.0 * (p->r.tok_s / p->s.tok_s - 1), total,
			line.n ? line.s : "none");
	}
}

static void print_terms(FILE *f, const struct explain *x)
{
	const struct sim_result *names = &x->p[0].r;
	char cell[32];
	size_t k;
	int i;

	fprintf(f, "\nper-token breakdown, ms (socket / roce):\n%-14s", "term");
	for (k = 0; k < NCASES; k++)
		fprintf(f, " %15s", cases[k].label);
	fprintf(f, "\n");
	for (i = 0; i < names->n_terms; i++) {
		bool any = false;

		for (k = 0; k < NCASES; k++)
			any |= x->p[k].run && (x->p[k].s.term[i].ms > 5e-4 ||
					       x->p[k].r.term[i].ms > 5e-4);
		if (!any)
			continue;
		fprintf(f, "%-14s", names->term[i].name);
		for (k = 0; k < NCASES; k++) {
			snprintf(cell, sizeof(cell), "%.2f / %.2f",
				 x->p[k].s.term[i].ms, x->p[k].r.term[i].ms);
			fprintf(f, " %15s", x->p[k].run ? cell : "-");
		}
		fprintf(f, "\n");
	}
	fprintf(f, "%-14s", "tok/s");
	for (k = 0; k < NCASES; k++) {
		snprintf(cell, sizeof(cell), "%.1f / %.1f", x->p[k].s.tok_s,
			 x->p[k].r.tok_s);
		fprintf(f, " %15s", x->p[k].run ? cell : "-");
	}
	fprintf(f, "\n");
}

/* ---- run ----------------------------------------------------------------- */

static int predict_all(struct explain *x)
{
	struct sim_query sq = { .mode = SIM_SINGLE, .nodes = 1,
				.ctx = x->o.ctx, .length = x->o.length,
				.accept = -1 };
	bool fitted[SIM_NET_FILES] = { false };
	char used[512];
	size_t k;
	int ret;

	ret = sim_ctx_net(x->c, "none", NULL, 0, true, NULL, used,
			  sizeof(used));
	if (!ret)
		ret = sim_predict(x->c, &sq, &x->single);
	for (k = 0; k < NCASES && !ret; k++) {
		struct pair *p = &x->p[k];

		p->q = (struct sim_query){ .mode = cases[k].mode,
					   .nodes = x->o.nodes,
					   .ctx = x->o.ctx,
					   .length = x->o.length, .accept = -1,
					   .spec_tokens = cases[k].spec };
		if (cases[k].mode == SIM_EP && !sim_is_moe(&x->c->model))
			continue;
		ret = sim_ctx_net(x->c, "socket", x->o.net, x->o.n_net, false,
				  fitted, used, sizeof(used));
		if (!ret)
			ret = sim_predict(x->c, &p->q, &p->s);
		if (!ret)
			ret = sim_ctx_net(x->c, "roce", x->o.net, x->o.n_net,
					  false, fitted, used, sizeof(used));
		if (!ret)
			ret = sim_predict(x->c, &p->q, &p->r);
		p->run = !ret;
	}
	if (!ret)
		ret = sim_net_files_check(x->o.net, x->o.n_net, fitted);
	return ret;
}

static const char *best_label(const struct explain *x, bool socket)
{
	const char *best = NULL;
	double bv = 0, v;
	size_t k;

	for (k = 0; k < NCASES; k++) {
		if (!x->p[k].run)
			continue;
		v = socket ? x->p[k].s.tok_s : x->p[k].r.tok_s;
		if (!best || v > bv) {
			best = cases[k].label;
			bv = v;
		}
	}
	return best;
}

static void write_doc(struct sim_out *so, struct explain *x)
{
	json_t *modes = json_array();
	size_t k;
	int i;

	sim_out_params(so, x->c, &x->o);
	bm_out_param(so->out, "nodes", json_integer(x->o.nodes));
	bm_out_param(so->out, "ctx", json_integer((json_int_t)x->o.ctx));
	bm_out_param(so->out, "length",
		     json_string(sim_length_name(x->o.length)));
	bm_out_param(so->out, "net_files", sim_net_files_json(&x->o));
	bm_out_row(so->out, sim_row(x->c, &(struct sim_query){
			.mode = SIM_SINGLE, .nodes = 1, .ctx = x->o.ctx,
			.length = x->o.length, .accept = -1 }, &x->single,
		   "none"));
	for (k = 0; k < NCASES; k++) {
		const struct pair *p = &x->p[k];
		json_t *dt;

		if (!p->run)
			continue;
		dt = json_object();
		bm_out_row(so->out, sim_row(x->c, &p->q, &p->s, "socket"));
		bm_out_row(so->out, sim_row(x->c, &p->q, &p->r, "roce"));
		for (i = 0; i < p->r.n_terms; i++) {
			double v = p->s.term[i].ms - p->r.term[i].ms;

			if (fabs(v) >= DELTA_MIN)
				json_object_set_new(dt, p->r.term[i].name,
					json_real(round(v * 1e4) / 1e4));
		}
		json_array_append_new(modes, json_pack(
			"{s:s,s:f,s:f,s:f,s:f,s:o}", "mode", cases[k].label,
			"socket_tok_s", round(p->s.tok_s * 100) / 100,
			"roce_tok_s", round(p->r.tok_s * 100) / 100,
			"speedup_pct",
			round(1000 * (p->r.tok_s / p->s.tok_s - 1)) / 10,
			"delta_ms_per_token", round((p->s.ms_per_token -
						     p->r.ms_per_token) * 1e4) /
			1e4 + 0.0, "delta_terms", dt));
	}
	bm_out_summary(so->out, "single_tok_s",
		       json_real(round(x->single.tok_s * 100) / 100));
	bm_out_summary(so->out, "modes", modes);
	bm_out_summary(so->out, "best", json_string(best_label(x, false)));
	bm_out_summary(so->out, "best_roce", json_string(best_label(x, false)));
	bm_out_summary(so->out, "best_socket",
		       json_string(best_label(x, true)));
	bm_out_summary(so->out, "findings", json_incref(x->findings));
}

int sim_explain_main(int argc, char **argv, const struct sim_cmd *cmd)
{
	struct explain *x;
	struct sim_out so = { 0 };
	FILE *t;
	size_t k;
	int ret;

	x = calloc(1, sizeof(*x));
	if (!x)
		return BM_EXIT_FAIL;
	x->o = (struct sim_opts){ .nodes = 2, .length = SIM_LEN_LONG,
				  .accept = -1 };
	ret = sim_parse(argc, argv, cmd, &x->o, NULL, NULL);
	if (ret) {
		free(x);
		return ret > 0 ? BM_EXIT_OK : BM_EXIT_USAGE;
	}
	if (!x->o.model)
		x->o.model = "qwen3-coder-30b-a3b";
	x->c = calloc(1, sizeof(*x->c));
	x->findings = json_array();
	ret = x->c ? sim_out_open(&x->o, cmd, argc, argv, &so) : -ENOMEM;
	if (!ret)
		ret = sim_ctx_init(x->c, x->o.hw);
	if (!ret)
		ret = sim_ctx_model(x->c, x->o.model, x->o.quant);
	if (!ret)
		ret = predict_all(x);
	if (ret)
		goto out;
	t = so.table;
	if (t) {
		fprintf(t, "# sim explain: %s, %d nodes, ctx %.0f, %s output; "
			   "single node %.1f tok/s\n", x->c->model.name,
			x->o.nodes, x->o.ctx, sim_length_name(x->o.length),
			x->single.tok_s);
		sim_model_line(t, &x->c->model);
		print_modes(t, x);
		print_terms(t, x);
		fprintf(t, "\nwhat the numbers of this run say:\n");
	}
	for (k = 0; k < NCASES; k++)
		if (x->p[k].run)
			mode_findings(x, t, &cases[k], &x->p[k]);
	best_findings(x, t);
	write_doc(&so, x);
out:
	json_decref(x->findings);
	free(x->c);
	free(x);
	return sim_out_close(&so, ret);
}
