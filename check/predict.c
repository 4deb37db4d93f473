// SPDX-License-Identifier: MIT
/*
 * The prediction: sim predict per mode (single node; pp, tp and, for an
 * MoE model, ep over two nodes), over RoCE and over sockets, once with
 * sim's built-in link profiles and once with what this check measured
 * (--net: ib_lat's write rows set the RoCE link's one-way latency and
 * bandwidth, its TCP rows the socket link's; nccl_coll's 2-rank
 * --compare document sets both transports' collective curves). Beside
 * them, the reference report's measured tok/s where it has the cell.
 * sim is run as a program; a row that sim refuses keeps sim's reason.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "gitrev.h"
#include "hfconfig.h"

const char *chk_git_revision(void)
{
	return NETROOF_GITREV;
}

static const char *const trs[2] = { "roce", "socket" };

/* What a sim document says, compactly: tok/s, ms/token, the network it
 * used and each collective of a step with its bytes. */
static json_t *row_of(json_t *doc, const char *mode, const char *tr,
		      const char *source, const char *err)
{
	json_t *sum = json_object_get(doc, "summary");
	json_t *terms = json_array(), *t;
	size_t i;

	json_array_foreach(json_object_get(sum, "network_terms"), i, t) {
		if (!json_object_get(t, "op"))
			continue;	/* the link's facts, not a collective */
		json_array_append_new(terms, json_pack("{s:O,s:O,s:O,s:O,s:O}",
			"what", json_object_get(t, "what"), "op",
			json_object_get(t, "op"), "bytes",
			json_object_get(t, "bytes"), "count",
			json_object_get(t, "count"), "us",
			json_object_get(t, "us")));
	}
	return json_pack("{s:s,s:s,s:s,s:O,s:O,s:O,s:o,s:s?}", "mode", mode,
			 "transport", tr, "source", source, "tok_s",
			 json_object_get(sum, "tok_s") ?
			 json_object_get(sum, "tok_s") : json_null(),
			 "ms_per_token", json_object_get(sum, "ms_per_token") ?
			 json_object_get(sum, "ms_per_token") : json_null(),
			 "network", json_object_get(sum, "network") ?
			 json_object_get(sum, "network") : json_null(),
			 "terms", terms, "error", err);
}

static json_t *one(const struct chk_params *p, const char *sim,
		   const char *mode, const char *tr, const char *const *net,
		   int nnet, const char *source, chk_sim_fn run, void *arg)
{
	char ctx[32], why[512] = "";
	char *argv[32];
	json_t *doc, *row;
	int a = 0, i;

	snprintf(ctx, sizeof(ctx), "%ld", p->ctx);
	argv[a++] = (char *)sim;
	argv[a++] = "predict";
	argv[a++] = "--model";
	argv[a++] = (char *)p->model;
	argv[a++] = "--mode";
	argv[a++] = (char *)mode;
	argv[a++] = "--nodes";
	argv[a++] = strcmp(mode, "single") ? "2" : "1";
	if (tr) {
		argv[a++] = "--transport";
		argv[a++] = (char *)tr;
	}
	argv[a++] = "--ctx";
	argv[a++] = ctx;
	for (i = 0; i < nnet && a < 28; i++) {
		argv[a++] = "--net";
		argv[a++] = (char *)net[i];
	}
	argv[a] = NULL;
	doc = run(arg, argv, why, sizeof(why));
	row = row_of(doc, mode, tr ? tr : "none", source, doc ? NULL : why);
	if (row && nnet) {
		json_t *nf = json_array();

		for (i = 0; i < nnet; i++)
			json_array_append_new(nf, json_string(net[i]));
		json_object_set_new(row, "net_files", nf);
	}
	json_decref(doc);
	return row;
}

/* The measured rows of one mode and transport: the link files, and the
 * nccl_coll document beside them; if sim refuses the latter, without it
 * (the row says so). */
static json_t *measured(const struct chk_params *p, const char *sim,
			const char *mode, int t, const struct chk_netfiles *nf,
			chk_sim_fn run, void *arg)
{
	const char *net[3];
	int n = 0;
	json_t *row;

	if (nf->lat[t][0])
		net[n++] = nf->lat[t];
	if (nf->bw[t][0])
		net[n++] = nf->bw[t];
	if (!n)
		return NULL;
	if (nf->nccl && nf->nccl[0]) {
		net[n] = nf->nccl;
		row = one(p, sim, mode, trs[t], net, n + 1, "measured", run, arg);
		if (row && !json_is_null(json_object_get(row, "tok_s")))
			return row;
		json_decref(row);
	}
	return one(p, sim, mode, trs[t], net, n, "measured", run, arg);
}

static bool is_moe(const char *model)
{
	struct bm_hf hf;
	bool moe;

	if (bm_hf_load(model, 0, &hf))
		return true;	/* sim will say what is wrong with it */
	moe = hf.geom.experts > 0;
	bm_hf_free(&hf);
	return moe;
}

/* The next built-in row: the earlier table's (in the same order: single,
 * then each mode over both transports), else from sim. */
static json_t *builtin(json_t *earlier, size_t *k, const struct chk_params *p,
		       const char *sim, const char *mode, const char *tr,
		       chk_sim_fn run, void *arg)
{
	json_t *row = json_array_get(json_object_get(earlier, "rows"), (*k)++);

	if (row)
		return json_incref(row);
	return one(p, sim, mode, tr, NULL, 0, "built-in", run, arg);
}

json_t *chk_predict(const struct chk_params *p, const char *sim,
		    const struct chk_netfiles *nf, json_t *earlier,
		    chk_sim_fn run, void *arg)
{
	static const char *const modes[] = { "pp", "tp", "ep" };
	json_t *tab, *rows = json_array(), *inputs = json_object(), *ref;
	bool moe = is_moe(p->model);
	char src[PATH_MAX];
	size_t m, k = 0;
	int t;

	tab = json_pack("{s:s,s:I,s:b,s:o,s:o}", "model", p->model, "ctx",
			(json_int_t)p->ctx, "moe", moe, "rows", rows, "inputs",
			inputs);
	if (!tab)
		return NULL;
	ref = chk_reference(p->model, p->ctx, src, sizeof(src));
	json_object_set_new(tab, "reference", json_pack("{s:s,s:o}", "source",
			    src, "rows", ref ? ref : json_array()));
	if (!sim || !sim[0]) {
		json_object_set_new(tab, "why", json_string(
			p->skip & CHK_SKIP_PREDICT ? "--skip predict" :
			"sim not found next to netroof"));
		return tab;
	}
	json_array_append_new(rows, builtin(earlier, &k, p, sim, "single",
					    NULL, run, arg));
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		if (!strcmp(modes[m], "ep") && !moe)
			continue;	/* a dense model has no experts */
		for (t = 0; t < 2; t++) {
			json_t *row;

			json_array_append_new(rows, builtin(earlier, &k, p,
							    sim, modes[m],
							    trs[t], run, arg));
			if (!nf)
				continue;
			row = measured(p, sim, modes[m], t, nf, run, arg);
			if (row)
				json_array_append_new(rows, row);
		}
	}
	for (t = 0; nf && t < 2; t++)
		json_object_set_new(inputs, trs[t], json_pack("{s:s,s:s,s:s}",
			"latency", nf->lat[t], "bandwidth", nf->bw[t], "nccl",
			nf->nccl ? nf->nccl : ""));
	if (!nf)
		json_object_set_new(tab, "why", json_string(
			"built-in profiles only (nothing measured yet)"));
	return tab;
}

void chk_decode_sizes(json_t *pred, size_t *sizes, int max, int *n_p)
{
	json_t *row, *t;
	size_t i, k;
	int n = 0, j;

	json_array_foreach(json_object_get(pred, "rows"), i, row) {
		json_array_foreach(json_object_get(row, "terms"), k, t) {
			double b = json_number_value(json_object_get(t, "bytes"));
			size_t s = b > 0 ? (size_t)b : 0;
			bool have = false;

			for (j = 0; j < n; j++)
				have |= sizes[j] == s;
			if (!s || have || n >= max)
				continue;
			for (j = n; j > 0 && sizes[j - 1] > s; j--)
				sizes[j] = sizes[j - 1];
			sizes[j] = s;
			n++;
		}
	}
	*n_p = n;
}

/* ---- the reference report --------------------------------------------- */

#define REF_CSV "qwen3-coder-gb10-2node.csv"

static FILE *open_ref(char *src, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	FILE *f;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(src, len, "%s/../share/netroof/reference/%s",
				 self, REF_CSV);
			f = fopen(src, "r");
			if (f)
				return f;
		}
	}
	snprintf(src, len, "%s/results/vllm/%s", NETROOF_SOURCE_ROOT, REF_CSV);
	f = fopen(src, "r");
	if (!f)
		src[0] = '\0';
	return f;
}

json_t *chk_reference(const char *model, long ctx, char *src, size_t len)
{
	const char *base = strrchr(model, '/');
	char line[512], name[128];
	int col[8], ncol = 0;
	json_t *rows = json_array();
	FILE *f = open_ref(src, len);
	char *dot;

	snprintf(name, sizeof(name), "%s", base ? base + 1 : model);
	dot = strstr(name, ".json");
	if (dot)
		*dot = '\0';
	if (!f)
		return rows;
	while (fgets(line, sizeof(line), f)) {
		char *fld[16], *p = line, *tok;
		int nf = 0;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		while ((tok = strsep(&p, ",")) && nf < 16)
			fld[nf++] = tok;
		if (!ncol) {	/* the header: where our columns are */
			static const char *const want[] = {
				"model", "mode", "nodes", "transport", "spec",
				"length", "ctx", "tok_s" };
			int k, w;

			for (w = 0; w < 8; w++) {
				col[w] = -1;
				for (k = 0; k < nf; k++)
					if (!strcmp(fld[k], want[w]))
						col[w] = k;
				if (col[w] < 0)
					goto out;
			}
			ncol = nf;
			continue;
		}
		if (nf < ncol || strcmp(fld[col[0]], name) ||
		    strcmp(fld[col[4]], "none") || strcmp(fld[col[5]], "long") ||
		    atol(fld[col[6]]) != ctx)
			continue;
		json_array_append_new(rows, json_pack("{s:s,s:s,s:f}", "mode",
			fld[col[1]], "transport", fld[col[3]], "tok_s",
			atof(fld[col[7]])));
	}
out:
	fclose(f);
	return rows;
}
