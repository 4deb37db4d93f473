#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`netroof check` between the two Soft-RoCE VMs (tests/lab): the waiting
node on B, the connecting one on A, through `lab pair` (which also checks
that rxe and eth0 packets crossed the wire on both nodes). Then the
report, read from the lab's share on the host:
  - rxe0 over eth0 usable on both nodes (10.0.0.1, 10.0.0.2);
  - RDMA write and TCP latency rows (the 2 B .. 64 KiB sweeps), RDMA read,
    the rdma_cm connection, both bandwidths;
  - the MTU warning the lab really has (eth0 MTU 1500: RoCE MTU 1024 of
    the port's 4096) with its fix;
  - a prediction per mode from the lab's measured latencies, the TP one
    far below the built-in RoCE profile's (the emulated link is ~100 us
    to ~1 ms one way against ConnectX-7's 1.5 us);
  - the nccl step skipped: no GPU;
  - the same report on both nodes, valid HTML with every plot.
  lab.py LAB NETROOF [COPY_TO_DIR]
COPY_TO_DIR (or $NETROOF_LAB_REPORT): keep report.{md,html,json} there.
Exit 0 pass, 1 fail, 77 when the lab cannot run here."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, check_html, fail, steps  # noqa: E402

LAB, EXE = sys.argv[1], sys.argv[2]
KEEP = sys.argv[3] if len(sys.argv) > 3 else os.environ.get(
    "NETROOF_LAB_REPORT")
PORT = 18520


def main():
    env = dict(os.environ, LAB_TIMEOUT="240")
    up = subprocess.run([LAB, "up"], env=env)
    if up.returncode == 77:
        print("SKIP: the lab cannot run here", file=sys.stderr)
        sys.exit(77)
    if up.returncode:
        fail("lab up: %d" % up.returncode)
    share = os.path.join(os.environ.get("LAB_DIR", ""), "share")
    if not os.path.isdir(share):
        fail("no lab share at %s (LAB_DIR?)" % share)
    tag = "check-%d" % os.getpid()
    da, db = os.path.join(share, tag + "-A"), os.path.join(share, tag + "-B")
    srv = "%s check -p %d -o %s --timeout 30" % (EXE, PORT, db)
    cli = "%s check @B@ -p %d -o %s --timeout 30 --budget 1" % (EXE, PORT,
                                                                 da)
    r = subprocess.run([LAB, "pair", "--wait-port", str(PORT), "--server",
                        srv, "--client", cli], env=env, capture_output=True,
                       text=True)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    if r.returncode:
        fail("lab pair: %d" % r.returncode)
    try:
        verify(da, db)
    finally:
        if KEEP:
            os.makedirs(KEEP, exist_ok=True)
            for f in ("report.md", "report.html", "report.json"):
                if os.path.exists(os.path.join(da, f)):
                    shutil.copy(os.path.join(da, f), os.path.join(KEEP, f))
        shutil.rmtree(da, ignore_errors=True)
        shutil.rmtree(db, ignore_errors=True)


def verify(da, db):
    import json
    rep = json.load(open(os.path.join(da, "report.json")))
    if open(os.path.join(da, "report.json")).read() != \
       open(os.path.join(db, "report.json")).read():
        fail("the two nodes' reports differ")
    ips = []
    for n in rep["nodes"]:
        u = n["usable"]
        if not u or u[0]["device"] != "rxe0" or u[0]["netdev"] != "eth0" \
           or not u[0]["software"]:
            fail("rxe0 over eth0 not usable on %s: %r" % (n["name"], u))
        ips.append(u[0]["ipv4"])
    if sorted(ips) != ["10.0.0.1", "10.0.0.2"]:
        fail("addresses %r" % ips)
    want_ok = ("rdma_probe", "rdma_lat", "rdma_read", "rdma_cm", "tcp_probe",
               "tcp_lat", "rdma_bw", "tcp_bw")
    for k in want_ok:
        ok = [s for s in steps(rep, k) if s["status"] == "ok"]
        if not ok:
            fail("no successful %s step: %r" % (k, steps(rep, k)))
        if any(s["status"] == "failed" for s in steps(rep, k)):
            fail("a failed %s step: %r" % (k, steps(rep, k)))
    for k, tr in (("rdma_lat", "write"), ("tcp_lat", "tcp")):
        rows = steps(rep, k)[0]["doc"]["results"]
        if len(rows) != 16 or any(x["transport"] != tr or x["op"] != "lat" or
                                  x["lat_us_p50"] <= 0 for x in rows):
            fail("%s rows %r" % (k, rows[:2]))
    cm = steps(rep, "rdma_cm")[0]["doc"]
    if cm["params"]["conn"] != "rdma_cm":
        fail("the rdma_cm step did not connect by rdma_cm")
    for k, tr in (("rdma_bw", "write"), ("tcp_bw", "tcp")):
        for s in steps(rep, k):
            if s["status"] == "ok" and not (
                    s["doc"]["results"][0]["transport"] == tr and
                    s["doc"]["results"][0]["bw_gbps"] > 0):
                fail("%s row %r" % (k, s["doc"]["results"]))
    mtu = check(rep, "mtu")
    if mtu["status"] != "WARN" or "RoCE MTU 1024 of 4096 (netdev MTU 1500)" \
       not in mtu["figure"] or "MTU 9000" not in mtu["fix"]:
        fail("the lab's MTU warning: %r" % mtu)
    for cid in ("rdma_device", "tcp_latency", "tcp_bandwidth", "versions",
                "nccl_env"):
        if check(rep, cid)["status"] != "PASS":
            fail("%s: %r" % (cid, check(rep, cid)))
    for cid in ("rdma_latency", "rdma_bandwidth"):
        if check(rep, cid)["status"] not in ("PASS", "WARN"):
            fail("%s: %r" % (cid, check(rep, cid)))
    nc = steps(rep, "nccl")
    if len(nc) != 1 or nc[0]["status"] != "skipped" or \
       "no GPU" not in nc[0]["why"]:
        fail("the nccl step: %r" % nc)
    if check(rep, "nccl")["status"] != "SKIP":
        fail("nccl check %r" % check(rep, "nccl"))
    # the prediction, from the lab's own link
    l2 = steps(rep, "rdma_lat")[0]["doc"]["results"][0]["lat_us_p50"]
    rows = {(x["mode"], x["transport"], x["source"]): x
            for x in rep["prediction"]["rows"]}
    for m in ("pp", "tp", "ep"):
        for t in ("roce", "socket"):
            x = rows.get((m, t, "measured"))
            if not x or not x["tok_s"] or x["tok_s"] <= 0:
                fail("no measured %s %s prediction: %r" % (m, t, x))
    x = rows[("tp", "roce", "measured")]
    if not any(f.endswith("rdma_lat.json") for f in x["net_files"]):
        fail("the TP RoCE prediction did not use the RDMA sweep: %r" % x)
    builtin = rows[("tp", "roce", "built-in")]["tok_s"]
    if not x["tok_s"] < 0.5 * builtin:
        fail("TP over the lab's %.0f us link predicts %.1f tok/s, not far "
             "below the built-in RoCE %.1f" % (l2, x["tok_s"], builtin))
    shapes = check_html(os.path.join(da, "report.html"))
    if shapes["plot-latency"] < 32:
        fail("the latency plot lacks a series: %r" % shapes)
    print("lab: rxe0 on both; RDMA write 2 B one-way %.1f us; TP RoCE "
          "%.1f tok/s measured against %.1f built-in; %s" % (
              l2, x["tok_s"], builtin, rep["verdict"]))


main()
