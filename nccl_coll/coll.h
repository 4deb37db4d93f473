/* SPDX-License-Identifier: MIT */
/*
 * nccl_coll's collectives, nccl-tests' shape: each one is a file
 * (coll_allreduce.c, ...) filling a struct coll_ops with its behaviour:
 * byte counts, bus-bandwidth factor, in-place layout, the values a correct
 * run leaves in each rank's receive buffer, and the NCCL call. Adding a
 * collective is that file, plus its line in enum coll_op, the table in
 * coll.c and meson.build. Also here: data types, the data check, and the
 * decode-size presets (presets.c).
 *
 * Size convention (nccl-tests): "size" is the bytes of the largest buffer
 * a rank sees: all-reduce, broadcast, send/recv: the buffer; all-gather:
 * the gathered (receive) buffer; reduce-scatter: the send buffer. "count" is
 * size / element size. A sweep size is rounded down to a multiple of
 * element size x nranks for all-gather and reduce-scatter.
 *
 * Bandwidths (GB/s = 1e9 B/s): algbw = size / time; busbw = algbw x factor:
 * all-reduce 2(n-1)/n, all-gather and reduce-scatter (n-1)/n, broadcast and
 * send/recv 1 (nccl-tests' PERFORMANCE.md).
 *
 * Pure C but for each collective's enqueue, which is built only with NCCL
 * (COLL_ENQUEUE): the unit tests build and run without CUDA.
 */
#ifndef COLL_H
#define COLL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#if HAVE_NCCL
#include <nccl.h>
#endif

enum coll_dtype { COLL_BF16, COLL_FP16, COLL_FP32, COLL_NDTYPES };

const char *coll_dtype_name(enum coll_dtype t);	/* "bf16", ... */
size_t	    coll_dtype_size(enum coll_dtype t);	/* bytes */
int	    coll_dtype_parse(const char *s, enum coll_dtype *t_p);

/* ncclComm_t and cudaStream_t are pointers to these (nccl.h, CUDA's
 * driver_types.h); named here so this header needs neither. */
struct ncclComm;
struct CUstream_st;

/* One operation as a rank enqueues it. */
struct coll_call {
	const void	   *send;	/* device send buffer */
	void		   *recv;	/* device receive buffer */
	size_t		    send_count;	/* elements */
	size_t		    recv_count;	/* elements */
	enum coll_dtype	    dtype;
	int		    root;	/* broadcast */
	int		    rank, nranks;
	struct ncclComm	   *comm;	/* ncclComm_t */
	struct CUstream_st *stream;	/* cudaStream_t */
};

struct coll_ops {
	const char	   *name;	/* "allreduce" */
	const char *const  *aliases;	/* other --op names, NULL-ended */
	const char	   *redop;	/* "sum" or "none" (column redop) */
	/* NCCL's name in its TUNING log lines ("AllReduce"), whose bytes
	 * are NCCL's count: the smaller of send and receive counts x type
	 * size. NULL: NCCL logs no algorithm for it (send/recv is p2p). */
	const char	   *nccl_func;
	bool		    has_root;	/* broadcast */
	bool		    in_place_ok;/* false: no in-place run (send/recv) */
	bool		    rank_blocks;/* the count is nranks blocks: sizes
					 * round to element size x nranks */
	/* busbw = algbw * factor(nranks) */
	double (*bus_factor)(int nranks);
	/* element counts per rank for a total count (size / elt size) */
	void (*counts)(size_t count, int nranks, size_t *send_p,
		       size_t *recv_p);
	/* In-place: c->send and c->recv inside buf (elt bytes per element,
	 * counts and rank set). NULL: both are buf. */
	void (*in_place)(struct coll_call *c, char *buf, size_t elt);
	/* What element i (of recv_count) of rank's receive buffer holds
	 * when every rank r sent coll_val(r, .) */
	float (*expected)(int rank, int nranks, int root, size_t recv_count,
			  size_t i);
	/* Enqueue one operation on c->stream: NCCL's ncclResult_t (the
	 * caller waits out ncclInProgress). NULL in a build without NCCL. */
	int (*enqueue)(const struct coll_call *c);
};

#if HAVE_NCCL
#define COLL_ENQUEUE(fn) .enqueue = (fn)
static inline ncclDataType_t coll_nccl_type(enum coll_dtype t)
{
	return t == COLL_BF16 ? ncclBfloat16 :
	       t == COLL_FP16 ? ncclFloat16 : ncclFloat32;
}
#else
#define COLL_ENQUEUE(fn) .enqueue = NULL
#endif

enum coll_op {
	COLL_ALLREDUCE,
	COLL_ALLGATHER,
	COLL_REDUCESCATTER,
	COLL_BROADCAST,
	COLL_SENDRECV,
	COLL_NOPS
};
extern const struct coll_ops coll_allreduce_ops, coll_allgather_ops,
	coll_reducescatter_ops, coll_broadcast_ops, coll_sendrecv_ops;
extern const struct coll_ops *const coll_ops_table[COLL_NOPS];
int coll_op_parse(const char *s, enum coll_op *op_p);

/* Shared by several collectives: busbw factor 1; send = recv = count. */
double coll_factor_one(int nranks);
void   coll_counts_same(size_t count, int nranks, size_t *send_p,
			size_t *recv_p);

/* size in bytes rounded for op/type/nranks; 0 if below one element set. */
size_t coll_round_size(enum coll_op op, enum coll_dtype t, int nranks,
		       size_t size);

/* The value rank r puts at element i of its send buffer: small integers in
 * [-5, 5], so sums over up to 51 ranks are exact in bf16, fp16 and fp32. */
static inline float coll_val(int r, size_t i)
{
	return (float)((int)((i * 7u + (size_t)r * 3u) % 11u) - 5);
}

/* Expected receive element i of `rank` (recv count elements). */
float coll_expected(enum coll_op op, int rank, int nranks, int root,
		    size_t recv_count, size_t i);

/* Host buffer <-> floats for a type. */
void   coll_fill(enum coll_dtype t, void *buf, size_t n, int rank,
		 size_t first);
float  coll_get(enum coll_dtype t, const void *buf, size_t i);
/* Number of elements of recv (rank's receive buffer, host copy) that are
 * not what op should have produced. */
size_t coll_count_wrong(enum coll_op op, enum coll_dtype t, const void *recv,
			size_t recv_count, int rank, int nranks, int root);

/* ---- decode presets (vLLM, batch 1, per decoded token) ---- */

struct coll_model {
	char   name[128];
	char   model_type[64];
	long   hidden_size;
	long   num_hidden_layers;
	long   vocab_size;
	bool   qk_norm_allreduce;	/* MiniMax-M2: 8 B all-reduce / layer */
};

struct coll_item {
	enum coll_op	op;
	enum coll_dtype dtype;
	size_t		size;		/* bytes (column size) */
	int		per_token;	/* how many per decoded token */
	const char     *what;		/* "attn out", ... */
};

struct bm_hf;
/* From a loaded HF config (common/hfconfig.h): hidden, layers, vocab (0
 * when absent), model_type, and the qk-norm all-reduce of MiniMax-M2. */
void coll_model_from_hf(const struct bm_hf *hf, struct coll_model *m);
/* name: a path or a model name, found and read by common/hfconfig.h; the
 * config must have model_type, hidden_size and num_hidden_layers. 0,
 * -ENOENT or -EINVAL (message printed); path (optional) gets the file. */
int coll_model_load(const char *name, struct coll_model *m_p, char *path,
		    size_t pathlen);
/* What one decoded token sends under mode "tp" (tensor parallel, tp ranks)
 * or "pp" (pipeline hop). Returns the number of items written, or -EINVAL
 * for an unknown mode; at most max items. */
int coll_decode_items(const struct coll_model *m, const char *mode, int tp,
		      struct coll_item *items, int max);

#endif
