/* SPDX-License-Identifier: MIT */
/*
 * Out-of-band bootstrap over TCP for N ranks. Rank 0 listens, the others
 * connect to it (a star). Every exchange goes through rank 0.
 *
 * Wire: each frame is a 4-byte big-endian length then the payload; a frame
 * longer than BM_OOB_FRAME_MAX is refused (-EMSGSIZE) before it is read.
 * The first frame each way is the hello:
 *   magic "NRF1" | u16 protocol version | u16 rank | u16 nranks |
 *   char tool[16] | u64 FNV-1a digest of params | params text
 * params is the canonical run description "key=value\n..." (sorted keys).
 * Rank 0 checks every hello and answers with its own hello plus a status;
 * both sides refuse a mismatch and say which key differs.
 *
 * Every connect, accept and receive has a deadline (timeout_ms); a peer that
 * closes (even mid-frame) is -ECONNRESET, a silent one -ETIMEDOUT: an error,
 * never a hang.
 */
#ifndef BM_OOB_H
#define BM_OOB_H
#include <stddef.h>
#include <stdint.h>

#define BM_OOB_MAGIC	   0x4e524631u /* "NRF1" */
#define BM_OOB_VERSION	   1
#define BM_OOB_FRAME_MAX   (16u << 20)
#define BM_OOB_DEFAULT_PORT 18515	/* perftest's default */

/* Errors beyond errno: */
#define BM_OOB_EMAGIC	  (-EPROTO)	/* not a netroof peer */
#define BM_OOB_EVERSION	  (-EPROTONOSUPPORT) /* other protocol version */
#define BM_OOB_EMISMATCH  (-ECANCELED)	/* other tool or parameters */

struct bm_oob_cfg {
	int	    rank;	/* 0 listens */
	int	    nranks;	/* >= 1 */
	const char *host;	/* rank 0's address (ranks > 0) */
	const char *bind;	/* local address to bind (NULL: any) */
	uint16_t    port;	/* rank 0's port (0 for rank 0: pick, see _port) */
	int	    timeout_ms;	/* connect/accept/receive deadline */
	const char *tool;	/* "ib_lat"; must match */
	const char *params;	/* canonical params text; must match */
};

struct bm_oob;

/* Rank 0: bind+listen, accept nranks-1 peers; others: connect (retrying
 * until the deadline: the server may start later). Hello exchanged. */
int  bm_oob_open(const struct bm_oob_cfg *cfg, struct bm_oob **oob_p);
/* Rank 0 only, for port 0 in tests: listen first, then accept. */
int  bm_oob_listen(const struct bm_oob_cfg *cfg, struct bm_oob **oob_p,
		   uint16_t *port_p);
int  bm_oob_accept(struct bm_oob *oob);
void bm_oob_close(struct bm_oob *oob);

int bm_oob_rank(const struct bm_oob *oob);
int bm_oob_nranks(const struct bm_oob *oob);
/* The socket to peer (rank 0: any rank; others: 0), -1 if none: for a
 * caller that polls its peers together with other events (netroof check
 * watches its children and its peers at once). Read and write it only
 * through bm_oob_recv() and bm_oob_send(). */
int bm_oob_fd(const struct bm_oob *oob, int peer);
/* The connected peer's address as text (ranks > 0: rank 0's). */
const char *bm_oob_peer_addr(const struct bm_oob *oob, int peer);
/* The local address of the connection to rank 0 / to peer. */
const char *bm_oob_local_addr(const struct bm_oob *oob, int peer);

/* One frame to/from a peer (rank 0: any rank; others: peer 0 only). */
int bm_oob_send(struct bm_oob *oob, int peer, const void *buf, size_t len);
/* Receives into buf (capacity cap): -EMSGSIZE if the frame is larger. */
int bm_oob_recv(struct bm_oob *oob, int peer, void *buf, size_t cap,
		size_t *len_p);

int bm_oob_barrier(struct bm_oob *oob);
/* all[r*len..] = rank r's mine[0..len); every rank gives the same len. */
int bm_oob_allgather(struct bm_oob *oob, const void *mine, void *all,
		     size_t len);
/* Rank 0's buf[0..len) to every rank. */
int bm_oob_bcast(struct bm_oob *oob, void *buf, size_t len);

/* FNV-1a 64 of a params text (what the hello carries). */
uint64_t bm_digest(const char *s);
/* The first "key=" whose value differs between two params texts, written
 * as "key: mine=A peer=B" into buf; 0 if equal. */
int bm_params_diff(const char *mine, const char *peer, char *buf, size_t len);

#endif
