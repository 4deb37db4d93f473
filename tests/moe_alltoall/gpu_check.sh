#!/bin/sh
# moe_alltoall on a real GPU (exit 77 where there is none): run one pattern
# with the in-run check and -J, then hold the JSON to what it may claim:
# the data check passed with every planned step checked (each received
# token and each combined output per token, against the routing of every
# rank), and the meta states GPUDirect RDMA only as observed (no fixed
# sentence about GB10); with --local-hosts N also the socket transport,
# MPS and the caveat. Exit 77 from the tool (no GPU, no MPS) is a skip.
#   gpu_check.sh EXE ARGS...
exe=$1; shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"$exe" -q "$@" -J "$dir/run.json"
rc=$?
[ $rc -eq 77 ] && exit 77
if [ $rc -ne 0 ]; then echo "FAIL: exit $rc: $*" >&2; exit 1; fi
command -v python3 >/dev/null || {
	grep -q '"data_check": "passed"' "$dir/run.json" || {
		echo "FAIL: data check not passed" >&2; exit 1; }
	echo "ok (python3 missing: data_check only)"; exit 0; }
python3 - "$dir/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, m = d["summary"], d["meta"]
assert s["data_check"] == "passed", s
assert s["checks_planned"] > 0 and s["checks_done"] == s["checks_planned"], s
assert s["wrong_total"] == 0, s
assert "gpudirect_rdma_note" not in m, "fixed GPUDirect RDMA sentence in meta"
assert "does not offer" not in json.dumps(m), "unobserved claim in meta"
g = m["gpudirect_rdma"]
assert g["nvidia_peermem"] in ("loaded", "not loaded", None), g
assert g["cuda_gpudirect_rdma_supported"] in (True, False, None), g
# one rank crosses no network: NCCL logged no NET connection
if m["nranks"] == 1:
    assert g["nccl_connection_gdrdma"] is None, g
# --local-hosts: N ranks on one GPU, NCCL's socket transport, MPS
if m.get("local_hosts"):
    n = m["local_hosts"]
    assert m["nranks"] == n and d["params"]["ep"] == n, (m["nranks"], n)
    assert m["transport"] == "socket", m["transport"]
    assert m["path"]["detail"].startswith("NET/Socket"), m["path"]
    assert m["mps"]["state"].startswith("on"), m["mps"]
    assert m["figures_are_latencies"] is True and \
        s["figures_are_latencies"] is True, m
    assert "loopback TCP" in m["same_machine_caveat"], m
    rows = d["results"]
    assert rows and all(r["wrong"] == 0 for r in rows), rows
    assert not any("time_sliced" in r for r in rows), rows
print("ok:", m["nranks"], "rank(s),", s["checks_done"], "steps checked;",
      "gpudirect_rdma", g)
PY
