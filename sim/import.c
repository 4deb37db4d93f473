// SPDX-License-Identifier: MIT
/*
 * sim import: the deployment (--deploy, and what a file records), files and
 * directories, the row set, rows as CSV columns (import.h).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bm.h"
#include "hfconfig.h"
#include "import.h"

static const char *const dkey_names[SIM_D_NR] = {
	[SIM_D_MODEL] = "model", [SIM_D_TP] = "tp", [SIM_D_PP] = "pp",
	[SIM_D_EP] = "ep", [SIM_D_NODES] = "nodes",
	[SIM_D_TRANSPORT] = "transport", [SIM_D_SPEC] = "spec",
	[SIM_D_CTX] = "ctx", [SIM_D_OUT] = "out", [SIM_D_BATCH] = "batch",
	[SIM_D_TTFT] = "ttft", [SIM_D_KV] = "kv",
};

const char *sim_deploy_keys(void)
{
	return "model tp pp ep nodes transport spec ctx out batch ttft kv";
}

bool sim_deploy_has(const struct sim_deploy *d, enum sim_dkey k)
{
	return d && (d->set & (1u << k));
}

const char *sim_spec_text(int spec_tokens, char *buf, size_t len)
{
	if (!spec_tokens)
		snprintf(buf, len, "none");
	else if (spec_tokens == 1)
		snprintf(buf, len, "eagle3");
	else
		snprintf(buf, len, "eagle3:%d", spec_tokens);
	return buf;
}

int sim_spec_parse(const char *s, int *k_p)
{
	long k = 1;

	if (!strcmp(s, "none")) {
		*k_p = 0;
		return 0;
	}
	if (strncmp(s, "eagle3", 6) || (s[6] && s[6] != ':'))
		return -EINVAL;
	if (s[6] && bm_parse_int(s + 7, 1, 16, &k))
		return -EINVAL;
	*k_p = (int)k;
	return 0;
}

bool sim_transport_ok(const char *s)
{
	return !strcmp(s, "roce") || !strcmp(s, "socket") ||
	       !strcmp(s, "roce-oneshot") || !strcmp(s, "none");
}

static bool kv_16bit(const char *kv)
{
	static const char *const ok[] = { "auto", "bfloat16", "bf16",
					  "float16", "fp16", "half" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(kv, ok[i]))
			return true;
	return false;
}

int sim_deploy_set(struct sim_deploy *d, const char *key, const char *val,
		   const char *from)
{
	const char *want = NULL;
	enum sim_dkey k;
	size_t sz;
	long l;

	for (k = 0; k < SIM_D_NR; k++)
		if (!strcmp(key, dkey_names[k]))
			break;
	if (k == SIM_D_NR) {
		BM_ERR("%s: unknown deployment key '%s' (keys: %s)", from, key,
		       sim_deploy_keys());
		return -EINVAL;
	}
	switch (k) {
	case SIM_D_MODEL:
		if (!*val || strlen(val) >= sizeof(d->model))
			want = "a netroof model name or config.json path";
		else
			snprintf(d->model, sizeof(d->model), "%s", val);
		break;
	case SIM_D_TP:
	case SIM_D_PP:
	case SIM_D_NODES:
	case SIM_D_BATCH:
		if (bm_parse_int(val, 1, k == SIM_D_BATCH ? 1L << 20 : 64, &l))
			want = k == SIM_D_BATCH ? "an integer >= 1" : "1..64";
		else if (k == SIM_D_TP)
			d->tp = (int)l;
		else if (k == SIM_D_PP)
			d->pp = (int)l;
		else if (k == SIM_D_NODES)
			d->nodes = (int)l;
		else
			d->batch = (int)l;
		break;
	case SIM_D_EP:
		if (!strcmp(val, "1") || !strcmp(val, "true"))
			d->ep = true;
		else if (!strcmp(val, "0") || !strcmp(val, "false"))
			d->ep = false;
		else
			want = "0|1";
		break;
	case SIM_D_TRANSPORT:
		if (!sim_transport_ok(val))
			want = "roce|socket|roce-oneshot|none";
		else
			snprintf(d->transport, sizeof(d->transport), "%s", val);
		break;
	case SIM_D_SPEC:
		if (sim_spec_parse(val, &d->spec_tokens))
			want = "none|eagle3|eagle3:K (K 1..16)";
		break;
	case SIM_D_CTX:
	case SIM_D_OUT:
		if (bm_parse_size(val, &sz) || (k == SIM_D_OUT && !sz))
			want = k == SIM_D_OUT ? "tokens >= 1 (K suffix ok)" :
			       "tokens >= 0 (K suffix ok)";
		else if (k == SIM_D_CTX)
			d->ctx = (double)sz;
		else
			d->out = (double)sz;
		break;
	case SIM_D_TTFT:
		if (bm_parse_double(val, &d->ttft_ms) || d->ttft_ms < 0)
			want = "milliseconds >= 0";
		break;
	case SIM_D_KV:
		if (!*val || strlen(val) >= sizeof(d->kv))
			want = "a vLLM kv-cache dtype";
		else
			snprintf(d->kv, sizeof(d->kv), "%s", val);
		break;
	case SIM_D_NR:
		break;
	}
	if (want) {
		BM_ERR("%s: invalid %s '%s' (%s)", from, key, val, want);
		return -EINVAL;
	}
	d->set |= 1u << k;
	snprintf(d->from[k], sizeof(d->from[k]), "%s", from);
	return 0;
}

int sim_deploy_parse(const char *text, struct sim_deploy *d)
{
	char *copy = strdup(text), *tok, *save = NULL, *eq;
	int ret = 0;

	memset(d, 0, sizeof(*d));
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " \t,", &save); tok && !ret;
	     tok = strtok_r(NULL, " \t,", &save)) {
		eq = strchr(tok, '=');
		if (!eq) {
			BM_ERR("--deploy: '%s' is not KEY=VALUE (keys: %s)",
			       tok, sim_deploy_keys());
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		ret = sim_deploy_set(d, tok, eq + 1, "--deploy");
	}
	free(copy);
	return ret;
}

/* The value of key k as text, for messages. */
static const char *dval(const struct sim_deploy *d, enum sim_dkey k,
			char *buf, size_t len)
{
	switch (k) {
	case SIM_D_MODEL: snprintf(buf, len, "%s", d->model); break;
	case SIM_D_TP: snprintf(buf, len, "%d", d->tp); break;
	case SIM_D_PP: snprintf(buf, len, "%d", d->pp); break;
	case SIM_D_EP: snprintf(buf, len, "%d", d->ep); break;
	case SIM_D_NODES: snprintf(buf, len, "%d", d->nodes); break;
	case SIM_D_TRANSPORT: snprintf(buf, len, "%s", d->transport); break;
	case SIM_D_SPEC: sim_spec_text(d->spec_tokens, buf, len); break;
	case SIM_D_CTX: snprintf(buf, len, "%g", d->ctx); break;
	case SIM_D_OUT: snprintf(buf, len, "%g", d->out); break;
	case SIM_D_BATCH: snprintf(buf, len, "%d", d->batch); break;
	case SIM_D_TTFT: snprintf(buf, len, "%g ms", d->ttft_ms); break;
	case SIM_D_KV: snprintf(buf, len, "%s", d->kv); break;
	case SIM_D_NR: snprintf(buf, len, "?"); break;
	}
	return buf;
}

static bool close_to(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

static bool dsame(const struct sim_deploy *a, const struct sim_deploy *b,
		  enum sim_dkey k)
{
	switch (k) {
	case SIM_D_MODEL: return !strcmp(a->model, b->model);
	case SIM_D_TP: return a->tp == b->tp;
	case SIM_D_PP: return a->pp == b->pp;
	case SIM_D_EP: return a->ep == b->ep;
	case SIM_D_NODES: return a->nodes == b->nodes;
	case SIM_D_TRANSPORT: return !strcmp(a->transport, b->transport);
	case SIM_D_SPEC: return a->spec_tokens == b->spec_tokens;
	case SIM_D_CTX: return close_to(a->ctx, b->ctx);
	case SIM_D_OUT: return close_to(a->out, b->out);
	case SIM_D_BATCH: return a->batch == b->batch;
	case SIM_D_TTFT: return close_to(a->ttft_ms, b->ttft_ms);
	case SIM_D_KV: return !strcmp(a->kv, b->kv);
	case SIM_D_NR: break;
	}
	return true;
}

static void dcopy(struct sim_deploy *to, const struct sim_deploy *from,
		  enum sim_dkey k)
{
	switch (k) {
	case SIM_D_MODEL: memcpy(to->model, from->model, sizeof(to->model));
		break;
	case SIM_D_TP: to->tp = from->tp; break;
	case SIM_D_PP: to->pp = from->pp; break;
	case SIM_D_EP: to->ep = from->ep; break;
	case SIM_D_NODES: to->nodes = from->nodes; break;
	case SIM_D_TRANSPORT:
		memcpy(to->transport, from->transport, sizeof(to->transport));
		break;
	case SIM_D_SPEC: to->spec_tokens = from->spec_tokens; break;
	case SIM_D_CTX: to->ctx = from->ctx; break;
	case SIM_D_OUT: to->out = from->out; break;
	case SIM_D_BATCH: to->batch = from->batch; break;
	case SIM_D_TTFT: to->ttft_ms = from->ttft_ms; break;
	case SIM_D_KV: memcpy(to->kv, from->kv, sizeof(to->kv)); break;
	case SIM_D_NR: break;
	}
	to->set |= 1u << k;
	memcpy(to->from[k], from->from[k], sizeof(to->from[k]));
}

/* Is name one of the named models (quietly: bm_hf_find prints)? */
static bool named_model(const char *name)
{
	char path[PATH_MAX];

	return !strchr(name, '/') && !bm_hf_lookup(name, path, sizeof(path));
}

static int resolve_model(const struct sim_deploy *d, const char *src,
			 struct sim_mrow *r)
{
	char list[2048] = "";
	struct stat st;

	if (sim_deploy_has(d, SIM_D_MODEL)) {
		if (!named_model(d->model) && stat(d->model, &st)) {
			bm_hf_list(list, sizeof(list));
			BM_ERR("%s: model '%s' (%s) is neither a netroof model "
			       "(%s) nor a config.json path", src, d->model,
			       d->from[SIM_D_MODEL], list);
			return -EINVAL;
		}
		snprintf(r->model, sizeof(r->model), "%s", d->model);
		return 0;
	}
	if (d->bench_model[0] && named_model(d->bench_model)) {
		snprintf(r->model, sizeof(r->model), "%.*s",
			 (int)sizeof(r->model) - 1, d->bench_model);
		return 0;
	}
	bm_hf_list(list, sizeof(list));
	if (d->bench_model[0])
		BM_ERR("%s: model: the file names '%s' (%s), which is not a "
		       "netroof model; say which with --deploy model=NAME "
		       "(serve: --metadata netroof_model=NAME); named: %s", src,
		       d->bench_model, d->bench_model_from, list);
	else
		BM_ERR("%s: model missing: give --deploy model=NAME (named: "
		       "%s)", src, list);
	return -EINVAL;
}

/* mode and nodes from tp, pp, ep (vLLM's defaults when unset: tp 1, pp 1,
 * ep off; at least one of tp, pp, nodes must be known). sim's hardware is
 * GB10: one GPU per node, so nodes = tp x pp. */
static int resolve_mode(const struct sim_deploy *d, const char *src,
			struct sim_mrow *r)
{
	int tp = sim_deploy_has(d, SIM_D_TP) ? d->tp : 1;
	int pp = sim_deploy_has(d, SIM_D_PP) ? d->pp : 1;

	if (!sim_deploy_has(d, SIM_D_TP) && !sim_deploy_has(d, SIM_D_PP) &&
	    !(sim_deploy_has(d, SIM_D_NODES) && d->nodes == 1)) {
		BM_ERR("%s: tp missing: the file does not record how the model "
		       "was split; give --deploy tp=N [pp=N ep=0|1] (serve: "
		       "--metadata netroof_tp=N ...)", src);
		return -EINVAL;
	}
	if (tp > 1 && pp > 1) {
		BM_ERR("%s: tp=%d with pp=%d: sim models one of PP, TP, EP at a "
		       "time", src, tp, pp);
		return -EINVAL;
	}
	if (d->ep && pp > 1) {
		BM_ERR("%s: expert parallel with pp=%d: sim models EP over the "
		       "TP group only", src, pp);
		return -EINVAL;
	}
	r->nodes = tp * pp;
	if (sim_deploy_has(d, SIM_D_NODES) && d->nodes != r->nodes) {
		BM_ERR("%s: nodes=%d (%s) but tp x pp = %d: sim's GB10 has one "
		       "GPU per node", src, d->nodes, d->from[SIM_D_NODES],
		       r->nodes);
		return -EINVAL;
	}
	if (r->nodes == 1)
		r->mode = SIM_SINGLE;	/* EP over one rank is no EP */
	else if (pp > 1)
		r->mode = SIM_PP;
	else
		r->mode = d->ep ? SIM_EP : SIM_TP;
	return 0;
}

void sim_mrow_set_out(struct sim_mrow *r, double out_tokens)
{
	r->out_tokens = out_tokens;
	r->length = SIM_LEN_LONG;	/* unused while out_tokens > 0 */
	snprintf(r->length_txt, sizeof(r->length_txt), "%.15g", out_tokens);
}

int sim_mrow_check(const struct sim_mrow *r)
{
	const char *bad = NULL;

	if (!(r->ctx >= 0 && r->ctx <= SIM_TOKENS_MAX))
		bad = "ctx (context tokens) not in 0..1e8";
	else if (r->out_tokens && !(r->out_tokens >= 1 &&
				    r->out_tokens <= SIM_TOKENS_MAX))
		bad = "output tokens per request not in 1..1e8";
	else if (!(r->tok_s > 0 && isfinite(r->tok_s)))
		bad = "tok/s not a finite number > 0";
	if (!bad)
		return 0;
	BM_ERR("%s: %s (ctx %g, output %g, tok/s %g)", r->where, bad, r->ctx,
	       r->out_tokens, r->tok_s);
	return -EINVAL;
}

int sim_deploy_resolve(const struct sim_deploy *rec,
		       const struct sim_deploy *user, struct sim_mrow *r)
{
	const char *src = r->where;
	struct sim_deploy d = *rec;
	char a[128], b[128];
	enum sim_dkey k;
	int ret;

	for (k = 0; k < SIM_D_NR; k++) {
		if (!sim_deploy_has(user, k))
			continue;
		if (sim_deploy_has(rec, k) && !dsame(rec, user, k)) {
			BM_ERR("%s: %s: the file records %s (%s) but --deploy "
			       "says %s", src, dkey_names[k],
			       dval(rec, k, a, sizeof(a)), rec->from[k],
			       dval(user, k, b, sizeof(b)));
			return -EINVAL;
		}
		dcopy(&d, user, k);
	}
	ret = resolve_model(&d, src, r);
	if (!ret)
		ret = resolve_mode(&d, src, r);
	if (ret)
		return ret;
	if (r->mode == SIM_SINGLE) {
		snprintf(r->transport, sizeof(r->transport), "none");
	} else if (!sim_deploy_has(&d, SIM_D_TRANSPORT) ||
		   !strcmp(d.transport, "none")) {
		BM_ERR("%s: transport %s: vLLM does not record the NCCL "
		       "transport of a %d-node run; give --deploy "
		       "transport=roce|socket (serve: --metadata "
		       "netroof_transport=...)", src,
		       sim_deploy_has(&d, SIM_D_TRANSPORT) ? "none is for one node" :
		       "missing", r->nodes);
		return -EINVAL;
	} else {
		snprintf(r->transport, sizeof(r->transport), "%s",
			 d.transport);
	}
	if (!sim_deploy_has(&d, SIM_D_SPEC)) {
		BM_ERR("%s: spec missing: the file does not say whether "
		       "speculative decoding was on; give --deploy "
		       "spec=none|eagle3:K (serve: --metadata netroof_spec=...)",
		       src);
		return -EINVAL;
	}
	r->spec_tokens = d.spec_tokens;
	if (!sim_deploy_has(&d, SIM_D_CTX)) {
		BM_ERR("%s: ctx missing (the prompt length): give --deploy "
		       "ctx=TOKENS", src);
		return -EINVAL;
	}
	r->ctx = d.ctx;
	if (!sim_deploy_has(&d, SIM_D_OUT)) {
		BM_ERR("%s: out missing (output tokens per request): give "
		       "--deploy out=TOKENS", src);
		return -EINVAL;
	}
	sim_mrow_set_out(r, d.out);
	if (sim_deploy_has(&d, SIM_D_BATCH) && d.batch != 1) {
		BM_ERR("%s: batch %d (%s): sim models batch 1", src, d.batch,
		       d.from[SIM_D_BATCH]);
		return -EINVAL;
	}
	if (sim_deploy_has(&d, SIM_D_KV) && !kv_16bit(d.kv)) {
		BM_ERR("%s: kv-cache dtype %s (%s): sim models a 16-bit KV "
		       "cache", src, d.kv, d.from[SIM_D_KV]);
		return -EINVAL;
	}
	return 0;
}

int sim_mset_add(struct sim_mset *set, const char *path,
		 struct sim_mrow **r_p)
{
	struct sim_mrow *rows;
	int cap;

	if (set->n >= SIM_MROW_MAX) {
		BM_ERR("%s: more than %d measured rows", path, SIM_MROW_MAX);
		return -EINVAL;
	}
	if (set->n == set->cap) {
		cap = set->cap ? set->cap * 2 : 64;
		rows = realloc(set->rows, (size_t)cap * sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		set->rows = rows;
		set->cap = cap;
	}
	*r_p = &set->rows[set->n++];
	memset(*r_p, 0, sizeof(**r_p));
	return 0;
}

void sim_mset_free(struct sim_mset *set)
{
	int i;

	for (i = 0; i < set->n; i++)
		json_decref(set->rows[i].extra);
	free(set->rows);
	memset(set, 0, sizeof(*set));
}

static int read_all(const char *path, char **buf_p, size_t *len_p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *m;
	char chunk[8192];
	size_t got;
	int ret = 0;

	if (!f) {
		ret = errno == ENOENT ? -ENOENT : -errno;
		BM_ERR("%s: cannot read: %s", path, strerror(-ret));
		return ret;
	}
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return -ENOMEM;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, got, m);
	if (ferror(f)) {
		ret = -EIO;
		BM_ERR("%s: read error", path);
	}
	fclose(f);
	if (fclose(m) && !ret)
		ret = -ENOMEM;
	if (ret) {
		free(buf);
		return ret;
	}
	*buf_p = buf;
	*len_p = len;
	return 0;
}

static size_t skip_space(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
			   s[i] == '\r'))
		i++;
	return i;
}

/* One JSON value, or several (vllm bench serve --append-result writes
 * one object per line). */
static int import_json(const char *path, const char *buf, size_t len,
		       const struct sim_deploy *user, struct sim_mset *set)
{
	json_t *vals = json_array(), *v;
	json_error_t err;
	size_t off = skip_space(buf, 0, len), i, nv;
	int ret = 0;

	if (!vals)
		return -ENOMEM;
	while (off < len) {
		v = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK,
			       &err);
		if (!v) {
			int at = 1;

			for (i = 0; i < off; i++)
				at += buf[i] == '\n';
			BM_ERR("%s:%d: malformed JSON: %s", path,
			       at + err.line - 1, err.text);
			ret = -EINVAL;
			goto out;
		}
		json_array_append_new(vals, v);
		off = skip_space(buf, off + (size_t)err.position, len);
	}
	nv = json_array_size(vals);
	for (i = 0; i < nv && !ret; i++)
		ret = sim_read_json(path, json_array_get(vals, i),
				    nv > 1 ? (int)i + 1 : 0, user, set);
out:
	json_decref(vals);
	return ret;
}

int sim_import_buf(const char *path, const char *buf, size_t len,
		   const struct sim_deploy *user, struct sim_mset *set)
{
	size_t first = skip_space(buf, 0, len);
	int n0 = set->n, ret;

	if (first == len) {
		BM_ERR("%s: empty file", path);
		return -EINVAL;
	}
	if (buf[first] == '{' || buf[first] == '[') {
		ret = import_json(path, buf, len, user, set);
	} else {
		if (user && user->set)
			BM_WARN("%s: --deploy does not apply to CSV rows (they "
				"say their deployment)", path);
		ret = sim_read_csv(path, buf, len, set);
	}
	if (!ret && set->n > n0)
		set->files++;
	return ret;
}

static int import_file(const char *path, const struct sim_deploy *user,
		       struct sim_mset *set)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = read_all(path, &buf, &len);
	if (ret)
		return ret;
	ret = sim_import_buf(path, buf, len, user, set);
	free(buf);
	return ret;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* NAME.pytorch.json next to NAME.json: the latency file's sidecar, read
 * with it. */
static bool is_sidecar(const char *dir, const char *name)
{
	char main_path[4096];
	struct stat st;
	int n;

	if (!ends_with(name, ".pytorch.json"))
		return false;
	n = snprintf(main_path, sizeof(main_path), "%s/%.*s.json", dir,
		     (int)(strlen(name) - strlen(".pytorch.json")), name);
	return n < (int)sizeof(main_path) && !stat(main_path, &st);
}

static int import_dir(const char *dir, const struct sim_deploy *user,
		      struct sim_mset *set)
{
	struct dirent **ents = NULL;
	char path[4096];
	struct stat st;
	int n, i, ret = 0, n0 = set->n;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		ret = -errno;
		BM_ERR("%s: cannot list: %s", dir, strerror(errno));
		return ret;
	}
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (ret || name[0] == '.' ||
		    !(ends_with(name, ".json") || ends_with(name, ".jsonl") ||
		      ends_with(name, ".csv")) || is_sidecar(dir, name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		ret = import_file(path, user, set);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (!ret && set->n == n0) {
		BM_ERR("%s: no measured rows (no *.json, *.jsonl or *.csv "
		       "file with any)", dir);
		ret = -EINVAL;
	}
	return ret;
}

int sim_import_path(const char *path, const struct sim_deploy *user,
		    struct sim_mset *set)
{
	struct stat st;

	if (stat(path, &st)) {
		BM_ERR("%s: %s", path, strerror(errno));
		return -ENOENT;
	}
	if (S_ISDIR(st.st_mode))
		return import_dir(path, user, set);
	return import_file(path, user, set);
}

json_t *sim_mrow_json(const struct sim_mrow *r, const json_t *keys)
{
	json_t *o = json_object(), *v;
	const char *key;
	char spec[32];
	size_t i;

	json_object_set_new(o, "model", json_string(r->model));
	json_object_set_new(o, "mode", json_string(sim_mode_name(r->mode)));
	json_object_set_new(o, "nodes", json_integer(r->nodes));
	json_object_set_new(o, "transport", json_string(r->transport));
	json_object_set_new(o, "spec", json_string(
		sim_spec_text(r->spec_tokens, spec, sizeof(spec))));
	/* whole numbers as integers: the casts are defined in 0..1e8, what
	 * sim_mrow_check lets through */
	if (r->out_tokens > 0 && r->out_tokens <= SIM_TOKENS_MAX &&
	    r->out_tokens == floor(r->out_tokens))
		json_object_set_new(o, "length",
				    json_integer((json_int_t)r->out_tokens));
	else if (r->out_tokens > 0)
		json_object_set_new(o, "length", json_real(r->out_tokens));
	else
		json_object_set_new(o, "length",
				    json_string(sim_length_name(r->length)));
	if (fabs(r->ctx) <= SIM_TOKENS_MAX && r->ctx == floor(r->ctx))
		json_object_set_new(o, "ctx", json_integer((json_int_t)r->ctx));
	else
		json_object_set_new(o, "ctx", json_real(r->ctx));
	json_object_set_new(o, "tok_s", json_real(r->tok_s));
	json_object_set_new(o, "source", json_string(r->source));
	json_object_set_new(o, "tok_s_from", json_string(r->how));
	if (!keys) {
		json_object_foreach(r->extra, key, v)
			json_object_set(o, key, v);
		return o;
	}
	for (i = 0; i < json_array_size(keys); i++) {
		key = json_string_value(json_array_get(keys, i));
		v = r->extra ? json_object_get(r->extra, key) : NULL;
		json_object_set_new(o, key, v ? json_incref(v) : json_null());
	}
	return o;
}

const char *sim_import_help(void)
{
	return
"Measured files (told apart by their content, not their names):\n"
"  netroof CSV   model,mode,nodes,transport,spec,length,ctx,tok_s[,source,\n"
"                tok_s_from,...]; length: short|medium|long or output tokens\n"
"  vllm-latency  vllm bench latency --output-json F.json, and F.pytorch.json\n"
"                when there (SAVE_TO_PYTORCH_BENCHMARK_FORMAT=1: the args);\n"
"                tok/s = output_len/avg_latency (prefill included), or with\n"
"                --deploy ttft=MS (output_len-1)/(avg_latency-ttft)\n"
"  vllm-serve    vllm bench serve --save-result [--append-result] with\n"
"                --max-concurrency 1: tok/s = 1000/median_tpot_ms; the other\n"
"                TPOT, ITL and TTFT figures are kept as columns\n"
"  llama-benchy  llama-benchy --format json: runs at concurrency 1, tok/s =\n"
"                tg_throughput.mean (SSE chunks/s after the first)\n"
"  DIR           every *.json, *.jsonl and *.csv in it (not recursive)\n"
"Schemas read from vLLM's benchmarks/{latency,serve}.py and lib/utils.py at\n"
"v0.16.0 and on main of 2025-09-30 (~v0.11), 2025-12-12 and 2026-01-23 (the\n"
"keys used are the same in all); llama-benchy v0.2.0 to v0.3.0.\n"
"Deployment: what the file records (latency: the args tensor_parallel_size,\n"
"pipeline_parallel_size, enable_expert_parallel, speculative_config,\n"
"kv_cache_dtype, input_len, output_len, batch_size; serve: the spec_decode_*\n"
"counters and --metadata netroof_KEY=VALUE for KEY model, tp, pp, ep,\n"
"nodes, transport, spec, kv), else --deploy \"KEY=VALUE ...\":\n"
"  model=NAME    netroof model or config.json path (default: the file's model\n"
"                when that is a netroof model name)\n"
"  tp=N pp=N     vLLM's parallel sizes (unset: 1; give one, or nodes=1)\n"
"  ep=0|1        --enable-expert-parallel (unset: 0)\n"
"  nodes=N       a check: GB10 has one GPU per node, so nodes = tp x pp\n"
"  transport=T   roce|socket|roce-oneshot (vLLM does not record it)\n"
"  spec=S        none|eagle3[:K]\n"
"  ctx=C         prompt tokens (the KV cache when decode starts)\n"
"  out=N         output tokens per request\n"
"  batch=N       latency: batch_size (sim: 1)\n"
"  ttft=MS       latency: the prefill time to take out\n"
"  kv=DTYPE      kv-cache dtype (sim: 16 bit)\n"
"Both given and different, or needed and given by neither: exit 2, naming\n"
"the field.\n";
}
