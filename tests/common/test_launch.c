// SPDX-License-Identifier: MIT
/* Rank/size resolution from options and each launcher's environment. */
#include <errno.h>
#include <stdlib.h>

#include "bm.h"
#include "bm_test.h"

static const char *const *cur_env;

static char *fake_env(const char *name)
{
	const char *const *e;
	size_t n = strlen(name);

	for (e = cur_env; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return (char *)*e + n + 1;
	return NULL;
}

static int resolve(const char *const *env, int r, int n, const char *peer,
		   struct bm_launch *l)
{
	cur_env = env;
	memset(l, 0, sizeof(*l));
	return bm_launch_resolve(r, n, peer, 29500, fake_env, l);
}

/* Every host of a list, comma-joined ("" on error), and the count. */
static const char *expand(const char *list, size_t *n_p)
{
	static char out[4096];
	char h[BM_HOST_MAX];
	size_t n = 0, i, o = 0;

	out[0] = '\0';
	*n_p = 0;
	if (bm_hostlist_count(list, &n))
		return out;
	for (i = 0; i < n && o < sizeof(out) - BM_HOST_MAX; i++) {
		if (bm_hostlist_nth(list, i, h, sizeof(h)))
			return "(nth failed)";
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
				      i ? "," : "", h);
	}
	if (bm_hostlist_nth(list, n, h, sizeof(h)) != -ENOENT)
		return "(no end)";
	*n_p = n;
	return out;
}

int main(void)
{
	struct bm_launch l;
	char host[64];
	uint16_t port;

	{
		const char *e[] = { NULL };

		EXPECT_EQ(resolve(e, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.source, "single");
		EXPECT_EQ(l.nranks, 1);
	}
	{
		const char *e[] = { "RANK=1", "WORLD_SIZE=4", "LOCAL_RANK=1",
				    "MASTER_ADDR=node0", "MASTER_PORT=29400",
				    NULL };

		EXPECT_EQ(resolve(e, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.source, "torchrun");
		EXPECT_EQ(l.rank, 1);
		EXPECT_EQ(l.nranks, 4);
		EXPECT_EQ(l.local_rank, 1);
		EXPECT_STREQ(l.host, "node0");
		EXPECT_EQ(l.port, 29400);
	}
	{
		const char *e[] = { "SLURM_PROCID=3", "SLURM_NTASKS=8",
				    "SLURM_LOCALID=3",
				    "NETROOF_PEER=10.0.0.1:7000", NULL };

		EXPECT_EQ(resolve(e, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.source, "slurm");
		EXPECT_EQ(l.rank, 3);
		EXPECT_EQ(l.nranks, 8);
		EXPECT_EQ(l.local_rank, 3);
		EXPECT_STREQ(l.host, "10.0.0.1");
		EXPECT_EQ(l.port, 7000);
	}
	{
		const char *e[] = { "OMPI_COMM_WORLD_RANK=0",
				    "OMPI_COMM_WORLD_SIZE=2",
				    "OMPI_COMM_WORLD_LOCAL_RANK=0", NULL };

		EXPECT_EQ(resolve(e, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.source, "openmpi");
		EXPECT_EQ(l.nranks, 2);
		EXPECT_EQ(l.port, 29500);	/* rank 0 needs no peer */
	}
	{
		const char *e[] = { "PMI_RANK=1", "PMI_SIZE=2",
				    "MASTER_ADDR=h", NULL };

		EXPECT_EQ(resolve(e, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.source, "pmi");
		EXPECT_EQ(l.port, 29500);	/* default when no MASTER_PORT */
	}
	{	/* options win over the environment */
		const char *e[] = { "RANK=1", "WORLD_SIZE=4", NULL };

		EXPECT_EQ(resolve(e, 0, 2, "[::1]:1234", &l), 0);
		EXPECT_STREQ(l.source, "options");
		EXPECT_EQ(l.rank, 0);
		EXPECT_EQ(l.nranks, 2);
		EXPECT_STREQ(l.host, "::1");
		EXPECT_EQ(l.port, 1234);
	}
	{	/* NETROOF_* wins over torchrun's */
		const char *e[] = { "NETROOF_RANK=1", "NETROOF_NRANKS=2",
				    "RANK=5", "WORLD_SIZE=9",
				    "NETROOF_PEER=a:1", NULL };

		EXPECT_EQ(resolve(e, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.source, "netroof");
		EXPECT_EQ(l.nranks, 2);
	}
	{	/* errors */
		const char *noaddr[] = { "RANK=1", "WORLD_SIZE=2", NULL };
		const char *half[] = { "RANK=1", NULL };
		const char *range[] = { "RANK=2", "WORLD_SIZE=2", "MASTER_ADDR=x",
					NULL };
		const char *junk[] = { "SLURM_PROCID=x", "SLURM_NTASKS=2", NULL };

		EXPECT_EQ(resolve(noaddr, -1, -1, NULL, &l), -EINVAL);
		EXPECT_EQ(resolve(half, -1, -1, NULL, &l), -EINVAL);
		EXPECT_EQ(resolve(range, -1, -1, NULL, &l), -EINVAL);
		EXPECT_EQ(resolve(junk, -1, -1, NULL, &l), -EINVAL);
		EXPECT_EQ(resolve(noaddr, 1, -1, NULL, &l), -EINVAL);
		EXPECT_EQ(resolve(noaddr, 0, 2, "nohostport", &l), -EINVAL);
		/* Found by fuzz_launch_env: options past the bootstrap's
		 * 16-bit ranks were taken as they came. */
		EXPECT_EQ(resolve(noaddr, 0, 70000, NULL, &l), -EINVAL);
		EXPECT_EQ(resolve(noaddr, 0, 65535, NULL, &l), 0);
	}
	/* Slurm host lists, by hand. */
	{
		static const struct {
			const char *list, *hosts;
			size_t n;
		} good[] = {
			{ "gb10-[01-04,07],spark[1-2]",
			  "gb10-01,gb10-02,gb10-03,gb10-04,gb10-07,spark1,spark2", 7 },
			{ "node1", "node1", 1 },
			{ "a,b.example.org,c_d", "a,b.example.org,c_d", 3 },
			{ "n[8-10]", "n8,n9,n10", 3 },
			{ "n[08-10]", "n08,n09,n10", 3 },
			{ "n[098-100]", "n098,n099,n100", 3 },
			{ "rack[1-2]-n[01-02]",
			  "rack1-n01,rack1-n02,rack2-n01,rack2-n02", 4 },
			{ "[1-3]", "1,2,3", 3 },
			{ "n[1-2]x,h-[5]", "n1x,n2x,h-5", 3 },
			{ "n[3,1-2]", "n3,n1,n2", 3 },
			{ "n[0]", "n0", 1 },
		};
		static const char *const bad[] = {
			"", ",", "a,", ",a", "a,,b", "n[", "n[]", "n[1-]",
			"n[-1]", "n[2-1]", "n[1,]", "n[a]", "n]1", "n[1[2]]",
			"a b", "n[1-2", "n[1-2]]", "a;rm -rf /", "n\n1",
		};
		char h[BM_HOST_MAX], longname[400];
		size_t i, n;

		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			EXPECT_STREQ(expand(good[i].list, &n), good[i].hosts);
			EXPECT_EQ(n, good[i].n);
		}
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			EXPECT_EQ(bm_hostlist_count(bad[i], &n), -EINVAL);
			EXPECT_EQ(bm_hostlist_nth(bad[i], 0, h, sizeof(h)),
				  -EINVAL);
		}
		EXPECT_EQ(bm_hostlist_count("n[1234567890]", &n), -ERANGE);
		EXPECT_EQ(bm_hostlist_count("n[0-99999999]", &n), -ERANGE);
		EXPECT_EQ(bm_hostlist_count("a[0-9999]b[0-9999]", &n), -ERANGE);
		EXPECT_EQ(bm_hostlist_nth("a[0-9999]b[0-999]", 9999999, h,
					  sizeof(h)), 0);
		EXPECT_STREQ(h, "a9999b999");
		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		EXPECT_EQ(bm_hostlist_count(longname, &n), -ERANGE);
		EXPECT_EQ(bm_hostlist_nth("gb10-[01-04]", 0, h, 7), -ERANGE);
		EXPECT_EQ(bm_hostlist_nth("gb10-[01-04]", 0, h, 8), 0);
		EXPECT_STREQ(h, "gb10-01");
	}
	/* Under Slurm, rank 0 is the first node of the step's list. */
	{
		const char *e[] = { "SLURM_PROCID=2", "SLURM_NTASKS=4",
				    "SLURM_JOB_NODELIST=big[01-99]",
				    "SLURM_NODELIST=gb10-[03-04],spark1", NULL };
		const char *step[] = { "SLURM_PROCID=1", "SLURM_NTASKS=2",
				       "SLURM_STEP_NODELIST=spark[2-3]",
				       "SLURM_NODELIST=gb10-[03-04]",
				       "MASTER_PORT=7000", NULL };
		const char *job[] = { "SLURM_PROCID=1", "SLURM_NTASKS=2",
				      "SLURM_JOB_NODELIST=big[07-09]", NULL };
		const char *ma[] = { "SLURM_PROCID=1", "SLURM_NTASKS=2",
				     "SLURM_NODELIST=gb10-[03-04]",
				     "MASTER_ADDR=head", NULL };
		const char *junk[] = { "SLURM_PROCID=1", "SLURM_NTASKS=2",
				       "SLURM_NODELIST=gb10-[03-", NULL };
		const char *notslurm[] = { "RANK=1", "WORLD_SIZE=2",
					   "SLURM_NODELIST=gb10-[03-04]", NULL };

		EXPECT_EQ(resolve(e, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.host, "gb10-03");
		EXPECT_EQ(l.port, 29500);
		EXPECT_STREQ(l.peer_from, "SLURM_NODELIST");
		EXPECT_EQ(resolve(step, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.host, "spark2");
		EXPECT_EQ(l.port, 7000);
		EXPECT_STREQ(l.peer_from, "SLURM_STEP_NODELIST");
		EXPECT_EQ(resolve(job, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.host, "big07");
		EXPECT_EQ(resolve(ma, -1, -1, NULL, &l), 0);
		EXPECT_STREQ(l.host, "head");
		EXPECT_STREQ(l.peer_from, "MASTER_ADDR");
		EXPECT_EQ(resolve(junk, -1, -1, NULL, &l), -EINVAL);
		EXPECT(strstr(bm_log_last_error(), "SLURM_NODELIST") != NULL);
		EXPECT_EQ(resolve(notslurm, -1, -1, NULL, &l), -EINVAL);
	}
	EXPECT_EQ(bm_parse_hostport("h:80", host, sizeof(host), &port), 0);
	EXPECT_STREQ(host, "h");
	EXPECT_EQ(bm_parse_hostport("::1:80", host, sizeof(host), &port),
		  -EINVAL);
	EXPECT_EQ(bm_parse_hostport("h:0", host, sizeof(host), &port), -EINVAL);
	EXPECT_EQ(bm_parse_hostport(":80", host, sizeof(host), &port), -EINVAL);
	return TEST_DONE();
}
