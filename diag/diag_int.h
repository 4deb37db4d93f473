/* SPDX-License-Identifier: MIT */
/* diag's internals, shared by its files only. */
#ifndef DIAG_INT_H
#define DIAG_INT_H
#include <dirent.h>

#include "diag.h"

/* diag_sysfs_read() of a path built from fmt. */
int  diag_rdf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* scandir() of path without dot entries, sorted by name; free with
 * diag_scan_free(). Count, or -1 if path cannot be read. */
int  diag_scan(const char *path, struct dirent ***nl_p);
void diag_scan_free(struct dirent **nl, int n);
/* First entry of a directory ("" none). */
void diag_first_entry(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A RoCE v2 GID whose address is IPv4-mapped (::ffff:a.b.c.d). */
bool diag_roce_v2_ipv4(const char *gid, const char *type);
/* A port state text ("4: ACTIVE") that is ACTIVE. */
bool diag_state_active(const char *state);

/* checks_nccl.c: the NCCL_* checks (their rows are in checks.c). */
void diag_chk_nccl_ib_disable(const struct diag_ctx *c, struct diag_report *r);
void diag_chk_nccl_hca_unknown(const struct diag_ctx *c, struct diag_report *r);
void diag_chk_nccl_hca_half(const struct diag_ctx *c, struct diag_report *r);
void diag_chk_nccl_gid_index(const struct diag_ctx *c, struct diag_report *r);
void diag_chk_nccl_socket_ifname(const struct diag_ctx *c,
				 struct diag_report *r);

/* checks_node.c: the node, GDR-level and version checks. */
void diag_chk_devnodes(const struct diag_ctx *c, struct diag_report *r);
void diag_chk_rdma_cm(const struct diag_ctx *c, struct diag_report *r);
void diag_chk_memlock(const struct diag_ctx *c, struct diag_report *r);
void diag_chk_gdr(const struct diag_ctx *c, struct diag_report *r);
void diag_chk_nccl_gdr_level(const struct diag_ctx *c, struct diag_report *r);
void diag_chk_versions(const struct diag_ctx *c, struct diag_report *r);

/* Anchor initialisers for diag_add(). */
#define DIAG_WHERE(at_, dev_, sub_) \
	(&(struct diag_finding){ .at = (at_), .dev = (dev_), .sub = (sub_), \
				 .dev2 = -1 })
#define DIAG_WHERE_PAIR(a_, b_) \
	(&(struct diag_finding){ .at = DIAG_AT_PAIR, .dev = (a_), \
				 .dev2 = (b_), .sub = -1 })
#define DIAG_WHERE_END \
	(&(struct diag_finding){ .at = DIAG_AT_END, .dev = -1, .dev2 = -1, \
				 .sub = -1 })

#endif
