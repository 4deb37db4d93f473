/* SPDX-License-Identifier: MIT */
/* What the verdict's files share (verdict.c: the table and the device
 * checks; verdict_link.c: the checks of the link's steps). */
#ifndef CHK_VERDICT_H
#define CHK_VERDICT_H
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

/* Texts with the nodes that said them: the same finding on both nodes
 * is one line, "a, b: message". */
struct said {
	int n;
	struct {
		char text[1200];
		char hosts[256];
	} e[24];
};

/* A check's status. */
enum { SKIP = -1, PASS, WARN, FAIL };

/* One check of the verdict while it is evaluated. */
struct vrow {
	int	     status;
	char	     figure[1024];
	char	     fix[1024];
	json_t	    *details;	/* messages */
	struct said *figs;	/* per-node figure parts, merged at the end */
};

/* printf onto the end of a char array. */
#define APPEND(buf, ...)                                                       \
	do {                                                                   \
		size_t o_ = strlen(buf);                                       \
		snprintf((buf) + o_, sizeof(buf) - o_, __VA_ARGS__);           \
	} while (0)

/* A part of the figure said of one node (see vr_say()). */
#define PART(v, host, ...)                                                     \
	do {                                                                   \
		char p_[1200];                                                 \
		snprintf(p_, sizeof(p_), __VA_ARGS__);                         \
		vr_say((v)->figs, host, p_);                                   \
	} while (0)

/* The worse of two statuses. */
int	    vr_worse(int a, int b);
/* Whether the check with code ran on every node. */
bool	    vr_ran_everywhere(json_t *nodes, const char *code);
/* Text said of host, merged with the same text of other nodes. */
void	    vr_say(struct said *s, const char *host, const char *text);
/* The findings of codes on every node into v (worst severity, details,
 * fixes); whether every code ran everywhere. */
bool	    vr_findings(json_t *rep, const char *const *codes, struct vrow *v);
/* Nodes with a usable device ("usable"), a hardware one ("hw"), a GPU. */
int	    vr_nodes_with(json_t *rep, const char *what);
/* The --skip bits the report's parameters name. */
unsigned    vr_skips(json_t *rep);

/* verdict_link.c: the checks of the link's steps. */
void vr_rdma_lat(json_t *rep, struct vrow *v);
void vr_tcp_lat(json_t *rep, struct vrow *v);
void vr_rdma_bw(json_t *rep, struct vrow *v);
void vr_tcp_bw(json_t *rep, struct vrow *v);
void vr_nccl(json_t *rep, struct vrow *v);
void vr_pairs(json_t *rep, struct vrow *v);

#endif
