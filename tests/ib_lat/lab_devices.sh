#!/usr/bin/env bash
# ib_lat --devices on lab node A, text and JSON: rxe0 found as a software
# device over eth0 with its PCI function and NUMA node (hwloc or sysfs),
# its RoCE v2 GID at index 1, the port's MTUs from verbs (active 1024, max
# 4096) with the warning that eth0's MTU 1500 caps RoCE at 1024, and the
# NCCL environment. Then a client's pinning: near rxe0, reported.
#   lab_devices.sh LAB IB_LAT
set -u
LAB=$1 B=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
# ib_lat --devices exits 0, 1 or 2, never 77: a 77 is the lab's own "cannot
# run here" (no QEMU, no Debian kernel), and this test is then skipped.
out=$("$LAB" run A -- "$B" --devices); rc=$?
[ $rc = 77 ] && { echo "SKIP: the lab cannot run here" >&2; exit 77; }
[ $rc = 0 ] || fail "--devices rc $rc"
echo "$out"
echo "$out" | grep -Eq '^rxe0: .*software device over eth0, PCI [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9], NUMA node 0, CPUs 0$' ||
	fail "no rxe0 line with its PCI function, NUMA node and CPUs"
echo "$out" | grep -Eq '^ +1 +RoCE v2 +0000:0000:0000:0000:0000:ffff:0a00:0001 +eth0' ||
	fail "no RoCE v2 GID 1 on eth0"
echo "$out" | grep -q 'MTU: active 1024, port max 4096, netdev eth0 1500' || fail "MTU line"
echo "$out" | grep -q 'WARNING: rxe0 port 1: RoCE MTU 1024, below the port.s 4096' ||
	fail "no MTU warning"
echo "$out" | grep -q '^export NCCL_IB_HCA=rxe0:1$' || fail "NCCL_IB_HCA"
echo "$out" | grep -q '^export NCCL_IB_GID_INDEX=1$' || fail "NCCL_IB_GID_INDEX"
echo "$out" | grep -q '^export NCCL_SOCKET_IFNAME=eth0$' || fail "NCCL_SOCKET_IFNAME"

json=$("$LAB" run A -- "$B" --devices -J - 2>/dev/null) || fail "--devices -J - rc $?"
python3 - "$json" <<'PY' || fail "JSON"
import json, sys
d = json.loads(sys.argv[1])
dev = d["devices"][0]
assert dev["name"] == "rxe0" and dev["over_netdev"] == "eth0", dev
p = dev["ports"][0]
assert p["state"].endswith("ACTIVE") and p["link_layer"] == "Ethernet", p
assert (p["active_mtu"], p["max_mtu"], p["netdev_mtu"]) == (1024, 4096, 1500), p
assert any(g["index"] == 1 and g["type"] == "RoCE v2" for g in p["gids"]), p
assert any("RoCE MTU 1024" in w for w in d["warnings"]), d["warnings"]
assert d["nccl_env"] == {"NCCL_IB_HCA": "rxe0:1", "NCCL_IB_GID_INDEX": 1,
                         "NCCL_SOCKET_IFNAME": "eth0"}, d["nccl_env"]
assert any(n["netdev"] == "eth0" and n["pci"] == dev["pci"] for n in d["netdevs"])
print("JSON ok")
PY

a=' -t write -s 8 -n 50'
pin=$("$LAB" pair --wait-port 18515 --server "$B$a -q" --client "$B$a @B@" 2>&1) ||
	{ echo "$pin"; fail "write pair rc"; }
echo "$pin" | grep -q '^\[A client\] # ib_lat write, client, pinned to CPU 0, near rxe0 (PCI ' ||
	{ echo "$pin"; fail "client not pinned near rxe0"; }
echo PASS
