#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""netroof check over 127.0.0.1 with real processes (no RDMA here: TCP
only).
  loopback.py NETROOF CASE
Cases:
  tcp        a pair, --skip rdma,nccl on the connecting side only (the
             waiting side takes it; nccl: a GPU machine runs the tests
             too, and case gpu covers that step): exit 0 on both, the same report on both, TCP
             rows, the prediction from the measured TCP link, valid HTML
             with every plot, and nothing left running
  nordma     the same without --skip: the RDMA device check FAILs (exit
             1), the RDMA steps are skipped with why, the TCP ones still run
  pairwise   4 ranks under NETROOF_RANK/NETROOF_NRANKS: every pair tested
             once (3 rounds of 2), the matrix in the report
  killed     the connecting node SIGKILLed mid-step: the waiting one ends
             with a clear error within --timeout; and the other way round
  hung       the connecting node SIGSTOPped mid-step: the waiting one ends
             within --timeout saying the peer is silent
  mismatch   different explicit --model on the two sides: both refuse,
             naming --model
  usage      bad options and an existing -o: exit 2
  gpu        (suite gpu) a pair on one GPU machine, each node its own
             NCCL_HOSTID, --skip rdma: the NCCL step runs nccl_coll over
             sockets on both nodes, its data check passed, the verdict
             names the socket figure and that IB was not measured, and
             the prediction reads the NCCL file (77 without a GPU or NCCL)
  slurm      SLURM_* variables with SLURM_NODELIST=127.0.0.1 and no
             MASTER_ADDR: rank 0's address from the host list
Exit 0 pass, 1 fail, 77 skip."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import (Node, check, check_html, fail, free_port,  # noqa: E402
                      pair, reap_leftovers, steps, subreaper)

EXE, CASE = sys.argv[1], sys.argv[2]
FAST = ["--budget", "0.2", "--iters", "200"]


def no_leftovers():
    left = reap_leftovers()
    if left:
        fail("processes left behind: %r" % left)


def same_report(w, c):
    for f in ("report.json", "report.md", "report.html"):
        a = open(os.path.join(w.dir, f)).read()
        b = open(os.path.join(c.dir, f)).read()
        if a != b:
            fail("%s differs between the two nodes" % f)


def case_tcp(tmp):
    w, c = pair(EXE, tmp, [], FAST + ["--skip", "rdma,nccl"])
    rc1, rc0 = c.wait(120), w.wait(30)
    if (rc0, rc1) != (0, 0):
        fail("rc %d/%d\n%s\n%s" % (rc0, rc1, w.err(), c.err()))
    same_report(w, c)
    rep = w.report()
    if rep["params"]["skip"] != "rdma,nccl":
        fail("the waiting side did not take --skip: %r" % rep["params"])
    v = rep["verdict"]
    if v["exit"] != 0 or v["fail"] != 0 or v["steps_run"] < 5:
        fail("verdict %r" % v)
    for cid in ("tcp_latency", "tcp_bandwidth", "nccl_env", "versions"):
        if check(rep, cid)["status"] != "PASS":
            fail("%s: %r" % (cid, check(rep, cid)))
    for cid in ("rdma_latency", "rdma_bandwidth", "rdma_device"):
        x = check(rep, cid)
        if x["status"] != "SKIP" or "--skip rdma" not in x["figure"]:
            fail("%s not skipped by --skip: %r" % (cid, x))
    nc = check(rep, "nccl")
    if nc["status"] != "SKIP" or "--skip nccl" not in nc["figure"]:
        fail("nccl: %r" % nc)
    # TCP rows: the probe, the 2 B .. 64 KiB sweep, bandwidth per size
    sw = steps(rep, "tcp_lat")
    if len(sw) != 1 or sw[0]["status"] != "ok":
        fail("tcp sweep %r" % sw)
    rows = sw[0]["doc"]["results"]
    if [r["size"] for r in rows] != [2 << i for i in range(16)]:
        fail("sweep sizes %r" % [r["size"] for r in rows])
    if not all(r["transport"] == "tcp" and r["lat_us_p50"] > 0 for r in rows):
        fail("sweep rows")
    if sw[0]["doc"]["params"]["busy_poll"] is not True:
        fail("TCP latency not measured with --busy-poll")
    bw = [s for s in steps(rep, "tcp_bw") if s["status"] == "ok"]
    if len(bw) < 3 or not all(s["doc"]["results"][0]["bw_gbps"] > 0
                              for s in bw):
        fail("tcp bandwidth %r" % [s.get("why") for s in steps(rep, "tcp_bw")])
    # decode sizes beyond the sweep (the logits all-gather, 303872 B)
    dec = steps(rep, "tcp_dec")
    if not dec or dec[0]["doc"]["results"][0]["size"] != 303872:
        fail("decode-size step %r" % dec)
    # the prediction: built-in rows per mode and transport, measured socket
    pr = rep["prediction"]
    rows = {(r["mode"], r["transport"], r["source"]): r for r in pr["rows"]}
    for m in ("pp", "tp", "ep"):
        for t in ("roce", "socket"):
            if rows[(m, t, "built-in")]["tok_s"] <= 0:
                fail("built-in %s %s" % (m, t))
        r = rows.get((m, "socket", "measured"))
        if not r or not r["tok_s"] or r["tok_s"] <= 0:
            fail("measured socket %s: %r" % (m, r))
        if not any(f.endswith("tcp_lat.json") for f in r["net_files"]):
            fail("measured row without the TCP sweep: %r" % r["net_files"])
        if (m, "roce", "measured") in rows:
            fail("a measured RoCE row without RDMA")
    if rows[("single", "none", "built-in")]["tok_s"] <= 0:
        fail("single")
    ref = {(r["mode"], r["transport"]): r["tok_s"]
           for r in pr["reference"]["rows"]}
    if ref.get(("tp", "socket")) != 45.3 or ref.get(("tp", "roce")) != 91.6:
        fail("reference figures %r" % ref)
    shapes = check_html(os.path.join(w.dir, "report.html"))
    if shapes["plot-latency"] < 16 or shapes["plot-bandwidth"] < 3 or \
       shapes["plot-prediction"] < 8:
        fail("plots drew too little: %r" % shapes)
    md = open(os.path.join(w.dir, "report.md")).read()
    if "verdict: " not in md or "| tp | socket |" not in md:
        fail("report.md")
    if "verdict: " not in c.out() or "PASS  TCP latency" not in c.out():
        fail("no verdict on stdout")
    if "[7] TCP latency" not in w.err():
        fail("no progress lines:\n" + w.err())
    no_leftovers()
    print("tcp: ok, %d steps run, %s" % (v["steps_run"], shapes))


def case_nordma(tmp):
    w, c = pair(EXE, tmp, FAST, FAST)
    rc1, rc0 = c.wait(120), w.wait(30)
    if (rc0, rc1) != (1, 1):
        fail("rc %d/%d (want 1: no RDMA device)" % (rc0, rc1))
    rep = c.report()
    x = check(rep, "rdma_device")
    if x["status"] != "FAIL" or "NCCL uses TCP sockets" not in x["fix"]:
        fail("rdma_device %r" % x)
    for s in steps(rep, "rdma_probe") + steps(rep, "rdma_bw"):
        if s["status"] != "skipped" or "no usable RDMA device" not in s["why"]:
            fail("rdma step %r" % s)
    if check(rep, "tcp_latency")["status"] != "PASS":
        fail("tcp did not run on")
    check_html(os.path.join(c.dir, "report.html"))
    no_leftovers()
    print("nordma: ok")


def case_pairwise(tmp):
    port = free_port(128)
    n = 4
    nodes = []
    for r in range(n):
        env = {"NETROOF_RANK": str(r), "NETROOF_NRANKS": str(n),
               "NETROOF_PEER": "127.0.0.1:%d" % port}
        nodes.append(Node(EXE, tmp, "R%d" % r, ["--timeout", "20",
                                               "--skip", "rdma,nccl"] + FAST,
                                              env))
    rcs = [x.wait(180) for x in nodes]
    if rcs != [0] * n:
        fail("rc %r\n%s" % (rcs, "\n".join(x.err() for x in nodes)))
    rep = nodes[0].report()
    for x in nodes[1:]:
        if x.report() != rep:
            fail("reports differ")
    cells = rep["pairs"]["cells"]
    got = sorted((c["a"], c["b"]) for c in cells)
    want = [(a, b) for a in range(n) for b in range(a + 1, n)]
    if got != want:
        fail("pairs %r, want %r" % (got, want))
    if not all(c["lat_us"] > 0 and c["bw_gbps"] > 0 for c in cells):
        fail("cells %r" % cells)
    probes = steps(rep, "tcp_probe")
    if len(probes) != 6 or any(s["status"] != "ok" for s in probes):
        fail("probes %r" % [(s["pair"], s["status"]) for s in probes])
    if "round 3 of 3: 2 pair(s)" not in nodes[0].err():
        fail("no 3 rounds of 2 pairs:\n" + nodes[0].err())
    if check(rep, "pairs")["status"] not in ("PASS", "WARN"):
        fail("pairs check %r" % check(rep, "pairs"))
    if rep["meta"]["launch"] != "netroof" or rep["meta"]["nodes"] != 4:
        fail("meta %r" % rep["meta"])
    check_html(os.path.join(nodes[2].dir, "report.html"))
    no_leftovers()
    print("pairwise: ok, %r" % [(c["a"], c["b"], round(c["lat_us"], 2))
                               for c in cells])


def mid_step(w):
    """Until the waiting node runs a TCP sweep (a long step here)."""
    w.wait_for(r"\[7\] TCP latency.*->", 60)
    time.sleep(0.5)


def case_killed(tmp):
    # a sweep of 6 s (the iteration cap out of the way)
    long = ["--budget", "6", "--iters", "1000000", "--skip", "rdma,nccl"]
    for victim in ("connecting", "waiting"):
        sub = os.path.join(tmp, victim)
        os.mkdir(sub)
        w, c = pair(EXE, sub, [], long, timeout="5")
        mid_step(w)
        dead, alive = (c, w) if victim == "connecting" else (w, c)
        dead.p.send_signal(signal.SIGKILL)
        t0 = time.monotonic()
        rc = alive.wait(20)
        dt = time.monotonic() - t0
        dead.wait(5)
        if rc != 1 or dt > 5 + 2:
            fail("%s killed: the other side rc %d after %.1f s\n%s" % (
                victim, rc, dt, alive.err()))
        e = alive.err()
        if "peer closed the connection" not in e or \
           not re.search(r"at step \[\d+\] TCP", e):
            fail("no clear error:\n" + e)
        rep = alive.report()
        if not re.search(r"at step \[\d+\] TCP", rep["error"]):
            fail("partial report without the error: %r" % rep.get("error"))
        no_leftovers()
        print("killed %s: the other side ended in %.2f s: %s" % (
            victim, dt, e.strip().splitlines()[-1]))


def case_hung(tmp):
    w, c = pair(EXE, tmp, [], ["--budget", "6", "--iters", "1000000",
                               "--skip", "rdma,nccl"], timeout="4")
    mid_step(w)
    c.p.send_signal(signal.SIGSTOP)
    t0 = time.monotonic()
    rc = w.wait(20)
    dt = time.monotonic() - t0
    c.p.send_signal(signal.SIGKILL)
    c.wait(5)
    if rc != 1 or dt > 4 + 2 or dt < 3:
        fail("hung peer: rc %d after %.1f s (--timeout 4)\n%s" % (rc, dt,
                                                                 w.err()))
    if "has been silent for" not in w.err():
        fail("no 'silent' error:\n" + w.err())
    no_leftovers()
    print("hung: ended after %.2f s" % dt)


def case_mismatch(tmp):
    w, c = pair(EXE, tmp, ["--model", "minimax-m2.5"],
                ["--model", "qwen3-coder-30b-a3b"])
    rc1, rc0 = c.wait(30), w.wait(30)
    if (rc0, rc1) != (1, 1):
        fail("rc %d/%d" % (rc0, rc1))
    if "--model is minimax-m2.5 here and qwen3-coder-30b-a3b on rank 1" \
       not in w.err():
        fail("waiting side:\n" + w.err())
    if "--model" not in c.err():
        fail("connecting side does not say why:\n" + c.err())
    no_leftovers()
    print("mismatch: ok")


def run(args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([EXE] + args, capture_output=True, text=True,
                          env=e, timeout=30)


def case_usage(tmp):
    os.mkdir(os.path.join(tmp, "there"))
    for args, what in ((["check", "--bogus"], "unknown option"),
                       (["check", "--skip", "gpu"], "unknown step"),
                       (["check", "--ctx", "-1"], "bad ctx"),
                       (["frobnicate"], "unknown command"),
                       (["check", "a", "b"], "two hosts"),
                       (["check", "-o", os.path.join(tmp, "there")],
                        "existing -o")):
        r = run(args)
        if r.returncode != 2:
            fail("%s: rc %d\n%s" % (what, r.returncode, r.stderr))
    r = run(["check", "127.0.0.1", "--print-launch"],
            {"NETROOF_RANK": "1", "NETROOF_NRANKS": "3",
             "NETROOF_PEER": "h:1"})
    if r.returncode != 2 or "both say who to connect to" not in r.stderr:
        fail("HOST and a launcher: rc %d %s" % (r.returncode, r.stderr))
    if os.listdir(os.path.join(tmp, "there")):
        fail("wrote into an existing -o")
    print("usage: ok")


def case_slurm(tmp):
    port = free_port()
    env = {"SLURM_NTASKS": "2", "SLURM_NODELIST": "127.0.0.1",
           "SLURM_STEP_NODELIST": "127.0.0.1", "MASTER_PORT": str(port)}
    r = run(["check", "--print-launch"], dict(env, SLURM_PROCID="1"))
    if r.returncode != 0 or "rank 1 of 2, rank 0 at 127.0.0.1" not in r.stdout:
        fail("--print-launch under Slurm: %d %s %s" % (r.returncode,
                                                       r.stdout, r.stderr))
    nodes = [Node(EXE, tmp, "S%d" % i, ["--timeout", "10", "--skip",
                                        "rdma,bw,nccl"] + FAST,
                  dict(env, SLURM_PROCID=str(i))) for i in range(2)]
    rcs = [x.wait(120) for x in nodes]
    if rcs != [0, 0] or nodes[0].report()["meta"]["launch"] != "slurm":
        fail("slurm pair rc %r\n%s" % (rcs, nodes[1].err()))
    no_leftovers()
    print("slurm: ok")


def case_gpu(tmp):
    w, c = pair(EXE, tmp, [], FAST + ["--skip", "rdma"], "60",
                ({"NCCL_HOSTID": "netroof-check-a"},
                 {"NCCL_HOSTID": "netroof-check-b"}))
    rc1, rc0 = c.wait(400), w.wait(60)
    rep = w.report() if os.path.exists(os.path.join(w.dir, "report.json")) \
        else None
    st = steps(rep, "nccl") if rep else []
    if st and st[0]["status"] == "skipped" and (
            "no GPU" in st[0]["why"] or "without NCCL" in st[0]["why"]):
        print("SKIP: %s" % st[0]["why"], file=sys.stderr)
        sys.exit(77)
    if (rc0, rc1) != (0, 0):
        fail("rc %d/%d\n%s\n%s" % (rc0, rc1, w.err(), c.err()))
    same_report(w, c)
    if len(st) != 1 or st[0]["status"] != "ok":
        fail("nccl step %r" % st)
    if "sockets only" not in st[0]["title"]:
        fail("nccl step title %r" % st[0]["title"])
    doc = st[0]["doc"]
    if doc["summary"]["data_check"] != "passed" or \
            doc["meta"]["transport"] != "socket" or doc["meta"]["nranks"] != 2:
        fail("nccl_coll document: %r %r" % (doc["summary"], doc["meta"]))
    if not any(r["op"] == "allreduce" and r["size"] == 4096
               for r in doc["results"]):
        fail("no 4 KiB all-reduce (Qwen3-Coder's decode size)")
    x = check(rep, "nccl")
    if x["status"] != "PASS" or "IB not measured" not in x["figure"] or \
            "data check passed" not in x["figure"]:
        fail("nccl check %r" % x)
    ins = rep["prediction"]["inputs"]["socket"]
    if not ins.get("nccl", "").endswith("-nccl.json"):
        fail("the prediction was not given the NCCL file: %r" % ins)
    rows = {(r["mode"], r["transport"], r["source"]): r
            for r in rep["prediction"]["rows"]}
    tp = rows.get(("tp", "socket", "measured"))
    if not tp or not tp["tok_s"] or not any(
            f.endswith("-nccl.json") for f in tp.get("net_files", [])):
        fail("the measured socket TP row did not use the NCCL file: %r" % tp)
    check_html(os.path.join(w.dir, "report.html"))
    no_leftovers()
    print("gpu: ok: %s" % x["figure"])


def main():
    subreaper()
    with tempfile.TemporaryDirectory(prefix="netroof-check-") as tmp:
        {"tcp": case_tcp, "nordma": case_nordma, "pairwise": case_pairwise,
         "killed": case_killed, "hung": case_hung,
         "mismatch": case_mismatch, "usage": case_usage,
         "slurm": case_slurm, "gpu": case_gpu}[CASE](tmp)


main()
