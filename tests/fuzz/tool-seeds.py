#!/usr/bin/env python3
"""Writes the seed corpora of the tool-file fuzz targets from the tree's own
files: model configs, profiles, measured documents, benchmark results.

    tests/fuzz/tool-seeds.py [CORPUS_DIR]    (default: tests/fuzz/corpus)

Real files are copied as they are when small; big measured documents
(results/gpu/...) are trimmed to the keys sim reads and a few rows, so that
the fuzzer mutates what matters. A seed derived by editing a real file (an
ib_lat document relabelled to an RDMA transport, a one-rank moe_alltoall
run relabelled to two ranks) says so in its name ("edit-"). Seeds named
"regress-" are the inputs of bugs found by fuzzing: this script leaves
them alone.
"""
import glob
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")


def rel(p):
    return os.path.join(root, p)


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def copy(target, path, name=None):
    with open(rel(path), "rb") as f:
        put(target, name or os.path.basename(path), f.read())


def dump(o):
    return json.dumps(o, separators=(",", ":"), sort_keys=True)


def trim(doc, keys, rows=8, pick=None):
    """meta's tool/transport/nranks, params' pattern/hidden, rows with the
    keys sim reads."""
    meta = {k: v for k, v in doc["meta"].items()
            if k in ("tool", "transport", "nranks")}
    params = {k: v for k, v in doc.get("params", {}).items()
              if k in ("pattern", "hidden")}
    res = doc["results"]
    if pick:
        res = [r for r in res if pick(r)]
    res = [{k: v for k, v in r.items() if k in keys} for r in res[:rows]]
    return {"meta": meta, "params": params, "results": res}


def strip_prov(o):
    """A profile without its provenance strings (values only)."""
    if isinstance(o, dict):
        return {k: strip_prov(v) for k, v in o.items()
                if k not in ("why", "source", "cells", "_about", "_note")}
    if isinstance(o, list):
        return [strip_prov(v) for v in o]
    return o


# model_config: every model config the tools read, and the bad ones
for p in sorted(glob.glob(rel("sim/models/*.json"))):
    copy("model_config", os.path.relpath(p, root))
# (nccl_coll-*.json in the corpus: the tools' former test copies of the
# two reference models, kept as seeds; their files are gone)
copy("model_config", "tests/sim/dense-llama.json")
for b in ("bad-experts", "malformed", "missing-field", "not-object",
          "unknown-arch"):
    copy("model_config", "tests/sim/bad/%s.json" % b, "bad-%s.json" % b)

# sim_hw: the GB10 profile, whole and without its provenance strings
copy("sim_hw", "sim/profiles/gb10.json")
with open(rel("sim/profiles/gb10.json")) as f:
    put("sim_hw", "gb10-values.json", dump(strip_prov(json.load(f))))

# sim_netprof: every built-in network profile
for p in sorted(glob.glob(rel("sim/profiles/net-*.json"))):
    copy("sim_netprof", os.path.relpath(p, root))
    with open(p) as f:
        put("sim_netprof", "values-" + os.path.basename(p),
            dump(strip_prov(json.load(f))))

# sim_net_merge: ib_lat, nccl_coll and moe_alltoall documents, trimmed
ib_keys = ("transport", "op", "size", "lat_us_p50", "lat_is", "bw_gbps")
coll_keys = ("op", "mode", "size", "oop_time_us", "oop_lat_us_p50",
             "ib_lat_us_p50", "socket_lat_us_p50", "transport")
moe_keys = ("tokens", "combine_us_p50")
lb = "results/gpu/h200-loopback-20261203/"
for n in ("iblat_tcp", "iblat_tcp_bp"):
    with open(rel(lb + n + ".json")) as f:
        d = trim(json.load(f), ib_keys)
    put("sim_net_merge", n + ".json", dump(d))
    for r in d["results"]:
        r["transport"] = "write" if n == "iblat_tcp" else "read"
        r.pop("lat_is", None)
    put("sim_net_merge", "edit-" + n + "-as-rdma.json", dump(d))
for n in ("nccl_n2", "nccl_n2dec", "nccl_n4", "nccl_n8"):
    with open(rel(lb + n + ".json")) as f:
        doc = json.load(f)
    put("sim_net_merge", n + ".json",
        dump(trim(doc, coll_keys, 10, lambda r: r.get("mode") != "graph")))
    put("sim_net_merge", n + "-graph.json",
        dump(trim(doc, coll_keys, 6, lambda r: r.get("mode") == "graph")))
with open(rel("results/gpu/nccl_coll_h100_decode_qwen3-coder-30b-a3b.json")) \
        as f:
    put("sim_net_merge", "nccl_coll_h100_decode_1rank.json",
        dump(trim(json.load(f), coll_keys, 4)))
with open(rel("results/gpu/moe_alltoall_eptp_zipf_1rank.json")) as f:
    d = trim(json.load(f), moe_keys, 6)
put("sim_net_merge", "moe_alltoall_eptp_zipf_1rank.json", dump(d))
d["meta"].update(nranks=2, transport="ib")
put("sim_net_merge", "edit-moe_alltoall_eptp_2rank_ib.json", dump(d))

# sim_import: netroof CSV, vLLM latency (+ sidecar) and serve, llama-benchy
dep = "deploy: model=qwen3-coder-30b-a3b transport=roce"
copy("sim_import", "results/vllm/qwen3-coder-gb10-2node.csv")
for p in sorted(glob.glob(rel("tests/sim/vllm/serve/*"))):
    copy("sim_import", os.path.relpath(p, root), "serve-" +
         os.path.basename(p))
for p in sorted(glob.glob(rel("tests/sim/vllm/expected/*.csv"))):
    copy("sim_import", os.path.relpath(p, root), "expected-" +
         os.path.basename(p))
with open(rel("tests/sim/vllm/latency/tp2.json"), "rb") as f:
    lat = f.read()
with open(rel("tests/sim/vllm/latency/tp2.pytorch.json"), "rb") as f:
    side = f.read()
put("sim_import", "latency-tp2-sidecar", (dep + "\n").encode() + lat +
    b"\0" + side)
put("sim_import", "latency-tp2-ttft", (dep + " ttft=60.3\n").encode() + lat +
    b"\0" + side)
with open(rel("tests/sim/vllm/latency-bare.json"), "rb") as f:
    put("sim_import", "latency-bare", (dep + " tp=2 ctx=32 out=128 batch=1 "
        "spec=none\n").encode() + f.read())
with open(rel("tests/sim/vllm/llama-benchy.json"), "rb") as f:
    put("sim_import", "llama-benchy", (dep + " tp=2 spec=none\n").encode() +
        f.read())
for p in sorted(glob.glob(rel("tests/sim/bad/*"))):
    b = os.path.basename(p)
    if b.endswith(".pytorch.json"):
        continue
    with open(p, "rb") as f:
        data = f.read()
    sc = p[:-5] + ".pytorch.json"
    if os.path.exists(sc):
        with open(sc, "rb") as f:
            data = (dep + "\n").encode() + data + b"\0" + f.read()
    put("sim_import", "bad-" + b, data)

# vb_dest: the record ib_lat sends (tests/ib_lat/test_wire.c's), both forms
qp = bytes.fromhex("00000011" "00abcdef" "deadbeef" "00000003"
                   "00007f1234567000" "00000000000000000000ffff0a000001"
                   "00000000" "00000001")
put("vb_dest", "oob-roce-v2", qp)
put("vb_dest", "rdmacm", qp[:4] + bytes(4) + qp[8:12] + bytes(4) +
    qp[16:24] + bytes(24))
put("vb_dest", "ib-lid", qp[:24] + bytes.fromhex(
    "fe800000000000000002c90300a1b2c3") + bytes.fromhex("0000001a00000000"))
put("vb_dest", "short", qp[:47])

# a2a_routing: 5 geometry bytes (see fuzz_a2a_routing.c), then the file
with open(rel("tests/moe_alltoall/data/skew2.matrix"), "rb") as f:
    put("a2a_routing", "matrix-skew2-e8k2", bytes([0, 1, 7, 1, 7]) + f.read())
with open(rel("tests/moe_alltoall/data/trace_k2.csv"), "rb") as f:
    put("a2a_routing", "trace-k2-e8", bytes([1, 1, 7, 1, 3]) + f.read())
put("a2a_routing", "matrix-uniform4-e16k4", bytes([0, 3, 15, 3, 15]) +
    b"1 1 1 1\n1 1 1 1\n1 1 1 1\n1 1 1 1\n")
put("a2a_routing", "trace-ids-k2-e8", bytes([1, 1, 7, 1, 1]) +
    b"0,5\n4,7\n1,2\n6,3\n")
