// SPDX-License-Identifier: MIT
/*
 * Rank 0: gather every node's document and parameters, agree on the
 * parameters, compare versions, ask sim for the sizes decode sends, run
 * the pairs' steps round by round, predict from what was measured, build
 * the verdict and the report, and send it to every node.
 *
 * A step is two jobs of one pair. It ends when both have reported "done";
 * when the client side is done the server side gets a moment to end by
 * itself (ib_lat's server ends with its client) and is then stopped; when
 * the server side fails first, the client side is stopped at once (it
 * would only wait for a server that is not there).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "report.h"
#include "run.h"
#include "steps.h"

#define SERVER_GRACE_NS 3000000000ull

/* One loop turn: messages, heartbeats, the local job. */
static int pump(struct chk_run *r, json_t **params)
{
	json_t *m = NULL, *d;
	const char *t;
	int ret, from = -1;

	if (chk_stop_requested())
		return -EINTR;
	ret = chk_net_poll(r->net, 50, &m, &from);
	if (ret < 0)
		return ret;
	if (chk_job_poll(r, &d) == 1) {
		json_decref(r->done[0]);
		r->done[0] = d;
	}
	if (ret != 1)
		return 0;
	t = json_string_value(json_object_get(m, "type"));
	if (!strcmp(t, "done")) {
		json_decref(r->done[from]);
		r->done[from] = m;
		return 0;
	}
	if (!strcmp(t, "node") && params &&
	    json_is_null(json_array_get(r->nodes, (size_t)from)) &&
	    json_is_object(json_object_get(m, "doc"))) {
		json_array_set(r->nodes, (size_t)from, json_object_get(m, "doc"));
		json_array_set(*params, (size_t)from,
			       json_object_get(m, "params"));
		json_decref(m);
		return 0;
	}
	BM_ERR("rank %d sent an unexpected \"%s\"", from, t);
	json_decref(m);
	return -EPROTO;
}

/* ---- parameters --------------------------------------------------------- */

static int merge_params(struct chk_run *r, json_t *params)
{
	struct chk_params q;
	size_t i;

	for (i = 1; i < (size_t)r->n; i++) {
		const char *host = json_string_value(json_object_get(
			json_array_get(r->nodes, i), "name"));
		const char *opt = NULL;
		char mine[160] = "", theirs[160] = "";

		if (chk_params_from_json(json_array_get(params, i), &q)) {
			BM_ERR("rank %zu sent parameters that are not valid", i);
			return -EPROTO;
		}
#define MERGE(bit, name, eq, fmt, field)                                      \
		if (!opt && (q.given & (bit))) {                              \
			if ((r->p.given & (bit)) && !(eq)) {                  \
				opt = name;                                   \
				snprintf(mine, sizeof(mine), fmt, r->p.field);  \
				snprintf(theirs, sizeof(theirs), fmt, q.field); \
			} else if (!(r->p.given & (bit))) {                   \
				r->p.field = q.field;                         \
				r->p.given |= (bit);                          \
			}                                                     \
		}
		if (q.given & CHK_P_MODEL) {
			if (!(r->p.given & CHK_P_MODEL)) {
				memcpy(r->p.model, q.model, sizeof(q.model));
				r->p.given |= CHK_P_MODEL;
			} else if (strcmp(r->p.model, q.model)) {
				opt = "--model";
				snprintf(mine, sizeof(mine), "%s", r->p.model);
				snprintf(theirs, sizeof(theirs), "%s", q.model);
			}
		}
		MERGE(CHK_P_CTX, "--ctx", r->p.ctx == q.ctx, "%ld", ctx)
		MERGE(CHK_P_SKIP, "--skip", r->p.skip == q.skip, "%u", skip)
		MERGE(CHK_P_ITERS, "--iters", r->p.iters == q.iters, "%" PRIu64,
		      iters)
		MERGE(CHK_P_BUDGET, "--budget", r->p.budget_s == q.budget_s,
		      "%g", budget_s)
		MERGE(CHK_P_STRICT, "--strict", r->p.strict == q.strict, "%d",
		      strict)
#undef MERGE
		if (opt) {
			snprintf(r->err, sizeof(r->err), "parameters differ: %s "
				 "is %s here and %s on rank %zu (%s)", opt, mine,
				 theirs, i, host ? host : "?");
			BM_ERR("%s", r->err);
			return -ECANCELED;
		}
	}
	return 0;
}

static int gather(struct chk_run *r)
{
	json_t *params = json_array();
	size_t i, have;
	int ret = 0;

	r->nodes = json_array();
	r->steps = json_array();
	r->done = calloc((size_t)r->n, sizeof(*r->done));
	if (!params || !r->nodes || !r->steps || !r->done) {
		json_decref(params);
		return -ENOMEM;
	}
	json_array_append(r->nodes, r->local.doc);
	json_array_append_new(params, chk_params_json(&r->p));
	for (i = 1; i < (size_t)r->n; i++) {
		json_array_append_new(r->nodes, json_null());
		json_array_append_new(params, json_null());
	}
	for (;;) {
		for (have = 0, i = 0; i < (size_t)r->n; i++)
			have += !json_is_null(json_array_get(r->nodes, i));
		if (have == (size_t)r->n)
			break;
		ret = pump(r, &params);
		if (ret)
			goto out;
	}
	ret = merge_params(r, params);
	if (ret)
		goto out;
	/* Rank 0 compares its versions with every peer's (its document,
	 * r->nodes[0], is updated in place). */
	chk_local_versions(&r->local, r->nodes);
out:
	json_decref(params);
	return ret;
}

/* ---- jobs on ranks ---------------------------------------------------- */

static int dispatch(struct chk_run *r, int rank, json_t *spec, int step)
{
	json_object_set_new(spec, "type", json_string("run"));
	json_object_set_new(spec, "step", json_integer(step));
	json_decref(r->done[rank]);
	r->done[rank] = NULL;
	if (rank == 0)
		return chk_job_start(r, spec);
	return chk_net_send(r->net, rank, spec);
}

static int stop_rank(struct chk_run *r, int rank, int step)
{
	if (rank == 0) {
		if (r->job.active && r->job.step == step)
			chk_job_stop(r, "stopped: the other side ended");
		return 0;
	}
	return chk_net_send(r->net, rank, json_pack("{s:s,s:i}", "type", "stop",
						    "step", step));
}

static json_t *done_for(struct chk_run *r, int rank, int step)
{
	json_t *d = r->done[rank];

	return d && json_integer_value(json_object_get(d, "step")) == step ? d :
									    NULL;
}

/* The line of a failed job's stderr that says most. */
static void why_of(json_t *d, char *buf, size_t len)
{
	const char *w = json_string_value(json_object_get(d, "why"));
	const char *t = json_string_value(json_object_get(d, "stderr"));
	const char *best = NULL, *p;
	char line[512];

	buf[0] = '\0';
	for (p = t; p && *p;) {
		size_t n = strcspn(p, "\n\r");

		if (n && (strstr(p, "error") && (size_t)(strstr(p, "error") - p) <
			  n))
			best = p;
		else if (n && !best)
			best = p;
		p += n;
		p += strspn(p, "\n\r");
	}
	if (best) {
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(best, "\n\r"),
			 best);
		snprintf(buf, len, "%s%s%s", w ? w : "", w ? ": " : "", line);
	} else {
		snprintf(buf, len, "%s", w ? w : "no message");
	}
}

/* ---- pairs and rounds --------------------------------------------------- */

struct pstate {
	struct chk_pair pr;
	int		step;
	json_t	       *cli;		/* the running step's client spec
					 * (owned); NULL: idle */
	uint64_t	t0, cdone_at;
	bool		stop_s, stop_c;
};

/* A node's name for lines and records (two buffers in turn: a line
 * names two nodes). */
static const char *hostn(struct chk_run *r, int rank)
{
	static char buf[2][160];
	static int k;

	k ^= 1;
	chk_node_name(r->nodes, rank, buf[k], sizeof(buf[k]));
	return buf[k];
}

static int record(struct chk_run *r, struct pstate *ps)
{
	json_t *sd = done_for(r, ps->pr.s, ps->step);
	json_t *cd = done_for(r, ps->pr.c, ps->step);
	const char *tool = json_string_value(json_object_get(ps->cli, "tool"));
	int se = (int)json_integer_value(json_object_get(sd, "exit"));
	int ce = (int)json_integer_value(json_object_get(cd, "exit"));
	bool s_stopped = json_is_true(json_object_get(sd, "stopped"));
	bool ok = ce == 0 && (se == 0 || s_stopped);
	json_t *doc = json_object_get(cd, "doc"), *rec;
	char why[640] = "", file[PATH_MAX], rel[96];

	if (tool && !strcmp(tool, "nccl_coll") &&
	    json_is_object(json_object_get(sd, "doc")))
		doc = json_object_get(sd, "doc");
	if (!json_is_object(doc))
		doc = NULL;
	if (ok && !doc && tool && !strcmp(tool, "ib_lat")) {
		ok = false;
		snprintf(why, sizeof(why), "the client wrote no JSON document");
	}
	if (!ok && !why[0])
		why_of(ce ? cd : sd, why, sizeof(why));
	rec = json_pack("{s:i,s:O,s:O,s:[i,i],s:[s,s],s:s,s:s,s:s,s:f,"
			"s:{s:i,s:b},s:{s:i},s:O}",
			"id", ps->step, "kind", json_object_get(ps->cli, "kind"),
			"title", json_object_get(ps->cli, "title"), "pair",
			ps->pr.s, ps->pr.c, "hosts", hostn(r, ps->pr.s),
			hostn(r, ps->pr.c), "host", ps->pr.host, "status",
			ok ? "ok" : "failed", "why", why, "secs",
			(bm_now_ns() - ps->t0) / 1e9, "server", "exit", se,
			"stopped", s_stopped, "client", "exit", ce, "spec",
			ps->cli);
	if (!rec)
		return -ENOMEM;
	if (doc) {
		snprintf(rel, sizeof(rel), "raw/%02d-%s.json", ps->step,
			 json_string_value(json_object_get(ps->cli, "kind")));
		snprintf(file, sizeof(file), "%s/%s", r->dir, rel);
		if (!json_dump_file(doc, file, JSON_INDENT(1)))
			json_object_set_new(rec, "file", json_string(rel));
		json_object_set(rec, "doc", doc);
	}
	chk_progress(r, "[%d] %s: %s (%.1f s)%s%s", ps->step,
		     json_string_value(json_object_get(ps->cli, "title")),
		     ok ? "ok" : "FAILED", (bm_now_ns() - ps->t0) / 1e9,
		     ok ? "" : ": ", why);
	chk_pair_absorb(&ps->pr, ps->cli, ok ? doc : NULL);
	json_array_append_new(r->steps, rec);
	return 0;
}

static int advance(struct chk_run *r, const struct chk_plan *pl,
		   struct pstate *ps)
{
	json_t *srv = NULL, *cli = NULL, *skip = NULL, *sd, *cd;
	int ret;

	if (!ps->cli) {
		for (;;) {
			ret = chk_pair_next(&ps->pr, pl, &srv, &cli, &skip);
			if (ret != 2)
				break;
			json_object_set_new(skip, "id", json_integer(++r->nstep));
			json_object_set_new(skip, "hosts", json_pack("[s,s]",
				hostn(r, ps->pr.s), hostn(r, ps->pr.c)));
			chk_progress(r, "[%d] %s: skipped: %s", r->nstep,
				     json_string_value(json_object_get(skip,
				     "title")), json_string_value(
				     json_object_get(skip, "why")));
			json_array_append_new(r->steps, skip);
		}
		if (ret == 0)
			return 0;
		ps->step = ++r->nstep;
		ps->cli = json_incref(cli);
		snprintf(r->cur, sizeof(r->cur), "at step [%d] %s", ps->step,
			 json_string_value(json_object_get(cli, "title")));
		ps->t0 = bm_now_ns();
		ps->cdone_at = 0;
		ps->stop_s = ps->stop_c = false;
		chk_progress(r, "[%d] %s: %s -> %s (%s)", ps->step,
			     json_string_value(json_object_get(cli, "title")),
			     hostn(r, ps->pr.c), hostn(r, ps->pr.s), ps->pr.host);
		ret = dispatch(r, ps->pr.s, srv, ps->step);
		if (!ret)
			ret = dispatch(r, ps->pr.c, cli, ps->step);
		else
			json_decref(cli);
		return ret;
	}
	sd = done_for(r, ps->pr.s, ps->step);
	cd = done_for(r, ps->pr.c, ps->step);
	if (cd && !ps->cdone_at)
		ps->cdone_at = bm_now_ns();
	if (cd && !sd && !ps->stop_s &&
	    (json_integer_value(json_object_get(cd, "exit")) ||
	     bm_now_ns() - ps->cdone_at > SERVER_GRACE_NS)) {
		ps->stop_s = true;
		return stop_rank(r, ps->pr.s, ps->step);
	}
	if (sd && !cd && !ps->stop_c &&
	    json_integer_value(json_object_get(sd, "exit"))) {
		ps->stop_c = true;
		return stop_rank(r, ps->pr.c, ps->step);
	}
	if (!sd || !cd)
		return 0;
	ret = record(r, ps);
	json_decref(ps->cli);
	ps->cli = NULL;
	return ret;
}

/* Rounds of a round-robin tournament (the circle method): every node in
 * at most one pair per round, every pair once. */
static int run_pairs(struct chk_run *r, const struct chk_plan *pl)
{
	int m = r->n + (r->n & 1), rounds = m - 1, k, i, ret = 0;
	struct pstate *ps = calloc((size_t)m / 2, sizeof(*ps));

	if (!ps)
		return -ENOMEM;
	for (k = 0; k < rounds && !ret; k++) {
		int np = 0, left;

		for (i = 0; i < m / 2; i++) {
			int a = (k + i) % (m - 1), b = (k + m - 1 - i) % (m - 1);
			int s, c;

			if (i == 0)
				b = m - 1;
			if (a >= r->n || b >= r->n)
				continue;
			s = a < b ? a : b;
			c = a < b ? b : a;
			memset(&ps[np], 0, sizeof(ps[np]));
			/* the server's address as the client reaches it */
			chk_pair_init(&ps[np].pr, r->nodes, s, c, np, r->n == 2,
				      s == 0 ? chk_net_local_addr(r->net, c) :
				      chk_net_peer_addr(r->net, s));
			np++;
		}
		if (r->n > 2)
			chk_progress(r, "round %d of %d: %d pair(s)", k + 1,
				     rounds, np);
		do {
			for (left = 0, i = 0; i < np && !ret; i++) {
				if (ps[i].pr.done && !ps[i].cli)
					continue;
				ret = advance(r, pl, &ps[i]);
				left += !(ps[i].pr.done && !ps[i].cli);
			}
			if (!ret && left)
				ret = pump(r, NULL);
		} while (!ret && left);
		for (i = 0; i < np; i++)
			json_decref(ps[i].cli);
	}
	free(ps);
	return ret;
}

/* ---- sim ------------------------------------------------------------ */

static json_t *run_sim(void *arg, char **argv, char *why, size_t why_len)
{
	struct chk_run *r = arg;
	static int n;
	char json[PATH_MAX];
	json_t *spec, *a = json_array(), *d, *doc = NULL;
	int i, step = 1000 + n++;

	snprintf(json, sizeof(json), "%s/raw/sim-%03d.json", r->dir, n);
	for (i = 0; argv[i]; i++)
		json_array_append_new(a, json_string(argv[i]));
	json_array_append_new(a, json_string("-J"));
	json_array_append_new(a, json_string(json));
	spec = json_pack("{s:s,s:s,s:s,s:o,s:s,s:f}", "tool", "sim", "kind",
			 "sim", "role", "local", "argv", a, "json", json, "max_s",
			 120.0);
	dispatch(r, 0, spec, step);
	while (!done_for(r, 0, step))
		if (pump(r, NULL)) {
			snprintf(why, why_len, "the run failed while sim ran");
			return NULL;
		}
	d = r->done[0];
	if (json_integer_value(json_object_get(d, "exit")) == 0)
		doc = json_incref(json_object_get(d, "doc"));
	if (!json_is_object(doc)) {
		json_decref(doc);
		doc = NULL;
		why_of(d, why, why_len);
	}
	return doc;
}

/* The pair whose files feed sim: two nodes, the pair; more, the one with
 * the slowest probe (the pair that decides a TP step). */
static void pick_pair(struct chk_run *r, const char *probe, int *s_p,
		      int *c_p)
{
	double worst = -1;
	json_t *s;
	size_t i;

	json_array_foreach(r->steps, i, s) {
		const char *k = json_string_value(json_object_get(s, "kind"));
		double l = chk_doc_lat(json_object_get(s, "doc"), 0);

		if (k && !strcmp(k, probe) && l > worst) {
			worst = l;
			*s_p = (int)json_integer_value(json_array_get(
				json_object_get(s, "pair"), 0));
			*c_p = (int)json_integer_value(json_array_get(
				json_object_get(s, "pair"), 1));
		}
	}
}

/* That pair's latency document (the sweep, else the probe) and its best
 * bandwidth document, of one transport. */
static void files_for(struct chk_run *r, int ps, int pc, const char *tr,
		      char lat[PATH_MAX], char bw[PATH_MAX])
{
	char sweep[32], probe[32], bwk[32];
	double best = 0;
	json_t *s;
	size_t i;

	snprintf(sweep, sizeof(sweep), "%s_lat", tr);
	snprintf(probe, sizeof(probe), "%s_probe", tr);
	snprintf(bwk, sizeof(bwk), "%s_bw", tr);
	lat[0] = bw[0] = '\0';
	json_array_foreach(r->steps, i, s) {
		const char *k = json_string_value(json_object_get(s, "kind"));
		const char *f = json_string_value(json_object_get(s, "file"));
		json_t *p = json_object_get(s, "pair");
		double b = chk_doc_bw(json_object_get(s, "doc"), NULL);

		if (!k || !f || json_integer_value(json_array_get(p, 0)) != ps ||
		    json_integer_value(json_array_get(p, 1)) != pc)
			continue;
		if (!strcmp(k, sweep) || (!strcmp(k, probe) && !lat[0]))
			snprintf(lat, PATH_MAX, "%s/%s", r->dir, f);
		if (!strcmp(k, bwk) && b > best) {
			best = b;
			snprintf(bw, PATH_MAX, "%s/%s", r->dir, f);
		}
	}
}

static void predict(struct chk_run *r)
{
	static char lat[2][PATH_MAX], bw[2][PATH_MAX], nccl[PATH_MAX];
	struct chk_netfiles nf = { { lat[0], lat[1] }, { bw[0], bw[1] }, nccl };
	char sim[PATH_MAX];
	int s = -1, c = -1;
	json_t *st;
	size_t i;

	if (chk_find_tool("sim", sim, sizeof(sim)) ||
	    (r->p.skip & CHK_SKIP_PREDICT))
		sim[0] = '\0';
	pick_pair(r, "rdma_probe", &s, &c);
	if (s < 0)
		pick_pair(r, "tcp_probe", &s, &c);
	files_for(r, s, c, "rdma", lat[0], bw[0]);
	files_for(r, s, c, "tcp", lat[1], bw[1]);
	nccl[0] = '\0';
	json_array_foreach(r->steps, i, st) {
		const char *k = json_string_value(json_object_get(st, "kind"));
		const char *f = json_string_value(json_object_get(st, "file"));

		if (k && f && !strcmp(k, "nccl"))
			snprintf(nccl, sizeof(nccl), "%s/%s", r->dir, f);
	}
	r->pred = chk_predict(&r->p, sim, &nf, r->builtin, run_sim, r);
	if (r->pred && s >= 0 && r->n > 2) {
		char a[160], b[160];

		chk_node_name(r->nodes, s, a, sizeof(a));
		chk_node_name(r->nodes, c, b, sizeof(b));
		json_object_set_new(r->pred, "pair", json_pack("[s,s]", a, b));
	}
}

/* ---- the report ------------------------------------------------------- */

static int finish(struct chk_run *r)
{
	json_t *rep, *checks, *argv = json_array();
	char host[256] = "", when[32];
	time_t now = time(NULL);
	int ex = 0, i, ret = 0, bad = 0;

	gethostname(host, sizeof(host) - 1);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	for (i = 0; i < r->o->argc; i++)
		json_array_append_new(argv, json_string(r->o->argv[i]));
	rep = json_pack("{s:{s:s,s:s,s:s,s:o,s:s,s:s,s:i,s:s,s:s},s:o,s:O,"
			"s:O,s:O,s:n}",
			"meta", "tool", "netroof check", "version",
			NETROOF_VERSION, "git_revision", chk_git_revision(),
			"argv", argv, "host", host, "time_utc", when, "nodes",
			r->n, "launch", r->o->launch_source ?
			r->o->launch_source : "pair",
			"tcp_latency", "ib_lat -t tcp --busy-poll: NCCL's socket "
			"proxy busy-polls its recv, so this is the latency its "
			"socket transport can reach",
			"params", chk_params_json(&r->p), "nodes", r->nodes,
			"steps", r->steps, "prediction",
			r->pred ? r->pred : json_null(), "error");
	if (!rep)
		return -ENOMEM;
	json_object_set_new(json_object_get(rep, "params"), "timeout_s",
			    json_real(r->o->timeout_ms / 1000.0));
	chk_pairs_matrix(rep);
	checks = chk_verdict(rep, r->p.strict, &ex);
	json_object_set_new(rep, "checks", checks);
	for (i = 1; i < r->n; i++) {
		ret = chk_net_send(r->net, i, json_pack("{s:s,s:O}", "type",
					"report", "report", rep));
		if (ret)
			bad = ret;
	}
	ret = chk_report_write(r->dir, rep);
	json_decref(rep);
	if (bad) {
		snprintf(r->err, sizeof(r->err), "the report could not be sent "
			 "to every node");
		return bad;
	}
	return ret ? ret : ex;
}

int chk_coordinate(struct chk_run *r)
{
	struct chk_plan pl = { .p = &r->p, .port = r->o->port,
			       .timeout_s = (r->o->timeout_ms + 999) / 1000 };
	char sim[PATH_MAX];
	int ret;

	ret = gather(r);
	if (ret)
		return ret;
	chk_progress(r, "model %s, context %ld; every node's diagnosis in",
		     r->p.model, r->p.ctx);
	/* The sizes decode sends, from sim's collective schedule. */
	if (!(r->p.skip & CHK_SKIP_PREDICT) &&
	    !chk_find_tool("sim", sim, sizeof(sim))) {
		r->builtin = chk_predict(&r->p, sim, NULL, NULL, run_sim, r);
		chk_decode_sizes(r->builtin, pl.dsizes, CHK_MAX_DSIZES,
				 &pl.ndsizes);
	}
	ret = run_pairs(r, &pl);
	if (ret)
		return ret;
	predict(r);
	return finish(r);
}
