#!/usr/bin/env python3
"""The measured side of issue #18's model check, as markdown tables, from
the files nccl_coll/bench_multirank.sh writes (results/gpu/multirank/).

For every nccl_coll file: what its meta says it is (nranks, transport, MPS,
whether the figures are latencies, the data check). Then per collective
and size, for n = 2, 4, 8 side by side: the isolated p50 of the slowest
rank (oop_lat_us_p50), nccl-tests' pipelined mean (oop_time_us), and the
algorithm/protocol NCCL chose, in graph mode (how vLLM decodes) and eager.
Then ib_lat -t tcp over the same loopback: one-way p50 per size, plain and
--busy-poll (the link-level input). Only what the files hold; a file whose
figures are not latencies, or that is not a multi-rank socket run, is
listed with why and left out of the tables.

usage: multirank_summary.py DIR [--mode graph|eager|both]
"""
import argparse
import glob
import json
import os
import re
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def usable(d):
    """Why a file cannot go into the tables, or None."""
    m, s = d.get("meta", {}), d.get("summary", {})
    if d.get("error"):
        return "run failed: %s" % d["error"]
    if m.get("nranks", 1) < 2:
        return "one rank: no link crossed"
    if m.get("transport") != "socket":
        return "transport %s, not socket" % m.get("transport")
    if m.get("figures_are_latencies") is False:
        return "time-sliced (no MPS): not latencies"
    if s.get("data_check") != "passed":
        return "data check %s" % s.get("data_check")
    return None


def fmt(v):
    return "-" if v is None else "%.1f" % v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--mode", default="both",
                    choices=("graph", "eager", "both"))
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.dir, "nccl_coll_*hosts*.json")))
    if not files:
        print("no nccl_coll_*hosts*.json in %s" % a.dir, file=sys.stderr)
        return 2
    # (kind, op, size, mode) -> {n: row}
    cells, ns = {}, set()
    print("| file | nranks | transport | MPS | latencies | data check | "
          "used |")
    print("|---|---|---|---|---|---|---|")
    for f in files:
        d = load(f)
        m, s = d.get("meta", {}), d.get("summary", {})
        why = usable(d)
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            os.path.basename(f), m.get("nranks"), m.get("transport"),
            m.get("mps", {}).get("state"), m.get("figures_are_latencies"),
            s.get("data_check"), "yes" if why is None else "no: " + why))
        if why:
            continue
        n = m["nranks"]
        ns.add(n)
        kind = re.sub(r".*hosts\d+_", "", os.path.basename(f))[:-5]
        for r in d.get("results", []):
            key = (kind, r["op"], r["size"], r["mode"])
            cells.setdefault(key, {})[n] = r
    caveats = {load(f).get("meta", {}).get("same_machine_caveat")
               for f in files} - {None}
    for c in sorted(caveats):
        print("\n%s." % c)
    ns = sorted(ns)
    modes = ("graph", "eager") if a.mode == "both" else (a.mode,)
    for mode in modes:
        print("\n### %s mode: isolated p50 (slowest rank) / pipelined mean, "
              "us; NCCL's algorithm/protocol\n" % mode)
        print("| set | op | size (B) | " +
              " | ".join("n=%d iso p50 | n=%d pipelined | n=%d algo/proto"
                         % (n, n, n) for n in ns) + " |")
        print("|---|---|---|" + "---|---|---|" * len(ns))
        for key in sorted(k for k in cells if k[3] == mode):
            row = cells[key]
            out = []
            for n in ns:
                r = row.get(n)
                if r is None:
                    out += ["-", "-", "-"]
                    continue
                out += [fmt(r.get("oop_lat_us_p50")),
                        fmt(r.get("oop_time_us")),
                        "%s/%s" % (r.get("nccl_algo"), r.get("nccl_proto"))]
            print("| %s | %s | %d | %s |" % (key[0], key[1], key[2],
                                             " | ".join(out)))
    lat = {}
    for f in sorted(glob.glob(os.path.join(a.dir, "ib_lat_tcp_*.json"))):
        d = load(f)
        name = "busy-poll" if "busypoll" in f else "plain"
        if d.get("error"):
            print("\n%s: failed: %s" % (os.path.basename(f), d["error"]))
            continue
        for r in d.get("results", []):
            lat.setdefault(r["size"], {})[name] = r
    if lat:
        print("\n### ib_lat -t tcp over 127.0.0.1: one-way (RTT/2), us\n")
        print("| size (B) | plain p50 | plain p99 | busy-poll p50 | "
              "busy-poll p99 |")
        print("|---|---|---|---|---|")
        for size in sorted(lat):
            p, b = lat[size].get("plain", {}), lat[size].get("busy-poll", {})
            print("| %d | %s | %s | %s | %s |" % (
                size, fmt(p.get("lat_us_p50")), fmt(p.get("lat_us_p99")),
                fmt(b.get("lat_us_p50")), fmt(b.get("lat_us_p99"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
