/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of moe_alltoall/routing: generators (counts add up, seeds
 * reproduce, Zipf skew measured), per-peer count matrices, imbalance
 * statistics, byte accounting and model geometry.
 * argv[1]: the folder with data/ (tests/moe_alltoall); the model configs
 * are sim/models' (the one copy), by path or by name.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bm_test.h"
#include "config.h"
#include "routing.h"

static const char *dir = ".";

/* Route (rank, step) with a fresh generator. */
static int route_once(const struct a2a_gen_cfg *c, int rank, uint64_t step,
		      int ntok, struct a2a_route *r)
{
	struct a2a_gen *g;
	int ret;

	ret = a2a_gen_open(c, &g);
	if (ret)
		return ret;
	ret = a2a_route_alloc(r, ntok, c->topk);
	if (!ret)
		ret = a2a_gen_route(g, rank, step, r);
	a2a_gen_close(g);
	return ret;
}

/* ids in range, distinct per token, weights positive and summing to 1 */
static int route_valid(const struct a2a_route *r, int E)
{
	int t, j, jj, bad = 0;

	for (t = 0; t < r->ntok; t++) {
		double s = 0;

		for (j = 0; j < r->topk; j++) {
			int e = r->ids[t * r->topk + j];

			if (e < 0 || e >= E)
				bad++;
			for (jj = 0; jj < j; jj++)
				if (r->ids[t * r->topk + jj] == e)
					bad++;
			if (!(r->w[t * r->topk + j] > 0))
				bad++;
			s += r->w[t * r->topk + j];
		}
		if (s < 0.9999 || s > 1.0001)
			bad++;
	}
	return bad;
}

static void test_parse(void)
{
	struct a2a_gen_cfg c = {0};
	char buf[600];

	EXPECT_EQ(a2a_gen_parse("uniform", &c), 0);
	EXPECT_EQ(c.kind, A2A_GEN_UNIFORM);
	EXPECT_EQ(a2a_gen_parse("zipf", &c), 0);
	EXPECT_EQ(c.kind, A2A_GEN_ZIPF);
	EXPECT_NEAR(c.zipf_s, 1.0, 0);
	EXPECT_EQ(a2a_gen_parse("zipf:1.5", &c), 0);
	EXPECT_NEAR(c.zipf_s, 1.5, 0);
	EXPECT_STREQ(a2a_gen_spec(&c, buf, sizeof(buf)), "zipf:1.5");
	EXPECT_EQ(a2a_gen_parse("matrix:/x/m.txt", &c), 0);
	EXPECT_EQ(c.kind, A2A_GEN_MATRIX);
	EXPECT_STREQ(c.path, "/x/m.txt");
	EXPECT_EQ(a2a_gen_parse("trace:t.csv", &c), 0);
	EXPECT_EQ(c.kind, A2A_GEN_TRACE);
	EXPECT_EQ(a2a_gen_parse("zipf:abc", &c), -EINVAL);
	EXPECT_EQ(a2a_gen_parse("zipf:-1", &c), -EINVAL);
	EXPECT_EQ(a2a_gen_parse("matrix", &c), -EINVAL);
	EXPECT_EQ(a2a_gen_parse("uniform:3", &c), -EINVAL);
	EXPECT_EQ(a2a_gen_parse("gauss", &c), -EINVAL);
}

static void test_placement(void)
{
	int E, n, e;

	for (E = 1; E <= 20; E++)
		for (n = 1; n <= E; n++)
			for (e = 0; e < E; e++) {
				int r = a2a_owner(e, E, n);

				EXPECT(r >= 0 && r < n);
				EXPECT(a2a_expert_first(r, E, n) <= e);
				EXPECT(e < a2a_expert_first(r + 1, E, n));
			}
	EXPECT_EQ(a2a_owner(63, 128, 2), 0);
	EXPECT_EQ(a2a_owner(64, 128, 2), 1);
}

static void test_uniform(void)
{
	struct a2a_gen_cfg c = {.kind	   = A2A_GEN_UNIFORM,
				.seed	   = 7,
				.n_experts = 128,
				.topk	   = 8,
				.nranks	   = 4};
	struct a2a_route a, b;
	uint32_t sel[4], tok[4];
	uint64_t hist[128] = {0};
	struct a2a_gen *g;
	double cnt[128];
	struct a2a_imb imb;
	int d, s, i;
	uint64_t sum_sel = 0, sum_tok = 0;

	/* valid, and the per-peer counts add up */
	EXPECT_EQ(route_once(&c, 1, 3, 256, &a), 0);
	EXPECT_EQ(route_valid(&a, 128), 0);
	a2a_route_counts(&a, 128, 4, sel, tok);
	for (d = 0; d < 4; d++) {
		sum_sel += sel[d];
		sum_tok += tok[d];
		EXPECT(tok[d] <= 256);
		EXPECT(tok[d] <= sel[d]);
	}
	EXPECT_EQ(sum_sel, 256 * 8);
	EXPECT(sum_tok >= 256 && sum_tok <= 256 * 4);

	/* the same seed reproduces, another seed does not */
	EXPECT_EQ(route_once(&c, 1, 3, 256, &b), 0);
	EXPECT(!memcmp(a.ids, b.ids, 256 * 8 * sizeof(*a.ids)));
	EXPECT(!memcmp(a.w, b.w, 256 * 8 * sizeof(*a.w)));
	a2a_route_free(&b);
	c.seed = 8;
	EXPECT_EQ(route_once(&c, 1, 3, 256, &b), 0);
	EXPECT(memcmp(a.ids, b.ids, 256 * 8 * sizeof(*a.ids)));
	a2a_route_free(&b);
	/* other rank, other step: other routing */
	c.seed = 7;
	EXPECT_EQ(route_once(&c, 2, 3, 256, &b), 0);
	EXPECT(memcmp(a.ids, b.ids, 256 * 8 * sizeof(*a.ids)));
	a2a_route_free(&b);

	/* a step's routing does not depend on the steps before it */
	EXPECT_EQ(a2a_gen_open(&c, &g), 0);
	EXPECT_EQ(a2a_route_alloc(&b, 256, 8), 0);
	for (s = 0; s <= 3; s++)
		EXPECT_EQ(a2a_gen_route(g, 1, (uint64_t)s, &b), 0);
	EXPECT(!memcmp(a.ids, b.ids, 256 * 8 * sizeof(*a.ids)));

	/* flat popularity over many tokens: no skew */
	for (s = 0; s < 40; s++) {
		EXPECT_EQ(a2a_gen_route(g, 0, (uint64_t)s, &b), 0);
		a2a_route_hist(&b, 128, hist);
	}
	for (i = 0; i < 128; i++)
		cnt[i] = (double)hist[i];
	EXPECT_EQ(a2a_imbalance(cnt, 128, &imb), 0);
	EXPECT_NEAR(imb.mean, 40.0 * 256 * 8 / 128, 1e-9);
	EXPECT(imb.ratio < 1.3);
	EXPECT(a2a_zipf_fit(hist, 128) < 0.1);
	a2a_route_free(&b);
	a2a_gen_close(g);
	a2a_route_free(&a);

	/* bad geometry is refused */
	c.topk = 129;
	EXPECT_EQ(a2a_gen_open(&c, &g), -EINVAL);
}

static void test_zipf(void)
{
	struct a2a_gen_cfg c = {.kind	   = A2A_GEN_ZIPF,
				.zipf_s	   = 1.0,
				.seed	   = 3,
				.n_experts = 128,
				.topk	   = 1,
				.nranks	   = 2};
	uint64_t hist[128];
	const double *pop;
	struct a2a_route r;
	struct a2a_gen *g;
	struct a2a_imb imb;
	double cnt[128], s1, s8;
	int s, i, hot = 0;

	/* top-1: the measured exponent is the configured one */
	memset(hist, 0, sizeof(hist));
	EXPECT_EQ(a2a_gen_open(&c, &g), 0);
	EXPECT_EQ(a2a_route_alloc(&r, 256, 1), 0);
	for (s = 0; s < 200; s++) {
		EXPECT_EQ(a2a_gen_route(g, 0, (uint64_t)s, &r), 0);
		a2a_route_hist(&r, 128, hist);
	}
	s1 = a2a_zipf_fit(hist, 128);
	fprintf(stderr, "zipf S=1.0 top-1: measured exponent %.3f\n", s1);
	EXPECT_NEAR(s1, 1.0, 0.15);
	/* the hottest expert is the one with the largest popularity */
	pop = a2a_gen_popularity(g);
	EXPECT(pop != NULL);
	for (i = 1; i < 128; i++)
		if (pop[i] > pop[hot])
			hot = i;
	for (i = 0; i < 128; i++)
		EXPECT(hist[i] <= hist[hot]);
	a2a_route_free(&r);
	a2a_gen_close(g);

	/* top-8 without replacement: still clearly skewed, valid tokens */
	c.topk = 8;
	memset(hist, 0, sizeof(hist));
	EXPECT_EQ(a2a_gen_open(&c, &g), 0);
	EXPECT_EQ(a2a_route_alloc(&r, 256, 8), 0);
	for (s = 0; s < 20; s++) {
		EXPECT_EQ(a2a_gen_route(g, 1, (uint64_t)s, &r), 0);
		EXPECT_EQ(route_valid(&r, 128), 0);
		a2a_route_hist(&r, 128, hist);
	}
	s8 = a2a_zipf_fit(hist, 128);
	for (i = 0; i < 128; i++)
		cnt[i] = (double)hist[i];
	a2a_imbalance(cnt, 128, &imb);
	fprintf(stderr,
		"zipf S=1.0 top-8: measured exponent %.3f, hottest "
		"expert %.2f x mean\n",
		s8, imb.ratio);
	EXPECT(s8 > 0.3 && s8 < 1.1);
	EXPECT(imb.ratio > 3);
	EXPECT_EQ(imb.argmax, hot);
	a2a_route_free(&r);
	a2a_gen_close(g);

	/* extreme skew still gives k distinct experts (fallback path) */
	c.zipf_s    = 8;
	c.n_experts = 16;
	EXPECT_EQ(route_once(&c, 0, 0, 64, &r), 0);
	EXPECT_EQ(route_valid(&r, 16), 0);
	a2a_route_free(&r);

	/* S = 0 is uniform */
	c.zipf_s    = 0;
	c.n_experts = 128;
	memset(hist, 0, sizeof(hist));
	EXPECT_EQ(a2a_gen_open(&c, &g), 0);
	EXPECT_EQ(a2a_route_alloc(&r, 256, 8), 0);
	for (s = 0; s < 20; s++) {
		EXPECT_EQ(a2a_gen_route(g, 0, (uint64_t)s, &r), 0);
		a2a_route_hist(&r, 128, hist);
	}
	EXPECT(a2a_zipf_fit(hist, 128) < 0.15);
	a2a_route_free(&r);
	a2a_gen_close(g);
}

static void test_matrix(void)
{
	struct a2a_gen_cfg c = {.kind	   = A2A_GEN_MATRIX,
				.seed	   = 1,
				.n_experts = 128,
				.topk	   = 8,
				.nranks	   = 2};
	char path[600], tmp[] = "/tmp/a2a_test_XXXXXX";
	struct a2a_route r;
	struct a2a_gen *g;
	uint32_t sel[2], tok[2];
	FILE *f;
	int fd;

	snprintf(c.path, sizeof(c.path), "%s/data/skew2.matrix", dir);
	EXPECT_EQ(a2a_gen_open(&c, &g), 0);
	EXPECT_EQ(a2a_route_alloc(&r, 16, 8), 0);
	/* 16 x 8 = 128 selections: row 0 is 3/4 : 1/4, row 1 1/2 : 1/2 */
	EXPECT_EQ(a2a_gen_route(g, 0, 0, &r), 0);
	EXPECT_EQ(route_valid(&r, 128), 0);
	a2a_route_counts(&r, 128, 2, sel, tok);
	EXPECT_EQ(sel[0], 96);
	EXPECT_EQ(sel[1], 32);
	EXPECT_EQ(tok[0], 16);
	EXPECT_EQ(tok[1], 16); /* 32 slots over 16 tokens: 2 each */
	EXPECT_EQ(a2a_gen_route(g, 1, 5, &r), 0);
	a2a_route_counts(&r, 128, 2, sel, tok);
	EXPECT_EQ(sel[0], 64);
	EXPECT_EQ(sel[1], 64);
	a2a_route_free(&r);
	/* one token: 8 slots, 6 : 2 */
	EXPECT_EQ(a2a_route_alloc(&r, 1, 8), 0);
	EXPECT_EQ(a2a_gen_route(g, 0, 9, &r), 0);
	a2a_route_counts(&r, 128, 2, sel, tok);
	EXPECT_EQ(sel[0], 6);
	EXPECT_EQ(sel[1], 2);
	a2a_route_free(&r);
	a2a_gen_close(g);

	/* the file must match the EP size */
	c.nranks = 3;
	EXPECT_EQ(a2a_gen_open(&c, &g), -EINVAL);

	/* more selections to one rank than it has experts per token */
	fd = mkstemp(tmp);
	EXPECT(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "1 0\n0 1\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s", tmp);
	c.nranks    = 2;
	c.n_experts = 8; /* 4 per rank < top-8 */
	snprintf(c.path, sizeof(c.path), "%s", tmp);
	EXPECT_EQ(a2a_gen_open(&c, &g), 0);
	EXPECT_EQ(a2a_route_alloc(&r, 4, 8), 0);
	EXPECT_EQ(a2a_gen_route(g, 0, 0, &r), -EINVAL);
	a2a_route_free(&r);
	a2a_gen_close(g);
	/* negative share */
	f = fopen(path, "w");
	fprintf(f, "1 -1\n0 1\n");
	fclose(f);
	c.n_experts = 128;
	EXPECT_EQ(a2a_gen_open(&c, &g), -EINVAL);
	/* a row summing to inf (fuzzing: its shares became 0) */
	f = fopen(path, "w");
	fprintf(f, "1e308 1e308\n1 3\n");
	fclose(f);
	EXPECT_EQ(a2a_gen_open(&c, &g), -EINVAL);
	unlink(path);
}

static void test_trace(void)
{
	struct a2a_gen_cfg c = {.kind	   = A2A_GEN_TRACE,
				.seed	   = 0,
				.n_experts = 8,
				.topk	   = 2,
				.nranks	   = 2};
	char tmp[]	     = "/tmp/a2a_trace_XXXXXX";
	struct a2a_route r;
	struct a2a_gen *g;
	FILE *f;
	int fd;

	snprintf(c.path, sizeof(c.path), "%s/data/trace_k2.csv", dir);
	EXPECT_EQ(a2a_gen_open(&c, &g), 0);
	EXPECT_EQ(a2a_route_alloc(&r, 2, 2), 0);
	/* rank 0 step 0: lines 0, 1 */
	EXPECT_EQ(a2a_gen_route(g, 0, 0, &r), 0);
	EXPECT_EQ(r.ids[0], 0);
	EXPECT_EQ(r.ids[1], 5);
	EXPECT_NEAR(r.w[0], 0.75, 1e-6);
	EXPECT_NEAR(r.w[1], 0.25, 1e-6);
	EXPECT_EQ(r.ids[2], 4);
	EXPECT_EQ(r.ids[3], 7);
	/* rank 1 step 0: lines 2, 0 (wraps) */
	EXPECT_EQ(a2a_gen_route(g, 1, 0, &r), 0);
	EXPECT_EQ(r.ids[0], 1);
	EXPECT_EQ(r.ids[1], 2);
	EXPECT_EQ(r.ids[2], 0);
	EXPECT_EQ(r.ids[3], 5);
	EXPECT_EQ(route_valid(&r, 8), 0);
	a2a_route_free(&r);
	a2a_gen_close(g);

	/* top-k must match the model */
	c.topk = 3;
	EXPECT_EQ(a2a_gen_open(&c, &g), -EINVAL);
	/* an id past the experts, a repeated id */
	c.topk = 2;
	fd     = mkstemp(tmp);
	f      = fdopen(fd, "w");
	fprintf(f, "1,8\n");
	fclose(f);
	snprintf(c.path, sizeof(c.path), "%s", tmp);
	EXPECT_EQ(a2a_gen_open(&c, &g), -EINVAL);
	f = fopen(tmp, "w");
	fprintf(f, "3,3\n");
	fclose(f);
	EXPECT_EQ(a2a_gen_open(&c, &g), -EINVAL);
	/* an infinite weight, weights summing to inf (fuzzing: weights of
	 * 0 or NaN) */
	f = fopen(tmp, "w");
	fprintf(f, "0,5,1e999,1\n");
	fclose(f);
	EXPECT_EQ(a2a_gen_open(&c, &g), -EINVAL);
	f = fopen(tmp, "w");
	fprintf(f, "0,5,1e308,1e308\n");
	fclose(f);
	EXPECT_EQ(a2a_gen_open(&c, &g), -EINVAL);
	/* no weights: generated ones, still reproducible */
	f = fopen(tmp, "w");
	fprintf(f, "3 4\n5 6\n");
	fclose(f);
	EXPECT_EQ(a2a_gen_open(&c, &g), 0);
	EXPECT_EQ(a2a_route_alloc(&r, 3, 2), 0);
	EXPECT_EQ(a2a_gen_route(g, 0, 0, &r), 0);
	EXPECT_EQ(route_valid(&r, 8), 0);
	EXPECT_EQ(r.ids[4], 3);
	a2a_route_free(&r);
	a2a_gen_close(g);
	unlink(tmp);
	/* a missing file */
	snprintf(c.path, sizeof(c.path), "%s/data/nonexistent.csv", dir);
	EXPECT(a2a_gen_open(&c, &g) < 0);
}

static void test_counts_bytes(void)
{
	/* E 8 on 2 ranks (0-3 | 4-7), top-2 */
	int32_t ids[]	   = {0, 1, 0, 5, 4, 7};
	float w[]	   = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
	struct a2a_route r = {.ntok = 3, .topk = 2, .ids = ids, .w = w};
	uint32_t sel[2], tok[2];
	uint64_t hist[8] = {0};
	struct a2a_matrix m;
	struct a2a_load l;
	struct a2a_bytes b;
	struct a2a_imb imb;

	a2a_route_counts(&r, 8, 2, sel, tok);
	EXPECT_EQ(sel[0], 3);
	EXPECT_EQ(sel[1], 3);
	EXPECT_EQ(tok[0], 2);
	EXPECT_EQ(tok[1], 2);
	a2a_route_hist(&r, 8, hist);
	EXPECT_EQ(hist[0], 2);
	EXPECT_EQ(hist[3], 0);

	EXPECT_EQ(a2a_matrix_init(&m, 2), 0);
	a2a_matrix_add(&m, 0, sel, tok);
	/* rank 1: tokens {4,5}, {6,7}: all local */
	sel[0] = 0, sel[1] = 4, tok[0] = 0, tok[1] = 2;
	a2a_matrix_add(&m, 1, sel, tok);
	hist[4]++, hist[5]++, hist[6]++, hist[7]++;
	EXPECT_EQ(a2a_matrix_total_sel(&m), 10);

	/* H 2048, k 2: FP8 2048 + 16 x 4 scales; record 4096 + 4 + 16 */
	a2a_bytes_a2a(m.sel, m.tok, 0, 2, 2048, 2, &b);
	EXPECT_EQ(b.deepep_dispatch, 6 * (2048 + 64));
	EXPECT_EQ(b.deepep_combine, 6 * 4096);
	EXPECT_EQ(b.wire_dispatch, 2 * (4096 + 20));
	EXPECT_EQ(b.wire_combine, 2 * 4096);
	EXPECT_EQ(b.self_dispatch, 2 * (4096 + 20));
	EXPECT_EQ(b.self_combine, 2 * 4096);
	a2a_bytes_a2a(m.sel + 2, m.tok + 2, 1, 2, 2048, 2, &b);
	EXPECT_EQ(b.wire_dispatch, 0);
	EXPECT_EQ(b.self_combine, 2 * 4096);

	/* agrs / eptp ring bytes, EP 2, 1 token */
	a2a_bytes_agrs(1, 2, 2048, 8, 8, &b);
	EXPECT_EQ(b.wire_dispatch, 4096 + 64);
	EXPECT_EQ(b.wire_combine, 4096);
	EXPECT_EQ(b.deepep_combine, 8 * 4096);
	a2a_bytes_eptp(1, 2, 2048, 8, &b);
	EXPECT_EQ(b.wire_dispatch, 0);
	EXPECT_EQ(b.wire_combine, 4096);
	a2a_bytes_eptp(4, 4, 2048, 32, &b);
	EXPECT_EQ(b.wire_combine, 2 * 3 * 4 * 4096 / 4);

	/* load: rank 0 got 2 records (3 selections), rank 1 2 + 2 */
	EXPECT_EQ(a2a_load_init(&l, 2), 0);
	a2a_load_compute(&l, &m, hist, 8, 1000.0);
	EXPECT_NEAR(l.tok[0], 2, 0);
	EXPECT_NEAR(l.tok[1], 4, 0);
	EXPECT_NEAR(l.sel[0], 3, 0);
	EXPECT_NEAR(l.sel[1], 7, 0);
	EXPECT_NEAR(l.experts[0], 2, 0); /* experts 0, 1 */
	EXPECT_NEAR(l.experts[1], 4, 0); /* 4, 5, 6, 7 */
	EXPECT_NEAR(l.wbytes[1], 4000, 0);
	EXPECT_EQ(a2a_imbalance(l.tok, 2, &imb), 0);
	EXPECT_NEAR(imb.ratio, 4.0 / 3.0, 1e-12);
	EXPECT_EQ(imb.argmax, 1);
	a2a_load_free(&l);
	a2a_matrix_clear(&m);
	EXPECT_EQ(a2a_matrix_total_sel(&m), 0);
	a2a_matrix_free(&m);
}

static void test_imbalance(void)
{
	double v[] = {1, 2, 3, 6}, z[] = {0, 0, 0};
	struct a2a_imb imb;

	EXPECT_EQ(a2a_imbalance(v, 4, &imb), 0);
	EXPECT_NEAR(imb.mean, 3, 0);
	EXPECT_NEAR(imb.max, 6, 0);
	EXPECT_NEAR(imb.min, 1, 0);
	EXPECT_NEAR(imb.ratio, 2, 0);
	EXPECT_EQ(imb.argmax, 3);
	EXPECT_EQ(a2a_imbalance(z, 3, &imb), 0);
	EXPECT_NEAR(imb.ratio, 1, 0);
	EXPECT_EQ(a2a_imbalance(v, 0, &imb), -EINVAL);
}

static void test_zipf_fit(void)
{
	uint64_t c[64], flat[8] = {5, 5, 5, 5, 5, 5, 5, 5};
	uint64_t one[4] = {9, 0, 0, 0};
	int i;

	/* shuffled order: the fit sorts */
	for (i = 0; i < 64; i++)
		c[(i * 37) % 64] = (uint64_t)(1e9 * pow(i + 1, -1.5) + 0.5);
	EXPECT_NEAR(a2a_zipf_fit(c, 64), 1.5, 1e-3);
	EXPECT_NEAR(a2a_zipf_fit(flat, 8), 0, 1e-12);
	EXPECT_NEAR(a2a_zipf_fit(one, 4), 0, 0);
}

static void test_geom(void)
{
	struct a2a_geom g;
	char path[600], tmp[] = "/tmp/test_a2a_geom.XXXXXX.json";
	json_t *j;
	int fd;

	snprintf(path, sizeof(path), "%s/sim/models/qwen3-coder-30b-a3b.json",
		 NETROOF_SOURCE_ROOT);
	EXPECT_EQ(a2a_geom_load(path, &g, NULL, 0), 0);
	EXPECT_EQ(g.hidden, 2048);
	EXPECT_EQ(g.n_experts, 128);
	EXPECT_EQ(g.topk, 8);
	EXPECT_EQ(g.moe_inter, 768); /* not the dense 6144 */
	EXPECT_EQ(g.layers, 48);
	EXPECT_STREQ(g.name, "qwen3-coder-30b-a3b");
	/* by name: found under the source tree */
	EXPECT_EQ(a2a_geom_load("minimax-m2.5", &g, path, sizeof(path)), 0);
	EXPECT_EQ(g.hidden, 3072);
	EXPECT_EQ(g.n_experts, 256);  /* num_local_experts */
	EXPECT_EQ(g.moe_inter, 1536); /* intermediate_size */
	EXPECT_EQ(g.layers, 62);
	EXPECT_STREQ(g.model_type, "minimax_m2");
	/* INT4 w4g128 expert: 3 x 2048 x 768 x 4.156 / 8 */
	EXPECT_EQ(a2a_geom_load("qwen3-coder-30b-a3b", &g, NULL, 0), 0);
	EXPECT_NEAR(a2a_expert_bytes(&g, 4.156), 3.0 * 2048 * 768 * 4.156 / 8,
		    1e-6);
	EXPECT_EQ(a2a_geom_load("no-such-model", &g, NULL, 0), -ENOENT);
	j = json_pack("{s:i, s:i, s:i, s:i}", "hidden_size", 64, "num_experts",
		      4, "num_experts_per_tok", 2, "moe_intermediate_size", 32);
	fd = mkstemps(tmp, 5);
	EXPECT(fd >= 0);
	EXPECT_EQ(json_dumpfd(j, fd, 0), 0);
	close(fd);
	EXPECT_EQ(a2a_geom_load(tmp, &g, NULL, 0), -EINVAL); /* no layers */
	json_object_set_new(j, "num_hidden_layers", json_integer(2));
	EXPECT_EQ(json_dump_file(j, tmp, 0), 0);
	EXPECT_EQ(a2a_geom_load(tmp, &g, NULL, 0), 0);
	json_object_set_new(j, "num_experts_per_tok", json_integer(5));
	EXPECT_EQ(json_dump_file(j, tmp, 0), 0);
	EXPECT_EQ(a2a_geom_load(tmp, &g, NULL, 0), -EINVAL); /* k > E */
	unlink(tmp);
	json_decref(j);
}

static void test_check_values(void)
{
	int e, x;

	/* the simulated expert's products are exact in BF16 (8-bit
	 * significand): |x * 8 * f| is an integer below 256 */
	for (e = 0; e < 8; e++)
		for (x = -8; x <= 8; x++) {
			float y = (float)x * a2a_expert_scale(e);

			EXPECT(fabsf(y * 8) < 256 && y * 8 == floorf(y * 8));
		}
	EXPECT(a2a_xval(0, 0, 0) >= -8 && a2a_xval(0, 0, 0) <= 8);
	EXPECT(a2a_xval(0, 1, 0) != a2a_xval(1, 1, 0));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		dir = argv[1];
	test_parse();
	test_placement();
	test_uniform();
	test_zipf();
	test_matrix();
	test_trace();
	test_counts_bytes();
	test_imbalance();
	test_zipf_fit();
	test_geom();
	test_check_values();
	return TEST_DONE();
}
