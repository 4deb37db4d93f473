// SPDX-License-Identifier: MIT
/*
 * One netroof check process: the bootstrap, this node's document, the
 * local job (one tool run at a time) and the worker loop of ranks > 0.
 * Rank 0's coordination is in coord.c.
 *
 * A job's files go into DIR/raw/NN-KIND-ROLE/ (the tool's stdout, stderr
 * and JSON document). Every way out (done, stopped by rank 0, past its
 * deadline, the run failing, a signal) stops and reaps the child.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "out.h"
#include "report.h"
#include "run.h"
#include "steps.h"

static volatile sig_atomic_t stop_flag;

void chk_request_stop(void)
{
	stop_flag = 1;
}

bool chk_stop_requested(void)
{
	return stop_flag;
}

void chk_progress(const struct chk_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->o->quiet)
		return;
	fprintf(stderr, "netroof check: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- parameters ------------------------------------------------------ */

static const char *const skip_names[] = { "rdma", "tcp", "bw", "nccl",
					  "predict" };

int chk_skip_parse(const char *s, unsigned *skip, char *bad, size_t bad_len)
{
	char buf[128], *tok, *save = NULL;
	int ret = 0;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(skip_names) / sizeof(skip_names[0]); i++)
			if (!strcmp(tok, skip_names[i]))
				break;
		if (i < sizeof(skip_names) / sizeof(skip_names[0]))
			*skip |= 1u << i;
		else if (!ret) {
			snprintf(bad, bad_len, "%s", tok);
			ret = -EINVAL;
		}
	}
	return ret;
}

const char *chk_skip_names(unsigned skip, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(skip_names) / sizeof(skip_names[0]); i++)
		if (skip & (1u << i))
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
					      "%s%s", o ? "," : "",
					      skip_names[i]);
	return buf;
}

json_t *chk_params_json(const struct chk_params *p)
{
	char sk[64];

	return json_pack("{s:s,s:I,s:s,s:I,s:f,s:b,s:I}", "model", p->model,
			 "ctx", (json_int_t)p->ctx, "skip",
			 chk_skip_names(p->skip, sk, sizeof(sk)), "iters",
			 (json_int_t)p->iters, "budget_s", p->budget_s,
			 "strict", p->strict, "given", (json_int_t)p->given);
}

int chk_params_from_json(json_t *j, struct chk_params *p)
{
	const char *m = json_string_value(json_object_get(j, "model"));
	const char *sk = json_string_value(json_object_get(j, "skip"));
	char bad[128];
	json_t *v;

	memset(p, 0, sizeof(*p));
	if (!m || strlen(m) >= sizeof(p->model) || !sk)
		return -EPROTO;
	snprintf(p->model, sizeof(p->model), "%s", m);
	/* written by chk_params_json: a name this build does not know is
	 * left out */
	(void)chk_skip_parse(sk, &p->skip, bad, sizeof(bad));
	v = json_object_get(j, "ctx");
	p->ctx = json_is_integer(v) ? (long)json_integer_value(v) : -1;
	v = json_object_get(j, "iters");
	p->iters = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
	v = json_object_get(j, "budget_s");
	p->budget_s = json_is_number(v) ? json_number_value(v) : 0;
	p->strict = json_is_true(json_object_get(j, "strict"));
	v = json_object_get(j, "given");
	p->given = json_is_integer(v) ? (unsigned)json_integer_value(v) : 0;
	if (p->ctx < 0 || p->ctx > 10000000 || p->iters < 1 ||
	    p->iters > 10000000 || !(p->budget_s > 0 && p->budget_s <= 3600))
		return -EPROTO;
	return 0;
}

/* ---- the local job ---------------------------------------------------- */

static json_t *load_doc(const char *path)
{
	json_error_t e;
	json_t *d;

	if (!path[0] || access(path, R_OK))
		return NULL;
	d = json_load_file(path, 0, &e);
	if (!json_is_object(d)) {
		json_decref(d);
		return NULL;
	}
	return d;
}

int chk_job_start(struct chk_run *r, json_t *spec)
{
	struct chk_job *j = &r->job;
	const char *kind = json_string_value(json_object_get(spec, "kind"));
	const char *role = json_string_value(json_object_get(spec, "role"));
	const char *tool = json_string_value(json_object_get(spec, "tool"));
	char *argv[64], store[8192], out[PATH_MAX + 16];
	json_t *a;
	size_t i;
	double max_s;
	int ret;

	memset(j, 0, sizeof(*j));
	j->active = true;
	j->spec = spec;
	j->step = (int)json_integer_value(json_object_get(spec, "step"));
	j->t0 = bm_now_ns();
	max_s = json_number_value(json_object_get(spec, "max_s"));
	j->max_ns = (uint64_t)((max_s > 0 && max_s < 86400 ? max_s : 600) * 1e9);
	snprintf(j->dir, sizeof(j->dir), "%s/raw/%02d-%.40s-%.10s", r->dir,
		 j->step, kind ? kind : "job", role ? role : "local");
	for (i = 0; j->dir[i]; i++)	/* a name, not a path, from the spec */
		if (j->dir[i] == '.' && j->dir[i + 1] == '.')
			j->dir[i] = '_';
	mkdir(j->dir, 0755);
	snprintf(j->err, sizeof(j->err), "%s/stderr.txt", j->dir);
	snprintf(out, sizeof(out), "%s/stdout.txt", j->dir);
	if (tool && !strcmp(tool, "sim") && json_is_array(json_object_get(spec,
								  "argv"))) {
		/* rank 0's own sim runs: the argv is built on this node */
		json_array_foreach(json_object_get(spec, "argv"), i, a) {
			if (i >= 62)
				break;
			argv[i] = (char *)json_string_value(a);
		}
		argv[i] = NULL;
		snprintf(j->out_json, sizeof(j->out_json), "%s",
			 json_string_value(json_object_get(spec, "json")));
		ret = argv[0] ? 0 : -EPROTO;
	} else {
		ret = chk_job_argv(spec, r->local.doc, j->dir, argv, 64, store,
				   sizeof(store), j->out_json,
				   sizeof(j->out_json));
	}
	if (!ret)
		ret = chk_spawn(argv, out, j->err, &j->child);
	if (ret) {
		/* no child: the job is done at once with this status */
		j->child.reaped = true;
		j->child.status = bm_exit_of(ret);
		j->stop_why = ret == -ENOENT ? "the tool is not installed on "
			      "this node" : bm_log_last_error() ?
			      bm_log_last_error() : strerror(-ret);
	}
	return 0;
}

void chk_job_stop(struct chk_run *r, const char *why)
{
	if (r->job.active && !r->job.stop_why) {
		r->job.stop_why = why;
	}
}

void chk_job_kill(struct chk_run *r)
{
	if (r->job.active && r->job.child.pid)
		chk_child_kill(&r->job.child, 1000);
	json_decref(r->job.spec);
	memset(&r->job, 0, sizeof(r->job));
}

int chk_job_poll(struct chk_run *r, json_t **done_p)
{
	struct chk_job *j = &r->job;
	char tail[1536];
	json_t *d, *doc;
	int st;

	*done_p = NULL;
	if (!j->active)
		return 0;
	if (!j->stop_why && bm_now_ns() - j->t0 > j->max_ns) {
		j->stop_why = "it ran past its deadline and was killed";
	}
	if (j->stop_why ? !chk_child_stop_step(&j->child, 2000) :
			  !chk_child_done(&j->child))
		return 0;
	st = j->child.status;
	tail[0] = '\0';
	if (st)
		chk_tail(j->err, tail, sizeof(tail));
	doc = load_doc(j->out_json);
	d = json_pack("{s:s,s:i,s:O,s:i,s:b,s:s?,s:s,s:f,s:o}", "type", "done",
		      "step", j->step, "role", json_object_get(j->spec, "role"),
		      "exit", st, "stopped", j->stop_why != NULL, "why",
		      j->stop_why, "stderr", tail, "secs", (bm_now_ns() - j->t0) / 1e9,
		      "doc", doc ? doc : json_null());
	json_decref(j->spec);
	memset(j, 0, sizeof(*j));
	*done_p = d;
	return d ? 1 : -ENOMEM;
}

/* ---- ranks > 0 ---------------------------------------------------------- */

static int worker(struct chk_run *r)
{
	json_t *m, *done, *hello;
	const char *t;
	int ret, from;

	hello = json_pack("{s:s,s:o,s:O}", "type", "node", "params",
			  chk_params_json(&r->p), "doc", r->local.doc);
	ret = chk_net_send(r->net, 0, hello);
	for (; !ret;) {
		if (chk_stop_requested()) {
			snprintf(r->err, sizeof(r->err), "interrupted");
			return -EINTR;
		}
		ret = chk_net_poll(r->net, 100, &m, &from);
		if (ret < 0)
			break;
		if (chk_job_poll(r, &done) == 1) {
			chk_progress(r, "[%d] %s: exit %d", (int)json_integer_value(
				     json_object_get(done, "step")),
				     json_string_value(json_object_get(done,
				     "role")), (int)json_integer_value(
				     json_object_get(done, "exit")));
			ret = chk_net_send(r->net, 0, done);
			if (ret)
				break;
		}
		if (ret != 1)
			continue;
		ret = 0;
		t = json_string_value(json_object_get(m, "type"));
		if (!strcmp(t, "run") && !r->job.active) {
			int step = (int)json_integer_value(json_object_get(m,
								"step"));

			snprintf(r->cur, sizeof(r->cur), "at step [%d] %s", step,
				 json_string_value(json_object_get(m, "title")));
			chk_progress(r, "[%d] %s: %s of %s", step,
				     json_string_value(json_object_get(m, "title")),
				     json_string_value(json_object_get(m, "role")),
				     json_object_get(m, "host") ?
				     json_string_value(json_object_get(m, "host")) :
				     "the other node");
			chk_job_start(r, m);
			continue;	/* the job owns m now */
		}
		if (!strcmp(t, "stop")) {
			if (r->job.active && r->job.step ==
			    json_integer_value(json_object_get(m, "step")))
				chk_job_stop(r, "stopped: the other side ended");
		} else if (!strcmp(t, "report")) {
			json_t *rep = json_incref(json_object_get(m, "report"));

			json_decref(m);
			ret = chk_report_write(r->dir, rep);
			from = (int)json_integer_value(json_object_get(
				json_object_get(rep, "verdict"), "exit"));
			json_decref(rep);
			return ret ? ret : from;
		} else {
			BM_ERR("rank 0 sent an unexpected \"%s\"", t);
			ret = -EPROTO;
		}
		json_decref(m);
	}
	return ret;
}

/* ---- the whole run ------------------------------------------------------ */

void chk_write_partial(struct chk_run *r, const char *why)
{
	json_t *rep = json_pack("{s:{s:s,s:s,s:i,s:i},s:O,s:[],s:s}",
		"meta", "tool", "netroof check", "version", NETROOF_VERSION,
		"rank", r->rank, "nodes", r->n, "steps",
		r->steps ? r->steps : json_null(), "checks", "error", why);
	struct bm_file *bf;

	if (!rep || !r->dir[0])
		goto out;
	if (r->nodes)
		json_object_set(rep, "nodes", r->nodes);
	else if (r->local.doc)
		json_object_set_new(rep, "nodes", json_pack("[O]", r->local.doc));
	json_object_set_new(rep, "params", chk_params_json(&r->p));
	bf = chk_create(r->dir, "report.json");
	if (bf) {
		json_dumpf(rep, bm_file_stream(bf), JSON_INDENT(1));
		fputc('\n', bm_file_stream(bf));
		bm_file_close(bf, true);
	}
	bf = chk_create(r->dir, "report.md");
	if (bf) {
		fprintf(bm_file_stream(bf), "# netroof check: failed\n\n%s\n",
			why);
		bm_file_close(bf, true);
	}
out:
	json_decref(rep);
}

static void on_signal(int sig)
{
	(void)sig;
	chk_request_stop();
}

int chk_main(struct chk_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct chk_run r = { .o = o, .p = o->p };
	json_t *hp;
	char *ptext = NULL, sub[PATH_MAX + 8];
	int ret;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r.rank = o->rank;
	r.n = o->nranks;
	ret = chk_outdir_make(o->outdir, r.dir, sizeof(r.dir));
	if (ret)
		return bm_exit_of(ret);
	snprintf(sub, sizeof(sub), "%s/raw", r.dir);
	mkdir(sub, 0755);
	chk_progress(&r, "report directory %s", r.dir);
	/* 2 x the largest ib_lat buffer (8 MiB bandwidth runs): ib_lat
	 * registers twice its largest message. */
	ret = chk_local_doc(16ll << 20, &r.local);
	if (ret) {
		BM_ERR("diagnosis of this node failed: %s", strerror(-ret));
		goto out;
	}
	hp = json_pack("{s:i,s:s}", "protocol", CHK_PROTO, "version",
		       NETROOF_VERSION);
	ptext = bm_params_text(hp);
	json_decref(hp);
	if (o->rank == 0)
		chk_progress(&r, "waiting for %d other node(s) on port %u%s",
			     o->nranks - 1, o->port, o->nranks == 2 ?
			     " (run `netroof check THIS_HOST` there)" : "");
	else
		chk_progress(&r, "connecting to %s port %u", o->host, o->port);
	ret = chk_net_open(o, ptext, &r.net);
	if (ret) {
		snprintf(r.err, sizeof(r.err), "bootstrap failed: %s",
			 bm_log_last_error() ? bm_log_last_error() :
			 strerror(-ret));
		goto out;
	}
	chk_progress(&r, "connected: %d node(s)", o->nranks);
	ret = o->rank == 0 ? chk_coordinate(&r) : worker(&r);
out:
	chk_job_kill(&r);
	if (ret < 0) {
		if (!r.err[0])
			snprintf(r.err, sizeof(r.err), "%s%s%s", r.cur[0] ?
				 r.cur : "", r.cur[0] ? ": " : "",
				 bm_log_last_error() ? bm_log_last_error() :
				 strerror(-ret));
		if (chk_stop_requested())
			snprintf(r.err, sizeof(r.err), "interrupted");
		chk_net_abort(r.net, r.err);
		BM_ERR("netroof check failed: %s (partial report in %s)", r.err,
		       r.dir);
		chk_write_partial(&r, r.err);
		ret = bm_exit_of(ret);
	}
	chk_net_close(r.net);
	chk_local_free(&r.local);
	json_decref(r.nodes);
	json_decref(r.steps);
	json_decref(r.pred);
	json_decref(r.builtin);
	if (r.done) {
		for (int i = 0; i < r.n; i++)
			json_decref(r.done[i]);
		free(r.done);
	}
	free(ptext);
	return ret;
}
