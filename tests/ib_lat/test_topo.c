// SPDX-License-Identifier: MIT
/*
 * ib_lat's link checks and locality.
 * - The pure checks: RoCE MTU for a netdev MTU (the kernel's iboe_get_mtu
 *   rule), PCIe link below both ends' capability (GB10's degraded Gen5 x2
 *   state), two PCI functions that are one port over two PCIe links
 *   (GB10's rocep1s0f0 / roceP2p1s0f0).
 * - With hwloc: a topology captured on the GPU test machine (an H200 VM:
 *   hwloc_topology_export_xml, tests/ib_lat/data/h200-vm.xml) loaded through
 *   hwloc's HWLOC_XMLFILE: the GPU is found, its NIC path is classed PHB
 *   (both functions sit on the host bridge), pinning picks the last CPU.
 */
#include <stdlib.h>

#include "config.h"
#include "transport.h"
#include "bm_test.h"

int main(int argc, char **argv)
{
	char msg[128];
	struct lat_topo *tp;
	struct lat_gpu g[4];
	struct lat_near n;
	int hops;

	EXPECT_EQ(lat_roce_mtu_for(1500), 1024);
	EXPECT_EQ(lat_roce_mtu_for(4200), 4096);
	EXPECT_EQ(lat_roce_mtu_for(4191), 2048);
	EXPECT_EQ(lat_roce_mtu_for(9000), 4096);
	EXPECT_EQ(lat_roce_mtu_for(300), 0);

	/* GB10 half: Gen5 x4 in an x4 root port is healthy, x2 is not. */
	EXPECT_EQ(lat_pcie_check("32.0 GT/s PCIe", "4", "32.0 GT/s PCIe", "16",
				 "32.0 GT/s PCIe", "4", msg, sizeof(msg)), 0);
	EXPECT_EQ(lat_pcie_check("32.0 GT/s PCIe", "2", "32.0 GT/s PCIe", "16",
				 "32.0 GT/s PCIe", "4", msg, sizeof(msg)), 1);
	EXPECT_STREQ(msg, "PCIe 32.0 GT/s x2 (capable: 32.0 GT/s x4)");
	EXPECT_EQ(lat_pcie_check("16.0 GT/s PCIe", "16", "32.0 GT/s PCIe", "16",
				 "", "", msg, sizeof(msg)), 1);
	EXPECT_EQ(lat_pcie_check("Unknown", "0", "Unknown", "0", "", "", msg,
				 sizeof(msg)), -1);

	EXPECT(lat_pci_halves("0000:01:00.0", "0002:01:00.0"));
	EXPECT(!lat_pci_halves("0000:01:00.0", "0000:01:00.1")); /* 2 ports */
	EXPECT(!lat_pci_halves("0000:01:00.0", "0000:01:00.0"));
	EXPECT(!lat_pci_halves("0000:01:00.0", "0002:01:00.1"));

	if (!HAVE_HWLOC || argc < 2) {
		printf("hwloc part skipped: %s\n", HAVE_HWLOC ? "no XML given" :
		       "hwloc not built");
		return bm_test_failures ? 1 : 0;
	}
	setenv("HWLOC_XMLFILE", argv[1], 1);
	tp = lat_topo_open();
	EXPECT(tp != NULL);
	if (!tp)
		return 1;
	EXPECT_EQ(lat_topo_gpus(tp, g, 4), 1);
	EXPECT_STREQ(g[0].bus, "0000:00:06.0");
	EXPECT_EQ(g[0].numa, 0);
	EXPECT_STREQ(lat_topo_path(tp, "0000:00:03.0", g[0].bus, &hops), "PHB");
	EXPECT_EQ(hops, 2);
	EXPECT(lat_topo_path(tp, "0000:00:03.0", "0000:7f:00.0", &hops) == NULL);
	EXPECT_EQ(lat_topo_near(tp, "0000:00:03.0", &n), 0);
	EXPECT_STREQ(n.cpus, "0-15");
	EXPECT_EQ(n.cpu, 15);
	EXPECT_EQ(n.numa, 0);
	EXPECT(lat_topo_near(tp, "0000:7f:00.0", &n) < 0);
	lat_topo_close(tp);
	return bm_test_failures ? 1 : 0;
}
