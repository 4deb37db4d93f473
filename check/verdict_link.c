// SPDX-License-Identifier: MIT
/*
 * The verdict's link checks: RDMA and TCP latency and bandwidth, NCCL,
 * the pairwise matrix, each from the steps' own documents (see
 * verdict.c). A check whose steps failed is a FAIL naming the step; one
 * whose steps were all skipped is a SKIP with why.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "steps.h"
#include "verdict.h"

/* ---- link checks ------------------------------------------------------ */

/* Steps of a kind prefix: how many ran ok, failed, were skipped; the
 * first failure's or skip's reason. */
static void step_counts(json_t *rep, const char *const *kinds, int *ok,
			int *failed, int *skipped, char *why, size_t len)
{
	json_t *s;
	size_t i;
	int k;

	*ok = *failed = *skipped = 0;
	why[0] = '\0';
	json_array_foreach(json_object_get(rep, "steps"), i, s) {
		const char *kind = json_string_value(json_object_get(s, "kind"));
		const char *st = json_string_value(json_object_get(s, "status"));
		bool ours = false;

		for (k = 0; kinds[k] && kind; k++)
			ours |= !strcmp(kind, kinds[k]);
		if (!ours || !st)
			continue;
		if (!strcmp(st, "ok")) {
			(*ok)++;
			continue;
		}
		if (!strcmp(st, "failed"))
			(*failed)++;
		else
			(*skipped)++;
		if (!why[0] || !strcmp(st, "failed"))
			snprintf(why, len, "[%lld] %s: %s", json_integer_value(
				 json_object_get(s, "id")), json_string_value(
				 json_object_get(s, "title")), json_string_value(
				 json_object_get(s, "why")));
	}
}

static json_t *step_doc(json_t *rep, const char *kind, int nth)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(rep, "steps"), i, s) {
		const char *k = json_string_value(json_object_get(s, "kind"));

		if (k && !strcmp(k, kind) && json_object_get(s, "doc") &&
		    nth-- == 0)
			return json_object_get(s, "doc");
	}
	return NULL;
}

static double row_at(json_t *doc, size_t size, const char *key)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, r)
		if ((size_t)json_number_value(json_object_get(r, "size")) == size)
			return json_number_value(json_object_get(r, key));
	return 0;
}

static bool link_status(json_t *rep, const char *const *kinds, struct vrow *v)
{
	int ok, failed, skipped;
	char why[768];

	step_counts(rep, kinds, &ok, &failed, &skipped, why, sizeof(why));
	if (failed) {
		v->status = FAIL;
		snprintf(v->fix, sizeof(v->fix), "see the failed step: %s", why);
		json_array_append_new(v->details, json_string(why));
		return ok > 0;
	}
	if (!ok) {
		v->status = SKIP;
		snprintf(v->figure, sizeof(v->figure), "skipped: %s", why[0] ?
			 why : "not run");
		return false;
	}
	return true;
}

void vr_rdma_lat(json_t *rep, struct vrow *v)
{
	static const char *const kinds[] = { "rdma_probe", "rdma_lat",
		"rdma_dec", "rdma_read", "rdma_cm", NULL };
	json_t *probe = step_doc(rep, "rdma_probe", 0);
	json_t *sweep = step_doc(rep, "rdma_lat", 0);
	double l, p99, rd, cm;

	if (!link_status(rep, kinds, v) || !probe)
		return;
	l = row_at(probe, 2, "lat_us_p50");
	p99 = row_at(probe, 2, "lat_us_p99");
	APPEND(v->figure, "write 2 B one-way p50 %.2f us (p99 %.2f)", l, p99);
	if (sweep)
		APPEND(v->figure, ", 4 KiB %.2f us, 64 KiB %.2f us",
		       row_at(sweep, 4096, "lat_us_p50"),
		       row_at(sweep, 65536, "lat_us_p50"));
	rd = row_at(step_doc(rep, "rdma_read", 0), 2, "lat_us_p50");
	cm = row_at(step_doc(rep, "rdma_cm", 0), 2, "lat_us_p50");
	if (rd > 0)
		APPEND(v->figure, "; read round trip %.2f us", rd);
	if (cm > 0)
		APPEND(v->figure, "; rdma_cm connection ok (%.2f us)", cm);
	if (l > 10 && v->status < WARN) {
		v->status = WARN;
		snprintf(v->fix, sizeof(v->fix), "a direct RoCE link gives 1-3 us "
			 "one way (ConnectX-7): look for switch hops, CPU power "
			 "states (C-states, frequency scaling), PFC pauses, and "
			 "run near the NIC (ib_lat pins there)");
	}
}

void vr_tcp_lat(json_t *rep, struct vrow *v)
{
	static const char *const kinds[] = { "tcp_probe", "tcp_lat", "tcp_dec",
					     NULL };
	json_t *probe = step_doc(rep, "tcp_probe", 0);
	double l, r;

	if (!link_status(rep, kinds, v) || !probe)
		return;
	l = row_at(probe, 2, "lat_us_p50");
	APPEND(v->figure, "2 B one-way p50 %.2f us (p99 %.2f), busy-poll as "
	       "NCCL's socket proxy", l, row_at(probe, 2, "lat_us_p99"));
	r = row_at(step_doc(rep, "rdma_probe", 0), 2, "lat_us_p50");
	if (r > 0)
		APPEND(v->figure, "; %.1f x the RDMA write latency", l / r);
}

/* "200 Gb/sec (4X HDR)" of the slowest node's usable port, Gb/s. */
static double port_gbps(json_t *rep)
{
	json_t *n;
	size_t i;
	double min = 0;

	json_array_foreach(json_object_get(rep, "nodes"), i, n) {
		const char *rt = json_string_value(json_object_get(chk_usable0(n),
								"rate"));
		double g = rt ? atof(rt) : 0;

		if (g > 0 && (!min || g < min))
			min = g;
	}
	return min;
}

static void bw_figure(json_t *rep, const char *kind, struct vrow *v,
		      double *best_p)
{
	json_t *d;
	double best = 0;
	size_t bsize = 0, s;
	int i;

	for (i = 0; (d = step_doc(rep, kind, i)); i++) {
		double b = chk_doc_bw(d, &s);

		if (b > best) {
			best = b;
			bsize = s;
		}
	}
	APPEND(v->figure, "peak %.3f GB/s (%.2f Gb/s) at %zu B", best, best * 8,
	       bsize);
	*best_p = best;
}

void vr_rdma_bw(json_t *rep, struct vrow *v)
{
	static const char *const kinds[] = { "rdma_bw", NULL };
	double best, rate;

	if (!link_status(rep, kinds, v))
		return;
	bw_figure(rep, "rdma_bw", v, &best);
	rate = port_gbps(rep);
	if (rate > 0) {
		APPEND(v->figure, ", %.0f%% of the port's %g Gb/s",
		       100 * best * 8 / rate, rate);
		if (best * 8 < rate / 2 && v->status < WARN) {
			v->status = WARN;
			snprintf(v->fix, sizeof(v->fix), "below half the port "
				 "rate: check the PCIe link (GB10: each RDMA "
				 "device is one PCIe half; NCCL needs both in "
				 "NCCL_IB_HCA), the MTU and the cable");
		}
	}
}

void vr_tcp_bw(json_t *rep, struct vrow *v)
{
	static const char *const kinds[] = { "tcp_bw", NULL };
	double best;

	if (!link_status(rep, kinds, v))
		return;
	bw_figure(rep, "tcp_bw", v, &best);
}

void vr_nccl(json_t *rep, struct vrow *v)
{
	static const char *const kinds[] = { "nccl", NULL };
	json_t *d = step_doc(rep, "nccl", 0), *r;
	const char *dc;
	size_t i;

	if (json_array_size(json_object_get(rep, "nodes")) > 2) {
		v->status = SKIP;
		snprintf(v->figure, sizeof(v->figure), "more than two nodes: the "
			 "pairwise tests are the link's (NCCL between two nodes: "
			 "run netroof check on a pair)");
		return;
	}
	if (!link_status(rep, kinds, v) || !d)
		return;
	dc = json_string_value(json_object_get(json_object_get(d, "summary"),
					       "data_check"));
	json_array_foreach(json_object_get(d, "results"), i, r) {
		const char *op = json_string_value(json_object_get(r, "op"));
		const char *mode = json_string_value(json_object_get(r,
							"mode"));
		const char *ib = json_string_value(json_object_get(r,
							"ib_transport"));

		if (!op || strcmp(op, "allreduce") || v->figure[0])
			continue;
		if (!json_object_get(r, "ib_lat_us_p50")) {
			/* sockets only (no RDMA on the pair): the graph row */
			if (!mode || strcmp(mode, "graph"))
				continue;
			APPEND(v->figure, "all-reduce %lld B (graph): socket "
			       "%.1f us; IB not measured (no RDMA on the pair)",
			       json_integer_value(json_object_get(r, "size")),
			       json_number_value(json_object_get(r,
						 "oop_lat_us_p50")));
			continue;
		}
		APPEND(v->figure, "all-reduce %lld B (%s): IB %.1f us, socket %.1f "
		       "us (x%.2f)", json_integer_value(json_object_get(r,
		       "size")), mode ? mode : "?",
		       json_number_value(json_object_get(r, "ib_lat_us_p50")),
		       json_number_value(json_object_get(r, "socket_lat_us_p50")),
		       json_number_value(json_object_get(r, "ratio_socket_ib")));
		/* nccl_rt's path names: "ib", "socket", "mixed", ... */
		if (ib && strcmp(ib, "ib") && v->status < WARN) {
			v->status = WARN;
			snprintf(v->fix, sizeof(v->fix), "NCCL's IB communicator "
				 "ran over '%s': see the NCCL environment check",
				 ib);
		}
	}
	APPEND(v->figure, "; data check %s", dc ? dc : "?");
	if (!dc || strcmp(dc, "passed")) {
		v->status = FAIL;
		snprintf(v->fix, sizeof(v->fix), "nccl_coll's data check did not "
			 "pass: see its document in the report");
	}
}

void vr_pairs(json_t *rep, struct vrow *v)
{
	json_t *pm = json_object_get(rep, "pairs");
	json_t *o = json_object_get(pm, "outliers"), *x;
	size_t i;

	if (!pm) {
		v->status = SKIP;
		snprintf(v->figure, sizeof(v->figure), "two nodes: no matrix");
		return;
	}
	snprintf(v->figure, sizeof(v->figure), "%lld pairs; median one-way "
		 "%.2f us (%s)", json_integer_value(json_object_get(pm, "npairs")),
		 json_number_value(json_object_get(pm, "median_us")),
		 json_string_value(json_object_get(pm, "transport")));
	json_array_foreach(o, i, x) {
		v->status = WARN;
		json_array_append_new(v->details, json_incref(x));
	}
	if (v->status == WARN)
		snprintf(v->fix, sizeof(v->fix), "check the cables, ports and "
			 "switch path of the flagged pair(s); rerun netroof check "
			 "on that pair alone for the full picture");
}

