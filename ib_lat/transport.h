/* SPDX-License-Identifier: MIT */
/*
 * ib_lat transports: one small ops table per transport behind one harness
 * (ib_lat.c). The harness owns options, bootstrap (common/oob), timing
 * statistics and output; a transport only moves bytes.
 *
 * Latency convention (as perftest): a transport's pingpong() stores one
 * round-trip time per timed iteration, in nanoseconds, measured by the
 * client with bm_now_ns(); the harness reports one-way latency = RTT / 2.
 * The server side of pingpong() echoes and stores nothing.
 */
#ifndef LAT_TRANSPORT_H
#define LAT_TRANSPORT_H
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bm.h"
#include "diag.h"

enum lat_conn {
	LAT_CONN_OOB,		/* QPN/PSN/GID/rkey swapped over common/oob */
	LAT_CONN_RDMACM,	/* QP connected by librdmacm (-R) */
};

/* Everything a run is made of (filled by ib_lat.c from the command line). */
struct lat_opts {
	const char *host;	/* server address; NULL: this is the server */
	const char *dev;	/* -d: RDMA device name; NULL: first one */
	int	    ib_port;	/* --ib-port: device port (1) */
	int	    gid_index;	/* -x: GID index; -1: pick automatically */
	int	    inline_size;/* -I: max inline bytes (-1: default 220) */
	bool	    events;	/* --events: completion channel, no busy poll */
	bool	    busy_poll;	/* --busy-poll: TCP non-blocking spin */
	bool	    bw;		/* --bw: streaming mode */
	unsigned    window;	/* --window: outstanding ops in --bw */
	enum lat_conn conn;	/* -R: rdma_cm */
	int	    cpu;	/* --cpu: -1 pick near the NIC, -2 none */
	size_t	    max_size;	/* largest message of the sweep (bytes) */
	int	    timeout_ms;	/* give up on a silent peer */
	bool	    check;	/* verify every payload byte (else 2 bytes) */
	uint16_t    cm_port;	/* rdma_cm port (bootstrap port + 1) */
};

/* Per-run state shared by the harness and a transport. */
struct lat_ctx {
	const struct lat_opts *o;
	struct bm_oob	     *oob;	/* connected bootstrap channel */
	bool		      server;	/* no host argument */
	void		     *priv;	/* the transport's own state */
	char		      info[512];/* set-up facts to print ("gid 1 ...") */
	char		      dev_name[64]; /* device used (verbs) */
	char		      dev_pci[32];  /* its PCI function ("" unknown) */
	uint64_t	      wrong;	/* payload check failures */
};

/* Set by SIGINT/SIGTERM; hot loops look at it while they wait. */
extern volatile sig_atomic_t lat_stop;

struct lat_transport_ops {
	const char *name;	/* -t value: "write", "send", "read", "tcp" */
	const char *desc;	/* one line for --list */
	bool	    built;	/* false: stub, every call refused with 77 */
	const char *not_built;	/* why, when !built */
	bool	    rdma;	/* a verbs transport: -R chooses its connection
				 * ("oob" or "rdma_cm"), --compare runs it
				 * against tcp */
	bool	    polls_memory; /* ping-pong waits on memory, not on a
				   * completion: --events does not apply */
	/* What a pingpong() sample (one RTT, ns) is reported as: */
	double	    lat_scale;	/* us per sample ns: 0.5e-3 one-way (RTT/2),
				 * 1e-3 the full round trip */
	const char *lat_is;	/* each row's "lat_is": "rtt/2" or "rtt" */
	const char *lat_words;	/* the header's words for it */
	/* Open the device (before the bootstrap, so a missing device exits
	 * 77 at once): 0, -ENODEV (nothing to use), -errno. Optional. */
	int  (*open)(struct lat_ctx *c);
	/* Connect to the peer; c->oob is up. */
	int  (*setup)(struct lat_ctx *c);
	/* iters round trips of size bytes after warmup untimed ones; the
	 * client stores RTT ns in rtt_ns[0..iters). */
	int  (*pingpong)(struct lat_ctx *c, size_t size, uint64_t warmup,
			 uint64_t iters, double *rtt_ns);
	/* Streaming: iters messages of size bytes, at most window in
	 * flight; the client sets *secs_p to the time from first post to
	 * the last completion. NULL: no --bw. */
	int  (*stream)(struct lat_ctx *c, size_t size, uint64_t iters,
		       unsigned window, double *secs_p);
	void (*teardown)(struct lat_ctx *c);
};

extern const struct lat_transport_ops lat_tcp_ops;
extern const struct lat_transport_ops lat_write_ops;
extern const struct lat_transport_ops lat_send_ops;
extern const struct lat_transport_ops lat_read_ops;

/* devices.c: --devices (diag's report); JSON to json_path ("-": stdout)
 * if set. Exit code. */
int  lat_devices_report(FILE *f, const char *json_path);

/* The host part of common/oob's "host:port" address text. */
static inline const char *lat_host_of(const char *addr, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%s", addr ? addr : "");
	p = strrchr(buf, ':');
	if (p)
		*p = '\0';
	return buf;
}

/* A wait's deadline, armed on first use (*dl == 0: not yet), so a wait
 * that ends at once costs no clock read; set *dl = 0 to re-arm. */
static inline uint64_t lat_deadline(uint64_t *dl, int timeout_ms)
{
	if (!*dl)
		*dl = bm_now_ns() + (uint64_t)timeout_ms * 1000000;
	return *dl;
}

/* Timeout/stop check for spin loops: call every few thousand spins. */
static inline int lat_spin_check(uint64_t *dl, int timeout_ms)
{
	if (lat_stop)
		return -EINTR;
	if (bm_now_ns() > lat_deadline(dl, timeout_ms))
		return -ETIMEDOUT;
	return 0;
}

#endif
