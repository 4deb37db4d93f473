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
	}
	EXPECT_EQ(bm_parse_hostport("h:80", host, sizeof(host), &port), 0);
	EXPECT_STREQ(host, "h");
	EXPECT_EQ(bm_parse_hostport("::1:80", host, sizeof(host), &port),
		  -EINVAL);
	EXPECT_EQ(bm_parse_hostport("h:0", host, sizeof(host), &port), -EINVAL);
	EXPECT_EQ(bm_parse_hostport(":80", host, sizeof(host), &port), -EINVAL);
	return TEST_DONE();
}
