/* SPDX-License-Identifier: MIT */
/*
 * sim network profiles: latency of one collective (or one point-to-point
 * message) against message size, for two ranks, interpolated.
 *
 * Built-in profiles are data files (sim/profiles/net-<name>.json: roce,
 * socket, roce-oneshot). A measured profile is read from the JSON document
 * of ib_lat, nccl_coll or moe_alltoall (--net FILE): its rows' size and
 * latency replace the defaults of the ops it measured; the rest stays.
 */
#ifndef SIM_NETPROF_H
#define SIM_NETPROF_H
#include <stddef.h>

enum sim_op {
	SIM_OP_ALLREDUCE,
	SIM_OP_ALLGATHER,
	SIM_OP_REDUCESCATTER,
	SIM_OP_BROADCAST,
	SIM_OP_SENDRECV,	/* one message, one way (NCCL send/recv) */
	SIM_OP_NR,
};

#define SIM_NET_POINTS 64

struct sim_op_curve {
	int    n;
	double size[SIM_NET_POINTS];	/* bytes, ascending */
	double us[SIM_NET_POINTS];	/* latency at 2 ranks */
	double bw_gbs;			/* beyond the last point */
	char   source[160];		/* where the points came from */
};

struct sim_netprof {
	char		    name[64];
	double		    p2p_one_way_us;	/* small message, one way */
	char		    p2p_source[160];
	struct sim_op_curve op[SIM_OP_NR];
};

const char *sim_op_name(enum sim_op op);
int	    sim_op_parse(const char *s, enum sim_op *op_p);

/* Built-in profile name -> file under <datadir>/profiles. */
int sim_netprof_load_builtin(const char *datadir, const char *name,
			     struct sim_netprof *p);
/* Merge a measured tool document (rows with size + latency) into p.
 * used: a sentence saying what was used (for the output). */
int sim_netprof_merge_measured(struct sim_netprof *p, const char *path,
			       char *used, size_t used_len);
/* Latency (us) of op at size bytes over nranks ranks. Collectives scale
 * with log2(nranks) steps (NCCL's tree at decode sizes); sendrecv does not. */
double sim_net_us(const struct sim_netprof *p, enum sim_op op, double size,
		  int nranks);
/* Constant latency override (sweep what-ifs): every op's curve scaled so
 * that its small-message latency is us. */
void sim_netprof_scale(struct sim_netprof *p, double factor);

#endif
