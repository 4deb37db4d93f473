/* SPDX-License-Identifier: MIT */
/*
 * diag: the one device diagnosis of netroof, shared by `ib_lat --devices`,
 * the GPU tools (nccl_rt) and `netroof check`.
 *
 * Two steps, kept apart so each can be tested and reused:
 *   1. diag_collect() reads the facts of this node into a struct
 *      diag_facts: RDMA devices (sysfs /sys/class/infiniband), their ports
 *      and GID tables, active and largest MTU (ibv_query_port when verbs is
 *      built), netdev MTU and speed against the fastest mode the NIC
 *      supports (ethtool), the PCIe link of each device against both ends'
 *      capability, locality (hwloc when built, else sysfs NUMA nodes) and
 *      the PCI path from each NIC and netdev to each GPU. Collecting judges
 *      nothing.
 *   2. diag_run() runs the checks of a table (one function per check, see
 *      struct diag_check) over the facts, for the devices in a scope, and
 *      returns a report: the findings {severity, code, device, port,
 *      message, fix} and the NCCL environment this node should use.
 * Renderers turn a report into the --devices text (diag_print) or JSON
 * document (diag_report_json), or a findings array (diag_findings_json).
 *
 * A GPU tool asks one question, "is what NCCL will use here sound?":
 * diag_nccl(). It selects the devices NCCL_IB_HCA names (NCCL's own
 * syntax: prefix match, "=" exact, "^" exclude, ":port"), or every usable
 * one, and runs the device checks on them plus the checks of the NCCL_*
 * environment against the facts.
 *
 * Node facts beyond the devices (diag_node_collect(), node.c, kept apart
 * because it loads libraries and the CUDA driver, which ib_lat --devices
 * does not need): container signs and each usable device's
 * /dev/infiniband nodes, RLIMIT_MEMLOCK and CAP_IPC_LOCK, GPUDirect RDMA
 * on both sides (nvidia-peermem, dma-buf, the GPU's CUDA attributes),
 * and the versions two nodes must agree on. Their checks (checks_node.c)
 * are the groups DIAG_G_NODE and DIAG_G_PEER (this node's versions
 * against its peers', which arrive later: diag_run_more()).
 *
 * Adding a check: write one function that reads struct diag_ctx and
 * calls diag_add(), and add one row to the table in checks.c; give it a
 * group so that callers that did not ask for it (ib_lat --devices) do not
 * run it.
 *
 * Functions return 0 or -errno; _p outputs are set only on success.
 * Everything here works without libibverbs and without hwloc: facts that
 * need them are marked unknown.
 */
#ifndef DIAG_H
#define DIAG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* ---- facts ------------------------------------------------------------ */

#define DIAG_IB_SYS  "/sys/class/infiniband"
#define DIAG_MAX_DEV 32		/* devices listed; more are ignored */

/* What /sys/class/infiniband looked like. */
enum diag_sys {
	DIAG_SYS_OK,		/* at least one device */
	DIAG_SYS_EMPTY,		/* the directory exists, no device */
	DIAG_SYS_MISSING,	/* no directory: kernel without RDMA support */
};

/* One entry of a port's GID table (all-zero entries are skipped). */
struct diag_gid {
	int  index;		/* GID index (what -x / NCCL_IB_GID_INDEX take) */
	char type[32];		/* "RoCE v2", "IB/RoCE v1"; "" on InfiniBand */
	char gid[64];		/* sysfs text, "0000:...:ffff:0a00:0001" */
	char netdev[64];	/* netdev it belongs to, "" none */
};

struct diag_port {
	int		 num;		/* port number (1-based) */
	char		 state[64];	/* sysfs text, "4: ACTIVE" */
	char		 link_layer[32];/* "Ethernet" or "InfiniBand" */
	char		 rate[64];	/* sysfs text, "100 Gb/sec (4X EDR)" */
	struct diag_gid *gids;		/* non-zero GIDs, by index */
	int		 ngids;
	int		 best_gid;	/* first RoCE v2 IPv4-mapped GID, -1 none */
	char		 best_netdev[64]; /* that GID's netdev */
	int		 n_roce_v2_ipv4;/* how many such GIDs */
	bool		 active;	/* state says ACTIVE */
	char		 netdev[64];	/* netdev the MTU and speed below are of
					 * (the device's, as known at this
					 * port), "" none */
	int		 netdev_mtu;	/* its MTU, -1 unknown */
	bool		 have_attr;	/* active_mtu/max_mtu known (verbs) */
	int		 active_mtu;	/* bytes, ibv_query_port active_mtu */
	int		 max_mtu;	/* bytes, ibv_query_port max_mtu */
	long		 speed_mbps;	/* netdev speed, 0 unknown (Ethernet) */
	long		 max_speed_mbps;/* fastest mode the NIC supports, 0
					 * unknown (virtual NICs) */
};

/* PCIe link of a device's PCI function, sysfs text ("32.0 GT/s PCIe",
 * "4"); the upstream port's capability is "" when unknown. */
struct diag_pcie {
	bool known;		/* the four link files of the function read */
	char cur_speed[32], cur_width[16];
	char max_speed[32], max_width[16];
	char up_bus[32];	/* upstream port's PCI function, "" unknown */
	char up_max_speed[32], up_max_width[16];
};

/* PCI path from a NIC or netdev to one GPU, nvidia-smi topo's classes. */
struct diag_path {
	const char *cls;	/* "PIX" "PXB" "PHB" "NODE" "SYS"; NULL unknown */
	int	    hops;	/* PCI objects between them, -1 unknown */
};

struct diag_gpu {
	char bus[16];		/* PCI function, "0000:00:06.0" */
	int  numa;		/* NUMA node, -1 unknown */
	char cpus[128];		/* CPUs near it, a list ("0-15"), "" unknown */
};

/* A netdev on a PCI function (virtual ones without a device are left out):
 * the socket transport cares where it sits as much as RDMA does. */
struct diag_netdev {
	char		  name[64];
	char		  bus[32];	/* its PCI function */
	struct diag_path *paths;	/* to each GPU, facts->gpus order */
};

struct diag_dev {
	char		  name[64];	/* "mlx5_0", "rxe0" */
	char		  node_type[64];/* sysfs text, "1: CA" */
	char		  guid[64];	/* sys_image_guid, "" unknown */
	char		  bus[32];	/* PCI function (own; for a software
					 * device its netdev's), "" unknown */
	char		  via[64];	/* software device (rxe, siw): the
					 * netdev under it, else "" */
	int		  numa;		/* NUMA node, -1 unknown */
	char		  cpus[128];	/* CPUs near it, "" unknown */
	struct diag_pcie  pcie;		/* hardware devices only */
	struct diag_path *paths;	/* to each GPU, facts->gpus order */
	struct diag_port *ports;	/* by port directory name */
	int		  nports;
	/* Derived while collecting (several checks and the NCCL
	 * recommendation need the same answer): */
	bool		  usable;	/* a port ACTIVE and (InfiniBand, or with
					 * a RoCE v2 IPv4 GID) */
	int		  port;		/* the first such port, 0 none */
	int		  gid;		/* its RoCE v2 IPv4 GID index, -1 none */
	char		  netdev[64];	/* its netdev (usable port's, else the
					 * first known), "" none */
};

struct diag_facts {
	const char	   *locality;	/* "hwloc" or "sysfs (hwloc not built)" */
	enum diag_sys	    sys;
	int		    ndev_total;	/* devices in sysfs (ndevs caps it) */
	struct diag_gpu	   *gpus;	/* NVIDIA display/3D controllers */
	int		    ngpus;
	struct diag_netdev *netdevs;
	int		    nnetdevs;
	struct diag_dev	   *devs;	/* sorted by name */
	int		    ndevs;
};

/* Read this node's facts. -ENOMEM only: what cannot be read is unknown. */
int  diag_collect(struct diag_facts **facts_p);
void diag_facts_free(struct diag_facts *f);

/* ---- findings and the report ------------------------------------------ */

enum diag_sev {
	DIAG_WARN = 1,		/* works, but below what the hardware can do */
	DIAG_FAIL = 2,		/* will not work as configured */
};

/* Where a finding belongs in the --devices text (renderers only). */
enum diag_at {
	DIAG_AT_PCIE,		/* after a device's PCIe line */
	DIAG_AT_GPU,		/* after its path to GPU sub */
	DIAG_AT_PORT,		/* after port sub's GID table */
	DIAG_AT_MTU,		/* after port sub's MTU line */
	DIAG_AT_SPEED,		/* after port sub's netdev speed line */
	DIAG_AT_PAIR,		/* after the pair (dev, dev2) */
	DIAG_AT_END,		/* after everything, before the summary */
};

struct diag_finding {
	enum diag_sev sev;
	const char   *code;		/* stable id, the check's code */
	char	      device[64];	/* the device, "" for several/the node */
	int	      port;		/* its port, 0 none */
	char	      message[512];	/* one sentence: what, why it matters,
					 * and what to do */
	char	      fix[256];		/* the action alone (for a verdict's
					 * fix column), "" none */
	/* Anchor in the --devices text: */
	enum diag_at  at;
	int	      dev;		/* index in facts->devs, -1 none */
	int	      dev2;		/* DIAG_AT_PAIR: the other device */
	int	      sub;		/* GPU or port index within dev */
};

/* The NCCL environment a node's facts recommend. */
struct diag_env {
	bool ib_disable;	/* NCCL_IB_DISABLE=1: no usable RDMA port */
	char ib_hca[512];	/* NCCL_IB_HCA: "dev:port,..." of usable ports */
	int  gid_index;		/* NCCL_IB_GID_INDEX, -1: leave it unset */
	bool gid_differs;	/* the usable devices have their RoCE v2 IPv4
				 * GIDs at different indexes */
	char socket_ifname[64];	/* NCCL_SOCKET_IFNAME, "" leave it unset */
};

/* The NCCL_* variables the NCCL checks judge (NULL: not set). */
struct diag_nccl_vars {
	const char *ib_hca;		/* NCCL_IB_HCA */
	const char *ib_disable;		/* NCCL_IB_DISABLE */
	const char *ib_gid_index;	/* NCCL_IB_GID_INDEX */
	const char *socket_ifname;	/* NCCL_SOCKET_IFNAME */
	const char *net_gdr_level;	/* NCCL_NET_GDR_LEVEL */
	const char *dmabuf_enable;	/* NCCL_DMABUF_ENABLE */
};
/* The variables as this process's environment has them. */
struct diag_nccl_vars diag_nccl_vars_from_env(void);

/* ---- node facts (issue 16: what bring-ups fail on beyond the devices) -- */

#define DIAG_VER_LEN 64

/* A device's user-space node, what NCCL and every verbs program open. */
struct diag_devnode {
	char uverbs[32];	/* "uverbs0" (sysfs infiniband_verbs), "" unknown */
	int  state;		/* 1 present and read/write, 0 missing, -1 present
				 * but not accessible, -2 unknown (no uverbs
				 * entry in sysfs: ib_uverbs not loaded) */
};

/*
 * Facts of the node beyond its RDMA devices, collected by
 * diag_node_collect() (apart from diag_collect(): it loads libraries and
 * initialises the CUDA driver, which ib_lat --devices does not need).
 * Tri-state ints are 1 yes, 0 no, -1 unknown; strings "" unknown.
 */
struct diag_node {
	/* container */
	bool container;		/* signs of a container */
	char container_why[128];/* which sign ("/.dockerenv", "cgroup: docker") */
	/* device nodes, per facts->devs (same index) */
	struct diag_devnode devnodes[DIAG_MAX_DEV];
	int  ndevnodes;
	int  rdma_cm;		/* /dev/infiniband/rdma_cm, as state above */
	/* locked memory, what ibv_reg_mr pins against */
	long long memlock_soft;	/* bytes, -1 unlimited */
	long long memlock_hard;	/* bytes, -1 unlimited */
	int  cap_ipc_lock;	/* CAP_IPC_LOCK effective: the limit does not
				 * apply to memory registration */
	/* GPUDirect RDMA: NIC side */
	int  peermem;		/* nvidia_peermem (or nv_peer_mem) loaded */
	char nvidia_kmod[16];	/* NVIDIA kernel module: "open",
				 * "proprietary", "" not loaded */
	int  dmabuf_kernel;	/* kernel 5.12 or later (RDMA dma-buf MRs) */
	int  dmabuf_verbs;	/* libibverbs has ibv_reg_dmabuf_mr (rdma-core
				 * 34 or later) */
	int  dmabuf_nic;	/* NCCL's probe on the first usable device:
				 * ibv_reg_dmabuf_mr(fd -1) not EOPNOTSUPP */
	char dmabuf_dev[64];	/* the device probed, "" none */
	/* GPUDirect RDMA: GPU side (CUDA driver API on GPU 0, dlopen) */
	int  cuda_gpus;		/* cuDeviceGetCount, -1 unknown */
	char gpu_name[96];	/* GPU 0's name */
	int  gpu_cc;		/* compute capability x 10 (121 = GB10), 0 */
	int  gpu_integrated;	/* CU_DEVICE_ATTRIBUTE_INTEGRATED */
	int  gpu_gdr;		/* CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_SUPPORTED */
	int  gpu_dmabuf;	/* CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED */
	/* versions, "" unknown */
	char kernel[DIAG_VER_LEN];	/* uname release */
	char driver[DIAG_VER_LEN];	/* NVIDIA driver (/sys/module/nvidia) */
	char cuda_driver[DIAG_VER_LEN];	/* cuDriverGetVersion, "13.0" */
	char cuda_runtime[DIAG_VER_LEN];/* cudaRuntimeGetVersion (libcudart) */
	char nccl[DIAG_VER_LEN];	/* ncclGetVersion (libnccl.so.2) */
	char rdma_core[DIAG_VER_LEN];	/* from libibverbs' file name
					 * (libibverbs.so.1.14.44.0: 44.0) */
};

/*
 * Collect the node facts. root is "" for this node, else a directory that
 * stands in for / when reading files (tests: a sysfs-like fixture with
 * sys/, dev/, proc/); with a root the libraries and the CUDA driver are
 * not probed (their facts stay unknown). Process state (RLIMIT_MEMLOCK,
 * capabilities) is always this process's own. f gives the devices whose
 * nodes are looked for (may be NULL). 0 always (unknown facts are marked).
 */
int  diag_node_collect(const char *root, const struct diag_facts *f,
		       struct diag_node *n);
/* The facts as JSON (devnodes named after f's devices; f may be NULL). */
json_t *diag_node_json(const struct diag_node *n, const struct diag_facts *f);
/* A peer's node facts back from diag_node_json(): 0, or -EPROTO when j is
 * not such an object (fields of the wrong type are refused; missing ones
 * are unknown). */
int  diag_node_from_json(json_t *j, struct diag_node *n);
/* One sentence on GPUDirect RDMA as it is on the node (for a verdict's
 * figure): on/off and why. v may be NULL (the environment's). */
void diag_gdr_describe(const struct diag_node *n, const struct diag_facts *f,
		       const struct diag_nccl_vars *v, char *buf, size_t len);
/* Whether GPUDirect RDMA can work here from the NIC's side: nvidia-peermem,
 * or dma-buf (kernel, rdma-core and the NIC all support it). */
bool diag_gdr_nic_ok(const struct diag_node *n);
/* RLIMIT_MEMLOCK as it applies to memory registration: bytes, -1
 * unlimited (or CAP_IPC_LOCK). */
long long diag_memlock_effective(const struct diag_node *n);

/* Check groups: a caller runs the groups it asks for. */
#define DIAG_G_DEVICES	0x1u	/* devices, ports, links, locality */
#define DIAG_G_NCCL	0x2u	/* NCCL_* variables against the facts */
#define DIAG_G_NODE	0x4u	/* device nodes, memlock, GPUDirect RDMA:
				 * needs scope->node */
#define DIAG_G_PEER	0x8u	/* this node against its peers (versions):
				 * needs scope->node and scope->peers */

/* What to judge. */
struct diag_scope {
	unsigned groups;	/* DIAG_G_* */
	/* Devices in scope, NCCL_IB_HCA syntax; NULL: every device
	 * (only_usable false) or every usable one (true). */
	const char *hca;
	bool	    only_usable;
	/* For DIAG_G_NCCL: the variables to judge (NULL: the environment's). */
	const struct diag_nccl_vars *vars;
	/* For DIAG_G_NODE and DIAG_G_PEER: this node's facts. */
	const struct diag_node *node;
	/* For DIAG_G_NODE: bytes this run registers at once (the largest
	 * buffers); a lower RLIMIT_MEMLOCK is a FAIL. 0: only the WARN
	 * below unlimited. */
	long long memlock_need;
	/* For DIAG_G_PEER: the other nodes' facts and names. */
	const struct diag_node *peers;
	const char *const *peer_names;
	int npeers;
	/* Name of this node in findings about versions ("" : "this node"). */
	const char *self_name;
};

struct diag_report {
	struct diag_facts   *facts;	/* owned */
	struct diag_finding *f;		/* sorted in --devices text order */
	int		     nf;
	int		     nwarn, nfail;
	struct diag_env	     env;	/* recommended */
	unsigned long long   ran;	/* bit i: diag_checks()[i] ran */
	bool		    *in_scope;	/* per facts->devs */
	int		     cap;
};

/* Run the checks of scope's groups over facts. The report takes facts
 * over (they are freed with it, also when this fails). */
int  diag_run(struct diag_facts *facts, const struct diag_scope *scope,
	      struct diag_report **rep_p);
/* Run more groups over a report's facts (the peers' facts arrive after
 * the first run): findings are added and sorted in; 0 or -ENOMEM. */
int  diag_run_more(struct diag_report *r, const struct diag_scope *scope);
/* diag_collect() + diag_run(). */
int  diag_diagnose(const struct diag_scope *scope, struct diag_report **rep_p);
/*
 * For a GPU tool: the RDMA devices NCCL will use here (hca, NCCL_IB_HCA's
 * value: NULL reads the environment; unset: every usable device), checked
 * with the device checks and the NCCL_* environment checks (vars NULL: the
 * environment's). Replaces nccl_rt's own link checks.
 */
int  diag_nccl(const char *hca, const struct diag_nccl_vars *vars,
	       struct diag_report **rep_p);
void diag_report_free(struct diag_report *r);

/* Severity name: "WARN", "FAIL". */
const char *diag_sev_name(enum diag_sev s);
/* Worst severity found, 0 none. */
int  diag_worst(const struct diag_report *r);
/* Whether the check with this code ran (a check is passed only if it ran
 * and found nothing). */
bool diag_ran(const struct diag_report *r, const char *code);

/* ---- the check table --------------------------------------------------- */

/* What a check reads. */
struct diag_ctx {
	const struct diag_facts	    *facts;
	const struct diag_scope	    *scope;
	const bool		    *in_scope;	/* per facts->devs */
	const struct diag_nccl_vars *vars;	/* DIAG_G_NCCL: never NULL */
	const struct diag_env	    *env;	/* recommended, computed first */
	const struct diag_node	    *node;	/* scope's (NODE, PEER groups) */
};
/* Whether port j of device i is in the scope (a check skips it if not). */
bool diag_port_in_scope(const struct diag_ctx *c, int i, int j);

struct diag_check {
	const char *code;	/* stable id, also the findings' code */
	unsigned    group;	/* DIAG_G_* */
	const char *what;	/* one line: what it checks */
	void	  (*run)(const struct diag_ctx *c, struct diag_report *r);
};

/* The table, in the order the checks run (nchecks_p: its length). */
const struct diag_check *diag_checks(size_t *nchecks_p);

/* For a check: add a finding. msg is the sentence; fix may be NULL. */
void diag_add(struct diag_report *r, enum diag_sev sev, const char *code,
	      const struct diag_finding *where, const char *fix,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* ---- renderers --------------------------------------------------------- */

/* The --devices text: facts, each finding where it belongs, the count and
 * the recommended NCCL environment. */
void diag_print(const struct diag_report *r, FILE *f);
/* The --devices JSON document {tool, locality, netdevs, devices, gpus,
 * warnings, nccl_env}; tool names the caller. NULL on ENOMEM. */
json_t *diag_report_json(const struct diag_report *r, const char *tool);
/* [{severity, code, device, port, message, fix}] in report order. */
json_t *diag_findings_json(const struct diag_report *r);
/* {"NCCL_IB_HCA": ..., ...} as diag_print recommends it. */
json_t *diag_env_json(const struct diag_env *e);

/* ---- pure rules, unit-tested -------------------------------------------- */

/* Largest RoCE MTU (bytes) that fits a netdev MTU (the kernel's
 * iboe_get_mtu: 96 bytes of headers), 0 if none. */
int  diag_roce_mtu_for(int netdev_mtu);
#define DIAG_ROCE_OVERHEAD 96
/* PCIe link trained below what both ends can do: 1 degraded, 0 not, -1
 * unknown; msg gets "PCIe 32.0 GT/s x2 (capable: 32.0 GT/s x4)". The
 * upstream port's capability (NULL or "" unknown) caps the function's. */
int  diag_pcie_check(const char *cur_speed, const char *cur_width,
		     const char *max_speed, const char *max_width,
		     const char *up_max_speed, const char *up_max_width,
		     char *msg, size_t len);
/* Two PCI functions that are one NIC port over two PCIe links: the same
 * bus:dev.fn in two PCI domains (GB10's rocep1s0f0 / roceP2p1s0f0). */
bool diag_pci_halves(const char *a, const char *b);
/* Whether NCCL_IB_HCA's value hca selects device dev, port port (0: the
 * device, any port): NCCL's syntax, prefix match unless "=", "^"
 * excludes. NULL or "" selects everything. */
bool diag_hca_match(const char *hca, const char *dev, int port);
/* Whether NCCL_SOCKET_IFNAME's value selects interface ifname (the same
 * prefix / "=" / "^" syntax). */
bool diag_ifname_match(const char *spec, const char *ifname);

/* ---- sysfs, GIDs, locality ------------------------------------------- */

/* One sysfs value, trailing newline and blanks trimmed ("" on error). */
int  diag_sysfs_read(const char *path, char *buf, size_t len);
/* Names of the RDMA devices in sysfs, comma-separated ("" if none). */
void diag_dev_list(char *buf, size_t len);
/* GID index for (dev, port) whose RoCE v2 IPv4-mapped address is the local
 * address routing to peer_ip (NULL: the first RoCE v2 IPv4 GID); -ENOENT
 * if none. why gets a sentence for the output. */
int  diag_gid_autopick(const char *dev, int port, const char *peer_ip,
		       char *why, size_t len);

struct diag_topo;
struct diag_near {
	int  numa;		/* NUMA node, -1 unknown */
	int  cpu;		/* CPU to pin to (last of cpus), -1 unknown */
	char cpus[128];		/* CPUs near the device, as a list */
	char anchor[32];	/* the object they come from ("NUMANode") */
};
/* hwloc's topology of this node (HWLOC_XMLFILE: a saved one); NULL on
 * failure or without hwloc: the sysfs fallbacks answer then. */
struct diag_topo *diag_topo_open(void);
void diag_topo_close(struct diag_topo *tp);
const char *diag_topo_source(void);
int  diag_topo_near(struct diag_topo *tp, const char *bus,
		    struct diag_near *n);
/* NVIDIA GPUs (display/3D class): up to max into g; how many. */
int  diag_topo_gpus(struct diag_topo *tp, struct diag_gpu *g, int max);
/* PIX/PXB/PHB/NODE/SYS between two PCI functions, NULL unknown. */
const char *diag_topo_path(struct diag_topo *tp, const char *a,
			   const char *b, int *hops);
const char *diag_topo_path_desc(const char *cls);
/* The PCI function under a sysfs link (the last one in its real path). */
int  diag_pci_of_path(const char *link, char *bus, size_t len);
/* The netdev holding local address ip, and its PCI function. */
int  diag_pci_of_ip(const char *ip, char *bus, size_t len, char *ifname,
		    size_t iflen);
/* The PCI function behind an RDMA device: its own, else (rxe, siw) its
 * netdev's; via (may be NULL) gets that netdev, "" if none. */
int  diag_pci_of_rdma(const char *dev, char *bus, size_t len, char *via,
		      size_t vlen);
/* Pin the process: to cpu (>= 0), nowhere (-2), or (-1) to the last CPU
 * near PCI function bus ("" unknown). what names the device in the
 * sentence written to buf. */
int  diag_pin_near(int cpu, const char *bus, const char *what, char *buf,
		   size_t len);

#endif
