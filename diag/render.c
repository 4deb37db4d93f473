// SPDX-License-Identifier: MIT
/*
 * A report as the --devices text and JSON document, and findings as JSON.
 *
 * The text walks the facts in one order (locality, then each device:
 * identity, PCIe, GPU paths, ports with their GID table, MTU and speed;
 * then device pairs; then the summary and the NCCL environment) and
 * prints each finding right after the fact it is about (its anchor). The
 * JSON document is built by the same walk, so its "warnings" array has the
 * text's order and each device lists the findings anchored on it.
 */
#include <string.h>

#include "diag_int.h"

struct out {
	const struct diag_report *r;
	FILE			 *f;	/* text, or NULL */
	json_t			 *warnings;	/* JSON, or NULL */
};

/* The findings anchored at (at, dev, sub, dev2), into text and JSON. */
static void emit(struct out *o, enum diag_at at, int dev, int sub, int dev2,
		 json_t *jdev)
{
	const struct diag_report *r = o->r;
	int i;

	for (i = 0; i < r->nf; i++) {
		const struct diag_finding *f = &r->f[i];

		if (f->at != at || f->dev != dev ||
		    (at == DIAG_AT_PAIR ? f->dev2 != dev2 :
		     at != DIAG_AT_PCIE && at != DIAG_AT_END && f->sub != sub))
			continue;
		if (o->f)
			fprintf(o->f, "  %s: %s\n", f->sev == DIAG_FAIL ?
				"FAIL" : "WARNING", f->message);
		if (o->warnings)
			json_array_append_new(o->warnings,
					      json_string(f->message));
		if (jdev)
			json_array_append_new(json_object_get(jdev, "warnings"),
					      json_string(f->message));
	}
}

#define P(o, ...)                                                              \
	do {                                                                   \
		if ((o)->f)                                                    \
			fprintf((o)->f, __VA_ARGS__);                          \
	} while (0)

static json_t *locality(struct out *o)
{
	const struct diag_facts *fa = o->r->facts;
	json_t *jn = json_array();
	int i, k;

	for (k = 0; k < fa->ngpus; k++)
		P(o, "GPU %s: NUMA node %d, CPUs %s\n", fa->gpus[k].bus,
		  fa->gpus[k].numa, fa->gpus[k].cpus[0] ? fa->gpus[k].cpus : "?");
	for (i = 0; i < fa->nnetdevs; i++) {
		const struct diag_netdev *n = &fa->netdevs[i];
		json_t *jp = json_array();

		P(o, "netdev %s: PCI %s", n->name, n->bus);
		for (k = 0; k < fa->ngpus; k++) {
			const char *cls = n->paths[k].cls;

			P(o, "%s GPU %s %s", k ? "," : ";", fa->gpus[k].bus,
			  cls ? cls : "?");
			json_array_append_new(jp, json_pack("{s:s,s:s?}", "gpu",
				fa->gpus[k].bus, "path", cls));
		}
		P(o, "\n");
		json_array_append_new(jn, json_pack("{s:s,s:s,s:o}", "netdev",
			n->name, "pci", n->bus, "gpu_paths", jp));
	}
	return jn;
}

static void port_mtu(struct out *o, int i, int j, json_t *jp, json_t *jd)
{
	const struct diag_dev *d = &o->r->facts->devs[i];
	const struct diag_port *p = &d->ports[j];

	if (p->have_attr) {
		P(o, "    MTU: active %d, port max %d", p->active_mtu,
		  p->max_mtu);
		json_object_set_new(jp, "active_mtu", json_integer(p->active_mtu));
		json_object_set_new(jp, "max_mtu", json_integer(p->max_mtu));
		if (p->netdev_mtu > 0) {
			P(o, ", netdev %s %d", p->netdev, p->netdev_mtu);
			json_object_set_new(jp, "netdev_mtu",
					    json_integer(p->netdev_mtu));
		}
		P(o, "\n");
		emit(o, DIAG_AT_MTU, i, j, -1, jd);
		return;
	}
	if (p->netdev_mtu > 0) {
		P(o, "    MTU: netdev %s %d -> RoCE MTU %d (port attributes need "
		  "verbs)\n", p->netdev, p->netdev_mtu,
		  diag_roce_mtu_for(p->netdev_mtu));
		json_object_set_new(jp, "netdev_mtu", json_integer(p->netdev_mtu));
	}
}

static json_t *ports(struct out *o, int i, json_t *jd)
{
	const struct diag_dev *d = &o->r->facts->devs[i];
	json_t *jports = json_array();
	int j, k;

	for (j = 0; j < d->nports; j++) {
		const struct diag_port *p = &d->ports[j];
		json_t *jp = json_object(), *jg = json_array();

		P(o, "  port %d: %s, link layer %s, rate %s\n", p->num, p->state,
		  p->link_layer, p->rate);
		json_object_set_new(jp, "port", json_integer(p->num));
		json_object_set_new(jp, "state", json_string(p->state));
		json_object_set_new(jp, "link_layer", json_string(p->link_layer));
		json_object_set_new(jp, "rate", json_string(p->rate));
		P(o, "    %-5s %-9s %-40s %s\n", "gid", "type", "address",
		  "netdev");
		for (k = 0; k < p->ngids; k++) {
			const struct diag_gid *g = &p->gids[k];
			const char *type = g->type[0] ? g->type : "IB";

			P(o, "    %-5d %-9s %-40s %s\n", g->index, type, g->gid,
			  g->netdev[0] ? g->netdev : "-");
			json_array_append_new(jg, json_pack("{s:i,s:s,s:s,s:s}",
				"index", g->index, "type", type, "gid", g->gid,
				"netdev", g->netdev));
		}
		json_object_set_new(jp, "gids", jg);
		emit(o, DIAG_AT_PORT, i, j, -1, jd);
		port_mtu(o, i, j, jp, jd);
		if (p->speed_mbps > 0) {
			P(o, "    netdev %s: %ld Gb/s (NIC supports up to %ld "
			  "Gb/s)\n", p->netdev, p->speed_mbps / 1000,
			  p->max_speed_mbps / 1000);
			json_object_set_new(jp, "netdev_speed_mbps",
					    json_integer(p->speed_mbps));
			json_object_set_new(jp, "netdev_max_speed_mbps",
					    json_integer(p->max_speed_mbps));
			emit(o, DIAG_AT_SPEED, i, j, -1, jd);
		}
		json_array_append_new(jports, jp);
	}
	return jports;
}

static json_t *device(struct out *o, int i)
{
	const struct diag_facts *fa = o->r->facts;
	const struct diag_dev *d = &fa->devs[i];
	const struct diag_pcie *pc = &d->pcie;
	json_t *jd = json_pack("{s:s,s:[]}", "name", d->name, "warnings");
	json_t *jg = json_array();
	char msg[128];
	int k;

	P(o, "%s: %s, ", d->name, d->node_type);
	if (d->via[0])
		P(o, "software device over %s, ", d->via);
	P(o, "PCI %s, NUMA node %d, CPUs %s\n", d->bus[0] ? d->bus : "-",
	  d->numa, d->cpus[0] ? d->cpus : "?");
	json_object_set_new(jd, "node_type", json_string(d->node_type));
	json_object_set_new(jd, "pci", json_string(d->bus));
	json_object_set_new(jd, "over_netdev", json_string(d->via));
	json_object_set_new(jd, "numa", json_integer(d->numa));
	json_object_set_new(jd, "cpus", json_string(d->cpus));
	json_object_set_new(jd, "sys_image_guid", json_string(d->guid));
	if (pc->known &&
	    diag_pcie_check(pc->cur_speed, pc->cur_width, pc->max_speed,
			    pc->max_width, pc->up_max_speed, pc->up_max_width,
			    msg, sizeof(msg)) >= 0) {
		P(o, "  %s\n", msg);
		json_object_set_new(jd, "pcie", json_string(msg));
		emit(o, DIAG_AT_PCIE, i, -1, -1, jd);
	}
	for (k = 0; k < fa->ngpus; k++) {
		const struct diag_path *p = &d->paths[k];

		P(o, "  GPU %s: %s (%s", fa->gpus[k].bus, p->cls ? p->cls : "?",
		  diag_topo_path_desc(p->cls));
		if (p->cls && p->hops >= 0)
			P(o, ", %d hops", p->hops);
		P(o, "), GPU NUMA node %d\n", fa->gpus[k].numa);
		json_array_append_new(jg, json_pack("{s:s,s:s?,s:i,s:i}", "gpu",
			fa->gpus[k].bus, "path", p->cls, "hops",
			p->cls ? p->hops : -1, "numa", fa->gpus[k].numa));
		emit(o, DIAG_AT_GPU, i, k, -1, jd);
	}
	json_object_set_new(jd, "gpus", jg);
	json_object_set_new(jd, "ports", ports(o, i, jd));
	return jd;
}

/* Devices that share a physical port or a netdev. */
static void pairs(struct out *o)
{
	const struct diag_facts *fa = o->r->facts;
	int i, j;

	for (i = 0; i < fa->ndevs; i++) {
		for (j = i + 1; j < fa->ndevs; j++) {
			const struct diag_dev *a = &fa->devs[i], *b = &fa->devs[j];

			if (!a->via[0] && !b->via[0] &&
			    diag_pci_halves(a->bus, b->bus)) {
				P(o, "# %s and %s: one physical port over two "
				  "PCIe links (%s, %s)\n", a->name, b->name,
				  a->bus, b->bus);
				if (a->usable && b->usable)
					P(o, "# both listed in NCCL_IB_HCA below: "
					  "NCCL needs both for the link's full "
					  "rate\n");
			}
			emit(o, DIAG_AT_PAIR, i, -1, j, NULL);
		}
	}
}

static void env_text(struct out *o)
{
	const struct diag_env *e = &o->r->env;

	if (e->ib_disable) {
		P(o, "# NCCL environment recommended: no usable RDMA port (none "
		  "ACTIVE with a RoCE v2 IPv4 GID): sockets\n"
		  "export NCCL_IB_DISABLE=1\n");
		return;
	}
	P(o, "# NCCL environment recommended:\nexport NCCL_IB_HCA=%s\n",
	  e->ib_hca);
	if (e->gid_index >= 0)
		P(o, "export NCCL_IB_GID_INDEX=%d\n", e->gid_index);
	if (e->socket_ifname[0])
		P(o, "export NCCL_SOCKET_IFNAME=%s\n", e->socket_ifname);
}

json_t *diag_env_json(const struct diag_env *e)
{
	json_t *env = json_object();

	if (e->ib_disable) {
		json_object_set_new(env, "NCCL_IB_DISABLE", json_string("1"));
		return env;
	}
	json_object_set_new(env, "NCCL_IB_HCA", json_string(e->ib_hca));
	if (e->gid_index >= 0)
		json_object_set_new(env, "NCCL_IB_GID_INDEX",
				    json_integer(e->gid_index));
	if (e->socket_ifname[0])
		json_object_set_new(env, "NCCL_SOCKET_IFNAME",
				    json_string(e->socket_ifname));
	return env;
}

/* The walk: text to o->f, the document returned (NULL: text only). */
static json_t *walk(struct out *o, const char *tool)
{
	const struct diag_facts *fa = o->r->facts;
	json_t *doc = json_pack("{s:s,s:s}", "tool", tool ? tool : "",
				"locality", fa->locality);
	json_t *jdevs = json_array(), *jg = json_array();
	int i;

	P(o, "# locality from %s; %d GPU(s); NIC-GPU paths as nvidia-smi topo "
	  "-m: PIX PXB PHB NODE SYS, nearest first\n", fa->locality, fa->ngpus);
	json_object_set_new(doc, "netdevs", locality(o));
	if (fa->sys != DIAG_SYS_OK) {
		/* Sockets are all there is: no findings, no NCCL_IB_HCA. */
		P(o, "# no RDMA device (%s is %s): nothing to check; ib_lat -t "
		  "tcp still works\n", DIAG_IB_SYS, fa->sys == DIAG_SYS_MISSING ?
		  "missing: kernel without RDMA support" : "empty");
		P(o, "# NCCL environment recommended: sockets only\n"
		  "export NCCL_IB_DISABLE=1\n");
	} else {
		for (i = 0; i < fa->ndevs; i++)
			json_array_append_new(jdevs, device(o, i));
		pairs(o);
		emit(o, DIAG_AT_END, -1, -1, -1, NULL);
		P(o, "# %d warning(s)", o->r->nwarn);
		if (o->r->nfail)
			P(o, ", %d failure(s)", o->r->nfail);
		P(o, "\n");
		env_text(o);
	}
	json_object_set_new(doc, "devices", jdevs);
	for (i = 0; i < fa->ngpus; i++)
		json_array_append_new(jg, json_pack("{s:s,s:i}", "pci",
			fa->gpus[i].bus, "numa", fa->gpus[i].numa));
	json_object_set_new(doc, "gpus", jg);
	return doc;
}

void diag_print(const struct diag_report *r, FILE *f)
{
	struct out o = { .r = r, .f = f };

	json_decref(walk(&o, NULL));
}

json_t *diag_report_json(const struct diag_report *r, const char *tool)
{
	struct out o = { .r = r, .warnings = json_array() };
	json_t *doc = walk(&o, tool);

	if (!doc || !o.warnings) {
		json_decref(doc);
		json_decref(o.warnings);
		return NULL;
	}
	json_object_set_new(doc, "warnings", o.warnings);
	json_object_set_new(doc, "nccl_env", diag_env_json(&r->env));
	return doc;
}

json_t *diag_findings_json(const struct diag_report *r)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < r->nf; i++) {
		const struct diag_finding *f = &r->f[i];

		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:i,s:s,s:s}",
			"severity", diag_sev_name(f->sev), "code", f->code,
			"device", f->device, "port", f->port, "message",
			f->message, "fix", f->fix));
	}
	return a;
}
