/* SPDX-License-Identifier: MIT */
/*
 * Inside the bootstrap (oob.c, oob_connect.c, oob_busy.c): the connection state and the
 * few helpers both files use. Not for tools: they see common/oob.h.
 */
#ifndef BM_OOB_INT_H
#define BM_OOB_INT_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "oob.h"

struct bm_oob {
	int	    rank;
	int	    nranks;
	int	    timeout_ms;
	int	    wait_ms;	/* rank 0: wait for the first connection */
	int	    listen_fd;
	int	   *fd;		/* per peer; -1 where none */
	char	  (*peer)[64];	/* peer address text */
	char	  (*local)[64];	/* our address on that connection */
	char	   *tool;
	char	   *params;
	int	    accepted;	/* rank 0: peers connected so far */
	bool	    refusing;	/* the refuser thread runs */
	pthread_t   refuser;	/* answers BUSY to extra connections */
	int	    wake[2];	/* pipe: tells the refuser to stop */
};

/* "host:port" of a socket address (an IPv4-mapped one as plain IPv4). */
void	 oob_addr_text(const struct sockaddr_storage *ss, socklen_t sl,
		       char *buf, size_t len);
/* Exactly len bytes in or out by deadline: -ETIMEDOUT, -ECONNRESET. */
int	 oob_io_exact(int fd, void *buf, size_t len, bool out,
		      uint64_t deadline);
uint64_t oob_deadline_after(int ms);
/* Our hello, or a reply with status st, as one frame. */
int	 oob_hello_send(const struct bm_oob *oob, int fd, int st,
			uint64_t deadline);
/* Peer and local address text of connection fd into peer's slots. */
void	 oob_conn_names(struct bm_oob *oob, int peer, int fd);
/* TCP_NODELAY, keepalive (a vanished host noticed in ~20 s), CLOEXEC. */
void	 oob_sock_tune(int fd);
/* Magic and version each way; 0 or a negative errno, said to the user. */
int	 oob_preamble_exchange(struct bm_oob *oob, int fd, const char *who);
/* One hello frame, NUL-terminated, in a buffer of its size (free it). */
int	 oob_hello_recv(int fd, uint64_t deadline, char **buf_p,
			size_t *len_p);
/* A received hello against ours: 0 or an enum bm_oob_status. */
int	 oob_hello_check(const struct bm_oob *oob,
			 const struct bm_oob_hello *h, const char *who,
			 bool from_root);
/* An enum bm_oob_status as 0 or BM_OOB_EMISMATCH. */
int	 oob_status_err(int st);
/* An I/O error as words (a timeout with its length). */
const char *oob_strerror(int ret, int timeout_ms);
/* oob_connect.c: rank > 0 connects to rank 0, then says hello. */
int	 oob_connect_root(struct bm_oob *oob, const struct bm_oob_cfg *cfg);
int	 oob_hello_client(struct bm_oob *oob);
/* oob_busy.c: the refuser thread (start: listen_fd is kept; stop: joins). */
void	 oob_refuser_start(struct bm_oob *oob);
void	 oob_refuser_stop(struct bm_oob *oob);

#endif
