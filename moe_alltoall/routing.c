/* SPDX-License-Identifier: MIT */
/* moe_alltoall routing generators, counts, balance and bytes (routing.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "routing.h"

/* ---- model geometry ---- */

static int geom_int(json_t *cfg, const char *const *keys, const char *what,
		    const char *name, long min, int *v_p)
{
	json_t *v;
	int i;

	for (i = 0; keys[i]; i++) {
		v = json_object_get(cfg, keys[i]);
		if (v && json_is_integer(v)) {
			json_int_t x = json_integer_value(v);

			if (x < min || x > (1 << 24)) {
				BM_ERR("%s: %s = %lld out of range", name,
				       keys[i], (long long)x);
				return -EINVAL;
			}
			*v_p = (int)x;
			return 0;
		}
	}
	BM_ERR("%s: no %s (%s%s%s) in the model config", name, what, keys[0],
	       keys[1] ? " or " : "", keys[1] ? keys[1] : "");
	return -EINVAL;
}

int a2a_geom_from_json(json_t *cfg, const char *name, struct a2a_geom *g_p)
{
	static const char *const k_hidden[] = {"hidden_size", NULL};
	static const char *const k_exp[]  = {"num_experts", "num_local_experts",
					     NULL};
	static const char *const k_topk[] = {"num_experts_per_tok", NULL};
	/* Qwen3-MoE has both: intermediate_size is its dense MLP */
	static const char *const k_inter[]  = {"moe_intermediate_size",
					       "intermediate_size", NULL};
	static const char *const k_layers[] = {"num_hidden_layers", NULL};
	struct a2a_geom g		    = {0};
	json_t *mt;
	int ret;

	if (!json_is_object(cfg)) {
		BM_ERR("%s: model config is not a JSON object", name);
		return -EINVAL;
	}
	snprintf(g.name, sizeof(g.name), "%s", name);
	mt = json_object_get(cfg, "model_type");
	snprintf(g.model_type, sizeof(g.model_type), "%s",
		 json_is_string(mt) ? json_string_value(mt) : "");
	ret = geom_int(cfg, k_hidden, "hidden size", name, 1, &g.hidden);
	if (!ret)
		ret =
		    geom_int(cfg, k_exp, "expert count", name, 1, &g.n_experts);
	if (!ret)
		ret = geom_int(cfg, k_topk, "top-k", name, 1, &g.topk);
	if (!ret)
		ret = geom_int(cfg, k_inter, "expert intermediate size", name,
			       1, &g.moe_inter);
	if (!ret)
		ret =
		    geom_int(cfg, k_layers, "layer count", name, 1, &g.layers);
	if (ret)
		return ret;
	if (g.topk > g.n_experts) {
		BM_ERR("%s: top-k %d > %d experts", name, g.topk, g.n_experts);
		return -EINVAL;
	}
	*g_p = g;
	return 0;
}

int a2a_geom_load(const char *name, struct a2a_geom *g_p, char *path_p,
		  size_t pathlen)
{
	const char *dirs[] = {NETROOF_SOURCE_ROOT "/sim/models", "sim/models",
			      NETROOF_SOURCE_ROOT "/tests/moe_alltoall/models",
			      NULL};
	char path[1024], stem[1024];
	const char *base, *dot;
	json_error_t jerr;
	json_t *cfg = NULL;
	size_t nl   = strlen(name);
	int i, ret;

	if (strchr(name, '/') || (nl > 5 && !strcmp(name + nl - 5, ".json"))) {
		snprintf(path, sizeof(path), "%s", name);
		cfg = json_load_file(path, 0, &jerr);
		if (!cfg) {
			BM_ERR("model %s: %s (line %d)", path, jerr.text,
			       jerr.line);
			return -EINVAL;
		}
	} else {
		for (i = 0; dirs[i] && !cfg; i++) {
			snprintf(path, sizeof(path), "%s/%s.json", dirs[i],
				 name);
			cfg = json_load_file(path, 0, &jerr);
		}
		if (!cfg) {
			BM_ERR("model '%s' not found (looked for %s.json in "
			       "%s, sim/models, tests/moe_alltoall/models); "
			       "give a path to a config.json",
			       name, name, dirs[0]);
			return -ENOENT;
		}
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(stem, sizeof(stem), "%s", base);
	dot = strstr(stem, ".json");
	if (dot)
		stem[dot - stem] = '\0';
	ret = a2a_geom_from_json(cfg, stem, g_p);
	json_decref(cfg);
	if (!ret && path_p)
		snprintf(path_p, pathlen, "%s", path);
	return ret;
}

double a2a_expert_bytes(const struct a2a_geom *g, double bits)
{
	return 3.0 * g->hidden * g->moe_inter * bits / 8.0;
}

/* ---- random numbers: splitmix64 seeding xoshiro256** ---- */

struct a2a_rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One independent stream per (seed, rank, step): the routing of a step
 * does not depend on which steps were generated before. */
static void rng_seed(struct a2a_rng *g, uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t x = seed;
	int i;

	x = splitmix64(&x) ^ (a * 0xd1b54a32d192ed03ull);
	x = splitmix64(&x) ^ (b * 0x8cb92ba72f3d8dd7ull);
	for (i = 0; i < 4; i++)
		g->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct a2a_rng *g)
{
	uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* [0, 1) with 53 bits */
static double rng_unif(struct a2a_rng *g)
{
	return (double)(rng_next(g) >> 11) * (1.0 / 9007199254740992.0);
}

/* [0, n) without modulo bias (Lemire) */
static uint32_t rng_below(struct a2a_rng *g, uint32_t n)
{
	uint64_t m = (uint64_t)(uint32_t)(rng_next(g) >> 32) * n;
	uint32_t l = (uint32_t)m;

	if (l < n) {
		uint32_t t = -n % n;

		while (l < t) {
			m = (uint64_t)(uint32_t)(rng_next(g) >> 32) * n;
			l = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

/* ---- generator state ---- */

struct a2a_gen {
	struct a2a_gen_cfg cfg;
	const struct a2a_routing_ops *ops;
	int *perm;	/* [E] scratch */
	uint8_t *taken; /* [E] scratch */
	double *pop;	/* zipf: [E] popularity */
	double *cdf;	/* zipf: [E] cumulative */
	double *share;	/* matrix: [n][n] row shares */
	int *dest;	/* matrix: [ntok * k] scratch */
	int *tperm;	/* matrix: token order */
	size_t dest_cap;
	int32_t *trace_ids; /* trace: [rows][k] */
	float *trace_w;	    /* trace: [rows][k] or NULL */
	size_t trace_rows;
};

static void random_weights(struct a2a_rng *rng, float *w, int k)
{
	double sum = 0, v[256];
	int j;

	for (j = 0; j < k; j++) {
		v[j] = 0.25 + rng_unif(rng);
		sum += v[j];
	}
	for (j = 0; j < k; j++)
		w[j] = (float)(v[j] / sum);
}

/* uniform */

static int uniform_route(struct a2a_gen *g, int rank, uint64_t step,
			 struct a2a_route *r)
{
	int E = g->cfg.n_experts, k = r->topk, t, j;
	struct a2a_rng rng;

	rng_seed(&rng, g->cfg.seed, (uint64_t)rank, step);
	for (j = 0; j < E; j++)
		g->perm[j] = j;
	for (t = 0; t < r->ntok; t++) {
		/* partial Fisher-Yates: the first k of a random permutation */
		for (j = 0; j < k; j++) {
			int p	= j + (int)rng_below(&rng, (uint32_t)(E - j));
			int tmp = g->perm[j];

			g->perm[j]	  = g->perm[p];
			g->perm[p]	  = tmp;
			r->ids[t * k + j] = g->perm[j];
		}
		random_weights(&rng, r->w + (size_t)t * k, k);
	}
	return 0;
}

/* zipf */

static int zipf_init(struct a2a_gen *g)
{
	int E = g->cfg.n_experts, i;
	struct a2a_rng rng;
	double sum = 0;

	if (!(g->cfg.zipf_s >= 0) || g->cfg.zipf_s > 10) {
		BM_ERR("zipf exponent %g: want 0..10", g->cfg.zipf_s);
		return -EINVAL;
	}
	g->pop = calloc((size_t)E, sizeof(*g->pop));
	g->cdf = calloc((size_t)E, sizeof(*g->cdf));
	if (!g->pop || !g->cdf)
		return -ENOMEM;
	/* which expert is the i-th most popular: a permutation of the seed
	 * alone (rank and step fixed), so all ranks agree on the hot ones */
	rng_seed(&rng, g->cfg.seed, UINT64_MAX, UINT64_MAX);
	for (i = 0; i < E; i++)
		g->perm[i] = i;
	for (i = E - 1; i > 0; i--) {
		int p = (int)rng_below(&rng, (uint32_t)i + 1), tmp = g->perm[i];

		g->perm[i] = g->perm[p];
		g->perm[p] = tmp;
	}
	for (i = 0; i < E; i++)
		sum += pow((double)(i + 1), -g->cfg.zipf_s);
	for (i = 0; i < E; i++)
		g->pop[g->perm[i]] = pow((double)(i + 1), -g->cfg.zipf_s) / sum;
	sum = 0;
	for (i = 0; i < E; i++) {
		sum += g->pop[i];
		g->cdf[i] = sum;
	}
	g->cdf[E - 1] = 1.0;
	return 0;
}

static int zipf_draw(const double *cdf, int E, double u)
{
	int lo = 0, hi = E - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int zipf_route(struct a2a_gen *g, int rank, uint64_t step,
		      struct a2a_route *r)
{
	int E = g->cfg.n_experts, k = r->topk, t, j;
	struct a2a_rng rng;

	rng_seed(&rng, g->cfg.seed, (uint64_t)rank, step);
	memset(g->taken, 0, (size_t)E);
	for (t = 0; t < r->ntok; t++) {
		int32_t *ids = r->ids + (size_t)t * k;

		for (j = 0; j < k; j++) {
			int e = -1, tries;

			/* without replacement: redraw a taken expert; past a
			 * bound (extreme skew) scan the remaining mass */
			for (tries = 0; tries < 64 * k; tries++) {
				e = zipf_draw(g->cdf, E, rng_unif(&rng));
				if (!g->taken[e])
					break;
				e = -1;
			}
			if (e < 0) {
				double left = 0, u, acc = 0;

				for (e = 0; e < E; e++)
					left += g->taken[e] ? 0 : g->pop[e];
				u = rng_unif(&rng) * left;
				for (e = 0; e < E - 1; e++) {
					if (g->taken[e])
						continue;
					acc += g->pop[e];
					if (acc > u)
						break;
				}
				while (g->taken[e])
					e = (e + 1) % E;
			}
			g->taken[e] = 1;
			ids[j]	    = e;
		}
		for (j = 0; j < k; j++)
			g->taken[ids[j]] = 0;
		random_weights(&rng, r->w + (size_t)t * k, k);
	}
	return 0;
}

/* matrix */

static int read_line(FILE *f, char **buf, size_t *cap)
{
	return getline(buf, cap, f) >= 0;
}

static int matrix_init(struct a2a_gen *g)
{
	int n = g->cfg.nranks, row = 0, col, lineno = 0, ret = -EINVAL;
	char *line = NULL, *p, *end;
	size_t cap = 0;
	FILE *f;

	f = fopen(g->cfg.path, "r");
	if (!f) {
		BM_ERR("matrix file %s: %s", g->cfg.path, strerror(errno));
		return -errno;
	}
	g->share = calloc((size_t)n * n, sizeof(*g->share));
	if (!g->share) {
		ret = -ENOMEM;
		goto out;
	}
	while (read_line(f, &line, &cap)) {
		double sum = 0;

		lineno++;
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		if (row >= n) {
			BM_ERR("%s:%d: more than %d rows (EP size %d)",
			       g->cfg.path, lineno, n, n);
			goto out;
		}
		for (col = 0; col < n; col++) {
			double v;

			while (*p == ',' || isspace((unsigned char)*p))
				p++;
			v = strtod(p, &end);
			if (end == p || !(v >= 0) || isinf(v)) {
				BM_ERR("%s:%d: want %d non-negative numbers "
				       "(row %d = source rank)",
				       g->cfg.path, lineno, n, row);
				goto out;
			}
			g->share[row * n + col] = v;
			sum += v;
			p = end;
		}
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p && *p != '#') {
			BM_ERR("%s:%d: more than %d columns (EP size %d)",
			       g->cfg.path, lineno, n, n);
			goto out;
		}
		if (sum <= 0) {
			BM_ERR("%s:%d: row %d sums to 0", g->cfg.path, lineno,
			       row);
			goto out;
		}
		for (col = 0; col < n; col++)
			g->share[row * n + col] /= sum;
		row++;
	}
	if (row != n) {
		BM_ERR("%s: %d rows, want %d (one per rank of EP size %d)",
		       g->cfg.path, row, n, n);
		goto out;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}

/* Selections per destination for ntok x k: largest remainder, ties to the
 * lower rank, so the counts are exact and deterministic. */
static void apportion(const double *share, int n, uint64_t total, uint64_t *cnt)
{
	uint64_t given = 0;
	int d;

	for (d = 0; d < n; d++) {
		cnt[d] = (uint64_t)floor(share[d] * (double)total);
		given += cnt[d];
	}
	while (given < total) {
		int best     = 0;
		double bestr = -1;

		for (d = 0; d < n; d++) {
			double rem = share[d] * (double)total - (double)cnt[d];

			if (rem > bestr) {
				bestr = rem;
				best  = d;
			}
		}
		cnt[best]++;
		given++;
	}
}

static int matrix_route(struct a2a_gen *g, int rank, uint64_t step,
			struct a2a_route *r)
{
	int n = g->cfg.nranks, E = g->cfg.n_experts, k = r->topk, T = r->ntok;
	size_t total = (size_t)T * k, i;
	uint64_t cnt[1024];
	struct a2a_rng rng;
	int d, t, j;

	if (n > 1024)
		return -EINVAL;
	if (g->dest_cap < total) {
		free(g->dest);
		free(g->tperm);
		g->dest	 = malloc(total * sizeof(*g->dest));
		g->tperm = malloc((size_t)T * sizeof(*g->tperm));
		if (!g->dest || !g->tperm) {
			g->dest_cap = 0;
			return -ENOMEM;
		}
		g->dest_cap = total;
	}
	apportion(g->share + (size_t)rank * n, n, total, cnt);
	/* slots sorted by destination; token t takes slots t, t + T, ...: a
	 * destination's block of c slots lands at most ceil(c / T) times on
	 * one token, which must fit that rank's experts */
	for (d = 0, i = 0; d < n; d++) {
		int have =
		    a2a_expert_first(d + 1, E, n) - a2a_expert_first(d, E, n);
		uint64_t c;

		if ((cnt[d] + T - 1) / T > (uint64_t)have) {
			BM_ERR("matrix row %d: %llu of %zu selections to rank "
			       "%d need %llu distinct experts per token, rank "
			       "%d has %d",
			       rank, (unsigned long long)cnt[d], total, d,
			       (unsigned long long)((cnt[d] + T - 1) / T), d,
			       have);
			return -EINVAL;
		}
		for (c = 0; c < cnt[d]; c++)
			g->dest[i++] = d;
	}
	rng_seed(&rng, g->cfg.seed, (uint64_t)rank, step);
	for (t = 0; t < T; t++)
		g->tperm[t] = t;
	for (t = T - 1; t > 0; t--) {
		int p	= (int)rng_below(&rng, (uint32_t)t + 1),
		    tmp = g->tperm[t];

		g->tperm[t] = g->tperm[p];
		g->tperm[p] = tmp;
	}
	memset(g->taken, 0, (size_t)E);
	for (t = 0; t < T; t++) {
		int32_t *ids = r->ids + (size_t)g->tperm[t] * k;

		for (j = 0; j < k; j++) {
			int dd = g->dest[t + (size_t)j * T];
			int lo = a2a_expert_first(dd, E, n);
			int hi = a2a_expert_first(dd + 1, E, n), e;

			/* fits by the check above: a free expert exists */
			e = lo + (int)rng_below(&rng, (uint32_t)(hi - lo));
			while (g->taken[e])
				e = e + 1 < hi ? e + 1 : lo;
			g->taken[e] = 1;
			ids[j]	    = e;
		}
		for (j = 0; j < k; j++)
			g->taken[ids[j]] = 0;
		random_weights(&rng, r->w + (size_t)g->tperm[t] * k, k);
	}
	return 0;
}

/* trace */

static int trace_init(struct a2a_gen *g)
{
	int k = g->cfg.topk, E = g->cfg.n_experts, lineno = 0, ret = -EINVAL;
	size_t cap = 0, rcap = 0, nw = 0;
	char *line = NULL, *p, *end;
	double vals[512];
	FILE *f;

	f = fopen(g->cfg.path, "r");
	if (!f) {
		BM_ERR("trace file %s: %s", g->cfg.path, strerror(errno));
		return -errno;
	}
	while (read_line(f, &line, &cap)) {
		int nv = 0, j, jj;

		lineno++;
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		/* a header line ("e0,e1,...") */
		if (!isdigit((unsigned char)*p) && *p != '-' && *p != '.' &&
		    !g->trace_rows)
			continue;
		while (*p && nv < 512) {
			while (*p == ',' || isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			vals[nv] = strtod(p, &end);
			if (end == p) {
				BM_ERR("%s:%d: not a number: '%.20s'",
				       g->cfg.path, lineno, p);
				goto out;
			}
			nv++;
			p = end;
		}
		if (nv != k && nv != 2 * k) {
			BM_ERR("%s:%d: %d values; want %d expert ids (top-k) "
			       "or %d ids then %d weights",
			       g->cfg.path, lineno, nv, k, k, k);
			goto out;
		}
		if (g->trace_rows && (nv == 2 * k) != (nw > 0)) {
			BM_ERR("%s:%d: weights on some lines only", g->cfg.path,
			       lineno);
			goto out;
		}
		if (g->trace_rows == rcap) {
			size_t nc = rcap ? rcap * 2 : 1024;
			int32_t *ni =
			    realloc(g->trace_ids, nc * k * sizeof(*ni));
			float *nf;

			if (!ni) {
				ret = -ENOMEM;
				goto out;
			}
			g->trace_ids = ni;
			nf = realloc(g->trace_w, nc * k * sizeof(*nf));
			if (!nf) {
				ret = -ENOMEM;
				goto out;
			}
			g->trace_w = nf;
			rcap	   = nc;
		}
		for (j = 0; j < k; j++) {
			double v = vals[j];

			if (v != floor(v) || v < 0 || v >= E) {
				BM_ERR("%s:%d: expert id %g not in 0..%d",
				       g->cfg.path, lineno, v, E - 1);
				goto out;
			}
			for (jj = 0; jj < j; jj++)
				if (vals[jj] == v) {
					BM_ERR("%s:%d: expert %g twice",
					       g->cfg.path, lineno, v);
					goto out;
				}
			g->trace_ids[g->trace_rows * k + j] = (int32_t)v;
		}
		if (nv == 2 * k) {
			double sum = 0;

			for (j = 0; j < k; j++) {
				if (!(vals[k + j] >= 0)) {
					BM_ERR("%s:%d: negative weight",
					       g->cfg.path, lineno);
					goto out;
				}
				sum += vals[k + j];
			}
			if (sum <= 0) {
				BM_ERR("%s:%d: weights sum to 0", g->cfg.path,
				       lineno);
				goto out;
			}
			for (j = 0; j < k; j++)
				g->trace_w[g->trace_rows * k + j] =
				    (float)(vals[k + j] / sum);
			nw++;
		}
		g->trace_rows++;
	}
	if (!g->trace_rows) {
		BM_ERR("%s: no routing lines", g->cfg.path);
		goto out;
	}
	if (!nw) {
		free(g->trace_w);
		g->trace_w = NULL;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}

static int trace_route(struct a2a_gen *g, int rank, uint64_t step,
		       struct a2a_route *r)
{
	int k = r->topk, t, j;
	uint64_t start =
	    g->cfg.seed + (step * (uint64_t)g->cfg.nranks + (uint64_t)rank) *
			      (uint64_t)r->ntok;
	struct a2a_rng rng;

	rng_seed(&rng, g->cfg.seed, (uint64_t)rank, step);
	for (t = 0; t < r->ntok; t++) {
		size_t row = (size_t)((start + (uint64_t)t) % g->trace_rows);

		for (j = 0; j < k; j++)
			r->ids[t * k + j] = g->trace_ids[row * k + j];
		if (g->trace_w)
			memcpy(r->w + (size_t)t * k, g->trace_w + row * k,
			       (size_t)k * sizeof(float));
		else
			random_weights(&rng, r->w + (size_t)t * k, k);
	}
	return 0;
}

static const struct a2a_routing_ops uniform_ops = {
    .name  = "uniform",
    .desc  = "top-k distinct experts, uniform (a well load-balanced router)",
    .route = uniform_route,
};
static const struct a2a_routing_ops zipf_ops = {
    .name  = "zipf",
    .desc  = "zipf[:S]: expert popularity ~ 1/rank^S (default S 1.0)",
    .init  = zipf_init,
    .route = zipf_route,
};
static const struct a2a_routing_ops matrix_ops = {
    .name  = "matrix",
    .desc  = "matrix:FILE: fixed per-peer shares, row = source rank",
    .init  = matrix_init,
    .route = matrix_route,
};
static const struct a2a_routing_ops trace_ops = {
    .name  = "trace",
    .desc  = "trace:FILE: CSV of k expert ids (+ k weights) per token",
    .init  = trace_init,
    .route = trace_route,
};

const struct a2a_routing_ops *const a2a_routing_table[A2A_GEN_NKINDS] = {
    [A2A_GEN_UNIFORM] = &uniform_ops,
    [A2A_GEN_ZIPF]    = &zipf_ops,
    [A2A_GEN_MATRIX]  = &matrix_ops,
    [A2A_GEN_TRACE]   = &trace_ops,
};

int a2a_gen_parse(const char *spec, struct a2a_gen_cfg *cfg)
{
	const char *colon = strchr(spec, ':');
	size_t nl	  = colon ? (size_t)(colon - spec) : strlen(spec);
	int i;

	for (i = 0; i < A2A_GEN_NKINDS; i++) {
		const char *nm = a2a_routing_table[i]->name;

		if (strlen(nm) == nl && !strncmp(spec, nm, nl))
			break;
	}
	if (i == A2A_GEN_NKINDS)
		return -EINVAL;
	cfg->kind    = (enum a2a_gen_kind)i;
	cfg->path[0] = '\0';
	if (i == A2A_GEN_UNIFORM) {
		if (colon)
			return -EINVAL;
	} else if (i == A2A_GEN_ZIPF) {
		cfg->zipf_s = 1.0;
		if (colon) {
			char *end;

			cfg->zipf_s = strtod(colon + 1, &end);
			if (end == colon + 1 || *end || !(cfg->zipf_s >= 0) ||
			    cfg->zipf_s > 10)
				return -EINVAL;
		}
	} else {
		if (!colon || !colon[1] ||
		    strlen(colon + 1) >= sizeof(cfg->path))
			return -EINVAL;
		snprintf(cfg->path, sizeof(cfg->path), "%s", colon + 1);
	}
	return 0;
}

const char *a2a_gen_spec(const struct a2a_gen_cfg *cfg, char *buf, size_t len)
{
	const char *nm = a2a_routing_table[cfg->kind]->name;

	if (cfg->kind == A2A_GEN_ZIPF)
		snprintf(buf, len, "%s:%g", nm, cfg->zipf_s);
	else if (cfg->path[0])
		snprintf(buf, len, "%s:%s", nm, cfg->path);
	else
		snprintf(buf, len, "%s", nm);
	return buf;
}

void a2a_gen_close(struct a2a_gen *g)
{
	if (!g)
		return;
	if (g->ops && g->ops->fini)
		g->ops->fini(g);
	free(g->perm);
	free(g->taken);
	free(g->pop);
	free(g->cdf);
	free(g->share);
	free(g->dest);
	free(g->tperm);
	free(g->trace_ids);
	free(g->trace_w);
	free(g);
}

int a2a_gen_open(const struct a2a_gen_cfg *cfg, struct a2a_gen **g_p)
{
	struct a2a_gen *g;
	int ret;

	if (cfg->kind < 0 || cfg->kind >= A2A_GEN_NKINDS ||
	    cfg->n_experts < 1 || cfg->topk < 1 || cfg->topk > 256 ||
	    cfg->topk > cfg->n_experts || cfg->nranks < 1 ||
	    cfg->nranks > 1024) {
		BM_ERR("routing: bad geometry (%d experts, top-%d, %d ranks)",
		       cfg->n_experts, cfg->topk, cfg->nranks);
		return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->cfg	 = *cfg;
	g->ops	 = a2a_routing_table[cfg->kind];
	g->perm	 = calloc((size_t)cfg->n_experts, sizeof(*g->perm));
	g->taken = calloc((size_t)cfg->n_experts, 1);
	if (!g->perm || !g->taken) {
		ret = -ENOMEM;
		goto out_free;
	}
	if (g->ops->init) {
		ret = g->ops->init(g);
		if (ret)
			goto out_free;
	}
	*g_p = g;
	return 0;
out_free:
	g->ops = NULL;
	a2a_gen_close(g);
	return ret;
}

int a2a_gen_route(struct a2a_gen *g, int rank, uint64_t step,
		  struct a2a_route *r)
{
	if (r->topk != g->cfg.topk || rank < 0 || rank >= g->cfg.nranks ||
	    r->ntok < 0)
		return -EINVAL;
	return g->ops->route(g, rank, step, r);
}

const double *a2a_gen_popularity(const struct a2a_gen *g)
{
	return g->pop;
}

int a2a_route_alloc(struct a2a_route *r, int ntok, int topk)
{
	r->ntok = ntok;
	r->topk = topk;
	r->ids	= calloc((size_t)(ntok ? ntok : 1) * topk, sizeof(*r->ids));
	r->w	= calloc((size_t)(ntok ? ntok : 1) * topk, sizeof(*r->w));
	if (!r->ids || !r->w) {
		a2a_route_free(r);
		return -ENOMEM;
	}
	return 0;
}

void a2a_route_free(struct a2a_route *r)
{
	free(r->ids);
	free(r->w);
	r->ids = NULL;
	r->w   = NULL;
}

/* ---- counts, matrices, balance ---- */

void a2a_route_counts(const struct a2a_route *r, int n_experts, int nranks,
		      uint32_t *sel, uint32_t *tok)
{
	int t, j, d;
	uint8_t seen[1024];

	memset(sel, 0, (size_t)nranks * sizeof(*sel));
	memset(tok, 0, (size_t)nranks * sizeof(*tok));
	for (t = 0; t < r->ntok; t++) {
		memset(seen, 0, (size_t)(nranks < 1024 ? nranks : 1024));
		for (j = 0; j < r->topk; j++) {
			d = a2a_owner(r->ids[t * r->topk + j], n_experts,
				      nranks);
			sel[d]++;
			if (!seen[d]) {
				seen[d] = 1;
				tok[d]++;
			}
		}
	}
}

void a2a_route_hist(const struct a2a_route *r, int n_experts, uint64_t *hist)
{
	size_t i, n = (size_t)r->ntok * r->topk;

	for (i = 0; i < n; i++)
		if (r->ids[i] >= 0 && r->ids[i] < n_experts)
			hist[r->ids[i]]++;
}

int a2a_matrix_init(struct a2a_matrix *m, int n)
{
	m->n   = n;
	m->sel = calloc((size_t)n * n, sizeof(*m->sel));
	m->tok = calloc((size_t)n * n, sizeof(*m->tok));
	if (!m->sel || !m->tok) {
		a2a_matrix_free(m);
		return -ENOMEM;
	}
	return 0;
}

void a2a_matrix_free(struct a2a_matrix *m)
{
	free(m->sel);
	free(m->tok);
	m->sel = m->tok = NULL;
}

void a2a_matrix_clear(struct a2a_matrix *m)
{
	memset(m->sel, 0, (size_t)m->n * m->n * sizeof(*m->sel));
	memset(m->tok, 0, (size_t)m->n * m->n * sizeof(*m->tok));
}

void a2a_matrix_add(struct a2a_matrix *m, int src, const uint32_t *sel,
		    const uint32_t *tok)
{
	int d;

	for (d = 0; d < m->n; d++) {
		m->sel[src * m->n + d] += sel[d];
		m->tok[src * m->n + d] += tok[d];
	}
}

uint64_t a2a_matrix_total_sel(const struct a2a_matrix *m)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < m->n * m->n; i++)
		s += m->sel[i];
	return s;
}

int a2a_imbalance(const double *v, int n, struct a2a_imb *imb_p)
{
	struct a2a_imb b = {.argmax = 0};
	double sum	 = 0;
	int i;

	if (n < 1)
		return -EINVAL;
	b.min = b.max = v[0];
	for (i = 0; i < n; i++) {
		sum += v[i];
		if (v[i] > b.max) {
			b.max	 = v[i];
			b.argmax = i;
		}
		if (v[i] < b.min)
			b.min = v[i];
	}
	b.mean	= sum / n;
	b.ratio = b.mean > 0 ? b.max / b.mean : 1.0;
	*imb_p	= b;
	return 0;
}

int a2a_load_init(struct a2a_load *l, int nranks)
{
	l->nranks  = nranks;
	l->tok	   = calloc((size_t)nranks, sizeof(double));
	l->sel	   = calloc((size_t)nranks, sizeof(double));
	l->experts = calloc((size_t)nranks, sizeof(double));
	l->wbytes  = calloc((size_t)nranks, sizeof(double));
	if (!l->tok || !l->sel || !l->experts || !l->wbytes) {
		a2a_load_free(l);
		return -ENOMEM;
	}
	return 0;
}

void a2a_load_free(struct a2a_load *l)
{
	free(l->tok);
	free(l->sel);
	free(l->experts);
	free(l->wbytes);
	l->tok = l->sel = l->experts = l->wbytes = NULL;
}

void a2a_load_compute(struct a2a_load *l, const struct a2a_matrix *m,
		      const uint64_t *hist, int n_experts, double expert_bytes)
{
	int n = l->nranks, s, d, e;

	for (d = 0; d < n; d++) {
		l->tok[d] = l->sel[d] = l->experts[d] = 0;
		for (s = 0; s < m->n; s++) {
			l->tok[d] += (double)m->tok[s * m->n + d];
			l->sel[d] += (double)m->sel[s * m->n + d];
		}
	}
	for (e = 0; e < n_experts; e++)
		if (hist[e])
			l->experts[a2a_owner(e, n_experts, n)] += 1;
	for (d = 0; d < n; d++)
		l->wbytes[d] = l->experts[d] * expert_bytes;
}

static int cmp_desc_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

double a2a_zipf_fit(const uint64_t *counts, int n)
{
	uint64_t *c = malloc((size_t)n * sizeof(*c));
	double sx = 0, sy = 0, sxx = 0, sxy = 0, x, y, den;
	int i, m = 0;

	if (!c)
		return 0;
	memcpy(c, counts, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), cmp_desc_u64);
	for (i = 0; i < n && c[i]; i++, m++) {
		x = log((double)(i + 1));
		y = log((double)c[i]);
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
	}
	free(c);
	if (m < 2)
		return 0;
	den = m * sxx - sx * sx;
	return den > 0 ? -(m * sxy - sx * sy) / den : 0;
}

/* ---- bytes ---- */

void a2a_bytes_a2a(const uint64_t *sel, const uint64_t *tok, int me, int nranks,
		   int hidden, int topk, struct a2a_bytes *b_p)
{
	uint64_t fp8 =
	    (uint64_t)hidden +
	    (uint64_t)(hidden + A2A_FP8_BLOCK - 1) / A2A_FP8_BLOCK * 4;
	uint64_t rec	   = 2 * (uint64_t)hidden + a2a_meta_bytes(topk);
	struct a2a_bytes b = {0};
	int d;

	for (d = 0; d < nranks; d++) {
		b.deepep_dispatch += sel[d] * fp8;
		b.deepep_combine += sel[d] * 2 * (uint64_t)hidden;
		if (d == me) {
			b.self_dispatch += tok[d] * rec;
			b.self_combine += tok[d] * 2 * (uint64_t)hidden;
		} else {
			b.wire_dispatch += tok[d] * rec;
			b.wire_combine += tok[d] * 2 * (uint64_t)hidden;
		}
	}
	*b_p = b;
}

static void deepep_bytes(uint64_t sel_total, int hidden, struct a2a_bytes *b)
{
	uint64_t fp8 =
	    (uint64_t)hidden +
	    (uint64_t)(hidden + A2A_FP8_BLOCK - 1) / A2A_FP8_BLOCK * 4;

	b->deepep_dispatch = sel_total * fp8;
	b->deepep_combine  = sel_total * 2 * (uint64_t)hidden;
}

void a2a_bytes_agrs(int ntok, int nranks, int hidden, int topk,
		    uint64_t sel_total, struct a2a_bytes *b_p)
{
	struct a2a_bytes b = {0};
	uint64_t n1 = (uint64_t)(nranks - 1), T = (uint64_t)ntok;

	deepep_bytes(sel_total, hidden, &b);
	/* ring all-gather: each rank forwards n-1 blocks of ntok records */
	b.wire_dispatch = n1 * T * (2 * (uint64_t)hidden + 8 * (uint64_t)topk);
	/* ring reduce-scatter of n x ntok x hidden BF16: n-1 blocks out */
	b.wire_combine = n1 * T * 2 * (uint64_t)hidden;
	*b_p	       = b;
}

void a2a_bytes_eptp(int ntok, int nranks, int hidden, uint64_t sel_total,
		    struct a2a_bytes *b_p)
{
	struct a2a_bytes b = {0};
	uint64_t size	   = (uint64_t)ntok * 2 * (uint64_t)hidden;

	deepep_bytes(sel_total, hidden, &b);
	/* ring all-reduce: 2(n-1)/n of the buffer leaves each rank */
	b.wire_combine = 2 * (uint64_t)(nranks - 1) * size / (uint64_t)nranks;
	*b_p	       = b;
}
