// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gitrev.h"
#include "opts.h"

int bm_parse_u64(const char *s, uint64_t *v_p)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*v_p = v;
	return 0;
}

int bm_parse_int(const char *s, long min, long max, long *v_p)
{
	long v;
	char *end;

	/* strtol would skip leading blanks: " 5" is not a number here. */
	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*v_p = v;
	return 0;
}

int bm_parse_double(const char *s, double *v_p)
{
	double v;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno)
		return -ERANGE;
	if (*end || !isfinite(v))
		return -EINVAL;
	*v_p = v;
	return 0;
}

/* "64", "4K", "4k", "1M", "1MB", "1MiB", "8G", "2T", "12B". Binary units.
 * One space may come before the unit, so that what bm_fmt_size() prints
 * ("4 KiB") reads back. */
int bm_parse_size(const char *s, size_t *v_p)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end == ' ' && end[1] && strchr("KkMmGgTtBb", end[1]))
		end++;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	case '\0': break;
	case 'B': break;
	default: return -EINVAL;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (SIZE_MAX >> shift))
		return -ERANGE;
	*v_p = (size_t)(v << shift);
	return 0;
}

/* "0-3,8,10-11" from a CPU set. */
static void cpus_text(const cpu_set_t *set, char *buf, size_t len)
{
	size_t n = 0;
	int c, lo;

	if (len)
		buf[0] = '\0';
	for (c = 0; c < CPU_SETSIZE && n < len; c++) {
		if (!CPU_ISSET(c, set))
			continue;
		lo = c;
		while (c + 1 < CPU_SETSIZE && CPU_ISSET(c + 1, set))
			c++;
		n += (size_t)snprintf(buf + n, len - n, lo == c ? "%s%d" :
				      "%s%d-%d", n ? "," : "", lo, c);
	}
}

int bm_parse_cpu(const char *s, int *cpu_p, char *avail, size_t len)
{
	cpu_set_t set;
	long v;
	int ret;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	cpus_text(&set, avail, len);
	ret = bm_parse_int(s, 0, CPU_SETSIZE - 1, &v);
	if (ret)
		return ret;
	if (!CPU_ISSET((int)v, &set))
		return -ERANGE;
	*cpu_p = (int)v;
	return 0;
}

const char *bm_fmt_size(size_t v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (u < 4 && v >= 1024 && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	snprintf(buf, len, "%zu %s", v, units[u]);
	return buf;
}

size_t bm_sweep_next(const struct bm_sweep *s, size_t cur)
{
	size_t next;
	double d;

	if (s->incr) {
		next = cur + s->incr;
	} else if (s->factor > 1.0) {
		d = (double)cur * s->factor;
		next = d >= (double)SIZE_MAX ? SIZE_MAX : (size_t)d;
		/* -f 1.4 from 2 B would round back to 2 and end the sweep
		 * there: step at least one byte. */
		if (next <= cur && cur < SIZE_MAX)
			next = cur + 1;
	} else {
		return 0;
	}
	if (next <= cur || next > s->max)
		return 0;
	return next;
}

/* Counts up to limit + 1 (so a huge sweep costs no more than that). */
static size_t sweep_count_upto(const struct bm_sweep *s, size_t limit)
{
	size_t n = 0, v;

	for (v = s->min; v && n <= limit; v = bm_sweep_next(s, v))
		n++;
	return n;
}

size_t bm_sweep_count(const struct bm_sweep *s)
{
	return sweep_count_upto(s, SIZE_MAX - 1);
}

static int bad_value(const char *what, const char *arg)
{
	fprintf(stderr, "invalid %s: '%s'\n", what, arg ? arg : "");
	return -EINVAL;
}

int bm_common_opt(struct bm_common *c, int key, const char *arg)
{
	uint64_t u;
	size_t sz;
	double d;
	long l;

	switch (key) {
	case 's':
		if (bm_parse_size(arg, &sz) || !sz)
			return bad_value("size (e.g. 64, 4K, 1M)", arg);
		c->sweep.min = c->sweep.max = sz;
		c->sweep_keys |= BM_SWEEP_KEY_S;
		return 1;
	case 'b':
	case 'e':
		if (bm_parse_size(arg, &sz) || !sz)
			return bad_value("size (e.g. 64, 4K, 1M)", arg);
		if (key == 'b')
			c->sweep.min = sz;
		else
			c->sweep.max = sz;
		c->sweep_keys |= BM_SWEEP_KEY_RANGE;
		return 1;
	case 'f':
		if (bm_parse_double(arg, &d) || d <= 1.0)
			return bad_value("step factor (> 1)", arg);
		c->sweep.factor = d;
		c->sweep.incr = 0;
		c->sweep_keys |= BM_SWEEP_KEY_F;
		return 1;
	case 'i':
		if (bm_parse_size(arg, &sz) || !sz)
			return bad_value("step bytes", arg);
		c->sweep.incr = sz;
		c->sweep_keys |= BM_SWEEP_KEY_I;
		return 1;
	case 'a':
		c->sweep = (struct bm_sweep){ .min = 2, .max = 8u << 20,
					      .factor = 2.0 };
		c->sweep_keys |= BM_SWEEP_KEY_A;
		return 1;
	case 'n':
		if (bm_parse_u64(arg, &u) || !u)
			return bad_value("iteration count (>= 1)", arg);
		c->iters = u;
		return 1;
	case 'w':
		if (bm_parse_u64(arg, &u))
			return bad_value("warm-up count", arg);
		c->warmup = u;
		return 1;
	case 'J':
		c->json_path = arg;
		return 1;
	case BM_KEY_CSV:
		c->csv_path = arg;
		return 1;
	case 'q':
		c->quiet = true;
		return 1;
	case 'h':
		c->help = true;
		return 1;
	case 'V':
		c->version = true;
		return 1;
	case 'p':
		if (bm_parse_int(arg, 1, 65535, &l))
			return bad_value("port (1-65535)", arg);
		c->port = (uint16_t)l;
		return 1;
	case BM_KEY_BIND:
		c->bind = arg;
		return 1;
	case BM_KEY_TIMEOUT:
		if (bm_parse_double(arg, &d) || d <= 0 || d > 86400)
			return bad_value("timeout in seconds", arg);
		c->timeout_ms = (int)ceil(d * 1000.0);
		return 1;
	}
	return 0;
}

int bm_common_check(struct bm_common *c)
{
	unsigned k = c->sweep_keys;
	size_t n;

	/* Each of these used to win or lose silently by their order. */
	if ((k & BM_SWEEP_KEY_S) && (k & ~BM_SWEEP_KEY_S)) {
		fprintf(stderr, "-s is one size; -b/-e/-f/-i/-a make a sweep: "
			"give one or the other\n");
		return -EINVAL;
	}
	if ((k & BM_SWEEP_KEY_I) && (k & (BM_SWEEP_KEY_F | BM_SWEEP_KEY_A))) {
		fprintf(stderr, "-i (step bytes) and %s both given: pick one\n",
			k & BM_SWEEP_KEY_F ? "-f (step factor)" :
			"-a (powers of two)");
		return -EINVAL;
	}
	if (c->sweep.min > c->sweep.max) {
		fprintf(stderr, "minimum size (-b) is larger than maximum (-e)\n");
		return -EINVAL;
	}
	n = sweep_count_upto(&c->sweep, BM_SWEEP_MAX_SIZES);
	if (n > BM_SWEEP_MAX_SIZES) {
		fprintf(stderr, "the sweep has more than %u sizes: use a larger "
			"-f or -i, or a narrower -b/-e\n", BM_SWEEP_MAX_SIZES);
		return -EINVAL;
	}
	if (c->json_path && c->csv_path && !strcmp(c->json_path, "-") &&
	    !strcmp(c->csv_path, "-")) {
		fprintf(stderr, "-J - and --csv - cannot both use stdout\n");
		return -EINVAL;
	}
	if (c->json_path && c->csv_path && !strcmp(c->json_path, c->csv_path)) {
		fprintf(stderr, "-J and --csv name the same file '%s'\n",
			c->json_path);
		return -EINVAL;
	}
	return 0;
}

int bm_getopt_init(struct bm_getopt *g, const struct bm_opt *tab)
{
	size_t n = 0, i, k = 0;

	while (tab[n].name)
		n++;
	g->tab = tab;
	g->lopts = calloc(n + 1, sizeof(*g->lopts));
	g->shortopts = calloc(2 * n + 2, 1);
	if (!g->lopts || !g->shortopts) {
		bm_getopt_free(g);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		g->lopts[i] = (struct option){ tab[i].name,
			tab[i].arg ? required_argument : no_argument, NULL,
			tab[i].key };
		if (tab[i].key > 0 && tab[i].key < 256) {
			g->shortopts[k++] = (char)tab[i].key;
			if (tab[i].arg)
				g->shortopts[k++] = ':';
		}
	}
	return 0;
}

int bm_getopt_next(struct bm_getopt *g, int argc, char **argv)
{
	return getopt_long(argc, argv, g->shortopts, g->lopts, NULL);
}

void bm_getopt_free(struct bm_getopt *g)
{
	free(g->lopts);
	free(g->shortopts);
	g->lopts = NULL;
	g->shortopts = NULL;
}

void bm_usage(FILE *f, const char *tool, const char *synopsis,
	      const char *about, const struct bm_opt *tab,
	      const char *epilogue)
{
	const struct bm_opt *o;
	char left[64];

	fprintf(f, "Usage: %s %s\n", tool, synopsis);
	if (about)
		fprintf(f, "%s\n", about);
	fprintf(f, "\nOptions:\n");
	for (o = tab; o->name; o++) {
		int n;

		if (o->key > 0 && o->key < 256)
			n = snprintf(left, sizeof(left), "  -%c, --%s", o->key,
				     o->name);
		else
			n = snprintf(left, sizeof(left), "      --%s", o->name);
		if (o->arg && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s",
				 o->arg);
		if (strlen(left) > 27)
			fprintf(f, "%s\n%-28s%s\n", left, "", o->help);
		else
			fprintf(f, "%-28s%s\n", left, o->help);
	}
	if (epilogue)
		fprintf(f, "\n%s", epilogue);
	fprintf(f, "\nExit status: 0 ok, 1 failure or data check failed, "
		   "2 usage error,\n77 device or backend unavailable or not "
		   "built.\n");
}

void bm_print_version(FILE *f, const char *tool)
{
	fprintf(f, "%s (netroof) %s, git %s\n", tool, NETROOF_VERSION,
		NETROOF_GITREV);
	fprintf(f, "built with: verbs=%s rdmacm=%s hwloc=%s cuda=%s nccl=%s\n",
		HAVE_VERBS ? "yes" : "no", HAVE_RDMACM ? "yes" : "no",
		HAVE_HWLOC ? "yes" : "no", HAVE_CUDA ? "yes" : "no",
		HAVE_NCCL ? "yes" : "no");
}
