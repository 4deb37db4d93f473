// SPDX-License-Identifier: MIT
/*
 * sim netmodel: NCCL's algorithm/protocol choice and the cost of a
 * collective, against values worked out by hand from NCCL v2.28.3's
 * src/graph/tuning.cc (the arithmetic is in each comment).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bm_test.h"
#include "netmodel.h"

/* The GB10 pair as NCCL sees it: one 12 GB/s ring channel (Gen5 x4),
 * two communicator channels, LL128 on, Blackwell tables, Arm CPU. */
static struct sim_link gb10(enum sim_transport tr)
{
	struct sim_link l = { .tr = tr, .nccl_bw_gbs = 12, .ll128 = true,
			      .channels = 2, .gpu = SIM_GPU_BLACKWELL,
			      .cpu = SIM_CPU_ARM };

	l.one_way_us.v = 1.5;
	l.bw_gbs.v = 12;
	l.proxy_us.v = 7;
	return l;
}

static void pick(const struct sim_link *l, enum sim_op op, double bytes,
		 int n, enum sim_algo a, enum sim_proto p)
{
	enum sim_algo ga;
	enum sim_proto gp;
	double us;

	EXPECT_EQ(sim_nccl_choose(l, op, bytes, n, &ga, &gp, &us), 0);
	if (ga != a || gp != p)
		fprintf(stderr, "  %s %.0f B n=%d: got %s/%s, want %s/%s\n",
			sim_op_name(op), bytes, n, sim_algo_name(ga),
			sim_proto_name(gp), sim_algo_name(a), sim_proto_name(p));
	EXPECT_EQ(ga, a);
	EXPECT_EQ(gp, p);
}

static void test_nccl_times(void)
{
	struct sim_link l = gb10(SIM_TR_IB);

	/* n=2, 4 KiB all-reduce, ring/LL: base 6.6 + 2(n-1) = 2 steps x the
	 * tree row's NET latency 5.0 (ppn 1) = 16.6 us; algBw min(39, 12 x
	 * .5) x n/nsteps = 6.0 GB/s; 16.6 + 4096 / 6000 = 17.2827 */
	EXPECT_NEAR(sim_nccl_time(&l, SIM_OP_ALLREDUCE, SIM_ALGO_RING,
				  SIM_PROTO_LL, 4096, 2), 16.6 + 4096 / 6000.0,
		    1e-6);
	/* n=4, 4 KiB, tree/LL: 6.8 + 2 log2(4) x 5.0 = 26.8; busBw 12 x .92
	 * / 3.8 x .85 x .5 = 1.2347; tree correction LL at log2(4096/64) = 6
	 * is .7: 26.8 + 4096 / (1234.7 x .7) = 31.539 */
	EXPECT_NEAR(sim_nccl_time(&l, SIM_OP_ALLREDUCE, SIM_ALGO_TREE,
				  SIM_PROTO_LL, 4096, 4),
		    26.8 + 4096 / (1000 * 12 * .92 / 3.8 * .85 * .5 * .7), 1e-6);
	/* ring/Simple at two nodes: base 8.4 + 2 x 14 = 36.4, x 1.4 once
	 * nBytes / (2 channels x 2 ranks) >= 64, i.e. from 256 B */
	EXPECT_NEAR(sim_nccl_time(&l, SIM_OP_ALLREDUCE, SIM_ALGO_RING,
				  SIM_PROTO_SIMPLE, 128, 2), 36.4 + 128 / 12000.0,
		    1e-6);
	EXPECT_NEAR(sim_nccl_time(&l, SIM_OP_ALLREDUCE, SIM_ALGO_RING,
				  SIM_PROTO_SIMPLE, 4096, 2),
		    36.4 * 1.4 + 4096 / 12000.0, 1e-6);
	/* not in NCCL's model for the op */
	EXPECT(sim_nccl_time(&l, SIM_OP_ALLGATHER, SIM_ALGO_TREE, SIM_PROTO_LL,
			     4096, 2) < 0);
	EXPECT(sim_nccl_time(&l, SIM_OP_ALLREDUCE, SIM_ALGO_PAT,
			     SIM_PROTO_SIMPLE, 4096, 2) < 0);
}

static void test_choices(void)
{
	struct sim_link l = gb10(SIM_TR_IB);

	/* n=2: ring/LL for every decode size, LL128 once its lower
	 * bandwidth cost outweighs its 14.4 us of extra latency (~189 KB) */
	pick(&l, SIM_OP_ALLREDUCE, 8, 2, SIM_ALGO_RING, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 4096, 2, SIM_ALGO_RING, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 131072, 2, SIM_ALGO_RING, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 262144, 2, SIM_ALGO_RING, SIM_PROTO_LL128);
	/* n=4: tree/LL (4 steps against the ring's 6) until its 1/3.8
	 * bandwidth loses, between 8 and 16 KB */
	pick(&l, SIM_OP_ALLREDUCE, 8, 4, SIM_ALGO_TREE, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 4096, 4, SIM_ALGO_TREE, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 8192, 4, SIM_ALGO_TREE, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 16384, 4, SIM_ALGO_RING, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 1048576, 4, SIM_ALGO_RING, SIM_PROTO_LL128);
	/* n=8: tree/LL (6 steps against 14) up to 32 KB, tree/LL128 at 64
	 * KB, ring again beyond */
	pick(&l, SIM_OP_ALLREDUCE, 4096, 8, SIM_ALGO_TREE, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 32768, 8, SIM_ALGO_TREE, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 65536, 8, SIM_ALGO_TREE, SIM_PROTO_LL128);
	pick(&l, SIM_OP_ALLREDUCE, 262144, 8, SIM_ALGO_RING, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 1048576, 8, SIM_ALGO_RING, SIM_PROTO_LL128);
	/* the logits all-gather at TP=2 (304 KB in all): ring/Simple */
	pick(&l, SIM_OP_ALLGATHER, 303872, 2, SIM_ALGO_RING, SIM_PROTO_SIMPLE);
	pick(&l, SIM_OP_ALLGATHER, 4096, 2, SIM_ALGO_RING, SIM_PROTO_LL);
	/* send/recv is outside NCCL's model: p2p over the network, Simple */
	pick(&l, SIM_OP_SENDRECV, 8192, 2, SIM_ALGO_P2P, SIM_PROTO_SIMPLE);
	/* without LL128 (a PHB path), 512 KB at n=2 goes to Simple */
	l.ll128 = false;
	pick(&l, SIM_OP_ALLREDUCE, 262144, 2, SIM_ALGO_RING, SIM_PROTO_LL);
	pick(&l, SIM_OP_ALLREDUCE, 524288, 2, SIM_ALGO_RING, SIM_PROTO_SIMPLE);
}

static void test_costs(void)
{
	struct sim_link ib = gb10(SIM_TR_IB), so = gb10(SIM_TR_SOCKET);
	struct sim_coll_cost c;

	/* n=2, 4 KiB over IB, ring/LL, 1 channel (4096 < 2 x 512 x 16):
	 * 2 crossings, 1 proxy each, LL wire bytes 2 x 4096/2 = 4096:
	 * 1 + 6.6 + 2 x 1.5 + 2 x 7 + 2 x 4096 / 12000 */
	EXPECT_EQ(sim_coll_cost(&ib, SIM_OP_ALLREDUCE, 4096, 2, 1.0, &c), 0);
	EXPECT_EQ(c.crossings, 2);
	EXPECT_EQ(c.proxies, 1);
	EXPECT_EQ(c.channels, 1);
	EXPECT_NEAR(c.wire_bytes, 4096, 1e-9);
	EXPECT_NEAR(c.total_us, 1 + 6.6 + 3 + 14 + 8192 / 12000.0, 1e-9);
	/* the same over sockets: both proxies on every crossing */
	EXPECT_EQ(sim_coll_cost(&so, SIM_OP_ALLREDUCE, 4096, 2, 1.0, &c), 0);
	EXPECT_EQ(c.proxies, 2);
	EXPECT_NEAR(c.total_us, 1 + 6.6 + 3 + 28 + 8192 / 12000.0, 1e-9);
	/* a host-memory LL rate caps LL, not Simple */
	ib.ll_bw_gbs.v = 2;
	EXPECT_EQ(sim_coll_cost(&ib, SIM_OP_ALLREDUCE, 4096, 2, 0, &c), 0);
	EXPECT_NEAR(c.wire_us, 2 * 4096 / 2000.0, 1e-9);
	/* crossings by algorithm: ring 2(n-1), tree 2 log2 n */
	EXPECT_EQ(sim_coll_cost(&ib, SIM_OP_ALLREDUCE, 4096, 4, 0, &c), 0);
	EXPECT_EQ(c.algo, SIM_ALGO_TREE);
	EXPECT_EQ(c.crossings, 4);
	EXPECT_NEAR(c.wire_bytes, 4096 * 2, 1e-9);	/* whole buffer, LL */
	EXPECT_EQ(sim_coll_cost(&ib, SIM_OP_ALLREDUCE, 4096, 8, 0, &c), 0);
	EXPECT_EQ(c.crossings, 6);
	EXPECT_EQ(sim_coll_cost(&ib, SIM_OP_ALLREDUCE, 16384, 4, 0, &c), 0);
	EXPECT_EQ(c.algo, SIM_ALGO_RING);
	EXPECT_EQ(c.crossings, 6);
	EXPECT_EQ(sim_coll_cost_with(&ib, SIM_OP_ALLREDUCE, 4096, 8,
				     SIM_ALGO_RING, SIM_PROTO_LL, 0, &c), 0);
	EXPECT_EQ(c.crossings, 14);
	/* ring all-gather n-1, send/recv 1 with Simple: 2 proxies on IB */
	EXPECT_EQ(sim_coll_cost(&ib, SIM_OP_ALLGATHER, 303872, 4, 0, &c), 0);
	EXPECT_EQ(c.crossings, 3);
	EXPECT_EQ(sim_coll_cost(&ib, SIM_OP_SENDRECV, 4096, 2, 0, &c), 0);
	EXPECT_EQ(c.crossings, 1);
	EXPECT_EQ(c.proxies, 2);
	EXPECT_NEAR(c.total_us, 8.4 + 1.5 + 2 * 7 + 4096 / 12000.0, 1e-9);
	/* a crossing: one-way + the protocol's proxies */
	EXPECT_NEAR(sim_link_crossing_us(&so, SIM_PROTO_LL), 1.5 + 14, 1e-9);
	/* nothing to cost */
	EXPECT(sim_coll_cost(&ib, SIM_OP_ALLREDUCE, 4096, 1, 0, &c) < 0);
	EXPECT(sim_coll_cost(&ib, SIM_OP_ALLREDUCE, 0, 2, 0, &c) < 0);
}

static void test_names(void)
{
	enum sim_algo a;
	enum sim_proto p;
	enum sim_kind k;

	EXPECT_EQ(sim_algo_parse("RING", &a), 0);
	EXPECT_EQ(a, SIM_ALGO_RING);
	EXPECT_EQ(sim_proto_parse("SIMPLE", &p), 0);
	EXPECT_EQ(p, SIM_PROTO_SIMPLE);
	EXPECT_EQ(sim_proto_parse("LL128", &p), 0);
	EXPECT_EQ(p, SIM_PROTO_LL128);
	EXPECT_EQ(sim_kind_parse("derived", &k), 0);
	EXPECT_EQ(k, SIM_KIND_DERIVED);
	EXPECT(sim_kind_parse("guessed", &k) < 0);
}

int main(void)
{
	test_nccl_times();
	test_choices();
	test_costs();
	test_names();
	return TEST_DONE();
}
