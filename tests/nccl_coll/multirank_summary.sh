#!/bin/sh
# nccl_coll/multirank_summary.py on files in the shape bench_multirank.sh
# writes (meta, rows and keys as nccl_coll and ib_lat write them): the
# tables hold each file's figures under its n; a time-sliced or one-rank
# file is listed with why and kept out of the tables.
#   multirank_summary.sh SCRIPT
script=$1
command -v python3 >/dev/null || { echo "SKIP: needs python3" >&2; exit 77; }
dir=$(mktemp -d) || exit 99
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY' || exit 1
import json, os, sys
d = sys.argv[1]
def coll(n, p50, pipe, sliced=False, nranks=None):
    m = {"nranks": nranks or n, "transport": "socket" if n > 1 else
         "none/intra-process", "mps": {"state": "off" if sliced else "on"},
         "figures_are_latencies": not sliced,
         "same_machine_caveat": "%d ranks on one GPU of one host over "
         "loopback TCP (NCCL's socket transport): not a link between boxes"
         % n}
    rows = [{"op": "allreduce", "size": 4096, "mode": "graph",
             "oop_lat_us_p50": p50, "oop_time_us": pipe,
             "nccl_algo": "RING", "nccl_proto": "LL"},
            {"op": "allreduce", "size": 4096, "mode": "eager",
             "oop_lat_us_p50": p50 + 10, "oop_time_us": pipe + 10,
             "nccl_algo": "RING", "nccl_proto": "LL"}]
    return {"meta": m, "results": rows, "error": None,
            "summary": {"data_check": "passed"}}
for name, doc in (("nccl_coll_h200_hosts2_sweep", coll(2, 65.5, 42.25)),
                  ("nccl_coll_h200_hosts4_sweep", coll(4, 150.0, 120.0)),
                  ("nccl_coll_h200_hosts2_timesliced",
                   coll(2, 4500.0, 4400.0, sliced=True))):
    json.dump(doc, open(os.path.join(d, name + ".json"), "w"))
json.dump({"meta": {}, "error": None, "results": [
    {"size": 8, "lat_us_p50": 9.5, "lat_us_p99": 20.0}]},
    open(os.path.join(d, "ib_lat_tcp_loopback.json"), "w"))
json.dump({"meta": {}, "error": None, "results": [
    {"size": 8, "lat_us_p50": 6.25, "lat_us_p99": 8.0}]},
    open(os.path.join(d, "ib_lat_tcp_loopback_busypoll.json"), "w"))
PY
python3 "$script" "$dir" >"$dir/out" || { echo "FAIL: exit $?" >&2; exit 1; }
fail=0
want() {
	grep -qF -- "$1" "$dir/out" || { echo "FAIL: no '$1' in:" >&2
		cat "$dir/out" >&2; fail=1; }
}
want "| sweep | allreduce | 4096 | 65.5 | 42.2 | RING/LL | 150.0 | 120.0 | RING/LL |"
want "| sweep | allreduce | 4096 | 75.5 | 52.2 | RING/LL | 160.0 | 130.0 | RING/LL |"
want "| nccl_coll_h200_hosts2_timesliced.json | 2 | socket | off | False | passed | no: time-sliced (no MPS): not latencies |"
want "| 8 | 9.5 | 20.0 | 6.2 | 8.0 |"
want "2 ranks on one GPU of one host over loopback TCP"
grep -q "4500" "$dir/out" && { echo "FAIL: a time-sliced figure in a table" >&2; fail=1; }
[ $fail -eq 0 ] && echo "ok: summary tables"
exit $fail
