#!/usr/bin/env bash
# ib_lat --devices on lab node A: must list rxe0, its RoCE v2 GID at index 1
# on eth0, and recommend NCCL_IB_GID_INDEX=1.   lab_devices.sh LAB IB_LAT
set -u
out=$("$1" run A -- "$2" --devices) || { echo "FAIL: rc $?" >&2; exit 1; }
echo "$out"
echo "$out" | grep -q '^rxe0:' || { echo "FAIL: no rxe0" >&2; exit 1; }
echo "$out" | grep -Eq '^ +1 +RoCE v2 +0000:0000:0000:0000:0000:ffff:0a00:0001 +eth0' ||
	{ echo "FAIL: no RoCE v2 GID 1 on eth0" >&2; exit 1; }
echo "$out" | grep -q 'NCCL_IB_GID_INDEX=1' || { echo "FAIL: NCCL env" >&2; exit 1; }
echo "$out" | grep -q 'NCCL_SOCKET_IFNAME=eth0' || { echo "FAIL: ifname" >&2; exit 1; }
echo PASS
