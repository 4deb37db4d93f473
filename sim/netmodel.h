/* SPDX-License-Identifier: MIT */
/*
 * sim netmodel: the time of one NCCL collective over a network link, built
 * from NCCL's own structure and from link-level quantities.
 *
 * Two halves, kept apart on purpose:
 *
 *  1. Which algorithm and protocol NCCL runs. NCCL decides this with its own
 *     cost model (src/graph/tuning.cc, ncclTopoTuneModel and
 *     ncclTopoGetAlgoTime, v2.28.3-1), which knows nothing about the
 *     transport: it gives the socket transport the same latency as IB
 *     (net_socket.cc:120 and net_ib.cc:891 both set props->latency = 0).
 *     sim_nccl_choose() replays that model with NCCL's constants, one GPU
 *     per node, so the choice (and NCCL's own time estimate) are NCCL's.
 *
 *  2. What that choice costs on this link. sim_coll_cost() walks the chosen
 *     algorithm's sequential network crossings:
 *
 *       t = launch + base(algo, proto)
 *         + crossings x (one_way + proxies(transport, proto) x proxy_us)
 *         + crossings x wire_bytes_per_crossing / rate(proto)
 *
 *     - launch: the collective's kernel inside the decode CUDA graph (the
 *       caller passes the hardware profile's per-kernel time);
 *     - base: NCCL's baseLat for the algorithm and protocol (tuning.cc:144),
 *       the kernel's fixed cost (start, local reduction, flags);
 *     - crossings: the one-way network hops that follow one another:
 *       ring all-reduce 2(n-1), tree all-reduce 2 log2(n) (up the tree and
 *       back down), ring all-gather/reduce-scatter n-1, PAT log2(n), ring
 *       broadcast n-1, send/recv 1 (tuning.cc:268-270, 378, 384; trees.cc);
 *     - one_way: the link's one-way small-message latency: an RDMA write for
 *       IB/RoCE, a TCP message for the socket transport (ib_lat measures
 *       both on the user's link);
 *     - proxies x proxy_us: the host proxy hand-offs on the critical path of
 *       one crossing. IB LL/LL128: the sender's proxy only (the receiving GPU
 *       polls the LL flags the NIC wrote); IB Simple: both proxies (the
 *       receiver's proxy sees the CQE and bumps the tail); socket: both
 *       proxies for every protocol (the receiving proxy recv()s the bytes
 *       into the host buffer), net.cc:1274-1303, 1586-1592,
 *       net_socket.cc:537-641. NCCL starts no socket helper threads on a
 *       ConnectX NIC (net_socket.cc:289-328: autoNt 0), so none is counted;
 *     - wire bytes: bytes per crossing per channel x the protocol's wire
 *       factor (LL 2: 8 data bytes per 16-byte line, prims_ll.h; LL128
 *       128/120; Simple 1) over the link rate (and, for LL/LL128, the
 *       host-memory LL path's rate where one is known).
 *
 * Every input is a struct sim_param that says what it is and where it came
 * from (physical/published, derived from a probe, fitted, or measured).
 */
#ifndef SIM_NETMODEL_H
#define SIM_NETMODEL_H
#include <stdbool.h>


enum sim_op {
	SIM_OP_ALLREDUCE,
	SIM_OP_ALLGATHER,
	SIM_OP_REDUCESCATTER,
	SIM_OP_BROADCAST,
	SIM_OP_SENDRECV,	/* one message, one way (NCCL send/recv) */
	SIM_OP_NR,
};

const char *sim_op_name(enum sim_op op);
int	    sim_op_parse(const char *s, enum sim_op *op_p);

enum sim_algo { SIM_ALGO_TREE, SIM_ALGO_RING, SIM_ALGO_PAT, SIM_ALGO_P2P,
		SIM_ALGO_NR };
enum sim_proto { SIM_PROTO_LL, SIM_PROTO_LL128, SIM_PROTO_SIMPLE,
		 SIM_PROTO_NR };

const char *sim_algo_name(enum sim_algo a);	/* "tree", "ring", ... */
const char *sim_proto_name(enum sim_proto p);	/* "LL", "LL128", "Simple" */
/* Case-insensitive, NCCL's spellings ("RING", "SIMPLE" ...). 0 or -EINVAL. */
int sim_algo_parse(const char *s, enum sim_algo *a_p);
int sim_proto_parse(const char *s, enum sim_proto *p_p);

/* Where a number came from. */
enum sim_kind {
	SIM_KIND_PHYSICAL,	/* a physical constant or a specification */
	SIM_KIND_PUBLISHED,	/* a published measurement (source names it) */
	SIM_KIND_DERIVED,	/* computed from a probe's measurement */
	SIM_KIND_FITTED,	/* fitted (source names the cells) */
	SIM_KIND_MEASURED,	/* read from a --net file on this run */
	SIM_KIND_NR,
};
const char *sim_kind_name(enum sim_kind k);
int sim_kind_parse(const char *s, enum sim_kind *k_p);

struct sim_param {
	double	      v;
	enum sim_kind kind;
	char	      src[256];	/* file:row, paper, NCCL file:line, cells */
};

enum sim_transport { SIM_TR_IB, SIM_TR_SOCKET };

enum sim_gpu_arch { SIM_GPU_VOLTA, SIM_GPU_AMPERE, SIM_GPU_HOPPER,
		    SIM_GPU_BLACKWELL };
enum sim_cpu { SIM_CPU_INTEL, SIM_CPU_AMD, SIM_CPU_ARM };

/* The link-level facts of one transport between nodes (one GPU each). */
struct sim_link {
	char		   name[64];	/* profile name, e.g. "roce" */
	enum sim_transport tr;
	struct sim_param   one_way_us;	/* small-message one-way latency */
	struct sim_param   bw_gbs;	/* data rate of one NCCL channel */
	struct sim_param   ll_bw_gbs;	/* host-memory LL/LL128 path rate
					 * (0: no cap beyond bw_gbs) */
	struct sim_param   proxy_us;	/* one proxy hand-off on the path */
	/* inputs of NCCL's own tuning model (what NCCL believes) */
	double		   nccl_bw_gbs;	/* its graph bandwidth per channel */
	bool		   ll128;	/* LL128 enabled on this GPU->NIC path */
	int		   channels;	/* communicator channels (2) */
	enum sim_gpu_arch  gpu;
	enum sim_cpu	   cpu;
};

/* One collective's cost, term by term (us). */
struct sim_coll_cost {
	enum sim_algo  algo;
	enum sim_proto proto;
	int	       crossings;	 /* sequential one-way network hops */
	int	       proxies;		 /* proxy hand-offs per crossing */
	int	       channels;	 /* channels NCCL uses at this size */
	double	       wire_bytes;	 /* per crossing: per channel (IB), all
					  * channels (socket: one proxy) */
	double	       launch_us;
	double	       base_us;
	double	       link_us;		 /* crossings x one_way */
	double	       proxy_us;	 /* crossings x proxies x proxy_us */
	double	       wire_us;		 /* crossings x wire_bytes / rate */
	double	       total_us;
	double	       nccl_us;		 /* NCCL's own estimate of the pick */
};

/*
 * NCCL's choice for op over n nodes (one GPU each) at bytes (nBytes as NCCL
 * counts them: the buffer for all-reduce/broadcast, the whole output for
 * all-gather/reduce-scatter). Send/recv is not in NCCL's model: it runs
 * the p2p path with Simple (no LL buffers on network p2p by default,
 * init.cc:717, net.cc:893-896). 0, or -EINVAL (n < 2, bytes <= 0).
 */
int sim_nccl_choose(const struct sim_link *l, enum sim_op op, double bytes,
		    int n, enum sim_algo *algo_p, enum sim_proto *proto_p,
		    double *nccl_us_p);

/* NCCL's own time estimate for one (algo, proto); < 0 when NCCL would not
 * consider it (disabled, or not defined for op). Exposed for tests. */
double sim_nccl_time(const struct sim_link *l, enum sim_op op,
		     enum sim_algo a, enum sim_proto p, double bytes, int n);

/* Cost of op over this link (choice as sim_nccl_choose). 0 or -EINVAL. */
int sim_coll_cost(const struct sim_link *l, enum sim_op op, double bytes,
		  int n, double launch_us, struct sim_coll_cost *c);

/* One crossing on this link: one-way latency + the proxy hand-offs of
 * protocol p (EP rendezvous, explain). */
double sim_link_crossing_us(const struct sim_link *l, enum sim_proto p);

/* The cost with a forced algorithm and protocol (what-ifs, tests). */
int sim_coll_cost_with(const struct sim_link *l, enum sim_op op,
		       double bytes, int n, enum sim_algo a, enum sim_proto p,
		       double launch_us, struct sim_coll_cost *c);

#endif
