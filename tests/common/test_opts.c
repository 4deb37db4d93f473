// SPDX-License-Identifier: MIT
/* Option, size and sweep parsing. */
#include <errno.h>
#include <stdlib.h>

#include "bm.h"
#include "bm_test.h"

static const struct bm_opt tab[] = {
	BM_OPTS_SWEEP,
	{ "type", 't', "T", "transport" },
	{ "events", BM_KEY_TOOL, NULL, "use events" },
	BM_OPTS_OOB,
	BM_OPTS_OUT,
	BM_OPT_END,
};

static int parse(int argc, char **argv, struct bm_common *c, const char **t,
		 int *events)
{
	struct bm_getopt g;
	int k, ret = 0;

	optind = 1;
	opterr = 0;
	bm_getopt_init(&g, tab);
	while ((k = bm_getopt_next(&g, argc, argv)) != -1) {
		int r = bm_common_opt(c, k, optarg);

		if (r > 0)
			continue;
		if (r < 0) {
			ret = -EINVAL;
			break;
		}
		if (k == 't')
			*t = optarg;
		else if (k == BM_KEY_TOOL)
			*events = 1;
		else {
			ret = -EINVAL;
			break;
		}
	}
	bm_getopt_free(&g);
	return ret ? ret : bm_common_check(c);
}

int main(void)
{
	struct bm_common c;
	const char *t = NULL;
	size_t v, s;
	int events = 0;
	char buf[32];

	EXPECT_EQ(bm_parse_size("64", &v), 0);
	EXPECT_EQ(v, 64);
	EXPECT_EQ(bm_parse_size("4K", &v), 0);
	EXPECT_EQ(v, 4096);
	EXPECT_EQ(bm_parse_size("4k", &v), 0);
	EXPECT_EQ(v, 4096);
	EXPECT_EQ(bm_parse_size("1M", &v), 0);
	EXPECT_EQ(v, 1048576);
	EXPECT_EQ(bm_parse_size("1MiB", &v), 0);
	EXPECT_EQ(v, 1048576);
	EXPECT_EQ(bm_parse_size("8G", &v), 0);
	EXPECT_EQ(v, 8ull << 30);
	EXPECT_EQ(bm_parse_size("12B", &v), 0);
	EXPECT_EQ(v, 12);
	EXPECT_EQ(bm_parse_size("4X", &v), -EINVAL);
	EXPECT_EQ(bm_parse_size("-1", &v), -EINVAL);
	EXPECT_EQ(bm_parse_size("", &v), -EINVAL);
	EXPECT_EQ(bm_parse_size("K", &v), -EINVAL);
	EXPECT_EQ(bm_parse_size("4KK", &v), -EINVAL);
	EXPECT_EQ(bm_parse_size("99999999999999999999", &v), -ERANGE);
	EXPECT_EQ(bm_parse_size("99999999999T", &v), -ERANGE);
	EXPECT_STREQ(bm_fmt_size(4096, buf, sizeof(buf)), "4 KiB");
	EXPECT_STREQ(bm_fmt_size(1000, buf, sizeof(buf)), "1000 B");
	EXPECT_STREQ(bm_fmt_size(64u << 20, buf, sizeof(buf)), "64 MiB");

	/* nccl-tests sweep: -b 8 -e 64 -f 2 gives 8 16 32 64. */
	{
		struct bm_sweep sw = { .min = 8, .max = 64, .factor = 2 };
		struct bm_sweep si = { .min = 8, .max = 64, .incr = 20 };

		EXPECT_EQ(bm_sweep_count(&sw), 4);
		EXPECT_EQ(bm_sweep_next(&sw, 32), 64);
		EXPECT_EQ(bm_sweep_next(&sw, 64), 0);
		EXPECT_EQ(bm_sweep_count(&si), 3);	/* 8 28 48 */
		EXPECT_EQ(bm_sweep_next(&si, 28), 48);
	}

	{
		char *argv[] = { "x", "-b", "8", "-e", "1M", "-f", "4", "-n",
				 "500", "-w", "0", "-t", "tcp", "--events",
				 "--timeout", "2.5", "-p", "9999", "host1",
				 NULL };

		c = BM_COMMON_INIT(2, 8, 1000, 100, 18515);
		EXPECT_EQ(parse(19, argv, &c, &t, &events), 0);
		EXPECT_EQ(c.sweep.min, 8);
		EXPECT_EQ(c.sweep.max, 1 << 20);
		EXPECT_NEAR(c.sweep.factor, 4, 0);
		EXPECT_EQ(c.iters, 500);
		EXPECT_EQ(c.warmup, 0);
		EXPECT_EQ(c.timeout_ms, 2500);
		EXPECT_EQ(c.port, 9999);
		EXPECT_STREQ(t, "tcp");
		EXPECT_EQ(events, 1);
		EXPECT_STREQ(argv[optind], "host1");	/* the positional */
		s = bm_sweep_count(&c.sweep);
		EXPECT_EQ(s, 9);	/* 8 32 128 512 2K 8K 32K 128K 512K */
	}
	{
		char *argv[] = { "x", "-s", "4K", "--json", "-", "--csv", "-",
				 NULL };

		c = BM_COMMON_INIT(2, 8, 1000, 100, 18515);
		EXPECT_EQ(parse(7, argv, &c, &t, &events), -EINVAL);
	}
	{
		char *argv[] = { "x", "-b", "1M", "-e", "4K", NULL };

		c = BM_COMMON_INIT(2, 8, 1000, 100, 18515);
		EXPECT_EQ(parse(5, argv, &c, &t, &events), -EINVAL);
	}
	{
		char *bad[][3] = { { "x", "-n", "0" }, { "x", "-n", "abc" },
				   { "x", "-p", "70000" }, { "x", "-f", "1" },
				   { "x", "-s", "1Q" },
				   { "x", "--timeout", "-3" } };
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *argv[4] = { bad[i][0], bad[i][1], bad[i][2], NULL };

			c = BM_COMMON_INIT(2, 8, 1000, 100, 18515);
			EXPECT_EQ(parse(3, argv, &c, &t, &events), -EINVAL);
		}
	}
	{
		char *argv[] = { "x", "-a", "--bogus", NULL };

		c = BM_COMMON_INIT(64, 64, 1000, 100, 18515);
		EXPECT_EQ(parse(3, argv, &c, &t, &events), -EINVAL);
		EXPECT_EQ(c.sweep.min, 2);	/* -a was parsed before */
		EXPECT_EQ(c.sweep.max, 8 << 20);
	}
	/* What the order of options used to decide silently is refused. */
	{
		char *bad[][5] = { { "x", "-s", "64", "-b", "8" },
				   { "x", "-b", "8", "-s", "64" },
				   { "x", "-a", "-s", "64", NULL },
				   { "x", "-f", "2", "-i", "8" },
				   { "x", "-i", "8", "-a", NULL },
				   { "x", "-b", "1", "-i", "1" } /* 1..8 B ok */,
				   { "x", "-J", "o", "--csv", "o" } };
		int want[] = { -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, 0,
			       -EINVAL };
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *argv[6] = { bad[i][0], bad[i][1], bad[i][2],
					  bad[i][3], bad[i][4], NULL };
			int argc = bad[i][4] ? 5 : 4;

			c = BM_COMMON_INIT(2, 8, 1000, 100, 18515);
			EXPECT_EQ(parse(argc, argv, &c, &t, &events), want[i]);
		}
	}
	/* A sweep of a million sizes is refused, not run for a day. */
	{
		char *argv[] = { "x", "-b", "1", "-e", "1M", "-i", "1", NULL };

		c = BM_COMMON_INIT(2, 8, 1000, 100, 18515);
		EXPECT_EQ(parse(7, argv, &c, &t, &events), -EINVAL);
	}
	/* A factor too small to move off 2 B still steps: 2 3 4 5 7 9. */
	{
		struct bm_sweep sw = { .min = 2, .max = 9, .factor = 1.4 };

		EXPECT_EQ(bm_sweep_next(&sw, 2), 3);
		EXPECT_EQ(bm_sweep_next(&sw, 5), 7);
		EXPECT_EQ(bm_sweep_count(&sw), 6);
		sw = (struct bm_sweep){ .min = 1, .max = SIZE_MAX,
					.factor = 1e300 };
		EXPECT_EQ(bm_sweep_next(&sw, 1), SIZE_MAX);
		EXPECT_EQ(bm_sweep_next(&sw, SIZE_MAX), 0);
	}
	/* Blanks are not numbers; what bm_fmt_size prints reads back. */
	{
		long l;
		double d;

		EXPECT_EQ(bm_parse_int(" 5", 0, 9, &l), -EINVAL);
		EXPECT_EQ(bm_parse_double(" 5", &d), -EINVAL);
		EXPECT_EQ(bm_parse_double("nan", &d), -EINVAL);
		EXPECT_EQ(bm_parse_size("4 KiB", &v), 0);
		EXPECT_EQ(v, 4096);
		EXPECT_EQ(bm_parse_size("4 ", &v), -EINVAL);
		EXPECT_EQ(bm_parse_size("4  K", &v), -EINVAL);
		EXPECT_EQ(bm_parse_size(bm_fmt_size(3u << 20, buf, sizeof(buf)),
					&v), 0);
		EXPECT_EQ(v, 3u << 20);
	}
	/* --cpu: a CPU this process may run on, else -ERANGE and the list. */
	{
		char avail[256] = "";
		int cpu = -1;

		EXPECT_EQ(bm_parse_cpu("0", &cpu, avail, sizeof(avail)), 0);
		EXPECT_EQ(cpu, 0);
		EXPECT(avail[0] == '0');
		EXPECT_EQ(bm_parse_cpu("4000", &cpu, avail, sizeof(avail)),
			  -ERANGE);
		EXPECT_EQ(bm_parse_cpu("x", &cpu, avail, sizeof(avail)), -EINVAL);
		EXPECT_EQ(bm_parse_cpu("-1", &cpu, avail, sizeof(avail)),
			  -ERANGE);
	}
	/* --help lists every option with its argument. */
	{
		char *txt = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&txt, &len);

		bm_usage(f, "tool", "[options] [HOST]", "About.", tab, NULL);
		fclose(f);
		EXPECT(strstr(txt, "Usage: tool [options] [HOST]") != NULL);
		EXPECT(strstr(txt, "-b, --minbytes SIZE") != NULL);
		EXPECT(strstr(txt, "--events") != NULL);
		EXPECT(strstr(txt, "--timeout SEC") != NULL);
		EXPECT(strstr(txt, "77 device or backend") != NULL);
		free(txt);
	}
	return TEST_DONE();
}
