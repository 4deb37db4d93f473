/* SPDX-License-Identifier: MIT */
/*
 * sim network profiles: what one transport between the nodes costs, and
 * where every number came from.
 *
 * A profile is one of:
 *   - link-level (sim/profiles/net-roce.json, net-socket.json): the link's
 *     facts (one-way latency, bandwidth, proxy hand-off; struct sim_link);
 *     every collective is then costed by the model of netmodel.h;
 *   - curves (net-roce-fitted.json, net-socket-fitted.json, what-ifs such
 *     as net-roce-oneshot.json): latency against size per operation at two
 *     ranks, used as they are. The *-fitted ones are the curves the first
 *     calibration pinned on the reference report's own tok/s: kept only as
 *     a labelled what-if, never the default.
 * Measured files (--net FILE, repeatable) are merged on top:
 *   - ib_lat JSON: RDMA write/send rows set the IB link's one-way latency,
 *     TCP rows the socket link's, --bw rows the bandwidth (read rows are
 *     round trips: halved, and used only when no write/send row exists);
 *   - nccl_coll / moe_alltoall JSON from 2 or more ranks: measured
 *     collective curves for that rank count, which beat the model;
 *   - a file from one rank, of another transport, or with nothing usable is
 *     refused (-EINVAL, exit 2) with the reason.
 */
#ifndef SIM_NETPROF_H
#define SIM_NETPROF_H
#include <stdbool.h>
#include <stddef.h>

#include "netmodel.h"

#define SIM_NET_POINTS 64
#define SIM_NET_CURVES 16

/* Latency against size for one operation at one rank count. */
struct sim_op_curve {
	enum sim_op op;
	int	    nranks;		/* ranks the points were measured at */
	int	    n;
	double	    size[SIM_NET_POINTS];	/* bytes, ascending */
	double	    us[SIM_NET_POINTS];
	double	    bw_gbs;		/* beyond the last point (0: flat) */
	enum sim_kind kind;		/* fitted / published / measured */
	char	    source[256];	/* file (and key), or the profile */
};

struct sim_netprof {
	char		   name[64];	/* "roce", "socket-fitted", "none" */
	char		   about[256];	/* one line: what the profile is */
	enum sim_transport tr;
	bool		   has_link;	/* link-level: the model applies */
	bool		   whatif;	/* a labelled what-if, not a default */
	bool		   any_ranks;	/* curves: the same at any rank count */
	struct sim_link	   link;
	/* curve profiles: the fitted what-if's own EP rendezvous term, one
	 * small-message one-way latency per MoE all-reduce (the first
	 * calibration's form) */
	double		   curve_ep_skew_us;
	int		   ncurves;
	struct sim_op_curve curve[SIM_NET_CURVES];
	char		   used[512];	/* what --net files contributed */
	bool		   quiet_mismatch; /* merge: no message for -EXDEV */
};

/* How one collective was costed (for the breakdown and explain). */
struct sim_net_cost {
	double		     us;
	bool		     modelled;	/* the link model (else a curve) */
	struct sim_coll_cost model;	/* when modelled */
	const char	    *source;	/* curve source (when not modelled) */
};

/* Built-in profile <datadir>/profiles/net-<name>.json. */
int sim_netprof_load_builtin(const char *datadir, const char *name,
			     struct sim_netprof *p);
/* The same from a parsed profile; path and name label messages and
 * sources. 0 or -EINVAL (message printed). */
struct json_t;
int sim_netprof_from_json(struct json_t *root, const char *path,
			  const char *name, struct sim_netprof *p);
/* Merge a measured tool document (ib_lat, nccl_coll, moe_alltoall) into p;
 * p->used gets a sentence of what it set. -EXDEV when it measured the
 * other transport (message unless p->quiet_mismatch), -EINVAL (message
 * printed) when it cannot set p for another reason (one rank, no usable
 * row, not a tool document), -ENOENT when it cannot be read. */
int sim_netprof_merge_measured(struct sim_netprof *p, const char *path);
/* The same from a parsed document (path labels messages and sources). */
int sim_netprof_merge_json(struct sim_netprof *p, const char *path,
			   struct json_t *root);

/* The time of op at size bytes over nranks ranks: a measured curve at that
 * rank count, else the link model, else the profile's own 2-rank curve.
 * launch_us: the collective kernel's launch inside the graph. -EINVAL
 * (message printed) when nothing can cost it (a curve-only profile asked
 * for another rank count). */
int sim_net_cost(const struct sim_netprof *p, enum sim_op op, double size,
		 int nranks, double launch_us, struct sim_net_cost *c);
/* sim_net_cost()'s microseconds, 0 when it cannot be costed. */
double sim_net_us(const struct sim_netprof *p, enum sim_op op, double size,
		  int nranks, double launch_us);

/* What-ifs (sweep): scale every curve and the link's one-way latency and
 * proxy cost by factor; set the link's one-way latency. */
void sim_netprof_scale(struct sim_netprof *p, double factor);
void sim_netprof_set_one_way(struct sim_netprof *p, double us);

/* Reads a parameter object {"value", "kind", "source", "why"} (or a bare
 * number: kind from def_kind) into p; -EINVAL (message) when missing. */
int sim_param_read(struct json_t *o, const char *path, const char *key,
		   enum sim_kind def_kind, struct sim_param *p);

#endif
