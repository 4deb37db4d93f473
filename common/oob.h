/* SPDX-License-Identifier: MIT */
/*
 * Out-of-band bootstrap over TCP for N ranks. Rank 0 listens, the others
 * connect to it (a star). Every exchange goes through rank 0.
 *
 * Wire, both ways, in this order:
 *   preamble  magic "NRF1" | u16 protocol version | u16 zero   (8 bytes)
 *   frames    u32 big-endian length | payload
 * The first frame each way is the hello:
 *   u16 rank | u16 nranks | u16 status | u16 zero | char tool[16] |
 *   u64 FNV-1a digest of params | params text
 * params is the canonical run description "key=value\n..." (sorted keys).
 * Rank 0 checks every hello and answers with its own hello plus a status;
 * both sides refuse a mismatch and say which key differs.
 *
 * What a peer sends is checked before it is trusted: the preamble before
 * any length prefix, every frame length against the receiver's capacity
 * before anything is read or allocated (a hello is at most
 * BM_OOB_HELLO_MAX bytes; bm_oob_recv() reads straight into the caller's
 * buffer), the hello field by field (the _parse functions below, which
 * the fuzz targets drive). A peer's text is only compared and printed.
 *
 * Every connect, accept and receive has a deadline (timeout_ms); a peer that
 * closes (even mid-frame) is -ECONNRESET, a silent or stopped one
 * -ETIMEDOUT: an error, never a hang.
 *
 * Once every rank is in, rank 0 keeps listening and answers any further
 * connection with a BUSY hello (the other side fails with -EBUSY and says
 * so) until bm_oob_close(): a second client is refused clearly and the
 * run goes on undisturbed.
 */
#ifndef BM_OOB_H
#define BM_OOB_H
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define BM_OOB_MAGIC	    0x4e524631u /* "NRF1" */
#define BM_OOB_VERSION	    1
#define BM_OOB_FRAME_MAX    (16u << 20)	/* no frame is ever longer */
#define BM_OOB_DEFAULT_PORT 18515	/* perftest's default */
#define BM_OOB_PREAMBLE_LEN 8
#define BM_OOB_HELLO_LEN    32		/* the hello's fixed part */
#define BM_OOB_TOOL_MAX	    15		/* tool name bytes (NUL-padded to 16) */
#define BM_OOB_PARAMS_MAX   (64u << 10)	/* params text in a hello */
#define BM_OOB_HELLO_MAX    (BM_OOB_HELLO_LEN + BM_OOB_PARAMS_MAX)

/* Errors beyond errno: */
#define BM_OOB_EMAGIC	  (-EPROTO)	/* not a netroof peer */
#define BM_OOB_EVERSION	  (-EPROTONOSUPPORT) /* other protocol version */
#define BM_OOB_EMISMATCH  (-ECANCELED)	/* other tool or parameters */
#define BM_OOB_EBUSY	  (-EBUSY)	/* rank 0 is serving another run */

struct bm_oob_cfg {
	int	    rank;	/* 0 listens */
	int	    nranks;	/* >= 1 */
	const char *host;	/* rank 0's address (ranks > 0) */
	const char *bind;	/* local address to bind (NULL: any) */
	uint16_t    port;	/* rank 0's port (0 for rank 0: pick, see _port) */
	int	    timeout_ms;	/* connect/accept/receive deadline (<= 0: 10 s) */
	int	    wait_ms;	/* rank 0: wait for the first rank to connect
				 * (0: timeout_ms; < 0: until a signal); the
				 * rest then get timeout_ms */
	const char *tool;	/* "ib_lat" (<= BM_OOB_TOOL_MAX chars); must match */
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
/* One peer over a socket that is already connected (accept()ed or one
 * end of a socketpair, for tests and fuzzing): cfg->rank 0 with nranks 2
 * takes the hello of rank 1, any other rank sends its hello to rank 0.
 * On success the oob owns fd; on error the caller still does. */
int  bm_oob_attach(const struct bm_oob_cfg *cfg, int fd,
		   struct bm_oob **oob_p);
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
/* Receives into buf (capacity cap): -EMSGSIZE if the frame is larger,
 * refused from its length before any of it is read. */
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
uint64_t bm_digest_n(const char *s, size_t len);
/* The first "key=" whose value differs between two params texts, written
 * as "key: mine=A peer=B" into buf; 0 if equal. */
int bm_params_diff(const char *mine, const char *peer, char *buf, size_t len);

/* ---- the wire records, without sockets (unit tests, fuzz targets) ---- */

/* Status a hello reply carries. */
enum bm_oob_status {
	BM_OOB_OK,	/* accepted */
	BM_OOB_TOOL,	/* other tool */
	BM_OOB_PARAMS,	/* other parameters */
	BM_OOB_RANK,	/* rank out of range or taken */
	BM_OOB_BUSY,	/* rank 0 is already running with all its ranks */
	BM_OOB_NSTATUS
};

/* A hello, decoded. */
struct bm_oob_hello {
	int	    rank;	/* the sender's rank */
	int	    nranks;	/* the sender's number of ranks (>= 1) */
	int	    status;	/* enum bm_oob_status (OK in a request) */
	char	    tool[BM_OOB_TOOL_MAX + 1]; /* [A-Za-z0-9_.-]+ */
	uint64_t    digest;	/* bm_digest_n(params, params_len) */
	const char *params;	/* params text: into the frame it was parsed
				 * from, not NUL-terminated by the parser */
	size_t	    params_len;	/* bytes; <= BM_OOB_PARAMS_MAX */
};

/* Writes our preamble (BM_OOB_PREAMBLE_LEN bytes). */
void bm_oob_preamble_format(void *buf);
/* A received preamble: 0, BM_OOB_EMAGIC (wrong magic), BM_OOB_EVERSION
 * (other version), -EPROTO (wrong length, nonzero pad). */
int  bm_oob_preamble_check(const void *buf, size_t len);
/* A frame header (4 bytes): the length, or -EMSGSIZE past cap. */
int  bm_oob_frame_len(const void *hdr, size_t cap, size_t *len_p);
/* A hello frame's payload into *h_p: 0 or -EPROTO with a reason in *why_p
 * (truncated, bad tool name, control characters in params, rank out of
 * range, unknown status, digest not that of the params, nonzero pad) or
 * -EMSGSIZE. Canonical: a parsed hello formats back to the same bytes. */
int  bm_oob_hello_parse(const void *buf, size_t len, struct bm_oob_hello *h_p,
			const char **why_p);
/* The payload of h (digest computed here) into buf: -EINVAL for a hello
 * that would not parse, -ENOSPC if cap is too small. */
int  bm_oob_hello_format(const struct bm_oob_hello *h, void *buf, size_t cap,
			 size_t *len_p);

#endif
