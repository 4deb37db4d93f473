// SPDX-License-Identifier: MIT
/*
 * diag's locality over hwloc: a topology captured on the GPU test machine
 * (an H200 VM: hwloc_topology_export_xml, tests/diag/data/h200-vm.xml)
 * loaded through hwloc's HWLOC_XMLFILE: the GPU is found, its NIC path is
 * classed PHB (both functions sit on the host bridge), pinning picks the
 * last CPU. Without hwloc there is nothing to test: exit 77 (skipped).
 */
#include <stdlib.h>

#include "config.h"
#include "diag.h"
#include "bm_test.h"

int main(int argc, char **argv)
{
	struct diag_topo *tp;
	struct diag_gpu g[4];
	struct diag_near n;
	int hops;

	if (!HAVE_HWLOC) {
		printf("SKIP: hwloc not built\n");
		return 77;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: test_topo HWLOC.xml\n");
		return 99;
	}
	setenv("HWLOC_XMLFILE", argv[1], 1);
	tp = diag_topo_open();
	EXPECT(tp != NULL);
	if (!tp)
		return 1;
	EXPECT_EQ(diag_topo_gpus(tp, g, 4), 1);
	EXPECT_STREQ(g[0].bus, "0000:00:06.0");
	EXPECT_EQ(g[0].numa, 0);
	EXPECT_STREQ(diag_topo_path(tp, "0000:00:03.0", g[0].bus, &hops), "PHB");
	EXPECT_EQ(hops, 2);
	EXPECT(diag_topo_path(tp, "0000:00:03.0", "0000:7f:00.0", &hops) == NULL);
	EXPECT_EQ(diag_topo_near(tp, "0000:00:03.0", &n), 0);
	EXPECT_STREQ(n.cpus, "0-15");
	EXPECT_EQ(n.cpu, 15);
	EXPECT_EQ(n.numa, 0);
	EXPECT(diag_topo_near(tp, "0000:7f:00.0", &n) < 0);
	diag_topo_close(tp);
	return TEST_DONE();
}
