/* SPDX-License-Identifier: MIT */
/* This node's diagnosis and document (local.c). */
#ifndef CHK_LOCAL_H
#define CHK_LOCAL_H
#include <jansson.h>

#include "diag.h"

struct chk_local {
	struct diag_report *rep;	/* the diagnosis (owns the facts) */
	struct diag_node    node;	/* node facts */
	json_t		   *doc;	/* the node document (owned) */
};

/*
 * Diagnose this node and build its document: {host, diag (the --devices
 * JSON), findings, ran (codes of the checks that ran), node (facts),
 * recommended (NCCL env), gdr (a sentence), memlock_effective, env_set
 * (NCCL_* set here), usable [{device, port, gid, netdev, ipv4, rate,
 * software}], addrs [{ifname, addr, prefix}], tools {ib_lat: {path,
 * write, send, read, tcp}, nccl_coll: {path, nccl}, sim: {path}}, gpus}.
 */
int  chk_local_doc(long long memlock_need, struct chk_local *l);
/* Rank 0: this node's versions against the others' (nodes: every node's
 * document, rank order); the findings and "ran" of l->doc are refreshed. */
int  chk_local_versions(struct chk_local *l, json_t *nodes);
void chk_local_free(struct chk_local *l);

#endif
