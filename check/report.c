// SPDX-License-Identifier: MIT
/*
 * The report directory and its text: report.json (the whole document:
 * every node's diagnosis, every step with its tool's own JSON document,
 * the checks, the prediction), report.md (the verdict, the prediction
 * table, the steps, what each node found) and report.html (html.c).
 * Every file goes through bm_file: a report is never overwritten, and a
 * file is written whole or not at all.
 * The same document gives the same files on every node.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "out.h"
#include "report.h"
#include "steps.h"

int chk_outdir_make(const char *outdir, char *path, size_t len)
{
	char host[128] = "", when[32];
	time_t now = time(NULL);
	int i;

	if (outdir) {
		snprintf(path, len, "%s", outdir);
		if (!mkdir(path, 0755))
			return 0;
		BM_ERR("cannot make the report directory %s: %s%s", path,
		       strerror(errno), errno == EEXIST ?
		       " (a report is never overwritten: pick another -o)" : "");
		return errno == EEXIST ? -EEXIST : -errno;
	}
	gethostname(host, sizeof(host) - 1);
	for (i = 0; host[i]; i++)
		if (host[i] == '/')
			host[i] = '_';
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", gmtime(&now));
	for (i = 0; i < 100; i++) {
		if (i)
			snprintf(path, len, "netroof-check-%s-%s.%d", host, when,
				 i);
		else
			snprintf(path, len, "netroof-check-%s-%s", host, when);
		if (!mkdir(path, 0755))
			return 0;
		if (errno != EEXIST)
			break;
	}
	BM_ERR("cannot make the report directory %s: %s", path,
	       strerror(errno));
	return -errno;
}

struct bm_file *chk_create(const char *dir, const char *name)
{
	struct bm_file *bf;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bm_file_open(path, "report", &bf) ? NULL : bf;
}

/* ---- helpers shared with html.c ---------------------------------------- */

const char *chk_js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

double chk_jn(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

/* tok/s of the prediction row (mode, transport, source), NAN if none. */
double chk_pred(json_t *rep, const char *mode, const char *tr,
		const char *source)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(rep, "prediction"),
					   "rows"), i, r)
		if (!strcmp(chk_js(r, "mode"), mode) &&
		    !strcmp(chk_js(r, "transport"), tr) &&
		    !strcmp(chk_js(r, "source"), source) &&
		    json_is_number(json_object_get(r, "tok_s")))
			return chk_jn(r, "tok_s");
	return NAN;
}

double chk_ref(json_t *rep, const char *mode, const char *tr)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(json_object_get(rep,
				"prediction"), "reference"), "rows"), i, r)
		if (!strcmp(chk_js(r, "mode"), mode) &&
		    (!strcmp(chk_js(r, "transport"), tr) ||
		     !strcmp(mode, "single")))
			return chk_jn(r, "tok_s");
	return NAN;
}

int chk_pred_cells(json_t *rep, struct chk_pred_cell *c, int max)
{
	static const char *const modes[] = { "single", "pp", "tp", "ep" };
	static const char *const trs[] = { "roce", "socket" };
	int m, t, n = 0;

	for (m = 0; m < 4; m++) {
		for (t = 0; t < (m ? 2 : 1) && n < max; t++) {
			const char *tr = m ? trs[t] : "none";
			struct chk_pred_cell x = {
				modes[m], tr,
				chk_pred(rep, modes[m], tr, "measured"),
				chk_pred(rep, modes[m], tr, "built-in"),
				chk_ref(rep, modes[m], tr),
			};

			if (!isnan(x.measured) || !isnan(x.builtin))
				c[n++] = x;
		}
	}
	return n;
}

/* ---- the pairwise matrix ------------------------------------------------ */

static double median(double *v, int n)
{
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n ? (n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

/* A node's host name, with its rank where two nodes share the name
 * (several ranks on one host: a loopback test, or a launcher that put
 * two tasks on a node). */
void chk_node_name(json_t *nodes, int r, char *buf, size_t len)
{
	const char *h = chk_js(json_array_get(nodes, (size_t)r), "name");
	json_t *n;
	size_t i;
	int same = 0;

	json_array_foreach(nodes, i, n)
		same += !strcmp(chk_js(n, "name"), h);
	if (same > 1)
		snprintf(buf, len, "%s/%d", h, r);
	else
		snprintf(buf, len, "%s", h);
}

/* An outlier: one-way latency above 1.5 x the median, or bandwidth below
 * the median / 1.5 (one bad cable or port stands out; a uniform fabric
 * has none). */
#define OUTLIER 1.5

void chk_pairs_matrix(json_t *rep)
{
	json_t *nodes = json_object_get(rep, "nodes"), *s, *mat, *out;
	size_t n = json_array_size(nodes), i;
	const char *probe = "rdma_probe", *bwk = "rdma_bw";
	double lat[CHK_MAX_NODES * 4], bw[CHK_MAX_NODES * 4];
	double tmp[CHK_MAX_NODES * 4];
	double ml, mb;
	int np = 0, nb = 0, k;

	if (n < 3)
		return;
	json_array_foreach(json_object_get(rep, "steps"), i, s)
		if (!strcmp(chk_js(s, "kind"), "rdma_probe") &&
		    !strcmp(chk_js(s, "status"), "ok"))
			np++;
	if (!np) {
		probe = "tcp_probe";
		bwk = "tcp_bw";
	}
	mat = json_array();
	np = 0;
	json_array_foreach(json_object_get(rep, "steps"), i, s) {
		json_t *p = json_object_get(s, "pair");
		int a = (int)json_integer_value(json_array_get(p, 0));
		int b = (int)json_integer_value(json_array_get(p, 1));
		json_t *cell = NULL, *c;
		size_t j;

		if (strcmp(chk_js(s, "kind"), probe) &&
		    strcmp(chk_js(s, "kind"), bwk))
			continue;
		json_array_foreach(mat, j, c)
			if (json_integer_value(json_object_get(c, "a")) == a &&
			    json_integer_value(json_object_get(c, "b")) == b)
				cell = c;
		if (!cell) {
			char ha[160], hb[160];

			chk_node_name(nodes, a, ha, sizeof(ha));
			chk_node_name(nodes, b, hb, sizeof(hb));
			cell = json_pack("{s:i,s:i,s:s,s:s}", "a", a, "b", b,
					 "host_a", ha, "host_b", hb);
			json_array_append_new(mat, cell);
		}
		if (!strcmp(chk_js(s, "kind"), probe)) {
			double l = chk_doc_lat(json_object_get(s, "doc"), 0);

			if (l > 0 && np < CHK_MAX_NODES * 4)
				lat[np++] = l;
			json_object_set_new(cell, "lat_us", l > 0 ?
					    json_real(l) : json_null());
		} else {
			double b2 = chk_doc_bw(json_object_get(s, "doc"), NULL);

			if (b2 > 0 && json_is_number(json_object_get(cell,
								     "bw_gbps")))
				b2 = fmax(b2, chk_jn(cell, "bw_gbps"));
			if (b2 > 0)
				json_object_set_new(cell, "bw_gbps",
						    json_real(b2));
		}
	}
	json_array_foreach(mat, i, s)
		if (json_is_number(json_object_get(s, "bw_gbps")) &&
		    nb < CHK_MAX_NODES * 4)
			bw[nb++] = chk_jn(s, "bw_gbps");
	memcpy(tmp, lat, sizeof(double) * (size_t)np);
	ml = median(tmp, np);
	memcpy(tmp, bw, sizeof(double) * (size_t)nb);
	mb = median(tmp, nb);
	out = json_array();
	json_array_foreach(mat, i, s) {
		char why[256];
		bool bad = false;

		why[0] = '\0';
		if (json_is_number(json_object_get(s, "lat_us")) && ml > 0 &&
		    chk_jn(s, "lat_us") > OUTLIER * ml) {
			snprintf(why, sizeof(why), "%s - %s: one-way %.2f us, "
				 "%.1f x the median %.2f us", chk_js(s, "host_a"),
				 chk_js(s, "host_b"), chk_jn(s, "lat_us"),
				 chk_jn(s, "lat_us") / ml, ml);
			bad = true;
		}
		if (json_is_number(json_object_get(s, "bw_gbps")) && mb > 0 &&
		    chk_jn(s, "bw_gbps") * OUTLIER < mb) {
			k = (int)strlen(why);
			snprintf(why + k, sizeof(why) - (size_t)k, "%s%s - %s: "
				 "%.3f GB/s against the median %.3f", k ? "; " :
				 "", chk_js(s, "host_a"), chk_js(s, "host_b"),
				 chk_jn(s, "bw_gbps"), mb);
			bad = true;
		}
		json_object_set_new(s, "outlier", json_boolean(bad));
		if (bad)
			json_array_append_new(out, json_string(why));
	}
	json_object_set_new(rep, "pairs", json_pack("{s:s,s:i,s:f,s:f,s:o,s:o}",
		"transport", probe[0] == 'r' ? "RDMA write" : "TCP", "npairs",
		(int)json_array_size(mat), "median_us", ml, "median_gbps", mb,
		"cells", mat, "outliers", out));
}

/* ---- text ---------------------------------------------------------- */

static void pred_cell(FILE *f, double v, int w)
{
	if (isnan(v))
		fprintf(f, " %*s", w, "-");
	else
		fprintf(f, " %*.1f", w, v);
}

static void prediction_text(json_t *rep, FILE *f, bool md)
{
	json_t *p = json_object_get(rep, "prediction");
	struct chk_pred_cell c[8];
	int n, i;

	if (!p || json_is_null(p))
		return;
	fprintf(f, "\n%s prediction: %s, context %lld (tok/s, batch 1)\n\n",
		md ? "##" : "#", chk_js(p, "model"),
		json_integer_value(json_object_get(p, "ctx")));
	if (json_object_get(p, "pair"))
		fprintf(f, "over the slowest pair, %s - %s\n\n",
			json_string_value(json_array_get(json_object_get(p, "pair"),
							 0)),
			json_string_value(json_array_get(json_object_get(p, "pair"),
							 1)));
	if (md)
		fprintf(f, "| mode | transport | measured link | built-in profile "
			"| reference report |\n|---|---|---:|---:|---:|\n");
	else
		fprintf(f, "%-7s %-9s %14s %17s %17s\n", "mode", "transport",
			"measured link", "built-in profile", "reference report");
	n = chk_pred_cells(rep, c, 8);
	for (i = 0; i < n; i++) {
		const char *tr = strcmp(c[i].tr, "none") ? c[i].tr : "-";

		if (md) {
			fprintf(f, "| %s | %s |", c[i].mode, tr);
			pred_cell(f, c[i].measured, 0);
			fprintf(f, " |");
			pred_cell(f, c[i].builtin, 0);
			fprintf(f, " |");
			pred_cell(f, c[i].ref, 0);
			fprintf(f, " |\n");
		} else {
			fprintf(f, "%-7s %-9s", c[i].mode, tr);
			pred_cell(f, c[i].measured, 14);
			pred_cell(f, c[i].builtin, 17);
			pred_cell(f, c[i].ref, 17);
			fputc('\n', f);
		}
	}
	if (chk_js(p, "why")[0])
		fprintf(f, "%s%s\n", md ? "\n" : "# ", chk_js(p, "why"));
	fprintf(f, "%smeasured link: sim predict --net with this check's "
		"ib_lat documents (RoCE: RDMA write one-way latency and "
		"bandwidth; socket: TCP); reference: %s\n", md ? "\n" : "# ",
		chk_js(json_object_get(p, "reference"), "source")[0] ?
		chk_js(json_object_get(p, "reference"), "source") :
		"not found");
}

static void pairs_text(json_t *rep, FILE *f, bool md)
{
	json_t *pm = json_object_get(rep, "pairs"), *c;
	size_t i;

	if (!pm)
		return;
	fprintf(f, "\n%s pairs (%s one-way p50, bandwidth)\n\n", md ? "##" : "#",
		chk_js(pm, "transport"));
	json_array_foreach(json_object_get(pm, "cells"), i, c)
		fprintf(f, "%s%-20s %-20s %10.2f us %10.3f GB/s%s\n",
			md ? "    " : "", chk_js(c, "host_a"), chk_js(c, "host_b"),
			chk_jn(c, "lat_us"), chk_jn(c, "bw_gbps"),
			json_is_true(json_object_get(c, "outlier")) ?
			"  OUTLIER" : "");
}

void chk_report_text(json_t *rep, FILE *f, bool md)
{
	json_t *v = json_object_get(rep, "verdict"), *c, *s, *n, *x;
	size_t i, k;

	fprintf(f, "%s netroof check: ", md ? "#" : "#");
	json_array_foreach(json_object_get(rep, "nodes"), i, n)
		fprintf(f, "%s%s", i ? " - " : "", chk_js(n, "name"));
	fprintf(f, ", %s\n\n", chk_js(json_object_get(rep, "meta"),
				      "time_utc"));
	if (json_object_get(rep, "error") &&
	    !json_is_null(json_object_get(rep, "error")))
		fprintf(f, "ERROR: %s\n\n", chk_js(rep, "error"));
	fprintf(f, "verdict: %lld PASS, %lld WARN, %lld FAIL, %lld SKIP (exit "
		"%lld)\n\n", json_integer_value(json_object_get(v, "pass")),
		json_integer_value(json_object_get(v, "warn")),
		json_integer_value(json_object_get(v, "fail")),
		json_integer_value(json_object_get(v, "skip")),
		json_integer_value(json_object_get(v, "exit")));
	json_array_foreach(json_object_get(rep, "checks"), i, c) {
		fprintf(f, "%s%-4s  %-44s %s\n", md ? "    " : "",
			chk_js(c, "status"), chk_js(c, "title"),
			chk_js(c, "figure"));
		json_array_foreach(json_object_get(c, "details"), k, x)
			fprintf(f, "%s      - %s\n", md ? "    " : "",
				json_string_value(x));
		if (chk_js(c, "fix")[0])
			fprintf(f, "%s      fix: %s\n", md ? "    " : "",
				chk_js(c, "fix"));
	}
	prediction_text(rep, f, md);
	pairs_text(rep, f, md);
	if (!md)
		return;
	fprintf(f, "\n## steps\n\n");
	json_array_foreach(json_object_get(rep, "steps"), i, s)
		fprintf(f, "    [%lld] %-58s %s -> %s  %s%s%s\n",
			json_integer_value(json_object_get(s, "id")),
			chk_js(s, "title"), json_string_value(json_array_get(
			json_object_get(s, "hosts"), 1)), json_string_value(
			json_array_get(json_object_get(s, "hosts"), 0)),
			chk_js(s, "status"), chk_js(s, "why")[0] ? ": " : "",
			chk_js(s, "why"));
	fprintf(f, "\nreport.json has every tool's own JSON document; "
		"%s\n", chk_js(json_object_get(rep, "meta"), "tcp_latency"));
}

int chk_report_write(const char *dir, json_t *rep)
{
	struct bm_file *bf;
	int ret = 0, rc;

	bf = chk_create(dir, "report.json");
	if (!bf)
		return -EEXIST;
	if (json_dumpf(rep, bm_file_stream(bf), JSON_INDENT(1)))
		ret = -EIO;
	fputc('\n', bm_file_stream(bf));
	rc = bm_file_close(bf, !ret);
	ret = ret ? ret : rc;
	bf = chk_create(dir, "report.md");
	if (!bf)
		return -EEXIST;
	chk_report_text(rep, bm_file_stream(bf), true);
	rc = bm_file_close(bf, true);
	ret = ret ? ret : rc;
	bf = chk_create(dir, "report.html");
	if (!bf)
		return -EEXIST;
	rc = chk_report_html(rep, bm_file_stream(bf));
	rc = bm_file_close(bf, !rc) ? -EIO : rc;
	ret = ret ? ret : rc;
	chk_report_text(rep, stdout, false);
	printf("# report: %s/report.{json,md,html}\n", dir);
	fflush(stdout);
	return ret;
}
